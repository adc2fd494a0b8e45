//! CloudTrail evidence as the inventory records it: each event reduced on arrival to the
//! fields the IRSA8xx checks use (never an access key id, a session token or a request
//! body beyond the role asked for), and the window read. A snapshot records it, so
//! `--replay` shows the same evidence; a snapshot written before it existed loads with
//! none.

use serde::{Deserialize, Serialize};

/// The `errorCode`s of a call the caller was not allowed to make.
pub const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
];

/// Whether `code` is one of [`DENIED_CODES`].
pub fn is_denied_code(code: &str) -> bool {
    DENIED_CODES.contains(&code)
}

/// What became of the CloudTrail read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrailState {
    /// Not read: the demo or a snapshot without evidence, `--no-aws`, or not yet started.
    #[default]
    NotRead,
    /// `--no-cloudtrail`: skipped on purpose.
    Skipped,
    /// Being read (the dashboard): `events` holds what arrived so far.
    Reading,
    /// Read through (maybe cut short by the cap: see `truncated`).
    Read,
    /// Could not be read at all (IRSA804): see `error`.
    Failed,
}

/// The evidence read from CloudTrail's `LookupEvents` for one window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    pub state: TrailState,
    /// The window asked for (RFC 3339): `since` to `until`.
    pub since: Option<String>,
    pub until: Option<String>,
    /// The regions read (the cluster's, and `us-east-1` for the global STS endpoint).
    pub regions: Vec<String>,
    /// What stopped the read before the window's start (`--max-events 2000`, the read's
    /// deadline): events older than `oldest` were not all read. `None`: read through.
    pub truncated: Option<String>,
    /// With `truncated`: the oldest event time read (RFC 3339).
    pub oldest: Option<String>,
    /// Why CloudTrail (or one of its regions) could not be read, in one sentence.
    pub error: Option<String>,
    /// `LookupEvents` calls made.
    pub calls: usize,
    /// Events scanned (kept or not).
    pub scanned: usize,
    /// The events kept, reduced, de-duplicated by id, newest first.
    pub events: Vec<TrailEvent>,
}

impl Evidence {
    /// Nothing was read or tried: not written to a snapshot.
    pub fn is_empty(&self) -> bool {
        *self == Evidence::default()
    }

    /// Keeps (`-n`) the events of ServiceAccounts in namespaces `keep` accepts, and the
    /// denied calls of the roles `roles` (those the kept bindings use).
    pub fn restrict(&mut self, keep: &dyn Fn(&str) -> bool, roles: &[String]) {
        self.events.retain(|e| match (&e.service_account, e.kind) {
            (Some(sa), _) => sa.split_once('/').is_some_and(|(ns, _)| keep(ns)),
            (None, TrailKind::Denied) => e
                .role_arn
                .as_deref()
                .is_some_and(|r| roles.iter().any(|k| crate::arn::same_role(k, r))),
            (None, TrailKind::WebIdentity) => e
                .role_arn
                .as_deref()
                .is_none_or(|r| roles.iter().any(|k| crate::arn::same_role(k, r))),
        });
    }
}

/// What kind of event it is, for the checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrailKind {
    /// `sts:AssumeRoleWithWebIdentity`, successful or not.
    #[default]
    WebIdentity,
    /// A call made with an assumed-role session, denied.
    Denied,
}

/// One CloudTrail event, reduced to what the checks use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrailEvent {
    /// CloudTrail's `eventID` (to de-duplicate regions and re-reads).
    pub id: String,
    pub kind: TrailKind,
    /// `eventTime` (RFC 3339).
    pub time: String,
    /// `eventSource` (`sts.amazonaws.com`) and `eventName` (`AssumeRoleWithWebIdentity`).
    pub source: String,
    pub name: String,
    /// `awsRegion`.
    pub region: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The role: asked for (`requestParameters.roleArn`, web identity) or whose session
    /// made the call (`sessionContext.sessionIssuer.arn`, denied calls).
    pub role_arn: Option<String>,
    /// `NAMESPACE/NAME` from `userIdentity.userName` `system:serviceaccount:NS:NAME`.
    pub service_account: Option<String>,
    /// `userIdentity.identityProvider` (web identity): the OIDC provider.
    pub identity_provider: Option<String>,
    /// Denied calls: `service:Action` and the resource ARN when the event names one.
    pub action: Option<String>,
    pub resource: Option<String>,
}

impl TrailEvent {
    /// A web-identity call that failed.
    pub fn failed(&self) -> bool {
        self.kind == TrailKind::WebIdentity && self.error_code.is_some()
    }
}
