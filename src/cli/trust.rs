//! `irsa-tui trust POLICY --issuer URL --service-account NS/NAME`.

use super::output::{EXIT_USAGE, fail, use_color};
use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::analysis::trust::{Subject, assess};
use crate::arn::parse_role_arn;
use crate::policy::{DEFAULT_AUDIENCE, Decision, Issuer, parse_subject};
use crate::render::trust as render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrustFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Trust policy file (raw or URL-encoded JSON); `-` reads standard input.
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// The cluster's OIDC issuer URL (aws eks describe-cluster --query cluster.identity.oidc.issuer).
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    /// The ServiceAccount as NAMESPACE/NAME (or system:serviceaccount:NAMESPACE:NAME).
    #[arg(long = "service-account", value_name = "NS/NAME", value_parser = parse_service_account)]
    pub service_account: (String, String),
    /// Token audience (the eks.amazonaws.com/audience annotation, if any).
    #[arg(long, value_name = "AUD", default_value = DEFAULT_AUDIENCE)]
    pub audience: String,
    /// The role's AWS account; when omitted, the account in a Federated ARN is not compared.
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    pub account: Option<String>,
    /// The role's name or ARN, used in titles and in the `aws iam` fix command
    /// (an ARN also gives --account when that is omitted).
    #[arg(long, value_name = "NAME|ARN")]
    pub role: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrustFormat::Text)]
    pub format: TrustFormat,
}

fn parse_service_account(s: &str) -> Result<(String, String), String> {
    let s = s.trim();
    let (ns, name) = parse_subject(s)
        .or_else(|| s.split_once('/'))
        .ok_or_else(|| format!("{s:?} is not NAMESPACE/NAME"))?;
    let valid =
        |p: &str| !p.is_empty() && !p.contains(['/', ':']) && !p.chars().any(char::is_whitespace);
    if !valid(ns) || !valid(name) {
        return Err(format!("{s:?} is not NAMESPACE/NAME"));
    }
    // As Kubernetes names them: the token's sub is built from these.
    if !crate::shell::Kind::Namespace.accepts(ns) {
        return Err(format!("{ns:?} is not a valid Kubernetes namespace name"));
    }
    if !crate::shell::Kind::ObjectName.accepts(name) {
        return Err(format!("{name:?} is not a valid ServiceAccount name"));
    }
    Ok((ns.to_owned(), name.to_owned()))
}

fn parse_account(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.len() == 12 && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(format!("{s:?} is not a 12-digit AWS account id"))
    }
}

/// Splits `--role` into (name, account from an ARN).
fn role_parts(role: &str) -> (String, Option<String>) {
    match parse_role_arn(role) {
        Ok(arn) => (arn.name.to_owned(), Some(arn.account.to_owned())),
        Err(_) => (role.to_owned(), None),
    }
}

/// What is read of a policy file at the most: a trust policy is 4,096 characters, three
/// times that when URL-encoded, plus any white space.
const POLICY_READ_MAX: u64 = 1 << 20;

fn read_policy(path: &str) -> Result<String, String> {
    let text = super::input::read_text(path, POLICY_READ_MAX, "policy file").map_err(|e| {
        if e.contains("is larger than") {
            format!(
                "{e}; a role trust policy is at most {} characters",
                crate::analysis::trust::TRUST_POLICY_MAX_CHARS
            )
        } else {
            e
        }
    })?;
    let shown = if path == "-" {
        "standard input".to_owned()
    } else {
        format!("policy file {path}")
    };
    // Larger than IAM holds: refused here, with the limit, rather than judged.
    if let Err(e) = crate::analysis::trust::parse_trust_policy(&text)
        && e.0.contains("IAM holds at most")
    {
        return Err(format!("{shown}: {}", e.0));
    }
    Ok(text)
}

pub fn run(args: &TrustArgs) -> ExitCode {
    let issuer = match Issuer::parse(&args.issuer) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let text = match read_policy(&args.policy) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let (role_name, role_account) = match &args.role {
        Some(r) => {
            let (n, a) = role_parts(r);
            (Some(n), a)
        }
        None => (None, None),
    };
    let account = args.account.clone().or(role_account);
    let (ns, sa) = &args.service_account;
    let subject = Subject::new(issuer, ns, sa, &args.audience)
        .with_account(account.as_deref())
        .with_role_name(role_name.as_deref());
    let assessment = assess(&text, &subject);
    let out = match args.format {
        TrustFormat::Json => match serde_json::to_string_pretty(&assessment) {
            Ok(s) => s + "\n",
            Err(e) => return fail(format!("cannot serialise the result: {e}")),
        },
        TrustFormat::Text => render::text(&assessment, &subject, use_color()),
    };
    if std::io::stdout().write_all(out.as_bytes()).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    match assessment.decision {
        Decision::Allow => ExitCode::SUCCESS,
        Decision::Deny => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_forms() {
        assert_eq!(
            parse_service_account("prod/api"),
            Ok(("prod".into(), "api".into()))
        );
        assert_eq!(
            parse_service_account("system:serviceaccount:prod:api"),
            Ok(("prod".into(), "api".into()))
        );
        for bad in ["prod", "/api", "prod/", "a/b/c", "pr od/api"] {
            assert!(parse_service_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_arn_gives_name_and_account() {
        assert_eq!(
            role_parts("arn:aws:iam::111122223333:role/team/app-role"),
            ("app-role".into(), Some("111122223333".into()))
        );
        assert_eq!(role_parts("app-role"), ("app-role".into(), None));
        assert!(parse_account("1234").is_err());
        assert!(parse_account("111122223333").is_ok());
    }
}
