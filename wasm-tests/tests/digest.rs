//! The shared digest corpus compiled to wasm32, through the Rust API and through the
//! wasm-bindgen bindings the npm package uses.

#![cfg(target_arch = "wasm32")]

#[path = "../../tests/corpus/digest.rs"]
mod corpus;

use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn parse_cases() {
    assert!(corpus::run("parse", corpus::check_parse) > 20);
}

#[wasm_bindgen_test]
fn compute_cases() {
    assert!(corpus::run("compute", corpus::check_compute) > 10);
}

#[wasm_bindgen_test]
fn verify_cases() {
    assert!(corpus::run("verify", corpus::check_verify) > 10);
}

/// The `code` property of an error object thrown by a binding.
fn code_of(err: &JsValue) -> String {
    js_sys::Reflect::get(err, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_else(|| format!("<no code: {err:?}>"))
}

fn outcome(case: &Value, got: Result<String, JsValue>) -> Result<(), String> {
    let got = got.map_err(|e| code_of(&e));
    // A case expects an error code, or a value ("ok"; in the compute section, "digest").
    let want = match (
        case["code"].as_str(),
        case["ok"].as_str(),
        case["digest"].as_str(),
    ) {
        (Some(code), _, _) => Err(code.to_owned()),
        (None, Some(ok), _) => Ok(ok.to_owned()),
        (None, None, Some(digest)) => Ok(digest.to_owned()),
        _ => return Err(format!("case without an expectation: {case}")),
    };
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{:?}: got {got:?}, want {want:?}",
            case.get("name").or(case.get("why"))
        ))
    }
}

#[wasm_bindgen_test]
fn bindings_parse_cases() {
    corpus::run("parse", |c| {
        outcome(c, sigwall::wasm::parse_digest(&corpus::input_of(c)))
    });
}

#[wasm_bindgen_test]
fn bindings_compute_cases() {
    corpus::run("compute", |c| {
        let alg = c["algorithm"].as_str().map(str::to_owned);
        outcome(
            c,
            sigwall::wasm::digest(corpus::input_of(c).as_bytes(), alg),
        )
    });
}

#[wasm_bindgen_test]
fn bindings_verify_cases() {
    corpus::run("verify", |c| {
        let size = c["size"].as_f64();
        let got = (|| {
            let mut v = sigwall::wasm::JsDigestVerifier::new(c["digest"].as_str().unwrap(), size)?;
            for chunk in c["chunks"].as_array().unwrap() {
                v.update(chunk.as_str().unwrap().as_bytes())?;
            }
            v.finish()
        })();
        outcome(c, got)
    });
}

#[wasm_bindgen_test]
fn bindings_reject_sizes_that_are_not_byte_counts() {
    let d = sigwall::Digest::sha256(b"").to_string();
    for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 1e300] {
        let err = sigwall::wasm::JsDigestVerifier::new(&d, Some(bad))
            .err()
            .expect("must fail");
        assert_eq!(code_of(&err), "API_MISUSE", "size {bad}");
    }
}

#[wasm_bindgen_test]
fn finished_hasher_reports_api_misuse() {
    let mut h = sigwall::wasm::JsHasher::new(None).unwrap();
    h.update(b"abc").unwrap();
    assert_eq!(
        h.finish().unwrap(),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(code_of(&h.finish().unwrap_err()), "API_MISUSE");
    assert_eq!(code_of(&h.update(b"x").unwrap_err()), "API_MISUSE");
}

#[wasm_bindgen_test]
fn error_codes_are_exported() {
    let codes = sigwall::wasm::error_codes();
    assert!(codes.iter().any(|c| c == "DIGEST_MISMATCH"));
    assert_eq!(codes.len(), sigwall::Code::ALL.len());
}
