//! The demo cluster generator (deterministic) and synthetic clusters for benchmarks.
