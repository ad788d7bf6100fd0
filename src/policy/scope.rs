//! Policy scopes: which scope keys each transport accepts, and which scope applies to a docker
//! image (containers/image `PolicyConfigurationIdentity` / `PolicyConfigurationNamespaces`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Policy, Requirement};
use crate::digest::Digest;
use crate::reference::Reference;

/// The scope whose requirements apply to an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeMatch {
    /// A scope of the `docker` transport (identity, repository, namespace, registry or `*.`
    /// wildcard), as written in the policy.
    Docker(String),
    /// The `docker` transport's default scope, `""`.
    TransportDefault,
    /// The policy's top-level `default`.
    Default,
}

impl ScopeMatch {
    /// How the verdict names the scope: the scope key, `""` or `default`.
    pub fn as_str(&self) -> &str {
        match self {
            ScopeMatch::Docker(s) => s,
            ScopeMatch::TransportDefault => "",
            ScopeMatch::Default => "default",
        }
    }
}

/// The scope keys an image is looked up under, most specific first: its identity
/// (`name:tag` or `name@digest`), its repository, each parent namespace down to the registry,
/// then `*.` wildcards of the registry's host without its port.
pub fn docker_scopes(reference: &Reference) -> Vec<String> {
    let mut out = Vec::new();
    let name = reference.name();
    if !reference.is_name_only() {
        out.push(reference.to_string());
    }
    let mut current = name.as_str();
    loop {
        out.push(String::from(current));
        match current.rfind('/') {
            Some(i) => current = current.get(..i).unwrap_or_default(),
            None => break,
        }
    }
    let mut host = current.split(':').next().unwrap_or_default();
    while let Some(i) = host.find('.') {
        host = host.get(i + 1..).unwrap_or_default();
        out.push(format!("*.{host}"));
    }
    out
}

impl Policy {
    /// The requirements that apply to a docker image, and the scope they come from. The first
    /// matching scope wins; requirements of different scopes are never merged.
    pub fn requirements_for(&self, reference: &Reference) -> (ScopeMatch, &[Requirement]) {
        let Some((_, scopes)) = self.transports.iter().find(|(t, _)| t == "docker") else {
            return (ScopeMatch::Default, &self.default);
        };
        let lookup = |key: &str| {
            scopes
                .iter()
                .find(|(s, _)| s == key)
                .map(|(_, r)| r.as_slice())
        };
        for key in docker_scopes(reference) {
            if let Some(reqs) = lookup(&key) {
                return (ScopeMatch::Docker(key), reqs);
            }
        }
        match lookup("") {
            Some(reqs) => (ScopeMatch::TransportDefault, reqs),
            None => (ScopeMatch::Default, &self.default),
        }
    }
}

/// Whether `scope` is a valid non-empty scope key of `transport`, as that transport's
/// `ValidatePolicyConfigurationScope` decides. Unknown transports accept anything.
pub(crate) fn validate_scope(transport: &str, scope: &str) -> Result<(), String> {
    match transport {
        // Every string is accepted; a scope that is not a normalised name simply never matches
        // (`sigwall policy check` warns about those).
        "docker" => Ok(()),
        "docker-daemon" => {
            if Digest::parse(scope).is_ok() || looks_like_digest(scope) {
                Err(String::from("a digest is not a valid docker-daemon scope"))
            } else {
                Ok(())
            }
        }
        "atomic" => atomic_scope(scope),
        "dir" | "sif" | "oci" | "oci-archive" => absolute_clean_path(scope),
        "docker-archive" | "tarball" => Err(format!(
            "the {transport} transport does not accept scopes other than \"\""
        )),
        "containers-storage" => storage_scope(scope),
        _ => Ok(()),
    }
}

/// `algorithm:hex` in go-digest's sense (sha384 included).
fn looks_like_digest(s: &str) -> bool {
    match s.split_once(':') {
        Some(("sha384", hex)) => {
            hex.len() == 96 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
        _ => false,
    }
}

/// `^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$`: `host[:port][/namespace[/stream[:tag]]]`.
fn atomic_scope(scope: &str) -> Result<(), String> {
    let mut parts = scope.splitn(3, '/');
    let _host = parts.next();
    let ns_ok = parts.next().is_none_or(|ns| !ns.contains(':'));
    let stream_ok = parts
        .next()
        .is_none_or(|rest| !rest.contains('/') && rest.matches(':').count() <= 1);
    if ns_ok && stream_ok {
        Ok(())
    } else {
        Err(String::from(
            "expected host[:port][/namespace[/stream[:tag]]]",
        ))
    }
}

/// An absolute path other than `/`, already in its cleaned form.
fn absolute_clean_path(scope: &str) -> Result<(), String> {
    if !scope.starts_with('/') {
        return Err(String::from("must be an absolute path"));
    }
    if scope == "/" {
        return Err(String::from(
            "use the generic default scope \"\" instead of \"/\"",
        ));
    }
    let cleaned = clean_path(scope);
    if cleaned != scope {
        return Err(format!(
            "uses non-canonical path format, perhaps try with path {cleaned}"
        ));
    }
    Ok(())
}

/// Go's `path.Clean` for absolute paths.
fn clean_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    ["/", &parts.join("/")].concat()
}

/// `[driver@/graph/root]` optionally followed by an image name.
fn storage_scope(scope: &str) -> Result<(), String> {
    let invalid =
        || String::from("expected [driver@/graph/root] or [/graph/root], then an optional image");
    let rest = scope.strip_prefix('[').ok_or_else(invalid)?;
    let (store, _image) = rest.split_once(']').ok_or_else(invalid)?;
    let root = match store.split_once('@') {
        Some((driver, root)) if !driver.is_empty() => root,
        Some(_) => return Err(invalid()),
        None => store,
    };
    if root.starts_with('/') {
        Ok(())
    } else {
        Err(String::from("the graph root must be an absolute path"))
    }
}

#[cfg(test)]
mod tests;
