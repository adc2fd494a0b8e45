//! ServiceAccount checks: IRSA101–IRSA106.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Planned, Severity, Stage};
use crate::analysis::index::Index;
use crate::analysis::trust::fix::reference_policy;
use crate::analysis::trust::{Subject, fix::create_role_command};
use crate::arn::{self, parse_role_arn};
use crate::inventory::{ReadStatus, Role, ServiceAccount};

use super::{annotate_role_command, other_account};
use crate::shell::{self, Kind, Refused};

pub const IRSA101: Entry = Entry {
    code: Code::IRSA101,
    grade: Grade::Is(Severity::Error),
    meaning: "the role-arn annotation is not an IAM role ARN",
    why: "The EKS pod identity webhook copies the eks.amazonaws.com/role-arn annotation into AWS_ROLE_ARN verbatim. STS only accepts a role ARN, so a user, policy or instance-profile ARN, a bare role name, quotes or stray whitespace make every credential request fail with a validation error.",
    fix: "Annotate the ServiceAccount with the exact role ARN (kubectl annotate serviceaccount -n NS NAME eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT:role/NAME --overwrite), then restart its workloads.",
    stage: Stage::Binding,
};

/// IRSA101: the annotation does not parse as a role ARN.
pub fn malformed_annotation(idx: &Index, sa: &ServiceAccount, value: &str) -> Option<Finding> {
    let why = parse_role_arn(value).err()?;
    // Suggest the value it was meant to be, when that can be told.
    let cleaned = value.trim().trim_matches(['"', '\'']).trim();
    let suggestion = if parse_role_arn(cleaned).is_ok() {
        cleaned.to_owned()
    } else {
        let name = arn::name(cleaned);
        idx.inv
            .roles
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.arn.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:aws:iam::{}:role/{}",
                    idx.inv.cluster.account.as_deref().unwrap_or("ACCOUNT_ID"),
                    if name.is_empty() { "ROLE_NAME" } else { name }
                )
            })
    };
    Some(
        IRSA101.finding(format!(
                "The role-arn annotation of {}/{} is not an IAM role ARN",
                sa.namespace, sa.name
            ),
            format!(
                "The pod identity webhook copies eks.amazonaws.com/role-arn into AWS_ROLE_ARN as is, and STS rejects anything but a role ARN: {why}."
            ),
        )
        .evidence("annotation", value)
        .evidence("problem", why)
        .evidence("expected_form", "arn:<partition>:iam::<12-digit account>:role/<optional path/><name>")
        .fix_steps(vec![annotate_role_command(&sa.namespace, &sa.name, &suggestion)]),
    )
}

/// How reading the annotated role went.
pub enum RoleState<'a> {
    Ok(&'a Role),
    /// IRSA102 or IRSA103 was raised: nothing more can be checked on the AWS side.
    Stop(Finding),
}

pub const IRSA102: Entry = Entry {
    code: Code::IRSA102,
    grade: Grade::Is(Severity::Error),
    meaning: "the annotated role does not exist",
    why: "IAM answers NoSuchEntity for the annotated role: it was deleted, renamed, or the annotation has a typo. AssumeRoleWithWebIdentity fails for every pod.",
    fix: "Point the annotation at the right role, or create the role with a trust policy for this ServiceAccount (irsa-tui prints the aws iam create-role command) and attach its permissions.",
    stage: Stage::Role,
};

/// IRSA102 (role does not exist) / IRSA103 (role could not be read).
pub fn read_role<'a>(idx: &Index<'a>, subject: &Subject, arn: &str, who: &str) -> RoleState<'a> {
    let name = arn::name(arn);
    match idx.role(arn) {
        Some(role) if role.status == ReadStatus::Ok => RoleState::Ok(role),
        Some(role) if role.status == ReadStatus::NotFound => {
            let policy = reference_policy(subject);
            let create = create_role_command(name, &policy);
            RoleState::Stop(
                IRSA102.finding(format!("Role {name} of {who} does not exist"),
                    format!(
                        "IAM answered NoSuchEntity for {arn}. Every AssumeRoleWithWebIdentity call fails. Create the role (then attach its permissions), or point the annotation at the right role."
                    ),
                )
                .evidence("role_arn", arn)
                .evidence("error", role.error.clone())
                .fix_steps(vec![Planned::in_account(
                    create,
                    other_account(idx.inv, arn::account(arn)),
                )]),
            )
        }
        other => RoleState::Stop(unverified(
            idx,
            arn,
            other.and_then(|r| r.error.clone()),
            &format!("of {who}"),
        )),
    }
}

pub const IRSA103: Entry = Entry {
    code: Code::IRSA103,
    grade: Grade::Unknown,
    meaning: "the annotated role could not be read",
    why: "irsa-tui could not read the role (AccessDenied, a role in another account, or AWS unreachable), so the binding is neither verified nor known to be broken: its status is unknown, never ok.",
    fix: "Give irsa-tui iam:GetRole (see the least-privilege policy in assets/), or check the role by hand with aws iam get-role; a role in another account than the cluster's needs that account's credentials (the fix names the account).",
    stage: Stage::Role,
};

/// IRSA103: the role (or the AWS side as a whole) could not be read, so the binding is
/// unknown, never ok. `whose` says how the binding uses the role (`of NS/NAME`, `of the
/// Pod Identity association of NS/NAME`).
pub fn unverified(idx: &Index, arn: &str, error: Option<String>, whose: &str) -> Finding {
    let name = arn::name(arn);
    let error = error
        .or_else(|| idx.inv.aws.error.clone())
        .unwrap_or_else(|| {
            if idx.inv.aws.skipped {
                "AWS checks were skipped (--no-aws)".to_owned()
            } else {
                "the role was not read".to_owned()
            }
        });
    let cross = arn::account(arn).is_some_and(|a| Some(a) != idx.inv.cluster.account.as_deref());
    let hint = if cross {
        " The role is in another account than the cluster's: reading it needs that account's credentials (the fix says which account)."
    } else {
        ""
    };
    IRSA103.finding(format!("Role {name} {whose} could not be read"),
        format!(
            "irsa-tui could not read {arn}, so its trust and permissions are not verified and the status is unknown.{hint}"
        ),
    )
    .evidence("role_arn", arn)
    .evidence("error", error)
    .fix_steps(vec![Planned::in_account(
        shell::command("aws iam get-role --role-name {}", &[(Kind::RoleName, name)]),
        other_account(idx.inv, arn::account(arn)),
    )])
}

pub const IRSA104: Entry = Entry {
    code: Code::IRSA104,
    grade: Grade::Is(Severity::Error),
    meaning: "a role trusts this ServiceAccount but it has no role-arn annotation and no Pod Identity association",
    why: "A role trusts exactly this ServiceAccount on this cluster, so the binding was intended, but the ServiceAccount has no role-arn annotation and no Pod Identity association: the webhook injects nothing and pods fall back to the node role.",
    fix: "Annotate the ServiceAccount with the role ARN, then restart the workloads that use it.",
    stage: Stage::Binding,
};

/// IRSA104: a role trusts this ServiceAccount, but nothing binds it to the role.
pub fn trusted_but_not_annotated(
    sa: &ServiceAccount,
    roles: &[&str],
    workloads: &[Result<String, Refused>],
) -> Option<Finding> {
    let first = roles.first()?;
    let mut fix = vec![annotate_role_command(&sa.namespace, &sa.name, first)];
    fix.extend(workloads.iter().cloned());
    Some(
        IRSA104.finding(format!(
                "Role {} trusts {}/{}, but the ServiceAccount has no role-arn annotation",
                arn::name(first),
                sa.namespace,
                sa.name
            ),
            "The trust policy names exactly this ServiceAccount on this cluster's provider, so the binding was meant to exist, but without the eks.amazonaws.com/role-arn annotation (or a Pod Identity association) the webhook injects nothing and the pods run with the node role. Annotate it, then restart its workloads.",
        )
        .evidence("trusting_roles", roles.iter().map(|r| r.to_string()).collect::<Vec<_>>())
        .fix_steps(fix),
    )
}

pub const IRSA105: Entry = Entry {
    code: Code::IRSA105,
    grade: Grade::Is(Severity::Warning),
    meaning: "eks.amazonaws.com/token-expiration is invalid or out of range",
    why: "eks.amazonaws.com/token-expiration sets the projected token lifetime in seconds. Values below 600 are raised to 600 by the webhook; above 86400 are invalid; a non-integer is ignored.",
    fix: "Set an integer between 600 and 86400 (the default is 86400).",
    stage: Stage::Binding,
};

/// IRSA105: token-expiration is not an integer in [600, 86400].
pub fn token_expiration(sa: &ServiceAccount) -> Option<Finding> {
    let raw = sa.token_expiration.as_deref()?;
    let problem = match raw.trim().parse::<i64>() {
        Err(_) => "it is not an integer number of seconds".to_owned(),
        Ok(n) if n < 600 => format!("{n} is below 600: the webhook raises it to 600 seconds"),
        Ok(n) if n > 86_400 => format!("{n} is above 86400 (24 hours), the maximum"),
        Ok(_) => return None,
    };
    Some(
        IRSA105.finding(format!(
                "Token expiration {raw:?} of {}/{} is not valid",
                sa.namespace, sa.name
            ),
            format!(
                "eks.amazonaws.com/token-expiration sets the projected token's lifetime in seconds, between 600 and 86400: {problem}."
            ),
        )
        .evidence("annotation", raw)
        .fix_steps(vec![shell::command(
            "kubectl annotate serviceaccount -n {} {} eks.amazonaws.com/token-expiration=86400 --overwrite",
            &[(Kind::Namespace, &sa.namespace), (Kind::ObjectName, &sa.name)],
        )]),
    )
}

pub const IRSA106: Entry = Entry {
    code: Code::IRSA106,
    grade: Grade::Is(Severity::Info),
    meaning: "eks.amazonaws.com/audience overrides the token audience",
    why: "eks.amazonaws.com/audience changes the aud claim of the token. Both the trust policy aud condition and the IAM OIDC provider client IDs must accept the new audience, or STS refuses the token.",
    fix: "Add the audience to the provider (aws iam add-client-id-to-open-id-connect-provider) and to the trust policy aud condition, or remove the annotation.",
    stage: Stage::Binding,
};

/// IRSA106: the audience annotation overrides the token audience.
pub fn audience_override(sa: &ServiceAccount, provider_arn: Option<&str>) -> Option<Finding> {
    let aud = sa.audience.as_deref()?;
    let add = match provider_arn {
        Some(arn) => shell::command(
            "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {}",
            &[(Kind::ProviderArn, arn), (Kind::Audience, aud)],
        ),
        None => shell::command(
            "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn PROVIDER_ARN --client-id {}",
            &[(Kind::Audience, aud)],
        ),
    };
    Some(
        IRSA106.finding(format!(
                "{}/{} uses token audience {aud:?} instead of sts.amazonaws.com",
                sa.namespace, sa.name
            ),
            format!(
                "eks.amazonaws.com/audience changes the aud claim of the projected token. The role's trust policy must accept aud {aud:?} and the IAM OIDC provider must list {aud:?} among its client IDs."
            ),
        )
        .evidence("annotation", aud)
        .fix_steps(vec![add]),
    )
}
