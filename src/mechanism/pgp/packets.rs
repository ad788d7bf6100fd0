//! Packet framing: each packet handed to the one rPGP parser for its type.

extern crate std;

use std::io::{BufRead, Read as _};

use pgp::composed::PacketBodyReader;
use pgp::packet::PacketHeader;

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
        let mut body = PacketBodyReader::new(header, &mut rest).map_err(|_| malformed.clone())?;
        visit(header, &mut body)?;
        let mut rest = [0u8; 1];
        if !matches!(body.read(&mut rest), Ok(0)) {
            return Err(malformed);
        }
    }
    Ok(())
}

/// Reads a packet body to its end, unparsed.
pub(super) fn skip(body: &mut dyn BufRead) -> Result<(), ()> {
    std::io::copy(body, &mut std::io::sink())
        .map(|_| ())
        .map_err(|_| ())
}
