//! Reducers: Kubernetes objects → the slim inventory records. Each object is reduced as it
//! arrives and then dropped, so full pods are never kept. Values of static credential
//! variables are never read: only their names.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use crate::inventory::{
    self, ANNOTATION_AUDIENCE, ANNOTATION_ROLE_ARN, ANNOTATION_SKIP_CONTAINERS,
    ANNOTATION_STS_REGIONAL, ANNOTATION_TOKEN_EXPIRATION, Name, Names, Owner,
    STATIC_CREDENTIAL_VARS, TokenVolume,
};

/// The volume the EKS pod identity webhook adds for IRSA.
pub const IRSA_TOKEN_VOLUME: &str = "aws-iam-token";
/// The audience of the EKS Pod Identity token (not an IRSA token).
pub const POD_IDENTITY_AUDIENCE: &str = "pods.eks.amazonaws.com";
/// Node labels naming the node's group, in order of preference.
pub const NODEGROUP_LABELS: &[&str] = &[
    "eks.amazonaws.com/nodegroup",
    "alpha.eksctl.io/nodegroup-name",
    "karpenter.sh/nodepool",
];
/// The label the Deployment controller puts on its ReplicaSets and their pods.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Audiences the API server uses for its own tokens (or none: the default).
const DEFAULT_AUDIENCES: &[&str] = &[
    "",
    "https://kubernetes.default.svc",
    "https://kubernetes.default.svc.cluster.local",
    "kubernetes.default.svc",
    "api",
];

/// A pod as the checks read it: identity, owner, the AWS-related environment of every
/// container (init containers included, after the regular ones), the IRSA token volume and
/// `eks.amazonaws.com/skip-containers`. Its repeated values come from `names`, one copy
/// each; its name is its own.
pub fn reduce_pod(pod: &core::Pod, names: &mut Names) -> inventory::Pod {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let mut containers: Vec<inventory::Container> = spec
        .into_iter()
        .flat_map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
        })
        .map(|c| reduce_container(c, names))
        .collect();
    // One per pod in the store: no spare capacity (a flattened iterator collects into at
    // least four, 600 bytes for a pod of one container).
    containers.shrink_to_fit();
    inventory::Pod {
        namespace: names.name(meta.namespace.as_deref().unwrap_or_default()),
        name: Name::from(meta.name.as_deref().unwrap_or_default()),
        service_account: names.name(
            spec.and_then(|s| {
                non_empty(s.service_account_name.as_deref())
                    .or_else(|| non_empty(s.service_account.as_deref()))
            })
            .unwrap_or("default"),
        ),
        node: names.optional(spec.and_then(|s| non_empty(s.node_name.as_deref()))),
        phase: names.optional(
            pod.status
                .as_ref()
                .and_then(|s| non_empty(s.phase.as_deref())),
        ),
        created: names.optional(rfc3339(meta.creation_timestamp.as_ref()).as_deref()),
        owner: owner_of(meta, names),
        token_volume: spec.and_then(|s| token_volume(s, names)),
        skip_containers: names.optional(annotation(meta, ANNOTATION_SKIP_CONTAINERS).as_deref()),
        containers,
    }
}

fn reduce_container(c: &core::Container, names: &mut Names) -> inventory::Container {
    let mut out = inventory::Container {
        name: names.name(&c.name),
        ..Default::default()
    };
    // Later entries win, as in the kubelet.
    for var in c.env.iter().flatten() {
        let value = var.value.as_deref().filter(|v| !v.is_empty());
        let slot = match var.name.as_str() {
            "AWS_ROLE_ARN" => &mut out.aws_role_arn,
            "AWS_WEB_IDENTITY_TOKEN_FILE" => &mut out.aws_web_identity_token_file,
            "AWS_STS_REGIONAL_ENDPOINTS" => &mut out.aws_sts_regional_endpoints,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI" => &mut out.aws_container_credentials_full_uri,
            name if STATIC_CREDENTIAL_VARS.contains(&name) => {
                // The name only; whether by value or from a Secret/ConfigMap.
                let set = value.is_some() || var.value_from.is_some();
                if set && !out.static_credential_vars.iter().any(|n| n == name) {
                    out.static_credential_vars.push(name.to_owned());
                }
                continue;
            }
            _ => continue,
        };
        *slot = names.optional(value);
    }
    out
}

/// The owning workload: the controller reference (else the first owner); a ReplicaSet of a
/// Deployment is reported as the Deployment.
pub fn owner_of(meta: &ObjectMeta, names: &mut Names) -> Option<Owner> {
    let refs = meta.owner_references.as_deref().unwrap_or_default();
    let owner = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())?;
    if owner.kind == "ReplicaSet"
        && let Some(deployment) = deployment_of(&owner.name, label(meta, POD_TEMPLATE_HASH))
    {
        return Some(Owner {
            kind: names.name("Deployment"),
            name: names.name(deployment),
        });
    }
    Some(Owner {
        kind: names.name(&owner.kind),
        name: names.name(&owner.name),
    })
}

/// `web-7c9f8d6b5` → `web` when `7c9f8d6b5` is the pod-template-hash (or, without the
/// label, looks like one: the Deployment controller's safe alphabet, 5–10 characters).
fn deployment_of<'a>(replicaset: &'a str, hash: Option<&str>) -> Option<&'a str> {
    let (name, suffix) = replicaset.rsplit_once('-')?;
    if name.is_empty() {
        return None;
    }
    let matches = match hash {
        Some(hash) => suffix == hash,
        None => {
            const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
            (5..=10).contains(&suffix.len()) && suffix.bytes().all(|b| SAFE.contains(&b))
        }
    };
    matches.then_some(name)
}

/// The IRSA token volume: the webhook's `aws-iam-token`; else the volume mounted where a
/// container's `AWS_WEB_IDENTITY_TOKEN_FILE` points; else a projected ServiceAccount token
/// with an audience that is neither the API server's nor EKS Pod Identity's.
fn token_volume(spec: &core::PodSpec, names: &mut Names) -> Option<TokenVolume> {
    let t = token_projection(spec)?;
    Some(TokenVolume {
        audience: names.optional(audience(t)),
        expiration_seconds: t.expiration_seconds,
    })
}

fn audience(t: &core::ServiceAccountTokenProjection) -> Option<&str> {
    t.audience.as_deref().filter(|a| !a.is_empty())
}

/// The projection behind [`token_volume`].
fn token_projection(spec: &core::PodSpec) -> Option<&core::ServiceAccountTokenProjection> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    fn token_of(v: &core::Volume) -> Option<&core::ServiceAccountTokenProjection> {
        v.projected
            .as_ref()?
            .sources
            .iter()
            .flatten()
            .find_map(|s| s.service_account_token.as_ref())
    }
    if let Some(t) = volumes
        .iter()
        .filter(|v| v.name == IRSA_TOKEN_VOLUME)
        .find_map(token_of)
    {
        return Some(t);
    }
    let mounted_for_token_file = spec.containers.iter().find_map(|c| {
        let file = c
            .env
            .iter()
            .flatten()
            .rev()
            .find(|e| e.name == "AWS_WEB_IDENTITY_TOKEN_FILE")?
            .value
            .as_deref()?;
        c.volume_mounts.iter().flatten().find_map(|m| {
            let dir = m.mount_path.trim_end_matches('/');
            let inside = file
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'));
            inside.then_some(m.name.as_str())
        })
    });
    if let Some(t) = mounted_for_token_file
        .and_then(|name| volumes.iter().find(|v| v.name == name))
        .and_then(token_of)
    {
        return Some(t);
    }
    volumes.iter().filter_map(token_of).find(|t| {
        audience(t).is_some_and(|a| !DEFAULT_AUDIENCES.contains(&a) && a != POD_IDENTITY_AUDIENCE)
    })
}

/// A ServiceAccount from its metadata: identity and the four `eks.amazonaws.com/*`
/// annotations, verbatim.
pub fn reduce_service_account(meta: &ObjectMeta) -> inventory::ServiceAccount {
    inventory::ServiceAccount {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().filter(|u| !u.is_empty()),
        created: rfc3339(meta.creation_timestamp.as_ref()),
        role_arn: annotation(meta, ANNOTATION_ROLE_ARN),
        audience: annotation(meta, ANNOTATION_AUDIENCE),
        token_expiration: annotation(meta, ANNOTATION_TOKEN_EXPIRATION),
        sts_regional_endpoints: annotation(meta, ANNOTATION_STS_REGIONAL),
    }
}

/// A node from its metadata: name and node group (see [`NODEGROUP_LABELS`]).
pub fn reduce_node(meta: &ObjectMeta) -> inventory::Node {
    inventory::Node {
        name: meta.name.clone().unwrap_or_default(),
        nodegroup: NODEGROUP_LABELS
            .iter()
            .find_map(|l| label(meta, l))
            .map(str::to_owned),
    }
}

/// The node role ARNs in an aws-auth `mapRoles` value: entries whose `groups` contain
/// `system:nodes`. Entries that are not mappings or lack `rolearn` are skipped with a
/// warning; text that is not a YAML list is an error.
pub fn aws_auth_node_roles(map_roles: &str) -> Result<Vec<String>, String> {
    if map_roles.trim().is_empty() {
        return Ok(Vec::new());
    }
    let entries: Vec<serde_json::Value> = serde_saphyr::from_str(map_roles).map_err(|e| {
        format!(
            "kube-system/aws-auth mapRoles is not a YAML list of role mappings: {}",
            one_line(&e.to_string())
        )
    })?;
    let mut roles: Vec<String> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(fields) = entry.as_object() else {
            tracing::warn!(
                entry = i,
                "aws-auth mapRoles entry is not a mapping; skipped"
            );
            continue;
        };
        let groups: Vec<&str> = match fields.get("groups") {
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(serde_json::Value::as_str).collect()
            }
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            _ => Vec::new(),
        };
        if !groups.iter().any(|g| g.trim() == "system:nodes") {
            continue;
        }
        match fields
            .get("rolearn")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            Some(arn) if !roles.iter().any(|r| r == arn) => roles.push(arn.to_owned()),
            Some(_) => {}
            None => tracing::warn!(
                entry = i,
                "aws-auth mapRoles entry in system:nodes has no rolearn; skipped"
            ),
        }
    }
    Ok(roles)
}

fn annotation(meta: &ObjectMeta, key: &str) -> Option<String> {
    meta.annotations.as_ref()?.get(key).cloned()
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    labels(meta)?
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn labels(meta: &ObjectMeta) -> Option<&BTreeMap<String, String>> {
    meta.labels.as_ref()
}

fn rfc3339(time: Option<&Time>) -> Option<String> {
    time.map(|t| t.0.to_string())
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|s| !s.is_empty())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const IRSA_POD: &str = include_str!("../../../tests/common/fixtures/pod-irsa-injected.yaml");
    const POD_IDENTITY_POD: &str =
        include_str!("../../../tests/common/fixtures/pod-pod-identity-injected.yaml");

    fn pod(yaml: &str) -> core::Pod {
        serde_saphyr::from_str(yaml).expect("a pod")
    }

    #[test]
    fn a_slim_pod_holds_no_spare_container_slots() {
        // One slim pod per pod of the cluster stays in the store: a collected flattened
        // iterator would keep room for four containers (600 bytes) for one.
        for yaml in [IRSA_POD, POD_IDENTITY_POD] {
            let p = reduce_pod(&pod(yaml), &mut Names::default());
            assert!(!p.containers.is_empty());
            assert_eq!(p.containers.capacity(), p.containers.len(), "{}", p.name);
        }
    }

    #[test]
    fn irsa_injected_fixture() {
        let p = reduce_pod(&pod(IRSA_POD), &mut Names::default());
        assert_eq!(p.namespace, "production");
        assert_eq!(p.name, "s3-writer-7c9f8d6b5-x7k2p");
        assert_eq!(p.service_account, "s3-writer");
        assert_eq!(
            p.node.as_deref(),
            Some("ip-10-0-12-34.us-east-1.compute.internal")
        );
        assert_eq!(p.phase.as_deref(), Some("Running"));
        assert_eq!(p.created.as_deref(), Some("2026-10-02T08:14:51Z"));
        assert_eq!(
            p.owner,
            Some(Owner {
                kind: "Deployment".into(),
                name: "s3-writer".into()
            })
        );
        assert_eq!(p.containers.len(), 1);
        let c = &p.containers[0];
        assert_eq!(c.name, "app");
        assert_eq!(
            c.aws_role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/S3WriterRole")
        );
        assert_eq!(
            c.aws_web_identity_token_file.as_deref(),
            Some("/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
        );
        assert_eq!(c.aws_sts_regional_endpoints.as_deref(), Some("regional"));
        assert_eq!(c.aws_container_credentials_full_uri, None);
        assert!(c.static_credential_vars.is_empty());
        assert_eq!(
            p.token_volume,
            Some(TokenVolume {
                audience: Some("sts.amazonaws.com".into()),
                expiration_seconds: Some(86400)
            })
        );
        assert_eq!(p.skip_containers, None);
        assert!(p.irsa_injected());
        assert!(!p.pod_identity_injected());
    }

    /// What a pod carries, from the real IRSA and Pod Identity shapes to the drill-down's
    /// evidence: the role (said once: it is the annotation), the token's audience and
    /// lifetime, the STS endpoint, the node and its role; no other env value is kept.
    #[test]
    fn real_pods_carry_their_evidence_to_the_report() {
        use crate::analysis::{PodRoleArn, Settings, analyze};
        let irsa = reduce_pod(&pod(IRSA_POD), &mut Names::default());
        let identity = reduce_pod(&pod(POD_IDENTITY_POD), &mut Names::default());
        let node_role = "arn:aws:iam::111122223333:role/eks-node-general";
        let mut inv = inventory::Inventory::new();
        inv.service_accounts = vec![
            inventory::ServiceAccount {
                namespace: "production".into(),
                name: "s3-writer".into(),
                role_arn: Some("arn:aws:iam::111122223333:role/S3WriterRole".into()),
                ..Default::default()
            },
            inventory::ServiceAccount {
                namespace: "analytics".into(),
                name: "reporter".into(),
                ..Default::default()
            },
        ];
        inv.pod_identity_associations = vec![inventory::PodIdentityAssociation {
            namespace: "analytics".into(),
            service_account: "reporter".into(),
            role_arn: "arn:aws:iam::111122223333:role/reporter".into(),
            association_id: None,
        }];
        inv.nodes = [
            "ip-10-0-12-34.us-east-1.compute.internal",
            "ip-10-0-33-7.us-east-1.compute.internal",
        ]
        .map(|n| inventory::Node {
            name: n.into(),
            nodegroup: Some("general".into()),
        })
        .to_vec();
        inv.node_roles = vec![inventory::NodeRole {
            role_arn: node_role.into(),
            sources: vec!["nodegroup/general".into()],
        }];
        inv.pods = vec![irsa, identity];
        let snapshot = inv.to_snapshot_json();
        assert!(
            !snapshot.contains("my-app-uploads"),
            "other env values are not kept"
        );
        let report = analyze(&inv, &Settings::default());
        let pod_of = |sa: &str| {
            report
                .bindings
                .iter()
                .find(|b| b.service_account == sa)
                .and_then(|b| b.pods.first())
                .expect("the pod")
        };
        let p = pod_of("s3-writer");
        assert!(p.injected);
        let e = &p.evidence();
        assert_eq!(e.role_arn, PodRoleArn::Annotation);
        assert_eq!(
            e.token,
            Some((Some("sts.amazonaws.com".into()), Some(86400)))
        );
        assert_eq!(e.sts_regional_endpoints.as_deref(), Some("regional"));
        assert_eq!(e.node_role.as_deref(), Some(node_role));
        assert_eq!(e.phase.as_deref(), Some("Running"));
        assert!(!e.pod_identity);
        let p = pod_of("reporter");
        let e = p.evidence();
        assert!(p.injected && e.pod_identity);
        assert_eq!(e.role_arn, PodRoleArn::None);
        assert_eq!(e.token, None, "the Pod Identity token is not IRSA's");
        assert_eq!(e.node_role.as_deref(), Some(node_role));
    }

    #[test]
    fn pod_identity_fixture() {
        let p = reduce_pod(&pod(POD_IDENTITY_POD), &mut Names::default());
        assert_eq!(
            (p.namespace.as_str(), p.service_account.as_str()),
            ("analytics", "reporter")
        );
        assert_eq!(p.owner.as_ref().map(|o| o.name.as_str()), Some("reporter"));
        let c = &p.containers[0];
        assert_eq!(
            c.aws_container_credentials_full_uri.as_deref(),
            Some("http://169.254.170.23/v1/credentials")
        );
        assert_eq!(c.aws_role_arn, None);
        // The Pod Identity token is not an IRSA token volume.
        assert_eq!(p.token_volume, None);
        assert!(p.pod_identity_injected());
        assert!(!p.irsa_injected());
    }

    #[test]
    fn odd_pods() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  namespace: ops
  annotations:
    eks.amazonaws.com/skip-containers: "sidecar"
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: hand-made, uid: u1}
spec:
  initContainers:
  - name: init
    env:
    - name: AWS_SESSION_TOKEN
      valueFrom: {secretKeyRef: {name: creds, key: token}}
  containers:
  - name: app
    env:
    - {name: AWS_ACCESS_KEY_ID, value: AKIAEXAMPLE}
    - {name: AWS_SECRET_ACCESS_KEY, valueFrom: {secretKeyRef: {name: creds, key: secret}}}
    - {name: AWS_ACCESS_KEY_ID, value: AKIAAGAIN}
    - {name: AWS_ROLE_ARN, value: "arn:aws:iam::1:role/old"}
    - {name: AWS_ROLE_ARN, value: "arn:aws:iam::1:role/new"}
    - {name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /custom/token/file}
    volumeMounts:
    - {name: my-token, mountPath: /custom/token/}
  volumes:
  - name: vault
    projected:
      sources:
      - serviceAccountToken: {audience: vault, path: t}
  - name: my-token
    projected:
      sources:
      - serviceAccountToken: {audience: sts.amazonaws.com, expirationSeconds: 3600, path: file}
"#;
        let p = reduce_pod(&pod(yaml), &mut Names::default());
        assert_eq!(p.service_account, "default");
        assert_eq!(p.node, None);
        assert_eq!(p.phase, None);
        assert_eq!(p.created, None);
        assert_eq!(p.skip_containers.as_deref(), Some("sidecar"));
        // A ReplicaSet without a Deployment's hash stays a ReplicaSet.
        assert_eq!(
            p.owner.as_ref().map(|o| o.kind.as_str()),
            Some("ReplicaSet")
        );
        let names: Vec<&str> = p.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["app", "init"]);
        assert_eq!(
            p.containers[0].static_credential_vars,
            ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        );
        assert_eq!(
            p.containers[1].static_credential_vars,
            ["AWS_SESSION_TOKEN"]
        );
        assert_eq!(
            p.containers[0].aws_role_arn.as_deref(),
            Some("arn:aws:iam::1:role/new")
        );
        // No value of a static credential variable is kept anywhere.
        let json = serde_json::to_string(&p).expect("serialises");
        assert!(!json.contains("AKIA"), "{json}");
        // The volume mounted where the token file points, not the vault token.
        assert_eq!(
            p.token_volume.and_then(|t| t.expiration_seconds),
            Some(3600)
        );
    }

    #[test]
    fn owners() {
        let with = |kind: &str, name: &str, hash: Option<&str>| {
            let mut meta = ObjectMeta::default();
            meta.owner_references = Some(vec![
                k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                    kind: kind.into(),
                    name: name.into(),
                    controller: Some(true),
                    ..Default::default()
                },
            ]);
            if let Some(h) = hash {
                meta.labels = Some([(POD_TEMPLATE_HASH.to_owned(), h.to_owned())].into());
            }
            owner_of(&meta, &mut Names::default()).map(|o| (o.kind.to_string(), o.name.to_string()))
        };
        let own = |k: &str, n: &str| Some((k.to_owned(), n.to_owned()));
        assert_eq!(
            with("ReplicaSet", "api-v2-5d8f7b9c4", Some("5d8f7b9c4")),
            own("Deployment", "api-v2")
        );
        assert_eq!(
            with("ReplicaSet", "api-v2-5d8f7b9c4", None),
            own("Deployment", "api-v2")
        );
        assert_eq!(
            with("ReplicaSet", "api-v2-5d8f7b9c4", Some("other")),
            own("ReplicaSet", "api-v2-5d8f7b9c4")
        );
        assert_eq!(
            with("StatefulSet", "db", Some("x")),
            own("StatefulSet", "db")
        );
        assert_eq!(with("DaemonSet", "agent", None), own("DaemonSet", "agent"));
        assert_eq!(
            with("Job", "backup-29000000", None),
            own("Job", "backup-29000000")
        );
        assert_eq!(
            owner_of(&ObjectMeta::default(), &mut Names::default()),
            None
        );
    }

    #[test]
    fn service_accounts_and_nodes() {
        let mut meta = ObjectMeta {
            name: Some("api".into()),
            namespace: Some("prod".into()),
            uid: Some("u-1".into()),
            ..Default::default()
        };
        meta.annotations = Some(
            [
                (ANNOTATION_ROLE_ARN, " arn:aws:iam::1:role/api"),
                (ANNOTATION_AUDIENCE, "sts.amazonaws.com"),
                (ANNOTATION_TOKEN_EXPIRATION, "3600"),
                (ANNOTATION_STS_REGIONAL, "true"),
                ("other", "x"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        let sa = reduce_service_account(&meta);
        assert_eq!(
            sa.role_arn.as_deref(),
            Some(" arn:aws:iam::1:role/api"),
            "verbatim"
        );
        assert_eq!(sa.token_expiration.as_deref(), Some("3600"));
        assert_eq!(sa.sts_regional_endpoints.as_deref(), Some("true"));
        assert_eq!(sa.uid.as_deref(), Some("u-1"));

        let node = |labels: &[(&str, &str)]| {
            reduce_node(&ObjectMeta {
                name: Some("n".into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                ),
                ..Default::default()
            })
            .nodegroup
        };
        assert_eq!(
            node(&[
                ("karpenter.sh/nodepool", "default"),
                ("eks.amazonaws.com/nodegroup", "ng-1")
            ])
            .as_deref(),
            Some("ng-1")
        );
        assert_eq!(
            node(&[("alpha.eksctl.io/nodegroup-name", "ng-2")]).as_deref(),
            Some("ng-2")
        );
        assert_eq!(
            node(&[("karpenter.sh/nodepool", "spot")]).as_deref(),
            Some("spot")
        );
        assert_eq!(node(&[]), None);
    }

    #[test]
    fn aws_auth_map_roles() {
        let text = r#"
- rolearn: arn:aws:iam::111122223333:role/eks-node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
- rolearn: arn:aws:iam::111122223333:role/admin
  username: admin
  groups: [system:masters]
- rolearn: arn:aws:iam::111122223333:role/eks-node
  groups: [system:nodes]
- just a string
- groups: [system:nodes]
- {"rolearn": "arn:aws:iam::111122223333:role/windows", "groups": ["system:nodes", "eks:kube-proxy-windows"]}
"#;
        assert_eq!(
            aws_auth_node_roles(text).expect("parses"),
            [
                "arn:aws:iam::111122223333:role/eks-node",
                "arn:aws:iam::111122223333:role/windows"
            ]
        );
        assert_eq!(
            aws_auth_node_roles("  \n").expect("empty"),
            Vec::<String>::new()
        );
        for bad in ["rolearn: x", "- [unclosed", "42"] {
            let err = aws_auth_node_roles(bad).expect_err(bad);
            assert!(err.contains("aws-auth") && !err.contains('\n'), "{err}");
        }
    }
}
