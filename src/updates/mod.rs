//! Between the sources and the dashboard: what the dashboard is sent ([`Update`]) and what
//! it asks for ([`Request`]). The [`service`] analyses the data shown off the UI thread,
//! one analysis at a time and at most every [`service::DEBOUNCE`] while live data changes,
//! and carries out the requests (re-read AWS or the snapshot, switch kubeconfig context).
//! The dashboard renders what it is sent; it never analyses.

pub mod service;

use std::path::PathBuf;
use std::sync::Arc;

use crate::analysis::permissions::ask::RoleAnswers;

use crate::analysis::incremental::{Changes, Key, Live};
use crate::analysis::permissions::{Documents, actions_named};
use crate::analysis::{
    Binding, Finding, NodeRoleReport, Report, ReportCluster, Settings, Summary, analyze_with,
};
use crate::inventory::{AwsStatus, Inventory, SourceHealth};
use crate::sources::store::{Seen, Store};

/// One analysis of the data shown, with the state of the sources it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysed {
    pub report: Report,
    /// Every Kubernetes source: syncing, ok (with what it holds), forbidden or failing.
    pub sources: Vec<SourceHealth>,
    pub aws: AwsStatus,
    /// The actions the roles' policies name (for `:can` completion).
    pub actions: Vec<String>,
}

impl Analysed {
    /// Analyses `inventory` with `settings`.
    pub fn of(inventory: &Inventory, settings: &Settings) -> Analysed {
        // The policy documents parsed once, for the analysis and the completion alike.
        let documents = Documents::new(inventory);
        Analysed {
            report: analyze_with(&documents, settings),
            sources: inventory.sources.clone(),
            aws: inventory.aws.clone(),
            actions: actions_named(&documents),
        }
    }
}

/// The analysis of a live store, kept up to date with what changes in it: a watch event
/// re-derives what it touches (see [`crate::analysis::incremental`]).
pub struct Following {
    live: Live,
    seen: Seen,
    /// [`Live::facts_version`] when the actions were last sent.
    actions_sent: u64,
}

/// What changed in the analysis since the one before: for a dashboard that holds the one
/// before, what it takes to hold this one (the bindings built again, and the small parts
/// of the report whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// Each binding built again, by (namespace, name), with its row now (`None`: it has
    /// none), whether or not it changed.
    pub bindings: Vec<(Key, Option<Arc<Binding>>)>,
    pub node_roles: Vec<NodeRoleReport>,
    pub summary: Summary,
    pub cluster_findings: Vec<Finding>,
    /// The window of CloudTrail evidence (what no binding owns changes with the bindings).
    pub evidence: Option<crate::analysis::checks::evidence::EvidenceWindow>,
    pub cluster: ReportCluster,
    pub generated_at: String,
    pub sources: Vec<SourceHealth>,
    pub aws: AwsStatus,
    /// The actions the roles' policies name, when they may have changed.
    pub actions: Option<Vec<String>>,
}

impl Following {
    /// Analyses what `store` holds now, and starts following its changes.
    pub fn start(store: &Store, settings: &Settings) -> Self {
        let (inventory, pods, seen) = store.track();
        let live = Live::with_pods(inventory, pods, settings);
        Following {
            actions_sent: live.facts_version(),
            live,
            seen,
        }
    }

    /// Applies what changed in `store` since the last call (or [`Following::start`]),
    /// stamped `generated_at`. Returns what changed, or `None` when everything was
    /// analysed again (then send [`Following::analysed`] whole).
    pub fn update(&mut self, store: &Store, generated_at: String) -> Option<Patch> {
        let delta = store.changes(&mut self.seen);
        self.live.apply(Changes {
            pods: delta.pods,
            service_accounts: delta.service_accounts,
            nodes: delta.nodes,
            rest: delta.rest,
            sources: Some(delta.sources),
            captured_at: Some(delta.captured_at),
            generated_at: Some(generated_at),
        });
        self.patch()
    }

    /// What the last update changed, if it did not analyse everything again.
    fn patch(&mut self) -> Option<Patch> {
        let actions = self.live.facts_version() != self.actions_sent;
        self.actions_sent = self.live.facts_version();
        Patch::of(&self.live, actions)
    }

    /// The analysis as it stands (whole: a copy of the report).
    pub fn analysed(&mut self) -> Analysed {
        self.actions_sent = self.live.facts_version();
        Analysed {
            report: self.live.report().clone(),
            sources: self.live.sources().to_vec(),
            aws: self.live.aws().clone(),
            actions: self.live.actions().to_vec(),
        }
    }
}

impl Patch {
    /// What the last [`Live::apply`] changed (with the actions when `actions`), if it did
    /// not analyse everything again.
    pub fn of(live: &Live, actions: bool) -> Option<Patch> {
        let bindings = live
            .touched()?
            .iter()
            .map(|k| (k.clone(), live.binding(&k.0, &k.1).cloned()))
            .collect();
        let report = live.report();
        Some(Patch {
            bindings,
            node_roles: report.node_roles.clone(),
            summary: report.summary,
            cluster_findings: report.cluster_findings.clone(),
            evidence: report.evidence.clone(),
            cluster: report.cluster.clone(),
            generated_at: report.generated_at.clone(),
            sources: live.sources().to_vec(),
            aws: live.aws().clone(),
            actions: actions.then(|| live.actions().to_vec()),
        })
    }
}

/// Where the data shown comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The embedded demo cluster (`--demo`).
    Demo,
    /// A snapshot file (`--replay FILE`).
    Replay(PathBuf),
    /// Watchers on a cluster and reads of its AWS account.
    Live,
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::Demo => "demo".into(),
            Origin::Replay(path) => format!("replay {}", path.display()),
            Origin::Live => "live".into(),
        }
    }
}

/// What the dashboard is sent. `M` is what it shows of an analysis (its model, built off
/// the UI thread from an [`Analysed`]).
#[derive(Debug)]
pub enum Update<M> {
    /// The data shown changed (a watch event, an AWS read).
    Analysed(M),
    /// The data shown changed: what changed in the analysis the dashboard holds.
    Patched(Box<Patch>),
    /// The snapshot file was read again.
    Reloaded { model: M, path: PathBuf },
    /// Now showing another kubeconfig context (`:ctx`), live.
    Switched { model: M, context: String },
    /// `:ctx` could not connect; the data shown stays.
    SwitchFailed { context: String, error: String },
    /// Something to tell the user.
    Notice { text: String, error: bool },
    /// The answer to `:can ACTION RESOURCE` for every role of the data shown.
    Answered {
        action: String,
        resource: String,
        answers: Arc<RoleAnswers>,
    },
}

/// What the dashboard asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Read again what can change: AWS (live), the snapshot file (replay).
    Refresh,
    /// Connect to another kubeconfig context (and EKS cluster, when named).
    SwitchContext {
        context: String,
        cluster: Option<String>,
    },
    /// `:can ACTION RESOURCE`: may each role's session do it?
    Ask { action: String, resource: String },
    /// `:snapshot`: write the data shown as `irsa-tui snapshot` does, to `path`.
    Snapshot { path: PathBuf },
}
