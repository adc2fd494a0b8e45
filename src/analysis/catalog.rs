//! The findings catalog: every code, found through the [`Entry`] declared next to the one
//! function that builds its findings. `irsa-tui explain`, the dashboard's Findings view and
//! `docs/findings.md` (written by `irsa-tui explain --markdown`) all read it from here.

use std::fmt::Write as _;

use super::checks::{
    cluster, evidence, node_roles, oidc, permission_conflicts, planned, pod_identity, pods,
    role_permissions, service_account, trust_policy,
};
use super::finding::{Code, Entry, Grade, Severity, Stage};
use super::trust::{deny, exposure, unsupported};

impl Code {
    /// The code's catalog entry.
    pub fn entry(self) -> &'static Entry {
        use Code::*;
        match self {
            IRSA101 => &service_account::IRSA101,
            IRSA102 => &service_account::IRSA102,
            IRSA103 => &service_account::IRSA103,
            IRSA104 => &service_account::IRSA104,
            IRSA105 => &service_account::IRSA105,
            IRSA106 => &service_account::IRSA106,
            IRSA201 => &deny::principal::IRSA201,
            IRSA202 => &deny::principal::IRSA202,
            IRSA203 => &deny::sub::IRSA203,
            IRSA204 => &deny::sub::IRSA204,
            IRSA205 => &deny::condition::IRSA205,
            IRSA206 => &deny::condition::IRSA206,
            IRSA207 => &deny::condition::IRSA207,
            IRSA208 => &deny::principal::IRSA208,
            IRSA209 => &unsupported::IRSA209,
            IRSA210 => &deny::condition::IRSA210,
            IRSA220 => &exposure::IRSA220,
            IRSA221 => &exposure::IRSA221,
            IRSA222 => &exposure::IRSA222,
            IRSA223 => &exposure::IRSA223,
            IRSA224 => &trust_policy::IRSA224,
            IRSA230 => &role_permissions::IRSA230,
            IRSA231 => &role_permissions::IRSA231,
            IRSA232 => &role_permissions::IRSA232,
            IRSA233 => &permission_conflicts::IRSA233,
            IRSA234 => &permission_conflicts::IRSA234,
            IRSA301 => &oidc::IRSA301,
            IRSA302 => &oidc::IRSA302,
            IRSA303 => &oidc::IRSA303,
            IRSA401 => &pods::IRSA401,
            IRSA402 => &pods::IRSA402,
            IRSA403 => &pods::IRSA403,
            IRSA404 => &pods::IRSA404,
            IRSA405 => &pods::IRSA405,
            IRSA501 => &node_roles::IRSA501,
            IRSA502 => &node_roles::IRSA502,
            IRSA503 => &node_roles::IRSA503,
            IRSA504 => &node_roles::IRSA504,
            IRSA505 => &node_roles::IRSA505,
            IRSA601 => &cluster::IRSA601,
            IRSA602 => &cluster::IRSA602,
            IRSA603 => &cluster::IRSA603,
            IRSA701 => &pod_identity::IRSA701,
            IRSA702 => &pod_identity::IRSA702,
            IRSA703 => &pod_identity::IRSA703,
            IRSA704 => &pod_identity::IRSA704,
            IRSA801 => &evidence::IRSA801,
            IRSA802 => &evidence::IRSA802,
            IRSA803 => &evidence::IRSA803,
            IRSA804 => &evidence::IRSA804,
        }
    }

    /// The base severity of the code's findings; `None` for the codes that make a status
    /// unknown.
    pub fn severity(self) -> Option<Severity> {
        match self.entry().grade {
            Grade::Unknown => None,
            grade => Some(grade.base()),
        }
    }

    /// The catalog's one-line meaning.
    pub fn meaning(self) -> &'static str {
        self.entry().meaning
    }

    /// Whether this version reports the code (a few are in the catalog ahead of the checks
    /// that will raise them).
    pub fn reported(self) -> bool {
        !planned::PLANNED.contains(&self)
    }
}

/// The groups of the catalog: the hundreds of the codes.
const GROUPS: &[(u16, &str)] = &[
    (1, "ServiceAccount (IRSA1xx)"),
    (2, "Trust policy and role permissions (IRSA2xx)"),
    (3, "OIDC provider (IRSA3xx)"),
    (4, "Pods (IRSA4xx)"),
    (5, "Node roles (IRSA5xx)"),
    (6, "Cluster and data sources (IRSA6xx)"),
    (7, "EKS Pod Identity (IRSA7xx)"),
    (8, "Evidence of what actually happened (IRSA8xx)"),
];

fn group_of(code: Code) -> u16 {
    code.as_str()
        .get(4..5)
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

impl Severity {
    /// What the severity means, as the catalog says it.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::Critical => {
                "a security exposure: principals that should not can get the role's credentials, or a workload holds admin-level access"
            }
            Severity::Error => {
                "broken: the pods of this binding cannot get the intended credentials (or get other ones)"
            }
            Severity::Warning => {
                "works today but is stale, fragile, over-broad or against AWS guidance"
            }
            Severity::Info => "context that helps during an incident; never changes the status",
        }
    }
}

/// `explain CODE`: the entry of one code, for a terminal.
pub fn explain(code: Code) -> String {
    let e = code.entry();
    let mut out = String::new();
    let _ = writeln!(out, "{code}  {}", e.grade.describe());
    let _ = writeln!(out, "{}", e.meaning);
    if !code.reported() {
        let _ = writeln!(out, "(in the catalog ahead of its check: not reported yet)");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Why: {}", e.why);
    let _ = writeln!(out);
    let _ = writeln!(out, "Fix: {}", e.fix);
    out
}

/// `explain` without a code: one line per code.
pub fn list() -> String {
    let short = |grade: Grade| match grade {
        Grade::Raised { base, raised, .. } => format!("{}/{}", base.as_str(), raised.as_str()),
        Grade::Unknown => "unknown".to_owned(),
        Grade::Is(s) => s.as_str().to_owned(),
    };
    let width = Code::ALL
        .iter()
        .map(|c| short(c.entry().grade).len())
        .max()
        .unwrap_or(8);
    let mut out = String::new();
    for &code in Code::ALL {
        let e = code.entry();
        let grade = short(e.grade);
        let later = if code.reported() {
            ""
        } else {
            " (not reported yet)"
        };
        let _ = writeln!(out, "{code}  {grade:<width$}  {}{later}", e.meaning);
    }
    out
}

/// The whole catalog as Markdown: `docs/findings.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Findings catalog");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<!-- Generated from the code by `irsa-tui explain --markdown`; do not edit by hand. -->"
    );
    let _ = writeln!(out);
    out.push_str(INTRO);
    let _ = writeln!(out);
    let _ = writeln!(out, "| severity | meaning |");
    let _ = writeln!(out, "|---|---|");
    for s in [
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ] {
        let _ = writeln!(out, "| `{}` | {} |", s.as_str(), s.meaning());
    }
    let _ = writeln!(out);
    out.push_str(STATUS);
    order(&mut out);
    for &(group, title) in GROUPS {
        let codes: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|c| group_of(*c) == group)
            .collect();
        if codes.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "## {title}");
        let _ = writeln!(out);
        let _ = writeln!(out, "| code | severity | meaning |");
        let _ = writeln!(out, "|---|---|---|");
        for &code in &codes {
            let e = code.entry();
            let later = if code.reported() {
                ""
            } else {
                " (not reported yet)"
            };
            let anchor = code.as_str().to_ascii_lowercase();
            let _ = writeln!(
                out,
                "| [{code}](#{anchor}) | {} | {}{later} |",
                e.grade.describe(),
                e.meaning
            );
        }
        for &code in &codes {
            let e = code.entry();
            let _ = writeln!(out);
            let _ = writeln!(out, "### {code}");
            let _ = writeln!(out);
            let _ = writeln!(out, "**{}**", e.meaning);
            let _ = writeln!(out);
            let _ = writeln!(out, "Severity: {}", e.grade.describe());
            if !code.reported() {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "In the catalog ahead of its check: this version does not report it yet."
                );
            }
            let _ = writeln!(out);
            let _ = writeln!(out, "Why: {}", e.why);
            let _ = writeln!(out);
            let _ = writeln!(out, "Fix: {}", e.fix);
        }
    }
    out
}

/// The order findings are listed in: worst first, then by [`Stage`], each with its codes.
fn order(out: &mut String) {
    let _ = writeln!(out);
    out.push_str(ORDER);
    let _ = writeln!(out);
    for (i, &stage) in Stage::ALL.iter().enumerate() {
        let codes: Vec<String> = Code::ALL
            .iter()
            .filter(|c| c.entry().stage == stage)
            .map(|c| c.as_str().to_owned())
            .collect();
        let _ = writeln!(out, "{}. {}: {}", i + 1, stage.describe(), codes.join(", "));
    }
}

const ORDER: &str = "\
Findings are listed worst first; within a severity, by where they stop a pod on its way to \
credentials, so that what blocks first comes first (a missing Pod Identity agent before a \
trust policy missing sts:TagSession: nothing after the agent can work until it is \
installed), then by code:
";

const INTRO: &str = "\
Every problem irsa-tui detects has a stable code (`IRSA203`, ...): reports, the dashboard \
and `irsa-tui explain CODE` use them, and a code is never reused for another meaning. \
Each finding carries its `code` and `severity`, a one-line `title` naming the object, a \
`detail` saying why it breaks there, the `evidence` (the exact values compared) and a \
`fix` (commands or a corrected document, checked to work where irsa-tui can check it): \
steps to run in order, or alternatives of which one is enough (`fix_kind`), each step \
naming the AWS account whose credentials it needs when it is not the cluster's.

Severities, worst first:
";

const STATUS: &str = "\
A binding's status is the worst of its findings: `failing` (a critical or error finding), \
`unknown` (a fact it needs could not be read, and nothing worse was found; such findings \
carry severity `warning` in JSON), `warning`, then `ok`. Unknown is never reported as ok.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_entry() {
        for &code in Code::ALL {
            let e = code.entry();
            assert_eq!(e.code, code, "{code} points at the entry of {}", e.code);
            assert!(e.meaning.len() > 10, "{code}");
            assert!(e.why.len() > 40 && e.fix.len() > 10, "{code}");
            assert!(group_of(code) >= 1, "{code}");
        }
    }

    #[test]
    fn severities_are_the_catalogs() {
        assert_eq!(Code::IRSA220.severity(), Some(Severity::Critical));
        assert_eq!(Code::IRSA203.severity(), Some(Severity::Error));
        assert_eq!(Code::IRSA103.severity(), None);
        assert_eq!(Code::IRSA505.severity(), None);
        assert!(matches!(
            Code::IRSA501.entry().grade,
            Grade::Raised {
                raised: Severity::Critical,
                ..
            }
        ));
        assert!(Code::IRSA203.reported());
        assert!(Code::IRSA801.reported());
    }

    #[test]
    fn the_markdown_catalog_has_every_code_once() {
        let md = markdown();
        for &code in Code::ALL {
            assert_eq!(md.matches(&format!("### {code}\n")).count(), 1, "{code}");
        }
        assert!(list().lines().count() == Code::ALL.len());
        assert!(explain(Code::IRSA203).starts_with("IRSA203  error\n"));
    }
}
