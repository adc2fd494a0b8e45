//! IAM reads. One bulk pass of `GetAccountAuthorizationDetails` (roles and customer-managed
//! policies, largest pages) finds every role that trusts this cluster and every referenced
//! role, so the number of calls does not grow with roles, ServiceAccounts or pods. Only
//! where that call is denied: `ListRoles`, then per-role reads with bounded concurrency,
//! each distinct ARN once.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::EntityType;
use futures::StreamExt;

use super::calls::{CallLog, describe, error_code};
use crate::arn::{parse_role_arn, same_role};
use crate::inventory::{AttachedPolicy, InlinePolicy, OidcProvider, ReadStatus, Role};
use crate::policy::{PolicyDocument, decode_json};
use crate::sources::store::Store;

const CONCURRENCY: usize = 8;

pub async fn fetch(
    client: &Client,
    account: Option<&str>,
    referenced: &BTreeSet<String>,
    store: &Store,
    calls: &CallLog,
) {
    providers(client, account, store, calls).await;
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
    let mut roles: BTreeMap<String, Role> = match bulk(client, calls).await {
        Ok(all) => all
            .into_iter()
            .filter(|r| keep(r))
            .map(|r| (r.arn.clone(), r))
            .collect(),
        Err(reason) => {
            tracing::warn!(
                "iam:GetAccountAuthorizationDetails denied ({reason}); reading roles one by one"
            );
            fallback(client, referenced, &keep, calls).await
        }
    };
    // Referenced roles the account listing did not contain.
    for arn in referenced {
        if roles.contains_key(arn) || roles.keys().any(|k| same_role(arn, k)) {
            continue;
        }
        let role = match parse_role_arn(arn) {
            Ok(parsed) if account.is_some_and(|a| a != parsed.account) => Role {
                arn: arn.clone(),
                name: parsed.name.to_owned(),
                path: parsed.path.clone(),
                status: ReadStatus::Error,
                error: Some(format!(
                    "the role is in account {}; irsa-tui reads IAM with credentials of account {} (run it with a profile of that account to check this role)",
                    parsed.account,
                    account.unwrap_or("?")
                )),
                ..Default::default()
            },
            Ok(parsed) => read_role(client, parsed.name, calls).await,
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
    store.update(|d| d.roles = roles);
}

async fn providers(client: &Client, account: Option<&str>, store: &Store, calls: &CallLog) {
    calls.record("iam:ListOpenIDConnectProviders");
    let arns: Vec<String> = match client.list_open_id_connect_providers().send().await {
        Ok(out) => out
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect(),
        Err(e) => {
            tracing::warn!(
                "iam:ListOpenIDConnectProviders: {} (providers unknown)",
                describe(&e)
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
            Err(e) => tracing::warn!("iam:GetOpenIDConnectProvider {arn}: {}", describe(&e)),
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

/// Every role of the account with its policies, in as few calls as IAM allows.
async fn bulk(client: &Client, calls: &CallLog) -> Result<Vec<Role>, String> {
    let mut pages = client
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .max_items(1000)
        .into_paginator()
        .send();
    let mut details = Vec::new();
    let mut admin_policies = BTreeSet::new();
    while let Some(page) = pages.next().await {
        calls.record("iam:GetAccountAuthorizationDetails");
        let page = page.map_err(|e| describe(&e))?;
        for p in page.policies() {
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document());
            if let Some(arn) = p.arn()
                && is_admin(arn, default)
            {
                admin_policies.insert(arn.to_owned());
            }
        }
        details.extend(page.role_detail_list().iter().cloned());
    }
    Ok(details
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
                            admin: admin_policies.contains(&arn) || is_admin(&arn, None),
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
        .collect())
}

/// `ListRoles` (trust policies included), then full reads of the roles worth keeping.
async fn fallback(
    client: &Client,
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
                    "iam:ListRoles denied ({}); reading referenced roles only",
                    describe(&e)
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
        .map(|name| async move { read_role(client, &name, calls).await })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    roles.into_iter().map(|r| (r.arn.clone(), r)).collect()
}

/// GetRole, its attached and inline policies, and the documents of customer-managed ones.
/// NoSuchEntity and AccessDenied are recorded on the role.
async fn read_role(client: &Client, name: &str, calls: &CallLog) -> Role {
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
                error: Some(describe(&e)),
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
                    let admin =
                        is_admin(arn, None) || customer_policy_is_admin(client, arn, calls).await;
                    out.attached_policies.push(AttachedPolicy {
                        arn: arn.to_owned(),
                        name: a.policy_name().unwrap_or_default().to_owned(),
                        admin,
                    });
                }
            }
            Err(e) => {
                out.status = ReadStatus::Error;
                out.error = Some(describe(&e));
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
                out.error = Some(describe(&e));
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
            Err(e) => tracing::warn!("iam:GetRolePolicy {name}/{policy}: {}", describe(&e)),
        }
    }
    out
}

/// A customer-managed policy whose default version allows `*` on `*`.
async fn customer_policy_is_admin(client: &Client, arn: &str, calls: &CallLog) -> bool {
    if crate::arn::account(arn) == Some("aws") {
        return false;
    }
    calls.record("iam:GetPolicy");
    let Ok(policy) = client.get_policy().policy_arn(arn).send().await else {
        return false;
    };
    let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
        return false;
    };
    calls.record("iam:GetPolicyVersion");
    match client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
    {
        Ok(v) => is_admin(arn, v.policy_version().and_then(|v| v.document())),
        Err(_) => false,
    }
}
