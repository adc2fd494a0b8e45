//! Evaluation of a policy document against one request, with a trace of every statement
//! and condition. IAM's rules: a statement applies when its action, principal and every
//! condition match; an applicable Deny wins; otherwise an applicable Allow allows;
//! otherwise the request is (implicitly) denied.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::document::{
    ActionSpec, Condition, Effect, PolicyDocument, PolicyVersion, PrincipalSpec, PrincipalType,
    Statement,
};
use super::matching::Pattern;
use super::operator::{KeyLookup, KeyView, Resolved, decide};
use super::request::{Request, RequestPrincipal};
use super::tri::Tri;
use crate::arn::ProviderArn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allow,
    Deny,
}

/// Why the decision is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Statement `n` (an Allow) applies and no Deny does.
    Allowed(usize),
    /// Statement `n` (a Deny) applies.
    ExplicitDeny(usize),
    /// No Allow statement applies.
    NoAllow,
    /// The answer depends on something the engine cannot evaluate; never read as allow.
    Undetermined(Vec<String>),
}

/// The request value a condition was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Actual {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionTrace {
    pub operator: String,
    pub key: String,
    /// The condition's values, shared with the parsed document (not copied per trace).
    pub expected: std::sync::Arc<[String]>,
    /// `null` when the request does not carry the key (or its value is unknown offline).
    pub actual: Option<Actual>,
    pub key_present: Option<bool>,
    pub result: Tri,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartTrace {
    pub result: Tri,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementTrace {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: PartTrace,
    pub principal: PartTrace,
    pub conditions: Vec<ConditionTrace>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Whether the statement applies to the request.
    pub result: Tri,
}

impl StatementTrace {
    pub fn failing_conditions(&self) -> impl Iterator<Item = (usize, &ConditionTrace)> {
        self.conditions
            .iter()
            .enumerate()
            .filter(|(_, c)| c.result == Tri::False)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub decision: Decision,
    pub reason: Reason,
    pub statements: Vec<StatementTrace>,
}

impl Evaluation {
    /// The statement that decided: the allowing one, or the explicit deny.
    pub fn deciding_statement(&self) -> Option<usize> {
        match self.reason {
            Reason::Allowed(i) | Reason::ExplicitDeny(i) => Some(i),
            Reason::NoAllow | Reason::Undetermined(_) => None,
        }
    }

    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }
}

/// Evaluates `doc` for `request`, with a trace of every statement and condition.
pub fn evaluate(doc: &PolicyDocument, request: &Request) -> Evaluation {
    let statements: Vec<StatementTrace> = doc
        .statements
        .iter()
        .map(|s| trace_statement(doc.version, s, request))
        .collect();
    let outcome = outcome(
        doc,
        statements.iter().map(|s| (s.index, s.effect, s.result)),
    );
    let reason = match outcome {
        Outcome::Allowed(i) => Reason::Allowed(i),
        Outcome::ExplicitDeny(i) => Reason::ExplicitDeny(i),
        Outcome::NoAllow => Reason::NoAllow,
        Outcome::Undetermined(effect) if doc.problems.is_empty() => {
            let undecided: Vec<&StatementTrace> = statements
                .iter()
                .filter(|s| s.effect == effect && s.result == Tri::Unknown)
                .collect();
            Reason::Undetermined(undetermined_reasons(&undecided))
        }
        Outcome::Undetermined(_) => Reason::Undetermined(doc.problems.clone()),
    };
    let decision = match reason {
        Reason::Allowed(_) => Decision::Allow,
        _ => Decision::Deny,
    };
    Evaluation {
        decision,
        reason,
        statements,
    }
}

/// The statement that allows `request`, if `doc` allows it: the same decision as
/// [`evaluate`], without building a trace (for probes and bulk checks).
pub fn allowing_statement(doc: &PolicyDocument, request: &Request) -> Option<usize> {
    let results = doc.statements.iter().map(|s| {
        (
            s.index,
            s.effect,
            statement_applies(doc.version, s, request),
        )
    });
    match outcome(doc, results) {
        Outcome::Allowed(i) => Some(i),
        _ => None,
    }
}

enum Outcome {
    Allowed(usize),
    ExplicitDeny(usize),
    NoAllow,
    /// Statements of this effect could not be evaluated.
    Undetermined(Effect),
}

/// IAM's decision over the statements' results: an applicable Deny wins; a Deny that
/// might apply prevents an allow; then an applicable Allow; otherwise deny.
fn outcome(doc: &PolicyDocument, results: impl Iterator<Item = (usize, Effect, Tri)>) -> Outcome {
    if !doc.problems.is_empty() {
        return Outcome::Undetermined(Effect::Allow);
    }
    let (mut deny_unknown, mut allow, mut allow_unknown) = (false, None, false);
    for (index, effect, result) in results {
        match (effect, result) {
            (Effect::Deny, Tri::True) => return Outcome::ExplicitDeny(index),
            (Effect::Deny, Tri::Unknown) => deny_unknown = true,
            (Effect::Allow, Tri::True) => {
                allow.get_or_insert(index);
            }
            (Effect::Allow, Tri::Unknown) => allow_unknown = true,
            (_, Tri::False) => {}
        }
    }
    match (deny_unknown, allow, allow_unknown) {
        (true, _, _) => Outcome::Undetermined(Effect::Deny),
        (false, Some(i), _) => Outcome::Allowed(i),
        (false, None, true) => Outcome::Undetermined(Effect::Allow),
        (false, None, false) => Outcome::NoAllow,
    }
}

fn undetermined_reasons(statements: &[&StatementTrace]) -> Vec<String> {
    let mut out = Vec::new();
    for s in statements {
        let at = format!("Statement[{}] ({})", s.index, s.effect);
        out.extend(s.problems.iter().map(|p| format!("{at}: {p}")));
        for c in s.conditions.iter().filter(|c| c.result == Tri::Unknown) {
            out.push(format!(
                "{at}: condition {} on {:?} depends on a value that is only known when STS is called",
                c.operator, c.key
            ));
        }
    }
    out
}

/// Whether a statement applies, without a trace. A statement with elements the engine
/// does not understand can only be ruled out, never confirmed.
fn statement_applies(version: PolicyVersion, s: &Statement, request: &Request) -> Tri {
    let action = action_hit(s.action.as_ref(), &request.action).0;
    let principal = principal_hit(s.principal.as_ref(), &request.principal).0;
    let parts = if !action || !principal {
        Tri::False
    } else {
        Tri::all(
            s.conditions
                .iter()
                .map(|c| condition_result(version, c, request)),
        )
    };
    with_problems(s, parts)
}

fn with_problems(s: &Statement, parts: Tri) -> Tri {
    if s.problems.is_empty() || parts == Tri::False {
        parts
    } else {
        Tri::Unknown
    }
}

fn trace_statement(version: PolicyVersion, s: &Statement, request: &Request) -> StatementTrace {
    let action = match_action(s.action.as_ref(), &request.action);
    let principal = match_principal(s.principal.as_ref(), &request.principal);
    let conditions: Vec<ConditionTrace> = s
        .conditions
        .iter()
        .map(|c| trace_condition(version, c, request))
        .collect();
    let parts = Tri::all(
        [action.result, principal.result]
            .into_iter()
            .chain(conditions.iter().map(|c| c.result)),
    );
    StatementTrace {
        index: s.index,
        sid: s.sid.clone(),
        effect: s.effect,
        action,
        principal,
        conditions,
        problems: s.problems.clone(),
        result: with_problems(s, parts),
    }
}

/// Whether the action element covers `action`, and the pattern that decided.
pub(super) fn action_hit<'a>(
    spec: Option<&'a ActionSpec>,
    action: &str,
) -> (bool, Option<&'a String>) {
    let Some(spec) = spec else {
        return (false, None);
    };
    // Action names compare case-insensitively, wildcards allowed.
    let hit = spec
        .compiled
        .iter()
        .position(|p| p.matches(action, true))
        .and_then(|i| spec.patterns.get(i));
    (hit.is_some() != spec.negated, hit)
}

fn match_action(spec: Option<&ActionSpec>, action: &str) -> PartTrace {
    let Some(spec) = spec else {
        return PartTrace {
            result: Tri::False,
            detail: "the statement has no Action".into(),
        };
    };
    let (matched, hit) = action_hit(Some(spec), action);
    let detail = match (hit, spec.negated) {
        (Some(p), false) => format!("Action {p:?} covers {action}"),
        (None, false) => format!("Action {:?} does not cover {action}", spec.patterns),
        (Some(p), true) => format!("NotAction {p:?} excludes {action}"),
        (None, true) => format!("NotAction {:?} does not exclude {action}", spec.patterns),
    };
    PartTrace {
        result: Tri::from_bool(matched),
        detail,
    }
}

/// Whether the principal element covers the caller, and the entry that decided
/// (`None` inside `Some` for `"*"`).
fn principal_hit<'a>(
    spec: Option<&'a PrincipalSpec>,
    principal: &RequestPrincipal,
) -> (bool, Option<Option<&'a (PrincipalType, String)>>) {
    let Some(spec) = spec else {
        return (false, None);
    };
    let hit = if spec.any {
        Some(None)
    } else {
        spec.entries
            .iter()
            .find(|(kind, value)| principal_entry_matches(*kind, value, principal))
            .map(Some)
    };
    (hit.is_some() != spec.negated, hit)
}

fn match_principal(spec: Option<&PrincipalSpec>, principal: &RequestPrincipal) -> PartTrace {
    let Some(spec) = spec else {
        return PartTrace {
            result: Tri::False,
            detail: "the statement has no Principal".into(),
        };
    };
    let (matched, hit) = principal_hit(Some(spec), principal);
    let hit = hit.map(|h| match h {
        None => "\"*\"".to_owned(),
        Some((kind, value)) => format!("{}: {value:?}", kind.as_str()),
    });
    let who = describe_principal(principal);
    let detail = match (hit, spec.negated) {
        (Some(h), false) => format!("Principal {h} matches"),
        (None, false) => format!("Principal {} does not match {who}", describe_spec(spec)),
        (Some(h), true) => format!("NotPrincipal {h} excludes {who}"),
        (None, true) => format!(
            "NotPrincipal {} does not exclude {who}",
            describe_spec(spec)
        ),
    };
    PartTrace {
        result: Tri::from_bool(matched),
        detail,
    }
}

pub fn describe_principal(p: &RequestPrincipal) -> String {
    match p {
        RequestPrincipal::Federated {
            provider,
            account,
            partition,
        } => format!(
            "Federated arn:{}:iam::{}:oidc-provider/{provider}",
            partition.as_deref().unwrap_or("aws"),
            account.as_deref().unwrap_or("<any account>")
        ),
        RequestPrincipal::Aws { arn, .. } => format!("AWS {arn}"),
        RequestPrincipal::Service { name } => format!("Service {name}"),
    }
}

fn describe_spec(spec: &PrincipalSpec) -> String {
    if spec.any {
        return "\"*\"".into();
    }
    let parts: Vec<String> = spec
        .entries
        .iter()
        .map(|(k, v)| format!("{}: {v:?}", k.as_str()))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn principal_entry_matches(kind: PrincipalType, value: &str, principal: &RequestPrincipal) -> bool {
    match (kind, principal) {
        // {"AWS": "*"} means every principal, as "*" does.
        (PrincipalType::Aws, _) if value == "*" => true,
        (
            PrincipalType::Federated,
            RequestPrincipal::Federated {
                provider,
                account,
                partition,
            },
        ) => {
            if value == "*" {
                return true;
            }
            let Some(arn) = ProviderArn::parse(value) else {
                return false;
            };
            arn.provider == provider
                && account.as_deref().is_none_or(|a| a == arn.account)
                && partition.as_deref().is_none_or(|p| p == arn.partition)
        }
        (PrincipalType::Service, RequestPrincipal::Service { name }) => value == name,
        (PrincipalType::Aws, RequestPrincipal::Aws { arn, account }) => {
            value == arn
                || value == account
                || value.strip_suffix(":root").is_some_and(|v| {
                    v.rsplit(':').next() == Some(account.as_str()) && v.starts_with("arn:")
                })
        }
        _ => false,
    }
}

/// Decides one condition for the keys of `request`.
pub(super) fn condition_result(
    version: PolicyVersion,
    c: &Condition,
    request: &dyn KeyLookup,
) -> Tri {
    // An unknown operator is a statement problem; the condition itself is undecided.
    let Some(op) = c.operator else {
        return Tri::Unknown;
    };
    let key = request.key_lc(&c.key_lc);
    if version == PolicyVersion::V2012_10_17 && c.has_variables && op.base.supports_variables() {
        let values: Vec<Resolved> = c
            .values
            .iter()
            .map(|v| resolve_value(v, true, request))
            .collect();
        decide(op, &values, key)
    } else {
        let values: Vec<Resolved> = c
            .patterns
            .iter()
            .map(|p| Resolved::Value(Cow::Borrowed(p)))
            .collect();
        decide(op, &values, key)
    }
}

pub(super) fn trace_condition(
    version: PolicyVersion,
    c: &Condition,
    request: &dyn KeyLookup,
) -> ConditionTrace {
    let (actual, key_present) = match request.key_lc(&c.key_lc) {
        KeyView::Present([one]) => (Some(Actual::One(one.clone())), Some(true)),
        KeyView::Present(v) => (Some(Actual::Many(v.to_vec())), Some(true)),
        KeyView::Absent => (None, Some(false)),
        KeyView::Unknown => (None, None),
    };
    ConditionTrace {
        operator: c.operator_text.clone(),
        key: c.key.clone(),
        expected: c.values.clone(),
        actual,
        key_present,
        result: condition_result(version, c, request),
    }
}

/// Substitutes policy variables (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`).
/// Substituted text is literal: it never acts as a wildcard.
pub fn resolve_value(value: &str, substitute: bool, request: &dyn KeyLookup) -> Resolved<'static> {
    if !substitute || !value.contains("${") {
        return Resolved::Value(Cow::Owned(Pattern::from_policy_text(value)));
    }
    let mut out = Pattern::default();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.0.extend(Pattern::from_policy_text(&rest[..start]).0);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // No closing brace: the rest is literal text.
            out.0.extend(Pattern::from_policy_text(&rest[start..]).0);
            return Resolved::Value(Cow::Owned(out));
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" => out.push_literal(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner, None),
                };
                match (request.key_lc(&key.to_lowercase()), default) {
                    (KeyView::Present([first, ..]), _) => out.push_literal(first),
                    (KeyView::Unknown, _) => return Resolved::Unknown,
                    (_, Some(d)) => out.push_literal(d),
                    (_, None) => return Resolved::Unresolvable,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.0.extend(Pattern::from_policy_text(rest).0);
    Resolved::Value(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::super::request::{DEFAULT_AUDIENCE, Issuer};
    use super::*;

    const ISSUER: &str = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123";
    const PROVIDER: &str = "oidc.eks.us-east-1.amazonaws.com/id/ABC123";

    fn request(ns: &str, sa: &str) -> Request {
        let issuer = Issuer::parse(ISSUER).expect("issuer");
        Request::web_identity(&issuer, Some("111122223333"), ns, sa, DEFAULT_AUDIENCE)
    }

    fn eval(policy: &str, req: &Request) -> Evaluation {
        let doc =
            PolicyDocument::parse(&policy.replace("PROVIDER", PROVIDER)).expect("policy parses");
        evaluate(&doc, req)
    }

    fn statement(effect: &str, condition: &str) -> String {
        format!(
            r#"{{"Effect":"{effect}","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/PROVIDER"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}"#
        )
    }

    fn policy(statements: &[String]) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        )
    }

    const EXACT: &str = r#"{"StringEquals":{"PROVIDER:sub":"system:serviceaccount:prod:api","PROVIDER:aud":"sts.amazonaws.com"}}"#;

    #[test]
    fn matching_allow_allows() {
        let e = eval(
            &policy(&[statement("Allow", EXACT)]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Allow);
        assert_eq!(e.deciding_statement(), Some(0));
    }

    // AWS rule (policy evaluation logic): an explicit Deny overrides any Allow.
    #[test]
    fn explicit_deny_wins() {
        let deny = statement(
            "Deny",
            r#"{"StringLike":{"PROVIDER:sub":"system:serviceaccount:prod:*"}}"#,
        );
        let e = eval(
            &policy(&[statement("Allow", EXACT), deny]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Deny);
        assert_eq!(e.reason, Reason::ExplicitDeny(1));
    }

    // AWS rule: a request no statement allows is implicitly denied.
    #[test]
    fn no_matching_allow_is_a_deny() {
        let e = eval(
            &policy(&[statement("Allow", EXACT)]),
            &request("prod", "web"),
        );
        assert_eq!(e.reason, Reason::NoAllow);
        let empty = eval(r#"{"Statement":[]}"#, &request("prod", "api"));
        assert_eq!(empty.decision, Decision::Deny);
    }

    // AWS rule: condition key names are case-insensitive.
    #[test]
    fn condition_key_names_compare_case_insensitively() {
        let upper = EXACT
            .replace("PROVIDER:sub", "PROVIDER:SUB")
            .replace("PROVIDER:aud", "PROVIDER:Aud");
        let p = policy(&[statement("Allow", &upper)])
            .replace("PROVIDER:", &format!("{}:", PROVIDER.to_uppercase()));
        let e = eval(&p, &request("prod", "api"));
        assert_eq!(e.decision, Decision::Allow);
    }

    // AWS rule: several keys in one operator, and several operators, are ANDed.
    #[test]
    fn several_keys_and_operators_are_anded() {
        let two_ops = r#"{"StringEquals":{"PROVIDER:aud":"sts.amazonaws.com"},"StringLike":{"PROVIDER:sub":"system:serviceaccount:prod:web*"}}"#;
        let e = eval(
            &policy(&[statement("Allow", two_ops)]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Deny, "aud holds but sub does not");
        let wrong_aud = EXACT.replace("sts.amazonaws.com", "other");
        let e = eval(
            &policy(&[statement("Allow", &wrong_aud)]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Deny, "sub holds but aud does not");
    }

    // The engine never concludes "allow" from something it does not understand.
    #[test]
    fn unknown_operator_never_allows() {
        let cond = r#"{"StringEqualsSometimes":{"PROVIDER:sub":"system:serviceaccount:prod:api"}}"#;
        let e = eval(
            &policy(&[statement("Allow", cond)]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Deny);
        assert!(
            matches!(e.reason, Reason::Undetermined(ref r) if r.iter().any(|m| m.contains("StringEqualsSometimes")))
        );
    }

    // A Deny that depends on a call-time value (the source IP) could apply: not an allow.
    #[test]
    fn undecidable_deny_is_not_an_allow() {
        let deny = statement("Deny", r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
        let e = eval(
            &policy(&[statement("Allow", EXACT), deny]),
            &request("prod", "api"),
        );
        assert_eq!(e.decision, Decision::Deny);
        assert!(matches!(e.reason, Reason::Undetermined(_)));
    }

    #[test]
    fn not_action_and_wildcard_actions() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/PROVIDER"},"Action":"STS:assumerole*"}]}"#;
        assert!(eval(p, &request("prod", "api")).is_allowed());
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/PROVIDER"},"NotAction":"sts:AssumeRole"}]}"#;
        assert!(eval(p, &request("prod", "api")).is_allowed());
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/PROVIDER"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!eval(p, &request("prod", "api")).is_allowed());
    }

    // The Federated principal must be this cluster's provider; its account is compared only
    // when the role's account is known.
    #[test]
    fn federated_principal_matches_provider_and_account() {
        let other_account =
            policy(&[statement("Allow", EXACT)]).replace("111122223333", "999999999999");
        assert!(!eval(&other_account, &request("prod", "api")).is_allowed());
        let issuer = Issuer::parse(ISSUER).expect("issuer");
        let no_account = Request::web_identity(&issuer, None, "prod", "api", DEFAULT_AUDIENCE);
        assert!(eval(&other_account, &no_account).is_allowed());
        let other_provider = policy(&[statement("Allow", EXACT)]).replacen(
            "PROVIDER",
            "oidc.eks.us-east-1.amazonaws.com/id/OTHER",
            1,
        );
        assert!(!eval(&other_provider, &request("prod", "api")).is_allowed());
    }

    #[test]
    fn wildcard_principals_match_web_identity() {
        for principal in [r#""*""#, r#"{"AWS":"*"}"#] {
            let p = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
            );
            assert!(
                eval(&p, &request("prod", "api")).is_allowed(),
                "{principal}"
            );
        }
        let service = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        assert!(!eval(service, &request("prod", "api")).is_allowed());
    }

    #[test]
    fn not_principal_excludes_listed_principals() {
        let p = r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:*"}]}"#;
        assert!(eval(p, &request("prod", "api")).is_allowed());
        let p = r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/PROVIDER"},"Action":"sts:*"}]}"#;
        assert!(!eval(p, &request("prod", "api")).is_allowed());
    }

    // AWS rule (policy variables): with Version 2012-10-17 "${key}" is replaced by the
    // request's value; ${*} is a literal asterisk; older versions keep the text literally.
    #[test]
    fn policy_variables() {
        let cond = r#"{"StringEquals":{"PROVIDER:aud":"${PROVIDER:aud}"}}"#;
        assert!(
            eval(
                &policy(&[statement("Allow", cond)]),
                &request("prod", "api")
            )
            .is_allowed()
        );
        let old = policy(&[statement("Allow", cond)]).replace("2012-10-17", "2008-10-17");
        assert!(!eval(&old, &request("prod", "api")).is_allowed());
        let literal_star = r#"{"StringLike":{"PROVIDER:sub":"system:serviceaccount:prod:${*}"}}"#;
        assert!(
            !eval(
                &policy(&[statement("Allow", literal_star)]),
                &request("prod", "api")
            )
            .is_allowed()
        );
        let default = r#"{"StringEquals":{"PROVIDER:sub":"${aws:PrincipalTag/sa, 'system:serviceaccount:prod:api'}"}}"#;
        assert!(
            eval(
                &policy(&[statement("Allow", default)]),
                &request("prod", "api")
            )
            .is_allowed()
        );
    }

    #[test]
    fn trace_records_expected_and_actual() {
        let e = eval(
            &policy(&[statement("Allow", EXACT)]),
            &request("prod", "web"),
        );
        let sub = e.statements[0]
            .conditions
            .iter()
            .find(|c| c.key.ends_with(":sub"))
            .expect("sub condition traced");
        assert_eq!(
            sub.expected.to_vec(),
            vec!["system:serviceaccount:prod:api"]
        );
        assert_eq!(
            sub.actual,
            Some(Actual::One("system:serviceaccount:prod:web".into()))
        );
        assert_eq!(sub.result, Tri::False);
        assert_eq!(e.statements[0].result, Tri::False);
    }
}
