//! Corrected trust policies: edits applied to the original JSON so that only the wrong
//! parts change, plus the reference IRSA trust policy and the command that installs it.

use serde_json::{Map, Value, json};

use crate::policy::WEB_IDENTITY_ACTION;

use super::subject::Subject;
use crate::analysis::finding::Finding;
use crate::shell::{self, Kind, Refused};

/// A finding and the edits that remove its cause.
pub struct Cause {
    pub finding: Finding,
    pub edits: Vec<Edit>,
}

impl Cause {
    pub fn new(finding: Finding, edits: Vec<Edit>) -> Self {
        Cause { finding, edits }
    }
}

/// One change to one statement of the original document.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Make the statement's action cover `sts:AssumeRoleWithWebIdentity`.
    AllowWebIdentityAction { statement: usize },
    /// Replace the statement's Federated principal (`from`, or all when `None`) with `to`.
    SetFederated {
        statement: usize,
        from: Option<String>,
        to: String,
    },
    /// Make `{"Federated": to}` the statement's only principal (wildcards and other
    /// principal types go).
    OnlyFederated { statement: usize, to: String },
    /// Rename a condition key under one operator.
    RenameKey {
        statement: usize,
        operator: String,
        from: String,
        to: String,
    },
    /// Set the values of one condition key under one operator (created when missing).
    SetValues {
        statement: usize,
        operator: String,
        key: String,
        values: Vec<String>,
    },
    /// Remove a condition key (matched case-insensitively) from one operator, or from
    /// every operator when `operator` is `None`.
    RemoveKey {
        statement: usize,
        operator: Option<String>,
        key: String,
    },
    /// Replace a statement with the reference IRSA statement, keeping its Sid.
    Replace { statement: usize },
    /// Remove a statement.
    Remove { statement: usize },
    /// Append the reference IRSA statement.
    Append,
}

/// The reference statement for this subject: exactly this ServiceAccount, this audience.
pub fn reference_statement(subject: &Subject) -> Value {
    let provider = &subject.issuer.provider;
    json!({
        "Effect": "Allow",
        "Principal": {"Federated": subject.provider_arn()},
        "Action": WEB_IDENTITY_ACTION,
        "Condition": {
            "StringEquals": {
                format!("{provider}:sub"): subject.sub(),
                format!("{provider}:aud"): subject.audience,
            }
        }
    })
}

pub fn reference_policy(subject: &Subject) -> Value {
    json!({"Version": "2012-10-17", "Statement": [reference_statement(subject)]})
}

/// `aws iam update-assume-role-policy` installing `policy` as the role's trust policy.
pub fn update_trust_command(role_name: &str, policy: &Value) -> Result<String, Refused> {
    let document = serde_json::to_string(policy).unwrap_or_default();
    shell::command(
        "aws iam update-assume-role-policy --role-name {} --policy-document {}",
        &[(Kind::RoleName, role_name), (Kind::Document, &document)],
    )
}

/// `aws iam create-role` with `policy` as its trust policy.
pub fn create_role_command(role_name: &str, policy: &Value) -> Result<String, Refused> {
    let document = serde_json::to_string(policy).unwrap_or_default();
    shell::command(
        "aws iam create-role --role-name {} --assume-role-policy-document {}",
        &[(Kind::RoleName, role_name), (Kind::Document, &document)],
    )
}

/// The shell command that installs `policy` on the subject's role.
pub fn update_command(subject: &Subject, policy: &Value) -> Result<String, Refused> {
    update_trust_command(subject.role_name.as_deref().unwrap_or("ROLE_NAME"), policy)
}

/// The fix lines of a finding: the corrected document, pretty-printed, then the command.
pub fn fix_lines(subject: &Subject, policy: &Value) -> Vec<Result<String, Refused>> {
    vec![
        Ok(serde_json::to_string_pretty(policy).unwrap_or_default()),
        update_command(subject, policy),
    ]
}

/// `doc` with its `Statement` an array (a single statement becomes a one-element array;
/// a document that is not an object becomes an empty policy).
fn statements_array(doc: &Value) -> Value {
    let mut out = doc.clone();
    if let Some(obj) = out.as_object_mut() {
        match obj.get_mut("Statement") {
            Some(Value::Array(_)) => {}
            Some(single) => {
                let one = single.take();
                *single = Value::Array(vec![one]);
            }
            None => {
                obj.insert("Statement".into(), Value::Array(Vec::new()));
            }
        }
    } else {
        out = json!({"Version": "2012-10-17", "Statement": []});
    }
    out
}

/// `doc` with `actions` added to the `Action` of statement `statement` (the others, and
/// the rest of that statement, unchanged).
pub fn add_actions(doc: &Value, statement: usize, actions: &[&str]) -> Value {
    let mut out = statements_array(doc);
    // Edited in place, so the statement's keys keep their order.
    if let Some(action) = statement_mut(&mut out, statement).and_then(|s| s.get_mut("Action")) {
        let mut items = match action.take() {
            Value::Array(items) => items,
            one @ Value::String(_) => vec![one],
            _ => Vec::new(),
        };
        for a in actions {
            if !items.iter().any(|v| v.as_str() == Some(a)) {
                items.push(Value::String((*a).to_owned()));
            }
        }
        *action = Value::Array(items);
    }
    out
}

/// `doc` with `statement` appended.
pub fn append_statement(doc: &Value, statement: Value) -> Value {
    let mut out = statements_array(doc);
    if let Some(Value::Array(list)) = out.get_mut("Statement") {
        list.push(statement);
    }
    out
}

/// Applies `edits` to a copy of `doc`. Statements are addressed by their index in the
/// original document, so removals are done last.
pub fn apply(doc: &Value, edits: &[Edit], subject: &Subject) -> Value {
    // A single-object Statement becomes a one-element array so edits address it uniformly.
    let mut out = statements_array(doc);
    let mut removed = Vec::new();
    let mut appended = false;
    for edit in edits {
        match edit {
            Edit::Remove { statement } => removed.push(*statement),
            Edit::Append => appended = true,
            other => apply_one(&mut out, other, subject),
        }
    }
    if let Some(Value::Array(statements)) = out.get_mut("Statement") {
        removed.sort_unstable();
        removed.dedup();
        for i in removed.into_iter().rev() {
            if i < statements.len() {
                statements.remove(i);
            }
        }
        if appended {
            statements.push(reference_statement(subject));
        }
    }
    out
}

fn statement_mut(doc: &mut Value, index: usize) -> Option<&mut Map<String, Value>> {
    doc.get_mut("Statement")?.get_mut(index)?.as_object_mut()
}

fn apply_one(doc: &mut Value, edit: &Edit, subject: &Subject) {
    match edit {
        Edit::AllowWebIdentityAction { statement } => {
            let Some(s) = statement_mut(doc, *statement) else {
                return;
            };
            let action = s.remove("Action");
            s.remove("NotAction");
            let value = match action {
                Some(Value::Array(mut items)) => {
                    items.push(Value::String(WEB_IDENTITY_ACTION.into()));
                    Value::Array(items)
                }
                _ => Value::String(WEB_IDENTITY_ACTION.into()),
            };
            s.insert("Action".into(), value);
        }
        Edit::SetFederated {
            statement,
            from,
            to,
        } => {
            let Some(s) = statement_mut(doc, *statement) else {
                return;
            };
            s.remove("NotPrincipal");
            let principal = s.entry("Principal").or_insert_with(|| json!({}));
            if !principal.is_object() {
                *principal = json!({});
            }
            let Some(map) = principal.as_object_mut() else {
                return;
            };
            let new = match (map.remove("Federated"), from) {
                (Some(Value::Array(items)), Some(from)) => Value::Array(
                    items
                        .into_iter()
                        .map(|v| {
                            if v.as_str() == Some(from) {
                                Value::String(to.clone())
                            } else {
                                v
                            }
                        })
                        .collect(),
                ),
                _ => Value::String(to.clone()),
            };
            map.insert("Federated".into(), new);
        }
        Edit::OnlyFederated { statement, to } => {
            let Some(s) = statement_mut(doc, *statement) else {
                return;
            };
            s.remove("NotPrincipal");
            s.insert("Principal".into(), json!({ "Federated": to }));
        }
        Edit::RenameKey {
            statement,
            operator,
            from,
            to,
        } => {
            let Some(block) = statement_mut(doc, *statement)
                .and_then(|s| s.get_mut("Condition"))
                .and_then(|c| c.get_mut(operator))
                .and_then(Value::as_object_mut)
            else {
                return;
            };
            if let Some(v) = block.remove(from) {
                block.insert(to.clone(), v);
            }
        }
        Edit::SetValues {
            statement,
            operator,
            key,
            values,
        } => {
            let Some(s) = statement_mut(doc, *statement) else {
                return;
            };
            let cond = s.entry("Condition").or_insert_with(|| json!({}));
            if !cond.is_object() {
                *cond = json!({});
            }
            let Some(cond) = cond.as_object_mut() else {
                return;
            };
            let block = cond.entry(operator.clone()).or_insert_with(|| json!({}));
            let Some(block) = block.as_object_mut() else {
                return;
            };
            let value = match values.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::Array(many.iter().cloned().map(Value::String).collect()),
            };
            block.insert(key.clone(), value);
        }
        Edit::RemoveKey {
            statement,
            operator,
            key,
        } => {
            let Some(cond) = statement_mut(doc, *statement)
                .and_then(|s| s.get_mut("Condition"))
                .and_then(Value::as_object_mut)
            else {
                return;
            };
            let lc = key.to_lowercase();
            for (op, block) in cond.iter_mut() {
                if operator.as_ref().is_some_and(|o| o != op) {
                    continue;
                }
                if let Some(b) = block.as_object_mut() {
                    b.retain(|k, _| k.to_lowercase() != lc);
                }
            }
            cond.retain(|_, b| b.as_object().is_none_or(|b| !b.is_empty()));
        }
        Edit::Replace { statement } => {
            let Some(s) = statement_mut(doc, *statement) else {
                return;
            };
            let sid = s.get("Sid").cloned();
            let mut new = reference_statement(subject);
            if let (Some(sid), Some(obj)) = (sid, new.as_object_mut()) {
                let mut with_sid = Map::new();
                with_sid.insert("Sid".into(), sid);
                with_sid.extend(std::mem::take(obj));
                *obj = with_sid;
            }
            *s = match new {
                Value::Object(m) => m,
                _ => return,
            };
        }
        Edit::Remove { .. } | Edit::Append => {}
    }
}
