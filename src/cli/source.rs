//! Options shared by the dashboard, `report` and `snapshot`, and loading the inventory
//! they name.

use std::path::PathBuf;

use clap::Args;

use crate::inventory::Inventory;
use crate::updates::Origin;

#[derive(Debug, Clone, Args)]
#[command(
    next_help_heading = "Cluster options (the dashboard, report, snapshot, can, who-can; other commands ignore them)"
)]
pub struct SourceArgs {
    /// Kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "PATH", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: current-context). With `can` and `who-can`, a
    /// KEY=VALUE value is a request context key instead (repeatable).
    #[arg(long, value_name = "NAME", global = true, action = clap::ArgAction::Append)]
    pub context: Vec<String>,
    /// Limit to namespaces (repeatable); default all.
    #[arg(short = 'n', long = "namespace", value_name = "NS", global = true)]
    pub namespaces: Vec<String>,
    /// EKS cluster name (default: inferred from the kubeconfig context).
    #[arg(long, value_name = "NAME", global = true)]
    pub cluster: Option<String>,
    /// AWS region.
    #[arg(long, value_name = "REGION", global = true)]
    pub region: Option<String>,
    /// AWS profile.
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// Kubernetes only: AWS checks skipped (reported as IRSA603).
    #[arg(long, global = true)]
    pub no_aws: bool,
    /// CloudTrail evidence (IRSA8xx): the window read, ending now (30m, 2h, 1d).
    #[arg(long, value_name = "DURATION", default_value = "1h", global = true, value_parser = crate::sources::aws::cloudtrail::parse_since)]
    pub since: std::time::Duration,
    /// Do not read CloudTrail (no IRSA801-IRSA804).
    #[arg(long, global = true)]
    pub no_cloudtrail: bool,
    /// The most CloudTrail events read per lookup; the report says when it cut the window.
    #[arg(long, value_name = "N", default_value_t = crate::sources::aws::cloudtrail::DEFAULT_MAX_EVENTS as u64, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: u64,
    /// The embedded demo cluster; no network.
    #[arg(long, global = true, conflicts_with = "replay")]
    pub demo: bool,
    /// Analyse a file written by `irsa-tui snapshot`; no network.
    #[arg(long, value_name = "FILE", global = true)]
    pub replay: Option<PathBuf>,
    /// Write logs there (level from RUST_LOG).
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,
    /// Managed policies a node role may hold (names or ARNs, comma-separated, repeatable);
    /// default: the catalog's baseline.
    #[arg(long, value_name = "POLICY,...", value_delimiter = ',', global = true)]
    pub node_baseline: Vec<String>,
    /// Seconds to wait for the Kubernetes sources' initial lists before reporting.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, global = true)]
    pub sync_timeout: u64,
    /// JSON configuration file: {"node_baseline": ["AmazonEKSWorkerNodePolicy", ...]}.
    #[arg(long, value_name = "FILE", env = "IRSA_TUI_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

impl SourceArgs {
    /// The inventory the options name, or a one-line message saying what to do.
    pub fn load(&self) -> Result<Inventory, String> {
        let mut inv = if self.demo {
            crate::sources::demo::inventory().map_err(|e| e.to_string())?
        } else if let Some(path) = &self.replay {
            crate::sources::replay::inventory(path)?
        } else {
            self.load_live()?
        };
        if !self.namespaces.is_empty() {
            inv.restrict_to_namespaces(&self.namespaces);
        }
        Ok(inv)
    }

    /// The kubeconfig context: the `--context` value that is not KEY=VALUE (the last one).
    pub fn kube_context(&self) -> Option<&str> {
        self.context
            .iter()
            .rev()
            .find(|c| !c.contains('='))
            .map(String::as_str)
    }

    /// The request context keys `--context KEY=VALUE` gives to `can` and `who-can`.
    pub fn request_context(&self) -> Result<Vec<(String, String)>, String> {
        self.context
            .iter()
            .filter(|c| c.contains('='))
            .map(|c| match c.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() && !k.contains(char::is_whitespace) => {
                    Ok((k.to_owned(), v.to_owned()))
                }
                _ => Err(format!(
                    "--context {c:?}: a request context key is KEY=VALUE, e.g. --context aws:SourceVpc=vpc-1a2b3c4d"
                )),
            })
            .collect()
    }

    /// `--context` for a command that reads no request context: one kubeconfig context.
    pub fn check_kube_context_only(&self) -> Result<(), String> {
        if let Some(kv) = self.context.iter().find(|c| c.contains('=')) {
            return Err(format!(
                "--context {kv:?}: KEY=VALUE request context keys are for `can` and `who-can`; elsewhere --context names a kubeconfig context"
            ));
        }
        if self.context.len() > 1 {
            return Err(
                "--context names one kubeconfig context; it was given more than once".into(),
            );
        }
        Ok(())
    }

    /// Where the data comes from.
    pub fn origin(&self) -> Origin {
        match &self.replay {
            Some(path) => Origin::Replay(path.clone()),
            None if self.demo => Origin::Demo,
            None => Origin::Live,
        }
    }

    /// These options without CloudTrail: `can` and `who-can` judge policies, not events.
    pub fn without_cloudtrail(&self) -> SourceArgs {
        SourceArgs {
            no_cloudtrail: true,
            ..self.clone()
        }
    }

    /// The live options these flags name.
    pub fn live_options(&self) -> crate::sources::live::LiveOptions {
        crate::sources::live::LiveOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.kube_context().map(str::to_owned),
            namespaces: self.namespaces.clone(),
            cluster: self.cluster.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            no_aws: self.no_aws,
            sync_timeout: std::time::Duration::from_secs(self.sync_timeout),
            interactive_auth: true,
            trail: crate::sources::aws::cloudtrail::TrailOptions {
                enabled: !self.no_cloudtrail,
                since: self.since,
                max_events: usize::try_from(self.max_events).unwrap_or(usize::MAX),
            },
        }
    }

    /// Reads the cluster once through Kubernetes and AWS.
    fn load_live(&self) -> Result<Inventory, String> {
        let runtime = one_shot_runtime()?;
        let opts = self.live_options();
        let (inv, calls) = runtime.block_on(crate::sources::live::collect(&opts))?;
        tracing::info!("AWS calls: {:?}", calls.counts());
        runtime.shutdown_background();
        Ok(inv)
    }

    /// The node-role baseline: `--node-baseline`, else the config file, else the default.
    pub fn node_baseline(&self) -> Result<Vec<String>, String> {
        if !self.node_baseline.is_empty() {
            return Ok(self
                .node_baseline
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect());
        }
        if let Some(path) = &self.config {
            let shown = path.display();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read config {shown}: {e}"))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("config {shown} is not valid JSON: {e}"))?;
            if let Some(list) = v.get("node_baseline") {
                return serde_json::from_value(list.clone()).map_err(|_| {
                    format!("config {shown}: node_baseline must be a list of policy names or ARNs")
                });
            }
        }
        Ok(crate::analysis::DEFAULT_NODE_BASELINE
            .iter()
            .map(|s| s.to_string())
            .collect())
    }
}

/// The runtime of a one-shot read (`report`, `snapshot`, `can`): the current thread. The
/// read waits on the network and decodes one list page at a time, so more threads do not
/// make it faster, and every thread that decodes pods keeps its own malloc arena: with a
/// worker per core the peak RSS of a 20,000-pod report was a third larger, and with one
/// worker thread beside the main thread still half again as large per pod as on the
/// current thread alone (`scripts/measure-memory.sh`). (When the AWS SDK's retries of a
/// refused connection outlast its operation timeout, IRSA603 names the timeout, which its
/// sentence allows.)
pub fn one_shot_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_shot_reads_run_on_the_current_thread() {
        // Decoding on several runtime threads spreads the pods over as many malloc arenas.
        let runtime = super::one_shot_runtime().expect("a runtime");
        assert_eq!(
            runtime.handle().runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread
        );
    }
}
