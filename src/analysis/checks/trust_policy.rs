//! Trust policy of an IRSA binding: IRSA201–IRSA223 come from the trust diagnosis
//! (`analysis::trust`); IRSA224 (blast radius) is decided here.

use crate::analysis::finding::{Code, Explanation, Finding};
use crate::analysis::index::Index;
use crate::analysis::report::TrustView;
use crate::analysis::trust::{Subject, assess_parsed};
use crate::inventory::Role;

use crate::arn;

/// `irsa-tui explain` entries of the codes raised here.
pub const EXPLAIN: &[Explanation] = &[Explanation {
    code: Code::IRSA224,
    why: "Several ServiceAccounts, or several clusters, can assume the same role: its permissions are shared, and a compromise of any of them exposes all. This is context for an incident, not an error.",
    fix: "Prefer one role per workload; narrow the trust policy to the ServiceAccounts that really need the role.",
}];

/// Evaluates the role's trust policy for the binding's token.
pub fn evaluate(idx: &Index, role: &Role, subject: &Subject) -> (Vec<Finding>, Option<TrustView>) {
    let Some(parsed) = idx.trust.get(role.arn.as_str()) else {
        let finding = Finding::new(
            Code::IRSA209,
            format!("The trust policy of role {} was not returned", role.name),
            "IAM returned the role without an AssumeRolePolicyDocument, so the trust cannot be evaluated; irsa-tui never assumes it allows.",
        )
        .evidence("role_arn", role.arn.clone());
        return (vec![finding], None);
    };
    let assessment = assess_parsed(parsed, subject);
    let view = TrustView {
        decision: assessment.decision,
        statement: assessment.statement,
        policy: idx
            .trust_pretty
            .get(role.arn.as_str())
            .cloned()
            .unwrap_or_default(),
        trace: assessment.trace,
    };
    (assessment.findings, Some(view))
}

/// IRSA224: the role is trusted by several ServiceAccounts or clusters.
pub fn blast_radius(idx: &Index, role: &Role, annotated_by: &[String]) -> Option<Finding> {
    let subjects = idx.trusted_subjects.get(role.arn.as_str());
    let mut listed: Vec<String> = subjects
        .into_iter()
        .flatten()
        .map(|(provider, sub)| format!("{provider}: {sub}"))
        .collect();
    let providers = subjects
        .map(|s| {
            let mut p: Vec<&str> = s.iter().map(|(p, _)| p.as_str()).collect();
            p.dedup();
            p.len()
        })
        .unwrap_or(0);
    listed.truncate(20);
    if listed.len() <= 1 && annotated_by.len() <= 1 {
        return None;
    }
    Some(
        Finding::new(
            Code::IRSA224,
            format!(
                "Role {} is shared: trusted by {} subject(s) on {} provider(s), annotated on {} ServiceAccount(s)",
                arn::name(&role.arn),
                listed.len(),
                providers,
                annotated_by.len()
            ),
            "Every ServiceAccount listed can obtain this role's credentials: a change to the role, or a compromise of any of these workloads, affects all of them. Prefer one role per workload.",
        )
        .evidence("trusted_subjects", listed)
        .evidence("annotated_service_accounts", annotated_by.to_vec()),
    )
}
