//! Reading kubeconfigs, and inferring the EKS cluster from the reference shapes.

use super::*;
use crate::inventory;

const AWS_CLI: &str = include_str!("../../../tests/common/fixtures/kubeconfig-aws-cli.yaml");
const AWS_CLI_ALIAS: &str =
    include_str!("../../../tests/common/fixtures/kubeconfig-aws-cli-alias.yaml");
const EKSCTL: &str = include_str!("../../../tests/common/fixtures/kubeconfig-eksctl.yaml");
const IAM_AUTHENTICATOR: &str =
    include_str!("../../../tests/common/fixtures/kubeconfig-iam-authenticator.yaml");

fn hint_of(text: &str, context: Option<&str>) -> ClusterHint {
    let kc = parse(text, "test").expect("parses");
    select(&kc, context, "test").expect("selects").hint
}

#[test]
fn aws_cli_kubeconfig_names_the_cluster_by_its_arn() {
    let hint = hint_of(AWS_CLI, None);
    assert_eq!(hint.name.as_deref(), Some("prod"));
    assert_eq!(hint.region.as_deref(), Some("us-east-1"));
    assert_eq!(hint.account.as_deref(), Some("111122223333"));
    assert_eq!(hint.partition.as_deref(), Some("aws"));
    assert_eq!(
        hint.arn.as_deref(),
        Some("arn:aws:eks:us-east-1:111122223333:cluster/prod")
    );
    assert_eq!(hint.name_from, Some("cluster ARN"));
    assert_eq!(hint.profile, None);
}

#[test]
fn aws_cli_alias_renames_the_context_not_the_cluster() {
    let kc = parse(AWS_CLI_ALIAS, "alias").expect("parses");
    let sel = select(&kc, None, "alias").expect("selects");
    assert_eq!(sel.context, "prod-admin");
    assert_ne!(sel.context, sel.hint.name.clone().unwrap_or_default());
    assert_eq!(sel.hint.name.as_deref(), Some("prod"));
    assert_eq!(sel.hint.region.as_deref(), Some("us-east-1"));
    assert_eq!(sel.hint.account.as_deref(), Some("111122223333"));
    assert_eq!(sel.hint.profile.as_deref(), Some("platform"));
    // The other context of the same file is a kind cluster: nothing to infer.
    let kind = select(&kc, Some("kind-dev"), "alias").expect("selects");
    assert_eq!(kind.hint, ClusterHint::default());
    assert_eq!(kind.namespace.as_deref(), Some("default"));
}

#[test]
fn eksctl_kubeconfig_gives_name_and_region() {
    let hint = hint_of(EKSCTL, None);
    assert_eq!(hint.name.as_deref(), Some("prod"));
    assert_eq!(hint.region.as_deref(), Some("us-west-2"));
    assert_eq!(hint.account, None);
    assert_eq!(hint.arn, None);
    assert_eq!(hint.partition.as_deref(), Some("aws"));
    assert_eq!(hint.name_from, Some("aws eks get-token --cluster-name"));
}

#[test]
fn iam_authenticator_cluster_id_and_endpoint_region() {
    let kc = parse(IAM_AUTHENTICATOR, "auth").expect("parses");
    let sel = select(&kc, None, "auth").expect("selects");
    assert_eq!(sel.cluster_name, "platform-prod");
    assert_eq!(sel.hint.name.as_deref(), Some("prod"));
    assert_eq!(sel.hint.region.as_deref(), Some("eu-central-1"));
    assert_eq!(sel.hint.name_from, Some("aws-iam-authenticator token -i"));
}

#[test]
fn every_reference_kubeconfig_yields_prod_and_its_region() {
    let cases: Vec<(String, String)> = vec![
        ("kubeconfig-aws-cli.yaml".into(), AWS_CLI.into()),
        ("kubeconfig-aws-cli-alias.yaml".into(), AWS_CLI_ALIAS.into()),
        ("kubeconfig-eksctl.yaml".into(), EKSCTL.into()),
        (
            "kubeconfig-iam-authenticator.yaml".into(),
            IAM_AUTHENTICATOR.into(),
        ),
    ];
    let expected_region = |name: &str| match name {
        "kubeconfig-eksctl.yaml" => Some("us-west-2"),
        "kubeconfig-iam-authenticator.yaml" => Some("eu-central-1"),
        "kubeconfig-aws-cli.yaml" | "kubeconfig-aws-cli-alias.yaml" => Some("us-east-1"),
        _ => None,
    };
    for (name, text) in &cases {
        let hint = hint_of(text, None);
        assert_eq!(hint.name.as_deref(), Some("prod"), "{name}");
        assert!(hint.region.is_some(), "{name}: no region");
        if let Some(region) = expected_region(name) {
            assert_eq!(hint.region.as_deref(), Some(region), "{name}");
        }
    }
}

#[test]
fn nothing_to_infer_gives_none() {
    let text = r#"
apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster:
    server: https://10.0.0.1:6443
contexts:
- name: dev
  context:
    cluster: dev
    user: dev
current-context: dev
users:
- name: dev
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, abc]
"#;
    let hint = hint_of(text, None);
    assert_eq!(hint.name, None);
    assert_eq!(hint.region, None);
    assert_eq!(hint, ClusterHint::default());
}

#[test]
fn region_sources_in_order() {
    let with = |args: &str, env: &str, server: &str| {
        format!(
            r#"
clusters:
- name: c
  cluster:
    server: {server}
contexts:
- name: c
  context: {{cluster: c, user: u}}
current-context: c
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/aws-vault
      args: [{args}]
      env: [{env}]
"#
        )
    };
    let endpoint = "https://ABC.yl4.ap-south-1.eks.amazonaws.com:443";
    // Behind a wrapper, `=` form, region from the exec arg over the endpoint.
    let h = hint_of(
        &with(
            "exec, prof, --, aws, eks, get-token, --cluster-name=blue, --region=eu-west-1",
            "",
            endpoint,
        ),
        None,
    );
    assert_eq!(h.name.as_deref(), Some("blue"));
    assert_eq!(h.region.as_deref(), Some("eu-west-1"));
    // Exec env next.
    let h = hint_of(
        &with(
            "exec, prof, --, aws, eks, get-token, --cluster-id, outpost-1",
            "{name: AWS_DEFAULT_REGION, value: ca-central-1}, {name: AWS_PROFILE, value: ops}",
            endpoint,
        ),
        None,
    );
    assert_eq!(h.name.as_deref(), Some("outpost-1"));
    assert_eq!(h.region.as_deref(), Some("ca-central-1"));
    assert_eq!(h.profile.as_deref(), Some("ops"));
    // Then the endpoint host; China partition.
    let h = hint_of(
        &with(
            "exec, prof, --, aws, eks, get-token, --cluster-name, red",
            "",
            "https://X.sk1.cn-north-1.eks.amazonaws.com.cn",
        ),
        None,
    );
    assert_eq!(h.region.as_deref(), Some("cn-north-1"));
    assert_eq!(h.partition.as_deref(), Some("aws-cn"));
}

#[test]
fn fill_respects_an_explicit_cluster() {
    let hint = hint_of(AWS_CLI, None);
    let mut c = inventory::Cluster::default();
    hint.fill(&mut c);
    assert_eq!(c.name.as_deref(), Some("prod"));
    assert_eq!(c.account.as_deref(), Some("111122223333"));
    let mut other = inventory::Cluster {
        name: Some("staging".into()),
        ..Default::default()
    };
    hint.fill(&mut other);
    assert_eq!(other.name.as_deref(), Some("staging"));
    assert_eq!(other.arn, None);
    assert_eq!(other.region, None);
}

#[test]
fn malformed_kubeconfigs_are_clear_errors() {
    let cases = [
        ("clusters: [", "not a valid kubeconfig"),
        ("clusters: 5", "not a valid kubeconfig"),
        ("- a\n- b", "not a valid kubeconfig"),
        (
            "clusters:\n- cluster: {server: https://x}\n",
            "not a valid kubeconfig",
        ),
    ];
    for (text, want) in cases {
        let err = parse(text, "bad.yaml").expect_err(text).to_string();
        assert!(
            err.contains(want) && err.contains("bad.yaml"),
            "{text}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
    // Empty: parses, but has no context to use.
    let empty = parse("", "empty.yaml").expect("empty is a kubeconfig");
    let err = select(&empty, None, "empty.yaml").expect_err("no contexts");
    assert!(matches!(err, KubeconfigError::NoContexts { .. }), "{err}");

    let kc = parse(AWS_CLI_ALIAS, "k").expect("parses");
    let err = select(&kc, Some("nope"), "k")
        .expect_err("unknown")
        .to_string();
    assert!(
        err.contains("\"nope\"") && err.contains("prod-admin, kind-dev"),
        "{err}"
    );

    let no_current = AWS_CLI_ALIAS.replace("current-context: prod-admin", "");
    let kc = parse(&no_current, "k").expect("parses");
    let err = select(&kc, None, "k").expect_err("no current").to_string();
    assert!(err.contains("--context"), "{err}");

    let dangling = AWS_CLI_ALIAS.replace("cluster: kind-dev\n    user", "cluster: gone\n    user");
    let kc = parse(&dangling, "k").expect("parses");
    let err = select(&kc, Some("kind-dev"), "k").expect_err("dangling");
    assert!(
        matches!(err, KubeconfigError::MissingCluster { .. }),
        "{err}"
    );

    let no_server = "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n";
    let kc = parse(no_server, "k").expect("parses");
    let err = select(&kc, None, "k").expect_err("no server");
    assert!(
        matches!(err, KubeconfigError::MissingServer { .. }),
        "{err}"
    );
}

#[test]
fn files_are_located_and_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(&a, AWS_CLI).expect("write");
    std::fs::write(&b, EKSCTL).expect("write");
    let missing = dir.path().join("missing.yaml");

    // KUBECONFIG: missing entries skipped, order kept, first current-context wins.
    let list = std::env::join_paths([&missing, &b, &a]).expect("joins");
    let paths = locate_in(None, Some(list), None);
    assert_eq!(paths, vec![b.clone(), a.clone()]);
    let loaded = load_files(&paths).expect("loads");
    let sel = select(&loaded.kubeconfig, None, &loaded.origin).expect("selects");
    assert_eq!(sel.hint.region.as_deref(), Some("us-west-2"));
    let sel = select(
        &loaded.kubeconfig,
        Some("arn:aws:eks:us-east-1:111122223333:cluster/prod"),
        &loaded.origin,
    )
    .expect("the second file's context");
    assert_eq!(sel.hint.region.as_deref(), Some("us-east-1"));

    // ~/.kube/config, then nothing at all.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".kube")).expect("mkdir");
    assert!(locate_in(None, None, Some(home.clone())).is_empty());
    std::fs::write(home.join(".kube/config"), AWS_CLI).expect("write");
    assert_eq!(
        locate_in(None, Some(OsString::new()), Some(home.clone())),
        vec![home.join(".kube/config")]
    );
    // --kubeconfig wins and is read even when missing: a clear error.
    assert_eq!(
        locate_in(Some(&missing), None, Some(home)),
        vec![missing.clone()]
    );
    let err = load_files(&[missing]).expect_err("missing").to_string();
    assert!(
        err.starts_with("cannot read kubeconfig") && err.contains("missing.yaml"),
        "{err}"
    );

    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, [0xff_u8, 0xfe, 0x00, 0x41]).expect("write");
    assert!(load_files(&[garbage]).is_err());
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "contexts: {").expect("write");
    let err = load_files(&[bad]).expect_err("bad").to_string();
    assert!(
        err.contains("bad.yaml") && err.contains("not a valid kubeconfig"),
        "{err}"
    );
}
