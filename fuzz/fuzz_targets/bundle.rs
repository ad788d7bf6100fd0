//! Arbitrary bytes as a Sigstore bundle, checked against the private instance's trusted root
//! (fixtures/bundles) for its artifact, by a signer no bundle of that instance names: errors,
//! never a panic, never "verified" (no input can make a certificate for that identity).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::mechanism::bundle::{verify, Artifact, Expected, TrustedRoot};

const ROOT: &[u8] = include_bytes!("../../fixtures/bundles/trusted_root.json");
const ARTIFACT: &[u8] = include_bytes!("../../fixtures/bundles/artifact.txt");

fuzz_target!(|data: &[u8]| {
    let root = TrustedRoot::parse(ROOT).expect("the fixture root parses");
    let expected = Expected::Certificate {
        identity: "nobody@example.com".into(),
        issuer: "https://oidc.example".into(),
    };
    for artifact in [
        Artifact::Bytes(ARTIFACT),
        Artifact::Sha256([7; 32]),
        Artifact::Sha512([7; 64]),
    ] {
        assert!(verify(data, &root, &artifact, &expected).is_err());
    }
    // The bytes as a trusted root, too.
    let _ = TrustedRoot::parse(data);
});
