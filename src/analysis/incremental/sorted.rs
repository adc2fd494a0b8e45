//! [`Sorted`]: a small ordered set kept in one vector.
//!
//! The live analysis indexes each pod under its ServiceAccount and its node. Most of those
//! sets are small (a node runs tens of pods, a ServiceAccount often one), and a `BTreeSet`
//! allocates a whole node for its first element (370 bytes for a pod's key); a sorted
//! vector holds what it holds. Inserting and removing cost what the set holds, which is
//! what the event touches.

/// An ordered set of distinct values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorted<T>(Vec<T>);

impl<T> Default for Sorted<T> {
    fn default() -> Self {
        Sorted(Vec::new())
    }
}

impl<T: Ord> Sorted<T> {
    /// Adds `value`; false when it was there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, value);
                true
            }
        }
    }

    /// Takes `value` out; false when it was not there.
    pub fn remove(&mut self, value: &T) -> bool {
        match self.0.binary_search(value) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Gives back the room it does not use (after filling it in bulk).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl<'a, T> IntoIterator for &'a Sorted<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_each_value_once_in_order() {
        let mut s = Sorted::default();
        for v in [5, 1, 3, 1, 4] {
            s.insert(v);
        }
        assert!(!s.insert(3));
        assert_eq!(s.into_iter().copied().collect::<Vec<_>>(), [1, 3, 4, 5]);
        assert!(s.remove(&3) && !s.remove(&3));
        assert_eq!(s.into_iter().copied().collect::<Vec<_>>(), [1, 4, 5]);
        for v in [1, 4, 5] {
            s.remove(&v);
        }
        assert!(s.is_empty());
    }
}
