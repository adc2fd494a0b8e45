//! Analysis: pure functions from what was read to findings. No I/O.

pub mod finding;
pub mod report;
pub mod trust;

pub use finding::{Code, Finding, Severity};
pub use report::{
    Binding, BindingPod, Mechanism, NodeRoleReport, REPORT_SCHEMA, Report, ReportCluster,
    Settings, SeverityCounts, Status, Summary, TrustView,
};
