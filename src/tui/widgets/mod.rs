//! Pieces the views are drawn with.

pub mod command_line;
pub mod footer;
pub mod header;
pub mod page;
pub mod table;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState};

/// A vertical scrollbar on `area`'s right edge for a window of `height` rows at `offset`
/// in `len` rows; nothing when everything fits.
pub fn scrollbar(frame: &mut Frame, area: Rect, len: usize, offset: usize, height: usize) {
    if len <= height {
        return;
    }
    let mut state = ScrollbarState::new(len - height + 1)
        .position(offset)
        .viewport_content_length(height);
    frame.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None),
        area,
        &mut state,
    );
}
