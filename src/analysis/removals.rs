//! What a fix takes away, and who uses it today: a fix that detaches or deletes a policy
//! says, before anyone pastes it, which pods lose it (the pods that inherit a node role,
//! the pods of every binding of a role). Set once the report's rows are complete.

use rustc_hash::FxHashMap as HashMap;

use super::Finding;
use super::report::{Binding, NodeRoleReport};
use crate::arn;

/// How many pods a sentence names before it counts the rest.
const NAMED: usize = 5;

/// Sets `fix.removes` on every finding whose fix removes something.
pub fn mark(bindings: &mut [Binding], node_roles: &mut [NodeRoleReport]) {
    for r in node_roles.iter_mut() {
        mark_node_role(r);
    }
    let node_role_said = |role_arn: &str| {
        node_roles
            .iter()
            .find(|r| r.role_arn == role_arn)
            .map(node_role_users)
    };
    // Each role's bindings, in the report's order.
    let mut users: HashMap<String, Vec<String>> = HashMap::default();
    for b in bindings.iter() {
        if let Some(role) = &b.role_arn {
            users.entry(role.clone()).or_default().push(b.key());
        }
    }
    for b in bindings.iter_mut() {
        let others = b
            .role_arn
            .as_ref()
            .and_then(|r| users.get(r))
            .map_or(&[][..], Vec::as_slice);
        mark_binding(b, &node_role_said, others);
    }
}

/// Sets `fix.removes` on the findings of node-role row `r` whose fix removes something.
pub fn mark_node_role(r: &mut NodeRoleReport) {
    if !r.findings.iter().any(|f| f.fix.removes_something()) {
        return;
    }
    let said = node_role_users(r);
    for f in r.findings.iter_mut().filter(|f| f.fix.removes_something()) {
        f.fix.removes = Some(said.clone());
    }
}

/// The node role a finding's fix detaches from (IRSA405: a pod finding about the node role
/// its pods inherit).
pub fn node_role_of(f: &Finding) -> Option<&str> {
    f.evidence.get("node_role").and_then(|v| v.as_str())
}

/// Sets `fix.removes` on the findings of binding `b` whose fix removes something:
/// `node_role_said(arn)`, what a node role's row says of who inherits it; `users`, the keys
/// of the bindings annotated with `b`'s role, in the report's order (`b`'s among them or not).
pub fn mark_binding(
    b: &mut Binding,
    node_role_said: &dyn Fn(&str) -> Option<String>,
    users: &[String],
) {
    let said = binding_removals(b, node_role_said, users);
    set_removals(b, said);
}

/// [`mark_binding`] on a row others may share (the dashboard's): copied only when what its
/// fixes say changes.
pub fn mark_shared_binding(
    b: &mut std::sync::Arc<Binding>,
    node_role_said: &dyn Fn(&str) -> Option<String>,
    users: &[String],
) {
    let said = binding_removals(b, node_role_said, users);
    let changes = said.iter().any(|(i, s)| {
        b.findings.get(*i).and_then(|f| f.fix.removes.as_deref()) != Some(s.as_str())
    });
    if changes {
        set_removals(std::sync::Arc::make_mut(b), said);
    }
}

fn set_removals(b: &mut Binding, said: Vec<(usize, String)>) {
    for (i, said) in said {
        if let Some(f) = b.findings.get_mut(i) {
            f.fix.removes = Some(said);
        }
    }
}

/// What [`mark_binding`] sets: per finding of `b` whose fix removes something (by its
/// index), what the fix says it removes from whom.
fn binding_removals(
    b: &Binding,
    node_role_said: &dyn Fn(&str) -> Option<String>,
    users: &[String],
) -> Vec<(usize, String)> {
    if !b.findings.iter().any(|f| f.fix.removes_something()) {
        return Vec::new();
    }
    let live = b.pods.len();
    let key = b.key();
    let role = b.role_arn.as_deref();
    b.findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.fix.removes_something())
        .map(|(i, f)| {
            let said = match node_role_of(f).and_then(node_role_said) {
                Some(said) => said,
                None => role_users_said(role, &key, live, users),
            };
            (i, said)
        })
        .collect()
}

/// `it takes permissions from node role R, which 45 pods without IRSA or Pod Identity
/// inherit today: ns/a, ns/b, … and 40 more`.
pub fn node_role_users(r: &NodeRoleReport) -> String {
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
fn role_users_said(role: Option<&str>, key: &str, live: usize, users: &[String]) -> String {
    let Some(role) = role else {
        return "it removes or detaches something: check what uses it first".to_owned();
    };
    let others: Vec<&str> = users
        .iter()
        .filter(|k| *k != key)
        .map(String::as_str)
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
