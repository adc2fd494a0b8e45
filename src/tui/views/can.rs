//! `:can ACTION [RESOURCE]` in a drill-down: the answer for this binding's or node role's
//! role, with the deciding statements as written and the values that name the call marked.

use ratatui::text::Span;

use crate::analysis::Tri;
use crate::analysis::permissions::view::PermissionsView;
use crate::analysis::permissions::{PolicyKind, Verdict};
use crate::text::escape_controls as esc;

use super::super::app::CanQuery;
use super::super::widgets::page::Doc;

fn tri(v: Verdict) -> Tri {
    match v {
        Verdict::Allowed => Tri::True,
        Verdict::ImplicitDeny | Verdict::ExplicitDeny => Tri::False,
        Verdict::Unknown => Tri::Unknown,
    }
}

/// The role's policies, each statement on a line or two: effect, actions, resources,
/// conditions.
pub(super) fn permissions(doc: &mut Doc, view: Option<&PermissionsView>) {
    let t = doc.theme;
    let Some(view) = view else {
        doc.heading("Permissions");
        doc.line(vec![Span::styled(
            "  not known: no role, or a role that does not exist or was not read",
            t.dim(),
        )]);
        return;
    };
    let bounded = view.policies.iter().any(|p| p.kind == PolicyKind::Boundary);
    doc.heading(format!(
        "Permissions ({} {}{})",
        view.policies.len(),
        if view.policies.len() == 1 {
            "policy"
        } else {
            "policies"
        },
        if bounded {
            "; allowed = identity ∩ boundary"
        } else {
            ""
        }
    ));
    if view.policies.is_empty() {
        doc.line(vec![Span::styled(
            "  no policy: every call is AccessDenied",
            t.error(),
        )]);
    }
    for p in &view.policies {
        let version = p
            .default_version
            .as_deref()
            .map(|v| format!(" {}", esc(v)))
            .unwrap_or_default();
        doc.line(vec![
            Span::styled(format!("  {} ", p.kind.words()), t.dim()),
            Span::styled(esc(&p.name).into_owned(), t.bold()),
            Span::styled(version, t.dim()),
        ]);
        if let Some(why) = &p.error {
            doc.line(vec![Span::styled(
                format!("    ? cannot be evaluated: {}", esc(why)),
                t.tri(Tri::Unknown),
            )]);
        }
        for s in &p.statements {
            let sid = s
                .sid
                .as_deref()
                .map(|x| format!(" {}", esc(x)))
                .unwrap_or_default();
            let effect = if s.effect == "Deny" {
                t.error()
            } else {
                t.ok()
            };
            doc.line_hanging(
                vec![
                    Span::styled(format!("    {}{sid} ", s.index), t.dim()),
                    Span::styled(format!("{:<5} ", s.effect), effect),
                    Span::raw(esc(&s.actions).into_owned()),
                    Span::styled("  on  ", t.dim()),
                    Span::raw(esc(&s.resources).into_owned()),
                ],
                Some(12),
            );
            for c in &s.conditions {
                doc.line(vec![Span::styled(
                    format!("          if {}", esc(c)),
                    t.dim(),
                )]);
            }
        }
    }
}

/// The section, when a `:can` question is asked.
pub(super) fn section(doc: &mut Doc, can: Option<&CanQuery>, role_arn: Option<&str>) {
    let Some(q) = can else { return };
    let t = doc.theme;
    doc.heading(format!("Can {} on {}", esc(&q.action), esc(&q.resource)));
    if q.answers.is_none() {
        doc.line(vec![Span::styled("  asking every role…", t.dim())]);
        return;
    }
    let Some(a) = q.answer(role_arn) else {
        doc.line(vec![Span::styled(
            "  no answer: no role, or a role that does not exist or was not read",
            t.dim(),
        )]);
        return;
    };
    let style = t.tri(tri(a.decision));
    doc.line(vec![
        Span::styled(
            format!("  {} ", super::super::theme::tri_symbol(tri(a.decision))),
            style,
        ),
        Span::styled(a.decision.words(), style),
    ]);
    doc.text(4, &esc(&a.reason), t.dim());
    for m in &a.matched {
        let sid = m
            .sid
            .as_deref()
            .map(|s| format!(", Sid {:?}", esc(s)))
            .unwrap_or_default();
        doc.line(vec![Span::raw(format!(
            "    {} {:?}, statement {}{sid}:",
            m.kind.words(),
            esc(&m.policy),
            m.statement
        ))]);
        for (line, hit) in &m.lines {
            let line = esc(line).into_owned();
            if *hit {
                doc.line(vec![
                    Span::styled("    ▶ ", t.key()),
                    Span::styled(line, t.bold()),
                ]);
            } else {
                doc.line(vec![Span::raw(format!("      {line}"))]);
            }
        }
    }
    if a.boundary != "none" {
        doc.field(4, "boundary", 8, vec![Span::raw(a.boundary)]);
    }
    if !a.missing_context.is_empty() {
        doc.field(
            4,
            "needs",
            8,
            vec![Span::styled(
                a.missing_context
                    .iter()
                    .map(|k| esc(k).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.tri(Tri::Unknown),
            )],
        );
    }
    doc.text(
        4,
        "identity side only: SCPs, RCPs, resource-based and session policies are not evaluated",
        t.dim(),
    );
}
