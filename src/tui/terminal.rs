//! Taking over the terminal and giving it back: raw mode and the alternate screen, restored
//! on every way out, including a panic (the terminal first, then color-eyre's report).

use std::io::{self, Stdout};

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Gives the terminal back when dropped.
pub struct Guard {
    pub terminal: Term,
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, alternate screen, hidden cursor; restored when the guard drops.
pub fn enter() -> io::Result<Guard> {
    enable_raw_mode()?;
    let entered = execute!(io::stdout(), EnterAlternateScreen)
        .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())))
        .and_then(|mut terminal| terminal.hide_cursor().map(|()| terminal));
    match entered {
        Ok(terminal) => Ok(Guard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Leaves raw mode and the alternate screen; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

/// color-eyre's panic and error reports, with the terminal restored before a panic is
/// printed (so the report is readable and the shell usable). A panic on any thread ends the
/// program (status 101): a dashboard whose terminal was just given back, or whose analysis
/// or sources died, cannot go on.
pub fn install_hooks(color: bool) {
    let theme = if color {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let Ok((panic_hook, eyre_hook)) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .try_into_hooks()
    else {
        return;
    };
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        panic_hook(info);
        std::process::exit(101);
    }));
    // Already installed (a second run in one process): keep the first.
    let _ = eyre_hook.install();
}
