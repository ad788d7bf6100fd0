//! The key types past P-256 that cosign's key loader accepts (feature `keys`, in the full
//! module): ECDSA P-384 and P-521 and RSA over the payload's SHA-256, and Ed25519 over the
//! payload itself. Keys are read with the general SubjectPublicKeyInfo parser (`spki`).

use sha2::Digest as _;
use spki::ObjectIdentifier;

use super::{der, BadSignature, KeyError};

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

fn invalid<E>(_: E) -> KeyError {
    KeyError::Invalid
}

fn bad<E>(_: E) -> BadSignature {
    BadSignature
}

/// A verifying key of one of the further types.
#[derive(Clone)]
pub(super) enum Key {
    P384(sigwall_ecdsa::p384::VerifyingKey),
    P521(sigwall_ecdsa::p521::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(sigwall_rsa::PublicKey),
}

impl Key {
    /// Reads a DER SubjectPublicKeyInfo of a supported type.
    pub(super) fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| KeyError::Invalid)?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or(KeyError::Invalid)?;
        let curve = spki
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        match spki.algorithm.oid {
            // Uncompressed points only, as Go's crypto/x509 reads them.
            EC_PUBLIC_KEY if curve == Some(SECP384R1) => Ok(Key::P384(
                sigwall_ecdsa::p384::VerifyingKey::from_sec1_uncompressed(point)
                    .ok_or(KeyError::Invalid)?,
            )),
            EC_PUBLIC_KEY if curve == Some(SECP521R1) => Ok(Key::P521(
                sigwall_ecdsa::p521::VerifyingKey::from_sec1_uncompressed(point)
                    .ok_or(KeyError::Invalid)?,
            )),
            ED25519 if spki.algorithm.parameters.is_none() => {
                let bytes: &[u8; 32] = point.try_into().map_err(invalid)?;
                Ok(Key::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(invalid)?,
                ))
            }
            RSA_ENCRYPTION => {
                // PKCS #1 RSAPublicKey read here, and sized and checked as Go's crypto/rsa does
                // by sigwall-rsa (the rsa crate's reader stops at 4096 bits; Go does not).
                // Go's x509 requires the algorithm's NULL parameters.
                if !spki.algorithm.parameters.is_some_and(|p| p.is_null()) {
                    return Err(KeyError::Invalid);
                }
                let key = pkcs1::RsaPublicKey::try_from(point).map_err(invalid)?;
                Ok(Key::Rsa(
                    sigwall_rsa::PublicKey::new(
                        key.modulus.as_bytes(),
                        key.public_exponent.as_bytes(),
                    )
                    .map_err(KeyError::Rsa)?,
                ))
            }
            _ => Err(KeyError::Unsupported),
        }
    }

    /// Whether this is an ECDSA key.
    pub(super) fn is_ecdsa(&self) -> bool {
        matches!(self, Key::P384(_) | Key::P521(_))
    }

    /// Verifies `signature` (already base64-decoded) over `payload`.
    pub(super) fn verify(&self, payload: &[u8], signature: &[u8]) -> Result<(), BadSignature> {
        match self {
            Key::P384(_) | Key::P521(_) => {
                self.verify_ecdsa_prehash(&sha2::Sha256::digest(payload), signature)
            }
            Key::Ed25519(key) => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(bad)?;
                // Go's ed25519.Verify: canonical S, cofactorless (what `verify` checks).
                ed25519_dalek::Verifier::verify(key, payload, &signature).map_err(bad)
            }
            // Go's rsa.VerifyPKCS1v15: the signature exactly as long as the modulus.
            Key::Rsa(key) => key
                .verify_pkcs1v15(
                    sigwall_rsa::Hash::Sha256,
                    &sha2::Sha256::digest(payload),
                    signature,
                )
                .then_some(())
                .ok_or(BadSignature),
        }
    }

    /// Whether the key signs messages themselves (Ed25519) rather than their digests.
    #[cfg(feature = "keyless")]
    pub(super) fn signs_messages(&self) -> bool {
        matches!(self, Key::Ed25519(_))
    }

    /// Verifies an Ed25519 signature over `message`; other keys refuse.
    #[cfg(feature = "keyless")]
    pub(super) fn verify_message(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), BadSignature> {
        match self {
            Key::Ed25519(key) => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(bad)?;
                ed25519_dalek::Verifier::verify(key, message, &signature).map_err(bad)
            }
            _ => Err(BadSignature),
        }
    }

    /// Verifies an ECDSA or RSA signature over `digest` (made with `hash`); Ed25519 keys, which
    /// sign messages and not digests, refuse.
    #[cfg(feature = "keyless")]
    pub(super) fn verify_digest(
        &self,
        hash: super::MessageHash,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), BadSignature> {
        match self {
            Key::P384(_) | Key::P521(_) => self.verify_ecdsa_prehash(digest, signature),
            Key::Ed25519(_) => Err(BadSignature),
            Key::Rsa(key) => {
                let hash = match hash {
                    super::MessageHash::Sha256 => sigwall_rsa::Hash::Sha256,
                    super::MessageHash::Sha384 => sigwall_rsa::Hash::Sha384,
                    super::MessageHash::Sha512 => sigwall_rsa::Hash::Sha512,
                };
                key.verify_pkcs1v15(hash, digest, signature)
                    .then_some(())
                    .ok_or(BadSignature)
            }
        }
    }

    /// The hash Sigstore clients sign with for this key (sigstore-go's defaults).
    #[cfg(feature = "keyless")]
    pub(super) fn sigstore_hash(&self) -> super::MessageHash {
        match self {
            Key::P384(_) => super::MessageHash::Sha384,
            Key::P521(_) => super::MessageHash::Sha512,
            _ => super::MessageHash::Sha256,
        }
    }

    /// Verifies an ASN.1 DER ECDSA `signature` over a digest (cosign's is SHA-256; any length is
    /// taken as Go takes it, its leftmost bits up to the curve's order length).
    pub(super) fn verify_ecdsa_prehash(
        &self,
        prehash: &[u8],
        signature: &[u8],
    ) -> Result<(), BadSignature> {
        match self {
            Key::P384(key) => {
                let rs = der::ecdsa_signature::<96>(signature).ok_or(BadSignature)?;
                key.verify_prehash_p1363(prehash, &rs)
                    .then_some(())
                    .ok_or(BadSignature)
            }
            Key::P521(key) => {
                let rs = der::ecdsa_signature::<132>(signature).ok_or(BadSignature)?;
                key.verify_prehash_p1363(prehash, &rs)
                    .then_some(())
                    .ok_or(BadSignature)
            }
            Key::Ed25519(_) | Key::Rsa(_) => Err(BadSignature),
        }
    }
}
