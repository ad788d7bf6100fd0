//! Arbitrary bytes as a subjectRegExp pattern and a SAN (split at the first 0xff): compile and
//! match, never a panic, in linear time (a run-away match would be a timeout); and on ASCII,
//! whenever the regex crate (RE2 semantics) also accepts the pattern, the same answer as its
//! anchored match (except where RE2 and the regex crate differ: `\s` and the vertical tab,
//! nested classes and class set operations).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::policy::pattern::Pattern;

fuzz_target!(|data: &[u8]| {
    let (pattern, text) = match data.iter().position(|b| *b == 0xff) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let (Ok(pattern), Ok(text)) = (core::str::from_utf8(pattern), core::str::from_utf8(text)) else {
        return;
    };
    let Ok(ours) = Pattern::new(pattern) else {
        return;
    };
    let matched = ours.matches(text);
    // Where the regex crate's syntax is not RE2's, there is nothing to compare: its ASCII `\s`
    // includes the vertical tab (RE2's and Go's, so cosign's, does not), and inside a class `[`
    // opens a nested class and `&&`, `--`, `~~` are set operations (RE2: literals).
    let rust_only = pattern.matches('[').count() > 1
        || ["&&", "--", "~~"].iter().any(|op| pattern.contains(op));
    if pattern.is_ascii() && text.is_ascii() && !text.contains('\u{b}') && !rust_only {
        if let Ok(theirs) = regex::bytes::Regex::new(&format!(r"(?-u:\A(?:{pattern})\z)")) {
            assert_eq!(matched, theirs.is_match(text.as_bytes()), "{pattern:?} on {text:?}");
        }
    }
});
