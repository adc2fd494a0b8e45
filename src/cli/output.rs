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

/// Writes `text` on standard output. A reader that went away (`irsa-tui … | head -1`: a
/// broken pipe) is not an error: nothing is said and the command ends with its own status.
/// Any other write error is the one-line error, exit status 2, in `Err`.
pub fn print(text: impl AsRef<[u8]>) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(fail(format!("cannot write to standard output: {e}"))),
    }
}

/// As [`print`], for text written as it is made.
pub fn print_with(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(fail(format!("cannot write to standard output: {e}"))),
    }
}

/// Colour is used on a terminal unless `NO_COLOR` is set to a non-empty value.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    crate::render::style::color_allowed() && std::io::stdout().is_terminal()
}
