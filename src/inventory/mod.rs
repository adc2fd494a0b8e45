//! The inventory: a slim, owned, serialisable snapshot of everything the checks read.
//! Sources fill it; analysis reads it. It never holds secret values: for static
//! credential variables only their *names* are kept.
//!
//! Serialised with `"schema": "irsa-tui/snapshot/v1"` it is the `snapshot` file format.

use serde::{Deserialize, Serialize};

pub mod evidence;
pub mod name;
pub use evidence::{Evidence, TrailEvent, TrailKind, TrailState};
pub use name::{Name, Named, Names, named};

pub const SNAPSHOT_SCHEMA: &str = "irsa-tui/snapshot/v1";

/// The ServiceAccount annotations irsa-tui reads.
pub const ANNOTATION_ROLE_ARN: &str = "eks.amazonaws.com/role-arn";
pub const ANNOTATION_AUDIENCE: &str = "eks.amazonaws.com/audience";
pub const ANNOTATION_TOKEN_EXPIRATION: &str = "eks.amazonaws.com/token-expiration";
pub const ANNOTATION_STS_REGIONAL: &str = "eks.amazonaws.com/sts-regional-endpoints";
/// Pod annotation listing containers the webhook must not inject.
pub const ANNOTATION_SKIP_CONTAINERS: &str = "eks.amazonaws.com/skip-containers";
/// Environment variables holding static credentials: only their names are recorded.
pub const STATIC_CREDENTIAL_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    pub schema: String,
    /// When the data was read (RFC 3339).
    pub captured_at: Option<String>,
    /// The kubeconfig context, when there was one.
    pub context: Option<String>,
    pub cluster: Cluster,
    pub service_accounts: Vec<ServiceAccount>,
    pub pods: Vec<Pod>,
    pub nodes: Vec<Node>,
    pub roles: Vec<Role>,
    /// The managed policies the roles attach or use as a boundary, each once, with their
    /// default version's document.
    pub managed_policies: Vec<ManagedPolicy>,
    pub oidc_providers: Vec<OidcProvider>,
    /// Accounts whose OIDC providers were listed: IRSA301 is decided only for roles there.
    pub oidc_provider_accounts: Vec<String>,
    pub node_roles: Vec<NodeRole>,
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    /// Whether the `pod-identity-webhook` MutatingWebhookConfiguration exists (`None`: unknown).
    pub webhook_present: Option<bool>,
    /// Whether the `kube-system/eks-pod-identity-agent` DaemonSet exists (`None`: unknown).
    pub pod_identity_agent_present: Option<bool>,
    pub sources: Vec<SourceHealth>,
    pub aws: AwsStatus,
    /// CloudTrail evidence (IRSA8xx); absent from snapshots that have none.
    #[serde(skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    pub name: Option<String>,
    pub arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
    /// The OIDC issuer URL; `None` when the cluster has none or could not be described.
    pub oidc_issuer: Option<String>,
    /// `Some(false)` when DescribeCluster said the cluster does not exist.
    pub found: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
    pub created: Option<String>,
    /// `eks.amazonaws.com/role-arn`, verbatim.
    pub role_arn: Option<String>,
    /// `eks.amazonaws.com/audience`.
    pub audience: Option<String>,
    /// `eks.amazonaws.com/token-expiration`, verbatim.
    pub token_expiration: Option<String>,
    /// `eks.amazonaws.com/sts-regional-endpoints`.
    pub sts_regional_endpoints: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// `Deployment` (derived from its ReplicaSet), `StatefulSet`, `DaemonSet`, `Job`, ...
    pub kind: Name,
    pub name: Name,
}

impl std::fmt::Display for Owner {
    /// `Kind/name`, as the dashboard shows it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Container {
    pub name: Name,
    pub aws_role_arn: Option<Name>,
    pub aws_web_identity_token_file: Option<Name>,
    pub aws_sts_regional_endpoints: Option<Name>,
    pub aws_container_credentials_full_uri: Option<Name>,
    /// Names (never values) of static credential variables set on the container.
    pub static_credential_vars: Vec<String>,
}

/// The projected ServiceAccount token volume the IRSA webhook adds (`aws-iam-token`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenVolume {
    pub audience: Option<Name>,
    pub expiration_seconds: Option<i64>,
}

/// A pod, slim. Its repeated values are [`Name`]s: a live store hands out one copy of each
/// (see [`Names`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub namespace: Name,
    pub name: Name,
    pub service_account: Name,
    pub node: Option<Name>,
    pub phase: Option<Name>,
    pub created: Option<Name>,
    pub owner: Option<Owner>,
    pub containers: Vec<Container>,
    pub token_volume: Option<TokenVolume>,
    /// `eks.amazonaws.com/skip-containers`, verbatim.
    pub skip_containers: Option<Name>,
}

/// A pod in this phase still runs (or is about to): completed pods (`Succeeded`, `Failed`)
/// no longer ask for credentials.
pub fn phase_is_live(phase: Option<&str>) -> bool {
    !matches!(phase, Some("Succeeded" | "Failed"))
}

impl Pod {
    /// The webhook's IRSA injection is visible on the pod (env or token volume).
    pub fn irsa_injected(&self) -> bool {
        self.token_volume.is_some()
            || self
                .containers
                .iter()
                .any(|c| c.aws_role_arn.is_some() && c.aws_web_identity_token_file.is_some())
    }

    /// Pod Identity injection is visible (container credentials URI).
    pub fn pod_identity_injected(&self) -> bool {
        self.containers
            .iter()
            .any(|c| c.aws_container_credentials_full_uri.is_some())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    pub name: String,
    /// `eks.amazonaws.com/nodegroup` (or another node-group label).
    pub nodegroup: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachedPolicy {
    pub arn: String,
    pub name: String,
    /// Grants `Action: "*"` on `Resource: "*"` (AdministratorAccess or equivalent).
    pub admin: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InlinePolicy {
    pub name: String,
    pub document: String,
}

/// How reading a role went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadStatus {
    #[default]
    Ok,
    /// NoSuchEntity.
    NotFound,
    /// AccessDenied, throttling that outlasted retries, network: see `error`.
    Error,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub status: ReadStatus,
    /// The API error when `status` is not ok.
    pub error: Option<String>,
    /// The trust policy document (raw or URL-encoded JSON, as IAM returned it).
    pub trust_policy: Option<String>,
    pub max_session_duration: Option<i32>,
    /// The permissions boundary's policy ARN; its document is in [`Inventory::managed_policies`].
    pub permissions_boundary: Option<String>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub inline_policies: Vec<InlinePolicy>,
    /// The role's unique id (`AROA…`): a session's `aws:userid` is `ROLEID:SESSION`.
    pub role_id: Option<String>,
    /// The role's tags: its sessions' `aws:PrincipalTag/KEY`. `None` when they were not read
    /// (a snapshot written before they were recorded).
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

/// A managed policy attached to a role of the inventory, or set as its permissions boundary:
/// each distinct ARN once, whichever roles use it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's id (`v3`).
    pub default_version: Option<String>,
    /// The default version's document (raw or URL-encoded JSON, as IAM returned it); `None`
    /// when it could not be read (see `error`).
    pub document: Option<String>,
    /// Why the document could not be read.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcProvider {
    pub arn: String,
    /// As IAM stores it: `oidc.eks.REGION.amazonaws.com/id/ID` (no scheme).
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeRole {
    pub role_arn: String,
    /// Where the role comes from: `nodegroup/NAME`, `aws-auth`, `access-entry`.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PodIdentityAssociation {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
    pub association_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceState {
    #[default]
    Ok,
    /// Still reading its initial list (a live dashboard just started).
    Syncing,
    Forbidden,
    Failed,
    /// The API server did not answer (connection refused or cut, no answer in time, 5xx):
    /// what the source holds is as it was at `unreachable_since`.
    Unreachable,
}

/// The health of one data source (a Kubernetes resource, possibly per namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceHealth {
    /// `pods`, `serviceaccounts`, `nodes`, `configmaps/aws-auth`, ...
    pub resource: String,
    /// `None`: cluster-wide.
    pub namespace: Option<String>,
    pub state: SourceState,
    pub message: Option<String>,
    /// Objects held: read so far while syncing, the total once synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// While syncing: since when (RFC 3339), so the wait can be shown as it grows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syncing_since: Option<String>,
    /// While unreachable: since when (RFC 3339), the last time its data was known current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreachable_since: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsStatus {
    /// AWS was called and answered.
    pub reachable: bool,
    /// `--no-aws`: skipped on purpose.
    pub skipped: bool,
    /// Why AWS could not be used (no credentials, endpoint unreachable).
    pub error: Option<String>,
    /// When AWS was last read through (RFC 3339); `None` before the first read ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
}

impl AwsStatus {
    /// Not answered, not failed and not skipped yet: the first read is under way.
    pub fn reading(&self) -> bool {
        !self.reachable && !self.skipped && self.error.is_none()
    }
}

/// A snapshot file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{0} is not a snapshot file ({1}); write one with `irsa-tui snapshot -o FILE`")]
    Json(String, String),
    #[error(
        "{path} has schema {found:?}; this irsa-tui reads {SNAPSHOT_SCHEMA:?} (write it again with `irsa-tui snapshot`)"
    )]
    Schema { path: String, found: String },
}

impl Inventory {
    pub fn new() -> Self {
        Inventory {
            schema: SNAPSHOT_SCHEMA.to_owned(),
            ..Default::default()
        }
    }

    /// Reads a snapshot written by `irsa-tui snapshot`. `origin` names it in errors.
    pub fn from_snapshot_json(text: &str, origin: &str) -> Result<Self, SnapshotError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| SnapshotError::Json(origin.to_owned(), e.to_string()))?;
        let found = value
            .get("schema")
            .and_then(|s| s.as_str())
            .unwrap_or("(none)")
            .to_owned();
        if found != SNAPSHOT_SCHEMA {
            return Err(SnapshotError::Schema {
                path: origin.to_owned(),
                found,
            });
        }
        // The field that does not fit is named (`pods[3].containers[0].name: invalid type…`).
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            SnapshotError::Json(origin.to_owned(), format!("at {path}: {inner}"))
        })
    }

    pub fn to_snapshot_json(&self) -> String {
        let mut copy = self.clone();
        copy.schema = SNAPSHOT_SCHEMA.to_owned();
        serde_json::to_string_pretty(&copy).unwrap_or_default() + "\n"
    }

    /// Keeps only what lives in `namespaces` (`-n`).
    pub fn restrict_to_namespaces(&mut self, namespaces: &[String]) {
        let keep = |ns: &str| namespaces.iter().any(|n| n == ns);
        self.service_accounts.retain(|s| keep(&s.namespace));
        self.pods.retain(|p| keep(&p.namespace));
        self.pod_identity_associations
            .retain(|a| keep(&a.namespace));
        self.evidence.restrict(
            &keep,
            &self
                .service_accounts
                .iter()
                .filter_map(|s| s.role_arn.clone())
                .chain(
                    self.pod_identity_associations
                        .iter()
                        .map(|a| a.role_arn.clone()),
                )
                .collect::<Vec<_>>(),
        );
        // Node roles only as far as they reach these pods: a role of a node group one of
        // them runs on; a role known only from aws-auth when one runs on a node of no known
        // group (it may be that node's).
        let group_of: std::collections::HashMap<&str, Option<&str>> = self
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.nodegroup.as_deref()))
            .collect();
        let mut groups = std::collections::BTreeSet::new();
        let mut ungrouped = false;
        for p in &self.pods {
            match p.node.as_deref().and_then(|n| group_of.get(n).copied()) {
                Some(Some(g)) => {
                    groups.insert(format!("nodegroup/{g}"));
                }
                Some(None) | None if p.node.is_some() => ungrouped = true,
                _ => {}
            }
        }
        self.node_roles.retain(|r| {
            let grouped = r.sources.iter().any(|s| s.starts_with("nodegroup/"));
            r.sources.iter().any(|s| groups.contains(s)) || (!grouped && ungrouped)
        });
    }

    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.arn == arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-n`: node roles stay only as far as they reach the pods of those namespaces.
    #[test]
    fn restricting_to_namespaces_keeps_the_node_roles_of_their_pods() {
        let mut inv = Inventory::new();
        let pod = |ns: &str, node: &str| Pod {
            namespace: ns.into(),
            name: format!("{ns}-pod").into(),
            service_account: "default".into(),
            node: Some(node.into()),
            ..Default::default()
        };
        inv.pods = vec![
            pod("payments", "n1"),
            pod("batch", "n2"),
            pod("legacy", "n3"),
        ];
        inv.nodes = vec![
            Node {
                name: "n1".into(),
                nodegroup: Some("general".into()),
            },
            Node {
                name: "n2".into(),
                nodegroup: Some("compute".into()),
            },
            Node {
                name: "n3".into(),
                nodegroup: None,
            },
        ];
        let role = |arn: &str, sources: &[&str]| NodeRole {
            role_arn: arn.into(),
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
        };
        inv.node_roles = vec![
            role("general-role", &["nodegroup/general", "aws-auth"]),
            role("compute-role", &["nodegroup/compute"]),
            role("self-managed", &["aws-auth"]),
        ];
        let mut payments = inv.clone();
        payments.restrict_to_namespaces(&["payments".into()]);
        let arns: Vec<&str> = payments
            .node_roles
            .iter()
            .map(|r| r.role_arn.as_str())
            .collect();
        assert_eq!(arns, ["general-role"]);
        let mut legacy = inv.clone();
        legacy.restrict_to_namespaces(&["legacy".into()]);
        let arns: Vec<&str> = legacy
            .node_roles
            .iter()
            .map(|r| r.role_arn.as_str())
            .collect();
        assert_eq!(
            arns,
            ["self-managed"],
            "a node of no known group may be an aws-auth role's"
        );
    }

    /// `-n`: CloudTrail's events stay for the ServiceAccounts of those namespaces and the
    /// roles their bindings use; a snapshot without evidence still loads (with none).
    #[test]
    fn restricting_to_namespaces_keeps_their_evidence() {
        let mut inv = Inventory::new();
        inv.service_accounts = vec![ServiceAccount {
            namespace: "payments".into(),
            name: "api".into(),
            role_arn: Some("arn:aws:iam::111122223333:role/api".into()),
            ..Default::default()
        }];
        let event = |id: &str, kind: TrailKind, sa: Option<&str>, role: &str| TrailEvent {
            id: id.into(),
            kind,
            service_account: sa.map(str::to_owned),
            role_arn: Some(role.into()),
            ..Default::default()
        };
        inv.evidence.events = vec![
            event(
                "mine",
                TrailKind::WebIdentity,
                Some("payments/api"),
                "arn:aws:iam::111122223333:role/api",
            ),
            event(
                "theirs",
                TrailKind::WebIdentity,
                Some("batch/job"),
                "arn:aws:iam::111122223333:role/job",
            ),
            event(
                "my-denial",
                TrailKind::Denied,
                None,
                "arn:aws:iam::111122223333:role/api",
            ),
            event(
                "their-denial",
                TrailKind::Denied,
                None,
                "arn:aws:iam::111122223333:role/job",
            ),
        ];
        inv.restrict_to_namespaces(&["payments".into()]);
        let ids: Vec<&str> = inv.evidence.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["mine", "my-denial"]);
        let old = Inventory::from_snapshot_json(r#"{"schema": "irsa-tui/snapshot/v1"}"#, "x")
            .expect("loads");
        assert!(old.evidence.is_empty());
        assert!(!Inventory::new().to_snapshot_json().contains("evidence"));
    }

    #[test]
    fn snapshot_round_trips_and_checks_its_schema() {
        let mut inv = Inventory::new();
        inv.service_accounts.push(ServiceAccount {
            namespace: "prod".into(),
            name: "api".into(),
            role_arn: Some("arn:aws:iam::111122223333:role/api".into()),
            ..Default::default()
        });
        let text = inv.to_snapshot_json();
        assert_eq!(
            Inventory::from_snapshot_json(&text, "x").expect("reads"),
            inv
        );
        let wrong = text.replace(SNAPSHOT_SCHEMA, "irsa-tui/snapshot/v0");
        assert!(matches!(
            Inventory::from_snapshot_json(&wrong, "x"),
            Err(SnapshotError::Schema { .. })
        ));
        assert!(matches!(
            Inventory::from_snapshot_json("{", "x"),
            Err(SnapshotError::Json(..))
        ));
    }

    #[test]
    fn a_snapshot_written_before_managed_policies_still_loads() {
        // As irsa-tui wrote them before `managed_policies`, `role_id` and `tags` existed.
        let old = r#"{
          "schema": "irsa-tui/snapshot/v1",
          "roles": [{
            "arn": "arn:aws:iam::111122223333:role/api",
            "name": "api",
            "path": "/",
            "status": "ok",
            "permissions_boundary": "arn:aws:iam::111122223333:policy/boundary",
            "attached_policies": [
              {"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "name": "AmazonS3ReadOnlyAccess", "admin": false}
            ]
          }]
        }"#;
        let inv = Inventory::from_snapshot_json(old, "old.json").expect("an old snapshot loads");
        assert!(inv.managed_policies.is_empty());
        assert_eq!(inv.roles.len(), 1);
        assert_eq!(inv.roles[0].tags, None, "tags not read, not empty");
        assert_eq!(inv.roles[0].role_id, None);
        assert_eq!(
            inv.roles[0].permissions_boundary.as_deref(),
            Some("arn:aws:iam::111122223333:policy/boundary")
        );
        assert_eq!(inv.roles[0].attached_policies.len(), 1);
    }

    #[test]
    fn managed_policies_round_trip_with_unreadable_ones() {
        let mut inv = Inventory::new();
        inv.managed_policies = vec![
            ManagedPolicy {
                arn: "arn:aws:iam::111122223333:policy/boundary".into(),
                name: "boundary".into(),
                default_version: Some("v2".into()),
                document: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
                error: None,
            },
            ManagedPolicy {
                arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                name: "ReadOnlyAccess".into(),
                default_version: None,
                document: None,
                error: Some("iam:GetPolicy: AccessDenied: not allowed".into()),
            },
        ];
        let back = Inventory::from_snapshot_json(&inv.to_snapshot_json(), "x").expect("reads");
        assert_eq!(back.managed_policies, inv.managed_policies);
    }
}
