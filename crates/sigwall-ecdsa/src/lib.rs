//! ECDSA signature verification on P-256 and P-384, variable-time, for public inputs only.
//!
//! sigwall verifies cosign signatures, Rekor SETs and checkpoints, SCTs and certificate chains
//! (Fulcio's CAs sign with P-384) made with these curves. RustCrypto's `p256` and `p384` are
//! constant-time throughout, which signing needs and verification does not: every input of a
//! verification (key, signature, digest) is public. Measured in wasm on the same machine,
//! `p256` 0.13 took 1.36 ms per verification (0.14 with its base-point table: 0.89 ms),
//! against 0.7 ms for WebCrypto including a key import. This crate computes u₁·G + u₂·Q with
//! Straus–Shamir over width-7 NAFs of both scalars, with tables of odd multiples of G and Q
//! that a verifying key prepares once, Jacobian coordinates, and the check x(R) ≡ r without an
//! inversion. The fields use each prime's special-form reduction on 32-bit words, the fast
//! shape for wasm32. One generic implementation serves both curves; only the constants and
//! the reduction differ.
//!
//! Correctness is cross-checked against `p256` and `p384` (random keys, messages and
//! signatures, forged and edge-case signatures) in this crate's tests, and against
//! Wycheproof's vectors.
//!
//! Not constant-time: never use it with secret values.

#![no_std]
#![allow(clippy::indexing_slicing)] // fixed-size arrays indexed within literal loop bounds

extern crate alloc;

mod curve;
mod field;
mod point;
mod scalar;

use alloc::boxed::Box;

use curve::{Curve, MAX_WORDS};
use field::Fe;
use point::{Affine, Jacobian};

/// NAF width: digits are odd and in (−2^6, 2^6), so each table holds 32 odd multiples.
const WINDOW: u32 = 7;
const TABLE: usize = 1 << (WINDOW - 2);

/// The odd multiples P, 3P, …, 63P of a point, affine.
type Table<C, const W: usize> = [Affine<C, W>; TABLE];

/// A public key prepared for verification: tables of odd multiples of it and of the base
/// point.
struct Key<C, const W: usize> {
    tables: Box<(Table<C, W>, Table<C, W>)>,
}

impl<C, const W: usize> Clone for Key<C, W> {
    fn clone(&self) -> Self {
        Key {
            tables: self.tables.clone(),
        }
    }
}

impl<C: Curve<W>, const W: usize> Key<C, W> {
    fn from_sec1_uncompressed(bytes: &[u8]) -> Option<Self> {
        let (&tag, rest) = bytes.split_first()?;
        if tag != 0x04 || rest.len() != 2 * C::BYTES {
            return None;
        }
        let (x, y) = rest.split_at(C::BYTES);
        let point = Affine {
            x: Fe::from_be(x)?,
            y: Fe::from_be(y)?,
        };
        if !point.is_on_curve() {
            return None;
        }
        Some(Key {
            tables: Box::new((odd_multiples(&Affine::GENERATOR)?, odd_multiples(&point)?)),
        })
    }

    fn verify_prehash(&self, digest: &[u8], r: &[u8], s: &[u8]) -> bool {
        let (Some(r), Some(s)) = (
            scalar::nonzero_below_n::<C, W>(r),
            scalar::nonzero_below_n::<C, W>(s),
        ) else {
            return false;
        };
        let e = scalar::digest_mod_n::<C, W>(digest);
        let w = scalar::invert_mont::<C, W>(&s);
        let (u1, len1) = naf(&scalar::mont_mul::<C, W>(&e, &w));
        let (u2, len2) = naf(&scalar::mont_mul::<C, W>(&r, &w));

        let (g_table, q_table) = &*self.tables;
        let mut acc = Jacobian::INFINITY;
        for i in (0..len1.max(len2)).rev() {
            if !acc.is_infinity() {
                acc = acc.double();
            }
            for (digit, table) in [(u1[i], g_table), (u2[i], q_table)] {
                if digit != 0 {
                    let Some(p) = table.get(usize::from(digit.unsigned_abs() >> 1)) else {
                        return false;
                    };
                    acc = acc.add_affine(&if digit > 0 { *p } else { p.neg() });
                }
            }
        }
        if acc.is_infinity() {
            return false;
        }
        // x(R) = X/Z²; accept if x(R) mod n = r, i.e. x(R) = r or x(R) = r + n (when below p).
        let z2 = acc.z.square();
        if acc.x == Fe::from_words_below_p(r).mul(&z2) {
            return true;
        }
        let mut r_plus_n = r;
        let carried = field::add_in_place(&mut r_plus_n, &C::N);
        !carried
            && field::cmp(&r_plus_n, &C::P) == core::cmp::Ordering::Less
            && acc.x == Fe::from_words_below_p(r_plus_n).mul(&z2)
    }
}

/// P, 3P, …, (2·TABLE − 1)P, affine; `None` if one is infinity (not for a point of the curve,
/// whose order is prime and far larger).
fn odd_multiples<C: Curve<W>, const W: usize>(p: &Affine<C, W>) -> Option<Table<C, W>> {
    let double = Jacobian::from_affine(p).double();
    let [double] = point::to_affine_batch(&[double])?;
    let mut jacobian = [Jacobian::from_affine(p); TABLE];
    for i in 1..TABLE {
        jacobian[i] = jacobian[i - 1].add_affine(&double);
    }
    point::to_affine_batch(&jacobian)
}

/// Digits of a NAF of the largest scalar (32·W bits, and one more for a final carry).
const NAF_DIGITS: usize = 32 * MAX_WORDS + 1;

/// The width-7 non-adjacent form of k < n, least significant digit first, and the number of
/// digits up to the last nonzero one: k = Σ dᵢ·2^i with every nonzero dᵢ odd, |dᵢ| < 64, and
/// at least 6 zeros after each nonzero digit.
fn naf<const W: usize>(k: &[u32; W]) -> ([i8; NAF_DIGITS], usize) {
    let mut k1 = [0u32; MAX_WORDS + 1];
    k1[..W].copy_from_slice(k);
    let mut out = [0i8; NAF_DIGITS];
    let mut len = 0;
    for (i, slot) in out.iter_mut().enumerate() {
        if k1[..=W].iter().all(|&w| w == 0) {
            break;
        }
        if k1[0] & 1 == 1 {
            let low = (k1[0] & ((1 << WINDOW) - 1)) as i32;
            let digit = if low >= 1 << (WINDOW - 1) {
                low - (1 << WINDOW)
            } else {
                low
            };
            // k −= digit: clears the low bits when positive, carries upwards when negative.
            if digit > 0 {
                k1[0] -= digit as u32;
            } else {
                let mut carry = u64::from(digit.unsigned_abs());
                for w in k1[..=W].iter_mut() {
                    let s = u64::from(*w) + carry;
                    *w = s as u32;
                    carry = s >> 32;
                    if carry == 0 {
                        break;
                    }
                }
            }
            *slot = digit as i8;
            len = i + 1;
        }
        for j in 0..W {
            k1[j] = (k1[j] >> 1) | (k1[j + 1] << 31);
        }
        k1[W] >>= 1;
    }
    (out, len)
}

/// The public face of one curve: a verifying key type with fixed-size r and s.
macro_rules! curve_module {
    ($(#[$doc:meta])* $name:ident, $curve:ident, $words:literal, $bytes:literal, $rs:literal, $label:literal) => {
        $(#[$doc])*
        pub mod $name {
            use crate::curve::$curve;

            #[doc = concat!("A ", $label, " public key prepared for verification: the point, and tables of odd multiples of it and of the base point.")]
            #[derive(Clone)]
            pub struct VerifyingKey(crate::Key<$curve, $words>);

            impl core::fmt::Debug for VerifyingKey {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str(concat!("VerifyingKey(", $label, ")"))
                }
            }

            impl VerifyingKey {
                #[doc = concat!("A key from its uncompressed SEC 1 encoding (`0x04 ‖ x ‖ y`, ", stringify!($bytes), "·2 + 1 bytes), the only form Go's `crypto/x509` (and so containers/image and cosign) reads from a public key file. `None` if it is not that, or not a point of the curve.")]
                pub fn from_sec1_uncompressed(bytes: &[u8]) -> Option<VerifyingKey> {
                    crate::Key::from_sec1_uncompressed(bytes).map(VerifyingKey)
                }

                #[doc = concat!("Verifies an ECDSA signature (r, s as ", stringify!($bytes), "-byte big-endian integers) over a message digest (its leftmost ", stringify!($bytes), " bytes are used, as SEC 1 §4.1.4 says for this curve).")]
                pub fn verify_prehash(&self, digest: &[u8], r: &[u8; $bytes], s: &[u8; $bytes]) -> bool {
                    self.0.verify_prehash(digest, r, s)
                }

                #[doc = concat!("[`VerifyingKey::verify_prehash`] for a signature in IEEE P1363 form, r ‖ s (", stringify!($rs), " bytes): the form a DER signature or OpenPGP's two integers are brought to.")]
                pub fn verify_prehash_p1363(&self, digest: &[u8], rs: &[u8; $rs]) -> bool {
                    let (r, s) = rs.split_at($bytes);
                    self.0.verify_prehash(digest, r, s)
                }
            }
        }
    };
}

curve_module!(
    /// ECDSA on NIST P-256 (secp256r1).
    p256, P256, 8, 32, 64, "P-256"
);
curve_module!(
    /// ECDSA on NIST P-384 (secp384r1).
    p384, P384, 12, 48, 96, "P-384"
);
curve_module!(
    /// ECDSA on NIST P-521 (secp521r1).
    p521, P521, 17, 66, 132, "P-521"
);

#[cfg(test)]
mod tests;
