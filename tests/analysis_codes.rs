//! Every code of the catalog on a minimal inventory: a mutation that must raise it (positive)
//! and a near miss that must not (negative).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::collections::BTreeSet;

use common::inventory::{ACCOUNT, PROVIDER, pod_identity_trust, prod_cluster};
use irsa_tui::analysis::{Code, Report, Settings, Severity, Status, analyze};
use irsa_tui::inventory::*;
use serde_json::json;

const ROLE: &str = "arn:aws:iam::111122223333:role/payments-api";
const NODE_ROLE: &str = "arn:aws:iam::111122223333:role/ng-1-node";

fn managed(name: &str) -> AttachedPolicy {
    AttachedPolicy {
        arn: format!("arn:aws:iam::aws:policy/{name}"),
        name: name.into(),
        admin: name == "AdministratorAccess",
    }
}

fn trust_for(subjects: &[&str]) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{PROVIDER}:sub"): subjects.iter().map(|s| format!("system:serviceaccount:{s}")).collect::<Vec<_>>(),
                format!("{PROVIDER}:aud"): "sts.amazonaws.com"
            }}
        }]
    })
    .to_string()
}

fn role(arn: &str, trust: Option<String>, policies: Vec<AttachedPolicy>) -> Role {
    Role {
        arn: arn.into(),
        name: arn.rsplit('/').next().unwrap_or_default().into(),
        path: "/".into(),
        trust_policy: trust,
        attached_policies: policies,
        ..Default::default()
    }
}

fn irsa_pod(name: &str, sa: &str, role: &str) -> Pod {
    Pod {
        namespace: "payments".into(),
        name: name.into(),
        service_account: sa.into(),
        node: Some("node-1".into()),
        phase: Some("Running".into()),
        owner: Some(Owner {
            kind: "Deployment".into(),
            name: sa.into(),
        }),
        containers: vec![Container {
            name: "app".into(),
            aws_role_arn: Some(role.into()),
            aws_web_identity_token_file: Some(
                "/var/run/secrets/eks.amazonaws.com/serviceaccount/token".into(),
            ),
            ..Default::default()
        }],
        token_volume: Some(TokenVolume {
            audience: Some("sts.amazonaws.com".into()),
            expiration_seconds: Some(86400),
        }),
        ..Default::default()
    }
}

fn plain_pod(name: &str, sa: &str) -> Pod {
    Pod {
        containers: vec![Container {
            name: "app".into(),
            ..Default::default()
        }],
        token_volume: None,
        ..irsa_pod(name, sa, "")
    }
}

/// A healthy cluster: one IRSA binding, one node group with a baseline node role.
fn healthy() -> Inventory {
    let mut inv = prod_cluster();
    inv.service_accounts = vec![
        ServiceAccount {
            namespace: "payments".into(),
            name: "api".into(),
            role_arn: Some(ROLE.into()),
            ..Default::default()
        },
        ServiceAccount {
            namespace: "payments".into(),
            name: "default".into(),
            ..Default::default()
        },
    ];
    inv.pods = vec![irsa_pod("api-7c9f8d6b5-x7k2p", "api", ROLE)];
    inv.nodes = vec![Node {
        name: "node-1".into(),
        nodegroup: Some("ng-1".into()),
    }];
    inv.roles = vec![
        role(ROLE, Some(trust_for(&["payments:api"])), vec![managed("AmazonS3ReadOnlyAccess")]),
        role(
            NODE_ROLE,
            Some("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}".into()),
            vec![managed("AmazonEKSWorkerNodePolicy"), managed("AmazonEC2ContainerRegistryReadOnly")],
        ),
    ];
    inv.node_roles = vec![NodeRole {
        role_arn: NODE_ROLE.into(),
        sources: vec!["nodegroup/ng-1".into()],
    }];
    inv
}

fn report(inv: &Inventory) -> Report {
    analyze(inv, &Settings::default())
}

fn codes(r: &Report) -> BTreeSet<Code> {
    r.findings().map(|f| f.code).collect()
}

fn sa_mut<'a>(inv: &'a mut Inventory, name: &str) -> &'a mut ServiceAccount {
    inv.service_accounts
        .iter_mut()
        .find(|s| s.name == name)
        .expect("service account")
}

fn role_mut<'a>(inv: &'a mut Inventory, arn: &str) -> &'a mut Role {
    inv.roles.iter_mut().find(|r| r.arn == arn).expect("role")
}

fn set_trust(inv: &mut Inventory, trust: serde_json::Value) {
    role_mut(inv, ROLE).trust_policy = Some(trust.to_string());
}

/// Asserts that `yes` raises `code` and `no` does not.
fn check(code: Code, yes: impl Fn(&mut Inventory), no: impl Fn(&mut Inventory)) {
    let mut pos = healthy();
    yes(&mut pos);
    let found = codes(&report(&pos));
    assert!(found.contains(&code), "{code} expected, found {found:?}");
    let mut neg = healthy();
    no(&mut neg);
    let found = codes(&report(&neg));
    assert!(
        !found.contains(&code),
        "{code} not expected, found {found:?}"
    );
}

#[test]
fn healthy_cluster_has_no_findings_and_one_ok_binding() {
    let r = report(&healthy());
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    assert_eq!(r.bindings.len(), 1);
    assert_eq!(r.bindings[0].status, Status::Ok);
    assert_eq!(r.bindings[0].pods.len(), 1);
    assert!(r.bindings[0].pods[0].injected);
    assert_eq!(r.summary.ok, 1);
    assert_eq!(r.node_roles[0].status, Status::Ok);
}

#[test]
fn irsa101_malformed_annotation() {
    check(
        Code::IRSA101,
        |i| sa_mut(i, "api").role_arn = Some(format!("{ROLE} ")),
        |i| sa_mut(i, "api").role_arn = Some(ROLE.into()),
    );
    let mut inv = healthy();
    sa_mut(&mut inv, "api").role_arn = Some("arn:aws:iam::111122223333:user/payments-api".into());
    let r = report(&inv);
    let f = &r.bindings[0].findings[0];
    assert_eq!(f.code, Code::IRSA101);
    // The fix points at the existing role of that name.
    assert!(
        f.fix.texts()[0].contains(&format!("eks.amazonaws.com/role-arn={ROLE} --overwrite")),
        "{:?}",
        f.fix
    );
}

#[test]
fn irsa102_role_does_not_exist() {
    check(
        Code::IRSA102,
        |i| {
            let r = role_mut(i, ROLE);
            r.status = ReadStatus::NotFound;
            r.error = Some("NoSuchEntity".into());
        },
        |_| {},
    );
}

#[test]
fn irsa103_role_unreadable_makes_status_unknown() {
    check(
        Code::IRSA103,
        |i| {
            let r = role_mut(i, ROLE);
            r.status = ReadStatus::Error;
            r.error = Some("AccessDenied".into());
        },
        |_| {},
    );
    let mut inv = healthy();
    inv.roles.retain(|r| r.arn != ROLE);
    let r = report(&inv);
    assert_eq!(r.bindings[0].status, Status::Unknown, "never silently ok");
}

// Without AWS (--no-aws, or unreachable) nothing AWS-side is known: unknown, never ok.
#[test]
fn bindings_without_aws_data_are_unknown() {
    let mut inv = healthy();
    inv.aws = AwsStatus {
        reachable: false,
        skipped: true,
        error: None,
        read_at: None,
    };
    inv.roles.clear();
    inv.oidc_providers.clear();
    inv.cluster.oidc_issuer = None;
    let r = report(&inv);
    assert_eq!(r.bindings[0].status, Status::Unknown);
    assert_eq!(r.bindings[0].findings[0].code, Code::IRSA103);
    assert!(codes(&r).contains(&Code::IRSA603));
}

#[test]
fn irsa104_trusted_but_not_annotated() {
    check(
        Code::IRSA104,
        |i| {
            i.service_accounts.push(ServiceAccount {
                namespace: "payments".into(),
                name: "worker".into(),
                ..Default::default()
            });
            set_trust(
                i,
                serde_json::from_str(&trust_for(&["payments:api", "payments:worker"]))
                    .expect("json"),
            );
        },
        // Trusted and annotated: fine.
        |i| {
            i.service_accounts.push(ServiceAccount {
                namespace: "payments".into(),
                name: "worker".into(),
                role_arn: Some(ROLE.into()),
                ..Default::default()
            });
            set_trust(
                i,
                serde_json::from_str(&trust_for(&["payments:api", "payments:worker"]))
                    .expect("json"),
            );
        },
    );
}

#[test]
fn irsa105_token_expiration() {
    check(
        Code::IRSA105,
        |i| sa_mut(i, "api").token_expiration = Some("300".into()),
        |i| sa_mut(i, "api").token_expiration = Some("600".into()),
    );
    check(
        Code::IRSA105,
        |i| sa_mut(i, "api").token_expiration = Some("1h".into()),
        |i| sa_mut(i, "api").token_expiration = Some("86400".into()),
    );
}

#[test]
fn irsa106_audience_override() {
    check(
        Code::IRSA106,
        |i| sa_mut(i, "api").audience = Some("vault".into()),
        |_| {},
    );
}

#[test]
fn irsa2xx_trust_codes_reach_the_binding() {
    // Wrong namespace: the diagnosis's IRSA203 becomes a binding finding with the role name.
    check(
        Code::IRSA203,
        |i| {
            set_trust(
                i,
                serde_json::from_str(&trust_for(&["payments-staging:api"])).expect("json"),
            )
        },
        |_| {},
    );
    let mut inv = healthy();
    set_trust(
        &mut inv,
        serde_json::from_str(&trust_for(&["payments:web"])).expect("json"),
    );
    let r = report(&inv);
    let b = &r.bindings[0];
    assert_eq!(b.status, Status::Failing);
    assert_eq!(b.findings[0].code, Code::IRSA204);
    assert!(
        b.findings[0].title.contains("payments-api"),
        "{}",
        b.findings[0].title
    );
    assert!(b.findings[0].fix.texts()[1].contains("--role-name payments-api"));
    let trust = b.trust.as_ref().expect("trust view");
    assert_eq!(trust.statement, None);
    assert!(trust.policy.contains("system:serviceaccount:payments:web"));
}

#[test]
fn irsa222_and_irsa220_exposures() {
    check(
        Code::IRSA222,
        |i| {
            let mut t: serde_json::Value =
                serde_json::from_str(&trust_for(&["payments:api"])).expect("json");
            t["Statement"][0]["Condition"]["StringEquals"]
                .as_object_mut()
                .expect("obj")
                .remove(&format!("{PROVIDER}:aud"));
            set_trust(i, t);
        },
        |_| {},
    );
    check(
        Code::IRSA220,
        |i| {
            let mut t: serde_json::Value =
                serde_json::from_str(&trust_for(&["payments:api"])).expect("json");
            t["Statement"][0]["Condition"] = json!({"StringLike": {format!("{PROVIDER}:sub"): "system:serviceaccount:*:*", format!("{PROVIDER}:aud"): "sts.amazonaws.com"}});
            set_trust(i, t);
        },
        |_| {},
    );
}

#[test]
fn irsa224_shared_role() {
    check(
        Code::IRSA224,
        |i| {
            i.service_accounts.push(ServiceAccount {
                namespace: "payments".into(),
                name: "worker".into(),
                role_arn: Some(ROLE.into()),
                ..Default::default()
            });
            set_trust(
                i,
                serde_json::from_str(&trust_for(&["payments:api", "payments:worker"]))
                    .expect("json"),
            );
        },
        |_| {},
    );
}

/// The catalog: IRSA230 is an error when pods use the binding (their calls fail now), else
/// a warning.
#[test]
fn irsa230_is_an_error_while_pods_run() {
    let severity = |inv: &Inventory| {
        let r = report(inv);
        let f = r
            .findings()
            .find(|f| f.code == Code::IRSA230)
            .cloned()
            .expect("IRSA230");
        (f.severity, r.bindings[0].status)
    };
    let mut running = healthy();
    role_mut(&mut running, ROLE).attached_policies.clear();
    assert_eq!(severity(&running), (Severity::Error, Status::Failing));
    let mut idle = running.clone();
    idle.pods.clear();
    assert_eq!(severity(&idle), (Severity::Warning, Status::Warning));
}

#[test]
fn irsa230_231_232_permissions() {
    check(
        Code::IRSA230,
        |i| role_mut(i, ROLE).attached_policies.clear(),
        |_| {},
    );
    check(
        Code::IRSA231,
        |i| {
            role_mut(i, ROLE).permissions_boundary =
                Some("arn:aws:iam::111122223333:policy/boundary".into())
        },
        |_| {},
    );
    check(
        Code::IRSA232,
        |i| {
            role_mut(i, ROLE)
                .attached_policies
                .push(managed("AdministratorAccess"))
        },
        |_| {},
    );
    check(
        Code::IRSA232,
        |i| {
            role_mut(i, ROLE).inline_policies.push(InlinePolicy {
            name: "everything".into(),
            document: r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.into(),
        })
        },
        |i| {
            role_mut(i, ROLE).inline_policies.push(InlinePolicy {
            name: "s3".into(),
            document: r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#.into(),
        })
        },
    );
    let mut inv = healthy();
    role_mut(&mut inv, ROLE)
        .attached_policies
        .push(managed("AdministratorAccess"));
    let f = report(&inv).bindings[0].findings[0].clone();
    assert_eq!((f.code, f.severity), (Code::IRSA232, Severity::Critical));
}

#[test]
fn irsa301_302_303_oidc() {
    check(Code::IRSA301, |i| i.oidc_providers.clear(), |_| {});
    // Providers of the role's account were not listed: unknown, not IRSA301.
    check(
        Code::IRSA301,
        |i| i.oidc_providers.clear(),
        |i| {
            i.oidc_providers.clear();
            i.oidc_provider_accounts.clear();
        },
    );
    check(
        Code::IRSA302,
        |i| i.oidc_providers[0].client_ids = vec!["sigstore".into()],
        |i| sa_mut(i, "api").audience = None,
    );
    check(Code::IRSA303, |i| i.cluster.oidc_issuer = None, |_| {});
    check(Code::IRSA303, |i| i.cluster.found = Some(false), |_| {});
}

#[test]
fn irsa401_402_403_pods() {
    check(
        Code::IRSA401,
        |i| i.pods = vec![plain_pod("api-old-1", "api")],
        // A completed pod does not count.
        |i| {
            let mut p = plain_pod("api-old-1", "api");
            p.phase = Some("Succeeded".into());
            i.pods.push(p);
        },
    );
    check(
        Code::IRSA402,
        |i| {
            i.pods = vec![irsa_pod(
                "api-1",
                "api",
                "arn:aws:iam::111122223333:role/old-role",
            )]
        },
        |_| {},
    );
    check(
        Code::IRSA403,
        |i| {
            i.pods[0].containers[0].static_credential_vars =
                vec!["AWS_ACCESS_KEY_ID".into(), "AWS_SECRET_ACCESS_KEY".into()]
        },
        |i| i.pods[0].containers[0].static_credential_vars = vec!["AWS_SESSION_TOKEN".into()],
    );
    let mut inv = healthy();
    inv.pods = vec![plain_pod("api-old-1", "api"), plain_pod("api-old-2", "api")];
    let r = report(&inv);
    let f = &r.bindings[0].findings[0];
    assert_eq!(f.code, Code::IRSA401);
    assert_eq!(f.evidence["pod_count"], 2, "one finding per workload");
    assert!(
        f.title.ends_with("runs without IRSA credentials (2 pods)"),
        "{}",
        f.title
    );
    assert!(
        !f.evidence.contains_key("skip_containers"),
        "no null for what is not set"
    );
    assert_eq!(
        f.fix.texts(),
        ["kubectl rollout restart deployment/api -n payments"]
    );
}

#[test]
fn irsa404_wrong_service_account() {
    check(
        Code::IRSA404,
        |i| i.pods = vec![plain_pod("api-1", "default")],
        |i| i.pods.push(plain_pod("other-1", "default")),
    );
}

#[test]
fn irsa405_and_5xx_node_roles() {
    check(
        Code::IRSA405,
        |i| {
            role_mut(i, NODE_ROLE)
                .attached_policies
                .push(managed("AmazonS3FullAccess"));
            i.pods.push(plain_pod("batch-1", "default"));
        },
        |i| i.pods.push(plain_pod("batch-1", "default")),
    );
    check(
        Code::IRSA501,
        |i| {
            role_mut(i, NODE_ROLE)
                .attached_policies
                .push(managed("AmazonS3FullAccess"))
        },
        |_| {},
    );
    check(
        Code::IRSA502,
        |i| {
            role_mut(i, NODE_ROLE).inline_policies.push(InlinePolicy {
                name: "extra".into(),
                document: "{}".into(),
            })
        },
        |_| {},
    );
    check(
        Code::IRSA503,
        |i| {
            role_mut(i, NODE_ROLE)
                .attached_policies
                .retain(|p| !p.arn.ends_with("WorkerNodePolicy"))
        },
        // The minimal worker policy is an accepted equivalent.
        |i| {
            let r = role_mut(i, NODE_ROLE);
            r.attached_policies
                .retain(|p| !p.arn.ends_with("WorkerNodePolicy"));
            r.attached_policies
                .push(managed("AmazonEKSWorkerNodeMinimalPolicy"));
        },
    );
    check(
        Code::IRSA504,
        |i| {
            role_mut(i, NODE_ROLE)
                .attached_policies
                .push(managed("AmazonEKS_CNI_Policy"))
        },
        |_| {},
    );
    check(
        Code::IRSA505,
        |i| role_mut(i, NODE_ROLE).status = ReadStatus::Error,
        |_| {},
    );
    // The VPC CNI fix names this cluster.
    let mut inv = healthy();
    role_mut(&mut inv, NODE_ROLE)
        .attached_policies
        .push(managed("AmazonEKS_CNI_Policy"));
    let r = report(&inv);
    let cni = r.node_roles[0]
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA504)
        .expect("IRSA504");
    assert!(
        cni.fix.texts()[0].contains(" --cluster prod "),
        "{}",
        cni.fix.texts()[0]
    );

    let mut inv = healthy();
    role_mut(&mut inv, NODE_ROLE)
        .attached_policies
        .push(managed("AdministratorAccess"));
    let r = report(&inv);
    assert_eq!(
        r.node_roles[0].findings[0].severity,
        Severity::Critical,
        "admin beyond baseline"
    );
}

#[test]
fn irsa6xx_cluster() {
    check(
        Code::IRSA601,
        |i| i.webhook_present = Some(false),
        |i| i.webhook_present = None,
    );
    check(
        Code::IRSA602,
        |i| {
            i.sources.push(SourceHealth {
                resource: "pods".into(),
                namespace: Some("kube-system".into()),
                state: SourceState::Forbidden,
                message: None,
                count: None,
                syncing_since: None,
                unreachable_since: None,
            })
        },
        |i| {
            i.sources.push(SourceHealth {
                resource: "pods".into(),
                namespace: None,
                state: SourceState::Ok,
                message: None,
                count: None,
                syncing_since: None,
                unreachable_since: None,
            })
        },
    );
    check(
        Code::IRSA603,
        |i| {
            i.aws = AwsStatus {
                reachable: false,
                skipped: true,
                error: None,
                read_at: None,
            }
        },
        |_| {},
    );
}

fn associate(i: &mut Inventory, sa: &str, role: &str) {
    i.pod_identity_associations.push(PodIdentityAssociation {
        namespace: "payments".into(),
        service_account: sa.into(),
        role_arn: role.into(),
        association_id: Some("a-1".into()),
    });
}

#[test]
fn irsa7xx_pod_identity() {
    const PI_ROLE: &str = "arn:aws:iam::111122223333:role/reporter";
    let with_role = |i: &mut Inventory, trust: String| {
        i.roles.push(role(
            PI_ROLE,
            Some(trust),
            vec![managed("AmazonS3ReadOnlyAccess")],
        ));
    };
    check(
        Code::IRSA701,
        |i| {
            with_role(i, pod_identity_trust());
            associate(i, "api", PI_ROLE)
        },
        |i| {
            with_role(i, pod_identity_trust());
            associate(i, "default", PI_ROLE)
        },
    );
    check(
        Code::IRSA702,
        |i| {
            with_role(i, pod_identity_trust().replace(",\"sts:TagSession\"", ""));
            associate(i, "default", PI_ROLE);
        },
        |i| {
            with_role(i, pod_identity_trust());
            associate(i, "default", PI_ROLE);
        },
    );
    check(
        Code::IRSA703,
        |i| {
            i.roles.push(Role {
                arn: PI_ROLE.into(),
                name: "reporter".into(),
                status: ReadStatus::NotFound,
                ..Default::default()
            });
            associate(i, "default", PI_ROLE);
        },
        |i| {
            with_role(i, pod_identity_trust());
            associate(i, "default", PI_ROLE);
        },
    );
    check(
        Code::IRSA704,
        |i| {
            with_role(i, pod_identity_trust());
            associate(i, "default", PI_ROLE);
            i.pod_identity_agent_present = Some(false);
        },
        |i| i.pod_identity_agent_present = Some(false),
    );
}

#[test]
fn bindings_sort_failing_first_and_summary_counts() {
    let mut inv = healthy();
    inv.service_accounts.push(ServiceAccount {
        namespace: "aaa".into(),
        name: "broken".into(),
        role_arn: Some("nope".into()),
        ..Default::default()
    });
    let r = report(&inv);
    assert_eq!(r.bindings[0].service_account, "broken");
    assert_eq!(r.bindings[0].status, Status::Failing);
    assert_eq!(
        (r.summary.bindings, r.summary.failing, r.summary.ok),
        (2, 1, 1)
    );
    assert_eq!(r.summary.findings.error, 1);
}

/// IRSA224's evidence is cut to 20 names with the totals beside them, so a role shared by
/// many ServiceAccounts does not repeat them all on each of their bindings.
#[test]
fn irsa224_evidence_is_capped_with_totals() {
    let mut inv = healthy();
    let names: Vec<String> = (0..100).map(|i| format!("worker-{i}")).collect();
    for n in &names {
        inv.service_accounts.push(ServiceAccount {
            namespace: "payments".into(),
            name: n.clone(),
            role_arn: Some(ROLE.into()),
            ..Default::default()
        });
    }
    // As many as fit in a trust policy IAM holds (4,096 characters).
    let subjects: Vec<String> = names
        .iter()
        .take(40)
        .map(|n| format!("payments:{n}"))
        .collect();
    let subjects: Vec<&str> = subjects.iter().map(String::as_str).collect();
    set_trust(
        &mut inv,
        serde_json::from_str(&trust_for(&subjects)).expect("json"),
    );
    let r = report(&inv);
    let f = r
        .bindings
        .iter()
        .find(|b| b.service_account == "worker-7")
        .and_then(|b| b.findings.iter().find(|f| f.code == Code::IRSA224))
        .expect("IRSA224");
    assert_eq!(
        f.evidence["trusted_subjects"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(f.evidence["trusted_subjects_total"], 40);
    assert_eq!(
        f.evidence["annotated_service_accounts"]
            .as_array()
            .map(Vec::len),
        Some(20)
    );
    assert_eq!(f.evidence["annotated_service_accounts_total"], 101);
    assert!(f.title.contains("trusted by 40 subject(s)"), "{}", f.title);
}

const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/observability-boundary";
const S3_READ_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#;

/// The role's managed policy documents, and a boundary allowing `boundary_actions`.
fn with_documents(inv: &mut Inventory, boundary_actions: &str) {
    inv.managed_policies = vec![
        ManagedPolicy {
            arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".into(),
            name: "AmazonS3ReadOnlyAccess".into(),
            default_version: Some("v3".into()),
            document: Some(S3_READ_DOC.into()),
            error: None,
        },
        ManagedPolicy {
            arn: BOUNDARY.into(),
            name: "observability-boundary".into(),
            default_version: Some("v2".into()),
            document: Some(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{boundary_actions},"Resource":"*"}}]}}"#
            )),
            error: None,
        },
    ];
    role_mut(inv, ROLE).permissions_boundary = Some(BOUNDARY.into());
}

#[test]
fn irsa233_boundary_allows_none_of_the_policies() {
    check(
        Code::IRSA233,
        |i| with_documents(i, r#"["logs:*","cloudwatch:*"]"#),
        // Near miss: the boundary allows s3:* — the reads pass both.
        |i| with_documents(i, r#"["logs:*","s3:*"]"#),
    );
    // Not certain: the boundary's document could not be read.
    let mut unread = healthy();
    with_documents(&mut unread, r#"["logs:*"]"#);
    unread.managed_policies[1].document = None;
    unread.managed_policies[1].error = Some("AccessDenied".into());
    assert!(!codes(&report(&unread)).contains(&Code::IRSA233));

    let mut inv = healthy();
    with_documents(&mut inv, r#"["logs:*","cloudwatch:*"]"#);
    let r = report(&inv);
    let f = r.findings().find(|f| f.code == Code::IRSA233).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(r.bindings[0].status, Status::Failing);
    assert_eq!(f.evidence["permissions_boundary"], BOUNDARY);
    assert_eq!(
        f.evidence["identity_actions"],
        json!(["s3:Get*", "s3:List*"])
    );
    assert_eq!(
        f.evidence["boundary_actions"],
        json!(["cloudwatch:*", "logs:*"])
    );
    assert_eq!(
        f.fix.texts()[0],
        "aws iam get-policy-version --policy-arn arn:aws:iam::111122223333:policy/observability-boundary --version-id v2 --query PolicyVersion.Document --output json > boundary.json"
    );
    assert!(
        f.fix.texts()[1].starts_with("Edit boundary.json: "),
        "{:?}",
        f.fix
    );
    assert!(f.fix.texts()[2].starts_with("aws iam create-policy-version --policy-arn arn:aws:iam::111122223333:policy/observability-boundary "), "{:?}", f.fix);
}

fn deny_inline(inv: &mut Inventory, deny: &str) {
    role_mut(inv, ROLE).inline_policies.push(InlinePolicy {
        name: "media-cleaner".into(),
        document: format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"CleanTmp","Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::media/tmp/*"}},{deny}]}}"#
        ),
    });
}

#[test]
fn irsa234_a_deny_cancels_an_allow() {
    check(
        Code::IRSA234,
        |i| {
            deny_inline(
                i,
                r#"{"Sid":"NoDeletes","Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::media/*"}"#,
            )
        },
        // Near miss: the Deny reaches only part of the Allow's objects.
        |i| {
            deny_inline(
                i,
                r#"{"Sid":"NoDeletes","Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::media/tmp/keep/*"}"#,
            )
        },
    );
    let mut inv = healthy();
    deny_inline(
        &mut inv,
        r#"{"Sid":"NoDeletes","Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::media/*"}"#,
    );
    let r = report(&inv);
    let f = r.findings().find(|f| f.code == Code::IRSA234).unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.evidence["allow_sid"], "CleanTmp");
    assert_eq!(f.evidence["deny_sid"], "NoDeletes");
    assert_eq!(f.evidence["deny_statement"], 1);
    assert!(
        f.title
            .contains("statement 0, Sid \"CleanTmp\" of the inline policy \"media-cleaner\""),
        "{}",
        f.title
    );
    // Both statements are in one inline policy: one command shows them.
    assert_eq!(
        f.fix.texts(),
        ["aws iam get-role-policy --role-name payments-api --policy-name media-cleaner"]
    );
}

/// IRSA602 says what failed: for RBAC, the verb refused (`get` of the aws-auth ConfigMap,
/// not `list`) and the exact rule to grant; for an API server that does not answer, the
/// connection — not RBAC.
#[test]
fn irsa602_names_the_refused_verb_or_the_connection() {
    let source = |state: SourceState, message: &str| SourceHealth {
        resource: "configmaps".into(),
        namespace: Some("kube-system".into()),
        state,
        message: Some(message.into()),
        count: None,
        syncing_since: None,
        unreachable_since: None,
    };
    let mut inv = healthy();
    inv.sources.push(source(
        SourceState::Forbidden,
        "configmaps \"aws-auth\" is forbidden: User \"jane\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"kube-system\"",
    ));
    let r = report(&inv);
    let f = r
        .cluster_findings
        .iter()
        .find(|f| f.code == Code::IRSA602)
        .unwrap();
    assert_eq!(
        *f.fix.texts().last().unwrap(),
        "kubectl auth can-i get configmaps -n kube-system"
    );
    assert_eq!(
        f.fix.texts()[0],
        "kubectl create clusterrole irsa-tui-read-configmaps --verb=get,list,watch --resource=configmaps"
    );
    assert_eq!(f.fix.texts()[1], "kubectl auth whoami");
    assert_eq!(
        f.fix.texts()[2],
        "kubectl create clusterrolebinding irsa-tui-read-configmaps --clusterrole=irsa-tui-read-configmaps --user=USERNAME"
    );
    assert!(
        !f.detail.contains("assets/"),
        "no path of the source tree: {}",
        f.detail
    );

    let mut down = healthy();
    down.sources.push(source(
        SourceState::Failed,
        "error trying to connect: tcp connect error: Connection refused (os error 111)",
    ));
    let r = report(&down);
    let f = r
        .cluster_findings
        .iter()
        .find(|f| f.code == Code::IRSA602)
        .unwrap();
    assert!(f.title.contains("is failing"), "{}", f.title);
    assert!(f.detail.contains("This is not RBAC"), "{}", f.detail);
    assert_eq!(f.fix.texts(), ["kubectl get --raw /readyz"]);
}

/// CloudTrail evidence read for `healthy()`'s cluster, with `events`.
fn trail(inv: &mut Inventory, events: Vec<TrailEvent>) {
    inv.evidence = Evidence {
        state: TrailState::Read,
        since: Some("2026-11-20T08:30:00Z".into()),
        until: Some("2026-11-20T09:30:00Z".into()),
        regions: vec!["us-east-1".into()],
        events,
        ..Default::default()
    };
}

fn web_identity(sa: Option<&str>, role: &str, error: Option<(&str, &str)>) -> TrailEvent {
    TrailEvent {
        id: format!("id-{}-{role}-{error:?}", sa.unwrap_or("-")),
        kind: TrailKind::WebIdentity,
        time: "2026-11-20T09:00:00Z".into(),
        source: "sts.amazonaws.com".into(),
        name: "AssumeRoleWithWebIdentity".into(),
        region: "us-east-1".into(),
        error_code: error.map(|e| e.0.to_owned()),
        error_message: error.map(|e| e.1.to_owned()),
        role_arn: Some(role.into()),
        service_account: sa.map(str::to_owned),
        identity_provider: Some(format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")),
        ..Default::default()
    }
}

fn denied(role: &str, action: &str, resource: &str) -> TrailEvent {
    TrailEvent {
        id: format!("id-{role}-{action}"),
        kind: TrailKind::Denied,
        time: "2026-11-20T09:05:00Z".into(),
        source: "kms.amazonaws.com".into(),
        name: "Decrypt".into(),
        region: "us-east-1".into(),
        error_code: Some("AccessDeniedException".into()),
        role_arn: Some(role.into()),
        action: Some(action.into()),
        resource: Some(resource.into()),
        ..Default::default()
    }
}

fn binding<'r>(r: &'r Report, sa: &str) -> &'r irsa_tui::analysis::Binding {
    r.bindings
        .iter()
        .find(|b| b.service_account == sa)
        .unwrap_or_else(|| panic!("binding {sa}"))
}

#[test]
fn irsa801_failed_web_identity_for_the_service_account() {
    let failed = Some((
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ));
    check(
        Code::IRSA801,
        |i| trail(i, vec![web_identity(Some("payments/api"), ROLE, failed)]),
        // Near miss: the same call succeeded; or it failed for a ServiceAccount with no
        // binding (counted as unattributed).
        |i| {
            trail(
                i,
                vec![
                    web_identity(Some("payments/api"), ROLE, None),
                    web_identity(Some("payments/other"), ROLE, failed),
                ],
            )
        },
    );
    let mut inv = healthy();
    trail(
        &mut inv,
        vec![web_identity(Some("payments/api"), ROLE, failed)],
    );
    let r = report(&inv);
    let b = binding(&r, "api");
    assert_eq!(b.status, Status::Failing, "evidence makes it worse");
    let f = b
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA801)
        .expect("IRSA801");
    assert_eq!(f.evidence["count"], 1);
    assert_eq!(f.evidence["error_code"], "AccessDenied");
    assert!(
        f.evidence.get("explained_by").is_none(),
        "the configuration is healthy"
    );
    assert!(f.detail.contains("found no cause"), "{}", f.detail);
    let mut near = healthy();
    trail(
        &mut near,
        vec![
            web_identity(Some("payments/api"), ROLE, None),
            web_identity(Some("payments/other"), ROLE, failed),
        ],
    );
    let r = report(&near);
    assert_eq!(binding(&r, "api").status, Status::Ok);
    assert_eq!(
        binding(&r, "api").evidence.as_ref().map(|e| e.sessions),
        Some(1)
    );
    assert_eq!(r.evidence.as_ref().map(|w| w.unattributed), Some(1));
}

/// IRSA801 names the configuration finding that explains the failure.
#[test]
fn irsa801_points_to_the_finding_that_explains_it() {
    let mut inv = healthy();
    set_trust(
        &mut inv,
        serde_json::from_str(&trust_for(&["payments-staging:api"])).expect("json"),
    );
    trail(
        &mut inv,
        vec![web_identity(
            Some("payments/api"),
            ROLE,
            Some((
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            )),
        )],
    );
    let r = report(&inv);
    let f = binding(&r, "api")
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA801)
        .expect("IRSA801");
    assert_eq!(f.evidence["explained_by"], "IRSA203");
    assert!(
        f.detail.contains("The configuration explains it: IRSA203"),
        "{}",
        f.detail
    );
}

#[test]
fn irsa802_denied_calls_with_the_identity_evaluators_explanation() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/k-1";
    let with_policy = |i: &mut Inventory| {
        role_mut(i, ROLE).attached_policies.clear();
        role_mut(i, ROLE).inline_policies = vec![InlinePolicy {
            name: "AppRead".into(),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#.into(),
        }];
    };
    check(
        Code::IRSA802,
        |i| {
            with_policy(i);
            trail(i, vec![denied(ROLE, "kms:Decrypt", key)]);
        },
        // Near miss: the same denial, to a role this cluster does not use.
        |i| {
            with_policy(i);
            trail(
                i,
                vec![denied(
                    "arn:aws:iam::111122223333:role/other",
                    "kms:Decrypt",
                    key,
                )],
            );
        },
    );
    let mut inv = healthy();
    with_policy(&mut inv);
    trail(&mut inv, vec![denied(ROLE, "kms:Decrypt", key)]);
    let r = report(&inv);
    let b = binding(&r, "api");
    assert_eq!(b.status, Status::Warning);
    let d = &b.evidence.as_ref().expect("evidence").denied[0];
    assert_eq!(
        d.explanation,
        "no identity-based policy allows the kms:Decrypt action; policy AppRead allows only s3:Get*, s3:List*"
    );
    let f = b
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA802)
        .expect("IRSA802");
    assert!(f.detail.contains("management events only"), "{}", f.detail);
    assert_eq!(
        f.fix.texts(),
        [
            "irsa-tui can payments/api kms:Decrypt --resource arn:aws:kms:us-east-1:111122223333:key/k-1"
        ]
    );
}

#[test]
fn irsa803_a_session_for_another_role_than_the_annotation() {
    let old = "arn:aws:iam::111122223333:role/payments-api-old";
    check(
        Code::IRSA803,
        |i| trail(i, vec![web_identity(Some("payments/api"), old, None)]),
        // Near miss: the annotated role, spelled with a path.
        |i| {
            trail(
                i,
                vec![web_identity(
                    Some("payments/api"),
                    "arn:aws:iam::111122223333:role/team/payments-api",
                    None,
                )],
            )
        },
    );
}

#[test]
fn irsa804_cloudtrail_unreadable_changes_no_status() {
    check(
        Code::IRSA804,
        |i| {
            trail(i, vec![]);
            i.evidence.state = TrailState::Failed;
            i.evidence.error = Some("us-east-1: AWS denied cloudtrail:LookupEvents".into());
        },
        // Near miss: read, with nothing to say; or skipped on purpose.
        |i| trail(i, vec![]),
    );
    let mut inv = healthy();
    inv.evidence = Evidence {
        state: TrailState::Failed,
        error: Some("AWS denied cloudtrail:LookupEvents".into()),
        ..Default::default()
    };
    let r = report(&inv);
    assert_eq!(
        binding(&r, "api").status,
        Status::Ok,
        "IRSA804 changes no status"
    );
    let f = r
        .cluster_findings
        .iter()
        .find(|f| f.code == Code::IRSA804)
        .expect("IRSA804");
    assert_eq!(f.severity, Severity::Info);
    let mut skipped = healthy();
    skipped.evidence.state = TrailState::Skipped;
    let r = report(&skipped);
    assert!(!codes(&r).contains(&Code::IRSA804));
    assert_eq!(
        r.evidence.as_ref().map(|w| w.state),
        Some(TrailState::Skipped)
    );
    assert!(report(&healthy()).evidence.is_none(), "not read: no window");
}

#[test]
fn bindings_of_one_role_share_its_trust_policy_text() {
    // One copy of the pretty-printed trust policy per role, not one per binding (issue 14:
    // at 100,000 pods the copies were the largest allocation of the analysis).
    let mut inv = healthy();
    inv.service_accounts.push(ServiceAccount {
        namespace: "payments".into(),
        name: "worker".into(),
        role_arn: Some(ROLE.into()),
        ..Default::default()
    });
    let r = analyze(&inv, &Settings::default());
    let policies: Vec<_> = r
        .bindings
        .iter()
        .filter(|b| b.role_arn.as_deref() == Some(ROLE))
        .map(|b| b.trust.as_ref().expect("a trust view").policy.clone())
        .collect();
    assert_eq!(policies.len(), 2);
    assert!(!policies[0].is_empty());
    assert!(std::sync::Arc::ptr_eq(&policies[0], &policies[1]));
}
