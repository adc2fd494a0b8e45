//! Pod checks, reported once per owning workload: IRSA401–IRSA405.

use crate::analysis::finding::{Code, Entry, Finding, Grade, Severity, Stage};
use crate::arn;
use crate::inventory::Pod;
use crate::shell::{self, Kind, Refused};

/// Pods grouped by their owning workload (or alone for a bare pod).
pub struct Workload<'a> {
    pub kind: Option<&'a str>,
    pub name: &'a str,
    pub pods: Vec<&'a Pod>,
}

impl Workload<'_> {
    pub fn label(&self) -> String {
        match self.kind {
            Some(k) => format!("{k} {}", self.name),
            None => format!("pod {}", self.name),
        }
    }

    /// The command that recreates the pods so the webhook injects them again.
    pub fn restart_command(&self, namespace: &str) -> Result<String, Refused> {
        match self.kind {
            Some(k @ ("Deployment" | "StatefulSet" | "DaemonSet")) => shell::command(
                &format!(
                    "kubectl rollout restart {}/{{}} -n {{}}",
                    k.to_ascii_lowercase()
                ),
                &[(Kind::ObjectName, self.name), (Kind::Namespace, namespace)],
            ),
            _ => {
                let mut template = "kubectl delete pod -n {}".to_owned();
                let mut values = vec![(Kind::Namespace, namespace)];
                for p in &self.pods {
                    template.push_str(" {}");
                    values.push((Kind::ObjectName, p.name.as_str()));
                }
                if self.kind.is_none() {
                    template.push_str(" # then re-apply the pod's manifest");
                }
                shell::command(&template, &values)
            }
        }
    }

    fn pod_names(&self) -> Vec<String> {
        self.pods
            .iter()
            .take(10)
            .map(|p| p.name.to_string())
            .collect()
    }

    fn finding(&self, entry: &Entry, title: String, detail: String) -> Finding {
        let mut f = entry
            .finding(title, detail)
            .evidence("workload", self.label())
            .evidence("pods", self.pod_names())
            .evidence("pod_count", self.pods.len());
        f.pod = self.pods.first().map(|p| p.name.to_string());
        f
    }
}

/// Groups `pods` by owner, in first-seen order.
pub fn workloads<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Vec<Workload<'a>> {
    let mut out: Vec<Workload<'a>> = Vec::new();
    for p in pods {
        let (kind, name) = match &p.owner {
            Some(o) => (Some(o.kind.as_str()), o.name.as_str()),
            None => (None, p.name.as_str()),
        };
        match out
            .iter_mut()
            .find(|w| w.kind == kind && w.name == name && kind.is_some())
        {
            Some(w) => w.pods.push(p),
            None => out.push(Workload {
                kind,
                name,
                pods: vec![p],
            }),
        }
    }
    out
}

/// Completed pods no longer matter.
pub fn is_live(p: &Pod) -> bool {
    crate::inventory::phase_is_live(p.phase.as_deref())
}

pub const IRSA401: Entry = Entry {
    code: Code::IRSA401,
    grade: Grade::Is(Severity::Error),
    meaning: "the pod was not injected with IRSA credentials",
    why: "The pod identity webhook mutates pods only when they are created. Pods created before the annotation, while the webhook was down, or whose containers are listed in eks.amazonaws.com/skip-containers have no AWS_ROLE_ARN / token and use the node role instead.",
    fix: "Restart the owning workload (kubectl rollout restart deployment/NAME -n NS; StatefulSet and DaemonSet alike); delete and recreate a bare pod.",
    stage: Stage::Pod,
};

/// IRSA401: the ServiceAccount is annotated but these pods were not injected.
pub fn not_injected(
    namespace: &str,
    sa: &str,
    pods: &[&Pod],
    webhook_present: Option<bool>,
) -> Vec<Finding> {
    let missing = pods
        .iter()
        .copied()
        .filter(|p| is_live(p) && !p.irsa_injected() && !p.pod_identity_injected());
    workloads(missing)
        .into_iter()
        .map(|w| {
            let skipped = w.pods.iter().find_map(|p| p.skip_containers.as_deref().map(str::to_owned));
            let cause = match (webhook_present, &skipped) {
                (Some(false), _) => "the pod identity webhook is not installed on this cluster".to_owned(),
                (_, Some(s)) => format!("eks.amazonaws.com/skip-containers ({s}) excludes its containers"),
                _ => "the pods were most likely created before the annotation was added (the webhook only mutates new pods), or the webhook was down when they started".to_owned(),
            };
            w.finding(&IRSA401,
                format!(
                    "{} of {namespace}/{sa} runs without IRSA credentials ({})",
                    w.label(),
                    crate::text::count(w.pods.len(), "pod", "pods")
                ),
                format!(
                    "The ServiceAccount carries eks.amazonaws.com/role-arn, but these pods have neither AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE nor the projected token volume: {cause}. They fall back to the node role. Recreate them."
                ),
            )
            .evidence_if("skip_containers", skipped)
            .evidence("webhook_present", webhook_present)
            .fix_steps(vec![w.restart_command(namespace)])
        })
        .collect()
}

pub const IRSA402: Entry = Entry {
    code: Code::IRSA402,
    grade: Grade::Is(Severity::Error),
    meaning: "the pod's AWS_ROLE_ARN differs from its ServiceAccount's annotation",
    why: "AWS_ROLE_ARN is fixed at pod creation. After the annotation changed, running pods keep assuming the old role.",
    fix: "Restart the owning workload so new pods get the current role.",
    stage: Stage::Pod,
};

/// IRSA402: pods injected with another role than the current annotation.
pub fn stale_role(namespace: &str, sa: &str, annotation: &str, pods: &[&Pod]) -> Vec<Finding> {
    let stale = pods
        .iter()
        .copied()
        .filter(|p| is_live(p) && pod_role(p).is_some_and(|r| r != annotation));
    workloads(stale)
        .into_iter()
        .map(|w| {
            let injected = w.pods.first().and_then(|p| pod_role(p)).unwrap_or_default().to_owned();
            w.finding(&IRSA402,
                format!(
                    "{} of {namespace}/{sa} still uses role {} instead of the annotated one",
                    w.label(),
                    arn::name(&injected)
                ),
                "AWS_ROLE_ARN is set once, when the pod is created; the annotation changed since. These pods keep assuming the old role until they are recreated.".to_owned(),
            )
            .evidence("pod_aws_role_arn", injected)
            .evidence("annotation", annotation)
            .fix_steps(vec![w.restart_command(namespace)])
        })
        .collect()
}

/// The AWS_ROLE_ARN a pod was injected with.
pub fn pod_role(p: &Pod) -> Option<&str> {
    p.containers.iter().find_map(|c| c.aws_role_arn.as_deref())
}

pub const IRSA403: Entry = Entry {
    code: Code::IRSA403,
    grade: Grade::Is(Severity::Error),
    meaning: "a container sets static AWS credentials that shadow IRSA",
    why: "AWS SDKs look for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment before the web identity token, so static keys shadow IRSA: the pod acts as an IAM user with a long-lived key.",
    fix: "Remove the variables from the workload (kubectl set env deployment/NAME AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY-) and rotate the key.",
    stage: Stage::Pod,
};

/// IRSA403: static credentials in the environment shadow the web identity.
pub fn static_credentials(namespace: &str, sa: &str, pods: &[&Pod]) -> Vec<Finding> {
    let shadowed = pods.iter().copied().filter(|p| {
        is_live(p)
            && p.containers.iter().any(|c| {
                c.static_credential_vars
                    .iter()
                    .any(|v| v == "AWS_ACCESS_KEY_ID" || v == "AWS_SECRET_ACCESS_KEY")
            })
    });
    workloads(shadowed)
        .into_iter()
        .map(|w| {
            let containers: Vec<String> = w
                .pods
                .first()
                .map(|p| {
                    p.containers
                        .iter()
                        .filter(|c| !c.static_credential_vars.is_empty())
                        .map(|c| format!("{}: {}", c.name, c.static_credential_vars.join(", ")))
                        .collect()
                })
                .unwrap_or_default();
            w.finding(&IRSA403,
                format!("{} of {namespace}/{sa} sets static AWS credentials", w.label()),
                "AWS SDKs read AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY before the web identity token, so these containers use a long-lived access key and IRSA is bypassed. Remove the variables from the workload (values are not shown).".to_owned(),
            )
            .evidence("containers", containers)
            .fix_steps(vec![match w.kind {
                Some(k @ ("Deployment" | "StatefulSet" | "DaemonSet")) => shell::command(
                    &format!(
                        "kubectl set env {}/{{}} -n {{}} AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY- AWS_SESSION_TOKEN-",
                        k.to_ascii_lowercase()
                    ),
                    &[(Kind::ObjectName, w.name), (Kind::Namespace, namespace)],
                ),
                _ => Ok("remove AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the pod spec".to_owned()),
            }])
        })
        .collect()
}

pub const IRSA404: Entry = Entry {
    code: Code::IRSA404,
    grade: Grade::Is(Severity::Warning),
    meaning: "the pod runs as a ServiceAccount without IRSA while an annotated one is unused",
    why: "The namespace has a ServiceAccount carrying a role that no pod uses, while this pod runs without IRSA: serviceAccountName is most likely wrong (or missing and defaulting to default).",
    fix: "Set serviceAccountName to the annotated ServiceAccount (kubectl set serviceaccount deployment/NAME SA -n NS).",
    stage: Stage::Pod,
};

/// IRSA404: pods run as a ServiceAccount without IRSA while an annotated one sits unused.
pub fn wrong_service_account(
    namespace: &str,
    sa: &str,
    pods: &[&Pod],
    unused: &[&str],
) -> Vec<Finding> {
    let Some(candidate) = unused.first() else {
        return Vec::new();
    };
    workloads(pods.iter().copied().filter(|p| is_live(p) && !p.irsa_injected() && !p.pod_identity_injected()))
        .into_iter()
        .map(|w| {
            let fix = match w.kind {
                Some(k @ ("Deployment" | "StatefulSet" | "DaemonSet")) => shell::command(
                    &format!(
                        "kubectl set serviceaccount {}/{{}} {{}} -n {{}}",
                        k.to_ascii_lowercase()
                    ),
                    &[
                        (Kind::ObjectName, w.name),
                        (Kind::ObjectName, candidate),
                        (Kind::Namespace, namespace),
                    ],
                ),
                _ => Ok(format!(
                    "Set spec.serviceAccountName: {} in the manifest of {}.",
                    crate::text::escape_controls(candidate),
                    crate::text::escape_controls(&w.label())
                )),
            };
            w.finding(&IRSA404,
                format!(
                    "{} runs as {namespace}/{sa} (no IRSA) while {namespace}/{candidate} carries a role and no pod uses it",
                    w.label()
                ),
                format!(
                    "A ServiceAccount with eks.amazonaws.com/role-arn exists in {namespace} but no pod runs with it, and this workload runs without IRSA: serviceAccountName is probably wrong."
                ),
            )
            .evidence("service_account", sa)
            .evidence("unused_annotated_service_accounts", unused.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .fix_steps(vec![fix])
        })
        .collect()
}

pub const IRSA405: Entry = Entry {
    code: Code::IRSA405,
    grade: Grade::Is(Severity::Warning),
    meaning: "a pod without IRSA inherits a node role holding more than the baseline",
    why: "Pods without IRSA or Pod Identity get the node role credentials from the instance metadata service. When the node role holds more than the baseline, every such pod inherits those permissions.",
    fix: "Give the workload its own IRSA role, remove the extra policies from the node role, or block IMDS for pods (hop limit 1).",
    stage: Stage::Permissions,
};

/// IRSA405: pods without IRSA or Pod Identity on nodes whose role holds more than the baseline.
pub fn inherits_node_role(
    namespace: &str,
    sa: &str,
    pods: &[&Pod],
    role_arn: &str,
    extras: &[String],
) -> Vec<Finding> {
    workloads(pods.iter().copied())
        .into_iter()
        .map(|w| {
            w.finding(&IRSA405,
                format!(
                    "{} of {namespace}/{sa} inherits node role {} (more than the baseline)",
                    w.label(),
                    arn::name(role_arn)
                ),
                "Without IRSA or Pod Identity, the AWS SDK falls back to the instance metadata service and gets the node role's credentials, including the extra policies below. Give the workload its own role, or remove the extras from the node role.".to_owned(),
            )
            .evidence("node_role", role_arn)
            .evidence("extra_policies", extras.to_vec())
            .fix_steps(
                extras
                    .iter()
                    .filter(|p| p.starts_with("arn:"))
                    .map(|p| {
                        shell::command(
                            "aws iam detach-role-policy --role-name {} --policy-arn {}",
                            &[(Kind::RoleName, arn::name(role_arn)), (Kind::PolicyArn, p)],
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}
