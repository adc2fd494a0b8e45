//! Lookups built once per analysis so each check is a direct read, whatever the size of
//! the cluster: pods by ServiceAccount, roles by ARN, parsed trust policies by role, ...

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::inventory::{
    Inventory, NodeRole, OidcProvider, Pod, PodIdentityAssociation, Role, ServiceAccount,
};
use crate::policy::{
    Effect, Issuer, ParseError, PolicyDocument, allowing_statement, parse_subject,
};

use super::checks::permission_conflicts;
use super::permissions::{Documents, view, view::PermissionsView};
use super::report::Settings;

pub type SaKey<'a> = (&'a str, &'a str);

pub struct Index<'a> {
    pub inv: &'a Inventory,
    pub settings: &'a Settings,
    /// This cluster's issuer, when it has one and it parses.
    pub issuer: Option<Issuer>,
    pub roles: HashMap<&'a str, &'a Role>,
    /// Trust policies parsed once per role.
    pub trust: HashMap<&'a str, Result<PolicyDocument, ParseError>>,
    pub service_accounts: HashMap<SaKey<'a>, &'a ServiceAccount>,
    pub pods_by_sa: HashMap<SaKey<'a>, Vec<&'a Pod>>,
    pub associations: HashMap<SaKey<'a>, Vec<&'a PodIdentityAssociation>>,
    /// node name → the node role of its node group
    pub node_role_of_node: HashMap<&'a str, &'a NodeRole>,
    /// Trust policies decoded and pretty-printed once per role, for the drill-down.
    pub trust_pretty: HashMap<&'a str, String>,
    /// Roles whose trust policy lets exactly this ServiceAccount in on this cluster's
    /// provider, by namespace then name.
    pub trusted_by: HashMap<String, HashMap<String, Vec<&'a str>>>,
    /// For each role: the ServiceAccount subjects its Allow statements name on any OIDC
    /// provider, as (provider, sub) pairs: the role's blast radius.
    pub trusted_subjects: HashMap<&'a str, BTreeSet<(String, String)>>,
    /// What each readable role's policy documents say about each other (IRSA233, IRSA234),
    /// worked out once per role.
    pub permission_facts: HashMap<&'a str, permission_conflicts::Facts>,
    /// The dashboard's view of each readable role's policies, once per role.
    pub permission_views: HashMap<&'a str, Arc<PermissionsView>>,
}

impl<'a> Index<'a> {
    pub fn new(inv: &'a Inventory, settings: &'a Settings, documents: &Documents<'a>) -> Self {
        let issuer = inv
            .cluster
            .oidc_issuer
            .as_deref()
            .and_then(|i| Issuer::parse(i).ok());
        let roles: HashMap<&str, &Role> = inv.roles.iter().map(|r| (r.arn.as_str(), r)).collect();
        let trust: HashMap<&str, Result<PolicyDocument, ParseError>> = inv
            .roles
            .iter()
            .filter_map(|r| {
                r.trust_policy.as_deref().map(|t| {
                    (
                        r.arn.as_str(),
                        crate::analysis::trust::parse_trust_policy(t),
                    )
                })
            })
            .collect();
        let service_accounts: HashMap<SaKey, &ServiceAccount> = inv
            .service_accounts
            .iter()
            .map(|s| ((s.namespace.as_str(), s.name.as_str()), s))
            .collect();
        let mut pods_by_sa: HashMap<SaKey, Vec<&Pod>> = HashMap::default();
        for p in &inv.pods {
            pods_by_sa
                .entry((p.namespace.as_str(), p.service_account.as_str()))
                .or_default()
                .push(p);
        }
        let mut associations: HashMap<SaKey, Vec<&PodIdentityAssociation>> = HashMap::default();
        for a in &inv.pod_identity_associations {
            associations
                .entry((a.namespace.as_str(), a.service_account.as_str()))
                .or_default()
                .push(a);
        }
        let mut node_role_of_group: HashMap<&str, &NodeRole> = HashMap::default();
        for nr in &inv.node_roles {
            for s in &nr.sources {
                if let Some(g) = s.strip_prefix("nodegroup/") {
                    node_role_of_group.insert(g, nr);
                }
            }
        }
        let node_role_of_node = inv
            .nodes
            .iter()
            .filter_map(|n| {
                let role = node_role_of_group.get(n.nodegroup.as_deref()?)?;
                Some((n.name.as_str(), *role))
            })
            .collect();
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
                    Some((r.arn.as_str(), pretty))
                })
                .collect();
        let (trusted_by, trusted_subjects) =
            trust_relations(&trust, issuer.as_ref(), &service_accounts);
        let mut permission_facts = HashMap::default();
        let mut permission_views = HashMap::default();
        for r in &inv.roles {
            if let Ok(docs) = documents.of(r) {
                permission_facts.insert(r.arn.as_str(), permission_conflicts::facts(&docs));
                permission_views.insert(r.arn.as_str(), view::of(&docs));
            }
        }
        Index {
            permission_facts,
            permission_views,
            inv,
            settings,
            issuer,
            roles,
            trust,
            service_accounts,
            pods_by_sa,
            associations,
            node_role_of_node,
            trust_pretty,
            trusted_by,
            trusted_subjects,
        }
    }

    /// The view of a role's policies, by the ARN a binding or node role names.
    pub fn permission_view(&self, arn: &str) -> Option<Arc<PermissionsView>> {
        self.permission_views.get(arn).cloned().or_else(|| {
            let role = self
                .inv
                .roles
                .iter()
                .find(|r| crate::arn::same_role(&r.arn, arn))?;
            self.permission_views.get(role.arn.as_str()).cloned()
        })
    }

    /// The roles trusting exactly this ServiceAccount (IRSA104).
    pub fn trusted_by(&self, namespace: &str, name: &str) -> Option<&Vec<&'a str>> {
        self.trusted_by.get(namespace)?.get(name)
    }

    pub fn pods_of(&self, namespace: &'a str, name: &'a str) -> &[&'a Pod] {
        self.pods_by_sa
            .get(&(namespace, name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The node role a pod's node runs with, through its node group.
    pub fn node_role_of_pod(&self, pod: &Pod) -> Option<&'a NodeRole> {
        self.node_role_of_node.get(pod.node.as_deref()?).copied()
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

/// Which roles trust which ServiceAccounts: exact `sub` values of Allow statements (any
/// provider), and, for this cluster, the ServiceAccounts the policy really admits.
#[allow(
    clippy::type_complexity,
    reason = "two maps of the same relation, named by the doc comment"
)]
fn trust_relations<'a>(
    trust: &HashMap<&'a str, Result<PolicyDocument, ParseError>>,
    issuer: Option<&Issuer>,
    service_accounts: &HashMap<SaKey, &ServiceAccount>,
) -> (
    HashMap<String, HashMap<String, Vec<&'a str>>>,
    HashMap<&'a str, BTreeSet<(String, String)>>,
) {
    let mut trusted_by: HashMap<String, HashMap<String, Vec<&'a str>>> = HashMap::default();
    let mut subjects: HashMap<&'a str, BTreeSet<(String, String)>> = HashMap::default();
    let mut arns: Vec<&&'a str> = trust.keys().collect();
    arns.sort();
    for arn in arns {
        let Some(Ok(doc)) = trust.get(*arn) else {
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
                for v in &c.values {
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
                let account = crate::arn::account(arn);
                let request = crate::policy::Request::web_identity(
                    issuer,
                    account,
                    ns,
                    sa,
                    &audience_of(service_accounts.get(&(ns, sa)).copied()),
                );
                if allowing_statement(doc, &request).is_some() {
                    trusted_by
                        .entry(ns.to_owned())
                        .or_default()
                        .entry(sa.to_owned())
                        .or_default()
                        .push(arn);
                }
            }
        }
        subjects.insert(*arn, set);
    }
    (trusted_by, subjects)
}

/// The token audience of a ServiceAccount: its annotation, else `sts.amazonaws.com`.
pub fn audience_of(sa: Option<&ServiceAccount>) -> String {
    sa.and_then(|s| s.audience.clone())
        .unwrap_or_else(|| crate::policy::DEFAULT_AUDIENCE.to_owned())
}
