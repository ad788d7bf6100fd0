//! Sigstore bundles (cosign.md §2.3): what cosign v3, sigstore-js, sigstore-python and
//! sigstore-go write. A bundle carries a signature (over an artifact, or a DSSE envelope), the
//! signer's certificate or a key hint, and transparency log entries; a trusted root
//! (`trusted_root.json`, §3) says which CAs, logs and CT logs may vouch for it.
//!
//! What must hold for a bundle to verify, in the order checked here:
//! 1. it parses, with one of the bundle media types (v0.1, v0.2, v0.3, both spellings);
//! 2. each log entry is from a log of the trusted root; an inclusion proof (required from
//!    v0.2 on) reaches its root hash, and a checkpoint signed by that log commits to that root
//!    and size; an inclusion promise (required in v0.1) verifies, and gives the entry's
//!    integrated time, which must fall in the log key's `validFor`;
//! 3. at every verified time, the certificate chains to a certificate authority of the root
//!    that was valid then, for code signing (certificates inside the bundle are never trusted:
//!    only the leaf is read from it);
//! 4. an SCT embedded in the certificate verifies with a CT log of the root;
//! 5. the certificate names the expected identity (a SAN) and OIDC issuer, lists code signing
//!    in its EKU and allows digital signatures;
//! 6. each log entry records this signature, this certificate and this artifact;
//! 7. the signature verifies over the artifact (or over DSSE's PAE), and a DSSE statement
//!    names the artifact's SHA-256 among its subjects.
//!
//! Log entry kinds: `hashedrekord` and `dsse` 0.0.1, `intoto` 0.0.2 (npm provenance). RFC 3161
//! timestamps and Rekor v2 entries (0.0.2 of the first two) are not verified yet: a bundle with
//! either is refused as unsupported, never accepted unchecked.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sha2::{Digest as _, Sha256};

use crate::error::Code;
use crate::json::{self, Object, Value};
use crate::mechanism::cosign::CosignKey;
use crate::mechanism::x509::{self, Subject};
use crate::verdict::{LogEntry, Signer, Timestamp};

mod log;
mod proto;
mod sct;
mod trusted_root;
mod tsa;

pub use trusted_root::{Authority, LogKey, TrustedRoot, Window, PUBLIC_GOOD};

/// Bundles larger than this are refused unread.
pub const MAX_BUNDLE_BYTES: usize = 1024 * 1024;

/// A rejection: its code and what is wrong.
pub type Rejection = (Code, String);

const MEDIA_TYPES: &[(&str, u8)] = &[
    ("application/vnd.dev.sigstore.bundle+json;version=0.1", 1),
    ("application/vnd.dev.sigstore.bundle+json;version=0.2", 2),
    ("application/vnd.dev.sigstore.bundle+json;version=0.3", 3),
    ("application/vnd.dev.sigstore.bundle.v0.3+json", 3),
];

/// The in-toto payload type of DSSE envelopes Sigstore verifies.
const IN_TOTO: &str = "application/vnd.in-toto+json";

/// What was signed, as the verifier knows it.
#[derive(Clone, Copy, Debug)]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// Only its SHA-256 digest (a message signature is then checked over the digest; an
    /// Ed25519 signature, made over the message itself, cannot be).
    Sha256([u8; 32]),
    /// Only its SHA-512 digest: for DSSE bundles whose in-toto subjects name SHA-512 digests
    /// (npm provenance names the package tarball so). Message signatures cannot be checked.
    Sha512([u8; 64]),
}

impl Artifact<'_> {
    fn sha256(&self) -> Option<[u8; 32]> {
        match self {
            Artifact::Bytes(b) => Some(Sha256::digest(b).into()),
            Artifact::Sha256(d) => Some(*d),
            Artifact::Sha512(_) => None,
        }
    }

    fn sha512(&self) -> Option<[u8; 64]> {
        match self {
            Artifact::Bytes(b) => Some(sha2::Sha512::digest(b).into()),
            Artifact::Sha256(_) => None,
            Artifact::Sha512(d) => Some(*d),
        }
    }
}

/// Who must have signed.
#[derive(Debug)]
pub enum Expected {
    /// A certificate for this identity from this OIDC issuer.
    Certificate {
        /// Which SAN.
        identity: Identity,
        /// The OIDC issuer, compared exactly.
        issuer: String,
    },
    /// This key (a bundle with a public key hint).
    Key(CosignKey),
}

/// The certificate identity expected.
#[derive(Debug)]
pub enum Identity {
    /// Any SAN (e-mail, URI, DNS name) equal to this (`--certificate-identity`).
    Any(String),
    /// A policy's subject (`subjectEmail`, `subjectURI`, `subjectRegExp`).
    Subject(crate::policy::Subject),
}

impl From<String> for Identity {
    fn from(san: String) -> Self {
        Identity::Any(san)
    }
}

impl From<&str> for Identity {
    fn from(san: &str) -> Self {
        Identity::Any(String::from(san))
    }
}

/// A bundle that verified.
#[derive(Debug)]
pub struct Verified {
    /// Who signed (certificate identities and issuer, the log entry); for a key bundle, no
    /// identities.
    pub signer: Signer,
    /// The in-toto predicate type, for a DSSE bundle.
    pub predicate_type: Option<String>,
    /// The trusted root that decided (`sha256:` of its bytes).
    pub trusted_root: String,
}

enum Material {
    Certificate(Vec<u8>),
    PublicKey,
}

struct Proof {
    log_index: i64,
    root_hash: Vec<u8>,
    tree_size: i64,
    hashes: Vec<Vec<u8>>,
    checkpoint: String,
}

struct Entry {
    log_index: i64,
    log_id: Vec<u8>,
    kind: String,
    version: String,
    integrated_time: Option<i64>,
    promise: Option<Vec<u8>>,
    proof: Option<Proof>,
    body: Vec<u8>,
}

enum Content {
    Message {
        digest: Option<(String, Vec<u8>)>,
        signature: Vec<u8>,
    },
    Dsse {
        payload: Vec<u8>,
        payload_type: String,
        signature: Vec<u8>,
    },
}

struct Bundle {
    version: u8,
    material: Material,
    entries: Vec<Entry>,
    /// RFC 3161 timestamps (DER `TimeStampResp`s).
    timestamps: Vec<Vec<u8>>,
    content: Content,
}

fn malformed(message: String) -> Rejection {
    (
        Code::SignatureInvalid,
        format!("malformed bundle: {message}"),
    )
}

fn log_invalid(message: impl Into<String>) -> Rejection {
    (Code::LogEntryInvalid, message.into())
}

/// Exactly one of `keys` is set in `obj` (a protobuf `oneof`).
fn one_of<'v>(
    obj: &'v Object,
    keys: &[&'v str],
    path: &str,
) -> Result<(&'v str, &'v Object), String> {
    let mut found = keys
        .iter()
        .filter_map(|k| proto::optional(obj, k).map(|v| (*k, v)));
    match (found.next(), found.next()) {
        (Some((k, v)), None) => Ok((k, proto::as_object(v, &format!("{path}.{k}"))?)),
        (None, _) => Err(format!("{path} has none of {}", keys.join(", "))),
        (Some(_), Some(_)) => Err(format!("{path} has more than one of {}", keys.join(", "))),
    }
}

fn parse_entry(value: &Value, path: &str) -> Result<Entry, String> {
    let e = proto::as_object(value, path)?;
    let kind_version = proto::object(e, "kindVersion", path)?;
    let kv_path = format!("{path}.kindVersion");
    let proof = proto::optional(e, "inclusionProof")
        .map(|p| -> Result<Proof, String> {
            let path = format!("{path}.inclusionProof");
            let p = proto::as_object(p, &path)?;
            Ok(Proof {
                log_index: proto::integer(p, "logIndex", &path)?,
                root_hash: proto::bytes(p, "rootHash", &path)?,
                tree_size: proto::integer(p, "treeSize", &path)?,
                hashes: proto::array(p, "hashes", &path)?
                    .iter()
                    .map(|h| match h {
                        Value::String(s) => proto::decode_base64(s),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{path}.hashes is not a list of base64 strings"))?,
                checkpoint: String::from(proto::string(
                    proto::object(p, "checkpoint", &path)?,
                    "envelope",
                    &format!("{path}.checkpoint"),
                )?),
            })
        })
        .transpose()?;
    let promise = proto::optional(e, "inclusionPromise")
        .map(|p| {
            let path = format!("{path}.inclusionPromise");
            proto::bytes(proto::as_object(p, &path)?, "signedEntryTimestamp", &path)
        })
        .transpose()?;
    Ok(Entry {
        log_index: proto::integer(e, "logIndex", path)?,
        log_id: proto::bytes(proto::object(e, "logId", path)?, "keyId", path)?,
        kind: String::from(proto::string(kind_version, "kind", &kv_path)?),
        version: String::from(proto::string(kind_version, "version", &kv_path)?),
        integrated_time: proto::optional_integer(e, "integratedTime", path)?.filter(|t| *t != 0),
        promise,
        proof,
        body: proto::bytes(e, "canonicalizedBody", path)?,
    })
}

fn parse(bytes: &[u8]) -> Result<Bundle, Rejection> {
    let value = json::parse(bytes, MAX_BUNDLE_BYTES).map_err(|e| malformed(format!("{e}")))?;
    let root = proto::as_object(&value, "bundle").map_err(malformed)?;
    let media_type = proto::string(root, "mediaType", "bundle").map_err(malformed)?;
    let version = MEDIA_TYPES
        .iter()
        .find(|(m, _)| *m == media_type)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            (
                Code::UnsupportedFormat,
                format!(
                    "unsupported bundle media type {}",
                    crate::error::quoted(&crate::error::excerpt(media_type))
                ),
            )
        })?;
    let path = "bundle.verificationMaterial";
    let vm = proto::object(root, "verificationMaterial", "bundle").map_err(malformed)?;
    let material = match one_of(
        vm,
        &["certificate", "x509CertificateChain", "publicKey"],
        path,
    )
    .map_err(malformed)?
    {
        ("certificate", c) => {
            Material::Certificate(proto::bytes(c, "rawBytes", path).map_err(malformed)?)
        }
        ("x509CertificateChain", chain) => {
            let p = format!("{path}.x509CertificateChain");
            let first = proto::array(chain, "certificates", &p)
                .map_err(malformed)?
                .first()
                .ok_or_else(|| malformed(format!("{p}.certificates is empty")))?;
            let first = proto::as_object(first, &p).map_err(malformed)?;
            Material::Certificate(proto::bytes(first, "rawBytes", &p).map_err(malformed)?)
        }
        _ => Material::PublicKey,
    };
    let entries = proto::array(vm, "tlogEntries", path)
        .map_err(malformed)?
        .iter()
        .enumerate()
        .map(|(i, e)| parse_entry(e, &format!("{path}.tlogEntries[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(malformed)?;
    let mut timestamps = Vec::new();
    if let Some(tvd) = proto::optional(vm, "timestampVerificationData") {
        let p = format!("{path}.timestampVerificationData");
        let tvd = proto::as_object(tvd, &p).map_err(malformed)?;
        for ts in proto::array(tvd, "rfc3161Timestamps", &p).map_err(malformed)? {
            let ts = proto::as_object(ts, &p).map_err(malformed)?;
            timestamps.push(proto::bytes(ts, "signedTimestamp", &p).map_err(malformed)?);
        }
    }
    let content = match one_of(root, &["messageSignature", "dsseEnvelope"], "bundle")
        .map_err(malformed)?
    {
        ("messageSignature", m) => {
            let p = "bundle.messageSignature";
            let digest = proto::optional(m, "messageDigest")
                .map(|d| -> Result<(String, Vec<u8>), String> {
                    let d = proto::as_object(d, p)?;
                    Ok((
                        String::from(proto::string(d, "algorithm", p)?),
                        proto::bytes(d, "digest", p)?,
                    ))
                })
                .transpose()
                .map_err(malformed)?;
            Content::Message {
                digest,
                signature: proto::bytes(m, "signature", p).map_err(malformed)?,
            }
        }
        (_, d) => {
            let p = "bundle.dsseEnvelope";
            let signatures = proto::array(d, "signatures", p).map_err(malformed)?;
            let [signature] = signatures else {
                return Err(malformed(format!(
                    "{p} has {} signatures, not exactly one",
                    signatures.len()
                )));
            };
            let signature = proto::as_object(signature, p).map_err(malformed)?;
            Content::Dsse {
                payload: proto::bytes(d, "payload", p).map_err(malformed)?,
                payload_type: String::from(proto::string(d, "payloadType", p).map_err(malformed)?),
                signature: proto::bytes(signature, "sig", p).map_err(malformed)?,
            }
        }
    };
    Ok(Bundle {
        version,
        material,
        entries,
        timestamps,
        content,
    })
}

/// Checks one log entry's proofs; returns the time its inclusion promise vouches for.
fn check_entry(
    bundle: &Bundle,
    entry: &Entry,
    root: &TrustedRoot,
) -> Result<Option<i64>, Rejection> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        log_invalid(format!(
            "the log entry is from a log the trusted root does not name (log ID {})",
            base16ct::lower::encode_string(&entry.log_id)
        ))
    })?;
    if !matches!(
        (entry.kind.as_str(), entry.version.as_str()),
        ("hashedrekord" | "dsse", "0.0.1" | "0.0.2") | ("intoto", "0.0.2")
    ) {
        return Err((
            Code::Unsupported,
            format!(
                "log entries of kind {} version {} are not verified yet",
                crate::error::quoted(&crate::error::excerpt(&entry.kind)),
                crate::error::quoted(&crate::error::excerpt(&entry.version))
            ),
        ));
    }
    match (&entry.proof, bundle.version) {
        (Some(proof), _) => {
            let (Ok(index), Ok(size)) = (
                u64::try_from(proof.log_index),
                u64::try_from(proof.tree_size),
            ) else {
                return Err(log_invalid(
                    "the inclusion proof's index or size is negative",
                ));
            };
            let computed = log::root_from_inclusion_proof(
                index,
                size,
                log::leaf_hash(&entry.body),
                &proof.hashes,
            );
            if computed.as_ref().map(<[u8; 32]>::as_slice) != Some(proof.root_hash.as_slice()) {
                return Err(log_invalid(
                    "the inclusion proof does not reach the root hash it states",
                ));
            }
            let checkpoint = log::verify_checkpoint(&proof.checkpoint, log).map_err(log_invalid)?;
            if checkpoint.root_hash != proof.root_hash || checkpoint.size != size {
                return Err(log_invalid(
                    "the checkpoint is for another tree than the inclusion proof",
                ));
            }
        }
        (None, 1) => {}
        (None, _) => {
            return Err(log_invalid(
                "the log entry has no inclusion proof (required from bundle v0.2 on)",
            ))
        }
    }
    let Some(promise) = &entry.promise else {
        if bundle.version == 1 {
            return Err(log_invalid(
                "the log entry has no inclusion promise (required in bundle v0.1)",
            ));
        }
        return Ok(None);
    };
    let integrated_time = entry
        .integrated_time
        .ok_or_else(|| log_invalid("the inclusion promise has no integrated time"))?;
    let body = <base64ct::Base64 as base64ct::Encoding>::encode_string(&entry.body);
    log::verify_promise(log, &body, integrated_time, entry.log_index, promise)
        .map_err(log_invalid)?;
    if !log.valid_for.contains(integrated_time) {
        return Err(log_invalid(
            "the log's key was not valid at the entry's integrated time",
        ));
    }
    Ok(Some(integrated_time))
}

/// The leaf's path to a certificate authority valid at `at`.
/// Checks a signing certificate against `root` at each of `times` (all verified): it chains to
/// a certificate authority valid then, for code signing; an SCT it embeds verifies with a CT
/// log of the root; it allows digital signatures. Returns what it says.
///
/// # Errors
///
/// `CERTIFICATE_INVALID` with the reason.
pub fn certificate_at(
    leaf: &[u8],
    root: &TrustedRoot,
    times: &[i64],
) -> Result<Subject, Rejection> {
    let mut issuer_spki = Vec::new();
    for at in times {
        issuer_spki = chain_at(leaf, root, *at)?.issuer_spki().to_vec();
    }
    if times.is_empty() {
        return Err((
            Code::CertificateInvalid,
            String::from("no verified time to check the certificate at"),
        ));
    }
    let scts = sct::verified_scts(leaf, &issuer_spki, &root.ctlogs)
        .map_err(|e| (Code::CertificateInvalid, e))?;
    if scts == 0 {
        return Err((
            Code::CertificateInvalid,
            String::from("no SCT of the certificate verifies with a CT log of the trusted root"),
        ));
    }
    let subject = Subject::read(leaf).map_err(|e| (Code::CertificateInvalid, e))?;
    if !subject.code_signing || !subject.digital_signature {
        return Err((
            Code::CertificateInvalid,
            String::from(
                "the certificate is not for code signing (its key usage or extended key usage)",
            ),
        ));
    }
    Ok(subject)
}

fn chain_at(leaf: &[u8], root: &TrustedRoot, at: i64) -> Result<x509::VerifiedLeaf, Rejection> {
    let mut last = String::from("no certificate authority of the trusted root was valid then");
    let seconds = u64::try_from(at).map_err(|_| (Code::CertificateInvalid, last.clone()))?;
    for ca in root
        .certificate_authorities
        .iter()
        .filter(|ca| ca.valid_for.contains(at))
    {
        let Some(pool) = ca.pool() else {
            continue;
        };
        match x509::verify_code_signing(leaf, &pool, seconds) {
            Ok(verified) => return Ok(verified),
            Err(e) => last = e,
        }
    }
    Err((Code::CertificateInvalid, last))
}

fn pem_der(base64_pem: &str) -> Option<Vec<u8>> {
    let pem = proto::decode_base64(base64_pem)?;
    let text = core::str::from_utf8(&pem).ok()?;
    pem_rfc7468::decode_vec(text.trim().as_bytes())
        .ok()
        .map(|(_, der)| der)
}

fn hash_is(hash: Option<&Object>, want: &[u8]) -> bool {
    let Some(hash) = hash else { return false };
    matches!(hash.get("algorithm"), Some(Value::String(a)) if a == "sha256")
        && matches!(hash.get("value"), Some(Value::String(v))
            if base16ct::mixed::decode_vec(v).is_ok_and(|v| v == want))
}

fn member<'v>(obj: Option<&'v Object>, key: &str) -> Option<&'v Object> {
    match obj?.get(key)? {
        Value::Object(o) => Some(o),
        _ => None,
    }
}

fn text<'v>(obj: Option<&'v Object>, key: &str) -> Option<&'v str> {
    match obj?.get(key)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Whether the entry's body records this content, signed by `signer_der` (the certificate,
/// or the key), over `artifact_sha256`.
fn body_matches(
    entry: &Entry,
    content: &Content,
    signer_der: &[u8],
    artifact_sha256: &[u8],
) -> bool {
    let Ok(Value::Object(body)) = json::parse(&entry.body, MAX_BUNDLE_BYTES) else {
        return false;
    };
    if text(Some(&body), "kind") != Some(entry.kind.as_str())
        || text(Some(&body), "apiVersion") != Some(entry.version.as_str())
    {
        return false;
    }
    let spec = member(Some(&body), "spec");
    // Rekor v2's kinds (intoto 0.0.2 is Rekor v1's).
    if entry.version == "0.0.2" && entry.kind != "intoto" {
        return body_v2_matches(entry, spec, content, signer_der, artifact_sha256);
    }
    match (content, entry.kind.as_str()) {
        (Content::Message { signature, .. }, "hashedrekord") => {
            let recorded = member(spec, "signature");
            text(recorded, "content")
                .and_then(proto::decode_base64)
                .as_ref()
                == Some(signature)
                && text(member(recorded, "publicKey"), "content")
                    .and_then(pem_der)
                    .as_deref()
                    == Some(signer_der)
                && hash_is(member(member(spec, "data"), "hash"), artifact_sha256)
        }
        (
            Content::Dsse {
                payload, signature, ..
            },
            "dsse",
        ) => {
            let Some(Value::Array(signatures)) = spec.and_then(|s| s.get("signatures")) else {
                return false;
            };
            let [Value::Object(recorded)] = signatures.as_slice() else {
                return false;
            };
            hash_is(member(spec, "payloadHash"), &Sha256::digest(payload))
                && text(Some(recorded), "signature")
                    .and_then(proto::decode_base64)
                    .as_ref()
                    == Some(signature)
                && text(Some(recorded), "verifier")
                    .and_then(pem_der)
                    .as_deref()
                    == Some(signer_der)
        }
        (
            Content::Dsse {
                payload, signature, ..
            },
            "intoto",
        ) => {
            // intoto 0.0.2 keeps the envelope with each signature base64-encoded once more.
            let content = member(spec, "content");
            let Some(Value::Array(signatures)) =
                member(content, "envelope").and_then(|e| e.get("signatures"))
            else {
                return false;
            };
            let [Value::Object(recorded)] = signatures.as_slice() else {
                return false;
            };
            let recorded = text(Some(recorded), "sig")
                .and_then(proto::decode_base64)
                .and_then(|inner| String::from_utf8(inner).ok())
                .and_then(|inner| proto::decode_base64(&inner));
            recorded.as_ref() == Some(signature)
                && hash_is(member(content, "payloadHash"), &Sha256::digest(payload))
        }
        _ => false,
    }
}

/// A Rekor v2 signature record (`{content, verifier}`) is this signature by this signer: the
/// verifier is the certificate's or the key's DER, base64.
fn v2_signature_is(recorded: Option<&Object>, signature: &[u8], signer_der: &[u8]) -> bool {
    let verifier = member(recorded, "verifier");
    let raw = text(member(verifier, "x509Certificate"), "rawBytes")
        .or_else(|| text(member(verifier, "publicKey"), "rawBytes"))
        .and_then(proto::decode_base64);
    text(recorded, "content")
        .and_then(proto::decode_base64)
        .is_some_and(|c| c == signature)
        && raw.is_some_and(|r| r == signer_der)
}

/// A Rekor v2 digest record (`{algorithm, digest}`, the digest base64) is this SHA-256.
fn v2_digest_is(recorded: Option<&Object>, want: &[u8]) -> bool {
    text(recorded, "algorithm") == Some("SHA2_256")
        && text(recorded, "digest")
            .and_then(proto::decode_base64)
            .is_some_and(|d| d == want)
}

/// [`body_matches`] for Rekor v2 (0.0.2) bodies: `hashedRekordV002` and `dsseV002`.
fn body_v2_matches(
    entry: &Entry,
    spec: Option<&Object>,
    content: &Content,
    signer_der: &[u8],
    artifact_sha256: &[u8],
) -> bool {
    match (content, entry.kind.as_str()) {
        (Content::Message { signature, .. }, "hashedrekord") => {
            let spec = member(spec, "hashedRekordV002");
            v2_signature_is(member(spec, "signature"), signature, signer_der)
                && v2_digest_is(member(spec, "data"), artifact_sha256)
        }
        // Rekor v2 may log a DSSE envelope as a hashedrekord over its PAE.
        (
            Content::Dsse {
                payload,
                payload_type,
                signature,
            },
            "hashedrekord",
        ) => {
            let spec = member(spec, "hashedRekordV002");
            v2_signature_is(member(spec, "signature"), signature, signer_der)
                && v2_digest_is(
                    member(spec, "data"),
                    &Sha256::digest(pae(payload_type, payload)),
                )
        }
        (
            Content::Dsse {
                payload, signature, ..
            },
            "dsse",
        ) => {
            let spec = member(spec, "dsseV002");
            let Some(Value::Array(signatures)) = spec.and_then(|s| s.get("signatures")) else {
                return false;
            };
            let [Value::Object(recorded)] = signatures.as_slice() else {
                return false;
            };
            v2_digest_is(member(spec, "payloadHash"), &Sha256::digest(payload))
                && v2_signature_is(Some(recorded), signature, signer_der)
        }
        _ => false,
    }
}

/// DSSE's pre-authentication encoding.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The predicate type of an in-toto statement that names `sha256` among its subjects.
fn statement_for(payload: &[u8], artifact: &Artifact<'_>) -> Result<String, Rejection> {
    let bad = |m: &str| (Code::PayloadInvalid, format!("the DSSE payload {m}"));
    let Ok(Value::Object(statement)) = json::parse(payload, MAX_BUNDLE_BYTES) else {
        return Err(bad("is not a JSON object"));
    };
    if !matches!(
        text(Some(&statement), "_type"),
        Some("https://in-toto.io/Statement/v1" | "https://in-toto.io/Statement/v0.1")
    ) {
        return Err(bad("is not an in-toto statement"));
    }
    let Some(Value::Array(subjects)) = statement.get("subject") else {
        return Err(bad("has no subjects"));
    };
    let names = |algorithm: &str, want: &str| {
        subjects.iter().any(|s| {
            let Value::Object(s) = s else { return false };
            text(member(Some(s), "digest"), algorithm).is_some_and(|d| d.eq_ignore_ascii_case(want))
        })
    };
    let sha256 = artifact
        .sha256()
        .map(|d| base16ct::lower::encode_string(&d));
    let mut named = sha256.as_deref().is_some_and(|want| names("sha256", want));
    // SHA-512 subjects (npm provenance) are compared when SHA-256 names none.
    let mut sha512 = None;
    if !named {
        sha512 = artifact
            .sha512()
            .map(|d| base16ct::lower::encode_string(&d));
        named = sha512.as_deref().is_some_and(|want| names("sha512", want));
    }
    if !named {
        let want = match (&sha256, &sha512) {
            (Some(d), _) => format!("sha256:{d}"),
            (None, Some(d)) => format!("sha512:{d}"),
            (None, None) => String::from("of the artifact"),
        };
        return Err((
            Code::DigestMismatch,
            format!("the in-toto statement names no subject with digest {want}"),
        ));
    }
    text(Some(&statement), "predicateType")
        .map(String::from)
        .ok_or_else(|| bad("has no predicate type"))
}

/// Verifies a Sigstore bundle for `artifact`, signed as `expected` says, under `root`.
///
/// # Errors
///
/// A [`Rejection`]: `SIGNATURE_INVALID` (malformed), `UNSUPPORTED_FORMAT`/`UNSUPPORTED`,
/// `LOG_ENTRY_INVALID`, `CERTIFICATE_INVALID`, `CERTIFICATE_MISMATCH`, `KEY_INVALID`,
/// `BAD_SIGNATURE`, `DIGEST_MISMATCH` or `PAYLOAD_INVALID`.
pub fn verify(
    bundle: &[u8],
    root: &TrustedRoot,
    artifact: &Artifact<'_>,
    expected: &Expected,
) -> Result<Verified, Rejection> {
    let bundle = parse(bundle)?;
    // Unknown when only a SHA-512 is given: nothing can equal it then.
    let artifact_sha256: Vec<u8> = artifact.sha256().map(|d| d.to_vec()).unwrap_or_default();
    // A message signature's digest names the artifact it is for: the clearest refusal of a
    // bundle for other bytes.
    if let Content::Message {
        digest: Some((algorithm, digest)),
        ..
    } = &bundle.content
    {
        if algorithm != "SHA2_256" || *digest != artifact_sha256 {
            return Err((
                Code::DigestMismatch,
                String::from("the bundle's message digest is not the artifact's"),
            ));
        }
    }
    // 2. The log entries, and the times they vouch for.
    if bundle.entries.is_empty() {
        return Err(log_invalid("the bundle has no transparency log entry"));
    }
    let set_times = bundle
        .entries
        .iter()
        .map(|entry| check_entry(&bundle, entry, root))
        .collect::<Result<Vec<_>, _>>()?;
    let first_set_time = set_times.first().copied().flatten();
    let mut times: Vec<i64> = set_times.into_iter().flatten().collect();
    // RFC 3161 timestamps over the signature: each must verify, and each gives a time.
    let signature_bytes = match &bundle.content {
        Content::Message { signature, .. } | Content::Dsse { signature, .. } => signature,
    };
    let mut timestamps = Vec::new();
    for ts in &bundle.timestamps {
        let (time, authority) =
            tsa::verify(ts, signature_bytes, root).map_err(|e| (Code::CertificateInvalid, e))?;
        times.push(time);
        timestamps.push(Timestamp { time, authority });
    }
    // 3.-5. The signer.
    let certificate_key;
    let (key, signer_der, signer) = match (&bundle.material, expected) {
        (Material::Certificate(leaf), Expected::Certificate { identity, issuer }) => {
            if times.is_empty() {
                return Err(log_invalid(
                    "no verified time to check the certificate at: no log entry has an inclusion promise and no RFC 3161 timestamp verified",
                ));
            }
            let subject = certificate_at(leaf, root, &times)?;
            let found_issuer = subject
                .fulcio_issuer()
                .map_err(|e| (Code::CertificateMismatch, e))?;
            if &found_issuer != issuer {
                return Err((
                    Code::CertificateMismatch,
                    format!(
                        "the certificate's OIDC issuer is {}, not {}",
                        crate::error::quoted(&found_issuer),
                        crate::error::quoted(issuer)
                    ),
                ));
            }
            let identities: Vec<String> = subject
                .emails
                .iter()
                .chain(&subject.uris)
                .chain(&subject.dns_names)
                .cloned()
                .collect();
            let (matches, wanted) = match identity {
                Identity::Any(id) => (identities.iter().any(|i| i == id), crate::error::quoted(id)),
                Identity::Subject(s) => (s.matches(&subject.emails, &subject.uris), s.describe()),
            };
            if !matches {
                return Err((
                    Code::CertificateMismatch,
                    format!(
                        "the certificate is for {}, not {}",
                        identities
                            .iter()
                            .map(|i| crate::error::quoted(i))
                            .collect::<Vec<_>>()
                            .join(", "),
                        wanted
                    ),
                ));
            }
            let key = CosignKey::from_spki_der(&subject.spki_der).map_err(|e| {
                (
                    Code::CertificateInvalid,
                    format!("the certificate's key: {e}"),
                )
            })?;
            let signer = Signer {
                identities,
                issuer: Some(found_issuer),
                log: None,
                timestamps: Vec::new(),
            };
            certificate_key = key;
            (&certificate_key, leaf.clone(), signer)
        }
        (Material::PublicKey, Expected::Key(key)) => {
            let der = key.spki_der().to_vec();
            let signer = Signer {
                identities: Vec::new(),
                issuer: None,
                log: None,
                timestamps: Vec::new(),
            };
            (key, der, signer)
        }
        (Material::Certificate(_), Expected::Key(_)) => {
            return Err((
                Code::CertificateMismatch,
                String::from("the bundle is signed with a certificate, not with the expected key"),
            ))
        }
        (Material::PublicKey, Expected::Certificate { .. }) => {
            return Err((
                Code::CertificateMismatch,
                String::from("the bundle is signed with a key, not with a certificate"),
            ))
        }
    };
    // 6. The log entries are about this signature.
    for entry in &bundle.entries {
        if !body_matches(entry, &bundle.content, &signer_der, &artifact_sha256) {
            return Err(log_invalid(
                "the log entry records another signature, signer or artifact than the bundle's",
            ));
        }
    }
    // 7. The signature.
    let predicate_type = match &bundle.content {
        Content::Message { signature, .. } => {
            let hash = key.sigstore_hash();
            let verified = match artifact {
                Artifact::Bytes(bytes) => key.verify_with_hash(hash, bytes, signature),
                Artifact::Sha256(digest)
                    if hash == crate::mechanism::cosign::MessageHash::Sha256 =>
                {
                    key.verify_digest(hash, digest, signature)
                }
                Artifact::Sha256(_) | Artifact::Sha512(_) => {
                    Err(crate::mechanism::cosign::BadSignature)
                }
            };
            verified.map_err(|_| {
                (
                    Code::BadSignature,
                    String::from("the signature does not verify over the artifact"),
                )
            })?;
            None
        }
        Content::Dsse {
            payload,
            payload_type,
            signature,
        } => {
            if payload_type != IN_TOTO {
                return Err((
                    Code::PayloadInvalid,
                    format!(
                        "DSSE payload type {} is not in-toto",
                        crate::error::quoted(&crate::error::excerpt(payload_type))
                    ),
                ));
            }
            key.verify_with_hash(key.sigstore_hash(), &pae(payload_type, payload), signature)
                .map_err(|_| {
                    (
                        Code::BadSignature,
                        String::from("the DSSE signature does not verify"),
                    )
                })?;
            Some(statement_for(payload, artifact)?)
        }
    };
    let first = bundle.entries.first();
    let signer = Signer {
        log: first.map(|e| LogEntry {
            log_id: base16ct::lower::encode_string(&e.log_id),
            log_index: e.log_index,
            integrated_time: first_set_time,
        }),
        timestamps,
        ..signer
    };
    Ok(Verified {
        signer,
        predicate_type,
        trusted_root: root.digest.clone(),
    })
}
