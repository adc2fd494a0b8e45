//! The kubeconfig's exec credential plugin (`aws eks get-token`, `aws-iam-authenticator`,
//! `kubelogin`, ...), run by irsa-tui itself rather than by kube, which waits for it
//! without end and reads its output without bound. Here every run has a deadline, its
//! output is bounded, a plugin given up on is killed with whatever it started, and what is
//! said about a failure never quotes a secret. The token it gives is sent as the
//! `Authorization` header by [`BearerLayer`] and fetched again before it expires.

use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::{HeaderValue, Request};
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Mutex;
use tokio::time::Instant;
use tower::{BoxError, Layer, Service};

use crate::redact::redact;

/// How long a plugin may run when it cannot prompt. `aws eks get-token` answers in a second
/// or two, and in ten seconds when it first refreshes an SSO or role-chained session; a
/// minute leaves room for a slow STS endpoint while a hung plugin is said within it.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long when it may prompt on the terminal (an MFA code, a browser login).
pub const INTERACTIVE_PLUGIN_TIMEOUT: Duration = Duration::from_secs(180);
/// What a plugin may print: an ExecCredential is a few KiB (a client certificate, 16 KiB).
pub const PLUGIN_OUTPUT_MAX: usize = 1 << 20;
/// How much of its standard error is kept, for the message of a failure.
const PLUGIN_STDERR_MAX: usize = 64 << 10;
/// A token is fetched again this long before it expires, or after this long when the
/// plugin gives no expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
const REFRESH_WITHOUT_EXPIRY: Duration = Duration::from_secs(600);

/// The plugin's answer, as the client-go ExecCredential API defines it.
#[derive(Debug, Default, Deserialize)]
struct ExecCredential {
    status: Option<Status>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    expiration_timestamp: Option<String>,
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// What the plugin is told (`KUBERNETES_EXEC_INFO`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecInfo<'a> {
    api_version: Option<&'a str>,
    kind: &'static str,
    spec: ExecSpec<'a>,
}

#[derive(Serialize)]
struct ExecSpec<'a> {
    interactive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a kube::config::ExecAuthCluster>,
}

/// What the plugin gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Token {
        token: String,
        /// When it expires (seconds since the epoch), when the plugin said.
        expires: Option<i64>,
    },
    /// A client certificate and key (PEM, base64 as in a kubeconfig).
    Certificate { certificate: String, key: String },
}

/// A kubeconfig user's exec plugin, and how to run it.
#[derive(Debug, Clone)]
pub struct Plugin {
    exec: ExecConfig,
    /// Whether it may use the terminal (prompt on stdin, write to stderr).
    interactive: bool,
    /// `context CONTEXT`, for messages.
    context: String,
}

impl Plugin {
    /// The plugin of `exec`; interactive when the caller lets it use the terminal, there is
    /// one (stdin is a terminal, as kubectl decides for `IfAvailable`) and the kubeconfig does
    /// not forbid it. Only an interactive plugin shares the terminal's process group; any
    /// other runs in a group of its own, stopped whole when given up on.
    pub fn new(exec: ExecConfig, interactive: bool, context: &str) -> Plugin {
        use std::io::IsTerminal as _;
        let interactive = interactive
            && std::io::stdin().is_terminal()
            && exec.interactive_mode != Some(ExecInteractiveMode::Never);
        Plugin {
            exec,
            interactive,
            context: context.to_owned(),
        }
    }

    /// The program, as the kubeconfig names it (for messages).
    pub fn program(&self) -> &str {
        self.exec.command.as_deref().unwrap_or("(none)")
    }

    fn fail(&self, what: &str) -> String {
        redact(&format!(
            "the credential plugin `{}` of context {} {what}",
            self.program(),
            self.context
        ))
    }

    /// Runs the plugin once, within its deadline.
    pub async fn run(&self) -> Result<Credential, String> {
        let timeout = if self.interactive {
            INTERACTIVE_PLUGIN_TIMEOUT
        } else {
            PLUGIN_TIMEOUT
        };
        self.run_within(timeout).await
    }

    async fn run_within(&self, timeout: Duration) -> Result<Credential, String> {
        let check = "check that it works in this shell (for EKS: `aws sts get-caller-identity`, and `aws sso login` when the session expired)";
        let Some(program) = self.exec.command.as_deref() else {
            return Err(self.fail("names no command; fix the user in the kubeconfig"));
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(self.exec.args.iter().flatten());
        for env in self.exec.env.iter().flatten() {
            if let (Some(name), Some(value)) = (env.get("name"), env.get("value")) {
                cmd.env(name, value);
            }
        }
        for name in self.exec.drop_env.iter().flatten() {
            cmd.env_remove(name);
        }
        let info = ExecInfo {
            api_version: self.exec.api_version.as_deref(),
            kind: "ExecCredential",
            spec: ExecSpec {
                interactive: self.interactive,
                cluster: self
                    .exec
                    .cluster
                    .as_ref()
                    .filter(|_| self.exec.provide_cluster_info),
            },
        };
        cmd.env(
            "KUBERNETES_EXEC_INFO",
            serde_json::to_string(&info).unwrap_or_default(),
        );
        cmd.stdout(Stdio::piped()).kill_on_drop(true);
        if self.interactive {
            cmd.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            // Its own process group, so that what it starts is stopped with it; no terminal.
            cmd.stdin(Stdio::null())
                .stderr(Stdio::piped())
                .process_group(0);
        }
        let mut child = cmd.spawn().map_err(|e| {
            redact(&format!(
                "cannot run the credential plugin `{}` of context {} ({e}); install it, or fix the user in the kubeconfig",
                self.program(),
                self.context
            ))
        })?;
        // Killed with what it started if this is given up on in any way (a deadline here, or
        // the caller's, which drops this future).
        let mut guard = GroupGuard {
            group: (!self.interactive)
                .then(|| child.id().and_then(|p| i32::try_from(p).ok()))
                .flatten(),
        };
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let deadline = Instant::now() + timeout;
        let outcome = tokio::time::timeout_at(deadline, async {
            let (out, err) = tokio::join!(
                read_bounded(stdout, PLUGIN_OUTPUT_MAX),
                read_bounded(stderr, PLUGIN_STDERR_MAX)
            );
            let out = out?;
            let status = child.wait().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((out, err.unwrap_or_default(), status))
        })
        .await;
        let (out, err, status) = match outcome {
            Ok(Ok(done)) => {
                guard.group = None;
                done
            }
            Ok(Err(why)) => {
                stop(&mut child).await;
                return Err(self.fail(&format!("{why}; {check}")));
            }
            Err(_) => {
                stop(&mut child).await;
                let waiting = if self.interactive {
                    "a prompt left unanswered, or a hung call"
                } else {
                    "it may be waiting for a login it cannot prompt for, or for a network that does not answer"
                };
                return Err(self.fail(&format!(
                    "did not finish within {} s ({waiting}); {check}",
                    timeout.as_secs()
                )));
            }
        };
        if !status.success() {
            let said = String::from_utf8_lossy(&err);
            let last = said
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| format!(": {}", l.trim().chars().take(300).collect::<String>()))
                .unwrap_or_default();
            return Err(self.fail(&format!("failed ({status}{last}); {check}")));
        }
        parse(&out).map_err(|why| self.fail(&format!("{why}; {check}")))
    }
}

/// Stops a plugin given up on, and what it started (its process group).
async fn stop(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        kill_group(pid);
    }
    let _ = child.kill().await;
}

fn kill_group(pid: i32) {
    let group = nix::unistd::Pid::from_raw(pid);
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
}

/// The process group of a plugin still running, killed when this is dropped.
struct GroupGuard {
    group: Option<i32>,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.group {
            kill_group(pid);
        }
    }
}

/// Reads everything `from` writes, refusing more than `max` bytes.
async fn read_bounded(from: Option<impl AsyncRead + Unpin>, max: usize) -> Result<Vec<u8>, String> {
    let Some(mut from) = from else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = from.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > max {
            return Err(format!(
                "printed more than {} KiB, far more than a credential",
                max >> 10
            ));
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// The credential in a plugin's output (JSON, or the YAML client-go also accepts). What the
/// output holds is never quoted.
fn parse(out: &[u8]) -> Result<Credential, String> {
    let text = std::str::from_utf8(out).map_err(|_| "printed output that is not UTF-8")?;
    let parsed: ExecCredential = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(json) => serde_saphyr::from_str(text).map_err(|_| {
            format!(
                "printed no ExecCredential (not JSON: line {} column {})",
                json.line(),
                json.column()
            )
        })?,
    };
    let status = parsed.status.unwrap_or_default();
    let expires = status
        .expiration_timestamp
        .as_deref()
        .and_then(crate::time::parse_rfc3339);
    match (
        status.token,
        status.client_certificate_data,
        status.client_key_data,
    ) {
        (Some(token), _, _) if !token.trim().is_empty() => Ok(Credential::Token {
            token: token.trim().to_owned(),
            expires,
        }),
        (_, Some(certificate), Some(key)) => Ok(Credential::Certificate { certificate, key }),
        _ => Err("printed an ExecCredential with neither a token nor a client certificate".into()),
    }
}

/// A plugin's token, fetched again before it expires; one run at a time.
pub struct ExecAuth {
    plugin: Plugin,
    cached: Mutex<Option<(String, Instant)>>,
}

impl ExecAuth {
    /// Starts from the token of a first run (`credential`).
    pub fn new(plugin: Plugin, token: String, expires: Option<i64>) -> ExecAuth {
        ExecAuth {
            cached: Mutex::new(Some((token, refresh_at(expires)))),
            plugin,
        }
    }

    /// The current token, running the plugin again when it is about to expire.
    pub async fn token(&self) -> Result<String, String> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        match self.plugin.run().await? {
            Credential::Token { token, expires } => {
                *cached = Some((token.clone(), refresh_at(expires)));
                Ok(token)
            }
            Credential::Certificate { .. } => Err(self
                .plugin
                .fail("switched from a token to a client certificate; start irsa-tui again")),
        }
    }
}

/// When to fetch a token again that expires at `expires` (seconds since the epoch).
fn refresh_at(expires: Option<i64>) -> Instant {
    let now = Instant::now();
    match expires {
        Some(at) => {
            let left = at - crate::time::now_secs();
            let left = u64::try_from(left).unwrap_or(0);
            now + Duration::from_secs(left).saturating_sub(REFRESH_MARGIN)
        }
        None => now + REFRESH_WITHOUT_EXPIRY,
    }
}

/// Sends the plugin's token as `Authorization: Bearer …` on every request.
#[derive(Clone)]
pub struct BearerLayer(pub Arc<ExecAuth>);

impl<S> Layer<S> for BearerLayer {
    type Service = Bearer<S>;
    fn layer(&self, inner: S) -> Bearer<S> {
        Bearer {
            inner,
            auth: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Bearer<S> {
    inner: S,
    auth: Arc<ExecAuth>,
}

impl<S, B> Service<Request<B>> for Bearer<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<S::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The service polled ready goes into the future; a clone stays for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let token = auth.token().await.map_err(BoxError::from)?;
            let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                BoxError::from("the credential plugin's token is not a valid header value")
            })?;
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
            inner.call(request).await.map_err(Into::into)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(script: &str) -> (tempfile::TempDir, Plugin) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("plugin.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("written");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let exec = ExecConfig {
            command: Some(path.display().to_string()),
            ..serde_json::from_value(serde_json::json!({})).expect("an exec config")
        };
        (dir, Plugin::new(exec, false, "test"))
    }

    const CANARY: &str = "CANARYtoken0123456789abcdefABCDEF";

    #[tokio::test]
    async fn a_token_and_its_expiry_are_read() {
        let (_dir, p) = plugin(&format!(
            r#"echo '{{"kind":"ExecCredential","status":{{"token":"{CANARY}","expirationTimestamp":"2099-01-01T00:00:00Z"}}}}'"#
        ));
        let c = p.run().await.expect("a credential");
        assert_eq!(
            c,
            Credential::Token {
                token: CANARY.into(),
                expires: crate::time::parse_rfc3339("2099-01-01T00:00:00Z")
            }
        );
    }

    #[tokio::test]
    async fn a_hung_plugin_is_stopped_with_what_it_started_and_said_so() {
        let (dir, p) = plugin("sleep 300 & echo $! > \"$(dirname \"$0\")/child.pid\"; sleep 300");
        let started = Instant::now();
        let err = p
            .run_within(Duration::from_secs(1))
            .await
            .expect_err("timed out");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(err.contains("did not finish within 1 s"), "{err}");
        // The background `sleep` it started is gone too.
        let pid = std::fs::read_to_string(dir.path().join("child.pid")).expect("pid");
        let alive = || {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
            stat.is_ok_and(|s| !s.contains(") Z "))
        };
        // SIGKILL is delivered asynchronously: give the kernel a moment.
        for _ in 0..100 {
            if !alive() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!alive(), "the plugin's child {} still runs", pid.trim());
    }

    #[tokio::test]
    async fn endless_output_is_refused() {
        let (_dir, p) = plugin("yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let err = p.run().await.expect_err("too much");
        assert!(err.contains("printed more than 1024 KiB"), "{err}");
    }

    #[tokio::test]
    async fn failures_never_quote_a_secret() {
        for script in [
            format!("echo 'not json {CANARY}'"),
            format!("echo 'token: {CANARY}' >&2; exit 3"),
            format!("echo 'Authorization: Bearer {CANARY}' >&2; exit 1"),
            format!(r#"echo '{{"status": {{"token": ""}}, "x": "{CANARY}"}}'"#),
        ] {
            let (_dir, p) = plugin(&script);
            let err = p.run().await.expect_err(&script);
            assert!(!err.contains(CANARY), "{script}: {err}");
            assert!(err.contains("the credential plugin `"), "{err}");
        }
    }
}
