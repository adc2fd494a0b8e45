//! The Bindings view: every ServiceAccount → role binding, failing first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::analysis::Mechanism;

use super::super::app::App;
use super::super::model::Target;
use super::super::query::SortColumn;
use super::super::rows;
use super::super::widgets::table::{self, Column, RowData};
use super::blocks;
use crate::time;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let block = blocks::table_block(
        app,
        "Bindings",
        app.bindings.rows.len(),
        app.model.report.bindings.len(),
        true,
    );
    let reasons = app.bindings.selected().map_or_else(Vec::new, |&i| {
        rows::binding_reasons(&app.model, i, &app.query.filters.bindings)
    });
    let block = blocks::matched(block, app, &reasons);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.bindings.rows.is_empty() {
        blocks::empty(frame, inner, app, "bindings");
        return usize::from(inner.height);
    }
    let sort = app.query.sort;
    let title = |name: &str, column: SortColumn| {
        if sort.column == column {
            format!("{name}{}", sort.arrow())
        } else {
            name.to_owned()
        }
    };
    let w = app.model.widths;
    // Widths by content (see `table::widths`): names up to a cap, then the rest to what is
    // still cut; a cut role name drops what most roles share (`shop-prod-`).
    let mut columns = vec![
        Column::new(title("STATUS", SortColumn::Status), 9, 9, 9),
        // Do the pods get the role's credentials: the first fact in an incident.
        Column::new(title("ASSUMES", SortColumn::Assumes), 9, 9, 8),
        Column::new(title("NAMESPACE", SortColumn::Namespace), 9, w.namespace, 8).cap(24),
        Column::new(
            title("SERVICE ACCOUNT", SortColumn::ServiceAccount),
            15,
            w.service_account,
            9,
        )
        .cap(32),
        Column::new("MECHANISM", 9, 9, 3),
        Column::new(title("ROLE", SortColumn::Role), 12, w.role, 6)
            .cap(40)
            .common(app.model.role_segments.clone()),
        Column::new("ACCOUNT", 12, 12, 2),
        Column::new(title("PODS", SortColumn::Pods), 5, 5, 5).right(),
        Column::new(title("FINDINGS", SortColumn::Findings), 20, w.findings, 7)
            .cap(48)
            .weight(3),
        Column::new("AGE", 5, 5, 1).right().optional(),
    ];
    // What CloudTrail recorded, when it was read (after ASSUMES: the facts beside the
    // verdict).
    let evidence = app.model.report.evidence.is_some();
    if evidence {
        // As wide as its widest cell (`✗ 37 STS`, `! 9 old role`), `-` mostly.
        columns.insert(
            2,
            Column::new(
                title("EVIDENCE", SortColumn::Evidence),
                8,
                w.evidence.max(9),
                7,
            )
            .cap(14),
        );
    }
    let App {
        model,
        bindings,
        changed,
        theme,
        ..
    } = app;
    let t = *theme;
    let rows = &bindings.rows;
    table::render(
        frame,
        inner,
        t,
        &columns,
        rows.len(),
        &mut bindings.cursor,
        |pos| {
            let i = rows[pos];
            let b = &model.report.bindings[i];
            let meta = &model.bindings[i];
            let dash = || Line::from(Span::styled("-", t.dim()));
            let findings = match b.worst_finding() {
                Some(f) => Line::from(vec![
                    Span::styled(format!("{} ", b.findings.len()), t.dim()),
                    Span::styled(f.code.as_str(), t.severity(f.severity)),
                    Span::raw(format!(" {}", model.short_title(Target::Binding(i), f))),
                ]),
                None => dash(),
            };
            let mut cells = vec![
                Line::from(Span::styled(
                    format!("{} {}", b.status.symbol(), b.status.as_str()),
                    t.status(b.status),
                )),
                match b.assumes {
                    Some(a) => Line::from(Span::styled(a.marked(), t.assumes(a))),
                    None => dash(),
                },
                Line::from(b.namespace.clone()),
                Line::from(b.service_account.clone()),
                match b.mechanism {
                    Mechanism::None => Line::from(Span::styled("none", t.dim())),
                    // Short enough for the column; the drill-down spells it out.
                    Mechanism::PodIdentity => Line::from("pod-id"),
                    m => Line::from(m.as_str()),
                },
                if meta.role.is_empty() {
                    dash()
                } else {
                    Line::from(meta.role.clone())
                },
                if meta.account.is_empty() {
                    dash()
                } else {
                    Line::from(meta.account.clone())
                },
                Line::from(format!("{}/{}", meta.injected, b.pods.len())),
                findings,
                meta.age.map_or_else(dash, |a| Line::from(time::age(a))),
            ];
            if evidence {
                let cell = crate::render::evidence::cell(b.evidence.as_ref());
                let style = match cell.chars().next() {
                    Some('✗') => t.severity(crate::analysis::Severity::Error),
                    Some('!') => t.severity(crate::analysis::Severity::Warning),
                    Some('✓') => t.status(crate::analysis::Status::Ok),
                    _ => t.dim(),
                };
                cells.insert(2, Line::from(Span::styled(cell, style)));
            }
            let style = if changed.contains(&meta.key) {
                t.changed()
            } else {
                Style::new()
            };
            RowData { cells, style }
        },
    );
    usize::from(inner.height.saturating_sub(1))
}
