//! The cost of reading CloudTrail under its limit of 2 requests per second: 1,000 events of
//! the cluster's region from the LookupEvents stand-in, through the production client (the
//! SDK configuration, the limiter, paging). Ignored by default (it takes seconds by design);
//! `cargo test --release --test cloudtrail_measure -- --ignored --nocapture` prints the
//! figures. It asserts the number of calls, never a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::collections::BTreeSet;

use common::cloudtrail::{Behaviour, FakeCloudTrail, web_identity};
use irsa_tui::inventory::{Evidence, TrailState};
use irsa_tui::sources::aws::cloudtrail::{Scope, TrailOptions, clients, read};
use irsa_tui::sources::aws::{AwsOptions, CallLog, sdk_config};

const PROVIDER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: seconds by design (2 requests per second)"]
async fn reading_1000_events_under_the_limit() {
    let now = irsa_tui::time::now_secs();
    let role = "arn:aws:iam::111122223333:role/payments-api";
    let events = (0..1000)
        .map(|i| {
            let t = irsa_tui::time::rfc3339(now - 60 - i64::from(i) * 3);
            (
                "us-east-1".to_owned(),
                web_identity(
                    &format!("e{i:04}"),
                    &t,
                    "us-east-1",
                    PROVIDER,
                    Some(("payments", "api")),
                    role,
                    None,
                ),
            )
        })
        .collect();
    let fake = FakeCloudTrail::start(events, Behaviour::default()).await;
    let opts = AwsOptions {
        region: Some("us-east-1".into()),
        endpoint_url: Some(fake.url.clone()),
        credentials: Some(aws_sdk_sts::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        )),
        ..AwsOptions::default()
    };
    let config = sdk_config(&opts).await;
    let regions = clients(&config, "us-east-1", Some("111122223333"));
    let scope = Scope {
        roles: BTreeSet::from([role.to_owned()]),
        issuer: Some(PROVIDER.into()),
    };
    let calls = CallLog::default();
    let started = std::time::Instant::now();
    let ev: Evidence = read(
        &regions,
        &scope,
        &TrailOptions::default(),
        now,
        &calls,
        &|_| {},
    )
    .await;
    let took = started.elapsed();
    assert_eq!(ev.state, TrailState::Read, "{:?}", ev.error);
    assert_eq!(ev.events.len(), 1000);
    // 20 pages of 50 for the web-identity lookup, 20 for the scan of the region.
    assert_eq!(ev.calls, 40);
    assert_eq!(fake.requests(), 40);
    println!(
        "1000 web-identity events (and the same 1000 scanned for denied calls): {} LookupEvents calls, {:.1} s",
        ev.calls,
        took.as_secs_f64()
    );
}
