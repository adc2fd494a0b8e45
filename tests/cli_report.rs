//! `report`, `snapshot` and `explain` as a user runs them, including every error path.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn irsa() -> Command {
    let mut c = Command::cargo_bin("irsa-tui").expect("binary");
    c.env_remove("IRSA_TUI_CONFIG");
    c
}

fn json_report(args: &[&str]) -> (Value, i32) {
    let out = irsa().args(args).output().expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v, code)
}

/// The report without its time stamp.
fn without_time(mut v: Value) -> Value {
    v["generated_at"] = Value::Null;
    v
}

fn one_line_error(assert: assert_cmd::assert::Assert, needle: &str) {
    let out = assert.code(2).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn demo_report_json_follows_the_schema() {
    let (v, code) = json_report(&["report", "--demo", "--format", "json"]);
    assert_eq!(code, 1, "the demo has errors, default --fail-on error");
    assert_eq!(v["schema"], "irsa-tui/report/v1");
    assert_eq!(v["cluster"]["name"], "shop-prod");
    for key in ["bindings", "ok", "warning", "failing", "unknown"] {
        assert!(v["summary"][key].is_u64(), "summary.{key}");
    }
    let bindings = v["bindings"].as_array().expect("bindings");
    assert_eq!(
        v["summary"]["bindings"].as_u64(),
        Some(bindings.len() as u64)
    );
    // Sorted by status (failing first), then namespace, then name.
    let rank = |s: &str| {
        ["failing", "unknown", "warning", "ok"]
            .iter()
            .position(|x| *x == s)
            .expect("status")
    };
    let keys: Vec<(usize, String, String)> = bindings
        .iter()
        .map(|b| {
            (
                rank(b["status"].as_str().unwrap_or("")),
                b["namespace"].as_str().unwrap_or("").to_owned(),
                b["service_account"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for b in bindings {
        assert!(
            ["irsa", "pod-identity", "both", "none"]
                .contains(&b["mechanism"].as_str().unwrap_or(""))
        );
        for f in b["findings"].as_array().expect("findings") {
            assert!(f["code"].as_str().is_some_and(|c| c.starts_with("IRSA")));
            assert!(
                ["critical", "error", "warning", "info"]
                    .contains(&f["severity"].as_str().unwrap_or(""))
            );
            assert!(f["fix"].is_array() && f["evidence"].is_object());
        }
    }
}

#[test]
fn json_is_stable_apart_from_generated_at() {
    let (a, _) = json_report(&["report", "--demo", "--format", "json"]);
    let (b, _) = json_report(&["report", "--demo", "--format", "json"]);
    assert_eq!(without_time(a), without_time(b));
}

#[test]
fn fail_on_thresholds() {
    irsa()
        .args(["report", "--demo", "--format", "json", "--fail-on", "never"])
        .assert()
        .code(0);
    irsa()
        .args([
            "report",
            "--demo",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ])
        .assert()
        .code(1);
    irsa()
        .args([
            "report",
            "--demo",
            "--format",
            "json",
            "--fail-on",
            "sometimes",
        ])
        .assert()
        .code(2);
}

#[test]
fn output_format_follows_the_file_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("r.md");
    let html = dir.path().join("r.html");
    irsa()
        .args(["report", "--demo", "--fail-on", "never", "-o"])
        .arg(&md)
        .assert()
        .code(0)
        .stdout("");
    irsa()
        .args(["report", "--demo", "--fail-on", "never", "-o"])
        .arg(&html)
        .assert()
        .code(0);
    let md = std::fs::read_to_string(md).expect("markdown written");
    assert!(
        md.starts_with('#') && md.contains("shop-prod"),
        "{}",
        &md[..md.len().min(200)]
    );
    let html = std::fs::read_to_string(html).expect("html written");
    assert!(html.contains("<html") && html.contains("shop-prod"));
}

#[test]
fn snapshot_then_replay_gives_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap.json");
    irsa()
        .args(["snapshot", "--demo", "-o"])
        .arg(&snap)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&snap).expect("snapshot written");
    assert!(text.contains("\"schema\": \"irsa-tui/snapshot/v1\""));
    let (demo, _) = json_report(&["report", "--demo", "--format", "json"]);
    let replay_arg = snap.to_string_lossy().to_string();
    let (replayed, _) = json_report(&["report", "--replay", &replay_arg, "--format", "json"]);
    assert_eq!(without_time(demo), without_time(replayed));
}

#[test]
fn namespace_filter_limits_the_report() {
    let (v, _) = json_report(&["report", "--demo", "--format", "json", "-n", "payments"]);
    let bindings = v["bindings"].as_array().expect("bindings");
    assert!(!bindings.is_empty());
    assert!(bindings.iter().all(|b| b["namespace"] == "payments"));
}

#[test]
fn replay_errors_exit_two_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    one_line_error(
        irsa()
            .args(["report", "--replay", "/nonexistent/snap.json"])
            .assert(),
        "cannot read snapshot",
    );
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{ not json").expect("write");
    one_line_error(
        irsa().args(["report", "--replay"]).arg(&corrupt).assert(),
        "not a snapshot file",
    );
    let old = dir.path().join("old.json");
    std::fs::write(&old, r#"{"schema": "irsa-tui/snapshot/v0"}"#).expect("write");
    one_line_error(
        irsa().args(["report", "--replay"]).arg(&old).assert(),
        "irsa-tui/snapshot/v1",
    );
    one_line_error(
        irsa()
            .args(["snapshot", "--replay"])
            .arg(&old)
            .args(["-o", "/tmp/x.json"])
            .assert(),
        "schema",
    );
}

#[test]
fn unwritable_output_exits_two() {
    one_line_error(
        irsa()
            .args(["report", "--demo", "-o", "/nonexistent/dir/r.json"])
            .assert(),
        "cannot write /nonexistent/dir/r.json",
    );
}

#[test]
fn explain_prints_the_catalog_entry() {
    irsa()
        .args(["explain", "IRSA203"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("IRSA203  error"))
        .stdout(predicate::str::contains("namespace"))
        .stdout(predicate::str::contains("Fix:"));
    irsa()
        .args(["explain", "irsa103"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unknown"));
    one_line_error(
        irsa().args(["explain", "IRSA999"]).assert(),
        "unknown finding code",
    );
}

#[test]
fn node_baseline_is_configurable() {
    let (default, _) = json_report(&["report", "--demo", "--format", "json", "--fail-on", "never"]);
    let count501 = |v: &Value| {
        v["node_roles"].as_array().map_or(0, |n| {
            n.iter()
                .flat_map(|r| r["findings"].as_array().cloned().unwrap_or_default())
                .filter(|f| f["code"] == "IRSA501")
                .count()
        })
    };
    assert!(
        count501(&default) > 0,
        "the demo has a node role with extras"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.json");
    std::fs::write(
        &cfg,
        r#"{"node_baseline": ["AmazonEKSWorkerNodePolicy","AmazonEKS_CNI_Policy","AmazonEC2ContainerRegistryReadOnly","AmazonS3FullAccess","AmazonEC2ContainerRegistryPullOnly"]}"#,
    )
    .expect("write");
    let cfg_arg = cfg.to_string_lossy().to_string();
    let (allowed, _) = json_report(&[
        "report",
        "--demo",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--config",
        &cfg_arg,
    ]);
    assert!(count501(&allowed) < count501(&default));
}

#[test]
fn a_snapshot_field_of_the_wrong_type_is_named_by_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("demo.json");
    irsa()
        .args(["snapshot", "--demo", "-o"])
        .arg(&snapshot)
        .assert()
        .code(0);
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("read")).expect("json");
    v["pods"][3]["containers"][0]["name"] = Value::Null;
    std::fs::write(&snapshot, v.to_string()).expect("written");
    one_line_error(
        irsa().args(["report", "--replay"]).arg(&snapshot).assert(),
        "at pods[3].containers[0].name: invalid type: null, expected a string",
    );
}

/// `-n`: node roles appear only as far as they reach the pods of those namespaces, so a
/// node role the namespace never runs on neither shows nor fails the run.
#[test]
fn namespaces_scope_the_node_roles_too() {
    let out = assert_cmd::Command::cargo_bin("irsa-tui")
        .unwrap()
        .args([
            "report",
            "--demo",
            "-n",
            "payments",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let roles: Vec<&str> = r["node_roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["role_arn"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 1, "{roles:?}");
    assert!(roles[0].contains("nodegroup-general"), "{roles:?}");
    assert!(
        r["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["namespace"] == "payments")
    );
}

/// The JSON keeps `fix` an array of strings, and says how its entries go together
/// (`fix_kind`) and which account's credentials an entry needs (`fix_accounts`).
#[test]
fn json_fixes_say_their_kind_and_the_accounts_they_need() {
    let (v, _) = json_report(&["report", "--demo", "--format", "json"]);
    let finding = |key: &str, code: &str| -> Value {
        let b = v["bindings"]
            .as_array()
            .expect("bindings")
            .iter()
            .find(|b| {
                format!(
                    "{}/{}",
                    b["namespace"].as_str().unwrap(),
                    b["service_account"].as_str().unwrap()
                ) == key
            })
            .unwrap_or_else(|| panic!("{key}"));
        b["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{code} on {key}"))
            .clone()
    };
    let irsa104 = finding("catalog/image-resizer", "IRSA104");
    assert_eq!(irsa104["fix_kind"], "steps");
    assert_eq!(irsa104["fix"].as_array().map(Vec::len), Some(2));
    assert!(
        irsa104["fix"][0]
            .as_str()
            .unwrap()
            .starts_with("kubectl annotate serviceaccount")
    );
    assert!(
        irsa104["fix"][1]
            .as_str()
            .unwrap()
            .starts_with("kubectl rollout restart")
    );
    assert!(irsa104.get("fix_accounts").is_none(), "no other account");
    let irsa301 = finding("analytics/warehouse-loader", "IRSA301");
    assert_eq!(irsa301["fix_kind"], "steps");
    assert_eq!(irsa301["fix_accounts"], serde_json::json!(["222233334444"]));
    let irsa103 = finding("analytics/partner-export", "IRSA103");
    assert_eq!(irsa103["fix_accounts"], serde_json::json!(["444455556666"]));
}

/// Markdown and HTML number the steps of a fix, and name the account a step needs.
#[test]
fn markdown_and_html_number_the_steps_of_a_fix() {
    let out = irsa()
        .args(["report", "--demo", "--format", "markdown"])
        .output()
        .expect("runs");
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        md.contains(
            "**Fix**, 2 steps in order:\n\n1. ```sh\n   kubectl annotate serviceaccount -n catalog image-resizer "
        ),
        "IRSA104 numbered"
    );
    assert!(
        md.contains("--overwrite\n   ```\n\n2. ```sh\n   kubectl rollout restart deployment/image-resizer -n catalog\n   ```\n"),
        "step 2"
    );
    assert!(md.contains("In account `222233334444`: with that account's credentials"));
    let out = irsa()
        .args(["report", "--demo", "--format", "html"])
        .output()
        .expect("runs");
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        html.contains(
            "<h4>Fix <span class=\"muted\">(2 steps, in order)</span></h4>\n<ol class=\"fix-steps\">\n<li>\n<div class=\"code\"><pre class=\"fix\" data-lang=\"shell\">kubectl annotate serviceaccount -n catalog image-resizer "
        ),
        "IRSA104 numbered in HTML"
    );
    assert!(html.contains("<p class=\"fix-account\">In account <code>222233334444</code>"));
}
