//! The managed policies' documents where IAM refuses some reads: aws-smithy-mocks on the
//! same SDK client the production code uses (moto cannot deny one policy's reads).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a failed expectation is the test failing"
)]

use std::collections::BTreeSet;

use aws_sdk_iam::Client;
use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::operation::get_policy::{GetPolicyError, GetPolicyOutput};
use aws_sdk_iam::operation::get_policy_version::{GetPolicyVersionError, GetPolicyVersionOutput};
use aws_sdk_iam::operation::list_open_id_connect_providers::ListOpenIdConnectProvidersOutput;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, ManagedPolicyDetail,
    PermissionsBoundaryAttachmentType, Policy, PolicyVersion, RoleDetail,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use irsa_tui::sources::aws::CallLog;
use irsa_tui::sources::aws::iam::fetch;
use irsa_tui::sources::store::Store;

const ACCOUNT: &str = "111122223333";
const LOCAL: &str = "arn:aws:iam::111122223333:policy/local-admin";
/// GetPolicy denied.
const DENIED: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
/// Readable.
const S3: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
/// GetPolicy answers, GetPolicyVersion denied.
const HALF: &str = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess";
const ADMIN_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const S3_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#;

fn role(name: &str, attached: &[&str], boundary: Option<&str>) -> RoleDetail {
    let mut b = RoleDetail::builder()
        .arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
        .role_name(name)
        .path("/")
        .role_id(format!("AROA{}", name.to_uppercase()));
    for arn in attached {
        b = b.attached_managed_policies(
            AttachedPolicy::builder()
                .policy_arn(*arn)
                .policy_name(arn.rsplit('/').next().unwrap())
                .build(),
        );
    }
    if let Some(arn) = boundary {
        b = b.permissions_boundary(
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn(arn)
                .permissions_boundary_type(PermissionsBoundaryAttachmentType::Policy)
                .build(),
        );
    }
    b.build()
}

fn denied(action: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("AccessDenied")
        .message(format!(
            "User: arn:aws:iam::{ACCOUNT}:user/reader is not authorized to perform: {action}"
        ))
        .build()
}

#[tokio::test]
async fn unreadable_policies_are_kept_with_why_and_each_arn_is_read_once() {
    let providers = mock!(Client::list_open_id_connect_providers)
        .then_output(|| ListOpenIdConnectProvidersOutput::builder().build());
    let bulk = mock!(Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(role("api", &[LOCAL, DENIED, S3], Some(S3)))
            .role_detail_list(role("worker", &[S3, HALF], Some(DENIED)))
            .policies(
                ManagedPolicyDetail::builder()
                    .arn(LOCAL)
                    .policy_name("local-admin")
                    .default_version_id("v2")
                    .policy_version_list(
                        PolicyVersion::builder()
                            .version_id("v1")
                            .document("{}")
                            .is_default_version(false)
                            .build(),
                    )
                    .policy_version_list(
                        PolicyVersion::builder()
                            .version_id("v2")
                            .document(ADMIN_DOC)
                            .is_default_version(true)
                            .build(),
                    )
                    .build(),
            )
            .is_truncated(false)
            .build()
    });
    let get_denied = mock!(Client::get_policy)
        .match_requests(|r| r.policy_arn() == Some(DENIED))
        .then_error(|| GetPolicyError::generic(denied("iam:GetPolicy")));
    let get_ok = mock!(Client::get_policy)
        .match_requests(|r| r.policy_arn() != Some(DENIED))
        .then_compute_output(|r| {
            let arn = r.policy_arn().unwrap();
            GetPolicyOutput::builder()
                .policy(
                    Policy::builder()
                        .arn(arn)
                        .policy_name(arn.rsplit('/').next().unwrap())
                        .default_version_id("v7")
                        .build(),
                )
                .build()
        });
    let version_s3 = mock!(Client::get_policy_version)
        .match_requests(|r| r.policy_arn() == Some(S3) && r.version_id() == Some("v7"))
        .then_output(|| {
            GetPolicyVersionOutput::builder()
                .policy_version(
                    PolicyVersion::builder()
                        .version_id("v7")
                        .document(S3_DOC)
                        .is_default_version(true)
                        .build(),
                )
                .build()
        });
    let version_half = mock!(Client::get_policy_version)
        .match_requests(|r| r.policy_arn() == Some(HALF))
        .then_error(|| GetPolicyVersionError::generic(denied("iam:GetPolicyVersion")));
    let client = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [
            &providers,
            &bulk,
            &get_denied,
            &get_ok,
            &version_s3,
            &version_half
        ]
    );
    let store = Store::new();
    let calls = CallLog::default();
    let referenced: BTreeSet<String> = ["api", "worker"]
        .map(|n| format!("arn:aws:iam::{ACCOUNT}:role/{n}"))
        .into();
    fetch(&client, Some(ACCOUNT), &referenced, &store, &calls).await;
    let inv = store.inventory();

    let arns: Vec<&str> = inv
        .managed_policies
        .iter()
        .map(|p| p.arn.as_str())
        .collect();
    let mut expected = vec![LOCAL, DENIED, S3, HALF];
    expected.sort();
    assert_eq!(
        arns, expected,
        "every used policy once, sorted, none dropped"
    );
    let policy = |arn: &str| inv.managed_policies.iter().find(|p| p.arn == arn).unwrap();
    // From the bulk pages: the default version, not the first.
    assert_eq!(policy(LOCAL).document.as_deref(), Some(ADMIN_DOC));
    assert_eq!(policy(LOCAL).default_version.as_deref(), Some("v2"));
    assert_eq!(policy(LOCAL).name, "local-admin");
    assert_eq!(policy(S3).document.as_deref(), Some(S3_DOC));
    assert_eq!(policy(S3).default_version.as_deref(), Some("v7"));
    assert_eq!(policy(S3).error, None);
    let why = policy(DENIED).error.as_deref().unwrap();
    assert!(
        why.starts_with("AWS denied iam:GetPolicy to these credentials (AccessDenied: User: "),
        "{why}"
    );
    assert_eq!(policy(DENIED).document, None);
    assert_eq!(policy(DENIED).name, "ReadOnlyAccess");
    let why = policy(HALF).error.as_deref().unwrap();
    assert!(
        why.starts_with("AWS denied iam:GetPolicyVersion to these credentials (AccessDenied: "),
        "{why}"
    );
    assert_eq!(policy(HALF).document, None);
    assert_eq!(policy(HALF).default_version.as_deref(), Some("v7"));

    // Three distinct AWS-managed ARNs (S3 attached twice and a boundary, ReadOnlyAccess
    // attached and a boundary): three GetPolicy, two GetPolicyVersion; none for LOCAL.
    let counts = calls.counts();
    assert_eq!(counts.get("iam:GetPolicy"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("iam:GetPolicyVersion"), Some(&2), "{counts:?}");
    assert_eq!(get_ok.num_calls() + get_denied.num_calls(), 3);

    // The customer policy's `*` on `*`, from the bulk document, makes it admin.
    let api = inv.roles.iter().find(|r| r.name == "api").unwrap();
    let admin: Vec<&str> = api
        .attached_policies
        .iter()
        .filter(|p| p.admin)
        .map(|p| p.arn.as_str())
        .collect();
    assert_eq!(admin, vec![LOCAL]);
}
