//! What each role's sessions may do: every document that shapes a role's permissions —
//! inline policies, attached managed policies, the permissions boundary — parsed once per
//! analysis, each managed document once whichever roles attach it.

pub mod ask;
pub mod view;

pub use crate::policy::identity::{PolicyKind, Verdict};

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::inventory::{Inventory, ReadStatus, Role};
use crate::policy::PolicyDocument;
use crate::policy::identity::{Permissions, Policy, Session};

/// A document, parsed, or why it cannot be evaluated.
pub type Parsed = Arc<Result<PolicyDocument, String>>;

/// One policy of a role.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    pub name: &'a str,
    pub arn: Option<&'a str>,
    pub kind: PolicyKind,
    /// A managed policy's default version id (`v3`).
    pub default_version: Option<&'a str>,
    pub parsed: Parsed,
}

fn policy<'b>(d: &'b Doc<'_>) -> Policy<'b> {
    Policy {
        name: d.name,
        arn: d.arn,
        kind: d.kind,
        document: match d.parsed.as_ref() {
            Ok(doc) => Ok(doc),
            Err(why) => Err(why.as_str()),
        },
    }
}

/// Every document that shapes one role's permissions.
#[derive(Debug, Clone)]
pub struct RoleDocuments<'a> {
    pub role: &'a Role,
    /// Inline policies, then attached managed policies, in IAM's order.
    pub identity: Vec<Doc<'a>>,
    pub boundary: Option<Doc<'a>>,
}

impl<'a> RoleDocuments<'a> {
    /// The evaluator's view of these documents.
    pub fn permissions(&self) -> Permissions<'_> {
        Permissions {
            identity: self.identity.iter().map(policy).collect(),
            boundary: self.boundary.as_ref().map(policy),
        }
    }

    /// The request context of a session of this role, calling in `region`.
    pub fn session(&self, region: Option<&str>) -> Session {
        Session::of_role(&self.role.arn, self.role.tags.as_ref(), region)
    }
}

/// At most this many actions are offered for completion.
const ACTIONS_NAMED_MAX: usize = 5_000;

/// Every action without a wildcard that a policy document of the inventory names (in an
/// `Action` of an inline, managed or boundary policy), sorted: what `:can` completes.
pub fn actions_named(documents: &Documents) -> Vec<String> {
    let parsed = documents
        .inline
        .values()
        .flatten()
        .chain(documents.managed.values().map(|(p, _)| p));
    let mut out = std::collections::BTreeSet::new();
    for doc in parsed.filter_map(|p| p.as_ref().as_ref().ok()) {
        for s in &doc.statements {
            let Some(a) = s.action.as_ref().filter(|a| !a.negated) else {
                continue;
            };
            out.extend(
                a.patterns
                    .iter()
                    .filter(|p| !p.contains(['*', '?']) && p.contains(':'))
                    .cloned(),
            );
        }
        if out.len() >= ACTIONS_NAMED_MAX {
            break;
        }
    }
    out.into_iter().collect()
}

/// The documents of every readable role of the inventory, each parsed once: build it once
/// per inventory and ask it as many questions as needed.
pub struct Documents<'a> {
    managed: HashMap<&'a str, (Parsed, Option<&'a str>)>,
    /// Each readable role's inline policies, by role ARN, in the role's order.
    inline: HashMap<&'a str, Vec<Parsed>>,
    inv: &'a Inventory,
}

fn parse_inline(text: &str) -> Parsed {
    Arc::new(PolicyDocument::parse(text).map_err(|e| format!("its document does not parse ({e})")))
}

/// Policy documents parsed by earlier analyses, by their text: a document whose text did
/// not change (whichever role or policy holds it) is not parsed again. Each use keeps only
/// the documents of the inventory it was last used for.
#[derive(Debug, Default)]
pub struct DocumentCache {
    parsed: HashMap<String, Parsed>,
}

impl DocumentCache {
    /// How many documents it holds.
    pub fn len(&self) -> usize {
        self.parsed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parsed.is_empty()
    }
}

/// Parses `text` (an inline or managed document: both parse alike), or takes it from
/// `old`, recording it in `new`.
fn parse_cached(
    text: &str,
    old: &mut HashMap<String, Parsed>,
    new: &mut HashMap<String, Parsed>,
) -> Parsed {
    if let Some(p) = new.get(text) {
        return p.clone();
    }
    let parsed = match old.remove_entry(text) {
        Some((text, p)) => {
            new.insert(text, p.clone());
            return p;
        }
        None => parse_inline(text),
    };
    new.insert(text.to_owned(), parsed.clone());
    parsed
}

impl<'a> Documents<'a> {
    pub fn new(inv: &'a Inventory) -> Self {
        Documents::cached(inv, &mut DocumentCache::default())
    }

    /// [`Documents::new`], parsing only the documents `cache` does not hold (and keeping in
    /// it the documents of `inv`).
    pub fn cached(inv: &'a Inventory, cache: &mut DocumentCache) -> Self {
        let mut old = std::mem::take(&mut cache.parsed);
        let mut new = HashMap::default();
        let mut d =
            Documents::new_managed_with(inv, &mut |text| parse_cached(text, &mut old, &mut new));
        d.inline = inv
            .roles
            .iter()
            .filter(|r| r.status == ReadStatus::Ok)
            .map(|r| {
                let docs = r
                    .inline_policies
                    .iter()
                    .map(|p| parse_cached(&p.document, &mut old, &mut new));
                (r.arn.as_str(), docs.collect())
            })
            .collect();
        cache.parsed = new;
        d
    }

    fn new_managed(inv: &'a Inventory) -> Self {
        Documents::new_managed_with(inv, &mut |text| parse_inline(text))
    }

    fn new_managed_with(inv: &'a Inventory, parse: &mut dyn FnMut(&str) -> Parsed) -> Self {
        let managed = inv
            .managed_policies
            .iter()
            .map(|p| {
                let parsed = match (&p.document, &p.error) {
                    (Some(text), _) => parse(text),
                    (None, Some(why)) => {
                        Arc::new(Err(format!("its document could not be read: {why}")))
                    }
                    (None, None) => Arc::new(Err("its document was not read".to_owned())),
                };
                (p.arn.as_str(), (parsed, p.default_version.as_deref()))
            })
            .collect();
        Documents {
            managed,
            inline: HashMap::default(),
            inv,
        }
    }

    /// The managed documents parsed, inline ones only when a role is asked for (to ask
    /// about one role without parsing every role's).
    pub fn lazy(inv: &'a Inventory) -> Self {
        Documents::new_managed(inv)
    }

    /// A managed policy by ARN.
    fn managed(&self, arn: &str) -> (Parsed, Option<&'a str>) {
        self.managed.get(arn).cloned().unwrap_or_else(|| {
            (Arc::new(Err(
                "its document is not in the inventory (a snapshot written before irsa-tui recorded policy documents, or a policy that could not be listed)".to_owned(),
            )), None)
        })
    }

    /// The documents of `role`; `Err` with why when the role itself could not be read.
    pub fn of(&self, role: &'a Role) -> Result<RoleDocuments<'a>, String> {
        match role.status {
            ReadStatus::Ok => {}
            ReadStatus::NotFound => return Err(format!("the role {} does not exist", role.arn)),
            ReadStatus::Error => {
                return Err(format!(
                    "the role {} could not be read ({})",
                    role.arn,
                    role.error.as_deref().unwrap_or("no reason given")
                ));
            }
        }
        let parsed = self.inline.get(role.arn.as_str());
        let inline = role.inline_policies.iter().enumerate().map(|(i, p)| Doc {
            name: p.name.as_str(),
            arn: None,
            kind: PolicyKind::Inline,
            default_version: None,
            parsed: parsed
                .and_then(|v| v.get(i).cloned())
                .unwrap_or_else(|| parse_inline(&p.document)),
        });
        let managed = role.attached_policies.iter().map(|p| {
            let (parsed, default_version) = self.managed(&p.arn);
            Doc {
                name: p.name.as_str(),
                arn: Some(p.arn.as_str()),
                kind: PolicyKind::Managed,
                default_version,
                parsed,
            }
        });
        let boundary = role.permissions_boundary.as_deref().map(|arn| {
            let (parsed, default_version) = self.managed(arn);
            Doc {
                name: arn.rsplit('/').next().unwrap_or(arn),
                arn: Some(arn),
                kind: PolicyKind::Boundary,
                default_version,
                parsed,
            }
        });
        Ok(RoleDocuments {
            role,
            identity: inline.chain(managed).collect(),
            boundary,
        })
    }

    /// The inventory these are the documents of.
    pub fn inventory(&self) -> &'a Inventory {
        self.inv
    }
}
