//! The frames around views: a table's border title, a page's border, an empty table's
//! message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::app::App;

/// A table's border title: name, shown/total, and what narrows or orders it.
pub(super) fn table_block<'a>(
    app: &App,
    name: &str,
    shown: usize,
    total: usize,
    sorted: bool,
) -> Block<'a> {
    let t = app.theme;
    let mut spans = vec![
        Span::styled(format!(" {name} "), t.bold()),
        Span::styled(format!("{shown}/{total} "), t.accent()),
    ];
    let q = &app.query;
    if let Some(ns) = &q.namespace {
        spans.push(Span::styled(format!("· ns {ns} "), t.key()));
    }
    if sorted {
        spans.push(Span::styled(
            format!("· sort {} {} ", q.sort.column.name(), q.sort.arrow()),
            t.dim(),
        ));
    }
    if let Some(filter) = q.filters.of(app.tab)
        && !filter.text.is_empty()
    {
        spans.push(Span::styled(
            format!("· filter {:?} ", filter.text),
            t.key(),
        ));
    }
    if let Some(label) = q.problems.label() {
        spans.push(Span::styled(format!("· {label} "), t.key()));
    }
    if let Some(can) = &app.can {
        let state = if can.answers.is_some() {
            "allowed or unknown · Esc clears".to_owned()
        } else {
            "asking…".to_owned()
        };
        spans.push(Span::styled(
            format!(
                "· can {} on {}: {state} ",
                crate::text::escape_controls(&can.action),
                crate::text::escape_controls(&can.resource)
            ),
            t.key(),
        ));
    }
    Block::bordered().title(Line::from(spans))
}

/// The selected row's match hint on the table's bottom border, when the filter matched
/// what its columns do not show: `matched pod payments-api-7f9c-x2 · node ip-10-0-1-5…`.
pub(super) fn matched<'a>(block: Block<'a>, app: &App, reasons: &[String]) -> Block<'a> {
    if reasons.is_empty() {
        return block;
    }
    let text = reasons
        .iter()
        .map(|r| crate::text::escape_controls(r).into_owned())
        .collect::<Vec<_>>()
        .join(" · ");
    block.title_bottom(Line::from(vec![
        Span::styled(" matched ", app.theme.dim()),
        Span::styled(format!("{text} "), app.theme.key()),
    ]))
}

/// A page's border: what it shows, and how to leave.
pub(super) fn page_block<'a>(app: &App, title: Vec<Span<'static>>) -> Block<'a> {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title);
    spans.push(Span::raw(" "));
    let mut block = Block::bordered().title(Line::from(spans));
    if app.detail.is_some() {
        block = block.title_bottom(Line::from(Span::styled(" Esc back ", app.theme.dim())));
    }
    block
}

/// The message in an empty table.
pub(super) fn empty(frame: &mut Frame, area: Rect, app: &App, what: &str) {
    let text = if app.busy() {
        format!("no {what} yet: syncing…")
    } else if app.query.filters.of(app.tab).is_none_or(|f| f.is_empty())
        && !app.query.problems.is_on()
    {
        format!("no {what}")
    } else {
        format!("no {what} match (Esc clears the filter, f cycles problems, denied, exposed, off)")
    };
    let rect = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    frame.render_widget(
        Paragraph::new(Span::styled(text, app.theme.dim())).centered(),
        rect,
    );
}
