use super::*;
use crate::error::Code;
use alloc::string::ToString;
use alloc::vec::Vec;
use proptest::prelude::*;

const EMPTY_SHA256: &str =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn parses_and_displays_the_same_string() {
    let d = Digest::parse(EMPTY_SHA256).unwrap();
    assert_eq!(d.algorithm(), Algorithm::Sha256);
    assert_eq!(d.as_bytes().len(), 32);
    assert_eq!(d.to_string(), EMPTY_SHA256);
    assert_eq!(d, Digest::sha256(b""));
}

#[test]
fn equality_is_on_the_value_not_the_algorithm_prefix() {
    let a = Digest::parse(&["sha256:", &"ab".repeat(32)].concat()).unwrap();
    let b = Digest::parse(&["sha512:", &"ab".repeat(32), &"00".repeat(32)].concat()).unwrap();
    // Same leading bytes, different algorithms: never equal.
    assert_ne!(a, b);
    assert_eq!(a.as_bytes(), b.as_bytes().get(..32).unwrap());
}

#[test]
fn error_kinds_follow_the_oci_grammar() {
    let code = |s: &str| Digest::parse(s).unwrap_err().code();
    assert_eq!(code("md5:abc"), Code::DigestUnsupported);
    assert_eq!(code("MD5:abc"), Code::DigestInvalid);
    assert_eq!(code("sha256:abc"), Code::DigestInvalid);
    assert_eq!(code("sha256:"), Code::DigestInvalid);
    assert_eq!(code("a+b.c_d-e:x=y"), Code::DigestUnsupported);
    assert_eq!(code("a++b:x"), Code::DigestInvalid);
}

#[test]
fn error_messages_shorten_long_input() {
    let long = ["sha256:", &"A".repeat(10_000)].concat();
    let msg = Digest::parse(&long).unwrap_err().to_string();
    assert!(msg.len() < 300, "{msg}");
    assert!(msg.contains('…'), "{msg}");
}

#[test]
fn verify_reports_expected_and_found() {
    let d = Digest::sha256(b"abc");
    assert_eq!(d.verify(b"abc"), Ok(()));
    let err = d.verify(b"abd").unwrap_err();
    assert_eq!(err.code(), Code::DigestMismatch);
    let msg = err.to_string();
    assert!(msg.contains(&d.to_string()), "{msg}");
    assert!(msg.contains(&Digest::sha256(b"abd").to_string()), "{msg}");
}

#[test]
fn verifier_stops_at_the_first_byte_past_the_size() {
    let mut v = DigestVerifier::new(Digest::sha256(b"abc"), Some(3));
    v.update(b"ab").unwrap();
    let err = v.update(b"cd").unwrap_err();
    assert_eq!(err.code(), Code::SizeMismatch);
    // Once failed, it stays failed: no later call can produce a success.
    assert_eq!(v.update(b"").unwrap_err().code(), Code::ApiMisuse);
    assert_eq!(v.finish().unwrap_err().code(), Code::ApiMisuse);
}

#[test]
fn verifier_cannot_be_finished_twice() {
    let mut v = DigestVerifier::new(Digest::sha256(b""), None);
    assert_eq!(v.finish().unwrap(), Digest::sha256(b""));
    assert_eq!(
        v.finish().unwrap_err(),
        Error::ApiMisuse(ApiMisuse::AlreadyFinished)
    );
    assert_eq!(v.update(b"x").unwrap_err().code(), Code::ApiMisuse);
}

#[test]
fn short_content_is_a_size_error_with_both_sizes() {
    let mut v = DigestVerifier::new(Digest::sha256(b"abc"), Some(3));
    v.update(b"ab").unwrap();
    let err = v.finish().unwrap_err();
    assert_eq!(
        err,
        Error::Digest(DigestError::TooShort {
            expected: 3,
            found: 2
        })
    );
    assert!(err.to_string().contains("after 2 bytes"));
}

fn hex_string(len: usize) -> impl Strategy<Value = alloc::string::String> {
    proptest::collection::vec(0u8..16, len).prop_map(|v| {
        v.into_iter()
            .map(|n| char::from_digit(n.into(), 16).unwrap())
            .collect()
    })
}

proptest! {
    #[test]
    fn any_string_parses_or_errors_without_panicking(s in any::<alloc::string::String>()) {
        let _ = Digest::parse(&s);
    }

    #[test]
    fn valid_digests_round_trip(hex in hex_string(64)) {
        let s = ["sha256:", &hex].concat();
        let d = Digest::parse(&s).unwrap();
        prop_assert_eq!(d.to_string(), s);
        prop_assert_eq!(d.hex(), hex);
    }

    #[test]
    fn one_changed_hex_digit_is_another_digest(hex in hex_string(128), at in 0usize..128) {
        let mut other: Vec<u8> = hex.clone().into_bytes();
        other[at] = if other[at] == b'0' { b'1' } else { b'0' };
        let a = Digest::parse(&["sha512:", &hex].concat()).unwrap();
        let b = Digest::parse(&["sha512:", core::str::from_utf8(&other).unwrap()].concat()).unwrap();
        prop_assert_ne!(a, b);
    }

    #[test]
    fn chunked_verification_equals_one_shot(
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(0usize..4096, 0..8),
        flip in proptest::option::of(0usize..4096),
    ) {
        let expected = Digest::sha256(&data);
        let mut content = data.clone();
        if let Some(i) = flip {
            if let Some(b) = content.get_mut(i) { *b ^= 1; }
        }
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(content.len())).collect();
        cuts.sort_unstable();
        let mut v = DigestVerifier::new(expected, Some(data.len() as u64));
        let mut start = 0;
        for cut in cuts.into_iter().chain([content.len()]) {
            v.update(&content[start..cut]).unwrap();
            start = cut;
        }
        let tampered = content != data;
        prop_assert_eq!(v.finish().is_ok(), !tampered);
    }
}
