//! Errors for bad input and API misuse, and the stable codes every outcome is reported with.
//!
//! Three kinds of outcome are kept apart in sigwall: a *denial* is a normal verdict, *bad input*
//! is an [`Error`], and *API misuse* is [`Error::ApiMisuse`]. Every error and every rejection
//! carries a [`Code`]: a SCREAMING_SNAKE string defined once, here, that the JavaScript layer,
//! the CLI and the verdict JSON all repeat verbatim.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use crate::digest::Digest;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// A stable, machine-readable code for an error or a rejection.
        ///
        /// The strings never change meaning once released; new codes may be added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as it appears in JSON, in JavaScript and on the command line.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $text, )*
                }
            }
        }
    };
}

codes! {
    /// A digest string does not follow the OCI grammar, or its encoded part is not the
    /// lowercase hex of the right length for its algorithm.
    DigestInvalid = "DIGEST_INVALID",
    /// A well-formed digest uses an algorithm sigwall does not implement.
    DigestUnsupported = "DIGEST_UNSUPPORTED",
    /// Content does not hash to the digest it was expected to have.
    DigestMismatch = "DIGEST_MISMATCH",
    /// Content is longer or shorter than the size it was expected to have.
    SizeMismatch = "SIZE_MISMATCH",
    /// The API was used in a way it does not allow (for example, a finished hasher was fed).
    ApiMisuse = "API_MISUSE",
    /// A docker image reference is malformed.
    ReferenceInvalid = "REFERENCE_INVALID",
    /// A policy (containers-policy.json) is malformed or inconsistent.
    PolicyInvalid = "POLICY_INVALID",
    /// The image's manifest does not exist.
    ManifestUnknown = "MANIFEST_UNKNOWN",
    /// A manifest is malformed or too large.
    ManifestInvalid = "MANIFEST_INVALID",
    /// The `reject` requirement denied the image.
    RejectedByPolicy = "REJECTED_BY_POLICY",
    /// A signature was required, but no signature exists.
    NoSignatures = "NO_SIGNATURES",
    /// Signatures exist, but none was accepted.
    NoAcceptedSignature = "NO_ACCEPTED_SIGNATURE",
    /// A requirement, option or format that sigwall (or containers/image) does not implement:
    /// always a denial, never an allow.
    Unsupported = "UNSUPPORTED",
    /// A signature in a format sigwall cannot verify yet (a Sigstore bundle found as an OCI
    /// referrer): reported in the verdict, never ignored, never accepted.
    UnsupportedFormat = "UNSUPPORTED_FORMAT",
    /// A state that should be impossible; sigwall denies rather than guess.
    Internal = "INTERNAL",
    /// A signature container (a cosign signature manifest or layer) is malformed.
    SignatureInvalid = "SIGNATURE_INVALID",
    /// A signature did not verify with any trusted key.
    BadSignature = "BAD_SIGNATURE",
    /// A verified signature's payload is not a valid signature payload.
    PayloadInvalid = "PAYLOAD_INVALID",
    /// A verified signature claims an identity the policy does not accept for this image.
    IdentityMismatch = "IDENTITY_MISMATCH",
    /// A trusted key in the policy cannot be parsed or is of an unsupported type.
    KeyInvalid = "KEY_INVALID",
    /// A key file the policy names does not exist.
    KeyFileMissing = "KEY_FILE_MISSING",
    /// The key that made a signature is revoked.
    KeyRevoked = "KEY_REVOKED",
    /// The key that made a signature has expired.
    KeyExpired = "KEY_EXPIRED",
    /// The signature has expired.
    SignatureExpired = "SIGNATURE_EXPIRED",
    /// A signature's certificate does not verify: malformed, not issued through a trusted CA,
    /// not valid at the signing time, or not for code signing.
    CertificateInvalid = "CERTIFICATE_INVALID",
    /// A signature's certificate verified but names another signer than the policy requires
    /// (OIDC issuer, e-mail, host name).
    CertificateMismatch = "CERTIFICATE_MISMATCH",
    /// A transparency log entry does not prove that the signature was logged: its inclusion
    /// proof, checkpoint or promise does not verify with a log of the trusted root, or it
    /// records another signature, signer or artifact.
    LogEntryInvalid = "LOG_ENTRY_INVALID",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bad input, or misuse of the API. A denial by policy is never an `Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A digest could not be parsed, or content did not match one.
    Digest(DigestError),
    /// The caller broke the API's rules.
    ApiMisuse(ApiMisuse),
    /// An image reference could not be parsed.
    Reference(ReferenceError),
    /// A policy could not be parsed.
    Policy(PolicyError),
    /// A manifest is missing, malformed or not supported.
    Manifest(ManifestError),
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Digest(e) => e.code(),
            Error::ApiMisuse(_) => Code::ApiMisuse,
            Error::Reference(_) => Code::ReferenceInvalid,
            Error::Policy(_) => Code::PolicyInvalid,
            Error::Manifest(e) => e.code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Digest(e) => e.fmt(f),
            Error::ApiMisuse(e) => e.fmt(f),
            Error::Reference(e) => e.fmt(f),
            Error::Policy(e) => e.fmt(f),
            Error::Manifest(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for Error {}

impl From<DigestError> for Error {
    fn from(e: DigestError) -> Self {
        Error::Digest(e)
    }
}

impl From<ApiMisuse> for Error {
    fn from(e: ApiMisuse) -> Self {
        Error::ApiMisuse(e)
    }
}

impl From<ReferenceError> for Error {
    fn from(e: ReferenceError) -> Self {
        Error::Reference(e)
    }
}

impl From<PolicyError> for Error {
    fn from(e: PolicyError) -> Self {
        Error::Policy(e)
    }
}

impl From<ManifestError> for Error {
    fn from(e: ManifestError) -> Self {
        Error::Manifest(e)
    }
}

/// A manifest that is missing, malformed or not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestError {
    /// The registry (or saved copy) has no such image.
    Unknown {
        /// The image as requested.
        image: String,
    },
    /// The manifest is larger than sigwall reads.
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The manifest is not a JSON object.
    Invalid {
        /// Why.
        reason: String,
    },
    /// The image index lists no instance for the platform asked for.
    NoInstance {
        /// containers/image's wording, naming the platform.
        reason: String,
    },
}

impl ManifestError {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            ManifestError::Unknown { .. } => Code::ManifestUnknown,
            ManifestError::TooLarge { .. } | ManifestError::Invalid { .. } => Code::ManifestInvalid,
            ManifestError::NoInstance { .. } => Code::ManifestUnknown,
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::Unknown { image } => write!(f, "manifest unknown: {image}"),
            ManifestError::TooLarge { size } => {
                write!(f, "manifest is {size} bytes, more than the 4 MiB limit")
            }
            ManifestError::Invalid { reason } => write!(f, "invalid manifest: {reason}"),
            ManifestError::NoInstance { reason } => f.write_str(reason),
        }
    }
}

impl core::error::Error for ManifestError {}

/// A docker reference that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceError {
    /// The offending input, shortened for display when it is long.
    pub input: String,
    /// What is wrong with it, in docker/reference's words where it has them.
    pub reason: &'static str,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid image reference {}: {}",
            quoted(&self.input),
            self.reason
        )
    }
}

impl core::error::Error for ReferenceError {}

/// A policy that cannot be parsed: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The JSON path of the offending value, such as `transports.docker["example.com"][0]`.
    pub path: String,
    /// What is wrong, in containers/image's words where it has them.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid policy at {}: {}", self.path, self.message)
    }
}

impl core::error::Error for PolicyError {}

impl PolicyError {
    /// The stable code of this error (`POLICY_INVALID`).
    pub fn code(&self) -> Code {
        Code::PolicyInvalid
    }
}

impl ReferenceError {
    /// The stable code of this error (`REFERENCE_INVALID`).
    pub fn code(&self) -> Code {
        Code::ReferenceInvalid
    }
}

/// A digest that cannot be parsed, or content that does not match its expected digest or size.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestError {
    /// The string is not `algorithm:encoded` as the OCI image specification defines it, or the
    /// encoded part is wrong for its algorithm.
    Invalid {
        /// The offending input, shortened for display when it is long.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The digest is well-formed but its algorithm is not implemented.
    Unsupported {
        /// The algorithm as written, shortened for display when it is long.
        algorithm: String,
    },
    /// The content hashed to another digest.
    Mismatch {
        /// The digest the content was expected to have.
        expected: Box<Digest>,
        /// The digest the content has.
        found: Box<Digest>,
    },
    /// The content ended before reaching the expected size.
    TooShort {
        /// The expected size in bytes.
        expected: u64,
        /// The size of the content that was received.
        found: u64,
    },
    /// The content went past the expected size.
    TooLong {
        /// The expected size in bytes.
        expected: u64,
    },
}

impl DigestError {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            DigestError::Invalid { .. } => Code::DigestInvalid,
            DigestError::Unsupported { .. } => Code::DigestUnsupported,
            DigestError::Mismatch { .. } => Code::DigestMismatch,
            DigestError::TooShort { .. } | DigestError::TooLong { .. } => Code::SizeMismatch,
        }
    }
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::Invalid { input, reason } => {
                write!(f, "invalid digest {}: {reason}", quoted(input))
            }
            DigestError::Unsupported { algorithm } => {
                write!(
                    f,
                    "unsupported digest algorithm {} (supported: sha256, sha512)",
                    quoted(algorithm)
                )
            }
            DigestError::Mismatch { expected, found } => {
                write!(
                    f,
                    "content digest {found} does not match expected {expected}"
                )
            }
            DigestError::TooShort { expected, found } => {
                write!(
                    f,
                    "content ended after {found} bytes, expected {expected} bytes"
                )
            }
            DigestError::TooLong { expected } => {
                write!(f, "content is longer than the expected {expected} bytes")
            }
        }
    }
}

impl core::error::Error for DigestError {}

/// Ways of using the API that it does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// A hasher or verifier was used after it produced its result.
    AlreadyFinished,
    /// An expected size that is not a non-negative integer (from JavaScript, where numbers are
    /// floating point).
    InvalidSize,
    /// An answer for a need the session did not ask for, or already has an answer for.
    UnknownNeed,
    /// `finish` was called while needs are still outstanding.
    NotReady,
    /// A platform that is not `os/arch` or `os/arch/variant`.
    InvalidPlatform,
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiMisuse::AlreadyFinished => f.write_str("this has already been finished"),
            ApiMisuse::InvalidSize => {
                f.write_str("an expected size must be a non-negative safe integer")
            }
            ApiMisuse::UnknownNeed => {
                f.write_str("no outstanding need has this id (unknown, or already answered)")
            }
            ApiMisuse::NotReady => {
                f.write_str("the session still has outstanding needs; answer them before finishing")
            }
            ApiMisuse::InvalidPlatform => {
                f.write_str("a platform is os/arch or os/arch/variant, such as linux/arm64/v8")
            }
        }
    }
}

/// At most this many characters of untrusted input are repeated in an error message.
const EXCERPT_CHARS: usize = 80;

/// A copy of `input` short enough to repeat in an error message.
pub(crate) fn excerpt(input: &str) -> String {
    let mut out = String::new();
    for (n, ch) in input.chars().enumerate() {
        if n == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        out.push(ch);
    }
    out
}

/// `input` in double quotes, escaped as a JSON string, for messages that quote what they name
/// (as Go's `%q` does). Not `{:?}`: Rust's debug escaping would link Unicode tables into the
/// core module for no visible difference.
pub(crate) fn quoted(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 2);
    crate::json::write_string(&mut out, input);
    out
}

#[cfg(test)]
mod tests;
