//! The watchers: one task per source, each reducing its events into the [`Store`] and
//! keeping its [`LiveState`] current.
//!
//! Every source follows the same pattern ([`drive`]): `Syncing` until its first complete
//! list, `Synced { count }` after it and on every event; a relist (after 410 Gone or a
//! broken watch) rebuilds that source's records atomically when it completes, so objects
//! deleted while the watch was down do not linger. 410 Gone is routine; other transient
//! errors are retried with the watcher's default backoff and only [`FAIL_AFTER`] failures in
//! a row turn the state to `Failed`; a 403 turns it to `Forbidden`. A later success restores
//! `Synced`.
//!
//! Namespaced resources (pods, ServiceAccounts) are watched cluster-wide, unless `-n` names
//! namespaces; when the cluster-wide list is forbidden they fall back to one watch per
//! namespace: those of `-n`, else those that can be listed.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node, Pod, ServiceAccount};
use kube::api::{Api, ListParams};
use kube::core::PartialObjectMeta;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use tokio::task::{JoinHandle, JoinSet};

use super::reduce::{aws_auth_node_roles, reduce_node, reduce_pod, reduce_service_account};
use crate::inventory;
use crate::sources::store::{Data, LiveState, Store};

pub const RESOURCE_PODS: &str = "pods";
pub const RESOURCE_SERVICE_ACCOUNTS: &str = "serviceaccounts";
pub const RESOURCE_NODES: &str = "nodes";
pub const RESOURCE_AWS_AUTH: &str = "configmaps/aws-auth";
pub const RESOURCE_WEBHOOKS: &str = "mutatingwebhookconfigurations";
pub const RESOURCE_AGENT: &str = "daemonsets/eks-pod-identity-agent";
/// Recorded only when the namespaces cannot be listed for a per-namespace fallback.
pub const RESOURCE_NAMESPACES: &str = "namespaces";
pub const SYSTEM_NAMESPACE: &str = "kube-system";
pub const AWS_AUTH: &str = "aws-auth";
pub const AGENT_DAEMONSET: &str = "eks-pod-identity-agent";
/// The EKS pod identity webhook's MutatingWebhookConfiguration.
pub const WEBHOOK_NAME: &str = "pod-identity-webhook";
/// Objects per page of the initial lists.
pub const PAGE_SIZE: u32 = 500;
/// Failures in a row (other than 403 and 410) before a source shows `Failed`.
pub const FAIL_AFTER: u32 = 3;
/// How often `Syncing { seen }` is updated during a first list.
const PROGRESS_EVERY: usize = 500;

type Events<K> = BoxStream<'static, Result<Event<K>, watcher::Error>>;
/// Opens a watch for a scope (`None`: cluster-wide).
type Opener<K> = Arc<dyn Fn(Option<&str>) -> Events<K> + Send + Sync>;
/// Makes the sink of a scope.
type MakeSink<S> = Arc<dyn Fn(Option<&str>) -> S + Send + Sync>;

/// Starts the watchers. Call within a Tokio runtime. `namespaces` (`-n`) limits pods and
/// ServiceAccounts to those namespaces from the start; cluster-scoped sources and the
/// kube-system objects are read regardless. Every source is registered as `Syncing` before
/// this returns, so [`Store::settled`] is false until each has listed (or failed).
/// Aborting the returned handles stops every watch, per-namespace fallbacks included.
pub fn spawn(client: Client, namespaces: &[String], store: Arc<Store>) -> Vec<JoinHandle<()>> {
    let mut only: Vec<String> = Vec::new();
    for ns in namespaces
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        if !only.iter().any(|o| o == ns) {
            only.push(ns.to_owned());
        }
    }
    let only = Arc::new(only);
    let listing = Arc::new(NamespaceList {
        client: client.clone(),
        store: store.clone(),
        cell: OnceCell::new(),
    });

    store.update(|d| {
        for resource in [RESOURCE_PODS, RESOURCE_SERVICE_ACCOUNTS] {
            if only.is_empty() {
                d.set_source(resource, None, LiveState::Syncing { seen: 0 });
            } else {
                for ns in only.iter() {
                    d.set_source(resource, Some(ns), LiveState::Syncing { seen: 0 });
                }
            }
        }
        d.set_source(RESOURCE_NODES, None, LiveState::Syncing { seen: 0 });
        d.set_source(RESOURCE_WEBHOOKS, None, LiveState::Syncing { seen: 0 });
        for resource in [RESOURCE_AWS_AUTH, RESOURCE_AGENT] {
            d.set_source(
                resource,
                Some(SYSTEM_NAMESPACE),
                LiveState::Syncing { seen: 0 },
            );
        }
    });

    let pods = Namespaced {
        resource: RESOURCE_PODS,
        open: {
            let client = client.clone();
            Arc::new(move |ns: Option<&str>| watch(api::<Pod>(&client, ns), None))
        },
        sink: Arc::new(|ns: Option<&str>| PodSink {
            namespace: ns.map(str::to_owned),
        }),
    };
    let service_accounts = Namespaced {
        resource: RESOURCE_SERVICE_ACCOUNTS,
        open: {
            let client = client.clone();
            Arc::new(move |ns: Option<&str>| {
                watch(api::<PartialObjectMeta<ServiceAccount>>(&client, ns), None)
            })
        },
        sink: Arc::new(|ns: Option<&str>| ServiceAccountSink {
            namespace: ns.map(str::to_owned),
        }),
    };
    let system = |resource| Scope::new(&store, resource, Some(SYSTEM_NAMESPACE));
    let name_is = |name: &str| format!("metadata.name={name}");

    vec![
        tokio::spawn(pods.run(store.clone(), only.clone(), listing.clone())),
        tokio::spawn(service_accounts.run(store.clone(), only, listing)),
        tokio::spawn(run(
            watch(Api::<PartialObjectMeta<Node>>::all(client.clone()), None),
            Scope::new(&store, RESOURCE_NODES, None),
            NodeSink,
        )),
        tokio::spawn(run(
            watch(
                Api::<ConfigMap>::namespaced(client.clone(), SYSTEM_NAMESPACE),
                Some(&name_is(AWS_AUTH)),
            ),
            system(RESOURCE_AWS_AUTH),
            AwsAuthSink::default(),
        )),
        tokio::spawn(run(
            watch(
                Api::<PartialObjectMeta<MutatingWebhookConfiguration>>::all(client.clone()),
                None,
            ),
            Scope::new(&store, RESOURCE_WEBHOOKS, None),
            webhook_sink(),
        )),
        tokio::spawn(run(
            watch(
                Api::<PartialObjectMeta<DaemonSet>>::namespaced(client, SYSTEM_NAMESPACE),
                Some(&name_is(AGENT_DAEMONSET)),
            ),
            system(RESOURCE_AGENT),
            agent_sink(),
        )),
    ]
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

fn config(field_selector: Option<&str>) -> watcher::Config {
    let config = watcher::Config::default().page_size(PAGE_SIZE);
    match field_selector {
        Some(fields) => config.fields(fields),
        None => config,
    }
}

/// A watch with the default backoff. With `Api<PartialObjectMeta<K>>` the requests ask for
/// metadata only (`as=PartialObjectMetadataList`), as `metadata_watcher` did.
fn watch<K>(api: Api<K>, field_selector: Option<&str>) -> Events<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    watcher::watcher(api, config(field_selector))
        .default_backoff()
        .boxed()
}

async fn run<S: Sink>(events: Events<S::Object>, scope: Scope, sink: S) {
    drive(events, &scope, sink, false, true).await;
}

/// One source and scope in the store.
#[derive(Clone)]
struct Scope {
    store: Arc<Store>,
    resource: &'static str,
    namespace: Option<String>,
    /// Appended to forbidden messages (what the fallback could not do).
    note: Option<String>,
}

impl Scope {
    fn new(store: &Arc<Store>, resource: &'static str, namespace: Option<&str>) -> Self {
        Scope {
            store: store.clone(),
            resource,
            namespace: namespace.map(str::to_owned),
            note: None,
        }
    }

    fn set(&self, data: &mut Data, state: LiveState) {
        data.set_source(self.resource, self.namespace.as_deref(), state);
    }

    fn update(&self, state: LiveState) {
        self.store.update(|d| self.set(d, state));
    }

    /// `pods cluster-wide`, `pods in namespace team-a`, `configmaps/aws-auth in namespace kube-system`.
    fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in namespace {ns}", self.resource),
            None if self.resource == RESOURCE_NODES || self.resource == RESOURCE_WEBHOOKS => {
                self.resource.to_owned()
            }
            None => format!("{} cluster-wide", self.resource),
        }
    }

    fn forbidden(&self, message: &str) -> String {
        let mut out = format!("cannot list {}: forbidden ({message})", self.describe());
        if let Some(note) = &self.note {
            out.push_str("; ");
            out.push_str(note);
        }
        out
    }
}

/// How a watch ended.
enum End {
    /// Forbidden before its first complete list, with the server's message; the caller
    /// falls back.
    ForbiddenBeforeSync(String),
    /// The stream ended (it does not, in practice).
    Ended,
}

enum Trouble {
    /// 410: the watcher relists.
    Gone,
    Forbidden(String),
    /// Will not get better by retrying (401, credential plugin failure).
    Persistent(String),
    Transient(String),
}

fn classify(err: &watcher::Error) -> Trouble {
    use watcher::Error as W;
    let client_error = match err {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => Some(e),
        W::WatchError(_) | W::NoResourceVersion => None,
    };
    let status = match (err, client_error) {
        (W::WatchError(status), _) => Some(status.as_ref()),
        (_, Some(kube::Error::Api(status))) => Some(status.as_ref()),
        _ => None,
    };
    if let Some(status) = status {
        let text = if status.message.is_empty() {
            format!("HTTP {} {}", status.code, status.reason)
        } else {
            one_line(&status.message)
        };
        return match status.code {
            410 => Trouble::Gone,
            403 => Trouble::Forbidden(text),
            401 => Trouble::Persistent(format!(
                "unauthorized ({text}): the credentials were rejected; refresh them (for EKS: aws sso login, or check the kubeconfig user)"
            )),
            code => Trouble::Transient(format!("HTTP {code}: {text}")),
        };
    }
    match client_error {
        Some(e @ kube::Error::Auth(_)) => Trouble::Persistent(format!(
            "cannot get credentials for the cluster: {}",
            chain(e)
        )),
        Some(e) => Trouble::Transient(chain(e)),
        None => Trouble::Transient(chain(err)),
    }
}

/// An error and its sources on one line, without repeating what a source already said.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    one_line(&out)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where reduced objects go.
trait Sink: Send + 'static {
    type Object: Send + 'static;
    type Item: Send + 'static;
    /// `None`: skipped (with a warning).
    fn reduce(&self, object: &Self::Object) -> Option<Self::Item>;
    /// An added or modified object; true when it is new.
    fn apply(&mut self, data: &mut Data, item: Self::Item) -> bool;
    /// A deleted object; true when it was known.
    fn remove(&mut self, data: &mut Data, object: &Self::Object) -> bool;
    /// Everything this scope holds becomes `items` (a complete list); returns the count.
    fn replace(&mut self, data: &mut Data, items: Vec<Self::Item>) -> usize;
    /// A problem with the data read (a malformed aws-auth), shown as `Failed`.
    fn problem(&self) -> Option<String> {
        None
    }
}

/// Runs one watch until it ends (never, unless `stop_on_forbidden` and the first list is
/// forbidden). `announce`: start by showing `Syncing`.
async fn drive<S: Sink>(
    events: Events<S::Object>,
    scope: &Scope,
    mut sink: S,
    stop_on_forbidden: bool,
    announce: bool,
) -> End {
    let mut events = pin!(events);
    let mut synced = false;
    let mut troubled = false;
    let mut buffer: Vec<S::Item> = Vec::new();
    let mut seen = 0usize;
    let mut count = 0usize;
    let mut failures = 0u32;
    let state = |sink: &S, count: usize| match sink.problem() {
        Some(message) => LiveState::Failed { message },
        None => LiveState::Synced { count },
    };
    if announce {
        scope.update(LiveState::Syncing { seen: 0 });
    }

    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => {
                buffer.clear();
                seen = 0;
            }
            Ok(Event::InitApply(object)) => {
                // `failures` is reset only by a complete list or a live event: a list that
                // keeps breaking off midway still counts as failing.
                seen += 1;
                if let Some(item) = sink.reduce(&object) {
                    buffer.push(item);
                }
                drop(object);
                if !synced && !troubled && seen.is_multiple_of(PROGRESS_EVERY) {
                    scope.update(LiveState::Syncing { seen });
                }
            }
            Ok(Event::InitDone) => {
                failures = 0;
                let items = std::mem::take(&mut buffer);
                scope.store.update(|d| {
                    count = sink.replace(d, items);
                    scope.set(d, state(&sink, count));
                });
                synced = true;
                troubled = false;
                tracing::debug!(source = %scope.describe(), count, "listed");
            }
            Ok(Event::Apply(object)) => {
                failures = 0;
                let Some(item) = sink.reduce(&object) else {
                    continue;
                };
                drop(object);
                scope.store.update(|d| {
                    if sink.apply(d, item) {
                        count += 1;
                    }
                    scope.set(d, state(&sink, count));
                });
                troubled = false;
            }
            Ok(Event::Delete(object)) => {
                failures = 0;
                scope.store.update(|d| {
                    if sink.remove(d, &object) {
                        count = count.saturating_sub(1);
                    }
                    scope.set(d, state(&sink, count));
                });
                troubled = false;
            }
            Err(err) => match classify(&err) {
                Trouble::Gone => {
                    tracing::debug!(source = %scope.describe(), "410 Gone: relisting");
                }
                Trouble::Forbidden(message) => {
                    if stop_on_forbidden && !synced {
                        return End::ForbiddenBeforeSync(message);
                    }
                    tracing::warn!(source = %scope.describe(), %message, "forbidden");
                    scope.update(LiveState::Forbidden {
                        message: scope.forbidden(&message),
                    });
                    troubled = true;
                }
                Trouble::Persistent(message) => {
                    tracing::warn!(source = %scope.describe(), %message, "failing");
                    scope.update(LiveState::Failed {
                        message: format!("cannot list {}: {message}", scope.describe()),
                    });
                    troubled = true;
                }
                Trouble::Transient(message) => {
                    failures += 1;
                    tracing::warn!(source = %scope.describe(), %message, failures, "error; retrying");
                    if failures >= FAIL_AFTER {
                        scope.update(LiveState::Failed {
                            message: format!(
                                "cannot list {}: {message} ({failures} attempts in a row; still retrying)",
                                scope.describe()
                            ),
                        });
                        troubled = true;
                    }
                }
            },
        }
    }
    End::Ended
}

/// A namespaced resource: how to open a watch and where its objects go, per scope
/// (`None`: cluster-wide).
struct Namespaced<K, S> {
    resource: &'static str,
    open: Opener<K>,
    sink: MakeSink<S>,
}

impl<K: Send + 'static, S: Sink<Object = K>> Namespaced<K, S> {
    async fn run(self, store: Arc<Store>, only: Arc<Vec<String>>, listing: Arc<NamespaceList>) {
        if !only.is_empty() {
            self.per_namespace(&store, &only).await;
            return;
        }
        let mut scope = Scope::new(&store, self.resource, None);
        let server_message =
            match drive((self.open)(None), &scope, (self.sink)(None), true, true).await {
                End::Ended => return,
                End::ForbiddenBeforeSync(message) => message,
            };
        match listing.get().await {
            Ok(namespaces) => {
                let message = format!(
                    "{}; reading the {} namespace(s) that can be listed one by one instead",
                    scope.forbidden(&server_message),
                    namespaces.len()
                );
                tracing::warn!(%message, "falling back to per-namespace watches");
                scope.update(LiveState::Forbidden { message });
                self.per_namespace(&store, &namespaces).await;
            }
            Err(why) => {
                // No fallback: keep trying cluster-wide (RBAC may change), saying why.
                scope.note = Some(format!("no per-namespace fallback: {why}"));
                scope.update(LiveState::Forbidden {
                    message: scope.forbidden(&server_message),
                });
                drive((self.open)(None), &scope, (self.sink)(None), false, false).await;
            }
        }
    }

    async fn per_namespace(&self, store: &Arc<Store>, namespaces: &[String]) {
        let mut tasks = JoinSet::new();
        for ns in namespaces {
            let scope = Scope::new(store, self.resource, Some(ns));
            // Registered before the task runs, so the store is not settled in between.
            scope.update(LiveState::Syncing { seen: 0 });
            let events = (self.open)(Some(ns));
            let sink = (self.sink)(Some(ns));
            tasks.spawn(async move {
                drive(events, &scope, sink, false, true).await;
            });
        }
        // Dropping the set (when this task is aborted) aborts every namespace's watch.
        while tasks.join_next().await.is_some() {}
    }
}

/// The namespaces, listed once for every per-namespace fallback. When they cannot be
/// listed, that is recorded as the `namespaces` source.
struct NamespaceList {
    client: Client,
    store: Arc<Store>,
    cell: OnceCell<Result<Vec<String>, String>>,
}

impl NamespaceList {
    async fn get(&self) -> Result<Vec<String>, String> {
        self.cell
            .get_or_init(|| async {
                let listed = self.list().await;
                let state = match &listed {
                    Ok(names) => LiveState::Synced { count: names.len() },
                    Err((true, message)) => LiveState::Forbidden {
                        message: message.clone(),
                    },
                    Err((false, message)) => LiveState::Failed {
                        message: message.clone(),
                    },
                };
                self.store
                    .update(|d| d.set_source(RESOURCE_NAMESPACES, None, state));
                listed.map_err(|(_, message)| message)
            })
            .await
            .clone()
    }

    /// `Err((forbidden, message))`.
    async fn list(&self) -> Result<Vec<String>, (bool, String)> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match list_all(&api).await {
                Ok(names) => return Ok(names),
                Err(kube::Error::Api(status)) if status.code == 403 => {
                    let message = format!(
                        "cannot list namespaces: forbidden ({}); pass -n NAMESPACE for the namespaces you can read",
                        one_line(&status.message)
                    );
                    tracing::warn!(%message, "no per-namespace fallback");
                    return Err((true, message));
                }
                Err(e) if attempt >= FAIL_AFTER => {
                    return Err((false, format!("cannot list namespaces: {}", chain(&e))));
                }
                Err(e) => {
                    tracing::warn!(error = %chain(&e), attempt, "listing namespaces failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
            }
        }
    }
}

async fn list_all(api: &Api<Namespace>) -> Result<Vec<String>, kube::Error> {
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(PAGE_SIZE);
    loop {
        let page = api.list_metadata(&params).await?;
        names.extend(page.items.into_iter().filter_map(|n| n.metadata.name));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(names),
        }
    }
}

fn key_of(meta: &kube::core::ObjectMeta) -> Option<(String, String)> {
    Some((meta.namespace.clone()?, meta.name.clone()?))
}

struct PodSink {
    namespace: Option<String>,
}

impl Sink for PodSink {
    type Object = Pod;
    type Item = inventory::Pod;

    fn reduce(&self, pod: &Pod) -> Option<inventory::Pod> {
        let slim = reduce_pod(pod);
        if slim.name.is_empty() || slim.namespace.is_empty() {
            tracing::warn!("a pod without name or namespace was skipped");
            return None;
        }
        Some(slim)
    }

    fn apply(&mut self, d: &mut Data, pod: inventory::Pod) -> bool {
        d.pods
            .insert((pod.namespace.clone(), pod.name.clone()), pod)
            .is_none()
    }

    fn remove(&mut self, d: &mut Data, pod: &Pod) -> bool {
        key_of(&pod.metadata).is_some_and(|k| d.pods.remove(&k).is_some())
    }

    fn replace(&mut self, d: &mut Data, items: Vec<inventory::Pod>) -> usize {
        match &self.namespace {
            None => d.pods.clear(),
            Some(ns) => d.pods.retain(|(n, _), _| n != ns),
        }
        let mut count = 0;
        for pod in items {
            if self.apply(d, pod) {
                count += 1;
            }
        }
        count
    }
}

struct ServiceAccountSink {
    namespace: Option<String>,
}

impl Sink for ServiceAccountSink {
    type Object = PartialObjectMeta<ServiceAccount>;
    type Item = inventory::ServiceAccount;

    fn reduce(&self, object: &Self::Object) -> Option<inventory::ServiceAccount> {
        let sa = reduce_service_account(&object.metadata);
        if sa.name.is_empty() || sa.namespace.is_empty() {
            tracing::warn!("a ServiceAccount without name or namespace was skipped");
            return None;
        }
        Some(sa)
    }

    fn apply(&mut self, d: &mut Data, sa: inventory::ServiceAccount) -> bool {
        d.service_accounts
            .insert((sa.namespace.clone(), sa.name.clone()), sa)
            .is_none()
    }

    fn remove(&mut self, d: &mut Data, object: &Self::Object) -> bool {
        key_of(&object.metadata).is_some_and(|k| d.service_accounts.remove(&k).is_some())
    }

    fn replace(&mut self, d: &mut Data, items: Vec<inventory::ServiceAccount>) -> usize {
        match &self.namespace {
            None => d.service_accounts.clear(),
            Some(ns) => d.service_accounts.retain(|(n, _), _| n != ns),
        }
        let mut count = 0;
        for sa in items {
            if self.apply(d, sa) {
                count += 1;
            }
        }
        count
    }
}

struct NodeSink;

impl Sink for NodeSink {
    type Object = PartialObjectMeta<Node>;
    type Item = inventory::Node;

    fn reduce(&self, object: &Self::Object) -> Option<inventory::Node> {
        let node = reduce_node(&object.metadata);
        if node.name.is_empty() {
            tracing::warn!("a node without name was skipped");
            return None;
        }
        Some(node)
    }

    fn apply(&mut self, d: &mut Data, node: inventory::Node) -> bool {
        d.nodes.insert(node.name.clone(), node).is_none()
    }

    fn remove(&mut self, d: &mut Data, object: &Self::Object) -> bool {
        object
            .metadata
            .name
            .as_ref()
            .is_some_and(|n| d.nodes.remove(n).is_some())
    }

    fn replace(&mut self, d: &mut Data, items: Vec<inventory::Node>) -> usize {
        d.nodes.clear();
        let mut count = 0;
        for node in items {
            if self.apply(d, node) {
                count += 1;
            }
        }
        count
    }
}

/// `kube-system/aws-auth`: the node roles of `mapRoles`, recorded with source `aws-auth`.
#[derive(Default)]
struct AwsAuthSink {
    present: bool,
    problem: Option<String>,
}

impl AwsAuthSink {
    fn set_roles(&mut self, d: &mut Data, parsed: Option<Result<Vec<String>, String>>) {
        d.node_roles.retain(|_, sources| {
            sources.retain(|s| s != AWS_AUTH);
            !sources.is_empty()
        });
        self.present = parsed.is_some();
        self.problem = None;
        match parsed {
            Some(Ok(roles)) => {
                for role in roles {
                    d.add_node_role(&role, AWS_AUTH.to_owned());
                }
            }
            Some(Err(message)) => {
                tracing::warn!(%message, "aws-auth not understood");
                self.problem = Some(message);
            }
            None => {}
        }
    }
}

impl Sink for AwsAuthSink {
    type Object = ConfigMap;
    type Item = Result<Vec<String>, String>;

    fn reduce(&self, cm: &ConfigMap) -> Option<Self::Item> {
        if cm.metadata.name.as_deref() != Some(AWS_AUTH) {
            return None;
        }
        let map_roles = cm
            .data
            .as_ref()
            .and_then(|d| d.get("mapRoles"))
            .map_or("", String::as_str);
        Some(aws_auth_node_roles(map_roles))
    }

    fn apply(&mut self, d: &mut Data, roles: Self::Item) -> bool {
        let new = !self.present;
        self.set_roles(d, Some(roles));
        new
    }

    fn remove(&mut self, d: &mut Data, cm: &ConfigMap) -> bool {
        if cm.metadata.name.as_deref() != Some(AWS_AUTH) {
            return false;
        }
        let known = self.present;
        self.set_roles(d, None);
        known
    }

    fn replace(&mut self, d: &mut Data, items: Vec<Self::Item>) -> usize {
        let count = items.len();
        self.set_roles(d, items.into_iter().next());
        count
    }

    fn problem(&self) -> Option<String> {
        self.problem.clone()
    }
}

/// The names of the objects of one kind, and what their presence means for the inventory
/// (the pod identity webhook, the Pod Identity agent).
struct NamesSink<K> {
    names: BTreeSet<String>,
    publish: fn(&BTreeSet<String>, &mut Data),
    kind: std::marker::PhantomData<fn() -> K>,
}

impl<K> NamesSink<K> {
    fn new(publish: fn(&BTreeSet<String>, &mut Data)) -> Self {
        NamesSink {
            names: BTreeSet::new(),
            publish,
            kind: std::marker::PhantomData,
        }
    }
}

/// A `pod-identity-webhook` MutatingWebhookConfiguration (or `RELEASE-pod-identity-webhook`).
fn webhook_sink() -> NamesSink<MutatingWebhookConfiguration> {
    NamesSink::new(|names, d| {
        d.webhook_present = Some(names.iter().any(|n| n.ends_with(WEBHOOK_NAME)));
    })
}

/// The `kube-system/eks-pod-identity-agent` DaemonSet.
fn agent_sink() -> NamesSink<DaemonSet> {
    NamesSink::new(|names, d| {
        d.pod_identity_agent_present = Some(names.contains(AGENT_DAEMONSET));
    })
}

impl<K> Sink for NamesSink<K>
where
    K: Send + 'static,
    PartialObjectMeta<K>: Send + 'static,
{
    type Object = PartialObjectMeta<K>;
    type Item = String;

    fn reduce(&self, object: &Self::Object) -> Option<String> {
        object.metadata.name.clone()
    }

    fn apply(&mut self, d: &mut Data, name: String) -> bool {
        let new = self.names.insert(name);
        (self.publish)(&self.names, d);
        new
    }

    fn remove(&mut self, d: &mut Data, object: &Self::Object) -> bool {
        let known = object
            .metadata
            .name
            .as_ref()
            .is_some_and(|n| self.names.remove(n));
        (self.publish)(&self.names, d);
        known
    }

    fn replace(&mut self, d: &mut Data, items: Vec<String>) -> usize {
        self.names = items.into_iter().collect();
        (self.publish)(&self.names, d);
        self.names.len()
    }
}
