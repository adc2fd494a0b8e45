//! The event loop: draws only when something changed (a key, a resize, new data, a timer
//! running out), sleeps otherwise, and performs the app's effects (clipboard, export,
//! refresh) at the edge.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

use crate::cli::SourceArgs;
use crate::sources::aws::{self, AwsOptions, CallLog};
use crate::sources::live::{self, LiveOptions, StartError};
use crate::sources::store::Store;

use super::app::{App, Effect, ToastKind};
use super::model::Model;
use super::{clipboard, export, terminal, time};

/// Live sources: the store they fill, and how to read AWS into it.
pub struct Feed {
    pub store: Arc<Store>,
    pub aws: AwsOptions,
    pub no_aws: bool,
    pub sync_timeout: Duration,
    /// The watchers, then the AWS reads: all stopped when the feed is dropped (`:ctx`).
    pub handles: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Feed {
    /// Connects to the cluster `opts` name and starts its watchers.
    pub async fn connect(opts: &LiveOptions) -> Result<Feed, StartError> {
        let (store, aws, handles) = live::start(opts).await?;
        Ok(Feed {
            store,
            aws,
            no_aws: opts.no_aws,
            sync_timeout: opts.sync_timeout,
            handles: std::sync::Mutex::new(handles),
        })
    }

    /// Reads AWS into the store in the background (after the Kubernetes side synced);
    /// with `--no-aws`, records at once that it is skipped.
    fn read_aws(&self, wait_for_sync: bool) {
        if self.no_aws {
            self.store.update(|d| {
                d.aws.reachable = false;
                d.aws.skipped = true;
            });
            return;
        }
        let (store, opts, timeout) = (self.store.clone(), self.aws.clone(), self.sync_timeout);
        let read = tokio::spawn(async move {
            if wait_for_sync {
                live::wait_settled(&store, timeout).await;
            }
            aws::fetch(&opts, &store, &CallLog::default()).await;
        });
        if let Ok(mut handles) = self.handles.lock() {
            handles.retain(|h| !h.is_finished());
            handles.push(read);
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Ok(handles) = self.handles.lock() {
            for h in handles.iter() {
                h.abort();
            }
        }
    }
}

/// Live data is analysed again at most this often.
const DEBOUNCE: Duration = Duration::from_millis(250);

enum Input {
    Terminal(crossterm::event::Event),
    Failed(std::io::Error),
}

/// The runtime the dashboard and its live sources share (watchers decode on the other core).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
}

/// Runs the dashboard until the user quits (or SIGTERM/SIGHUP). `live` is how to connect
/// when `:ctx` asks for another context; `feed` is the live cluster shown now, if any.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    app: App,
    source: &SourceArgs,
    live: LiveOptions,
    feed: Option<Feed>,
) -> Result<()> {
    runtime.block_on(run_async(app, source, live, feed))
}

/// The options to connect to `context`: `--cluster` and `--region` described the context
/// the dashboard started on, so the new context's own are inferred (or `cluster`, given
/// with `:ctx CONTEXT CLUSTER`); the rest (kubeconfig, namespaces, profile, `--no-aws`, the
/// sync timeout) carries over.
fn switch_options(base: &LiveOptions, context: String, cluster: Option<String>) -> LiveOptions {
    LiveOptions {
        context: Some(context),
        cluster,
        region: None,
        ..base.clone()
    }
}

/// A failed `:ctx`, said for the dashboard (not with command-line flags).
fn switch_error(error: &StartError) -> String {
    match error {
        StartError::ClusterUnknown { context } => format!(
            "the context does not tell the EKS cluster's name; give it: :ctx {context} CLUSTER"
        ),
        StartError::Other(message) => message.clone(),
    }
}

/// The next change of the live store (`false` once it is gone); never without one.
async fn next_change(changes: &mut Option<watch::Receiver<u64>>) -> bool {
    match changes {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

async fn run_async(
    mut app: App,
    source: &SourceArgs,
    live: LiveOptions,
    mut feed: Option<Feed>,
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
    let mut changes = feed.as_ref().map(|f| f.store.subscribe());
    // New live data waits here until the debounce delay has passed; then it is analysed on a
    // blocking thread (one analysis at a time) and the result comes back on `models`.
    // Each feed has a generation: an analysis of the feed `:ctx` replaced is dropped.
    let mut pending: Option<Instant> = None;
    let mut analyzing = false;
    let mut generation = 0u64;
    let (models_tx, mut models) = mpsc::unbounded_channel::<(u64, Model)>();
    // `:ctx`: connections under way report here.
    let (switch_tx, mut switches) = mpsc::unbounded_channel::<Result<Feed, StartError>>();
    if let Some(f) = &feed {
        f.read_aws(true);
    }
    // For the end-to-end test of the panic path only: `ui` panics on the UI thread after
    // the first frame, `background` on another thread.
    let test_panic = std::env::var("IRSA_TUI_TEST_PANIC").ok();
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
            match test_panic.as_deref() {
                Some("ui") => panic!("test panic on the UI thread (IRSA_TUI_TEST_PANIC)"),
                Some("background") => {
                    tokio::task::spawn_blocking(|| {
                        panic!("test panic on a background thread (IRSA_TUI_TEST_PANIC)")
                    });
                }
                _ => {}
            }
        }
        let deadline = earliest(app.next_deadline(), pending.filter(|_| !analyzing));
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
            alive = next_change(&mut changes) => {
                if alive {
                    pending.get_or_insert_with(|| Instant::now() + DEBOUNCE);
                } else {
                    changes = None;
                }
            }
            Some((of, model)) = models.recv() => {
                if of == generation {
                    analyzing = false;
                    app.apply_model(model, Instant::now());
                    dirty = true;
                } else {
                    // Of a cluster no longer shown: freed off the UI thread, like a replaced one.
                    tokio::task::spawn_blocking(move || drop(model));
                }
            }
            Some(switched) = switches.recv() => {
                match switched {
                    Ok(new) => {
                        // Dropping the old feed stops its watchers.
                        generation += 1;
                        analyzing = false;
                        pending = None;
                        changes = Some(new.store.subscribe());
                        new.read_aws(true);
                        app.switched(new.store.inventory(), Instant::now());
                        feed = Some(new);
                    }
                    Err(e) => app.switch_failed(&switch_error(&e), Instant::now()),
                }
                dirty = true;
            }
            () = sleep_until(deadline) => {
                let now = Instant::now();
                if let (Some(at), Some(f)) = (pending, &feed)
                    && now >= at
                    && !analyzing
                {
                    pending = None;
                    analyzing = true;
                    let store = f.store.clone();
                    let mut settings = app.settings().clone();
                    settings.generated_at = time::rfc3339(time::now_secs());
                    let tx = models_tx.clone();
                    let of = generation;
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send((of, Model::new(store.inventory(), &settings)));
                    });
                }
                app.tick(now);
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
            if let Effect::SwitchContext { context, cluster } = effect {
                let opts = switch_options(&live, context, cluster);
                let tx = switch_tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Feed::connect(&opts).await);
                });
                continue;
            }
            perform(
                &mut app,
                effect,
                source,
                feed.as_ref(),
                &mut guard.terminal,
                in_tmux,
            );
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
    feed: Option<&Feed>,
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
        Effect::Refresh => {
            if let Some(f) = feed {
                let text = if f.no_aws {
                    "nothing to refresh: AWS is skipped (--no-aws), Kubernetes is watched"
                } else {
                    "re-reading AWS"
                };
                f.read_aws(false);
                app.notify(text, ToastKind::Info, now);
            } else if let Some(path) = &source.replay {
                // A snapshot file: read it again.
                match source.load() {
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
                }
            } else {
                app.notify(
                    "refresh requested: the demo cluster does not change",
                    ToastKind::Info,
                    now,
                );
            }
        }
        // Handled by the loop, which owns the feed.
        Effect::SwitchContext { .. } => {}
    }
    let _ = terminal.backend_mut().flush();
}
