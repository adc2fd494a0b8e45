//! Live sources: connect to Kubernetes and start the watchers (a [`Feed`]), wait until every
//! source has synced or failed (bounded by a timeout), read AWS into the same store. The
//! dashboard keeps a feed running; `report` and `snapshot` take one complete read
//! ([`collect`]) through the same steps.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::aws::{self, AwsOptions, CallLog};
use super::kube;
use super::store::{Data, LiveState, Store};
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
    /// CloudTrail evidence: `--since`, `--max-events`, `--no-cloudtrail`.
    pub trail: aws::cloudtrail::TrailOptions,
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

/// Live sources: the store the watchers fill, and how to read AWS into it. Dropping the
/// feed stops its watchers and AWS reads.
pub struct Feed {
    pub store: Arc<Store>,
    pub aws: AwsOptions,
    pub no_aws: bool,
    pub trail: aws::cloudtrail::TrailOptions,
    pub sync_timeout: Duration,
    /// When the initial sync must be over: the sync timeout counts from the start of the
    /// connection, so it bounds the whole initial sync (plugin, `/version`, first lists).
    sync_deadline: tokio::time::Instant,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Feed {
    /// Connects to the cluster `opts` name and starts its watchers.
    pub async fn connect(opts: &LiveOptions) -> Result<Feed, StartError> {
        let sync_deadline = tokio::time::Instant::now() + opts.sync_timeout;
        let (store, aws, handles) = start(opts).await?;
        Ok(Feed {
            store,
            aws,
            no_aws: opts.no_aws,
            trail: opts.trail.clone(),
            sync_timeout: opts.sync_timeout,
            sync_deadline,
            handles: Mutex::new(handles),
        })
    }

    /// Waits until every source has finished its first list (or failed), at most until the
    /// sync timeout, counted from the start of the connection, runs out.
    pub async fn settle(&self) {
        wait_settled(&self.store, self.sync_deadline).await;
    }

    /// Reads AWS into the store; with `--no-aws`, records that it is skipped.
    pub async fn read_aws(&self, calls: &CallLog) {
        read_aws(&self.store, &self.aws, self.no_aws, calls).await;
    }

    /// Reads CloudTrail's evidence into the store (after [`Feed::read_aws`]).
    pub async fn read_evidence(&self, calls: &CallLog) {
        if !self.no_aws {
            aws::cloudtrail::fetch(&self.aws, &self.trail, &self.store, calls).await;
        }
    }

    /// Reads AWS in the background, after the Kubernetes side settled when
    /// `wait_for_sync` (the first read); stopped with the feed. The receiver is told when
    /// the read is over (whatever it found: see the store's `aws`); CloudTrail's evidence
    /// is read after it, in the same task, as it arrives.
    pub fn read_aws_in_background(
        &self,
        wait_for_sync: bool,
    ) -> tokio::sync::oneshot::Receiver<()> {
        let (store, aws, no_aws) = (self.store.clone(), self.aws.clone(), self.no_aws);
        let trail = self.trail.clone();
        let deadline = self.sync_deadline;
        let (done, over) = tokio::sync::oneshot::channel();
        let read = tokio::spawn(async move {
            if wait_for_sync && !no_aws {
                wait_settled(&store, deadline).await;
            }
            read_aws(&store, &aws, no_aws, &CallLog::default()).await;
            let _ = done.send(());
            if !no_aws {
                aws::cloudtrail::fetch(&aws, &trail, &store, &CallLog::default()).await;
            }
        });
        self.keep(read);
        over
    }

    /// Reads, in the background, every role the cluster names after AWS was read, and
    /// lists Pod Identity associations again now and then (see [`aws::follow`]); stopped
    /// with the feed. Nothing with `--no-aws`.
    pub fn follow_new_roles(&self, calls: CallLog) {
        if self.no_aws {
            return;
        }
        let roles = tokio::spawn(aws::follow::follow(
            self.aws.clone(),
            self.store.clone(),
            calls.clone(),
        ));
        self.keep(roles);
        let associations = tokio::spawn(aws::follow::follow_associations(
            self.aws.clone(),
            self.store.clone(),
            calls,
        ));
        self.keep(associations);
    }

    fn keep(&self, task: JoinHandle<()>) {
        if let Ok(mut handles) = self.handles.lock() {
            handles.retain(|h| !h.is_finished());
            handles.push(task);
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Ok(handles) = self.handles.lock() {
            for h in handles.iter() {
                h.abort();
            }
        }
    }
}

async fn read_aws(store: &Store, opts: &AwsOptions, no_aws: bool, calls: &CallLog) {
    if no_aws {
        store.update(|d| {
            d.aws.reachable = false;
            d.aws.skipped = true;
        });
    } else {
        // Roles the cluster names meanwhile are left to this read (see `aws::follow`).
        store.update(|d| d.aws_reads += 1);
        aws::fetch(opts, store, calls).await;
        store.update(|d| d.aws_reads = d.aws_reads.saturating_sub(1));
    }
}

/// Connects and starts the sources, within the sync timeout: a credential plugin or an API
/// server that does not answer is said, never waited for.
async fn start(
    opts: &LiveOptions,
) -> Result<(Arc<Store>, AwsOptions, Vec<JoinHandle<()>>), StartError> {
    let doing = Arc::new(Mutex::new("reading the kubeconfig".to_owned()));
    match tokio::time::timeout(opts.sync_timeout, connect(opts, &doing)).await {
        Ok(started) => started,
        Err(_) => {
            let what = doing.lock().map(|d| d.clone()).unwrap_or_default();
            Err(StartError::Other(format!(
                "{what} did not answer within {} s (--sync-timeout); check the context's server, your VPN or proxy, and whether the cluster endpoint is reachable from here",
                opts.sync_timeout.as_secs()
            )))
        }
    }
}

async fn connect(
    opts: &LiveOptions,
    doing: &Arc<Mutex<String>>,
) -> Result<(Arc<Store>, AwsOptions, Vec<JoinHandle<()>>), StartError> {
    let tell = {
        let doing = doing.clone();
        move |what: String| {
            if let Ok(mut d) = doing.lock() {
                *d = what;
            }
        }
    };
    let connected = kube::connect_telling(
        opts.kubeconfig.as_deref(),
        opts.context.as_deref(),
        opts.interactive_auth,
        &tell,
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
    let server = connected.server.as_deref().unwrap_or("(in-cluster)");
    tell(format!("the Kubernetes API server at {server}"));
    if let Err(e) = connected.client.apiserver_version().await {
        let said = kube::describe_error(&e);
        let message = if matches!(e, ::kube::Error::Api(_)) {
            format!(
                "the Kubernetes API server at {server} answered GET /version with {said}; check the cluster's health and the context"
            )
        } else {
            format!(
                "cannot reach the Kubernetes API server at {server} ({said}); check the context and your network"
            )
        };
        return Err(StartError::Other(crate::redact::redact(&message)));
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

/// Waits until every registered source settled, or `deadline` passed.
async fn wait_settled(store: &Store, deadline: tokio::time::Instant) {
    let mut changes = store.subscribe();
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
            tracing::warn!("sources did not all sync before the sync deadline");
            return;
        }
    }
}

/// One complete read for `report`/`snapshot`: connect, wait for the first lists (sources
/// still syncing after the timeout are reported as failing), read AWS once.
pub async fn collect(opts: &LiveOptions) -> Result<(Inventory, CallLog), String> {
    collect_with(opts)
        .await
        .map(|(inventory, calls, _)| (inventory, calls))
}

/// As [`collect`], with the AWS options the read used (for later reads of the same account,
/// such as IAM's simulator).
pub async fn collect_with(opts: &LiveOptions) -> Result<(Inventory, CallLog, AwsOptions), String> {
    let feed = Feed::connect(opts).await.map_err(|e| e.to_string())?;
    feed.settle().await;
    feed.store.give_up_syncing(feed.sync_timeout);
    // A cluster never read must not pass a CI gate as a clean one.
    feed.store.read(never_read)?;
    let calls = CallLog::default();
    feed.read_aws(&calls).await;
    feed.read_evidence(&calls).await;
    // The records move out of the store (the feed ends here): one copy of the cluster at a
    // time, never the store and its inventory side by side.
    Ok((feed.store.take_inventory(), calls, feed.aws.clone()))
}

/// An error when ServiceAccounts or pods were not read at all (no scope of them synced);
/// a partial read (some namespaces forbidden) is a report, with IRSA602.
fn never_read(data: &Data) -> Result<(), String> {
    for (resource, label) in [
        (kube::RESOURCE_SERVICE_ACCOUNTS, "ServiceAccounts"),
        (kube::RESOURCE_PODS, "pods"),
    ] {
        let scopes: Vec<&LiveState> = data
            .sources
            .iter()
            .filter(|((r, _), _)| r == resource)
            .map(|(_, state)| state)
            .collect();
        if scopes.iter().any(|s| matches!(s, LiveState::Synced { .. })) {
            continue;
        }
        let why = scopes
            .iter()
            .find_map(|s| match s {
                LiveState::Forbidden { message }
                | LiveState::Failed { message }
                | LiveState::Unreachable { message, .. } => Some(message.clone()),
                LiveState::Syncing { .. } | LiveState::Synced { .. } => None,
            })
            .unwrap_or_else(|| "no list of them finished".to_owned());
        return Err(format!(
            "could not read the cluster's {label}, so there is nothing to judge: {why}"
        ));
    }
    Ok(())
}

#[cfg(test)]
impl Feed {
    /// A feed of `store` alone: no watchers, AWS skipped.
    pub(crate) fn of_store(store: Arc<Store>) -> Feed {
        Feed {
            store,
            aws: AwsOptions::default(),
            no_aws: true,
            trail: aws::cloudtrail::TrailOptions::default(),
            sync_timeout: Duration::from_secs(1),
            sync_deadline: tokio::time::Instant::now() + Duration::from_secs(1),
            handles: Mutex::new(Vec::new()),
        }
    }
}
