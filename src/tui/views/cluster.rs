//! The Cluster view: the cluster's IRSA plumbing, the health of every source, and the
//! cluster-level findings.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::analysis::Status;
use crate::inventory::SourceState;

use super::super::app::App;
use super::super::widgets::page::{self, Doc};
use super::blocks;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let t = app.theme;
    let m = &app.model;
    let report = &m.report;
    let c = &report.cluster;
    let mut doc = Doc::new(page::width(area), t);
    let w = 18;
    let text = |v: &Option<String>| Span::raw(v.clone().unwrap_or("unknown".into()));
    let flag = |v: Option<bool>, yes: &str, no: &str| {
        let (symbol, style) = t.flag(v);
        let word = match v {
            Some(true) => yes,
            Some(false) => no,
            None => "unknown",
        };
        Span::styled(format!("{symbol} {word}"), style)
    };

    doc.heading("Cluster");
    doc.field(2, "name", w, vec![text(&c.name)]);
    doc.field(2, "context", w, vec![text(&c.context)]);
    doc.field(2, "account", w, vec![text(&c.account)]);
    doc.field(2, "region", w, vec![text(&c.region)]);
    doc.field(2, "OIDC issuer", w, vec![text(&c.oidc_issuer)]);
    doc.field(
        2,
        "IAM OIDC provider",
        w,
        vec![flag(
            c.oidc_provider_registered,
            "registered",
            "not registered",
        )],
    );
    doc.field(
        2,
        "IRSA webhook",
        w,
        vec![flag(c.webhook_present, "present", "absent")],
    );
    doc.field(
        2,
        "pod identity agent",
        w,
        vec![flag(c.pod_identity_agent_present, "present", "absent")],
    );
    doc.field(2, "data captured", w, vec![text(&c.captured_at)]);

    doc.heading("Summary");
    let s = &report.summary;
    let mut spans = vec![Span::raw(format!("  {} bindings:", s.bindings))];
    for (status, n) in [
        (Status::Failing, s.failing),
        (Status::Unknown, s.unknown),
        (Status::Warning, s.warning),
        (Status::Ok, s.ok),
    ] {
        spans.push(Span::styled(
            format!("  {} {n} {}", status.symbol(), status.as_str()),
            t.status(status),
        ));
    }
    doc.line(spans);
    let f = &s.findings;
    doc.line(vec![Span::raw(format!(
        "  {} findings: {} critical, {} error, {} warning, {} info",
        f.critical + f.error + f.warning + f.info,
        f.critical,
        f.error,
        f.warning,
        f.info
    ))]);

    doc.heading("Sources");
    if m.sources.is_empty() {
        doc.line(vec![Span::styled("  none recorded", t.dim())]);
    }
    let rw = m
        .sources
        .iter()
        .map(|s| s.resource.chars().count())
        .max()
        .unwrap_or(0);
    for src in &m.sources {
        let (v, word) = match src.state {
            SourceState::Ok => (Some(true), "synced"),
            SourceState::Syncing => (None, "syncing"),
            SourceState::Forbidden => (Some(false), "forbidden"),
            SourceState::Failed => (Some(false), "failing"),
            SourceState::Unreachable => (Some(false), "no answer"),
        };
        let (symbol, style) = if src.state == SourceState::Syncing {
            t.spinner(app.spinner)
        } else {
            t.flag(v)
        };
        let count = match (src.state, src.count) {
            (SourceState::Syncing, Some(n)) => format!("{n:>7} read so far"),
            (_, Some(1)) => format!("{:>7} object", 1),
            (_, Some(n)) => format!("{n:>7} objects"),
            (_, None) => String::new(),
        };
        let mut spans = vec![
            Span::styled(format!("  {symbol} {word:<9} "), style),
            Span::raw(format!(
                "{:<rw$}  {:<14}{count}",
                src.resource,
                src.namespace.as_deref().unwrap_or("cluster-wide")
            )),
        ];
        if let Some(msg) = &src.message {
            spans.push(Span::styled(format!("  {msg}"), t.dim()));
        }
        doc.line(spans);
    }
    let aws = &m.aws;
    let (aws_flag, aws_word) = if aws.reachable {
        (Some(true), "reachable".to_owned())
    } else if aws.reading() {
        (None, "reading…".to_owned())
    } else if aws.skipped {
        (None, "skipped (--no-aws)".to_owned())
    } else {
        (
            Some(false),
            format!(
                "unreachable: {}",
                aws.error.as_deref().unwrap_or("no details")
            ),
        )
    };
    let (symbol, style) = if aws.reading() {
        t.spinner(app.spinner)
    } else {
        t.flag(aws_flag)
    };
    doc.line(vec![
        Span::styled(format!("  {symbol} "), style),
        Span::raw(format!("AWS {aws_word}")),
    ]);

    super::evidence::cluster(&mut doc, report.evidence.as_ref());

    doc.heading(format!(
        "Cluster findings ({})",
        report.cluster_findings.len()
    ));
    if report.cluster_findings.is_empty() {
        doc.line(vec![Span::styled("  ✓ nothing found", t.ok())]);
    }
    for (i, f) in report.cluster_findings.iter().enumerate() {
        doc.finding(f, i == app.cluster_page.finding);
    }
    let block = blocks::page_block(app, vec![Span::styled("Cluster", t.bold())]);
    page::render(frame, area, block, doc, &mut app.cluster_page)
}
