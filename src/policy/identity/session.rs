//! The request context of a call made with a role's session credentials.

use std::collections::BTreeMap;

use crate::policy::operator::{KeyLookup, KeyView};

/// What a call by a session of a role carries: the keys every such session has, filled in
/// from the role, and those given for the question (`--context KEY=VALUE`). Any other key
/// is unknown: an answer that depends on it says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// Lower-cased key → values.
    keys: BTreeMap<String, Vec<String>>,
    /// Keys given for the question (a first value replaces a filled-in one; more add).
    given: Vec<String>,
    /// The role's tags were read: a tag key it lacks is absent, not unknown.
    tags_known: bool,
    /// Keys whose value this session has but nobody knows here (lower-cased): a session tag
    /// set per pod, say.
    unknown: std::collections::BTreeSet<String>,
}

/// The session tags EKS Pod Identity puts on every session it creates (its
/// `aws:PrincipalTag/KEY`s, which override the role's tags of the same key).
pub const POD_IDENTITY_SESSION_TAGS: [&str; 6] = [
    "eks-cluster-arn",
    "eks-cluster-name",
    "kubernetes-namespace",
    "kubernetes-service-account",
    "kubernetes-pod-name",
    "kubernetes-pod-uid",
];

impl Session {
    /// A session of the role `role_arn`: `aws:PrincipalArn` (the role's ARN),
    /// `aws:PrincipalAccount`, `aws:PrincipalType` (`AssumedRole`),
    /// `aws:PrincipalIsAWSService` (false), `aws:PrincipalTag/KEY` for each of `tags` (when
    /// read) and `aws:RequestedRegion` (the region the workload calls, when known).
    ///
    /// `aws:userid` of a role session is `ROLEID:SESSIONNAME`, and the session name is
    /// chosen by the SDK when it calls STS: it is filled in only when given.
    pub fn of_role(
        role_arn: &str,
        tags: Option<&BTreeMap<String, String>>,
        region: Option<&str>,
    ) -> Self {
        let mut s = Session::default();
        s.fill("aws:PrincipalArn", role_arn);
        if let Some(account) = crate::arn::account(role_arn) {
            s.fill("aws:PrincipalAccount", account);
        }
        s.fill("aws:PrincipalType", "AssumedRole");
        s.fill("aws:PrincipalIsAWSService", "false");
        if let Some(region) = region {
            s.fill("aws:RequestedRegion", region);
        }
        if let Some(tags) = tags {
            s.tags_known = true;
            for (k, v) in tags {
                s.fill(&format!("aws:PrincipalTag/{k}"), v);
            }
        }
        s
    }

    fn fill(&mut self, key: &str, value: &str) {
        self.keys.insert(key.to_lowercase(), vec![value.to_owned()]);
    }

    /// A session tag (`aws:PrincipalTag/KEY`): its value, or `None` when the session has one
    /// that is not known here (it differs per pod). It overrides a role tag of that key.
    pub fn session_tag(&mut self, key: &str, value: Option<&str>) {
        let full = format!("aws:PrincipalTag/{key}");
        match value {
            Some(v) => self.fill(&full, v),
            None => {
                let lc = full.to_lowercase();
                self.keys.remove(&lc);
                self.unknown.insert(lc);
            }
        }
    }

    /// Adds a value given for the question. The first value given for a key replaces what
    /// was filled in; repeating the key makes it multi-valued.
    pub fn give(&mut self, key: &str, value: &str) {
        let lc = key.to_lowercase();
        if self.given.contains(&lc) {
            self.keys.entry(lc).or_default().push(value.to_owned());
        } else {
            self.keys.insert(lc.clone(), vec![value.to_owned()]);
            self.given.push(lc);
        }
    }
}

impl KeyLookup for Session {
    fn key_lc(&self, lc: &str) -> KeyView<'_> {
        if let Some(v) = self.keys.get(lc) {
            return KeyView::Present(v);
        }
        if self.unknown.contains(lc) {
            return KeyView::Unknown;
        }
        if self.tags_known && lc.starts_with("aws:principaltag/") {
            return KeyView::Absent;
        }
        KeyView::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "EKS Pod Identity adds session tags to the temporary credentials": they override the
    /// role's tags of the same key; one that differs per pod is unknown, not absent.
    #[test]
    fn pod_identity_session_tags_override_and_may_be_unknown() {
        let tags = BTreeMap::from([("kubernetes-namespace".to_owned(), "other".to_owned())]);
        let mut s = Session::of_role("arn:aws:iam::111122223333:role/api", Some(&tags), None);
        s.session_tag("kubernetes-namespace", Some("payments"));
        s.session_tag("kubernetes-pod-name", None);
        assert_eq!(
            s.key_lc("aws:principaltag/kubernetes-namespace"),
            KeyView::Present(&["payments".to_owned()])
        );
        assert_eq!(
            s.key_lc("aws:principaltag/kubernetes-pod-name"),
            KeyView::Unknown
        );
        assert_eq!(s.key_lc("aws:principaltag/team"), KeyView::Absent);
        // A value given for the question wins.
        s.give("aws:PrincipalTag/kubernetes-pod-name", "api-1");
        assert_eq!(
            s.key_lc("aws:principaltag/kubernetes-pod-name"),
            KeyView::Present(&["api-1".to_owned()])
        );
    }

    #[test]
    fn a_role_session_carries_its_principal_keys() {
        let tags = BTreeMap::from([("Team".to_owned(), "payments".to_owned())]);
        let s = Session::of_role(
            "arn:aws:iam::111122223333:role/api",
            Some(&tags),
            Some("eu-west-1"),
        );
        assert_eq!(
            s.key_lc("aws:principalarn"),
            KeyView::Present(&["arn:aws:iam::111122223333:role/api".to_owned()])
        );
        assert_eq!(
            s.key_lc("aws:principalaccount"),
            KeyView::Present(&["111122223333".to_owned()])
        );
        assert_eq!(
            s.key_lc("aws:principaltype"),
            KeyView::Present(&["AssumedRole".to_owned()])
        );
        assert_eq!(
            s.key_lc("aws:requestedregion"),
            KeyView::Present(&["eu-west-1".to_owned()])
        );
        // Tag keys compare without case, as condition key names do.
        assert_eq!(
            s.key_lc("aws:principaltag/team"),
            KeyView::Present(&["payments".to_owned()])
        );
        assert_eq!(s.key_lc("aws:principaltag/owner"), KeyView::Absent);
        assert_eq!(s.key_lc("aws:sourceip"), KeyView::Unknown);
        assert_eq!(s.key_lc("aws:userid"), KeyView::Unknown);
        assert_eq!(s.key_lc("s3:prefix"), KeyView::Unknown);
    }

    #[test]
    fn tags_not_read_are_unknown() {
        let s = Session::of_role("arn:aws:iam::1:role/r", None, None);
        assert_eq!(s.key_lc("aws:principaltag/team"), KeyView::Unknown);
        assert_eq!(s.key_lc("aws:requestedregion"), KeyView::Unknown);
    }

    #[test]
    fn given_values_replace_then_add() {
        let mut s = Session::of_role("arn:aws:iam::1:role/r", None, Some("us-east-1"));
        s.give("aws:RequestedRegion", "eu-west-1");
        s.give("aws:RequestedRegion", "eu-west-2");
        assert_eq!(
            s.key_lc("aws:requestedregion"),
            KeyView::Present(&["eu-west-1".to_owned(), "eu-west-2".to_owned()])
        );
    }
}
