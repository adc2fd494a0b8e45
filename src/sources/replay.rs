//! A snapshot file written by `irsa-tui snapshot`, read back (`--replay FILE`).

use std::path::Path;

use crate::inventory::Inventory;

/// The inventory recorded in `path`, or a one-line message saying what to do.
pub fn inventory(path: &Path) -> Result<Inventory, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read snapshot {shown}: {e} (write one with `irsa-tui snapshot -o FILE`)")
    })?;
    Inventory::from_snapshot_json(&text, &shown).map_err(|e| e.to_string())
}
