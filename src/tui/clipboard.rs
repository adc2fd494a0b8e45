//! Copying with OSC 52: the terminal (local, over SSH, or tmux with `set-clipboard on`)
//! puts the text on the system clipboard. Inside tmux the sequence is also sent wrapped
//! for passthrough (`allow-passthrough on`), so either tmux setting works.

use std::io::Write;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The OSC 52 "set clipboard" sequence for `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// The sequence wrapped in tmux's DCS passthrough (inner escapes doubled).
fn tmux_passthrough(seq: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
}

/// Sends `text` to the clipboard through the terminal `out`.
pub fn copy(out: &mut impl Write, text: &str, in_tmux: bool) -> std::io::Result<()> {
    let seq = osc52(text);
    out.write_all(seq.as_bytes())?;
    if in_tmux {
        out.write_all(tmux_passthrough(&seq).as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn writes_osc52_and_the_tmux_passthrough() {
        let mut out = Vec::new();
        copy(&mut out, "kubectl", false).expect("writes");
        assert_eq!(out, b"\x1b]52;c;a3ViZWN0bA==\x07");
        let mut out = Vec::new();
        copy(&mut out, "kubectl", true).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.ends_with("\x1bPtmux;\x1b\x1b]52;c;a3ViZWN0bA==\x07\x1b\\"));
    }
}
