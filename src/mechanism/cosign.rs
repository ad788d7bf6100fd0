//! cosign key-based verification: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) and a base64
//! signature over the payload bytes, as cosign stores it in the
//! `dev.cosignproject.cosign/signature` annotation (cosign.md §1.4).
//!
//! Key types, as cosign's and containers/image's key loader accepts them: ECDSA P-256 (cosign's
//! default; always available), and with the `keys` feature ECDSA P-384 and P-521, RSA
//! (PKCS #1 v1.5) and Ed25519. ECDSA and RSA sign the SHA-256 of the payload; Ed25519 signs
//! the payload itself. ECDSA signatures are ASN.1 DER only (Go's `ecdsa.VerifyASN1`: raw
//! `r‖s` is refused); RSA-PSS is refused, as containers/image's PKCS #1 v1.5 verifier refuses it.
//!
//! The core recognises a P-256 SubjectPublicKeyInfo by its fixed DER encoding and reads the
//! two integers of an ECDSA signature itself ([`der`]): the general DER and SPKI parsers cost
//! the size-budgeted core module more than everything they would do there.

mod der;
#[cfg(feature = "keys")]
mod more;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sha2::Digest as _;

use crate::payload::SignatureVerified;

/// A public key a `sigstoreSigned` requirement trusts, parsed once per policy.
#[derive(Clone)]
pub struct CosignKey {
    key: Key,
    der: Vec<u8>,
    fingerprint: String,
}

/// The verifying key, by type.
#[derive(Clone)]
enum Key {
    P256(sigwall_ecdsa::p256::VerifyingKey),
    #[cfg(feature = "keys")]
    More(more::Key),
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
    /// A public key of a type this build cannot verify with.
    Unsupported,
    /// An RSA key Go's `crypto/rsa` refuses (too short, or a bad exponent).
    #[cfg(feature = "keys")]
    Rsa(sigwall_rsa::KeyRejected),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Invalid => f.write_str("not a PEM public key (SubjectPublicKeyInfo)"),
            KeyError::Unsupported if cfg!(feature = "keys") => f.write_str(
                "public key type not supported (ECDSA P-256/P-384/P-521, RSA and Ed25519 are)",
            ),
            KeyError::Unsupported => f.write_str(
                "public key type not supported by this module (ECDSA P-256 is; the full module \
                 also verifies P-384, P-521, RSA and Ed25519)",
            ),
            #[cfg(feature = "keys")]
            KeyError::Rsa(why) => write!(f, "{why}"),
        }
    }
}

/// The signature did not verify with this key. Deliberately without detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadSignature;

/// The DER SubjectPublicKeyInfo of every uncompressed P-256 key, up to the point:
/// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes) { 0x04 … } }.
const P256_SPKI_UNCOMPRESSED: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

/// The uncompressed SEC1 point of a P-256 SubjectPublicKeyInfo, when `der` is one; `None`
/// for other key types. A P-256 key with its point in another form (compressed) is invalid,
/// as Go's `crypto/x509`, which cosign and containers/image read keys with, finds it.
fn p256_point(der: &[u8]) -> Result<Option<&[u8]>, KeyError> {
    if der.len() == P256_SPKI_UNCOMPRESSED.len() + 64 && der.starts_with(&P256_SPKI_UNCOMPRESSED) {
        return Ok(der.get(P256_SPKI_UNCOMPRESSED.len() - 1..));
    }
    // The AlgorithmIdentifier (id-ecPublicKey, prime256v1) after a short SEQUENCE header.
    let algorithm = P256_SPKI_UNCOMPRESSED.get(2..23);
    if der.first() == Some(&0x30) && der.get(2..23) == algorithm {
        return Err(KeyError::Invalid);
    }
    Ok(None)
}

/// The hash a certificate or log signature is made over.
#[cfg(feature = "keyless")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

#[cfg(feature = "keyless")]
impl MessageHash {
    /// The digest of `message`.
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            MessageHash::Sha256 => sha2::Sha256::digest(message).to_vec(),
            MessageHash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            MessageHash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        }
    }
}

/// A base64 signature as Go's `base64.StdEncoding.DecodeString` reads it: line breaks (`\r`,
/// `\n`) anywhere are ignored, nothing else is (skopeo wraps long RSA signatures at 76
/// characters).
pub fn decode_signature(base64: &str) -> Option<Vec<u8>> {
    let text: String;
    let base64 = if base64.contains(['\r', '\n']) {
        text = base64
            .chars()
            .filter(|c| !matches!(c, '\r' | '\n'))
            .collect();
        text.as_str()
    } else {
        base64
    };
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(base64).ok()
}

/// Whether `pem` is a P-256 public key the core module verifies with (anything else needs the
/// full module, which the JavaScript layer loads for it).
pub fn is_p256_pem(pem: &[u8]) -> bool {
    matches!(
        CosignKey::from_pem(pem),
        Ok(CosignKey {
            key: Key::P256(_),
            ..
        })
    )
}

impl CosignKey {
    /// Parses a PEM `PUBLIC KEY`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Invalid`] for anything that is not a PEM SubjectPublicKeyInfo,
    /// [`KeyError::Unsupported`] for key types this build does not verify.
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
        let key = match p256_point(der)? {
            Some(point) => Key::P256(
                sigwall_ecdsa::p256::VerifyingKey::from_sec1_uncompressed(point)
                    .ok_or(KeyError::Invalid)?,
            ),
            #[cfg(feature = "keys")]
            None => Key::More(more::Key::from_spki_der(der)?),
            #[cfg(not(feature = "keys"))]
            None => return Err(der::spki_error(der)),
        };
        Ok(CosignKey {
            key,
            der: der.to_vec(),
            fingerprint: base16ct::lower::encode_string(&sha2::Sha256::digest(der)),
        })
    }

    /// The key's SubjectPublicKeyInfo, DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.der
    }

    /// Whether this is an ECDSA key (Rekor keys must be).
    pub fn is_ecdsa(&self) -> bool {
        match &self.key {
            Key::P256(_) => true,
            #[cfg(feature = "keys")]
            Key::More(k) => k.is_ecdsa(),
        }
    }

    /// The SHA-256 of the key's SubjectPublicKeyInfo DER, in hex: how the verdict names the key.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Verifies a certificate's (or a log's) signature: `signature` (raw bytes: ASN.1 DER for
    /// ECDSA, PKCS #1 v1.5 for RSA, 64 bytes for Ed25519) over `message`, hashed with `hash`
    /// (ignored for Ed25519, which signs the message itself).
    ///
    /// # Errors
    ///
    /// [`BadSignature`] for anything but a valid signature by this key.
    #[cfg(feature = "keyless")]
    pub fn verify_with_hash(
        &self,
        hash: MessageHash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), BadSignature> {
        match &self.key {
            Key::More(key) if key.signs_messages() => key.verify_message(message, signature),
            _ => self.verify_digest(hash, &hash.digest(message), signature),
        }
    }

    /// Verifies `signature` over a message known only by its `digest`, made with `hash`.
    /// Ed25519 keys sign messages, not digests: they refuse.
    ///
    /// # Errors
    ///
    /// [`BadSignature`] for anything but a valid signature by this key.
    #[cfg(feature = "keyless")]
    pub fn verify_digest(
        &self,
        hash: MessageHash,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), BadSignature> {
        match &self.key {
            Key::P256(key) => {
                let rs = der::ecdsa_signature::<64>(signature).ok_or(BadSignature)?;
                key.verify_prehash_p1363(digest, &rs)
                    .then_some(())
                    .ok_or(BadSignature)
            }
            Key::More(key) => key.verify_digest(hash, digest, signature),
        }
    }

    /// The hash Sigstore clients sign artifacts with for this key: SHA-384 for P-384, SHA-512
    /// for P-521, SHA-256 otherwise (sigstore-go's defaults).
    #[cfg(feature = "keyless")]
    pub fn sigstore_hash(&self) -> MessageHash {
        match &self.key {
            Key::P256(_) => MessageHash::Sha256,
            Key::More(key) => key.sigstore_hash(),
        }
    }

    /// Verifies `signature_base64` (standard base64) over `payload`.
    ///
    /// # Errors
    ///
    /// [`BadSignature`] for anything but a valid signature by this key over exactly `payload`.
    pub fn verify(
        &self,
        payload: &[u8],
        signature_base64: &str,
    ) -> Result<SignatureVerified, BadSignature> {
        let signature: Vec<u8> = decode_signature(signature_base64).ok_or(BadSignature)?;
        match &self.key {
            Key::P256(key) => {
                let rs = der::ecdsa_signature::<64>(&signature).ok_or(BadSignature)?;
                if !key.verify_prehash_p1363(&sha2::Sha256::digest(payload), &rs) {
                    return Err(BadSignature);
                }
            }
            #[cfg(feature = "keys")]
            Key::More(key) => key.verify(payload, &signature)?,
        }
        Ok(SignatureVerified::issue())
    }
}

#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "keys"))]
mod wycheproof;
