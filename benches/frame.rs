//! The dashboard's cost: one frame drawn into a TestBackend (the demo, and 100,000
//! bindings: only the visible rows are built), and applying one inventory update with
//! 100k pods loaded (analysis included). Run with `cargo bench --bench frame`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: its inputs are built to succeed"
)]

use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use irsa_tui::analysis::Settings;
use irsa_tui::inventory::Inventory;
use irsa_tui::tui::{App, Model, Theme, draw};
use irsa_tui::updates::{Analysed, Origin};
use irsa_tui_demo as demo;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// `cargo test` runs each benchmark once as a smoke test (no `--bench`): small inputs then,
/// so the test suite does not analyse 100k ServiceAccounts unoptimised.
fn scale(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        n
    } else {
        n / 1000
    }
}

/// What the update service builds off the UI thread for `inv`.
fn model(inv: &Inventory, settings: &Settings) -> Model {
    Model::new(Analysed::of(inv, settings))
}

fn app(inv: Inventory) -> App {
    App::new(
        model(&inv, &Settings::default()),
        Origin::Demo,
        Theme { color: true },
    )
}

fn frame(c: &mut Criterion, name: &str, app: &mut App) {
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).expect("a test terminal");
    c.bench_function(name, |b| {
        b.iter(|| terminal.draw(|f| draw(f, app)).map(|_| ()).expect("draws"))
    });
}

fn bench(c: &mut Criterion) {
    let mut small = app(irsa_tui::sources::demo::inventory().expect("the demo parses"));
    frame(c, "frame: demo (86 bindings)", &mut small);

    // 100,000 annotated ServiceAccounts (roles go to the non-`default` ones): 100k bindings.
    let mut big = app(demo::synthetic(
        scale(112_000),
        scale(112_000),
        scale(100_000) + 3,
    ));
    let bindings = big.report().bindings.len();
    assert!(bindings >= scale(100_000), "{bindings}");
    frame(c, "frame: 100k bindings", &mut big);
    // Typing in the filter: each key filters all 100k again (two keys per iteration).
    let (now, key) = (Instant::now(), |code| {
        KeyEvent::new(code, KeyModifiers::NONE)
    });
    big.handle_key(key(KeyCode::Char('/')), now);
    c.bench_function("filter: type and erase a character (100k bindings)", |b| {
        b.iter(|| {
            big.handle_key(key(KeyCode::Char('9')), now);
            big.handle_key(key(KeyCode::Backspace), now);
        })
    });

    // One watch event's worth of change (a pod gone) with 100k pods loaded.
    let base = demo::synthetic(scale(100_000), scale(10_000), scale(2_000));
    let mut next = base.clone();
    next.pods.pop();
    let mut loaded = app(base);
    let settings = Settings::default();
    let mut group = c.benchmark_group("update");
    group.sample_size(10);
    // Analysis and model building (off the UI thread on a live cluster), then applying it.
    // The inventory read is returned, so it is dropped outside the measurement, as the
    // update service drops it on its blocking thread (the dashboard holds none).
    group.bench_function("apply one inventory update (100k pods)", |b| {
        b.iter_batched(
            || next.clone(),
            |inv| {
                let changed = loaded.apply_model(model(&inv, &settings), Instant::now());
                (changed, inv)
            },
            BatchSize::LargeInput,
        )
    });
    // On a live cluster the analysis runs off the UI thread; the UI thread only applies
    // the result (diff, sort, rebuild the shown rows).
    group.bench_function(
        "UI thread: apply a model analysed elsewhere (100k pods)",
        |b| {
            b.iter_batched(
                || model(&next, &settings),
                // The replaced model is returned, so it is dropped outside the measurement, as
                // the event loop drops it off the UI thread.
                |model| {
                    loaded.apply_model(model, Instant::now());
                    loaded.take_retired()
                },
                BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
