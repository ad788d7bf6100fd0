//! `signedBy`: an OpenPGP "simple signing" signature by a trusted key, claiming an acceptable
//! identity for the exact manifest evaluated.
//!
//! Per signature, in containers/image's order (nothing from the payload is read before step 1
//! succeeds): 1. the signature verifies with a key of the policy's keyrings (a subkey counts for
//! its primary key; revoked or expired keys and expired signatures do not); 2. the payload parses
//! strictly; 3. its `docker-manifest-digest` is the SHA-256 of the manifest evaluated; 4. its
//! `docker-reference` satisfies `signedIdentity`.

use alloc::format;
use alloc::string::String;

use super::{each_signature, rejected, Context, RequirementOutcome};
use crate::error::Code;
use crate::policy::{KeyType, SignedBy};
use crate::verdict::{SignatureFormat, SignatureReport};

pub(super) fn evaluate(requirement: &SignedBy, ctx: &Context<'_>) -> RequirementOutcome {
    each_signature(
        "signedBy",
        &[SignatureFormat::SimpleSigning],
        &keyring(requirement, ctx),
        ctx,
        |keyring, candidate| check(requirement, keyring, candidate, ctx),
        |n| format!(" ({n} signatures of other formats)"),
    )
}

#[cfg(feature = "pgp")]
type Keyring = crate::policy::cache::Handle<crate::mechanism::pgp::Keyring>;
#[cfg(not(feature = "pgp"))]
type Keyring = ();

fn keyring(requirement: &SignedBy, ctx: &Context<'_>) -> Result<Keyring, (Code, String)> {
    if requirement.key_type != KeyType::GpgKeys {
        return Err((
            Code::Unsupported,
            format!(
                "Unimplemented keyType {}",
                crate::error::quoted(requirement.key_type.as_str())
            ),
        ));
    }
    #[cfg(feature = "pgp")]
    {
        use crate::mechanism::pgp::Keyring;
        let material = super::key_material(&requirement.keys, ctx)?;
        ctx.cache.keyring(&material, || {
            let keyring = Keyring::parse(&material).map_err(|e| (Code::KeyInvalid, e))?;
            if keyring.is_empty() {
                return Err((Code::KeyInvalid, String::from("No public keys imported")));
            }
            Ok(keyring)
        })
    }
    #[cfg(not(feature = "pgp"))]
    {
        let _ = ctx;
        Err((
            Code::Unsupported,
            String::from(
                "OpenPGP signature verification needs the full module (built with the pgp feature)",
            ),
        ))
    }
}

#[cfg(feature = "pgp")]
fn check(
    requirement: &SignedBy,
    keyring: &Keyring,
    candidate: &super::Candidate,
    ctx: &Context<'_>,
) -> SignatureReport {
    use crate::mechanism::pgp::PgpRejection;
    use crate::payload::{PayloadType, UntrustedPayload};

    let verified = match keyring.verify(&candidate.untrusted_body, ctx.now) {
        Ok(v) => v,
        Err(e) => {
            let code = match e {
                PgpRejection::BadSignature
                | PgpRejection::WrongKeyUsage
                | PgpRejection::SignedBeforeKey => Code::BadSignature,
                PgpRejection::KeyRevoked => Code::KeyRevoked,
                PgpRejection::KeyRefused(_) => Code::KeyInvalid,
                PgpRejection::KeyExpired => Code::KeyExpired,
                PgpRejection::SignatureExpired => Code::SignatureExpired,
                PgpRejection::NotASignedMessage(_) | PgpRejection::TooLarge => {
                    Code::SignatureInvalid
                }
            };
            return rejected(candidate, code, format!("{e}"));
        }
    };
    let key = verified.primary_fingerprint.clone();
    match UntrustedPayload::new(&verified.content).accept(verified.proof, PayloadType::Atomic) {
        Ok(payload) => {
            super::check_claims(&requirement.signed_identity, &payload, candidate, key, ctx)
        }
        Err(e) => {
            let mut report = rejected(candidate, Code::PayloadInvalid, format!("{e}"));
            report.key = Some(key);
            report
        }
    }
}

#[cfg(not(feature = "pgp"))]
fn check(
    _: &SignedBy,
    _: &Keyring,
    candidate: &super::Candidate,
    _: &Context<'_>,
) -> SignatureReport {
    // Unreachable: without the pgp feature `keyring` always fails. Deny rather than guess.
    rejected(
        candidate,
        Code::Internal,
        String::from("no OpenPGP mechanism in this build"),
    )
}
