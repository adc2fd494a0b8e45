//! Analysis: pure functions from what was read to findings. No I/O.

pub mod finding;
pub mod trust;

pub use finding::{Code, Finding, Severity};
