//! Terminal text of `irsa-tui can` and `irsa-tui who-can`: what a person reads in an
//! incident. Per question a ✓/✗/? line and AWS's sentence, the deciding statement as JSON
//! with the values that name the call marked, the boundary's verdict. Every value from a
//! cluster or an account is escaped for the terminal.

use std::fmt::Write;

use crate::analysis::permissions::ask::{
    CanAnswer, CanResult, MatchedStatement, SCOPE_NOTE, WhoCanAnswer,
};
use crate::policy::identity::Verdict;
use crate::text::escape_controls as esc;

use super::style::Style;

fn mark(st: Style, v: Verdict) -> String {
    match v {
        Verdict::Allowed => st.green("✓"),
        Verdict::ImplicitDeny | Verdict::ExplicitDeny => st.red("✗"),
        Verdict::Unknown => st.yellow("?"),
    }
}

/// The statement as indented JSON, with a marker on the lines naming the call.
fn statement(out: &mut String, st: Style, m: &MatchedStatement) {
    let sid = m
        .sid
        .as_deref()
        .map(|s| format!(", Sid {:?}", esc(s)))
        .unwrap_or_default();
    let arn = m
        .policy_arn
        .as_deref()
        .map(|a| format!(" ({})", esc(a)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    {} {:?}{arn}, statement {}{sid}:",
        m.kind.words(),
        esc(&m.policy),
        m.statement
    );
    for (line, hit) in &m.lines {
        let line = esc(line);
        if *hit {
            let _ = writeln!(out, "    {} {}", st.bold("▶"), st.bold(&line));
        } else {
            let _ = writeln!(out, "      {line}");
        }
    }
}

fn result(out: &mut String, st: Style, r: &CanResult) {
    let _ = writeln!(
        out,
        "{} {} on {}: {}",
        mark(st, r.decision),
        st.bold(&esc(&r.action)),
        esc(&r.resource),
        st.bold(Verdict::words(r.decision))
    );
    let _ = writeln!(out, "  {}", esc(&r.reason));
    for m in &r.matched {
        statement(out, st, m);
    }
    if r.boundary != "none" {
        let _ = writeln!(out, "  permissions boundary: {}", r.boundary);
    }
    if !r.missing_context.is_empty() {
        let given: Vec<String> = r
            .missing_context
            .iter()
            .map(|k| format!("--context {}=VALUE", esc(k)))
            .collect();
        let _ = writeln!(
            out,
            "  {} it depends on {}; give {}",
            st.yellow("?"),
            r.missing_context
                .iter()
                .map(|k| esc(k).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            given.join(" ")
        );
    }
    // The reason names them already when they are why the answer is unknown.
    for u in r.unreadable.iter().filter(|u| !r.reason.contains(&u.why)) {
        let _ = writeln!(
            out,
            "  {} {:?} cannot be evaluated: {}",
            st.yellow("?"),
            esc(&u.policy),
            esc(&u.why)
        );
    }
    if let Some(sim) = r.simulated {
        let agree = if sim == r.decision {
            st.green("agrees")
        } else {
            st.red("DISAGREES")
        };
        let _ = writeln!(
            out,
            "  IAM SimulatePrincipalPolicy: {} ({agree})",
            Verdict::words(sim)
        );
        if let Some(note) = &r.simulation_note {
            let _ = writeln!(out, "    {}", esc(note));
        }
    }
}

/// `can`'s text.
pub fn can_text(a: &CanAnswer, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    let who = match (&a.binding, &a.principal) {
        (Some(b), Some(p)) => format!("{} (role {})", esc(b), esc(p)),
        (None, Some(p)) => esc(p).into_owned(),
        _ => "the policies given".to_owned(),
    };
    let _ = writeln!(out, "{} {who}", st.bold("can"));
    if let Some(note) = &a.note {
        let _ = writeln!(out, "{} {}", st.yellow("note:"), esc(note));
    }
    if let Some(e) = &a.simulation_error {
        let _ = writeln!(
            out,
            "{} IAM's simulation could not be asked: {}",
            st.yellow("note:"),
            esc(e)
        );
    }
    for r in &a.results {
        out.push('\n');
        result(&mut out, st, r);
    }
    let _ = writeln!(out, "\n{}", st.dim(&format!("scope: {SCOPE_NOTE}")));
    out
}

/// `who-can`'s text.
pub fn who_can_text(a: &WhoCanAnswer, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    let allowed = a
        .principals
        .iter()
        .filter(|p| p.decision == Verdict::Allowed)
        .count();
    let unknown = a.principals.len() - allowed;
    let _ = writeln!(
        out,
        "{} {} on {}: {allowed} allowed, {unknown} unknown ({} roles evaluated)",
        st.bold("who-can"),
        st.bold(&esc(&a.action)),
        esc(&a.resource),
        a.roles_evaluated
    );
    for p in &a.principals {
        let name = match &p.binding {
            Some(b) => esc(b).into_owned(),
            None => format!("node role {}", esc(&p.role_arn)),
        };
        let pods = match (p.kind, p.pods) {
            ("node-role", n) => format!("{n} pods without IRSA inherit it"),
            (_, 1) => "1 pod".to_owned(),
            (_, n) => format!("{n} pods"),
        };
        let role = if p.binding.is_some() {
            format!(" {}", st.dim(&esc(&p.role_arn)))
        } else {
            String::new()
        };
        let _ = writeln!(out, "{} {name}{role}  [{pods}]", mark(st, p.decision));
        let _ = writeln!(out, "    {}", esc(&p.reason));
    }
    let _ = writeln!(out, "\n{}", st.dim(&format!("scope: {SCOPE_NOTE}")));
    out
}
