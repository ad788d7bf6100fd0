//! A session fed arbitrary manifests, signatures, signature manifests and blobs under a policy
//! with real trusted keys (OpenPGP and cosign): errors or a verdict, never a panic. The keys'
//! private halves are gone, so no input can produce a valid signature: an allowed verdict is a
//! bug.
#![no_main]

use base64ct::Encoding as _;
use libfuzzer_sys::fuzz_target;
use sigwall::{Policy, Session, UnixTime};

const PGP_KEY: &[u8] = include_bytes!("../../fixtures/pgp/rsa3072.gpg");
const COSIGN_KEY: &[u8] = include_bytes!("../../fixtures/cosign-signed/cosign.pub");

fuzz_target!(|data: &[u8]| {
    let policy = format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"a.example":[{{"type":"signedBy","keyType":"GPGKeys","keyData":"{}"}}],"b.example":[{{"type":"sigstoreSigned","keyData":"{}","signedIdentity":{{"type":"matchRepository"}}}}]}}}}}}"#,
        base64ct::Base64::encode_string(PGP_KEY),
        base64ct::Base64::encode_string(COSIGN_KEY)
    );
    let policy = Policy::parse(policy.as_bytes()).expect("valid");
    for image in [
        "a.example/x:1",
        "b.example/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "b.example/z:2",
    ] {
        let mut parts = data.split(|b| *b == 0xff);
        let Ok(mut session) = Session::new(&policy, image, UnixTime(0)) else {
            return;
        };
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
            assert!(!verdict.allowed, "{}", verdict.to_json());
            let _ = verdict.to_json();
        }
    }
});
