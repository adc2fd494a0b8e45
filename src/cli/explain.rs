//! `irsa-tui explain CODE`: the catalog entry of a finding code.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use crate::analysis::{Code, explain};

pub fn text(code: Code) -> Option<String> {
    let e = explain(code)?;
    let severity = code
        .severity()
        .map_or("— (makes the status unknown)", |s| s.as_str());
    let mut out = String::new();
    let _ = writeln!(out, "{code}  {severity}");
    let _ = writeln!(out, "{}", code.summary());
    let _ = writeln!(out);
    let _ = writeln!(out, "Why: {}", e.why);
    let _ = writeln!(out);
    let _ = writeln!(out, "Fix: {}", e.fix);
    Some(out)
}

pub fn run(code: &str) -> ExitCode {
    let Ok(parsed) = code.parse::<Code>() else {
        return super::fail(format!(
            "unknown finding code {code:?}; codes are IRSA101 to IRSA704 (see `irsa-tui explain IRSA203`)"
        ));
    };
    match text(parsed) {
        Some(t) => {
            let _ = std::io::stdout().write_all(t.as_bytes());
            ExitCode::SUCCESS
        }
        None => super::fail(format!("{parsed} has no catalog entry")),
    }
}
