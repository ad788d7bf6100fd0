//! WebAssembly bindings for the npm package: conversion only; every decision is made by the core.
//!
//! Each binding converts its arguments, calls one core function and converts the result.
//! Errors cross the boundary as plain `{ code, message }` objects (see [`error`]); the
//! JavaScript layer (`www/lib/errors.js`) turns them into `VerifyError` instances.

#[cfg(feature = "keyless")]
mod bundle;
mod digest;
mod error;
mod policy;
#[cfg(feature = "registries")]
mod registries;

#[cfg(feature = "keyless")]
pub use bundle::JsTrustedRoot;
pub use digest::{digest, parse_digest, JsDigestVerifier, JsHasher};
pub use policy::{embedded_policy, JsPolicy, JsSession};
#[cfg(feature = "registries")]
pub use registries::JsRegistries;

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use crate::error::Code;

/// Without `std` (the core module), a panic traps at once. With `panic = "abort"` it would trap
/// anyway; this handler also leaves out the code that formats panic messages nobody reads.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The allocator of the wasm modules.
// SAFETY: `new_global` requires a single-threaded wasm environment. The modules are built for
// wasm32-unknown-unknown without the atomics feature, so there is no shared memory and no second
// thread; JavaScript calls into a module one at a time.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

/// Every error and rejection code the core can produce, for the JavaScript layer's tests.
#[wasm_bindgen(js_name = "errorCodes")]
pub fn error_codes() -> Vec<String> {
    Code::ALL.iter().map(|c| String::from(c.as_str())).collect()
}

/// What this module was built with: `{ version, features }`.
#[wasm_bindgen(js_name = "buildInfo")]
pub fn build_info() -> JsValue {
    let features = js_sys::Array::new();
    if cfg!(feature = "pgp") {
        features.push(&JsValue::from_str("pgp"));
    }
    let info = js_sys::Object::new();
    // Reflect::set on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&info, &"version".into(), &env!("CARGO_PKG_VERSION").into());
    let _ = js_sys::Reflect::set(&info, &"features".into(), &features);
    info.into()
}
