//! `irsa-tui can` and `irsa-tui who-can`: may a binding's credentials (its role's session)
//! make a call, and which bindings and node roles may.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output::{fail, print, use_color};
use super::source::SourceArgs;
use crate::analysis::permissions::Documents;
use crate::analysis::permissions::ask::{self, CanAnswer, GivenPolicy};
use crate::analysis::{Report, Settings, analyze, analyze_with};
use crate::inventory::Inventory;
use crate::policy::identity::Question;
use crate::render::can as render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CanFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CanArgs {
    /// NAMESPACE/NAME of the ServiceAccount (or a role ARN, e.g. a node role's), then one or
    /// more actions (service:Action). With --policy, only actions.
    #[arg(value_name = "NS/NAME ACTION", required = true, num_args = 1..)]
    pub words: Vec<String>,
    /// The resource ARN the call acts on (repeatable; default `*`).
    #[arg(long, value_name = "ARN")]
    pub resource: Vec<String>,
    /// Offline: an identity policy document (a file, `-` for stdin; raw or URL-encoded
    /// JSON; repeatable).
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<String>,
    /// Offline: the permissions boundary's document.
    #[arg(long, value_name = "FILE", requires = "policy")]
    pub boundary: Option<String>,
    /// Offline: the role whose session asks (fills aws:PrincipalArn and aws:PrincipalAccount).
    #[arg(long, value_name = "ARN", requires = "policy")]
    pub role: Option<String>,
    /// Live only: also ask IAM's SimulatePrincipalPolicy for the role, and show both answers.
    #[arg(long, conflicts_with = "policy")]
    pub simulate: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CanFormat::Text)]
    pub format: CanFormat,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// The action (service:Action).
    #[arg(value_name = "ACTION")]
    pub action: String,
    /// The resource ARN (default `*`).
    #[arg(long, value_name = "ARN", default_value = "*")]
    pub resource: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CanFormat::Text)]
    pub format: CanFormat,
}

/// What a policy file may hold at the most: IAM's largest identity document (an inline
/// policy, 10,240 characters) three times over when URL-encoded, with room for white space.
const POLICY_READ_MAX: u64 = 256 << 10;

fn check_action(a: &str) -> Result<String, String> {
    ask::parse_action(a)
}

fn check_resource(r: &str) -> Result<String, String> {
    ask::parse_resource(r).map_err(|e| format!("--resource {e}"))
}

/// Every (action, resource) pair.
fn questions(actions: &[String], resources: &[String]) -> Result<Vec<Question>, String> {
    let actions = actions
        .iter()
        .map(|a| check_action(a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut resources = resources
        .iter()
        .map(|r| check_resource(r))
        .collect::<Result<Vec<_>, _>>()?;
    if resources.is_empty() {
        resources.push("*".to_owned());
    }
    Ok(actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| Question::new(a, r)))
        .collect())
}

fn request_context(source: &SourceArgs) -> Result<Vec<ask::Given>, String> {
    if source.context.iter().filter(|c| !c.contains('=')).count() > 1 {
        return Err("--context names one kubeconfig context; it was given more than once".into());
    }
    source.request_context()
}

/// The inventory and its report, from the source options.
fn analysed(source: &SourceArgs) -> Result<(Inventory, Report), String> {
    let inv = source.without_cloudtrail().load()?;
    let settings = Settings {
        node_baseline: source.node_baseline()?,
        generated_at: crate::time::now(),
    };
    let report = analyze(&inv, &settings);
    Ok((inv, report))
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot serialise the answer: {e}"))
}

fn answer(args: &CanArgs, source: &SourceArgs) -> Result<CanAnswer, String> {
    let given = request_context(source)?;
    if args.policy.is_empty() {
        let (target, actions) = args
            .words
            .split_first()
            .ok_or("give NAMESPACE/NAME and at least one action")?;
        if actions.is_empty() {
            return Err(format!(
                "give at least one action after {target} (irsa-tui can {target} s3:GetObject --resource ARN)"
            ));
        }
        let qs = questions(actions, &args.resource)?;
        if args.simulate {
            return simulated(source, target, &qs, &given);
        }
        let (inv, report) = analysed(source)?;
        ask::can(&inv, &report, target, &qs, &given)
    } else {
        if let Some(first) = args.words.first()
            && check_action(first).is_err()
            && first.contains('/')
        {
            return Err(format!(
                "with --policy, give only actions: {first:?} names a ServiceAccount (drop it, or drop --policy to ask about the cluster's binding)"
            ));
        }
        let qs = questions(&args.words, &args.resource)?;
        let read = |path: &String| -> Result<GivenPolicy, String> {
            let text = super::input::read_text(path, POLICY_READ_MAX, "policy file")?;
            let name = if path == "-" {
                "stdin".to_owned()
            } else {
                std::path::Path::new(path)
                    .file_name()
                    .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned())
            };
            Ok(GivenPolicy { name, text })
        };
        if args
            .policy
            .iter()
            .chain(&args.boundary)
            .filter(|p| *p == "-")
            .count()
            > 1
        {
            return Err(
                "standard input (-) can be read once: give the other documents as files".into(),
            );
        }
        let policies = args
            .policy
            .iter()
            .map(read)
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = args.boundary.as_ref().map(read).transpose()?;
        if let Some(role) = &args.role {
            crate::arn::parse_role_arn(role).map_err(|_| {
                format!("--role {role:?} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
            })?;
        }
        ask::can_offline(
            &policies,
            boundary.as_ref(),
            args.role.as_deref(),
            source.region.as_deref(),
            &qs,
            &given,
        )
    }
}

/// `can --simulate`: the cluster read live, irsa-tui's answers, then IAM's own for the same
/// questions with the same context. IAM unreachable or refusing is said beside the answers.
fn simulated(
    source: &SourceArgs,
    target: &str,
    qs: &[Question],
    given: &[ask::Given],
) -> Result<CanAnswer, String> {
    use crate::sources::aws::simulate::{SimContext, SimDecision, SimQuestion, simulate_with};
    if source.demo || source.replay.is_some() || source.no_aws {
        return Err("--simulate asks IAM's SimulatePrincipalPolicy: it needs a live cluster and AWS (not --demo, --replay or --no-aws)".into());
    }
    let runtime = super::source::one_shot_runtime()?;
    let (mut inv, calls, aws) = runtime.block_on(crate::sources::live::collect_with(&{
        // `can` and `who-can` judge the policies: CloudTrail's evidence is not read.
        source.without_cloudtrail().live_options()
    }))?;
    if !source.namespaces.is_empty() {
        inv.restrict_to_namespaces(&source.namespaces);
    }
    let settings = Settings {
        node_baseline: source.node_baseline()?,
        generated_at: crate::time::now(),
    };
    let report = analyze(&inv, &settings);
    let mut answer = ask::can(&inv, &report, target, qs, given)?;
    let Some(role) = answer.principal.clone() else {
        return Ok(answer);
    };
    let sim_questions: Vec<SimQuestion> = qs
        .iter()
        .map(|q| SimQuestion {
            action: q.action.clone(),
            resource: q.resource.as_str().to_owned(),
        })
        .collect();
    let pairs: Vec<String> = given.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let context = SimContext::parse_all(&pairs)?;
    let sims = runtime.block_on(simulate_with(&aws, &role, &sim_questions, &context, &calls));
    tracing::info!("AWS calls: {:?}", calls.counts());
    runtime.shutdown_background();
    match sims {
        Ok(sims) => {
            let decided: Vec<_> = sims
                .into_iter()
                .map(|s| {
                    let d = match s.decision {
                        SimDecision::Allowed => crate::policy::identity::Verdict::Allowed,
                        SimDecision::ImplicitDeny => crate::policy::identity::Verdict::ImplicitDeny,
                        SimDecision::ExplicitDeny => crate::policy::identity::Verdict::ExplicitDeny,
                    };
                    (s.action, s.resource, d, s.org_allowed)
                })
                .collect();
            answer = answer.with_simulation(&decided);
        }
        Err(e) => answer.simulation_error = Some(e),
    }
    Ok(answer)
}

pub fn run(args: &CanArgs, source: &SourceArgs) -> ExitCode {
    let a = match answer(args, source) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let text = match args.format {
        CanFormat::Json => match json(&a) {
            Ok(t) => t,
            Err(e) => return fail(e),
        },
        CanFormat::Text => render::can_text(&a, use_color()),
    };
    if let Err(code) = print(text) {
        return code;
    }
    if a.all_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn run_who_can(args: &WhoCanArgs, source: &SourceArgs) -> ExitCode {
    let run = || -> Result<String, String> {
        let given = request_context(source)?;
        let action = check_action(&args.action)?;
        let resource = check_resource(&args.resource)?;
        let inv = source.without_cloudtrail().load()?;
        let settings = Settings {
            node_baseline: source.node_baseline()?,
            generated_at: crate::time::now(),
        };
        // Each document parsed once, for the analysis and the question alike.
        let documents = Documents::new(&inv);
        let report = analyze_with(&documents, &settings);
        if inv.aws.skipped {
            return Err("who-can needs the roles' policies: AWS was skipped (--no-aws)".into());
        }
        if let Some(e) = inv.aws.error.as_deref().filter(|_| inv.roles.is_empty()) {
            return Err(format!(
                "who-can needs the roles' policies, and AWS could not be read: {e}"
            ));
        }
        let a = ask::who_can_with(
            &documents,
            &report,
            &Question::new(&action, &resource),
            &given,
        );
        Ok(match args.format {
            CanFormat::Json => json(&a)?,
            CanFormat::Text => render::who_can_text(&a, use_color()),
        })
    };
    match run() {
        Ok(text) => match print(text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(e) => fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_one_service_action_without_wildcards() {
        assert_eq!(check_action(" s3:GetObject "), Ok("s3:GetObject".into()));
        assert!(check_action("sts:AssumeRoleWithWebIdentity").is_ok());
        assert!(check_action("execute-api:Invoke").is_ok());
        for bad in [
            "s3",
            "s3:",
            ":Get",
            "s3:*",
            "s3:Get*",
            "s3 GetObject",
            "media/app",
        ] {
            assert!(check_action(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resources_are_arns_or_a_wildcard() {
        assert!(check_resource("*").is_ok());
        assert!(check_resource("arn:aws:s3:::bucket/key").is_ok());
        for bad in ["bucket", "arn:aws:s3", "s3://bucket/key"] {
            assert!(check_resource(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_action_is_asked_on_every_resource() {
        let qs = questions(
            &["s3:GetObject".into(), "s3:PutObject".into()],
            &["arn:aws:s3:::a/*".into(), "arn:aws:s3:::b/*".into()],
        )
        .unwrap_or_default();
        assert_eq!(qs.len(), 4);
        assert_eq!(
            questions(&["s3:ListBucket".into()], &[]).unwrap_or_default()[0]
                .resource
                .as_str(),
            "*"
        );
    }
}
