use super::*;
use alloc::format;
use alloc::string::ToString;

macro_rules! fx {
    ($name:literal) => {
        include_bytes!(concat!("../../../fixtures/pgp/", $name))
    };
}

const MANIFEST: &[u8] = fx!("manifest.json");
const NOW: u64 = 1_900_000_000;

fn ring(files: &[&[u8]]) -> Keyring {
    Keyring::parse(&files.iter().map(|f| f.to_vec()).collect::<Vec<_>>()).unwrap()
}

fn fpr(f: &[u8]) -> String {
    String::from_utf8(f.to_vec()).unwrap().trim().into()
}

#[test]
fn skopeo_signatures_verify_and_carry_the_payload() {
    for (key, sig, fingerprint) in [
        (
            &fx!("rsa3072.gpg")[..],
            &fx!("rsa3072.sig")[..],
            &fx!("rsa3072.fpr")[..],
        ),
        (fx!("ed25519.gpg"), fx!("ed25519.sig"), fx!("ed25519.fpr")),
        (fx!("rsa3072.asc"), fx!("rsa3072.sig"), fx!("rsa3072.fpr")),
    ] {
        let v = ring(&[key]).verify(sig, NOW).unwrap();
        assert_eq!(v.primary_fingerprint, fpr(fingerprint));
        let text = String::from_utf8(v.content).unwrap();
        assert!(
            text.contains("\"docker-reference\":\"docker.io/testing/manifest:latest\""),
            "{text}"
        );
        assert!(text.contains(&crate::Digest::sha256(MANIFEST).to_string()));
    }
}

#[test]
fn a_subkey_signature_is_reported_under_the_primary_key() {
    let v = ring(&[fx!("subkey.gpg")])
        .verify(fx!("subkey.sig"), NOW)
        .unwrap();
    assert_eq!(v.primary_fingerprint, fpr(fx!("subkey.fpr")));
}

#[test]
fn keyrings_may_hold_several_keys_in_several_files() {
    let both = [fx!("other.asc").to_vec(), fx!("rsa3072.asc").to_vec()].concat();
    let r = ring(&[&both, fx!("ed25519.gpg")]);
    assert_eq!(r.len(), 3);
    assert!(r.verify(fx!("rsa3072.sig"), NOW).is_ok());
    assert!(r.verify(fx!("ed25519.sig"), NOW).is_ok());
    let binary = [fx!("other.gpg").to_vec(), fx!("subkey.gpg").to_vec()].concat();
    assert!(ring(&[&binary]).verify(fx!("subkey.sig"), NOW).is_ok());
}

#[test]
fn unknown_keys_and_corruption_are_rejected() {
    let r = ring(&[fx!("rsa3072.gpg")]);
    assert_eq!(
        r.verify(fx!("other.sig"), NOW).unwrap_err(),
        PgpRejection::BadSignature
    );
    let mut corrupt = fx!("rsa3072.sig").to_vec();
    let last = corrupt.len() - 20;
    corrupt[last] ^= 0x55;
    assert!(r.verify(&corrupt, NOW).is_err());
    for garbage in [
        &b""[..],
        b"\x00",
        b"hello",
        b"-----BEGIN PGP SIGNED MESSAGE-----\n",
        b"\xa3\x01\xff\xff",
        &fx!("rsa3072.sig")[..40],
    ] {
        assert!(r.verify(garbage, NOW).is_err(), "{garbage:?}");
    }
    assert!(ring(&[]).verify(fx!("rsa3072.sig"), NOW).is_err());
}

#[test]
fn keyring_errors_do_not_panic() {
    for bad in [
        &b"garbage"[..],
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
        b"\x99\x01",
    ] {
        let _ = Keyring::parse(&[bad.to_vec()]);
    }
    assert!(Keyring::parse(&[Vec::new()])
        .map(|r| r.is_empty())
        .unwrap_or(true));
}

#[test]
fn every_key_type_gpg_makes_verifies() {
    for (key, sig, fingerprint) in [
        (
            &fx!("rsa4096.gpg")[..],
            &fx!("rsa4096.sig")[..],
            &fx!("rsa4096.fpr")[..],
        ),
        (
            fx!("nistp256.gpg"),
            fx!("nistp256.sig"),
            fx!("nistp256.fpr"),
        ),
        (
            fx!("nistp384.asc"),
            fx!("nistp384.sig"),
            fx!("nistp384.fpr"),
        ),
        (
            fx!("rsa3072.gpg"),
            fx!("rsa3072-uncompressed.sig"),
            fx!("rsa3072.fpr"),
        ),
    ] {
        let v = ring(&[key]).verify(sig, NOW).unwrap();
        assert_eq!(v.primary_fingerprint, fpr(fingerprint));
        assert_eq!(v.content, fx!("payload.json"));
    }
}

#[test]
fn a_third_party_certification_does_not_make_a_key_unusable() {
    let r = ring(&[fx!("rsa3072-certified.gpg")]);
    assert_eq!(r.len(), 1);
    assert!(r.verify(fx!("rsa3072.sig"), NOW).is_ok());
}

/// When the expiring keys were made (make.sh) plus a day, and a day before they expire.
const MADE: u64 = 1_795_473_522 + 86_400;

#[test]
fn revoked_and_expired_keys_and_subkeys_are_rejected() {
    /// (keyring, signature, verified at, outcome)
    type Case<'a> = (&'a [u8], &'a [u8], u64, Result<(), PgpRejection>);
    let cases: [Case<'_>; 8] = [
        (
            fx!("revoked.gpg"),
            fx!("revoked.sig"),
            MADE,
            Err(PgpRejection::KeyRevoked),
        ),
        (
            fx!("subkey-revoked.gpg"),
            fx!("subkey-revoked.sig"),
            MADE,
            Err(PgpRejection::KeyRevoked),
        ),
        (fx!("expiring.gpg"), fx!("expiring.sig"), MADE, Ok(())),
        (
            fx!("expiring.gpg"),
            fx!("expiring.sig"),
            NOW,
            Err(PgpRejection::KeyExpired),
        ),
        (
            fx!("subkey-expiring.gpg"),
            fx!("subkey-expiring.sig"),
            MADE,
            Ok(()),
        ),
        (
            fx!("subkey-expiring.gpg"),
            fx!("subkey-expiring.sig"),
            NOW,
            Err(PgpRejection::KeyExpired),
        ),
        (
            fx!("expiring.asc"),
            fx!("expiring.sig"),
            MADE + 2 * 366 * 86_400,
            Err(PgpRejection::KeyExpired),
        ),
        (fx!("subkey.gpg"), fx!("subkey.sig"), NOW, Ok(())),
    ];
    for (i, (key, sig, at, expected)) in cases.into_iter().enumerate() {
        let got = ring(&[key]).verify(sig, at).map(|_| ());
        assert_eq!(got, expected, "case {i}");
    }
}

#[test]
fn message_shapes_other_than_a_signed_document_are_refused() {
    let r = ring(&[fx!("rsa3072.gpg")]);
    let refused = |bytes: &[u8]| r.verify(bytes, NOW).unwrap_err();
    assert!(matches!(
        refused(fx!("rsa3072-cleartext.asc")),
        PgpRejection::NotASignedMessage(_)
    ));
    assert_eq!(
        refused(fx!("rsa3072-literal.gpg")),
        PgpRejection::NotASignedMessage("no signature")
    );
    // Starts with a session key packet, which no signed message does (containers/image checks
    // the first byte the same way).
    assert!(matches!(
        refused(fx!("rsa3072-encrypted.gpg")),
        PgpRejection::NotASignedMessage(_)
    ));
    // 16 MiB of literal data compressed to 16 KiB: refused at 4 MiB, not inflated whole.
    assert_eq!(refused(fx!("rsa3072-bomb.sig")), PgpRejection::TooLarge);
    // Two signatures, and a signature packet alone.
    let unc = fx!("rsa3072-uncompressed.sig");
    let sig_at = unc.len() - 438;
    assert_eq!(unc[sig_at], 0x89, "the signature packet starts there");
    let twice = [&unc[..], &unc[sig_at..]].concat();
    assert_eq!(
        refused(&twice),
        PgpRejection::NotASignedMessage("more than one signature")
    );
    assert_eq!(
        refused(&unc[sig_at..]),
        PgpRejection::NotASignedMessage("no literal data")
    );
    // Trailing bytes after the last packet, and a truncated stream.
    assert!(matches!(
        refused(&[&unc[..], b"\x00"].concat()),
        PgpRejection::NotASignedMessage(_)
    ));
    assert!(matches!(
        refused(&unc[..unc.len() - 1]),
        PgpRejection::NotASignedMessage(_)
    ));
    // The signature's last MPI byte changed: parses, does not verify.
    let mut flipped = unc.to_vec();
    *flipped.last_mut().unwrap() ^= 0x01;
    assert_eq!(refused(&flipped), PgpRejection::BadSignature);
}

#[test]
fn a_version_3_signature_verifies() {
    // fixtures/pgp-v3/make.py: gpg verified it before it was kept.
    let key = include_bytes!("../../../fixtures/pgp-v3/key.gpg");
    let sig = include_bytes!("../../../fixtures/pgp-v3/v3.sig");
    let v = ring(&[key]).verify(sig, NOW).unwrap();
    assert_eq!(
        v.primary_fingerprint,
        fpr(include_bytes!("../../../fixtures/pgp-v3/key.fpr"))
    );
    assert_eq!(
        v.content,
        include_bytes!("../../../fixtures/pgp-v3/payload.json")
    );
    // Its signature value changed: parses, does not verify.
    let mut bad = sig.to_vec();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(
        ring(&[key]).verify(&bad, NOW).unwrap_err(),
        PgpRejection::BadSignature
    );
}

/// Each case of fixtures/pgp-gnupg/cases.txt: key files read and merged as GnuPG imports them
/// (one source after another), and the verdict `gpg --verify` gave there (or, where the case
/// says so, sigwall's deliberately stricter one).
#[test]
fn keyrings_are_read_as_gnupg_reads_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pgp-gnupg");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let made_at: u64 = String::from_utf8(read("made-at.txt"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let cases = String::from_utf8(read("cases.txt")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases.lines() {
        let [name, sig, files, gpg, ours] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("bad case line {line}");
        };
        count += 1;
        let want = if ours == "same" { gpg } else { ours };
        let sources: Vec<Vec<u8>> = files.split(',').map(read).collect();
        let got = match Keyring::parse(&sources) {
            Err(e) => format!("keyring error: {e}"),
            Ok(ring) => match ring.verify(&read(sig), made_at + 60) {
                Ok(_) => String::from("good"),
                Err(PgpRejection::KeyRevoked) => String::from("revoked"),
                Err(PgpRejection::KeyExpired) => String::from("expired"),
                Err(e) => format!("rejected: {e}"),
            },
        };
        let agrees = match want {
            "good" | "revoked" | "expired" => got == want,
            // gpg's ERRSIG/BADSIG: any refusal but a revocation or expiry.
            "error" | "bad" => got.starts_with("rejected"),
            other => panic!("{name}: unknown verdict {other}"),
        };
        if !agrees {
            failures.push(format!("{name}: gpg {gpg}, expected {want}, sigwall {got}"));
        }
    }
    assert!(count >= 19, "only {count} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rsa_keys_go_refuses_are_named_when_they_made_the_signature() {
    // fixtures/pgp-rsa-weak/make.py: hand-written packets; GnuPG accepts all three signatures
    // (cases.txt), containers/image's Go mechanism refuses the weak keys, and so does sigwall,
    // saying why.
    macro_rules! weak {
        ($name:literal) => {
            include_bytes!(concat!("../../../fixtures/pgp-rsa-weak/", $name))
        };
    }
    let control = ring(&[weak!("control.gpg")])
        .verify(weak!("control.sig"), NOW)
        .unwrap();
    assert!(String::from_utf8(control.content)
        .unwrap()
        .contains("docker-manifest-digest"));
    for (key, sig, why) in [
        (
            &weak!("rsa768.gpg")[..],
            &weak!("rsa768.sig")[..],
            sigwall_rsa::KeyRejected::ModulusTooShort { bits: 768 },
        ),
        (
            weak!("e-large.gpg"),
            weak!("e-large.sig"),
            sigwall_rsa::KeyRejected::ExponentTooLarge,
        ),
    ] {
        let refused = ring(&[key]).verify(sig, NOW).unwrap_err();
        assert_eq!(refused, PgpRejection::KeyRefused(why));
        assert!(
            refused
                .to_string()
                .contains("the signing key is refused: RSA"),
            "{refused}"
        );
        // With a usable key beside it, the weak one is still the one named.
        let both = ring(&[weak!("control.gpg"), key]);
        assert_eq!(
            both.verify(sig, NOW).unwrap_err(),
            PgpRejection::KeyRefused(why)
        );
        // A signature by another key is no business of the weak one's.
        assert_eq!(
            ring(&[key]).verify(weak!("control.sig"), NOW).unwrap_err(),
            PgpRejection::BadSignature
        );
    }
}
