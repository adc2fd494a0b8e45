//! Which binding owns each CloudTrail event: the ServiceAccount the token names; else (a
//! failed call whose token named none) the one binding whose sessions run as the role asked
//! for; a denied call, every binding whose sessions run as the role that made it (their
//! sessions cannot be told apart). The events are indexed once per read, so that a binding
//! built again finds its events without going through the others'.

use rustc_hash::FxHashMap as HashMap;

use crate::analysis::report::Binding;
use crate::inventory::{TrailEvent, TrailKind};

/// A role as [`crate::arn::same_role`] compares it: (account, name), its path left out.
pub type RoleId = (String, String);

fn role_id(arn: &str) -> Option<RoleId> {
    let r = crate::arn::parse_role_arn(arn).ok()?;
    Some((r.account.to_owned(), r.name.to_owned()))
}

/// The roles a binding's sessions run as: its annotation and its Pod Identity association.
pub fn roles_of(b: &Binding) -> Vec<RoleId> {
    let mut roles: Vec<RoleId> = b
        .role_arn
        .as_deref()
        .into_iter()
        .chain(
            b.pod_identity_association
                .as_ref()
                .map(|a| a.role_arn.as_str()),
        )
        .filter_map(role_id)
        .collect();
    roles.dedup();
    roles
}

/// The events of a read, by what may own them (indices into the read's events).
#[derive(Debug, Default)]
pub struct Owners {
    /// Web-identity calls whose token names a ServiceAccount, by (namespace, name).
    by_service_account: HashMap<(String, String), Vec<usize>>,
    /// Web-identity calls whose token names no ServiceAccount, by the role asked for.
    lone: HashMap<RoleId, Vec<usize>>,
    /// Denied calls, by the role whose session made them.
    denied: HashMap<RoleId, Vec<usize>>,
    /// Events no binding can own (no ServiceAccount, and no role that parses).
    none: Vec<usize>,
}

impl Owners {
    pub fn new(events: &[TrailEvent]) -> Self {
        let mut o = Owners::default();
        for (i, e) in events.iter().enumerate() {
            let named = e.service_account.as_deref().and_then(|s| s.split_once('/'));
            let role = e.role_arn.as_deref().and_then(role_id);
            match (e.kind, named, role) {
                (TrailKind::WebIdentity, Some((ns, name)), _) => o
                    .by_service_account
                    .entry((ns.to_owned(), name.to_owned()))
                    .or_default()
                    .push(i),
                (TrailKind::WebIdentity, None, Some(r)) => o.lone.entry(r).or_default().push(i),
                (TrailKind::Denied, _, Some(r)) => o.denied.entry(r).or_default().push(i),
                _ => o.none.push(i),
            }
        }
        o
    }

    /// Whether there is no event to own.
    pub fn is_empty(&self) -> bool {
        self.by_service_account.is_empty()
            && self.lone.is_empty()
            && self.denied.is_empty()
            && self.none.is_empty()
    }

    /// The events of binding `b`, in the read's order; `users(role)`: how many bindings'
    /// sessions run as the role.
    pub fn events_of(&self, b: &Binding, users: impl Fn(&RoleId) -> usize) -> Vec<usize> {
        let key = (b.namespace.clone(), b.service_account.clone());
        let mut mine: Vec<usize> = self
            .by_service_account
            .get(&key)
            .cloned()
            .unwrap_or_default();
        for r in roles_of(b) {
            if users(&r) == 1 {
                mine.extend(self.lone.get(&r).into_iter().flatten());
            }
            mine.extend(self.denied.get(&r).into_iter().flatten());
        }
        mine.sort_unstable();
        mine.dedup();
        mine
    }

    /// The roles with web-identity calls that name no ServiceAccount: whether such a call is
    /// a binding's depends on how many bindings run as the role.
    pub fn lone_roles(&self) -> impl Iterator<Item = &RoleId> {
        self.lone.keys()
    }

    /// The events no binding owns, in the read's order: `exists(key)`: whether the
    /// ServiceAccount has a binding.
    pub fn unattributed(
        &self,
        exists: impl Fn(&(String, String)) -> bool,
        users: impl Fn(&RoleId) -> usize,
    ) -> Vec<usize> {
        let mut out = self.none.clone();
        for (k, events) in &self.by_service_account {
            if !exists(k) {
                out.extend(events);
            }
        }
        for (r, events) in &self.lone {
            if users(r) != 1 {
                out.extend(events);
            }
        }
        for (r, events) in &self.denied {
            if users(r) == 0 {
                out.extend(events);
            }
        }
        out.sort_unstable();
        out
    }
}
