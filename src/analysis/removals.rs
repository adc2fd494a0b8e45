//! What a fix takes away, and who uses it today: a fix that detaches or deletes a policy
//! says, before anyone pastes it, which pods lose it (the pods that inherit a node role,
//! the pods of every binding of a role). Set once the report's rows are complete.

use super::report::{Binding, NodeRoleReport};
use crate::arn;

/// How many pods a sentence names before it counts the rest.
const NAMED: usize = 5;

/// Sets `fix.removes` on every finding whose fix removes something.
pub fn mark(bindings: &mut [Binding], node_roles: &mut [NodeRoleReport]) {
    let node_role_users: Vec<(String, String)> = node_roles
        .iter()
        .map(|r| (r.role_arn.clone(), node_role_users(r)))
        .collect();
    let node_role_said = |role_arn: &str| {
        node_role_users
            .iter()
            .find(|(arn, _)| arn == role_arn)
            .map(|(_, said)| said.clone())
    };
    for (r, (_, said)) in node_roles.iter_mut().zip(&node_role_users) {
        for f in r.findings.iter_mut().filter(|f| f.fix.removes_something()) {
            f.fix.removes = Some(said.clone());
        }
    }
    let role_users: Vec<(Option<String>, String)> = bindings
        .iter()
        .map(|b| (b.role_arn.clone(), b.key()))
        .collect();
    for b in bindings.iter_mut() {
        let live = b.pods.len();
        let key = b.key();
        let role = b.role_arn.clone();
        for f in b.findings.iter_mut().filter(|f| f.fix.removes_something()) {
            // A pod finding about the node role (IRSA405) detaches from the node role.
            let node_role = f
                .evidence
                .get("node_role")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            f.fix.removes = Some(match node_role.and_then(|n| node_role_said(&n)) {
                Some(said) => said,
                None => role_users_said(role.as_deref(), &key, live, &role_users),
            });
        }
    }
}

/// `it takes permissions from node role R, which 45 pods without IRSA or Pod Identity
/// inherit today: ns/a, ns/b, … and 40 more`.
fn node_role_users(r: &NodeRoleReport) -> String {
    let name = arn::name(&r.role_arn);
    let n = r.pods_without_irsa_count;
    if n == 0 {
        return format!(
            "it takes permissions from node role {name}; no pod without IRSA or Pod Identity runs on its nodes today"
        );
    }
    let shown: Vec<&str> = r
        .pods_without_irsa
        .iter()
        .take(NAMED)
        .map(String::as_str)
        .collect();
    let more = n.saturating_sub(shown.len());
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "it takes permissions from node role {name}, which {} without IRSA or Pod Identity {} today: {}{rest}",
        pods(n),
        if n == 1 { "inherits" } else { "inherit" },
        shown.join(", ")
    )
}

/// `it takes permissions from role R, which the 6 pods of payments/payments-api use today
/// (and the bindings orders/a, orders/b)`.
fn role_users_said(
    role: Option<&str>,
    key: &str,
    live: usize,
    role_users: &[(Option<String>, String)],
) -> String {
    let Some(role) = role else {
        return "it removes or detaches something: check what uses it first".to_owned();
    };
    let others: Vec<&str> = role_users
        .iter()
        .filter(|(r, k)| r.as_deref() == Some(role) && k != key)
        .map(|(_, k)| k.as_str())
        .collect();
    let also = match others.len() {
        0 => String::new(),
        n if n <= NAMED => format!(", and the bindings {} use it too", others.join(", ")),
        n => format!(
            ", and {n} other bindings use it too ({}, …)",
            others[..NAMED].join(", ")
        ),
    };
    let used = match live {
        0 => format!("which no pod of {key} runs with today"),
        1 => format!("which the 1 pod of {key} uses today"),
        n => format!("which the {n} pods of {key} use today"),
    };
    format!(
        "it takes permissions from role {}, {used}{also}",
        arn::name(role)
    )
}

fn pods(n: usize) -> String {
    if n == 1 {
        "1 pod".to_owned()
    } else {
        format!("{n} pods")
    }
}
