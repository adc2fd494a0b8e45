//! What the tables show: the filter, the problems filter (`f`), the namespace scope and the
//! sort.

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

    /// A matcher over lower-cased haystacks: case-insensitive substrings, every
    /// space-separated term must match (`payments payments-api`); `!…` inverts the whole.
    pub fn matcher(&self) -> impl Fn(&str) -> bool + '_ {
        let terms: Vec<String> = self
            .term()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let inverted = self.inverted();
        move |haystack: &str| {
            terms.is_empty() || terms.iter().all(|t| haystack.contains(t.as_str())) != inverted
        }
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
    pub filter: Filter,
    /// `f`.
    pub problems: Problems,
    /// `:ns NAME`; `None` is all namespaces.
    pub namespace: Option<String>,
    pub sort: Sort,
}

#[cfg(test)]
mod tests {
    use super::*;

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
