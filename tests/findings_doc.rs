//! `docs/findings.md` is the catalog as the code declares it: regenerate it with
//! `cargo run -- explain --markdown > docs/findings.md` when a code's entry changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use assert_cmd::Command;

fn explain(args: &[&str]) -> String {
    let out = Command::cargo_bin("irsa-tui")
        .expect("the binary")
        .arg("explain")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn docs_findings_md_is_what_the_code_generates() {
    let generated = explain(&["--markdown"]);
    let committed = std::fs::read_to_string("docs/findings.md").expect("docs/findings.md");
    assert!(
        committed == generated,
        "docs/findings.md is out of date with the catalog in src/analysis: run \
         `cargo run -- explain --markdown > docs/findings.md` and commit it (first difference \
         at line {})",
        committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(
                committed.lines().count().min(generated.lines().count()),
                |i| i + 1
            )
    );
}

#[test]
fn explain_without_a_code_lists_every_code_once() {
    let list = explain(&[]);
    let codes: Vec<&str> = list
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert!(codes.len() >= 50, "{list}");
    assert!(codes.iter().all(|c| c.starts_with("IRSA") && c.len() == 7));
    let mut unique = codes.clone();
    unique.dedup();
    assert_eq!(unique, codes, "each code once, in order");
    assert!(list.contains("IRSA203  error "), "{list}");
    assert!(list.contains("IRSA103  unknown "), "{list}");
    // Every code listed has its section in the document.
    let doc = explain(&["--markdown"]);
    for code in codes {
        assert!(doc.contains(&format!("\n### {code}\n")), "{code}");
    }
}
