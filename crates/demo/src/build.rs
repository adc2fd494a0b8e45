//! Turns the tables of [`super::catalog`] into inventory records.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use irsa_tui::inventory::{
    AttachedPolicy, AwsStatus, Cluster, Container, InlinePolicy, Inventory, Node, NodeRole,
    OidcProvider, Owner, Pod, PodIdentityAssociation, ReadStatus, Role, ServiceAccount,
    SourceHealth, SourceState, TokenVolume,
};

use super::catalog::{
    ADMINISTRATOR_ACCESS, Binding, CROSS_ACCOUNT, HEALTHY, Kind, NAMESPACES, NODE_GROUPS,
    NODE_ROLES, Namespace, PLATFORM_TEAM, Pi, STORIES, Story, TEAMS, Trust, UNTAGGED,
    URL_ENCODED_TRUST, Workload,
};
use super::policies::{inline_policies, managed_policies};
use super::rng::Rng;
use super::trust::{
    DEFAULT_AUDIENCE, Provider, condition, document, eksctl_statement, pod_identity_statement,
    subject, url_encode, web_identity,
};
use crate::names::{ACCOUNT, CLUSTER, ISSUER_ID, REGION};

pub(crate) const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
pub(crate) const POD_IDENTITY_URI: &str = "http://169.254.170.23/v1/credentials";
const DEFAULT_EXPIRATION: i64 = 86400;
const CAPTURED_AT: &str = "2026-11-20T09:30:00Z";
/// Tonight's CronJob and workflow runs: 2026-11-20T02:00Z, and that time in minutes since
/// the epoch (the suffix of a CronJob's Job names).
const NIGHTLY_RUN: &str = "2026-11-20T02:00:";
const NIGHTLY_RUN_MINUTE: u64 = 29_919_000;
/// GetRole's error texts (the demo's reader is `platform-readonly`).
const READER: &str = "arn:aws:sts::111122223333:assumed-role/platform-readonly/jane.doe";

/// The demo cluster: see `catalog.rs` for the stories it tells.
pub(crate) fn generate() -> Inventory {
    let provider = Provider::new(REGION, ISSUER_ID);
    let mut inv = skeleton(&provider);
    let nodes = nodes(NODE_GROUPS.iter().map(|g| (g.name, g.nodes)));
    let bindings: Vec<&Binding> = HEALTHY.iter().chain(STORIES).collect();

    for namespace in NAMESPACES {
        inv.service_accounts
            .extend(service_accounts(namespace, &bindings));
        for workload in namespace.workloads {
            let binding = find(&bindings, namespace.name, workload.service_account());
            inv.pods.extend(pods(namespace, workload, binding, &nodes));
        }
    }
    inv.roles = irsa_roles(&bindings, &provider);
    inv.pod_identity_associations = bindings
        .iter()
        .filter(|b| matches!(b.story, Story::PodIdentity(_)))
        .map(|b| association(b))
        .collect();
    for spec in NODE_ROLES {
        let nodegroup = spec
            .sources
            .iter()
            .find_map(|s| s.strip_prefix("nodegroup/"));
        inv.roles.push(Role {
            tags: Some(match nodegroup {
                Some(group) => eksctl_tags(&[
                    ("alpha.eksctl.io/nodegroup-name", group),
                    ("alpha.eksctl.io/nodegroup-type", "managed"),
                ]),
                None => team_tags(PLATFORM_TEAM, "legacy-workers"),
            }),
            inline_policies: spec
                .inline
                .iter()
                .map(|(name, doc)| InlinePolicy {
                    name: (*name).to_owned(),
                    document: (*doc).to_owned(),
                })
                .collect(),
            ..readable_role(
                ACCOUNT,
                spec.role,
                Some(document(vec![json!({
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                })])),
                spec.policies,
            )
        });
        inv.node_roles.push(NodeRole {
            role_arn: role_arn(ACCOUNT, spec.role),
            sources: spec.sources.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    for role in &mut inv.roles {
        if role.status == ReadStatus::Ok {
            role.role_id = Some(Rng::new(&format!("roles/{}", role.arn)).role_id());
        }
    }
    inv.managed_policies = managed_policies(&inv.roles);
    inv.nodes = nodes.into_iter().flatten().collect();
    // IRSA704: associations exist, the eks-pod-identity-agent add-on is not installed yet.
    inv.pod_identity_agent_present = Some(false);
    // IRSA301: the warehouse account's providers were listed (none for this cluster);
    // 444455556666 (IRSA103) could not be read, so it is not listed.
    inv.oidc_provider_accounts.push(CROSS_ACCOUNT.to_owned());
    inv.sources = sources(true);
    inv.evidence = crate::evidence::evidence();
    inv
}

/// Cluster, provider, webhook and AWS status shared by the demo and synthetic clusters.
pub(crate) fn skeleton(provider: &Provider) -> Inventory {
    let mut inv = Inventory::new();
    let arn = format!("arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}");
    inv.captured_at = Some(CAPTURED_AT.to_owned());
    inv.context = Some(arn.clone());
    inv.cluster = Cluster {
        name: Some(CLUSTER.to_owned()),
        arn: Some(arn),
        account: Some(ACCOUNT.to_owned()),
        region: Some(REGION.to_owned()),
        partition: Some("aws".to_owned()),
        oidc_issuer: Some(provider.issuer()),
        found: Some(true),
    };
    inv.oidc_providers = vec![OidcProvider {
        arn: provider.arn(ACCOUNT),
        url: provider.host_path.clone(),
        client_ids: vec![DEFAULT_AUDIENCE.to_owned()],
        thumbprints: vec!["9e99a48a9960b14926bb7f3b02e22da2b0ab7280".to_owned()],
    }];
    inv.oidc_provider_accounts = vec![ACCOUNT.to_owned()];
    inv.webhook_present = Some(true);
    inv.pod_identity_agent_present = Some(true);
    inv.aws = AwsStatus {
        reachable: true,
        skipped: false,
        error: None,
        read_at: None,
    };
    inv.sources = sources(false);
    inv
}

/// The Kubernetes sources read; with `aws_auth_forbidden`, IRSA602: the reader may not
/// get the aws-auth ConfigMap.
pub(crate) fn sources(aws_auth_forbidden: bool) -> Vec<SourceHealth> {
    let ok = |resource: &str, namespace: Option<&str>| SourceHealth {
        resource: resource.to_owned(),
        namespace: namespace.map(str::to_owned),
        state: SourceState::Ok,
        message: None,
        count: None,
        syncing_since: None,
        unreachable_since: None,
    };
    let mut sources = vec![
        ok("serviceaccounts", None),
        ok("pods", None),
        ok("nodes", None),
        ok("mutatingwebhookconfigurations", None),
        ok("daemonsets", None),
    ];
    if aws_auth_forbidden {
        sources.push(SourceHealth {
            state: SourceState::Forbidden,
            message: Some(format!(
                "configmaps \"aws-auth\" is forbidden: User \"{READER}\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"kube-system\""
            )),
            ..ok("configmaps", Some("kube-system"))
        });
    }
    sources
}

/// Node names per node group, as `ip-10-0-X-Y.REGION.compute.internal` spread over three
/// /19 subnets (one per availability zone).
pub(crate) fn nodes<'a>(groups: impl Iterator<Item = (&'a str, usize)>) -> Vec<Vec<Node>> {
    let mut seen = std::collections::HashSet::new();
    let mut rng = Rng::new("nodes");
    groups
        .map(|(group, count)| {
            (0..count)
                .map(|i| {
                    loop {
                        let zone = (i % 3) as u64;
                        let third = zone * 32 + rng.range(0, 31);
                        let fourth = rng.range(4, 254);
                        let name = format!("ip-10-0-{third}-{fourth}.{REGION}.compute.internal");
                        if seen.insert(name.clone()) {
                            break Node {
                                name,
                                nodegroup: Some(group.to_owned()),
                            };
                        }
                    }
                })
                .collect()
        })
        .collect()
}

fn find<'a>(bindings: &[&'a Binding], ns: &str, sa: &str) -> Option<&'a Binding> {
    bindings.iter().find(|b| b.ns == ns && b.sa == sa).copied()
}

pub(crate) fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

/// The account a binding's role lives in.
fn account(binding: &Binding) -> &'static str {
    match binding.story {
        Story::RoleUnreadable(account) | Story::CrossAccount(account) => account,
        _ => ACCOUNT,
    }
}

/// `eks.amazonaws.com/role-arn`, as the ServiceAccount carries it.
fn annotation(binding: &Binding) -> Option<String> {
    match binding.story {
        Story::Annotation(value) => Some(value.to_owned()),
        Story::NotAnnotated
        | Story::PodIdentity(Pi::Healthy | Pi::NoTagSession | Pi::RoleMissing) => None,
        _ => Some(role_arn(account(binding), binding.role)),
    }
}

fn audience(binding: &Binding) -> &'static str {
    match binding.story {
        Story::Audience(audience) => audience,
        _ => DEFAULT_AUDIENCE,
    }
}

/// `default`, the workloads' ServiceAccounts, annotated ones no workload uses, idle ones.
fn service_accounts(namespace: &Namespace, bindings: &[&Binding]) -> Vec<ServiceAccount> {
    let mut names: Vec<&str> = vec!["default"];
    let from_bindings = bindings
        .iter()
        .filter(|b| b.ns == namespace.name)
        .map(|b| b.sa);
    let candidates = namespace
        .workloads
        .iter()
        .map(Workload::service_account)
        .chain(from_bindings)
        .chain(namespace.idle_sas.iter().copied());
    for name in candidates {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mut rng = Rng::new(&format!("serviceaccounts/{}/{name}", namespace.name));
            let binding = find(bindings, namespace.name, name);
            ServiceAccount {
                namespace: namespace.name.to_owned(),
                name: name.to_owned(),
                uid: Some(rng.uid()),
                created: Some(rng.timestamp((2024, 2), (2026, 5))),
                role_arn: binding.and_then(annotation),
                audience: binding
                    .filter(|b| matches!(b.story, Story::Audience(_)))
                    .map(|b| audience(b).to_owned()),
                token_expiration: match binding.map(|b| b.story) {
                    Some(Story::TokenExpiration(value)) => Some(value.to_owned()),
                    _ => None,
                },
                sts_regional_endpoints: None,
            }
        })
        .collect()
}

/// What the webhooks put into a pod of this binding.
enum Injection {
    None,
    Irsa {
        role_arn: String,
        audience: String,
        expiration: i64,
    },
    PodIdentity,
}

fn injection(binding: Option<&Binding>) -> Injection {
    let Some(binding) = binding else {
        return Injection::None;
    };
    match binding.story {
        Story::PodsNotInjected | Story::NotAnnotated => Injection::None,
        Story::PodIdentity(_) => Injection::PodIdentity,
        story => {
            let role_arn = match story {
                Story::PodsStaleRole(old) => Some(old.to_owned()),
                _ => annotation(binding),
            };
            let expiration = match story {
                Story::TokenExpiration(value) => value
                    .parse::<i64>()
                    .map_or(DEFAULT_EXPIRATION, |s| s.clamp(600, DEFAULT_EXPIRATION)),
                _ => DEFAULT_EXPIRATION,
            };
            match role_arn {
                Some(role_arn) => Injection::Irsa {
                    role_arn,
                    audience: audience(binding).to_owned(),
                    expiration,
                },
                None => Injection::None,
            }
        }
    }
}

/// A container as the webhooks leave it.
pub(crate) fn container(name: &str, role_arn: Option<&str>, pod_identity: bool) -> Container {
    Container {
        name: name.into(),
        aws_role_arn: role_arn.map(Into::into),
        aws_web_identity_token_file: role_arn.map(|_| TOKEN_FILE.into()),
        aws_sts_regional_endpoints: (role_arn.is_some() || pod_identity).then(|| "regional".into()),
        aws_container_credentials_full_uri: pod_identity.then(|| POD_IDENTITY_URI.into()),
        static_credential_vars: Vec::new(),
    }
}

/// The pods of one workload: names, owner, placement and injection.
fn pods(
    namespace: &Namespace,
    workload: &Workload,
    binding: Option<&Binding>,
    nodes: &[Vec<Node>],
) -> Vec<Pod> {
    let mut rng = Rng::new(&format!("pods/{}/{}", namespace.name, workload.name));
    let created = match (workload.kind, binding.map(|b| b.story)) {
        // Started by tonight's schedule, still running at capture time.
        (Kind::Job | Kind::Workflow, _) => format!("{NIGHTLY_RUN}{:02}Z", rng.range(2, 40)),
        (_, Some(Story::PodsNotInjected | Story::PodsStaleRole(_))) => {
            rng.timestamp((2026, 6), (2026, 7))
        }
        _ => rng.timestamp((2026, 9), (2026, 11)),
    };
    let all_nodes: Vec<&Node> = nodes.iter().flatten().collect();
    let pool: Vec<&Node> = nodes
        .get(namespace.pool as usize)
        .map(|group| group.iter().collect())
        .unwrap_or_default();
    let (owner, names, placement): (Option<Owner>, Vec<String>, Vec<&Node>) = match workload.kind {
        Kind::DaemonSet => (
            owner("DaemonSet", workload.name),
            all_nodes
                .iter()
                .map(|_| format!("{}-{}", workload.name, rng.name_suffix()))
                .collect(),
            all_nodes.clone(),
        ),
        kind => {
            let (owner, names) = match kind {
                Kind::Deployment => {
                    let hash = rng.template_hash();
                    let names = (0..workload.replicas)
                        .map(|_| format!("{}-{hash}-{}", workload.name, rng.name_suffix()))
                        .collect();
                    (owner("Deployment", workload.name), names)
                }
                Kind::StatefulSet => (
                    owner("StatefulSet", workload.name),
                    (0..workload.replicas)
                        .map(|i| format!("{}-{i}", workload.name))
                        .collect(),
                ),
                Kind::Job => {
                    let job = format!("{}-{NIGHTLY_RUN_MINUTE}", workload.name);
                    let names = (0..workload.replicas)
                        .map(|_| format!("{job}-{}", rng.name_suffix()))
                        .collect();
                    (owner("Job", &job), names)
                }
                Kind::Workflow => {
                    let workflow = format!("{}-{}", workload.name, rng.name_suffix());
                    let names = (0..workload.replicas)
                        .map(|_| format!("{workflow}-{}", rng.digits(10)))
                        .collect();
                    (owner("Workflow", &workflow), names)
                }
                Kind::Bare | Kind::DaemonSet => (None, vec![workload.name.to_owned()]),
            };
            let start = rng.range(0, pool.len().saturating_sub(1) as u64) as usize;
            let placement = (0..workload.replicas)
                .filter_map(|i| pool.get((start + i) % pool.len().max(1)).copied())
                .collect();
            (owner, names, placement)
        }
    };
    let injection = injection(binding);
    let static_in = match binding.map(|b| b.story) {
        Some(Story::StaticCredentials(container)) => Some(container),
        _ => None,
    };
    let container_names: Vec<&str> = if workload.containers.is_empty() {
        vec![workload.name]
    } else {
        workload.containers.to_vec()
    };
    names
        .into_iter()
        .zip(placement)
        .map(|(name, node)| {
            let containers = container_names
                .iter()
                .map(|c| {
                    let mut container = match &injection {
                        Injection::None => container(c, None, false),
                        Injection::Irsa { role_arn, .. } => container(c, Some(role_arn), false),
                        Injection::PodIdentity => container(c, None, true),
                    };
                    if static_in == Some(*c) {
                        container.static_credential_vars = vec![
                            "AWS_ACCESS_KEY_ID".to_owned(),
                            "AWS_SECRET_ACCESS_KEY".to_owned(),
                        ];
                    }
                    container
                })
                .collect();
            Pod {
                namespace: namespace.name.into(),
                name: name.into(),
                service_account: workload.service_account().into(),
                node: Some(node.name.as_str().into()),
                phase: Some("Running".into()),
                created: Some(created.as_str().into()),
                owner: owner.clone(),
                containers,
                token_volume: match &injection {
                    Injection::Irsa {
                        audience,
                        expiration,
                        ..
                    } => Some(TokenVolume {
                        audience: Some(audience.as_str().into()),
                        expiration_seconds: Some(*expiration),
                    }),
                    _ => None,
                },
                skip_containers: None,
            }
        })
        .collect()
}

fn owner(kind: &str, name: &str) -> Option<Owner> {
    Some(Owner {
        kind: kind.into(),
        name: name.into(),
    })
}

/// A role GetRole returned, with its attached managed policies.
pub(crate) fn readable_role(
    account: &str,
    role: &str,
    trust_policy: Option<String>,
    policies: &[&str],
) -> Role {
    let (path, name) = match role.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), role),
    };
    Role {
        arn: role_arn(account, role),
        name: name.to_owned(),
        path,
        status: ReadStatus::Ok,
        error: None,
        trust_policy,
        max_session_duration: Some(3600),
        permissions_boundary: None,
        attached_policies: policies.iter().map(|arn| attached(arn)).collect(),
        inline_policies: Vec::new(),
        role_id: None,
        tags: None,
    }
}

pub(crate) fn attached(arn: &str) -> AttachedPolicy {
    AttachedPolicy {
        arn: arn.to_owned(),
        name: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        admin: arn == ADMINISTRATOR_ACCESS,
    }
}

/// One role record per distinct role the bindings name, in the order first named.
fn irsa_roles(bindings: &[&Binding], provider: &Provider) -> Vec<Role> {
    let mut roles: Vec<Role> = Vec::new();
    for binding in bindings {
        if binding.role.is_empty() || matches!(binding.story, Story::Annotation(_)) {
            continue;
        }
        let account = account(binding);
        let arn = role_arn(account, binding.role);
        if roles.iter().any(|r| r.arn == arn) {
            continue;
        }
        let sharing: Vec<&Binding> = bindings
            .iter()
            .filter(|b| b.role == binding.role && account == self::account(b))
            .copied()
            .collect();
        let name = binding.role.rsplit('/').next().unwrap_or(binding.role);
        let role = match binding.story {
            Story::RoleMissing | Story::PodIdentity(Pi::RoleMissing) => Role {
                status: ReadStatus::NotFound,
                error: Some(format!(
                    "NoSuchEntity: The role with name {name} cannot be found."
                )),
                trust_policy: None,
                max_session_duration: None,
                attached_policies: Vec::new(),
                ..readable_role(account, binding.role, None, &[])
            },
            Story::RoleUnreadable(_) => Role {
                status: ReadStatus::Error,
                error: Some(format!(
                    "AccessDenied: User: {READER} is not authorized to perform: iam:GetRole on resource: role {name} because no resource-based policy allows the iam:GetRole action"
                )),
                trust_policy: None,
                max_session_duration: None,
                ..readable_role(account, binding.role, None, &[])
            },
            story => {
                let text = trust_policy(binding, &sharing, provider);
                let text = if URL_ENCODED_TRUST.contains(&binding.role) {
                    url_encode(&text)
                } else {
                    text
                };
                Role {
                    permissions_boundary: match story {
                        Story::Boundary(arn) => Some(arn.to_owned()),
                        _ => None,
                    },
                    inline_policies: inline_policies(name)
                        .into_iter()
                        .map(|(name, document)| InlinePolicy {
                            name: name.to_owned(),
                            document,
                        })
                        .collect(),
                    tags: Some(role_tags(binding, &sharing)),
                    ..readable_role(account, binding.role, Some(text), binding.policies)
                }
            }
        };
        roles.push(role);
    }
    roles
}

/// The tags of a binding's role: eksctl's on the roles it created, none on a few, and
/// `team`, `cost-center` and `app` on the others.
fn role_tags(binding: &Binding, sharing: &[&Binding]) -> BTreeMap<String, String> {
    let name = binding.role.rsplit('/').next().unwrap_or(binding.role);
    if UNTAGGED.contains(&name) {
        return BTreeMap::new();
    }
    if name.starts_with("eksctl-") {
        let sa = format!("{}/{}", binding.ns, binding.sa);
        return eksctl_tags(&[("alpha.eksctl.io/iamserviceaccount-name", &sa)]);
    }
    let team = TEAMS
        .iter()
        .find(|(ns, _, _)| *ns == binding.ns)
        .map_or(PLATFORM_TEAM, |(_, team, cost)| (*team, *cost));
    let app = if sharing.len() > 1 {
        name.strip_prefix("shop-prod-").unwrap_or(name)
    } else {
        binding.sa
    };
    team_tags(team, app)
}

fn team_tags((team, cost_center): (&str, &str), app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("team".to_owned(), team.to_owned()),
        ("cost-center".to_owned(), cost_center.to_owned()),
        ("app".to_owned(), app.to_owned()),
    ])
}

/// The tags eksctl puts on the roles it creates, plus `extra`.
fn eksctl_tags(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    [
        ("alpha.eksctl.io/cluster-name", CLUSTER),
        ("alpha.eksctl.io/eksctl-version", "0.194.0"),
        ("eksctl.cluster.k8s.io/v1alpha1/cluster-name", CLUSTER),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// The trust policy of a readable role, from the story of the binding that names it first
/// and the subjects of every binding sharing it.
fn trust_policy(binding: &Binding, sharing: &[&Binding], provider: &Provider) -> String {
    let account = account(binding);
    let federated = provider.arn(account);
    let own = [subject(binding.ns, binding.sa)];
    let subjects: Vec<String> = sharing.iter().map(|b| subject(b.ns, b.sa)).collect();
    let correct = || eksctl_statement(provider, account, &subjects, audience(binding));
    let with = |entries: &[(&str, String, Value)]| {
        web_identity("Allow", &federated, Some(condition(entries)))
    };
    let aud = || Value::from(DEFAULT_AUDIENCE);
    let statements = match binding.story {
        Story::Trust(trust) => match trust {
            Trust::Ec2Service => vec![json!({
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            })],
            Trust::OldIssuer(id) => {
                let old = Provider::new(REGION, id);
                vec![eksctl_statement(&old, account, &own, DEFAULT_AUDIENCE)]
            }
            Trust::Subject(sub) => vec![with(&[
                ("StringEquals", provider.key("aud"), aud()),
                ("StringEquals", provider.key("sub"), Value::from(sub)),
            ])],
            Trust::HttpsKeys => vec![with(&[
                (
                    "StringEquals",
                    format!("https://{}", provider.key("aud")),
                    aud(),
                ),
                (
                    "StringEquals",
                    format!("https://{}", provider.key("sub")),
                    Value::from(own[0].clone()),
                ),
            ])],
            Trust::AudienceIsIssuer => vec![with(&[
                (
                    "StringEquals",
                    provider.key("aud"),
                    Value::from(provider.issuer()),
                ),
                (
                    "StringEquals",
                    provider.key("sub"),
                    Value::from(own[0].clone()),
                ),
            ])],
            Trust::ExactWildcard(sub) => vec![with(&[
                ("StringEquals", provider.key("aud"), aud()),
                ("StringEquals", provider.key("sub"), Value::from(sub)),
            ])],
            Trust::Deny(pattern) => {
                let mut deny = web_identity(
                    "Deny",
                    &federated,
                    Some(condition(&[(
                        "StringLike",
                        provider.key("sub"),
                        Value::from(pattern),
                    )])),
                );
                if let Value::Object(map) = &mut deny {
                    map.insert("Sid".to_owned(), Value::from("FreezeDuringDataMigration"));
                }
                vec![correct(), deny]
            }
            Trust::Operator(operator) => vec![with(&[
                (operator, provider.key("aud"), aud()),
                (operator, provider.key("sub"), Value::from(own[0].clone())),
            ])],
            Trust::PrincipalTag(team) => vec![with(&[
                ("StringEquals", provider.key("aud"), aud()),
                (
                    "StringEquals",
                    provider.key("sub"),
                    Value::from(own[0].clone()),
                ),
                (
                    "StringEquals",
                    "aws:PrincipalTag/team".to_owned(),
                    Value::from(team),
                ),
            ])],
            Trust::SubPattern(pattern) => vec![with(&[
                ("StringEquals", provider.key("aud"), aud()),
                ("StringLike", provider.key("sub"), Value::from(pattern)),
            ])],
            Trust::NoAudience => vec![with(&[(
                "StringEquals",
                provider.key("sub"),
                Value::from(own[0].clone()),
            )])],
            Trust::AnyPrincipal => vec![json!({
                "Sid": "LegacyCI",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
            })],
        },
        Story::PodIdentity(Pi::Healthy) => vec![pod_identity_statement(true)],
        Story::PodIdentity(Pi::NoTagSession) => vec![pod_identity_statement(false)],
        Story::PodIdentity(Pi::AlsoIrsa) => vec![correct(), pod_identity_statement(true)],
        _ => vec![correct()],
    };
    document(statements)
}

fn association(binding: &Binding) -> PodIdentityAssociation {
    let mut rng = Rng::new(&format!("associations/{}/{}", binding.ns, binding.sa));
    PodIdentityAssociation {
        namespace: binding.ns.to_owned(),
        service_account: binding.sa.to_owned(),
        role_arn: role_arn(account(binding), binding.role),
        association_id: Some(rng.association_id()),
    }
}
