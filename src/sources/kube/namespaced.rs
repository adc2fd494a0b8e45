//! Namespaced resources (pods, ServiceAccounts) are watched cluster-wide, unless `-n` names
//! namespaces; when the cluster-wide list is forbidden they fall back to one watch per
//! namespace: those of `-n`, else those that can be listed.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::Client;
use kube::api::{Api, ListParams};
use tokio::sync::OnceCell;
use tokio::task::JoinSet;

use super::drive::{End, Events, Scope, Sink, chain, drive, one_line};
use super::resources::{FAIL_AFTER, PAGE_SIZE, RESOURCE_NAMESPACES};
use crate::sources::store::{LiveState, Store};

/// Opens a watch for a scope (`None`: cluster-wide).
pub(super) type Opener<K> = Arc<dyn Fn(Option<&str>) -> Events<K> + Send + Sync>;
/// Makes the sink of a scope.
pub(super) type MakeSink<S> = Arc<dyn Fn(Option<&str>) -> S + Send + Sync>;

/// A namespaced resource: how to open a watch and where its objects go, per scope
/// (`None`: cluster-wide).
pub(super) struct Namespaced<K, S> {
    pub(super) resource: &'static str,
    pub(super) open: Opener<K>,
    pub(super) sink: MakeSink<S>,
}

impl<K: Send + 'static, S: Sink<Object = K>> Namespaced<K, S> {
    pub(super) async fn run(
        self,
        store: Arc<Store>,
        only: Arc<Vec<String>>,
        listing: Arc<NamespaceList>,
    ) {
        if !only.is_empty() {
            self.per_namespace(&store, &only).await;
            return;
        }
        let mut scope = Scope::new(&store, self.resource, None);
        let server_message =
            match drive(|| (self.open)(None), &scope, (self.sink)(None), true, true).await {
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
                // In one update with the namespaces' own scopes, registered as syncing: the
                // store is never settled in between (a report would judge an empty list).
                let resource = self.resource;
                store.update(|d| {
                    d.set_source(resource, None, LiveState::Forbidden { message });
                    for ns in &namespaces {
                        d.set_source(resource, Some(ns), LiveState::Syncing { seen: 0 });
                    }
                });
                self.per_namespace(&store, &namespaces).await;
            }
            Err(why) => {
                // No fallback: keep trying cluster-wide (RBAC may change), saying why.
                scope.note = Some(format!("no per-namespace fallback: {why}"));
                scope.update(LiveState::Forbidden {
                    message: scope.forbidden(&server_message),
                });
                drive(
                    || (self.open)(None),
                    &scope,
                    (self.sink)(None),
                    false,
                    false,
                )
                .await;
            }
        }
    }

    async fn per_namespace(&self, store: &Arc<Store>, namespaces: &[String]) {
        let mut tasks = JoinSet::new();
        for ns in namespaces {
            let scope = Scope::new(store, self.resource, Some(ns));
            // Registered before the task runs, so the store is not settled in between.
            scope.update(LiveState::Syncing { seen: 0 });
            let open = self.open.clone();
            let namespace = ns.clone();
            let sink = (self.sink)(Some(ns));
            tasks.spawn(async move {
                drive(|| open(Some(&namespace)), &scope, sink, false, true).await;
            });
        }
        // Dropping the set (when this task is aborted) aborts every namespace's watch.
        while tasks.join_next().await.is_some() {}
    }
}

/// The namespaces, listed once for every per-namespace fallback. When they cannot be
/// listed, that is recorded as the `namespaces` source.
pub(super) struct NamespaceList {
    pub(super) client: Client,
    pub(super) store: Arc<Store>,
    pub(super) cell: OnceCell<Result<Vec<String>, String>>,
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
