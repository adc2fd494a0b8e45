//! Causes in a condition: IRSA205 (another provider's key prefix), IRSA206 (the audience),
//! IRSA207 (a wildcard under an exact operator), IRSA210 (a condition that can never hold).

use serde_json::Value;

use crate::analysis::finding::{Code, Entry, Grade, Severity, Stage};
use crate::policy::{
    BaseOperator, Condition, ConditionTrace, Operator, WEB_IDENTITY_ACTION, edit_distance,
    glob_match, has_wildcard,
};

use super::super::fix::{Cause, Edit};
use super::super::subject::Subject;
use super::values::{condition_evidence, corrected_values, matches_value, set_or_remove};

pub const IRSA205: Entry = Entry {
    code: Code::IRSA205,
    grade: Grade::Is(Severity::Error),
    meaning: "a condition key's provider prefix is not this cluster's provider",
    why: "Condition keys are the issuer without https://, no trailing slash, followed by :sub or :aud. A different prefix names a key the request never carries, so the condition never holds.",
    fix: "Rename the key to PROVIDER:sub / PROVIDER:aud with this cluster provider.",
    stage: Stage::Trust,
};

/// IRSA205: the key's provider prefix is not this cluster's, so the key is never present.
pub(super) fn prefix_cause(
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
    let finding = condition_evidence(
        IRSA205.finding(format!(
            "Condition key {:?} in the trust policy of {} is not this cluster's provider",
            condition.key,
            subject.role_label()
        ),
        format!(
            "STS names the token's claims {ours}:sub and {ours}:aud. {problem}, so the key {:?} is absent from the request and the {} condition can never hold.",
            condition.key, condition.operator_text
        ),
    ),
        statement,
        condition,
    )
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

pub const IRSA206: Entry = Entry {
    code: Code::IRSA206,
    grade: Grade::Is(Severity::Error),
    meaning: "the aud condition does not accept the token audience",
    why: "The aud condition does not accept the token audience (sts.amazonaws.com unless annotated otherwise). A common mistake is to put the issuer URL there.",
    fix: "Set the aud condition to the token audience.",
    stage: Stage::Trust,
};

/// The `aud` condition does not accept the token audience.
pub(super) fn aud_causes(
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
    let finding = condition_evidence(
        IRSA206.finding(format!(
            "The trust policy of {} does not accept the token audience {actual:?}",
            subject.role_label()
        ),
        format!(
            "{} on the aud claim accepts {:?}, but the token of {} carries aud {actual:?}.{hint}",
            condition.operator_text,
            condition.values,
            subject.name()
        ),
    ),
        statement,
        condition,
    )
    .evidence("values", condition.values.to_vec())
    .evidence("token_aud", actual);
    vec![Cause::new(finding, vec![edit])]
}

pub const IRSA207: Entry = Entry {
    code: Code::IRSA207,
    grade: Grade::Is(Severity::Error),
    meaning: "an exact operator carries a wildcard, which matches only literally",
    why: "StringEquals (and the other exact operators) treat * and ? as ordinary characters: system:serviceaccount:ns:* matches only that literal text.",
    fix: "Use the exact sub value, or StringLike when a pattern is really intended.",
    stage: Stage::Trust,
};

/// IRSA207: an exact operator with a wildcard that, as a pattern, would have matched.
pub(super) fn wildcard_cause(
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
    let finding = condition_evidence(
        IRSA207.finding(format!(
            "{} compares the token's {claim} with {value:?} literally in the trust policy of {}",
            condition.operator_text,
            subject.role_label()
        ),
        format!(
            "{} treats '*' and '?' as ordinary characters, so {value:?} only matches that exact text and never {actual:?}. Use the exact value (as in the fix), or StringLike if a pattern is really meant.",
            condition.operator_text
        ),
    ),
        statement,
        condition,
    )
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

pub const IRSA210: Entry = Entry {
    code: Code::IRSA210,
    grade: Grade::Is(Severity::Error),
    meaning: "a condition can never hold for this ServiceAccount's token",
    why: "A condition of the statement closest to allowing can never hold for an IRSA token: it tests a key AssumeRoleWithWebIdentity never carries (such as aws:PrincipalTag/...) or a value the token cannot have.",
    fix: "Remove the condition, or express the restriction with the token sub and aud.",
    stage: Stage::Trust,
};

/// IRSA210: a condition on a key the request never carries, or one no value can satisfy.
pub(super) fn never_holds_cause(
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
    let finding = condition_evidence(
        IRSA210.finding(
            format!(
                "Condition {} on {:?} in the trust policy of {} can never hold for {}",
                condition.operator_text,
                condition.key,
                subject.role_label(),
                subject.name()
            ),
            format!("{why}, so the statement never applies to this ServiceAccount's token."),
        ),
        statement,
        condition,
    )
    .evidence("values", condition.values.to_vec())
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
