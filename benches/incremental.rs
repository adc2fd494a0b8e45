//! What one watch event costs once the dashboard has synced: the incremental analysis of a
//! pod deleted and added back (two events) at 2,000, 20,000 and 100,000 pods, and at 100k
//! pods what the dashboard does with it: the patch made off the UI thread (the bindings
//! built again), then applied on the UI thread to the model it holds; and, for comparison,
//! what a whole model costs (the report copied out, the model built). Run with
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
use irsa_tui::tui::{App, Model, Theme};
use irsa_tui::updates::{Analysed, Origin, Patch};
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
    back.pods.push((k, Some(pod.into())));
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
    // A live update at 100k pods, as the dashboard gets it: the event applied and its patch
    // made (off the UI thread), then the patch applied to the model (on the UI thread).
    let pods = scale(100_000);
    let mut live = Live::new(demo::synthetic(pods, pods / 10, pods / 50), &settings);
    let (gone, back) = delete(&live, pods / 2);
    group.bench_function(
        format!("off the UI thread: 2 events analysed, their patches made ({pods} pods)"),
        |b| {
            b.iter(|| {
                live.apply(gone.clone());
                let one = Patch::of(&live, false).expect("a patch");
                live.apply(back.clone());
                (one, Patch::of(&live, false).expect("a patch"))
            })
        },
    );
    let whole = |live: &Live| Analysed {
        report: live.report().clone(),
        sources: live.sources().to_vec(),
        aws: live.aws().clone(),
        actions: live.actions().to_vec(),
    };
    // What the UI thread does with one patch, at each size: the cost per event should not
    // grow with the cluster.
    for n in [2_000usize, 20_000, 100_000] {
        let n = scale(n);
        let mut live = Live::new(demo::synthetic(n, n / 10, n / 50), &settings);
        let (gone, back) = delete(&live, n / 2);
        let mut app = App::new(
            Model::new(whole(&live)),
            Origin::Live,
            Theme { color: true },
        );
        live.apply(gone.clone());
        let patch_gone = Patch::of(&live, false).expect("a patch");
        live.apply(back.clone());
        let patch_back = Patch::of(&live, false).expect("a patch");
        group.bench_function(
            format!("UI thread: 2 patches applied to the model ({n} pods)"),
            |b| {
                b.iter_batched(
                    || (patch_gone.clone(), patch_back.clone()),
                    |(one, two)| {
                        let now = std::time::Instant::now();
                        app.apply_patch(one, now) + app.apply_patch(two, now)
                    },
                    criterion::BatchSize::SmallInput,
                )
            },
        );
    }
    // For comparison, a whole model of the same analysis: the report copied out, then the
    // model (rows, search text, the findings list).
    let analysed = || whole(&live);
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
