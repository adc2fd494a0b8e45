//! The footer: the keys that work on this screen (from the keymap), and the toast.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::{App, ToastKind};
use super::super::keymap;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    for (keys, name) in keymap::hints(app.scopes()) {
        spans.push(Span::styled(keys, t.key()));
        spans.push(Span::styled(format!(" {name}  "), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);

    if let Some(toast) = &app.toast {
        let style = match toast.kind {
            ToastKind::Info => t.active_tab(),
            ToastKind::Error => t.error().patch(t.selected()),
        };
        let text = format!(" {} ", toast.text);
        let width = u16::try_from(text.chars().count())
            .unwrap_or(u16::MAX)
            .min(area.width);
        let right = Rect {
            x: area.right() - width,
            width,
            ..area
        };
        frame.render_widget(Paragraph::new(Span::styled(text, style)), right);
    }
}
