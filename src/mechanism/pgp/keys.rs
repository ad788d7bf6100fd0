//! Keyrings: transferable public keys read packet by packet, merged by fingerprint across
//! every key source of a requirement (as GnuPG merges what it imports), then kept only when
//! their self-signatures verify.

extern crate std;

use alloc::string::String;
use alloc::vec::Vec;

use pgp::packet::{PublicKey, PublicSubkey, Signature, SignatureType, SubpacketData, UserId};
use pgp::types::{Fingerprint, KeyDetails as _, Tag};

use super::checked::{Checked, Prepared};
use super::packets::{each_packet, skip};

/// A primary key whose self-signatures verified.
pub(super) struct TrustedKey {
    pub(super) primary: PublicKey,
    pub(super) prepared: Prepared,
    /// Upper-case hex.
    pub(super) fingerprint: String,
    pub(super) state: KeyState,
    /// Whether the primary key may make data signatures: its newest self-signature's key
    /// flags include "sign", or it has none (then the algorithm decides, and every algorithm
    /// sigwall verifies can sign). GnuPG refuses other signatures ("Wrong key usage").
    pub(super) can_sign: bool,
    /// Signing subkeys with a valid binding (and back-signature).
    pub(super) subkeys: Vec<TrustedSubkey>,
}

/// A subkey bound to its primary for signing.
pub(super) struct TrustedSubkey {
    pub(super) key: PublicSubkey,
    pub(super) prepared: Prepared,
    pub(super) state: KeyState,
}

/// A key (primary or subkey) of a key source that sigwall cannot use: an RSA key Go's
/// `crypto/rsa` refuses. Kept (unchecked: it can verify nothing) so that a signature naming it
/// as its issuer is refused with the reason, not as made by no trusted key.
pub(super) struct RefusedKey {
    pub(super) key_id: pgp::types::KeyId,
    pub(super) fingerprint: Fingerprint,
    pub(super) why: sigwall_rsa::KeyRejected,
}

impl RefusedKey {
    /// The key's refusal, when `key` is an RSA key Go refuses.
    fn of(key: &impl pgp::types::KeyDetails) -> Option<RefusedKey> {
        Some(RefusedKey {
            why: rsa_refusal(key.public_params())?,
            key_id: key.legacy_key_id(),
            fingerprint: key.fingerprint(),
        })
    }
}

/// Why Go's `crypto/rsa` refuses `params`, when they are an RSA key it refuses.
fn rsa_refusal(params: &pgp::types::PublicParams) -> Option<sigwall_rsa::KeyRejected> {
    use rsa::traits::PublicKeyParts as _;
    let pgp::types::PublicParams::RSA(rsa) = params else {
        return None;
    };
    sigwall_rsa::PublicKey::check(&rsa.key.n().to_bytes_be(), &rsa.key.e().to_bytes_be()).err()
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
pub(super) struct RawKey {
    primary: PublicKey,
    /// The primary key's fingerprint, computed once (copies are merged and revokers found by
    /// it, and the trusted key is named by it).
    fingerprint: Fingerprint,
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

/// What the key sources of one requirement hold, read but not yet checked.
#[derive(Default)]
pub(super) struct KeySources {
    keys: Vec<RawKey>,
    /// Signatures that stand before any key in their block: revocation certificates as
    /// `gpg --gen-revoke` writes them.
    loose: Vec<Signature>,
}

impl KeySources {
    /// Reads one binary block (one or more transferable public keys, RFC 9580 §10.1, or a
    /// revocation certificate) whole: a block that cannot be read adds nothing.
    pub(super) fn read_block(&mut self, data: &[u8]) -> Result<(), String> {
        let mut block = KeySources::default();
        read(data, &mut block)?;
        self.keys.extend(block.keys);
        self.loose.extend(block.loose);
        Ok(())
    }

    /// Merges copies of a key (by fingerprint: user ids, subkeys and signatures from every
    /// copy), gives every key the revocation certificates read on their own, and keeps the
    /// keys whose self-signatures verify; beside them, the keys and subkeys sigwall refuses to
    /// use (RSA keys Go refuses), to name in a refusal.
    pub(super) fn into_trusted(self) -> (Vec<TrustedKey>, Vec<RefusedKey>) {
        let mut merged: Vec<RawKey> = Vec::new();
        for key in self.keys {
            match merged.iter_mut().find(|m| m.fingerprint == key.fingerprint) {
                Some(m) => m.absorb(key),
                None => merged.push(key),
            }
        }
        let loose: Vec<Signature> = self
            .loose
            .into_iter()
            .filter(|s| s.typ() == Some(SignatureType::KeyRevocation))
            .collect();
        let by_revoker: Vec<bool> = merged
            .iter()
            .map(|key| revoked_by_designated(key, &loose, &merged))
            .collect();
        let refused = merged
            .iter()
            .flat_map(|raw| {
                core::iter::once(RefusedKey::of(&raw.primary))
                    .chain(raw.subkeys.iter().map(|(sub, _)| RefusedKey::of(sub)))
            })
            .flatten()
            .collect();
        let trusted = merged
            .into_iter()
            .zip(by_revoker)
            .filter_map(|(raw, by_revoker)| validate(raw, &loose, by_revoker))
            .collect();
        (trusted, refused)
    }
}

/// Whether a revocation of `key` (in its copies or among the loose certificates) was made by
/// a revoker the key designates in a direct-key self-signature, with that revoker's key among
/// `all` (GnuPG cannot check it otherwise, and ignores it).
fn revoked_by_designated(key: &RawKey, loose: &[Signature], all: &[RawKey]) -> bool {
    let created = key.primary.created_at().as_secs();
    let mut revocations = key
        .direct
        .iter()
        .chain(loose)
        .filter(|s| s.typ() == Some(SignatureType::KeyRevocation) && not_before(s, created))
        .peekable();
    if revocations.peek().is_none() {
        return false;
    }
    // Only a key with a revocation gets this far: prepared here, not for every key.
    let prepared = Prepared::new(key.primary.public_params());
    let primary = Checked(&key.primary, &prepared);
    let designated: Vec<&[u8]> = key
        .direct
        .iter()
        .filter(|s| {
            s.typ() == Some(SignatureType::Key)
                && not_before(s, created)
                && s.verify_key(&primary).is_ok()
        })
        .flat_map(designated_revokers)
        .collect();
    if designated.is_empty() {
        return false;
    }
    let revokers: Vec<&RawKey> = all
        .iter()
        .filter(|k| designated.contains(&k.fingerprint.as_bytes()))
        .collect();
    revocations.any(|s| {
        revokers.iter().any(|revoker| {
            let prepared = Prepared::new(revoker.primary.public_params());
            s.verify_key_third_party(&key.primary, &Checked(&revoker.primary, &prepared))
                .is_ok()
        })
    })
}

impl RawKey {
    /// Takes in another copy of the same key.
    fn absorb(&mut self, copy: RawKey) {
        self.direct.extend(copy.direct);
        for (id, signatures) in copy.users {
            match self.users.iter_mut().find(|(u, _)| *u == id) {
                Some((_, mine)) => mine.extend(signatures),
                None => self.users.push((id, signatures)),
            }
        }
        for (sub, signatures) in copy.subkeys {
            match self
                .subkeys
                .iter_mut()
                .find(|(s, _)| s.fingerprint() == sub.fingerprint())
            {
                Some((_, mine)) => mine.extend(signatures),
                None => self.subkeys.push((sub, signatures)),
            }
        }
    }
}

/// Reads a binary block into `into`.
fn read(data: &[u8], into: &mut KeySources) -> Result<(), String> {
    let malformed = || String::from("invalid key in keyring");
    let raw = &mut into.keys;
    let loose = &mut into.loose;
    let mut section = Section::Primary;
    each_packet(data, malformed(), |header, body| {
        let tag = header.tag();
        if matches!(tag, Tag::Trust | Tag::Marker | Tag::Padding) {
            return skip(body).map_err(|()| malformed());
        }
        if tag == Tag::PublicKey {
            let primary = PublicKey::try_from_reader(header, body).map_err(|_| malformed())?;
            raw.push(RawKey {
                fingerprint: primary.fingerprint(),
                primary,
                direct: Vec::new(),
                users: Vec::new(),
                subkeys: Vec::new(),
            });
            section = Section::Primary;
            return Ok(());
        }
        let Some(key) = raw.last_mut() else {
            // Before any key: a revocation certificate on its own.
            if tag != Tag::Signature {
                return Err(malformed());
            }
            let signature = Signature::try_from_reader(header, body).map_err(|_| malformed())?;
            loose.push(signature);
            return Ok(());
        };
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
    })
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

/// Whether a signature was made no earlier than the key it is checked with: GnuPG refuses
/// a signature older than its key ("public key is N seconds newer than the signature").
pub(super) fn not_before(signature: &Signature, key_created: u32) -> bool {
    signature
        .created()
        .is_some_and(|t| t.as_secs() >= key_created)
}

/// The fingerprints a self-signature designates as revokers (Revocation Key subpackets).
fn designated_revokers(signature: &Signature) -> impl Iterator<Item = &[u8]> {
    signature
        .config()
        .into_iter()
        .flat_map(|c| c.hashed_subpackets())
        .filter_map(|p| match &p.data {
            SubpacketData::RevocationKey(key) => Some(key.fingerprint.as_slice()),
            _ => None,
        })
}

/// Whether a self-signature lets its key make data signatures: its Key Flags include "sign",
/// or it has no Key Flags (then the algorithm decides, and every algorithm sigwall verifies
/// can sign).
fn may_sign(signature: &Signature) -> bool {
    signature
        .config()
        .and_then(|c| {
            c.hashed_subpackets().find_map(|p| match &p.data {
                SubpacketData::KeyFlags(flags) => Some(flags.sign()),
                _ => None,
            })
        })
        .unwrap_or(true)
}

/// Keeps a key when at least one self-signature (a user id certification or a direct-key
/// signature) verifies; takes its expiry and key flags from the newest of them, and its
/// revocation from any valid self-revocation (in its copies or `loose`) or `by_revoker`.
/// Third-party certifications are ignored, not fatal. A signature older than the key is not
/// valid.
fn validate(raw: RawKey, loose: &[Signature], by_revoker: bool) -> Option<TrustedKey> {
    let prepared = Prepared::new(raw.primary.public_params());
    let primary = Checked(&raw.primary, &prepared);
    let created = raw.primary.created_at().as_secs();
    let mut revoked = by_revoker;
    let mut self_signatures: Vec<&Signature> = Vec::new();
    let direct = raw.direct.iter().chain(loose);
    for signature in direct.filter(|s| not_before(s, created)) {
        let valid = signature.verify_key(&primary).is_ok();
        match signature.typ() {
            Some(SignatureType::KeyRevocation) if valid => revoked = true,
            Some(SignatureType::Key) if valid => self_signatures.push(signature),
            _ => {}
        }
    }
    for (id, signatures) in &raw.users {
        let certified = signatures.iter().filter(|s| {
            s.is_certification()
                && not_before(s, created)
                && s.verify_certification(&primary, Tag::UserId, id).is_ok()
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
    let can_sign = may_sign(latest);
    let subkeys = raw
        .subkeys
        .into_iter()
        .filter_map(|(key, signatures)| {
            // Prepared once: for the back-signature checked here and for every signature later.
            let prepared = Prepared::new(key.public_params());
            let sub_created = key.created_at().as_secs();
            let bound = |s: &&Signature| {
                not_before(s, sub_created)
                    && s.verify_subkey_binding(&primary, &key).is_ok()
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
        fingerprint: base16ct::upper::encode_string(raw.fingerprint.as_bytes()),
        primary: raw.primary,
        prepared,
        state,
        can_sign,
        subkeys,
    })
}
