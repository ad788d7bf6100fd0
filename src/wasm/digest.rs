//! Bindings for digests: one-shot hashing, incremental hashing and streamed verification.

use alloc::string::{String, ToString};
use wasm_bindgen::prelude::*;

use super::error::to_js;
use crate::digest::{Algorithm, Digest, DigestVerifier, Hasher};
use crate::error::{ApiMisuse, Error};

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn algorithm(name: Option<String>) -> Result<Algorithm, JsValue> {
    match name {
        None => Ok(Algorithm::Sha256),
        Some(name) => Algorithm::from_name(&name).map_err(|e| to_js(&e.into())),
    }
}

/// The digest (`algorithm:hex`) of `bytes`; `algorithm` defaults to `sha256`.
///
/// # Errors
///
/// `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for an unknown algorithm name.
#[wasm_bindgen(js_name = "digest")]
pub fn digest(bytes: &[u8], algorithm_name: Option<String>) -> Result<String, JsValue> {
    Ok(Digest::compute(algorithm(algorithm_name)?, bytes).to_string())
}

/// Parses and re-formats a digest string, so callers can validate it.
///
/// # Errors
///
/// `DIGEST_INVALID` or `DIGEST_UNSUPPORTED`.
#[wasm_bindgen(js_name = "parseDigest")]
pub fn parse_digest(input: &str) -> Result<String, JsValue> {
    Digest::parse(input)
        .map(|d| d.to_string())
        .map_err(|e| to_js(&e.into()))
}

/// An incremental hasher.
#[wasm_bindgen(js_name = "Hasher")]
pub struct JsHasher {
    inner: Option<Hasher>,
}

#[wasm_bindgen(js_class = "Hasher")]
impl JsHasher {
    /// A hasher for `algorithm` (default `sha256`).
    ///
    /// # Errors
    ///
    /// `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for an unknown algorithm name.
    #[wasm_bindgen(constructor)]
    pub fn new(algorithm_name: Option<String>) -> Result<JsHasher, JsValue> {
        Ok(JsHasher {
            inner: Some(Hasher::new(algorithm(algorithm_name)?)),
        })
    }

    /// Hashes the next chunk.
    ///
    /// # Errors
    ///
    /// `API_MISUSE` after `finish`.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let hasher = self.inner.as_mut().ok_or_else(finished)?;
        hasher.update(bytes);
        Ok(())
    }

    /// The digest of everything hashed; the hasher cannot be used afterwards.
    ///
    /// # Errors
    ///
    /// `API_MISUSE` when called twice.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        let hasher = self.inner.take().ok_or_else(finished)?;
        Ok(hasher.finalize().to_string())
    }
}

fn finished() -> JsValue {
    to_js(&Error::ApiMisuse(ApiMisuse::AlreadyFinished))
}

/// Checks streamed content against an expected digest and optional size.
#[wasm_bindgen(js_name = "DigestVerifier")]
pub struct JsDigestVerifier {
    inner: DigestVerifier,
}

#[wasm_bindgen(js_class = "DigestVerifier")]
impl JsDigestVerifier {
    /// A verifier for content that must hash to `expected` and, when given, have `size` bytes.
    ///
    /// # Errors
    ///
    /// `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for a bad digest, `API_MISUSE` for a size that
    /// is not a non-negative safe integer.
    #[wasm_bindgen(constructor)]
    pub fn new(expected: &str, size: Option<f64>) -> Result<JsDigestVerifier, JsValue> {
        let expected = Digest::parse(expected).map_err(|e| to_js(&e.into()))?;
        let size = match size {
            None => None,
            // Integers up to 2^53 - 1 are exact in an f64; anything else is not a byte count.
            // (`s as u64` truncates; equal when back as f64 exactly when `s` is whole.)
            Some(s) if (0.0..=MAX_SAFE_INTEGER).contains(&s) && (s as u64) as f64 == s => {
                Some(s as u64)
            }
            Some(_) => return Err(to_js(&Error::ApiMisuse(ApiMisuse::InvalidSize))),
        };
        Ok(JsDigestVerifier {
            inner: DigestVerifier::new(expected, size),
        })
    }

    /// Hashes the next chunk.
    ///
    /// # Errors
    ///
    /// `SIZE_MISMATCH` when the content goes past the expected size, `API_MISUSE` after
    /// `finish`.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        self.inner.update(bytes).map_err(|e| to_js(&e))
    }

    /// Ends the content and returns its digest when it matches.
    ///
    /// # Errors
    ///
    /// `SIZE_MISMATCH` or `DIGEST_MISMATCH` when it does not, `API_MISUSE` when called twice.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        self.inner
            .finish()
            .map(|d| d.to_string())
            .map_err(|e| to_js(&e))
    }
}
