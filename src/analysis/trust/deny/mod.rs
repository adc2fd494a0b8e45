//! Why a ServiceAccount's token is denied: the most specific causes, taken from the
//! statement that came closest to allowing it. This module ranks the statements and sends
//! each failing part to the builder of its cause (IRSA201–IRSA210).

pub(crate) mod condition;
pub(crate) mod principal;
pub(crate) mod sub;
mod values;

use crate::policy::{
    Condition, ConditionTrace, Effect, Evaluation, PolicyDocument, PrincipalType, Statement,
    StatementTrace, Tri,
};

use super::fix::Cause;
use super::subject::Subject;
use condition::{aud_causes, never_holds_cause, prefix_cause};
use principal::{Missing, no_web_identity, provider_cause};
use sub::sub_causes;
use values::matches_value;

pub(crate) use principal::explicit_deny;

/// How a statement's principal relates to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PrincipalFit {
    NotFederated,
    OtherFederated,
    Matches,
}

fn principal_fit(statement: &Statement, trace: &StatementTrace) -> PrincipalFit {
    if trace.principal.result == Tri::True {
        return PrincipalFit::Matches;
    }
    let federated = statement.principal.as_ref().is_some_and(|p| {
        !p.negated
            && p.entries
                .iter()
                .any(|(k, _)| *k == PrincipalType::Federated)
    });
    if federated {
        PrincipalFit::OtherFederated
    } else {
        PrincipalFit::NotFederated
    }
}

/// How close an Allow statement came: names a Federated principal, covers the action,
/// principal fit, fewest failing conditions. Greater is closer.
type Closeness = (bool, bool, PrincipalFit, std::cmp::Reverse<usize>);

/// No statement allows the token: diagnose the closest Allow statement.
pub(super) fn no_allow(doc: &PolicyDocument, eval: &Evaluation, subject: &Subject) -> Vec<Cause> {
    let mut best: Option<(Closeness, usize)> = None;
    for (statement, trace) in doc.statements.iter().zip(&eval.statements) {
        if statement.effect != Effect::Allow {
            continue;
        }
        let fit = principal_fit(statement, trace);
        let rank = (
            fit != PrincipalFit::NotFederated,
            trace.action.result == Tri::True,
            fit,
            std::cmp::Reverse(trace.failing_conditions().count()),
        );
        if best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((rank, statement.index));
        }
    }
    let Some((rank, index)) = best.filter(|(rank, _)| rank.0) else {
        return vec![no_web_identity(Missing::Statement { doc, eval }, subject)];
    };
    let statement = &doc.statements[index];
    let trace = &eval.statements[index];
    let mut causes = Vec::new();
    if !rank.1 {
        causes.push(no_web_identity(
            Missing::Action { statement, trace },
            subject,
        ));
    }
    if rank.2 == PrincipalFit::OtherFederated {
        causes.push(provider_cause(statement, trace, subject));
    }
    for (condition, ctrace) in statement.conditions.iter().zip(&trace.conditions) {
        if ctrace.result == Tri::False {
            causes.extend(condition_causes(index, condition, ctrace, subject));
        }
    }
    if causes.is_empty() {
        // Every part holds but the statement still does not apply (e.g. no Principal).
        causes.push(no_web_identity(Missing::Statement { doc, eval }, subject));
    }
    causes
}

/// Which claim a condition key names, and whether its provider prefix is this cluster's.
enum KeyKind<'a> {
    Sub,
    Aud,
    /// `<prefix>:<claim>` with a provider-looking prefix that is not ours.
    WrongPrefix {
        prefix: &'a str,
        claim: &'a str,
    },
    Other,
}

fn key_kind<'a>(key: &'a str, subject: &Subject) -> KeyKind<'a> {
    let lc = key.to_lowercase();
    if lc == subject.sub_key().to_lowercase() {
        return KeyKind::Sub;
    }
    if lc == subject.aud_key().to_lowercase() {
        return KeyKind::Aud;
    }
    match key.rsplit_once(':') {
        Some((prefix, claim))
            if (claim.eq_ignore_ascii_case("sub") || claim.eq_ignore_ascii_case("aud"))
                && (prefix.contains('.') || prefix.contains('/'))
                && !prefix.eq_ignore_ascii_case(&subject.issuer.provider) =>
        {
            KeyKind::WrongPrefix { prefix, claim }
        }
        _ => KeyKind::Other,
    }
}

fn condition_causes(
    statement: usize,
    condition: &Condition,
    trace: &ConditionTrace,
    subject: &Subject,
) -> Vec<Cause> {
    let Some(op) = condition.operator else {
        return Vec::new();
    };
    match key_kind(&condition.key, subject) {
        KeyKind::Sub if op.base.is_string() => {
            sub_causes(statement, condition, op, &condition.key, subject)
        }
        KeyKind::Aud if op.base.is_string() => {
            aud_causes(statement, condition, op, &condition.key, subject)
        }
        KeyKind::WrongPrefix { prefix, claim } => {
            let claim = claim.to_ascii_lowercase();
            let fixed_key = format!("{}:{claim}", subject.issuer.provider);
            let mut causes = vec![prefix_cause(
                statement, condition, prefix, &fixed_key, subject,
            )];
            // With the prefix corrected, would the values accept the token?
            let actual = if claim == "sub" {
                subject.sub()
            } else {
                subject.audience.clone()
            };
            let accepts = condition
                .values
                .iter()
                .any(|v| matches_value(op, v, &actual))
                != op.base.is_negated();
            if op.base.is_string() && !accepts {
                let more = if claim == "sub" {
                    sub_causes(statement, condition, op, &fixed_key, subject)
                } else {
                    aud_causes(statement, condition, op, &fixed_key, subject)
                };
                causes.extend(more);
            }
            causes
        }
        _ => vec![never_holds_cause(statement, condition, trace, subject)],
    }
}
