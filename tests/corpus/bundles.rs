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

fn expected() -> Expected {
    Expected::Certificate {
        identity: IDENTITY.into(),
        issuer: ISSUER.into(),
    }
}

/// Runs every case; returns how many checks were made.
pub(crate) fn cases() -> usize {
    let root = TrustedRoot::parse(ROOT).unwrap();
    let mut checks = 0;
    for (name, bundle_json, artifact, want) in BUNDLE_CASES {
        let got = bundle::verify(bundle_json, &root, &Artifact::Bytes(artifact), &expected());
        match (want, &got) {
            (None, Ok(verified)) => {
                assert_eq!(verified.signer.identities, [IDENTITY], "{name}");
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
                    identity: IDENTITY.into(),
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
