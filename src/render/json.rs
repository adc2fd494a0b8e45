//! JSON report renderer: the `irsa-tui/report/v1` document exactly as [`Report`]
//! serialises, pretty-printed, with a trailing newline. The report's order is kept.

use crate::analysis::Report;

/// Renders the report as pretty JSON. The same report always gives the same bytes.
pub fn render(report: &Report) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut text) => {
            text.push('\n');
            escape_c1(text)
        }
        // Unreachable with the report's types (string-keyed maps only); still valid JSON.
        Err(e) => format!(
            "{{\"schema\": {}, \"error\": {}}}\n",
            serde_json::Value::from(report.schema.as_str()),
            serde_json::Value::from(e.to_string())
        ),
    }
}

/// Writes what [`render`] gives, byte for byte, without holding the text (at 100,000 pods
/// the report is 90 MB of JSON, and the growing `String` twice that).
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut escaped = EscapeC1 { out, lead: false };
    // An I/O error keeps its kind (a reader that went away is a broken pipe).
    serde_json::to_writer_pretty(&mut escaped, report).map_err(std::io::Error::from)?;
    std::io::Write::write_all(&mut escaped, b"\n")?;
    std::io::Write::flush(&mut escaped)
}

/// [`escape_c1`] on a stream of UTF-8: DEL is the byte 0x7F, a C1 control the bytes 0xC2
/// 0x80–0x9F (`lead`: the last byte written was an 0xC2 held back).
struct EscapeC1<'a> {
    out: &'a mut dyn std::io::Write,
    lead: bool,
}

impl std::io::Write for EscapeC1<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut from = 0;
        for (i, &b) in buf.iter().enumerate() {
            if self.lead {
                self.lead = false;
                if (0x80..=0x9f).contains(&b) {
                    self.out.write_all(&buf[from..i])?;
                    self.out.write_all(format!("\\u{b:04x}").as_bytes())?;
                } else {
                    self.out.write_all(&buf[from..i])?;
                    self.out.write_all(&[0xc2, b])?;
                }
                from = i + 1;
            } else if b == 0xc2 {
                self.out.write_all(&buf[from..i])?;
                self.lead = true;
                from = i + 1;
            } else if b == 0x7f {
                self.out.write_all(&buf[from..i])?;
                self.out.write_all(b"\\u007f")?;
                from = i + 1;
            }
        }
        self.out.write_all(&buf[from..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.lead) {
            self.out.write_all(&[0xc2])?;
        }
        self.out.flush()
    }
}

/// JSON escapes C0 controls itself; DEL and the C1 controls (0x80–0x9F, which some
/// terminals read as CSI and OSC) become `\u00XX` escapes too, so the JSON is safe to print.
fn escape_c1(text: String) -> String {
    if !text.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if ('\u{7f}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn json_round_trips() {
        let report = sample::report();
        let text = render(&report);
        let back: Report = serde_json::from_str(&text).expect("the rendered JSON parses");
        assert_eq!(back, report);
    }

    #[test]
    fn json_written_as_a_stream_is_the_rendered_text() {
        let mut report = sample::report();
        // DEL and C1 controls, split across the writes, and the bytes beside them.
        std::sync::Arc::make_mut(&mut report.bindings[0]).service_account =
            "a\u{7f}b\u{9b}c\u{85}\u{a0}é\u{c2}\u{80}".into();
        let mut streamed = Vec::new();
        write(&report, &mut streamed).expect("writes");
        let text = render(&report);
        assert!(
            text.contains("a\\u007fb\\u009bc\\u0085\u{a0}é\u{c2}\\u0080"),
            "{text}"
        );
        assert_eq!(String::from_utf8(streamed).expect("UTF-8"), text);
        // One byte at a time: an 0xC2 at the end of a write is held for the next.
        let mut bytes = Vec::new();
        {
            let mut escaped = EscapeC1 {
                out: &mut bytes,
                lead: false,
            };
            for b in text.replace("\\u0080", "\u{80}").bytes() {
                std::io::Write::write_all(&mut escaped, &[b]).expect("writes");
            }
            std::io::Write::flush(&mut escaped).expect("flushes");
        }
        assert_eq!(String::from_utf8(bytes).expect("UTF-8"), text);
    }

    #[test]
    fn json_is_byte_identical_across_renders() {
        let report = sample::report();
        let first = render(&report);
        assert_eq!(first, render(&report));
        assert_eq!(first, render(&report.clone()));
    }

    #[test]
    fn json_has_the_schema_and_a_trailing_newline() {
        let text = render(&sample::report());
        assert!(text.starts_with("{\n  \"schema\": \"irsa-tui/report/v1\",\n"));
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        let v: serde_json::Value = serde_json::from_str(&text).expect("parses");
        let keys: Vec<&str> = v
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "schema",
                "generated_at",
                "cluster",
                "summary",
                "cluster_findings",
                "bindings",
                "node_roles"
            ]
        );
        assert_eq!(v["bindings"][0]["status"], "failing");
        assert_eq!(v["bindings"][0]["findings"][0]["code"], "IRSA203");
    }
}
