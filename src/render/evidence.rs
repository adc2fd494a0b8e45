//! The CloudTrail evidence in words, shared by the Markdown and HTML reports and the
//! dashboard: the window read, and each binding's grouped events with their explanation.

use crate::analysis::Report;
use crate::analysis::checks::evidence::{BindingEvidence, EvidenceWindow, SCOPE_NOTE};
use crate::inventory::{TrailEvent, TrailState};

/// `08:30:00` of an RFC 3339 time (UTC), or the text as it is.
pub fn clock(t: &str) -> &str {
    t.get(11..19).unwrap_or(t)
}

/// The window, in one line: `2026-11-20 08:30–09:30 UTC (eu-west-1, us-east-1): 61 events,
/// 3 not attributed to a binding`, and what stopped it or could not be read.
pub fn window_line(w: &EvidenceWindow) -> String {
    let span = match (&w.since, &w.until) {
        (Some(s), Some(u)) => format!(
            "{} {}–{} UTC",
            s.get(..10).unwrap_or(s),
            clock(s).get(..5).unwrap_or(clock(s)),
            clock(u).get(..5).unwrap_or(clock(u))
        ),
        _ => "no window".to_owned(),
    };
    let regions = if w.regions.is_empty() {
        String::new()
    } else {
        format!(" ({})", w.regions.join(", "))
    };
    let mut out = match w.state {
        TrailState::Skipped => return "not read (--no-cloudtrail)".to_owned(),
        TrailState::NotRead => return "not read".to_owned(),
        TrailState::Failed => format!("{span}{regions}: could not be read"),
        TrailState::Reading => format!("{span}{regions}: reading, {} events so far", w.events),
        TrailState::Read => format!(
            "{span}{regions}: {}, {} not attributed to a binding",
            crate::text::count(w.events, "event", "events"),
            w.unattributed
        ),
    };
    if let Some(cut) = &w.truncated {
        out.push_str(&format!(
            "; cut short by {cut}: complete from {} only",
            w.complete_from.as_deref().map_or("(unknown)", clock)
        ));
    }
    if let Some(e) = &w.error {
        out.push_str(&format!("; {e}"));
    }
    out
}

/// The note that goes with every piece of evidence.
pub fn note() -> &'static str {
    SCOPE_NOTE
}

/// A binding's evidence, one line per group: failed STS calls, denied calls (with why),
/// sessions of other roles, sessions that worked.
pub fn binding_lines(e: &BindingEvidence) -> Vec<String> {
    let mut out = Vec::new();
    for f in &e.sts_failures {
        out.push(format!(
            "✗ {}× AssumeRoleWithWebIdentity {}{} for {}, {}–{} UTC",
            f.count,
            f.error_code,
            f.error_message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default(),
            f.role_arn.as_deref().unwrap_or("(no role named)"),
            clock(&f.first),
            clock(&f.last)
        ));
    }
    for d in &e.denied {
        out.push(format!(
            "✗ {}× {} denied ({}) on {}, last {} UTC: {}",
            d.count,
            d.action,
            d.error_code,
            d.resource.as_deref().unwrap_or("*"),
            clock(&d.last),
            d.explanation
        ));
    }
    for o in &e.other_roles {
        out.push(format!(
            "! {}× session for another role {}, last {} UTC",
            o.count,
            o.role_arn,
            clock(&o.last)
        ));
    }
    if e.sessions > 0 {
        out.push(format!(
            "✓ {}× AssumeRoleWithWebIdentity succeeded for the binding's role",
            e.sessions
        ));
    }
    out
}

/// One unattributed event, in a line.
pub fn unattributed_line(e: &TrailEvent) -> String {
    let what = match (&e.action, &e.error_code) {
        (Some(action), _) => action.clone(),
        (None, _) => e.name.clone(),
    };
    let result = e.error_code.as_deref().unwrap_or("ok");
    let who = e
        .service_account
        .as_deref()
        .map_or("no ServiceAccount".to_owned(), |s| {
            format!("ServiceAccount {s}")
        });
    format!(
        "{} {what} {result}, {who}, role {} ({})",
        clock(&e.time),
        e.role_arn.as_deref().unwrap_or("-"),
        e.region
    )
}

/// The evidence column's cell: `✗ 37 STS`, `✗ 5 denied`, `! 9 old role`, `✓ 4`, `-`.
pub fn cell(e: Option<&BindingEvidence>) -> String {
    let Some(e) = e else {
        return "-".to_owned();
    };
    let (failures, denials) = (e.failures(), e.denials());
    let others: usize = e.other_roles.iter().map(|o| o.count).sum();
    if failures > 0 {
        format!("✗ {failures} STS")
    } else if denials > 0 {
        format!("✗ {denials} denied")
    } else if others > 0 {
        format!("! {others} old role")
    } else if e.sessions > 0 {
        format!("✓ {}", e.sessions)
    } else {
        "-".to_owned()
    }
}

/// The column's sort rank: failed STS calls first, then denials, other roles, sessions,
/// none; more events first within a rank.
pub fn rank(e: Option<&BindingEvidence>) -> (u8, std::cmp::Reverse<usize>) {
    use std::cmp::Reverse;
    let Some(e) = e else {
        return (4, Reverse(0));
    };
    let others: usize = e.other_roles.iter().map(|o| o.count).sum();
    if e.failures() > 0 {
        (0, Reverse(e.failures()))
    } else if e.denials() > 0 {
        (1, Reverse(e.denials()))
    } else if others > 0 {
        (2, Reverse(others))
    } else if e.sessions > 0 {
        (3, Reverse(e.sessions))
    } else {
        (4, Reverse(0))
    }
}

/// The report's window, when CloudTrail was read or tried.
pub fn window(report: &Report) -> Option<&EvidenceWindow> {
    report.evidence.as_ref()
}
