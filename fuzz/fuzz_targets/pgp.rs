//! The OpenPGP path on arbitrary bytes: as a signature checked against real keyrings (binary and
//! armored), and as a keyring. A panic here would trap the wasm module, so any is a bug. No
//! input can verify: the private keys are gone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::mechanism::pgp::Keyring;

const KEYS: [&[u8]; 3] = [
    include_bytes!("../../fixtures/pgp/rsa3072.gpg"),
    include_bytes!("../../fixtures/pgp/ed25519.asc"),
    include_bytes!("../../fixtures/pgp/subkey.gpg"),
];

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static RING: Keyring = Keyring::parse(&KEYS.map(<[u8]>::to_vec)).expect("fixture keyrings parse");
    }
    RING.with(|ring| {
        if let Ok(v) = ring.verify(data, 1_900_000_000) {
            // Only the committed fixture signatures can verify; they sign a 200-odd byte payload.
            assert!(v.content.len() < 1024);
        }
    });
    if let Ok(ring) = Keyring::parse(&[data.to_vec()]) {
        let _ = ring.verify(include_bytes!("../../fixtures/pgp/rsa3072.sig"), 0);
    }
});
