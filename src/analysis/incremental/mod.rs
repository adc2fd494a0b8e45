//! Incremental analysis: a watch event costs what it touches, not the cluster.
//!
//! [`Live`] keeps an inventory by key (pods, ServiceAccounts, nodes), the facts of its roles
//! ([`Facts`]: trust policies and policy documents parsed once per AWS read), what
//! bindings share ([`Shared`]: IRSA224's annotated ServiceAccounts, IRSA404's unused ones,
//! the leaky node roles) and the report. [`Live::apply`] takes a batch of [`Changes`]:
//! - a pod: re-derives the binding of its ServiceAccount (old and new), the node-role row it
//!   inherits (IRSA405's pods) and, when its ServiceAccount's pods stop or start running,
//!   the bindings of its namespace (IRSA404);
//! - a ServiceAccount: its binding (its trust, which depends on its audience), the bindings
//!   annotated with the same role when the annotation changes (IRSA224), its namespace's
//!   when whether it is unused changes (IRSA404);
//! - a node: the bindings of its pods and the rows their node roles;
//! - anything else (roles, policies, associations, node roles, what AWS says, a source's
//!   state): everything again ([`Live::new`]'s path, with the documents that did not change
//!   kept parsed).
//!
//! Each binding is built by the one function the full [`super::analyze`] uses
//! (`binding::build`), so a check added there is run here too; the report equals a full
//! analysis of the same inventory (the property test of `tests/incremental.rs` holds it).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

mod links;
mod sorted;

use super::binding::{self, Shared};
use super::checks::evidence::{self, Owners};
use super::index::{Facts, Index};
use super::node_rows;
use super::permissions::{DocumentCache, Documents, actions_named};
use super::removals;
use super::report::{Binding, Report, Settings, Status, Summary};
use crate::inventory::{Inventory, Name, Node, Pod, ServiceAccount, SourceHealth, named as key};
use links::Links;
use sorted::Sorted;

/// (namespace, name): a pod's key shares its texts with the pod.
pub type Key = crate::inventory::Named;

/// What changed since the last [`Live::apply`]: each object by key, with its new value
/// (`None`: deleted).
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub pods: Vec<(Key, Option<Arc<Pod>>)>,
    pub service_accounts: Vec<(Key, Option<ServiceAccount>)>,
    pub nodes: Vec<(String, Option<Node>)>,
    /// When anything else changed (roles, policies, associations, node roles, the cluster,
    /// AWS): the inventory without its pods, ServiceAccounts and nodes.
    pub rest: Option<Inventory>,
    /// The sources' states now (a count changes with every event: only a change of state
    /// re-judges the bindings).
    pub sources: Option<Vec<SourceHealth>>,
    pub captured_at: Option<String>,
    pub generated_at: Option<String>,
}

impl Changes {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
            && self.service_accounts.is_empty()
            && self.nodes.is_empty()
            && self.rest.is_none()
            && self.sources.is_none()
            && self.captured_at.is_none()
    }
}

/// What of a source the analysis judges (IRSA602, whether a namespace's pods were read):
/// not its count.
fn judged(
    s: &SourceHealth,
) -> (
    &str,
    Option<&str>,
    crate::inventory::SourceState,
    Option<&str>,
    Option<&str>,
) {
    (
        &s.resource,
        s.namespace.as_deref(),
        s.state,
        s.message.as_deref(),
        s.unreachable_since.as_deref(),
    )
}

/// An analysis kept up to date by the changes of its inventory.
pub struct Live {
    settings: Settings,
    /// The inventory without its pods, ServiceAccounts and nodes (kept below, by key).
    base: Inventory,
    documents: DocumentCache,
    facts: Facts,
    shared: Shared,
    /// Shared with the store that follows the cluster.
    pods: BTreeMap<Key, Arc<Pod>>,
    service_accounts: BTreeMap<Key, ServiceAccount>,
    nodes: BTreeMap<String, Node>,
    /// (namespace, ServiceAccount) → the names of its pods.
    pods_by_sa: BTreeMap<Key, Sorted<Name>>,
    /// Node → the pods on it.
    pods_by_node: HashMap<Name, Sorted<Key>>,
    /// Role ARN → the ServiceAccounts annotated with it.
    annotated: HashMap<String, BTreeSet<Key>>,
    /// Per node-role row: the pods that inherit it (IRSA405), in inventory order.
    inheriting: Vec<BTreeSet<Key>>,
    /// Pod → the node-role row it inherits.
    inherits: HashMap<Key, usize>,
    /// Node role ARN → its row.
    rows: HashMap<String, usize>,
    /// Binding → its status (where it sorts in the report).
    statuses: HashMap<Key, Status>,
    actions: Vec<String>,
    report: Report,
    /// How many times everything was derived again (the start included).
    rebuilds: usize,
    /// The bindings the last [`Live::apply`] built again (`None`: it rebuilt everything).
    touched: Option<Vec<Key>>,
    /// Counts the AWS reads applied (the roles' facts, and the actions they name, changed).
    facts_version: u64,
    /// CloudTrail's events, by what may own them.
    owners: Owners,
    /// What each binding's row reads of the others.
    links: Links,
}

impl Live {
    /// Analyses `inventory` in full (its pods, ServiceAccounts and nodes kept by key).
    pub fn new(mut inventory: Inventory, settings: &Settings) -> Self {
        let pods = super::shared(std::mem::take(&mut inventory.pods));
        Live::with_pods(inventory, pods, settings)
    }

    /// As [`Live::new`], with `inventory`'s pods given apart, shared (a live store's).
    pub fn with_pods(mut inventory: Inventory, pods: Vec<Arc<Pod>>, settings: &Settings) -> Self {
        let pods = pods
            .into_iter()
            .chain(
                std::mem::take(&mut inventory.pods)
                    .into_iter()
                    .map(Arc::new),
            )
            .map(|p| (key(&p.namespace, &p.name), p))
            .collect();
        let service_accounts = std::mem::take(&mut inventory.service_accounts)
            .into_iter()
            .map(|s| (key(&s.namespace, &s.name), s))
            .collect();
        let nodes = std::mem::take(&mut inventory.nodes)
            .into_iter()
            .map(|n| (n.name.clone(), n))
            .collect();
        let mut documents = DocumentCache::default();
        let (facts, actions) = Live::facts(&inventory, &mut documents);
        let mut live = Live {
            settings: settings.clone(),
            base: inventory,
            documents,
            facts,
            shared: Shared::default(),
            pods,
            service_accounts,
            nodes,
            pods_by_sa: BTreeMap::new(),
            pods_by_node: HashMap::default(),
            annotated: HashMap::default(),
            inheriting: Vec::new(),
            inherits: HashMap::default(),
            rows: HashMap::default(),
            statuses: HashMap::default(),
            actions,
            rebuilds: 0,
            touched: None,
            facts_version: 0,
            owners: Owners::default(),
            links: Links::default(),
            report: Report {
                schema: super::REPORT_SCHEMA.to_owned(),
                generated_at: settings.generated_at.clone(),
                cluster: super::ReportCluster::default(),
                scope: None,
                summary: Summary::default(),
                cluster_findings: Vec::new(),
                bindings: Vec::new(),
                node_roles: Vec::new(),
                evidence: None,
                node_baseline: Vec::new(),
            },
        };
        live.index_objects();
        live.rebuild();
        live
    }

    /// How many times everything was derived again (the start included): what a change
    /// did not follow by what it touches.
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }

    /// The bindings the last [`Live::apply`] built again, by key, whether or not they changed
    /// (a binding with no row now is gone from the report); `None` when it analysed
    /// everything again.
    pub fn touched(&self) -> Option<&[Key]> {
        self.touched.as_deref()
    }

    /// The binding of ServiceAccount `ns/name`, if it has a row.
    pub fn binding(&self, ns: &str, name: &str) -> Option<&Arc<Binding>> {
        let status = *self.statuses.get(&key(ns, name))?;
        let bindings = &self.report.bindings;
        bindings.get(position(bindings, status, ns, name).ok()?)
    }

    /// Counts the AWS reads applied: when it changes, so may [`Live::actions`].
    pub fn facts_version(&self) -> u64 {
        self.facts_version
    }

    /// The report, as a full analysis of the inventory would make it.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The actions the roles' policies name (for `:can` completion).
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The sources' states, as last given.
    pub fn sources(&self) -> &[SourceHealth] {
        &self.base.sources
    }

    /// The AWS status, as last given.
    pub fn aws(&self) -> &crate::inventory::AwsStatus {
        &self.base.aws
    }

    /// The inventory as it stands (for a full analysis to compare with).
    pub fn inventory(&self) -> Inventory {
        let mut inv = self.base.clone();
        inv.pods = self.pods.values().map(|p| Pod::clone(p)).collect();
        inv.service_accounts = self.service_accounts.values().cloned().collect();
        inv.nodes = self.nodes.values().cloned().collect();
        inv
    }

    /// The facts of `base`'s roles (documents parsed unless `cache` holds them), and the
    /// actions they name.
    fn facts(base: &Inventory, cache: &mut DocumentCache) -> (Facts, Vec<String>) {
        let documents = Documents::cached(base, cache);
        (Facts::of_roles(base, &documents), actions_named(&documents))
    }

    /// The lookups by key, from the objects.
    fn index_objects(&mut self) {
        self.pods_by_sa.clear();
        self.pods_by_node.clear();
        self.annotated.clear();
        for (k, p) in &self.pods {
            link_pod(&mut self.pods_by_sa, &mut self.pods_by_node, k, p);
        }
        self.pods_by_sa.values_mut().for_each(Sorted::shrink_to_fit);
        self.pods_by_node
            .values_mut()
            .for_each(Sorted::shrink_to_fit);
        for (k, sa) in &self.service_accounts {
            if let Some(arn) = &sa.role_arn {
                self.annotated
                    .entry(arn.clone())
                    .or_default()
                    .insert(k.clone());
            }
            self.facts.set_service_account(&k.0, &k.1, Some(sa));
        }
        for (name, n) in &self.nodes {
            self.facts.set_node(name, Some(n));
        }
    }

    /// The facts of each ServiceAccount and node, on facts of new roles.
    fn object_facts(&mut self) {
        for (k, sa) in &self.service_accounts {
            self.facts.set_service_account(&k.0, &k.1, Some(sa));
        }
        for (name, n) in &self.nodes {
            self.facts.set_node(name, Some(n));
        }
    }

    /// The bindings that use the roles changed by an AWS read (`old` and `old_facts`: the
    /// inventory and facts before it): annotated with them or associated to them, the
    /// ServiceAccounts their trust policies name (before or after), and, when roles came or
    /// went, the annotations that are not role ARNs (IRSA101 suggests a role by name).
    fn roles_changed(
        &mut self,
        old: &Inventory,
        old_facts: &Facts,
        roles: &BTreeSet<String>,
        touched: &mut Touched,
    ) {
        let uses = |arn: &str| {
            roles
                .iter()
                .any(|r| r == arn || crate::arn::same_role(r, arn))
        };
        for (arn, keys) in &self.annotated {
            if uses(arn) {
                touched.bindings.extend(keys.iter().cloned());
            }
        }
        for a in &self.base.pod_identity_associations {
            if uses(&a.role_arn) {
                touched
                    .bindings
                    .insert(key(&a.namespace, &a.service_account));
            }
        }
        for facts in [old_facts, &self.facts] {
            for r in roles {
                for (_, sub) in facts.trusted_subjects.get(r).into_iter().flatten() {
                    if let Some((ns, name)) = crate::policy::parse_subject(sub) {
                        touched.bindings.insert(key(ns, name));
                    }
                }
            }
        }
        let names = |inv: &Inventory| -> BTreeSet<(String, String)> {
            inv.roles
                .iter()
                .map(|r| (r.arn.clone(), r.name.clone()))
                .collect()
        };
        if names(old) != names(&self.base) {
            for (k, sa) in &self.service_accounts {
                if sa
                    .role_arn
                    .as_deref()
                    .is_some_and(|a| crate::arn::parse_role_arn(a).is_err())
                {
                    touched.bindings.insert(k.clone());
                }
            }
        }
    }

    /// Everything derived from the facts and objects, again: the full analysis's path.
    fn rebuild(&mut self) {
        self.rebuilds += 1;
        self.touched = None;
        let pods: Vec<&Arc<Pod>> = self.pods.values().collect();
        let idx = Index::new(
            &self.base,
            &self.settings,
            &self.facts,
            pods.iter().copied(),
        );
        let mut node_roles = node_rows::reports(&idx);
        let shared = Shared::new(
            &idx,
            self.service_accounts.values(),
            super::leaky_node_roles(&idx, &node_roles),
        );
        let mut bindings = binding::all(&idx, &shared, self.service_accounts.values());
        let documents = Documents::cached(&self.base, &mut self.documents);
        let owners = Owners::new(&self.base.evidence.events);
        let evidence = evidence::attach(&self.base, &documents, &owners, &mut bindings);
        if evidence.0.is_some() {
            binding::sort(&mut bindings);
        }
        node_rows::attach_inheriting_pods(&idx, pods.iter().map(|p| &***p), &mut node_roles);
        removals::mark(&mut bindings, &mut node_roles);
        let positions = node_rows::positions(&idx, &node_roles);
        self.inheriting = vec![BTreeSet::new(); node_roles.len()];
        self.inherits.clear();
        for p in &pods {
            if let Some(&i) =
                node_rows::inherited(&idx, p).and_then(|nr| positions.get(nr.role_arn.as_str()))
            {
                let k = key(&p.namespace, &p.name);
                self.inheriting[i].insert(k.clone());
                self.inherits.insert(k, i);
            }
        }
        self.rows = positions
            .into_iter()
            .map(|(arn, i)| (arn.to_owned(), i))
            .collect();
        self.statuses = bindings
            .iter()
            .map(|b| (key(&b.namespace, &b.service_account), b.status))
            .collect();
        self.owners = owners;
        self.links = Links::of(&bindings);
        self.report = super::assemble(&idx, bindings, node_roles, evidence);
        self.shared = shared;
    }

    /// Applies a batch of changes and brings the report up to date.
    pub fn apply(&mut self, changes: Changes) -> &Report {
        let Changes {
            pods,
            service_accounts,
            nodes,
            rest,
            sources,
            captured_at,
            generated_at,
        } = changes;
        if let Some(at) = generated_at {
            self.settings.generated_at = at.clone();
            self.report.generated_at = at;
        }
        if let Some(at) = captured_at {
            self.base.captured_at = Some(at.clone());
            self.report.cluster.captured_at = Some(at);
        }
        let mut again = false;
        let mut new_facts = false;
        let mut touched = Touched::default();
        if let Some(mut base) = rest {
            base.captured_at = self.base.captured_at.clone();
            base.sources = self.base.sources.clone();
            let roles = changed_roles(&mut self.base, &mut base);
            let old = std::mem::replace(&mut self.base, base);
            let (facts, actions) = Live::facts(&self.base, &mut self.documents);
            let old_facts = std::mem::replace(&mut self.facts, facts);
            self.actions = actions;
            self.facts_version += 1;
            match roles {
                // Only roles or their policies changed: the bindings that use them.
                Some(roles) => {
                    self.object_facts();
                    self.roles_changed(&old, &old_facts, &roles, &mut touched);
                }
                None => {
                    again = true;
                    new_facts = true;
                }
            }
        }
        if let Some(sources) = sources {
            let same = self.base.sources.len() == sources.len()
                && self
                    .base
                    .sources
                    .iter()
                    .zip(&sources)
                    .all(|(a, b)| judged(a) == judged(b));
            self.base.sources = sources;
            again |= !same;
        }
        for (k, p) in pods {
            self.pod_changed(k, p, &mut touched);
        }
        for (k, sa) in service_accounts {
            self.service_account_changed(k, sa, &mut touched);
        }
        for (name, n) in nodes {
            self.node_changed(name, n, &mut touched);
        }
        if again {
            if new_facts {
                self.index_objects();
            }
            self.rebuild();
        } else {
            self.settle(touched);
        }
        &self.report
    }

    fn set_node_object(&mut self, name: String, n: Option<Node>) {
        match n {
            Some(n) => self.nodes.insert(name, n),
            None => self.nodes.remove(&name),
        };
    }

    fn pod_changed(&mut self, k: Key, p: Option<Arc<Pod>>, touched: &mut Touched) {
        if let Some(old) = self.pods.remove(&k) {
            unlink_pod(&mut self.pods_by_sa, &mut self.pods_by_node, &k, &old);
            touched.bindings.insert(key(&k.0, &old.service_account));
        }
        if let Some(p) = p {
            link_pod(&mut self.pods_by_sa, &mut self.pods_by_node, &k, &p);
            touched.bindings.insert(key(&k.0, &p.service_account));
            self.pods.insert(k.clone(), p);
        }
        touched.pods.insert(k);
    }

    fn service_account_changed(
        &mut self,
        k: Key,
        sa: Option<ServiceAccount>,
        touched: &mut Touched,
    ) {
        let old = match &sa {
            Some(sa) => self.service_accounts.insert(k.clone(), sa.clone()),
            None => self.service_accounts.remove(&k),
        };
        let (was, is) = (
            old.as_ref().and_then(|s| s.role_arn.clone()),
            sa.as_ref().and_then(|s| s.role_arn.clone()),
        );
        // IRSA224 lists the ServiceAccounts annotated with a role: its other bindings change
        // when one joins or leaves.
        if was != is || old.is_none() != sa.is_none() {
            if let Some(arn) = was {
                if let Some(set) = self.annotated.get_mut(&arn) {
                    set.remove(&k);
                }
                touched.roles.insert(arn);
            }
            if let Some(arn) = is {
                self.annotated
                    .entry(arn.clone())
                    .or_default()
                    .insert(k.clone());
                touched.roles.insert(arn);
            }
        }
        self.facts.set_service_account(&k.0, &k.1, sa.as_ref());
        touched.bindings.insert(k);
    }

    fn node_changed(&mut self, name: String, n: Option<Node>, touched: &mut Touched) {
        self.facts.set_node(&name, n.as_ref());
        self.set_node_object(name.clone(), n);
        for k in self.pods_by_node.get(name.as_str()).into_iter().flatten() {
            if let Some(p) = self.pods.get(k) {
                touched.bindings.insert(key(&k.0, &p.service_account));
            }
            touched.pods.insert(k.clone());
        }
    }

    /// Re-derives what the changes touched: the annotated lists, the unused
    /// ServiceAccounts, the node-role rows, the bindings, the summary.
    fn settle(&mut self, mut touched: Touched) {
        for arn in &touched.roles {
            let members = self.annotated.get(arn).filter(|s| !s.is_empty());
            match members {
                Some(set) => {
                    touched.bindings.extend(set.iter().cloned());
                    let listed = set.iter().map(|(ns, n)| format!("{ns}/{n}")).collect();
                    self.shared.annotated_by.insert(arn.clone(), listed);
                }
                None => {
                    self.annotated.remove(arn);
                    self.shared.annotated_by.remove(arn);
                }
            }
        }
        let empty = Index::new(&self.base, &self.settings, &self.facts, []);
        // IRSA404: whether each ServiceAccount touched is annotated and unused.
        let mut namespaces: BTreeSet<Name> = BTreeSet::new();
        for k in &touched.bindings {
            let unused = self.service_accounts.get(k).is_some_and(|sa| {
                sa.role_arn.is_some()
                    && self
                        .pods_by_sa
                        .get(k)
                        .into_iter()
                        .flatten()
                        .filter_map(|name| self.pods.get(&key(&k.0, name)))
                        .all(|p| !super::checks::pods::is_live(p))
            });
            let unused_in = &mut self.shared.unused_annotated;
            let at = unused_in
                .get(k.0.as_str())
                .map(|list| list.binary_search_by(|n| n.as_str().cmp(&k.1)));
            match (unused, at) {
                (true, None) => {
                    unused_in.insert(k.0.to_string(), vec![k.1.to_string()]);
                }
                (true, Some(Err(i))) => {
                    if let Some(list) = unused_in.get_mut(k.0.as_str()) {
                        list.insert(i, k.1.to_string());
                    }
                }
                (false, Some(Ok(i))) => {
                    if let Some(list) = unused_in.get_mut(k.0.as_str()) {
                        list.remove(i);
                        if list.is_empty() {
                            unused_in.remove(k.0.as_str());
                        }
                    }
                }
                _ => continue,
            }
            namespaces.insert(k.0.clone());
        }
        for ns in &namespaces {
            let from = (ns.clone(), Name::default());
            let in_ns = |k: &&Key| k.0 == *ns;
            let sas = self.service_accounts.range(from.clone()..).map(|(k, _)| k);
            touched.bindings.extend(sas.take_while(in_ns).cloned());
            let with_pods = self.pods_by_sa.range(from..).map(|(k, _)| k);
            touched
                .bindings
                .extend(with_pods.take_while(in_ns).cloned());
            let associated = self.facts.association_keys().filter(|(n, _)| n == ns);
            touched
                .bindings
                .extend(associated.map(|(n, name)| key(n, name)));
        }
        // IRSA405's pods: the node-role row each pod touched inherits now.
        let mut rows: BTreeSet<usize> = BTreeSet::new();
        for k in &touched.pods {
            if let Some(i) = self.inherits.remove(k) {
                self.inheriting[i].remove(k);
                rows.insert(i);
            }
            let row = self.pods.get(k).and_then(|p| {
                let nr = node_rows::inherited(&empty, p)?;
                self.rows.get(nr.role_arn.as_str()).copied()
            });
            if let Some(i) = row {
                self.inheriting[i].insert(k.clone());
                self.inherits.insert(k.clone(), i);
                rows.insert(i);
            }
        }
        drop(empty);
        for &i in &rows {
            let (Some(row), Some(set)) =
                (self.report.node_roles.get_mut(i), self.inheriting.get(i))
            else {
                continue;
            };
            row.pods_without_irsa_count = set.len();
            row.pods_without_irsa = set
                .iter()
                .take(node_rows::LISTED)
                .map(|(ns, n)| format!("{ns}/{n}"))
                .collect();
            removals::mark_node_role(row);
        }
        // Who runs as each role with CloudTrail calls that name no ServiceAccount, before.
        let lone_before: Vec<_> = self
            .owners
            .lone_roles()
            .map(|r| (r.clone(), self.links.sessions(r)))
            .collect();
        // The bindings touched, built as the full analysis builds them.
        let mut built = self.build(&touched.bindings);
        let mut roles: BTreeSet<String> = BTreeSet::new();
        for (k, b) in &built {
            roles.extend(self.links.forget(k));
            if let Some(b) = b {
                roles.extend(b.role_arn.clone());
                self.links.sessions_of(k, b);
            }
        }
        // A call that names no ServiceAccount is the binding's that alone runs as its role:
        // when that changed, the bindings that did or do run as it are built again.
        let mut also: BTreeSet<Key> = BTreeSet::new();
        for (r, before) in lone_before {
            let after = self.links.sessions(&r);
            if before != after && (before.len() == 1 || after.len() == 1) {
                also.extend(
                    before
                        .union(&after)
                        .filter(|k| !touched.bindings.contains(*k))
                        .cloned(),
                );
            }
        }
        let again = self.build(&also);
        for (k, b) in &again {
            self.links.forget(k);
            if let Some(b) = b {
                self.links.sessions_of(k, b);
            }
        }
        built.extend(again);
        // The policy documents, once a binding is given events (`can` explains a denial).
        let mut documents: Option<Documents> = None;
        for (k, mut b) in built {
            if let Some(b) = &mut b
                && self.report.evidence.is_some()
            {
                let links = &self.links;
                let mine = self.owners.events_of(b, |r| links.users(r));
                if !mine.is_empty() {
                    let documents = documents
                        .get_or_insert_with(|| Documents::cached(&self.base, &mut self.documents));
                    evidence::give(documents, &self.base.evidence.events, &mine, b);
                }
            }
            if let Some(b) = &b {
                self.links.rows_of(&k, b);
            }
            let report = &mut self.report;
            place(
                &mut report.bindings,
                &mut report.summary,
                &mut self.statuses,
                &k,
                b,
            );
        }
        drop(documents);
        // What a fix that detaches says of who uses it: the bindings of the roles whose
        // bindings changed, and of the node roles whose rows changed.
        let mut marked: BTreeSet<Key> = touched.bindings;
        marked.extend(also);
        for role in &roles {
            marked.extend(self.links.annotated(role).cloned());
        }
        for &i in &rows {
            if let Some(row) = self.report.node_roles.get(i) {
                marked.extend(self.links.detaching(&row.role_arn).cloned());
            }
        }
        self.mark(&marked);
        if self.report.evidence.is_some() && !self.owners.is_empty() {
            let (links, statuses) = (&self.links, &self.statuses);
            let unattributed = self.owners.unattributed(
                |(ns, n)| statuses.contains_key(&key(ns, n)),
                |r| links.users(r),
            );
            self.report.evidence = Some(evidence::window(&self.base.evidence, &unattributed));
        }
        self.touched = Some(marked.into_iter().collect());
    }

    /// Builds the bindings of `keys` as the full analysis builds them (`None`: no row).
    fn build(&self, keys: &BTreeSet<Key>) -> Vec<(Key, Option<Binding>)> {
        if keys.is_empty() {
            return Vec::new();
        }
        let pods = keys.iter().flat_map(|k| {
            self.pods_by_sa
                .get(k)
                .into_iter()
                .flatten()
                .filter_map(|name| self.pods.get(&key(&k.0, name)))
        });
        let idx = Index::new(&self.base, &self.settings, &self.facts, pods);
        keys.iter()
            .map(|k| {
                let (ns, name) = (k.0.as_str(), k.1.as_str());
                let sa = self.service_accounts.get(k);
                let named = sa.is_some()
                    || self.pods_by_sa.contains_key(k)
                    || !idx.associations_of(ns, name).is_empty();
                let built = named
                    .then(|| binding::build(&idx, &self.shared, ns, name, sa))
                    .flatten();
                (k.clone(), built)
            })
            .collect()
    }

    /// Says again, on the fixes of bindings `keys` that detach, who uses what they detach.
    fn mark(&mut self, keys: &BTreeSet<Key>) {
        let Report {
            bindings,
            node_roles,
            ..
        } = &mut self.report;
        let rows = &self.rows;
        let node_role_said = |arn: &str| {
            rows.get(arn)
                .and_then(|&i| node_roles.get(i))
                .map(removals::node_role_users)
        };
        for k in keys {
            let Some(&status) = self.statuses.get(k) else {
                continue;
            };
            let Some(b) = position(bindings, status, &k.0, &k.1)
                .ok()
                .and_then(|i| bindings.get_mut(i))
            else {
                continue;
            };
            let users: Vec<String> = b
                .role_arn
                .as_deref()
                .map(|role| {
                    self.links
                        .annotated(role)
                        .map(|(ns, n)| format!("{ns}/{n}"))
                        .collect()
                })
                .unwrap_or_default();
            removals::mark_shared_binding(b, &node_role_said, &users);
        }
    }
}

/// At most this many roles changed by one AWS read are followed binding by binding; more
/// are analysed again in full.
const ROLES_FOLLOWED: usize = 64;

/// The roles an AWS read changed (added, removed, changed, or using a managed policy that
/// changed), when nothing else than roles and policies changed from `old` to `new` (and at
/// most [`ROLES_FOLLOWED`], none a node role); `None`: analyse everything again.
fn changed_roles(old: &mut Inventory, new: &mut Inventory) -> Option<BTreeSet<String>> {
    fn split(
        inv: &mut Inventory,
    ) -> (
        Vec<crate::inventory::Role>,
        Vec<crate::inventory::ManagedPolicy>,
        Option<String>,
    ) {
        (
            std::mem::take(&mut inv.roles),
            std::mem::take(&mut inv.managed_policies),
            inv.aws.read_at.take(),
        )
    }
    let (old_roles, old_policies, old_at) = split(old);
    let (new_roles, new_policies, new_at) = split(new);
    let same_rest = old == new;
    (old.roles, old.managed_policies, old.aws.read_at) = (old_roles, old_policies, old_at);
    (new.roles, new.managed_policies, new.aws.read_at) = (new_roles, new_policies, new_at);
    if !same_rest {
        return None;
    }
    let policies = |inv: &Inventory| -> HashMap<String, crate::inventory::ManagedPolicy> {
        inv.managed_policies
            .iter()
            .map(|p| (p.arn.clone(), p.clone()))
            .collect()
    };
    let (was, is) = (policies(old), policies(new));
    let changed_policies: BTreeSet<&str> = was
        .iter()
        .filter(|(arn, p)| is.get(*arn) != Some(*p))
        .chain(is.iter().filter(|(arn, p)| was.get(*arn) != Some(*p)))
        .map(|(arn, _)| arn.as_str())
        .collect();
    let by_arn = |inv: &Inventory| -> HashMap<String, crate::inventory::Role> {
        inv.roles
            .iter()
            .map(|r| (r.arn.clone(), r.clone()))
            .collect()
    };
    let (was_roles, is_roles) = (by_arn(old), by_arn(new));
    let uses_changed = |r: &crate::inventory::Role| {
        r.attached_policies
            .iter()
            .map(|p| p.arn.as_str())
            .chain(r.permissions_boundary.as_deref())
            .any(|arn| changed_policies.contains(arn))
    };
    let mut changed = BTreeSet::new();
    for (arn, r) in &was_roles {
        if is_roles.get(arn) != Some(r) || uses_changed(r) {
            changed.insert(arn.clone());
        }
    }
    for (arn, r) in &is_roles {
        if was_roles.get(arn) != Some(r) || uses_changed(r) {
            changed.insert(arn.clone());
        }
    }
    let node_role = new.node_roles.iter().any(|nr| {
        changed
            .iter()
            .any(|c| *c == nr.role_arn || crate::arn::same_role(c, &nr.role_arn))
    });
    (changed.len() <= ROLES_FOLLOWED && !node_role).then_some(changed)
}

/// What a batch of changes touched.
#[derive(Default)]
struct Touched {
    /// Bindings to build again.
    bindings: BTreeSet<Key>,
    /// Pods whose node-role row may have changed.
    pods: BTreeSet<Key>,
    /// Roles whose annotated ServiceAccounts changed.
    roles: BTreeSet<String>,
}

fn link_pod(
    by_sa: &mut BTreeMap<Key, Sorted<Name>>,
    by_node: &mut HashMap<Name, Sorted<Key>>,
    k: &Key,
    p: &Pod,
) {
    by_sa
        .entry(key(&k.0, &p.service_account))
        .or_default()
        .insert(k.1.clone());
    if let Some(node) = &p.node {
        by_node.entry(node.clone()).or_default().insert(k.clone());
    }
}

fn unlink_pod(
    by_sa: &mut BTreeMap<Key, Sorted<Name>>,
    by_node: &mut HashMap<Name, Sorted<Key>>,
    k: &Key,
    p: &Pod,
) {
    let sa = key(&k.0, &p.service_account);
    if let Some(names) = by_sa.get_mut(&sa) {
        names.remove(&k.1);
        if names.is_empty() {
            by_sa.remove(&sa);
        }
    }
    if let Some(node) = &p.node
        && let Some(keys) = by_node.get_mut(node)
    {
        keys.remove(k);
        if keys.is_empty() {
            by_node.remove(node);
        }
    }
}

/// Counts a binding in the summary (`add`), or takes it out.
fn count(summary: &mut Summary, b: &Binding, add: bool) {
    let step = |n: &mut usize| {
        *n = if add { *n + 1 } else { n.saturating_sub(1) };
    };
    step(&mut summary.bindings);
    step(match b.status {
        Status::Ok => &mut summary.ok,
        Status::Warning => &mut summary.warning,
        Status::Failing => &mut summary.failing,
        Status::Unknown => &mut summary.unknown,
    });
    for f in &b.findings {
        let counts = &mut summary.findings;
        step(match f.severity {
            super::Severity::Critical => &mut counts.critical,
            super::Severity::Error => &mut counts.error,
            super::Severity::Warning => &mut counts.warning,
            super::Severity::Info => &mut counts.info,
        });
    }
}

/// Where binding `ns/name` with `status` is, or would be, in the report's order.
fn position(
    bindings: &[Arc<Binding>],
    status: Status,
    ns: &str,
    name: &str,
) -> Result<usize, usize> {
    bindings.binary_search_by(|b| binding::order(b).cmp(&(status, ns, name)))
}

/// Puts binding `k` (`None`: it has no row now) where it sorts in `bindings`, and counts
/// it in the summary instead of the one it replaces.
fn place(
    bindings: &mut Vec<Arc<Binding>>,
    summary: &mut Summary,
    statuses: &mut HashMap<Key, Status>,
    k: &Key,
    built: Option<Binding>,
) {
    let built = built.map(Arc::new);
    let at = |bindings: &[Arc<Binding>], status: Status| position(bindings, status, &k.0, &k.1);
    let old = statuses.get(k).and_then(|&s| at(bindings, s).ok());
    if let Some(i) = old {
        count(summary, &bindings[i], false);
    }
    if let Some(b) = &built {
        count(summary, b, true);
    }
    match (old, built) {
        (Some(i), Some(b)) if bindings[i].status == b.status => bindings[i] = b,
        (old, built) => {
            if let Some(i) = old {
                bindings.remove(i);
                statuses.remove(k);
            }
            if let Some(b) = built {
                let status = b.status;
                if let Err(i) = at(bindings, status) {
                    bindings.insert(i, b);
                    statuses.insert(k.clone(), status);
                }
            }
        }
    }
}
