//! Where the dashboard's data comes from, as the header says it.

use std::path::PathBuf;

use crate::cli::SourceArgs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The embedded demo cluster (`--demo`).
    Demo,
    /// A snapshot file (`--replay FILE`).
    Replay(PathBuf),
    /// Watchers on a cluster and reads of its AWS account.
    Live,
}

impl Origin {
    pub fn of(source: &SourceArgs) -> Origin {
        match &source.replay {
            Some(path) => Origin::Replay(path.clone()),
            None if source.demo => Origin::Demo,
            None => Origin::Live,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Origin::Demo => "demo".into(),
            Origin::Replay(path) => format!("replay {}", path.display()),
            Origin::Live => "live".into(),
        }
    }
}
