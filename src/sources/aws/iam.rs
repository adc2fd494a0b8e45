//! IAM reads. One bulk pass of `GetAccountAuthorizationDetails` (roles and customer-managed
//! policies, largest pages) finds every role that trusts this cluster and every referenced
//! role, so the number of calls does not grow with roles, ServiceAccounts or pods. Only
//! where that call is denied: `ListRoles`, then per-role reads with bounded concurrency,
//! each distinct ARN once.
//!
//! The managed policies the kept roles attach or use as a permissions boundary go into
//! [`Inventory::managed_policies`](crate::inventory::Inventory::managed_policies), each
//! distinct ARN once with its default version's document: customer-managed ones from the
//! bulk pages (no extra call), the others (AWS-managed, or all of them where the bulk read is
//! denied) with one `GetPolicy` and one `GetPolicyVersion` per distinct ARN.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::EntityType;
use futures::StreamExt;

use super::calls::{CallLog, Endpoint, Service, describe, error_code};
use crate::arn::{parse_role_arn, same_role};
use crate::inventory::{
    AttachedPolicy, InlinePolicy, ManagedPolicy, OidcProvider, ReadStatus, Role,
};
use crate::policy::{PolicyDocument, decode_json};
use crate::sources::store::Store;

/// Reads at a time (per-role reads, managed policies).
pub(super) const CONCURRENCY: usize = 8;

pub async fn fetch(
    client: &Client,
    account: Option<&str>,
    referenced: &BTreeSet<String>,
    store: &Store,
    calls: &CallLog,
) {
    let at = Endpoint::of_client(Service::Iam, client.config().region());
    fetch_at(client, &at, account, referenced, store, calls).await;
}

/// [`fetch`], with where the client's calls go (for the sentences of its errors).
pub async fn fetch_at(
    client: &Client,
    at: &Endpoint,
    account: Option<&str>,
    referenced: &BTreeSet<String>,
    store: &Store,
    calls: &CallLog,
) {
    providers(client, at, account, store, calls).await;
    let provider = store.read(|d| {
        d.cluster
            .oidc_issuer
            .as_deref()
            .and_then(|i| crate::policy::Issuer::parse(i).ok())
            .map(|i| i.provider.to_lowercase())
    });
    let keep = |role: &Role| -> bool {
        referenced.contains(&role.arn)
            || referenced.iter().any(|r| same_role(r, &role.arn))
            || provider.as_deref().is_some_and(|p| {
                role.trust_policy
                    .as_deref()
                    .and_then(|t| decode_json(t).ok())
                    .is_some_and(|v| v.to_string().to_lowercase().contains(p))
            })
    };
    // `known`: the customer-managed policies the bulk pages carried, by ARN.
    let (mut roles, known): (BTreeMap<String, Role>, BTreeMap<String, ManagedPolicy>) =
        match bulk(client, at, calls).await {
            Ok((all, policies)) => (
                all.into_iter()
                    .filter(|r| keep(r))
                    .map(|r| (r.arn.clone(), r))
                    .collect(),
                policies,
            ),
            Err(reason) => {
                tracing::warn!(
                    "iam:GetAccountAuthorizationDetails denied ({reason}); reading roles one by one"
                );
                (
                    fallback(client, at, referenced, &keep, calls).await,
                    BTreeMap::new(),
                )
            }
        };
    // Referenced roles the account listing did not contain.
    for arn in referenced {
        if roles.contains_key(arn) || roles.keys().any(|k| same_role(arn, k)) {
            continue;
        }
        let role = match parse_role_arn(arn) {
            Ok(parsed) => match other_account(arn, account) {
                Some(unread) => unread,
                None => read_role(client, at, parsed.name, calls).await,
            },
            Err(_) => continue,
        };
        roles.insert(
            arn.clone(),
            Role {
                arn: arn.clone(),
                ..role
            },
        );
    }
    let policies = managed_policies(client, at, &roles, known, calls).await;
    mark_admin(&mut roles, &policies);
    store.update(|d| {
        *d.roles = roles;
        *d.managed_policies = policies;
    });
}

/// A role of another account than the credentials' (`account`): not read, and said why.
/// `None` for a role of the credentials' account (or when that is not known).
pub(super) fn other_account(arn: &str, account: Option<&str>) -> Option<Role> {
    let parsed = parse_role_arn(arn).ok()?;
    let ours = account?;
    (ours != parsed.account).then(|| Role {
        arn: arn.to_owned(),
        name: parsed.name.to_owned(),
        path: parsed.path.clone(),
        status: ReadStatus::Error,
        error: Some(format!(
            "the role is in account {}; irsa-tui reads IAM with credentials of account {ours} (run it with a profile of that account to check this role)",
            parsed.account
        )),
        ..Default::default()
    })
}

/// The managed policies `roles` attach or use as a permissions boundary, each distinct ARN
/// once, sorted by ARN. Those in `known` (from the bulk pages) cost nothing; each other
/// distinct ARN is read once ([`read_policy`]), `CONCURRENCY` at a time, so the calls grow
/// with the distinct policies, never with the roles using them.
///
/// AWS-managed policies are not asked for in the bulk read (its `AWSManagedPolicy` filter):
/// that returns every AWS-managed policy (about 1,300) with all its versions, megabytes over
/// several pages, to use the handful the roles attach; two small calls per distinct
/// AWS-managed policy are fewer bytes and, for a few tens of policies, about as many calls.
async fn managed_policies(
    client: &Client,
    at: &Endpoint,
    roles: &BTreeMap<String, Role>,
    mut known: BTreeMap<String, ManagedPolicy>,
    calls: &CallLog,
) -> Vec<ManagedPolicy> {
    let used: BTreeSet<&str> = roles
        .values()
        .flat_map(|r| {
            r.attached_policies
                .iter()
                .map(|p| p.arn.as_str())
                .chain(r.permissions_boundary.as_deref())
        })
        .filter(|arn| !arn.is_empty())
        .collect();
    known.retain(|arn, _| used.contains(arn.as_str()));
    let missing: Vec<String> = used
        .iter()
        .filter(|arn| !known.contains_key(**arn))
        .map(|arn| (*arn).to_owned())
        .collect();
    let read: Vec<ManagedPolicy> = futures::stream::iter(missing)
        .map(|arn| async move { read_policy(client, at, &arn, calls).await })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    known.extend(read.into_iter().map(|p| (p.arn.clone(), p)));
    known.into_values().collect()
}

/// GetPolicy (the default version's id), then GetPolicyVersion (its document). A policy that
/// cannot be read is kept, with `document: None` and why in `error`.
pub(super) async fn read_policy(
    client: &Client,
    at: &Endpoint,
    arn: &str,
    calls: &CallLog,
) -> ManagedPolicy {
    let mut out = ManagedPolicy {
        arn: arn.to_owned(),
        name: policy_name(arn, None),
        ..Default::default()
    };
    calls.record("iam:GetPolicy");
    let policy = match client.get_policy().policy_arn(arn).send().await {
        Ok(o) => o.policy().cloned(),
        Err(e) => {
            let why = describe(&e, "iam:GetPolicy", at);
            tracing::warn!("managed policy {arn} not read: {why}");
            out.error = Some(why);
            return out;
        }
    };
    out.name = policy_name(arn, policy.as_ref().and_then(|p| p.policy_name()));
    out.default_version = policy
        .as_ref()
        .and_then(|p| p.default_version_id())
        .map(str::to_owned);
    let Some(version) = out.default_version.clone() else {
        out.error = Some("iam:GetPolicy named no default version for the policy".into());
        return out;
    };
    calls.record("iam:GetPolicyVersion");
    match client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
    {
        Ok(v) => match v.policy_version().and_then(|v| v.document()) {
            Some(doc) => out.document = Some(doc.to_owned()),
            None => {
                out.error = Some(format!(
                    "iam:GetPolicyVersion returned no document for version {version}"
                ));
            }
        },
        Err(e) => {
            let why = describe(&e, "iam:GetPolicyVersion", at);
            tracing::warn!("managed policy {arn} not read: {why}");
            out.error = Some(why);
        }
    }
    out
}

/// The policy's name as IAM gave it, else the ARN's last segment (`arn:…:policy/path/NAME`).
fn policy_name(arn: &str, given: Option<&str>) -> String {
    given
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default())
        .to_owned()
}

/// Marks the attached customer-managed policies whose default document allows `*` on `*`,
/// from the documents already read (AWS-managed ones by name only, as `is_admin` does).
pub(super) fn mark_admin(roles: &mut BTreeMap<String, Role>, policies: &[ManagedPolicy]) {
    for role in roles.values_mut() {
        for attached in &mut role.attached_policies {
            if attached.admin || crate::arn::account(&attached.arn) == Some("aws") {
                continue;
            }
            let document = policies
                .binary_search_by(|p| p.arn.as_str().cmp(&attached.arn))
                .ok()
                .and_then(|i| policies[i].document.as_deref());
            attached.admin = is_admin(&attached.arn, document);
        }
    }
}

async fn providers(
    client: &Client,
    at: &Endpoint,
    account: Option<&str>,
    store: &Store,
    calls: &CallLog,
) {
    calls.record("iam:ListOpenIDConnectProviders");
    let arns: Vec<String> = match client.list_open_id_connect_providers().send().await {
        Ok(out) => out
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect(),
        Err(e) => {
            tracing::warn!(
                "{} (providers unknown)",
                describe(&e, "iam:ListOpenIDConnectProviders", at)
            );
            return;
        }
    };
    let mut found = Vec::new();
    for arn in arns {
        calls.record("iam:GetOpenIDConnectProvider");
        match client
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .send()
            .await
        {
            Ok(out) => found.push(OidcProvider {
                url: out
                    .url()
                    .unwrap_or_default()
                    .trim_start_matches("https://")
                    .to_owned(),
                client_ids: out.client_id_list().to_vec(),
                thumbprints: out.thumbprint_list().to_vec(),
                arn,
            }),
            Err(e) => tracing::warn!(
                "{arn}: {}",
                describe(&e, "iam:GetOpenIDConnectProvider", at)
            ),
        }
    }
    store.update(|d| {
        d.oidc_providers = found;
        d.oidc_provider_accounts = account.map(|a| vec![a.to_owned()]).unwrap_or_default();
    });
}

fn is_admin(arn: &str, document: Option<&str>) -> bool {
    arn.ends_with(":iam::aws:policy/AdministratorAccess")
        || document
            .and_then(|d| PolicyDocument::parse(d).ok())
            .is_some_and(|d| d.grants_full_access())
}

/// Every role of the account with its policies, in as few calls as IAM allows, and the
/// account's customer-managed policies (by ARN) with their default version's document.
async fn bulk(
    client: &Client,
    at: &Endpoint,
    calls: &CallLog,
) -> Result<(Vec<Role>, BTreeMap<String, ManagedPolicy>), String> {
    let mut pages = client
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .max_items(1000)
        .into_paginator()
        .send();
    let mut details = Vec::new();
    let mut policies = BTreeMap::new();
    while let Some(page) = pages.next().await {
        calls.record("iam:GetAccountAuthorizationDetails");
        let page = page.map_err(|e| describe(&e, "iam:GetAccountAuthorizationDetails", at))?;
        for p in page.policies() {
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version());
            // Without its default document here, the policy is read on its own if used.
            if let (Some(arn), Some(document)) = (p.arn(), default.and_then(|v| v.document())) {
                policies.insert(
                    arn.to_owned(),
                    ManagedPolicy {
                        arn: arn.to_owned(),
                        name: policy_name(arn, p.policy_name()),
                        default_version: p
                            .default_version_id()
                            .or_else(|| default.and_then(|v| v.version_id()))
                            .map(str::to_owned),
                        document: Some(document.to_owned()),
                        error: None,
                    },
                );
            }
        }
        details.extend(page.role_detail_list().iter().cloned());
    }
    let roles = details
        .into_iter()
        .filter_map(|r| {
            let arn = r.arn()?.to_owned();
            Some(Role {
                name: r.role_name().unwrap_or_default().to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
                status: ReadStatus::Ok,
                error: None,
                trust_policy: r.assume_role_policy_document().map(str::to_owned),
                max_session_duration: None,
                permissions_boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                attached_policies: r
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| {
                        let arn = p.policy_arn()?.to_owned();
                        Some(AttachedPolicy {
                            // Customer-managed ones are decided on their documents later.
                            admin: is_admin(&arn, None),
                            name: p.policy_name().unwrap_or_default().to_owned(),
                            arn,
                        })
                    })
                    .collect(),
                inline_policies: r
                    .role_policy_list()
                    .iter()
                    .map(|p| InlinePolicy {
                        name: p.policy_name().unwrap_or_default().to_owned(),
                        document: p.policy_document().unwrap_or_default().to_owned(),
                    })
                    .collect(),
                role_id: r.role_id().map(str::to_owned),
                tags: Some(
                    r.tags()
                        .iter()
                        .map(|t| (t.key().to_owned(), t.value().to_owned()))
                        .collect(),
                ),
                arn,
            })
        })
        .collect();
    Ok((roles, policies))
}

/// `ListRoles` (trust policies included), then full reads of the roles worth keeping.
async fn fallback(
    client: &Client,
    at: &Endpoint,
    referenced: &BTreeSet<String>,
    keep: &(dyn Fn(&Role) -> bool + Sync),
    calls: &CallLog,
) -> BTreeMap<String, Role> {
    let mut names: Vec<String> = Vec::new();
    let mut pages = client.list_roles().max_items(1000).into_paginator().send();
    let mut listed = true;
    while let Some(page) = pages.next().await {
        calls.record("iam:ListRoles");
        match page {
            Ok(p) => {
                for r in p.roles() {
                    let candidate = Role {
                        arn: r.arn().to_owned(),
                        name: r.role_name().to_owned(),
                        trust_policy: r.assume_role_policy_document().map(str::to_owned),
                        ..Default::default()
                    };
                    if keep(&candidate) {
                        names.push(candidate.name);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(
                    "iam:ListRoles failed ({}); reading referenced roles only",
                    describe(&e, "iam:ListRoles", at)
                );
                listed = false;
                break;
            }
        }
    }
    if !listed {
        names = referenced
            .iter()
            .filter_map(|a| parse_role_arn(a).ok().map(|p| p.name.to_owned()))
            .collect();
    }
    names.sort();
    names.dedup();
    let roles: Vec<Role> = futures::stream::iter(names)
        .map(|name| async move { read_role(client, at, &name, calls).await })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    roles.into_iter().map(|r| (r.arn.clone(), r)).collect()
}

/// GetRole, its attached and inline policies (the managed policies' documents are read
/// later, once per distinct ARN for all roles).
/// NoSuchEntity and AccessDenied are recorded on the role.
pub(super) async fn read_role(client: &Client, at: &Endpoint, name: &str, calls: &CallLog) -> Role {
    calls.record("iam:GetRole");
    let role = match client.get_role().role_name(name).send().await {
        Ok(out) => out.role().cloned(),
        Err(e) => {
            let status = if error_code(&e) == Some("NoSuchEntity") {
                ReadStatus::NotFound
            } else {
                ReadStatus::Error
            };
            return Role {
                name: name.to_owned(),
                status,
                error: Some(describe(&e, "iam:GetRole", at)),
                ..Default::default()
            };
        }
    };
    let Some(role) = role else {
        return Role {
            name: name.to_owned(),
            status: ReadStatus::Error,
            error: Some("GetRole returned no role".into()),
            ..Default::default()
        };
    };
    let mut out = Role {
        arn: role.arn().to_owned(),
        name: role.role_name().to_owned(),
        path: role.path().to_owned(),
        status: ReadStatus::Ok,
        error: None,
        trust_policy: role.assume_role_policy_document().map(str::to_owned),
        max_session_duration: role.max_session_duration(),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        attached_policies: Vec::new(),
        inline_policies: Vec::new(),
        role_id: Some(role.role_id().to_owned()),
        tags: Some(
            role.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        ),
    };
    let mut attached = client
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send();
    while let Some(page) = attached.next().await {
        calls.record("iam:ListAttachedRolePolicies");
        match page {
            Ok(p) => {
                for a in p.attached_policies() {
                    let Some(arn) = a.policy_arn() else { continue };
                    // Customer-managed ones are decided on their documents, read once each
                    // for all roles (`managed_policies`, `mark_admin`).
                    out.attached_policies.push(AttachedPolicy {
                        arn: arn.to_owned(),
                        name: a.policy_name().unwrap_or_default().to_owned(),
                        admin: is_admin(arn, None),
                    });
                }
            }
            Err(e) => {
                out.status = ReadStatus::Error;
                out.error = Some(describe(&e, "iam:ListAttachedRolePolicies", at));
                return out;
            }
        }
    }
    let mut inline = client
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .send();
    let mut inline_names = Vec::new();
    while let Some(page) = inline.next().await {
        calls.record("iam:ListRolePolicies");
        match page {
            Ok(p) => inline_names.extend(p.policy_names().iter().cloned()),
            Err(e) => {
                out.status = ReadStatus::Error;
                out.error = Some(describe(&e, "iam:ListRolePolicies", at));
                return out;
            }
        }
    }
    for policy in inline_names {
        calls.record("iam:GetRolePolicy");
        match client
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy)
            .send()
            .await
        {
            Ok(p) => out.inline_policies.push(InlinePolicy {
                name: policy,
                document: p.policy_document().to_owned(),
            }),
            Err(e) => tracing::warn!("{name}/{policy}: {}", describe(&e, "iam:GetRolePolicy", at)),
        }
    }
    out
}
