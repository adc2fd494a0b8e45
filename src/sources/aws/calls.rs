//! What every AWS reader shares: the count of calls made (the AWS-call budget), and SDK
//! errors said in one line.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// How many calls of each operation were made (for the AWS-call budget).
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<BTreeMap<&'static str, usize>>>);

impl CallLog {
    pub fn record(&self, operation: &'static str) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(operation).or_default() += 1;
        }
    }

    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn total(&self) -> usize {
        self.counts().values().sum()
    }
}

/// A one-line description of an SDK error: its code and message when the service sent one.
pub fn describe<E>(err: &E) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error,
{
    match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_sdk_iam::error::DisplayErrorContext(err).to_string(),
    }
}

pub fn error_code<E: aws_sdk_iam::error::ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}
