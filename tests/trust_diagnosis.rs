//! Scenario tests of the trust-policy diagnosis: decision, codes, evidence and a corrected
//! policy that really admits the ServiceAccount (re-evaluated here).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use irsa_tui::analysis::Code;
use irsa_tui::analysis::trust::{Subject, TrustAssessment, assess};
use irsa_tui::policy::{Decision, Issuer, PolicyDocument, evaluate};

const ID: &str = "6A1B2C3D4E5F60718293A4B5C6D7E8F9";
const ACCOUNT: &str = "111122223333";

fn issuer() -> Issuer {
    Issuer::parse(&format!("https://oidc.eks.us-east-1.amazonaws.com/id/{ID}")).expect("issuer")
}

fn provider() -> String {
    format!("oidc.eks.us-east-1.amazonaws.com/id/{ID}")
}

fn subject(ns: &str, sa: &str) -> Subject {
    Subject::new(issuer(), ns, sa, "sts.amazonaws.com")
        .with_account(Some(ACCOUNT))
        .with_role_name(Some("app-role"))
}

/// The eksctl shape with the pieces a test wants to break.
fn policy(principal: &str, action: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":{action},"Condition":{condition}}}]}}"#
    )
    .replace("PROVIDER", &provider())
}

fn federated() -> String {
    format!(r#"{{"Federated":"arn:aws:iam::{ACCOUNT}:oidc-provider/PROVIDER"}}"#)
}

const WEB: &str = r#""sts:AssumeRoleWithWebIdentity""#;

fn exact(sub: &str) -> String {
    format!(r#"{{"StringEquals":{{"PROVIDER:sub":"{sub}","PROVIDER:aud":"sts.amazonaws.com"}}}}"#)
}

fn codes(a: &TrustAssessment) -> Vec<Code> {
    a.findings.iter().map(|f| f.code).collect()
}

/// The corrected policy must admit the subject: checked independently of the engine's own
/// verification.
fn assert_fix_admits(a: &TrustAssessment, s: &Subject) {
    let fixed = a.corrected_policy.clone().expect("a corrected policy");
    let doc = PolicyDocument::from_json(fixed).expect("corrected policy parses");
    assert_eq!(
        evaluate(&doc, &s.request()).decision,
        Decision::Allow,
        "fix must admit"
    );
    for f in &a.findings {
        assert_eq!(f.fix.len(), 2, "{}: corrected JSON and the command", f.code);
        assert!(f.fix.texts()[1].starts_with(
            "aws iam update-assume-role-policy --role-name app-role --policy-document '"
        ));
    }
}

#[test]
fn eksctl_policy_admits_its_service_account_without_findings() {
    let text =
        std::fs::read_to_string("tests/common/fixtures/trust-policy-eksctl.json").expect("fixture");
    let s = subject("production", "s3-writer");
    let a = assess(&text, &s);
    assert_eq!(a.decision, Decision::Allow);
    assert_eq!(a.statement, Some(0));
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}

#[test]
fn irsa203_sub_names_another_namespace() {
    let s = subject("payments", "api");
    let a = assess(
        &policy(
            &federated(),
            WEB,
            &exact("system:serviceaccount:payments-staging:api"),
        ),
        &s,
    );
    assert_eq!(a.decision, Decision::Deny);
    assert_eq!(codes(&a), vec![Code::IRSA203]);
    assert_eq!(
        a.findings[0].evidence["namespaces_in_policy"][0],
        "payments-staging"
    );
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa204_sub_names_another_service_account_with_closest_names() {
    let s = subject("payments", "api");
    let text = policy(
        &federated(),
        WEB,
        r#"{"StringEquals":{"PROVIDER:sub":["system:serviceaccount:payments:worker","system:serviceaccount:payments:apl"],"PROVIDER:aud":"sts.amazonaws.com"}}"#,
    );
    let a = assess(&text, &s);
    assert_eq!(codes(&a), vec![Code::IRSA204]);
    assert_eq!(a.findings[0].evidence["closest_names"][0], "apl");
    assert_fix_admits(&a, &s);
    // The list keeps the other ServiceAccount and replaces the typo.
    let fixed = a.corrected_policy.expect("fix").to_string();
    assert!(fixed.contains("system:serviceaccount:payments:worker"));
    assert!(!fixed.contains("payments:apl"));
}

#[test]
fn irsa205_provider_prefix_kept_https() {
    let s = subject("payments", "api");
    let cond = r#"{"StringEquals":{"https://PROVIDER:sub":"system:serviceaccount:payments:api","PROVIDER:aud":"sts.amazonaws.com"}}"#;
    let a = assess(&policy(&federated(), WEB, cond), &s);
    assert_eq!(codes(&a), vec![Code::IRSA205]);
    let f = &a.findings[0];
    assert_eq!(f.evidence["prefix"], format!("https://{}", provider()));
    assert_eq!(f.evidence["expected_prefix"], provider());
    assert!(
        f.evidence["problem"]
            .as_str()
            .is_some_and(|p| p.contains("https://"))
    );
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa205_trailing_slash_prefix() {
    let s = subject("payments", "api");
    let cond = r#"{"StringEquals":{"PROVIDER/:sub":"system:serviceaccount:payments:api","PROVIDER:aud":"sts.amazonaws.com"}}"#;
    let a = assess(&policy(&federated(), WEB, cond), &s);
    assert_eq!(codes(&a), vec![Code::IRSA205]);
    assert!(
        a.findings[0].evidence["problem"]
            .as_str()
            .is_some_and(|p| p.contains("slash"))
    );
    assert_fix_admits(&a, &s);
}

// A re-created cluster: the principal and both keys still name the old issuer id.
#[test]
fn irsa202_and_irsa205_after_cluster_recreation() {
    let s = subject("payments", "api");
    let old = policy(
        &federated(),
        WEB,
        &exact("system:serviceaccount:payments:api"),
    )
    .replace(ID, "0000OLDCLUSTER0000");
    let a = assess(&old, &s);
    assert_eq!(codes(&a), vec![Code::IRSA202, Code::IRSA205, Code::IRSA205]);
    assert!(
        a.findings[0].evidence["reason"]
            .as_str()
            .is_some_and(|r| r.contains("issuer id"))
    );
    assert_eq!(
        a.findings[0].evidence["expected"],
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{}", provider())
    );
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa202_provider_in_another_account() {
    let s = subject("payments", "api");
    let text = policy(
        &federated(),
        WEB,
        &exact("system:serviceaccount:payments:api"),
    )
    .replace(ACCOUNT, "999988887777");
    let a = assess(&text, &s);
    assert_eq!(codes(&a), vec![Code::IRSA202]);
    assert!(
        a.findings[0].evidence["reason"]
            .as_str()
            .is_some_and(|r| r.contains("999988887777"))
    );
    assert_fix_admits(&a, &s);
    // Without the role's account the provider ARN's account is not compared.
    let unknown_account = Subject::new(issuer(), "payments", "api", "sts.amazonaws.com");
    assert_eq!(assess(&text, &unknown_account).decision, Decision::Allow);
}

#[test]
fn irsa206_audience_is_the_issuer_url() {
    let s = subject("payments", "api");
    let cond = format!(
        r#"{{"StringEquals":{{"PROVIDER:sub":"system:serviceaccount:payments:api","PROVIDER:aud":"https://{}"}}}}"#,
        provider()
    );
    let a = assess(&policy(&federated(), WEB, &cond), &s);
    assert_eq!(codes(&a), vec![Code::IRSA206]);
    assert!(a.findings[0].detail.contains("issuer URL"));
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa206_annotated_audience_not_in_policy() {
    let s = Subject::new(issuer(), "payments", "api", "vault")
        .with_account(Some(ACCOUNT))
        .with_role_name(Some("app-role"));
    let a = assess(
        &policy(
            &federated(),
            WEB,
            &exact("system:serviceaccount:payments:api"),
        ),
        &s,
    );
    assert_eq!(codes(&a), vec![Code::IRSA206]);
    assert_eq!(a.findings[0].evidence["token_aud"], "vault");
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa207_exact_operator_with_wildcard() {
    let s = subject("payments", "api");
    let a = assess(
        &policy(
            &federated(),
            WEB,
            &exact("system:serviceaccount:payments:*"),
        ),
        &s,
    );
    assert_eq!(codes(&a), vec![Code::IRSA207]);
    assert_eq!(
        a.findings[0].evidence["value"],
        "system:serviceaccount:payments:*"
    );
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa208_explicit_deny_matches() {
    let s = subject("payments", "api");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{},"Action":{WEB},"Condition":{}}},
            {{"Sid":"NoPayments","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{{"StringLike":{{"PROVIDER:sub":"system:serviceaccount:payments:*"}}}}}}
        ]}}"#,
        federated(),
        exact("system:serviceaccount:payments:api")
    )
    .replace("PROVIDER", &provider());
    let a = assess(&text, &s);
    assert_eq!(a.decision, Decision::Deny);
    assert_eq!(a.statement, Some(1));
    assert_eq!(codes(&a), vec![Code::IRSA208]);
    assert_eq!(a.findings[0].evidence["sid"], "NoPayments");
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa209_unparseable_and_unsupported() {
    let s = subject("payments", "api");
    let a = assess("{\"Version\": \"2012-10-17\", \"Statement\": [", &s);
    assert_eq!(a.decision, Decision::Deny);
    assert_eq!(codes(&a), vec![Code::IRSA209]);
    assert_fix_admits(&a, &s);

    let cond = r#"{"StringEqualsMaybe":{"PROVIDER:sub":"system:serviceaccount:payments:api"}}"#;
    let a = assess(&policy(&federated(), WEB, cond), &s);
    assert_eq!(a.decision, Decision::Deny);
    assert_eq!(codes(&a), vec![Code::IRSA209]);
    assert!(a.findings[0].detail.contains("StringEqualsMaybe"));
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa201_only_a_service_principal() {
    let s = subject("payments", "api");
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let a = assess(text, &s);
    assert_eq!(codes(&a), vec![Code::IRSA201]);
    assert_fix_admits(&a, &s);
    // The EC2 statement is kept; the IRSA statement is added.
    let fixed = a.corrected_policy.expect("fix");
    assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(2));
}

#[test]
fn irsa201_federated_but_only_assume_role() {
    let s = subject("payments", "api");
    let a = assess(
        &policy(
            &federated(),
            r#""sts:AssumeRole""#,
            &exact("system:serviceaccount:payments:api"),
        ),
        &s,
    );
    assert_eq!(codes(&a), vec![Code::IRSA201]);
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa220_sub_pattern_across_namespaces() {
    let s = subject("payments", "api");
    let cond = r#"{"StringLike":{"PROVIDER:sub":"system:serviceaccount:*:api"},"StringEquals":{"PROVIDER:aud":"sts.amazonaws.com"}}"#;
    let a = assess(&policy(&federated(), WEB, cond), &s);
    assert_eq!(a.decision, Decision::Allow);
    assert_eq!(codes(&a), vec![Code::IRSA220]);
    assert_eq!(
        a.findings[0].severity,
        irsa_tui::analysis::Severity::Critical
    );
    assert_fix_admits(&a, &s);
    // The fix no longer admits another namespace.
    let doc = PolicyDocument::from_json(a.corrected_policy.expect("fix")).expect("parses");
    let other =
        Subject::new(issuer(), "other", "api", "sts.amazonaws.com").with_account(Some(ACCOUNT));
    assert_eq!(evaluate(&doc, &other.request()).decision, Decision::Deny);
}

#[test]
fn irsa220_no_sub_condition_and_irsa222_no_aud() {
    let s = subject("payments", "api");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{},"Action":{WEB}}}]}}"#,
        federated()
    )
    .replace("PROVIDER", &provider());
    let a = assess(&text, &s);
    assert_eq!(codes(&a), vec![Code::IRSA220, Code::IRSA222]);
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa221_pattern_within_the_namespace() {
    let s = subject("payments", "api");
    let cond = r#"{"StringLike":{"PROVIDER:sub":"system:serviceaccount:payments:a*"},"StringEquals":{"PROVIDER:aud":"sts.amazonaws.com"}}"#;
    let a = assess(&policy(&federated(), WEB, cond), &s);
    assert_eq!(codes(&a), vec![Code::IRSA221]);
    assert_eq!(
        a.findings[0].severity,
        irsa_tui::analysis::Severity::Warning
    );
    assert_fix_admits(&a, &s);
}

#[test]
fn irsa223_any_principal_without_condition() {
    let s = subject("payments", "api");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["sts:AssumeRole",{WEB}]}}]}}"#
    );
    let a = assess(&text, &s);
    assert_eq!(a.decision, Decision::Allow);
    let c = codes(&a);
    assert!(c.contains(&Code::IRSA223), "{c:?}");
    assert!(c.contains(&Code::IRSA220), "{c:?}");
    assert_fix_admits(&a, &s);
    // The wildcard goes: the cluster's provider is the statement's only principal.
    let fixed = a.corrected_policy.clone().expect("a corrected policy");
    assert_eq!(
        fixed["Statement"][0]["Principal"],
        serde_json::json!({"Federated": s.provider_arn()})
    );
}

// "*" tied to this cluster's tokens by sub and aud conditions is not an open door.
#[test]
fn any_principal_restricted_by_provider_conditions_is_not_irsa223() {
    let s = subject("payments", "api");
    let a = assess(
        &policy(r#""*""#, WEB, &exact("system:serviceaccount:payments:api")),
        &s,
    );
    assert_eq!(a.decision, Decision::Allow);
    assert!(codes(&a).is_empty(), "{:?}", codes(&a));
}

#[test]
fn percent_encoded_policy_from_get_role() {
    let s = subject("payments", "api");
    let raw = policy(
        &federated(),
        WEB,
        &exact("system:serviceaccount:payments:api"),
    );
    let encoded: String = raw
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let a = assess(&encoded, &s);
    assert_eq!(a.decision, Decision::Allow);
    assert!(a.findings.is_empty());
}

// Only the wrong parts change: other statements and the other conditions stay as written.
#[test]
fn fix_keeps_other_statements_and_conditions() {
    let s = subject("payments", "api");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Sid":"Ec2","Effect":"Allow","Principal":{{"Service":"ec2.amazonaws.com"}},"Action":"sts:AssumeRole"}},
            {{"Sid":"Irsa","Effect":"Allow","Principal":{},"Action":{WEB},"Condition":{}}}
        ]}}"#,
        federated(),
        exact("system:serviceaccount:payment:api")
    )
    .replace("PROVIDER", &provider());
    let a = assess(&text, &s);
    assert_eq!(codes(&a), vec![Code::IRSA203]);
    let fixed = a.corrected_policy.clone().expect("fix");
    let original: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(fixed["Statement"][0], original["Statement"][0]);
    assert_eq!(fixed["Statement"][1]["Sid"], "Irsa");
    assert_eq!(
        fixed["Statement"][1]["Condition"]["StringEquals"][format!("{}:aud", provider())],
        "sts.amazonaws.com"
    );
    assert_fix_admits(&a, &s);
}

// Trusting several ServiceAccounts by exact name is deliberate, not an exposure.
#[test]
fn exact_names_of_other_service_accounts_are_not_exposures() {
    let s = subject("payments", "api");
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{f},"Action":{WEB},"Condition":{a}}},
            {{"Effect":"Allow","Principal":{f},"Action":{WEB},"Condition":{b}}}
        ]}}"#,
        f = federated(),
        a = exact("system:serviceaccount:batch:exporter"),
        b = r#"{"StringEquals":{"PROVIDER:sub":["system:serviceaccount:payments:api","system:serviceaccount:payments:worker"],"PROVIDER:aud":"sts.amazonaws.com"}}"#,
    )
    .replace("PROVIDER", &provider());
    let a = assess(&text, &s);
    assert_eq!(a.decision, Decision::Allow);
    assert_eq!(a.statement, Some(1));
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}
