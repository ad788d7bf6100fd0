//! The certificate reader against x509-cert's derived parser (RustCrypto), on every certificate
//! in the fixtures (the private instances', containers/image's, sigstore-conformance's and the
//! public-good roots, Fulcio leaves with SCTs among them) and on mutations of each.

use super::*;
use der::Encode as _;
use std::path::Path;

/// What a reader reads: validity, the key, the extensions (OID, value).
type Read = (u64, u64, Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>);

fn collect_json(value: &serde_json::Value, out: &mut Vec<Vec<u8>>) {
    match value {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                if let (true, Some(text)) = (k == "rawBytes", v.as_str()) {
                    if let Ok(bytes) = <base64ct::Base64 as base64ct::Encoding>::decode_vec(text) {
                        out.push(bytes);
                    }
                } else if let Some(text) = v.as_str().filter(|t| t.contains("BEGIN CERTIFICATE")) {
                    out.extend(
                        crate::mechanism::x509::certificates_from_pem(text.as_bytes())
                            .unwrap_or_default(),
                    );
                } else {
                    collect_json(v, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_json(v, out)),
        _ => {}
    }
}

fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "pem") {
            let text = std::fs::read(&path).unwrap();
            out.extend(crate::mechanism::x509::certificate_pool_from_pem(&text));
        } else if path.extension().is_some_and(|e| e == "json") {
            if let Ok(v) =
                serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap())
            {
                collect_json(&v, out);
            }
        }
    }
}

/// Every certificate (and other DER) the fixtures hold.
fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out.push(crate::mechanism::bundle::PUBLIC_GOOD.to_vec());
    let root: serde_json::Value =
        serde_json::from_slice(crate::mechanism::bundle::PUBLIC_GOOD).unwrap();
    collect_json(&root, &mut out);
    out.sort();
    out.dedup();
    out
}

/// What x509-cert reads, in this reader's terms.
fn theirs(der: &[u8]) -> Option<Read> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let tbs = &cert.tbs_certificate;
    let extensions = tbs
        .extensions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e.extn_id.as_bytes().to_vec(),
                e.extn_value.as_bytes().to_vec(),
            )
        })
        .collect();
    Some((
        tbs.validity.not_before.to_unix_duration().as_secs(),
        tbs.validity.not_after.to_unix_duration().as_secs(),
        tbs.subject_public_key_info.to_der().ok()?,
        extensions,
    ))
}

fn ours(der: &[u8]) -> Option<Read> {
    let c = parse(der).ok()?;
    Some((
        c.not_before,
        c.not_after,
        c.spki.to_vec(),
        c.extensions
            .iter()
            .map(|e| (e.oid.to_vec(), e.value.to_vec()))
            .collect(),
    ))
}

#[test]
fn reads_every_fixture_certificate_as_x509_cert_does() {
    let corpus = corpus();
    let mut certificates = 0;
    let mut with_scts = 0;
    for der in &corpus {
        let Some(want) = theirs(der) else {
            // Not a certificate to x509-cert (keys, other DER): not one to this reader either.
            assert!(
                parse(der).is_err(),
                "accepted what x509-cert refuses: {}",
                base16ct::lower::encode_string(der)
            );
            continue;
        };
        certificates += 1;
        assert_eq!(
            ours(der),
            Some(want),
            "{}",
            base16ct::lower::encode_string(der)
        );
        // The precertificate TBS, as x509-cert re-encodes it.
        const SCT: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
        let c = parse(der).unwrap();
        if c.extension(SCT).is_some() {
            with_scts += 1;
            let mut tbs = x509_cert::Certificate::from_der(der)
                .unwrap()
                .tbs_certificate;
            let kept: Vec<_> = tbs
                .extensions
                .take()
                .unwrap()
                .into_iter()
                .filter(|e| e.extn_id.as_bytes() != SCT)
                .collect();
            tbs.extensions = (!kept.is_empty()).then_some(kept);
            assert_eq!(c.tbs_without(SCT), tbs.to_der().unwrap());
        }
    }
    assert!(
        certificates >= 40,
        "only {certificates} certificates in the fixtures"
    );
    assert!(with_scts >= 10, "only {with_scts} certificates with SCTs");
}

#[test]
fn mutated_certificates_are_read_as_x509_cert_reads_them_or_refused() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let certificates: Vec<Vec<u8>> = corpus()
        .into_iter()
        .filter(|d| theirs(d).is_some())
        .collect();
    let mut both = 0;
    for der in &certificates {
        for _ in 0..300 {
            let mut m = der.clone();
            let at = (next() as usize) % m.len();
            match next() % 4 {
                0 => m[at] ^= 1 << (next() % 8),
                1 => m[at] = next() as u8,
                2 => m.truncate(at),
                _ => m.insert(at, next() as u8),
            }
            // Never a panic; and when both read it, they read the same.
            if let (Some(a), Some(b)) = (ours(&m), theirs(&m)) {
                assert_eq!(a, b);
                both += 1;
            }
        }
    }
    assert!(both > 1000, "{both}");
}

#[test]
fn hostile_shapes_are_refused() {
    let good = corpus().into_iter().find(|d| theirs(d).is_some()).unwrap();
    // Trailing data after the certificate.
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(parse(&trailing).is_err());
    // Not a certificate at all.
    for bad in [
        &[][..],
        &[0x30, 0x00],
        &[0x30, 0x80, 0x00, 0x00],
        &[0x04, 0x01, 0x00],
    ] {
        assert!(parse(bad).is_err());
    }
    // Duplicate extensions (Go refuses them).
    let c = parse(&good).unwrap();
    let first = c.extensions[0].der.to_vec();
    let mut all: Vec<u8> = c.extensions.iter().flat_map(|e| e.der.to_vec()).collect();
    all.extend_from_slice(&first);
    let mut body = c.tbs_head.to_vec();
    body.extend_from_slice(&tlv(0xa3, &tlv(0x30, &all)));
    let tbs = tlv(0x30, &body);
    let mut r = SliceReader::new(&good).unwrap();
    let outer = AnyRef::decode(&mut r).unwrap();
    let mut inner = SliceReader::new(outer.value()).unwrap();
    AnyRef::decode(&mut inner).unwrap();
    let rest = &outer.value()[outer.value().len() - remaining(&inner)..];
    let forged = tlv(0x30, &[tbs, rest.to_vec()].concat());
    assert_eq!(
        parse(&forged).unwrap_err(),
        "x509: certificate contains duplicate extensions"
    );
}

#[test]
fn alt_names_key_usage_and_eku() {
    // GeneralNames: rfc822Name, dNSName, URI, and an otherName that is skipped.
    let names = tlv(
        0x30,
        &[
            tlv(0x81, b"a@example.com"),
            tlv(0x82, b"example.com"),
            tlv(0x86, b"https://example.com/w"),
            tlv(0xa0, &tlv(0x06, &[0x2a])),
        ]
        .concat(),
    );
    let n = alt_names(&names).unwrap();
    assert_eq!(n.emails, ["a@example.com"]);
    assert_eq!(n.dns, ["example.com"]);
    assert_eq!(n.uris, ["https://example.com/w"]);
    // Not IA5: refused, not read.
    assert!(alt_names(&tlv(0x30, &tlv(0x81, "é@example.com".as_bytes()))).is_err());
    assert!(alt_names(&[0x30, 0x05]).is_err());
    // KeyUsage: digitalSignature is the first bit.
    assert!(allows_digital_signature(&[0x03, 0x02, 0x07, 0x80]));
    assert!(!allows_digital_signature(&[0x03, 0x02, 0x05, 0x20]));
    assert!(!allows_digital_signature(&[0x03, 0x01, 0x00]));
    // EKU lists.
    let code_signing: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
    let server: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
    let eku = tlv(0x30, &[tlv(0x06, server), tlv(0x06, code_signing)].concat());
    assert_eq!(eku_lists(&eku, &[code_signing]), Some((true, true)));
    assert_eq!(
        eku_lists(&tlv(0x30, &tlv(0x06, server)), &[code_signing]),
        Some((false, true))
    );
    assert_eq!(
        eku_lists(&tlv(0x30, &[]), &[code_signing]),
        Some((false, false))
    );
    assert_eq!(
        eku_lists(&tlv(0x30, &tlv(0x02, &[1])), &[code_signing]),
        None
    );
}
