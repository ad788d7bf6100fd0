//! Path validation on certificates made here, one rule at a time (Go's `x509.Verify` rules),
//! signed with P-256 keys by the `p256` crate.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use alloc::vec;
use alloc::vec::Vec;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};

use super::*;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n @ 0..=0x7f => out.push(n as u8),
        n @ 0x80..=0xff => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// ecdsa-with-SHA256.
const ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// Ed25519 as the signature algorithm (for a P-256 issuer: the wrong kind of key).
const ED25519_ALG: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
/// 2025-01-01 to 2035-01-01.
const VALIDITY: &[u8] = b"\x30\x1e\x17\x0d250101000000Z\x17\x0d350101000000Z";
const AT: u64 = 1_800_000_000;

fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[&[0x06, 0x03, 0x55, 0x04, 0x03], &tlv(0x0c, cn.as_bytes())]);
    seq(&[&tlv(0x31, &atv)])
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32].into()).unwrap()
}

fn spki(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let mut out =
        base16ct::lower::decode_vec("3059301306072a8648ce3d020106082a8648ce3d030107034200")
            .unwrap();
    out.extend_from_slice(point.as_bytes());
    out
}

fn ext(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let crit: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    seq(&[&tlv(0x06, oid), crit, &tlv(0x04, value)])
}

fn ca(path_len: Option<u8>) -> Vec<u8> {
    let len = path_len.map(|n| vec![0x02, 0x01, n]).unwrap_or_default();
    ext(
        &[0x55, 0x1d, 0x13],
        true,
        &seq(&[&[0x01, 0x01, 0xff], &len]),
    )
}

fn key_usage(byte: u8) -> Vec<u8> {
    ext(&[0x55, 0x1d, 0x0f], true, &[0x03, 0x02, 0x01, byte])
}

const CERT_SIGN: u8 = 0x06;
const DIGITAL_SIGNATURE: u8 = 0x80;

fn eku(purpose: &[u8]) -> Vec<u8> {
    ext(&[0x55, 0x1d, 0x25], false, &seq(&[&tlv(0x06, purpose)]))
}

/// A certificate for `subject` (its key `key`) issued by `issuer` (signed with `signer`), v3
/// with `exts`, or v1 when `exts` is None.
fn make(
    subject: &str,
    key: &SigningKey,
    issuer: &str,
    signer: &SigningKey,
    exts: Option<&[Vec<u8>]>,
    alg: &[u8],
) -> Vec<u8> {
    let version: Vec<u8> = if exts.is_some() {
        vec![0xa0, 0x03, 0x02, 0x01, 0x02]
    } else {
        Vec::new()
    };
    let extensions = exts
        .map(|e| tlv(0xa3, &seq(&e.iter().map(Vec::as_slice).collect::<Vec<_>>())))
        .unwrap_or_default();
    let tbs = seq(&[
        &version,
        &[0x02, 0x01, 0x07],
        alg,
        &name(issuer),
        VALIDITY,
        &name(subject),
        &spki(key),
        &extensions,
    ]);
    let signature: Signature = signer.sign(&tbs);
    let bits = [&[0u8][..], signature.to_der().as_bytes()].concat();
    seq(&[&tbs, alg, &tlv(0x03, &bits)])
}

struct World {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    leaf: Vec<u8>,
}

/// root (keys 1) → intermediate (2) → leaf (3), with the extensions given for each.
fn world(root: Option<&[Vec<u8>]>, intermediate: &[Vec<u8>], leaf: &[Vec<u8>]) -> World {
    World {
        root: make("root", &key(1), "root", &key(1), root, ECDSA_SHA256),
        intermediate: make(
            "intermediate",
            &key(2),
            "root",
            &key(1),
            Some(intermediate),
            ECDSA_SHA256,
        ),
        leaf: make(
            "leaf",
            &key(3),
            "intermediate",
            &key(2),
            Some(leaf),
            ECDSA_SHA256,
        ),
    }
}

fn good_root() -> Vec<Vec<u8>> {
    vec![ca(None), key_usage(CERT_SIGN)]
}

fn run(w: &World) -> Result<Path, PathError> {
    validate(
        &w.leaf,
        core::slice::from_ref(&w.root),
        core::slice::from_ref(&w.intermediate),
        AT,
        super::super::CODE_SIGNING,
    )
}

fn code_signing() -> Vec<u8> {
    eku(super::super::CODE_SIGNING)
}

#[test]
fn a_good_path_validates_and_names_the_leaf_s_issuer() {
    let w = world(Some(&good_root()), &[ca(None)], &[code_signing()]);
    let path = run(&w).unwrap();
    assert_eq!(path.issuer_spki, spki(&key(2)));
    // Not before 2025, not after 2035; the bounds themselves are inside.
    assert!(matches!(
        validate(
            &w.leaf,
            core::slice::from_ref(&w.root),
            core::slice::from_ref(&w.intermediate),
            1_700_000_000,
            super::super::CODE_SIGNING
        ),
        Err(PathError::Expired(..))
    ));
    assert!(validate(
        &w.leaf,
        core::slice::from_ref(&w.root),
        core::slice::from_ref(&w.intermediate),
        1_735_689_600,
        super::super::CODE_SIGNING
    )
    .is_ok());
    // For time stamping, the leaf's code-signing-only EKU does not do.
    assert_eq!(
        validate(
            &w.leaf,
            core::slice::from_ref(&w.root),
            core::slice::from_ref(&w.intermediate),
            AT,
            super::super::TIME_STAMPING
        )
        .err(),
        Some(PathError::Usage)
    );
}

#[test]
fn issuers_must_be_cas_that_may_sign_certificates() {
    // An intermediate without basic constraints, or with cA unset.
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[key_usage(CERT_SIGN)],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::NotAuthorizedToSign)
    );
    let not_ca = ext(&[0x55, 0x1d, 0x13], true, &seq(&[]));
    assert_eq!(
        run(&world(Some(&good_root()), &[not_ca], &[code_signing()])).err(),
        Some(PathError::NotAuthorizedToSign)
    );
    // A key usage without keyCertSign (Go's CheckSignatureFrom).
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[ca(None), key_usage(DIGITAL_SIGNATURE)],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::NotAuthorizedToSign)
    );
    // A v3 root without basic constraints may not sign; a v1 root (no extensions) may, as in Go.
    assert_eq!(
        run(&world(
            Some(&[key_usage(CERT_SIGN)]),
            &[ca(None)],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::NotAuthorizedToSign)
    );
    assert!(run(&world(None, &[ca(None)], &[code_signing()])).is_ok());
    // A leaf that is a CA is refused (stricter than Go, as webpki was).
    assert_eq!(
        run(&world(Some(&good_root()), &[ca(None)], &[ca(None)])).err(),
        Some(PathError::CaAsLeaf)
    );
}

#[test]
fn path_length_constraints_bound_the_intermediates_below() {
    let zero = world(
        Some(&[ca(Some(0)), key_usage(CERT_SIGN)]),
        &[ca(None)],
        &[code_signing()],
    );
    assert_eq!(run(&zero).err(), Some(PathError::PathLength));
    let one = world(
        Some(&[ca(Some(1)), key_usage(CERT_SIGN)]),
        &[ca(None)],
        &[code_signing()],
    );
    assert!(run(&one).is_ok());
    // The intermediate's own pathLen 0 allows the leaf right under it.
    assert!(run(&world(
        Some(&good_root()),
        &[ca(Some(0))],
        &[code_signing()]
    ))
    .is_ok());
}

#[test]
fn extensions_sigwall_does_not_process_are_refused_when_critical() {
    let unknown = |critical| ext(&[0x2a, 0x03, 0x04], critical, &[0x05, 0x00]);
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[ca(None)],
            &[code_signing(), unknown(true)]
        ))
        .err(),
        Some(PathError::CriticalExtension)
    );
    assert!(run(&world(
        Some(&good_root()),
        &[ca(None)],
        &[code_signing(), unknown(false)]
    ))
    .is_ok());
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[ca(None), unknown(true)],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::CriticalExtension)
    );
    // Name constraints, even empty and not critical, are refused wherever they are.
    let nc = ext(&[0x55, 0x1d, 0x1e], false, &seq(&[]));
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[ca(None), nc],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::NameConstraints)
    );
    // An intermediate for TLS servers only does not pass code signing on.
    let server_auth = eku(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]);
    assert_eq!(
        run(&world(
            Some(&good_root()),
            &[ca(None), server_auth],
            &[code_signing()]
        ))
        .err(),
        Some(PathError::Usage)
    );
}

#[test]
fn signatures_must_verify_with_the_issuer_s_key_of_the_algorithm_s_kind() {
    let mut w = world(Some(&good_root()), &[ca(None)], &[code_signing()]);
    // The intermediate signed by another key than the root's.
    w.intermediate = make(
        "intermediate",
        &key(2),
        "root",
        &key(9),
        Some(&[ca(None)]),
        ECDSA_SHA256,
    );
    assert_eq!(run(&w).err(), Some(PathError::BadSignature));
    // A leaf whose algorithm names Ed25519 under a P-256 issuer.
    let mut w = world(Some(&good_root()), &[ca(None)], &[code_signing()]);
    w.leaf = make(
        "leaf",
        &key(3),
        "intermediate",
        &key(2),
        Some(&[code_signing()]),
        ED25519_ALG,
    );
    assert_eq!(run(&w).err(), Some(PathError::UnsupportedAlgorithm));
    // No certificate of the issuer's name at all.
    let w = world(Some(&good_root()), &[ca(None)], &[code_signing()]);
    assert_eq!(
        validate(
            &w.leaf,
            core::slice::from_ref(&w.root),
            &[],
            AT,
            super::super::CODE_SIGNING
        )
        .err(),
        Some(PathError::UnknownIssuer)
    );
}

#[test]
fn hostile_pools_end_the_search() {
    let w = world(Some(&good_root()), &[ca(None)], &[code_signing()]);
    // Two intermediates that issued each other, and no way to the root: a loop is not walked.
    let a = make(
        "intermediate",
        &key(2),
        "other",
        &key(4),
        Some(&[ca(None)]),
        ECDSA_SHA256,
    );
    let b = make(
        "other",
        &key(4),
        "intermediate",
        &key(2),
        Some(&[ca(None)]),
        ECDSA_SHA256,
    );
    assert!(validate(
        &w.leaf,
        core::slice::from_ref(&w.root),
        &[a, b],
        AT,
        super::super::CODE_SIGNING
    )
    .is_err());
    // Two hundred certificates with the issuer's name and other keys, before the real one:
    // the search stops at its signature budget.
    let mut pool: Vec<Vec<u8>> = (0..200u8)
        .map(|i| {
            make(
                "intermediate",
                &key(i.wrapping_add(10)),
                "root",
                &key(1),
                Some(&[ca(None)]),
                ECDSA_SHA256,
            )
        })
        .collect();
    pool.push(w.intermediate.clone());
    assert_eq!(
        validate(
            &w.leaf,
            core::slice::from_ref(&w.root),
            &pool,
            AT,
            super::super::CODE_SIGNING
        )
        .err(),
        Some(PathError::TooComplex)
    );
    // A chain of more intermediates than allowed, each signing the next.
    let keys: Vec<SigningKey> = (0..12u8).map(|i| key(i + 40)).collect();
    let mut chain = Vec::new();
    let mut issuer = ("root", key(1));
    let names: Vec<alloc::string::String> = (0..12).map(|i| alloc::format!("level {i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        chain.push(make(
            &names[i],
            k,
            issuer.0,
            &issuer.1,
            Some(&[ca(None)]),
            ECDSA_SHA256,
        ));
        issuer = (&names[i], k.clone());
    }
    let leaf = make(
        "leaf",
        &key(3),
        issuer.0,
        &issuer.1,
        Some(&[code_signing()]),
        ECDSA_SHA256,
    );
    assert_eq!(
        validate(
            &leaf,
            core::slice::from_ref(&w.root),
            &chain,
            AT,
            super::super::CODE_SIGNING
        )
        .err(),
        Some(PathError::TooComplex)
    );
    assert!(validate(
        &leaf,
        core::slice::from_ref(&w.root),
        &chain[..0],
        AT,
        super::super::CODE_SIGNING
    )
    .is_err());
}
