//! What every AWS reader shares: the count of calls made (the AWS-call budget), and SDK
//! errors said in one line.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::{Body, Frame};

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
    let said = if let Some(at) = raw.find(TOO_LARGE) {
        // Our own limit, said as it is (without the SDK's debug text around it).
        let end = raw[at..]
            .find(NOT_AWS)
            .map_or(raw.len(), |e| at + e + NOT_AWS.len());
        return raw[at..end].to_owned();
    } else if l.contains("timeout") || l.contains("timed out") {
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

/// The most one AWS answer may be. The largest irsa-tui reads, a page of
/// `GetAccountAuthorizationDetails` (1,000 roles and their policies, URL-encoded in XML),
/// is tens of MiB at the very most.
pub const RESPONSE_MAX: usize = 256 << 20;

const TOO_LARGE: &str = "the AWS endpoint's answer is larger than";
const NOT_AWS: &str = "it is not an AWS API";

/// An HTTP connector whose answers are refused beyond [`RESPONSE_MAX`].
#[derive(Debug)]
pub struct Bounded {
    inner: SharedHttpConnector,
}

impl Bounded {
    pub fn new(inner: SharedHttpConnector) -> Bounded {
        Bounded { inner }
    }
}

impl HttpConnector for Bounded {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let response = answer.await?;
            Ok(response.map(|body| {
                SdkBody::from_body_1_x(SizeLimited {
                    inner: body,
                    read: 0,
                })
            }))
        })
    }
}

struct SizeLimited {
    inner: SdkBody,
    read: usize,
}

impl Body for SizeLimited {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            this.read += data.len();
            if this.read > RESPONSE_MAX {
                return Poll::Ready(Some(Err(format!(
                    "{TOO_LARGE} {} MiB; {NOT_AWS}",
                    RESPONSE_MAX >> 20
                )
                .into())));
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}
