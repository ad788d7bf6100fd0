#![cfg(feature = "extensions")]
use super::Pattern;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use proptest::prelude::*;

fn m(p: &str, t: &str) -> bool {
    Pattern::new(p).unwrap().matches(t)
}

#[test]
fn anchored_whole_text() {
    assert!(m("abc", "abc"));
    assert!(!m("abc", "xabc"));
    assert!(!m("abc", "abcx"));
    assert!(!m("b", "abc"));
    assert!(m("^abc$", "abc"));
    assert!(m("", ""));
    assert!(!m("", "a"));
}

#[test]
fn github_workflow_identities() {
    let p =
        r"https://github\.com/org/repo/\.github/workflows/[^/]+\.ya?ml@refs/tags/v\d+(\.\d+){0,2}";
    assert!(m(
        p,
        "https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3"
    ));
    assert!(m(
        p,
        "https://github.com/org/repo/.github/workflows/r.yaml@refs/tags/v10"
    ));
    assert!(!m(
        p,
        "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
    ));
    assert!(!m(
        p,
        "https://github.com/org/repo-evil/.github/workflows/release.yml@refs/tags/v1"
    ));
    // The unanchored-search mistake cosign's flag allows: a prefix is not enough.
    assert!(!m("https://github.com/org/", "https://github.com/org/x"));
    assert!(!m(
        "https://github.com/org/.*",
        "https://evil.example/?https://github.com/org/x"
    ));
}

#[test]
fn alternation_and_anchors_per_branch() {
    assert!(m("^a$|^b$", "a"));
    assert!(m("^a$|^b$", "b"));
    assert!(!m("^a$|^b$", "ab"));
    assert!(!m("a^b", "ab"));
    assert!(m("a|b|", ""));
}

#[test]
fn refused_syntax() {
    for p in [
        "(?i)abc",
        "(?P<x>a)",
        r"\bword",
        r"\1",
        r"\pL",
        r"[[:alpha:]]",
        "a**",
        "a{2}{3}",
        "*a",
        "(a",
        "a)",
        "[a",
        "[z-a]",
        "a{1001}",
        "a{3,2}",
        r"\",
        "{2}",
        r"\Qa\E",
        r"\x41",
    ] {
        assert!(Pattern::new(p).is_err(), "{p} should be refused");
    }
    assert!(Pattern::new(&"a".repeat(5000)).is_err());
    assert!(
        Pattern::new("((a{100}){100}){100}").is_err(),
        "huge programs are refused"
    );
}

#[test]
fn a_brace_that_is_not_a_repetition_is_literal_as_in_go() {
    // The regex crate refuses these; Go's regexp (cosign's) reads a literal `{`.
    assert!(m("a{", "a{"));
    assert!(m("a{x}", "a{x}"));
    assert!(m("a{1,x}", "a{1,x}"));
    assert!(m("a{2}", "aa"));
    assert!(m("a{2,}", "aaaa"));
    assert!(!m("a{2,3}", "aaaa"));
}

#[test]
fn linear_time_on_pathological_patterns() {
    // Exponential for a backtracking engine; a few thousand steps here.
    let p = Pattern::new("(a*)*(a*)*b").unwrap();
    assert!(!p.matches(&"a".repeat(2000)));
    let p = Pattern::new("(a|aa)*c").unwrap();
    assert!(!p.matches(&"a".repeat(2000)));
}

/// Patterns from a small grammar over a tiny alphabet, so that random texts often match.
fn pattern() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(String::from("a")),
        Just(String::from("b")),
        Just(String::from(".")),
        Just(String::from("[ab]")),
        Just(String::from("[^a]")),
        Just(String::from("[a-c]")),
        Just(String::from(r"\d")),
        Just(String::from(r"\W")),
        Just(String::from(r"[\d.]")),
        Just(String::from(r"\.")),
        Just(String::from("^")),
        Just(String::from("$")),
        Just(String::from("-")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}|{b}")),
            inner.clone().prop_map(|a| format!("({a})*")),
            inner.clone().prop_map(|a| format!("(?:{a})+")),
            inner.clone().prop_map(|a| format!("({a})?")),
            inner.clone().prop_map(|a| format!("({a}){{1,3}}")),
            inner.prop_map(|a| format!("({a}){{2}}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    /// The same answer as the regex crate (RE2 semantics), anchored at both ends.
    #[test]
    fn agrees_with_the_regex_crate(p in pattern(), texts in prop::collection::vec("[ab1.\n-]{0,8}", 8)) {
        let ours = Pattern::new(&p);
        let theirs = regex::Regex::new(&format!(r"\A(?:{p})\z"));
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "pattern {:?}: {:?}", p, ours.as_ref().err());
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            for t in &texts {
                prop_assert_eq!(ours.matches(t), theirs.is_match(t), "pattern {:?} text {:?}", p, t);
            }
        }
    }
}

#[test]
fn classes_are_re2s() {
    // RE2's (and Go's) `\s` is [\t\n\f\r ]: not the vertical tab, which the regex crate's
    // ASCII `\s` includes (found by fuzzing against it).
    assert!(!m(r"\s", "\u{b}"));
    assert!(m(r"\S", "\u{b}"));
    assert!(m(r"[^\d\s]+", "x\u{b}x"));
    assert!(m(r"\w+", "A_z09"));
    assert!(!m(r"\w", "-"));
}

#[test]
fn brackets_inside_a_class_are_literals_as_in_re2() {
    // RE2 (and Go) read `[` inside a class as a literal; the regex crate opens a nested class
    // there (found by fuzzing against it).
    assert!(m(r"[[a]+", "[a["));
    assert!(m(r"[a&&b]", "&"));
    assert!(m(r"[.-@]", "5"));
}
