//! The digest corpus (fixtures/digest/cases.json) run against the Rust API. Shared, through
//! `#[path]`, by the native tests (tests/digest.rs) and the wasm tests (wasm-tests/).

use serde_json::Value;
use sigwall::{Algorithm, Digest, DigestVerifier, Error};

const CASES: &str = include_str!("../../fixtures/digest/cases.json");

pub(crate) fn cases(section: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    doc[section]
        .as_array()
        .expect("section is an array")
        .clone()
}

/// `input` followed by `tail` repeated `repeat` times.
pub(crate) fn input_of(case: &Value) -> String {
    let mut s = case["input"].as_str().expect("input").to_owned();
    if let Some(n) = case["repeat"].as_u64() {
        s.push_str(&case["tail"].as_str().expect("tail").repeat(n as usize));
    }
    s
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Runs every case of a section through `check`, collecting failures, and asserts none failed.
/// Returns how many cases ran.
pub(crate) fn run(section: &str, check: impl Fn(&Value) -> Result<(), String>) -> usize {
    let cases = cases(section);
    assert!(!cases.is_empty(), "no {section} cases");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} {section} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cases.len()
}

fn expect_outcome(what: &str, got: Result<String, String>, case: &Value) -> Result<(), String> {
    match (got, case["ok"].as_str(), case["code"].as_str()) {
        (Ok(v), Some(ok), _) if v == ok => Ok(()),
        (Err(code), None, Some(want)) if code == want => Ok(()),
        (got, ok, code) => Err(format!("{what}: got {got:?}, want ok={ok:?} code={code:?}")),
    }
}

pub(crate) fn check_parse(case: &Value) -> Result<(), String> {
    let input = input_of(case);
    let got = Digest::parse(&input)
        .map(|d| d.to_string())
        .map_err(|e| e.code().as_str().to_owned());
    expect_outcome(&format!("parse {:?}", short(&input)), got, case)?;
    // A digest parsed from its own display form is equal to itself (equality on the value).
    if let Ok(d) = Digest::parse(&input) {
        let again = Digest::parse(&d.to_string()).map_err(|e| e.to_string())?;
        if again != d {
            return Err(format!("round trip of {input:?} changed the value"));
        }
    }
    Ok(())
}

pub(crate) fn check_compute(case: &Value) -> Result<(), String> {
    let input = input_of(case);
    let alg = case["algorithm"].as_str().expect("algorithm");
    let what = format!("compute {alg} {:?}", short(&input));
    let got = Algorithm::from_name(alg)
        .map(|a| Digest::compute(a, input.as_bytes()).to_string())
        .map_err(|e| e.code().as_str().to_owned());
    let want = serde_json::json!({ "ok": case["digest"], "code": case["code"] });
    expect_outcome(&what, got, &want)?;
    if let (Ok(a), Some(want)) = (Algorithm::from_name(alg), case["digest"].as_str()) {
        // The incremental hasher, fed in uneven pieces, agrees with the one-shot digest.
        let mut h = sigwall::Hasher::new(a);
        for piece in input.as_bytes().chunks(7777) {
            h.update(piece);
        }
        if h.len() != input.len() as u64 {
            return Err(format!("{what}: hasher counted {} bytes", h.len()));
        }
        let streamed = h.finalize().to_string();
        if streamed != want {
            return Err(format!("{what}: streamed digest {streamed} != {want}"));
        }
        let expected = Digest::parse(want).map_err(|e| e.to_string())?;
        expected
            .verify(input.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub(crate) fn check_verify(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let fails_at = case["failsAtChunk"].as_i64();
    let outcome = (|| -> Result<String, (Option<i64>, Error)> {
        let expected = Digest::parse(case["digest"].as_str().expect("digest"))
            .map_err(|e| (Some(-1), e.into()))?;
        let mut v = DigestVerifier::new(expected, case["size"].as_u64());
        for (i, chunk) in case["chunks"]
            .as_array()
            .expect("chunks")
            .iter()
            .enumerate()
        {
            v.update(chunk.as_str().expect("chunk").as_bytes())
                .map_err(|e| (Some(i as i64), e))?;
        }
        v.finish().map(|d| d.to_string()).map_err(|e| (None, e))
    })();
    match outcome {
        Ok(d) => expect_outcome(name, Ok(d), case),
        Err((at, e)) => {
            if at != fails_at {
                return Err(format!(
                    "{name}: failed at chunk {at:?} ({e}), want {fails_at:?}"
                ));
            }
            expect_outcome(name, Err(e.code().as_str().to_owned()), case)
        }
    }
}
