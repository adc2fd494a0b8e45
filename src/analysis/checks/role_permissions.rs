//! What the role may do: IRSA230 (nothing), IRSA231 (boundary), IRSA232 (admin).

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::arn::is_aws_managed_policy as is_aws_managed;
use crate::inventory::Role;
use crate::policy::PolicyDocument;
use crate::shell::{self, Kind};

fn admin_policies(role: &Role) -> Vec<String> {
    let attached = role
        .attached_policies
        .iter()
        .filter(|p| p.admin || is_aws_managed(&p.arn, "AdministratorAccess"))
        .map(|p| p.arn.clone());
    let inline = role
        .inline_policies
        .iter()
        .filter(|p| PolicyDocument::parse(&p.document).is_ok_and(|d| d.grants_full_access()))
        .map(|p| format!("inline:{}", p.name));
    attached.chain(inline).collect()
}

pub const IRSA230: Entry = Entry {
    code: Code::IRSA230,
    grade: Grade::Raised {
        base: Severity::Warning,
        raised: Severity::Error,
        when: "the binding has running pods",
    },
    meaning: "the role has no permission policy",
    why: "The role (annotated or Pod Identity's) has no attached and no inline policy. Pods get credentials (the binding assumes the role), and every AWS call is AccessDenied: the classic symptom right after creating a role with eksctl --role-only and forgetting --attach-policy-arn.",
    fix: "Attach the policy the workload needs: aws iam attach-role-policy --role-name ROLE --policy-arn POLICY_ARN.",
    stage: Stage::Permissions,
};

pub const IRSA231: Entry = Entry {
    code: Code::IRSA231,
    grade: Grade::Is(Severity::Info),
    meaning: "the role has a permissions boundary",
    why: "A permissions boundary caps the role: effective permissions are the intersection of its policies and the boundary. An action allowed by a policy but outside the boundary is denied.",
    fix: "When calls fail with AccessDenied although a policy allows them, read the boundary (aws iam get-policy / get-policy-version) and extend it if appropriate.",
    stage: Stage::Permissions,
};

pub const IRSA232: Entry = Entry {
    code: Code::IRSA232,
    grade: Grade::Is(Severity::Critical),
    meaning: "the role grants admin-level access",
    why: "The role allows every action on every resource (AdministratorAccess or an equivalent Action \"*\" / Resource \"*\" statement). Any process in the pods can do anything in the account.",
    fix: "Detach the admin policy and grant only what the workload calls.",
    stage: Stage::Permissions,
};

/// What the role may do, for a binding whose pods are `running` (IRSA230 is an error then:
/// their calls fail now).
pub fn check(role: &Role, who: &str, running: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    if role.attached_policies.is_empty() && role.inline_policies.is_empty() {
        let title = format!("Role {} of {who} has no permission policy", role.name);
        let detail = "The role has no attached and no inline policy: the pods get credentials, and every AWS call they make is AccessDenied. Attach the policy the workload needs.";
        let finding = if running > 0 {
            IRSA230.raised(title, detail)
        } else {
            IRSA230.finding(title, detail)
        };
        out.push(
            finding
                .evidence("role_arn", role.arn.clone())
                .evidence("running_pods", running)
                .fix_steps(vec![shell::command(
                    "aws iam attach-role-policy --role-name {} --policy-arn POLICY_ARN",
                    &[(Kind::RoleName, &role.name)],
                )]),
        );
    }
    if let Some(boundary) = &role.permissions_boundary {
        out.push(
            IRSA231.finding(format!("Role {} has a permissions boundary", role.name),
                "Effective permissions are the intersection of the role's policies and the boundary: an action allowed by a policy but not by the boundary is denied. Check the boundary when calls fail with AccessDenied.",
            )
            .evidence("permissions_boundary", boundary.clone())
            .fix_steps(vec![shell::command(
                "aws iam get-policy --policy-arn {}",
                &[(Kind::PolicyArn, boundary)],
            )]),
        );
    }
    let admin = admin_policies(role);
    if !admin.is_empty() {
        let fix = admin
            .iter()
            .map(|p| match p.strip_prefix("inline:") {
                Some(name) => shell::command(
                    "aws iam delete-role-policy --role-name {} --policy-name {}",
                    &[(Kind::RoleName, &role.name), (Kind::PolicyName, name)],
                ),
                None => shell::command(
                    "aws iam detach-role-policy --role-name {} --policy-arn {}",
                    &[(Kind::RoleName, &role.name), (Kind::PolicyArn, p)],
                ),
            })
            .collect();
        out.push(
            IRSA232.finding(format!("Role {} of {who} grants admin-level access", role.name),
                "The role allows every action on every resource. Any process in the pods can do anything in the account. Replace it with a policy scoped to what the workload calls.",
            )
            .evidence("role_arn", role.arn.clone())
            .evidence("policies", admin)
            .fix_steps(fix),
        );
    }
    out
}
