//! The live Kubernetes source against the fake API server, over real HTTP: connect from a
//! kubeconfig, spawn the watchers into a Store, and check what the inventory holds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::fake_kube::{FakeKube, Scope, objects};
use common::{eventually, within, yaml_fixture};
use irsa_tui::inventory::{Inventory, Names, Owner, SourceState, TokenVolume};
use irsa_tui::sources::kube::{self as live, reduce_pod};
use irsa_tui::sources::store::{LiveState, Store};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

const SETTLE: Duration = Duration::from_secs(30);

/// The watchers of one test; aborted when dropped.
struct Running {
    store: Arc<Store>,
    handles: Vec<JoinHandle<()>>,
    fake: FakeKube,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

impl Running {
    async fn start(fake: &FakeKube, namespaces: &[&str]) -> Running {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = fake.kubeconfig(dir.path());
        let connected = live::connect(Some(&kubeconfig), None, false)
            .await
            .expect("connects to the fake");
        assert_eq!(connected.context.as_deref(), Some("fake"));
        let store = Store::new();
        store.update(|d| connected.record(d));
        let namespaces: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
        let handles = live::spawn(connected.client, &namespaces, store.clone());
        // Every source is registered before spawn returns, so `settled` cannot be
        // vacuously true (pods and ServiceAccounts once per namespace given).
        let distinct: BTreeSet<&String> = namespaces.iter().collect();
        let expected = 4 + 2 * distinct.len().max(1);
        let registered = store.read(|d| d.sources.len());
        assert!(registered >= expected, "{registered} sources registered");
        Running {
            store,
            handles,
            fake: fake.clone(),
            _dir: dir,
        }
    }

    async fn settled(&self) -> Inventory {
        let store = self.store.clone();
        assert!(
            eventually(SETTLE, || store.settled()).await,
            "sources did not settle: {:?}",
            self.states()
        );
        self.store.inventory()
    }

    fn state(&self, resource: &str, namespace: Option<&str>) -> Option<LiveState> {
        self.store.read(|d| {
            d.sources
                .get(&(resource.to_owned(), namespace.map(str::to_owned)))
                .cloned()
        })
    }

    fn states(&self) -> Vec<((String, Option<String>), LiveState)> {
        self.store.read(|d| {
            d.sources
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
    }

    async fn until(&self, what: &str, check: impl Fn(&Inventory) -> bool) {
        let store = self.store.clone();
        assert!(
            eventually(SETTLE, || check(&store.inventory())).await,
            "{what}: never happened; states {:?}",
            self.states()
        );
    }

    fn pod_names(&self) -> BTreeSet<String> {
        self.store.read(|d| {
            d.pods
                .values()
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .collect()
        })
    }

    /// The invariants of every run: only GET, and only list/watch of the resources the
    /// ClusterRole grants (no get, no other resource, kube-system for the by-name reads).
    fn check_requests(&self) {
        assert_eq!(
            self.fake.non_get_requests(),
            0,
            "non-GET requests were made"
        );
        let allowed: BTreeSet<(&str, &str)> = [
            ("", "pods"),
            ("", "serviceaccounts"),
            ("", "nodes"),
            ("", "configmaps"),
            ("", "namespaces"),
            (
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
            ),
            ("apps", "daemonsets"),
        ]
        .into_iter()
        .collect();
        for r in self.fake.requests() {
            assert_eq!(r.method, "GET", "{r:?}");
            let access = r
                .access()
                .unwrap_or_else(|| panic!("not a resource request: {r:?}"));
            assert!(access.verb == "list" || access.verb == "watch", "{r:?}");
            assert!(allowed.contains(&(access.group, access.resource)), "{r:?}");
            if matches!(access.resource, "configmaps" | "daemonsets") {
                assert_eq!(access.namespace.as_deref(), Some("kube-system"), "{r:?}");
                assert!(r.param("fieldSelector").is_some(), "by name only: {r:?}");
            }
            if access.resource == "namespaces" {
                assert_eq!(access.verb, "list", "{r:?}");
            }
            if access.verb == "watch" {
                assert_eq!(r.param("allowWatchBookmarks"), Some("true"), "{r:?}");
                assert!(r.param("resourceVersion").is_some(), "{r:?}");
            } else if access.resource != "namespaces" {
                assert_eq!(r.param("limit"), Some("500"), "paginated: {r:?}");
            }
            let metadata_only = !matches!(access.resource, "pods" | "configmaps");
            assert_eq!(r.metadata_only(), metadata_only, "{r:?}");
        }
    }
}

fn synced(state: Option<LiveState>) -> Option<usize> {
    match state {
        Some(LiveState::Synced { count }) => Some(count),
        _ => None,
    }
}

fn pods_in(ns: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| objects::pod(ns, &format!("p-{i:04}"), "default"))
        .collect()
}

fn cluster_basics() -> common::fake_kube::FakeKubeBuilder {
    FakeKube::builder()
        .nodes([
            objects::node("ip-10-0-12-34.us-east-1.compute.internal", Some("ng-general")),
            objects::node("ip-10-0-33-7.us-east-1.compute.internal", None),
        ])
        .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
        .daemon_sets([objects::daemon_set("kube-system", "eks-pod-identity-agent")])
        .config_maps([
            objects::aws_auth(
                "- rolearn: arn:aws:iam::111122223333:role/eks-node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n- rolearn: arn:aws:iam::111122223333:role/admin\n  username: admin\n  groups: [system:masters]\n",
            ),
            objects::config_map("kube-system", "coredns"),
        ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reduces_the_fixture_pods_and_reads_every_source() {
    let irsa = yaml_fixture("pod-irsa-injected.yaml");
    let pod_identity = yaml_fixture("pod-pod-identity-injected.yaml");
    let names = &mut Names::default();
    let expected_irsa = reduce_pod(&serde_json::from_value(irsa.clone()).expect("a Pod"), names);
    let expected_pi = reduce_pod(
        &serde_json::from_value(pod_identity.clone()).expect("a Pod"),
        names,
    );
    let fake = cluster_basics()
        .pods([irsa, pod_identity])
        .service_accounts([
            objects::service_account(
                "production",
                "s3-writer",
                Some("arn:aws:iam::111122223333:role/S3WriterRole"),
            ),
            json!({"metadata": {"name": "reporter", "namespace": "analytics", "annotations": {
                "eks.amazonaws.com/audience": "sts.amazonaws.com",
                "eks.amazonaws.com/token-expiration": "3600",
                "eks.amazonaws.com/sts-regional-endpoints": "true",
                "unrelated": "x"
            }}}),
        ])
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;

    assert_eq!(inv.context.as_deref(), Some("fake"));
    assert_eq!(inv.pods.len(), 2);
    let s3 = inv
        .pods
        .iter()
        .find(|p| p.name == "s3-writer-7c9f8d6b5-x7k2p")
        .expect("the IRSA pod");
    assert_eq!(s3, &expected_irsa);
    assert_eq!(s3.namespace, "production");
    assert_eq!(s3.service_account, "s3-writer");
    assert_eq!(s3.created.as_deref(), Some("2026-10-02T08:14:51Z"));
    assert_eq!(
        s3.owner,
        Some(Owner {
            kind: "Deployment".into(),
            name: "s3-writer".into()
        })
    );
    assert_eq!(
        s3.containers[0].aws_role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/S3WriterRole")
    );
    assert_eq!(
        s3.token_volume,
        Some(TokenVolume {
            audience: Some("sts.amazonaws.com".into()),
            expiration_seconds: Some(86400)
        })
    );
    assert!(s3.irsa_injected());
    let reporter = inv
        .pods
        .iter()
        .find(|p| p.namespace == "analytics")
        .expect("the Pod Identity pod");
    assert_eq!(reporter, &expected_pi);
    assert!(reporter.pod_identity_injected() && !reporter.irsa_injected());

    assert_eq!(inv.service_accounts.len(), 2);
    let sa = &inv.service_accounts[1];
    assert_eq!(
        (sa.namespace.as_str(), sa.name.as_str()),
        ("production", "s3-writer")
    );
    assert_eq!(
        sa.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/S3WriterRole")
    );
    assert!(sa.uid.is_some() && sa.created.is_some());
    let rep = &inv.service_accounts[0];
    assert_eq!(rep.role_arn, None);
    assert_eq!(rep.audience.as_deref(), Some("sts.amazonaws.com"));
    assert_eq!(rep.token_expiration.as_deref(), Some("3600"));
    assert_eq!(rep.sts_regional_endpoints.as_deref(), Some("true"));

    let nodes: Vec<(&str, Option<&str>)> = inv
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.nodegroup.as_deref()))
        .collect();
    assert_eq!(
        nodes,
        [
            (
                "ip-10-0-12-34.us-east-1.compute.internal",
                Some("ng-general")
            ),
            ("ip-10-0-33-7.us-east-1.compute.internal", None)
        ]
    );
    assert_eq!(inv.webhook_present, Some(true));
    assert_eq!(inv.pod_identity_agent_present, Some(true));
    assert_eq!(inv.node_roles.len(), 1);
    assert_eq!(
        inv.node_roles[0].role_arn,
        "arn:aws:iam::111122223333:role/eks-node"
    );
    assert_eq!(inv.node_roles[0].sources, ["aws-auth"]);

    assert!(
        inv.sources.iter().all(|s| s.state == SourceState::Ok),
        "{:?}",
        inv.sources
    );
    assert_eq!(synced(run.state("pods", None)), Some(2));
    assert_eq!(synced(run.state("serviceaccounts", None)), Some(2));
    assert_eq!(synced(run.state("nodes", None)), Some(2));
    assert_eq!(
        synced(run.state("configmaps/aws-auth", Some("kube-system"))),
        Some(1)
    );
    assert_eq!(
        synced(run.state("mutatingwebhookconfigurations", None)),
        Some(1)
    );
    assert_eq!(
        synced(run.state("daemonsets/eks-pod-identity-agent", Some("kube-system"))),
        Some(1)
    );
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginates_1200_pods_in_pages_of_500() {
    let pods: Vec<Value> = ["a", "b", "c"]
        .iter()
        .flat_map(|ns| pods_in(ns, 400))
        .collect();
    let fake = cluster_basics()
        .pods(pods)
        .slow("pods", Duration::from_millis(50))
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;
    assert_eq!(inv.pods.len(), 1200);
    assert_eq!(synced(run.state("pods", None)), Some(1200));
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/pods" && !r.is_watch())
        .collect();
    assert_eq!(lists.len(), 3, "{lists:?}");
    assert!(lists.iter().all(|r| r.param("limit") == Some("500")));
    assert_eq!(lists[0].param("continue"), None);
    assert!(lists[1].param("continue").is_some() && lists[2].param("continue").is_some());
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_added_modified_and_deleted_while_watching() {
    let fake = cluster_basics().pods(pods_in("shop", 3)).start().await;
    let run = Running::start(&fake, &[]).await;
    run.settled().await;

    fake.apply(
        "pods",
        objects::irsa_pod("shop", "late", "api", "arn:aws:iam::111122223333:role/api"),
    );
    run.until("the new pod appears", |inv| {
        inv.pods
            .iter()
            .any(|p| p.name == "late" && p.irsa_injected())
    })
    .await;
    assert_eq!(synced(run.state("pods", None)), Some(4));

    let mut changed = objects::pod("shop", "p-0000", "default");
    changed["status"]["phase"] = json!("Succeeded");
    fake.apply("pods", changed);
    run.until("the modification shows", |inv| {
        inv.pods
            .iter()
            .any(|p| p.name == "p-0000" && p.phase.as_deref() == Some("Succeeded"))
    })
    .await;

    assert!(fake.delete("pods", "shop", "p-0001"));
    run.until("the deleted pod disappears", |inv| {
        !inv.pods.iter().any(|p| p.name == "p-0001")
    })
    .await;
    assert_eq!(synced(run.state("pods", None)), Some(3));

    fake.apply(
        "serviceaccounts",
        objects::service_account("shop", "api", Some("arn:aws:iam::111122223333:role/api")),
    );
    run.until("the new ServiceAccount appears", |inv| {
        inv.service_accounts
            .iter()
            .any(|s| s.name == "api" && s.role_arn.is_some())
    })
    .await;
    fake.apply(
        "nodes",
        objects::node("ip-10-0-99-9.us-east-1.compute.internal", Some("ng-spot")),
    );
    run.until("the new node appears", |inv| {
        inv.nodes
            .iter()
            .any(|n| n.nodegroup.as_deref() == Some("ng-spot"))
    })
    .await;
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_410_relists_without_ghosts() {
    let fake = cluster_basics()
        .pods(pods_in("shop", 3))
        .service_accounts([
            objects::service_account("shop", "keep", None),
            objects::service_account("shop", "gone", None),
        ])
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    run.settled().await;
    let watches = |fake: &FakeKube| {
        fake.requests()
            .iter()
            .filter(|r| r.path == "/api/v1/pods" && r.is_watch())
            .count()
    };
    assert!(
        eventually(SETTLE, || watches(&fake) >= 1).await,
        "the pod watch never opened"
    );

    // While the watches are cut off, objects change; the history is compacted, so the
    // watchers get 410 Gone and must relist to see it.
    fake.expire(|gap| {
        gap.delete("pods", "shop", "p-0001");
        gap.apply("pods", objects::pod("shop", "p-new", "default"));
        gap.delete("serviceaccounts", "shop", "gone");
    });
    run.until("the relist replaces the pods", |inv| {
        let names: Vec<&str> = inv.pods.iter().map(|p| p.name.as_str()).collect();
        names == ["p-0000", "p-0002", "p-new"]
    })
    .await;
    run.until("the deleted ServiceAccount is gone", |inv| {
        inv.service_accounts
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            == ["keep"]
    })
    .await;
    assert_eq!(synced(run.state("pods", None)), Some(3));
    assert_eq!(synced(run.state("serviceaccounts", None)), Some(1));
    let inv = run.store.inventory();
    assert!(
        inv.sources.iter().all(|s| s.state == SourceState::Ok),
        "{:?}",
        inv.sources
    );
    let lists = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods" && !r.is_watch())
        .count();
    assert!(lists >= 2, "relisted after 410 ({lists} lists)");

    // Watches resumed after the relist: live events flow again.
    fake.apply("pods", objects::pod("shop", "after", "default"));
    run.until("events after the relist", |inv| {
        inv.pods.iter().any(|p| p.name == "after")
    })
    .await;
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_watch_connections_resume() {
    let fake = cluster_basics()
        .pods(pods_in("shop", 2))
        .max_watch_timeout(Duration::from_secs(1))
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    run.settled().await;
    // Watches end at the server's timeout and are re-opened from the last resourceVersion.
    assert!(
        eventually(SETTLE, || {
            fake.requests()
                .iter()
                .filter(|r| r.path == "/api/v1/pods" && r.is_watch())
                .count()
                >= 2
        })
        .await,
        "the pod watch was not renewed"
    );
    assert!(eventually(SETTLE, || fake.open_watches() >= 6).await);
    fake.drop_watches();
    fake.apply("pods", objects::pod("shop", "after-drop", "default"));
    run.until("the event after the dropped connection", |inv| {
        inv.pods.iter().any(|p| p.name == "after-drop")
    })
    .await;
    let lists = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods" && !r.is_watch())
        .count();
    assert_eq!(lists, 1, "resumed from the resourceVersion, no relist");
    let inv = run.store.inventory();
    assert!(
        inv.sources.iter().all(|s| s.state == SourceState::Ok),
        "{:?}",
        inv.sources
    );
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_cluster_wide_pods_fall_back_to_listable_namespaces() {
    let pods: Vec<Value> = ["team-a", "team-b", "secret"]
        .iter()
        .flat_map(|ns| pods_in(ns, 2))
        .collect();
    let fake = cluster_basics()
        .pods(pods)
        .service_accounts([objects::service_account("team-a", "api", None)])
        .forbid("pods", Scope::Cluster)
        .forbid("pods", Scope::ns("secret"))
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;

    let names: Vec<String> = run.pod_names().into_iter().collect();
    assert_eq!(
        names,
        [
            "team-a/p-0000",
            "team-a/p-0001",
            "team-b/p-0000",
            "team-b/p-0001"
        ]
    );
    match run.state("pods", None) {
        Some(LiveState::Forbidden { message }) => {
            assert!(
                message.contains("pods") && message.contains("cluster-wide"),
                "{message}"
            );
            assert!(message.contains("one by one"), "{message}");
        }
        other => panic!("cluster-wide pods: {other:?}"),
    }
    match run.state("pods", Some("secret")) {
        Some(LiveState::Forbidden { message }) => {
            assert!(message.contains("pods in namespace secret"), "{message}")
        }
        other => panic!("pods in secret: {other:?}"),
    }
    assert_eq!(synced(run.state("pods", Some("team-a"))), Some(2));
    assert_eq!(synced(run.state("pods", Some("kube-system"))), Some(0));
    // The other sources are unaffected.
    assert_eq!(synced(run.state("serviceaccounts", None)), Some(1));
    assert_eq!(inv.webhook_present, Some(true));
    let forbidden: Vec<(String, Option<String>)> = inv
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Forbidden)
        .map(|s| (s.resource.clone(), s.namespace.clone()))
        .collect();
    assert_eq!(
        forbidden,
        [
            ("pods".to_owned(), None),
            ("pods".to_owned(), Some("secret".to_owned()))
        ]
    );
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces")
    );
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_given_are_watched_alone_and_forbidden_ones_recorded() {
    let pods: Vec<Value> = ["team-a", "team-b", "secret"]
        .iter()
        .flat_map(|ns| pods_in(ns, 2))
        .collect();
    let fake = cluster_basics()
        .pods(pods)
        .service_accounts([
            objects::service_account("team-a", "api", None),
            objects::service_account("team-b", "web", None),
        ])
        .forbid("pods", Scope::Cluster)
        .forbid("pods", Scope::ns("secret"))
        .start()
        .await;
    let run = Running::start(&fake, &["team-a", "secret", "team-a"]).await;
    let inv = run.settled().await;

    let names: Vec<String> = run.pod_names().into_iter().collect();
    assert_eq!(names, ["team-a/p-0000", "team-a/p-0001"]);
    assert_eq!(inv.service_accounts.len(), 1);
    match run.state("pods", Some("secret")) {
        Some(LiveState::Forbidden { message }) => assert!(message.contains("pods"), "{message}"),
        other => panic!("pods in secret: {other:?}"),
    }
    assert_eq!(
        run.state("pods", None),
        None,
        "no cluster-wide pod source with -n"
    );
    assert_eq!(
        synced(run.state("serviceaccounts", Some("secret"))),
        Some(0)
    );
    // Nothing cluster-wide was asked for pods or ServiceAccounts, nor namespaces listed.
    for r in fake.requests() {
        assert!(
            !matches!(
                r.path.as_str(),
                "/api/v1/pods" | "/api/v1/serviceaccounts" | "/api/v1/namespaces"
            ),
            "{r:?}"
        );
    }
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlistable_namespaces_are_recorded() {
    let fake = cluster_basics()
        .pods(pods_in("team-a", 2))
        .forbid("pods", Scope::Cluster)
        .forbid("namespaces", Scope::Cluster)
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;
    assert!(inv.pods.is_empty());
    match run.state("pods", None) {
        Some(LiveState::Forbidden { message }) => {
            assert!(
                message.contains("pods") && message.contains("namespaces"),
                "{message}"
            );
            assert!(message.contains("-n NAMESPACE"), "{message}");
        }
        other => panic!("cluster-wide pods: {other:?}"),
    }
    assert!(matches!(
        run.state("namespaces", None),
        Some(LiveState::Forbidden { .. })
    ));
    assert_eq!(synced(run.state("serviceaccounts", None)), Some(0));
    assert_eq!(synced(run.state("nodes", None)), Some(2));

    // RBAC granted later: the cluster-wide watch, still retrying, recovers.
    fake.allow("pods", Scope::Cluster);
    run.until("pods once allowed", |inv| inv.pods.len() == 2)
        .await;
    assert_eq!(synced(run.state("pods", None)), Some(2));
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_errors_recover_without_a_failed_state() {
    let fake = cluster_basics()
        .pods(pods_in("shop", 5))
        .fail_next("pods", 1, 500)
        .fail_next("serviceaccounts", 2, 503)
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    // Every state the sources go through is recorded.
    let seen: Arc<Mutex<Vec<LiveState>>> = Arc::default();
    let watcher = {
        let store = run.store.clone();
        let seen = seen.clone();
        let mut rx = store.subscribe();
        tokio::spawn(async move {
            loop {
                let states: Vec<LiveState> = store.read(|d| d.sources.values().cloned().collect());
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(states);
                if rx.changed().await.is_err() {
                    return;
                }
            }
        })
    };
    let inv = run.settled().await;
    assert_eq!(inv.pods.len(), 5);
    assert!(
        inv.sources.iter().all(|s| s.state == SourceState::Ok),
        "{:?}",
        inv.sources
    );
    watcher.abort();
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        !seen
            .iter()
            .any(|s| matches!(s, LiveState::Failed { .. } | LiveState::Forbidden { .. })),
        "{seen:?}"
    );
    let failed = fake.requests().iter().filter(|r| r.status >= 500).count();
    assert_eq!(failed, 3, "the injected failures were served");
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_keeps_failing_shows_failed_then_recovers() {
    let fake = cluster_basics()
        .pods(pods_in("shop", 1))
        .fail_always("nodes", 500)
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;
    // A 5xx is the API server not answering, not RBAC.
    match run.state("nodes", None) {
        Some(LiveState::Unreachable { message, .. }) => {
            assert!(
                message.contains("nodes") && message.contains("500"),
                "{message}"
            )
        }
        other => panic!("nodes: {other:?}"),
    }
    let failing: Vec<&str> = inv
        .sources
        .iter()
        .filter(|s| s.state != SourceState::Ok)
        .map(|s| s.resource.as_str())
        .collect();
    assert_eq!(failing, ["nodes"], "the other sources keep running");
    assert_eq!(inv.pods.len(), 1);

    fake.heal("nodes");
    run.until("nodes recover", |inv| inv.nodes.len() == 2).await;
    assert_eq!(synced(run.state("nodes", None)), Some(2));
    run.check_requests();
}

/// The API server stops (a crash, the VPN drops): every source turns `Unreachable` — not
/// `Forbidden`, not one RBAC finding per source — the data read stays, and the capture time
/// stops at the last moment the data was known current instead of advancing over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_that_stops_answering_leaves_the_data_stale_since_then() {
    use irsa_tui::analysis::{Code, Settings, analyze};
    let fake = cluster_basics().pods(pods_in("shop", 3)).start().await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;
    assert!(inv.sources.iter().all(|s| s.state == SourceState::Ok));
    let before = irsa_tui::time::now_secs();
    fake.stop();
    run.until("every source gets no answer", |inv| {
        inv.sources
            .iter()
            .all(|s| s.state == SourceState::Unreachable)
    })
    .await;
    let inv = run.store.inventory();
    assert_eq!(inv.pods.len(), 3, "what was read stays");
    for s in &inv.sources {
        let message = s.message.as_deref().unwrap_or_default();
        assert!(
            message.contains("refused") || message.contains("cut"),
            "{}: {message}",
            s.resource
        );
    }
    let since = inv
        .sources
        .iter()
        .filter_map(|s| s.unreachable_since.as_deref())
        .min()
        .expect("since when")
        .to_owned();
    let at = irsa_tui::time::parse_rfc3339(&since).expect("a time");
    assert!(at >= before, "stale from the stop on");
    assert_eq!(inv.captured_at.as_deref(), Some(since.as_str()));
    // Taken again a second later, the capture time has not moved.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        run.store.inventory().captured_at.as_deref(),
        Some(since.as_str())
    );

    let report = analyze(&inv, &Settings::default());
    let irsa602: Vec<_> = report
        .cluster_findings
        .iter()
        .filter(|f| f.code == Code::IRSA602)
        .collect();
    assert_eq!(
        irsa602.len(),
        1,
        "one finding, not one per source: {irsa602:#?}"
    );
    let f = irsa602[0];
    assert!(
        f.title
            .starts_with("The Kubernetes API server is not answering since ")
            && f.title.ends_with("UTC: the data shown is from then"),
        "{}",
        f.title
    );
    assert!(f.detail.contains("This is not RBAC"), "{}", f.detail);
    assert_eq!(f.evidence["state"], "unreachable");
    assert_eq!(f.evidence["since"], since.as_str());
    assert_eq!(
        f.evidence["resources"].as_array().map(Vec::len),
        Some(inv.sources.len())
    );
    assert_eq!(f.fix.texts()[0], "kubectl get --raw /readyz");
    for line in f.fix.texts() {
        assert!(
            !line.contains("auth can-i") && !line.contains("clusterrole"),
            "{line}"
        );
    }
    run.check_requests();
}

/// The API server answers again (restarted on the same address, with one pod more): every
/// source is current again, the change made meanwhile is read, the capture time moves on
/// from the stale one and IRSA602 is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_that_answers_again_brings_the_data_back() {
    use irsa_tui::analysis::{Code, Settings, analyze};
    let fake = cluster_basics().pods(pods_in("shop", 3)).start().await;
    let run = Running::start(&fake, &[]).await;
    run.settled().await;
    fake.stop();
    run.until("every source gets no answer", |inv| {
        inv.sources
            .iter()
            .all(|s| s.state == SourceState::Unreachable)
    })
    .await;
    let stale = run.store.inventory().captured_at.expect("a capture time");
    let back = cluster_basics()
        .pods(pods_in("shop", 4))
        .port(fake.addr().port())
        .start()
        .await;
    run.until("every source answers again, with the new pod", |inv| {
        inv.pods.len() == 4
            && inv
                .sources
                .iter()
                .all(|s| s.state == SourceState::Ok && s.unreachable_since.is_none())
    })
    .await;
    let inv = run.store.inventory();
    let now = inv.captured_at.clone().expect("a capture time");
    assert!(
        irsa_tui::time::parse_rfc3339(&now) > irsa_tui::time::parse_rfc3339(&stale),
        "the capture time moves on: {stale} then {now}"
    );
    let report = analyze(&inv, &Settings::default());
    assert!(
        report
            .cluster_findings
            .iter()
            .all(|f| f.code != Code::IRSA602),
        "{:#?}",
        report.cluster_findings
    );
    assert_eq!(back.non_get_requests(), 0, "non-GET requests were made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_auth_webhook_and_agent_presence() {
    // No webhook, no agent, and an aws-auth that is not YAML.
    let fake = FakeKube::builder()
        .config_maps([objects::aws_auth("- rolearn: [unclosed")])
        .mutating_webhooks([objects::mutating_webhook("vpc-resource-mutating-webhook")])
        .daemon_sets([objects::daemon_set("kube-system", "aws-node")])
        .start()
        .await;
    let run = Running::start(&fake, &[]).await;
    let inv = run.settled().await;
    assert_eq!(inv.webhook_present, Some(false));
    assert_eq!(inv.pod_identity_agent_present, Some(false));
    assert!(inv.node_roles.is_empty());
    match run.state("configmaps/aws-auth", Some("kube-system")) {
        Some(LiveState::Failed { message }) => assert!(message.contains("mapRoles"), "{message}"),
        other => panic!("aws-auth: {other:?}"),
    }

    // Fixed, then the webhook and the agent are installed: all seen live.
    fake.apply(
        "configmaps",
        objects::aws_auth(
            "- rolearn: arn:aws:iam::111122223333:role/ng-a\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::111122223333:role/ng-b\n  groups: [system:nodes]\n",
        ),
    );
    fake.apply(
        "mutatingwebhookconfigurations",
        objects::mutating_webhook("pod-identity-webhook"),
    );
    fake.apply(
        "daemonsets",
        objects::daemon_set("kube-system", "eks-pod-identity-agent"),
    );
    run.until("aws-auth roles, webhook and agent", |inv| {
        inv.node_roles.len() == 2
            && inv.webhook_present == Some(true)
            && inv.pod_identity_agent_present == Some(true)
    })
    .await;
    assert_eq!(
        synced(run.state("configmaps/aws-auth", Some("kube-system"))),
        Some(1)
    );
    // Node roles from other sources are left alone when aws-auth changes.
    run.store
        .update(|d| d.add_node_role("arn:aws:iam::111122223333:role/ng-a", "nodegroup/a".into()));

    assert!(fake.delete("configmaps", "kube-system", "aws-auth"));
    assert!(fake.delete("mutatingwebhookconfigurations", "", "pod-identity-webhook"));
    run.until("aws-auth roles and webhook removed", |inv| {
        inv.node_roles.len() == 1 && inv.webhook_present == Some(false)
    })
    .await;
    let inv = run.store.inventory();
    assert_eq!(inv.node_roles[0].sources, ["nodegroup/a"]);
    // Other ConfigMaps and DaemonSets are never read: the field selector names the object.
    assert!(fake.requests().iter().all(|r| {
        !matches!(
            r.access().map(|a| a.resource),
            Some("configmaps" | "daemonsets")
        ) || r
            .param("fieldSelector")
            .is_some_and(|f| f.starts_with("metadata.name="))
    }));
    run.check_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_speaks_list_and_watch_like_the_api_server() {
    use axum::http::Request;
    use futures::StreamExt;
    use kube::core::WatchEvent;

    let fake = FakeKube::builder()
        .pods(pods_in("ns", 3))
        .bookmark_interval(Duration::from_millis(100))
        .start()
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let connected = live::connect(Some(&fake.kubeconfig(dir.path())), None, false)
        .await
        .expect("connects");
    let client = connected.client;
    let get = |uri: &str, accept: &str| {
        Request::get(uri)
            .header("Accept", accept)
            .body(Vec::new())
            .expect("request")
    };

    // Pagination over a consistent snapshot, metadata-only lists.
    let page: Value = client
        .request(get(
            "/api/v1/namespaces/ns/pods?limit=2",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        ))
        .await
        .expect("first page");
    assert_eq!(page["kind"], "PartialObjectMetadataList");
    assert_eq!(page["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["items"][0]["kind"], "PartialObjectMetadata");
    assert!(page["items"][0].get("spec").is_none());
    assert_eq!(page["metadata"]["remainingItemCount"], 1);
    let list_rv = page["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_owned();
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_owned();
    fake.apply("pods", objects::pod("ns", "p-9999", "default"));
    let rest: Value = client
        .request(get(
            &format!("/api/v1/namespaces/ns/pods?limit=2&continue={token}"),
            "application/json",
        ))
        .await
        .expect("second page");
    assert_eq!(rest["kind"], "PodList");
    assert_eq!(
        rest["items"].as_array().map(Vec::len),
        Some(1),
        "snapshot, not the new pod"
    );
    assert_eq!(rest["items"][0]["metadata"]["name"], "p-0002");
    assert_eq!(
        rest["metadata"]["resourceVersion"].as_str(),
        Some(list_rv.as_str())
    );

    // A watch from the list's resourceVersion replays what happened since, then bookmarks.
    let events = client
        .request_events::<Value>(get(
            &format!("/api/v1/namespaces/ns/pods?watch=true&resourceVersion={list_rv}&allowWatchBookmarks=true&timeoutSeconds=1"),
            "application/json",
        ))
        .await
        .expect("watch");
    let events: Vec<WatchEvent<Value>> = within(
        Duration::from_secs(10),
        "the watch times out",
        events.collect::<Vec<_>>(),
    )
    .await
    .into_iter()
    .collect::<Result<_, _>>()
    .expect("events");
    assert!(
        matches!(&events[0], WatchEvent::Added(p) if p["metadata"]["name"] == "p-9999" && p["kind"] == "Pod")
    );
    assert!(
        events.iter().any(|e| matches!(e, WatchEvent::Bookmark(_))),
        "bookmarks"
    );

    // Expired continue tokens and resourceVersions: 410.
    let page: Value = client
        .request(get("/api/v1/pods?limit=1", "application/json"))
        .await
        .expect("page");
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_owned();
    fake.expire_watches();
    let err = client
        .request::<Value>(get(
            &format!("/api/v1/pods?limit=1&continue={token}"),
            "application/json",
        ))
        .await
        .expect_err("expired token");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 410),
        "{err:?}"
    );
    let mut old = client
        .request_events::<Value>(get(
            &format!("/api/v1/pods?watch=true&resourceVersion={list_rv}"),
            "application/json",
        ))
        .await
        .expect("watch")
        .boxed();
    let first = within(Duration::from_secs(5), "the 410 event", old.next()).await;
    assert!(
        matches!(first, Some(Ok(WatchEvent::Error(ref s))) if s.code == 410),
        "{first:?}"
    );

    // Forbidden per scope, and non-GET requests are counted and refused.
    fake.forbid("pods", Scope::ns("ns"));
    let err = client
        .request::<Value>(get("/api/v1/namespaces/ns/pods", "application/json"))
        .await
        .expect_err("forbidden");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403 && s.message.contains("in the namespace \"ns\"")),
        "{err:?}"
    );
    let ok: Value = client
        .request(get("/api/v1/pods", "application/json"))
        .await
        .expect("cluster-wide still allowed");
    assert_eq!(ok["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(fake.non_get_requests(), 0);
    let delete = Request::delete("/api/v1/namespaces/ns/pods/p-0000")
        .body(Vec::new())
        .expect("request");
    assert!(client.request::<Value>(delete).await.is_err());
    assert_eq!(fake.non_get_requests(), 1);
    assert_eq!(fake.count("pods"), 4, "nothing was deleted");
    let log = fake.requests();
    let last = log.last().expect("logged");
    assert_eq!((last.method.as_str(), last.status), ("DELETE", 405));
}
