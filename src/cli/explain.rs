//! `irsa-tui explain [CODE]`: the catalog entry of a finding code; without one, every code
//! in a line; `--markdown`, the whole catalog as `docs/findings.md` holds it.

use super::output::{fail, print};
use std::process::ExitCode;

use clap::Args;

use crate::analysis::{Code, catalog};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code such as IRSA203; without one, every code with its severity and meaning.
    pub code: Option<String>,
    /// The whole catalog as Markdown (what docs/findings.md holds).
    #[arg(long, conflicts_with = "code")]
    pub markdown: bool,
}

pub fn run(args: &ExplainArgs) -> ExitCode {
    let text = match (&args.code, args.markdown) {
        (_, true) => catalog::markdown(),
        (None, false) => catalog::list(),
        (Some(code), false) => match code.parse::<Code>() {
            Ok(parsed) => catalog::explain(parsed),
            Err(_) => {
                return fail(format!(
                    "unknown finding code {code:?}; `irsa-tui explain` lists them all"
                ));
            }
        },
    };
    match print(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
