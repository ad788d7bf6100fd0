//! Arbitrary bytes as a certificate (DER) and as PEM text: read, and for a certificate that
//! reads, its Fulcio issuer. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::mechanism::x509::{certificate_pool_from_pem, certificates_from_pem, Subject};

fuzz_target!(|data: &[u8]| {
    if let Ok(subject) = Subject::read(data) {
        let _ = subject.fulcio_issuer();
        assert!(subject.not_before <= u64::MAX);
    }
    let _ = certificates_from_pem(data);
    let _ = certificate_pool_from_pem(data);
});
