//! Reading the kubeconfig: which file(s), which context, and what EKS cluster it points at.
//!
//! The file comes from `--kubeconfig`, else `KUBECONFIG` (a path list, merged as kubectl
//! does; names of missing files are skipped), else `~/.kube/config`. The context is
//! `--context` or `current-context`.
//!
//! The EKS cluster name and region are inferred so that `--cluster` is rarely needed
//! ([`infer`]):
//! - a cluster entry named by its ARN (`aws eks update-kubeconfig`, with or without
//!   `--alias`: the alias renames the context, never the cluster entry);
//! - `--cluster-name` / `--cluster-id` in `aws eks get-token` exec args, `-i` /
//!   `--cluster-id` in `aws-iam-authenticator token` exec args (also behind wrappers such
//!   as `aws-vault exec PROFILE -- aws eks get-token ...`);
//! - eksctl's `NAME.REGION.eksctl.io` cluster entry names;
//! - a context named by the cluster ARN, as a last resort.
//!
//! The region comes from the ARN, the eksctl name, the exec `--region` arg, an
//! `AWS_REGION` / `AWS_DEFAULT_REGION` exec env, or the endpoint host
//! (`*.REGION.eks.amazonaws.com`), in that order.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use kube::config::{AuthInfo, Cluster, ExecConfig, Kubeconfig};

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

/// A kubeconfig that cannot be used, said so that the user knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("cannot read kubeconfig {path}: {reason} (check --kubeconfig or KUBECONFIG)")]
    Read { path: String, reason: String },
    #[error("kubeconfig {origin} is not a valid kubeconfig: {reason}")]
    Invalid { origin: String, reason: String },
    #[error(
        "kubeconfig {origin} has no contexts; write one with `aws eks update-kubeconfig --name CLUSTER` or pass --kubeconfig PATH"
    )]
    NoContexts { origin: String },
    #[error(
        "kubeconfig {origin} has no current-context; pass --context NAME (available: {available})"
    )]
    NoCurrentContext { origin: String, available: String },
    #[error("context {name:?} is not in kubeconfig {origin}; its contexts: {available}")]
    UnknownContext {
        origin: String,
        name: String,
        available: String,
    },
    #[error(
        "context {context:?} in kubeconfig {origin} names cluster {cluster:?}, which the kubeconfig does not define; fix the kubeconfig or pick another --context"
    )]
    MissingCluster {
        origin: String,
        context: String,
        cluster: String,
    },
    #[error(
        "cluster {cluster:?} (context {context:?}) in kubeconfig {origin} has no server URL; fix the kubeconfig or pick another --context"
    )]
    MissingServer {
        origin: String,
        context: String,
        cluster: String,
    },
}

/// The kubeconfig read from one or more files.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file(s) it was read from, for messages.
    pub origin: String,
    pub kubeconfig: Kubeconfig,
}

/// The context in use and what it points at.
#[derive(Debug, Clone)]
pub struct Selection {
    pub context: String,
    /// The cluster entry's name (not necessarily the EKS cluster name).
    pub cluster_name: String,
    pub cluster: Cluster,
    pub user: Option<AuthInfo>,
    /// The context's default namespace.
    pub namespace: Option<String>,
    pub hint: ClusterHint,
}

/// The kubeconfig files to read: `explicit` (`--kubeconfig`), else the existing files named
/// by `KUBECONFIG`, else `~/.kube/config` when it exists. Empty: there is no kubeconfig.
pub fn locate(explicit: Option<&Path>) -> Vec<PathBuf> {
    locate_in(
        explicit,
        std::env::var_os("KUBECONFIG"),
        std::env::home_dir(),
    )
}

fn locate_in(
    explicit: Option<&Path>,
    kubeconfig_env: Option<OsString>,
    home: Option<PathBuf>,
) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        // Given on purpose: read it even if it turns out to be missing (a clear error).
        return vec![path.to_path_buf()];
    }
    if let Some(list) = kubeconfig_env.filter(|v| !v.is_empty()) {
        let mut paths: Vec<PathBuf> = Vec::new();
        for path in std::env::split_paths(&list) {
            if path.as_os_str().is_empty() || paths.contains(&path) {
                continue;
            }
            if path.exists() {
                paths.push(path);
            } else {
                tracing::debug!(path = %path.display(), "KUBECONFIG names a missing file, skipped");
            }
        }
        return paths;
    }
    home.map(|h| h.join(".kube").join("config"))
        .filter(|p| p.exists())
        .into_iter()
        .collect()
}

/// Reads the kubeconfig [`locate`] finds; `Ok(None)` when there is none (in-cluster).
pub fn load(explicit: Option<&Path>) -> Result<Option<Loaded>, KubeconfigError> {
    let paths = locate(explicit);
    if paths.is_empty() {
        return Ok(None);
    }
    load_files(&paths).map(Some)
}

/// Reads and merges kubeconfig files (the first file to set a value wins, as in kubectl).
pub fn load_files(paths: &[PathBuf]) -> Result<Loaded, KubeconfigError> {
    let origin = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let mut merged: Option<Kubeconfig> = None;
    for path in paths {
        let shown = path.display().to_string();
        // kube resolves relative certificate, key and command paths against the file's folder.
        let config = Kubeconfig::read_from(path).map_err(|e| match e {
            kube::config::KubeconfigError::ReadConfig(io, _) => KubeconfigError::Read {
                path: shown.clone(),
                reason: io.to_string(),
            },
            other => KubeconfigError::Invalid {
                origin: shown.clone(),
                reason: one_line(&other.to_string()),
            },
        })?;
        merged = Some(match merged {
            None => config,
            Some(m) => m.merge(config).map_err(|e| KubeconfigError::Invalid {
                origin: origin.clone(),
                reason: e.to_string(),
            })?,
        });
    }
    Ok(Loaded {
        origin,
        kubeconfig: merged.unwrap_or_default(),
    })
}

/// Parses kubeconfig YAML; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Kubeconfig, KubeconfigError> {
    Kubeconfig::from_yaml(text).map_err(|e| KubeconfigError::Invalid {
        origin: origin.to_owned(),
        reason: one_line(&e.to_string()),
    })
}

/// Picks the context (`context` or `current-context`) and infers the EKS cluster.
pub fn select(
    kubeconfig: &Kubeconfig,
    context: Option<&str>,
    origin: &str,
) -> Result<Selection, KubeconfigError> {
    let available = || {
        let names: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let name = match context {
        Some(name) => name.to_owned(),
        None => match kubeconfig
            .current_context
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            Some(name) => name.to_owned(),
            None if kubeconfig.contexts.is_empty() => {
                return Err(KubeconfigError::NoContexts {
                    origin: origin.to_owned(),
                });
            }
            None => {
                return Err(KubeconfigError::NoCurrentContext {
                    origin: origin.to_owned(),
                    available: available(),
                });
            }
        },
    };
    let ctx = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| KubeconfigError::UnknownContext {
            origin: origin.to_owned(),
            name: name.clone(),
            available: available(),
        })?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| KubeconfigError::MissingCluster {
            origin: origin.to_owned(),
            context: name.clone(),
            cluster: ctx.cluster.clone(),
        })?;
    if cluster
        .server
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(KubeconfigError::MissingServer {
            origin: origin.to_owned(),
            context: name,
            cluster: ctx.cluster,
        });
    }
    let user = ctx.user.as_deref().and_then(|u| {
        kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == u)
            .and_then(|a| a.auth_info.clone())
    });
    let hint = infer(&name, &ctx.cluster, Some(&cluster), user.as_ref());
    Ok(Selection {
        context: name,
        cluster_name: ctx.cluster,
        cluster,
        user,
        namespace: ctx.namespace,
        hint,
    })
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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_CLI: &str = include_str!("../../tests/common/fixtures/kubeconfig-aws-cli.yaml");
    const AWS_CLI_ALIAS: &str =
        include_str!("../../tests/common/fixtures/kubeconfig-aws-cli-alias.yaml");
    const EKSCTL: &str = include_str!("../../tests/common/fixtures/kubeconfig-eksctl.yaml");
    const IAM_AUTHENTICATOR: &str =
        include_str!("../../tests/common/fixtures/kubeconfig-iam-authenticator.yaml");

    fn hint_of(text: &str, context: Option<&str>) -> ClusterHint {
        let kc = parse(text, "test").expect("parses");
        select(&kc, context, "test").expect("selects").hint
    }

    #[test]
    fn aws_cli_kubeconfig_names_the_cluster_by_its_arn() {
        let hint = hint_of(AWS_CLI, None);
        assert_eq!(hint.name.as_deref(), Some("prod"));
        assert_eq!(hint.region.as_deref(), Some("us-east-1"));
        assert_eq!(hint.account.as_deref(), Some("111122223333"));
        assert_eq!(hint.partition.as_deref(), Some("aws"));
        assert_eq!(
            hint.arn.as_deref(),
            Some("arn:aws:eks:us-east-1:111122223333:cluster/prod")
        );
        assert_eq!(hint.name_from, Some("cluster ARN"));
        assert_eq!(hint.profile, None);
    }

    #[test]
    fn aws_cli_alias_renames_the_context_not_the_cluster() {
        let kc = parse(AWS_CLI_ALIAS, "alias").expect("parses");
        let sel = select(&kc, None, "alias").expect("selects");
        assert_eq!(sel.context, "prod-admin");
        assert_ne!(sel.context, sel.hint.name.clone().unwrap_or_default());
        assert_eq!(sel.hint.name.as_deref(), Some("prod"));
        assert_eq!(sel.hint.region.as_deref(), Some("us-east-1"));
        assert_eq!(sel.hint.account.as_deref(), Some("111122223333"));
        assert_eq!(sel.hint.profile.as_deref(), Some("platform"));
        // The other context of the same file is a kind cluster: nothing to infer.
        let kind = select(&kc, Some("kind-dev"), "alias").expect("selects");
        assert_eq!(kind.hint, ClusterHint::default());
        assert_eq!(kind.namespace.as_deref(), Some("default"));
    }

    #[test]
    fn eksctl_kubeconfig_gives_name_and_region() {
        let hint = hint_of(EKSCTL, None);
        assert_eq!(hint.name.as_deref(), Some("prod"));
        assert_eq!(hint.region.as_deref(), Some("us-west-2"));
        assert_eq!(hint.account, None);
        assert_eq!(hint.arn, None);
        assert_eq!(hint.partition.as_deref(), Some("aws"));
        assert_eq!(hint.name_from, Some("aws eks get-token --cluster-name"));
    }

    #[test]
    fn iam_authenticator_cluster_id_and_endpoint_region() {
        let kc = parse(IAM_AUTHENTICATOR, "auth").expect("parses");
        let sel = select(&kc, None, "auth").expect("selects");
        assert_eq!(sel.cluster_name, "platform-prod");
        assert_eq!(sel.hint.name.as_deref(), Some("prod"));
        assert_eq!(sel.hint.region.as_deref(), Some("eu-central-1"));
        assert_eq!(sel.hint.name_from, Some("aws-iam-authenticator token -i"));
    }

    #[test]
    fn every_reference_kubeconfig_yields_prod_and_its_region() {
        let cases: Vec<(String, String)> = vec![
            ("kubeconfig-aws-cli.yaml".into(), AWS_CLI.into()),
            ("kubeconfig-aws-cli-alias.yaml".into(), AWS_CLI_ALIAS.into()),
            ("kubeconfig-eksctl.yaml".into(), EKSCTL.into()),
            (
                "kubeconfig-iam-authenticator.yaml".into(),
                IAM_AUTHENTICATOR.into(),
            ),
        ];
        let expected_region = |name: &str| match name {
            "kubeconfig-eksctl.yaml" => Some("us-west-2"),
            "kubeconfig-iam-authenticator.yaml" => Some("eu-central-1"),
            "kubeconfig-aws-cli.yaml" | "kubeconfig-aws-cli-alias.yaml" => Some("us-east-1"),
            _ => None,
        };
        for (name, text) in &cases {
            let hint = hint_of(text, None);
            assert_eq!(hint.name.as_deref(), Some("prod"), "{name}");
            assert!(hint.region.is_some(), "{name}: no region");
            if let Some(region) = expected_region(name) {
                assert_eq!(hint.region.as_deref(), Some(region), "{name}");
            }
        }
    }

    #[test]
    fn nothing_to_infer_gives_none() {
        let text = r#"
apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster:
    server: https://10.0.0.1:6443
contexts:
- name: dev
  context:
    cluster: dev
    user: dev
current-context: dev
users:
- name: dev
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, abc]
"#;
        let hint = hint_of(text, None);
        assert_eq!(hint.name, None);
        assert_eq!(hint.region, None);
        assert_eq!(hint, ClusterHint::default());
    }

    #[test]
    fn region_sources_in_order() {
        let with = |args: &str, env: &str, server: &str| {
            format!(
                r#"
clusters:
- name: c
  cluster:
    server: {server}
contexts:
- name: c
  context: {{cluster: c, user: u}}
current-context: c
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/aws-vault
      args: [{args}]
      env: [{env}]
"#
            )
        };
        let endpoint = "https://ABC.yl4.ap-south-1.eks.amazonaws.com:443";
        // Behind a wrapper, `=` form, region from the exec arg over the endpoint.
        let h = hint_of(
            &with(
                "exec, prof, --, aws, eks, get-token, --cluster-name=blue, --region=eu-west-1",
                "",
                endpoint,
            ),
            None,
        );
        assert_eq!(h.name.as_deref(), Some("blue"));
        assert_eq!(h.region.as_deref(), Some("eu-west-1"));
        // Exec env next.
        let h = hint_of(
            &with(
                "exec, prof, --, aws, eks, get-token, --cluster-id, outpost-1",
                "{name: AWS_DEFAULT_REGION, value: ca-central-1}, {name: AWS_PROFILE, value: ops}",
                endpoint,
            ),
            None,
        );
        assert_eq!(h.name.as_deref(), Some("outpost-1"));
        assert_eq!(h.region.as_deref(), Some("ca-central-1"));
        assert_eq!(h.profile.as_deref(), Some("ops"));
        // Then the endpoint host; China partition.
        let h = hint_of(
            &with(
                "exec, prof, --, aws, eks, get-token, --cluster-name, red",
                "",
                "https://X.sk1.cn-north-1.eks.amazonaws.com.cn",
            ),
            None,
        );
        assert_eq!(h.region.as_deref(), Some("cn-north-1"));
        assert_eq!(h.partition.as_deref(), Some("aws-cn"));
    }

    #[test]
    fn fill_respects_an_explicit_cluster() {
        let hint = hint_of(AWS_CLI, None);
        let mut c = inventory::Cluster::default();
        hint.fill(&mut c);
        assert_eq!(c.name.as_deref(), Some("prod"));
        assert_eq!(c.account.as_deref(), Some("111122223333"));
        let mut other = inventory::Cluster {
            name: Some("staging".into()),
            ..Default::default()
        };
        hint.fill(&mut other);
        assert_eq!(other.name.as_deref(), Some("staging"));
        assert_eq!(other.arn, None);
        assert_eq!(other.region, None);
    }

    #[test]
    fn malformed_kubeconfigs_are_clear_errors() {
        let cases = [
            ("clusters: [", "not a valid kubeconfig"),
            ("clusters: 5", "not a valid kubeconfig"),
            ("- a\n- b", "not a valid kubeconfig"),
            (
                "clusters:\n- cluster: {server: https://x}\n",
                "not a valid kubeconfig",
            ),
        ];
        for (text, want) in cases {
            let err = parse(text, "bad.yaml").expect_err(text).to_string();
            assert!(
                err.contains(want) && err.contains("bad.yaml"),
                "{text}: {err}"
            );
            assert!(!err.contains('\n'), "{err}");
        }
        // Empty: parses, but has no context to use.
        let empty = parse("", "empty.yaml").expect("empty is a kubeconfig");
        let err = select(&empty, None, "empty.yaml").expect_err("no contexts");
        assert!(matches!(err, KubeconfigError::NoContexts { .. }), "{err}");

        let kc = parse(AWS_CLI_ALIAS, "k").expect("parses");
        let err = select(&kc, Some("nope"), "k")
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("prod-admin, kind-dev"),
            "{err}"
        );

        let no_current = AWS_CLI_ALIAS.replace("current-context: prod-admin", "");
        let kc = parse(&no_current, "k").expect("parses");
        let err = select(&kc, None, "k").expect_err("no current").to_string();
        assert!(err.contains("--context"), "{err}");

        let dangling =
            AWS_CLI_ALIAS.replace("cluster: kind-dev\n    user", "cluster: gone\n    user");
        let kc = parse(&dangling, "k").expect("parses");
        let err = select(&kc, Some("kind-dev"), "k").expect_err("dangling");
        assert!(
            matches!(err, KubeconfigError::MissingCluster { .. }),
            "{err}"
        );

        let no_server = "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n";
        let kc = parse(no_server, "k").expect("parses");
        let err = select(&kc, None, "k").expect_err("no server");
        assert!(
            matches!(err, KubeconfigError::MissingServer { .. }),
            "{err}"
        );
    }

    #[test]
    fn files_are_located_and_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        std::fs::write(&a, AWS_CLI).expect("write");
        std::fs::write(&b, EKSCTL).expect("write");
        let missing = dir.path().join("missing.yaml");

        // KUBECONFIG: missing entries skipped, order kept, first current-context wins.
        let list = std::env::join_paths([&missing, &b, &a]).expect("joins");
        let paths = locate_in(None, Some(list), None);
        assert_eq!(paths, vec![b.clone(), a.clone()]);
        let loaded = load_files(&paths).expect("loads");
        let sel = select(&loaded.kubeconfig, None, &loaded.origin).expect("selects");
        assert_eq!(sel.hint.region.as_deref(), Some("us-west-2"));
        let sel = select(
            &loaded.kubeconfig,
            Some("arn:aws:eks:us-east-1:111122223333:cluster/prod"),
            &loaded.origin,
        )
        .expect("the second file's context");
        assert_eq!(sel.hint.region.as_deref(), Some("us-east-1"));

        // ~/.kube/config, then nothing at all.
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).expect("mkdir");
        assert!(locate_in(None, None, Some(home.clone())).is_empty());
        std::fs::write(home.join(".kube/config"), AWS_CLI).expect("write");
        assert_eq!(
            locate_in(None, Some(OsString::new()), Some(home.clone())),
            vec![home.join(".kube/config")]
        );
        // --kubeconfig wins and is read even when missing: a clear error.
        assert_eq!(
            locate_in(Some(&missing), None, Some(home)),
            vec![missing.clone()]
        );
        let err = load_files(&[missing]).expect_err("missing").to_string();
        assert!(
            err.starts_with("cannot read kubeconfig") && err.contains("missing.yaml"),
            "{err}"
        );

        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, [0xff_u8, 0xfe, 0x00, 0x41]).expect("write");
        assert!(load_files(&[garbage]).is_err());
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "contexts: {").expect("write");
        let err = load_files(&[bad]).expect_err("bad").to_string();
        assert!(
            err.contains("bad.yaml") && err.contains("not a valid kubeconfig"),
            "{err}"
        );
    }
}
