//! IAM's SimulatePrincipalPolicy: moto (5.2.5) does not implement it, so these tests use
//! aws-smithy-mocks on the same SDK client the production code uses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::sync::{Arc, Mutex};

use aws_sdk_iam::Client;
use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::simulate_principal_policy::{
    SimulatePrincipalPolicyError, SimulatePrincipalPolicyInput, SimulatePrincipalPolicyOutput,
};
use aws_sdk_iam::types::{
    ContextKeyTypeEnum, EvaluationResult, OrganizationsDecisionDetail,
    PermissionsBoundaryDecisionDetail, PolicyEvaluationDecisionType as Iam, PolicySourceType,
    Position, ResourceSpecificResult, Statement,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use irsa_tui::sources::aws::CallLog;
use irsa_tui::sources::aws::simulate::{
    SimAnswer, SimContext, SimDecision, SimMatch, SimQuestion, simulate,
};

const ROLE: &str = "arn:aws:iam::111122223333:role/payments-api";

fn q(action: &str, resource: &str) -> SimQuestion {
    SimQuestion {
        action: action.into(),
        resource: resource.into(),
    }
}

fn result(
    action: &str,
    resource: &str,
    decision: Iam,
) -> aws_sdk_iam::types::builders::EvaluationResultBuilder {
    EvaluationResult::builder()
        .eval_action_name(action)
        .eval_resource_name(resource)
        .eval_decision(decision)
}

fn statement(id: &str, kind: PolicySourceType, line: i32, column: i32) -> Statement {
    Statement::builder()
        .source_policy_id(id)
        .source_policy_type(kind)
        .start_position(Position::builder().line(line).column(column).build())
        .end_position(Position::builder().line(line + 4).column(1).build())
        .build()
}

fn page(results: Vec<EvaluationResult>) -> SimulatePrincipalPolicyOutput {
    SimulatePrincipalPolicyOutput::builder()
        .set_evaluation_results(Some(results))
        .is_truncated(false)
        .build()
}

/// Every request the mock received, to check what was asked.
type Seen = Arc<Mutex<Vec<SimulatePrincipalPolicyInput>>>;

#[tokio::test]
async fn allowed_with_the_statement_that_allows_it() {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let rule = mock!(Client::simulate_principal_policy).then_compute_output(move |input| {
        log.lock().unwrap().push(input.clone());
        page(vec![
            result("s3:GetObject", "arn:aws:s3:::reports/*", Iam::Allowed)
                .matched_statements(statement("reports-read", PolicySourceType::Role, 3, 5))
                .permissions_boundary_decision_detail(
                    PermissionsBoundaryDecisionDetail::builder()
                        .allowed_by_permissions_boundary(true)
                        .build(),
                )
                .organizations_decision_detail(
                    OrganizationsDecisionDetail::builder()
                        .allowed_by_organizations(true)
                        .build(),
                )
                .build()
                .unwrap(),
        ])
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let calls = CallLog::default();
    let answers = simulate(
        &client,
        ROLE,
        &[q("s3:GetObject", "arn:aws:s3:::reports/*")],
        &[],
        &calls,
    )
    .await
    .expect("answers");
    assert_eq!(
        answers,
        vec![SimAnswer {
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::reports/*".into(),
            decision: SimDecision::Allowed,
            matched: vec![SimMatch {
                source_policy_id: Some("reports-read".into()),
                source_policy_type: Some("role".into()),
                start_line: Some(3),
                start_column: Some(5),
            }],
            missing_context: vec![],
            boundary_allowed: Some(true),
            org_allowed: Some(true),
        }]
    );
    assert_eq!(answers[0].decision.as_str(), "allowed");
    assert_eq!(calls.counts().get("iam:SimulatePrincipalPolicy"), Some(&1));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].policy_source_arn(), Some(ROLE));
    assert_eq!(seen[0].action_names(), ["s3:GetObject"]);
    assert_eq!(seen[0].resource_arns(), ["arn:aws:s3:::reports/*"]);
    assert!(seen[0].context_entries().is_empty());
}

#[tokio::test]
async fn implicit_deny_names_the_context_keys_it_lacked_and_context_is_sent() {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let rule = mock!(Client::simulate_principal_policy).then_compute_output(move |input| {
        log.lock().unwrap().push(input.clone());
        page(vec![
            result("sqs:SendMessage", "*", Iam::ImplicitDeny)
                .missing_context_values("aws:SourceVpce")
                .missing_context_values("aws:PrincipalTag/team")
                .build()
                .unwrap(),
        ])
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let context = SimContext::parse_all(&[
        "aws:SourceVpc=vpc-1",
        "aws:RequestTag/env=prod",
        "aws:SourceVpc=vpc-2",
    ])
    .expect("KEY=VALUE");
    let answers = simulate(
        &client,
        ROLE,
        &[q("sqs:SendMessage", "*")],
        &context,
        &CallLog::default(),
    )
    .await
    .expect("answers");
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].decision, SimDecision::ImplicitDeny);
    assert_eq!(answers[0].decision.as_str(), "implicitDeny");
    assert_eq!(
        answers[0].missing_context,
        vec!["aws:SourceVpce", "aws:PrincipalTag/team"]
    );
    assert_eq!(answers[0].boundary_allowed, None);
    let seen = seen.lock().unwrap();
    let entries = seen[0].context_entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].context_key_name(), Some("aws:SourceVpc"));
    assert_eq!(entries[0].context_key_values(), ["vpc-1", "vpc-2"]);
    assert_eq!(
        entries[0].context_key_type(),
        Some(&ContextKeyTypeEnum::StringList)
    );
    assert_eq!(entries[1].context_key_name(), Some("aws:RequestTag/env"));
    assert_eq!(entries[1].context_key_values(), ["prod"]);
    assert_eq!(
        entries[1].context_key_type(),
        Some(&ContextKeyTypeEnum::String)
    );
}

#[test]
fn context_arguments_must_be_key_equals_value() {
    let err = SimContext::parse_all(&["aws:SourceVpc"]).unwrap_err();
    assert!(err.contains("KEY=VALUE"), "{err}");
    assert!(SimContext::parse_all(&["=x"]).is_err());
    let ok = SimContext::parse_all(&["k=a=b", "k="]).unwrap();
    assert_eq!(
        ok,
        vec![SimContext {
            key: "k".into(),
            values: vec!["a=b".into(), String::new()],
        }]
    );
}

#[tokio::test]
async fn explicit_deny_per_resource_with_the_statements_that_deny() {
    let rule = mock!(Client::simulate_principal_policy).then_output(|| {
        page(vec![
            result("s3:DeleteObject", "arn:aws:s3:::audit/*", Iam::ExplicitDeny)
                .resource_specific_results(
                    ResourceSpecificResult::builder()
                        .eval_resource_name("arn:aws:s3:::audit/*")
                        .eval_resource_decision(Iam::ExplicitDeny)
                        .matched_statements(statement(
                            "arn:aws:iam::111122223333:policy/no-deletes",
                            PolicySourceType::UserManaged,
                            7,
                            9,
                        ))
                        .matched_statements(statement(
                            "AmazonS3FullAccess",
                            PolicySourceType::AwsManaged,
                            2,
                            3,
                        ))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        ])
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let answers = simulate(
        &client,
        ROLE,
        &[q("s3:DeleteObject", "arn:aws:s3:::audit/*")],
        &[],
        &CallLog::default(),
    )
    .await
    .expect("answers");
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].decision, SimDecision::ExplicitDeny);
    assert_eq!(answers[0].decision.as_str(), "explicitDeny");
    let by: Vec<(Option<&str>, Option<&str>, Option<i32>)> = answers[0]
        .matched
        .iter()
        .map(|m| {
            (
                m.source_policy_id.as_deref(),
                m.source_policy_type.as_deref(),
                m.start_line,
            )
        })
        .collect();
    assert_eq!(
        by,
        vec![
            (
                Some("arn:aws:iam::111122223333:policy/no-deletes"),
                Some("user-managed"),
                Some(7)
            ),
            (Some("AmazonS3FullAccess"), Some("aws-managed"), Some(2)),
        ]
    );
}

#[tokio::test]
async fn a_boundary_that_denies_is_said() {
    let rule = mock!(Client::simulate_principal_policy).then_output(|| {
        page(vec![
            result(
                "dynamodb:PutItem",
                "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
                Iam::ImplicitDeny,
            )
            .matched_statements(statement("orders-write", PolicySourceType::Role, 1, 1))
            .resource_specific_results(
                ResourceSpecificResult::builder()
                    .eval_resource_name("arn:aws:dynamodb:us-east-1:111122223333:table/orders")
                    .eval_resource_decision(Iam::ImplicitDeny)
                    .matched_statements(statement("orders-write", PolicySourceType::Role, 1, 1))
                    .permissions_boundary_decision_detail(
                        PermissionsBoundaryDecisionDetail::builder()
                            .allowed_by_permissions_boundary(false)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap(),
        ])
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let answers = simulate(
        &client,
        ROLE,
        &[q(
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
        )],
        &[],
        &CallLog::default(),
    )
    .await
    .expect("answers");
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].decision, SimDecision::ImplicitDeny);
    assert_eq!(answers[0].boundary_allowed, Some(false));
    assert_eq!(
        answers[0].matched.len(),
        1,
        "the identity policy allowed it"
    );
    assert_eq!(answers[0].org_allowed, None);
}

#[tokio::test]
async fn pages_are_followed_and_actions_batched_per_resource_set() {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let rule = mock!(Client::simulate_principal_policy).then_compute_output(move |input| {
        log.lock().unwrap().push(input.clone());
        let star = input.resource_arns() == ["*"];
        match (star, input.marker()) {
            (true, None) => SimulatePrincipalPolicyOutput::builder()
                .evaluation_results(
                    result("s3:ListAllMyBuckets", "*", Iam::Allowed)
                        .build()
                        .unwrap(),
                )
                .is_truncated(true)
                .marker("page-2")
                .build(),
            (true, Some("page-2")) => page(vec![
                result("sts:GetCallerIdentity", "*", Iam::Allowed)
                    .build()
                    .unwrap(),
            ]),
            (true, Some(other)) => panic!("unexpected marker {other}"),
            (false, _) => page(vec![
                result("s3:GetObject", "arn:aws:s3:::a/*", Iam::Allowed)
                    .build()
                    .unwrap(),
                result("s3:GetObject", "arn:aws:s3:::b/*", Iam::ImplicitDeny)
                    .build()
                    .unwrap(),
            ]),
        }
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let calls = CallLog::default();
    let questions = [
        q("sts:GetCallerIdentity", "*"),
        q("s3:GetObject", "arn:aws:s3:::b/*"),
        q("s3:ListAllMyBuckets", "*"),
        q("s3:GetObject", "arn:aws:s3:::a/*"),
    ];
    let answers = simulate(&client, ROLE, &questions, &[], &calls)
        .await
        .expect("answers");
    let got: Vec<(&str, &str, SimDecision)> = answers
        .iter()
        .map(|a| (a.action.as_str(), a.resource.as_str(), a.decision))
        .collect();
    assert_eq!(
        got,
        vec![
            ("sts:GetCallerIdentity", "*", SimDecision::Allowed),
            (
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                SimDecision::ImplicitDeny
            ),
            ("s3:ListAllMyBuckets", "*", SimDecision::Allowed),
            ("s3:GetObject", "arn:aws:s3:::a/*", SimDecision::Allowed),
        ],
        "every question answered, in the order asked"
    );
    // Two resource sets ({*} and {a, b}): one call for {a, b}, two pages for {*}.
    assert_eq!(calls.counts().get("iam:SimulatePrincipalPolicy"), Some(&3));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let star: Vec<_> = seen.iter().filter(|i| i.resource_arns() == ["*"]).collect();
    assert_eq!(star.len(), 2);
    for i in &star {
        assert_eq!(
            i.action_names(),
            ["s3:ListAllMyBuckets", "sts:GetCallerIdentity"],
            "the actions on * in one call"
        );
    }
    assert_eq!(star[1].marker(), Some("page-2"));
    let arns: Vec<_> = seen.iter().filter(|i| i.resource_arns() != ["*"]).collect();
    assert_eq!(arns.len(), 1);
    assert_eq!(arns[0].action_names(), ["s3:GetObject"]);
    assert_eq!(
        arns[0].resource_arns(),
        ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]
    );
}

#[tokio::test]
async fn access_denied_is_one_readable_sentence() {
    let rule = mock!(Client::simulate_principal_policy).then_error(|| {
        SimulatePrincipalPolicyError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User: arn:aws:iam::111122223333:user/reader is not authorized to perform: iam:SimulatePrincipalPolicy on resource: arn:aws:iam::111122223333:role/payments-api")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let calls = CallLog::default();
    let err = simulate(&client, ROLE, &[q("s3:GetObject", "*")], &[], &calls)
        .await
        .expect_err("denied");
    assert!(
        err.starts_with("IAM could not simulate the policies of arn:aws:iam::111122223333:role/payments-api: AWS denied iam:SimulatePrincipalPolicy to these credentials (AccessDenied: User: "),
        "{err}"
    );
    assert!(err.contains("iam:SimulatePrincipalPolicy"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
    assert_eq!(calls.counts().get("iam:SimulatePrincipalPolicy"), Some(&1));
}

#[tokio::test]
async fn a_marker_that_does_not_move_is_an_error_not_a_loop() {
    let rule = mock!(Client::simulate_principal_policy).then_output(|| {
        SimulatePrincipalPolicyOutput::builder()
            .evaluation_results(result("s3:GetObject", "*", Iam::Allowed).build().unwrap())
            .is_truncated(true)
            .marker("same")
            .build()
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let calls = CallLog::default();
    let err = simulate(&client, ROLE, &[q("s3:GetObject", "*")], &[], &calls)
        .await
        .expect_err("stuck pagination");
    assert!(err.contains("no new marker"), "{err}");
    assert_eq!(calls.counts().get("iam:SimulatePrincipalPolicy"), Some(&2));
}

#[tokio::test]
async fn no_questions_no_call() {
    let rule = mock!(Client::simulate_principal_policy).then_output(|| page(vec![]));
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let calls = CallLog::default();
    let answers = simulate(&client, ROLE, &[], &[], &calls).await.expect("ok");
    assert!(answers.is_empty());
    assert_eq!(calls.total(), 0);
    assert_eq!(rule.num_calls(), 0);
}

/// `can --simulate` as the command renders it: irsa-tui's answer from the documents
/// (offline here: an Allow of s3:GetObject on `*`), IAM's answers from a mocked
/// SimulatePrincipalPolicy put beside it as `cli::can` does, then the text. IAM agrees on
/// one object and, through an SCP, denies the other: that one is said, and the whole answer
/// is not "allowed".
#[tokio::test]
async fn simulated_answers_render_agreement_and_an_scp_disagreement() {
    use irsa_tui::analysis::permissions::ask::{GivenPolicy, can_offline};
    use irsa_tui::policy::identity::{Question, Verdict};

    const REPORTS: &str = "arn:aws:s3:::reports/2026.csv";
    const AUDIT: &str = "arn:aws:s3:::audit/2026.csv";
    let policy = GivenPolicy {
        name: "read-anything.json".into(),
        text: r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadAll","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.into(),
    };
    let questions = [
        Question::new("s3:GetObject", REPORTS),
        Question::new("s3:GetObject", AUDIT),
    ];
    let answer = can_offline(
        &[policy],
        None,
        Some(ROLE),
        Some("us-east-1"),
        &questions,
        &[],
    )
    .expect("an answer");
    assert!(answer.all_allowed(), "the documents allow both: {answer:?}");

    let rule = mock!(Client::simulate_principal_policy).then_compute_output(|input| {
        let results = input
            .resource_arns()
            .iter()
            .map(|resource| {
                let scp_denies = resource.as_str() == AUDIT;
                let decision = if scp_denies {
                    Iam::ExplicitDeny
                } else {
                    Iam::Allowed
                };
                result("s3:GetObject", resource, decision)
                    .matched_statements(statement("read-anything", PolicySourceType::Role, 1, 1))
                    .organizations_decision_detail(
                        OrganizationsDecisionDetail::builder()
                            .allowed_by_organizations(!scp_denies)
                            .build(),
                    )
                    .build()
                    .unwrap()
            })
            .collect();
        page(results)
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&rule]);
    let sim_questions: Vec<SimQuestion> = questions
        .iter()
        .map(|q| SimQuestion {
            action: q.action.clone(),
            resource: q.resource.as_str().to_owned(),
        })
        .collect();
    let calls = CallLog::default();
    let sims = simulate(&client, ROLE, &sim_questions, &[], &calls)
        .await
        .expect("IAM answers");
    assert_eq!(calls.counts().get("iam:SimulatePrincipalPolicy"), Some(&1));
    assert_eq!(sims.len(), 2);
    // As `cli::can::simulated` maps them.
    let decided: Vec<(String, String, Verdict, Option<bool>)> = sims
        .into_iter()
        .map(|s| {
            let d = match s.decision {
                SimDecision::Allowed => Verdict::Allowed,
                SimDecision::ImplicitDeny => Verdict::ImplicitDeny,
                SimDecision::ExplicitDeny => Verdict::ExplicitDeny,
            };
            (s.action, s.resource, d, s.org_allowed)
        })
        .collect();
    assert_eq!(
        decided,
        vec![
            (
                "s3:GetObject".to_owned(),
                REPORTS.to_owned(),
                Verdict::Allowed,
                Some(true)
            ),
            (
                "s3:GetObject".to_owned(),
                AUDIT.to_owned(),
                Verdict::ExplicitDeny,
                Some(false)
            ),
        ]
    );
    let answer = answer.with_simulation(&decided);
    assert!(!answer.all_allowed(), "IAM disagrees on one: {answer:?}");
    assert_eq!(answer.results[0].decision, Verdict::Allowed);
    assert_eq!(answer.results[0].simulated, Some(Verdict::Allowed));
    assert_eq!(answer.results[0].simulation_note, None);
    assert_eq!(answer.results[1].decision, Verdict::Allowed);
    assert_eq!(answer.results[1].simulated, Some(Verdict::ExplicitDeny));
    let note = answer.results[1]
        .simulation_note
        .as_deref()
        .expect("the disagreement is explained");
    assert!(note.contains("service control policies"), "{note}");

    let text = irsa_tui::render::can::can_text(&answer, false);
    // One block per question, in the order asked.
    let block = |resource: &str| -> &str {
        text.split("\n\n")
            .find(|b| b.starts_with(&format!("✓ s3:GetObject on {resource}: allowed")))
            .unwrap_or_else(|| panic!("no allowed block for {resource}:\n{text}"))
    };
    let reports = block(REPORTS);
    assert!(
        reports.contains("IAM SimulatePrincipalPolicy: allowed (agrees)"),
        "{reports}"
    );
    assert!(!reports.contains("DISAGREES"), "{reports}");
    let audit = block(AUDIT);
    assert!(
        audit.contains("IAM SimulatePrincipalPolicy: denied (explicit deny) (DISAGREES)"),
        "{audit}"
    );
    assert!(audit.contains("service control policies"), "{audit}");
    assert!(!audit.contains("(agrees)"), "{audit}");
    assert!(
        text.find(REPORTS) < text.find(AUDIT),
        "questions in the order asked:\n{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when asked for none");
}
