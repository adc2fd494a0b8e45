//! Drill-downs: which binding or node role is open, its page position, and the pods of a
//! binding as the drill-down lists them (age, owner, what each carries).

use super::model::Model;
use crate::analysis::PodEvidence;
use crate::time;

/// A scrollable page (drill-down or the Cluster view) with selectable findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageState {
    pub scroll: usize,
    /// The selected finding (`y` copies its fix).
    pub finding: usize,
    /// Scroll to the selected finding at the next draw.
    pub jump: bool,
}

/// A pod of a binding, with its age and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    pub name: String,
    pub node: String,
    pub injected: bool,
    pub stale: bool,
    pub age: Option<i64>,
    pub owner: Option<String>,
    pub evidence: PodEvidence,
}

impl PodRow {
    /// Still running (or about to): a completed pod asks for no credentials.
    fn live(&self) -> bool {
        crate::inventory::phase_is_live(self.evidence.phase.as_deref())
    }
}

/// The pod the drill-down shows first: the first running one without credentials, else
/// one injected with another role, else the first.
pub fn worst_pod(pods: &[PodRow]) -> usize {
    pods.iter()
        .position(|p| p.live() && !p.injected)
        .or_else(|| pods.iter().position(|p| p.live() && p.stale))
        .unwrap_or(0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Binding {
        key: String,
        page: PageState,
        pods: Vec<PodRow>,
        /// The selected pod (`p`/`P`), whose evidence is shown.
        pod: usize,
    },
    NodeRole {
        arn: String,
        page: PageState,
    },
}

/// The pods of binding `i`, with their ages at capture time.
pub fn pod_rows(model: &Model, i: usize) -> Vec<PodRow> {
    let Some(b) = model.report.bindings.get(i) else {
        return Vec::new();
    };
    b.pods
        .iter()
        .map(|p| PodRow {
            name: p.name().to_string(),
            node: p.node().map(ToString::to_string).unwrap_or_default(),
            injected: p.injected,
            stale: p.stale,
            age: time::age_between(p.created().map(|c| c.as_str()), model.now),
            owner: p.owner().map(ToString::to_string),
            evidence: p.evidence(),
        })
        .collect()
}
