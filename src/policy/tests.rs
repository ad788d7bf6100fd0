use super::*;
use crate::reference::Reference;
use alloc::format;
use alloc::string::ToString;

/// The scope-selection test of containers/image (TestPolicyContextRequirementsForImageRef):
/// each scope's requirements are tagged with a distinct exactReference so we can tell them apart.
fn lookup_policy() -> Policy {
    let scopes = [
        "",
        "unmatched",
        "deep.com",
        "*.very.deep.com",
        "*.deep.com",
        "deep.com/n1",
        "deep.com/n1/n2",
        "deep.com/n1/n2/n3",
        "deep.com/n1/n2/n3/repo",
        "deep.com/n1/n2/n3/repo:tag2",
    ];
    let req = |i: usize| {
        format!(
            r#"[{{"type":"signedBy","keyType":"GPGKeys","keyData":"","signedIdentity":{{"type":"exactReference","dockerReference":"scope{i}.example/x:1"}}}}]"#
        )
    };
    let docker: alloc::vec::Vec<alloc::string::String> = scopes
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{:?}:{}", s, req(i)))
        .collect();
    let json = format!(
        r#"{{"default":{},"transports":{{"docker":{{{}}},"atomic":{{"unmatched":{}}}}}}}"#,
        req(99),
        docker.join(","),
        req(98)
    );
    Policy::parse(json.as_bytes()).unwrap()
}

fn selected(policy: &Policy, image: &str) -> (alloc::string::String, alloc::string::String) {
    let reference = Reference::parse_normalized(image).unwrap();
    let (scope, reqs) = policy.requirements_for(&reference);
    let Requirement::SignedBy(sb) = &reqs[0] else {
        panic!()
    };
    let SignedIdentity::ExactReference { docker_reference } = &sb.signed_identity else {
        panic!()
    };
    (scope.as_str().to_string(), docker_reference.clone())
}

#[test]
fn the_most_specific_scope_wins() {
    let p = lookup_policy();
    let table = [
        (
            "deep.com/n1/n2/n3/repo:tag2",
            "deep.com/n1/n2/n3/repo:tag2",
            9,
        ),
        (
            "deep.com/n1/n2/n3/repo:nottag2",
            "deep.com/n1/n2/n3/repo",
            8,
        ),
        ("deep.com/n1/n2/n3/notrepo:tag2", "deep.com/n1/n2/n3", 7),
        ("deep.com/n1/n2/notn3/repo:tag2", "deep.com/n1/n2", 6),
        ("deep.com/n1/notn2/n3/repo:tag2", "deep.com/n1", 5),
        ("deep.com/notn1/n2/n3/repo:tag2", "deep.com", 2),
        ("very.deep.com/n1/n2/n3/repo:tag2", "*.deep.com", 4),
        ("not.very.deep.com/n1/n2/n3/repo:tag2", "*.very.deep.com", 3),
        ("this.does-not/match:anything", "", 0),
    ];
    for (image, scope, index) in table {
        let (got_scope, marker) = selected(&p, image);
        assert_eq!(got_scope, scope, "{image}");
        assert_eq!(marker, format!("scope{index}.example/x:1"), "{image}");
    }
}

#[test]
fn without_a_docker_section_the_default_applies() {
    let p = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"atomic":{"":[{"type":"insecureAcceptAnything"}]}}}"#).unwrap();
    let (scope, reqs) = p.requirements_for(&Reference::parse_normalized("busybox:1").unwrap());
    assert_eq!(scope, ScopeMatch::Default);
    assert_eq!(scope.as_str(), "default");
    assert_eq!(reqs, &[Requirement::Reject]);
}

#[test]
fn docker_section_without_match_or_empty_scope_uses_default() {
    let p = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"docker":{"a.com":[{"type":"insecureAcceptAnything"}]}}}"#).unwrap();
    let (scope, _) = p.requirements_for(&Reference::parse_normalized("b.com/x:1").unwrap());
    assert_eq!(scope, ScopeMatch::Default);
    let (scope, reqs) = p.requirements_for(&Reference::parse_normalized("a.com/x:1").unwrap());
    assert_eq!(scope, ScopeMatch::Docker("a.com".into()));
    assert_eq!(reqs, &[Requirement::InsecureAcceptAnything]);
}

#[test]
fn wildcards_do_not_match_the_bare_domain_and_carry_no_port() {
    let p = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"docker":{"*.example.com":[{"type":"insecureAcceptAnything"}]}}}"#).unwrap();
    let scope = |i: &str| {
        p.requirements_for(&Reference::parse_normalized(i).unwrap())
            .0
    };
    assert_eq!(scope("example.com/x:1"), ScopeMatch::Default);
    assert_eq!(
        scope("a.example.com/x:1"),
        ScopeMatch::Docker("*.example.com".into())
    );
    assert_eq!(
        scope("a.b.example.com:5000/x:1"),
        ScopeMatch::Docker("*.example.com".into())
    );
}

#[test]
fn parsed_model_keeps_every_field() {
    let p = Policy::parse(
        br#"{"default":[{"type":"reject"}],"transports":{"docker":{"q.io":[
            {"type":"signedBy","keyType":"GPGKeys","keyPaths":["/a","/b"],"signedIdentity":{"type":"remapIdentity","prefix":"q.io","signedPrefix":"r.io"}},
            {"type":"sigstoreSigned","keyData":"bm9uc2Vuc2U=","rekorPublicKeyPaths":["/r"]},
            {"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"e@x"},"rekorPublicKeyData":""},
            {"type":"sigstoreSigned","pki":{"caRootsData":"","caIntermediatesPath":"/i","subjectHostname":"h"}},
            {"type":"signedBaseLayer","baseLayerIdentity":{"type":"exactRepository","dockerRepository":"busybox"}}
        ]}}}"#,
    )
    .unwrap();
    let reqs: alloc::vec::Vec<&Requirement> = p.scopes("docker").flat_map(|(_, r)| r).collect();
    assert_eq!(reqs.len(), 5);
    assert_eq!(
        reqs[0],
        &Requirement::SignedBy(SignedBy {
            key_type: KeyType::GpgKeys,
            keys: KeySource::Paths(alloc::vec!["/a".into(), "/b".into()]),
            signed_identity: SignedIdentity::RemapIdentity {
                prefix: "q.io".into(),
                signed_prefix: "r.io".into()
            },
        })
    );
    assert_eq!(
        reqs[1],
        &Requirement::SigstoreSigned(SigstoreSigned {
            trust: SigstoreTrust::Keys(KeySource::Data(b"nonsense".to_vec())),
            rekor: Some(KeySource::Paths(alloc::vec!["/r".into()])),
            signed_identity: SignedIdentity::MatchRepoDigestOrExact,
            trusted_root: None,
            accept_bundles: false,
        })
    );
    let Requirement::SigstoreSigned(SigstoreSigned {
        trust: SigstoreTrust::Fulcio(f),
        rekor: Some(KeySource::Data(d)),
        ..
    }) = reqs[2]
    else {
        panic!("{:?}", reqs[2])
    };
    assert_eq!(
        (
            f.ca.as_ref().map(KeySource::paths),
            f.oidc_issuer.as_str(),
            &f.subject,
            d.len()
        ),
        (
            Some(&["/ca".into()][..]),
            "https://i",
            &Subject::Email("e@x".into()),
            0
        )
    );
    let Requirement::SigstoreSigned(SigstoreSigned {
        trust: SigstoreTrust::Pki(pki),
        rekor: None,
        ..
    }) = reqs[3]
    else {
        panic!()
    };
    assert_eq!(pki.ca_roots, KeySource::Data(alloc::vec![]));
    assert_eq!(pki.subject_hostname.as_deref(), Some("h"));
    assert_eq!(pki.subject_email, None);
    assert_eq!(reqs[4].type_name(), "signedBaseLayer");
    assert_eq!(p.all_requirements().count(), 6);
    assert_eq!(
        p.transport_names().collect::<alloc::vec::Vec<_>>(),
        ["docker"]
    );
}

#[test]
fn a_100_mb_policy_is_refused_without_parsing_it() {
    let big = alloc::vec![b'['; 100 * 1024 * 1024];
    let e = Policy::parse(&big).unwrap_err();
    assert!(e.message.contains("104857600 bytes"), "{e}");
}

#[test]
fn oversized_policies_are_refused_before_parsing() {
    let mut big = alloc::vec![b' '; MAX_POLICY_BYTES + 1];
    big[0] = b'{';
    let e = Policy::parse(&big).unwrap_err();
    assert!(e.message.contains("larger than"), "{e}");
}

#[test]
fn errors_name_the_json_path() {
    let e = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"docker":{"a.com":[{"type":"reject"},{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"a.com","signedPrefix":"b/X"}}]}}}"#).unwrap_err();
    assert_eq!(
        e.path,
        r#"transports.docker["a.com"][1].signedIdentity.signedPrefix"#
    );
    assert_eq!(e.message, r#"prefix "b/X" is not valid"#);
}

#[cfg(feature = "extensions")]
/// A `sigstoreSigned` requirement for `docker.io` with these members, parsed.
fn sigstore_with(members: &str) -> Result<SigstoreSigned, alloc::string::String> {
    let text = format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"docker.io":[{{"type":"sigstoreSigned",{members}}}]}}}}}}"#
    );
    let policy = Policy::parse(text.as_bytes()).map_err(|e| e.to_string())?;
    let found = match policy.scopes("docker").next().unwrap().1 {
        [Requirement::SigstoreSigned(s)] => s.clone(),
        other => panic!("{other:?}"),
    };
    Ok(found)
}

#[cfg(feature = "extensions")]
#[test]
fn the_sigwall_extension_grammar() {
    const ISSUER: &str = r#""oidcIssuer":"https://token.actions.githubusercontent.com""#;
    // Accepted: a trusted root in place of caPath and Rekor keys; URI and pattern subjects.
    let s = sigstore_with(&format!(
        r#""trustedRoot":"public-good","acceptBundles":true,"fulcio":{{{ISSUER},"subjectURI":"https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1"}}"#
    ))
    .unwrap();
    assert_eq!(s.trusted_root, Some(TrustedRootSource::PublicGood));
    assert!(s.accept_bundles);
    let SigstoreTrust::Fulcio(f) = &s.trust else {
        panic!()
    };
    assert_eq!(f.ca, None);
    assert!(matches!(&f.subject, Subject::Uri(u) if u.ends_with("@refs/tags/v1")));
    let s = sigstore_with(&format!(
        r#""trustedRootPath":"/etc/sigwall/trusted_root.json","fulcio":{{{ISSUER},"subjectRegExp":"https://github\\.com/o/.*"}}"#
    ))
    .unwrap();
    assert_eq!(
        s.trusted_root,
        Some(TrustedRootSource::File(KeySource::Path(
            "/etc/sigwall/trusted_root.json".into()
        )))
    );
    assert!(!s.accept_bundles);
    assert_eq!(
        Requirement::SigstoreSigned(s).key_sources(),
        [&KeySource::Path("/etc/sigwall/trusted_root.json".into())],
        "the host is asked for the trusted root file"
    );
    let s =
        sigstore_with(r#""trustedRootData":"e30=","keyData":"bm9uc2Vuc2U=","acceptBundles":true"#)
            .unwrap();
    assert_eq!(
        s.trusted_root,
        Some(TrustedRootSource::File(KeySource::Data(b"{}".to_vec())))
    );
    // caPath with subjectURI: podman's trust, the extension's subject.
    assert!(sigstore_with(&format!(
        r#""rekorPublicKeyPath":"/r","fulcio":{{"caPath":"/ca",{ISSUER},"subjectURI":"https://x"}}"#
    ))
    .is_ok());

    // Refused, each with its reason.
    for (members, error) in [
        (
            r#""trustedRoot":"staging","keyData":"bm9uc2Vuc2U=""#,
            "public-good",
        ),
        (
            r#""trustedRoot":"public-good","trustedRootPath":"/t","keyData":"bm9uc2Vuc2U=""#,
            "at most one of trustedRoot",
        ),
        (
            r#""trustedRootPath":"","keyData":"bm9uc2Vuc2U=""#,
            "trustedRootPath is empty",
        ),
        (
            r#""acceptBundles":true,"keyData":"bm9uc2Vuc2U=""#,
            "acceptBundles needs a trusted root",
        ),
        (
            r#""acceptBundles":false,"trustedRoot":"public-good","keyData":"bm9uc2Vuc2U=""#,
            "must be true",
        ),
        (
            r#""acceptBundles":"yes","trustedRoot":"public-good","keyData":"bm9uc2Vuc2U=""#,
            "must be true",
        ),
        (
            r#""trustedRoot":"public-good","keyData":"bm9uc2Vuc2U=","rekorPublicKeyData":"bm9uc2Vuc2U=""#,
            "cannot be used with a trusted root",
        ),
        (
            r#""trustedRoot":"public-good","pki":{"caRootsData":"bm9uc2Vuc2U=","subjectEmail":"a@b"}"#,
            "cannot be used with pki",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"caData":"bm9uc2Vuc2U=","oidcIssuer":"https://i","subjectEmail":"a@b"}"#,
            "caPath and caData cannot be used with a trusted root",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"oidcIssuer":"https://i"}"#,
            "subjectEmail not specified",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"oidcIssuer":"https://i","subjectEmail":"a@b","subjectURI":"https://x"}"#,
            "only one of subjectEmail, subjectURI and subjectRegExp",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"oidcIssuer":"https://i","subjectURI":""}"#,
            "subjectURI not specified",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"oidcIssuer":"https://i","subjectRegExp":"(?i)x"}"#,
            "invalid subjectRegExp",
        ),
        (
            r#""trustedRoot":"public-good","fulcio":{"subjectEmail":"a@b"}"#,
            "oidcIssuer not specified",
        ),
        // Without a trusted root, podman's rules and words.
        (
            r#""fulcio":{"oidcIssuer":"https://i","subjectURI":"https://x"},"rekorPublicKeyData":"bm9uc2Vuc2U=""#,
            "At least one of caPath and caData",
        ),
        (
            r#""fulcio":{"caData":"bm9uc2Vuc2U=","oidcIssuer":"https://i","subjectURI":"https://x"}"#,
            "must be specified if fulcio is used",
        ),
        (
            r#""fulcio":{"caData":"bm9uc2Vuc2U=","oidcIssuer":"https://i","subjectUri":"https://x"},"rekorPublicKeyData":"bm9uc2Vuc2U=""#,
            "subjectUri",
        ),
    ] {
        let got = sigstore_with(members).unwrap_err();
        assert!(got.contains(error), "{members}: {got}");
    }
}
