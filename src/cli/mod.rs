//! The command line: argument parsing and dispatch. Each subcommand lives in its own file.

mod can;
mod dashboard;
mod explain;
mod input;
mod output;
mod report;
mod snapshot;
pub mod source;
mod trust;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub use output::{EXIT_USAGE, fail, use_color};
pub use source::SourceArgs;

/// Cluster-wide IRSA health for Amazon EKS.
#[derive(Debug, Parser)]
#[command(
    name = "irsa-tui",
    version,
    about,
    long_about = None,
    after_help = "Without a command, irsa-tui opens the interactive dashboard (irsa-tui --demo to try it)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub source: source::SourceArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One-shot analysis, printed or written, then exit.
    Report(report::ReportArgs),
    /// Record everything the analysis reads as one versioned file for --replay.
    Snapshot(snapshot::SnapshotArgs),
    /// The catalog entry for a finding code, with fix guidance (every code without one).
    Explain(explain::ExplainArgs),
    /// Offline: would this trust policy let that ServiceAccount's token assume the role?
    Trust(trust::TrustArgs),
    /// May this binding's credentials (its role's session) do ACTION on RESOURCE?
    /// Offline with --policy: the same question over policy documents.
    Can(can::CanArgs),
    /// Every binding, and every node role with the pods that inherit it, allowed to do ACTION.
    #[command(name = "who-can")]
    WhoCan(can::WhoCanArgs),
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // `--log-file` for the dashboard, `report` and `snapshot` alike.
    let reads_cluster = matches!(
        cli.command,
        None | Some(
            Command::Report(_) | Command::Snapshot(_) | Command::Can(_) | Command::WhoCan(_)
        )
    );
    let asks = matches!(cli.command, Some(Command::Can(_) | Command::WhoCan(_)));
    if !asks && let Err(e) = cli.source.check_kube_context_only() {
        return fail(e);
    }
    if reads_cluster
        && let Some(path) = &cli.source.log_file
        && let Err(e) = crate::log::init(path)
    {
        return fail(e);
    }
    match cli.command {
        Some(Command::Trust(args)) => trust::run(&args),
        Some(Command::Report(args)) => report::run(&args, &cli.source),
        Some(Command::Snapshot(args)) => snapshot::run(&args, &cli.source),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Can(args)) => can::run(&args, &cli.source),
        Some(Command::WhoCan(args)) => can::run_who_can(&args, &cli.source),
        Some(Command::Completions { shell }) => {
            // Generated whole first: clap_complete panics on a failed write.
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "irsa-tui", &mut script);
            match output::print(script) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        None => dashboard::run(&cli.source),
    }
}
