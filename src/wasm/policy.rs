//! Bindings for policies and verification sessions.

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use super::error::to_js;
use crate::error::Error;
#[cfg(feature = "tooling")]
use crate::json::write_string;
use crate::policy::{Policy, EMBEDDED};
use crate::session::{NeedKind, Session, UnixTime};

/// The policy compiled into this module (JSON text).
#[wasm_bindgen(js_name = "embeddedPolicy")]
pub fn embedded_policy() -> String {
    String::from(EMBEDDED)
}

/// A parsed policy.
#[wasm_bindgen(js_name = "Policy")]
pub struct JsPolicy {
    inner: Policy,
}

#[wasm_bindgen(js_class = "Policy")]
impl JsPolicy {
    /// Parses a policy strictly.
    ///
    /// # Errors
    ///
    /// `POLICY_INVALID` with the JSON path and the problem.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &[u8]) -> Result<JsPolicy, JsValue> {
        Policy::parse(json)
            .map(|inner| JsPolicy { inner })
            .map_err(|e| to_js(&e.into()))
    }

    /// Every key file path the policy names.
    #[wasm_bindgen(js_name = "keyPaths")]
    pub fn key_paths(&self) -> Vec<String> {
        self.inner
            .key_paths()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// (Full module only: policy tooling stays out of the size-budgeted core.)
    /// Lint warnings and the oldest containers/image / podman that accept the policy, as JSON:
    /// `{"warnings":[{code,path,message}],"minimumVersion":{containersImage,podman,because},
    /// "extensions":[…]}` (the sigwall extensions used: podman refuses the policy when any).
    #[cfg(feature = "tooling")]
    pub fn lint(&self) -> String {
        let mut out = String::from("{\"warnings\":[");
        for (i, w) in self.inner.lint().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"code\":");
            write_string(&mut out, w.code);
            out.push_str(",\"path\":");
            write_string(&mut out, &w.path);
            out.push_str(",\"message\":");
            write_string(&mut out, &w.message);
            out.push('}');
        }
        let min = self.inner.minimum_version();
        out.push_str("],\"minimumVersion\":{\"containersImage\":");
        write_string(&mut out, min.containers_image);
        out.push_str(",\"podman\":");
        write_string(&mut out, min.podman);
        out.push_str(",\"because\":[");
        for (i, b) in min.because.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, b);
        }
        out.push_str("]},\"extensions\":[");
        for (i, e) in self.inner.extensions().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, e);
        }
        out.push_str("]}");
        out
    }

    /// (Full module only.) The policy as JSON with each key file (`paths[i]` has contents `contents[i]`) inlined.
    ///
    /// # Errors
    ///
    /// `POLICY_INVALID` naming a path whose contents were not given.
    #[cfg(feature = "tooling")]
    #[wasm_bindgen(js_name = "toJsonInlined")]
    pub fn to_json_inlined(
        &self,
        paths: Vec<String>,
        contents: Vec<js_sys::Uint8Array>,
    ) -> Result<String, JsValue> {
        let read = |path: &str| {
            paths
                .iter()
                .position(|p| p == path)
                .and_then(|i| contents.get(i))
                .map(js_sys::Uint8Array::to_vec)
        };
        self.inner
            .to_json_inlined(&read)
            .map_err(|e| to_js(&e.into()))
    }

    /// Whether verifying needs OpenPGP (a `signedBy` requirement), which only the full module
    /// has.
    #[wasm_bindgen(js_name = "needsPgp")]
    pub fn needs_pgp(&self) -> bool {
        use crate::policy::Requirement;
        self.inner
            .all_requirements()
            .any(|r| matches!(r, Requirement::SignedBy(_)))
    }

    /// Whether verifying needs certificates or bundles (a `sigstoreSigned` requirement with
    /// `fulcio`, `pki` or a trusted root), which the keyless module has.
    #[wasm_bindgen(js_name = "needsKeyless")]
    pub fn needs_keyless(&self) -> bool {
        use crate::policy::{Requirement, SigstoreTrust};
        self.inner.all_requirements().any(|r| {
            matches!(r, Requirement::SigstoreSigned(s)
                if !matches!(s.trust, SigstoreTrust::Keys(_)) || s.trusted_root.is_some())
        })
    }

    /// Whether verifying needs the full module: a `signedBy` requirement (OpenPGP), or a
    /// `sigstoreSigned` key (or Rekor key) that is not an inline P-256 key. Key files are not
    /// read yet when the module is chosen, so a key given by path counts as needing it.
    #[wasm_bindgen(js_name = "needsFull")]
    pub fn needs_full(&self) -> bool {
        use crate::mechanism::cosign::is_p256_pem;
        use crate::policy::{KeySource, Requirement, SigstoreTrust};
        let core_can_use = |k: &KeySource| match k {
            KeySource::Data(d) => is_p256_pem(d),
            KeySource::Datas(ds) => ds.iter().all(|d| is_p256_pem(d)),
            KeySource::Path(_) | KeySource::Paths(_) => false,
        };
        self.inner.all_requirements().any(|r| match r {
            Requirement::SignedBy(_) => true,
            Requirement::SigstoreSigned(s) => {
                matches!(&s.trust, SigstoreTrust::Keys(k) if !core_can_use(k))
                    || s.rekor.as_ref().is_some_and(|k| !core_can_use(k))
            }
            _ => false,
        })
    }
}

/// A verification session (see `src/session.rs`).
#[wasm_bindgen(js_name = "Session")]
pub struct JsSession {
    inner: Session,
}

#[wasm_bindgen(js_class = "Session")]
impl JsSession {
    /// Opens a session for `image` under `policy` at `now` (seconds since the epoch).
    ///
    /// # Errors
    ///
    /// `REFERENCE_INVALID` for a bad image reference.
    #[wasm_bindgen(constructor)]
    pub fn new(policy: &JsPolicy, image: &str, now: f64) -> Result<JsSession, JsValue> {
        // A clock before 1970 or beyond 2^53 s is nonsense; clamp rather than wrap.
        let now = UnixTime(if now.is_finite() && now > 0.0 {
            now as u64
        } else {
            0
        });
        Session::new(&policy.inner, image, now)
            .map(|inner| JsSession { inner })
            .map_err(|e| to_js(&e))
    }

    /// The platform to evaluate when the image is an index: `os/arch[/variant]`.
    ///
    /// # Errors
    ///
    /// `API_MISUSE` for anything else.
    #[wasm_bindgen(js_name = "setPlatform")]
    pub fn set_platform(&mut self, platform: &str) -> Result<(), JsValue> {
        let platform = crate::session::Platform::parse(platform)
            .ok_or_else(|| to_js(&Error::ApiMisuse(crate::error::ApiMisuse::InvalidPlatform)))?;
        self.inner.set_platform(platform);
        Ok(())
    }

    /// The image, normalized (`docker://docker.io/library/busybox:latest`).
    #[wasm_bindgen(getter)]
    pub fn image(&self) -> String {
        alloc::format!("{}", self.inner.image())
    }

    /// The policy scope whose requirements apply: a scope key, `""` or `default`.
    #[wasm_bindgen(getter)]
    pub fn scope(&self) -> String {
        String::from(self.inner.scope().as_str())
    }

    /// When the image is an index: the instance to evaluate, by digest, whatever its platform.
    ///
    /// # Errors
    ///
    /// `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for a malformed digest.
    #[wasm_bindgen(js_name = "setInstance")]
    pub fn set_instance(&mut self, digest: &str) -> Result<(), JsValue> {
        let digest = crate::digest::Digest::parse(digest).map_err(|e| to_js(&e.into()))?;
        self.inner.set_instance(digest);
        Ok(())
    }

    /// Whether a signature of an image index also counts for the platform's instance.
    #[wasm_bindgen(js_name = "setAcceptIndexSignatures")]
    pub fn set_accept_index_signatures(&mut self, accept: bool) {
        self.inner.set_accept_index_signatures(accept);
    }

    /// Names where simple signatures come from (`lookaside`, `dir`, …) for the verdict.
    #[wasm_bindgen(js_name = "setSignatureSource")]
    pub fn set_signature_source(&mut self, source: &str) {
        self.inner.set_signature_source(source);
    }

    /// Adds a Sigstore bundle the caller already has, verified as if found as a referrer.
    /// (Modules with certificates only: the others report bundles from referrers indexes.)
    #[cfg(feature = "keyless")]
    #[wasm_bindgen(js_name = "addBundle")]
    pub fn add_bundle(&mut self, bytes: &[u8], source: &str) {
        self.inner.add_bundle(bytes, source);
    }

    /// The next need as a plain object (`{ id, kind, … }`), or `undefined` when ready.
    #[wasm_bindgen(js_name = "nextNeed")]
    pub fn next_need(&self) -> JsValue {
        let Some(need) = self.inner.next_need() else {
            return JsValue::UNDEFINED;
        };
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            // Setting properties on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&obj, &k.into(), &v);
        };
        set("id", need.id.into());
        match need.kind {
            NeedKind::Manifest {
                registry,
                repository,
                reference,
            } => {
                set("kind", "manifest".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("reference", reference.into());
            }
            NeedKind::SimpleSignature {
                registry,
                repository,
                manifest_digest,
                index,
            } => {
                set("kind", "simpleSignature".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("manifestDigest", manifest_digest.into());
                set("index", index.into());
            }
            NeedKind::CosignSignatures {
                registry,
                repository,
                tag,
            } => {
                set("kind", "cosignSignatures".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("tag", tag.into());
            }
            NeedKind::Blob {
                registry,
                repository,
                digest,
                size,
            } => {
                set("kind", "blob".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("digest", digest.into());
                // Sizes up to 4 MiB: exact as a JS number.
                set("size", (size as f64).into());
            }
            NeedKind::KeyFile { path } => {
                set("kind", "keyFile".into());
                set("path", path.into());
            }
            // Asked for only by modules with certificates.
            #[cfg(not(feature = "keyless"))]
            NeedKind::ReferrerManifest { .. } => {}
            #[cfg(feature = "keyless")]
            NeedKind::ReferrerManifest {
                registry,
                repository,
                digest,
            } => {
                set("kind", "referrerManifest".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("digest", digest.into());
            }
            NeedKind::Referrers {
                registry,
                repository,
                digest,
            } => {
                set("kind", "referrers".into());
                set("registry", registry.into());
                set("repository", repository.into());
                set("digest", digest.into());
            }
        }
        obj.into()
    }

    /// Answers a need with bytes.
    ///
    /// # Errors
    ///
    /// `API_MISUSE`, `MANIFEST_INVALID`, `DIGEST_MISMATCH`, `UNSUPPORTED`.
    pub fn provide(&mut self, id: u32, bytes: &[u8]) -> Result<(), JsValue> {
        self.inner.provide(id, bytes).map_err(|e| to_js(&e))
    }

    /// Answers a need with "not found".
    ///
    /// # Errors
    ///
    /// `API_MISUSE`, `MANIFEST_UNKNOWN`.
    #[wasm_bindgen(js_name = "provideAbsent")]
    pub fn provide_absent(&mut self, id: u32) -> Result<(), JsValue> {
        self.inner.provide_absent(id).map_err(|e| to_js(&e))
    }

    /// Evaluates the policy; returns the verdict as JSON text.
    ///
    /// # Errors
    ///
    /// `API_MISUSE` while needs are outstanding or after finishing.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        self.inner
            .finish()
            .map(|v| v.to_json())
            .map_err(|e: Error| to_js(&e))
    }
}
