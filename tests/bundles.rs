//! Sigstore bundles natively (`cargo test --features keyless`). The same cases run in wasm
//! (wasm-tests/).

#![cfg(feature = "keyless")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/bundles.rs"]
mod corpus;

#[test]
fn bundles_are_decided_as_sigstore_clients_decide() {
    assert_eq!(corpus::cases(), 50);
}

#[test]
fn cosign_v3_image_signatures_under_policies() {
    assert_eq!(corpus::images(), 12);
}

#[test]
fn legacy_cosign_signatures_under_a_trusted_root() {
    assert_eq!(corpus::legacy(), 9);
}

#[test]
fn a_retired_log_key_cannot_vouch_for_another_log() {
    assert_eq!(corpus::retired_log_key(), 2);
}
