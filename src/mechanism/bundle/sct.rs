//! Signed certificate timestamps embedded in a certificate (RFC 6962 §3.3): the CT log's
//! promise that it logged the precertificate, checked as a Sigstore verifier checks Fulcio's.
//! The log signed the precertificate's TBS, which is the certificate's own TBS without the SCT
//! list extension, together with a hash of the issuer's key (§3.2).

use alloc::string::String;
use alloc::vec::Vec;

use der::Decode as _;
use sha2::{Digest as _, Sha256};

use super::trusted_root::LogKey;
use crate::mechanism::cosign::MessageHash;

/// The SCT list extension (1.3.6.1.4.1.11129.2.4.2).
/// The embedded SCT list extension (1.3.6.1.4.1.11129.2.4.2), the OID's content bytes.
const SCT_LIST: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];

/// A TLS-encoded reader: big-endian integers and length-prefixed vectors.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn int(&mut self, n: usize) -> Option<u64> {
        Some(self.take(n)?.iter().fold(0, |v, b| v << 8 | u64::from(*b)))
    }
    fn vector(&mut self, len_bytes: usize) -> Option<&'a [u8]> {
        let n = usize::try_from(self.int(len_bytes)?).ok()?;
        self.take(n)
    }
}

/// One SCT, parsed.
struct Sct<'a> {
    log_id: &'a [u8],
    timestamp_ms: u64,
    extensions: &'a [u8],
    hash: MessageHash,
    signature: &'a [u8],
}

fn parse_sct(bytes: &[u8]) -> Option<Sct<'_>> {
    let mut r = Tls(bytes);
    if r.int(1)? != 0 {
        return None;
    }
    let log_id = r.take(32)?;
    let timestamp_ms = r.int(8)?;
    let extensions = r.vector(2)?;
    let hash = match r.int(1)? {
        4 => MessageHash::Sha256,
        5 => MessageHash::Sha384,
        6 => MessageHash::Sha512,
        _ => return None,
    };
    let _signature_algorithm = r.int(1)?;
    let signature = r.vector(2)?;
    r.0.is_empty().then_some(Sct {
        log_id,
        timestamp_ms,
        extensions,
        hash,
        signature,
    })
}

/// Checks the SCTs embedded in `leaf` (DER), issued by the key `issuer_spki` (DER), against
/// the CT logs of the trusted root: returns how many verified with a log valid at their time.
///
/// # Errors
///
/// A message when the certificate has no SCT list, or it is malformed.
pub(super) fn verified_scts(
    leaf: &[u8],
    issuer_spki: &[u8],
    ctlogs: &[LogKey],
) -> Result<usize, String> {
    let cert = crate::mechanism::x509::cert::parse(leaf)?;
    let Some(list) = cert.extension(SCT_LIST) else {
        return Err(String::from("the certificate has no embedded SCT list"));
    };
    let malformed = || String::from("the certificate's SCT list is malformed");
    let tls = der::asn1::OctetStringRef::from_der(list.value).map_err(|_| malformed())?;
    let mut outer = Tls(tls.as_bytes());
    let mut entries = Tls(outer.vector(2).ok_or_else(malformed)?);
    if !outer.0.is_empty() {
        return Err(malformed());
    }
    let precert_tbs = cert.tbs_without(SCT_LIST);
    let tbs_len = u32::try_from(precert_tbs.len())
        .ok()
        .filter(|n| *n < 1 << 24)
        .ok_or_else(malformed)?;
    let issuer_key_hash = Sha256::digest(issuer_spki);
    let mut verified = 0;
    while !entries.0.is_empty() {
        let sct = entries
            .vector(2)
            .and_then(parse_sct)
            .ok_or_else(malformed)?;
        let Some(log) = ctlogs.iter().find(|l| {
            l.key_id == sct.log_id
                && i64::try_from(sct.timestamp_ms / 1000).is_ok_and(|t| l.valid_for.contains(t))
        }) else {
            continue;
        };
        let ext_len = u16::try_from(sct.extensions.len()).map_err(|_| malformed())?;
        let mut signed = Vec::with_capacity(precert_tbs.len() + 96);
        signed.extend_from_slice(&[0, 0]);
        signed.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
        signed.extend_from_slice(&[0, 1]);
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
        signed.extend_from_slice(&precert_tbs);
        signed.extend_from_slice(&ext_len.to_be_bytes());
        signed.extend_from_slice(sct.extensions);
        if log
            .key
            .verify_with_hash(sct.hash, &signed, sct.signature)
            .is_ok()
        {
            verified += 1;
        }
    }
    Ok(verified)
}
