//! Property tests of the identity-policy evaluator: it never panics on any document, a
//! boundary never widens what Allow-only policies allow, and the case of an action name
//! never changes an answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use irsa_tui::policy::PolicyDocument;
use irsa_tui::policy::identity::{
    Permissions, Policy, PolicyKind, Question, Session, Verdict, answer, reason,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::111122223333:role/api";

fn session() -> Session {
    let tags = std::collections::BTreeMap::from([("team".to_owned(), "payments".to_owned())]);
    Session::of_role(ROLE, Some(&tags), Some("eu-west-1"))
}

fn actions() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "sqs:SendMessage",
        "kms:Decrypt",
        "iam:PassRole",
    ])
    .prop_map(str::to_owned)
}

fn resources() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "arn:aws:s3:::payments",
        "arn:aws:s3:::payments/a/b",
        "arn:aws:s3:::payments/*",
        "arn:aws:sqs:eu-west-1:111122223333:orders",
        "arn:aws:kms:eu-west-1:111122223333:key/k",
        "not-an-arn",
    ])
    .prop_map(str::to_owned)
}

fn action_patterns() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "s3:*",
        "s3:Get*",
        "s3:?etObject",
        "sqs:*",
        "kms:Decrypt",
        "iam:*",
        "*Object",
    ])
    .prop_map(str::to_owned)
}

fn resource_patterns() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "arn:aws:s3:::payments",
        "arn:aws:s3:::payments/*",
        "arn:aws:s3:::pay*",
        "arn:aws:s3:::payments/a/*",
        "arn:aws:sqs:*:111122223333:*",
        "arn:aws:kms:*",
        "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*",
    ])
    .prop_map(str::to_owned)
}

fn conditions() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop::sample::select(vec![
        json!({"StringEquals": {"aws:PrincipalTag/team": "payments"}}),
        json!({"StringEquals": {"aws:PrincipalTag/team": "search"}}),
        json!({"StringLike": {"s3:prefix": "a/*"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"StringEqualsIfExists": {"aws:PrincipalTag/owner": "x"}}),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}),
        json!({"Null": {"aws:PrincipalTag/team": "false"}}),
    ]))
}

/// A well-formed statement of the given effect.
fn statement(effect: &'static str) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::collection::vec(action_patterns(), 1..3),
        any::<bool>(),
        prop::collection::vec(resource_patterns(), 1..3),
        conditions(),
    )
        .prop_map(move |(not_action, a, not_resource, r, c)| {
            let mut s = serde_json::Map::new();
            s.insert("Effect".into(), json!(effect));
            s.insert(
                (if not_action { "NotAction" } else { "Action" }).into(),
                json!(a),
            );
            s.insert(
                (if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                })
                .into(),
                json!(r),
            );
            if let Some(c) = c {
                s.insert("Condition".into(), c);
            }
            Value::Object(s)
        })
}

fn policy_of(statements: Vec<Value>) -> PolicyDocument {
    PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": statements}))
        .expect("well-formed")
}

fn any_statement() -> impl Strategy<Value = Value> {
    prop_oneof![statement("Allow"), statement("Deny")]
}

/// Arbitrary JSON shaped roughly like a policy (most of it invalid).
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9:*?/ ${}.-]{0,16}".prop_map(Value::String),
        prop::sample::select(vec![
            "Allow",
            "Deny",
            "*",
            "s3:*",
            "2012-10-17",
            "StringEquals",
            "ForAllValues:StringLike",
            "Null",
            "${aws:userid}",
            "arn:aws:s3:::b/*",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "Version",
            "Statement",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Principal",
            "StringLike",
            "aws:PrincipalTag/team",
            "Sid",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn permissions<'a>(
    identity: &'a [PolicyDocument],
    boundary: Option<&'a PolicyDocument>,
) -> Permissions<'a> {
    Permissions {
        identity: identity
            .iter()
            .map(|d| Policy {
                name: "p",
                arn: None,
                kind: PolicyKind::Inline,
                document: Ok(d),
            })
            .collect(),
        boundary: boundary.map(|d| Policy {
            name: "b",
            arn: None,
            kind: PolicyKind::Boundary,
            document: Ok(d),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Never panics, whatever the document: parsing refuses or the evaluator answers, with
    // a reason.
    #[test]
    fn never_panics(doc in arb_json(), action in actions(), resource in resources()) {
        if let Ok(d) = PolicyDocument::from_json(doc) {
            let docs = [d];
            let p = permissions(&docs, docs.first());
            let q = Question::new(&action, &resource);
            let a = answer(&p, &q, &session());
            prop_assert!(!reason(&a, &q, &p).is_empty());
        }
    }

    // "Effective permissions are the intersection": with Allow-only identity policies, a
    // boundary never allows what the same role without the boundary does not, nor what the
    // boundary alone (as an identity policy) does not.
    #[test]
    fn a_boundary_never_allows_more(
        identity in prop::collection::vec(prop::collection::vec(statement("Allow"), 1..3), 1..3),
        boundary in prop::collection::vec(any_statement(), 1..3),
        action in actions(),
        resource in resources(),
    ) {
        let identity: Vec<PolicyDocument> = identity.into_iter().map(policy_of).collect();
        let boundary = policy_of(boundary);
        let q = Question::new(&action, &resource);
        let s = session();
        let with = answer(&permissions(&identity, Some(&boundary)), &q, &s);
        let without = answer(&permissions(&identity, None), &q, &s);
        let boundary_alone = answer(&permissions(std::slice::from_ref(&boundary), None), &q, &s);
        if with.decision == Verdict::Allowed {
            prop_assert_eq!(without.decision, Verdict::Allowed);
            prop_assert_eq!(boundary_alone.decision, Verdict::Allowed);
        }
        if without.decision != Verdict::Allowed && without.decision != Verdict::Unknown {
            prop_assert_ne!(with.decision, Verdict::Allowed);
        }
    }

    // IAM compares action names without case: the answer is the same however it is spelled.
    #[test]
    fn the_case_of_the_action_never_changes_the_answer(
        policies in prop::collection::vec(prop::collection::vec(any_statement(), 1..4), 1..3),
        action in actions(),
        resource in resources(),
        flips in prop::collection::vec(any::<bool>(), 16),
    ) {
        let docs: Vec<PolicyDocument> = policies.into_iter().map(policy_of).collect();
        let p = permissions(&docs, None);
        let spelled: String = action
            .chars()
            .zip(flips.iter().cycle())
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        let s = session();
        let a = answer(&p, &Question::new(&action, &resource), &s);
        let b = answer(&p, &Question::new(&spelled, &resource), &s);
        prop_assert_eq!(a.decision, b.decision);
        prop_assert_eq!(a.matched, b.matched);
    }

    // An explicit Deny that applies to everything denies, whatever else is attached.
    #[test]
    fn a_deny_of_everything_always_denies(
        policies in prop::collection::vec(prop::collection::vec(any_statement(), 1..4), 0..3),
        action in actions(),
        resource in resources(),
    ) {
        let mut docs: Vec<PolicyDocument> = policies.into_iter().map(policy_of).collect();
        docs.push(policy_of(vec![json!({"Effect": "Deny", "Action": "*", "Resource": "*"})]));
        let a = answer(&permissions(&docs, None), &Question::new(&action, &resource), &session());
        prop_assert_eq!(a.decision, Verdict::ExplicitDeny);
    }
}
