//! signedBy with real gpg/skopeo signatures, natively (`cargo test --features pgp`). The same
//! cases run in wasm (wasm-tests/).

#![cfg(feature = "pgp")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/pgp.rs"]
mod corpus;

#[test]
fn signed_by_follows_containers_image() {
    assert_eq!(corpus::cases(), 32);
}
