//! The request IAM evaluates a trust policy against, built exactly as STS builds it for
//! `AssumeRoleWithWebIdentity` with an EKS ServiceAccount token.

use std::sync::LazyLock;

use super::operator::{KeyState, KeyView};

pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";
pub const ASSUME_ROLE_ACTION: &str = "sts:AssumeRole";
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
pub const TAG_SESSION_ACTION: &str = "sts:TagSession";
/// The service principal of EKS Pod Identity.
pub const POD_IDENTITY_SERVICE: &str = "pods.eks.amazonaws.com";

/// A cluster's OIDC issuer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// `https://<host>/<path>`, no trailing slash.
    pub url: String,
    /// `<host>/<path>`: the IAM provider name and the prefix of its condition keys.
    pub provider: String,
    /// The AWS region, when the host is an EKS issuer host.
    pub region: Option<String>,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`), when it can be told from the host.
    pub partition: Option<String>,
    /// `<provider>:sub` and `<provider>:aud`, lower-cased, as requests key them.
    sub_key_lc: String,
    aud_key_lc: String,
}

impl Issuer {
    /// Accepts `https://host/path` (a scheme-less `host/path` too); refuses anything that is
    /// not an https URL with a host.
    pub fn parse(url: &str) -> Result<Self, String> {
        let trimmed = url.trim();
        let rest = if let Some(r) = trimmed.strip_prefix("https://") {
            r
        } else if trimmed.contains("://") {
            return Err(format!(
                "issuer {trimmed:?} must be an https:// URL (an EKS issuer looks like https://oidc.eks.REGION.amazonaws.com/id/ID)"
            ));
        } else {
            trimmed
        };
        let provider = rest.trim_end_matches('/');
        let host = provider.split('/').next().unwrap_or_default();
        if host.is_empty() || provider.chars().any(char::is_whitespace) {
            return Err(format!(
                "issuer {trimmed:?} is not a URL (an EKS issuer looks like https://oidc.eks.REGION.amazonaws.com/id/ID)"
            ));
        }
        let host_lc = host.to_ascii_lowercase();
        let region = host_lc
            .strip_prefix("oidc.eks.")
            .and_then(|r| r.split('.').next())
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let partition = if host_lc.ends_with(".amazonaws.com.cn") {
            Some("aws-cn".to_owned())
        } else if host_lc.ends_with(".amazonaws.com") {
            Some(
                match region.as_deref() {
                    Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
                    _ => "aws",
                }
                .to_owned(),
            )
        } else {
            None
        };
        Ok(Issuer {
            url: format!("https://{provider}"),
            provider: provider.to_owned(),
            region,
            partition,
            sub_key_lc: format!("{provider}:sub").to_lowercase(),
            aud_key_lc: format!("{provider}:aud").to_lowercase(),
        })
    }

    /// The IAM OIDC provider ARN in `account` (or a placeholder account).
    pub fn provider_arn(&self, account: Option<&str>) -> String {
        format!(
            "arn:{}:iam::{}:oidc-provider/{}",
            self.partition.as_deref().unwrap_or("aws"),
            account.unwrap_or("ACCOUNT_ID"),
            self.provider
        )
    }
}

/// `system:serviceaccount:<ns>:<sa>`, the `sub` claim of a ServiceAccount token.
pub fn service_account_subject(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Splits a `sub` value into namespace and name when it has the ServiceAccount shape.
pub fn parse_subject(sub: &str) -> Option<(&str, &str)> {
    let rest = sub.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// A request's context keys (lower-cased names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Keys(Vec<(String, Vec<String>)>);

impl Keys {
    fn insert(&mut self, key: String, values: Vec<String>) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = values,
            None => self.0.push((key, values)),
        }
    }

    fn get(&self, key: &str) -> Option<&Vec<String>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Who is calling STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestPrincipal {
    /// A web identity token from the IAM OIDC provider `provider` (`<host>/<path>`).
    /// `account`/`partition` are compared against policy ARNs only when known.
    Federated {
        provider: String,
        account: Option<String>,
        partition: Option<String>,
    },
    /// An IAM principal (used to probe policies that trust every principal).
    Aws { arn: String, account: String },
    /// An AWS service principal such as `pods.eks.amazonaws.com` (EKS Pod Identity).
    Service { name: String },
}

/// An STS request as the trust-policy evaluator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: String,
    pub principal: RequestPrincipal,
    /// Context keys, lower-cased (condition key names compare case-insensitively). A
    /// request has a handful, so a list beats a map.
    keys: Keys,
}

impl Request {
    /// `AssumeRoleWithWebIdentity` with a ServiceAccount token: principal `Federated:
    /// <provider ARN>`, context keys `<provider>:sub` and `<provider>:aud`.
    pub fn web_identity(
        issuer: &Issuer,
        account: Option<&str>,
        namespace: &str,
        service_account: &str,
        audience: &str,
    ) -> Self {
        Self::web_identity_subject(
            issuer,
            account,
            &service_account_subject(namespace, service_account),
            audience,
        )
    }

    /// Same with an arbitrary `sub` claim (used by probes).
    pub fn web_identity_subject(
        issuer: &Issuer,
        account: Option<&str>,
        sub: &str,
        audience: &str,
    ) -> Self {
        let mut keys = Keys::default();
        keys.insert(issuer.sub_key_lc.clone(), vec![sub.to_owned()]);
        keys.insert(issuer.aud_key_lc.clone(), vec![audience.to_owned()]);
        Request {
            action: WEB_IDENTITY_ACTION.to_owned(),
            principal: RequestPrincipal::Federated {
                provider: issuer.provider.clone(),
                account: account.map(str::to_owned),
                partition: issuer.partition.clone(),
            },
            keys,
        }
    }

    /// `sts:AssumeRole` by an IAM principal of `account`.
    pub fn assume_role(arn: &str, account: &str) -> Self {
        let mut keys = Keys::default();
        keys.insert("aws:principalarn".to_owned(), vec![arn.to_owned()]);
        keys.insert("aws:principalaccount".to_owned(), vec![account.to_owned()]);
        Request {
            action: ASSUME_ROLE_ACTION.to_owned(),
            principal: RequestPrincipal::Aws {
                arn: arn.to_owned(),
                account: account.to_owned(),
            },
            keys,
        }
    }

    /// `action` by the EKS Pod Identity service for a pod of `cluster_arn`: the context
    /// EKS passes (source account/ARN, the session tags it sets).
    pub fn pod_identity(
        action: &str,
        cluster_arn: &str,
        account: &str,
        namespace: &str,
        service_account: &str,
    ) -> Self {
        let cluster_name = cluster_arn.rsplit('/').next().unwrap_or(cluster_arn);
        let mut keys = Keys::default();
        let mut put = |k: &str, v: &str| {
            keys.insert(k.to_lowercase(), vec![v.to_owned()]);
        };
        put("aws:SourceAccount", account);
        put("aws:SourceArn", cluster_arn);
        put("aws:PrincipalServiceName", POD_IDENTITY_SERVICE);
        put("aws:RequestTag/eks-cluster-arn", cluster_arn);
        put("aws:RequestTag/eks-cluster-name", cluster_name);
        put("aws:RequestTag/kubernetes-namespace", namespace);
        put("aws:RequestTag/kubernetes-service-account", service_account);
        Request {
            action: action.to_owned(),
            principal: RequestPrincipal::Service {
                name: POD_IDENTITY_SERVICE.to_owned(),
            },
            keys,
        }
    }

    /// The OIDC provider of a web identity request.
    pub fn provider(&self) -> Option<&str> {
        match &self.principal {
            RequestPrincipal::Federated { provider, .. } => Some(provider),
            RequestPrincipal::Aws { .. } | RequestPrincipal::Service { .. } => None,
        }
    }

    /// What the request holds for `key` (compared case-insensitively).
    ///
    /// Keys this request does not carry are absent, except global `aws:` keys whose
    /// value only exists at call time (source IP, current time, ...): those are unknown,
    /// so a condition on them never turns into an offline "allow".
    pub fn key(&self, key: &str) -> KeyState {
        match self.key_lc(&key.to_lowercase()) {
            KeyView::Present(v) => KeyState::Present(v.to_vec()),
            KeyView::Absent => KeyState::Absent,
            KeyView::Unknown => KeyState::Unknown,
        }
    }

    /// [`Request::key`] for an already lower-cased key, borrowing the values.
    pub fn key_lc(&self, lc: &str) -> KeyView<'_> {
        if let Some(v) = self.keys.get(lc) {
            return KeyView::Present(v);
        }
        if let Some(global) = lc.strip_prefix("aws:") {
            let service = matches!(self.principal, RequestPrincipal::Service { .. });
            return match global {
                "securetransport" => KeyView::Present(&*TRUE),
                "viaawsservice" => KeyView::Present(&*FALSE),
                "principalisawsservice" if service => KeyView::Present(&*TRUE),
                "principalisawsservice" => KeyView::Present(&*FALSE),
                _ => global_key(global, &self.principal),
            };
        }
        if lc == "sts:rolesessionname" {
            // Chosen by the SDK at call time.
            return KeyView::Unknown;
        }
        // Claims of other identity providers, other claims of this provider, other
        // services' keys, and sts:ExternalId/SourceIdentity/TransitiveTagKeys are never in
        // this request.
        KeyView::Absent
    }
}

impl super::operator::KeyLookup for Request {
    fn key_lc(&self, lc: &str) -> KeyView<'_> {
        Request::key_lc(self, lc)
    }
}

/// Values of keys every STS request carries, shared rather than allocated per request.
static TRUE: LazyLock<[String; 1]> = LazyLock::new(|| ["true".to_owned()]);
static FALSE: LazyLock<[String; 1]> = LazyLock::new(|| ["false".to_owned()]);

fn global_key(name: &str, principal: &RequestPrincipal) -> KeyView<'static> {
    let federated = matches!(principal, RequestPrincipal::Federated { .. });
    const NEVER_FOR_WEB_IDENTITY: &[&str] = &[
        "principalarn",
        "principalaccount",
        "principalorgid",
        "principalorgpaths",
        "principalservicename",
        "principalservicenameslist",
        "multifactorauthpresent",
        "multifactorauthage",
        "sourceaccount",
        "sourcearn",
        "sourceorgid",
        "sourceorgpaths",
        "tagkeys",
        "calledvia",
        "calledviafirst",
        "calledvialast",
    ];
    if name.starts_with("requesttag/") || name == "tagkeys" {
        // EKS ServiceAccount tokens carry no session tags; Pod Identity's are in the map.
        return match principal {
            RequestPrincipal::Service { .. } if name.starts_with("requesttag/kubernetes-pod") => {
                KeyView::Unknown
            }
            _ => KeyView::Absent,
        };
    }
    match name {
        n if federated
            && (NEVER_FOR_WEB_IDENTITY.contains(&n) || n.starts_with("principaltag/")) =>
        {
            KeyView::Absent
        }
        _ => KeyView::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_normalisation() {
        let i = Issuer::parse("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/").expect("ok");
        assert_eq!(i.provider, "oidc.eks.eu-west-1.amazonaws.com/id/ABC");
        assert_eq!(i.url, "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC");
        assert_eq!(i.region.as_deref(), Some("eu-west-1"));
        assert_eq!(i.partition.as_deref(), Some("aws"));
        let cn = Issuer::parse("https://oidc.eks.cn-north-1.amazonaws.com.cn/id/X").expect("ok");
        assert_eq!(cn.partition.as_deref(), Some("aws-cn"));
        let gov = Issuer::parse("oidc.eks.us-gov-west-1.amazonaws.com/id/X").expect("ok");
        assert_eq!(gov.partition.as_deref(), Some("aws-us-gov"));
        assert_eq!(
            gov.provider_arn(Some("1")),
            "arn:aws-us-gov:iam::1:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/X"
        );
        assert!(Issuer::parse("http://x/y").is_err());
        assert!(Issuer::parse("  ").is_err());
        let custom = Issuer::parse("https://issuer.example.com").expect("ok");
        assert_eq!(custom.partition, None);
    }

    // The token IRSA presents: sub = system:serviceaccount:<ns>:<sa>, keys prefixed by the
    // provider (issuer without https://), compared case-insensitively.
    #[test]
    fn web_identity_request_carries_sub_and_aud() {
        let i = Issuer::parse("https://oidc.eks.us-east-1.amazonaws.com/id/ABC").expect("ok");
        let r = Request::web_identity(&i, None, "prod", "api", DEFAULT_AUDIENCE);
        assert_eq!(r.action, WEB_IDENTITY_ACTION);
        assert_eq!(
            r.key("OIDC.EKS.US-EAST-1.AMAZONAWS.COM/id/abc:SUB"),
            KeyState::Present(vec!["system:serviceaccount:prod:api".into()])
        );
        assert_eq!(
            r.key("oidc.eks.us-east-1.amazonaws.com/id/ABC:aud"),
            KeyState::Present(vec!["sts.amazonaws.com".into()])
        );
        assert_eq!(
            r.key("https://oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"),
            KeyState::Absent
        );
        assert_eq!(r.key("aws:PrincipalTag/team"), KeyState::Absent);
        assert_eq!(r.key("aws:SourceIp"), KeyState::Unknown);
        assert_eq!(
            r.key("aws:SecureTransport"),
            KeyState::Present(vec!["true".into()])
        );
    }

    #[test]
    fn subjects_round_trip() {
        assert_eq!(
            parse_subject("system:serviceaccount:prod:api"),
            Some(("prod", "api"))
        );
        assert_eq!(parse_subject("system:serviceaccounts:prod:api"), None);
        assert_eq!(parse_subject("system:serviceaccount:prod"), None);
    }
}
