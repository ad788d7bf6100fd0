//! The signature algorithms certificate paths may use, as rustls-webpki verifiers backed by
//! sigwall's own (the same code that verifies cosign keys): ECDSA on P-256, P-384 and P-521 with
//! SHA-256, SHA-384 or SHA-512 (any pairing, as Go allows), RSA PKCS #1 v1.5 with SHA-256,
//! SHA-384 or SHA-512, and Ed25519. Not supported: RSA-PSS and SHA-1, which Go's verifier
//! refuses too for SHA-1 (and which no Sigstore CA uses).

use alloc::vec::Vec;
use core::fmt;

use pki_types::{alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

use crate::mechanism::cosign::{CosignKey, MessageHash};

/// One (key algorithm, signature algorithm) pair.
pub(super) struct Algorithm {
    key: AlgorithmIdentifier,
    signature: AlgorithmIdentifier,
    hash: MessageHash,
}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Algorithm({:?})", self.hash)
    }
}

/// A DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, len as u8]),
        _ => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
    }
}

/// The SubjectPublicKeyInfo of `key` (the subjectPublicKey bits webpki hands over) under the
/// algorithm identifier `algorithm` (its contents, as webpki stores them).
fn spki(algorithm: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    if key.len() > 0xfff0 {
        return None;
    }
    let mut alg = Vec::with_capacity(algorithm.len() + 3);
    alg.push(0x30);
    push_len(&mut alg, algorithm.len());
    alg.extend_from_slice(algorithm);
    let mut bits = Vec::with_capacity(key.len() + 4);
    bits.push(0x03);
    push_len(&mut bits, key.len() + 1);
    bits.push(0);
    bits.extend_from_slice(key);
    let mut out = Vec::with_capacity(alg.len() + bits.len() + 4);
    out.push(0x30);
    push_len(&mut out, alg.len() + bits.len());
    out.extend_from_slice(&alg);
    out.extend_from_slice(&bits);
    Some(out)
}

impl SignatureVerificationAlgorithm for Algorithm {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let der = spki(&self.key, public_key).ok_or(InvalidSignature)?;
        let key = CosignKey::from_spki_der(&der).map_err(|_| InvalidSignature)?;
        key.verify_with_hash(self.hash, message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.key
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature
    }
}

macro_rules! algorithms {
    ($( $name:ident = ($key:ident, $sig:ident, $hash:ident); )*) => {
        $( static $name: Algorithm = Algorithm {
            key: alg_id::$key,
            signature: alg_id::$sig,
            hash: MessageHash::$hash,
        }; )*
        /// Every supported pair.
        pub(super) static ALL: &[&dyn SignatureVerificationAlgorithm] = &[ $( &$name, )* ];
    };
}

algorithms! {
    P256_SHA256 = (ECDSA_P256, ECDSA_SHA256, Sha256);
    P256_SHA384 = (ECDSA_P256, ECDSA_SHA384, Sha384);
    P256_SHA512 = (ECDSA_P256, ECDSA_SHA512, Sha512);
    P384_SHA256 = (ECDSA_P384, ECDSA_SHA256, Sha256);
    P384_SHA384 = (ECDSA_P384, ECDSA_SHA384, Sha384);
    P384_SHA512 = (ECDSA_P384, ECDSA_SHA512, Sha512);
    P521_SHA256 = (ECDSA_P521, ECDSA_SHA256, Sha256);
    P521_SHA384 = (ECDSA_P521, ECDSA_SHA384, Sha384);
    P521_SHA512 = (ECDSA_P521, ECDSA_SHA512, Sha512);
    RSA_SHA256 = (RSA_ENCRYPTION, RSA_PKCS1_SHA256, Sha256);
    RSA_SHA384 = (RSA_ENCRYPTION, RSA_PKCS1_SHA384, Sha384);
    RSA_SHA512 = (RSA_ENCRYPTION, RSA_PKCS1_SHA512, Sha512);
    ED25519 = (ED25519, ED25519, Sha512);
}

#[cfg(test)]
mod wycheproof;
