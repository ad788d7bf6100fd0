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
    let raw = p256::ecdsa::Signature::from_der(&der).unwrap().to_bytes();
    let raw_b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(&raw);
    assert!(key.verify(PAYLOAD, &raw_b64).is_err());
    let other = CosignKey::from_pem(P256_OTHER).unwrap();
    assert!(other.verify(PAYLOAD, SIG).is_err());
}

#[test]
fn key_errors_are_typed() {
    assert_eq!(
        CosignKey::from_pem(P384).unwrap_err(),
        KeyError::Unsupported
    );
    assert_eq!(
        CosignKey::from_pem(ED25519).unwrap_err(),
        KeyError::Unsupported
    );
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
