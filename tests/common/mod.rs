//! Shared test support: the fake Kubernetes API server, the reference fixtures, bounded
//! polling, and validation of reports against the published JSON Schema.
#![allow(dead_code, reason = "shared by several test crates, each using a part")]

pub mod cloudtrail;
pub mod fake_kube;
pub mod inventory;
pub mod peers;
pub mod schema;

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

/// The reference fixtures: real-world kubeconfig and pod shapes.
pub fn fixture(name: &str) -> &'static str {
    match name {
        "pod-irsa-injected.yaml" => include_str!("fixtures/pod-irsa-injected.yaml"),
        "pod-pod-identity-injected.yaml" => include_str!("fixtures/pod-pod-identity-injected.yaml"),
        "kubeconfig-aws-cli.yaml" => include_str!("fixtures/kubeconfig-aws-cli.yaml"),
        "kubeconfig-aws-cli-alias.yaml" => include_str!("fixtures/kubeconfig-aws-cli-alias.yaml"),
        "kubeconfig-eksctl.yaml" => include_str!("fixtures/kubeconfig-eksctl.yaml"),
        "kubeconfig-iam-authenticator.yaml" => {
            include_str!("fixtures/kubeconfig-iam-authenticator.yaml")
        }
        other => panic!("no fixture {other}"),
    }
}

/// A YAML fixture as the JSON the API server would send.
pub fn yaml_fixture(name: &str) -> Value {
    match serde_saphyr::from_str(fixture(name)) {
        Ok(v) => v,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Polls `check` every 20 ms until it holds; false after `limit`.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Awaits `future`, failing the test with `what` after `limit`.
pub async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {limit:?}: {what}"),
    }
}
