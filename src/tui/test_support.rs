//! Helpers shared by the dashboard's state tests and its snapshot tests.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::origin::Origin;
use super::theme::Theme;
use crate::analysis::Settings;
use crate::inventory::Inventory;

pub fn demo() -> Inventory {
    crate::sources::demo::inventory().expect("the demo parses")
}

/// The dashboard on the demo cluster.
pub fn demo_app(color: bool) -> App {
    App::new(demo(), Settings::default(), Origin::Demo, Theme { color })
}

/// Types `keys`: `\n` Enter, `\x1b` Esc, `\t` Tab, `\x08` Backspace, others as characters.
pub fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            '\x08' => KeyCode::Backspace,
            c => KeyCode::Char(c),
        };
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
    }
}

/// Moves the selection to the binding `key` (which must be shown).
pub fn select(app: &mut App, key: &str) {
    press(app, "g");
    while app.selected_binding() != Some(key) {
        let before = app.bindings.cursor.index;
        press(app, "j");
        assert_ne!(before, app.bindings.cursor.index, "{key} is not shown");
    }
}
