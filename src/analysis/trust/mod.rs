//! Would IAM let this ServiceAccount's token assume this role? The decision, the trace,
//! and the catalog's IRSA2xx findings (IRSA201–IRSA210 when denied, IRSA220–IRSA223 when
//! allowed), each with a corrected trust policy that was checked to work.

pub(crate) mod deny;
pub(crate) mod exposure;
pub mod fix;

use serde::Serialize;
use serde_json::Value;

use crate::policy::{
    Decision, Issuer, ParseError, PolicyDocument, Reason, Request, StatementTrace,
    allowing_statement, evaluate, service_account_subject,
};

use super::finding::{Code, Finding};
use crate::arn::ProviderArn;
use fix::Edit;

/// Who wants to assume the role, and which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub issuer: Issuer,
    pub namespace: String,
    pub service_account: String,
    /// The token audience (`sts.amazonaws.com` unless annotated otherwise).
    pub audience: String,
    /// The role's account, when known; the provider ARN's account is compared only then.
    pub account: Option<String>,
    /// The role's name, for titles and the `aws iam` command.
    pub role_name: Option<String>,
    /// The account used in corrected policies when `account` is unknown (taken from the
    /// policy's own provider ARN).
    fix_account: Option<String>,
}

impl Subject {
    pub fn new(issuer: Issuer, namespace: &str, service_account: &str, audience: &str) -> Self {
        Subject {
            issuer,
            namespace: namespace.to_owned(),
            service_account: service_account.to_owned(),
            audience: audience.to_owned(),
            account: None,
            role_name: None,
            fix_account: None,
        }
    }

    pub fn with_account(mut self, account: Option<&str>) -> Self {
        self.account = account.map(str::to_owned);
        self
    }

    pub fn with_role_name(mut self, role: Option<&str>) -> Self {
        self.role_name = role.map(str::to_owned);
        self
    }

    /// `system:serviceaccount:<ns>:<sa>`.
    pub fn sub(&self) -> String {
        service_account_subject(&self.namespace, &self.service_account)
    }

    /// `<ns>/<sa>`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.namespace, self.service_account)
    }

    pub fn sub_key(&self) -> String {
        format!("{}:sub", self.issuer.provider)
    }

    pub fn aud_key(&self) -> String {
        format!("{}:aud", self.issuer.provider)
    }

    /// This cluster's provider ARN in the role's account.
    pub fn provider_arn(&self) -> String {
        self.issuer
            .provider_arn(self.account.as_deref().or(self.fix_account.as_deref()))
    }

    /// The AssumeRoleWithWebIdentity request STS evaluates for this token.
    pub fn request(&self) -> Request {
        Request::web_identity(
            &self.issuer,
            self.account.as_deref(),
            &self.namespace,
            &self.service_account,
            &self.audience,
        )
    }

    /// "role NAME" or "the trust policy", for titles.
    fn role_label(&self) -> String {
        match &self.role_name {
            Some(r) => format!("role {r}"),
            None => "the role".to_owned(),
        }
    }
}

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

/// A finding and the edits that remove its cause.
struct Cause {
    finding: Finding,
    edits: Vec<Edit>,
}

impl Cause {
    fn new(finding: Finding, edits: Vec<Edit>) -> Self {
        Cause { finding, edits }
    }
}

/// Assesses a trust policy (raw or percent-encoded JSON) for `subject`.
pub fn assess(policy_text: &str, subject: &Subject) -> TrustAssessment {
    assess_parsed(&PolicyDocument::parse(policy_text), subject)
}

/// Assesses the result of parsing a trust policy (parsed once, assessed per subject).
pub fn assess_parsed(
    parsed: &Result<PolicyDocument, ParseError>,
    subject: &Subject,
) -> TrustAssessment {
    match parsed {
        Ok(doc) => assess_document(doc, subject),
        Err(e) => {
            let finding = Finding::new(
                Code::IRSA209,
                format!("The trust policy of {} cannot be parsed", subject.role_label()),
                format!(
                    "{e}. IAM cannot evaluate a document it cannot read, so no ServiceAccount can assume the role through it. Replace it with the policy below."
                ),
            )
            .evidence("error", e.to_string());
            let corrected = fix::reference_policy(subject);
            let finding = finding.fix(fix::fix_lines(subject, &corrected));
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
        Reason::Undetermined(reasons) => (vec![deny::undetermined(reasons, &subject)], Vec::new()),
        Reason::NoAllow => (deny::no_allow(doc, &eval, &subject), Vec::new()),
    };
    let corrected = (!causes.is_empty()).then(|| corrected_policy(doc, &causes, &subject, &probes));
    let findings = causes
        .into_iter()
        .map(|c| match &corrected {
            Some(policy) => c.finding.fix(fix::fix_lines(&subject, policy)),
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
