//! `irsa-tui report`: one-shot analysis, printed or written, then exit.

use super::output::fail;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::analysis::{Report, Settings, Severity, analyze};

use super::source::SourceArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    Error,
    Warning,
    Never,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format (default: markdown on a terminal, json otherwise; with -o, from the
    /// file extension .md/.html/.json).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report there instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

impl ReportFormat {
    fn infer(output: Option<&PathBuf>) -> Self {
        use std::io::IsTerminal;
        match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some("md" | "markdown") => ReportFormat::Markdown,
            Some("html" | "htm") => ReportFormat::Html,
            Some(_) => ReportFormat::Json,
            None if output.is_none() && std::io::stdout().is_terminal() => ReportFormat::Markdown,
            None => ReportFormat::Json,
        }
    }
}

pub fn render(report: &Report, format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => crate::render::json::render(report),
        ReportFormat::Markdown => crate::render::markdown::render(report),
        ReportFormat::Html => crate::render::html::render(report),
    }
}

/// Whether a finding reaches the `--fail-on` threshold.
pub fn reaches(report: &Report, fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Critical => Severity::Critical,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return false,
    };
    report.findings().any(|f| f.severity <= threshold)
}

/// Analyses what `source` names with the settings it gives.
pub fn build(source: &SourceArgs) -> Result<Report, String> {
    let inv = source.load()?;
    let settings = Settings {
        node_baseline: source.node_baseline()?,
        generated_at: crate::time::now(),
    };
    Ok(analyze(&inv, &settings))
}

pub fn run(args: &ReportArgs, source: &SourceArgs) -> ExitCode {
    let report = match build(source) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let format = args
        .format
        .unwrap_or_else(|| ReportFormat::infer(args.output.as_ref()));
    let text = render(&report, format);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text.as_bytes()) {
                return fail(format!("cannot write {}: {e}", path.display()));
            }
        }
        None => {
            if let Err(code) = super::output::print(text) {
                return code;
            }
        }
    }
    if reaches(&report, args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
