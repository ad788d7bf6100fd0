//! Trust policies (`containers-policy.json`): the data model, strict parsing, and the choice of
//! requirements for an image, with containers/image's semantics.
//!
//! A policy maps scopes (per transport: a repository, a namespace, a registry, a `*.` domain
//! wildcard) to lists of requirements; the most specific scope that matches an image wins, and
//! every requirement in its list must allow the image.

pub(crate) mod cache;
mod embed;
mod identity;
mod lint;
mod parse;
pub mod pattern;
pub(crate) mod scope;

use alloc::string::String;
use alloc::vec::Vec;

pub use identity::{remap, SignedIdentity};
pub use lint::{MinimumVersion, Warning};
pub use scope::{docker_scopes, ScopeMatch};

use crate::error::PolicyError;

/// Policies larger than this are refused before parsing (real ones are a few KiB; key data
/// inlined by `sigwall policy embed` adds a few KiB per key).
pub const MAX_POLICY_BYTES: usize = 4 * 1024 * 1024;

/// The policy used when none is configured: deny everything.
pub const REJECT_ALL: &str = r#"{"default":[{"type":"reject"}]}"#;

/// The policy compiled into this build: `npm run build -- --policy FILE` (or
/// `SIGWALL_EMBEDDED_POLICY`) chooses it; otherwise it is [`REJECT_ALL`].
pub const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/embedded-policy.json"));

/// Scope keys with their requirements, in document order.
pub(crate) type Scopes = Vec<(String, Vec<Requirement>)>;

/// A parsed, validated policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub(crate) default: Vec<Requirement>,
    /// Transport name → its scopes, in document order.
    pub(crate) transports: Vec<(String, Scopes)>,
    /// Keys parsed by this policy's sessions, for the next ones.
    pub(crate) cache: cache::KeyCache,
}

impl Policy {
    /// Parses a policy strictly: unknown or duplicate keys, wrong types, `null`s, missing or
    /// conflicting fields and trailing data are errors that name the JSON path.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] (`POLICY_INVALID`) describing the first problem found.
    pub fn parse(json: &[u8]) -> Result<Self, PolicyError> {
        parse::policy(json)
    }

    /// The requirements of the transport-wide default, of a scope, or of the policy default.
    pub fn default_requirements(&self) -> &[Requirement] {
        &self.default
    }

    /// The scopes configured for `transport`, in document order.
    pub fn scopes<'a>(
        &'a self,
        transport: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [Requirement])> + 'a {
        self.transports
            .iter()
            .filter(move |(t, _)| t == transport)
            .flat_map(|(_, scopes)| scopes.iter().map(|(s, r)| (s.as_str(), r.as_slice())))
    }

    /// Every transport named in the policy, in document order.
    pub fn transport_names(&self) -> impl Iterator<Item = &str> {
        self.transports.iter().map(|(t, _)| t.as_str())
    }

    /// Every requirement anywhere in the policy.
    pub fn all_requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.default.iter().chain(
            self.transports
                .iter()
                .flat_map(|(_, scopes)| scopes.iter().flat_map(|(_, reqs)| reqs.iter())),
        )
    }
}

/// One requirement of a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// `insecureAcceptAnything`: allows any image, signed or not.
    InsecureAcceptAnything,
    /// `reject`: denies every image.
    Reject,
    /// `signedBy`: an OpenPGP "simple signing" signature by a trusted key.
    SignedBy(SignedBy),
    /// `sigstoreSigned`: a cosign/sigstore signature.
    SigstoreSigned(SigstoreSigned),
    /// `signedBaseLayer`: parsed, but containers/image never implemented it: always denies.
    SignedBaseLayer {
        /// The identity the base layer would have to be signed for.
        base_layer_identity: SignedIdentity,
    },
}

impl Requirement {
    /// The requirement's `type` as written in policy.json.
    pub fn type_name(&self) -> &'static str {
        match self {
            Requirement::InsecureAcceptAnything => "insecureAcceptAnything",
            Requirement::Reject => "reject",
            Requirement::SignedBy(_) => "signedBy",
            Requirement::SigstoreSigned(_) => "sigstoreSigned",
            Requirement::SignedBaseLayer { .. } => "signedBaseLayer",
        }
    }

    /// The key sources evaluation reads to verify signatures: trusted keys, Rekor keys and a
    /// trusted root file.
    pub fn signing_key_sources(&self) -> Vec<&KeySource> {
        match self {
            Requirement::SignedBy(s) => alloc::vec![&s.keys],
            Requirement::SigstoreSigned(s) => {
                let mut v = Vec::new();
                if let SigstoreTrust::Keys(k) = &s.trust {
                    v.push(k);
                }
                v.extend(s.rekor.as_ref());
                if let Some(TrustedRootSource::File(f)) = &s.trusted_root {
                    v.push(f);
                }
                v
            }
            _ => Vec::new(),
        }
    }

    /// Every key source the requirement names: [`signing_key_sources`](Self::signing_key_sources)
    /// plus the certificate authorities of `fulcio` and `pki`.
    pub fn key_sources(&self) -> Vec<&KeySource> {
        let mut v = self.signing_key_sources();
        if let Requirement::SigstoreSigned(s) = self {
            match &s.trust {
                SigstoreTrust::Keys(_) => {}
                SigstoreTrust::Fulcio(f) => {
                    if let Some(ca) = &f.ca {
                        v.insert(0, ca);
                    }
                }
                SigstoreTrust::Pki(p) => {
                    v.insert(0, &p.ca_roots);
                    if let Some(i) = &p.ca_intermediates {
                        v.insert(1, i);
                    }
                }
            }
        }
        v
    }

    /// Whether this requirement checks a signature (`signedBy`, `sigstoreSigned`).
    pub fn verifies_signatures(&self) -> bool {
        matches!(
            self,
            Requirement::SignedBy(_) | Requirement::SigstoreSigned(_)
        )
    }
}

/// Where trusted key material comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A file path (`keyPath`, `caPath`, …), resolved by the host.
    Path(String),
    /// Several file paths (`keyPaths`, `rekorPublicKeyPaths`).
    Paths(Vec<String>),
    /// Inline key bytes (`keyData`, `caData`, …; base64 in JSON).
    Data(Vec<u8>),
    /// Several inline keys (`keyDatas`, `rekorPublicKeyDatas`).
    Datas(Vec<Vec<u8>>),
}

impl KeySource {
    /// The file paths this source names.
    pub fn paths(&self) -> &[String] {
        match self {
            KeySource::Path(p) => core::slice::from_ref(p),
            KeySource::Paths(p) => p,
            KeySource::Data(_) | KeySource::Datas(_) => &[],
        }
    }
}

/// `signedBy.keyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// `GPGKeys`: the only one containers/image implements.
    GpgKeys,
    /// `signedByGPGKeys`: parsed; every signature is rejected ("Unimplemented keyType").
    SignedByGpgKeys,
    /// `X509Certificates`: parsed; every signature is rejected.
    X509Certificates,
    /// `signedByX509CAs`: parsed; every signature is rejected.
    SignedByX509Cas,
}

impl KeyType {
    /// The value as written in policy.json.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::GpgKeys => "GPGKeys",
            KeyType::SignedByGpgKeys => "signedByGPGKeys",
            KeyType::X509Certificates => "X509Certificates",
            KeyType::SignedByX509Cas => "signedByX509CAs",
        }
    }
}

/// A `signedBy` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBy {
    /// The kind of keys.
    pub key_type: KeyType,
    /// The trusted keyrings.
    pub keys: KeySource,
    /// Which identity a signature must claim.
    pub signed_identity: SignedIdentity,
}

/// What a `sigstoreSigned` requirement trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigstoreTrust {
    /// Public keys (`keyPath`, `keyPaths`, `keyData`, `keyDatas`).
    Keys(KeySource),
    /// Fulcio-issued certificates (keyless).
    Fulcio(Fulcio),
    /// Certificates from the user's own PKI.
    Pki(Pki),
}

/// A `sigstoreSigned` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigstoreSigned {
    /// Keys or certificate authorities.
    pub trust: SigstoreTrust,
    /// Rekor public keys, when a transparency-log SET is required.
    pub rekor: Option<KeySource>,
    /// Which identity a signature must claim.
    pub signed_identity: SignedIdentity,
    /// sigwall extension (`trustedRoot`, `trustedRootPath`, `trustedRootData`): Fulcio CAs,
    /// transparency logs, CT logs and timestamp authorities from a Sigstore trusted root, in
    /// place of `fulcio.caPath` and the Rekor keys.
    pub trusted_root: Option<TrustedRootSource>,
    /// sigwall extension (`acceptBundles`): Sigstore bundles found as OCI referrers (cosign v3)
    /// may satisfy the requirement. They sign a digest and name no image, so `signedIdentity`
    /// cannot be checked for them.
    pub accept_bundles: bool,
}

impl SigstoreSigned {
    /// The sigwall extensions this requirement uses (empty: containers/image accepts it).
    pub fn extensions(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        match &self.trusted_root {
            None => {}
            Some(TrustedRootSource::PublicGood) => out.push("trustedRoot"),
            Some(TrustedRootSource::File(KeySource::Data(_))) => out.push("trustedRootData"),
            Some(TrustedRootSource::File(_)) => out.push("trustedRootPath"),
        }
        if self.accept_bundles {
            out.push("acceptBundles");
        }
        if let SigstoreTrust::Fulcio(f) = &self.trust {
            match &f.subject {
                Subject::Email(_) => {}
                Subject::Uri(_) => out.push("fulcio.subjectURI"),
                Subject::Pattern(_) => out.push("fulcio.subjectRegExp"),
            }
        }
        out
    }
}

/// Where a requirement's Sigstore trusted root comes from (a sigwall extension).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustedRootSource {
    /// `"trustedRoot": "public-good"`: the Sigstore public-good instance's root that ships with
    /// sigwall.
    PublicGood,
    /// `trustedRootPath` (a file the host reads) or `trustedRootData` (inline, base64).
    File(KeySource),
}

/// `sigstoreSigned.fulcio`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fulcio {
    /// `caPath` or `caData`; `None` when the requirement's trusted root holds the CAs.
    pub ca: Option<KeySource>,
    /// `oidcIssuer`.
    pub oidc_issuer: String,
    /// Which certificate subject (SAN) is required.
    pub subject: Subject,
}

/// The certificate subject a `fulcio` requirement wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `subjectEmail`: one of the e-mail SANs, exactly (containers/image).
    Email(String),
    /// `subjectURI` (sigwall extension): one of the URI SANs, exactly (CI workflow identities).
    Uri(String),
    /// `subjectRegExp` (sigwall extension): an e-mail or URI SAN matched whole by the pattern.
    Pattern(pattern::Pattern),
}

#[cfg(feature = "keyless")]
impl Subject {
    /// Whether a certificate with these SANs has the subject.
    pub fn matches(&self, emails: &[String], uris: &[String]) -> bool {
        match self {
            Subject::Email(e) => emails.iter().any(|x| x == e),
            Subject::Uri(u) => uris.iter().any(|x| x == u),
            Subject::Pattern(p) => emails.iter().chain(uris).any(|x| p.matches(x)),
        }
    }

    /// The subject as the policy states it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Subject::Email(e) => alloc::format!("e-mail {}", crate::error::quoted(e)),
            Subject::Uri(u) => alloc::format!("URI {}", crate::error::quoted(u)),
            Subject::Pattern(p) => {
                alloc::format!("a SAN matching {}", crate::error::quoted(p.as_str()))
            }
        }
    }
}

/// `sigstoreSigned.pki`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pki {
    /// `caRootsPath` or `caRootsData`.
    pub ca_roots: KeySource,
    /// `caIntermediatesPath` or `caIntermediatesData`.
    pub ca_intermediates: Option<KeySource>,
    /// `subjectEmail`.
    pub subject_email: Option<String>,
    /// `subjectHostname`.
    pub subject_hostname: Option<String>,
}

#[cfg(test)]
mod tests;
