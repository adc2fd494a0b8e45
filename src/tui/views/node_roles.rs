//! The Node roles view: the roles of the nodes, which pods without IRSA inherit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::model::Target;
use super::super::rows;
use super::super::widgets::table::{self, Column, RowData};
use super::blocks;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let block = blocks::table_block(
        app,
        "Node roles",
        app.node_roles.rows.len(),
        app.model.report.node_roles.len(),
        false,
    );
    let reasons = app.node_roles.selected().map_or_else(Vec::new, |&i| {
        rows::node_role_reasons(&app.model, i, &app.query.filters.node_roles)
    });
    let block = blocks::matched(block, app, &reasons);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.node_roles.rows.is_empty() {
        blocks::empty(frame, inner, app, "node roles");
        return usize::from(inner.height);
    }
    let App {
        model,
        node_roles,
        changed,
        theme,
        ..
    } = app;
    let t = *theme;
    let roles = &model.report.node_roles;
    let widest =
        |f: &dyn Fn(usize) -> usize| node_roles.rows.iter().map(|&i| f(i)).max().unwrap_or(0);
    let worst = |i: usize| roles[i].findings.iter().min_by_key(|f| f.severity);
    let findings_width = |i: usize| {
        worst(i).map_or(1, |f| {
            let title = model.short_title(Target::NodeRole(i), f);
            format!("{} {} {title}", roles[i].findings.len(), f.code)
                .chars()
                .count()
        })
    };
    // Widths by content; a cut name drops what the node roles share
    // (`eksctl-shop-prod-nodegroup-`, `NodeInstanceRole`), so the three eksctl ones differ.
    let columns = [
        Column::new("STATUS", 9, 9, 9),
        Column::new(
            "ROLE",
            16,
            widest(&|i| model.node_roles[i].name.chars().count()),
            8,
        )
        .cap(48)
        .common(model.node_role_segments.clone()),
        Column::new(
            "SOURCES",
            10,
            widest(&|i| roles[i].sources.join(", ").chars().count()),
            5,
        )
        .cap(20),
        Column::new("POLICIES", 19, 19, 4),
        Column::new("PODS WITHOUT IRSA", 17, 17, 6).right(),
        Column::new("FINDINGS", 24, widest(&findings_width), 7)
            .cap(60)
            .weight(3),
    ];
    let rows = &node_roles.rows;
    table::render(
        frame,
        inner,
        t,
        &columns,
        rows.len(),
        &mut node_roles.cursor,
        |pos| {
            let r = &roles[rows[pos]];
            let findings = match worst(rows[pos]) {
                Some(f) => Line::from(vec![
                    Span::styled(format!("{} ", r.findings.len()), t.dim()),
                    Span::styled(f.code.as_str(), t.severity(f.severity)),
                    Span::raw(format!(
                        " {}",
                        model.short_title(Target::NodeRole(rows[pos]), f)
                    )),
                ]),
                None => Line::from(Span::styled("-", t.dim())),
            };
            let cells = vec![
                Line::from(Span::styled(
                    format!("{} {}", r.status.symbol(), r.status.as_str()),
                    t.status(r.status),
                )),
                Line::from(model.node_roles[rows[pos]].name.clone()),
                Line::from(r.sources.join(", ")),
                Line::from(format!(
                    "{} managed, {} inline",
                    r.attached_policies.len(),
                    r.inline_policies.len()
                )),
                Line::from(r.pods_without_irsa_count.to_string()),
                findings,
            ];
            let style = if changed.contains(&r.role_arn) {
                t.changed()
            } else {
                Style::new()
            };
            RowData { cells, style }
        },
    );
    usize::from(inner.height.saturating_sub(1))
}
