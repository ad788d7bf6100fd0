//! A cosign signature manifest (`sha256-<hex>.sig`) made of arbitrary bytes, with its blobs cut
//! from the same input, for an image whose manifest is fixed, under key-only and key + Rekor
//! policies with real keys whose private halves are gone: errors or a denial, never a panic
//! and never an allowed verdict.
#![no_main]

use base64ct::Encoding as _;
use libfuzzer_sys::fuzz_target;
use sigwall::{NeedKind, Policy, Session, UnixTime};

const MANIFEST: &[u8] = include_bytes!("../../fixtures/cosign-signed/manifest.json");
const KEY: &[u8] = include_bytes!("../../fixtures/cosign-signed/cosign.pub");
const REKOR: &[u8] = include_bytes!("../../fixtures/cosign-signed/rekor.pub");

/// The signature manifests the fixtures hold: the only signatures by `KEY` that exist.
const FIXTURE_MANIFESTS: [&str; 3] = [
    include_str!("../../fixtures/cosign-signed/sig-cosign.json"),
    include_str!("../../fixtures/cosign-signed/sig-skopeo.json"),
    include_str!("../../fixtures/cosign-signed/sig-rekor.json"),
];

/// The base64 signatures those manifests carry.
/// (Compact JSON: `"dev.cosignproject.cosign/signature":"<base64>"`.)
fn fixture_signatures() -> impl Iterator<Item = &'static str> {
    FIXTURE_MANIFESTS
        .iter()
        .flat_map(|m| m.split("cosign/signature\":\"").skip(1))
        .filter_map(|rest| rest.split('"').next())
}

/// Whether `haystack` contains `needle`.
fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fuzz_target!(|data: &[u8]| {
    let key = base64ct::Base64::encode_string(KEY);
    let rekor = base64ct::Base64::encode_string(REKOR);
    let policies = [
        format!(
            r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#
        ),
        format!(
            r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","rekorPublicKeyData":"{rekor}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#
        ),
    ];
    // The first part is the signature manifest; the others answer blob requests in turn.
    let mut parts = data.split(|b| *b == 0xff);
    let sig_manifest = parts.next().unwrap_or_default();
    let blobs: Vec<&[u8]> = parts.collect();
    for policy in &policies {
        let policy = Policy::parse(policy.as_bytes()).expect("valid");
        let Ok(mut session) = Session::new(&policy, "registry.example/app:v1", UnixTime(0)) else {
            return;
        };
        let mut next_blob = blobs.iter();
        while let Some(need) = session.next_need() {
            let answer = match &need.kind {
                NeedKind::Manifest { .. } => Some(MANIFEST),
                // The same bytes as a referrers index: bundles there are reported, never accepted.
                NeedKind::CosignSignatures { .. } | NeedKind::Referrers { .. } => Some(sig_manifest),
                NeedKind::Blob { .. } => next_blob.next().copied(),
                _ => None,
            };
            let result = match answer {
                Some(bytes) => session.provide(need.id, bytes),
                None => session.provide_absent(need.id),
            };
            if result.is_err() {
                break;
            }
        }
        if let Ok(verdict) = session.finish() {
            // Only the fixtures' own signatures (the seeds hold them) can verify.
            assert!(
                !verdict.allowed || fixture_signatures().any(|s| holds(sig_manifest, s)),
                "{}",
                verdict.to_json()
            );
        }
    }
});
