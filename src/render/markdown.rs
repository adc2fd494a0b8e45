//! Markdown report renderer: a report to paste into an incident ticket (GitHub or
//! Jira-flavoured Markdown). Failing bindings come first, each with its findings,
//! evidence and copy-pasteable fixes; ok bindings are a compact table.
//!
//! The small helpers marked `pub(super)` are shared with the HTML renderer.

use std::fmt::Write;

use serde_json::{Map, Value};

use crate::analysis::finding::{Fix, FixKind, Step, StepNature};
use crate::analysis::{Binding, Finding, NodeRoleReport, Report, Status};
use crate::policy::Decision;

/// Above this many ok bindings only their count is printed.
const OK_TABLE_LIMIT: usize = 50;
/// Evidence values longer than this are shown as a JSON block rather than a list.
const EVIDENCE_INLINE_MAX: usize = 100;

/// Statuses in report order (worst first).
pub(super) const STATUSES: [Status; 4] = [
    Status::Failing,
    Status::Unknown,
    Status::Warning,
    Status::Ok,
];

/// `✗ failing`, `✓ ok`, ...
pub(super) fn status_label(s: Status) -> String {
    format!("{} {}", s.symbol(), s.as_str())
}

/// Whether the pods get the role's credentials: `✓ assumes`, `✗ denied`, `? unknown`, or
/// `— (no role)`.
pub(super) fn assumes_label(a: Option<crate::analysis::Assumes>) -> String {
    match a {
        Some(a) => a.marked(),
        None => "— (no role)".to_owned(),
    }
}

/// How many bindings the report has of status `s`.
pub(super) fn count(report: &Report, s: Status) -> usize {
    let sm = &report.summary;
    match s {
        Status::Failing => sm.failing,
        Status::Unknown => sm.unknown,
        Status::Warning => sm.warning,
        Status::Ok => sm.ok,
    }
}

/// The name to title the report with.
pub(super) fn cluster_label(report: &Report) -> &str {
    let c = &report.cluster;
    c.name
        .as_deref()
        .or(c.context.as_deref())
        .unwrap_or("unknown cluster")
}

/// The cluster facts shown in the header, in order; `None` when not known.
pub(super) fn cluster_facts(report: &Report) -> [(&'static str, Option<&str>); 6] {
    let c = &report.cluster;
    [
        ("Cluster", c.name.as_deref()),
        ("Context", c.context.as_deref()),
        ("Region", c.region.as_deref()),
        ("Account", c.account.as_deref()),
        ("OIDC issuer", c.oidc_issuer.as_deref()),
        ("Generated", Some(report.generated_at.as_str())),
    ]
}

/// What part of the cluster the report covers, when not all of it (a dashboard export
/// under `:ns`): `namespace payments (1 of 34 namespaces with bindings; …)`.
pub(super) fn scope_statement(report: &Report) -> Option<String> {
    let scope = report.scope.as_ref()?;
    let word = if scope.namespaces.len() == 1 {
        "namespace"
    } else {
        "namespaces"
    };
    Some(format!(
        "{word} {} ({} of {} namespaces with bindings; node roles and cluster findings: the whole cluster)",
        scope.namespaces.join(", "),
        scope.namespaces.len(),
        scope.namespaces_total
    ))
}

/// `(injected, total)` pods of a binding.
pub(super) fn pod_counts(b: &Binding) -> (usize, usize) {
    (b.pods.iter().filter(|p| p.injected).count(), b.pods.len())
}

/// An evidence value as text: strings as they are, anything else as compact JSON.
fn evidence_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Evidence as pretty JSON.
pub(super) fn evidence_json(evidence: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(evidence).unwrap_or_default()
}

pub(super) fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allow",
        Decision::Deny => "deny",
    }
}

/// `(total, not listed)` pods without IRSA on a node role's nodes; `None` when there are none.
pub(super) fn pods_without_irsa(n: &NodeRoleReport) -> Option<(usize, usize)> {
    let listed = n.pods_without_irsa.len();
    let total = n.pods_without_irsa_count.max(listed);
    (total > 0).then(|| (total, total - listed))
}

/// Bindings of one status, in report order.
fn with_status(report: &Report, s: Status) -> impl Iterator<Item = &Binding> {
    report
        .bindings
        .iter()
        .map(|b| &**b)
        .filter(move |b| b.status == s)
}

// ---- escaping ---------------------------------------------------------------------

/// Free text on one line, with the characters Markdown would interpret escaped (also
/// `|`, so the result is safe in a table cell). Intraword `_` is left alone.
fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let intraword = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' => true,
            '_' => !(intraword(i.checked_sub(1)) && intraword(Some(i + 1))),
            '#' | '-' | '+' => i == 0,
            _ => false,
        };
        match c {
            '\n' | '\r' => out.push(' '),
            _ if escape => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span around `s` (on one line), with a fence longer than any backtick run in it.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A code span for a table cell: GFM splits cells on `|` even inside code spans.
fn code_cell(s: &str) -> String {
    code(s).replace('|', r"\|")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A fenced code block; the fence is longer than any backtick run in `body`.
fn fence(out: &mut String, lang: &str, body: &str) {
    let fence = "`".repeat(longest_backtick_run(body).max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}");
    let _ = writeln!(out, "{}", body.trim_end_matches('\n'));
    let _ = writeln!(out, "{fence}");
    out.push('\n');
}

fn or_unknown(v: Option<&str>) -> String {
    v.map_or_else(|| "_unknown_".to_owned(), code)
}

// ---- sections -----------------------------------------------------------------------

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    summary(&mut out, report);
    if report.bindings.is_empty() {
        out.push_str("No bindings were found.\n\n");
    }
    for s in [Status::Failing, Status::Unknown, Status::Warning] {
        binding_section(&mut out, report, s);
    }
    ok_section(&mut out, report);
    node_roles(&mut out, report);
    cluster_findings(&mut out, report);
    unattributed(&mut out, report);
    out.truncate(out.trim_end().len());
    out.push('\n');
    // Values from the cluster may carry terminal escapes (a window title, OSC 52): they are
    // shown, never sent, since the report is often read on a terminal.
    crate::text::escape_controls(&out).into_owned()
}

fn header(out: &mut String, report: &Report) {
    let _ = writeln!(out, "# IRSA report: {}\n", text(cluster_label(report)));
    for (name, value) in cluster_facts(report).into_iter().skip(1) {
        let _ = writeln!(out, "- **{name}:** {}", or_unknown(value));
    }
    if let Some(scope) = scope_statement(report) {
        let _ = writeln!(out, "- **Scope:** {}", text(&scope));
    }
    if let Some(w) = super::evidence::window(report) {
        let _ = writeln!(
            out,
            "- **CloudTrail evidence:** {} ({})",
            text(&super::evidence::window_line(w)),
            text(super::evidence::note())
        );
    }
    out.push('\n');
}

fn summary(out: &mut String, report: &Report) {
    let sm = &report.summary;
    out.push_str("## Summary\n\n");
    let statuses: Vec<String> = STATUSES
        .iter()
        .map(|&s| format!("{} {} {}", s.symbol(), count(report, s), s.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "**{}** bindings: {}\n",
        sm.bindings,
        statuses.join(" · ")
    );
    let f = &sm.findings;
    let total = f.critical + f.error + f.warning + f.info;
    let _ = writeln!(
        out,
        "**{total}** findings: {} critical · {} error · {} warning · {} info\n",
        f.critical, f.error, f.warning, f.info
    );
}

fn section_title(s: Status) -> &'static str {
    match s {
        Status::Failing => "Failing bindings",
        Status::Unknown => "Unknown bindings, not verified",
        Status::Warning => "Bindings with warnings",
        Status::Ok => "OK bindings",
    }
}

fn binding_section(out: &mut String, report: &Report, s: Status) {
    let bindings: Vec<&Binding> = with_status(report, s).collect();
    if bindings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## {} {} ({})\n",
        s.symbol(),
        section_title(s),
        bindings.len()
    );
    for b in bindings {
        binding(out, b);
    }
}

fn binding(out: &mut String, b: &Binding) {
    let _ = writeln!(out, "### {} {}\n", b.status.symbol(), text(&b.key()));
    let _ = writeln!(out, "- **Status:** {}", status_label(b.status));
    let _ = writeln!(out, "- **Credentials:** {}", assumes_label(b.assumes));
    let _ = writeln!(out, "- **Mechanism:** {}", b.mechanism.as_str());
    let _ = writeln!(out, "- **Role:** {}", or_unknown(b.role_arn.as_deref()));
    let _ = writeln!(out, "- **Pods:** {}", pods(b));
    out.push('\n');
    if let Some(e) = &b.evidence {
        out.push_str("**CloudTrail evidence** (management events only: S3 object and DynamoDB item calls are not there; events arrive minutes late):\n\n");
        for line in super::evidence::binding_lines(e) {
            let _ = writeln!(out, "- {}", text(&line));
        }
        out.push('\n');
    }
    if let Some(trust) = &b.trust {
        let _ = writeln!(
            out,
            "**Current trust policy** (decision: {}):\n",
            decision_str(trust.decision)
        );
        fence(out, "json", &trust.policy);
    }
    for f in &b.findings {
        finding(out, f, 4);
    }
}

fn pods(b: &Binding) -> String {
    pods_line(b, "none running", "; ", code)
}

/// "injected/total injected", then the pods not injected and the stale ones, each name
/// formatted by `fmt`; `none` when no pod runs. Shared with the HTML renderer.
pub(super) fn pods_line(b: &Binding, none: &str, sep: &str, fmt: fn(&str) -> String) -> String {
    let (injected, total) = pod_counts(b);
    if total == 0 {
        return none.to_owned();
    }
    let mut line = format!("{injected}/{total} injected");
    let names = |keep: fn(&crate::analysis::BindingPod) -> bool| -> Vec<String> {
        b.pods
            .iter()
            .filter(|p| keep(p))
            .map(|p| fmt(p.name()))
            .collect()
    };
    let missing = names(|p| !p.injected);
    if !missing.is_empty() {
        let _ = write!(line, "{sep}not injected: {}", missing.join(", "));
    }
    let stale = names(|p| p.stale);
    if !stale.is_empty() {
        let _ = write!(line, "{sep}stale role: {}", stale.join(", "));
    }
    line
}

fn finding(out: &mut String, f: &Finding, level: usize) {
    let _ = writeln!(
        out,
        "{} {} · {} · {}\n",
        "#".repeat(level),
        f.code.as_str(),
        f.severity.as_str(),
        text(&f.title)
    );
    let _ = writeln!(out, "{}\n", text(&f.detail));
    if let Some(pod) = &f.pod {
        let _ = writeln!(out, "**Pod:** {}\n", code(pod));
    }
    evidence(out, &f.evidence);
    fixes(out, &f.fix);
}

fn evidence(out: &mut String, evidence: &Map<String, Value>) {
    if evidence.is_empty() {
        return;
    }
    out.push_str("**Evidence**\n\n");
    let values: Vec<(&String, String)> = evidence
        .iter()
        .map(|(k, v)| (k, evidence_value(v)))
        .collect();
    let compact = values
        .iter()
        .all(|(_, v)| v.len() <= EVIDENCE_INLINE_MAX && !v.contains('\n'));
    if compact {
        for (k, v) in values {
            let _ = writeln!(out, "- {}: {}", code(k), code(&v));
        }
        out.push('\n');
    } else {
        fence(out, "json", &evidence_json(evidence));
    }
}

/// A fix: one step as it is; several steps as a numbered list (a corrected document goes
/// with the command after it, which carries it); alternatives labelled "Either" / "Or". A
/// step that needs another account's credentials says which.
fn fixes(out: &mut String, fix: &Fix) {
    if fix.is_empty() {
        return;
    }
    if let Some(removes) = &fix.removes {
        let _ = writeln!(out, "> ⚠ **This fix removes access:** {}.\n", text(removes));
    }
    let runnable = fix.numbered_steps();
    match fix.kind {
        FixKind::Alternatives => {
            let _ = writeln!(out, "**Fix**, one of {}:\n", fix.len());
            for (i, step) in fix.steps.iter().enumerate() {
                out.push_str(if i == 0 { "Either:\n\n" } else { "Or:\n\n" });
                fix_step(out, step);
            }
        }
        FixKind::Steps if runnable > 1 => {
            let _ = writeln!(out, "**Fix**, {runnable} steps in order:\n");
            let mut n = 0;
            let mut item = String::new();
            for step in &fix.steps {
                fix_step(&mut item, step);
                if step.nature() == StepNature::Document {
                    continue;
                }
                n += 1;
                let marker = format!("{n}. ");
                let pad = " ".repeat(marker.len());
                for (i, line) in item.trim_end().lines().enumerate() {
                    match (i, line.is_empty()) {
                        (0, _) => {
                            let _ = writeln!(out, "{marker}{line}");
                        }
                        (_, true) => out.push('\n'),
                        _ => {
                            let _ = writeln!(out, "{pad}{line}");
                        }
                    }
                }
                out.push('\n');
                item.clear();
            }
            // A document after the last step (none is built so) still shows.
            out.push_str(&item);
        }
        FixKind::Steps => {
            out.push_str("**Fix**\n\n");
            for step in &fix.steps {
                fix_step(out, step);
            }
        }
    }
}

/// One entry of a fix: a JSON or `sh` block, or a sentence; the account it needs first.
fn fix_step(out: &mut String, step: &Step) {
    if let Some(account) = &step.account {
        let _ = writeln!(
            out,
            "In account {}: with that account's credentials (e.g. {}):\n",
            code(account),
            code("--profile <that account's profile>")
        );
    }
    match step.nature() {
        StepNature::Document => fence(out, "json", &step.text),
        StepNature::Command => fence(out, "sh", &step.text),
        StepNature::Manual => {
            let _ = writeln!(out, "{}\n", text(&step.text));
        }
    }
}

fn ok_section(out: &mut String, report: &Report) {
    let ok: Vec<&Binding> = with_status(report, Status::Ok).collect();
    if ok.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## {} {} ({})\n",
        Status::Ok.symbol(),
        section_title(Status::Ok),
        ok.len()
    );
    if ok.len() > OK_TABLE_LIMIT {
        let _ = writeln!(
            out,
            "{} bindings are ok; not listed here (see the JSON or HTML report).\n",
            ok.len()
        );
        return;
    }
    out.push_str("| Namespace | Service account | Role | Credentials | Notes |\n");
    out.push_str("|---|---|---|---|---|\n");
    for b in ok {
        let mut notes: Vec<String> = b
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.code.as_str(), text(&f.title)))
            .collect();
        if b.evidence.is_some() {
            notes.push(format!(
                "CloudTrail: {}",
                super::evidence::cell(b.evidence.as_ref())
            ));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code_cell(&b.namespace),
            code_cell(&b.service_account),
            b.role_arn.as_deref().map_or("—".to_owned(), code_cell),
            assumes_label(b.assumes),
            if notes.is_empty() {
                "—".to_owned()
            } else {
                notes.join("; ")
            }
        );
    }
    out.push('\n');
}

/// CloudTrail events no binding could be given: counted, and the first ones listed.
fn unattributed(out: &mut String, report: &Report) {
    let Some(w) = super::evidence::window(report).filter(|w| w.unattributed > 0) else {
        return;
    };
    let _ = writeln!(
        out,
        "## CloudTrail events not attributed to a binding ({})\n",
        w.unattributed
    );
    for e in &w.unattributed_events {
        let _ = writeln!(out, "- {}", text(&super::evidence::unattributed_line(e)));
    }
    if w.unattributed > w.unattributed_events.len() {
        let _ = writeln!(
            out,
            "- … and {} more (see the JSON report)",
            w.unattributed - w.unattributed_events.len()
        );
    }
    out.push('\n');
}

/// A `- **label:** ...` line; more than two items become a nested list.
fn fact_list(out: &mut String, label: &str, items: &[String], suffix: &str) {
    let _ = write!(out, "- **{label}:**");
    match items {
        [] => out.push_str(" none"),
        [_] | [_, _] => {
            let inline: Vec<String> = items.iter().map(|i| code(i)).collect();
            let _ = write!(out, " {}", inline.join(", "));
        }
        _ => {
            for i in items {
                let _ = write!(out, "\n  - {}", code(i));
            }
        }
    }
    let _ = writeln!(out, "{suffix}");
}

fn node_roles(out: &mut String, report: &Report) {
    if report.node_roles.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Node roles ({})\n", report.node_roles.len());
    for n in &report.node_roles {
        node_role(out, n);
    }
}

fn node_role(out: &mut String, n: &NodeRoleReport) {
    let _ = writeln!(out, "### {} {}\n", n.status.symbol(), text(&n.role_arn));
    let _ = writeln!(out, "- **Status:** {}", status_label(n.status));
    fact_list(out, "Sources", &n.sources, "");
    fact_list(out, "Attached policies", &n.attached_policies, "");
    fact_list(out, "Inline policies", &n.inline_policies, "");
    if let Some((total, more)) = pods_without_irsa(n) {
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        let label = format!("Pods without IRSA on these nodes ({total})");
        fact_list(out, &label, &n.pods_without_irsa, &more);
    }
    out.push('\n');
    for f in &n.findings {
        finding(out, f, 4);
    }
}

fn cluster_findings(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "## Cluster findings ({})\n",
        report.cluster_findings.len()
    );
    if report.cluster_findings.is_empty() {
        out.push_str("None.\n\n");
    }
    for f in &report.cluster_findings {
        finding(out, f, 3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(render(&sample::report()));
    }

    #[test]
    fn failing_bindings_come_before_unknown_warning_and_ok() {
        let md = render(&sample::report());
        let at = |needle: &str| {
            md.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing from:\n{md}"))
        };
        let failing = at("### ✗ payments/ledger-api");
        let unknown = at("### ? analytics/spark-runner");
        let warning = at("### ! observability/otel-collector");
        let ok = at("| `kube-system` | `aws-node` |");
        assert!(failing < unknown, "failing before unknown");
        assert!(unknown < warning, "unknown before warning");
        assert!(warning < ok, "warning before ok");
        assert!(ok < at("## Node roles"), "node roles after bindings");
        assert!(at("## Node roles") < at("## Cluster findings"));
    }

    #[test]
    fn fixes_are_fenced_by_kind() {
        let md = render(&sample::report());
        assert!(md.contains("```json\n{\n  \"Version\": \"2012-10-17\""));
        assert!(md.contains("```sh\naws iam update-assume-role-policy --role-name ledger-api"));
        assert!(
            md.contains("```sh\nkubectl -n payments rollout restart deployment/ledger-api\n```")
        );
    }

    #[test]
    fn markup_in_titles_is_escaped_and_tables_stay_intact() {
        let md = render(&sample::report());
        assert!(!md.contains("<script>"), "raw markup leaked:\n{md}");
        assert!(md.contains(r"\<script\>alert(1)\</script\> \| pipe"));
        for row in md.lines().filter(|l| l.starts_with('|')) {
            let unescaped = row.replace(r"\|", "");
            assert_eq!(
                unescaped.matches('|').count(),
                6,
                "row splits wrongly: {row}"
            );
        }
    }

    #[test]
    fn text_escapes_markdown_but_keeps_intraword_underscores() {
        assert_eq!(text("AmazonEKS_CNI_Policy"), "AmazonEKS_CNI_Policy");
        assert_eq!(text("_x_ *y* a|b"), r"\_x\_ \*y\* a\|b");
        assert_eq!(text("# not a heading"), r"\# not a heading");
        assert_eq!(text("line\nbreak"), "line break");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code_cell("a|b"), r"`a\|b`");
    }

    #[test]
    fn many_ok_bindings_are_only_counted() {
        let mut r = sample::report();
        let ok = r.bindings.last().cloned().expect("sample has ok bindings");
        r.bindings.extend(std::iter::repeat_n(ok, OK_TABLE_LIMIT));
        r.summary.ok = r.bindings.iter().filter(|b| b.status == Status::Ok).count();
        let md = render(&r);
        assert!(md.contains("53 bindings are ok; not listed here"));
        assert!(!md.contains("| Namespace |"));
    }
}
