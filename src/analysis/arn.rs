//! IAM role ARNs as the `eks.amazonaws.com/role-arn` annotation must spell them:
//! `arn:<partition>:iam::<12 digits>:role/<optional path/><name>`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    /// `/` or `/a/b/`.
    pub path: String,
    pub name: &'a str,
}

fn valid_name(s: &str) -> bool {
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
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
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
    if !valid_name(name) || path.contains("//") {
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
}
