//! EKS Pod Identity: IRSA701–IRSA704.

use serde_json::{Value, json};

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::analysis::index::Index;
use crate::inventory::{PodIdentityAssociation, ReadStatus, ServiceAccount};
use crate::policy::{
    ASSUME_ROLE_ACTION, POD_IDENTITY_SERVICE, PolicyDocument, Request, TAG_SESSION_ACTION,
    allowing_statement,
};

use super::other_account;
use super::service_account::unverified;
use crate::analysis::trust::fix::{self, update_trust_command};
use crate::arn;
use crate::shell::{self, Kind};

pub const IRSA701: Entry = Entry {
    code: Code::IRSA701,
    grade: Grade::Is(Severity::Info),
    meaning: "the ServiceAccount has both an IRSA annotation and a Pod Identity association",
    why: "With both an IRSA annotation and a Pod Identity association, new pods get Pod Identity credentials (which take precedence in the SDK chain) while pods injected with IRSA keep the annotated role.",
    fix: "Keep one mechanism: remove the annotation, or delete the association.",
    stage: Stage::Binding,
};

/// IRSA701: both an IRSA annotation and a Pod Identity association.
pub fn both(sa: &ServiceAccount, assoc: &PodIdentityAssociation) -> Finding {
    IRSA701.finding(format!(
            "{}/{} has both an IRSA annotation and a Pod Identity association",
            sa.namespace, sa.name
        ),
        "EKS Pod Identity takes precedence: new pods get the association's role, while running pods that were injected with IRSA keep the annotated role until they are recreated. Remove one of the two to make the binding unambiguous.",
    )
    .evidence("annotation", sa.role_arn.clone())
    .evidence("association_role", assoc.role_arn.clone())
    .fix_steps(vec![shell::command(
        "kubectl annotate serviceaccount -n {} {} eks.amazonaws.com/role-arn-",
        &[(Kind::Namespace, &sa.namespace), (Kind::ObjectName, &sa.name)],
    )])
}

pub const IRSA703: Entry = Entry {
    code: Code::IRSA703,
    grade: Grade::Is(Severity::Error),
    meaning: "the associated role does not exist",
    why: "The Pod Identity association points at a role that does not exist.",
    fix: "Update the association with an existing role (aws eks update-pod-identity-association), or create the role.",
    stage: Stage::Role,
};

pub const IRSA704: Entry = Entry {
    code: Code::IRSA704,
    grade: Grade::Is(Severity::Error),
    meaning: "Pod Identity associations exist but the eks-pod-identity-agent DaemonSet is absent",
    why: "Pod Identity credentials are served by the eks-pod-identity-agent DaemonSet in kube-system; without it, pods of associated ServiceAccounts get no credentials.",
    fix: "Install the add-on: aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent.",
    stage: Stage::Cluster,
};

/// IRSA702 / IRSA703 (or IRSA103) for the associated role, IRSA704 for the agent.
pub fn association_checks(idx: &Index, assoc: &PodIdentityAssociation) -> Vec<Finding> {
    let mut out = Vec::new();
    let who = format!("{}/{}", assoc.namespace, assoc.service_account);
    let name = arn::name(&assoc.role_arn);
    if idx.inv.pod_identity_agent_present == Some(false) {
        out.push(
            IRSA704.finding(format!("{who} has a Pod Identity association but the eks-pod-identity-agent is not installed"),
                "Pods of associated ServiceAccounts fetch credentials from the EKS Pod Identity Agent DaemonSet in kube-system; it is absent, so those credential requests fail.",
            )
            .evidence("association_id", assoc.association_id.clone())
            .fix_steps(vec![shell::command(
                "aws eks create-addon --cluster-name {} --addon-name eks-pod-identity-agent",
                &[(Kind::ClusterName, idx.inv.cluster.name.as_deref().unwrap_or("CLUSTER"))],
            )]),
        );
    }
    match idx.role(&assoc.role_arn) {
        Some(r) if r.status == ReadStatus::NotFound => out.push(
            IRSA703.finding(format!("Role {name} of the Pod Identity association of {who} does not exist"),
                "The association points at a role IAM does not know; the agent cannot get credentials for these pods.",
            )
            .evidence("role_arn", assoc.role_arn.clone())
            .fix_steps(vec![match assoc.association_id.as_deref() {
                Some(id) => shell::command(
                    "aws eks update-pod-identity-association --cluster-name {} --association-id {} --role-arn ROLE_ARN",
                    &[
                        (Kind::ClusterName, idx.inv.cluster.name.as_deref().unwrap_or("CLUSTER")),
                        (Kind::AssociationId, id),
                    ],
                ),
                None => shell::command(
                    "aws eks update-pod-identity-association --cluster-name {} --association-id ASSOCIATION_ID --role-arn ROLE_ARN",
                    &[(Kind::ClusterName, idx.inv.cluster.name.as_deref().unwrap_or("CLUSTER"))],
                ),
            }]),
        ),
        Some(r) if r.status == ReadStatus::Ok => {
            if let Some(f) = trust_for_pods(idx, assoc, r.arn.as_str(), name, &who) {
                out.push(f);
            }
        }
        other => out.push(unverified(
            idx,
            &assoc.role_arn,
            other.and_then(|r| r.error.clone()),
            &format!("of the Pod Identity association of {who}"),
        )),
    }
    out
}

/// The statement Pod Identity needs in the role's trust policy.
fn pod_identity_statement() -> Value {
    json!({
        "Effect": "Allow",
        "Principal": {"Service": POD_IDENTITY_SERVICE},
        "Action": [ASSUME_ROLE_ACTION, TAG_SESSION_ACTION]
    })
}

pub const IRSA702: Entry = Entry {
    code: Code::IRSA702,
    grade: Grade::Is(Severity::Error),
    meaning: "the associated role does not trust pods.eks.amazonaws.com for AssumeRole and TagSession",
    why: "EKS Pod Identity assumes the role as the service pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession; a trust policy missing either refuses it.",
    fix: "Add the missing action (usually sts:TagSession) to the statement that already trusts Service pods.eks.amazonaws.com, or add a statement allowing it sts:AssumeRole and sts:TagSession.",
    stage: Stage::Trust,
};

/// The trust policy with the `refused` actions added to the statement that already trusts
/// EKS Pod Identity (the one allowing the other action, or else the first Allow naming the
/// service in its Principal and listing its Action), checked to allow both actions; `None`
/// when no such statement exists or the edit would not be enough (a condition, a Deny).
fn edited(
    doc: &PolicyDocument,
    refused: &[&str],
    request: &dyn Fn(&str) -> Request,
) -> Option<Value> {
    let names_service = |s: &Value| {
        let service = s.get("Principal").and_then(|p| p.get("Service"));
        let listed = match service {
            Some(Value::String(one)) => one == POD_IDENTITY_SERVICE,
            Some(Value::Array(many)) => many.iter().any(|v| v == POD_IDENTITY_SERVICE),
            _ => false,
        };
        listed
            && s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && s.get("Action").is_some()
            && s.get("NotAction").is_none()
    };
    let statements: Vec<&Value> = match doc.json.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let index = [ASSUME_ROLE_ACTION, TAG_SESSION_ACTION]
        .into_iter()
        .filter(|a| !refused.contains(a))
        .find_map(|a| allowing_statement(doc, &request(a)))
        .filter(|&i| statements.get(i).is_some_and(|s| names_service(s)))
        .or_else(|| statements.iter().position(|s| names_service(s)))?;
    let corrected = fix::add_actions(&doc.json, index, refused);
    let check = PolicyDocument::parse(&corrected.to_string()).ok()?;
    [ASSUME_ROLE_ACTION, TAG_SESSION_ACTION]
        .into_iter()
        .all(|a| allowing_statement(&check, &request(a)).is_some())
        .then_some(corrected)
}

/// IRSA702: the trust policy must let pods.eks.amazonaws.com AssumeRole and TagSession.
fn trust_for_pods(
    idx: &Index,
    assoc: &PodIdentityAssociation,
    arn: &str,
    name: &str,
    who: &str,
) -> Option<Finding> {
    let cluster_arn = idx.inv.cluster.arn.clone().unwrap_or_default();
    let account = idx.inv.cluster.account.clone().unwrap_or_default();
    let parsed = idx.trust.get(arn);
    let request = |action: &str| {
        Request::pod_identity(
            action,
            &cluster_arn,
            &account,
            &assoc.namespace,
            &assoc.service_account,
        )
    };
    let refused: Vec<&str> = [ASSUME_ROLE_ACTION, TAG_SESSION_ACTION]
        .into_iter()
        .filter(|action| {
            !matches!(parsed, Some(Ok(doc)) if allowing_statement(doc, &request(action)).is_some())
        })
        .collect();
    if refused.is_empty() {
        return None;
    }
    let corrected = match parsed {
        Some(Ok(doc)) => edited(doc, &refused, &request)
            .unwrap_or_else(|| fix::append_statement(&doc.json, pod_identity_statement())),
        _ => json!({"Version": "2012-10-17", "Statement": [pod_identity_statement()]}),
    };
    Some(
        IRSA702.finding(format!("Role {name} does not trust EKS Pod Identity for {}", refused.join(" and ")),
            format!(
                "The Pod Identity association of {who} needs the role to allow {POD_IDENTITY_SERVICE} both {ASSUME_ROLE_ACTION} and {TAG_SESSION_ACTION}; its trust policy refuses {}.",
                refused.join(" and ")
            ),
        )
        .evidence("role_arn", arn)
        .evidence("refused_actions", refused.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .evidence("required_statement", pod_identity_statement())
        .fix_steps(vec![
            Ok(serde_json::to_string_pretty(&corrected).unwrap_or_default()),
            update_trust_command(name, &corrected),
        ])
        .commands_in_account(other_account(idx.inv, arn::account(arn))),
    )
}
