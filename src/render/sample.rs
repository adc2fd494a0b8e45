//! A small, fixed report for the renderers' tests: one binding of each status, a node
//! role, a cluster finding, and a finding whose title tries to inject markup.

use serde_json::json;

use crate::analysis::{
    Assumes, Binding, BindingPod, Code, Finding, Mechanism, NodeRoleReport, REPORT_SCHEMA, Report,
    ReportCluster, Severity, Status, Summary, TrustView,
};
use crate::inventory::Pod;
use crate::policy::Decision;

pub const MALICIOUS: &str = "<script>alert(1)</script> | pipe";

const PROVIDER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";
const ACCOUNT: &str = "111122223333";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn pod(name: &str, injected: bool) -> BindingPod {
    BindingPod {
        pod: std::sync::Arc::new(Pod {
            name: name.into(),
            node: Some("ip-10-0-12-34.eu-west-1.compute.internal".into()),
            ..Pod::default()
        }),
        injected,
        stale: false,
        role_is_annotation: false,
        node_role: None,
    }
}

fn binding(ns: &str, sa: &str, status: Status, pods: Vec<BindingPod>) -> Binding {
    Binding {
        namespace: ns.into(),
        service_account: sa.into(),
        mechanism: Mechanism::Irsa,
        role_arn: Some(role(sa)),
        status,
        assumes: Some(Assumes::Yes),
        // Dashboard-only fields stay empty: the sample round-trips through JSON.
        assumes_why: String::new(),
        pods,
        findings: Vec::new(),
        annotations: Default::default(),
        service_account_created: None,
        trust: None,
        pod_identity_association: None,
        evidence: None,
        permissions: None,
    }
}

fn trust_policy(sub: &str, with_aud: bool) -> serde_json::Value {
    let mut condition = json!({ format!("{PROVIDER}:sub"): sub });
    if with_aud {
        condition[format!("{PROVIDER}:aud")] = json!("sts.amazonaws.com");
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": condition}
        }]
    })
}

fn update_command(role_name: &str, policy: &serde_json::Value) -> String {
    format!(
        "aws iam update-assume-role-policy --role-name {role_name} --policy-document '{policy}'"
    )
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("a JSON value serialises")
}

fn failing() -> Binding {
    let mut b = binding(
        "payments",
        "ledger-api",
        Status::Failing,
        vec![
            pod("ledger-api-7d4b9c6f5-2xk8q", true),
            pod("ledger-api-7d4b9c6f5-9wz7m", true),
            pod("ledger-api-5c8d7b9f4-lq2rt", false),
        ],
    );
    b.assumes = Some(Assumes::Denied);
    let current = trust_policy("system:serviceaccount:payments-staging:ledger-api", true);
    let corrected = trust_policy("system:serviceaccount:payments:ledger-api", true);
    b.trust = Some(TrustView {
        decision: Decision::Deny,
        statement: None,
        policy: pretty(&current).into(),
        trace: Vec::new(),
    });
    b.findings.push(
        Code::IRSA203.entry().finding("The trust policy of role ledger-api names namespace \"payments-staging\", not \"payments\", for ServiceAccount ledger-api",
            "The sub condition accepts \"system:serviceaccount:payments-staging:ledger-api\" but the token of payments/ledger-api says \"system:serviceaccount:payments:ledger-api\": the namespace differs. Typical after moving a workload to another namespace or copying a policy from another environment.",
        )
        .evidence("statement", 0)
        .evidence("operator", "StringEquals")
        .evidence("key", format!("{PROVIDER}:sub"))
        .evidence("values", json!(["system:serviceaccount:payments-staging:ledger-api"]))
        .evidence("token_sub", "system:serviceaccount:payments:ledger-api")
        .evidence("expected_namespace", "payments")
        .evidence("namespaces_in_policy", json!(["payments-staging"]))
        .fix(vec![pretty(&corrected), update_command("ledger-api", &corrected)]),
    );
    let mut stale = Code::IRSA401.entry().finding("Pod payments/ledger-api-5c8d7b9f4-lq2rt has no IRSA credentials",
        "The pod was created before the role-arn annotation was added, so the webhook did not inject AWS_ROLE_ARN or the token volume. It uses the node role instead.",
    )
    .evidence("pod", "ledger-api-5c8d7b9f4-lq2rt")
    .evidence("owner", "Deployment/ledger-api")
    .fix(vec![
        "kubectl -n payments rollout restart deployment/ledger-api".into(),
    ]);
    stale.pod = Some("ledger-api-5c8d7b9f4-lq2rt".into());
    b.findings.push(stale);
    b
}

fn unknown() -> Binding {
    let mut b = binding(
        "analytics",
        "spark-runner",
        Status::Unknown,
        vec![pod("spark-runner-0", true)],
    );
    b.role_arn = Some("arn:aws:iam::444455556666:role/spark-runner".into());
    b.assumes = Some(Assumes::Unknown);
    b.findings.push(
        Code::IRSA103.entry().finding("Role spark-runner of analytics/spark-runner could not be read",
            "IAM refused GetRole, so the trust policy and the role's existence were not checked. The binding may be broken.",
        )
        .evidence("role_arn", "arn:aws:iam::444455556666:role/spark-runner")
        .evidence("error", "AccessDenied: User: arn:aws:sts::111122223333:assumed-role/irsa-tui-readonly/session is not authorized to perform: iam:GetRole on resource: role spark-runner")
        .fix(vec![
            "aws iam get-role --role-name spark-runner --profile account-444455556666".into(),
        ]),
    );
    b
}

fn warning() -> Binding {
    let mut b = binding(
        "observability",
        "otel-collector",
        Status::Warning,
        vec![
            pod("otel-collector-6f9d8-abcde", true),
            pod("otel-collector-6f9d8-fghij", true),
        ],
    );
    let corrected = trust_policy("system:serviceaccount:observability:otel-collector", true);
    b.findings.push(
        Code::IRSA222.entry().finding("The trust policy of role otel-collector does not restrict the token audience",
            "Statement 0 allows the token without an aud condition: tokens minted for other audiences are accepted too. AWS recommends pinning aud to sts.amazonaws.com.",
        )
        .evidence("statement", 0)
        .evidence("conditions", json!([format!("StringEquals {PROVIDER}:sub")]))
        .fix(vec![pretty(&corrected), update_command("otel-collector", &corrected)]),
    );
    b
}

fn ok_bindings() -> Vec<Binding> {
    let mut reports = binding(
        "default",
        "reports",
        Status::Ok,
        vec![pod("reports-1", true)],
    );
    reports.findings.push(
        Code::IRSA106.entry().finding(format!("Audience override {MALICIOUS} on default/reports"),
            "The ServiceAccount sets eks.amazonaws.com/audience; the trust policy and the OIDC provider's client IDs must list it.",
        )
        .evidence("audience", MALICIOUS),
    );
    let mut aws_node = binding(
        "kube-system",
        "aws-node",
        Status::Ok,
        vec![
            pod("aws-node-4tq9z", true),
            pod("aws-node-8hx2c", true),
            pod("aws-node-kk3p7", true),
        ],
    );
    aws_node.role_arn = Some(role("AmazonEKS_CNI_Role"));
    let ebs = binding(
        "kube-system",
        "ebs-csi-controller-sa",
        Status::Ok,
        Vec::new(),
    );
    vec![reports, aws_node, ebs]
}

fn node_role() -> NodeRoleReport {
    let managed = |p: &str| format!("arn:aws:iam::aws:policy/{p}");
    NodeRoleReport {
        role_arn: role("eks-node-prod"),
        sources: vec!["nodegroup/ng-general".into(), "aws-auth".into()],
        status: Status::Warning,
        attached_policies: vec![
            managed("AmazonEKSWorkerNodePolicy"),
            managed("AmazonEKS_CNI_Policy"),
            managed("AmazonEC2ContainerRegistryReadOnly"),
            managed("AmazonS3FullAccess"),
        ],
        inline_policies: Vec::new(),
        findings: vec![
            Code::IRSA501.entry().finding("Node role eks-node-prod has AmazonS3FullAccess beyond the baseline",
                "Every pod without IRSA on these nodes can use the node role through the instance metadata service, and with it full S3 access.",
            )
            .evidence("beyond_baseline", json!([managed("AmazonS3FullAccess")]))
            .fix(vec![format!(
                "aws iam detach-role-policy --role-name eks-node-prod --policy-arn {}",
                managed("AmazonS3FullAccess")
            )]),
        ],
        pods_without_irsa: vec!["default/legacy-batch-5f7c9-abcde".into()],
        pods_without_irsa_count: 3,
        beyond_baseline: Vec::new(),
        permissions: None,
    }
}

fn cluster_finding() -> Finding {
    Code::IRSA602.entry().finding("Listing pods in namespace kube-system is forbidden",
        "irsa-tui could not list pods in kube-system: bindings there may miss pod findings.",
    )
    .evidence("resource", "pods")
    .evidence("namespace", "kube-system")
    .evidence("error", "pods is forbidden: User \"irsa-tui\" cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\"")
    .fix(vec!["kubectl auth can-i list pods -n kube-system".into()])
}

/// The sample report, bindings in the report's order (status, namespace, name).
pub fn report() -> Report {
    let mut bindings = vec![failing(), unknown(), warning()];
    bindings.extend(ok_bindings());
    let node_roles = vec![node_role()];
    let cluster_findings = vec![cluster_finding()];
    Report {
        schema: REPORT_SCHEMA.into(),
        generated_at: "2025-06-01T08:30:00Z".into(),
        scope: None,
        cluster: ReportCluster {
            name: Some("prod-eu".into()),
            context: Some(format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/prod-eu")),
            region: Some("eu-west-1".into()),
            account: Some(ACCOUNT.into()),
            oidc_issuer: Some(format!("https://{PROVIDER}")),
            oidc_provider_registered: Some(true),
            ..ReportCluster::default()
        },
        summary: Summary::of(
            &bindings,
            crate::analysis::report::all_findings(&bindings, &node_roles, &cluster_findings),
        ),
        cluster_findings,
        bindings: bindings.into_iter().map(std::sync::Arc::new).collect(),
        node_roles,
        evidence: None,
        node_baseline: Vec::new(),
    }
}

#[test]
fn sample_is_consistent() {
    let r = report();
    assert_eq!(r.summary.bindings, 6);
    assert_eq!((r.summary.failing, r.summary.unknown), (1, 1));
    assert_eq!((r.summary.warning, r.summary.ok), (1, 3));
    assert_eq!(r.summary.findings.error, 2);
    let statuses: Vec<Status> = r.bindings.iter().map(|b| b.status).collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted, "sample bindings are in report order");
    assert_eq!(r.bindings[0].findings[0].severity, Severity::Error);
}
