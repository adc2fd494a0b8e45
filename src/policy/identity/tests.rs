//! IAM's evaluation rules for an identity-based request in one account, one test per rule
//! (the rule quoted or paraphrased from IAM's "Policy evaluation logic" documentation).

use std::collections::BTreeMap;

use super::*;

const ROLE: &str = "arn:aws:iam::111122223333:role/payments-api";

fn doc(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json).expect("parses")
}

struct Role {
    inline: Vec<(String, PolicyDocument)>,
    boundary: Option<PolicyDocument>,
    broken: Vec<String>,
}

impl Role {
    fn new() -> Self {
        Role {
            inline: Vec::new(),
            boundary: None,
            broken: Vec::new(),
        }
    }
    fn with(mut self, json: &str) -> Self {
        let n = self.inline.len();
        self.inline.push((format!("p{n}"), doc(json)));
        self
    }
    fn bounded_by(mut self, json: &str) -> Self {
        self.boundary = Some(doc(json));
        self
    }
    fn with_unreadable(mut self, why: &str) -> Self {
        self.broken.push(why.to_owned());
        self
    }
    fn permissions(&self) -> Permissions<'_> {
        let mut identity: Vec<Policy> = self
            .inline
            .iter()
            .map(|(name, d)| Policy {
                name,
                arn: None,
                kind: PolicyKind::Inline,
                document: Ok(d),
            })
            .collect();
        identity.extend(self.broken.iter().map(|why| Policy {
            name: "broken",
            arn: Some("arn:aws:iam::111122223333:policy/broken"),
            kind: PolicyKind::Managed,
            document: Err(why.as_str()),
        }));
        Permissions {
            identity,
            boundary: self.boundary.as_ref().map(|d| Policy {
                name: "boundary",
                arn: Some("arn:aws:iam::111122223333:policy/boundary"),
                kind: PolicyKind::Boundary,
                document: Ok(d),
            }),
        }
    }
    fn ask_in(&self, session: &Session, action: &str, resource: &str) -> (Answer, String) {
        let p = self.permissions();
        let q = Question::new(action, resource);
        let a = answer(&p, &q, session);
        let r = reason(&a, &q, &p);
        (a, r)
    }
    fn ask(&self, action: &str, resource: &str) -> (Answer, String) {
        let tags = BTreeMap::from([("team".to_owned(), "payments".to_owned())]);
        self.ask_in(
            &Session::of_role(ROLE, Some(&tags), Some("eu-west-1")),
            action,
            resource,
        )
    }
    fn decide(&self, action: &str, resource: &str) -> Verdict {
        self.ask(action, resource).0.decision
    }
}

const BUCKET: &str = "arn:aws:s3:::payments";
const OBJECT: &str = "arn:aws:s3:::payments/invoices/1.pdf";

/// The knowledge-center walkthrough's policy: list the bucket, read its objects.
const READ_BUCKET: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::payments"},
  {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::payments/*"}]}"#;

// "By default, all requests are implicitly denied."
#[test]
fn without_any_policy_every_request_is_implicitly_denied() {
    let (a, reason) = Role::new().ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::ImplicitDeny);
    assert!(a.matched.is_empty());
    assert_eq!(a.boundary, None);
    assert_eq!(
        reason,
        "no identity-based policy allows the s3:GetObject action"
    );
}

// "An explicit allow in an identity-based policy overrides this default."
#[test]
fn an_allow_that_applies_allows() {
    let role = Role::new().with(READ_BUCKET);
    let (a, reason) = role.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Allowed);
    assert_eq!(
        a.matched,
        vec![Matched {
            source: Source::Identity(0),
            statement: 1,
            sid: Some("Read".into()),
            effect: Effect::Allow
        }]
    );
    assert_eq!(
        reason,
        r#"allowed by the inline policy "p0" (statement 1, Sid "Read")"#
    );
    assert_eq!(role.decide("s3:ListBucket", BUCKET), Verdict::Allowed);
    // The walkthrough's third call: nothing allows it.
    let (a, reason) = role.ask("s3:DeleteObject", OBJECT);
    assert_eq!(a.decision, Verdict::ImplicitDeny);
    assert_eq!(
        reason,
        "no identity-based policy allows the s3:DeleteObject action"
    );
    // ListBucket is on the bucket, GetObject on its objects: not the other way round.
    assert_eq!(role.decide("s3:ListBucket", OBJECT), Verdict::ImplicitDeny);
    assert_eq!(role.decide("s3:GetObject", BUCKET), Verdict::ImplicitDeny);
}

// "An explicit deny in any policy overrides any allows."
#[test]
fn an_explicit_deny_overrides_every_allow() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
        .with(r#"{"Version":"2012-10-17","Statement":{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::payments/*"}}"#);
    let (a, reason) = role.ask("s3:DeleteObject", OBJECT);
    assert_eq!(a.decision, Verdict::ExplicitDeny);
    assert_eq!(a.matched.len(), 1);
    assert_eq!(a.matched[0].source, Source::Identity(1));
    assert_eq!(
        reason,
        r#"with an explicit deny in an identity-based policy (the inline policy "p1" (statement 0, Sid "NoDelete"))"#
    );
    assert_eq!(role.decide("s3:GetObject", OBJECT), Verdict::Allowed);
    assert_eq!(
        role.decide("s3:DeleteObject", "arn:aws:s3:::other/k"),
        Verdict::Allowed
    );
}

// "The effective permissions are the intersection of the identity-based policies and the
// permissions boundary": an allow in the identity policies alone is not enough.
#[test]
fn a_permissions_boundary_limits_what_the_identity_policies_allow() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*","sqs:*"],"Resource":"*"}}"#)
        .bounded_by(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}"#);
    let (a, reason) = role.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::ImplicitDeny);
    assert_eq!(a.boundary, Some(Verdict::ImplicitDeny));
    assert_eq!(
        reason,
        "no permissions boundary allows the s3:GetObject action"
    );
    let (a, reason) = role.ask("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q");
    assert_eq!(a.decision, Verdict::Allowed);
    assert_eq!(a.boundary, Some(Verdict::Allowed));
    assert_eq!(a.matched.len(), 2, "{:?}", a.matched);
    assert!(
        reason.ends_with(", and the permissions boundary allows it too (statement 0)"),
        "{reason}"
    );
}

// "A permissions boundary does not grant permissions on its own."
#[test]
fn a_boundary_alone_grants_nothing() {
    let role = Role::new().bounded_by(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
    );
    let (a, reason) = role.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::ImplicitDeny);
    assert_eq!(a.boundary, Some(Verdict::Allowed));
    assert_eq!(
        reason,
        "no identity-based policy allows the s3:GetObject action"
    );
}

// An explicit deny in the boundary denies, whatever the identity policies allow.
#[test]
fn an_explicit_deny_in_the_boundary_denies() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
        .bounded_by(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Sid":"NoIam","Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#);
    let (a, reason) = role.ask("iam:CreateUser", "*");
    assert_eq!(a.decision, Verdict::ExplicitDeny);
    assert_eq!(a.boundary, Some(Verdict::ExplicitDeny));
    assert_eq!(
        reason,
        r#"with an explicit deny in a permissions boundary (statement 1, Sid "NoIam")"#
    );
}

// IAM: action names are case-insensitive ("s3:GetObject" is "S3:getobject"), and `*`/`?`
// are wildcards in Action.
#[test]
fn actions_compare_without_case_and_with_wildcards() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","sqs:?eceiveMessage","KMS:decrypt"],"Resource":"*"}}"#,
    );
    for action in [
        "s3:GetObject",
        "S3:GETOBJECT",
        "s3:getobjectversion",
        "sqs:ReceiveMessage",
        "kms:Decrypt",
    ] {
        assert_eq!(role.decide(action, "*"), Verdict::Allowed, "{action}");
    }
    for action in [
        "s3:PutObject",
        "sqs:receivemessages",
        "kms:Encrypt",
        "s3get:Object",
    ] {
        assert_eq!(role.decide(action, "*"), Verdict::ImplicitDeny, "{action}");
    }
}

// NotAction with Allow: "allows everything except the listed actions" — and only there.
#[test]
fn not_action_allows_all_but_the_listed_actions() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
    );
    assert_eq!(role.decide("s3:DeleteBucket", BUCKET), Verdict::Allowed);
    assert_eq!(role.decide("iam:CreateUser", "*"), Verdict::ImplicitDeny);
}

// NotAction with Deny: denies every action except the listed ones.
#[test]
fn not_action_with_deny_denies_all_but_the_listed_actions() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"*"}}"#);
    assert_eq!(role.decide("s3:GetObject", OBJECT), Verdict::Allowed);
    assert_eq!(role.decide("s3:PutObject", OBJECT), Verdict::ExplicitDeny);
}

// NotResource: the statement applies to every resource except those listed.
#[test]
fn not_resource_applies_to_every_other_resource() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::payments","arn:aws:s3:::payments/*"]}}"#);
    assert_eq!(role.decide("s3:GetObject", OBJECT), Verdict::ImplicitDeny);
    assert_eq!(
        role.decide("s3:GetObject", "arn:aws:s3:::other/k"),
        Verdict::Allowed
    );
    let deny_elsewhere = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::payments/*"}}"#);
    assert_eq!(
        deny_elsewhere.decide("s3:GetObject", OBJECT),
        Verdict::Allowed
    );
    assert_eq!(
        deny_elsewhere.decide("s3:GetObject", "arn:aws:s3:::other/k"),
        Verdict::ExplicitDeny
    );
}

// Resource ARNs: wildcards within a segment, `*` of the resource part over `/`.
#[test]
fn resources_match_per_segment() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-*:111122223333:orders-*"}}"#,
    );
    assert_eq!(
        role.decide(
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:111122223333:orders-eu"
        ),
        Verdict::Allowed
    );
    assert_eq!(
        role.decide(
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:orders-us"
        ),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        role.decide(
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:444455556666:orders-eu"
        ),
        Verdict::ImplicitDeny
    );
}

// A condition on a key that is neither filled in nor given cannot be decided: the answer
// is unknown and names the key, never a guess.
#[test]
fn a_condition_on_an_unknown_key_makes_the_answer_unknown_and_names_it() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::payments","Condition":{"StringLike":{"s3:prefix":"invoices/*"}}}}"#,
    );
    let (a, reason) = role.ask("s3:ListBucket", BUCKET);
    assert_eq!(a.decision, Verdict::Unknown);
    assert_eq!(a.missing_context, vec!["s3:prefix"]);
    assert_eq!(
        reason,
        "unknown: it depends on the context key s3:prefix, whose value for this call irsa-tui does not know (give it with --context KEY=VALUE)"
    );
    let tags = BTreeMap::new();
    let mut session = Session::of_role(ROLE, Some(&tags), None);
    session.give("s3:prefix", "invoices/2026/");
    assert_eq!(
        role.ask_in(&session, "s3:ListBucket", BUCKET).0.decision,
        Verdict::Allowed
    );
    let mut session = Session::of_role(ROLE, Some(&tags), None);
    session.give("s3:prefix", "payroll/");
    assert_eq!(
        role.ask_in(&session, "s3:ListBucket", BUCKET).0.decision,
        Verdict::ImplicitDeny
    );
}

// The keys every session of the role carries decide conditions without being given.
#[test]
fn conditions_on_the_session_keys_are_decided() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
            "StringEquals":{"aws:PrincipalTag/team":"payments","aws:PrincipalAccount":"111122223333","aws:RequestedRegion":"eu-west-1","aws:PrincipalType":"AssumedRole"},
            "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/payments-*"}}}}"#,
    );
    assert_eq!(role.decide("s3:GetObject", OBJECT), Verdict::Allowed);
    let other_team = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"search"}}}}"#,
    );
    assert_eq!(
        other_team.decide("s3:GetObject", OBJECT),
        Verdict::ImplicitDeny
    );
}

// "...IfExists: if the key is not present, the condition evaluates to true"; `Null` tests
// the key's presence. The role's tags are known, so a tag it lacks is absent.
#[test]
fn if_exists_and_null_on_an_absent_tag() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
            "StringEqualsIfExists":{"aws:PrincipalTag/cost-center":"42"},
            "Null":{"aws:PrincipalTag/owner":"true"}}}}"#,
    );
    assert_eq!(role.decide("s3:GetObject", OBJECT), Verdict::Allowed);
    let needs_tag = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/owner":"false"}}}}"#,
    );
    assert_eq!(
        needs_tag.decide("s3:GetObject", OBJECT),
        Verdict::ImplicitDeny
    );
}

// ForAnyValue / ForAllValues compare a multi-valued key value by value.
#[test]
fn set_operators_on_a_multi_valued_key() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["id","name"]}}}}"#,
    );
    let ask = |values: &[&str]| {
        let mut s = Session::of_role(ROLE, None, None);
        for v in values {
            s.give("dynamodb:Attributes", v);
        }
        role.ask_in(
            &s,
            "dynamodb:GetItem",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
        )
        .0
        .decision
    };
    assert_eq!(ask(&["id"]), Verdict::Allowed);
    assert_eq!(ask(&["id", "name"]), Verdict::Allowed);
    assert_eq!(ask(&["id", "secret"]), Verdict::ImplicitDeny);
    let any = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"dynamodb:Attributes":"id"}}}}"#,
    );
    let mut s = Session::of_role(ROLE, None, None);
    s.give("dynamodb:Attributes", "secret");
    s.give("dynamodb:Attributes", "id");
    assert_eq!(
        any.ask_in(&s, "dynamodb:GetItem", "*").0.decision,
        Verdict::Allowed
    );
}

// Policy variables are substituted under Version 2012-10-17 only; under 2008-10-17 (or no
// Version) `${…}` is literal text.
#[test]
fn policy_variables_in_resources_follow_the_version() {
    let v2012 = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::teams/${aws:PrincipalTag/team}/*"}}"#,
    );
    assert_eq!(
        v2012.decide("s3:GetObject", "arn:aws:s3:::teams/payments/k"),
        Verdict::Allowed
    );
    assert_eq!(
        v2012.decide("s3:GetObject", "arn:aws:s3:::teams/search/k"),
        Verdict::ImplicitDeny
    );
    let v2008 = Role::new().with(
        r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::teams/${aws:PrincipalTag/team}/*"}}"#,
    );
    assert_eq!(
        v2008.decide("s3:GetObject", "arn:aws:s3:::teams/payments/k"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        v2008.decide(
            "s3:GetObject",
            "arn:aws:s3:::teams/${aws:PrincipalTag/team}/k"
        ),
        Verdict::Allowed
    );
}

// A variable whose value is unknown (aws:userid holds the session name the SDK chooses)
// makes the answer unknown and names the key; one with a default uses it when the key is
// absent.
#[test]
fn unknown_and_defaulted_variables() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:userid}/*"}}"#,
    );
    let (a, _) = role.ask("s3:GetObject", "arn:aws:s3:::home/AROAEXAMPLE:s/k");
    assert_eq!(a.decision, Verdict::Unknown);
    assert_eq!(a.missing_context, vec!["aws:userid"]);
    let defaulted = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::teams/${aws:PrincipalTag/unit, 'shared'}/*"}}"#,
    );
    assert_eq!(
        defaulted.decide("s3:GetObject", "arn:aws:s3:::teams/shared/k"),
        Verdict::Allowed
    );
}

// A Deny that might apply keeps an Allow from being certain; one that cannot matter (no
// Allow at all) leaves the request denied.
#[test]
fn an_undecided_deny_makes_an_allow_unknown_but_not_a_deny() {
    let deny_if = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#;
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
        .with(deny_if);
    let (a, _) = role.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Unknown);
    assert_eq!(a.missing_context, vec!["aws:SourceIp"]);
    assert_eq!(
        role.decide("sqs:SendMessage", "*"),
        Verdict::ImplicitDeny,
        "no Allow for SQS: implicit deny, however the Deny turns out"
    );
}

// An Allow that is certain wins over one that is undecided.
#[test]
fn one_certain_allow_is_enough() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#)
        .with(READ_BUCKET);
    let (a, _) = role.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Allowed);
    assert!(a.missing_context.is_empty());
}

// A document that could not be read might hold a Deny or an Allow: what depends on it is
// unknown; an explicit deny elsewhere still decides.
#[test]
fn an_unreadable_policy_makes_what_depends_on_it_unknown() {
    let allowed_elsewhere = Role::new()
        .with(READ_BUCKET)
        .with_unreadable("iam:GetPolicyVersion: AccessDenied");
    let (a, reason) = allowed_elsewhere.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Unknown);
    assert_eq!(
        reason,
        r#"unknown: the managed policy "broken" cannot be evaluated: iam:GetPolicyVersion: AccessDenied"#
    );
    assert_eq!(
        allowed_elsewhere.decide("s3:DeleteObject", OBJECT),
        Verdict::Unknown,
        "it might allow DeleteObject"
    );
    let denied_elsewhere = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}}"#)
        .with_unreadable("not read");
    assert_eq!(
        denied_elsewhere.decide("s3:DeleteObject", OBJECT),
        Verdict::ExplicitDeny
    );
}

#[test]
fn an_unreadable_boundary_leaves_an_allow_unknown() {
    let role = Role::new().with(READ_BUCKET);
    let mut p = role.permissions();
    p.boundary = Some(Policy {
        name: "boundary",
        arn: None,
        kind: PolicyKind::Boundary,
        document: Err("not read"),
    });
    let session = Session::of_role(ROLE, None, None);
    let q = Question::new("s3:GetObject", OBJECT);
    let a = answer(&p, &q, &session);
    assert_eq!(a.decision, Verdict::Unknown);
    assert_eq!(a.boundary, Some(Verdict::Unknown));
    let q = Question::new("s3:DeleteObject", OBJECT);
    assert_eq!(answer(&p, &q, &session).decision, Verdict::ImplicitDeny);
}

// IAM refuses an identity-based policy with a Principal, or a statement without Resource:
// such a statement is never read as allowing.
#[test]
fn statements_iam_would_refuse_are_never_an_allow() {
    let with_principal = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
    );
    let (a, reason) = with_principal.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Unknown);
    assert!(reason.contains("cannot have Principal"), "{reason}");
    let without_resource = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#);
    let (a, reason) = without_resource.ask("s3:GetObject", OBJECT);
    assert_eq!(a.decision, Verdict::Unknown);
    assert!(reason.contains("no Resource or NotResource"), "{reason}");
    // Ruled out by its action, it does not matter.
    assert_eq!(
        without_resource.decide("sqs:SendMessage", "*"),
        Verdict::ImplicitDeny
    );
}

// A resource with `*` asks about some of the resources it names: an Allow of some counts,
// a Deny only when it covers all of them.
#[test]
fn a_wildcard_resource_asks_about_some_of_them() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::payments/tmp/*"}}"#)
        .with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::payments/tmp/keep/*"}}"#);
    assert_eq!(
        role.decide("s3:DeleteObject", "arn:aws:s3:::payments/*"),
        Verdict::Allowed
    );
    assert_eq!(role.decide("s3:DeleteObject", "*"), Verdict::Allowed);
    assert_eq!(
        role.decide("s3:DeleteObject", "arn:aws:s3:::payments/tmp/keep/*"),
        Verdict::ExplicitDeny
    );
    assert_eq!(
        role.decide("s3:DeleteObject", "arn:aws:s3:::other/*"),
        Verdict::ImplicitDeny
    );
}

// Several statements that allow are all listed, in policy order.
#[test]
fn every_allow_that_applies_is_listed() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::payments/*"}]}"#)
        .with(READ_BUCKET);
    let (a, _) = role.ask("s3:GetObject", OBJECT);
    let at: Vec<(Source, usize)> = a.matched.iter().map(|m| (m.source, m.statement)).collect();
    assert_eq!(
        at,
        vec![
            (Source::Identity(0), 0),
            (Source::Identity(0), 1),
            (Source::Identity(1), 1)
        ]
    );
}

// ---------------------------------------------------------------------------------------
// The documents as a whole (IRSA233, IRSA234)
// ---------------------------------------------------------------------------------------

const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#;

/// "An entity's permissions boundary allows it to perform only the actions that are allowed
/// by both its identity-based policies and its permissions boundaries": a boundary that
/// names none of the allowed actions leaves nothing.
#[test]
fn a_boundary_with_no_action_in_common_allows_nothing() {
    let role = Role::new().with(S3_READ).bounded_by(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*","cloudwatch:*"],"Resource":"*"}]}"#,
    );
    let p = role.permissions();
    assert_eq!(
        overlap::boundary_allows_none(&p),
        Some(vec!["s3:Get*".to_owned(), "s3:List*".to_owned()])
    );
    assert_eq!(overlap::boundary_actions(&p), ["cloudwatch:*", "logs:*"]);
    // And the evaluator agrees for a call the identity side allows.
    let a = answer(
        &p,
        &Question::new("s3:GetObject", "arn:aws:s3:::b/k"),
        &Session::default(),
    );
    assert_eq!(a.decision, Verdict::ImplicitDeny);
}

/// Near misses: one action in common (`s3:*` ∩ `s3:Get*`), a wildcard that reaches across
/// services, case-insensitive action names, a NotAction, an unreadable document, no boundary.
#[test]
fn a_boundary_that_shares_any_action_or_is_not_certain_is_not_reported() {
    let bounded = |b: &str| {
        let role = Role::new().with(S3_READ).bounded_by(b);
        overlap::boundary_allows_none(&role.permissions())
    };
    let allow = |a: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{a},"Resource":"*"}}]}}"#
        )
    };
    assert_eq!(bounded(&allow(r#""s3:*""#)), None);
    assert_eq!(bounded(&allow(r#""*""#)), None);
    assert_eq!(bounded(&allow(r#""S3:GETOBJECT""#)), None);
    assert_eq!(bounded(&allow(r#"["logs:*","s?:List*"]"#)), None);
    assert_eq!(
        bounded(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#
        ),
        None
    );
    let unreadable = Role::new()
        .with(S3_READ)
        .with_unreadable("denied")
        .bounded_by(&allow(r#""logs:*""#));
    assert_eq!(
        overlap::boundary_allows_none(&unreadable.permissions()),
        None
    );
    assert_eq!(
        overlap::boundary_allows_none(&Role::new().with(S3_READ).permissions()),
        None
    );
}

/// "An explicit deny in any of these policies overrides the allow": a Deny covering every
/// action and resource of an Allow statement makes that statement dead.
#[test]
fn a_deny_covering_all_of_an_allow_cancels_it() {
    let role = Role::new().with(
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"CleanTmp","Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::media/tmp/*"},
          {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::media","arn:aws:s3:::media/*"]},
          {"Sid":"NoDeletes","Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::media/*"}]}"#,
    );
    let dead = overlap::dead_allows(&role.permissions());
    assert_eq!(
        dead,
        [overlap::DeadAllow {
            allow: overlap::At {
                source: Source::Identity(0),
                statement: 0
            },
            deny: overlap::At {
                source: Source::Identity(0),
                statement: 2
            },
        }]
    );
}

/// The Deny may sit in the boundary ("an explicit deny in a permissions boundary"), and a
/// `NotAction` Deny covers everything it does not list.
#[test]
fn a_deny_in_the_boundary_or_a_not_action_deny_cancels_too() {
    let role = Role::new()
        .with(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#)
        .bounded_by(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":["s3:*","sqs:*"],"Resource":"*"}]}"#);
    let dead = overlap::dead_allows(&role.permissions());
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].deny.source, Source::Boundary);
}

/// Near misses: the Deny covers only part of the actions or resources, has a condition
/// (it may not apply), or the Allow uses NotResource.
#[test]
fn a_deny_that_leaves_any_of_the_allow_does_not_cancel_it() {
    let dead = |statements: &str| {
        let role = Role::new().with(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
        ));
        overlap::dead_allows(&role.permissions()).len()
    };
    // Part of the actions.
    assert_eq!(
        dead(
            r#"{"Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject"],"Resource":"*"},{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}"#
        ),
        0
    );
    // Part of the resources: media/* is wider than media/tmp/*.
    assert_eq!(
        dead(
            r#"{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::media/*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::media/tmp/*"}"#
        ),
        0
    );
    // A condition on the Deny.
    assert_eq!(
        dead(
            r#"{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#
        ),
        0
    );
    // NotResource on the Allow.
    assert_eq!(
        dead(
            r#"{"Effect":"Allow","Action":"s3:DeleteObject","NotResource":"arn:aws:s3:::keep/*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::media/*"}"#
        ),
        0
    );
    // Control: the same Deny over all of it does cancel.
    assert_eq!(
        dead(
            r#"{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::media/tmp/*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#
        ),
        1
    );
}
