//! The demo cluster through the whole pipeline: it must show most of the catalog, each
//! story on the binding it was written for, and its reports are pinned by snapshots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::collections::BTreeSet;

use irsa_tui::analysis::{Code, Report, Settings, Status, analyze};
use irsa_tui::render::{json, markdown};

fn demo_report() -> Report {
    let inv = irsa_tui::sources::demo::inventory().expect("embedded demo parses");
    // Settings::default() has a fixed generated_at, so the output is reproducible.
    analyze(&inv, &Settings::default())
}

fn codes(r: &Report) -> BTreeSet<Code> {
    r.findings().map(|f| f.code).collect()
}

fn binding_codes(r: &Report, ns: &str, sa: &str) -> BTreeSet<Code> {
    r.bindings
        .iter()
        .find(|b| b.namespace == ns && b.service_account == sa)
        .unwrap_or_else(|| panic!("binding {ns}/{sa}"))
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn demo_shows_at_least_three_quarters_of_the_catalog() {
    let r = demo_report();
    let found = codes(&r);
    // The codes this version reports (the catalog also lists a few ahead of their checks).
    let listed: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.reported()).collect();
    let covered = listed.iter().filter(|c| found.contains(c)).count();
    assert!(
        covered * 4 >= listed.len() * 3,
        "{covered} of {} catalog codes in the demo: {found:?}",
        listed.len()
    );
}

#[test]
fn demo_stories_land_on_their_bindings() {
    let r = demo_report();
    let stories = [
        ("payments", "payments-api", Code::IRSA203),
        ("checkout", "checkout-api", Code::IRSA204),
        ("orders", "order-events", Code::IRSA202),
        ("logging", "loki", Code::IRSA205),
        ("monitoring", "thanos", Code::IRSA206),
        ("analytics", "query-runner", Code::IRSA207),
        ("monitoring", "yace", Code::IRSA220),
        ("ci", "gitlab-runner", Code::IRSA223),
        ("catalog", "image-resizer", Code::IRSA104),
        ("orders", "fulfillment", Code::IRSA401),
        ("data-pipeline", "kafka-connect", Code::IRSA402),
        ("ml-serving", "feature-store", Code::IRSA403),
        ("analytics", "warehouse-loader", Code::IRSA301),
        ("external-secrets", "vault-reader", Code::IRSA302),
        ("notifications", "digest-mailer", Code::IRSA702),
        ("karpenter", "karpenter", Code::IRSA231),
        ("reporting", "report-exporter", Code::IRSA231),
    ];
    for (ns, sa, code) in stories {
        assert!(
            binding_codes(&r, ns, sa).contains(&code),
            "{ns}/{sa} should show {code}"
        );
    }
    // Mostly healthy: ok bindings outnumber failing ones, and the unreadable role is unknown.
    assert!(r.summary.ok > r.summary.failing);
    let partner = r
        .bindings
        .iter()
        .find(|b| b.service_account == "partner-export")
        .expect("binding");
    assert_eq!(partner.status, Status::Unknown);
}

/// The permission stories (for `irsa-tui can`) have healthy trust and injected pods: only
/// what the role may do can be wrong with them.
#[test]
fn demo_permission_stories_reach_the_permission_side() {
    let r = demo_report();
    for (ns, sa) in [
        ("reporting", "report-exporter"),
        ("media", "media-cleaner"),
        ("billing", "statements-reader"),
    ] {
        let binding = r
            .bindings
            .iter()
            .find(|b| b.namespace == ns && b.service_account == sa)
            .unwrap_or_else(|| panic!("binding {ns}/{sa}"));
        assert!(!binding.pods.is_empty(), "{ns}/{sa} runs pods");
        assert!(
            binding.pods.iter().all(|p| p.injected),
            "{ns}/{sa} pods injected"
        );
        let outside: Vec<Code> = binding
            .findings
            .iter()
            .map(|f| f.code)
            // CloudTrail's evidence (IRSA8xx) is what happened, not configuration.
            .filter(|c| !c.as_str().starts_with("IRSA23") && !c.as_str().starts_with("IRSA8"))
            .collect();
        assert!(outside.is_empty(), "{ns}/{sa}: {outside:?}");
    }
}

/// The demo's CloudTrail stories: each on its binding, with the explanation beside it.
#[test]
fn demo_evidence_stories_land_on_their_bindings() {
    let r = demo_report();
    let binding = |ns: &str, sa: &str| {
        r.bindings
            .iter()
            .find(|b| b.namespace == ns && b.service_account == sa)
            .unwrap_or_else(|| panic!("binding {ns}/{sa}"))
    };
    // Failed AssumeRoleWithWebIdentity, explained by the trust policy's IRSA203.
    let payments = binding("payments", "payments-api");
    let f = payments
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA801)
        .expect("IRSA801");
    assert_eq!(f.evidence["count"], 37);
    assert_eq!(f.evidence["explained_by"], "IRSA203");
    // kms:Decrypt and secretsmanager:GetSecretValue denied, with `can`'s why.
    let reader = binding("billing", "statements-reader");
    assert!(binding_codes(&r, "billing", "statements-reader").contains(&Code::IRSA802));
    let denied = &reader.evidence.as_ref().expect("evidence").denied;
    let actions: Vec<&str> = denied.iter().map(|d| d.action.as_str()).collect();
    assert_eq!(actions, ["kms:Decrypt", "secretsmanager:GetSecretValue"]);
    assert!(
        denied[0].explanation.starts_with(
            "no identity-based policy allows the kms:Decrypt action; policy shop-prod-statements-read allows only"
        ),
        "{}",
        denied[0].explanation
    );
    // The StatefulSet's pods still assume the old role.
    assert!(binding_codes(&r, "data-pipeline", "kafka-connect").contains(&Code::IRSA803));
    // Sessions that work: evidence without a finding.
    let cart = binding("checkout", "cart");
    assert_eq!(cart.status, Status::Ok);
    assert_eq!(cart.evidence.as_ref().map(|e| e.sessions), Some(4));
    // Unattributable events: counted and listed.
    let window = r.evidence.as_ref().expect("a window");
    assert_eq!(window.unattributed, 3);
    assert_eq!(window.unattributed_events.len(), 3);
}

#[test]
fn demo_markdown_snapshot() {
    insta::assert_snapshot!("demo_markdown", markdown::render(&demo_report()));
}

#[test]
fn demo_json_snapshot() {
    insta::assert_snapshot!("demo_json", json::render(&demo_report()));
}

/// Every list of findings is worst first — a binding's, a node role's, the cluster's — so
/// the first finding (and the fix `y` copies) is the one that blocks. The demo's node role
/// with an extra inline policy (IRSA502, a warning) and an admin-level one (IRSA503, an
/// error) lists the error first.
#[test]
fn findings_are_worst_first_everywhere() {
    let r = demo_report();
    let sorted = |what: &str, findings: &[irsa_tui::analysis::Finding]| {
        let severities: Vec<_> = findings.iter().map(|f| f.severity).collect();
        let mut expected = severities.clone();
        expected.sort();
        assert_eq!(
            severities,
            expected,
            "{what}: {:?}",
            findings.iter().map(|f| f.code).collect::<Vec<_>>()
        );
    };
    for b in &r.bindings {
        sorted(
            &format!("{}/{}", b.namespace, b.service_account),
            &b.findings,
        );
    }
    for n in &r.node_roles {
        sorted(&n.role_arn, &n.findings);
    }
    sorted("cluster", &r.cluster_findings);
    let mixed = r
        .node_roles
        .iter()
        .find(|n| {
            n.findings.iter().any(|f| f.code == Code::IRSA502)
                && n.findings.iter().any(|f| f.code == Code::IRSA503)
        })
        .expect("a node role with IRSA502 and IRSA503");
    assert_eq!(
        mixed.findings[0].code,
        Code::IRSA503,
        "{:?}",
        mixed.findings
    );
}

/// A fix that detaches or deletes a policy says who loses it today, before anyone pastes
/// it: IRSA501's detach of AmazonS3FullAccess names the pods that inherit the node role;
/// IRSA232's detach of the admin policy, the pods of the binding. A fix that removes
/// nothing (IRSA104's annotate and restart) says nothing of the kind.
#[test]
fn fixes_that_remove_say_who_uses_it_today() {
    let r = demo_report();
    let compute = r
        .node_roles
        .iter()
        .find(|n| n.role_arn.contains("nodegroup-compute"))
        .expect("the compute node role");
    let irsa501 = compute
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA501)
        .expect("IRSA501");
    let removes = irsa501
        .fix
        .removes
        .as_deref()
        .expect("IRSA501 says it removes");
    assert!(
        removes.contains(&format!(
            "which {} pods without IRSA or Pod Identity inherit today: ",
            compute.pods_without_irsa_count
        )) && removes.contains(&compute.pods_without_irsa[0]),
        "{removes}"
    );
    let binding = |ns: &str, sa: &str| {
        r.bindings
            .iter()
            .find(|b| b.namespace == ns && b.service_account == sa)
            .expect("the binding")
    };
    let argo = binding("argo-workflows", "argo-workflow");
    let irsa232 = argo
        .findings
        .iter()
        .find(|f| f.code == Code::IRSA232)
        .expect("IRSA232");
    assert_eq!(
        irsa232.fix.removes.as_deref(),
        Some(
            format!(
                "it takes permissions from role shop-prod-argo-workflows-admin, which the {} pods of argo-workflows/argo-workflow use today",
                argo.pods.len()
            )
            .as_str()
        )
    );
    let resizer = binding("catalog", "image-resizer");
    assert!(resizer.findings.iter().all(|f| f.fix.removes.is_none()));
    // Every fix that detaches or deletes says so, and no other does.
    let all = r
        .bindings
        .iter()
        .flat_map(|b| &b.findings)
        .chain(r.node_roles.iter().flat_map(|n| &n.findings))
        .chain(&r.cluster_findings);
    for f in all {
        assert_eq!(
            f.fix.removes.is_some(),
            f.fix
                .steps
                .iter()
                .any(|s| s.text.starts_with("aws iam detach-")
                    || s.text.starts_with("aws iam delete-")),
            "{} {}",
            f.code,
            f.title
        );
    }
    let md = markdown::render(&r);
    assert!(md.contains("> ⚠ **This fix removes access:** it takes permissions from node role eksctl-shop-prod-nodegroup-compute"), "the Markdown says so");
    let v: serde_json::Value = serde_json::from_str(&json::render(&r)).expect("JSON");
    assert!(v["node_roles"].as_array().into_iter().flatten().any(|n| {
        n["findings"].as_array().into_iter().flatten().any(|f| {
            f["fix_removes"]
                .as_str()
                .is_some_and(|s| s.contains("inherit today"))
        })
    }));
}
