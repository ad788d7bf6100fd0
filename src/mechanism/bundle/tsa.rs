//! RFC 3161 timestamps in bundles (`timestampVerificationData.rfc3161Timestamps`): a
//! timestamp authority of the trusted root signed that it saw the bundle's signature at a time.
//!
//! A timestamp is a DER `TimeStampResp` (RFC 3161 §2.4.2) whose token is CMS `SignedData`
//! (RFC 5652) over a `TSTInfo`. It vouches for a time when, in this order:
//! 1. the response's status is granted, the token is `SignedData` over `id-ct-TSTInfo`, with
//!    exactly one signer;
//! 2. the `TSTInfo`'s message imprint is the hash (SHA-256/384/512) of the signature bytes;
//! 3. the signer's signed attributes name `id-ct-TSTInfo` as content type and carry the digest
//!    of the `TSTInfo`;
//! 4. a timestamp authority of the trusted root whose `validFor` holds `genTime` signed those
//!    attributes with its leaf (the root's chain, never certificates inside the token), and that
//!    chain is valid for time stamping at `genTime`.
//!
//! The token's own certificates are not read: the authority's chain comes from the trusted
//! root, which is what decides whom to trust.

use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::{AnyRef, GeneralizedTime, ObjectIdentifier, OctetStringRef};
use der::{Decode as _, Encode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};

use super::trusted_root::TrustedRoot;
use crate::mechanism::cosign::{CosignKey, MessageHash};
use crate::mechanism::x509::{self, Subject};

const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// A bare key algorithm as the signature algorithm (the digest algorithm then names the hash).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

type Result<T> = core::result::Result<T, String>;

fn bad(what: &str) -> String {
    alloc::format!("the RFC 3161 timestamp is malformed: {what}")
}

/// The elements inside a constructed value.
fn children<'a>(value: &'a [u8], what: &str) -> Result<Vec<AnyRef<'a>>> {
    let mut reader = SliceReader::new(value).map_err(|_| bad(what))?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.decode::<AnyRef<'a>>().map_err(|_| bad(what))?);
    }
    Ok(out)
}

/// The elements of a SEQUENCE (or of another constructed tag).
fn constructed<'a>(any: &AnyRef<'a>, tag: Tag, what: &str) -> Result<Vec<AnyRef<'a>>> {
    if any.tag() != tag {
        return Err(bad(what));
    }
    children(any.value(), what)
}

fn context(number: u8) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::new(number),
    }
}

fn oid(any: Option<&AnyRef<'_>>, what: &str) -> Result<ObjectIdentifier> {
    any.and_then(|a| a.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| bad(what))
}

/// The algorithm OID of an AlgorithmIdentifier.
fn algorithm(any: Option<&AnyRef<'_>>, what: &str) -> Result<ObjectIdentifier> {
    let any = any.ok_or_else(|| bad(what))?;
    oid(constructed(any, Tag::Sequence, what)?.first(), what)
}

fn hash_of(algorithm: ObjectIdentifier) -> Option<MessageHash> {
    match algorithm {
        SHA256 => Some(MessageHash::Sha256),
        SHA384 => Some(MessageHash::Sha384),
        SHA512 => Some(MessageHash::Sha512),
        _ => None,
    }
}

/// Verifies one timestamp (`response`: a DER `TimeStampResp`) over `signature` with the
/// timestamp authorities of `root`; returns its `genTime` (seconds since the epoch) and the
/// authority's URI.
///
/// # Errors
///
/// A message saying what is wrong.
pub(super) fn verify(
    response: &[u8],
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<(i64, String)> {
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
    let resp = AnyRef::from_der(response).map_err(|_| bad("not DER"))?;
    let resp = constructed(&resp, Tag::Sequence, "TimeStampResp")?;
    let [status, token] = resp.as_slice() else {
        return Err(bad("the response has no token"));
    };
    let status = constructed(status, Tag::Sequence, "PKIStatusInfo")?;
    let granted = status
        .first()
        .and_then(|s| s.decode_as::<u8>().ok())
        .is_some_and(|s| s <= 1);
    if !granted {
        return Err(String::from(
            "the RFC 3161 timestamp's status is not granted",
        ));
    }
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
    let content_info = constructed(token, Tag::Sequence, "ContentInfo")?;
    let [content_type, content] = content_info.as_slice() else {
        return Err(bad("ContentInfo"));
    };
    if oid(Some(content_type), "ContentInfo")? != SIGNED_DATA {
        return Err(bad("the token is not SignedData"));
    }
    let [signed_data] = constructed(content, context(0), "ContentInfo")?[..] else {
        return Err(bad("ContentInfo"));
    };
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //   certificates [0] OPTIONAL, crls [1] OPTIONAL, signerInfos SET }
    let fields = constructed(&signed_data, Tag::Sequence, "SignedData")?;
    let (Some(encap), Some(signer_infos)) = (fields.get(2), fields.last()) else {
        return Err(bad("SignedData"));
    };
    let encap = constructed(encap, Tag::Sequence, "EncapsulatedContentInfo")?;
    if oid(encap.first(), "EncapsulatedContentInfo")? != TST_INFO {
        return Err(bad("the token does not hold a TSTInfo"));
    }
    let [econtent] = constructed(
        encap
            .get(1)
            .ok_or_else(|| bad("the token has no content"))?,
        context(0),
        "eContent",
    )?[..] else {
        return Err(bad("eContent"));
    };
    let tst_info = econtent
        .decode_as::<OctetStringRef<'_>>()
        .map_err(|_| bad("eContent"))?
        .as_bytes();

    // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … }
    let tst_any = AnyRef::from_der(tst_info).map_err(|_| bad("TSTInfo"))?;
    let tst = constructed(&tst_any, Tag::Sequence, "TSTInfo")?;
    let imprint = constructed(
        tst.get(2).ok_or_else(|| bad("TSTInfo"))?,
        Tag::Sequence,
        "MessageImprint",
    )?;
    let imprint_hash = hash_of(algorithm(imprint.first(), "MessageImprint")?)
        .ok_or("the RFC 3161 timestamp's message imprint uses an unsupported hash")?;
    let hashed = imprint
        .get(1)
        .and_then(|h| h.decode_as::<OctetStringRef<'_>>().ok())
        .ok_or_else(|| bad("MessageImprint"))?;
    if hashed.as_bytes() != imprint_hash.digest(signature).as_slice() {
        return Err(String::from(
            "the RFC 3161 timestamp is over other bytes than the bundle's signature",
        ));
    }
    let gen_time = tst
        .get(4)
        .and_then(|t| t.decode_as::<GeneralizedTime>().ok())
        .ok_or_else(|| bad("genTime"))?;
    let time = i64::try_from(gen_time.to_unix_duration().as_secs()).map_err(|_| bad("genTime"))?;

    // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT,
    //   signatureAlgorithm, signature, unsignedAttrs [1] OPTIONAL }
    let [signer] = constructed(signer_infos, Tag::Set, "SignerInfos")?[..] else {
        return Err(bad("the token has not exactly one signer"));
    };
    let signer = constructed(&signer, Tag::Sequence, "SignerInfo")?;
    let digest_hash = hash_of(algorithm(signer.get(2), "SignerInfo")?)
        .ok_or("the RFC 3161 timestamp's signer uses an unsupported digest")?;
    let attrs = signer
        .get(3)
        .filter(|a| a.tag() == context(0))
        .ok_or_else(|| bad("the signer has no signed attributes"))?;
    let mut content_type_ok = false;
    let mut digest_ok = false;
    for attr in children(attrs.value(), "signed attributes")? {
        let attr = constructed(&attr, Tag::Sequence, "Attribute")?;
        let kind = oid(attr.first(), "Attribute")?;
        let values = constructed(
            attr.get(1).ok_or_else(|| bad("Attribute"))?,
            Tag::Set,
            "Attribute",
        )?;
        let [value] = values.as_slice() else {
            return Err(bad("an attribute has not exactly one value"));
        };
        match kind {
            CONTENT_TYPE => {
                content_type_ok = value.decode_as::<ObjectIdentifier>().ok() == Some(TST_INFO)
            }
            MESSAGE_DIGEST => {
                digest_ok = value
                    .decode_as::<OctetStringRef<'_>>()
                    .is_ok_and(|d| d.as_bytes() == digest_hash.digest(tst_info).as_slice())
            }
            _ => {}
        }
    }
    if !content_type_ok || !digest_ok {
        return Err(String::from(
            "the RFC 3161 timestamp's signed attributes do not bind its TSTInfo",
        ));
    }
    // The signature is over the attributes' DER with the SET OF tag (RFC 5652 §5.4).
    let mut signed = attrs.to_der().map_err(|_| bad("signed attributes"))?;
    if let Some(first) = signed.first_mut() {
        *first = 0x31;
    }
    let signature_hash = match algorithm(signer.get(4), "SignerInfo")? {
        ECDSA_SHA256 | RSA_SHA256 => MessageHash::Sha256,
        ECDSA_SHA384 | RSA_SHA384 => MessageHash::Sha384,
        ECDSA_SHA512 | RSA_SHA512 => MessageHash::Sha512,
        EC_PUBLIC_KEY | RSA_ENCRYPTION => digest_hash,
        _ => {
            return Err(String::from(
                "the RFC 3161 timestamp is signed with an unsupported algorithm",
            ))
        }
    };
    let token_signature = signer
        .get(5)
        .and_then(|s| s.decode_as::<OctetStringRef<'_>>().ok())
        .ok_or_else(|| bad("SignerInfo"))?
        .as_bytes();

    let mut last = String::from(
        "no timestamp authority of the trusted root was valid at the timestamp's time",
    );
    for tsa in root
        .timestamp_authorities
        .iter()
        .filter(|a| a.valid_for.contains(time))
    {
        // The leaf first; in the pool it is also among the intermediates, which is harmless.
        let (Some(leaf), Some(pool)) = (tsa.chain.first(), tsa.pool()) else {
            continue;
        };
        let key = Subject::read(leaf)
            .ok()
            .and_then(|s| CosignKey::from_spki_der(&s.spki_der).ok());
        let Some(key) = key else {
            last = String::from("a timestamp authority's certificate has an unusable key");
            continue;
        };
        if key
            .verify_with_hash(signature_hash, &signed, token_signature)
            .is_err()
        {
            last = String::from(
                "the RFC 3161 timestamp is not signed by a timestamp authority of the trusted root",
            );
            continue;
        }
        let at = u64::try_from(time).map_err(|_| bad("genTime"))?;
        match x509::verify_time_stamping(leaf, &pool, at) {
            Ok(_) => return Ok((time, tsa.uri.clone())),
            Err(e) => {
                last = alloc::format!(
                    "the timestamp authority's certificates were not valid at the timestamp's time: {e}"
                )
            }
        }
    }
    Err(last)
}
