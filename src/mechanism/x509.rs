//! X.509 certificates as containers/image checks them for `sigstoreSigned` `fulcio` and `pki`
//! requirements (cosign.md §1.6, policy.md §3.4): PEM reading as Go's `encoding/pem` and
//! sigstore's `UnmarshalCertificatesFromPEM` do it, path validation to a set of trusted roots at
//! a given time for code signing or time stamping (`path`: Go's `x509.Certificate.Verify`, with
//! sigwall's own signature verifiers), and the fields a policy asks about: e-mail and URI SANs,
//! host names, and the OIDC issuer Fulcio records.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use der::Decode as _;

#[cfg(test)]
mod algorithms;
pub(crate) mod cert;
mod path;

/// At most this many certificates are read from one PEM text (a chain annotation, a CA file).
pub const MAX_CERTIFICATES: usize = 64;

/// `id-kp-codeSigning` (1.3.6.1.5.5.7.3.3), the OID's content bytes.
const CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// `id-kp-timeStamping` (1.3.6.1.5.5.7.3.8), the OID's content bytes.
const TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// `anyExtendedKeyUsage` (2.5.29.37.0).
const ANY_PURPOSE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// subjectAltName (2.5.29.17), the OID's content bytes.
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// keyUsage (2.5.29.15).
const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// extKeyUsage (2.5.29.37).
const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
/// Fulcio's OIDC issuer, raw bytes (1.3.6.1.4.1.57264.1.1; deprecated, still written).
const FULCIO_ISSUER_V1: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x01];
/// Fulcio's OIDC issuer, a DER string (1.3.6.1.4.1.57264.1.8).
const FULCIO_ISSUER_V2: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x08];

/// One PEM block as Go's `pem.Decode` returns it.
struct PemBlock<'t> {
    label: &'t str,
    has_headers: bool,
    der: Vec<u8>,
}

fn strip_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.strip_prefix(prefix)
}

/// The line at the start of `text` (without its line ending) and what follows it.
fn line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(at) => (
            text.get(..at).unwrap_or_default().trim_end_matches('\r'),
            text.get(at + 1..).unwrap_or_default(),
        ),
        None => (text, ""),
    }
}

/// Decodes the first PEM block in `text`, as Go's `pem.Decode` does: anything before a line
/// starting `-----BEGIN ` is skipped, `Key: value` headers are allowed, base64 lines may have
/// any length. Returns the block and the text after it, or `None` when there is none.
fn pem_decode(mut text: &str) -> Option<(PemBlock<'_>, &str)> {
    loop {
        let start = if text.starts_with("-----BEGIN ") {
            0
        } else {
            text.find("\n-----BEGIN ")? + 1
        };
        let (first, after) = line(text.get(start..)?);
        let label = strip_prefix(first.trim_end(), "-----BEGIN ")?.strip_suffix("-----")?;
        match pem_body(label, after) {
            Some(found) => return Some(found),
            // Go goes on looking after a block that does not end properly.
            None => text = after,
        }
    }
}

fn pem_body<'t>(label: &'t str, mut rest: &'t str) -> Option<(PemBlock<'t>, &'t str)> {
    let mut has_headers = false;
    // Headers: `Key: value` lines before the base64, ended by a blank line.
    let (first, _) = line(rest);
    if first.contains(':') {
        has_headers = true;
        loop {
            let (l, after) = line(rest);
            rest = after;
            if l.trim().is_empty() {
                break;
            }
            if rest.is_empty() {
                return None;
            }
        }
    }
    let end = format!("-----END {label}-----");
    let mut base64 = String::new();
    loop {
        if rest.is_empty() {
            return None;
        }
        let (l, after) = line(rest);
        rest = after;
        if let Some(trailer) = l.strip_prefix(end.as_str()) {
            if !trailer.trim().is_empty() {
                return None;
            }
            break;
        }
        base64.extend(l.chars().filter(|c| !c.is_ascii_whitespace()));
    }
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&base64).ok()?;
    Some((
        PemBlock {
            label,
            has_headers,
            der,
        },
        rest,
    ))
}

/// The DER of the one PEM block `text` holds (Go's `pem.Decode`, with nothing after the block):
/// how containers/image reads a certificate to compare it with what a Rekor entry records.
///
/// # Errors
///
/// "is not in PEM format" or "has trailing data".
pub fn single_pem_der(text: &[u8]) -> Result<Vec<u8>, &'static str> {
    let text = core::str::from_utf8(text).map_err(|_| "is not in PEM format")?;
    let (block, rest) = pem_decode(text).ok_or("is not in PEM format")?;
    if !rest.is_empty() {
        return Err("has trailing data");
    }
    Ok(block.der)
}

/// Every certificate of a PEM text, as sigstore's `UnmarshalCertificatesFromPEM` reads an
/// annotation: the text is trimmed, then it must be nothing but PEM blocks (of any label) that
/// each hold a certificate.
///
/// # Errors
///
/// A message in Go's words when a block does not decode or does not hold a certificate.
pub fn certificates_from_pem(text: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = core::str::from_utf8(text).map_err(|_| String::from("error during PEM decoding"))?;
    let mut rest = text.trim();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let Some((block, after)) = pem_decode(rest) else {
            return Err(String::from("error during PEM decoding"));
        };
        if out.len() == MAX_CERTIFICATES {
            return Err(format!("more than {MAX_CERTIFICATES} certificates"));
        }
        cert::parse(&block.der)?;
        out.push(block.der);
        rest = after;
    }
    Ok(out)
}

/// The certificates of a CA file, as Go's `CertPool.AppendCertsFromPEM` collects them:
/// `CERTIFICATE` blocks without headers that parse; anything else is skipped.
pub fn certificate_pool_from_pem(text: &[u8]) -> Vec<Vec<u8>> {
    let Ok(mut rest) = core::str::from_utf8(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Some((block, after)) = pem_decode(rest) {
        rest = after;
        if block.label == "CERTIFICATE"
            && !block.has_headers
            && out.len() < MAX_CERTIFICATES
            && cert::parse(&block.der).is_ok()
        {
            out.push(block.der);
        }
    }
    out
}

/// What a verified certificate says about its subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The certificate's key, a DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// Its e-mail SANs (`rfc822Name`).
    pub emails: Vec<String>,
    /// Its URI SANs.
    pub uris: Vec<String>,
    /// Its DNS name SANs.
    pub dns_names: Vec<String>,
    /// Start of its validity, seconds since the epoch.
    pub not_before: u64,
    /// End of its validity, seconds since the epoch.
    pub not_after: u64,
    /// Whether it has an extended key usage extension that lists code signing (Sigstore's
    /// certificate profile requires one; Go's verifier and containers/image do not).
    pub code_signing: bool,
    /// Whether it has a key usage extension that allows digital signatures.
    pub digital_signature: bool,
    /// The values of the Fulcio issuer extensions (v1 raw, v2 DER string), as found.
    issuer_v1: Option<Vec<u8>>,
    issuer_v2: Option<Vec<u8>>,
}

impl Subject {
    /// Reads a leaf certificate's subject fields.
    ///
    /// # Errors
    ///
    /// A message when the certificate does not parse, or has an extension twice (Go refuses
    /// such certificates when parsing them).
    pub fn read(der: &[u8]) -> Result<Subject, String> {
        let cert = cert::parse(der)?;
        let mut subject = Subject {
            spki_der: cert.spki.to_vec(),
            emails: Vec::new(),
            uris: Vec::new(),
            dns_names: Vec::new(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            code_signing: false,
            digital_signature: false,
            issuer_v1: None,
            issuer_v2: None,
        };
        for ext in &cert.extensions {
            let value = ext.value;
            if ext.oid == SUBJECT_ALT_NAME {
                let names = cert::alt_names(value)?;
                (subject.emails, subject.uris, subject.dns_names) =
                    (names.emails, names.uris, names.dns);
            } else if ext.oid == EXTENDED_KEY_USAGE {
                subject.code_signing =
                    cert::eku_lists(value, &[CODE_SIGNING]).is_some_and(|(found, _)| found);
            } else if ext.oid == KEY_USAGE {
                subject.digital_signature = cert::allows_digital_signature(value);
            } else if ext.oid == FULCIO_ISSUER_V1 {
                subject.issuer_v1 = Some(value.to_vec());
            } else if ext.oid == FULCIO_ISSUER_V2 {
                subject.issuer_v2 = Some(value.to_vec());
            }
        }
        Ok(subject)
    }

    /// The OIDC issuer Fulcio recorded, checked as containers/image checks it: the v1
    /// extension's raw bytes, or the v2 extension's DER string (nothing after it), and the two
    /// equal when both are present.
    ///
    /// # Errors
    ///
    /// A message in containers/image's words.
    pub fn fulcio_issuer(&self) -> Result<String, String> {
        let v2 = self.issuer_v2.as_deref().map(der_string).transpose()?;
        match (&self.issuer_v1, v2) {
            (Some(v1), Some(v2)) if v1.as_slice() == v2.as_bytes() => Ok(v2),
            (Some(v1), Some(v2)) => Err(format!(
                "inconsistent OIDC issuer extension values: v1 {}, v2 {}",
                crate::error::quoted(&String::from_utf8_lossy(v1)),
                crate::error::quoted(&v2)
            )),
            // Go compares the raw bytes; no issuer in a (UTF-8) policy can equal invalid UTF-8.
            (Some(v1), None) => String::from_utf8(v1.clone())
                .map_err(|_| String::from("the OIDC issuer v1 extension is not valid UTF-8")),
            (None, Some(v2)) => Ok(v2),
            (None, None) => Err(String::from(
                "Fulcio certificate is missing the issuer extension",
            )),
        }
    }
}

/// A DER string as Go's `asn1.Unmarshal` into a `string` takes it (UTF8String, PrintableString,
/// IA5String), with nothing after it.
fn der_string(value: &[u8]) -> Result<String, String> {
    let invalid =
        |e: &dyn core::fmt::Display| format!("invalid ASN.1 in OIDC issuer v2 extension: {e}");
    let mut reader = der::SliceReader::new(value).map_err(|e| invalid(&e))?;
    let any = der::asn1::AnyRef::decode(&mut reader).map_err(|e| invalid(&e))?;
    if !der::Reader::is_finished(&reader) {
        return Err(String::from(
            "invalid ASN.1 in OIDC issuer v2 extension, trailing data",
        ));
    }
    let text = match der::Tagged::tag(&any) {
        der::Tag::Utf8String => any
            .decode_as::<der::asn1::Utf8StringRef<'_>>()
            .map(|s| String::from(s.as_str())),
        der::Tag::PrintableString => any
            .decode_as::<der::asn1::PrintableStringRef<'_>>()
            .map(|s| String::from(s.as_str())),
        der::Tag::Ia5String => any
            .decode_as::<der::asn1::Ia5StringRef<'_>>()
            .map(|s| String::from(s.as_str())),
        tag => return Err(invalid(&format!("unexpected tag {tag}"))),
    };
    text.map_err(|e| invalid(&e))
}

/// Roots and intermediates to validate a leaf against.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    /// Trusted roots, DER (Go's `Roots`).
    pub roots: Vec<Vec<u8>>,
    /// Certificates that may appear between the leaf and a root (Go's `Intermediates`):
    /// untrusted ones from the signature, trusted ones from the policy.
    pub intermediates: Vec<Vec<u8>>,
}

/// A leaf certificate whose path to a trusted root verified.
#[derive(Debug)]
pub struct VerifiedLeaf {
    der: Vec<u8>,
    issuer_spki: Vec<u8>,
}

impl VerifiedLeaf {
    /// The SubjectPublicKeyInfo (DER) of the certificate that issued the leaf on the verified
    /// path (what an SCT's issuer key hash is over).
    pub fn issuer_spki(&self) -> &[u8] {
        &self.issuer_spki
    }

    /// Whether the certificate is valid for `hostname` (Go's `VerifyHostname`: DNS SANs with
    /// one leading wildcard label, or IP address SANs).
    ///
    /// # Errors
    ///
    /// A message naming the host name.
    pub fn check_hostname(&self, hostname: &str) -> Result<(), String> {
        if path::valid_for_host(&self.der, hostname) {
            Ok(())
        } else {
            Err(format!(
                "x509: certificate is not valid for {}",
                crate::error::quoted(hostname)
            ))
        }
    }
}

/// Validates `leaf` (DER) to one of `pool`'s roots through its intermediates, with every
/// certificate of the path valid at `at` (seconds since the epoch) and allowing code signing.
///
/// # Errors
///
/// A message in the words of Go's `x509` package where it has them.
pub fn verify_code_signing(leaf: &[u8], pool: &Pool, at: u64) -> Result<VerifiedLeaf, String> {
    verify_for(leaf, pool, at, CODE_SIGNING)
}

/// Validates a timestamp authority's `leaf` as [`verify_code_signing`] does a signer's, for
/// time stamping instead of code signing.
///
/// # Errors
///
/// As [`verify_code_signing`].
pub fn verify_time_stamping(leaf: &[u8], pool: &Pool, at: u64) -> Result<VerifiedLeaf, String> {
    verify_for(leaf, pool, at, TIME_STAMPING)
}

fn verify_for(leaf: &[u8], pool: &Pool, at: u64, purpose: &[u8]) -> Result<VerifiedLeaf, String> {
    let path = path::validate(leaf, &pool.roots, &pool.intermediates, at, purpose)
        .map_err(|e| e.describe())?;
    Ok(VerifiedLeaf {
        der: leaf.to_vec(),
        issuer_spki: path.issuer_spki,
    })
}

#[cfg(test)]
mod tests;
