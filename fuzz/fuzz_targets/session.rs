//! A session fed arbitrary manifests and signatures under a fixed policy: errors or a verdict,
//! never a panic, and never an allowed verdict for a signedBy requirement (no signature can
//! verify without a trusted key).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::{Policy, Session, UnixTime};

fuzz_target!(|data: &[u8]| {
    let policy = Policy::parse(br#"{"default":[{"type":"reject"}],"transports":{"docker":{"a.example":[{"type":"signedBy","keyType":"GPGKeys","keyData":""}],"b.example":[{"type":"sigstoreSigned","keyData":""}]}}}"#).expect("valid");
    let mut parts = data.split(|b| *b == 0xff);
    for image in ["a.example/x:1", "b.example/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"] {
        let Ok(mut session) = Session::new(&policy, image, UnixTime(0)) else { return };
        while let Some(need) = session.next_need() {
            let result = match parts.next() {
                Some(p) => session.provide(need.id, p),
                None => session.provide_absent(need.id),
            };
            if result.is_err() {
                break;
            }
        }
        if let Ok(verdict) = session.finish() {
            assert!(!verdict.allowed);
            let _ = verdict.to_json();
        }
    }
});
