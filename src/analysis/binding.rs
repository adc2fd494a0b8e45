//! One binding row per ServiceAccount that has a role annotation, a Pod Identity
//! association, a role trusting it, or any finding; its status; the summary.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::inventory::{
    ANNOTATION_AUDIENCE, ANNOTATION_ROLE_ARN, ANNOTATION_STS_REGIONAL, ANNOTATION_TOKEN_EXPIRATION,
    Pod, ServiceAccount,
};
use crate::policy::DEFAULT_AUDIENCE;

use super::checks::{
    oidc, permission_conflicts, pod_identity, pods, role_permissions, service_account, trust_policy,
};
use super::finding::Finding;
use super::index::Index;
use super::report::{Annotations, Binding, BindingPod, Mechanism, TrustView};
use super::status::status_of;
use super::trust::Subject;
use crate::arn::parse_role_arn;

/// What the checks of one ServiceAccount found.
struct Draft {
    findings: Vec<Finding>,
    trust: Option<TrustView>,
}

/// Context shared by every binding: facts about other ServiceAccounts and the node roles,
/// owned (the incremental analysis keeps it across watch events and updates what changes).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Shared {
    /// Per namespace: annotated ServiceAccounts no pod runs with (IRSA404), in inventory
    /// order.
    pub unused_annotated: HashMap<String, Vec<String>>,
    /// Node roles holding more than the baseline, with their extras (IRSA405).
    pub leaky_node_roles: HashMap<String, Vec<String>>,
    /// Role ARN → ServiceAccounts annotated with it (IRSA224 evidence), in inventory order.
    pub annotated_by: HashMap<String, Vec<String>>,
    /// Node role ARN, shared by the evidence of every pod on its nodes.
    pub node_roles: HashMap<String, Arc<str>>,
    /// IRSA224 of each role, built once for all its bindings.
    pub blast_radii: trust_policy::BlastRadii,
}

/// An annotated ServiceAccount none of whose pods runs (a candidate of IRSA404).
pub fn unused_annotated(idx: &Index, sa: &ServiceAccount) -> bool {
    sa.role_arn.is_some()
        && idx
            .pods_by_sa
            .get(&(sa.namespace.as_str(), sa.name.as_str()))
            .is_none_or(|pods| pods.iter().all(|p| !pods::is_live(p)))
}

impl Shared {
    pub fn new<'a>(
        idx: &Index<'a>,
        service_accounts: impl IntoIterator<Item = &'a ServiceAccount>,
        leaky_node_roles: HashMap<String, Vec<String>>,
    ) -> Self {
        let mut unused: HashMap<String, Vec<String>> = HashMap::default();
        let mut annotated_by: HashMap<String, Vec<String>> = HashMap::default();
        for sa in service_accounts {
            let Some(arn) = sa.role_arn.as_deref() else {
                continue;
            };
            annotated_by
                .entry(arn.to_owned())
                .or_default()
                .push(format!("{}/{}", sa.namespace, sa.name));
            if unused_annotated(idx, sa) {
                unused
                    .entry(sa.namespace.clone())
                    .or_default()
                    .push(sa.name.clone());
            }
        }
        Shared {
            unused_annotated: unused,
            leaky_node_roles,
            annotated_by,
            node_roles: node_role_arns(idx.inv),
            blast_radii: trust_policy::BlastRadii::default(),
        }
    }
}

/// Each node role's ARN, once, for the evidence of the pods on its nodes.
pub fn node_role_arns(inv: &crate::inventory::Inventory) -> HashMap<String, Arc<str>> {
    inv.node_roles
        .iter()
        .map(|r| (r.role_arn.clone(), Arc::from(r.role_arn.as_str())))
        .collect()
}

/// What the role its pods get may do (IRSA230–IRSA234), for an annotated role and for a
/// Pod Identity association's alike.
fn permission_checks(
    idx: &Index,
    role: &crate::inventory::Role,
    who: &str,
    pods: usize,
    f: &mut Vec<Finding>,
) {
    f.extend(role_permissions::check(role, who, pods));
    if let Some(facts) = idx.permission_facts.get(role.arn.as_str()) {
        f.extend(permission_conflicts::check(role, facts, who));
    }
}

fn irsa_checks<'a>(
    idx: &Index<'a>,
    shared: &Shared,
    sa: &'a ServiceAccount,
    value: &str,
    live: &[&Pod],
    draft: &mut Draft,
) {
    let who = format!("{}/{}", sa.namespace, sa.name);
    let f = &mut draft.findings;
    if let Some(x) = service_account::malformed_annotation(idx, sa, value) {
        f.push(x);
    } else if let (Ok(arn), Some(issuer)) = (parse_role_arn(value), &idx.issuer) {
        let audience = sa.audience.as_deref().unwrap_or(DEFAULT_AUDIENCE);
        let subject = Subject::new(issuer.clone(), &sa.namespace, &sa.name, audience)
            .with_account(Some(arn.account))
            .with_role_name(Some(arn.name));
        match service_account::read_role(idx, &subject, value, &who) {
            service_account::RoleState::Stop(x) => f.push(x),
            service_account::RoleState::Ok(role) => {
                let (trust, view) = trust_policy::evaluate(idx, role, &subject);
                f.extend(trust);
                draft.trust = view;
                permission_checks(idx, role, &who, live.len(), f);
                let annotated = shared
                    .annotated_by
                    .get(value)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                f.extend(shared.blast_radii.of(idx, role, annotated));
            }
        }
        f.extend(oidc::provider_checks(idx, arn.account, audience, &who));
    } else if let Some(x) = oidc::no_issuer(idx.inv, Some(&who)) {
        f.push(x);
    } else if parse_role_arn(value).is_ok() {
        // No issuer known because AWS was not read: the binding cannot be verified.
        f.push(service_account::unverified(
            idx,
            value,
            None,
            &format!("of {who}"),
        ));
    }
    f.extend(service_account::token_expiration(sa));
    let provider_arn = idx
        .issuer
        .as_ref()
        .zip(parse_role_arn(value).ok())
        .map(|(i, a)| i.provider_arn(Some(a.account)));
    f.extend(service_account::audience_override(
        sa,
        provider_arn.as_deref(),
    ));
    f.extend(pods::not_injected(
        &sa.namespace,
        &sa.name,
        live,
        idx.inv.webhook_present,
    ));
    f.extend(pods::stale_role(&sa.namespace, &sa.name, value, live));
}

fn no_credentials_checks<'a>(
    idx: &Index<'a>,
    shared: &Shared,
    ns: &'a str,
    name: &'a str,
    sa: Option<&'a ServiceAccount>,
    live: &[&Pod],
    draft: &mut Draft,
) {
    let f = &mut draft.findings;
    if let (Some(sa), Some(roles)) = (sa, idx.trusted_by(ns, name)) {
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        let restarts: Vec<_> = pods::workloads(live.iter().copied())
            .iter()
            .map(|w| w.restart_command(ns))
            .collect();
        f.extend(service_account::trusted_but_not_annotated(
            sa, &roles, &restarts,
        ));
    }
    let unused: Vec<&str> = shared
        .unused_annotated
        .get(ns)
        .map(|v| {
            v.iter()
                .map(String::as_str)
                .filter(|u| *u != name)
                .collect()
        })
        .unwrap_or_default();
    f.extend(pods::wrong_service_account(ns, name, live, &unused));
    // Pods without credentials on nodes whose role leaks extra permissions.
    let mut by_role: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    for p in live
        .iter()
        .copied()
        .filter(|p| !p.irsa_injected() && !p.pod_identity_injected())
    {
        if let Some(nr) = idx.node_role_of_pod(p)
            && shared.leaky_node_roles.contains_key(nr.role_arn.as_str())
        {
            by_role.entry(nr.role_arn.as_str()).or_default().push(p);
        }
    }
    for (role, pods_on) in by_role {
        let extras = shared
            .leaky_node_roles
            .get(role)
            .map(Vec::as_slice)
            .unwrap_or_default();
        f.extend(pods::inherits_node_role(ns, name, &pods_on, role, extras));
    }
}

/// Builds the row of one ServiceAccount (`sa` is `None` when only an association names it).
pub fn build<'a>(
    idx: &Index<'a>,
    shared: &Shared,
    ns: &'a str,
    name: &'a str,
    sa: Option<&'a ServiceAccount>,
) -> Option<Binding> {
    let annotation = sa.and_then(|s| s.role_arn.as_deref());
    let associations = idx.associations_of(ns, name);
    let associations = associations.as_slice();
    let mechanism = match (annotation.is_some(), !associations.is_empty()) {
        (true, true) => Mechanism::Both,
        (true, false) => Mechanism::Irsa,
        (false, true) => Mechanism::PodIdentity,
        (false, false) => Mechanism::None,
    };
    let all_pods = idx.pods_of(ns, name);
    let live: Vec<&Pod> = all_pods
        .iter()
        .map(|p| &***p)
        .filter(|p| pods::is_live(p))
        .collect();
    let mut draft = Draft {
        findings: Vec::new(),
        trust: None,
    };
    if let (Some(sa), Some(value)) = (sa, annotation) {
        irsa_checks(idx, shared, sa, value, &live, &mut draft);
    }
    for assoc in associations {
        if let Some(sa) = sa.filter(|_| annotation.is_some()) {
            draft.findings.push(pod_identity::both(sa, assoc));
        }
        draft
            .findings
            .extend(pod_identity::association_checks(idx, assoc));
        // What the associated role may do, as for an annotated one (once per role).
        if let Some(role) = idx.role(&assoc.role_arn)
            && role.status == crate::inventory::ReadStatus::Ok
            && annotation != Some(assoc.role_arn.as_str())
        {
            permission_checks(
                idx,
                role,
                &format!("{ns}/{name}"),
                live.len(),
                &mut draft.findings,
            );
        }
    }
    if mechanism != Mechanism::None {
        draft
            .findings
            .extend(pods::static_credentials(ns, name, &live));
    } else {
        no_credentials_checks(idx, shared, ns, name, sa, &live, &mut draft);
    }
    let trusted = idx.trusted_by(ns, name).is_some();
    if mechanism == Mechanism::None && !trusted && draft.findings.is_empty() {
        return None;
    }
    super::finding::worst_first(&mut draft.findings);
    let role_arn = annotation
        .map(str::to_owned)
        .or_else(|| associations.first().map(|a| a.role_arn.clone()));
    let irsa_account = annotation.and_then(|a| parse_role_arn(a).ok().map(|r| r.account));
    let assumes = super::assumes::decide(
        idx,
        &super::assumes::Facts {
            mechanism,
            findings: &draft.findings,
            trust: draft.trust.as_ref(),
            live: &live,
            irsa_account,
            namespace: ns,
        },
    );
    let (assumes, assumes_why) = match assumes {
        Some((a, why)) => (Some(a), why),
        None => (None, String::new()),
    };
    Some(Binding {
        namespace: ns.to_owned(),
        service_account: name.to_owned(),
        mechanism,
        status: status_of(&draft.findings),
        assumes,
        assumes_why,
        pods: binding_pods(shared, idx, all_pods, mechanism, annotation),
        findings: draft.findings,
        annotations: sa.map(annotations).unwrap_or_default(),
        service_account_created: sa.and_then(|s| s.created.clone()),
        trust: draft.trust,
        permissions: role_arn.as_deref().and_then(|arn| idx.permission_view(arn)),
        pod_identity_association: associations.first().map(|a| (*a).clone()),
        evidence: None,
        role_arn,
    })
}

fn annotations(sa: &ServiceAccount) -> Annotations {
    [
        (ANNOTATION_ROLE_ARN, &sa.role_arn),
        (ANNOTATION_AUDIENCE, &sa.audience),
        (ANNOTATION_TOKEN_EXPIRATION, &sa.token_expiration),
        (ANNOTATION_STS_REGIONAL, &sa.sts_regional_endpoints),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
    .collect()
}

fn binding_pods(
    shared: &Shared,
    idx: &Index,
    pods: &[&Arc<Pod>],
    mechanism: Mechanism,
    annotation: Option<&str>,
) -> Vec<BindingPod> {
    let mut out: Vec<BindingPod> = pods
        .iter()
        .map(|&p| {
            let role = pods::pod_role(p);
            BindingPod {
                pod: Arc::clone(p),
                injected: match mechanism {
                    Mechanism::Irsa => p.irsa_injected(),
                    Mechanism::PodIdentity => p.pod_identity_injected(),
                    Mechanism::Both | Mechanism::None => {
                        p.irsa_injected() || p.pod_identity_injected()
                    }
                },
                stale: annotation.is_some_and(|a| role.is_some_and(|r| r != a)),
                role_is_annotation: role.is_some() && role == annotation,
                node_role: idx
                    .node_role_of_pod(p)
                    .and_then(|r| shared.node_roles.get(r.role_arn.as_str()).cloned()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

/// Every ServiceAccount, plus the ones only an association or a pod names.
pub fn all<'a>(
    idx: &Index<'a>,
    shared: &Shared,
    service_accounts: impl IntoIterator<Item = &'a ServiceAccount>,
) -> Vec<Binding> {
    let mut seen: HashSet<(&str, &str)> = HashSet::default();
    let mut out = Vec::new();
    for sa in service_accounts {
        if seen.insert((&sa.namespace, &sa.name)) {
            out.extend(build(idx, shared, &sa.namespace, &sa.name, Some(sa)));
        }
    }
    let extra: Vec<(&str, &str)> = idx
        .facts
        .association_keys()
        .chain(idx.pods_by_sa.keys().copied())
        .collect();
    let mut extra: Vec<(&str, &str)> = extra.into_iter().filter(|k| seen.insert(*k)).collect();
    extra.sort();
    for (ns, name) in extra {
        out.extend(build(idx, shared, ns, name, None));
    }
    out.sort_by(|a, b| order(a).cmp(&order(b)));
    out
}

/// The report's order: status (failing first), namespace, name.
pub fn sort(bindings: &mut [Binding]) {
    bindings.sort_by(|a, b| order(a).cmp(&order(b)));
}

/// Where a binding sorts in the report: by status (failing first), then namespace and name.
pub fn order(b: &Binding) -> (super::report::Status, &str, &str) {
    (b.status, &b.namespace, &b.service_account)
}
