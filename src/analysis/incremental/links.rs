//! What a binding's row reads of the other rows, kept by key so that a binding built again
//! says which others change with it: the bindings annotated with the same role (a fix that
//! detaches names them), the bindings whose sessions run as a role (which CloudTrail event
//! is whose), and the node roles a binding's fixes detach from (their rows say who inherits
//! them).

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use super::Key;
use crate::analysis::checks::evidence::{RoleId, roles_of};
use crate::analysis::removals;
use crate::analysis::report::{Binding, Status};

/// What the other rows read of one binding.
struct Uses {
    role_arn: Option<String>,
    status: Status,
    sessions: Vec<RoleId>,
    detaches_from: Vec<String>,
}

#[derive(Default)]
pub struct Links {
    uses: HashMap<Key, Uses>,
    /// Role ARN, as annotated → its bindings, in the report's order.
    annotated: HashMap<String, BTreeSet<(Status, Key)>>,
    /// Role → the bindings whose sessions run as it.
    sessions: HashMap<RoleId, BTreeSet<Key>>,
    /// Node role ARN → the bindings whose fixes detach from it.
    detaching: HashMap<String, BTreeSet<Key>>,
}

fn drop_from<K: std::hash::Hash + Eq, T: Ord>(map: &mut HashMap<K, BTreeSet<T>>, at: K, item: &T) {
    if let Some(set) = map.get_mut(&at) {
        set.remove(item);
        if set.is_empty() {
            map.remove(&at);
        }
    }
}

impl Links {
    /// Links every binding of a report.
    pub fn of(bindings: &[Binding]) -> Self {
        let mut links = Links::default();
        for b in bindings {
            let k = crate::inventory::named(&b.namespace, &b.service_account);
            links.sessions_of(&k, b);
            links.rows_of(&k, b);
        }
        links
    }

    /// Takes binding `k` out; returns the role it was annotated with.
    pub fn forget(&mut self, k: &Key) -> Option<String> {
        let u = self.uses.remove(k)?;
        if let Some(role) = &u.role_arn {
            drop_from(&mut self.annotated, role.clone(), &(u.status, k.clone()));
        }
        for r in u.sessions {
            drop_from(&mut self.sessions, r, k);
        }
        for n in u.detaches_from {
            drop_from(&mut self.detaching, n, k);
        }
        u.role_arn
    }

    /// Records the roles binding `k`'s sessions run as (after [`Links::forget`]).
    pub fn sessions_of(&mut self, k: &Key, b: &Binding) {
        let sessions = roles_of(b);
        for r in &sessions {
            self.sessions
                .entry(r.clone())
                .or_default()
                .insert(k.clone());
        }
        self.uses.insert(
            k.clone(),
            Uses {
                role_arn: None,
                status: b.status,
                sessions,
                detaches_from: Vec::new(),
            },
        );
    }

    /// Records binding `k`'s row as it will be in the report (after
    /// [`Links::sessions_of`]): its role, its status, the node roles its fixes detach from.
    pub fn rows_of(&mut self, k: &Key, b: &Binding) {
        let detaches_from: Vec<String> = b
            .findings
            .iter()
            .filter(|f| f.fix.removes_something())
            .filter_map(removals::node_role_of)
            .map(str::to_owned)
            .collect();
        for n in &detaches_from {
            self.detaching
                .entry(n.clone())
                .or_default()
                .insert(k.clone());
        }
        if let Some(role) = &b.role_arn {
            self.annotated
                .entry(role.clone())
                .or_default()
                .insert((b.status, k.clone()));
        }
        if let Some(u) = self.uses.get_mut(k) {
            u.role_arn = b.role_arn.clone();
            u.status = b.status;
            u.detaches_from = detaches_from;
        }
    }

    /// How many bindings' sessions run as role `r`.
    pub fn users(&self, r: &RoleId) -> usize {
        self.sessions.get(r).map_or(0, BTreeSet::len)
    }

    /// The bindings whose sessions run as role `r`.
    pub fn sessions(&self, r: &RoleId) -> BTreeSet<Key> {
        self.sessions.get(r).cloned().unwrap_or_default()
    }

    /// The bindings annotated with `role`, in the report's order.
    pub fn annotated(&self, role: &str) -> impl Iterator<Item = &Key> {
        self.annotated
            .get(role)
            .into_iter()
            .flatten()
            .map(|(_, k)| k)
    }

    /// The bindings whose fixes detach from node role `arn`.
    pub fn detaching(&self, arn: &str) -> impl Iterator<Item = &Key> {
        self.detaching.get(arn).into_iter().flatten()
    }
}
