//! Fixes that are safe and right to paste: a fix is typed (steps to run in order, or
//! alternatives), a step names the account whose credentials it needs, and findings are
//! listed by what blocks first. On the demo cluster, where each of these was met in an
//! incident, and on small variations of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use irsa_tui::analysis::finding::{FixKind, StepNature};
use irsa_tui::analysis::{Binding, Code, Finding, Report, Settings, analyze};
use irsa_tui::inventory::Inventory;
use irsa_tui::policy::PolicyDocument;
use serde_json::{Value, json};

fn demo() -> Inventory {
    irsa_tui::sources::demo::inventory().expect("the demo parses")
}

fn binding<'a>(r: &'a Report, key: &str) -> &'a Binding {
    r.bindings
        .iter()
        .find(|b| format!("{}/{}", b.namespace, b.service_account) == key)
        .unwrap_or_else(|| panic!("{key} is a binding"))
}

fn finding(b: &Binding, code: Code) -> &Finding {
    b.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("{code} on {}/{}", b.namespace, b.service_account))
}

/// Item 1: IRSA104 is two steps, annotate then restart, and both are what `y` copies.
#[test]
fn irsa104_is_two_steps_in_order() {
    let r = analyze(&demo(), &Settings::default());
    let f = finding(binding(&r, "catalog/image-resizer"), Code::IRSA104);
    assert_eq!(f.fix.kind, FixKind::Steps);
    assert_eq!(
        f.fix.texts(),
        [
            "kubectl annotate serviceaccount -n catalog image-resizer eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/shop-prod-catalog-image-resizer --overwrite",
            "kubectl rollout restart deployment/image-resizer -n catalog",
        ]
    );
    let paste = f.fix.paste().expect("something to copy");
    assert_eq!(paste.text, f.fix.texts().join("\n"));
    assert_eq!(paste.commands, 2);
}

/// Item 1: IRSA301 in the cluster's account is two alternatives, eksctl first.
#[test]
fn irsa301_in_the_clusters_account_is_two_alternatives() {
    let mut inv = demo();
    inv.oidc_providers
        .retain(|p| !p.arn.contains(":111122223333:"));
    let r = analyze(&inv, &Settings::default());
    let f = finding(binding(&r, "billing/billing-api"), Code::IRSA301);
    assert_eq!(f.fix.kind, FixKind::Alternatives);
    let texts = f.fix.texts();
    assert!(texts[0].starts_with("eksctl utils associate-iam-oidc-provider --cluster shop-prod"));
    assert!(texts[1].starts_with("aws iam create-open-id-connect-provider --url https://"));
    assert!(
        f.fix.steps.iter().all(|s| s.account.is_none()),
        "the cluster's own account"
    );
}

/// Item 3: the provider for a role in another account is created there, with that
/// account's credentials; eksctl (which works in the cluster's account) is not offered.
#[test]
fn irsa301_for_a_role_in_another_account_runs_there() {
    let r = analyze(&demo(), &Settings::default());
    let f = finding(binding(&r, "analytics/warehouse-loader"), Code::IRSA301);
    assert_eq!(f.fix.len(), 1, "{:?}", f.fix.texts());
    let step = &f.fix.steps[0];
    assert_eq!(
        step.text,
        "aws iam create-open-id-connect-provider --url https://oidc.eks.eu-west-1.amazonaws.com/id/7E3A91C4D5B2F60814A9C3E7B1D05F62 --client-id-list sts.amazonaws.com"
    );
    assert_eq!(step.account.as_deref(), Some("222233334444"));
    let paste = f.fix.paste().expect("something to copy");
    assert!(
        paste.text.starts_with("# in account 222233334444: "),
        "{}",
        paste.text
    );
}

/// Item 3: IRSA103 of a role in another account does not repeat the read that failed
/// with the same credentials: it names the account whose credentials it needs.
#[test]
fn irsa103_for_a_role_in_another_account_names_it() {
    let r = analyze(&demo(), &Settings::default());
    let f = finding(binding(&r, "analytics/partner-export"), Code::IRSA103);
    assert_eq!(
        f.fix.texts(),
        ["aws iam get-role --role-name partner-data-drop"]
    );
    assert_eq!(f.fix.steps[0].account.as_deref(), Some("444455556666"));
    assert!(
        f.detail.contains("that account's credentials"),
        "{}",
        f.detail
    );
}

/// Item 3: a role of the cluster's own account needs no account named.
#[test]
fn irsa103_in_the_clusters_account_names_none() {
    let mut inv = demo();
    let role = inv
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with(":role/shop-prod-billing-api"))
        .expect("the role");
    role.status = irsa_tui::inventory::ReadStatus::Error;
    role.error = Some("AccessDenied".into());
    let r = analyze(&inv, &Settings::default());
    let f = finding(binding(&r, "billing/billing-api"), Code::IRSA103);
    assert!(f.fix.steps.iter().all(|s| s.account.is_none()));
}

fn corrected(f: &Finding) -> Value {
    let doc = f
        .fix
        .steps
        .iter()
        .find(|s| s.nature() == StepNature::Document)
        .expect("a corrected document");
    serde_json::from_str(&doc.text).expect("JSON")
}

fn with_trust(inv: &mut Inventory, trust: Value) {
    let role = inv
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with(":role/shop-prod-digest-mailer"))
        .expect("the role");
    role.trust_policy = Some(trust.to_string());
}

/// Item 4: sts:TagSession is added to the statement that already trusts
/// pods.eks.amazonaws.com, not appended as a second statement; and the missing agent,
/// which blocks first, is listed first.
#[test]
fn irsa702_edits_the_statement_that_trusts_pod_identity() {
    let r = analyze(&demo(), &Settings::default());
    let b = binding(&r, "notifications/digest-mailer");
    let codes: Vec<Code> = b.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, [Code::IRSA704, Code::IRSA702]);
    let fixed = corrected(finding(b, Code::IRSA702));
    assert_eq!(
        fixed,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]
        }]})
    );
    let command = &finding(b, Code::IRSA702).fix.texts()[1];
    assert!(
        command.contains(r#""Action":["sts:AssumeRole","sts:TagSession"]"#),
        "{command}"
    );
}

/// Item 4: the statement keeps its other parts (a single Statement object, other
/// principals' statements and a condition that admits the request stay).
#[test]
fn irsa702_keeps_the_rest_of_the_policy() {
    let mut inv = demo();
    with_trust(
        &mut inv,
        json!({"Version": "2012-10-17", "Statement": {
            "Sid": "PodIdentity",
            "Effect": "Allow",
            "Principal": {"Service": ["pods.eks.amazonaws.com", "ec2.amazonaws.com"]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}
        }}),
    );
    let r = analyze(&inv, &Settings::default());
    let fixed = corrected(finding(
        binding(&r, "notifications/digest-mailer"),
        Code::IRSA702,
    ));
    assert_eq!(
        fixed,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "PodIdentity",
            "Effect": "Allow",
            "Principal": {"Service": ["pods.eks.amazonaws.com", "ec2.amazonaws.com"]},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}
        }]})
    );
}

/// Item 4: when no statement trusts the service yet, or editing it would not be enough
/// (its condition refuses the request), the whole statement is added, and checked.
#[test]
fn irsa702_appends_a_statement_only_when_editing_cannot_work() {
    let mut inv = demo();
    let web_identity = json!({
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/example"},
        "Action": "sts:AssumeRoleWithWebIdentity"
    });
    let refusing = json!({
        "Effect": "Allow",
        "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}
    });
    with_trust(
        &mut inv,
        json!({"Version": "2012-10-17", "Statement": [web_identity.clone(), refusing.clone()]}),
    );
    let r = analyze(&inv, &Settings::default());
    let fixed = corrected(finding(
        binding(&r, "notifications/digest-mailer"),
        Code::IRSA702,
    ));
    let statements = fixed["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 3, "{fixed}");
    assert_eq!(statements[0], web_identity);
    assert_eq!(statements[1], refusing, "left as it was");
    assert_eq!(
        statements[2]["Action"],
        json!(["sts:AssumeRole", "sts:TagSession"])
    );
    PolicyDocument::parse(&fixed.to_string()).expect("parses");
}

/// Item 4: the order is the same wherever findings are listed: the JSON report too.
#[test]
fn findings_are_reported_by_what_blocks_first() {
    let r = analyze(&demo(), &Settings::default());
    let b = binding(&r, "orders/returns-api");
    let codes: Vec<Code> = b.findings.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        [Code::IRSA704, Code::IRSA703],
        "the agent, then the role"
    );
}

/// Item 3: a corrected trust policy of a role in another account is installed there.
#[test]
fn a_trust_fix_for_a_role_in_another_account_runs_there() {
    let mut inv = demo();
    let role = inv
        .roles
        .iter_mut()
        .find(|r| r.arn == "arn:aws:iam::222233334444:role/shop-prod-warehouse-loader")
        .expect("the role");
    let trust = role.trust_policy.clone().expect("a trust policy");
    role.trust_policy = Some(trust.replace(
        "system:serviceaccount:analytics:warehouse-loader",
        "system:serviceaccount:analytics-staging:warehouse-loader",
    ));
    let r = analyze(&inv, &Settings::default());
    let f = finding(binding(&r, "analytics/warehouse-loader"), Code::IRSA203);
    let accounts: Vec<Option<&str>> = f.fix.steps.iter().map(|s| s.account.as_deref()).collect();
    assert_eq!(
        accounts,
        [None, Some("222233334444")],
        "the document, then its command"
    );
    // The trust fix of a role in the cluster's account names no account.
    let f = finding(binding(&r, "payments/payments-api"), Code::IRSA203);
    assert!(f.fix.steps.iter().all(|s| s.account.is_none()));
}
