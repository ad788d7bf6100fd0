//! Arbitrary strings as docker references: parsing never panics, normalisation is idempotent,
//! and signedIdentity matching against any claim never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::policy::{remap, SignedIdentity};
use sigwall::{ImageName, Reference};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ImageName::parse(s);
    let mid = (0..=s.len() / 2)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    let (left, right) = s.split_at(mid);
    if let Ok(r) = Reference::parse_normalized(s) {
        let text = r.to_string();
        let again = Reference::parse_normalized(&text).expect("a normalised reference parses");
        assert_eq!(again, r);
        assert!(Reference::parse_canonical(&text).is_ok());
        for identity in [
            SignedIdentity::MatchExact,
            SignedIdentity::MatchRepoDigestOrExact,
            SignedIdentity::MatchRepository,
        ] {
            let _ = identity.matches(&r, right);
            assert!(!identity.matches(&r, ""));
        }
        let _ = remap(&r, left, right);
    }
});
