//! IAM's own answer to "may this role do ACTION on RESOURCE": `SimulatePrincipalPolicy`
//! on the role's identity policies and permissions boundary (and, where the account is in
//! an organization, its SCPs), read-only. The questions are batched: one call (and its
//! pages) per distinct set of resources, with every action asked on that set.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    ContextEntry, ContextKeyTypeEnum, EvaluationResult, PolicyEvaluationDecisionType,
    ResourceSpecificResult, Statement,
};

use super::calls::{CallLog, Endpoint, Service, describe};

/// More pages than this for one call is an endpoint that does not stop.
const MAX_PAGES: usize = 1000;

/// One question: may the role call `action` (`s3:GetObject`) on `resource` (an ARN, or `*`)?
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SimQuestion {
    pub action: String,
    pub resource: String,
}

/// A context key the simulation assumes (`--context KEY=VALUE`); several values make a
/// string list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimContext {
    pub key: String,
    pub values: Vec<String>,
}

impl SimContext {
    /// `KEY=VALUE` arguments, in order; a key given more than once gets all its values.
    pub fn parse_all<S: AsRef<str>>(args: &[S]) -> Result<Vec<SimContext>, String> {
        let mut out: Vec<SimContext> = Vec::new();
        for arg in args {
            let arg = arg.as_ref();
            let Some((key, value)) = arg.split_once('=').filter(|(k, _)| !k.trim().is_empty())
            else {
                return Err(format!(
                    "--context {arg:?} is not KEY=VALUE (for example aws:SourceVpc=vpc-1234)"
                ));
            };
            let key = key.trim();
            match out.iter_mut().find(|c| c.key.eq_ignore_ascii_case(key)) {
                Some(c) => c.values.push(value.to_owned()),
                None => out.push(SimContext {
                    key: key.to_owned(),
                    values: vec![value.to_owned()],
                }),
            }
        }
        Ok(out)
    }
}

/// IAM's decision: `allowed`, `implicitDeny` or `explicitDeny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimDecision {
    Allowed,
    ImplicitDeny,
    ExplicitDeny,
}

impl SimDecision {
    /// IAM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SimDecision::Allowed => "allowed",
            SimDecision::ImplicitDeny => "implicitDeny",
            SimDecision::ExplicitDeny => "explicitDeny",
        }
    }

    fn from_iam(d: &PolicyEvaluationDecisionType, action: &str) -> Result<Self, String> {
        match d {
            PolicyEvaluationDecisionType::Allowed => Ok(SimDecision::Allowed),
            PolicyEvaluationDecisionType::ImplicitDeny => Ok(SimDecision::ImplicitDeny),
            PolicyEvaluationDecisionType::ExplicitDeny => Ok(SimDecision::ExplicitDeny),
            other => Err(format!(
                "IAM's simulation answered {:?} for {action}, a decision irsa-tui does not know",
                other.as_str()
            )),
        }
    }
}

/// A statement that decided the answer: which policy, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimMatch {
    /// The policy's name or ARN as IAM names it.
    pub source_policy_id: Option<String>,
    /// `role`, `aws-managed`, `user-managed`, `resource`, ...
    pub source_policy_type: Option<String>,
    pub start_line: Option<i32>,
    pub start_column: Option<i32>,
}

/// IAM's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAnswer {
    pub action: String,
    pub resource: String,
    pub decision: SimDecision,
    pub matched: Vec<SimMatch>,
    /// Context keys the policies test that the simulation was not given.
    pub missing_context: Vec<String>,
    /// Whether the permissions boundary allows it (`None`: no boundary, or not said).
    pub boundary_allowed: Option<bool>,
    /// Whether the organization's SCPs allow it (`None`: not said).
    pub org_allowed: Option<bool>,
}

/// [`simulate`] with a client for the account `opts` name (the standard chain,
/// `--profile`, `AWS_ENDPOINT_URL_IAM`, the same deadlines as every read).
pub async fn simulate_with(
    opts: &super::AwsOptions,
    role_arn: &str,
    questions: &[SimQuestion],
    context: &[SimContext],
    calls: &CallLog,
) -> Result<Vec<SimAnswer>, String> {
    let config = super::sdk_config(opts).await;
    let client = Client::new(&config);
    simulate(&client, role_arn, questions, context, calls).await
}

/// Asks IAM to simulate `questions` for `role_arn` with `context`. One
/// `SimulatePrincipalPolicy` call per distinct set of resources asked (all the actions asked
/// on exactly that set together), each paginated. Answers come in the order of the
/// questions (each once); a question IAM did not answer is absent. Any failure is one
/// sentence in `Err`.
pub async fn simulate(
    client: &Client,
    role_arn: &str,
    questions: &[SimQuestion],
    context: &[SimContext],
    calls: &CallLog,
) -> Result<Vec<SimAnswer>, String> {
    let at = Endpoint::of_client(Service::Iam, client.config().region());
    // action → the resources asked for it; then resource set → its actions.
    let mut by_action: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for q in questions {
        by_action
            .entry(q.action.as_str())
            .or_default()
            .insert(q.resource.as_str());
    }
    let mut batches: BTreeMap<BTreeSet<&str>, Vec<&str>> = BTreeMap::new();
    for (action, resources) in by_action {
        batches.entry(resources).or_default().push(action);
    }
    let entries = context_entries(context);
    let mut answers: Vec<SimAnswer> = Vec::new();
    for (resources, actions) in &batches {
        let mut marker: Option<String> = None;
        for page in 1.. {
            if page > MAX_PAGES {
                return Err(format!(
                    "IAM's simulation for {role_arn} went on past {MAX_PAGES} pages"
                ));
            }
            calls.record("iam:SimulatePrincipalPolicy");
            let out = client
                .simulate_principal_policy()
                .policy_source_arn(role_arn)
                .set_action_names(Some(actions.iter().map(|a| (*a).to_owned()).collect()))
                .set_resource_arns(Some(resources.iter().map(|r| (*r).to_owned()).collect()))
                .set_context_entries((!entries.is_empty()).then(|| entries.clone()))
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "IAM could not simulate the policies of {role_arn}: {}",
                        describe(&e, "iam:SimulatePrincipalPolicy", &at)
                    )
                })?;
            for result in out.evaluation_results() {
                answers.extend(answers_of(result)?);
            }
            if !out.is_truncated() {
                break;
            }
            match out.marker() {
                Some(m) if !m.is_empty() && marker.as_deref() != Some(m) => {
                    marker = Some(m.to_owned());
                }
                _ => {
                    return Err(format!(
                        "IAM's simulation for {role_arn} said more results follow but gave no new marker"
                    ));
                }
            }
        }
    }
    Ok(in_question_order(answers, questions))
}

fn context_entries(context: &[SimContext]) -> Vec<ContextEntry> {
    context
        .iter()
        .map(|c| {
            let kind = if c.values.len() > 1 {
                ContextKeyTypeEnum::StringList
            } else {
                ContextKeyTypeEnum::String
            };
            ContextEntry::builder()
                .context_key_name(&c.key)
                .set_context_key_values(Some(c.values.clone()))
                .context_key_type(kind)
                .build()
        })
        .collect()
}

/// One answer per resource: the per-resource results when IAM gave them for a resource
/// other than `*`, else the result itself.
fn answers_of(r: &EvaluationResult) -> Result<Vec<SimAnswer>, String> {
    let action = r.eval_action_name();
    let resource = r.eval_resource_name().unwrap_or("*");
    let org_allowed = r
        .organizations_decision_detail()
        .map(|d| d.allowed_by_organizations());
    let boundary_allowed = r
        .permissions_boundary_decision_detail()
        .map(|d| d.allowed_by_permissions_boundary());
    let specific = r.resource_specific_results();
    if resource == "*" || specific.is_empty() {
        return Ok(vec![SimAnswer {
            action: action.to_owned(),
            resource: resource.to_owned(),
            decision: SimDecision::from_iam(r.eval_decision(), action)?,
            matched: matches(r.matched_statements()),
            missing_context: r.missing_context_values().to_vec(),
            boundary_allowed,
            org_allowed,
        }]);
    }
    specific
        .iter()
        .map(|s: &ResourceSpecificResult| {
            Ok(SimAnswer {
                action: action.to_owned(),
                resource: s.eval_resource_name().to_owned(),
                decision: SimDecision::from_iam(s.eval_resource_decision(), action)?,
                matched: matches(s.matched_statements()),
                missing_context: s.missing_context_values().to_vec(),
                boundary_allowed: s
                    .permissions_boundary_decision_detail()
                    .map(|d| d.allowed_by_permissions_boundary())
                    .or(boundary_allowed),
                org_allowed,
            })
        })
        .collect()
}

fn matches(statements: &[Statement]) -> Vec<SimMatch> {
    statements
        .iter()
        .map(|s| SimMatch {
            source_policy_id: s.source_policy_id().map(str::to_owned),
            source_policy_type: s.source_policy_type().map(|t| t.as_str().to_owned()),
            start_line: s.start_position().map(|p| p.line()),
            start_column: s.start_position().map(|p| p.column()),
        })
        .collect()
}

/// Each (action, resource) once, in the order asked (action names compared as IAM does,
/// ignoring case); answers to nothing asked last, as IAM gave them.
fn in_question_order(answers: Vec<SimAnswer>, questions: &[SimQuestion]) -> Vec<SimAnswer> {
    let rank = |a: &SimAnswer| {
        questions
            .iter()
            .position(|q| q.action.eq_ignore_ascii_case(&a.action) && q.resource == a.resource)
            .unwrap_or(usize::MAX)
    };
    let mut seen = BTreeSet::new();
    let mut kept: Vec<(usize, SimAnswer)> = answers
        .into_iter()
        .filter(|a| seen.insert((a.action.to_ascii_lowercase(), a.resource.clone())))
        .map(|a| (rank(&a), a))
        .collect();
    kept.sort_by_key(|(r, _)| *r);
    kept.into_iter().map(|(_, a)| a).collect()
}
