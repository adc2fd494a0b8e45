//! Analysis: pure functions from the inventory to a report with findings. No I/O.

pub mod assumes;
mod binding;
pub mod catalog;
pub mod checks;
pub mod finding;
mod index;
mod node_rows;
pub mod permissions;
mod removals;
pub mod report;
mod status;
pub mod trust;

use rustc_hash::FxHashMap as HashMap;

pub use finding::{Code, Entry, Finding, Grade, Severity};
pub use report::{Actual, ConditionTrace, Decision, PartTrace, StatementTrace, Tri};
pub use report::{
    Assumes, Binding, BindingPod, DEFAULT_NODE_BASELINE, Mechanism, NodeRoleReport, PodEvidence,
    PodRoleArn, REPORT_SCHEMA, Report, ReportCluster, ReportScope, Settings, SeverityCounts,
    Status, Summary, TrustView,
};
pub use status::status_of;

use crate::inventory::Inventory;

/// Judges a whole cluster: every binding, node role and cluster-level fact.
pub fn analyze(inv: &Inventory, settings: &Settings) -> Report {
    analyze_with(&permissions::Documents::new(inv), settings)
}

/// [`analyze`] with the inventory's policy documents already parsed (to ask `can` and
/// `who-can` questions of the same documents afterwards).
pub fn analyze_with(documents: &permissions::Documents, settings: &Settings) -> Report {
    let inv = documents.inventory();
    let idx = index::Index::new(inv, settings, documents);
    let mut node_roles = node_rows::reports(&idx);
    // Node roles that leak more than the baseline to pods without IRSA (IRSA405).
    let leaky: HashMap<&str, Vec<String>> = node_roles
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| matches!(f.code, Code::IRSA501 | Code::IRSA502))
        })
        .filter_map(|r| {
            let role = idx.roles.get(r.role_arn.as_str())?;
            Some((role.arn.as_str(), r.beyond_baseline.clone()))
        })
        .collect();
    let shared = binding::Shared::new(&idx, leaky);
    let mut bindings = binding::all(&idx, &shared);
    // What CloudTrail recorded, joined to the bindings (it may only make them worse).
    let (evidence, evidence_findings) = checks::evidence::attach(inv, documents, &mut bindings);
    if evidence.is_some() {
        binding::sort(&mut bindings);
    }
    node_rows::attach_inheriting_pods(&idx, &mut node_roles);
    removals::mark(&mut bindings, &mut node_roles);
    let mut cluster_findings: Vec<Finding> =
        checks::oidc::no_issuer(inv, None).into_iter().collect();
    cluster_findings.extend(checks::cluster::check(inv));
    cluster_findings.extend(evidence_findings);
    finding::worst_first(&mut cluster_findings);
    let summary = Summary::of(
        &bindings,
        report::all_findings(&bindings, &node_roles, &cluster_findings),
    );
    let oidc_provider_registered = inv
        .cluster
        .account
        .as_deref()
        .and_then(|a| idx.provider_in(a).ok())
        .map(|p| p.is_some());
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        generated_at: settings.generated_at.clone(),
        scope: None,
        cluster: ReportCluster {
            name: inv.cluster.name.clone(),
            context: inv.context.clone(),
            region: inv.cluster.region.clone(),
            account: inv.cluster.account.clone(),
            oidc_issuer: inv.cluster.oidc_issuer.clone(),
            oidc_provider_registered,
            webhook_present: inv.webhook_present,
            pod_identity_agent_present: inv.pod_identity_agent_present,
            captured_at: inv.captured_at.clone(),
        },
        summary,
        cluster_findings,
        bindings,
        node_roles,
        evidence,
        node_baseline: settings.node_baseline.clone(),
    }
}
