//! IRSA209: a trust policy irsa-tui cannot judge (it does not parse, it is missing, or its
//! decision depends on something the evaluator does not know). Never a guessed allow.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::policy::ParseError;

use super::subject::Subject;

pub const IRSA209: Entry = Entry {
    code: Code::IRSA209,
    grade: Grade::Is(Severity::Error),
    meaning: "the trust policy cannot be parsed or uses an element the evaluator does not support",
    why: "The trust policy cannot be parsed, or uses an element or operator irsa-tui does not evaluate, or its decision depends on a value only known when STS is called. irsa-tui never guesses allow.",
    fix: "Rewrite the statement with supported elements; irsa-tui prints a reference trust policy for the ServiceAccount.",
    stage: Stage::Trust,
};

/// Why the trust policy cannot be judged.
pub enum Unsupported<'a> {
    /// The document does not parse (after URL-decoding).
    Unparsable(&'a ParseError),
    /// The decision depends on elements, operators or values the evaluator cannot decide.
    Undetermined(&'a [String]),
    /// IAM returned the role without an `AssumeRolePolicyDocument`.
    Missing { role_arn: &'a str },
}

/// IRSA209 for `subject`'s role. The fix (a reference policy) is added by the caller, which
/// knows whether one applies.
pub fn unsupported(why: Unsupported, subject: &Subject) -> Finding {
    match why {
        Unsupported::Unparsable(e) => IRSA209
            .finding(
                format!("The trust policy of {} cannot be parsed", subject.role_label()),
                format!(
                    "{e}. IAM cannot evaluate a document it cannot read, so no ServiceAccount can assume the role through it. Replace it with the policy below."
                ),
            )
            .evidence("error", e.to_string()),
        Unsupported::Undetermined(reasons) => IRSA209
            .finding(
                format!(
                    "The trust policy of {} uses elements irsa-tui cannot evaluate for {}",
                    subject.role_label(),
                    subject.name()
                ),
                format!(
                    "{}. irsa-tui never guesses \"allow\": rewrite the statement with the supported elements shown in the fix.",
                    reasons
                        .first()
                        .map(String::as_str)
                        .unwrap_or("the policy could not be evaluated")
                ),
            )
            .evidence("reasons", reasons.to_vec()),
        Unsupported::Missing { role_arn } => IRSA209
            .finding(
                format!("The trust policy of {} was not returned", subject.role_label()),
                "IAM returned the role without an AssumeRolePolicyDocument, so the trust cannot be evaluated; irsa-tui never assumes it allows.",
            )
            .evidence("role_arn", role_arn),
    }
}
