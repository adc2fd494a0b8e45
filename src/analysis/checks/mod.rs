//! The catalog's checks, one module per group of codes. Each code is built in exactly one
//! place, with its title, explanation, evidence and fix.

pub mod cluster;
pub mod evidence;
pub mod node_roles;
pub mod oidc;
pub mod permission_conflicts;
pub mod planned;
pub mod pod_identity;
pub mod pods;
pub mod role_permissions;
pub mod service_account;
pub mod trust_policy;

use crate::inventory::Inventory;
use crate::shell::{self, Kind, Refused};

/// `account`, when it is another than the cluster's (or the cluster's is not known): a
/// command acting there needs that account's credentials, not the ones used for the
/// cluster.
pub fn other_account<'a>(inv: &Inventory, account: Option<&'a str>) -> Option<&'a str> {
    account.filter(|a| Some(*a) != inv.cluster.account.as_deref())
}

/// `kubectl annotate serviceaccount` with the IRSA role annotation.
pub fn annotate_role_command(
    namespace: &str,
    name: &str,
    role_arn: &str,
) -> Result<String, Refused> {
    shell::command(
        "kubectl annotate serviceaccount -n {} {} eks.amazonaws.com/role-arn={} --overwrite",
        &[
            (Kind::Namespace, namespace),
            (Kind::ObjectName, name),
            (Kind::RoleArn, role_arn),
        ],
    )
}
