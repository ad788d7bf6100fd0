use super::*;
use crate::json;
use alloc::vec;

fn sample() -> Verdict {
    Verdict {
        allowed: false,
        image: "docker://registry.example/app:1.0".into(),
        digest: Some("sha256:00".into()),
        scope: "registry.example/app".into(),
        requirements: vec![RequirementReport {
            type_name: "signedBy",
            allowed: false,
            signatures: vec![SignatureReport {
                format: SignatureFormat::SimpleSigning,
                source: "lookaside".into(),
                outcome: Outcome::Rejected,
                code: Some(Code::NoAcceptedSignature),
                message: Some("a \"quoted\"\nmessage".into()),
                key: Some("ABCD".into()),
                identity: None,
                signer: None,
            }],
        }],
        reasons: vec![Reason {
            code: Code::NoAcceptedSignature,
            message: "Source image rejected: x".into(),
        }],
    }
}

#[test]
fn json_has_exactly_the_contract_fields() {
    let text = sample().to_json();
    let json::Value::Object(top) = json::parse(text.as_bytes(), 1 << 20).unwrap() else {
        panic!("{text}")
    };
    let keys: Vec<&str> = top.iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "allowed",
            "image",
            "digest",
            "scope",
            "requirements",
            "reasons"
        ]
    );
    let Some(json::Value::Array(reqs)) = top.get("requirements") else {
        panic!()
    };
    let json::Value::Object(req) = &reqs[0] else {
        panic!()
    };
    assert_eq!(
        req.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        ["type", "allowed", "signatures"]
    );
    let Some(json::Value::Array(sigs)) = req.get("signatures") else {
        panic!()
    };
    let json::Value::Object(sig) = &sigs[0] else {
        panic!()
    };
    assert_eq!(
        sig.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        ["format", "source", "outcome", "code", "message", "key", "identity"]
    );
    assert_eq!(
        sig.get("message"),
        Some(&json::Value::String("a \"quoted\"\nmessage".into()))
    );
    assert_eq!(sig.get("identity"), Some(&json::Value::Null));
    assert_eq!(
        sig.get("code"),
        Some(&json::Value::String("NO_ACCEPTED_SIGNATURE".into()))
    );
}

#[test]
fn allowed_verdicts_have_no_reasons_and_a_null_digest_serializes() {
    let mut v = sample();
    v.allowed = true;
    v.reasons.clear();
    v.digest = None;
    let text = v.to_json();
    assert!(
        text.starts_with(
            r#"{"allowed":true,"image":"docker://registry.example/app:1.0","digest":null,"#
        ),
        "{text}"
    );
    assert!(text.ends_with(r#""reasons":[]}"#), "{text}");
}
