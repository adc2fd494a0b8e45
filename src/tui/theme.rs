//! Colours and symbols. Every status and severity has a symbol as well as a colour, so the
//! dashboard reads the same with `NO_COLOR` and for colour-blind users; without colour only
//! modifiers (bold, reverse, underline) remain.

use ratatui::style::{Color, Modifier, Style};

use crate::analysis::{Assumes, Severity, Status, Tri};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Self {
        Theme {
            color: crate::render::style::color_allowed(),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn status(self, s: Status) -> Style {
        match s {
            Status::Failing => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::Unknown => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Status::Warning => self.fg(Color::Yellow),
            Status::Ok => self.fg(Color::Green),
        }
    }

    /// Whether the pods get the role's credentials, coloured as a ✓/✗/? flag.
    pub fn assumes(self, a: Assumes) -> Style {
        self.flag(match a {
            Assumes::Yes => Some(true),
            Assumes::Denied => Some(false),
            Assumes::Unknown => None,
        })
        .1
    }

    pub fn severity(self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Error => self.fg(Color::Red),
            Severity::Warning => self.fg(Color::Yellow),
            Severity::Info => self.fg(Color::Cyan),
        }
    }

    pub fn tri(self, t: Tri) -> Style {
        match t {
            Tri::True => self.fg(Color::Green),
            Tri::False => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tri::Unknown => self.fg(Color::Yellow),
        }
    }

    /// A yes/no/unknown fact in the header.
    pub fn flag(self, v: Option<bool>) -> (&'static str, Style) {
        match v {
            Some(true) => ("✓", self.fg(Color::Green)),
            Some(false) => ("✗", self.fg(Color::Red).add_modifier(Modifier::BOLD)),
            None => ("?", self.fg(Color::Yellow)),
        }
    }

    /// The spinner's `frame`, turning while something loads; in the "unknown" colour.
    pub fn spinner(self, frame: usize) -> (&'static str, Style) {
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        (FRAMES[frame % FRAMES.len()], self.fg(Color::Yellow))
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Rows that changed in the last update.
    pub fn changed(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Indexed(58))
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn heading(self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn accent(self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn active_tab(self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    /// The deciding statement of a trust policy.
    pub fn deciding(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }
}

pub fn severity_symbol(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "‼",
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

pub fn tri_symbol(t: Tri) -> &'static str {
    match t {
        Tri::True => "✓",
        Tri::False => "✗",
        Tri::Unknown => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_only_modifiers_remain() {
        let plain = Theme { color: false };
        for s in [
            Status::Failing,
            Status::Unknown,
            Status::Warning,
            Status::Ok,
        ] {
            assert_eq!(plain.status(s).fg, None);
            assert_eq!(plain.status(s).bg, None);
        }
        assert_eq!(plain.changed().bg, None);
        assert!(plain.changed().add_modifier.contains(Modifier::UNDERLINED));
        assert_eq!(
            Theme { color: true }.status(Status::Failing).fg,
            Some(Color::Red)
        );
        let symbols: std::collections::HashSet<_> = [
            Status::Failing,
            Status::Unknown,
            Status::Warning,
            Status::Ok,
        ]
        .map(Status::symbol)
        .into();
        assert_eq!(symbols.len(), 4, "each status has its own symbol");
    }
}
