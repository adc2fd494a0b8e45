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
    why: "A Kubernetes source could not be read: RBAC forbids it, the API server does not answer (connection refused or cut, no answer in time, 5xx: one finding for all the sources it leaves stale, saying since when), or it fails otherwise. Results depending on it are incomplete.",
    fix: "Forbidden: check the verb that failed with kubectl auth can-i, then grant get/list/watch on the resource (the fix prints the kubectl create clusterrole and clusterrolebinding), or limit the run to readable namespaces with -n. No answer or failing: this is not RBAC; check the connection to the API server (VPN, the endpoint's public or private access and its allowed CIDRs, a proxy) with kubectl get --raw /readyz.",
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

/// `10:02:13 UTC` of an RFC 3339 time (`2026-12-02T10:02:13Z`), else the time as given.
fn clock(rfc3339: &str) -> String {
    match rfc3339.get(11..19) {
        Some(hms) if rfc3339.ends_with('Z') => format!("{hms} UTC"),
        _ => rfc3339.to_owned(),
    }
}

/// `pods cluster-wide`, `serviceaccounts in namespace shop`.
fn scope_of(s: &crate::inventory::SourceHealth) -> String {
    match &s.namespace {
        Some(ns) => format!("{} in namespace {ns}", s.resource),
        None => format!("{} cluster-wide", s.resource),
    }
}

/// One IRSA602 for every source the API server leaves without an answer: a connection
/// lost is one problem, not one per source, and not RBAC.
fn unreachable(inv: &Inventory, lost: &[&crate::inventory::SourceHealth]) -> Finding {
    let since = lost
        .iter()
        .filter_map(|s| s.unreachable_since.as_deref())
        .min()
        .map(str::to_owned);
    let when = since
        .as_deref()
        .map_or(String::new(), |t| format!(" since {}", clock(t)));
    let reading = inv
        .sources
        .iter()
        .filter(|s| s.state != SourceState::Forbidden)
        .count();
    let names: Vec<String> = lost.iter().map(|s| scope_of(s)).collect();
    let title = if lost.len() == reading {
        format!("The Kubernetes API server is not answering{when}: the data shown is from then")
    } else {
        let mut shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = names.len().saturating_sub(3);
        let rest = format!("{more} more");
        if more > 0 {
            shown.push(&rest);
        }
        format!(
            "The Kubernetes API server is not answering for {}{when}: results are incomplete",
            shown.join(", ")
        )
    };
    let message = lost
        .iter()
        .find_map(|s| s.message.clone())
        .unwrap_or_else(|| "no reason given".to_owned());
    let detail = format!(
        "irsa-tui gets no answer from the Kubernetes API server ({message}). This is not RBAC. What it holds of {} is as it was{}; it keeps retrying and catches up when the server answers again. Check the connection to the cluster's endpoint: your VPN, the endpoint's public or private access and the CIDRs its public access allows, a proxy.",
        names.join(", "),
        since
            .as_deref()
            .map_or(String::new(), |t| format!(" at {t}"))
    );
    let mut steps = vec![Ok("kubectl get --raw /readyz".to_owned())];
    if let (Some(name), Some(region)) = (&inv.cluster.name, &inv.cluster.region) {
        steps.push(shell::command(
            "aws eks describe-cluster --name {} --region {} --query 'cluster.resourcesVpcConfig.[endpointPublicAccess,endpointPrivateAccess,publicAccessCidrs]'",
            &[(Kind::ClusterName, name), (Kind::Region, region)],
        ));
    }
    IRSA602
        .finding(title, detail)
        .evidence("state", "unreachable")
        .evidence("resources", names)
        .evidence("since", since)
        .evidence("message", message)
        .fix_steps(steps)
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
    let lost: Vec<&crate::inventory::SourceHealth> = inv
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Unreachable)
        .collect();
    if !lost.is_empty() {
        out.push(unreachable(inv, &lost));
    }
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
