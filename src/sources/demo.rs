//! The embedded demo cluster (`irsa-tui --demo`): a snapshot written by
//! `cargo run --example gen_demo` (the development crate `crates/demo`), compiled into the
//! binary.

use crate::inventory::{Inventory, SnapshotError};

/// The snapshot text of the demo cluster.
pub const SNAPSHOT: &str = include_str!("../../assets/demo/cluster.json");

/// The demo cluster `shop-prod`: no files, no network.
pub fn inventory() -> Result<Inventory, SnapshotError> {
    Inventory::from_snapshot_json(SNAPSHOT, "the embedded demo cluster")
}
