//! Reading protobuf's JSON mapping (what Sigstore bundles and trusted roots are written in) off
//! sigwall's strict JSON model: `bytes` fields are base64 (standard or URL-safe, padded or not),
//! 64-bit integers are strings or numbers, timestamps are RFC 3339. Unknown members are ignored
//! as protobuf's JSON readers in sigstore-js and sigstore-python ignore them; what a member
//! that is read holds is checked strictly. Every error names the member's path.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::json::{Object, Value};

/// A reading error: what is wrong, at which path.
pub(super) type Malformed = String;

pub(super) fn get<'v>(obj: &'v Object, key: &str, path: &str) -> Result<&'v Value, Malformed> {
    match obj.get(key) {
        Some(Value::Null) | None => Err(format!("{path}.{key} is missing")),
        Some(v) => Ok(v),
    }
}

pub(super) fn optional<'v>(obj: &'v Object, key: &str) -> Option<&'v Value> {
    match obj.get(key) {
        Some(Value::Null) | None => None,
        Some(v) => Some(v),
    }
}

pub(super) fn as_object<'v>(value: &'v Value, path: &str) -> Result<&'v Object, Malformed> {
    match value {
        Value::Object(o) => Ok(o),
        other => Err(format!("{path} is {}, not an object", other.kind())),
    }
}

pub(super) fn object<'v>(obj: &'v Object, key: &str, path: &str) -> Result<&'v Object, Malformed> {
    as_object(get(obj, key, path)?, &format!("{path}.{key}"))
}

pub(super) fn array<'v>(obj: &'v Object, key: &str, path: &str) -> Result<&'v [Value], Malformed> {
    match optional(obj, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{path}.{key} is {}, not an array", other.kind())),
    }
}

pub(super) fn string<'v>(obj: &'v Object, key: &str, path: &str) -> Result<&'v str, Malformed> {
    match get(obj, key, path)? {
        Value::String(s) => Ok(s),
        other => Err(format!("{path}.{key} is {}, not a string", other.kind())),
    }
}

pub(super) fn optional_string<'v>(
    obj: &'v Object,
    key: &str,
    path: &str,
) -> Result<Option<&'v str>, Malformed> {
    optional(obj, key)
        .map(|_| string(obj, key, path))
        .transpose()
}

/// A `bytes` field.
pub(super) fn bytes(obj: &Object, key: &str, path: &str) -> Result<Vec<u8>, Malformed> {
    decode_base64(string(obj, key, path)?)
        .ok_or_else(|| format!("{path}.{key} is not valid base64"))
}

/// Base64 as protobuf's JSON mapping accepts it: either alphabet, padding optional.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64ct::Encoding as _;
    let unpadded = text.trim_end_matches('=');
    if text.len() - unpadded.len() > 2 {
        return None;
    }
    if unpadded.contains(['-', '_']) {
        base64ct::Base64UrlUnpadded::decode_vec(unpadded).ok()
    } else {
        base64ct::Base64Unpadded::decode_vec(unpadded).ok()
    }
}

/// An `int64`/`uint64` field: a JSON string of decimal digits, or a JSON integer.
pub(super) fn integer(obj: &Object, key: &str, path: &str) -> Result<i64, Malformed> {
    let bad = || format!("{path}.{key} is not a 64-bit integer");
    match get(obj, key, path)? {
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<i64>().map_err(|_| bad())
        }
        Value::Number(n) => n.as_i64().ok_or_else(bad),
        _ => Err(bad()),
    }
}

pub(super) fn optional_integer(
    obj: &Object,
    key: &str,
    path: &str,
) -> Result<Option<i64>, Malformed> {
    optional(obj, key)
        .map(|_| integer(obj, key, path))
        .transpose()
}

/// An RFC 3339 timestamp (`google.protobuf.Timestamp`'s JSON form), as seconds since the epoch;
/// fractions of a second are dropped.
pub(super) fn timestamp(text: &str) -> Option<i64> {
    fn number(s: &str) -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    }
    let (date, rest) = text.split_once(['T', 't'])?;
    // RFC 3339: four-digit years, two-digit fields (which also keeps the arithmetic below in
    // range: no year of more digits can overflow it).
    let mut parts = date.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    let (clock, offset) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (clock, zone) = rest.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone.get(1..)?.split_once(':')?;
        (clock, sign * (number(h)? * 3600 + number(m)? * 60))
    };
    let clock = clock.split_once('.').map_or(clock, |(whole, fraction)| {
        if number(fraction).is_some() {
            whole
        } else {
            ""
        }
    });
    let mut hms = clock.splitn(3, ':');
    let (hour, minute, second) = (
        number(hms.next()?)?,
        number(hms.next()?)?,
        number(hms.next()?)?,
    );
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_rfc_3339() {
        assert_eq!(timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(timestamp("2025-06-01T12:00:00Z"), Some(1_748_779_200));
        assert_eq!(
            timestamp("2025-06-01T12:00:00.123456Z"),
            Some(1_748_779_200)
        );
        assert_eq!(timestamp("2025-06-01T14:00:00+02:00"), Some(1_748_779_200));
        assert_eq!(timestamp("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-06-01 12:00:00Z",
            "2025-06-01T12:00:00",
            "2025-06-01T12:00:00.Z",
            "2025-06-01T24:00:00Z",
            "99999999999999999-06-01T00:00:00Z",
            "",
        ] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn base64_in_either_alphabet() {
        assert_eq!(decode_base64("+/8="), Some(alloc::vec![0xfb, 0xff]));
        assert_eq!(decode_base64("-_8"), Some(alloc::vec![0xfb, 0xff]));
        assert_eq!(decode_base64("+/8==="), None);
        assert_eq!(decode_base64("+/8*"), None);
    }
}
