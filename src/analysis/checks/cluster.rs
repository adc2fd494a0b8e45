//! Cluster and data-source checks: IRSA601–IRSA603.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity};
use crate::inventory::{Inventory, SourceState};
use crate::shell::{self, Kind};

pub const IRSA601: Entry = Entry {
    code: Code::IRSA601,
    grade: Grade::Is(Severity::Error),
    meaning: "no pod-identity-webhook MutatingWebhookConfiguration",
    why: "The pod-identity-webhook MutatingWebhookConfiguration is what injects IRSA credentials; on EKS it is managed by AWS. Without it, no pod gets AWS_ROLE_ARN or the token.",
    fix: "Check the cluster (kubectl get mutatingwebhookconfiguration pod-identity-webhook); on self-managed clusters install amazon-eks-pod-identity-webhook.",
};

pub const IRSA602: Entry = Entry {
    code: Code::IRSA602,
    grade: Grade::Is(Severity::Warning),
    meaning: "a Kubernetes source is forbidden or failing",
    why: "A Kubernetes source could not be read (RBAC forbids it, or the API server fails). Results depending on it are incomplete.",
    fix: "Grant get/list/watch on the resource (see the ClusterRole in assets/), or limit the run to readable namespaces with -n.",
};

pub const IRSA603: Entry = Entry {
    code: Code::IRSA603,
    grade: Grade::Is(Severity::Warning),
    meaning: "AWS could not be reached or has no credentials",
    why: "AWS could not be reached or has no credentials (or --no-aws was given). AWS-side checks are skipped and bindings that need them are unknown.",
    fix: "Provide credentials (AWS_PROFILE, --profile) and --region, then run again.",
};

pub fn check(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    if inv.webhook_present == Some(false) {
        out.push(
            IRSA601.finding("No pod-identity-webhook MutatingWebhookConfiguration on this cluster",
                "The EKS pod identity webhook is what injects AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and the projected token into pods of annotated ServiceAccounts. Without it no pod gets IRSA credentials.",
            )
            .fix(vec!["kubectl get mutatingwebhookconfiguration pod-identity-webhook -o yaml".into()]),
        );
    }
    // A source still syncing is not a problem yet (the dashboard shows it as syncing).
    let troubled = |s: &&crate::inventory::SourceHealth| {
        matches!(s.state, SourceState::Forbidden | SourceState::Failed)
    };
    for s in inv.sources.iter().filter(troubled) {
        let scope = s
            .namespace
            .as_deref()
            .map_or("cluster-wide".to_owned(), |n| format!("in namespace {n}"));
        let state = match s.state {
            SourceState::Forbidden => "forbidden",
            _ => "failing",
        };
        let verb = match s.namespace.as_deref() {
            Some(ns) => shell::command(
                "kubectl auth can-i list {} -n {}",
                &[(Kind::Resource, &s.resource), (Kind::Namespace, ns)],
            ),
            None => shell::command(
                "kubectl auth can-i list {} -A",
                &[(Kind::Resource, &s.resource)],
            ),
        };
        out.push(
            IRSA602.finding(format!("Reading {} {scope} is {state}: results are incomplete", s.resource),
                format!(
                    "irsa-tui could not read {} {scope}; checks that depend on it may miss problems. Grant get/list/watch on it (see the ClusterRole in assets/), or narrow the run with -n.",
                    s.resource
                ),
            )
            .evidence("resource", s.resource.clone())
            .evidence("namespace", s.namespace.clone())
            .evidence("state", state)
            .evidence("message", s.message.clone())
            .fix_steps(vec![verb]),
        );
    }
    if !inv.aws.reachable {
        let why = if inv.aws.skipped {
            "AWS checks were skipped on purpose (--no-aws)".to_owned()
        } else {
            inv.aws
                .error
                .clone()
                .unwrap_or_else(|| "AWS could not be reached".to_owned())
        };
        out.push(
            IRSA603
                .finding(
                    "AWS-side checks were skipped: bindings that need them are unknown",
                    format!("{why}. Roles, trust policies and the OIDC provider were not read."),
                )
                .evidence("reason", why)
                .fix(vec!["aws sts get-caller-identity".into()]),
        );
    }
    out
}
