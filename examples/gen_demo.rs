//! Writes the demo cluster snapshot embedded by `irsa-tui --demo`:
//! `cargo run --example gen_demo` (re-run and commit after changing `src/demo`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a development tool: it stops at the first failure"
)]

use std::path::Path;

fn main() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(irsa_tui_demo::ASSET_PATH);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let inventory = irsa_tui_demo::generate();
    std::fs::write(&path, inventory.to_snapshot_json())?;
    let namespaces = inventory
        .service_accounts
        .iter()
        .filter(|sa| sa.name == "default")
        .count();
    println!(
        "wrote {}: {namespaces} namespaces, {} ServiceAccounts, {} pods, {} nodes, {} IAM roles",
        path.display(),
        inventory.service_accounts.len(),
        inventory.pods.len(),
        inventory.nodes.len(),
        inventory.roles.len()
    );
    Ok(())
}
