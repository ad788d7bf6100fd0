//! The one seam where core errors become JavaScript values.

use alloc::string::ToString;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// Converts a core error into a plain `{ code, message }` object.
///
/// A plain object rather than a `JsError`: the JavaScript layer wraps it into its own
/// `VerifyError` class, which keeps `instanceof` working across the package's modules.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let obj = js_sys::Object::new();
    // Setting properties on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&obj, &"code".into(), &error.code().as_str().into());
    let _ = js_sys::Reflect::set(&obj, &"message".into(), &error.to_string().into());
    obj.into()
}
