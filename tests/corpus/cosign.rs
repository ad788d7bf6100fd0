//! cosign key-based signatures through the whole session (fixtures/cosign-signed, made with
//! OpenSSL by its make.sh). Shared by tests/cosign.rs (native) and wasm-tests/ (wasm).

use sigwall::{Digest, NeedKind, Policy, Session, UnixTime, Verdict};

pub(crate) const MANIFEST: &[u8] = include_bytes!("../../fixtures/cosign-signed/manifest.json");
pub(crate) const SIG_COSIGN: &[u8] = include_bytes!("../../fixtures/cosign-signed/sig-cosign.json");
pub(crate) const SIG_SKOPEO: &[u8] = include_bytes!("../../fixtures/cosign-signed/sig-skopeo.json");
const PAYLOAD_COSIGN: &[u8] = include_bytes!("../../fixtures/cosign-signed/payload-cosign.json");
const PAYLOAD_SKOPEO: &[u8] = include_bytes!("../../fixtures/cosign-signed/payload-skopeo.json");
pub(crate) const KEY: &[u8] = include_bytes!("../../fixtures/cosign-signed/cosign.pub");
pub(crate) const OTHER_KEY: &[u8] = include_bytes!("../../fixtures/cosign-key/p256-other.pub");
const PSS_KEY: &[u8] = include_bytes!("../../fixtures/cosign-key/rsa-pss.pub");
const REKOR_KEY: &[u8] = include_bytes!("../../fixtures/cosign-signed/rekor.pub");
pub(crate) const SIG_REKOR: &[u8] = include_bytes!("../../fixtures/cosign-signed/sig-rekor.json");

/// What the host has: the image manifest, a `.sig` manifest, blobs, key files.
pub(crate) struct Material<'a> {
    pub(crate) manifest: &'a [u8],
    pub(crate) sig: Option<&'a [u8]>,
    pub(crate) blobs: Vec<Vec<u8>>,
    pub(crate) keys: Vec<(&'a str, &'a [u8])>,
    /// A lying registry: answers every blob request with these bytes.
    pub(crate) lying_blob: Option<Vec<u8>>,
}

impl Default for Material<'_> {
    fn default() -> Self {
        Material {
            manifest: MANIFEST,
            sig: Some(SIG_COSIGN),
            blobs: vec![PAYLOAD_COSIGN.to_vec(), PAYLOAD_SKOPEO.to_vec()],
            keys: vec![
                ("/keys/cosign.pub", KEY),
                ("/keys/other.pub", OTHER_KEY),
                ("/keys/rsa-pss.pub", PSS_KEY),
                ("/keys/rekor.pub", REKOR_KEY),
            ],
            lying_blob: None,
        }
    }
}

pub(crate) fn verify(policy: &str, image: &str, m: &Material<'_>) -> Result<Verdict, String> {
    let policy = Policy::parse(policy.as_bytes()).map_err(|e| e.to_string())?;
    let mut s = Session::new(&policy, image, UnixTime(1_700_000_000)).map_err(|e| e.to_string())?;
    while let Some(need) = s.next_need() {
        let answer: Option<Vec<u8>> = match &need.kind {
            NeedKind::Manifest { .. } => Some(m.manifest.to_vec()),
            NeedKind::CosignSignatures { .. } => m.sig.map(<[u8]>::to_vec),
            NeedKind::Blob { digest, .. } => m.lying_blob.clone().or_else(|| {
                m.blobs
                    .iter()
                    .find(|b| Digest::sha256(b).to_string() == *digest)
                    .cloned()
            }),
            NeedKind::KeyFile { path } => m
                .keys
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, k)| k.to_vec()),
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

pub(crate) fn policy(requirement: &str) -> String {
    format!(
        r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"registry.example":[{requirement}]}}}}}}"#
    )
}

pub(crate) fn key_policy(identity: &str) -> String {
    policy(&format!(
        r#"{{"type":"sigstoreSigned","keyPath":"/keys/cosign.pub","signedIdentity":{identity}}}"#
    ))
}

pub(crate) fn codes(v: &Verdict) -> Vec<&'static str> {
    v.reasons.iter().map(|r| r.code.as_str()).collect()
}

/// Every case: (name, policy, image, material tweak, allowed, reason codes).
fn rekor_policy_keys(key: &str, rekor: &str) -> String {
    policy(&format!(
        r#"{{"type":"sigstoreSigned","keyPath":"{key}","rekorPublicKeyPath":"{rekor}","signedIdentity":{{"type":"matchRepository"}}}}"#
    ))
}

fn rekor_policy(rekor: &str) -> String {
    rekor_policy_keys("/keys/cosign.pub", rekor)
}

/// sig-rekor.json with one substring replaced (it must occur).
fn rekor_sig_with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(SIG_REKOR.to_vec()).unwrap();
    assert!(text.contains(from), "{from} not in sig-rekor.json");
    text.replacen(from, to, 1).into_bytes()
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Vec::leak(v)
}

pub(crate) fn cases() -> usize {
    let digest = Digest::sha256(MANIFEST).to_string();
    let by_digest = format!("registry.example/app@{digest}");
    let repo = r#"{"type":"matchRepository"}"#;
    let exact = r#"{"type":"matchExact"}"#;
    let default = r#"{"type":"matchRepoDigestOrExact"}"#;
    let mut tampered_manifest = MANIFEST.to_vec();
    tampered_manifest[20] ^= 1;
    let mut tampered_payload = PAYLOAD_COSIGN.to_vec();
    tampered_payload[30] ^= 1;
    let garbage_sig = String::from_utf8(SIG_COSIGN.to_vec()).unwrap().replace(
        "\"dev.cosignproject.cosign/signature\":\"M",
        "\"dev.cosignproject.cosign/signature\":\"N",
    );
    let wrong_type = String::from_utf8(SIG_COSIGN.to_vec()).unwrap().replacen(
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        1,
    );
    type Tweak = Box<dyn Fn(&mut Material<'_>)>;
    /// (name, policy, image, material tweak, allowed, reason codes)
    type Case<'c> = (&'c str, String, String, Tweak, bool, Vec<&'c str>);
    let none: Tweak = Box::new(|_| {});
    let cases: Vec<Case<'_>> = vec![
        (
            "cosign signature, matchRepository",
            key_policy(repo),
            "registry.example/app:v1".into(),
            none,
            true,
            vec![],
        ),
        (
            "cosign signature has no tag: the default matcher rejects a tag pull",
            key_policy(default),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        // containers/image's matchRepoDigestOrExact never accepts a name-only claim, so cosign's
        // own signatures need matchRepository even for digest pulls.
        (
            "cosign signature, default matcher, digest pull",
            key_policy(default),
            by_digest.clone(),
            Box::new(|_| {}),
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "skopeo-style signature, default matcher, digest pull",
            key_policy(default),
            by_digest.clone(),
            Box::new(|m| m.sig = Some(SIG_SKOPEO)),
            true,
            vec![],
        ),
        (
            "skopeo-style signature, matchExact, the signed tag",
            key_policy(exact),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = Some(SIG_SKOPEO)),
            true,
            vec![],
        ),
        (
            "skopeo-style signature, matchExact, another tag",
            key_policy(exact),
            "registry.example/app:v2".into(),
            Box::new(|m| m.sig = Some(SIG_SKOPEO)),
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "signature for another repository",
            key_policy(repo),
            "registry.example/other:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["IDENTITY_MISMATCH"],
        ),
        (
            "untrusted key",
            policy(
                r#"{"type":"sigstoreSigned","keyPath":"/keys/other.pub","signedIdentity":{"type":"matchRepository"}}"#,
            ),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "any of several keys",
            policy(&format!(
                r#"{{"type":"sigstoreSigned","keyPaths":["/keys/other.pub","/keys/cosign.pub"],"signedIdentity":{repo}}}"#
            )),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            true,
            vec![],
        ),
        (
            "inline keyData",
            policy(&format!(
                r#"{{"type":"sigstoreSigned","keyData":"{}","signedIdentity":{repo}}}"#,
                b64(KEY)
            )),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            true,
            vec![],
        ),
        (
            "manifest changed after signing",
            key_policy(repo),
            "registry.example/app:v1".into(),
            {
                let t = tampered_manifest.clone();
                Box::new(move |m| m.manifest = Box::leak(t.clone().into_boxed_slice()))
            },
            false,
            vec!["DIGEST_MISMATCH"],
        ),
        (
            "payload does not match its descriptor",
            key_policy(repo),
            "registry.example/app:v1".into(),
            {
                let t = tampered_payload.clone();
                Box::new(move |m| m.lying_blob = Some(t.clone()))
            },
            false,
            vec![],
        ),
        (
            "payload blob missing",
            key_policy(repo),
            "registry.example/app:v1".into(),
            Box::new(|m| m.blobs.clear()),
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "payload longer than its descriptor",
            key_policy(repo),
            "registry.example/app:v1".into(),
            Box::new(|m| m.lying_blob = Some([PAYLOAD_COSIGN, b" "].concat())),
            false,
            vec!["SIZE_MISMATCH"],
        ),
        (
            "garbled signature annotation",
            key_policy(repo),
            "registry.example/app:v1".into(),
            {
                let g = garbage_sig.clone();
                Box::new(move |m| {
                    m.sig = Some(Box::leak(g.clone().into_bytes().into_boxed_slice()))
                })
            },
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "not an OCI manifest",
            key_policy(repo),
            "registry.example/app:v1".into(),
            {
                let w = wrong_type.clone();
                Box::new(move |m| {
                    m.sig = Some(Box::leak(w.clone().into_bytes().into_boxed_slice()))
                })
            },
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "no signatures",
            key_policy(repo),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = None),
            false,
            vec!["NO_SIGNATURES"],
        ),
        (
            "key file missing",
            policy(r#"{"type":"sigstoreSigned","keyPath":"/keys/absent.pub"}"#),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["KEY_FILE_MISSING"],
        ),
        (
            "key of an unsupported type",
            policy(r#"{"type":"sigstoreSigned","keyPath":"/keys/rsa-pss.pub"}"#),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["KEY_INVALID"],
        ),
        (
            "Rekor: a SET by the trusted log for this signature, payload and key",
            rekor_policy("/keys/rekor.pub"),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = Some(SIG_REKOR)),
            true,
            vec![],
        ),
        (
            "Rekor: the signature has no bundle",
            rekor_policy("/keys/rekor.pub"),
            "registry.example/app:v1".into(),
            Box::new(|_| {}),
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "Rekor: the SET is by another log",
            rekor_policy("/keys/other.pub"),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = Some(SIG_REKOR)),
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "Rekor: the entry's integratedTime changed after the log signed",
            rekor_policy("/keys/rekor.pub"),
            "registry.example/app:v1".into(),
            Box::new(|m| {
                m.sig = Some(leak(rekor_sig_with(
                    "\\\"integratedTime\\\":1700000000",
                    "\\\"integratedTime\\\":1700000001",
                )))
            }),
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "Rekor: the logged entry records another key than the policy trusts (a well-formed signature no trusted key made: a bad signature, as without Rekor)",
            rekor_policy_keys("/keys/other.pub", "/keys/rekor.pub"),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = Some(SIG_REKOR)),
            false,
            vec!["BAD_SIGNATURE"],
        ),
        (
            "Rekor: a signature annotation other than the logged one",
            rekor_policy("/keys/rekor.pub"),
            "registry.example/app:v1".into(),
            Box::new(move |m| {
                m.sig = Some(leak(rekor_sig_with(
                    "\"dev.cosignproject.cosign/signature\":\"M",
                    "\"dev.cosignproject.cosign/signature\":\"N",
                )))
            }),
            false,
            vec!["SIGNATURE_INVALID"],
        ),
        (
            "Rekor: a Rekor key that is not ECDSA",
            rekor_policy("/keys/rsa-pss.pub"),
            "registry.example/app:v1".into(),
            Box::new(|m| m.sig = Some(SIG_REKOR)),
            false,
            vec!["KEY_INVALID"],
        ),
    ];
    let n = cases.len();
    let mut failures = Vec::new();
    for (name, policy, image, tweak, allowed, want) in cases {
        let mut m = Material::default();
        tweak(&mut m);
        match verify(&policy, &image, &m) {
            Ok(v) => {
                let got = codes(&v);
                // For the descriptor mismatch the code is DIGEST_MISMATCH or SIZE_MISMATCH.
                let codes_ok = if name.starts_with("payload does not match") {
                    got == ["DIGEST_MISMATCH"] || got == ["SIZE_MISMATCH"]
                } else {
                    got == want
                };
                if v.allowed != allowed || !codes_ok {
                    failures.push(format!("{name}: {}", v.to_json()));
                }
                if allowed {
                    let sig = &v.requirements[0].signatures[0];
                    if sig.key.is_none() || sig.identity.is_none() {
                        failures.push(format!("{name}: accepted without key/identity"));
                    }
                }
            }
            Err(e) => failures.push(format!("{name}: error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    n
}

fn b64(bytes: &[u8]) -> String {
    // Standard base64 with padding, enough for a test.
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
