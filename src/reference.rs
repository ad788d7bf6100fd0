//! Docker image references, parsed and normalised as containers/image's copy of
//! `docker/reference` does it (`ParseNormalizedNamed`, `ParseNamed`, `TagNameOnly`).
//!
//! Grammar (from `docker/reference/regexp.go`):
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [domain "/"] path-component ["/" path-component]*
//! domain           := domain-component ["." domain-component]* [":" port-number]
//! domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! path-component   := /[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*/
//! tag              := /[\w][\w.-]{0,127}/
//! digest           := /[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}/
//! ```
//!
//! Normalisation: a first component without `.` or `:` that is not `localhost` is not a
//! domain, so `docker.io` is implied; `index.docker.io` becomes `docker.io`; a one-component
//! path on `docker.io` gets `library/`. There is no IPv6-literal rule and no "upper case means
//! domain" rule: those arrived in later `distribution/reference` versions, not in
//! containers/image.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use crate::digest::Digest;
use crate::error::{excerpt, ReferenceError};

/// The registry implied when a reference names none.
pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag added to a name-only image reference.
pub const DEFAULT_TAG: &str = "latest";
/// The longest allowed `domain/path`.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A parsed, normalised docker reference: `domain/path[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parses and normalises a reference as `ParseNormalizedNamed` does: `busybox` becomes
    /// `docker.io/library/busybox`. No default tag is added.
    ///
    /// # Errors
    ///
    /// [`ReferenceError`] when the string is not a valid reference, including upper-case
    /// letters in the repository path.
    pub fn parse_normalized(input: &str) -> Result<Self, ReferenceError> {
        let err = |reason: &'static str| ReferenceError {
            input: excerpt(input),
            reason,
        };
        if input.len() == 64
            && input
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(err(
                "cannot specify 64-byte hexadecimal strings (they are reserved for image IDs)",
            ));
        }
        let (mut domain, mut remainder) = match input.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first, String::from(rest))
            }
            _ => (DEFAULT_DOMAIN, String::from(input)),
        };
        if domain == LEGACY_DEFAULT_DOMAIN {
            domain = DEFAULT_DOMAIN;
        }
        if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
            remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
        }
        let remote_name = remainder.split(':').next().unwrap_or_default();
        if remote_name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(err("repository name must be lowercase"));
        }
        if !is_domain(domain) {
            return Err(err("invalid reference format"));
        }
        let (name_and_tag, digest) = match remainder.split_once('@') {
            Some((left, right)) => (left, Some(parse_reference_digest(right).map_err(err)?)),
            None => (remainder.as_str(), None),
        };
        let (path, tag) = match name_and_tag.split_once(':') {
            Some((path, tag)) => {
                if !is_tag(tag) {
                    return Err(err("invalid reference format"));
                }
                (path, Some(String::from(tag)))
            }
            None => (name_and_tag, None),
        };
        if path.is_empty() || !path.split('/').all(is_path_component) {
            return Err(err("invalid reference format"));
        }
        if domain.len() + 1 + path.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(err("repository name must not be more than 255 characters"));
        }
        Ok(Reference {
            domain: String::from(domain),
            path: String::from(path),
            tag,
            digest,
        })
    }

    /// Parses a reference that must already be in its canonical, fully expanded form
    /// (`ParseNamed`): `docker.io/library/busybox:latest` is accepted, `busybox:latest` is not.
    ///
    /// # Errors
    ///
    /// [`ReferenceError`] when the string is invalid or not canonical.
    pub fn parse_canonical(input: &str) -> Result<Self, ReferenceError> {
        let reference = Self::parse_normalized(input)?;
        if reference.to_string() != input {
            return Err(ReferenceError {
                input: excerpt(input),
                reason: "repository name must be canonical",
            });
        }
        Ok(reference)
    }

    /// The registry host, with its port if any (`docker.io`, `localhost:5000`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path on the registry (`library/busybox`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The repository name, `domain/path`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if any.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Whether the reference has neither a tag nor a digest.
    pub fn is_name_only(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// The reference with `:latest` added when it has neither tag nor digest (`TagNameOnly`).
    #[must_use]
    pub fn with_default_tag(mut self) -> Self {
        if self.is_name_only() {
            self.tag = Some(String::from(DEFAULT_TAG));
        }
        self
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`, then validated as a
/// digest of a known algorithm.
fn parse_reference_digest(s: &str) -> Result<Digest, &'static str> {
    let (algorithm, hex) = s.split_once(':').ok_or("invalid reference format")?;
    let component_ok = |c: &str| {
        let mut bytes = c.bytes();
        bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            && bytes.all(|b| b.is_ascii_alphanumeric())
    };
    if !algorithm.split(['-', '_', '+', '.']).all(component_ok)
        || hex.len() < 32
        || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err("invalid reference format");
    }
    Digest::parse(s).map_err(|e| match e.code() {
        crate::error::Code::DigestUnsupported => "unsupported digest algorithm",
        _ => "invalid checksum digest format",
    })
}

/// `domain-component ["." domain-component]* [":" port-number]`
pub(crate) fn is_domain(s: &str) -> bool {
    let (host, port) = match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty() && host.split('.').all(is_domain_component)
}

fn is_domain_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`
pub(crate) fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let mut i = 0;
    let mut expect_alnum = true;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        if alnum(b) {
            expect_alnum = false;
            i += 1;
            continue;
        }
        if expect_alnum {
            return false;
        }
        // A separator: ".", "_", "__", or one or more "-".
        let run_end = bytes.get(i..).map_or(i, |rest| {
            i + rest.iter().take_while(|&&x| !alnum(x)).count()
        });
        let sep = bytes.get(i..run_end).unwrap_or_default();
        let valid = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&x| x == b'-');
        if !valid {
            return false;
        }
        expect_alnum = true;
        i = run_end;
    }
    !bytes.is_empty() && !expect_alnum
}

/// `[\w][\w.-]{0,127}`
fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = t.as_bytes();
    bytes.first().is_some_and(|&b| word(b))
        && bytes.len() <= 128
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

/// Transport names of containers/image other than `docker://`, recognised so that
/// `dir:/path` is refused clearly instead of being read as a docker reference.
const OTHER_TRANSPORTS: &[&str] = &[
    "docker",
    "dir",
    "oci",
    "oci-archive",
    "docker-archive",
    "docker-daemon",
    "containers-storage",
    "sif",
    "tarball",
    "atomic",
    "ostree",
];

/// An image named with containers/image's transport syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageName {
    /// `docker://host/path:tag` (or a bare reference): always has a tag or a digest, never both.
    Docker(Reference),
}

impl ImageName {
    /// Parses `docker://REF`, or a bare `REF` meaning the same. A name-only reference gets the
    /// `latest` tag, as podman and skopeo add it.
    ///
    /// # Errors
    ///
    /// [`ReferenceError`] for an invalid reference, another transport, or a reference with both
    /// a tag and a digest (containers/image refuses those in the docker transport).
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let reference = if let Some(rest) = input.strip_prefix("docker://") {
            rest
        } else if let Some((transport, _)) = input
            .split_once(':')
            .filter(|(t, _)| OTHER_TRANSPORTS.contains(t))
        {
            return Err(ReferenceError {
                input: excerpt(input),
                reason: match transport {
                    "docker" => "docker: references must start with docker://",
                    _ => "only docker:// images can be evaluated here (use --from for dir: and oci: copies)",
                },
            });
        } else {
            input
        };
        let reference = Reference::parse_normalized(reference)?.with_default_tag();
        if reference.tag.is_some() && reference.digest.is_some() {
            return Err(ReferenceError {
                input: excerpt(input),
                reason: "Docker references with both a tag and digest are currently not supported",
            });
        }
        Ok(ImageName::Docker(reference))
    }

    /// The docker reference.
    pub fn reference(&self) -> &Reference {
        match self {
            ImageName::Docker(r) => r,
        }
    }
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageName::Docker(r) => write!(f, "docker://{r}"),
        }
    }
}

#[cfg(test)]
mod tests;
