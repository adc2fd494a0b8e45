//! `irsa-tui can` and `irsa-tui who-can` as a user runs them: answers, text and JSON, exit
//! statuses, bad input. Offline documents here; the demo cluster's bindings below.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const READ: &str = "tests/common/fixtures/policy-s3-bucket-read.json";
const READ_ENCODED: &str = "tests/common/fixtures/policy-s3-bucket-read.urlencoded";
const BOUNDARY: &str = "tests/common/fixtures/policy-boundary-no-delete.json";
const OBJECT: &str = "arn:aws:s3:::shop-prod-statements/2026/11.pdf";

fn irsa() -> Command {
    let mut c = Command::cargo_bin("irsa-tui").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

/// The AWS knowledge-center walkthrough: ListBucket on the bucket and GetObject on its
/// objects are allowed, DeleteObject is not — "because no identity-based policy allows the
/// s3:DeleteObject action".
#[test]
fn the_walkthrough_reads_and_cannot_delete() {
    let out = irsa()
        .args(["can", "--policy", READ, "s3:GetObject", "s3:DeleteObject"])
        .args(["--resource", OBJECT, "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["scope"], "identity");
    assert_eq!(v["principal"], Value::Null);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["decision"], "allowed");
    assert_eq!(results[0]["matched"][0]["sid"], "ReadStatements");
    assert_eq!(results[0]["matched"][0]["statement"], 1);
    assert_eq!(results[0]["matched"][0]["kind"], "inline");
    assert_eq!(
        results[0]["matched"][0]["policy"],
        "policy-s3-bucket-read.json"
    );
    assert_eq!(results[0]["boundary"], "none");
    assert_eq!(results[0]["simulated"], Value::Null);
    assert_eq!(results[1]["decision"], "implicit-deny");
    assert_eq!(
        results[1]["reason"],
        "no identity-based policy allows the s3:DeleteObject action"
    );
    assert_eq!(results[1]["matched"], serde_json::json!([]));
}

#[test]
fn all_allowed_exits_zero_and_the_text_marks_the_deciding_lines() {
    irsa()
        .args(["can", "--policy", READ, "s3:ListBucket"])
        .args(["--resource", "arn:aws:s3:::shop-prod-statements"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "✓ s3:ListBucket on arn:aws:s3:::shop-prod-statements: allowed",
        ))
        .stdout(predicate::str::contains(
            "▶   \"Action\": \"s3:ListBucket\",",
        ))
        .stdout(predicate::str::contains(
            "▶   \"Resource\": \"arn:aws:s3:::shop-prod-statements\"",
        ))
        .stdout(predicate::str::contains("scope: identity side only"));
}

#[test]
fn a_url_encoded_document_and_stdin_read_the_same() {
    let ask = |policy: &str, stdin: Option<&str>| {
        let mut c = irsa();
        c.args([
            "can",
            "--policy",
            policy,
            "s3:GetObject",
            "--resource",
            OBJECT,
        ]);
        c.args(["--format", "json"]);
        if let Some(s) = stdin {
            c.write_stdin(std::fs::read_to_string(s).unwrap());
        }
        json_of(&c.assert().code(0).get_output().stdout)
    };
    let plain = ask(READ, None);
    let encoded = ask(READ_ENCODED, None);
    assert_eq!(
        encoded["results"][0]["reason"]
            .as_str()
            .unwrap()
            .replace(".urlencoded", ".json"),
        plain["results"][0]["reason"]
    );
    assert_eq!(encoded["results"][0]["matched"][0]["sid"], "ReadStatements");
    let piped = ask("-", Some(READ));
    assert_eq!(piped["results"][0]["decision"], "allowed");
    assert_eq!(piped["results"][0]["matched"][0]["policy"], "stdin");
}

/// Identity ∩ boundary, and an explicit Deny in the boundary wins over the identity's Allow.
#[test]
fn the_boundary_limits_and_its_deny_wins() {
    let ask = |action: &str, extra: &[&str]| {
        let out = irsa()
            .args(["can", "--policy", READ, "--boundary", BOUNDARY, action])
            .args(["--resource", OBJECT, "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        json_of(&out.stdout)["results"][0].clone()
    };
    // The boundary's TeamOnly Deny depends on the role's tag, which offline nobody gave.
    let unknown = ask("s3:GetObject", &[]);
    assert_eq!(unknown["decision"], "unknown");
    assert_eq!(
        unknown["missing_context"],
        serde_json::json!(["aws:PrincipalTag/team"])
    );
    let team = ["--context", "aws:PrincipalTag/team=finance"];
    let get = ask("s3:GetObject", &team);
    assert_eq!(get["decision"], "allowed");
    assert_eq!(get["boundary"], "allowed");
    let other = ask(
        "s3:GetObject",
        &["--context", "aws:PrincipalTag/team=media"],
    );
    assert_eq!(other["decision"], "explicit-deny");
    assert_eq!(other["matched"][0]["sid"], "TeamOnly");
    assert_eq!(other["matched"][0]["kind"], "boundary");
    assert!(
        other["reason"]
            .as_str()
            .unwrap()
            .contains("explicit deny in a permissions boundary"),
        "{other}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_two() {
    let cases: &[(&[&str], &str)] = &[
        (&["can", "--policy", READ, "s3:Get*"], "is not an action"),
        (&["can", "--policy", READ, "GetObject"], "is not an action"),
        (
            &[
                "can",
                "--policy",
                READ,
                "s3:GetObject",
                "--resource",
                "bucket",
            ],
            "is not an ARN",
        ),
        (
            &["can", "--policy", "/nonexistent.json", "s3:GetObject"],
            "cannot read policy file",
        ),
        (
            &["can", "--policy", "Cargo.toml", "s3:GetObject"],
            "not a policy document",
        ),
        (
            &["can", "--policy", READ, "media/app", "s3:GetObject"],
            "give only actions",
        ),
        (
            &["can", "--policy", READ, "s3:GetObject", "--context", "=x"],
            "KEY=VALUE",
        ),
        (
            &["can", "--policy", READ, "--role", "app", "s3:GetObject"],
            "not a role ARN",
        ),
        (
            &["report", "--demo", "--context", "aws:SourceIp=10.0.0.1"],
            "are for `can` and `who-can`",
        ),
        (&["who-can", "--demo", "s3:*"], "is not an action"),
    ];
    for (args, says) in cases {
        let out = irsa().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn a_serviceaccount_without_a_role_says_so() {
    irsa()
        .args(["can", "--demo", "catalog/image-resizer", "s3:GetObject"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no IAM role"));
    irsa()
        .args(["can", "--demo", "nowhere/nobody", "s3:GetObject"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "there is no ServiceAccount nowhere/nobody",
        ));
}

fn demo_json(args: &[&str], code: i32) -> Value {
    let out = irsa()
        .arg("--demo")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    json_of(&out)
}

/// The knowledge-center walkthrough on the demo's billing/statements-reader.
#[test]
fn a_demo_binding_reads_its_statements_and_cannot_delete_them() {
    let v = demo_json(
        &[
            "can",
            "billing/statements-reader",
            "s3:ListBucket",
            "s3:GetObject",
            "s3:DeleteObject",
        ],
        1,
    );
    assert_eq!(v["binding"], "billing/statements-reader");
    assert_eq!(
        v["principal"],
        "arn:aws:iam::111122223333:role/shop-prod-statements-reader"
    );
    let decisions: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    // `--resource` defaults to `*`: an Allow naming some resources applies.
    assert_eq!(decisions, ["allowed", "allowed", "implicit-deny"]);
    assert_eq!(
        v["results"][1]["matched"][0]["policy_arn"],
        "arn:aws:iam::111122223333:policy/shop-prod-statements-read"
    );
    assert_eq!(v["results"][1]["matched"][0]["kind"], "managed");
}

#[test]
fn an_explicit_deny_and_a_boundary_decide_on_the_demo() {
    let cleaner = demo_json(
        &[
            "can",
            "media/media-cleaner",
            "s3:DeleteObject",
            "--resource",
            "arn:aws:s3:::shop-prod-media/tmp/a.jpg",
        ],
        1,
    );
    let r = &cleaner["results"][0];
    assert_eq!(r["decision"], "explicit-deny");
    assert_eq!(r["matched"][0]["sid"], "NoDeletes");
    assert_eq!(r["matched"][0]["effect"], "Deny");
    let exporter = demo_json(
        &[
            "can",
            "reporting/report-exporter",
            "athena:StartQueryExecution",
        ],
        1,
    );
    let r = &exporter["results"][0];
    assert_eq!(r["decision"], "implicit-deny");
    assert_eq!(r["boundary"], "implicit-deny");
    assert_eq!(
        r["reason"],
        "no permissions boundary allows the athena:StartQueryExecution action"
    );
}

#[test]
fn who_can_names_the_bindings_and_the_node_roles_that_inherit_it() {
    let v = demo_json(
        &[
            "who-can",
            "s3:DeleteObject",
            "--resource",
            "arn:aws:s3:::shop-prod-media/tmp/x",
        ],
        0,
    );
    assert_eq!(v["action"], "s3:DeleteObject");
    let principals = v["principals"].as_array().unwrap();
    let allowed: Vec<&Value> = principals
        .iter()
        .filter(|p| p["decision"] == "allowed")
        .collect();
    // Allowed first, then unknown.
    let first_unknown = principals
        .iter()
        .position(|p| p["decision"] == "unknown")
        .unwrap();
    assert_eq!(first_unknown, allowed.len());
    let names: Vec<&str> = allowed
        .iter()
        .filter_map(|p| p["binding"].as_str())
        .collect();
    assert!(names.contains(&"ci/gitlab-runner"), "{names:?}");
    // The media cleaner itself is denied (its own Deny), so it is not listed.
    assert!(
        !principals
            .iter()
            .any(|p| p["binding"] == "media/media-cleaner")
    );
    let node = allowed
        .iter()
        .find(|p| p["kind"] == "node-role")
        .expect("a node role");
    assert_eq!(node["binding"], Value::Null);
    assert!(node["pods"].as_u64().unwrap() > 0);
    assert_eq!(node["matched"][0]["policy"], "AmazonS3FullAccess");
}

/// `--replay`: a snapshot records the documents, so it answers as the cluster did; a
/// snapshot written before documents were recorded answers `unknown`, never a guess.
#[test]
fn a_snapshot_answers_as_its_cluster_and_an_old_one_says_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    irsa()
        .args(["snapshot", "--demo", "-o"])
        .arg(&snap)
        .assert()
        .code(0);
    let ask = |file: &std::path::Path| {
        let out = irsa()
            .arg("--replay")
            .arg(file)
            .args(["can", "media/media-cleaner", "s3:DeleteObject"])
            .args([
                "--resource",
                "arn:aws:s3:::shop-prod-media/tmp/a",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        json_of(&out.stdout)["results"][0].clone()
    };
    assert_eq!(ask(&snap)["decision"], "explicit-deny");
    // The same snapshot as an older irsa-tui wrote it: no documents.
    let mut old: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let removed = old.as_object_mut().unwrap().remove("managed_policies");
    assert!(removed.is_some(), "the snapshot records the documents");
    let old_file = dir.path().join("old.json");
    std::fs::write(&old_file, serde_json::to_string(&old).unwrap()).unwrap();
    let r = ask(&old_file);
    assert_eq!(r["decision"], "unknown", "{r}");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("not in the inventory"),
        "{r}"
    );
}
