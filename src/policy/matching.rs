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
        let fold = |c: char| -> char {
            if ignore_case {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c
            }
        };
        let p = &self.0;
        let t: Vec<char> = text.chars().map(fold).collect();
        // Iterative matcher with single-star backtracking: no recursion, no blow-up.
        let (mut pi, mut ti) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            let step = match p.get(pi) {
                Some(Tok::One) => true,
                Some(Tok::Lit(c)) => fold(*c) == t[ti],
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
