//! `irsa-tui can` and `who-can` end to end on the AWS knowledge-center walkthrough ("why
//! does my IRSA pod get AccessDenied from S3?"): the real binary, a fake Kubernetes API
//! server, and moto holding the roles, their customer-managed, AWS-managed and inline
//! policies and a permissions boundary. The account changes between questions, as it does
//! while someone follows the walkthrough: every run reads it afresh.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;
mod moto;

use std::path::{Path, PathBuf};

use common::fake_kube::{FakeKube, FakeKubeBuilder, objects};
use moto::{ACCOUNT, Moto, trust};
use serde_json::{Value, json};

const NODE: &str = "ip-10-0-1-1.us-east-1.compute.internal";
const S3_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const BUCKET: &str = "arn:aws:s3:::shop-statements";
const STATEMENT_PDF: &str = "arn:aws:s3:::shop-statements/2026/11.pdf";

fn arn(role: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{role}")
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

/// The customer-managed policy of the walkthrough: list the bucket, read its objects.
fn statements_read() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListStatements",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET
            },
            {
                "Sid": "ReadStatements",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": format!("{BUCKET}/*")
            }
        ]
    })
    .to_string()
}

/// Stage one: cluster `prod` and its OIDC provider, `statements-reader` with the
/// customer-managed policy only, and `cut-by-boundary` with S3 read-only under a boundary
/// that allows only CloudWatch Logs.
async fn seed_aws(moto: &Moto) {
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let provider = moto::create_cluster(&config, true).await;
    for (role, sub) in [
        ("statements-reader", "system:serviceaccount:billing:reader"),
        ("cut-by-boundary", "system:serviceaccount:billing:exporter"),
    ] {
        iam.create_role()
            .role_name(role)
            .assume_role_policy_document(trust(&provider, sub, true))
            .send()
            .await
            .expect("role");
    }
    iam.create_policy()
        .policy_name("statements-read")
        .policy_document(statements_read())
        .send()
        .await
        .expect("customer-managed policy");
    iam.attach_role_policy()
        .role_name("statements-reader")
        .policy_arn(policy_arn("statements-read"))
        .send()
        .await
        .expect("attach");

    iam.attach_role_policy()
        .role_name("cut-by-boundary")
        .policy_arn(S3_READ_ONLY)
        .send()
        .await
        .expect("attach");
    let logs_only = json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "LogsOnly", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}]
    });
    iam.create_policy()
        .policy_name("logs-only-boundary")
        .policy_document(logs_only.to_string())
        .send()
        .await
        .expect("boundary policy");
    iam.put_role_permissions_boundary()
        .role_name("cut-by-boundary")
        .permissions_boundary(policy_arn("logs-only-boundary"))
        .send()
        .await
        .expect("boundary");
}

/// Stage two: `statements-reader` also gets AmazonS3ReadOnlyAccess and an inline policy
/// that denies reading old versions of the statements.
async fn widen_and_deny_versions(moto: &Moto) {
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.attach_role_policy()
        .role_name("statements-reader")
        .policy_arn(S3_READ_ONLY)
        .send()
        .await
        .expect("attach");
    let deny = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "NoOldVersions",
            "Effect": "Deny",
            "Action": "s3:GetObjectVersion",
            "Resource": format!("{BUCKET}/*")
        }]
    });
    iam.put_role_policy()
        .role_name("statements-reader")
        .policy_name("no-old-versions")
        .policy_document(deny.to_string())
        .send()
        .await
        .expect("inline policy");
}

fn cluster() -> FakeKubeBuilder {
    FakeKube::builder()
        .namespaces(["billing", "kube-system"])
        .service_accounts([
            objects::service_account("billing", "reader", Some(&arn("statements-reader"))),
            objects::service_account("billing", "exporter", Some(&arn("cut-by-boundary"))),
        ])
        .pods([
            objects::irsa_pod(
                "billing",
                "reader-7c9f8d6b5-abcde",
                "reader",
                &arn("statements-reader"),
            ),
            objects::irsa_pod(
                "billing",
                "exporter-7c9f8d6b5-fghij",
                "exporter",
                &arn("cut-by-boundary"),
            ),
        ])
        .nodes([objects::node(NODE, None)])
        .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
}

struct World {
    fake: FakeKube,
    moto: Moto,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

async fn world() -> World {
    let moto = Moto::start();
    seed_aws(&moto).await;
    world_on(moto, cluster()).await
}

async fn world_on(moto: Moto, cluster: FakeKubeBuilder) -> World {
    let fake = cluster.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = fake.kubeconfig_named(
        dir.path(),
        &format!("arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod"),
    );
    World {
        fake,
        moto,
        _dir: dir,
        kubeconfig,
    }
}

/// Runs `irsa-tui ARGS --kubeconfig … --format json` against the world; returns (exit
/// code, JSON, stderr).
async fn run_json(w: &World, args: &[&str]) -> (i32, Value, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_irsa-tui"));
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&w.kubeconfig)
        .args(["--format", "json", "--sync-timeout", "60"])
        .env("AWS_ENDPOINT_URL", &w.moto.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("KUBECONFIG");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// `can NS/NAME ACTION --resource RESOURCE`: (exit code, the one result, the whole answer).
async fn can(w: &World, binding: &str, action: &str, resource: &str) -> (i32, Value, Value) {
    let (code, v, stderr) = run_json(w, &["can", binding, action, "--resource", resource]).await;
    assert!(code == 0 || code == 1, "can ran: {code} {stderr}");
    assert_eq!(v["binding"], binding, "{v}");
    assert_eq!(v["scope"], "identity", "{v}");
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "one question, one answer: {v}");
    assert_eq!(results[0]["action"], action);
    assert_eq!(results[0]["resource"], resource);
    (code, results[0].clone(), v)
}

/// The `(policy_arn, sid, effect)` of each deciding statement.
fn matched(result: &Value) -> Vec<(String, String, String)> {
    result["matched"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or("").to_owned();
            (s("policy_arn"), s("sid"), s("effect"))
        })
        .collect()
}

/// Every request the fake saw is a GET (list, watch or get): irsa-tui only reads.
fn assert_read_only(fake: &FakeKube) {
    assert_eq!(fake.non_get_requests(), 0, "read-only: GET only");
    let requests = fake.requests();
    assert!(!requests.is_empty(), "the cluster was read");
    assert!(
        Path::new("assets/least-privilege/rbac.yaml").exists(),
        "the shipped RBAC the reads must fit"
    );
    for r in &requests {
        if r.path == "/version" {
            continue;
        }
        let access = r
            .access()
            .unwrap_or_else(|| panic!("unexpected request {r:?}"));
        assert!(
            matches!(access.verb, "list" | "watch" | "get"),
            "a read: {r:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_center_walkthrough_end_to_end() {
    let w = world().await;
    let reader = arn("statements-reader");

    // Step 1: the customer-managed policy alone.
    let (code, r, v) = can(&w, "billing/reader", "s3:ListBucket", BUCKET).await;
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["principal"], reader.as_str());
    assert_eq!(r["decision"], "allowed", "{r}");
    assert_eq!(r["boundary"], "none");
    assert_eq!(
        matched(&r),
        vec![(
            policy_arn("statements-read"),
            "ListStatements".into(),
            "Allow".into()
        )]
    );
    assert_eq!(r["matched"][0]["kind"], "managed");
    assert_eq!(r["matched"][0]["statement"], 0);
    assert_eq!(r["simulated"], Value::Null);

    let (code, r, v) = can(&w, "billing/reader", "s3:GetObject", STATEMENT_PDF).await;
    assert_eq!(code, 0, "{v}");
    assert_eq!(r["decision"], "allowed", "{r}");
    assert_eq!(
        matched(&r),
        vec![(
            policy_arn("statements-read"),
            "ReadStatements".into(),
            "Allow".into()
        )]
    );
    assert_eq!(r["matched"][0]["policy"], "statements-read");
    assert_eq!(r["matched"][0]["statement"], 1);

    let (code, r, v) = can(&w, "billing/reader", "s3:DeleteObject", STATEMENT_PDF).await;
    assert_eq!(code, 1, "{v}");
    assert_eq!(r["decision"], "implicit-deny", "{r}");
    assert_eq!(
        r["reason"],
        "no identity-based policy allows the s3:DeleteObject action"
    );
    assert_eq!(r["matched"], json!([]));

    // Another bucket: not in the customer-managed policy.
    let (code, r, _) = can(
        &w,
        "billing/reader",
        "s3:GetObject",
        "arn:aws:s3:::shop-invoices/2026/11.pdf",
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(r["decision"], "implicit-deny", "{r}");

    // Step 2: AmazonS3ReadOnlyAccess attached, and an inline Deny of old versions.
    widen_and_deny_versions(&w.moto).await;
    let (code, r, v) = can(
        &w,
        "billing/reader",
        "s3:GetObject",
        "arn:aws:s3:::shop-invoices/2026/11.pdf",
    )
    .await;
    assert_eq!(code, 0, "{v}");
    assert_eq!(r["decision"], "allowed", "{r}");
    let by = matched(&r);
    assert_eq!(by.len(), 1, "{by:?}");
    assert_eq!(by[0].0, S3_READ_ONLY, "allowed by the AWS-managed policy");
    assert_eq!(r["matched"][0]["policy"], "AmazonS3ReadOnlyAccess");
    assert_eq!(r["matched"][0]["kind"], "managed");

    // On the statements, both managed policies allow GetObject now.
    let (code, r, _) = can(&w, "billing/reader", "s3:GetObject", STATEMENT_PDF).await;
    assert_eq!(code, 0);
    assert_eq!(r["decision"], "allowed", "{r}");
    let arns: Vec<String> = matched(&r).into_iter().map(|m| m.0).collect();
    assert!(arns.contains(&policy_arn("statements-read")), "{arns:?}");
    assert!(arns.contains(&S3_READ_ONLY.to_owned()), "{arns:?}");

    let (code, r, v) = can(&w, "billing/reader", "s3:GetObjectVersion", STATEMENT_PDF).await;
    assert_eq!(code, 1, "{v}");
    assert_eq!(r["decision"], "explicit-deny", "{r}");
    let reason = r["reason"].as_str().expect("reason");
    assert!(
        reason.contains("explicit deny in an identity-based policy"),
        "{reason}"
    );
    assert_eq!(
        matched(&r),
        vec![(String::new(), "NoOldVersions".into(), "Deny".into())],
        "the Deny that applies, and only it"
    );
    assert_eq!(r["matched"][0]["kind"], "inline");
    assert_eq!(r["matched"][0]["policy"], "no-old-versions");

    // Step 3: a boundary that allows only CloudWatch Logs cuts S3 read-only away.
    let (code, r, v) = can(&w, "billing/exporter", "s3:GetObject", STATEMENT_PDF).await;
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["principal"], arn("cut-by-boundary").as_str());
    assert_eq!(r["decision"], "implicit-deny", "{r}");
    assert_eq!(r["boundary"], "implicit-deny", "{r}");
    assert_eq!(
        r["reason"],
        "no permissions boundary allows the s3:GetObject action"
    );
    let (code, r, _) = can(&w, "billing/exporter", "logs:PutLogEvents", "*").await;
    assert_eq!(code, 1, "the boundary alone grants nothing");
    assert_eq!(r["decision"], "implicit-deny", "{r}");
    assert_eq!(r["boundary"], "allowed", "{r}");

    let (code, report, stderr) = run_json(&w, &["report", "--fail-on", "never"]).await;
    assert_eq!(code, 0, "{stderr}");
    common::schema::assert_valid_report(&report);
    let codes = |sa: &str| -> Vec<String> {
        report["bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["namespace"] == "billing" && b["service_account"] == sa)
            .flat_map(|b| b["findings"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f["code"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(
        codes("exporter").contains(&"IRSA233".to_owned()),
        "{:?}",
        codes("exporter")
    );
    assert!(
        !codes("reader").contains(&"IRSA233".to_owned()),
        "{:?}",
        codes("reader")
    );

    // who-can: the reader, not the exporter whose boundary cuts S3 away.
    let (code, v, stderr) = run_json(
        &w,
        &[
            "who-can",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::shop-statements/x",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["action"], "s3:GetObject");
    assert_eq!(v["resource"], "arn:aws:s3:::shop-statements/x");
    assert_eq!(v["roles_evaluated"], 2, "{v}");
    let principals = v["principals"].as_array().expect("principals");
    let reader_row = principals
        .iter()
        .find(|p| p["binding"] == "billing/reader")
        .unwrap_or_else(|| panic!("billing/reader may read: {v}"));
    assert_eq!(reader_row["decision"], "allowed");
    assert_eq!(reader_row["kind"], "binding");
    assert_eq!(reader_row["role_arn"], reader.as_str());
    assert_eq!(reader_row["pods"], 1);
    assert!(
        principals
            .iter()
            .all(|p| p["binding"] != "billing/exporter"),
        "{v}"
    );

    assert_read_only(&w.fake);
}

/// The role's tags fill `aws:PrincipalTag/KEY`, and a tag the role does not have is absent:
/// as IAM documents, a condition on an absent key is false, except for a negated operator
/// (`StringNotEquals`), which holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn principal_tags_come_from_the_role_and_an_absent_tag_is_absent() {
    let moto = Moto::start();
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let provider = moto::create_cluster(&config, true).await;
    iam.create_role()
        .role_name("tagged")
        .assume_role_policy_document(trust(
            &provider,
            "system:serviceaccount:billing:reader",
            true,
        ))
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("billing")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("role");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TeamReads",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "billing"}}
            },
            {
                "Sid": "NotCostCentre",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalTag/cost-centre": "42"}}
            },
            {
                "Sid": "CostCentre",
                "Effect": "Allow",
                "Action": "s3:DeleteObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/cost-centre": "42"}}
            }
        ]
    });
    iam.put_role_policy()
        .role_name("tagged")
        .policy_name("by-tags")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("inline policy");
    let cluster = FakeKube::builder()
        .namespaces(["billing", "kube-system"])
        .service_accounts([objects::service_account(
            "billing",
            "reader",
            Some(&arn("tagged")),
        )])
        .pods([objects::irsa_pod(
            "billing",
            "reader-7c9f8d6b5-abcde",
            "reader",
            &arn("tagged"),
        )])
        .nodes([objects::node(NODE, None)])
        .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")]);
    let w = world_on(moto, cluster).await;
    let pdf = STATEMENT_PDF;
    let (code, r, v) = can(&w, "billing/reader", "s3:GetObject", pdf).await;
    assert_eq!(code, 0, "{v}");
    assert_eq!(r["decision"], "allowed", "the role's tag team=billing: {r}");
    let (code, r, v) = can(&w, "billing/reader", "s3:PutObject", pdf).await;
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        r["decision"], "allowed",
        "no cost-centre tag: StringNotEquals holds: {r}"
    );
    assert_eq!(r["missing_context"], json!([]));
    let (code, r, v) = can(&w, "billing/reader", "s3:DeleteObject", pdf).await;
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        r["decision"], "implicit-deny",
        "no cost-centre tag: StringEquals fails: {r}"
    );
    assert_read_only(&w.fake);
}
