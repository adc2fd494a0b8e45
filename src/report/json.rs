//! json report renderer.
