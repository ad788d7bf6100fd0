//! `sigstoreSigned`: a cosign-format signature by a trusted key (or certificate), claiming an
//! acceptable identity for the exact manifest evaluated.
//!
//! Per signature, in this order (nothing from a payload is read before its signature verified):
//! 1. a defect found while fetching it (malformed layer, payload not matching its descriptor);
//! 2. when the requirement names Rekor keys: the bundle's SET verifies with one of them and
//!    records this signature, this payload and a trusted key, which is then the only key tried;
//! 3. the signature verifies with one of the trusted keys;
//! 4. the now-authenticated payload parses strictly;
//! 5. its `docker-manifest-digest` equals the SHA-256 of the manifest evaluated;
//! 6. its `docker-reference` satisfies `signedIdentity`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    check_claims, each_signature, key_material, rejected, Candidate, Context, RequirementOutcome,
};
use crate::error::Code;
use crate::mechanism::cosign::CosignKey;
use crate::mechanism::rekor::{self, RekorEntry, SetRejection, BUNDLE_ANNOTATION};
use crate::payload::{PayloadType, UntrustedPayload};
use crate::policy::cache::Handle;
use crate::policy::{SigstoreSigned, SigstoreTrust};
use crate::verdict::{SignatureFormat, SignatureReport, Signer};

/// The annotation holding the base64 signature over the payload.
pub(crate) const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

/// The in-toto predicate type of a cosign v3 image signature (other types are attestations).
#[cfg(feature = "keyless")]
pub(crate) const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

pub(super) fn evaluate(requirement: &SigstoreSigned, ctx: &Context<'_>) -> RequirementOutcome {
    // cosign signatures and Sigstore bundles both go through `check`.
    each_signature(
        "sigstoreSigned",
        &[SignatureFormat::Cosign, SignatureFormat::SigstoreBundle],
        &trusted_keys(requirement, ctx),
        ctx,
        |keys, candidate| check(requirement, keys, candidate, ctx),
        |n| format!(" ({n} non-sigstore signatures, 0 sigstore non-signature attachments)"),
    )
}

/// What a requirement trusts: signing keys or certificate authorities, and Rekor keys when it
/// requires a SET.
pub(super) struct Trust {
    signers: Signers,
    rekor: Option<Handle<Vec<CosignKey>>>,
    /// The trusted root (sigwall extension), parsed once per policy.
    #[cfg(feature = "keyless")]
    root: Option<Handle<crate::mechanism::bundle::TrustedRoot>>,
}

/// Who may sign.
enum Signers {
    /// Public keys (`keyPath(s)`, `keyData(s)`).
    Keys(Handle<Vec<CosignKey>>),
    /// Fulcio certificates (`fulcio`), checked at the SET's time.
    #[cfg(feature = "keyless")]
    Fulcio(super::keyless::FulcioTrust),
    /// Certificates of the user's own PKI (`pki`), checked now.
    #[cfg(feature = "keyless")]
    Pki(super::keyless::PkiTrust),
}

/// The keys of `source`, parsed once per policy.
fn parse_keys(
    source: &crate::policy::KeySource,
    ctx: &Context<'_>,
    what: &str,
) -> Result<Handle<Vec<CosignKey>>, (Code, String)> {
    let material = key_material(source, ctx)?;
    ctx.cache.cosign_keys(&material, || {
        material
            .iter()
            .map(|pem| {
                CosignKey::from_pem(pem)
                    .map_err(|e| (Code::KeyInvalid, format!("parsing {what}: {e}")))
            })
            .collect()
    })
}

/// The requirement's keys and CAs, parsed; an error rejects every signature (a malformed key
/// fails the whole requirement, as in containers/image).
fn trusted_keys(requirement: &SigstoreSigned, ctx: &Context<'_>) -> Result<Trust, (Code, String)> {
    #[cfg(feature = "keyless")]
    let root = match &requirement.trusted_root {
        None => None,
        Some(source) => Some(trusted_root(source, ctx)?),
    };
    #[cfg(not(feature = "keyless"))]
    if requirement.trusted_root.is_some() {
        return Err((Code::Unsupported, String::from("no keyless in this build")));
    }
    let rekor = match &requirement.rekor {
        None => None,
        Some(source) => {
            let keys = parse_keys(source, ctx, "Rekor public key")?;
            if !keys.iter().all(CosignKey::is_ecdsa) {
                return Err((
                    Code::KeyInvalid,
                    String::from("Rekor public key is not using ECDSA"),
                ));
            }
            Some(keys)
        }
    };
    let signers = match &requirement.trust {
        SigstoreTrust::Keys(k) => Signers::Keys(parse_keys(k, ctx, "public key")?),
        #[cfg(feature = "keyless")]
        SigstoreTrust::Fulcio(f) => {
            if rekor.is_none() && root.is_none() {
                // The parser refuses such a policy.
                return Err((
                    Code::Internal,
                    String::from(
                        "Internal inconsistency: Fulcio CA specified without a Rekor public key",
                    ),
                ));
            }
            Signers::Fulcio(super::keyless::FulcioTrust::new(f, root.as_ref(), ctx)?)
        }
        #[cfg(feature = "keyless")]
        SigstoreTrust::Pki(p) => Signers::Pki(super::keyless::PkiTrust::new(p, ctx)?),
        #[cfg(not(feature = "keyless"))]
        SigstoreTrust::Fulcio(_) | SigstoreTrust::Pki(_) => {
            return Err((
                Code::Unsupported,
                String::from(
                    "certificate (fulcio, pki) verification is not in this build (Cargo feature keyless)",
                ),
            ))
        }
    };
    // Keys under a trusted root: a SET by one of its logs is required, as with Rekor keys.
    #[cfg(feature = "keyless")]
    let rekor = match (&signers, &root) {
        (Signers::Keys(_), Some(root)) => Some(Handle::new(
            root.tlogs.iter().map(|l| l.key.clone()).collect(),
        )),
        _ => rekor,
    };
    Ok(Trust {
        signers,
        rekor,
        #[cfg(feature = "keyless")]
        root,
    })
}

/// The requirement's trusted root: the built-in public-good one, or a file's, parsed once per
/// policy.
#[cfg(feature = "keyless")]
fn trusted_root(
    source: &crate::policy::TrustedRootSource,
    ctx: &Context<'_>,
) -> Result<Handle<crate::mechanism::bundle::TrustedRoot>, (Code, String)> {
    use crate::mechanism::bundle::TrustedRoot;
    use crate::policy::TrustedRootSource;
    let material = match source {
        TrustedRootSource::PublicGood => Vec::new(),
        TrustedRootSource::File(file) => key_material(file, ctx)?,
    };
    ctx.cache.trusted_root(&material, || {
        match material.first() {
            None => TrustedRoot::public_good(),
            Some(bytes) => TrustedRoot::parse(bytes),
        }
        .map_err(|e| (Code::KeyInvalid, format!("parsing the trusted root: {e}")))
    })
}

/// The signature's Rekor SET, verified with the trusted Rekor keys and recording exactly this
/// signature over this payload.
pub(super) fn logged_entry(
    rekor_keys: &[CosignKey],
    candidate: &Candidate,
    signature: &str,
) -> Result<RekorEntry, (Code, String)> {
    let Some(bundle) = candidate.annotation(BUNDLE_ANNOTATION) else {
        return Err((
            Code::SignatureInvalid,
            format!("missing {BUNDLE_ANNOTATION} annotation"),
        ));
    };
    rekor::verify(rekor_keys, bundle, signature, &candidate.untrusted_body).map_err(|e| match e {
        SetRejection::BadSignature => (
            Code::BadSignature,
            String::from("cryptographic signature verification of Rekor SET failed"),
        ),
        SetRejection::Invalid(message) => (Code::SignatureInvalid, message),
    })
}

/// With Rekor keys: the signing keys the signature's log entry allows (the one it records).
fn logged_keys<'k>(
    keys: &'k [CosignKey],
    rekor_keys: &[CosignKey],
    #[cfg(feature = "keyless")] root: Option<&crate::mechanism::bundle::TrustedRoot>,
    candidate: &Candidate,
    signature: &str,
) -> Result<Vec<&'k CosignKey>, (Code, String)> {
    #[cfg(feature = "keyless")]
    let entry = match root {
        Some(root) => super::keyless::logged_entry_in(root, candidate, signature)?,
        None => logged_entry(rekor_keys, candidate, signature)?,
    };
    #[cfg(not(feature = "keyless"))]
    let entry = logged_entry(rekor_keys, candidate, signature)?;
    let keys: Vec<&CosignKey> = keys
        .iter()
        .filter(|k| k.spki_der() == entry.public_key_der.as_slice())
        .collect();
    if keys.is_empty() {
        // A well-formed signature by a key the policy does not trust: the same code as that
        // signature gets without a Rekor requirement.
        return Err((
            Code::BadSignature,
            String::from("publicKey in Rekor SET does not match"),
        ));
    }
    Ok(keys)
}

fn check(
    requirement: &SigstoreSigned,
    trust: &Trust,
    candidate: &Candidate,
    ctx: &Context<'_>,
) -> SignatureReport {
    if let Some((code, message)) = &candidate.defect {
        return rejected(candidate, *code, message.clone());
    }
    if candidate.format == SignatureFormat::SigstoreBundle {
        return bundle(requirement, trust, candidate, ctx);
    }
    let Some(signature) = candidate.annotation(SIGNATURE_ANNOTATION) else {
        return rejected(
            candidate,
            Code::SignatureInvalid,
            format!("missing {SIGNATURE_ANNOTATION} annotation"),
        );
    };
    #[cfg(feature = "keyless")]
    {
        let certified = match (&trust.signers, &trust.rekor) {
            (Signers::Fulcio(fulcio), rekor_keys) => Some(fulcio.signer(
                rekor_keys.as_deref().map(Vec::as_slice).unwrap_or_default(),
                candidate,
                signature,
            )),
            (Signers::Pki(pki), _) => Some(pki.signer(candidate, ctx.now)),
            (Signers::Keys(_), _) => None,
        };
        match certified {
            Some(Ok(found)) => {
                let keys = [&found.key];
                return finish(
                    requirement,
                    &keys,
                    candidate,
                    signature,
                    ctx,
                    Some(found.signer),
                );
            }
            Some(Err((code, message))) => return rejected(candidate, code, message),
            None => {}
        }
    }
    let keys: Vec<&CosignKey> = match (&trust.signers, &trust.rekor) {
        (Signers::Keys(keys), None) => keys.iter().collect(),
        (Signers::Keys(keys), Some(rekor_keys)) => {
            match logged_keys(
                keys,
                rekor_keys,
                #[cfg(feature = "keyless")]
                trust.root.as_deref(),
                candidate,
                signature,
            ) {
                Ok(keys) => keys,
                Err((code, message)) => return rejected(candidate, code, message),
            }
        }
        // Handled above.
        #[cfg(feature = "keyless")]
        (Signers::Fulcio(_) | Signers::Pki(_), _) => {
            return rejected(candidate, Code::Internal, String::from("unreachable"))
        }
    };
    finish(requirement, &keys, candidate, signature, ctx, None)
}

/// The payload signature verified with one of `keys`, then the payload's claims.
fn finish(
    requirement: &SigstoreSigned,
    keys: &[&CosignKey],
    candidate: &Candidate,
    signature: &str,
    ctx: &Context<'_>,
    signer: Option<Signer>,
) -> SignatureReport {
    let Some((key, proof)) = keys.iter().find_map(|k| {
        k.verify(&candidate.untrusted_body, signature)
            .ok()
            .map(|p| (k, p))
    }) else {
        let mut report = rejected(
            candidate,
            Code::BadSignature,
            String::from("cryptographic signature verification failed"),
        );
        report.signer = signer;
        return report;
    };
    let key = String::from(key.fingerprint());
    let mut report = match UntrustedPayload::new(&candidate.untrusted_body)
        .accept(proof, PayloadType::Cosign)
    {
        Ok(payload) => check_claims(&requirement.signed_identity, &payload, candidate, key, ctx),
        Err(e) => {
            let mut report = rejected(candidate, Code::PayloadInvalid, format!("{e}"));
            report.key = Some(key);
            report
        }
    };
    report.signer = signer;
    report
}

/// A Sigstore bundle found as an OCI referrer (cosign v3). It signs the manifest's digest and
/// names no image, so podman's grammar cannot accept it; under the `acceptBundles` extension it
/// verifies with the requirement's trusted root and signer, and must be a signature (the
/// `cosign/sign/v1` predicate), not an attestation.
fn bundle(
    requirement: &SigstoreSigned,
    trust: &Trust,
    candidate: &Candidate,
    ctx: &Context<'_>,
) -> SignatureReport {
    if !requirement.accept_bundles {
        return rejected(
            candidate,
            Code::UnsupportedFormat,
            String::from(
                "a Sigstore bundle (cosign v3) names no image: podman's policy cannot accept it; sigwall's acceptBundles can",
            ),
        );
    }
    #[cfg(not(feature = "keyless"))]
    {
        let _ = (trust, ctx);
        rejected(
            candidate,
            Code::Unsupported,
            String::from("no keyless in this build"),
        )
    }
    #[cfg(feature = "keyless")]
    {
        use crate::mechanism::bundle::{self as b, Expected};
        let Some(root) = &trust.root else {
            return rejected(
                candidate,
                Code::Internal,
                String::from("acceptBundles without a trusted root"),
            );
        };
        let expected: Vec<(Expected, Option<String>)> = match &trust.signers {
            Signers::Keys(keys) => keys
                .iter()
                .map(|k| {
                    (
                        Expected::Key(k.clone()),
                        Some(String::from(k.fingerprint())),
                    )
                })
                .collect(),
            Signers::Fulcio(f) => alloc::vec![(f.expected(), None)],
            Signers::Pki(_) => {
                return rejected(
                    candidate,
                    Code::Internal,
                    String::from("acceptBundles with pki"),
                )
            }
        };
        let mut digests: Vec<[u8; 32]> = Vec::new();
        for d in core::iter::once(ctx.manifest_sha256).chain(ctx.index_sha256) {
            if let Ok(bytes) = <[u8; 32]>::try_from(d.as_bytes()) {
                digests.push(bytes);
            }
        }
        let mut first_error = None;
        for (want, key) in &expected {
            for digest in &digests {
                match b::verify(
                    &candidate.untrusted_body,
                    root,
                    &b::Artifact::Sha256(*digest),
                    want,
                ) {
                    Ok(verified) => return bundle_verified(candidate, verified, key.clone()),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        let (code, message) = first_error.unwrap_or((
            Code::Internal,
            String::from("no expected signer to check the bundle with"),
        ));
        rejected(candidate, code, message)
    }
}

#[cfg(feature = "keyless")]
fn bundle_verified(
    candidate: &Candidate,
    verified: crate::mechanism::bundle::Verified,
    key: Option<String>,
) -> SignatureReport {
    let mut report = match verified.predicate_type.as_deref() {
        // A message signature over the manifest itself, or cosign's image signature.
        None | Some(COSIGN_SIGN_PREDICATE) => SignatureReport {
            format: candidate.format,
            source: candidate.source.clone(),
            outcome: crate::verdict::Outcome::Accepted,
            code: None,
            message: None,
            key: None,
            identity: None,
            signer: None,
        },
        Some(other) => rejected(
            candidate,
            Code::PayloadInvalid,
            format!(
                "the bundle is an attestation (predicate type {}), not a signature",
                crate::error::quoted(&crate::error::excerpt(other))
            ),
        ),
    };
    report.key = key;
    report.signer = Some(verified.signer);
    report
}
