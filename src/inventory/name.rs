//! [`Name`]: a string shared by the records that hold it, and [`Names`], the table that
//! hands out one copy of each repeated value.
//!
//! A cluster of 100,000 pods repeats a few hundred namespaces, ServiceAccounts, nodes,
//! owners, role ARNs and token paths. Held as `String`s every pod paid for its own copies;
//! as `Name`s handed out by one [`Names`], a pod holds pointers to one copy each.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An immutable string, shared by its clones (cloning counts a reference; it does not
/// copy). Reads as a `str`; serialises as a plain string. One pointer wide (an `Arc<str>`
/// is two), so a record of many names, or an `Option` of one, stays small: the text is
/// one allocation away behind the shared counts.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<Box<str>>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(Arc::new(Box::from(s)))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name(Arc::new(s.into_boxed_str()))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Self {
        Name::from(s.as_str())
    }
}

impl From<&Name> for Name {
    /// Another handle on the same text (no copy).
    fn from(n: &Name) -> Self {
        n.clone()
    }
}

impl From<Name> for String {
    fn from(n: Name) -> Self {
        n.as_str().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Name::from)
    }
}

/// A namespaced object's (namespace, name), as the live store and the live analysis key
/// it: a pod's shares its texts with the pod.
pub type Named = (Name, Name);

/// The key of `ns/name`: a [`Name`] given is shared, a `str` copied.
pub fn named(ns: impl Into<Name>, name: impl Into<Name>) -> Named {
    (ns.into(), name.into())
}

/// The one copy of each value handed out so far. Values nobody holds any more are
/// forgotten when the table has doubled since it last looked, so it stays within twice
/// what is held.
#[derive(Debug, Default)]
pub struct Names {
    held: HashSet<Name>,
    /// The size at which to forget values nobody else holds.
    sweep_at: usize,
}

/// The table is not swept below this size.
const SWEEP_FLOOR: usize = 1024;

impl Names {
    /// `value`, shared with every earlier and later request for the same text.
    pub fn name(&mut self, value: &str) -> Name {
        if let Some(held) = self.held.get(value) {
            return held.clone();
        }
        if self.held.len() >= self.sweep_at {
            self.held.retain(|v| Arc::strong_count(&v.0) > 1);
            self.sweep_at = (self.held.len() * 2).max(SWEEP_FLOOR);
        }
        let held = Name::from(value);
        self.held.insert(held.clone());
        held
    }

    /// As [`Names::name`], for an optional value.
    pub fn optional(&mut self, value: Option<&str>) -> Option<Name> {
        value.map(|v| self.name(v))
    }

    /// How many distinct values it holds.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_handed_out_as_one_copy() {
        let mut names = Names::default();
        let a = names.name("kube-system");
        let b = names.name("kube-system");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_ne!(names.name("default"), a);
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn a_name_and_an_absent_one_are_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Name>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Option<Name>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn values_nobody_holds_are_forgotten_once_the_table_doubles() {
        let mut names = Names::default();
        let kept = names.name("kept");
        let mut held = Vec::new();
        for i in 0..SWEEP_FLOOR * 3 {
            let n = names.name(&format!("value-{i}"));
            if i % 100 == 0 {
                held.push(n);
            }
        }
        // Swept at least twice: what is held, and what came since the last sweep.
        assert!(names.len() <= SWEEP_FLOOR, "{}", names.len());
        assert!(Arc::ptr_eq(&names.name("kept").0, &kept.0));
        for n in &held {
            assert!(Arc::ptr_eq(&names.name(n).0, &n.0), "{n} was forgotten");
        }
    }

    #[test]
    fn a_name_serialises_and_compares_as_its_text() {
        let n = Name::from("web");
        assert_eq!(serde_json::to_string(&n).unwrap(), r#""web""#);
        let back: Name = serde_json::from_str(r#""web""#).unwrap();
        assert_eq!(back, n);
        let text = String::from("web");
        assert_eq!(n, "web");
        assert_eq!("web", n);
        assert_eq!(n, text);
        assert_eq!(text, n);
        assert_eq!(format!("{n} {n:?}"), r#"web "web""#);
    }
}
