//! sigstore-conformance's bundle verification suite (fixtures/sigstore-conformance, copied from
//! sigstore/sigstore-conformance as data): production and staging bundles made by real Sigstore
//! clients, each with the decision every conforming client must make. Natively only: the suite
//! is read from its folders.
//!
//! Every `_fail` case must be refused, and every other case must verify: Rekor v1 and v2 logs,
//! SETs, checkpoints (cosigned, several signatures), RFC 3161 timestamps, managed keys, custom
//! trusted roots.

#![cfg(feature = "keyless")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::Path;

use sigwall::mechanism::bundle::{self, Artifact, Expected, TrustedRoot};
use sigwall::mechanism::cosign::CosignKey;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

#[test]
fn sigstore_conformance_bundle_suite() {
    let suite =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sigstore-conformance/bundle-verify");
    let public_good = TrustedRoot::public_good().unwrap();
    let default_artifact = fs::read(suite.join("a.txt")).unwrap();
    let mut dirs: Vec<_> = fs::read_dir(&suite)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let read = |f: &str| fs::read(dir.join(f)).ok();
        let text = |f: &str| read(f).map(|b| String::from_utf8(b).unwrap().trim().to_owned());
        let own_root = read("trusted_root.json").map(|b| TrustedRoot::parse(&b));
        let root = match &own_root {
            None => &public_good,
            Some(Ok(root)) => root,
            Some(Err(e)) => {
                report.push(format!("{name}: trusted root refused: {e}"));
                if !name.ends_with("_fail") {
                    wrong.push(name);
                }
                continue;
            }
        };
        let artifact = read("artifact").unwrap_or_else(|| default_artifact.clone());
        let expected = match read("key.pub").map(|pem| CosignKey::from_pem(&pem)) {
            Some(Ok(key)) => Expected::Key(key),
            Some(Err(e)) => {
                report.push(format!("{name}: key refused: {e}"));
                if !name.ends_with("_fail") {
                    wrong.push(name);
                }
                continue;
            }
            None => Expected::Certificate {
                identity: text("identity").unwrap_or_else(|| IDENTITY.into()).into(),
                issuer: text("issuer").unwrap_or_else(|| ISSUER.into()),
            },
        };
        let bundle_json = read("bundle.sigstore.json").unwrap();
        let got = bundle::verify(&bundle_json, root, &Artifact::Bytes(&artifact), &expected);
        let line = match &got {
            Ok(v) => format!("{name}: verified ({:?})", v.signer.identities),
            Err((code, message)) => format!("{name}: {code}: {message}"),
        };
        report.push(line);
        if got.is_ok() == name.ends_with("_fail") {
            wrong.push(name);
        }
    }
    println!("{}", report.join("\n"));
    assert!(dirs.len() >= 70, "the suite has {} cases", dirs.len());
    assert!(wrong.is_empty(), "decided wrongly: {wrong:?}");
}

/// sigstore-js's 2022 production bundles (fixtures/sigstore-js): Fulcio's first CA and the first
/// CT log, whose windows in the trusted root have ended, still vouch for a signature logged then.
#[test]
fn sigstore_js_2022_bundles_verify_with_the_public_good_root() {
    let root = TrustedRoot::public_good().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sigstore-js");
    let signer = || Expected::Certificate {
        identity: "brian@dehamer.com".into(),
        issuer: "https://github.com/login/oauth".into(),
    };
    for version in ["v0.1", "v0.2", "v0.3"] {
        let bundle_json = fs::read(dir.join(format!("{version}-message.sigstore.json"))).unwrap();
        let verified = bundle::verify(
            &bundle_json,
            &root,
            &Artifact::Bytes(b"hello, world!"),
            &signer(),
        )
        .unwrap_or_else(|e| panic!("{version}: {e:?}"));
        let log = verified.signer.log.unwrap();
        assert_eq!(
            (log.log_index, log.integrated_time),
            (6_757_503, Some(1_667_957_590)),
            "{version}"
        );
        assert!(log.log_id.starts_with("c0d23d6a"), "{version}");
        let err = bundle::verify(
            &bundle_json,
            &root,
            &Artifact::Bytes(b"hello, world?"),
            &signer(),
        )
        .unwrap_err();
        assert_eq!(err.0.as_str(), "DIGEST_MISMATCH", "{version}");
        let other = Expected::Certificate {
            identity: "brian@dehamer.com".into(),
            issuer: "https://accounts.google.com".into(),
        };
        let err = bundle::verify(
            &bundle_json,
            &root,
            &Artifact::Bytes(b"hello, world!"),
            &other,
        )
        .unwrap_err();
        assert_eq!(err.0.as_str(), "CERTIFICATE_MISMATCH", "{version}");
    }
}

/// sigstore-js's npm publish attestations (fixtures/sigstore-js/npm-*): DSSE envelopes whose
/// in-toto subject is the package tarball by its SHA-512 (pkg:npm/sigstore@1.0.0), logged in the
/// public-good Rekor in 2023 as `intoto` 0.0.2 and `dsse` 0.0.1 entries.
#[test]
fn npm_attestations_with_sha512_subjects_verify_with_the_public_good_root() {
    const TARBALL_SHA512: &str = "7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36";
    let root = TrustedRoot::public_good().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sigstore-js");
    let signer = || Expected::Certificate {
        identity: "brian@dehamer.com".into(),
        issuer: "https://github.com/login/oauth".into(),
    };
    let digest: [u8; 64] = base16ct::lower::decode_vec(TARBALL_SHA512)
        .unwrap()
        .try_into()
        .unwrap();
    let mut other = digest;
    other[0] ^= 1;
    for name in [
        "npm-bundleV01-intoto-with-proof",
        "npm-bundleV02-intoto",
        "npm-bundleV03-intoto",
        "npm-bundleV03-dsse",
    ] {
        let bundle_json = fs::read(dir.join(format!("{name}.sigstore.json"))).unwrap();
        let verified = bundle::verify(&bundle_json, &root, &Artifact::Sha512(digest), &signer())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            verified.predicate_type.as_deref(),
            Some("https://github.com/npm/attestation/tree/main/specs/publish/v0.1"),
            "{name}"
        );
        assert!(
            verified.signer.log.unwrap().integrated_time.is_some(),
            "{name}"
        );
        // Another tarball, another signer, a SHA-256 the statement does not name: refused.
        let err =
            bundle::verify(&bundle_json, &root, &Artifact::Sha512(other), &signer()).unwrap_err();
        assert_eq!(err.0.as_str(), "DIGEST_MISMATCH", "{name}");
        let err =
            bundle::verify(&bundle_json, &root, &Artifact::Sha256([7; 32]), &signer()).unwrap_err();
        assert_eq!(err.0.as_str(), "DIGEST_MISMATCH", "{name}");
        let someone = Expected::Certificate {
            identity: "someone@example.com".into(),
            issuer: "https://github.com/login/oauth".into(),
        };
        let err =
            bundle::verify(&bundle_json, &root, &Artifact::Sha512(digest), &someone).unwrap_err();
        assert_eq!(err.0.as_str(), "CERTIFICATE_MISMATCH", "{name}");
    }
}
