//! A reader that goes away (`irsa-tui … | head -1`) ends the process quietly: no panic, no
//! error message, and the command's own exit status, as when the output is read whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_irsa-tui");
const ISSUER: &str = "https://oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";
const FIXTURE: &str = "tests/common/fixtures/trust-policy-eksctl.json";

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("NO_COLOR")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// The exit status when standard output is read whole (here: discarded).
fn status_when_read(args: &[&str]) -> Option<i32> {
    let out = command(args).stdout(Stdio::null()).output().expect("runs");
    assert!(
        out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.code()
}

/// Runs `args` with standard output a pipe whose read end is closed after `lines` lines
/// were read; returns the exit status and standard error.
fn with_closed_stdout(args: &[&str], lines: usize) -> (Option<i32>, String) {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut reader = BufReader::new(stdout);
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
    }
    // The read end is closed: the next write gets EPIPE.
    drop(reader);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut err)
        .expect("stderr read");
    let status = child.wait().expect("waited");
    (status.code(), err)
}

fn ends_quietly(args: &[&str]) {
    let expected = status_when_read(args);
    for lines in [0, 1] {
        let (code, err) = with_closed_stdout(args, lines);
        assert_ne!(code, Some(101), "{args:?} panicked: {err}");
        assert_ne!(code, Some(2), "{args:?} failed: {err}");
        assert_eq!(err, "", "{args:?} printed on stderr");
        assert_eq!(code, expected, "{args:?}: the command's own status");
    }
}

#[test]
fn completions_end_quietly() {
    ends_quietly(&["completions", "fish"]);
    ends_quietly(&["completions", "bash"]);
}

#[test]
fn a_large_json_report_ends_quietly() {
    let mut out = Vec::new();
    let mut child = command(&["report", "--demo", "--format", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut out)
        .expect("read");
    child.wait().expect("waited");
    assert!(
        out.len() > 64 << 10,
        "the report outgrows a pipe buffer: {}",
        out.len()
    );
    ends_quietly(&["report", "--demo", "--format", "json"]);
}

#[test]
fn explain_ends_quietly() {
    ends_quietly(&["explain"]);
    ends_quietly(&["explain", "--markdown"]);
}

#[test]
fn can_and_who_can_end_quietly() {
    ends_quietly(&["can", "--demo", "billing/statements-reader", "s3:GetObject"]);
    ends_quietly(&["who-can", "--demo", "s3:GetObject"]);
}

#[test]
fn trust_ends_quietly() {
    ends_quietly(&[
        "trust",
        FIXTURE,
        "--issuer",
        ISSUER,
        "--service-account",
        "staging/s3-writer",
    ]);
}
