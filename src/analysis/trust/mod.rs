//! Would IAM let this ServiceAccount's token assume this role? The decision, the trace,
//! and the catalog's IRSA2xx findings (IRSA201–IRSA210 when denied, IRSA220–IRSA223 when
//! allowed), each with a corrected trust policy that was checked to work.

pub(crate) mod deny;
pub(crate) mod exposure;
pub mod fix;
mod subject;
pub(crate) mod unsupported;

use serde::Serialize;
use serde_json::Value;

use crate::arn::ProviderArn;
use crate::policy::{
    Decision, ParseError, PolicyDocument, Reason, Request, StatementTrace, allowing_statement,
    evaluate,
};

use super::finding::Finding;
use fix::{Cause, Edit};
pub use subject::Subject;
use unsupported::{Unsupported, unsupported};

/// The answer to "would IAM let this token assume the role?", as `trust --format json`
/// prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustAssessment {
    pub decision: Decision,
    /// Index of the deciding statement (the allowing one, or the explicit Deny).
    pub statement: Option<usize>,
    pub trace: Vec<StatementTrace>,
    pub findings: Vec<Finding>,
    /// The corrected trust policy carried by the findings' fixes, if any.
    #[serde(skip)]
    pub corrected_policy: Option<Value>,
}

/// The most a role trust policy holds in IAM: 4,096 characters, white space aside (2,048
/// unless the account's quota was raised).
pub const TRUST_POLICY_MAX_CHARS: usize = 4096;

/// A trust policy (raw or percent-encoded JSON), refused when larger than IAM holds: such a
/// document is not a trust policy of any role, and its size would only make the exposure
/// probes and the fix search slow.
pub fn parse_trust_policy(text: &str) -> Result<PolicyDocument, ParseError> {
    let trimmed = text.trim();
    let decoded;
    let body = if trimmed.starts_with('{') {
        trimmed
    } else {
        decoded = percent_encoding::percent_decode_str(trimmed).decode_utf8_lossy();
        decoded.as_ref()
    };
    let size = body.chars().filter(|c| !c.is_whitespace()).count();
    if size > TRUST_POLICY_MAX_CHARS {
        return Err(ParseError(format!(
            "the trust policy has {size} characters (white space aside); IAM holds at most {TRUST_POLICY_MAX_CHARS} in a role trust policy (2,048 unless the quota was raised)"
        )));
    }
    PolicyDocument::parse(text)
}

/// Assesses a trust policy (raw or percent-encoded JSON) for `subject`.
pub fn assess(policy_text: &str, subject: &Subject) -> TrustAssessment {
    assess_parsed(&parse_trust_policy(policy_text), subject)
}

/// Assesses the result of parsing a trust policy (parsed once, assessed per subject).
pub fn assess_parsed(
    parsed: &Result<PolicyDocument, ParseError>,
    subject: &Subject,
) -> TrustAssessment {
    match parsed {
        Ok(doc) => assess_document(doc, subject),
        Err(e) => {
            let finding = unsupported(Unsupported::Unparsable(e), subject);
            let corrected = fix::reference_policy(subject);
            let finding = finding.fix_steps(fix::fix_lines(subject, &corrected));
            TrustAssessment {
                decision: Decision::Deny,
                statement: None,
                trace: Vec::new(),
                findings: vec![finding],
                corrected_policy: Some(corrected),
            }
        }
    }
}

/// Assesses an already parsed trust policy for `subject`.
pub fn assess_document(doc: &PolicyDocument, subject: &Subject) -> TrustAssessment {
    let mut subject = subject.clone();
    subject.fix_account = policy_account(doc);
    let request = subject.request();
    let eval = evaluate(doc, &request);
    let (causes, probes) = match &eval.reason {
        Reason::Allowed(_) => {
            let found = exposure::exposures(doc, &subject);
            (found.causes, found.admitted)
        }
        Reason::ExplicitDeny(i) => (
            vec![deny::explicit_deny(doc, &eval, *i, &subject)],
            Vec::new(),
        ),
        Reason::Undetermined(reasons) => (
            vec![Cause::new(
                unsupported(Unsupported::Undetermined(reasons), &subject),
                Vec::new(),
            )],
            Vec::new(),
        ),
        Reason::NoAllow => (deny::no_allow(doc, &eval, &subject), Vec::new()),
    };
    let corrected = (!causes.is_empty()).then(|| corrected_policy(doc, &causes, &subject, &probes));
    let findings = causes
        .into_iter()
        .map(|c| match &corrected {
            Some(policy) => c.finding.fix_steps(fix::fix_lines(&subject, policy)),
            None => c.finding,
        })
        .collect();
    TrustAssessment {
        decision: eval.decision,
        statement: eval.deciding_statement(),
        trace: eval.statements,
        findings,
        corrected_policy: corrected,
    }
}

/// The account of the first OIDC provider ARN the policy names.
fn policy_account(doc: &PolicyDocument) -> Option<String> {
    doc.statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|p| p.entries.iter())
        .find_map(|(_, v)| ProviderArn::parse(v).map(|a| a.account.to_owned()))
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()))
}

/// Applies the causes' edits and checks the result: the subject is allowed and none of the
/// admitted probe requests are. Falls back to replacing the statements involved with the
/// reference statement, then to the reference policy, which always passes.
fn corrected_policy(
    doc: &PolicyDocument,
    causes: &[Cause],
    subject: &Subject,
    admitted: &[Request],
) -> Value {
    let works = |candidate: &Value| -> bool {
        let Ok(parsed) = PolicyDocument::from_json(candidate.clone()) else {
            return false;
        };
        allowing_statement(&parsed, &subject.request()).is_some()
            && admitted
                .iter()
                .all(|probe| allowing_statement(&parsed, probe).is_none())
    };
    let edits: Vec<Edit> = causes
        .iter()
        .flat_map(|c| c.edits.iter().cloned())
        .collect();
    let first = fix::apply(&doc.json, &edits, subject);
    if works(&first) {
        return first;
    }
    let mut touched: Vec<usize> = edits.iter().filter_map(edited_statement).collect();
    touched.sort_unstable();
    touched.dedup();
    if !touched.is_empty() {
        let replace: Vec<Edit> = touched
            .into_iter()
            .map(|statement| Edit::Replace { statement })
            .collect();
        let second = fix::apply(&doc.json, &replace, subject);
        if works(&second) {
            return second;
        }
    }
    fix::reference_policy(subject)
}

fn edited_statement(edit: &Edit) -> Option<usize> {
    match edit {
        Edit::AllowWebIdentityAction { statement }
        | Edit::SetFederated { statement, .. }
        | Edit::OnlyFederated { statement, .. }
        | Edit::RenameKey { statement, .. }
        | Edit::SetValues { statement, .. }
        | Edit::RemoveKey { statement, .. }
        | Edit::Replace { statement } => Some(*statement),
        Edit::Remove { .. } | Edit::Append => None,
    }
}
