//! Why a ServiceAccount's token is denied: the most specific causes, taken from the
//! statement that came closest to allowing it (IRSA201–IRSA210).

use serde_json::{Value, json};

use crate::analysis::finding::{Code, Explanation, Finding};
use crate::policy::{
    BaseOperator, Condition, ConditionTrace, Effect, Evaluation, Operator, PolicyDocument,
    PrincipalType, Statement, StatementTrace, Tri, WEB_IDENTITY_ACTION, edit_distance, glob_match,
    has_wildcard,
};

use super::fix::Edit;
use super::{Cause, Subject};
use crate::arn::ProviderArn;

/// `irsa-tui explain` entries of the codes raised here.
pub const EXPLAIN: &[Explanation] = &[
    Explanation {
        code: Code::IRSA201,
        why: "IRSA calls sts:AssumeRoleWithWebIdentity as the cluster OIDC provider (a Federated principal). A trust policy that only trusts a Service (such as ec2.amazonaws.com) or only allows sts:AssumeRole refuses it.",
        fix: "Add the statement irsa-tui prints: Federated = the cluster provider ARN, Action sts:AssumeRoleWithWebIdentity, sub and aud conditions.",
    },
    Explanation {
        code: Code::IRSA202,
        why: "The Federated principal names another OIDC provider: typically the issuer id of a cluster that was re-created, or a provider in another account. STS accepts the token only for the provider the policy names.",
        fix: "Replace the principal with this cluster provider ARN (and the condition key prefixes with it).",
    },
    Explanation {
        code: Code::IRSA203,
        why: "The sub condition names another namespace for this ServiceAccount name (a workload moved, or a policy copied from another environment). The token sub is system:serviceaccount:NAMESPACE:NAME.",
        fix: "Correct the namespace in the sub condition.",
    },
    Explanation {
        code: Code::IRSA204,
        why: "The sub condition names another ServiceAccount in this namespace (a typo, or a renamed ServiceAccount).",
        fix: "Correct the ServiceAccount name in the sub condition.",
    },
    Explanation {
        code: Code::IRSA205,
        why: "Condition keys are the issuer without https://, no trailing slash, followed by :sub or :aud. A different prefix names a key the request never carries, so the condition never holds.",
        fix: "Rename the key to PROVIDER:sub / PROVIDER:aud with this cluster provider.",
    },
    Explanation {
        code: Code::IRSA206,
        why: "The aud condition does not accept the token audience (sts.amazonaws.com unless annotated otherwise). A common mistake is to put the issuer URL there.",
        fix: "Set the aud condition to the token audience.",
    },
    Explanation {
        code: Code::IRSA207,
        why: "StringEquals (and the other exact operators) treat * and ? as ordinary characters: system:serviceaccount:ns:* matches only that literal text.",
        fix: "Use the exact sub value, or StringLike when a pattern is really intended.",
    },
    Explanation {
        code: Code::IRSA208,
        why: "An explicit Deny statement of the trust policy matches this token; Deny always wins over Allow.",
        fix: "Remove the Deny statement or narrow its conditions so they exclude this ServiceAccount.",
    },
    Explanation {
        code: Code::IRSA209,
        why: "The trust policy cannot be parsed, or uses an element or operator irsa-tui does not evaluate, or its decision depends on a value only known when STS is called. irsa-tui never guesses allow.",
        fix: "Rewrite the statement with supported elements; irsa-tui prints a reference trust policy for the ServiceAccount.",
    },
    Explanation {
        code: Code::IRSA210,
        why: "A condition of the statement closest to allowing can never hold for an IRSA token: it tests a key AssumeRoleWithWebIdentity never carries (such as aws:PrincipalTag/...) or a value the token cannot have.",
        fix: "Remove the condition, or express the restriction with the token sub and aud.",
    },
];

/// IRSA208: an explicit Deny applies to the token.
pub(super) fn explicit_deny(
    doc: &PolicyDocument,
    eval: &Evaluation,
    index: usize,
    subject: &Subject,
) -> Cause {
    let trace = &eval.statements[index];
    let statement_json = statement_json(doc, index);
    let finding = Finding::new(
        Code::IRSA208,
        format!(
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

/// IRSA209: the decision depends on something the engine does not support.
pub(super) fn undetermined(reasons: &[String], subject: &Subject) -> Cause {
    let finding = Finding::new(
        Code::IRSA209,
        format!(
            "The trust policy of {} uses elements irsa-tui cannot evaluate for {}",
            subject.role_label(),
            subject.name()
        ),
        format!(
            "{}. irsa-tui never guesses \"allow\": rewrite the statement with the supported elements shown in the fix.",
            reasons.first().map(String::as_str).unwrap_or("the policy could not be evaluated")
        ),
    )
    .evidence("reasons", reasons.to_vec());
    Cause::new(finding, Vec::new())
}

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
        return vec![no_web_identity_statement(doc, eval, subject)];
    };
    let statement = &doc.statements[index];
    let trace = &eval.statements[index];
    let mut causes = Vec::new();
    if !rank.1 {
        causes.push(action_cause(statement, trace, subject));
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
        causes.push(no_web_identity_statement(doc, eval, subject));
    }
    causes
}

/// IRSA201 when no Allow statement even names a Federated principal for web identity.
fn no_web_identity_statement(doc: &PolicyDocument, eval: &Evaluation, subject: &Subject) -> Cause {
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
    let finding = Finding::new(
        Code::IRSA201,
        format!(
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

/// IRSA201: the closest statement does not cover the web identity action.
fn action_cause(statement: &Statement, trace: &StatementTrace, subject: &Subject) -> Cause {
    let written = statement
        .action
        .as_ref()
        .map(|a| a.patterns.clone())
        .unwrap_or_default();
    let finding = Finding::new(
        Code::IRSA201,
        format!(
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

/// IRSA202: the Federated principal is another OIDC provider.
fn provider_cause(statement: &Statement, trace: &StatementTrace, subject: &Subject) -> Cause {
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
    let finding = Finding::new(
        Code::IRSA202,
        format!(
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

fn matches_value(op: Operator, pattern: &str, actual: &str) -> bool {
    use BaseOperator::*;
    match op.base {
        StringLike | StringNotLike => glob_match(pattern, actual, false),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            pattern.to_lowercase() == actual.to_lowercase()
        }
        _ => pattern == actual,
    }
}

/// The corrected values: a lone value is replaced, a list gets the right value added.
fn corrected_values(values: &[String], right: &str, wrong: &str) -> Vec<String> {
    if values.len() == 1 {
        vec![right.to_owned()]
    } else {
        let mut out: Vec<String> = values.iter().filter(|v| *v != wrong).cloned().collect();
        out.push(right.to_owned());
        out
    }
}

/// Sets the condition's values, or removes the key from its operator when none remain.
fn set_or_remove(statement: usize, condition: &Condition, key: &str, values: Vec<String>) -> Edit {
    let operator = condition.operator_text.clone();
    let key = key.to_owned();
    if values.is_empty() {
        Edit::RemoveKey {
            statement,
            operator: Some(operator),
            key,
        }
    } else {
        Edit::SetValues {
            statement,
            operator,
            key,
            values,
        }
    }
}

/// IRSA207: an exact operator with a wildcard that, as a pattern, would have matched.
fn wildcard_cause(
    statement: usize,
    condition: &Condition,
    op: Operator,
    key: &str,
    actual: &str,
    claim: &str,
    subject: &Subject,
) -> Option<Cause> {
    if !op.base.is_exact_string() || op.base.is_negated() {
        return None;
    }
    let ignore_case = op.base == BaseOperator::StringEqualsIgnoreCase;
    let value = condition
        .values
        .iter()
        .find(|v| has_wildcard(v) && glob_match(v, actual, ignore_case))?;
    let finding = Finding::new(
        Code::IRSA207,
        format!(
            "{} compares the token's {claim} with {value:?} literally in the trust policy of {}",
            condition.operator_text,
            subject.role_label()
        ),
        format!(
            "{} treats '*' and '?' as ordinary characters, so {value:?} only matches that exact text and never {actual:?}. Use the exact value (as in the fix), or StringLike if a pattern is really meant.",
            condition.operator_text
        ),
    )
    .evidence("statement", statement)
    .evidence("operator", condition.operator_text.clone())
    .evidence("key", condition.key.clone())
    .evidence("value", value.clone())
    .evidence("token_claim", actual);
    let values = corrected_values(&condition.values, actual, value);
    Some(Cause::new(
        finding,
        vec![Edit::SetValues {
            statement,
            operator: condition.operator_text.clone(),
            key: key.to_owned(),
            values,
        }],
    ))
}

/// The `sub` condition does not accept `system:serviceaccount:<ns>:<sa>`.
fn sub_causes(
    statement: usize,
    condition: &Condition,
    op: Operator,
    key: &str,
    subject: &Subject,
) -> Vec<Cause> {
    let actual = subject.sub();
    if let Some(c) = wildcard_cause(statement, condition, op, key, &actual, "sub", subject) {
        return vec![c];
    }
    let base_evidence = |f: Finding| {
        f.evidence("statement", statement)
            .evidence("operator", condition.operator_text.clone())
            .evidence("key", condition.key.clone())
            .evidence("values", condition.values.clone())
            .evidence("token_sub", actual.clone())
    };
    if op.base.is_negated() {
        let excluded: Vec<String> = condition
            .values
            .iter()
            .filter(|v| matches_value(op, v, &actual))
            .cloned()
            .collect();
        let finding = base_evidence(Finding::new(
            Code::IRSA204,
            format!(
                "The trust policy of {} excludes ServiceAccount {}",
                subject.role_label(),
                subject.name()
            ),
            format!(
                "{} on the sub claim lists {excluded:?}, which matches {actual}, so the condition rejects this ServiceAccount.",
                condition.operator_text
            ),
        ));
        let remaining: Vec<String> = condition
            .values
            .iter()
            .filter(|v| !excluded.contains(v))
            .cloned()
            .collect();
        let edit = set_or_remove(statement, condition, key, remaining);
        return vec![Cause::new(finding, vec![edit])];
    }

    // Split each value into namespace and name parts and compare them separately.
    let (ns, sa) = (subject.namespace.as_str(), subject.service_account.as_str());
    let parts: Vec<(&String, Option<(&str, &str)>)> = condition
        .values
        .iter()
        .map(|v| {
            let split = v
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.split_once(':'));
            (v, split)
        })
        .collect();
    let ns_ok = |p: &str| matches_value(op, p, ns);
    let sa_ok = |p: &str| matches_value(op, p, sa);
    let closest = parts
        .iter()
        .min_by_key(|(v, split)| {
            let fits = split.map_or(0, |(n, s)| usize::from(ns_ok(n)) + usize::from(sa_ok(s)));
            (std::cmp::Reverse(fits), edit_distance(v, &actual))
        })
        .map(|(v, split)| ((*v).clone(), *split));
    let Some((closest_value, split)) = closest else {
        return Vec::new();
    };
    let edit = Edit::SetValues {
        statement,
        operator: condition.operator_text.clone(),
        key: key.to_owned(),
        values: corrected_values(&condition.values, &actual, &closest_value),
    };
    let ranked = |pick: &dyn Fn(&(&str, &str)) -> Option<String>, target: &str| -> Vec<String> {
        let mut names: Vec<String> = parts
            .iter()
            .filter_map(|(_, s)| s.as_ref().and_then(pick))
            .collect();
        names.sort_by_key(|n| (edit_distance(n, target), n.clone()));
        names.dedup();
        names.truncate(3);
        names
    };
    let mut causes = Vec::new();
    let (wrong_ns, wrong_sa) = match split {
        Some((n, s)) => (!ns_ok(n), !sa_ok(s)),
        None => (false, true),
    };
    if wrong_ns {
        let named = ranked(&|(n, s)| sa_ok(s).then(|| n.to_string()), ns);
        let named = if named.is_empty() {
            ranked(&|(n, _)| Some(n.to_string()), ns)
        } else {
            named
        };
        let finding = base_evidence(Finding::new(
            Code::IRSA203,
            format!(
                "The trust policy of {} names namespace {:?}, not {ns:?}, for ServiceAccount {sa}",
                subject.role_label(),
                named.first().cloned().unwrap_or_default()
            ),
            format!(
                "The sub condition accepts {closest_value:?} but the token of {} says {actual:?}: the namespace differs. Typical after moving a workload to another namespace or copying a policy from another environment.",
                subject.name()
            ),
        ))
        .evidence("expected_namespace", ns)
        .evidence("namespaces_in_policy", named);
        causes.push(Cause::new(finding, vec![edit.clone()]));
    }
    if wrong_sa {
        let named = ranked(&|(n, s)| ns_ok(n).then(|| s.to_string()), sa);
        let named = if named.is_empty() {
            ranked(&|(_, s)| Some(s.to_string()), sa)
        } else {
            named
        };
        let malformed = split.is_none();
        let title = if malformed {
            format!(
                "The sub condition of the trust policy of {} is not a ServiceAccount subject",
                subject.role_label()
            )
        } else {
            format!(
                "The trust policy of {} names ServiceAccount {:?}, not {sa:?}, in namespace {ns}",
                subject.role_label(),
                named.first().cloned().unwrap_or_default()
            )
        };
        let detail = if malformed {
            format!(
                "The sub condition accepts {closest_value:?}, but a ServiceAccount token's sub is system:serviceaccount:<namespace>:<name>; for {} it is {actual:?}.",
                subject.name()
            )
        } else {
            format!(
                "The sub condition accepts {closest_value:?} but the token of {} says {actual:?}: the ServiceAccount name differs (closest names in the policy: {}).",
                subject.name(),
                named.join(", ")
            )
        };
        let finding = base_evidence(Finding::new(Code::IRSA204, title, detail))
            .evidence("expected_service_account", sa)
            .evidence("closest_names", named);
        causes.push(Cause::new(finding, vec![edit]));
    }
    causes
}

/// The `aud` condition does not accept the token audience.
fn aud_causes(
    statement: usize,
    condition: &Condition,
    op: Operator,
    key: &str,
    subject: &Subject,
) -> Vec<Cause> {
    let actual = subject.audience.as_str();
    if let Some(c) = wildcard_cause(statement, condition, op, key, actual, "aud", subject) {
        return vec![c];
    }
    let looks_like_issuer = condition
        .values
        .iter()
        .any(|v| v.starts_with("https://") || v.contains("oidc.eks."));
    let hint = if looks_like_issuer {
        " The policy lists the issuer URL, a common mistake: the audience of an IRSA token is sts.amazonaws.com."
    } else {
        ""
    };
    let values = if op.base.is_negated() {
        condition
            .values
            .iter()
            .filter(|v| !matches_value(op, v, actual))
            .cloned()
            .collect()
    } else {
        let wrong = condition.values.first().cloned().unwrap_or_default();
        corrected_values(&condition.values, actual, &wrong)
    };
    let edit = set_or_remove(statement, condition, key, values);
    let finding = Finding::new(
        Code::IRSA206,
        format!(
            "The trust policy of {} does not accept the token audience {actual:?}",
            subject.role_label()
        ),
        format!(
            "{} on the aud claim accepts {:?}, but the token of {} carries aud {actual:?}.{hint}",
            condition.operator_text,
            condition.values,
            subject.name()
        ),
    )
    .evidence("statement", statement)
    .evidence("operator", condition.operator_text.clone())
    .evidence("key", condition.key.clone())
    .evidence("values", condition.values.clone())
    .evidence("token_aud", actual);
    vec![Cause::new(finding, vec![edit])]
}

/// IRSA205: the key's provider prefix is not this cluster's, so the key is never present.
fn prefix_cause(
    statement: usize,
    condition: &Condition,
    prefix: &str,
    fixed_key: &str,
    subject: &Subject,
) -> Cause {
    let ours = &subject.issuer.provider;
    let problem = if prefix
        .strip_prefix("https://")
        .or_else(|| prefix.strip_prefix("http://"))
        .is_some_and(|p| p.trim_end_matches('/').eq_ignore_ascii_case(ours))
    {
        "the prefix keeps the https:// scheme; condition keys use the issuer without it".to_owned()
    } else if prefix.trim_end_matches('/').eq_ignore_ascii_case(ours) {
        "the prefix ends with a slash".to_owned()
    } else if prefix.split('/').next() == ours.split('/').next() {
        "the prefix names another issuer id (another or a re-created cluster)".to_owned()
    } else {
        format!(
            "the prefix is not this cluster's provider ({} character edit(s) away)",
            edit_distance(prefix, ours)
        )
    };
    let finding = Finding::new(
        Code::IRSA205,
        format!(
            "Condition key {:?} in the trust policy of {} is not this cluster's provider",
            condition.key,
            subject.role_label()
        ),
        format!(
            "STS names the token's claims {ours}:sub and {ours}:aud. {problem}, so the key {:?} is absent from the request and the {} condition can never hold.",
            condition.key, condition.operator_text
        ),
    )
    .evidence("statement", statement)
    .evidence("operator", condition.operator_text.clone())
    .evidence("key", condition.key.clone())
    .evidence("prefix", prefix)
    .evidence("expected_prefix", ours.clone())
    .evidence("problem", problem);
    Cause::new(
        finding,
        vec![Edit::RenameKey {
            statement,
            operator: condition.operator_text.clone(),
            from: condition.key.clone(),
            to: fixed_key.to_owned(),
        }],
    )
}

/// IRSA210: a condition on a key the request never carries, or one no value can satisfy.
fn never_holds_cause(
    statement: usize,
    condition: &Condition,
    trace: &ConditionTrace,
    subject: &Subject,
) -> Cause {
    let why = match trace.key_present {
        Some(false) => format!(
            "{WEB_IDENTITY_ACTION} with an EKS ServiceAccount token never carries the key {:?}",
            condition.key
        ),
        _ => format!(
            "the request's value {} does not satisfy it",
            serde_json::to_string(&trace.actual).unwrap_or_default()
        ),
    };
    let finding = Finding::new(
        Code::IRSA210,
        format!(
            "Condition {} on {:?} in the trust policy of {} can never hold for {}",
            condition.operator_text,
            condition.key,
            subject.role_label(),
            subject.name()
        ),
        format!("{why}, so the statement never applies to this ServiceAccount's token."),
    )
    .evidence("statement", statement)
    .evidence("operator", condition.operator_text.clone())
    .evidence("key", condition.key.clone())
    .evidence("values", condition.values.clone())
    .evidence(
        "actual",
        serde_json::to_value(&trace.actual).unwrap_or(Value::Null),
    );
    Cause::new(
        finding,
        vec![Edit::RemoveKey {
            statement,
            operator: Some(condition.operator_text.clone()),
            key: condition.key.clone(),
        }],
    )
}

fn statement_label(trace: &StatementTrace) -> String {
    match &trace.sid {
        Some(sid) if !sid.is_empty() => format!("statement {} ({sid})", trace.index),
        _ => format!("statement {}", trace.index),
    }
}

fn statement_json(doc: &PolicyDocument, index: usize) -> Value {
    match doc.json.get("Statement") {
        Some(Value::Array(items)) => items.get(index).cloned().unwrap_or(Value::Null),
        Some(single) if index == 0 => single.clone(),
        _ => Value::Null,
    }
}

pub(super) fn conditions_evidence(conditions: &[ConditionTrace]) -> Value {
    serde_json::to_value(conditions).unwrap_or(Value::Null)
}
