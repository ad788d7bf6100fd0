use super::*;
use alloc::format;
use alloc::vec;

const LIMIT: usize = 1 << 20;

fn syntax(input: &[u8]) -> String {
    match parse(input, LIMIT) {
        Err(ParseError::Syntax(m)) => m,
        other => panic!("expected a syntax error for {input:?}, got {other:?}"),
    }
}

#[test]
fn keeps_members_in_order() {
    let v = parse(br#"{"b":1,"a":[true,null,"x",-2,1.5]}"#, LIMIT).unwrap();
    let Value::Object(o) = v else { panic!() };
    let keys: Vec<&str> = o.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["b", "a"]);
    assert_eq!(
        o.get("a"),
        Some(&Value::Array(vec![
            Value::Bool(true),
            Value::Null,
            Value::String("x".into()),
            Value::Number(Number::Signed(-2)),
            Value::Number(Number::Float(1.5)),
        ]))
    );
}

#[test]
fn duplicate_keys_are_errors_at_every_level() {
    assert!(syntax(br#"{"b":1,"b":1}"#).contains("Duplicate key \"b\""));
    assert!(syntax(br#"{"a":{"x":1,"y":2,"x":3}}"#).contains("Duplicate key \"x\""));
    assert!(syntax(br#"[[{"k":[{"z":1,"z":1}]}]]"#).contains("Duplicate key \"z\""));
    // Equal after unescaping is a duplicate, as in Go.
    assert!(syntax(br#"{"type":1,"typ\u0065":2}"#).contains("Duplicate key"));
}

#[test]
fn rejects_trailing_data_and_non_json() {
    for bad in [
        &br#"{"a":"value"}{}"#[..],
        b"",
        b"&",
        b"{&}",
        b"{1:1}",
        b"\xff\xfe",
        b"\"\xff\"",
    ] {
        syntax(bad);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(syntax(deep.as_bytes()).contains("recursion limit"));
    let deep_objects = "{\"a\":".repeat(10_000);
    syntax(deep_objects.as_bytes());
}

#[test]
fn huge_numbers_are_errors_or_finite() {
    let digits = "9".repeat(5_000);
    syntax(digits.as_bytes());
    let frac = format!("0.{}", "1".repeat(5_000));
    match parse(frac.as_bytes(), LIMIT) {
        Ok(Value::Number(Number::Float(f))) => assert!(f.is_finite()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn size_limit_applies_before_parsing() {
    let big = vec![b' '; 100];
    assert_eq!(
        parse(&big, 10),
        Err(ParseError::TooLarge {
            limit: 10,
            found: 100
        })
    );
}

#[test]
fn paths_read_like_javascript() {
    let p = Path::root()
        .key("transports")
        .key("docker")
        .key("example.com/app")
        .index(0)
        .key("keyPath");
    assert_eq!(
        p.to_string(),
        r#"transports.docker["example.com/app"][0].keyPath"#
    );
    assert_eq!(Path::root().to_string(), "(top level)");
}

#[test]
fn strings_are_written_as_valid_json() {
    let mut out = String::new();
    write_string(&mut out, "a\"b\\c\n\u{1}é");
    assert_eq!(out, r#""a\"b\\c\n\u0001é""#);
    assert_eq!(
        parse(out.as_bytes(), LIMIT).unwrap(),
        Value::String("a\"b\\c\n\u{1}é".into())
    );
}
