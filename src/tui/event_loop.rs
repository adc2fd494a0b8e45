//! The event loop: draws only when something changed (a key, a resize, new data, a timer
//! running out), sleeps otherwise, and performs the app's effects (clipboard, export,
//! refresh) at the edge.

use std::io::Write;
use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::cli::SourceArgs;

use super::app::{App, Effect, ToastKind};
use super::{clipboard, export, terminal, time};

/// Where the data comes from, as the header says it.
pub fn origin_label(source: &SourceArgs) -> String {
    match &source.replay {
        Some(path) => format!("replay {}", path.display()),
        None if source.demo => "demo".into(),
        None => "live".into(),
    }
}

enum Input {
    Terminal(crossterm::event::Event),
    Failed(std::io::Error),
}

/// Runs the dashboard until the user quits (or SIGTERM/SIGHUP).
pub fn run(app: App, source: &SourceArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(run_async(app, source))
}

async fn run_async(mut app: App, source: &SourceArgs) -> Result<()> {
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
        source = %origin_label(source),
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
        }
        let deadline = app.next_deadline();
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
            () = sleep_until(deadline) => {
                app.tick(Instant::now());
                dirty = true;
            }
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
        }
        for effect in app.take_effects() {
            perform(&mut app, effect, source, &mut guard.terminal, in_tmux);
            dirty = true;
        }
        if app.should_quit() {
            break;
        }
    }
    tracing::info!("dashboard closed");
    Ok(())
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn perform(
    app: &mut App,
    effect: Effect,
    source: &SourceArgs,
    terminal: &mut terminal::Term,
    in_tmux: bool,
) {
    let now = Instant::now();
    match effect {
        Effect::Copy { text, what } => {
            let out = terminal.backend_mut();
            match clipboard::copy(out, &text, in_tmux) {
                Ok(()) => app.notify(format!("copied {what} (OSC 52)"), ToastKind::Info, now),
                Err(e) => app.notify(format!("cannot copy: {e}"), ToastKind::Error, now),
            }
        }
        Effect::Export { formats, path } => {
            let written = std::env::current_dir()
                .map_err(|e| format!("no current directory: {e}"))
                .and_then(|dir| {
                    let stamp = time::file_stamp(time::now_secs());
                    export::write(app.report(), &formats, path.as_deref(), &dir, &stamp)
                });
            match written {
                Ok(files) => app.notify(export::summary(&files), ToastKind::Info, now),
                Err(e) => app.notify(e, ToastKind::Error, now),
            }
        }
        Effect::Refresh => match &source.replay {
            None if source.demo => app.notify(
                "refresh requested: the demo cluster does not change",
                ToastKind::Info,
                now,
            ),
            None => app.notify(
                "refresh requested: this source cannot refresh yet",
                ToastKind::Info,
                now,
            ),
            // A snapshot file: read it again.
            Some(path) => match source.load() {
                Ok(inv) => {
                    app.set_generated_at(time::rfc3339(time::now_secs()));
                    let changed = app.apply_inventory(inv, now);
                    app.notify(
                        format!("read {} again: {changed} changed", path.display()),
                        ToastKind::Info,
                        now,
                    );
                }
                Err(e) => app.notify(e, ToastKind::Error, now),
            },
        },
        Effect::SwitchContext(name) => app.notify(
            format!("context switching needs live sources (asked for {name})"),
            ToastKind::Info,
            now,
        ),
    }
    let _ = terminal.backend_mut().flush();
}
