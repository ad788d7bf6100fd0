//! The policy corpus (spec section 8 tables) compiled to wasm32, in Node and Chromium.

#![cfg(target_arch = "wasm32")]

#[path = "../../tests/corpus/policy.rs"]
mod corpus;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn parser_accepts_what_containers_image_accepts() {
    assert!(corpus::parse_accept() >= 40);
}

#[wasm_bindgen_test]
fn parser_rejects_what_containers_image_rejects() {
    assert!(corpus::parse_reject() >= 120);
}

#[wasm_bindgen_test]
fn match_exact_and_repository_tables() {
    assert!(corpus::symmetric() >= 25);
}

#[wasm_bindgen_test]
fn match_repo_digest_or_exact_table() {
    assert!(corpus::repo_digest_or_exact() >= 15);
}

#[wasm_bindgen_test]
fn remap_identity_tables() {
    assert!(corpus::remap_prefix_match() >= 25);
    assert!(corpus::remap_rewrite() >= 15);
    assert!(corpus::remap_end_to_end() >= 10);
}

#[wasm_bindgen_test]
fn garbage_policies_are_errors_not_traps() {
    let deep = "[".repeat(10_000);
    for input in [
        &b"\xff\xfe\x00"[..],
        deep.as_bytes(),
        "9".repeat(5000).as_bytes(),
        b"{\"default\":[{\"type\":\"reject\"}]}{",
    ] {
        assert!(sigwall::Policy::parse(input).is_err());
    }
}

#[wasm_bindgen_test]
fn evaluation_rows_without_valid_signatures() {
    assert!(corpus::evaluation() >= 18);
}

#[path = "../../tests/corpus/cosign.rs"]
mod cosign;

#[wasm_bindgen_test]
fn cosign_signatures_follow_containers_image() {
    assert_eq!(cosign::cases(), 26);
}

#[path = "../../tests/corpus/pgp.rs"]
mod pgp;

#[wasm_bindgen_test]
fn signed_by_follows_containers_image() {
    assert_eq!(pgp::cases(), 32);
}

#[path = "../../tests/corpus/keyless.rs"]
mod keyless;

#[wasm_bindgen_test]
fn keyless_requirements_follow_containers_image() {
    assert_eq!(keyless::cases(), 48);
}

#[path = "../../tests/corpus/bundles.rs"]
mod bundles;

#[wasm_bindgen_test]
fn bundles_are_decided_as_sigstore_clients_decide() {
    assert_eq!(bundles::cases(), 50);
}

#[wasm_bindgen_test]
fn cosign_v3_image_signatures_under_policies() {
    assert_eq!(bundles::images(), 12);
}

#[wasm_bindgen_test]
fn legacy_cosign_signatures_under_a_trusted_root() {
    assert_eq!(bundles::legacy(), 9);
}

#[wasm_bindgen_test]
fn a_retired_log_key_cannot_vouch_for_another_log() {
    assert_eq!(bundles::retired_log_key(), 2);
}
