//! Trust policy of an IRSA binding: IRSA201–IRSA223 come from the trust diagnosis
//! (`analysis::trust`); IRSA224 (blast radius) is decided here.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::analysis::index::Index;
use crate::analysis::report::TrustView;
use crate::analysis::trust::unsupported::{Unsupported, unsupported};
use crate::analysis::trust::{Subject, assess_parsed};
use crate::inventory::Role;

use super::other_account;
use crate::arn;

/// Evaluates the role's trust policy for the binding's token.
pub fn evaluate(idx: &Index, role: &Role, subject: &Subject) -> (Vec<Finding>, Option<TrustView>) {
    let Some(parsed) = idx.trust.get(role.arn.as_str()) else {
        let missing = Unsupported::Missing {
            role_arn: &role.arn,
        };
        return (vec![unsupported(missing, subject)], None);
    };
    let assessment = assess_parsed(parsed, subject);
    let view = TrustView {
        decision: assessment.decision,
        statement: assessment.statement,
        policy: idx
            .trust_pretty
            .get(role.arn.as_str())
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::from("")),
        trace: assessment.trace,
    };
    // The corrected policy is installed on the role, in the role's account.
    let account = other_account(idx.inv, arn::account(&role.arn));
    let findings = assessment
        .findings
        .into_iter()
        .map(|f| f.commands_in_account(account))
        .collect();
    (findings, Some(view))
}

pub const IRSA224: Entry = Entry {
    code: Code::IRSA224,
    grade: Grade::Is(Severity::Info),
    meaning: "the role is trusted by several ServiceAccounts or clusters",
    why: "Several ServiceAccounts, or several clusters, can assume the same role: its permissions are shared, and a compromise of any of them exposes all. This is context for an incident, not an error.",
    fix: "Prefer one role per workload; narrow the trust policy to the ServiceAccounts that really need the role.",
    stage: Stage::Trust,
};

/// How many subjects and ServiceAccounts IRSA224 lists.
const LISTED: usize = 20;

/// IRSA224: the role is trusted by several ServiceAccounts or clusters.
pub fn blast_radius(idx: &Index, role: &Role, annotated_by: &[String]) -> Option<Finding> {
    let subjects = idx.trusted_subjects.get(role.arn.as_str());
    let trusted = subjects.map_or(0, |s| s.len());
    // The lists are cut (a role trusted by thousands of ServiceAccounts would otherwise
    // repeat them all on each of their bindings); the totals say how many there are.
    let listed: Vec<String> = subjects
        .into_iter()
        .flatten()
        .take(LISTED)
        .map(|(provider, sub)| format!("{provider}: {sub}"))
        .collect();
    let providers = subjects
        .map(|s| {
            let mut p: Vec<&str> = s.iter().map(|(p, _)| p.as_str()).collect();
            p.dedup();
            p.len()
        })
        .unwrap_or(0);
    let annotated = annotated_by.len();
    if trusted <= 1 && annotated <= 1 {
        return None;
    }
    let mut finding = IRSA224
        .finding(format!(
                "Role {} is shared: trusted by {trusted} subject(s) on {providers} provider(s), annotated on {annotated} ServiceAccount(s)",
                arn::name(&role.arn),
            ),
            "Every ServiceAccount listed can obtain this role's credentials: a change to the role, or a compromise of any of these workloads, affects all of them. Prefer one role per workload.",
        )
        .evidence("trusted_subjects", listed)
        .evidence(
            "annotated_service_accounts",
            annotated_by.iter().take(LISTED).cloned().collect::<Vec<_>>(),
        );
    if trusted > LISTED {
        finding = finding.evidence("trusted_subjects_total", trusted);
    }
    if annotated > LISTED {
        finding = finding.evidence("annotated_service_accounts_total", annotated);
    }
    Some(finding)
}

/// IRSA224 of each role, as last built, with what it was built from: every binding of a
/// role has the same one, built once and shared (its evidence is shared by its clones).
#[derive(Default)]
pub struct BlastRadii(std::sync::Mutex<rustc_hash::FxHashMap<String, Built>>);

/// What IRSA224 of a role was built from, and what it was.
struct Built {
    annotated_by: Vec<String>,
    subjects: Option<std::collections::BTreeSet<(String, String)>>,
    finding: Option<Finding>,
}

impl BlastRadii {
    /// [`blast_radius`], built again only when what it reads changed.
    pub fn of(&self, idx: &Index, role: &Role, annotated_by: &[String]) -> Option<Finding> {
        let subjects = idx.trusted_subjects.get(role.arn.as_str());
        let Ok(mut built) = self.0.lock() else {
            return blast_radius(idx, role, annotated_by);
        };
        if let Some(b) = built.get(&role.arn)
            && b.annotated_by == annotated_by
            && b.subjects.as_ref() == subjects
        {
            return b.finding.clone();
        }
        let finding = blast_radius(idx, role, annotated_by);
        built.insert(
            role.arn.clone(),
            Built {
                annotated_by: annotated_by.to_vec(),
                subjects: subjects.cloned(),
                finding: finding.clone(),
            },
        );
        finding
    }
}

/// A cache: two are alike whatever they hold, and a copy starts empty.
impl Clone for BlastRadii {
    fn clone(&self) -> Self {
        BlastRadii::default()
    }
}

impl PartialEq for BlastRadii {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for BlastRadii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlastRadii")
    }
}
