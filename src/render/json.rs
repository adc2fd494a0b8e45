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
