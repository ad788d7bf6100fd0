//! `sigstoreSigned` with certificates: `fulcio` (keyless: a Fulcio certificate, checked at the
//! time a Rekor SET proves the signature was logged) and `pki` (the user's own CA, checked now).
//! containers/image's order and words (policy.md §3.4, cosign.md §1.6):
//!
//! fulcio: the SET verifies with a trusted Rekor key and records this signature, this payload
//! and exactly the certificate of the annotation; the certificate chains (through the chain
//! annotation without its last certificate) to the CA file's certificates, every certificate
//! valid at the SET's integrated time and allowing code signing; the OIDC issuer extension
//! equals `oidcIssuer`; `subjectEmail` is one of its e-mail SANs. Then the payload signature
//! verifies with the certificate's key, and the claims are checked as for keys.
//!
//! pki: the same chain check with the policy's intermediates added, at the current time; then
//! `subjectEmail` among the e-mail SANs and `subjectHostname` valid for the certificate.
//!
//! Not checked, as containers/image does not: SCTs, inclusion proofs, URI SANs.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::sigstore_signed::logged_entry;
use super::{key_material, Candidate, Context};
use crate::error::Code;
use crate::mechanism::bundle::TrustedRoot;
use crate::mechanism::cosign::CosignKey;
use crate::mechanism::x509::{self, Pool, Subject};
use crate::policy::cache::Handle;
use crate::policy::{self, Fulcio, Pki};
use crate::verdict::{LogEntry, Signer};

/// The annotation with the leaf certificate (PEM).
pub(crate) const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The annotation with the chain: intermediates, then the root (PEM).
pub(crate) const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";

type Rejection = (Code, String);

/// A certificate's key, once it verified, and who it names.
pub(super) struct Found {
    pub(super) key: CosignKey,
    pub(super) signer: Signer,
}

/// A requirement's `fulcio` trust, loaded.
pub(super) struct FulcioTrust {
    anchors: Anchors,
    issuer: String,
    subject: policy::Subject,
}

/// What a Fulcio certificate must chain to.
enum Anchors {
    /// The CA file's certificates (containers/image), with the requirement's Rekor keys.
    CaFile(Vec<Vec<u8>>),
    /// A trusted root's CAs, logs and CT logs (sigwall extension).
    Root(Handle<TrustedRoot>),
}
/// A requirement's `pki` trust, loaded.
pub(super) struct PkiTrust {
    roots: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    email: Option<String>,
    hostname: Option<String>,
}

/// A CA file's certificates, as Go's `AppendCertsFromPEM` collects them; none is an error.
fn roots(
    source: &crate::policy::KeySource,
    ctx: &Context<'_>,
    what: &str,
) -> Result<Vec<Vec<u8>>, Rejection> {
    let material = key_material(source, ctx)?;
    let roots = material
        .first()
        .map(|pem| x509::certificate_pool_from_pem(pem))
        .unwrap_or_default();
    if roots.is_empty() {
        return Err((
            Code::KeyInvalid,
            format!("error loading {what} certificates"),
        ));
    }
    Ok(roots)
}

impl FulcioTrust {
    pub(super) fn new(
        fulcio: &Fulcio,
        root: Option<&Handle<TrustedRoot>>,
        ctx: &Context<'_>,
    ) -> Result<Self, Rejection> {
        let anchors = match (&fulcio.ca, root) {
            (Some(ca), _) => Anchors::CaFile(roots(ca, ctx, "Fulcio CA")?),
            (None, Some(root)) => Anchors::Root(root.clone()),
            // The parser refuses such a policy.
            (None, None) => {
                return Err((
                    Code::Internal,
                    String::from("fulcio has neither a CA nor a trusted root"),
                ))
            }
        };
        Ok(FulcioTrust {
            anchors,
            issuer: fulcio.oidc_issuer.clone(),
            subject: fulcio.subject.clone(),
        })
    }

    /// The identity and issuer a bundle's certificate must have.
    pub(super) fn expected(&self) -> crate::mechanism::bundle::Expected {
        crate::mechanism::bundle::Expected::Certificate {
            identity: crate::mechanism::bundle::Identity::Subject(self.subject.clone()),
            issuer: self.issuer.clone(),
        }
    }

    /// The key of the signature's certificate, if it is a Fulcio certificate for the
    /// policy's signer that was valid when the log recorded the signature.
    pub(super) fn signer(
        &self,
        rekor_keys: &[CosignKey],
        candidate: &Candidate,
        signature: &str,
    ) -> Result<Found, Rejection> {
        // containers/image asks for the SET first, then the certificate.
        if candidate
            .annotation(crate::mechanism::rekor::BUNDLE_ANNOTATION)
            .is_none()
        {
            return Err(missing(crate::mechanism::rekor::BUNDLE_ANNOTATION));
        }
        let certificate = candidate
            .annotation(CERTIFICATE_ANNOTATION)
            .ok_or_else(|| missing(CERTIFICATE_ANNOTATION))?;
        let entry = match &self.anchors {
            Anchors::CaFile(_) => logged_entry(rekor_keys, candidate, signature)?,
            Anchors::Root(root) => logged_entry_in(root, candidate, signature)?,
        };
        let certificate_der = x509::single_pem_der(certificate.as_bytes()).map_err(|e| {
            invalid(format!(
                "public key or cert to be matched against publicKey in Rekor SET {e}"
            ))
        })?;
        if certificate_der != entry.public_key_der {
            return Err(invalid(String::from(
                "publicKey in Rekor SET does not match",
            )));
        }
        let at = u64::try_from(entry.integrated_time).map_err(|_| {
            invalid(String::from(
                "the Rekor SET's integrated time is before 1970",
            ))
        })?;
        let subject = match &self.anchors {
            Anchors::CaFile(roots) => {
                let pool = Pool {
                    roots: roots.clone(),
                    intermediates: untrusted_intermediates(candidate)?,
                };
                verified_leaf(certificate, &pool, at)?.1
            }
            // The trusted root's chains only (the chain annotation is not read), an SCT, and
            // the CA valid at the integrated time: what cosign checks.
            Anchors::Root(root) => crate::mechanism::bundle::certificate_at(
                &certificate_der,
                root,
                &[entry.integrated_time],
            )?,
        };
        let issuer = subject
            .fulcio_issuer()
            .map_err(|e| (Code::CertificateInvalid, e))?;
        if issuer != self.issuer {
            return Err((
                Code::CertificateMismatch,
                format!(
                    "Unexpected Fulcio OIDC issuer {}",
                    crate::error::quoted(&issuer)
                ),
            ));
        }
        check_subject(&subject, &self.subject)?;
        let key = certificate_key(&subject)?;
        Ok(Found {
            key,
            signer: signer(
                subject,
                Some(issuer),
                Some(LogEntry {
                    log_id: entry.log_id,
                    log_index: entry.log_index,
                    integrated_time: Some(entry.integrated_time),
                }),
            ),
        })
    }
}

/// The signature's SET under a trusted root: verified with the key of the log the SET names
/// (its `logID`; any other log's key could otherwise vouch for a time in that log's window),
/// which must have been valid when the entry was integrated.
pub(super) fn logged_entry_in(
    root: &TrustedRoot,
    candidate: &Candidate,
    signature: &str,
) -> Result<crate::mechanism::rekor::RekorEntry, Rejection> {
    let bundle = candidate
        .annotation(crate::mechanism::rekor::BUNDLE_ANNOTATION)
        .ok_or_else(|| missing(crate::mechanism::rekor::BUNDLE_ANNOTATION))?;
    // The log the SET names, read before its signature is checked, only to choose the key.
    let named = crate::mechanism::rekor::named_log(bundle)
        .and_then(|id| root.tlog(&id))
        .ok_or_else(|| {
            (
                Code::LogEntryInvalid,
                String::from("the Rekor SET names no transparency log of the trusted root"),
            )
        })?;
    let entry = logged_entry(core::slice::from_ref(&named.key), candidate, signature)?;
    if !named.valid_for.contains(entry.integrated_time) {
        return Err((
            Code::LogEntryInvalid,
            String::from(
                "the transparency log's key was not valid in the trusted root at the entry's integrated time",
            ),
        ));
    }
    Ok(entry)
}

impl PkiTrust {
    pub(super) fn new(pki: &Pki, ctx: &Context<'_>) -> Result<Self, Rejection> {
        let roots = roots(&pki.ca_roots, ctx, "PKI CA Roots")?;
        let intermediates = match &pki.ca_intermediates {
            None => Vec::new(),
            Some(source) => {
                let material = key_material(source, ctx)?;
                match material.first() {
                    None => Vec::new(),
                    Some(pem) => x509::certificates_from_pem(pem).map_err(|e| {
                        (
                            Code::KeyInvalid,
                            format!("loading trusted intermediate certificates: {e}"),
                        )
                    })?,
                }
            }
        };
        Ok(PkiTrust {
            roots,
            intermediates,
            email: pki.subject_email.clone(),
            hostname: pki.subject_hostname.clone(),
        })
    }

    /// The key of the signature's certificate, if the user's CA issued it for the policy's
    /// subject and it is valid `now`.
    pub(super) fn signer(&self, candidate: &Candidate, now: u64) -> Result<Found, Rejection> {
        let certificate = candidate
            .annotation(CERTIFICATE_ANNOTATION)
            .ok_or_else(|| missing(CERTIFICATE_ANNOTATION))?;
        let mut intermediates = self.intermediates.clone();
        intermediates.extend(untrusted_intermediates(candidate)?);
        let pool = Pool {
            roots: self.roots.clone(),
            intermediates,
        };
        let (leaf, subject) = verified_leaf(certificate, &pool, now)?;
        if let Some(email) = &self.email {
            check_email(&subject, email)?;
        }
        if let Some(hostname) = &self.hostname {
            leaf.check_hostname(hostname).map_err(|e| {
                (
                    Code::CertificateMismatch,
                    format!("Unexpected subject hostname: {e}"),
                )
            })?;
        }
        let key = certificate_key(&subject)?;
        Ok(Found {
            key,
            signer: signer(subject, None, None),
        })
    }
}

fn missing(annotation: &str) -> Rejection {
    (
        Code::SignatureInvalid,
        format!("missing {annotation} annotation"),
    )
}

fn invalid(message: String) -> Rejection {
    (Code::SignatureInvalid, message)
}

/// The chain annotation's certificates but its last (the root, which is never trusted from
/// the signature): all of them must parse.
fn untrusted_intermediates(candidate: &Candidate) -> Result<Vec<Vec<u8>>, Rejection> {
    let Some(chain) = candidate.annotation(CHAIN_ANNOTATION) else {
        return Ok(Vec::new());
    };
    if chain.is_empty() {
        return Ok(Vec::new());
    }
    let mut certificates = x509::certificates_from_pem(chain.as_bytes())
        .map_err(|e| invalid(format!("loading certificate chain: {e}")))?;
    if certificates.len() > 1 {
        certificates.pop();
    } else {
        certificates.clear();
    }
    Ok(certificates)
}

/// The one certificate of the certificate annotation, its path verified at `at`.
fn verified_leaf(
    certificate: &str,
    pool: &Pool,
    at: u64,
) -> Result<(x509::VerifiedLeaf, Subject), Rejection> {
    let mut leaves = x509::certificates_from_pem(certificate.as_bytes())
        .map_err(|e| invalid(format!("parsing leaf certificate: {e}")))?;
    let leaf = match (leaves.pop(), leaves.is_empty()) {
        (None, _) => {
            return Err(invalid(String::from(
                "no certificate found in signature certificate data",
            )))
        }
        (Some(leaf), true) => leaf,
        (Some(_), false) => {
            return Err(invalid(String::from(
                "unexpected multiple certificates present in signature certificate data",
            )))
        }
    };
    // The spelling is containers/image's, so that the message can be searched for.
    let verified = x509::verify_code_signing(&leaf, pool, at).map_err(|e| {
        (
            Code::CertificateInvalid,
            format!("veryfing leaf certificate failed: {e}"),
        )
    })?;
    let subject = Subject::read(&leaf).map_err(|e| (Code::CertificateInvalid, e))?;
    Ok((verified, subject))
}

/// A `fulcio` subject: `subjectEmail` with containers/image's words, the extensions with ours.
fn check_subject(subject: &Subject, wanted: &policy::Subject) -> Result<(), Rejection> {
    match wanted {
        policy::Subject::Email(email) => check_email(subject, email),
        other if other.matches(&subject.emails, &subject.uris) => Ok(()),
        other => {
            let got: Vec<String> = subject
                .emails
                .iter()
                .chain(&subject.uris)
                .map(|e| crate::error::quoted(e))
                .collect();
            Err((
                Code::CertificateMismatch,
                format!(
                    "Required {} not found (got [{}])",
                    other.describe(),
                    got.join(" ")
                ),
            ))
        }
    }
}

fn check_email(subject: &Subject, email: &str) -> Result<(), Rejection> {
    if subject.emails.iter().any(|e| e == email) {
        return Ok(());
    }
    let got: Vec<String> = subject
        .emails
        .iter()
        .map(|e| crate::error::quoted(e))
        .collect();
    Err((
        Code::CertificateMismatch,
        format!(
            "Required email {} not found (got [{}])",
            crate::error::quoted(email),
            got.join(" ")
        ),
    ))
}

fn certificate_key(subject: &Subject) -> Result<CosignKey, Rejection> {
    CosignKey::from_spki_der(&subject.spki_der)
        .map_err(|e| (Code::KeyInvalid, format!("the certificate's key: {e}")))
}

fn signer(subject: Subject, issuer: Option<String>, log: Option<LogEntry>) -> Signer {
    let mut identities = subject.emails;
    identities.extend(subject.uris);
    Signer {
        identities,
        issuer,
        log,
        timestamps: Vec::new(),
    }
}
