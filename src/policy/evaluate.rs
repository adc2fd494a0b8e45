//! Evaluation of a policy document against one request, with a trace of every statement
//! and condition. IAM's rules: a statement applies when its action, principal and every
//! condition match; an applicable Deny wins; otherwise an applicable Allow allows;
//! otherwise the request is (implicitly) denied.

use serde::{Deserialize, Serialize};

use super::document::{
    ActionSpec, Condition, Effect, PolicyDocument, PolicyVersion, PrincipalSpec, PrincipalType,
    Statement,
};
use super::matching::{Pattern, glob_match};
use super::operator::{KeyState, Resolved, decide};
use super::request::{Request, RequestPrincipal};
use super::tri::Tri;

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
    pub expected: Vec<String>,
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

/// Evaluates `doc` for `request`.
pub fn evaluate(doc: &PolicyDocument, request: &Request) -> Evaluation {
    let statements: Vec<StatementTrace> = doc
        .statements
        .iter()
        .map(|s| trace_statement(doc.version, s, request))
        .collect();
    let reason = decide_document(doc, &statements);
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

fn decide_document(doc: &PolicyDocument, statements: &[StatementTrace]) -> Reason {
    if !doc.problems.is_empty() {
        return Reason::Undetermined(doc.problems.clone());
    }
    let with = |effect: Effect, result: Tri| {
        statements
            .iter()
            .filter(move |s| s.effect == effect && s.result == result)
    };
    if let Some(s) = with(Effect::Deny, Tri::True).next() {
        return Reason::ExplicitDeny(s.index);
    }
    let undecided: Vec<&StatementTrace> = with(Effect::Deny, Tri::Unknown).collect();
    if !undecided.is_empty() {
        return Reason::Undetermined(undetermined_reasons(&undecided));
    }
    if let Some(s) = with(Effect::Allow, Tri::True).next() {
        return Reason::Allowed(s.index);
    }
    let undecided: Vec<&StatementTrace> = with(Effect::Allow, Tri::Unknown).collect();
    if !undecided.is_empty() {
        return Reason::Undetermined(undetermined_reasons(&undecided));
    }
    Reason::NoAllow
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
    // A statement with elements the engine does not understand can only be ruled out.
    let result = if s.problems.is_empty() || parts == Tri::False {
        parts
    } else {
        Tri::Unknown
    };
    StatementTrace {
        index: s.index,
        sid: s.sid.clone(),
        effect: s.effect,
        action,
        principal,
        conditions,
        problems: s.problems.clone(),
        result,
    }
}

fn match_action(spec: Option<&ActionSpec>, action: &str) -> PartTrace {
    let Some(spec) = spec else {
        return PartTrace {
            result: Tri::False,
            detail: "the statement has no Action".into(),
        };
    };
    // Action names compare case-insensitively, wildcards allowed.
    let hit = spec.patterns.iter().find(|p| glob_match(p, action, true));
    let matched = hit.is_some() != spec.negated;
    let element = if spec.negated { "NotAction" } else { "Action" };
    let detail = match (hit, spec.negated) {
        (Some(p), false) => format!("Action {p:?} covers {action}"),
        (None, false) => format!("Action {:?} does not cover {action}", spec.patterns),
        (Some(p), true) => format!("NotAction {p:?} excludes {action}"),
        (None, true) => format!("{element} {:?} does not exclude {action}", spec.patterns),
    };
    PartTrace {
        result: Tri::from_bool(matched),
        detail,
    }
}

fn match_principal(spec: Option<&PrincipalSpec>, principal: &RequestPrincipal) -> PartTrace {
    let Some(spec) = spec else {
        return PartTrace {
            result: Tri::False,
            detail: "the statement has no Principal".into(),
        };
    };
    let hit: Option<String> = if spec.any {
        Some("\"*\"".into())
    } else {
        spec.entries
            .iter()
            .find(|(kind, value)| principal_entry_matches(*kind, value, principal))
            .map(|(kind, value)| format!("{}: {value:?}", kind.as_str()))
    };
    let matched = hit.is_some() != spec.negated;
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

/// An IAM OIDC provider ARN: `arn:<partition>:iam::<account>:oidc-provider/<host/path>`.
pub struct ProviderArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub provider: &'a str,
}

impl<'a> ProviderArn<'a> {
    pub fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let provider = resource.strip_prefix("oidc-provider/")?;
        Some(ProviderArn {
            partition,
            account,
            provider,
        })
    }
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

fn trace_condition(version: PolicyVersion, c: &Condition, request: &Request) -> ConditionTrace {
    let key_state = request.key(&c.key);
    let (actual, key_present) = match &key_state {
        KeyState::Present(v) if v.len() == 1 => (Some(Actual::One(v[0].clone())), Some(true)),
        KeyState::Present(v) => (Some(Actual::Many(v.clone())), Some(true)),
        KeyState::Absent => (None, Some(false)),
        KeyState::Unknown => (None, None),
    };
    let result = match c.operator {
        // An unknown operator is a statement problem; the condition itself is undecided.
        None => Tri::Unknown,
        Some(op) => {
            let substitute = version == PolicyVersion::V2012_10_17 && op.base.supports_variables();
            let values: Vec<Resolved> = c
                .values
                .iter()
                .map(|v| resolve_value(v, substitute, request))
                .collect();
            decide(op, &values, &key_state)
        }
    };
    ConditionTrace {
        operator: c.operator_text.clone(),
        key: c.key.clone(),
        expected: c.values.clone(),
        actual,
        key_present,
        result,
    }
}

/// Substitutes policy variables (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`).
/// Substituted text is literal: it never acts as a wildcard.
pub fn resolve_value(value: &str, substitute: bool, request: &Request) -> Resolved {
    if !substitute || !value.contains("${") {
        return Resolved::Value(Pattern::from_policy_text(value));
    }
    let mut out = Pattern::default();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.0.extend(Pattern::from_policy_text(&rest[..start]).0);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // No closing brace: the rest is literal text.
            out.0.extend(Pattern::from_policy_text(&rest[start..]).0);
            return Resolved::Value(out);
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" => out.push_literal(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner, None),
                };
                match (request.key(key), default) {
                    (KeyState::Present(v), _) if !v.is_empty() => out.push_literal(&v[0]),
                    (KeyState::Unknown, _) => return Resolved::Unknown,
                    (_, Some(d)) => out.push_literal(d),
                    (_, None) => return Resolved::Unresolvable,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.0.extend(Pattern::from_policy_text(rest).0);
    Resolved::Value(out)
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
        assert_eq!(sub.expected, vec!["system:serviceaccount:prod:api"]);
        assert_eq!(
            sub.actual,
            Some(Actual::One("system:serviceaccount:prod:web".into()))
        );
        assert_eq!(sub.result, Tri::False);
        assert_eq!(e.statements[0].result, Tri::False);
    }
}
