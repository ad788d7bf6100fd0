//! cosign key-based verification: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) and a base64
//! signature over the payload bytes, as cosign stores it in the
//! `dev.cosignproject.cosign/signature` annotation.
//!
//! Supported now: ECDSA P-256 with SHA-256 and an ASN.1 DER signature (cosign's default and the
//! only scheme it requires; Go's `ecdsa.VerifyASN1`, so raw `r‖s` is refused). Other key types
//! parse to [`KeyError::Unsupported`] and never verify anything.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;
use sha2::Digest as _;

use crate::payload::SignatureVerified;

/// A public key a `sigstoreSigned` requirement trusts, parsed once per policy.
#[derive(Clone)]
pub struct CosignKey {
    key: p256::ecdsa::VerifyingKey,
    fingerprint: String,
}

impl fmt::Debug for CosignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignKey(sha256:{})", self.fingerprint)
    }
}

/// Why key material is not a usable cosign key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not a PEM `PUBLIC KEY` block holding a SubjectPublicKeyInfo.
    Invalid,
    /// A valid public key of a type sigwall cannot verify with yet (P-384, Ed25519, RSA, …).
    Unsupported,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Invalid => f.write_str("not a PEM public key (SubjectPublicKeyInfo)"),
            KeyError::Unsupported => {
                f.write_str("public key type not supported yet (ECDSA P-256 is supported)")
            }
        }
    }
}

/// The signature did not verify with this key. Deliberately without detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadSignature;

impl CosignKey {
    /// Parses a PEM `PUBLIC KEY`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] for anything that is not a PEM SubjectPublicKeyInfo,
    /// [`KeyError::Unsupported`] for key types other than P-256.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let text = core::str::from_utf8(pem).map_err(|_| KeyError::Invalid)?;
        let (label, der) =
            pem_rfc7468::decode_vec(text.trim().as_bytes()).map_err(|_| KeyError::Invalid)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::Invalid);
        }
        Self::from_spki_der(&der)
    }

    /// Parses a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    ///
    /// As [`from_pem`](Self::from_pem).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            p256::pkcs8::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| KeyError::Invalid)?;
        match p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            Ok(key) => Ok(CosignKey {
                key,
                fingerprint: base16ct::lower::encode_string(&sha2::Sha256::digest(der)),
            }),
            // A well-formed SPKI of another algorithm or curve.
            Err(_)
                if spki.algorithm.oid
                    != p256::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1")
                    || spki.algorithm.parameters.is_some() =>
            {
                Err(KeyError::Unsupported)
            }
            Err(_) => Err(KeyError::Invalid),
        }
    }

    /// The SHA-256 of the key's SubjectPublicKeyInfo DER, in hex: how the verdict names the key.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Verifies `signature_base64` (standard base64 of a DER ECDSA signature) over `payload`.
    ///
    /// # Errors
    ///
    /// [`BadSignature`] for anything but a valid signature by this key over exactly `payload`.
    pub fn verify(
        &self,
        payload: &[u8],
        signature_base64: &str,
    ) -> Result<SignatureVerified, BadSignature> {
        let der: Vec<u8> =
            <base64ct::Base64 as base64ct::Encoding>::decode_vec(signature_base64.trim())
                .map_err(|_| BadSignature)?;
        let signature = p256::ecdsa::Signature::from_der(&der).map_err(|_| BadSignature)?;
        self.key
            .verify(payload, &signature)
            .map(|()| SignatureVerified::issue())
            .map_err(|_| BadSignature)
    }
}

#[cfg(test)]
mod tests;
