//! Condition operators and how one condition (operator, key, values) is decided.

use std::net::IpAddr;

use super::matching::{Pattern, arn_match};
use super::tri::Tri;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// A condition operator: optional set qualifier, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub base: BaseOperator,
    pub if_exists: bool,
}

impl BaseOperator {
    fn from_name(s: &str) -> Option<Self> {
        use BaseOperator::*;
        Some(match s {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// Operators that require the request value to match *none* of the policy values.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// String operators that compare literally: `*` and `?` are ordinary characters.
    pub fn is_exact_string(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringEquals | StringNotEquals | StringEqualsIgnoreCase | StringNotEqualsIgnoreCase
        )
    }

    pub fn is_string(self) -> bool {
        use BaseOperator::*;
        self.is_exact_string() || matches!(self, StringLike | StringNotLike)
    }

    /// Whether `${...}` policy variables are substituted in this operator's values.
    pub fn supports_variables(self) -> bool {
        use BaseOperator::*;
        self.is_string() || matches!(self, ArnEquals | ArnLike | ArnNotEquals | ArnNotLike | Bool)
    }

    /// Does one request value match one (already resolved) policy value, ignoring negation?
    fn value_matches(self, policy: &Pattern, actual: &str) -> bool {
        use BaseOperator::*;
        match self {
            StringEquals | StringNotEquals => policy.equals(actual, false),
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => policy.equals(actual, true),
            StringLike | StringNotLike => policy.matches(actual, false),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
                arn_match(&policy.to_glob_text(), actual)
            }
            Bool => policy.literal_text().eq_ignore_ascii_case(actual),
            BinaryEquals => policy.literal_text() == actual,
            NumericEquals | NumericNotEquals => cmp_num(policy, actual, |o| o.is_eq()),
            NumericLessThan => cmp_num(policy, actual, |o| o.is_lt()),
            NumericLessThanEquals => cmp_num(policy, actual, |o| o.is_le()),
            NumericGreaterThan => cmp_num(policy, actual, |o| o.is_gt()),
            NumericGreaterThanEquals => cmp_num(policy, actual, |o| o.is_ge()),
            DateEquals | DateNotEquals => cmp_date(policy, actual, |o| o.is_eq()),
            DateLessThan => cmp_date(policy, actual, |o| o.is_lt()),
            DateLessThanEquals => cmp_date(policy, actual, |o| o.is_le()),
            DateGreaterThan => cmp_date(policy, actual, |o| o.is_gt()),
            DateGreaterThanEquals => cmp_date(policy, actual, |o| o.is_ge()),
            IpAddress | NotIpAddress => ip_in_cidr(&policy.literal_text(), actual),
            Null => false,
        }
    }
}

fn cmp_num(policy: &Pattern, actual: &str, f: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (
        policy.literal_text().trim().parse::<f64>(),
        actual.trim().parse::<f64>(),
    ) {
        (Ok(p), Ok(a)) => a.partial_cmp(&p).is_some_and(f),
        _ => false,
    }
}

fn cmp_date(policy: &Pattern, actual: &str, f: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (parse_date(&policy.literal_text()), parse_date(actual)) {
        (Some(p), Some(a)) => f(a.cmp(&p)),
        _ => false,
    }
}

/// Seconds since the epoch from an epoch number, an RFC 3339 date-time, or a date
/// (`YYYY-MM-DD`, midnight UTC), as IAM's date operators accept them.
fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Some(t) = crate::time::parse_rfc3339(s) {
        return Some(t);
    }
    let mut dp = s.splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        dp.next()?.parse().ok()?,
        dp.next()?.parse().ok()?,
        dp.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(crate::time::days_from_civil(y, m, d) * 86_400)
}

fn ip_in_cidr(cidr: &str, actual: &str) -> bool {
    let Ok(ip) = actual.trim().parse::<IpAddr>() else {
        return false;
    };
    let (net, len) = match cidr.trim().split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().ok()),
        None => (cidr.trim(), None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let len = len.unwrap_or(32).min(32);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let len = len.unwrap_or(128).min(128);
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

impl Operator {
    /// Parses `[ForAnyValue:|ForAllValues:]Base[IfExists]`. Names are case-sensitive, as in
    /// IAM's policy grammar; anything else is unknown.
    pub fn parse(text: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, text)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = BaseOperator::from_name(base_name)?;
        // IAM has no NullIfExists, and set qualifiers do not apply to Null.
        if base == BaseOperator::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

/// What the request holds for a condition key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyState {
    Present(Vec<String>),
    Absent,
    /// Present in the real request, but its value cannot be known offline.
    Unknown,
}

/// [`KeyState`] borrowing the request's values (the evaluator's hot path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyView<'a> {
    Present(&'a [String]),
    Absent,
    Unknown,
}

/// Where condition keys and policy variables are looked up: an STS request, or a session's
/// call. Keys arrive lower-cased (condition key names compare case-insensitively).
pub trait KeyLookup {
    fn key_lc(&self, lc: &str) -> KeyView<'_>;
}

/// A policy value after policy-variable substitution.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'a> {
    Value(std::borrow::Cow<'a, Pattern>),
    /// A variable named a key absent from the request and gave no default: matches nothing.
    Unresolvable,
    /// A variable named a key whose value cannot be known offline.
    Unknown,
}

/// Decides one condition key of one operator, following IAM's rules:
/// - several policy values: OR (negated operators: the request value must match none);
/// - a key missing from the request: false, except negated operators (true), `…IfExists`
///   (true), `Null` (by its value), `ForAllValues` (true) and `ForAnyValue` (false).
pub fn decide(op: Operator, values: &[Resolved], key: KeyView) -> Tri {
    let request_values = match key {
        KeyView::Unknown => return Tri::Unknown,
        KeyView::Absent => return decide_absent(op, values),
        KeyView::Present([]) => return decide_absent(op, values),
        KeyView::Present(v) => v,
    };
    if op.base == BaseOperator::Null {
        // "Null": "false" asks for the key to be present.
        return Tri::from_bool(values.iter().any(|v| is_text(v, "false")));
    }
    let one = |actual: &str| -> Tri {
        let matched = Tri::any(values.iter().map(|v| match v {
            Resolved::Value(p) => Tri::from_bool(op.base.value_matches(p, actual)),
            Resolved::Unresolvable => Tri::False,
            Resolved::Unknown => Tri::Unknown,
        }));
        if op.base.is_negated() {
            !matched
        } else {
            matched
        }
    };
    match op.qualifier {
        Some(SetQualifier::ForAllValues) => Tri::all(request_values.iter().map(|a| one(a))),
        Some(SetQualifier::ForAnyValue) => Tri::any(request_values.iter().map(|a| one(a))),
        None if op.base.is_negated() => Tri::all(request_values.iter().map(|a| one(a))),
        None => Tri::any(request_values.iter().map(|a| one(a))),
    }
}

fn is_text(v: &Resolved, want: &str) -> bool {
    matches!(v, Resolved::Value(p) if p.literal_text().eq_ignore_ascii_case(want))
}

fn decide_absent(op: Operator, values: &[Resolved]) -> Tri {
    if op.base == BaseOperator::Null {
        return Tri::from_bool(values.iter().any(|v| is_text(v, "true")));
    }
    if op.if_exists {
        return Tri::True;
    }
    match op.qualifier {
        Some(SetQualifier::ForAllValues) => Tri::True,
        Some(SetQualifier::ForAnyValue) => Tri::False,
        None => Tri::from_bool(op.base.is_negated()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> Operator {
        Operator::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    fn vals(v: &[&str]) -> Vec<Resolved<'static>> {
        v.iter()
            .map(|s| Resolved::Value(std::borrow::Cow::Owned(Pattern::from_policy_text(s))))
            .collect()
    }

    fn present(v: &str) -> KeyView<'static> {
        KeyView::Present(Box::leak(vec![v.to_owned()].into_boxed_slice()))
    }

    #[test]
    fn operator_grammar() {
        assert_eq!(
            op("ForAnyValue:StringLikeIfExists"),
            Operator {
                qualifier: Some(SetQualifier::ForAnyValue),
                base: BaseOperator::StringLike,
                if_exists: true
            }
        );
        for bad in [
            "stringequals",
            "StringEqual",
            "NullIfExists",
            "ForAllValues:Null",
            "ForSomeValues:StringEquals",
            "",
        ] {
            assert!(Operator::parse(bad).is_none(), "{bad} must not parse");
        }
    }

    // AWS rule: several values for one key are ORed.
    #[test]
    fn several_values_for_one_key_are_ored() {
        let v = vals(&["a", "b", "c"]);
        assert_eq!(decide(op("StringEquals"), &v, present("b")), Tri::True);
        assert_eq!(decide(op("StringEquals"), &v, present("d")), Tri::False);
    }

    // AWS rule: for a negated operator the request value must match none of the values.
    #[test]
    fn negated_operator_requires_no_value_to_match() {
        let v = vals(&["a", "b"]);
        assert_eq!(decide(op("StringNotEquals"), &v, present("b")), Tri::False);
        assert_eq!(decide(op("StringNotEquals"), &v, present("c")), Tri::True);
        let like = vals(&["system:serviceaccount:kube-system:*"]);
        assert_eq!(
            decide(
                op("StringNotLike"),
                &like,
                present("system:serviceaccount:kube-system:x")
            ),
            Tri::False
        );
    }

    // AWS rule: a key missing from the request makes the condition false, except for negated
    // operators (true), ...IfExists (true), Null (by its value), ForAllValues (true) and
    // ForAnyValue (false).
    #[test]
    fn missing_key_rules() {
        let v = vals(&["x"]);
        let table = [
            ("StringEquals", false),
            ("StringLike", false),
            ("StringEqualsIgnoreCase", false),
            ("ArnLike", false),
            ("Bool", false),
            ("StringNotEquals", true),
            ("StringNotLike", true),
            ("StringNotEqualsIgnoreCase", true),
            ("ArnNotLike", true),
            ("StringEqualsIfExists", true),
            ("StringLikeIfExists", true),
            ("BoolIfExists", true),
            ("ForAllValues:StringEquals", true),
            ("ForAllValues:StringNotEquals", true),
            ("ForAnyValue:StringEquals", false),
            ("ForAnyValue:StringNotEquals", false),
            ("ForAnyValue:StringEqualsIfExists", true),
        ];
        for (name, want) in table {
            assert_eq!(
                decide(op(name), &v, KeyView::Absent),
                Tri::from_bool(want),
                "{name} with the key absent"
            );
        }
    }

    // AWS rule (Null condition operator): "true" means the key must be absent, "false" present.
    #[test]
    fn null_checks_presence() {
        let t = vals(&["true"]);
        let f = vals(&["false"]);
        assert_eq!(decide(op("Null"), &t, KeyView::Absent), Tri::True);
        assert_eq!(decide(op("Null"), &t, present("v")), Tri::False);
        assert_eq!(decide(op("Null"), &f, KeyView::Absent), Tri::False);
        assert_eq!(decide(op("Null"), &f, present("v")), Tri::True);
    }

    // AWS rule: StringEquals compares exactly and case-sensitively; "*" is a literal there.
    #[test]
    fn exact_operators_treat_wildcards_literally() {
        let v = vals(&["system:serviceaccount:prod:*"]);
        assert_eq!(
            decide(
                op("StringEquals"),
                &v,
                present("system:serviceaccount:prod:api")
            ),
            Tri::False
        );
        assert_eq!(
            decide(
                op("StringEquals"),
                &v,
                present("system:serviceaccount:prod:*")
            ),
            Tri::True
        );
        assert_eq!(
            decide(
                op("StringLike"),
                &v,
                present("system:serviceaccount:prod:api")
            ),
            Tri::True
        );
    }

    // AWS rule: StringEqualsIgnoreCase ignores case; StringEquals does not.
    #[test]
    fn ignore_case_variants() {
        let v = vals(&["STS.AmazonAWS.com"]);
        assert_eq!(
            decide(op("StringEquals"), &v, present("sts.amazonaws.com")),
            Tri::False
        );
        assert_eq!(
            decide(
                op("StringEqualsIgnoreCase"),
                &v,
                present("sts.amazonaws.com")
            ),
            Tri::True
        );
        assert_eq!(
            decide(
                op("StringNotEqualsIgnoreCase"),
                &v,
                present("sts.amazonaws.com")
            ),
            Tri::False
        );
    }

    // AWS rule: ForAllValues is true when every request value matches some policy value;
    // ForAnyValue when at least one does.
    #[test]
    fn set_qualifiers_over_multivalued_keys() {
        let v = vals(&["a", "b"]);
        let both_values = ["a".to_owned(), "b".to_owned()];
        let mixed_values = ["a".to_owned(), "z".to_owned()];
        let both = KeyView::Present(&both_values);
        let mixed = KeyView::Present(&mixed_values);
        assert_eq!(decide(op("ForAllValues:StringEquals"), &v, both), Tri::True);
        assert_eq!(
            decide(op("ForAllValues:StringEquals"), &v, mixed),
            Tri::False
        );
        assert_eq!(decide(op("ForAnyValue:StringEquals"), &v, mixed), Tri::True);
        assert_eq!(
            decide(op("ForAnyValue:StringNotEquals"), &v, mixed),
            Tri::True
        );
        assert_eq!(
            decide(op("ForAnyValue:StringNotEquals"), &v, both),
            Tri::False
        );
    }

    #[test]
    fn bool_numeric_date_ip_and_arn() {
        assert_eq!(
            decide(op("Bool"), &vals(&["TRUE"]), present("true")),
            Tri::True
        );
        assert_eq!(
            decide(op("Bool"), &vals(&["false"]), present("true")),
            Tri::False
        );
        assert_eq!(
            decide(op("NumericLessThan"), &vals(&["10"]), present("3")),
            Tri::True
        );
        assert_eq!(
            decide(op("NumericLessThan"), &vals(&["10"]), present("abc")),
            Tri::False
        );
        assert_eq!(
            decide(
                op("DateGreaterThan"),
                &vals(&["2020-01-01T00:00:00Z"]),
                present("2026-11-23T10:00:00Z")
            ),
            Tri::True
        );
        assert_eq!(
            decide(
                op("DateLessThan"),
                &vals(&["2020-01-01"]),
                present("1577836799")
            ),
            Tri::True
        );
        // A token claim such as `sub` is not a date: the comparison cannot hold.
        assert_eq!(
            decide(
                op("DateLessThan"),
                &vals(&["2020-01-01"]),
                present("system:serviceaccount:a:b")
            ),
            Tri::False
        );
        assert_eq!(
            decide(op("IpAddress"), &vals(&["10.0.0.0/8"]), present("10.2.3.4")),
            Tri::True
        );
        assert_eq!(
            decide(
                op("NotIpAddress"),
                &vals(&["10.0.0.0/8"]),
                present("11.2.3.4")
            ),
            Tri::True
        );
        assert_eq!(
            decide(
                op("ArnLike"),
                &vals(&["arn:aws:iam::*:role/x"]),
                present("arn:aws:iam::1:role/x")
            ),
            Tri::True
        );
    }

    #[test]
    fn unknown_request_values_stay_unknown() {
        assert_eq!(
            decide(op("StringEquals"), &vals(&["a"]), KeyView::Unknown),
            Tri::Unknown
        );
        assert_eq!(
            decide(op("StringEquals"), &[Resolved::Unknown], present("a")),
            Tri::Unknown
        );
        assert_eq!(
            decide(
                op("StringEquals"),
                &[
                    Resolved::Unknown,
                    Resolved::Value(std::borrow::Cow::Owned(Pattern::from_policy_text("a")))
                ],
                present("a")
            ),
            Tri::True
        );
    }

    #[test]
    fn dates_parse_to_epoch_seconds() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_date("not a date"), None);
    }
}
