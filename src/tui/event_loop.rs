//! The event loop: draws only when something changed (a key, a resize, an update, a timer
//! running out), sleeps otherwise, applies the updates it is sent, performs the app's
//! effects at the edge (clipboard, export) and passes the others on as requests.

use std::io::Write;
use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::updates::{Request, Update};

use super::app::{App, Effect, ToastKind};
use super::model::Model;
use super::{clipboard, export, terminal};

enum Input {
    Terminal(crossterm::event::Event),
    Failed(std::io::Error),
}

/// Runs the dashboard until the user quits (or SIGTERM/SIGHUP), showing what `updates`
/// brings and asking `requests` for what it cannot do itself.
pub async fn run(
    mut app: App,
    mut updates: mpsc::UnboundedReceiver<Update<Model>>,
    requests: mpsc::UnboundedSender<Request>,
) -> Result<()> {
    let mut guard = terminal::enter().wrap_err("cannot set up the terminal")?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // crossterm's blocking reader on its own thread: no polling, no busy loop.
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            loop {
                let event = crossterm::event::read();
                let failed = event.is_err();
                let sent = tx.send(match event {
                    Ok(e) => Input::Terminal(e),
                    Err(e) => Input::Failed(e),
                });
                if failed || sent.is_err() {
                    break;
                }
            }
        })
        .wrap_err("cannot start the terminal reader")?;
    let mut terminate = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut hangup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    let in_tmux = std::env::var_os("TMUX").is_some();
    let mut dirty = true;
    tracing::info!(
        source = %app.origin.label(),
        bindings = app.report().bindings.len(),
        "dashboard started"
    );
    loop {
        if dirty {
            guard
                .terminal
                .draw(|frame| super::views::draw(frame, &mut app))
                .wrap_err("cannot draw")?;
            dirty = false;
            test_panic();
        }
        tokio::select! {
            input = rx.recv() => match input {
                Some(Input::Terminal(event)) => {
                    if app.handle_event(&event, Instant::now()) {
                        dirty = true;
                    }
                }
                Some(Input::Failed(e)) => return Err(e).wrap_err("cannot read the terminal"),
                None => break,
            },
            Some(update) = updates.recv() => {
                apply(&mut app, update, Instant::now());
                dirty = true;
            }
            () = sleep_until(app.next_deadline()) => {
                app.tick(Instant::now());
                dirty = true;
            }
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
        }
        // Freeing a replaced model of a large cluster takes tens of milliseconds.
        if let Some(old) = app.take_retired() {
            tokio::task::spawn_blocking(move || drop(old));
        }
        for effect in app.take_effects() {
            perform(&mut app, effect, &requests, &mut guard.terminal, in_tmux);
            dirty = true;
        }
        if app.should_quit() {
            break;
        }
    }
    tracing::info!("dashboard closed");
    Ok(())
}

/// What `y` says: the text was sent to the terminal's clipboard, which the terminal may
/// ignore; in tmux only with `set-clipboard` on. `:export` writes it to a file instead.
fn copy_sent(what: &str, in_tmux: bool) -> String {
    if in_tmux {
        format!(
            "sent {what} to the clipboard (OSC 52; tmux needs `set -g set-clipboard on`; or :export md)"
        )
    } else {
        format!("sent {what} to the clipboard (OSC 52, if the terminal allows it; or :export md)")
    }
}

fn apply(app: &mut App, update: Update<Model>, now: Instant) {
    match update {
        Update::Analysed(model) => {
            app.apply_model(model, now);
        }
        Update::Patched(patch) => {
            app.apply_patch(*patch, now);
        }
        Update::Reloaded { model, path } => {
            let changed = app.apply_model(model, now);
            app.notify(
                format!("read {} again: {changed} changed", path.display()),
                ToastKind::Info,
                now,
            );
        }
        Update::Switched { model, context } => app.switched(model, &context, now),
        Update::SwitchFailed { error, .. } => app.switch_failed(&error, now),
        Update::Answered {
            action,
            resource,
            answers,
        } => app.answered(&action, &resource, answers, now),
        Update::Notice { text, error } => {
            let kind = if error {
                ToastKind::Error
            } else {
                ToastKind::Info
            };
            app.notify(text, kind, now);
        }
    }
}

/// For the end-to-end test of the panic path only, in debug builds: `IRSA_TUI_TEST_PANIC`
/// `ui` panics on the UI thread after the first frame, `background` on another thread.
#[cfg(debug_assertions)]
#[allow(clippy::panic, reason = "the test of the panic path needs a panic")]
fn test_panic() {
    match std::env::var("IRSA_TUI_TEST_PANIC").ok().as_deref() {
        Some("ui") => panic!("test panic on the UI thread (IRSA_TUI_TEST_PANIC)"),
        Some("background") => {
            tokio::task::spawn_blocking(|| {
                panic!("test panic on a background thread (IRSA_TUI_TEST_PANIC)")
            });
        }
        _ => {}
    }
}

#[cfg(not(debug_assertions))]
fn test_panic() {}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn perform(
    app: &mut App,
    effect: Effect,
    requests: &mpsc::UnboundedSender<Request>,
    terminal: &mut terminal::Term,
    in_tmux: bool,
) {
    let now = Instant::now();
    match effect {
        Effect::Copy { text, what } => {
            let out = terminal.backend_mut();
            match clipboard::copy(out, &text, in_tmux) {
                // The terminal may ignore OSC 52 silently: say it was sent, and how to
                // make it land.
                Ok(()) => app.notify(copy_sent(&what, in_tmux), ToastKind::Info, now),
                Err(e) => app.notify(format!("cannot copy: {e}"), ToastKind::Error, now),
            }
        }
        Effect::Export { formats, path } => {
            let written = std::env::current_dir()
                .map_err(|e| format!("no current directory: {e}"))
                .and_then(|dir| {
                    let stamp = crate::time::file_stamp(crate::time::now_secs());
                    // Stamped with the time of the export, not of the analysis.
                    let mut report = app.export_report();
                    report.generated_at = crate::time::now();
                    export::write(&report, &formats, path.as_deref(), &dir, &stamp)
                });
            match written {
                Ok(files) => app.notify(export::summary(&files), ToastKind::Info, now),
                Err(e) => app.notify(e, ToastKind::Error, now),
            }
        }
        Effect::Snapshot { path } => {
            let written = std::env::current_dir()
                .map_err(|e| format!("no current directory: {e}"))
                .map(|dir| {
                    let stamp = crate::time::file_stamp(crate::time::now_secs());
                    export::snapshot_path(app.report(), path.as_deref(), &dir, &stamp)
                });
            match written {
                // The inventory is the update service's: it writes the file and says so.
                Ok(path) => {
                    if requests.send(Request::Snapshot { path }).is_err() {
                        app.notify(
                            "cannot write a snapshot: the update service stopped",
                            ToastKind::Error,
                            now,
                        );
                    }
                }
                Err(e) => app.notify(e, ToastKind::Error, now),
            }
        }
        Effect::Refresh => {
            if requests.send(Request::Refresh).is_err() {
                app.notify(
                    "cannot refresh: the update service stopped",
                    ToastKind::Error,
                    now,
                );
            }
        }
        Effect::Ask { action, resource } => {
            if requests.send(Request::Ask { action, resource }).is_err() {
                app.notify(
                    "cannot ask: the update service stopped",
                    ToastKind::Error,
                    now,
                );
            }
        }
        Effect::SwitchContext { context, cluster } => {
            if requests
                .send(Request::SwitchContext { context, cluster })
                .is_err()
            {
                app.switch_failed("the update service stopped", now);
            }
        }
    }
    let _ = terminal.backend_mut().flush();
}

#[cfg(test)]
mod copy_tests {
    use super::copy_sent;

    #[test]
    fn a_copy_says_it_was_sent_and_how_to_make_it_land() {
        let plain = copy_sent("the IRSA203 fix", false);
        assert!(
            plain.starts_with("sent the IRSA203 fix to the clipboard (OSC 52"),
            "{plain}"
        );
        assert!(plain.contains(":export md"), "{plain}");
        assert!(copy_sent("x", true).contains("set -g set-clipboard on"));
    }
}
