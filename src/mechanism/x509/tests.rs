#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

const ROOT: &[u8] = include_bytes!("../../../fixtures/keyless/ca/root.pem");
const INTERMEDIATE: &[u8] = include_bytes!("../../../fixtures/keyless/ca/intermediate.pem");
const GOOD: &str = include_str!("../../../fixtures/keyless/good.json");
const SIGNED_AT: u64 = 1_748_779_200;

fn leaf_of(signature: &str) -> Vec<u8> {
    let json: serde_json::Value = serde_json::from_str(signature).unwrap();
    let pem = json["annotations"]["dev.sigstore.cosign/certificate"]
        .as_str()
        .unwrap();
    certificates_from_pem(pem.as_bytes()).unwrap().remove(0)
}

fn pool() -> Pool {
    Pool {
        roots: certificate_pool_from_pem(ROOT),
        intermediates: certificates_from_pem(INTERMEDIATE).unwrap(),
    }
}

#[test]
fn pem_is_read_as_go_reads_it() {
    let root = core::str::from_utf8(ROOT).unwrap();
    // Text before a block, and other blocks, are skipped in a CA file; a block with headers
    // too (Go's AppendCertsFromPEM).
    let with_junk =
        format!("some text\n{root}-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    assert_eq!(certificate_pool_from_pem(with_junk.as_bytes()).len(), 1);
    let with_headers = root.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1);
    assert!(certificate_pool_from_pem(with_headers.as_bytes()).is_empty());
    // Any line length.
    let body: String = root.lines().filter(|l| !l.starts_with("-----")).collect();
    let long = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
    assert_eq!(certificates_from_pem(long.as_bytes()).unwrap().len(), 1);
    // An annotation must be nothing but certificates, of any label.
    assert!(certificates_from_pem(with_junk.as_bytes()).is_err());
    let relabelled = root.replace("CERTIFICATE", "TRUSTED THING");
    assert_eq!(
        certificates_from_pem(relabelled.as_bytes()).unwrap().len(),
        1
    );
    assert!(certificates_from_pem(b"  \n").unwrap().is_empty());
    // One block and nothing after it, for the SET comparison.
    assert!(single_pem_der(ROOT).is_ok());
    assert_eq!(
        single_pem_der(format!("{root}\n").as_bytes()),
        Err("has trailing data")
    );
}

#[test]
fn a_fulcio_leaf_verifies_only_at_its_signing_time() {
    let leaf = leaf_of(GOOD);
    assert!(verify_code_signing(&leaf, &pool(), SIGNED_AT).is_ok());
    let late = verify_code_signing(&leaf, &pool(), SIGNED_AT + 3600).unwrap_err();
    assert!(late.contains("expired or is not yet valid"), "{late}");
    let early = verify_code_signing(&leaf, &pool(), SIGNED_AT - 3600).unwrap_err();
    assert!(early.contains("expired or is not yet valid"), "{early}");
    // Without its intermediate, or with the intermediate as the only root.
    let bare = Pool {
        roots: pool().roots,
        intermediates: Vec::new(),
    };
    assert!(verify_code_signing(&leaf, &bare, SIGNED_AT)
        .unwrap_err()
        .contains("unknown authority"));
    let intermediate_root = Pool {
        roots: certificate_pool_from_pem(INTERMEDIATE),
        intermediates: Vec::new(),
    };
    assert!(verify_code_signing(&leaf, &intermediate_root, SIGNED_AT).is_ok());
    // A root outside its validity is no root (Go checks it; webpki leaves it to us).
    assert!(verify_code_signing(&leaf, &pool(), 2_300_000_000).is_err());
}

#[test]
fn a_root_is_checked_for_time_and_purpose() {
    let root = certificate_pool_from_pem(ROOT).remove(0);
    assert!(check_root(&root, SIGNED_AT, Purpose(CODE_SIGNING)).is_ok());
    assert!(matches!(
        check_root(&root, 1_000_000_000, Purpose(CODE_SIGNING)),
        Err(webpki::Error::CertNotValidYet { .. })
    ));
    assert!(matches!(
        check_root(&root, 2_300_000_000, Purpose(CODE_SIGNING)),
        Err(webpki::Error::CertExpired { .. })
    ));
}

#[test]
fn the_subject_is_read_from_the_leaf() {
    let subject = Subject::read(&leaf_of(GOOD)).unwrap();
    assert_eq!(subject.emails, ["signer@example.com"]);
    assert!(subject.uris.is_empty());
    assert_eq!(subject.fulcio_issuer().unwrap(), "https://oidc.example");
    assert_eq!(subject.not_after - subject.not_before, 600);
}

#[test]
fn the_issuer_extensions_are_checked_as_containers_image_does() {
    let mut subject = Subject::read(&leaf_of(GOOD)).unwrap();
    subject.issuer_v1 = Some(b"https://other.example".to_vec());
    assert!(subject
        .fulcio_issuer()
        .unwrap_err()
        .starts_with("inconsistent OIDC issuer extension values"));
    subject.issuer_v1 = None;
    subject.issuer_v2 = Some(b"\x0c\x03abc\x00".to_vec());
    assert!(subject
        .fulcio_issuer()
        .unwrap_err()
        .contains("trailing data"));
    subject.issuer_v2 = Some(b"\x13\x03abc".to_vec());
    assert_eq!(subject.fulcio_issuer().unwrap(), "abc");
    subject.issuer_v2 = Some(b"\x04\x03abc".to_vec());
    assert!(subject
        .fulcio_issuer()
        .unwrap_err()
        .starts_with("invalid ASN.1"));
    subject.issuer_v2 = None;
    assert_eq!(
        subject.fulcio_issuer().unwrap_err(),
        "Fulcio certificate is missing the issuer extension"
    );
    subject.issuer_v1 = Some(alloc::vec![0xff]);
    assert!(subject.fulcio_issuer().is_err());
}
