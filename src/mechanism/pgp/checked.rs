//! The public-key arithmetic behind every OpenPGP signature sigwall checks.
//!
//! rPGP hashes what a signature covers and then asks the key to check the hash
//! ([`VerifyingKey::verify`]). Its own keys answer with a verifier for every algorithm and curve
//! rPGP knows; [`Checked`] answers with the ones simple signing meets in practice, so only those
//! are linked: RSA (PKCS #1 v1.5), Ed25519 (legacy EdDSA and RFC 9580 native) and ECDSA over
//! NIST P-256 and P-384. Anything else is an unsupported algorithm: the signature does not verify.

extern crate std;

use alloc::string::String;
use std::io;

use pgp::crypto::hash::HashAlgorithm;
use pgp::ser::Serialize;
use pgp::types::{
    EcdsaPublicParams, EddsaLegacyPublicParams, Fingerprint, KeyDetails, KeyId, KeyVersion, Mpi,
    PublicParams, SignatureBytes, Timestamp, VerifyingKey,
};

/// A key (primary or subkey) whose signatures are checked by [`check`], with what was
/// prepared for it once ([`Prepared::new`] of its own parameters).
#[derive(Debug)]
pub(super) struct Checked<'a, K>(pub(super) &'a K, pub(super) &'a Prepared);

/// What every signature check of one key can reuse: for RSA, the modulus with its Montgomery
/// constants (a third of a verification's arithmetic when made per signature); for ECDSA
/// P-256 and P-384, the key's tables of multiples (more than half of it).
#[derive(Debug, Default)]
pub(super) enum Prepared {
    Rsa(sigwall_rsa::PublicKey),
    P256(sigwall_ecdsa::p256::VerifyingKey),
    P384(sigwall_ecdsa::p384::VerifyingKey),
    /// Nothing to reuse (other key types), or an RSA or ECDSA key that could not be prepared,
    /// whose signatures then never verify.
    #[default]
    None,
}

impl Prepared {
    pub(super) fn new(params: &PublicParams) -> Prepared {
        let prepared = match params {
            PublicParams::RSA(key) => rsa_key(&key.key).map(Prepared::Rsa),
            PublicParams::ECDSA(EcdsaPublicParams::P256 { key }) => {
                p256_key(key).map(Prepared::P256)
            }
            PublicParams::ECDSA(EcdsaPublicParams::P384 { key }) => {
                use p384::elliptic_curve::sec1::ToEncodedPoint as _;
                sigwall_ecdsa::p384::VerifyingKey::from_sec1_uncompressed(
                    key.to_encoded_point(false).as_bytes(),
                )
                .map(Prepared::P384)
            }
            _ => None,
        };
        prepared.unwrap_or_default()
    }
}

fn rsa_key(key: &rsa::RsaPublicKey) -> Option<sigwall_rsa::PublicKey> {
    use rsa::traits::PublicKeyParts as _;
    sigwall_rsa::PublicKey::new(&key.n().to_bytes_be(), &key.e().to_bytes_be()).ok()
}

fn p256_key(key: &p256::PublicKey) -> Option<sigwall_ecdsa::p256::VerifyingKey> {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    sigwall_ecdsa::p256::VerifyingKey::from_sec1_uncompressed(
        key.to_encoded_point(false).as_bytes(),
    )
}

impl<K: KeyDetails> KeyDetails for Checked<'_, K> {
    fn version(&self) -> KeyVersion {
        self.0.version()
    }
    fn legacy_key_id(&self) -> KeyId {
        self.0.legacy_key_id()
    }
    fn fingerprint(&self) -> Fingerprint {
        self.0.fingerprint()
    }
    fn algorithm(&self) -> pgp::crypto::public_key::PublicKeyAlgorithm {
        self.0.algorithm()
    }
    fn created_at(&self) -> Timestamp {
        self.0.created_at()
    }
    fn legacy_v3_expiration_days(&self) -> Option<u16> {
        self.0.legacy_v3_expiration_days()
    }
    fn public_params(&self) -> &PublicParams {
        self.0.public_params()
    }
}

impl<K: Serialize> Serialize for Checked<'_, K> {
    fn to_writer<W: io::Write>(&self, w: &mut W) -> pgp::errors::Result<()> {
        self.0.to_writer(w)
    }
    fn write_len(&self) -> usize {
        self.0.write_len()
    }
}

impl<K: KeyDetails> VerifyingKey for Checked<'_, K> {
    fn verify(
        &self,
        hash: HashAlgorithm,
        hashed: &[u8],
        signature: &SignatureBytes,
    ) -> pgp::errors::Result<()> {
        check(self.0.public_params(), self.1, hash, hashed, signature)
            .map_err(|why| pgp::errors::Error::from(String::from(why)))
    }
}

/// The signature's integers, when it has exactly `N` of them.
fn mpis<const N: usize>(signature: &SignatureBytes) -> Result<&[Mpi; N], &'static str> {
    let mpis: &[Mpi] = signature
        .try_into()
        .map_err(|_| "not an MPI-encoded signature")?;
    mpis.try_into()
        .map_err(|_| "wrong number of signature values")
}

/// `r ‖ s`, each left-padded to `half` bytes (OpenPGP strips leading zeros from MPIs).
fn fixed_width<const W: usize>(r: &[u8], s: &[u8]) -> Result<[u8; W], &'static str> {
    let half = W / 2;
    let mut out = [0u8; W];
    let (Some(r_at), Some(s_at)) = (half.checked_sub(r.len()), half.checked_sub(s.len())) else {
        return Err("signature value too long");
    };
    out.get_mut(r_at..half)
        .ok_or("signature value too long")?
        .copy_from_slice(r);
    out.get_mut(half + s_at..)
        .ok_or("signature value too long")?
        .copy_from_slice(s);
    Ok(out)
}

/// Any failure of the arithmetic.
fn bad<E>(_: E) -> &'static str {
    "the signature does not verify"
}

/// An RSA PKCS #1 v1.5 signature, with the hash algorithms rPGP's own RSA verifier takes,
/// and a signature shorter than the modulus left-padded (OpenPGP MPIs drop leading zeros).
fn rsa_verify(
    key: &sigwall_rsa::PublicKey,
    hash: HashAlgorithm,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), &'static str> {
    use sigwall_rsa::Hash;
    let hash = match hash {
        HashAlgorithm::Ripemd160 => Hash::Ripemd160,
        HashAlgorithm::Sha1 => Hash::Sha1,
        HashAlgorithm::Sha224 => Hash::Sha224,
        HashAlgorithm::Sha256 => Hash::Sha256,
        HashAlgorithm::Sha384 => Hash::Sha384,
        HashAlgorithm::Sha512 => Hash::Sha512,
        HashAlgorithm::Sha3_256 => Hash::Sha3_256,
        HashAlgorithm::Sha3_512 => Hash::Sha3_512,
        _ => return Err("unsupported hash algorithm for RSA"),
    };
    let mut padded = alloc::vec![0u8; key.size()];
    let at = key.size().checked_sub(signature.len()).ok_or(bad(()))?;
    padded
        .get_mut(at..)
        .ok_or(bad(()))?
        .copy_from_slice(signature);
    if key.verify_pkcs1v15(hash, hashed, &padded) {
        Ok(())
    } else {
        Err(bad(()))
    }
}

/// Checks `signature` over the digest `hashed` (made with `hash`) for the key `params`.
fn check(
    params: &PublicParams,
    prepared: &Prepared,
    hash: HashAlgorithm,
    hashed: &[u8],
    signature: &SignatureBytes,
) -> Result<(), &'static str> {
    // GnuPG, which containers/image verifies with (gpgme), treats MD5 as weak and refuses every
    // signature made with it (fixtures/pgp-weak/make.sh records its verdict).
    if hash == HashAlgorithm::Md5 {
        return Err("MD5 signatures are refused, as GnuPG refuses them");
    }
    match params {
        PublicParams::RSA(_) => {
            let [m] = mpis::<1>(signature)?;
            let Prepared::Rsa(key) = prepared else {
                return Err("unusable RSA key");
            };
            rsa_verify(key, hash, hashed, m.as_ref())
        }
        PublicParams::EdDSALegacy(EddsaLegacyPublicParams::Ed25519 { key }) => {
            let [r, s] = mpis::<2>(signature)?;
            let bytes = fixed_width::<64>(r.as_ref(), s.as_ref())?;
            pgp::crypto::ed25519::verify(key, hash, hashed, &bytes).map_err(bad)
        }
        PublicParams::Ed25519(key) => {
            let bytes: &[u8] = signature
                .try_into()
                .map_err(|_| "not a native Ed25519 signature")?;
            pgp::crypto::ed25519::verify(&key.key, hash, hashed, bytes).map_err(bad)
        }
        PublicParams::ECDSA(
            curve @ (EcdsaPublicParams::P256 { .. } | EcdsaPublicParams::P384 { .. }),
        ) => {
            // RFC 9580 §5.2.3.2: the digest must be at least as long as the curve's field.
            let (field, invalid) = match curve {
                EcdsaPublicParams::P256 { .. } => (32, "invalid P-256 key"),
                _ => (48, "invalid P-384 key"),
            };
            if hash.digest_size().unwrap_or(0) < field {
                return Err("the hash algorithm is too weak for the key");
            }
            let [r, s] = mpis::<2>(signature)?;
            // The same verifiers as cosign's keys (a fraction of RustCrypto's time in wasm).
            let verified =
                match prepared {
                    Prepared::P256(key) if field == 32 => key
                        .verify_prehash_p1363(hashed, &fixed_width::<64>(r.as_ref(), s.as_ref())?),
                    Prepared::P384(key) if field == 48 => key
                        .verify_prehash_p1363(hashed, &fixed_width::<96>(r.as_ref(), s.as_ref())?),
                    _ => return Err(invalid),
                };
            if verified {
                Ok(())
            } else {
                Err(bad(()))
            }
        }
        _ => Err("unsupported public-key algorithm for signatures"),
    }
}

#[cfg(all(test, feature = "keys"))]
mod wycheproof;
