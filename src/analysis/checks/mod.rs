//! The catalog's checks, one module per group of codes. Each code is built in exactly one
//! place, with its title, explanation, evidence and fix.

pub mod cluster;
pub mod node_roles;
pub mod oidc;
pub mod pod_identity;
pub mod pods;
pub mod role_permissions;
pub mod service_account;
pub mod trust_policy;

/// `kubectl annotate serviceaccount` with the IRSA role annotation.
pub fn annotate_role_command(namespace: &str, name: &str, role_arn: &str) -> String {
    format!(
        "kubectl annotate serviceaccount -n {namespace} {name} eks.amazonaws.com/role-arn={role_arn} --overwrite"
    )
}

/// The last segment of an ARN's resource (`role/path/name` → `name`).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The account field of an ARN.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
