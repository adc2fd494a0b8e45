//! The managed policies the demo's roles attach or are bounded by, with their default
//! version's document as IAM returns it (`Inventory::managed_policies`).
//!
//! AWS managed policies follow AWS's published documents (a few long action lists trimmed,
//! their shape kept: `NotAction` in PowerUserAccess, the tag conditions of the CSI driver
//! policies) and are stored pretty-printed, as IAM keeps them. Customer managed policies
//! are least-privilege documents in the shape Terraform's `jsonencode` writes (compact),
//! some of them percent-encoded as GetPolicyVersion returns them.

use serde_json::{Value, json};

use irsa_tui::inventory::{ManagedPolicy, Role};

use super::catalog::CROSS_ACCOUNT;
use super::trust::url_encode;
use crate::names::{ACCOUNT, REGION};

/// The reader named in GetPolicyVersion's error for the warehouse account's policy (worded as
/// GetRole's for the partner's role): it may read that account's roles, not its policy versions.
const READER: &str = "arn:aws:sts::111122223333:assumed-role/platform-readonly/jane.doe";

/// Customer managed policies stored percent-encoded, exactly as GetPolicyVersion returns them.
const URL_ENCODED: &[&str] = &[
    "arn:aws:iam::111122223333:policy/shop-prod-payments-queues",
    "arn:aws:iam::111122223333:policy/KarpenterControllerPolicy-shop-prod",
];

/// The payments team's KMS key (card data), and the platform's secrets key.
const PAYMENTS_KEY: &str = "key/3f9c1a62-8d4e-4b7a-a1c5-6e2d9b0f4c17";
const SECRETS_KEY: &str = "key/b0e7d215-4c39-4f8a-9e61-2a7c5d8f1e03";
const VAULT_KEY: &str = "key/7d2a9e40-1b6c-4e85-b3f9-0c4a8e6d2b51";
/// The shop's public hosted zone (shop.example.com).
const HOSTED_ZONE: &str = "Z04827163AB9KD2LQX7TM";
const USER_POOL: &str = "eu-west-1_Qx7Lm2Rt9";

/// One entry per distinct managed policy ARN the roles attach or use as a boundary, in the
/// order first met (roles in order; attached policies, then the boundary).
pub(crate) fn managed_policies(roles: &[Role]) -> Vec<ManagedPolicy> {
    let mut arns: Vec<&str> = Vec::new();
    for role in roles {
        let used = role
            .attached_policies
            .iter()
            .map(|p| p.arn.as_str())
            .chain(role.permissions_boundary.as_deref());
        for arn in used {
            if !arns.contains(&arn) {
                arns.push(arn);
            }
        }
    }
    arns.into_iter().map(managed_policy).collect()
}

fn managed_policy(arn: &str) -> ManagedPolicy {
    let name = arn.rsplit('/').next().unwrap_or(arn).to_owned();
    let unreadable = |error: String| ManagedPolicy {
        arn: arn.to_owned(),
        name: name.clone(),
        default_version: None,
        document: None,
        error: Some(error),
    };
    if arn.contains(&format!(":iam::{CROSS_ACCOUNT}:")) {
        return unreadable(format!(
            "AccessDenied: User: {READER} is not authorized to perform: iam:GetPolicyVersion on resource: policy {arn} because no resource-based policy allows the iam:GetPolicyVersion action"
        ));
    }
    let Some((version, statements)) = document(arn) else {
        return unreadable(format!(
            "NoSuchEntity: Policy {arn} does not exist or is not attachable."
        ));
    };
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    let text = if arn.starts_with("arn:aws:iam::aws:policy/") {
        pretty(&doc)
    } else if URL_ENCODED.contains(&arn) {
        url_encode(&doc.to_string())
    } else {
        doc.to_string()
    };
    ManagedPolicy {
        arn: arn.to_owned(),
        name,
        default_version: Some(version.to_owned()),
        document: Some(text),
        error: None,
    }
}

/// Four-space indentation, as AWS managed policies are stored.
fn pretty(doc: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    match serde::Serialize::serialize(doc, &mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| doc.to_string()),
        Err(_) => doc.to_string(),
    }
}

fn s3(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

fn s3_objects(bucket_and_prefix: &str) -> String {
    format!("arn:aws:s3:::{bucket_and_prefix}/*")
}

fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

/// Read/write on a bucket's objects, and listing it.
fn bucket_rw(sid: &str, bucket: &str) -> Value {
    json!([
        {"Sid": "ListBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": s3(bucket)},
        {"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": s3_objects(bucket)},
    ])
}

/// Item-level access to a DynamoDB table and its indexes.
fn table_rw(table: &str) -> Value {
    let table_arn = arn("dynamodb", &format!("table/{table}"));
    json!([{
        "Sid": "TableItems",
        "Effect": "Allow",
        "Action": [
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
        ],
        "Resource": [table_arn.clone(), format!("{table_arn}/index/*")],
    }])
}

/// Consuming (and, with `send`, producing to) the queues matching `queues`.
fn queues(queues: &str, send: bool) -> Value {
    let mut actions = vec![
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    ];
    if send {
        actions.insert(0, "sqs:SendMessage");
    }
    json!([{"Sid": "Queues", "Effect": "Allow", "Action": actions, "Resource": arn("sqs", queues)}])
}

/// The default version and statements of the policy `arn`, `None` when the demo has none.
fn document(arn_: &str) -> Option<(&'static str, Value)> {
    if let Some(name) = arn_.strip_prefix("arn:aws:iam::aws:policy/") {
        return aws_managed(name);
    }
    let name = arn_.strip_prefix(&format!("arn:aws:iam::{ACCOUNT}:policy/"))?;
    customer_managed(name)
}

#[rustfmt::skip]
fn aws_managed(name: &str) -> Option<(&'static str, Value)> {
    let doc = match name {
        "AdministratorAccess" => ("v1", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
        "PowerUserAccess" => ("v5", json!([
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions",
                "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                "organizations:DescribeOrganization",
            ], "Resource": "*"},
        ])),
        "AmazonS3ReadOnlyAccess" => ("v3", json!([{"Effect": "Allow", "Action": [
            "s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*",
        ], "Resource": "*"}])),
        "AmazonS3FullAccess" => ("v2", json!([{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}])),
        "AmazonEKSWorkerNodePolicy" => ("v3", json!([{"Sid": "WorkerNodePermissions", "Effect": "Allow", "Action": [
            "ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeRouteTables",
            "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVolumes",
            "ec2:DescribeVolumesModifications", "ec2:DescribeVpcs", "eks:DescribeCluster",
            "eks-auth:AssumeRoleForPodIdentity",
        ], "Resource": "*"}])),
        "AmazonEKS_CNI_Policy" => ("v5", json!([
            {"Sid": "AmazonEKSCNIPolicy", "Effect": "Allow", "Action": [
                "ec2:AssignPrivateIpAddresses", "ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface", "ec2:DescribeInstances", "ec2:DescribeTags",
                "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstanceTypes", "ec2:DescribeSubnets",
                "ec2:DetachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:UnassignPrivateIpAddresses",
            ], "Resource": "*"},
            {"Sid": "AmazonEKSCNIPolicyENITag", "Effect": "Allow", "Action": ["ec2:CreateTags"],
                "Resource": ["arn:aws:ec2:*:*:network-interface/*"]},
        ])),
        "AmazonEC2ContainerRegistryReadOnly" => ("v3", json!([{"Effect": "Allow", "Action": [
            "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
            "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages",
            "ecr:BatchGetImage", "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview",
            "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings",
        ], "Resource": "*"}])),
        "AmazonDynamoDBReadOnlyAccess" => ("v14", json!([
            {"Sid": "GeneralReadOnlyAccess", "Action": [
                "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
                "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics",
                "cloudwatch:GetMetricData", "dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*",
                "dynamodb:GetItem", "dynamodb:GetResourcePolicy", "dynamodb:Query", "dynamodb:Scan",
                "dynamodb:PartiQLSelect", "dax:Describe*", "dax:List*", "dax:GetItem", "dax:BatchGetItem",
                "dax:Query", "dax:Scan", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups", "iam:GetRole", "iam:ListRoles", "kms:DescribeKey",
                "kms:ListAliases", "sns:ListSubscriptionsByTopic", "sns:ListTopics", "lambda:ListFunctions",
                "lambda:ListEventSourceMappings", "lambda:GetFunctionConfiguration", "tag:GetResources",
                "kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
            ], "Effect": "Allow", "Resource": "*"},
            {"Sid": "CCIAccess", "Action": "cloudwatch:GetInsightRuleReport", "Effect": "Allow",
                "Resource": "arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*"},
        ])),
        "AmazonSNSFullAccess" => ("v1", json!([{"Action": ["sns:*"], "Effect": "Allow", "Resource": "*"}])),
        "AmazonSESFullAccess" => ("v1", json!([{"Effect": "Allow", "Action": ["ses:*"], "Resource": "*"}])),
        "AmazonKinesisReadOnlyAccess" => ("v1", json!([{"Effect": "Allow", "Action": [
            "kinesis:Get*", "kinesis:List*", "kinesis:Describe*",
        ], "Resource": "*"}])),
        "AmazonAthenaFullAccess" => ("v11", json!([
            {"Sid": "BaseAthenaPermissions", "Effect": "Allow", "Action": ["athena:*"], "Resource": ["*"]},
            {"Sid": "BaseGluePermissions", "Effect": "Allow", "Action": [
                "glue:CreateDatabase", "glue:DeleteDatabase", "glue:GetDatabase", "glue:GetDatabases",
                "glue:UpdateDatabase", "glue:CreateTable", "glue:DeleteTable", "glue:BatchDeleteTable",
                "glue:UpdateTable", "glue:GetTable", "glue:GetTables", "glue:BatchCreatePartition",
                "glue:CreatePartition", "glue:DeletePartition", "glue:BatchDeletePartition",
                "glue:UpdatePartition", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
            ], "Resource": ["*"]},
            {"Sid": "BaseQueryResultsPermissions", "Effect": "Allow", "Action": [
                "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListBucketMultipartUploads",
                "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:CreateBucket", "s3:PutObject",
                "s3:PutBucketPublicAccessBlock",
            ], "Resource": ["arn:aws:s3:::aws-athena-query-results-*"]},
            {"Sid": "BaseAthenaExamplesPermissions", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::athena-examples*"]},
            {"Sid": "BaseS3BucketPermissions", "Effect": "Allow", "Action": [
                "s3:ListBucket", "s3:GetBucketLocation", "s3:ListAllMyBuckets",
            ], "Resource": ["*"]},
            {"Sid": "BaseSNSPermissions", "Effect": "Allow", "Action": ["sns:ListTopics", "sns:GetTopicAttributes"],
                "Resource": ["*"]},
            {"Sid": "BaseCloudWatchPermissions", "Effect": "Allow", "Action": [
                "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms",
                "cloudwatch:GetMetricData",
            ], "Resource": ["*"]},
            {"Sid": "BaseLakeFormationPermissions", "Effect": "Allow", "Action": ["lakeformation:GetDataAccess"],
                "Resource": ["*"]},
            {"Sid": "BaseDataZonePermissions", "Effect": "Allow", "Action": [
                "datazone:ListDomains", "datazone:ListProjects", "datazone:ListAccountEnvironments",
            ], "Resource": ["*"]},
            {"Sid": "BasePricingPermissions", "Effect": "Allow", "Action": ["pricing:GetProducts"], "Resource": ["*"]},
        ])),
        "CloudWatchReadOnlyAccess" => ("v14", json!([
            {"Sid": "CloudWatchReadOnlyAccessPermissions", "Effect": "Allow", "Action": [
                "application-autoscaling:DescribeScalingPolicies", "application-signals:BatchGet*",
                "application-signals:Get*", "application-signals:List*", "autoscaling:Describe*",
                "cloudwatch:BatchGet*", "cloudwatch:Describe*", "cloudwatch:GenerateQuery", "cloudwatch:Get*",
                "cloudwatch:List*", "logs:Get*", "logs:List*", "logs:StartQuery", "logs:StopQuery",
                "logs:Describe*", "logs:TestMetricFilter", "logs:FilterLogEvents", "logs:StartLiveTail",
                "logs:StopLiveTail", "oam:ListSinks", "sns:Get*", "sns:List*", "rum:BatchGet*", "rum:Get*",
                "rum:List*", "synthetics:Describe*", "synthetics:Get*", "synthetics:List*", "xray:BatchGet*",
                "xray:Get*", "xray:List*", "xray:StartTraceRetrieval", "xray:CancelTraceRetrieval",
            ], "Resource": "*"},
            {"Sid": "OAMReadPermissions", "Effect": "Allow", "Action": ["oam:ListAttachedLinks"],
                "Resource": "arn:aws:oam:*:*:sink/*"},
            {"Sid": "CloudWatchReadOnlyGetRolePermissions", "Effect": "Allow", "Action": "iam:GetRole",
                "Resource": "arn:aws:iam::*:role/aws-service-role/application-signals.cloudwatch.amazonaws.com/AWSServiceRoleForCloudWatchApplicationSignals"},
        ])),
        "CloudWatchAgentServerPolicy" => ("v3", json!([
            {"Sid": "CWACloudWatchServerPermissions", "Effect": "Allow", "Action": [
                "cloudwatch:PutMetricData", "ec2:DescribeVolumes", "ec2:DescribeTags", "logs:PutLogEvents",
                "logs:PutRetentionPolicy", "logs:DescribeLogStreams", "logs:DescribeLogGroups",
                "logs:CreateLogStream", "logs:CreateLogGroup", "xray:PutTraceSegments",
                "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ], "Resource": "*"},
            {"Sid": "CWASSMServerPermissions", "Effect": "Allow", "Action": ["ssm:GetParameter"],
                "Resource": "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"},
        ])),
        "AmazonPrometheusRemoteWriteAccess" => ("v1", json!([{"Action": ["aps:RemoteWrite"], "Effect": "Allow", "Resource": "*"}])),
        "service-role/AmazonEBSCSIDriverPolicy" => ("v2", json!([
            {"Effect": "Allow", "Action": [
                "ec2:CreateSnapshot", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume",
                "ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots",
                "ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications",
            ], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:CreateTags"],
                "Resource": ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"],
                "Condition": {"StringEquals": {"ec2:CreateAction": ["CreateVolume", "CreateSnapshot"]}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteTags"],
                "Resource": ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"]},
            {"Effect": "Allow", "Action": ["ec2:CreateVolume"], "Resource": "*",
                "Condition": {"StringLike": {"aws:RequestTag/ebs.csi.aws.com/cluster": "true"}}},
            {"Effect": "Allow", "Action": ["ec2:CreateVolume"], "Resource": "*",
                "Condition": {"StringLike": {"aws:RequestTag/CSIVolumeName": "*"}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteVolume"], "Resource": "*",
                "Condition": {"StringLike": {"ec2:ResourceTag/ebs.csi.aws.com/cluster": "true"}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteVolume"], "Resource": "*",
                "Condition": {"StringLike": {"ec2:ResourceTag/CSIVolumeName": "*"}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteVolume"], "Resource": "*",
                "Condition": {"StringLike": {"ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "*"}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteSnapshot"], "Resource": "*",
                "Condition": {"StringLike": {"ec2:ResourceTag/CSIVolumeSnapshotName": "*"}}},
            {"Effect": "Allow", "Action": ["ec2:DeleteSnapshot"], "Resource": "*",
                "Condition": {"StringLike": {"ec2:ResourceTag/ebs.csi.aws.com/cluster": "true"}}},
        ])),
        "service-role/AmazonEFSCSIDriverPolicy" => ("v1", json!([
            {"Sid": "AllowDescribe", "Effect": "Allow", "Action": [
                "elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems",
                "elasticfilesystem:DescribeMountTargets", "ec2:DescribeAvailabilityZones",
            ], "Resource": "*"},
            {"Sid": "AllowCreateAccessPoint", "Effect": "Allow", "Action": ["elasticfilesystem:CreateAccessPoint"],
                "Resource": "*", "Condition": {
                    "Null": {"aws:RequestTag/efs.csi.aws.com/cluster": "false"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": "efs.csi.aws.com/cluster"},
                }},
            {"Sid": "AllowTagNewAccessPoints", "Effect": "Allow", "Action": ["elasticfilesystem:TagResource"],
                "Resource": "*", "Condition": {
                    "StringEquals": {"elasticfilesystem:CreateAction": "CreateAccessPoint"},
                    "Null": {"aws:RequestTag/efs.csi.aws.com/cluster": "false"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": "efs.csi.aws.com/cluster"},
                }},
            {"Sid": "AllowDeleteAccessPoint", "Effect": "Allow", "Action": "elasticfilesystem:DeleteAccessPoint",
                "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/efs.csi.aws.com/cluster": "false"}}},
        ])),
        _ => return None,
    };
    Some(doc)
}

#[rustfmt::skip]
fn customer_managed(name: &str) -> Option<(&'static str, Value)> {
    let node_role = format!("arn:aws:iam::{ACCOUNT}:role/eksctl-shop-prod-nodegroup-*");
    let doc = match name {
        // The platform boundary: what application and platform workloads may ever do. It
        // predates Karpenter managing instance profiles itself (iam:*InstanceProfile).
        "shop-prod-platform-boundary" => ("v4", json!([
            {"Sid": "AllowWorkloadServices", "Effect": "Allow", "Action": [
                "s3:*", "dynamodb:*", "sqs:*", "sns:*", "kms:Decrypt", "logs:*", "cloudwatch:PutMetricData",
            ], "Resource": "*"},
            {"Sid": "AllowNodeProvisioning", "Effect": "Allow", "Action": [
                "ec2:*", "ssm:GetParameter", "pricing:GetProducts", "eks:DescribeCluster", "iam:PassRole",
            ], "Resource": "*"},
            {"Sid": "DenyIdentityAdministration", "Effect": "Deny", "Action": [
                "iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:AttachRolePolicy",
                "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
                "iam:DeleteRolePermissionsBoundary", "organizations:*", "account:*",
            ], "Resource": "*"},
        ])),
        // For telemetry agents: logs, metrics and traces out, nothing else.
        "shop-prod-observability-boundary" => ("v1", json!([
            {"Sid": "AllowTelemetryOnly", "Effect": "Allow", "Action": [
                "logs:*", "xray:*", "cloudwatch:PutMetricData",
            ], "Resource": "*"},
        ])),
        "AWSLoadBalancerControllerIAMPolicy" => ("v2", json!([
            {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}},
            {"Effect": "Allow", "Action": [
                "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags", "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
            ], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "acm:ListCertificates", "acm:DescribeCertificate", "wafv2:GetWebACLForResource",
                "shield:GetSubscriptionState",
            ], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
                "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:CreateSecurityGroup"], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
            ], "Resource": "*", "Condition": {"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}}},
            {"Effect": "Allow", "Action": [
                "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets", "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
            ], "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}},
            {"Effect": "Allow", "Action": [
                "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
            ], "Resource": "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*"},
        ])),
        "KarpenterControllerPolicy-shop-prod" => ("v3", json!([
            {"Sid": "AllowScopedEC2InstanceAccessActions", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
                "Resource": [
                    format!("arn:aws:ec2:{REGION}::image/*"), format!("arn:aws:ec2:{REGION}::snapshot/*"),
                    arn("ec2", "security-group/*"), arn("ec2", "subnet/*"), arn("ec2", "capacity-reservation/*"),
                ]},
            {"Sid": "AllowScopedEC2InstanceActionsWithTags", "Effect": "Allow",
                "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                "Resource": [
                    arn("ec2", "fleet/*"), arn("ec2", "instance/*"), arn("ec2", "volume/*"),
                    arn("ec2", "network-interface/*"), arn("ec2", "launch-template/*"), arn("ec2", "spot-instances-request/*"),
                ],
                "Condition": {"StringEquals": {"aws:RequestTag/kubernetes.io/cluster/shop-prod": "owned"}}},
            {"Sid": "AllowScopedDeletion", "Effect": "Allow", "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                "Resource": [arn("ec2", "instance/*"), arn("ec2", "launch-template/*")],
                "Condition": {"StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/shop-prod": "owned"}}},
            {"Sid": "AllowRegionalReadActions", "Effect": "Allow", "Action": [
                "ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets",
            ], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": REGION}}},
            {"Sid": "AllowSSMReadActions", "Effect": "Allow", "Action": "ssm:GetParameter",
                "Resource": format!("arn:aws:ssm:{REGION}::parameter/aws/service/*")},
            {"Sid": "AllowPricingReadActions", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
            {"Sid": "AllowInterruptionQueueActions", "Effect": "Allow",
                "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                "Resource": arn("sqs", "Karpenter-shop-prod")},
            {"Sid": "AllowPassingInstanceRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": node_role,
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
            {"Sid": "AllowScopedInstanceProfileActions", "Effect": "Allow", "Action": [
                "iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile",
            ], "Resource": format!("arn:aws:iam::{ACCOUNT}:instance-profile/*"),
                "Condition": {"StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/shop-prod": "owned"}}},
            {"Sid": "AllowInstanceProfileReadActions", "Effect": "Allow", "Action": "iam:GetInstanceProfile",
                "Resource": format!("arn:aws:iam::{ACCOUNT}:instance-profile/*")},
            {"Sid": "AllowAPIServerEndpointDiscovery", "Effect": "Allow", "Action": "eks:DescribeCluster",
                "Resource": arn("eks", "cluster/shop-prod")},
        ])),
        "cert-manager-route53-dns01" => ("v1", json!([
            {"Effect": "Allow", "Action": "route53:GetChange", "Resource": "arn:aws:route53:::change/*"},
            {"Effect": "Allow", "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                "Resource": format!("arn:aws:route53:::hostedzone/{HOSTED_ZONE}")},
            {"Effect": "Allow", "Action": "route53:ListHostedZonesByName", "Resource": "*"},
        ])),
        "external-dns-route53-shop-prod" => ("v2", json!([
            {"Effect": "Allow", "Action": ["route53:ChangeResourceRecordSets"],
                "Resource": [format!("arn:aws:route53:::hostedzone/{HOSTED_ZONE}")]},
            {"Effect": "Allow", "Action": [
                "route53:ListHostedZones", "route53:ListResourceRecordSets", "route53:ListTagsForResource",
            ], "Resource": ["*"]},
        ])),
        "external-secrets-read-shop-prod" => ("v3", json!([
            {"Sid": "ReadSecrets", "Effect": "Allow", "Action": [
                "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
            ], "Resource": arn("secretsmanager", "secret:shop-prod/*")},
            {"Sid": "ReadParameters", "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": arn("ssm", "parameter/shop-prod/*")},
            {"Sid": "DecryptViaSecretsManager", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn("kms", SECRETS_KEY),
                "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{REGION}.amazonaws.com")}}},
        ])),
        "velero-backups-shop-prod" => ("v1", json!([
            {"Effect": "Allow", "Action": [
                "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateTags", "ec2:CreateVolume",
                "ec2:CreateSnapshot", "ec2:DeleteSnapshot",
            ], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ], "Resource": [s3_objects("shop-prod-velero-backups")]},
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [s3("shop-prod-velero-backups")]},
        ])),
        "shop-prod-payments-kms-decrypt" => ("v1", json!([
            {"Sid": "DecryptCardData", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": arn("kms", PAYMENTS_KEY)},
        ])),
        "shop-prod-payments-queues" => ("v2", queues("shop-prod-payments-*", true)),
        "shop-prod-checkout-queues" => ("v3", queues("shop-prod-checkout-*", true)),
        "shop-prod-catalog-import-queue" => ("v1", queues("shop-prod-catalog-import", false)),
        "shop-prod-warehouse-queue" => ("v1", queues("shop-prod-warehouse-events", false)),
        "shop-prod-shipping-queues" => ("v2", json!([
            queues("shop-prod-shipping-*", true)[0].clone(),
            {"Sid": "ShipmentEvents", "Effect": "Allow", "Action": "sns:Publish", "Resource": arn("sns", "shop-prod-shipment-events")},
        ])),
        "shop-prod-fraud-models-read" => ("v2", json!([
            {"Sid": "ListFraudModels", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": s3("shop-prod-ml-models"),
                "Condition": {"StringLike": {"s3:prefix": ["fraud/*"]}}},
            {"Sid": "ReadFraudModels", "Effect": "Allow", "Action": "s3:GetObject", "Resource": s3_objects("shop-prod-ml-models/fraud")},
        ])),
        "shop-prod-recs-models" => ("v1", json!([
            {"Sid": "ListRecsModels", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": s3("shop-prod-ml-models"),
                "Condition": {"StringLike": {"s3:prefix": ["recommendations/*"]}}},
            {"Sid": "ReadWriteRecsModels", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": s3_objects("shop-prod-ml-models/recommendations")},
        ])),
        "shop-prod-model-artifacts-read" => ("v1", json!([
            {"Sid": "ListModels", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": s3("shop-prod-ml-models")},
            {"Sid": "ReadModels", "Effect": "Allow", "Action": "s3:GetObject", "Resource": s3_objects("shop-prod-ml-models")},
        ])),
        "shop-prod-cart-table" => ("v1", table_rw("shop-prod-cart")),
        "shop-prod-orders-table" => ("v3", table_rw("shop-prod-orders")),
        "shop-prod-billing-table" => ("v2", table_rw("shop-prod-billing")),
        "shop-prod-inventory-table" => ("v2", json!([
            table_rw("shop-prod-inventory")[0].clone(),
            {"Sid": "StockStream", "Effect": "Allow", "Action": [
                "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
            ], "Resource": arn("dynamodb", "table/shop-prod-inventory/stream/*")},
        ])),
        "shop-prod-assets-bucket-rw" => ("v2", bucket_rw("AssetObjects", "shop-prod-assets")),
        "shop-prod-profile-images-rw" => ("v1", bucket_rw("ProfileImages", "shop-prod-profile-images")),
        "shop-prod-thanos-bucket" => ("v1", bucket_rw("ThanosBlocks", "shop-prod-thanos")),
        "shop-prod-opensearch-snapshots" => ("v1", bucket_rw("Snapshots", "shop-prod-opensearch-snapshots")),
        "shop-prod-loki-chunks" => ("v2", json!([
            {"Sid": "LokiChunksBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": s3("shop-prod-loki-chunks")},
            {"Sid": "LokiChunks", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": s3_objects("shop-prod-loki-chunks")},
        ])),
        "shop-prod-invoices-bucket-rw" => ("v1", json!([
            bucket_rw("Invoices", "shop-prod-invoices")[0].clone(),
            bucket_rw("Invoices", "shop-prod-invoices")[1].clone(),
            {"Sid": "InvoicesKey", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": arn("kms", PAYMENTS_KEY)},
        ])),
        "shop-prod-label-bucket" => ("v1", json!([
            {"Sid": "Labels", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": s3_objects("shop-prod-shipping-labels")},
        ])),
        "shop-prod-datalake-write" => ("v4", json!([
            {"Sid": "ListDatalake", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": s3("shop-prod-datalake")},
            {"Sid": "WriteRaw", "Effect": "Allow", "Action": [
                "s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
            ], "Resource": s3_objects("shop-prod-datalake/raw")},
            {"Sid": "GluePartitions", "Effect": "Allow", "Action": [
                "glue:GetTable", "glue:GetPartitions", "glue:BatchCreatePartition",
            ], "Resource": [arn("glue", "catalog"), arn("glue", "database/raw"), arn("glue", "table/raw/*")]},
        ])),
        "shop-prod-datalake-read" => ("v2", json!([
            {"Sid": "ListDatalake", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": s3("shop-prod-datalake")},
            {"Sid": "ReadCurated", "Effect": "Allow", "Action": "s3:GetObject", "Resource": s3_objects("shop-prod-datalake/curated")},
        ])),
        "shop-prod-order-events-stream" => ("v1", json!([
            {"Sid": "OrderEvents", "Effect": "Allow", "Action": [
                "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards",
            ], "Resource": arn("kinesis", "stream/shop-prod-order-events")},
        ])),
        "shop-prod-carrier-secrets" => ("v1", json!([
            {"Sid": "CarrierApiKeys", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                "Resource": arn("secretsmanager", "secret:shop-prod/shipping/carriers/*")},
        ])),
        // ABAC: each team reads the secrets under its own prefix (the role's `team` tag).
        "shop-prod-auth-secrets" => ("v2", json!([
            {"Sid": "TeamSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": arn("secretsmanager", "secret:shop-prod/${aws:PrincipalTag/team}/*")},
            {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn("kms", SECRETS_KEY)},
        ])),
        "shop-prod-cognito-admin" => ("v1", json!([
            {"Sid": "ManageShopUsers", "Effect": "Allow", "Action": [
                "cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:AdminUpdateUserAttributes",
                "cognito-idp:AdminDisableUser", "cognito-idp:AdminDeleteUser", "cognito-idp:ListUsers",
            ], "Resource": arn("cognito-idp", &format!("userpool/{USER_POOL}"))},
        ])),
        "shop-prod-ecr-push" => ("v2", json!([
            {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PushShopImages", "Effect": "Allow", "Action": [
                "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
            ], "Resource": arn("ecr", "repository/shop/*")},
        ])),
        "shop-prod-feature-store" => ("v1", json!([
            table_rw("shop-prod-features")[0].clone(),
            {"Sid": "FeatureSnapshots", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": s3_objects("shop-prod-feature-store")},
        ])),
        // Vault's auto-unseal key.
        "shop-prod-vault-kms" => ("v1", json!([
            {"Sid": "VaultUnseal", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                "Resource": arn("kms", VAULT_KEY)},
        ])),
        "shop-prod-reports-write" => ("v1", json!([
            {"Sid": "ListReports", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": s3("shop-prod-reports")},
            {"Sid": "WriteExports", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": s3_objects("shop-prod-reports/exports")},
        ])),
        // IRSA234: NoDeletes (added after an incident) also covers tmp/, so CleanTmp never applies.
        "shop-prod-media-cleaner" => ("v2", json!([
            {"Sid": "CleanTmp", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": s3_objects("shop-prod-media/tmp")},
            {"Sid": "ReadMedia", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [s3("shop-prod-media"), s3_objects("shop-prod-media")]},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": s3_objects("shop-prod-media")},
        ])),
        // The knowledge-center walkthrough: list the bucket, read its objects, nothing else.
        "shop-prod-statements-read" => ("v1", json!([
            {"Sid": "ListObjectsInBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [s3("shop-prod-statements")]},
            {"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [s3_objects("shop-prod-statements")]},
        ])),
        _ => return None,
    };
    Some(doc)
}

/// Inline policies of the IRSA roles that have some (role name → name, document).
pub(crate) fn inline_policies(role: &str) -> Vec<(&'static str, String)> {
    let doc =
        |statements: Value| json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    match role {
        // Added by hand during the refunds launch, next to the managed queues policy.
        "shop-prod-refunds-worker" => vec![(
            "kms-decrypt",
            doc(json!([
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn("kms", PAYMENTS_KEY)},
            ])),
        )],
        "shop-prod-superset" => vec![(
            "athena-results",
            doc(json!([
                {"Sid": "QueryResults", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                    "Resource": [s3("shop-prod-athena-results"), s3_objects("shop-prod-athena-results")]},
            ])),
        )],
        "shop-prod-fluent-bit" => vec![(
            "firehose-delivery",
            doc(json!([
                {"Sid": "DeliverLogs", "Effect": "Allow", "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                    "Resource": arn("firehose", "deliverystream/shop-prod-logs")},
            ])),
        )],
        _ => Vec::new(),
    }
}
