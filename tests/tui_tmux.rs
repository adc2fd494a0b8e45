//! End to end: the real binary on `--demo`, driven through tmux (send-keys, capture-pane):
//! start, sort, filter, drill down, copy the fix, help, export, snapshot, quit with status 0; and on
//! live (fake) API servers, where a watch event shows up on screen and `:ctx` moves to
//! another cluster.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

mod common;
mod moto;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(15);

/// A tmux server of its own (its own socket), killed when dropped, even on failure.
struct Tmux {
    socket: String,
    session: &'static str,
}

impl Tmux {
    fn start(dir: &Path, command: &str) -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            _ => panic!("this test needs tmux: apt-get install tmux"),
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("irsa-tui-test-{}-{n}", std::process::id()),
            session: "dashboard",
        };
        let dir = dir.to_str().expect("a UTF-8 temp dir");
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            tmux.session,
            "-x",
            "140",
            "-y",
            "40",
            "-c",
            dir,
            command,
        ]);
        // Let the dashboard's OSC 52 create a tmux buffer we can read back.
        tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Keys by tmux name (`Enter`, `Escape`, `S`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Text typed as is.
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", self.session, "-l", text]);
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the pane until every `wanted` text is on it; fails with the last screen.
    fn wait_for(&self, step: &str, wanted: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("{step}: {wanted:?} not on screen after {TIMEOUT:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_until_gone(&self, step: &str, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("{step}: {text:?} still on screen after {TIMEOUT:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The dashboard on the demo cluster in tmux, and the file its exit status is written to.
fn demo(dir: &Path) -> (Tmux, std::path::PathBuf) {
    let exit_file = dir.join("exit-status");
    let command = format!(
        "sh -c '\"{}\" --demo; echo EXIT=$? > \"{}\"'",
        env!("CARGO_BIN_EXE_irsa-tui"),
        exit_file.display()
    );
    (Tmux::start(dir, &command), exit_file)
}

fn wait_for_file(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "{} was not written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_dashboard_on_the_demo_cluster() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (tmux, exit_file) = demo(dir.path());

    // Start: the header, the table failing first, the keys in the footer.
    let screen = tmux.wait_for(
        "start",
        &[
            "shop-prod",
            "Bindings 86/86",
            "sort status ▲",
            "✗ failing",
            "? help",
        ],
    );
    let first_row = screen
        .lines()
        .find(|l| l.contains("✗ failing") && l.contains("analytics"))
        .expect("a failing row");
    assert!(first_row.contains("query-runner"), "{first_row}");

    // Shift+S: the same sort key again reverses it.
    tmux.keys(&["S"]);
    tmux.wait_for("sort", &["sort status ▼", "STATUS▼", "✓ ok"]);

    // Filter, then Enter to keep it.
    tmux.keys(&["/"]);
    tmux.type_text("payments");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("filter", &["Bindings 4/86", "filter \"payments\""]);
    assert!(!screen.contains("query-runner"), "{screen}");

    // The failing one sorts last now: G, then drill down.
    tmux.keys(&["G"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "drill down",
        &[
            "payments/payments-api",
            "IRSA203",
            "payments-staging",
            "Esc back",
        ],
    );

    // y: the fix command through OSC 52 into tmux's buffer.
    tmux.keys(&["y"]);
    tmux.wait_for(
        "copy",
        &["sent the IRSA203 fix for payments/payments-api to the clipboard"],
    );
    let buffer = tmux.run(&["show-buffer"]);
    let copied = String::from_utf8_lossy(&buffer.stdout);
    assert!(
        copied.starts_with("aws iam update-assume-role-policy --role-name shop-prod-payments-api"),
        "{copied}"
    );

    // Esc goes back to the filtered table.
    tmux.keys(&["Escape"]);
    tmux.wait_for("back", &["Bindings 4/86"]);

    // Help, generated from the keymap; Esc closes it.
    tmux.keys(&["?"]);
    tmux.wait_for(
        "help",
        &["Keys", "sort by status", "copy the fix, every step"],
    );
    tmux.keys(&["Escape"]);
    tmux.wait_until_gone("help closed", "sort by status");

    // e: markdown and JSON in the current directory, and the toast says where.
    tmux.keys(&["e"]);
    let screen = tmux.wait_for("export", &["exported irsa-shop-prod-"]);
    let mut exported: Vec<String> = std::fs::read_dir(dir.path())
        .expect("the temp dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("irsa-shop-prod-"))
        .collect();
    exported.sort();
    assert_eq!(exported.len(), 2, "{exported:?}");
    assert!(
        exported[0].ends_with(".json") && exported[1].ends_with(".md"),
        "{exported:?}"
    );
    assert!(
        screen.contains(&exported[1]),
        "the toast names the files:\n{screen}"
    );
    let json = std::fs::read_to_string(dir.path().join(&exported[0])).expect("the JSON report");
    assert!(json.contains("\"schema\": \"irsa-tui/report/v1\""));

    // :snapshot: what `irsa-tui snapshot` writes, named after the cluster; it replays.
    tmux.keys(&[":"]);
    tmux.type_text("snapshot");
    tmux.keys(&["Enter"]);
    tmux.wait_for("snapshot", &["snapshot written to", "--replay"]);
    let snapshot = std::fs::read_dir(dir.path())
        .expect("the temp dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".snapshot.json"))
        })
        .expect("a snapshot file");
    let name = snapshot.file_name().unwrap_or_default().to_string_lossy();
    assert!(name.starts_with("irsa-shop-prod-"), "{name}");
    let replayed = Command::new(env!("CARGO_BIN_EXE_irsa-tui"))
        .args(["report", "--format", "json", "--replay"])
        .arg(&snapshot)
        .output()
        .expect("runs");
    let report: serde_json::Value =
        serde_json::from_slice(&replayed.stdout).expect("the replayed report");
    assert_eq!(report["summary"]["bindings"], 86, "the same cluster");

    // q quits with status 0.
    tmux.keys(&["q"]);
    assert_eq!(wait_for_file(&exit_file), "EXIT=0\n");
}

#[test]
fn without_a_terminal_the_dashboard_says_what_to_use_instead() {
    let out = Command::new(env!("CARGO_BIN_EXE_irsa-tui"))
        .arg("--demo")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "irsa-tui: error: the dashboard needs a terminal; for a report use `irsa-tui report`\n"
    );
    assert!(out.stdout.is_empty(), "nothing drawn on a pipe");
}

/// Live: the dashboard on a fake API server; a ServiceAccount annotated while it runs shows
/// up within seconds, without restarting anything.
#[test]
fn live_watch_events_show_up_on_screen() {
    use common::fake_kube::{FakeKube, objects};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let fake = runtime.block_on(
        FakeKube::builder()
            .namespaces(["payments"])
            .service_accounts([objects::service_account(
                "payments",
                "ledger-api",
                Some("arn:aws:iam::111122223333:role/ledger-api"),
            )])
            .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
            .start(),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = fake.kubeconfig(dir.path());
    let exit_file = dir.path().join("exit-status");
    let command = format!(
        "{} --kubeconfig {} --cluster prod --no-aws; echo EXIT=$? > {}",
        env!("CARGO_BIN_EXE_irsa-tui"),
        kubeconfig.display(),
        exit_file.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    tmux.wait_for("start on the live cluster", &["source live", "ledger-api"]);
    let _guard = runtime.enter();
    fake.apply(
        "serviceaccounts",
        objects::service_account(
            "payments",
            "newcomer",
            Some("arn:aws:iam::111122223333:role/newcomer"),
        ),
    );
    tmux.wait_for("the watch event is on screen", &["newcomer", "ledger-api"]);
    tmux.keys(&["q"]);
    let status = wait_for_file(&exit_file);
    assert_eq!(status.trim(), "EXIT=0");
    assert_eq!(fake.non_get_requests(), 0, "read-only");
}

/// The API server stops while the dashboard runs: the header says since when the data is
/// stale and that the server does not answer, the capture time stops, and the findings
/// hold one IRSA602 about the connection, not one RBAC finding per source.
#[test]
fn an_api_server_that_stops_answering_is_said_with_since_when() {
    use common::fake_kube::{FakeKube, objects};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let fake = runtime.block_on(
        FakeKube::builder()
            .namespaces(["payments"])
            .service_accounts([objects::service_account(
                "payments",
                "ledger-api",
                Some("arn:aws:iam::111122223333:role/ledger-api"),
            )])
            .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
            .start(),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = fake.kubeconfig(dir.path());
    let exit_file = dir.path().join("exit-status");
    let command = format!(
        "{} --kubeconfig {} --cluster prod --no-aws; echo EXIT=$? > {}",
        env!("CARGO_BIN_EXE_irsa-tui"),
        kubeconfig.display(),
        exit_file.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    tmux.wait_for(
        "start on the live cluster",
        &["source live", "ledger-api", "synced"],
    );
    let _guard = runtime.enter();
    fake.stop();
    let screen = tmux.wait_for(
        "the header says the data is stale",
        &["stale since", "API server not answering"],
    );
    assert!(!screen.contains("last change"), "{screen}");
    assert!(screen.contains("ledger-api"), "the data stays:\n{screen}");
    tmux.keys(&["3"]);
    let findings = tmux.wait_for(
        "one finding about the connection",
        &[
            "IRSA602",
            "The Kubernetes API server is not answering since",
        ],
    );
    assert_eq!(findings.matches("IRSA602").count(), 1, "{findings}");
    assert!(
        !findings.contains("Reading "),
        "no finding per source:\n{findings}"
    );
    tmux.keys(&["q"]);
    let status = wait_for_file(&exit_file);
    assert_eq!(status.trim(), "EXIT=0");
}

/// AWS on the real binary (moto): the header says when AWS was read; a role the cluster
/// names after that read (the annotation moved to a role created since) is read within
/// seconds, without Ctrl-R, so the binding does not stay unknown; Ctrl-R says when its
/// re-read is over.
#[test]
fn a_role_named_after_the_aws_read_is_read_and_ctrl_r_confirms() {
    use common::fake_kube::{FakeKube, objects};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let moto = moto::Moto::start();
    let role = |name: &str| format!("arn:aws:iam::{}:role/{name}", moto::ACCOUNT);
    let iam = runtime.block_on(async {
        let config = moto.config().await;
        let provider = moto::create_cluster(&config, true).await;
        let iam = aws_sdk_iam::Client::new(&config);
        iam.create_role()
            .role_name("ledger-api")
            .assume_role_policy_document(moto::trust(
                &provider,
                "system:serviceaccount:payments:ledger-api",
                true,
            ))
            .send()
            .await
            .expect("role");
        (iam, provider)
    });
    let fake = runtime.block_on(
        FakeKube::builder()
            .namespaces(["payments"])
            .service_accounts([objects::service_account(
                "payments",
                "ledger-api",
                Some(&role("ledger-api")),
            )])
            .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
            .start(),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = fake.kubeconfig(dir.path());
    let exit_file = dir.path().join("exit-status");
    let command = format!(
        "env AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 {} --kubeconfig {} --cluster prod --region us-east-1; echo EXIT=$? > {}",
        moto.url,
        env!("CARGO_BIN_EXE_irsa-tui"),
        kubeconfig.display(),
        exit_file.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    tmux.wait_for(
        "AWS was read",
        &["source live", "ledger-api", "AWS ✓ read ", "? 0 unknown"],
    );
    let (iam, provider) = iam;
    runtime.block_on(async {
        iam.create_role()
            .role_name("ledger-api-v2")
            .assume_role_policy_document(moto::trust(
                &provider,
                "system:serviceaccount:payments:ledger-api",
                true,
            ))
            .send()
            .await
            .expect("role");
    });
    let _guard = runtime.enter();
    fake.apply(
        "serviceaccounts",
        objects::service_account("payments", "ledger-api", Some(&role("ledger-api-v2"))),
    );
    tmux.wait_for(
        "the new role is read without Ctrl-R",
        // Read: it has no policy (IRSA230), which only a read can tell.
        &["ledger-api-v2", "? 0 unknown", "IRSA230"],
    );
    tmux.keys(&["C-r"]);
    tmux.wait_for("Ctrl-R confirms its re-read", &["AWS read again at "]);
    tmux.keys(&["q"]);
    let status = wait_for_file(&exit_file);
    assert_eq!(status.trim(), "EXIT=0");
}

/// Two fake clusters behind contexts of one kubeconfig; `:ctx` (completed with Tab) moves
/// the dashboard from one to the other and stops the first one's watches; a context that
/// does not exist leaves the data shown in place; a context that does not name its EKS
/// cluster asks for `:ctx CONTEXT CLUSTER`, which then works.
#[test]
fn ctx_switches_to_another_cluster() {
    use common::fake_kube::{FakeKube, objects};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let start = |ns: &str, sa: &str| {
        runtime.block_on(
            FakeKube::builder()
                .namespaces([ns])
                .service_accounts([objects::service_account(
                    ns,
                    sa,
                    Some(&format!("arn:aws:iam::111122223333:role/{sa}")),
                )])
                .mutating_webhooks([objects::mutating_webhook("pod-identity-webhook")])
                .start(),
        )
    };
    let prod = start("payments", "ledger-api");
    let staging = start("search", "search-indexer");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig.yaml");
    let cluster = |name: &str, url: &str| {
        format!(
            "- name: arn:aws:eks:eu-west-1:111122223333:cluster/{name}\n  cluster:\n    server: {url}\n"
        )
    };
    let context = |name: &str| {
        format!(
            "- name: {name}\n  context:\n    cluster: arn:aws:eks:eu-west-1:111122223333:cluster/{name}\n    user: reader\n"
        )
    };
    // "lab": a plain cluster entry name, so the EKS cluster cannot be inferred.
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{}{}- name: lab-cluster\n  cluster:\n    server: {}\ncontexts:\n{}{}- name: lab\n  context:\n    cluster: lab-cluster\n    user: reader\ncurrent-context: prod\nusers:\n- name: reader\n  user: {{}}\n",
        cluster("prod", &prod.url()),
        cluster("staging", &staging.url()),
        prod.url(),
        context("prod"),
        context("staging"),
    );
    std::fs::write(&kubeconfig, text).expect("writes the kubeconfig");
    let exit_file = dir.path().join("exit-status");
    let command = format!(
        "{} --kubeconfig {} --no-aws; echo EXIT=$? > {}",
        env!("CARGO_BIN_EXE_irsa-tui"),
        kubeconfig.display(),
        exit_file.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    tmux.wait_for("start on prod", &["context prod", "ledger-api"]);

    tmux.type_text(":ctx st");
    tmux.keys(&["Tab"]);
    tmux.wait_for("the context completes", &[":ctx staging"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("on staging", &["context staging", "search-indexer"]);
    assert!(
        !screen.contains("ledger-api"),
        "prod's data is gone:\n{screen}"
    );
    let since = Instant::now();
    while prod.open_watches() > 0 {
        assert!(
            since.elapsed() < TIMEOUT,
            "prod still has {} watches open",
            prod.open_watches()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(staging.open_watches() > 0, "staging is watched now");

    tmux.type_text(":ctx nowhere");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "a context that does not exist",
        &["cannot switch to context nowhere", "search-indexer"],
    );
    assert!(screen.contains("context staging"), "{screen}");

    tmux.type_text(":ctx lab");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "a context that does not name its cluster",
        &["give it: :ctx lab CLUSTER", "search-indexer"],
    );
    tmux.type_text(":ctx lab shop-lab");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("on lab", &["shop-lab", "context lab", "ledger-api"]);
    assert!(!screen.contains("search-indexer"), "{screen}");

    tmux.keys(&["q"]);
    let status = wait_for_file(&exit_file);
    assert_eq!(status.trim(), "EXIT=0");
    assert_eq!(
        prod.non_get_requests() + staging.non_get_requests(),
        0,
        "read-only"
    );
}

/// A panic, on the UI thread or another one, gives the terminal back (raw mode off, the
/// alternate screen left) before the report is printed, and ends the program with 101.
#[test]
fn a_panic_restores_the_terminal_and_exits() {
    for (place, message) in [
        ("ui", "test panic on the UI thread"),
        ("background", "test panic on a background thread"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let exit_file = dir.path().join("exit-status");
        let stty_file = dir.path().join("stty");
        let command = format!(
            "RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 IRSA_TUI_TEST_PANIC={place} {} --demo; echo EXIT=$? > {}; stty -a > {}; sleep 30",
            env!("CARGO_BIN_EXE_irsa-tui"),
            exit_file.display(),
            stty_file.display(),
        );
        let tmux = Tmux::start(dir.path(), &command);
        let status = wait_for_file(&exit_file);
        assert_eq!(status.trim(), "EXIT=101", "{place}");
        let stty = wait_for_file(&stty_file);
        let modes: Vec<&str> = stty.split_whitespace().collect();
        assert!(
            modes.contains(&"icanon") && modes.contains(&"echo"),
            "{place}: the terminal is still raw: {stty}"
        );
        let screen = tmux.wait_for("the panic report on the normal screen", &[message]);
        assert!(
            !screen.contains("Bindings 86/86"),
            "{place}: the dashboard is still on screen:\n{screen}"
        );
    }
}

/// An API server that answers `/version` and then never sends a list: the dashboard opens,
/// shows the sources it is waiting for with the time waited so far (counting on), and still
/// answers keys.
#[test]
fn the_dashboard_shows_what_it_waits_for_and_for_how_long() {
    use common::peers::{Behaviour, Peer};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let peer = runtime.block_on(Peer::start(Behaviour::VersionThenSilent));
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = peer.kubeconfig(dir.path(), "    token: not-a-secret\n");
    let exit_file = dir.path().join("exit-status");
    let command = format!(
        "{} --kubeconfig {} --no-aws; echo EXIT=$? > {}",
        env!("CARGO_BIN_EXE_irsa-tui"),
        kubeconfig.display(),
        exit_file.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    tmux.wait_for("the sources are syncing", &["syncing:"]);
    // The first `(Ns)` after "syncing:".
    let count = |screen: &str| -> Option<i64> {
        let rest = &screen[screen.find("syncing:")?..];
        rest.match_indices("s)").find_map(|(end, _)| {
            let open = rest[..end].rfind('(')?;
            rest[open + 1..end].parse().ok()
        })
    };
    let start = Instant::now();
    let before = loop {
        let screen = tmux.screen();
        if let Some(n) = count(&screen) {
            break n;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "no time waited is shown:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // It keeps counting while nothing arrives: the screen is not frozen.
    let start = Instant::now();
    let later = loop {
        let screen = tmux.screen();
        if let Some(n) = count(&screen)
            && n > before
        {
            break n;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "the wait stopped at {before}s:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(later > before);
    tmux.keys(&["?"]);
    tmux.wait_for("keys still work", &["Keys"]);
    tmux.keys(&["Escape", "q"]);
    let status = wait_for_file(&exit_file);
    assert_eq!(status.trim(), "EXIT=0");
    drop(runtime);
}

/// `:can` on the demo in a real terminal: Tab completes the action from the cluster's
/// policies, the answer arrives from the update service and narrows the table, the
/// drill-down shows the deciding statement, and Esc clears the question.
#[test]
fn can_narrows_the_dashboard_to_who_may_do_it() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (tmux, exit_file) = demo(dir.path());
    tmux.wait_for("start", &["Bindings 86/86"]);

    tmux.keys(&[":"]);
    tmux.type_text("can s3:DeleteOb");
    tmux.keys(&["Tab"]);
    tmux.wait_for("completion", &[":can s3:DeleteObject"]);
    tmux.type_text("arn:aws:s3:::shop-prod-media/tmp/x");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        "answer",
        &[
            "Bindings 4/86",
            "can s3:DeleteObject on arn:aws:s3:::shop-prod-media/tmp/x",
            "2 bindings allowed, 2 unknown",
        ],
    );
    assert!(screen.contains("gitlab-runner"), "{screen}");
    assert!(
        !screen.contains("media-cleaner"),
        "its own Deny stops it:\n{screen}"
    );

    // The drill-down of an allowed binding (the last but one: unknown ones sort last):
    // the answer and the deciding statement first.
    tmux.keys(&["G"]);
    tmux.keys(&["Up"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "drill down",
        &[
            "Can s3:DeleteObject on",
            "✓ allowed",
            "allowed by the managed policy \"PowerUserAccess\"",
        ],
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("back", &["Bindings 4/86"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("cleared", &["Bindings 86/86"]);

    tmux.keys(&["q"]);
    assert_eq!(wait_for_file(&exit_file), "EXIT=0\n");
}

/// The real binary: `f` cycles problems → denied only → exposed only → off, said in the
/// table's title; the drill-down opens on whether the pods get the role's credentials and
/// shows what the selected pod carries; `p` selects the next pod.
#[test]
fn f_cycles_to_denied_and_exposed_and_the_drill_down_shows_the_pods_evidence() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (tmux, exit_file) = demo(dir.path());
    tmux.wait_for("start", &["Bindings 86/86", "ASSUMES", "✓ assumes"]);
    tmux.keys(&["f"]);
    tmux.wait_for("problems", &["Bindings 49/86", "problems only"]);
    tmux.keys(&["f"]);
    tmux.wait_for("denied", &["Bindings 21/86", "denied only", "payments-api"]);
    // The screen is drawn in parts: wait for the rows that go.
    tmux.wait_until_gone("denied", "gitlab-runner");
    tmux.keys(&["f"]);
    tmux.wait_for(
        "exposed",
        &["Bindings 4/86", "exposed only", "gitlab-runner"],
    );
    tmux.wait_until_gone("exposed", "payments-api");
    tmux.keys(&["f"]);
    tmux.wait_for("off", &["Bindings 86/86"]);
    tmux.wait_until_gone("off", "exposed only");

    tmux.keys(&["/"]);
    tmux.type_text("kafka-connect");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter", &["Bindings 1/86"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("drill down", &["Credentials  ✗ denied: IRSA402"]);
    tmux.keys(&["G"]);
    tmux.wait_for(
        "the pod's evidence",
        &[
            "Pod kafka-connect-0",
            "AWS_ROLE_ARN  arn:aws:iam::111122223333:role/kafka-connect-s3",
            "not the annotation",
            "audience \"sts.amazonaws.com\", lifetime 86400 s",
            "node role",
        ],
    );
    tmux.keys(&["p"]);
    tmux.wait_for("next pod", &["Pod kafka-connect-1", "▶ kafka-connect-1"]);
    tmux.keys(&["q"]);
    assert_eq!(wait_for_file(&exit_file), "EXIT=0\n");
}

/// `y` on a fix of two steps puts both in the clipboard, in order, as one block: the
/// annotation IRSA104 asks for, then the restart (the drill-down numbers them).
#[test]
fn y_copies_every_step_of_a_fix() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (tmux, exit_file) = demo(dir.path());
    tmux.wait_for("start", &["Bindings 86/86"]);
    tmux.keys(&["/"]);
    tmux.type_text("image-resizer");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter", &["Bindings 1/86"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "drill down",
        &[
            "catalog/image-resizer",
            "fix: 2 steps, in order",
            "» 1. kubectl annotate",
            "» 2. kubectl rollout restart",
        ],
    );
    tmux.keys(&["y"]);
    tmux.wait_for(
        "copy",
        &["sent the IRSA104 fix for catalog/image-resizer (2 steps, in order) to the clipboard"],
    );
    let buffer = tmux.run(&["show-buffer"]);
    let copied = String::from_utf8_lossy(&buffer.stdout);
    assert_eq!(
        copied.lines().collect::<Vec<_>>(),
        [
            "kubectl annotate serviceaccount -n catalog image-resizer eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/shop-prod-catalog-image-resizer --overwrite",
            "kubectl rollout restart deployment/image-resizer -n catalog",
        ],
        "{copied}"
    );
    tmux.keys(&["q"]);
    assert_eq!(wait_for_file(&exit_file), "EXIT=0\n");
}

/// The real binary on the demo: the EVIDENCE column (Shift-E puts what CloudTrail recorded
/// first) and the drill-down's Evidence section, with the identity evaluator's why.
#[test]
fn the_evidence_column_and_the_drill_downs_evidence() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (tmux, exit_file) = demo(dir.path());
    tmux.wait_for(
        "start",
        &[
            "EVIDENCE",
            "✗ 37 STS",
            "CloudTrail 08:30–09:30 UTC · 61 events · minutes late",
        ],
    );
    tmux.keys(&["E"]);
    tmux.wait_for(
        "sorted by evidence",
        &["sort evidence", "✗ 8 denied", "! 9 old role"],
    );
    tmux.keys(&["/"]);
    tmux.type_text("statements-reader");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter", &["Bindings 1/86"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the drill-down's evidence",
        &[
            "Evidence (CloudTrail)",
            "✗ 5× kms:Decrypt denied (AccessDeniedException)",
            "✗ 3× secretsmanager:GetSecretValue denied",
            "allows only s3:ListBucket, s3:GetObject",
            "management events only",
        ],
    );
    tmux.keys(&["q"]);
    assert_eq!(wait_for_file(&exit_file), "EXIT=0\n");
}
