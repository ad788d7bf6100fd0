//! Packet framing: each packet handed to the one rPGP parser for its type.

extern crate std;

use std::io::{BufRead, Read as _};

use alloc::vec::Vec;

use pgp::composed::PacketBodyReader;
use pgp::packet::PacketHeader;
use pgp::types::{PacketLength, Tag};

/// Calls `visit` with each packet of a binary packet stream; the parser `visit` picks must
/// read the packet to its end, and the stream must end where a packet ends. rPGP's generic
/// packet and message parsers are not used: they reach every packet type (secret keys,
/// encrypted data and their ciphers).
pub(super) fn each_packet<E: Clone>(
    input: &[u8],
    malformed: E,
    mut visit: impl FnMut(PacketHeader, &mut dyn BufRead) -> Result<(), E>,
) -> Result<(), E> {
    let mut rest = input;
    while !rest.is_empty() {
        let header = PacketHeader::try_from_reader(&mut rest).map_err(|_| malformed.clone())?;
        if let PacketLength::Partial(first) = header.packet_length() {
            // Joined here rather than by rPGP, which refuses a first chunk under RFC 4880's
            // 512 octets: Go's OpenPGP writer makes such chunks, and GnuPG reads them. Only
            // data packets may have partial lengths (the ones rPGP allows); the visitor then
            // says what an encrypted one is.
            if !matches!(
                header.tag(),
                Tag::LiteralData
                    | Tag::CompressedData
                    | Tag::SymEncryptedData
                    | Tag::SymEncryptedProtectedData
                    | Tag::GnupgAeadData
            ) {
                return Err(malformed);
            }
            let joined = join_partial(&mut rest, first).ok_or_else(|| malformed.clone())?;
            let len = u32::try_from(joined.len()).map_err(|_| malformed.clone())?;
            let fixed = PacketHeader::new_fixed(header.tag(), len);
            let mut body: &[u8] = &joined;
            visit(fixed, &mut body)?;
            if !body.is_empty() {
                return Err(malformed);
            }
            continue;
        }
        let mut body = PacketBodyReader::new(header, &mut rest).map_err(|_| malformed.clone())?;
        visit(header, &mut body)?;
        let mut rest = [0u8; 1];
        if !matches!(body.read(&mut rest), Ok(0)) {
            return Err(malformed);
        }
    }
    Ok(())
}

/// The body of a packet in partial-body lengths (RFC 9580 §4.2.1.4): chunks of `first`, then
/// of each further partial length, then a last one of a fixed length. Any power of two is a
/// chunk length, as GnuPG takes it; the input is already in memory, so the body is no longer
/// than it.
fn join_partial(rest: &mut &[u8], first: u32) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let mut len = usize::try_from(first).ok()?;
    loop {
        let (chunk, after) = rest.split_at_checked(len)?;
        body.extend_from_slice(chunk);
        *rest = after;
        let (&octet, after) = rest.split_first()?;
        *rest = after;
        match octet {
            0..=191 => len = usize::from(octet),
            192..=223 => {
                let (&second, after) = rest.split_first()?;
                *rest = after;
                len = ((usize::from(octet) - 192) << 8) + usize::from(second) + 192;
            }
            224..=254 => {
                len = 1 << (octet & 0x1f);
                continue;
            }
            255 => {
                let (four, after) = rest.split_first_chunk::<4>()?;
                *rest = after;
                len = usize::try_from(u32::from_be_bytes(*four)).ok()?;
            }
        }
        let (last, after) = rest.split_at_checked(len)?;
        body.extend_from_slice(last);
        *rest = after;
        return Some(body);
    }
}

/// Reads a packet body to its end, unparsed.
pub(super) fn skip(body: &mut dyn BufRead) -> Result<(), ()> {
    std::io::copy(body, &mut std::io::sink())
        .map(|_| ())
        .map_err(|_| ())
}
