//! Codes the catalog lists ahead of the checks that will raise them. Each entry moves next
//! to its builder when that lands; until then `explain` and `docs/findings.md` say that this
//! version does not report it. None is planned now.

use crate::analysis::finding::Code;

/// The codes declared here.
pub const PLANNED: &[Code] = &[];
