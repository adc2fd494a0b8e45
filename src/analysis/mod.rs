//! Analysis: pure functions from the inventory to a report with findings. No I/O.

mod binding;
pub mod catalog;
pub mod checks;
pub mod finding;
mod index;
pub mod report;
pub mod trust;

use rustc_hash::FxHashMap as HashMap;

pub use binding::status_of;
pub use finding::{Code, Entry, Finding, Grade, Severity};
pub use report::{
    Binding, BindingPod, DEFAULT_NODE_BASELINE, Mechanism, NodeRoleReport, REPORT_SCHEMA, Report,
    ReportCluster, Settings, SeverityCounts, Status, Summary, TrustView,
};

use crate::inventory::Inventory;

/// Judges a whole cluster: every binding, node role and cluster-level fact.
pub fn analyze(inv: &Inventory, settings: &Settings) -> Report {
    let idx = index::Index::new(inv, settings);
    let mut node_roles = checks::node_roles::reports(&idx);
    let leaky: HashMap<&str, Vec<String>> = node_roles
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| matches!(f.code, Code::IRSA501 | Code::IRSA502))
        })
        .filter_map(|r| {
            let role = idx.roles.get(r.role_arn.as_str())?;
            Some((
                role.arn.as_str(),
                checks::node_roles::extras(role, &settings.node_baseline),
            ))
        })
        .collect();
    let shared = binding::Shared::new(&idx, leaky);
    let bindings = binding::all(&idx, &shared);
    attach_inheriting_pods(&idx, &mut node_roles);
    let mut cluster_findings: Vec<Finding> =
        checks::oidc::no_issuer(inv, None).into_iter().collect();
    cluster_findings.extend(checks::cluster::check(inv));
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
        cluster: ReportCluster {
            name: inv.cluster.name.clone(),
            context: inv.context.clone(),
            region: inv.cluster.region.clone(),
            account: inv.cluster.account.clone(),
            oidc_issuer: inv.cluster.oidc_issuer.clone(),
            oidc_provider_registered,
        },
        summary,
        cluster_findings,
        bindings,
        node_roles,
    }
}

/// Lists, on each node role, the pods without IRSA or Pod Identity that run on its nodes.
fn attach_inheriting_pods(idx: &index::Index, node_roles: &mut [NodeRoleReport]) {
    const LISTED: usize = 50;
    // Keyed by the inventory's strings, so the rows stay free to update.
    let position: HashMap<&str, usize> = idx
        .inv
        .node_roles
        .iter()
        .filter_map(|nr| {
            let i = node_roles.iter().position(|r| r.role_arn == nr.role_arn)?;
            Some((nr.role_arn.as_str(), i))
        })
        .collect();
    // Inventory order is deterministic, so the listed pods are too.
    for p in &idx.inv.pods {
        if p.irsa_injected() || p.pod_identity_injected() || !checks::pods::is_live(p) {
            continue;
        }
        let Some(&i) = idx
            .node_role_of_pod(p)
            .and_then(|nr| position.get(nr.role_arn.as_str()))
        else {
            continue;
        };
        let row = &mut node_roles[i];
        row.pods_without_irsa_count += 1;
        if row.pods_without_irsa.len() < LISTED {
            row.pods_without_irsa
                .push(format!("{}/{}", p.namespace, p.name));
        }
    }
}
