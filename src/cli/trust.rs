//! `irsa-tui trust POLICY --issuer URL --service-account NS/NAME`.

use super::output::{fail, print, use_color};
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

/// The trust policy to judge, and what the input says of its role.
#[derive(Debug, PartialEq, Eq)]
struct PolicyInput {
    /// The trust policy's text: raw or URL-encoded JSON.
    policy: String,
    /// The role's name, from the `aws iam get-role` output around the policy.
    role_name: Option<String>,
    /// The role's account, from that output's `Arn`.
    account: Option<String>,
}

/// The role object of `aws iam get-role` output: only what is used is kept, the document
/// as its text (an object verbatim, so a key given twice is still seen).
#[derive(serde::Deserialize)]
struct RoleObject<'a> {
    #[serde(rename = "AssumeRolePolicyDocument", borrow)]
    document: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "RoleName")]
    role_name: Option<String>,
    #[serde(rename = "Arn")]
    arn: Option<String>,
}

#[derive(serde::Deserialize)]
struct GetRoleOutput<'a> {
    #[serde(rename = "Role", borrow)]
    role: Option<RoleObject<'a>>,
}

/// Takes the trust policy out of `aws iam get-role` output (`{"Role": {…}}`) or out of its
/// role object alone (`{"AssumeRolePolicyDocument": …, …}`); any other text is the policy
/// itself. The document is an object, or a string of raw or URL-encoded JSON.
fn unwrap_get_role(text: String) -> Result<PolicyInput, String> {
    let plain = |policy| PolicyInput {
        policy,
        role_name: None,
        account: None,
    };
    if !text.trim_start().starts_with('{') {
        return Ok(plain(text));
    }
    let role = match serde_json::from_str::<GetRoleOutput>(&text) {
        Ok(GetRoleOutput { role: Some(role) }) => Some(role),
        _ => serde_json::from_str::<RoleObject>(&text)
            .ok()
            .filter(|r| r.document.is_some()),
    };
    let Some(role) = role else {
        return Ok(plain(text));
    };
    let Some(document) = role.document else {
        return Err("the Role object holds no AssumeRolePolicyDocument".into());
    };
    let raw = document.get();
    let policy = if raw.starts_with('{') {
        raw.to_owned()
    } else {
        serde_json::from_str::<String>(raw).map_err(|_| {
            "the Role's AssumeRolePolicyDocument is neither a JSON object nor a string".to_owned()
        })?
    };
    let (role_name, account) = match role.arn.as_deref().map(parse_role_arn) {
        Some(Ok(arn)) => (Some(arn.name.to_owned()), Some(arn.account.to_owned())),
        _ => (role.role_name, None),
    };
    Ok(PolicyInput {
        policy,
        role_name,
        account,
    })
}

fn read_policy(path: &str) -> Result<PolicyInput, String> {
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
    let input = unwrap_get_role(text).map_err(|e| format!("{shown}: {e}"))?;
    // Larger than IAM holds: refused here, with the limit, rather than judged.
    if let Err(e) = crate::analysis::trust::parse_trust_policy(&input.policy)
        && e.0.contains("IAM holds at most")
    {
        return Err(format!("{shown}: {}", e.0));
    }
    Ok(input)
}

pub fn run(args: &TrustArgs) -> ExitCode {
    let issuer = match Issuer::parse(&args.issuer) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let input = match read_policy(&args.policy) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let (role_name, role_account) = match &args.role {
        Some(r) => {
            let (n, a) = role_parts(r);
            (Some(n), a)
        }
        None => (input.role_name, None),
    };
    // --account, else the account of --role's ARN, else that of the get-role output.
    let account = args.account.clone().or(role_account).or(input.account);
    let (ns, sa) = &args.service_account;
    let subject = Subject::new(issuer, ns, sa, &args.audience)
        .with_account(account.as_deref())
        .with_role_name(role_name.as_deref());
    let assessment = assess(&input.policy, &subject);
    let out = match args.format {
        TrustFormat::Json => match serde_json::to_string_pretty(&assessment) {
            Ok(s) => s + "\n",
            Err(e) => return fail(format!("cannot serialise the result: {e}")),
        },
        TrustFormat::Text => render::text(&assessment, &subject, use_color()),
    };
    if let Err(code) = print(out) {
        return code;
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

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

    #[test]
    fn get_role_output_gives_its_document_role_and_account() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        for document in [
            POLICY.to_owned(),
            format!("{encoded:?}"),
            format!("{POLICY:?}"),
        ] {
            let text = format!(
                r#"{{"Role": {{"Path": "/", "RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/team/app", "MaxSessionDuration": 3600, "AssumeRolePolicyDocument": {document}}}}}"#
            );
            let got = unwrap_get_role(text).unwrap();
            assert!(
                got.policy == POLICY || got.policy == encoded,
                "{}",
                got.policy
            );
            assert_eq!(got.role_name.as_deref(), Some("app"));
            assert_eq!(got.account.as_deref(), Some("111122223333"));
        }
    }

    #[test]
    fn inner_role_object_and_role_name_without_arn() {
        let text = format!(r#"{{"RoleName": "app", "AssumeRolePolicyDocument": {POLICY}}}"#);
        let got = unwrap_get_role(text).unwrap();
        assert_eq!(got.policy, POLICY);
        assert_eq!(got.role_name.as_deref(), Some("app"));
        assert_eq!(got.account, None);
    }

    #[test]
    fn the_document_object_is_kept_verbatim() {
        // A key given twice must still reach the parser, which refuses it.
        let doc = r#"{"Version":"2012-10-17","Version":"2008-10-17","Statement":[]}"#;
        let got = unwrap_get_role(format!(
            r#"{{"Role":{{"AssumeRolePolicyDocument":{doc}}}}}"#
        ))
        .unwrap();
        assert_eq!(got.policy, doc);
    }

    #[test]
    fn other_text_is_the_policy_itself() {
        for text in [POLICY, "%7B%7D", "{ not json", r#"{"Statement": []}"#] {
            let got = unwrap_get_role(text.to_owned()).unwrap();
            assert_eq!(
                got,
                PolicyInput {
                    policy: text.to_owned(),
                    role_name: None,
                    account: None
                }
            );
        }
    }

    #[test]
    fn a_role_without_a_usable_document_is_an_error() {
        assert!(unwrap_get_role(r#"{"Role": {"RoleName": "x"}}"#.into()).is_err());
        assert!(unwrap_get_role(r#"{"Role": {"AssumeRolePolicyDocument": null}}"#.into()).is_err());
        assert!(unwrap_get_role(r#"{"AssumeRolePolicyDocument": 42}"#.into()).is_err());
    }
}
