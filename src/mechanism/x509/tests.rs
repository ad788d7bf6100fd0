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
    let c = cert::parse(&root).unwrap();
    assert!(path::check_alone(&c, SIGNED_AT, CODE_SIGNING).is_ok());
    assert!(matches!(
        path::check_alone(&c, 1_000_000_000, CODE_SIGNING),
        Err(path::PathError::Expired(..))
    ));
    assert!(matches!(
        path::check_alone(&c, 2_300_000_000, CODE_SIGNING),
        Err(path::PathError::Expired(..))
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

/// The oracle: rustls-webpki (with sigwall's signature verifiers as its algorithms) and the two
/// checks Go makes that webpki leaves to its caller (the root's validity and extended key
/// usage): how sigwall validated paths before `path`.
mod oracle {
    use alloc::vec::Vec;
    use pki_types::{CertificateDer, TrustAnchor, UnixTime};

    struct Purpose(&'static [u8]);

    impl webpki::ExtendedKeyUsageValidator for Purpose {
        fn validate(&self, iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
            let mut listed = false;
            for id in iter {
                let id = id?;
                if id == webpki::KeyPurposeId::new(self.0)
                    || id == webpki::KeyPurposeId::new(super::ANY_PURPOSE)
                {
                    return Ok(());
                }
                listed = true;
            }
            if listed {
                Err(webpki::Error::EmptyEkuExtension)
            } else {
                Ok(())
            }
        }
    }

    pub(super) fn accepts(
        leaf: &[u8],
        pool: &super::Pool,
        at: u64,
        purpose: &'static [u8],
    ) -> bool {
        let time = UnixTime::since_unix_epoch(core::time::Duration::from_secs(at));
        let leaf = CertificateDer::from(leaf);
        let Ok(end_entity) = webpki::EndEntityCert::try_from(&leaf) else {
            return false;
        };
        let roots: Vec<CertificateDer<'_>> = pool
            .roots
            .iter()
            .map(|r| CertificateDer::from(r.as_slice()))
            .collect();
        let anchors: Vec<(TrustAnchor<'_>, &[u8])> = roots
            .iter()
            .filter_map(|r| {
                webpki::anchor_from_trusted_cert(r)
                    .ok()
                    .map(|a| (a, r.as_ref()))
            })
            .collect();
        let trust: Vec<TrustAnchor<'_>> = anchors.iter().map(|(a, _)| a.clone()).collect();
        let intermediates: Vec<CertificateDer<'_>> = pool
            .intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let root_checks = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            let anchor = path.anchor();
            let der = anchors
                .iter()
                .find(|(a, _)| {
                    a.subject == anchor.subject
                        && a.subject_public_key_info == anchor.subject_public_key_info
                })
                .map(|(_, d)| *d)
                .ok_or(webpki::Error::UnknownIssuer)?;
            let c = super::cert::parse(der).map_err(|_| webpki::Error::BadDer)?;
            super::path::check_alone(&c, at, purpose).map_err(|_| webpki::Error::UnknownIssuer)
        };
        end_entity
            .verify_for_usage(
                super::algorithms::ALL,
                &trust,
                &intermediates,
                time,
                Purpose(purpose),
                None,
                Some(&root_checks),
            )
            .is_ok()
    }
}

/// Every certificate of the keyless fixtures (made by fixtures/keyless/make.py: good chains,
/// expired and not yet valid ones, smuggled roots, TLS-only intermediates, missing usages),
/// validated at times around their signing, whole and with one byte of a signature changed:
/// `path` decides as webpki did.
#[test]
fn paths_are_decided_as_webpki_decided_them() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keyless");
    let mut pools = alloc::vec![pool()];
    pools.push(Pool {
        roots: certificate_pool_from_pem(&std::fs::read(format!("{dir}/pki/root.pem")).unwrap()),
        intermediates: certificates_from_pem(
            &std::fs::read(format!("{dir}/pki/intermediate.pem")).unwrap(),
        )
        .unwrap(),
    });
    let mut checked = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name == "cases.json" || name == "manifest.json" {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let annotations = &json["annotations"];
        let Some(leaf_pem) = annotations["dev.sigstore.cosign/certificate"].as_str() else {
            continue;
        };
        let leaf = certificates_from_pem(leaf_pem.as_bytes())
            .unwrap()
            .remove(0);
        let chain = annotations["dev.sigstore.cosign/chain"]
            .as_str()
            .map(|c| certificates_from_pem(c.as_bytes()).unwrap())
            .unwrap_or_default();
        let not_before = cert::parse(&leaf).unwrap().not_before;
        for base in &pools {
            let mut with_chain = base.clone();
            with_chain.intermediates.extend(chain.iter().cloned());
            for pool in [base, &with_chain] {
                let mut tampered = leaf.clone();
                let last = tampered.len() - 3;
                tampered[last] ^= 1;
                for candidate in [&leaf, &tampered] {
                    for at in [
                        not_before - 1,
                        not_before,
                        not_before + 300,
                        not_before + 601,
                        SIGNED_AT,
                        2_300_000_000,
                    ] {
                        for purpose in [CODE_SIGNING, TIME_STAMPING] {
                            let ours = path::validate(
                                candidate,
                                &pool.roots,
                                &pool.intermediates,
                                at,
                                purpose,
                            )
                            .is_ok();
                            assert_eq!(
                                ours,
                                oracle::accepts(candidate, pool, at, purpose),
                                "{name} at {at}"
                            );
                            checked += 1;
                            accepted += usize::from(ours);
                        }
                    }
                }
            }
        }
    }
    // Both outcomes were exercised, many times.
    assert!(
        checked > 1000 && accepted > 20 && accepted < checked / 2,
        "{accepted} of {checked}"
    );
}

#[test]
fn host_names_are_matched_as_go_matches_them() {
    let leaf = leaf_of(include_str!("../../../fixtures/keyless/pki-good.json"));
    let dns = Subject::read(&leaf).unwrap().dns_names;
    let host = dns.first().expect("the pki fixture's leaf names a host");
    assert!(path::valid_for_host(&leaf, host));
    assert!(path::valid_for_host(&leaf, &host.to_ascii_uppercase()));
    assert!(path::valid_for_host(&leaf, &format!("{host}.")));
    assert!(!path::valid_for_host(&leaf, &format!("x.{host}")));
    assert!(!path::valid_for_host(&leaf, &host[1..]));
    assert!(!path::valid_for_host(&leaf, "127.0.0.1"));
    assert!(!path::valid_for_host(&leaf, ""));
    // A root has no SANs: no host name is valid for it.
    let root = certificate_pool_from_pem(ROOT).remove(0);
    assert!(!path::valid_for_host(&root, host));
}
