//! Keys: the keymap's actions, the filter and the command line.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::updates::Origin;

use super::super::command::{self, Command};
use super::super::detail::Detail;
use super::super::export::Format;
use super::super::keymap::{self, Action, Scope};
use super::super::query::Filter;
use super::super::rows;
use super::super::tab::Tab;
use super::{App, CanQuery, Effect, Input, InputKind, ToastKind};

impl App {
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
        } else if matches!(self.detail, Some(Detail::Binding { .. })) {
            keymap::BINDING_PAGE
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
        // Nothing is shown below the minimum size: a key must not change views blind.
        if self.too_small {
            let ctrl_c =
                key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || (key.code == KeyCode::Char('q') && key.modifiers.is_empty()) {
                self.quit = true;
            }
            return;
        }
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

    pub(super) fn dispatch(&mut self, action: Action, now: Instant) {
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
                self.query.problems = self.query.problems.next();
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
            Action::NextPod => self.step_pod(1),
            Action::PrevPod => self.step_pod(-1),
            Action::Submit => self.submit(now),
            Action::Cancel => {
                if let Some(input) = self.input.take()
                    && input.kind == InputKind::Filter
                    && let Some(filter) = self.query.filters.of_mut(self.tab)
                {
                    *filter = Filter::default();
                    self.rebuild();
                }
            }
            Action::Complete => {
                if let Some(input) = &self.input
                    && input.kind == InputKind::Command
                {
                    let done = command::complete_with(
                        &input.text,
                        &self.model.namespaces,
                        &self.contexts(),
                        &self.model.actions,
                    );
                    self.edit_input(|text| *text = done);
                }
            }
            Action::DeleteBack => self.edit_input(|text| {
                text.pop();
            }),
        }
    }

    /// The contexts `:ctx` completes: the kubeconfig's, and the live cluster's own. A demo's
    /// or a snapshot's context is not one that can be connected to here.
    pub(super) fn contexts(&self) -> Vec<String> {
        let mut all = self.contexts.clone();
        if self.origin == Origin::Live
            && let Some(current) = &self.model.report.cluster.context
            && !all.contains(current)
        {
            all.push(current.clone());
        }
        all
    }

    /// Opens the command line empty, or the filter with the current view's filter to edit.
    pub(super) fn open_input(&mut self, kind: InputKind) {
        let text = match kind {
            InputKind::Filter => match self.query.filters.of(self.tab) {
                Some(f) => f.text.clone(),
                None => return,
            },
            InputKind::Command => String::new(),
        };
        self.input = Some(Input {
            kind,
            text,
            candidates: Vec::new(),
        });
        self.edit_input(|_| {});
    }

    /// Changes the input text; the filter applies as it is typed.
    pub(super) fn edit_input(&mut self, edit: impl FnOnce(&mut String)) {
        let contexts = self.contexts();
        let Some(input) = &mut self.input else { return };
        edit(&mut input.text);
        match input.kind {
            InputKind::Filter => {
                if let Some(filter) = self.query.filters.of_mut(self.tab) {
                    *filter = Filter::new(input.text.clone());
                    self.rebuild();
                }
            }
            InputKind::Command => {
                input.candidates = command::candidates_with(
                    &input.text,
                    &self.model.namespaces,
                    &contexts,
                    &self.model.actions,
                );
            }
        }
    }

    pub(super) fn submit(&mut self, now: Instant) {
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
            Ok(Command::Snapshot(path)) => self.effects.push(Effect::Snapshot { path }),
            Ok(Command::Can(action, resource)) => {
                self.notify(
                    format!("asking every role: can {action} on {resource}…"),
                    ToastKind::Info,
                    now,
                );
                self.can = Some(CanQuery {
                    action: action.clone(),
                    resource: resource.clone(),
                    answers: None,
                });
                self.rebuild();
                self.effects.push(Effect::Ask { action, resource });
            }
            Err(e) => self.notify(e, ToastKind::Error, now),
        }
    }

    pub(super) fn switch_context(&mut self, name: String, cluster: Option<String>, now: Instant) {
        if self.origin != Origin::Live && self.contexts.is_empty() {
            self.notify(
                "no kubeconfig was found: :ctx connects to a context of your kubeconfig (KUBECONFIG or ~/.kube/config); quit and start irsa-tui with --kubeconfig PATH",
                ToastKind::Error,
                now,
            );
        } else if let Some(target) = &self.connecting {
            let text = format!("still connecting to context {target}");
            self.notify(text, ToastKind::Error, now);
        } else if self.origin == Origin::Live
            && self.model.report.cluster.context.as_deref() == Some(name.as_str())
            && cluster
                .as_deref()
                .is_none_or(|c| self.model.report.cluster.name.as_deref() == Some(c))
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
}
