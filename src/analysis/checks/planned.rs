//! Codes the catalog lists ahead of the checks that will raise them: CloudTrail evidence
//! (IRSA801–IRSA804).
//! Each entry moves next to its builder when that lands; until then `explain` and
//! `docs/findings.md` say that this version does not report it.

use crate::analysis::finding::{Code, Entry, Grade, Severity, Stage};

/// The codes declared here.
pub const PLANNED: &[Code] = &[Code::IRSA801, Code::IRSA802, Code::IRSA803, Code::IRSA804];

pub const IRSA801: Entry = Entry {
    code: Code::IRSA801,
    grade: Grade::Is(Severity::Error),
    meaning: "AssumeRoleWithWebIdentity calls for this ServiceAccount's token failed recently",
    why: "CloudTrail recorded failed AssumeRoleWithWebIdentity calls made with this ServiceAccount's token in the window: whatever the configuration says, its pods did not get credentials. The event's errorCode and errorMessage say what STS refused.",
    fix: "Read the error of the events; compare the role asked for with the annotation, and the trust policy with the token's sub and aud (irsa-tui trust).",
    stage: Stage::Evidence,
};

pub const IRSA802: Entry = Entry {
    code: Code::IRSA802,
    grade: Grade::Is(Severity::Warning),
    meaning: "calls made with this binding's role sessions were denied recently",
    why: "CloudTrail recorded AccessDenied (or UnauthorizedOperation) for calls made with this binding's role sessions in the window: the pods got credentials, and the role may not do what they ask. CloudTrail's LookupEvents carries management events only: S3 object and DynamoDB item calls are not there.",
    fix: "Check the action and resource of the events against the role's identity policies and boundary; grant what the workload needs.",
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
