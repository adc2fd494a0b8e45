//! Do the binding's pods get its role's credentials right now? The question an SRE asks
//! first in an incident ("would these pods' SDK get credentials for this role if it asked
//! now"), answered beside the status (which stays the worst finding's: an exposed role that
//! works is `failing` too, and a role without policies that works is only an error).
//!
//! Decided from the trust evaluation and the findings that stop the credentials:
//! - denied: STS refuses the token (IRSA201–IRSA208, IRSA210), the annotation is not a role
//!   (IRSA101), the role does not exist (IRSA102), the OIDC provider is missing or does not
//!   list the audience (IRSA301, IRSA302), the cluster has no issuer (IRSA303), pods were not
//!   injected, carry another role or static keys that shadow it (IRSA401–IRSA403), a pod
//!   started now would not be injected (no webhook, IRSA601), or a Pod Identity blocker
//!   (IRSA702–IRSA704, pods without the Pod Identity injection);
//! - unknown: the role could not be read (IRSA103), the trust policy could not be judged
//!   (IRSA209), the cluster was not found, the OIDC providers of the role's account, the
//!   Pod Identity agent or the namespace's pods were not read;
//! - yes otherwise.
//!
//! A denial wins over an unknown: one certain blocker is enough.

use crate::inventory::{Pod, SourceState};

use super::finding::{Code, Finding};
use super::index::Index;
use super::report::{Assumes, Decision, Mechanism, TrustView};

impl Code {
    /// An exposure of the role: principals other than this ServiceAccount may assume it
    /// (IRSA220–IRSA223).
    pub fn exposes(self) -> bool {
        matches!(
            self,
            Code::IRSA220 | Code::IRSA221 | Code::IRSA222 | Code::IRSA223
        )
    }

    /// A finding of this code on a binding means its pods do not get the role's
    /// credentials (IRSA303 only when the cluster was found: see [`decide`]).
    pub fn stops_credentials(self) -> bool {
        use Code::*;
        matches!(
            self,
            IRSA101
                | IRSA102
                | IRSA201
                | IRSA202
                | IRSA203
                | IRSA204
                | IRSA205
                | IRSA206
                | IRSA207
                | IRSA208
                | IRSA210
                | IRSA301
                | IRSA302
                | IRSA303
                | IRSA401
                | IRSA402
                | IRSA403
                | IRSA601
                | IRSA702
                | IRSA703
                | IRSA704
        )
    }
}

/// What a binding's answer is decided from.
pub struct Facts<'a> {
    pub mechanism: Mechanism,
    /// The binding's findings, worst first.
    pub findings: &'a [Finding],
    /// The IRSA trust evaluation, when there was one.
    pub trust: Option<&'a TrustView>,
    /// The pods that run (completed ones no longer ask for credentials).
    pub live: &'a [&'a Pod],
    /// The role's account, for an IRSA binding whose annotation is a role ARN.
    pub irsa_account: Option<&'a str>,
    pub namespace: &'a str,
}

/// Why the pods of `namespace` are not known (their source is forbidden, failing, or still
/// syncing), if they are not: its own source when it was read namespace by namespace, else
/// the cluster-wide one. No source recorded (a demo, an old snapshot) is read.
fn pods_unread(inv: &crate::inventory::Inventory, namespace: &str) -> Option<String> {
    let pods = || inv.sources.iter().filter(|s| s.resource == "pods");
    let source = pods()
        .find(|s| s.namespace.as_deref() == Some(namespace))
        .or_else(|| pods().find(|s| s.namespace.is_none()))?;
    let state = match source.state {
        SourceState::Ok => return None,
        SourceState::Syncing => "are still being read",
        SourceState::Forbidden => "could not be read (forbidden, IRSA602)",
        SourceState::Failed => "could not be read (IRSA602)",
        // The server stopped answering after the pods were read (a server that never answers
        // ends the start-up sync): what was read stands, the header says since when it is
        // stale.
        SourceState::Unreachable => return None,
    };
    Some(format!("the pods of namespace {namespace} {state}"))
}

fn first_of(findings: &[Finding], wanted: impl Fn(&Finding) -> bool) -> Option<String> {
    findings
        .iter()
        .find(|f| wanted(f))
        .map(|f| format!("{} {}", f.code, f.title))
}

/// The answer and why, in one line; `None` for a binding without a role.
pub fn decide(idx: &Index, facts: &Facts) -> Option<(Assumes, String)> {
    let Facts {
        mechanism,
        findings,
        trust,
        live,
        irsa_account,
        namespace,
    } = *facts;
    if mechanism == Mechanism::None {
        return None;
    }
    let inv = idx.inv;
    let irsa = matches!(mechanism, Mechanism::Irsa | Mechanism::Both);
    let pod_identity = matches!(mechanism, Mechanism::PodIdentity | Mechanism::Both);
    let cluster_lost = inv.cluster.found == Some(false);

    let denied = first_of(findings, |f| {
        f.code.stops_credentials() && !(f.code == Code::IRSA303 && cluster_lost)
    })
    .or_else(|| {
        // Pods without any injection: IRSA401 says so for IRSA; Pod Identity has no code.
        let bare = live
            .iter()
            .filter(|p| !p.irsa_injected() && !p.pod_identity_injected())
            .count();
        (mechanism == Mechanism::PodIdentity && bare > 0).then(|| {
            format!(
                "{bare} of {} running pods carry no Pod Identity credentials (created before the association: restart them)",
                live.len()
            )
        })
    })
    .or_else(|| {
        (irsa && live.is_empty() && inv.webhook_present == Some(false)).then(|| {
            "no pod identity webhook: a pod started now gets no IRSA credentials (IRSA601)"
                .to_owned()
        })
    })
    .or_else(|| {
        trust
            .filter(|t| t.decision == Decision::Deny)
            .filter(|_| !findings.iter().any(|f| f.code == Code::IRSA209))
            .map(|_| "the trust policy denies this ServiceAccount's token".to_owned())
    });
    if let Some(why) = denied {
        return Some((Assumes::Denied, why));
    }

    let unknown = first_of(findings, |f| {
        matches!(f.code, Code::IRSA103 | Code::IRSA209)
            || (f.code == Code::IRSA303 && cluster_lost)
    })
    .or_else(|| {
        let account = irsa_account.filter(|_| irsa)?;
        idx.provider_in(account).is_err().then(|| {
            format!("the IAM OIDC providers of account {account} were not read: STS may not know this cluster's issuer")
        })
    })
    .or_else(|| (irsa && trust.is_none()).then(|| "the trust policy was not evaluated".to_owned()))
    .or_else(|| pods_unread(inv, namespace))
    .or_else(|| {
        (pod_identity && inv.pod_identity_agent_present.is_none()).then(|| {
            "whether the eks-pod-identity-agent DaemonSet runs was not read".to_owned()
        })
    });
    if let Some(why) = unknown {
        return Some((Assumes::Unknown, why));
    }

    let how = match (trust, mechanism) {
        (Some(t), Mechanism::Irsa) => match t.statement {
            Some(i) => {
                format!("the trust policy allows this ServiceAccount's token (Statement[{i}])")
            }
            None => "the trust policy allows this ServiceAccount's token".to_owned(),
        },
        (_, Mechanism::PodIdentity) => {
            "the role trusts EKS Pod Identity and the agent runs".to_owned()
        }
        _ => "the trust policy allows the token, and the role trusts EKS Pod Identity".to_owned(),
    };
    let pods = match live.len() {
        0 => "no pod runs yet; a pod started now gets them".to_owned(),
        n => format!(
            "{} injected",
            crate::text::count(n, "running pod", "running pods")
        ),
    };
    Some((Assumes::Yes, format!("{how}; {pods}")))
}
