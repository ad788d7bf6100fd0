//! The policy corpus natively: parser accept/reject tables and signedIdentity tables of
//! shared/spec/policy.md section 8. The same cases run in wasm (wasm-tests/).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/policy.rs"]
mod corpus;

#[test]
fn parser_accepts_what_containers_image_accepts() {
    assert!(corpus::parse_accept() >= 40);
}

#[test]
fn parser_rejects_what_containers_image_rejects() {
    assert!(corpus::parse_reject() >= 120);
}

#[test]
fn match_exact_and_repository_tables() {
    assert!(corpus::symmetric() >= 25);
}

#[test]
fn match_repo_digest_or_exact_table() {
    assert!(corpus::repo_digest_or_exact() >= 15);
}

#[test]
fn remap_identity_prefix_table() {
    assert!(corpus::remap_prefix_match() >= 25);
}

#[test]
fn remap_identity_rewrite_table() {
    assert!(corpus::remap_rewrite() >= 15);
}

#[test]
fn remap_identity_end_to_end_table() {
    assert!(corpus::remap_end_to_end() >= 10);
}

#[test]
fn evaluation_rows_without_valid_signatures() {
    assert!(corpus::evaluation() >= 18);
}
