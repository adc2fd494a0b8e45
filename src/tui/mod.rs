//! The dashboard: `irsa-tui` with no subcommand. It renders an [`crate::analysis::Report`]
//! (analysing again when new data arrives) and holds no check logic of its own.
//!
//! - [`app`]: state and how keys and data change it (pure; effects are queued),
//! - [`keymap`]: the one keymap behind dispatch, the `?` help and the footer,
//! - [`views`] and [`widgets`]: drawing, with windowed tables,
//! - `event_loop`, `terminal`, `clipboard`, `export`, `log`: the edges.

mod app;
mod clipboard;
mod command;
mod cursor;
mod detail;
mod event_loop;
mod export;
mod keymap;
mod log;
mod model;
mod origin;
mod query;
mod rows;
mod terminal;
mod theme;
mod time;
mod views;
mod widgets;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::process::ExitCode;

pub use app::{App, Effect, Tab, ToastKind};
pub use export::Format;
pub use model::Model;
pub use origin::Origin;
pub use theme::Theme;
pub use views::{MIN_HEIGHT, MIN_WIDTH, draw};

use crate::analysis::Settings;
use crate::cli::{SourceArgs, fail};

/// Runs the dashboard on what `source` names. Exit status 0 when the user quits, 2 (with
/// one line on stderr) when it cannot start.
pub fn run(source: &SourceArgs) -> ExitCode {
    if let Some(path) = &source.log_file
        && let Err(e) = log::init(path)
    {
        return fail(e);
    }
    let runtime = match event_loop::runtime() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // Live: connect before taking the terminal, so problems are one line on stderr.
    let origin = Origin::of(source);
    // The credential plugin runs again as tokens expire, while the dashboard holds the
    // terminal: it must not prompt or write there.
    let live = crate::sources::live::LiveOptions {
        interactive_auth: false,
        ..source.live_options()
    };
    let (inventory, feed) = if origin == Origin::Live {
        match runtime.block_on(event_loop::Feed::connect(&live)) {
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
        generated_at: time::rfc3339(time::now_secs()),
    };
    let theme = Theme::from_env();
    terminal::install_hooks(theme.color);
    let app =
        App::new(inventory, settings, origin, theme).with_contexts(kubeconfig_contexts(source));
    let result = event_loop::run(&runtime, app, source, live, feed);
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
