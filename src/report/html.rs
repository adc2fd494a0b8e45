//! html report renderer.
