//! Validation of reports against `docs/report.schema.json`, the published JSON Schema of
//! `irsa-tui/report/v1`.

use std::sync::OnceLock;

use serde_json::Value;

/// The published schema, as shipped in `docs/`.
pub const REPORT_SCHEMA: &str = include_str!("../../docs/report.schema.json");

/// The compiled schema (draft 2020-12, `format` checked), built once per test binary.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(REPORT_SCHEMA)
            .unwrap_or_else(|e| panic!("docs/report.schema.json is not JSON: {e}"));
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("docs/report.schema.json is not a valid schema: {e}"))
    })
}

/// Every way `report` breaks the schema, one line each (`instance path: message`).
pub fn report_errors(report: &Value) -> Vec<String> {
    validator()
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fails the test, listing the first violations, unless `report` matches the schema.
pub fn assert_valid_report(report: &Value) {
    let errors = report_errors(report);
    assert!(
        errors.is_empty(),
        "the report does not match docs/report.schema.json ({} errors; a field the report \
         gained belongs in the schema and in docs/interface.md):\n{}",
        errors.len(),
        errors
            .iter()
            .take(20)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
