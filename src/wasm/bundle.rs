//! Sigstore bundle verification for JavaScript: a trusted root, parsed once, verifies bundles.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use super::error::error_object;
use crate::error::Code;
use crate::json::write_string;
use crate::mechanism::bundle::{self, Artifact, Expected};
use crate::mechanism::cosign::CosignKey;

/// A parsed `trusted_root.json`.
#[wasm_bindgen(js_name = "TrustedRoot")]
pub struct JsTrustedRoot {
    root: bundle::TrustedRoot,
}

#[wasm_bindgen(js_class = "TrustedRoot")]
impl JsTrustedRoot {
    /// Parses a `trusted_root.json`; without one, the public-good instance's snapshot.
    ///
    /// # Errors
    ///
    /// `{ code: "KEY_INVALID", message }` when it is malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Option<Vec<u8>>) -> Result<JsTrustedRoot, JsValue> {
        bytes
            .as_deref()
            .map_or_else(bundle::TrustedRoot::public_good, bundle::TrustedRoot::parse)
            .map(|root| JsTrustedRoot { root })
            .map_err(|e| error_object(Code::KeyInvalid.as_str(), &e))
    }

    /// `sha256:<hex>` of the root's bytes.
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> String {
        self.root.digest.clone()
    }

    /// Verifies `bundle` (its JSON bytes) for an artifact given as bytes or as its SHA-256
    /// (32 bytes) or SHA-512 (64 bytes), signed by a certificate for `identity` from `issuer`, or by `key_pem`.
    /// Returns JSON: `{"verified":true,"signer":…,"predicateType":…,"trustedRoot":…}` or
    /// `{"verified":false,"code":…,"message":…}`.
    ///
    /// # Errors
    ///
    /// `{ code: "API_MISUSE" | "KEY_INVALID", message }` when the arguments do not name one
    /// artifact and one signer.
    #[wasm_bindgen(js_name = "verifyBundle")]
    pub fn verify_bundle(
        &self,
        bundle_json: &[u8],
        artifact: Option<Vec<u8>>,
        artifact_digest: Option<Vec<u8>>,
        identity: Option<String>,
        issuer: Option<String>,
        key_pem: Option<Vec<u8>>,
    ) -> Result<String, JsValue> {
        let misuse = |m: &str| error_object(Code::ApiMisuse.as_str(), m);
        let artifact = match (&artifact, artifact_digest.as_deref()) {
            (Some(bytes), None) => Artifact::Bytes(bytes),
            (None, Some(d)) => match (<[u8; 32]>::try_from(d), <[u8; 64]>::try_from(d)) {
                (Ok(sha256), _) => Artifact::Sha256(sha256),
                (_, Ok(sha512)) => Artifact::Sha512(sha512),
                _ => {
                    return Err(misuse(
                        "a digest is a SHA-256 (32 bytes) or a SHA-512 (64 bytes)",
                    ))
                }
            },
            _ => return Err(misuse("give the artifact's bytes or its digest, not both")),
        };
        let expected = match (identity, issuer, key_pem) {
            (Some(identity), Some(issuer), None) => Expected::Certificate {
                identity: identity.into(),
                issuer,
            },
            (None, None, Some(pem)) => Expected::Key(
                CosignKey::from_pem(&pem)
                    .map_err(|e| error_object(Code::KeyInvalid.as_str(), &e.to_string()))?,
            ),
            _ => {
                return Err(misuse(
                    "give a certificate identity and OIDC issuer, or a public key",
                ))
            }
        };
        let mut out = String::new();
        match bundle::verify(bundle_json, &self.root, &artifact, &expected) {
            Ok(verified) => {
                out.push_str("{\"verified\":true,\"signer\":");
                verified.signer.write_json(&mut out);
                out.push_str(",\"predicateType\":");
                match &verified.predicate_type {
                    Some(p) => write_string(&mut out, p),
                    None => out.push_str("null"),
                }
                out.push_str(",\"trustedRoot\":");
                write_string(&mut out, &verified.trusted_root);
            }
            Err((code, message)) => {
                out.push_str("{\"verified\":false,\"code\":");
                write_string(&mut out, code.as_str());
                out.push_str(",\"message\":");
                write_string(&mut out, &message);
            }
        }
        out.push('}');
        Ok(out)
    }
}
