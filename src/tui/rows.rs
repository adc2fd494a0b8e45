//! Which rows each table shows, in what order: the query (filter, the problems filter,
//! namespace, sort) applied to the model. Sort ties go by namespace and name, so every order
//! is total and stable across updates.

use std::cmp::Ordering;

use crate::analysis::permissions::Verdict;
use crate::analysis::{Assumes, Code, Finding, Severity};

use super::app::CanQuery;

use super::model::{Model, Target};
use super::query::{Field, Filter, Problems, Query, Sort, SortColumn};

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
    let order = binding_order(model, sort);
    rows.sort_unstable_by(|&a, &b| order(a, b));
    rows
}

/// `sorted` (every binding in `sort`'s order) after the bindings `changed` changed in
/// place (their indices stay): they are taken out and put back where they now sort. The
/// order is total, so this is the order [`sorted_bindings`] gives.
pub fn resort_bindings(sorted: &mut Vec<usize>, model: &Model, sort: Sort, changed: &[usize]) {
    if changed.is_empty() {
        return;
    }
    let order = binding_order(model, sort);
    let mut changed = changed.to_vec();
    changed.sort_unstable();
    changed.dedup();
    sorted.retain(|i| changed.binary_search(i).is_err());
    for i in changed {
        let at = sorted.partition_point(|&x| order(x, i) == Ordering::Less);
        sorted.insert(at, i);
    }
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
    let matches = query.filters.bindings.parts_matcher();
    sorted
        .iter()
        .copied()
        .filter(|&i| {
            let b = &model.report.bindings[i];
            query.namespace.as_deref().is_none_or(|n| n == b.namespace)
                && query
                    .problems
                    .keeps(b.status, b.assumes == Some(Assumes::Denied), b.exposed())
                && matches.matches(&model.searched(&model.bindings[i].haystack, Some(i)))
                && can_keeps(can, b.role_arn.as_deref())
        })
        .collect()
}

/// The node roles shown (not namespaced), in report order.
pub fn node_roles(model: &Model, query: &Query, can: Option<&CanQuery>) -> Vec<usize> {
    let matches = query.filters.node_roles.matcher();
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
    let matches = query.filters.findings.parts_matcher();
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
            || !matches.matches(&model.searched(&entry.haystack, entry.target.binding()))
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
        FindingRow::Entry(e) => model.findings.get(*e).map(|x| &*x.key),
        FindingRow::Group { .. } => None,
    }
}

fn push_findings(visible: &mut String, fields: &mut Vec<Field>, findings: &[Finding]) {
    // The worst finding is in the FINDINGS column; the others are not.
    let worst = findings.iter().min_by_key(|f| f.severity);
    if let Some(f) = worst {
        visible.push_str(&format!(" {} {}", f.code, f.title));
    }
    for f in findings {
        fields.push(Field {
            label: format!("finding {}", f.code),
            text: format!("{} {}", f.code, f.title),
        });
    }
}

/// Why binding `i` is shown when the filter matched what its columns do not show: its
/// pods, their nodes, the role's ARN, its other findings (`pod payments-api-7f9c-x2`).
pub fn binding_reasons(model: &Model, i: usize, filter: &Filter) -> Vec<String> {
    if !filter.gives_reasons() {
        return Vec::new();
    }
    let (Some(b), Some(meta)) = (model.report.bindings.get(i), model.bindings.get(i)) else {
        return Vec::new();
    };
    let mut visible = format!(
        "{} {} {} {} {} {}/{}",
        b.status.as_str(),
        meta.key,
        b.mechanism.as_str(),
        meta.role,
        meta.account,
        meta.injected,
        b.pods.len()
    );
    let mut fields: Vec<Field> = Vec::new();
    for p in &b.pods {
        fields.push(Field::new("pod", p.name()));
    }
    for p in &b.pods {
        if let Some(node) = p.node() {
            fields.push(Field::new("node", node));
        }
    }
    if let Some(arn) = &b.role_arn {
        fields.push(Field::new("role", arn));
    }
    push_findings(&mut visible, &mut fields, &b.findings);
    filter.reasons(&visible, &fields)
}

/// Why node role `i` is shown: its ARN, its policies, the pods without IRSA that inherit
/// it, its other findings.
pub fn node_role_reasons(model: &Model, i: usize, filter: &Filter) -> Vec<String> {
    if !filter.gives_reasons() {
        return Vec::new();
    }
    let (Some(r), Some(meta)) = (model.report.node_roles.get(i), model.node_roles.get(i)) else {
        return Vec::new();
    };
    let mut visible = format!(
        "{} {} {} {}",
        r.status.as_str(),
        meta.name,
        r.sources.join(", "),
        r.pods_without_irsa_count
    );
    let mut fields: Vec<Field> = vec![Field::new("role", &r.role_arn)];
    for p in r.attached_policies.iter().chain(&r.inline_policies) {
        fields.push(Field::new("policy", p));
    }
    for p in &r.pods_without_irsa {
        fields.push(Field::new("pod", p));
    }
    push_findings(&mut visible, &mut fields, &r.findings);
    filter.reasons(&visible, &fields)
}

/// Why finding entry `e` is shown: what it is about that the row does not show (the
/// role's ARN, the binding's pods and their nodes).
pub fn finding_reasons(model: &Model, e: usize, filter: &Filter) -> Vec<String> {
    if !filter.gives_reasons() {
        return Vec::new();
    }
    let Some(entry) = model.findings.get(e) else {
        return Vec::new();
    };
    let Some(f) = model.finding(entry) else {
        return Vec::new();
    };
    let visible = format!(
        "{} {} {} {}",
        f.code,
        f.severity.as_str(),
        model.target_label(entry.target),
        f.title
    );
    let mut fields: Vec<Field> = Vec::new();
    match entry.target {
        Target::Binding(i) => {
            if let Some(b) = model.report.bindings.get(i) {
                fields.extend(b.pods.iter().map(|p| Field::new("pod", p.name())));
                fields.extend(
                    b.pods
                        .iter()
                        .filter_map(|p| p.node().map(|n| n.as_str()))
                        .map(|n| Field::new("node", n)),
                );
                if let Some(arn) = &b.role_arn {
                    fields.push(Field::new("role", arn));
                }
            }
        }
        Target::NodeRole(i) => {
            if let Some(r) = model.report.node_roles.get(i) {
                fields.push(Field::new("role", &r.role_arn));
            }
        }
        Target::Cluster => {}
    }
    filter.reasons(&visible, &fields)
}

/// The order of two bindings (by index) in `sort`: its column, then namespace and name.
fn binding_order(model: &Model, sort: Sort) -> impl Fn(usize, usize) -> Ordering + '_ {
    let bindings = &model.report.bindings;
    let meta = &model.bindings;
    let by_name = move |a: usize, b: usize| {
        let (x, y) = (&bindings[a], &bindings[b]);
        x.namespace
            .cmp(&y.namespace)
            .then_with(|| x.service_account.cmp(&y.service_account))
    };
    let primary = move |a: usize, b: usize| -> Ordering {
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
            SortColumn::Evidence => crate::render::evidence::rank(x.evidence.as_ref())
                .cmp(&crate::render::evidence::rank(y.evidence.as_ref())),
        }
    };
    move |a, b| {
        let p = primary(a, b);
        let p = if sort.descending { p.reverse() } else { p };
        p.then_with(|| by_name(a, b))
    }
}
