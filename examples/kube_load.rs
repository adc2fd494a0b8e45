//! Measurement tool (not a test): serves a cluster of N realistic pods (default 20,000,
//! about 3 KB of JSON each, IRSA-injected or not, like the reference fixtures) from the fake
//! Kubernetes API server of `tests/common`, writes a kubeconfig for it and waits, so that
//! `irsa-tui report` and `kubectl get pods -A -o json` can be timed against the same server
//! side by side.
//!
//! ```text
//! cargo run --release --example kube_load -- --pods 20000
//! ```
//!
//! Stop it with Ctrl-C: it prints how many requests it served (and that none was a write).
//!
//! `--churn 10 --churn-after 60` then deletes a pod or adds it back 10 times a second, from
//! a minute on (for the dashboard to sync first): `scripts/churn_cpu.sh` measures the
//! dashboard's CPU over that churn.
//! `--moto URL` also fills a moto server (IAM, EKS, STS) with the cluster `load`, its IAM
//! OIDC provider, the node role and `--roles` IRSA roles (default 100) whose trust policies
//! name the ServiceAccounts annotated with them, so that `report` reads AWS as well (run it
//! with `AWS_ENDPOINT_URL=URL AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
//! AWS_REGION=us-east-1`). `scripts/measure-memory.sh` does all of it.
//!
//! `--measure KUBECONFIG` runs the other side alone, in its own process: irsa-tui's
//! Kubernetes sources (connect, watchers, store) until every source has synced, then prints
//! the time, the peak RSS and the estimated size of the slim pods in the store.
//!
//! ```text
//! cargo run --release --example kube_load -- --measure /tmp/kubeconfig-PORT.yaml
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a development tool: it stops at the first failure"
)]

#[path = "../tests/common/fake_kube.rs"]
mod fake_kube;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fake_kube::{FakeKube, objects};
use serde_json::Value;

#[derive(Debug, Parser)]
#[command(about = "Serve a large fake EKS cluster for timing irsa-tui against kubectl")]
struct Args {
    /// Pods to serve.
    #[arg(long, default_value_t = 20_000)]
    pods: usize,
    /// Namespaces to spread them over.
    #[arg(long, default_value_t = 100)]
    namespaces: usize,
    /// Pods per Deployment (each Deployment has its own ServiceAccount).
    #[arg(long, default_value_t = 20)]
    replicas: usize,
    /// Percentage of Deployments whose ServiceAccount carries a role (their pods are
    /// IRSA-injected).
    #[arg(long, default_value_t = 60)]
    irsa_percent: usize,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Folder for the kubeconfig (default: a new temporary folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Churn pods once serving: this many watch events per second (0: none), each a pod
    /// deleted or the same pod added back, spread over the cluster.
    #[arg(long, default_value_t = 0)]
    churn: u32,
    /// Seconds to wait before churning (for the dashboard to sync).
    #[arg(long, default_value_t = 0)]
    churn_after: u64,
    /// IRSA roles the annotated ServiceAccounts share (the `n`th annotated ServiceAccount
    /// carries role `n % roles`).
    #[arg(long, default_value_t = 100)]
    roles: usize,
    /// Also create the cluster, its OIDC provider and the roles in this moto server.
    #[arg(long, value_name = "URL")]
    moto: Option<String>,
    /// Do not serve: time irsa-tui's Kubernetes sources against this kubeconfig.
    #[arg(long, value_name = "KUBECONFIG")]
    measure: Option<PathBuf>,
}

/// The account of the roles: moto's default account, so that the same cluster serves with
/// or without `--moto`.
const ACCOUNT: &str = "123456789012";
const CLUSTER: &str = "load";
const CLUSTER_ARN: &str = "arn:aws:eks:us-east-1:123456789012:cluster/load";

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(kubeconfig) = &args.measure {
        return measure(kubeconfig).await;
    }
    let namespaces = args.namespaces.max(1);
    let replicas = args.replicas.max(1);

    // About 30 pods per node, as on a cluster of m5.large-sized nodes; the scheduler
    // spreads a Deployment's replicas over them (pod `i` runs on node `i % nodes`).
    let node_names: Vec<String> = (0..(args.pods / 30).max(1))
        .map(|i| {
            format!(
                "ip-10-0-{}-{}.us-east-1.compute.internal",
                (i / 250) % 250,
                i % 250
            )
        })
        .collect();
    let mut pods: Vec<Value> = Vec::with_capacity(args.pods);
    let mut service_accounts: Vec<Value> = Vec::new();
    // Role name → the `system:serviceaccount:NS:NAME` subjects annotated with it.
    let mut subjects: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut deployment = 0usize;
    let mut annotated = 0usize;
    while pods.len() < args.pods {
        let ns = format!("team-{:03}", deployment % namespaces);
        let name = format!("svc-{deployment:05}");
        let role = (deployment % 100 < args.irsa_percent).then(|| {
            let role = format!("irsa-load-{:03}", annotated % args.roles.max(1));
            annotated += 1;
            subjects
                .entry(role.clone())
                .or_default()
                .push(format!("system:serviceaccount:{ns}:{name}"));
            format!("arn:aws:iam::{ACCOUNT}:role/{role}")
        });
        service_accounts.push(objects::service_account(&ns, &name, role.as_deref()));
        // A ReplicaSet creates its pods within the same second; Deployments were rolled
        // out a minute apart.
        let created = format!(
            "2026-10-{:02}T{:02}:{:02}:51Z",
            1 + deployment / 1440 % 28,
            deployment / 60 % 24,
            deployment % 60
        );
        for _ in 0..replicas.min(args.pods - pods.len()) {
            let i = pods.len();
            pods.push(objects::realistic_pod(
                &ns,
                &name,
                i,
                &name,
                role.as_deref(),
                &node_names[i % node_names.len()],
                &created,
            ));
        }
        deployment += 1;
    }
    let pod_bytes: usize = pods.iter().map(|p| p.to_string().len()).sum();
    // Kept to add back the pods the churn deletes.
    let churned: Vec<Value> = if args.churn > 0 {
        (0..pods.len())
            .step_by((pods.len() / 1_000).max(1))
            .map(|i| pods[i].clone())
            .collect()
    } else {
        Vec::new()
    };
    let nodes: Vec<Value> = node_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            objects::node(
                name,
                Some(if i % 3 == 0 { "ng-spot" } else { "ng-general" }),
            )
        })
        .collect();

    if let Some(url) = &args.moto {
        match seed_moto(url, &subjects).await {
            Ok(said) => println!("{said}"),
            Err(e) => {
                eprintln!("kube_load: cannot fill moto at {url}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    let started = FakeKube::builder()
        .port(args.port)
        .pods(pods)
        .service_accounts(service_accounts)
        .nodes(nodes)
        .config_maps([objects::aws_auth(&format!(
            "- rolearn: arn:aws:iam::{ACCOUNT}:role/eks-node\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups: [system:bootstrappers, system:nodes]\n"
        ))])
        .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
        .daemon_sets([objects::daemon_set("kube-system", "eks-pod-identity-agent")])
        .try_start()
        .await;
    let fake = match started {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kube_load: {e}");
            return ExitCode::FAILURE;
        }
    };

    let (dir, _temp) = match &args.dir {
        Some(d) => (d.clone(), None),
        None => match tempfile::tempdir() {
            Ok(t) => (t.path().to_path_buf(), Some(t)),
            Err(e) => {
                eprintln!("kube_load: cannot create a temporary folder: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("kube_load: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let kubeconfig = fake.kubeconfig_named(&dir, CLUSTER_ARN);

    println!(
        "fake API server on port {} ({}): {} pods in {} namespaces, {:.1} MB of pod JSON ({} bytes per pod on average), {} ServiceAccounts, {} nodes",
        fake.addr().port(),
        fake.url(),
        fake.count("pods"),
        fake.count("namespaces"),
        pod_bytes as f64 / 1e6,
        pod_bytes / args.pods.max(1),
        fake.count("serviceaccounts"),
        fake.count("nodes"),
    );
    println!("kubeconfig: {}", kubeconfig.display());
    println!();
    println!("time both, same server, same run:");
    println!(
        "  /usr/bin/time -v target/release/irsa-tui report --kubeconfig {} --no-aws --format json -o /tmp/report.json",
        kubeconfig.display()
    );
    println!(
        "  /usr/bin/time -v kubectl --kubeconfig {} get pods -A -o json > /dev/null",
        kubeconfig.display()
    );
    println!();
    println!("Ctrl-C to stop.");

    let fake = std::sync::Arc::new(fake);
    if args.churn > 0 && !churned.is_empty() {
        let (fake, rate, after) = (fake.clone(), args.churn, args.churn_after);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(after)).await;
            println!("churning: {rate} pod events per second");
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1) / rate.max(1));
            for n in 0usize.. {
                tick.tick().await;
                // Delete a pod, then add it back: the cluster stays the same size.
                let pod = &churned[(n / 2) % churned.len()];
                if n % 2 == 0 {
                    let meta = &pod["metadata"];
                    let (ns, name) = (
                        meta["namespace"].as_str().unwrap_or_default(),
                        meta["name"].as_str().unwrap_or_default(),
                    );
                    fake.delete("pods", ns, name);
                } else {
                    fake.apply("pods", pod.clone());
                }
            }
        });
    }

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("kube_load: cannot wait for Ctrl-C: {e}");
    }
    let requests = fake.requests();
    let lists = requests
        .iter()
        .filter(|r| r.access().is_some_and(|a| a.verb == "list"))
        .count();
    let watches = requests.iter().filter(|r| r.is_watch()).count();
    println!(
        "\nserved {} requests ({lists} list pages, {watches} watches); non-GET requests: {}",
        requests.len(),
        fake.non_get_requests()
    );
    ExitCode::SUCCESS
}

/// Creates cluster `load` (its issuer registered as an IAM OIDC provider), the node role
/// `eks-node` and one role per entry of `subjects`, trusting those ServiceAccounts' tokens
/// and holding a managed and an inline policy.
async fn seed_moto(
    url: &str,
    subjects: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<String, String> {
    use aws_config::{BehaviorVersion, Region};
    use serde_json::json;
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await;
    let eks = aws_sdk_eks::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let issuer = match eks.describe_cluster().name(CLUSTER).send().await {
        Ok(out) => out
            .cluster()
            .and_then(|c| c.identity())
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer())
            .map(str::to_owned),
        Err(_) => {
            let vpc = aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids("subnet-1")
                .build();
            let out = eks
                .create_cluster()
                .name(CLUSTER)
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/eks-cluster"))
                .resources_vpc_config(vpc)
                .send()
                .await
                .map_err(|e| format!("create cluster: {e:?}"))?;
            out.cluster()
                .and_then(|c| c.identity())
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .map(str::to_owned)
        }
    }
    .ok_or("moto gave the cluster no issuer")?;
    let provider = issuer.trim_start_matches("https://").to_owned();
    let _ = iam
        .create_open_id_connect_provider()
        .url(&issuer)
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
        .send()
        .await;
    let node_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let _ = iam
        .create_role()
        .role_name("eks-node")
        .assume_role_policy_document(node_trust)
        .send()
        .await;
    for policy in [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
    ] {
        let _ = iam
            .attach_role_policy()
            .role_name("eks-node")
            .policy_arn(format!("arn:aws:iam::aws:policy/{policy}"))
            .send()
            .await;
    }
    for (role, subs) in subjects {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    format!("{provider}:sub"): subs,
                    format!("{provider}:aud"): "sts.amazonaws.com",
                }}
            }]
        })
        .to_string();
        // A role left from an earlier run is replaced (its subjects may differ).
        let _ = iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(&trust)
            .send()
            .await;
        let created = iam
            .create_role()
            .role_name(role)
            .assume_role_policy_document(&trust)
            .send()
            .await;
        if let Err(e) = created {
            let exists = e
                .as_service_error()
                .is_some_and(|s| s.is_entity_already_exists_exception());
            if !exists {
                return Err(format!("create role {role}: {e:?}"));
            }
        }
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            .send()
            .await
            .map_err(|e| format!("attach a policy to {role}: {e:?}"))?;
        let inline = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                "Resource": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{role}-*")}]
        })
        .to_string();
        iam.put_role_policy()
            .role_name(role)
            .policy_name("queues")
            .policy_document(inline)
            .send()
            .await
            .map_err(|e| format!("put an inline policy on {role}: {e:?}"))?;
    }
    Ok(format!(
        "moto at {url}: cluster {CLUSTER} (issuer {issuer}, registered), node role eks-node, {} IRSA roles",
        subjects.len()
    ))
}

/// Connects, runs the watchers until every source settled, and reports.
async fn measure(kubeconfig: &std::path::Path) -> ExitCode {
    use irsa_tui::sources::{kube, store::Store};
    use std::time::{Duration, Instant};

    let start = Instant::now();
    let connected = match kube::connect(Some(kubeconfig), None, false).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kube_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let store = Store::new();
    let handles = kube::spawn(connected.client, &[], store.clone());
    let mut changes = store.subscribe();
    let deadline = tokio::time::sleep(Duration::from_secs(600));
    tokio::pin!(deadline);
    while !store.settled() {
        tokio::select! {
            _ = &mut deadline => {
                eprintln!("kube_load: the sources did not settle within 10 minutes");
                return ExitCode::FAILURE;
            }
            changed = changes.changed() => if changed.is_err() { break },
        }
    }
    let elapsed = start.elapsed();
    for h in &handles {
        h.abort();
    }
    let (pods, heap, sources) = store.read(|d| {
        let heap = slim_pods_bytes(d.pods.values().map(|p| &**p));
        let sources: Vec<String> = d
            .sources
            .iter()
            .map(|((r, ns), s)| {
                format!(
                    "{r}{}: {s:?}",
                    ns.as_deref().map(|n| format!(" [{n}]")).unwrap_or_default()
                )
            })
            .collect();
        (d.pods.len(), heap, sources)
    });
    println!(
        "synced in {:.2} s: {pods} pods, about {} bytes per slim pod (record, strings and map key), peak RSS {}",
        elapsed.as_secs_f64(),
        heap / pods.max(1),
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
    for s in sources {
        println!("  {s}");
    }
    ExitCode::SUCCESS
}

/// Heap and inline bytes of the slim pods in the store, their (namespace, name) keys
/// included: each record's own size, and each text once however many records share it
/// (an `Arc<str>` is its text and two counters).
fn slim_pods_bytes<'a>(pods: impl Iterator<Item = &'a irsa_tui::inventory::Pod>) -> usize {
    use irsa_tui::inventory::{Container, Name, Pod};
    use std::mem::size_of;
    let mut seen = std::collections::HashSet::new();
    let mut text = |t: &Name| {
        if seen.insert(t.as_ptr().addr()) {
            2 * size_of::<usize>() + t.len()
        } else {
            0
        }
    };
    let mut total = 0;
    for p in pods {
        total += size_of::<Pod>() + size_of::<(Name, Name)>();
        let containers = p.containers.iter().flat_map(|c: &Container| {
            [
                Some(&c.name),
                c.aws_role_arn.as_ref(),
                c.aws_web_identity_token_file.as_ref(),
                c.aws_sts_regional_endpoints.as_ref(),
                c.aws_container_credentials_full_uri.as_ref(),
            ]
        });
        let owner = p.owner.iter().flat_map(|w| [&w.kind, &w.name]);
        let audience = p.token_volume.iter().filter_map(|t| t.audience.as_ref());
        let fields = [
            Some(&p.namespace),
            Some(&p.name),
            Some(&p.service_account),
            p.node.as_ref(),
            p.phase.as_ref(),
            p.created.as_ref(),
            p.skip_containers.as_ref(),
        ];
        for t in fields
            .into_iter()
            .chain(containers)
            .flatten()
            .chain(owner)
            .chain(audience)
        {
            total += text(t);
        }
        for c in &p.containers {
            total += size_of::<Container>()
                + c.static_credential_vars
                    .iter()
                    .map(|v| size_of::<String>() + v.capacity())
                    .sum::<usize>();
        }
    }
    total
}

/// VmHWM from /proc/self/status (Linux).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}
