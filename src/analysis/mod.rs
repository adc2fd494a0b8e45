//! Analysis: pure functions from the inventory to a report with findings. No I/O.

pub mod assumes;
mod binding;
pub mod catalog;
pub mod checks;
pub mod finding;
pub mod incremental;
mod index;
mod node_rows;
pub mod permissions;
mod removals;
pub mod report;
mod status;
pub mod trust;

use rustc_hash::FxHashMap as HashMap;

pub use binding::order as binding_order;
pub use finding::{Code, Entry, Finding, Grade, Severity};
pub use report::{Actual, ConditionTrace, Decision, PartTrace, StatementTrace, Tri};
pub use report::{
    Assumes, Binding, BindingPod, DEFAULT_NODE_BASELINE, Mechanism, NodeRoleReport, PodEvidence,
    PodRoleArn, REPORT_SCHEMA, Report, ReportCluster, ReportScope, Settings, SeverityCounts,
    Status, Summary, TrustView,
};
pub use status::status_of;

use crate::inventory::{Inventory, Pod};
use checks::evidence::EvidenceWindow;

/// Judges a whole cluster: every binding, node role and cluster-level fact.
pub fn analyze(inv: &Inventory, settings: &Settings) -> Report {
    analyze_with(&permissions::Documents::new(inv), settings)
}

/// [`analyze`] with the inventory's policy documents already parsed (to ask `can` and
/// `who-can` questions of the same documents afterwards).
pub fn analyze_with(documents: &permissions::Documents, settings: &Settings) -> Report {
    let inv = documents.inventory();
    let facts = index::Facts::new(inv, documents);
    // The report's pods share these (a clone of a pod shares its texts).
    let pods: Vec<std::sync::Arc<Pod>> = inv.pods.iter().cloned().map(Into::into).collect();
    let idx = index::Index::new(inv, settings, &facts, &pods);
    let mut node_roles = node_rows::reports(&idx);
    let shared = binding::Shared::new(
        &idx,
        &inv.service_accounts,
        leaky_node_roles(&idx, &node_roles),
    );
    let mut bindings = binding::all(&idx, &shared, &inv.service_accounts);
    // What CloudTrail recorded, joined to the bindings (it may only make them worse).
    let trail = checks::evidence::Owners::new(&inv.evidence.events);
    let evidence = checks::evidence::attach(inv, documents, &trail, &mut bindings);
    if evidence.0.is_some() {
        binding::sort(&mut bindings);
    }
    node_rows::attach_inheriting_pods(&idx, &inv.pods, &mut node_roles);
    removals::mark(&mut bindings, &mut node_roles);
    assemble(&idx, bindings, node_roles, evidence)
}

/// Node roles that leak more than the baseline to pods without IRSA (IRSA405), with what
/// they hold beyond it.
fn leaky_node_roles(
    idx: &index::Index,
    node_roles: &[NodeRoleReport],
) -> HashMap<String, Vec<String>> {
    node_roles
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| matches!(f.code, Code::IRSA501 | Code::IRSA502))
        })
        .filter_map(|r| {
            let role = idx.role(&r.role_arn)?;
            Some((role.arn.clone(), r.beyond_baseline.clone()))
        })
        .collect()
}

/// The cluster-level findings (with the evidence's, IRSA804), worst first.
fn cluster_findings(inv: &Inventory, evidence: Vec<Finding>) -> Vec<Finding> {
    let mut found: Vec<Finding> = checks::oidc::no_issuer(inv, None).into_iter().collect();
    found.extend(checks::cluster::check(inv));
    found.extend(evidence);
    finding::worst_first(&mut found);
    found
}

/// What the report says of the cluster.
fn report_cluster(idx: &index::Index) -> ReportCluster {
    let inv = idx.inv;
    let oidc_provider_registered = inv
        .cluster
        .account
        .as_deref()
        .and_then(|a| idx.provider_in(a).ok())
        .map(|p| p.is_some());
    ReportCluster {
        name: inv.cluster.name.clone(),
        context: inv.context.clone(),
        region: inv.cluster.region.clone(),
        account: inv.cluster.account.clone(),
        oidc_issuer: inv.cluster.oidc_issuer.clone(),
        oidc_provider_registered,
        webhook_present: inv.webhook_present,
        pod_identity_agent_present: inv.pod_identity_agent_present,
        captured_at: inv.captured_at.clone(),
    }
}

/// The report of the rows built: with the cluster's findings, the summary and the window of
/// evidence (with its cluster findings).
fn assemble(
    idx: &index::Index,
    bindings: Vec<Binding>,
    node_roles: Vec<NodeRoleReport>,
    (evidence, evidence_findings): (Option<EvidenceWindow>, Vec<Finding>),
) -> Report {
    let cluster_findings = cluster_findings(idx.inv, evidence_findings);
    let summary = Summary::of(
        &bindings,
        report::all_findings(&bindings, &node_roles, &cluster_findings),
    );
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        generated_at: idx.settings.generated_at.clone(),
        scope: None,
        cluster: report_cluster(idx),
        summary,
        cluster_findings,
        bindings: shared(bindings),
        node_roles,
        evidence,
        node_baseline: idx.settings.node_baseline.clone(),
    }
}

/// Each item in an `Arc`, in a vector of their number. Collecting `into_iter().map(Arc::new)`
/// reuses the items' own buffer in place and keeps it whole: for 6,000 bindings, 3.7 MB
/// held for 48 KB of pointers.
pub(crate) fn shared<T>(items: Vec<T>) -> Vec<std::sync::Arc<T>> {
    let mut out = Vec::with_capacity(items.len());
    out.extend(items.into_iter().map(std::sync::Arc::new));
    out
}
