//! The data the dashboard shows: an analysis (the report and the state of the sources),
//! and what the tables need per row (keys, search text, column widths), built off the UI
//! thread whenever a new analysis arrives. Nothing here decides what is wrong.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::names;
use super::query::Parts;
use crate::analysis::{Binding, Code, Finding, Report, Severity};
use crate::arn;
use crate::inventory::{AwsStatus, Name, SourceHealth};
use crate::time;
use crate::updates::{Analysed, Patch};

/// What a finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Index into `report.bindings`.
    Binding(usize),
    /// Index into `report.node_roles`.
    NodeRole(usize),
    Cluster,
}

impl Target {
    /// The binding's index, for a binding.
    pub fn binding(self) -> Option<usize> {
        match self {
            Target::Binding(i) => Some(i),
            _ => None,
        }
    }
}

/// Per binding (parallel to `report.bindings`).
#[derive(Debug, Clone, PartialEq)]
pub struct BindingRow {
    pub key: String,
    /// The role's name (the ARN's last segment), or empty.
    pub role: String,
    pub account: String,
    /// Of the ServiceAccount, at capture time.
    pub age: Option<i64>,
    pub injected: usize,
    /// Every column, lower-cased, for the filter (which also searches its pods' names and
    /// nodes, read off the binding: see [`Model::searched`]).
    pub haystack: String,
    /// What the model derives from this binding alone, kept so that a patch derives again
    /// only the rows it changes.
    pub derived: RowDerived,
}

/// What [`Model`] derives from one binding alone (its row's share of the widths, of the
/// findings list and of the title leads).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowDerived {
    /// When its ServiceAccount was created (seconds since the epoch): its age is `now`
    /// less this.
    created: Option<i64>,
    /// Its cells' widths (the binding columns and its FINDINGS cell; `target` is its key's).
    widths: Widths,
    /// Per finding: its Findings-view entry's key and search text.
    entries: Vec<(Arc<str>, Arc<str>)>,
    /// Per finding: where its short title (see [`Model::short_title`]) is in its title.
    short: Vec<std::ops::Range<usize>>,
}

/// Per node role (parallel to `report.node_roles`).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRoleRow {
    pub name: String,
    pub haystack: String,
}

/// What the filter searches of a row (see [`Model::searched`]).
pub struct Searched<'a> {
    haystack: &'a str,
    binding: Option<&'a Binding>,
}

impl Parts for Searched<'_> {
    fn any(&self, found: &mut dyn FnMut(&str) -> bool) -> bool {
        if found(self.haystack) {
            return true;
        }
        let Some(b) = self.binding else {
            return false;
        };
        b.pods
            .iter()
            .flat_map(|p| std::iter::once(p.name().as_str()).chain(p.node().map(Name::as_str)))
            .any(|n| {
                if n.chars().any(char::is_uppercase) {
                    found(&n.to_lowercase())
                } else {
                    found(n)
                }
            })
    }
}

/// One finding of the report, wherever it is, in the Findings view's order.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingEntry {
    pub target: Target,
    /// Index into the target's findings.
    pub index: usize,
    pub key: Arc<str>,
    /// What the filter searches (a binding's finding: its pods' names and nodes too).
    pub haystack: Arc<str>,
}

/// The widest value of the text columns, in characters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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

/// What [`Model::patch_rows`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    /// The keys of the bindings and node roles that changed.
    pub changed: Vec<String>,
    /// The binding rows replaced in place, when no row came, left or moved (`None`: the
    /// rows' indices changed).
    pub in_place: Option<Vec<usize>>,
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
        let bindings: Vec<BindingRow> = report
            .bindings
            .iter()
            .map(|b| binding_row(b, now))
            .collect();
        let mut model = Model {
            role_segments: Vec::new(),
            node_role_segments: Vec::new(),
            findings: Vec::new(),
            group_leads: HashMap::default(),
            report,
            sources,
            aws,
            bindings,
            index: HashMap::default(),
            widths: Widths::default(),
            node_roles: Vec::new(),
            namespaces: Vec::new(),
            actions,
            now,
        };
        model.index_rows();
        model.derive(true);
        model
    }

    /// Applies what changed since the analysis this model shows (see [`Patch`]): the
    /// bindings built again replace theirs (rows built for them alone), the rest of what
    /// the model derives is derived again. Returns the keys of the bindings and node roles
    /// that changed. The model then equals [`Model::new`] of the whole analysis.
    pub fn patch(&mut self, patch: Patch) -> Vec<String> {
        self.patch_rows(patch).changed
    }

    /// As [`Model::patch`], saying also which binding rows changed in place.
    pub fn patch_rows(&mut self, patch: Patch) -> Patched {
        let Patch {
            bindings,
            node_roles,
            summary,
            cluster_findings,
            evidence,
            cluster,
            generated_at,
            sources,
            aws,
            actions,
        } = patch;
        self.now = cluster.captured_at.as_deref().and_then(time::parse_rfc3339);
        let now = self.now;
        let report = &mut self.report;
        let mut changed: Vec<String> = node_roles
            .iter()
            .filter(|r| !report.node_roles.iter().any(|old| old == *r))
            .map(|r| r.role_arn.clone())
            .collect();
        report.node_roles = node_roles;
        report.summary = summary;
        report.cluster_findings = cluster_findings;
        report.evidence = evidence;
        report.cluster = cluster;
        report.generated_at = generated_at;
        self.sources = sources;
        self.aws = aws;
        if let Some(actions) = actions {
            self.actions = actions;
        }
        // A binding whose status stays keeps its place; the others leave and are merged in
        // where they sort.
        let mut gone = vec![false; self.report.bindings.len()];
        let mut arriving: Vec<Arc<Binding>> = Vec::new();
        // Whether the namespaces or the role names may have changed (what the name
        // segments and the `:ns` completion are derived from, over every row).
        let mut names = false;
        let mut in_place: Vec<usize> = Vec::new();
        for ((ns, name), new) in bindings {
            let key = format!("{ns}/{name}");
            let at = self.index.get(&key).copied();
            let old = at.and_then(|i| self.report.bindings.get(i));
            // The live analysis shares the rows it did not change: the same row, unchanged.
            let same = match (old, &new) {
                (Some(o), Some(n)) => Arc::ptr_eq(o, n) || o == n,
                (None, None) => true,
                _ => false,
            };
            if same {
                continue;
            }
            changed.push(key);
            match (at, new) {
                (Some(i), Some(b)) if self.report.bindings[i].status == b.status => {
                    let row = binding_row(&b, now);
                    names |= row.role != self.bindings[i].role;
                    self.bindings[i] = row;
                    in_place.push(i);
                    self.report.bindings[i] = b;
                }
                (at, new) => {
                    names = true;
                    if let Some(i) = at {
                        gone[i] = true;
                    }
                    arriving.extend(new);
                }
            }
        }
        let moved = gone.contains(&true) || !arriving.is_empty();
        if moved {
            self.merge(&gone, arriving, now);
        }
        for row in &mut self.bindings {
            row.age = age(row.derived.created, now);
        }
        self.derive(names);
        Patched {
            changed,
            in_place: (!moved).then_some(in_place),
        }
    }

    /// Takes the bindings `gone` marks out, and merges `arriving` in where they sort.
    fn merge(&mut self, gone: &[bool], mut arriving: Vec<Arc<Binding>>, now: Option<i64>) {
        let order = crate::analysis::binding_order;
        arriving.sort_by(|a, b| order(a).cmp(&order(b)));
        let old_bindings = std::mem::take(&mut self.report.bindings);
        let old_rows = std::mem::take(&mut self.bindings);
        let kept = old_bindings
            .into_iter()
            .zip(old_rows)
            .zip(gone)
            .filter(|(_, gone)| !**gone)
            .map(|(pair, _)| pair);
        let mut arriving = arriving.into_iter().peekable();
        let (bindings, rows) = (&mut self.report.bindings, &mut self.bindings);
        for (b, row) in kept {
            while let Some(a) = arriving.next_if(|a| order(a) < order(&b)) {
                rows.push(binding_row(&a, now));
                bindings.push(a);
            }
            bindings.push(b);
            rows.push(row);
        }
        for a in arriving {
            rows.push(binding_row(&a, now));
            bindings.push(a);
        }
        self.index_rows();
    }

    /// Binding key → index.
    fn index_rows(&mut self) {
        self.index.clear();
        self.index.reserve(self.bindings.len());
        for (i, row) in self.bindings.iter().enumerate() {
            self.index.insert(row.key.clone(), i);
        }
    }

    /// What the model derives from the report and the binding rows: widths, node-role rows,
    /// namespaces, name segments, the findings list and its title leads. What a binding
    /// alone decides is kept in its row ([`RowDerived`]): this only gathers it, and the
    /// namespaces and role name segments are derived again only when `names` (a binding
    /// came, left, or its role changed).
    fn derive(&mut self, names: bool) {
        let report = &self.report;
        let mut widths = Widths::default();
        for row in &self.bindings {
            let w = &row.derived.widths;
            widths.namespace = widths.namespace.max(w.namespace);
            widths.service_account = widths.service_account.max(w.service_account);
            widths.role = widths.role.max(w.role);
            widths.evidence = widths.evidence.max(w.evidence);
            widths.findings = widths.findings.max(w.findings);
        }
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
        if names {
            let mut namespaces: Vec<String> = Vec::new();
            for b in &report.bindings {
                if namespaces.last() != Some(&b.namespace) {
                    namespaces.push(b.namespace.clone());
                }
            }
            namespaces.sort_unstable();
            namespaces.dedup();
            self.namespaces = namespaces;
            self.role_segments =
                names::common_segments(self.bindings.iter().map(|b| b.role.as_str()));
        }
        self.node_role_segments =
            names::common_segments(node_roles.iter().map(|r| r.name.as_str()));
        self.node_roles = node_roles;
        self.widths = widths;
        self.group_leads = HashMap::default();
        self.findings = finding_entries(self);
        let mut titles: HashMap<Code, Vec<&str>> = HashMap::default();
        for e in &self.findings {
            if let Some(f) = self.finding(e) {
                titles
                    .entry(f.code)
                    .or_default()
                    .push(self.cached_short_title(e, f));
            }
        }
        let mut finding = titles
            .keys()
            .map(|code| code.meaning().chars().count())
            .max()
            .unwrap_or(0);
        let group_leads: HashMap<Code, usize> = titles
            .into_iter()
            .map(|(code, titles)| (code, names::shared_lead(&titles)))
            .filter(|&(_, lead)| lead > 0)
            .collect();
        self.group_leads = group_leads;
        let mut target = 0;
        for e in &self.findings {
            target = target.max(match e.target {
                Target::Binding(i) => self.bindings.get(i).map_or(0, |r| r.derived.widths.target),
                _ => self.target_label(e.target).chars().count(),
            });
            if let Some(f) = self.finding(e) {
                // The width of `entry_title`, without making it.
                let title = self.cached_short_title(e, f);
                let width = match self.group_leads.get(&f.code) {
                    Some(&lead) if lead < title.len() && title.is_char_boundary(lead) => {
                        1 + title[lead..].chars().count()
                    }
                    _ => title.chars().count(),
                };
                finding = finding.max(width);
            }
        }
        self.widths.target = target;
        self.widths.finding = finding;
    }

    /// [`Model::short_title`] of the finding `e` is, from its binding's row when it has one.
    fn cached_short_title<'a>(&'a self, e: &FindingEntry, f: &'a Finding) -> &'a str {
        if let Target::Binding(i) = e.target
            && let Some(title) = self
                .bindings
                .get(i)
                .and_then(|r| r.derived.short.get(e.index))
                .and_then(|r| f.title.get(r.clone()))
        {
            return title;
        }
        self.short_title(e.target, f)
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

    /// What the filter searches of a row: `haystack` (its text, lower-cased) and, of binding
    /// `binding`, its pods' names and the nodes they run on (what an alert names). Those are
    /// read off the binding, not copied per row, and only while a term is looked for:
    /// Kubernetes names are lower-case already, and one that is not (a hand-made snapshot)
    /// is lower-cased when read.
    pub fn searched<'a>(&'a self, haystack: &'a str, binding: Option<usize>) -> Searched<'a> {
        Searched {
            haystack,
            binding: binding
                .and_then(|i| self.report.bindings.get(i))
                .map(AsRef::as_ref),
        }
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
    let created = b
        .service_account_created
        .as_deref()
        .and_then(time::parse_rfc3339);
    let objects = [key.as_str(), role.as_str()];
    let short: Vec<std::ops::Range<usize>> = b
        .findings
        .iter()
        .map(|f| {
            let s = names::differing(&f.title, &objects);
            // A part of the title: where it starts in it.
            let start = (s.as_ptr() as usize).wrapping_sub(f.title.as_ptr() as usize);
            start..start + s.len()
        })
        .collect();
    let findings = b.worst_finding().map_or(0, |f| {
        let title = b
            .findings
            .iter()
            .position(|x| std::ptr::eq(x, f))
            .and_then(|j| short.get(j))
            .and_then(|r| f.title.get(r.clone()))
            .unwrap_or(&f.title);
        format!("{} {} {title}", b.findings.len(), f.code)
            .chars()
            .count()
    });
    let widths = Widths {
        evidence: crate::render::evidence::cell(b.evidence.as_ref())
            .chars()
            .count(),
        namespace: b.namespace.chars().count(),
        service_account: b.service_account.chars().count(),
        role: role.chars().count(),
        findings,
        target: key.chars().count(),
        finding: 0,
    };
    let entries = b
        .findings
        .iter()
        .enumerate()
        .map(|(j, f)| entry_text(&key, j, f, b.role_arn.iter()))
        .collect();
    BindingRow {
        age: age(created, now),
        role,
        account,
        injected,
        haystack: haystack.to_lowercase(),
        derived: RowDerived {
            created,
            widths,
            entries,
            short,
        },
        key,
    }
}

/// A ServiceAccount's age at `now`.
fn age(created: Option<i64>, now: Option<i64>) -> Option<i64> {
    Some(now? - created?)
}

/// A Findings-view entry's key and search text: finding `index` of the row labelled
/// `label`, with what it is about beyond the row (`parts`).
fn entry_text<'a>(
    label: &str,
    index: usize,
    f: &Finding,
    parts: impl Iterator<Item = &'a String>,
) -> (Arc<str>, Arc<str>) {
    let key = format!("{label}#{}#{index}", f.code);
    let mut haystack = format!("{} {} {label} {}", f.code, f.severity.as_str(), f.title);
    for part in parts {
        haystack.push(' ');
        haystack.push_str(part);
    }
    (key.into(), haystack.to_lowercase().into())
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
            let row = match target {
                Target::Binding(i) => model.bindings.get(i),
                _ => None,
            };
            let (key, haystack) = match target {
                // Made with the binding's row.
                Target::Binding(_) => row
                    .and_then(|r| r.derived.entries.get(index))
                    .cloned()
                    .unwrap_or_default(),
                Target::NodeRole(i) => entry_text(
                    model.target_label(target),
                    index,
                    f,
                    report.node_roles.get(i).map(|r| &r.role_arn).into_iter(),
                ),
                Target::Cluster => entry_text(model.target_label(target), index, f, [].iter()),
            };
            FindingEntry {
                target,
                index,
                key,
                haystack,
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sources::store::Store;
    use crate::updates::Following;

    /// Everything a model holds, to compare two.
    pub(crate) fn same(a: &Model, b: &Model) {
        assert_eq!(a.report, b.report);
        assert_eq!(a.sources, b.sources);
        assert_eq!(a.aws, b.aws);
        assert_eq!(a.bindings, b.bindings);
        assert_eq!(a.index, b.index);
        assert_eq!(a.widths, b.widths);
        assert_eq!(a.role_segments, b.role_segments);
        assert_eq!(a.node_role_segments, b.node_role_segments);
        assert_eq!(a.node_roles, b.node_roles);
        assert_eq!(a.findings, b.findings);
        assert_eq!(a.group_leads, b.group_leads);
        assert_eq!(a.namespaces, b.namespaces);
        assert_eq!(a.actions, b.actions);
        assert_eq!(a.now, b.now);
    }

    pub(crate) fn demo_store() -> std::sync::Arc<Store> {
        let inv = crate::sources::demo::inventory().expect("the demo");
        let store = Store::new();
        store.update(|d| {
            d.cluster = inv.cluster.clone();
            d.webhook_present = inv.webhook_present;
            d.pod_identity_agent_present = inv.pod_identity_agent_present;
            for sa in &inv.service_accounts {
                d.service_accounts
                    .insert(crate::inventory::named(&sa.namespace, &sa.name), sa.clone());
            }
            for p in &inv.pods {
                d.pods
                    .insert((p.namespace.clone(), p.name.clone()), p.clone().into());
            }
            for n in &inv.nodes {
                d.nodes.insert(n.name.clone(), n.clone());
            }
            for r in &inv.roles {
                d.roles.insert(r.arn.clone(), r.clone());
            }
            *d.managed_policies = inv.managed_policies.clone();
            for nr in &inv.node_roles {
                for s in &nr.sources {
                    d.add_node_role(&nr.role_arn, s.clone());
                }
            }
            d.oidc_providers = inv.oidc_providers.clone();
            d.oidc_provider_accounts = inv.oidc_provider_accounts.clone();
            d.pod_identity_associations = inv.pod_identity_associations.clone();
            d.aws = inv.aws.clone();
        });
        store
    }

    /// A model patched with what each batch of live changes touched equals the model of
    /// the whole analysis: pods deleted, a binding's status changed, a ServiceAccount gone
    /// and one come, a node's group changed.
    #[test]
    fn a_patched_model_equals_the_model_of_the_whole_analysis() {
        let store = demo_store();
        let mut following = Following::start(&store, &crate::analysis::Settings::default());
        let mut model = Model::new(following.analysed());
        let (pods, sas, nodes) = store.read(|d| {
            (
                d.pods.keys().cloned().collect::<Vec<_>>(),
                d.service_accounts.keys().cloned().collect::<Vec<_>>(),
                d.nodes.values().cloned().collect::<Vec<_>>(),
            )
        });
        type Batch<'a> = Box<dyn Fn(&mut crate::sources::store::Data) + 'a>;
        let batches: Vec<Batch> = vec![
            Box::new(|d| {
                d.pods.remove(&pods[3]);
                d.pods.remove(&pods[40]);
            }),
            Box::new(|d| {
                let k = &sas[5];
                let mut sa = d.service_accounts[k].clone();
                sa.role_arn = Some("arn:aws:iam::111122223333:role/not-there".into());
                d.service_accounts.insert(k.clone(), sa);
            }),
            Box::new(|d| {
                d.service_accounts.remove(&sas[9]);
                let sa = crate::inventory::ServiceAccount {
                    namespace: "zz-new".into(),
                    name: "late".into(),
                    role_arn: Some("arn:aws:iam::111122223333:role/nope".into()),
                    ..Default::default()
                };
                d.service_accounts
                    .insert(("zz-new".into(), "late".into()), sa);
            }),
            Box::new(|d| {
                let mut n = nodes[0].clone();
                n.nodegroup = None;
                d.nodes.insert(n.name.clone(), n);
            }),
        ];
        let mut patched = 0;
        for (i, batch) in batches.iter().enumerate() {
            store.update(|d| batch(d));
            let patch = following
                .update(&store, format!("2026-12-02T10:00:0{i}Z"))
                .expect("a patch, not everything again");
            let changed = model.patch(patch);
            assert!(!changed.is_empty(), "batch {i} changed something");
            patched += changed.len();
            same(&model, &Model::new(following.analysed()));
        }
        assert!(patched >= 4, "{patched}");
    }
}
