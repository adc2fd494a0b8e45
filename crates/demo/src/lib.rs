//! The demo cluster generator (deterministic) and synthetic clusters for benchmarks: a
//! development crate of the irsa-tui workspace, not part of what is shipped.
//!
//! [`generate`] builds `shop-prod`, a believable mid-size EKS cluster whose data tells the
//! stories listed in `catalog.rs` (one or two finding codes each) among a healthy majority.
//! `cargo run --example gen_demo` writes it to `assets/demo/cluster.json`, which
//! `irsa_tui::sources::demo` embeds for `irsa-tui --demo`. [`synthetic`] builds large
//! uniform clusters for benchmarks. `policies.rs` holds the documents of the managed
//! policies and permissions boundaries the demo's roles use (for the identity-policy
//! evaluator).

mod build;
mod catalog;
mod evidence;
mod names;
mod policies;
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
    use irsa_tui::policy::PolicyDocument;

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
        assert!((55..=70).contains(&annotated), "{annotated} annotated SAs");
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

    /// Every managed policy ARN a role attaches or is bounded by has one entry, and only
    /// those; every document parses; only the warehouse account's policy is unreadable.
    #[test]
    fn managed_policies_cover_what_the_roles_use() {
        let inv = generate();
        let used: BTreeSet<&str> = inv
            .roles
            .iter()
            .flat_map(|r| {
                r.attached_policies
                    .iter()
                    .map(|p| p.arn.as_str())
                    .chain(r.permissions_boundary.as_deref())
            })
            .collect();
        let listed: Vec<&str> = inv
            .managed_policies
            .iter()
            .map(|p| p.arn.as_str())
            .collect();
        assert_eq!(listed.len(), used.len(), "each ARN once");
        assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), used);
        let mut unreadable = Vec::new();
        for policy in &inv.managed_policies {
            assert!(
                policy.arn.ends_with(&format!("/{}", policy.name)),
                "{}",
                policy.arn
            );
            match &policy.document {
                Some(text) => {
                    let doc = PolicyDocument::parse(text)
                        .unwrap_or_else(|e| panic!("{}: {e:?}", policy.arn));
                    assert!(
                        doc.problems.is_empty(),
                        "{}: {:?}",
                        policy.arn,
                        doc.problems
                    );
                    assert!(!doc.statements.is_empty(), "{}", policy.arn);
                    let raw = irsa_tui::policy::decode_json(text)
                        .unwrap_or_else(|e| panic!("{}: {e:?}", policy.arn));
                    assert_eq!(raw["Version"], "2012-10-17", "{}", policy.arn);
                    assert!(
                        policy
                            .default_version
                            .as_deref()
                            .is_some_and(|v| v.starts_with('v'))
                    );
                    assert_eq!(policy.error, None);
                }
                None => unreadable.push((policy.arn.as_str(), policy.error.clone())),
            }
        }
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert_eq!(
            unreadable[0].0,
            "arn:aws:iam::222233334444:policy/warehouse-load"
        );
        assert!(
            unreadable[0].1.as_deref().is_some_and(
                |e| e.starts_with("AccessDenied:") && e.contains("iam:GetPolicyVersion")
            ),
            "{unreadable:?}"
        );
        // PowerUserAccess keeps its real shape: an Allow with NotAction.
        let power = inv
            .managed_policies
            .iter()
            .find(|p| p.name == "PowerUserAccess")
            .and_then(|p| p.document.as_deref())
            .expect("PowerUserAccess");
        assert!(power.contains("\"NotAction\""), "{power}");
    }

    #[test]
    fn readable_roles_have_ids_and_most_irsa_roles_team_tags() {
        let inv = generate();
        let mut ids = BTreeSet::new();
        for role in &inv.roles {
            match role.status {
                ReadStatus::Ok => {
                    let id = role.role_id.as_deref().expect("a read role has an id");
                    assert!(ids.insert(id), "duplicate role id {id}");
                    assert!(id.len() == 21 && id.starts_with("AROA"), "{id}");
                    assert!(role.tags.is_some(), "{} tags read", role.name);
                }
                _ => {
                    assert_eq!(role.role_id, None, "{}", role.name);
                    assert_eq!(role.tags, None, "{}", role.name);
                }
            }
        }
        let node_roles: BTreeSet<&str> =
            inv.node_roles.iter().map(|n| n.role_arn.as_str()).collect();
        let irsa: Vec<_> = inv
            .roles
            .iter()
            .filter(|r| r.status == ReadStatus::Ok && !node_roles.contains(r.arn.as_str()))
            .collect();
        let team_tagged = irsa
            .iter()
            .filter(|r| {
                r.tags.as_ref().is_some_and(|t| {
                    ["team", "cost-center", "app"]
                        .iter()
                        .all(|k| t.contains_key(*k))
                })
            })
            .count();
        assert!(
            team_tagged * 4 > irsa.len() * 3,
            "{team_tagged} of {}",
            irsa.len()
        );
        let auth = inv
            .roles
            .iter()
            .find(|r| r.name == "shop-prod-auth")
            .expect("role");
        assert_eq!(
            auth.tags
                .as_ref()
                .and_then(|t| t.get("team"))
                .map(String::as_str),
            Some("identity")
        );
    }

    /// The identity-policy evaluator's answers on the roles of the permission stories.
    mod permission_stories {
        use super::*;
        use irsa_tui::inventory::{Inventory, ManagedPolicy};
        use irsa_tui::policy::identity::{
            Permissions, Policy, PolicyKind, Question, Session, Verdict, answer, reason,
        };

        fn policy<'a>(
            (p, doc): &'a (&'a ManagedPolicy, Option<PolicyDocument>),
            kind: PolicyKind,
        ) -> Policy<'a> {
            Policy {
                name: &p.name,
                arn: Some(&p.arn),
                kind,
                document: doc
                    .as_ref()
                    .ok_or(p.error.as_deref().unwrap_or("unreadable")),
            }
        }

        fn ask(inv: &Inventory, role: &str, action: &str, resource: &str) -> (Verdict, String) {
            let role = inv
                .roles
                .iter()
                .find(|r| r.name == role)
                .unwrap_or_else(|| panic!("role {role}"));
            let parse = |text: &str| PolicyDocument::parse(text).expect("parses");
            let inline: Vec<(&str, PolicyDocument)> = role
                .inline_policies
                .iter()
                .map(|p| (p.name.as_str(), parse(&p.document)))
                .collect();
            let managed = |arn: &str| {
                let p = inv
                    .managed_policies
                    .iter()
                    .find(|p| p.arn == arn)
                    .unwrap_or_else(|| panic!("{arn} listed"));
                (p, p.document.as_deref().map(parse))
            };
            let attached: Vec<_> = role
                .attached_policies
                .iter()
                .map(|a| managed(&a.arn))
                .collect();
            let boundary = role.permissions_boundary.as_deref().map(managed);
            let mut identity: Vec<Policy> = inline
                .iter()
                .map(|(name, doc)| Policy {
                    name,
                    arn: None,
                    kind: PolicyKind::Inline,
                    document: Ok(doc),
                })
                .collect();
            identity.extend(attached.iter().map(|m| policy(m, PolicyKind::Managed)));
            let permissions = Permissions {
                identity,
                boundary: boundary.as_ref().map(|m| policy(m, PolicyKind::Boundary)),
            };
            let session = Session::of_role(&role.arn, role.tags.as_ref(), Some(REGION));
            let question = Question::new(action, resource);
            let got = answer(&permissions, &question, &session);
            let why = reason(&got, &question, &permissions);
            (got.decision, why)
        }

        #[test]
        fn statements_reader_reads_and_lists_but_may_not_delete() {
            let inv = generate();
            let role = "shop-prod-statements-reader";
            let object = "arn:aws:s3:::shop-prod-statements/2026/11/statement-0042.pdf";
            assert_eq!(ask(&inv, role, "s3:GetObject", object).0, Verdict::Allowed);
            assert_eq!(
                ask(
                    &inv,
                    role,
                    "s3:ListBucket",
                    "arn:aws:s3:::shop-prod-statements"
                )
                .0,
                Verdict::Allowed
            );
            let (verdict, why) = ask(&inv, role, "s3:DeleteObject", object);
            assert_eq!(verdict, Verdict::ImplicitDeny);
            assert_eq!(
                why,
                "no identity-based policy allows the s3:DeleteObject action"
            );
        }

        #[test]
        fn media_cleaner_deny_overrides_clean_tmp() {
            let inv = generate();
            let role = "shop-prod-media-cleaner";
            let (verdict, why) = ask(
                &inv,
                role,
                "s3:DeleteObject",
                "arn:aws:s3:::shop-prod-media/tmp/upload-1.bin",
            );
            assert_eq!(verdict, Verdict::ExplicitDeny, "{why}");
            assert!(why.contains("NoDeletes"), "{why}");
            assert_eq!(
                ask(
                    &inv,
                    role,
                    "s3:GetObject",
                    "arn:aws:s3:::shop-prod-media/tmp/upload-1.bin"
                )
                .0,
                Verdict::Allowed
            );
        }

        #[test]
        fn report_exporter_boundary_allows_nothing_its_policies_do() {
            let inv = generate();
            let role = "shop-prod-report-exporter";
            let workgroup = format!("arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/primary");
            for (action, resource) in [
                ("athena:StartQueryExecution", workgroup.as_str()),
                (
                    "s3:PutObject",
                    "arn:aws:s3:::shop-prod-reports/exports/2026-11-20.csv",
                ),
                ("cloudwatch:GetMetricData", "*"),
            ] {
                let (verdict, why) = ask(&inv, role, action, resource);
                assert_eq!(verdict, Verdict::ImplicitDeny, "{action}: {why}");
                assert_eq!(
                    why,
                    format!("no permissions boundary allows the {action} action")
                );
            }
        }

        #[test]
        fn karpenter_is_capped_by_the_platform_boundary() {
            let inv = generate();
            let role = "KarpenterControllerRole-shop-prod";
            let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:Karpenter-shop-prod");
            assert_eq!(
                ask(&inv, role, "sqs:ReceiveMessage", &queue).0,
                Verdict::Allowed
            );
            let profile = format!("arn:aws:iam::{ACCOUNT}:instance-profile/shop-prod_123");
            let (verdict, why) = ask(&inv, role, "iam:GetInstanceProfile", &profile);
            assert_eq!(verdict, Verdict::ImplicitDeny, "{why}");
            assert!(why.contains("permissions boundary"), "{why}");
        }

        #[test]
        fn team_tag_scopes_the_auth_secrets_and_a_missing_key_is_unknown() {
            let inv = generate();
            let secret = |team: &str| {
                format!(
                    "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:shop-prod/{team}/jwt-signing-Ab12Cd"
                )
            };
            let role = "shop-prod-auth";
            assert_eq!(
                ask(
                    &inv,
                    role,
                    "secretsmanager:GetSecretValue",
                    &secret("identity")
                )
                .0,
                Verdict::Allowed
            );
            assert_eq!(
                ask(
                    &inv,
                    role,
                    "secretsmanager:GetSecretValue",
                    &secret("payments")
                )
                .0,
                Verdict::ImplicitDeny
            );
            // s3:prefix is not a key a session carries: ListBucket depends on it.
            assert_eq!(
                ask(
                    &inv,
                    "shop-prod-fraud-scorer",
                    "s3:ListBucket",
                    "arn:aws:s3:::shop-prod-ml-models"
                )
                .0,
                Verdict::Unknown
            );
        }
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
