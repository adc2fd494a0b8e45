//! New analyses and `:ctx` switches arriving, toasts, highlights and the spinner's timer.

use std::sync::Arc;
use std::time::Instant;

use crate::analysis::permissions::Verdict;
use crate::analysis::permissions::ask::RoleAnswers;

use crate::inventory::SourceState;
use crate::updates::Origin;

use super::super::detail::PageState;
use super::super::model::Model;
use super::super::rows;
use super::{
    App, ERROR_TOAST_FOR, Effect, HIGHLIGHT_FOR, SPIN_EVERY, TOAST_FOR, Table, Toast, ToastKind,
};

impl App {
    /// New data (a live update, a reload), analysed off the UI thread: keeps every
    /// selection by key and the scroll positions, and highlights the rows that changed.
    /// Returns how many bindings and node roles changed.
    pub fn apply_model(&mut self, model: Model, now: Instant) -> usize {
        let mut changed: Vec<String> = model
            .report
            .bindings
            .iter()
            .zip(&model.bindings)
            .filter(|(b, row)| {
                self.model
                    .binding(&row.key)
                    .is_none_or(|(_, old)| old != Arc::as_ref(b))
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
        let count = self.shown_again(changed, now);
        tracing::debug!(changed = count, "applied an inventory update");
        count
    }

    /// After the model changed: highlights the rows `changed`, derives the views again and
    /// the open drill-down. Returns how many rows changed.
    fn shown_again(&mut self, changed: Vec<String>, now: Instant) -> usize {
        let count = changed.len();
        if count > 0 {
            self.changed.extend(changed);
            self.highlight_until = Some(now + HIGHLIGHT_FOR);
        }
        self.rebuild();
        self.refresh_detail(now);
        self.schedule_spin(now);
        count
    }

    /// What changed in the analysis shown (a live update): applied to the model in place,
    /// then as [`App::apply_model`] goes on. Returns how many rows changed.
    pub fn apply_patch(&mut self, patch: crate::updates::Patch, now: Instant) -> usize {
        let patched = self.model.patch_rows(patch);
        match &patched.in_place {
            // The rows that changed move to where they now sort; the others stay.
            Some(rows) => {
                rows::resort_bindings(&mut self.sorted, &self.model, self.query.sort, rows)
            }
            None => self.sorted = rows::sorted_bindings(&self.model, self.query.sort),
        }
        let count = self.shown_again(patched.changed, now);
        tracing::debug!(changed = count, "applied an inventory patch");
        count
    }

    /// Now showing another cluster (`:ctx` connected): its data replaces the old, with
    /// the views reset (rows, drill-downs and the namespace scope of the old cluster mean
    /// nothing there); the sort and the filter stay.
    pub fn switched(&mut self, model: Model, context: &str, now: Instant) {
        self.connecting = None;
        self.origin = Origin::Live;
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

    /// The answer to `:can` arrived: the tables narrow to the bindings and node roles
    /// allowed or unknown (an answer to a question no longer asked is dropped).
    pub fn answered(
        &mut self,
        action: &str,
        resource: &str,
        answers: Arc<RoleAnswers>,
        now: Instant,
    ) {
        let Some(q) = self
            .can
            .as_mut()
            .filter(|q| q.action == action && q.resource == resource)
        else {
            return;
        };
        q.answers = Some(answers);
        self.rebuild();
        let (allowed, unknown) = self.can_counts();
        self.notify(
            format!(
                "can {action} on {resource}: {allowed} bindings allowed, {unknown} unknown (Esc clears)"
            ),
            ToastKind::Info,
            now,
        );
    }

    /// The shown bindings `:can` found allowed, and unknown.
    pub(crate) fn can_counts(&self) -> (usize, usize) {
        let Some(q) = &self.can else { return (0, 0) };
        let mut counts = (0, 0);
        for &i in &self.bindings.rows {
            match q
                .answer(self.model.report.bindings[i].role_arn.as_deref())
                .map(|a| a.decision)
            {
                Some(Verdict::Allowed) => counts.0 += 1,
                Some(Verdict::Unknown) => counts.1 += 1,
                _ => {}
            }
        }
        counts
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
        let m = &self.model;
        self.connecting.is_some()
            || (self.origin == Origin::Live
                && (m.sources.iter().any(|s| s.state == SourceState::Syncing)
                    || m.aws.reading()
                    || m.report
                        .evidence
                        .as_ref()
                        .is_some_and(|w| w.state == crate::inventory::TrailState::Reading)))
    }

    /// The spinner turns while [`App::busy`], and stops (no more timer) once it is not.
    pub(super) fn schedule_spin(&mut self, now: Instant) {
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
}
