//! spec/policy.md 8.3 and simple-signing.md 6 for `signedBy`, end to end through the session with
//! signatures made by gpg + skopeo (fixtures/pgp/make.sh). Needs the `pgp` feature.

use sigwall::{NeedKind, Policy, Session, UnixTime, Verdict};

macro_rules! fx {
    ($name:literal) => {
        include_bytes!(concat!("../../fixtures/pgp/", $name))
    };
}

const MANIFEST: &[u8] = fx!("manifest.json");

fn verify(policy: &str, image: &str, manifest: &[u8], signatures: &[&[u8]]) -> Verdict {
    let keys: [(&str, &[u8]); 12] = [
        (
            "/k/weak.gpg",
            include_bytes!("../../fixtures/pgp-weak/key.gpg"),
        ),
        (
            "/k/rsa768.gpg",
            include_bytes!("../../fixtures/pgp-rsa-weak/rsa768.gpg"),
        ),
        (
            "/k/e-large.gpg",
            include_bytes!("../../fixtures/pgp-rsa-weak/e-large.gpg"),
        ),
        ("/k/rsa3072.gpg", fx!("rsa3072.gpg")),
        ("/k/subkey.gpg", fx!("subkey.gpg")),
        ("/k/ed25519.asc", fx!("ed25519.asc")),
        ("/k/other.gpg", fx!("other.gpg")),
        ("/k/rsa4096.gpg", fx!("rsa4096.gpg")),
        ("/k/nistp256.gpg", fx!("nistp256.gpg")),
        ("/k/expiring.gpg", fx!("expiring.gpg")),
        ("/k/revoked.gpg", fx!("revoked.gpg")),
        ("/k/subkey-revoked.gpg", fx!("subkey-revoked.gpg")),
    ];
    let policy = Policy::parse(policy.as_bytes()).unwrap();
    let mut s = Session::new(&policy, image, UnixTime(1_900_000_000)).unwrap();
    while let Some(need) = s.next_need() {
        let answer: Option<&[u8]> = match &need.kind {
            NeedKind::Manifest { .. } => Some(manifest),
            NeedKind::SimpleSignature { index, .. } => signatures.get(*index as usize - 1).copied(),
            NeedKind::KeyFile { path } => keys.iter().find(|(p, _)| p == path).map(|(_, k)| *k),
            _ => None,
        };
        match answer {
            Some(b) => s.provide(need.id, b).unwrap(),
            None => s.provide_absent(need.id).unwrap(),
        }
    }
    s.finish().unwrap()
}

fn signed_by(key: &str, identity: &str) -> String {
    format!(
        r#"{{"type":"signedBy","keyType":"GPGKeys","keyPath":"{key}","signedIdentity":{identity}}}"#
    )
}

fn policy(reqs: &[String]) -> String {
    format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"docker.io/testing/manifest":[{}]}}}}}}"#,
        reqs.join(",")
    )
}

pub(crate) fn cases() -> usize {
    let exact = r#"{"type":"matchExact"}"#;
    let repo = r#"{"type":"matchRepository"}"#;
    let k = |id: &str| signed_by("/k/rsa3072.gpg", id);
    let valid: &[u8] = fx!("rsa3072.sig");
    // The signature value changed: still a well-formed message, but it does not verify.
    let mut corrupt = fx!("rsa3072-uncompressed.sig").to_vec();
    if let Some(last) = corrupt.last_mut() {
        *last ^= 0x01;
    }
    // The compressed stream damaged (a reserved deflate block type): not a message at all.
    let mut mangled = valid.to_vec();
    assert_eq!(
        &mangled[..2],
        b"\xa3\x01",
        "old-format compressed data, ZIP"
    );
    mangled[2] = 0xff;
    // Still a valid manifest, but not the signed bytes.
    let modified = String::from_utf8(MANIFEST.to_vec())
        .unwrap()
        .replace("44136fa", "54136fa")
        .into_bytes();
    let latest = "testing/manifest:latest";
    /// (name, policy, image, manifest, signatures, allowed, reason codes)
    type Case<'c> = (
        &'c str,
        String,
        &'c str,
        &'c [u8],
        Vec<&'c [u8]>,
        bool,
        Vec<&'c str>,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "one valid signature",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![valid],
            true,
            vec![],
        ),
        (
            "two valid signatures",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![valid, valid],
            true,
            vec![],
        ),
        (
            "no signatures",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![],
            false,
            vec!["NO_SIGNATURES"],
        ),
        (
            "a signature for another manifest",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("rsa3072-other-manifest.sig")],
            false,
            vec!["DIGEST_MISMATCH"],
        ),
        (
            "invalid then valid",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![&corrupt, valid],
            true,
            vec![],
        ),
        (
            "valid signatures for :latest, image :notlatest",
            policy(&[k(exact)]),
            "testing/manifest:notlatest",
            MANIFEST,
            vec![valid, valid],
            false,
            vec!["NO_ACCEPTED_SIGNATURE"],
        ),
        (
            "matchRepository twice, mixed signatures",
            policy(&[k(repo), k(repo)]),
            latest,
            MANIFEST,
            vec![&corrupt, valid],
            true,
            vec![],
        ),
        (
            "matchRepository and reject",
            policy(&[k(repo), String::from(r#"{"type":"reject"}"#)]),
            latest,
            MANIFEST,
            vec![valid],
            false,
            vec!["REJECTED_BY_POLICY"],
        ),
        (
            "a subkey signature, primary key trusted",
            policy(&[signed_by("/k/subkey.gpg", exact)]),
            latest,
            MANIFEST,
            vec![fx!("subkey.sig")],
            true,
            vec![],
        ),
        (
            "ed25519 key, armored keyring",
            policy(&[signed_by("/k/ed25519.asc", exact)]),
            latest,
            MANIFEST,
            vec![fx!("ed25519.sig")],
            true,
            vec![],
        ),
        (
            "keyPaths: any key of any file",
            policy(&[String::from(
                r#"{"type":"signedBy","keyType":"GPGKeys","keyPaths":["/k/other.gpg","/k/ed25519.asc"]}"#,
            )]),
            latest,
            MANIFEST,
            vec![fx!("ed25519.sig")],
            true,
            vec![],
        ),
        (
            "keyData with no keys",
            policy(&[String::from(
                r#"{"type":"signedBy","keyType":"GPGKeys","keyData":""}"#,
            )]),
            latest,
            MANIFEST,
            vec![valid],
            false,
            vec!["KEY_INVALID"],
        ),
        (
            "a blob that does not verify",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![&corrupt],
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "crypto OK, literal content is not JSON",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("rsa3072-not-json.sig")],
            false,
            vec!["PAYLOAD_INVALID"],
        ),
        (
            "crypto OK, docker-reference is not a valid reference",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("rsa3072-uppercase-ref.sig")],
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "payload with optional = {}",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("rsa3072-empty-optional.sig")],
            true,
            vec![],
        ),
        (
            "damaged compressed data",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![&mangled],
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "RSA 4096, uncompressed, ECDSA P-256: each verifies",
            policy(&[
                signed_by("/k/rsa4096.gpg", exact),
                signed_by("/k/nistp256.gpg", exact),
                k(exact),
            ]),
            latest,
            MANIFEST,
            vec![
                fx!("rsa4096.sig"),
                fx!("nistp256.sig"),
                fx!("rsa3072-uncompressed.sig"),
            ],
            true,
            vec![],
        ),
        (
            "a key that has expired",
            policy(&[signed_by("/k/expiring.gpg", exact)]),
            latest,
            MANIFEST,
            vec![fx!("expiring.sig")],
            false,
            vec!["KEY_EXPIRED"],
        ),
        (
            "a revoked key",
            policy(&[signed_by("/k/revoked.gpg", exact)]),
            latest,
            MANIFEST,
            vec![fx!("revoked.sig")],
            false,
            vec!["KEY_REVOKED"],
        ),
        (
            "a revoked signing subkey",
            policy(&[signed_by("/k/subkey-revoked.gpg", exact)]),
            latest,
            MANIFEST,
            vec![fx!("subkey-revoked.sig")],
            false,
            vec!["KEY_REVOKED"],
        ),
        (
            "cleartext-signed, unsigned literal, encrypted, compression bomb",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![
                fx!("rsa3072-cleartext.asc"),
                fx!("rsa3072-literal.gpg"),
                fx!("rsa3072-encrypted.gpg"),
                fx!("rsa3072-bomb.sig"),
            ],
            false,
            vec!["NO_ACCEPTED_SIGNATURE"],
        ),
        (
            // fixtures/pgp-weak/make.sh: gpg itself refuses it ("signatures using the MD5
            // algorithm are rejected"), and so does podman, which verifies through gpgme.
            "an MD5 signature",
            policy(&[signed_by("/k/weak.gpg", exact)]),
            latest,
            MANIFEST,
            vec![include_bytes!("../../fixtures/pgp-weak/md5.sig")],
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            // fixtures/pgp-rsa-weak/make.py: GnuPG accepts it; containers/image's Go mechanism
            // (crypto/rsa) refuses the key, and so does sigwall, saying why.
            "an RSA key of 768 bits",
            policy(&[signed_by("/k/rsa768.gpg", exact)]),
            latest,
            MANIFEST,
            vec![include_bytes!("../../fixtures/pgp-rsa-weak/rsa768.sig")],
            false,
            vec!["KEY_INVALID"],
        ),
        (
            "an RSA key whose exponent is above 2^31 - 1",
            policy(&[signed_by("/k/e-large.gpg", exact)]),
            latest,
            MANIFEST,
            vec![include_bytes!("../../fixtures/pgp-rsa-weak/e-large.sig")],
            false,
            vec!["KEY_INVALID"],
        ),
        (
            "a SHA-1 signature (GnuPG still accepts SHA-1 data signatures)",
            policy(&[signed_by("/k/weak.gpg", exact)]),
            latest,
            MANIFEST,
            vec![include_bytes!("../../fixtures/pgp-weak/sha1.sig")],
            true,
            vec![],
        ),
        (
            "a valid signature by an unknown key",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("other.sig")],
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "garbage",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![b"garbage"],
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "identity not matching exactReference",
            policy(&[k(
                r#"{"type":"exactReference","dockerReference":"this/does-not:match"}"#,
            )]),
            latest,
            MANIFEST,
            vec![valid],
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "signed for another repository",
            policy(&[k(exact)]),
            latest,
            MANIFEST,
            vec![fx!("rsa3072-other-ref.sig")],
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "manifest modified after signing",
            policy(&[k(exact)]),
            latest,
            &modified,
            vec![valid],
            false,
            vec!["DIGEST_MISMATCH"],
        ),
        (
            "the default matcher on the signed tag",
            policy(&[signed_by(
                "/k/rsa3072.gpg",
                r#"{"type":"matchRepoDigestOrExact"}"#,
            )]),
            latest,
            MANIFEST,
            vec![valid],
            true,
            vec![],
        ),
    ];
    let n = cases.len();
    let mut failures = Vec::new();
    for (name, policy, image, manifest, sigs, allowed, want) in cases {
        let v = verify(&policy, image, manifest, &sigs);
        let got: Vec<&str> = v.reasons.iter().map(|r| r.code.as_str()).collect();
        if v.allowed != allowed || got != want {
            failures.push(format!("{name}: {}", v.to_json()));
        }
        if allowed {
            let accepted = v.requirements[0]
                .signatures
                .iter()
                .find(|s| s.outcome.as_str() == "accepted")
                .unwrap();
            if accepted.key.as_ref().map(String::len) != Some(40) {
                failures.push(format!("{name}: accepted without a v4 fingerprint"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    n
}
