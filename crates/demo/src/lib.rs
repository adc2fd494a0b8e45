//! The demo cluster generator (deterministic) and synthetic clusters for benchmarks: a
//! development crate of the irsa-tui workspace, not part of what is shipped.
//!
//! [`generate`] builds `shop-prod`, a believable mid-size EKS cluster whose data tells the
//! stories listed in `catalog.rs` (one or two finding codes each) among a healthy majority.
//! `cargo run --example gen_demo` writes it to `assets/demo/cluster.json`, which
//! `irsa_tui::sources::demo` embeds for `irsa-tui --demo`. [`synthetic`] builds large
//! uniform clusters for benchmarks.

mod build;
mod catalog;
mod names;
mod rng;
mod synthetic;
mod trust;

use irsa_tui::inventory::Inventory;

pub use names::{ACCOUNT, ASSET_PATH, CLUSTER, ISSUER_ID, REGION};
pub use synthetic::synthetic;

/// The demo cluster `shop-prod`. Deterministic: no clock, no randomness but seeded PRNGs.
pub fn generate() -> Inventory {
    build::generate()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use irsa_tui::inventory::{ReadStatus, SourceState};

    #[test]
    fn the_demo_cluster_has_the_intended_size() {
        let inv = generate();
        let namespaces: BTreeSet<&str> = inv
            .service_accounts
            .iter()
            .map(|s| s.namespace.as_str())
            .collect();
        let annotated = inv
            .service_accounts
            .iter()
            .filter(|s| s.role_arn.is_some())
            .count();
        let node_groups: BTreeSet<_> = inv
            .nodes
            .iter()
            .filter_map(|n| n.nodegroup.as_deref())
            .collect();
        assert!(
            (28..=34).contains(&namespaces.len()),
            "{} namespaces",
            namespaces.len()
        );
        assert!(
            (130..=170).contains(&inv.service_accounts.len()),
            "{} SAs",
            inv.service_accounts.len()
        );
        assert!((55..=65).contains(&annotated), "{annotated} annotated SAs");
        assert!(
            (550..=650).contains(&inv.pods.len()),
            "{} pods",
            inv.pods.len()
        );
        assert!(
            (12..=20).contains(&inv.nodes.len()),
            "{} nodes",
            inv.nodes.len()
        );
        assert_eq!(node_groups.len(), 3);
        assert!(
            (55..=75).contains(&inv.roles.len()),
            "{} roles",
            inv.roles.len()
        );
        for ns in &namespaces {
            assert!(
                inv.service_accounts
                    .iter()
                    .any(|s| &s.namespace == ns && s.name == "default"),
                "{ns} has no default ServiceAccount"
            );
        }
    }

    #[test]
    fn the_demo_cluster_is_consistent() {
        let inv = generate();
        let node_names: BTreeSet<&str> = inv.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(node_names.len(), inv.nodes.len(), "node names are unique");
        let mut pod_names = BTreeSet::new();
        for pod in &inv.pods {
            assert!(
                pod_names.insert((&pod.namespace, &pod.name)),
                "duplicate pod {}",
                pod.name
            );
            assert!(
                node_names.contains(pod.node.as_deref().unwrap_or("")),
                "{} has no node",
                pod.name
            );
            assert!(
                inv.service_accounts
                    .iter()
                    .any(|s| s.namespace == pod.namespace && s.name == pod.service_account),
                "{}/{} runs as a missing ServiceAccount",
                pod.namespace,
                pod.name
            );
        }
        // Every node role is a readable role record; every association's role has a record.
        for node_role in &inv.node_roles {
            let role = inv.role(&node_role.role_arn).expect("node role record");
            assert_eq!(role.status, ReadStatus::Ok);
        }
        for association in &inv.pod_identity_associations {
            assert!(
                inv.role(&association.role_arn).is_some(),
                "{}",
                association.role_arn
            );
        }
        // Exactly one source is unhealthy (IRSA602).
        let unhealthy: Vec<_> = inv
            .sources
            .iter()
            .filter(|s| s.state != SourceState::Ok)
            .collect();
        assert_eq!(unhealthy.len(), 1);
        // Only AdministratorAccess is flagged admin.
        let admins: Vec<_> = inv
            .roles
            .iter()
            .flat_map(|r| &r.attached_policies)
            .filter(|p| p.admin)
            .map(|p| p.arn.as_str())
            .collect();
        assert_eq!(admins, ["arn:aws:iam::aws:policy/AdministratorAccess"]);
    }

    #[test]
    fn role_names_are_valid_iam_role_names() {
        for role in &generate().roles {
            let valid = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
            assert!(
                (1..=64).contains(&role.name.len()) && role.name.chars().all(valid),
                "{:?} is not a valid IAM role name",
                role.name
            );
            assert!(role.arn.ends_with(&format!("{}{}", role.path, role.name)));
        }
    }

    /// The ServiceAccounts that are annotated but run no pod: only the IRSA404 story.
    #[test]
    fn only_the_irsa404_story_has_an_unused_annotated_service_account() {
        let inv = generate();
        let unused: Vec<String> = inv
            .service_accounts
            .iter()
            .filter(|s| s.role_arn.is_some())
            .filter(|s| {
                !inv.pods
                    .iter()
                    .any(|p| p.namespace == s.namespace && p.service_account == s.name)
            })
            .map(|s| format!("{}/{}", s.namespace, s.name))
            .collect();
        assert_eq!(unused, ["billing/invoice-generator"]);
    }

    #[test]
    fn most_pods_are_injected_like_the_fixtures() {
        let inv = generate();
        let by_sa: BTreeMap<(&str, &str), Option<&str>> = inv
            .service_accounts
            .iter()
            .map(|s| {
                (
                    (s.namespace.as_str(), s.name.as_str()),
                    s.role_arn.as_deref(),
                )
            })
            .collect();
        let healthy = inv
            .pods
            .iter()
            .filter(|p| {
                let role = by_sa[&(p.namespace.as_str(), p.service_account.as_str())];
                p.irsa_injected()
                    && p.containers.iter().all(|c| {
                        c.aws_role_arn.as_deref() == role
                            && c.aws_web_identity_token_file.as_deref()
                                == Some("/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
                            && c.aws_sts_regional_endpoints.as_deref() == Some("regional")
                    })
            })
            .count();
        assert!(healthy > 150, "{healthy} IRSA-injected pods");
        let pod_identity = inv
            .pods
            .iter()
            .filter(|p| p.pod_identity_injected())
            .count();
        assert!(pod_identity > 0);
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate(), generate());
        assert_eq!(generate().to_snapshot_json(), generate().to_snapshot_json());
    }

    #[test]
    fn no_secret_values() {
        let json = generate().to_snapshot_json();
        assert!(!json.contains("AKIA"));
        assert!(!json.contains("\"value\""));
        let inv = generate();
        let vars: BTreeSet<&str> = inv
            .pods
            .iter()
            .flat_map(|p| &p.containers)
            .flat_map(|c| &c.static_credential_vars)
            .map(String::as_str)
            .collect();
        assert_eq!(
            vars,
            BTreeSet::from(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        );
    }

    #[test]
    fn synthetic_has_the_requested_counts_and_is_deterministic() {
        let inv = synthetic(1000, 100, 20);
        assert_eq!(inv.pods.len(), 1000);
        assert_eq!(inv.service_accounts.len(), 100);
        assert_eq!(inv.roles.len(), 20);
        assert_eq!(inv.nodes.len(), 200);
        assert_eq!(inv, synthetic(1000, 100, 20));
        let groups: BTreeSet<_> = inv
            .nodes
            .iter()
            .filter_map(|n| n.nodegroup.as_deref())
            .collect();
        assert_eq!(groups.len(), 3);
        // Every pod runs as an existing ServiceAccount; annotated ones are injected.
        for pod in &inv.pods {
            let sa = inv
                .service_accounts
                .iter()
                .find(|s| s.namespace == pod.namespace && s.name == pod.service_account)
                .expect("the pod's ServiceAccount exists");
            assert_eq!(sa.role_arn.is_some(), pod.irsa_injected(), "{}", pod.name);
        }
        // Degenerate sizes do not panic.
        assert_eq!(synthetic(3, 0, 1).pods.len(), 3);
        assert_eq!(synthetic(0, 0, 0).roles.len(), 0);
    }
}
