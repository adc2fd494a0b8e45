//! Commands for POSIX `sh` that are safe to paste. Every value that comes from a cluster or
//! an account (anyone allowed to edit a ServiceAccount, name a workload or write a policy
//! controls some) is first checked against what Kubernetes or IAM allow for it, then quoted
//! where it needs to be: a value can never become part of the command, and a value that
//! Kubernetes or IAM would not accept is refused rather than printed. Pure.

use std::borrow::Cow;
use std::fmt;

/// What a value interpolated into a command must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A namespace: an RFC 1123 label (`a-z`, `0-9`, `-`; at most 63).
    Namespace,
    /// A ServiceAccount, workload or pod name: an RFC 1123 subdomain (at most 253).
    ObjectName,
    /// A Kubernetes resource, as `kubectl auth can-i` takes it (`pods`, `configmaps/aws-auth`).
    Resource,
    /// An IAM role name (`A-Za-z0-9+=,.@_-`, at most 64).
    RoleName,
    /// An IAM (inline) policy name (`A-Za-z0-9+=,.@_-`, at most 128).
    PolicyName,
    /// An IAM role ARN, as the role-arn annotation must spell it.
    RoleArn,
    /// An IAM managed policy ARN.
    PolicyArn,
    /// An IAM OIDC provider ARN.
    ProviderArn,
    /// An OIDC issuer URL (`https://host/path`).
    IssuerUrl,
    /// A token audience, an OIDC client ID: printable ASCII, at most 255 characters.
    Audience,
    /// An EKS cluster name.
    ClusterName,
    /// An AWS region.
    Region,
    /// An AWS partition (`aws`, `aws-cn`, `aws-us-gov`, ...).
    Partition,
    /// An EKS Pod Identity association id (`a-` and 17 characters).
    AssociationId,
    /// A JSON document (a corrected policy): any text, always quoted.
    Document,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Namespace => "Kubernetes namespace name",
            Kind::ObjectName => "Kubernetes object name",
            Kind::Resource => "Kubernetes resource name",
            Kind::RoleName => "IAM role name",
            Kind::PolicyName => "IAM policy name",
            Kind::RoleArn => "IAM role ARN",
            Kind::PolicyArn => "IAM policy ARN",
            Kind::ProviderArn => "IAM OIDC provider ARN",
            Kind::IssuerUrl => "OIDC issuer URL",
            Kind::Audience => "OIDC client ID (token audience)",
            Kind::ClusterName => "EKS cluster name",
            Kind::Region => "AWS region",
            Kind::Partition => "AWS partition",
            Kind::AssociationId => "Pod Identity association id",
            Kind::Document => "JSON document",
        }
    }

    /// Whether `value` is one Kubernetes or IAM would accept as this kind.
    pub fn accepts(self, value: &str) -> bool {
        let iam_name = |max: usize| {
            (1..=max).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        };
        match self {
            Kind::Namespace => dns_label(value),
            // As Kubernetes checks a subdomain: 253 at most, labels of any length.
            Kind::ObjectName => value.len() <= 253 && value.split('.').all(|l| rfc1123(l, 253)),
            Kind::Resource => {
                !value.is_empty()
                    && value.len() <= 253
                    && value.split('/').all(|part| {
                        !part.is_empty()
                            && part.bytes().all(|b| {
                                b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)
                            })
                    })
            }
            Kind::RoleName => iam_name(64),
            Kind::PolicyName => iam_name(128),
            Kind::RoleArn => crate::arn::parse_role_arn(value).is_ok(),
            Kind::PolicyArn => policy_arn(value),
            Kind::ProviderArn => {
                crate::arn::ProviderArn::parse(value).is_some() && url_chars(value)
            }
            Kind::IssuerUrl => value
                .strip_prefix("https://")
                .is_some_and(|rest| !rest.is_empty() && url_chars(rest)),
            Kind::Audience => {
                (1..=255).contains(&value.len()) && value.bytes().all(|b| (0x21..0x7f).contains(&b))
            }
            Kind::ClusterName => crate::arn::is_cluster_name(value),
            Kind::Region => crate::arn::is_region(value),
            Kind::Partition => {
                value.starts_with("aws")
                    && value.len() <= 32
                    && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            }
            Kind::AssociationId => {
                value.len() == 19
                    && value.starts_with("a-")
                    && value[2..]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            }
            Kind::Document => true,
        }
    }
}

/// An RFC 1123 label: lower-case letters, digits and `-`, alphanumeric at both ends.
fn dns_label(s: &str) -> bool {
    rfc1123(s, 63)
}

fn rfc1123(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    (1..=max).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn url_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/:".contains(&b))
}

/// `arn:PARTITION:iam::ACCOUNT|aws:policy/PATH/NAME`.
fn policy_arn(s: &str) -> bool {
    let Some(a) = crate::arn::Arn::parse(s) else {
        return false;
    };
    let account = a.account == "aws"
        || (a.account.len() == 12 && a.account.bytes().all(|b| b.is_ascii_digit()));
    a.partition.starts_with("aws")
        && a.service == "iam"
        && a.region.is_empty()
        && account
        && a.resource.strip_prefix("policy/").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        })
}

/// A value that was not put into a command: what it should have been, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub kind: Kind,
    pub value: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a valid {}",
            crate::text::escape_controls(&self.value),
            self.kind.describe()
        )
    }
}

impl std::error::Error for Refused {}

/// `word` as one word for `sh`: as it is when every character is safe, otherwise in single
/// quotes (a `'` inside becomes `'\''`).
pub fn quote(word: &str) -> Cow<'_, str> {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if safe {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// A command: `template` with each `{}` replaced, in order, by a checked and quoted value.
/// The template itself is the program's text and is taken as it is.
pub fn command(template: &str, values: &[(Kind, &str)]) -> Result<String, Refused> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 2..];
        let Some(&(kind, value)) = values.next() else {
            // A template with more holes than values is a bug: refuse rather than guess.
            return Err(Refused {
                kind: Kind::Document,
                value: template.to_owned(),
            });
        };
        if !kind.accepts(value) {
            return Err(Refused {
                kind,
                value: value.to_owned(),
            });
        }
        out.push_str(&quote(value));
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_words_stay_and_others_are_single_quoted() {
        assert_eq!(
            quote("arn:aws:iam::111122223333:role/app"),
            "arn:aws:iam::111122223333:role/app"
        );
        assert_eq!(quote("vault$(touch /tmp/x)"), "'vault$(touch /tmp/x)'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("{\"a\": 1}"), "'{\"a\": 1}'");
    }

    #[test]
    fn commands_check_every_value() {
        assert_eq!(
            command(
                "kubectl annotate serviceaccount -n {} {} eks.amazonaws.com/role-arn={} --overwrite",
                &[
                    (Kind::Namespace, "payments"),
                    (Kind::ObjectName, "api"),
                    (Kind::RoleArn, "arn:aws:iam::111122223333:role/api")
                ]
            ),
            Ok("kubectl annotate serviceaccount -n payments api eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/api --overwrite".to_owned())
        );
        let refused = command("kubectl -n {}", &[(Kind::Namespace, "a;rm -rf /")])
            .expect_err("not a namespace");
        assert_eq!(refused.kind, Kind::Namespace);
        assert!(
            refused
                .to_string()
                .contains("is not a valid Kubernetes namespace name")
        );
        assert_eq!(
            command(
                "aws iam add-client-id-to-open-id-connect-provider --client-id {}",
                &[(Kind::Audience, "vault$(id)")]
            ),
            Ok(
                "aws iam add-client-id-to-open-id-connect-provider --client-id 'vault$(id)'"
                    .to_owned()
            )
        );
        assert!(
            command("x {} {}", &[(Kind::Region, "us-east-1")]).is_err(),
            "a hole without a value"
        );
    }

    #[test]
    fn kinds_follow_kubernetes_and_iam_rules() {
        assert!(Kind::Namespace.accepts("kube-system"));
        assert!(!Kind::Namespace.accepts("Kube"));
        assert!(!Kind::Namespace.accepts("-a"));
        assert!(!Kind::Namespace.accepts(&"a".repeat(64)));
        assert!(Kind::ObjectName.accepts("api-7c9f8d6b5-x7k2p"));
        assert!(Kind::ObjectName.accepts("a.b.c"));
        assert!(!Kind::ObjectName.accepts("a..b"));
        assert!(Kind::RoleName.accepts("shop-prod+api=x,y.z@w_v"));
        assert!(!Kind::RoleName.accepts("a b"));
        assert!(Kind::PolicyArn.accepts("arn:aws:iam::aws:policy/AmazonS3FullAccess"));
        assert!(Kind::PolicyArn.accepts("arn:aws:iam::111122223333:policy/team/app-read"));
        assert!(!Kind::PolicyArn.accepts("arn:aws:iam::111122223333:role/app"));
        assert!(Kind::ProviderArn.accepts(
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB12"
        ));
        assert!(Kind::IssuerUrl.accepts("https://oidc.eks.us-east-1.amazonaws.com/id/AB12"));
        assert!(!Kind::IssuerUrl.accepts("https://x/$(id)"));
        assert!(Kind::Audience.accepts("sts.amazonaws.com"));
        assert!(!Kind::Audience.accepts("a b"));
        assert!(!Kind::Audience.accepts("a\u{1b}]0;x"));
        assert!(Kind::AssociationId.accepts("a-1a2b3c4d5e6f7g8h9"));
        assert!(Kind::Resource.accepts("configmaps/aws-auth"));
    }
}
