//! The JSON report, as the real binary prints it, matches the published schema
//! `docs/report.schema.json`; and the schema is strict enough to refuse what the report
//! never contains.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use assert_cmd::Command;
use common::schema::{REPORT_SCHEMA, assert_valid_report, report_errors};
use serde_json::{Value, json};

fn irsa() -> Command {
    let mut c = Command::cargo_bin("irsa-tui").expect("binary");
    c.env_remove("IRSA_TUI_CONFIG");
    c
}

/// `irsa-tui ARGS --format json --fail-on never`, parsed.
fn json_report(args: &[&str]) -> Value {
    let out = irsa()
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"))
}

fn demo_report() -> Value {
    json_report(&["report", "--demo"])
}

/// A snapshot of the demo cluster, written by `irsa-tui snapshot --demo -o FILE`.
fn demo_snapshot() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    irsa()
        .args(["snapshot", "--demo", "-o"])
        .arg(dir.path().join("snapshot.json"))
        .assert()
        .success();
    dir
}

fn replay_report(dir: &tempfile::TempDir, extra: &[&str]) -> Value {
    let path = dir.path().join("snapshot.json");
    let path = path.to_str().expect("UTF-8 temp path");
    let mut args = vec!["report", "--replay", path];
    args.extend_from_slice(extra);
    json_report(&args)
}

fn bindings(report: &Value) -> &Vec<Value> {
    report["bindings"].as_array().expect("bindings")
}

/// Every statement trace of every binding's trust evaluation.
fn traces(report: &Value) -> impl Iterator<Item = &Value> {
    bindings(report)
        .iter()
        .filter_map(|b| b["trust"]["trace"].as_array())
        .flatten()
}

#[test]
fn the_schema_is_a_draft_2020_12_schema() {
    let schema: Value = serde_json::from_str(REPORT_SCHEMA).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("docs/report.schema.json is not a valid draft 2020-12 schema: {e}");
    }
    assert_eq!(
        schema["properties"]["schema"]["const"], "irsa-tui/report/v1",
        "the schema describes v1"
    );
}

#[test]
fn the_demo_report_matches_the_schema() {
    let report = demo_report();
    assert_valid_report(&report);
    // The demo exercises the optional parts of the schema, so each was checked above.
    let b = bindings(&report);
    assert!(b.iter().any(|b| b["trust"].is_object()), "a trust view");
    assert!(
        b.iter().any(|b| b["trust"].is_null()),
        "a binding without one"
    );
    assert!(
        b.iter().any(|b| b["pod_identity_association"].is_object()),
        "a Pod Identity association"
    );
    assert!(
        b.iter()
            .any(|b| b["annotations"].as_object().is_some_and(|a| !a.is_empty())),
        "annotations"
    );
    for value in [json!("yes"), json!("denied"), json!("unknown"), Value::Null] {
        assert!(
            b.iter().any(|b| b["assumes"] == value),
            "a binding whose assumes is {value}"
        );
    }
    assert!(
        b.iter()
            .flat_map(|b| b["findings"].as_array().into_iter().flatten())
            .any(|f| f["pod"].is_string()),
        "a pod finding"
    );
    assert!(
        traces(&report).any(|t| t["problems"].is_array()),
        "a statement with problems"
    );
    assert!(
        traces(&report)
            .flat_map(|t| t["conditions"].as_array().into_iter().flatten())
            .any(|c| c["actual"].is_null()),
        "a condition on a key the token does not carry"
    );
    assert!(
        report["node_roles"]
            .as_array()
            .expect("node roles")
            .iter()
            .any(|n| n["pods_without_irsa_count"].as_u64() > Some(0)),
        "a node role with pods that inherit it"
    );
    assert!(
        !report["cluster_findings"]
            .as_array()
            .expect("cluster findings")
            .is_empty()
    );
}

#[test]
fn replayed_reports_match_the_schema() {
    let dir = demo_snapshot();
    let all = replay_report(&dir, &[]);
    assert_valid_report(&all);
    let mut demo = demo_report();
    demo["generated_at"] = all["generated_at"].clone();
    assert_eq!(all, demo, "a replay of the demo gives the demo's report");

    let payments = replay_report(&dir, &["-n", "payments"]);
    assert_valid_report(&payments);
    let b = bindings(&payments);
    assert!(!b.is_empty(), "the demo has bindings in payments");
    assert!(b.iter().all(|b| b["namespace"] == "payments"));
    assert!(b.len() < bindings(&all).len());
}

/// `report` with one change, and the schema's complaints about it.
fn errors_after(report: &Value, change: impl FnOnce(&mut Value)) -> Vec<String> {
    assert!(
        report_errors(report).is_empty(),
        "the unchanged report is valid"
    );
    let mut changed = report.clone();
    change(&mut changed);
    report_errors(&changed)
}

/// The first binding whose trust trace has a condition.
fn first_condition(report: &mut Value) -> &mut Value {
    bindings(report)
        .iter()
        .position(|b| {
            b["trust"]["trace"]
                .as_array()
                .is_some_and(|t| t.iter().any(|s| s["conditions"][0].is_object()))
        })
        .and_then(|i| {
            report["bindings"][i]["trust"]["trace"]
                .as_array_mut()?
                .iter_mut()
                .find(|s| s["conditions"][0].is_object())
        })
        .map(|s| &mut s["conditions"][0])
        .expect("a condition in the demo's traces")
}

/// One change to a report.
type Change = Box<dyn FnOnce(&mut Value)>;

#[test]
fn the_schema_refuses_what_the_report_never_contains() {
    // What is changed, a string the error must contain (its path or the field), the change.
    let cases: Vec<(&str, &str, Change)> = vec![
        (
            "an unknown status",
            "/bindings/0/status",
            Box::new(|r| r["bindings"][0]["status"] = json!("broken")),
        ),
        (
            "an unknown node-role status",
            "/node_roles/0/status",
            Box::new(|r| r["node_roles"][0]["status"] = json!("degraded")),
        ),
        (
            "an unknown severity",
            "/cluster_findings/0/severity",
            Box::new(|r| r["cluster_findings"][0]["severity"] = json!("fatal")),
        ),
        (
            "an unknown assumes value",
            "/bindings/0/assumes",
            Box::new(|r| r["bindings"][0]["assumes"] = json!("maybe")),
        ),
        (
            "an unknown mechanism",
            "/bindings/0/mechanism",
            Box::new(|r| r["bindings"][0]["mechanism"] = json!("kiam")),
        ),
        (
            "a malformed code",
            "/bindings/0/findings/0/code",
            Box::new(|r| r["bindings"][0]["findings"][0]["code"] = json!("IRSA20")),
        ),
        (
            "another schema",
            "/schema",
            Box::new(|r| r["schema"] = json!("irsa-tui/report/v2")),
        ),
        (
            "a time that is not RFC 3339",
            "/generated_at",
            Box::new(|r| r["generated_at"] = json!("yesterday")),
        ),
        (
            "a missing required field",
            "oidc_issuer",
            Box::new(|r| {
                r["cluster"]
                    .as_object_mut()
                    .expect("cluster")
                    .remove("oidc_issuer");
            }),
        ),
        (
            "a missing binding field",
            "\"status\" is a required property",
            Box::new(|r| {
                r["bindings"][0]
                    .as_object_mut()
                    .expect("binding")
                    .remove("status");
            }),
        ),
        (
            "an extra top-level field",
            "verdict",
            Box::new(|r| r["verdict"] = json!("fine")),
        ),
        (
            "an extra finding field",
            "url",
            Box::new(|r| r["cluster_findings"][0]["url"] = json!("https://example.com")),
        ),
        (
            "an extra pod field",
            "age",
            Box::new(|r| r["bindings"][0]["pods"][0]["age"] = json!("3d")),
        ),
        (
            "an unknown annotation",
            "example.com/x",
            Box::new(|r| r["bindings"][0]["annotations"]["example.com/x"] = json!("y")),
        ),
        (
            "a negative count",
            "/summary/findings/error",
            Box::new(|r| r["summary"]["findings"]["error"] = json!(-1)),
        ),
        (
            "a decision that is not allow or deny",
            "/trust/decision",
            Box::new(|r| {
                let i = bindings(r)
                    .iter()
                    .position(|b| b["trust"].is_object())
                    .expect("a trust view");
                r["bindings"][i]["trust"]["decision"] = json!("maybe");
            }),
        ),
        (
            "a trust view that is not an object",
            "/bindings/0/trust",
            Box::new(|r| r["bindings"][0]["trust"] = json!("allow")),
        ),
        (
            "an extra Pod Identity association field",
            "tags",
            Box::new(|r| {
                let i = bindings(r)
                    .iter()
                    .position(|b| b["pod_identity_association"].is_object())
                    .expect("an association");
                r["bindings"][i]["pod_identity_association"]["tags"] = json!({});
            }),
        ),
        (
            "a condition result that is not a tri-state string",
            "/conditions/0/result",
            Box::new(|r| first_condition(r)["result"] = json!(true)),
        ),
        (
            "a condition's actual value that is a number",
            "/conditions/0/actual",
            Box::new(|r| first_condition(r)["actual"] = json!(42)),
        ),
        (
            "an empty problems list (absent when empty)",
            "/trace/0/problems",
            Box::new(|r| {
                let i = bindings(r)
                    .iter()
                    .position(|b| b["trust"]["trace"][0].is_object())
                    .expect("a trace");
                r["bindings"][i]["trust"]["trace"][0]["problems"] = json!([]);
            }),
        ),
    ];
    let demo = demo_report();
    for (what, needle, change) in cases {
        let errors = errors_after(&demo, change);
        assert!(!errors.is_empty(), "{what}: accepted by the schema");
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{what}: no error mentions {needle:?}: {errors:?}"
        );
    }
}

#[test]
fn finding_evidence_is_free_form() {
    let errors = errors_after(&demo_report(), |r| {
        r["cluster_findings"][0]["evidence"] = json!({"anything": [1, {"nested": null}]});
    });
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
#[should_panic(expected = "does not match docs/report.schema.json")]
fn assert_valid_report_fails_an_invalid_report() {
    assert_valid_report(&json!({"schema": "irsa-tui/report/v1"}));
}

/// A dashboard export under `:ns` carries a `scope` (additive): the schema takes it, and
/// refuses one that is not what irsa-tui writes.
#[test]
fn a_scoped_report_matches_the_schema() {
    let report = demo_report();
    let errors = errors_after(&report, |r| {
        if let Some(o) = r.as_object_mut() {
            o.insert(
                "scope".into(),
                json!({"namespaces": ["payments"], "namespaces_total": 34}),
            );
        }
    });
    assert!(errors.is_empty(), "{errors:?}");
    let errors = errors_after(&report, |r| {
        r["scope"] = json!({"namespaces": "payments"});
    });
    assert!(errors.iter().any(|e| e.contains("scope")), "{errors:?}");
}
