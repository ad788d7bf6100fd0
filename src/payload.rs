//! Signature payloads: the JSON that binds a manifest digest to a claimed image identity, in both
//! flavours (`atomic container signature` for OpenPGP simple signing, `cosign container image
//! signature` for cosign), parsed with containers/image's exact acceptance rules.
//!
//! Nothing may be read from a payload before its signature verified. The types enforce it: the
//! bytes arrive as [`UntrustedPayload`], and only [`UntrustedPayload::accept`], which needs a
//! [`SignatureVerified`] proof that only the signature mechanisms can create, turns them into an
//! [`AcceptedPayload`] whose fields can be read.

use alloc::string::String;
use core::fmt;

use crate::digest::Digest;
use crate::json::{self, Number, Object, Value};

/// The payload flavour a mechanism expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadType {
    /// `atomic container signature` (OpenPGP simple signing): `optional` must be an object.
    Atomic,
    /// `cosign container image signature`: `optional` may also be `null`.
    Cosign,
}

impl PayloadType {
    fn type_string(self) -> &'static str {
        match self {
            PayloadType::Atomic => "atomic container signature",
            PayloadType::Cosign => "cosign container image signature",
        }
    }
}

/// Proof that a signature over some bytes verified with a trusted key. Only the signature
/// mechanisms construct it.
#[derive(Debug)]
pub struct SignatureVerified {
    _private: (),
}

impl SignatureVerified {
    /// Issued by a mechanism after a successful cryptographic verification.
    #[allow(dead_code, reason = "issued by the signature mechanisms")]
    pub(crate) fn issue() -> Self {
        SignatureVerified { _private: () }
    }
}

/// Payload bytes whose signature has not been verified: nothing can be read from them.
#[derive(Clone, Copy)]
pub struct UntrustedPayload<'a> {
    untrusted_bytes: &'a [u8],
}

impl fmt::Debug for UntrustedPayload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UntrustedPayload({} bytes)", self.untrusted_bytes.len())
    }
}

/// A payload whose signature verified, parsed strictly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedPayload {
    docker_manifest_digest: Digest,
    docker_reference: String,
    creator: Option<String>,
    timestamp: Option<i64>,
}

/// Why an authenticated payload is not a valid signature payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadError {
    /// Where in the payload, such as `critical.identity`.
    pub at: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid signature payload at {}: {}",
            self.at, self.reason
        )
    }
}

/// Signature payloads larger than this are refused (containers/image's signature limit).
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;

fn bad(at: &'static str, reason: impl Into<String>) -> PayloadError {
    PayloadError {
        at,
        reason: reason.into(),
    }
}

fn object<'v>(v: Option<&'v Value>, at: &'static str) -> Result<&'v Object, PayloadError> {
    match v {
        Some(Value::Object(o)) => Ok(o),
        Some(other) => Err(bad(
            at,
            alloc::format!("expected an object, got {}", other.kind()),
        )),
        None => Err(bad(at, "missing")),
    }
}

fn string<'v>(v: Option<&'v Value>, at: &'static str) -> Result<&'v str, PayloadError> {
    match v {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(bad(
            at,
            alloc::format!("expected a string, got {}", other.kind()),
        )),
        None => Err(bad(at, "missing")),
    }
}

/// The object's keys must be exactly `keys`.
fn exactly(obj: &Object, keys: &[&str], at: &'static str) -> Result<(), PayloadError> {
    if let Some(k) = obj.unknown_key(keys) {
        return Err(bad(
            at,
            alloc::format!(
                "unexpected key {}",
                crate::error::quoted(&crate::error::excerpt(k))
            ),
        ));
    }
    match keys.iter().find(|k| obj.get(k).is_none()) {
        Some(k) => Err(bad(
            at,
            alloc::format!("missing key {}", crate::error::quoted(k)),
        )),
        None => Ok(()),
    }
}

/// An integer, as Go reads it: any JSON number whose float64 value is an exact int64.
fn integer(v: &Value, at: &'static str) -> Result<i64, PayloadError> {
    match v {
        Value::Number(Number::Unsigned(n)) if i64::try_from(*n).is_err() => {
            Err(bad(at, "out of range"))
        }
        Value::Number(n) => n.as_i64().ok_or_else(|| bad(at, "not an integer")),
        other => Err(bad(
            at,
            alloc::format!("expected a number, got {}", other.kind()),
        )),
    }
}

/// The payload parser without a signature, for the fuzz targets only (`--cfg fuzzing`): in
/// every other build, only a mechanism that verified a signature can have a payload parsed.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_accept(
    untrusted_bytes: &[u8],
    kind: PayloadType,
) -> Result<AcceptedPayload, PayloadError> {
    UntrustedPayload::new(untrusted_bytes).accept(SignatureVerified::issue(), kind)
}

impl<'a> UntrustedPayload<'a> {
    /// Wraps bytes that claim to be a payload.
    pub fn new(untrusted_bytes: &'a [u8]) -> Self {
        UntrustedPayload { untrusted_bytes }
    }

    /// Parses the payload now that its signature verified.
    ///
    /// # Errors
    ///
    /// [`PayloadError`] when the bytes are not exactly a payload of `kind`.
    pub fn accept(
        self,
        _proof: SignatureVerified,
        kind: PayloadType,
    ) -> Result<AcceptedPayload, PayloadError> {
        let value = json::parse(self.untrusted_bytes, MAX_PAYLOAD_BYTES)
            .map_err(|e| bad("(top level)", alloc::format!("{e}")))?;
        let Value::Object(top) = &value else {
            return Err(bad(
                "(top level)",
                alloc::format!("expected an object, got {}", value.kind()),
            ));
        };
        exactly(top, &["critical", "optional"], "(top level)")?;
        let critical = object(top.get("critical"), "critical")?;
        exactly(critical, &["type", "image", "identity"], "critical")?;
        let type_string = string(critical.get("type"), "critical.type")?;
        if type_string != kind.type_string() {
            return Err(bad(
                "critical.type",
                alloc::format!(
                    "unrecognized signature type {}",
                    crate::error::quoted(&crate::error::excerpt(type_string))
                ),
            ));
        }
        let image = object(critical.get("image"), "critical.image")?;
        exactly(image, &["docker-manifest-digest"], "critical.image")?;
        let digest_text = string(
            image.get("docker-manifest-digest"),
            "critical.image.docker-manifest-digest",
        )?;
        let docker_manifest_digest = Digest::parse(digest_text).map_err(|e| {
            bad(
                "critical.image.docker-manifest-digest",
                alloc::format!("{e}"),
            )
        })?;
        let identity = object(critical.get("identity"), "critical.identity")?;
        exactly(identity, &["docker-reference"], "critical.identity")?;
        let docker_reference = String::from(string(
            identity.get("docker-reference"),
            "critical.identity.docker-reference",
        )?);
        let (creator, timestamp) = match (top.get("optional"), kind) {
            (Some(Value::Null), PayloadType::Cosign) => (None, None),
            (optional, _) => {
                let optional = object(optional, "optional")?;
                let creator = match optional.get("creator") {
                    Some(v) => Some(String::from(string(Some(v), "optional.creator")?)),
                    None => None,
                };
                let timestamp = match optional.get("timestamp") {
                    Some(v) => Some(integer(v, "optional.timestamp")?),
                    None => None,
                };
                (creator, timestamp)
            }
        };
        Ok(AcceptedPayload {
            docker_manifest_digest,
            docker_reference,
            creator,
            timestamp,
        })
    }
}

impl AcceptedPayload {
    /// The manifest digest the signature covers.
    pub fn docker_manifest_digest(&self) -> &Digest {
        &self.docker_manifest_digest
    }

    /// The image identity the signature claims (not validated: an invalid one matches nothing).
    pub fn docker_reference(&self) -> &str {
        &self.docker_reference
    }

    /// `optional.creator`, informational.
    pub fn creator(&self) -> Option<&str> {
        self.creator.as_deref()
    }

    /// `optional.timestamp` (seconds since the epoch), informational.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }
}

#[cfg(test)]
mod tests;
