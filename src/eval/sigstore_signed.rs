//! `sigstoreSigned`: a cosign-format signature by a trusted key (or certificate), claiming an
//! acceptable identity for the exact manifest evaluated.
//!
//! Per signature, in this order (nothing from a payload is read before its signature verified):
//! 1. a defect found while fetching it (malformed layer, payload not matching its descriptor);
//! 2. the signature verifies with one of the trusted keys;
//! 3. the now-authenticated payload parses strictly;
//! 4. its `docker-manifest-digest` equals the SHA-256 of the manifest evaluated;
//! 5. its `docker-reference` satisfies `signedIdentity`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    check_claims, each_signature, key_material, rejected, Candidate, Context, RequirementOutcome,
};
use crate::error::Code;
use crate::mechanism::cosign::CosignKey;
use crate::payload::{PayloadType, UntrustedPayload};
use crate::policy::{SigstoreSigned, SigstoreTrust};
use crate::verdict::{SignatureFormat, SignatureReport};

/// The annotation holding the base64 signature over the payload.
pub(crate) const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

pub(super) fn evaluate(requirement: &SigstoreSigned, ctx: &Context<'_>) -> RequirementOutcome {
    each_signature(
        "sigstoreSigned",
        SignatureFormat::Cosign,
        &trusted_keys(requirement, ctx),
        ctx,
        |keys, candidate| check(requirement, keys, candidate, ctx),
        |n| format!(" ({n} non-sigstore signatures, 0 sigstore non-signature attachments)"),
    )
}

/// The requirement's keys, parsed; an error rejects every signature (a malformed key fails the
/// whole requirement, as in containers/image).
fn trusted_keys(
    requirement: &SigstoreSigned,
    ctx: &Context<'_>,
) -> Result<Vec<CosignKey>, (Code, String)> {
    let source = match &requirement.trust {
        SigstoreTrust::Keys(k) => k,
        SigstoreTrust::Fulcio(_) => {
            return Err((
                Code::Unsupported,
                String::from("Fulcio (keyless) verification is not supported yet"),
            ))
        }
        SigstoreTrust::Pki(_) => {
            return Err((
                Code::Unsupported,
                String::from("BYO-PKI certificate verification is not supported yet"),
            ))
        }
    };
    if requirement.rekor.is_some() {
        return Err((
            Code::Unsupported,
            String::from("Rekor SET verification is not supported yet"),
        ));
    }
    key_material(source, ctx)?
        .iter()
        .map(|pem| {
            CosignKey::from_pem(pem)
                .map_err(|e| (Code::KeyInvalid, format!("parsing public key: {e}")))
        })
        .collect()
}

fn check(
    requirement: &SigstoreSigned,
    keys: &[CosignKey],
    candidate: &Candidate,
    ctx: &Context<'_>,
) -> SignatureReport {
    if let Some((code, message)) = &candidate.defect {
        return rejected(candidate, *code, message.clone());
    }
    let Some(signature) = candidate.annotation(SIGNATURE_ANNOTATION) else {
        return rejected(
            candidate,
            Code::SignatureInvalid,
            format!("missing {SIGNATURE_ANNOTATION} annotation"),
        );
    };
    let Some((key, proof)) = keys.iter().find_map(|k| {
        k.verify(&candidate.untrusted_body, signature)
            .ok()
            .map(|p| (k, p))
    }) else {
        return rejected(
            candidate,
            Code::BadSignature,
            String::from("cryptographic signature verification failed"),
        );
    };
    let key = String::from(key.fingerprint());
    match UntrustedPayload::new(&candidate.untrusted_body).accept(proof, PayloadType::Cosign) {
        Ok(payload) => check_claims(&requirement.signed_identity, &payload, candidate, key, ctx),
        Err(e) => {
            let mut report = rejected(candidate, Code::PayloadInvalid, format!("{e}"));
            report.key = Some(key);
            report
        }
    }
}
