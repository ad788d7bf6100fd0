//! Certificate path validation as Go's `x509.Certificate.Verify` does it for containers/image
//! (a leaf, untrusted intermediates, trusted roots, a time, one extended key usage), over the
//! certificates `super::cert` reads:
//!
//! - a path runs from the leaf through intermediates to a root, each certificate's issuer Name
//!   equal, byte for byte, to the next one's subject, and its signature verifying with that
//!   certificate's key (sigwall's own verifiers: ECDSA P-256/P-384/P-521 with SHA-256/384/512,
//!   RSA PKCS #1 v1.5 with SHA-256/384/512, Ed25519; the key must be of the algorithm's kind);
//! - every certificate of the path, the root included, is valid at the time (bounds inclusive);
//! - every issuer (Go's `CheckSignatureFrom`): a v3 certificate must have basic constraints with
//!   cA set, and a key usage extension, if it sets bits, must set keyCertSign; an intermediate
//!   must have basic constraints with cA set whatever its version; a path length constraint
//!   bounds the intermediates below it;
//! - every certificate that has an extended key usage extension lists the purpose or
//!   anyExtendedKeyUsage (Go's `checkChainForKeyUsage`);
//! - stricter than Go, as rustls-webpki (which this replaces) was: a leaf that is a CA is
//!   refused, unknown critical extensions are refused on every certificate of the path, and a
//!   name constraints extension anywhere on the path is refused (no Sigstore CA has one; Go
//!   would enforce it).
//!
//! The search tries each candidate issuer in turn (roots first, as Go does) and stops at a
//! bounded depth and number of signature checks.

use alloc::string::String;
use alloc::vec::Vec;

use der::{Decode as _, Reader as _, SliceReader, Tag, Tagged as _};

use super::cert::{self, Certificate};
use crate::mechanism::cosign::{CosignKey, MessageHash};

/// Why a path did not validate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathError {
    /// A certificate does not parse.
    Malformed(String),
    /// Outside its validity at the time: (time, notBefore, notAfter).
    Expired(u64, u64, u64),
    /// No candidate issuer: none has the subject the certificate names as its issuer.
    UnknownIssuer,
    /// A candidate issuer's key does not verify the signature.
    BadSignature,
    /// The signature algorithm is not one sigwall verifies, or does not suit the key.
    UnsupportedAlgorithm,
    /// An issuer that may not issue certificates (basic constraints, key usage).
    NotAuthorizedToSign,
    /// The leaf is a CA.
    CaAsLeaf,
    /// More intermediates than a path length constraint allows.
    PathLength,
    /// The extended key usage does not allow the purpose.
    Usage,
    /// A critical extension sigwall does not process.
    CriticalExtension,
    /// A name constraints extension.
    NameConstraints,
    /// The search gave up (too deep, too many signatures).
    TooComplex,
}

impl PathError {
    /// The failure in the words of Go's `x509` package where it has them.
    pub(crate) fn describe(&self) -> String {
        match self {
            PathError::Malformed(m) => m.clone(),
            PathError::Expired(time, not_before, not_after) => alloc::format!(
                "x509: certificate has expired or is not yet valid: current time {time} is {}",
                if time < not_before {
                    alloc::format!("before {not_before}")
                } else {
                    alloc::format!("after {not_after}")
                }
            ),
            PathError::UnknownIssuer => String::from("x509: certificate signed by unknown authority"),
            PathError::BadSignature => String::from(
                "x509: certificate signed by unknown authority (the issuer's signature does not verify)",
            ),
            PathError::UnsupportedAlgorithm => String::from(
                "x509: certificate signed by unknown authority (unsupported signature algorithm)",
            ),
            PathError::NotAuthorizedToSign => {
                String::from("x509: certificate is not authorized to sign other certificates")
            }
            PathError::CaAsLeaf => String::from("x509: a CA certificate is used as the leaf"),
            PathError::PathLength => {
                String::from("x509: too many intermediates for path length constraint")
            }
            PathError::Usage => {
                String::from("x509: certificate specifies an incompatible key usage")
            }
            PathError::CriticalExtension => String::from("x509: unhandled critical extension"),
            PathError::NameConstraints => String::from(
                "x509: a certificate of the path has name constraints, which sigwall does not process",
            ),
            PathError::TooComplex => {
                String::from("x509: too many certificates or signatures to build a path")
            }
        }
    }

    /// How telling the failure is: the search reports the most telling one it met (that it
    /// gave up, above all: a path may have been left untried).
    fn rank(&self) -> u8 {
        match self {
            PathError::UnknownIssuer => 0,
            PathError::BadSignature | PathError::UnsupportedAlgorithm => 1,
            PathError::TooComplex => 3,
            _ => 2,
        }
    }
}

/// basicConstraints (2.5.29.19).
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// nameConstraints (2.5.29.30).
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
/// Extensions whose criticality sigwall honours: key usage, SAN, basic constraints, name
/// constraints (refused), extended key usage.
const PROCESSED: &[&[u8]] = &[
    super::KEY_USAGE,
    super::SUBJECT_ALT_NAME,
    BASIC_CONSTRAINTS,
    NAME_CONSTRAINTS,
    super::EXTENDED_KEY_USAGE,
];

/// At most this many certificates between the leaf and the root.
const MAX_INTERMEDIATES: usize = 8;
/// At most this many signature checks in one search.
const MAX_SIGNATURE_CHECKS: usize = 64;

/// The content of the one element `value` holds, which must have `tag`.
fn only(value: &[u8], tag: Tag) -> Option<&[u8]> {
    let mut r = SliceReader::new(value).ok()?;
    let element = der::asn1::AnyRef::decode(&mut r).ok()?;
    (element.tag() == tag && r.is_finished()).then(|| element.value())
}

/// A certificate's basic constraints: (cA, pathLenConstraint), `None` without the extension.
fn basic_constraints(c: &Certificate<'_>) -> Result<Option<(bool, Option<u64>)>, PathError> {
    let Some(ext) = c.extension(BASIC_CONSTRAINTS) else {
        return Ok(None);
    };
    let bad = || PathError::Malformed(String::from("x509: invalid basic constraints"));
    let fields = only(ext.value, Tag::Sequence).ok_or_else(bad)?;
    let mut r = SliceReader::new(fields).map_err(|_| bad())?;
    let mut ca = false;
    let mut path_len = None;
    while !r.is_finished() {
        let field = der::asn1::AnyRef::decode(&mut r).map_err(|_| bad())?;
        match field.tag() {
            // DEFAULT FALSE is never encoded in DER: an encoded cA is TRUE.
            Tag::Boolean if !ca && path_len.is_none() && field.value() == [0xff] => ca = true,
            Tag::Integer if path_len.is_none() => {
                let n = field.decode_as::<u32>().map_err(|_| bad())?;
                path_len = Some(u64::from(n));
            }
            _ => return Err(bad()),
        }
    }
    Ok(Some((ca, path_len)))
}

/// Whether a key usage extension, if it sets any bit, sets keyCertSign (bit 5).
fn may_sign_certificates(c: &Certificate<'_>) -> Result<bool, PathError> {
    let Some(ext) = c.extension(super::KEY_USAGE) else {
        return Ok(true);
    };
    let bad = || PathError::Malformed(String::from("x509: invalid key usage"));
    let bits = only(ext.value, Tag::BitString).ok_or_else(bad)?;
    let bytes = bits.get(1..).ok_or_else(bad)?;
    Ok(bytes.iter().all(|b| *b == 0) || bytes.first().is_some_and(|b| b & 0x04 != 0))
}

/// The checks that concern one certificate alone: time, critical extensions, name
/// constraints, extended key usage.
pub(crate) fn check_alone(c: &Certificate<'_>, at: u64, purpose: &[u8]) -> Result<(), PathError> {
    if at < c.not_before || at > c.not_after {
        return Err(PathError::Expired(at, c.not_before, c.not_after));
    }
    if c.extension(NAME_CONSTRAINTS).is_some() {
        return Err(PathError::NameConstraints);
    }
    if c.extensions
        .iter()
        .any(|e| e.critical && !PROCESSED.contains(&e.oid))
    {
        return Err(PathError::CriticalExtension);
    }
    if let Some(ext) = c.extension(super::EXTENDED_KEY_USAGE) {
        let (allowed, listed) = cert::eku_lists(ext.value, &[purpose, super::ANY_PURPOSE])
            .ok_or_else(|| {
                PathError::Malformed(String::from("x509: invalid extended key usage"))
            })?;
        if listed && !allowed {
            return Err(PathError::Usage);
        }
    }
    Ok(())
}

/// The algorithm OID of a SubjectPublicKeyInfo (content bytes).
fn key_algorithm(spki: &[u8]) -> Option<&[u8]> {
    let mut r = SliceReader::new(spki).ok()?;
    let seq = der::asn1::AnyRef::decode(&mut r).ok()?;
    let mut inner = SliceReader::new(seq.value()).ok()?;
    let alg = der::asn1::AnyRef::decode(&mut inner).ok()?;
    let mut a = SliceReader::new(alg.value()).ok()?;
    let oid = der::asn1::AnyRef::decode(&mut a).ok()?;
    (oid.tag() == Tag::ObjectIdentifier).then(|| oid.value())
}

const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The key algorithm and hash a signature AlgorithmIdentifier (content) names.
fn signature_algorithm(ai: &[u8]) -> Option<(&'static [u8], MessageHash)> {
    let mut r = SliceReader::new(ai).ok()?;
    let oid = der::asn1::AnyRef::decode(&mut r).ok()?;
    if oid.tag() != Tag::ObjectIdentifier {
        return None;
    }
    Some(match oid.value() {
        // ecdsa-with-SHA256/384/512 (1.2.840.10045.4.3.2-4)
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02] => (EC_PUBLIC_KEY, MessageHash::Sha256),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03] => (EC_PUBLIC_KEY, MessageHash::Sha384),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04] => (EC_PUBLIC_KEY, MessageHash::Sha512),
        // sha256/384/512WithRSAEncryption (1.2.840.113549.1.1.11-13)
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b] => {
            (RSA_ENCRYPTION, MessageHash::Sha256)
        }
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c] => {
            (RSA_ENCRYPTION, MessageHash::Sha384)
        }
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d] => {
            (RSA_ENCRYPTION, MessageHash::Sha512)
        }
        [0x2b, 0x65, 0x70] => (ED25519, MessageHash::Sha512),
        _ => return None,
    })
}

/// Whether `issuer`'s key made `child`'s signature.
fn signed_by(child: &Certificate<'_>, issuer: &Certificate<'_>) -> Result<(), PathError> {
    let (kind, hash) =
        signature_algorithm(child.signature_algorithm).ok_or(PathError::UnsupportedAlgorithm)?;
    if key_algorithm(issuer.spki) != Some(kind) {
        return Err(PathError::UnsupportedAlgorithm);
    }
    let key = CosignKey::from_spki_der(issuer.spki).map_err(|_| PathError::UnsupportedAlgorithm)?;
    key.verify_with_hash(hash, child.tbs, child.signature)
        .map_err(|_| PathError::BadSignature)
}

/// Whether `issuer` may have issued a certificate with `below` intermediates under it (Go's
/// `CheckSignatureFrom` and `isValid`).
fn may_issue(issuer: &Certificate<'_>, intermediate: bool, below: usize) -> Result<(), PathError> {
    let constraints = basic_constraints(issuer)?;
    let is_ca = constraints.is_some_and(|(ca, _)| ca);
    if (issuer.version == 2 || intermediate || constraints.is_some()) && !is_ca {
        return Err(PathError::NotAuthorizedToSign);
    }
    if !may_sign_certificates(issuer)? {
        return Err(PathError::NotAuthorizedToSign);
    }
    if let Some((_, Some(max))) = constraints {
        if below as u64 > max {
            return Err(PathError::PathLength);
        }
    }
    Ok(())
}

/// A validated path: the leaf's issuer on it.
pub(crate) struct Path {
    /// The SubjectPublicKeyInfo (DER) of the certificate that issued the leaf.
    pub(crate) issuer_spki: Vec<u8>,
}

/// A pool certificate: its DER and its fields, read once.
type Parsed<'p> = (&'p [u8], Certificate<'p>);

struct Search<'p> {
    roots: Vec<Parsed<'p>>,
    intermediates: Vec<Parsed<'p>>,
    at: u64,
    purpose: &'p [u8],
    /// Signature checks made so far, against [`MAX_SIGNATURE_CHECKS`].
    signatures: core::cell::Cell<usize>,
}

impl<'p> Search<'p> {
    /// Extends `chain` (DER of the certificates so far, the leaf first) from `current` to a
    /// root; returns the SPKI of `current`'s issuer on the path found.
    fn extend(
        &self,
        current: &Certificate<'_>,
        chain: &mut Vec<&'p [u8]>,
    ) -> Result<Vec<u8>, PathError> {
        let mut best = PathError::UnknownIssuer;
        let below = chain.len().saturating_sub(1);
        let candidates = self
            .roots
            .iter()
            .map(|p| (true, p))
            .chain(self.intermediates.iter().map(|p| (false, p)))
            .filter(|(_, (der, c))| c.subject == current.issuer && !chain.contains(der))
            .collect::<Vec<_>>();
        for (root, issuer) in candidates {
            match self.try_issuer(current, root, issuer, below, chain) {
                Ok(spki) => return Ok(spki),
                Err(e) if e.rank() >= best.rank() => best = e,
                Err(_) => {}
            }
        }
        Err(best)
    }

    fn try_issuer(
        &self,
        current: &Certificate<'_>,
        root: bool,
        (der, issuer): &Parsed<'p>,
        below: usize,
        chain: &mut Vec<&'p [u8]>,
    ) -> Result<Vec<u8>, PathError> {
        check_alone(issuer, self.at, self.purpose)?;
        may_issue(issuer, !root, below)?;
        if self.signatures.get() == MAX_SIGNATURE_CHECKS {
            return Err(PathError::TooComplex);
        }
        self.signatures.set(self.signatures.get() + 1);
        signed_by(current, issuer)?;
        if root {
            return Ok(issuer.spki.to_vec());
        }
        if chain.len() > MAX_INTERMEDIATES {
            return Err(PathError::TooComplex);
        }
        chain.push(der);
        let found = self.extend(issuer, chain);
        chain.pop();
        found.map(|_| issuer.spki.to_vec())
    }
}

/// The certificates of `list` that parse (the pools hold only such).
fn read(list: &[Vec<u8>]) -> Vec<Parsed<'_>> {
    list.iter()
        .filter_map(|d| cert::parse(d).ok().map(|c| (d.as_slice(), c)))
        .collect()
}

/// Validates `leaf` to one of `roots` through `intermediates` at `at` for `purpose` (an EKU
/// OID's content bytes).
pub(crate) fn validate(
    leaf: &[u8],
    roots: &[Vec<u8>],
    intermediates: &[Vec<u8>],
    at: u64,
    purpose: &[u8],
) -> Result<Path, PathError> {
    let leaf_der = leaf;
    let leaf = cert::parse(leaf_der).map_err(PathError::Malformed)?;
    check_alone(&leaf, at, purpose)?;
    if basic_constraints(&leaf)?.is_some_and(|(ca, _)| ca) {
        return Err(PathError::CaAsLeaf);
    }
    let search = Search {
        roots: read(roots),
        intermediates: read(intermediates),
        at,
        purpose,
        signatures: core::cell::Cell::new(0),
    };
    let mut chain = alloc::vec![leaf_der];
    let issuer_spki = search.extend(&leaf, &mut chain)?;
    Ok(Path { issuer_spki })
}

/// Whether the certificate is valid for `host` as Go's `VerifyHostname` decides: an IP address
/// against the IP address SANs, a host name against the DNS SANs (ASCII case-insensitive, a
/// trailing dot ignored, `*` allowed as a whole leftmost label matching one label).
pub(crate) fn valid_for_host(leaf: &[u8], host: &str) -> bool {
    let Ok(c) = cert::parse(leaf) else {
        return false;
    };
    let Some(names) = c
        .extension(super::SUBJECT_ALT_NAME)
        .and_then(|e| cert::alt_names(e.value).ok())
    else {
        return false;
    };
    use core::net::IpAddr;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        // IPv4-mapped IPv6 addresses are their IPv4 address, on either side (Go's `net.IP`).
        let san = |bytes: &[u8]| match bytes.len() {
            4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
            _ => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        };
        let ip = ip.to_canonical();
        return names
            .ips
            .iter()
            .any(|b| san(b).map(|s| s.to_canonical()) == Some(ip));
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let host_labels: Vec<&str> = host.split('.').collect();
    if host_labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    names.dns.iter().any(|pattern| {
        let labels: Vec<&str> = pattern
            .strip_suffix('.')
            .unwrap_or(pattern)
            .split('.')
            .collect();
        // A wildcard stands for the leftmost label only, and never for the whole name.
        let wildcard = labels.len() > 1 && labels.first() == Some(&"*");
        labels.len() == host_labels.len()
            && labels
                .iter()
                .zip(&host_labels)
                .enumerate()
                .all(|(i, (p, h))| (i == 0 && wildcard) || p.eq_ignore_ascii_case(h))
    })
}

#[cfg(test)]
mod tests;
