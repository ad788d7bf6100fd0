//! Differential: sigwall-ecdsa (P-256) against RustCrypto's p256 on the same keys, digests and
//! signatures. Honest signatures must verify; altered or arbitrary ones must get the same
//! answer from both; arbitrary key bytes must be accepted exactly when p256 accepts them as an
//! uncompressed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};

fn theirs(key: &p256::ecdsa::VerifyingKey, digest: &[u8], rs: &[u8]) -> bool {
    p256::ecdsa::Signature::from_slice(rs)
        .map(|sig| key.verify_prehash(digest, &sig).is_ok())
        .unwrap_or(false)
}

fn ours(key: &sigwall_ecdsa::p256::VerifyingKey, digest: &[u8], rs: &[u8; 64]) -> bool {
    let (r, s) = rs.split_at(32);
    key.verify_prehash(digest, r.try_into().unwrap(), s.try_into().unwrap())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if rest.len() < 64 + 32 {
        return;
    }
    let (head, tail) = rest.split_at(64 + 32);
    let (key_or_secret, digest) = head.split_at(64);
    match mode % 3 {
        // A key made from a secret; its honest signature, then that signature XOR the tail.
        0 | 1 => {
            let Ok(signing) = p256::ecdsa::SigningKey::from_slice(&key_or_secret[..32]) else {
                return;
            };
            let verifying = signing.verifying_key();
            let point = verifying.to_encoded_point(false);
            let key = sigwall_ecdsa::p256::VerifyingKey::from_sec1_uncompressed(point.as_bytes()).unwrap();
            let sig: p256::ecdsa::Signature = signing.sign_prehash(digest).unwrap();
            let mut rs: [u8; 64] = sig.to_bytes().into();
            assert!(ours(&key, digest, &rs), "an honest signature was refused");
            for (b, m) in rs.iter_mut().zip(tail.iter()) {
                *b ^= m;
            }
            assert_eq!(ours(&key, digest, &rs), theirs(verifying, digest, &rs));
        }
        // Arbitrary key bytes and an arbitrary signature.
        _ => {
            let mut sec1 = [4u8; 65];
            sec1[1..].copy_from_slice(key_or_secret);
            let key = sigwall_ecdsa::p256::VerifyingKey::from_sec1_uncompressed(&sec1);
            let reference = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1);
            assert_eq!(key.is_some(), reference.is_ok());
            if let (Some(key), Ok(reference), Some(rs)) = (key, reference, tail.get(..64)) {
                let rs: [u8; 64] = rs.try_into().unwrap();
                assert_eq!(ours(&key, digest, &rs), theirs(&reference, digest, &rs));
            }
        }
    }
});
