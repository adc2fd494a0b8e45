//! Scrollable pages (drill-downs, the Cluster view): a document of lines wrapped to the
//! page width, with anchors for its findings, drawn from a scroll position.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use serde_json::Value;

use crate::analysis::finding::{Fix, FixKind, StepNature};
use crate::analysis::{Finding, Severity};

use super::super::detail::PageState;
use super::super::theme::{Theme, severity_symbol};

pub struct Doc {
    pub lines: Vec<Line<'static>>,
    /// The first line of each finding, in order.
    pub anchors: Vec<usize>,
    width: usize,
    pub theme: Theme,
}

impl Doc {
    pub fn new(width: usize, theme: Theme) -> Doc {
        Doc {
            lines: Vec::new(),
            anchors: Vec::new(),
            width: width.max(10),
            theme,
        }
    }

    pub fn blank(&mut self) {
        self.lines.push(Line::default());
    }

    pub fn heading(&mut self, text: impl Into<String>) {
        if !self.lines.is_empty() {
            self.blank();
        }
        let style = self.theme.heading();
        self.line(vec![Span::styled(text.into(), style)]);
    }

    /// One logical line, wrapped at spaces to the page width; continuation lines are
    /// indented two more than the line's own indentation.
    pub fn line(&mut self, spans: Vec<Span<'static>>) {
        self.line_hanging(spans, None);
    }

    /// [`Doc::line`] with continuation lines indented by `hang` (when given).
    pub fn line_hanging(&mut self, spans: Vec<Span<'static>>, hang: Option<usize>) {
        let cells: Vec<(char, Style)> = spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
            .collect();
        let indent = cells.iter().take_while(|(c, _)| *c == ' ').count();
        let hang = hang.unwrap_or(indent + 2).min(self.width / 2);
        let mut rest: &[(char, Style)] = &cells;
        let mut first = true;
        loop {
            let room = if first { self.width } else { self.width - hang };
            if rest.len() <= room {
                self.push_cells(rest, if first { 0 } else { hang });
                break;
            }
            // Break after the last space that leaves something on this line.
            let cut = rest[..=room]
                .iter()
                .rposition(|(c, _)| *c == ' ')
                .filter(|&i| i > if first { indent } else { 0 })
                .map_or(room, |i| i + 1);
            self.push_cells(&rest[..cut], if first { 0 } else { hang });
            rest = &rest[cut..];
            first = false;
        }
    }

    /// One line cut (with `…`) rather than wrapped: rows of a table.
    pub fn row(&mut self, spans: Vec<Span<'static>>) {
        self.lines
            .push(super::table::fit_line(Line::from(spans), self.width));
    }

    fn push_cells(&mut self, cells: &[(char, Style)], pad: usize) {
        let mut spans: Vec<Span<'static>> = Vec::new();
        if pad > 0 {
            spans.push(Span::raw(" ".repeat(pad)));
        }
        let mut text = String::new();
        let mut style = cells.first().map(|(_, s)| *s).unwrap_or_default();
        for &(c, s) in cells {
            if s != style && !text.is_empty() {
                spans.push(Span::styled(std::mem::take(&mut text), style));
            }
            style = s;
            text.push(c);
        }
        if !text.is_empty() {
            spans.push(Span::styled(text, style));
        }
        self.lines.push(Line::from(spans));
    }

    /// Plain text at `indent`, one logical line per `\n`.
    pub fn text(&mut self, indent: usize, text: &str, style: Style) {
        for l in text.lines() {
            self.line(vec![Span::styled(
                format!("{}{l}", " ".repeat(indent)),
                style,
            )]);
        }
    }

    /// `key  value` with the key padded to `key_width`.
    pub fn field(&mut self, indent: usize, key: &str, key_width: usize, value: Vec<Span<'static>>) {
        let mut spans = vec![Span::styled(
            format!("{}{key:<key_width$}  ", " ".repeat(indent)),
            self.theme.dim(),
        )];
        spans.extend(value);
        self.line(spans);
    }

    /// A finding: code, severity and title; detail; evidence; its fix (what `y` copies is
    /// marked when the finding is selected).
    pub fn finding(&mut self, f: &Finding, selected: bool) {
        let t = self.theme;
        self.anchors.push(self.lines.len());
        let marker = if selected { "▶ " } else { "  " };
        let mut head = vec![
            Span::styled(marker, t.key()),
            Span::styled(
                format!("{} {}", severity_symbol(f.severity), f.code),
                t.severity(f.severity).patch(t.bold()),
            ),
            Span::styled(format!(" {} ", f.severity.as_str()), t.severity(f.severity)),
            Span::styled(f.title.clone(), t.bold()),
        ];
        if let Some(pod) = &f.pod {
            head.push(Span::styled(format!(" (pod {pod})"), t.dim()));
        }
        self.line(head);
        self.text(4, &f.detail, Style::new());
        if !f.evidence.is_empty() {
            self.line(vec![Span::styled("    evidence", t.dim())]);
            let w = f
                .evidence
                .keys()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0);
            for (k, v) in &f.evidence {
                let value = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                self.field(6, k, w, vec![Span::raw(value)]);
            }
        }
        self.fix(&f.fix, selected);
    }

    /// A fix: its steps numbered (`1.`, `2.`, … when there are several to run), or its
    /// alternatives labelled `either` / `or`; a step that needs another account's
    /// credentials says which. When the finding is selected, `»` marks what `y` copies.
    fn fix(&mut self, fix: &Fix, selected: bool) {
        let t = self.theme;
        if fix.is_empty() {
            return;
        }
        let numbered: Vec<usize> = fix
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.nature() != StepNature::Document)
            .map(|(i, _)| i)
            .collect();
        let labels: Vec<String> = match fix.kind {
            FixKind::Alternatives => (0..fix.len())
                .map(|i| if i == 0 { "either " } else { "or " }.to_owned())
                .collect(),
            FixKind::Steps if numbered.len() > 1 => (0..fix.len())
                .map(|i| {
                    numbered
                        .iter()
                        .position(|&n| n == i)
                        .map_or_else(String::new, |k| format!("{}. ", k + 1))
                })
                .collect(),
            FixKind::Steps => vec![String::new(); fix.len()],
        };
        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let what = match fix.kind {
            FixKind::Alternatives => format!("fix: one of {}", fix.len()),
            FixKind::Steps if numbered.len() > 1 => {
                format!("fix: {} steps, in order", numbered.len())
            }
            FixKind::Steps => "fix".to_owned(),
        };
        let label = if selected {
            format!("    {what} (y copies »)")
        } else {
            format!("    {what}")
        };
        self.line(vec![Span::styled(label, t.dim())]);
        if let Some(removes) = &fix.removes {
            self.line_hanging(
                vec![
                    Span::styled("    ⚠ removes access: ", t.severity(Severity::Warning)),
                    Span::raw(crate::text::escape_controls(removes).into_owned()),
                ],
                Some(8),
            );
        }
        for (i, step) in fix.steps.iter().enumerate() {
            let mark = if selected && fix.copies(i) {
                "    » "
            } else {
                "      "
            };
            let label = format!("{:<width$}", labels.get(i).map_or("", String::as_str));
            let pad = " ".repeat(width);
            // Wrapped lines hang two past the line's own indentation.
            let hang = |l: &str| Some(6 + width + l.chars().take_while(|c| *c == ' ').count() + 2);
            let mut first = true;
            let lead = |first: &mut bool| {
                let l = if *first {
                    vec![
                        Span::styled(mark, t.key()),
                        Span::styled(label.clone(), t.key()),
                    ]
                } else {
                    vec![Span::raw("      "), Span::raw(pad.clone())]
                };
                *first = false;
                l
            };
            if let Some(note) = step.account_note() {
                let mut spans = lead(&mut first);
                spans.push(Span::styled(note, t.dim()));
                self.line_hanging(spans, hang(""));
            }
            let style = if step.nature() == StepNature::Manual {
                Style::new()
            } else {
                t.accent()
            };
            for l in step.text.lines() {
                let mut spans = lead(&mut first);
                spans.push(Span::styled(l.to_owned(), style));
                self.line_hanging(spans, hang(l));
            }
        }
    }
}

/// Draws `doc` in `block` from the page's scroll position (clamped; moved to the selected
/// finding after `n`/`N`), with a scrollbar. Returns the page height.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    block: Block<'_>,
    doc: Doc,
    page: &mut PageState,
) -> usize {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let len = doc.lines.len();
    if page.jump {
        if let Some(&line) = doc.anchors.get(page.finding) {
            page.scroll = line.saturating_sub(1);
        }
        page.jump = false;
    }
    page.scroll = page.scroll.min(len.saturating_sub(height));
    let lines: Vec<Line<'static>> = doc
        .lines
        .into_iter()
        .skip(page.scroll)
        .take(height)
        .collect();
    let text_area = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), text_area);
    super::scrollbar(frame, inner, len, page.scroll, height);
    height
}

/// The width pages are laid out for in `area` (inside the border, beside the scrollbar).
pub fn width(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(doc: &Doc) -> Vec<String> {
        doc.lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        let mut doc = Doc::new(20, Theme { color: false });
        doc.text(2, "the sub condition names another namespace", Style::new());
        assert_eq!(
            text(&doc),
            [
                "  the sub condition ",
                "    names another ",
                "    namespace"
            ]
        );
        let mut doc = Doc::new(10, Theme { color: false });
        doc.text(0, "arn:aws:iam::111122223333:role/x", Style::new());
        assert_eq!(
            text(&doc),
            ["arn:aws:ia", "  m::11112", "  2223333:", "  role/x"]
        );
    }
}
