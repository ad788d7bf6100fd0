//! sigwall: decide whether a container image may be used, as containers/image does, anywhere
//! WebAssembly runs.
//!
//! The crate is a sans-IO core: it is handed bytes (policies, manifests, signatures, keys) and
//! the current time, and it never reads files, the network or a clock itself. The npm package
//! built from it (see `www/lib`) does the fetching.
//!
//! This release provides OCI content [`digest`]s: parsing, computing, and checking streamed
//! content against an expected digest and size.

#![no_std]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

// The core only needs `alloc`. `std` is linked only when the `std` feature asks for it, so the
// same code builds for targets without an operating system (`wasm32v1-none`, microcontrollers)
// and nothing in the core can reach for files, sockets or clocks by accident. Naming the crate
// explicitly (rather than dropping `#![no_std]` under the feature) keeps every `std::` path
// visible in review.
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod digest;
pub mod error;
mod eval;
mod json;
pub mod mechanism;
pub mod payload;
pub mod policy;
pub mod reference;
#[cfg(feature = "registries")]
pub mod registries;
mod schema1;
pub mod session;
pub mod verdict;

#[cfg(feature = "wasm")]
pub mod wasm;

pub use digest::{Algorithm, Digest, DigestVerifier, Hasher};
pub use error::{Code, DigestError, Error, ManifestError, PolicyError, ReferenceError};
pub use policy::{Policy, Requirement};
pub use reference::{ImageName, Reference};
pub use session::{Need, NeedKind, Platform, Session, UnixTime};
pub use verdict::Verdict;

#[cfg(all(test, feature = "keys"))]
mod wycheproof_tally;
