//! A fake Kubernetes API server for tests (axum + tokio, plain HTTP on 127.0.0.1).
//!
//! It speaks list and watch as the real API server does, for the resources irsa-tui reads:
//! - `GET /api/v1/{pods,serviceaccounts,configmaps}` (all namespaces) and
//!   `/api/v1/namespaces/{ns}/{...}`, `/api/v1/nodes`, `/api/v1/namespaces`,
//!   `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations`,
//!   `/apis/apps/v1/daemonsets` and `/apis/apps/v1/namespaces/{ns}/daemonsets`; single
//!   objects by name; discovery (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/G/V`) for
//!   kubectl.
//! - One global `resourceVersion` (as etcd's), on lists, objects and events.
//! - Lists: `limit` / `continue` over a consistent snapshot, `remainingItemCount`;
//!   `fieldSelector` (`metadata.name`, `metadata.namespace`), equality `labelSelector`.
//!   `Accept: ...;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` returns
//!   `PartialObjectMetadataList` (and `as=PartialObjectMetadata` objects in watch events).
//! - Watches (`watch=true`): replay from `resourceVersion` (synthetic ADDED for every object
//!   when it is empty or `0`), then live events; `allowWatchBookmarks` bookmarks every
//!   [`FakeKubeBuilder::bookmark_interval`]; `sendInitialEvents` with the
//!   `k8s.io/initial-events-end` bookmark; `timeoutSeconds` honoured (and capped by
//!   [`FakeKubeBuilder::max_watch_timeout`]); a resourceVersion older than the compaction
//!   point gets the `ERROR` event with a 410 `Expired` Status, as does a continue token.
//! - Injection: 403 per resource and scope ([`Scope`]), 5xx for the next N requests or
//!   always, slow responses, 410 Gone with silent changes in the gap ([`FakeKube::expire`]),
//!   dropped watch connections, live add/modify/delete while watches are open.
//! - Accounting: the number of non-GET requests (answered 405, never performed) and a log of
//!   every request (method, path, query, Accept, status), with [`RequestRecord::access`]
//!   telling the RBAC verb, group, resource and namespace each one needs.
#![allow(dead_code, reason = "shared by several test crates, each using a part")]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use futures::SinkExt;
use futures::channel::mpsc;
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// What a resource is, for routing and for the kinds in responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub resource: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The resources the fake serves.
pub const KINDS: &[Kind] = &[
    Kind {
        resource: "pods",
        group: "",
        version: "v1",
        kind: "Pod",
        namespaced: true,
    },
    Kind {
        resource: "serviceaccounts",
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        namespaced: true,
    },
    Kind {
        resource: "configmaps",
        group: "",
        version: "v1",
        kind: "ConfigMap",
        namespaced: true,
    },
    Kind {
        resource: "nodes",
        group: "",
        version: "v1",
        kind: "Node",
        namespaced: false,
    },
    Kind {
        resource: "namespaces",
        group: "",
        version: "v1",
        kind: "Namespace",
        namespaced: false,
    },
    Kind {
        resource: "mutatingwebhookconfigurations",
        group: "admissionregistration.k8s.io",
        version: "v1",
        kind: "MutatingWebhookConfiguration",
        namespaced: false,
    },
    Kind {
        resource: "daemonsets",
        group: "apps",
        version: "v1",
        kind: "DaemonSet",
        namespaced: true,
    },
];

pub fn kind(resource: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.resource == resource)
}

/// Where a request reads: cluster-wide (or a cluster-scoped resource), or one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Cluster,
    Namespace(String),
}

impl Scope {
    pub fn ns(name: &str) -> Scope {
        Scope::Namespace(name.to_owned())
    }
}

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Version,
    Discovery(String),
    /// `namespace: None`: all namespaces, or a cluster-scoped resource.
    Collection {
        kind: &'static Kind,
        namespace: Option<String>,
    },
    Object {
        kind: &'static Kind,
        namespace: Option<String>,
        name: String,
    },
    NotFound,
}

impl Target {
    pub fn parse(path: &str) -> Target {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (group, version, rest) = match segs.as_slice() {
            ["version"] => return Target::Version,
            ["api"] | ["apis"] | ["api", "v1"] => return Target::Discovery(segs.join("/")),
            ["apis", _, _] => return Target::Discovery(segs.join("/")),
            ["api", "v1", rest @ ..] => ("", "v1", rest),
            ["apis", g, v, rest @ ..] => (*g, *v, rest),
            _ => return Target::NotFound,
        };
        let find = |resource: &str| {
            KINDS
                .iter()
                .find(|k| k.resource == resource && k.group == group && k.version == version)
        };
        match rest {
            [res] => match find(res) {
                Some(kind) => Target::Collection {
                    kind,
                    namespace: None,
                },
                None => Target::NotFound,
            },
            ["namespaces", ns, res] => match find(res) {
                Some(kind) if kind.namespaced => Target::Collection {
                    kind,
                    namespace: Some((*ns).to_owned()),
                },
                _ => Target::NotFound,
            },
            [res, name] => match find(res) {
                Some(kind) if !kind.namespaced => Target::Object {
                    kind,
                    namespace: None,
                    name: (*name).to_owned(),
                },
                _ => Target::NotFound,
            },
            ["namespaces", ns, res, name] => match find(res) {
                Some(kind) if kind.namespaced => Target::Object {
                    kind,
                    namespace: Some((*ns).to_owned()),
                    name: (*name).to_owned(),
                },
                _ => Target::NotFound,
            },
            _ => Target::NotFound,
        }
    }

    fn kind(&self) -> Option<&'static Kind> {
        match self {
            Target::Collection { kind, .. } | Target::Object { kind, .. } => Some(kind),
            _ => None,
        }
    }

    fn scope(&self) -> Scope {
        match self {
            Target::Collection {
                namespace: Some(ns),
                ..
            }
            | Target::Object {
                namespace: Some(ns),
                ..
            } => Scope::Namespace(ns.clone()),
            _ => Scope::Cluster,
        }
    }
}

/// The RBAC access a request needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    /// `get`, `list` or `watch`.
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    /// `None`: cluster-wide or cluster-scoped.
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// Decoded `key=value` pairs, in order.
    pub query: Vec<(String, String)>,
    pub raw_query: String,
    pub accept: String,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    pub status: u16,
}

impl RequestRecord {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_watch(&self) -> bool {
        matches!(self.param("watch"), Some("true" | "1"))
    }

    pub fn metadata_only(&self) -> bool {
        self.accept.contains("as=PartialObjectMetadata")
    }

    /// The RBAC access this request needs; `None` for discovery and unknown paths.
    pub fn access(&self) -> Option<Access> {
        match Target::parse(&self.path) {
            Target::Collection { kind, namespace } => Some(Access {
                verb: if self.is_watch() { "watch" } else { "list" },
                group: kind.group,
                resource: kind.resource,
                namespace,
                name: None,
            }),
            Target::Object {
                kind,
                namespace,
                name,
            } => Some(Access {
                verb: if self.is_watch() { "watch" } else { "get" },
                group: kind.group,
                resource: kind.resource,
                namespace,
                name: Some(name),
            }),
            _ => None,
        }
    }
}

/// A stored object, pre-serialised.
#[derive(Debug)]
struct Obj {
    namespace: String,
    name: String,
    rv: u64,
    labels: BTreeMap<String, String>,
    /// Without apiVersion/kind, as list items are.
    item: String,
    /// `PartialObjectMetadata`.
    meta: String,
}

impl Obj {
    fn typed(&self, kind: &Kind) -> String {
        // `item` is a JSON object with at least `metadata`.
        format!(
            "{{\"apiVersion\":\"{}\",\"kind\":\"{}\",{}",
            kind.api_version(),
            kind.kind,
            &self.item[1..]
        )
    }

    fn render(&self, kind: &Kind, meta: bool) -> String {
        if meta {
            self.meta.clone()
        } else {
            self.typed(kind)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeType {
    Added,
    Modified,
    Deleted,
}

impl ChangeType {
    fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Clone)]
struct Change {
    kind: &'static Kind,
    rv: u64,
    change: ChangeType,
    obj: Arc<Obj>,
}

#[derive(Debug, Clone)]
enum Msg {
    Change(Change),
    /// Compaction: open watches get 410 and end.
    Expire,
    /// Open watches break off (connection dropped).
    Drop,
}

struct Snapshot {
    rv: u64,
    items: Vec<Arc<Obj>>,
}

#[derive(Debug, Clone, Copy)]
struct Failure {
    /// `None`: always.
    remaining: Option<u32>,
    status: u16,
}

struct Inner {
    rv: u64,
    compacted: u64,
    objects: HashMap<&'static str, BTreeMap<(String, String), Arc<Obj>>>,
    log: Vec<Change>,
    snapshots: HashMap<u64, Arc<Snapshot>>,
    next_snapshot: u64,
    forbidden: HashSet<(String, Scope)>,
    failures: HashMap<String, Failure>,
    delays: HashMap<String, Duration>,
    non_get: usize,
    requests: Vec<RequestRecord>,
    bookmark_interval: Duration,
    max_watch: Option<Duration>,
    auto_namespaces: bool,
    next_uid: u64,
    open_watches: usize,
}

impl Inner {
    fn objects(&mut self, kind: &'static Kind) -> &mut BTreeMap<(String, String), Arc<Obj>> {
        self.objects.entry(kind.resource).or_default()
    }

    /// Stores an object, assigning its resourceVersion (and uid, creationTimestamp,
    /// namespace when missing). Returns the changes (a namespace created on the way first).
    fn apply(&mut self, kind: &'static Kind, object: Value) -> Result<Vec<Change>, String> {
        let Value::Object(mut map) = object else {
            return Err(format!("a {} must be a JSON object", kind.kind));
        };
        map.remove("apiVersion");
        map.remove("kind");
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| format!("{}: metadata must be an object", kind.kind))?;
        let name = metadata
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("a {} needs metadata.name", kind.kind))?
            .to_owned();
        let namespace = if kind.namespaced {
            let ns = metadata
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("default")
                .to_owned();
            metadata.insert("namespace".into(), json!(ns));
            ns
        } else {
            metadata.remove("namespace");
            String::new()
        };
        let mut changes = Vec::new();
        if kind.namespaced
            && self.auto_namespaces
            && let Some(ns_kind) = self::kind("namespaces")
            && !self
                .objects(ns_kind)
                .contains_key(&(String::new(), namespace.clone()))
        {
            changes.extend(self.apply(ns_kind, json!({"metadata": {"name": namespace}}))?);
        }
        let key = (namespace.clone(), name.clone());
        let existing = self.objects(kind).get(&key).cloned();
        self.rv += 1;
        let rv = self.rv;
        metadata.insert("resourceVersion".into(), json!(rv.to_string()));
        if !metadata.contains_key("uid") {
            let uid = match &existing {
                Some(old) => serde_json::from_str::<Value>(&old.item)
                    .ok()
                    .and_then(|v| v["metadata"]["uid"].as_str().map(str::to_owned)),
                None => None,
            }
            .unwrap_or_else(|| {
                self.next_uid += 1;
                format!("00000000-0000-4000-8000-{:012x}", self.next_uid)
            });
            metadata.insert("uid".into(), json!(uid));
        }
        metadata
            .entry("creationTimestamp")
            .or_insert_with(|| json!("2026-01-01T00:00:00Z"));
        let labels = metadata
            .get("labels")
            .and_then(Value::as_object)
            .map(|l| {
                l.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let meta = json!({
            "apiVersion": "meta.k8s.io/v1",
            "kind": "PartialObjectMetadata",
            "metadata": metadata.clone(),
        })
        .to_string();
        let obj = Arc::new(Obj {
            namespace,
            name,
            rv,
            labels,
            item: Value::Object(map).to_string(),
            meta,
        });
        self.objects(kind).insert(key, obj.clone());
        let change = Change {
            kind,
            rv,
            change: if existing.is_some() {
                ChangeType::Modified
            } else {
                ChangeType::Added
            },
            obj,
        };
        self.log.push(change.clone());
        changes.push(change);
        Ok(changes)
    }

    fn delete(&mut self, kind: &'static Kind, namespace: &str, name: &str) -> Option<Change> {
        let ns = if kind.namespaced { namespace } else { "" };
        let old = self
            .objects(kind)
            .remove(&(ns.to_owned(), name.to_owned()))?;
        self.rv += 1;
        let rv = self.rv;
        // The deleted object carries the deletion's resourceVersion.
        let with_rv = |text: &str| {
            let mut v: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({}));
            v["metadata"]["resourceVersion"] = json!(rv.to_string());
            v.to_string()
        };
        let obj = Arc::new(Obj {
            namespace: old.namespace.clone(),
            name: old.name.clone(),
            rv,
            labels: old.labels.clone(),
            item: with_rv(&old.item),
            meta: with_rv(&old.meta),
        });
        let change = Change {
            kind,
            rv,
            change: ChangeType::Deleted,
            obj,
        };
        self.log.push(change.clone());
        Some(change)
    }
}

struct Shared {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Msg>,
    addr: Mutex<Option<SocketAddr>>,
    /// Stops serving ([`FakeKube::stop`]).
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// Stopped: every request from now on, and every watch still open, breaks off.
    stopped: Arc<AtomicBool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Changes made while watches are cut off (see [`FakeKube::expire`]): no events are sent
/// for them; clients see them only by relisting.
pub struct Gap<'a> {
    inner: &'a mut Inner,
}

impl Gap<'_> {
    pub fn apply(&mut self, resource: &str, object: Value) {
        let kind = kind(resource).unwrap_or_else(|| panic!("unknown resource {resource}"));
        if let Err(e) = self.inner.apply(kind, object) {
            panic!("{e}");
        }
    }

    pub fn delete(&mut self, resource: &str, namespace: &str, name: &str) -> bool {
        let kind = kind(resource).unwrap_or_else(|| panic!("unknown resource {resource}"));
        self.inner.delete(kind, namespace, name).is_some()
    }
}

/// Builds a [`FakeKube`].
pub struct FakeKubeBuilder {
    objects: Vec<(String, Value)>,
    forbidden: Vec<(String, Scope)>,
    failures: Vec<(String, Failure)>,
    delays: Vec<(String, Duration)>,
    bookmark_interval: Duration,
    max_watch: Option<Duration>,
    auto_namespaces: bool,
    port: u16,
}

impl FakeKubeBuilder {
    pub fn object(mut self, resource: &str, object: Value) -> Self {
        self.objects.push((resource.to_owned(), object));
        self
    }

    pub fn objects(mut self, resource: &str, objects: impl IntoIterator<Item = Value>) -> Self {
        for o in objects {
            self.objects.push((resource.to_owned(), o));
        }
        self
    }

    pub fn pods(self, pods: impl IntoIterator<Item = Value>) -> Self {
        self.objects("pods", pods)
    }

    pub fn pod(self, pod: Value) -> Self {
        self.object("pods", pod)
    }

    pub fn service_accounts(self, items: impl IntoIterator<Item = Value>) -> Self {
        self.objects("serviceaccounts", items)
    }

    pub fn nodes(self, items: impl IntoIterator<Item = Value>) -> Self {
        self.objects("nodes", items)
    }

    pub fn namespaces<S: AsRef<str>>(self, names: impl IntoIterator<Item = S>) -> Self {
        let items: Vec<Value> = names
            .into_iter()
            .map(|n| objects::namespace(n.as_ref()))
            .collect();
        self.objects("namespaces", items)
    }

    pub fn config_maps(self, items: impl IntoIterator<Item = Value>) -> Self {
        self.objects("configmaps", items)
    }

    pub fn mutating_webhooks(self, items: impl IntoIterator<Item = Value>) -> Self {
        self.objects("mutatingwebhookconfigurations", items)
    }

    pub fn daemon_sets(self, items: impl IntoIterator<Item = Value>) -> Self {
        self.objects("daemonsets", items)
    }

    /// 403 Forbidden for `resource` in `scope` (list, watch and get).
    pub fn forbid(mut self, resource: &str, scope: Scope) -> Self {
        self.forbidden.push((resource.to_owned(), scope));
        self
    }

    /// The next `times` requests for `resource` (`*`: any resource) get HTTP `status`.
    pub fn fail_next(mut self, resource: &str, times: u32, status: u16) -> Self {
        self.failures.push((
            resource.to_owned(),
            Failure {
                remaining: Some(times),
                status,
            },
        ));
        self
    }

    /// Every request for `resource` gets HTTP `status`.
    pub fn fail_always(mut self, resource: &str, status: u16) -> Self {
        self.failures.push((
            resource.to_owned(),
            Failure {
                remaining: None,
                status,
            },
        ));
        self
    }

    /// Requests for `resource` (`*`: any) wait `delay` before being answered.
    pub fn slow(mut self, resource: &str, delay: Duration) -> Self {
        self.delays.push((resource.to_owned(), delay));
        self
    }

    /// How often open watches that asked for bookmarks get one (default 1 s).
    pub fn bookmark_interval(mut self, every: Duration) -> Self {
        self.bookmark_interval = every;
        self
    }

    /// Ends every watch after at most this long, whatever `timeoutSeconds` says.
    pub fn max_watch_timeout(mut self, limit: Duration) -> Self {
        self.max_watch = Some(limit);
        self
    }

    /// Whether a namespaced object creates its Namespace when missing (default true).
    pub fn auto_namespaces(mut self, on: bool) -> Self {
        self.auto_namespaces = on;
        self
    }

    /// Listen on this port (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts the server; panics when it cannot (tests).
    pub async fn start(self) -> FakeKube {
        match self.try_start().await {
            Ok(fake) => fake,
            Err(e) => panic!("fake kube server: {e}"),
        }
    }

    pub async fn try_start(self) -> Result<FakeKube, String> {
        let (tx, _) = broadcast::channel(16_384);
        let mut inner = Inner {
            rv: 100,
            compacted: 0,
            objects: HashMap::new(),
            log: Vec::new(),
            snapshots: HashMap::new(),
            next_snapshot: 0,
            forbidden: self.forbidden.into_iter().collect(),
            failures: self.failures.into_iter().collect(),
            delays: self.delays.into_iter().collect(),
            non_get: 0,
            requests: Vec::new(),
            bookmark_interval: self.bookmark_interval,
            max_watch: self.max_watch,
            auto_namespaces: self.auto_namespaces,
            next_uid: 0,
            open_watches: 0,
        };
        for (resource, object) in self.objects {
            let kind = kind(&resource).ok_or_else(|| format!("unknown resource {resource}"))?;
            inner.apply(kind, object)?;
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::new(Shared {
            inner: Mutex::new(inner),
            tx,
            addr: Mutex::new(None),
            stop: Mutex::new(Some(stop)),
            stopped: Arc::new(AtomicBool::new(false)),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", self.port))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("no local address: {e}"))?;
        *shared.addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(addr);
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                eprintln!("fake kube server stopped: {e}");
            }
        });
        Ok(FakeKube { shared, addr })
    }
}

/// A running fake API server. Cloning shares it.
#[derive(Clone)]
pub struct FakeKube {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FakeKube {
    pub fn builder() -> FakeKubeBuilder {
        FakeKubeBuilder {
            objects: Vec::new(),
            forbidden: Vec::new(),
            failures: Vec::new(),
            delays: Vec::new(),
            bookmark_interval: Duration::from_secs(1),
            max_watch: None,
            auto_namespaces: true,
            port: 0,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Writes a kubeconfig for this server (plain http, no auth) into `dir`.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        self.kubeconfig_named(dir, "fake")
    }

    /// The same with the cluster entry called `cluster` (an EKS ARN makes the cluster name
    /// inferable), in a file named after nothing in particular.
    pub fn kubeconfig_named(&self, dir: &Path, cluster: &str) -> PathBuf {
        let path = dir.join(format!("kubeconfig-{}.yaml", self.addr.port()));
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: \"{cluster}\"\n  cluster:\n    server: {url}\ncontexts:\n- name: fake\n  context:\n    cluster: \"{cluster}\"\n    user: fake\ncurrent-context: fake\nusers:\n- name: fake\n  user: {{}}\n",
            url = self.url()
        );
        if let Err(e) = std::fs::write(&path, text) {
            panic!("cannot write {}: {e}", path.display());
        }
        path
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// Called with the lock held, so watches see changes in resourceVersion order.
    fn publish(&self, changes: Vec<Change>) {
        for c in changes {
            let _ = self.shared.tx.send(Msg::Change(c));
        }
    }

    /// Adds or replaces an object (open watches get ADDED or MODIFIED); returns its
    /// resourceVersion.
    pub fn apply(&self, resource: &str, object: Value) -> u64 {
        let kind = kind(resource).unwrap_or_else(|| panic!("unknown resource {resource}"));
        let mut inner = self.lock();
        let changes = inner.apply(kind, object).unwrap_or_else(|e| panic!("{e}"));
        let rv = inner.rv;
        self.publish(changes);
        drop(inner);
        rv
    }

    /// Deletes an object (`namespace` ignored for cluster-scoped resources); open watches
    /// get DELETED.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) -> bool {
        let kind = kind(resource).unwrap_or_else(|| panic!("unknown resource {resource}"));
        let mut inner = self.lock();
        match inner.delete(kind, namespace, name) {
            Some(change) => {
                self.publish(vec![change]);
                drop(inner);
                true
            }
            None => false,
        }
    }

    /// Makes the changes in `gap` without telling any watch, then compacts: every open
    /// watch gets a 410 Expired ERROR event and ends, every resourceVersion and continue
    /// token handed out so far is too old, and clients must relist to see the changes.
    pub fn expire(&self, gap: impl FnOnce(&mut Gap<'_>)) {
        let mut inner = self.lock();
        gap(&mut Gap { inner: &mut inner });
        // Writes elsewhere (leases, events) move the revision on; history up to it is
        // compacted, so every resourceVersion and continue token a client holds is too old.
        inner.rv += 1;
        inner.compacted = inner.rv;
        let _ = self.shared.tx.send(Msg::Expire);
    }

    /// [`FakeKube::expire`] without changes.
    pub fn expire_watches(&self) {
        self.expire(|_| {});
    }

    /// Breaks every open watch connection off mid-stream.
    pub fn drop_watches(&self) {
        let _inner = self.lock();
        let _ = self.shared.tx.send(Msg::Drop);
    }

    /// Stops the server as a crash or a lost network would: it stops listening (connections
    /// are refused from now on) and every open watch is cut off mid-stream.
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let stop = self
            .shared
            .stop
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        self.drop_watches();
    }

    pub fn forbid(&self, resource: &str, scope: Scope) {
        self.lock().forbidden.insert((resource.to_owned(), scope));
    }

    pub fn allow(&self, resource: &str, scope: Scope) {
        self.lock().forbidden.remove(&(resource.to_owned(), scope));
    }

    pub fn fail_next(&self, resource: &str, times: u32, status: u16) {
        self.lock().failures.insert(
            resource.to_owned(),
            Failure {
                remaining: Some(times),
                status,
            },
        );
    }

    pub fn fail_always(&self, resource: &str, status: u16) {
        self.lock().failures.insert(
            resource.to_owned(),
            Failure {
                remaining: None,
                status,
            },
        );
    }

    /// Stops injected failures for `resource`.
    pub fn heal(&self, resource: &str) {
        self.lock().failures.remove(resource);
    }

    pub fn slow(&self, resource: &str, delay: Duration) {
        self.lock().delays.insert(resource.to_owned(), delay);
    }

    /// Requests other than GET (answered 405; never performed).
    pub fn non_get_requests(&self) -> usize {
        self.lock().non_get
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    pub fn open_watches(&self) -> usize {
        self.lock().open_watches
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    pub fn count(&self, resource: &str) -> usize {
        let Some(kind) = kind(resource) else {
            return 0;
        };
        self.lock().objects(kind).len()
    }
}

// ---------------------------------------------------------------------------------------
// Serving

#[derive(Debug, Default)]
struct Params {
    watch: bool,
    resource_version: Option<String>,
    limit: usize,
    continue_token: Option<String>,
    timeout_seconds: Option<u64>,
    bookmarks: bool,
    send_initial_events: bool,
    field_selector: Vec<(String, String)>,
    label_selector: Vec<(String, String)>,
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

fn selector(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|term| {
            let (k, v) = term
                .split_once("==")
                .or_else(|| term.split_once('='))
                .ok_or_else(|| format!("unsupported selector term {term:?}"))?;
            if k.ends_with('!') {
                return Err(format!("unsupported selector term {term:?}"));
            }
            Ok((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn params(query: &[(String, String)]) -> Result<Params, String> {
    let mut p = Params::default();
    for (k, v) in query {
        match k.as_str() {
            "watch" => p.watch = v == "true" || v == "1",
            "resourceVersion" => p.resource_version = Some(v.clone()),
            "limit" => {
                p.limit = v
                    .parse()
                    .map_err(|_| format!("limit: invalid value {v:?}"))?
            }
            "continue" => p.continue_token = Some(v.clone()).filter(|c| !c.is_empty()),
            "timeoutSeconds" => {
                p.timeout_seconds = Some(
                    v.parse()
                        .map_err(|_| format!("timeoutSeconds: invalid value {v:?}"))?,
                )
            }
            "allowWatchBookmarks" => p.bookmarks = v == "true" || v == "1",
            "sendInitialEvents" => p.send_initial_events = v == "true",
            "fieldSelector" => {
                p.field_selector = selector(v)?;
                for (field, _) in &p.field_selector {
                    if field != "metadata.name" && field != "metadata.namespace" {
                        return Err(format!(
                            "field label not supported: {field} (the fake supports metadata.name and metadata.namespace)"
                        ));
                    }
                }
            }
            "labelSelector" => p.label_selector = selector(v)?,
            _ => {}
        }
    }
    Ok(p)
}

impl Params {
    fn matches(&self, obj: &Obj) -> bool {
        self.field_selector.iter().all(|(f, v)| match f.as_str() {
            "metadata.name" => obj.name == *v,
            "metadata.namespace" => obj.namespace == *v,
            _ => false,
        }) && self
            .label_selector
            .iter()
            .all(|(k, v)| obj.labels.get(k) == Some(v))
    }
}

fn in_scope(obj: &Obj, namespace: Option<&str>) -> bool {
    namespace.is_none_or(|ns| obj.namespace == ns)
}

/// Which representation the client accepts: metadata only, or the full object.
fn wants_metadata(accept: &str) -> bool {
    for media in accept.split(',') {
        let media = media.trim();
        if media.contains("as=PartialObjectMetadata") {
            return true;
        }
        if media.contains("as=") {
            continue; // Table and other conversions: not offered, try the next type
        }
        if media.starts_with("application/json") || media.starts_with("*/*") {
            return false;
        }
    }
    false
}

fn status_body(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        status["details"] = d;
    }
    status
}

fn json_response(status: u16, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn status_response(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    json_response(
        code,
        status_body(code, reason, message, details).to_string(),
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if shared.stopped.load(Ordering::SeqCst) {
        // A request on a connection kept alive from before the stop: the answer breaks off
        // as a dead server's would (not an HTTP status, which would be an answer).
        let cut: Result<Bytes, std::io::Error> = Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the fake was stopped",
        ));
        return Response::new(Body::from_stream(futures::stream::iter([cut])));
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query = parse_query(&raw_query);
    let response = serve(&shared, &method, &path, &query, &accept).await;
    let mut inner = shared.lock();
    if method != Method::GET {
        inner.non_get += 1;
    }
    inner.requests.push(RequestRecord {
        method: method.to_string(),
        path,
        query,
        raw_query,
        accept,
        authorization,
        status: response.status().as_u16(),
    });
    response
}

async fn serve(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    accept: &str,
) -> Response {
    let target = Target::parse(path);
    if method != Method::GET {
        return status_response(
            405,
            "MethodNotAllowed",
            &format!("the fake API server is read-only: {method} {path} refused"),
            None,
        );
    }
    let kind = match &target {
        Target::Version => return json_response(200, version().to_string()),
        Target::Discovery(what) => {
            return match discovery(what) {
                Some(body) => json_response(200, body.to_string()),
                None => status_response(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                    None,
                ),
            };
        }
        Target::NotFound => {
            return status_response(
                404,
                "NotFound",
                "the server could not find the requested resource",
                None,
            );
        }
        Target::Collection { kind, .. } | Target::Object { kind, .. } => *kind,
    };
    let params = match params(query) {
        Ok(p) => p,
        Err(message) => return status_response(400, "BadRequest", &message, None),
    };
    let verb = match (&target, params.watch) {
        (_, true) => "watch",
        (Target::Object { .. }, false) => "get",
        _ => "list",
    };
    let scope = target.scope();

    let (delay, failure, forbidden) = {
        let mut inner = shared.lock();
        let delay = inner
            .delays
            .get(kind.resource)
            .or_else(|| inner.delays.get("*"))
            .copied();
        let forbidden = inner
            .forbidden
            .contains(&(kind.resource.to_owned(), scope.clone()));
        let mut failure = None;
        if !forbidden {
            for key in [kind.resource, "*"] {
                if let Some(f) = inner.failures.get_mut(key) {
                    match &mut f.remaining {
                        Some(0) => {}
                        Some(n) => {
                            *n -= 1;
                            failure = Some(f.status);
                        }
                        None => failure = Some(f.status),
                    }
                    if failure.is_some() {
                        break;
                    }
                }
            }
        }
        (delay, failure, forbidden)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    if forbidden {
        let at = match &scope {
            Scope::Cluster => "at the cluster scope".to_owned(),
            Scope::Namespace(ns) => format!("in the namespace \"{ns}\""),
        };
        let message = format!(
            "{res} is forbidden: User \"system:serviceaccount:irsa-tui:reader\" cannot {verb} resource \"{res}\" in API group \"{group}\" {at}",
            res = kind.resource,
            group = kind.group,
        );
        return status_response(
            403,
            "Forbidden",
            &message,
            Some(json!({"kind": kind.resource})),
        );
    }
    if let Some(code) = failure {
        let reason = match code {
            503 => "ServiceUnavailable",
            504 => "Timeout",
            429 => "TooManyRequests",
            _ => "InternalError",
        };
        return status_response(
            code,
            reason,
            &format!("injected failure for {} ({code})", kind.resource),
            None,
        );
    }
    let meta = wants_metadata(accept);
    match target {
        Target::Object {
            kind,
            namespace,
            name,
        } if !params.watch => {
            let mut inner = shared.lock();
            let key = (namespace.unwrap_or_default(), name.clone());
            match inner.objects(kind).get(&key) {
                Some(obj) => json_response(200, obj.render(kind, meta)),
                None => status_response(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", kind.resource),
                    Some(json!({"name": name, "kind": kind.resource})),
                ),
            }
        }
        Target::Object {
            kind,
            namespace,
            name,
        } => {
            let mut params = params;
            params.field_selector.push(("metadata.name".into(), name));
            watch(shared, kind, namespace, params, meta)
        }
        Target::Collection { kind, namespace } if params.watch => {
            watch(shared, kind, namespace, params, meta)
        }
        Target::Collection { kind, namespace } => list(shared, kind, namespace, &params, meta),
        _ => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

fn list(
    shared: &Arc<Shared>,
    kind: &'static Kind,
    namespace: Option<String>,
    params: &Params,
    meta: bool,
) -> Response {
    let mut inner = shared.lock();
    let (id, snapshot, offset) = match &params.continue_token {
        Some(token) => {
            let parsed = token
                .split_once('.')
                .and_then(|(id, off)| Some((id.parse::<u64>().ok()?, off.parse::<usize>().ok()?)));
            let found =
                parsed.and_then(|(id, off)| Some((id, inner.snapshots.get(&id)?.clone(), off)));
            match found {
                Some((id, snap, off)) if snap.rv >= inner.compacted && off <= snap.items.len() => {
                    (Some(id), snap, off)
                }
                Some(_) => {
                    return status_response(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                        None,
                    );
                }
                None => {
                    return status_response(400, "BadRequest", "continue key is not valid", None);
                }
            }
        }
        None => {
            let rv = inner.rv;
            let items: Vec<Arc<Obj>> = inner
                .objects(kind)
                .values()
                .filter(|o| in_scope(o, namespace.as_deref()) && params.matches(o))
                .cloned()
                .collect();
            (None, Arc::new(Snapshot { rv, items }), 0)
        }
    };
    let total = snapshot.items.len();
    let end = if params.limit > 0 {
        (offset + params.limit).min(total)
    } else {
        total
    };
    let next = if end < total {
        let id = id.unwrap_or_else(|| {
            inner.next_snapshot += 1;
            let id = inner.next_snapshot;
            inner.snapshots.insert(id, snapshot.clone());
            id
        });
        Some(format!("{id}.{end}"))
    } else {
        if let Some(id) = id {
            inner.snapshots.remove(&id);
        }
        None
    };
    drop(inner);

    let page = &snapshot.items[offset..end];
    let mut body =
        String::with_capacity(page.iter().map(|o| o.item.len() + 1).sum::<usize>() + 256);
    let (list_kind, api_version) = if meta {
        (
            "PartialObjectMetadataList".to_owned(),
            "meta.k8s.io/v1".to_owned(),
        )
    } else {
        (format!("{}List", kind.kind), kind.api_version())
    };
    body.push_str(&format!(
        "{{\"kind\":\"{list_kind}\",\"apiVersion\":\"{api_version}\",\"metadata\":{{\"resourceVersion\":\"{}\"",
        snapshot.rv
    ));
    if let Some(token) = &next {
        body.push_str(&format!(
            ",\"continue\":\"{token}\",\"remainingItemCount\":{}",
            total - end
        ));
    }
    body.push_str("},\"items\":[");
    for (i, obj) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(if meta { &obj.meta } else { &obj.item });
    }
    body.push_str("]}");
    json_response(200, body)
}

fn event_line(kind: &Kind, change: ChangeType, obj: &Obj, meta: bool) -> String {
    format!(
        "{{\"type\":\"{}\",\"object\":{}}}\n",
        change.as_str(),
        obj.render(kind, meta)
    )
}

fn bookmark_line(kind: &Kind, rv: u64, meta: bool, initial_end: bool) -> String {
    let (k, v) = if meta {
        (
            "PartialObjectMetadata".to_owned(),
            "meta.k8s.io/v1".to_owned(),
        )
    } else {
        (kind.kind.to_owned(), kind.api_version())
    };
    let annotations = if initial_end {
        json!({"k8s.io/initial-events-end": "true"})
    } else {
        json!({})
    };
    format!(
        "{}\n",
        json!({
            "type": "BOOKMARK",
            "object": {"kind": k, "apiVersion": v, "metadata": {"resourceVersion": rv.to_string(), "annotations": annotations}}
        })
    )
}

fn gone_line(requested: &str, current: u64) -> String {
    format!(
        "{}\n",
        json!({
            "type": "ERROR",
            "object": status_body(410, "Expired", &format!("too old resource version: {requested} ({current})"), None)
        })
    )
}

fn watch(
    shared: &Arc<Shared>,
    kind: &'static Kind,
    namespace: Option<String>,
    params: Params,
    meta: bool,
) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let (initial, start_rv, events, timeout, bookmark_every) = {
        let mut inner = shared.lock();
        // Subscribed under the lock: nothing published after the replay below is missed.
        let events = shared.tx.subscribe();
        let current = inner.rv;
        let mut initial: Vec<String> = Vec::new();
        match params
            .resource_version
            .as_deref()
            .filter(|v| !v.is_empty() && *v != "0")
        {
            None => {
                for obj in inner.objects(kind).values() {
                    if in_scope(obj, namespace.as_deref()) && params.matches(obj) {
                        initial.push(event_line(kind, ChangeType::Added, obj, meta));
                    }
                }
                if params.send_initial_events {
                    initial.push(bookmark_line(kind, current, meta, true));
                }
            }
            Some(text) => {
                let Ok(from) = text.parse::<u64>() else {
                    return status_response(
                        400,
                        "BadRequest",
                        &format!("resourceVersion: invalid value {text:?}"),
                        None,
                    );
                };
                if from < inner.compacted {
                    // As the real server: 200, one ERROR event, end of stream.
                    return json_response(200, gone_line(text, current));
                }
                for change in inner.log.iter().filter(|c| {
                    c.rv > from
                        && c.kind.resource == kind.resource
                        && in_scope(&c.obj, namespace.as_deref())
                        && params.matches(&c.obj)
                }) {
                    initial.push(event_line(kind, change.change, &change.obj, meta));
                }
            }
        }
        let requested = Duration::from_secs(params.timeout_seconds.unwrap_or(1800));
        let timeout = match inner.max_watch {
            Some(cap) => requested.min(cap),
            None => requested,
        };
        inner.open_watches += 1;
        (initial, current, events, timeout, inner.bookmark_interval)
    };

    let shared = shared.clone();
    tokio::spawn(async move {
        run_watch(
            tx,
            events,
            initial,
            WatchSpec {
                kind,
                namespace,
                params,
                meta,
                start_rv,
                timeout,
                bookmark_every,
                stopped: shared.stopped.clone(),
            },
        )
        .await;
        shared.lock().open_watches -= 1;
    });
    let mut response = Response::new(Body::from_stream(rx));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

struct WatchSpec {
    kind: &'static Kind,
    namespace: Option<String>,
    params: Params,
    meta: bool,
    start_rv: u64,
    timeout: Duration,
    bookmark_every: Duration,
    /// The server was stopped: the watch breaks off at its next tick.
    stopped: Arc<AtomicBool>,
}

async fn run_watch(
    mut tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    mut events: broadcast::Receiver<Msg>,
    initial: Vec<String>,
    spec: WatchSpec,
) {
    for line in initial {
        if tx.send(Ok(Bytes::from(line))).await.is_err() {
            return;
        }
    }
    let mut seen = spec.start_rv;
    let deadline = tokio::time::sleep(spec.timeout);
    tokio::pin!(deadline);
    let mut bookmarks = tokio::time::interval(spec.bookmark_every);
    bookmarks.tick().await;
    loop {
        let line = tokio::select! {
            _ = &mut deadline => return,
            _ = bookmarks.tick() => {
                if spec.stopped.load(Ordering::SeqCst) {
                    let _ = tx
                        .send(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the fake was stopped")))
                        .await;
                    return;
                }
                if !spec.params.bookmarks {
                    continue;
                }
                bookmark_line(spec.kind, seen, spec.meta, false)
            }
            msg = events.recv() => match msg {
                Ok(Msg::Change(c)) => {
                    if c.kind.resource != spec.kind.resource || c.rv <= seen {
                        continue;
                    }
                    seen = c.rv;
                    if !in_scope(&c.obj, spec.namespace.as_deref()) || !spec.params.matches(&c.obj) {
                        continue;
                    }
                    event_line(spec.kind, c.change, &c.obj, spec.meta)
                }
                Ok(Msg::Expire) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = tx.send(Ok(Bytes::from(gone_line(&seen.to_string(), seen)))).await;
                    return;
                }
                Ok(Msg::Drop) => {
                    let _ = tx
                        .send(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped by the fake")))
                        .await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if tx.send(Ok(Bytes::from(line))).await.is_err() {
            return;
        }
    }
}

fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-fake",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn discovery(what: &str) -> Option<Value> {
    let resources = |group: &str, version: &str| -> Vec<Value> {
        KINDS
            .iter()
            .filter(|k| k.group == group && k.version == version)
            .map(|k| {
                json!({
                    "name": k.resource,
                    "singularName": k.kind.to_ascii_lowercase(),
                    "namespaced": k.namespaced,
                    "kind": k.kind,
                    "verbs": ["get", "list", "watch"],
                })
            })
            .collect()
    };
    match what {
        "api" => Some(json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]
        })),
        "apis" => {
            let mut groups: Vec<(&str, &str)> = KINDS
                .iter()
                .filter(|k| !k.group.is_empty())
                .map(|k| (k.group, k.version))
                .collect();
            groups.sort();
            groups.dedup();
            let groups: Vec<Value> = groups
                .into_iter()
                .map(|(g, v)| {
                    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
                    json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
                })
                .collect();
            Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        "api/v1" => Some(json!({
            "kind": "APIResourceList",
            "groupVersion": "v1",
            "resources": resources("", "v1"),
        })),
        other => {
            let (_, gv) = other.split_once('/')?;
            let (g, v) = gv.split_once('/')?;
            let list = resources(g, v);
            (!list.is_empty()).then(|| {
                json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
            })
        }
    }
}

/// Object builders in the shapes the API server returns.
pub mod objects {
    use serde_json::{Value, json};

    pub fn namespace(name: &str) -> Value {
        json!({"metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    }

    pub fn service_account(namespace: &str, name: &str, role_arn: Option<&str>) -> Value {
        let mut sa = json!({"metadata": {"name": name, "namespace": namespace}});
        if let Some(arn) = role_arn {
            sa["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": arn});
        }
        sa
    }

    pub fn node(name: &str, nodegroup: Option<&str>) -> Value {
        let mut labels = json!({
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "m6i.large",
            "topology.kubernetes.io/zone": "us-east-1a",
        });
        if let Some(ng) = nodegroup {
            labels["eks.amazonaws.com/nodegroup"] = json!(ng);
        }
        json!({
            "metadata": {"name": name, "labels": labels},
            "spec": {"providerID": format!("aws:///us-east-1a/i-{:017x}", name.len())},
            "status": {"nodeInfo": {"kubeletVersion": "v1.33.0-eks"}}
        })
    }

    /// `kube-system/aws-auth` with `mapRoles`.
    pub fn aws_auth(map_roles: &str) -> Value {
        json!({
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {"mapRoles": map_roles}
        })
    }

    pub fn config_map(namespace: &str, name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": namespace}, "data": {"k": "v"}})
    }

    pub fn mutating_webhook(name: &str) -> Value {
        json!({
            "metadata": {"name": name},
            "webhooks": [{
                "name": "iam-for-pods.amazonaws.com",
                "admissionReviewVersions": ["v1beta1"],
                "sideEffects": "None",
                "clientConfig": {"url": "https://127.0.0.1:23443/mutate"},
                "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]
            }]
        })
    }

    pub fn daemon_set(namespace: &str, name: &str) -> Value {
        json!({
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/name": name}},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": name}}, "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": {"containers": [{"name": name, "image": "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/eks-pod-identity-agent:0.1.0"}]}}},
            "status": {"numberReady": 3, "desiredNumberScheduled": 3}
        })
    }

    /// A plain pod of Deployment `deployment` (ReplicaSet `deployment-5d8f7b9c4`), on
    /// ServiceAccount `sa`, without any AWS injection.
    pub fn pod(namespace: &str, name: &str, sa: &str) -> Value {
        json!({
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {"app": name},
            },
            "spec": {
                "serviceAccountName": sa,
                "nodeName": "ip-10-0-1-1.us-east-1.compute.internal",
                "containers": [{"name": "app", "image": "public.ecr.aws/docker/library/busybox:1.36"}]
            },
            "status": {"phase": "Running"}
        })
    }

    /// A pod after the EKS pod identity webhook injected IRSA for `role_arn`.
    pub fn irsa_pod(namespace: &str, name: &str, sa: &str, role_arn: &str) -> Value {
        let mut p = pod(namespace, name, sa);
        p["spec"]["containers"][0]["env"] = json!([
            {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
            {"name": "AWS_ROLE_ARN", "value": role_arn},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}
        ]);
        p["spec"]["containers"][0]["volumeMounts"] = json!([
            {"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true}
        ]);
        p["spec"]["volumes"] = json!([{
            "name": "aws-iam-token",
            "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}
        }]);
        p
    }

    /// A pod of about 3 KB, as the API server returns a running Deployment pod (managed
    /// fields, status, conditions, the kube-api-access volume), scheduled on `node`,
    /// IRSA-injected when `role_arn` is given. `i` varies names and addresses; `created` is
    /// its creation time (RFC 3339), as its ReplicaSet made it.
    pub fn realistic_pod(
        namespace: &str,
        deployment: &str,
        i: usize,
        sa: &str,
        role_arn: Option<&str>,
        node: &str,
        created: &str,
    ) -> Value {
        let hash = "7c9f8d6b5";
        let name = format!("{deployment}-{hash}-{:05x}", i % 0xfffff);
        let ip = format!("10.1.{}.{}", (i / 250) % 250, i % 250);
        let mut env = vec![
            json!({"name": "LOG_LEVEL", "value": "info"}),
            json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}),
        ];
        let mut mounts = vec![
            json!({"name": "kube-api-access-x7k2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}),
        ];
        let mut volumes = vec![json!({
            "name": "kube-api-access-x7k2p",
            "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ]}
        })];
        if let Some(arn) = role_arn {
            env.extend([
                json!({"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"}),
                json!({"name": "AWS_DEFAULT_REGION", "value": "us-east-1"}),
                json!({"name": "AWS_REGION", "value": "us-east-1"}),
                json!({"name": "AWS_ROLE_ARN", "value": arn}),
                json!({"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}),
            ]);
            mounts.push(json!({"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true}));
            volumes.push(json!({"name": "aws-iam-token", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}}));
        }
        json!({
            "metadata": {
                "name": name,
                "generateName": format!("{deployment}-{hash}-"),
                "namespace": namespace,
                "creationTimestamp": created,
                "labels": {"app": deployment, "pod-template-hash": hash, "app.kubernetes.io/part-of": "shop"},
                "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-10-02T08:14:00Z", "prometheus.io/scrape": "true"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{deployment}-{hash}"), "uid": "0b7e3c1e-5d1a-4f7e-9a63-2f4c8e2d9a10", "controller": true, "blockOwnerDeletion": true}],
                "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2026-10-02T08:14:51Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {}}, "f:spec": {"f:containers": {}, "f:serviceAccountName": {}}}}]
            },
            "spec": {
                "serviceAccountName": sa,
                "serviceAccount": sa,
                "nodeName": node,
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "dnsPolicy": "ClusterFirst",
                "schedulerName": "default-scheduler",
                "securityContext": {"runAsNonRoot": true, "fsGroup": 65534},
                "containers": [{
                    "name": "app",
                    "image": format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/{deployment}:1.4.2"),
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "env": env,
                    "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": mounts,
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"
                }],
                "volumes": volumes
            },
            "status": {
                "phase": "Running",
                "hostIP": "10.0.12.34",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "qosClass": "Burstable",
                "startTime": "2026-10-02T08:14:51Z",
                "conditions": [
                    {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-10-02T08:14:51Z"},
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2026-10-02T08:14:58Z"},
                    {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-10-02T08:14:58Z"},
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-10-02T08:14:51Z"}
                ],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true, "image": format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/{deployment}:1.4.2"), "imageID": format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/{deployment}@sha256:{:064x}", i), "containerID": format!("containerd://{:064x}", i + 1), "state": {"running": {"startedAt": "2026-10-02T08:14:55Z"}}, "lastState": {}}]
            }
        })
    }
}
