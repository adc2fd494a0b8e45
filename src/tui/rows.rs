//! Which rows each table shows, in what order: the query (filter, the problems filter,
//! namespace, sort) applied to the model. Sort ties go by namespace and name, so every order
//! is total and stable across updates.

use std::cmp::Ordering;

use crate::analysis::permissions::Verdict;
use crate::analysis::{Assumes, Code, Finding, Severity};

use super::app::CanQuery;

use super::model::{Model, Target};
use super::query::{Problems, Query, Sort, SortColumn};

/// A row of the Findings view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingRow {
    /// A code's group: its worst shown severity and how many are shown.
    Group {
        code: Code,
        severity: Severity,
        count: usize,
    },
    /// Index into `model.findings`.
    Entry(usize),
}

/// Whether the problems filter keeps a finding of `target`: denied keeps what stops the
/// credentials of a denied binding (and the cluster's such findings), exposed the
/// exposures. Node roles are neither denied nor exposed.
fn problems_keep_finding(problems: Problems, model: &Model, target: Target, f: &Finding) -> bool {
    let denied_binding = |i: usize| {
        model
            .report
            .bindings
            .get(i)
            .is_some_and(|b| b.assumes == Some(Assumes::Denied))
    };
    match problems {
        Problems::Off => true,
        Problems::All => f.severity != Severity::Info,
        Problems::Denied => {
            f.code.stops_credentials()
                && match target {
                    Target::Binding(i) => denied_binding(i),
                    Target::Cluster => true,
                    Target::NodeRole(_) => false,
                }
        }
        Problems::Exposed => f.code.exposes() && matches!(target, Target::Binding(_)),
    }
}

/// Every binding in `sort`'s order (the filter then only has to pick).
pub fn sorted_bindings(model: &Model, sort: Sort) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..model.report.bindings.len()).collect();
    sort_bindings(&mut rows, model, sort);
    rows
}

/// Whether `:can` keeps a row of this role: its answer is allowed or unknown (every row
/// while the question is being answered).
fn can_keeps(can: Option<&CanQuery>, role_arn: Option<&str>) -> bool {
    match can {
        None => true,
        Some(q) if q.answers.is_none() => true,
        Some(q) => q
            .answer(role_arn)
            .is_some_and(|a| matches!(a.decision, Verdict::Allowed | Verdict::Unknown)),
    }
}

/// The bindings shown, in the order of `sorted`.
pub fn bindings(
    model: &Model,
    query: &Query,
    sorted: &[usize],
    can: Option<&CanQuery>,
) -> Vec<usize> {
    let matches = query.filter.matcher();
    sorted
        .iter()
        .copied()
        .filter(|&i| {
            let b = &model.report.bindings[i];
            query.namespace.as_deref().is_none_or(|n| n == b.namespace)
                && query
                    .problems
                    .keeps(b.status, b.assumes == Some(Assumes::Denied), b.exposed())
                && matches(&model.bindings[i].haystack)
                && can_keeps(can, b.role_arn.as_deref())
        })
        .collect()
}

/// The node roles shown (not namespaced), in report order.
pub fn node_roles(model: &Model, query: &Query, can: Option<&CanQuery>) -> Vec<usize> {
    let matches = query.filter.matcher();
    (0..model.report.node_roles.len())
        .filter(|&i| {
            let r = &model.report.node_roles[i];
            // Node roles are never denied nor exposed: their pods always get their credentials.
            query.problems.keeps(r.status, false, false)
                && matches(&model.node_roles[i].haystack)
                && can_keeps(can, Some(&r.role_arn))
        })
        .collect()
}

/// The findings shown, each code's group headed by its count. The problems filter hides
/// info findings (or keeps what denies, or exposes); the namespace scope hides other
/// namespaces' binding findings.
pub fn findings(model: &Model, query: &Query) -> Vec<FindingRow> {
    let matches = query.filter.matcher();
    let mut rows: Vec<FindingRow> = Vec::new();
    let mut group: Option<usize> = None;
    for (e, entry) in model.findings.iter().enumerate() {
        let Some(f) = model.finding(entry) else {
            continue;
        };
        let scoped = match entry.target {
            Target::Binding(i) => query
                .namespace
                .as_deref()
                .is_none_or(|n| n == model.report.bindings[i].namespace),
            _ => true,
        };
        if !scoped
            || !problems_keep_finding(query.problems, model, entry.target, f)
            || !matches(&entry.haystack)
        {
            continue;
        }
        match group.map(|g| &mut rows[g]) {
            Some(FindingRow::Group { code, count, .. }) if *code == f.code => *count += 1,
            _ => {
                group = Some(rows.len());
                rows.push(FindingRow::Group {
                    code: f.code,
                    severity: f.severity,
                    count: 1,
                });
            }
        }
        rows.push(FindingRow::Entry(e));
    }
    rows
}

/// The selection key of a Findings row (`None`: a group header, not selectable).
pub fn finding_key<'a>(model: &'a Model, rows: &[FindingRow], i: usize) -> Option<&'a str> {
    match rows.get(i)? {
        FindingRow::Entry(e) => model.findings.get(*e).map(|x| x.key.as_str()),
        FindingRow::Group { .. } => None,
    }
}

fn sort_bindings(rows: &mut [usize], model: &Model, sort: Sort) {
    let bindings = &model.report.bindings;
    let meta = &model.bindings;
    let by_name = |a: usize, b: usize| {
        let (x, y) = (&bindings[a], &bindings[b]);
        x.namespace
            .cmp(&y.namespace)
            .then_with(|| x.service_account.cmp(&y.service_account))
    };
    let primary = |a: usize, b: usize| -> Ordering {
        let (x, y) = (&bindings[a], &bindings[b]);
        match sort.column {
            SortColumn::Status => x.status.cmp(&y.status),
            SortColumn::Namespace => by_name(a, b),
            SortColumn::ServiceAccount => x
                .service_account
                .cmp(&y.service_account)
                .then_with(|| x.namespace.cmp(&y.namespace)),
            SortColumn::Role => meta[a].role.cmp(&meta[b].role),
            // Denied first, then unknown, yes, and bindings without a role last.
            SortColumn::Assumes => Assumes::rank(x.assumes).cmp(&Assumes::rank(y.assumes)),
            SortColumn::Pods => {
                (x.pods.len(), meta[a].injected).cmp(&(y.pods.len(), meta[b].injected))
            }
            // More findings, then a worse one, is "more".
            SortColumn::Findings => x.findings.len().cmp(&y.findings.len()).then_with(|| {
                let worst = |b: &crate::analysis::Binding| b.worst_finding().map(|f| f.severity);
                worst(y).cmp(&worst(x))
            }),
        }
    };
    rows.sort_unstable_by(|&a, &b| {
        let p = primary(a, b);
        let p = if sort.descending { p.reverse() } else { p };
        p.then_with(|| by_name(a, b))
    });
}
