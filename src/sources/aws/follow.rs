//! Roles the cluster starts to name after AWS was read (an annotation changed to another
//! role, a node role added to aws-auth) are read on their own, within seconds, instead of
//! showing "the role was not read" until the next complete read (`Ctrl-R`).
//!
//! The one exception to "AWS calls grow with distinct policies, never with roles": a role
//! *newly referenced* is read with the per-role reads of the fallback path (`GetRole`, its
//! attached and inline policies; `GetPolicy`/`GetPolicyVersion` for a managed policy no
//! read has recorded). New names are collected for [`DEBOUNCE`] and read together; each ARN
//! once per AWS read (what was read, found missing or unreadable is recorded in the store,
//! and an ARN being read is not asked for again); at most [`BURST_MAX`] roles per burst,
//! [`CONCURRENCY`](super::iam) at a time, each within [`ROLE_DEADLINE`]. Nothing is read
//! while a complete read is under way (it reads them), nor before the first one answered.
//!
//! Pod Identity associations live in EKS, not in the cluster: no watch event says one was
//! made. [`follow_associations`] lists them again every [`ASSOCIATIONS_EVERY`] and
//! describes only the new ones; a new association's role is then read as above.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::calls::{CallLog, Endpoint, Service};
use super::{AwsOptions, iam, sdk_config};
use crate::arn::parse_role_arn;
use crate::inventory::{ManagedPolicy, ReadStatus, Role};
use crate::sources::store::Store;

/// How long new role names are collected before they are read together.
pub const DEBOUNCE: Duration = Duration::from_millis(1500);
/// The most roles read in one burst; more wait for the next one.
pub const BURST_MAX: usize = 25;
/// One role's reads (GetRole, its policy lists, its inline policies), retries included.
pub const ROLE_DEADLINE: Duration = Duration::from_secs(60);

/// How often Pod Identity associations are listed again while the dashboard runs.
pub const ASSOCIATIONS_EVERY: Duration = Duration::from_secs(60);

/// Lists the cluster's Pod Identity associations again every [`ASSOCIATIONS_EVERY`] once
/// AWS has been read (not while a complete read is under way), within [`ROLE_DEADLINE`]
/// each time, until the task is aborted.
pub async fn follow_associations(opts: AwsOptions, store: Arc<Store>, calls: CallLog) {
    let mut client: Option<aws_sdk_eks::Client> = None;
    loop {
        tokio::time::sleep(ASSOCIATIONS_EVERY).await;
        let (ready, cluster) = store.read(|d| {
            (
                d.aws.reachable && d.aws.read_at.is_some() && d.aws_reads == 0,
                d.cluster.name.clone(),
            )
        });
        let Some(cluster) = cluster.filter(|_| ready) else {
            continue;
        };
        let eks = match &client {
            Some(c) => c.clone(),
            None => {
                let made = aws_sdk_eks::Client::new(&sdk_config(&opts).await);
                client = Some(made.clone());
                made
            }
        };
        let refresh = super::eks::refresh_associations(&eks, &cluster, &store, &calls);
        match tokio::time::timeout(ROLE_DEADLINE, refresh).await {
            Ok(true) => tracing::info!("Pod Identity associations changed"),
            Ok(false) => {}
            Err(_) => tracing::warn!("listing Pod Identity associations took too long"),
        }
    }
}

/// Follows `store` until it is dropped (or the task is aborted), reading every role the
/// cluster starts to name once AWS has been read. Calls are counted in `calls`.
pub async fn follow(opts: AwsOptions, store: Arc<Store>, calls: CallLog) {
    let mut changes = store.subscribe();
    let mut client: Option<(aws_sdk_iam::Client, Endpoint)> = None;
    // ARNs asked for since the last complete read (`read_at`), found or not.
    let mut asked: BTreeSet<String> = BTreeSet::new();
    let mut read_at: Option<String> = None;
    loop {
        if changes.changed().await.is_err() {
            return;
        }
        // Collect the burst: changes in the next moment are read together.
        tokio::time::sleep(DEBOUNCE).await;
        changes.borrow_and_update();
        let (ready, generation, account, unread) = store.read(|d| {
            (
                d.aws.reachable && d.aws.read_at.is_some() && d.aws_reads == 0,
                d.aws.read_at.clone(),
                d.cluster.account.clone(),
                d.unread_roles(),
            )
        });
        if !ready {
            continue;
        }
        if generation != read_at {
            // A complete read recorded everything named then: start over.
            asked.clear();
            read_at = generation;
        }
        let burst: Vec<String> = unread
            .into_iter()
            .filter(|arn| !asked.contains(arn))
            .take(BURST_MAX)
            .collect();
        if burst.is_empty() {
            continue;
        }
        asked.extend(burst.iter().cloned());
        tracing::info!(roles = ?burst, "reading roles named since the last AWS read");
        let (iam_client, at) = match &client {
            Some(c) => c.clone(),
            None => {
                let config = sdk_config(&opts).await;
                let made = (
                    aws_sdk_iam::Client::new(&config),
                    Endpoint::of(Service::Iam, &config),
                );
                client = Some(made.clone());
                made
            }
        };
        read_burst(&iam_client, &at, account.as_deref(), &burst, &store, &calls).await;
    }
}

/// Reads `burst` (role ARNs) and the managed policies they use that no read has recorded,
/// then records them in `store` (unless a complete read recorded them meanwhile).
async fn read_burst(
    client: &aws_sdk_iam::Client,
    at: &Endpoint,
    account: Option<&str>,
    burst: &[String],
    store: &Store,
    calls: &CallLog,
) {
    let read: Vec<(String, Role)> = futures::stream::iter(burst.iter().cloned())
        .map(|arn| async move {
            let role = read_one(client, at, account, &arn, calls).await;
            (arn.clone(), Role { arn, ..role })
        })
        .buffer_unordered(iam::CONCURRENCY)
        .collect()
        .await;
    let mut roles: BTreeMap<String, Role> = read.into_iter().collect();
    let known: BTreeSet<String> =
        store.read(|d| d.managed_policies.iter().map(|p| p.arn.clone()).collect());
    let missing: BTreeSet<String> = roles
        .values()
        .filter(|r| r.status == ReadStatus::Ok)
        .flat_map(|r| {
            r.attached_policies
                .iter()
                .map(|p| p.arn.clone())
                .chain(r.permissions_boundary.clone())
        })
        .filter(|arn| !arn.is_empty() && !known.contains(arn))
        .collect();
    let policies: Vec<ManagedPolicy> = futures::stream::iter(missing)
        .map(|arn| async move {
            match tokio::time::timeout(ROLE_DEADLINE, iam::read_policy(client, at, &arn, calls))
                .await
            {
                Ok(policy) => policy,
                Err(_) => ManagedPolicy {
                    name: arn.rsplit('/').next().unwrap_or_default().to_owned(),
                    error: Some(late(at, "iam:GetPolicy")),
                    arn,
                    ..Default::default()
                },
            }
        })
        .buffer_unordered(iam::CONCURRENCY)
        .collect()
        .await;
    store.update(|d| {
        for policy in policies {
            if !d.managed_policies.iter().any(|p| p.arn == policy.arn) {
                d.managed_policies.push(policy);
            }
        }
        d.managed_policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        iam::mark_admin(&mut roles, &d.managed_policies);
        // A complete read that finished meanwhile has the newer word.
        let unread = d.unread_roles();
        for (arn, role) in roles {
            if unread.contains(&arn) {
                d.roles.insert(arn, role);
            }
        }
    });
}

/// One role: another account's is not read (and said why); ours with the per-role reads,
/// within [`ROLE_DEADLINE`].
async fn read_one(
    client: &aws_sdk_iam::Client,
    at: &Endpoint,
    account: Option<&str>,
    arn: &str,
    calls: &CallLog,
) -> Role {
    if let Some(unread) = iam::other_account(arn, account) {
        return unread;
    }
    let Ok(parsed) = parse_role_arn(arn) else {
        return Role {
            status: ReadStatus::Error,
            error: Some("not a role ARN".to_owned()),
            ..Default::default()
        };
    };
    match tokio::time::timeout(
        ROLE_DEADLINE,
        iam::read_role(client, at, parsed.name, calls),
    )
    .await
    {
        Ok(role) => Role {
            name: parsed.name.to_owned(),
            path: if role.path.is_empty() {
                parsed.path.clone()
            } else {
                role.path.clone()
            },
            ..role
        },
        Err(_) => Role {
            name: parsed.name.to_owned(),
            path: parsed.path.clone(),
            status: ReadStatus::Error,
            error: Some(late(at, "iam:GetRole")),
            ..Default::default()
        },
    }
}

/// A read given up on at the deadline, said as the other AWS errors are.
fn late(at: &Endpoint, operation: &str) -> String {
    format!(
        "IAM at {} (region {}) did not answer {operation} within {} s: check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint",
        at.url,
        at.region,
        ROLE_DEADLINE.as_secs()
    )
}
