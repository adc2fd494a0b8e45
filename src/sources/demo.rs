//! The embedded demo cluster (`irsa-tui --demo`): a snapshot written by
//! `cargo run --example gen_demo` from [`crate::demo::generate`], compiled into the binary.

use crate::inventory::{Inventory, SnapshotError};

/// The snapshot text of the demo cluster.
pub const SNAPSHOT: &str = include_str!("../../assets/demo/cluster.json");

/// The demo cluster `shop-prod`: no files, no network.
pub fn inventory() -> Result<Inventory, SnapshotError> {
    Inventory::from_snapshot_json(SNAPSHOT, "the embedded demo cluster")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_asset_is_what_the_generator_writes() {
        let expected = crate::demo::generate().to_snapshot_json();
        // Not assert_eq!: a diff of two ~1 MB texts helps nobody.
        assert!(
            SNAPSHOT == expected,
            "{} is out of date with src/demo: run `cargo run --example gen_demo` and commit it \
             (first difference at byte {})",
            crate::demo::ASSET_PATH,
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
        assert_eq!(inv, crate::demo::generate());
        assert_eq!(inv.cluster.name.as_deref(), Some("shop-prod"));
    }
}
