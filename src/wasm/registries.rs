//! Bindings for registries.d (the `registries` module only).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use super::error::to_js;
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
        .map_err(|e| {
            let obj = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&obj, &"code".into(), &CODE.into());
            let _ = js_sys::Reflect::set(&obj, &"message".into(), &e.to_string().into());
            obj.into()
        })
    }

    /// Where `image`'s signatures are read from: `{"lookaside": URL|null,
    /// "useSigstoreAttachments": bool}` as JSON.
    ///
    /// # Errors
    ///
    /// `REFERENCE_INVALID` for an invalid image reference.
    pub fn lookup(&self, image: &str) -> Result<String, JsValue> {
        let image = ImageName::parse(image).map_err(|e| to_js(&Error::from(e)))?;
        let storage = self.inner.lookup(image.reference());
        let mut out = String::from("{\"lookaside\":");
        match &storage.lookaside {
            Some(url) => crate::json::write_string(&mut out, url),
            None => out.push_str("null"),
        }
        out.push_str(",\"useSigstoreAttachments\":");
        out.push_str(if storage.use_sigstore_attachments {
            "true"
        } else {
            "false"
        });
        out.push('}');
        Ok(out)
    }
}
