//! Differential: sigwall-rsa against the rsa crate under one 2048-bit key. An honest
//! signature over the fuzzed digest must verify; that signature XOR fuzzed bytes, and
//! arbitrary signatures, must get the rsa crate's answer. Arbitrary moduli and exponents must
//! never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sigwall_rsa::{Hash, PublicKey};

fn key() -> &'static (RsaPrivateKey, PublicKey) {
    static KEY: OnceLock<(RsaPrivateKey, PublicKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let private = RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let public =
            PublicKey::new(&private.n().to_bytes_be(), &private.e().to_bytes_be()).unwrap();
        (private, public)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((digest, tail)) = rest.split_first_chunk::<32>() else {
        return;
    };
    let (private, public) = key();
    match mode % 3 {
        0 => {
            let mut sig = private
                .sign(Pkcs1v15Sign::new::<sha2::Sha256>(), digest)
                .unwrap();
            assert!(public.verify_pkcs1v15(Hash::Sha256, digest, &sig));
            for (b, m) in sig.iter_mut().zip(tail.iter()) {
                *b ^= m;
            }
            let theirs = private
                .to_public_key()
                .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), digest, &sig)
                .is_ok();
            assert_eq!(public.verify_pkcs1v15(Hash::Sha256, digest, &sig), theirs);
        }
        1 => {
            let theirs = private
                .to_public_key()
                .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), digest, tail)
                .is_ok();
            assert_eq!(public.verify_pkcs1v15(Hash::Sha256, digest, tail), theirs);
        }
        _ => {
            // Arbitrary key material: tail = e length, e, n; then a signature of n's length.
            let Some((&e_len, tail)) = tail.split_first() else {
                return;
            };
            let e_len = usize::from(e_len % 10);
            let Some((e, tail)) = tail.split_at_checked(e_len) else {
                return;
            };
            let (n, sig) = tail.split_at(tail.len() / 2);
            if let Ok(key) = PublicKey::new(n, e) {
                let _ = key.verify_pkcs1v15(Hash::Sha512, &[0; 64], sig);
                let mut padded = vec![0u8; key.size()];
                let at = key.size().saturating_sub(sig.len());
                let take = sig.len().min(key.size());
                padded[at..].copy_from_slice(&sig[..take]);
                let _ = key.verify_pkcs1v15(Hash::Sha256, digest, &padded);
            }
        }
    }
});
