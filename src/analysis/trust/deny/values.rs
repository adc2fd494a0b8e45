//! What the causes share: matching and correcting condition values, and naming statements
//! in titles and evidence.

use serde_json::Value;

use crate::policy::{
    BaseOperator, Condition, ConditionTrace, Operator, PolicyDocument, StatementTrace, glob_match,
};

use super::super::fix::Edit;
use crate::analysis::finding::Finding;

/// Whether `actual` matches `pattern` under the operator's comparison (negation aside).
pub(super) fn matches_value(op: Operator, pattern: &str, actual: &str) -> bool {
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
pub(super) fn corrected_values(values: &[String], right: &str, wrong: &str) -> Vec<String> {
    if values.len() == 1 {
        vec![right.to_owned()]
    } else {
        let mut out: Vec<String> = values.iter().filter(|v| *v != wrong).cloned().collect();
        out.push(right.to_owned());
        out
    }
}

/// Sets the condition's values, or removes the key from its operator when none remain.
pub(super) fn set_or_remove(
    statement: usize,
    condition: &Condition,
    key: &str,
    values: Vec<String>,
) -> Edit {
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

/// The evidence every condition cause starts with: which statement, operator and key.
pub(super) fn condition_evidence(f: Finding, statement: usize, condition: &Condition) -> Finding {
    f.evidence("statement", statement)
        .evidence("operator", condition.operator_text.clone())
        .evidence("key", condition.key.clone())
}

/// `statement N` or `statement N (Sid)`.
pub(super) fn statement_label(trace: &StatementTrace) -> String {
    match &trace.sid {
        Some(sid) if !sid.is_empty() => format!("statement {} ({sid})", trace.index),
        _ => format!("statement {}", trace.index),
    }
}

pub(super) fn statement_json(doc: &PolicyDocument, index: usize) -> Value {
    match doc.json.get("Statement") {
        Some(Value::Array(items)) => items.get(index).cloned().unwrap_or(Value::Null),
        Some(single) if index == 0 => single.clone(),
        _ => Value::Null,
    }
}

pub(super) fn conditions_evidence(conditions: &[ConditionTrace]) -> Value {
    serde_json::to_value(conditions).unwrap_or(Value::Null)
}
