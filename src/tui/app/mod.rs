//! The dashboard's state and how keys and new data change it. Pure: no terminal, no files;
//! what needs the outside world (copy, export, refresh, switching context) is queued as an
//! [`Effect`] for the event loop.
//!
//! - this module: the state and the effects,
//! - `update`: new analyses, `:ctx` switches, toasts and timers,
//! - `input`: keys, the filter and the command line,
//! - `navigation`: moving, drilling down, copying, and the rows shown.

mod input;
mod navigation;
mod update;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::Report;
use crate::analysis::permissions::ask::{CanResult, RoleAnswers, answer_for};
use crate::updates::Origin;

use super::cursor::Cursor;
use super::detail::{Detail, PageState};
use super::export::Format;
use super::model::Model;
use super::query::{Query, Sort};
use super::rows::{self, FindingRow};
use super::tab::Tab;
use super::theme::Theme;

/// How long a toast stays; an error, which may need reading, longer.
pub const TOAST_FOR: Duration = Duration::from_secs(4);
pub const ERROR_TOAST_FOR: Duration = Duration::from_secs(8);
/// How long changed rows stay highlighted.
pub const HIGHLIGHT_FOR: Duration = Duration::from_secs(3);
/// How often the spinner turns while sources sync.
pub const SPIN_EVERY: Duration = Duration::from_millis(120);

/// A table's shown rows and selection.
#[derive(Debug, Clone)]
pub struct Table<R> {
    pub rows: Vec<R>,
    pub cursor: Cursor,
}

impl<R> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            cursor: Cursor::default(),
        }
    }
}

impl<R> Table<R> {
    pub fn selected(&self) -> Option<&R> {
        self.rows.get(self.cursor.index)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
    /// Command line: what the word being typed could become.
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub kind: ToastKind,
    pub until: Instant,
}

/// `:can ACTION [RESOURCE]`: the question, and once answered every role's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CanQuery {
    pub action: String,
    pub resource: String,
    pub answers: Option<Arc<RoleAnswers>>,
}

impl CanQuery {
    /// The answer for a binding's or node role's role; `None` while asking, or for no role.
    pub fn answer(&self, role_arn: Option<&str>) -> Option<&CanResult> {
        answer_for(self.answers.as_deref()?, role_arn?)
    }
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put `text` on the clipboard; `what` names it in the toast.
    Copy {
        text: String,
        what: String,
    },
    /// Write the report; without `path`, timestamped files in the current directory.
    Export {
        formats: Vec<Format>,
        path: Option<PathBuf>,
    },
    Refresh,
    /// Record what the dashboard reads (the inventory) as `irsa-tui snapshot` does; without
    /// `path` (or when it is a directory), `irsa-CLUSTER-TIME.snapshot.json` there.
    Snapshot {
        path: Option<PathBuf>,
    },
    /// Connect to another kubeconfig context (and the EKS cluster, when named).
    SwitchContext {
        context: String,
        cluster: Option<String>,
    },
    /// Ask the update service `:can ACTION RESOURCE` for every role.
    Ask {
        action: String,
        resource: String,
    },
}

pub struct App {
    pub(super) model: Model,
    /// Where the data comes from.
    pub(super) origin: Origin,
    /// The kubeconfig's contexts, for `:ctx` completion.
    contexts: Vec<String>,
    /// The context `:ctx` is connecting to.
    pub(super) connecting: Option<String>,
    /// The spinner's frame, and when it turns next (only while something is loading).
    pub(super) spinner: usize,
    spin_at: Option<Instant>,
    /// The model the last update replaced: freeing a large one takes tens of milliseconds,
    /// so the event loop takes it and drops it off the UI thread.
    retired: Option<Model>,
    pub(super) theme: Theme,
    pub(super) tab: Tab,
    pub(super) query: Query,
    /// `:can`: the tables show the bindings and node roles allowed (or unknown).
    pub(super) can: Option<CanQuery>,
    pub(super) bindings: Table<usize>,
    /// Every binding in `query.sort`'s order, kept while only the filter changes.
    sorted: Vec<usize>,
    pub(super) node_roles: Table<usize>,
    pub(super) findings: Table<FindingRow>,
    pub(super) cluster_page: PageState,
    pub(super) detail: Option<Detail>,
    /// The help's scroll position while it is open.
    pub(super) help: Option<usize>,
    pub(super) input: Option<Input>,
    pub(super) toast: Option<Toast>,
    /// Keys of rows changed by the last updates, highlighted until `highlight_until`.
    pub(super) changed: HashSet<String>,
    highlight_until: Option<Instant>,
    effects: Vec<Effect>,
    quit: bool,
    /// Rows in the last drawn table or page (for PgUp/PgDn).
    pub(super) page_height: usize,
    /// The terminal is below the minimum size: nothing is shown, so no key but quit acts.
    pub(super) too_small: bool,
}

impl App {
    pub fn new(model: Model, origin: Origin, theme: Theme) -> App {
        let sorted = rows::sorted_bindings(&model, Sort::default());
        let mut app = App {
            model,
            origin,
            contexts: Vec::new(),
            connecting: None,
            spinner: 0,
            spin_at: None,
            retired: None,
            theme,
            tab: Tab::Bindings,
            query: Query::default(),
            can: None,
            bindings: Table::default(),
            sorted,
            node_roles: Table::default(),
            findings: Table::default(),
            cluster_page: PageState::default(),
            detail: None,
            help: None,
            input: None,
            toast: None,
            changed: HashSet::new(),
            highlight_until: None,
            effects: Vec::new(),
            quit: false,
            page_height: 20,
            too_small: false,
        };
        app.rebuild();
        app
    }

    /// The kubeconfig contexts `:ctx` completes.
    pub fn with_contexts(mut self, contexts: Vec<String>) -> App {
        self.contexts = contexts;
        self
    }

    pub fn report(&self) -> &Report {
        &self.model.report
    }

    /// What an export writes: the report, limited to the `:ns` namespace when there is one
    /// (and saying so).
    pub fn export_report(&self) -> Report {
        super::export::scoped(
            &self.model.report,
            self.query.namespace.as_deref(),
            self.model.namespaces.len(),
        )
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The key of the selected binding (it may be hidden by the filter for now).
    pub fn selected_binding(&self) -> Option<&str> {
        self.bindings.cursor.key.as_deref()
    }

    /// The keys of the shown bindings, in order.
    pub fn shown_bindings(&self) -> Vec<&str> {
        self.bindings
            .rows
            .iter()
            .map(|&i| self.model.bindings[i].key.as_str())
            .collect()
    }
}
