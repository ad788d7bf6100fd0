//! The Rekor bundle (SET) verifier on arbitrary bundles, with the real log key of the fixtures
//! (private half gone): every input is refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::mechanism::cosign::CosignKey;
use sigwall::mechanism::rekor;

const REKOR: &[u8] = include_bytes!("../../fixtures/cosign-signed/rekor.pub");
const PAYLOAD: &[u8] = include_bytes!("../../fixtures/cosign-signed/payload-cosign.json");

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = core::str::from_utf8(data) else {
        return;
    };
    let keys = [CosignKey::from_pem(REKOR).expect("valid key")];
    assert!(rekor::verify(&keys, bundle, "MEUCIQ==", PAYLOAD).is_err());
});
