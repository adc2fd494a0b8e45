//! The dashboard's state and how keys and new data change it. Pure: no terminal, no files;
//! what needs the outside world (copy, export, refresh) is queued as an [`Effect`] for the
//! event loop.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::analysis::{Finding, Report, Settings};
use crate::inventory::{Inventory, SourceState};

use super::command::{self, Command};
use super::cursor::Cursor;
use super::detail::{self, Detail, PageState};
use super::export::Format;
use super::keymap::{self, Action, Scope};
use super::model::{Model, Target};
use super::origin::Origin;
use super::query::{Filter, Query, Sort};
use super::rows::{self, FindingRow};
use super::theme::Theme;

/// How long a toast stays; an error, which may need reading, longer.
pub const TOAST_FOR: Duration = Duration::from_secs(4);
pub const ERROR_TOAST_FOR: Duration = Duration::from_secs(8);
/// How long changed rows stay highlighted.
pub const HIGHLIGHT_FOR: Duration = Duration::from_secs(3);
/// How often the spinner turns while sources sync.
pub const SPIN_EVERY: Duration = Duration::from_millis(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Bindings,
    NodeRoles,
    Findings,
    Cluster,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Bindings, Tab::NodeRoles, Tab::Findings, Tab::Cluster];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Bindings => "Bindings",
            Tab::NodeRoles => "Node roles",
            Tab::Findings => "Findings",
            Tab::Cluster => "Cluster",
        }
    }

    fn position(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.position() as isize + by).rem_euclid(n) as usize]
    }
}

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
    /// Connect to another kubeconfig context (and the EKS cluster, when named).
    SwitchContext {
        context: String,
        cluster: Option<String>,
    },
}

pub struct App {
    pub(super) model: Model,
    settings: Settings,
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
}

impl App {
    pub fn new(inventory: Inventory, settings: Settings, origin: Origin, theme: Theme) -> App {
        let model = Model::new(inventory, &settings);
        let sorted = rows::sorted_bindings(&model, Sort::default());
        let mut app = App {
            model,
            settings,
            origin,
            contexts: Vec::new(),
            connecting: None,
            spinner: 0,
            spin_at: None,
            retired: None,
            theme,
            tab: Tab::Bindings,
            query: Query::default(),
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

    pub fn settings(&self) -> &Settings {
        &self.settings
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

    /// Sets the `generated_at` of the reports built from now on.
    pub fn set_generated_at(&mut self, at: String) {
        self.settings.generated_at = at;
    }

    /// New data (a live update, a reload): analyses it again, keeps every selection by key
    /// and the scroll positions, and highlights the rows that changed. Returns how many
    /// bindings and node roles changed.
    pub fn apply_inventory(&mut self, inventory: Inventory, now: Instant) -> usize {
        let model = Model::new(inventory, &self.settings);
        self.apply_model(model, now)
    }

    /// A model analysed elsewhere (off the UI thread): as [`App::apply_inventory`].
    pub fn apply_model(&mut self, model: Model, now: Instant) -> usize {
        self.settings.generated_at = model.report.generated_at.clone();
        let mut changed: Vec<String> = model
            .report
            .bindings
            .iter()
            .zip(&model.bindings)
            .filter(|(b, row)| {
                self.model
                    .binding(&row.key)
                    .is_none_or(|(_, old)| old != *b)
            })
            .map(|(_, row)| row.key.clone())
            .collect();
        changed.extend(
            model
                .report
                .node_roles
                .iter()
                .filter(|r| !self.model.report.node_roles.iter().any(|old| old == *r))
                .map(|r| r.role_arn.clone()),
        );
        self.sorted = rows::sorted_bindings(&model, self.query.sort);
        self.retired = Some(std::mem::replace(&mut self.model, model));
        let count = changed.len();
        if count > 0 {
            self.changed.extend(changed);
            self.highlight_until = Some(now + HIGHLIGHT_FOR);
        }
        self.rebuild();
        self.refresh_detail(now);
        self.schedule_spin(now);
        tracing::debug!(changed = count, "applied an inventory update");
        count
    }

    /// Now showing another cluster (`:ctx` connected): its data replaces the old, with
    /// the views reset (rows, drill-downs and the namespace scope of the old cluster mean
    /// nothing there); the sort and the filter stay.
    pub fn switched(&mut self, inventory: Inventory, now: Instant) {
        let context = inventory.context.clone().unwrap_or_default();
        self.connecting = None;
        self.origin = Origin::Live;
        let model = Model::new(inventory, &self.settings);
        self.retired = Some(std::mem::replace(&mut self.model, model));
        self.sorted = rows::sorted_bindings(&self.model, self.query.sort);
        self.bindings = Table::default();
        self.node_roles = Table::default();
        self.findings = Table::default();
        self.cluster_page = PageState::default();
        self.detail = None;
        self.query.namespace = None;
        self.changed.clear();
        self.highlight_until = None;
        self.rebuild();
        self.schedule_spin(now);
        self.notify(
            format!("switched to context {context}"),
            ToastKind::Info,
            now,
        );
    }

    /// `:ctx` could not connect: the current data stays.
    pub fn switch_failed(&mut self, error: &str, now: Instant) {
        let name = self.connecting.take().unwrap_or_default();
        self.schedule_spin(now);
        self.notify(
            format!("cannot switch to context {name}: {error}"),
            ToastKind::Error,
            now,
        );
    }

    /// Whether something is still loading: a context being connected, or (live) a source
    /// on its first list or the first AWS read.
    pub fn busy(&self) -> bool {
        let inv = &self.model.inventory;
        self.connecting.is_some()
            || (self.origin == Origin::Live
                && (inv.sources.iter().any(|s| s.state == SourceState::Syncing)
                    || inv.aws.reading()))
    }

    /// The spinner turns while [`App::busy`], and stops (no more timer) once it is not.
    fn schedule_spin(&mut self, now: Instant) {
        if !self.busy() {
            self.spin_at = None;
        } else if self.spin_at.is_none() {
            self.spin_at = Some(now + SPIN_EVERY);
        }
    }

    /// When the next timer (toast, highlight, spinner) runs out: the event loop sleeps
    /// until then.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.toast.as_ref().map(|t| t.until),
            self.highlight_until,
            self.spin_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Expires toasts and highlights, and turns the spinner.
    pub fn tick(&mut self, now: Instant) {
        if self.toast.as_ref().is_some_and(|t| t.until <= now) {
            self.toast = None;
        }
        if self.highlight_until.is_some_and(|u| u <= now) {
            self.highlight_until = None;
            self.changed.clear();
        }
        if self.spin_at.is_some_and(|at| at <= now) {
            self.spinner = self.spinner.wrapping_add(1);
            self.spin_at = None;
        }
        self.schedule_spin(now);
    }

    /// The model replaced by the last update, to be dropped elsewhere.
    pub fn take_retired(&mut self) -> Option<Model> {
        self.retired.take()
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn notify(&mut self, text: impl Into<String>, kind: ToastKind, now: Instant) {
        let text = text.into();
        tracing::info!("{text}");
        self.toast = Some(Toast {
            text,
            kind,
            until: now
                + match kind {
                    ToastKind::Info => TOAST_FOR,
                    ToastKind::Error => ERROR_TOAST_FOR,
                },
        });
    }

    /// A terminal event; returns whether the screen must be drawn again.
    pub fn handle_event(&mut self, event: &Event, now: Instant) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                self.handle_key(*key, now);
                true
            }
            Event::Resize(..) => true,
            _ => false,
        }
    }

    /// The scopes of the keymap active on the current screen.
    pub fn scopes(&self) -> &'static [Scope] {
        if let Some(input) = &self.input {
            match input.kind {
                InputKind::Filter => keymap::FILTER,
                InputKind::Command => keymap::COMMAND,
            }
        } else if self.help.is_some() {
            keymap::HELP
        } else if self.detail.is_some() || self.tab == Tab::Cluster {
            keymap::PAGE
        } else if self.tab == Tab::Bindings {
            keymap::BINDINGS_TABLE
        } else {
            keymap::TABLE
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent, now: Instant) {
        tracing::trace!(?key, "key");
        // Esc and a key arriving together (a fast typist, SSH, tmux send-keys) read as
        // Alt+key; nothing is bound to Alt, so take it as the two keys.
        if key.modifiers.contains(KeyModifiers::ALT) {
            let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
            self.handle_key(esc, now);
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            self.handle_key(plain, now);
            return;
        }
        match keymap::action(self.scopes(), &key) {
            Some(action) => self.dispatch(action, now),
            None => {
                if let (Some(_), KeyCode::Char(c)) = (&self.input, key.code)
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    self.edit_input(|text| text.push(c));
                }
            }
        }
    }

    fn dispatch(&mut self, action: Action, now: Instant) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = if self.help.is_some() { None } else { Some(0) };
            }
            Action::Back => self.back(),
            Action::Open => self.open(),
            Action::Up => self.navigate(-1),
            Action::Down => self.navigate(1),
            Action::Top => self.navigate(isize::MIN / 2),
            Action::Bottom => self.navigate(isize::MAX / 2),
            Action::PageUp => self.navigate(-(self.page_height.max(1) as isize)),
            Action::PageDown => self.navigate(self.page_height.max(1) as isize),
            Action::HalfPageUp => self.navigate(-((self.page_height / 2).max(1) as isize)),
            Action::HalfPageDown => self.navigate((self.page_height / 2).max(1) as isize),
            Action::NextView => self.switch(self.tab.step(1)),
            Action::PrevView => self.switch(self.tab.step(-1)),
            Action::View(tab) => self.switch(tab),
            Action::Filter => self.open_input(InputKind::Filter),
            Action::Command => self.open_input(InputKind::Command),
            Action::ProblemsOnly => {
                self.query.problems_only = !self.query.problems_only;
                self.rebuild();
            }
            Action::Sort(column) => {
                self.query.sort = self.query.sort.press(column);
                self.sorted = rows::sorted_bindings(&self.model, self.query.sort);
                self.rebuild();
            }
            Action::Export => self.effects.push(Effect::Export {
                formats: vec![Format::Markdown, Format::Json],
                path: None,
            }),
            Action::Copy => self.copy(now),
            Action::Refresh => self.effects.push(Effect::Refresh),
            Action::NextFinding => self.step_finding(1),
            Action::PrevFinding => self.step_finding(-1),
            Action::Submit => self.submit(now),
            Action::Cancel => {
                if let Some(input) = self.input.take()
                    && input.kind == InputKind::Filter
                {
                    self.query.filter = Filter::default();
                    self.rebuild();
                }
            }
            Action::Complete => {
                if let Some(input) = &self.input
                    && input.kind == InputKind::Command
                {
                    let done =
                        command::complete(&input.text, &self.model.namespaces, &self.contexts());
                    self.edit_input(|text| *text = done);
                }
            }
            Action::DeleteBack => self.edit_input(|text| {
                text.pop();
            }),
        }
    }

    fn contexts(&self) -> Vec<String> {
        let mut all = self.contexts.clone();
        if let Some(current) = &self.model.inventory.context
            && !all.contains(current)
        {
            all.push(current.clone());
        }
        all
    }

    /// Opens the filter or command line, empty.
    fn open_input(&mut self, kind: InputKind) {
        self.input = Some(Input {
            kind,
            text: String::new(),
            candidates: Vec::new(),
        });
        self.edit_input(|_| {});
    }

    /// Changes the input text; the filter applies as it is typed.
    fn edit_input(&mut self, edit: impl FnOnce(&mut String)) {
        let contexts = self.contexts();
        let Some(input) = &mut self.input else { return };
        edit(&mut input.text);
        match input.kind {
            InputKind::Filter => {
                self.query.filter = Filter::new(input.text.clone());
                self.rebuild();
            }
            InputKind::Command => {
                input.candidates =
                    command::candidates(&input.text, &self.model.namespaces, &contexts);
            }
        }
    }

    fn submit(&mut self, now: Instant) {
        let Some(input) = self.input.take() else {
            return;
        };
        if input.kind == InputKind::Filter {
            return;
        }
        match command::parse(&input.text) {
            Ok(Command::Quit) => self.quit = true,
            Ok(Command::Namespace(None)) => {
                self.query.namespace = None;
                self.rebuild();
                self.notify("all namespaces", ToastKind::Info, now);
            }
            Ok(Command::Namespace(Some(ns))) => {
                if self.model.namespaces.contains(&ns) {
                    self.notify(format!("namespace {ns}"), ToastKind::Info, now);
                    self.query.namespace = Some(ns);
                    self.rebuild();
                } else {
                    self.notify(
                        format!("no bindings in namespace {ns:?}"),
                        ToastKind::Error,
                        now,
                    );
                }
            }
            Ok(Command::Context(name, cluster)) => self.switch_context(name, cluster, now),
            Ok(Command::Export(format, path)) => self.effects.push(Effect::Export {
                formats: vec![format],
                path,
            }),
            Err(e) => self.notify(e, ToastKind::Error, now),
        }
    }

    fn switch_context(&mut self, name: String, cluster: Option<String>, now: Instant) {
        if let Some(target) = &self.connecting {
            let text = format!("still connecting to context {target}");
            self.notify(text, ToastKind::Error, now);
        } else if self.origin == Origin::Live
            && self.model.inventory.context.as_deref() == Some(name.as_str())
            && cluster
                .as_deref()
                .is_none_or(|c| self.model.inventory.cluster.name.as_deref() == Some(c))
        {
            self.notify(format!("already on context {name}"), ToastKind::Info, now);
        } else {
            self.notify(
                format!("connecting to context {name}…"),
                ToastKind::Info,
                now,
            );
            self.connecting = Some(name.clone());
            self.schedule_spin(now);
            self.effects.push(Effect::SwitchContext {
                context: name,
                cluster,
            });
        }
    }

    fn back(&mut self) {
        if self.help.is_some() {
            self.help = None;
        } else if self.detail.is_some() {
            self.detail = None;
        } else if !self.query.filter.text.is_empty() {
            self.query.filter = Filter::default();
            self.rebuild();
        }
    }

    fn switch(&mut self, tab: Tab) {
        self.help = None;
        self.detail = None;
        self.tab = tab;
    }

    fn navigate(&mut self, delta: isize) {
        if let Some(scroll) = &mut self.help {
            *scroll = scroll.saturating_add_signed(delta);
            return;
        }
        if let Some(page) = self.page_mut() {
            page.scroll = page.scroll.saturating_add_signed(delta);
            page.jump = false;
            return;
        }
        let model = &self.model;
        match self.tab {
            Tab::Bindings => {
                let t = &mut self.bindings;
                t.cursor.move_by(delta, t.rows.len(), |i| {
                    Some(model.bindings[t.rows[i]].key.as_str())
                });
            }
            Tab::NodeRoles => {
                let t = &mut self.node_roles;
                t.cursor.move_by(delta, t.rows.len(), |i| {
                    Some(model.report.node_roles[t.rows[i]].role_arn.as_str())
                });
            }
            Tab::Findings => {
                let t = &mut self.findings;
                t.cursor.move_by(delta, t.rows.len(), |i| {
                    rows::finding_key(model, &t.rows, i)
                });
            }
            Tab::Cluster => {}
        }
    }

    pub(super) fn page_mut(&mut self) -> Option<&mut PageState> {
        match &mut self.detail {
            Some(Detail::Binding { page, .. } | Detail::NodeRole { page, .. }) => Some(page),
            None if self.tab == Tab::Cluster => Some(&mut self.cluster_page),
            None => None,
        }
    }

    /// The findings of the page shown, with what they belong to.
    fn page_findings(&self) -> Option<(Target, usize)> {
        match &self.detail {
            Some(Detail::Binding { key, page, .. }) => {
                Some((Target::Binding(self.model.binding(key)?.0), page.finding))
            }
            Some(Detail::NodeRole { arn, page }) => {
                Some((Target::NodeRole(self.model.node_role(arn)?), page.finding))
            }
            None if self.tab == Tab::Cluster => Some((Target::Cluster, self.cluster_page.finding)),
            None => None,
        }
    }

    fn step_finding(&mut self, by: isize) {
        let Some((target, _)) = self.page_findings() else {
            return;
        };
        let count = self.model.findings_of(target).len();
        if let Some(page) = self.page_mut()
            && count > 0
        {
            page.finding = page.finding.saturating_add_signed(by).min(count - 1);
            page.jump = true;
        }
    }

    fn open(&mut self) {
        match self.tab {
            Tab::Bindings => {
                if let Some(&i) = self.bindings.selected() {
                    self.open_binding(i, 0);
                }
            }
            Tab::NodeRoles => {
                if let Some(&i) = self.node_roles.selected() {
                    self.open_node_role(i, 0);
                }
            }
            Tab::Findings => {
                let Some(&FindingRow::Entry(e)) = self.findings.selected() else {
                    return;
                };
                let Some(entry) = self.model.findings.get(e) else {
                    return;
                };
                let index = entry.index;
                match entry.target {
                    Target::Binding(i) => self.open_binding(i, index),
                    Target::NodeRole(i) => self.open_node_role(i, index),
                    Target::Cluster => {
                        self.tab = Tab::Cluster;
                        self.cluster_page = PageState {
                            scroll: 0,
                            finding: index,
                            jump: true,
                        };
                    }
                }
            }
            Tab::Cluster => {}
        }
    }

    fn open_binding(&mut self, i: usize, finding: usize) {
        let Some(row) = self.model.bindings.get(i) else {
            return;
        };
        let key = row.key.clone();
        let pods = detail::pod_rows(&self.model, i);
        self.detail = Some(Detail::Binding {
            key,
            page: PageState {
                scroll: 0,
                finding,
                jump: finding > 0,
            },
            pods,
        });
    }

    fn open_node_role(&mut self, i: usize, finding: usize) {
        let Some(role) = self.model.report.node_roles.get(i) else {
            return;
        };
        self.detail = Some(Detail::NodeRole {
            arn: role.role_arn.clone(),
            page: PageState {
                scroll: 0,
                finding,
                jump: finding > 0,
            },
        });
    }

    /// After new data: the open drill-down shows the new state of its binding or node
    /// role, or closes when it is gone.
    fn refresh_detail(&mut self, now: Instant) {
        let gone = match &self.detail {
            Some(Detail::Binding { key, .. }) => match self.model.binding(key) {
                Some((i, b)) => {
                    let count = b.findings.len();
                    let rows = detail::pod_rows(&self.model, i);
                    if let Some(Detail::Binding { pods, page, .. }) = &mut self.detail {
                        *pods = rows;
                        page.finding = page.finding.min(count.saturating_sub(1));
                    }
                    None
                }
                None => Some(key.clone()),
            },
            Some(Detail::NodeRole { arn, .. }) => match self.model.node_role(arn) {
                Some(_) => None,
                None => Some(arn.clone()),
            },
            None => None,
        };
        if let Some(what) = gone {
            self.detail = None;
            self.notify(format!("{what} is gone"), ToastKind::Info, now);
        }
    }

    /// Queues the selected finding's fix command for the clipboard.
    fn copy(&mut self, now: Instant) {
        let picked: Option<(Target, usize)> = if self.detail.is_some() || self.tab == Tab::Cluster {
            self.page_findings()
        } else {
            match self.tab {
                Tab::Bindings => self.bindings.selected().map(|&i| {
                    (
                        Target::Binding(i),
                        worst(&self.model.report.bindings[i].findings),
                    )
                }),
                Tab::NodeRoles => self.node_roles.selected().map(|&i| {
                    (
                        Target::NodeRole(i),
                        worst(&self.model.report.node_roles[i].findings),
                    )
                }),
                Tab::Findings => match self.findings.selected() {
                    Some(&FindingRow::Entry(e)) => {
                        self.model.findings.get(e).map(|x| (x.target, x.index))
                    }
                    _ => None,
                },
                Tab::Cluster => None,
            }
        };
        let found = picked.and_then(|(target, i)| {
            let f = self.model.findings_of(target).get(i)?;
            let fix = f.fix.last()?;
            Some((target, f, fix))
        });
        match found {
            Some((target, f, fix)) => {
                let what = format!("the {} fix for {}", f.code, self.model.target_label(target));
                self.effects.push(Effect::Copy {
                    text: fix.clone(),
                    what,
                });
            }
            None => self.notify("nothing to copy: no fix here", ToastKind::Info, now),
        }
    }

    /// Recomputes the shown rows of every table from the query, keeping selections.
    fn rebuild(&mut self) {
        let model = &self.model;
        self.bindings.rows = rows::bindings(model, &self.query, &self.sorted);
        let t = &mut self.bindings;
        t.cursor.resync(t.rows.len(), |i| {
            Some(model.bindings[t.rows[i]].key.as_str())
        });
        self.node_roles.rows = rows::node_roles(model, &self.query);
        let t = &mut self.node_roles;
        t.cursor.resync(t.rows.len(), |i| {
            Some(model.report.node_roles[t.rows[i]].role_arn.as_str())
        });
        self.findings.rows = rows::findings(model, &self.query);
        let t = &mut self.findings;
        t.cursor
            .resync(t.rows.len(), |i| rows::finding_key(model, &t.rows, i));
    }
}

/// The index of the worst finding (the first among equals).
fn worst(findings: &[Finding]) -> usize {
    findings
        .iter()
        .enumerate()
        .min_by_key(|(_, f)| f.severity)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Status;
    use crate::tui::query::SortColumn;
    use crate::tui::test_support::{demo, demo_app, press, select};

    fn app() -> App {
        demo_app(false)
    }

    #[test]
    fn starts_failing_first_on_the_first_binding() {
        let app = app();
        let shown = app.shown_bindings();
        assert_eq!(shown.len(), 83);
        assert_eq!(app.selected_binding(), Some(shown[0]));
        let first_ok = shown
            .iter()
            .position(|k| app.model.binding(k).map(|(_, b)| b.status) == Some(Status::Ok))
            .expect("an ok binding");
        assert!(
            shown[..first_ok]
                .iter()
                .all(|k| { app.model.binding(k).map(|(_, b)| b.status) != Some(Status::Ok) })
        );
    }

    #[test]
    fn selection_follows_its_binding_across_sort_and_filter() {
        let mut app = app();
        select(&mut app, "payments/payments-api");
        let before = app.bindings.cursor.index;
        press(&mut app, "N");
        assert_eq!(app.query.sort.column, SortColumn::Namespace);
        assert_eq!(app.selected_binding(), Some("payments/payments-api"));
        assert_ne!(
            app.bindings.cursor.index, before,
            "the row moved, the selection too"
        );
        let shown = app.shown_bindings();
        assert_eq!(shown[app.bindings.cursor.index], "payments/payments-api");
        assert!(
            shown.windows(2).all(|w| w[0] <= w[1]),
            "sorted by namespace"
        );
        press(&mut app, "N");
        assert!(app.query.sort.descending);
        let shown = app.shown_bindings();
        assert!(shown.windows(2).all(|w| w[0] >= w[1]), "reversed");
        assert_eq!(shown[app.bindings.cursor.index], "payments/payments-api");

        press(&mut app, "/payments\n");
        assert!(app.input.is_none());
        assert_eq!(app.shown_bindings().len(), 4);
        assert_eq!(app.selected_binding(), Some("payments/payments-api"));
        press(&mut app, "/!paymentz\x08s\n");
        assert_eq!(app.query.filter.text, "!payments", "a new filter, edited");
        assert!(!app.shown_bindings().contains(&"payments/payments-api"));
        assert_eq!(app.shown_bindings().len(), 83 - 4);
        press(&mut app, "\x1b");
        assert_eq!(app.shown_bindings().len(), 83, "Esc clears the filter");
        assert_eq!(
            app.selected_binding(),
            Some("payments/payments-api"),
            "back on its binding once shown again"
        );
        assert_eq!(
            app.shown_bindings()[app.bindings.cursor.index],
            "payments/payments-api"
        );
    }

    #[test]
    fn problems_only_and_namespace_scope() {
        let mut app = app();
        press(&mut app, "f");
        assert_eq!(app.shown_bindings().len(), 83 - 37);
        press(&mut app, ":ns payments\n");
        assert_eq!(app.query.namespace.as_deref(), Some("payments"));
        assert_eq!(app.shown_bindings(), ["payments/payments-api"]);
        press(&mut app, "f");
        assert_eq!(app.shown_bindings().len(), 4);
        press(&mut app, ":ns all\n");
        assert_eq!(app.shown_bindings().len(), 83);
        press(&mut app, ":ns nowhere\n");
        assert_eq!(app.toast.as_ref().map(|t| t.kind), Some(ToastKind::Error));
        assert_eq!(app.query.namespace, None);
    }

    #[test]
    fn command_line_completes_and_queues_effects() {
        let mut app = app();
        press(&mut app, ":ns paym\t");
        assert_eq!(
            app.input.as_ref().map(|i| i.text.as_str()),
            Some("ns payments ")
        );
        press(&mut app, "\x1b");
        assert!(app.input.is_none());
        press(&mut app, ":ex\thtml out.html\n");
        assert_eq!(
            app.take_effects(),
            [Effect::Export {
                formats: vec![Format::Html],
                path: Some("out.html".into())
            }]
        );
        press(&mut app, ":ctx staging\n");
        assert_eq!(
            app.take_effects(),
            [Effect::SwitchContext {
                context: "staging".into(),
                cluster: None
            }]
        );
        press(&mut app, "e");
        assert_eq!(
            app.take_effects(),
            [Effect::Export {
                formats: vec![Format::Markdown, Format::Json],
                path: None
            }]
        );
        press(&mut app, ":bogus\n");
        assert!(
            app.toast
                .as_ref()
                .is_some_and(|t| t.text.contains("unknown command"))
        );
        press(&mut app, ":q\n");
        assert!(app.should_quit());
    }

    #[test]
    fn drill_down_copy_and_back() {
        let mut app = app();
        select(&mut app, "payments/payments-api");
        press(&mut app, "\n");
        assert!(
            matches!(&app.detail, Some(Detail::Binding { key, pods, .. })
            if key == "payments/payments-api" && pods.len() == 6)
        );
        let Some(Detail::Binding { pods, .. }) = &app.detail else {
            unreachable!()
        };
        assert!(pods.iter().all(|p| p.age.is_some() && p.owner.is_some()));
        press(&mut app, "y");
        let effects = app.take_effects();
        let [Effect::Copy { text, what }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert!(
            text.starts_with(
                "aws iam update-assume-role-policy --role-name shop-prod-payments-api"
            )
        );
        assert_eq!(what, "the IRSA203 fix for payments/payments-api");
        press(&mut app, "jjj");
        assert_eq!(app.page_mut().map(|p| p.scroll), Some(3));
        press(&mut app, "\x1b");
        assert!(app.detail.is_none());
        assert_eq!(app.selected_binding(), Some("payments/payments-api"));
        press(&mut app, "q");
        assert!(app.should_quit());
    }

    #[test]
    fn findings_view_jumps_to_the_binding_and_node_role() {
        let mut app = app();
        press(&mut app, "3");
        assert_eq!(app.tab, Tab::Findings);
        assert!(matches!(app.findings.rows[0], FindingRow::Group { .. }));
        assert_eq!(app.findings.cursor.index, 1, "headers are skipped");
        press(&mut app, "/irsa203\n\n");
        assert!(
            matches!(&app.detail, Some(Detail::Binding { key, .. }) if key == "payments/payments-api")
        );
        press(&mut app, "\x1b/IRSA502\n\n");
        assert!(matches!(&app.detail, Some(Detail::NodeRole { arn, .. })
            if arn.ends_with("shop-prod-legacy-workers-NodeRole")));
        let Some(Detail::NodeRole { page, .. }) = &app.detail else {
            unreachable!()
        };
        assert_eq!(page.finding, 0);
        press(&mut app, "\x1b/IRSA602\n\n");
        assert_eq!(app.tab, Tab::Cluster);
        assert!(app.detail.is_none());
        press(&mut app, "y");
        assert!(matches!(&app.take_effects()[..],
            [Effect::Copy { text, .. }] if text == "kubectl auth can-i list configmaps -n kube-system"));
    }

    #[test]
    fn views_switch_with_tab_and_digits() {
        let mut app = app();
        press(&mut app, "\t");
        assert_eq!(app.tab, Tab::NodeRoles);
        app.handle_key(
            KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            Instant::now(),
        );
        assert_eq!(app.tab, Tab::Bindings);
        app.handle_key(
            KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            Instant::now(),
        );
        assert_eq!(app.tab, Tab::Cluster);
        press(&mut app, "2?");
        assert_eq!((app.tab, app.help), (Tab::NodeRoles, Some(0)));
        press(&mut app, "j\x1b");
        assert_eq!(app.help, None);
        app.handle_key(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Instant::now(),
        );
        assert!(app.should_quit());
    }

    #[test]
    fn an_update_keeps_the_selection_and_highlights_what_changed() {
        let mut app = app();
        select(&mut app, "payments/payments-api");
        press(&mut app, "\n");
        let mut inv = demo();
        // Fix the trust policy's namespace, and delete one pod of another binding.
        let role = inv
            .roles
            .iter_mut()
            .find(|r| r.name == "shop-prod-payments-api")
            .expect("the role");
        role.trust_policy = role
            .trust_policy
            .as_ref()
            .map(|t| t.replace("payments-staging", "payments"));
        let gone = inv
            .pods
            .iter()
            .position(|p| p.namespace == "orders" && p.service_account == "orders-api")
            .expect("a pod");
        inv.pods.remove(gone);
        let t0 = Instant::now();
        let changed = app.apply_inventory(inv, t0);
        assert_eq!(changed, 2, "{:?}", app.changed);
        assert!(app.changed.contains("payments/payments-api"));
        assert!(app.changed.contains("orders/orders-api"));
        assert_eq!(app.selected_binding(), Some("payments/payments-api"));
        let (_, b) = app
            .model
            .binding("payments/payments-api")
            .expect("still there");
        assert_eq!(b.status, Status::Ok);
        assert_eq!(
            app.shown_bindings()[app.bindings.cursor.index],
            "payments/payments-api",
            "the row moved down among the ok ones; the selection followed"
        );
        assert!(
            matches!(&app.detail, Some(Detail::Binding { key, .. }) if key == "payments/payments-api")
        );
        assert_eq!(app.next_deadline(), Some(t0 + HIGHLIGHT_FOR));
        app.tick(t0 + HIGHLIGHT_FOR);
        assert!(app.changed.is_empty());
        assert_eq!(app.next_deadline(), None, "nothing left to wake up for");
        // The same data again changes nothing.
        let same = app.model.inventory.clone();
        assert_eq!(app.apply_inventory(same, t0), 0);
        assert_eq!(app.next_deadline(), None);
    }

    #[test]
    fn the_replaced_model_is_handed_over_to_be_freed_elsewhere() {
        let mut app = app();
        assert!(app.take_retired().is_none());
        let before = app.report().bindings.len();
        let mut inv = demo();
        inv.service_accounts
            .retain(|s| !(s.namespace == "payments" && s.name == "payments-api"));
        app.apply_inventory(inv, Instant::now());
        let old = app.take_retired().expect("the old model");
        assert_eq!(old.report.bindings.len(), before);
        assert_ne!(app.report().bindings.len(), before);
        assert!(app.take_retired().is_none(), "handed over once");
    }

    #[test]
    fn an_update_that_removes_the_open_binding_closes_it() {
        let mut app = app();
        select(&mut app, "payments/payments-api");
        press(&mut app, "\n");
        let mut inv = demo();
        inv.service_accounts
            .retain(|s| !(s.namespace == "payments" && s.name == "payments-api"));
        app.apply_inventory(inv, Instant::now());
        assert!(app.detail.is_none());
        assert!(
            app.toast
                .as_ref()
                .is_some_and(|t| t.text == "payments/payments-api is gone")
        );
        assert!(app.selected_binding().is_some());
    }

    #[test]
    fn esc_arriving_with_a_key_reads_as_both() {
        let mut app = app();
        press(&mut app, "\n");
        assert!(app.detail.is_some());
        app.handle_key(
            KeyEvent::new(KeyCode::Char('?'), KeyModifiers::ALT),
            Instant::now(),
        );
        assert!(app.detail.is_none(), "Esc closed the drill-down");
        assert_eq!(app.help, Some(0), "then ? opened the help");
    }

    #[test]
    fn only_keys_and_resizes_redraw() {
        let mut app = app();
        let now = Instant::now();
        assert!(app.handle_event(&Event::Resize(80, 24), now));
        assert!(!app.handle_event(&Event::FocusGained, now));
        assert!(app.handle_event(
            &Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
            now
        ));
        assert_eq!(app.next_deadline(), None, "idle: no timer");
        app.notify("hello", ToastKind::Info, now);
        assert_eq!(app.next_deadline(), Some(now + TOAST_FOR));
        app.tick(now + TOAST_FOR);
        assert!(app.toast.is_none());
    }

    /// A live app whose sources are still on their first lists, and whose AWS read has not
    /// answered yet.
    fn syncing() -> App {
        let mut inv = demo();
        inv.context = Some("prod".into());
        inv.aws = crate::inventory::AwsStatus::default();
        for s in &mut inv.sources {
            s.state = SourceState::Syncing;
            s.count = Some(100);
        }
        App::new(
            inv,
            Settings::default(),
            Origin::Live,
            Theme { color: false },
        )
    }

    #[test]
    fn the_spinner_turns_only_while_something_loads() {
        let demo_app = app();
        assert!(!demo_app.busy(), "the demo never loads");
        let mut app = syncing();
        let t0 = Instant::now();
        assert!(app.busy());
        assert_eq!(
            app.next_deadline(),
            None,
            "not scheduled before the first tick"
        );
        app.tick(t0);
        assert_eq!(app.next_deadline(), Some(t0 + SPIN_EVERY));
        assert_eq!(app.spinner, 0);
        app.tick(t0 + SPIN_EVERY / 2);
        assert_eq!(app.spinner, 0, "not yet");
        app.tick(t0 + SPIN_EVERY);
        assert_eq!(app.spinner, 1);
        assert_eq!(app.next_deadline(), Some(t0 + SPIN_EVERY * 2));

        // The sources synced, AWS still reading: it keeps turning.
        let mut inv = app.model.inventory.clone();
        for s in &mut inv.sources {
            s.state = SourceState::Ok;
        }
        let t1 = t0 + SPIN_EVERY * 2;
        app.apply_inventory(inv.clone(), t1);
        app.tick(t1 + HIGHLIGHT_FOR);
        assert!(app.busy());
        assert!(app.next_deadline().is_some());
        // AWS answered: nothing loads, no timer is left (no redraws while idle).
        inv.aws.reachable = true;
        let t2 = t1 + HIGHLIGHT_FOR;
        app.apply_inventory(inv, t2);
        assert!(!app.busy());
        app.tick(t2 + HIGHLIGHT_FOR);
        assert_eq!(app.next_deadline(), None);
        let turned = app.spinner;
        app.tick(t2 + HIGHLIGHT_FOR * 2);
        assert_eq!(app.spinner, turned, "stopped");
    }

    #[test]
    fn ctx_connects_once_and_completes_the_kubeconfig_contexts() {
        let mut app = app().with_contexts(vec!["prod".into(), "staging".into(), "dev".into()]);
        press(&mut app, ":ctx st\t");
        assert_eq!(
            app.input.as_ref().map(|i| i.text.as_str()),
            Some("ctx staging ")
        );
        press(&mut app, "\n");
        assert_eq!(
            app.take_effects(),
            [Effect::SwitchContext {
                context: "staging".into(),
                cluster: None
            }]
        );
        assert_eq!(app.connecting.as_deref(), Some("staging"));
        assert!(app.busy(), "the spinner turns while connecting");
        press(&mut app, ":ctx dev\n");
        assert!(app.take_effects().is_empty(), "one connection at a time");
        assert!(app.toast.as_ref().is_some_and(
            |t| t.kind == ToastKind::Error && t.text == "still connecting to context staging"
        ));
    }

    #[test]
    fn ctx_may_name_the_eks_cluster() {
        let mut app = app();
        press(&mut app, ":ctx lab shop-lab\n");
        assert_eq!(
            app.take_effects(),
            [Effect::SwitchContext {
                context: "lab".into(),
                cluster: Some("shop-lab".into())
            }]
        );
    }

    #[test]
    fn a_failed_switch_keeps_the_data_shown() {
        let mut app = app();
        select(&mut app, "payments/payments-api");
        press(&mut app, ":ctx nowhere\n");
        let before = app.shown_bindings().len();
        app.switch_failed("no context \"nowhere\" in kubeconfig", Instant::now());
        assert_eq!(app.connecting, None);
        assert!(!app.busy());
        assert_eq!(app.origin, Origin::Demo);
        assert_eq!(app.shown_bindings().len(), before);
        assert_eq!(app.selected_binding(), Some("payments/payments-api"));
        assert_eq!(
            app.toast.as_ref().map(|t| (t.kind, t.text.as_str())),
            Some((
                ToastKind::Error,
                "cannot switch to context nowhere: no context \"nowhere\" in kubeconfig"
            ))
        );
    }

    #[test]
    fn a_switch_shows_the_new_cluster_with_fresh_views() {
        let mut app = app();
        press(&mut app, "N:ns payments\n");
        select(&mut app, "payments/payments-api");
        press(&mut app, "\n");
        assert!(app.detail.is_some());
        press(&mut app, ":ctx staging\n");
        assert_eq!(
            app.take_effects(),
            [Effect::SwitchContext {
                context: "staging".into(),
                cluster: None
            }]
        );
        let mut inv = demo();
        inv.context = Some("staging".into());
        inv.cluster.name = Some("staging".into());
        inv.service_accounts.retain(|s| s.namespace == "orders");
        let mut fresh = App::new(
            inv.clone(),
            Settings::default(),
            Origin::Live,
            Theme { color: false },
        );
        press(&mut fresh, "N");
        let now = Instant::now();
        app.switched(inv, now);
        assert_eq!(app.origin, Origin::Live);
        assert_eq!(app.connecting, None);
        assert!(app.detail.is_none(), "the old drill-down is closed");
        assert_eq!(
            app.query.namespace, None,
            "the old namespace scope is dropped"
        );
        assert_eq!(
            app.query.sort.column,
            SortColumn::Namespace,
            "the sort stays"
        );
        assert!(
            app.changed.is_empty(),
            "a new cluster is not a change to highlight"
        );
        let shown = app.shown_bindings();
        assert_eq!(shown, fresh.shown_bindings(), "as if it had started there");
        assert_ne!(shown.len(), 83);
        assert_eq!(app.selected_binding(), Some(shown[0]));
        assert_eq!(app.bindings.cursor.index, 0);
        assert_eq!(
            app.toast.as_ref().map(|t| t.text.as_str()),
            Some("switched to context staging")
        );
        // Asking for the context shown now connects to nothing.
        press(&mut app, ":ctx staging\n");
        assert!(app.take_effects().is_empty());
        assert_eq!(
            app.toast.as_ref().map(|t| t.text.as_str()),
            Some("already on context staging")
        );
    }
}
