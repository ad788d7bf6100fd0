use super::*;
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
