//! The two small pieces of DER the core reads itself: an ECDSA `Ecdsa-Sig-Value` and, when
//! the general SubjectPublicKeyInfo parser is not built in, whether bytes are a DER SEQUENCE
//! at all (to tell an unsupported key from garbage).

/// `r ‖ s`, each left-padded to `W / 2` bytes, from a DER `SEQUENCE { INTEGER r, INTEGER s }`.
/// Strict DER as Go's `encoding/asn1` and `cryptobyte` read it: definite minimal lengths,
/// minimal positive integers, nothing after the sequence. `None` for anything else.
pub(super) fn ecdsa_signature<const W: usize>(der: &[u8]) -> Option<[u8; W]> {
    let (tag, body, rest) = tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (r, body) = integer(body)?;
    let (s, body) = integer(body)?;
    if !body.is_empty() {
        return None;
    }
    let half = W / 2;
    let mut out = [0u8; W];
    out.get_mut(half.checked_sub(r.len())?..half)?
        .copy_from_slice(r);
    out.get_mut(W.checked_sub(s.len())?..)?.copy_from_slice(s);
    Some(out)
}

/// One tag-length-value: `(tag, value, what follows)`.
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        // Long form, one or two length bytes, only for lengths that need them.
        0x81 => {
            let (&len, rest) = rest.split_first()?;
            if len < 0x80 {
                return None;
            }
            (usize::from(len), rest)
        }
        0x82 => {
            let (&[high, low], rest) = rest.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_be_bytes([high, low]));
            if len < 0x100 {
                return None;
            }
            (len, rest)
        }
        _ => return None,
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((tag, value, rest))
}

/// A positive INTEGER's magnitude (without the sign byte) and what follows it.
fn integer(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, value, rest) = tlv(der)?;
    if tag != 0x02 {
        return None;
    }
    let magnitude = match value {
        // Negative, or empty.
        [] | [0x80..=0xff, ..] => return None,
        // A leading zero only where the next byte would read as a sign bit.
        [0x00, next, ..] if *next < 0x80 => return None,
        [0x00, magnitude @ ..] => magnitude,
        _ => value,
    };
    Some((magnitude, rest))
}

/// The error for a key that is not P-256, without the general parser: a DER SEQUENCE is taken
/// for a key of another type, anything else for garbage.
#[cfg(not(feature = "keys"))]
pub(super) fn spki_error(der: &[u8]) -> super::KeyError {
    match tlv(der) {
        Some((0x30, _, [])) => super::KeyError::Unsupported,
        _ => super::KeyError::Invalid,
    }
}
