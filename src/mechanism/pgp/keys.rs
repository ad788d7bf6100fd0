//! Keyrings: transferable public keys read packet by packet, then kept only when their
//! self-signatures verify.

extern crate std;

use alloc::string::String;
use alloc::vec::Vec;

use pgp::packet::{PublicKey, PublicSubkey, Signature, SignatureType, UserId};
use pgp::types::{KeyDetails as _, Tag};

use super::checked::{Checked, Prepared};
use super::packets::{each_packet, skip};

/// A primary key whose self-signatures verified.
pub(super) struct TrustedKey {
    pub(super) primary: PublicKey,
    pub(super) prepared: Prepared,
    /// Upper-case hex.
    pub(super) fingerprint: String,
    pub(super) state: KeyState,
    /// Signing subkeys with a valid binding (and back-signature).
    pub(super) subkeys: Vec<TrustedSubkey>,
}

/// A subkey bound to its primary for signing.
pub(super) struct TrustedSubkey {
    pub(super) key: PublicSubkey,
    pub(super) prepared: Prepared,
    pub(super) state: KeyState,
}

/// What the newest valid self-signatures say about a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KeyState {
    /// A valid revocation exists.
    pub(super) revoked: bool,
    /// When the key expires (seconds since the epoch); `None`: never.
    pub(super) expires: Option<u64>,
}

/// A transferable public key as read, before any signature is checked.
struct RawKey {
    primary: PublicKey,
    /// Signatures directly on the primary key (direct-key and revocation signatures).
    direct: Vec<Signature>,
    users: Vec<(UserId, Vec<Signature>)>,
    subkeys: Vec<(PublicSubkey, Vec<Signature>)>,
}

/// Where the signatures that follow a packet belong.
enum Section {
    Primary,
    User,
    Attribute,
    Subkey,
}

/// Reads a binary keyring (one or more transferable public keys, RFC 9580 §10.1).
pub(super) fn read(data: &[u8], keys: &mut Vec<TrustedKey>) -> Result<(), String> {
    let malformed = || String::from("invalid key in keyring");
    let mut raw: Vec<RawKey> = Vec::new();
    let mut section = Section::Primary;
    each_packet(data, malformed(), |header, body| {
        let tag = header.tag();
        if matches!(tag, Tag::Trust | Tag::Marker | Tag::Padding) {
            return skip(body).map_err(|()| malformed());
        }
        if tag == Tag::PublicKey {
            let primary = PublicKey::try_from_reader(header, body).map_err(|_| malformed())?;
            raw.push(RawKey {
                primary,
                direct: Vec::new(),
                users: Vec::new(),
                subkeys: Vec::new(),
            });
            section = Section::Primary;
            return Ok(());
        }
        let key = raw.last_mut().ok_or_else(malformed)?;
        match tag {
            Tag::Signature => {
                let signature =
                    Signature::try_from_reader(header, body).map_err(|_| malformed())?;
                match section {
                    Section::Primary => key.direct.push(signature),
                    Section::User => {
                        if let Some((_, signatures)) = key.users.last_mut() {
                            signatures.push(signature);
                        }
                    }
                    Section::Attribute => {}
                    Section::Subkey => {
                        if let Some((_, signatures)) = key.subkeys.last_mut() {
                            signatures.push(signature);
                        }
                    }
                }
            }
            Tag::UserId => {
                let id = UserId::try_from_reader(header, body).map_err(|_| malformed())?;
                key.users.push((id, Vec::new()));
                section = Section::User;
            }
            Tag::UserAttribute => {
                skip(body).map_err(|()| malformed())?;
                section = Section::Attribute;
            }
            Tag::PublicSubkey => {
                let sub = PublicSubkey::try_from_reader(header, body).map_err(|_| malformed())?;
                key.subkeys.push((sub, Vec::new()));
                section = Section::Subkey;
            }
            _ => return Err(String::from("a keyring may hold public keys only")),
        }
        Ok(())
    })?;
    keys.extend(raw.into_iter().filter_map(validate));
    Ok(())
}

/// The newest of the signatures (by creation time; the later one on a tie).
fn newest<'a>(signatures: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    signatures.max_by_key(|s| s.created().map_or(0, |t| t.as_secs()))
}

/// The absolute expiry a self-signature gives a key created at `created`.
fn expiry(signature: &Signature, created: u32) -> Option<u64> {
    signature
        .key_expiration_time()
        .map(|d| u64::from(d.as_secs()))
        .filter(|secs| *secs > 0)
        .map(|secs| u64::from(created).saturating_add(secs))
}

/// Keeps a key when at least one self-signature (a user id certification or a direct-key
/// signature) verifies; takes its expiry from the newest of them, and its revocation from any
/// valid self-revocation. Third-party certifications are ignored, not fatal.
fn validate(raw: RawKey) -> Option<TrustedKey> {
    let prepared = Prepared::new(raw.primary.public_params());
    let primary = Checked(&raw.primary, &prepared);
    let created = raw.primary.created_at().as_secs();
    let mut revoked = false;
    let mut self_signatures: Vec<&Signature> = Vec::new();
    for signature in &raw.direct {
        let valid = signature.verify_key(&primary).is_ok();
        match signature.typ() {
            Some(SignatureType::KeyRevocation) if valid => revoked = true,
            Some(SignatureType::Key) if valid => self_signatures.push(signature),
            _ => {}
        }
    }
    for (id, signatures) in &raw.users {
        let certified = signatures.iter().filter(|s| {
            s.is_certification() && s.verify_certification(&primary, Tag::UserId, id).is_ok()
        });
        // A user id whose newest certification is a revocation does not vouch for the key.
        if let Some(latest) = newest(certified) {
            if latest.typ() != Some(SignatureType::CertRevocation) {
                self_signatures.push(latest);
            }
        }
    }
    let latest = newest(self_signatures.into_iter())?;
    let state = KeyState {
        revoked,
        expires: expiry(latest, created),
    };
    let subkeys = raw
        .subkeys
        .into_iter()
        .filter_map(|(key, signatures)| {
            // Prepared once: for the back-signature checked here and for every signature later.
            let prepared = Prepared::new(key.public_params());
            let bound = |s: &&Signature| {
                s.verify_subkey_binding(&primary, &key).is_ok()
                    && (s.typ() == Some(SignatureType::SubkeyRevocation)
                        || (s.key_flags().sign()
                            && s.embedded_signature().is_some_and(|back| {
                                back.verify_primary_key_binding(
                                    &Checked(&key, &prepared),
                                    &raw.primary,
                                )
                                .is_ok()
                            })))
            };
            let valid: Vec<&Signature> = signatures.iter().filter(bound).collect();
            let revoked = valid
                .iter()
                .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation));
            let binding = newest(
                valid
                    .into_iter()
                    .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding)),
            )?;
            let state = KeyState {
                revoked,
                expires: expiry(binding, key.created_at().as_secs()),
            };
            Some(TrustedSubkey {
                key,
                prepared,
                state,
            })
        })
        .collect();
    Some(TrustedKey {
        fingerprint: base16ct::upper::encode_string(raw.primary.fingerprint().as_bytes()),
        primary: raw.primary,
        prepared,
        state,
        subkeys,
    })
}
