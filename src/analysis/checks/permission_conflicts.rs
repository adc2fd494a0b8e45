//! The role's documents against each other: IRSA233 (the boundary leaves none of the
//! allowed actions) and IRSA234 (an explicit Deny cancels an Allow statement entirely).
//! Facts are worked out once per role ([`facts`]); findings per binding ([`check`]).

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::analysis::permissions::RoleDocuments;
use crate::inventory::Role;
use crate::policy::identity::overlap::{self, At};
use crate::policy::identity::{Permissions, PolicyKind, Source};
use crate::shell::{self, Kind, Refused};

pub const IRSA233: Entry = Entry {
    code: Code::IRSA233,
    grade: Grade::Is(Severity::Error),
    meaning: "the permissions boundary allows none of what the role's identity policies allow",
    why: "With a permissions boundary, a call is allowed only when both an identity policy and the boundary allow it. When the boundary allows none of the actions the role's policies allow, every call made with these credentials is AccessDenied (\"no permissions boundary allows the … action\"), although the pods get credentials.",
    fix: "Extend the boundary to the actions the workload needs: read it into a file (aws iam get-policy-version … --query PolicyVersion.Document > boundary.json), edit it, then aws iam create-policy-version --set-as-default; or remove the boundary from the role.",
    stage: Stage::Permissions,
};

pub const IRSA234: Entry = Entry {
    code: Code::IRSA234,
    grade: Grade::Is(Severity::Warning),
    meaning: "an explicit Deny overrides one of the role's own Allow statements entirely",
    why: "An explicit Deny always wins in IAM. A Deny in the role's identity policies or boundary that covers everything an Allow statement grants — every action, every resource, with no condition — makes that Allow dead: it looks like a permission in reviews, and never takes effect.",
    fix: "Narrow the Deny statement or remove the Allow it cancels, so the policies say what the role can really do.",
    stage: Stage::Permissions,
};

/// The file IRSA233's fix reads the boundary into, and writes the new version from.
const BOUNDARY_FILE: &str = "boundary.json";

/// A statement, described for a person and for the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub policy: String,
    pub policy_arn: Option<String>,
    pub kind: PolicyKind,
    pub default_version: Option<String>,
    pub statement: usize,
    pub sid: Option<String>,
    /// Its Action and Resource values.
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

impl Place {
    fn named(&self) -> String {
        let kind = match self.kind {
            PolicyKind::Inline => "inline policy",
            PolicyKind::Managed => "managed policy",
            PolicyKind::Boundary => "permissions boundary",
        };
        let sid = self
            .sid
            .as_deref()
            .map(|s| format!(", Sid {s:?}"))
            .unwrap_or_default();
        format!(
            "statement {}{sid} of the {kind} {:?}",
            self.statement, self.policy
        )
    }

    /// The command that shows the document.
    /// The command writing the statement's policy document to `file` (a managed policy's
    /// default version), or the one showing it when its version is not known.
    fn save(&self, role: &str, file: &str) -> Result<String, Refused> {
        match (&self.policy_arn, &self.default_version) {
            (Some(arn), Some(v)) => shell::command(
                &format!(
                    "aws iam get-policy-version --policy-arn {{}} --version-id {{}} --query PolicyVersion.Document --output json > {file}"
                ),
                &[(Kind::PolicyArn, arn), (Kind::PolicyName, v)],
            ),
            _ => self.show(role),
        }
    }

    fn show(&self, role: &str) -> Result<String, Refused> {
        match (&self.policy_arn, &self.default_version) {
            (None, _) => shell::command(
                "aws iam get-role-policy --role-name {} --policy-name {}",
                &[(Kind::RoleName, role), (Kind::PolicyName, &self.policy)],
            ),
            (Some(arn), Some(v)) => shell::command(
                "aws iam get-policy-version --policy-arn {} --version-id {}",
                &[(Kind::PolicyArn, arn), (Kind::PolicyName, v)],
            ),
            (Some(arn), None) => shell::command(
                "aws iam get-policy --policy-arn {}",
                &[(Kind::PolicyArn, arn)],
            ),
        }
    }
}

/// What a role's documents say about each other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// IRSA233: (the boundary, the identity policies' allowed actions, the boundary's).
    pub boundary_allows_none: Option<(Place, Vec<String>, Vec<String>)>,
    /// IRSA234: (the Allow, the Deny that cancels it).
    pub dead_allows: Vec<(Place, Place)>,
}

fn place(docs: &RoleDocuments, p: &Permissions, at: At) -> Option<Place> {
    let (policy, doc) = match at.source {
        Source::Identity(i) => (p.identity.get(i)?, docs.identity.get(i)?),
        Source::Boundary => (p.boundary.as_ref()?, docs.boundary.as_ref()?),
    };
    let statement = policy.document.ok()?.statements.get(at.statement)?;
    Some(Place {
        policy: policy.name.to_owned(),
        policy_arn: policy.arn.map(str::to_owned),
        kind: policy.kind,
        default_version: doc.default_version.map(str::to_owned),
        statement: at.statement,
        sid: statement.sid.clone(),
        actions: statement
            .action
            .as_ref()
            .map(|a| a.patterns.clone())
            .unwrap_or_default(),
        resources: statement.resources.clone(),
    })
}

/// The facts of one role, worked out once whatever the number of bindings using it.
pub fn facts(docs: &RoleDocuments) -> Facts {
    let p = docs.permissions();
    let boundary_allows_none = overlap::boundary_allows_none(&p).and_then(|identity| {
        let boundary = docs.boundary.as_ref()?;
        let place = Place {
            policy: boundary.name.to_owned(),
            policy_arn: boundary.arn.map(str::to_owned),
            kind: PolicyKind::Boundary,
            default_version: boundary.default_version.map(str::to_owned),
            statement: 0,
            sid: None,
            actions: Vec::new(),
            resources: Vec::new(),
        };
        Some((place, identity, overlap::boundary_actions(&p)))
    });
    let dead_allows = overlap::dead_allows(&p)
        .into_iter()
        .filter_map(|d| Some((place(docs, &p, d.allow)?, place(docs, &p, d.deny)?)))
        .collect();
    Facts {
        boundary_allows_none,
        dead_allows,
    }
}

/// At most this many actions are listed in a finding's text and evidence.
const LISTED: usize = 12;

fn listed(actions: &[String]) -> String {
    let mut out = actions
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if actions.len() > LISTED {
        out.push_str(&format!(" and {} more", actions.len() - LISTED));
    }
    out
}

/// The findings of a binding (`who`) whose role has these facts.
pub fn check(role: &Role, facts: &Facts, who: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some((boundary, identity, allowed)) = &facts.boundary_allows_none {
        let arn = boundary.policy_arn.as_deref().unwrap_or_default();
        let bounded = if allowed.is_empty() {
            "allows nothing".to_owned()
        } else {
            format!("allows only {}", listed(allowed))
        };
        out.push(
            IRSA233
                .finding(
                    format!(
                        "The permissions boundary of role {} allows none of what its policies allow ({who})",
                        role.name
                    ),
                    format!(
                        "The role's policies allow {}; its permissions boundary {} {bounded}. A call needs an Allow in both, so every call made with these credentials is AccessDenied (\"no permissions boundary allows the … action\"), although the pods get credentials. Extend the boundary to the actions the workload needs, or remove it from the role.",
                        listed(identity),
                        boundary.policy
                    ),
                )
                .evidence("role_arn", role.arn.clone())
                .evidence("permissions_boundary", arn.to_owned())
                .evidence("identity_actions", identity.iter().take(LISTED).cloned().collect::<Vec<_>>())
                .evidence("boundary_actions", allowed.iter().take(LISTED).cloned().collect::<Vec<_>>())
                // Read, edit, write: a paste runs the read only (`Fix::paste`).
                .fix_steps(vec![
                    boundary.save(&role.name, BOUNDARY_FILE),
                    Ok(format!(
                        "Edit {BOUNDARY_FILE}: allow the actions the workload needs (identity_actions in the evidence)."
                    )),
                    shell::command(
                        "aws iam create-policy-version --policy-arn {} --policy-document file://boundary.json --set-as-default",
                        &[(Kind::PolicyArn, arn)],
                    ),
                ]),
        );
    }
    for (allow, deny) in &facts.dead_allows {
        let mut steps = vec![allow.show(&role.name)];
        if (&deny.policy, &deny.policy_arn) != (&allow.policy, &allow.policy_arn) {
            steps.push(deny.show(&role.name));
        }
        out.push(
            IRSA234
                .finding(
                    format!(
                        "A Deny of role {} cancels its Allow {} entirely ({who})",
                        role.name,
                        allow.named()
                    ),
                    format!(
                        "The Allow {} grants {} on {}; the unconditional Deny {} covers every one of those actions and resources, and an explicit Deny always wins. The Allow never takes effect. Narrow the Deny or remove the Allow, so the policies say what the role can do.",
                        allow.named(),
                        listed(&allow.actions),
                        listed(&allow.resources),
                        deny.named()
                    ),
                )
                .evidence("role_arn", role.arn.clone())
                .evidence("allow_policy", allow.policy.clone())
                .evidence("allow_statement", allow.statement)
                .evidence("allow_sid", allow.sid.clone())
                .evidence("deny_policy", deny.policy.clone())
                .evidence("deny_statement", deny.statement)
                .evidence("deny_sid", deny.sid.clone())
                .fix_steps(steps),
        );
    }
    out
}
