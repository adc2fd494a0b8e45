//! One sentence for an answer, in the words AWS uses in its AccessDenied messages where it
//! has them ("no identity-based policy allows the s3:DeleteObject action", "with an
//! explicit deny in a permissions boundary").

use super::{Answer, Matched, Permissions, PolicyKind, Question, Source, Verdict};
use crate::policy::document::Effect;

/// Why the answer is what it is, in one sentence.
pub fn reason(answer: &Answer, question: &Question, permissions: &Permissions) -> String {
    let action = &question.action;
    match answer.decision {
        Verdict::Allowed => {
            let identity: Vec<&Matched> = answer
                .matched
                .iter()
                .filter(|m| m.source != Source::Boundary)
                .collect();
            let mut out = format!("allowed by {}", statements(&identity, permissions));
            let boundary: Vec<&Matched> = answer
                .matched
                .iter()
                .filter(|m| m.source == Source::Boundary)
                .collect();
            if !boundary.is_empty() {
                out.push_str(&format!(
                    ", and the permissions boundary allows it too ({})",
                    boundary_statements(&boundary)
                ));
            }
            out
        }
        Verdict::ExplicitDeny => {
            let first = answer.matched.iter().find(|m| m.effect == Effect::Deny);
            let in_boundary = first.is_some_and(|m| m.source == Source::Boundary);
            let denies: Vec<&Matched> = answer
                .matched
                .iter()
                .filter(|m| (m.source == Source::Boundary) == in_boundary)
                .collect();
            if in_boundary {
                format!(
                    "with an explicit deny in a permissions boundary ({})",
                    boundary_statements(&denies)
                )
            } else {
                format!(
                    "with an explicit deny in an identity-based policy ({})",
                    statements(&denies, permissions)
                )
            }
        }
        Verdict::ImplicitDeny => {
            let identity_allows = answer
                .matched
                .iter()
                .any(|m| m.source != Source::Boundary && m.effect == Effect::Allow);
            if identity_allows && answer.boundary == Some(Verdict::ImplicitDeny) {
                format!("no permissions boundary allows the {action} action")
            } else {
                format!("no identity-based policy allows the {action} action")
            }
        }
        Verdict::Unknown => {
            let mut parts = Vec::new();
            if !answer.missing_context.is_empty() {
                let one = answer.missing_context.len() == 1;
                parts.push(format!(
                    "it depends on {} {}, whose value for this call irsa-tui does not know (give {} with --context KEY=VALUE)",
                    if one { "the context key" } else { "the context keys" },
                    answer.missing_context.join(", "),
                    if one { "it" } else { "them" },
                ));
            }
            for (source, why) in &answer.unreadable {
                parts.push(format!(
                    "{} cannot be evaluated: {why}",
                    describe(*source, permissions)
                ));
            }
            if parts.is_empty() {
                parts.push("it cannot be decided offline".into());
            }
            format!("unknown: {}", parts.join("; "))
        }
    }
}

/// "the managed policy \"s3-read\" (statement 0, Sid \"Read\")" for each, joined.
fn statements(matched: &[&Matched], permissions: &Permissions) -> String {
    let parts: Vec<String> = matched
        .iter()
        .map(|m| format!("{} ({})", describe(m.source, permissions), at(m)))
        .collect();
    if parts.is_empty() {
        "a statement".into()
    } else {
        parts.join(" and ")
    }
}

fn boundary_statements(matched: &[&Matched]) -> String {
    matched.iter().map(|m| at(m)).collect::<Vec<_>>().join(", ")
}

fn at(m: &Matched) -> String {
    match &m.sid {
        Some(sid) => format!("statement {}, Sid {sid:?}", m.statement),
        None => format!("statement {}", m.statement),
    }
}

/// "the inline policy \"x\"", "the managed policy \"y\"", "the permissions boundary \"z\"".
pub fn describe(source: Source, permissions: &Permissions) -> String {
    let policy = match source {
        Source::Identity(i) => permissions.identity.get(i),
        Source::Boundary => permissions.boundary.as_ref(),
    };
    let Some(p) = policy else {
        return "a policy".into();
    };
    let kind = match p.kind {
        PolicyKind::Inline => "the inline policy",
        PolicyKind::Managed => "the managed policy",
        PolicyKind::Boundary => "the permissions boundary",
    };
    format!("{kind} {:?}", p.name)
}
