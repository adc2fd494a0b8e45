//! The live Kubernetes source: a connection from the kubeconfig (or in-cluster), and
//! watchers that reduce what they see into the shared [`Store`].
//!
//! Only GET requests are ever made (list, watch). Read, and nothing else:
//!
//! | source (`SourceHealth.resource`) | request | kept |
//! |---|---|---|
//! | `serviceaccounts` | list/watch, metadata only | namespace, name, uid, created, `eks.amazonaws.com/*` |
//! | `pods` | list/watch | reduced to [`inventory::Pod`](crate::inventory::Pod) on arrival |
//! | `nodes` | list/watch, metadata only | name, node group label |
//! | `configmaps/aws-auth` (kube-system) | list/watch, `metadata.name=aws-auth` | node roles of `mapRoles` |
//! | `mutatingwebhookconfigurations` | list/watch, metadata only | whether `pod-identity-webhook` exists |
//! | `daemonsets/eks-pod-identity-agent` (kube-system) | list/watch, metadata only, by name | whether it exists |
//! | `namespaces` | list, metadata only | only when a cluster-wide list is forbidden and no `-n` was given |
//!
//! Each source's state is in [`Data::sources`](crate::sources::store::Data): syncing, synced
//! with its count, forbidden or failed, with a message naming the resource and scope.

pub mod credentials;
mod drive;
pub mod limits;
mod namespaced;
mod reduce;
mod resources;
mod sinks;
mod watchers;

use std::path::Path;
use std::sync::Arc;

use kube::Client;
use kube::config::{Config, KubeConfigOptions};

pub use drive::describe_error;
pub use reduce::{
    IRSA_TOKEN_VOLUME, NODEGROUP_LABELS, POD_IDENTITY_AUDIENCE, aws_auth_node_roles, owner_of,
    reduce_node, reduce_pod, reduce_service_account,
};
pub use resources::{
    AGENT_DAEMONSET, AWS_AUTH, FAIL_AFTER, PAGE_SIZE, RESOURCE_AGENT, RESOURCE_AWS_AUTH,
    RESOURCE_NAMESPACES, RESOURCE_NODES, RESOURCE_PODS, RESOURCE_SERVICE_ACCOUNTS,
    RESOURCE_WEBHOOKS, SYSTEM_NAMESPACE, WEBHOOK_NAME,
};
pub use watchers::spawn;

use crate::sources::kubeconfig::{self, ClusterHint};
use crate::sources::store::Data;

/// A client for the cluster, and what the kubeconfig says about it.
#[derive(Clone)]
pub struct Connected {
    pub client: Client,
    /// The kubeconfig context used; `None` in-cluster.
    pub context: Option<String>,
    /// The API server's URL, as the kubeconfig names it.
    pub server: Option<String>,
    /// The EKS cluster the context points at, as far as it can be inferred.
    pub hint: ClusterHint,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("context", &self.context)
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

impl Connected {
    /// Records the context and fills what is still unknown of the cluster (an explicit
    /// `--cluster` already in `data.cluster.name` wins; see [`ClusterHint::fill`]).
    pub fn record(&self, data: &mut Data) {
        if data.context.is_none() {
            data.context.clone_from(&self.context);
        }
        self.hint.fill(&mut data.cluster);
    }
}

/// Connects from the kubeconfig (`kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`)
/// and `context` (else current-context), or from the in-cluster service account when there
/// is no kubeconfig. Nothing is sent to the API server yet (errors reaching it show up as
/// source states), but the context's exec credential plugin (`aws eks get-token`) runs here,
/// as kube fetches the first token while building the client: a broken plugin is an error
/// of `connect`. Every error is one line saying what to do.
///
/// `interactive`: whether the plugin may use the terminal (prompt on stdin, write to
/// stderr) as the kubeconfig allows. The dashboard holds the terminal, and the plugin runs
/// again whenever the token expires, so there it never may: its stderr is captured and
/// quoted in the error instead.
pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    interactive: bool,
) -> Result<Connected, String> {
    connect_telling(kubeconfig, context, interactive, &|_| {}).await
}

/// As [`connect`], telling `doing` what it is waiting for (for the message of a deadline).
pub async fn connect_telling(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    interactive: bool,
    doing: &(dyn Fn(String) + Send + Sync),
) -> Result<Connected, String> {
    let loaded = kubeconfig::load(kubeconfig).map_err(|e| e.to_string())?;
    let Some(loaded) = loaded else {
        if let Some(name) = context {
            return Err(format!(
                "context {name} was asked for but there is no kubeconfig (KUBECONFIG unset or naming no existing file, no ~/.kube/config); pass --kubeconfig PATH"
            ));
        }
        let mut config = Config::incluster().map_err(|e| {
            format!(
                "no kubeconfig found (KUBECONFIG unset or naming no existing file, no ~/.kube/config) and not running in a cluster ({e}); pass --kubeconfig PATH or write one with `aws eks update-kubeconfig --name CLUSTER`"
            )
        })?;
        prepare(&mut config);
        let client = build(config, None)
            .map_err(|e| format!("cannot set up the in-cluster Kubernetes client: {e}"))?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let hint = ClusterHint {
            region: env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")),
            ..Default::default()
        };
        return Ok(Connected {
            client,
            context: None,
            server: None,
            hint,
        });
    };
    let selection = kubeconfig::select(&loaded.kubeconfig, context, &loaded.origin)
        .map_err(|e| e.to_string())?;
    let options = KubeConfigOptions {
        context: Some(selection.context.clone()),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(loaded.kubeconfig, &options)
        .await
        .map_err(|e| {
            format!(
                "cannot use context {} of kubeconfig {}: {}; fix the kubeconfig or pick another --context",
                selection.context,
                loaded.origin,
                one_line(&e.to_string())
            )
        })?;
    prepare(&mut config);
    // The credential plugin is run here, by irsa-tui (bounded, killed when given up on), not
    // by kube: its first token now, the next ones before each expires.
    let exec = match config.auth_info.exec.take() {
        Some(exec) => {
            let plugin = credentials::Plugin::new(exec, interactive, &selection.context);
            doing(format!(
                "the credential plugin `{}` of context {}",
                plugin.program(),
                selection.context
            ));
            match plugin.run().await? {
                credentials::Credential::Token { token, expires } => {
                    Some(Arc::new(credentials::ExecAuth::new(plugin, token, expires)))
                }
                credentials::Credential::Certificate { certificate, key } => {
                    config.auth_info.client_certificate_data = Some(certificate);
                    config.auth_info.client_key_data = Some(secrecy::SecretString::from(key));
                    None
                }
            }
        }
        None => None,
    };
    let client =
        build(config, exec).map_err(|e| client_error(&e, &selection.context, &loaded.origin))?;
    Ok(Connected {
        client,
        context: Some(selection.context),
        server: selection.cluster.server.clone(),
        hint: selection.hint,
    })
}

/// The client: kube's stack (TLS, proxy, base URI, static credentials), under the limits
/// on what a server may send and, for an exec plugin, its token.
fn build(config: Config, exec: Option<Arc<credentials::ExecAuth>>) -> Result<Client, kube::Error> {
    let builder = kube::client::ClientBuilder::try_from(config)?;
    let limits = limits::LimitsLayer::default();
    Ok(match exec {
        Some(auth) => builder
            .with_layer(
                &tower::ServiceBuilder::new()
                    .layer(limits)
                    .layer(credentials::BearerLayer(auth))
                    .layer(tower::buffer::BufferLayer::new(256)),
            )
            .build(),
        None => builder.with_layer(&limits).build(),
    })
}

/// A client that could not be built, said in one line.
fn client_error(err: &kube::Error, context: &str, origin: &str) -> String {
    crate::redact::redact(&client_error_text(err, context, origin))
}

fn client_error_text(err: &kube::Error, context: &str, origin: &str) -> String {
    match err {
        kube::Error::Auth(e) => format!(
            "cannot get credentials for context {context} from kubeconfig {origin}: {}",
            one_line(&e.to_string())
        ),
        e => format!(
            "cannot set up the Kubernetes client for context {context} of kubeconfig {origin}: {}",
            one_line(&e.to_string())
        ),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn prepare(config: &mut Config) {
    // The watchers retry with their own backoff and report a source that keeps failing;
    // the client's own retry of 429/503/504 (up to 15 attempts) would hide that for minutes.
    config.default_retry = false;
    // A server that accepts the connection and then says nothing is not waited for: the
    // connection has this long, each request the limits of `limits`.
    config.connect_timeout = Some(CONNECT_TIMEOUT);
}

/// TCP and TLS set-up with the API server.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connect_errors_are_one_clear_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.yaml");
        let err = connect(Some(&missing), None, false)
            .await
            .expect_err("missing");
        assert!(
            err.contains("cannot read kubeconfig") && err.contains("nope.yaml"),
            "{err}"
        );

        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "clusters: [").expect("write");
        let err = connect(Some(&bad), None, false)
            .await
            .expect_err("malformed");
        assert!(err.contains("not a valid kubeconfig"), "{err}");

        let good = dir.path().join("good.yaml");
        std::fs::write(
            &good,
            include_str!("../../../tests/common/fixtures/kubeconfig-aws-cli-alias.yaml"),
        )
        .expect("write");
        let err = connect(Some(&good), Some("staging"), false)
            .await
            .expect_err("unknown context");
        assert!(
            err.contains("\"staging\"") && err.contains("prod-admin"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");

        // Credential plugins that cannot run or fail: said plainly.
        let plugin = |command: &str| {
            format!(
                "clusters:\n- name: arn:aws:eks:eu-west-1:111122223333:cluster/blue\n  cluster:\n    server: https://ABC.gr7.eu-west-1.eks.amazonaws.com\ncontexts:\n- name: blue\n  context: {{cluster: \"arn:aws:eks:eu-west-1:111122223333:cluster/blue\", user: u}}\ncurrent-context: blue\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {command}\n      interactiveMode: Never\n"
            )
        };
        let missing_plugin = dir.path().join("missing-plugin.yaml");
        std::fs::write(&missing_plugin, plugin("/nonexistent/credential-plugin")).expect("write");
        let err = connect(Some(&missing_plugin), None, false)
            .await
            .expect_err("no plugin");
        assert!(
            err.starts_with(
                "cannot run the credential plugin `/nonexistent/credential-plugin` of context blue"
            ),
            "{err}"
        );
        if Path::new("/bin/false").exists() {
            let failing = dir.path().join("failing-plugin.yaml");
            std::fs::write(&failing, plugin("/bin/false")).expect("write");
            let err = connect(Some(&failing), None, false)
                .await
                .expect_err("plugin fails");
            assert!(
                err.contains("credential plugin `/bin/false`") && err.contains("failed"),
                "{err}"
            );
            assert!(!err.contains('\n'), "{err}");
        }

        // Not interactive (the dashboard): even where the kubeconfig lets the plugin use
        // the terminal, its stderr is captured and quoted, never written over the screen.
        let script = dir.path().join("expired-plugin.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\necho 'Error when retrieving token from sso: Token has expired and refresh failed' >&2\nexit 255\n",
        )
        .expect("write");
        let mut perms = std::fs::metadata(&script).expect("metadata").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&script, perms).expect("chmod");
        let expired = dir.path().join("expired-plugin.yaml");
        let text = plugin(&script.display().to_string())
            .replace("interactiveMode: Never", "interactiveMode: IfAvailable");
        std::fs::write(&expired, text).expect("write");
        let err = connect(Some(&expired), None, false)
            .await
            .expect_err("plugin fails");
        assert!(
            err.contains("Token has expired and refresh failed") && err.contains("aws sso login"),
            "{err}"
        );

        let good = dir.path().join("token.yaml");
        std::fs::write(
            &good,
            plugin("x").replace(
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: x\n      interactiveMode: Never\n",
                "    token: not-a-real-token\n",
            ),
        )
        .expect("write");
        let ok = connect(Some(&good), None, false)
            .await
            .expect("connects offline");
        assert_eq!(ok.context.as_deref(), Some("blue"));
        assert_eq!(ok.hint.name.as_deref(), Some("blue"));
        let mut data = Data::default();
        ok.record(&mut data);
        assert_eq!(data.context.as_deref(), Some("blue"));
        assert_eq!(data.cluster.region.as_deref(), Some("eu-west-1"));
        assert_eq!(data.cluster.account.as_deref(), Some("111122223333"));
    }
}
