//! Renderers: the report (and the `trust` assessment) as text for people and machines:
//! JSON, Markdown, HTML, and the terminal text of `trust`, `can` and `who-can`.

pub mod can;
pub mod evidence;
pub mod html;
pub mod json;
pub mod markdown;
#[cfg(test)]
mod sample;
pub mod style;
pub mod trust;
