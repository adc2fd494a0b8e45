//! Large, uniform clusters for benchmarks: healthy eksctl bindings with about 5% broken
//! trust policies, pods spread over the ServiceAccounts and ~200 nodes in 3 node groups.

use irsa_tui::inventory::{Inventory, NodeRole, Owner, Pod, ServiceAccount, TokenVolume};

use super::build::{container, nodes, readable_role, role_arn, skeleton};
use super::catalog::{CNI, ECR_READ, WORKER_NODE};
use super::rng::Rng;
use super::trust::{
    DEFAULT_AUDIENCE, Provider, condition, document, eksctl_statement, subject, web_identity,
};
use crate::names::ACCOUNT;
use crate::names::{ISSUER_ID, REGION};

const NODE_GROUPS: [(&str, usize); 3] =
    [("general-ng", 120), ("compute-ng", 50), ("system-ng", 30)];
/// One binding in this many has a broken trust policy.
const BROKEN_EVERY: usize = 20;
const SERVICE_ACCOUNTS_PER_NAMESPACE: usize = 10;

/// A cluster with exactly `pods` pods, `service_accounts` ServiceAccounts (one `default`
/// per namespace among them) and `roles` IAM role records (the node groups' roles first,
/// up to three, then one IRSA role per annotated ServiceAccount). Deterministic.
pub fn synthetic(pods: usize, service_accounts: usize, roles: usize) -> Inventory {
    let provider = Provider::new(REGION, ISSUER_ID);
    let mut inv = skeleton(&provider);
    let node_groups = nodes(NODE_GROUPS.iter().copied());

    let namespaces = service_accounts
        .div_ceil(SERVICE_ACCOUNTS_PER_NAMESPACE)
        .max(1);
    let namespace = |i: usize| format!("team-{:03}", i % namespaces);
    // The first ServiceAccount of each namespace is its `default`.
    let sa_name = |i: usize| {
        if i < namespaces {
            "default".to_owned()
        } else {
            format!("svc-{i:05}")
        }
    };

    let node_role_count = roles.min(NODE_GROUPS.len());
    for (i, (group, _)) in NODE_GROUPS.iter().take(node_role_count).enumerate() {
        let name = format!("shop-prod-{group}-NodeRole");
        let trust = document(vec![serde_json::json!({
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        })]);
        inv.roles.push(readable_role(
            ACCOUNT,
            &name,
            Some(trust),
            &[WORKER_NODE, CNI, ECR_READ],
        ));
        inv.node_roles.push(NodeRole {
            role_arn: role_arn(ACCOUNT, &name),
            sources: vec![format!("nodegroup/{}", NODE_GROUPS[i].0)],
        });
    }

    // IRSA role k belongs to the k-th non-default ServiceAccount.
    let irsa_roles = roles - node_role_count;
    let mut annotations: Vec<Option<String>> = vec![None; service_accounts];
    for k in 0..irsa_roles {
        let sa_index = namespaces + k;
        let (ns, sa) = (namespace(sa_index), sa_name(sa_index));
        let name = format!("shop-prod-{ns}-{sa}");
        let trust = trust_policy(&provider, &ns, &sa, k);
        inv.roles.push(readable_role(
            ACCOUNT,
            &name,
            Some(trust),
            &["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        ));
        if let Some(slot) = annotations.get_mut(sa_index) {
            *slot = Some(role_arn(ACCOUNT, &name));
        }
    }

    let mut rng = Rng::new("synthetic");
    inv.service_accounts = (0..service_accounts)
        .map(|i| ServiceAccount {
            namespace: namespace(i),
            name: sa_name(i),
            uid: Some(rng.uid()),
            created: Some(rng.timestamp((2025, 1), (2026, 10))),
            role_arn: annotations[i].clone(),
            ..Default::default()
        })
        .collect();

    let all_nodes: Vec<&str> = node_groups
        .iter()
        .flatten()
        .map(|n| n.name.as_str())
        .collect();
    let hashes: Vec<String> = (0..service_accounts.max(1))
        .map(|_| rng.template_hash())
        .collect();
    inv.pods = (0..pods)
        .map(|j| {
            let sa_index = if service_accounts == 0 {
                0
            } else {
                j % service_accounts
            };
            let (ns, sa) = (namespace(sa_index), sa_name(sa_index));
            let workload = if sa == "default" {
                "web".to_owned()
            } else {
                sa.clone()
            };
            let role = annotations.get(sa_index).cloned().flatten();
            Pod {
                name: format!("{workload}-{}-{}", hashes[sa_index], rng.name_suffix()).into(),
                service_account: sa.into(),
                node: all_nodes
                    .get(j % all_nodes.len().max(1))
                    .map(|n| (*n).into()),
                phase: Some("Running".into()),
                created: Some("2026-11-02T10:00:00Z".into()),
                owner: Some(Owner {
                    kind: "Deployment".into(),
                    name: workload.as_str().into(),
                }),
                containers: vec![container(&workload, role.as_deref(), false)],
                token_volume: role.as_ref().map(|_| TokenVolume {
                    audience: Some(DEFAULT_AUDIENCE.into()),
                    expiration_seconds: Some(86400),
                }),
                namespace: ns.into(),
                skip_containers: None,
            }
        })
        .collect();
    inv.nodes = node_groups.into_iter().flatten().collect();
    inv
}

/// Healthy eksctl trust, except one in [`BROKEN_EVERY`], broken in rotating ways.
fn trust_policy(provider: &Provider, ns: &str, sa: &str, k: usize) -> String {
    let own = subject(ns, sa);
    let federated = provider.arn(ACCOUNT);
    let aud = || serde_json::Value::from(DEFAULT_AUDIENCE);
    let statement = if k % BROKEN_EVERY != BROKEN_EVERY - 1 {
        eksctl_statement(provider, ACCOUNT, &[own], DEFAULT_AUDIENCE)
    } else {
        let (sub_key, sub) = match (k / BROKEN_EVERY) % 4 {
            // Another namespace.
            0 => (provider.key("sub"), subject(&format!("{ns}-staging"), sa)),
            // Another ServiceAccount.
            1 => (provider.key("sub"), subject(ns, &format!("{sa}-old"))),
            // `https://` kept in the key.
            2 => (format!("https://{}", provider.key("sub")), own),
            // A wildcard under an exact operator.
            _ => (provider.key("sub"), subject(ns, "*")),
        };
        let cond = condition(&[
            ("StringEquals", provider.key("aud"), aud()),
            ("StringEquals", sub_key, serde_json::Value::from(sub)),
        ]);
        web_identity("Allow", &federated, Some(cond))
    };
    document(vec![statement])
}
