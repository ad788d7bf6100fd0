//! Choosing an image index's instance for a platform, as containers/image chooses it for
//! podman: the wanted platforms in order of preference (the exact variant, then the older
//! variants an ARM CPU also runs, then no variant), and for each the first listed instance with
//! that OS, architecture and variant.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::digest::Digest;
use crate::json::{Number, Value};

/// An OS, architecture and optional variant (`linux/arm64/v8`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `windows`, …
    pub os: String,
    /// GOARCH names: `amd64`, `arm64`, `arm`, `ppc64le`, `s390x`, …
    pub architecture: String,
    /// `v7`, `v8`, …, if any.
    pub variant: Option<String>,
}

impl Default for Platform {
    /// `linux/amd64`, what browsers and the edge gate evaluate for.
    fn default() -> Self {
        Platform {
            os: String::from("linux"),
            architecture: String::from("amd64"),
            variant: None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl Platform {
    /// Parses `os/arch` or `os/arch/variant`.
    pub fn parse(text: &str) -> Option<Platform> {
        let mut parts = text.split('/');
        let (Some(os), Some(architecture)) = (parts.next(), parts.next()) else {
            return None;
        };
        let variant = parts.next().map(String::from);
        let valid = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        if parts.next().is_some()
            || !valid(os)
            || !valid(architecture)
            || !variant.as_deref().is_none_or(valid)
        {
            return None;
        }
        Some(Platform {
            os: String::from(os),
            architecture: String::from(architecture),
            variant,
        })
    }

    /// The variants to look for, most wanted first ("" = an instance without a variant).
    fn wanted_variants(&self) -> Vec<&str> {
        // ARM CPUs run the older variants' code; containers/image prefers the newest that fits.
        const ARM: [&str; 4] = ["v8", "v7", "v6", "v5"];
        let mut out = Vec::new();
        match (self.architecture.as_str(), self.variant.as_deref()) {
            ("arm", Some(v)) => {
                out.extend(ARM.iter().skip_while(|a| **a != v).copied());
                if out.is_empty() {
                    out.push(v);
                }
            }
            ("arm64", None) => out.push("v8"),
            (_, Some(v)) => out.push(v),
            (_, None) => {}
        }
        out.push("");
        out
    }
}

/// An instance chosen from an index: its digest and size, as the index lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Instance {
    pub(crate) digest: Digest,
    pub(crate) size: u64,
}

fn text<'v>(obj: &'v crate::json::Object, key: &str) -> Option<&'v str> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The instance of `index` (parsed JSON) for `platform`.
///
/// # Errors
///
/// A message for an index that lists no usable instance for the platform, or is malformed.
pub(crate) fn choose(index: &Value, platform: &Platform) -> Result<Instance, String> {
    let manifests = entries(index)?;
    for variant in platform.wanted_variants() {
        for entry in manifests {
            let Value::Object(entry) = entry else {
                return Err(String::from("an image index entry is not an object"));
            };
            let Some(Value::Object(p)) = entry.get("platform") else {
                continue;
            };
            if text(p, "os") != Some(platform.os.as_str())
                || text(p, "architecture") != Some(platform.architecture.as_str())
                || text(p, "variant").unwrap_or("") != variant
            {
                continue;
            }
            return instance_of(entry);
        }
    }
    Err(alloc::format!(
        "choosing an image from the image index: no image found for platform {platform}"
    ))
}

/// The instance of `index` (parsed JSON) whose digest is `wanted`: the first entry listing it,
/// whatever its platform (an edge gate checks every instance a client could ask for).
///
/// # Errors
///
/// A message for an index that does not list `wanted`, or is malformed.
pub(crate) fn listed(index: &Value, wanted: &Digest) -> Result<Instance, String> {
    for entry in entries(index)? {
        let Value::Object(entry) = entry else {
            return Err(String::from("an image index entry is not an object"));
        };
        let instance = instance_of(entry)?;
        if instance.digest == *wanted {
            return Ok(instance);
        }
    }
    Err(alloc::format!("the image index does not list {wanted}"))
}

/// The entries of an image index.
fn entries(index: &Value) -> Result<&[Value], String> {
    let Value::Object(index) = index else {
        return Err(String::from("an image index must be a JSON object"));
    };
    match index.get("manifests") {
        Some(Value::Array(manifests)) => Ok(manifests),
        _ => Err(String::from("an image index without a manifests list")),
    }
}

/// An index entry's digest and size.
fn instance_of(entry: &crate::json::Object) -> Result<Instance, String> {
    let digest = text(entry, "digest")
        .and_then(|d| Digest::parse(d).ok())
        .ok_or_else(|| String::from("an image index entry has an invalid digest"))?;
    let size = match entry.get("size") {
        Some(Value::Number(Number::Unsigned(n))) => *n,
        _ => return Err(String::from("an image index entry has an invalid size")),
    };
    Ok(Instance { digest, size })
}
