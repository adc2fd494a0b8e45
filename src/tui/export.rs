//! `e` and `:export`: the report written with the project's renderers.

use std::path::{Path, PathBuf};

use crate::analysis::report::all_findings;
use crate::analysis::{Report, ReportScope, Summary};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }

    /// The format a file name's extension names (`report.html`).
    pub fn of_path(path: &Path) -> Option<Format> {
        Format::parse(path.extension()?.to_str()?)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    pub fn render(self, report: &Report) -> String {
        match self {
            Format::Json => crate::render::json::render(report),
            Format::Markdown => crate::render::markdown::render(report),
            Format::Html => crate::render::html::render(report),
        }
    }
}

/// What `:export` writes under `:ns NAMESPACE`: the bindings of that namespace (and their
/// findings), counted again, with node roles and cluster findings whole (they are not
/// namespaced), and a scope saying so; `total` is how many namespaces have bindings. Without
/// a namespace, the report as it is.
pub fn scoped(report: &Report, namespace: Option<&str>, total: usize) -> Report {
    let Some(ns) = namespace else {
        return report.clone();
    };
    let bindings: Vec<_> = report
        .bindings
        .iter()
        .filter(|b| b.namespace == ns)
        .cloned()
        .collect();
    let summary = Summary::of(
        &bindings,
        all_findings(&bindings, &report.node_roles, &report.cluster_findings),
    );
    Report {
        schema: report.schema.clone(),
        generated_at: report.generated_at.clone(),
        cluster: report.cluster.clone(),
        scope: Some(ReportScope {
            namespaces: vec![ns.to_owned()],
            namespaces_total: total,
        }),
        summary,
        cluster_findings: report.cluster_findings.clone(),
        bindings,
        node_roles: report.node_roles.clone(),
        evidence: report.evidence.clone(),
        node_baseline: report.node_baseline.clone(),
    }
}

/// The cluster's name as a file name may hold it (`shop-prod`), or `cluster`.
pub fn file_label(report: &Report) -> String {
    let name: String = report
        .cluster
        .name
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "cluster".to_owned()
    } else {
        name.to_owned()
    }
}

/// Writes `report` in each format. Without `path` (or when it is a directory) the files are
/// `irsa-CLUSTER-STAMP.EXT` in `dir` (or that directory). Returns the files written.
pub fn write(
    report: &Report,
    formats: &[Format],
    path: Option<&Path>,
    dir: &Path,
    stamp: &str,
) -> Result<Vec<PathBuf>, String> {
    let base = match path {
        Some(p) if p.is_relative() => dir.join(p),
        Some(p) => p.to_owned(),
        None => dir.to_owned(),
    };
    formats
        .iter()
        .map(|&format| {
            let file = if path.is_none() || base.is_dir() {
                base.join(format!(
                    "irsa-{}-{stamp}.{}",
                    file_label(report),
                    format.extension()
                ))
            } else {
                base.clone()
            };
            std::fs::write(&file, format.render(report))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            Ok(file)
        })
        .collect()
}

/// Where `:snapshot` writes: `path` (relative to `dir`), or `irsa-CLUSTER-STAMP.snapshot.json`
/// in `dir` (or in `path` when that is a directory).
pub fn snapshot_path(report: &Report, path: Option<&Path>, dir: &Path, stamp: &str) -> PathBuf {
    let name = || format!("irsa-{}-{stamp}.snapshot.json", file_label(report));
    match path {
        None => dir.join(name()),
        Some(p) => {
            let p = dir.join(p);
            if p.is_dir() { p.join(name()) } else { p }
        }
    }
}

/// `exported a.md, a.json in DIR`.
pub fn summary(files: &[PathBuf]) -> String {
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let dir = files
        .first()
        .and_then(|f| f.parent())
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    format!("exported {} in {dir}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::{demo, model};

    #[test]
    fn writes_timestamped_files_or_the_path_given() {
        let report = model(&demo()).report;
        let dir = tempfile::tempdir().expect("tempdir");
        let files = write(
            &report,
            &[Format::Markdown, Format::Json],
            None,
            dir.path(),
            "20261120-093000",
        )
        .expect("written");
        assert_eq!(
            files,
            [
                dir.path().join("irsa-shop-prod-20261120-093000.md"),
                dir.path().join("irsa-shop-prod-20261120-093000.json")
            ]
        );
        let json = std::fs::read_to_string(&files[1]).expect("json");
        assert!(json.contains("\"schema\": \"irsa-tui/report/v1\""));
        assert!(summary(&files).starts_with(
            "exported irsa-shop-prod-20261120-093000.md, irsa-shop-prod-20261120-093000.json in "
        ));
        let html = write(
            &report,
            &[Format::Html],
            Some(Path::new("r.html")),
            dir.path(),
            "x",
        )
        .expect("written");
        assert_eq!(html, [dir.path().join("r.html")]);
        let err = write(
            &report,
            &[Format::Json],
            Some(Path::new("missing/dir/r.json")),
            dir.path(),
            "x",
        )
        .unwrap_err();
        assert!(err.starts_with("cannot write "), "{err}");
    }

    #[test]
    fn a_cluster_name_becomes_a_safe_file_label() {
        let mut report = model(&demo()).report;
        assert_eq!(file_label(&report), "shop-prod");
        report.cluster.name = Some("../../etc/passwd; rm -rf".into());
        assert_eq!(file_label(&report), "etcpasswdrm-rf");
        report.cluster.name = None;
        assert_eq!(file_label(&report), "cluster");
        assert_eq!(
            Format::of_path(Path::new("/tmp/x.HTML")),
            Some(Format::Html)
        );
        assert_eq!(Format::of_path(Path::new("/tmp/x")), None);
    }

    #[test]
    fn a_snapshot_is_named_after_the_cluster_unless_a_file_is_given() {
        let report = model(&demo()).report;
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        assert_eq!(
            snapshot_path(&report, None, d, "20261201-200849"),
            d.join("irsa-shop-prod-20261201-200849.snapshot.json")
        );
        assert_eq!(
            snapshot_path(&report, Some(Path::new("x.json")), d, "s"),
            d.join("x.json")
        );
        assert_eq!(
            snapshot_path(&report, Some(d), Path::new("/elsewhere"), "s"),
            d.join("irsa-shop-prod-s.snapshot.json"),
            "a directory given"
        );
    }
}
