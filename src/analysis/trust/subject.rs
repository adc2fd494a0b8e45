//! Who wants to assume the role: the ServiceAccount's token as STS sees it, and the role.

use crate::policy::{Issuer, Request, service_account_subject};

/// Who wants to assume the role, and which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub issuer: Issuer,
    pub namespace: String,
    pub service_account: String,
    /// The token audience (`sts.amazonaws.com` unless annotated otherwise).
    pub audience: String,
    /// The role's account, when known; the provider ARN's account is compared only then.
    pub account: Option<String>,
    /// The role's name, for titles and the `aws iam` command.
    pub role_name: Option<String>,
    /// The account used in corrected policies when `account` is unknown (taken from the
    /// policy's own provider ARN).
    pub(super) fix_account: Option<String>,
}

impl Subject {
    pub fn new(issuer: Issuer, namespace: &str, service_account: &str, audience: &str) -> Self {
        Subject {
            issuer,
            namespace: namespace.to_owned(),
            service_account: service_account.to_owned(),
            audience: audience.to_owned(),
            account: None,
            role_name: None,
            fix_account: None,
        }
    }

    pub fn with_account(mut self, account: Option<&str>) -> Self {
        self.account = account.map(str::to_owned);
        self
    }

    pub fn with_role_name(mut self, role: Option<&str>) -> Self {
        self.role_name = role.map(str::to_owned);
        self
    }

    /// `system:serviceaccount:<ns>:<sa>`.
    pub fn sub(&self) -> String {
        service_account_subject(&self.namespace, &self.service_account)
    }

    /// `<ns>/<sa>`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.namespace, self.service_account)
    }

    pub fn sub_key(&self) -> String {
        format!("{}:sub", self.issuer.provider)
    }

    pub fn aud_key(&self) -> String {
        format!("{}:aud", self.issuer.provider)
    }

    /// This cluster's provider ARN in the role's account.
    pub fn provider_arn(&self) -> String {
        self.issuer
            .provider_arn(self.account.as_deref().or(self.fix_account.as_deref()))
    }

    /// The AssumeRoleWithWebIdentity request STS evaluates for this token.
    pub fn request(&self) -> Request {
        Request::web_identity(
            &self.issuer,
            self.account.as_deref(),
            &self.namespace,
            &self.service_account,
            &self.audience,
        )
    }

    /// "role NAME" or "the trust policy", for titles.
    pub fn role_label(&self) -> String {
        match &self.role_name {
            Some(r) => format!("role {r}"),
            None => "the role".to_owned(),
        }
    }
}
