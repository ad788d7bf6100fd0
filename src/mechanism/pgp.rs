//! OpenPGP "simple signing" verification with rPGP: a binary signed message (compressed or
//! not) whose literal data is the payload, made by a key of a keyring the policy supplies. The
//! one seam where rPGP's errors are converted: only a [`PgpRejection`] leaves this module.
//!
//! rPGP is used for its packet parsers and its signature hashing, not for its composed message
//! and key parsers, and the public-key arithmetic is dispatched here ([`Checked`]): rPGP's
//! generic parsers reach every packet type (secret keys, encrypted data, their ciphers and
//! KDFs) and its verifier every curve it knows, which would put code that verifying simple
//! signing never runs into the module (see "Sizes" in README.md).
//!
//! Rejected: cleartext-signed and ASCII-armored signatures, unsigned literal data, encrypted
//! messages, more than one signature, unknown keys, expired or revoked keys and subkeys,
//! expired signatures, and literal data past [`MAX_LITERAL_BYTES`] (a compression bomb stops
//! there).

extern crate std;

mod checked;
mod keys;
mod message;
mod packets;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::io::Read as _;

use pgp::armor::Dearmor;
use pgp::packet::Signature;
use pgp::types::KeyDetails as _;

use crate::payload::SignatureVerified;
use checked::Checked;
use keys::{KeyState, TrustedKey};
use message::SignedMessage;

/// Payloads are a few hundred bytes; anything past this is refused unread.
pub const MAX_LITERAL_BYTES: u64 = 4 * 1024 * 1024;

/// The keys one `signedBy` requirement trusts, parsed and their self-signatures checked once.
pub struct Keyring {
    keys: Vec<TrustedKey>,
    /// Keys that cannot be used (RSA keys Go refuses), to name in a refusal.
    refused: Vec<keys::RefusedKey>,
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
    /// The key (or subkey) that made it has expired.
    KeyExpired,
    /// The signature itself has expired.
    SignatureExpired,
    /// The signed content is larger than [`MAX_LITERAL_BYTES`].
    TooLarge,
    /// Made by a primary key whose self-signature does not allow signing.
    WrongKeyUsage,
    /// Dated before the key that made it was created.
    SignedBeforeKey,
    /// Made (as its issuer says) by a trusted RSA key that Go's `crypto/rsa` refuses, as
    /// containers/image's Go OpenPGP mechanism does: a modulus under 1024 bits, a bad exponent.
    KeyRefused(sigwall_rsa::KeyRejected),
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
            PgpRejection::WrongKeyUsage => {
                f.write_str("wrong key usage: the signing key may not make data signatures")
            }
            PgpRejection::SignedBeforeKey => {
                f.write_str("the signature is dated before its key was created")
            }
            PgpRejection::KeyRefused(why) => write!(f, "the signing key is refused: {why}"),
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

/// The armor lines around an ASCII-armored public keyring.
const BEGIN_PUBLIC_KEY: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const END_PUBLIC_KEY: &str = "-----END PGP PUBLIC KEY BLOCK-----";

/// The armored public key blocks of a text, each from its BEGIN line to its END line; text
/// outside them (a key file's description, fingerprints, comments) is not read, as GnuPG
/// does not read it.
fn armored_blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        let start = line_at(rest, BEGIN_PUBLIC_KEY)?;
        let block = rest.get(start..)?;
        let end = line_at(block, END_PUBLIC_KEY).map_or(block.len(), |e| e + END_PUBLIC_KEY.len());
        rest = block.get(end..).unwrap_or_default();
        block.get(..end)
    })
}

/// Where `marker` first starts a line of `text`.
fn line_at(text: &str, marker: &str) -> Option<usize> {
    text.match_indices(marker)
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text.as_bytes().get(at - 1) == Some(&b'\n'))
}

impl Keyring {
    /// Parses the key sources of one requirement (binary or ASCII-armored, one or several
    /// keys each; armored blocks may be concatenated and surrounded by text) the way GnuPG
    /// imports them: a block that cannot be read, or holds no usable key, is left out and
    /// does not spoil the others; copies of one key are merged by fingerprint across every
    /// source; a revocation certificate anywhere among them revokes its key. Keys without a
    /// valid self-signature are left out; subkeys without a valid signing binding too.
    ///
    /// # Errors
    ///
    /// A message when no source holds a key that could be read.
    pub fn parse(keyrings: &[Vec<u8>]) -> Result<Self, String> {
        let mut sources = keys::KeySources::default();
        let mut problems: Vec<String> = Vec::new();
        for data in keyrings {
            // A binary keyring starts with a packet tag (high bit set); anything else is read
            // as text that holds armored blocks.
            if data.first().is_some_and(|b| b & 0x80 != 0) {
                if let Err(e) = sources.read_block(data) {
                    problems.push(e);
                }
                continue;
            }
            let Ok(text) = core::str::from_utf8(data) else {
                problems.push(String::from("not an OpenPGP keyring"));
                continue;
            };
            let mut blocks = 0;
            for block in armored_blocks(text) {
                blocks += 1;
                let mut binary = Vec::new();
                let read = Dearmor::new(block.as_bytes())
                    .read_to_end(&mut binary)
                    .map_err(|_| String::from("invalid ASCII-armored keyring"))
                    .and_then(|_| sources.read_block(&binary));
                if let Err(e) = read {
                    problems.push(e);
                }
            }
            if blocks == 0 {
                problems.push(String::from("not an ASCII-armored public key block"));
            }
        }
        let (keys, refused) = sources.into_trusted();
        if keys.is_empty() && refused.is_empty() {
            if let Some(first) = problems.into_iter().next() {
                return Err(first);
            }
        }
        Ok(Keyring { keys, refused })
    }

    /// How many usable keys the keyring holds (refused ones are not counted).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the keyring holds no key at all, usable or refused (a refused key still names
    /// the reason its signatures are refused).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.refused.is_empty()
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
        let (literal, signature) = SignedMessage::read(untrusted_signature)?.into_parts()?;
        for key in &self.keys {
            let data = literal.data();
            // The signer: the primary key itself, or one of its signing subkeys (with its
            // state and creation time).
            let signer: Option<(&[KeyState], u32)> = if signature
                .verify(&Checked(&key.primary, &key.prepared), data)
                .is_ok()
            {
                Some((&[][..], key.primary.created_at().as_secs()))
            } else {
                key.subkeys
                    .iter()
                    .find(|sub| {
                        signature
                            .verify(&Checked(&sub.key, &sub.prepared), data)
                            .is_ok()
                    })
                    .map(|sub| {
                        (
                            core::slice::from_ref(&sub.state),
                            sub.key.created_at().as_secs(),
                        )
                    })
            };
            if let Some((subkey_state, signer_created)) = signer {
                // By the primary key itself: its self-signature must allow signing.
                if subkey_state.is_empty() && !key.can_sign {
                    return Err(PgpRejection::WrongKeyUsage);
                }
                if !keys::not_before(&signature, signer_created) {
                    return Err(PgpRejection::SignedBeforeKey);
                }
                for state in core::iter::once(&key.state).chain(subkey_state) {
                    if state.revoked {
                        return Err(PgpRejection::KeyRevoked);
                    }
                    if state.expires.is_some_and(|at| at <= now) {
                        return Err(PgpRejection::KeyExpired);
                    }
                }
                check_signature_expiry(&signature, now)?;
                return Ok(PgpVerified {
                    content: literal.into_bytes().into(),
                    primary_fingerprint: key.fingerprint.clone(),
                    proof: SignatureVerified::issue(),
                });
            }
        }
        // No key made it. When its issuer is a trusted key that cannot be used, say why.
        let ids = signature.issuer_key_id();
        let fingerprints = signature.issuer_fingerprint();
        let refused = self
            .refused
            .iter()
            .find(|k| ids.contains(&&k.key_id) || fingerprints.contains(&&k.fingerprint));
        if let Some(key) = refused {
            return Err(PgpRejection::KeyRefused(key.why));
        }
        Err(PgpRejection::BadSignature)
    }
}

/// A signature that carries an expiration time must not be used past it.
fn check_signature_expiry(signature: &Signature, now: u64) -> Result<(), PgpRejection> {
    if let (Some(created), Some(valid_for)) =
        (signature.created(), signature.signature_expiration_time())
    {
        let valid_for = u64::from(valid_for.as_secs());
        if valid_for > 0 && u64::from(created.as_secs()).saturating_add(valid_for) <= now {
            return Err(PgpRejection::SignatureExpired);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
