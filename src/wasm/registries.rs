//! Bindings for registries.d (the `registries` module only).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use super::error::{error_object, to_js};
use crate::error::Error;
use crate::reference::ImageName;
use crate::registries::{Registries, CODE};

/// A merged registries.d configuration.
#[wasm_bindgen(js_name = "Registries")]
pub struct JsRegistries {
    inner: Registries,
}

#[wasm_bindgen(js_class = "Registries")]
impl JsRegistries {
    /// Parses registries.d files, given by name and contents in the order they are read.
    ///
    /// # Errors
    ///
    /// `REGISTRIES_INVALID`, naming the file, line and problem.
    #[wasm_bindgen(constructor)]
    pub fn new(names: Vec<String>, texts: Vec<String>) -> Result<JsRegistries, JsValue> {
        Registries::parse(
            names
                .iter()
                .map(String::as_str)
                .zip(texts.iter().map(String::as_str)),
        )
        .map(|inner| JsRegistries { inner })
        .map_err(|e| error_object(CODE, &e.to_string()))
    }

    /// Where `image`'s signatures are read from: `{ lookaside: URL | null,
    /// useSigstoreAttachments: bool }`.
    ///
    /// # Errors
    ///
    /// `REFERENCE_INVALID` for an invalid image reference.
    pub fn lookup(&self, image: &str) -> Result<JsValue, JsValue> {
        let image = ImageName::parse(image).map_err(|e| to_js(&Error::from(e)))?;
        let storage = self.inner.lookup(image.reference());
        let obj = js_sys::Object::new();
        let lookaside = storage.lookaside.map_or(JsValue::NULL, JsValue::from);
        // Setting properties on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&obj, &"lookaside".into(), &lookaside);
        let _ = js_sys::Reflect::set(
            &obj,
            &"useSigstoreAttachments".into(),
            &storage.use_sigstore_attachments.into(),
        );
        Ok(obj.into())
    }
}
