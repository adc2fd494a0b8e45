//! The incremental analysis equals a full `analyze` of the same inventory after every batch
//! of watch events: random sequences of pods, ServiceAccounts and nodes added, changed and
//! deleted, roles and node roles changed by an AWS read, sources changing state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::collections::BTreeMap;

use common::inventory::{ACCOUNT, PROVIDER, pod_identity_trust, prod_cluster};
use irsa_tui::analysis::incremental::{Changes, Key, Live};
use irsa_tui::analysis::{Settings, analyze};
use irsa_tui::inventory::*;
use proptest::prelude::*;
use serde_json::json;

const NAMESPACES: [&str; 2] = ["a", "b"];
const SAS: [&str; 5] = ["s0", "s1", "s2", "s3", "default"];
const NODES: [&str; 3] = ["n0", "n1", "n2"];
const GROUPS: [&str; 2] = ["g1", "g2"];

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn managed(name: &str) -> AttachedPolicy {
    AttachedPolicy {
        arn: format!("arn:aws:iam::aws:policy/{name}"),
        name: name.into(),
        admin: name == "AdministratorAccess",
    }
}

fn trust_for(subjects: &[&str], audience: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{PROVIDER}:sub"): subjects.iter().map(|s| format!("system:serviceaccount:{s}")).collect::<Vec<_>>(),
                format!("{PROVIDER}:aud"): audience
            }}
        }]
    })
    .to_string()
}

fn role(name: &str, trust: String, attached: Vec<AttachedPolicy>, inline: &[&str]) -> Role {
    Role {
        arn: role_arn(name),
        name: name.into(),
        path: "/".into(),
        trust_policy: Some(trust),
        attached_policies: attached,
        inline_policies: inline
            .iter()
            .enumerate()
            .map(|(i, action)| InlinePolicy {
                name: format!("inline-{i}"),
                document: json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": action, "Resource": "*"}
                ]})
                .to_string(),
            })
            .collect(),
        ..Default::default()
    }
}

/// The AWS side (and cluster facts), in one of the versions an AWS read may bring: `roles`
/// varies roles and policies only (each bit one change), `cluster` the node roles, the
/// associations, the webhook and whether CloudTrail's evidence was read.
fn rest(roles: u8, cluster: u8) -> Inventory {
    let bit = |b: u8| roles & (1 << b) != 0;
    let mut inv = prod_cluster();
    let subjects: &[&str] = if bit(0) {
        &["a:s0", "b:s2"]
    } else {
        &["a:s0", "a:s1", "b:s0"]
    };
    let worker = [
        managed("AmazonEKSWorkerNodePolicy"),
        managed("AmazonEC2ContainerRegistryReadOnly"),
    ];
    let mut leaky = worker.to_vec();
    if cluster & 1 == 0 {
        leaky.push(managed("AdministratorAccess"));
    }
    let shared = AttachedPolicy {
        arn: format!("arn:aws:iam::{ACCOUNT}:policy/shared"),
        name: "shared".into(),
        admin: false,
    };
    let app_b_inline: &[&str] = if bit(2) {
        &["s3:GetObject", "s3:*", "iam:PassRole"]
    } else {
        &["s3:GetObject", "s3:*"]
    };
    inv.roles = vec![
        role(
            "app-a",
            trust_for(subjects, "sts.amazonaws.com"),
            vec![managed("ReadOnlyAccess"), shared.clone()],
            &[],
        ),
        role(
            "app-b",
            trust_for(
                &["b:s1", "a:s2"],
                if bit(1) { "other" } else { "sts.amazonaws.com" },
            ),
            Vec::new(),
            app_b_inline,
        ),
        role(
            "pi",
            pod_identity_trust(),
            vec![shared.clone()],
            &["sqs:SendMessage"],
        ),
        role("node-1", "{}".into(), leaky, &[]),
        role("node-2", "{}".into(), worker.to_vec(), &[]),
    ];
    if bit(3) {
        inv.roles.push(role(
            "gone",
            trust_for(&["b:s3"], "sts.amazonaws.com"),
            Vec::new(),
            &[],
        ));
    }
    inv.managed_policies = vec![ManagedPolicy {
        arn: shared.arn.clone(),
        name: "shared".into(),
        default_version: Some("v1".into()),
        document: Some(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": if bit(4) { "Deny" } else { "Allow" }, "Action": "s3:PutObject", "Resource": "*"}
            ]})
            .to_string(),
        ),
        error: None,
    }];
    inv.node_roles = vec![
        NodeRole {
            role_arn: role_arn("node-1"),
            sources: vec!["nodegroup/g1".into()],
        },
        NodeRole {
            role_arn: role_arn("node-2"),
            sources: vec!["nodegroup/g2".into()],
        },
    ];
    inv.pod_identity_associations = vec![PodIdentityAssociation {
        namespace: "a".into(),
        service_account: if cluster & 2 != 0 { "s2" } else { "s3" }.into(),
        role_arn: role_arn("pi"),
        association_id: Some("a-1".into()),
    }];
    inv.webhook_present = Some(cluster & 4 == 0);
    if cluster & 8 == 0 {
        inv.evidence = evidence();
    }
    inv
}

/// CloudTrail's events: each way an event is owned (the ServiceAccount its token names; the
/// one binding running as the role asked for; every binding running as the role denied),
/// and events no binding owns.
fn evidence() -> Evidence {
    let event =
        |i: usize, kind, sa: Option<&str>, role: Option<String>, error: Option<&str>| TrailEvent {
            id: format!("e{i}"),
            kind,
            time: format!("2026-01-01T00:{i:02}:00Z"),
            source: "sts.amazonaws.com".into(),
            name: match kind {
                TrailKind::WebIdentity => "AssumeRoleWithWebIdentity".into(),
                TrailKind::Denied => "PutObject".into(),
            },
            region: "eu-west-1".into(),
            error_code: error.map(str::to_owned),
            error_message: error.map(|e| format!("{e}: not authorized")),
            role_arn: role,
            service_account: sa.map(str::to_owned),
            identity_provider: None,
            action: (kind == TrailKind::Denied).then(|| "s3:PutObject".to_owned()),
            resource: None,
        };
    use TrailKind::{Denied, WebIdentity};
    Evidence {
        state: TrailState::Read,
        since: Some("2026-01-01T00:00:00Z".into()),
        until: Some("2026-01-01T01:00:00Z".into()),
        regions: vec!["eu-west-1".into()],
        events: vec![
            event(0, WebIdentity, Some("a/s0"), Some(role_arn("app-a")), None),
            event(
                1,
                WebIdentity,
                Some("a/s1"),
                Some(role_arn("app-a")),
                Some("AccessDenied"),
            ),
            event(
                2,
                WebIdentity,
                None,
                Some(role_arn("app-b")),
                Some("AccessDenied"),
            ),
            event(
                3,
                WebIdentity,
                Some("b/nobody"),
                Some(role_arn("app-a")),
                None,
            ),
            event(
                4,
                Denied,
                None,
                Some(role_arn("app-a")),
                Some("AccessDenied"),
            ),
            event(5, Denied, None, Some(role_arn("pi")), Some("AccessDenied")),
            event(
                6,
                Denied,
                None,
                Some(role_arn("gone")),
                Some("AccessDenied"),
            ),
            event(7, WebIdentity, Some("a/s2"), Some(role_arn("app-b")), None),
            event(8, Denied, None, None, Some("AccessDenied")),
            // The same role with a path (as aws-auth may name it).
            event(
                9,
                WebIdentity,
                None,
                Some(format!("arn:aws:iam::{ACCOUNT}:role/team/app-a")),
                Some("InvalidIdentityToken"),
            ),
        ],
        ..Evidence::default()
    }
}

fn sources(state: u8) -> Vec<SourceHealth> {
    let pods = |state, count| SourceHealth {
        resource: "pods".into(),
        namespace: None,
        state,
        message: None,
        count: Some(count),
        syncing_since: None,
        unreachable_since: None,
    };
    match state % 3 {
        0 => vec![pods(SourceState::Ok, 10)],
        1 => vec![pods(SourceState::Ok, 11)],
        _ => vec![pods(SourceState::Syncing, 3)],
    }
}

#[derive(Debug, Clone)]
enum Event {
    Pod(Key, Option<Pod>),
    Sa(Key, Option<ServiceAccount>),
    Node(String, Option<Node>),
    Roles(u8),
    Rest(u8),
    Sources(u8),
}

fn ns() -> impl Strategy<Value = String> {
    prop::sample::select(NAMESPACES.to_vec()).prop_map(str::to_owned)
}

fn pod() -> impl Strategy<Value = Pod> {
    (
        ns(),
        0..6usize,
        prop::sample::select(SAS.to_vec()),
        prop::option::of(prop::sample::select(NODES.to_vec())),
        prop::sample::select(vec![
            None,
            Some("Running"),
            Some("Succeeded"),
            Some("Pending"),
        ]),
        0..4u8,
        prop::sample::select(vec![None, Some("web"), Some("api")]),
    )
        .prop_map(|(ns, i, sa, node, phase, creds, owner)| {
            let container = match creds {
                // IRSA injected, with app-a or (stale) app-b.
                1 | 2 => Container {
                    name: "app".into(),
                    aws_role_arn: Some(role_arn(if creds == 1 { "app-a" } else { "app-b" }).into()),
                    aws_web_identity_token_file: Some("/var/run/secrets/token".into()),
                    ..Default::default()
                },
                // Pod Identity.
                3 => Container {
                    name: "app".into(),
                    aws_container_credentials_full_uri: Some(
                        "http://169.254.170.23/v1/credentials".into(),
                    ),
                    ..Default::default()
                },
                _ => Container {
                    name: "app".into(),
                    ..Default::default()
                },
            };
            Pod {
                namespace: ns.into(),
                name: format!("p{i}").into(),
                service_account: sa.into(),
                node: node.map(Into::into),
                phase: phase.map(Into::into),
                created: Some("2026-01-01T00:00:00Z".into()),
                owner: owner.map(|o| Owner {
                    kind: "Deployment".into(),
                    name: o.into(),
                }),
                containers: vec![container],
                token_volume: (creds == 1 || creds == 2).then(|| TokenVolume {
                    audience: Some("sts.amazonaws.com".into()),
                    expiration_seconds: Some(86_400),
                }),
                skip_containers: None,
            }
        })
}

fn service_account() -> impl Strategy<Value = ServiceAccount> {
    (
        ns(),
        prop::sample::select(SAS.to_vec()),
        prop::sample::select(vec![
            None,
            Some(role_arn("app-a")),
            Some(role_arn("app-b")),
            // app-b by another name (with a path): the same role for CloudTrail.
            Some(format!("arn:aws:iam::{ACCOUNT}:role/team/app-b")),
            Some(role_arn("gone")),
            Some("not-an-arn".to_owned()),
        ]),
        prop::sample::select(vec![None, Some("other")]),
        prop::sample::select(vec![None, Some("100")]),
    )
        .prop_map(
            |(ns, name, role_arn, audience, expiration)| ServiceAccount {
                namespace: ns,
                name: name.into(),
                created: Some("2026-01-01T00:00:00Z".into()),
                role_arn,
                audience: audience.map(str::to_owned),
                token_expiration: expiration.map(str::to_owned),
                ..Default::default()
            },
        )
}

fn node() -> impl Strategy<Value = Node> {
    (
        prop::sample::select(NODES.to_vec()),
        prop::option::of(prop::sample::select(GROUPS.to_vec())),
    )
        .prop_map(|(name, group)| Node {
            name: name.into(),
            nodegroup: group.map(str::to_owned),
        })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => pod().prop_map(|p| Event::Pod((p.namespace.clone(), p.name.clone()), Some(p))),
        2 => (ns(), 0..6usize).prop_map(|(ns, i)| Event::Pod((ns.into(), format!("p{i}").into()), None)),
        3 => service_account().prop_map(|s| Event::Sa(named(&s.namespace, &s.name), Some(s))),
        1 => (ns(), prop::sample::select(SAS.to_vec()))
            .prop_map(|(ns, n)| Event::Sa((ns.into(), n.into()), None)),
        2 => node().prop_map(|n| Event::Node(n.name.clone(), Some(n))),
        1 => prop::sample::select(NODES.to_vec()).prop_map(|n| Event::Node(n.into(), None)),
        2 => (0..32u8).prop_map(Event::Roles),
        1 => (0..16u8).prop_map(Event::Rest),
        1 => (0..3u8).prop_map(Event::Sources),
    ]
}

/// What the test holds of the cluster, independently of the analysis.
#[derive(Default)]
struct Cluster {
    pods: BTreeMap<Key, Pod>,
    service_accounts: BTreeMap<Key, ServiceAccount>,
    nodes: BTreeMap<String, Node>,
    roles: u8,
    rest: u8,
    sources: u8,
}

impl Cluster {
    /// The inventory in the live store's order.
    fn inventory(&self) -> Inventory {
        let mut inv = rest(self.roles, self.rest);
        inv.sources = sources(self.sources);
        inv.pods = self.pods.values().cloned().collect();
        inv.service_accounts = self.service_accounts.values().cloned().collect();
        inv.nodes = self.nodes.values().cloned().collect();
        inv
    }

    /// Records `e`, adding it to `changes`.
    fn record(&mut self, e: Event, changes: &mut Changes) {
        match e {
            Event::Pod(k, p) => {
                match &p {
                    Some(p) => self.pods.insert(k.clone(), p.clone()),
                    None => self.pods.remove(&k),
                };
                changes.pods.push((k, p.map(std::sync::Arc::new)));
            }
            Event::Sa(k, s) => {
                match &s {
                    Some(s) => self.service_accounts.insert(k.clone(), s.clone()),
                    None => self.service_accounts.remove(&k),
                };
                changes.service_accounts.push((k, s));
            }
            Event::Node(n, node) => {
                match &node {
                    Some(node) => self.nodes.insert(n.clone(), node.clone()),
                    None => self.nodes.remove(&n),
                };
                changes.nodes.push((n, node));
            }
            Event::Roles(v) => {
                self.roles = v;
                changes.rest = Some(rest(self.roles, self.rest));
            }
            Event::Rest(v) => {
                self.rest = v;
                changes.rest = Some(rest(self.roles, self.rest));
            }
            Event::Sources(s) => {
                self.sources = s;
                changes.sources = Some(sources(s));
            }
        }
        // The store sends the sources with every batch, the rest without them.
        if let Some(rest) = &mut changes.rest {
            rest.sources.clear();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_incremental_report_equals_a_full_analysis_after_every_batch(
        start in prop::collection::vec(event(), 0..12),
        batches in prop::collection::vec(prop::collection::vec(event(), 1..4), 1..25),
    ) {
        let settings = Settings::default();
        let mut cluster = Cluster::default();
        let mut ignored = Changes::default();
        for e in start {
            cluster.record(e, &mut ignored);
        }
        let mut live = Live::new(cluster.inventory(), &settings);
        prop_assert_eq!(live.report(), &analyze(&cluster.inventory(), &settings), "at start");
        for (step, batch) in batches.into_iter().enumerate() {
            let mut changes = Changes::default();
            for e in batch.clone() {
                cluster.record(e, &mut changes);
            }
            let report = live.apply(changes).clone();
            let full = analyze(&cluster.inventory(), &settings);
            prop_assert_eq!(&report, &full, "after batch {} {:?}", step, batch);
        }
    }
}

/// A pod event re-derives its binding: the demo cluster, one pod deleted then added back,
/// equals the full analysis each time (and the report changes, then changes back).
#[test]
fn a_pod_deleted_and_added_back_on_the_demo_cluster() {
    let settings = Settings::default();
    let inv = irsa_tui::sources::demo::inventory().expect("the demo");
    let mut sorted = inv.clone();
    sorted
        .pods
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    sorted
        .service_accounts
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    sorted.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut live = Live::new(sorted.clone(), &settings);
    let before = analyze(&sorted, &settings);
    assert_eq!(live.report(), &before);
    let pod = sorted.pods.remove(7);
    let k = (pod.namespace.clone(), pod.name.clone());
    let mut gone = Changes::default();
    gone.pods.push((k.clone(), None));
    let after = analyze(&sorted, &settings);
    assert_ne!(after, before, "the pod shows in the report");
    assert_eq!(live.apply(gone), &after);
    let mut back = Changes::default();
    back.pods.push((k, Some(pod.into())));
    assert_eq!(live.apply(back), &before);
}

/// A role changed by an AWS read re-derives the bindings that use it, not everything: the
/// report equals a full analysis, with no rebuild; a node role's change rebuilds.
#[test]
fn a_role_change_follows_the_bindings_that_use_it() {
    let settings = Settings::default();
    let mut cluster = Cluster::default();
    let mut ignored = Changes::default();
    for (ns, name, arn) in [
        ("a", "s0", "app-a"),
        ("b", "s1", "app-b"),
        ("b", "s2", "pi"),
    ] {
        let sa = ServiceAccount {
            namespace: ns.into(),
            name: name.into(),
            role_arn: Some(role_arn(arn)),
            ..Default::default()
        };
        cluster.record(Event::Sa((ns.into(), name.into()), Some(sa)), &mut ignored);
    }
    let mut live = Live::new(cluster.inventory(), &settings);
    for roles in [1, 3, 7, 15, 31, 0] {
        let mut changes = Changes::default();
        cluster.record(Event::Roles(roles), &mut changes);
        let report = live.apply(changes).clone();
        assert_eq!(
            report,
            analyze(&cluster.inventory(), &settings),
            "roles {roles}"
        );
    }
    assert_eq!(live.rebuilds(), 1, "only the start");
    let mut changes = Changes::default();
    cluster.record(Event::Rest(1), &mut changes);
    assert_eq!(
        live.apply(changes),
        &analyze(&cluster.inventory(), &settings)
    );
    assert_eq!(live.rebuilds(), 2, "a node role changed");
}
