//! How many bytes a report holds per binding, in the shape of `examples/kube_load.rs`
//! (`--pods 100000 --replicas 10 --moto`): 10,000 ServiceAccounts, 60% of them sharing 100 IRSA roles
//! (each role trusted by its ~60 ServiceAccounts through one statement
//! `StringEquals {"<issuer>:sub": [subjects], "<issuer>:aud": "sts.amazonaws.com"}`).
//! dhat's counting allocator measures what the report keeps alive after `analyze`
//! (not a timing). Run with `cargo bench --bench report_bytes`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark: its inputs are built to succeed"
)]

use irsa_tui::analysis::{Settings, analyze};
use irsa_tui::inventory::{Inventory, Names, TokenVolume};
use irsa_tui_demo as demo;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// The bytes live on the heap now.
fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

const ROLES: usize = 100;

/// `demo::synthetic`'s cluster, its IRSA roles replaced by `ROLES` shared ones, 60% of its
/// ServiceAccounts (not the `default`s) annotated, the `n`th with role `n % ROLES` (their
/// pods injected).
fn kube_load_shape(pods: usize, service_accounts: usize) -> Inventory {
    let mut inv = demo::synthetic(pods, service_accounts, ROLES);
    let issuer = inv.cluster.oidc_issuer.clone().expect("an issuer");
    let host = issuer.trim_start_matches("https://").to_owned();
    let account = demo::ACCOUNT;
    let node_roles: Vec<String> = inv.node_roles.iter().map(|r| r.role_arn.clone()).collect();
    let template = inv
        .roles
        .iter()
        .find(|r| !node_roles.contains(&r.arn))
        .cloned()
        .expect("an IRSA role");
    inv.roles.retain(|r| node_roles.contains(&r.arn));
    let arn = |k: usize| format!("arn:aws:iam::{account}:role/irsa-load-{k:03}");
    let mut subjects: Vec<Vec<String>> = vec![Vec::new(); ROLES];
    let mut annotated = 0usize;
    for (i, sa) in inv.service_accounts.iter_mut().enumerate() {
        sa.role_arn = None;
        // As kube_load's `--irsa-percent 60`.
        if sa.name == "default" || i % 100 >= 60 {
            continue;
        }
        let k = annotated % ROLES;
        annotated += 1;
        subjects[k].push(format!(
            "system:serviceaccount:{}:{}",
            sa.namespace, sa.name
        ));
        sa.role_arn = Some(arn(k));
    }
    for (k, subs) in subjects.into_iter().enumerate() {
        let trust = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{account}:oidc-provider/{host}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    format!("{host}:sub"): subs,
                    format!("{host}:aud"): "sts.amazonaws.com",
                }},
            }],
        });
        let mut role = template.clone();
        role.arn = arn(k);
        role.name = format!("irsa-load-{k:03}");
        role.trust_policy = Some(trust.to_string());
        inv.roles.push(role);
    }
    let roles: std::collections::HashMap<(String, String), Option<String>> = inv
        .service_accounts
        .iter()
        .map(|s| ((s.namespace.clone(), s.name.clone()), s.role_arn.clone()))
        .collect();
    // One copy of each repeated value, as the live source's reduction hands them out.
    let mut names = Names::default();
    for p in &mut inv.pods {
        let role = roles
            .get(&(p.namespace.to_string(), p.service_account.to_string()))
            .cloned()
            .flatten();
        for c in &mut p.containers {
            c.aws_web_identity_token_file = role
                .as_ref()
                .map(|_| names.name("/var/run/secrets/eks.amazonaws.com/serviceaccount/token"));
            c.aws_role_arn = names.optional(role.as_deref());
        }
        p.token_volume = role.as_ref().map(|_| TokenVolume {
            audience: Some(names.name("sts.amazonaws.com")),
            expiration_seconds: Some(86400),
        });
    }
    inv
}

fn main() {
    // Ad hoc mode would record every allocation's backtrace; heap mode counts bytes.
    let _profiler = dhat::Profiler::builder().testing().build();
    let settings = Settings::default();
    for (pods, sas) in [(20_000usize, 2_000usize), (100_000, 10_000)] {
        let inv = kube_load_shape(pods, sas);
        let before = live();
        let report = analyze(&inv, &settings);
        let held = live().saturating_sub(before);
        let mut report = report;
        let bindings = report.bindings.len().max(1);
        let findings: usize = report.bindings.iter().map(|b| b.findings.len()).sum();
        println!(
            "{pods} pods, {sas} ServiceAccounts, {ROLES} shared roles: the report holds {held} bytes \
             for {bindings} bindings ({findings} findings): {} bytes per binding",
            held / bindings
        );
        let mut codes: std::collections::BTreeMap<String, usize> = Default::default();
        for f in report.bindings.iter().flat_map(|b| &b.findings) {
            *codes.entry(f.code.to_string()).or_default() += 1;
        }
        println!("  findings by code: {codes:?}");
        // What each part of the bindings holds: the bytes freed when it is dropped.
        let mut part = |name: &str, take: &dyn Fn(&mut irsa_tui::analysis::report::Binding)| {
            let at = live();
            for b in &mut report.bindings {
                take(std::sync::Arc::make_mut(b));
            }
            println!(
                "  {name}: {} bytes per binding",
                at.saturating_sub(live()) / bindings
            );
        };
        part("findings", &|b| drop(std::mem::take(&mut b.findings)));
        part("trust view", &|b| drop(b.trust.take()));
        part("pods", &|b| drop(std::mem::take(&mut b.pods)));
        part("the rest", &|b| {
            drop(std::mem::take(&mut b.namespace));
            drop(std::mem::take(&mut b.service_account));
            drop(std::mem::take(&mut b.annotations));
            drop(b.permissions.take());
            drop(b.role_arn.take());
            drop(b.service_account_created.take());
            drop(std::mem::take(&mut b.assumes_why));
        });
        drop(report);
    }
}
