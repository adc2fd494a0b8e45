//! Drawing: the layout (header, tabs, the view, input line, footer) and one module per view.

mod binding;
mod bindings;
mod cluster;
mod findings;
mod help;
mod node_role;
mod node_roles;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::app::{App, Tab};
use super::detail::Detail;
use super::widgets::{command_line, footer, header};

/// Below this the dashboard says the terminal is too small instead of drawing.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen. Takes the app mutably, as ratatui's stateful widgets do: the
/// windows follow their selection and pages clamp their scroll to what is drawn.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [top, tabs, main, input, bottom] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(command_line::height(app)),
        Constraint::Length(footer::height(app, area.width)),
    ])
    .areas(area);
    header::render(frame, top, app);
    header::render_tabs(frame, tabs, app);
    app.page_height = match &app.detail {
        Some(Detail::Binding { .. }) => binding::render(frame, main, app),
        Some(Detail::NodeRole { .. }) => node_role::render(frame, main, app),
        None => match app.tab {
            Tab::Bindings => bindings::render(frame, main, app),
            Tab::NodeRoles => node_roles::render(frame, main, app),
            Tab::Findings => findings::render(frame, main, app),
            Tab::Cluster => cluster::render(frame, main, app),
        },
    };
    if app.help.is_some() {
        help::render(frame, main, app);
    }
    command_line::render(frame, input, app);
    footer::render(frame, bottom, app);
}

fn too_small(frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from("terminal too small"),
        Line::from(format!(
            "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        )),
    ];
    let y = area.y + area.height.saturating_sub(2) / 2;
    let rect = Rect {
        y,
        height: area.height.min(2),
        ..area
    };
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

/// A table's border title: name, shown/total, and what narrows or orders it.
fn table_block<'a>(app: &App, name: &str, shown: usize, total: usize, sorted: bool) -> Block<'a> {
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
    if !q.filter.text.is_empty() {
        spans.push(Span::styled(
            format!("· filter {:?} ", q.filter.text),
            t.key(),
        ));
    }
    if q.problems_only {
        spans.push(Span::styled("· problems only ", t.key()));
    }
    Block::bordered().title(Line::from(spans))
}

/// A page's border: what it shows, and how to leave.
fn page_block<'a>(app: &App, title: Vec<Span<'static>>) -> Block<'a> {
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
fn empty(frame: &mut Frame, area: Rect, app: &App, what: &str) {
    let text = if app.query.filter.is_empty() && !app.query.problems_only {
        format!("no {what}")
    } else {
        format!("no {what} match (Esc clears the filter, f toggles problems only)")
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
