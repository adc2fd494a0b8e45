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
    let text = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        _ => transport(&aws_sdk_iam::error::DisplayErrorContext(err).to_string()),
    };
    crate::redact::redact(&text)
}

/// A failure before AWS answered, in one sentence; the SDK's own chain goes to the log.
fn transport(raw: &str) -> String {
    tracing::debug!("AWS request failed: {}", crate::redact::redact(raw));
    let l = raw.to_lowercase();
    let said = if l.contains("timeout") || l.contains("timed out") {
        "no answer in time (the endpoint took the connection and did not respond, or the network is too slow)"
    } else if l.contains("connection refused") {
        "the connection was refused (nothing listens at the endpoint)"
    } else if l.contains("dns error") || l.contains("failed to lookup") {
        "the endpoint's host name does not resolve"
    } else if l.contains("certificate") || l.contains("handshake") {
        "the TLS handshake with the endpoint failed"
    } else if l.contains("credentials") {
        "no usable AWS credentials (set AWS_PROFILE or --profile, or log in: aws sso login)"
    } else {
        "the request could not be sent"
    };
    said.to_owned()
}

pub fn error_code<E: aws_sdk_iam::error::ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}
