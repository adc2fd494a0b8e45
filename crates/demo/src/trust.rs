//! Trust-policy documents, shaped like the ones eksctl, Terraform modules and the EKS
//! console write, and the ways people get them wrong.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

pub(crate) const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
const PODS_SERVICE: &str = "pods.eks.amazonaws.com";

/// `system:serviceaccount:<ns>:<sa>`.
pub(crate) fn subject(ns: &str, sa: &str) -> String {
    format!("system:serviceaccount:{ns}:{sa}")
}

/// One cluster's OIDC provider as IAM names it: `oidc.eks.REGION.amazonaws.com/id/ID`.
#[derive(Debug, Clone)]
pub(crate) struct Provider {
    pub host_path: String,
}

impl Provider {
    pub(crate) fn new(region: &str, id: &str) -> Self {
        Provider {
            host_path: format!("oidc.eks.{region}.amazonaws.com/id/{id}"),
        }
    }

    pub(crate) fn issuer(&self) -> String {
        format!("https://{}", self.host_path)
    }

    pub(crate) fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:oidc-provider/{}", self.host_path)
    }

    pub(crate) fn key(&self, claim: &str) -> String {
        format!("{}:{claim}", self.host_path)
    }
}

/// One string or, for several, an array (as IAM normalises single-element lists).
fn one_or_many(values: &[String]) -> Value {
    match values {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

/// A condition block: `{operator: {key: value(s)}}`, in the order given.
pub(crate) fn condition(entries: &[(&str, String, Value)]) -> Value {
    let mut block = Map::new();
    for (operator, key, value) in entries {
        let slot = block
            .entry(operator.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = slot {
            keys.insert(key.clone(), value.clone());
        }
    }
    Value::Object(block)
}

/// An `AssumeRoleWithWebIdentity` statement for a Federated principal.
pub(crate) fn web_identity(effect: &str, federated: &str, condition: Option<Value>) -> Value {
    let mut statement = json!({
        "Effect": effect,
        "Principal": {"Federated": federated},
        "Action": WEB_IDENTITY,
    });
    if let (Some(c), Value::Object(map)) = (condition, &mut statement) {
        map.insert("Condition".to_owned(), c);
    }
    statement
}

/// The statement `eksctl create iamserviceaccount` writes (aud first, then sub).
pub(crate) fn eksctl_statement(
    provider: &Provider,
    account: &str,
    subjects: &[String],
    audience: &str,
) -> Value {
    let cond = condition(&[
        ("StringEquals", provider.key("aud"), Value::from(audience)),
        ("StringEquals", provider.key("sub"), one_or_many(subjects)),
    ]);
    web_identity("Allow", &provider.arn(account), Some(cond))
}

/// The statement the EKS console writes for EKS Pod Identity (`tag_session: false` is
/// the copy someone trimmed).
pub(crate) fn pod_identity_statement(tag_session: bool) -> Value {
    let action = if tag_session {
        json!(["sts:AssumeRole", "sts:TagSession"])
    } else {
        json!("sts:AssumeRole")
    };
    json!({
        "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
        "Effect": "Allow",
        "Principal": {"Service": PODS_SERVICE},
        "Action": action,
    })
}

/// A full document with these statements, compact as IAM stores it.
pub(crate) fn document(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Percent-encoding as IAM's GetRole returns `AssumeRolePolicyDocument` (RFC 3986).
pub(crate) fn url_encode(text: &str) -> String {
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eksctl_statement_matches_the_fixture_shape() {
        let provider = Provider::new("us-east-1", "6A1B2C3D4E5F60718293A4B5C6D7E8F9");
        let doc = document(vec![eksctl_statement(
            &provider,
            "111122223333",
            &[subject("production", "s3-writer")],
            DEFAULT_AUDIENCE,
        )]);
        // tests/common/fixtures/trust-policy-eksctl.json
        let id = "oidc.eks.us-east-1.amazonaws.com/id/6A1B2C3D4E5F60718293A4B5C6D7E8F9";
        let fixture = json!({
          "Version": "2012-10-17",
          "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{id}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
              format!("{id}:aud"): "sts.amazonaws.com",
              format!("{id}:sub"): "system:serviceaccount:production:s3-writer"
            }}
          }]
        });
        let ours: Value = serde_json::from_str(&doc).expect("ours parses");
        assert_eq!(ours, fixture);
        assert!(url_encode(&doc).starts_with("%7B%22Version%22%3A%222012-10-17%22"));
    }
}
