//! What the tables show: the filters (one per table view), the problems filter (`f`),
//! the namespace scope and the sort.

use super::tab::Tab;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// As typed, `!` included.
    pub text: String,
}

impl Filter {
    pub fn new(text: impl Into<String>) -> Self {
        Filter { text: text.into() }
    }

    pub fn is_empty(&self) -> bool {
        self.term().trim().is_empty()
    }

    fn inverted(&self) -> bool {
        self.text.starts_with('!')
    }

    fn term(&self) -> &str {
        self.text.strip_prefix('!').unwrap_or(&self.text)
    }

    fn terms(&self) -> Vec<String> {
        self.term()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }

    /// Whether [`Filter::reasons`] can name anything: a filter that is typed and not
    /// inverted (the fields it reads need not be gathered otherwise: they are, on every
    /// frame, for the selected row).
    pub fn gives_reasons(&self) -> bool {
        !self.is_empty() && !self.inverted()
    }

    /// Why a row is shown when a term matched what no column shows: for each term that
    /// `visible` (the row's shown text) does not hold, the label of the first of `fields`
    /// that holds it (`pod payments-api-7f9c`), once each. None for an inverted filter.
    pub fn reasons(&self, visible: &str, fields: &[Field]) -> Vec<String> {
        if self.inverted() {
            return Vec::new();
        }
        let visible = visible.to_lowercase();
        let mut out: Vec<String> = Vec::new();
        for term in self.terms() {
            if visible.contains(&term) {
                continue;
            }
            if let Some(f) = fields
                .iter()
                .find(|f| f.text.to_lowercase().contains(&term))
                && !out.contains(&f.label)
            {
                out.push(f.label.clone());
            }
        }
        out
    }

    /// A matcher over lower-cased haystacks: case-insensitive substrings, every
    /// space-separated term must match (`payments payments-api`); `!…` inverts the whole.
    pub fn matcher(&self) -> impl Fn(&str) -> bool + '_ {
        let parts = self.parts_matcher();
        move |haystack: &str| parts.matches([haystack].as_slice())
    }

    /// [`Filter::matcher`] over a haystack kept in parts: each term matches in one of them
    /// (a term has no space, so none spans two parts).
    pub fn parts_matcher(&self) -> Matcher {
        Matcher {
            terms: self.terms(),
            inverted: self.inverted(),
        }
    }
}

/// A lower-cased haystack kept in parts, read one part at a time (a row's text, then what it
/// holds that no column shows, read only while a term is still looked for).
pub trait Parts {
    /// Whether `found` holds for one of the parts (stops at the first that does).
    fn any(&self, found: &mut dyn FnMut(&str) -> bool) -> bool;
}

impl Parts for [&str] {
    fn any(&self, found: &mut dyn FnMut(&str) -> bool) -> bool {
        self.iter().any(|p| found(p))
    }
}

/// What [`Filter::parts_matcher`] matches with: the filter's terms, lower-cased.
#[derive(Debug, Clone)]
pub struct Matcher {
    terms: Vec<String>,
    inverted: bool,
}

impl Matcher {
    /// Whether the filter keeps a row whose haystack is `parts`. An empty filter keeps every
    /// row without reading any part.
    pub fn matches(&self, parts: &(impl Parts + ?Sized)) -> bool {
        self.terms.is_empty()
            || self
                .terms
                .iter()
                .all(|t| parts.any(&mut |p| p.contains(t.as_str())))
                != self.inverted
    }
}

/// The problems filter `f` cycles: off → problems → denied only → exposed only → off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Problems {
    #[default]
    Off,
    /// Rows that are not ok (findings: not info).
    All,
    /// Bindings whose pods do not get the role's credentials (findings: what stops them).
    Denied,
    /// Bindings whose role others may assume (findings: IRSA220–IRSA223).
    Exposed,
}

impl Problems {
    pub fn next(self) -> Problems {
        match self {
            Problems::Off => Problems::All,
            Problems::All => Problems::Denied,
            Problems::Denied => Problems::Exposed,
            Problems::Exposed => Problems::Off,
        }
    }

    /// Whether it keeps a row of `status` whose pods are `denied` the credentials and whose
    /// role is `exposed`.
    pub fn keeps(self, status: crate::analysis::Status, denied: bool, exposed: bool) -> bool {
        match self {
            Problems::Off => true,
            Problems::All => status != crate::analysis::Status::Ok,
            Problems::Denied => denied,
            Problems::Exposed => exposed,
        }
    }

    pub fn is_on(self) -> bool {
        self != Problems::Off
    }

    /// How the table's title says it; `None` when off.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Problems::Off => None,
            Problems::All => Some("problems only"),
            Problems::Denied => Some("denied only"),
            Problems::Exposed => Some("exposed only"),
        }
    }
}

/// Something a row is searched by that its columns do not show: `label` names it in the
/// match hint, `text` is what is searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: String,
    pub text: String,
}

impl Field {
    /// `what value`, searched by `value`.
    pub fn new(what: &str, value: &str) -> Field {
        Field {
            label: format!("{what} {value}"),
            text: value.to_owned(),
        }
    }
}

/// One filter per table view: `/` edits the current view's, Esc clears it, and each view
/// keeps its own while the others are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub bindings: Filter,
    pub node_roles: Filter,
    pub findings: Filter,
}

impl Filters {
    /// The filter of `tab` (the Cluster view has none).
    pub fn of(&self, tab: Tab) -> Option<&Filter> {
        match tab {
            Tab::Bindings => Some(&self.bindings),
            Tab::NodeRoles => Some(&self.node_roles),
            Tab::Findings => Some(&self.findings),
            Tab::Cluster => None,
        }
    }

    pub fn of_mut(&mut self, tab: Tab) -> Option<&mut Filter> {
        match tab {
            Tab::Bindings => Some(&mut self.bindings),
            Tab::NodeRoles => Some(&mut self.node_roles),
            Tab::Findings => Some(&mut self.findings),
            Tab::Cluster => None,
        }
    }
}

/// The bindings table's sort keys (Shift+letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Status,
    Namespace,
    ServiceAccount,
    Role,
    /// Whether the pods get the role's credentials: denied first.
    Assumes,
    Pods,
    Findings,
    /// What CloudTrail recorded: failed STS calls first, then denied calls.
    Evidence,
}

impl SortColumn {
    /// Counts sort biggest first on the first press; the rest in their natural order
    /// (status: failing first).
    fn descending_first(self) -> bool {
        matches!(self, SortColumn::Pods | SortColumn::Findings)
    }

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Status => "status",
            SortColumn::Namespace => "namespace",
            SortColumn::ServiceAccount => "service account",
            SortColumn::Role => "role",
            SortColumn::Assumes => "assumes",
            SortColumn::Pods => "pods",
            SortColumn::Findings => "findings",
            SortColumn::Evidence => "evidence",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            column: SortColumn::Status,
            descending: false,
        }
    }
}

impl Sort {
    /// The same key again reverses; another key starts in that column's natural direction.
    pub fn press(self, column: SortColumn) -> Sort {
        if column == self.column {
            Sort {
                column,
                descending: !self.descending,
            }
        } else {
            Sort {
                column,
                descending: column.descending_first(),
            }
        }
    }

    pub fn arrow(self) -> &'static str {
        if self.descending { "▼" } else { "▲" }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Each table view's own filter.
    pub filters: Filters,
    /// `f`.
    pub problems: Problems,
    /// `:ns NAME`; `None` is all namespaces.
    pub namespace: Option<String>,
    pub sort: Sort,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts that count how many of them were read.
    struct Counted<'a> {
        parts: &'a [&'a str],
        read: std::cell::Cell<usize>,
    }

    impl Parts for Counted<'_> {
        fn any(&self, found: &mut dyn FnMut(&str) -> bool) -> bool {
            self.parts.iter().any(|p| {
                self.read.set(self.read.get() + 1);
                found(p)
            })
        }
    }

    #[test]
    fn a_filter_reads_the_parts_only_while_a_term_is_looked_for() {
        let parts = ["payments/payments-api", "payments-api-7f9c", "ip-10-0-1-5"];
        let read = |filter: &str| {
            let c = Counted {
                parts: &parts,
                read: std::cell::Cell::new(0),
            };
            let kept = Filter::new(filter).parts_matcher().matches(&c);
            (kept, c.read.get())
        };
        // No filter: every row is kept and nothing of it is read (the pods of a binding are
        // many, and an update filters every row again).
        assert_eq!(read(""), (true, 0));
        assert_eq!(read("!"), (true, 0));
        // A term the row's text holds: its pods are not read.
        assert_eq!(read("payments"), (true, 1));
        // A term only a pod's node holds: read up to it.
        assert_eq!(read("ip-10"), (true, 3));
        // Two terms: each is looked for from the first part.
        assert_eq!(read("payments 7f9c"), (true, 3));
        assert_eq!(read("nothing"), (false, 3));
        assert_eq!(read("!nothing"), (true, 3));
    }

    #[test]
    fn only_a_typed_filter_that_is_not_inverted_gives_reasons() {
        assert!(Filter::new("7f9c").gives_reasons());
        assert!(!Filter::new("").gives_reasons());
        assert!(!Filter::new("  ").gives_reasons());
        assert!(!Filter::new("!7f9c").gives_reasons());
    }

    #[test]
    fn a_haystack_in_parts_matches_as_the_parts_joined_by_spaces() {
        let parts = [
            "payments/payments-api irsa203",
            " payments-api-7f9c ip-10-0-1-5",
        ];
        let joined = parts.join(" ");
        for term in [
            "irsa203 7f9c",
            "PAYMENTS ip-10",
            "7f9c",
            "api-7f",
            "irsa203 nothing",
            "!7f9c",
            "!orders",
            "",
        ] {
            let f = Filter::new(term);
            assert_eq!(
                f.parts_matcher().matches(&parts[..]),
                f.matcher()(&joined),
                "{term:?}"
            );
        }
        // A term never spans two parts, as it never spans a space.
        assert!(
            !Filter::new("irsa2037f9c")
                .parts_matcher()
                .matches(&parts[..])
        );
    }

    #[test]
    fn filter_is_a_case_insensitive_substring_and_bang_inverts() {
        let f = Filter::new("PayMents");
        let m = f.matcher();
        assert!(m("payments/payments-api"));
        assert!(!m("orders/orders-api"));
        let inv = Filter::new("!payments");
        let m = inv.matcher();
        assert!(!m("payments/payments-api"));
        assert!(m("orders/orders-api"));
        assert!(Filter::new("!").is_empty() && Filter::new("!").matcher()("x"));
    }

    #[test]
    fn f_cycles_problems_denied_exposed_off() {
        let mut p = Problems::default();
        let mut seen = Vec::new();
        for _ in 0..4 {
            p = p.next();
            seen.push(p.label());
        }
        assert_eq!(
            seen,
            [
                Some("problems only"),
                Some("denied only"),
                Some("exposed only"),
                None
            ]
        );
        assert!(!p.is_on());
    }

    #[test]
    fn a_match_outside_the_columns_is_named_once_per_term() {
        let fields = [
            Field::new("pod", "payments-api-7f9c-x2"),
            Field::new("node", "ip-10-0-1-5.eu-west-1.compute.internal"),
            Field::new("finding", "IRSA205"),
        ];
        let f = Filter::new("payments ip-10-0-1 irsa205");
        assert_eq!(
            f.reasons("✗ failing payments/payments-api irsa", &fields),
            [
                "node ip-10-0-1-5.eu-west-1.compute.internal",
                "finding IRSA205"
            ],
            "payments is in a column"
        );
        assert!(
            Filter::new("PAYMENTS-API-7F9C").reasons("", &fields) == ["pod payments-api-7f9c-x2"]
        );
        assert!(Filter::new("!ip-10").reasons("", &fields).is_empty());
    }

    #[test]
    fn the_same_key_reverses_and_counts_start_biggest_first() {
        let s = Sort::default();
        assert_eq!((s.column, s.descending), (SortColumn::Status, false));
        let s = s.press(SortColumn::Status);
        assert!(s.descending);
        let s = s.press(SortColumn::Pods);
        assert_eq!((s.column, s.descending), (SortColumn::Pods, true));
        let s = s.press(SortColumn::Namespace);
        assert_eq!((s.column, s.descending), (SortColumn::Namespace, false));
    }
}
