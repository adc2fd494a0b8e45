//! `report` and `snapshot` against peers that misbehave (an API server that never answers,
//! drips, sends without end or echoes credentials; a credential plugin that hangs, prints
//! without end or leaks; an AWS endpoint that never answers; a kubeconfig that does not
//! parse near its token): each run finishes and says what it waited for, reads a bounded
//! amount, and never prints a planted secret anywhere (stdout, stderr, the log file).
//!
//! Every wait is asserted as "finished and said X"; the only clock here is a fail-safe
//! that kills a run still going after two minutes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::peers::{Behaviour, Peer, Proxy, kubeconfig_for};

/// A planted secret: it must never be printed.
const CANARY: &str = "CANARYsecretToken0123456789abcdefXYZ";
const FAIL_SAFE: Duration = Duration::from_secs(120);

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    log: String,
    /// The largest resident size seen while it ran, in KiB.
    peak_rss_kib: u64,
}

impl Outcome {
    fn assert_no_canary(&self) {
        for (what, text) in [
            ("stdout", &self.stdout),
            ("stderr", &self.stderr),
            ("log", &self.log),
        ] {
            assert!(!text.contains(CANARY), "the secret is in {what}: {text}");
        }
    }

    fn one_line_error(&self, says: &[&str]) {
        assert_eq!(self.code, 2, "stderr: {}", self.stderr);
        let line = self.stderr.trim_end();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(line.starts_with("irsa-tui: error: "), "{line}");
        for s in says {
            assert!(line.contains(s), "{line:?} should say {s:?}");
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `irsa-tui ARGS` with a log file at trace level, in the background of the runtime.
async fn irsa(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let log = dir.join("irsa.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_irsa-tui"));
    cmd.args(args)
        .arg("--log-file")
        .arg(&log)
        .env("RUST_LOG", "trace")
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", CANARY)
        .env("AWS_REGION", "us-east-1")
        .env("HOME", dir)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("irsa-tui starts");
    let started = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        peak = peak.max(rss_kib(child.id()));
        if started.elapsed() > FAIL_SAFE {
            let _ = child.kill();
            panic!("irsa-tui {args:?} still running after {FAIL_SAFE:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let output = child.wait_with_output().expect("output");
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        log: std::fs::read_to_string(&log).unwrap_or_default(),
        peak_rss_kib: peak,
    }
}

async fn report(dir: &Path, kubeconfig: &Path) -> Outcome {
    let k = kubeconfig.display().to_string();
    irsa(
        dir,
        &[
            "report",
            "--kubeconfig",
            &k,
            "--no-aws",
            "--sync-timeout",
            "5",
            "--format",
            "json",
        ],
        &[],
    )
    .await
}

/// A static token user (the canary as the token).
fn token_user() -> String {
    format!("    token: {CANARY}\n")
}

/// An exec plugin user running `script` (written as an executable file in `dir`).
fn plugin_user(dir: &Path, script: &str) -> String {
    plugin_user_with(dir, script, "      interactiveMode: Never\n")
}

/// An exec plugin user running `script`, its kubeconfig entry ending with `extra`.
fn plugin_user_with(dir: &Path, script: &str, extra: &str) -> String {
    let path = dir.join("plugin.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("plugin written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      args: [\"--token-hint\", \"{CANARY}\"]\n{extra}",
        path.display()
    )
}

fn credential_json() -> String {
    format!(
        r#"{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{{"token":"{CANARY}","expirationTimestamp":"2099-01-01T00:00:00Z"}}}}"#
    )
}

#[tokio::test]
async fn an_api_server_that_never_answers_is_said_within_the_sync_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let peer = Peer::start(Behaviour::Silent).await;
    let out = report(dir.path(), &peer.kubeconfig(dir.path(), &token_user())).await;
    out.one_line_error(&[
        "the Kubernetes API server at",
        "did not answer within 5 s (--sync-timeout)",
    ]);
    out.assert_no_canary();
}

#[tokio::test]
async fn lists_that_never_come_or_drip_fail_the_run_instead_of_passing_it() {
    for behaviour in [Behaviour::VersionThenSilent, Behaviour::Drip] {
        let dir = tempfile::tempdir().expect("tempdir");
        let peer = Peer::start(behaviour).await;
        let out = report(dir.path(), &peer.kubeconfig(dir.path(), &token_user())).await;
        // Never read: not a clean report with exit 0.
        out.one_line_error(&[
            "could not read the cluster's ServiceAccounts",
            "did not finish its initial list within 5 s",
        ]);
        out.assert_no_canary();
    }
}

#[tokio::test]
async fn an_endless_list_is_refused_beyond_a_limit_with_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let peer = Peer::start(Behaviour::Endless).await;
    let k = peer
        .kubeconfig(dir.path(), &token_user())
        .display()
        .to_string();
    let out = irsa(
        dir.path(),
        &[
            "report",
            "--kubeconfig",
            &k,
            "--no-aws",
            "--sync-timeout",
            "20",
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    out.one_line_error(&["could not read the cluster's"]);
    assert!(
        out.stderr.contains("is larger than") || out.log.contains("is larger than"),
        "the limit is named: {}",
        out.stderr
    );
    // Far below what an unbounded read reaches (it grew to 23 GiB before the limit), with
    // every source's list endless at once.
    assert!(
        out.peak_rss_kib < 1024 * 1024,
        "peak RSS {} KiB",
        out.peak_rss_kib
    );
}

#[tokio::test]
async fn a_401_that_echoes_the_credentials_is_reported_without_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let peer = Peer::start(Behaviour::EchoUnauthorized).await;
    // The token comes from an exec plugin: the Authorization header carries it.
    let user = plugin_user(dir.path(), &format!("echo '{}'", credential_json()));
    let out = report(dir.path(), &peer.kubeconfig(dir.path(), &user)).await;
    out.one_line_error(&["unauthorized", "[redacted]"]);
    out.assert_no_canary();
}

#[tokio::test]
async fn a_hung_credential_plugin_is_stopped_and_said() {
    // `interactiveMode` as eksctl and `aws eks update-kubeconfig` write it (IfAvailable, or
    // none): without a terminal the plugin is not interactive and is stopped whole too.
    for mode in [
        "      interactiveMode: Never\n",
        "      interactiveMode: IfAvailable\n",
        "",
    ] {
        a_hung_credential_plugin_is_stopped_and_said_with(mode).await;
    }
}

async fn a_hung_credential_plugin_is_stopped_and_said_with(mode: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let peer = Peer::start(Behaviour::VersionThenSilent).await;
    let pid_file = dir.path().join("plugin.pid");
    let user = plugin_user_with(
        dir.path(),
        &format!(
            "sleep 300 </dev/null >/dev/null 2>&1 & echo $$ $! > {}; wait",
            pid_file.display()
        ),
        mode,
    );
    let out = report(dir.path(), &peer.kubeconfig(dir.path(), &user)).await;
    out.one_line_error(&[
        "the credential plugin",
        "did not answer within 5 s (--sync-timeout)",
    ]);
    out.assert_no_canary();
    // Nothing it started keeps running after irsa-tui gave up on it: neither the plugin
    // nor the `sleep` it started.
    let pids = std::fs::read_to_string(&pid_file).expect("the plugin ran");
    let alive = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    };
    for pid in pids.split_whitespace() {
        // SIGKILL is delivered asynchronously: give the kernel a moment.
        for _ in 0..100 {
            if !alive(pid) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            !alive(pid),
            "process {pid} of the plugin ({mode:?}) still runs"
        );
    }
}

#[tokio::test]
async fn credential_plugins_that_misbehave_never_leak_their_secrets() {
    let cases = [
        // Prints without end.
        (
            "yes CANARY",
            vec!["the credential plugin", "printed more than 1024 KiB"],
        ),
        // Stdout that is not an ExecCredential, the secret in it.
        ("echo \"not json $1 $2\"", vec!["printed no ExecCredential"]),
        // Fails with the secret in its message.
        (
            "echo \"error: token $2 expired (Authorization: Bearer $2)\" >&2; exit 3",
            vec!["failed (exit status: 3"],
        ),
    ];
    for (script, says) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let peer = Peer::start(Behaviour::VersionThenSilent).await;
        let user = plugin_user(dir.path(), &script.replace("CANARY", CANARY));
        let out = report(dir.path(), &peer.kubeconfig(dir.path(), &user)).await;
        out.one_line_error(&says);
        out.assert_no_canary();
    }
}

#[tokio::test]
async fn a_kubeconfig_that_does_not_parse_is_not_quoted() {
    for user in [
        format!("    token: {CANARY}\n    token: {CANARY}-2\n"),
        format!("    token: [{CANARY}\n"),
        format!("    token: {{a: {CANARY}\n"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = kubeconfig_for(dir.path(), "https://127.0.0.1:1", &user);
        let out = report(dir.path(), &k).await;
        out.one_line_error(&["is not a valid kubeconfig", "line "]);
        out.assert_no_canary();
    }
}

/// `report` against a cluster with one annotated ServiceAccount while AWS answers at `aws`:
/// the run, and the reason IRSA603 gives.
async fn report_with_aws_at(aws: &str) -> (Outcome, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = common::fake_kube::FakeKube::builder()
        .service_accounts([common::fake_kube::objects::service_account(
            "payments",
            "api",
            Some("arn:aws:iam::111122223333:role/api"),
        )])
        .start()
        .await;
    let kubeconfig = fake.kubeconfig_named(
        dir.path(),
        "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    );
    let k = kubeconfig.display().to_string();
    let out = irsa(
        dir.path(),
        &[
            "report",
            "--kubeconfig",
            &k,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        &[("AWS_ENDPOINT_URL", aws)],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    let reason = report["cluster_findings"]
        .as_array()
        .expect("cluster findings")
        .iter()
        .find(|f| f["code"] == "IRSA603")
        .and_then(|f| f["evidence"]["reason"].as_str().map(str::to_owned))
        .expect("IRSA603 with a reason");
    (out, reason)
}

#[tokio::test]
async fn an_aws_endpoint_that_never_answers_is_irsa603_within_its_deadline() {
    let silent = Peer::start(Behaviour::Silent).await;
    let (out, reason) = report_with_aws_at(&silent.url()).await;
    assert_eq!(
        reason,
        format!(
            "STS at {} (region us-east-1) did not answer sts:GetCallerIdentity in time: check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint",
            silent.url()
        )
    );
    assert!(
        !reason.contains("DispatchFailure") && !reason.contains("ConnectorError"),
        "{reason}"
    );
    out.assert_no_canary();
    assert!(
        !out.log.contains("AKIAIOSFODNN7EXAMPLE"),
        "access key ids stay out of the log"
    );
}

#[tokio::test]
async fn snapshot_of_a_cluster_never_read_exits_two() {
    let dir = tempfile::tempdir().expect("tempdir");
    let peer = Peer::start(Behaviour::VersionThenSilent).await;
    let k = peer
        .kubeconfig(dir.path(), &token_user())
        .display()
        .to_string();
    let target: PathBuf = dir.path().join("snap.json");
    let t = target.display().to_string();
    let out = irsa(
        dir.path(),
        &[
            "snapshot",
            "--kubeconfig",
            &k,
            "--no-aws",
            "--sync-timeout",
            "5",
            "-o",
            &t,
        ],
        &[],
    )
    .await;
    out.one_line_error(&["could not read the cluster's ServiceAccounts"]);
    assert!(!target.exists(), "no snapshot of nothing");
    out.assert_no_canary();
}

#[tokio::test]
async fn a_kubeconfig_proxy_url_and_the_aws_proxy_variables_are_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = common::fake_kube::FakeKube::builder()
        .service_accounts([common::fake_kube::objects::service_account(
            "payments",
            "api",
            Some("arn:aws:iam::111122223333:role/api"),
        )])
        .start()
        .await;
    let proxy = Proxy::start().await;
    // The kubeconfig's proxy-url (as corporate networks set it).
    let path = dir.path().join("kubeconfig.yaml");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: arn:aws:eks:us-east-1:111122223333:cluster/prod\n  cluster:\n    server: {}\n    proxy-url: {}\ncontexts:\n- name: prod\n  context:\n    cluster: arn:aws:eks:us-east-1:111122223333:cluster/prod\n    user: u\ncurrent-context: prod\nusers:\n- name: u\n  user: {{}}\n",
            fake.url(),
            proxy.url()
        ),
    )
    .expect("written");
    let k = path.display().to_string();
    // AWS through the proxy too: it cannot reach this endpoint and says so at once.
    let out = irsa(
        dir.path(),
        &[
            "report",
            "--kubeconfig",
            &k,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        &[
            ("AWS_ENDPOINT_URL", "http://aws-endpoint.invalid:4566"),
            ("HTTP_PROXY", &proxy.url()),
            ("HTTPS_PROXY", &proxy.url()),
            ("NO_PROXY", ""),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    assert_eq!(
        report["bindings"][0]["service_account"], "api",
        "read through the proxy"
    );
    let asked = proxy.asked();
    assert!(
        asked.iter().any(|a| *a == fake.addr().to_string()),
        "the API server through the proxy: {asked:?}"
    );
    assert!(
        asked.iter().any(|a| a.starts_with("aws-endpoint.invalid")),
        "AWS through the proxy: {asked:?}"
    );
}

#[tokio::test]
async fn an_aws_endpoint_that_sends_without_end_is_refused_beyond_a_limit() {
    let endless = Peer::start(Behaviour::Endless).await;
    let (out, reason) = report_with_aws_at(&endless.url()).await;
    assert!(
        // Which bound comes first depends on how fast the peer sends (a loaded machine may
        // not send 256 MiB within the first call's 20 s): either way, it finished and said so.
        reason.ends_with("the AWS endpoint's answer is larger than 256 MiB; it is not an AWS API")
            || reason.contains("did not answer sts:GetCallerIdentity in time"),
        "{reason}"
    );
    assert!(
        out.peak_rss_kib < 1024 * 1024,
        "peak RSS {} KiB",
        out.peak_rss_kib
    );
}
