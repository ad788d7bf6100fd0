//! `signedIdentity`: which docker reference a signature must claim for an image
//! (containers/image `policy_reference_match.go`).

use alloc::string::{String, ToString};

use crate::error::ReferenceError;
use crate::reference::{is_domain, is_path_component, Reference};

/// A `signedIdentity` matcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedIdentity {
    /// `matchExact`: the signature claims exactly the image's reference (tag or digest).
    MatchExact,
    /// `matchRepoDigestOrExact` (the default): exact for a tag, the same repository for a
    /// digest.
    MatchRepoDigestOrExact,
    /// `matchRepository`: the same repository; tags and digests are ignored.
    MatchRepository,
    /// `exactReference`: the signature claims this reference, whatever the image is called.
    ExactReference {
        /// A reference with a tag or a digest (validated when the policy is parsed).
        docker_reference: String,
    },
    /// `exactRepository`: the signature claims this repository.
    ExactRepository {
        /// A repository (validated when the policy is parsed; a tag is tolerated).
        docker_repository: String,
    },
    /// `remapIdentity`: images under `prefix` must be signed as if under `signed_prefix`.
    RemapIdentity {
        /// A registry or repository prefix of the image's name.
        prefix: String,
        /// What replaces `prefix` before the `matchRepoDigestOrExact` comparison.
        signed_prefix: String,
    },
}

impl SignedIdentity {
    /// The matcher's `type` as written in policy.json.
    pub fn type_name(&self) -> &'static str {
        match self {
            SignedIdentity::MatchExact => "matchExact",
            SignedIdentity::MatchRepoDigestOrExact => "matchRepoDigestOrExact",
            SignedIdentity::MatchRepository => "matchRepository",
            SignedIdentity::ExactReference { .. } => "exactReference",
            SignedIdentity::ExactRepository { .. } => "exactRepository",
            SignedIdentity::RemapIdentity { .. } => "remapIdentity",
        }
    }

    /// Whether a signature claiming `signature_reference` is acceptable for `image` (the
    /// reference the image was pulled by). An unparsable claim never matches.
    pub fn matches(&self, image: &Reference, signature_reference: &str) -> bool {
        let Ok(signature) = Reference::parse_normalized(signature_reference) else {
            return false;
        };
        match self {
            SignedIdentity::MatchExact => match_exact(image, &signature),
            SignedIdentity::MatchRepoDigestOrExact => match_repo_digest_or_exact(image, &signature),
            SignedIdentity::MatchRepository => signature.name() == image.name(),
            SignedIdentity::ExactReference { docker_reference } => {
                Reference::parse_normalized(docker_reference)
                    .is_ok_and(|intended| match_exact(&intended, &signature))
            }
            SignedIdentity::ExactRepository { docker_repository } => {
                Reference::parse_normalized(docker_repository)
                    .is_ok_and(|intended| signature.name() == intended.name())
            }
            SignedIdentity::RemapIdentity {
                prefix,
                signed_prefix,
            } => remap(image, prefix, signed_prefix)
                .is_ok_and(|intended| match_repo_digest_or_exact(&intended, &signature)),
        }
    }
}

fn match_exact(intended: &Reference, signature: &Reference) -> bool {
    !intended.is_name_only()
        && !signature.is_name_only()
        && signature.to_string() == intended.to_string()
}

fn match_repo_digest_or_exact(intended: &Reference, signature: &Reference) -> bool {
    if signature.is_name_only() {
        return false;
    }
    if intended.tag().is_some() {
        // Includes a reference with both a tag and a digest.
        signature.to_string() == intended.to_string()
    } else if intended.digest().is_some() {
        // The manifest digest itself is compared elsewhere, against the signed digest; here a
        // digest pull only needs the repository to agree.
        signature.name() == intended.name()
    } else {
        false
    }
}

/// Whether `name` is `prefix` or lies under `prefix/`.
pub(crate) fn name_has_prefix(name: &str, prefix: &str) -> bool {
    match name.strip_prefix(prefix) {
        Some("") => true,
        Some(rest) => rest.starts_with('/'),
        None => false,
    }
}

/// The image reference with `prefix` replaced by `signed_prefix`, or the image reference itself
/// when it is not under `prefix`.
///
/// # Errors
///
/// [`ReferenceError`] when the rewritten reference is invalid or not canonical (such an image
/// then matches no signature).
pub fn remap(
    image: &Reference,
    prefix: &str,
    signed_prefix: &str,
) -> Result<Reference, ReferenceError> {
    if !name_has_prefix(&image.name(), prefix) {
        return Ok(image.clone());
    }
    let full = image.to_string();
    let rest = full.get(prefix.len()..).unwrap_or_default();
    Reference::parse_canonical(&[signed_prefix, rest].concat())
}

/// `prefix`/`signedPrefix` validation: a bare domain, or a name that starts with a domain and
/// `/` (containers/image's `validateIdentityRemappingPrefix`). Like containers/image, this
/// accepts `shortname` and `ns/shortname`, which then never match.
pub(crate) fn is_valid_remap_prefix(s: &str) -> bool {
    if is_domain(s) {
        return true;
    }
    match s.split_once('/') {
        Some((domain, path)) => is_domain(domain) && path.split('/').all(is_path_component),
        None => false,
    }
}

#[cfg(test)]
mod tests;
