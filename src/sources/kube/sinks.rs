//! Where each watch's objects go: reduced on arrival to the slim records of the store.

use std::collections::BTreeSet;

use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod, ServiceAccount};
use kube::core::PartialObjectMeta;

use super::drive::{Listed, Sink};
use super::reduce::{aws_auth_node_roles, reduce_node, reduce_pod, reduce_service_account};
use super::resources::{AGENT_DAEMONSET, AWS_AUTH, WEBHOOK_NAME};
use crate::inventory;
use crate::inventory::{Named, Names, named};
use crate::sources::store::Data;

fn key_of(meta: &kube::core::ObjectMeta) -> Option<Named> {
    Some(named(meta.namespace.as_deref()?, meta.name.as_deref()?))
}

pub(super) struct PodSink {
    pub(super) namespace: Option<String>,
    /// One copy of each value the pods of this watch repeat.
    pub(super) names: Names,
}

impl Sink for PodSink {
    type Object = Pod;
    type Item = inventory::Pod;

    fn reduce(&mut self, pod: &Pod) -> Option<inventory::Pod> {
        let slim = reduce_pod(pod, &mut self.names);
        if slim.name.is_empty() || slim.namespace.is_empty() {
            tracing::warn!("a pod without name or namespace was skipped");
            return None;
        }
        Some(slim)
    }

    fn apply(&mut self, d: &mut Data, pod: inventory::Pod) -> bool {
        d.pods
            .insert(named(&pod.namespace, &pod.name), pod.into())
            .is_none()
    }

    fn remove(&mut self, d: &mut Data, pod: &Pod) -> bool {
        key_of(&pod.metadata).is_some_and(|k| d.pods.remove(&k).is_some())
    }

    fn replace(&mut self, d: &mut Data, items: Listed<inventory::Pod>) -> usize {
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

pub(super) struct ServiceAccountSink {
    pub(super) namespace: Option<String>,
}

impl Sink for ServiceAccountSink {
    type Object = PartialObjectMeta<ServiceAccount>;
    type Item = inventory::ServiceAccount;

    fn reduce(&mut self, object: &Self::Object) -> Option<inventory::ServiceAccount> {
        let sa = reduce_service_account(&object.metadata);
        if sa.name.is_empty() || sa.namespace.is_empty() {
            tracing::warn!("a ServiceAccount without name or namespace was skipped");
            return None;
        }
        Some(sa)
    }

    fn apply(&mut self, d: &mut Data, sa: inventory::ServiceAccount) -> bool {
        d.service_accounts
            .insert(named(&sa.namespace, &sa.name), sa)
            .is_none()
    }

    fn remove(&mut self, d: &mut Data, object: &Self::Object) -> bool {
        key_of(&object.metadata).is_some_and(|k| d.service_accounts.remove(&k).is_some())
    }

    fn replace(&mut self, d: &mut Data, items: Listed<inventory::ServiceAccount>) -> usize {
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

pub(super) struct NodeSink;

impl Sink for NodeSink {
    type Object = PartialObjectMeta<Node>;
    type Item = inventory::Node;

    fn reduce(&mut self, object: &Self::Object) -> Option<inventory::Node> {
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

    fn replace(&mut self, d: &mut Data, items: Listed<inventory::Node>) -> usize {
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
pub(super) struct AwsAuthSink {
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

    fn reduce(&mut self, cm: &ConfigMap) -> Option<Self::Item> {
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

    fn replace(&mut self, d: &mut Data, items: Listed<Self::Item>) -> usize {
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
pub(super) struct NamesSink<K> {
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
pub(super) fn webhook_sink() -> NamesSink<MutatingWebhookConfiguration> {
    NamesSink::new(|names, d| {
        d.webhook_present = Some(names.iter().any(|n| n.ends_with(WEBHOOK_NAME)));
    })
}

/// The `kube-system/eks-pod-identity-agent` DaemonSet.
pub(super) fn agent_sink() -> NamesSink<DaemonSet> {
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

    fn reduce(&mut self, object: &Self::Object) -> Option<String> {
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

    fn replace(&mut self, d: &mut Data, items: Listed<String>) -> usize {
        self.names = items.into_iter().collect();
        (self.publish)(&self.names, d);
        self.names.len()
    }
}
