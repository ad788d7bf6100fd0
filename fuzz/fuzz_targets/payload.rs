//! The simple-signing / cosign payload parser on arbitrary bytes, as both payload types: a
//! typed error or a payload whose fields hold what the bytes said, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::payload::{fuzz_accept, PayloadType};

fuzz_target!(|data: &[u8]| {
    for kind in [PayloadType::Atomic, PayloadType::Cosign] {
        if let Ok(payload) = fuzz_accept(data, kind) {
            // Anything accepted was valid UTF-8 JSON naming a digest and a reference.
            assert!(core::str::from_utf8(data).is_ok());
            let _ = payload.docker_reference().len();
            let _ = payload.docker_manifest_digest().to_string();
        }
    }
});
