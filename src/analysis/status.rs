//! A row's status from its findings, as the catalog grades them.

use super::finding::{Finding, Severity};
use super::report::Status;

/// A binding's status: failing on a critical or error finding; unknown when a needed fact
/// could not be fetched (IRSA103/IRSA505) and nothing worse was found; then warning; ok.
pub fn status_of(findings: &[Finding]) -> Status {
    if findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Critical | Severity::Error))
    {
        Status::Failing
    } else if findings.iter().any(|f| f.code.severity().is_none()) {
        Status::Unknown
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        Status::Warning
    } else {
        Status::Ok
    }
}
