//! Text from a cluster or an account, made safe for a terminal: control characters (ESC
//! sequences such as OSC 52 or a window title, carriage returns, DEL, C1 controls) are
//! shown as `\u{…}` escapes instead of reaching the terminal. Pure.

use std::borrow::Cow;

fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `s` with every control character except newline and tab written as `\u{XX}`.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `1 pod`, `5 pods`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(
            escape_controls("a\u{1b}]52;c;eA==\u{7}b"),
            "a\\u{1b}]52;c;eA==\\u{7}b"
        );
        assert_eq!(
            escape_controls("x\ry\u{9b}z\u{7f}"),
            "x\\u{d}y\\u{9b}z\\u{7f}"
        );
        assert_eq!(
            escape_controls("two\nlines\tand tab"),
            "two\nlines\tand tab"
        );
    }
}
