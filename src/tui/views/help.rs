//! The `?` help: every key of the keymap, by where it works.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::app::App;
use super::super::keymap;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) {
    let t = app.theme;
    let sections = keymap::help();
    let key_w = sections
        .iter()
        .flat_map(|(_, items)| items.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(0);
    let mut blocks: Vec<Vec<Line<'static>>> = sections
        .into_iter()
        .map(|(title, items)| {
            let mut lines = vec![Line::from(Span::styled(title, t.heading()))];
            lines.extend(items.into_iter().map(|(keys, what)| {
                Line::from(vec![
                    Span::styled(format!("  {keys:<key_w$}  "), t.key()),
                    Span::raw(what),
                ])
            }));
            lines.push(Line::default());
            lines
        })
        .collect();
    blocks.push(vec![Line::from(Span::styled(
        "tmux: y needs set-clipboard on",
        t.dim(),
    ))]);
    let width = area.width.saturating_sub(4).max(1);
    let height = area.height.saturating_sub(2).max(1);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(Line::from(Span::styled(" Keys ", t.bold())))
        .title_bottom(Line::from(Span::styled(" Esc or ? closes ", t.dim())));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);

    // Two columns when they fit side by side, splitting the sections near the middle.
    let total: usize = blocks.iter().map(Vec::len).sum();
    let col_w = usize::from(inner.width) / 2;
    let widest = blocks.iter().flatten().map(Line::width).max().unwrap_or(0);
    let columns: Vec<Vec<Line<'static>>> = if widest + 2 <= col_w {
        let mut left = Vec::new();
        let mut right = Vec::new();
        for b in blocks {
            if left.len() + b.len() / 2 < total / 2 {
                left.extend(b);
            } else {
                right.extend(b);
            }
        }
        vec![left, right]
    } else {
        vec![blocks.into_iter().flatten().collect()]
    };
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let visible = usize::from(inner.height);
    let scroll = app.help.unwrap_or(0).min(rows.saturating_sub(visible));
    app.help = Some(scroll);
    let n = u16::try_from(columns.len()).unwrap_or(1);
    for (i, lines) in columns.into_iter().enumerate() {
        let w = inner.width / n;
        let col = Rect {
            x: inner.x + w * u16::try_from(i).unwrap_or(0) + 1,
            width: w.saturating_sub(1),
            ..inner
        };
        let lines: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(visible).collect();
        frame.render_widget(Paragraph::new(lines), col);
    }
    super::super::widgets::scrollbar(frame, inner, rows, scroll, visible);
}
