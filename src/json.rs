//! A strict JSON document model: duplicate keys are errors at every level, key order is kept,
//! nesting and input size are bounded. The one seam where `serde_json` errors are converted.
//!
//! containers/image decodes policies and signature payloads with a "paranoid" reader that fails
//! on duplicate keys; serde_json's own `Value` silently keeps the last duplicate, so sigwall
//! parses into this [`Value`] instead and walks it by hand, which also lets every error name
//! its JSON path.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON number as serde_json reported it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl Number {
    /// The number as Go's `int64` decoding reads it: an integer in range, or a float whose
    /// value is an exact int64 (`1.7e9`). No `f64::fract` here: it needs std.
    pub(crate) fn as_i64(self) -> Option<i64> {
        match self {
            Number::Signed(n) => Some(n),
            Number::Unsigned(n) => i64::try_from(n).ok(),
            Number::Float(f) => {
                let in_range = (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f);
                (in_range && (f as i64) as f64 == f).then_some(f as i64)
            }
        }
    }
}

/// A JSON object: its members in document order, with no two keys equal.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Object(Vec<(String, Value)>);

impl Object {
    /// The value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The members in document order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The first key not in `allowed`, if any.
    pub(crate) fn unknown_key(&self, allowed: &[&str]) -> Option<&str> {
        self.0
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !allowed.contains(k))
    }
}

impl Value {
    /// A member name, anywhere in this value but inside members named in `maps` (maps, whose keys
    /// Go matches exactly), that Go's `encoding/json` would match to one of `fields` although
    /// it is not spelled as that field. Go matches struct fields case-insensitively, with `ſ`
    /// (U+017F) folding to `s` and the Kelvin sign (U+212A) to `k`, and keeps the last of two
    /// members that match one field; sigwall reads members exactly, so a document with such a
    /// member would mean one thing to sigwall and another to containers/image.
    pub(crate) fn go_folded_key<'a>(&'a self, fields: &[&str], maps: &[&str]) -> Option<&'a str> {
        fn go_fold(c: char) -> Option<u8> {
            match c {
                'ſ' => Some(b'S'),
                '\u{212a}' => Some(b'K'),
                c if c.is_ascii() => u8::try_from(c).ok().map(|b| b.to_ascii_uppercase()),
                _ => None,
            }
        }
        fn folds_onto(key: &str, chars: usize, field: &str) -> bool {
            chars == field.len()
                && key != field
                && key
                    .chars()
                    .zip(field.bytes())
                    .all(|(k, f)| go_fold(k) == Some(f.to_ascii_uppercase()))
        }
        match self {
            Value::Object(obj) => obj.iter().find_map(|(key, member)| {
                let chars = key.chars().count();
                if fields.iter().any(|field| folds_onto(key, chars, field)) {
                    return Some(key);
                }
                if maps.contains(&key) {
                    return None;
                }
                member.go_folded_key(fields, maps)
            }),
            Value::Array(items) => items
                .iter()
                .find_map(|item| item.go_folded_key(fields, maps)),
            _ => None,
        }
    }

    /// The kind of value, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Why a document could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The input is larger than the caller allows.
    TooLarge { limit: usize, found: usize },
    /// The input is not JSON, is nested too deeply, has trailing data, or has a duplicate key.
    Syntax(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::TooLarge { limit, found } => {
                write!(f, "input is {found} bytes, more than the limit of {limit}")
            }
            ParseError::Syntax(message) => f.write_str(message),
        }
    }
}

/// Parses one JSON document of at most `limit` bytes.
///
/// serde_json rejects invalid UTF-8, trailing non-whitespace, and nesting deeper than 128
/// levels; numbers too large for an `f64` are errors rather than infinities.
pub(crate) fn parse(input: &[u8], limit: usize) -> Result<Value, ParseError> {
    if input.len() > limit {
        return Err(ParseError::TooLarge {
            limit,
            found: input.len(),
        });
    }
    serde_json::from_slice(input).map_err(|e| ParseError::Syntax(e.to_string()))
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(Number::Unsigned(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(Number::Signed(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        if v.is_finite() {
            Ok(Value::Number(Number::Float(v)))
        } else {
            Err(E::custom("number out of range"))
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(DuplicateKey(key)));
            }
            let value = map.next_value()?;
            members.push((key, value));
        }
        Ok(Value::Object(Object(members)))
    }
}

struct DuplicateKey(String);

impl fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Duplicate key {}",
            crate::error::quoted(&crate::error::excerpt(&self.0))
        )
    }
}

/// A location in a JSON document, such as `transports.docker["example.com"][0].keyPath`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Segment>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Key(Box<str>),
    Index(usize),
}

impl Path {
    /// The document's top level.
    pub(crate) fn root() -> Self {
        Path(Vec::new())
    }

    /// This path extended by an object member.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.into()));
        p
    }

    /// This path extended by an array index.
    pub(crate) fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(index));
        p
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if is_identifier(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => {
                    write!(f, "[{}]", crate::error::quoted(&crate::error::excerpt(k)))?
                }
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Writes `s` as a JSON string literal, escaped exactly as RFC 8785 (JSON canonicalization)
/// requires: `"` and `\`, the short escapes for control characters that have them, `\u00xx`
/// (lower-case hex) for the others, everything else as it is.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let n = c as u32;
                out.push_str("\\u00");
                out.push(char::from_digit(n >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(n & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
