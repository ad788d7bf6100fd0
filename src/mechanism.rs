//! Signature mechanisms: the cryptographic checks that turn untrusted signature bytes into a
//! [`SignatureVerified`](crate::payload::SignatureVerified) proof. Nothing here looks at what a
//! payload says; that is the policy pipeline's job, after verification.

#[cfg(feature = "keyless")]
pub mod bundle;
pub mod cosign;
#[cfg(feature = "pgp")]
pub mod pgp;
pub mod rekor;
#[cfg(feature = "keyless")]
pub mod x509;
