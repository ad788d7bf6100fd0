//! Arbitrary bytes as a policy: parse, and for valid policies lint, version, re-serialise (the
//! inlined form must parse, and be a fixed point of inlining) and look up a scope. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::{Policy, Reference};

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = Policy::parse(data) else {
        return;
    };
    let _ = policy.lint();
    let _ = policy.minimum_version();
    let read = |p: &str| Some(p.as_bytes().to_vec());
    let json = policy
        .to_json_inlined(&read)
        .expect("every path can be read");
    let again = Policy::parse(json.as_bytes()).expect("an inlined policy parses");
    assert!(again.key_paths().is_empty());
    // Inlining is idempotent: the self-contained form is a fixed point.
    assert_eq!(
        again.to_json_inlined(&read).expect("nothing left to read"),
        json
    );
    if let Ok(r) = Reference::parse_normalized("registry.example:5000/ns/app:1") {
        let _ = policy.requirements_for(&r);
    }
});
