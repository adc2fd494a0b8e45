//! The embedded demo cluster is exactly what the generator in `crates/demo` writes:
//! `cargo run --example gen_demo` regenerates it after a change there.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use irsa_tui::sources::demo::{SNAPSHOT, inventory};

#[test]
fn the_embedded_asset_is_what_the_generator_writes() {
    let expected = irsa_tui_demo::generate().to_snapshot_json();
    // Not assert_eq!: a diff of two ~1 MB texts helps nobody.
    assert!(
        SNAPSHOT == expected,
        "{} is out of date with crates/demo: run `cargo run --example gen_demo` and commit it \
         (first difference at byte {})",
        irsa_tui_demo::ASSET_PATH,
        SNAPSHOT
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(SNAPSHOT.len().min(expected.len()))
    );
}

#[test]
fn the_embedded_asset_reads_back_as_the_generated_inventory() {
    let inv = inventory().expect("the embedded demo cluster parses");
    assert_eq!(inv, irsa_tui_demo::generate());
    assert_eq!(inv.cluster.name.as_deref(), Some("shop-prod"));
}
