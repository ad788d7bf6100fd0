//! `fulcio` and `pki` requirements end to end through the session, natively
//! (`cargo test --features keyless`). The same cases run in wasm (wasm-tests/).

#![cfg(feature = "keyless")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/keyless.rs"]
mod corpus;

#[test]
fn keyless_requirements_follow_containers_image() {
    assert_eq!(corpus::cases(), 48);
}
