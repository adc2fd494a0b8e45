//! Drill-downs: which binding or node role is open, its page position, and the pods of a
//! binding joined with the inventory (age, owner).

use rustc_hash::FxHashMap as HashMap;

use crate::inventory::Pod;

use super::model::Model;
use super::time;

/// A scrollable page (drill-down or the Cluster view) with selectable findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageState {
    pub scroll: usize,
    /// The selected finding (`y` copies its fix).
    pub finding: usize,
    /// Scroll to the selected finding at the next draw.
    pub jump: bool,
}

/// A pod of a binding, joined with the inventory for its age and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    pub name: String,
    pub node: String,
    pub injected: bool,
    pub stale: bool,
    pub age: Option<i64>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Binding {
        key: String,
        page: PageState,
        pods: Vec<PodRow>,
    },
    NodeRole {
        arn: String,
        page: PageState,
    },
}

/// The pods of binding `i` with the age and owner the inventory knows (ages at capture
/// time).
pub fn pod_rows(model: &Model, i: usize) -> Vec<PodRow> {
    let Some(b) = model.report.bindings.get(i) else {
        return Vec::new();
    };
    let in_namespace: HashMap<&str, &Pod> = model
        .inventory
        .pods
        .iter()
        .filter(|p| p.namespace == b.namespace)
        .map(|p| (p.name.as_str(), p))
        .collect();
    b.pods
        .iter()
        .map(|p| {
            let pod = in_namespace.get(p.name.as_str());
            PodRow {
                name: p.name.clone(),
                node: p.node.clone().unwrap_or_default(),
                injected: p.injected,
                stale: p.stale,
                age: pod.and_then(|x| time::age_between(x.created.as_deref(), model.now)),
                owner: pod
                    .and_then(|x| x.owner.as_ref())
                    .map(|o| format!("{}/{}", o.kind, o.name)),
            }
        })
        .collect()
}
