//! A table's selection: it follows its row by key (not by position) across sorting,
//! filtering and updates, and keeps the scroll position unless the row leaves the window.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The selected row's key. While that row is filtered out, the key is kept so the
    /// selection comes back to it; `index` then points at the nearest shown row.
    pub key: Option<String>,
    pub index: usize,
    /// The first row in the window.
    pub offset: usize,
}

impl Cursor {
    /// After the rows changed: back to the key's row when it is shown, otherwise the row
    /// now at the same position. `key_at` is `None` for rows that cannot be selected.
    pub fn resync<'a>(&mut self, len: usize, key_at: impl Fn(usize) -> Option<&'a str>) {
        if let Some(pos) = self
            .key
            .as_deref()
            .and_then(|k| (0..len).find(|&i| key_at(i) == Some(k)))
        {
            self.index = pos;
            return;
        }
        if len == 0 {
            self.index = 0;
            return;
        }
        self.index = self.index.min(len - 1);
        self.index = nearest_selectable(self.index, len, 1, &key_at).unwrap_or(self.index);
        if self.key.is_none() {
            self.key = key_at(self.index).map(str::to_owned);
        }
    }

    /// Moves by `delta` rows (clamped), skipping rows that cannot be selected.
    pub fn move_by<'a>(
        &mut self,
        delta: isize,
        len: usize,
        key_at: impl Fn(usize) -> Option<&'a str>,
    ) {
        if len == 0 {
            return;
        }
        let target = self.index.saturating_add_signed(delta).min(len - 1);
        let direction = if delta < 0 { -1 } else { 1 };
        if let Some(i) = nearest_selectable(target, len, direction, &key_at) {
            self.index = i;
            self.key = key_at(i).map(str::to_owned);
        }
    }

    /// Scrolls just enough to show the selected row in a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize, len: usize) {
        let height = height.max(1);
        if self.index < self.offset {
            self.offset = self.index;
        } else if self.index >= self.offset + height {
            self.offset = self.index + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// The selectable row nearest `from`, looking in `direction` first.
fn nearest_selectable<'a>(
    from: usize,
    len: usize,
    direction: isize,
    key_at: &impl Fn(usize) -> Option<&'a str>,
) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let forward = (from..len).find(|&i| key_at(i).is_some());
    let backward = (0..=from.min(len.saturating_sub(1)))
        .rev()
        .find(|&i| key_at(i).is_some());
    if direction < 0 {
        backward.or(forward)
    } else {
        forward.or(backward)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_its_key_and_skips_unselectable_rows() {
        let rows = ["#a", "b", "c", "#d", "e"];
        let key_at = |i: usize| rows.get(i).filter(|r| !r.starts_with('#')).copied();
        let mut c = Cursor::default();
        c.resync(rows.len(), key_at);
        assert_eq!((c.index, c.key.as_deref()), (1, Some("b")));
        c.move_by(2, rows.len(), key_at);
        assert_eq!(
            (c.index, c.key.as_deref()),
            (4, Some("e")),
            "skips the header at 3"
        );
        c.move_by(-1, rows.len(), key_at);
        assert_eq!(c.index, 2);
        // Reordered rows: the key is found again.
        let reordered = ["c", "b"];
        c.resync(2, |i| reordered.get(i).copied());
        assert_eq!((c.index, c.key.as_deref()), (0, Some("c")));
        // Gone: nearest row shown, key kept for when it comes back.
        let without = ["b"];
        c.resync(1, |i| without.get(i).copied());
        assert_eq!((c.index, c.key.as_deref()), (0, Some("c")));
        c.resync(0, |_| None);
        assert_eq!((c.index, c.key.as_deref()), (0, Some("c")));
        c.move_by(1, 0, |_| None);
        assert_eq!(c.index, 0);
    }

    #[test]
    fn scrolls_only_when_the_selection_leaves_the_window() {
        let mut c = Cursor {
            index: 5,
            offset: 3,
            ..Default::default()
        };
        c.scroll_into_view(4, 100);
        assert_eq!(c.offset, 3);
        c.index = 9;
        c.scroll_into_view(4, 100);
        assert_eq!(c.offset, 6);
        c.index = 2;
        c.scroll_into_view(4, 100);
        assert_eq!(c.offset, 2);
        c.offset = 50;
        c.index = 9;
        c.scroll_into_view(4, 10);
        assert_eq!(c.offset, 6, "no empty space below the last row");
    }
}
