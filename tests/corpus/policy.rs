//! The policy corpus (fixtures/policy/*.json) run against the Rust API. Shared, through
//! `#[path]`, by the native tests (tests/policy.rs) and the wasm tests (wasm-tests/).

use serde_json::Value;
use sigwall::policy::{remap, SignedIdentity};
use sigwall::{Policy, Reference};

const PARSE: &str = include_str!("../../fixtures/policy/parse-cases.json");
const MATCH: &str = include_str!("../../fixtures/policy/reference-match.json");

fn section(doc: &str, name: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(doc).expect("corpus is JSON");
    doc[name].as_array().expect("section is an array").clone()
}

/// Runs every case of a section through `check`, collecting failures; returns how many ran.
fn run(doc: &str, name: &str, check: impl Fn(&Value) -> Result<(), String>) -> usize {
    let cases = section(doc, name);
    assert!(!cases.is_empty(), "no {name} cases");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} {name} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cases.len()
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().expect("string field")
}

pub(crate) fn parse_accept() -> usize {
    run(PARSE, "accept", |c| {
        Policy::parse(s(c, "policy").as_bytes())
            .map(|_| ())
            .map_err(|e| format!("{}: rejected: {e}", s(c, "name")))
    })
}

pub(crate) fn parse_reject() -> usize {
    run(PARSE, "reject", |c| {
        match Policy::parse(s(c, "policy").as_bytes()) {
            Ok(_) => Err(format!("{}: accepted", s(c, "name"))),
            Err(e)
                if e.to_string().contains(s(c, "message"))
                    && e.code().as_str() == "POLICY_INVALID" =>
            {
                Ok(())
            }
            Err(e) => Err(format!(
                "{}: wrong message {e:?}, want {:?}",
                s(c, "name"),
                s(c, "message")
            )),
        }
    })
}

fn image(s: &str) -> Option<Reference> {
    Reference::parse_normalized(s).ok()
}

fn matches(identity: &SignedIdentity, image_ref: &str, signature: &str) -> bool {
    // An image whose reference does not parse has no docker identity: nothing matches.
    image(image_ref).is_some_and(|i| identity.matches(&i, signature))
}

const ANY_IMAGE: &str = "sigwall.test/unrelated:tag";

fn non_matching_remap() -> SignedIdentity {
    SignedIdentity::RemapIdentity {
        prefix: "does-not-match.com".into(),
        signed_prefix: "does-not-match.rewritten".into(),
    }
}

pub(crate) fn symmetric() -> usize {
    run(MATCH, "symmetric", |c| {
        let (exact, repo) = (
            c["exact"].as_bool().unwrap(),
            c["repository"].as_bool().unwrap(),
        );
        for (a, b) in [(s(c, "a"), s(c, "b")), (s(c, "b"), s(c, "a"))] {
            let got = [
                (
                    "matchExact",
                    matches(&SignedIdentity::MatchExact, a, b),
                    exact,
                ),
                (
                    "exactReference",
                    matches(
                        &SignedIdentity::ExactReference {
                            docker_reference: a.into(),
                        },
                        ANY_IMAGE,
                        b,
                    ),
                    exact,
                ),
                (
                    "matchRepository",
                    matches(&SignedIdentity::MatchRepository, a, b),
                    repo,
                ),
                (
                    "exactRepository",
                    matches(
                        &SignedIdentity::ExactRepository {
                            docker_repository: a.into(),
                        },
                        ANY_IMAGE,
                        b,
                    ),
                    repo,
                ),
            ];
            for (name, got, want) in got {
                if got != want {
                    return Err(format!("{name}({a:?}, {b:?}) = {got}, want {want}"));
                }
            }
            // matchRepoDigestOrExact (and remapIdentity with a prefix that does not apply)
            // accepts what matchExact accepts and rejects what matchRepository rejects.
            for identity in [SignedIdentity::MatchRepoDigestOrExact, non_matching_remap()] {
                let got = matches(&identity, a, b);
                if (exact && !got) || (!repo && got) {
                    return Err(format!("{}({a:?}, {b:?}) = {got}", identity.type_name()));
                }
            }
        }
        Ok(())
    })
}

pub(crate) fn repo_digest_or_exact() -> usize {
    run(MATCH, "repoDigestOrExact", |c| {
        let want = c["match"].as_bool().unwrap();
        for identity in [SignedIdentity::MatchRepoDigestOrExact, non_matching_remap()] {
            let got = matches(&identity, s(c, "image"), s(c, "signature"));
            if got != want {
                return Err(format!("{}({c}) = {got}", identity.type_name()));
            }
        }
        Ok(())
    })
}

pub(crate) fn remap_prefix_match() -> usize {
    run(MATCH, "remapPrefixMatch", |c| {
        let img = image(s(c, "image")).ok_or("image does not parse")?;
        let remapped = remap(&img, s(c, "prefix"), "rewritten.example");
        let got = remapped.as_ref() != Ok(&img);
        if got == c["match"].as_bool().unwrap() {
            Ok(())
        } else {
            Err(format!("prefix match {c} = {got} ({remapped:?})"))
        }
    })
}

pub(crate) fn remap_rewrite() -> usize {
    run(MATCH, "remapRewrite", |c| {
        let img = image(s(c, "image")).ok_or("image does not parse")?;
        let got = remap(&img, s(c, "prefix"), s(c, "signedPrefix"))
            .map(|r| r.to_string())
            .ok();
        let want = c["result"]
            .as_str()
            .map(|r| Reference::parse_normalized(r).unwrap().to_string());
        if got == want {
            Ok(())
        } else {
            Err(format!("rewrite {c} = {got:?}, want {want:?}"))
        }
    })
}

pub(crate) fn remap_end_to_end() -> usize {
    run(MATCH, "remapEndToEnd", |c| {
        let identity = SignedIdentity::RemapIdentity {
            prefix: s(c, "prefix").into(),
            signed_prefix: s(c, "signedPrefix").into(),
        };
        let got = matches(&identity, s(c, "image"), s(c, "signature"));
        if got == c["match"].as_bool().unwrap() {
            Ok(())
        } else {
            Err(format!("remapIdentity {c} = {got}"))
        }
    })
}

const EVAL: &str = include_str!("../../fixtures/policy/eval-cases.json");

/// Drives a session with the case's material and compares the verdict.
pub(crate) fn evaluation() -> usize {
    use sigwall::{NeedKind, Session, UnixTime};
    run(EVAL, "cases", |c| {
        let name = s(c, "name");
        let policy = Policy::parse(serde_json::to_string(&c["policy"]).unwrap().as_bytes())
            .map_err(|e| format!("{name}: policy: {e}"))?;
        let mut session = Session::new(&policy, s(c, "image"), UnixTime(1_700_000_000))
            .map_err(|e| format!("{name}: {e}"))?;
        let signatures: Vec<&str> = c["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        while let Some(need) = session.next_need() {
            let answer = match need.kind {
                NeedKind::Manifest { .. } => Some(s(c, "manifest").as_bytes()),
                NeedKind::SimpleSignature { index, .. } => {
                    signatures.get(index as usize - 1).map(|s| s.as_bytes())
                }
                _ => None,
            };
            match answer {
                Some(bytes) => session.provide(need.id, bytes),
                None => session.provide_absent(need.id),
            }
            .map_err(|e| format!("{name}: {e}"))?;
        }
        let verdict = session.finish().map_err(|e| format!("{name}: {e}"))?;
        let codes: Vec<&str> = verdict.reasons.iter().map(|r| r.code.as_str()).collect();
        let want: Vec<&str> = c["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let checks = [
            (
                verdict.allowed == c["allowed"].as_bool().unwrap(),
                "allowed",
            ),
            (verdict.scope == s(c, "scope"), "scope"),
            (codes == want, "reasons"),
            (
                verdict.digest.as_deref()
                    == Some(s(
                        &serde_json::from_str::<Value>(EVAL).unwrap(),
                        "manifestDigest",
                    )),
                "digest",
            ),
            (
                verdict
                    .reasons
                    .iter()
                    .all(|r| r.message.starts_with("Source image rejected: ")),
                "message prefix",
            ),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            None => Ok(()),
            Some((_, what)) => Err(format!("{name}: wrong {what}: {}", verdict.to_json())),
        }
    })
}
