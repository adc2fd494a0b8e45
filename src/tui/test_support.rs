//! Helpers shared by the dashboard's state tests and its snapshot tests.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
pub use super::fixtures::{demo, model};
use super::theme::Theme;
use crate::inventory::Inventory;
use crate::updates::Origin;

/// The dashboard on `inventory`.
pub fn app_on(inventory: &Inventory, origin: Origin, color: bool) -> App {
    App::new(model(inventory), origin, Theme { color })
}

/// The dashboard on the demo cluster.
pub fn demo_app(color: bool) -> App {
    app_on(&demo(), Origin::Demo, color)
}

/// A new analysis of `inventory` arrives; returns how many rows changed.
pub fn apply(app: &mut App, inventory: &Inventory, now: Instant) -> usize {
    app.apply_model(model(inventory), now)
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
