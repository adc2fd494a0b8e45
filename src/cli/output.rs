//! How the command line ends and writes: exit statuses, the one-line error, colour.

use std::io::Write;
use std::process::ExitCode;

/// Exit status: 0 success/allowed, 1 denied or findings, 2 could not run.
pub const EXIT_USAGE: u8 = 2;

/// Prints a one-line error and returns exit status 2.
pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    let message = crate::redact::redact(&message.to_string());
    let _ = writeln!(std::io::stderr(), "irsa-tui: error: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Colour is used on a terminal unless `NO_COLOR` is set to a non-empty value.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    crate::render::style::color_allowed() && std::io::stdout().is_terminal()
}
