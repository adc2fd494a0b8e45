//! Escape sequences planted in cluster values (a window title, OSC 52 clipboard writes, an
//! 8-bit CSI) never reach the terminal through a report: Markdown and HTML show them as
//! `\u{…}`, JSON escapes them and still reads back the exact value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use assert_cmd::Command;
use irsa_tui::analysis::{Settings, analyze};
use irsa_tui::render::{html, json, markdown};

const PLANTED: &str = "vault\u{1b}]0;PWNED\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{9b}31m\u{7f}";

fn planted_demo() -> irsa_tui::inventory::Inventory {
    let mut inv = irsa_tui::sources::demo::inventory().expect("the demo");
    let sa = inv
        .service_accounts
        .iter_mut()
        .find(|s| s.name == "payments-api")
        .expect("payments-api");
    sa.audience = Some(PLANTED.to_owned());
    inv
}

fn assert_no_raw_controls(what: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect();
    assert!(
        raw.is_empty(),
        "{what} carries raw control characters {raw:?}"
    );
}

#[test]
fn every_renderer_shows_escapes_instead_of_sending_them() {
    let report = analyze(&planted_demo(), &Settings::default());
    let md = markdown::render(&report);
    assert_no_raw_controls("markdown", &md);
    assert!(md.contains("\\u{1b}]0;PWNED"), "shown, visibly");
    assert_no_raw_controls("html", &html::render(&report));
    let text = json::render(&report);
    assert_no_raw_controls("json", &text);
    let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let annotations = back["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .find(|b| b["service_account"] == "payments-api")
        .expect("the binding")["annotations"]
        .clone();
    assert_eq!(
        annotations["eks.amazonaws.com/audience"], PLANTED,
        "the exact value"
    );
}

#[test]
fn report_on_a_terminal_path_prints_no_escape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("planted.json");
    std::fs::write(&snapshot, planted_demo().to_snapshot_json()).expect("written");
    for format in ["markdown", "html", "json"] {
        let out = Command::cargo_bin("irsa-tui")
            .expect("binary")
            .args(["report", "--replay"])
            .arg(&snapshot)
            .args(["--format", format, "--fail-on", "never"])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{format}");
        assert_no_raw_controls(format, &String::from_utf8_lossy(&out.stdout));
    }
}
