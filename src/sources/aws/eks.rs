//! EKS reads: DescribeCluster, node groups, access entries, Pod Identity associations.
//! An API the endpoint does not offer degrades to "unknown" with a log line.

use aws_sdk_eks::Client;

use super::calls::{CallLog, Endpoint, Service, describe, error_code};
use crate::inventory::PodIdentityAssociation;
use crate::sources::store::Store;

pub async fn fetch(client: &Client, at: &Endpoint, cluster: &str, store: &Store, calls: &CallLog) {
    calls.record("eks:DescribeCluster");
    match client.describe_cluster().name(cluster).send().await {
        Ok(out) => {
            let c = out.cluster();
            let issuer = c
                .and_then(|c| c.identity())
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .map(str::to_owned);
            let arn = c.and_then(|c| c.arn()).map(str::to_owned);
            store.update(|d| {
                d.cluster.found = Some(true);
                d.cluster.oidc_issuer = issuer;
                if let Some(arn) = arn {
                    if let Some(a) = crate::arn::Arn::parse(&arn) {
                        d.cluster.partition = Some(a.partition.to_owned());
                        d.cluster.region = Some(a.region.to_owned());
                    }
                    d.cluster.arn = Some(arn);
                }
            });
        }
        Err(e) if error_code(&e) == Some("ResourceNotFoundException") => {
            store.update(|d| d.cluster.found = Some(false));
            return;
        }
        Err(e) => {
            tracing::warn!("{cluster}: {}", describe(&e, "eks:DescribeCluster", at));
            return;
        }
    }
    node_groups(client, at, cluster, store, calls).await;
    access_entries(client, at, cluster, store, calls).await;
    associations_at(client, at, cluster, store, calls).await;
}

async fn node_groups(
    client: &Client,
    at: &Endpoint,
    cluster: &str,
    store: &Store,
    calls: &CallLog,
) {
    let mut names = Vec::new();
    let mut pages = client
        .list_nodegroups()
        .cluster_name(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.record("eks:ListNodegroups");
        match page {
            Ok(p) => names.extend(p.nodegroups().iter().cloned()),
            Err(e) => {
                tracing::warn!(
                    "{} (node groups unknown)",
                    describe(&e, "eks:ListNodegroups", at)
                );
                return;
            }
        }
    }
    for name in names {
        calls.record("eks:DescribeNodegroup");
        match client
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(&name)
            .send()
            .await
        {
            Ok(out) => {
                if let Some(role) = out.nodegroup().and_then(|n| n.node_role()) {
                    store.update(|d| d.add_node_role(role, format!("nodegroup/{name}")));
                }
            }
            Err(e) => tracing::warn!("{name}: {}", describe(&e, "eks:DescribeNodegroup", at)),
        }
    }
}

async fn access_entries(
    client: &Client,
    at: &Endpoint,
    cluster: &str,
    store: &Store,
    calls: &CallLog,
) {
    let mut principals = Vec::new();
    let mut pages = client
        .list_access_entries()
        .cluster_name(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.record("eks:ListAccessEntries");
        match page {
            Ok(p) => principals.extend(p.access_entries().iter().cloned()),
            Err(e) => {
                tracing::warn!(
                    "{} (access entries unknown)",
                    describe(&e, "eks:ListAccessEntries", at)
                );
                return;
            }
        }
    }
    for principal in principals {
        calls.record("eks:DescribeAccessEntry");
        match client
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(&principal)
            .send()
            .await
        {
            Ok(out) => {
                let node_type = out
                    .access_entry()
                    .and_then(|e| e.r#type())
                    .is_some_and(|t| t.starts_with("EC2") || t.starts_with("HYBRID"));
                if node_type {
                    store.update(|d| d.add_node_role(&principal, "access-entry".into()));
                }
            }
            Err(e) => tracing::warn!(
                "{principal}: {}",
                describe(&e, "eks:DescribeAccessEntry", at)
            ),
        }
    }
}

/// Pod Identity associations of the cluster (an endpoint without the API: unknown, logged).
pub async fn associations(client: &Client, cluster: &str, store: &Store, calls: &CallLog) {
    let at = Endpoint::of_client(Service::Eks, client.config().region());
    associations_at(client, &at, cluster, store, calls).await;
}

async fn associations_at(
    client: &Client,
    at: &Endpoint,
    cluster: &str,
    store: &Store,
    calls: &CallLog,
) {
    let Some(ids) = association_ids(client, at, cluster, calls).await else {
        return;
    };
    let mut found = Vec::new();
    for id in ids {
        found.extend(describe_association(client, at, cluster, &id, calls).await);
    }
    sort(&mut found);
    store.update(|d| d.pod_identity_associations = found);
}

/// Associations made or removed since they were read: lists them again and describes only
/// the new ones (one `ListPodIdentityAssociations` page per 100 associations, one
/// `DescribePodIdentityAssociation` per new association). Returns whether anything changed;
/// nothing changes when they cannot be listed.
pub async fn refresh_associations(
    client: &Client,
    cluster: &str,
    store: &Store,
    calls: &CallLog,
) -> bool {
    let at = Endpoint::of_client(Service::Eks, client.config().region());
    let Some(ids) = association_ids(client, &at, cluster, calls).await else {
        return false;
    };
    let known: Vec<PodIdentityAssociation> = store.read(|d| d.pod_identity_associations.clone());
    let mut found = Vec::new();
    for id in &ids {
        match known
            .iter()
            .find(|a| a.association_id.as_deref() == Some(id.as_str()))
        {
            Some(a) => found.push(a.clone()),
            None => found.extend(describe_association(client, &at, cluster, id, calls).await),
        }
    }
    sort(&mut found);
    // Unchanged: nothing to analyse again.
    let changed = store.read(|d| d.pod_identity_associations != found);
    if changed {
        store.update(|d| d.pod_identity_associations = found);
    }
    changed
}

fn sort(found: &mut [PodIdentityAssociation]) {
    found.sort_by(|a, b| {
        (&a.namespace, &a.service_account).cmp(&(&b.namespace, &b.service_account))
    });
}

/// The ids of the cluster's associations, every page; `None` (logged) when they cannot be
/// listed.
async fn association_ids(
    client: &Client,
    at: &Endpoint,
    cluster: &str,
    calls: &CallLog,
) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let mut pages = client
        .list_pod_identity_associations()
        .cluster_name(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.record("eks:ListPodIdentityAssociations");
        match page {
            Ok(p) => ids.extend(
                p.associations()
                    .iter()
                    .filter_map(|a| a.association_id().map(str::to_owned)),
            ),
            Err(e) => {
                tracing::warn!(
                    "{} (Pod Identity unknown)",
                    describe(&e, "eks:ListPodIdentityAssociations", at)
                );
                return None;
            }
        }
    }
    Some(ids)
}

async fn describe_association(
    client: &Client,
    at: &Endpoint,
    cluster: &str,
    id: &str,
    calls: &CallLog,
) -> Option<PodIdentityAssociation> {
    calls.record("eks:DescribePodIdentityAssociation");
    match client
        .describe_pod_identity_association()
        .cluster_name(cluster)
        .association_id(id)
        .send()
        .await
    {
        Ok(out) => out.association().map(|a| PodIdentityAssociation {
            namespace: a.namespace().unwrap_or_default().to_owned(),
            service_account: a.service_account().unwrap_or_default().to_owned(),
            role_arn: a.role_arn().unwrap_or_default().to_owned(),
            association_id: Some(id.to_owned()),
        }),
        Err(e) => {
            tracing::warn!(
                "{id}: {}",
                describe(&e, "eks:DescribePodIdentityAssociation", at)
            );
            None
        }
    }
}
