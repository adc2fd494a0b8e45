//! Test data: the demo cluster, and the model the update service would send for it.

use super::model::Model;
use crate::analysis::Settings;
use crate::inventory::Inventory;
use crate::updates::Analysed;

/// The demo cluster's inventory (the asset the binary embeds).
pub fn demo() -> Inventory {
    Inventory::from_snapshot_json(include_str!("../../assets/demo/cluster.json"), "demo")
        .expect("the demo parses")
}

/// What the update service would send for `inventory`.
pub fn model(inventory: &Inventory) -> Model {
    Model::new(Analysed::of(inventory, &Settings::default()))
}
