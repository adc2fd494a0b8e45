//! Node roles: IRSA501–IRSA505.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::analysis::index::Index;
use crate::inventory::{AttachedPolicy, NodeRole, Role};

use crate::arn::{self, is_aws_managed_policy as is_aws_managed};
use crate::shell::{self, Kind};

/// Whether a managed policy is in the configured baseline (a name means the AWS managed
/// policy of that name; an ARN is compared as is).
fn in_baseline(p: &AttachedPolicy, baseline: &[String]) -> bool {
    baseline.iter().any(|b| {
        if b.starts_with("arn:") {
            *b == p.arn
        } else {
            is_aws_managed(&p.arn, b)
        }
    })
}

/// The policies a node role holds beyond the baseline: attached ARNs and `inline:NAME`.
pub fn extras(role: &Role, baseline: &[String]) -> Vec<String> {
    role.attached_policies
        .iter()
        .filter(|p| !in_baseline(p, baseline))
        .map(|p| p.arn.clone())
        .chain(
            role.inline_policies
                .iter()
                .map(|p| format!("inline:{}", p.name)),
        )
        .collect()
}

fn has_managed(role: &Role, names: &[&str]) -> bool {
    role.attached_policies
        .iter()
        .any(|p| names.iter().any(|n| is_aws_managed(&p.arn, n)))
}

pub const IRSA501: Entry = Entry {
    code: Code::IRSA501,
    grade: Grade::Raised {
        base: Severity::Warning,
        raised: Severity::Critical,
        when: "one of the extra policies is admin-level",
    },
    meaning: "the node role has managed policies beyond the baseline",
    why: "Policies attached to a node role beyond the baseline leak to every pod on those nodes that does not use IRSA or Pod Identity. Admin-level extras are critical.",
    fix: "Detach the extra policies (aws iam detach-role-policy) and grant them to the workloads that need them through IRSA.",
    stage: Stage::Permissions,
};

pub const IRSA502: Entry = Entry {
    code: Code::IRSA502,
    grade: Grade::Is(Severity::Warning),
    meaning: "the node role has inline policies",
    why: "Inline policies on a node role are shared by all pods without IRSA on those nodes and are easy to miss in reviews.",
    fix: "Delete the inline policy (aws iam delete-role-policy) and move its permissions to workload roles.",
    stage: Stage::Permissions,
};

pub const IRSA503: Entry = Entry {
    code: Code::IRSA503,
    grade: Grade::Is(Severity::Error),
    meaning: "the node role lacks a required baseline capability",
    why: "Nodes need the worker node policy (or the minimal equivalent) to register and run, and registry read access to pull images.",
    fix: "Attach AmazonEKSWorkerNodePolicy and AmazonEC2ContainerRegistryReadOnly (or PullOnly) to the node role.",
    stage: Stage::Permissions,
};

pub const IRSA504: Entry = Entry {
    code: Code::IRSA504,
    grade: Grade::Is(Severity::Info),
    meaning: "AmazonEKS_CNI_Policy is on the node role",
    why: "The VPC CNI needs AmazonEKS_CNI_Policy; AWS recommends granting it through an IRSA role for kube-system/aws-node rather than the node role, so other pods do not inherit it.",
    fix: "Create an IRSA role for aws-node with the CNI policy, then detach it from the node role.",
    stage: Stage::Permissions,
};

pub fn check(role: &Role, baseline: &[String], cluster: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = &role.name;
    let beyond: Vec<&AttachedPolicy> = role
        .attached_policies
        .iter()
        .filter(|p| !in_baseline(p, baseline))
        .collect();
    if !beyond.is_empty() {
        let admin = beyond
            .iter()
            .any(|p| p.admin || is_aws_managed(&p.arn, "AdministratorAccess"));
        let names: Vec<&str> = beyond.iter().map(|p| p.name.as_str()).collect();
        let title = format!(
            "Node role {name} holds {} beyond the baseline",
            names.join(", ")
        );
        let detail = "Every pod on these nodes without IRSA or Pod Identity can use the node role through the instance metadata service, so these permissions leak to all of them. Move them to IRSA roles of the workloads that need them.";
        let f = if admin {
            IRSA501.raised(title, detail)
        } else {
            IRSA501.finding(title, detail)
        }
        .evidence(
            "extra_policies",
            beyond.iter().map(|p| p.arn.clone()).collect::<Vec<_>>(),
        )
        .fix_steps(
            beyond
                .iter()
                .map(|p| {
                    shell::command(
                        "aws iam detach-role-policy --role-name {} --policy-arn {}",
                        &[(Kind::RoleName, name), (Kind::PolicyArn, &p.arn)],
                    )
                })
                .collect(),
        );
        out.push(f);
    }
    if !role.inline_policies.is_empty() {
        let names: Vec<String> = role
            .inline_policies
            .iter()
            .map(|p| p.name.clone())
            .collect();
        out.push(
            IRSA502.finding(format!("Node role {name} has inline policies: {}", names.join(", ")),
                "Inline policies on a node role are shared by every pod without IRSA on those nodes, and are easy to overlook. Move the permissions to workload roles.",
            )
            .evidence("inline_policies", names.clone())
            .fix_steps(
                names
                    .iter()
                    .map(|n| {
                        shell::command(
                            "aws iam delete-role-policy --role-name {} --policy-name {}",
                            &[(Kind::RoleName, name), (Kind::PolicyName, n)],
                        )
                    })
                    .collect(),
            ),
        );
    }
    let mut missing = Vec::new();
    if !has_managed(
        role,
        &[
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKSWorkerNodeMinimalPolicy",
        ],
    ) {
        missing.push("AmazonEKSWorkerNodePolicy");
    }
    if !has_managed(
        role,
        &[
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEC2ContainerRegistryPullOnly",
        ],
    ) {
        missing.push("AmazonEC2ContainerRegistryReadOnly");
    }
    if !missing.is_empty() {
        let partition = arn::partition(&role.arn);
        out.push(
            IRSA503.finding(format!("Node role {name} lacks {}", missing.join(" and ")),
                "Nodes need the worker node policy to join and run, and registry read access to pull images; without them kubelet or image pulls fail.",
            )
            .evidence("missing", missing.clone())
            .fix_steps(
                missing
                    .iter()
                    .map(|p| {
                        shell::command(
                            &format!("aws iam attach-role-policy --role-name {{}} --policy-arn arn:{{}}:iam::aws:policy/{p}"),
                            &[(Kind::RoleName, name), (Kind::Partition, partition)],
                        )
                    })
                    .collect(),
            ),
        );
    }
    if has_managed(role, &["AmazonEKS_CNI_Policy"]) {
        let partition = arn::partition(&role.arn);
        out.push(
            IRSA504.finding(format!("AmazonEKS_CNI_Policy is attached to node role {name}"),
                "AWS recommends granting the VPC CNI its permissions through an IRSA role for kube-system/aws-node, so that other pods on the node do not inherit them.",
            )
            .fix_steps(vec![shell::command(
                "eksctl create iamserviceaccount --name aws-node --namespace kube-system --cluster {} --role-only --attach-policy-arn arn:{}:iam::aws:policy/AmazonEKS_CNI_Policy --approve",
                &[(Kind::ClusterName, cluster), (Kind::Partition, partition)],
            )]),
        );
    }
    out
}

pub const IRSA505: Entry = Entry {
    code: Code::IRSA505,
    grade: Grade::Unknown,
    meaning: "the node role could not be read",
    why: "irsa-tui could not read the node role, so its policies (and what pods without IRSA inherit) are unknown.",
    fix: "Give irsa-tui iam:GetRole and iam:ListAttachedRolePolicies, or inspect the role by hand.",
    stage: Stage::Role,
};

/// IRSA505: the node role could not be read.
pub fn unreadable(nr: &NodeRole, role: Option<&Role>, idx: &Index) -> Finding {
    let error = role
        .and_then(|r| r.error.clone())
        .or_else(|| idx.inv.aws.error.clone())
        .unwrap_or_else(|| "the role was not read".into());
    IRSA505.finding(format!("Node role {} could not be read", arn::name(&nr.role_arn)),
        "Its policies are unknown, so whether pods without IRSA inherit extra permissions cannot be said.",
    )
    .evidence("role_arn", nr.role_arn.clone())
    .evidence("error", error)
    .fix_steps(vec![shell::command(
        "aws iam list-attached-role-policies --role-name {}",
        &[(Kind::RoleName, arn::name(&nr.role_arn))],
    )])
}
