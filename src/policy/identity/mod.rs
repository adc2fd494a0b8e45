//! May a session of a role make a call? IAM's evaluation for the identity side of a
//! request within one account:
//!
//! 1. An explicit `Deny` that applies, in any identity-based policy or in the permissions
//!    boundary, denies ("explicit deny").
//! 2. Otherwise the call needs an `Allow` that applies in the identity-based policies
//!    (inline and managed) and, when the role has a permissions boundary, an `Allow` in the
//!    boundary too: effective permissions are identity ∩ boundary.
//! 3. Otherwise it is denied ("implicit deny").
//!
//! A statement applies when its `Action`/`NotAction` covers the action, its
//! `Resource`/`NotResource` the resource (see [`super::resource`]) and every condition holds.
//! What this cannot know — a condition key that is neither a key every session of the role
//! carries nor given, a policy that could not be read, an element it does not understand —
//! makes the answer `unknown` when, and only when, the answer depends on it.
//!
//! Not evaluated: service control and resource control policies, resource-based policies
//! (bucket, key and queue policies) and session policies. The answers are the identity
//! side's only.

pub mod overlap;
mod reason;
mod session;

use serde::{Deserialize, Serialize};

pub use reason::reason;
pub use session::{POD_IDENTITY_SESSION_TAGS, Session};

use super::document::{Condition, Effect, PolicyDocument, PolicyVersion, ResourceSpec, Statement};
use super::evaluate::{action_hit, condition_result, resolve_value};
use super::operator::{KeyLookup, KeyView, Resolved};
use super::resource::{Reach, RequestedResource, element_reach};
use super::tri::Tri;

/// What a policy is to the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Inline,
    Managed,
    Boundary,
}

/// One document that shapes the role's permissions, or why it could not be read.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub name: &'a str,
    /// The managed policy's ARN.
    pub arn: Option<&'a str>,
    pub kind: PolicyKind,
    pub document: Result<&'a PolicyDocument, &'a str>,
}

/// Every document that shapes a role's permissions.
#[derive(Debug, Clone, Default)]
pub struct Permissions<'a> {
    /// Inline and managed policies.
    pub identity: Vec<Policy<'a>>,
    pub boundary: Option<Policy<'a>>,
}

/// One question: ACTION on RESOURCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub action: String,
    pub resource: RequestedResource,
}

impl Question {
    pub fn new(action: &str, resource: &str) -> Self {
        Question {
            action: action.to_owned(),
            resource: RequestedResource::new(resource),
        }
    }
}

/// IAM's decision, or that it cannot be known here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Allowed,
    ImplicitDeny,
    ExplicitDeny,
    Unknown,
}

impl PolicyKind {
    /// As a person names it: `inline policy`, `managed policy`, `permissions boundary`.
    pub fn words(self) -> &'static str {
        match self {
            PolicyKind::Inline => "inline policy",
            PolicyKind::Managed => "managed policy",
            PolicyKind::Boundary => "permissions boundary",
        }
    }
}

impl Verdict {
    /// As a person reads it: `allowed`, `denied (implicit deny)`, ...
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::ImplicitDeny => "denied (implicit deny)",
            Verdict::ExplicitDeny => "denied (explicit deny)",
            Verdict::Unknown => "unknown",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::ImplicitDeny => "implicit-deny",
            Verdict::ExplicitDeny => "explicit-deny",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Which of the role's policies: an index into [`Permissions::identity`], or the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Identity(usize),
    Boundary,
}

/// A statement that applies to the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub source: Source,
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

/// The answer to one question, shaped like SimulatePrincipalPolicy's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub decision: Verdict,
    /// The statements that decide: the Denies that apply for an explicit deny, otherwise
    /// the Allows that apply (identity policies first, then the boundary).
    pub matched: Vec<Matched>,
    /// The boundary's own verdict; `None` when the role has none.
    pub boundary: Option<Verdict>,
    /// Context keys the answer depends on and nobody gave (when it is `unknown`).
    pub missing_context: Vec<String>,
    /// Policies that could not be read, or hold what this engine does not understand, with
    /// why (when the answer is `unknown` because of them).
    pub unreadable: Vec<(Source, String)>,
}

impl Answer {
    pub fn is_allowed(&self) -> bool {
        self.decision == Verdict::Allowed
    }
}

/// One side (identity policies, or the boundary): whether a Deny, and an Allow, applies.
#[derive(Debug, Clone)]
struct Side {
    deny: Tri,
    allow: Tri,
    denies: Vec<Matched>,
    allows: Vec<Matched>,
    missing: Vec<String>,
    unreadable: Vec<(Source, String)>,
}

impl Side {
    fn new() -> Self {
        Side {
            deny: Tri::False,
            allow: Tri::False,
            denies: Vec::new(),
            allows: Vec::new(),
            missing: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    fn add_policy(&mut self, source: Source, policy: &Policy, q: &Question, keys: &dyn KeyLookup) {
        let doc = match policy.document {
            Ok(doc) if doc.problems.is_empty() => doc,
            Ok(doc) => {
                self.unknown_policy(source, doc.problems.join("; "));
                return;
            }
            Err(why) => {
                self.unknown_policy(source, why.to_owned());
                return;
            }
        };
        for s in &doc.statements {
            let applies = statement_applies(doc.version, s, q, keys);
            if applies.result == Tri::Unknown {
                self.missing.extend(applies.missing);
                if let Some(problem) = applies.problem {
                    self.unreadable.push((source, problem));
                }
            }
            let found = || Matched {
                source,
                statement: s.index,
                sid: s.sid.clone(),
                effect: s.effect,
            };
            match (s.effect, applies.result) {
                (Effect::Deny, r) => {
                    self.deny = Tri::any([self.deny, r]);
                    if r == Tri::True {
                        self.denies.push(found());
                    }
                }
                (Effect::Allow, r) => {
                    self.allow = Tri::any([self.allow, r]);
                    if r == Tri::True {
                        self.allows.push(found());
                    }
                }
            }
        }
    }

    /// A policy that cannot be read may hold a Deny or an Allow that applies.
    fn unknown_policy(&mut self, source: Source, why: String) {
        self.deny = Tri::any([self.deny, Tri::Unknown]);
        self.allow = Tri::any([self.allow, Tri::Unknown]);
        self.unreadable.push((source, why));
    }

    fn verdict(&self) -> Verdict {
        if self.deny == Tri::True {
            Verdict::ExplicitDeny
        } else if self.allow == Tri::True && self.deny == Tri::False {
            Verdict::Allowed
        } else if self.allow == Tri::False {
            Verdict::ImplicitDeny
        } else {
            Verdict::Unknown
        }
    }
}

/// Answers one question for a session whose context is `keys`.
pub fn answer(permissions: &Permissions, question: &Question, keys: &dyn KeyLookup) -> Answer {
    let mut identity = Side::new();
    for (i, p) in permissions.identity.iter().enumerate() {
        identity.add_policy(Source::Identity(i), p, question, keys);
    }
    let boundary = permissions.boundary.as_ref().map(|p| {
        let mut side = Side::new();
        side.add_policy(Source::Boundary, p, question, keys);
        side
    });
    let explicit =
        identity.deny == Tri::True || boundary.as_ref().is_some_and(|b| b.deny == Tri::True);
    let boundary_allows = |want: Tri| boundary.as_ref().is_none_or(|b| b.allow == want);
    let certain = identity.allow == Tri::True
        && identity.deny == Tri::False
        && boundary
            .as_ref()
            .is_none_or(|b| b.allow == Tri::True && b.deny == Tri::False);
    let impossible =
        identity.allow == Tri::False || (boundary.is_some() && boundary_allows(Tri::False));
    let decision = if explicit {
        Verdict::ExplicitDeny
    } else if certain {
        Verdict::Allowed
    } else if impossible {
        Verdict::ImplicitDeny
    } else {
        Verdict::Unknown
    };
    let mut matched = Vec::new();
    let sides = std::iter::once(&identity).chain(boundary.as_ref());
    for side in sides.clone() {
        if decision == Verdict::ExplicitDeny {
            matched.extend(side.denies.iter().cloned());
        } else {
            matched.extend(side.allows.iter().cloned());
        }
    }
    let (mut missing_context, mut unreadable) = (Vec::new(), Vec::new());
    if decision == Verdict::Unknown {
        for side in sides {
            for key in &side.missing {
                if !missing_context
                    .iter()
                    .any(|k: &String| k.eq_ignore_ascii_case(key))
                {
                    missing_context.push(key.clone());
                }
            }
            for u in &side.unreadable {
                if !unreadable.contains(u) {
                    unreadable.push(u.clone());
                }
            }
        }
    }
    Answer {
        decision,
        matched,
        boundary: boundary.as_ref().map(Side::verdict),
        missing_context,
        unreadable,
    }
}

/// Whether a statement applies, and what it would take to know when that is unknown.
struct Applies {
    result: Tri,
    missing: Vec<String>,
    problem: Option<String>,
}

fn statement_applies(
    version: PolicyVersion,
    s: &Statement,
    q: &Question,
    keys: &dyn KeyLookup,
) -> Applies {
    let no = Applies {
        result: Tri::False,
        missing: Vec::new(),
        problem: None,
    };
    // The action first: most statements are ruled out by it, without touching the rest.
    if !action_hit(s.action.as_ref(), &q.action).0 {
        return no;
    }
    let mut missing = Vec::new();
    let resource = match &s.resource {
        Some(spec) => resource_applies(version, spec, s.effect, &q.resource, keys, &mut missing),
        // IAM refuses an identity-based statement without Resource or NotResource.
        None => Tri::Unknown,
    };
    if resource == Tri::False {
        return no;
    }
    let mut conditions = Tri::True;
    for c in &s.conditions {
        let r = condition_result(version, c, keys);
        if r == Tri::Unknown {
            unknown_keys(version, c, keys, &mut missing);
        }
        conditions = Tri::all([conditions, r]);
        if conditions == Tri::False {
            return no;
        }
    }
    let mut problems: Vec<String> = s.problems.clone();
    if s.resource.is_none() {
        problems.push("the statement has no Resource or NotResource, which IAM requires in an identity-based policy".into());
    }
    if s.principal.is_some() {
        problems.push("an identity-based policy cannot have Principal or NotPrincipal".into());
    }
    let result = Tri::all([resource, conditions]);
    if problems.is_empty() {
        return Applies {
            result,
            missing,
            problem: None,
        };
    }
    let at = match &s.sid {
        Some(sid) => format!("statement {} (Sid {sid:?})", s.index),
        None => format!("statement {}", s.index),
    };
    Applies {
        result: Tri::Unknown,
        missing,
        problem: Some(format!("{at}: {}", problems.join("; "))),
    }
}

/// Whether the statement's resource element covers the requested resource, as its effect
/// needs: an Allow applies to some of a wildcard request, a Deny to all of it.
fn resource_applies(
    version: PolicyVersion,
    spec: &ResourceSpec,
    effect: Effect,
    requested: &RequestedResource,
    keys: &dyn KeyLookup,
    missing: &mut Vec<String>,
) -> Tri {
    let mut known = Vec::with_capacity(spec.patterns.len());
    let mut unknown = false;
    for (text, compiled) in spec.patterns.iter().zip(&spec.compiled) {
        let reach = match compiled {
            Some(p) => requested.reach(p),
            None if version == PolicyVersion::V2012_10_17 => {
                match resolve_value(text, true, keys) {
                    Resolved::Value(p) => requested.reach(&p),
                    Resolved::Unresolvable => Reach::None,
                    Resolved::Unknown => {
                        unknown = true;
                        variables_unknown(text, keys, missing);
                        continue;
                    }
                }
            }
            // Under Version 2008-10-17 `${…}` is literal text.
            None => requested.reach(&super::matching::Pattern::from_policy_text(text)),
        };
        known.push(reach);
    }
    let needed = match effect {
        Effect::Allow => Reach::Some,
        Effect::Deny => Reach::All,
    };
    let best_known = element_reach(spec.negated, known.iter().copied());
    if !unknown {
        return Tri::from_bool(best_known >= needed);
    }
    // Some patterns' reach is unknown: decide only if the known ones settle it.
    if spec.negated {
        // NotResource: a known pattern that names enough of the request rules it out.
        let ruled_out = known.iter().any(|r| r.complement() < needed);
        if ruled_out { Tri::False } else { Tri::Unknown }
    } else if best_known >= needed {
        Tri::True
    } else {
        Tri::Unknown
    }
}

/// The keys an undecided condition depends on: its key, and the variables of its values.
fn unknown_keys(
    version: PolicyVersion,
    c: &Condition,
    keys: &dyn KeyLookup,
    missing: &mut Vec<String>,
) {
    if keys.key_lc(&c.key_lc) == KeyView::Unknown {
        push_key(missing, &c.key);
    }
    if version == PolicyVersion::V2012_10_17 && c.has_variables {
        for v in c.values.iter() {
            variables_unknown(v, keys, missing);
        }
    }
}

/// The policy variables of `text` whose value is unknown.
fn variables_unknown(text: &str, keys: &dyn KeyLookup, missing: &mut Vec<String>) {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = after[..end].trim();
        let key = inner.split_once(',').map_or(inner, |(k, _)| k.trim());
        if !matches!(key, "*" | "?" | "$") && keys.key_lc(&key.to_lowercase()) == KeyView::Unknown {
            push_key(missing, key);
        }
        rest = &after[end + 1..];
    }
}

fn push_key(missing: &mut Vec<String>, key: &str) {
    if !missing.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        missing.push(key.to_owned());
    }
}

/// The `Action` and `Resource` values of a statement that name the question's action and
/// resource, to show why it applies (none for `NotAction`/`NotResource`, which name what
/// is left out).
pub fn hits<'s>(s: &'s Statement, q: &Question) -> Vec<&'s str> {
    let mut out = Vec::new();
    if let Some((_, Some(p))) = s
        .action
        .as_ref()
        .filter(|a| !a.negated)
        .map(|a| action_hit(Some(a), &q.action))
    {
        out.push(p.as_str());
    }
    if let Some(spec) = s.resource.as_ref().filter(|r| !r.negated) {
        for (text, compiled) in spec.patterns.iter().zip(&spec.compiled) {
            if compiled
                .as_ref()
                .is_some_and(|p| q.resource.reach(p) != Reach::None)
            {
                out.push(text.as_str());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
