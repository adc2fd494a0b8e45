//! Causes in the statement's principal and action: IRSA201 (nothing allows web identity),
//! IRSA202 (another OIDC provider), IRSA208 (an explicit Deny).

use serde_json::{Value, json};

use crate::analysis::finding::{Code, Entry, Grade, Severity, Stage};
use crate::arn::ProviderArn;
use crate::policy::{
    Evaluation, PolicyDocument, PrincipalType, Statement, StatementTrace, WEB_IDENTITY_ACTION,
    edit_distance,
};

use super::super::fix::{Cause, Edit};
use super::super::subject::Subject;
use super::values::{conditions_evidence, statement_json, statement_label};

pub const IRSA201: Entry = Entry {
    code: Code::IRSA201,
    grade: Grade::Is(Severity::Error),
    meaning: "no statement allows sts:AssumeRoleWithWebIdentity for a Federated principal",
    why: "IRSA calls sts:AssumeRoleWithWebIdentity as the cluster OIDC provider (a Federated principal). A trust policy that only trusts a Service (such as ec2.amazonaws.com) or only allows sts:AssumeRole refuses it.",
    fix: "Add the statement irsa-tui prints: Federated = the cluster provider ARN, Action sts:AssumeRoleWithWebIdentity, sub and aud conditions.",
    stage: Stage::Trust,
};

/// What keeps the web identity request from any Allow statement (IRSA201).
pub(super) enum Missing<'a> {
    /// No Allow statement names a Federated principal for it (or the closest one still
    /// does not apply, e.g. for want of a Principal).
    Statement {
        doc: &'a PolicyDocument,
        eval: &'a Evaluation,
    },
    /// The closest statement trusts a Federated principal but not the action.
    Action {
        statement: &'a Statement,
        trace: &'a StatementTrace,
    },
}

/// IRSA201: no statement allows sts:AssumeRoleWithWebIdentity for a Federated principal.
pub(super) fn no_web_identity(missing: Missing, subject: &Subject) -> Cause {
    match missing {
        Missing::Statement { doc, eval } => {
            let summary: Vec<Value> = eval
                .statements
                .iter()
                .map(|t| {
                    json!({
                        "statement": t.index,
                        "effect": t.effect.to_string(),
                        "action": t.action.detail,
                        "principal": t.principal.detail,
                    })
                })
                .collect();
            let finding = IRSA201.finding(format!(
                    "No statement of the trust policy of {} allows {WEB_IDENTITY_ACTION} for a Federated principal",
                    subject.role_label()
                ),
                format!(
                    "IRSA assumes the role with {WEB_IDENTITY_ACTION} as the cluster's OIDC provider (Federated principal). This trust policy has {} statement(s), none of which allows that (for example it trusts a Service, or allows only sts:AssumeRole). Add the statement shown in the fix.",
                    doc.statements.len()
                ),
            )
            .evidence("expected_principal", json!({"Federated": subject.provider_arn()}))
            .evidence("expected_action", WEB_IDENTITY_ACTION)
            .evidence("statements", summary);
            Cause::new(finding, vec![Edit::Append])
        }
        Missing::Action { statement, trace } => {
            let written = statement
                .action
                .as_ref()
                .map(|a| a.patterns.clone())
                .unwrap_or_default();
            let finding = IRSA201.finding(format!(
                    "{} of the trust policy of {} does not allow {WEB_IDENTITY_ACTION}",
                    statement_label(trace),
                    subject.role_label()
                ),
                format!(
                    "The statement trusts a Federated principal but its action is {written:?}. The SDK in the pod calls {WEB_IDENTITY_ACTION}, which this statement does not cover."
                ),
            )
            .evidence("statement", trace.index)
            .evidence("action", written)
            .evidence("detail", trace.action.detail.clone())
            .evidence("expected_action", WEB_IDENTITY_ACTION);
            Cause::new(
                finding,
                vec![Edit::AllowWebIdentityAction {
                    statement: trace.index,
                }],
            )
        }
    }
}

pub const IRSA202: Entry = Entry {
    code: Code::IRSA202,
    grade: Grade::Is(Severity::Error),
    meaning: "the Federated principal is another OIDC provider than this cluster's",
    why: "The Federated principal names another OIDC provider: typically the issuer id of a cluster that was re-created, or a provider in another account. STS accepts the token only for the provider the policy names.",
    fix: "Replace the principal with this cluster provider ARN (and the condition key prefixes with it).",
    stage: Stage::Trust,
};

/// IRSA202: the Federated principal is another OIDC provider.
pub(super) fn provider_cause(
    statement: &Statement,
    trace: &StatementTrace,
    subject: &Subject,
) -> Cause {
    let federated: Vec<&str> = statement
        .principal
        .iter()
        .flat_map(|p| p.entries.iter())
        .filter(|(k, _)| *k == PrincipalType::Federated)
        .map(|(_, v)| v.as_str())
        .collect();
    let ours = &subject.issuer.provider;
    let closest = federated
        .iter()
        .copied()
        .min_by_key(|v| edit_distance(ProviderArn::parse(v).map_or(v, |a| a.provider), ours))
        .unwrap_or_default();
    let found = ProviderArn::parse(closest);
    let why = match &found {
        None => "it is not an IAM OIDC provider ARN".to_owned(),
        Some(a) if a.provider != ours.as_str() => {
            let same_host = a.provider.split('/').next() == ours.split('/').next();
            if same_host {
                "it names another issuer id of the same region: typically a cluster that was re-created, or another cluster".to_owned()
            } else {
                format!("it names the issuer {}", a.provider)
            }
        }
        Some(a)
            if subject
                .account
                .as_deref()
                .is_some_and(|acc| acc != a.account) =>
        {
            format!(
                "it is in account {}, not the role's account {}",
                a.account,
                subject.account.as_deref().unwrap_or_default()
            )
        }
        Some(a) => format!("its partition {} is not the cluster's", a.partition),
    };
    // Keep the account the policy already uses when the role's account is not known.
    let expected = match (&subject.account, &found) {
        (None, Some(a))
            if a.account.chars().all(|c| c.is_ascii_digit()) && !a.account.is_empty() =>
        {
            subject.issuer.provider_arn(Some(a.account))
        }
        _ => subject.provider_arn(),
    };
    let finding = IRSA202.finding(format!(
            "The trust policy of {} trusts another OIDC provider than this cluster's",
            subject.role_label()
        ),
        format!(
            "{} trusts {closest}, but {}'s token comes from {expected}: {why}. STS only accepts a token for the provider the trust policy names.",
            statement_label(trace),
            subject.name()
        ),
    )
    .evidence("statement", trace.index)
    .evidence("found", federated.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    .evidence("expected", expected.clone())
    .evidence("reason", why);
    Cause::new(
        finding,
        vec![Edit::SetFederated {
            statement: trace.index,
            from: Some(closest.to_owned()),
            to: expected,
        }],
    )
}

pub const IRSA208: Entry = Entry {
    code: Code::IRSA208,
    grade: Grade::Is(Severity::Error),
    meaning: "an explicit Deny statement matches this ServiceAccount's token",
    why: "An explicit Deny statement of the trust policy matches this token; Deny always wins over Allow.",
    fix: "Remove the Deny statement or narrow its conditions so they exclude this ServiceAccount.",
    stage: Stage::Trust,
};

/// IRSA208: an explicit Deny applies to the token.
pub(crate) fn explicit_deny(
    doc: &PolicyDocument,
    eval: &Evaluation,
    index: usize,
    subject: &Subject,
) -> Cause {
    let trace = &eval.statements[index];
    let statement_json = statement_json(doc, index);
    let finding = IRSA208.finding(format!(
            "An explicit Deny ({}) in the trust policy of {} matches {}",
            statement_label(trace),
            subject.role_label(),
            subject.name()
        ),
        format!(
            "Statement {index} denies {WEB_IDENTITY_ACTION} and every one of its conditions holds for this ServiceAccount's token. An explicit Deny overrides any Allow, so the role cannot be assumed. Remove the statement, or narrow its conditions so they exclude {}.",
            subject.sub()
        ),
    )
    .evidence("statement", index)
    .evidence("sid", trace.sid.clone())
    .evidence("deny_statement", statement_json)
    .evidence("conditions", conditions_evidence(&trace.conditions));
    Cause::new(finding, vec![Edit::Remove { statement: index }])
}
