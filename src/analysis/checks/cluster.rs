//! Cluster and data-source checks: IRSA601–IRSA603.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::inventory::{Inventory, SourceState};
use crate::shell::{self, Kind};

pub const IRSA601: Entry = Entry {
    code: Code::IRSA601,
    grade: Grade::Is(Severity::Error),
    meaning: "no pod-identity-webhook MutatingWebhookConfiguration",
    why: "The pod-identity-webhook MutatingWebhookConfiguration is what injects IRSA credentials; on EKS it is managed by AWS. Without it, no pod gets AWS_ROLE_ARN or the token.",
    fix: "Check the cluster (kubectl get mutatingwebhookconfiguration pod-identity-webhook); on self-managed clusters install amazon-eks-pod-identity-webhook.",
    stage: Stage::Cluster,
};

pub const IRSA602: Entry = Entry {
    code: Code::IRSA602,
    grade: Grade::Is(Severity::Warning),
    meaning: "a Kubernetes source is forbidden or failing",
    why: "A Kubernetes source could not be read: RBAC forbids it, or the API server did not answer. Results depending on it are incomplete.",
    fix: "Forbidden: check the verb that failed with kubectl auth can-i, then grant get/list/watch on the resource (the fix prints the kubectl create clusterrole and clusterrolebinding), or limit the run to readable namespaces with -n. Failing: check the connection to the API server (VPN, the endpoint's public or private access, a proxy).",
    stage: Stage::Visibility,
};

pub const IRSA603: Entry = Entry {
    code: Code::IRSA603,
    grade: Grade::Is(Severity::Warning),
    meaning: "AWS could not be reached or has no credentials",
    why: "AWS could not be reached or has no credentials (or --no-aws was given). AWS-side checks are skipped and bindings that need them are unknown.",
    fix: "Provide credentials (AWS_PROFILE, --profile) and --region, then run again.",
    stage: Stage::Visibility,
};

/// The verb RBAC refused, from the API server's message (`… cannot get resource …`);
/// `list` when it does not say (the watchers list, then watch).
fn refused_verb(message: Option<&str>) -> &'static str {
    let said = message
        .and_then(|m| m.split("cannot ").nth(1))
        .and_then(|rest| rest.split_whitespace().next());
    match said {
        Some("get") => "get",
        Some("watch") => "watch",
        _ => "list",
    }
}

/// IRSA602 for a source RBAC forbids: the verb that failed, and the exact rule to grant.
fn forbidden(
    s: &crate::inventory::SourceHealth,
    scope: &str,
) -> (String, String, Vec<Result<String, shell::Refused>>) {
    let verb = refused_verb(s.message.as_deref());
    // `configmaps/aws-auth` is the `configmaps` resource.
    let resource = s.resource.split('/').next().unwrap_or(&s.resource);
    let check = match s.namespace.as_deref() {
        Some(ns) => shell::command(
            &format!("kubectl auth can-i {verb} {{}} -n {{}}"),
            &[(Kind::Resource, resource), (Kind::Namespace, ns)],
        ),
        None => shell::command(
            &format!("kubectl auth can-i {verb} {{}} -A"),
            &[(Kind::Resource, resource)],
        ),
    };
    let role = shell::command(
        "kubectl create clusterrole irsa-tui-read-{} --verb=get,list,watch --resource={}",
        &[(Kind::Resource, resource), (Kind::Resource, resource)],
    );
    let binding = shell::command(
        "kubectl create clusterrolebinding irsa-tui-read-{} --clusterrole=irsa-tui-read-{} --user=USERNAME",
        &[(Kind::Resource, resource), (Kind::Resource, resource)],
    );
    let detail = format!(
        "irsa-tui could not read {} {scope}: RBAC refused `{verb}` ({}). Checks that depend on it may miss problems. Grant get, list and watch on {resource} (the fix creates a ClusterRole, binds it to USERNAME, the user `kubectl auth whoami` names — ask your cluster admin if you cannot — and checks the verb that failed), or narrow the run with -n.",
        s.resource,
        s.message.as_deref().unwrap_or("no message")
    );
    (
        format!(
            "Reading {} {scope} is forbidden: results are incomplete",
            s.resource
        ),
        detail,
        // `kubectl auth whoami` names USERNAME (one command per step: nothing substituted).
        vec![role, Ok("kubectl auth whoami".to_owned()), binding, check],
    )
}

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
        let (title, detail, steps) = if s.state == SourceState::Forbidden {
            forbidden(s, &scope)
        } else {
            let detail = format!(
                "irsa-tui could not read {} {scope}: the API server did not answer ({}). This is not RBAC: check the connection to the cluster (VPN, the endpoint's public or private access, a proxy), then run again.",
                s.resource,
                s.message.as_deref().unwrap_or("no reason given")
            );
            (
                format!(
                    "Reading {} {scope} is failing: results are incomplete",
                    s.resource
                ),
                detail,
                vec![Ok("kubectl get --raw /readyz".to_owned())],
            )
        };
        out.push(
            IRSA602
                .finding(title, detail)
                .evidence("resource", s.resource.clone())
                .evidence("namespace", s.namespace.clone())
                .evidence("state", state)
                .evidence("message", s.message.clone())
                .fix_steps(steps),
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
