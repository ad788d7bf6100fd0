use super::*;
use crate::policy::{Fulcio, SigstoreSigned};

fn read(path: &str) -> Option<Vec<u8>> {
    match path {
        "/k1" => Some(b"key one".to_vec()),
        "/k2" => Some(b"key two".to_vec()),
        "/rekor" => Some(b"rekor".to_vec()),
        "/ca" => Some(b"ca".to_vec()),
        _ => None,
    }
}

const POLICY: &str = r#"{"default":[{"type":"reject"}],"transports":{"docker":{
  "a.com":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":["/k1","/k2"],"signedIdentity":{"type":"remapIdentity","prefix":"a.com","signedPrefix":"b.com"}}],
  "b.com/x":[{"type":"sigstoreSigned","keyPaths":["/k1","/k2"],"rekorPublicKeyPath":"/rekor"},{"type":"insecureAcceptAnything"}],
  "c.com":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"e@x"},"rekorPublicKeyData":"cmVrb3I="}],
  "d.com":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"exactReference","dockerReference":"d.com/x:1"}}],
  "":[{"type":"signedBy","keyType":"X509Certificates","keyPath":"/k1"}]},
  "atomic":{"":[{"type":"reject"}]}}}"#;

#[test]
fn lists_every_path_once() {
    let p = Policy::parse(POLICY.as_bytes()).unwrap();
    assert_eq!(p.key_paths(), ["/k1", "/k2", "/rekor", "/ca"]);
}

#[test]
fn inlined_policy_parses_and_trusts_the_same_keys() {
    let p = Policy::parse(POLICY.as_bytes()).unwrap();
    let json = p.to_json_inlined(&read).unwrap();
    assert!(!json.contains("Path"), "{json}");
    let q = Policy::parse(json.as_bytes()).unwrap();
    assert!(q.key_paths().is_empty());
    let reqs: Vec<&Requirement> = q.scopes("docker").flat_map(|(_, r)| r).collect();
    let Requirement::SignedBy(sb) = reqs[0] else {
        panic!()
    };
    assert_eq!(sb.keys, KeySource::Data(b"key onekey two".to_vec()));
    assert_eq!(
        sb.signed_identity,
        p.scopes("docker")
            .next()
            .map(|(_, r)| match &r[0] {
                Requirement::SignedBy(s) => s.signed_identity.clone(),
                _ => unreachable!(),
            })
            .unwrap()
    );
    assert_eq!(
        reqs[1],
        &Requirement::SigstoreSigned(SigstoreSigned {
            trust: SigstoreTrust::Keys(KeySource::Datas(alloc::vec![
                b"key one".to_vec(),
                b"key two".to_vec()
            ])),
            rekor: Some(KeySource::Data(b"rekor".to_vec())),
            signed_identity: SignedIdentity::MatchRepoDigestOrExact,
            trusted_root: None,
            accept_bundles: false,
        })
    );
    let Requirement::SigstoreSigned(SigstoreSigned {
        trust: SigstoreTrust::Fulcio(Fulcio { ca, .. }),
        ..
    }) = reqs[3]
    else {
        panic!()
    };
    assert_eq!(ca, &Some(KeySource::Data(b"ca".to_vec())));
    // Everything that had no path is unchanged.
    assert_eq!(reqs[2], &Requirement::InsecureAcceptAnything);
    assert_eq!(
        reqs[4],
        p.scopes("docker").nth(3).unwrap().1.first().unwrap()
    );
    assert_eq!(q.default_requirements(), p.default_requirements());
    assert_eq!(q.scopes("atomic").count(), 1);
    // Inlining is idempotent.
    assert_eq!(q.to_json_inlined(&read).unwrap(), json);
}

#[test]
fn a_missing_file_names_its_path() {
    let p = Policy::parse(
        br#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nope"}]}"#,
    )
    .unwrap();
    let e = p.to_json_inlined(&read).unwrap_err();
    assert_eq!(e.path, "/nope");
}

#[cfg(feature = "extensions")]
#[test]
fn the_extension_is_inlined_and_kept() {
    let text = r#"{"default":[{"type":"reject"}],"transports":{"docker":{
      "e.com":[{"type":"sigstoreSigned","trustedRootPath":"/ca","acceptBundles":true,"fulcio":{"oidcIssuer":"https://i","subjectRegExp":"https://e\\.com/.*"},"signedIdentity":{"type":"matchRepository"}}],
      "f.com":[{"type":"sigstoreSigned","trustedRoot":"public-good","fulcio":{"oidcIssuer":"https://i","subjectURI":"https://f.com/w"}}],
      "g.com":[{"type":"sigstoreSigned","trustedRootData":"Y2E=","keyPath":"/k1","acceptBundles":true}]}}}"#;
    let p = Policy::parse(text.as_bytes()).unwrap();
    assert_eq!(p.key_paths(), ["/ca", "/k1"]);
    let json = p.to_json_inlined(&read).unwrap();
    let q = Policy::parse(json.as_bytes()).unwrap();
    assert!(q.key_paths().is_empty());
    // trustedRootPath became trustedRootData; the rest of the extension is as written.
    assert_eq!(
        q.extensions(),
        [
            "trustedRootData",
            "acceptBundles",
            "fulcio.subjectRegExp",
            "trustedRoot",
            "fulcio.subjectURI"
        ]
    );
    let Requirement::SigstoreSigned(e) = &q.scopes("docker").next().unwrap().1[0] else {
        panic!()
    };
    // The file's bytes, inline; the rest as written.
    assert_eq!(
        e.trusted_root,
        Some(crate::policy::TrustedRootSource::File(KeySource::Data(
            b"ca".to_vec()
        )))
    );
    assert!(e.accept_bundles);
    let SigstoreTrust::Fulcio(f) = &e.trust else {
        panic!()
    };
    assert!(
        matches!(&f.subject, crate::policy::Subject::Pattern(p) if p.as_str() == r"https://e\.com/.*")
    );
    // Inlining is a fixed point.
    assert_eq!(q.to_json_inlined(&read).unwrap(), json);
}
