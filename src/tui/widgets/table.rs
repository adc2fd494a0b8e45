//! A windowed table: only the rows in the window are built, so drawing costs the same for
//! ten rows or a hundred thousand. Column widths are shared out from what the content
//! wants; columns that cannot fit are dropped, least important first.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::super::cursor::Cursor;
use super::super::theme::Theme;

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Narrowest useful width (the title always fits).
    pub min: usize,
    /// What the widest value wants (`usize::MAX`: as much as there is).
    pub natural: usize,
    /// Higher stays longer when the terminal is narrow.
    pub priority: u8,
    /// Shares of the room left over (FINDINGS takes more than names).
    pub weight: usize,
    pub right: bool,
    /// Cut in the middle (`eksctl-shop…-NodeInstanceRole-8WJ3`): the end tells rows apart.
    pub middle: bool,
}

impl Column {
    pub fn new(title: impl Into<String>, min: usize, natural: usize, priority: u8) -> Self {
        let title = title.into();
        let t = title.chars().count();
        Column {
            min: min.max(t),
            natural: natural.max(min).max(t),
            title,
            priority,
            weight: 1,
            right: false,
            middle: false,
        }
    }

    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }

    pub fn middle(mut self) -> Self {
        self.middle = true;
        self
    }

    pub fn weight(mut self, weight: usize) -> Self {
        self.weight = weight.max(1);
        self
    }
}

/// Widths (0: dropped) for `columns` in `width` cells, one space between columns.
pub fn widths(columns: &[Column], width: usize) -> Vec<usize> {
    let mut shown: Vec<bool> = vec![true; columns.len()];
    let need = |shown: &[bool]| {
        let n = shown.iter().filter(|s| **s).count();
        columns
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c.min)
            .sum::<usize>()
            + n.saturating_sub(1)
    };
    while need(&shown) > width {
        let Some(drop) = (0..columns.len())
            .filter(|&i| shown[i])
            .min_by_key(|&i| (columns[i].priority, std::cmp::Reverse(i)))
        else {
            break;
        };
        shown[drop] = false;
        if !shown.iter().any(|s| *s) {
            break;
        }
    }
    let mut out: Vec<usize> = columns
        .iter()
        .zip(&shown)
        .map(|(c, s)| if *s { c.min } else { 0 })
        .collect();
    let mut left = width.saturating_sub(need(&shown));
    // Share the room by weight among the columns that want more, up to what they want.
    while left > 0 {
        let wanting: Vec<usize> = (0..columns.len())
            .filter(|&i| shown[i] && out[i] < columns[i].natural)
            .collect();
        if wanting.is_empty() {
            break;
        }
        let weights: usize = wanting.iter().map(|&i| columns[i].weight).sum();
        let unit = (left / weights).max(1);
        for i in wanting {
            let give = (unit * columns[i].weight)
                .min(columns[i].natural - out[i])
                .min(left);
            out[i] += give;
            left -= give;
            if left == 0 {
                break;
            }
        }
    }
    out
}

/// One row's cells (one per column, dropped columns included) and its style.
pub struct RowData {
    pub cells: Vec<Line<'static>>,
    pub style: Style,
}

/// Draws rows `cursor.offset..` of `len` into `area` (header first), building each shown
/// row with `row(position)`, and a scrollbar. Adjusts the window to show the selection.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    columns: &[Column],
    len: usize,
    cursor: &mut Cursor,
    row: impl Fn(usize) -> RowData,
) {
    let height = usize::from(area.height.saturating_sub(1));
    cursor.scroll_into_view(height, len);
    // One column for the scrollbar.
    let widths = widths(columns, usize::from(area.width.saturating_sub(1)));
    let shown: Vec<usize> = (0..columns.len()).filter(|&i| widths[i] > 0).collect();
    let header = Row::new(shown.iter().map(|&i| {
        let c = &columns[i];
        let line = Line::from(c.title.clone());
        Cell::from(if c.right {
            line.alignment(Alignment::Right)
        } else {
            line
        })
    }))
    .style(theme.bold());
    let end = (cursor.offset + height).min(len);
    let rows = (cursor.offset..end).map(|pos| {
        let data = row(pos);
        let mut style = data.style;
        if pos == cursor.index {
            style = style.patch(theme.selected());
        }
        let cells = shown.iter().map(|&i| {
            let line = data.cells.get(i).cloned().unwrap_or_default();
            let line = if columns[i].middle {
                fit_middle(line, widths[i])
            } else {
                fit_line(line, widths[i])
            };
            Cell::from(if columns[i].right {
                line.alignment(Alignment::Right)
            } else {
                line
            })
        });
        Row::new(cells).style(style)
    });
    let constraints: Vec<Constraint> = shown
        .iter()
        .map(|&i| Constraint::Length(u16::try_from(widths[i]).unwrap_or(u16::MAX)))
        .collect();
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1);
    let body = Rect {
        width: area.width.saturating_sub(1),
        ..area
    };
    frame.render_widget(table, body);
    let bar = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    super::scrollbar(frame, bar, len, cursor.offset, height);
}

/// A line cut to `width` characters, with `…` when cut (styles kept).
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    let total: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
    if total <= width {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans: Vec<Span<'static>> = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let n = span.content.chars().count();
        if n <= left {
            left -= n;
            spans.push(span);
        } else {
            let cut: String = span.content.chars().take(left).collect();
            spans.push(Span::styled(cut, span.style));
            left = 0;
        }
    }
    if width > 0 {
        let style = spans.last().map(|s| s.style).unwrap_or_default();
        spans.push(Span::styled("…", style));
    }
    Line::from(spans).style(line.style)
}

/// A one-style line cut in the middle to `width` characters, with `…` where cut.
pub fn fit_middle(line: Line<'static>, width: usize) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let n = text.chars().count();
    if n <= width || width < 5 {
        return fit_line(line, width);
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let cut: String = text
        .chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(text.chars().skip(n - tail))
        .collect();
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    Line::from(Span::styled(cut, style)).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_room_and_drops_the_least_important_columns() {
        let cols = [
            Column::new("STATUS", 9, 9, 9),
            Column::new("NAME", 4, 30, 8),
            Column::new("AGE", 3, 4, 1),
            Column::new("FINDINGS", 10, usize::MAX, 7),
        ];
        let w = widths(&cols, 80);
        assert_eq!(w.iter().sum::<usize>() + 3, 80);
        assert_eq!((w[0], w[2]), (9, 4));
        assert!(
            w[1] >= 25 && w[3] > w[1],
            "shared evenly, FINDINGS takes the rest"
        );
        let w = widths(&cols, 27);
        assert_eq!(w[2], 0, "AGE goes first");
        assert!(w[1] >= 4 && w[3] >= 10);
        assert_eq!(w.iter().sum::<usize>() + 2, 27);
    }

    #[test]
    fn cuts_styled_lines_with_an_ellipsis() {
        let line = Line::from(vec![Span::raw("1 "), Span::raw("IRSA203 title")]);
        let cut = fit_line(line, 8);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "1 IRSA2…");
        let cut = fit_middle(
            Line::from("eksctl-shop-prod-nodegroup-compute-NodeInstanceRole-8WJ3"),
            21,
        );
        assert_eq!(cut.spans[0].content, "eksctl-sho…eRole-8WJ3");
    }
}
