//! What the watchers read: the resources (as `SourceHealth.resource` names them), the
//! objects looked for by name, and how the lists are paged and retried.

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
