use super::*;

const P256: &[u8] = include_bytes!("../../../fixtures/cosign-key/p256.pub");
const P256_OTHER: &[u8] = include_bytes!("../../../fixtures/cosign-key/p256-other.pub");
const P384: &[u8] = include_bytes!("../../../fixtures/cosign-key/p384.pub");
const ED25519: &[u8] = include_bytes!("../../../fixtures/cosign-key/ed25519.pub");
const PAYLOAD: &[u8] = include_bytes!("../../../fixtures/cosign-key/payload.json");
const SIG: &str = include_str!("../../../fixtures/cosign-key/payload.sig.b64");
const FINGERPRINT: &str = include_str!("../../../fixtures/cosign-key/p256.fingerprint");

#[test]
fn an_openssl_signature_verifies_and_names_the_key() {
    let key = CosignKey::from_pem(P256).unwrap();
    assert!(key.verify(PAYLOAD, SIG).is_ok());
    assert_eq!(key.fingerprint(), FINGERPRINT.trim());
}

#[test]
fn anything_else_is_a_bad_signature() {
    let key = CosignKey::from_pem(P256).unwrap();
    let mut tampered = PAYLOAD.to_vec();
    tampered[10] ^= 1;
    assert_eq!(key.verify(&tampered, SIG).unwrap_err(), BadSignature);
    assert!(key.verify(PAYLOAD, "not base64!").is_err());
    assert!(key.verify(PAYLOAD, "").is_err());
    assert!(key.verify(PAYLOAD, "AAAA").is_err());
    // Raw r||s (64 bytes) instead of DER is refused, as cosign/containers/image refuse it.
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(SIG.trim()).unwrap();
    let raw = der::ecdsa_signature::<64>(&der).unwrap();
    let raw_b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(&raw);
    assert!(key.verify(PAYLOAD, &raw_b64).is_err());
    let other = CosignKey::from_pem(P256_OTHER).unwrap();
    assert!(other.verify(PAYLOAD, SIG).is_err());
}

#[test]
fn a_compressed_p256_key_is_invalid_as_go_finds_it() {
    // Go's crypto/x509 reads only uncompressed EC points; a key cosign and podman cannot load
    // must not be one sigwall trusts.
    let compressed = include_bytes!("../../../fixtures/cosign-key/p256-compressed.pub");
    assert_eq!(
        CosignKey::from_pem(compressed).unwrap_err(),
        KeyError::Invalid
    );
    assert!(!is_p256_pem(compressed));
}

macro_rules! fx {
    ($name:literal) => {
        include_bytes!(concat!("../../../fixtures/cosign-key/", $name))
    };
}

/// (key, its OpenSSL signature over PAYLOAD) for every type past P-256.
const MORE: [(&[u8], &[u8]); 6] = [
    (P384, fx!("payload.p384.sig.b64")),
    (fx!("p521.pub"), fx!("payload.p521.sig.b64")),
    (ED25519, fx!("payload.ed25519.sig.b64")),
    (fx!("rsa2048.pub"), fx!("payload.rsa2048.sig.b64")),
    (fx!("rsa4096.pub"), fx!("payload.rsa4096.sig.b64")),
    (fx!("rsa8192.pub"), fx!("payload.rsa8192.sig.b64")),
];

#[cfg(feature = "keys")]
fn text(b: &[u8]) -> &str {
    core::str::from_utf8(b).unwrap()
}

#[cfg(not(feature = "keys"))]
#[test]
fn the_core_knows_other_key_types_but_does_not_verify_with_them() {
    for (key, _) in MORE {
        assert_eq!(CosignKey::from_pem(key).unwrap_err(), KeyError::Unsupported);
        assert!(!is_p256_pem(key));
    }
    assert!(is_p256_pem(P256));
}

#[cfg(feature = "keys")]
#[test]
fn every_key_type_cosign_loads_verifies_openssl_signatures() {
    for (i, (key, sig)) in MORE.iter().enumerate() {
        let key = CosignKey::from_pem(key).unwrap();
        assert!(key.verify(PAYLOAD, text(sig)).is_ok(), "key {i}");
        let mut tampered = PAYLOAD.to_vec();
        tampered[10] ^= 1;
        assert_eq!(key.verify(&tampered, text(sig)).unwrap_err(), BadSignature);
        // Another key's signature, of another type or size.
        let (_, other) = MORE[(i + 1) % MORE.len()];
        assert!(key.verify(PAYLOAD, text(other)).is_err(), "key {i}");
        assert!(key.verify(PAYLOAD, SIG).is_err(), "key {i}");
    }
    // RSA-PSS: containers/image verifies RSA keys with PKCS #1 v1.5 only.
    let rsa = CosignKey::from_pem(fx!("rsa2048.pub")).unwrap();
    assert!(rsa
        .verify(PAYLOAD, text(fx!("payload.rsa2048-pss.sig.b64")))
        .is_err());
    // The P-256 path is the same as in the core.
    assert!(is_p256_pem(P256) && !is_p256_pem(P384));
}

/// Go's crypto/rsa (1.24+) refuses RSA keys under 1024 bits and exponents above 2^31 - 1, so
/// cosign and podman cannot verify with them; sigwall accepted both before.
#[cfg(feature = "keys")]
#[test]
fn rsa_keys_go_refuses_are_key_errors() {
    use sigwall_rsa::KeyRejected;
    assert_eq!(
        CosignKey::from_pem(fx!("rsa768.pub")).unwrap_err(),
        KeyError::Rsa(KeyRejected::ModulusTooShort { bits: 768 })
    );
    let large = CosignKey::from_pem(fx!("rsa-e-large.pub")).unwrap_err();
    assert_eq!(large, KeyError::Rsa(KeyRejected::ExponentTooLarge));
    assert_eq!(
        alloc::format!("{large}"),
        "RSA public exponent is above 2^31 - 1"
    );
}

#[test]
fn ecdsa_signatures_must_be_strict_der() {
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(SIG.trim()).unwrap();
    let key = CosignKey::from_pem(P256).unwrap();
    let b64 = |b: &[u8]| <base64ct::Base64 as base64ct::Encoding>::encode_string(b);
    assert!(key.verify(PAYLOAD, &b64(&der)).is_ok());
    // Trailing bytes, a wrong outer tag, a long-form length where short form fits, a truncated
    // sequence, a non-minimal (zero-padded) integer.
    let mut trailing = der.clone();
    trailing.push(0);
    let mut tag = der.clone();
    tag[0] = 0x31;
    let mut long = alloc::vec![0x30, 0x81, der[1]];
    long.extend_from_slice(&der[2..]);
    let (r_len, r) = (usize::from(der[3]), &der[4..4 + usize::from(der[3])]);
    let s_part = &der[4 + r_len..];
    let mut padded = alloc::vec![0x30, der[1] + 1, 0x02, der[3] + 1, 0x00];
    padded.extend_from_slice(r);
    padded.extend_from_slice(s_part);
    for bad in [&trailing[..], &tag, &long, &der[..der.len() - 1], &padded] {
        assert_eq!(key.verify(PAYLOAD, &b64(bad)).unwrap_err(), BadSignature);
    }
    // The reader itself: a negative integer and an empty one.
    assert!(
        der::ecdsa_signature::<64>(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01]).is_none()
    );
    assert!(der::ecdsa_signature::<64>(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01]).is_none());
    assert!(
        der::ecdsa_signature::<64>(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]).is_some()
    );
}

#[test]
fn key_errors_are_typed() {
    for bad in [
        &b""[..],
        b"nonsense",
        b"\xff\xfe",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ] {
        assert_eq!(CosignKey::from_pem(bad).unwrap_err(), KeyError::Invalid);
    }
    let private = b"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
    assert_eq!(CosignKey::from_pem(private).unwrap_err(), KeyError::Invalid);
}
