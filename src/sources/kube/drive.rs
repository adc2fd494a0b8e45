//! One watch, driven: every source follows the same pattern. `Syncing` until its first
//! complete list, `Synced { count }` after it and on every event; a relist (after 410 Gone
//! or a broken watch) rebuilds that source's records atomically when it completes, so
//! objects deleted while the watch was down do not linger. 410 Gone is routine; other
//! transient errors are retried with the watcher's default backoff and only
//! [`FAIL_AFTER`] failures in a row turn the state to `Unreachable` (the API server did not
//! answer: connection refused or cut, no answer in time, 5xx; the data held is as of the
//! first of those failures) or `Failed` (any other error); a 403 turns it to `Forbidden`.
//! A later success restores `Synced`. Once a source is `Unreachable` its watch is opened
//! afresh, so the server's return shows as a complete list: a watch resumed from the last
//! resource version on a quiet resource yields no event, and the source would stay stale
//! (and a restored or failed-over server may not know that version).

use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::runtime::watcher::{self, Event};

use super::resources::{FAIL_AFTER, RESOURCE_NODES, RESOURCE_WEBHOOKS};
use crate::sources::store::{Data, LiveState, Store};

/// How often `Syncing { seen }` is updated during a first list.
const PROGRESS_EVERY: usize = 500;

/// A watch's events.
pub type Events<K> = BoxStream<'static, Result<Event<K>, watcher::Error>>;

/// One source and scope in the store.
#[derive(Clone)]
pub(super) struct Scope {
    store: Arc<Store>,
    resource: &'static str,
    namespace: Option<String>,
    /// Appended to forbidden messages (what the fallback could not do).
    pub(super) note: Option<String>,
}

impl Scope {
    pub(super) fn new(store: &Arc<Store>, resource: &'static str, namespace: Option<&str>) -> Self {
        Scope {
            store: store.clone(),
            resource,
            namespace: namespace.map(str::to_owned),
            note: None,
        }
    }

    fn set(&self, data: &mut Data, state: LiveState) {
        data.set_source(self.resource, self.namespace.as_deref(), state);
    }

    pub(super) fn update(&self, state: LiveState) {
        self.store.update(|d| self.set(d, state));
    }

    /// `pods cluster-wide`, `pods in namespace team-a`, `configmaps/aws-auth in namespace kube-system`.
    pub(super) fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in namespace {ns}", self.resource),
            None if self.resource == RESOURCE_NODES || self.resource == RESOURCE_WEBHOOKS => {
                self.resource.to_owned()
            }
            None => format!("{} cluster-wide", self.resource),
        }
    }

    pub(super) fn forbidden(&self, message: &str) -> String {
        let mut out = format!("cannot list {}: forbidden ({message})", self.describe());
        if let Some(note) = &self.note {
            out.push_str("; ");
            out.push_str(note);
        }
        out
    }
}

/// How a watch ended.
pub(super) enum End {
    /// Forbidden before its first complete list, with the server's message; the caller
    /// falls back.
    ForbiddenBeforeSync(String),
    /// The stream ended (it does not, in practice).
    Ended,
}

enum Trouble {
    /// 410: the watcher relists.
    Gone,
    Forbidden(String),
    /// Will not get better by retrying (401, credential plugin failure).
    Persistent(String),
    /// The API server did not answer: the connection was refused or cut, no answer in
    /// time, or a 5xx. Not RBAC; the data held goes stale.
    Unreachable(String),
    Transient(String),
}

fn classify(err: &watcher::Error) -> Trouble {
    use watcher::Error as W;
    let client_error = match err {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => Some(e),
        W::WatchError(_) | W::NoResourceVersion => None,
    };
    let status = match (err, client_error) {
        (W::WatchError(status), _) => Some(status.as_ref()),
        (_, Some(kube::Error::Api(status))) => Some(status.as_ref()),
        _ => None,
    };
    if let Some(status) = status {
        let text = if status.message.is_empty() {
            format!("HTTP {} {}", status.code, status.reason)
        } else {
            one_line(&status.message)
        };
        return match status.code {
            410 => Trouble::Gone,
            403 => Trouble::Forbidden(text),
            401 => Trouble::Persistent(format!(
                "unauthorized ({text}): the credentials were rejected; refresh them (for EKS: aws sso login, or check the kubeconfig user)"
            )),
            code @ 500..=599 => Trouble::Unreachable(format!("HTTP {code}: {text}")),
            code => Trouble::Transient(format!("HTTP {code}: {text}")),
        };
    }
    match client_error {
        Some(e @ kube::Error::Auth(_)) => Trouble::Persistent(format!(
            "cannot get credentials for the cluster: {}",
            chain(e)
        )),
        Some(e) => {
            let said = describe_error(e);
            // Our own limits on what a server sends are not a connection problem.
            if said.contains("is larger than") {
                Trouble::Transient(said)
            } else {
                Trouble::Unreachable(said)
            }
        }
        None => Trouble::Transient(chain(err)),
    }
}

/// A client error in words: an API status as its code and message (never a debug dump), a
/// connection failure as what failed (refused, no such host, TLS, a deadline) with the
/// chain of causes.
pub fn describe_error(err: &kube::Error) -> String {
    if let kube::Error::Api(status) = err {
        let text = if status.message.is_empty() {
            status.reason.clone()
        } else {
            status.message.clone()
        };
        return one_line(&format!("HTTP {}: {text}", status.code));
    }
    let causes = chain(err);
    let lower = causes.to_lowercase();
    let what = if lower.contains("connection refused") {
        "the connection was refused (nothing listens there)"
    } else if lower.contains("failed to lookup address") || lower.contains("dns error") {
        "the host name does not resolve"
    } else if lower.contains("certificate") || lower.contains("tls") {
        "the TLS handshake failed (check certificate-authority-data and the server name)"
    } else if lower.contains("timed out")
        || lower.contains("deadline")
        || lower.contains("did not answer")
    {
        "no answer in time"
    } else if lower.contains("connection reset") || lower.contains("broken pipe") {
        "the connection was cut"
    } else {
        return causes;
    };
    format!("{what}: {causes}")
}

/// An error and its sources on one line, without repeating what a source already said.
pub(super) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    one_line(&out)
}

/// On one line, and with any secret a server or plugin echoed redacted.
pub(super) fn one_line(text: &str) -> String {
    crate::redact::redact(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Where reduced objects go.
pub(super) trait Sink: Send + 'static {
    type Object: Send + 'static;
    type Item: Send + 'static;
    /// `None`: skipped (with a warning).
    fn reduce(&mut self, object: &Self::Object) -> Option<Self::Item>;
    /// An added or modified object; true when it is new.
    fn apply(&mut self, data: &mut Data, item: Self::Item) -> bool;
    /// A deleted object; true when it was known.
    fn remove(&mut self, data: &mut Data, object: &Self::Object) -> bool;
    /// Everything this scope holds becomes `items` (a complete list); returns the count.
    fn replace(&mut self, data: &mut Data, items: Listed<Self::Item>) -> usize;
    /// A problem with the data read (a malformed aws-auth), shown as `Failed`.
    fn problem(&self) -> Option<String> {
        None
    }
}

/// The reduced objects of a list under way, kept in chunks of [`LISTED_CHUNK`]: growing it
/// never copies what it holds (a `Vec` of 100,000 slim pods doubles through 28 MiB to
/// grow to 56), and handing it over frees each chunk as soon as its items have moved into
/// the store, so the list and the store's records do not both hold the whole cluster.
pub(super) struct Listed<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

/// Items per chunk of [`Listed`]: a list page.
pub(super) const LISTED_CHUNK: usize = super::resources::PAGE_SIZE as usize;

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Listed<T> {
    pub(super) fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < chunk.capacity() => chunk.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(LISTED_CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The capacity of each chunk, for tests.
    #[cfg(test)]
    fn capacities(&self) -> Vec<usize> {
        self.chunks.iter().map(Vec::capacity).collect()
    }
}

impl<T> FromIterator<T> for Listed<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut listed = Listed::default();
        for item in items {
            listed.push(item);
        }
        listed
    }
}

impl<T> IntoIterator for Listed<T> {
    type Item = T;
    /// Each chunk is freed once its last item is taken.
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

/// Runs one watch until it ends (never, unless `stop_on_forbidden` and the first list is
/// forbidden); `open` opens it (again once the server stops answering). `announce`: start
/// by showing `Syncing`.
pub(super) async fn drive<S: Sink>(
    open: impl Fn() -> Events<S::Object>,
    scope: &Scope,
    mut sink: S,
    stop_on_forbidden: bool,
    announce: bool,
) -> End {
    let mut events = open();
    // Opened afresh in this outage: once is enough, its own backoff paces the retries.
    let mut reopened = false;
    let mut synced = false;
    let mut troubled = false;
    let mut buffer: Listed<S::Item> = Listed::default();
    let mut seen = 0usize;
    let mut count = 0usize;
    let mut failures = 0u32;
    // Since when the failures in a row have lasted: the last time the data was current.
    let mut failing_since: Option<i64> = None;
    let state = |sink: &S, count: usize| match sink.problem() {
        Some(message) => LiveState::Failed { message },
        None => LiveState::Synced { count },
    };
    if announce {
        scope.update(LiveState::Syncing { seen: 0 });
    }

    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => {
                buffer = Listed::default();
                seen = 0;
            }
            Ok(Event::InitApply(object)) => {
                // `failures` is reset only by a complete list or a live event: a list that
                // keeps breaking off midway still counts as failing.
                seen += 1;
                if let Some(item) = sink.reduce(&object) {
                    buffer.push(item);
                }
                drop(object);
                if !synced && !troubled && seen.is_multiple_of(PROGRESS_EVERY) {
                    scope.update(LiveState::Syncing { seen });
                }
            }
            Ok(Event::InitDone) => {
                failures = 0;
                failing_since = None;
                reopened = false;
                let items = std::mem::take(&mut buffer);
                scope.store.update(|d| {
                    count = sink.replace(d, items);
                    scope.set(d, state(&sink, count));
                });
                synced = true;
                troubled = false;
                tracing::debug!(source = %scope.describe(), count, "listed");
            }
            Ok(Event::Apply(object)) => {
                failures = 0;
                failing_since = None;
                let Some(item) = sink.reduce(&object) else {
                    continue;
                };
                drop(object);
                scope.store.update(|d| {
                    if sink.apply(d, item) {
                        count += 1;
                    }
                    scope.set(d, state(&sink, count));
                });
                troubled = false;
            }
            Ok(Event::Delete(object)) => {
                failures = 0;
                failing_since = None;
                scope.store.update(|d| {
                    if sink.remove(d, &object) {
                        count = count.saturating_sub(1);
                    }
                    scope.set(d, state(&sink, count));
                });
                troubled = false;
            }
            Err(err) => match classify(&err) {
                Trouble::Gone => {
                    tracing::debug!(source = %scope.describe(), "410 Gone: relisting");
                }
                Trouble::Forbidden(message) => {
                    if stop_on_forbidden && !synced {
                        return End::ForbiddenBeforeSync(message);
                    }
                    tracing::warn!(source = %scope.describe(), %message, "forbidden");
                    scope.update(LiveState::Forbidden {
                        message: scope.forbidden(&message),
                    });
                    troubled = true;
                }
                Trouble::Persistent(message) => {
                    tracing::warn!(source = %scope.describe(), %message, "failing");
                    scope.update(LiveState::Failed {
                        message: format!("cannot list {}: {message}", scope.describe()),
                    });
                    troubled = true;
                }
                Trouble::Unreachable(message) => {
                    failures += 1;
                    let since = *failing_since.get_or_insert_with(crate::time::now_secs);
                    tracing::warn!(source = %scope.describe(), %message, failures, "no answer; retrying");
                    if failures >= FAIL_AFTER {
                        scope.update(LiveState::Unreachable {
                            message: format!(
                                "cannot list {}: {message} ({failures} attempts in a row; still retrying)",
                                scope.describe()
                            ),
                            since,
                        });
                        troubled = true;
                        if !reopened {
                            reopened = true;
                            events = open();
                        }
                    }
                }
                Trouble::Transient(message) => {
                    failures += 1;
                    failing_since.get_or_insert_with(crate::time::now_secs);
                    tracing::warn!(source = %scope.describe(), %message, failures, "error; retrying");
                    if failures >= FAIL_AFTER {
                        scope.update(LiveState::Failed {
                            message: format!(
                                "cannot list {}: {message} ({failures} attempts in a row; still retrying)",
                                scope.describe()
                            ),
                        });
                        troubled = true;
                    }
                }
            },
        }
    }
    End::Ended
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_under_way_grows_by_chunks_and_hands_over_in_order() {
        let listed: Listed<usize> = (0..LISTED_CHUNK * 2 + 3).collect();
        assert_eq!(listed.len(), LISTED_CHUNK * 2 + 3);
        // Never a reallocation: every chunk is allocated once, at its final size.
        assert_eq!(listed.capacities(), vec![LISTED_CHUNK; 3]);
        let back: Vec<usize> = listed.into_iter().collect();
        assert_eq!(back, (0..LISTED_CHUNK * 2 + 3).collect::<Vec<_>>());
        assert_eq!(Listed::<u8>::default().into_iter().count(), 0);
    }
}
