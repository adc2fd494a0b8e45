//! What one watch event costs once the dashboard has synced: the incremental analysis of a
//! pod deleted and added back (two events) at 2,000, 20,000 and 100,000 pods, and at 100k
//! pods what the dashboard builds of it (the report copied out, the model). Run with
//! `cargo bench --bench incremental`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: its inputs are built to succeed"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use irsa_tui::analysis::Settings;
use irsa_tui::analysis::incremental::{Changes, Live};
use irsa_tui::tui::Model;
use irsa_tui::updates::Analysed;
use irsa_tui_demo as demo;

/// `cargo test` runs each benchmark once as a smoke test (no `--bench`): small inputs then.
fn scale(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        n
    } else {
        n / 100
    }
}

fn delete(live: &Live, i: usize) -> (Changes, Changes) {
    let inv = live.inventory();
    let pod = inv.pods[i % inv.pods.len()].clone();
    let k = (pod.namespace.clone(), pod.name.clone());
    let mut gone = Changes::default();
    gone.pods.push((k.clone(), None));
    let mut back = Changes::default();
    back.pods.push((k, Some(pod)));
    (gone, back)
}

fn bench(c: &mut Criterion) {
    let settings = Settings::default();
    let mut group = c.benchmark_group("incremental");
    group.sample_size(20);
    for pods in [2_000usize, 20_000, 100_000] {
        let pods = scale(pods);
        let mut live = Live::new(demo::synthetic(pods, pods / 10, pods / 50), &settings);
        let (gone, back) = delete(&live, pods / 2);
        group.bench_function(
            format!("a pod deleted and added back: 2 events ({pods} pods)"),
            |b| {
                b.iter(|| {
                    live.apply(gone.clone());
                    live.apply(back.clone());
                })
            },
        );
    }
    // What the dashboard builds of an update at 100k pods: the report copied out of the
    // analysis, then the model (rows, search text, the findings list).
    let pods = scale(100_000);
    let live = Live::new(demo::synthetic(pods, pods / 10, pods / 50), &settings);
    let analysed = || Analysed {
        report: live.report().clone(),
        sources: live.sources().to_vec(),
        aws: live.aws().clone(),
        actions: live.actions().to_vec(),
    };
    group.bench_function(format!("copy the report out ({pods} pods)"), |b| {
        b.iter(analysed)
    });
    group.bench_function(format!("build the model ({pods} pods)"), |b| {
        b.iter_batched(analysed, Model::new, criterion::BatchSize::LargeInput)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
