//! The Findings view: every finding grouped by code, worst first; Enter jumps to what it
//! is about.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::rows::{self, FindingRow};
use super::super::theme::severity_symbol;
use super::super::widgets::table::{self, Column, RowData};
use super::blocks;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let shown = app
        .findings
        .rows
        .iter()
        .filter(|r| matches!(r, FindingRow::Entry(_)))
        .count();
    let block = blocks::table_block(app, "Findings", shown, app.model.findings.len(), false);
    let reasons = match app.findings.selected() {
        Some(&FindingRow::Entry(e)) => {
            rows::finding_reasons(&app.model, e, &app.query.filters.findings)
        }
        _ => Vec::new(),
    };
    let block = blocks::matched(block, app, &reasons);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.findings.rows.is_empty() {
        blocks::empty(frame, inner, app, "findings");
        return usize::from(inner.height);
    }
    let App {
        model,
        findings,
        theme,
        ..
    } = app;
    let t = *theme;
    let w = model.widths;
    let columns = [
        Column::new("CODE", 9, 9, 9),
        Column::new("SEVERITY", 8, 8, 5),
        Column::new("FOR", 12, w.target, 8)
            .cap(30)
            .common(model.node_role_segments.clone()),
        Column::new("FINDING", 24, w.finding, 7).weight(3),
    ];
    let rows = &findings.rows;
    table::render(
        frame,
        inner,
        t,
        &columns,
        rows.len(),
        &mut findings.cursor,
        |pos| match rows[pos] {
            FindingRow::Group {
                code,
                severity,
                count,
            } => RowData {
                cells: vec![
                    Line::from(Span::styled(
                        format!("{} {code}", severity_symbol(severity)),
                        t.severity(severity).patch(t.bold()),
                    )),
                    Line::from(Span::styled(severity.as_str(), t.severity(severity))),
                    Line::from(Span::styled(
                        format!("{count} finding{}", if count == 1 { "" } else { "s" }),
                        t.dim(),
                    )),
                    Line::from(Span::styled(code.meaning(), t.bold())),
                ],
                style: Style::new(),
            },
            FindingRow::Entry(e) => {
                let entry = &model.findings[e];
                // The title without the lead that names what FOR shows.
                let (severity, title) = model.finding(entry).map_or((None, String::new()), |f| {
                    (Some(f.severity), model.entry_title(entry.target, f))
                });
                RowData {
                    cells: vec![
                        Line::default(),
                        severity.map_or_else(Line::default, |s| {
                            Line::from(Span::styled(s.as_str(), t.severity(s)))
                        }),
                        Line::from(model.target_label(entry.target).to_owned()),
                        Line::from(title),
                    ],
                    style: Style::new(),
                }
            }
        },
    );
    usize::from(inner.height.saturating_sub(1))
}
