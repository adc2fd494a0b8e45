//! Drawing: the layout (header, tabs, the view, input line, footer) and one module per view.

mod binding_detail;
mod bindings;
mod blocks;
mod can;
mod cluster;
mod evidence;
mod findings;
mod help;
mod node_role_detail;
mod node_roles;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::app::App;
use super::detail::Detail;
use super::tab::Tab;
use super::widgets::{command_line, footer, header};

/// Below this the dashboard says the terminal is too small instead of drawing.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen. Takes the app mutably, as ratatui's stateful widgets do: the
/// windows follow their selection and pages clamp their scroll to what is drawn.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    app.too_small = area.width < MIN_WIDTH || area.height < MIN_HEIGHT;
    if app.too_small {
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
        Some(Detail::Binding { .. }) => binding_detail::render(frame, main, app),
        Some(Detail::NodeRole { .. }) => node_role_detail::render(frame, main, app),
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
        Line::from("q quits"),
    ];
    let y = area.y + area.height.saturating_sub(3) / 2;
    let rect = Rect {
        y,
        height: area.height.min(3),
        ..area
    };
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}
