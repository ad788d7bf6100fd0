//! Lint warnings for policies that parse but probably do not say what their author meant, and
//! the oldest containers/image (and podman) release that accepts a policy.

use crate::error::quoted;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::identity::SignedIdentity;
use super::{KeySource, Policy, Requirement, SigstoreTrust};
use crate::reference::{is_domain, is_path_component, Reference};

/// A lint warning: the policy is valid, but likely wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// A stable code, such as `DEFAULT_NOT_REJECT`.
    pub code: &'static str,
    /// Where: `default` or `transports.docker["scope"]`.
    pub path: String,
    /// What, and why it matters.
    pub message: String,
}

/// The oldest release that accepts a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinimumVersion {
    /// containers/image version, such as `5.33.0`.
    pub containers_image: &'static str,
    /// The first podman release that vendors it.
    pub podman: &'static str,
    /// The features that require it (empty for the baseline).
    pub because: Vec<&'static str>,
}

/// (containers/image, podman, feature), oldest first.
const FEATURES: &[(&str, &str, &str)] = &[
    ("5.10.0", "3.0", "wildcard scopes (*.example.com)"),
    ("5.22.0", "4.2", "signedBy keyPaths"),
    ("5.22.0", "4.2", "sigstoreSigned"),
    ("5.24.0", "4.4", "sigstoreSigned fulcio and rekorPublicKey"),
    (
        "5.33.0",
        "5.3",
        "sigstoreSigned keyPaths, keyDatas, rekorPublicKeyPaths or rekorPublicKeyDatas",
    ),
    ("5.35.0", "5.5", "sigstoreSigned pki"),
];

fn scope_path(transport: &str, scope: &str) -> String {
    let mut key = String::new();
    crate::json::write_string(&mut key, scope);
    format!("transports.{transport}[{key}]")
}

/// Whether a docker scope covers a whole registry or more (a wildcard, a host, or `""`).
fn is_broad(scope: &str) -> bool {
    scope.is_empty() || scope.starts_with("*.") || !scope.contains('/')
}

/// Whether `inner` is a more specific docker scope under `outer`.
fn is_under(inner: &str, outer: &str) -> bool {
    if inner == outer {
        return false;
    }
    if outer.is_empty() {
        return true;
    }
    if let Some(domain) = outer.strip_prefix("*.") {
        let host = inner.split(['/', ':']).next().unwrap_or_default();
        return host.ends_with(&format!(".{domain}"));
    }
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/') || rest.starts_with(':') || rest.starts_with('@'))
}

fn ignores_image_repository(identity: &SignedIdentity) -> bool {
    matches!(
        identity,
        SignedIdentity::ExactReference { .. } | SignedIdentity::ExactRepository { .. }
    )
}

fn signed_identity(r: &Requirement) -> Option<&SignedIdentity> {
    match r {
        Requirement::SignedBy(s) => Some(&s.signed_identity),
        Requirement::SigstoreSigned(s) => Some(&s.signed_identity),
        _ => None,
    }
}

/// Why a docker scope can never match an image, if it cannot.
fn never_matches(scope: &str) -> Option<String> {
    if let Some(domain) = scope.strip_prefix("*.") {
        return (!is_domain(domain) || domain.contains(':'))
            .then(|| String::from("a wildcard scope is *. followed by a domain without a port"));
    }
    let (domain, rest) = scope.split_once('/').unwrap_or((scope, ""));
    if !(domain.contains(['.', ':']) || domain == "localhost") || !is_domain(domain) {
        if let Ok(r) = Reference::parse_normalized(scope) {
            return Some(format!(
                "scopes are compared as fully expanded names; write {}",
                quoted(&r.to_string())
            ));
        }
        return Some(String::from(
            "scopes start with a registry host (a name with a '.' or ':', or localhost); Docker Hub is docker.io/…",
        ));
    }
    if domain == "index.docker.io" {
        return Some(String::from("Docker Hub images are named docker.io/…"));
    }
    if rest.is_empty() || (domain == "docker.io" && is_path_component(rest)) {
        // A registry, or a Docker Hub namespace such as docker.io/library.
        return None;
    }
    match Reference::parse_normalized(scope) {
        Err(e) => Some(format!("it is not a valid reference ({})", e.reason)),
        Ok(r) if r.to_string() != scope => Some(format!(
            "scopes are compared as fully expanded names; write {}",
            quoted(&r.to_string())
        )),
        Ok(_) => None,
    }
}

impl Policy {
    /// Warnings about a valid policy.
    pub fn lint(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if self.default != [Requirement::Reject] {
            out.push(Warning {
                code: "DEFAULT_NOT_REJECT",
                path: String::from("default"),
                message: String::from("the default is not [{\"type\":\"reject\"}]: images from registries this policy does not name are not rejected"),
            });
        }
        // Every requirement with where it is: sigwall's extensions, and what bundles mean.
        let mut places: Vec<(String, &Requirement)> = self
            .default
            .iter()
            .map(|r| (String::from("default"), r))
            .collect();
        for (transport, scopes) in &self.transports {
            for (scope, reqs) in scopes {
                places.extend(reqs.iter().map(|r| (scope_path(transport, scope), r)));
            }
        }
        for (path, r) in places {
            let Requirement::SigstoreSigned(s) = r else {
                continue;
            };
            let extensions = s.extensions();
            if !extensions.is_empty() {
                out.push(Warning {
                    code: "SIGWALL_EXTENSION",
                    path: path.clone(),
                    message: format!(
                        "uses sigwall's extension ({}): podman, skopeo and CRI-O (containers/image) refuse this policy",
                        extensions.join(", ")
                    ),
                });
            }
            if s.accept_bundles {
                out.push(Warning {
                    code: "BUNDLES_NAME_NO_IMAGE",
                    path,
                    message: String::from("acceptBundles: a cosign v3 bundle signs an image digest and names no image, so signedIdentity cannot be checked for it; every image in this scope whose digest the signer signed is accepted, whatever its name"),
                });
            }
        }
        let docker: Vec<(&str, &[Requirement])> = self.scopes("docker").collect();
        for (scope, reqs) in &docker {
            let path = scope_path("docker", scope);
            if !scope.is_empty() {
                if let Some(why) = never_matches(scope) {
                    out.push(Warning {
                        code: "SCOPE_NEVER_MATCHES",
                        path: path.clone(),
                        message: format!("this scope never matches an image: {why}"),
                    });
                }
            }
            if is_broad(scope) && reqs.contains(&Requirement::InsecureAcceptAnything) {
                out.push(Warning {
                    code: "INSECURE_BROAD_SCOPE",
                    path: path.clone(),
                    message: String::from("insecureAcceptAnything on a whole registry or domain accepts every image there, signed or not"),
                });
            }
            if is_broad(scope)
                && reqs
                    .iter()
                    .filter_map(signed_identity)
                    .any(ignores_image_repository)
            {
                out.push(Warning {
                    code: "IDENTITY_IGNORES_REPOSITORY",
                    path: path.clone(),
                    message: String::from("on a broad scope, exactReference/exactRepository accept a signature made for one repository for every image in the scope"),
                });
            }
            if reqs.contains(&Requirement::Reject) {
                for (inner, inner_reqs) in &docker {
                    if is_under(inner, scope)
                        && inner_reqs.contains(&Requirement::InsecureAcceptAnything)
                    {
                        out.push(Warning {
                            code: "REJECT_SHADOWED",
                            path: path.clone(),
                            message: format!(
                                "this reject is overridden for {}, which accepts anything",
                                quoted(inner)
                            ),
                        });
                    }
                }
            }
        }
        out
    }

    /// The sigwall extensions the policy uses (each once): when there are any, no podman or
    /// containers/image release accepts it.
    pub fn extensions(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for r in self.all_requirements() {
            if let Requirement::SigstoreSigned(s) = r {
                for e in s.extensions() {
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }

    /// The oldest containers/image (and podman) release that accepts this policy, if it uses no
    /// sigwall extension (see [`extensions`](Self::extensions)).
    pub fn minimum_version(&self) -> MinimumVersion {
        let mut used = [false; FEATURES.len()];
        if self.scopes("docker").any(|(s, _)| s.starts_with("*.")) {
            used[0] = true;
        }
        for r in self.all_requirements() {
            match r {
                Requirement::SignedBy(s) if matches!(s.keys, KeySource::Paths(_)) => used[1] = true,
                Requirement::SigstoreSigned(s) => {
                    used[2] = true;
                    if matches!(s.trust, SigstoreTrust::Fulcio(_)) || s.rekor.is_some() {
                        used[3] = true;
                    }
                    let plural =
                        |k: &KeySource| matches!(k, KeySource::Paths(_) | KeySource::Datas(_));
                    if matches!(&s.trust, SigstoreTrust::Keys(k) if plural(k))
                        || s.rekor.as_ref().is_some_and(plural)
                    {
                        used[4] = true;
                    }
                    if matches!(s.trust, SigstoreTrust::Pki(_)) {
                        used[5] = true;
                    }
                }
                _ => {}
            }
        }
        let mut min = MinimumVersion {
            containers_image: "5.0.0",
            podman: "2.0",
            because: Vec::new(),
        };
        for (i, (ci, podman, feature)) in FEATURES.iter().enumerate() {
            if used.get(i).copied().unwrap_or(false) {
                min.containers_image = ci;
                min.podman = podman;
                min.because.push(feature);
            }
        }
        min
    }
}

#[cfg(test)]
mod tests;
