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
    // JSON is written as it is serialised: the text of a large cluster's report is never
    // held whole (90 MB at 100,000 pods).
    let written = match (&args.output, format) {
        (Some(path), ReportFormat::Json) => std::fs::File::create(path)
            .and_then(|file| {
                crate::render::json::write(&report, &mut std::io::BufWriter::new(file))
            })
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display()))),
        (None, ReportFormat::Json) => super::output::print_with(|out| {
            crate::render::json::write(&report, &mut std::io::BufWriter::new(out))
        }),
        (Some(path), _) => std::fs::write(path, render(&report, format).as_bytes())
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display()))),
        (None, _) => super::output::print(render(&report, format)),
    };
    if let Err(code) = written {
        return code;
    }
    if reaches(&report, args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
