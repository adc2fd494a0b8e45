//! Sources fill the inventory: the embedded demo cluster, snapshot replay, and the live
//! Kubernetes and AWS readers, which write into a shared [`store::Store`].

pub mod aws;
pub mod demo;
pub mod kube;
pub mod kubeconfig;
pub mod live;
pub mod replay;
pub mod store;
