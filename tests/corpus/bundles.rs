//! Sigstore bundles against the private Sigstore instance of fixtures/bundles (made by its
//! make.py; @sigstore/verify and sigstore-python agree with every decision, see its
//! oracles.mjs). Shared by tests/bundles.rs (native) and wasm-tests/ (wasm).

use sigwall::mechanism::bundle::{self, Artifact, Expected, TrustedRoot};

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!("../../fixtures/", $path)).as_slice()
    };
}

const ROOT: &[u8] = fixture!("bundles/trusted_root.json");
const ARTIFACT: &[u8] = fixture!("bundles/artifact.txt");
const MANIFEST: &[u8] = fixture!("bundles/manifest.json");
const IDENTITY: &str = "signer@example.com";
const WORKFLOW: &str =
    "https://github.com/sigwall-test/app/.github/workflows/release.yml@refs/tags/v1";
const ISSUER: &str = "https://oidc.example";

/// Every case of fixtures/bundles/cases.json: its bundle, the artifact it is checked against,
/// and the code of its rejection (None: verified).
type Case = (
    &'static str,
    &'static [u8],
    &'static [u8],
    Option<&'static str>,
);

pub(crate) const BUNDLE_CASES: &[Case] = &[
    ("good", fixture!("bundles/good.bundle.json"), ARTIFACT, None),
    (
        "good-v02",
        fixture!("bundles/good-v02.bundle.json"),
        ARTIFACT,
        None,
    ),
    (
        "good-v01",
        fixture!("bundles/good-v01.bundle.json"),
        ARTIFACT,
        None,
    ),
    (
        "good-dsse",
        fixture!("bundles/good-dsse.bundle.json"),
        MANIFEST,
        None,
    ),
    (
        "good-uri",
        fixture!("bundles/good-uri.bundle.json"),
        MANIFEST,
        None,
    ),
    (
        "attestation",
        fixture!("bundles/attestation.bundle.json"),
        MANIFEST,
        None,
    ),
    (
        "no-set",
        fixture!("bundles/no-set.bundle.json"),
        ARTIFACT,
        Some("LOG_ENTRY_INVALID"),
    ),
    (
        "wrong-san",
        fixture!("bundles/wrong-san.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_MISMATCH"),
    ),
    (
        "wrong-issuer",
        fixture!("bundles/wrong-issuer.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_MISMATCH"),
    ),
    (
        "expired-at-signing",
        fixture!("bundles/expired-at-signing.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "sct-unknown-log",
        fixture!("bundles/sct-unknown-log.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "proof-mismatch",
        fixture!("bundles/proof-mismatch.bundle.json"),
        ARTIFACT,
        Some("LOG_ENTRY_INVALID"),
    ),
    (
        "checkpoint-other-key",
        fixture!("bundles/checkpoint-other-key.bundle.json"),
        ARTIFACT,
        Some("LOG_ENTRY_INVALID"),
    ),
    (
        "set-other-key",
        fixture!("bundles/set-other-key.bundle.json"),
        ARTIFACT,
        Some("LOG_ENTRY_INVALID"),
    ),
    (
        "smuggled-root",
        fixture!("bundles/smuggled-root.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "body-other-signature",
        fixture!("bundles/body-other-signature.bundle.json"),
        ARTIFACT,
        Some("LOG_ENTRY_INVALID"),
    ),
    (
        "other-artifact",
        fixture!("bundles/other-artifact.bundle.json"),
        ARTIFACT,
        Some("DIGEST_MISMATCH"),
    ),
    (
        "dsse-subject-mismatch",
        fixture!("bundles/dsse-subject-mismatch.bundle.json"),
        MANIFEST,
        Some("DIGEST_MISMATCH"),
    ),
    (
        "good-timestamp",
        fixture!("bundles/good-timestamp.bundle.json"),
        ARTIFACT,
        None,
    ),
    (
        "timestamp-other-bytes",
        fixture!("bundles/timestamp-other-bytes.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "timestamp-untrusted-tsa",
        fixture!("bundles/timestamp-untrusted-tsa.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "timestamp-after-expiry",
        fixture!("bundles/timestamp-after-expiry.bundle.json"),
        ARTIFACT,
        Some("CERTIFICATE_INVALID"),
    ),
];

/// The identity a case was signed for.
fn identity(name: &str) -> &'static str {
    if name == "good-uri" {
        WORKFLOW
    } else {
        IDENTITY
    }
}

fn expected_for(name: &str) -> Expected {
    Expected::Certificate {
        identity: identity(name).into(),
        issuer: ISSUER.into(),
    }
}

/// Runs every case; returns how many checks were made.
pub(crate) fn cases() -> usize {
    let root = TrustedRoot::parse(ROOT).unwrap();
    let mut checks = 0;
    for (name, bundle_json, artifact, want) in BUNDLE_CASES {
        let expected = || expected_for(name);
        let got = bundle::verify(bundle_json, &root, &Artifact::Bytes(artifact), &expected());
        match (want, &got) {
            (None, Ok(verified)) => {
                assert_eq!(verified.signer.identities, [identity(name)], "{name}");
                assert_eq!(verified.signer.issuer.as_deref(), Some(ISSUER), "{name}");
                // The time the certificate was checked at: the SET's, or the RFC 3161
                // timestamp's when the entry has no SET.
                let log = verified.signer.log.as_ref().unwrap();
                if name.contains("timestamp") {
                    assert_eq!(log.integrated_time, None, "{name}");
                    let [stamp] = verified.signer.timestamps.as_slice() else {
                        panic!("{name}: {:?}", verified.signer.timestamps);
                    };
                    assert_eq!(stamp.authority, "https://tsa.sigwall.test", "{name}");
                    assert!(stamp.time > 1_764_000_000, "{name}: {}", stamp.time);
                } else {
                    assert_eq!(log.integrated_time, Some(1_748_779_200), "{name}");
                    assert!(verified.signer.timestamps.is_empty(), "{name}");
                }
                assert_eq!(verified.trusted_root, root.digest, "{name}");
                // Known by its digest only, the artifact verifies the same.
                let digest: [u8; 32] = sigwall::Digest::sha256(artifact)
                    .as_bytes()
                    .try_into()
                    .unwrap();
                assert!(
                    bundle::verify(bundle_json, &root, &Artifact::Sha256(digest), &expected())
                        .is_ok(),
                    "{name} by digest"
                );
                // Another identity or issuer is refused.
                let other = Expected::Certificate {
                    identity: "someone@example.com".into(),
                    issuer: ISSUER.into(),
                };
                let err = bundle::verify(bundle_json, &root, &Artifact::Bytes(artifact), &other)
                    .unwrap_err();
                assert_eq!(err.0.as_str(), "CERTIFICATE_MISMATCH", "{name}");
                let other = Expected::Certificate {
                    identity: identity(name).into(),
                    issuer: "https://evil.example".into(),
                };
                let err = bundle::verify(bundle_json, &root, &Artifact::Bytes(artifact), &other)
                    .unwrap_err();
                assert_eq!(err.0.as_str(), "CERTIFICATE_MISMATCH", "{name}");
                // Another artifact is refused.
                let err =
                    bundle::verify(bundle_json, &root, &Artifact::Bytes(b"other"), &expected())
                        .unwrap_err();
                assert_eq!(err.0.as_str(), "DIGEST_MISMATCH", "{name}");
                checks += 5;
            }
            (Some(code), Err((got, message))) => {
                assert_eq!(got.as_str(), *code, "{name}: {message}");
                checks += 1;
            }
            _ => panic!("{name}: expected {want:?}, got {got:?}"),
        }
    }
    checks
}

/// A policy with the sigwall extension: this root, bundles accepted, this `fulcio` subject.
fn extension_policy(subject: &str) -> String {
    let root = <base64ct::Base64 as base64ct::Encoding>::encode_string(ROOT);
    format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"registry.example/bundles":[{{"type":"sigstoreSigned","trustedRootData":"{root}","acceptBundles":true,"fulcio":{{"oidcIssuer":"{ISSUER}",{subject}}},"signedIdentity":{{"type":"matchRepository"}}}}]}}}}}}"#
    )
}

/// A referrer manifest holding `bundle` (cosign v3's shape) for MANIFEST.
fn referrer(bundle: &[u8]) -> Vec<u8> {
    let media = "application/vnd.dev.sigstore.bundle.v0.3+json";
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"{media}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"layers":[{{"mediaType":"{media}","digest":"{}","size":{}}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{}}},"annotations":{{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1"}}}}"#,
        sigwall::Digest::sha256(bundle),
        bundle.len(),
        sigwall::Digest::sha256(MANIFEST),
        MANIFEST.len()
    )
    .into_bytes()
}

/// Verifies MANIFEST as `image` under `policy`, with `bundles` as the image's referrers (through
/// the referrers index, their manifests and blobs, as a registry serves them); `serve` may
/// change a blob on its way.
fn verify_image(
    policy: &str,
    image: &str,
    bundles: &[&[u8]],
    serve: &dyn Fn(&[u8]) -> Vec<u8>,
) -> sigwall::Verdict {
    use sigwall::{NeedKind, Policy, Session, UnixTime};
    let policy = Policy::parse(policy.as_bytes()).unwrap();
    let mut s = Session::new(&policy, image, UnixTime(1_800_000_000)).unwrap();
    let referrers: Vec<Vec<u8>> = bundles.iter().map(|b| referrer(b)).collect();
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        referrers
            .iter()
            .map(|r| format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{}","size":{}}}"#,
                sigwall::Digest::sha256(r),
                r.len()
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    while let Some(need) = s.next_need() {
        let answer: Option<Vec<u8>> = match &need.kind {
            NeedKind::Manifest { .. } => Some(MANIFEST.to_vec()),
            NeedKind::Referrers { .. } => Some(index.clone().into_bytes()),
            NeedKind::ReferrerManifest { digest, .. } => referrers
                .iter()
                .find(|r| sigwall::Digest::sha256(r).to_string() == *digest)
                .cloned(),
            NeedKind::Blob { digest, .. } => bundles
                .iter()
                .find(|b| sigwall::Digest::sha256(b).to_string() == *digest)
                .map(|b| serve(b)),
            _ => None,
        };
        match answer {
            Some(bytes) => s.provide(need.id, &bytes).unwrap(),
            None => s.provide_absent(need.id).unwrap(),
        }
    }
    s.finish().unwrap()
}

/// cosign v3 image signatures (bundles found as OCI referrers) under policies: podman's grammar
/// refuses them; the sigwall extension accepts exactly the right signer's signatures of this
/// image. Returns how many checks were made.
pub(crate) fn images() -> usize {
    let good = fixture!("bundles/good-dsse.bundle.json");
    let uri = fixture!("bundles/good-uri.bundle.json");
    let attestation = fixture!("bundles/attestation.bundle.json");
    let mismatch = fixture!("bundles/dsse-subject-mismatch.bundle.json");
    let image = "registry.example/bundles/app:1";
    let same = |b: &[u8]| b.to_vec();
    let email = extension_policy(&format!(r#""subjectEmail":"{IDENTITY}""#));
    let by_uri = extension_policy(&format!(r#""subjectURI":"{WORKFLOW}""#));
    let by_pattern = extension_policy(
        r#""subjectRegExp":"https://github\\.com/sigwall-test/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v[0-9]+""#,
    );
    let prefix_only = extension_policy(r#""subjectRegExp":"https://github\\.com/sigwall-test/""#);
    let code = |v: &sigwall::Verdict| v.reasons.first().map(|r| r.code.as_str());
    let mut checks = 0;

    // Podman's grammar: the bundle is reported, never accepted.
    let keys = super_keys_policy();
    let v = verify_image(&keys, image, &[good], &same);
    assert!(!v.allowed);
    assert_eq!(code(&v), Some("UNSUPPORTED_FORMAT"), "{v:?}");
    checks += 1;

    // The extension: the e-mail signer's signature of this image.
    let v = verify_image(&email, image, &[good], &same);
    assert!(v.allowed, "{v:?}");
    let sig = &v.requirements[0].signatures[0];
    let signer = sig.signer.as_ref().unwrap();
    assert_eq!(signer.identities, [IDENTITY]);
    assert_eq!(signer.issuer.as_deref(), Some(ISSUER));
    assert_eq!(sig.source, "referrers");
    assert_eq!(sig.format.as_str(), "sigstore-bundle");
    checks += 1;
    // A workflow's signature is not the e-mail signer's.
    let v = verify_image(&email, image, &[uri], &same);
    assert_eq!(code(&v), Some("CERTIFICATE_MISMATCH"), "{v:?}");
    // By URI, exactly, and by an anchored pattern; not by e-mail, not by a prefix.
    assert!(verify_image(&by_uri, image, &[uri], &same).allowed);
    assert!(!verify_image(&by_uri, image, &[good], &same).allowed);
    assert!(verify_image(&by_pattern, image, &[uri], &same).allowed);
    let v = verify_image(&prefix_only, image, &[uri], &same);
    assert_eq!(code(&v), Some("CERTIFICATE_MISMATCH"), "{v:?}");
    checks += 5;
    // An attestation by the right signer is not a signature.
    let v = verify_image(&email, image, &[attestation], &same);
    assert_eq!(code(&v), Some("PAYLOAD_INVALID"), "{v:?}");
    assert!(v.reasons[0].message.contains("attestation"));
    // A statement about another digest, and another image's manifest.
    let v = verify_image(&email, image, &[mismatch], &same);
    assert_eq!(code(&v), Some("DIGEST_MISMATCH"), "{v:?}");
    // A blob changed on its way is refused before it is read.
    let v = verify_image(&email, image, &[good], &|b: &[u8]| {
        let mut b = b.to_vec();
        b[10] ^= 1;
        b
    });
    assert_eq!(code(&v), Some("DIGEST_MISMATCH"), "{v:?}");
    // Outside the scope, the default (reject) decides.
    let v = verify_image(&email, "registry.example/other:1", &[good], &same);
    assert_eq!(code(&v), Some("REJECTED_BY_POLICY"), "{v:?}");
    // Inside it, a bundle names no image: the same digest under another name in the scope is
    // accepted (what acceptBundles means, and why podman's grammar cannot express it).
    assert!(verify_image(&email, "registry.example/bundles/other:1", &[good], &same).allowed);
    // One good signature among bad ones is enough, as for every signature.
    assert!(verify_image(&email, image, &[attestation, mismatch, good], &same).allowed);
    checks += 5;
    checks
}

/// Verifies MANIFEST as `image` under `policy` from a `dir:`-like copy holding `signatures`
/// (containers/image's sigstore-json form).
fn verify_stored(policy: &str, image: &str, signatures: &[&[u8]]) -> sigwall::Verdict {
    use sigwall::{NeedKind, Policy, Session, UnixTime};
    let policy = Policy::parse(policy.as_bytes()).unwrap();
    let mut s = Session::new(&policy, image, UnixTime(1_800_000_000)).unwrap();
    s.set_signature_source("dir");
    while let Some(need) = s.next_need() {
        let answer: Option<Vec<u8>> = match &need.kind {
            NeedKind::Manifest { .. } => Some(MANIFEST.to_vec()),
            NeedKind::SimpleSignature { index, .. } => signatures
                .get(*index as usize - 1)
                .map(|sig| [b"\0sigstore-json\n".as_slice(), sig].concat()),
            _ => None,
        };
        match answer {
            Some(bytes) => s.provide(need.id, &bytes).unwrap(),
            None => s.provide_absent(need.id).unwrap(),
        }
    }
    s.finish().unwrap()
}

/// A policy with a trusted root but podman's `.sig` signatures only (no acceptBundles).
fn root_policy(subject: &str) -> String {
    extension_policy(subject).replace(r#""acceptBundles":true,"#, "")
}

/// Legacy cosign signatures (`.sig`) under a trusted root: the root's logs give the SET, its
/// CAs the chain (at the SET's time), its CT logs the SCT. Under podman's grammar the same
/// signatures are checked as containers/image does (no SCT). Returns how many checks were made.
pub(crate) fn legacy() -> usize {
    let good = fixture!("bundles/legacy-good.sig.json");
    let uri = fixture!("bundles/legacy-uri.sig.json");
    let no_sct = fixture!("bundles/legacy-no-sct.sig.json");
    let other_log = fixture!("bundles/legacy-set-other-log.sig.json");
    let image = "registry.example/bundles/app:1";
    let code = |v: &sigwall::Verdict| v.reasons.first().map(|r| r.code.as_str());
    let email = root_policy(&format!(r#""subjectEmail":"{IDENTITY}""#));
    let by_uri = root_policy(&format!(r#""subjectURI":"{WORKFLOW}""#));
    let v = verify_stored(&email, image, &[good]);
    assert!(v.allowed, "{v:?}");
    let signer = v.requirements[0].signatures[0].signer.as_ref().unwrap();
    assert_eq!(signer.identities, [IDENTITY]);
    assert_eq!(
        signer.log.as_ref().unwrap().integrated_time,
        Some(1_748_779_200)
    );
    // The signed reference is still checked for `.sig` signatures.
    let v = verify_stored(&email, "registry.example/bundles/other:1", &[good]);
    assert_eq!(code(&v), Some("IDENTITY_MISMATCH"), "{v:?}");
    let v = verify_stored(&email, image, &[uri]);
    assert_eq!(code(&v), Some("CERTIFICATE_MISMATCH"), "{v:?}");
    assert!(verify_stored(&by_uri, image, &[uri]).allowed);
    let v = verify_stored(&email, image, &[no_sct]);
    assert_eq!(code(&v), Some("CERTIFICATE_INVALID"), "{v:?}");
    assert!(v.reasons[0].message.contains("SCT"), "{v:?}");
    let v = verify_stored(&email, image, &[other_log]);
    assert_eq!(code(&v), Some("BAD_SIGNATURE"), "{v:?}");
    // Podman's grammar with the same CA and log key: containers/image does not check SCTs.
    let podman = super_keys_policy();
    assert!(verify_stored(&podman, image, &[good]).allowed);
    assert!(verify_stored(&podman, image, &[no_sct]).allowed);
    assert!(!verify_stored(&podman, image, &[other_log]).allowed);
    9
}

/// A podman policy for the scope: `fulcio` with this instance's CA and its log key as Rekor key.
fn super_keys_policy() -> String {
    let root: serde_json::Value = serde_json::from_slice(ROOT).unwrap();
    let b64 = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let certs = &root["certificateAuthorities"][0]["certChain"]["certificates"];
    let ca_der =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(&b64(&certs[1]["rawBytes"])).unwrap();
    let ca_pem =
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &ca_der).unwrap();
    let key_der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&b64(
        &root["tlogs"][0]["publicKey"]["rawBytes"]
    ))
    .unwrap();
    let key_pem =
        pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, &key_der).unwrap();
    let enc = |s: &str| <base64ct::Base64 as base64ct::Encoding>::encode_string(s.as_bytes());
    format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"registry.example/bundles":[{{"type":"sigstoreSigned","fulcio":{{"caData":"{}","oidcIssuer":"{ISSUER}","subjectEmail":"{IDENTITY}"}},"rekorPublicKeyData":"{}","signedIdentity":{{"type":"matchRepository"}}}}]}}}}}}"#,
        enc(&ca_pem),
        enc(&key_pem)
    )
}

/// A SET by a log key the trusted root lists as retired (its `validFor` ended in 2021) that
/// names the current log's ID: the SET must verify with the key of the log it names, so the
/// retired key cannot vouch for a time in the current log's window. `legacy-good`'s entry is
/// re-signed with a retired key added to the root. Returns how many checks were made.
pub(crate) fn retired_log_key() -> usize {
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;
    let good = fixture!("bundles/legacy-good.sig.json");
    let retired = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap();
    let retired_spki = retired.verifying_key().to_public_key_der().unwrap();
    let b64 = |b: &[u8]| <base64ct::Base64 as base64ct::Encoding>::encode_string(b);
    // The root, with the retired key as a second log.
    let mut root: serde_json::Value = serde_json::from_slice(ROOT).unwrap();
    let mut log = root["tlogs"][0].clone();
    log["publicKey"]["rawBytes"] = b64(retired_spki.as_bytes()).into();
    log["publicKey"]["validFor"] =
        serde_json::json!({"start": "2019-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"});
    let retired_id: [u8; 32] = sigwall::Digest::sha256(retired_spki.as_bytes())
        .as_bytes()
        .try_into()
        .unwrap();
    log["logId"]["keyId"] = b64(&retired_id).into();
    root["tlogs"].as_array_mut().unwrap().push(log);
    let root_bytes = serde_json::to_vec(&root).unwrap();
    // The signature, its SET payload (naming the current log) signed by the retired key.
    let mut sig: serde_json::Value = serde_json::from_slice(good).unwrap();
    let mut set: serde_json::Value = serde_json::from_str(
        sig["annotations"]["dev.sigstore.cosign/bundle"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let canonical = serde_json::to_string(&set["Payload"]).unwrap();
    let forged: p256::ecdsa::Signature = retired.sign(canonical.as_bytes());
    set["SignedEntryTimestamp"] = b64(forged.to_der().as_bytes()).into();
    sig["annotations"]["dev.sigstore.cosign/bundle"] = serde_json::to_string(&set).unwrap().into();
    let forged_sig = serde_json::to_vec(&sig).unwrap();
    let root_b64 = b64(&root_bytes);
    let policy = format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"registry.example/bundles":[{{"type":"sigstoreSigned","trustedRootData":"{root_b64}","fulcio":{{"oidcIssuer":"{ISSUER}","subjectEmail":"{IDENTITY}"}},"signedIdentity":{{"type":"matchRepository"}}}}]}}}}}}"#
    );
    let image = "registry.example/bundles/app:1";
    // The genuine signature still verifies under this root; the forged SET does not.
    assert!(verify_stored(&policy, image, &[good]).allowed);
    let v = verify_stored(&policy, image, &[&forged_sig]);
    assert!(!v.allowed, "{v:?}");
    2
}
