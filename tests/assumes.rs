//! Whether a binding's pods get its role's credentials (`assumes`), beside its status: each
//! blocker denies, what could not be read is unknown, an exposed role that works assumes;
//! and the JSON report carries it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use assert_cmd::Command;
use common::inventory::{ACCOUNT, PROVIDER, pod_identity_trust, prod_cluster};
use irsa_tui::analysis::{Assumes, Binding, Code, Settings, Severity, Status, analyze};
use irsa_tui::inventory::*;
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::111122223333:role/payments-api";
const PI_ROLE: &str = "arn:aws:iam::111122223333:role/reporter";

fn trust(sub_operator: &str, sub: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {sub_operator: {
                format!("{PROVIDER}:sub"): sub,
                format!("{PROVIDER}:aud"): "sts.amazonaws.com"
            }}
        }]
    })
    .to_string()
}

fn role(arn: &str, trust: String) -> Role {
    Role {
        arn: arn.into(),
        name: arn.rsplit('/').next().unwrap_or_default().into(),
        path: "/".into(),
        trust_policy: Some(trust),
        attached_policies: vec![AttachedPolicy {
            arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".into(),
            name: "AmazonS3ReadOnlyAccess".into(),
            admin: false,
        }],
        ..Default::default()
    }
}

fn pod(name: &str, sa: &str, role: Option<&str>) -> Pod {
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
            aws_role_arn: role.map(Into::into),
            aws_web_identity_token_file: role
                .map(|_| "/var/run/secrets/eks.amazonaws.com/serviceaccount/token".into()),
            aws_sts_regional_endpoints: role.map(|_| "regional".into()),
            ..Default::default()
        }],
        token_volume: role.map(|_| TokenVolume {
            audience: Some("sts.amazonaws.com".into()),
            expiration_seconds: Some(86400),
        }),
        ..Default::default()
    }
}

/// One healthy IRSA binding (`payments/api`) and one healthy Pod Identity binding
/// (`payments/reporter`), each with a running pod.
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
            name: "reporter".into(),
            ..Default::default()
        },
    ];
    let mut reporter = pod("reporter-5f8d9c7b6-qm2vw", "reporter", None);
    reporter.containers[0].aws_container_credentials_full_uri =
        Some("http://169.254.170.23/v1/credentials".into());
    inv.pods = vec![pod("api-7c9f8d6b5-x7k2p", "api", Some(ROLE)), reporter];
    inv.roles = vec![
        role(
            ROLE,
            trust("StringEquals", "system:serviceaccount:payments:api"),
        ),
        role(PI_ROLE, pod_identity_trust()),
    ];
    inv.pod_identity_associations = vec![PodIdentityAssociation {
        namespace: "payments".into(),
        service_account: "reporter".into(),
        role_arn: PI_ROLE.into(),
        association_id: Some("a-0123456789abcdef0".into()),
    }];
    inv
}

fn binding(inv: &Inventory, name: &str) -> Binding {
    analyze(inv, &Settings::default())
        .bindings
        .into_iter()
        .find(|b| b.service_account == name)
        .map(|b| (*b).clone())
        .unwrap_or_else(|| panic!("no binding {name}"))
}

fn assumes(inv: &Inventory, name: &str) -> (Option<Assumes>, String) {
    let b = binding(inv, name);
    (b.assumes, b.assumes_why)
}

fn role_mut<'a>(inv: &'a mut Inventory, arn: &str) -> &'a mut Role {
    inv.roles.iter_mut().find(|r| r.arn == arn).expect("role")
}

#[test]
fn healthy_bindings_assume() {
    let inv = healthy();
    let (a, why) = assumes(&inv, "api");
    assert_eq!(a, Some(Assumes::Yes), "{why}");
    assert!(
        why.contains("Statement[0]") && why.contains("1 running pod"),
        "{why}"
    );
    let (a, why) = assumes(&inv, "reporter");
    assert_eq!(a, Some(Assumes::Yes), "{why}");
    let mut idle = healthy();
    idle.pods.clear();
    let (a, why) = assumes(&idle, "api");
    assert_eq!(a, Some(Assumes::Yes), "a pod started now would: {why}");
    assert!(why.contains("no pod runs"), "{why}");
}

/// Each blocker denies, and says which finding decides.
#[test]
fn what_stops_the_credentials_denies() {
    type Change = Box<dyn Fn(&mut Inventory)>;
    let cases: Vec<(&str, Code, Change)> = vec![
        (
            "api",
            Code::IRSA203,
            Box::new(|i| {
                role_mut(i, ROLE).trust_policy = Some(trust(
                    "StringEquals",
                    "system:serviceaccount:payments-staging:api",
                ))
            }),
        ),
        (
            "api",
            Code::IRSA102,
            Box::new(|i| role_mut(i, ROLE).status = ReadStatus::NotFound),
        ),
        ("api", Code::IRSA301, Box::new(|i| i.oidc_providers.clear())),
        (
            "api",
            Code::IRSA401,
            Box::new(|i| i.pods[0] = pod("api-7c9f8d6b5-x7k2p", "api", None)),
        ),
        (
            "api",
            Code::IRSA402,
            Box::new(|i| {
                i.pods[0] = pod(
                    "api-7c9f8d6b5-x7k2p",
                    "api",
                    Some("arn:aws:iam::111122223333:role/old"),
                )
            }),
        ),
        (
            "api",
            Code::IRSA403,
            Box::new(|i| {
                i.pods[0].containers[0].static_credential_vars =
                    vec!["AWS_ACCESS_KEY_ID".into(), "AWS_SECRET_ACCESS_KEY".into()]
            }),
        ),
        (
            "reporter",
            Code::IRSA702,
            Box::new(|i| {
                role_mut(i, PI_ROLE).trust_policy = Some(trust(
                    "StringEquals",
                    "system:serviceaccount:payments:reporter",
                ))
            }),
        ),
        (
            "reporter",
            Code::IRSA704,
            Box::new(|i| i.pod_identity_agent_present = Some(false)),
        ),
    ];
    for (sa, code, change) in cases {
        let mut inv = healthy();
        change(&mut inv);
        let (a, why) = assumes(&inv, sa);
        assert_eq!(a, Some(Assumes::Denied), "{code}: {why}");
        assert!(why.starts_with(code.as_str()), "{code}: {why}");
    }
}

/// Not every blocker has a code of the binding: a Pod Identity pod created before the
/// association, or a webhook that would not inject a pod started now.
#[test]
fn pods_without_injection_and_no_webhook_deny() {
    let mut inv = healthy();
    inv.pods[1].containers[0].aws_container_credentials_full_uri = None;
    let (a, why) = assumes(&inv, "reporter");
    assert_eq!(a, Some(Assumes::Denied), "{why}");
    assert!(why.contains("1 of 1 running pods"), "{why}");

    let mut inv = healthy();
    inv.pods.clear();
    inv.webhook_present = Some(false);
    let (a, why) = assumes(&inv, "api");
    assert_eq!(a, Some(Assumes::Denied), "{why}");
    assert!(why.contains("IRSA601"), "{why}");
    // Completed pods ask for nothing.
    let mut done = healthy();
    done.pods[0] = pod("api-7c9f8d6b5-x7k2p", "api", None);
    done.pods[0].phase = Some("Succeeded".into());
    assert_eq!(assumes(&done, "api").0, Some(Assumes::Yes));
}

#[test]
fn what_could_not_be_read_is_unknown() {
    let mut inv = healthy();
    role_mut(&mut inv, ROLE).status = ReadStatus::Error;
    let (a, why) = assumes(&inv, "api");
    assert_eq!(a, Some(Assumes::Unknown), "{why}");
    assert!(why.starts_with("IRSA103"), "{why}");

    // A trust policy whose answer depends on what is only known at call time.
    let mut inv = healthy();
    role_mut(&mut inv, ROLE).trust_policy = Some(
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
            }]
        })
        .to_string(),
    );
    let b = binding(&inv, "api");
    assert_eq!(b.status, Status::Failing, "the status stays the contract's");
    assert_eq!(b.assumes, Some(Assumes::Unknown), "{}", b.assumes_why);

    // The role's account's OIDC providers were not listed.
    let mut inv = healthy();
    inv.oidc_provider_accounts.clear();
    let (a, why) = assumes(&inv, "api");
    assert_eq!(a, Some(Assumes::Unknown), "{why}");

    let mut inv = healthy();
    inv.pod_identity_agent_present = None;
    assert_eq!(assumes(&inv, "reporter").0, Some(Assumes::Unknown));

    // The namespace's pods could not be read: whether they were injected is not known.
    let mut inv = healthy();
    inv.pods.clear();
    inv.sources = vec![
        SourceHealth {
            resource: "pods".into(),
            namespace: None,
            state: SourceState::Forbidden,
            ..Default::default()
        },
        SourceHealth {
            resource: "pods".into(),
            namespace: Some("orders".into()),
            state: SourceState::Ok,
            ..Default::default()
        },
    ];
    let (a, why) = assumes(&inv, "api");
    assert_eq!(a, Some(Assumes::Unknown), "{why}");
    assert!(why.contains("pods of namespace payments"), "{why}");
    inv.sources[1].namespace = Some("payments".into());
    assert_eq!(
        assumes(&inv, "api").0,
        Some(Assumes::Yes),
        "read one by one"
    );

    // One certain blocker is enough.
    let mut inv = healthy();
    inv.oidc_provider_accounts.clear();
    inv.pods[0] = pod("api-7c9f8d6b5-x7k2p", "api", None);
    assert_eq!(assumes(&inv, "api").0, Some(Assumes::Denied));
}

/// An exposed role still works: the pods assume it, and the status is failing.
#[test]
fn an_exposed_role_assumes_and_fails() {
    let mut inv = healthy();
    role_mut(&mut inv, ROLE).trust_policy = Some(trust("StringLike", "system:serviceaccount:*"));
    let b = binding(&inv, "api");
    assert!(
        b.findings.iter().any(|f| f.code == Code::IRSA220),
        "{:?}",
        b.findings
    );
    assert!(b.exposed());
    assert_eq!((b.status, b.assumes), (Status::Failing, Some(Assumes::Yes)));
    assert!(!binding(&healthy(), "api").exposed());
}

/// A binding without a role has no answer.
#[test]
fn no_role_no_answer() {
    let mut inv = healthy();
    inv.service_accounts[0].role_arn = None;
    inv.pods[0] = pod("api-7c9f8d6b5-x7k2p", "api", None);
    role_mut(&mut inv, ROLE).trust_policy =
        Some(trust("StringEquals", "system:serviceaccount:payments:api"));
    let b = binding(&inv, "api");
    assert_eq!(b.findings[0].code, Code::IRSA104);
    assert_eq!(b.assumes, None);
}

/// IRSA230 (no permission policy) is an error when the binding has pods, for a Pod
/// Identity role as for an annotated one; the pods assume the role all the same.
#[test]
fn irsa230_on_a_pod_identity_role_is_an_error_with_pods() {
    let mut inv = healthy();
    role_mut(&mut inv, PI_ROLE).attached_policies.clear();
    let b = binding(&inv, "reporter");
    let f = b
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA230)
        .expect("IRSA230 on the Pod Identity binding");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!((b.status, b.assumes), (Status::Failing, Some(Assumes::Yes)));
    inv.pods.retain(|p| p.service_account != "reporter");
    let b = binding(&inv, "reporter");
    let f = b
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA230)
        .expect("IRSA230");
    assert_eq!(f.severity, Severity::Warning, "no pods: a warning");
}

/// The JSON report: `assumes` right after `status`, `yes`/`denied`/`unknown`, `null`
/// without a role.
#[test]
fn the_json_report_says_whether_pods_assume() {
    let out = Command::cargo_bin("irsa-tui")
        .expect("binary")
        .env_remove("IRSA_TUI_CONFIG")
        .args(["report", "--demo", "--format", "json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let bindings = v["bindings"].as_array().expect("bindings");
    let of = |key: &str| {
        bindings
            .iter()
            .find(|b| {
                format!(
                    "{}/{}",
                    b["namespace"].as_str().unwrap_or_default(),
                    b["service_account"].as_str().unwrap_or_default()
                ) == key
            })
            .unwrap_or_else(|| panic!("{key}"))
    };
    let keys: Vec<&str> = of("payments/payments-api")
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let at = keys.iter().position(|k| *k == "status").expect("status");
    assert_eq!(keys.get(at + 1), Some(&"assumes"), "{keys:?}");
    for (key, status, value) in [
        ("payments/payments-api", "failing", json!("denied")),
        ("ci/gitlab-runner", "failing", json!("yes")),
        ("keda/keda-operator", "failing", json!("yes")),
        ("analytics/partner-export", "unknown", json!("unknown")),
        ("orders/orders-api", "ok", json!("yes")),
        ("catalog/image-resizer", "failing", Value::Null),
    ] {
        let b = of(key);
        assert_eq!(
            (&b["status"], &b["assumes"]),
            (&json!(status), &value),
            "{key}"
        );
    }
}
