//! What an API server may make irsa-tui wait for and read. A request that is not a watch
//! (a list page, `/version`) must be answered, body and all, within
//! [`REQUEST_DEADLINE`]; a watch must send its headers within it, then its events stream
//! (kube's watcher reconnects a stream left idle). A response body is refused beyond
//! [`BODY_MAX`], a watch event beyond [`EVENT_MAX`]: far more than any real cluster sends,
//! so only a misbehaving peer meets them, and the error says which limit it was.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use tower::{BoxError, Layer, Service};

/// A list page of 500 objects is a few MiB and comes in well under a second; a minute
/// allows a slow link (50 KiB/s) and a loaded API server, and a peer that never answers, or
/// drips its body, is said within it.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// One response body. A list page of 500 pods is 5–20 MiB even with every managed field;
/// 128 MiB is 260 KiB a pod, far above any real cluster.
pub const BODY_MAX: usize = 128 << 20;
/// One metadata-only body (ServiceAccounts, nodes, webhooks: names, labels, annotations).
pub const METADATA_BODY_MAX: usize = 32 << 20;
/// One watch event: an object of etcd's 1.5 MiB maximum is a few MiB of JSON.
pub const EVENT_MAX: usize = 16 << 20;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub deadline: Duration,
    pub body_max: usize,
    pub metadata_body_max: usize,
    pub event_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: REQUEST_DEADLINE,
            body_max: BODY_MAX,
            metadata_body_max: METADATA_BODY_MAX,
            event_max: EVENT_MAX,
        }
    }
}

/// A metadata-only request (`Accept: …;as=PartialObjectMetadataList`).
fn is_metadata<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("PartialObjectMetadata"))
}

/// Applies [`Limits`] to every request of a client.
#[derive(Debug, Clone, Copy, Default)]
pub struct LimitsLayer(pub Limits);

impl<S> Layer<S> for LimitsLayer {
    type Service = Limited<S>;
    fn layer(&self, inner: S) -> Limited<S> {
        Limited {
            inner,
            limits: self.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Limited<S> {
    inner: S,
    limits: Limits,
}

fn is_watch<B>(request: &Request<B>) -> bool {
    request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"))
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Limited<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + Unpin + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<LimitedBody<ResBody>>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let watch = is_watch(&request);
        let what: Arc<str> = format!("{} {}", request.method(), request.uri().path()).into();
        let mut limits = self.limits;
        if is_metadata(&request) {
            limits.body_max = limits.metadata_body_max;
        }
        let deadline = Instant::now() + limits.deadline;
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = tokio::time::timeout_at(deadline, response)
                .await
                .map_err(|_| {
                    BoxError::from(format!(
                        "the API server did not answer {what} within {} s",
                        limits.deadline.as_secs()
                    ))
                })?
                .map_err(Into::into)?;
            Ok(response.map(|body| LimitedBody {
                inner: body,
                read: 0,
                since_newline: 0,
                watch,
                deadline: (!watch).then(|| Box::pin(tokio::time::sleep_until(deadline))),
                limits,
                what,
            }))
        })
    }
}

/// A response body that errors out beyond the limits.
pub struct LimitedBody<B> {
    inner: B,
    read: usize,
    since_newline: usize,
    watch: bool,
    deadline: Option<Pin<Box<Sleep>>>,
    limits: Limits,
    what: Arc<str>,
}

impl<B> Body for LimitedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Some(deadline) = this.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Some(Err(BoxError::from(format!(
                "the API server did not finish sending {} within {} s ({} KiB read)",
                this.what,
                this.limits.deadline.as_secs(),
                this.read >> 10
            )))));
        }
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        let Some(frame) = frame else {
            return Poll::Ready(None);
        };
        let frame = frame.map_err(Into::into)?;
        if let Some(data) = frame.data_ref() {
            if this.watch {
                match data.iter().rposition(|b| *b == b'\n') {
                    Some(at) => this.since_newline = data.len() - at - 1,
                    None => this.since_newline += data.len(),
                }
                if this.since_newline > this.limits.event_max {
                    return Poll::Ready(Some(Err(BoxError::from(format!(
                        "one watch event of {} is larger than {} MiB; the API server is not sending Kubernetes objects",
                        this.what,
                        this.limits.event_max >> 20
                    )))));
                }
            } else {
                this.read += data.len();
                if this.read > this.limits.body_max {
                    return Poll::Ready(Some(Err(BoxError::from(format!(
                        "the answer to {} is larger than {} MiB; the API server is not sending a Kubernetes list",
                        this.what,
                        this.limits.body_max >> 20
                    )))));
                }
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
