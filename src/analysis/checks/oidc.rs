//! The cluster's IAM OIDC provider: IRSA301–IRSA303.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Planned, Severity, Stage};

use super::other_account;
use crate::analysis::index::Index;
use crate::inventory::Inventory;
use crate::shell::{self, Kind, Refused};

fn cluster_name(inv: &Inventory) -> &str {
    inv.cluster.name.as_deref().unwrap_or("CLUSTER")
}

/// A command for the cluster: `head`, ` --region REGION` when the region is known, `tail`;
/// the cluster name (first value) and the region are checked like every other value.
fn regional(inv: &Inventory, head: &str, tail: &str) -> Result<String, Refused> {
    let cluster = cluster_name(inv);
    match inv.cluster.region.as_deref() {
        Some(region) => shell::command(
            &format!("{head} --region {{}}{tail}"),
            &[(Kind::ClusterName, cluster), (Kind::Region, region)],
        ),
        None => shell::command(&format!("{head}{tail}"), &[(Kind::ClusterName, cluster)]),
    }
}

pub const IRSA303: Entry = Entry {
    code: Code::IRSA303,
    grade: Grade::Is(Severity::Error),
    meaning: "the cluster has no OIDC issuer or cannot be found",
    why: "The cluster has no OIDC issuer (or irsa-tui could not find the cluster): no token can be verified, and IRSA cannot work anywhere on it.",
    fix: "Check the cluster name and region (--cluster, --region); EKS clusters have an issuer at cluster.identity.oidc.issuer.",
    stage: Stage::Cluster,
};

/// IRSA303: no issuer, or the cluster cannot be found. `who` names the binding, or
/// `None` for the cluster-level finding.
pub fn no_issuer(inv: &Inventory, who: Option<&str>) -> Option<Finding> {
    let reason = match (inv.cluster.found, &inv.cluster.oidc_issuer) {
        (Some(false), _) => "the EKS cluster was not found (check --cluster and --region)",
        (_, None) if inv.aws.reachable => "the cluster has no OIDC issuer",
        _ => return None,
    };
    let name = cluster_name(inv);
    let title = match who {
        Some(w) => format!("{w} cannot use IRSA: {reason}"),
        None => format!("IRSA cannot work on cluster {name}: {reason}"),
    };
    Some(
        IRSA303.finding(title,
            "IRSA tokens are issued by the cluster's OIDC issuer and verified by STS through the IAM OIDC provider. Without an issuer (or a cluster), no ServiceAccount can assume a role.",
        )
        .evidence("cluster", name)
        .evidence("found", inv.cluster.found)
        .fix_steps(vec![regional(
            inv,
            "aws eks describe-cluster --name {}",
            " --query cluster.identity.oidc.issuer",
        )]),
    )
}

pub const IRSA301: Entry = Entry {
    code: Code::IRSA301,
    grade: Grade::Is(Severity::Error),
    meaning: "the cluster's issuer is not registered as an IAM OIDC provider",
    why: "STS verifies the token through an IAM OIDC provider for the cluster issuer in the role account. Without it, AssumeRoleWithWebIdentity fails with \"No OpenIDConnect provider found in your account\".",
    fix: "Create the provider in the role's account: aws iam create-open-id-connect-provider --url ISSUER --client-id-list sts.amazonaws.com, with that account's credentials (e.g. --profile); when the role is in the cluster's account, eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve does the same.",
    stage: Stage::Provider,
};

pub const IRSA302: Entry = Entry {
    code: Code::IRSA302,
    grade: Grade::Is(Severity::Error),
    meaning: "the OIDC provider's client IDs do not contain the token audience",
    why: "The token aud claim must be one of the provider client IDs; otherwise STS answers \"Incorrect token audience\".",
    fix: "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ARN --client-id AUDIENCE.",
    stage: Stage::Provider,
};

/// IRSA301's alternatives: eksctl (which creates the provider in the account of the
/// credentials that can describe the cluster, so only when the role is in the cluster's
/// account), or `aws iam create-open-id-connect-provider` run with the role account's
/// credentials (no thumbprint needed: IAM trusts the EKS issuer's certificate authority).
fn provider_fixes(inv: &Inventory, account: &str, issuer: &str) -> Vec<Planned> {
    let create = Planned::in_account(
        shell::command(
            "aws iam create-open-id-connect-provider --url {} --client-id-list sts.amazonaws.com",
            &[(Kind::IssuerUrl, issuer)],
        ),
        other_account(inv, Some(account)),
    );
    if other_account(inv, Some(account)).is_some() {
        return vec![create];
    }
    vec![
        regional(
            inv,
            "eksctl utils associate-iam-oidc-provider --cluster {}",
            " --approve",
        )
        .into(),
        create,
    ]
}

/// IRSA301 / IRSA302 for a binding whose role is in `account` and whose token carries `audience`.
pub fn provider_checks(idx: &Index, account: &str, audience: &str, who: &str) -> Vec<Finding> {
    let Some(issuer) = &idx.issuer else {
        return Vec::new();
    };
    let inv = idx.inv;
    let provider_arn = issuer.provider_arn(Some(account));
    match idx.provider_in(account) {
        // Not listed in that account: cannot be decided.
        Err(()) => Vec::new(),
        Ok(None) => vec![
            IRSA301.finding(format!(
                    "The cluster's issuer is not registered as an IAM OIDC provider in account {account} ({who})"
                ),
                format!(
                    "STS answers \"No OpenIDConnect provider found in your account for {}\": the role's account must have an IAM OIDC provider for the cluster's issuer.",
                    issuer.url
                ),
            )
            .evidence("issuer", issuer.url.clone())
            .evidence("expected_provider_arn", provider_arn)
            .evidence("account", account)
            .fix_alternatives(provider_fixes(inv, account, &issuer.url)),
        ],
        Ok(Some(p)) if !p.client_ids.iter().any(|c| c == audience) => vec![
            IRSA302.finding(format!("The OIDC provider does not list audience {audience:?} ({who})"),
                format!(
                    "STS answers \"Incorrect token audience\": the token's aud {audience:?} is not among the provider's client IDs {:?}.",
                    p.client_ids
                ),
            )
            .evidence("provider_arn", p.arn.clone())
            .evidence("client_ids", p.client_ids.clone())
            .evidence("token_aud", audience)
            .fix_steps(vec![Planned::in_account(
                shell::command(
                    "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {}",
                    &[(Kind::ProviderArn, &p.arn), (Kind::Audience, audience)],
                ),
                other_account(inv, Some(account)),
            )]),
        ],
        Ok(Some(_)) => Vec::new(),
    }
}
