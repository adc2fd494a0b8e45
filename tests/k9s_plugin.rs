//! The k9s plugin in `assets/k9s/plugins.yaml`: a k9s plugin entry that runs irsa-tui on
//! k9s's context and namespace, run here as k9s runs it (with a stand-in irsa-tui).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

const K9S_PLUGINS: &str = include_str!("../assets/k9s/plugins.yaml");
const README: &str = include_str!("../README.md");

/// The `irsa-tui` entry of the k9s plugin file.
fn k9s_plugin() -> Value {
    let file: Value = serde_saphyr::from_str(K9S_PLUGINS).expect("plugins.yaml parses");
    let plugins = file["plugins"].as_object().expect("a `plugins:` map");
    assert_eq!(plugins.len(), 1, "one plugin: {:?}", plugins.keys());
    plugins["irsa-tui"].clone()
}

fn plugin_args(plugin: &Value) -> Vec<String> {
    plugin["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string args").to_owned())
        .collect()
}

/// What k9s does to each argument: every `$WORD` (or `$!WORD`) is replaced by its value,
/// and an unknown one stops the plugin.
fn k9s_substitute(arg: &str, env: &BTreeMap<&str, &str>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let word_start = usize::from(after.starts_with('!'));
        let len = after[word_start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '|'))
            .unwrap_or(after.len() - word_start);
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        let key = after[word_start..word_start + len].to_uppercase();
        let value = env
            .get(key.as_str())
            .ok_or_else(|| format!("k9s knows no ${key}"))?;
        out.push_str(value);
        rest = &after[word_start + len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A directory holding the stand-in `irsa-tui`: it prints its arguments and KUBECONFIG,
/// then exits with `STAND_IN_STATUS`. Written once, before any plugin runs, so no child
/// process can inherit it open for writing (which would make exec fail: text file busy).
fn stand_in_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("k9s-plugin-bin");
        std::fs::create_dir_all(&dir).expect("stand-in dir");
        let fake = dir.join("irsa-tui");
        std::fs::write(
            &fake,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n\
             printf 'KUBECONFIG=%s\\n' \"$KUBECONFIG\"\nexit \"$STAND_IN_STATUS\"\n",
        )
        .expect("write the stand-in");
        make_executable(&fake);
        dir
    })
}

/// Runs the plugin as k9s would, with the stand-in irsa-tui exiting with `status`;
/// `stdin` is what the user types.
fn exec_plugin(
    context: &str,
    namespace: &str,
    kubeconfig: &str,
    status: i32,
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let plugin = k9s_plugin();
    let env = BTreeMap::from([
        ("CONTEXT", context),
        ("NAMESPACE", namespace),
        ("KUBECONFIG", kubeconfig),
        ("NAME", "selected"),
        ("CLUSTER", "cluster"),
        ("USER", "user"),
        ("GROUPS", "group"),
        ("FILTER", ""),
    ]);
    let args: Vec<String> = plugin_args(&plugin)
        .iter()
        .map(|a| k9s_substitute(a, &env).unwrap_or_else(|e| panic!("k9s refuses: {e}")))
        .collect();
    let path = format!("{}:/usr/bin:/bin", stand_in_dir().display());
    let mut child = std::process::Command::new(plugin["command"].as_str().expect("command"))
        .args(&args)
        .env_clear()
        .env("PATH", path)
        .env("STAND_IN_STATUS", status.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the plugin's shell runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the plugin's shell ends")
}

/// The lines the stand-in irsa-tui printed, for a run that succeeds.
fn run_plugin(context: &str, namespace: &str, kubeconfig: &str) -> Vec<String> {
    let out = exec_plugin(context, namespace, kubeconfig, 0, "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

#[test]
fn the_k9s_plugin_is_a_k9s_plugin_entry() {
    let plugin = k9s_plugin();
    let shortcut = plugin["shortCut"].as_str().expect("shortCut");
    assert_eq!(shortcut, "Shift-I");
    assert!(
        !plugin["description"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    let scopes = plugin["scopes"].as_array().expect("scopes");
    assert!(!scopes.is_empty() && scopes.iter().all(Value::is_string));
    assert_eq!(plugin["background"], false, "irsa-tui needs the terminal");
    let command = plugin["command"].as_str().expect("command");
    let args = plugin_args(&plugin);
    let runs_irsa_tui = command == "irsa-tui"
        || (matches!(command, "sh" | "bash") && args.iter().any(|a| a.contains("irsa-tui")));
    assert!(runs_irsa_tui, "{command} {args:?}");
    assert!(args.iter().any(|a| a.contains("--context")), "{args:?}");
    assert!(args.iter().any(|a| a.contains("$CONTEXT")), "{args:?}");
    assert!(args.iter().any(|a| a.contains("$NAMESPACE")), "{args:?}");
    // The README tells how to install it and which key opens irsa-tui.
    let section = README
        .split("\n## From k9s\n")
        .nth(1)
        .expect("README has a `## From k9s` section");
    assert!(section.contains(shortcut) && section.contains("plugins.yaml"));
    assert!(section.contains("Library/Application Support/k9s/plugins.yaml"));
}

#[test]
fn the_k9s_plugin_passes_context_and_a_real_namespace() {
    assert_eq!(
        run_plugin("prod-admin", "payments", ""),
        ["--context", "prod-admin", "-n", "payments", "KUBECONFIG="]
    );
    let arn = "arn:aws:eks:eu-west-1:111122223333:cluster/shop prod";
    assert_eq!(
        run_plugin(arn, "kube-system", "/home/me/kube configs/prod.yaml"),
        [
            "--context",
            arn,
            "-n",
            "kube-system",
            "KUBECONFIG=/home/me/kube configs/prod.yaml"
        ],
        "values with spaces stay one argument"
    );
}

#[test]
fn the_k9s_plugin_opens_the_whole_cluster_from_namespace_less_views() {
    for namespace in ["", "all", "-", "n/a"] {
        assert_eq!(
            run_plugin("prod-admin", namespace, ""),
            ["--context", "prod-admin", "KUBECONFIG="],
            "NAMESPACE={namespace:?}"
        );
    }
    // A context k9s could not name is left to irsa-tui's kubeconfig.
    assert_eq!(
        run_plugin("n/a", "payments", ""),
        ["-n", "payments", "KUBECONFIG="]
    );
}

#[test]
fn k9s_substitution_is_emulated_faithfully() {
    let env = BTreeMap::from([("CONTEXT", "c"), ("NAMESPACE", "n")]);
    assert_eq!(
        k9s_substitute("--context $CONTEXT -n $namespace ${x} $@ $?", &env),
        Ok("--context c -n n ${x} $@ $?".to_owned())
    );
    assert!(
        k9s_substitute("$1", &env).is_err(),
        "k9s refuses unknown words"
    );
    assert!(k9s_substitute("$status", &env).is_err());
}

#[test]
fn the_k9s_plugin_waits_for_enter_after_a_failure() {
    // irsa-tui's one-line error would vanish when k9s takes the screen back.
    let out = exec_plugin("prod-admin", "payments", "", 2, "\n");
    assert_eq!(out.status.code(), Some(2), "the status reaches k9s");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("irsa-tui exited with status 2; press Enter"),
        "{stdout}"
    );
    let ok = exec_plugin("prod-admin", "payments", "", 0, "");
    assert!(!String::from_utf8_lossy(&ok.stdout).contains("press Enter"));
}
