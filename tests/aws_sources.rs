//! The AWS sources against a real HTTP server (moto): what lands in the inventory, and how
//! many calls it takes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod moto;

use std::collections::BTreeSet;

use irsa_tui::analysis::{Code, Settings, analyze};
use irsa_tui::inventory::{ReadStatus, ServiceAccount};
use irsa_tui::sources::aws::{AwsOptions, CallLog, fetch};
use irsa_tui::sources::store::Store;
use moto::{ACCOUNT, Moto, trust};
use serde_json::json;

/// A cluster with an IAM OIDC provider, a node group and a few IRSA roles. Returns the
/// provider (`host/path`).
async fn seed(moto: &Moto, extra_roles: usize) -> String {
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let provider = moto::create_cluster(&config, true).await;
    let role = |name: &str, doc: String| {
        let iam = iam.clone();
        let name = name.to_owned();
        async move {
            iam.create_role()
                .role_name(&name)
                .assume_role_policy_document(doc)
                .send()
                .await
                .expect("create role");
        }
    };
    role(
        "payments-api",
        trust(&provider, "system:serviceaccount:payments:api", true),
    )
    .await;
    role(
        "web-wrong-ns",
        trust(&provider, "system:serviceaccount:staging:web", true),
    )
    .await;
    role(
        "forgotten",
        trust(&provider, "system:serviceaccount:batch:exporter", true),
    )
    .await;
    role("unrelated", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into()).await;
    for i in 0..extra_roles {
        role(
            &format!("svc-{i:04}"),
            trust(
                &provider,
                &format!("system:serviceaccount:svc:app-{i:04}"),
                true,
            ),
        )
        .await;
    }
    iam.attach_role_policy()
        .role_name("payments-api")
        .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let everything = iam
        .create_policy()
        .policy_name("everything")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("create policy");
    let everything_arn = everything
        .policy()
        .and_then(|p| p.arn())
        .expect("policy arn")
        .to_owned();
    iam.attach_role_policy()
        .role_name("web-wrong-ns")
        .policy_arn(&everything_arn)
        .send()
        .await
        .expect("attach");
    // Permissions boundaries: a customer-managed one (attached nowhere) and an AWS-managed one.
    let boundary = iam
        .create_policy()
        .policy_name("boundary-s3")
        .policy_document(BOUNDARY_DOCUMENT)
        .send()
        .await
        .expect("create boundary");
    iam.put_role_permissions_boundary()
        .role_name("forgotten")
        .permissions_boundary(boundary.policy().and_then(|p| p.arn()).expect("arn"))
        .send()
        .await
        .expect("boundary");
    iam.put_role_permissions_boundary()
        .role_name("web-wrong-ns")
        .permissions_boundary(AWS_BOUNDARY)
        .send()
        .await
        .expect("boundary");
    moto::create_leaky_node_group(&config).await;
    provider
}

const BOUNDARY_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const AWS_BOUNDARY: &str = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess";

/// The managed policies the seeded roles kept use: attached (the node role's three, S3
/// read-only, `everything`) and boundaries.
fn seeded_policy_arns() -> BTreeSet<String> {
    [
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        AWS_BOUNDARY,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(["everything", "boundary-s3"].map(|n| format!("arn:aws:iam::{ACCOUNT}:policy/{n}")))
    .collect()
}

/// `managed_policies` holds each policy the kept roles use exactly once, sorted, each with
/// its default version's document, and nothing else.
fn assert_policy_documents(inv: &irsa_tui::inventory::Inventory) {
    let arns: Vec<&str> = inv
        .managed_policies
        .iter()
        .map(|p| p.arn.as_str())
        .collect();
    let mut sorted = arns.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(arns, sorted, "each ARN once, sorted by ARN");
    let used: BTreeSet<String> = inv
        .roles
        .iter()
        .flat_map(|r| {
            r.attached_policies
                .iter()
                .map(|p| p.arn.clone())
                .chain(r.permissions_boundary.clone())
        })
        .collect();
    assert_eq!(used, seeded_policy_arns(), "the roles' policies as seeded");
    assert_eq!(
        arns.iter()
            .map(|a| (*a).to_owned())
            .collect::<BTreeSet<_>>(),
        used,
        "exactly the policies the kept roles use"
    );
    for p in &inv.managed_policies {
        assert_eq!(p.error, None, "{}", p.arn);
        assert!(p.default_version.is_some(), "{}", p.arn);
        let doc = p.document.as_deref().expect("a document");
        irsa_tui::policy::PolicyDocument::parse(doc)
            .unwrap_or_else(|e| panic!("{}: unparsable document {e:?}", p.arn));
        assert_eq!(p.arn.rsplit('/').next(), Some(p.name.as_str()));
    }
    let doc = |name: &str| {
        inv.managed_policies
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.document.as_deref())
            .map(|d| irsa_tui::policy::decode_json(d).expect("JSON").to_string())
            .expect("document")
    };
    assert!(
        doc("AmazonS3ReadOnlyAccess").contains("s3:Get"),
        "AWS-managed document"
    );
    assert!(
        doc("AmazonEC2ReadOnlyAccess").contains("ec2:Describe"),
        "AWS-managed boundary"
    );
    assert!(
        doc("everything").contains(r#""Action":"*""#),
        "customer-managed"
    );
    assert!(
        doc("boundary-s3").contains("s3:*"),
        "customer-managed boundary"
    );
    let role = |n: &str| inv.roles.iter().find(|r| r.name == n).expect("role");
    assert_eq!(
        role("forgotten").permissions_boundary.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT}:policy/boundary-s3").as_str())
    );
    assert_eq!(
        role("web-wrong-ns").permissions_boundary.as_deref(),
        Some(AWS_BOUNDARY)
    );
}

fn annotated(ns: &str, name: &str, role: &str) -> ServiceAccount {
    ServiceAccount {
        namespace: ns.into(),
        name: name.into(),
        role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/{role}")),
        ..Default::default()
    }
}

fn options(moto: &Moto) -> AwsOptions {
    AwsOptions {
        region: Some("us-east-1".into()),
        profile: None,
        cluster: "prod".into(),
        endpoint_url: Some(moto.url.clone()),
        credentials: Some(Moto::credentials()),
    }
}

fn store_with_service_accounts() -> std::sync::Arc<Store> {
    let store = Store::new();
    store.update(|d| {
        for sa in [
            annotated("payments", "api", "payments-api"),
            annotated("payments", "web", "web-wrong-ns"),
            annotated("orders", "archiver", "ghost-role"),
            ServiceAccount {
                namespace: "batch".into(),
                name: "exporter".into(),
                ..Default::default()
            },
            ServiceAccount {
                namespace: "legacy".into(),
                name: "partner".into(),
                role_arn: Some("arn:aws:iam::444455556666:role/partner-drop".into()),
                ..Default::default()
            },
        ] {
            d.service_accounts
                .insert(irsa_tui::inventory::named(&sa.namespace, &sa.name), sa);
        }
        d.webhook_present = Some(true);
    });
    store
}

fn least_privilege_actions() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string("assets/least-privilege/iam-policy.json").expect("policy asset");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("policy JSON");
    let mut out = BTreeSet::new();
    for s in doc["Statement"].as_array().expect("statements") {
        match &s["Action"] {
            serde_json::Value::String(a) => {
                out.insert(a.clone());
            }
            serde_json::Value::Array(items) => {
                out.extend(items.iter().filter_map(|a| a.as_str().map(str::to_owned)));
            }
            _ => {}
        }
    }
    out
}

fn counts_of(calls: &CallLog) -> Vec<&'static str> {
    calls.counts().into_keys().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_cluster_providers_roles_and_node_roles_in_bulk() {
    let moto = Moto::start();
    let provider = seed(&moto, 0).await;
    let store = store_with_service_accounts();
    let calls = CallLog::default();
    fetch(&options(&moto), &store, &calls).await;
    let inv = store.inventory();

    assert!(inv.aws.reachable, "{:?}", inv.aws);
    assert_eq!(inv.cluster.account.as_deref(), Some(ACCOUNT));
    assert_eq!(inv.cluster.found, Some(true));
    assert_eq!(
        inv.cluster.oidc_issuer.as_deref(),
        Some(format!("https://{provider}").as_str())
    );
    assert_eq!(inv.oidc_providers.len(), 1);
    assert_eq!(inv.oidc_providers[0].url, provider);
    assert_eq!(inv.oidc_provider_accounts, vec![ACCOUNT.to_owned()]);

    let names: BTreeSet<&str> = inv.roles.iter().map(|r| r.name.as_str()).collect();
    // Referenced, trusting this cluster, or node roles; not the unrelated EC2 role.
    for kept in [
        "payments-api",
        "web-wrong-ns",
        "forgotten",
        "ng-node",
        "ghost-role",
        "partner-drop",
    ] {
        assert!(names.contains(kept), "{kept} missing from {names:?}");
    }
    assert!(!names.contains("unrelated"), "{names:?}");
    let role = |n: &str| inv.roles.iter().find(|r| r.name == n).expect("role");
    assert_eq!(role("ghost-role").status, ReadStatus::NotFound);
    assert_eq!(role("partner-drop").status, ReadStatus::Error);
    assert!(
        role("partner-drop")
            .error
            .as_deref()
            .is_some_and(|e| e.contains("444455556666"))
    );
    assert!(
        role("web-wrong-ns")
            .attached_policies
            .iter()
            .any(|p| p.admin),
        "customer policy * on * is admin"
    );
    assert!(
        role("payments-api")
            .attached_policies
            .iter()
            .all(|p| !p.admin)
    );
    assert_eq!(inv.node_roles.len(), 1);
    assert_eq!(inv.node_roles[0].sources, vec!["nodegroup/ng-1"]);

    // CloudTrail's evidence next (moto has no LookupEvents: unreadable, said as IRSA804's
    // state, with everything read before intact).
    irsa_tui::sources::aws::cloudtrail::fetch(
        &options(&moto),
        &irsa_tui::sources::aws::cloudtrail::TrailOptions::default(),
        &store,
        &calls,
    )
    .await;
    let after = store.inventory();
    assert_eq!(
        after.evidence.state,
        irsa_tui::inventory::TrailState::Failed,
        "{:?}",
        after.evidence
    );
    assert!(after.evidence.error.is_some());
    eprintln!(
        "TRAIL {:?} calls {}",
        after.evidence.error, after.evidence.calls
    );
    assert_eq!(
        after.roles, inv.roles,
        "the rest of what was read is intact"
    );
    assert!(calls.counts().contains_key("cloudtrail:LookupEvents"));

    // Every operation called is in the least-privilege IAM policy shipped in assets/.
    let allowed = least_privilege_actions();
    for op in counts_of(&calls) {
        assert!(
            allowed.contains(op),
            "{op} is called but not in assets/least-privilege/iam-policy.json"
        );
    }

    // The bulk read served the roles: no per-role reads for roles in the account listing.
    let counts = calls.counts();
    assert!(
        counts
            .get("iam:GetAccountAuthorizationDetails")
            .is_some_and(|n| *n >= 1),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("iam:ListAttachedRolePolicies"),
        None,
        "{counts:?}"
    );
    assert_eq!(
        counts.get("iam:GetRole"),
        Some(&1),
        "only the missing role is read one by one: {counts:?}"
    );

    // Policy documents: customer-managed ones come with the bulk pages; each distinct
    // AWS-managed one (attached or boundary) is read once.
    assert_policy_documents(&inv);
    let aws_managed = seeded_policy_arns()
        .iter()
        .filter(|a| a.starts_with("arn:aws:iam::aws:"))
        .count();
    assert_eq!(aws_managed, 5);
    assert_eq!(
        counts.get("iam:GetPolicy"),
        Some(&aws_managed),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("iam:GetPolicyVersion"),
        Some(&aws_managed),
        "{counts:?}"
    );

    // And analysis sees the broken bindings for what they are.
    let report = analyze(&inv, &Settings::default());
    let codes = |ns: &str, sa: &str| -> BTreeSet<Code> {
        report
            .bindings
            .iter()
            .find(|b| b.namespace == ns && b.service_account == sa)
            .map(|b| b.findings.iter().map(|f| f.code).collect())
            .unwrap_or_default()
    };
    assert!(
        codes("payments", "api").is_empty(),
        "{:?}",
        codes("payments", "api")
    );
    assert!(codes("payments", "web").contains(&Code::IRSA203));
    assert!(codes("payments", "web").contains(&Code::IRSA232));
    assert!(codes("orders", "archiver").contains(&Code::IRSA102));
    assert!(codes("legacy", "partner").contains(&Code::IRSA103));
    assert!(codes("batch", "exporter").contains(&Code::IRSA104));
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_calls_do_not_grow_with_roles() {
    let count_for = |extra: usize| async move {
        let moto = Moto::start();
        seed(&moto, extra).await;
        let store = store_with_service_accounts();
        let calls = CallLog::default();
        fetch(&options(&moto), &store, &calls).await;
        let kept = store.inventory().roles.len();
        eprintln!(
            "{extra} extra roles: {} calls {:?}",
            calls.total(),
            calls.counts()
        );
        (calls.total(), kept)
    };
    // IRSA_TUI_CALL_SIZES="100,1000" measures bigger accounts (slower to seed).
    let sizes: Vec<usize> = std::env::var("IRSA_TUI_CALL_SIZES")
        .ok()
        .and_then(|s| s.split(',').map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![20, 300]);
    let (few, many) = (sizes[0], sizes[sizes.len() - 1]);
    let (few_calls, few_roles) = count_for(few).await;
    let (many_calls, many_roles) = count_for(many).await;
    assert!(
        many_roles >= few_roles + (many - few),
        "the roles trusting the cluster are all kept"
    );
    assert_eq!(few_calls, many_calls, "calls must not grow with roles");
    assert!(many_calls < 40, "a few tens of calls: {many_calls}");
}

/// Roles trusting the cluster that all attach the same two AWS-managed policies: the policy
/// reads are two each whether 5 or 50 roles use them.
#[tokio::test(flavor = "multi_thread")]
async fn policy_reads_grow_with_distinct_policies_not_with_roles() {
    const SHARED: [&str; 2] = [
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    ];
    let run = |roles: usize| async move {
        let moto = Moto::start();
        let config = moto.config().await;
        let iam = aws_sdk_iam::Client::new(&config);
        let provider = moto::create_cluster(&config, true).await;
        for i in 0..roles {
            let name = format!("app-{i:03}");
            iam.create_role()
                .role_name(&name)
                .assume_role_policy_document(trust(
                    &provider,
                    &format!("system:serviceaccount:apps:{name}"),
                    true,
                ))
                .send()
                .await
                .expect("create role");
            for arn in SHARED {
                iam.attach_role_policy()
                    .role_name(&name)
                    .policy_arn(arn)
                    .send()
                    .await
                    .expect("attach");
            }
        }
        let store = Store::new();
        let calls = CallLog::default();
        fetch(&options(&moto), &store, &calls).await;
        let inv = store.inventory();
        eprintln!(
            "{roles} roles: {} calls {:?}",
            calls.total(),
            calls.counts()
        );
        assert_eq!(
            inv.roles.len(),
            roles,
            "every role trusting the cluster is kept"
        );
        let arns: Vec<&str> = inv
            .managed_policies
            .iter()
            .map(|p| p.arn.as_str())
            .collect();
        let mut expected = SHARED.to_vec();
        expected.sort();
        assert_eq!(arns, expected);
        assert!(
            inv.managed_policies
                .iter()
                .all(|p| p.document.is_some() && p.error.is_none()),
            "{:?}",
            inv.managed_policies
        );
        calls.counts()
    };
    let few = run(5).await;
    let many = run(50).await;
    for op in ["iam:GetPolicy", "iam:GetPolicyVersion"] {
        assert_eq!(few.get(op), Some(&2), "{op} with 5 roles: {few:?}");
        assert_eq!(many.get(op), Some(&2), "{op} with 50 roles: {many:?}");
    }
    assert_eq!(few, many, "no call grows with the roles");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_aws_is_recorded_not_raised() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let store = store_with_service_accounts();
    let calls = CallLog::default();
    let opts = AwsOptions {
        region: Some("us-east-1".into()),
        cluster: "prod".into(),
        // Nothing listens there.
        endpoint_url: Some(format!("http://{closed}")),
        credentials: Some(Moto::credentials()),
        ..Default::default()
    };
    fetch(&opts, &store, &calls).await;
    let inv = store.inventory();
    assert!(!inv.aws.reachable);
    assert!(
        inv.aws
            .error
            .as_deref()
            // Refused, or (on a loaded machine, the retries of the refusals outlasting the
            // first call's deadline) no answer in time: either way, where and what to check.
            .is_some_and(|e| e == format!(
                "cannot reach STS at http://{closed} (region us-east-1): the connection was refused; check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
            ) || e == format!(
                "STS at http://{closed} (region us-east-1) did not answer sts:GetCallerIdentity in time: check the network, the proxy (HTTPS_PROXY, NO_PROXY) or the VPC endpoint"
            )),
        "{:?}",
        inv.aws.error
    );
    let report = analyze(&inv, &Settings::default());
    assert!(
        report
            .cluster_findings
            .iter()
            .any(|f| f.code == Code::IRSA603)
    );
}

/// Where `GetAccountAuthorizationDetails` is denied, roles are read one by one (ListRoles,
/// then GetRole and its policies), and the result is the same.
#[tokio::test(flavor = "multi_thread")]
async fn falls_back_to_per_role_reads_when_the_bulk_read_is_denied() {
    // moto enforces IAM authorization once its first 400 requests are spent.
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "400")]);
    let provider = seed(&moto, 0).await;
    let config = moto.config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_user()
        .user_name("reader")
        .send()
        .await
        .expect("user");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:GetAccountAuthorizationDetails", "Resource": "*"}
        ]
    });
    iam.put_user_policy()
        .user_name("reader")
        .policy_name("read-but-not-in-bulk")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("user policy");
    let key = iam
        .create_access_key()
        .user_name("reader")
        .send()
        .await
        .expect("access key");
    let key = key.access_key().expect("key");
    let reader = aws_sdk_sts::config::Credentials::new(
        key.access_key_id(),
        key.secret_access_key(),
        None,
        None,
        "moto-reader",
    );
    // Spend the unauthenticated requests: from now on only real keys work.
    let sts = aws_sdk_sts::Client::new(&config);
    let mut spent = 0;
    while sts.get_caller_identity().send().await.is_ok() {
        spent += 1;
        assert!(spent < 500, "moto never started enforcing authorization");
    }

    let store = store_with_service_accounts();
    // With authorization enforced, moto rejects the signature of EKS's REST calls (IAM's
    // are fine), so the cluster facts EKS would give are loaded here.
    store.update(|d| {
        d.cluster.oidc_issuer = Some(format!("https://{provider}"));
        d.add_node_role(
            &format!("arn:aws:iam::{ACCOUNT}:role/ng-node"),
            "nodegroup/ng-1".into(),
        );
    });
    let calls = CallLog::default();
    let opts = AwsOptions {
        credentials: Some(reader),
        ..options(&moto)
    };
    fetch(&opts, &store, &calls).await;
    let inv = store.inventory();
    let counts = calls.counts();
    assert!(inv.aws.reachable, "{:?}", inv.aws);
    assert!(
        counts.contains_key("iam:ListRoles"),
        "fell back: {counts:?}"
    );
    assert!(
        counts.get("iam:GetRole").is_some_and(|n| *n >= 4),
        "{counts:?}"
    );
    let role = |n: &str| inv.roles.iter().find(|r| r.name == n).expect("role");
    for kept in ["payments-api", "web-wrong-ns", "forgotten", "ng-node"] {
        assert_eq!(role(kept).status, ReadStatus::Ok, "{kept}");
    }
    assert!(inv.roles.iter().all(|r| r.name != "unrelated"));
    assert_eq!(role("ghost-role").status, ReadStatus::NotFound);
    assert!(
        role("web-wrong-ns")
            .attached_policies
            .iter()
            .any(|p| p.admin)
    );
    assert!(role("payments-api").trust_policy.is_some());
    // Every distinct managed policy (customer or AWS, attached or boundary) read once,
    // however many roles use it.
    assert_policy_documents(&inv);
    let distinct = seeded_policy_arns().len();
    assert_eq!(counts.get("iam:GetPolicy"), Some(&distinct), "{counts:?}");
    assert_eq!(
        counts.get("iam:GetPolicyVersion"),
        Some(&distinct),
        "{counts:?}"
    );
    let allowed = least_privilege_actions();
    for op in counts_of(&calls) {
        assert!(
            allowed.contains(op),
            "{op} not in the least-privilege policy"
        );
    }
}

/// 30 AWS-managed policies moto knows, at the root path, in a stable order.
async fn thirty_aws_managed_policies(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Aws)
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .expect("list AWS-managed policies");
        arns.extend(
            page.policies()
                .iter()
                .filter(|p| p.path() == Some("/"))
                .filter_map(|p| p.arn().map(str::to_owned)),
        );
        match page.marker() {
            Some(m) if page.is_truncated() && marker.as_deref() != Some(m) => {
                marker = Some(m.to_owned());
            }
            _ => break,
        }
    }
    arns.sort();
    arns.dedup();
    assert!(
        arns.len() >= 30,
        "moto loads AWS-managed policies: {}",
        arns.len()
    );
    arns.truncate(30);
    arns
}

/// 100 roles trusting the cluster, each attaching 3 of 30 AWS-managed policies (all 30 in
/// use): each policy's document is read once (GetPolicy + GetPolicyVersion), and no call
/// grows from 10 roles using the same 30 policies to 100.
#[tokio::test(flavor = "multi_thread")]
async fn policy_reads_for_100_roles_and_30_aws_managed_policies() {
    let run = |roles: usize| async move {
        let moto = Moto::start();
        let config = moto.config().await;
        let iam = aws_sdk_iam::Client::new(&config);
        let provider = moto::create_cluster(&config, true).await;
        let policies = thirty_aws_managed_policies(&iam).await;
        let mut used: BTreeSet<String> = BTreeSet::new();
        for i in 0..roles {
            let name = format!("app-{i:03}");
            iam.create_role()
                .role_name(&name)
                .assume_role_policy_document(trust(
                    &provider,
                    &format!("system:serviceaccount:apps:{name}"),
                    true,
                ))
                .send()
                .await
                .expect("create role");
            for k in 0..3 {
                let arn = &policies[(3 * i + k) % policies.len()];
                iam.attach_role_policy()
                    .role_name(&name)
                    .policy_arn(arn)
                    .send()
                    .await
                    .expect("attach");
                used.insert(arn.clone());
            }
        }
        assert_eq!(used.len(), 30, "all 30 policies are attached somewhere");
        let store = Store::new();
        let calls = CallLog::default();
        fetch(&options(&moto), &store, &calls).await;
        let inv = store.inventory();
        assert!(inv.aws.reachable, "{:?}", inv.aws);
        assert_eq!(
            inv.roles.len(),
            roles,
            "every role trusting the cluster is kept"
        );
        assert!(
            inv.roles.iter().all(|r| r.attached_policies.len() == 3),
            "three policies per role"
        );
        let read: BTreeSet<String> = inv.managed_policies.iter().map(|p| p.arn.clone()).collect();
        assert_eq!(inv.managed_policies.len(), 30, "each policy once");
        assert_eq!(read, used, "exactly the 30 policies the roles use");
        for p in &inv.managed_policies {
            assert_eq!(p.error, None, "{}", p.arn);
            let doc = p.document.as_deref().expect("a document");
            irsa_tui::policy::PolicyDocument::parse(doc)
                .unwrap_or_else(|e| panic!("{}: unparsable document {e:?}", p.arn));
        }
        let counts = calls.counts();
        eprintln!(
            "{roles} roles, 30 AWS-managed policies: {} calls",
            calls.total()
        );
        eprintln!("| operation | calls ({roles} roles) |");
        eprintln!("|---|---|");
        for (op, n) in &counts {
            eprintln!("| {op} | {n} |");
        }
        counts
    };
    let few = run(10).await;
    let many = run(100).await;
    for (roles, counts) in [(10, &few), (100, &many)] {
        for op in ["iam:GetPolicy", "iam:GetPolicyVersion"] {
            assert_eq!(
                counts.get(op),
                Some(&30),
                "{op} with {roles} roles: {counts:?}"
            );
        }
        let bulk = counts
            .get("iam:GetAccountAuthorizationDetails")
            .copied()
            .unwrap_or(0);
        assert!(
            (1..=3).contains(&bulk),
            "the bulk read is a page or a few: {counts:?}"
        );
        assert_eq!(
            counts.get("iam:GetRole"),
            None,
            "no per-role reads: {counts:?}"
        );
        assert_eq!(
            counts.get("iam:ListAttachedRolePolicies"),
            None,
            "no per-role reads: {counts:?}"
        );
    }
    assert_eq!(few, many, "no call grows from 10 roles to 100");
}
