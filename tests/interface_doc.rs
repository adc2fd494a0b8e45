//! The user-facing contract stays in step with the binary: every command and long option
//! the help shows, and every report field the schema defines, is in `docs/interface.md`,
//! and the doc's option tables name only real options.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::Value;

const INTERFACE: &str = include_str!("../docs/interface.md");
const SCHEMA: &str = include_str!("../docs/report.schema.json");

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("irsa-tui")
        .expect("binary")
        .args(args)
        .arg("--help")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{args:?} --help");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// The long option each option line of a help text defines (`  -o, --output <FILE>  ...`).
fn long_options(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            // An option line starts with its flags: `--name` or `-x, --name`.
            let rest = match line.strip_prefix('-')? {
                r if r.starts_with('-') => r,
                r => r.get(1..)?.strip_prefix(", -")?,
            };
            let name: String = rest[1..].chars().take_while(|c| is_name_char(*c)).collect();
            (!name.is_empty()).then(|| format!("--{name}"))
        })
        .collect()
}

/// Whether `text` mentions `token` as a whole word (`--context`, not `--context-x`).
fn mentions(text: &str, token: &str) -> bool {
    text.match_indices(token).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + token.len()..].chars().next();
        !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
    })
}

fn documented_commands() -> [(&'static str, Vec<&'static str>); 7] {
    [
        ("irsa-tui", vec![]),
        ("irsa-tui report", vec!["report"]),
        ("irsa-tui snapshot", vec!["snapshot"]),
        ("irsa-tui trust", vec!["trust"]),
        ("irsa-tui explain", vec!["explain"]),
        ("irsa-tui can", vec!["can"]),
        ("irsa-tui who-can", vec!["who-can"]),
    ]
}

#[test]
fn the_option_parser_reads_clap_help() {
    let sample = "Options:\n      --kubeconfig <PATH>  Kubeconfig file\n  -n, --namespace <NS>  \
                  Limit (see --not-an-option)\n  -h, --help  Print help\n  <POLICY>  a file\n";
    assert_eq!(
        long_options(sample),
        BTreeSet::from(["--kubeconfig".into(), "--namespace".into(), "--help".into()])
    );
    assert!(mentions("use `--context NAME`", "--context"));
    assert!(!mentions("use --context-name", "--context"));
}

#[test]
fn every_long_option_of_the_help_is_in_the_interface_doc() {
    let mut all = BTreeSet::new();
    for (what, args) in documented_commands() {
        let options = long_options(&help(&args));
        assert!(options.contains("--help"), "{what}: {options:?}");
        let missing: Vec<&String> = options.iter().filter(|o| !mentions(INTERFACE, o)).collect();
        assert!(
            missing.is_empty(),
            "docs/interface.md does not mention {missing:?} of `{what} --help`"
        );
        all.extend(options);
    }
    for expected in ["--context", "--format", "--fail-on", "--output", "--issuer"] {
        assert!(
            all.contains(expected),
            "{expected} not parsed from the help"
        );
    }
}

#[test]
fn every_command_of_the_help_is_in_the_interface_doc() {
    let top = help(&[]);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.contains(&"report") && commands.contains(&"completions"));
    for c in commands {
        assert!(
            mentions(INTERFACE, &format!("irsa-tui {c}")),
            "docs/interface.md does not show `irsa-tui {c}`"
        );
    }
}

#[test]
fn option_tables_name_only_real_options() {
    let mut real = BTreeSet::new();
    for (_, args) in documented_commands() {
        real.extend(long_options(&help(&args)));
    }
    let mut checked = 0;
    for row in INTERFACE.lines().filter(|l| l.starts_with("| `-")) {
        let first_cell = row.split(" | ").next().unwrap_or_default();
        for (i, _) in first_cell.match_indices("--") {
            let name: String = first_cell[i + 2..]
                .chars()
                .take_while(|c| is_name_char(*c))
                .collect();
            let option = format!("--{name}");
            assert!(
                real.contains(&option),
                "docs/interface.md documents {option}, which irsa-tui does not have"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 15,
        "only {checked} options found in the doc's tables"
    );
}

/// Every property name defined anywhere in the schema.
fn schema_fields(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for v in map.values() {
                schema_fields(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| schema_fields(v, out)),
        _ => {}
    }
}

#[test]
fn every_report_field_of_the_schema_is_in_the_interface_doc() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    let mut fields = BTreeSet::new();
    schema_fields(&schema, &mut fields);
    assert!(fields.contains("oidc_provider_registered") && fields.contains("key_present"));
    let missing: Vec<&String> = fields
        .iter()
        .filter(|f| !INTERFACE.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/interface.md does not describe {missing:?}"
    );
    assert!(INTERFACE.contains("(report.schema.json)"));
    assert!(INTERFACE.contains("(findings.md)"));
    assert!(INTERFACE.contains("irsa-tui/report/v1"));
}

/// `--help` says that no command opens the dashboard, and a command that ignores the
/// cluster options lists them under a heading saying so.
#[test]
fn the_help_says_what_no_command_does_and_where_cluster_options_apply() {
    assert!(help(&[]).contains("Without a command, irsa-tui opens the interactive dashboard"));
    for command in ["explain", "trust"] {
        let text = help(&[command]);
        let heading = text
            .find("Cluster options (the dashboard, report, snapshot, can, who-can; other commands ignore them)")
            .unwrap_or_else(|| panic!("{command} --help:\n{text}"));
        let kubeconfig = text.find("--kubeconfig").expect("still listed");
        assert!(
            kubeconfig > heading,
            "{command}: --kubeconfig under the heading"
        );
    }
}
