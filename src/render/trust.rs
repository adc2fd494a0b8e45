//! Text rendering of a trust-policy assessment (`irsa-tui trust`).

use std::fmt::Write;

use crate::analysis::trust::{Subject, TrustAssessment};
use crate::analysis::{Finding, Severity};
use crate::policy::{Actual, ConditionTrace, Decision, PartTrace, StatementTrace, Tri};

use super::style::Style;

fn mark(st: Style, t: Tri) -> String {
    match t {
        Tri::True => st.green("✓"),
        Tri::False => st.red("✗"),
        Tri::Unknown => st.yellow("?"),
    }
}

fn actual_text(c: &ConditionTrace) -> String {
    match (&c.actual, c.key_present) {
        (Some(Actual::One(v)), _) => format!("{v:?}"),
        (Some(Actual::Many(v)), _) => format!("{v:?}"),
        (None, Some(false)) => "(absent: the request does not carry this key)".into(),
        (None, _) => "(unknown until STS is called)".into(),
    }
}

fn severity_text(st: Style, s: Severity) -> String {
    match s {
        Severity::Critical | Severity::Error => st.red(s.as_str()),
        Severity::Warning => st.yellow(s.as_str()),
        Severity::Info => st.cyan(s.as_str()),
    }
}

fn part(out: &mut String, st: Style, name: &str, p: &PartTrace) {
    let _ = writeln!(out, "    {} {:<10} {}", mark(st, p.result), name, p.detail);
}

fn statement(out: &mut String, st: Style, s: &StatementTrace, deciding: Option<usize>) {
    let verdict = match s.result {
        Tri::True if Some(s.index) == deciding => st.bold("applies (decides)"),
        Tri::True => "applies".to_owned(),
        Tri::False => st.dim("does not apply"),
        Tri::Unknown => st.yellow("cannot be evaluated"),
    };
    let sid = s
        .sid
        .as_deref()
        .map(|x| format!(" {x:?}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} {}{sid}: {verdict}",
        st.bold(&format!("Statement[{}]", s.index)),
        s.effect
    );
    part(out, st, "Action", &s.action);
    part(out, st, "Principal", &s.principal);
    for c in &s.conditions {
        let _ = writeln!(out, "    {} {} {}", mark(st, c.result), c.operator, c.key);
        let _ = writeln!(out, "        expected  {:?}", c.expected);
        let _ = writeln!(out, "        token     {}", actual_text(c));
    }
    for p in &s.problems {
        let _ = writeln!(out, "    {} {}", st.yellow("?"), p);
    }
}

fn finding(out: &mut String, st: Style, f: &Finding) {
    let _ = writeln!(
        out,
        "  {} {} {}",
        st.bold(f.code.as_str()),
        severity_text(st, f.severity),
        f.title
    );
    let _ = writeln!(out, "      {}", f.detail);
    for (k, v) in &f.evidence {
        let value = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(out, "      {} {value}", st.dim(&format!("{k}:")));
    }
}

/// Renders the assessment for a terminal.
pub fn text(a: &TrustAssessment, subject: &Subject, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    let verdict = match a.decision {
        Decision::Allow => st.green("✓ ALLOWED"),
        Decision::Deny => st.red("✗ DENIED"),
    };
    let may = match a.decision {
        Decision::Allow => "may assume",
        Decision::Deny => "may not assume",
    };
    let role = subject
        .role_name
        .as_deref()
        .map_or("the role".to_owned(), |r| format!("role {r}"));
    let _ = writeln!(out, "{verdict}  {} {may} {role}", subject.sub());
    let _ = writeln!(out, "  {} {}", st.dim("issuer:  "), subject.issuer.url);
    let _ = writeln!(
        out,
        "  {} {}",
        st.dim("token:   "),
        format_args!("sub {:?}, aud {:?}", subject.sub(), subject.audience)
    );
    let _ = writeln!(out);
    for s in &a.trace {
        statement(&mut out, st, s, a.statement);
    }
    if !a.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", st.bold("Findings"));
        for f in &a.findings {
            finding(&mut out, st, f);
        }
    }
    if let Some(fix) = a.findings.first().map(|f| &f.fix).filter(|f| !f.is_empty()) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            st.bold("Fix (a corrected trust policy, checked to admit this ServiceAccount):")
        );
        if let Some((command, docs)) = fix.texts().split_last() {
            for d in docs {
                for line in d.lines() {
                    let _ = writeln!(out, "  {line}");
                }
            }
            let _ = writeln!(out);
            let _ = writeln!(out, "  {command}");
        }
    }
    out
}
