//! cosign key-based signatures end to end through the session, natively. The same cases run in
//! wasm (wasm-tests/).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "corpus/cosign.rs"]
mod corpus;

#[test]
fn cosign_signatures_follow_containers_image() {
    assert_eq!(corpus::cases(), 26);
}

#[test]
fn accepted_signatures_name_key_and_identity() {
    let v = corpus::verify(
        &corpus::key_policy(r#"{"type":"matchRepository"}"#),
        "registry.example/app:v1",
        &corpus::Material::default(),
    )
    .unwrap();
    assert!(v.allowed);
    let sig = &v.requirements[0].signatures[0];
    assert_eq!(sig.identity.as_deref(), Some("registry.example/app"));
    assert_eq!(sig.key.as_ref().map(String::len), Some(64));
    assert_eq!(sig.format.as_str(), "cosign");
    assert_eq!(sig.source, "cosign-tag");
    assert_eq!(v.scope, "registry.example");
}
