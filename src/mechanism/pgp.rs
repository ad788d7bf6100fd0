//! OpenPGP "simple signing" verification with rPGP: a binary signed message (compressed or
//! not) whose literal data is the payload, made by a key of a keyring the policy supplies. The
//! one seam where rPGP's errors are converted: only a [`PgpRejection`] leaves this module.
//!
//! Rejected: cleartext-signed and ASCII-armored signatures, unsigned literal data, encrypted
//! messages, more than one signature, unknown keys, expired or revoked keys and subkeys,
//! expired signatures, and literal data past [`MAX_LITERAL_BYTES`] (a compression bomb stops
//! there).

extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::io::{Cursor, Read as _};

use pgp::composed::{Deserializable as _, Message, SignedPublicKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::KeyDetails as _;

use crate::payload::SignatureVerified;

/// Payloads are a few hundred bytes; anything past this is refused unread.
pub const MAX_LITERAL_BYTES: u64 = 4 * 1024 * 1024;

/// The keys one `signedBy` requirement trusts, parsed once.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keyring({} keys)", self.keys.len())
    }
}

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PgpRejection {
    /// Not a binary signed message (cleartext, armored, literal only, encrypted, garbage).
    NotASignedMessage(&'static str),
    /// No trusted key made it, or it does not verify.
    BadSignature,
    /// The key (or subkey) that made it is revoked.
    KeyRevoked,
    /// The key (or subkey) that made it had expired when it signed, or has expired now.
    KeyExpired,
    /// The signature itself has expired.
    SignatureExpired,
    /// The signed content is larger than [`MAX_LITERAL_BYTES`].
    TooLarge,
}

impl fmt::Display for PgpRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgpRejection::NotASignedMessage(why) => {
                write!(f, "not a signed OpenPGP message: {why}")
            }
            PgpRejection::BadSignature => {
                f.write_str("signature verification failed: no trusted key made this signature")
            }
            PgpRejection::KeyRevoked => f.write_str("the signing key is revoked"),
            PgpRejection::KeyExpired => f.write_str("the signing key has expired"),
            PgpRejection::SignatureExpired => f.write_str("the signature has expired"),
            PgpRejection::TooLarge => f.write_str("the signed content is larger than 4 MiB"),
        }
    }
}

/// A verified signature: the signed content and the primary key that stands behind it.
#[derive(Debug)]
pub struct PgpVerified {
    /// The literal data (the untrusted payload, now authenticated).
    pub content: Vec<u8>,
    /// The primary key's fingerprint, upper-case hex (also for signatures by a subkey).
    pub primary_fingerprint: String,
    /// Proof for [`crate::payload::UntrustedPayload::accept`].
    pub proof: SignatureVerified,
}

/// First bytes of binary OpenPGP packets a signature may start with (old- or new-format
/// compressed data, one-pass signature, or signature packets). containers/image lists 0x3d
/// where 0x93 was meant; 0x93 is accepted here.
fn starts_like_a_signature(first: u8) -> bool {
    matches!(first, 0xa0..=0xa3 | 0xc8 | 0x90..=0x93 | 0xc4 | 0x88..=0x8b | 0xc2)
}

impl Keyring {
    /// Parses keyrings (binary or ASCII-armored, one or several keys each). Keys whose
    /// self-signatures do not verify are left out.
    ///
    /// # Errors
    ///
    /// A message when a keyring cannot be parsed at all.
    pub fn parse(keyrings: &[Vec<u8>]) -> Result<Self, String> {
        let mut keys = Vec::new();
        for data in keyrings {
            let text = core::str::from_utf8(data)
                .ok()
                .filter(|t| t.trim_start().starts_with("-----BEGIN"));
            let parsed: Vec<SignedPublicKey> = match text {
                Some(text) => {
                    let mut out = Vec::new();
                    // Several armored blocks may be concatenated (sigwall's embedded policies do).
                    for block in text.split("-----BEGIN PGP PUBLIC KEY BLOCK-----").skip(1) {
                        let block = format!("-----BEGIN PGP PUBLIC KEY BLOCK-----{block}");
                        let (iter, _) = SignedPublicKey::from_string_many(&block)
                            .map_err(|_| String::from("invalid ASCII-armored keyring"))?;
                        for k in iter {
                            out.push(k.map_err(|_| {
                                String::from("invalid key in ASCII-armored keyring")
                            })?);
                        }
                    }
                    out
                }
                None => SignedPublicKey::from_bytes_many(Cursor::new(data.as_slice()))
                    .map_err(|_| String::from("invalid keyring"))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| String::from("invalid key in keyring"))?,
            };
            keys.extend(parsed.into_iter().filter(|k| k.verify_bindings().is_ok()));
        }
        Ok(Keyring { keys })
    }

    /// How many keys the keyring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the keyring holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies a simple-signing signature at time `now` (seconds since the epoch).
    ///
    /// # Errors
    ///
    /// A [`PgpRejection`] for anything but a valid signature by a trusted, current key.
    pub fn verify(
        &self,
        untrusted_signature: &[u8],
        now: u64,
    ) -> Result<PgpVerified, PgpRejection> {
        let first = *untrusted_signature
            .first()
            .ok_or(PgpRejection::NotASignedMessage("empty"))?;
        if !starts_like_a_signature(first) {
            return Err(PgpRejection::NotASignedMessage(
                "not a binary OpenPGP message (cleartext or armored signatures are refused)",
            ));
        }
        let message = Message::from_bytes(Cursor::new(untrusted_signature))
            .map_err(|_| PgpRejection::NotASignedMessage("malformed packet stream"))?;
        let mut message = if message.is_compressed() {
            message
                .decompress()
                .map_err(|_| PgpRejection::NotASignedMessage("malformed compressed data"))?
        } else {
            message
        };
        if !message.is_signed() {
            return Err(PgpRejection::NotASignedMessage(if message.is_encrypted() {
                "an encrypted message"
            } else {
                "no signature"
            }));
        }
        let mut content = Vec::new();
        (&mut message)
            .take(MAX_LITERAL_BYTES + 1)
            .read_to_end(&mut content)
            .map_err(|_| PgpRejection::NotASignedMessage("malformed literal data"))?;
        if content.len() as u64 > MAX_LITERAL_BYTES {
            return Err(PgpRejection::TooLarge);
        }
        for key in &self.keys {
            if let Ok(signature) = message.verify(&key.primary_key) {
                check_key(key, None, now)?;
                return verified(key, content, signature, now);
            }
            for subkey in &key.public_subkeys {
                if let Ok(signature) = message.verify(&subkey.key) {
                    check_key(key, Some(subkey), now)?;
                    return verified(key, content, signature, now);
                }
            }
        }
        Err(PgpRejection::BadSignature)
    }
}

/// The result of a signature that verified: its own expiry checked, the primary key named.
fn verified(
    key: &SignedPublicKey,
    content: Vec<u8>,
    signature: &Signature,
    now: u64,
) -> Result<PgpVerified, PgpRejection> {
    if let (Some(created), Some(valid_for)) =
        (signature.created(), signature.signature_expiration_time())
    {
        let valid_for = u64::from(valid_for.as_secs());
        if valid_for > 0 && u64::from(created.as_secs()).saturating_add(valid_for) <= now {
            return Err(PgpRejection::SignatureExpired);
        }
    }
    let fingerprint = key.fingerprint();
    Ok(PgpVerified {
        content,
        primary_fingerprint: base16ct::upper::encode_string(fingerprint.as_bytes()),
        proof: SignatureVerified::issue(),
    })
}

/// Revocation and expiry of the primary key and, when a subkey signed, of that subkey.
fn check_key(
    key: &SignedPublicKey,
    subkey: Option<&pgp::composed::SignedPublicSubKey>,
    now: u64,
) -> Result<(), PgpRejection> {
    if !key.details.revocation_signatures.is_empty() {
        return Err(PgpRejection::KeyRevoked);
    }
    let created = |k: &dyn pgp::types::KeyDetails| u64::from(k.created_at().as_secs());
    let primary_expiry = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .filter_map(Signature::key_expiration_time)
        .map(|d| u64::from(d.as_secs()))
        .max();
    if let Some(valid_for) = primary_expiry.filter(|d| *d > 0) {
        if created(&key.primary_key).saturating_add(valid_for) <= now {
            return Err(PgpRejection::KeyExpired);
        }
    }
    if let Some(sub) = subkey {
        if sub
            .signatures
            .iter()
            .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
        {
            return Err(PgpRejection::KeyRevoked);
        }
        let sub_expiry = sub
            .signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
            .filter_map(Signature::key_expiration_time)
            .map(|d| u64::from(d.as_secs()))
            .max();
        if let Some(valid_for) = sub_expiry.filter(|d| *d > 0) {
            if created(&sub.key).saturating_add(valid_for) <= now {
                return Err(PgpRejection::KeyExpired);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
