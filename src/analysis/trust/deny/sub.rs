//! The `sub` condition does not accept `system:serviceaccount:<ns>:<sa>`: IRSA203 (another
//! namespace) and IRSA204 (another ServiceAccount, an exclusion, or no ServiceAccount
//! subject at all). A wildcard under an exact operator is IRSA207.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::policy::{Condition, Operator, edit_distance};

use super::super::fix::{Cause, Edit};
use super::super::subject::Subject;
use super::condition::wildcard_cause;
use super::values::{condition_evidence, corrected_values, matches_value, set_or_remove};

/// The failing `sub` condition and the token's claim, for every cause's evidence.
struct SubCheck<'a> {
    statement: usize,
    condition: &'a Condition,
    actual: &'a str,
}

impl SubCheck<'_> {
    fn evidence(&self, f: Finding) -> Finding {
        condition_evidence(f, self.statement, self.condition)
            .evidence("values", self.condition.values.to_vec())
            .evidence("token_sub", self.actual)
    }
}

/// The causes of a `sub` condition that rejects the token.
pub(super) fn sub_causes(
    statement: usize,
    condition: &Condition,
    op: Operator,
    key: &str,
    subject: &Subject,
) -> Vec<Cause> {
    let actual = subject.sub();
    if let Some(c) = wildcard_cause(statement, condition, op, key, &actual, "sub", subject) {
        return vec![c];
    }
    let check = SubCheck {
        statement,
        condition,
        actual: &actual,
    };
    if op.base.is_negated() {
        let excluded: Vec<String> = condition
            .values
            .iter()
            .filter(|v| matches_value(op, v, &actual))
            .cloned()
            .collect();
        let remaining: Vec<String> = condition
            .values
            .iter()
            .filter(|v| !excluded.contains(v))
            .cloned()
            .collect();
        let edit = set_or_remove(statement, condition, key, remaining);
        return vec![other_service_account(
            &check,
            NameMiss::Excluded(excluded),
            edit,
            subject,
        )];
    }

    // Split each value into namespace and name parts and compare them separately.
    let (ns, sa) = (subject.namespace.as_str(), subject.service_account.as_str());
    let parts: Vec<(&String, Option<(&str, &str)>)> = condition
        .values
        .iter()
        .map(|v| {
            let split = v
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.split_once(':'));
            (v, split)
        })
        .collect();
    let ns_ok = |p: &str| matches_value(op, p, ns);
    let sa_ok = |p: &str| matches_value(op, p, sa);
    let closest = parts
        .iter()
        .min_by_key(|(v, split)| {
            let fits = split.map_or(0, |(n, s)| usize::from(ns_ok(n)) + usize::from(sa_ok(s)));
            (std::cmp::Reverse(fits), edit_distance(v, &actual))
        })
        .map(|(v, split)| ((*v).clone(), *split));
    let Some((closest_value, split)) = closest else {
        return Vec::new();
    };
    let edit = Edit::SetValues {
        statement,
        operator: condition.operator_text.clone(),
        key: key.to_owned(),
        values: corrected_values(&condition.values, &actual, &closest_value),
    };
    let ranked = |pick: &dyn Fn(&(&str, &str)) -> Option<String>, target: &str| -> Vec<String> {
        let mut names: Vec<String> = parts
            .iter()
            .filter_map(|(_, s)| s.as_ref().and_then(pick))
            .collect();
        names.sort_by_key(|n| (edit_distance(n, target), n.clone()));
        names.dedup();
        names.truncate(3);
        names
    };
    let mut causes = Vec::new();
    let (wrong_ns, wrong_sa) = match split {
        Some((n, s)) => (!ns_ok(n), !sa_ok(s)),
        None => (false, true),
    };
    if wrong_ns {
        let named = ranked(&|(n, s)| sa_ok(s).then(|| n.to_string()), ns);
        let named = if named.is_empty() {
            ranked(&|(n, _)| Some(n.to_string()), ns)
        } else {
            named
        };
        causes.push(other_namespace(
            &check,
            &closest_value,
            named,
            edit.clone(),
            subject,
        ));
    }
    if wrong_sa {
        let named = ranked(&|(n, s)| ns_ok(n).then(|| s.to_string()), sa);
        let named = if named.is_empty() {
            ranked(&|(_, s)| Some(s.to_string()), sa)
        } else {
            named
        };
        let miss = if split.is_none() {
            NameMiss::NotAServiceAccount {
                closest_value: &closest_value,
                named,
            }
        } else {
            NameMiss::OtherName {
                closest_value: &closest_value,
                named,
            }
        };
        causes.push(other_service_account(&check, miss, edit, subject));
    }
    causes
}

pub const IRSA203: Entry = Entry {
    code: Code::IRSA203,
    grade: Grade::Is(Severity::Error),
    meaning: "the sub condition names another namespace",
    why: "The sub condition names another namespace for this ServiceAccount name (a workload moved, or a policy copied from another environment). The token sub is system:serviceaccount:NAMESPACE:NAME.",
    fix: "Correct the namespace in the sub condition.",
    stage: Stage::Trust,
};

/// IRSA203: the closest `sub` value names another namespace for this ServiceAccount.
fn other_namespace(
    check: &SubCheck,
    closest_value: &str,
    named: Vec<String>,
    edit: Edit,
    subject: &Subject,
) -> Cause {
    let (ns, sa) = (subject.namespace.as_str(), subject.service_account.as_str());
    let actual = check.actual;
    let finding = check
        .evidence(IRSA203.finding(
            format!(
                "The trust policy of {} names namespace {:?}, not {ns:?}, for ServiceAccount {sa}",
                subject.role_label(),
                named.first().cloned().unwrap_or_default()
            ),
            format!(
                "The sub condition accepts {closest_value:?} but the token of {} says {actual:?}: the namespace differs. Typical after moving a workload to another namespace or copying a policy from another environment.",
                subject.name()
            ),
        ))
        .evidence("expected_namespace", ns)
        .evidence("namespaces_in_policy", named);
    Cause::new(finding, vec![edit])
}

pub const IRSA204: Entry = Entry {
    code: Code::IRSA204,
    grade: Grade::Is(Severity::Error),
    meaning: "the sub condition names another ServiceAccount",
    why: "The sub condition names another ServiceAccount in this namespace (a typo, or a renamed ServiceAccount).",
    fix: "Correct the ServiceAccount name in the sub condition.",
    stage: Stage::Trust,
};

/// How the `sub` condition misses this ServiceAccount's name (IRSA204).
enum NameMiss<'a> {
    /// A negated operator lists values that match it.
    Excluded(Vec<String>),
    /// The closest value names another ServiceAccount of the namespace.
    OtherName {
        closest_value: &'a str,
        named: Vec<String>,
    },
    /// The closest value is not `system:serviceaccount:<ns>:<name>` at all.
    NotAServiceAccount {
        closest_value: &'a str,
        named: Vec<String>,
    },
}

/// IRSA204: the `sub` condition names another ServiceAccount, or excludes this one.
fn other_service_account(check: &SubCheck, miss: NameMiss, edit: Edit, subject: &Subject) -> Cause {
    let (ns, sa) = (subject.namespace.as_str(), subject.service_account.as_str());
    let actual = check.actual;
    let finding = match miss {
        NameMiss::Excluded(excluded) => check.evidence(IRSA204.finding(
            format!(
                "The trust policy of {} excludes ServiceAccount {}",
                subject.role_label(),
                subject.name()
            ),
            format!(
                "{} on the sub claim lists {excluded:?}, which matches {actual}, so the condition rejects this ServiceAccount.",
                check.condition.operator_text
            ),
        )),
        NameMiss::OtherName {
            closest_value,
            named,
        } => check
            .evidence(IRSA204.finding(
                format!(
                    "The trust policy of {} names ServiceAccount {:?}, not {sa:?}, in namespace {ns}",
                    subject.role_label(),
                    named.first().cloned().unwrap_or_default()
                ),
                format!(
                    "The sub condition accepts {closest_value:?} but the token of {} says {actual:?}: the ServiceAccount name differs (closest names in the policy: {}).",
                    subject.name(),
                    named.join(", ")
                ),
            ))
            .evidence("expected_service_account", sa)
            .evidence("closest_names", named),
        NameMiss::NotAServiceAccount {
            closest_value,
            named,
        } => check
            .evidence(IRSA204.finding(
                format!(
                    "The sub condition of the trust policy of {} is not a ServiceAccount subject",
                    subject.role_label()
                ),
                format!(
                    "The sub condition accepts {closest_value:?}, but a ServiceAccount token's sub is system:serviceaccount:<namespace>:<name>; for {} it is {actual:?}.",
                    subject.name()
                ),
            ))
            .evidence("expected_service_account", sa)
            .evidence("closest_names", named),
    };
    Cause::new(finding, vec![edit])
}
