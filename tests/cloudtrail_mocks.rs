//! CloudTrail's LookupEvents on the SDK client the production code uses, answered by
//! aws-smithy-mocks (moto has no LookupEvents): paging with NextToken, throttling that
//! slows the read and does not fail it, the cap that says it cut the window, regions
//! de-duplicated, and the reduction that keeps no secret.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::retry::RetryConfig;
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_cloudtrail::types::Event;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use common::cloudtrail::{SESSION_KEY, SESSION_TOKEN, denied, other, web_identity};
use irsa_tui::inventory::{Evidence, TrailKind, TrailState};
use irsa_tui::sources::aws::cloudtrail::{Limiter, Regional, Scope, TrailOptions, read};
use irsa_tui::sources::aws::{CallLog, Endpoint, Service};
use serde_json::{Value, json};

const PROVIDER: &str = "oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";
const ROLE: &str = "arn:aws:iam::111122223333:role/payments-api";
/// 2026-11-20T09:30:00Z.
const UNTIL: i64 = 1_795_167_000;

fn event(record: &Value) -> Event {
    let time = record["eventTime"]
        .as_str()
        .and_then(irsa_tui::time::parse_rfc3339)
        .unwrap_or(0);
    Event::builder()
        .event_id(record["eventID"].as_str().unwrap_or_default())
        .event_name(record["eventName"].as_str().unwrap_or_default())
        .event_source(record["eventSource"].as_str().unwrap_or_default())
        .access_key_id(SESSION_KEY)
        .event_time(aws_smithy_types::DateTime::from_secs(time))
        .cloud_trail_event(record.to_string())
        .build()
}

fn page(records: &[Value], next: Option<&str>) -> LookupEventsOutput {
    LookupEventsOutput::builder()
        .set_events(Some(records.iter().map(event).collect()))
        .set_next_token(next.map(str::to_owned))
        .build()
}

fn client(rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, rules, |b| {
        b.retry_config(
            RetryConfig::standard()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(5)),
        )
    })
}

fn regional(region: &str, client: Client) -> Regional {
    Regional {
        region: region.into(),
        client,
        limiter: Arc::new(Limiter::new(Duration::from_millis(1))),
        at: Endpoint::of_client(Service::CloudTrail, None),
    }
}

fn scope() -> Scope {
    Scope {
        roles: BTreeSet::from([ROLE.to_owned()]),
        issuer: Some(PROVIDER.into()),
    }
}

async fn run(regions: &[Regional], opts: &TrailOptions) -> (Evidence, CallLog, usize) {
    let calls = CallLog::default();
    let updates = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: &Evidence| {
        updates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    };
    let ev = read(regions, &scope(), opts, UNTIL, &calls, &progress).await;
    (ev, calls, updates.into_inner())
}

fn ok_call(id: &str) -> Value {
    web_identity(
        id,
        "2026-11-20T09:10:00Z",
        "us-east-1",
        PROVIDER,
        Some(("payments", "api")),
        ROLE,
        None,
    )
}

fn failed_call(id: &str) -> Value {
    web_identity(
        id,
        "2026-11-20T09:00:00Z",
        "us-east-1",
        PROVIDER,
        Some(("payments", "api")),
        ROLE,
        Some((
            "InvalidIdentityToken",
            "Couldn't retrieve verification key from your identity provider",
        )),
    )
}

/// Two pages of web-identity calls, then the denied-calls scan: every page read through
/// NextToken, the same event seen in both regions kept once, progress told per page.
#[tokio::test]
async fn pages_through_with_next_token_and_keeps_an_event_once() {
    let first = mock!(Client::lookup_events)
        .match_requests(|r| r.next_token().is_none() && !r.lookup_attributes().is_empty())
        .then_output(|| page(&[ok_call("e1"), ok_call("e2")], Some("t2")));
    let second = mock!(Client::lookup_events)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| page(&[failed_call("e3")], None));
    let scan = mock!(Client::lookup_events)
        .match_requests(|r| r.lookup_attributes().is_empty())
        .then_output(|| {
            page(
                &[
                    other("o1", "2026-11-20T09:20:00Z", "us-east-1"),
                    denied(
                        "d1",
                        "2026-11-20T09:15:00Z",
                        "us-east-1",
                        ROLE,
                        "kms.amazonaws.com",
                        "Decrypt",
                        Some("arn:aws:kms:us-east-1:111122223333:key/k-1"),
                        json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
                    ),
                    denied(
                        "d2",
                        "2026-11-20T09:15:00Z",
                        "us-east-1",
                        "arn:aws:iam::111122223333:role/not-this-clusters",
                        "kms.amazonaws.com",
                        "Decrypt",
                        Some("arn:aws:kms:us-east-1:111122223333:key/k-1"),
                        json!({}),
                    ),
                ],
                None,
            )
        });
    // The global endpoint's region answers one of the same events (and nothing else).
    let global = mock!(Client::lookup_events).then_output(|| page(&[ok_call("e1")], None));
    let regions = [
        regional("us-east-2", client(&[&first, &second, &scan])),
        regional("us-east-1", client(&[&global])),
    ];
    let (ev, calls, updates) = run(&regions, &TrailOptions::default()).await;
    assert_eq!(ev.state, TrailState::Read, "{:?}", ev.error);
    assert_eq!(ev.error, None);
    assert_eq!(ev.truncated, None);
    let ids: Vec<&str> = ev.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["d1", "e1", "e2", "e3"],
        "newest first, e1 once, others' denials dropped"
    );
    assert_eq!(ev.calls, 4, "two pages, the global region, the scan");
    assert_eq!(calls.counts().get("cloudtrail:LookupEvents"), Some(&4));
    assert_eq!(ev.scanned, 7);
    assert!(updates >= 5, "told after every page: {updates}");
    assert_eq!(ev.regions, ["us-east-2", "us-east-1"]);
    let d = ev.events.iter().find(|e| e.id == "d1").expect("the denial");
    assert_eq!(d.kind, TrailKind::Denied);
    assert_eq!(d.action.as_deref(), Some("kms:Decrypt"));
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:kms:us-east-1:111122223333:key/k-1")
    );
    assert_eq!(d.role_arn.as_deref(), Some(ROLE));
    let f = ev
        .events
        .iter()
        .find(|e| e.id == "e3")
        .expect("the failure");
    assert_eq!(f.error_code.as_deref(), Some("InvalidIdentityToken"));
    assert_eq!(f.service_account.as_deref(), Some("payments/api"));
    assert_eq!(f.role_arn.as_deref(), Some(ROLE));
}

/// Throttling answers are retried (slower), not reported as a failure.
#[tokio::test]
async fn throttling_slows_the_read_and_does_not_fail_it() {
    let throttle = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
    let rule = mock!(Client::lookup_events)
        .sequence()
        .http_status(400, Some(throttle.to_owned()))
        .times(2)
        .output(|| page(&[ok_call("e1")], None))
        .repeatedly()
        .build();
    let (ev, _, _) = run(
        &[regional("us-east-1", client(&[&rule]))],
        &TrailOptions::default(),
    )
    .await;
    assert_eq!(ev.state, TrailState::Read);
    assert_eq!(ev.error, None, "throttled, then answered");
    assert_eq!(ev.events.len(), 1);
    assert_eq!(
        rule.num_calls(),
        4,
        "two throttled attempts, then the two lookups"
    );
}

/// `--max-events` stops the read and says so, with the time from which the window is whole.
#[tokio::test]
async fn the_cap_says_it_cut_the_window_short() {
    let endless = mock!(Client::lookup_events).then_output(|| {
        page(
            &[
                ok_call("e1"),
                web_identity(
                    "e2",
                    "2026-11-20T08:55:00Z",
                    "us-east-1",
                    PROVIDER,
                    Some(("payments", "api")),
                    ROLE,
                    None,
                ),
            ],
            Some("more"),
        )
    });
    let opts = TrailOptions {
        max_events: 3,
        ..TrailOptions::default()
    };
    let (ev, _, _) = run(&[regional("us-east-1", client(&[&endless]))], &opts).await;
    assert_eq!(ev.state, TrailState::Read);
    assert_eq!(ev.truncated.as_deref(), Some("--max-events 3"));
    assert_eq!(ev.oldest.as_deref(), Some("2026-11-20T08:55:00Z"));
    assert_eq!(
        ev.calls, 4,
        "two pages per lookup: 4 events reach the cap of 3"
    );
}

/// What is kept of an event: the fields the checks use; never the session's access key
/// id or token, the user agent, the source address or the request and response bodies.
#[tokio::test]
async fn the_reduction_keeps_no_secret() {
    let rule = mock!(Client::lookup_events).then_output(|| {
        page(
            &[
                ok_call("e1"),
                denied(
                    "d1",
                    "2026-11-20T09:15:00Z",
                    "us-east-1",
                    ROLE,
                    "secretsmanager.amazonaws.com",
                    "GetSecretValue",
                    Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123"),
                    json!({"secretId": "prod/db"}),
                ),
            ],
            None,
        )
    });
    let (ev, _, _) = run(
        &[regional("us-east-1", client(&[&rule]))],
        &TrailOptions::default(),
    )
    .await;
    assert_eq!(ev.events.len(), 2);
    let text = serde_json::to_string(&ev).expect("serialises");
    for secret in [
        SESSION_KEY,
        SESSION_TOKEN,
        "accessKeyId",
        "sessionToken",
        "roleSessionName",
        "192.0.2.10",
        "Boto3",
        "secretId",
    ] {
        assert!(!text.contains(secret), "{secret} kept: {text}");
    }
    let d = ev.events.iter().find(|e| e.id == "d1").expect("the denial");
    assert_eq!(d.action.as_deref(), Some("secretsmanager:GetSecretValue"));
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123"),
        "the resource as the message names it, for the explanation"
    );
}

/// A CloudTrail that refuses (AccessDenied) is one sentence, and the region is not asked
/// again for its other lookup.
#[tokio::test]
async fn access_denied_is_one_sentence_and_asked_once() {
    let refuse = mock!(Client::lookup_events).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).expect("status"),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::111122223333:user/ci is not authorized to perform: cloudtrail:LookupEvents"}"#,
            ),
        )
    });
    let (ev, _, _) = run(
        &[regional("us-east-1", client(&[&refuse]))],
        &TrailOptions::default(),
    )
    .await;
    assert_eq!(ev.state, TrailState::Failed);
    let error = ev.error.expect("why");
    assert!(
        error.starts_with("us-east-1: AWS denied cloudtrail:LookupEvents to these credentials (AccessDeniedException"),
        "{error}"
    );
    assert!(!error.contains('\n'));
    assert_eq!(refuse.num_calls(), 1, "not asked again");
}
