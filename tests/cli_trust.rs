//! The `irsa-tui trust` command as a user runs it: exit codes, formats, inputs, errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use assert_cmd::Command;
use predicates::prelude::*;

const ISSUER: &str = "https://oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";
const FIXTURE: &str = "tests/common/fixtures/trust-policy-eksctl.json";

fn trust() -> Command {
    let mut c = Command::cargo_bin("irsa-tui").expect("binary");
    c.arg("trust").env_remove("NO_COLOR");
    c
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

#[test]
fn allowed_exits_zero_with_a_readable_verdict() {
    trust()
        .args([
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "production/s3-writer",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ALLOWED"))
        .stdout(predicate::str::contains(
            "system:serviceaccount:production:s3-writer",
        ))
        // Not a terminal: no escape codes.
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn denied_exits_one_and_json_carries_the_findings() {
    let out = trust()
        .args([
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "staging/s3-writer",
            "--format",
            "json",
            "--account",
            "111122223333",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["decision"], "deny");
    assert!(v["statement"].is_null());
    assert_eq!(v["findings"][0]["code"], "IRSA203");
    assert_eq!(v["findings"][0]["severity"], "error");
    let cond = &v["trace"][0]["conditions"];
    let sub = cond
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["key"].as_str().is_some_and(|k| k.ends_with(":sub")))
        })
        .expect("sub condition in the trace");
    assert_eq!(sub["actual"], "system:serviceaccount:staging:s3-writer");
    assert_eq!(
        sub["expected"][0],
        "system:serviceaccount:production:s3-writer"
    );
    assert_eq!(sub["result"], "false");
    assert!(
        v["findings"][0]["fix"][1]
            .as_str()
            .is_some_and(|c| c.starts_with("aws iam update-assume-role-policy"))
    );
}

#[test]
fn allowed_json_names_the_deciding_statement() {
    let out = trust()
        .args([
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "production/s3-writer",
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["statement"], 0);
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn url_encoded_policy_file() {
    let raw = std::fs::read_to_string(FIXTURE).expect("fixture");
    let encoded: String = raw
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("encoded.txt");
    std::fs::write(&path, encoded).expect("write");
    trust()
        .arg(&path)
        .args([
            "--issuer",
            ISSUER,
            "--service-account",
            "production/s3-writer",
        ])
        .assert()
        .code(0);
}

#[test]
fn policy_from_stdin() {
    let raw = std::fs::read_to_string(FIXTURE).expect("fixture");
    trust()
        .args([
            "-",
            "--issuer",
            ISSUER,
            "--service-account",
            "production/other",
            "--format",
            "json",
        ])
        .write_stdin(raw)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("IRSA204"));
}

#[test]
fn unreadable_file_exits_two_with_one_line() {
    let assert = trust()
        .args([
            "/nonexistent/policy.json",
            "--issuer",
            ISSUER,
            "--service-account",
            "a/b",
        ])
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot read policy file /nonexistent/policy.json"),
        "{err}"
    );
}

#[test]
fn malformed_json_is_a_deny_with_irsa209() {
    trust()
        .args([
            "-",
            "--issuer",
            ISSUER,
            "--service-account",
            "a/b",
            "--format",
            "json",
        ])
        .write_stdin("{\"Version\": \"2012-10-17\", \"Statement\": [ {")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"IRSA209\""));
}

#[test]
fn bad_arguments_exit_two() {
    for args in [
        vec![FIXTURE, "--service-account", "a/b"], // no issuer
        vec![FIXTURE, "--issuer", ISSUER, "--service-account", "nope"], // not NS/NAME
        vec![
            FIXTURE,
            "--issuer",
            "http://insecure/x",
            "--service-account",
            "a/b",
        ],
        vec![
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "a/b",
            "--account",
            "12",
        ],
        vec![
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "a/b",
            "--format",
            "yaml",
        ],
    ] {
        trust()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::is_empty().not());
    }
}

#[test]
fn role_arn_names_the_role_in_the_fix_command() {
    trust()
        .args([
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "staging/s3-writer",
            "--role",
            "arn:aws:iam::111122223333:role/s3-writer",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "aws iam update-assume-role-policy --role-name s3-writer",
        ));
}

/// A policy over `values` of `operator` on the sub key of the issuer above.
fn policy_over(operator: &str, values: &[String]) -> String {
    let provider = ISSUER.trim_start_matches("https://");
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {operator: {format!("{provider}:sub"): values}}
        }]
    })
    .to_string()
}

#[test]
fn input_larger_than_iam_holds_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 10,000 values, the match last; and 1,000 patterns of many '*'.
    let mut many: Vec<String> = (0..9_999)
        .map(|i| format!("system:serviceaccount:ns{i}:sa{i}"))
        .collect();
    many.push("system:serviceaccount:payments:api".into());
    let stars: Vec<String> = (0..1_000)
        .map(|i| format!("system:serviceaccount:*{}:*{i}", "a*".repeat(40)))
        .collect();
    for (name, text) in [
        ("many.json", policy_over("StringEquals", &many)),
        ("stars.json", policy_over("StringLike", &stars)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        let out = trust()
            .arg(&path)
            .args(["--issuer", ISSUER, "--service-account", "payments/api"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("IAM holds at most 4096 in a role trust policy"),
            "{name}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    // A file far larger still is not read whole.
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, "{".repeat(4 << 20)).expect("written");
    trust()
        .arg(&huge)
        .args(["--issuer", ISSUER, "--service-account", "payments/api"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is larger than 1024 KiB"));
}

/// The worst a real trust policy can be (as many many-star patterns as IAM holds, against
/// the longest ServiceAccount name Kubernetes allows) is judged, probes and fix included.
#[test]
fn the_largest_real_trust_policy_is_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("{}b", "a".repeat(252));
    let mut patterns: Vec<String> = Vec::new();
    loop {
        patterns.push(format!(
            "system:serviceaccount:*:*{}c{}",
            "a*".repeat(6),
            patterns.len()
        ));
        if policy_over("StringLike", &patterns).len() > 3_900 {
            patterns.pop();
            break;
        }
    }
    let path = dir.path().join("largest.json");
    std::fs::write(&path, policy_over("StringLike", &patterns)).expect("written");
    let out = trust()
        .arg(&path)
        .args([
            "--issuer",
            ISSUER,
            "--service-account",
            &format!("payments/{name}"),
        ])
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = json_of(&out.stdout);
    assert_eq!(
        v["decision"], "deny",
        "no pattern ends in the name's last letter"
    );
}

#[test]
fn a_key_given_twice_is_irsa209_not_the_last_one_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = ISSUER.trim_start_matches("https://");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
    );
    let path = dir.path().join("twice.json");
    std::fs::write(&path, text).expect("written");
    let out = trust()
        .arg(&path)
        .args([
            "--issuer",
            ISSUER,
            "--service-account",
            "payments/api",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = json_of(&out.stdout);
    assert_eq!(v["findings"][0]["code"], "IRSA209");
    assert!(
        v["findings"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("\"Effect\" twice")),
        "{v}"
    );
}

#[test]
fn a_service_account_kubernetes_would_not_name_is_refused() {
    trust()
        .args([
            FIXTURE,
            "--issuer",
            ISSUER,
            "--service-account",
            "pay$(id)/api",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a valid Kubernetes namespace name",
        ));
}

/// `aws iam get-role` output as the CLI prints it (the trust policy an object) and as the
/// API returns it (a URL-encoded string).
const GET_ROLE: &str = "tests/common/fixtures/get-role-output.json";
const GET_ROLE_ENCODED: &str = "tests/common/fixtures/get-role-output-urlencoded.json";

#[test]
fn get_role_output_is_judged_and_names_its_role() {
    for fixture in [GET_ROLE, GET_ROLE_ENCODED] {
        let raw = std::fs::read_to_string(fixture).expect("fixture");
        // Allowed for the ServiceAccount the policy names, from a file and from stdin.
        trust()
            .args([
                fixture,
                "--issuer",
                ISSUER,
                "--service-account",
                "production/s3-writer",
            ])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("ALLOWED"));
        // Denied for another: the fix names the role and account of the wrapper.
        let out = trust()
            .args([
                "-",
                "--issuer",
                ISSUER,
                "--service-account",
                "staging/s3-writer",
                "--format",
                "json",
            ])
            .write_stdin(raw)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let v = json_of(&out);
        assert_eq!(v["decision"], "deny", "{fixture}");
        assert_eq!(v["findings"][0]["code"], "IRSA203", "{fixture}: {v}");
        let fix = v["findings"][0]["fix"].to_string();
        assert!(
            fix.contains("aws iam update-assume-role-policy --role-name prod-s3-writer"),
            "{fixture}: {fix}"
        );
        assert!(!fix.contains("ACCOUNT_ID"), "{fixture}: {fix}");
        assert!(!fix.contains("ROLE_NAME"), "{fixture}: {fix}");
    }
}

#[test]
fn get_role_wrapper_gives_way_to_role_and_account_options() {
    trust()
        .args([
            GET_ROLE,
            "--issuer",
            ISSUER,
            "--service-account",
            "staging/s3-writer",
            "--role",
            "other-role",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "aws iam update-assume-role-policy --role-name other-role",
        ));
}

#[test]
fn the_inner_role_object_alone_is_judged() {
    let raw = std::fs::read_to_string(GET_ROLE).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    trust()
        .args([
            "-",
            "--issuer",
            ISSUER,
            "--service-account",
            "staging/s3-writer",
        ])
        .write_stdin(v["Role"].to_string())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("IRSA203"))
        .stdout(predicate::str::contains("--role-name prod-s3-writer"));
}

#[test]
fn a_role_without_a_trust_policy_exits_two_with_one_line() {
    let out = trust()
        .args(["-", "--issuer", ISSUER, "--service-account", "a/b"])
        .write_stdin(r#"{"Role": {"RoleName": "x", "AssumeRolePolicyDocument": 42}}"#)
        .assert()
        .code(2)
        .stdout("")
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("irsa-tui: error: "), "{err}");
    assert!(err.contains("AssumeRolePolicyDocument"), "{err}");
}
