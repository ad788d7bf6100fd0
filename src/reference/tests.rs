use super::*;
use alloc::string::ToString;
use alloc::vec::Vec;
use proptest::prelude::*;

const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn norm(s: &str) -> String {
    Reference::parse_normalized(s).unwrap().to_string()
}

#[test]
fn normalises_like_containers_image() {
    let cases = [
        ("busybox", "docker.io/library/busybox"),
        ("busybox:latest", "docker.io/library/busybox:latest"),
        ("library/busybox", "docker.io/library/busybox"),
        ("docker.io/busybox", "docker.io/library/busybox"),
        ("index.docker.io/busybox", "docker.io/library/busybox"),
        ("index.docker.io/ns/app:1", "docker.io/ns/app:1"),
        ("ns/repo", "docker.io/ns/repo"),
        ("notlocalhost/repo", "docker.io/notlocalhost/repo"),
        ("localhost/repo", "localhost/repo"),
        ("localhost:5000/repo:tag", "localhost:5000/repo:tag"),
        ("example.com/ns/repo", "example.com/ns/repo"),
        ("Example.COM/ns/repo", "Example.COM/ns/repo"),
        (
            "registry.access.redhat.com/rhel7/rhel:7.2.3",
            "registry.access.redhat.com/rhel7/rhel:7.2.3",
        ),
        (
            "yet.another.example.com:8443/ns/repo",
            "yet.another.example.com:8443/ns/repo",
        ),
        ("localhost:5000", "docker.io/library/localhost:5000"),
        ("a.b/c__d/e-f/g---h/i.j/k_l", "a.b/c__d/e-f/g---h/i.j/k_l"),
    ];
    for (input, want) in cases {
        assert_eq!(norm(input), want, "{input}");
    }
    let with_digest = norm(&["busybox:latest@", D].concat());
    assert_eq!(
        with_digest,
        ["docker.io/library/busybox:latest@", D].concat()
    );
}

#[test]
fn parts_are_exposed() {
    let r = Reference::parse_normalized(&["quay.io:443/a/b/c:v1@", D].concat()).unwrap();
    assert_eq!(r.domain(), "quay.io:443");
    assert_eq!(r.path(), "a/b/c");
    assert_eq!(r.name(), "quay.io:443/a/b/c");
    assert_eq!(r.tag(), Some("v1"));
    assert_eq!(r.digest().unwrap().to_string(), D);
    assert!(!r.is_name_only());
    assert!(Reference::parse_normalized("busybox")
        .unwrap()
        .is_name_only());
}

#[test]
fn rejects_invalid_references() {
    let bad = [
        "",
        "UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES",
        "INVALID",
        "example.com/UPPER",
        "Foo/bar",
        "busybox:",
        "busybox:-tag",
        "busybox:tag:tag",
        "busybox@",
        "busybox@sha256:abc",
        "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "busybox@sha256:0123456789abcdef0123456789abcdef",
        "busybox@md5:0123456789abcdef0123456789abcdef",
        "example.com/",
        "example.com//repo",
        "example.com/repo/",
        "-example.com/repo",
        "example-.com/repo",
        "example.com:/repo",
        "example.com:port/repo",
        "repo_",
        "re..po",
        "re___po",
        "re-_po",
        "this is invalid",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "[::1]:5000/repo",
    ];
    for input in bad {
        assert!(
            Reference::parse_normalized(input).is_err(),
            "{input:?} parsed"
        );
    }
    let long = ["example.com/", &"a".repeat(244)].concat();
    assert!(Reference::parse_normalized(&long).is_err());
    let ok = ["example.com/", &"a".repeat(243)].concat();
    assert!(Reference::parse_normalized(&ok).is_ok());
    let long_tag = ["busybox:", &"t".repeat(129)].concat();
    assert!(Reference::parse_normalized(&long_tag).is_err());
}

#[test]
fn uppercase_errors_say_lowercase() {
    let e = Reference::parse_normalized("example.com/Repo").unwrap_err();
    assert_eq!(e.reason, "repository name must be lowercase");
    // A tag may have upper case: the check stops at the first ':'.
    assert_eq!(norm("busybox:LaTeSt"), "docker.io/library/busybox:LaTeSt");
}

#[test]
fn canonical_parsing_requires_the_expanded_form() {
    assert!(Reference::parse_canonical("docker.io/library/busybox:latest").is_ok());
    for s in [
        "busybox:latest",
        "docker.io/busybox",
        "index.docker.io/library/busybox",
        "library/busybox",
    ] {
        let e = Reference::parse_canonical(s).unwrap_err();
        assert_eq!(e.reason, "repository name must be canonical", "{s}");
    }
}

#[test]
fn image_names_get_a_default_tag_and_refuse_tag_plus_digest() {
    let name = |s: &str| ImageName::parse(s).map(|n| n.to_string());
    assert_eq!(
        name("busybox").unwrap(),
        "docker://docker.io/library/busybox:latest"
    );
    assert_eq!(
        name("docker://quay.io/x/y").unwrap(),
        "docker://quay.io/x/y:latest"
    );
    assert_eq!(
        name(&["docker://busybox@", D].concat()).unwrap(),
        ["docker://docker.io/library/busybox@", D].concat()
    );
    assert!(name(&["busybox:1@", D].concat()).is_err());
    assert!(name("dir:/tmp/x").is_err());
    assert!(name("docker:busybox").is_err());
    assert!(name("oci:/tmp/layout:tag").is_err());
    assert_eq!(
        name("localhost:5000/app").unwrap(),
        "docker://localhost:5000/app:latest"
    );
}

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,5}([._-][a-z0-9]{1,5}){0,2}"
}

proptest! {
    #[test]
    fn parsing_never_panics(s in any::<String>()) {
        let _ = Reference::parse_normalized(&s);
        let _ = ImageName::parse(&s);
    }

    #[test]
    fn parsing_reference_like_strings_never_panics(s in "[a-zA-Z0-9._:@/-]{0,80}") {
        if let Ok(r) = Reference::parse_normalized(&s) {
            // Normalisation is idempotent, and the result is canonical.
            let again = Reference::parse_normalized(&r.to_string()).unwrap();
            prop_assert_eq!(&again, &r);
            prop_assert!(Reference::parse_canonical(&r.to_string()).is_ok());
        }
    }

    #[test]
    fn generated_references_round_trip(
        host in proptest::option::of("[a-z]{1,8}\\.(com|io|example)(:[0-9]{1,5})?"),
        path in proptest::collection::vec(component(), 1..4),
        tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
    ) {
        // Without a host, a first component with a dot would itself be read as the host.
        prop_assume!(host.is_some() || !path[0].contains('.'));
        let mut s = String::new();
        if let Some(h) = &host { s.push_str(h); s.push('/'); }
        s.push_str(&path.join("/"));
        if let Some(t) = &tag { s.push(':'); s.push_str(t); }
        let r = Reference::parse_normalized(&s).unwrap();
        prop_assert_eq!(r.tag(), tag.as_deref());
        let parts: Vec<&str> = r.path().split('/').collect();
        prop_assert!(parts.len() >= path.len());
        prop_assert_eq!(Reference::parse_normalized(&r.to_string()).unwrap(), r);
    }
}
