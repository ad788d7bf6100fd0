use super::*;
use crate::error::Code;
use alloc::vec;

const MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;

fn policy(json: &str) -> Policy {
    Policy::parse(json.as_bytes()).unwrap()
}

const NOW: UnixTime = UnixTime(1_700_000_000);

#[test]
fn asks_for_the_manifest_first_then_signatures_then_keys() {
    let p =
        policy(r#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":["/k1","/k2"]}]}"#);
    let mut s = Session::new(&p, "quay.io/ns/app:1.0", NOW).unwrap();
    let need = s.next_need().unwrap();
    assert_eq!(
        need.kind,
        NeedKind::Manifest {
            registry: "quay.io".into(),
            repository: "ns/app".into(),
            reference: "1.0".into()
        }
    );
    // The same need is returned until answered.
    assert_eq!(s.next_need().unwrap().id, need.id);
    s.provide(need.id, MANIFEST).unwrap();
    let digest = Digest::sha256(MANIFEST).to_string();
    let sig1 = s.next_need().unwrap();
    assert_eq!(
        sig1.kind,
        NeedKind::SimpleSignature {
            registry: "quay.io".into(),
            repository: "ns/app".into(),
            manifest_digest: digest.clone(),
            index: 1
        }
    );
    s.provide(sig1.id, b"not really a signature").unwrap();
    let sig2 = s.next_need().unwrap();
    assert!(matches!(
        sig2.kind,
        NeedKind::SimpleSignature { index: 2, .. }
    ));
    s.provide_absent(sig2.id).unwrap();
    // A signature exists, so the key files are needed now, each once.
    let kinds: Vec<NeedKind> = s.outstanding().iter().map(|n| n.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            NeedKind::KeyFile { path: "/k1".into() },
            NeedKind::KeyFile { path: "/k2".into() }
        ]
    );
    let ids: Vec<u32> = s.outstanding().iter().map(|n| n.id).collect();
    assert_eq!(s.finish().unwrap_err().code(), Code::ApiMisuse);
    s.provide(ids[0], b"key").unwrap();
    s.provide_absent(ids[1]).unwrap();
    assert_eq!(s.next_need(), None);
    let v = s.finish().unwrap();
    assert!(!v.allowed);
    assert_eq!(v.digest.as_deref(), Some(digest.as_str()));
    assert_eq!(v.scope, "default");
    assert_eq!(v.requirements[0].signatures.len(), 1);
    assert_eq!(s.finish().unwrap_err().code(), Code::ApiMisuse);
}

#[test]
fn no_signatures_means_no_key_files_are_read() {
    let p = policy(r#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}]}"#);
    let mut s = Session::new(&p, "busybox", NOW).unwrap();
    let m = s.next_need().unwrap();
    s.provide(m.id, MANIFEST).unwrap();
    let sig = s.next_need().unwrap();
    s.provide_absent(sig.id).unwrap();
    assert_eq!(s.next_need(), None);
    let v = s.finish().unwrap();
    assert!(!v.allowed);
    assert_eq!(v.reasons[0].code, Code::NoSignatures);
    assert_eq!(
        v.reasons[0].message,
        "Source image rejected: A signature was required, but no signature exists"
    );
    assert_eq!(v.image, "docker://docker.io/library/busybox:latest");
}

#[test]
fn cosign_signatures_are_looked_up_by_the_digest_tag() {
    let p = policy(r#"{"default":[{"type":"sigstoreSigned","keyData":"bm9uc2Vuc2U="}]}"#);
    let mut s = Session::new(&p, "localhost:5000/app:v1", NOW).unwrap();
    let m = s.next_need().unwrap();
    s.provide(m.id, MANIFEST).unwrap();
    let hex = Digest::sha256(MANIFEST).hex();
    let kinds: Vec<NeedKind> = s.outstanding().iter().map(|n| n.kind.clone()).collect();
    // Stored signatures first (they may hold sigstore signatures too), then the .sig tag.
    assert!(matches!(
        kinds[0],
        NeedKind::SimpleSignature { index: 1, .. }
    ));
    assert_eq!(
        kinds[1],
        NeedKind::CosignSignatures {
            registry: "localhost:5000".into(),
            repository: "app".into(),
            tag: alloc::format!("sha256-{hex}.sig")
        }
    );
}

#[test]
fn insecure_accept_anything_needs_only_the_manifest() {
    let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
    let mut s = Session::new(&p, "busybox:1", NOW).unwrap();
    let m = s.next_need().unwrap();
    s.provide(m.id, MANIFEST).unwrap();
    assert_eq!(s.next_need(), None);
    let v = s.finish().unwrap();
    assert!(v.allowed);
    assert!(v.reasons.is_empty());
}

#[test]
fn a_manifest_that_does_not_match_the_requested_digest_is_an_error() {
    let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
    let wanted = Digest::sha256(b"something else");
    let mut s = Session::new(&p, &alloc::format!("busybox@{wanted}"), NOW).unwrap();
    let m = s.next_need().unwrap();
    assert!(
        matches!(&m.kind, NeedKind::Manifest { reference, .. } if *reference == wanted.to_string())
    );
    assert_eq!(
        s.provide(m.id, MANIFEST).unwrap_err().code(),
        Code::DigestMismatch
    );
    // Nothing can be finished into an "allowed" after that.
    assert_eq!(s.finish().unwrap_err().code(), Code::ApiMisuse);
}

#[test]
fn manifest_errors_are_typed() {
    let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
    let cases: &[(&[u8], Code)] = &[
        (b"not json", Code::ManifestInvalid),
        (b"[1]", Code::ManifestInvalid),
        (
            br#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
            Code::ManifestUnknown,
        ),
        (
            br#"{"schemaVersion":2,"manifests":[]}"#,
            Code::ManifestUnknown,
        ),
    ];
    for (bytes, code) in cases {
        let mut s = Session::new(&p, "busybox", NOW).unwrap();
        let m = s.next_need().unwrap();
        assert_eq!(s.provide(m.id, bytes).unwrap_err().code(), *code);
        assert!(s.finish().is_err());
    }
    let mut s = Session::new(&p, "busybox", NOW).unwrap();
    let m = s.next_need().unwrap();
    let big = vec![b' '; MAX_MANIFEST_BYTES + 1];
    assert_eq!(
        s.provide(m.id, &big).unwrap_err().code(),
        Code::ManifestInvalid
    );
    let mut s = Session::new(&p, "busybox", NOW).unwrap();
    let m = s.next_need().unwrap();
    assert_eq!(
        s.provide_absent(m.id).unwrap_err().code(),
        Code::ManifestUnknown
    );
    assert!(s.finish().is_err());
}

#[test]
fn answers_to_unknown_needs_are_api_misuse() {
    let p = policy(r#"{"default":[{"type":"reject"}]}"#);
    let mut s = Session::new(&p, "busybox", NOW).unwrap();
    assert_eq!(s.provide(999, b"{}").unwrap_err().code(), Code::ApiMisuse);
    let m = s.next_need().unwrap();
    s.provide(m.id, MANIFEST).unwrap();
    assert_eq!(
        s.provide(m.id, MANIFEST).unwrap_err().code(),
        Code::ApiMisuse
    );
    assert_eq!(s.provide_absent(m.id).unwrap_err().code(), Code::ApiMisuse);
}

#[test]
fn invalid_image_references_are_errors() {
    let p = policy(r#"{"default":[{"type":"reject"}]}"#);
    for bad in [
        "UPPER/case",
        "",
        "dir:/tmp/x",
        "busybox:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        assert_eq!(
            Session::new(&p, bad, NOW).unwrap_err().code(),
            Code::ReferenceInvalid,
            "{bad}"
        );
    }
}

#[test]
fn simple_signatures_are_capped() {
    let p = policy(r#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":""}]}"#);
    let mut s = Session::new(&p, "busybox", NOW).unwrap();
    let m = s.next_need().unwrap();
    s.provide(m.id, MANIFEST).unwrap();
    let mut answered = 0;
    while let Some(n) = s.next_need() {
        s.provide(n.id, b"x").unwrap();
        answered += 1;
        assert!(answered <= MAX_SIGNATURES, "the session keeps asking");
    }
    assert_eq!(answered, MAX_SIGNATURES);
    let v = s.finish().unwrap();
    assert!(!v.allowed);
    assert_eq!(v.reasons[0].code, Code::NoAcceptedSignature);
    assert!(v.reasons[0]
        .message
        .starts_with("Source image rejected: None of the signatures were accepted, reasons: "));
}

/// An index listing `children` as (manifest bytes, platform JSON).
fn index(children: &[(&[u8], &str)]) -> Vec<u8> {
    let entries: Vec<String> = children
        .iter()
        .map(|(m, p)| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"platform":{p}}}"#,
                Digest::sha256(m),
                m.len()
            )
        })
        .collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        entries.join(",")
    )
    .into_bytes()
}

const AMD64: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[],"annotations":{"p":"amd64"}}"#;
const ARM64: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[],"annotations":{"p":"arm64"}}"#;
const ARMV6: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[],"annotations":{"p":"armv6"}}"#;

/// Runs a session on `image` (an index) for `platform`, answering manifests from `manifests`;
/// returns the digest asked for after the index and the outcome.
fn through_index(
    platform: Option<&str>,
    top: &[u8],
    manifests: &[&[u8]],
) -> (Option<String>, Result<crate::verdict::Verdict, Error>) {
    through_index_for(platform, None, top, manifests)
}

/// [`through_index`], with the instance chosen by digest when `instance` is given.
fn through_index_for(
    platform: Option<&str>,
    instance: Option<&[u8]>,
    top: &[u8],
    manifests: &[&[u8]],
) -> (Option<String>, Result<crate::verdict::Verdict, Error>) {
    let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
    let mut s = Session::new(&p, "registry.example/multi:1", NOW).unwrap();
    if let Some(platform) = platform {
        s.set_platform(Platform::parse(platform).unwrap());
    }
    if let Some(instance) = instance {
        s.set_instance(Digest::sha256(instance));
    }
    let first = s.next_need().unwrap();
    if let Err(e) = s.provide(first.id, top) {
        return (None, Err(e));
    }
    let Some(child) = s.next_need() else {
        return (None, s.finish());
    };
    let NeedKind::Manifest { reference, .. } = &child.kind else {
        panic!("{child:?}");
    };
    let reference = reference.clone();
    let bytes = manifests
        .iter()
        .find(|m| Digest::sha256(m).to_string() == reference)
        .copied()
        .unwrap_or(b"{}");
    if let Err(e) = s.provide(child.id, bytes) {
        return (Some(reference), Err(e));
    }
    (Some(reference), s.finish())
}

#[test]
fn an_index_is_evaluated_on_the_instance_for_the_platform() {
    let top = index(&[
        (
            ARMV6,
            r#"{"os":"linux","architecture":"arm","variant":"v6"}"#,
        ),
        (
            ARM64,
            r#"{"os":"linux","architecture":"arm64","variant":"v8"}"#,
        ),
        (AMD64, r#"{"os":"linux","architecture":"amd64"}"#),
    ]);
    let all = [AMD64, ARM64, ARMV6];
    for (platform, want) in [
        (None, AMD64),
        (Some("linux/amd64"), AMD64),
        (Some("linux/arm64"), ARM64),
        (Some("linux/arm64/v8"), ARM64),
        // An ARMv7 CPU runs ARMv6 code: containers/image falls back to older variants.
        (Some("linux/arm/v7"), ARMV6),
    ] {
        let (asked, verdict) = through_index(platform, &top, &all);
        let want = Digest::sha256(want).to_string();
        assert_eq!(asked.as_deref(), Some(want.as_str()), "{platform:?}");
        let verdict = verdict.unwrap();
        assert!(verdict.allowed);
        assert_eq!(
            verdict.digest.as_deref(),
            Some(want.as_str()),
            "the verdict names the instance"
        );
    }
    // No instance for the platform: the image does not exist for it.
    let (_, none) = through_index(Some("linux/s390x"), &top, &all);
    let none = none.unwrap_err();
    assert_eq!(none.code(), Code::ManifestUnknown);
    assert!(none.to_string().contains("linux/s390x"), "{none}");
}

#[test]
fn an_instance_chosen_by_digest_is_evaluated_whatever_its_platform() {
    // Two entries for one platform (a gzip and a zstd copy, say), and one with no platform (an
    // attestation manifest): each can be chosen by its digest, over the platform.
    let top = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{},{},{}]}}"#,
        entry(AMD64, r#","platform":{"os":"linux","architecture":"amd64"}"#),
        entry(ARMV6, r#","platform":{"os":"linux","architecture":"amd64"}"#),
        entry(ARM64, ""),
    )
    .into_bytes();
    let all = [AMD64, ARM64, ARMV6];
    for wanted in all {
        let (asked, verdict) = through_index_for(Some("linux/amd64"), Some(wanted), &top, &all);
        let want = Digest::sha256(wanted).to_string();
        assert_eq!(asked.as_deref(), Some(want.as_str()));
        assert_eq!(verdict.unwrap().digest.as_deref(), Some(want.as_str()));
    }
    // A digest the index does not list is no instance of it; the bytes must be the listed ones.
    let (_, absent) = through_index_for(None, Some(b"{}"), &top, &all);
    let absent = absent.unwrap_err();
    assert_eq!(absent.code(), Code::ManifestUnknown);
    assert!(absent.to_string().contains("does not list"), "{absent}");
    let (_, lied) = through_index_for(None, Some(ARM64), &top, &[]);
    assert!(matches!(
        lied.unwrap_err().code(),
        Code::DigestMismatch | Code::SizeMismatch
    ));
    // On a manifest that is not an index, the choice changes nothing.
    let (asked, single) = through_index_for(None, Some(ARM64), AMD64, &[]);
    assert_eq!(asked, None);
    assert_eq!(
        single.unwrap().digest,
        Some(Digest::sha256(AMD64).to_string())
    );
}

/// An index entry for `manifest` with `rest` (`,"platform":…`) after its size.
fn entry(manifest: &[u8], rest: &str) -> String {
    format!(
        r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{}{rest}}}"#,
        Digest::sha256(manifest),
        manifest.len()
    )
}

#[test]
fn an_instance_must_be_exactly_what_the_index_lists() {
    let top = index(&[(AMD64, r#"{"os":"linux","architecture":"amd64"}"#)]);
    // The registry answers the instance's digest with other bytes.
    let (_, lied) = through_index(None, &top, &[]);
    assert!(matches!(
        lied.unwrap_err().code(),
        Code::DigestMismatch | Code::SizeMismatch
    ));
    // An index inside an index.
    let inner = index(&[(AMD64, r#"{"os":"linux","architecture":"amd64"}"#)]);
    let outer = index(&[(&inner, r#"{"os":"linux","architecture":"amd64"}"#)]);
    let (_, nested) = through_index(None, &outer, &[&inner]);
    assert_eq!(nested.unwrap_err().code(), Code::ManifestInvalid);
    // Malformed entries.
    for bad in [
        br#"{"manifests":[{"digest":"sha256:nope","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}"#.as_slice(),
        br#"{"manifests":[{"digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":-1,"platform":{"os":"linux","architecture":"amd64"}}]}"#,
        br#"{"manifests":[7]}"#,
        br#"{"manifests":{}}"#,
    ] {
        let (_, r) = through_index(None, bad, &[]);
        assert!(r.is_err());
    }
    // Platforms are os/arch[/variant].
    for bad in [
        "",
        "linux",
        "linux/",
        "/amd64",
        "linux/amd64/v8/x",
        "linux/am d64",
    ] {
        assert!(Platform::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(
        Platform::parse("linux/arm/v7").unwrap().to_string(),
        "linux/arm/v7"
    );
}

/// A cosign `.sig` manifest with one layer signing `digest` for `identity`, by a fixed test
/// key, and its payload; and that key as policy `keyData` (base64 of the PEM).
fn cosign_signed(digest: &Digest, identity: &str) -> (Vec<u8>, Vec<u8>, String) {
    use base64ct::{Base64, Encoding};
    use p256::ecdsa::signature::Signer;
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let mut spki =
        base16ct::lower::decode_vec("3059301306072a8648ce3d020106082a8648ce3d030107034200")
            .unwrap();
    spki.extend_from_slice(point.as_bytes());
    let body = Base64::encode_string(&spki);
    let (first, rest) = body.split_at(64);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{first}\n{rest}\n-----END PUBLIC KEY-----\n");
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{identity}"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    )
    .into_bytes();
    let signature: p256::ecdsa::Signature = key.sign(&payload);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"{}","size":{},"annotations":{{"dev.cosignproject.cosign/signature":"{}"}}}}]}}"#,
        Digest::sha256(b"{}"),
        Digest::sha256(&payload),
        payload.len(),
        Base64::encode_string(signature.to_der().as_bytes())
    )
    .into_bytes();
    (manifest, payload, Base64::encode_string(pem.as_bytes()))
}

/// Runs a sigstoreSigned session on an index whose only signature signs the index itself.
fn index_signed(accept: bool) -> (crate::verdict::Verdict, Vec<String>) {
    let top = index(&[(AMD64, r#"{"os":"linux","architecture":"amd64"}"#)]);
    let (sig, payload, key) = cosign_signed(&Digest::sha256(&top), "registry.example/multi");
    let p = policy(&format!(
        r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#
    ));
    let mut s = Session::new(&p, "registry.example/multi:1", NOW).unwrap();
    s.set_accept_index_signatures(accept);
    let index_tag = format!("sha256-{}.sig", Digest::sha256(&top).hex());
    let mut tags = Vec::new();
    while let Some(need) = s.next_need() {
        match &need.kind {
            NeedKind::Manifest { reference, .. } if reference == "1" => {
                s.provide(need.id, &top).unwrap()
            }
            NeedKind::Manifest { .. } => s.provide(need.id, AMD64).unwrap(),
            NeedKind::CosignSignatures { tag, .. } => {
                tags.push(tag.clone());
                if *tag == index_tag {
                    s.provide(need.id, &sig).unwrap();
                } else {
                    s.provide_absent(need.id).unwrap();
                }
            }
            NeedKind::Blob { .. } => s.provide(need.id, &payload).unwrap(),
            _ => s.provide_absent(need.id).unwrap(),
        }
    }
    (s.finish().unwrap(), tags)
}

#[test]
fn index_signatures_count_for_the_instance_only_when_asked() {
    let instance = Digest::sha256(AMD64).to_string();
    let (off, tags) = index_signed(false);
    assert!(
        !off.allowed,
        "containers/image reads the instance's signatures only"
    );
    assert_eq!(tags.len(), 1);
    let (on, tags) = index_signed(true);
    assert_eq!(
        tags.len(),
        2,
        "the instance's and the index's signatures: {tags:?}"
    );
    assert!(on.allowed, "{on:?}");
    assert_eq!(on.digest.as_deref(), Some(instance.as_str()));
    assert_eq!(on.requirements[0].signatures.len(), 1);
}

/// A podman policy: sigstoreSigned with a key (of a cosign signature of MANIFEST).
fn key_policy() -> Policy {
    let (_, _, key) = cosign_signed(&Digest::sha256(MANIFEST), "registry.example/app");
    policy(&format!(
        r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#
    ))
}

#[cfg(feature = "keyless")]
#[test]
fn sigstore_bundles_among_the_referrers_are_reported_not_ignored() {
    let p = key_policy();
    let bundle_manifest = referrer_manifest(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "https://sigstore.dev/cosign/sign/v1",
    );
    let attestation = referrer_manifest(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "https://slsa.dev/provenance/v1",
    );
    let bundle_digest = Digest::sha256(&bundle_manifest).to_string();
    let attestation_digest = Digest::sha256(&attestation).to_string();
    // The referrers API's shape, and the tag schema's as cosign writes it (the empty type).
    let api = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{bundle_digest}","size":10}},
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{attestation_digest}","size":10,"annotations":{{"dev.sigstore.bundle.predicateType":"https://slsa.dev/provenance/v1"}}}},
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":10}}]}}"#
    );
    let tag_schema = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.oci.empty.v1+json","digest":"{bundle_digest}","size":10}},
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.oci.empty.v1+json","digest":"{attestation_digest}","size":10}},
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{bundle_digest}","size":10}}]}}"#
    );
    for (answer, bundles) in [
        (Some(api.as_bytes()), 1),
        (Some(tag_schema.as_bytes()), 1),
        (None, 0),
        (Some(&b"<html>not an index</html>"[..]), 0),
    ] {
        let mut s = Session::new(&p, "registry.example/app:1", NOW).unwrap();
        let mut asked = None;
        let mut fetched = Vec::new();
        while let Some(need) = s.next_need() {
            match &need.kind {
                NeedKind::Manifest { .. } => s.provide(need.id, MANIFEST).unwrap(),
                NeedKind::Referrers { digest, .. } => {
                    asked = Some(digest.clone());
                    match answer {
                        Some(bytes) => s.provide(need.id, bytes).unwrap(),
                        None => s.provide_absent(need.id).unwrap(),
                    }
                }
                NeedKind::ReferrerManifest { digest, .. } => {
                    fetched.push(digest.clone());
                    let bytes = if *digest == bundle_digest {
                        &bundle_manifest
                    } else {
                        &attestation
                    };
                    s.provide(need.id, bytes).unwrap();
                }
                NeedKind::Blob { .. } => panic!("no requirement accepts bundles: none is fetched"),
                _ => s.provide_absent(need.id).unwrap(),
            }
        }
        assert_eq!(asked, Some(Digest::sha256(MANIFEST).to_string()));
        // The SBOM and the announced attestation are not fetched; a repeated entry once.
        let expected_fetches = match answer {
            Some(a) if a == tag_schema.as_bytes() => 2,
            Some(a) if a == api.as_bytes() => 1,
            _ => 0,
        };
        assert_eq!(fetched.len(), expected_fetches, "{fetched:?}");
        let v = s.finish().unwrap();
        assert!(!v.allowed);
        let sigs = &v.requirements[0].signatures;
        assert_eq!(sigs.len(), bundles);
        if bundles == 1 {
            assert_eq!(sigs[0].code, Some(Code::UnsupportedFormat));
            assert_eq!(sigs[0].format, SignatureFormat::SigstoreBundle);
            assert_eq!(sigs[0].source, "referrers");
            assert!(sigs[0]
                .message
                .as_deref()
                .unwrap()
                .contains("acceptBundles"));
            assert_eq!(v.reasons[0].code, Code::UnsupportedFormat);
        } else {
            assert_eq!(v.reasons[0].code, Code::NoSignatures);
        }
    }
}

#[cfg(feature = "keyless")]
/// A cosign v3 referrer manifest with one bundle layer.
fn referrer_manifest(artifact_type: &str, predicate: &str) -> Vec<u8> {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"{artifact_type}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"layers":[{{"mediaType":"{artifact_type}","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":100}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{}}},"annotations":{{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"{predicate}"}}}}"#,
        Digest::sha256(MANIFEST),
        MANIFEST.len()
    )
    .into_bytes()
}

#[cfg(feature = "keyless")]
#[test]
fn a_referrer_manifest_that_does_not_match_its_digest_is_a_defective_signature() {
    let p = key_policy();
    let listed = referrer_manifest(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "https://sigstore.dev/cosign/sign/v1",
    );
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{}","size":1}}]}}"#,
        Digest::sha256(&listed)
    );
    let mut s = Session::new(&p, "registry.example/app:1", NOW).unwrap();
    while let Some(need) = s.next_need() {
        match &need.kind {
            NeedKind::Manifest { .. } => s.provide(need.id, MANIFEST).unwrap(),
            NeedKind::Referrers { .. } => s.provide(need.id, index.as_bytes()).unwrap(),
            // A hostile registry serves other bytes under the listed digest.
            NeedKind::ReferrerManifest { .. } => s.provide(need.id, b"{}").unwrap(),
            _ => s.provide_absent(need.id).unwrap(),
        }
    }
    let v = s.finish().unwrap();
    assert!(!v.allowed);
    let sig = &v.requirements[0].signatures[0];
    assert_eq!(sig.code, Some(Code::SignatureInvalid));
    assert!(sig
        .message
        .as_deref()
        .unwrap()
        .contains("does not match its digest"));
}

/// A descriptor's `Data`: Go's JSON decoder would read it as `data`. The manifest is invalid
/// rather than read two ways (the schema 1 cases are in `schema1`'s tests).
#[test]
fn members_go_would_read_as_other_fields_make_a_manifest_invalid() {
    let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"}]}"#);
    let mut s = Session::new(&p, "registry.example/app:1", NOW).unwrap();
    let need = s.next_need().unwrap();
    let text = core::str::from_utf8(MANIFEST).unwrap();
    let with_data = text.replacen(r#""size":2}"#, r#""size":2,"Data":"e30="}"#, 1);
    assert_eq!(
        s.provide(need.id, with_data.as_bytes()).unwrap_err().code(),
        Code::ManifestInvalid
    );
}

/// Without certificates, bundles are reported from the referrers index alone: nothing is
/// fetched, since no policy this build parses could accept one.
#[cfg(not(feature = "keyless"))]
#[test]
fn without_certificates_bundle_referrers_are_reported_unfetched() {
    let p = key_policy();
    let index = br#"{"schemaVersion":2,"manifests":[
        {"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":10},
        {"artifactType":"application/spdx+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":10}]}"#;
    let mut s = Session::new(&p, "registry.example/app:1", NOW).unwrap();
    while let Some(need) = s.next_need() {
        match &need.kind {
            NeedKind::Manifest { .. } => s.provide(need.id, MANIFEST).unwrap(),
            NeedKind::Referrers { .. } => s.provide(need.id, index).unwrap(),
            NeedKind::ReferrerManifest { .. } | NeedKind::Blob { .. } => panic!("fetched"),
            _ => s.provide_absent(need.id).unwrap(),
        }
    }
    let v = s.finish().unwrap();
    let sigs = &v.requirements[0].signatures;
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].code, Some(Code::UnsupportedFormat));
    assert_eq!(sigs[0].format, SignatureFormat::SigstoreBundle);
}
