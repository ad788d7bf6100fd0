//! Rekor signed entry timestamps (SETs): the `dev.sigstore.cosign/bundle` annotation that proves
//! a cosign signature was entered in a Rekor transparency log (cosign.md §1.5).
//!
//! containers/image's order, kept here: parse the bundle; canonicalize its `Payload` (RFC 8785)
//! and check the log's ECDSA signature over the SHA-256 of those bytes with a trusted Rekor key;
//! only then read the now-authenticated entry: a `hashedrekord` 0.0.1 whose public key is the
//! key that must verify the image signature, whose signature is byte for byte the one in the
//! signature annotation, and whose SHA-256 is the payload's.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sha2::Digest as _;

use super::cosign::CosignKey;
use crate::json::{self, Object, Value};

/// The annotation holding the bundle.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";

/// Bundles larger than this are refused unread (real ones are a few KiB).
const MAX_BUNDLE_BYTES: usize = 256 * 1024;

/// Why a bundle does not vouch for a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetRejection {
    /// No trusted Rekor key signed the entry.
    BadSignature,
    /// The bundle or the entry is malformed, or the entry is about another key, signature or
    /// payload. The message says which, in containers/image's words where it has them.
    Invalid(String),
}

/// What an authenticated log entry says.
#[derive(Debug)]
pub struct RekorEntry {
    /// The DER SubjectPublicKeyInfo of the key the entry records.
    pub public_key_der: Vec<u8>,
    /// When the log integrated the entry (seconds since the epoch).
    pub integrated_time: i64,
    /// The entry's index in the log.
    pub log_index: i64,
    /// The log's ID as the SET payload gives it (hex SHA-256 of the log's key).
    pub log_id: String,
}

fn invalid(message: impl Into<String>) -> SetRejection {
    SetRejection::Invalid(message.into())
}

fn field<'v>(obj: &'v Object, key: &str) -> Result<&'v Value, SetRejection> {
    obj.get(key)
        .ok_or_else(|| invalid(format!("missing {} field", crate::error::quoted(key))))
}

fn text<'v>(obj: &'v Object, key: &str) -> Result<&'v str, SetRejection> {
    match field(obj, key)? {
        Value::String(s) => Ok(s),
        _ => Err(invalid(format!(
            "{} is not a string",
            crate::error::quoted(key)
        ))),
    }
}

fn object<'v>(obj: &'v Object, key: &str) -> Result<&'v Object, SetRejection> {
    match field(obj, key)? {
        Value::Object(o) => Ok(o),
        _ => Err(invalid(format!(
            "{} is not an object",
            crate::error::quoted(key)
        ))),
    }
}

/// An integer as Go's `int64` decoding reads one.
fn integer(obj: &Object, key: &str) -> Result<i64, SetRejection> {
    match field(obj, key)? {
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| invalid(format!("{} is not an integer", crate::error::quoted(key))))
}

fn base64(s: &str, what: &str) -> Result<Vec<u8>, SetRejection> {
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(s)
        .map_err(|_| invalid(format!("{what} is not valid base64")))
}

/// The object's keys must be exactly `keys` (Go's strict decoding of the bundle).
fn exactly(obj: &Object, keys: &[&str], what: &str) -> Result<(), SetRejection> {
    if let Some(k) = obj.unknown_key(keys) {
        return Err(invalid(format!(
            "unexpected field {} in {what}",
            crate::error::quoted(&crate::error::excerpt(k))
        )));
    }
    keys.iter().try_for_each(|k| field(obj, k).map(|_| ()))
}

/// The SET payload's four fields and their RFC 8785 canonical form, the bytes the log signed.
/// (Any other field would make containers/image's strict parse of the payload fail after the
/// signature check, so such a bundle is refused here before it.)
fn canonical_payload(
    payload: &Object,
) -> Result<(String, Vec<u8>, i64, i64, String), SetRejection> {
    exactly(
        payload,
        &["body", "integratedTime", "logIndex", "logID"],
        "the Rekor SET payload",
    )?;
    let body = text(payload, "body")?;
    let integrated_time = integer(payload, "integratedTime")?;
    let log_index = integer(payload, "logIndex")?;
    let log_id = text(payload, "logID")?;
    // Members sorted by key (UTF-16 order; these are ASCII), no whitespace, integers plainly.
    let mut out = String::from("{\"body\":");
    json::write_string(&mut out, body);
    out.push_str(&format!(",\"integratedTime\":{integrated_time},\"logID\":"));
    json::write_string(&mut out, log_id);
    out.push_str(&format!(",\"logIndex\":{log_index}}}"));
    Ok((
        out,
        base64(body, "the Rekor SET body")?,
        integrated_time,
        log_index,
        String::from(log_id),
    ))
}

/// The log ID (key ID bytes) a Rekor bundle's SET payload names, unauthenticated: only for
/// choosing the key to check it with.
pub fn named_log(bundle: &str) -> Option<Vec<u8>> {
    let Ok(Value::Object(set)) = json::parse(bundle.as_bytes(), MAX_BUNDLE_BYTES) else {
        return None;
    };
    let Some(Value::Object(payload)) = set.get("Payload") else {
        return None;
    };
    match payload.get("logID") {
        Some(Value::String(id)) => base16ct::mixed::decode_vec(id).ok(),
        _ => None,
    }
}

/// Verifies `bundle` (the annotation's JSON) with the trusted Rekor keys and checks that the
/// entry is about `signature_base64` over `payload`. Returns the recorded public key, which the
/// caller must then find among its trusted keys and verify the signature with.
///
/// # Errors
///
/// A [`SetRejection`].
pub fn verify(
    rekor_keys: &[CosignKey],
    bundle: &str,
    signature_base64: &str,
    payload: &[u8],
) -> Result<RekorEntry, SetRejection> {
    let value = json::parse(bundle.as_bytes(), MAX_BUNDLE_BYTES)
        .map_err(|e| invalid(format!("parsing the Rekor bundle: {e}")))?;
    let Value::Object(set) = &value else {
        return Err(invalid("the Rekor bundle is not a JSON object"));
    };
    exactly(
        set,
        &["SignedEntryTimestamp", "Payload"],
        "the Rekor bundle",
    )?;
    let set_signature = text(set, "SignedEntryTimestamp")?;
    let (canonical, body, integrated_time, log_index, log_id) =
        canonical_payload(object(set, "Payload")?)?;
    if !rekor_keys
        .iter()
        .any(|k| k.verify(canonical.as_bytes(), set_signature).is_ok())
    {
        return Err(SetRejection::BadSignature);
    }
    // Authenticated from here on.
    let entry = json::parse(&body, MAX_BUNDLE_BYTES)
        .map_err(|e| invalid(format!("decoding the body of a Rekor SET payload: {e}")))?;
    let Value::Object(entry) = &entry else {
        return Err(invalid(
            "the body of a Rekor SET payload is not a JSON object",
        ));
    };
    if text(entry, "kind")? != "hashedrekord" {
        return Err(invalid("the Rekor entry is not a hashedrekord"));
    }
    if text(entry, "apiVersion")? != "0.0.1" {
        return Err(invalid(format!(
            "unsupported Rekor SET Payload hashedrekord version {}",
            crate::error::quoted(&crate::error::excerpt(text(entry, "apiVersion")?))
        )));
    }
    let spec = object(entry, "spec")?;
    let recorded_signature = object(spec, "signature")?;
    let pem = base64(
        text(object(recorded_signature, "publicKey")?, "content")?,
        "signature.publicKey.content",
    )?;
    let (_, public_key_der) = core::str::from_utf8(&pem)
        .ok()
        .and_then(|pem| pem_rfc7468::decode_vec(pem.trim().as_bytes()).ok())
        .ok_or_else(|| invalid("publicKey in Rekor SET is not in PEM format"))?;
    let signature = super::cosign::decode_signature(signature_base64)
        .ok_or_else(|| invalid("decoding signature base64 failed"))?;
    let recorded = base64(text(recorded_signature, "content")?, "signature.content")?;
    if recorded != signature {
        return Err(invalid("signature in Rekor SET does not match"));
    }
    let hash = object(object(spec, "data")?, "hash")?;
    let algorithm = text(hash, "algorithm")?;
    if algorithm != "sha256" {
        return Err(invalid(format!(
            "Unexpected \"data.hash.algorithm\" value {}",
            crate::error::quoted(&crate::error::excerpt(algorithm))
        )));
    }
    let recorded_hash = base16ct::mixed::decode_vec(text(hash, "value")?)
        .map_err(|_| invalid("Invalid \"data.hash.value\" field in hashedrekord"))?;
    if recorded_hash.as_slice() != sha2::Sha256::digest(payload).as_slice() {
        return Err(invalid("payload in Rekor SET does not match"));
    }
    Ok(RekorEntry {
        public_key_der,
        integrated_time,
        log_index,
        log_id,
    })
}

#[cfg(test)]
mod tests;
