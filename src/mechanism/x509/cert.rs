//! A certificate read as far as sigwall needs it, with `der`'s reader: the structure RFC 5280
//! §4.1 gives (every field in its place, in DER), the names, the validity times, the subject's
//! key, the signature and the extensions. It serves path validation (`super::path`), deciding
//! that a PEM block holds a certificate, the fields a policy asks about, and the precertificate
//! TBS an SCT signs. (x509-cert's derived parser did this at about 20 KiB of wasm; this is a
//! few.)

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::{AnyRef, GeneralizedTime, UtcTime};
use der::{Decode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};

/// One extension.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extension<'a> {
    /// The OID's content bytes.
    pub(crate) oid: &'a [u8],
    /// The extension value (the OCTET STRING's content).
    pub(crate) value: &'a [u8],
    /// Whether it is marked critical.
    pub(crate) critical: bool,
    /// The whole Extension (its DER), to rebuild a TBS without it.
    der: &'a [u8],
}

/// A certificate's fields.
#[derive(Debug)]
pub(crate) struct Certificate<'a> {
    /// Its version field: 0 for v1 (absent), 2 for v3.
    pub(crate) version: u8,
    /// The whole TBSCertificate (its DER): what the issuer signed.
    pub(crate) tbs: &'a [u8],
    /// The signature AlgorithmIdentifier's content (outside and inside the TBS: they are equal).
    pub(crate) signature_algorithm: &'a [u8],
    /// The signature (the BIT STRING's bytes, which have no unused bits).
    pub(crate) signature: &'a [u8],
    /// The issuer and subject Names, DER (compared byte for byte, as Go does).
    pub(crate) issuer: &'a [u8],
    pub(crate) subject: &'a [u8],
    /// Start of its validity, seconds since the epoch.
    pub(crate) not_before: u64,
    /// End of its validity, seconds since the epoch.
    pub(crate) not_after: u64,
    /// The subject's key: the SubjectPublicKeyInfo's DER.
    pub(crate) spki: &'a [u8],
    /// Its extensions, in order (none repeated).
    pub(crate) extensions: Vec<Extension<'a>>,
    /// The TBSCertificate fields before the extensions (their DER).
    tbs_head: &'a [u8],
}

fn bad(what: &str) -> String {
    format!("x509: malformed certificate ({what})")
}

/// The next element, whatever it is.
fn any<'a>(r: &mut SliceReader<'a>, what: &str) -> Result<AnyRef<'a>, String> {
    AnyRef::decode(r).map_err(|_| bad(what))
}

/// The next element, which must have `tag`.
fn expect<'a>(r: &mut SliceReader<'a>, tag: Tag, what: &str) -> Result<AnyRef<'a>, String> {
    let a = any(r, what)?;
    if a.tag() == tag {
        Ok(a)
    } else {
        Err(bad(what))
    }
}

fn context(number: u8, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber::new(number),
    }
}

/// How far into `all` the reader over it is.
fn offset(all: &[u8], r: &SliceReader<'_>) -> usize {
    all.len().saturating_sub(remaining(r))
}

/// A validity time: UTCTime or GeneralizedTime, as seconds since the epoch.
fn time(a: AnyRef<'_>) -> Result<u64, String> {
    let d = match a.tag() {
        Tag::UtcTime => a.decode_as::<UtcTime>().map(|t| t.to_unix_duration()),
        Tag::GeneralizedTime => a
            .decode_as::<GeneralizedTime>()
            .map(|t| t.to_unix_duration()),
        _ => return Err(bad("validity")),
    };
    d.map(|d| d.as_secs()).map_err(|_| bad("validity"))
}

/// Reads `der` as a certificate: SEQUENCE { TBSCertificate, AlgorithmIdentifier, BIT STRING },
/// nothing after it.
///
/// # Errors
///
/// A message naming the part that is malformed, or "duplicate extensions" (Go refuses those).
pub(crate) fn parse(der: &[u8]) -> Result<Certificate<'_>, String> {
    let mut outer = SliceReader::new(der).map_err(|_| bad("length"))?;
    let cert = expect(&mut outer, Tag::Sequence, "not a SEQUENCE")?;
    if !outer.is_finished() {
        return Err(bad("trailing data"));
    }
    let all = cert.value();
    let mut r = SliceReader::new(all).map_err(|_| bad("length"))?;
    let tbs = expect(&mut r, Tag::Sequence, "TBSCertificate")?;
    let tbs_der = all.get(..offset(all, &r)).unwrap_or_default();
    let signature_algorithm = expect(&mut r, Tag::Sequence, "signature algorithm")?.value();
    let signature = match expect(&mut r, Tag::BitString, "signature")?.value() {
        [0, bits @ ..] => bits,
        _ => return Err(bad("signature")),
    };
    if !r.is_finished() {
        return Err(bad("trailing fields"));
    }
    let body = tbs.value();
    let mut t = SliceReader::new(body).map_err(|_| bad("length"))?;
    let mut next = any(&mut t, "serial number")?;
    let mut version = 0;
    if next.tag() == context(0, true) {
        // version [0] EXPLICIT INTEGER: v1 (0, which DER leaves out; Go takes it), v2, v3 (2).
        version = match next.value() {
            [0x02, 0x01, v @ 0..=2] => *v,
            _ => return Err(bad("version")),
        };
        next = any(&mut t, "serial number")?;
    }
    if next.tag() != Tag::Integer {
        return Err(bad("serial number"));
    }
    if expect(&mut t, Tag::Sequence, "signature algorithm")?.value() != signature_algorithm {
        return Err(String::from(
            "x509: inner and outer signature algorithm identifiers don't match",
        ));
    }
    let issuer_start = offset(body, &t);
    expect(&mut t, Tag::Sequence, "issuer")?;
    let issuer = body.get(issuer_start..offset(body, &t)).unwrap_or_default();
    let validity = expect(&mut t, Tag::Sequence, "validity")?;
    let mut v = SliceReader::new(validity.value()).map_err(|_| bad("validity"))?;
    let not_before = time(any(&mut v, "validity")?)?;
    let not_after = time(any(&mut v, "validity")?)?;
    if !v.is_finished() {
        return Err(bad("validity"));
    }
    let subject_start = offset(body, &t);
    expect(&mut t, Tag::Sequence, "subject")?;
    let spki_start = offset(body, &t);
    let subject = body.get(subject_start..spki_start).unwrap_or_default();
    expect(&mut t, Tag::Sequence, "subject public key info")?;
    let mut head_len = offset(body, &t);
    let spki = body.get(spki_start..head_len).unwrap_or_default();
    let mut extensions = Vec::new();
    while !t.is_finished() {
        let field = any(&mut t, "optional fields")?;
        match field.tag() {
            // issuerUniqueID [1], subjectUniqueID [2]: IMPLICIT BIT STRINGs.
            tag if tag == context(1, false) || tag == context(2, false) => {
                if !extensions.is_empty() {
                    return Err(bad("field order"));
                }
                head_len = offset(body, &t);
            }
            tag if tag == context(3, true) => {
                if version != 2 {
                    return Err(bad("extensions in a certificate before v3"));
                }
                if !t.is_finished() {
                    return Err(bad("fields after the extensions"));
                }
                extensions = read_extensions(field.value())?;
            }
            _ => return Err(bad("unknown field")),
        }
    }
    Ok(Certificate {
        version,
        tbs: tbs_der,
        signature_algorithm,
        signature,
        issuer,
        subject,
        not_before,
        not_after,
        spki,
        extensions,
        tbs_head: body.get(..head_len).unwrap_or_default(),
    })
}

fn remaining(r: &SliceReader<'_>) -> usize {
    usize::try_from(u32::from(r.remaining_len())).unwrap_or(0)
}

/// `[3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension`.
fn read_extensions(explicit: &[u8]) -> Result<Vec<Extension<'_>>, String> {
    let mut wrapper = SliceReader::new(explicit).map_err(|_| bad("extensions"))?;
    let list = expect(&mut wrapper, Tag::Sequence, "extensions")?;
    if !wrapper.is_finished() {
        return Err(bad("extensions"));
    }
    let all = list.value();
    let mut r = SliceReader::new(all).map_err(|_| bad("extensions"))?;
    let mut out: Vec<Extension<'_>> = Vec::new();
    while !r.is_finished() {
        let start = offset(all, &r);
        let ext = expect(&mut r, Tag::Sequence, "extension")?;
        let whole = all.get(start..offset(all, &r)).unwrap_or_default();
        let mut e = SliceReader::new(ext.value()).map_err(|_| bad("extension"))?;
        let oid = expect(&mut e, Tag::ObjectIdentifier, "extension id")?.value();
        let mut value = any(&mut e, "extension value")?;
        let critical = value.tag() == Tag::Boolean;
        if critical {
            // The critical flag (path validation applies it). In DER, DEFAULT FALSE is never
            // encoded, so an encoded one is TRUE.
            if value.value() != [0xff] {
                return Err(bad("extension criticality"));
            }
            value = any(&mut e, "extension value")?;
        }
        if value.tag() != Tag::OctetString || !e.is_finished() {
            return Err(bad("extension value"));
        }
        if out.iter().any(|x| x.oid == oid) {
            return Err(String::from(
                "x509: certificate contains duplicate extensions",
            ));
        }
        out.push(Extension {
            oid,
            value: value.value(),
            critical,
            der: whole,
        });
    }
    if out.is_empty() {
        return Err(bad("an empty extensions list"));
    }
    Ok(out)
}

impl Certificate<'_> {
    /// The extension with this OID (content bytes), if present.
    pub(crate) fn extension(&self, oid: &[u8]) -> Option<&Extension<'_>> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// The TBSCertificate (DER) without the extension `oid`: the precertificate TBS an
    /// embedded SCT signs (RFC 6962 §3.2). Without extensions left, the field is omitted.
    pub(crate) fn tbs_without(&self, oid: &[u8]) -> Vec<u8> {
        let kept: Vec<u8> = self
            .extensions
            .iter()
            .filter(|e| e.oid != oid)
            .flat_map(|e| e.der.iter().copied())
            .collect();
        let mut body = self.tbs_head.to_vec();
        if !kept.is_empty() {
            let list = tlv(0x30, &kept);
            body.extend_from_slice(&tlv(0xa3, &list));
        }
        tlv(0x30, &body)
    }
}

/// A DER element: `tag`, the definite length, `content`.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// The names of a SubjectAltName extension that sigwall reads.
#[derive(Default)]
pub(crate) struct AltNames {
    pub(crate) emails: Vec<String>,
    pub(crate) uris: Vec<String>,
    pub(crate) dns: Vec<String>,
    /// IP address SANs: 4 or 16 bytes each.
    pub(crate) ips: Vec<Vec<u8>>,
}

/// The names of a SubjectAltName extension value. Each must be an IA5 (ASCII) string, as Go
/// requires; other kinds of name are skipped.
pub(crate) fn alt_names(value: &[u8]) -> Result<AltNames, String> {
    let invalid = || String::from("x509: invalid subject alternative names");
    let mut outer = SliceReader::new(value).map_err(|_| invalid())?;
    let names = expect(&mut outer, Tag::Sequence, "").map_err(|_| invalid())?;
    if !outer.is_finished() {
        return Err(invalid());
    }
    let mut r = SliceReader::new(names.value()).map_err(|_| invalid())?;
    let mut out = AltNames::default();
    while !r.is_finished() {
        let name = any(&mut r, "").map_err(|_| invalid())?;
        if name.tag() == context(7, false) {
            if !matches!(name.value().len(), 4 | 16) {
                return Err(invalid());
            }
            out.ips.push(name.value().to_vec());
            continue;
        }
        let list = match name.tag() {
            t if t == context(1, false) => &mut out.emails,
            t if t == context(2, false) => &mut out.dns,
            t if t == context(6, false) => &mut out.uris,
            _ => continue,
        };
        let text = core::str::from_utf8(name.value())
            .ok()
            .filter(|s| s.is_ascii())
            .ok_or_else(invalid)?;
        list.push(String::from(text));
    }
    Ok(out)
}

/// Whether an ExtendedKeyUsage value lists `purpose` (or, with `any`, anyExtendedKeyUsage):
/// `None` when the value is malformed. An empty list lists nothing.
pub(crate) fn eku_lists(value: &[u8], purposes: &[&[u8]]) -> Option<(bool, bool)> {
    let mut outer = SliceReader::new(value).ok()?;
    let list = expect(&mut outer, Tag::Sequence, "").ok()?;
    if !outer.is_finished() {
        return None;
    }
    let mut r = SliceReader::new(list.value()).ok()?;
    let mut found = false;
    let mut any_listed = false;
    while !r.is_finished() {
        let oid = expect(&mut r, Tag::ObjectIdentifier, "").ok()?;
        any_listed = true;
        found |= purposes.contains(&oid.value());
    }
    Some((found, any_listed))
}

/// Whether a KeyUsage value (a BIT STRING) sets digitalSignature (bit 0).
pub(crate) fn allows_digital_signature(value: &[u8]) -> bool {
    let mut r = match SliceReader::new(value) {
        Ok(r) => r,
        Err(_) => return false,
    };
    match expect(&mut r, Tag::BitString, "") {
        Ok(bits) if r.is_finished() => bits.value().get(1).is_some_and(|first| first & 0x80 != 0),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
