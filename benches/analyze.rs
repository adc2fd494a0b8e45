//! `analyze` on a generated cluster: 100k pods, 10k ServiceAccounts, 2k roles (and the
//! demo). Run with `cargo bench --bench analyze`; the median is what the issue notes quote.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: its inputs are built to succeed"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use irsa_tui::analysis::{Settings, analyze};
use irsa_tui_demo as demo;

fn bench(c: &mut Criterion) {
    let settings = Settings::default();
    let demo = demo::generate();
    c.bench_function("analyze demo (600 pods)", |b| {
        b.iter(|| analyze(&demo, &settings))
    });
    let mut group = c.benchmark_group("analyze synthetic");
    group.sample_size(10);
    for pods in [25_000usize, 50_000, 100_000] {
        let inv = demo::synthetic(pods, pods / 10, pods / 50);
        group.bench_function(
            format!("{pods} pods, {} SAs, {} roles", pods / 10, pods / 50),
            |b| b.iter(|| analyze(&inv, &settings)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
