//! Facts about a role's documents taken as a whole, not one call: whether the permissions
//! boundary leaves any of the identity policies' actions (IRSA233), and which Allow
//! statements an explicit Deny cancels entirely (IRSA234). Both say so only when it is
//! certain: a document that could not be read, a `NotAction`, a variable, a condition on
//! the Deny — anything that could make the answer different — means no claim.

use super::{Permissions, Source};
use crate::policy::document::{ActionSpec, Effect, PolicyDocument, Statement};
use crate::policy::matching::{covers, intersects};
use crate::policy::resource::{Reach, RequestedResource};

/// A statement of one of the role's policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub source: Source,
    pub statement: usize,
}

fn readable<'a>(p: &super::Policy<'a>) -> Option<&'a PolicyDocument> {
    p.document.ok().filter(|d| d.problems.is_empty())
}

fn plain_actions(s: &Statement) -> Option<&ActionSpec> {
    s.action.as_ref().filter(|a| !a.negated)
}

fn allows(d: &PolicyDocument) -> impl Iterator<Item = &Statement> {
    d.statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.problems.is_empty())
}

/// The boundary allows none of the actions the identity policies allow: `Some` with the
/// identity policies' allowed action patterns, when every document was read and the
/// identity side allows something. `NotAction` on either side counts as overlapping.
pub fn boundary_allows_none(p: &Permissions) -> Option<Vec<String>> {
    let boundary = readable(p.boundary.as_ref()?)?;
    let identity: Vec<&PolicyDocument> = p.identity.iter().map(readable).collect::<Option<_>>()?;
    let identity_allows: Vec<&Statement> = identity.iter().flat_map(|d| allows(d)).collect();
    if identity_allows.is_empty() {
        return None;
    }
    let boundary_allows: Vec<&Statement> = allows(boundary).collect();
    for i in &identity_allows {
        let ia = plain_actions(i)?;
        for b in &boundary_allows {
            let ba = plain_actions(b)?;
            let overlap = ia
                .compiled
                .iter()
                .any(|x| ba.compiled.iter().any(|y| intersects(&x.0, &y.0, true)));
            if overlap {
                return None;
            }
        }
    }
    let mut actions: Vec<String> = identity_allows
        .iter()
        .filter_map(|s| plain_actions(s))
        .flat_map(|a| a.patterns.iter().cloned())
        .collect();
    actions.sort();
    actions.dedup();
    Some(actions)
}

/// The boundary's allowed action patterns (for evidence).
pub fn boundary_actions(p: &Permissions) -> Vec<String> {
    let mut out: Vec<String> = p
        .boundary
        .as_ref()
        .and_then(readable)
        .map(|d| {
            d.statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .filter_map(plain_actions)
                .flat_map(|a| a.patterns.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}

/// An Allow statement that an explicit Deny cancels entirely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadAllow {
    pub allow: At,
    pub deny: At,
}

/// Every identity Allow statement whose every action and resource an unconditional Deny
/// (in the identity policies or the boundary) covers: the Allow can never take effect.
pub fn dead_allows(p: &Permissions) -> Vec<DeadAllow> {
    let docs: Vec<(Source, &PolicyDocument)> = p
        .identity
        .iter()
        .enumerate()
        .filter_map(|(i, pol)| Some((Source::Identity(i), readable(pol)?)))
        .chain(
            p.boundary
                .as_ref()
                .and_then(readable)
                .map(|d| (Source::Boundary, d)),
        )
        .collect();
    let denies: Vec<(At, &Statement)> = docs
        .iter()
        .flat_map(|(source, d)| {
            d.statements
                .iter()
                .filter(|s| {
                    s.effect == Effect::Deny && s.conditions.is_empty() && s.problems.is_empty()
                })
                .map(move |s| {
                    (
                        At {
                            source: *source,
                            statement: s.index,
                        },
                        s,
                    )
                })
        })
        .collect();
    let mut out = Vec::new();
    for (source, d) in docs.iter().filter(|(s, _)| *s != Source::Boundary) {
        for s in d
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && s.problems.is_empty())
        {
            let (Some(actions), Some(resources)) = (plain_actions(s), plain_resources(s)) else {
                continue;
            };
            if let Some((deny, _)) = denies.iter().find(|(_, deny)| {
                covers_actions(deny, actions) && covers_resources(deny, &resources)
            }) {
                out.push(DeadAllow {
                    allow: At {
                        source: *source,
                        statement: s.index,
                    },
                    deny: *deny,
                });
            }
        }
    }
    out
}

/// `Resource` (not `NotResource`) whose every pattern is plain text (no variable).
fn plain_resources(s: &Statement) -> Option<Vec<RequestedResource>> {
    let spec = s.resource.as_ref().filter(|r| !r.negated)?;
    if spec.compiled.iter().any(Option::is_none) {
        return None;
    }
    Some(
        spec.patterns
            .iter()
            .map(|t| RequestedResource::new(t))
            .collect(),
    )
}

fn covers_actions(deny: &Statement, allow: &ActionSpec) -> bool {
    let Some(d) = deny.action.as_ref() else {
        return false;
    };
    allow.compiled.iter().all(|a| {
        if d.negated {
            // NotAction: it denies every action but those listed.
            !d.compiled.iter().any(|n| intersects(&n.0, &a.0, true))
        } else {
            d.compiled.iter().any(|n| covers(&n.0, &a.0, true))
        }
    })
}

fn covers_resources(deny: &Statement, requested: &[RequestedResource]) -> bool {
    let Some(d) = deny.resource.as_ref() else {
        return false;
    };
    if d.compiled.iter().any(Option::is_none) {
        return false;
    }
    requested.iter().all(|r| {
        let mut reaches = d.compiled.iter().flatten().map(|p| r.reach(p));
        if d.negated {
            // NotResource: it denies what none of its patterns names at all.
            reaches.all(|x| x == Reach::None)
        } else {
            reaches.any(|x| x == Reach::All)
        }
    })
}
