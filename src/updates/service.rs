//! The service behind the dashboard. Live data is analysed again at most every
//! [`DEBOUNCE`], on a blocking thread, one analysis at a time; each connection (the first
//! cluster, then every `:ctx`) is a generation, and an analysis of a generation no longer
//! shown is dropped, never delivered. Models a generation replaced are freed off the
//! runtime's async threads too (freeing a large one takes tens of milliseconds).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::analysis::Settings;
use crate::analysis::permissions::ask::answers_by_role;
use crate::inventory::Inventory;
use crate::policy::identity::Question;
use crate::sources::aws::CallLog;
use crate::sources::live::{Feed, LiveOptions, StartError};

use super::{Analysed, Following, Origin, Request, Update};

/// Live data is analysed again at most this often.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Builds what the dashboard shows from an analysis (run off the UI thread).
pub type Prepare<M> = Arc<dyn Fn(Analysed) -> M + Send + Sync>;

/// Reads the snapshot file again (replay).
pub type Reload = Arc<dyn Fn() -> Result<Inventory, String> + Send + Sync>;

/// What the service starts with.
pub struct Service<M> {
    pub origin: Origin,
    /// The live cluster shown now, if any.
    pub feed: Option<Feed>,
    /// How to connect when `:ctx` asks for another context.
    pub live: LiveOptions,
    /// The analysis settings; `generated_at` is stamped at every analysis.
    pub settings: Settings,
    pub reload: Reload,
    pub prepare: Prepare<M>,
    /// Live updates after the first are sent as what changed ([`Update::Patched`]) to a
    /// dashboard that applies them to the model it holds, not as whole models.
    pub patches: bool,
}

/// An analysis finished (of a generation): what to deliver, or why there is nothing; the
/// analysis of the live store, to follow its next changes from.
type Done<M> = (u64, Result<Delivered<M>, String>, Option<Following>);

/// What a finished analysis delivers: a model, or what changed in the one delivered before.
enum Delivered<M> {
    Model(Delivery, M),
    Patch(Box<super::Patch>),
}

/// What a finished analysis is delivered as.
enum Delivery {
    Analysed,
    Reloaded(PathBuf),
    Switched(String),
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

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl<M: Send + 'static> Service<M> {
    /// Runs until the dashboard hangs up (its request sender is dropped): sends every new
    /// analysis on `updates` and carries out `requests`.
    pub async fn run(
        mut self,
        updates: mpsc::UnboundedSender<Update<M>>,
        mut requests: mpsc::UnboundedReceiver<Request>,
    ) {
        let mut changes = self.feed.as_ref().map(|f| f.store.subscribe());
        if let Some(f) = &self.feed {
            f.read_aws_in_background(true);
            f.follow_new_roles(CallLog::default());
        }
        // New live data waits here until the debounce delay has passed.
        let mut pending: Option<Instant> = None;
        let mut analyzing = false;
        let mut generation = 0u64;
        // The live store's analysis, between two updates (taken by the one under way).
        let mut following: Option<Following> = None;
        let (done_tx, mut done) = mpsc::unbounded_channel::<Done<M>>();
        let (switch_tx, mut switches) =
            mpsc::unbounded_channel::<(String, Result<Feed, StartError>)>();
        loop {
            tokio::select! {
                alive = next_change(&mut changes) => {
                    if alive {
                        pending.get_or_insert_with(|| Instant::now() + DEBOUNCE);
                    } else {
                        changes = None;
                    }
                }
                Some((of, result, followed)) = done.recv() => {
                    let update = match result {
                        // Of a cluster no longer shown.
                        Ok(delivered) if of != generation => {
                            tokio::task::spawn_blocking(move || drop((delivered, followed)));
                            continue;
                        }
                        Ok(Delivered::Patch(patch)) => Update::Patched(patch),
                        Ok(Delivered::Model(Delivery::Analysed, model)) => Update::Analysed(model),
                        Ok(Delivered::Model(Delivery::Reloaded(path), model)) => Update::Reloaded { model, path },
                        Ok(Delivered::Model(Delivery::Switched(context), model)) => Update::Switched { model, context },
                        Err(text) => Update::Notice { text, error: true },
                    };
                    if of == generation {
                        analyzing = false;
                        if followed.is_some() {
                            following = followed;
                        }
                    }
                    if updates.send(update).is_err() {
                        break;
                    }
                }
                Some((context, connected)) = switches.recv() => match connected {
                    Ok(feed) => {
                        // Dropping the old feed stops its watchers and AWS reads.
                        generation += 1;
                        pending = None;
                        changes = Some(feed.store.subscribe());
                        feed.read_aws_in_background(true);
                        feed.follow_new_roles(CallLog::default());
                        let store = feed.store.clone();
                        self.feed = Some(feed);
                        self.origin = Origin::Live;
                        // The old store's analysis is of no use on the new one.
                        if let Some(old) = following.take() {
                            tokio::task::spawn_blocking(move || drop(old));
                        }
                        self.follow(store, None, generation, Delivery::Switched(context), &done_tx);
                        analyzing = true;
                    }
                    Err(e) => {
                        let error = switch_error(&e);
                        if updates.send(Update::SwitchFailed { context, error }).is_err() {
                            break;
                        }
                    }
                },
                request = requests.recv() => match request {
                    None => break,
                    Some(Request::SwitchContext { context, cluster }) => {
                        let opts = switch_options(&self.live, context.clone(), cluster);
                        let tx = switch_tx.clone();
                        tokio::spawn(async move {
                            let _ = tx.send((context, Feed::connect(&opts).await));
                        });
                    }
                    Some(Request::Ask { action, resource }) => self.ask(action, resource, &updates),
                    Some(Request::Snapshot { path }) => self.snapshot(path, &updates),
                    Some(Request::Refresh) => {
                        if let Some(notice) = self.refresh(generation, &done_tx, &updates) {
                            let _ = updates.send(notice);
                        }
                    }
                },
                () = sleep_until(pending.filter(|_| !analyzing)) => {
                    pending = None;
                    if let Some(f) = &self.feed {
                        let store = f.store.clone();
                        self.follow(store, following.take(), generation, Delivery::Analysed, &done_tx);
                        analyzing = true;
                    }
                }
            }
        }
        tracing::debug!("update service stopped");
    }

    /// Loads and analyses an inventory on a blocking thread; the result (or why it could
    /// not be loaded) comes back on `done`.
    fn analyse(
        &self,
        load: impl FnOnce() -> Result<Inventory, String> + Send + 'static,
        generation: u64,
        delivery: Delivery,
        done: &mpsc::UnboundedSender<Done<M>>,
    ) {
        let mut settings = self.settings.clone();
        let prepare = self.prepare.clone();
        let done = done.clone();
        tokio::task::spawn_blocking(move || {
            let result = load().map(|inventory| {
                settings.generated_at = crate::time::now();
                let model = prepare(Analysed::of(&inventory, &settings));
                drop(inventory);
                Delivered::Model(delivery, model)
            });
            let _ = done.send((generation, result, None));
        });
    }

    /// Brings the analysis of the live store up to date with its changes (or analyses it in
    /// full, and starts following it, when `following` is `None`) on a blocking thread; the
    /// result comes back on `done`, with the analysis to follow the next changes from.
    fn follow(
        &self,
        store: Arc<crate::sources::store::Store>,
        following: Option<Following>,
        generation: u64,
        delivery: Delivery,
        done: &mpsc::UnboundedSender<Done<M>>,
    ) {
        let settings = self.settings.clone();
        let prepare = self.prepare.clone();
        let done = done.clone();
        let patches = self.patches;
        tokio::task::spawn_blocking(move || {
            let (mut following, patch) = match following {
                Some(mut f) => {
                    let patch = f.update(&store, crate::time::now());
                    (f, patch)
                }
                None => {
                    let mut settings = settings;
                    settings.generated_at = crate::time::now();
                    (Following::start(&store, &settings), None)
                }
            };
            let delivered = match patch {
                // The dashboard holds the analysis before: what changed is enough.
                Some(patch) if patches && matches!(delivery, Delivery::Analysed) => {
                    Delivered::Patch(Box::new(patch))
                }
                _ => Delivered::Model(delivery, prepare(following.analysed())),
            };
            let _ = done.send((generation, Ok(delivered), Some(following)));
        });
    }

    /// `:can`: answers the question for every role of the data shown, on a blocking thread
    /// (the live store's inventory, or the demo or snapshot read again).
    fn ask(&self, action: String, resource: String, updates: &mpsc::UnboundedSender<Update<M>>) {
        let store = self.feed.as_ref().map(|f| f.store.clone());
        let reload = self.reload.clone();
        let updates = updates.clone();
        tokio::task::spawn_blocking(move || {
            let inventory = match store {
                Some(store) => Ok(store.inventory()),
                None => reload(),
            };
            let update = match inventory {
                Ok(inv) => {
                    let question = Question::new(&action, &resource);
                    let answers = Arc::new(answers_by_role(&inv, &question, &[], true));
                    Update::Answered {
                        action,
                        resource,
                        answers,
                    }
                }
                Err(e) => Update::Notice {
                    text: format!("cannot answer :can {action}: {e}"),
                    error: true,
                },
            };
            let _ = updates.send(update);
        });
    }

    /// `:snapshot`: writes the data shown (the live store's inventory, or the demo or
    /// snapshot read again) as `irsa-tui snapshot` does, on a blocking thread; says where.
    fn snapshot(&self, path: PathBuf, updates: &mpsc::UnboundedSender<Update<M>>) {
        let store = self.feed.as_ref().map(|f| f.store.clone());
        let reload = self.reload.clone();
        let updates = updates.clone();
        tokio::task::spawn_blocking(move || {
            let inventory = match store {
                Some(store) => Ok(store.inventory()),
                None => reload(),
            };
            let written = inventory.and_then(|mut inv| {
                if inv.captured_at.is_none() {
                    inv.captured_at = Some(crate::time::now());
                }
                std::fs::write(&path, inv.to_snapshot_json())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            });
            let update = match written {
                Ok(()) => Update::Notice {
                    text: format!(
                        "snapshot written to {} (open it with irsa-tui --replay)",
                        path.display()
                    ),
                    error: false,
                },
                Err(e) => Update::Notice {
                    text: format!("cannot write the snapshot: {e}"),
                    error: true,
                },
            };
            let _ = updates.send(update);
        });
    }

    /// `Ctrl-R`: re-reads what can change. Returns what to tell the user now, if anything;
    /// a re-read of AWS is confirmed on `updates` when it is over.
    fn refresh(
        &self,
        generation: u64,
        done: &mpsc::UnboundedSender<Done<M>>,
        updates: &mpsc::UnboundedSender<Update<M>>,
    ) -> Option<Update<M>> {
        let notice = |text: &str, error: bool| {
            Some(Update::Notice {
                text: text.to_owned(),
                error,
            })
        };
        match (&self.feed, &self.origin) {
            (Some(f), _) => {
                let over = f.read_aws_in_background(false);
                if !f.no_aws {
                    let (store, updates) = (f.store.clone(), updates.clone());
                    tokio::spawn(async move {
                        // Not told when the feed (another context now) dropped the read.
                        if over.await.is_ok() {
                            let _ = updates.send(reread_notice(&store.read(|d| d.aws.clone())));
                        }
                    });
                }
                if f.no_aws {
                    notice(
                        "nothing to refresh: AWS is skipped (--no-aws), Kubernetes is watched",
                        false,
                    )
                } else {
                    notice("re-reading AWS", false)
                }
            }
            (None, Origin::Replay(path)) => {
                let reload = self.reload.clone();
                let delivery = Delivery::Reloaded(path.clone());
                self.analyse(move || reload(), generation, delivery, done);
                None
            }
            (None, _) => notice("refresh requested: the demo cluster does not change", false),
        }
    }
}

/// What a finished `Ctrl-R` re-read of AWS is confirmed with.
fn reread_notice<M>(aws: &crate::inventory::AwsStatus) -> Update<M> {
    if aws.reachable {
        let at = aws
            .read_at
            .as_deref()
            .and_then(|t| t.get(11..19))
            .map_or(String::new(), |hms| format!(" at {hms} UTC"));
        Update::Notice {
            text: format!("AWS read again{at}"),
            error: false,
        }
    } else {
        Update::Notice {
            text: format!(
                "AWS could not be read again: {}",
                aws.error.as_deref().unwrap_or("no reason given")
            ),
            error: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::inventory::ServiceAccount;
    use crate::sources::store::Store;

    fn service(origin: Origin, feed: Option<Feed>, reload: Reload) -> Service<Analysed> {
        Service {
            origin,
            feed,
            live: LiveOptions {
                kubeconfig: Some("/nonexistent/irsa-tui-test/kubeconfig".into()),
                ..LiveOptions::default()
            },
            settings: Settings::default(),
            reload,
            prepare: Arc::new(|a| a),
            patches: false,
        }
    }

    fn no_reload() -> Reload {
        Arc::new(|| Err("not a replay".to_owned()))
    }

    type Channels = (
        mpsc::UnboundedSender<Request>,
        mpsc::UnboundedReceiver<Update<Analysed>>,
        tokio::task::JoinHandle<()>,
    );

    fn start(s: Service<Analysed>) -> Channels {
        let (updates, updates_rx) = mpsc::unbounded_channel();
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(s.run(updates, requests_rx));
        (requests, updates_rx, task)
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<Update<Analysed>>) -> Update<Analysed> {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(u)) => u,
            other => panic!("no update: {other:?}"),
        }
    }

    fn add_sa(store: &Store, name: &str) {
        store.update(|d| {
            d.service_accounts.insert(
                ("team".into(), name.into()),
                ServiceAccount {
                    namespace: "team".into(),
                    name: name.into(),
                    role_arn: Some(format!("arn:aws:iam::111122223333:role/{name}")),
                    ..Default::default()
                },
            );
        });
    }

    #[tokio::test]
    async fn live_changes_are_analysed_once_per_burst_with_the_latest_data() {
        let store = Store::new();
        let (requests, mut rx, task) = start(service(
            Origin::Live,
            Some(Feed::of_store(store.clone())),
            no_reload(),
        ));
        // The first AWS "read" of a --no-aws feed records that AWS is skipped.
        let Update::Analysed(first) = next(&mut rx).await else {
            panic!("an analysis")
        };
        assert!(first.aws.skipped);
        // Three changes in quick succession: one analysis, of all three.
        for name in ["a", "b", "c"] {
            add_sa(&store, name);
        }
        let Update::Analysed(burst) = next(&mut rx).await else {
            panic!("an analysis")
        };
        assert_eq!(burst.report.bindings.len(), 3);
        assert!(
            tokio::time::timeout(DEBOUNCE * 3, rx.recv()).await.is_err(),
            "nothing more without a change"
        );
        // Ctrl-R with --no-aws says so.
        requests.send(Request::Refresh).expect("sent");
        let Update::Notice { text, error } = next(&mut rx).await else {
            panic!("a notice")
        };
        assert!(!error && text.starts_with("nothing to refresh"), "{text}");
        // The dashboard hangs up: the service stops.
        drop(requests);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("stopped")
            .expect("no panic");
    }

    /// Live changes after the first analysis are applied incrementally: each update equals a
    /// full analysis of what the store holds then (stamps aside).
    #[tokio::test]
    async fn each_live_update_equals_a_full_analysis_of_the_store() {
        let store = Store::new();
        let (requests, mut rx, _task) = start(service(
            Origin::Live,
            Some(Feed::of_store(store.clone())),
            no_reload(),
        ));
        let Update::Analysed(_) = next(&mut rx).await else {
            panic!("an analysis")
        };
        let same = |delivered: &Analysed| {
            let mut full = crate::analysis::analyze(&store.inventory(), &Settings::default());
            full.generated_at = delivered.report.generated_at.clone();
            full.cluster.captured_at = delivered.report.cluster.captured_at.clone();
            assert_eq!(delivered.report, full);
        };
        add_sa(&store, "a");
        add_sa(&store, "b");
        let Update::Analysed(one) = next(&mut rx).await else {
            panic!("an analysis")
        };
        assert_eq!(one.report.bindings.len(), 2);
        same(&one);
        store.update(|d| {
            d.pods.insert(
                ("team".into(), "a-1".into()),
                crate::inventory::Pod {
                    namespace: "team".into(),
                    name: "a-1".into(),
                    service_account: "a".into(),
                    ..Default::default()
                }
                .into(),
            );
            d.service_accounts.remove(&("team".into(), "b".into()));
        });
        let Update::Analysed(two) = next(&mut rx).await else {
            panic!("an analysis")
        };
        assert_eq!(two.report.bindings.len(), 1);
        assert_eq!(two.report.bindings[0].pods.len(), 1);
        same(&two);
        drop(requests);
    }

    /// With patches on (the dashboard), live updates after the first are what changed: the
    /// bindings built again with their rows now, and the summary.
    #[tokio::test]
    async fn live_updates_after_the_first_are_sent_as_what_changed() {
        let store = Store::new();
        let mut s = service(
            Origin::Live,
            Some(Feed::of_store(store.clone())),
            no_reload(),
        );
        s.patches = true;
        let (requests, mut rx, _task) = start(s);
        let Update::Analysed(first) = next(&mut rx).await else {
            panic!("a whole analysis first")
        };
        assert!(first.report.bindings.is_empty());
        add_sa(&store, "a");
        let Update::Patched(patch) = next(&mut rx).await else {
            panic!("a patch")
        };
        let full = crate::analysis::analyze(&store.inventory(), &Settings::default());
        let key = ("team".into(), "a".into());
        assert_eq!(patch.bindings.len(), 1);
        assert_eq!(patch.bindings[0].0, key);
        assert_eq!(patch.bindings[0].1.as_ref(), full.bindings.first());
        assert_eq!(patch.summary, full.summary);
        store.update(|d| d.service_accounts.remove(&key));
        let Update::Patched(patch) = next(&mut rx).await else {
            panic!("a patch")
        };
        assert_eq!(patch.bindings, vec![(key, None)]);
        assert_eq!(patch.summary.bindings, 0);
        drop(requests);
    }

    #[tokio::test]
    async fn a_replay_is_read_again_on_refresh_and_a_failed_read_is_said() {
        let inventory =
            Inventory::from_snapshot_json(include_str!("../../assets/demo/cluster.json"), "demo")
                .expect("the demo");
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = reads.clone();
        let reload: Reload =
            Arc::new(
                move || match counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                    0 => Ok(inventory.clone()),
                    _ => Err("cannot read snapshot x.json: gone".to_owned()),
                },
            );
        let path = Path::new("x.json").to_path_buf();
        let (requests, mut rx, _task) = start(service(Origin::Replay(path.clone()), None, reload));
        requests.send(Request::Refresh).expect("sent");
        let Update::Reloaded { model, path: read } = next(&mut rx).await else {
            panic!("reloaded")
        };
        assert_eq!(read, path);
        assert_eq!(model.report.cluster.name.as_deref(), Some("shop-prod"));
        assert_ne!(
            model.report.generated_at,
            Settings::default().generated_at,
            "stamped now"
        );
        requests.send(Request::Refresh).expect("sent");
        let Update::Notice { text, error } = next(&mut rx).await else {
            panic!("a notice")
        };
        assert!(error);
        assert_eq!(text, "cannot read snapshot x.json: gone");
    }

    #[tokio::test]
    async fn the_demo_does_not_change_and_a_failed_switch_keeps_it() {
        let (requests, mut rx, _task) = start(service(Origin::Demo, None, no_reload()));
        requests.send(Request::Refresh).expect("sent");
        let Update::Notice { text, error } = next(&mut rx).await else {
            panic!("a notice")
        };
        assert!(!error);
        assert_eq!(text, "refresh requested: the demo cluster does not change");
        requests
            .send(Request::SwitchContext {
                context: "staging".into(),
                cluster: None,
            })
            .expect("sent");
        let Update::SwitchFailed { context, error } = next(&mut rx).await else {
            panic!("a failed switch")
        };
        assert_eq!(context, "staging");
        assert!(
            error.contains("/nonexistent/irsa-tui-test/kubeconfig"),
            "{error}"
        );
    }

    /// `:snapshot` writes what `irsa-tui snapshot` writes: the file opens with `--replay`
    /// and gives the same report; a file that cannot be written is said.
    #[tokio::test]
    async fn a_snapshot_is_written_that_replays_to_the_same_report() {
        let reload: Reload =
            Arc::new(|| crate::sources::demo::inventory().map_err(|e| e.to_string()));
        let (requests, mut rx, _task) = start(service(Origin::Demo, None, reload));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.snapshot.json");
        requests
            .send(Request::Snapshot { path: path.clone() })
            .expect("sent");
        let Update::Notice { text, error } = next(&mut rx).await else {
            panic!("a notice")
        };
        assert!(!error, "{text}");
        assert_eq!(
            text,
            format!(
                "snapshot written to {} (open it with irsa-tui --replay)",
                path.display()
            )
        );
        let replayed = crate::sources::replay::inventory(&path).expect("replays");
        let demo = crate::sources::demo::inventory().expect("the demo");
        let settings = Settings::default();
        assert_eq!(
            crate::analysis::analyze(&replayed, &settings),
            crate::analysis::analyze(&demo, &settings),
            "the same report"
        );
        requests
            .send(Request::Snapshot {
                path: dir.path().join("missing/s.json"),
            })
            .expect("sent");
        let Update::Notice { text, error } = next(&mut rx).await else {
            panic!("a notice")
        };
        assert!(
            error && text.starts_with("cannot write the snapshot: cannot write "),
            "{text}"
        );
    }

    /// `:can` is answered off the UI thread, for every role of the data shown (here the
    /// snapshot read again), by role ARN.
    #[tokio::test]
    async fn a_question_is_answered_for_every_role_of_the_data_shown() {
        let reload: Reload =
            Arc::new(|| crate::sources::demo::inventory().map_err(|e| e.to_string()));
        let (requests, mut rx, task) = start(service(Origin::Demo, None, reload));
        requests
            .send(Request::Ask {
                action: "s3:GetObject".into(),
                resource: "arn:aws:s3:::shop-prod-statements/a.pdf".into(),
            })
            .expect("sent");
        let Update::Answered {
            action, answers, ..
        } = next(&mut rx).await
        else {
            panic!("an answer")
        };
        assert_eq!(action, "s3:GetObject");
        let reader = &answers["arn:aws:iam::111122223333:role/shop-prod-statements-reader"];
        assert_eq!(
            reader.decision,
            crate::analysis::permissions::Verdict::Allowed
        );
        assert!(answers.len() > 50, "{} roles answered", answers.len());
        drop(requests);
        task.await.expect("stops");
    }
}
