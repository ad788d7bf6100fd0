//! Evaluating a scope's requirements for one image: every requirement must allow it (logical
//! AND, in policy order); a signature-checking requirement allows it when at least one signature
//! is accepted. One file per requirement type, each with the same `evaluate` shape.

mod insecure_accept_anything;
#[cfg(feature = "keyless")]
mod keyless;
mod reject;
mod signed_base_layer;
mod signed_by;
mod sigstore_signed;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Code;
use crate::policy::{KeySource, Requirement};
use crate::reference::ImageName;
use crate::verdict::{Outcome, Reason, RequirementReport, SignatureFormat, SignatureReport};

/// What the evaluation of one image works from: all of it computed or fetched before any
/// requirement is evaluated, so evaluation itself does no I/O.
pub(crate) struct Context<'a> {
    /// The image as the user named it.
    pub(crate) image: &'a ImageName,
    /// The digest of the manifest being evaluated, computed by sigwall from its bytes.
    #[allow(dead_code, reason = "reported by the OpenPGP mechanism")]
    pub(crate) manifest_digest: &'a crate::digest::Digest,
    /// The SHA-256 of the manifest (what signatures sign; schema 1 JWS signatures stripped).
    pub(crate) manifest_sha256: &'a crate::digest::Digest,
    /// The SHA-256 of the image index the manifest was chosen from, when its signatures count
    /// too (the `acceptIndexSignatures` opt-in).
    pub(crate) index_sha256: Option<&'a crate::digest::Digest>,
    /// Every signature found for that manifest, not yet verified.
    pub(crate) signatures: &'a [Candidate],
    /// The host's clock, seconds since the epoch (signature and key expiry).
    #[cfg_attr(not(feature = "pgp"), allow(dead_code))]
    pub(crate) now: u64,
    /// Key files the policy names, as the host supplied them (`None`: the file is missing).
    pub(crate) key_files: &'a [(String, Option<Vec<u8>>)],
    /// Keys parsed once per policy.
    pub(crate) cache: &'a crate::policy::cache::KeyCache,
}

/// A signature found for the image, not yet verified by anyone.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub(crate) format: SignatureFormat,
    /// Where the host found it (`lookaside`, `cosign-tag`, `dir`, …).
    pub(crate) source: String,
    /// The untrusted bytes: an OpenPGP message, or a cosign payload.
    pub(crate) untrusted_body: Vec<u8>,
    /// For cosign: the layer descriptor's annotations (signature, bundle, certificate, …).
    pub(crate) untrusted_annotations: Vec<(String, String)>,
    /// A problem found before any cryptography (a malformed container, a payload that does not
    /// match its descriptor): the signature is rejected with it.
    pub(crate) defect: Option<(Code, String)>,
}

impl Candidate {
    /// A candidate with a body and nothing else.
    pub(crate) fn new(format: SignatureFormat, source: &str, untrusted_body: Vec<u8>) -> Self {
        Candidate {
            format,
            source: String::from(source),
            untrusted_body,
            untrusted_annotations: Vec::new(),
            defect: None,
        }
    }

    /// A signature rejected before any cryptography, for `code` and `message`.
    pub(crate) fn defective(
        format: SignatureFormat,
        source: &str,
        code: Code,
        message: String,
    ) -> Self {
        let mut c = Candidate::new(format, source, Vec::new());
        c.defect = Some((code, message));
        c
    }

    /// The value of an annotation, if present.
    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.untrusted_annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The bytes of every key a key source names: inline data, or the files the host supplied.
pub(crate) fn key_material(
    source: &KeySource,
    ctx: &Context<'_>,
) -> Result<Vec<Vec<u8>>, (Code, String)> {
    let file = |path: &String| -> Result<Vec<u8>, (Code, String)> {
        match ctx.key_files.iter().find(|(p, _)| p == path) {
            Some((_, Some(bytes))) => Ok(bytes.clone()),
            Some((_, None)) => Err((
                Code::KeyFileMissing,
                format!(
                    "reading key file {}: no such file",
                    crate::error::quoted(path)
                ),
            )),
            // Key files are requested whenever a signature exists; this is a host error.
            None => Err((
                Code::Internal,
                format!("key file {} was not provided", crate::error::quoted(path)),
            )),
        }
    };
    match source {
        KeySource::Data(d) => Ok(alloc::vec![d.clone()]),
        KeySource::Datas(ds) => Ok(ds.clone()),
        KeySource::Path(p) => Ok(alloc::vec![file(p)?]),
        KeySource::Paths(ps) => ps.iter().map(file).collect(),
    }
}

/// The outcome of one requirement, with the reason when it denies.
pub(crate) struct RequirementOutcome {
    pub(crate) report: RequirementReport,
    pub(crate) denial: Option<Reason>,
}

impl RequirementOutcome {
    fn allow(type_name: &'static str, signatures: Vec<SignatureReport>) -> Self {
        RequirementOutcome {
            report: RequirementReport {
                type_name,
                allowed: true,
                signatures,
            },
            denial: None,
        }
    }

    fn deny(
        type_name: &'static str,
        signatures: Vec<SignatureReport>,
        code: Code,
        message: String,
    ) -> Self {
        RequirementOutcome {
            report: RequirementReport {
                type_name,
                allowed: false,
                signatures,
            },
            denial: Some(Reason { code, message }),
        }
    }
}

/// Evaluates one requirement.
pub(crate) fn evaluate(requirement: &Requirement, ctx: &Context<'_>) -> RequirementOutcome {
    match requirement {
        Requirement::InsecureAcceptAnything => insecure_accept_anything::evaluate(ctx),
        Requirement::Reject => reject::evaluate(ctx),
        Requirement::SignedBy(r) => signed_by::evaluate(r, ctx),
        Requirement::SigstoreSigned(r) => sigstore_signed::evaluate(r, ctx),
        Requirement::SignedBaseLayer { .. } => signed_base_layer::evaluate(ctx),
    }
}

/// Evaluates a signature-checking requirement: every candidate of `format` goes through `check`
/// with the requirement's trusted keys (or, when they could not be loaded, is rejected with that
/// reason); candidates of other formats are counted for the summary.
pub(crate) fn each_signature<K>(
    type_name: &'static str,
    formats: &[SignatureFormat],
    keys: &Result<K, (Code, String)>,
    ctx: &Context<'_>,
    check: impl Fn(&K, &Candidate) -> SignatureReport,
    skipped_note: impl Fn(usize) -> String,
) -> RequirementOutcome {
    let mut reports = Vec::new();
    let mut skipped = 0usize;
    for candidate in ctx.signatures {
        if !formats.contains(&candidate.format) {
            skipped += 1;
            continue;
        }
        reports.push(match keys {
            Err((code, message)) => rejected(candidate, *code, message.clone()),
            Ok(keys) => check(keys, candidate),
        });
    }
    let note = if skipped > 0 {
        skipped_note(skipped)
    } else {
        String::new()
    };
    summarize(type_name, reports, &note)
}

/// The checks after a signature verified and its payload parsed, the same for both mechanisms:
/// the signed digest must be the SHA-256 of the manifest evaluated, and the claimed identity
/// must satisfy `identity`. `key` names the key that made the signature.
pub(crate) fn check_claims(
    identity: &crate::policy::SignedIdentity,
    payload: &crate::payload::AcceptedPayload,
    candidate: &Candidate,
    key: String,
    ctx: &Context<'_>,
) -> SignatureReport {
    let claimed = payload.docker_reference();
    let signed = payload.docker_manifest_digest();
    let (code, message) = if signed != ctx.manifest_sha256 && Some(signed) != ctx.index_sha256 {
        (
            Code::DigestMismatch,
            format!(
                "Signature for docker-manifest-digest {} does not match manifest digest {}",
                payload.docker_manifest_digest(),
                ctx.manifest_sha256
            ),
        )
    } else if !identity.matches(ctx.image.reference(), claimed) {
        (
            Code::IdentityMismatch,
            format!(
                "Signature for identity {} is not accepted",
                crate::error::quoted(claimed)
            ),
        )
    } else {
        return accepted(candidate, key, String::from(claimed));
    };
    let mut report = rejected(candidate, code, message);
    report.key = Some(key);
    if code == Code::IdentityMismatch {
        report.identity = Some(String::from(claimed));
    }
    report
}

/// An accepted signature.
pub(crate) fn accepted(candidate: &Candidate, key: String, identity: String) -> SignatureReport {
    SignatureReport {
        format: candidate.format,
        source: candidate.source.clone(),
        outcome: Outcome::Accepted,
        code: None,
        message: None,
        key: Some(key),
        identity: Some(identity),
        signer: None,
    }
}

/// A rejected signature.
pub(crate) fn rejected(candidate: &Candidate, code: Code, message: String) -> SignatureReport {
    SignatureReport {
        format: candidate.format,
        source: candidate.source.clone(),
        outcome: Outcome::Rejected,
        code: Some(code),
        message: Some(message),
        key: None,
        identity: None,
        signer: None,
    }
}

/// The outcome of a signature-checking requirement from the reports of the signatures it
/// considered, with containers/image's three summary shapes.
pub(crate) fn summarize(
    type_name: &'static str,
    reports: Vec<SignatureReport>,
    skipped: &str,
) -> RequirementOutcome {
    if reports.iter().any(|r| r.outcome == Outcome::Accepted) {
        return RequirementOutcome::allow(type_name, reports);
    }
    let messages: Vec<&str> = reports
        .iter()
        .filter_map(|r| r.message.as_deref())
        .collect();
    let (code, message) = match (reports.as_slice(), messages.as_slice()) {
        ([], _) => (
            Code::NoSignatures,
            format!("A signature was required, but no signature exists{skipped}"),
        ),
        ([only], [message]) => (
            only.code.unwrap_or(Code::NoAcceptedSignature),
            String::from(*message),
        ),
        _ => (
            Code::NoAcceptedSignature,
            format!(
                "None of the signatures were accepted, reasons: {}",
                messages.join("; ")
            ),
        ),
    };
    RequirementOutcome::deny(type_name, reports, code, message)
}
