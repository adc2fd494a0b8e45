//! The node role drill-down: where the role comes from, its findings, its policies
//! against the baseline, and the pods without IRSA that inherit it (IRSA405).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::arn;

use super::super::app::App;
use super::super::detail::Detail;
use super::super::widgets::page::{self, Doc};
use super::blocks;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let Some(Detail::NodeRole { arn, page: state }) = &app.detail else {
        return 0;
    };
    let Some(r) = app
        .model
        .node_role(arn)
        .map(|i| &app.model.report.node_roles[i])
    else {
        return 0;
    };
    let t = app.theme;
    let mut doc = Doc::new(page::width(area), t);
    doc.heading("Node role");
    doc.field(2, "ARN", 7, vec![Span::raw(r.role_arn.clone())]);
    doc.field(2, "sources", 7, vec![Span::raw(r.sources.join(", "))]);

    super::can::section(&mut doc, app.can.as_ref(), Some(&r.role_arn));

    doc.heading(format!("Findings ({})", r.findings.len()));
    if r.findings.is_empty() {
        doc.line(vec![Span::styled("  ✓ nothing found", t.ok())]);
    }
    for (i, f) in r.findings.iter().enumerate() {
        doc.finding(f, i == state.finding);
    }

    let baseline = &app.model.report.node_baseline;
    doc.heading("Policies against the baseline");
    // What the role holds beyond the baseline, as analysis judged it.
    let beyond = &r.beyond_baseline;
    if r.attached_policies.is_empty() && r.inline_policies.is_empty() {
        doc.line(vec![Span::styled(
            "  none (or the role could not be read)",
            t.dim(),
        )]);
    }
    let (ok, ok_style) = t.flag(Some(true));
    let warn_style = t.severity(crate::analysis::Severity::Warning);
    for p in &r.attached_policies {
        let extra = beyond.contains(p);
        doc.line(vec![
            if extra {
                Span::styled("  ! ", warn_style)
            } else {
                Span::styled(format!("  {ok} "), ok_style)
            },
            Span::raw(format!("{:<44} ", arn::name(p))),
            if extra {
                Span::styled("beyond the baseline", warn_style)
            } else {
                Span::styled("baseline", t.dim())
            },
        ]);
    }
    for p in &r.inline_policies {
        doc.line(vec![
            Span::styled("  ! ", warn_style),
            Span::raw(format!("{:<44} ", format!("inline: {p}"))),
            Span::styled("inline policy", warn_style),
        ]);
    }
    doc.line(vec![Span::styled(
        format!("    baseline: {}", baseline.join(", ")),
        t.dim(),
    )]);

    super::can::permissions(&mut doc, r.permissions.as_deref());

    doc.heading(format!(
        "Pods without IRSA that inherit this role ({})",
        r.pods_without_irsa_count
    ));
    if r.pods_without_irsa.is_empty() {
        doc.line(vec![Span::styled("  none", t.dim())]);
    }
    for p in &r.pods_without_irsa {
        doc.line(vec![Span::raw(format!("  {p}"))]);
    }
    let more = r
        .pods_without_irsa_count
        .saturating_sub(r.pods_without_irsa.len());
    if more > 0 {
        doc.line(vec![Span::styled(format!("  … and {more} more"), t.dim())]);
    }

    let block = blocks::page_block(
        app,
        vec![
            Span::styled(
                format!("{} {}", r.status.symbol(), r.status.as_str()),
                t.status(r.status),
            ),
            Span::styled(format!(" {}", arn::name(&r.role_arn)), t.bold()),
            Span::styled(" · node role", t.dim()),
        ],
    );
    match app.page_mut() {
        Some(state) => page::render(frame, area, block, doc, state),
        None => 0,
    }
}
