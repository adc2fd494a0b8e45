//! The footer: the keys that work on this screen (from the keymap), and the toast on the
//! right. Key hints that would run under the toast are left out whole; a toast too long
//! for one line takes the footer's whole width, on up to three lines.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, ToastKind};
use super::super::keymap;

/// The most lines a long toast takes.
const MAX_LINES: u16 = 3;

/// One line, or more for a toast that does not fit on one.
pub fn height(app: &App, width: u16) -> u16 {
    let Some(toast) = &app.toast else { return 1 };
    let len = toast.text.chars().count() + 2;
    let width = usize::from(width.max(1));
    u16::try_from(len.div_ceil(width))
        .unwrap_or(MAX_LINES)
        .clamp(1, MAX_LINES)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    if area.height > 1
        && let Some(toast) = &app.toast
    {
        let style = match toast.kind {
            ToastKind::Info => t.active_tab(),
            ToastKind::Error => t.error().patch(t.selected()),
        };
        let text = Paragraph::new(Span::styled(format!(" {} ", toast.text), style))
            .wrap(Wrap { trim: false });
        frame.render_widget(text, area);
        return;
    }
    let toast = app.toast.as_ref().map(|toast| {
        let style = match toast.kind {
            ToastKind::Info => t.active_tab(),
            ToastKind::Error => t.error().patch(t.selected()),
        };
        let text = format!(" {} ", toast.text);
        let width = u16::try_from(text.chars().count())
            .unwrap_or(u16::MAX)
            .min(area.width);
        (Span::styled(text, style), width)
    });
    let room = usize::from(area.width - toast.as_ref().map_or(0, |(_, w)| *w));
    // Help and quit stay at every size: the others give way to them.
    let hints: Vec<(String, String)> = keymap::hints(app.scopes())
        .into_iter()
        .map(|(keys, name)| (keys.to_string(), format!(" {name}  ")))
        .collect();
    let essential = |name: &str| matches!(name.trim(), "help" | "quit");
    let width = |(keys, name): &(String, String)| keys.chars().count() + name.chars().count();
    let reserved: usize = hints.iter().filter(|h| essential(&h.1)).map(width).sum();
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    let mut used = 1 + reserved;
    let mut shown: Vec<&(String, String)> = Vec::new();
    for h in hints.iter().filter(|h| !essential(&h.1)) {
        if used + width(h) > room {
            break;
        }
        used += width(h);
        shown.push(h);
    }
    shown.extend(hints.iter().filter(|h| essential(&h.1)));
    for (keys, name) in shown {
        spans.push(Span::styled(keys.clone(), t.key()));
        spans.push(Span::styled(name.clone(), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);

    if let Some((span, width)) = toast {
        let right = Rect {
            x: area.right() - width,
            width,
            ..area
        };
        frame.render_widget(Paragraph::new(span), right);
    }
}
