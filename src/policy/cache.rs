//! Keys parsed once per policy: every session of a policy shares what earlier sessions parsed
//! (OpenPGP keyrings, cosign and Rekor public keys, with their self-signatures checked and
//! their verifying keys prepared), keyed by the SHA-256 of the key material, so a key file that
//! changes between sessions is parsed again.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sha2::Digest as _;

use crate::error::Code;
use crate::mechanism::cosign::CosignKey;

#[cfg(feature = "std")]
type Shared<T> = alloc::sync::Arc<std::sync::Mutex<T>>;
#[cfg(not(feature = "std"))]
type Shared<T> = alloc::rc::Rc<core::cell::RefCell<T>>;

/// A shared, parsed entry.
#[cfg(feature = "std")]
pub(crate) type Handle<T> = alloc::sync::Arc<T>;
/// A shared, parsed entry.
#[cfg(not(feature = "std"))]
pub(crate) type Handle<T> = alloc::rc::Rc<T>;

/// A parse result as the requirement uses it: the keys, or why the requirement fails.
pub(crate) type Parsed<T> = Result<Handle<T>, (Code, String)>;

/// Entries kept per kind; past this the oldest is dropped (key files that keep changing).
const CAPACITY: usize = 32;

struct Entries<T>(Vec<([u8; 32], Parsed<T>)>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<T> Entries<T> {
    fn get_or_parse(
        &mut self,
        key: [u8; 32],
        parse: impl FnOnce() -> Result<T, (Code, String)>,
    ) -> Parsed<T> {
        if let Some((_, parsed)) = self.0.iter().find(|(k, _)| *k == key) {
            return parsed.clone();
        }
        let parsed = parse().map(Handle::new);
        if self.0.len() == CAPACITY {
            drop(self.0.remove(0));
        }
        self.0.push((key, parsed.clone()));
        parsed
    }
}

#[derive(Default)]
struct Inner {
    cosign: Entries<Vec<CosignKey>>,
    #[cfg(feature = "pgp")]
    pgp: Entries<crate::mechanism::pgp::Keyring>,
    #[cfg(feature = "keyless")]
    roots: Entries<crate::mechanism::bundle::TrustedRoot>,
}

/// The cache a policy and all its sessions share. Not part of the policy's value: clones share
/// it, equality ignores it.
#[derive(Clone, Default)]
pub(crate) struct KeyCache(Shared<Inner>);

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCache")
    }
}

impl PartialEq for KeyCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// What identifies key material: its kind and the SHA-256 of its parts.
fn fingerprint(kind: u8, material: &[Vec<u8>]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([kind]);
    for part in material {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

impl KeyCache {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        #[cfg(feature = "std")]
        {
            // A panic while parsing would poison the lock; the cache is still consistent then
            // (entries are pushed whole), so keep using it.
            let mut inner = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut inner)
        }
        #[cfg(not(feature = "std"))]
        {
            f(&mut self.0.borrow_mut())
        }
    }

    /// The cosign (or Rekor) keys in `material`, parsed on first use.
    pub(crate) fn cosign_keys(
        &self,
        material: &[Vec<u8>],
        parse: impl FnOnce() -> Result<Vec<CosignKey>, (Code, String)>,
    ) -> Parsed<Vec<CosignKey>> {
        let key = fingerprint(b'c', material);
        self.with(|inner| inner.cosign.get_or_parse(key, parse))
    }

    /// The OpenPGP keyring made of `material`, parsed on first use.
    #[cfg(feature = "pgp")]
    pub(crate) fn keyring(
        &self,
        material: &[Vec<u8>],
        parse: impl FnOnce() -> Result<crate::mechanism::pgp::Keyring, (Code, String)>,
    ) -> Parsed<crate::mechanism::pgp::Keyring> {
        let key = fingerprint(b'p', material);
        self.with(|inner| inner.pgp.get_or_parse(key, parse))
    }

    /// The Sigstore trusted root made of `material` (none: the built-in public-good root),
    /// parsed on first use.
    #[cfg(feature = "keyless")]
    pub(crate) fn trusted_root(
        &self,
        material: &[Vec<u8>],
        parse: impl FnOnce() -> Result<crate::mechanism::bundle::TrustedRoot, (Code, String)>,
    ) -> Parsed<crate::mechanism::bundle::TrustedRoot> {
        let key = fingerprint(b'r', material);
        self.with(|inner| inner.roots.get_or_parse(key, parse))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    #[test]
    fn material_is_parsed_once_and_again_when_it_changes() {
        let cache = KeyCache::default();
        let shared = cache.clone();
        let calls = Cell::new(0);
        let parse = || {
            calls.set(calls.get() + 1);
            Ok(Vec::new())
        };
        let a = [b"key A".to_vec()];
        let b = [b"key B".to_vec()];
        assert!(cache.cosign_keys(&a, parse).is_ok());
        assert!(shared.cosign_keys(&a, parse).is_ok());
        assert_eq!(calls.get(), 1, "a clone (another session) reuses the parse");
        assert!(cache.cosign_keys(&b, parse).is_ok());
        assert_eq!(calls.get(), 2);
        // Failures are remembered too: the same bad material fails the same way, unparsed.
        let bad = [b"bad".to_vec()];
        let fail = || {
            calls.set(calls.get() + 1);
            Err((Code::KeyInvalid, String::from("no")))
        };
        assert!(cache.cosign_keys(&bad, fail).is_err());
        assert!(cache.cosign_keys(&bad, fail).is_err());
        assert_eq!(calls.get(), 3);
        // Splitting the same bytes differently is different material.
        let split = [b"key ".to_vec(), b"A".to_vec()];
        assert!(cache.cosign_keys(&split, parse).is_ok());
        assert_eq!(calls.get(), 4);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = KeyCache::default();
        for i in 0..(CAPACITY as u32 + 10) {
            let m = [i.to_be_bytes().to_vec()];
            assert!(cache.cosign_keys(&m, || Ok(Vec::new())).is_ok());
        }
        assert_eq!(cache.with(|inner| inner.cosign.0.len()), CAPACITY);
    }
}
