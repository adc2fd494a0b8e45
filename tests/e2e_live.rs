//! `irsa-tui report` end to end, as a user runs it against a live cluster: the real binary,
//! a fake Kubernetes API server speaking list/watch, and moto for IAM/EKS/STS. Covers the
//! main failure modes, and checks every Kubernetes request against the shipped RBAC and
//! every AWS operation against the shipped IAM policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;
mod moto;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::cloudtrail::{Behaviour, FakeCloudTrail};
use common::fake_kube::{FakeKube, FakeKubeBuilder, Scope, objects};
use moto::{ACCOUNT, Moto, trust};
use serde_json::{Value, json};

const NODE: &str = "ip-10-0-1-1.us-east-1.compute.internal";

fn arn(role: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{role}")
}

/// The AWS side: cluster `prod`, optionally its OIDC provider, roles for each story, and a
/// node group whose role holds more than the baseline.
async fn seed_aws(moto: &Moto, register_provider: bool) -> String {
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let provider = moto::create_cluster(&config, register_provider).await;
    let stories = [
        (
            "payments-api",
            "system:serviceaccount:payments:api",
            true,
            true,
        ),
        (
            "payments-web",
            "system:serviceaccount:staging:web",
            true,
            true,
        ),
        (
            "payments-worker",
            "system:serviceaccount:payments:wrker",
            true,
            true,
        ),
        (
            "payments-noaud",
            "system:serviceaccount:payments:noaud",
            false,
            true,
        ),
        (
            "payments-empty",
            "system:serviceaccount:payments:empty",
            true,
            false,
        ),
        (
            "payments-late",
            "system:serviceaccount:payments:late",
            true,
            true,
        ),
        (
            "batch-exporter",
            "system:serviceaccount:batch:exporter",
            true,
            true,
        ),
        (
            "billing-invoice",
            "system:serviceaccount:billing:invoice",
            true,
            true,
        ),
    ];
    for (name, sub, aud, permissions) in stories {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust(&provider, sub, aud))
            .send()
            .await
            .expect("role");
        if permissions {
            iam.attach_role_policy()
                .role_name(name)
                .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
                .send()
                .await
                .expect("attach");
        }
    }
    moto::create_leaky_node_group(&config).await;
    provider
}

/// The Kubernetes side of the same stories.
fn cluster() -> FakeKubeBuilder {
    let sa = |ns: &str, name: &str, role: Option<&str>| {
        objects::service_account(ns, name, role.map(arn).as_deref())
    };
    let mut pods = Vec::new();
    for (name, role) in [
        ("api", "payments-api"),
        ("web", "payments-web"),
        ("worker", "payments-worker"),
        ("noaud", "payments-noaud"),
        ("empty", "payments-empty"),
    ] {
        pods.push(objects::irsa_pod(
            "payments",
            &format!("{name}-7c9f8d6b5-abcde"),
            name,
            &arn(role),
        ));
    }
    // Created before the annotation: no injection. Owned by Deployment `late`.
    let mut late = objects::pod("payments", "late-5d8f7b9c4-xk2lp", "late");
    late["metadata"]["labels"]["pod-template-hash"] = json!("5d8f7b9c4");
    late["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "late-5d8f7b9c4",
        "uid": "0b7e3c1e-5d1a-4f7e-9a63-2f4c8e2d9a10", "controller": true
    }]);
    pods.push(late);
    // Runs as default while billing/invoice carries the role (and inherits the node role).
    pods.push(objects::pod(
        "billing",
        "invoice-6b7c8d9e0-qwert",
        "default",
    ));
    FakeKube::builder()
        .namespaces(["payments", "billing", "batch", "kube-system"])
        .service_accounts([
            sa("payments", "api", Some("payments-api")),
            sa("payments", "web", Some("payments-web")),
            sa("payments", "worker", Some("payments-worker")),
            sa("payments", "noaud", Some("payments-noaud")),
            sa("payments", "empty", Some("payments-empty")),
            sa("payments", "late", Some("payments-late")),
            sa("batch", "exporter", None),
            sa("billing", "invoice", Some("billing-invoice")),
            sa("billing", "default", None),
        ])
        .pods(pods)
        .nodes([objects::node(NODE, Some("ng-1"))])
        .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
}

struct World {
    fake: FakeKube,
    moto: Moto,
    /// CloudTrail's stand-in (`AWS_ENDPOINT_URL_CLOUDTRAIL`); no events unless given.
    trail: FakeCloudTrail,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

async fn world(fake: FakeKubeBuilder, register_provider: bool) -> World {
    world_with_trail(
        fake,
        register_provider,
        |_| Vec::new(),
        Behaviour::default(),
    )
    .await
}

/// [`world`], with CloudTrail's stand-in holding `events(provider)` (the cluster's OIDC
/// provider, `oidc.eks.…/id/…`), each `(region, event)`.
async fn world_with_trail(
    fake: FakeKubeBuilder,
    register_provider: bool,
    events: impl FnOnce(&str) -> Vec<(String, Value)>,
    behaviour: Behaviour,
) -> World {
    let moto = Moto::start();
    let provider = seed_aws(&moto, register_provider).await;
    let trail = FakeCloudTrail::start(events(&provider), behaviour).await;
    let fake = fake.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = fake.kubeconfig_named(
        dir.path(),
        &format!("arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod"),
    );
    World {
        fake,
        moto,
        trail,
        _dir: dir,
        kubeconfig,
    }
}

/// Runs `irsa-tui report --format json` against the world; returns (exit code, JSON, stderr).
async fn report(w: &World, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["report", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let (code, json, stderr) = run_json(w, &args).await;
    if code == 0 || code == 1 {
        common::schema::assert_valid_report(&json);
    }
    (code, json, stderr)
}

fn codes(report: &Value, ns: &str, sa: &str) -> BTreeSet<String> {
    report["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["namespace"] == ns && b["service_account"] == sa)
        .flat_map(|b| b["findings"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

fn all_codes(report: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for section in ["bindings", "node_roles"] {
        for row in report[section].as_array().into_iter().flatten() {
            for f in row["findings"].as_array().into_iter().flatten() {
                out.extend(f["code"].as_str().map(str::to_owned));
            }
        }
    }
    for f in report["cluster_findings"].as_array().into_iter().flatten() {
        out.extend(f["code"].as_str().map(str::to_owned));
    }
    out
}

/// One rule of the shipped RBAC, per group and resource.
struct Grant {
    group: String,
    resource: String,
    /// `None` for a ClusterRole.
    namespace: Option<String>,
    /// `None`: any name.
    names: Option<Vec<String>>,
    verbs: Vec<String>,
}

/// What assets/least-privilege/rbac.yaml grants.
fn rbac_grants(path: &Path) -> Vec<Grant> {
    let text = std::fs::read_to_string(path).expect("rbac asset");
    let mut grants = Vec::new();
    for doc in text.split("\n---\n") {
        let v: Value = match serde_saphyr::from_str(doc) {
            Ok(v) => v,
            Err(e) => panic!("rbac.yaml does not parse: {e}"),
        };
        if !matches!(v["kind"].as_str(), Some("ClusterRole" | "Role")) {
            continue;
        }
        let ns = v["metadata"]["namespace"].as_str().map(str::to_owned);
        for rule in v["rules"].as_array().into_iter().flatten() {
            let list = |k: &str| -> Vec<String> {
                rule[k]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            };
            let names = rule.get("resourceNames").map(|_| list("resourceNames"));
            for g in list("apiGroups") {
                for r in list("resources") {
                    grants.push(Grant {
                        group: g.clone(),
                        resource: r,
                        namespace: ns.clone(),
                        names: names.clone(),
                        verbs: list("verbs"),
                    });
                }
            }
        }
    }
    grants
}

/// Every request the fake saw is allowed by assets/least-privilege/rbac.yaml.
fn assert_within_rbac(fake: &FakeKube) {
    assert_eq!(fake.non_get_requests(), 0, "read-only: GET only");
    let grants = rbac_grants(Path::new("assets/least-privilege/rbac.yaml"));
    for r in fake.requests() {
        if r.path == "/version" {
            continue; // system:public-info-viewer, granted to every authenticated user
        }
        let Some(a) = r.access() else {
            panic!("unexpected request {r:?}")
        };
        let field_name = r
            .param("fieldSelector")
            .and_then(|f| f.strip_prefix("metadata.name="))
            .map(str::to_owned);
        let ok = grants.iter().any(|g| {
            g.group == a.group
                && g.resource == a.resource
                && g.verbs.iter().any(|v| v == a.verb)
                && g.namespace
                    .as_ref()
                    .is_none_or(|n| a.namespace.as_deref() == Some(n))
                && g.names.as_ref().is_none_or(|n| {
                    a.name
                        .as_ref()
                        .or(field_name.as_ref())
                        .is_some_and(|x| n.contains(x))
                })
        });
        assert!(ok, "request outside the shipped RBAC: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_finds_the_main_failure_modes_with_evidence() {
    let w = world(cluster(), true).await;
    let (code, r, stderr) = report(&w, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["schema"], "irsa-tui/report/v1");
    assert_eq!(r["cluster"]["name"], "prod");
    assert_eq!(r["cluster"]["account"], ACCOUNT);

    assert!(
        codes(&r, "payments", "api").is_empty(),
        "{:?}",
        codes(&r, "payments", "api")
    );
    assert!(
        codes(&r, "payments", "web").contains("IRSA203"),
        "wrong namespace in sub"
    );
    assert!(
        codes(&r, "payments", "worker").contains("IRSA204"),
        "wrong ServiceAccount in sub"
    );
    assert!(
        codes(&r, "payments", "noaud").contains("IRSA222"),
        "missing aud"
    );
    assert!(
        codes(&r, "payments", "empty").contains("IRSA230"),
        "role without permissions"
    );
    assert!(
        codes(&r, "payments", "late").contains("IRSA401"),
        "pod created before its annotation"
    );
    assert!(
        codes(&r, "batch", "exporter").contains("IRSA104"),
        "missing annotation"
    );
    assert!(
        codes(&r, "billing", "default").contains("IRSA404"),
        "pod on the default ServiceAccount"
    );
    assert!(
        codes(&r, "billing", "default").contains("IRSA405"),
        "inherits the node role"
    );
    let node_codes: BTreeSet<String> = r["node_roles"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect();
    assert!(
        node_codes.contains("IRSA501"),
        "node role with extra policies: {node_codes:?}"
    );

    // Evidence is concrete: the wrong namespace, the fix command for the right role.
    let web = r["bindings"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["service_account"] == "web"))
        .expect("web binding");
    let f = web["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "IRSA203"))
        .expect("IRSA203");
    assert_eq!(f["evidence"]["namespaces_in_policy"][0], "staging");
    assert!(
        f["fix"][1]
            .as_str()
            .is_some_and(|c| c.contains("--role-name payments-web"))
    );
    let late = r["bindings"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["service_account"] == "late"))
        .expect("late binding");
    assert!(
        late["findings"][0]["fix"][0]
            .as_str()
            .is_some_and(|c| c.contains("kubectl rollout restart deployment/late -n payments"))
    );

    assert_within_rbac(&w.fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_oidc_provider_is_irsa301() {
    let w = world(cluster(), false).await;
    let (code, r, stderr) = report(&w, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        codes(&r, "payments", "api").contains("IRSA301"),
        "{:?}",
        codes(&r, "payments", "api")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_forbidden_cluster_wide_fall_back_to_namespaces_and_report_irsa602() {
    let w = world(cluster().forbid("pods", Scope::Cluster), true).await;
    let (code, r, stderr) = report(&w, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    let irsa602: Vec<&Value> = r["cluster_findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "IRSA602")
        .collect();
    assert!(
        irsa602.iter().any(|f| f["evidence"]["resource"] == "pods"),
        "IRSA602 names the pods source: {irsa602:?}"
    );
    // Pods were read namespace by namespace instead: their findings are all there.
    assert!(codes(&r, "payments", "late").contains("IRSA401"));
    assert!(codes(&r, "billing", "default").contains("IRSA404"));
    assert_within_rbac(&w.fake);

    // With -n, only that namespace is read (no cluster-wide list to be refused).
    let (code, r, stderr) = report(&w, &["-n", "payments"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(codes(&r, "payments", "web").contains("IRSA203"));
    let namespaces: BTreeSet<&str> = r["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["namespace"].as_str())
        .collect();
    assert_eq!(namespaces, BTreeSet::from(["payments"]));
    assert!(!all_codes(&r).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_problems_exit_two_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: Vec<String>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_irsa-tui"));
        cmd.args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", dir.path());
        cmd.output().expect("runs")
    };
    // Unreadable kubeconfig.
    let out = run(vec![
        "report".into(),
        "--kubeconfig".into(),
        "/nonexistent/kubeconfig".into(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("kubeconfig"), "{err}");

    // A context that names no EKS cluster, and no --cluster.
    let fake = FakeKube::builder().start().await;
    let plain = fake.kubeconfig(dir.path());
    let out = run(vec![
        "report".into(),
        "--kubeconfig".into(),
        plain.to_string_lossy().into(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--cluster"), "{err}");

    // No API server at the kubeconfig's address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let text = std::fs::read_to_string(&plain).expect("kubeconfig");
    let gone = dir.path().join("gone.yaml");
    std::fs::write(
        &gone,
        text.replace(&fake.url(), &format!("http://{closed}")),
    )
    .expect("write");
    let out = run(vec![
        "report".into(),
        "--kubeconfig".into(),
        gone.to_string_lossy().into(),
        "--cluster".into(),
        "prod".into(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the Kubernetes API server"),
        "{err}"
    );
}

/// Runs `irsa-tui ARGS --kubeconfig … --format json` against the world.
async fn run_json(w: &World, args: &[&str]) -> (i32, Value, String) {
    run_json_with(w, args, |_| {}).await
}

/// [`run_json`], with the command's environment changed by `env` last.
async fn run_json_with(
    w: &World,
    args: &[&str],
    env: impl FnOnce(&mut std::process::Command),
) -> (i32, Value, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_irsa-tui"));
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&w.kubeconfig)
        .args(["--format", "json", "--sync-timeout", "60"])
        .env("AWS_ENDPOINT_URL", &w.moto.url)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &w.trail.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("KUBECONFIG");
    env(&mut cmd);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// `can` and `who-can` on a live cluster: the role's AWS-managed policy document is read
/// from IAM (GetPolicy + GetPolicyVersion) and evaluated; `--simulate` asks IAM too, and
/// an IAM that cannot simulate (moto implements no SimulatePrincipalPolicy) is said beside
/// irsa-tui's own answers, never instead of them.
#[tokio::test(flavor = "multi_thread")]
async fn can_and_who_can_read_the_live_roles_policies() {
    let w = world(cluster(), true).await;
    let (code, v, stderr) = run_json(
        &w,
        &[
            "can",
            "payments/api",
            "s3:GetObject",
            "s3:DeleteObject",
            "--resource",
            "arn:aws:s3:::invoices/2026.pdf",
        ],
    )
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(v["principal"], arn("payments-api"));
    assert_eq!(v["results"][0]["decision"], "allowed", "{v}");
    assert_eq!(
        v["results"][0]["matched"][0]["policy_arn"],
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    );
    assert_eq!(v["results"][1]["decision"], "implicit-deny");
    assert_eq!(
        v["results"][1]["reason"],
        "no identity-based policy allows the s3:DeleteObject action"
    );
    assert_eq!(v["results"][1]["simulated"], Value::Null);

    let (code, v, stderr) =
        run_json(&w, &["can", "payments/api", "s3:GetObject", "--simulate"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["results"][0]["decision"], "allowed");
    let error = v["simulation_error"]
        .as_str()
        .expect("the simulation's failure is said");
    assert!(
        error.contains("IAM could not simulate the policies of"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");

    // who-can: every binding whose role reads S3 (payments-empty has no policy), and the
    // node role, which holds AmazonS3FullAccess beyond the baseline.
    let (code, v, stderr) = run_json(&w, &["who-can", "s3:GetObject"]).await;
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<&str> = v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["binding"].as_str())
        .collect();
    assert!(names.contains(&"payments/api"), "{names:?}");
    assert!(!names.contains(&"payments/empty"), "{names:?}");
    assert!(
        v["principals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "node-role"),
        "{v}"
    );
    assert_within_rbac(&w.fake);
}

/// What a report says of an AWS it could not use: one sentence naming the endpoint and the
/// region and what to check, never the SDK's debug output (`DispatchFailure(DispatchFailure
/// { source: ConnectorError { kind: Io, …`), which goes to `--log-file` only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_aws_is_one_sentence_in_the_report() {
    let w = world(cluster(), true).await;
    let irsa603 = |r: &Value| -> Value {
        r["cluster_findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["code"] == "IRSA603")
            .cloned()
            .unwrap_or_else(|| panic!("no IRSA603: {r}"))
    };
    let no_debug = |text: &str| {
        for debug in [
            "DispatchFailure",
            "ConnectorError",
            "kind: Io",
            "Some(",
            "{ ",
        ] {
            assert!(!text.contains(debug), "{debug:?} in {text}");
        }
    };

    // An endpoint that refuses connections.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let log = w._dir.path().join("aws.log");
    let log_arg = log.to_string_lossy().into_owned();
    let (code, r, stderr) = run_json_with(
        &w,
        &["report", "--fail-on", "never", "--log-file", &log_arg],
        |cmd| {
            cmd.env("AWS_ENDPOINT_URL", format!("http://{closed}"));
        },
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let f = irsa603(&r);
    let reason = f["evidence"]["reason"].as_str().expect("a reason");
    // Refused, or (on a loaded machine, the retries of the refusals outlasting the first
    // call's deadline) no answer in time: either way, where it went and what to check.
    let refused = format!(
        "cannot reach STS at http://{closed} (region us-east-1): the connection was refused; check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
    );
    let late = format!(
        "STS at http://{closed} (region us-east-1) did not answer sts:GetCallerIdentity in time: check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
    );
    assert!(reason == refused || reason == late, "{reason}");
    no_debug(&r.to_string());
    no_debug(&stderr);
    let logged = std::fs::read_to_string(&log).expect("the log file");
    // The SDK's own error for whichever happened: the refusal, or its timeout.
    let raw = if reason == late {
        "TimeoutError"
    } else {
        "Connection refused"
    };
    assert!(
        logged.contains("sts:GetCallerIdentity") && logged.contains(raw),
        "the raw error is in the log: {logged}"
    );
    // No credentials anywhere (no environment, no files, no instance metadata).
    let home = tempfile::tempdir().expect("tempdir");
    let (code, r, stderr) = run_json_with(&w, &["report", "--fail-on", "never"], |cmd| {
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", home.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
    })
    .await;
    assert_eq!(code, 0, "{stderr}");
    let reason = irsa603(&r)["evidence"]["reason"]
        .as_str()
        .expect("a reason")
        .to_owned();
    assert!(
        reason.starts_with("no usable AWS credentials for sts:GetCallerIdentity")
            && reason.contains("aws sso login"),
        "{reason}"
    );
    no_debug(&r.to_string());
}

/// A role the cluster starts to name after the first AWS read (an annotation changed to a
/// role created since) is read on its own within seconds — no `IRSA103 … the role was not
/// read` until Ctrl-R — with the per-role reads only: once per ARN, the managed policies no
/// read has recorded once each, nothing again for an ARN already read or found missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_named_after_the_aws_read_is_read_without_ctrl_r() {
    use irsa_tui::analysis::{Settings, analyze};
    use irsa_tui::sources::aws::CallLog;
    use irsa_tui::sources::live::{Feed, LiveOptions};
    use std::time::Duration;

    let w = world(cluster(), true).await;
    let mut feed = Feed::connect(&LiveOptions {
        kubeconfig: Some(w.kubeconfig.clone()),
        cluster: Some("prod".into()),
        region: Some("us-east-1".into()),
        sync_timeout: Duration::from_secs(30),
        ..Default::default()
    })
    .await
    .expect("connects");
    feed.aws.endpoint_url = Some(w.moto.url.clone());
    feed.aws.credentials = Some(Moto::credentials());
    feed.settle().await;
    feed.read_aws(&CallLog::default()).await;
    let store = feed.store.clone();
    assert!(store.read(|d| d.aws.reachable && d.aws.read_at.is_some()));
    let calls = CallLog::default();
    feed.follow_new_roles(calls.clone());

    // After the read: a new role in IAM, and the annotation of payments/api moved to it.
    let issuer = store
        .read(|d| d.cluster.oidc_issuer.clone())
        .expect("the cluster's issuer");
    let provider = issuer.trim_start_matches("https://").to_owned();
    let iam = aws_sdk_iam::Client::new(&w.moto.config().await);
    iam.create_role()
        .role_name("payments-api-v2")
        .assume_role_policy_document(trust(&provider, "system:serviceaccount:payments:api", true))
        .send()
        .await
        .expect("role");
    iam.attach_role_policy()
        .role_name("payments-api-v2")
        .policy_arn("arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let annotate = |ns: &str, name: &str, role: &str| {
        w.fake.apply(
            "serviceaccounts",
            objects::service_account(ns, name, Some(&arn(role))),
        );
    };
    annotate("payments", "api", "payments-api-v2");
    let read = |role: &str| {
        let arn = arn(role);
        store.read(move |d| d.roles.contains_key(&arn))
    };
    assert!(
        common::eventually(Duration::from_secs(30), || read("payments-api-v2")).await,
        "the newly named role was never read"
    );
    let report = analyze(&store.inventory(), &Settings::default());
    let api = report
        .bindings
        .iter()
        .find(|b| b.namespace == "payments" && b.service_account == "api")
        .expect("payments/api");
    assert_eq!(
        api.role_arn.as_deref(),
        Some(arn("payments-api-v2").as_str())
    );
    assert!(
        api.findings.iter().all(|f| f.code.as_str() != "IRSA103"),
        "{:#?}",
        api.findings
    );
    // The role was read and its trust admits payments/api: only its pod, injected with the
    // old role, is left to restart.
    let codes: Vec<&str> = api.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["IRSA402"]);
    let expected = |get_policy: usize| {
        let mut m = std::collections::BTreeMap::new();
        m.insert("iam:GetRole", 2);
        m.insert("iam:ListAttachedRolePolicies", 1);
        m.insert("iam:ListRolePolicies", 1);
        if get_policy > 0 {
            m.insert("iam:GetPolicy", get_policy);
            m.insert("iam:GetPolicyVersion", get_policy);
        }
        m
    };
    let mut first = expected(1);
    first.insert("iam:GetRole", 1);
    assert_eq!(calls.counts(), first, "one role, its lists, one new policy");

    // The same role named again, and a role that does not exist: only the missing one is
    // read (IRSA102 without Ctrl-R), once.
    annotate("billing", "invoice", "payments-api-v2");
    annotate("batch", "exporter", "ghost");
    assert!(
        common::eventually(Duration::from_secs(30), || read("ghost")).await,
        "the missing role was never looked up"
    );
    let report = analyze(&store.inventory(), &Settings::default());
    let exporter = report
        .bindings
        .iter()
        .find(|b| b.namespace == "batch" && b.service_account == "exporter")
        .expect("batch/exporter");
    let codes: Vec<&str> = exporter.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"IRSA102"), "{codes:?}");
    // More changes: nothing is read again.
    w.fake.apply(
        "serviceaccounts",
        objects::service_account("batch", "later", None),
    );
    tokio::time::sleep(irsa_tui::sources::aws::follow::DEBOUNCE * 2).await;
    // GetRole once more (the missing role, found missing: no lists), nothing else.
    assert_eq!(calls.counts(), expected(1));
}

/// CloudTrail's events of the last hour, shaped like real ones, for the world's stories.
fn trail_events(provider: &str) -> Vec<(String, Value)> {
    use common::cloudtrail::{denied, other, web_identity};
    let now = irsa_tui::time::now_secs();
    let at = |minutes_ago: i64| irsa_tui::time::rfc3339(now - minutes_ago * 60);
    let region = "us-east-1";
    let mut out = Vec::new();
    let mut push = |e: Value| out.push((region.to_owned(), e));
    // payments/api: sessions that work, then kms:Decrypt and secretsmanager:GetSecretValue
    // denied to them.
    for i in 0..3 {
        push(web_identity(
            &format!("ok-{i}"),
            &at(40 + i),
            region,
            provider,
            Some(("payments", "api")),
            &arn("payments-api"),
            None,
        ));
    }
    for i in 0..4 {
        push(denied(
            &format!("kms-{i}"),
            &at(10 + i),
            region,
            &arn("payments-api"),
            "kms.amazonaws.com",
            "Decrypt",
            Some(&format!(
                "arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )),
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
        ));
    }
    push(denied(
        "secret-0",
        &at(12),
        region,
        &arn("payments-api"),
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        Some(&format!(
            "arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/payments/db-a1B2c3"
        )),
        json!({"secretId": "prod/payments/db"}),
    ));
    // payments/web: its role's trust policy names staging (IRSA203): STS refuses.
    for i in 0..5 {
        push(web_identity(
            &format!("web-{i}"),
            &at(20 + i),
            region,
            provider,
            Some(("payments", "web")),
            &arn("payments-web"),
            Some((
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            )),
        ));
    }
    // payments/worker: a token STS could not verify.
    push(web_identity(
        "worker-0",
        &at(15),
        region,
        provider,
        Some(("payments", "worker")),
        &arn("payments-worker"),
        Some((
            "InvalidIdentityToken",
            "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
        )),
    ));
    // No binding: no ServiceAccount in the token, a role no binding uses.
    push(web_identity(
        "lost-0",
        &at(30),
        region,
        provider,
        None,
        &arn("legacy-batch"),
        Some(("InvalidIdentityToken", "Token expired")),
    ));
    // What the denied-calls scan reads past.
    for i in 0..30 {
        push(other(&format!("noise-{i}"), &at(i), region));
    }
    out
}

/// On a live cluster (fake API server + moto + CloudTrail's stand-in, which throttles
/// every second request), `report` shows the evidence per binding with its explanation:
/// IRSA801 pointing to the trust policy's IRSA203, IRSA802 with the identity evaluator's
/// why, the unattributable event counted; throttling slowed the read and did not fail it.
#[tokio::test(flavor = "multi_thread")]
async fn cloudtrail_evidence_appears_per_binding_with_its_explanation() {
    let w = world_with_trail(
        cluster(),
        true,
        trail_events,
        Behaviour {
            throttle_every: 2,
            ..Behaviour::default()
        },
    )
    .await;
    let (code, r, stderr) = report(&w, &["--since", "2h"]).await;
    assert_eq!(code, 0, "{stderr}");
    let window = &r["evidence"];
    assert_eq!(window["state"], "read", "{window}");
    assert_eq!(
        window["error"],
        Value::Null,
        "throttled, not failed: {window}"
    );
    assert_eq!(window["unattributed"], 1, "{window}");
    assert!(w.trail.throttled() > 0, "the stand-in throttled");
    assert!(
        w.trail
            .asked()
            .iter()
            .any(|(_, name)| name.as_deref() == Some("AssumeRoleWithWebIdentity")),
        "{:?}",
        w.trail.asked()
    );
    let binding = |ns: &str, sa: &str| {
        r["bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| b["namespace"] == ns && b["service_account"] == sa)
            .cloned()
            .unwrap_or_else(|| panic!("{ns}/{sa}"))
    };
    let finding = |b: &Value, code: &str| {
        b["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code} in {b}"))
    };
    let web = binding("payments", "web");
    let f = finding(&web, "IRSA801");
    assert_eq!(f["evidence"]["count"], 5);
    assert_eq!(f["evidence"]["explained_by"], "IRSA203", "{f}");
    assert_eq!(
        web["evidence"]["sts_failures"][0]["error_code"],
        "AccessDenied"
    );
    let worker = binding("payments", "worker");
    assert_eq!(
        finding(&worker, "IRSA801")["evidence"]["error_code"],
        "InvalidIdentityToken"
    );
    let api = binding("payments", "api");
    assert_eq!(api["evidence"]["sessions"], 3);
    let f = finding(&api, "IRSA802");
    assert_eq!(f["evidence"]["count"], 5);
    let denied = api["evidence"]["denied"].as_array().expect("denied calls");
    let kms = denied
        .iter()
        .find(|d| d["action"] == "kms:Decrypt")
        .expect("kms:Decrypt");
    assert_eq!(kms["count"], 4);
    assert_eq!(kms["decision"], "implicit-deny");
    assert!(
        kms["explanation"].as_str().is_some_and(
            |e| e.starts_with("no identity-based policy allows the kms:Decrypt action")
        ),
        "{kms}"
    );
    assert!(
        denied
            .iter()
            .any(|d| d["action"] == "secretsmanager:GetSecretValue")
    );
    let text = r.to_string();
    assert!(
        !text.contains(common::cloudtrail::SESSION_KEY),
        "no access key id"
    );
    assert!(
        !text.contains(common::cloudtrail::SESSION_TOKEN),
        "no session token"
    );

    // The snapshot records the reduced events: --replay shows the same evidence.
    let snap = w._dir.path().join("trail.snapshot.json");
    let snap_arg = snap.to_string_lossy().into_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_irsa-tui"))
        .args([
            "snapshot",
            "-o",
            &snap_arg,
            "--since",
            "2h",
            "--sync-timeout",
            "60",
        ])
        .arg("--kubeconfig")
        .arg(&w.kubeconfig)
        .env("AWS_ENDPOINT_URL", &w.moto.url)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &w.trail.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("KUBECONFIG")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded = std::fs::read_to_string(&snap).expect("the snapshot");
    assert!(!recorded.contains(common::cloudtrail::SESSION_KEY));
    assert!(!recorded.contains(common::cloudtrail::SESSION_TOKEN));
    let (code, replayed, stderr) =
        run_json(&w, &["report", "--fail-on", "never", "--replay", &snap_arg]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(replayed["evidence"]["events"], r["evidence"]["events"]);
    assert_eq!(replayed["bindings"], r["bindings"]);
}

/// CloudTrail refusing LookupEvents degrades to IRSA804, with everything else as without
/// CloudTrail.
#[tokio::test(flavor = "multi_thread")]
async fn cloudtrail_denied_degrades_to_irsa804_with_everything_else_intact() {
    let w = world_with_trail(
        cluster(),
        true,
        trail_events,
        Behaviour {
            denied: true,
            ..Behaviour::default()
        },
    )
    .await;
    let (code, r, stderr) = report(&w, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    let f = r["cluster_findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == "IRSA804")
        .cloned()
        .unwrap_or_else(|| panic!("no IRSA804: {r}"));
    assert_eq!(f["severity"], "info");
    assert!(
        f["detail"]
            .as_str()
            .is_some_and(|d| d.contains("AWS denied cloudtrail:LookupEvents")),
        "{f}"
    );
    assert_eq!(r["evidence"]["state"], "failed");
    let (code, without, stderr) = report(&w, &["--no-cloudtrail"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(without["evidence"]["state"], "skipped");
    assert_eq!(
        r["bindings"], without["bindings"],
        "the bindings as without CloudTrail"
    );
    assert_eq!(r["summary"]["failing"], without["summary"]["failing"]);
}
