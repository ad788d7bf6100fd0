use super::*;
use alloc::vec;

fn scopes(s: &str) -> Vec<String> {
    docker_scopes(&Reference::parse_normalized(s).unwrap())
}

#[test]
fn namespaces_follow_containers_image() {
    // shared/spec/policy.md section 2 (naming_test.go); the first entry is the identity.
    let table: &[(&str, &[&str])] = &[
        (
            "example.com/ns/repo",
            &[
                "example.com/ns/repo",
                "example.com/ns",
                "example.com",
                "*.com",
            ],
        ),
        (
            "example.com/repo",
            &["example.com/repo", "example.com", "*.com"],
        ),
        (
            "localhost/ns/repo",
            &["localhost/ns/repo", "localhost/ns", "localhost"],
        ),
        ("localhost/repo", &["localhost/repo", "localhost"]),
        (
            "notlocalhost/repo",
            &[
                "docker.io/notlocalhost/repo",
                "docker.io/notlocalhost",
                "docker.io",
                "*.io",
            ],
        ),
        (
            "docker.io/ns/repo",
            &["docker.io/ns/repo", "docker.io/ns", "docker.io", "*.io"],
        ),
        (
            "docker.io/library/repo",
            &[
                "docker.io/library/repo",
                "docker.io/library",
                "docker.io",
                "*.io",
            ],
        ),
        (
            "docker.io/repo",
            &[
                "docker.io/library/repo",
                "docker.io/library",
                "docker.io",
                "*.io",
            ],
        ),
        (
            "library/repo",
            &[
                "docker.io/library/repo",
                "docker.io/library",
                "docker.io",
                "*.io",
            ],
        ),
        (
            "repo",
            &[
                "docker.io/library/repo",
                "docker.io/library",
                "docker.io",
                "*.io",
            ],
        ),
        (
            "ns/repo",
            &["docker.io/ns/repo", "docker.io/ns", "docker.io", "*.io"],
        ),
        (
            "yet.another.example.com:8443/ns/repo",
            &[
                "yet.another.example.com:8443/ns/repo",
                "yet.another.example.com:8443/ns",
                "yet.another.example.com:8443",
                "*.another.example.com",
                "*.example.com",
                "*.com",
            ],
        ),
        (
            "10.1.2.3:5000/app",
            &[
                "10.1.2.3:5000/app",
                "10.1.2.3:5000",
                "*.1.2.3",
                "*.2.3",
                "*.3",
            ],
        ),
    ];
    for (input, want) in table {
        for suffix in [
            ":notlatest",
            "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            let got = scopes(&[input, suffix].concat());
            let name = &got[1..];
            assert_eq!(name, *want, "{input}{suffix}");
            assert_eq!(got[0], [want[0], suffix].concat());
        }
    }
}

#[test]
fn scope_validation_per_transport() {
    let ok = [
        ("docker", "busybox"),
        ("docker", "UPPER"),
        ("dir", "/tmp/x"),
        ("oci", "/a/b"),
        ("atomic", "host:5000/ns/stream:tag"),
        ("atomic", "host"),
        (
            "containers-storage",
            "[overlay@/var/lib/containers/storage]busybox",
        ),
        ("containers-storage", "[/var/lib/containers/storage]"),
        ("unknown", "anything at all"),
        ("docker-daemon", "busybox:latest"),
    ];
    for (t, s) in ok {
        assert_eq!(validate_scope(t, s), Ok(()), "{t} {s}");
    }
    let bad = [
        ("dir", "docker.io/library/busybox"),
        ("dir", "/"),
        ("dir", "/a/../b"),
        ("dir", "/a/"),
        ("sif", "relative"),
        ("oci-archive", "/a//b"),
        ("docker-archive", "/x"),
        ("tarball", "/x"),
        ("atomic", "host/ns:x/stream"),
        ("atomic", "host/ns/stream/extra"),
        ("containers-storage", "busybox"),
        ("containers-storage", "[relative]busybox"),
        (
            "docker-daemon",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
    ];
    for (t, s) in bad {
        assert!(validate_scope(t, s).is_err(), "{t} {s}");
    }
    assert_eq!(clean_path("/a/./b/../c//d"), "/a/c/d");
    assert_eq!(vec![clean_path("/..")], vec!["/"]);
}
