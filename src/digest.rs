//! OCI content digests: parsing `algorithm:encoded`, computing, and checking streamed content.
//!
//! The grammar is the OCI image specification's (`descriptor.md`, "Digests"):
//!
//! ```text
//! digest                ::= algorithm ":" encoded
//! algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
//! algorithm-component   ::= [a-z0-9]+
//! algorithm-separator   ::= [+._-]
//! encoded               ::= [a-zA-Z0-9=_-]+
//! ```
//!
//! and the registered algorithms sigwall implements are `sha256` (64 lowercase hex characters)
//! and `sha512` (128). A string outside the grammar, or a registered algorithm with a wrong
//! encoding, is [`DigestError::Invalid`]; a well-formed digest with any other algorithm is
//! [`DigestError::Unsupported`].

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use sha2::Digest as _;

use crate::error::{excerpt, ApiMisuse, DigestError, Error};

/// The longest digest output sigwall implements, in bytes (SHA-512).
const MAX_OUTPUT_LEN: usize = 64;

/// A digest algorithm sigwall can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-256, the algorithm of nearly every registry and of every signature payload.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as it appears before the `:` of a digest.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The length of the algorithm's output in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    /// Looks up an algorithm by the name used in digests.
    ///
    /// # Errors
    ///
    /// [`DigestError::Invalid`] if `name` is not a valid algorithm per the OCI grammar,
    /// [`DigestError::Unsupported`] if it is valid but not implemented.
    pub fn from_name(name: &str) -> Result<Self, DigestError> {
        match name {
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            _ if is_algorithm(name) => Err(DigestError::Unsupported {
                algorithm: excerpt(name),
            }),
            _ => Err(DigestError::Invalid {
                input: excerpt(name),
                reason: "not a digest algorithm name",
            }),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed content digest. Two digests are equal when both their algorithms and their values
/// are equal; the string they were parsed from plays no part.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    // Only the first `algorithm.output_len()` bytes are used; the rest stay zero, so the derived
    // equality compares exactly the value.
    bytes: [u8; MAX_OUTPUT_LEN],
}

impl Digest {
    /// Parses a digest string such as `sha256:e3b0c442…`.
    ///
    /// # Errors
    ///
    /// [`DigestError::Invalid`] when the string does not follow the OCI grammar or its encoded
    /// part is not the lowercase hex of the right length, [`DigestError::Unsupported`] when its
    /// algorithm is not `sha256` or `sha512`.
    pub fn parse(input: &str) -> Result<Self, DigestError> {
        let invalid = |reason| DigestError::Invalid {
            input: excerpt(input),
            reason,
        };
        let (name, encoded) = input
            .split_once(':')
            .ok_or_else(|| invalid("missing ':' between algorithm and encoded value"))?;
        if !is_algorithm(name) {
            return Err(invalid("the algorithm must be lowercase letters and digits, optionally separated by one of +._-"));
        }
        if !is_encoded(encoded) {
            return Err(invalid(
                "the encoded value must be a non-empty run of letters, digits, '=', '_' or '-'",
            ));
        }
        let algorithm = Algorithm::from_name(name)?;
        let len = algorithm.output_len();
        if encoded.len() != 2 * len {
            return Err(invalid(match algorithm {
                Algorithm::Sha256 => "a sha256 digest has exactly 64 hex characters",
                Algorithm::Sha512 => "a sha512 digest has exactly 128 hex characters",
            }));
        }
        let mut bytes = [0u8; MAX_OUTPUT_LEN];
        let out = bytes
            .get_mut(..len)
            .ok_or_else(|| invalid("digest too long"))?;
        base16ct::lower::decode(encoded, out)
            .map_err(|_| invalid("the encoded value must be lowercase hex"))?;
        Ok(Digest { algorithm, bytes })
    }

    /// Computes the digest of `data` with `algorithm`.
    ///
    /// WARNING: for large inputs in WebAssembly prefer a [`Hasher`] fed in chunks; see the
    /// JavaScript layer for why.
    pub fn compute(algorithm: Algorithm, data: &[u8]) -> Self {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(data);
        hasher.finalize()
    }

    /// Computes the SHA-256 digest of `data`.
    pub fn sha256(data: &[u8]) -> Self {
        Self::compute(Algorithm::Sha256, data)
    }

    /// The digest's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw digest value (32 bytes for SHA-256, 64 for SHA-512).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..self.algorithm.output_len())
            .unwrap_or(&self.bytes)
    }

    /// The encoded (hex) part of the digest, without the algorithm.
    pub fn hex(&self) -> String {
        base16ct::lower::encode_string(self.as_bytes())
    }

    /// Checks that `data` hashes to this digest.
    ///
    /// # Errors
    ///
    /// [`DigestError::Mismatch`] with both digests when it does not.
    pub fn verify(&self, data: &[u8]) -> Result<(), DigestError> {
        let found = Digest::compute(self.algorithm, data);
        if found == *self {
            Ok(())
        } else {
            Err(DigestError::Mismatch {
                expected: Box::new(*self),
                found: Box::new(found),
            })
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm.name())?;
        f.write_str(":")?;
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

/// `[a-z0-9]+ ([+._-] [a-z0-9]+)*`
fn is_algorithm(name: &str) -> bool {
    let component =
        |c: &str| !c.is_empty() && c.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'));
    name.split(['+', '.', '_', '-']).all(component)
}

/// `[a-zA-Z0-9=_-]+`
fn is_encoded(encoded: &str) -> bool {
    !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

/// An incremental hasher for one of the supported algorithms.
#[derive(Clone)]
pub struct Hasher {
    state: HasherState,
    len: u64,
}

#[derive(Clone)]
enum HasherState {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A hasher that has seen no bytes yet.
    pub fn new(algorithm: Algorithm) -> Self {
        let state = match algorithm {
            Algorithm::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
        };
        Hasher { state, len: 0 }
    }

    /// The hasher's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.state {
            HasherState::Sha256(_) => Algorithm::Sha256,
            HasherState::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// Adds `data` to the hashed content.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Sha256(h) => h.update(data),
            HasherState::Sha512(h) => h.update(data),
        }
        self.len = self.len.saturating_add(data.len() as u64);
    }

    /// How many bytes have been hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no bytes have been hashed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything hashed.
    pub fn finalize(self) -> Digest {
        let algorithm = self.algorithm();
        let mut bytes = [0u8; MAX_OUTPUT_LEN];
        match self.state {
            HasherState::Sha256(h) => copy_prefix(&mut bytes, &h.finalize()),
            HasherState::Sha512(h) => copy_prefix(&mut bytes, &h.finalize()),
        }
        Digest { algorithm, bytes }
    }
}

fn copy_prefix(out: &mut [u8; MAX_OUTPUT_LEN], value: &[u8]) {
    for (o, v) in out.iter_mut().zip(value) {
        *o = *v;
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &self.algorithm())
            .field("len", &self.len)
            .finish()
    }
}

/// Checks streamed content against an expected digest and, optionally, an expected size.
///
/// Feed it with [`update`](Self::update); it fails as soon as the content grows past the
/// expected size, and [`finish`](Self::finish) fails when the total is short or the digest
/// differs.
///
/// WARNING: until `finish` returns `Ok`, nothing fed so far is verified. A caller that passes
/// content on while it streams must hold back the last part until `finish` succeeds, so that a
/// consumer never receives the complete tampered content (the JavaScript `blobGuard` does).
#[derive(Clone, Debug)]
pub struct DigestVerifier {
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Option<Hasher>,
}

impl DigestVerifier {
    /// A verifier for content that must hash to `expected` and, when given, be exactly
    /// `expected_size` bytes long.
    pub fn new(expected: Digest, expected_size: Option<u64>) -> Self {
        DigestVerifier {
            expected,
            expected_size,
            hasher: Some(Hasher::new(expected.algorithm())),
        }
    }

    /// The digest the content must have.
    pub fn expected(&self) -> &Digest {
        &self.expected
    }

    /// Hashes the next part of the content.
    ///
    /// # Errors
    ///
    /// [`DigestError::TooLong`] when the content goes past the expected size (the verifier is
    /// then finished), [`ApiMisuse::AlreadyFinished`] after the verifier finished.
    pub fn update(&mut self, data: &[u8]) -> Result<(), Error> {
        let hasher = self.hasher.as_mut().ok_or(ApiMisuse::AlreadyFinished)?;
        if let Some(expected) = self.expected_size {
            if hasher.len().saturating_add(data.len() as u64) > expected {
                self.hasher = None;
                return Err(DigestError::TooLong { expected }.into());
            }
        }
        hasher.update(data);
        Ok(())
    }

    /// How many bytes have been hashed so far (0 once finished).
    pub fn len(&self) -> u64 {
        self.hasher.as_ref().map_or(0, Hasher::len)
    }

    /// Whether no bytes have been hashed yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends the content and checks it; the verifier cannot be used afterwards.
    ///
    /// # Errors
    ///
    /// [`DigestError::TooShort`] when the content is shorter than the expected size,
    /// [`DigestError::Mismatch`] when it hashes to another digest,
    /// [`ApiMisuse::AlreadyFinished`] when called a second time.
    pub fn finish(&mut self) -> Result<Digest, Error> {
        let hasher = self.hasher.take().ok_or(ApiMisuse::AlreadyFinished)?;
        if let Some(expected) = self.expected_size {
            if hasher.len() != expected {
                return Err(DigestError::TooShort {
                    expected,
                    found: hasher.len(),
                }
                .into());
            }
        }
        let found = hasher.finalize();
        if found == self.expected {
            Ok(found)
        } else {
            Err(DigestError::Mismatch {
                expected: Box::new(self.expected),
                found: Box::new(found),
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests;
