//! What analysis produces: the report of schema `irsa-tui/report/v1` (`docs/interface.md`,
//! `docs/report.schema.json`), extended with what the dashboard drills into. The fields
//! marked "dashboard" are not written to the JSON report (v1 stays as it is); they make the
//! report the dashboard's whole input.

use serde::{Deserialize, Serialize};

use super::finding::{Finding, Severity};
use crate::inventory::{Name, Owner, Pod, PodIdentityAssociation};
/// The trust evaluation's vocabulary, as the report carries it in [`TrustView`].
pub use crate::policy::{Actual, ConditionTrace, Decision, PartTrace, StatementTrace, Tri};

pub const REPORT_SCHEMA: &str = "irsa-tui/report/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub generated_at: String,
    pub cluster: ReportCluster,
    /// Present when the report covers part of what was read: the dashboard's export under
    /// `:ns` (additive: a whole report has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ReportScope>,
    pub summary: Summary,
    pub cluster_findings: Vec<Finding>,
    /// Each binding shared (the dashboard and the live analysis hold the same rows).
    pub bindings: Vec<std::sync::Arc<Binding>>,
    pub node_roles: Vec<NodeRoleReport>,
    /// The CloudTrail evidence's window (additive: absent when CloudTrail was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<super::checks::evidence::EvidenceWindow>,
    /// Dashboard: the managed policies node roles were judged against.
    #[serde(skip)]
    pub node_baseline: Vec<String>,
}

impl Report {
    /// Every finding of the report: bindings, node roles, then the cluster's.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        all_findings(&self.bindings, &self.node_roles, &self.cluster_findings)
    }
}

/// The findings of these parts of a report, in report order.
pub fn all_findings<'a, B: std::borrow::Borrow<Binding>>(
    bindings: &'a [B],
    node_roles: &'a [NodeRoleReport],
    cluster: &'a [Finding],
) -> impl Iterator<Item = &'a Finding> {
    bindings
        .iter()
        .flat_map(|b| &b.borrow().findings)
        .chain(node_roles.iter().flat_map(|n| &n.findings))
        .chain(cluster)
}

/// What part of the cluster a report covers: the bindings of `namespaces`, of the
/// `namespaces_total` namespaces with bindings; node roles and cluster findings whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportScope {
    pub namespaces: Vec<String>,
    pub namespaces_total: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportCluster {
    pub name: Option<String>,
    pub context: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub oidc_issuer: Option<String>,
    /// Whether the issuer is registered as an IAM OIDC provider in the cluster's account
    /// (`None`: not known, e.g. the providers were not listed).
    #[serde(default)]
    pub oidc_provider_registered: Option<bool>,
    /// Dashboard: whether the pod identity webhook is installed (`None`: not read).
    #[serde(skip)]
    pub webhook_present: Option<bool>,
    /// Dashboard: whether the eks-pod-identity-agent DaemonSet is installed.
    #[serde(skip)]
    pub pod_identity_agent_present: Option<bool>,
    /// Dashboard: when the data was captured (RFC 3339); ages are relative to it.
    #[serde(skip)]
    pub captured_at: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub bindings: usize,
    pub ok: usize,
    pub warning: usize,
    pub failing: usize,
    pub unknown: usize,
    pub findings: SeverityCounts,
}

impl Summary {
    /// Bindings by status, and every finding (bindings, node roles, cluster) by severity.
    pub fn of<'a, B: std::borrow::Borrow<Binding>>(
        bindings: &[B],
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Self {
        let mut s = Summary {
            bindings: bindings.len(),
            ..Summary::default()
        };
        for b in bindings {
            match b.borrow().status {
                Status::Ok => s.ok += 1,
                Status::Warning => s.warning += 1,
                Status::Failing => s.failing += 1,
                Status::Unknown => s.unknown += 1,
            }
        }
        for f in findings {
            s.findings.add(f.severity);
        }
        s
    }
}

/// How the ServiceAccount gets AWS credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    Irsa,
    PodIdentity,
    Both,
    None,
}

impl Mechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Irsa => "irsa",
            Mechanism::PodIdentity => "pod-identity",
            Mechanism::Both => "both",
            Mechanism::None => "none",
        }
    }
}

/// A binding's (or node role's) status, worst first: the derived order sorts failing
/// first. `unknown` ranks above `warning`: an unverified binding may be broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Failing,
    Unknown,
    Warning,
    Ok,
}

impl Status {
    /// The symbol that carries the status without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Failing => "✗",
            Status::Unknown => "?",
            Status::Warning => "!",
            Status::Ok => "✓",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failing => "failing",
            Status::Unknown => "unknown",
            Status::Warning => "warning",
            Status::Ok => "ok",
        }
    }
}

/// Whether a binding's pods get its role's credentials right now: what an incident needs
/// first, beside the status (which stays the worst finding's). See
/// `analysis::assumes` for how it is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assumes {
    /// Something stops the credentials: STS refuses the token, the role or the OIDC
    /// provider is missing, pods were not injected (or carry another role or static keys),
    /// a Pod Identity blocker.
    Denied,
    /// A fact the answer needs could not be read or evaluated.
    Unknown,
    /// Every live pod (and a pod started now) gets the role's credentials.
    Yes,
}

impl Assumes {
    pub fn symbol(self) -> &'static str {
        match self {
            Assumes::Denied => "✗",
            Assumes::Unknown => "?",
            Assumes::Yes => "✓",
        }
    }

    /// The JSON value: `yes`, `denied`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Assumes::Denied => "denied",
            Assumes::Unknown => "unknown",
            Assumes::Yes => "yes",
        }
    }

    /// How the dashboard says it: `assumes`, `denied`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            Assumes::Yes => "assumes",
            other => other.as_str(),
        }
    }

    /// With its symbol, as the tables and reports show it: `✓ assumes`, `✗ denied`,
    /// `? unknown`.
    pub fn marked(self) -> String {
        format!("{} {}", self.symbol(), self.label())
    }

    /// The sort rank of a binding's answer: denied first, bindings without a role last.
    pub fn rank(a: Option<Assumes>) -> u8 {
        a.map_or(3, |a| a as u8)
    }
}

/// What the role ARN in a pod's environment (`AWS_ROLE_ARN`) is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PodRoleArn {
    /// No container sets it.
    #[default]
    None,
    /// The ServiceAccount's current annotation (not repeated per pod).
    Annotation,
    /// Another value: the pod was injected before the annotation changed, or it was set by
    /// hand.
    Other(String),
}

/// What a pod carries, as `kubectl get pod -o yaml` and `kubectl exec … env` show it: the
/// evidence of its credentials (never a secret value), read off the pod when the drill-down
/// shows it ([`BindingPod::evidence`]): the role only when it is not the annotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodEvidence {
    pub phase: Option<Name>,
    pub role_arn: PodRoleArn,
    /// The projected IRSA token's `audience` and `expirationSeconds`; `None` without one.
    pub token: Option<(Option<Name>, Option<i64>)>,
    /// `AWS_STS_REGIONAL_ENDPOINTS`.
    pub sts_regional_endpoints: Option<Name>,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set (EKS Pod Identity).
    pub pod_identity: bool,
    /// The role of the node it runs on (what it falls back to without credentials).
    pub node_role: Option<std::sync::Arc<str>>,
}

/// A pod of a binding: the inventory's pod itself (in the dashboard, the live store's),
/// shared rather than copied, with what the analysis found of it. The JSON report shows
/// its name, node, `injected` and `stale`.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingPod {
    pub pod: std::sync::Arc<Pod>,
    /// IRSA (or, for Pod Identity bindings, Pod Identity) credentials were injected.
    pub injected: bool,
    /// Injected with another role than the ServiceAccount's current annotation.
    pub stale: bool,
    /// Its `AWS_ROLE_ARN` is the ServiceAccount's annotation (not repeated as evidence).
    pub role_is_annotation: bool,
    /// The role of the node it runs on (what it falls back to without credentials).
    pub node_role: Option<std::sync::Arc<str>>,
}

impl BindingPod {
    pub fn name(&self) -> &Name {
        &self.pod.name
    }

    pub fn node(&self) -> Option<&Name> {
        self.pod.node.as_ref()
    }

    /// When the pod was created (RFC 3339).
    pub fn created(&self) -> Option<&Name> {
        self.pod.created.as_ref()
    }

    /// The owning workload (shown `Kind/name`).
    pub fn owner(&self) -> Option<&Owner> {
        self.pod.owner.as_ref()
    }

    /// What the pod carries: the first container's value of each variable that sets it
    /// (the webhooks inject every container alike), the role only when it is not the
    /// annotation.
    pub fn evidence(&self) -> PodEvidence {
        let p = &*self.pod;
        PodEvidence {
            phase: p.phase.clone(),
            role_arn: match super::checks::pods::pod_role(p) {
                None => PodRoleArn::None,
                Some(_) if self.role_is_annotation => PodRoleArn::Annotation,
                Some(r) => PodRoleArn::Other(r.to_owned()),
            },
            token: p
                .token_volume
                .as_ref()
                .map(|t| (t.audience.clone(), t.expiration_seconds)),
            sts_regional_endpoints: p
                .containers
                .iter()
                .find_map(|c| c.aws_sts_regional_endpoints.clone()),
            pod_identity: p.pod_identity_injected(),
            node_role: self.node_role.clone(),
        }
    }
}

/// A binding's pod as the JSON report shows it.
#[derive(Serialize, Deserialize)]
struct BindingPodJson {
    name: Name,
    node: Option<Name>,
    injected: bool,
    #[serde(default)]
    stale: bool,
}

impl Serialize for BindingPod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BindingPodJson {
            name: self.pod.name.clone(),
            node: self.pod.node.clone(),
            injected: self.injected,
            stale: self.stale,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for BindingPod {
    /// A report read back knows of each pod only what it shows.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = BindingPodJson::deserialize(d)?;
        Ok(BindingPod {
            pod: std::sync::Arc::new(Pod {
                name: j.name,
                node: j.node,
                ..Pod::default()
            }),
            injected: j.injected,
            stale: j.stale,
            role_is_annotation: false,
            node_role: None,
        })
    }
}

/// The trust evaluation behind a binding, for the drill-down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustView {
    pub decision: Decision,
    pub statement: Option<usize>,
    /// The trust policy, decoded and pretty-printed (or the raw text if it does not parse):
    /// one copy per role, shared by its bindings (a role of many ServiceAccounts lists them
    /// all, and each binding held its own copy).
    pub policy: std::sync::Arc<str>,
    pub trace: Vec<StatementTrace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub namespace: String,
    pub service_account: String,
    pub mechanism: Mechanism,
    pub role_arn: Option<String>,
    pub status: Status,
    /// Whether the pods get the role's credentials right now; `None` without a role.
    #[serde(default)]
    pub assumes: Option<Assumes>,
    /// Dashboard: why, in one line (the finding that decides, or what was checked).
    #[serde(skip)]
    pub assumes_why: String,
    pub pods: Vec<BindingPod>,
    pub findings: Vec<Finding>,
    /// The ServiceAccount's IRSA annotations (name → value).
    #[serde(default)]
    pub annotations: Annotations,
    #[serde(default)]
    pub service_account_created: Option<String>,
    #[serde(default)]
    pub trust: Option<TrustView>,
    #[serde(default)]
    pub pod_identity_association: Option<PodIdentityAssociation>,
    /// What CloudTrail recorded for this binding (additive: absent without evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<super::checks::evidence::BindingEvidence>,
    /// Dashboard: the role's policies, shared by every binding of the role.
    #[serde(skip)]
    pub permissions: Option<std::sync::Arc<crate::analysis::permissions::view::PermissionsView>>,
}

/// A ServiceAccount's annotations, sorted by name; a JSON object in the report. One or two
/// per binding: a slice of pairs, where a `BTreeMap` allocated a node of eleven.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations(Box<[(String, String)]>);

impl Annotations {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromIterator<(String, String)> for Annotations {
    /// Sorted by name; of a name given twice, the last.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let sorted: std::collections::BTreeMap<String, String> = pairs.into_iter().collect();
        Annotations(sorted.into_iter().collect())
    }
}

impl Serialize for Annotations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

impl Binding {
    /// `namespace/name`: the stable identity of a row.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.service_account)
    }

    /// The worst finding, for one-line summaries.
    pub fn worst_finding(&self) -> Option<&Finding> {
        self.findings.iter().min_by_key(|f| f.severity)
    }

    /// The trust policy lets others than this ServiceAccount assume the role (IRSA220–223).
    pub fn exposed(&self) -> bool {
        self.findings.iter().any(|f| f.code.exposes())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRoleReport {
    pub role_arn: String,
    pub sources: Vec<String>,
    pub status: Status,
    pub attached_policies: Vec<String>,
    pub inline_policies: Vec<String>,
    pub findings: Vec<Finding>,
    /// Pods without IRSA or Pod Identity running on nodes of this role (IRSA405).
    #[serde(default)]
    pub pods_without_irsa: Vec<String>,
    /// How many such pods there are (the list above is capped).
    #[serde(default)]
    pub pods_without_irsa_count: usize,
    /// Dashboard: what the role holds beyond the baseline (attached policy ARNs and
    /// `inline:NAME`).
    #[serde(skip)]
    pub beyond_baseline: Vec<String>,
    /// Dashboard: the role's policies.
    #[serde(skip)]
    pub permissions: Option<std::sync::Arc<crate::analysis::permissions::view::PermissionsView>>,
}

/// Extra settings analysis takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Managed policy names (or ARNs) a node role may hold; see [`DEFAULT_NODE_BASELINE`].
    pub node_baseline: Vec<String>,
    /// The report's `generated_at` (RFC 3339).
    pub generated_at: String,
}

/// The spec's baseline plus accepted equivalents.
pub const DEFAULT_NODE_BASELINE: &[&str] = &[
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonEKSWorkerNodeMinimalPolicy",
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            node_baseline: DEFAULT_NODE_BASELINE
                .iter()
                .map(|s| s.to_string())
                .collect(),
            generated_at: "1970-01-01T00:00:00Z".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Annotations;

    fn pairs(p: &[(&str, &str)]) -> Annotations {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn annotations_are_a_json_object_sorted_by_name() {
        let a = pairs(&[
            (
                "eks.amazonaws.com/role-arn",
                "arn:aws:iam::111122223333:role/app",
            ),
            ("eks.amazonaws.com/audience", "sts.amazonaws.com"),
        ]);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"eks.amazonaws.com/audience":"sts.amazonaws.com","eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/app"}"#
        );
        let back: Annotations = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            ["eks.amazonaws.com/audience", "eks.amazonaws.com/role-arn"]
        );
        assert_eq!(
            a.get("eks.amazonaws.com/audience"),
            Some("sts.amazonaws.com")
        );
        assert_eq!(a.get("eks.amazonaws.com/token-expiration"), None);
    }

    #[test]
    fn annotations_keep_the_last_value_of_a_name_and_may_be_empty() {
        let a = pairs(&[("b", "1"), ("a", "2"), ("b", "3")]);
        assert_eq!(a.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "3")]);
        let none: Annotations = serde_json::from_str("{}").unwrap();
        assert!(none.is_empty());
        assert_eq!(serde_json::to_string(&none).unwrap(), "{}");
    }
}
