//! How names and finding titles are shortened for a table column: a name loses the
//! segments it shares with the column's other names first (`eksctl-shop-prod-nodegroup-`),
//! so the part that tells rows apart stays; a title loses the lead that names what the row
//! already shows (`The trust policy of role shop-prod-payments-api …`), so what differs comes
//! first. The titles themselves are the analysis's and are not changed.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// What a name is cut into segments at (the separators stay with the segments).
fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/' | ':')
}

/// `eksctl-shop-prod` → `["eksctl", "shop", "prod"]` with the separator before each
/// segment (`None` for the first).
fn segments(name: &str) -> Vec<(Option<char>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut sep: Option<char> = None;
    for (i, c) in name.char_indices() {
        if is_separator(c) {
            out.push((sep, &name[start..i]));
            sep = Some(c);
            start = i + c.len_utf8();
        }
    }
    out.push((sep, &name[start..]));
    out
}

/// The segments shared by many of `names` (at least two distinct names, and a third of
/// them): what a column can drop first when a name does not fit. Sorted, for a stable
/// result.
pub fn common_segments<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let distinct: HashSet<&str> = names.into_iter().filter(|n| !n.is_empty()).collect();
    let mut counts: HashMap<&str, usize> = HashMap::default();
    for name in &distinct {
        let mut seen: HashSet<&str> = HashSet::default();
        for (_, seg) in segments(name) {
            if !seg.is_empty() && seen.insert(seg) {
                *counts.entry(seg).or_insert(0) += 1;
            }
        }
    }
    let n = distinct.len();
    let mut out: Vec<String> = counts
        .into_iter()
        .filter(|&(_, c)| c >= 2 && c * 3 >= n)
        .map(|(s, _)| s.to_owned())
        .collect();
    out.sort_unstable();
    out
}

/// `name` in `width` characters: when it does not fit, the segments in `common` are left
/// out from the left (each run of them becomes one `…`) until it fits; what still does not
/// fit is cut from the left after a dropped lead, in the middle otherwise. At least one
/// segment stays.
pub fn fit_common(name: &str, width: usize, common: &[String]) -> String {
    let len = name.chars().count();
    if len <= width {
        return name.to_owned();
    }
    let segs = segments(name);
    let mut dropped = vec![false; segs.len()];
    let render = |dropped: &[bool]| {
        let mut out = String::new();
        for (i, (sep, seg)) in segs.iter().enumerate() {
            if dropped[i] {
                if i == 0 || !dropped[i - 1] {
                    out.push('…');
                }
                continue;
            }
            if let Some(c) = sep
                && i > 0
                && !dropped[i - 1]
            {
                out.push(*c);
            }
            out.push_str(seg);
        }
        out
    };
    let mut text = name.to_owned();
    for i in 0..segs.len() {
        if text.chars().count() <= width {
            break;
        }
        let kept = dropped.iter().filter(|d| !**d).count();
        if kept <= 1 || !common.iter().any(|c| c == segs[i].1) {
            continue;
        }
        dropped[i] = true;
        text = render(&dropped);
    }
    // Only a shared lead dropped (`…analytics-athena`): what is left is cut from the left
    // too, keeping the end; otherwise in the middle.
    let n = text.chars().count();
    if n > width && width > 1 && text.starts_with('…') && text.matches('…').count() == 1 {
        let tail: String = text.chars().skip(n - (width - 1)).collect();
        return format!("…{tail}");
    }
    cut_middle(&text, width)
}

/// `text` in `width` characters, cut in the middle with `…` (at the end below 5).
pub fn cut_middle(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    if width < 5 {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        return out;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut head = (width - 1) / 2;
    // Next to an ellipsis already there, cut so that the two become one.
    if head > 0 && chars[head - 1] == '…' {
        head -= 1;
    } else if chars[n - (width - 1 - head)] == '…' && head + 1 < width - 1 {
        head += 1;
    }
    let tail = width - 1 - head;
    text.chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(text.chars().skip(n - tail))
        .collect()
}

/// Where `object` first stands in `text` as a whole word (not inside a longer name).
fn find_word(text: &str, object: &str) -> Option<(usize, usize)> {
    if object.is_empty() {
        return None;
    }
    text.match_indices(object)
        .map(|(i, _)| (i, i + object.len()))
        .find(|&(i, e)| {
            let before = text[..i].chars().next_back();
            let after = text[e..].chars().next();
            before.is_none_or(|c| c == ' ' || c == '"' || c == '(')
                && after.is_none_or(|c| matches!(c, ' ' | '"' | ',' | ':' | ')' | ';'))
        })
}

/// A word of a sentence, not a name: letters (an apostrophe, one inner hyphen).
fn plain_word(w: &str) -> bool {
    w.chars()
        .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        && w.matches('-').count() <= 1
        && !w.starts_with('-')
        && !w.ends_with('-')
}

/// The longest lead (in words) dropped before an object: `The trust policy of role`.
const LEAD_WORDS: usize = 5;

/// `title` with what differs first, for a row that already shows `objects` (its binding,
/// its role's name): a short lead of plain words ending in one of them is dropped (`The
/// trust policy of role shop-prod-payments-api names namespace …` → `names namespace …`),
/// then an `of X` or `for X` naming another, and a trailing `(X)`. A title that names them
/// elsewhere, or would keep less than two words, is kept whole.
pub fn differing<'a>(title: &'a str, objects: &[&str]) -> &'a str {
    let mut rest = title;
    let first = objects
        .iter()
        .filter_map(|o| find_word(rest, o))
        .min_by_key(|&(i, e)| (i, std::cmp::Reverse(e)));
    if let Some((i, e)) = first {
        let lead = &rest[..i];
        let after = rest[e..].trim_start_matches([' ', ',', ':']);
        if lead.split_whitespace().count() <= LEAD_WORDS
            // Plain words only (`role-arn` is one): a lead naming something else
            // (`Role shop-prod-x trusts`) stays.
            && lead.split_whitespace().all(plain_word)
            && after.split_whitespace().count() >= 2
        {
            let mut next = after;
            for connector in ["of ", "for "] {
                if let Some(tail) = next.strip_prefix(connector)
                    && let Some((0, e)) = objects
                        .iter()
                        .filter_map(|o| find_word(tail, o))
                        .min_by_key(|&(i, e)| (i, std::cmp::Reverse(e)))
                {
                    let after = tail[e..].trim_start_matches([' ', ',', ':']);
                    if after.split_whitespace().count() >= 2 {
                        next = after;
                    }
                }
            }
            // `of the Pod Identity association of …` does not read on its own.
            let dangling = ["of ", "for ", "in ", "on "]
                .iter()
                .any(|c| next.starts_with(c));
            if !dangling {
                rest = next;
            }
        }
    }
    for o in objects {
        if let Some(head) = rest
            .strip_suffix(')')
            .and_then(|r| r.strip_suffix(o))
            .and_then(|r| r.strip_suffix(" ("))
            && head.split_whitespace().count() >= 2
        {
            return head;
        }
    }
    rest
}

/// How many bytes the titles of one group share as a lead of whole words, when there are
/// two or more and they are not all the same (`Every ServiceAccount of the cluster can
/// assume role `): a table of that group shows it as `…`, so what differs comes first.
pub fn shared_lead(titles: &[&str]) -> usize {
    let [first, rest @ ..] = titles else { return 0 };
    if rest.is_empty() {
        return 0;
    }
    let common = rest.iter().fold(first.len(), |n, t| {
        first
            .bytes()
            .zip(t.bytes())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    // Back to the end of a word; a space is one byte, so this is a character boundary.
    let Some(space) = first.get(..common).and_then(|c| c.rfind(' ')) else {
        return 0;
    };
    let lead = space + 1;
    // The same title everywhere has nothing that differs to put first.
    let keeps = |t: &&str| t.get(lead..).is_some_and(|r| !r.trim().is_empty());
    if rest.iter().all(|t| t == first) || !titles.iter().all(keeps) {
        0
    } else {
        lead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE_ROLES: [&str; 4] = [
        "shop-prod-legacy-workers-NodeRole",
        "eksctl-shop-prod-nodegroup-compute-NodeInstanceRole-8WJ3LQ5R0T2V",
        "eksctl-shop-prod-nodegroup-general-NodeInstanceRole-1P2Z9QX4KD7M",
        "eksctl-shop-prod-nodegroup-system-NodeInstanceRole-C6H1N8F4G2KR",
    ];

    #[test]
    fn names_lose_what_they_share_first() {
        let common = common_segments(NODE_ROLES);
        assert_eq!(
            common,
            ["NodeInstanceRole", "eksctl", "nodegroup", "prod", "shop"]
        );
        let fit = |w| {
            NODE_ROLES
                .iter()
                .map(|n| fit_common(n, w, &common))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fit(40),
            [
                "shop-prod-legacy-workers-NodeRole",
                "…compute-NodeInstanceRole-8WJ3LQ5R0T2V",
                "…general-NodeInstanceRole-1P2Z9QX4KD7M",
                "…system-NodeInstanceRole-C6H1N8F4G2KR",
            ]
        );
        assert_eq!(
            fit(20),
            [
                "…cy-workers-NodeRole",
                "…compute…WJ3LQ5R0T2V",
                "…general…P2Z9QX4KD7M",
                "…system…C6H1N8F4G2KR",
            ],
            "three eksctl roles no longer read the same"
        );
        for w in [1, 4, 9, 20, 33] {
            assert!(fit(w).iter().all(|n| n.chars().count() <= w), "{w}");
        }
        let roles = [
            "shop-prod-payments-api",
            "shop-prod-orders",
            "search-indexer",
        ];
        let common = common_segments(roles);
        assert_eq!(common, ["prod", "shop"]);
        assert_eq!(fit_common(roles[0], 13, &common), "…payments-api");
        assert_eq!(fit_common(roles[2], 13, &common), "search…ndexer");
        assert_eq!(fit_common("shop-prod", 5, &common), "…prod");
        assert_eq!(
            fit_common("shop-prod-analytics-athena", 13, &common),
            "…ytics-athena"
        );
    }

    #[test]
    fn a_group_drops_the_lead_its_titles_share() {
        let titles = [
            "Every ServiceAccount of the cluster can assume role legacy-ci-deployer now",
            "Every ServiceAccount of the cluster can assume role shop-prod-cloudwatch-exporter",
        ];
        let lead = shared_lead(&titles);
        assert_eq!(&titles[0][lead..], "legacy-ci-deployer now");
        assert_eq!(shared_lead(&titles[..1]), 0, "one title alone");
        assert_eq!(
            shared_lead(&["is shared: 3", "is shared: 3"]),
            0,
            "the same title"
        );
        let lead = shared_lead(&["annotated on 3 of them", "annotated on 4 of them"]);
        assert_eq!(lead, "annotated on ".len());
        assert_eq!(shared_lead(&["a b c", "x y z"]), 0);
    }

    #[test]
    fn titles_start_with_what_differs() {
        let objects = ["payments/payments-api", "shop-prod-payments-api"];
        assert_eq!(
            differing(
                "The trust policy of role shop-prod-payments-api names namespace \"payments-staging\", not \"payments\", for ServiceAccount payments-api",
                &objects
            ),
            "names namespace \"payments-staging\", not \"payments\", for ServiceAccount payments-api"
        );
        let objects = ["orders/order-archiver", "shop-prod-order-archiver"];
        assert_eq!(
            differing(
                "Role shop-prod-order-archiver of orders/order-archiver does not exist",
                &objects
            ),
            "does not exist"
        );
        assert_eq!(
            differing(
                "The cluster's issuer is not registered as an IAM OIDC provider in account 222233334444 (orders/order-archiver)",
                &objects
            ),
            "The cluster's issuer is not registered as an IAM OIDC provider in account 222233334444"
        );
        assert_eq!(
            differing(
                "orders/order-archiver has a Pod Identity association but the agent is not installed",
                &objects
            ),
            "has a Pod Identity association but the agent is not installed"
        );
        assert_eq!(
            differing(
                "The role-arn annotation of orders/order-archiver is not an IAM role ARN",
                &objects
            ),
            "is not an IAM role ARN"
        );
        for whole in [
            "Every ServiceAccount of the cluster can assume role shop-prod-order-archiver",
            "Condition key \"x:sub\" in the trust policy of role shop-prod-order-archiver is wrong",
            "Role shop-prod-order-archiver-old of orders/order-archiver-x does not exist",
            "Role shop-prod-order-archiver exists",
            "Role shop-prod-x trusts orders/order-archiver, but it has no annotation",
            "Role shop-prod-order-archiver of the association of orders/order-archiver is gone",
        ] {
            assert_eq!(differing(whole, &objects), whole);
        }
    }
}
