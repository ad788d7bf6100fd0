use super::*;

fn codes(policy: &str) -> Vec<(&'static str, String)> {
    Policy::parse(policy.as_bytes())
        .unwrap()
        .lint()
        .into_iter()
        .map(|w| (w.code, w.path))
        .collect()
}

#[test]
fn a_tight_policy_has_no_warnings() {
    let p = r#"{"default":[{"type":"reject"}],"transports":{"docker":{
        "quay.io/org/app":[{"type":"sigstoreSigned","keyData":"bm9uc2Vuc2U=","signedIdentity":{"type":"matchRepository"}}],
        "registry.example:5000/team":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}]}}}"#;
    assert_eq!(codes(p), []);
}

#[test]
fn each_lint_fires_where_it_should() {
    let p = r#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{
        "busybox":[{"type":"reject"}],
        "Example.com/UPPER":[{"type":"reject"}],
        "*.example.com:5000":[{"type":"reject"}],
        "docker.io":[{"type":"insecureAcceptAnything"}],
        "*.example.org":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":"example.org/app"}}],
        "quay.io":[{"type":"reject"}],
        "quay.io/ns/open":[{"type":"insecureAcceptAnything"}]}}}"#;
    let got = codes(p);
    let want: &[(&str, &str)] = &[
        ("DEFAULT_NOT_REJECT", "default"),
        ("SCOPE_NEVER_MATCHES", r#"transports.docker["busybox"]"#),
        (
            "SCOPE_NEVER_MATCHES",
            r#"transports.docker["Example.com/UPPER"]"#,
        ),
        (
            "SCOPE_NEVER_MATCHES",
            r#"transports.docker["*.example.com:5000"]"#,
        ),
        ("INSECURE_BROAD_SCOPE", r#"transports.docker["docker.io"]"#),
        (
            "IDENTITY_IGNORES_REPOSITORY",
            r#"transports.docker["*.example.org"]"#,
        ),
        ("REJECT_SHADOWED", r#"transports.docker["quay.io"]"#),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(c, p)| (*c, p.as_str())).collect();
    assert_eq!(got, want);
}

#[test]
fn never_matches_explains_the_fix() {
    let w = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"docker":{"busybox":[{"type":"reject"}]}}}"#)
        .unwrap()
        .lint();
    assert!(
        w[0].message.contains("docker.io/library/busybox"),
        "{}",
        w[0].message
    );
}

#[test]
fn minimum_versions_follow_the_feature_table() {
    let v = |p: &str| {
        let m = Policy::parse(p.as_bytes()).unwrap().minimum_version();
        (m.containers_image, m.podman, m.because.len())
    };
    assert_eq!(v(r#"{"default":[{"type":"reject"}]}"#), ("5.0.0", "2.0", 0));
    assert_eq!(
        v(
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{"*.a.com":[{"type":"reject"}]}}}"#
        ),
        ("5.10.0", "3.0", 1)
    );
    assert_eq!(
        v(r#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":["/a"]}]}"#),
        ("5.22.0", "4.2", 1)
    );
    assert_eq!(
        v(r#"{"default":[{"type":"sigstoreSigned","keyData":""}]}"#),
        ("5.22.0", "4.2", 1)
    );
    assert_eq!(
        v(r#"{"default":[{"type":"sigstoreSigned","keyData":"","rekorPublicKeyData":""}]}"#),
        ("5.24.0", "4.4", 2)
    );
    assert_eq!(
        v(r#"{"default":[{"type":"sigstoreSigned","keyDatas":[""]}]}"#),
        ("5.33.0", "5.3", 2)
    );
    assert_eq!(
        v(
            r#"{"default":[{"type":"sigstoreSigned","pki":{"caRootsData":"","subjectEmail":"e"}}],"transports":{"docker":{"*.a.com":[{"type":"reject"}]}}}"#
        ),
        ("5.35.0", "5.5", 3)
    );
}

#[cfg(feature = "extensions")]
#[test]
fn sigwall_extensions_are_named_and_bundles_explained() {
    let p = r#"{"default":[{"type":"reject"}],"transports":{"docker":{
        "ghcr.io/org":[{"type":"sigstoreSigned","trustedRoot":"public-good","acceptBundles":true,
            "fulcio":{"oidcIssuer":"https://token.actions.githubusercontent.com","subjectRegExp":"https://github\\.com/org/.*"},
            "signedIdentity":{"type":"matchRepository"}}],
        "quay.io/org/app":[{"type":"sigstoreSigned","keyData":"bm9uc2Vuc2U=","signedIdentity":{"type":"matchRepository"}}]}}}"#;
    let policy = Policy::parse(p.as_bytes()).unwrap();
    assert_eq!(
        codes(p),
        [
            (
                "SIGWALL_EXTENSION",
                r#"transports.docker["ghcr.io/org"]"#.into()
            ),
            (
                "BUNDLES_NAME_NO_IMAGE",
                r#"transports.docker["ghcr.io/org"]"#.into()
            ),
        ]
    );
    assert_eq!(
        policy.extensions(),
        ["trustedRoot", "acceptBundles", "fulcio.subjectRegExp"]
    );
    let podman = r#"{"default":[{"type":"reject"}],"transports":{"docker":{
        "quay.io/org/app":[{"type":"sigstoreSigned","keyData":"bm9uc2Vuc2U=","signedIdentity":{"type":"matchRepository"}}]}}}"#;
    assert!(Policy::parse(podman.as_bytes())
        .unwrap()
        .extensions()
        .is_empty());
}
