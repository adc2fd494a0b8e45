//! Time stamps for the dashboard: ages relative to when the data was captured (so the same
//! data always renders the same), and the wall clock only for export file names and logs.

pub use crate::time::{civil_from_days, now_secs, parse_rfc3339, rfc3339};

/// A kubectl-style age: `45s`, `12m`, `5h`, `218d`.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// The age of `created` at `now` (both RFC 3339), when both are known.
pub fn age_between(created: Option<&str>, now: Option<i64>) -> Option<i64> {
    Some(now? - parse_rfc3339(created?)?)
}

/// `YYYYMMDD-HHMMSS` (UTC), for file names.
pub fn file_stamp(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_utc() {
        for secs in [0, 951_868_800, 1_795_000_000, 1_763_631_000] {
            assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(parse_rfc3339("2026-11-20T09:30:00Z"), Some(1_795_167_000));
        assert_eq!(
            parse_rfc3339("2026-11-20T10:30:00.123+01:00"),
            Some(1_795_167_000)
        );
        assert_eq!(parse_rfc3339("2026-11-20"), None);
        assert_eq!(parse_rfc3339("2026-13-20T09:30:00Z"), None);
        assert_eq!(file_stamp(1_795_167_000), "20261120-093000");
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(-5), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(600), "10m");
        assert_eq!(age(7200), "2h");
        assert_eq!(age(86_400 * 218 + 5), "218d");
        assert_eq!(
            age_between(
                Some("2026-11-19T09:30:00Z"),
                parse_rfc3339("2026-11-20T09:30:00Z")
            ),
            Some(86_400)
        );
        assert_eq!(age_between(None, Some(0)), None);
    }
}
