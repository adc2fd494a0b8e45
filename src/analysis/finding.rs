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
            evidence: Map::new(),
            fix: Vec::new(),
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

/// One finding, as the JSON report carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub evidence: Map<String, Value>,
    pub fix: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

/// Sorts findings worst first (then by code, pod and title), the order every list of
/// findings is shown and reported in: the first is what to fix first.
pub fn worst_first(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, a.code, &a.pod, &a.title).cmp(&(b.severity, b.code, &b.pod, &b.title))
    });
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

    pub fn fix(mut self, fix: Vec<String>) -> Self {
        self.fix = fix;
        self
    }

    /// The fix's steps, commands built with [`crate::shell::command`]. A step that could not
    /// be built (a value Kubernetes or IAM would not accept, which could otherwise run as
    /// part of the command) is left out, and the finding says why.
    pub fn fix_steps(mut self, steps: Vec<Result<String, Refused>>) -> Self {
        for step in steps {
            match step {
                Ok(line) => self.fix.push(line),
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
}
