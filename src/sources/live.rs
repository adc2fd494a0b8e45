//! The live flow behind `report` and `snapshot`: connect to Kubernetes, start the watchers,
//! wait until every source has synced or failed (bounded by a timeout), then read AWS once,
//! and hand over the inventory.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::aws::{self, AwsOptions, CallLog};
use super::kube;
use super::store::Store;
use crate::inventory::Inventory;

#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespaces: Vec<String>,
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub no_aws: bool,
    /// How long to wait for the Kubernetes sources' initial lists.
    pub sync_timeout: Duration,
    /// Whether the kubeconfig's credential plugin may prompt on the terminal (`report`,
    /// `snapshot`); never in the dashboard, which holds the terminal.
    pub interactive_auth: bool,
}

/// Why the live sources could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// Connected, but neither `--cluster` nor the context names the EKS cluster.
    #[error(
        "cannot tell the EKS cluster name from kubeconfig context {context}; pass --cluster NAME"
    )]
    ClusterUnknown { context: String },
    /// Anything else, said in one line.
    #[error("{0}")]
    Other(String),
}

/// Connects and starts the sources; returns the store they fill and the resolved cluster.
pub async fn start(
    opts: &LiveOptions,
) -> Result<(Arc<Store>, AwsOptions, Vec<tokio::task::JoinHandle<()>>), StartError> {
    let connected = kube::connect(
        opts.kubeconfig.as_deref(),
        opts.context.as_deref(),
        opts.interactive_auth,
    )
    .await
    .map_err(StartError::Other)?;
    let hint = connected.hint.clone();
    let cluster = opts
        .cluster
        .clone()
        .or_else(|| hint.name.clone())
        .ok_or_else(|| StartError::ClusterUnknown {
            context: connected
                .context
                .clone()
                .unwrap_or_else(|| "(in-cluster)".to_owned()),
        })?;
    // GET /version, readable by every authenticated user (system:public-info-viewer).
    if let Err(e) = connected.client.apiserver_version().await {
        return Err(StartError::Other(format!(
            "cannot reach the Kubernetes API server ({e}); check the context and your network"
        )));
    }
    let store = Store::new();
    store.update(|d| {
        d.cluster.name = Some(cluster.clone());
        // Fills region/account/ARN from the kubeconfig only when they describe this cluster.
        connected.record(d);
        if let Some(region) = &opts.region {
            d.cluster.region = Some(region.clone());
        }
    });
    let region = store.read(|d| d.cluster.region.clone());
    let handles = kube::spawn(connected.client, &opts.namespaces, store.clone());
    let aws_opts = AwsOptions {
        region,
        profile: opts.profile.clone().or(hint.profile),
        cluster,
        ..Default::default()
    };
    Ok((store, aws_opts, handles))
}

/// Waits until every registered source settled, or `timeout` passed.
pub async fn wait_settled(store: &Store, timeout: Duration) {
    let mut changes = store.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    // The watchers register themselves first; give them a moment to appear.
    loop {
        let registered = store.read(|d| !d.sources.is_empty());
        if registered && store.settled() {
            return;
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            tracing::warn!("sources did not all sync within {timeout:?}");
            return;
        }
    }
}

/// One complete read for `report`/`snapshot`.
pub async fn collect(opts: &LiveOptions) -> Result<(Inventory, CallLog), String> {
    let (store, aws_opts, handles) = start(opts).await.map_err(|e| e.to_string())?;
    wait_settled(&store, opts.sync_timeout).await;
    store.give_up_syncing(opts.sync_timeout);
    let calls = CallLog::default();
    if opts.no_aws {
        store.update(|d| {
            d.aws.reachable = false;
            d.aws.skipped = true;
        });
    } else {
        aws::fetch(&aws_opts, &store, &calls).await;
    }
    for h in handles {
        h.abort();
    }
    Ok((store.inventory(), calls))
}
