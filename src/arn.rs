//! Amazon Resource Names: the one place irsa-tui takes ARNs apart.
//!
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. IAM role ARNs are checked strictly (the
//! `eks.amazonaws.com/role-arn` annotation must be one, and a bad one is IRSA101); the other
//! kinds (OIDC provider, EKS cluster, managed policy) are recognised or not. Pure.

/// The six fields of an ARN (the resource keeps its `/` and `:` separators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The fields of `text`, when it has the `arn:` prefix and six fields; nothing is
    /// checked beyond that.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// The last segment of an ARN's resource (`…:role/path/name` → `name`); the text itself
/// when it has no separator (a bare name).
pub fn name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, ...); `aws` when it is not one.
pub fn partition(arn: &str) -> &str {
    Arn::parse(arn).map_or("aws", |a| a.partition)
}

/// The account field of an ARN, when it has one.
pub fn account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM role ARN as the `eks.amazonaws.com/role-arn` annotation must spell it:
/// `arn:<partition>:iam::<12 digits>:role/<optional path/><name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    /// `/` or `/a/b/`.
    pub path: String,
    pub name: &'a str,
}

fn valid_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Parses a role ARN, or says in plain words what is wrong with it.
pub fn parse_role_arn(s: &str) -> Result<RoleArn<'_>, String> {
    if s.trim() != s {
        return Err("it has leading or trailing whitespace".into());
    }
    if s.starts_with(['"', '\'']) || s.ends_with(['"', '\'']) {
        return Err("it is wrapped in quotes".into());
    }
    if s.is_empty() {
        return Err("it is empty".into());
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return Err("it is not an ARN (a bare role name is not enough)".into());
    };
    if *arn != "arn" || !partition.starts_with("aws") {
        return Err("it is not an ARN".into());
    }
    if *service != "iam" {
        return Err(format!(
            "it is an ARN of service {service:?}, not an IAM role"
        ));
    }
    if !region.is_empty() {
        return Err("IAM ARNs have an empty region field".into());
    }
    if !is_account(account) {
        return Err(format!("the account {account:?} is not 12 digits"));
    }
    let Some(rest) = resource.strip_prefix("role/") else {
        let kind = resource.split('/').next().unwrap_or(resource);
        return Err(format!("it is an IAM {kind} ARN, not a role ARN"));
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_owned(), rest),
    };
    if !valid_role_name(name) || path.contains("//") {
        return Err(format!(
            "the role name {name:?} is not a valid IAM role name"
        ));
    }
    Ok(RoleArn {
        partition,
        account,
        path,
        name,
    })
}

/// Whether two role ARNs name the same role, with or without its path (`aws-auth` strips
/// paths).
pub fn same_role(a: &str, b: &str) -> bool {
    match (parse_role_arn(a), parse_role_arn(b)) {
        (Ok(x), Ok(y)) => x.account == y.account && x.name == y.name,
        _ => false,
    }
}

/// An IAM OIDC provider ARN, `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    /// `HOST/PATH`: the issuer without `https://`.
    pub provider: &'a str,
}

impl<'a> ProviderArn<'a> {
    /// The provider ARN `arn` names; `None` for any other text.
    pub fn parse(arn: &'a str) -> Option<Self> {
        let a = Arn::parse(arn).filter(|a| a.service == "iam" && a.region.is_empty())?;
        Some(ProviderArn {
            partition: a.partition,
            account: a.account,
            provider: a.resource.strip_prefix("oidc-provider/")?,
        })
    }
}

/// An EKS cluster ARN, `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksClusterArn {
    pub arn: String,
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
}

/// Parses an EKS cluster ARN (surrounding whitespace allowed); `None` for anything else.
pub fn parse_eks_cluster_arn(text: &str) -> Option<EksClusterArn> {
    let text = text.trim();
    let a = Arn::parse(text)?;
    let name = a.resource.strip_prefix("cluster/")?;
    let valid = a.partition.starts_with("aws")
        && a.service == "eks"
        && is_region(a.region)
        && is_account(a.account)
        && is_cluster_name(name);
    valid.then(|| EksClusterArn {
        arn: text.to_owned(),
        partition: a.partition.to_owned(),
        region: a.region.to_owned(),
        account: a.account.to_owned(),
        name: name.to_owned(),
    })
}

/// An AWS managed policy ARN of `name` (`arn:PARTITION:iam::aws:policy/NAME`), in any
/// partition.
pub fn is_aws_managed_policy(arn: &str, name: &str) -> bool {
    account(arn) == Some("aws") && arn.ends_with(&format!(":policy/{name}"))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, ...
pub fn is_region(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 32
        && bytes[0].is_ascii_lowercase()
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.iter().filter(|b| **b == b'-').count() >= 2
        && !text.contains("--")
}

/// EKS cluster names: 1–100 characters, letters, digits, `-` and `_`, starting alphanumeric.
pub fn is_cluster_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_role_arns() {
        let a = parse_role_arn("arn:aws:iam::111122223333:role/app").expect("valid");
        assert_eq!(
            (a.account, a.name, a.path.as_str()),
            ("111122223333", "app", "/")
        );
        let b =
            parse_role_arn("arn:aws-cn:iam::111122223333:role/team/svc/app-role").expect("valid");
        assert_eq!(
            (b.partition, b.name, b.path.as_str()),
            ("aws-cn", "app-role", "/team/svc/")
        );
        assert!(same_role(
            "arn:aws:iam::111122223333:role/team/app",
            "arn:aws:iam::111122223333:role/app"
        ));
        assert!(!same_role(
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:iam::444455556666:role/app"
        ));
    }

    #[test]
    fn invalid_role_arns_say_why() {
        let cases = [
            (" arn:aws:iam::111122223333:role/app", "whitespace"),
            ("\"arn:aws:iam::111122223333:role/app\"", "quotes"),
            ("app-role", "not an ARN"),
            ("arn:aws:iam::111122223333:user/app", "user ARN"),
            ("arn:aws:iam::111122223333:policy/app", "policy ARN"),
            (
                "arn:aws:iam::111122223333:instance-profile/app",
                "instance-profile ARN",
            ),
            ("arn:aws:iam::1111:role/app", "12 digits"),
            ("arn:aws:s3:::bucket", "service"),
        ];
        for (arn, why) in cases {
            let err = parse_role_arn(arn).expect_err(arn);
            assert!(err.contains(why), "{arn}: {err}");
        }
    }

    #[test]
    fn names_and_accounts() {
        assert_eq!(name("arn:aws:iam::111122223333:role/team/app"), "app");
        assert_eq!(
            name("arn:aws:iam::aws:policy/AdministratorAccess"),
            "AdministratorAccess"
        );
        assert_eq!(name("bare"), "bare");
        assert_eq!(
            account("arn:aws:iam::111122223333:role/app"),
            Some("111122223333")
        );
        assert_eq!(account("arn:aws:s3:::bucket"), None);
        assert!(is_aws_managed_policy(
            "arn:aws-cn:iam::aws:policy/AmazonEKS_CNI_Policy",
            "AmazonEKS_CNI_Policy"
        ));
        assert!(!is_aws_managed_policy(
            "arn:aws:iam::111122223333:policy/AmazonEKS_CNI_Policy",
            "AmazonEKS_CNI_Policy"
        ));
    }

    #[test]
    fn provider_arns() {
        let p = ProviderArn::parse(
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB",
        )
        .expect("a provider ARN");
        assert_eq!(p.provider, "oidc.eks.us-east-1.amazonaws.com/id/AB");
        assert_eq!(p.account, "111122223333");
        assert_eq!(ProviderArn::parse("arn:aws:iam::111122223333:role/x"), None);
        assert_eq!(
            ProviderArn::parse("oidc.eks.us-east-1.amazonaws.com/id/AB"),
            None
        );
    }

    #[test]
    fn eks_cluster_arns() {
        let arn =
            parse_eks_cluster_arn("arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/a_b-1")
                .expect("parses");
        assert_eq!(arn.partition, "aws-us-gov");
        assert_eq!(arn.name, "a_b-1");
        for bad in [
            "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/abc",
            "arn:aws:iam::111122223333:role/x",
            "arn:aws:eks:us-east-1:1111:cluster/prod",
            "arn:aws:eks:us-east-1:111122223333:cluster/",
            "prod",
            "",
        ] {
            assert_eq!(parse_eks_cluster_arn(bad), None, "{bad}");
        }
    }
}
