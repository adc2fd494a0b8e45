//! The node-role rows of the report: each role's IRSA5xx findings, its status and policies,
//! what it holds beyond the baseline, and the pods without IRSA that inherit it.

use rustc_hash::FxHashMap as HashMap;

use super::checks::{node_roles, pods};
use super::index::Index;
use super::report::NodeRoleReport;
use super::status::status_of;
use crate::inventory::{NodeRole, Pod, ReadStatus};

/// The node-role rows, sorted as the bindings are: by status (failing first), then ARN.
pub fn reports(idx: &Index) -> Vec<NodeRoleReport> {
    let mut rows: Vec<NodeRoleReport> = idx
        .inv
        .node_roles
        .iter()
        .map(|nr| {
            let role = idx.role(&nr.role_arn);
            let (findings, attached, inline, beyond) = match role {
                Some(r) if r.status == ReadStatus::Ok => (
                    node_roles::check(
                        r,
                        &idx.settings.node_baseline,
                        idx.inv.cluster.name.as_deref().unwrap_or("CLUSTER"),
                    ),
                    r.attached_policies.iter().map(|p| p.arn.clone()).collect(),
                    r.inline_policies.iter().map(|p| p.name.clone()).collect(),
                    node_roles::extras(r, &idx.settings.node_baseline),
                ),
                _ => (
                    vec![node_roles::unreadable(nr, role, idx)],
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                ),
            };
            let mut findings = findings;
            super::finding::worst_first(&mut findings);
            NodeRoleReport {
                role_arn: nr.role_arn.clone(),
                sources: nr.sources.clone(),
                status: status_of(&findings),
                attached_policies: attached,
                inline_policies: inline,
                findings,
                pods_without_irsa: Vec::new(),
                pods_without_irsa_count: 0,
                beyond_baseline: beyond,
                permissions: idx.permission_view(&nr.role_arn),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| a.role_arn.cmp(&b.role_arn))
    });
    rows
}

/// How many inheriting pods a node-role row lists (all are counted).
pub const LISTED: usize = 50;

/// The node role `p` inherits: a live pod without IRSA or Pod Identity on a node whose
/// node group has a node role.
pub fn inherited<'a>(idx: &Index<'a>, p: &Pod) -> Option<&'a NodeRole> {
    if p.irsa_injected() || p.pod_identity_injected() || !pods::is_live(p) {
        return None;
    }
    idx.node_role_of_pod(p)
}

/// Lists, on each node role, the pods without IRSA or Pod Identity that run on its nodes
/// (`pods` in inventory order).
pub fn attach_inheriting_pods<'a>(
    idx: &Index<'a>,
    pods: impl IntoIterator<Item = &'a Pod>,
    node_roles: &mut [NodeRoleReport],
) {
    let position = positions(idx, node_roles);
    // Inventory order is deterministic, so the listed pods are too.
    for p in pods {
        let Some(&i) = inherited(idx, p).and_then(|nr| position.get(nr.role_arn.as_str())) else {
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

/// Node role ARN (the inventory's strings, so the rows stay free to update) → its row.
pub fn positions<'a>(idx: &Index<'a>, node_roles: &[NodeRoleReport]) -> HashMap<&'a str, usize> {
    idx.inv
        .node_roles
        .iter()
        .filter_map(|nr| {
            let i = node_roles.iter().position(|r| r.role_arn == nr.role_arn)?;
            Some((nr.role_arn.as_str(), i))
        })
        .collect()
}
