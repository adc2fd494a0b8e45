//! The demo cluster's names, and where its snapshot is written.

pub const CLUSTER: &str = "shop-prod";
pub const REGION: &str = "eu-west-1";
pub const ACCOUNT: &str = "111122223333";
/// The id of the cluster's OIDC issuer (`https://oidc.eks.eu-west-1.amazonaws.com/id/…`).
pub const ISSUER_ID: &str = "7E3A91C4D5B2F60814A9C3E7B1D05F62";
/// Where `cargo run --example gen_demo` writes `generate`'s snapshot, from the workspace
/// root.
pub const ASSET_PATH: &str = "assets/demo/cluster.json";
