use super::*;
use crate::digest::Digest;
use alloc::collections::BTreeSet;
use alloc::string::ToString;

/// `DigestMismatch` -> `DIGEST_MISMATCH`: the spelling every code must have.
fn screaming_snake(variant: &str) -> alloc::string::String {
    let mut out = alloc::string::String::new();
    for (i, ch) in variant.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

#[test]
fn every_code_is_its_variant_name_in_screaming_snake_case() {
    assert!(!Code::ALL.is_empty());
    for code in Code::ALL {
        let variant = alloc::format!("{code:?}");
        assert_eq!(code.as_str(), screaming_snake(&variant), "{variant}");
        assert_eq!(code.to_string(), code.as_str());
    }
}

#[test]
fn codes_are_unique() {
    let set: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(set.len(), Code::ALL.len());
}

#[test]
fn every_error_variant_maps_to_its_code() {
    let d = Digest::sha256(b"");
    let cases: &[(Error, &str)] = &[
        (
            DigestError::Invalid {
                input: "x".into(),
                reason: "r",
            }
            .into(),
            "DIGEST_INVALID",
        ),
        (
            DigestError::Unsupported {
                algorithm: "md5".into(),
            }
            .into(),
            "DIGEST_UNSUPPORTED",
        ),
        (
            DigestError::Mismatch {
                expected: d.into(),
                found: d.into(),
            }
            .into(),
            "DIGEST_MISMATCH",
        ),
        (
            DigestError::TooShort {
                expected: 2,
                found: 1,
            }
            .into(),
            "SIZE_MISMATCH",
        ),
        (DigestError::TooLong { expected: 2 }.into(), "SIZE_MISMATCH"),
        (ApiMisuse::AlreadyFinished.into(), "API_MISUSE"),
        (ApiMisuse::InvalidSize.into(), "API_MISUSE"),
        (
            ReferenceError {
                input: "X".into(),
                reason: "r",
            }
            .into(),
            "REFERENCE_INVALID",
        ),
        (
            PolicyError {
                path: "default".into(),
                message: "m".into(),
            }
            .into(),
            "POLICY_INVALID",
        ),
        (ApiMisuse::UnknownNeed.into(), "API_MISUSE"),
        (ApiMisuse::NotReady.into(), "API_MISUSE"),
        (ApiMisuse::InvalidPlatform.into(), "API_MISUSE"),
        (
            ManifestError::Unknown {
                image: "a/b:c".into(),
            }
            .into(),
            "MANIFEST_UNKNOWN",
        ),
        (
            ManifestError::TooLarge { size: 9 }.into(),
            "MANIFEST_INVALID",
        ),
        (
            ManifestError::Invalid { reason: "r".into() }.into(),
            "MANIFEST_INVALID",
        ),
        (
            ManifestError::NoInstance {
                reason: "choosing an image from the image index: no image found".into(),
            }
            .into(),
            "MANIFEST_UNKNOWN",
        ),
    ];
    for (error, code) in cases {
        assert_eq!(error.code().as_str(), *code, "{error:?}");
        // Display style: lowercase start, no trailing period.
        let msg = error.to_string();
        assert!(
            msg.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{msg}"
        );
        assert!(!msg.ends_with('.'), "{msg}");
    }
    // Every code is produced by at least one error variant above, or is a verdict code
    // (produced by the evaluation, tested in eval and session tests).
    let verdict_codes = [
        "REJECTED_BY_POLICY",
        "NO_SIGNATURES",
        "NO_ACCEPTED_SIGNATURE",
        "INTERNAL",
        "SIGNATURE_INVALID",
        "BAD_SIGNATURE",
        "PAYLOAD_INVALID",
        "IDENTITY_MISMATCH",
        "KEY_INVALID",
        "KEY_FILE_MISSING",
        "KEY_REVOKED",
        "KEY_EXPIRED",
        "SIGNATURE_EXPIRED",
        "UNSUPPORTED",
        "UNSUPPORTED_FORMAT",
        "CERTIFICATE_INVALID",
        "CERTIFICATE_MISMATCH",
        // Bundle verification's (tests/bundles.rs, tests/conformance.rs).
        "LOG_ENTRY_INVALID",
    ];
    let used: BTreeSet<&str> = cases.iter().map(|(_, c)| *c).chain(verdict_codes).collect();
    let all: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(used, all);
}

#[test]
fn excerpt_keeps_short_input_and_cuts_long_input_on_a_char_boundary() {
    assert_eq!(excerpt("abc"), "abc");
    let long = "é".repeat(200);
    let cut = excerpt(&long);
    assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
    assert!(cut.ends_with('…'));
}
