//! String matching as IAM does it: `*`/`?` wildcards and ARN component matching.

/// One element of a policy value: a literal character, `*` (any run) or `?` (one char).
/// Policy variables such as `${*}` produce literal `*` characters, hence tokens, not text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Lit(char),
    Star,
    One,
}

/// A policy value ready for matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern(pub Vec<Tok>);

impl Pattern {
    /// A value as written in the policy: `*` and `?` are wildcards.
    pub fn from_policy_text(s: &str) -> Self {
        Pattern(
            s.chars()
                .map(|c| match c {
                    '*' => Tok::Star,
                    '?' => Tok::One,
                    c => Tok::Lit(c),
                })
                .collect(),
        )
    }

    /// Text taken literally (a substituted variable value, `${*}`).
    pub fn push_literal(&mut self, s: &str) {
        self.0.extend(s.chars().map(Tok::Lit));
    }

    /// The value as plain text, wildcards written as `*` and `?`.
    pub fn literal_text(&self) -> String {
        self.0
            .iter()
            .map(|t| match t {
                Tok::Lit(c) => *c,
                Tok::Star => '*',
                Tok::One => '?',
            })
            .collect()
    }

    /// Same as [`Pattern::literal_text`]; used where the text is matched as a glob again.
    pub fn to_glob_text(&self) -> String {
        self.literal_text()
    }

    /// Exact comparison (`StringEquals`): wildcard characters are ordinary characters.
    pub fn equals(&self, text: &str, ignore_case: bool) -> bool {
        let lit = self.literal_text();
        if ignore_case {
            lit.to_lowercase() == text.to_lowercase()
        } else {
            lit == text
        }
    }

    /// Wildcard comparison (`StringLike`).
    pub fn matches(&self, text: &str, ignore_case: bool) -> bool {
        // Action names and ARNs are ASCII nearly always: no allocation for them.
        if text.is_ascii() {
            return matches_ascii(&self.0, text.as_bytes(), ignore_case);
        }
        let t: Vec<char> = text.chars().collect();
        matches_chars(&self.0, &t, ignore_case)
    }
}

/// The pattern matches the text. Iterative, with single-star backtracking: no recursion,
/// no blow-up (O(pattern × text) at worst).
pub fn matches_chars(p: &[Tok], t: &[char], ignore_case: bool) -> bool {
    matches_with(p, t, |c, d| same_char(c, d, ignore_case))
}

/// [`matches_chars`] over ASCII text, without collecting it into characters.
fn matches_ascii(p: &[Tok], t: &[u8], ignore_case: bool) -> bool {
    matches_with(p, t, |c, b| {
        if c.is_ascii() {
            c == char::from(b) || (ignore_case && (c as u8).eq_ignore_ascii_case(&b))
        } else {
            // A character such as the Kelvin sign lower-cases to an ASCII letter.
            same_char(c, char::from(b), ignore_case)
        }
    })
}

/// The matcher over any text unit, `same` comparing a pattern character with one.
fn matches_with<T: Copy>(p: &[Tok], t: &[T], same: impl Fn(char, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some(Tok::One) => true,
            Some(Tok::Lit(c)) => same(*c, t[ti]),
            _ => false,
        };
        if step {
            pi += 1;
            ti += 1;
        } else if p.get(pi) == Some(&Tok::Star) {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p.get(pi) == Some(&Tok::Star) {
        pi += 1;
    }
    pi == p.len()
}

/// Every text `inner` matches, `outer` matches too (`inner` ⊆ `outer`). A `*` of `inner`
/// can only be taken by a `*` of `outer`, a `?` by `?` or `*`, a character by itself, `?`
/// or `*`. Exact for the patterns policies hold, and never says "covers" when it does not.
pub fn covers(outer: &[Tok], inner: &[Tok], ignore_case: bool) -> bool {
    let (n, m) = (outer.len(), inner.len());
    // reachable[i][j]: outer[..i] can take inner[..j].
    let mut reachable = vec![vec![false; m + 1]; n + 1];
    reachable[0][0] = true;
    for i in 0..=n {
        for j in 0..=m {
            if !reachable[i][j] {
                continue;
            }
            match outer.get(i) {
                Some(Tok::Star) => {
                    reachable[i + 1][j] = true;
                    if j < m {
                        reachable[i][j + 1] = true;
                    }
                }
                Some(Tok::One) if matches!(inner.get(j), Some(Tok::One | Tok::Lit(_))) => {
                    reachable[i + 1][j + 1] = true;
                }
                Some(Tok::Lit(c)) => {
                    if let Some(Tok::Lit(d)) = inner.get(j)
                        && same_char(*c, *d, ignore_case)
                    {
                        reachable[i + 1][j + 1] = true;
                    }
                }
                _ => {}
            }
        }
    }
    reachable[n][m]
}

/// Some text matches both patterns.
pub fn intersects(a: &[Tok], b: &[Tok], ignore_case: bool) -> bool {
    let (n, m) = (a.len(), b.len());
    let mut seen = vec![vec![false; m + 1]; n + 1];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[i][j] {
            continue;
        }
        seen[i][j] = true;
        if i == n && j == m {
            return true;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        // A `*` may take nothing.
        if x == Some(Tok::Star) {
            stack.push((i + 1, j));
        }
        if y == Some(Tok::Star) {
            stack.push((i, j + 1));
        }
        // Both take the same one character.
        let (Some(x), Some(y)) = (x, y) else {
            continue;
        };
        let compatible = match (x, y) {
            (Tok::Lit(c), Tok::Lit(d)) => same_char(c, d, ignore_case),
            _ => true,
        };
        if compatible {
            let ni = if x == Tok::Star { i } else { i + 1 };
            let nj = if y == Tok::Star { j } else { j + 1 };
            stack.push((ni, nj));
        }
    }
    false
}

pub(super) fn same_char(a: char, b: char, ignore_case: bool) -> bool {
    if a == b {
        true
    } else if ignore_case && a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(&b)
    } else if ignore_case {
        a.to_lowercase().eq(b.to_lowercase())
    } else {
        a == b
    }
}

/// Matches `text` against an IAM wildcard `pattern`: `*` matches any run of characters
/// (including none), `?` exactly one character. Everything else is literal.
pub fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    Pattern::from_policy_text(pattern).matches(text, ignore_case)
}

/// True when the string carries an IAM wildcard character.
pub fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// `ArnEquals`/`ArnLike`: both sides are split into their six colon-delimited components and
/// each component is matched separately, wildcards allowed, case-sensitively. A value that
/// does not have six components is not an ARN and never matches.
pub fn arn_match(pattern: &str, text: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let t: Vec<&str> = text.splitn(6, ':').collect();
    if p.len() != 6 || t.len() != 6 {
        return false;
    }
    p.iter()
        .zip(t.iter())
        .all(|(pp, tt)| glob_match(pp, tt, false))
}

/// Levenshtein distance, for "did you mean" evidence.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS rule (IAM condition operators, StringLike): "*" matches any combination of
    // characters, including none; "?" matches exactly one character.
    fn p(s: &str) -> Pattern {
        Pattern::from_policy_text(s)
    }

    #[test]
    fn covering_and_intersecting_patterns() {
        let covers = |a: &str, b: &str| super::covers(&p(a).0, &p(b).0, true);
        let meets = |a: &str, b: &str| super::intersects(&p(a).0, &p(b).0, true);
        assert!(covers("s3:*", "s3:Get*"));
        assert!(covers("s3:Get*", "S3:GETOBJECT"));
        assert!(covers("*", "s3:?etObject"));
        assert!(covers("s3:?et*", "s3:Get*"));
        assert!(!covers("s3:Get*", "s3:*"));
        assert!(!covers("s3:GetObject", "s3:Get*"));
        assert!(!covers("s3:G?tObject", "s3:*Object"));
        assert!(!covers("s3:Delete*", "s3:*"));
        assert!(meets("s3:Get*", "s3:*Object"));
        assert!(meets("s3:?etObject", "S3:GETOBJECT"));
        assert!(!meets("s3:Get*", "s3:Put*"));
        assert!(!meets("logs:*", "s3:*"));
        assert!(meets("*", ""));
        assert!(!meets("?", ""));
    }

    #[test]
    fn string_like_star_matches_any_run_including_empty() {
        let cases = [
            (
                "system:serviceaccount:prod:*",
                "system:serviceaccount:prod:api",
                true,
            ),
            (
                "system:serviceaccount:prod:*",
                "system:serviceaccount:prod:",
                true,
            ),
            ("*", "", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("*:api", "system:serviceaccount:prod:api", true),
            ("*x", "yyy", false),
        ];
        for (p, t, want) in cases {
            assert_eq!(glob_match(p, t, false), want, "{p} vs {t}");
        }
    }

    // AWS rule: "?" matches exactly one character, never zero and never two.
    #[test]
    fn string_like_question_mark_matches_exactly_one_character() {
        assert!(glob_match("ap?", "api", false));
        assert!(!glob_match("ap?", "ap", false));
        assert!(!glob_match("ap?", "apii", false));
        assert!(glob_match("??", "ab", false));
    }

    // AWS rule: string operators other than the IgnoreCase ones are case-sensitive.
    #[test]
    fn glob_is_case_sensitive_unless_asked() {
        assert!(!glob_match("Prod", "prod", false));
        assert!(glob_match("Prod", "prod", true));
        assert!(glob_match(
            "sts:assumerole*",
            "sts:AssumeRoleWithWebIdentity",
            true
        ));
    }

    // AWS rule (ARN condition operators): each of the six colon-delimited components is
    // checked separately and may use wildcards.
    #[test]
    fn arn_like_matches_component_wise() {
        let arn = "arn:aws:iam::111122223333:role/app";
        assert!(arn_match("arn:aws:iam::*:role/app", arn));
        assert!(arn_match("arn:aws:iam::111122223333:role/*", arn));
        assert!(!arn_match("arn:aws:iam::111122223333:role/other", arn));
        assert!(!arn_match("arn:aws:iam::111122223333", arn));
        assert!(!arn_match("*", arn), "a bare * is not a six-part ARN");
        assert!(!arn_match("arn:aws:iam::*:role/app", "not-an-arn"));
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("payments", "payment"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

#[cfg(test)]
mod ascii_tests {
    use super::*;

    /// The ASCII fast path answers as the general matcher does.
    #[test]
    fn ascii_text_matches_as_characters_do() {
        let cases = [
            ("s3:Get*", "s3:GetObject", true),
            ("S3:get*", "s3:GetObject", true),
            ("s3:?etObject", "s3:GetObject", true),
            ("s3:*Object", "s3:GetObjectAcl", false),
            ("*", "", true),
            ("a*b*c", "aXbYc", true),
            ("\u{212a}ms:Decrypt", "kms:Decrypt", true),
        ];
        for (p, t, want) in cases {
            let pat = Pattern::from_policy_text(p);
            let chars: Vec<char> = t.chars().collect();
            assert_eq!(pat.matches(t, true), want, "{p} ~ {t}");
            assert_eq!(
                matches_chars(&pat.0, &chars, true),
                want,
                "{p} ~ {t} (chars)"
            );
            assert_eq!(
                pat.matches(t, false),
                matches_chars(&pat.0, &chars, false),
                "{p} ~ {t} case-sensitive"
            );
        }
    }
}
