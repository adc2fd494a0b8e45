//! AWS sources, read-only: STS (who am I), EKS (cluster, node groups, access entries, Pod
//! Identity associations) and IAM (OIDC providers; roles and policies in bulk with
//! `GetAccountAuthorizationDetails`, per-role reads only where that call is denied).
//! Everything is written into the [`Store`]; failures are recorded, never raised.
//! [`simulate`] asks IAM's `SimulatePrincipalPolicy` what a role may do (read-only too).

mod calls;
pub mod cloudtrail;
pub mod eks;
pub mod follow;
pub mod iam;
pub mod simulate;

pub use calls::{CallLog, Endpoint, Service};

use std::collections::BTreeSet;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::store::Store;

/// `--region`, `--profile` and the cluster to read.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub cluster: String,
    /// An endpoint for every service (as `AWS_ENDPOINT_URL`, which is honoured anyway).
    pub endpoint_url: Option<String>,
    /// Explicit credentials instead of the standard chain.
    pub credentials: Option<aws_sdk_sts::config::Credentials>,
}

/// TCP and TLS set-up with an AWS endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest silence within one answer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// One attempt of one call: a page of `GetAccountAuthorizationDetails` (1,000 roles with
/// their policies, a few MiB) takes seconds.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// One call, its retries included (adaptive retry slows down under throttling).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(180);
/// The first call, which tells whether AWS answers at all: an endpoint that does not is
/// said within this, and the AWS side is reported as skipped (IRSA603).
pub const FIRST_CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The SDK configuration: standard chain, `--region`/`--profile`, `AWS_ENDPOINT_URL`,
/// adaptive retry so throttling slows the run instead of failing it, and deadlines on every
/// call so an endpoint that does not answer is said, not waited for.
pub async fn sdk_config(opts: &AwsOptions) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(6))
        .timeout_config(timeouts);
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = &opts.credentials {
        loader = loader.credentials_provider(c.clone());
    }
    loader.http_client(https_client()).load().await
}

/// The SDK's HTTPS client (rustls), going through the proxy `HTTPS_PROXY`/`HTTP_PROXY` name
/// (not for hosts of `NO_PROXY`), as the AWS CLI does; the SDK's default client ignores them.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{Connector, proxy::ProxyConfig, tls};
    use aws_smithy_runtime_api::client::http::{SharedHttpConnector, http_client_fn};
    http_client_fn(|settings, components| {
        let mut builder = Connector::builder().connector_settings(settings.clone());
        if let Some(sleep) = components.sleep_impl() {
            builder = builder.sleep_impl(sleep);
        }
        let connector = builder
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build();
        SharedHttpConnector::new(calls::Bounded::new(SharedHttpConnector::new(connector)))
    })
}

/// Reads everything AWS-side for the cluster into `store`. `referenced` are the role ARNs
/// the Kubernetes side names (annotations, aws-auth node roles).
pub async fn fetch(opts: &AwsOptions, store: &Store, calls: &CallLog) {
    let config = sdk_config(opts).await;
    let first = aws_sdk_sts::config::Builder::from(&config)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(FIRST_CALL_TIMEOUT)
                .operation_timeout(FIRST_CALL_TIMEOUT)
                .build(),
        )
        .build();
    let sts = aws_sdk_sts::Client::from_conf(first);
    calls.record("sts:GetCallerIdentity");
    let account = match sts.get_caller_identity().send().await {
        Ok(out) => out.account().map(str::to_owned),
        Err(e) => {
            let message = calls::describe(
                &e,
                "sts:GetCallerIdentity",
                &Endpoint::of(Service::Sts, &config),
            );
            tracing::warn!("AWS unreachable: {message}");
            store.update(|d| {
                d.aws.reachable = false;
                d.aws.error = Some(message);
            });
            return;
        }
    };
    store.update(|d| {
        d.aws.reachable = true;
        d.aws.error = None;
        if d.cluster.account.is_none() {
            d.cluster.account = account.clone();
        }
        if d.cluster.region.is_none() {
            d.cluster.region = config.region().map(|r| r.to_string());
        }
        d.cluster.name = Some(opts.cluster.clone());
    });
    let eks_client = aws_sdk_eks::Client::new(&config);
    let eks_at = Endpoint::of(Service::Eks, &config);
    eks::fetch(&eks_client, &eks_at, &opts.cluster, store, calls).await;
    let iam_client = aws_sdk_iam::Client::new(&config);
    let iam_at = Endpoint::of(Service::Iam, &config);
    let referenced = referenced_roles(store);
    iam::fetch_at(
        &iam_client,
        &iam_at,
        account.as_deref(),
        &referenced,
        store,
        calls,
    )
    .await;
    store.update(|d| d.aws.read_at = Some(crate::time::now()));
}

/// Role ARNs named by the cluster: annotations, associations, node roles.
pub fn referenced_roles(store: &Store) -> BTreeSet<String> {
    store.read(super::store::Data::referenced_roles)
}
