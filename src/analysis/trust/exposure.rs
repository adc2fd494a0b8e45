//! Who else can assume the role? Decided by evaluating the same policy for probe
//! requests: other ServiceAccounts of the namespace and of other namespaces (built from
//! the policy's own `sub` patterns and fixed names), another audience, another identity
//! provider and an arbitrary IAM principal. IRSA220–IRSA223.

use serde_json::json;

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::policy::{
    Effect, Issuer, PolicyDocument, Request, allowing_statement, parse_subject,
    service_account_subject,
};

use super::fix::{Cause, Edit};
use super::subject::Subject;

const PROBE: &str = "irsa-tui-probe";
const PROBE_AUDIENCE: &str = "irsa-tui-probe.invalid";
const PROBE_ACCOUNT: &str = "000000000000";
/// At most this many probe subjects in the ServiceAccount's namespace, and as many outside.
const PROBES_PER_SIDE: usize = 32;

pub(super) struct Exposures {
    pub causes: Vec<Cause>,
    /// Probe requests the policy admits; a corrected policy must refuse them all.
    pub admitted: Vec<Request>,
}

/// A probe that the policy admitted, and the statement that admitted it.
struct Admitted {
    label: String,
    statement: usize,
    request: Request,
}

fn admitted_by(doc: &PolicyDocument, label: String, request: Request) -> Option<Admitted> {
    allowing_statement(doc, &request).map(|statement| Admitted {
        label,
        statement,
        request,
    })
}

/// Other ServiceAccount subjects worth probing, split by whether they share the namespace.
fn probe_subjects(doc: &PolicyDocument, subject: &Subject) -> (Vec<String>, Vec<String>) {
    let sub_key = subject.sub_key().to_lowercase();
    let mut candidates: Vec<String> = vec![
        service_account_subject(&subject.namespace, PROBE),
        service_account_subject(PROBE, &subject.service_account),
        service_account_subject(PROBE, PROBE),
    ];
    // Instances of the policy's own sub patterns, with '*' filled in several ways.
    let fillers = ["", "x", PROBE, "irsa-tui-probe:irsa-tui-probe"];
    for statement in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        for c in &statement.conditions {
            if c.key.to_lowercase() != sub_key {
                continue;
            }
            // Only patterns: a ServiceAccount named exactly is trusted on purpose (that is
            // the role's blast radius, IRSA224), not an exposure.
            for v in c
                .values
                .iter()
                .filter(|v| !v.contains("${") && (v.contains('*') || v.contains('?')))
            {
                for f in fillers {
                    candidates.push(v.replace('*', f).replace('?', "x"));
                }
            }
        }
    }
    let own = subject.sub();
    let (mut same, mut other) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for c in candidates {
        let Some((ns, _)) = parse_subject(&c) else {
            continue;
        };
        if c == own || !seen.insert(c.clone()) {
            continue;
        }
        let list = if ns == subject.namespace {
            &mut same
        } else {
            &mut other
        };
        // Enough to find an exposure and check a fix against: each probe evaluates the
        // whole policy, so more would multiply with the number of values.
        if list.len() < PROBES_PER_SIDE {
            list.push(c);
        }
    }
    (same, other)
}

pub(super) fn exposures(doc: &PolicyDocument, subject: &Subject) -> Exposures {
    let issuer = &subject.issuer;
    let account = subject.account.as_deref();
    let probe =
        |sub: &str, audience: &str| Request::web_identity_subject(issuer, account, sub, audience);
    let (same_ns, other_ns) = probe_subjects(doc, subject);
    let other: Vec<Admitted> = other_ns
        .iter()
        .filter_map(|s| admitted_by(doc, s.clone(), probe(s, &subject.audience)))
        .collect();
    let same: Vec<Admitted> = same_ns
        .iter()
        .filter_map(|s| admitted_by(doc, s.clone(), probe(s, &subject.audience)))
        .collect();
    let audience = admitted_by(
        doc,
        PROBE_AUDIENCE.to_owned(),
        probe(&subject.sub(), PROBE_AUDIENCE),
    );
    let foreign_issuer = Issuer::parse(&format!("https://oidc.{PROBE}.invalid/id/{PROBE}"))
        .ok()
        .map(|i| {
            Request::web_identity_subject(
                &i,
                Some(PROBE_ACCOUNT),
                &subject.sub(),
                &subject.audience,
            )
        });
    let anyone: Vec<Admitted> = [
        foreign_issuer.map(|r| ("a token from another OIDC provider".to_owned(), r)),
        Some((
            format!("IAM principal arn:aws:iam::{PROBE_ACCOUNT}:root (sts:AssumeRole)"),
            Request::assume_role(&format!("arn:aws:iam::{PROBE_ACCOUNT}:root"), PROBE_ACCOUNT),
        )),
    ]
    .into_iter()
    .flatten()
    .filter_map(|(label, r)| admitted_by(doc, label, r))
    .collect();

    let mut causes = Vec::new();
    if !other.is_empty() {
        causes.push(other_namespaces(&other, subject));
    } else if !same.is_empty() {
        causes.push(same_namespace(&same, subject));
    }
    if let Some(a) = &audience {
        causes.push(audience_exposure(a, subject));
    }
    if !anyone.is_empty() {
        causes.push(any_principal(&anyone, doc, subject));
    }
    let admitted = other
        .into_iter()
        .chain(same)
        .chain(audience)
        .chain(anyone)
        .map(|a| a.request)
        .collect();
    Exposures { causes, admitted }
}

fn statements_of(admitted: &[Admitted]) -> Vec<usize> {
    let mut s: Vec<usize> = admitted.iter().map(|a| a.statement).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// Restricts `sub` to exactly this ServiceAccount in each statement.
fn exact_sub_edits(statements: &[usize], subject: &Subject) -> Vec<Edit> {
    statements
        .iter()
        .flat_map(|&statement| {
            [
                Edit::RemoveKey {
                    statement,
                    operator: None,
                    key: subject.sub_key(),
                },
                Edit::SetValues {
                    statement,
                    operator: "StringEquals".into(),
                    key: subject.sub_key(),
                    values: vec![subject.sub()],
                },
            ]
        })
        .collect()
}

pub const IRSA220: Entry = Entry {
    code: Code::IRSA220,
    grade: Grade::Is(Severity::Critical),
    meaning: "every ServiceAccount of the cluster can assume the role",
    why: "The allowing statement has no sub restriction, or a pattern matching ServiceAccounts of any namespace: anyone who can run a pod with any ServiceAccount of the cluster gets this role.",
    fix: "Restrict sub with StringEquals to system:serviceaccount:NAMESPACE:NAME.",
    stage: Stage::Trust,
};

/// IRSA220: ServiceAccounts of other namespaces are admitted too.
fn other_namespaces(admitted: &[Admitted], subject: &Subject) -> Cause {
    let examples = examples(admitted);
    let finding = IRSA220.finding(
        format!(
            "Every ServiceAccount of the cluster can assume {}",
            subject.role_label()
        ),
        format!(
            "The statement that lets {} in also admits ServiceAccounts of other namespaces (for example {}): its sub condition is missing or a pattern across namespaces. Anyone who can create a pod with any ServiceAccount gets this role's credentials. Restrict sub to exactly {}.",
            subject.name(),
            examples.join(", "),
            subject.sub()
        ),
    );
    sub_exposure(finding, admitted, subject)
}

pub const IRSA221: Entry = Entry {
    code: Code::IRSA221,
    grade: Grade::Is(Severity::Warning),
    meaning: "the sub pattern admits other ServiceAccounts of the same namespace",
    why: "The sub pattern (StringLike) also admits other ServiceAccounts of the same namespace.",
    fix: "Use StringEquals with the exact ServiceAccount.",
    stage: Stage::Trust,
};

/// IRSA221: other ServiceAccounts of the same namespace are admitted too.
fn same_namespace(admitted: &[Admitted], subject: &Subject) -> Cause {
    let examples = examples(admitted);
    let finding = IRSA221.finding(
        format!(
            "Other ServiceAccounts of namespace {} can assume {}",
            subject.namespace,
            subject.role_label()
        ),
        format!(
            "The sub condition is a pattern that also admits other ServiceAccounts of {} (for example {}). Prefer StringEquals on exactly {}.",
            subject.namespace,
            examples.join(", "),
            subject.sub()
        ),
    );
    sub_exposure(finding, admitted, subject)
}

fn examples(admitted: &[Admitted]) -> Vec<&str> {
    admitted.iter().take(3).map(|a| a.label.as_str()).collect()
}

/// The evidence and edits of IRSA220/IRSA221: `sub` pinned to this ServiceAccount.
fn sub_exposure(finding: Finding, admitted: &[Admitted], subject: &Subject) -> Cause {
    let statements = statements_of(admitted);
    let finding = finding
        .evidence("statements", statements.clone())
        .evidence("admitted_subjects", examples(admitted))
        .evidence("expected_sub", subject.sub());
    Cause::new(finding, exact_sub_edits(&statements, subject))
}

pub const IRSA222: Entry = Entry {
    code: Code::IRSA222,
    grade: Grade::Is(Severity::Warning),
    meaning: "the allowing statement does not restrict the token audience",
    why: "The allowing statement has no aud condition: tokens minted for other audiences are accepted. AWS recommends requiring aud = sts.amazonaws.com.",
    fix: "Add StringEquals PROVIDER:aud = sts.amazonaws.com.",
    stage: Stage::Trust,
};

fn audience_exposure(admitted: &Admitted, subject: &Subject) -> Cause {
    let finding = IRSA222.finding(format!(
            "The trust policy of {} does not restrict the token audience",
            subject.role_label()
        ),
        format!(
            "Statement {} admits {}'s token whatever its aud claim (a token with aud {PROBE_AUDIENCE:?} is accepted). AWS guidance is to require aud = {:?} so tokens minted for other audiences cannot be replayed to STS.",
            admitted.statement,
            subject.name(),
            subject.audience
        ),
    )
    .evidence("statement", admitted.statement)
    .evidence("expected_aud", subject.audience.clone())
    .evidence("expected_key", subject.aud_key());
    Cause::new(
        finding,
        vec![Edit::SetValues {
            statement: admitted.statement,
            operator: "StringEquals".into(),
            key: subject.aud_key(),
            values: vec![subject.audience.clone()],
        }],
    )
}

pub const IRSA223: Entry = Entry {
    code: Code::IRSA223,
    grade: Grade::Is(Severity::Critical),
    meaning: "the trust policy allows any principal without a restricting condition",
    why: "The trust policy trusts any principal (\"*\" or {\"AWS\": \"*\"}) without a condition tying it to this cluster tokens: other identity providers or any AWS principal can assume the role.",
    fix: "Name the cluster OIDC provider as the Federated principal and restrict sub and aud.",
    stage: Stage::Trust,
};

fn any_principal(admitted: &[Admitted], doc: &PolicyDocument, subject: &Subject) -> Cause {
    let statements = statements_of(admitted);
    let own = allowing_statement(doc, &subject.request());
    let mut edits = Vec::new();
    for &statement in &statements {
        if Some(statement) == own {
            // The statement IRSA relies on: the provider as its only principal, sub and
            // aud pinned.
            edits.push(Edit::OnlyFederated {
                statement,
                to: subject.provider_arn(),
            });
            edits.extend(exact_sub_edits(&[statement], subject));
            edits.push(Edit::SetValues {
                statement,
                operator: "StringEquals".into(),
                key: subject.aud_key(),
                values: vec![subject.audience.clone()],
            });
        } else {
            edits.push(Edit::Remove { statement });
        }
    }
    let who: Vec<&str> = admitted.iter().map(|a| a.label.as_str()).collect();
    let finding = IRSA223.finding(format!(
            "The trust policy of {} allows any principal",
            subject.role_label()
        ),
        format!(
            "Statement(s) {statements:?} trust \"*\" without a condition that ties them to this cluster's tokens: {} would be let in. Name the cluster's OIDC provider as the Federated principal.",
            who.join(" and ")
        ),
    )
    .evidence("statements", statements.clone())
    .evidence("admitted", who)
    .evidence("expected_principal", json!({"Federated": subject.provider_arn()}));
    Cause::new(finding, edits)
}
