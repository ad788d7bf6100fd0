use super::*;
use alloc::format;
use alloc::string::ToString;

const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn atomic(critical_extra: &str, optional: &str) -> String {
    format!(
        r#"{{"critical":{{"type":"atomic container signature","image":{{"docker-manifest-digest":"{D}"}},"identity":{{"docker-reference":"docker.io/library/busybox:latest"}}{critical_extra}}},"optional":{optional}}}"#
    )
}

fn accept(bytes: &str, kind: PayloadType) -> Result<AcceptedPayload, PayloadError> {
    UntrustedPayload::new(bytes.as_bytes()).accept(SignatureVerified::issue(), kind)
}

#[test]
fn accepts_a_well_formed_atomic_payload() {
    let p = accept(
        &atomic(
            "",
            r#"{"creator":"skopeo 1.9","timestamp":1700000000,"unknown":[1,{"x":null}]}"#,
        ),
        PayloadType::Atomic,
    )
    .unwrap();
    assert_eq!(p.docker_manifest_digest().to_string(), D);
    assert_eq!(p.docker_reference(), "docker.io/library/busybox:latest");
    assert_eq!(p.creator(), Some("skopeo 1.9"));
    assert_eq!(p.timestamp(), Some(1_700_000_000));
    let empty = accept(&atomic("", "{}"), PayloadType::Atomic).unwrap();
    assert_eq!((empty.creator(), empty.timestamp()), (None, None));
    // 1e3 is an integer to Go's float64 round trip.
    assert_eq!(
        accept(&atomic("", r#"{"timestamp":1e3}"#), PayloadType::Atomic)
            .unwrap()
            .timestamp(),
        Some(1000)
    );
}

#[test]
fn cosign_payloads_allow_null_optional_and_need_their_own_type() {
    let cosign = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"quay.io/x/y"}},"image":{{"docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    let p = accept(&cosign, PayloadType::Cosign).unwrap();
    assert_eq!(p.docker_reference(), "quay.io/x/y");
    assert_eq!(
        accept(&cosign, PayloadType::Atomic).unwrap_err().at,
        "critical.type"
    );
    assert_eq!(
        accept(&atomic("", "{}"), PayloadType::Cosign)
            .unwrap_err()
            .at,
        "critical.type"
    );
    assert_eq!(
        accept(&atomic("", "null"), PayloadType::Atomic)
            .unwrap_err()
            .at,
        "optional"
    );
}

#[test]
fn rejects_every_malformed_payload() {
    let ok_critical = format!(
        r#""critical":{{"type":"atomic container signature","image":{{"docker-manifest-digest":"{D}"}},"identity":{{"docker-reference":"x"}}}}"#
    );
    let cases: alloc::vec::Vec<(String, &str)> = alloc::vec![
        ("".into(), "(top level)"),
        ("not json".into(), "(top level)"),
        ("[]".into(), "(top level)"),
        (format!("{{{ok_critical}}}"), "(top level)"),
        (format!(r#"{{{ok_critical},"optional":{{}},"extra":1}}"#), "(top level)"),
        (r#"{"optional":{}}"#.into(), "(top level)"),
        (format!(r#"{{{ok_critical},"optional":{{}}}}trailing"#), "(top level)"),
        (format!(r#"{{{ok_critical},{ok_critical},"optional":{{}}}}"#), "(top level)"),
        (r#"{"critical":1,"optional":{}}"#.into(), "critical"),
        (format!(r#"{{{ok_critical},"optional":1}}"#), "optional"),
        (format!(r#"{{{ok_critical},"optional":[]}}"#), "optional"),
        (atomic(r#","extra":1"#, "{}"), "critical"),
        (r#"{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"x"}},"optional":{}}"#.into(), "critical"),
        (atomic("", "{}").replace(r#""type":"atomic container signature""#, r#""type":1"#), "critical.type"),
        (atomic("", "{}").replace("atomic container signature", "atomic container signaturE"), "critical.type"),
        (atomic("", "{}").replace(&format!(r#"{{"docker-manifest-digest":"{D}"}}"#), &format!(r#"{{"docker-manifest-digest":"{D}","x":1}}"#)), "critical.image"),
        (atomic("", "{}").replace(&format!(r#"{{"docker-manifest-digest":"{D}"}}"#), "{}"), "critical.image"),
        (atomic("", "{}").replace(&format!(r#""{D}""#), "1"), "critical.image.docker-manifest-digest"),
        (atomic("", "{}").replace(D, "sha256:../.."), "critical.image.docker-manifest-digest"),
        (atomic("", "{}").replace(D, &D.to_uppercase()), "critical.image.docker-manifest-digest"),
        (atomic("", "{}").replace(r#"{"docker-reference":"docker.io/library/busybox:latest"}"#, r#"{"docker-reference":"a","b":1}"#), "critical.identity"),
        (atomic("", "{}").replace(r#"{"docker-reference":"docker.io/library/busybox:latest"}"#, "{}"), "critical.identity"),
        (atomic("", "{}").replace(r#""docker.io/library/busybox:latest""#, "null"), "critical.identity.docker-reference"),
        (atomic("", r#"{"creator":1}"#), "optional.creator"),
        (atomic("", r#"{"timestamp":"1"}"#), "optional.timestamp"),
        (atomic("", r#"{"timestamp":0.5}"#), "optional.timestamp"),
        (atomic("", r#"{"timestamp":1e300}"#), "optional.timestamp"),
        (atomic("", r#"{"a":1,"a":2}"#), "(top level)"),
        (atomic("", "{}").replace("\"type\"", "\"Type\""), "critical"),
    ];
    for (payload, at) in &cases {
        let e = accept(payload, PayloadType::Atomic).unwrap_err();
        assert_eq!(e.at, *at, "{payload}: {e}");
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn an_unparsable_identity_is_accepted_here_and_matches_nothing_later() {
    let p = accept(
        &atomic("", "{}").replace("docker.io/library/busybox:latest", "reference#@!"),
        PayloadType::Atomic,
    )
    .unwrap();
    assert_eq!(p.docker_reference(), "reference#@!");
}

#[test]
fn untrusted_payloads_do_not_show_their_contents() {
    let text = format!("{:?}", UntrustedPayload::new(b"{\"secret\":1}"));
    assert_eq!(text, "UntrustedPayload(12 bytes)");
}
