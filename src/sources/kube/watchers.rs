//! The watchers: one task per source, each reducing its events into the [`Store`] and
//! keeping its [`LiveState`] current (see `drive` for the states, `namespaced` for the
//! per-namespace fallback, `sinks` for what each keeps).

use std::fmt::Debug;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod, ServiceAccount};
use kube::api::Api;
use kube::core::PartialObjectMeta;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;

use super::drive::{Events, Scope, Sink, drive};
use super::namespaced::{NamespaceList, Namespaced};
use super::resources::{
    AGENT_DAEMONSET, AWS_AUTH, PAGE_SIZE, RESOURCE_AGENT, RESOURCE_AWS_AUTH, RESOURCE_NODES,
    RESOURCE_PODS, RESOURCE_SERVICE_ACCOUNTS, RESOURCE_WEBHOOKS, SYSTEM_NAMESPACE,
};
use super::sinks::{AwsAuthSink, NodeSink, PodSink, ServiceAccountSink, agent_sink, webhook_sink};
use crate::inventory::Names;
use crate::sources::store::{LiveState, Store};

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
            names: Names::default(),
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
            Api::<PartialObjectMeta<Node>>::all(client.clone()),
            None,
            Scope::new(&store, RESOURCE_NODES, None),
            NodeSink,
        )),
        tokio::spawn(run(
            Api::<ConfigMap>::namespaced(client.clone(), SYSTEM_NAMESPACE),
            Some(name_is(AWS_AUTH)),
            system(RESOURCE_AWS_AUTH),
            AwsAuthSink::default(),
        )),
        tokio::spawn(run(
            Api::<PartialObjectMeta<MutatingWebhookConfiguration>>::all(client.clone()),
            None,
            Scope::new(&store, RESOURCE_WEBHOOKS, None),
            webhook_sink(),
        )),
        tokio::spawn(run(
            Api::<PartialObjectMeta<DaemonSet>>::namespaced(client, SYSTEM_NAMESPACE),
            Some(name_is(AGENT_DAEMONSET)),
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

/// Watches `api` (by `field_selector`) into `sink`, until aborted.
async fn run<K, S>(api: Api<K>, field_selector: Option<String>, scope: Scope, sink: S)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    S: Sink<Object = K>,
{
    let open = || watch(api.clone(), field_selector.as_deref());
    drive(open, &scope, sink, false, true).await;
}
