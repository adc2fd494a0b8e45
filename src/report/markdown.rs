//! markdown report renderer.
