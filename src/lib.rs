//! irsa-tui: cluster-wide IRSA health for Amazon EKS.
//!
//! Data flows one way: sources → inventory → analysis (uses [`policy`]) → report / tui.

pub mod analysis;
pub mod arn;
pub mod cli;
pub mod inventory;
pub mod log;
pub mod policy;
pub mod redact;
pub mod render;
pub mod shell;
pub mod sources;
pub mod text;
pub mod time;
pub mod tui;
pub mod updates;
