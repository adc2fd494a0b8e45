//! The dashboard: `irsa-tui` with no subcommand. It shows the [`Model`]s it is sent (built
//! off the UI thread from an analysis) and asks for what it cannot do itself (re-read,
//! switch context) with [`crate::updates::Request`]s. It holds no check logic, starts no
//! source and never analyses; the command line wires it to the update service.
//!
//! - [`app`]: state and how keys and updates change it (pure; effects are queued),
//! - [`keymap`]: the one keymap behind dispatch, the `?` help and the footer,
//! - [`views`] and [`widgets`]: drawing, with windowed tables,
//! - `event_loop`, `terminal`, `clipboard`, `export`: the edges.

mod app;
mod clipboard;
mod command;
mod cursor;
mod detail;
mod event_loop;
mod export;
mod keymap;
mod model;
mod names;
mod query;
mod rows;
mod tab;
mod terminal;
mod theme;
mod views;
mod widgets;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use color_eyre::eyre::Result;
use tokio::sync::mpsc;

pub use app::{App, Effect, ToastKind};
pub use export::Format;
pub use model::Model;
pub use tab::Tab;
pub use theme::Theme;
pub use views::{MIN_HEIGHT, MIN_WIDTH, draw};

use crate::updates::{Request, Update};

/// Runs the dashboard on the terminal until the user quits: shows `app`, then what
/// `updates` brings; asks `requests` for re-reads and context switches. The terminal is
/// restored however it ends (a panic on any thread included).
pub async fn run(
    app: App,
    updates: mpsc::UnboundedReceiver<Update<Model>>,
    requests: mpsc::UnboundedSender<Request>,
) -> Result<()> {
    terminal::install_hooks(app.theme.color);
    event_loop::run(app, updates, requests).await
}
