//! Reading the kubeconfig: which file(s), which context, and what EKS cluster it points at.
//!
//! The file comes from `--kubeconfig`, else `KUBECONFIG` (a path list, merged as kubectl
//! does; names of missing files are skipped), else `~/.kube/config`. The context is
//! `--context` or `current-context`.
//!
//! The EKS cluster name and region are inferred so that `--cluster` is rarely needed
//! (`infer`):
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

mod infer;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use kube::config::{AuthInfo, Cluster, Kubeconfig};

pub use infer::{ClusterHint, infer};

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
                reason: parse_reason(&other),
            },
        })?;
        merged = Some(match merged {
            None => config,
            Some(m) => m.merge(config).map_err(|e| KubeconfigError::Invalid {
                origin: origin.clone(),
                reason: parse_reason(&e),
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
        reason: parse_reason(&e),
    })
}

/// Why a kubeconfig does not parse, without quoting it: the parser shows the lines around
/// the error (a `token:` line among them, often) and the values it did not expect, so only
/// the position and the kind of error are kept.
fn parse_reason(e: &impl std::fmt::Display) -> String {
    let text = one_line(&e.to_string());
    let head = text.split(" --> ").next().unwrap_or_default();
    let mut out = String::with_capacity(head.len());
    let mut quote: Option<char> = None;
    for c in head.chars() {
        match quote {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    quote = Some(c);
                }
            }
        }
    }
    crate::redact::redact(&out)
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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
