//! The drill-down's Evidence section: what CloudTrail recorded for the binding in the
//! window, grouped (failed STS calls, denied calls with the identity evaluator's
//! explanation, sessions of other roles), with what LookupEvents cannot show.

use ratatui::text::Span;

use crate::analysis::Binding;
use crate::analysis::checks::evidence::EvidenceWindow;
use crate::inventory::TrailState;
use crate::render::evidence as words;
use crate::text::escape_controls as esc;

use super::super::widgets::page::Doc;

/// The section; nothing when CloudTrail was not read at all.
pub fn section(doc: &mut Doc, b: &Binding, window: Option<&EvidenceWindow>) {
    let Some(w) = window else {
        return;
    };
    let t = doc.theme;
    doc.heading("Evidence (CloudTrail)");
    doc.line_hanging(
        vec![
            Span::styled("  window  ", t.dim()),
            Span::raw(esc(&words::window_line(w)).into_owned()),
        ],
        Some(10),
    );
    match (&b.evidence, w.state) {
        (Some(e), _) => {
            for line in words::binding_lines(e) {
                let style = match line.chars().next() {
                    Some('✗') => t.severity(crate::analysis::Severity::Error),
                    Some('!') => t.severity(crate::analysis::Severity::Warning),
                    _ => t.ok(),
                };
                let (mark, rest) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
                doc.line_hanging(
                    vec![
                        Span::raw("  "),
                        Span::styled(mark.to_owned(), style),
                        Span::raw(esc(rest).into_owned()),
                    ],
                    Some(4),
                );
            }
        }
        (None, TrailState::Read) => doc.line(vec![Span::styled(
            "  no event of this binding in the window",
            t.dim(),
        )]),
        (None, TrailState::Reading) => {
            doc.line(vec![Span::styled("  reading CloudTrail…", t.dim())])
        }
        (None, _) => doc.line(vec![Span::styled("  no evidence", t.dim())]),
    }
    doc.line_hanging(
        vec![Span::styled(format!("  {}", words::note()), t.dim())],
        Some(2),
    );
}

/// The Cluster view's part: the window, and the events no binding could be given
/// (counted, and the first ones listed: not dropped).
pub fn cluster(doc: &mut Doc, window: Option<&EvidenceWindow>) {
    let Some(w) = window else {
        return;
    };
    let t = doc.theme;
    doc.heading("CloudTrail evidence");
    doc.line_hanging(
        vec![Span::raw(format!("  {}", esc(&words::window_line(w))))],
        Some(2),
    );
    if w.unattributed > 0 {
        doc.line(vec![Span::styled(
            format!("  not attributed to a binding ({}):", w.unattributed),
            t.dim(),
        )]);
        for e in &w.unattributed_events {
            doc.line_hanging(
                vec![Span::raw(format!(
                    "    {}",
                    esc(&words::unattributed_line(e))
                ))],
                Some(6),
            );
        }
    }
    doc.line_hanging(
        vec![Span::styled(format!("  {}", words::note()), t.dim())],
        Some(2),
    );
}
