//! The dashboard (no subcommand): connects the sources, starts the update service that
//! analyses them, and runs the terminal UI on what it sends.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::analysis::Settings;
use crate::sources::live::{Feed, LiveOptions};
use crate::tui::{App, Model, Theme};
use crate::updates::service::Service;
use crate::updates::{Analysed, Origin};

use super::output::fail;
use super::source::SourceArgs;

/// Runs the dashboard on what `source` names. Exit status 0 when the user quits, 2 (with
/// one line on stderr) when it cannot start.
pub fn run(source: &SourceArgs) -> ExitCode {
    // The dashboard and its live sources share two worker threads (watchers decode on the
    // other core); analyses run on blocking threads.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let origin = source.origin();
    // The credential plugin runs again as tokens expire, while the dashboard holds the
    // terminal: it must not prompt or write there.
    let live = LiveOptions {
        interactive_auth: false,
        ..source.live_options()
    };
    // Live: connect before taking the terminal, so problems are one line on stderr.
    let (inventory, feed) = if origin == Origin::Live {
        match runtime.block_on(connect_saying_so(&live)) {
            Ok(feed) => (feed.store.inventory(), Some(feed)),
            Err(e) => return fail(e.to_string()),
        }
    } else {
        match source.load() {
            Ok(inv) => (inv, None),
            Err(e) => return fail(e),
        }
    };
    let node_baseline = match source.node_baseline() {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return fail("the dashboard needs a terminal; for a report use `irsa-tui report`");
    }
    let settings = Settings {
        node_baseline,
        generated_at: crate::time::now(),
    };
    let model = Model::new(Analysed::of(&inventory, &settings));
    drop(inventory);
    let app = App::new(model, origin.clone(), Theme::from_env())
        .with_contexts(kubeconfig_contexts(source));
    let reload_from = source.clone();
    let service = Service {
        origin,
        feed,
        live,
        settings,
        reload: Arc::new(move || reload_from.load()),
        prepare: Arc::new(Model::new),
        patches: true,
    };
    let (updates, updates_rx) = mpsc::unbounded_channel();
    let (requests, requests_rx) = mpsc::unbounded_channel();
    let result = runtime.block_on(async {
        let background = tokio::spawn(service.run(updates, requests_rx));
        let shown = crate::tui::run(app, updates_rx, requests).await;
        background.abort();
        shown
    });
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(
            e.chain()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": "),
        ),
    }
}

/// Connects; when that takes more than a moment (a credential plugin, a slow API server),
/// says on stderr what it waits for and for how long at most, before the screen is taken.
async fn connect_saying_so(live: &LiveOptions) -> Result<Feed, crate::sources::live::StartError> {
    let connecting = Feed::connect(live);
    tokio::pin!(connecting);
    tokio::select! {
        connected = &mut connecting => connected,
        () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {
            let context = live.context.as_deref().unwrap_or("the current context");
            eprintln!(
                "irsa-tui: connecting to {context} (its credential plugin, then the API server; at most {} s, --sync-timeout)…",
                live.sync_timeout.as_secs()
            );
            connecting.await
        }
    }
}

/// The kubeconfig's context names, for `:ctx` completion; none when there is no readable
/// kubeconfig (the demo and replays open without one).
fn kubeconfig_contexts(source: &SourceArgs) -> Vec<String> {
    match crate::sources::kubeconfig::load(source.kubeconfig.as_deref()) {
        Ok(Some(loaded)) => loaded
            .kubeconfig
            .contexts
            .into_iter()
            .map(|c| c.name)
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::debug!("no contexts to complete: {e}");
            Vec::new()
        }
    }
}
