//! EKS Pod Identity associations: moto does not implement them, so these tests use
//! aws-smithy-mocks on the same SDK client the production code uses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use aws_sdk_eks::Client;
use aws_sdk_eks::operation::describe_pod_identity_association::DescribePodIdentityAssociationOutput;
use aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsOutput;
use aws_sdk_eks::types::{PodIdentityAssociation, PodIdentityAssociationSummary};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use irsa_tui::sources::aws::CallLog;
use irsa_tui::sources::aws::eks::associations;
use irsa_tui::sources::store::Store;

fn summary(id: &str) -> PodIdentityAssociationSummary {
    PodIdentityAssociationSummary::builder()
        .association_id(id)
        .cluster_name("prod")
        .build()
}

fn association(id: &str, ns: &str, sa: &str, role: &str) -> DescribePodIdentityAssociationOutput {
    DescribePodIdentityAssociationOutput::builder()
        .association(
            PodIdentityAssociation::builder()
                .association_id(id)
                .cluster_name("prod")
                .namespace(ns)
                .service_account(sa)
                .role_arn(role)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn associations_are_listed_then_described() {
    let list = mock!(Client::list_pod_identity_associations).then_output(|| {
        ListPodIdentityAssociationsOutput::builder()
            .associations(summary("a-2"))
            .associations(summary("a-1"))
            .build()
    });
    let one = mock!(Client::describe_pod_identity_association)
        .match_requests(|r| r.association_id() == Some("a-1"))
        .then_output(|| {
            association(
                "a-1",
                "analytics",
                "reporter",
                "arn:aws:iam::111122223333:role/reporter",
            )
        });
    let two = mock!(Client::describe_pod_identity_association)
        .match_requests(|r| r.association_id() == Some("a-2"))
        .then_output(|| {
            association(
                "a-2",
                "ml",
                "inference",
                "arn:aws:iam::111122223333:role/inference",
            )
        });
    let client = mock_client!(aws_sdk_eks, RuleMode::MatchAny, [&list, &one, &two]);
    let store = Store::new();
    let calls = CallLog::default();
    associations(&client, "prod", &store, &calls).await;
    let inv = store.inventory();
    let got: Vec<(&str, &str, &str)> = inv
        .pod_identity_associations
        .iter()
        .map(|a| {
            (
                a.namespace.as_str(),
                a.service_account.as_str(),
                a.association_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("analytics", "reporter", "a-1"), ("ml", "inference", "a-2")]
    );
    assert_eq!(
        calls.counts().get("eks:DescribePodIdentityAssociation"),
        Some(&2)
    );
}

#[tokio::test]
async fn an_endpoint_without_the_api_leaves_associations_unknown_not_failed() {
    let list = mock!(Client::list_pod_identity_associations).then_error(|| {
        aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsError::unhandled(
            "UnknownOperationException",
        )
    });
    let client = mock_client!(aws_sdk_eks, RuleMode::MatchAny, [&list]);
    let store = Store::new();
    store.update(|d| d.aws.reachable = true);
    associations(&client, "prod", &store, &CallLog::default()).await;
    let inv = store.inventory();
    assert!(inv.pod_identity_associations.is_empty());
    assert!(inv.aws.reachable, "a missing API is not an AWS failure");
}

/// Associations made or removed while the dashboard runs: listed again, only the new one is
/// described, the removed one is gone, and a list that fails changes nothing.
#[tokio::test]
async fn associations_listed_again_describe_only_the_new_ones() {
    use irsa_tui::inventory::PodIdentityAssociation;
    use irsa_tui::sources::aws::eks::refresh_associations;
    let list = mock!(Client::list_pod_identity_associations).then_output(|| {
        ListPodIdentityAssociationsOutput::builder()
            .associations(summary("a-1"))
            .associations(summary("a-3"))
            .build()
    });
    let new = mock!(Client::describe_pod_identity_association)
        .match_requests(|r| r.association_id() == Some("a-3"))
        .then_output(|| {
            association(
                "a-3",
                "orders",
                "returns-api",
                "arn:aws:iam::111122223333:role/returns",
            )
        });
    let client = mock_client!(aws_sdk_eks, RuleMode::MatchAny, [&list, &new]);
    let store = Store::new();
    let known = |id: &str, ns: &str, sa: &str| PodIdentityAssociation {
        namespace: ns.into(),
        service_account: sa.into(),
        role_arn: format!("arn:aws:iam::111122223333:role/{sa}"),
        association_id: Some(id.into()),
    };
    store.update(|d| {
        d.pod_identity_associations = vec![
            known("a-1", "analytics", "reporter"),
            known("a-2", "ml", "inference"),
        ];
    });
    let calls = CallLog::default();
    assert!(refresh_associations(&client, "prod", &store, &calls).await);
    let got: Vec<(String, String)> = store
        .inventory()
        .pod_identity_associations
        .iter()
        .map(|a| {
            (
                a.association_id.clone().unwrap_or_default(),
                a.role_arn.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "a-1".to_owned(),
                "arn:aws:iam::111122223333:role/reporter".to_owned()
            ),
            (
                "a-3".to_owned(),
                "arn:aws:iam::111122223333:role/returns".to_owned()
            ),
        ]
    );
    assert_eq!(
        calls.counts().get("eks:DescribePodIdentityAssociation"),
        Some(&1),
        "only the new association is described"
    );
    assert_eq!(new.num_calls(), 1);
    // Listed again with nothing new: unchanged, nothing described.
    assert!(!refresh_associations(&client, "prod", &store, &calls).await);
    assert_eq!(new.num_calls(), 1);

    let failing = mock!(Client::list_pod_identity_associations).then_error(|| {
        aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsError::unhandled("boom")
    });
    let client = mock_client!(aws_sdk_eks, RuleMode::MatchAny, [&failing]);
    assert!(!refresh_associations(&client, "prod", &store, &calls).await);
    assert_eq!(store.inventory().pod_identity_associations.len(), 2);
}
