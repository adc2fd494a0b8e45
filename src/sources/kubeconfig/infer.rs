//! What EKS cluster a context points at: its name, region, account and partition, from the
//! cluster entry, the context name, the exec credential plugin and the endpoint host.

use kube::config::{AuthInfo, Cluster, ExecConfig};

use crate::arn::{EksClusterArn, is_cluster_name, is_region, parse_eks_cluster_arn};
use crate::inventory;

/// What the kubeconfig says about the EKS cluster behind a context. Every field is a hint:
/// `None` when it could not be inferred.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterHint {
    /// The EKS cluster name (what `aws eks describe-cluster --name` takes).
    pub name: Option<String>,
    pub region: Option<String>,
    /// Only known from a cluster ARN.
    pub account: Option<String>,
    /// The cluster ARN, when the kubeconfig carries it.
    pub arn: Option<String>,
    /// `aws`, `aws-cn`, `aws-us-gov`, ... from the ARN or the endpoint host.
    pub partition: Option<String>,
    /// The AWS profile the exec credential plugin uses (`--profile` or `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Where the name came from, for messages (`cluster ARN`, `aws eks get-token
    /// --cluster-name`, ...).
    pub name_from: Option<&'static str>,
}

impl ClusterHint {
    /// Fills the fields of `cluster` that are still unknown. ARN and account are taken only
    /// when `cluster.name` is unset or is this cluster (an explicit `--cluster OTHER` wins
    /// and must not inherit another cluster's ARN); so is the region.
    pub fn fill(&self, cluster: &mut inventory::Cluster) {
        let same = match (&cluster.name, &self.name) {
            (None, _) => true,
            (Some(given), Some(inferred)) => given == inferred,
            (Some(_), None) => false,
        };
        if cluster.name.is_none() {
            cluster.name.clone_from(&self.name);
        }
        if !same {
            return;
        }
        if cluster.region.is_none() {
            cluster.region.clone_from(&self.region);
        }
        if cluster.account.is_none() {
            cluster.account.clone_from(&self.account);
        }
        if cluster.arn.is_none() {
            cluster.arn.clone_from(&self.arn);
        }
        if cluster.partition.is_none() {
            cluster.partition.clone_from(&self.partition);
        }
    }
}

/// Infers the EKS cluster behind a context from its name, its cluster entry (name and
/// server) and its user's exec credential plugin.
pub fn infer(
    context_name: &str,
    cluster_name: &str,
    cluster: Option<&Cluster>,
    user: Option<&AuthInfo>,
) -> ClusterHint {
    let mut hint = ClusterHint::default();
    let exec = user
        .and_then(|u| u.exec.as_ref())
        .map(exec_info)
        .unwrap_or_default();
    let endpoint = cluster
        .and_then(|c| c.server.as_deref())
        .and_then(endpoint_region);
    let eksctl = eksctl_name(cluster_name);

    if let Some(arn) = parse_eks_cluster_arn(cluster_name) {
        take_arn(&mut hint, arn, "cluster ARN");
    } else if let Some((name, from)) = exec.cluster.clone() {
        hint.name = Some(name);
        hint.name_from = Some(from);
    } else if let Some((name, _)) = &eksctl {
        hint.name = Some(name.clone());
        hint.name_from = Some("eksctl cluster name");
    } else if let Some(arn) = parse_eks_cluster_arn(context_name) {
        take_arn(&mut hint, arn, "context ARN");
    }

    if hint.region.is_none() {
        hint.region = eksctl
            .map(|(_, region)| region)
            .or(exec.region)
            .or(exec.env_region)
            .or_else(|| endpoint.as_ref().map(|(region, _)| region.clone()));
    }
    if hint.partition.is_none() {
        hint.partition = endpoint.map(|(_, partition)| partition.to_owned());
    }
    hint.profile = exec.profile;
    hint
}

fn take_arn(hint: &mut ClusterHint, arn: EksClusterArn, from: &'static str) {
    hint.name = Some(arn.name);
    hint.region = Some(arn.region);
    hint.account = Some(arn.account);
    hint.partition = Some(arn.partition);
    hint.arn = Some(arn.arn);
    hint.name_from = Some(from);
}

#[derive(Debug, Default)]
struct ExecInfo {
    cluster: Option<(String, &'static str)>,
    region: Option<String>,
    env_region: Option<String>,
    profile: Option<String>,
}

fn exec_info(exec: &ExecConfig) -> ExecInfo {
    let args: Vec<&str> = exec.args.iter().flatten().map(|a| a.trim()).collect();
    let command = exec.command.as_deref().unwrap_or("");
    let env = |name: &str| -> Option<String> {
        exec.env
            .iter()
            .flatten()
            .filter(|e| e.get("name").map(String::as_str) == Some(name))
            .filter_map(|e| e.get("value"))
            .map(|v| v.trim().to_owned())
            .find(|v| !v.is_empty())
    };
    let authenticator = std::iter::once(command)
        .chain(args.iter().copied())
        .any(|a| program_name(a).starts_with("aws-iam-authenticator"));

    let mut cluster = None;
    if args.contains(&"get-token") {
        cluster = flag(&args, "--cluster-name")
            .map(|n| (n, "aws eks get-token --cluster-name"))
            .or_else(|| flag(&args, "--cluster-id").map(|n| (n, "aws eks get-token --cluster-id")));
    }
    if cluster.is_none() && authenticator && args.contains(&"token") {
        cluster = flag(&args, "-i")
            .or_else(|| flag(&args, "--cluster-id"))
            .map(|n| (n, "aws-iam-authenticator token -i"));
    }
    ExecInfo {
        cluster: cluster.filter(|(n, _)| is_cluster_name(n)),
        region: flag(&args, "--region").filter(|r| is_region(r)),
        env_region: env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .filter(|r| is_region(r)),
        profile: flag(&args, "--profile").or_else(|| env("AWS_PROFILE")),
    }
}

/// The value of `--flag VALUE` or `--flag=VALUE` (first occurrence).
fn flag(args: &[&str], name: &str) -> Option<String> {
    args.iter().enumerate().find_map(|(i, arg)| {
        if *arg == name {
            args.get(i + 1)
                .filter(|v| !v.starts_with('-') && !v.is_empty())
                .map(|v| (*v).to_owned())
        } else {
            arg.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        }
    })
}

/// `aws` for `/usr/local/bin/aws`, `aws.exe`, `C:\bin\aws.cmd`.
fn program_name(command: &str) -> &str {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
    base.strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".cmd"))
        .unwrap_or(base)
}

/// `NAME.REGION.eksctl.io` → (NAME, REGION).
fn eksctl_name(cluster_name: &str) -> Option<(String, String)> {
    let rest = cluster_name.trim().strip_suffix(".eksctl.io")?;
    let (name, region) = rest.rsplit_once('.')?;
    (is_cluster_name(name) && is_region(region)).then(|| (name.to_owned(), region.to_owned()))
}

/// The region (and partition) of an EKS endpoint `https://ID.xx.REGION.eks.amazonaws.com`.
fn endpoint_region(server: &str) -> Option<(String, &'static str)> {
    let rest = server.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    [
        (".eks.amazonaws.com", "aws"),
        (".eks.amazonaws.com.cn", "aws-cn"),
    ]
    .into_iter()
    .find_map(|(suffix, partition)| {
        let region = host.strip_suffix(suffix)?.rsplit('.').next()?;
        is_region(region).then(|| (region.to_owned(), partition))
    })
}
