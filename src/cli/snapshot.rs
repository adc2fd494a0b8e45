//! `irsa-tui snapshot -o FILE`: record everything the analysis reads, for `--replay`.

use super::output::fail;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::source::SourceArgs;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The snapshot file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(args: &SnapshotArgs, source: &SourceArgs) -> ExitCode {
    let mut inv = match source.load() {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    if inv.captured_at.is_none() {
        inv.captured_at = Some(crate::time::now());
    }
    match std::fs::write(&args.output, inv.to_snapshot_json()) {
        Ok(()) => {
            eprintln!("irsa-tui: snapshot written to {}", args.output.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot write {}: {e}", args.output.display())),
    }
}
