//! The header: the cluster, its IRSA plumbing, the sources' health, the view tabs and the
//! status counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::analysis::Status;
use crate::inventory::SourceState;

use super::super::app::App;
use super::super::tab::Tab;
use super::table::fit_line;

/// The most of a view's filter its tab shows.
const FILTER_IN_TAB: usize = 12;

/// The most of an AWS error the header shows.
const AWS_ERROR_WIDTH: usize = 48;

fn sep(app: &App) -> Span<'static> {
    Span::styled(" │ ", app.theme.dim())
}

fn label(app: &App, text: &str) -> Span<'static> {
    Span::styled(format!("{text} "), app.theme.dim())
}

fn flag(app: &App, name: &str, v: Option<bool>) -> Vec<Span<'static>> {
    let (symbol, style) = app.theme.flag(v);
    vec![label(app, name), Span::styled(symbol, style)]
}

/// CloudTrail's evidence: a spinner and the count while it is read, then the window (and
/// that CloudTrail delivers minutes late), or why it could not be read.
fn cloudtrail(
    app: &App,
    w: &crate::analysis::checks::evidence::EvidenceWindow,
    spin: &'static str,
    spin_style: Style,
) -> Vec<Span<'static>> {
    use crate::inventory::TrailState;
    let t = app.theme;
    let span = match (&w.since, &w.until) {
        (Some(s), Some(u)) => format!(
            "{}–{}",
            s.get(11..16).unwrap_or(s),
            u.get(11..16).unwrap_or(u)
        ),
        _ => String::new(),
    };
    let mut out = vec![label(app, "CloudTrail")];
    match w.state {
        TrailState::Reading => out.push(Span::styled(
            format!("{spin} reading… {} events", w.events),
            spin_style,
        )),
        TrailState::Failed => out.push(Span::styled("✗ unreadable (IRSA804)", t.error())),
        TrailState::Skipped => out.push(Span::styled("skipped (--no-cloudtrail)", t.dim())),
        TrailState::NotRead => out.push(Span::styled("not read", t.dim())),
        TrailState::Read => {
            out.push(Span::raw(format!("{span} UTC · {} events", w.events)));
            if w.truncated.is_some() {
                out.push(Span::styled(
                    " (cut short)",
                    t.severity(crate::analysis::Severity::Warning),
                ));
            }
            out.push(Span::styled(" · minutes late", t.dim()));
        }
    }
    out
}

/// Three lines: cluster; OIDC, webhook and agent; sources, AWS and the last change.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let m = &app.model;
    let c = &m.report.cluster;
    let t = app.theme;
    let unknown = "?".to_owned();
    let mut l1 = vec![
        Span::styled(" irsa-tui ", t.active_tab()),
        Span::raw(" "),
        Span::styled(c.name.clone().unwrap_or(unknown.clone()), t.bold()),
        sep(app),
        label(app, "account"),
        Span::raw(c.account.clone().unwrap_or(unknown.clone())),
        sep(app),
        label(app, "region"),
        Span::raw(c.region.clone().unwrap_or(unknown.clone())),
    ];
    if let Some(ctx) = &c.context {
        l1.extend([sep(app), label(app, "context"), Span::raw(ctx.clone())]);
    }
    let (spin, spin_style) = t.spinner(app.spinner);
    if let Some(target) = &app.connecting {
        l1.extend([
            sep(app),
            Span::styled(format!("{spin} connecting to {target}…"), spin_style),
        ]);
    }

    // The flags first: the issuer URL is what a narrow terminal cuts.
    let mut l2 = vec![Span::raw(" ")];
    l2.extend(flag(app, "OIDC provider", c.oidc_provider_registered));
    l2.push(sep(app));
    l2.extend(flag(app, "webhook", c.webhook_present));
    l2.push(sep(app));
    l2.extend(flag(
        app,
        "pod identity agent",
        c.pod_identity_agent_present,
    ));
    if let Some(w) = &m.report.evidence {
        l2.push(sep(app));
        l2.extend(cloudtrail(app, w, spin, spin_style));
    }
    l2.extend([
        sep(app),
        label(app, "issuer"),
        Span::raw(c.oidc_issuer.clone().unwrap_or("none".into())),
    ]);

    let mut l3 = vec![
        Span::raw(" "),
        label(app, "source"),
        Span::raw(app.origin.label()),
    ];
    l3.push(sep(app));
    let aws = &m.aws;
    if aws.reachable {
        l3.extend(flag(app, "AWS", Some(true)));
        // When it was last read through (Ctrl-R reads it again).
        if let Some(at) = aws.read_at.as_deref() {
            l3.push(Span::styled(format!(" read {}", clock(at)), t.dim()));
        }
    } else if aws.reading() {
        l3.extend([
            label(app, "AWS"),
            Span::styled(format!("{spin} reading…"), spin_style),
        ]);
    } else if aws.skipped {
        l3.extend([
            label(app, "AWS"),
            Span::styled("skipped (--no-aws)", t.dim()),
        ]);
    } else {
        l3.extend(flag(app, "AWS", Some(false)));
        // Cut short: the whole message is in the Cluster view.
        if let Some(e) = &aws.error {
            let short: String = if e.chars().count() > AWS_ERROR_WIDTH {
                let mut cut: String = e.chars().take(AWS_ERROR_WIDTH - 1).collect();
                cut.push('…');
                cut
            } else {
                e.clone()
            };
            l3.push(Span::styled(format!(" {short}"), t.error()));
        }
    }
    // While the API server does not answer, the data is as of when it last did.
    let stale = m
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Unreachable)
        .filter_map(|s| s.unreachable_since.as_deref())
        .min();
    if let Some(since) = stale {
        l3.extend([
            sep(app),
            Span::styled(format!("✗ stale since {}", clock(since)), t.error()),
        ]);
    } else if let Some(at) = &c.captured_at {
        l3.extend([sep(app), label(app, "last change"), Span::raw(at.clone())]);
    }
    l3.push(sep(app));
    l3.push(label(app, "kubernetes"));
    // What needs attention first (a narrow terminal cuts the end): an API server that does
    // not answer, the sources still syncing, failing or forbidden, then how many synced.
    let reading = m
        .sources
        .iter()
        .filter(|s| s.state != SourceState::Forbidden)
        .count();
    let lost = m
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Unreachable)
        .count();
    let all_lost = lost > 0 && lost == reading;
    if all_lost {
        l3.push(Span::styled(
            format!(
                "{} API server not answering ({lost} sources)",
                t.flag(Some(false)).0
            ),
            t.error(),
        ));
        l3.push(Span::raw(", "));
    }
    for (state, word) in [
        (SourceState::Unreachable, "no answer"),
        (SourceState::Syncing, "syncing"),
        (SourceState::Failed, "failing"),
        (SourceState::Forbidden, "forbidden"),
    ] {
        if all_lost && state == SourceState::Unreachable {
            continue;
        }
        let names: Vec<String> = m
            .sources
            .iter()
            .filter(|s| s.state == state)
            .map(|s| {
                let mut name = match &s.namespace {
                    Some(ns) => format!("{} ({ns})", s.resource),
                    None => s.resource.clone(),
                };
                // How far the first list has got, and for how long it has been waited for
                // (the header is drawn again as the spinner turns, so this keeps counting).
                if let (SourceState::Syncing, Some(n)) = (state, s.count) {
                    name.push_str(&format!(" {n}"));
                }
                if let Some(waited) = waited(s.syncing_since.as_deref(), crate::time::now_secs()) {
                    name.push_str(&format!(" ({waited})"));
                }
                name
            })
            .collect();
        if !names.is_empty() {
            let (symbol, style) = if state == SourceState::Syncing {
                (spin, spin_style)
            } else {
                t.flag(Some(false))
            };
            l3.push(Span::styled(
                format!("{symbol} {word}: {}", names.join(", ")),
                style,
            ));
            l3.push(Span::raw(", "));
        }
    }
    let synced = m
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Ok)
        .count();
    if all_lost {
        // Nothing is synced: no "0 synced" after the separator.
        l3.pop();
    } else {
        let (ok_symbol, ok_style) = t.flag(Some(true));
        l3.push(Span::styled(
            format!("{ok_symbol} {synced} synced"),
            ok_style,
        ));
    }
    // What the synced lists hold, when the sources counted it (live).
    let held: Vec<String> = ["pods", "serviceaccounts"]
        .iter()
        .filter_map(|resource| {
            let mut counts = m
                .sources
                .iter()
                .filter(|s| s.state == SourceState::Ok && s.resource == *resource)
                .map(|s| s.count)
                .peekable();
            counts.peek()?;
            let total: Option<usize> = counts.sum();
            total.map(|n| format!("{n} {resource}"))
        })
        .collect();
    if !held.is_empty() {
        l3.push(Span::styled(format!(" ({})", held.join(", ")), t.dim()));
    }
    let width = usize::from(area.width);
    let lines: Vec<Line<'static>> = [l1, l2, l3]
        .into_iter()
        .map(|spans| fit_line(Line::from(spans), width))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The view tabs, and the bindings per status on the right.
pub fn render_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == app.tab {
            t.active_tab()
        } else {
            Style::new()
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, tab.title()), style));
        // Each table view keeps its own filter: the tab says it has one.
        if let Some(f) = app.query.filters.of(*tab)
            && !f.text.is_empty()
        {
            let text = fit_line(Line::from(format!("/{}", f.text)), FILTER_IN_TAB);
            spans.extend(
                text.spans
                    .into_iter()
                    .map(|s| s.style(style.patch(t.key()))),
            );
            spans.push(Span::styled(" ", style));
        }
        spans.push(Span::raw(" "));
    }
    let tabs_width = u16::try_from(Line::from(spans.clone()).width()).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);

    let s = &app.model.report.summary;
    let statuses = [
        (Status::Failing, s.failing),
        (Status::Unknown, s.unknown),
        (Status::Warning, s.warning),
        (Status::Ok, s.ok),
    ];
    // In full when there is room; as symbols and counts (`✗28 ?1 !19 ✓38`) when not.
    let full = |compact: bool| {
        let mut counts: Vec<Span<'static>> = Vec::new();
        if !compact {
            counts.push(Span::styled(format!("{} bindings ", s.bindings), t.dim()));
        }
        for (status, n) in statuses {
            let text = if compact {
                format!(" {}{n}", status.symbol())
            } else {
                format!(" {} {n} {}", status.symbol(), status.as_str())
            };
            counts.push(Span::styled(text, t.status(status)));
        }
        counts.push(Span::raw(" "));
        Line::from(counts).right_aligned()
    };
    for compact in [false, true] {
        let line = full(compact);
        let width = u16::try_from(line.width()).unwrap_or(u16::MAX);
        if area.width >= tabs_width + width {
            let right = Rect {
                x: area.right() - width,
                width,
                ..area
            };
            frame.render_widget(Paragraph::new(line), right);
            return;
        }
    }
}

/// `10:02:13` (UTC) of an RFC 3339 time, else the time as given.
fn clock(rfc3339: &str) -> String {
    match rfc3339.get(11..19) {
        Some(hms) if rfc3339.ends_with('Z') => format!("{hms} UTC"),
        _ => rfc3339.to_owned(),
    }
}

/// How long a source has been syncing, kubectl-style, once it is a second or more.
fn waited(since: Option<&str>, now: i64) -> Option<String> {
    let secs = now - crate::time::parse_rfc3339(since?)?;
    (secs >= 1).then(|| crate::time::age(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_shown_as_it_grows() {
        let since = "2026-11-20T09:30:00Z";
        let t = crate::time::parse_rfc3339(since).expect("a time");
        assert_eq!(waited(Some(since), t), None, "not yet");
        assert_eq!(waited(Some(since), t + 42).as_deref(), Some("42s"));
        assert_eq!(waited(Some(since), t + 185).as_deref(), Some("3m"));
        assert_eq!(waited(None, t + 42), None);
    }
}
