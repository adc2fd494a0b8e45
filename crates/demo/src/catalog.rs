//! The demo cluster as data: node groups, namespaces and their workloads, and the IRSA
//! bindings — the healthy majority and the stories, each of which is there to trigger one
//! or two finding codes of the catalog (`docs/findings.md`).
//!
//! The tables are laid out one row per entry (`rustfmt::skip`) so they read as tables.

/// An AWS managed policy ARN.
macro_rules! aws_policy {
    ($name:literal) => {
        concat!("arn:aws:iam::aws:policy/", $name)
    };
}

/// A customer managed policy ARN in the cluster's account ([`crate::names::ACCOUNT`]).
macro_rules! policy {
    ($name:literal) => {
        concat!("arn:aws:iam::111122223333:policy/", $name)
    };
}

pub(super) const ADMINISTRATOR_ACCESS: &str = aws_policy!("AdministratorAccess");
pub(super) const WORKER_NODE: &str = aws_policy!("AmazonEKSWorkerNodePolicy");
pub(super) const CNI: &str = aws_policy!("AmazonEKS_CNI_Policy");
pub(super) const ECR_READ: &str = aws_policy!("AmazonEC2ContainerRegistryReadOnly");
const S3_READ: &str = aws_policy!("AmazonS3ReadOnlyAccess");
const S3_FULL: &str = aws_policy!("AmazonS3FullAccess");
const DYNAMODB_READ: &str = aws_policy!("AmazonDynamoDBReadOnlyAccess");
const SNS_FULL: &str = aws_policy!("AmazonSNSFullAccess");
const SES_FULL: &str = aws_policy!("AmazonSESFullAccess");
const KINESIS_READ: &str = aws_policy!("AmazonKinesisReadOnlyAccess");
const ATHENA_FULL: &str = aws_policy!("AmazonAthenaFullAccess");
const CLOUDWATCH_READ: &str = aws_policy!("CloudWatchReadOnlyAccess");
const CLOUDWATCH_AGENT: &str = aws_policy!("CloudWatchAgentServerPolicy");
const PROMETHEUS_WRITE: &str = aws_policy!("AmazonPrometheusRemoteWriteAccess");
const POWER_USER: &str = aws_policy!("PowerUserAccess");
const EBS_CSI: &str = aws_policy!("service-role/AmazonEBSCSIDriverPolicy");
const EFS_CSI: &str = aws_policy!("service-role/AmazonEFSCSIDriverPolicy");

/// The platform permissions boundary (IRSA231 on Karpenter's role).
pub(super) const PLATFORM_BOUNDARY: &str = policy!("shop-prod-platform-boundary");
/// The boundary for telemetry agents, put on a role that needs none of it (IRSA233).
pub(super) const OBSERVABILITY_BOUNDARY: &str = policy!("shop-prod-observability-boundary");

/// The data warehouse account (IRSA301: readable, but without this cluster's provider).
pub(super) const CROSS_ACCOUNT: &str = "222233334444";
/// A partner's account (IRSA103: GetRole is denied there).
const PARTNER_ACCOUNT: &str = "444455556666";
/// The issuer id of the cluster `shop-prod` replaced last month (IRSA202).
const OLD_ISSUER_ID: &str = "A04F7C2E19B8D3655E0C1F9A7B24D863";

// ---------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------

/// Where a namespace's pods are scheduled (its node group's index in [`NODE_GROUPS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pool {
    General = 0,
    Compute = 1,
    System = 2,
}

pub(super) struct NodeGroup {
    pub name: &'static str,
    pub nodes: usize,
}

/// EKS managed node groups, in [`Pool`] order; nodes carry `eks.amazonaws.com/nodegroup`.
#[rustfmt::skip]
pub(super) const NODE_GROUPS: &[NodeGroup] = &[
    NodeGroup { name: "general-ng", nodes: 12 },
    NodeGroup { name: "compute-ng", nodes: 4 },
    NodeGroup { name: "system-ng", nodes: 4 },
];

pub(super) struct NodeRoleSpec {
    pub role: &'static str,
    pub sources: &'static [&'static str],
    pub policies: &'static [&'static str],
    pub inline: &'static [(&'static str, &'static str)],
}

/// The catalog's baseline. IRSA504 fires on every node role: the CNI policy sits there
/// rather than only on the `kube-system/aws-node` IRSA role.
const BASELINE: &[&str] = &[WORKER_NODE, CNI, ECR_READ];

const LEGACY_INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:eu-west-1:111122223333:log-group:/shop-prod/legacy/*"}]}"#;

#[rustfmt::skip]
pub(super) const NODE_ROLES: &[NodeRoleSpec] = &[
    // Also an EKS access entry (EKS creates them for managed node groups' roles).
    NodeRoleSpec {
        role: "eksctl-shop-prod-nodegroup-general-NodeInstanceRole-1P2Z9QX4KD7M",
        sources: &["nodegroup/general-ng", "access-entry"],
        policies: BASELINE,
        inline: &[],
    },
    // IRSA501 + IRSA405: AmazonS3FullAccess was attached so Spark jobs "just work"; every
    // pod on compute-ng without IRSA or Pod Identity inherits it through IMDS.
    NodeRoleSpec {
        role: "eksctl-shop-prod-nodegroup-compute-NodeInstanceRole-8WJ3LQ5R0T2V",
        sources: &["nodegroup/compute-ng"],
        policies: &[WORKER_NODE, CNI, ECR_READ, S3_FULL],
        inline: &[],
    },
    NodeRoleSpec {
        role: "eksctl-shop-prod-nodegroup-system-NodeInstanceRole-C6H1N8F4G2KR",
        sources: &["nodegroup/system-ng"],
        policies: BASELINE,
        inline: &[],
    },
    // IRSA503 + IRSA502: the self-managed Auto Scaling group from before node groups,
    // scaled to zero but still authorised through its access entry: the worker node policy
    // was never attached, and an inline policy lets it ship logs.
    NodeRoleSpec {
        role: "shop-prod-legacy-workers-NodeRole",
        sources: &["access-entry"],
        policies: &[CNI, ECR_READ],
        inline: &[("ship-logs", LEGACY_INLINE)],
    },
];

// ---------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Pods `<name>-<template hash>-<suffix>`, owned by a ReplicaSet: recorded as the Deployment.
    Deployment,
    /// Pods `<name>-0`, `<name>-1`, ...
    StatefulSet,
    /// One pod on every node of the cluster.
    DaemonSet,
    /// A running CronJob run: Job `<name>-<scheduled minute>`, pods `<job>-<suffix>`.
    Job,
    /// Argo Workflows step pods, owned by the Workflow `<name>-<suffix>`.
    Workflow,
    /// A pod nobody owns.
    Bare,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Workload {
    pub name: &'static str,
    pub kind: Kind,
    pub replicas: usize,
    /// `serviceAccountName`; `None`: a ServiceAccount named like the workload.
    pub sa: Option<&'static str>,
    /// Container names; empty: one container named like the workload.
    pub containers: &'static [&'static str],
}

const fn workload(name: &'static str, kind: Kind, replicas: usize) -> Workload {
    Workload {
        name,
        kind,
        replicas,
        sa: None,
        containers: &[],
    }
}

const fn deploy(name: &'static str, replicas: usize) -> Workload {
    workload(name, Kind::Deployment, replicas)
}

const fn sts(name: &'static str, replicas: usize) -> Workload {
    workload(name, Kind::StatefulSet, replicas)
}

const fn ds(name: &'static str) -> Workload {
    workload(name, Kind::DaemonSet, 0)
}

const fn job(name: &'static str) -> Workload {
    workload(name, Kind::Job, 1)
}

impl Workload {
    const fn sa(mut self, sa: &'static str) -> Self {
        self.sa = Some(sa);
        self
    }

    const fn containers(mut self, containers: &'static [&'static str]) -> Self {
        self.containers = containers;
        self
    }

    pub(super) fn service_account(&self) -> &'static str {
        self.sa.unwrap_or(self.name)
    }
}

pub(super) struct Namespace {
    pub name: &'static str,
    pub pool: Pool,
    pub workloads: &'static [Workload],
    /// ServiceAccounts no running pod uses (controllers, CI tokens).
    pub idle_sas: &'static [&'static str],
}

const fn ns(name: &'static str, pool: Pool, workloads: &'static [Workload]) -> Namespace {
    Namespace {
        name,
        pool,
        workloads,
        idle_sas: &[],
    }
}

impl Namespace {
    const fn idle(mut self, idle_sas: &'static [&'static str]) -> Self {
        self.idle_sas = idle_sas;
        self
    }
}

/// Every namespace also has its `default` ServiceAccount.
#[rustfmt::skip]
pub(super) const NAMESPACES: &[Namespace] = &[
    // Someone's `kubectl run` netshoot pod, forgotten.
    ns("default", Pool::General, &[workload("debug-shell", Kind::Bare, 1).sa("default")]),
    ns("kube-public", Pool::System, &[]),
    ns("kube-node-lease", Pool::System, &[]),
    // EKS Runtime Monitoring (GuardDuty add-on).
    ns("amazon-guardduty", Pool::System, &[ds("aws-guardduty-agent")]),
    ns("kube-system", Pool::System, &[
        ds("aws-node").containers(&["aws-node", "aws-eks-nodeagent"]),
        ds("kube-proxy"),
        ds("node-local-dns"),
        ds("ebs-csi-node").sa("ebs-csi-node-sa").containers(&["ebs-plugin", "node-driver-registrar", "liveness-probe"]),
        ds("efs-csi-node").sa("efs-csi-node-sa").containers(&["efs-plugin", "csi-driver-registrar", "liveness-probe"]),
        deploy("coredns", 3),
        deploy("ebs-csi-controller", 2).sa("ebs-csi-controller-sa")
            .containers(&["ebs-plugin", "csi-provisioner", "csi-attacher", "csi-resizer", "liveness-probe"]),
        deploy("efs-csi-controller", 2).sa("efs-csi-controller-sa")
            .containers(&["efs-plugin", "csi-provisioner", "liveness-probe"]),
        deploy("aws-load-balancer-controller", 2),
        deploy("metrics-server", 2),
    ]).idle(&["attachdetach-controller", "generic-garbage-collector", "replicaset-controller", "eks-vpc-resource-controller"]),
    ns("monitoring", Pool::System, &[
        ds("node-exporter").sa("prometheus-node-exporter"),
        sts("prometheus-kube-prometheus-prometheus", 2).sa("kube-prometheus-prometheus")
            .containers(&["prometheus", "config-reloader", "thanos-sidecar"]),
        sts("alertmanager-kube-prometheus-alertmanager", 2).sa("kube-prometheus-alertmanager")
            .containers(&["alertmanager", "config-reloader"]),
        deploy("kube-prometheus-operator", 2),
        deploy("kube-state-metrics", 2),
        deploy("blackbox-exporter", 2),
        deploy("grafana", 2).containers(&["grafana", "grafana-sc-dashboard"]),
        deploy("thanos-query", 2).sa("thanos"),
        sts("thanos-store", 2).sa("thanos"),
        sts("thanos-compactor", 1).sa("thanos"),
        deploy("yace", 2),
    ]),
    ns("logging", Pool::System, &[
        ds("fluent-bit"),
        ds("promtail"),
        sts("loki", 3),
        deploy("loki-gateway", 2).sa("default"),
    ]),
    ns("ingress-nginx", Pool::General, &[deploy("ingress-nginx-controller", 4).sa("ingress-nginx")])
        .idle(&["ingress-nginx-admission"]),
    ns("cert-manager", Pool::System, &[
        deploy("cert-manager", 2),
        deploy("cert-manager-cainjector", 2),
        deploy("cert-manager-webhook", 2),
    ]),
    ns("external-dns", Pool::System, &[deploy("external-dns", 2)]),
    ns("karpenter", Pool::System, &[deploy("karpenter", 2)]),
    ns("external-secrets", Pool::System, &[
        deploy("external-secrets", 2),
        deploy("external-secrets-webhook", 2),
        deploy("external-secrets-cert-controller", 2),
        deploy("vault-token-bridge", 2).sa("vault-reader"),
    ]),
    ns("velero", Pool::System, &[deploy("velero", 2)]),
    ns("argocd", Pool::System, &[
        deploy("argocd-server", 3),
        sts("argocd-application-controller", 2),
        deploy("argocd-repo-server", 4),
        deploy("argocd-redis", 2),
        deploy("argocd-applicationset-controller", 2),
        deploy("argocd-notifications-controller", 2),
        deploy("argocd-dex-server", 2),
        deploy("argocd-image-updater", 2),
    ]),
    ns("argo-workflows", Pool::Compute, &[
        deploy("argo-server", 2),
        deploy("workflow-controller", 2),
        workload("nightly-reindex", Kind::Workflow, 3).sa("argo-workflow").containers(&["main", "wait"]),
    ]),
    ns("keda", Pool::System, &[
        deploy("keda-operator", 2),
        deploy("keda-operator-metrics-apiserver", 2),
        deploy("keda-admission-webhooks", 2),
    ]),
    ns("payments", Pool::General, &[
        deploy("payments-api", 6),
        deploy("payment-gateway", 5),
        deploy("fraud-scorer", 5),
        deploy("refunds-worker", 4),
        deploy("payments-webhooks", 4).sa("default"),
        deploy("payments-reconciler", 3),
    ]),
    ns("checkout", Pool::General, &[
        deploy("checkout-api", 6),
        deploy("checkout-worker", 6),
        deploy("cart", 6),
        deploy("promotions", 4).sa("default"),
        deploy("checkout-frontend", 6),
        deploy("address-validation", 3),
        deploy("tax-calculator", 4),
        sts("cart-redis", 3).sa("default"),
    ]),
    ns("orders", Pool::General, &[
        deploy("orders-api", 6),
        deploy("fulfillment", 5),
        deploy("order-events", 4),
        deploy("order-archiver", 2),
        deploy("returns-api", 3),
        deploy("order-tracking", 4),
    ]),
    ns("catalog", Pool::General, &[
        deploy("catalog-api", 6),
        deploy("image-resizer", 5),
        deploy("catalog-importer", 3),
        deploy("pricing", 5),
        deploy("reviews-api", 4),
        deploy("catalog-admin", 3).sa("default"),
    ]),
    ns("search", Pool::General, &[
        deploy("search-api", 6),
        deploy("indexer", 4),
        sts("opensearch", 5),
        deploy("search-suggest", 4).sa("default"),
    ]),
    ns("notifications", Pool::General, &[
        deploy("email-renderer", 5),
        deploy("mailer", 4),
        deploy("sms-sender", 3),
        deploy("push-gateway", 5),
        deploy("digest-mailer", 3),
        deploy("templates-api", 2).sa("default"),
        sts("rabbitmq", 3),
    ]),
    ns("analytics", Pool::Compute, &[
        deploy("reporter", 2),
        deploy("partner-export", 2),
        job("warehouse-loader"),
        deploy("query-runner", 4),
        deploy("superset", 3),
        deploy("jupyterhub", 2).sa("hub"),
    ]).idle(&["spark"]),
    ns("data-pipeline", Pool::Compute, &[
        sts("airflow-worker", 4),
        deploy("airflow-scheduler", 2),
        deploy("airflow-webserver", 2),
        sts("kafka-connect", 3),
        deploy("stream-processor", 6),
        deploy("schema-registry", 3),
        job("nightly-export").sa("data-exporter"),
    ]),
    ns("ml-serving", Pool::Compute, &[
        deploy("model-loader", 2),
        deploy("inference-api", 6),
        deploy("feature-store", 4).containers(&["feature-store", "s3-sync"]),
        deploy("model-gateway", 4),
    ]),
    ns("billing", Pool::General, &[
        // IRSA404: the chart's values forgot `serviceAccount.name`, so these pods run as
        // `default` while the annotated `invoice-generator` sits unused (see STORIES).
        deploy("invoice-generator", 4).sa("default"),
        deploy("billing-api", 5),
        deploy("statements-reader", 2),
    ]),
    ns("reporting", Pool::General, &[
        job("report-exporter"),
        deploy("report-scheduler", 2).sa("default"),
    ]),
    ns("media", Pool::General, &[
        deploy("media-api", 4),
        deploy("media-transcoder", 3).sa("default"),
        deploy("media-cleaner", 1),
    ]),
    ns("recommendations", Pool::General, &[
        deploy("recommender", 5),
        deploy("recs-api", 6),
        sts("recs-feature-cache", 3).sa("default"),
    ]),
    ns("shipping", Pool::General, &[
        deploy("shipping-api", 5),
        deploy("label-printer", 2),
        deploy("carrier-sync", 3),
        deploy("tracking-ui", 4),
        deploy("rates-api", 4),
    ]),
    ns("inventory", Pool::General, &[
        deploy("stock-sync", 4),
        deploy("inventory-api", 6),
        deploy("warehouse-events", 4),
        deploy("reservations", 4),
        deploy("inventory-ui", 3).sa("default"),
    ]),
    ns("users", Pool::General, &[
        deploy("users-api", 6),
        deploy("auth", 6),
        deploy("profile-images", 3),
        deploy("preferences", 3),
        sts("session-store", 3).sa("default"),
    ]),
    ns("storefront", Pool::General, &[
        deploy("storefront-web", 6),
        deploy("bff", 6),
        deploy("storefront-cms", 3),
        deploy("image-proxy", 4).sa("default"),
    ]),
    ns("ci", Pool::System, &[deploy("gitlab-runner", 3), sts("buildkitd", 2)]).idle(&["deployer"]),
];

// ---------------------------------------------------------------------------------------
// IRSA and Pod Identity bindings
// ---------------------------------------------------------------------------------------

/// How a trust policy is wrong (the IRSA2xx stories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trust {
    /// Only `{"Service": "ec2.amazonaws.com"}` with `sts:AssumeRole`.
    Ec2Service,
    /// Principal and condition keys name the provider of a previous cluster (this issuer id).
    OldIssuer(&'static str),
    /// The `sub` condition names this subject instead.
    Subject(&'static str),
    /// Condition keys written `https://oidc.eks...:sub`.
    HttpsKeys,
    /// `aud` set to the issuer URL.
    AudienceIsIssuer,
    /// `StringEquals` with this wildcard `sub`.
    ExactWildcard(&'static str),
    /// A correct Allow plus a Deny on this `StringLike` sub pattern.
    Deny(&'static str),
    /// The correct condition under this (non-existent) operator.
    Operator(&'static str),
    /// The correct condition plus `aws:PrincipalTag/team` = this value.
    PrincipalTag(&'static str),
    /// `StringLike` sub with this pattern (and a correct `aud`).
    SubPattern(&'static str),
    /// A correct `sub`, no `aud` condition.
    NoAudience,
    /// `{"AWS": "*"}` without any condition (`sts:AssumeRole*`).
    AnyPrincipal,
}

/// EKS Pod Identity association variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pi {
    /// Association and a correct trust (`pods.eks.amazonaws.com`, AssumeRole + TagSession).
    Healthy,
    /// The ServiceAccount keeps its IRSA annotation on the same role, whose trust has both.
    AlsoIrsa,
    /// The trust allows `sts:AssumeRole` but not `sts:TagSession`.
    NoTagSession,
    /// The associated role does not exist.
    RoleMissing,
}

/// What is special about a binding. Everything not mentioned is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Story {
    Healthy,
    /// The annotation is this value verbatim (not a role ARN); no role is read.
    Annotation(&'static str),
    /// GetRole answered NoSuchEntity.
    RoleMissing,
    /// The role is in this other account and GetRole was denied.
    RoleUnreadable(&'static str),
    /// The role trusts the ServiceAccount but the ServiceAccount is not annotated.
    NotAnnotated,
    /// `eks.amazonaws.com/token-expiration`.
    TokenExpiration(&'static str),
    /// `eks.amazonaws.com/audience`; the trust accepts it, the provider does not list it.
    Audience(&'static str),
    Trust(Trust),
    /// A permissions boundary (policy ARN).
    Boundary(&'static str),
    /// The role lives in this other account, whose IAM has no provider for this cluster.
    CrossAccount(&'static str),
    /// The pods predate the annotation: no IRSA env, no token volume.
    PodsNotInjected,
    /// The pods still carry this `AWS_ROLE_ARN` (the annotation changed since).
    PodsStaleRole(&'static str),
    /// This container also sets `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.
    StaticCredentials(&'static str),
    PodIdentity(Pi),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Binding {
    pub ns: &'static str,
    pub sa: &'static str,
    /// The role's name, with its path if any (`platform/name`); in the cluster's account
    /// unless the story says otherwise.
    pub role: &'static str,
    pub policies: &'static [&'static str],
    pub story: Story,
}

const fn irsa(
    ns: &'static str,
    sa: &'static str,
    role: &'static str,
    policies: &'static [&'static str],
) -> Binding {
    Binding {
        ns,
        sa,
        role,
        policies,
        story: Story::Healthy,
    }
}

impl Binding {
    const fn story(mut self, story: Story) -> Self {
        self.story = story;
        self
    }
}

/// Shared by three ServiceAccounts (IRSA224 on each: the blast radius of one role).
const S3_ASSETS: &str = "shop-prod-s3-assets";
const ASSETS_RW: &[&str] = &[policy!("shop-prod-assets-bucket-rw")];

/// Bindings that work: annotated, role readable, eksctl trust, injected pods.
#[rustfmt::skip]
pub(super) const HEALTHY: &[Binding] = &[
    irsa("kube-system", "aws-node", "eksctl-shop-prod-addon-iamserviceaccount-kube-Role1-1BQ4XYZK7T2", &[CNI]),
    irsa("kube-system", "ebs-csi-controller-sa", "AmazonEKS_EBS_CSI_DriverRole-shop-prod", &[EBS_CSI]),
    irsa("kube-system", "efs-csi-controller-sa", "AmazonEKS_EFS_CSI_DriverRole-shop-prod", &[EFS_CSI]),
    irsa("kube-system", "aws-load-balancer-controller", "shop-prod-aws-load-balancer-controller",
        &[policy!("AWSLoadBalancerControllerIAMPolicy")]),
    irsa("monitoring", "kube-prometheus-prometheus", "shop-prod-amp-ingest", &[PROMETHEUS_WRITE]),
    irsa("monitoring", "grafana", "shop-prod-grafana-cloudwatch", &[CLOUDWATCH_READ]),
    irsa("logging", "fluent-bit", "shop-prod-fluent-bit", &[CLOUDWATCH_AGENT]),
    irsa("cert-manager", "cert-manager", "shop-prod-cert-manager", &[policy!("cert-manager-route53-dns01")]),
    irsa("external-dns", "external-dns", "shop-prod-external-dns", &[policy!("external-dns-route53-shop-prod")]),
    irsa("external-secrets", "external-secrets", "platform/shop-prod-external-secrets",
        &[policy!("external-secrets-read-shop-prod")]),
    irsa("velero", "velero", "platform/shop-prod-velero", &[policy!("velero-backups-shop-prod")]),
    irsa("argocd", "argocd-image-updater", "shop-prod-argocd-image-updater", &[ECR_READ]),
    irsa("payments", "payment-gateway", "shop-prod-payment-gateway",
        &[policy!("shop-prod-payments-kms-decrypt"), policy!("shop-prod-payments-queues")]),
    irsa("payments", "fraud-scorer", "shop-prod-fraud-scorer", &[DYNAMODB_READ, policy!("shop-prod-fraud-models-read")]),
    irsa("payments", "refunds-worker", "shop-prod-refunds-worker", &[policy!("shop-prod-payments-queues")]),
    irsa("checkout", "checkout-worker", "shop-prod-checkout-worker", &[policy!("shop-prod-checkout-queues")]),
    irsa("checkout", "cart", "shop-prod-cart", &[policy!("shop-prod-cart-table")]),
    irsa("orders", "orders-api", "shop-prod-orders-api", &[policy!("shop-prod-orders-table")]),
    // IRSA224: one role, three ServiceAccounts in its `sub` list.
    irsa("catalog", "catalog-api", S3_ASSETS, ASSETS_RW),
    irsa("search", "search-api", S3_ASSETS, ASSETS_RW),
    irsa("notifications", "email-renderer", S3_ASSETS, ASSETS_RW),
    irsa("catalog", "catalog-importer", "shop-prod-catalog-importer", &[S3_READ, policy!("shop-prod-catalog-import-queue")]),
    irsa("notifications", "push-gateway", "shop-prod-push-gateway", &[SNS_FULL]),
    irsa("analytics", "superset", "shop-prod-superset", &[ATHENA_FULL, S3_READ]),
    irsa("data-pipeline", "stream-processor", "shop-prod-stream-processor", &[KINESIS_READ, policy!("shop-prod-datalake-write")]),
    irsa("data-pipeline", "data-exporter", "shop-prod-data-exporter", &[policy!("shop-prod-datalake-read")]),
    irsa("billing", "billing-api", "shop-prod-billing-api", &[policy!("shop-prod-billing-table")]),
    irsa("shipping", "shipping-api", "shop-prod-shipping-api", &[policy!("shop-prod-shipping-queues")]),
    irsa("shipping", "carrier-sync", "shop-prod-carrier-sync", &[policy!("shop-prod-carrier-secrets")]),
    irsa("inventory", "inventory-api", "shop-prod-inventory-api", &[policy!("shop-prod-inventory-table")]),
    irsa("inventory", "warehouse-events", "shop-prod-warehouse-events", &[policy!("shop-prod-warehouse-queue")]),
    irsa("users", "users-api", "shop-prod-users-api", &[policy!("shop-prod-cognito-admin")]),
    irsa("users", "auth", "shop-prod-auth", &[policy!("shop-prod-auth-secrets")]),
    irsa("users", "profile-images", "shop-prod-profile-images", &[policy!("shop-prod-profile-images-rw")]),
    irsa("ci", "buildkitd", "shop-prod-ci-ecr-push", &[policy!("shop-prod-ecr-push")]),
];

/// The `team` and `cost-center` tags of the roles of each namespace's bindings (the `app`
/// tag is the ServiceAccount's name). Namespaces not listed belong to the platform team.
#[rustfmt::skip]
pub(super) const TEAMS: &[(&str, &str, &str)] = &[
    ("payments", "payments", "cc-4100"),
    ("checkout", "checkout", "cc-4200"),
    ("orders", "orders", "cc-4300"),
    ("catalog", "catalog", "cc-4400"),
    ("search", "catalog", "cc-4400"),
    ("media", "catalog", "cc-4400"),
    ("notifications", "messaging", "cc-4500"),
    ("analytics", "data", "cc-5100"),
    ("data-pipeline", "data", "cc-5100"),
    ("reporting", "data", "cc-5100"),
    ("ml-serving", "ml", "cc-5200"),
    ("recommendations", "ml", "cc-5200"),
    ("billing", "finance", "cc-6100"),
    ("shipping", "logistics", "cc-4600"),
    ("inventory", "inventory", "cc-4700"),
    ("users", "identity", "cc-4800"),
];
pub(super) const PLATFORM_TEAM: (&str, &str) = ("platform", "cc-1000");

/// Roles created without tags (GetRole returns an empty tag list).
pub(super) const UNTAGGED: &[&str] = &[
    "legacy-ci-deployer",
    "shop-prod-ml-model-loader",
    "shop-prod-keda-operator",
];

/// Roles whose trust policy is stored percent-encoded, exactly as IAM GetRole returns it.
pub(super) const URL_ENCODED_TRUST: &[&str] = &[
    "shop-prod-carrier-sync",
    "shop-prod-auth",
    "shop-prod-payments-api",
];

/// The stories: each row is there to make the analysis report the code(s) in its comment.
#[rustfmt::skip]
pub(super) const STORIES: &[Binding] = &[
    // IRSA101: a user ARN pasted into the annotation; the webhook injects it anyway, and
    // STS cannot assume a user.
    irsa("search", "indexer", "", &[]).story(Story::Annotation("arn:aws:iam::111122223333:user/search-indexer")),
    // IRSA101: Helm values quoted twice: the annotation value carries the quotes.
    irsa("notifications", "mailer", "", &[]).story(Story::Annotation("\"arn:aws:iam::111122223333:role/shop-prod-mailer\"")),
    // IRSA102: the role was deleted in a Terraform clean-up; the annotation stayed.
    irsa("orders", "order-archiver", "shop-prod-order-archiver", &[]).story(Story::RoleMissing),
    // IRSA103: a partner's role in their account; our read-only role may not GetRole it.
    irsa("analytics", "partner-export", "partner-data-drop", &[]).story(Story::RoleUnreadable(PARTNER_ACCOUNT)),
    // IRSA104: the role and its trust for catalog/image-resizer exist, but nobody added the
    // annotation: the pods fall back to the node role.
    irsa("catalog", "image-resizer", "shop-prod-catalog-image-resizer", ASSETS_RW).story(Story::NotAnnotated),
    // IRSA105: token-expiration 300 (below 600: the webhook raises it).
    irsa("notifications", "sms-sender", "shop-prod-sms-sender", &[SNS_FULL]).story(Story::TokenExpiration("300")),
    // IRSA106 + IRSA302: audience `vault`, so the same token logs into Vault; the trust
    // accepts `vault`, but nobody added it to the OIDC provider's client ids.
    irsa("external-secrets", "vault-reader", "shop-prod-vault-reader", &[policy!("shop-prod-vault-kms")])
        .story(Story::Audience("vault")),
    // IRSA201: trust copied from an EC2 instance role (Service ec2.amazonaws.com, AssumeRole).
    irsa("ml-serving", "model-loader", "shop-prod-ml-model-loader", &[S3_READ]).story(Story::Trust(Trust::Ec2Service)),
    // IRSA202 + IRSA205: the cluster was re-created last month; this trust still names the
    // old issuer id in the principal and in the condition keys.
    irsa("orders", "order-events", "shop-prod-order-events", &[policy!("shop-prod-order-events-stream")])
        .story(Story::Trust(Trust::OldIssuer(OLD_ISSUER_ID))),
    // IRSA203: copied from the staging cluster: the sub names namespace payments-staging.
    irsa("payments", "payments-api", "shop-prod-payments-api", &[policy!("shop-prod-payments-kms-decrypt")])
        .story(Story::Trust(Trust::Subject("system:serviceaccount:payments-staging:payments-api"))),
    // IRSA204: copied from the worker's role: the sub names checkout-worker, not checkout-api.
    irsa("checkout", "checkout-api", "shop-prod-checkout-api", &[policy!("shop-prod-checkout-queues")])
        .story(Story::Trust(Trust::Subject("system:serviceaccount:checkout:checkout-worker"))),
    // IRSA205: written by hand in the console with `https://` kept in the key prefix.
    irsa("logging", "loki", "shop-prod-loki", &[policy!("shop-prod-loki-chunks")]).story(Story::Trust(Trust::HttpsKeys)),
    // IRSA206: aud set to the issuer URL instead of sts.amazonaws.com.
    irsa("monitoring", "thanos", "shop-prod-thanos", &[policy!("shop-prod-thanos-bucket")])
        .story(Story::Trust(Trust::AudienceIsIssuer)),
    // IRSA207: "every analytics ServiceAccount" was meant, but StringEquals takes `*` literally.
    irsa("analytics", "query-runner", "shop-prod-analytics-athena", &[ATHENA_FULL])
        .story(Story::Trust(Trust::ExactWildcard("system:serviceaccount:analytics:*"))),
    // IRSA208: a "freeze" Deny on the whole namespace during the data migration, never lifted.
    irsa("recommendations", "recommender", "shop-prod-recommender", &[DYNAMODB_READ, policy!("shop-prod-recs-models")])
        .story(Story::Trust(Trust::Deny("system:serviceaccount:recommendations:*"))),
    // IRSA209: an operator IAM does not have (StringEqualsAnyCase).
    irsa("shipping", "label-printer", "shop-prod-label-printer", &[policy!("shop-prod-label-bucket")])
        .story(Story::Trust(Trust::Operator("StringEqualsAnyCase"))),
    // IRSA210: an ABAC condition on aws:PrincipalTag/team, which a web-identity token never carries.
    irsa("inventory", "stock-sync", "shop-prod-stock-sync", &[policy!("shop-prod-inventory-table")])
        .story(Story::Trust(Trust::PrincipalTag("inventory"))),
    // IRSA220 (critical): StringLike sub `system:serviceaccount:*:*`: any pod of the cluster
    // can read CloudWatch through the exporter's role.
    irsa("monitoring", "yace", "shop-prod-cloudwatch-exporter", &[CLOUDWATCH_READ])
        .story(Story::Trust(Trust::SubPattern("system:serviceaccount:*:*"))),
    // IRSA221: `airflow-*` also admits airflow-scheduler and airflow-webserver.
    irsa("data-pipeline", "airflow-worker", "shop-prod-airflow", &[policy!("shop-prod-datalake-write"), S3_READ])
        .story(Story::Trust(Trust::SubPattern("system:serviceaccount:data-pipeline:airflow-*"))),
    // IRSA222: a correct sub, but no aud condition.
    irsa("search", "opensearch", "shop-prod-opensearch-snapshots", &[policy!("shop-prod-opensearch-snapshots")])
        .story(Story::Trust(Trust::NoAudience)),
    // IRSA223 (critical; IRSA220 and IRSA222 follow): the legacy CI role trusts
    // {"AWS": "*"} for AssumeRole and AssumeRoleWithWebIdentity, without a condition.
    irsa("ci", "gitlab-runner", "legacy-ci-deployer", &[POWER_USER]).story(Story::Trust(Trust::AnyPrincipal)),
    // IRSA230: created by a Terraform module; the policy attachment PR was never merged.
    irsa("keda", "keda-operator", "shop-prod-keda-operator", &[]),
    // IRSA231: Karpenter's role is capped by the platform permissions boundary.
    irsa("karpenter", "karpenter", "KarpenterControllerRole-shop-prod", &[policy!("KarpenterControllerPolicy-shop-prod")])
        .story(Story::Boundary(PLATFORM_BOUNDARY)),
    // IRSA233 (catalogued, not reported yet) + IRSA231: the exporter's role was bounded by
    // the observability boundary copied from fluent-bit's module, which allows only logs,
    // traces and PutMetricData: nothing Athena or the exports bucket policy allows.
    irsa("reporting", "report-exporter", "shop-prod-report-exporter", &[ATHENA_FULL, policy!("shop-prod-reports-write")])
        .story(Story::Boundary(OBSERVABILITY_BOUNDARY)),
    // IRSA234 (catalogued, not reported yet): the NoDeletes Deny added after an incident
    // covers tmp/ too, so the CleanTmp Allow never takes effect.
    irsa("media", "media-cleaner", "shop-prod-media-cleaner", &[policy!("shop-prod-media-cleaner")]),
    // Healthy, for `irsa-tui can`: list the statements bucket and read its objects, nothing
    // else (the AWS knowledge-center walkthrough; s3:DeleteObject is an implicit deny).
    irsa("billing", "statements-reader", "shop-prod-statements-reader", &[policy!("shop-prod-statements-read")]),
    // IRSA232 (critical): "temporary" AdministratorAccess for workflows, since an incident.
    irsa("argo-workflows", "argo-workflow", "shop-prod-argo-workflows-admin", &[ADMINISTRATOR_ACCESS]),
    // IRSA301: the warehouse account's role trusts this cluster's provider correctly, but
    // the provider is only registered in 111122223333.
    irsa("analytics", "warehouse-loader", "shop-prod-warehouse-loader", &["arn:aws:iam::222233334444:policy/warehouse-load"])
        .story(Story::CrossAccount(CROSS_ACCOUNT)),
    // IRSA401: annotated after the pods started; no rollout restart since.
    irsa("orders", "fulfillment", "shop-prod-fulfillment", &[policy!("shop-prod-orders-table")]).story(Story::PodsNotInjected),
    // IRSA402: the role was renamed; the StatefulSet's pods still carry the old ARN.
    irsa("data-pipeline", "kafka-connect", "shop-prod-kafka-connect-s3-sink", &[policy!("shop-prod-datalake-write")])
        .story(Story::PodsStaleRole("arn:aws:iam::111122223333:role/kafka-connect-s3")),
    // IRSA403: the s3-sync sidecar still sets static access keys (only their names are kept).
    irsa("ml-serving", "feature-store", "shop-prod-feature-store", &[policy!("shop-prod-feature-store")])
        .story(Story::StaticCredentials("s3-sync")),
    // IRSA404: annotated, healthy, and unused: the billing pods run as `default` (NAMESPACES).
    irsa("billing", "invoice-generator", "shop-prod-invoice-generator", &[policy!("shop-prod-invoices-bucket-rw")]),
    // IRSA701: migrating to Pod Identity: association added, IRSA annotation kept (same role,
    // whose trust has both statements). Pods are Pod Identity-injected.
    irsa("ml-serving", "inference-api", "shop-prod-ml-inference", &[S3_READ, policy!("shop-prod-model-artifacts-read")])
        .story(Story::PodIdentity(Pi::AlsoIrsa)),
    // Pod Identity done right (only the cluster-wide IRSA704 applies).
    irsa("analytics", "reporter", "shop-prod-analytics-reporter", &[ATHENA_FULL]).story(Story::PodIdentity(Pi::Healthy)),
    // IRSA702: the trust allows sts:AssumeRole for pods.eks.amazonaws.com but not sts:TagSession.
    irsa("notifications", "digest-mailer", "shop-prod-digest-mailer", &[SES_FULL]).story(Story::PodIdentity(Pi::NoTagSession)),
    // IRSA703: the association points to a role that was never created.
    irsa("orders", "returns-api", "shop-prod-returns-api", &[]).story(Story::PodIdentity(Pi::RoleMissing)),
];
// IRSA704 comes from these associations with `pod_identity_agent_present: Some(false)` (the
// add-on is not installed yet); IRSA602 from the forbidden read of the aws-auth ConfigMap
// (`build::sources`); IRSA504 from the CNI policy on every node role (NODE_ROLES).
