//! The live inventory store. Sources (Kubernetes watchers, AWS fetchers) reduce what they
//! read to slim records and write them here; consumers take a consistent [`Inventory`]
//! snapshot and are told of changes through a version counter.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::inventory::{
    AwsStatus, Cluster, Inventory, ManagedPolicy, Node, NodeRole, OidcProvider, Pod,
    PodIdentityAssociation, Role, ServiceAccount, SourceHealth, SourceState,
};

/// The state of one source, for the dashboard header and the report's IRSA602.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveState {
    Syncing {
        seen: usize,
    },
    Synced {
        count: usize,
    },
    Forbidden {
        message: String,
    },
    Failed {
        message: String,
    },
    /// The API server does not answer (connection refused or cut, timeouts, 5xx); what the
    /// source holds is as it was at `since` (seconds since the epoch). Still retrying.
    Unreachable {
        message: String,
        since: i64,
    },
}

impl LiveState {
    pub fn is_settled(&self) -> bool {
        !matches!(self, LiveState::Syncing { .. })
    }
}

/// Where a node role was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeRoleSource {
    NodeGroup,
    AwsAuth,
    AccessEntry,
}

/// A map of watched objects that records which keys changed (once something follows its
/// changes: see [`Store::track`]). Read it as the map it derefs to; change it through
/// `insert`, `remove`, `retain` and `clear`.
#[derive(Debug)]
pub struct Tracked<K, V> {
    map: BTreeMap<K, V>,
    /// The keys changed since the changes were last taken; `None`: nobody follows them.
    changed: Option<BTreeSet<K>>,
}

impl<K, V> Default for Tracked<K, V> {
    fn default() -> Self {
        Tracked {
            map: BTreeMap::new(),
            changed: None,
        }
    }
}

impl<K, V> std::ops::Deref for Tracked<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<K: Ord + Clone, V> Tracked<K, V> {
    /// The values, moved out.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.map.into_values()
    }

    fn changed(&mut self, k: &K) {
        if let Some(c) = &mut self.changed {
            c.insert(k.clone());
        }
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.changed(&k);
        self.map.insert(k, v)
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        let old = self.map.remove(k);
        if old.is_some() {
            self.changed(k);
        }
        old
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let changed = &mut self.changed;
        self.map.retain(|k, v| {
            let kept = keep(k, v);
            if !kept && let Some(c) = changed {
                c.insert(k.clone());
            }
            kept
        });
    }

    pub fn clear(&mut self) {
        self.retain(|_, _| false);
    }

    /// Starts (or restarts) recording changes.
    fn track(&mut self) {
        self.changed = Some(BTreeSet::new());
    }

    /// The keys changed since the last call, with their values now (`None`: deleted).
    fn take(&mut self) -> Vec<(K, Option<V>)>
    where
        V: Clone,
    {
        let keys = self
            .changed
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        keys.into_iter()
            .map(|k| {
                let v = self.map.get(&k).cloned();
                (k, v)
            })
            .collect()
    }
}

/// A value that records whether it was changed (borrowed mutably) since last asked.
#[derive(Debug, Default)]
pub struct Watched<T> {
    value: T,
    changed: bool,
}

impl<T> std::ops::Deref for Watched<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Watched<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.changed = true;
        &mut self.value
    }
}

impl<T> Watched<T> {
    /// Whether it changed since the last call.
    fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }
}

pub use crate::inventory::Named;

/// What changed in the store since the last [`Store::track`] or [`Store::changes`].
#[derive(Debug, Default)]
pub struct Delta {
    pub pods: Vec<(Named, Option<Arc<Pod>>)>,
    pub service_accounts: Vec<(Named, Option<ServiceAccount>)>,
    pub nodes: Vec<(String, Option<Node>)>,
    /// When anything but the objects changed: the inventory without pods,
    /// ServiceAccounts and nodes.
    pub rest: Option<Inventory>,
    /// The sources' states now.
    pub sources: Vec<SourceHealth>,
    pub captured_at: String,
}

/// What a follower of the store's changes last saw of the small parts it compares (the
/// large ones, roles and policies, say themselves when they change).
#[derive(Debug, Default, PartialEq)]
pub struct Seen {
    context: Option<String>,
    cluster: Cluster,
    node_roles: BTreeMap<String, Vec<String>>,
    webhook_present: Option<bool>,
    pod_identity_agent_present: Option<bool>,
    oidc_providers: Vec<OidcProvider>,
    oidc_provider_accounts: Vec<String>,
    pod_identity_associations: Vec<PodIdentityAssociation>,
    aws: AwsStatus,
}

/// Everything the sources have read so far.
#[derive(Debug, Default)]
pub struct Data {
    pub context: Option<String>,
    pub cluster: Cluster,
    pub service_accounts: Tracked<Named, ServiceAccount>,
    /// Each pod shared with the analysis that follows the store (not copied to it).
    pub pods: Tracked<Named, Arc<Pod>>,
    pub nodes: Tracked<String, Node>,
    /// Role ARN → where it serves as a node role (`nodegroup/NAME`, `aws-auth`, `access-entry`).
    pub node_roles: BTreeMap<String, Vec<String>>,
    pub webhook_present: Option<bool>,
    pub pod_identity_agent_present: Option<bool>,
    /// (resource, namespace) → state.
    pub sources: BTreeMap<(String, Option<String>), LiveState>,
    /// (resource, namespace) → since when it has been syncing (seconds since the epoch).
    pub syncing_since: BTreeMap<(String, Option<String>), i64>,
    pub roles: Watched<BTreeMap<String, Role>>,
    /// The managed policies the roles attach or use as a boundary, each once, by ARN.
    pub managed_policies: Watched<Vec<ManagedPolicy>>,
    pub oidc_providers: Vec<OidcProvider>,
    pub oidc_provider_accounts: Vec<String>,
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    pub aws: AwsStatus,
    /// CloudTrail evidence (IRSA8xx), as read so far.
    pub evidence: Watched<crate::inventory::Evidence>,
    /// Complete AWS reads under way (the first one, `Ctrl-R`): roles named meanwhile are
    /// left to them.
    pub aws_reads: usize,
}

impl Data {
    /// Records a node role and where it comes from (kept once per source).
    pub fn add_node_role(&mut self, role_arn: &str, source: String) {
        let sources = self.node_roles.entry(role_arn.to_owned()).or_default();
        if !sources.contains(&source) {
            sources.push(source);
            sources.sort();
        }
    }

    /// Role ARNs the cluster names: annotations (those that parse as role ARNs), Pod
    /// Identity associations, node roles.
    pub fn referenced_roles(&self) -> std::collections::BTreeSet<String> {
        let annotated = self
            .service_accounts
            .values()
            .filter_map(|s| s.role_arn.as_deref())
            .filter(|a| crate::arn::parse_role_arn(a).is_ok())
            .map(str::to_owned);
        let associated = self
            .pod_identity_associations
            .iter()
            .map(|a| a.role_arn.clone());
        let nodes = self.node_roles.keys().cloned();
        annotated.chain(associated).chain(nodes).collect()
    }

    /// The referenced roles no AWS read has recorded (read, missing or unreadable), as
    /// the role ARN names them (a path left out of an annotation still names the role).
    pub fn unread_roles(&self) -> std::collections::BTreeSet<String> {
        let known: std::collections::BTreeSet<(&str, &str)> = self
            .roles
            .keys()
            .chain(self.roles.values().map(|r| &r.arn))
            .filter_map(|arn| crate::arn::parse_role_arn(arn).ok())
            .map(|p| (p.account, p.name))
            .collect();
        self.referenced_roles()
            .into_iter()
            .filter(|arn| {
                crate::arn::parse_role_arn(arn).is_ok_and(|p| !known.contains(&(p.account, p.name)))
            })
            .collect()
    }

    /// Records a source's state; what its message quotes from a server or a plugin is
    /// redacted here, before it can reach a report, a snapshot or the screen.
    pub fn set_source(&mut self, resource: &str, namespace: Option<&str>, state: LiveState) {
        let state = match state {
            LiveState::Forbidden { message } => LiveState::Forbidden {
                message: crate::redact::redact(&message),
            },
            LiveState::Failed { message } => LiveState::Failed {
                message: crate::redact::redact(&message),
            },
            LiveState::Unreachable { message, since } => LiveState::Unreachable {
                message: crate::redact::redact(&message),
                since,
            },
            other => other,
        };
        let key = (resource.to_owned(), namespace.map(str::to_owned));
        if state.is_settled() {
            self.syncing_since.remove(&key);
        } else {
            self.syncing_since
                .entry(key.clone())
                .or_insert_with(crate::time::now_secs);
        }
        self.sources.insert(key, state);
    }

    /// Since when the data is stale (seconds since the epoch): the earliest time a source
    /// still unreachable was last known current; `None` while every source answers.
    pub fn stale_since(&self) -> Option<i64> {
        self.sources
            .values()
            .filter_map(|s| match s {
                LiveState::Unreachable { since, .. } => Some(*since),
                _ => None,
            })
            .min()
    }

    /// The inventory as analysis reads it (deterministic order).
    pub fn inventory(&self) -> Inventory {
        let mut inv = self.inventory_but_pods();
        inv.pods = self.pods.values().map(|p| Pod::clone(p)).collect();
        inv
    }

    /// The inventory without its pods (they are shared, not copied: see [`Store::track`]).
    fn inventory_but_pods(&self) -> Inventory {
        let mut inv = self.rest_inventory();
        inv.service_accounts = self.service_accounts.values().cloned().collect();
        inv.nodes = self.nodes.values().cloned().collect();
        inv
    }

    fn seen(&self) -> Seen {
        Seen {
            context: self.context.clone(),
            cluster: self.cluster.clone(),
            node_roles: self.node_roles.clone(),
            webhook_present: self.webhook_present,
            pod_identity_agent_present: self.pod_identity_agent_present,
            oidc_providers: self.oidc_providers.clone(),
            oidc_provider_accounts: self.oidc_provider_accounts.clone(),
            pod_identity_associations: self.pod_identity_associations.clone(),
            aws: self.aws.clone(),
        }
    }

    /// Starts recording the changes of the objects; what the rest is now.
    fn track(&mut self) -> Seen {
        self.pods.track();
        self.service_accounts.track();
        self.nodes.track();
        self.roles.take_changed();
        self.managed_policies.take_changed();
        self.evidence.take_changed();
        self.seen()
    }

    /// Whether the small parts `seen` holds are as they are now (compared in place: a pod
    /// event copies none of them).
    fn still(&self, seen: &Seen) -> bool {
        // Every field named: one added to `Seen` is compared here too.
        let Seen {
            context,
            cluster,
            node_roles,
            webhook_present,
            pod_identity_agent_present,
            oidc_providers,
            oidc_provider_accounts,
            pod_identity_associations,
            aws,
        } = seen;
        self.context == *context
            && self.cluster == *cluster
            && self.node_roles == *node_roles
            && self.webhook_present == *webhook_present
            && self.pod_identity_agent_present == *pod_identity_agent_present
            && self.oidc_providers == *oidc_providers
            && self.oidc_provider_accounts == *oidc_provider_accounts
            && self.pod_identity_associations == *pod_identity_associations
            && self.aws == *aws
    }

    /// What changed since `seen` (and the changes recorded since last taken).
    fn delta(&mut self, seen: &mut Seen) -> Delta {
        let still = self.still(seen);
        let roles = self.roles.take_changed();
        let policies = self.managed_policies.take_changed();
        let evidence = self.evidence.take_changed();
        let rest = (roles || policies || evidence || !still).then(|| self.rest_inventory());
        if !still {
            *seen = self.seen();
        }
        Delta {
            pods: self.pods.take(),
            service_accounts: self.service_accounts.take(),
            nodes: self.nodes.take(),
            rest,
            sources: self.source_health(),
            captured_at: String::new(),
        }
    }

    /// The inventory without its pods, ServiceAccounts and nodes.
    fn rest_inventory(&self) -> Inventory {
        let mut inv = Inventory::new();
        inv.context = self.context.clone();
        inv.cluster = self.cluster.clone();
        inv.roles = self.roles.values().cloned().collect();
        inv.managed_policies = self.managed_policies.to_vec();
        inv.oidc_providers = self.oidc_providers.clone();
        inv.oidc_provider_accounts = self.oidc_provider_accounts.clone();
        inv.node_roles = self
            .node_roles
            .iter()
            .map(|(arn, sources)| NodeRole {
                role_arn: arn.clone(),
                sources: sources.clone(),
            })
            .collect();
        inv.pod_identity_associations = self.pod_identity_associations.clone();
        inv.webhook_present = self.webhook_present;
        inv.pod_identity_agent_present = self.pod_identity_agent_present;
        inv.sources = self.source_health();
        inv.aws = self.aws.clone();
        inv.evidence = (*self.evidence).clone();
        inv
    }

    /// Every source's state, as the inventory records it.
    fn source_health(&self) -> Vec<SourceHealth> {
        self.sources
            .iter()
            .map(|((resource, namespace), state)| {
                let since = match state {
                    LiveState::Unreachable { since, .. } => Some(*since),
                    _ => None,
                };
                let (state, message, count) = match state {
                    LiveState::Synced { count } => (SourceState::Ok, None, Some(*count)),
                    LiveState::Forbidden { message } => {
                        (SourceState::Forbidden, Some(message.clone()), None)
                    }
                    LiveState::Failed { message } => {
                        (SourceState::Failed, Some(message.clone()), None)
                    }
                    LiveState::Unreachable { message, .. } => {
                        (SourceState::Unreachable, Some(message.clone()), None)
                    }
                    LiveState::Syncing { seen } => (SourceState::Syncing, None, Some(*seen)),
                };

                SourceHealth {
                    resource: resource.clone(),
                    namespace: namespace.clone(),
                    state,
                    message,
                    count,
                    syncing_since: self
                        .syncing_since
                        .get(&(resource.clone(), namespace.clone()))
                        .map(|t| crate::time::rfc3339(*t)),
                    unreachable_since: since.map(crate::time::rfc3339),
                }
            })
            .collect()
    }
}

/// When the data was captured: now, or when it was last known current while the API server
/// does not answer.
fn captured_at(stale_since: Option<i64>) -> String {
    match stale_since {
        Some(since) => crate::time::rfc3339(since),
        None => crate::time::now(),
    }
}

/// Shared between the sources (writers) and the consumers (report, dashboard).
pub struct Store {
    data: Mutex<Data>,
    version: watch::Sender<u64>,
}

impl Store {
    pub fn new() -> Arc<Self> {
        let (version, _) = watch::channel(0);
        Arc::new(Store {
            data: Mutex::new(Data::default()),
            version,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A writer that panicked left consistent records (each update is one closure).
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the data and tells subscribers.
    pub fn update<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        let out = f(&mut self.lock());
        self.version.send_modify(|v| *v += 1);
        out
    }

    /// Reads without notifying.
    pub fn read<R>(&self, f: impl FnOnce(&Data) -> R) -> R {
        f(&self.lock())
    }

    /// Wakes on every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// What the sources hold now, captured now (the dashboard's ages and "last change" are
    /// relative to it; it is taken again only when something changed). While the API server
    /// does not answer, it is captured as of the last time its data was known current: the
    /// capture time stops advancing over stale data.
    pub fn inventory(&self) -> Inventory {
        let (mut inv, stale) = self.read(|d| (d.inventory(), d.stale_since()));
        inv.captured_at = Some(captured_at(stale));
        inv
    }

    /// Starts recording what changes, for [`Store::changes`] (one follower at a time: a new
    /// call starts again): what the sources hold now, captured now, and what the follower
    /// keeps to compare with. The pods are shared, not copied: the inventory has none, they
    /// come beside it.
    pub fn track(&self) -> (Inventory, Vec<Arc<Pod>>, Seen) {
        let (mut inv, pods, seen, stale) = {
            let mut d = self.lock();
            let seen = d.track();
            let pods = d.pods.values().cloned().collect();
            (d.inventory_but_pods(), pods, seen, d.stale_since())
        };
        inv.captured_at = Some(captured_at(stale));
        (inv, pods, seen)
    }

    /// What changed since [`Store::track`] or the last call: the objects changed, by key;
    /// the rest of the inventory when any of it changed; the sources and the capture time.
    pub fn changes(&self, seen: &mut Seen) -> Delta {
        let (mut delta, stale) = {
            let mut d = self.lock();
            (d.delta(seen), d.stale_since())
        };
        delta.captured_at = captured_at(stale);
        delta
    }

    /// As [`Store::inventory`], moving the records out instead of copying them: the store
    /// is left without pods, ServiceAccounts, nodes and roles (for a one-shot read, whose
    /// sources stop next; the copy would double the peak memory of a large cluster).
    pub fn take_inventory(&self) -> Inventory {
        let (mut inv, stale) = {
            let mut d = self.lock();
            let pods = std::mem::take(&mut d.pods);
            let service_accounts = std::mem::take(&mut d.service_accounts);
            let nodes = std::mem::take(&mut d.nodes);
            let roles = std::mem::take(&mut *d.roles);
            let mut inv = d.inventory();
            inv.pods = pods.into_values().map(Arc::unwrap_or_clone).collect();
            inv.service_accounts = service_accounts.into_values().collect();
            inv.nodes = nodes.into_values().collect();
            inv.roles = roles.into_values().collect();
            (inv, d.stale_since())
        };
        inv.captured_at = Some(captured_at(stale));
        inv
    }

    /// Sources still syncing are marked failing (a report must not wait forever).
    pub fn give_up_syncing(&self, after: std::time::Duration) {
        self.update(|d| {
            for state in d.sources.values_mut() {
                if !state.is_settled() {
                    *state = LiveState::Failed {
                        message: format!(
                            "did not finish its initial list within {} s",
                            after.as_secs()
                        ),
                    };
                }
            }
            d.syncing_since.clear();
        });
    }

    /// Whether every registered source has finished its initial list (or failed).
    pub fn settled(&self) -> bool {
        self.read(|d| d.sources.values().all(LiveState::is_settled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taking_the_inventory_moves_the_records_out() {
        let store = Store::new();
        store.update(|d| {
            for (ns, name) in [("b", "x"), ("a", "y")] {
                d.pods.insert(
                    (ns.into(), name.into()),
                    Pod {
                        namespace: ns.into(),
                        name: name.into(),
                        ..Default::default()
                    }
                    .into(),
                );
                d.service_accounts.insert(
                    (ns.into(), name.into()),
                    ServiceAccount {
                        namespace: ns.into(),
                        name: name.into(),
                        ..Default::default()
                    },
                );
            }
            d.nodes.insert(
                "n".into(),
                Node {
                    name: "n".into(),
                    ..Default::default()
                },
            );
            d.add_node_role("arn:aws:iam::1:role/n", "aws-auth".into());
            d.set_source("pods", None, LiveState::Synced { count: 2 });
        });
        let mut copied = store.inventory();
        let mut taken = store.take_inventory();
        assert!(taken.captured_at.is_some());
        copied.captured_at = None;
        taken.captured_at = None;
        assert_eq!(taken, copied);
        assert_eq!(taken.pods[0].namespace, "a");
        // Nothing of the cluster is left behind twice.
        store.read(|d| {
            assert!(d.pods.is_empty() && d.service_accounts.is_empty() && d.nodes.is_empty());
            assert_eq!(d.sources.len(), 1);
        });
    }

    #[test]
    fn snapshot_is_ordered_and_maps_source_states() {
        let store = Store::new();
        let mut rx = store.subscribe();
        store.update(|d| {
            for (ns, name) in [("b", "x"), ("a", "y")] {
                d.service_accounts.insert(
                    (ns.into(), name.into()),
                    ServiceAccount {
                        namespace: ns.into(),
                        name: name.into(),
                        ..Default::default()
                    },
                );
            }
            d.add_node_role("arn:aws:iam::1:role/n", "nodegroup/ng".into());
            d.add_node_role("arn:aws:iam::1:role/n", "aws-auth".into());
            d.add_node_role("arn:aws:iam::1:role/n", "aws-auth".into());
            d.set_source("pods", None, LiveState::Synced { count: 3 });
            d.set_source(
                "pods",
                Some("kube-system"),
                LiveState::Forbidden {
                    message: "no".into(),
                },
            );
        });
        assert!(rx.has_changed().unwrap_or(false));
        let inv = store.inventory();
        assert_eq!(inv.service_accounts[0].namespace, "a");
        assert_eq!(inv.node_roles[0].sources, vec!["aws-auth", "nodegroup/ng"]);
        assert_eq!(inv.sources.len(), 2);
        assert!(
            inv.sources
                .iter()
                .any(|s| s.state == SourceState::Forbidden)
        );
        assert!(store.settled());
        store.update(|d| d.set_source("nodes", None, LiveState::Syncing { seen: 0 }));
        assert!(!store.settled());
        let _ = rx.borrow_and_update();
    }
}
