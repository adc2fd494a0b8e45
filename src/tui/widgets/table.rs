//! A windowed table: only the rows in the window are built, so drawing costs the same for
//! ten rows or a hundred thousand. Column widths come from the content: each column gets
//! what its widest value needs, up to a cap, and the room left goes to the columns still
//! cut; columns that cannot fit are dropped, least important first (an optional one before
//! a more important column is cut). A cut name keeps the part where the column's names
//! differ.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::super::cursor::Cursor;
use super::super::names;
use super::super::theme::Theme;

/// How a value too long for its column is cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Elide {
    /// At the end, with `…` (styles kept): text that reads from the left.
    #[default]
    End,
    /// These segments, shared by many of the column's names, go first
    /// (`…compute…8WJ3LQ5R0T2V`), then the middle.
    Common(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Narrowest useful width (the title always fits).
    pub min: usize,
    /// What the widest value wants (`usize::MAX`: as much as there is).
    pub natural: usize,
    /// The most it gets before every column has had what it needs (then only the room
    /// left over is shared).
    pub cap: usize,
    /// Higher stays longer when the terminal is narrow.
    pub priority: u8,
    /// Dropped before a more important column is cut.
    pub optional: bool,
    /// Shares of the room left over once every column has what it needs (FINDINGS takes
    /// more than names).
    pub weight: usize,
    pub right: bool,
    pub elide: Elide,
}

impl Column {
    pub fn new(title: impl Into<String>, min: usize, natural: usize, priority: u8) -> Self {
        let title = title.into();
        let t = title.chars().count();
        Column {
            min: min.max(t),
            natural: natural.max(min).max(t),
            cap: usize::MAX,
            title,
            priority,
            optional: false,
            weight: 1,
            right: false,
            elide: Elide::End,
        }
    }

    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }

    /// Cut where the column's names differ least: `common` (see [`names::common_segments`])
    /// goes first.
    pub fn common(mut self, common: Vec<String>) -> Self {
        self.elide = Elide::Common(common);
        self
    }

    pub fn cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    pub fn weight(mut self, weight: usize) -> Self {
        self.weight = weight.max(1);
        self
    }

    /// What it gets before the room left over is shared.
    fn wants(&self) -> usize {
        self.natural.min(self.cap).max(self.min)
    }
}

/// Gives out `left` cells among the `shown` columns below `target`, evenly by `weight`
/// (water-filling: a column that needs little is satisfied, what it does not take goes on
/// to the others).
fn fill(
    out: &mut [usize],
    left: &mut usize,
    shown: &[bool],
    target: impl Fn(usize) -> usize,
    weight: impl Fn(usize) -> usize,
) {
    while *left > 0 {
        let wanting: Vec<usize> = (0..out.len())
            .filter(|&i| shown[i] && out[i] < target(i))
            .collect();
        if wanting.is_empty() {
            break;
        }
        let weights: usize = wanting.iter().map(|&i| weight(i)).sum();
        let unit = (*left / weights.max(1)).max(1);
        for i in wanting {
            let give = (unit * weight(i)).min(target(i) - out[i]).min(*left);
            out[i] += give;
            *left -= give;
            if *left == 0 {
                break;
            }
        }
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
    loop {
        let mut out: Vec<usize> = columns
            .iter()
            .zip(&shown)
            .map(|(c, s)| if *s { c.min } else { 0 })
            .collect();
        let mut left = width.saturating_sub(need(&shown));
        // Every column up to what it needs (its cap), the ones that need least first, so a
        // name that nearly fits is not cut; what cannot be had whole is shared evenly.
        let mut by_need: Vec<usize> = (0..columns.len()).filter(|&i| shown[i]).collect();
        by_need.sort_by_key(|&i| (columns[i].wants() - out[i], i));
        for (k, &i) in by_need.iter().enumerate() {
            let need = columns[i].wants() - out[i];
            if need > left {
                let rest: Vec<bool> = (0..columns.len())
                    .map(|j| by_need[k..].contains(&j))
                    .collect();
                fill(&mut out, &mut left, &rest, |j| columns[j].wants(), |_| 1);
                break;
            }
            out[i] += need;
            left -= need;
        }
        // A more important column is cut: an optional one makes room for it first.
        let cut = (0..columns.len())
            .filter(|&i| shown[i] && out[i] < columns[i].wants())
            .map(|i| columns[i].priority)
            .max();
        let spare = cut.and_then(|p| {
            (0..columns.len())
                .filter(|&i| shown[i] && columns[i].optional && columns[i].priority < p)
                .min_by_key(|&i| (columns[i].priority, std::cmp::Reverse(i)))
        });
        if let Some(i) = spare {
            shown[i] = false;
            continue;
        }
        // The rest to the columns still cut, by weight.
        fill(
            &mut out,
            &mut left,
            &shown,
            |i| columns[i].natural,
            |i| columns[i].weight,
        );
        return out;
    }
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
            let line = match &columns[i].elide {
                Elide::End => fit_line(line, widths[i]),
                Elide::Common(common) => fit_common(line, widths[i], common),
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

/// A one-style name cut to `width` where the column's names differ least.
pub fn fit_common(line: Line<'static>, width: usize, common: &[String]) -> Line<'static> {
    restyle(&line, |text| names::fit_common(text, width, common))
}

/// `line`'s text through `cut`, in its first span's style.
fn restyle(line: &Line<'static>, cut: impl FnOnce(&str) -> String) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    Line::from(Span::styled(cut(&text), style)).style(line.style)
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

    /// Each column gets what its widest value needs (up to its cap) before the room left
    /// goes, by weight, to the columns still cut: a name that fits is not cut while
    /// FINDINGS has room to give.
    #[test]
    fn columns_get_what_their_content_needs_then_the_rest() {
        let cols = [
            Column::new("STATUS", 9, 9, 9),
            Column::new("SERVICE ACCOUNT", 10, 21, 9),
            Column::new("ROLE", 12, 33, 6).cap(40),
            Column::new("FINDINGS", 20, 90, 7).cap(40).weight(3),
            Column::new("AGE", 5, 5, 1).optional(),
        ];
        let w = widths(&cols, 137);
        assert_eq!(w, [9, 21, 33, 65, 5], "everything fits; FINDINGS the rest");
        let w = widths(&cols, 90);
        assert_eq!(w[4], 0, "{w:?}: AGE makes room before names are cut");
        assert_eq!(w.iter().sum::<usize>() + 3, 90);
        assert_eq!(w[1], 21, "the name that needs least, whole");
        assert_eq!(
            (w[2], w[3]),
            (17, 40),
            "then FINDINGS to its cap, ROLE the rest"
        );
        let w = widths(&cols, 70);
        assert_eq!(w[1], 21);
        assert_eq!((w[2], w[3]), (15, 22), "{w:?}: what is left, shared");
        // An extra narrow column (a ✓/✗/? flag) slots in at its width.
        let mut more = cols.to_vec();
        more.insert(2, Column::new("ASSUMES", 7, 7, 8));
        let w = widths(&more, 137);
        assert_eq!((w[2], w[1], w[3]), (7, 21, 33), "{w:?}");
    }

    #[test]
    fn cuts_styled_lines_with_an_ellipsis() {
        let line = Line::from(vec![Span::raw("1 "), Span::raw("IRSA203 title")]);
        let cut = fit_line(line, 8);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "1 IRSA2…");
        let common = names::common_segments([
            "eksctl-shop-prod-nodegroup-compute-NodeInstanceRole-8WJ3",
            "eksctl-shop-prod-nodegroup-general-NodeInstanceRole-1P2Z",
        ]);
        let cut = fit_common(
            Line::from("eksctl-shop-prod-nodegroup-compute-NodeInstanceRole-8WJ3"),
            21,
            &common,
        );
        assert_eq!(cut.spans[0].content, "…compute…8WJ3");
    }
}
