//! Renderers: turn analysis results into text for people and machines.

pub mod html;
pub mod json;
pub mod markdown;
#[cfg(test)]
mod sample;
pub mod style;
pub mod trust;
