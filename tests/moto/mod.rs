//! A moto server (PyPI `moto[server]`) for IAM, EKS and STS, started per test on a free
//! port. `bash scripts/test.sh` installs it into .venv; when it is missing the tests fail
//! and say how to install it.

#![allow(dead_code, reason = "shared by several test crates, each using a part")]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use serde_json::json;

/// moto's default account.
pub const ACCOUNT: &str = "123456789012";

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> String {
    std::env::var("IRSA_TUI_MOTO_SERVER")
        .unwrap_or_else(|_| format!("{}/.venv/bin/moto_server", env!("CARGO_MANIFEST_DIR")))
}

impl Moto {
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// With extra environment for moto (e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to enforce IAM
    /// authorization after the first requests).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let bin = moto_binary();
        assert!(
            std::path::Path::new(&bin).exists(),
            "moto is not installed ({bin} missing): run `bash scripts/test.sh`, which installs moto[server] into .venv, or `pip install 'moto[server]'` and set IRSA_TUI_MOTO_SERVER"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {url} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, url }
    }

    pub fn credentials() -> Credentials {
        Credentials::new("testing", "testing", None, None, "moto")
    }

    pub async fn config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Self::credentials())
            .load()
            .await
    }
}

/// An IRSA trust policy for `sub` on `provider` (`host/path`), with or without the `aud`
/// condition.
pub fn trust(provider: &str, sub: &str, with_aud: bool) -> String {
    let mut cond = json!({format!("{provider}:sub"): sub});
    if with_aud {
        cond[format!("{provider}:aud")] = json!("sts.amazonaws.com");
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": cond}
        }]
    })
    .to_string()
}

/// Creates EKS cluster `prod` and, when asked, its IAM OIDC provider; returns the provider
/// (`host/path` of the issuer moto gave the cluster).
pub async fn create_cluster(config: &SdkConfig, register_provider: bool) -> String {
    let eks = aws_sdk_eks::Client::new(config);
    let vpc = aws_sdk_eks::types::VpcConfigRequest::builder()
        .subnet_ids("subnet-1")
        .build();
    let out = eks
        .create_cluster()
        .name("prod")
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/eks-cluster"))
        .resources_vpc_config(vpc)
        .send()
        .await
        .expect("create cluster");
    let issuer = out
        .cluster()
        .and_then(|c| c.identity())
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .expect("moto gives the cluster an issuer")
        .to_owned();
    if register_provider {
        aws_sdk_iam::Client::new(config)
            .create_open_id_connect_provider()
            .url(&issuer)
            .client_id_list("sts.amazonaws.com")
            .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
            .send()
            .await
            .expect("create provider");
    }
    issuer.trim_start_matches("https://").to_owned()
}

/// Node role `ng-node` with the baseline plus `AmazonS3FullAccess` (an IRSA501 story), and
/// node group `ng-1` of cluster `prod` using it.
pub async fn create_leaky_node_group(config: &SdkConfig) {
    let iam = aws_sdk_iam::Client::new(config);
    iam.create_role()
        .role_name("ng-node")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .expect("node role");
    for p in [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonS3FullAccess",
    ] {
        iam.attach_role_policy()
            .role_name("ng-node")
            .policy_arn(format!("arn:aws:iam::aws:policy/{p}"))
            .send()
            .await
            .expect("attach");
    }
    aws_sdk_eks::Client::new(config)
        .create_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("ng-1")
        .node_role(format!("arn:aws:iam::{ACCOUNT}:role/ng-node"))
        .subnets("subnet-1")
        .send()
        .await
        .expect("create nodegroup");
}
