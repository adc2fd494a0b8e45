//! The identity-policy evaluator at cluster scale: one `can` question for a role with ten
//! policies, and `who-can` over 10,000 bindings sharing 2,000 roles (100,000 pods). Run with
//! `cargo bench --bench permissions`; the medians are what the issue notes quote.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: its inputs are built to succeed"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use irsa_tui::analysis::permissions::{Documents, ask};
use irsa_tui::analysis::{Settings, analyze};
use irsa_tui::inventory::{AttachedPolicy, InlinePolicy, Inventory, ManagedPolicy};
use irsa_tui::policy::identity::Question;
use irsa_tui_demo as demo;

/// A policy of `n` statements over service `svc` naming resources of `owner`, shaped like
/// a real one.
fn document(svc: &str, n: usize, owner: &str) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List*","{svc}:Describe{i}*"],"Resource":["arn:aws:{svc}:us-east-1:111122223333:thing-{i}/*","arn:aws:{svc}:*:*:{owner}-{i}"],"Condition":{{"StringEquals":{{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}}}}"#
            )
        })
        .chain(std::iter::once(
            r#"{"Sid":"NoIam","Effect":"Deny","Action":"iam:*","Resource":"*"}"#.to_owned(),
        ))
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

/// Every role gets 3 inline policies and 7 managed ones out of a pool of 50.
fn with_documents(mut inv: Inventory) -> Inventory {
    let services = [
        "s3",
        "dynamodb",
        "sqs",
        "sns",
        "kms",
        "logs",
        "ssm",
        "secretsmanager",
    ];
    inv.managed_policies = (0..50)
        .map(|i| ManagedPolicy {
            arn: format!("arn:aws:iam::111122223333:policy/pool-{i}"),
            name: format!("pool-{i}"),
            default_version: Some("v1".into()),
            document: Some(document(
                services[i % services.len()],
                6,
                &format!("pool-{i}"),
            )),
            error: None,
        })
        .collect();
    for (r, role) in inv.roles.iter_mut().enumerate() {
        role.attached_policies = (0..7)
            .map(|k| {
                let i = (r + k * 7) % 50;
                AttachedPolicy {
                    arn: format!("arn:aws:iam::111122223333:policy/pool-{i}"),
                    name: format!("pool-{i}"),
                    admin: false,
                }
            })
            .collect();
        role.inline_policies = (0..3)
            .map(|k| InlinePolicy {
                name: format!("inline-{k}"),
                // Unique per role, as inline policies are.
                document: document(services[(r + k) % services.len()], 4, &format!("role-{r}")),
            })
            .collect();
    }
    inv
}

fn bench(c: &mut Criterion) {
    let settings = Settings::default();
    let inv = with_documents(demo::synthetic(100_000, 10_000, 2_000));
    let report = analyze(&inv, &settings);
    let binding = report
        .bindings
        .iter()
        .find(|b| b.role_arn.is_some())
        .map(|b| format!("{}/{}", b.namespace, b.service_account))
        .unwrap();
    let question = [Question::new(
        "s3:GetObject",
        "arn:aws:s3:us-east-1:111122223333:thing-3/report.csv",
    )];
    let answer = ask::can(&inv, &report, &binding, &question, &[]).unwrap();
    eprintln!("can {binding}: {:?}", answer.results[0].decision);
    let documents = Documents::new(&inv);
    let role = inv
        .roles
        .iter()
        .find(|r| Some(r.arn.as_str()) == answer.principal.as_deref())
        .unwrap();
    let docs = documents.of(role).unwrap();
    let permissions = docs.permissions();
    let session = docs.session(Some("us-east-1"));
    c.bench_function("evaluate: one question, a role with 10 policies", |b| {
        b.iter(|| ask::answer_all(&permissions, &session, &question))
    });
    c.bench_function(
        "can: one question end to end (documents of 2,000 roles indexed)",
        |b| b.iter(|| ask::can(&inv, &report, &binding, &question, &[]).unwrap()),
    );
    let who = Question::new("s3:GetObject", "*");
    let w = ask::who_can(&inv, &report, &who, &[]);
    eprintln!(
        "who-can: {} principals, {} roles evaluated, {} bindings",
        w.principals.len(),
        w.roles_evaluated,
        report.bindings.len()
    );
    let mut group = c.benchmark_group("who-can");
    group.sample_size(10);
    group.bench_function(
        "parse the documents of 2,000 roles (once per inventory)",
        |b| b.iter(|| Documents::new(&inv)),
    );
    let documents = Documents::new(&inv);
    group.bench_function(
        "one question, 10,000 bindings, 2,000 roles, 10 policies each",
        |b| b.iter(|| ask::who_can_with(&documents, &report, &who, &[])),
    );
    group.bench_function("end to end: parse, then one question", |b| {
        b.iter(|| ask::who_can(&inv, &report, &who, &[]))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
