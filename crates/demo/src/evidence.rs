//! What CloudTrail recorded in the demo's last hour (IRSA801–IRSA803), as irsa-tui keeps
//! it: events reduced to the fields the checks use.
//!
//! - payments/payments-api: 37 failed AssumeRoleWithWebIdentity (AccessDenied: the trust
//!   policy names payments-staging, IRSA203), and IRSA801 points to that finding;
//! - billing/statements-reader: kms:Decrypt and secretsmanager:GetSecretValue denied to its
//!   role (IRSA802), which only reads the statements bucket;
//! - data-pipeline/kafka-connect: the StatefulSet's pods still assume the old role
//!   kafka-connect-s3 (IRSA803, with IRSA402);
//! - checkout/cart: sessions that work (no finding);
//! - three events no binding can be given: counted and listed, not dropped.

use irsa_tui::inventory::{Evidence, TrailEvent, TrailKind, TrailState};

use crate::names::{ACCOUNT, ISSUER_ID, REGION};

/// The window: the hour before the capture.
const SINCE: &str = "2026-11-20T08:30:00Z";
const UNTIL: &str = "2026-11-20T09:30:00Z";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn provider() -> String {
    format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/{ISSUER_ID}")
}

/// `n` events at `every` minutes from minute `start` of the window (newest last).
fn times(start: u32, every: u32, n: u32) -> impl Iterator<Item = String> {
    (0..n).map(move |i| {
        let m = start + i * every;
        format!(
            "2026-11-20T{:02}:{:02}:{:02}Z",
            8 + (30 + m) / 60,
            (30 + m) % 60,
            (i * 7) % 60
        )
    })
}

struct Ids(u32);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        let n = self.0;
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            n.wrapping_mul(0x9e37_79b1),
            n * 7 % 0xffff,
            n * 13 % 0xfff,
            n * 17 % 0xfff,
            u64::from(n) * 0x1f_3a7b
        )
    }
}

fn web_identity(ids: &mut Ids, time: String, sa: Option<&str>, role_arn: &str) -> TrailEvent {
    TrailEvent {
        id: ids.next(),
        kind: TrailKind::WebIdentity,
        time,
        source: "sts.amazonaws.com".into(),
        name: "AssumeRoleWithWebIdentity".into(),
        region: REGION.into(),
        role_arn: Some(role_arn.to_owned()),
        service_account: sa.map(str::to_owned),
        identity_provider: Some(provider()),
        ..TrailEvent::default()
    }
}

fn denied(
    ids: &mut Ids,
    time: String,
    role_name: &str,
    action: &str,
    resource: &str,
) -> TrailEvent {
    let (service, name) = action.split_once(':').unwrap_or(("", action));
    TrailEvent {
        id: ids.next(),
        kind: TrailKind::Denied,
        time,
        source: format!("{service}.amazonaws.com"),
        name: name.to_owned(),
        region: REGION.into(),
        error_code: Some("AccessDeniedException".into()),
        error_message: Some(format!(
            "User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/botocore-session-1763627400 is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
        )),
        role_arn: Some(role(role_name)),
        action: Some(action.to_owned()),
        resource: Some(resource.to_owned()),
        ..TrailEvent::default()
    }
}

/// The demo's evidence.
pub(crate) fn evidence() -> Evidence {
    let mut ids = Ids(0);
    let mut events = Vec::new();
    let payments = role("shop-prod-payments-api");
    for t in times(3, 1, 37) {
        events.push(TrailEvent {
            error_code: Some("AccessDenied".into()),
            error_message: Some("Not authorized to perform sts:AssumeRoleWithWebIdentity".into()),
            ..web_identity(&mut ids, t, Some("payments/payments-api"), &payments)
        });
    }
    let key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/b0e7d215-4c39-4f8a-9e61-2a7c5d8f1e03");
    let secret = format!(
        "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:shop-prod/statements/signing-AbC123"
    );
    for t in times(10, 9, 5) {
        events.push(denied(
            &mut ids,
            t,
            "shop-prod-statements-reader",
            "kms:Decrypt",
            &key,
        ));
    }
    for t in times(12, 15, 3) {
        events.push(denied(
            &mut ids,
            t,
            "shop-prod-statements-reader",
            "secretsmanager:GetSecretValue",
            &secret,
        ));
    }
    for t in times(2, 6, 9) {
        events.push(web_identity(
            &mut ids,
            t,
            Some("data-pipeline/kafka-connect"),
            &role("kafka-connect-s3"),
        ));
    }
    for t in times(5, 12, 4) {
        events.push(web_identity(
            &mut ids,
            t,
            Some("checkout/cart"),
            &role("shop-prod-cart"),
        ));
    }
    // No binding: a token without a ServiceAccount, a deleted ServiceAccount's pod, a role
    // no binding uses.
    for (i, t) in times(20, 11, 3).enumerate() {
        let mut e = web_identity(
            &mut ids,
            t,
            (i == 1).then_some("legacy/report-cron"),
            &role("shop-prod-legacy-batch"),
        );
        if i != 1 {
            e.error_code = Some("InvalidIdentityToken".into());
            e.error_message = Some("Token expired: current date/time 1763628000 must be before the expiration date/time 1763627400".into());
            e.service_account = None;
        }
        events.push(e);
    }
    events.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    Evidence {
        state: TrailState::Read,
        since: Some(SINCE.into()),
        until: Some(UNTIL.into()),
        regions: vec![REGION.into(), "us-east-1".into()],
        truncated: None,
        oldest: None,
        error: None,
        calls: 6,
        scanned: 212,
        events,
    }
}
