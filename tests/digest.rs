//! The shared digest corpus, natively. The same cases run in wasm (wasm-tests/) and through the
//! npm package (pkg-tests/).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/digest.rs"]
mod corpus;

#[test]
fn parse_cases() {
    assert!(corpus::run("parse", corpus::check_parse) > 20);
}

#[test]
fn compute_cases() {
    assert!(corpus::run("compute", corpus::check_compute) > 10);
}

#[test]
fn verify_cases() {
    assert!(corpus::run("verify", corpus::check_verify) > 10);
}
