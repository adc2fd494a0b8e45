//! Writes the demo cluster snapshot embedded by `irsa-tui --demo`:
//! `cargo run --example gen_demo` (re-run and commit after changing `src/demo`).

use std::path::Path;

fn main() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(irsa_tui::demo::ASSET_PATH);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let inventory = irsa_tui::demo::generate();
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
