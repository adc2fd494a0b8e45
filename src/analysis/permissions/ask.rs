//! `can` and `who-can`: the identity-policy evaluator's answers for a binding's role, for
//! policy documents given offline, and for every binding and node role of the cluster at
//! once. Shaped as the command line's JSON contract (`docs/interface.md`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Documents, RoleDocuments};
use crate::analysis::report::Report;
use crate::inventory::Inventory;
use crate::policy::identity::{
    self, POD_IDENTITY_SESSION_TAGS, Permissions, Question, Session, Source, Verdict,
};
use crate::policy::{Effect, PolicyDocument};

/// What every answer leaves out.
pub const SCOPE_NOTE: &str = "identity side only (the role's identity policies and permissions boundary): service control policies, resource control policies, resource-based policies (bucket, key, queue policies) and session policies are not evaluated";

/// A `--context KEY=VALUE`.
pub type Given = (String, String);

/// `service:Action`, one action (IAM decides each call by its one action name): the
/// action trimmed, or why it is not one.
pub fn parse_action(a: &str) -> Result<String, String> {
    let a = a.trim();
    let valid = a.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !name.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && name.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if valid {
        Ok(a.to_owned())
    } else {
        Err(format!(
            "{a:?} is not an action: give one action as service:Action (s3:GetObject), without wildcards"
        ))
    }
}

/// A resource ARN, or `*`.
pub fn parse_resource(r: &str) -> Result<String, String> {
    let r = r.trim();
    if r == "*" || (r.starts_with("arn:") && r.split(':').count() >= 6) {
        Ok(r.to_owned())
    } else {
        Err(format!(
            "{r:?} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE) or *"
        ))
    }
}

/// `can`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanAnswer {
    /// The role whose session is asked about; `None` offline without `--role`.
    pub principal: Option<String>,
    /// `NS/NAME` of the binding asked about.
    pub binding: Option<String>,
    /// Always `identity`: see [`SCOPE_NOTE`].
    pub scope: &'static str,
    pub results: Vec<CanResult>,
    /// Something the person should know before reading the answers (the binding's pods do
    /// not get these credentials today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `--simulate`: why IAM's simulation could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation_error: Option<String>,
}

impl CanAnswer {
    /// Every question allowed — by IAM's simulation too, when it was asked.
    pub fn all_allowed(&self) -> bool {
        self.results.iter().all(|r| {
            r.decision == Verdict::Allowed && r.simulated.is_none_or(|s| s == Verdict::Allowed)
        })
    }

    /// Puts IAM's own answers beside these: `(action, resource, decision, allowed by the
    /// organization's SCPs)`, matched by action (case-insensitively) and resource. A
    /// disagreement is said, with which side saw what.
    pub fn with_simulation(
        mut self,
        simulated: &[(String, String, Verdict, Option<bool>)],
    ) -> Self {
        for r in &mut self.results {
            let Some((_, _, decision, org)) = simulated
                .iter()
                .find(|(a, res, _, _)| a.eq_ignore_ascii_case(&r.action) && *res == r.resource)
            else {
                continue;
            };
            r.simulated = Some(*decision);
            if *decision == r.decision {
                continue;
            }
            r.simulation_note = Some(if *org == Some(false) {
                "IAM's simulation also applies the organization's service control policies, which deny it; irsa-tui reads the identity side only".to_owned()
            } else if r.decision == Verdict::Unknown {
                format!(
                    "irsa-tui could not decide without {}; IAM's simulation decided with the context it was given",
                    if r.missing_context.is_empty() {
                        "every document".to_owned()
                    } else {
                        r.missing_context.join(", ")
                    }
                )
            } else {
                format!(
                    "irsa-tui says {} from the documents it read, IAM's simulation says {}: a document may have changed since it was read, or one of the two evaluates differently",
                    r.decision.as_str(),
                    decision.as_str()
                )
            });
        }
        self
    }
}

/// The answer to one question (ACTION on RESOURCE).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanResult {
    pub action: String,
    pub resource: String,
    pub decision: Verdict,
    /// One sentence, in AWS's words where it has them.
    pub reason: String,
    pub matched: Vec<MatchedStatement>,
    /// The boundary's own verdict, or `none` without a boundary.
    pub boundary: &'static str,
    pub missing_context: Vec<String>,
    /// Policies that could not be evaluated, when the answer is unknown because of them.
    pub unreadable: Vec<Unreadable>,
    /// IAM's SimulatePrincipalPolicy decision, with `--simulate`.
    pub simulated: Option<Verdict>,
    /// When IAM's simulation and this answer differ: which side saw what.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation_note: Option<String>,
}

/// A statement that decides an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedStatement {
    pub policy: String,
    pub policy_arn: Option<String>,
    pub kind: identity::PolicyKind,
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// The statement as written, one line of indented JSON each, with whether the line
    /// names the question's action or resource (for the text output and the dashboard).
    #[serde(skip)]
    pub lines: Vec<(String, bool)>,
}

/// The statement's JSON as indented lines, marking those that hold one of `hits`.
fn marked_lines(json: &serde_json::Value, hits: &[&str]) -> Vec<(String, bool)> {
    let quoted: Vec<String> = hits
        .iter()
        .filter_map(|h| serde_json::to_string(h).ok())
        .collect();
    serde_json::to_string_pretty(json)
        .unwrap_or_default()
        .lines()
        .map(|l| (l.to_owned(), quoted.iter().any(|q| l.contains(q.as_str()))))
        .collect()
}

/// A policy the answer could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub policy: String,
    pub why: String,
}

/// Answers `questions` for a session whose context is `session`, with the deciding
/// statements as written (for the text output and the dashboard).
pub fn answer_all(
    permissions: &Permissions,
    session: &Session,
    questions: &[Question],
) -> Vec<CanResult> {
    answers(permissions, session, questions, true)
}

/// `detail`: the deciding statements' JSON and the values that name the call.
fn answers(
    permissions: &Permissions,
    session: &Session,
    questions: &[Question],
    detail: bool,
) -> Vec<CanResult> {
    questions
        .iter()
        .map(|q| {
            let a = identity::answer(permissions, q, session);
            CanResult {
                action: q.action.clone(),
                resource: q.resource.as_str().to_owned(),
                decision: a.decision,
                reason: identity::reason(&a, q, permissions),
                matched: a
                    .matched
                    .iter()
                    .filter_map(|m| {
                        matched_statement(permissions, m.source, m.statement, q, detail)
                    })
                    .collect(),
                boundary: a.boundary.map_or("none", Verdict::as_str),
                missing_context: a.missing_context.clone(),
                unreadable: a
                    .unreadable
                    .iter()
                    .map(|(source, why)| Unreadable {
                        policy: policy_of(permissions, *source)
                            .map_or_else(String::new, |p| p.name.to_owned()),
                        why: why.clone(),
                    })
                    .collect(),
                simulated: None,
                simulation_note: None,
            }
        })
        .collect()
}

fn policy_of<'p, 'a>(
    permissions: &'p Permissions<'a>,
    source: Source,
) -> Option<&'p identity::Policy<'a>> {
    match source {
        Source::Identity(i) => permissions.identity.get(i),
        Source::Boundary => permissions.boundary.as_ref(),
    }
}

fn matched_statement(
    permissions: &Permissions,
    source: Source,
    index: usize,
    q: &Question,
    detail: bool,
) -> Option<MatchedStatement> {
    let policy = policy_of(permissions, source)?;
    let doc: Option<&PolicyDocument> = policy.document.ok();
    let statement = doc.and_then(|d| d.statements.get(index));
    Some(MatchedStatement {
        policy: policy.name.to_owned(),
        policy_arn: policy.arn.map(str::to_owned),
        kind: policy.kind,
        statement: index,
        sid: statement.and_then(|s| s.sid.clone()),
        effect: statement.map_or(Effect::Allow, |s| s.effect),
        lines: match (doc.and_then(|d| d.statement_json(index)), statement) {
            (Some(json), Some(s)) if detail => marked_lines(json, &identity::hits(s, q)),
            _ => Vec::new(),
        },
    })
}

/// Whose session: EKS Pod Identity tags the sessions it creates.
enum Tagged<'x> {
    /// An IRSA session (or the node role's): the role's tags only.
    Plain,
    /// A Pod Identity session of this ServiceAccount: its tags are known but the pod's.
    PodIdentity { namespace: &'x str, name: &'x str },
    /// A role some Pod Identity association uses, asked about for every binding at once:
    /// the per-binding tags are unknown.
    MaybePodIdentity,
}

fn session_of(docs: &RoleDocuments, inv: &Inventory, tagged: Tagged, given: &[Given]) -> Session {
    let mut session = docs.session(inv.cluster.region.as_deref());
    let cluster = |session: &mut Session| {
        session.session_tag("eks-cluster-arn", inv.cluster.arn.as_deref());
        session.session_tag("eks-cluster-name", inv.cluster.name.as_deref());
    };
    match tagged {
        Tagged::Plain => {}
        Tagged::PodIdentity { namespace, name } => {
            cluster(&mut session);
            session.session_tag("kubernetes-namespace", Some(namespace));
            session.session_tag("kubernetes-service-account", Some(name));
            session.session_tag("kubernetes-pod-name", None);
            session.session_tag("kubernetes-pod-uid", None);
        }
        Tagged::MaybePodIdentity => {
            cluster(&mut session);
            for key in &POD_IDENTITY_SESSION_TAGS[2..] {
                session.session_tag(key, None);
            }
        }
    }
    for (k, v) in given {
        session.give(k, v);
    }
    session
}

/// Whether a Pod Identity association of the inventory uses `role_arn`.
fn pod_identity_uses(inv: &Inventory, role_arn: &str) -> bool {
    inv.pod_identity_associations
        .iter()
        .any(|a| crate::arn::same_role(&a.role_arn, role_arn))
}

/// `can NS/NAME` (or a role ARN, e.g. a node role's): the binding's role, from the report
/// and the inventory it was made from.
pub fn can(
    inv: &Inventory,
    report: &Report,
    target: &str,
    questions: &[Question],
    given: &[Given],
) -> Result<CanAnswer, String> {
    let mut pod_identity: Option<(&str, &str)> = None;
    let (binding, role_arn, note) = if target.starts_with("arn:") {
        (None, target.to_owned(), None)
    } else {
        let (ns, name) = target.split_once('/').ok_or_else(|| {
            format!("{target:?} is not NAMESPACE/NAME (a ServiceAccount) or a role ARN")
        })?;
        let found = report
            .bindings
            .iter()
            .find(|b| b.namespace == ns && b.service_account == name);
        let role = found.and_then(|b| b.role_arn.clone());
        if found.is_some_and(|b| b.mechanism == crate::analysis::Mechanism::PodIdentity) {
            pod_identity = Some((ns, name));
        }
        let Some(role) = role else {
            let exists = found.is_some()
                || inv
                    .service_accounts
                    .iter()
                    .any(|sa| sa.namespace == ns && sa.name == name);
            return Err(if exists {
                format!(
                    "the ServiceAccount {ns}/{name} has no IAM role (no eks.amazonaws.com/role-arn annotation, no Pod Identity association): its pods get the node role's credentials; ask about the node role with `irsa-tui can ROLE_ARN ...`"
                )
            } else {
                format!(
                    "there is no ServiceAccount {ns}/{name} in this cluster's data (check the namespace and name, or the -n scope)"
                )
            });
        };
        let note = found.and_then(|b| {
            let trust_denies = b
                .trust
                .as_ref()
                .is_some_and(|t| t.decision == crate::analysis::Decision::Deny);
            let blocking = b.findings.iter().find(|f| {
                let family = f.code.as_str().get(4..5);
                f.severity <= crate::analysis::Severity::Error
                    && (matches!(family, Some("1" | "3" | "7"))
                        || (trust_denies && family == Some("2")))
            })?;
            Some(format!(
                "today the pods of {ns}/{name} may not get these credentials at all ({} {}); the answers below are what a session of the role could do",
                blocking.code.as_str(),
                blocking.title
            ))
        });
        (Some(target.to_owned()), role, note)
    };
    let role = inv
        .roles
        .iter()
        .find(|r| crate::arn::same_role(&r.arn, &role_arn))
        .ok_or_else(|| {
            if inv.aws.skipped {
                format!("the role {role_arn} was not read: AWS was skipped (--no-aws); run with AWS credentials, or ask offline with --policy FILE")
            } else {
                format!("the role {role_arn} is not among the roles read from IAM (AWS unreachable or the role not referenced by this cluster); ask offline with --policy FILE")
            }
        })?;
    let documents = Documents::lazy(inv);
    let docs = documents.of(role)?;
    let tagged = match pod_identity {
        Some((namespace, name)) => Tagged::PodIdentity { namespace, name },
        None if binding.is_none() && pod_identity_uses(inv, &role.arn) => Tagged::MaybePodIdentity,
        None => Tagged::Plain,
    };
    let session = session_of(&docs, inv, tagged, given);
    Ok(CanAnswer {
        principal: Some(role.arn.clone()),
        binding,
        scope: "identity",
        results: answer_all(&docs.permissions(), &session, questions),
        note,
        simulation_error: None,
    })
}

/// A policy document given offline (`--policy FILE`, `--boundary FILE`).
pub struct GivenPolicy {
    pub name: String,
    pub text: String,
}

/// `can --policy FILE... [--boundary FILE] [--role ARN]`: the same questions over documents
/// given as files. Every document must parse: a file that does not is an error, not an
/// unknown answer (the person asking can fix it).
pub fn can_offline(
    policies: &[GivenPolicy],
    boundary: Option<&GivenPolicy>,
    role_arn: Option<&str>,
    region: Option<&str>,
    questions: &[Question],
    given: &[Given],
) -> Result<CanAnswer, String> {
    let parse = |p: &GivenPolicy| {
        PolicyDocument::parse(&p.text)
            .map_err(|e| format!("{}: not a policy document ({e})", p.name))
    };
    let identity_docs = policies.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let boundary_doc = boundary.map(parse).transpose()?;
    let permissions = Permissions {
        identity: policies
            .iter()
            .zip(&identity_docs)
            .map(|(p, d)| identity::Policy {
                name: &p.name,
                arn: None,
                kind: identity::PolicyKind::Inline,
                document: Ok(d),
            })
            .collect(),
        boundary: boundary
            .zip(boundary_doc.as_ref())
            .map(|(p, d)| identity::Policy {
                name: &p.name,
                arn: None,
                kind: identity::PolicyKind::Boundary,
                document: Ok(d),
            }),
    };
    let mut session = match role_arn {
        Some(arn) => Session::of_role(arn, None, region),
        None => Session::default(),
    };
    for (k, v) in given {
        session.give(k, v);
    }
    Ok(CanAnswer {
        principal: role_arn.map(str::to_owned),
        binding: None,
        scope: "identity",
        results: answer_all(&permissions, &session, questions),
        note: None,
        simulation_error: None,
    })
}

/// `who-can`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhoCanAnswer {
    pub action: String,
    pub resource: String,
    pub scope: &'static str,
    /// Allowed first, then unknown; denied ones are left out.
    pub principals: Vec<WhoCanPrincipal>,
    /// How many roles were asked about.
    pub roles_evaluated: usize,
}

/// One binding or node role whose credentials may do it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhoCanPrincipal {
    /// `binding` or `node-role`.
    pub kind: &'static str,
    pub binding: Option<String>,
    pub role_arn: String,
    pub decision: Verdict,
    /// The binding's pods; for a node role, the pods without IRSA that inherit it.
    pub pods: usize,
    pub matched: Vec<MatchedStatement>,
    pub reason: String,
    pub missing_context: Vec<String>,
}

/// The answer to one question for every readable role of the inventory, by role ARN: what
/// `who-can` and the dashboard's `:can` read. A role that does not exist gives no
/// credentials and has no answer; one that could not be read is `unknown`.
pub type RoleAnswers = BTreeMap<String, CanResult>;

///
/// `detail`: keep each deciding statement's JSON (the dashboard shows it; `who-can` does
/// not).
pub fn answers_by_role(
    inv: &Inventory,
    question: &Question,
    given: &[Given],
    detail: bool,
) -> RoleAnswers {
    answers_with(&Documents::new(inv), question, given, detail)
}

/// [`answers_by_role`] over documents already parsed.
pub fn answers_with(
    documents: &Documents,
    question: &Question,
    given: &[Given],
    detail: bool,
) -> RoleAnswers {
    documents
        .inventory()
        .roles
        .iter()
        .filter(|r| r.status != crate::inventory::ReadStatus::NotFound)
        .filter_map(|role| {
            let result = role_answer(documents, role, question, given, detail)?;
            Some((role.arn.clone(), result))
        })
        .collect()
}

/// The answer to `question` for a session of the role `role_arn` names (the inventory's
/// role, however the ARN spells its path), as `who-can` asks it; `None` when the role was
/// not read or does not exist. What the CloudTrail evidence (IRSA802) explains a denied
/// call with.
pub fn answer_for_role(
    documents: &Documents,
    role_arn: &str,
    question: &Question,
) -> Option<CanResult> {
    let role = documents
        .inventory()
        .roles
        .iter()
        .filter(|r| r.status != crate::inventory::ReadStatus::NotFound)
        .find(|r| crate::arn::same_role(&r.arn, role_arn))?;
    role_answer(documents, role, question, &[], false)
}

fn role_answer(
    documents: &Documents,
    role: &crate::inventory::Role,
    question: &Question,
    given: &[Given],
    detail: bool,
) -> Option<CanResult> {
    Some(match documents.of(role) {
        Ok(docs) => {
            let inv = documents.inventory();
            let tagged = if pod_identity_uses(inv, &role.arn) {
                Tagged::MaybePodIdentity
            } else {
                Tagged::Plain
            };
            let session = session_of(&docs, inv, tagged, given);
            answers(
                &docs.permissions(),
                &session,
                std::slice::from_ref(question),
                detail,
            )
            .pop()?
        }
        Err(why) => CanResult {
            action: question.action.clone(),
            resource: question.resource.as_str().to_owned(),
            decision: Verdict::Unknown,
            reason: format!("unknown: {why}"),
            matched: Vec::new(),
            boundary: "none",
            missing_context: Vec::new(),
            unreadable: Vec::new(),
            simulated: None,
            simulation_note: None,
        },
    })
}

/// The answer for `role_arn` (as a ServiceAccount annotation or node role names it).
pub fn answer_for<'r>(answers: &'r RoleAnswers, role_arn: &str) -> Option<&'r CanResult> {
    answers.get(role_arn).or_else(|| {
        answers
            .iter()
            .find(|(arn, _)| crate::arn::same_role(arn, role_arn))
            .map(|(_, a)| a)
    })
}

/// `who-can ACTION [--resource ARN]`: every binding and node role whose credentials may do
/// it. Each distinct role is evaluated once, however many bindings use it.
pub fn who_can(
    inv: &Inventory,
    report: &Report,
    question: &Question,
    given: &[Given],
) -> WhoCanAnswer {
    who_can_with(&Documents::new(inv), report, question, given)
}

/// [`who_can`] over documents already parsed (the ones the report was made from).
pub fn who_can_with(
    documents: &Documents,
    report: &Report,
    question: &Question,
    given: &[Given],
) -> WhoCanAnswer {
    let answers = answers_with(documents, question, given, false);
    let ask = |arn: &str| answer_for(&answers, arn).cloned();
    let mut principals = Vec::new();
    for b in &report.bindings {
        let Some(arn) = b.role_arn.as_deref() else {
            continue;
        };
        let Some(r) = ask(arn) else { continue };
        if matches!(r.decision, Verdict::Allowed | Verdict::Unknown) {
            principals.push(WhoCanPrincipal {
                kind: "binding",
                binding: Some(format!("{}/{}", b.namespace, b.service_account)),
                role_arn: arn.to_owned(),
                decision: r.decision,
                pods: b.pods.len(),
                matched: r.matched,
                reason: r.reason,
                missing_context: r.missing_context,
            });
        }
    }
    for n in &report.node_roles {
        let Some(r) = ask(&n.role_arn) else { continue };
        if matches!(r.decision, Verdict::Allowed | Verdict::Unknown) {
            principals.push(WhoCanPrincipal {
                kind: "node-role",
                binding: None,
                role_arn: n.role_arn.clone(),
                decision: r.decision,
                pods: n.pods_without_irsa_count,
                matched: r.matched,
                reason: r.reason,
                missing_context: r.missing_context,
            });
        }
    }
    principals.sort_by(|a, b| {
        (
            a.decision != Verdict::Allowed,
            a.kind,
            &a.binding,
            &a.role_arn,
        )
            .cmp(&(
                b.decision != Verdict::Allowed,
                b.kind,
                &b.binding,
                &b.role_arn,
            ))
    });
    WhoCanAnswer {
        action: question.action.clone(),
        resource: question.resource.as_str().to_owned(),
        scope: "identity",
        principals,
        roles_evaluated: answers.len(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test")]

    use super::*;
    use crate::analysis::{Settings, analyze};
    use crate::inventory::{
        AttachedPolicy, InlinePolicy, ManagedPolicy, ReadStatus, Role, ServiceAccount,
    };

    const ACCOUNT: &str = "111122223333";

    fn role(
        name: &str,
        attached: &[&str],
        inline: &[(&str, &str)],
        boundary: Option<&str>,
    ) -> Role {
        Role {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            name: name.into(),
            path: "/".into(),
            status: ReadStatus::Ok,
            attached_policies: attached
                .iter()
                .map(|a| AttachedPolicy {
                    arn: (*a).into(),
                    name: a.rsplit('/').next().unwrap().into(),
                    admin: false,
                })
                .collect(),
            inline_policies: inline
                .iter()
                .map(|(n, d)| InlinePolicy {
                    name: (*n).into(),
                    document: (*d).into(),
                })
                .collect(),
            permissions_boundary: boundary.map(str::to_owned),
            tags: Some(BTreeMap::from([("team".to_owned(), "media".to_owned())])),
            ..Default::default()
        }
    }

    fn managed(arn: &str, doc: &str) -> ManagedPolicy {
        ManagedPolicy {
            arn: arn.into(),
            name: arn.rsplit('/').next().unwrap().into(),
            default_version: Some("v1".into()),
            document: Some(doc.into()),
            error: None,
        }
    }

    fn sa(ns: &str, name: &str, role: Option<&str>) -> ServiceAccount {
        ServiceAccount {
            namespace: ns.into(),
            name: name.into(),
            role_arn: role.map(|r| format!("arn:aws:iam::{ACCOUNT}:role/{r}")),
            ..Default::default()
        }
    }

    const READ: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/platform-boundary";

    /// Two bindings share `reader`; `writer` has an inline write policy under a boundary
    /// that allows reads only; `plain` has no role.
    fn cluster() -> (Inventory, Report) {
        let mut inv = Inventory::default();
        inv.cluster.region = Some("eu-west-1".into());
        inv.service_accounts = vec![
            sa("media", "thumbs", Some("reader")),
            sa("media", "gallery", Some("reader")),
            sa("media", "uploader", Some("writer")),
            sa("media", "plain", None),
        ];
        inv.roles = vec![
            role("reader", &[READ], &[], None),
            role(
                "writer",
                &[],
                &[(
                    "put",
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"Put","Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::media/*"}]}"#,
                )],
                Some(BOUNDARY),
            ),
        ];
        inv.managed_policies = vec![
            managed(
                READ,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#,
            ),
            managed(
                BOUNDARY,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnly","Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
            ),
        ];
        let report = analyze(&inv, &Settings::default());
        (inv, report)
    }

    #[test]
    fn a_bindings_role_answers_with_the_deciding_statement_and_the_boundary() {
        let (inv, report) = cluster();
        let qs = [
            Question::new("s3:GetObject", "arn:aws:s3:::media/cat.png"),
            Question::new("s3:PutObject", "arn:aws:s3:::media/cat.png"),
        ];
        let a = can(&inv, &report, "media/uploader", &qs, &[]).unwrap();
        assert_eq!(
            a.principal.as_deref(),
            Some("arn:aws:iam::111122223333:role/writer")
        );
        assert_eq!(a.binding.as_deref(), Some("media/uploader"));
        assert_eq!(a.scope, "identity");
        let get = &a.results[0];
        assert_eq!(get.decision, Verdict::Allowed, "{}", get.reason);
        assert_eq!(get.boundary, "allowed");
        assert_eq!(get.matched[0].policy, "put");
        assert_eq!(get.matched[0].sid.as_deref(), Some("Put"));
        // The statement as written, the values naming the call marked.
        assert!(!get.matched[0].lines.is_empty());
        let marked: Vec<&str> = get.matched[0]
            .lines
            .iter()
            .filter(|(_, hit)| *hit)
            .map(|(l, _)| l.trim())
            .collect();
        assert_eq!(
            marked,
            ["\"s3:GetObject\"", "\"Resource\": \"arn:aws:s3:::media/*\""]
        );
        // Identity allows PutObject; the boundary does not: identity ∩ boundary.
        let put = &a.results[1];
        assert_eq!(put.decision, Verdict::ImplicitDeny);
        assert_eq!(put.boundary, "implicit-deny");
        assert!(
            put.reason.contains("permissions boundary"),
            "{}",
            put.reason
        );
        assert!(!a.all_allowed());
    }

    #[test]
    fn a_serviceaccount_without_a_role_or_unknown_is_an_error_that_says_which() {
        let (inv, report) = cluster();
        let q = [Question::new("s3:GetObject", "*")];
        let no_role = can(&inv, &report, "media/plain", &q, &[]).unwrap_err();
        assert!(no_role.contains("has no IAM role"), "{no_role}");
        let absent = can(&inv, &report, "media/nobody", &q, &[]).unwrap_err();
        assert!(
            absent.contains("there is no ServiceAccount media/nobody"),
            "{absent}"
        );
        let bad = can(&inv, &report, "nonsense", &q, &[]).unwrap_err();
        assert!(bad.contains("NAMESPACE/NAME"), "{bad}");
    }

    #[test]
    fn a_role_arn_can_be_asked_about_directly() {
        let (inv, report) = cluster();
        let q = [Question::new("s3:ListBucket", "arn:aws:s3:::media")];
        let a = can(
            &inv,
            &report,
            "arn:aws:iam::111122223333:role/reader",
            &q,
            &[],
        )
        .unwrap();
        assert_eq!(a.binding, None);
        assert_eq!(a.results[0].decision, Verdict::Allowed);
        assert_eq!(a.results[0].boundary, "none");
        assert_eq!(a.results[0].matched[0].policy_arn.as_deref(), Some(READ));
    }

    #[test]
    fn a_missing_managed_document_makes_the_answer_unknown_not_a_guess() {
        let (mut inv, _) = cluster();
        inv.managed_policies.retain(|p| p.arn != READ);
        let report = analyze(&inv, &Settings::default());
        let q = [Question::new("s3:GetObject", "*")];
        let a = can(&inv, &report, "media/thumbs", &q, &[]).unwrap();
        assert_eq!(a.results[0].decision, Verdict::Unknown);
        assert_eq!(a.results[0].unreadable[0].policy, "AmazonS3ReadOnlyAccess");
    }

    #[test]
    fn who_can_lists_each_binding_of_an_allowed_role_and_evaluates_the_role_once() {
        let (inv, report) = cluster();
        let q = Question::new("s3:GetObject", "arn:aws:s3:::media/cat.png");
        let w = who_can(&inv, &report, &q, &[]);
        let names: Vec<_> = w
            .principals
            .iter()
            .filter_map(|p| p.binding.as_deref())
            .collect();
        assert_eq!(names, ["media/gallery", "media/thumbs", "media/uploader"]);
        assert_eq!(w.roles_evaluated, 2);
        // PutObject: the writer's boundary refuses it, the reader has no Allow.
        let put = who_can(&inv, &report, &Question::new("s3:PutObject", "*"), &[]);
        assert!(put.principals.is_empty(), "{:?}", put.principals);
    }

    #[test]
    fn iam_simulation_is_put_beside_and_a_disagreement_is_said() {
        let (inv, report) = cluster();
        let qs = [
            Question::new("s3:GetObject", "arn:aws:s3:::media/a"),
            Question::new("s3:PutObject", "arn:aws:s3:::media/a"),
        ];
        let a = can(&inv, &report, "media/uploader", &qs, &[]).unwrap();
        assert!(!a.all_allowed());
        let sims = [
            // An SCP denies what the identity side allows.
            (
                "S3:GETOBJECT".to_owned(),
                "arn:aws:s3:::media/a".to_owned(),
                Verdict::ExplicitDeny,
                Some(false),
            ),
            (
                "s3:PutObject".to_owned(),
                "arn:aws:s3:::media/a".to_owned(),
                Verdict::ImplicitDeny,
                Some(true),
            ),
        ];
        let a = a.with_simulation(&sims);
        assert_eq!(a.results[0].simulated, Some(Verdict::ExplicitDeny));
        assert!(
            a.results[0]
                .simulation_note
                .as_deref()
                .unwrap()
                .contains("service control policies")
        );
        assert_eq!(a.results[1].simulated, Some(Verdict::ImplicitDeny));
        assert_eq!(a.results[1].simulation_note, None, "they agree");
        // Allowed by irsa-tui but not by IAM: not all allowed.
        let only_get = can(&inv, &report, "media/uploader", &qs[..1], &[]).unwrap();
        assert!(only_get.all_allowed());
        assert!(!only_get.with_simulation(&sims).all_allowed());
    }

    /// EKS Pod Identity tags its sessions (`kubernetes-namespace`, ...): a Pod Identity
    /// binding's answer uses them; asked for every binding of a role at once, they differ
    /// per binding and the answer that depends on them is unknown.
    #[test]
    fn pod_identity_session_tags_decide_for_the_binding() {
        let (mut inv, _) = cluster();
        inv.roles.push(role(
            "abac",
            &[],
            &[(
                "by-namespace",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/${aws:PrincipalTag/kubernetes-namespace}/*"}]}"#,
            )],
            None,
        ));
        inv.service_accounts.push(sa("media", "indexer", None));
        inv.pod_identity_associations
            .push(crate::inventory::PodIdentityAssociation {
                namespace: "media".into(),
                service_account: "indexer".into(),
                role_arn: format!("arn:aws:iam::{ACCOUNT}:role/abac"),
                association_id: Some("a-1".into()),
            });
        let report = analyze(&inv, &Settings::default());
        let ask = |resource: &str| {
            let q = [Question::new("s3:GetObject", resource)];
            can(&inv, &report, "media/indexer", &q, &[])
                .unwrap()
                .results[0]
                .decision
        };
        assert_eq!(ask("arn:aws:s3:::data/media/a.csv"), Verdict::Allowed);
        assert_eq!(
            ask("arn:aws:s3:::data/billing/a.csv"),
            Verdict::ImplicitDeny
        );
        let answers = answers_by_role(
            &inv,
            &Question::new("s3:GetObject", "arn:aws:s3:::data/media/a.csv"),
            &[],
            false,
        );
        let per_role = &answers[&format!("arn:aws:iam::{ACCOUNT}:role/abac")];
        assert_eq!(per_role.decision, Verdict::Unknown);
        assert_eq!(
            per_role.missing_context,
            ["aws:PrincipalTag/kubernetes-namespace"]
        );
    }

    #[test]
    fn offline_documents_answer_and_a_bad_file_is_an_error() {
        let policy = GivenPolicy {
            name: "app.json".into(),
            text: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"media"}}}]}"#.into(),
        };
        let q = [Question::new("s3:ListBucket", "arn:aws:s3:::b")];
        let a = can_offline(std::slice::from_ref(&policy), None, None, None, &q, &[]).unwrap();
        assert_eq!(a.results[0].decision, Verdict::Unknown);
        assert_eq!(a.results[0].missing_context, ["aws:PrincipalTag/team"]);
        let given = [("aws:PrincipalTag/team".to_owned(), "media".to_owned())];
        let a = can_offline(std::slice::from_ref(&policy), None, None, None, &q, &given).unwrap();
        assert_eq!(a.results[0].decision, Verdict::Allowed);
        let bad = GivenPolicy {
            name: "x.json".into(),
            text: "[1]".into(),
        };
        let err = can_offline(&[bad], None, None, None, &q, &[]).unwrap_err();
        assert!(err.starts_with("x.json: not a policy document"), "{err}");
    }
}
