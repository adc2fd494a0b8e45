//! The binding drill-down: whether its pods get the role's credentials, its findings with
//! fixes, the ServiceAccount, the role, the trust policy with the deciding statement and
//! failing conditions marked, the evaluation trace (expected vs the token's claim), the pods
//! with what the selected one carries, and the Pod Identity association.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::analysis::{
    Actual, Binding, ConditionTrace, Decision, PartTrace, PodRoleArn, StatementTrace, Tri,
    TrustView,
};
use crate::text::escape_controls as esc;

use super::super::app::App;
use super::super::detail::{Detail, PodRow};
use super::super::theme::tri_symbol;
use super::super::widgets::page::{self, Doc};
use super::blocks;
use crate::time;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) -> usize {
    let Some(Detail::Binding {
        key,
        page: state,
        pods,
        pod,
    }) = &app.detail
    else {
        return 0;
    };
    let Some((_, b)) = app.model.binding(key) else {
        return 0;
    };
    let t = app.theme;
    let mut doc = Doc::new(page::width(area), t);
    // The question asked comes first: it is what the person is looking for.
    super::can::section(&mut doc, app.can.as_ref(), b.role_arn.as_deref());
    let window = app.model.report.evidence.as_ref();
    document(
        &mut doc,
        b,
        pods,
        state.finding,
        *pod,
        app.model.now,
        window,
    );
    let mut title = vec![
        Span::styled(
            format!("{} {}", b.status.symbol(), b.status.as_str()),
            t.status(b.status),
        ),
        Span::styled(format!(" {key}"), t.bold()),
        Span::styled(format!(" · {}", b.mechanism.as_str()), t.dim()),
    ];
    if let Some(a) = b.assumes {
        title.push(Span::styled(" · ", t.dim()));
        title.push(Span::styled(a.marked(), t.assumes(a)));
    }
    let block = blocks::page_block(app, title);
    match app.page_mut() {
        Some(state) => page::render(frame, area, block, doc, state),
        None => 0,
    }
}

/// The first line: do the pods get the role's credentials, and why.
fn credentials(doc: &mut Doc, b: &Binding) {
    let t = doc.theme;
    if !doc.lines.is_empty() {
        doc.blank();
    }
    let mut spans = vec![Span::styled("Credentials  ", t.heading())];
    match b.assumes {
        Some(a) => {
            spans.push(Span::styled(a.marked(), t.assumes(a)));
            spans.push(Span::raw(format!(": {}", esc(&b.assumes_why))));
        }
        None => spans.push(Span::styled(
            "- no role: its pods get the node role's credentials",
            t.dim(),
        )),
    }
    doc.line_hanging(spans, Some(13));
}

fn document(
    doc: &mut Doc,
    b: &Binding,
    pods: &[PodRow],
    selected: usize,
    pod: usize,
    now: Option<i64>,
    window: Option<&crate::analysis::checks::evidence::EvidenceWindow>,
) {
    let t = doc.theme;
    credentials(doc, b);
    // What actually happened, beside the verdict: before the findings that explain it.
    super::evidence::section(doc, b, window);
    doc.heading(format!("Findings ({})", b.findings.len()));
    if b.findings.is_empty() {
        doc.line(vec![Span::styled("  ✓ nothing found", t.ok())]);
    }
    for (i, f) in b.findings.iter().enumerate() {
        doc.finding(f, i == selected);
    }

    doc.heading("ServiceAccount");
    let created = match &b.service_account_created {
        Some(at) => match time::age_between(Some(at), now) {
            Some(age) => format!("{at} ({} ago)", time::age(age)),
            None => at.clone(),
        },
        None => "unknown".into(),
    };
    let width = b
        .annotations
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(if b.annotations.is_empty() { 11 } else { 7 });
    doc.field(2, "name", width, vec![Span::raw(b.key())]);
    doc.field(2, "created", width, vec![Span::raw(created)]);
    if b.annotations.is_empty() {
        doc.field(2, "annotations", width, vec![Span::styled("none", t.dim())]);
    }
    for (k, v) in b.annotations.iter() {
        doc.field(2, k, width, vec![Span::raw(v.to_owned())]);
    }

    doc.heading("Role");
    match &b.role_arn {
        Some(arn) => doc.line(vec![Span::raw(format!("  {arn}"))]),
        None => doc.line(vec![Span::styled("  no role", t.dim())]),
    }

    if let Some(trust) = &b.trust {
        trust_policy(doc, trust);
        trace(doc, trust);
    }

    super::can::permissions(doc, b.permissions.as_deref());

    doc.heading(format!("Pods ({})", pods.len()));
    pod_table(doc, pods, pod);
    if let Some(p) = pods.get(pod) {
        pod_evidence(doc, b, p, pods.len() > 1);
    }

    doc.heading("Pod Identity association");
    match &b.pod_identity_association {
        Some(a) => {
            doc.field(2, "role", 14, vec![Span::raw(a.role_arn.clone())]);
            doc.field(
                2,
                "association id",
                14,
                vec![Span::raw(a.association_id.clone().unwrap_or("?".into()))],
            );
        }
        None => doc.line(vec![Span::styled("  none", t.dim())]),
    }
}

/// Which lines of a pretty-printed policy hold each statement: `(first, last)`.
fn statement_lines(lines: &[&str]) -> Vec<(usize, usize)> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("\"Statement\""))
    else {
        return Vec::new();
    };
    let base = indent(lines[start]);
    let close = |from: usize, at: usize| {
        (from..lines.len())
            .find(|&j| indent(lines[j]) == at && lines[j].trim_start().starts_with('}'))
    };
    if lines[start].trim_end().ends_with('{') {
        return close(start + 1, base)
            .map(|end| vec![(start, end)])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let mut j = start + 1;
    while j < lines.len() {
        let l = lines[j];
        if indent(l) <= base && l.trim_start().starts_with(']') {
            break;
        }
        if indent(l) == base + 2
            && l.trim_start().starts_with('{')
            && let Some(end) = close(j + 1, base + 2)
        {
            out.push((j, end));
            j = end;
        }
        j += 1;
    }
    out
}

/// The lines of a statement naming a failing condition: under the condition's operator,
/// the line with its key.
fn failing_lines(lines: &[&str], (first, last): (usize, usize), s: &StatementTrace) -> Vec<usize> {
    let failing: Vec<&ConditionTrace> = s.failing_conditions().map(|(_, c)| c).collect();
    let mut out = Vec::new();
    let mut operator = "";
    for (i, l) in lines.iter().enumerate().take(last + 1).skip(first) {
        let trimmed = l.trim();
        if trimmed.ends_with('{')
            && let Some(name) = trimmed.strip_prefix('"').and_then(|x| x.split('"').next())
        {
            operator = name;
        }
        if failing
            .iter()
            .any(|c| c.operator == operator && trimmed.starts_with(&format!("\"{}\"", c.key)))
        {
            out.push(i);
        }
    }
    out
}

fn trust_policy(doc: &mut Doc, trust: &TrustView) {
    let t = doc.theme;
    let verdict = match (trust.decision, trust.statement) {
        (Decision::Allow, Some(i)) => format!("allows: Statement[{i}] decides"),
        (Decision::Allow, None) => "allows".into(),
        (Decision::Deny, Some(i)) => format!("denies: the Deny in Statement[{i}] decides"),
        (Decision::Deny, None) => "denies: no statement allows this token".into(),
    };
    doc.heading(format!("Trust policy ({verdict})"));
    let lines: Vec<&str> = trust.policy.lines().collect();
    let ranges = statement_lines(&lines);
    let deciding = trust.statement.and_then(|i| ranges.get(i).copied());
    let mut failing: Vec<usize> = Vec::new();
    for (s, range) in trust.trace.iter().zip(&ranges) {
        failing.extend(failing_lines(&lines, *range, s));
    }
    for (i, l) in lines.iter().enumerate() {
        let in_deciding = deciding.is_some_and(|(a, z)| (a..=z).contains(&i));
        let (gutter, style) = if failing.contains(&i) {
            ("✗ ", t.tri(Tri::False))
        } else if in_deciding {
            ("▌ ", t.deciding())
        } else {
            ("  ", Style::new())
        };
        let json_indent = l.len() - l.trim_start().len();
        doc.line_hanging(
            vec![
                Span::styled(format!("  {gutter}"), style),
                Span::styled((*l).to_owned(), style),
            ],
            Some(4 + json_indent + 2),
        );
    }
    let mut legend = Vec::new();
    if deciding.is_some() {
        legend.push(Span::styled("    ▌ the deciding statement", t.deciding()));
    }
    if !failing.is_empty() {
        legend.push(Span::styled(
            "    ✗ a condition that fails for this token",
            t.tri(Tri::False),
        ));
    }
    if !legend.is_empty() {
        doc.line(legend);
    }
}

fn quoted(values: &[String]) -> String {
    match values {
        [one] => format!("{one:?}"),
        many => format!("{many:?}"),
    }
}

fn actual_text(c: &ConditionTrace) -> String {
    match (&c.actual, c.key_present) {
        (Some(Actual::One(v)), _) => format!("{v:?}"),
        (Some(Actual::Many(v)), _) => format!("{v:?}"),
        (None, Some(false)) => "(absent: the token does not carry this key)".into(),
        (None, _) => "(unknown until STS is called)".into(),
    }
}

fn part(doc: &mut Doc, name: &str, p: &PartTrace) {
    let t = doc.theme;
    doc.line(vec![
        Span::styled(format!("    {} ", tri_symbol(p.result)), t.tri(p.result)),
        Span::styled(format!("{name:<10} "), t.dim()),
        Span::raw(p.detail.clone()),
    ]);
}

fn trace(doc: &mut Doc, trust: &TrustView) {
    let t = doc.theme;
    doc.heading("Evaluation trace (expected vs the token's claim)");
    for s in &trust.trace {
        let verdict = match s.result {
            Tri::True if trust.statement == Some(s.index) => "applies (decides)",
            Tri::True => "applies",
            Tri::False => "does not apply",
            Tri::Unknown => "cannot be evaluated",
        };
        let sid = s
            .sid
            .as_deref()
            .map(|x| format!(" {x:?}"))
            .unwrap_or_default();
        doc.line(vec![
            Span::styled(format!("  {} ", tri_symbol(s.result)), t.tri(s.result)),
            Span::styled(
                format!("Statement[{}] {}{sid}", s.index, s.effect),
                t.bold(),
            ),
            Span::raw(format!(": {verdict}")),
        ]);
        part(doc, "Action", &s.action);
        part(doc, "Principal", &s.principal);
        for c in &s.conditions {
            doc.line(vec![
                Span::styled(format!("    {} ", tri_symbol(c.result)), t.tri(c.result)),
                Span::raw(format!("{} {}", c.operator, c.key)),
            ]);
            doc.field(8, "expected", 8, vec![Span::raw(quoted(&c.expected))]);
            let actual_style = if c.result == Tri::False {
                t.tri(Tri::False)
            } else {
                Style::new()
            };
            doc.field(
                8,
                "token",
                8,
                vec![Span::styled(actual_text(c), actual_style)],
            );
        }
        for p in &s.problems {
            doc.line(vec![
                Span::styled("    ? ", t.tri(Tri::Unknown)),
                Span::raw(p.clone()),
            ]);
        }
    }
}

/// What the selected pod carries: the evidence `kubectl get pod -o yaml` and `kubectl exec
/// … env` collect.
fn pod_evidence(doc: &mut Doc, b: &Binding, p: &PodRow, more: bool) {
    let t = doc.theme;
    let e = &p.evidence;
    let hint = if more {
        " (p/P: next/previous pod)"
    } else {
        ""
    };
    doc.heading(format!("Pod {}{hint}", esc(&p.name)));
    const W: usize = 12;
    let (mark, style) = t.flag(Some(p.injected));
    let injected = match (p.injected, e.pod_identity, &e.token) {
        (true, true, _) => "EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI)".to_owned(),
        (true, false, Some(_)) => {
            "IRSA (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the projected token)".to_owned()
        }
        (true, false, None) => "IRSA (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE)".to_owned(),
        (false, _, _) if e.pod_identity || e.token.is_some() => {
            "with the other mechanism than this binding's".to_owned()
        }
        (false, _, _) => {
            "no: no AWS_ROLE_ARN, no token; the SDK falls back to the node role".to_owned()
        }
    };
    doc.field(
        2,
        "injected",
        W,
        vec![Span::styled(format!("{mark} "), style), Span::raw(injected)],
    );
    let annotation = b.annotations.get(crate::inventory::ANNOTATION_ROLE_ARN);
    let role = match &e.role_arn {
        PodRoleArn::Annotation => vec![
            Span::raw(esc(annotation.unwrap_or_default()).into_owned()),
            Span::styled(" (the ServiceAccount's annotation)", t.dim()),
        ],
        PodRoleArn::Other(arn) => {
            let mut spans = vec![
                Span::raw(esc(arn).into_owned()),
                Span::styled(" ✗ ", t.tri(Tri::False)),
            ];
            spans.push(Span::styled(
                match annotation {
                    Some(a) => format!(
                        "not the annotation ({}): injected before it changed, restart",
                        esc(a)
                    ),
                    None => "set, but the ServiceAccount has no annotation".to_owned(),
                },
                t.tri(Tri::False),
            ));
            spans
        }
        PodRoleArn::None if e.pod_identity => vec![Span::styled(
            "not set (Pod Identity: the association's role)",
            t.dim(),
        )],
        PodRoleArn::None => vec![Span::styled("not set", t.dim())],
    };
    doc.field(2, "AWS_ROLE_ARN", W, role);
    let token = match &e.token {
        Some((audience, expiry)) => {
            let aud = audience
                .as_deref()
                .map_or("none (the API server's)".to_owned(), |a| {
                    format!("{:?}", esc(a))
                });
            let exp = expiry.map_or("the default".to_owned(), |s| {
                format!("{s} s ({})", time::age(s))
            });
            vec![Span::raw(format!(
                "audience {aud}, lifetime {exp}, renewed by the kubelet"
            ))]
        }
        None => vec![Span::styled("no projected IRSA token", t.dim())],
    };
    doc.field(2, "token", W, token);
    if let Some(v) = &e.sts_regional_endpoints {
        doc.field(
            2,
            "STS endpoint",
            W,
            vec![Span::raw(format!("AWS_STS_REGIONAL_ENDPOINTS={}", esc(v)))],
        );
    }
    let node = if p.node.is_empty() {
        vec![Span::styled("not scheduled", t.dim())]
    } else {
        vec![Span::raw(esc(&p.node).into_owned())]
    };
    doc.field(2, "node", W, node);
    let node_role = match &e.node_role {
        Some(r) => vec![Span::raw(esc(r).into_owned())],
        None => vec![Span::styled("unknown", t.dim())],
    };
    doc.field(2, "node role", W, node_role);
    if let Some(phase) = &e.phase {
        doc.field(2, "phase", W, vec![Span::raw(esc(phase).into_owned())]);
    }
}

fn pod_table(doc: &mut Doc, pods: &[PodRow], selected: usize) {
    let t = doc.theme;
    if pods.is_empty() {
        doc.line(vec![Span::styled("  no pods", t.dim())]);
        return;
    }
    let name_w = pods
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let owner_w = pods
        .iter()
        .map(|p| p.owner.as_deref().map_or(1, |o| o.chars().count()))
        .max()
        .unwrap_or(0)
        .max(5);
    // The node last: a narrow page cuts its domain rather than wrapping the row.
    doc.row(vec![Span::styled(
        format!(
            "  {:<name_w$}  INJECTED  STALE  AGE   {:<owner_w$}  NODE",
            "NAME", "OWNER"
        ),
        t.bold(),
    )]);
    for (i, p) in pods.iter().enumerate() {
        let (inj, inj_style) = t.flag(Some(p.injected));
        // Stale means injected with another role: a pod never injected is neither.
        let (stale, stale_style) = if p.stale {
            ("yes", t.tri(Tri::False))
        } else if p.injected {
            ("no", t.dim())
        } else {
            ("-", t.dim())
        };
        let gutter = if i == selected && pods.len() > 1 {
            "▶ "
        } else {
            "  "
        };
        doc.row(vec![
            Span::raw(format!("{gutter}{:<name_w$}  ", p.name)),
            Span::styled(format!("{inj:<8}"), inj_style),
            Span::raw("  "),
            Span::styled(format!("{stale:<5}"), stale_style),
            Span::raw(format!(
                "  {:<4}  {:<owner_w$}  {}",
                p.age.map_or("-".into(), time::age),
                p.owner.as_deref().unwrap_or("-"),
                p.node
            )),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statement_lines_in_a_pretty_policy() {
        let policy = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Condition": {
        "StringEquals": {
          "p:sub": "a"
        }
      }
    },
    {
      "Effect": "Deny"
    }
  ]
}"#;
        let lines: Vec<&str> = policy.lines().collect();
        assert_eq!(statement_lines(&lines), [(3, 10), (11, 13)]);
        let single = "{\n  \"Statement\": {\n    \"Effect\": \"Allow\"\n  }\n}";
        let lines: Vec<&str> = single.lines().collect();
        assert_eq!(statement_lines(&lines), [(1, 3)]);
    }
}
