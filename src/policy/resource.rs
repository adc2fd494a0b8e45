//! The `Resource` element of an identity-based policy: IAM's ARN matching.
//!
//! IAM splits an ARN into `arn:partition:service:region:account:resource`. A wildcard in
//! one of the first five segments stays inside it; in the resource part (everything after
//! the fifth colon) `*` matches any run of characters, colons and slashes included, `?`
//! exactly one character. A policy ARN with fewer than six segments stands for all the
//! ARNs its last `*` expands to (`arn:aws:ec2:*` names every EC2 resource): the missing
//! segments are `*`. `"*"` alone names every resource. Resource ARNs compare
//! case-sensitively (`user/Bob` is not `user/bob`); the segments before the resource part
//! are lower-case by definition and compare without case.
//!
//! A requested resource may itself hold `*` (`arn:aws:s3:::payments/*`: "some object of
//! that bucket"). Then a policy resource may name all of them, some, or none, and the
//! statement's effect decides what counts: an Allow applies when it names some of them,
//! a Deny only when it names all of them (a Deny of a few objects does not deny "the
//! bucket's objects"). This is how the IAM policy simulator reads `*` as a resource.

use super::matching::{Pattern, Tok, covers, intersects, matches_chars};

/// How much of the requested resources a policy resource element names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    None,
    Some,
    All,
}

impl Reach {
    /// The complement's reach (`NotResource`): what the element does not name.
    pub fn complement(self) -> Reach {
        match self {
            Reach::None => Reach::All,
            Reach::Some => Reach::Some,
            Reach::All => Reach::None,
        }
    }
}

/// A requested resource, split once for all the statements it is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedResource {
    text: String,
    /// `*` alone: every resource.
    everything: bool,
    /// The six segments, when it is an ARN (the resource part may hold colons).
    segments: Option<[String; 6]>,
    /// It holds `*`: a set of resources, not one.
    wildcard: bool,
}

impl RequestedResource {
    pub fn new(text: &str) -> Self {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let segments = match parts.as_slice() {
            [a, b, c, d, e, f] if a.eq_ignore_ascii_case("arn") => Some([
                (*a).to_owned(),
                (*b).to_owned(),
                (*c).to_owned(),
                (*d).to_owned(),
                (*e).to_owned(),
                (*f).to_owned(),
            ]),
            _ => None,
        };
        RequestedResource {
            text: text.to_owned(),
            everything: text == "*",
            segments,
            wildcard: text.contains('*'),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// It names a set of resources (holds `*`) rather than one.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// How much of this request one policy resource names (variables already resolved).
    pub fn reach(&self, policy: &Pattern) -> Reach {
        if policy.0 == [Tok::Star] {
            return Reach::All;
        }
        if self.everything {
            // Every resource: a narrower pattern names some of them.
            return Reach::Some;
        }
        let Some(request) = &self.segments else {
            // Not an ARN: only "*" names it.
            return Reach::None;
        };
        let policy = policy_segments(policy);
        let mut reach = Reach::All;
        for (i, (p, r)) in policy.iter().zip(request.iter()).enumerate() {
            let ignore_case = i < 5;
            let segment = if !self.wildcard {
                let r: Vec<char> = r.chars().collect();
                if matches_chars(p, &r, ignore_case) {
                    Reach::All
                } else {
                    Reach::None
                }
            } else if covers(p, &request_tokens(r), ignore_case) {
                Reach::All
            } else if intersects(p, &request_tokens(r), ignore_case) {
                Reach::Some
            } else {
                Reach::None
            };
            reach = reach.min(segment);
            if reach == Reach::None {
                break;
            }
        }
        reach
    }
}

/// The reach of a whole `Resource` (`negated`: `NotResource`) element, given each of its
/// patterns' reach: `Resource` names what any pattern names; `NotResource` what none does.
/// (For several `NotResource` patterns that only together name all of a wildcard request,
/// this says `Some`: the union is not computed.)
pub fn element_reach(negated: bool, reaches: impl IntoIterator<Item = Reach>) -> Reach {
    let best = reaches.into_iter().max().unwrap_or(Reach::None);
    if negated { best.complement() } else { best }
}

/// The policy pattern as six segments: split at the first five `:`; fewer segments are
/// padded with `*`.
fn policy_segments(policy: &Pattern) -> Vec<Vec<Tok>> {
    let mut out: Vec<Vec<Tok>> = vec![Vec::new()];
    for t in &policy.0 {
        match t {
            Tok::Lit(':') if out.len() < 6 => out.push(Vec::new()),
            other => {
                if let Some(last) = out.last_mut() {
                    last.push(*other);
                }
            }
        }
    }
    while out.len() < 6 {
        out.push(vec![Tok::Star]);
    }
    out
}

/// A requested segment as tokens: its `*` is a wildcard, every other character literal
/// (a `?` in a requested ARN is a question mark).
fn request_tokens(segment: &str) -> Vec<Tok> {
    segment
        .chars()
        .map(|c| if c == '*' { Tok::Star } else { Tok::Lit(c) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(policy: &str, request: &str) -> Reach {
        RequestedResource::new(request).reach(&Pattern::from_policy_text(policy))
    }

    // IAM: "*" alone names every resource.
    #[test]
    fn star_names_everything() {
        assert_eq!(reach("*", "arn:aws:s3:::b/k"), Reach::All);
        assert_eq!(reach("*", "*"), Reach::All);
        assert_eq!(reach("*", "not-an-arn"), Reach::All);
    }

    // IAM: a wildcard within a segment does not cross the colons of the first five segments.
    #[test]
    fn wildcards_stay_in_their_segment_before_the_resource_part() {
        assert_eq!(
            reach(
                "arn:aws:sqs:us-*:111122223333:q",
                "arn:aws:sqs:us-east-2:111122223333:q"
            ),
            Reach::All
        );
        assert_eq!(
            reach(
                "arn:aws:sqs:*:111122223333:q",
                "arn:aws:sqs:us-east-2:111122223333:q"
            ),
            Reach::All
        );
        // `us-*` cannot take `east-2:111122223333` to reach the account segment.
        assert_eq!(
            reach("arn:aws:sqs:us-*:q", "arn:aws:sqs:us-east-2:111122223333:q"),
            Reach::None
        );
        assert_eq!(
            reach(
                "arn:aws:sqs:eu-*:111122223333:q",
                "arn:aws:sqs:us-east-2:111122223333:q"
            ),
            Reach::None
        );
    }

    // IAM: in the resource part `*` expands over `/` and `:`, `?` is one character.
    #[test]
    fn the_resource_part_matches_as_one_glob() {
        assert_eq!(
            reach("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c.jpg"),
            Reach::All
        );
        assert_eq!(
            reach("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/test/3/x"),
            Reach::All
        );
        assert_eq!(
            reach("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1-test/x"),
            Reach::None
        );
        assert_eq!(
            reach(
                "arn:aws:logs:us-east-1:1:log-group:app:*",
                "arn:aws:logs:us-east-1:1:log-group:app:log-stream:s"
            ),
            Reach::All
        );
        assert_eq!(
            reach(
                "arn:aws:s3:::example?bucket/*",
                "arn:aws:s3:::example1bucket/k"
            ),
            Reach::All
        );
        assert_eq!(
            reach(
                "arn:aws:s3:::example?bucket/*",
                "arn:aws:s3:::examplebucket/k"
            ),
            Reach::None
        );
        // The bucket ARN is not an object ARN.
        assert_eq!(reach("arn:aws:s3:::b/*", "arn:aws:s3:::b"), Reach::None);
        assert_eq!(reach("arn:aws:s3:::b", "arn:aws:s3:::b/k"), Reach::None);
    }

    // IAM: "In the Resource element, the IAM user name is case sensitive."
    #[test]
    fn resource_names_are_case_sensitive() {
        assert_eq!(
            reach("arn:aws:iam::1:user/Bob", "arn:aws:iam::1:user/Bob"),
            Reach::All
        );
        assert_eq!(
            reach("arn:aws:iam::1:user/Bob", "arn:aws:iam::1:user/bob"),
            Reach::None
        );
        assert_eq!(
            reach("arn:aws:IAM::1:user/Bob", "arn:aws:iam::1:user/Bob"),
            Reach::All
        );
    }

    // IAM: "If the * wildcard is the last character of a resource ARN segment, it can expand
    // to match beyond the colon boundaries."
    #[test]
    fn a_short_arn_ending_in_a_star_names_everything_below_it() {
        assert_eq!(
            reach("arn:aws:ec2:*", "arn:aws:ec2:us-east-1:1:instance/i-1"),
            Reach::All
        );
        assert_eq!(reach("arn:aws:*", "arn:aws:s3:::b/k"), Reach::All);
        assert_eq!(reach("arn:aws:ec2:*", "arn:aws:s3:::b"), Reach::None);
    }

    #[test]
    fn a_request_that_is_not_an_arn_is_named_by_star_only() {
        assert_eq!(reach("arn:aws:s3:::b", "b"), Reach::None);
    }

    // A wildcard request is a set: a policy resource names all, some or none of it.
    #[test]
    fn a_wildcard_request_is_named_wholly_partly_or_not_at_all() {
        assert_eq!(
            reach("arn:aws:s3:::payments/*", "arn:aws:s3:::payments/*"),
            Reach::All
        );
        assert_eq!(
            reach("arn:aws:s3:::*", "arn:aws:s3:::payments/*"),
            Reach::All
        );
        assert_eq!(
            reach("arn:aws:s3:::payments/tmp/*", "arn:aws:s3:::payments/*"),
            Reach::Some
        );
        assert_eq!(
            reach("arn:aws:s3:::payments/?", "arn:aws:s3:::payments/*"),
            Reach::Some
        );
        assert_eq!(
            reach("arn:aws:s3:::other/*", "arn:aws:s3:::payments/*"),
            Reach::None
        );
        assert_eq!(
            reach("arn:aws:s3:::pay*", "arn:aws:s3:::payments/*"),
            Reach::All
        );
        // A `?` of the policy cannot stand for the request's `*` (which may be empty).
        assert_eq!(
            reach("arn:aws:s3:::payments/?*", "arn:aws:s3:::payments/*"),
            Reach::Some
        );
        assert_eq!(reach("arn:aws:s3:::b/k", "*"), Reach::Some);
    }

    #[test]
    fn not_resource_names_the_complement() {
        assert_eq!(element_reach(true, [Reach::All]), Reach::None);
        assert_eq!(element_reach(true, [Reach::None, Reach::None]), Reach::All);
        assert_eq!(element_reach(true, [Reach::Some]), Reach::Some);
        assert_eq!(
            element_reach(false, [Reach::None, Reach::Some]),
            Reach::Some
        );
    }
}
