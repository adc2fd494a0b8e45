//! Property tests of the policy engine: it never panics, and decisions do not depend on
//! the spelling choices IAM treats as equivalent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use irsa_tui::analysis::trust::{Subject, assess};
use irsa_tui::policy::{
    Decision, Issuer, PolicyDocument, Request, Tri, allowing_statement, evaluate,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const PROVIDER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF";

fn issuer() -> Issuer {
    Issuer::parse(&format!("https://{PROVIDER}")).expect("issuer")
}

fn requests() -> Vec<Request> {
    let i = issuer();
    vec![
        Request::web_identity(&i, Some("111122223333"), "prod", "api", "sts.amazonaws.com"),
        Request::web_identity(&i, None, "dev", "api", "sts.amazonaws.com"),
        Request::web_identity(&i, None, "prod", "web", "other"),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z:*?/ ${}]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "Allow",
            "Deny",
            "*",
            "sts:AssumeRoleWithWebIdentity",
            "StringEquals",
            "StringLike",
            "Null",
            "ForAllValues:StringLike",
            "true"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "Version",
            "Statement",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Condition",
            "Federated",
            "AWS",
            "StringEquals",
            "StringLike",
            "Null",
            "Sid",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF:sub",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..5).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// Well-formed trust policies built from the pieces IRSA policies are made of.
fn arb_policy() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(vec![
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "StringEqualsIgnoreCase",
        "StringEqualsIfExists",
        "StringNotLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "Null",
        "Bool",
    ]);
    let key = prop::sample::select(vec![
        format!("{PROVIDER}:sub"),
        format!("{PROVIDER}:aud"),
        format!("https://{PROVIDER}:sub"),
        "aws:PrincipalTag/team".to_owned(),
        "aws:SecureTransport".to_owned(),
    ]);
    let value = prop::sample::select(vec![
        "system:serviceaccount:prod:api",
        "system:serviceaccount:prod:*",
        "system:serviceaccount:*:api",
        "system:serviceaccount:*",
        "sts.amazonaws.com",
        "STS.amazonaws.com",
        "true",
        "false",
        "*",
        "a?i",
    ]);
    let condition = prop::collection::vec((op, key, prop::collection::vec(value, 1..3)), 0..4);
    let principal = prop::sample::select(vec![
        json!({"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{PROVIDER}")}),
        json!({"Federated": format!("arn:aws:iam::999999999999:oidc-provider/{PROVIDER}")}),
        json!("*"),
        json!({"AWS": "*"}),
        json!({"Service": "ec2.amazonaws.com"}),
    ]);
    let action = prop::sample::select(vec![
        json!(["sts:AssumeRoleWithWebIdentity"]),
        json!(["sts:*"]),
        json!(["sts:AssumeRole"]),
        json!(["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]),
    ]);
    let effect = prop::sample::select(vec!["Allow", "Allow", "Deny"]);
    let statement = (effect, principal, action, condition).prop_map(|(e, p, a, c)| {
        let mut cond = serde_json::Map::new();
        for (op, key, values) in c {
            let block = cond.entry(op.to_owned()).or_insert_with(|| json!({}));
            if let Some(b) = block.as_object_mut() {
                b.insert(key, json!(values));
            }
        }
        json!({"Effect": e, "Principal": p, "Action": a, "Condition": cond})
    });
    prop::collection::vec(statement, 1..4)
        .prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

fn decisions(policy: &Value) -> Vec<Decision> {
    let doc = PolicyDocument::from_json(policy.clone()).expect("generated policies parse");
    requests()
        .iter()
        .map(|r| evaluate(&doc, r).decision)
        .collect()
}

/// Flips the case of condition key names according to `flips`.
fn recase_keys(policy: &Value, flips: &[bool]) -> Value {
    let mut out = policy.clone();
    let mut n = 0usize;
    if let Some(statements) = out["Statement"].as_array_mut() {
        for s in statements {
            let Some(cond) = s.get_mut("Condition").and_then(Value::as_object_mut) else {
                continue;
            };
            for block in cond.values_mut() {
                let Some(b) = block.as_object_mut() else {
                    continue;
                };
                let entries: Vec<(String, Value)> = std::mem::take(b).into_iter().collect();
                for (k, v) in entries {
                    let k: String = k
                        .chars()
                        .map(|c| {
                            n += 1;
                            if flips[n % flips.len()] {
                                c.to_ascii_uppercase()
                            } else {
                                c.to_ascii_lowercase()
                            }
                        })
                        .collect();
                    b.insert(k, v);
                }
            }
        }
    }
    out
}

/// Replaces one-element `Statement` and `Action` arrays by their element.
fn unwrap_singletons(policy: &Value) -> Value {
    let mut out = policy.clone();
    if let Some(statements) = out["Statement"].as_array_mut() {
        for s in statements.iter_mut() {
            if let Some(a) = s
                .get("Action")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 1)
            {
                let only = a[0].clone();
                s["Action"] = only;
            }
        }
        if statements.len() == 1 {
            let only = statements[0].clone();
            out["Statement"] = only;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parser_never_panics_on_arbitrary_strings(s in ".{0,200}") {
        let _ = PolicyDocument::parse(&s);
        let subject = Subject::new(issuer(), "prod", "api", "sts.amazonaws.com");
        let a = assess(&s, &subject);
        // Whatever the text, an answer comes back, and a deny always says why.
        if a.decision == Decision::Deny {
            prop_assert!(!a.findings.is_empty());
        }
    }

    #[test]
    fn engine_never_panics_on_arbitrary_json(v in arb_json()) {
        let text = v.to_string();
        let subject = Subject::new(issuer(), "prod", "api", "sts.amazonaws.com");
        let a = assess(&text, &subject);
        if a.decision == Decision::Deny {
            prop_assert!(!a.findings.is_empty());
        }
    }

    // AWS rule: condition key names are case-insensitive.
    #[test]
    fn decisions_ignore_the_case_of_condition_keys(
        p in arb_policy(),
        flips in prop::collection::vec(any::<bool>(), 1..17),
    ) {
        prop_assert_eq!(decisions(&p), decisions(&recase_keys(&p, &flips)));
    }

    // IAM accepts a bare value wherever a one-element array is allowed.
    #[test]
    fn decisions_ignore_one_element_arrays(p in arb_policy()) {
        prop_assert_eq!(decisions(&p), decisions(&unwrap_singletons(&p)));
    }

    // The trace-free decision used for probes is the traced decision.
    #[test]
    fn fast_decision_matches_the_traced_one(p in arb_policy()) {
        let doc = PolicyDocument::from_json(p).expect("parses");
        for r in requests() {
            let traced = evaluate(&doc, &r);
            let fast = allowing_statement(&doc, &r);
            prop_assert_eq!(fast, traced.is_allowed().then(|| traced.deciding_statement()).flatten());
            prop_assert!(traced.statements.iter().all(|s| s.result != Tri::Unknown || !s.problems.is_empty() || s.conditions.iter().any(|c| c.result == Tri::Unknown)));
        }
    }

    // Every fix the diagnosis proposes admits the ServiceAccount it was made for.
    #[test]
    fn corrected_policies_admit_the_subject(p in arb_policy()) {
        let subject = Subject::new(issuer(), "prod", "api", "sts.amazonaws.com")
            .with_account(Some("111122223333"));
        let a = assess(&p.to_string(), &subject);
        if let Some(fixed) = a.corrected_policy {
            let doc = PolicyDocument::from_json(fixed).expect("fix parses");
            prop_assert_eq!(evaluate(&doc, &subject.request()).decision, Decision::Allow);
        }
    }
}
