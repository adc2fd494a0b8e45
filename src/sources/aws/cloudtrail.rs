//! CloudTrail evidence, read-only: `LookupEvents` and nothing else.
//!
//! Three lookups, each paged with `NextToken` and stopped at `--max-events` events and at
//! [`DEADLINE`]:
//! - `AssumeRoleWithWebIdentity` in the cluster's region (regional STS endpoints log there),
//! - the same in `us-east-1` (the global endpoint, `sts.amazonaws.com`, logs there),
//! - every management event of the cluster's region, keeping the calls denied to a session
//!   of a role this cluster uses (`AccessDenied`, `UnauthorizedOperation`, …).
//!
//! `LookupEvents` allows 2 requests per second per account and region: a client-side
//! [`Limiter`] keeps under it, and the SDK's adaptive retries slow down on a throttling
//! answer instead of failing. Each event is reduced on arrival to the fields the checks use
//! ([`reduce`]): access key ids, session tokens and request bodies are never kept. Events of
//! both regions are de-duplicated by id.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};
use serde_json::Value;
use tokio::time::Instant;

use super::calls::{CallLog, Endpoint, Service};
use crate::inventory::evidence::{Evidence, TrailEvent, TrailKind, TrailState, is_denied_code};

/// The region the global STS endpoint logs its calls in.
pub const GLOBAL_STS_REGION: &str = "us-east-1";
/// `LookupEvents`' limit: 2 requests per second per account and region.
pub const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// The longest one read of the window may take (every lookup together).
pub const DEADLINE: Duration = Duration::from_secs(120);
/// Events per page (LookupEvents' most).
pub const PAGE: i32 = 50;
/// `--max-events`' default: the most events read per lookup.
pub const DEFAULT_MAX_EVENTS: usize = 2000;
/// `--since`'s default.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(3600);
/// An error message kept from an event, at most (characters).
const MESSAGE_MAX: usize = 400;

/// `--since`, `--max-events`, `--no-cloudtrail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailOptions {
    pub enabled: bool,
    pub since: Duration,
    pub max_events: usize,
}

impl Default for TrailOptions {
    fn default() -> Self {
        TrailOptions {
            enabled: true,
            since: DEFAULT_SINCE,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

/// Parses `--since`: `30m`, `2h`, `1d`, `90s` (a positive whole number and a unit).
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        format!("invalid duration {text:?}: give a number and a unit, e.g. 30m, 2h or 1d")
    })?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "invalid duration {text:?}: the unit is s, m, h or d (30m, 2h, 1d)"
            ));
        }
    };
    let secs = n.saturating_mul(unit_secs);
    // CloudTrail's event history holds 90 days.
    if secs > 90 * 86_400 {
        return Err(format!(
            "invalid duration {text:?}: CloudTrail's event history holds 90 days at most"
        ));
    }
    Ok(Duration::from_secs(secs))
}

/// At most one request every [`MIN_INTERVAL`]: callers wait their turn.
#[derive(Debug)]
pub struct Limiter {
    interval: Duration,
    next: tokio::sync::Mutex<Option<Instant>>,
}

impl Limiter {
    pub fn new(interval: Duration) -> Self {
        Limiter {
            interval,
            next: tokio::sync::Mutex::new(None),
        }
    }

    /// Waits until the next request may go.
    pub async fn wait(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        let at = next.map_or(now, |n| n.max(now));
        if at > now {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(at + self.interval);
    }
}

/// The limiter of an account and region, shared by every read of the process.
pub fn limiter(account: Option<&str>, region: &str) -> Arc<Limiter> {
    static LIMITERS: LazyLock<Mutex<HashMap<String, Arc<Limiter>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = format!("{}/{region}", account.unwrap_or("-"));
    match LIMITERS.lock() {
        Ok(mut m) => m
            .entry(key)
            .or_insert_with(|| Arc::new(Limiter::new(MIN_INTERVAL)))
            .clone(),
        Err(_) => Arc::new(Limiter::new(MIN_INTERVAL)),
    }
}

/// What a read matches events against.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The roles the cluster uses (annotations, Pod Identity associations).
    pub roles: BTreeSet<String>,
    /// The cluster's OIDC issuer without the scheme (`oidc.eks.REGION.amazonaws.com/id/X`):
    /// web-identity events of other providers (other clusters) are not kept.
    pub issuer: Option<String>,
}

impl Scope {
    fn uses(&self, role: &str) -> bool {
        self.roles.iter().any(|r| crate::arn::same_role(r, role))
    }

    fn keeps(&self, e: &TrailEvent) -> bool {
        match e.kind {
            TrailKind::Denied => e.role_arn.as_deref().is_some_and(|r| self.uses(r)),
            TrailKind::WebIdentity => {
                let ours = match (&e.identity_provider, &self.issuer) {
                    (Some(p), Some(i)) => p.ends_with(&format!("oidc-provider/{i}")),
                    _ => true,
                };
                ours || e.role_arn.as_deref().is_some_and(|r| self.uses(r))
            }
        }
    }
}

/// One lookup: web-identity calls of a region, or the denied calls of the home region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    WebIdentity,
    Denied,
}

/// A client per region read, with that region's limiter.
pub struct Regional {
    pub region: String,
    pub client: aws_sdk_cloudtrail::Client,
    pub limiter: Arc<Limiter>,
    /// Where its calls go, for the errors.
    pub at: Endpoint,
}

/// The clients of the regions to read: `home` (the cluster's) and `us-east-1`.
pub fn clients(config: &aws_config::SdkConfig, home: &str, account: Option<&str>) -> Vec<Regional> {
    let mut regions = vec![home.to_owned()];
    if home != GLOBAL_STS_REGION {
        regions.push(GLOBAL_STS_REGION.to_owned());
    }
    regions
        .into_iter()
        .map(|region| {
            let conf = aws_sdk_cloudtrail::config::Builder::from(config)
                .region(aws_config::Region::new(region.clone()))
                .build();
            Regional {
                limiter: limiter(account, &region),
                client: aws_sdk_cloudtrail::Client::from_conf(conf),
                at: Endpoint::of_region(Service::CloudTrail, config, &region),
                region,
            }
        })
        .collect()
}

/// Reads the window ending at `until` (seconds since the epoch) from `regions` (the first
/// is the cluster's). `progress` is told what arrived after every page.
pub async fn read(
    regions: &[Regional],
    scope: &Scope,
    opts: &TrailOptions,
    until: i64,
    calls: &CallLog,
    progress: &(dyn Fn(&Evidence) + Sync),
) -> Evidence {
    let since = until.saturating_sub(i64::try_from(opts.since.as_secs()).unwrap_or(i64::MAX));
    let mut ev = Evidence {
        state: TrailState::Reading,
        since: Some(crate::time::rfc3339(since)),
        until: Some(crate::time::rfc3339(until)),
        regions: regions.iter().map(|r| r.region.clone()).collect(),
        ..Evidence::default()
    };
    progress(&ev);
    let deadline = Instant::now() + DEADLINE;
    let mut seen: HashSet<String> = HashSet::new();
    let mut errors: Vec<String> = Vec::new();
    let mut answered = false;
    let mut lookups: Vec<(&Regional, Lookup)> =
        regions.iter().map(|r| (r, Lookup::WebIdentity)).collect();
    if let Some(home) = regions.first() {
        lookups.push((home, Lookup::Denied));
    }
    // A region that failed once (denied, unreachable) is not asked again.
    let mut failed: HashSet<String> = HashSet::new();
    for (regional, lookup) in lookups {
        if failed.contains(&regional.region) {
            continue;
        }
        let mut page = Page {
            regional,
            lookup,
            scope,
            opts,
            since,
            until,
            deadline,
            calls,
        };
        match page.through(&mut ev, &mut seen, progress).await {
            Ok(()) => answered = true,
            Err(message) => {
                failed.insert(regional.region.clone());
                errors.push(message);
            }
        }
    }
    ev.events
        .sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    ev.error = (!errors.is_empty()).then(|| errors.join("; "));
    ev.state = if answered {
        TrailState::Read
    } else {
        TrailState::Failed
    };
    progress(&ev);
    ev
}

/// Paging through one lookup.
struct Page<'a> {
    regional: &'a Regional,
    lookup: Lookup,
    scope: &'a Scope,
    opts: &'a TrailOptions,
    since: i64,
    until: i64,
    deadline: Instant,
    calls: &'a CallLog,
}

impl Page<'_> {
    async fn through(
        &mut self,
        ev: &mut Evidence,
        seen: &mut HashSet<String>,
        progress: &(dyn Fn(&Evidence) + Sync),
    ) -> Result<(), String> {
        let at = &self.regional.at;
        let mut token: Option<String> = None;
        let mut read = 0usize;
        // The oldest event time this lookup read: after a cut, the window is whole from there.
        let mut oldest: Option<i64> = None;
        loop {
            if read >= self.opts.max_events {
                cut(ev, format!("--max-events {}", self.opts.max_events), oldest);
                return Ok(());
            }
            if Instant::now() >= self.deadline {
                cut(
                    ev,
                    format!("the read's {} s deadline", DEADLINE.as_secs()),
                    oldest,
                );
                return Ok(());
            }
            self.regional.limiter.wait().await;
            let mut req = self
                .regional
                .client
                .lookup_events()
                .start_time(aws_smithy_types::DateTime::from_secs(self.since))
                .end_time(aws_smithy_types::DateTime::from_secs(self.until))
                .max_results(PAGE)
                .set_next_token(token.take());
            if self.lookup == Lookup::WebIdentity {
                let by_name = LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::EventName)
                    .attribute_value("AssumeRoleWithWebIdentity")
                    .build()
                    .map_err(|e| format!("cloudtrail:LookupEvents: {e}"))?;
                req = req.lookup_attributes(by_name);
            }
            self.calls.record("cloudtrail:LookupEvents");
            ev.calls += 1;
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            let out = match tokio::time::timeout(remaining, req.send()).await {
                Ok(Ok(out)) => out,
                Ok(Err(e)) => {
                    let said = super::calls::describe(&e, "cloudtrail:LookupEvents", at);
                    return Err(format!("{}: {said}", self.regional.region));
                }
                Err(_) => {
                    cut(
                        ev,
                        format!("the read's {} s deadline", DEADLINE.as_secs()),
                        oldest,
                    );
                    return Ok(());
                }
            };
            for event in out.events() {
                read += 1;
                ev.scanned += 1;
                let Some(reduced) = reduce(event, &self.regional.region) else {
                    continue;
                };
                let wanted = match self.lookup {
                    Lookup::WebIdentity => reduced.kind == TrailKind::WebIdentity,
                    Lookup::Denied => reduced.kind == TrailKind::Denied,
                };
                if wanted && self.scope.keeps(&reduced) && seen.insert(reduced.id.clone()) {
                    ev.events.push(reduced);
                }
                if let Some(t) = event.event_time().map(aws_smithy_types::DateTime::secs) {
                    oldest = Some(oldest.map_or(t, |o: i64| o.min(t)));
                }
            }
            progress(ev);
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(()),
            }
        }
    }
}

/// The read stopped before the window's start; events are whole from `oldest` on (the
/// latest such time of every lookup cut).
fn cut(ev: &mut Evidence, why: String, oldest: Option<i64>) {
    if ev.truncated.is_none() {
        ev.truncated = Some(why);
    }
    let from = oldest.map(crate::time::rfc3339);
    if from > ev.oldest {
        ev.oldest = from;
    }
}

/// The text at `path` of a JSON object.
fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A value from an event (an id, a name, an ARN), on one line and bounded.
fn kept(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MESSAGE_MAX {
        one_line.chars().take(MESSAGE_MAX).collect::<String>() + "…"
    } else {
        one_line
    }
}

/// An error message from an event: as [`kept`], and redacted (it is free text).
fn kept_message(s: &str) -> String {
    kept(&crate::redact::redact(s))
}

/// `system:serviceaccount:NS:NAME` as `NS/NAME`.
pub fn service_account_of(user: &str) -> Option<String> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then(|| format!("{ns}/{name}"))
}

/// The role of an assumed-role ARN (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
fn role_of_session(arn: &str) -> Option<String> {
    let (head, rest) = arn.split_once(":assumed-role/")?;
    let name = rest.split('/').next().filter(|n| !n.is_empty())?;
    let account = head.rsplit(':').next()?;
    let partition = head.split(':').nth(1).unwrap_or("aws");
    Some(format!("arn:{partition}:iam::{account}:role/{name}"))
}

/// "… is not authorized to perform: kms:Decrypt on resource: arn:… because …": the
/// action and resource of an AccessDenied message.
fn denied_call(message: &str) -> (Option<String>, Option<String>) {
    let action = message.split_once("perform: ").and_then(|(_, rest)| {
        rest.split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .filter(|a| a.contains(':'))
            .map(str::to_owned)
    });
    let resource = message.split_once("on resource: ").and_then(|(_, rest)| {
        rest.split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .filter(|r| r.starts_with("arn:"))
            .map(str::to_owned)
    });
    (action, resource)
}

/// `kms.amazonaws.com` + `Decrypt` → `kms:Decrypt`.
fn action_of(source: &str, name: &str) -> Option<String> {
    let service = source.strip_suffix(".amazonaws.com")?;
    (!service.is_empty() && !name.is_empty()).then(|| format!("{service}:{name}"))
}

/// Reduces an event to what the checks use; `None` for an event that is neither a
/// web-identity call nor a denied call of an assumed-role session. Nothing else of the
/// event (access key ids, tokens, request and response bodies) is kept.
pub fn reduce(event: &Event, region: &str) -> Option<TrailEvent> {
    let raw: Value = event
        .cloud_trail_event()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    let id = text(&raw, &["eventID"]).or(event.event_id())?.to_owned();
    let name = text(&raw, &["eventName"])
        .or(event.event_name())?
        .to_owned();
    let source = text(&raw, &["eventSource"])
        .or(event.event_source())
        .unwrap_or_default()
        .to_owned();
    let time = text(&raw, &["eventTime"])
        .and_then(crate::time::parse_rfc3339)
        .or_else(|| event.event_time().map(|t| t.secs()))
        .map(crate::time::rfc3339)?;
    let error_code = text(&raw, &["errorCode"]).map(kept);
    let raw_message = text(&raw, &["errorMessage"]);
    let error_message = raw_message.map(kept_message);
    let identity_type = text(&raw, &["userIdentity", "type"]).unwrap_or_default();
    let region = text(&raw, &["awsRegion"]).unwrap_or(region).to_owned();
    let base = TrailEvent {
        id: kept(&id),
        time,
        source: kept(&source),
        name: kept(&name),
        region: kept(&region),
        error_code,
        error_message,
        ..TrailEvent::default()
    };
    if source == "sts.amazonaws.com" && name == "AssumeRoleWithWebIdentity" {
        let user = text(&raw, &["userIdentity", "userName"])
            .or_else(|| {
                text(&raw, &["userIdentity", "principalId"]).map(|p| {
                    // `…:sts.amazonaws.com:system:serviceaccount:NS:NAME`.
                    p.find("system:serviceaccount:").map_or(p, |i| &p[i..])
                })
            })
            .or(event.username());
        return Some(TrailEvent {
            kind: TrailKind::WebIdentity,
            role_arn: text(&raw, &["requestParameters", "roleArn"]).map(kept),
            service_account: user.and_then(service_account_of),
            identity_provider: text(&raw, &["userIdentity", "identityProvider"]).map(kept),
            ..base
        });
    }
    let code = base.error_code.as_deref()?;
    if !is_denied_code(code) || identity_type != "AssumedRole" {
        return None;
    }
    let role = text(
        &raw,
        &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
    )
    .map(str::to_owned)
    .or_else(|| text(&raw, &["userIdentity", "arn"]).and_then(role_of_session))?;
    let (said_action, said_resource) = denied_call(raw_message.unwrap_or(""));
    let resource = said_resource
        .or_else(|| {
            raw.get("resources")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(|r| r.get("ARN").and_then(Value::as_str))
                .map(str::to_owned)
        })
        .or_else(|| {
            event
                .resources()
                .iter()
                .find_map(|r| r.resource_name().filter(|n| n.starts_with("arn:")))
                .map(str::to_owned)
        });
    Some(TrailEvent {
        kind: TrailKind::Denied,
        role_arn: Some(kept(&role)),
        action: said_action
            .or_else(|| action_of(&source, &name))
            .map(|a| kept(&a)),
        resource: resource.map(|r| kept(&r)),
        ..base
    })
}

/// Reads the window into `store` (its `evidence`, as it arrives), for the cluster and the
/// roles the store holds; AWS must have been read first (the region, account, issuer).
/// With `--no-cloudtrail` it records that it is skipped; with AWS unreachable it reads
/// nothing (IRSA603 says why).
pub async fn fetch(
    opts: &super::AwsOptions,
    trail: &TrailOptions,
    store: &crate::sources::store::Store,
    calls: &CallLog,
) {
    if !trail.enabled {
        store.update(|d| {
            *d.evidence = Evidence {
                state: TrailState::Skipped,
                ..Evidence::default()
            };
        });
        return;
    }
    let (reachable, region, account, issuer, roles) = store.read(|d| {
        let roles: BTreeSet<String> = d
            .service_accounts
            .values()
            .filter_map(|s| s.role_arn.clone())
            .filter(|a| crate::arn::parse_role_arn(a).is_ok())
            .chain(
                d.pod_identity_associations
                    .iter()
                    .map(|a| a.role_arn.clone()),
            )
            .collect();
        (
            d.aws.reachable,
            d.cluster.region.clone(),
            d.cluster.account.clone(),
            d.cluster.oidc_issuer.clone(),
            roles,
        )
    });
    if !reachable {
        return;
    }
    let Some(region) = region else {
        store.update(|d| {
            *d.evidence = Evidence {
                state: TrailState::Failed,
                error: Some(
                    "no AWS region known for the cluster: pass --region to read CloudTrail".into(),
                ),
                ..Evidence::default()
            };
        });
        return;
    };
    let config = super::sdk_config(opts).await;
    let regions = clients(&config, &region, account.as_deref());
    let scope = Scope {
        roles,
        issuer: issuer.map(|i| {
            i.trim_start_matches("https://")
                .trim_end_matches('/')
                .to_owned()
        }),
    };
    // A re-read (Ctrl-R) keeps what the last one found on screen until it is through.
    let again = store.read(|d| d.evidence.state == TrailState::Read);
    let progress = |ev: &Evidence| {
        store.update(|d| {
            if again && ev.state == TrailState::Reading {
                d.evidence.state = TrailState::Reading;
                d.evidence.calls = ev.calls;
                d.evidence.scanned = ev.scanned;
            } else {
                *d.evidence = ev.clone();
            }
        });
    };
    let ev = read(
        &regions,
        &scope,
        trail,
        crate::time::now_secs(),
        calls,
        &progress,
    )
    .await;
    tracing::info!(
        calls = ev.calls,
        scanned = ev.scanned,
        kept = ev.events.len(),
        truncated = ?ev.truncated,
        error = ?ev.error,
        "CloudTrail read"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_minutes_hours_days_and_refuses_the_rest() {
        assert_eq!(parse_since("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_since("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_since("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "h", "0h", "1w", "1.5h", "-1h", "91d", "1 h"] {
            let e = parse_since(bad).expect_err(bad);
            assert!(e.starts_with("invalid duration"), "{bad}: {e}");
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn a_service_account_and_a_session_role_are_read_from_an_event() {
        assert_eq!(
            service_account_of("system:serviceaccount:payments:payments-api").as_deref(),
            Some("payments/payments-api")
        );
        assert_eq!(service_account_of("system:serviceaccount:payments"), None);
        assert_eq!(service_account_of("alice"), None);
        assert_eq!(
            role_of_session("arn:aws:sts::111122223333:assumed-role/app/botocore-session-1")
                .as_deref(),
            Some("arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(
            denied_call(
                "User: arn:aws:sts::1:assumed-role/a/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k because no identity-based policy allows the kms:Decrypt action"
            ),
            (
                Some("kms:Decrypt".into()),
                Some("arn:aws:kms:us-east-1:1:key/k".into())
            )
        );
    }

    /// Each request takes the next slot, half a second after the one before (the slots
    /// are compared, not the clock).
    #[tokio::test]
    async fn the_limiter_gives_each_request_the_next_slot() {
        let l = Limiter::new(Duration::from_millis(2));
        l.wait().await;
        let first = l.next.lock().await.expect("a slot");
        for _ in 0..3 {
            l.wait().await;
        }
        let fourth = l.next.lock().await.expect("a slot");
        assert!(
            fourth >= first + Duration::from_millis(6),
            "{first:?} {fourth:?}"
        );
        let shared = limiter(Some("111122223333"), "eu-west-1");
        assert!(Arc::ptr_eq(
            &shared,
            &limiter(Some("111122223333"), "eu-west-1")
        ));
        assert!(!Arc::ptr_eq(
            &shared,
            &limiter(Some("111122223333"), "us-east-1")
        ));
    }
}
