use super::*;

#[test]
fn prefix_matches_whole_components_only() {
    assert!(name_has_prefix("example.com/ns/image", "example.com/ns"));
    assert!(name_has_prefix("example.com/ns", "example.com/ns"));
    assert!(!name_has_prefix("example.com/ns2/image", "example.com/ns"));
    assert!(!name_has_prefix("example.com:5000/image", "example.com"));
    assert!(!name_has_prefix("example.com", "example.com/ns"));
}

#[test]
fn remap_prefix_validation() {
    for ok in [
        "localhost",
        "example.com:80",
        "example.com/a/b",
        "shortname",
        "ns/shortname",
        "A.com/x",
    ] {
        assert!(is_valid_remap_prefix(ok), "{ok}");
    }
    for bad in [
        "",
        "example.com/",
        "example.com//x",
        "a.com/B",
        "x y",
        "a.com/r:t",
        "_a",
    ] {
        assert!(!is_valid_remap_prefix(bad), "{bad}");
    }
}

#[test]
fn type_names_are_policy_json_names() {
    assert_eq!(
        SignedIdentity::MatchRepoDigestOrExact.type_name(),
        "matchRepoDigestOrExact"
    );
    let remap = SignedIdentity::RemapIdentity {
        prefix: "a.com".into(),
        signed_prefix: "b.com".into(),
    };
    assert_eq!(remap.type_name(), "remapIdentity");
}

#[test]
fn unparsable_signature_claims_never_match() {
    let image = Reference::parse_normalized("busybox:latest").unwrap();
    for identity in [
        SignedIdentity::MatchExact,
        SignedIdentity::MatchRepoDigestOrExact,
        SignedIdentity::MatchRepository,
    ] {
        assert!(identity.matches(&image, "docker.io/library/busybox:latest"));
        assert!(!identity.matches(&image, "reference#@!"));
        assert!(!identity.matches(&image, ""));
    }
}
