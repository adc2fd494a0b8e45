//! Parsing of IAM policy documents as AWS returns them (raw or percent-encoded JSON).
//!
//! Structure that makes the document unreadable (not JSON, no `Statement`) is a
//! [`ParseError`]. An element or operator this engine does not know is kept as a
//! *problem* on the statement or document: the evaluator then refuses to conclude
//! "allow" from it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::matching::Pattern;
use super::operator::Operator;

/// A policy document that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// The policy language version, which decides whether `${...}` are policy variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyVersion {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, or no `Version` at all (IAM's default): `${...}` is literal text.
    V2008_10_17,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: PolicyVersion,
    pub statements: Vec<Statement>,
    /// Problems that concern the whole document (unknown top-level element, bad version).
    pub problems: Vec<String>,
    /// The decoded JSON, kept so fixes can change only the wrong parts.
    pub json: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// The principal types a policy can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PrincipalType {
    Aws,
    Federated,
    Service,
    CanonicalUser,
}

impl PrincipalType {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "AWS" => Some(Self::Aws),
            "Federated" => Some(Self::Federated),
            "Service" => Some(Self::Service),
            "CanonicalUser" => Some(Self::CanonicalUser),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "AWS",
            Self::Federated => "Federated",
            Self::Service => "Service",
            Self::CanonicalUser => "CanonicalUser",
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalSpec {
    pub negated: bool,
    /// `"*"`: every principal.
    pub any: bool,
    pub entries: Vec<(PrincipalType, String)>,
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpec {
    pub negated: bool,
    pub patterns: Vec<String>,
    /// The patterns compiled for matching.
    pub compiled: Vec<Pattern>,
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSpec {
    pub negated: bool,
    pub patterns: Vec<String>,
    /// The patterns compiled for matching; `None` for one holding a policy variable
    /// (`${…}`), resolved per request under Version 2012-10-17.
    pub compiled: Vec<Option<Pattern>>,
}

/// One key of one operator of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written in the policy.
    pub operator_text: String,
    /// `None` when the operator is not one IAM defines (or this engine knows).
    pub operator: Option<Operator>,
    /// The key as written (compared case-insensitively).
    pub key: String,
    /// The key lower-cased, as the request looks keys up.
    pub key_lc: String,
    /// Shared with every trace of the condition (a role trusted by many ServiceAccounts
    /// lists them all here, once).
    pub values: std::sync::Arc<[String]>,
    /// The values compiled for matching (`*`/`?` as wildcards), ready when no policy
    /// variable needs substituting.
    pub patterns: Vec<super::matching::Pattern>,
    /// Some value contains `${`: under Version 2012-10-17 it is resolved per request.
    pub has_variables: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalSpec>,
    pub action: Option<ActionSpec>,
    /// `Resource` or `NotResource`; `None` when the statement has neither (or it is not a
    /// string or a list of strings, a problem).
    pub resource: Option<ResourceSpec>,
    /// `Resource` values (empty with `NotResource` or none).
    pub resources: Vec<String>,
    pub conditions: Vec<Condition>,
    /// Elements or operators that could not be understood; never evaluated as a match.
    pub problems: Vec<String>,
}

impl PolicyDocument {
    /// Parses a policy document as returned by IAM: raw JSON, or percent-encoded JSON
    /// (GetRole's `AssumeRolePolicyDocument`), decoded when it does not start with `{`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let json = decode_json(text)?;
        Self::from_json(json)
    }

    pub fn from_json(json: Value) -> Result<Self, ParseError> {
        let obj = json
            .as_object()
            .ok_or_else(|| ParseError("the policy is not a JSON object".into()))?;
        let mut problems = Vec::new();
        let version = match obj.get("Version") {
            None => PolicyVersion::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => PolicyVersion::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => PolicyVersion::V2008_10_17,
            Some(other) => {
                problems.push(format!(
                    "unsupported Version {other} (IAM accepts \"2012-10-17\" or \"2008-10-17\")"
                ));
                PolicyVersion::V2012_10_17
            }
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                problems.push(format!("unknown top-level element \"{key}\""));
            }
        }
        let raw_statements: Vec<&Value> = match obj.get("Statement") {
            None => return Err(ParseError("the policy has no \"Statement\" element".into())),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            Some(_) => {
                return Err(ParseError(
                    "\"Statement\" must be an object or an array of objects".into(),
                ));
            }
        };
        let mut statements = Vec::with_capacity(raw_statements.len());
        for (index, raw) in raw_statements.into_iter().enumerate() {
            let obj = raw
                .as_object()
                .ok_or_else(|| ParseError(format!("Statement[{index}] is not a JSON object")))?;
            statements.push(parse_statement(index, obj));
        }
        Ok(PolicyDocument {
            version,
            statements,
            problems,
            json,
        })
    }
}

impl PolicyDocument {
    /// The JSON of statement `index`, as written.
    pub fn statement_json(&self, index: usize) -> Option<&Value> {
        match self.json.get("Statement")? {
            Value::Array(items) => items.get(index),
            v @ Value::Object(_) if index == 0 => Some(v),
            _ => None,
        }
    }

    /// Grants every action on every resource without condition (admin-level access):
    /// an Allow statement with `Action: "*"` and `Resource: "*"`.
    pub fn grants_full_access(&self) -> bool {
        self.problems.is_empty()
            && self.statements.iter().any(|s| {
                s.effect == Effect::Allow
                    && s.problems.is_empty()
                    && s.conditions.is_empty()
                    && s.action.as_ref().is_some_and(|a| {
                        !a.negated && a.patterns.iter().any(|p| p == "*" || p == "*:*")
                    })
                    && s.resources.iter().any(|r| r == "*")
            })
    }
}

/// The first key that appears twice in one JSON object of `text`, if any (the text is not
/// otherwise checked: invalid JSON gives `None`, and the parser says what is wrong).
fn duplicate_key(text: &str) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Check;
    impl<'de> DeserializeSeed<'de> for Check {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(Check)
        }
    }
    impl<'de> Visitor<'de> for Check {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            // Policy objects have a handful of keys: a list beats hashing, and keys without
            // escapes are borrowed from the text.
            let mut seen: Vec<std::borrow::Cow<'de, str>> = Vec::new();
            while let Some(key) = map.next_key_seed(Key)? {
                if seen.contains(&key) {
                    return Err(serde::de::Error::custom(format!("\u{0}{key}")));
                }
                seen.push(key);
                map.next_value_seed(Check)?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check)?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    /// An object key, borrowed when it can be.
    struct Key;
    impl<'de> DeserializeSeed<'de> for Key {
        type Value = std::borrow::Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Key)
        }
    }
    impl<'de> Visitor<'de> for Key {
        type Value = std::borrow::Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v))
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let err = Check.deserialize(&mut de).err()?;
    let message = err.to_string();
    let key = message.strip_prefix('\u{0}')?;
    Some(key.split(" at line ").next().unwrap_or(key).to_owned())
}

/// Decodes the text of a policy: trims, percent-decodes when it does not start with `{`,
/// and parses JSON.
pub fn decode_json(text: &str) -> Result<Value, ParseError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(ParseError("the policy is empty".into()));
    }
    let decoded;
    let body = if trimmed.starts_with('{') {
        trimmed
    } else {
        decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|_| {
                ParseError("the policy is neither JSON nor percent-encoded UTF-8 JSON".into())
            })?;
        decoded.trim()
    };
    // IAM refuses a document with a key twice; serde would keep the last one, silently.
    if let Some(key) = duplicate_key(body) {
        return Err(ParseError(format!(
            "the policy has the key {key:?} twice in one object, which IAM refuses (irsa-tui does not guess which one counts)"
        )));
    }
    serde_json::from_str(body).map_err(|e| {
        let what = if trimmed.starts_with('{') {
            "the policy is not valid JSON"
        } else {
            "the policy (after URL-decoding) is not valid JSON"
        };
        ParseError(format!("{what}: {e}"))
    })
}

fn parse_statement(index: usize, obj: &serde_json::Map<String, Value>) -> Statement {
    let mut problems = Vec::new();
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(format!("Sid must be a string, found {other}"));
            None
        }
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            problems.push(format!(
                "Effect must be \"Allow\" or \"Deny\", found {other}"
            ));
            Effect::Deny
        }
        None => {
            problems.push("the statement has no Effect".into());
            Effect::Deny
        }
    };
    let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            problems.push("Principal and NotPrincipal cannot both be present".into());
            None
        }
        (Some(p), None) => parse_principal(p, false, &mut problems),
        (None, Some(p)) => parse_principal(p, true, &mut problems),
        (None, None) => None,
    };
    let action = match (obj.get("Action"), obj.get("NotAction")) {
        (Some(_), Some(_)) => {
            problems.push("Action and NotAction cannot both be present".into());
            None
        }
        (Some(a), None) => parse_action(a, false, &mut problems),
        (None, Some(a)) => parse_action(a, true, &mut problems),
        (None, None) => None,
    };
    let resource = match (obj.get("Resource"), obj.get("NotResource")) {
        (Some(_), Some(_)) => {
            problems.push("Resource and NotResource cannot both be present".into());
            None
        }
        (Some(r), None) => parse_resource(r, false, &mut problems),
        (None, Some(r)) => parse_resource(r, true, &mut problems),
        (None, None) => None,
    };
    let conditions = match obj.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(c, &mut problems),
    };
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            problems.push(format!("unknown element \"{key}\""));
        }
    }
    Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resources: match &resource {
            Some(r) if !r.negated => r.patterns.clone(),
            _ => Vec::new(),
        },
        resource,
        conditions,
        problems,
    }
}

/// A string or a non-empty list of strings.
fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn parse_principal(v: &Value, negated: bool, problems: &mut Vec<String>) -> Option<PrincipalSpec> {
    let element = if negated { "NotPrincipal" } else { "Principal" };
    match v {
        Value::String(s) if s == "*" => Some(PrincipalSpec {
            negated,
            any: true,
            entries: Vec::new(),
        }),
        Value::Object(map) if !map.is_empty() => {
            let mut entries = Vec::new();
            for (k, vals) in map {
                let Some(kind) = PrincipalType::parse(k) else {
                    problems.push(format!("unknown principal type \"{k}\" in {element}"));
                    continue;
                };
                match string_list(vals) {
                    Some(list) => {
                        for value in list {
                            // IAM allows "*" alone, never a wildcard inside a principal.
                            if value != "*" && super::matching::has_wildcard(&value) {
                                problems.push(format!(
                                    "{element}.{k} {value:?}: wildcards are not allowed inside a principal"
                                ));
                            }
                            entries.push((kind, value));
                        }
                    }
                    None => problems.push(format!(
                        "{element}.{k} must be a string or a list of strings, found {vals}"
                    )),
                }
            }
            Some(PrincipalSpec {
                negated,
                any: false,
                entries,
            })
        }
        other => {
            problems.push(format!(
                "{element} must be \"*\" or a map of principal types, found {other}"
            ));
            None
        }
    }
}

fn parse_action(v: &Value, negated: bool, problems: &mut Vec<String>) -> Option<ActionSpec> {
    match string_list(v) {
        Some(patterns) => Some(ActionSpec {
            negated,
            compiled: patterns
                .iter()
                .map(|p| Pattern::from_policy_text(p))
                .collect(),
            patterns,
        }),
        None => {
            let element = if negated { "NotAction" } else { "Action" };
            problems.push(format!(
                "{element} must be a string or a non-empty list of strings, found {v}"
            ));
            None
        }
    }
}

fn parse_resource(v: &Value, negated: bool, problems: &mut Vec<String>) -> Option<ResourceSpec> {
    match string_list(v) {
        Some(patterns) => Some(ResourceSpec {
            negated,
            compiled: patterns
                .iter()
                .map(|p| (!p.contains("${")).then(|| Pattern::from_policy_text(p)))
                .collect(),
            patterns,
        }),
        None => {
            let element = if negated { "NotResource" } else { "Resource" };
            problems.push(format!(
                "{element} must be a string or a non-empty list of strings, found {v}"
            ));
            None
        }
    }
}

/// A condition value as IAM reads it: strings, numbers and booleans, alone or in a list.
fn condition_values(v: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn parse_conditions(v: &Value, problems: &mut Vec<String>) -> Vec<Condition> {
    let Some(block) = v.as_object() else {
        problems.push(format!(
            "Condition must be a map of operators to key/value maps, found {v}"
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (op_text, keys) in block {
        let operator = Operator::parse(op_text);
        if operator.is_none() {
            problems.push(format!("unknown condition operator \"{op_text}\""));
        }
        let Some(keys) = keys.as_object() else {
            problems.push(format!(
                "condition operator \"{op_text}\" must map to an object of keys, found {keys}"
            ));
            continue;
        };
        for (key, vals) in keys {
            let Some(values) = condition_values(vals) else {
                problems.push(format!(
                    "condition {op_text} {key}: values must be strings, numbers or booleans, found {vals}"
                ));
                continue;
            };
            out.push(Condition {
                operator_text: op_text.clone(),
                operator,
                key: key.clone(),
                key_lc: key.to_lowercase(),
                patterns: values
                    .iter()
                    .map(|v| super::matching::Pattern::from_policy_text(v))
                    .collect(),
                has_variables: values.iter().any(|v| v.contains("${")),
                values: values.into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PolicyDocument {
        PolicyDocument::parse(s).expect("parses")
    }

    #[test]
    fn statement_may_be_a_single_object_or_an_array() {
        let one = parse(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#);
        let many = parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}"#);
        assert_eq!(one.statements, many.statements);
        assert_eq!(one.statements.len(), 1);
    }

    // GetRole returns AssumeRolePolicyDocument percent-encoded (RFC 3986).
    #[test]
    fn percent_encoded_documents_are_decoded() {
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert!(!encoded.starts_with('{'));
        assert_eq!(parse(&encoded).statements, parse(raw).statements);
    }

    #[test]
    fn missing_version_means_2008_and_unknown_version_is_a_problem() {
        assert_eq!(
            parse(r#"{"Statement":[]}"#).version,
            PolicyVersion::V2008_10_17
        );
        let doc = parse(r#"{"Version":"2020-01-01","Statement":[]}"#);
        assert_eq!(doc.problems.len(), 1, "{:?}", doc.problems);
    }

    #[test]
    fn principal_forms() {
        let doc = parse(
            r#"{"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"a:b"},
              {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"],"Service":"pods.eks.amazonaws.com"},"Action":"a:b"},
              {"Effect":"Deny","NotPrincipal":{"Federated":"x"},"Action":"a:b"}
            ]}"#,
        );
        let p0 = doc.statements[0].principal.as_ref().expect("principal");
        assert!(p0.any && !p0.negated);
        let p1 = doc.statements[1].principal.as_ref().expect("principal");
        assert_eq!(p1.entries.len(), 3);
        assert_eq!(
            p1.entries[2],
            (PrincipalType::Service, "pods.eks.amazonaws.com".into())
        );
        let p2 = doc.statements[2].principal.as_ref().expect("principal");
        assert!(p2.negated);
        assert!(doc.statements.iter().all(|s| s.problems.is_empty()));
    }

    #[test]
    fn unknown_elements_and_operators_become_problems_not_errors() {
        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Robot":"x"},"Action":"a:b",
                "Condition":{"StringEqualz":{"k":"v"}},"Extra":1}]}"#,
        );
        let problems = &doc.statements[0].problems;
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("Robot")));
        assert!(problems.iter().any(|p| p.contains("StringEqualz")));
        assert!(problems.iter().any(|p| p.contains("Extra")));
    }

    #[test]
    fn condition_values_accept_scalars_and_lists() {
        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"a:b",
                "Condition":{"Bool":{"aws:SecureTransport":true},"StringEquals":{"k":["a","b"]},"NumericLessThan":{"n":5}}}]}"#,
        );
        let c = &doc.statements[0].conditions;
        assert_eq!(c[0].values.to_vec(), vec!["true"]);
        assert_eq!(c[1].values.to_vec(), vec!["a", "b"]);
        assert_eq!(c[2].values.to_vec(), vec!["5"]);
    }

    #[test]
    fn structural_errors_are_parse_errors() {
        for bad in [
            "",
            "not json",
            "[1,2]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Statement":"x"}"#,
            r#"{"Statement":[1]}"#,
            "%7B%22Statement", // truncated percent-encoded JSON
            "%FF%FE",          // not UTF-8 once decoded
        ] {
            assert!(
                PolicyDocument::parse(bad).is_err(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn a_key_given_twice_is_an_error_not_the_last_one() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        let err = PolicyDocument::parse(doc).expect_err("refused");
        assert!(err.0.contains("\"Effect\" twice"), "{}", err.0);
        let nested = r#"{"Statement":{"Condition":{"StringEquals":{"k":"a","k":"b"}}}}"#;
        assert!(PolicyDocument::parse(nested).is_err());
        let fine = r#"{"Statement":[{"Effect":"Allow"},{"Effect":"Deny"}]}"#;
        assert!(
            decode_json(fine).is_ok(),
            "the same key in two objects is fine"
        );
    }
}
