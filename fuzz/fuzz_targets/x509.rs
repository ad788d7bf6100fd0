//! Arbitrary bytes as a certificate (DER) and as PEM text: read, and for a certificate that
//! reads, its Fulcio issuer; and as a leaf whose path is validated to the keyless fixtures' CA
//! (and, when it validates, checked against a host name). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::mechanism::x509::{
    certificate_pool_from_pem, certificates_from_pem, verify_code_signing, Pool, Subject,
};

const ROOT: &[u8] = include_bytes!("../../fixtures/keyless/ca/root.pem");
const INTERMEDIATE: &[u8] = include_bytes!("../../fixtures/keyless/ca/intermediate.pem");

fuzz_target!(|data: &[u8]| {
    if let Ok(subject) = Subject::read(data) {
        let _ = subject.fulcio_issuer();
        assert!(subject.not_before <= u64::MAX);
    }
    let _ = certificates_from_pem(data);
    let _ = certificate_pool_from_pem(data);
    let pool = Pool {
        roots: certificate_pool_from_pem(ROOT),
        intermediates: certificate_pool_from_pem(INTERMEDIATE),
    };
    if let Ok(leaf) = verify_code_signing(data, &pool, 1_748_779_200) {
        let _ = leaf.check_hostname("registry.example");
    }
    // The data as an intermediate under the fixture root: the search tries it.
    let with = Pool {
        intermediates: vec![data.to_vec()],
        ..pool
    };
    let _ = verify_code_signing(data, &with, 1_748_779_200);
});
