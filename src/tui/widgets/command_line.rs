//! The filter (`/`) and command (`:`) line, with the command's completions above it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::{App, InputKind};

/// Rows the input needs: the prompt, and a row of completions for commands.
pub fn height(app: &App) -> u16 {
    match &app.input {
        None => 0,
        Some(i) if i.kind == InputKind::Command => 2,
        Some(_) => 1,
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(input) = &app.input else { return };
    let t = app.theme;
    let (prompt_area, completions) = if input.kind == InputKind::Command && area.height >= 2 {
        let top = Rect { height: 1, ..area };
        let bottom = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        (bottom, Some(top))
    } else {
        (area, None)
    };
    if let Some(row) = completions {
        let mut spans: Vec<Span<'static>> = vec![Span::styled(" Tab ", t.key())];
        if input.candidates.is_empty() {
            spans.push(Span::styled("no completions", t.dim()));
        }
        for c in &input.candidates {
            spans.push(Span::raw(format!("{c}  ")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), row);
    }
    // The keys are in the footer; only what the keys cannot say here.
    let (sigil, hint) = match input.kind {
        InputKind::Filter => ("/", "  (case-insensitive; !term inverts)"),
        InputKind::Command => (":", ""),
    };
    let line = Line::from(vec![
        Span::styled(sigil, t.key()),
        Span::raw(input.text.clone()),
        Span::styled(hint, t.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), prompt_area);
    let x = prompt_area
        .x
        .saturating_add(u16::try_from(1 + input.text.chars().count()).unwrap_or(u16::MAX))
        .min(prompt_area.right().saturating_sub(1));
    frame.set_cursor_position(Position::new(x, prompt_area.y));
}
