use super::*;
use alloc::string::ToString;

macro_rules! fx {
    ($name:literal) => {
        include_bytes!(concat!("../../../fixtures/cosign-signed/", $name))
    };
}

fn annotations() -> (String, String) {
    let sig = json::parse(fx!("sig-rekor.json"), 1 << 20).unwrap();
    let Value::Object(sig) = sig else { panic!() };
    let Some(Value::Array(layers)) = sig.get("layers") else {
        panic!()
    };
    let Value::Object(layer) = &layers[0] else {
        panic!()
    };
    let Some(Value::Object(a)) = layer.get("annotations") else {
        panic!()
    };
    let get = |k: &str| match a.get(k) {
        Some(Value::String(s)) => s.clone(),
        _ => panic!("{k}"),
    };
    (
        get(BUNDLE_ANNOTATION),
        get("dev.cosignproject.cosign/signature"),
    )
}

fn rekor() -> Vec<CosignKey> {
    alloc::vec![CosignKey::from_pem(fx!("rekor.pub")).unwrap()]
}

const PAYLOAD: &[u8] = fx!("payload-cosign.json");

#[test]
fn the_canonical_payload_is_what_python_made_and_the_log_signed() {
    let (bundle, _) = annotations();
    let Value::Object(set) = json::parse(bundle.as_bytes(), 1 << 20).unwrap() else {
        panic!()
    };
    let Some(Value::Object(payload)) = set.get("Payload") else {
        panic!()
    };
    let (canonical, _, time, index, id) = canonical_payload(payload).unwrap();
    assert_eq!(canonical.as_bytes(), fx!("bundle-payload.canonical.json"));
    assert_eq!(time, 1_700_000_000);
    assert_eq!(index, 123_456_789);
    assert_eq!(id.len(), 64);
}

#[test]
fn a_valid_set_names_the_logged_key() {
    let (bundle, signature) = annotations();
    let entry = verify(&rekor(), &bundle, &signature, PAYLOAD).unwrap();
    let key = CosignKey::from_pem(fx!("cosign.pub")).unwrap();
    assert_eq!(entry.public_key_der, key.spki_der());
    assert_eq!(entry.integrated_time, 1_700_000_000);
}

#[test]
fn anything_the_log_did_not_sign_or_that_does_not_match_is_rejected() {
    let (bundle, signature) = annotations();
    let other_log = [CosignKey::from_pem(fx!("other.pub")).unwrap()];
    assert_eq!(
        verify(&other_log, &bundle, &signature, PAYLOAD).unwrap_err(),
        SetRejection::BadSignature
    );
    assert_eq!(
        verify(&[], &bundle, &signature, PAYLOAD).unwrap_err(),
        SetRejection::BadSignature
    );
    // Another payload, another signature.
    let mut payload = PAYLOAD.to_vec();
    payload[5] ^= 1;
    assert_eq!(
        verify(&rekor(), &bundle, &signature, &payload).unwrap_err(),
        invalid("payload in Rekor SET does not match")
    );
    let other_sig = signature.replacen('M', "N", 1);
    assert!(matches!(
        verify(&rekor(), &bundle, &other_sig, PAYLOAD).unwrap_err(),
        SetRejection::Invalid(_)
    ));
    // Payload fields changed, added or removed after the log signed.
    for (from, to) in [
        ("\"logIndex\":123456789", "\"logIndex\":123456780"),
        (
            "\"logIndex\":123456789",
            "\"logIndex\":123456789,\"extra\":1",
        ),
        ("\"logIndex\":123456789,", ""),
        ("\"integratedTime\":1700000000", "\"integratedTime\":1.5"),
    ] {
        assert!(bundle.contains(from), "{from}");
        let changed = bundle.replacen(from, to, 1);
        assert!(
            verify(&rekor(), &changed, &signature, PAYLOAD).is_err(),
            "{to}"
        );
    }
    // The same numbers written another way canonicalize to the signed bytes.
    let exponent = bundle.replacen(
        "\"integratedTime\":1700000000",
        "\"integratedTime\":1.7e9",
        1,
    );
    assert!(verify(&rekor(), &exponent, &signature, PAYLOAD).is_ok());
    // Not a bundle at all.
    for garbage in [
        "",
        "[]",
        "{}",
        "null",
        "{\"SignedEntryTimestamp\":\"\",\"Payload\":{}}",
    ] {
        assert!(
            verify(&rekor(), garbage, &signature, PAYLOAD).is_err(),
            "{garbage}"
        );
    }
    let huge = "x".repeat(MAX_BUNDLE_BYTES + 1);
    assert!(verify(&rekor(), &huge, &signature, PAYLOAD)
        .unwrap_err()
        .to_string_lossy()
        .contains("parsing"));
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for SetRejection {
    fn to_string_lossy(&self) -> String {
        match self {
            SetRejection::BadSignature => "bad signature".to_string(),
            SetRejection::Invalid(m) => m.clone(),
        }
    }
}
