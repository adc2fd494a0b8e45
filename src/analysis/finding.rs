//! Findings: the catalog's codes, severities and the finding record every check emits.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Severities, worst first (the derived order follows the declaration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($($name:ident => $sev:expr, $summary:literal;)*) => {
        /// A finding code of `shared/spec/findings.md`. Codes are public API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name),)* }
            }

            /// The severity the catalog gives the code (`None`: it makes the status unknown).
            pub fn severity(self) -> Option<Severity> {
                match self { $(Code::$name => $sev,)* }
            }

            /// The catalog's one-line trigger.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $summary,)* }
            }
        }
    };
}

use Severity::{Critical as C, Error as E, Info as I, Warning as W};

codes! {
    IRSA101 => Some(E), "the role-arn annotation is not an IAM role ARN";
    IRSA102 => Some(E), "the annotated role does not exist";
    IRSA103 => None, "the annotated role could not be read";
    IRSA104 => Some(E), "a role trusts this ServiceAccount but it has no role-arn annotation and no Pod Identity association";
    IRSA105 => Some(W), "eks.amazonaws.com/token-expiration is invalid or out of range";
    IRSA106 => Some(I), "eks.amazonaws.com/audience overrides the token audience";
    IRSA201 => Some(E), "no statement allows sts:AssumeRoleWithWebIdentity for a Federated principal";
    IRSA202 => Some(E), "the Federated principal is another OIDC provider than this cluster's";
    IRSA203 => Some(E), "the sub condition names another namespace";
    IRSA204 => Some(E), "the sub condition names another ServiceAccount";
    IRSA205 => Some(E), "a condition key's provider prefix is not this cluster's provider";
    IRSA206 => Some(E), "the aud condition does not accept the token audience";
    IRSA207 => Some(E), "an exact operator carries a wildcard, which matches only literally";
    IRSA208 => Some(E), "an explicit Deny statement matches this ServiceAccount's token";
    IRSA209 => Some(E), "the trust policy cannot be parsed or uses an element the evaluator does not support";
    IRSA210 => Some(E), "a condition can never hold for this ServiceAccount's token";
    IRSA220 => Some(C), "every ServiceAccount of the cluster can assume the role";
    IRSA221 => Some(W), "the sub pattern admits other ServiceAccounts of the same namespace";
    IRSA222 => Some(W), "the allowing statement does not restrict the token audience";
    IRSA223 => Some(C), "the trust policy allows any principal without a restricting condition";
    IRSA224 => Some(I), "the role is trusted by several ServiceAccounts or clusters";
    IRSA230 => Some(W), "the role has no permission policy";
    IRSA231 => Some(I), "the role has a permissions boundary";
    IRSA232 => Some(C), "the role grants admin-level access";
    IRSA301 => Some(E), "the cluster's issuer is not registered as an IAM OIDC provider";
    IRSA302 => Some(E), "the OIDC provider's client IDs do not contain the token audience";
    IRSA303 => Some(E), "the cluster has no OIDC issuer or cannot be found";
    IRSA401 => Some(E), "the pod was not injected with IRSA credentials";
    IRSA402 => Some(E), "the pod's AWS_ROLE_ARN differs from its ServiceAccount's annotation";
    IRSA403 => Some(E), "a container sets static AWS credentials that shadow IRSA";
    IRSA404 => Some(W), "the pod runs as a ServiceAccount without IRSA while an annotated one is unused";
    IRSA405 => Some(W), "a pod without IRSA inherits a node role holding more than the baseline";
    IRSA501 => Some(W), "the node role has managed policies beyond the baseline";
    IRSA502 => Some(W), "the node role has inline policies";
    IRSA503 => Some(E), "the node role lacks a required baseline capability";
    IRSA504 => Some(I), "AmazonEKS_CNI_Policy is on the node role";
    IRSA505 => None, "the node role could not be read";
    IRSA601 => Some(E), "no pod-identity-webhook MutatingWebhookConfiguration";
    IRSA602 => Some(W), "a Kubernetes source is forbidden or failing";
    IRSA603 => Some(W), "AWS could not be reached or has no credentials";
    IRSA701 => Some(I), "the ServiceAccount has both an IRSA annotation and a Pod Identity association";
    IRSA702 => Some(E), "the associated role does not trust pods.eks.amazonaws.com for AssumeRole and TagSession";
    IRSA703 => Some(E), "the associated role does not exist";
    IRSA704 => Some(E), "Pod Identity associations exist but the eks-pod-identity-agent DaemonSet is absent";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("unknown finding code {s:?}"))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The `explain` entry of a code: why it breaks and how to fix it. Each check module
/// keeps the entries of its own codes next to the code that raises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    pub code: Code,
    pub why: &'static str,
    pub fix: &'static str,
}

/// One finding, as the JSON report carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub evidence: Map<String, Value>,
    pub fix: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl Finding {
    /// A finding with the catalog's severity (warning for the status-unknown codes, which
    /// callers handle separately).
    pub fn new(code: Code, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity().unwrap_or(Severity::Warning),
            title: title.into(),
            detail: detail.into(),
            evidence: Map::new(),
            fix: Vec::new(),
            pod: None,
        }
    }

    pub fn evidence(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }

    pub fn fix(mut self, fix: Vec<String>) -> Self {
        self.fix = fix;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_carry_catalog_severity() {
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(*code));
        }
        assert_eq!("irsa203".parse::<Code>(), Ok(Code::IRSA203));
        assert!("IRSA999".parse::<Code>().is_err());
        assert_eq!(Code::IRSA220.severity(), Some(Severity::Critical));
        assert_eq!(Code::IRSA103.severity(), None);
        assert!(Severity::Critical < Severity::Info, "worst first");
    }

    #[test]
    fn finding_serialises_as_the_interface_spec_says() {
        let f = Finding::new(Code::IRSA222, "t", "d")
            .evidence("statement", 0)
            .fix(vec!["x".into()]);
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["code"], "IRSA222");
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["evidence"]["statement"], 0);
        assert!(v.get("pod").is_none());
    }
}
