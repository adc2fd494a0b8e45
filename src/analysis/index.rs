//! Lookups built so each check is a direct read, whatever the size of the cluster.
//!
//! [`Facts`] is what the roles, node groups and associations say (trust policies parsed once
//! per role, who each role trusts, each role's permissions): built once per AWS read and
//! kept, owned, across watch events by the incremental analysis, which updates its per-node
//! and per-ServiceAccount entries as they change. [`Index`] borrows it for one analysis, with
//! the pods of the ServiceAccounts being analysed.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::inventory::{
    Inventory, Node, NodeRole, OidcProvider, Pod, PodIdentityAssociation, Role, ServiceAccount,
};
use crate::policy::{
    Effect, Issuer, ParseError, PolicyDocument, allowing_statement, parse_subject,
};

use super::checks::permission_conflicts;
use super::permissions::{Documents, view, view::PermissionsView};
use super::report::Settings;

pub type SaKey<'a> = (&'a str, &'a str);

/// Role ARN → the (provider, sub) pairs its Allow statements name.
pub type Subjects = HashMap<String, BTreeSet<(String, String)>>;

/// Namespace → name → value, so a `(&str, &str)` looks up without allocating.
pub type ByKey<V> = HashMap<String, HashMap<String, V>>;

fn get_by_key<'m, V>(map: &'m ByKey<V>, ns: &str, name: &str) -> Option<&'m V> {
    map.get(ns)?.get(name)
}

/// What the inventory's roles, node groups and associations say, owned: positions refer to
/// the inventory it was built from (its roles, node roles and associations).
pub struct Facts {
    /// This cluster's issuer, when it has one and it parses.
    pub issuer: Option<Issuer>,
    /// Role ARN → its position in `inv.roles`.
    roles: HashMap<String, usize>,
    /// Trust policies parsed once per role.
    pub trust: HashMap<String, Result<PolicyDocument, ParseError>>,
    /// Trust policies decoded and pretty-printed once per role, for the drill-down.
    pub trust_pretty: HashMap<String, std::sync::Arc<str>>,
    /// For each role: the ServiceAccount subjects its Allow statements name on any OIDC
    /// provider, as (provider, sub) pairs: the role's blast radius.
    pub trusted_subjects: HashMap<String, BTreeSet<(String, String)>>,
    /// The roles (sorted) whose Allow statements name this ServiceAccount on this cluster's
    /// provider: whether they admit it depends on its audience.
    candidates: ByKey<Vec<String>>,
    /// Roles whose trust policy lets exactly this ServiceAccount in on this cluster's
    /// provider (with its audience), by namespace then name.
    trusted_by: ByKey<Vec<String>>,
    /// What each readable role's policy documents say about each other (IRSA233, IRSA234),
    /// worked out once per role.
    pub permission_facts: HashMap<String, permission_conflicts::Facts>,
    /// The dashboard's view of each readable role's policies, once per role.
    pub permission_views: HashMap<String, Arc<PermissionsView>>,
    /// Positions in `inv.pod_identity_associations`, by ServiceAccount.
    associations: ByKey<Vec<usize>>,
    /// Node group → position of its node role in `inv.node_roles`.
    node_role_of_group: HashMap<String, usize>,
    /// Node name → position of its node group's node role in `inv.node_roles`.
    node_role_of_node: HashMap<String, usize>,
}

impl Facts {
    /// The facts of `inv`'s roles, node groups and associations; the per-node and
    /// per-ServiceAccount entries from `inv.nodes` and `inv.service_accounts`.
    pub fn new(inv: &Inventory, documents: &Documents) -> Self {
        let mut facts = Facts::of_roles(inv, documents);
        for n in &inv.nodes {
            facts.set_node(&n.name, Some(n));
        }
        for sa in &inv.service_accounts {
            facts.set_service_account(&sa.namespace, &sa.name, Some(sa));
        }
        facts
    }

    /// The facts of `inv`'s roles, node groups and associations, as if it had no nodes and
    /// no ServiceAccounts: add them with [`Facts::set_node`] and
    /// [`Facts::set_service_account`].
    pub fn of_roles(inv: &Inventory, documents: &Documents) -> Self {
        let issuer = inv
            .cluster
            .oidc_issuer
            .as_deref()
            .and_then(|i| Issuer::parse(i).ok());
        let roles: HashMap<String, usize> = inv
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.arn.clone(), i))
            .collect();
        let trust: HashMap<String, Result<PolicyDocument, ParseError>> = inv
            .roles
            .iter()
            .filter_map(|r| {
                r.trust_policy
                    .as_deref()
                    .map(|t| (r.arn.clone(), crate::analysis::trust::parse_trust_policy(t)))
            })
            .collect();
        let mut associations: ByKey<Vec<usize>> = HashMap::default();
        for (i, a) in inv.pod_identity_associations.iter().enumerate() {
            associations
                .entry(a.namespace.clone())
                .or_default()
                .entry(a.service_account.clone())
                .or_default()
                .push(i);
        }
        let mut node_role_of_group: HashMap<String, usize> = HashMap::default();
        for (i, nr) in inv.node_roles.iter().enumerate() {
            for s in &nr.sources {
                if let Some(g) = s.strip_prefix("nodegroup/") {
                    node_role_of_group.insert(g.to_owned(), i);
                }
            }
        }
        let trust_pretty =
            inv.roles
                .iter()
                .filter_map(|r| {
                    let text = r.trust_policy.as_deref()?;
                    let pretty = match trust.get(r.arn.as_str()) {
                        Some(Ok(doc)) => serde_json::to_string_pretty(&doc.json)
                            .unwrap_or_else(|_| text.to_owned()),
                        _ => text.to_owned(),
                    };
                    Some((r.arn.clone(), std::sync::Arc::<str>::from(pretty)))
                })
                .collect();
        let (candidates, trusted_subjects) = trust_relations(&trust, issuer.as_ref());
        let mut permission_facts = HashMap::default();
        let mut permission_views = HashMap::default();
        for r in &inv.roles {
            if let Ok(docs) = documents.of(r) {
                permission_facts.insert(r.arn.clone(), permission_conflicts::facts(&docs));
                permission_views.insert(r.arn.clone(), view::of(&docs));
            }
        }
        let mut facts = Facts {
            issuer,
            roles,
            trust,
            trust_pretty,
            trusted_subjects,
            candidates,
            trusted_by: HashMap::default(),
            permission_facts,
            permission_views,
            associations,
            node_role_of_group,
            node_role_of_node: HashMap::default(),
        };
        // Every subject the trust policies name, as if it had no ServiceAccount (the
        // default audience) until one is set.
        let named: Vec<(String, String)> = facts
            .candidates
            .iter()
            .flat_map(|(ns, names)| names.keys().map(move |n| (ns.clone(), n.clone())))
            .collect();
        for (ns, name) in named {
            facts.set_service_account(&ns, &name, None);
        }
        facts
    }

    /// Records the node group of node `name` (`None`: the node is gone).
    pub fn set_node(&mut self, name: &str, node: Option<&Node>) {
        let role = node
            .and_then(|n| n.nodegroup.as_deref())
            .and_then(|g| self.node_role_of_group.get(g).copied());
        match role {
            Some(i) => {
                self.node_role_of_node.insert(name.to_owned(), i);
            }
            None => {
                self.node_role_of_node.remove(name);
            }
        }
    }

    /// Records ServiceAccount `ns/name` (`None`: there is none): which of the roles naming
    /// it admit it, with its audience.
    pub fn set_service_account(
        &mut self,
        ns: &str,
        name: &str,
        sa: Option<&ServiceAccount>,
    ) -> &mut Self {
        let (Some(issuer), Some(arns)) =
            (self.issuer.as_ref(), get_by_key(&self.candidates, ns, name))
        else {
            return self;
        };
        let audience = audience_of(sa);
        let admitted: Vec<String> = arns
            .iter()
            .filter(|arn| {
                let Some(Ok(doc)) = self.trust.get(arn.as_str()) else {
                    return false;
                };
                let account = crate::arn::account(arn);
                let request =
                    crate::policy::Request::web_identity(issuer, account, ns, name, &audience);
                allowing_statement(doc, &request).is_some()
            })
            .cloned()
            .collect();
        if admitted.is_empty() {
            if let Some(names) = self.trusted_by.get_mut(ns) {
                names.remove(name);
                if names.is_empty() {
                    self.trusted_by.remove(ns);
                }
            }
        } else {
            self.trusted_by
                .entry(ns.to_owned())
                .or_default()
                .insert(name.to_owned(), admitted);
        }
        self
    }

    /// The ServiceAccounts Pod Identity associations name.
    pub fn association_keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.associations
            .iter()
            .flat_map(|(ns, names)| names.keys().map(move |n| (ns.as_str(), n.as_str())))
    }
}

pub struct Index<'a> {
    pub inv: &'a Inventory,
    pub settings: &'a Settings,
    pub facts: &'a Facts,
    /// This cluster's issuer, when it has one and it parses.
    pub issuer: &'a Option<Issuer>,
    /// Trust policies parsed once per role.
    pub trust: &'a HashMap<String, Result<PolicyDocument, ParseError>>,
    /// Trust policies pretty-printed, for the drill-down.
    pub trust_pretty: &'a HashMap<String, std::sync::Arc<str>>,
    /// The blast radius of each role (see [`Facts::trusted_subjects`]).
    pub trusted_subjects: &'a HashMap<String, BTreeSet<(String, String)>>,
    /// See [`Facts::permission_facts`].
    pub permission_facts: &'a HashMap<String, permission_conflicts::Facts>,
    /// The pods of the ServiceAccounts analysed, in inventory order.
    pub pods_by_sa: HashMap<SaKey<'a>, Vec<&'a Arc<Pod>>>,
}

impl<'a> Index<'a> {
    /// The lookups of one analysis: `facts` of `inv`, and `pods` by ServiceAccount.
    pub fn new(
        inv: &'a Inventory,
        settings: &'a Settings,
        facts: &'a Facts,
        pods: impl IntoIterator<Item = &'a Arc<Pod>>,
    ) -> Self {
        let mut pods_by_sa: HashMap<SaKey, Vec<&Arc<Pod>>> = HashMap::default();
        for p in pods {
            pods_by_sa
                .entry((p.namespace.as_str(), p.service_account.as_str()))
                .or_default()
                .push(p);
        }
        Index {
            inv,
            settings,
            facts,
            issuer: &facts.issuer,
            trust: &facts.trust,
            trust_pretty: &facts.trust_pretty,
            trusted_subjects: &facts.trusted_subjects,
            permission_facts: &facts.permission_facts,
            pods_by_sa,
        }
    }

    /// A role of the inventory, by ARN.
    pub fn role(&self, arn: &str) -> Option<&'a Role> {
        self.inv.roles.get(*self.facts.roles.get(arn)?)
    }

    /// The Pod Identity associations of ServiceAccount `ns/name`.
    pub fn associations_of(&self, ns: &str, name: &str) -> Vec<&'a PodIdentityAssociation> {
        get_by_key(&self.facts.associations, ns, name)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.inv.pod_identity_associations.get(i))
            .collect()
    }

    /// The view of a role's policies, by the ARN a binding or node role names.
    pub fn permission_view(&self, arn: &str) -> Option<Arc<PermissionsView>> {
        let views = &self.facts.permission_views;
        views.get(arn).cloned().or_else(|| {
            let role = self
                .inv
                .roles
                .iter()
                .find(|r| crate::arn::same_role(&r.arn, arn))?;
            views.get(role.arn.as_str()).cloned()
        })
    }

    /// The roles trusting exactly this ServiceAccount (IRSA104).
    pub fn trusted_by(&self, namespace: &str, name: &str) -> Option<&'a Vec<String>> {
        get_by_key(&self.facts.trusted_by, namespace, name)
    }

    pub fn pods_of(&self, namespace: &'a str, name: &'a str) -> &[&'a Arc<Pod>] {
        self.pods_by_sa
            .get(&(namespace, name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The node role a pod's node runs with, through its node group.
    pub fn node_role_of_pod(&self, pod: &Pod) -> Option<&'a NodeRole> {
        let i = *self.facts.node_role_of_node.get(pod.node.as_deref()?)?;
        self.inv.node_roles.get(i)
    }

    /// The registered provider for this cluster's issuer in `account`:
    /// `Ok(Some)` found, `Ok(None)` listed and absent, `Err(())` not listed (unknown).
    pub fn provider_in(&self, account: &str) -> Result<Option<&'a OidcProvider>, ()> {
        let issuer = self.issuer.as_ref().ok_or(())?;
        if !self.inv.oidc_provider_accounts.iter().any(|a| a == account) {
            return Err(());
        }
        Ok(self.inv.oidc_providers.iter().find(|p| {
            let url = p.url.trim_start_matches("https://").trim_end_matches('/');
            url.eq_ignore_ascii_case(&issuer.provider)
                && crate::arn::account(&p.arn) == Some(account)
        }))
    }
}

/// Which roles name which ServiceAccounts: exact `sub` values of Allow statements (any
/// provider), and, for this cluster, the roles naming each ServiceAccount (sorted), whose
/// policies may admit it.
fn trust_relations(
    trust: &HashMap<String, Result<PolicyDocument, ParseError>>,
    issuer: Option<&Issuer>,
) -> (ByKey<Vec<String>>, Subjects) {
    let mut candidates: ByKey<Vec<String>> = HashMap::default();
    let mut subjects: HashMap<String, BTreeSet<(String, String)>> = HashMap::default();
    let mut arns: Vec<&String> = trust.keys().collect();
    arns.sort();
    for arn in arns {
        let Some(Ok(doc)) = trust.get(arn.as_str()) else {
            continue;
        };
        let mut set = BTreeSet::new();
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for c in &s.conditions {
                let Some((provider, claim)) = c.key.rsplit_once(':') else {
                    continue;
                };
                if !claim.eq_ignore_ascii_case("sub") {
                    continue;
                }
                for v in c.values.iter() {
                    set.insert((provider.to_lowercase(), v.clone()));
                }
            }
        }
        if let Some(issuer) = issuer {
            let ours = issuer.provider.to_lowercase();
            for (provider, sub) in &set {
                let Some((ns, sa)) = parse_subject(sub).filter(|_| *provider == ours) else {
                    continue;
                };
                candidates
                    .entry(ns.to_owned())
                    .or_default()
                    .entry(sa.to_owned())
                    .or_default()
                    .push(arn.clone());
            }
        }
        subjects.insert(arn.clone(), set);
    }
    (candidates, subjects)
}

/// The token audience of a ServiceAccount: its annotation, else `sts.amazonaws.com`.
pub fn audience_of(sa: Option<&ServiceAccount>) -> String {
    sa.and_then(|s| s.audience.clone())
        .unwrap_or_else(|| crate::policy::DEFAULT_AUDIENCE.to_owned())
}
