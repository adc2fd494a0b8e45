//! Renderers: turn analysis results into text for people and machines.

pub mod style;
pub mod trust;
