//! Cross-checks against the `rsa` crate: DigestInfo prefixes, honest signatures of every hash
//! under keys of several sizes and exponents, altered signatures, and hand-made encoded
//! messages that are nearly, but not exactly, PKCS #1 v1.5.

extern crate std;

use super::*;
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey};
use std::sync::OnceLock;
use std::vec::Vec;

fn keys() -> &'static [RsaPrivateKey] {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        std::vec![
            RsaPrivateKey::new(&mut rng, 1024).unwrap(),
            RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            // An odd size (not a multiple of 32 bits) and exponent 3.
            RsaPrivateKey::new_with_exp(&mut rng, 1112, &BigUint::from(3u32)).unwrap(),
        ]
    })
}

fn ours(key: &RsaPrivateKey) -> PublicKey {
    PublicKey::new(&key.n().to_bytes_be(), &key.e().to_bytes_be()).unwrap()
}

/// (our hash, the rsa crate's scheme for it, a digest of the right length)
fn schemes() -> Vec<(Hash, Pkcs1v15Sign)> {
    std::vec![
        (Hash::Ripemd160, Pkcs1v15Sign::new::<ripemd::Ripemd160>()),
        (Hash::Sha1, Pkcs1v15Sign::new::<sha1::Sha1>()),
        (Hash::Sha224, Pkcs1v15Sign::new::<sha2::Sha224>()),
        (Hash::Sha256, Pkcs1v15Sign::new::<sha2::Sha256>()),
        (Hash::Sha384, Pkcs1v15Sign::new::<sha2::Sha384>()),
        (Hash::Sha512, Pkcs1v15Sign::new::<sha2::Sha512>()),
        (Hash::Sha3_256, Pkcs1v15Sign::new::<sha3::Sha3_256>()),
        (Hash::Sha3_512, Pkcs1v15Sign::new::<sha3::Sha3_512>()),
    ]
}

#[test]
fn digest_info_prefixes_match_the_rsa_crate() {
    for (hash, scheme) in schemes() {
        assert_eq!(hash.digest_info_prefix(), &*scheme.prefix, "{hash:?}");
        assert_eq!(Some(hash.output_len()), scheme.hash_len, "{hash:?}");
    }
}

#[test]
fn every_hash_verifies_under_every_key() {
    for key in keys() {
        let public = ours(key);
        assert_eq!(public.size(), key.size());
        for (hash, scheme) in schemes() {
            let digest: Vec<u8> = (0..hash.output_len() as u8)
                .map(|i| i.wrapping_mul(37))
                .collect();
            let sig = key.sign(scheme, &digest).unwrap();
            assert!(public.verify_pkcs1v15(hash, &digest, &sig), "{hash:?}");
            // The same signature under another hash's name, or over another digest: refused.
            let other = if hash == Hash::Sha256 {
                Hash::Sha3_256
            } else {
                Hash::Sha256
            };
            let mut other_digest = digest.clone();
            other_digest.resize(other.output_len(), 0);
            assert!(
                !public.verify_pkcs1v15(other, &other_digest, &sig),
                "{hash:?}"
            );
            let mut wrong = digest.clone();
            wrong[0] ^= 1;
            assert!(!public.verify_pkcs1v15(hash, &wrong, &sig));
            // Length rules: the digest's own length, the signature exactly the modulus's.
            assert!(!public.verify_pkcs1v15(hash, &digest[1..], &sig));
            assert!(!public.verify_pkcs1v15(hash, &digest, &sig[1..]));
            assert!(!public.verify_pkcs1v15(hash, &digest, &[&[0u8][..], &sig].concat()));
        }
    }
}

/// s = em^d mod n: a signature of any encoded message, made with the private exponent.
fn raw_sign(key: &RsaPrivateKey, em: &[u8]) -> Vec<u8> {
    let s = BigUint::from_bytes_be(em).modpow(key.d(), key.n());
    let mut out = std::vec![0u8; key.size()];
    let bytes = s.to_bytes_be();
    out[key.size() - bytes.len()..].copy_from_slice(&bytes);
    out
}

fn encoded(size: usize, digest: &[u8]) -> Vec<u8> {
    let prefix = Hash::Sha256.digest_info_prefix();
    let mut em = std::vec![0xffu8; size];
    em[0] = 0;
    em[1] = 1;
    let tail = size - prefix.len() - digest.len();
    em[tail - 1] = 0;
    em[tail..tail + prefix.len()].copy_from_slice(prefix);
    em[tail + prefix.len()..].copy_from_slice(digest);
    em
}

#[test]
fn near_misses_of_the_encoding_are_refused() {
    let key = &keys()[1];
    let public = ours(key);
    let digest = [0x42u8; 32];
    let good = encoded(key.size(), &digest);
    assert!(public.verify_pkcs1v15(Hash::Sha256, &digest, &raw_sign(key, &good)));
    let mut cases: Vec<Vec<u8>> = Vec::new();
    let mut block_type_2 = good.clone();
    block_type_2[1] = 2;
    cases.push(block_type_2);
    let mut padding_byte = good.clone();
    padding_byte[5] = 0xfe;
    cases.push(padding_byte);
    // Digest moved left with garbage after it (the Bleichenbacher 2006 forgery shape).
    let mut garbage = encoded(key.size() - 8, &digest);
    garbage.extend_from_slice(&[0xaa; 8]);
    cases.push(garbage);
    // No 0x00 separator; an absent 0x00 at the front.
    let mut no_separator = good.clone();
    let at = key.size() - 19 - 32 - 1;
    no_separator[at] = 0xff;
    cases.push(no_separator);
    let mut front = good.clone();
    front[0] = 1;
    front[1] = 0;
    cases.push(front);
    // A DigestInfo with parameters absent (accepted by some verifiers, not by Go or rsa).
    let mut no_null = std::vec![0xffu8; key.size()];
    no_null[0] = 0;
    no_null[1] = 1;
    let absent: [u8; 17] = [
        0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x04, 0x20,
    ];
    let tail = key.size() - absent.len() - 32;
    no_null[tail - 1] = 0;
    no_null[tail..tail + absent.len()].copy_from_slice(&absent);
    no_null[tail + absent.len()..].copy_from_slice(&digest);
    cases.push(no_null);
    for (i, em) in cases.iter().enumerate() {
        let sig = raw_sign(key, em);
        let theirs = key
            .to_public_key()
            .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &sig)
            .is_ok();
        assert!(
            !public.verify_pkcs1v15(Hash::Sha256, &digest, &sig),
            "case {i}"
        );
        assert!(!theirs, "case {i}");
    }
}

#[test]
fn signatures_at_or_above_the_modulus_are_refused() {
    let key = &keys()[0];
    let public = ours(key);
    let n = key.n().to_bytes_be();
    let mut above = n.clone();
    *above.last_mut().unwrap() += 1;
    for sig in [n, above, std::vec![0xff; key.size()]] {
        assert!(!public.verify_pkcs1v15(Hash::Sha256, &[0; 32], &sig));
    }
}

/// Each `(modulus, exponent)` is refused for the reason given.
fn refused_for(cases: &[(&[u8], &[u8], KeyRejected)]) {
    for (i, (n, e, why)) in cases.iter().enumerate() {
        assert_eq!(PublicKey::new(n, e).unwrap_err(), *why, "case {i}");
    }
}

#[test]
fn unusable_keys_are_refused() {
    let n = keys()[0].n().to_bytes_be();
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    refused_for(&[
        (&even, &[1, 0, 1], KeyRejected::ModulusEven),
        (
            &n[..32],
            &[1, 0, 1],
            KeyRejected::ModulusTooShort { bits: 256 },
        ),
        (&n, &[1], KeyRejected::ExponentTooSmall),
        (&n, &[2], KeyRejected::ExponentTooSmall),
        (&n, &[1; 9], KeyRejected::ExponentTooLarge),
        (&[], &[3], KeyRejected::ModulusTooShort { bits: 0 }),
    ]);
    // Leading zeros do not change the key.
    let padded = PublicKey::new(&[&[0u8, 0][..], &n].concat(), &[0, 1, 0, 1]).unwrap();
    assert_eq!(padded.size(), keys()[0].size());
}

/// Go's crypto/rsa (1.24+) refuses these keys, and podman decides with it.
#[test]
fn keys_go_refuses_are_refused() {
    let n = keys()[0].n().to_bytes_be(); // 1024 bits: the shortest accepted
    assert!(PublicKey::new(&n, &[1, 0, 1]).is_ok());
    assert!(PublicKey::new(&n, &[0x7f, 0xff, 0xff, 0xff]).is_ok()); // 2^31 - 1, the largest
                                                                    // 1023 bits: the top bit cleared and the next one set (the number stays odd).
    let mut short = n.clone();
    short[0] = 0x40 | (short[0] & 0x3f);
    refused_for(&[
        (
            &short,
            &[1, 0, 1],
            KeyRejected::ModulusTooShort { bits: 1023 },
        ),
        // A 768-bit odd modulus.
        (
            &n[..96],
            &[1, 0, 1],
            KeyRejected::ModulusTooShort { bits: 768 },
        ),
        // Exponents: 4 and 2^16 even, 2^31 + 1 and 2^33 - 1 (odd) too large.
        (&n, &[4], KeyRejected::ExponentEven),
        (&n, &[0, 0, 1, 0, 0], KeyRejected::ExponentEven),
        (&n, &[0x80, 0, 0, 1], KeyRejected::ExponentTooLarge),
        (
            &n,
            &[1, 0xff, 0xff, 0xff, 0xff],
            KeyRejected::ExponentTooLarge,
        ),
    ]);
    // Past 16384 bits: refused before any arithmetic.
    let huge = std::vec![0xffu8; 16384 / 8 + 1];
    refused_for(&[(
        &huge,
        &[1, 0, 1],
        KeyRejected::ModulusTooLong { bits: 16392 },
    )]);
    for e in [
        KeyRejected::ModulusTooShort { bits: 768 },
        KeyRejected::ModulusEven,
        KeyRejected::ExponentTooLarge,
    ] {
        assert!(std::format!("{e}").starts_with("RSA "));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_signatures_get_the_rsa_crates_answer(which in 0usize..3, sig in proptest::collection::vec(any::<u8>(), 128..=256), digest in any::<[u8; 32]>(), flip in 0usize..2048) {
        let key = &keys()[which];
        let public = ours(key);
        // An honest signature with one bit flipped, or arbitrary bytes.
        let honest = key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest).unwrap();
        let mut flipped = honest.clone();
        let bit = flip % (8 * flipped.len());
        flipped[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(public.verify_pkcs1v15(Hash::Sha256, &digest, &honest));
        for candidate in [flipped, sig] {
            let theirs = key.to_public_key().verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &candidate).is_ok();
            prop_assert_eq!(public.verify_pkcs1v15(Hash::Sha256, &digest, &candidate), theirs);
            prop_assert!(!theirs);
        }
    }
}
