//! The data the dashboard shows: an analysis (the report and the state of the sources),
//! and what the tables need per row (keys, search text, column widths), built off the UI
//! thread whenever a new analysis arrives. Nothing here decides what is wrong.

use rustc_hash::FxHashMap as HashMap;

use super::names;
use crate::analysis::{Binding, Code, Finding, Report, Severity};
use crate::arn;
use crate::inventory::{AwsStatus, SourceHealth};
use crate::time;
use crate::updates::Analysed;

/// What a finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Index into `report.bindings`.
    Binding(usize),
    /// Index into `report.node_roles`.
    NodeRole(usize),
    Cluster,
}

/// Per binding (parallel to `report.bindings`).
#[derive(Debug, Clone)]
pub struct BindingRow {
    pub key: String,
    /// The role's name (the ARN's last segment), or empty.
    pub role: String,
    pub account: String,
    /// Of the ServiceAccount, at capture time.
    pub age: Option<i64>,
    pub injected: usize,
    /// Every column, lower-cased, for the filter.
    pub haystack: String,
}

/// Per node role (parallel to `report.node_roles`).
#[derive(Debug, Clone)]
pub struct NodeRoleRow {
    pub name: String,
    pub haystack: String,
}

/// One finding of the report, wherever it is, in the Findings view's order.
#[derive(Debug, Clone)]
pub struct FindingEntry {
    pub target: Target,
    /// Index into the target's findings.
    pub index: usize,
    pub key: String,
    pub haystack: String,
}

/// The widest value of the text columns, in characters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Widths {
    /// The EVIDENCE column's widest cell (`✗ 37 STS`).
    pub evidence: usize,
    pub namespace: usize,
    pub service_account: usize,
    pub role: usize,
    /// The Bindings view's FINDINGS cell (`1 IRSA203 names namespace …`).
    pub findings: usize,
    /// The Findings view's FOR cell (what a finding is about).
    pub target: usize,
    /// The Findings view's FINDING cell (a title, or a code's meaning).
    pub finding: usize,
}

pub struct Model {
    pub report: Report,
    /// The Kubernetes sources the report was read from.
    pub sources: Vec<SourceHealth>,
    pub aws: AwsStatus,
    pub bindings: Vec<BindingRow>,
    /// Binding key → index.
    pub index: HashMap<String, usize>,
    pub widths: Widths,
    /// The name segments many roles share (`shop`, `prod`): what a cut role name drops
    /// first, for the ROLE columns.
    pub role_segments: Vec<String>,
    /// The same for the node roles' names (`eksctl`, `nodegroup`, `NodeInstanceRole`).
    pub node_role_segments: Vec<String>,
    pub node_roles: Vec<NodeRoleRow>,
    pub findings: Vec<FindingEntry>,
    /// Per code, the lead (bytes) its findings' titles share, left out in the Findings view.
    pub group_leads: HashMap<Code, usize>,
    /// Namespaces with bindings, sorted (for `:ns` completion).
    pub namespaces: Vec<String>,
    /// The actions the roles' policies name, sorted (for `:can` completion).
    pub actions: Vec<String>,
    /// When the data was captured (seconds since the epoch): ages are relative to it.
    pub now: Option<i64>,
}

impl Model {
    pub fn new(analysed: Analysed) -> Self {
        let Analysed {
            report,
            sources,
            aws,
            actions,
        } = analysed;
        let now = report
            .cluster
            .captured_at
            .as_deref()
            .and_then(time::parse_rfc3339);
        let mut widths = Widths::default();
        let mut index = HashMap::default();
        index.reserve(report.bindings.len());
        let bindings: Vec<BindingRow> = report
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let row = binding_row(b, now);
                widths.namespace = widths.namespace.max(b.namespace.chars().count());
                widths.service_account = widths
                    .service_account
                    .max(b.service_account.chars().count());
                widths.role = widths.role.max(row.role.chars().count());
                widths.evidence = widths.evidence.max(
                    crate::render::evidence::cell(b.evidence.as_ref())
                        .chars()
                        .count(),
                );
                index.insert(row.key.clone(), i);
                row
            })
            .collect();
        let node_roles: Vec<NodeRoleRow> = report
            .node_roles
            .iter()
            .map(|r| {
                let mut haystack = format!(
                    "{} {} {}",
                    r.status.as_str(),
                    r.role_arn,
                    r.sources.join(" ")
                );
                for p in r.attached_policies.iter().chain(&r.inline_policies) {
                    haystack.push(' ');
                    haystack.push_str(p);
                }
                push_findings(&mut haystack, &r.findings);
                // The pods that inherit it: what an alert about one of them names.
                for p in &r.pods_without_irsa {
                    haystack.push(' ');
                    haystack.push_str(p);
                }
                NodeRoleRow {
                    name: arn::name(&r.role_arn).to_owned(),
                    haystack: haystack.to_lowercase(),
                }
            })
            .collect();
        let mut namespaces: Vec<String> = report
            .bindings
            .iter()
            .map(|b| b.namespace.clone())
            .collect();
        namespaces.dedup();
        namespaces.sort_unstable();
        namespaces.dedup();
        let role_segments = names::common_segments(bindings.iter().map(|b| b.role.as_str()));
        let node_role_segments = names::common_segments(node_roles.iter().map(|r| r.name.as_str()));
        let mut model = Model {
            role_segments,
            node_role_segments,
            findings: Vec::new(),
            group_leads: HashMap::default(),
            report,
            sources,
            aws,
            bindings,
            index,
            widths,
            node_roles,
            namespaces,
            actions,
            now,
        };
        model.findings = finding_entries(&model);
        model.widths.findings = model
            .report
            .bindings
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let f = b.worst_finding()?;
                let title = model.short_title(Target::Binding(i), f);
                Some(
                    format!("{} {} {title}", b.findings.len(), f.code)
                        .chars()
                        .count(),
                )
            })
            .max()
            .unwrap_or(0);
        let mut titles: HashMap<Code, Vec<&str>> = HashMap::default();
        for e in &model.findings {
            if let Some(f) = model.finding(e) {
                titles
                    .entry(f.code)
                    .or_default()
                    .push(model.short_title(e.target, f));
            }
        }
        let group_leads: HashMap<Code, usize> = titles
            .into_iter()
            .map(|(code, titles)| (code, names::shared_lead(&titles)))
            .filter(|&(_, lead)| lead > 0)
            .collect();
        model.group_leads = group_leads;
        let (mut target, mut finding) = (0, 0);
        for e in &model.findings {
            target = target.max(model.target_label(e.target).chars().count());
            if let Some(f) = model.finding(e) {
                let title = model.entry_title(e.target, f).chars().count();
                finding = finding.max(title).max(f.code.meaning().chars().count());
            }
        }
        model.widths.target = target;
        model.widths.finding = finding;
        model
    }

    /// A Findings row's title: what differs first, then without the lead its code's
    /// titles share (`…legacy-ci-deployer`).
    pub fn entry_title(&self, target: Target, f: &Finding) -> String {
        let title = self.short_title(target, f);
        match self.group_leads.get(&f.code) {
            Some(&lead) if lead < title.len() && title.is_char_boundary(lead) => {
                format!("…{}", &title[lead..])
            }
            _ => title.to_owned(),
        }
    }

    /// What a row of `target` already shows of it: its `ns/name` and its role's name, or
    /// the node role's name.
    pub fn objects(&self, target: Target) -> [&str; 2] {
        match target {
            Target::Binding(i) => [
                self.bindings.get(i).map_or("", |r| r.key.as_str()),
                self.bindings.get(i).map_or("", |r| r.role.as_str()),
            ],
            Target::NodeRole(i) => [self.node_roles.get(i).map_or("", |r| r.name.as_str()), ""],
            Target::Cluster => ["", ""],
        }
    }

    /// `f`'s title with what differs first, for a row of `target` (see
    /// [`names::differing`]).
    pub fn short_title<'a>(&'a self, target: Target, f: &'a Finding) -> &'a str {
        names::differing(&f.title, &self.objects(target))
    }

    pub fn finding(&self, e: &FindingEntry) -> Option<&Finding> {
        self.findings_of(e.target).get(e.index)
    }

    pub fn findings_of(&self, target: Target) -> &[Finding] {
        match target {
            Target::Binding(i) => self.report.bindings.get(i).map_or(&[], |b| &b.findings),
            Target::NodeRole(i) => self.report.node_roles.get(i).map_or(&[], |r| &r.findings),
            Target::Cluster => &self.report.cluster_findings,
        }
    }

    /// `ns/name`, the node role's name, or `cluster`.
    pub fn target_label(&self, target: Target) -> &str {
        match target {
            Target::Binding(i) => self.bindings.get(i).map_or("", |r| &r.key),
            Target::NodeRole(i) => self.node_roles.get(i).map_or("", |r| &r.name),
            Target::Cluster => "cluster",
        }
    }

    pub fn binding(&self, key: &str) -> Option<(usize, &Binding)> {
        let &i = self.index.get(key)?;
        Some((i, self.report.bindings.get(i)?))
    }

    pub fn node_role(&self, arn: &str) -> Option<usize> {
        self.report
            .node_roles
            .iter()
            .position(|r| r.role_arn == arn)
    }
}

fn push_findings(haystack: &mut String, findings: &[Finding]) {
    for f in findings {
        haystack.push(' ');
        haystack.push_str(f.code.as_str());
        haystack.push(' ');
        haystack.push_str(&f.title);
    }
}

fn binding_row(b: &Binding, now: Option<i64>) -> BindingRow {
    let (role, account) = match &b.role_arn {
        Some(arn) => (
            arn::name(arn).to_owned(),
            arn::account(arn).unwrap_or_default().to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let injected = b.pods.iter().filter(|p| p.injected).count();
    let key = b.key();
    let mut haystack = format!(
        "{} {key} {} {} {account} {injected}/{}",
        b.status.as_str(),
        b.mechanism.as_str(),
        b.role_arn.as_deref().unwrap_or_default(),
        b.pods.len()
    );
    push_findings(&mut haystack, &b.findings);
    // What an alert names: a pod, or the node it runs on.
    for p in &b.pods {
        haystack.push(' ');
        haystack.push_str(&p.name);
        if let Some(node) = &p.node {
            haystack.push(' ');
            haystack.push_str(node);
        }
    }
    BindingRow {
        key,
        role,
        account,
        age: time::age_between(b.service_account_created.as_deref(), now),
        injected,
        haystack: haystack.to_lowercase(),
    }
}

/// Every finding, grouped by code: groups by their worst severity then code, entries by
/// severity then report order.
fn finding_entries(model: &Model) -> Vec<FindingEntry> {
    let report = &model.report;
    let mut all: Vec<(Target, usize, &Finding)> = Vec::new();
    for (i, b) in report.bindings.iter().enumerate() {
        all.extend(
            b.findings
                .iter()
                .enumerate()
                .map(|(j, f)| (Target::Binding(i), j, f)),
        );
    }
    for (i, r) in report.node_roles.iter().enumerate() {
        all.extend(
            r.findings
                .iter()
                .enumerate()
                .map(|(j, f)| (Target::NodeRole(i), j, f)),
        );
    }
    all.extend(
        report
            .cluster_findings
            .iter()
            .enumerate()
            .map(|(j, f)| (Target::Cluster, j, f)),
    );
    let mut worst: HashMap<Code, Severity> = HashMap::default();
    for (_, _, f) in &all {
        let w = worst.entry(f.code).or_insert(f.severity);
        *w = (*w).min(f.severity);
    }
    // Worst first, then what blocks first (as every list of findings); stable: report
    // order within equal keys.
    all.sort_by_key(|(_, _, f)| {
        (
            worst.get(&f.code).copied(),
            f.code.entry().stage,
            f.code,
            f.severity,
        )
    });
    all.into_iter()
        .map(|(target, index, f)| {
            let label = model.target_label(target);
            let key = format!("{label}#{}#{index}", f.code);
            let mut haystack = format!("{} {} {label} {}", f.code, f.severity.as_str(), f.title);
            // What it is about beyond the row: the role's ARN, the binding's pods and nodes.
            match target {
                Target::Binding(i) => {
                    let b = &report.bindings[i];
                    for part in b.role_arn.iter().chain(
                        b.pods
                            .iter()
                            .flat_map(|p| std::iter::once(&p.name).chain(p.node.as_ref())),
                    ) {
                        haystack.push(' ');
                        haystack.push_str(part);
                    }
                }
                Target::NodeRole(i) => {
                    haystack.push(' ');
                    haystack.push_str(&report.node_roles[i].role_arn);
                }
                Target::Cluster => {}
            }
            let haystack = haystack.to_lowercase();
            FindingEntry {
                target,
                index,
                key,
                haystack,
            }
        })
        .collect()
}
