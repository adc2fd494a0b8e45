//! A pasted fix never runs someone else's command. Every value a fix interpolates can be
//! set by whoever may edit a ServiceAccount, name a workload or write a policy; here each
//! one is an arbitrary string (shell payloads among them), and every command of every
//! finding is run by `sh` with stand-ins for `kubectl`, `aws` and `eksctl` on a PATH that
//! holds nothing else: each line must call its one program once, and nothing else; and
//! what `y` copies of a fix, pasted whole, runs exactly the commands it holds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use irsa_tui::analysis::finding::StepNature;
use irsa_tui::analysis::{Settings, analyze};
use irsa_tui::inventory::{
    AttachedPolicy, Cluster, Container, InlinePolicy, Inventory, NodeRole, OidcProvider, Owner,
    Pod, PodIdentityAssociation, ReadStatus, Role, ServiceAccount, SourceHealth, SourceState,
};
use proptest::prelude::*;
use serde_json::json;

const ACCOUNT: &str = "111122223333";
const PROVIDER: &str = "oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";

/// The values a cluster or an account controls.
#[derive(Debug, Clone)]
struct Values {
    namespace: String,
    service_account: String,
    other: String,
    workload: String,
    pod: String,
    annotation: String,
    audience: String,
    role: String,
    policy: String,
    cluster: String,
    region: String,
    association: String,
    resource: String,
}

fn trust(ns: &str, sa: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{PROVIDER}:sub"): format!("system:serviceaccount:{ns}:{sa}"),
            }}
        }]
    })
    .to_string()
}

fn pod(v: &Values, name: &str, sa: &str, kind: &str, injected_role: Option<&str>) -> Pod {
    Pod {
        namespace: v.namespace.as_str().into(),
        name: name.into(),
        service_account: sa.into(),
        node: Some("node-1".into()),
        phase: Some("Running".into()),
        owner: Some(Owner {
            kind: kind.into(),
            name: v.workload.as_str().into(),
        }),
        containers: vec![Container {
            name: "app".into(),
            aws_role_arn: injected_role.map(Into::into),
            aws_web_identity_token_file: injected_role.map(|_| "/var/run/token".into()),
            static_credential_vars: vec!["AWS_ACCESS_KEY_ID".into()],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A cluster where nearly every fix-building check fires on the values given.
fn world(v: &Values, with_issuer: bool) -> Inventory {
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{}", v.role);
    let node_role = format!("arn:aws:iam::{ACCOUNT}:role/{}-nodes", v.role);
    let mut inv = Inventory::new();
    inv.cluster = Cluster {
        name: Some(v.cluster.clone()),
        region: Some(v.region.clone()),
        account: Some(ACCOUNT.into()),
        partition: Some("aws".into()),
        oidc_issuer: with_issuer.then(|| format!("https://{PROVIDER}")),
        found: Some(with_issuer),
        ..Default::default()
    };
    inv.service_accounts = vec![
        ServiceAccount {
            namespace: v.namespace.clone(),
            name: v.service_account.clone(),
            role_arn: Some(role_arn.clone()),
            audience: Some(v.audience.clone()),
            token_expiration: Some("60".into()),
            ..Default::default()
        },
        ServiceAccount {
            namespace: v.namespace.clone(),
            name: v.other.clone(),
            role_arn: Some(v.annotation.clone()),
            ..Default::default()
        },
        ServiceAccount {
            namespace: v.namespace.clone(),
            name: "trusted".into(),
            ..Default::default()
        },
    ];
    inv.pods = vec![
        pod(v, &v.pod, &v.service_account, "Deployment", None),
        pod(
            v,
            "stale-1",
            &v.service_account,
            "StatefulSet",
            Some("arn:aws:iam::111122223333:role/old"),
        ),
        pod(v, "plain-1", "trusted", "ReplicaSet", None),
        pod(v, "bare-1", "trusted", "Job", None),
    ];
    inv.roles = vec![
        Role {
            arn: role_arn.clone(),
            name: v.role.clone(),
            path: "/".into(),
            // Names another namespace: IRSA203 and its corrected policy.
            trust_policy: Some(trust(&format!("{}-x", v.namespace), &v.service_account)),
            permissions_boundary: Some(format!("arn:aws:iam::{ACCOUNT}:policy/{}", v.policy)),
            inline_policies: vec![InlinePolicy {
                name: v.policy.clone(),
                document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string(),
            }],
            ..Default::default()
        },
        Role {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/trusting"),
            name: "trusting".into(),
            path: "/".into(),
            trust_policy: Some(trust(&v.namespace, "trusted")),
            ..Default::default()
        },
        Role {
            arn: node_role.clone(),
            name: format!("{}-nodes", v.role),
            path: "/".into(),
            attached_policies: vec![
                AttachedPolicy {
                    arn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy".into(),
                    name: "AmazonEKS_CNI_Policy".into(),
                    admin: false,
                },
                AttachedPolicy {
                    arn: format!("arn:aws:iam::{ACCOUNT}:policy/{}", v.policy),
                    name: v.policy.clone(),
                    admin: false,
                },
            ],
            inline_policies: vec![InlinePolicy {
                name: v.policy.clone(),
                document: "{}".into(),
            }],
            ..Default::default()
        },
        Role {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/gone"),
            name: "gone".into(),
            status: ReadStatus::NotFound,
            ..Default::default()
        },
    ];
    inv.node_roles = vec![NodeRole {
        role_arn: node_role,
        sources: vec!["aws-auth".into()],
    }];
    inv.nodes = vec![irsa_tui::inventory::Node {
        name: "node-1".into(),
        nodegroup: None,
    }];
    inv.oidc_providers = vec![OidcProvider {
        arn: format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"),
        url: PROVIDER.into(),
        client_ids: vec!["sts.amazonaws.com".into()],
        thumbprints: vec![],
    }];
    inv.oidc_provider_accounts = vec![ACCOUNT.into()];
    inv.pod_identity_associations = vec![
        PodIdentityAssociation {
            namespace: v.namespace.clone(),
            service_account: v.service_account.clone(),
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/gone"),
            association_id: Some(v.association.clone()),
        },
        PodIdentityAssociation {
            namespace: v.namespace.clone(),
            service_account: v.other.clone(),
            role_arn: role_arn.clone(),
            association_id: None,
        },
    ];
    inv.webhook_present = Some(false);
    inv.pod_identity_agent_present = Some(false);
    inv.sources = vec![SourceHealth {
        resource: v.resource.clone(),
        namespace: Some(v.namespace.clone()),
        state: SourceState::Forbidden,
        message: Some("forbidden".into()),
        count: None,
        syncing_since: None,
        unreachable_since: None,
    }];
    inv.aws.reachable = true;
    inv
}

/// `kubectl`, `aws` and `eksctl` that record that they ran, on a PATH of their own.
fn stubs(dir: &Path) {
    for program in ["kubectl", "aws", "eksctl"] {
        let path = dir.join(program);
        std::fs::write(&path, "#!/bin/sh\necho ran >> \"$RAN\"\n").expect("stub");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// Runs every command of every finding; panics when one runs anything else.
fn run_every_fix(inv: &Inventory, dir: &Path) -> usize {
    let report = analyze(inv, &Settings::default());
    let mut ran = 0;
    for f in report.findings() {
        for line in f.fix.texts() {
            if !["kubectl ", "aws ", "eksctl "]
                .iter()
                .any(|p| line.starts_with(p))
            {
                continue;
            }
            let log = dir.join("ran.log");
            let _ = std::fs::remove_file(&log);
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(line)
                .env_clear()
                .env("PATH", dir)
                .env("RAN", &log)
                .current_dir(dir)
                .output()
                .expect("sh runs");
            let calls = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .count();
            assert!(
                out.status.success() && out.stderr.is_empty() && calls == 1,
                "{} fix ran something else ({} call(s), status {}, stderr {:?}): {line}",
                f.code,
                calls,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!dir.join("PWNED").exists(), "{}: {line}", f.code);
            ran += 1;
        }
        // What `y` copies, pasted whole: it runs exactly the commands it holds (the `#`
        // lines naming an account, or following a step done by hand, run nothing).
        if let Some(paste) = f.fix.paste() {
            let log = dir.join("ran.log");
            let _ = std::fs::remove_file(&log);
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(&paste.text)
                .env_clear()
                .env("PATH", dir)
                .env("RAN", &log)
                .current_dir(dir)
                .output()
                .expect("sh runs");
            let calls = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .count();
            // A corrected document alone is not for a shell (it says so on stderr).
            let documents_only = f.fix.commands().next().is_none()
                && f.fix
                    .steps
                    .iter()
                    .all(|s| s.nature() == StepNature::Document);
            assert!(
                (documents_only || out.stderr.is_empty()) && calls == paste.commands,
                "{} paste ran {calls} command(s), not {} (stderr {:?}):\n{}",
                f.code,
                paste.commands,
                String::from_utf8_lossy(&out.stderr),
                paste.text
            );
            assert!(!dir.join("PWNED").exists(), "{}: {}", f.code, paste.text);
        }
    }
    ran
}

fn value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z0-9]{1,6}",
        1 => Just("-".to_owned()),
        1 => Just(".".to_owned()),
        1 => Just("$(aws pwned)".to_owned()),
        1 => Just("`aws pwned`".to_owned()),
        1 => Just(";aws pwned".to_owned()),
        1 => Just("|aws pwned".to_owned()),
        1 => Just("&& aws pwned".to_owned()),
        1 => Just("$(touch${IFS}PWNED)".to_owned()),
        1 => Just("'".to_owned()),
        1 => Just("\"".to_owned()),
        1 => Just("\\".to_owned()),
        1 => Just("\n".to_owned()),
        1 => Just(" ".to_owned()),
        1 => Just("#".to_owned()),
        1 => Just("*".to_owned()),
        1 => Just("~".to_owned()),
        1 => Just("\u{1b}]0;title\u{7}".to_owned()),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 1..5).prop_map(|p| p.concat())
}

fn values() -> impl Strategy<Value = Values> {
    (
        (
            value(),
            value(),
            value(),
            value(),
            value(),
            value(),
            value(),
        ),
        (value(), value(), value(), value(), value(), value()),
    )
        .prop_map(
            |(
                (namespace, service_account, other, workload, pod, annotation, audience),
                (role, policy, cluster, region, association, resource),
            )| Values {
                namespace,
                service_account,
                other,
                workload,
                pod,
                annotation,
                audience,
                role,
                policy,
                cluster,
                region,
                association,
                resource,
            },
        )
}

/// Names every check accepts: the fixes are built, so the run above really runs them.
fn valid() -> Values {
    Values {
        namespace: "payments".into(),
        service_account: "api".into(),
        other: "worker".into(),
        workload: "api".into(),
        pod: "api-7c9f8d6b5-x7k2p".into(),
        annotation: " arn:aws:iam::111122223333:role/worker".into(),
        audience: "vault".into(),
        role: "payments-api".into(),
        policy: "s3-read".into(),
        cluster: "prod".into(),
        region: "us-east-1".into(),
        association: "a-1a2b3c4d5e6f7g8h9".into(),
        resource: "pods".into(),
    }
}

#[test]
fn the_fixes_of_a_valid_cluster_run_as_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    stubs(dir.path());
    let with = run_every_fix(&world(&valid(), true), dir.path());
    let without = run_every_fix(&world(&valid(), false), dir.path());
    // Not vacuous: the stand-ins ran for the many commands these clusters call for.
    assert!(with >= 15, "only {with} commands");
    assert!(without >= 3, "only {without} commands");
}

#[test]
fn a_payload_in_a_value_is_refused_and_said_so() {
    let mut v = valid();
    v.audience = "vault$(touch${IFS}/tmp/PWNED)".into();
    v.workload = "api;aws pwned".into();
    let report = analyze(&world(&v, true), &Settings::default());
    let irsa106 = report
        .findings()
        .find(|f| f.code.as_str() == "IRSA106")
        .expect("IRSA106");
    // The audience is quoted: printable, so IAM accepts it as a client ID.
    assert_eq!(
        irsa106.fix.texts().last().copied(),
        Some(
            "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9 --client-id 'vault$(touch${IFS}/tmp/PWNED)'"
        )
    );
    // A workload name Kubernetes would not accept: no restart command, and the finding says why.
    let irsa401 = report
        .findings()
        .find(|f| f.code.as_str() == "IRSA401")
        .expect("IRSA401");
    assert!(irsa401.fix.is_empty(), "{:?}", irsa401.fix.texts());
    assert!(
        irsa401.detail.contains("irsa-tui prints no command for it: \"api;aws pwned\" is not a valid Kubernetes object name"),
        "{}",
        irsa401.detail
    );
    let dir = tempfile::tempdir().expect("tempdir");
    stubs(dir.path());
    run_every_fix(&world(&v, true), dir.path());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_value_makes_a_fix_run_anything_else(v in values(), with_issuer in any::<bool>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        stubs(dir.path());
        run_every_fix(&world(&v, with_issuer), dir.path());
    }
}
