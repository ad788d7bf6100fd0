//! `sigstoreSigned` with `fulcio` and `pki` through the whole session: the private Sigstore
//! instance of fixtures/keyless (made by its make.py) and containers/image's own fixtures
//! (fixtures/containers-image: a real Fulcio certificate and Rekor SET, and a BYO-PKI
//! signature), with containers/image's decisions. Shared by tests/keyless.rs (native) and
//! wasm-tests/ (wasm).

use sigwall::{NeedKind, Policy, Session, UnixTime, Verdict};

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!("../../fixtures/", $path)).as_slice()
    };
}

/// Every case of fixtures/keyless/cases.json with the code containers/image's decision comes
/// with (None: accepted).
pub(crate) const KEYLESS_CASES: &[(&str, &[u8], Option<&str>)] = &[
    ("good", fixture!("keyless/good.json"), None),
    (
        "issuer-v1-only",
        fixture!("keyless/issuer-v1-only.json"),
        None,
    ),
    (
        "issuer-v2-only",
        fixture!("keyless/issuer-v2-only.json"),
        None,
    ),
    ("no-eku", fixture!("keyless/no-eku.json"), None),
    ("two-emails", fixture!("keyless/two-emails.json"), None),
    (
        "no-chain",
        fixture!("keyless/no-chain.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "chain-one",
        fixture!("keyless/chain-one.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "wrong-email",
        fixture!("keyless/wrong-email.json"),
        Some("CERTIFICATE_MISMATCH"),
    ),
    (
        "uri-san",
        fixture!("keyless/uri-san.json"),
        Some("CERTIFICATE_MISMATCH"),
    ),
    (
        "wrong-issuer",
        fixture!("keyless/wrong-issuer.json"),
        Some("CERTIFICATE_MISMATCH"),
    ),
    (
        "issuers-differ",
        fixture!("keyless/issuers-differ.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "no-issuer",
        fixture!("keyless/no-issuer.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "server-auth",
        fixture!("keyless/server-auth.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "expired-at-signing",
        fixture!("keyless/expired-at-signing.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "before-validity",
        fixture!("keyless/before-validity.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "intermediate-not-yet-valid",
        fixture!("keyless/intermediate-not-yet-valid.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "tls-intermediate",
        fixture!("keyless/tls-intermediate.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "smuggled-root",
        fixture!("keyless/smuggled-root.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "smuggled-root-in-middle",
        fixture!("keyless/smuggled-root-in-middle.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "set-other-log",
        fixture!("keyless/set-other-log.json"),
        Some("BAD_SIGNATURE"),
    ),
    (
        "set-other-signature",
        fixture!("keyless/set-other-signature.json"),
        Some("SIGNATURE_INVALID"),
    ),
    (
        "no-set",
        fixture!("keyless/no-set.json"),
        Some("SIGNATURE_INVALID"),
    ),
    (
        "other-digest",
        fixture!("keyless/other-digest.json"),
        Some("DIGEST_MISMATCH"),
    ),
    (
        "other-repository",
        fixture!("keyless/other-repository.json"),
        Some("IDENTITY_MISMATCH"),
    ),
];

/// The BYO-PKI cases of fixtures/keyless, checked at 2027-01-15.
pub(crate) const PKI_CASES: &[(&str, &[u8], Option<&str>)] = &[
    ("pki-good", fixture!("keyless/pki-good.json"), None),
    (
        "pki-expired",
        fixture!("keyless/pki-expired.json"),
        Some("CERTIFICATE_INVALID"),
    ),
    (
        "pki-other-host",
        fixture!("keyless/pki-other-host.json"),
        Some("CERTIFICATE_MISMATCH"),
    ),
];

pub(crate) const MANIFEST: &[u8] = fixture!("keyless/manifest.json");
pub(crate) const ROOT: &[u8] = fixture!("keyless/ca/root.pem");
pub(crate) const INTERMEDIATE: &[u8] = fixture!("keyless/ca/intermediate.pem");
pub(crate) const REKOR: &[u8] = fixture!("keyless/ca/rekor.pub");
pub(crate) const OTHER_REKOR: &[u8] = fixture!("keyless/ca/other-rekor.pub");
pub(crate) const PKI_ROOT: &[u8] = fixture!("keyless/pki/root.pem");

/// containers/image's fixtures (see fixtures/containers-image/README.md).
pub(crate) const CI_FULCIO_MANIFEST: &[u8] =
    fixture!("containers-image/dir-img-cosign-fulcio-rekor-valid/manifest.json");
pub(crate) const CI_FULCIO_SIGNATURE: &[u8] =
    fixture!("containers-image/dir-img-cosign-fulcio-rekor-valid/signature-1");
pub(crate) const CI_FULCIO_CA: &[u8] = fixture!("containers-image/fulcio_v1.crt.pem");
pub(crate) const CI_REKOR: &[u8] = fixture!("containers-image/rekor.pub");
pub(crate) const CI_COSIGN: &[u8] = fixture!("containers-image/cosign.pub");
pub(crate) const CI_PKI_MANIFEST: &[u8] =
    fixture!("containers-image/dir-img-cosign-pki-valid/manifest.json");
pub(crate) const CI_PKI_SIGNATURE: &[u8] =
    fixture!("containers-image/dir-img-cosign-pki-valid/signature-1");
pub(crate) const CI_PKI_ROOTS: &[u8] = fixture!("containers-image/pki_root_crts.pem");
pub(crate) const CI_PKI_INTERMEDIATES: &[u8] =
    fixture!("containers-image/pki_intermediate_crts.pem");

/// 2027-01-15: "now" for the cases (PKI certificates are checked now; Fulcio ones at the SET).
pub(crate) const NOW: u64 = 1_800_000_000;

fn b64(bytes: &[u8]) -> String {
    let mut out = String::new();
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A policy for `scope` with one requirement.
pub(crate) fn policy(scope: &str, requirement: &str) -> String {
    format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"{scope}":[{requirement}]}}}}}}"#
    )
}

/// The fixture instance's `fulcio` requirement, with matchRepository (cosign signs the
/// repository only).
pub(crate) fn fulcio(ca: &[u8], issuer: &str, email: &str, rekor: &[u8]) -> String {
    format!(
        r#"{{"type":"sigstoreSigned","fulcio":{{"caData":"{}","oidcIssuer":"{issuer}","subjectEmail":"{email}"}},"rekorPublicKeyData":"{}","signedIdentity":{{"type":"matchRepository"}}}}"#,
        b64(ca),
        b64(rekor)
    )
}

pub(crate) fn fixture_fulcio() -> String {
    policy(
        "registry.example/keyless",
        &fulcio(ROOT, "https://oidc.example", "signer@example.com", REKOR),
    )
}

pub(crate) fn fixture_pki() -> String {
    policy(
        "registry.example/keyless",
        &format!(
            r#"{{"type":"sigstoreSigned","pki":{{"caRootsData":"{}","subjectEmail":"signer@example.com","subjectHostname":"build.example.com"}},"signedIdentity":{{"type":"matchRepository"}}}}"#,
            b64(PKI_ROOT)
        ),
    )
}

/// Runs a session over a `dir:`-like copy: the manifest and the given signatures
/// (containers/image's sigstore-json form, with or without the `\0sigstore-json\n` prefix).
pub(crate) fn verify(
    policy: &str,
    image: &str,
    manifest: &[u8],
    signatures: &[&[u8]],
    now: u64,
) -> Result<Verdict, String> {
    let policy = Policy::parse(policy.as_bytes()).map_err(|e| e.to_string())?;
    let mut s = Session::new(&policy, image, UnixTime(now)).map_err(|e| e.to_string())?;
    s.set_signature_source("dir");
    while let Some(need) = s.next_need() {
        let answer: Option<Vec<u8>> = match &need.kind {
            NeedKind::Manifest { .. } => Some(manifest.to_vec()),
            NeedKind::SimpleSignature { index, .. } => {
                signatures.get(*index as usize - 1).map(|sig| {
                    if sig.starts_with(b"\0") {
                        sig.to_vec()
                    } else {
                        [b"\0sigstore-json\n".as_slice(), sig].concat()
                    }
                })
            }
            _ => None,
        };
        match answer {
            Some(bytes) => s.provide(need.id, &bytes),
            None => s.provide_absent(need.id),
        }
        .map_err(|e| e.to_string())?;
    }
    s.finish().map_err(|e| e.to_string())
}

/// A sigstore-json signature with one annotation removed or replaced.
pub(crate) fn with_annotation(signature: &[u8], key: &str, value: Option<&str>) -> Vec<u8> {
    let start = signature.iter().position(|b| *b == b'{').unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&signature[start..]).unwrap();
    let annotations = json["annotations"].as_object_mut().unwrap();
    match value {
        Some(v) => {
            annotations.insert(key.into(), v.into());
        }
        None => {
            assert!(
                annotations.remove(key).is_some(),
                "{key} not in the signature"
            );
        }
    }
    serde_json::to_vec(&json).unwrap()
}

pub(crate) fn annotation(signature: &[u8], key: &str) -> String {
    let start = signature.iter().position(|b| *b == b'{').unwrap();
    let json: serde_json::Value = serde_json::from_slice(&signature[start..]).unwrap();
    json["annotations"][key].as_str().unwrap().to_string()
}

/// The outcome: `None` when allowed, else the first signature's code.
pub(crate) fn outcome(v: &Verdict) -> Option<&'static str> {
    if v.allowed {
        return None;
    }
    Some(
        v.requirements[0]
            .signatures
            .first()
            .and_then(|s| s.code)
            .map_or("NO_SIGNATURE", |c| c.as_str()),
    )
}

/// Runs every case; panics on the first disagreement. Returns how many ran.
pub(crate) fn cases() -> usize {
    let mut n = 0;
    let image = "registry.example/keyless/app:latest";
    for (name, signature, expected) in KEYLESS_CASES {
        let v = verify(&fixture_fulcio(), image, MANIFEST, &[signature], NOW).unwrap();
        assert_eq!(outcome(&v), *expected, "{name}: {}", v.to_json());
        n += 1;
    }
    for (name, signature, expected) in PKI_CASES {
        let v = verify(&fixture_pki(), image, MANIFEST, &[signature], NOW).unwrap();
        assert_eq!(outcome(&v), *expected, "{name}: {}", v.to_json());
        n += 1;
    }
    let good = KEYLESS_CASES[0].1;
    let check = |what: &str, policy: &str, sig: &[u8], expected: Option<&str>| {
        let v = verify(policy, image, MANIFEST, &[sig], NOW).unwrap();
        assert_eq!(outcome(&v), expected, "{what}: {}", v.to_json());
    };
    let scope = "registry.example/keyless";
    check(
        "another e-mail in the policy",
        &policy(
            scope,
            &fulcio(ROOT, "https://oidc.example", "other@example.com", REKOR),
        ),
        good,
        Some("CERTIFICATE_MISMATCH"),
    );
    check(
        "another issuer in the policy",
        &policy(
            scope,
            &fulcio(ROOT, "https://other.example", "signer@example.com", REKOR),
        ),
        good,
        Some("CERTIFICATE_MISMATCH"),
    );
    check(
        "the intermediate as the CA: trusted directly",
        &policy(
            scope,
            &fulcio(
                INTERMEDIATE,
                "https://oidc.example",
                "signer@example.com",
                REKOR,
            ),
        ),
        good,
        None,
    );
    check(
        "another Rekor key",
        &policy(
            scope,
            &fulcio(
                ROOT,
                "https://oidc.example",
                "signer@example.com",
                OTHER_REKOR,
            ),
        ),
        good,
        Some("BAD_SIGNATURE"),
    );
    check(
        "a CA file with no certificate",
        &policy(
            scope,
            &fulcio(
                b"not a certificate",
                "https://oidc.example",
                "signer@example.com",
                REKOR,
            ),
        ),
        good,
        Some("KEY_INVALID"),
    );
    check(
        "a certificate annotation that is not a certificate",
        &fixture_fulcio(),
        &with_annotation(
            good,
            "dev.sigstore.cosign/certificate",
            Some("this is not a valid certificate"),
        ),
        Some("SIGNATURE_INVALID"),
    );
    check(
        "no certificate annotation",
        &fixture_fulcio(),
        &with_annotation(good, "dev.sigstore.cosign/certificate", None),
        Some("SIGNATURE_INVALID"),
    );
    let other_leaf = annotation(KEYLESS_CASES[3].1, "dev.sigstore.cosign/certificate");
    check(
        "another valid certificate than the one the SET records",
        &fixture_fulcio(),
        &with_annotation(good, "dev.sigstore.cosign/certificate", Some(&other_leaf)),
        Some("SIGNATURE_INVALID"),
    );
    let leaf = annotation(good, "dev.sigstore.cosign/certificate");
    check(
        "two certificates in the certificate annotation",
        &fixture_fulcio(),
        &with_annotation(
            good,
            "dev.sigstore.cosign/certificate",
            Some(&format!("{leaf}{leaf}")),
        ),
        Some("SIGNATURE_INVALID"),
    );
    check(
        "a chain annotation that does not parse",
        &fixture_fulcio(),
        &with_annotation(
            good,
            "dev.sigstore.cosign/chain",
            Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        ),
        Some("SIGNATURE_INVALID"),
    );
    n += 10;

    // containers/image's fixtures and its tests' decisions.
    let ci_image = "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest";
    let ci_fulcio = |ca: &[u8], email: &str, rekor: &[u8]| {
        policy(
            "192.168.64.2:5000/cosign-signed",
            &fulcio(ca, "https://github.com/login/oauth", email, rekor),
        )
    };
    let ci = |what: &str, policy: &str, sig: &[u8], expected: Option<&str>| {
        let v = verify(policy, ci_image, CI_FULCIO_MANIFEST, &[sig], NOW).unwrap();
        assert_eq!(outcome(&v), expected, "{what}: {}", v.to_json());
        v
    };
    let v = ci(
        "c/image: a real Fulcio certificate and Rekor SET",
        &ci_fulcio(CI_FULCIO_CA, "mitr@redhat.com", CI_REKOR),
        CI_FULCIO_SIGNATURE,
        None,
    );
    let signer = v.requirements[0].signatures[0].signer.clone().unwrap();
    assert_eq!(signer.identities, ["mitr@redhat.com"]);
    assert_eq!(
        signer.issuer.as_deref(),
        Some("https://github.com/login/oauth")
    );
    assert_eq!(
        signer.log.as_ref().and_then(|l| l.integrated_time),
        Some(1_674_247_893)
    );
    ci(
        "c/image: no chain annotation",
        &ci_fulcio(CI_FULCIO_CA, "mitr@redhat.com", CI_REKOR),
        &with_annotation(CI_FULCIO_SIGNATURE, "dev.sigstore.cosign/chain", None),
        Some("CERTIFICATE_INVALID"),
    );
    let chain = annotation(CI_FULCIO_SIGNATURE, "dev.sigstore.cosign/chain");
    ci(
        "c/image: no chain annotation, the intermediate trusted",
        &ci_fulcio(chain.as_bytes(), "mitr@redhat.com", CI_REKOR),
        &with_annotation(CI_FULCIO_SIGNATURE, "dev.sigstore.cosign/chain", None),
        None,
    );
    ci(
        "c/image: another e-mail",
        &ci_fulcio(CI_FULCIO_CA, "this-does-not-match@example.com", CI_REKOR),
        CI_FULCIO_SIGNATURE,
        Some("CERTIFICATE_MISMATCH"),
    );
    ci(
        "c/image: a SET that is not one",
        &ci_fulcio(CI_FULCIO_CA, "mitr@redhat.com", CI_REKOR),
        &with_annotation(
            CI_FULCIO_SIGNATURE,
            "dev.sigstore.cosign/bundle",
            Some("this is not a valid SET"),
        ),
        Some("SIGNATURE_INVALID"),
    );
    ci(
        "c/image: the cosign key as the Rekor key",
        &ci_fulcio(CI_FULCIO_CA, "mitr@redhat.com", CI_COSIGN),
        CI_FULCIO_SIGNATURE,
        Some("BAD_SIGNATURE"),
    );
    ci(
        "c/image: no SET",
        &ci_fulcio(CI_FULCIO_CA, "mitr@redhat.com", CI_REKOR),
        &with_annotation(CI_FULCIO_SIGNATURE, "dev.sigstore.cosign/bundle", None),
        Some("SIGNATURE_INVALID"),
    );
    let pki_image = "localhost:5000/test:latest";
    let ci_pki = |intermediates: bool| {
        let intermediates = if intermediates {
            format!(r#","caIntermediatesData":"{}""#, b64(CI_PKI_INTERMEDIATES))
        } else {
            String::new()
        };
        policy(
            "localhost:5000/test",
            &format!(
                r#"{{"type":"sigstoreSigned","pki":{{"caRootsData":"{}"{intermediates},"subjectEmail":"qiwan@redhat.com","subjectHostname":"myhost.example.com"}},"signedIdentity":{{"type":"matchRepository"}}}}"#,
                b64(CI_PKI_ROOTS)
            ),
        )
    };
    let pki = |what: &str, policy: &str, sig: &[u8], expected: Option<&str>| {
        let v = verify(policy, pki_image, CI_PKI_MANIFEST, &[sig], NOW).unwrap();
        assert_eq!(outcome(&v), expected, "{what}: {}", v.to_json());
    };
    pki("c/image: BYO PKI", &ci_pki(true), CI_PKI_SIGNATURE, None);
    let no_chain = with_annotation(CI_PKI_SIGNATURE, "dev.sigstore.cosign/chain", None);
    pki(
        "c/image: BYO PKI, no chain, intermediates in the policy",
        &ci_pki(true),
        &no_chain,
        None,
    );
    pki(
        "c/image: BYO PKI, no chain, no intermediates",
        &ci_pki(false),
        &no_chain,
        Some("CERTIFICATE_INVALID"),
    );
    pki(
        "c/image: BYO PKI, no certificate",
        &ci_pki(true),
        &with_annotation(CI_PKI_SIGNATURE, "dev.sigstore.cosign/certificate", None),
        Some("SIGNATURE_INVALID"),
    );
    n + 11
}
