//! Sources fill the inventory: the embedded demo cluster, snapshot replay, and (later) live Kubernetes and AWS readers.

pub mod demo;
