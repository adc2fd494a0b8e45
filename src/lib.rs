//! irsa-tui: cluster-wide IRSA health for Amazon EKS.
//!
//! Data flows one way: sources → inventory → analysis (uses [`policy`]) → report / tui.

pub mod policy;
