//! The one seam where core errors become JavaScript values.

use alloc::string::ToString;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// Converts a core error into a plain `{ code, message }` object.
///
/// A plain object rather than a `JsError`: the JavaScript layer wraps it into its own
/// `VerifyError` class, which keeps `instanceof` working across the package's modules.
pub(crate) fn to_js(error: &Error) -> JsValue {
    error_object(error.code().as_str(), &error.to_string())
}

/// A plain `{ code, message }` object, for errors with a code of their own (registries.d).
pub(crate) fn error_object(code: &str, message: &str) -> JsValue {
    let obj = js_sys::Object::new();
    // Setting properties on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&obj, &"code".into(), &code.into());
    let _ = js_sys::Reflect::set(&obj, &"message".into(), &message.into());
    obj.into()
}
