//! The sans-IO verification session: it says what it needs next (a manifest, signatures, key
//! files), the host fetches the bytes and hands them back, and at the end it returns the
//! verdict. The session never does I/O and never reads a clock.
//!
//! ```text
//! let mut session = Session::new(&policy, "docker://quay.io/app:1", now)?;
//! while let Some(need) = session.next_need() {
//!     match fetch(&need.kind) {
//!         Some(bytes) => session.provide(need.id, &bytes)?,
//!         None => session.provide_absent(need.id)?,
//!     }
//! }
//! let verdict = session.finish()?;
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::digest::Digest;
use crate::error::{ApiMisuse, Code, Error, ManifestError};
use crate::eval::{self, Candidate, Context};
use crate::json::{self, Value};
use crate::policy::{KeySource, Policy, Requirement, ScopeMatch};
use crate::reference::ImageName;
use crate::verdict::{SignatureFormat, Verdict};

mod platform;
pub use platform::Platform;

/// Manifests and signature manifests larger than this are refused, as containers/image does.
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Simple signatures larger than this are refused, as containers/image does.
pub const MAX_SIGNATURE_BYTES: usize = 4 * 1024 * 1024;
/// At most this many simple signatures (or cosign signature layers) are read for one manifest.
pub const MAX_SIGNATURES: u32 = 64;

/// Sigstore bundles larger than this are refused unread.
pub const MAX_BUNDLE_BYTES: usize = 1024 * 1024;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const COSIGN_SIGNATURE_LAYER: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// What every Sigstore bundle media type starts with (v0.1–v0.3, both spellings).
const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle";
/// The OCI empty descriptor's media type, which go-containerregistry writes as the
/// `artifactType` of referrers-tag-schema entries (kyverno#16664): such an entry must be
/// fetched to learn what it is.
#[cfg(feature = "keyless")]
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The annotation cosign v3 puts on a bundle's referrer manifest.
#[cfg(feature = "keyless")]
const PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// The predicate of a cosign v3 image signature.
#[cfg(feature = "keyless")]
const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Seconds since the Unix epoch, as the host's clock says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnixTime(pub u64);

/// Something the session needs from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    /// Identifies the need in [`Session::provide`] and [`Session::provide_absent`].
    pub id: u32,
    /// What is needed.
    pub kind: NeedKind,
}

/// What the session needs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NeedKind {
    /// The image's manifest: `GET /v2/<repository>/manifests/<reference>` on `registry`.
    /// Absent means the image does not exist.
    Manifest {
        /// The registry host (`docker.io`, `localhost:5000`).
        registry: String,
        /// The repository path (`library/busybox`).
        repository: String,
        /// A tag or a digest.
        reference: String,
    },
    /// The `index`-th stored signature of a manifest, counting from 1: from the lookaside store
    /// (`…@sha256=<hex>/signature-<index>`), the registry's signature extension, or a `dir:`
    /// copy (`signature-<index>`). Raw OpenPGP, or `\0simple-signing\n…` /
    /// `\0sigstore-json\n…`. Absent means there are no more.
    SimpleSignature {
        /// The registry host.
        registry: String,
        /// The repository path.
        repository: String,
        /// The signed manifest's digest.
        manifest_digest: String,
        /// 1-based.
        index: u32,
    },
    /// The cosign signature manifest of a manifest digest, by its tag (`sha256-<hex>.sig`).
    /// Absent means there are no cosign signatures.
    CosignSignatures {
        /// The registry host.
        registry: String,
        /// The repository path.
        repository: String,
        /// The tag to fetch.
        tag: String,
    },
    /// The OCI referrers of a manifest (`GET /v2/<repository>/referrers/<digest>`, or the
    /// `sha256-<hex>` tag schema when the registry has no referrers API): an image index whose
    /// descriptors carry `artifactType`. Sigstore bundles found there are reported in the
    /// verdict. Absent means there are none.
    Referrers {
        /// The registry host.
        registry: String,
        /// The repository path.
        repository: String,
        /// The manifest digest whose referrers are listed.
        digest: String,
    },
    /// A referrer's manifest by digest (`GET /v2/<repository>/manifests/<digest>`), to learn
    /// whether it holds a Sigstore bundle. sigwall checks its digest. Absent means the registry
    /// does not have it.
    ReferrerManifest {
        /// The registry host.
        registry: String,
        /// The repository path.
        repository: String,
        /// The referrer manifest's digest.
        digest: String,
    },
    /// A blob by digest (`GET /v2/<repository>/blobs/<digest>`): a cosign signature payload,
    /// or a Sigstore bundle. sigwall checks its size and digest. Absent means the registry does
    /// not have it.
    Blob {
        /// The registry host.
        registry: String,
        /// The repository path.
        repository: String,
        /// The blob's digest.
        digest: String,
        /// The size its descriptor gives.
        size: u64,
    },
    /// A key file the policy names (`keyPath`, `keyPaths`). Absent means it does not exist.
    KeyFile {
        /// The path as written in the policy.
        path: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Manifest,
    Signatures,
    Keys,
    Ready,
    Finished,
}

/// A cosign signature layer (or a Sigstore bundle layer) waiting for its blob.
#[derive(Debug)]
struct PendingLayer {
    need: u32,
    digest: Digest,
    size: u64,
    annotations: Vec<(String, String)>,
    /// A Sigstore bundle rather than a cosign payload.
    bundle: bool,
}

/// A verification session for one image. See the [module documentation](self).
#[derive(Debug)]
pub struct Session {
    image: ImageName,
    now: UnixTime,
    scope: ScopeMatch,
    requirements: Vec<Requirement>,
    stage: Stage,
    next_id: u32,
    outstanding: Vec<Need>,
    manifest_digest: Option<Digest>,
    manifest_sha256: Option<Digest>,
    candidates: Vec<Candidate>,
    /// cosign signature layers whose payload blob was asked for.
    pending_layers: Vec<PendingLayer>,
    /// Referrer manifests asked for: the need, and the digest they must have.
    #[cfg(feature = "keyless")]
    pending_referrers: Vec<(u32, Digest)>,
    /// Referrer manifests already asked for (a registry may list one twice).
    #[cfg(feature = "keyless")]
    seen_referrers: Vec<Digest>,
    /// How simple signatures are labelled in the verdict (`lookaside`, `dir`, …).
    signature_source: String,
    key_files: Vec<(String, Option<Vec<u8>>)>,
    /// The policy's parsed keys, shared with its other sessions.
    cache: crate::policy::cache::KeyCache,
    /// The platform an image index is resolved for.
    platform: Platform,
    /// The instance to evaluate by its digest instead of by platform (an edge gate's choice).
    wanted_instance: Option<Digest>,
    /// The instance chosen from the image index the reference named, if it named one.
    instance: Option<platform::Instance>,
    /// Whether a signature of that index also counts for its instance (opt-in).
    accept_index_signatures: bool,
    /// The SHA-256 of the index the instance was chosen from, when such signatures count.
    index_sha256: Option<Digest>,
}

impl Session {
    /// Opens a session for `image` (`docker://…` or a bare reference) under `policy`, at time
    /// `now`.
    ///
    /// # Errors
    ///
    /// [`Error::Reference`] when the image reference is invalid.
    pub fn new(policy: &Policy, image: &str, now: UnixTime) -> Result<Self, Error> {
        let image = ImageName::parse(image)?;
        let (scope, requirements) = policy.requirements_for(image.reference());
        let reference = image.reference();
        let tag_or_digest = match (reference.digest(), reference.tag()) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => String::from(t),
            // ImageName always carries a tag or a digest.
            (None, None) => String::from(crate::reference::DEFAULT_TAG),
        };
        let mut session = Session {
            scope,
            requirements: requirements.to_vec(),
            cache: policy.cache.clone(),
            now,
            stage: Stage::Manifest,
            next_id: 1,
            outstanding: Vec::new(),
            manifest_digest: None,
            manifest_sha256: None,
            candidates: Vec::new(),
            pending_layers: Vec::new(),
            #[cfg(feature = "keyless")]
            pending_referrers: Vec::new(),
            #[cfg(feature = "keyless")]
            seen_referrers: Vec::new(),
            signature_source: String::from("lookaside"),
            key_files: Vec::new(),
            platform: Platform::default(),
            wanted_instance: None,
            instance: None,
            accept_index_signatures: false,
            index_sha256: None,
            image: image.clone(),
        };
        session.ask(NeedKind::Manifest {
            registry: String::from(image.reference().domain()),
            repository: String::from(image.reference().path()),
            reference: tag_or_digest,
        });
        Ok(session)
    }

    /// Names where the host reads simple signatures from (`lookaside` by default; `dir` for a
    /// skopeo `dir:` copy, `registry-extension`, …), as the verdict will report it.
    pub fn set_signature_source(&mut self, source: &str) {
        self.signature_source = String::from(source);
    }

    /// The platform to evaluate when the image is a multi-platform index (default
    /// `linux/amd64`). Set it before providing the manifest.
    pub fn set_platform(&mut self, platform: Platform) {
        self.platform = platform;
    }

    /// When the image is an index: evaluate its instance with this digest, whatever its
    /// platform, instead of the platform's (set it before providing the manifest). An edge
    /// gate serving a tag's index checks every instance this way, each against the tag, as
    /// `podman pull --platform` of that instance's platform would. When the image is not an
    /// index, this has no effect.
    pub fn set_instance(&mut self, digest: Digest) {
        self.wanted_instance = Some(digest);
    }

    /// Opt-in, beyond containers/image: when the image is an index, a signature of the index
    /// also counts for the platform's instance. Sound, since the index's digest binds the
    /// instance's digest and size; off by default. Set it before providing the manifest.
    pub fn set_accept_index_signatures(&mut self, accept: bool) {
        self.accept_index_signatures = accept;
    }

    /// The image being verified.
    pub fn image(&self) -> &ImageName {
        &self.image
    }

    /// The scope whose requirements apply.
    pub fn scope(&self) -> &ScopeMatch {
        &self.scope
    }

    /// The next thing the session needs, or `None` when it is ready to [`finish`](Self::finish).
    /// The same need is returned until it is answered.
    pub fn next_need(&self) -> Option<Need> {
        self.outstanding.first().cloned()
    }

    /// Every need not yet answered, for hosts that fetch in parallel.
    pub fn outstanding(&self) -> &[Need] {
        &self.outstanding
    }

    fn ask(&mut self, kind: NeedKind) {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        self.outstanding.push(Need { id, kind });
    }

    fn take(&mut self, id: u32) -> Result<NeedKind, Error> {
        let at = self
            .outstanding
            .iter()
            .position(|n| n.id == id)
            .ok_or(ApiMisuse::UnknownNeed)?;
        Ok(self.outstanding.remove(at).kind)
    }

    /// Answers need `id` with the bytes the host found.
    ///
    /// # Errors
    ///
    /// [`Error::ApiMisuse`] for an unknown or already answered need; [`Error::Manifest`] for a
    /// manifest that is too large, not JSON, of a kind not supported yet, or that does not match
    /// the digest the image was requested by ([`Error::Digest`]).
    pub fn provide(&mut self, id: u32, bytes: &[u8]) -> Result<(), Error> {
        match self.take(id)? {
            NeedKind::Manifest { .. } => self.accept_manifest(bytes)?,
            NeedKind::SimpleSignature {
                registry,
                repository,
                manifest_digest,
                index,
            } => {
                self.candidates
                    .push(stored_signature(bytes, &self.signature_source));
                if index < MAX_SIGNATURES {
                    self.ask(NeedKind::SimpleSignature {
                        registry,
                        repository,
                        manifest_digest,
                        index: index + 1,
                    });
                }
            }
            NeedKind::CosignSignatures {
                registry,
                repository,
                ..
            } => self.accept_cosign_manifest(bytes, &registry, &repository),
            NeedKind::Blob { .. } => self.accept_payload(id, Some(bytes)),
            NeedKind::KeyFile { path } => self.key_files.push((path, Some(bytes.to_vec()))),
            NeedKind::Referrers {
                registry,
                repository,
                ..
            } => self.accept_referrers(bytes, &registry, &repository),
            #[cfg(feature = "keyless")]
            NeedKind::ReferrerManifest {
                registry,
                repository,
                ..
            } => self.accept_referrer_manifest(id, Some(bytes), &registry, &repository),
            // Never asked for without certificates.
            #[cfg(not(feature = "keyless"))]
            NeedKind::ReferrerManifest { .. } => {}
        }
        self.advance();
        Ok(())
    }

    /// Answers need `id` with "not found".
    ///
    /// # Errors
    ///
    /// [`Error::ApiMisuse`] for an unknown or already answered need; [`Error::Manifest`] when the
    /// image's manifest is absent (the image does not exist: nothing to evaluate).
    pub fn provide_absent(&mut self, id: u32) -> Result<(), Error> {
        match self.take(id)? {
            NeedKind::Manifest {
                registry,
                repository,
                reference,
            } => {
                self.stage = Stage::Finished;
                return Err(ManifestError::Unknown {
                    image: format!("{registry}/{repository}:{reference}"),
                }
                .into());
            }
            NeedKind::KeyFile { path } => self.key_files.push((path, None)),
            NeedKind::Blob { .. } => self.accept_payload(id, None),
            #[cfg(feature = "keyless")]
            NeedKind::ReferrerManifest { .. } => self.accept_referrer_manifest(id, None, "", ""),
            #[cfg(not(feature = "keyless"))]
            NeedKind::ReferrerManifest { .. } => {}
            NeedKind::SimpleSignature { .. }
            | NeedKind::CosignSignatures { .. }
            | NeedKind::Referrers { .. } => {}
        }
        self.advance();
        Ok(())
    }

    fn accept_manifest(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge { size: bytes.len() }.into());
        }
        let reference = self.image.reference();
        let parsed = parse_manifest(bytes)?;
        if manifest_is_index(&parsed) {
            if self.instance.is_some() {
                return Err(ManifestError::Invalid {
                    reason: String::from("an image index lists another image index"),
                }
                .into());
            }
            // The index must be the one the reference names; then the platform's instance is
            // evaluated, the way podman pulls it.
            if let Some(expected) = reference.digest() {
                expected.verify(bytes)?;
            }
            let instance = match &self.wanted_instance {
                Some(wanted) => platform::listed(&parsed, wanted),
                None => platform::choose(&parsed, &self.platform),
            }
            .map_err(|reason| ManifestError::NoInstance { reason })?;
            self.instance = Some(instance);
            if self.accept_index_signatures {
                self.index_sha256 = Some(Digest::sha256(bytes));
            }
            self.ask(NeedKind::Manifest {
                registry: String::from(reference.domain()),
                repository: String::from(reference.path()),
                reference: instance.digest.to_string(),
            });
            return Ok(());
        }
        // What the digest covers: the bytes, or a signed schema 1 manifest's JWS payload.
        let input =
            crate::schema1::digest_input(bytes, &parsed).map_err(|e| ManifestError::Invalid {
                reason: e.to_string(),
            })?;
        let sha256 = Digest::sha256(&input);
        let digest = match (self.instance, reference.digest()) {
            // The index's instance: exactly the bytes the index lists.
            (Some(instance), _) => {
                let mut check =
                    crate::digest::DigestVerifier::new(instance.digest, Some(instance.size));
                check.update(bytes)?;
                check.finish()?;
                instance.digest
            }
            // Pulled by digest: the manifest must be exactly that one.
            (None, Some(expected)) => {
                expected.verify(&input)?;
                *expected
            }
            (None, None) => sha256,
        };
        let registry = String::from(reference.domain());
        let repository = String::from(reference.path());
        // Stored signatures (lookaside, a dir: copy) may hold both formats, so any
        // signature-checking requirement reads them, as containers/image does.
        let stored = self
            .requirements
            .iter()
            .any(Requirement::verifies_signatures);
        let cosign = self
            .requirements
            .iter()
            .any(|r| matches!(r, Requirement::SigstoreSigned(_)));
        // The signatures of the evaluated manifest, and with the opt-in those of its index.
        for signed in core::iter::once(digest).chain(self.index_sha256) {
            if stored {
                self.ask(NeedKind::SimpleSignature {
                    registry: registry.clone(),
                    repository: repository.clone(),
                    manifest_digest: signed.to_string(),
                    index: 1,
                });
            }
            if cosign {
                self.ask(NeedKind::CosignSignatures {
                    registry: registry.clone(),
                    repository: repository.clone(),
                    tag: format!("{}-{}.sig", signed.algorithm().name(), signed.hex()),
                });
                self.ask(NeedKind::Referrers {
                    registry: registry.clone(),
                    repository: repository.clone(),
                    digest: signed.to_string(),
                });
            }
        }
        self.manifest_digest = Some(digest);
        self.manifest_sha256 = Some(sha256);
        self.stage = Stage::Signatures;
        Ok(())
    }

    /// Adds a Sigstore bundle the host already has (a `verifyLocal` caller's, or one read from
    /// a saved layout), as if found as a referrer of the image: it is verified like one.
    /// Bundles larger than [`MAX_BUNDLE_BYTES`] are recorded as defective.
    pub fn add_bundle(&mut self, bytes: &[u8], source: &str) {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return self.candidates.push(Candidate::defective(
                SignatureFormat::SigstoreBundle,
                source,
                Code::SignatureInvalid,
                String::from("the Sigstore bundle is larger than 1 MiB"),
            ));
        }
        self.candidates.push(Candidate::new(
            SignatureFormat::SigstoreBundle,
            source,
            bytes.to_vec(),
        ));
    }

    /// Whether some requirement lets Sigstore bundles count (the `acceptBundles` extension):
    /// only then are their blobs fetched.
    #[cfg(feature = "keyless")]
    fn bundles_accepted(&self) -> bool {
        self.requirements
            .iter()
            .any(|r| matches!(r, Requirement::SigstoreSigned(s) if s.accept_bundles))
    }

    /// Reads an OCI referrers index (from the referrers API or the `sha256-<hex>` tag schema):
    /// each entry that may be a Sigstore bundle (its `artifactType` is a bundle type, or is
    /// missing or the empty type, which cosign writes into tag-schema indexes) has its manifest
    /// fetched next. Entries of other types (SBOMs, attestations announced as such) are not
    /// signatures of the image; an index that cannot be read lists none.
    #[cfg(feature = "keyless")]
    fn accept_referrers(&mut self, bytes: &[u8], registry: &str, repository: &str) {
        let Ok(Value::Object(index)) = json::parse(bytes, MAX_MANIFEST_BYTES) else {
            return;
        };
        let Some(Value::Array(entries)) = index.get("manifests") else {
            return;
        };
        for entry in entries {
            if self.seen_referrers.len() >= MAX_SIGNATURES as usize {
                break;
            }
            let Value::Object(entry) = entry else {
                continue;
            };
            let maybe_bundle = match entry.get("artifactType") {
                None => true,
                Some(Value::String(t)) => {
                    t.is_empty() || t == OCI_EMPTY || t.starts_with(BUNDLE_MEDIA_TYPE)
                }
                Some(_) => false,
            };
            if !maybe_bundle || announced_attestation(entry.get("annotations")) {
                continue;
            }
            let Some(Value::String(digest)) = entry.get("digest") else {
                continue;
            };
            let Ok(digest) = Digest::parse(digest) else {
                continue;
            };
            if self.seen_referrers.contains(&digest) {
                continue;
            }
            self.seen_referrers.push(digest);
            let id = self.next_id;
            self.ask(NeedKind::ReferrerManifest {
                registry: String::from(registry),
                repository: String::from(repository),
                digest: digest.to_string(),
            });
            self.pending_referrers.push((id, digest));
        }
    }

    /// Reads an OCI referrers index in a build without certificates, which cannot verify
    /// bundles and parses no policy that accepts them: each entry whose `artifactType` is a
    /// bundle type is reported as a signature this policy cannot accept, unfetched.
    #[cfg(not(feature = "keyless"))]
    fn accept_referrers(&mut self, bytes: &[u8], _: &str, _: &str) {
        let Ok(Value::Object(index)) = json::parse(bytes, MAX_MANIFEST_BYTES) else {
            return;
        };
        let Some(Value::Array(entries)) = index.get("manifests") else {
            return;
        };
        for entry in entries.iter().take(MAX_SIGNATURES as usize) {
            let Value::Object(e) = entry else { continue };
            if matches!(e.get("artifactType"), Some(Value::String(t)) if t.starts_with(BUNDLE_MEDIA_TYPE))
            {
                let digest = match e.get("digest") {
                    Some(Value::String(d)) => d.as_str(),
                    _ => "",
                };
                self.candidates.push(unaccepted_bundle(digest));
            }
        }
    }

    /// Reads a referrer's manifest: one that holds a Sigstore bundle signature (its artifact
    /// type, or an older writer's config media type, is a bundle type; its one layer the
    /// bundle) becomes a signature; under a policy that accepts bundles, the bundle blob is
    /// fetched next. Attestations (another `dev.sigstore.bundle.predicateType`) and other
    /// artifacts are not signatures. A manifest that does not match its digest is recorded as
    /// a defective signature.
    #[cfg(feature = "keyless")]
    fn accept_referrer_manifest(
        &mut self,
        id: u32,
        bytes: Option<&[u8]>,
        registry: &str,
        repository: &str,
    ) {
        let Some(at) = self.pending_referrers.iter().position(|(n, _)| *n == id) else {
            return;
        };
        let (_, digest) = self.pending_referrers.remove(at);
        let defect = |message: String| {
            Candidate::defective(
                SignatureFormat::SigstoreBundle,
                "referrers",
                Code::SignatureInvalid,
                message,
            )
        };
        let Some(bytes) = bytes else {
            // Listed but gone: nothing to verify, and nothing that could count.
            return;
        };
        if let Err(e) = digest.verify(bytes) {
            return self.candidates.push(defect(format!(
                "the referrer manifest {digest} does not match its digest: {e}"
            )));
        }
        let Ok(Value::Object(manifest)) = json::parse(bytes, MAX_MANIFEST_BYTES) else {
            return self.candidates.push(defect(format!(
                "the referrer manifest {digest} is not a JSON object"
            )));
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::String(t)) => Some(t.clone()),
            _ => None,
        };
        let artifact_type = text(manifest.get("artifactType"));
        let config_type = match manifest.get("config") {
            Some(Value::Object(c)) => text(c.get("mediaType")),
            _ => None,
        };
        let is_bundle = match (&artifact_type, &config_type) {
            (Some(t), _) if !t.is_empty() => t.starts_with(BUNDLE_MEDIA_TYPE),
            (_, Some(t)) => t.starts_with(BUNDLE_MEDIA_TYPE),
            _ => false,
        };
        if !is_bundle || announced_attestation(manifest.get("annotations")) {
            return;
        }
        let layers: Vec<&Value> = match manifest.get("layers") {
            Some(Value::Array(layers)) => layers
                .iter()
                .filter(|l| {
                    matches!(l, Value::Object(o)
                        if matches!(o.get("mediaType"), Some(Value::String(t)) if t.starts_with(BUNDLE_MEDIA_TYPE)))
                })
                .collect(),
            _ => Vec::new(),
        };
        let [Value::Object(layer)] = layers.as_slice() else {
            return self.candidates.push(defect(format!(
                "the bundle referrer {digest} does not have exactly one bundle layer"
            )));
        };
        let blob = match layer.get("digest") {
            Some(Value::String(d)) => Digest::parse(d).ok(),
            _ => None,
        };
        let size = match layer.get("size") {
            Some(Value::Number(json::Number::Unsigned(n))) => Some(*n),
            _ => None,
        };
        let (Some(blob), Some(size)) = (blob, size) else {
            return self.candidates.push(defect(format!(
                "the bundle layer of referrer {digest} has an invalid digest or size"
            )));
        };
        if size > MAX_BUNDLE_BYTES as u64 {
            return self.candidates.push(defect(format!(
                "the bundle of referrer {digest} is larger than 1 MiB"
            )));
        }
        if !self.bundles_accepted() {
            // Reported, not fetched: no requirement of this policy could accept it.
            return self.candidates.push(unaccepted_bundle(&digest.to_string()));
        }
        let need = self.next_id;
        self.ask(NeedKind::Blob {
            registry: String::from(registry),
            repository: String::from(repository),
            digest: blob.to_string(),
            size,
        });
        self.pending_layers.push(PendingLayer {
            need,
            digest: blob,
            size,
            annotations: Vec::new(),
            bundle: true,
        });
    }

    /// Reads a cosign signature manifest: each `simplesigning` layer becomes a signature whose
    /// payload blob is requested next; other layers are attachments, not signatures. A
    /// malformed manifest or layer is recorded as a defective signature, which denies rather
    /// than disappears.
    fn accept_cosign_manifest(&mut self, bytes: &[u8], registry: &str, repository: &str) {
        let defect = |reason: &str| {
            Candidate::defective(
                SignatureFormat::Cosign,
                "cosign-tag",
                Code::SignatureInvalid,
                format!("invalid cosign signature manifest: {reason}"),
            )
        };
        let manifest = match json::parse(bytes, MAX_MANIFEST_BYTES) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return self.candidates.push(defect("not a JSON object")),
            Err(e) => return self.candidates.push(defect(&e.to_string())),
        };
        match manifest.get("mediaType") {
            None => {}
            Some(Value::String(t)) if t == OCI_MANIFEST => {}
            Some(_) => {
                return self.candidates.push(defect(
                    "the media type is not application/vnd.oci.image.manifest.v1+json",
                ))
            }
        }
        let Some(Value::Array(layers)) = manifest.get("layers") else {
            return self.candidates.push(defect("no layers array"));
        };
        for layer in layers.iter().take(MAX_SIGNATURES as usize) {
            let Value::Object(layer) = layer else {
                self.candidates.push(defect("a layer is not an object"));
                continue;
            };
            if layer.get("mediaType") != Some(&Value::String(String::from(COSIGN_SIGNATURE_LAYER)))
            {
                continue; // an attachment of another kind, not a signature
            }
            let digest = match layer.get("digest") {
                Some(Value::String(d)) => Digest::parse(d).ok(),
                _ => None,
            };
            let size = match layer.get("size") {
                Some(Value::Number(json::Number::Unsigned(n))) => Some(*n),
                _ => None,
            };
            let mut annotations = Vec::new();
            let mut annotations_ok = true;
            if let Some(a) = layer.get("annotations") {
                match a {
                    Value::Object(obj) => {
                        for (k, v) in obj.iter() {
                            match v {
                                Value::String(v) => annotations.push((String::from(k), v.clone())),
                                _ => annotations_ok = false,
                            }
                        }
                    }
                    _ => annotations_ok = false,
                }
            }
            match (digest, size, annotations_ok) {
                (Some(digest), Some(size), true)
                    if size <= crate::payload::MAX_PAYLOAD_BYTES as u64 =>
                {
                    let id = self.next_id;
                    self.ask(NeedKind::Blob {
                        registry: String::from(registry),
                        repository: String::from(repository),
                        digest: digest.to_string(),
                        size,
                    });
                    self.pending_layers.push(PendingLayer {
                        need: id,
                        digest,
                        size,
                        annotations,
                        bundle: false,
                    });
                }
                (_, Some(size), true) if size > crate::payload::MAX_PAYLOAD_BYTES as u64 => {
                    self.candidates
                        .push(defect("a signature payload is larger than 4 MiB"));
                }
                _ => self.candidates.push(defect(
                    "a signature layer has an invalid digest, size or annotations",
                )),
            }
        }
    }

    /// Checks a payload blob against its layer descriptor and records the signature.
    fn accept_payload(&mut self, id: u32, bytes: Option<&[u8]>) {
        let Some(at) = self.pending_layers.iter().position(|p| p.need == id) else {
            return;
        };
        let PendingLayer {
            digest,
            size,
            annotations,
            bundle,
            ..
        } = self.pending_layers.remove(at);
        let (format, source, what) = if bundle {
            (
                SignatureFormat::SigstoreBundle,
                "referrers",
                "Sigstore bundle",
            )
        } else {
            (SignatureFormat::Cosign, "cosign-tag", "signature payload")
        };
        let (code, message) = match bytes {
            None => (
                Code::SignatureInvalid,
                format!("the {what} blob {digest} does not exist"),
            ),
            Some(bytes) => {
                let mut check = crate::digest::DigestVerifier::new(digest, Some(size));
                match check.update(bytes).and_then(|()| check.finish()) {
                    Ok(_) => {
                        let mut candidate = Candidate::new(format, source, bytes.to_vec());
                        candidate.untrusted_annotations = annotations;
                        return self.candidates.push(candidate);
                    }
                    Err(e) => (
                        e.code(),
                        format!("the {what} does not match its descriptor: {e}"),
                    ),
                }
            }
        };
        let candidate = Candidate::defective(format, source, code, message);
        self.candidates.push(candidate);
    }

    /// Moves to the next stage once the current one has nothing outstanding.
    fn advance(&mut self) {
        if !self.outstanding.is_empty() {
            return;
        }
        if self.stage == Stage::Signatures {
            self.stage = Stage::Keys;
            // Key files are read only when there is a signature to check with them.
            if !self.candidates.is_empty() {
                let mut paths: Vec<String> = Vec::new();
                for r in &self.requirements {
                    for p in r.key_sources().into_iter().flat_map(KeySource::paths) {
                        if !paths.contains(p) {
                            paths.push(p.clone());
                        }
                    }
                }
                for path in paths {
                    self.ask(NeedKind::KeyFile { path });
                }
            }
        }
        if self.stage == Stage::Keys && self.outstanding.is_empty() {
            self.stage = Stage::Ready;
        }
    }

    /// Evaluates the policy and returns the verdict.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::NotReady`] while needs are outstanding, [`ApiMisuse::AlreadyFinished`]
    /// when called twice.
    pub fn finish(&mut self) -> Result<Verdict, Error> {
        match self.stage {
            Stage::Ready => {}
            Stage::Finished => return Err(ApiMisuse::AlreadyFinished.into()),
            _ => return Err(ApiMisuse::NotReady.into()),
        }
        self.stage = Stage::Finished;
        let digest = self.manifest_digest.ok_or(ApiMisuse::NotReady)?;
        let sha256 = self.manifest_sha256.ok_or(ApiMisuse::NotReady)?;
        let ctx = Context {
            image: &self.image,
            manifest_digest: &digest,
            manifest_sha256: &sha256,
            index_sha256: self.index_sha256.as_ref(),
            now: self.now.0,
            signatures: &self.candidates,
            key_files: &self.key_files,
            cache: &self.cache,
        };
        let mut requirements = Vec::new();
        let mut reasons = Vec::new();
        for requirement in &self.requirements {
            let outcome = eval::evaluate(requirement, &ctx);
            requirements.push(outcome.report);
            if let Some(mut reason) = outcome.denial {
                reason.message = format!("Source image rejected: {}", reason.message);
                reasons.push(reason);
            }
        }
        if self.requirements.is_empty() {
            // Unreachable from JSON (lists must be non-empty); containers/image denies.
            reasons.push(crate::verdict::Reason {
                code: Code::Internal,
                message: String::from("Source image rejected: List of verification policy requirements must not be empty"),
            });
        }
        Ok(Verdict {
            allowed: reasons.is_empty(),
            image: self.image.to_string(),
            digest: Some(digest.to_string()),
            scope: String::from(self.scope.as_str()),
            requirements,
            reasons,
        })
    }
}

/// A signature as lookaside stores and skopeo's `dir:` layout hold it: a raw OpenPGP message,
/// or `\0<format>\n<body>` with format `simple-signing` (an OpenPGP message) or `sigstore-json`
/// (one cosign layer: `{"mimeType","payload"(base64),"annotations"}`). Anything else is kept as
/// a defective signature, which denies rather than disappears.
fn stored_signature(bytes: &[u8], source: &str) -> Candidate {
    let defect = |format, reason: &str| {
        Candidate::defective(
            format,
            source,
            Code::SignatureInvalid,
            format!("invalid stored signature: {reason}"),
        )
    };
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return defect(SignatureFormat::SimpleSigning, "larger than 4 MiB");
    }
    let Some(rest) = bytes.strip_prefix(b"\0") else {
        return Candidate::new(SignatureFormat::SimpleSigning, source, bytes.to_vec());
    };
    let Some(newline) = rest.iter().position(|b| *b == b'\n') else {
        return defect(
            SignatureFormat::SimpleSigning,
            "no newline after the format name",
        );
    };
    let (name, body) = rest.split_at(newline);
    let body = body.get(1..).unwrap_or_default();
    match name {
        b"simple-signing" if !body.is_empty() => {
            Candidate::new(SignatureFormat::SimpleSigning, source, body.to_vec())
        }
        b"sigstore-json" => sigstore_json(body, source)
            .unwrap_or_else(|reason| defect(SignatureFormat::Cosign, reason)),
        _ => defect(
            SignatureFormat::SimpleSigning,
            "unknown format or empty signature",
        ),
    }
}

/// `{"mimeType":…,"payload":<base64>,"annotations":{…}}`, as containers/image stores a
/// sigstore signature outside a registry.
fn sigstore_json(body: &[u8], source: &str) -> Result<Candidate, &'static str> {
    let Ok(Value::Object(obj)) = json::parse(body, MAX_SIGNATURE_BYTES) else {
        return Err("sigstore-json is not a JSON object");
    };
    if obj
        .unknown_key(&["mimeType", "payload", "annotations"])
        .is_some()
    {
        return Err("sigstore-json has an unknown key");
    }
    let Some(Value::String(mime)) = obj.get("mimeType") else {
        return Err("sigstore-json has no mimeType");
    };
    if mime != COSIGN_SIGNATURE_LAYER {
        return Err("sigstore-json is not a signature (mimeType)");
    }
    let Some(Value::String(payload)) = obj.get("payload") else {
        return Err("sigstore-json has no payload");
    };
    let payload = <base64ct::Base64 as base64ct::Encoding>::decode_vec(payload)
        .map_err(|_| "sigstore-json payload is not base64")?;
    let mut candidate = Candidate::new(SignatureFormat::Cosign, source, payload);
    match obj.get("annotations") {
        Some(Value::Object(a)) => {
            for (k, v) in a.iter() {
                let Value::String(v) = v else {
                    return Err("sigstore-json annotations must be strings");
                };
                candidate
                    .untrusted_annotations
                    .push((String::from(k), v.clone()));
            }
        }
        None => {}
        Some(_) => return Err("sigstore-json annotations must be an object"),
    }
    Ok(candidate)
}

/// Whether descriptor or manifest annotations announce a predicate other than cosign's image
/// signature: an attestation, which is not a signature (the verified statement decides for
/// the bundles that are fetched).
#[cfg(feature = "keyless")]
fn announced_attestation(annotations: Option<&Value>) -> bool {
    let Some(Value::Object(a)) = annotations else {
        return false;
    };
    matches!(a.get(PREDICATE_ANNOTATION), Some(Value::String(p)) if p != COSIGN_SIGN_PREDICATE)
}

/// A Sigstore bundle (the referrer `digest` names) that no requirement of the policy can accept:
/// reported with the reason, never fetched.
fn unaccepted_bundle(digest: &str) -> Candidate {
    Candidate::defective(
        SignatureFormat::SigstoreBundle,
        "referrers",
        Code::UnsupportedFormat,
        format!(
            "the Sigstore bundle of referrer {} (cosign v3) names no image: podman's policy cannot accept it; sigwall's acceptBundles can",
            crate::error::excerpt(digest)
        ),
    )
}

/// A manifest's JSON: an object, within the size limit.
fn parse_manifest(bytes: &[u8]) -> Result<Value, Error> {
    let value = json::parse(bytes, MAX_MANIFEST_BYTES).map_err(|e| ManifestError::Invalid {
        reason: e.to_string(),
    })?;
    if !matches!(value, Value::Object(_)) {
        return Err(ManifestError::Invalid {
            reason: String::from("a manifest must be a JSON object"),
        }
        .into());
    }
    if let Some(key) = value.go_folded_key(&MANIFEST_FIELDS, &["annotations"]) {
        return Err(ManifestError::Invalid {
            reason: format!(
                "member \"{key}\" differs only in case from a manifest field: containers/image \
                 (Go's JSON decoder) would read it as that field"
            ),
        }
        .into());
    }
    Ok(value)
}

/// The fields of every manifest, index, descriptor and schema 1 structure (its JWS signatures
/// included) containers/image decodes with Go's `encoding/json`.
const MANIFEST_FIELDS: [&str; 29] = [
    "schemaVersion",
    "mediaType",
    "artifactType",
    "config",
    "layers",
    "manifests",
    "subject",
    "annotations",
    "digest",
    "size",
    "urls",
    "platform",
    "architecture",
    "os",
    "os.version",
    "os.features",
    "variant",
    "features",
    "name",
    "tag",
    "fsLayers",
    "blobSum",
    "history",
    "v1Compatibility",
    "signatures",
    "data",
    "header",
    "signature",
    "protected",
];

/// Whether a manifest is an image index / manifest list (by its `mediaType`, else by having a
/// `manifests` member), which needs a platform choice first.
fn manifest_is_index(manifest: &Value) -> bool {
    let Value::Object(obj) = manifest else {
        return false;
    };
    match obj.get("mediaType") {
        Some(Value::String(t)) => {
            t == "application/vnd.oci.image.index.v1+json"
                || t == "application/vnd.docker.distribution.manifest.list.v2+json"
        }
        _ => obj.get("manifests").is_some(),
    }
}

#[cfg(test)]
mod tests;
