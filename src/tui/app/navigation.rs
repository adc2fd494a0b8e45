//! Moving through tables and pages, drilling down, copying a fix, and the rows each table
//! shows for the current query.

use std::time::Instant;

use crate::analysis::Finding;

use super::super::detail::{self, Detail, PageState};
use super::super::model::Target;
use super::super::query::Filter;
use super::super::rows::{self, FindingRow};
use super::super::tab::Tab;
use super::{App, Effect, ToastKind};

impl App {
    pub(super) fn back(&mut self) {
        if self.help.is_some() {
            self.help = None;
        } else if self.detail.is_some() {
            self.detail = None;
        } else if self.can.is_some() {
            self.can = None;
            self.rebuild();
        } else if let Some(filter) = self.query.filters.of_mut(self.tab)
            && !filter.text.is_empty()
        {
            *filter = Filter::default();
            self.rebuild();
        }
    }

    pub(super) fn switch(&mut self, tab: Tab) {
        self.help = None;
        self.detail = None;
        self.tab = tab;
    }

    pub(super) fn navigate(&mut self, delta: isize) {
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

    pub(crate) fn page_mut(&mut self) -> Option<&mut PageState> {
        match &mut self.detail {
            Some(Detail::Binding { page, .. } | Detail::NodeRole { page, .. }) => Some(page),
            None if self.tab == Tab::Cluster => Some(&mut self.cluster_page),
            None => None,
        }
    }

    /// The findings of the page shown, with what they belong to.
    pub(super) fn page_findings(&self) -> Option<(Target, usize)> {
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

    pub(super) fn step_finding(&mut self, by: isize) {
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

    /// `p`/`P` in a binding's drill-down: the next or previous pod's evidence.
    pub(super) fn step_pod(&mut self, by: isize) {
        if let Some(Detail::Binding { pods, pod, .. }) = &mut self.detail
            && !pods.is_empty()
        {
            *pod = pod.saturating_add_signed(by).min(pods.len() - 1);
        }
    }

    pub(super) fn open(&mut self) {
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

    pub(super) fn open_binding(&mut self, i: usize, finding: usize) {
        let Some(row) = self.model.bindings.get(i) else {
            return;
        };
        let key = row.key.clone();
        let pods = detail::pod_rows(&self.model, i);
        let pod = detail::worst_pod(&pods);
        self.detail = Some(Detail::Binding {
            key,
            page: PageState {
                scroll: 0,
                finding,
                jump: finding > 0,
            },
            pods,
            pod,
        });
    }

    pub(super) fn open_node_role(&mut self, i: usize, finding: usize) {
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
    pub(super) fn refresh_detail(&mut self, now: Instant) {
        let gone = match &self.detail {
            Some(Detail::Binding { key, .. }) => match self.model.binding(key) {
                Some((i, b)) => {
                    let count = b.findings.len();
                    let rows = detail::pod_rows(&self.model, i);
                    if let Some(Detail::Binding {
                        pods, page, pod, ..
                    }) = &mut self.detail
                    {
                        // The same pod stays selected while it exists.
                        let name = pods.get(*pod).map(|p| p.name.clone());
                        *pod = name
                            .and_then(|n| rows.iter().position(|p| p.name == n))
                            .unwrap_or_else(|| detail::worst_pod(&rows));
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

    /// Queues the selected finding's fix for the clipboard: every step, in order, or the
    /// first of its alternatives ([`crate::analysis::finding::Fix::paste`]).
    pub(super) fn copy(&mut self, now: Instant) {
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
            Some((target, f, f.fix.paste()?))
        });
        match found {
            Some((target, f, paste)) => {
                let whose = format!("the {} fix for {}", f.code, self.model.target_label(target));
                let what = match (paste.alternative, &paste.stops_at, paste.commands) {
                    (Some((k, n)), ..) => format!("alternative {k} of {n} of {whose}"),
                    (None, _, 0) => format!("{whose} (as # comments: nothing in it runs)"),
                    (None, Some(_), _) => {
                        format!("{whose} up to its step done by hand (the rest as # comments)")
                    }
                    (None, None, n) if n > 1 => format!("{whose} ({n} steps, in order)"),
                    (None, None, _) => whose,
                };
                self.effects.push(Effect::Copy {
                    text: paste.text,
                    what,
                });
            }
            None => self.notify("nothing to copy: no fix here", ToastKind::Info, now),
        }
    }

    /// Recomputes the shown rows of every table from the query, keeping selections.
    pub(super) fn rebuild(&mut self) {
        let model = &self.model;
        let can = self.can.as_ref();
        self.bindings.rows = rows::bindings(model, &self.query, &self.sorted, can);
        let t = &mut self.bindings;
        t.cursor.resync(t.rows.len(), |i| {
            Some(model.bindings[t.rows[i]].key.as_str())
        });
        self.node_roles.rows = rows::node_roles(model, &self.query, can);
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
