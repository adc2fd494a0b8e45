//! Findings: the codes, severities, catalog entries and the finding record every check
//! emits.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::shell::Refused;

/// Severities, worst first (the derived order follows the declaration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($($name:ident,)*) => {
        /// A finding code. Codes are public API: never renumbered, never reused. What each
        /// means is declared next to the function that builds its finding (an [`Entry`]);
        /// `analysis::catalog` looks them up.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name),)* }
            }
        }
    };
}

codes! {
    IRSA101, IRSA102, IRSA103, IRSA104, IRSA105, IRSA106,
    IRSA201, IRSA202, IRSA203, IRSA204, IRSA205, IRSA206, IRSA207, IRSA208, IRSA209, IRSA210,
    IRSA220, IRSA221, IRSA222, IRSA223, IRSA224,
    IRSA230, IRSA231, IRSA232, IRSA233, IRSA234,
    IRSA301, IRSA302, IRSA303,
    IRSA401, IRSA402, IRSA403, IRSA404, IRSA405,
    IRSA501, IRSA502, IRSA503, IRSA504, IRSA505,
    IRSA601, IRSA602, IRSA603,
    IRSA701, IRSA702, IRSA703, IRSA704,
    IRSA801, IRSA802, IRSA803, IRSA804,
}

/// How severe a code's findings are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    /// Always this severity.
    Is(Severity),
    /// `base`, or `raised` when the condition `when` holds (said in the catalog).
    Raised {
        base: Severity,
        raised: Severity,
        when: &'static str,
    },
    /// A fact the binding needs could not be read: its status becomes unknown (never ok),
    /// unless something worse was found. The finding itself carries severity `warning`.
    Unknown,
}

impl Grade {
    /// The severity findings of this grade are built with.
    pub const fn base(self) -> Severity {
        match self {
            Grade::Is(s) | Grade::Raised { base: s, .. } => s,
            Grade::Unknown => Severity::Warning,
        }
    }

    /// The catalog's wording: `error`, `warning; critical when …`, `— (status unknown)`.
    pub fn describe(self) -> String {
        match self {
            Grade::Is(s) => s.as_str().to_owned(),
            Grade::Raised { base, raised, when } => {
                format!("{}; {} when {when}", base.as_str(), raised.as_str())
            }
            Grade::Unknown => "— (makes the status unknown)".to_owned(),
        }
    }
}

/// A code's catalog entry: its severity, what it means in one line, why it breaks and how
/// to fix it. Each is a `const` next to the one function that builds its findings, which
/// builds them through [`Entry::finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub code: Code,
    pub grade: Grade,
    /// The one-line meaning (the trigger).
    pub meaning: &'static str,
    /// Why it breaks, in plain words.
    pub why: &'static str,
    /// How to fix it, in general (each finding carries its own exact commands).
    pub fix: &'static str,
    /// Where along the way to credentials it stops a pod: the order of findings within a
    /// severity.
    pub stage: Stage,
}

impl Entry {
    /// A finding of this code with its base severity; `title` names the object, `detail`
    /// says why it breaks there.
    pub fn finding(&self, title: impl Into<String>, detail: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            severity: self.grade.base(),
            title: title.into(),
            detail: detail.into(),
            evidence: Evidence::default(),
            fix: Fix::default(),
            pod: None,
        }
    }

    /// As [`Entry::finding`], with the raised severity of a [`Grade::Raised`] code.
    pub fn raised(&self, title: impl Into<String>, detail: impl Into<String>) -> Finding {
        let mut f = self.finding(title, detail);
        if let Grade::Raised { raised, .. } = self.grade {
            f.severity = raised;
        }
        f
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("unknown finding code {s:?}"))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One finding. The JSON report carries it as [`FindingJson`] says: the fix's entries as
/// `fix` (an array of strings, as it always was), and what they are as `fix_kind` and
/// `fix_accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "FindingJson", from = "FindingJson")]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub evidence: Evidence,
    pub fix: Fix,
    pub pod: Option<String>,
}

/// A finding's evidence: a JSON object, shared by the clones of a finding (IRSA224 is the
/// same finding on every binding of a role) and copied only when one of them changes it.
#[derive(Clone, Default, PartialEq)]
pub struct Evidence(std::sync::Arc<Map<String, Value>>);

impl std::ops::Deref for Evidence {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Evidence {
    /// The evidence to change: this finding's own (copied first when it is shared).
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Debug for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a> IntoIterator for &'a Evidence {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Map<String, Value>> for Evidence {
    fn from(map: Map<String, Value>) -> Self {
        Evidence(std::sync::Arc::new(map))
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::deserialize(d).map(Evidence::from)
    }
}

/// How the entries of a fix go together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    /// Every step, in order (annotate, then restart).
    #[default]
    Steps,
    /// One of them, each complete on its own; the first is the recommended one.
    Alternatives,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Steps => "steps",
            FixKind::Alternatives => "alternatives",
        }
    }
}

/// What an entry of a fix is, told from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepNature {
    /// A shell command (`kubectl …`, `aws …`, `eksctl …`).
    Command,
    /// A JSON document to read (a corrected policy); the command after it carries it.
    Document,
    /// Something a person does by hand (a sentence: "Edit boundary.json: …"; no command
    /// starts with a capital letter).
    Manual,
}

/// One entry of a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub text: String,
    /// The AWS account whose credentials the command needs, when it is not the cluster's
    /// (always 12 digits).
    pub account: Option<String>,
}

impl Step {
    /// Whether the step is a command that takes something away (detaches or deletes a
    /// policy, deletes an object): what uses it loses it.
    pub fn removes(&self) -> bool {
        let t = self.text.trim_start();
        self.nature() == StepNature::Command
            && [
                "aws iam detach-",
                "aws iam delete-",
                "aws eks delete-",
                "kubectl delete ",
            ]
            .iter()
            .any(|p| t.starts_with(p))
    }

    pub fn nature(&self) -> StepNature {
        let t = self.text.trim_start();
        if (t.starts_with('{') || t.starts_with('[')) && serde_json::from_str::<Value>(t).is_ok() {
            StepNature::Document
        } else if t.starts_with(|c: char| c.is_ascii_uppercase()) {
            StepNature::Manual
        } else {
            StepNature::Command
        }
    }

    /// The note shown next to a step that needs another account's credentials.
    pub fn account_note(&self) -> Option<String> {
        self.account.as_deref().map(|a| {
            format!("in account {a}: with that account's credentials (e.g. --profile <that account's profile>)")
        })
    }
}

/// An AWS account id: 12 digits (anything else is never put next to a command).
fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A finding's fix: its entries, and whether they are steps or alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fix {
    pub kind: FixKind,
    pub steps: Vec<Step>,
    /// When a command removes or detaches something: what uses it today (the pods that
    /// inherit a node role, the bindings of a role), said before anyone pastes it.
    pub removes: Option<String>,
}

/// What `y` copies of a fix: one block to paste into a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paste {
    pub text: String,
    /// For alternatives: which one was taken (from 1), and of how many.
    pub alternative: Option<(usize, usize)>,
    /// The commands that run when the block is pasted.
    pub commands: usize,
    /// The manual step the block stops at (what follows it is commented out).
    pub stops_at: Option<String>,
}

impl Fix {
    /// The entries numbered as steps: all but the documents (a corrected policy goes with
    /// the command after it, which carries it).
    pub fn numbered_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.nature() != StepNature::Document)
            .count()
    }

    /// Whether any of its commands removes something ([`Step::removes`]).
    pub fn removes_something(&self) -> bool {
        self.steps.iter().any(Step::removes)
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// The entries' texts, in order (the JSON `fix` array).
    pub fn texts(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.text.as_str()).collect()
    }

    /// The commands (not the documents nor the manual steps).
    pub fn commands(&self) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .filter(|s| s.nature() == StepNature::Command)
    }

    /// Whether [`Fix::paste`] copies entry `index` to be run (the lines `»` marks).
    pub fn copies(&self, index: usize) -> bool {
        let Some(step) = self.steps.get(index) else {
            return false;
        };
        match self.kind {
            FixKind::Alternatives => index == 0 && step.nature() == StepNature::Command,
            FixKind::Steps => {
                let stop = self
                    .steps
                    .iter()
                    .position(|s| s.nature() == StepNature::Manual)
                    .unwrap_or(self.steps.len());
                step.nature() == StepNature::Command && index < stop
            }
        }
    }

    /// What `y` copies, as one block safe to paste into `sh`: for steps, every command in
    /// order (a document is left out when a command carries it; a step that needs another
    /// account is preceded by a `#` line saying which); from a step done by hand on, every
    /// line is a `#` comment, so a paste runs only what can run before it; a document with
    /// no command to carry it is copied as `#` lines too (its values are not for a shell).
    /// For alternatives, the first one, complete. `None` when there is nothing to copy.
    pub fn paste(&self) -> Option<Paste> {
        let mut lines: Vec<String> = Vec::new();
        let emit = |step: &Step, lines: &mut Vec<String>, commented: bool| {
            if let Some(note) = step.account_note() {
                lines.push(format!("# {note}"));
            }
            for l in step.text.lines() {
                lines.push(if commented {
                    format!("# {l}")
                } else {
                    l.to_owned()
                });
            }
        };
        if self.kind == FixKind::Alternatives {
            let first = self.steps.first()?;
            let runs = first.nature() == StepNature::Command;
            emit(first, &mut lines, !runs);
            return Some(Paste {
                text: lines.join("\n"),
                alternative: Some((1, self.steps.len())),
                commands: usize::from(runs),
                stops_at: None,
            });
        }
        let numbered = self.numbered_steps() > 1;
        let mut commands = 0;
        let mut stops_at = None;
        let mut number = 0;
        for (i, step) in self.steps.iter().enumerate() {
            let nature = step.nature();
            if nature != StepNature::Document {
                number += 1;
            }
            match nature {
                StepNature::Document if self.copies_document(i) => {}
                StepNature::Document => continue,
                StepNature::Manual => {
                    stops_at.get_or_insert_with(|| step.text.clone());
                    let text = step.text.replace(['\n', '\r'], " ");
                    lines.push(if numbered {
                        format!("# {number}. {text}")
                    } else {
                        format!("# {text}")
                    });
                    continue;
                }
                StepNature::Command if self.copies(i) => commands += 1,
                StepNature::Command => {}
            }
            emit(step, &mut lines, !self.copies(i));
        }
        (!lines.is_empty()).then(|| Paste {
            text: lines.join("\n"),
            alternative: None,
            commands,
            stops_at,
        })
    }

    /// A document is copied (as `#` lines) only when no command carries it.
    fn copies_document(&self, index: usize) -> bool {
        self.steps
            .get(index)
            .is_some_and(|s| s.nature() == StepNature::Document)
            && self.commands().next().is_none()
    }
}

/// A fix entry being built: the command (or why none could be), and the account whose
/// credentials it needs when it is not the cluster's.
#[derive(Debug, Clone)]
pub struct Planned {
    line: Result<String, Refused>,
    account: Option<String>,
}

impl Planned {
    /// `line`, to run with the credentials of `account` (kept only when it is an account
    /// id).
    pub fn in_account(line: Result<String, Refused>, account: Option<&str>) -> Self {
        Planned {
            line,
            account: account.filter(|a| is_account(a)).map(str::to_owned),
        }
    }
}

impl From<Result<String, Refused>> for Planned {
    fn from(line: Result<String, Refused>) -> Self {
        Planned {
            line,
            account: None,
        }
    }
}

/// A finding as the JSON report carries it (the contract in `docs/interface.md`).
#[derive(Serialize, Deserialize)]
struct FindingJson {
    code: Code,
    severity: Severity,
    title: String,
    detail: String,
    evidence: Evidence,
    fix: Vec<String>,
    #[serde(default)]
    fix_kind: FixKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fix_accounts: Option<Vec<Option<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fix_removes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pod: Option<String>,
}

impl From<Finding> for FindingJson {
    fn from(f: Finding) -> Self {
        let accounts = f
            .fix
            .steps
            .iter()
            .any(|s| s.account.is_some())
            .then(|| f.fix.steps.iter().map(|s| s.account.clone()).collect());
        FindingJson {
            code: f.code,
            severity: f.severity,
            title: f.title,
            detail: f.detail,
            evidence: f.evidence,
            fix: f.fix.steps.into_iter().map(|s| s.text).collect(),
            fix_kind: f.fix.kind,
            fix_accounts: accounts,
            fix_removes: f.fix.removes,
            pod: f.pod,
        }
    }
}

impl From<FindingJson> for Finding {
    fn from(j: FindingJson) -> Self {
        let mut accounts = j.fix_accounts.unwrap_or_default().into_iter();
        let steps = j
            .fix
            .into_iter()
            .map(|text| Step {
                text,
                account: accounts.next().flatten().filter(|a| is_account(a)),
            })
            .collect();
        Finding {
            code: j.code,
            severity: j.severity,
            title: j.title,
            detail: j.detail,
            evidence: j.evidence,
            fix: Fix {
                kind: j.fix_kind,
                steps,
                removes: j.fix_removes,
            },
            pod: j.pod,
        }
    }
}

/// Where along the way to credentials a code's problem stops a pod, in the order a pod
/// meets them: within a severity, findings of an earlier stage come first, because
/// nothing after it can work (or be seen to work) until it is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// What irsa-tui could not read: every judgement after it is incomplete.
    Visibility,
    /// The cluster-wide machinery: the OIDC issuer, the IRSA webhook, the Pod Identity agent.
    Cluster,
    /// The ServiceAccount's binding to a role: the annotation, the association.
    Binding,
    /// The pod: injected with the binding's credentials, and using them.
    Pod,
    /// STS verifying the token: the account's IAM OIDC provider and its audiences.
    Provider,
    /// The role: it exists and can be read.
    Role,
    /// The role's trust policy: who may assume it.
    Trust,
    /// What the role's session may do: its policies and boundary (node roles too).
    Permissions,
    /// What happened (CloudTrail): evidence after the fact.
    Evidence,
}

impl Stage {
    pub const ALL: &'static [Stage] = &[
        Stage::Visibility,
        Stage::Cluster,
        Stage::Binding,
        Stage::Pod,
        Stage::Provider,
        Stage::Role,
        Stage::Trust,
        Stage::Permissions,
        Stage::Evidence,
    ];

    /// The stage, as the catalog names it.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Visibility => "what irsa-tui could read (Kubernetes sources, AWS)",
            Stage::Cluster => {
                "the cluster's machinery (OIDC issuer, IRSA webhook, Pod Identity agent)"
            }
            Stage::Binding => {
                "the ServiceAccount's binding (role-arn annotation, Pod Identity association)"
            }
            Stage::Pod => "the pods (injected, with the current role, not shadowed)",
            Stage::Provider => "STS verifying the token (the role account's IAM OIDC provider)",
            Stage::Role => "the role (exists, readable)",
            Stage::Trust => "the role's trust policy",
            Stage::Permissions => "what the role's session may do (policies, boundary, node roles)",
            Stage::Evidence => "what actually happened (CloudTrail)",
        }
    }
}

/// Sorts findings worst first; within a severity, what blocks first (the code's
/// [`Stage`]) comes first; then by code, pod and title. Every list of findings is shown and
/// reported in this order: the first is what to fix first.
pub fn worst_first(findings: &mut [Finding]) {
    findings.sort_by(|a, b| rank(a).cmp(&rank(b)));
}

fn rank(f: &Finding) -> (Severity, Stage, Code, &Option<String>, &String) {
    (f.severity, f.code.entry().stage, f.code, &f.pod, &f.title)
}

impl Finding {
    pub fn evidence(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }

    /// Evidence that is there only when the value is (no `null` shown for "not set").
    pub fn evidence_if(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.evidence(key, v),
            None => self,
        }
    }

    /// Every command of the fix needs the credentials of `account` (when it is an account
    /// id): the commands act on a role, or a provider, there.
    pub fn commands_in_account(mut self, account: Option<&str>) -> Self {
        let account = account.filter(|a| is_account(a));
        for step in &mut self.fix.steps {
            if step.nature() == StepNature::Command {
                step.account = account.map(str::to_owned);
            }
        }
        self
    }

    /// A fix of commands (or documents) that cannot be refused: steps, in order.
    pub fn fix(mut self, fix: Vec<String>) -> Self {
        self.fix = Fix {
            removes: None,
            kind: FixKind::Steps,
            steps: fix
                .into_iter()
                .map(|text| Step {
                    text,
                    account: None,
                })
                .collect(),
        };
        self
    }

    /// The fix's steps, to run in order, commands built with [`crate::shell::command`]. A
    /// step that could not be built (a value Kubernetes or IAM would not accept, which
    /// could otherwise run as part of the command) is left out, and the finding says why.
    pub fn fix_steps<P: Into<Planned>>(self, steps: Vec<P>) -> Self {
        self.planned(FixKind::Steps, steps)
    }

    /// The fix's alternatives, the recommended one first: each is complete on its own.
    pub fn fix_alternatives<P: Into<Planned>>(self, alternatives: Vec<P>) -> Self {
        self.planned(FixKind::Alternatives, alternatives)
    }

    fn planned<P: Into<Planned>>(mut self, kind: FixKind, steps: Vec<P>) -> Self {
        self.fix.kind = kind;
        for step in steps {
            let Planned { line, account } = step.into();
            match line {
                Ok(text) => self.fix.steps.push(Step { text, account }),
                Err(refused) => {
                    let why = format!(" irsa-tui prints no command for it: {refused}.");
                    if !self.detail.contains(&why) {
                        self.detail.push_str(&why);
                    }
                    self.evidence.insert(
                        "refused_value".to_owned(),
                        Value::String(crate::text::escape_controls(&refused.value).into_owned()),
                    );
                }
            }
        }
        // One alternative left is simply the fix.
        if self.fix.kind == FixKind::Alternatives && self.fix.steps.len() < 2 {
            self.fix.kind = FixKind::Steps;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(*code));
        }
        assert_eq!("irsa203".parse::<Code>(), Ok(Code::IRSA203));
        assert!("IRSA999".parse::<Code>().is_err());
        assert!(Severity::Critical < Severity::Info, "worst first");
    }

    const SAMPLE: Entry = Entry {
        code: Code::IRSA501,
        grade: Grade::Raised {
            base: Severity::Warning,
            raised: Severity::Critical,
            when: "it is admin-level",
        },
        meaning: "m",
        why: "w",
        fix: "f",
        stage: Stage::Permissions,
    };

    #[test]
    fn entries_build_findings_of_their_grade() {
        assert_eq!(SAMPLE.finding("t", "d").severity, Severity::Warning);
        assert_eq!(SAMPLE.raised("t", "d").severity, Severity::Critical);
        assert_eq!(
            SAMPLE.grade.describe(),
            "warning; critical when it is admin-level"
        );
        assert_eq!(Grade::Unknown.base(), Severity::Warning);
    }

    #[test]
    fn finding_serialises_as_the_interface_spec_says() {
        let f = SAMPLE
            .finding("t", "d")
            .evidence("statement", 0)
            .fix(vec!["x".into()]);
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["code"], "IRSA501");
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["evidence"]["statement"], 0);
        assert!(v.get("pod").is_none());
    }

    fn step(text: &str) -> Result<String, Refused> {
        Ok(text.to_owned())
    }

    #[test]
    fn steps_paste_as_one_block_in_order() {
        let f = SAMPLE.finding("t", "d").fix_steps(vec![
            step("kubectl annotate sa x"),
            step("kubectl rollout restart deployment/x"),
        ]);
        assert_eq!(f.fix.kind, FixKind::Steps);
        let paste = f.fix.paste().expect("a paste");
        assert_eq!(
            paste.text,
            "kubectl annotate sa x\nkubectl rollout restart deployment/x"
        );
        assert_eq!((paste.commands, paste.alternative), (2, None));
    }

    #[test]
    fn the_first_alternative_is_pasted_whole() {
        let f = SAMPLE
            .finding("t", "d")
            .fix_alternatives(vec![step("eksctl utils x"), step("aws iam y")]);
        let paste = f.fix.paste().expect("a paste");
        assert_eq!(paste.text, "eksctl utils x");
        assert_eq!(paste.alternative, Some((1, 2)));
        assert!(f.fix.copies(0) && !f.fix.copies(1));
        // One alternative left (the other refused) is simply the fix.
        let refused = Err(crate::shell::Refused {
            kind: crate::shell::Kind::RoleName,
            value: "a;b".into(),
        });
        let one = SAMPLE
            .finding("t", "d")
            .fix_alternatives(vec![refused, step("aws iam y")]);
        assert_eq!(one.fix.kind, FixKind::Steps);
    }

    #[test]
    fn a_step_in_another_account_is_preceded_by_a_comment_naming_it() {
        let f = SAMPLE.finding("t", "d").fix_steps(vec![
            Planned::in_account(step("aws iam get-role --role-name r"), Some("444455556666")),
            // Not an account id: never written next to a command.
            Planned::in_account(step("aws iam get-role --role-name s"), Some("1\nrm -rf x")),
        ]);
        assert_eq!(
            f.fix.paste().expect("a paste").text,
            "# in account 444455556666: with that account's credentials (e.g. --profile <that account's profile>)\n\
             aws iam get-role --role-name r\n\
             aws iam get-role --role-name s"
        );
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["fix_accounts"], serde_json::json!(["444455556666", null]));
    }

    #[test]
    fn a_paste_stops_at_a_step_done_by_hand() {
        let f = SAMPLE.finding("t", "d").fix_steps(vec![
            step("aws iam get-policy-version --policy-arn p --version-id v1 > b.json"),
            step("Edit b.json: allow what is needed."),
            step("aws iam create-policy-version --policy-arn p --policy-document file://b.json"),
        ]);
        let paste = f.fix.paste().expect("a paste");
        assert_eq!(
            paste.text,
            "aws iam get-policy-version --policy-arn p --version-id v1 > b.json\n\
             # 2. Edit b.json: allow what is needed.\n\
             # aws iam create-policy-version --policy-arn p --policy-document file://b.json"
        );
        assert_eq!(paste.commands, 1);
        assert!(paste.stops_at.is_some());
        assert!(f.fix.copies(0) && !f.fix.copies(1) && !f.fix.copies(2));
    }

    #[test]
    fn a_document_is_left_to_the_command_that_carries_it() {
        let doc = "{\n  \"Version\": \"2012-10-17\"\n}";
        let f = SAMPLE
            .finding("t", "d")
            .fix_steps(vec![step(doc), step("aws iam update-assume-role-policy x")]);
        assert_eq!(
            f.fix.paste().expect("a paste").text,
            "aws iam update-assume-role-policy x"
        );
        // Alone (its command refused), it is copied as comments: not for a shell.
        let alone = SAMPLE.finding("t", "d").fix_steps(vec![step(doc)]);
        let paste = alone.fix.paste().expect("a paste");
        assert!(
            paste.text.lines().all(|l| l.starts_with("# ")),
            "{}",
            paste.text
        );
        assert_eq!(paste.commands, 0);
    }

    #[test]
    fn the_json_fix_stays_an_array_of_strings_with_its_kind() {
        let f = SAMPLE
            .finding("t", "d")
            .fix_alternatives(vec![step("eksctl x"), step("aws y")]);
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["fix"], serde_json::json!(["eksctl x", "aws y"]));
        assert_eq!(v["fix_kind"], "alternatives");
        assert!(v.get("fix_accounts").is_none());
        let back: Finding = serde_json::from_value(v).expect("parses");
        assert_eq!(back, f);
        // A report written before fix_kind reads as steps.
        let old = serde_json::json!({"code": "IRSA104", "severity": "error", "title": "t",
            "detail": "d", "evidence": {}, "fix": ["kubectl a", "kubectl b"]});
        let old: Finding = serde_json::from_value(old).expect("parses");
        assert_eq!(old.fix.kind, FixKind::Steps);
        assert_eq!(old.fix.texts(), ["kubectl a", "kubectl b"]);
    }

    #[test]
    fn within_a_severity_what_blocks_first_comes_first() {
        let agent = Code::IRSA704.entry().finding("agent missing", "d");
        let trust = Code::IRSA702.entry().finding("no TagSession", "d");
        let role = Code::IRSA703.entry().finding("no role", "d");
        let info = Code::IRSA701.entry().finding("both", "d");
        let mut all = vec![info.clone(), trust.clone(), role.clone(), agent.clone()];
        worst_first(&mut all);
        let codes: Vec<Code> = all.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [Code::IRSA704, Code::IRSA703, Code::IRSA702, Code::IRSA701]
        );
    }
}
