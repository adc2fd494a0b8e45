//! A stand-in for CloudTrail's `LookupEvents` (moto has none): its JSON protocol
//! (`X-Amz-Target: CloudTrail_20131101.LookupEvents`, or its long form
//! `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`;
//! `application/x-amz-json-1.1`), paging with `NextToken`, the `EventName` lookup
//! attribute, events per region (the region of the request's signature), throttling
//! answers and an AccessDenied mode; and events shaped like real ones.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// The operation's `X-Amz-Target`, as the Rust SDK sends it and in its long form (as the
/// API's model spells it).
pub const TARGETS: &[&str] = &[
    "CloudTrail_20131101.LookupEvents",
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
];

/// How the stand-in answers.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Every `throttle_every`-th request is answered with a ThrottlingException (0: never).
    pub throttle_every: usize,
    /// Every request is refused with AccessDeniedException.
    pub denied: bool,
}

#[derive(Debug, Default)]
struct State {
    /// (region, event as LookupEvents returns it), newest first.
    events: Vec<(String, Value)>,
    behaviour: Behaviour,
    requests: usize,
    throttled: usize,
    /// The regions and lookup attributes asked, in order.
    asked: Vec<(String, Option<String>)>,
}

/// A running stand-in; stops when dropped.
pub struct FakeCloudTrail {
    pub url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeCloudTrail {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeCloudTrail {
    /// Starts on a free local port with `events` (each `(region, CloudTrail event JSON)`).
    pub async fn start(events: Vec<(String, Value)>, behaviour: Behaviour) -> FakeCloudTrail {
        let mut listed: Vec<(String, Value)> = events
            .into_iter()
            .map(|(region, e)| (region, lookup_event(&e)))
            .collect();
        listed.sort_by(|a, b| {
            let t = |v: &Value| v["EventTime"].as_f64().unwrap_or(0.0);
            t(&b.1).total_cmp(&t(&a.1))
        });
        let state = Arc::new(Mutex::new(State {
            events: listed,
            behaviour,
            ..State::default()
        }));
        let shared = state.clone();
        let app = Router::new().route(
            "/",
            post(move |headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { answer(&state, &headers, &body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeCloudTrail {
            url: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// Requests received (throttled ones included).
    pub fn requests(&self) -> usize {
        self.state.lock().expect("state").requests
    }

    /// Requests answered with a ThrottlingException.
    pub fn throttled(&self) -> usize {
        self.state.lock().expect("state").throttled
    }

    /// The (region, EventName attribute) of every request that was answered.
    pub fn asked(&self) -> Vec<(String, Option<String>)> {
        self.state.lock().expect("state").asked.clone()
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

/// The region of a SigV4 `Authorization` header (`Credential=AKID/DATE/REGION/cloudtrail/…`).
fn region_of(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or("us-east-1")
        .to_owned()
}

fn answer(state: &Mutex<State>, headers: &HeaderMap, body: &[u8]) -> Response {
    let mut s = state.lock().expect("state");
    s.requests += 1;
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !TARGETS.contains(&target) {
        return error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "only LookupEvents here",
        );
    }
    if s.behaviour.denied {
        return error(
            StatusCode::BAD_REQUEST,
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action",
        );
    }
    let every = s.behaviour.throttle_every;
    if every > 0 && s.requests.is_multiple_of(every) {
        s.throttled += 1;
        return error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        );
    }
    let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let region = region_of(headers);
    let by_name = req["LookupAttributes"]
        .as_array()
        .and_then(|a| a.first())
        .filter(|a| a["AttributeKey"] == "EventName")
        .and_then(|a| a["AttributeValue"].as_str())
        .map(str::to_owned);
    s.asked.push((region.clone(), by_name.clone()));
    let (start, end) = (
        req["StartTime"].as_f64().unwrap_or(f64::MIN),
        req["EndTime"].as_f64().unwrap_or(f64::MAX),
    );
    let matching: Vec<&Value> = s
        .events
        .iter()
        .filter(|(r, _)| *r == region)
        .map(|(_, e)| e)
        .filter(|e| by_name.as_deref().is_none_or(|n| e["EventName"] == n))
        .filter(|e| {
            let t = e["EventTime"].as_f64().unwrap_or(0.0);
            t >= start && t <= end
        })
        .collect();
    let size = req["MaxResults"].as_u64().unwrap_or(50).clamp(1, 50) as usize;
    let from: usize = req["NextToken"]
        .as_str()
        .and_then(|t| t.strip_prefix("page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = matching
        .iter()
        .skip(from)
        .take(size)
        .map(|e| (*e).clone())
        .collect();
    let mut out = json!({"Events": page});
    if from + size < matching.len() {
        out["NextToken"] = json!(format!("page-{}", from + size));
    }
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        out.to_string(),
    )
        .into_response()
}

/// An event as `LookupEvents` returns it: a few top-level fields and the whole record as
/// the `CloudTrailEvent` string.
fn lookup_event(e: &Value) -> Value {
    let time = e["eventTime"]
        .as_str()
        .and_then(irsa_tui::time::parse_rfc3339)
        .unwrap_or(0);
    json!({
        "EventId": e["eventID"],
        "EventName": e["eventName"],
        "ReadOnly": "false",
        "AccessKeyId": e["userIdentity"]["accessKeyId"],
        "EventTime": time as f64,
        "EventSource": e["eventSource"],
        "Username": e["userIdentity"]["userName"],
        "Resources": e["resources"].as_array().map(|r| r.iter().map(|x| json!({"ResourceType": x["type"], "ResourceName": x["ARN"]})).collect::<Vec<_>>()).unwrap_or_default(),
        "CloudTrailEvent": e.to_string(),
    })
}

pub const ACCOUNT: &str = "111122223333";
/// A session's access key id and token, as real events carry them: never to be kept.
pub const SESSION_KEY: &str = "ASIAQEXAMPLESESSION1";
pub const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue";

/// `AssumeRoleWithWebIdentity` by `ns:name`'s token for `role`, failed with `error` or not.
pub fn web_identity(
    id: &str,
    time: &str,
    region: &str,
    provider: &str,
    sa: Option<(&str, &str)>,
    role: &str,
    error: Option<(&str, &str)>,
) -> Value {
    let user = sa.map(|(ns, n)| format!("system:serviceaccount:{ns}:{n}"));
    let mut e = json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "WebIdentityUser",
            "principalId": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}:sts.amazonaws.com:{}", user.clone().unwrap_or_default()),
            "userName": user,
            "identityProvider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"),
        },
        "eventTime": time,
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux api/sts#1.30.3",
        "requestParameters": {
            "roleArn": role,
            "roleSessionName": "1763627400123456789",
            "durationSeconds": 3600
        },
        "responseElements": {
            "credentials": {
                "accessKeyId": SESSION_KEY,
                "sessionToken": SESSION_TOKEN,
                "expiration": "Nov 20, 2026, 10:30:00 AM"
            },
            "subjectFromWebIdentityToken": user,
            "assumedRoleUser": {
                "assumedRoleId": "AROAQEXAMPLEROLEID:1763627400123456789",
                "arn": format!("{}/1763627400123456789", role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/"))
            },
            "provider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"),
            "audience": "sts.amazonaws.com"
        },
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "clientProvidedHostHeader": format!("sts.{region}.amazonaws.com")}
    });
    if let Some((code, message)) = error {
        e["errorCode"] = json!(code);
        e["errorMessage"] = json!(message);
        e["responseElements"] = Value::Null;
    }
    e
}

/// A call by a session of `role` (IRSA: `botocore-session-…`), denied.
#[allow(
    clippy::too_many_arguments,
    reason = "an event's fields, named at each call"
)]
pub fn denied(
    id: &str,
    time: &str,
    region: &str,
    role: &str,
    source: &str,
    name: &str,
    resource: Option<&str>,
    request: Value,
) -> Value {
    let role_name = role.rsplit('/').next().unwrap_or_default();
    let session =
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/botocore-session-1763627400");
    let service = source.trim_end_matches(".amazonaws.com");
    let on = resource
        .map(|r| format!(" on resource: {r}"))
        .unwrap_or_default();
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAQEXAMPLEROLEID:botocore-session-1763627400",
            "arn": session,
            "accountId": ACCOUNT,
            "accessKeyId": SESSION_KEY,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAQEXAMPLEROLEID",
                    "arn": role,
                    "accountId": ACCOUNT,
                    "userName": role_name
                },
                "webIdFederationData": {
                    "federatedProvider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"),
                    "attributes": {}
                },
                "attributes": {"creationDate": "2026-11-20T08:00:00Z", "mfaAuthenticated": "false"}
            }
        },
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1 lang/python#3.12.5",
        "errorCode": if service == "kms" || service == "secretsmanager" { "AccessDeniedException" } else { "AccessDenied" },
        "errorMessage": format!("User: {session} is not authorized to perform: {service}:{name}{on} because no identity-based policy allows the {service}:{name} action"),
        "requestParameters": request,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": true,
        "resources": resource.filter(|r| r.starts_with("arn:")).map(|r| vec![json!({"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": r})]).unwrap_or_default(),
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "sessionCredentialFromConsole": null
    })
}

/// Any other management event of the region (what the denied-calls scan reads past).
pub fn other(id: &str, time: &str, region: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/deploy"), "accessKeyId": SESSION_KEY,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/ci")}}},
        "eventTime": time,
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DescribeInstances",
        "awsRegion": region,
        "requestParameters": {"instancesSet": {}},
        "responseElements": null,
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT
    })
}
