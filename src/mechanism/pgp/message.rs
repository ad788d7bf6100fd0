//! Signed messages: the packets simple signing produces (RFC 9580 §10.3), read one by one.

extern crate std;

use alloc::vec::Vec;
use std::io::Read as _;

use pgp::packet::{CompressedData, LiteralData, OnePassSignature, Signature, SignatureType};
use pgp::types::Tag;

use super::packets::{each_packet, skip};
use super::{PgpRejection, MAX_LITERAL_BYTES};

/// Any failure to decompress.
fn corrupt<E>(_: E) -> PgpRejection {
    PgpRejection::NotASignedMessage("malformed compressed data")
}

/// The packets of a message, in order.
#[derive(Default)]
pub(super) struct SignedMessage {
    literal: Option<LiteralData>,
    signatures: Vec<Signature>,
    /// `O` one-pass signature, `L` literal data, `S` signature.
    order: Vec<u8>,
}

impl SignedMessage {
    /// Reads a binary message; compressed data is opened once (not nested) and read to at
    /// most [`MAX_LITERAL_BYTES`] and a little framing.
    pub(super) fn read(data: &[u8]) -> Result<Self, PgpRejection> {
        let mut message = SignedMessage::default();
        message.read_packets(data, true)?;
        Ok(message)
    }

    fn read_packets(&mut self, data: &[u8], outermost: bool) -> Result<(), PgpRejection> {
        let malformed = PgpRejection::NotASignedMessage("malformed packet stream");
        let mut compressed = false;
        each_packet(data, malformed.clone(), |header, body| {
            let bad = |_| malformed.clone();
            match header.tag() {
                Tag::CompressedData if outermost && !compressed && self.order.is_empty() => {
                    let packet = CompressedData::try_from_reader(header, body).map_err(bad)?;
                    let mut inner = Vec::new();
                    packet
                        .decompress()
                        .map_err(corrupt)?
                        .take(MAX_LITERAL_BYTES + 64 * 1024)
                        .read_to_end(&mut inner)
                        .map_err(corrupt)?;
                    if inner.len() as u64 > MAX_LITERAL_BYTES {
                        return Err(PgpRejection::TooLarge);
                    }
                    compressed = true;
                    self.read_packets(&inner, false)
                }
                _ if compressed => Err(PgpRejection::NotASignedMessage(
                    "packets after the compressed data",
                )),
                Tag::OnePassSignature => {
                    OnePassSignature::try_from_reader(header, body).map_err(bad)?;
                    self.order.push(b'O');
                    Ok(())
                }
                Tag::LiteralData => {
                    let literal = LiteralData::try_from_reader(header, body).map_err(bad)?;
                    if literal.data().len() as u64 > MAX_LITERAL_BYTES {
                        return Err(PgpRejection::TooLarge);
                    }
                    self.literal = Some(literal);
                    self.order.push(b'L');
                    Ok(())
                }
                Tag::Signature => {
                    let signature = Signature::try_from_reader(header, body).map_err(bad)?;
                    self.signatures.push(signature);
                    self.order.push(b'S');
                    Ok(())
                }
                Tag::Marker | Tag::Padding => skip(body).map_err(|()| malformed.clone()),
                Tag::PublicKeyEncryptedSessionKey
                | Tag::SymKeyEncryptedSessionKey
                | Tag::SymEncryptedData
                | Tag::SymEncryptedProtectedData
                | Tag::GnupgAeadData => {
                    Err(PgpRejection::NotASignedMessage("an encrypted message"))
                }
                Tag::CompressedData => Err(PgpRejection::NotASignedMessage(
                    "nested or repeated compressed data",
                )),
                _ => Err(PgpRejection::NotASignedMessage(
                    "a packet that does not belong in a signed message",
                )),
            }
        })
    }

    /// The literal data and its one signature: one-pass signed (one-pass signature, literal,
    /// signature) or old style (signature, literal), over a binary or text document.
    pub(super) fn into_parts(self) -> Result<(LiteralData, Signature), PgpRejection> {
        if self.literal.is_none() {
            return Err(PgpRejection::NotASignedMessage("no literal data"));
        }
        match self.signatures.len() {
            0 => return Err(PgpRejection::NotASignedMessage("no signature")),
            1 => {}
            _ => return Err(PgpRejection::NotASignedMessage("more than one signature")),
        }
        if !(self.order == b"OLS" || self.order == b"SL") {
            return Err(PgpRejection::NotASignedMessage("packets out of order"));
        }
        let (Some(literal), Some(signature)) = (self.literal, self.signatures.into_iter().next())
        else {
            return Err(PgpRejection::NotASignedMessage("no signature"));
        };
        if !matches!(
            signature.typ(),
            Some(SignatureType::Binary | SignatureType::Text)
        ) {
            return Err(PgpRejection::NotASignedMessage(
                "not a signature over a document",
            ));
        }
        Ok((literal, signature))
    }
}
