//! What actually happened (IRSA801–IRSA804): CloudTrail's events, joined to the bindings.
//! The event says *what* failed or was denied; the configuration analysis (the finding that
//! explains a failed `AssumeRoleWithWebIdentity`) and the identity evaluator (`can`, for a
//! denied call) say *why*. Evidence only adds findings: it never makes a binding better,
//! and IRSA804 (CloudTrail unreadable) never changes a status.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::analysis::permissions::Documents;
use crate::analysis::permissions::ask::answer_for_role;
use crate::analysis::report::Binding;
use crate::inventory::{Evidence, Inventory, TrailEvent, TrailKind, TrailState};

mod owners;
use crate::policy::identity::{PolicyKind, Question, Verdict};
use crate::shell::{self, Kind};
pub use owners::{Owners, RoleId, roles_of};

/// What LookupEvents holds, said next to every piece of evidence.
pub const SCOPE_NOTE: &str = "CloudTrail's LookupEvents returns management events only: S3 object calls and DynamoDB item calls are data events and are not there (no denied call listed does not mean S3 works); CloudTrail delivers events minutes late.";

/// Unattributed events listed, at most (all are counted).
pub const UNATTRIBUTED_LISTED: usize = 20;

/// The window of evidence a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceWindow {
    /// `read`, `reading` (the dashboard, while it arrives), `failed` or `skipped`.
    pub state: TrailState,
    pub since: Option<String>,
    pub until: Option<String>,
    pub regions: Vec<String>,
    /// Events kept (web-identity calls of this cluster, denied calls of its roles).
    pub events: usize,
    /// Events that no binding of the report could be given.
    pub unattributed: usize,
    /// What stopped the read before the window's start (`--max-events 2000`); `null`: read
    /// through.
    pub truncated: Option<String>,
    /// With `truncated`: the events are whole from this time on.
    pub complete_from: Option<String>,
    /// Why CloudTrail (or a region of it) could not be read.
    pub error: Option<String>,
    /// [`SCOPE_NOTE`].
    pub note: String,
    /// The unattributed events, newest first, at most [`UNATTRIBUTED_LISTED`].
    pub unattributed_events: Vec<TrailEvent>,
}

/// The evidence of one binding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingEvidence {
    /// Successful `AssumeRoleWithWebIdentity` calls for the binding's role.
    pub sessions: usize,
    /// Failed `AssumeRoleWithWebIdentity` calls (IRSA801), by error and role asked for.
    pub sts_failures: Vec<StsFailure>,
    /// Calls denied to the role's sessions (IRSA802), by action and resource.
    pub denied: Vec<DeniedCalls>,
    /// Sessions for other roles than the annotation (IRSA803).
    pub other_roles: Vec<OtherRole>,
}

impl BindingEvidence {
    fn is_empty(&self) -> bool {
        *self == BindingEvidence::default()
    }

    /// Failed web-identity calls.
    pub fn failures(&self) -> usize {
        self.sts_failures.iter().map(|f| f.count).sum()
    }

    /// Denied calls.
    pub fn denials(&self) -> usize {
        self.denied.iter().map(|d| d.count).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsFailure {
    pub error_code: String,
    pub error_message: Option<String>,
    pub role_arn: Option<String>,
    pub count: usize,
    pub first: String,
    pub last: String,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedCalls {
    pub action: String,
    pub resource: Option<String>,
    pub error_code: String,
    pub count: usize,
    pub first: String,
    pub last: String,
    pub role_arn: String,
    /// The identity evaluator's answer: `allowed`, `implicit-deny`, `explicit-deny`,
    /// `unknown`; `null` when the role was not read.
    pub decision: Option<Verdict>,
    /// Why, in one sentence.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherRole {
    pub role_arn: String,
    pub count: usize,
    pub first: String,
    pub last: String,
}

pub const IRSA801: Entry = Entry {
    code: Code::IRSA801,
    grade: Grade::Is(Severity::Error),
    meaning: "AssumeRoleWithWebIdentity calls for this ServiceAccount's token failed recently",
    why: "CloudTrail recorded failed AssumeRoleWithWebIdentity calls made with this ServiceAccount's token in the window: whatever the configuration says, its pods did not get credentials. The event's errorCode and errorMessage say what STS refused; when the configuration analysis found the cause, the finding names it.",
    fix: "Read the error of the events; compare the role asked for with the annotation, and the trust policy with the token's sub and aud (irsa-tui trust).",
    stage: Stage::Evidence,
};

pub const IRSA802: Entry = Entry {
    code: Code::IRSA802,
    grade: Grade::Is(Severity::Warning),
    meaning: "calls made with this binding's role sessions were denied recently",
    why: "CloudTrail recorded AccessDenied (or UnauthorizedOperation) for calls made with this binding's role sessions in the window: the pods got credentials, and the role may not do what they ask. The identity evaluator says why for each (the policy that does not allow it, or that the identity side allows it and the denial comes from elsewhere). CloudTrail's LookupEvents carries management events only: S3 object and DynamoDB item calls are not there.",
    fix: "Check the action and resource of the events against the role's identity policies and boundary (irsa-tui can NS/NAME ACTION --resource ARN); grant what the workload needs.",
    stage: Stage::Evidence,
};

pub const IRSA803: Entry = Entry {
    code: Code::IRSA803,
    grade: Grade::Is(Severity::Warning),
    meaning: "a session of this ServiceAccount assumed another role than its annotation recently",
    why: "CloudTrail recorded a session of this ServiceAccount's token for a role other than the one it is annotated with: a pod still running with an old AWS_ROLE_ARN, or a role ARN set by hand in the pod's environment.",
    fix: "Restart the workloads so their pods get the current annotation, and remove any AWS_ROLE_ARN set by hand.",
    stage: Stage::Evidence,
};

pub const IRSA804: Entry = Entry {
    code: Code::IRSA804,
    grade: Grade::Is(Severity::Info),
    meaning: "CloudTrail could not be read: there is no evidence",
    why: "irsa-tui could not read CloudTrail (AccessDenied, throttled past its retries, or a region not enabled), so there is no evidence of what happened. This is said, not hidden, and never changes a status.",
    fix: "Give irsa-tui cloudtrail:LookupEvents in the cluster's region (and us-east-1 for the global STS endpoint).",
    stage: Stage::Visibility,
};

/// The codes of configuration findings that explain a failed `AssumeRoleWithWebIdentity`.
const EXPLAINS_STS_FAILURE: &[Code] = &[
    Code::IRSA101,
    Code::IRSA102,
    Code::IRSA201,
    Code::IRSA202,
    Code::IRSA203,
    Code::IRSA204,
    Code::IRSA205,
    Code::IRSA206,
    Code::IRSA207,
    Code::IRSA208,
    Code::IRSA209,
    Code::IRSA210,
    Code::IRSA301,
    Code::IRSA302,
    Code::IRSA303,
];

/// Joins the inventory's evidence to `bindings`: each gets its evidence and IRSA801–IRSA803
/// (its status re-derived: evidence only makes it worse). Returns the report's window and
/// the cluster findings (IRSA804). Nothing when CloudTrail was not read. `trail`: the
/// inventory's events by owner ([`Owners::new`] of them).
pub fn attach(
    inv: &Inventory,
    documents: &Documents,
    trail: &Owners,
    bindings: &mut [Binding],
) -> (Option<EvidenceWindow>, Vec<Finding>) {
    let ev = &inv.evidence;
    if ev.state == TrailState::NotRead {
        return (None, Vec::new());
    }
    let cluster: Vec<Finding> = unreadable(inv).into_iter().collect();
    let mut users: HashMap<RoleId, usize> = HashMap::default();
    for b in bindings.iter() {
        for r in roles_of(b) {
            *users.entry(r).or_default() += 1;
        }
    }
    let users_of = |r: &RoleId| users.get(r).copied().unwrap_or(0);
    let keys: HashSet<(String, String)> = bindings
        .iter()
        .map(|b| (b.namespace.clone(), b.service_account.clone()))
        .collect();
    for b in bindings.iter_mut() {
        let mine = trail.events_of(b, users_of);
        give(documents, &ev.events, &mine, b);
    }
    let unattributed = trail.unattributed(|k| keys.contains(k), users_of);
    (Some(window(ev, &unattributed)), cluster)
}

/// Gives binding `b` the events `mine` (indices into `events`, in their order): its
/// evidence, IRSA801–IRSA803 and its status again.
pub fn give(documents: &Documents, events: &[TrailEvent], mine: &[usize], b: &mut Binding) {
    if mine.is_empty() {
        return;
    }
    let events: Vec<&TrailEvent> = mine.iter().filter_map(|&i| events.get(i)).collect();
    let evidence = group(documents, b, &events);
    if evidence.is_empty() {
        return;
    }
    let found = findings(b, &evidence);
    b.findings.extend(found);
    crate::analysis::finding::worst_first(&mut b.findings);
    b.status = crate::analysis::status_of(&b.findings);
    b.evidence = Some(evidence);
}

/// The report's window of evidence, with the events no binding owns (`unattributed`,
/// indices in the read's order).
pub fn window(ev: &Evidence, unattributed: &[usize]) -> EvidenceWindow {
    EvidenceWindow {
        state: ev.state,
        since: ev.since.clone(),
        until: ev.until.clone(),
        regions: ev.regions.clone(),
        events: ev.events.len(),
        unattributed: unattributed.len(),
        truncated: ev.truncated.clone(),
        complete_from: ev.truncated.as_ref().and(ev.oldest.clone()),
        error: ev.error.clone(),
        note: SCOPE_NOTE.to_owned(),
        unattributed_events: unattributed
            .iter()
            .take(UNATTRIBUTED_LISTED)
            .filter_map(|&i| ev.events.get(i).cloned())
            .collect(),
    }
}

/// Earliest and latest of a group (events come newest first, but not assumed).
fn span(times: impl Iterator<Item = String>) -> (String, String) {
    let mut first: Option<String> = None;
    let mut last: Option<String> = None;
    for t in times {
        if first.as_ref().is_none_or(|f| t < *f) {
            first = Some(t.clone());
        }
        if last.as_ref().is_none_or(|l| t > *l) {
            last = Some(t);
        }
    }
    (first.unwrap_or_default(), last.unwrap_or_default())
}

/// The binding's events, grouped.
fn group(documents: &Documents, b: &Binding, events: &[&TrailEvent]) -> BindingEvidence {
    let mut out = BindingEvidence::default();
    let annotation = b.annotations.get(crate::inventory::ANNOTATION_ROLE_ARN);
    let mut failures: BTreeMap<(String, Option<String>), Vec<&TrailEvent>> = BTreeMap::new();
    let mut others: BTreeMap<String, Vec<&TrailEvent>> = BTreeMap::new();
    let mut denied: BTreeMap<(String, Option<String>, String, String), Vec<&TrailEvent>> =
        BTreeMap::new();
    for e in events {
        match (e.kind, &e.error_code) {
            (TrailKind::WebIdentity, Some(code)) => failures
                .entry((code.clone(), e.role_arn.clone()))
                .or_default()
                .push(e),
            (TrailKind::WebIdentity, None) => match (&e.role_arn, annotation) {
                (Some(asked), Some(current)) if !crate::arn::same_role(asked, current) => {
                    others.entry(asked.clone()).or_default().push(e);
                }
                (Some(asked), None) if b.role_arn.is_none() => {
                    others.entry(asked.clone()).or_default().push(e);
                }
                _ => out.sessions += 1,
            },
            (TrailKind::Denied, code) => denied
                .entry((
                    e.action.clone().unwrap_or_else(|| e.name.clone()),
                    e.resource.clone(),
                    code.clone().unwrap_or_default(),
                    e.role_arn.clone().unwrap_or_default(),
                ))
                .or_default()
                .push(e),
        }
    }
    for ((code, role), es) in failures {
        let (first, last) = span(es.iter().map(|e| e.time.clone()));
        let mut regions: Vec<String> = es.iter().map(|e| e.region.clone()).collect();
        regions.sort();
        regions.dedup();
        out.sts_failures.push(StsFailure {
            error_message: es
                .iter()
                .max_by(|a, b| a.time.cmp(&b.time))
                .and_then(|e| e.error_message.clone()),
            error_code: code,
            role_arn: role,
            count: es.len(),
            first,
            last,
            regions,
        });
    }
    for (role, es) in others {
        let (first, last) = span(es.iter().map(|e| e.time.clone()));
        out.other_roles.push(OtherRole {
            role_arn: role,
            count: es.len(),
            first,
            last,
        });
    }
    for ((action, resource, code, role), es) in denied {
        let (first, last) = span(es.iter().map(|e| e.time.clone()));
        let (decision, explanation) = explain(documents, &role, &action, resource.as_deref());
        out.denied.push(DeniedCalls {
            action,
            resource,
            error_code: code,
            count: es.len(),
            first,
            last,
            role_arn: role,
            decision,
            explanation,
        });
    }
    // The most frequent first.
    out.sts_failures.sort_by_key(|f| std::cmp::Reverse(f.count));
    out.denied.sort_by_key(|d| std::cmp::Reverse(d.count));
    out
}

/// Why the role's session was denied `action` on `resource`, as `can` answers it.
fn explain(
    documents: &Documents,
    role: &str,
    action: &str,
    resource: Option<&str>,
) -> (Option<Verdict>, String) {
    let question = Question::new(action, resource.unwrap_or("*"));
    let Some(answer) = answer_for_role(documents, role, &question) else {
        return (
            None,
            format!("the role {role} was not read, so the denial cannot be explained"),
        );
    };
    let text = match answer.decision {
        Verdict::ImplicitDeny => {
            let allows = allowed_actions(documents, role);
            if allows.is_empty() {
                answer.reason.clone()
            } else {
                format!("{}; {allows}", answer.reason)
            }
        }
        Verdict::Allowed => format!(
            "the role's identity policies allow it ({}): the denial comes from outside them (a service control policy, the resource's own policy such as a key or secret policy, a session policy or a VPC endpoint policy)",
            answer.reason
        ),
        Verdict::ExplicitDeny | Verdict::Unknown => answer.reason.clone(),
    };
    (Some(answer.decision), text)
}

/// "policy AppRead allows only s3:Get*, s3:List*" for the role's policies that allow
/// something (at most three).
fn allowed_actions(documents: &Documents, role: &str) -> String {
    let Some(r) = documents
        .inventory()
        .roles
        .iter()
        .find(|r| crate::arn::same_role(&r.arn, role))
    else {
        return String::new();
    };
    let Ok(docs) = documents.of(r) else {
        return String::new();
    };
    let view = crate::analysis::permissions::view::of(&docs);
    let parts: Vec<String> = view
        .policies
        .iter()
        .filter(|p| p.kind != PolicyKind::Boundary)
        .filter_map(|p| {
            let allows: Vec<&str> = p
                .statements
                .iter()
                .filter(|s| s.effect == "Allow")
                .map(|s| s.actions.as_str())
                .collect();
            (!allows.is_empty())
                .then(|| format!("policy {} allows only {}", p.name, allows.join(", ")))
        })
        .take(3)
        .collect();
    parts.join("; ")
}

/// IRSA801–IRSA803 of one binding's evidence.
fn findings(b: &Binding, ev: &BindingEvidence) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(sts_failed(b, ev));
    out.extend(denied_calls(b, ev));
    out.extend(other_role(b, ev));
    out
}

/// IRSA801: the ServiceAccount's token was refused by STS.
pub fn sts_failed(b: &Binding, ev: &BindingEvidence) -> Option<Finding> {
    let worst = ev.sts_failures.first()?;
    let who = b.key();
    let explained_by = b
        .findings
        .iter()
        .find(|f| EXPLAINS_STS_FAILURE.contains(&f.code) && f.severity <= Severity::Error);
    let total = ev.failures();
    let cause = match explained_by {
        Some(f) => format!(" The configuration explains it: {} {}.", f.code, f.title),
        None => " The configuration analysis found no cause: look beyond it (an SCP, an inactive regional STS endpoint, a hand-set AWS_ROLE_ARN, a token the SDK failed to refresh).".to_owned(),
    };
    let detail = format!(
        "{} failed AssumeRoleWithWebIdentity call{} for {who}'s token between {} and {}: {}{}.{cause}",
        total,
        if total == 1 { "" } else { "s" },
        ev.sts_failures
            .iter()
            .map(|f| f.first.as_str())
            .min()
            .unwrap_or_default(),
        ev.sts_failures
            .iter()
            .map(|f| f.last.as_str())
            .max()
            .unwrap_or_default(),
        worst.error_code,
        worst
            .error_message
            .as_deref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default(),
    );
    let mut f = IRSA801
        .finding(
            format!("{who}: {total} failed AssumeRoleWithWebIdentity in the window"),
            detail,
        )
        .evidence("count", total)
        .evidence("first", worst.first.clone())
        .evidence("last", worst.last.clone())
        .evidence("error_code", worst.error_code.clone())
        .evidence_if("error_message", worst.error_message.clone())
        .evidence_if("role_asked", worst.role_arn.clone())
        .evidence_if("explained_by", explained_by.map(|f| f.code.as_str()));
    let mut steps = Vec::new();
    if let Some(role) = worst.role_arn.as_deref() {
        steps.push(shell::command(
            "aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
            &[(Kind::RoleName, crate::arn::name(role))],
        ));
    }
    if let Some(e) = explained_by {
        steps.push(Ok(format!(
            "Apply the fix of {} (this binding's finding above): {}",
            e.code,
            e.code.entry().fix
        )));
    }
    f = f.fix_steps(steps);
    Some(f)
}

/// IRSA802: the role's sessions were denied calls.
pub fn denied_calls(b: &Binding, ev: &BindingEvidence) -> Option<Finding> {
    let worst = ev.denied.first()?;
    let who = b.key();
    let total = ev.denials();
    let calls: Vec<String> = ev
        .denied
        .iter()
        .map(|d| {
            format!(
                "{} on {} ({}×, last {}): {}",
                d.action,
                d.resource.as_deref().unwrap_or("*"),
                d.count,
                d.last,
                d.explanation
            )
        })
        .collect();
    let detail = format!(
        "{total} call{} made with {who}'s role sessions {} denied in the window. {}. {SCOPE_NOTE}",
        if total == 1 { "" } else { "s" },
        if total == 1 { "was" } else { "were" },
        calls.join("; ")
    );
    let (ns, name) = (b.namespace.as_str(), b.service_account.as_str());
    let steps: Vec<Result<String, shell::Refused>> = ev
        .denied
        .iter()
        .take(3)
        .map(|d| {
            shell::command(
                "irsa-tui can {}/{} ",
                &[(Kind::Namespace, ns), (Kind::ObjectName, name)],
            )
            .map(|c| {
                let mut c = c + &shell::quote(&d.action);
                if let Some(r) = &d.resource {
                    c.push_str(" --resource ");
                    c.push_str(&shell::quote(r));
                }
                c
            })
        })
        .collect();
    Some(
        IRSA802
            .finding(
                format!(
                    "{who}: {total} denied call{} in the window",
                    if total == 1 { "" } else { "s" }
                ),
                detail,
            )
            .evidence("count", total)
            .evidence("action", worst.action.clone())
            .evidence_if("resource", worst.resource.clone())
            .evidence("error_code", worst.error_code.clone())
            .evidence("last", worst.last.clone())
            .evidence("explanation", worst.explanation.clone())
            .fix_steps(steps),
    )
}

/// IRSA803: a session for another role than the annotation.
pub fn other_role(b: &Binding, ev: &BindingEvidence) -> Option<Finding> {
    let first = ev.other_roles.first()?;
    let who = b.key();
    let current = b
        .role_arn
        .as_deref()
        .map_or("no role-arn annotation".to_owned(), |r| {
            format!("its annotation {r}")
        });
    let roles: Vec<String> = ev
        .other_roles
        .iter()
        .map(|o| format!("{} ({}×, last {})", o.role_arn, o.count, o.last))
        .collect();
    let stale: Vec<&str> = b
        .pods
        .iter()
        .filter(|p| p.stale)
        .map(|p| p.name().as_str())
        .collect();
    let pods = if stale.is_empty() {
        String::new()
    } else {
        format!(" Pods carrying another role: {}.", stale.join(", "))
    };
    let detail = format!(
        "Sessions of {who}'s token assumed {} in the window, not {current}: a pod still running with an old AWS_ROLE_ARN, or one set by hand.{pods}",
        roles.join(", ")
    );
    let restart = shell::command(
        "kubectl get pods -n {} -o custom-columns=POD:.metadata.name,SA:.spec.serviceAccountName,ROLE:.spec.containers[*].env[?(@.name==\"AWS_ROLE_ARN\")].value",
        &[(Kind::Namespace, b.namespace.as_str())],
    );
    Some(
        IRSA803
            .finding(format!("{who}: sessions for another role than its annotation"), detail)
            .evidence("role_assumed", first.role_arn.clone())
            .evidence_if("annotation", b.role_arn.clone())
            .evidence("count", first.count)
            .evidence("last", first.last.clone())
            .fix_steps(vec![
                restart,
                Ok(format!(
                    "Restart the workloads of {who} (kubectl rollout restart) so their pods get the current annotation, and remove any AWS_ROLE_ARN set by hand."
                )),
            ]),
    )
}

/// IRSA804: CloudTrail (or a region of it) could not be read.
pub fn unreadable(inv: &Inventory) -> Option<Finding> {
    let ev = &inv.evidence;
    let error = ev.error.as_deref()?;
    let whole = ev.state == TrailState::Failed;
    let detail = if whole {
        format!(
            "CloudTrail could not be read, so there is no evidence of what happened in the window; the configuration findings stand as they are: {error}"
        )
    } else {
        format!(
            "Part of CloudTrail could not be read; the evidence shown is what the other lookups found: {error}"
        )
    };
    Some(
        IRSA804
            .finding(
                if whole {
                    "CloudTrail could not be read: no evidence".to_owned()
                } else {
                    "CloudTrail was read in part: the evidence is incomplete".to_owned()
                },
                detail,
            )
            .evidence("error", error)
            .evidence("regions", ev.regions.clone())
            .fix(vec![
                "Grant cloudtrail:LookupEvents to the identity `aws sts get-caller-identity` names (in the cluster's region and us-east-1), or pass --no-cloudtrail.".to_owned(),
            ]),
    )
}
