//! Inventories built by hand for analysis tests: the cluster `prod` of account
//! 111122223333 in us-east-1, its IAM OIDC provider registered, the webhook and the Pod
//! Identity agent running, AWS read.

use irsa_tui::inventory::{Cluster, Inventory, OidcProvider};

pub const ACCOUNT: &str = "111122223333";
pub const PROVIDER: &str = "oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";

/// An inventory of cluster `prod` with nothing in it yet.
pub fn prod_cluster() -> Inventory {
    let mut inv = Inventory::new();
    inv.cluster = Cluster {
        name: Some("prod".into()),
        arn: Some(format!("arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod")),
        account: Some(ACCOUNT.into()),
        region: Some("us-east-1".into()),
        partition: Some("aws".into()),
        oidc_issuer: Some(format!("https://{PROVIDER}")),
        found: Some(true),
    };
    inv.oidc_providers = vec![OidcProvider {
        arn: format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"),
        url: PROVIDER.into(),
        client_ids: vec!["sts.amazonaws.com".into()],
        thumbprints: vec![],
    }];
    inv.oidc_provider_accounts = vec![ACCOUNT.into()];
    inv.webhook_present = Some(true);
    inv.pod_identity_agent_present = Some(true);
    inv.aws.reachable = true;
    inv
}

/// The trust policy EKS Pod Identity needs.
pub fn pod_identity_trust() -> String {
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#.into()
}
