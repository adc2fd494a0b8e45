//! What the dashboard shows of a role's permissions: each policy that shapes them (inline,
//! managed, the boundary) with its statements written compactly — effect, actions,
//! resources, conditions. Built once per role and shared by every binding using it.

use std::sync::Arc;

use super::RoleDocuments;
use crate::policy::identity::PolicyKind;
use crate::policy::{ActionSpec, ResourceSpec, Statement};

/// Every policy of a role, for a drill-down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionsView {
    pub policies: Vec<PolicyView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    pub name: String,
    pub arn: Option<String>,
    pub kind: PolicyKind,
    pub default_version: Option<String>,
    /// Why the document cannot be shown (not read, does not parse).
    pub error: Option<String>,
    pub statements: Vec<StatementView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementView {
    pub index: usize,
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `s3:GetObject, s3:List*`, or `everything but iam:*` for NotAction.
    pub actions: String,
    pub resources: String,
    /// `StringEquals aws:RequestedRegion eu-west-1`, one per key.
    pub conditions: Vec<String>,
}

/// At most this many values of one element are listed.
const LISTED: usize = 8;

fn list(values: &[String]) -> String {
    let mut out = values
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > LISTED {
        out.push_str(&format!(" (+{} more)", values.len() - LISTED));
    }
    out
}

fn actions(a: Option<&ActionSpec>) -> String {
    match a {
        None => "(no Action)".to_owned(),
        Some(a) if a.negated => format!("every action but {}", list(&a.patterns)),
        Some(a) => list(&a.patterns),
    }
}

fn resources(r: Option<&ResourceSpec>) -> String {
    match r {
        None => "(no Resource)".to_owned(),
        Some(r) if r.negated => format!("every resource but {}", list(&r.patterns)),
        Some(r) => list(&r.patterns),
    }
}

fn statement(s: &Statement) -> StatementView {
    StatementView {
        index: s.index,
        sid: s.sid.clone(),
        effect: s.effect.to_string(),
        actions: actions(s.action.as_ref()),
        resources: resources(s.resource.as_ref()),
        conditions: s
            .conditions
            .iter()
            .map(|c| format!("{} {} {}", c.operator_text, c.key, list(&c.values)))
            .collect(),
    }
}

/// The view of one role's documents.
pub fn of(docs: &RoleDocuments) -> Arc<PermissionsView> {
    let policies = docs
        .identity
        .iter()
        .chain(docs.boundary.as_ref())
        .map(|d| {
            let (error, statements) = match d.parsed.as_ref() {
                Ok(doc) => (None, doc.statements.iter().map(statement).collect()),
                Err(why) => (Some(why.clone()), Vec::new()),
            };
            PolicyView {
                name: d.name.to_owned(),
                arn: d.arn.map(str::to_owned),
                kind: d.kind,
                default_version: d.default_version.map(str::to_owned),
                error,
                statements,
            }
        })
        .collect();
    Arc::new(PermissionsView { policies })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test")]

    use super::*;
    use crate::analysis::permissions::Documents;
    use crate::inventory::{InlinePolicy, Inventory, ManagedPolicy, ReadStatus, Role};

    #[test]
    fn each_policy_with_its_statements_compactly() {
        let inv = Inventory {
            roles: vec![Role {
            arn: "arn:aws:iam::111122223333:role/app".into(),
            status: ReadStatus::Ok,
            inline_policies: vec![InlinePolicy {
                name: "read".into(),
                document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}},{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}"#.into(),
            }],
            permissions_boundary: Some("arn:aws:iam::111122223333:policy/boundary".into()),
            ..Default::default()
            }],
            managed_policies: vec![ManagedPolicy {
                arn: "arn:aws:iam::111122223333:policy/boundary".into(),
                name: "boundary".into(),
                default_version: Some("v2".into()),
                document: None,
                error: Some("AccessDenied".into()),
            }],
            ..Default::default()
        };
        let documents = Documents::new(&inv);
        let view = of(&documents.of(&inv.roles[0]).unwrap());
        assert_eq!(view.policies.len(), 2);
        let read = &view.policies[0];
        assert_eq!(
            (read.name.as_str(), read.kind),
            ("read", PolicyKind::Inline)
        );
        assert_eq!(read.statements[0].actions, "s3:GetObject, s3:List*");
        assert_eq!(read.statements[0].resources, "arn:aws:s3:::b/*");
        assert_eq!(
            read.statements[0].conditions,
            ["StringEquals aws:RequestedRegion eu-west-1, us-east-1"]
        );
        assert_eq!(read.statements[1].effect, "Deny");
        assert_eq!(read.statements[1].actions, "every action but s3:*");
        let boundary = &view.policies[1];
        assert_eq!(boundary.kind, PolicyKind::Boundary);
        assert_eq!(boundary.default_version.as_deref(), Some("v2"));
        assert!(boundary.error.as_deref().unwrap().contains("AccessDenied"));
    }
}
