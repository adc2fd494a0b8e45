//! `--log-file`: a small `tracing` subscriber that appends lines to a file, with levels
//! from `RUST_LOG` (`info` by default; `debug`, `irsa_tui=debug,warn`, ...). Without
//! `--log-file` nothing is installed and events are dropped: the dashboard owns the
//! terminal, so logs never go there.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// `RUST_LOG` as a default level and per-target levels (longest prefix wins).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    pub fn parse(spec: &str) -> Filter {
        let mut filter = Filter {
            default: LevelFilter::INFO,
            targets: Vec::new(),
        };
        for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match directive.split_once('=') {
                Some((target, level)) => {
                    if let Ok(level) = level.trim().parse() {
                        filter.targets.push((target.trim().to_owned(), level));
                    }
                }
                None => {
                    if let Ok(level) = directive.parse() {
                        filter.default = level;
                    } else {
                        filter
                            .targets
                            .push((directive.to_owned(), LevelFilter::TRACE));
                    }
                }
            }
        }
        filter
    }

    fn level_for(&self, target: &str) -> LevelFilter {
        self.targets
            .iter()
            .filter(|(t, _)| target.starts_with(t.as_str()))
            .max_by_key(|(t, _)| t.len())
            .map_or(self.default, |(_, l)| *l)
    }

    fn max(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, l)| *l)
            .fold(self.default, LevelFilter::max)
    }
}

struct FileLog {
    file: Mutex<File>,
    filter: Filter,
    next_span: AtomicU64,
}

#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl Subscriber for FileLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.filter.level_for(metadata.target())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.filter.max())
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        // Whatever a plugin, a server or AWS said is in the fields: redacted, at every level.
        let line = format!(
            "{} {:>5} {}:{}\n",
            super::time::rfc3339(super::time::now_secs()),
            meta.level(),
            meta.target(),
            crate::redact::redact(&fields.0)
        );
        if let Ok(mut file) = self.file.lock() {
            let _ = file.write_all(line.as_bytes());
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Appends logs to `path` from now on.
pub fn init(path: &Path) -> Result<(), String> {
    let file = File::options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let subscriber = FileLog {
        file: Mutex::new(file),
        filter: Filter::parse(&spec),
        next_span: AtomicU64::new(1),
    };
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| format!("cannot install the logger: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_sets_default_and_per_target_levels() {
        let f = Filter::parse("");
        assert_eq!(f.level_for("irsa_tui::tui"), LevelFilter::INFO);
        let f = Filter::parse("warn,irsa_tui=debug,irsa_tui::tui::app=trace");
        assert_eq!(f.level_for("kube::client"), LevelFilter::WARN);
        assert_eq!(f.level_for("irsa_tui::analysis"), LevelFilter::DEBUG);
        assert_eq!(f.level_for("irsa_tui::tui::app"), LevelFilter::TRACE);
        assert_eq!(f.max(), LevelFilter::TRACE);
        assert_eq!(Filter::parse("off").level_for("x"), LevelFilter::OFF);
    }

    #[test]
    fn events_are_written_to_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.txt");
        let subscriber = FileLog {
            file: Mutex::new(File::create(&path).expect("created")),
            filter: Filter::parse("debug"),
            next_span: AtomicU64::new(1),
        };
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(bindings = 83, "loaded");
            tracing::trace!("not written");
        });
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.contains("DEBUG irsa_tui::log::tests: loaded bindings=83"),
            "{text}"
        );
        assert!(!text.contains("not written"));
    }
}
