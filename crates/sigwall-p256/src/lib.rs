//! ECDSA P-256 signature verification, variable-time, for public inputs only.
//!
//! sigwall verifies cosign signatures (and Rekor SETs) made with P-256 keys. RustCrypto's
//! `p256` is constant-time throughout, which signing needs and verification does not: every
//! input of a verification (key, signature, digest) is public. Measured in wasm on the same
//! machine, `p256` 0.13 took 1.36 ms per verification (0.14 with its base-point table:
//! 0.89 ms), against 0.7 ms for WebCrypto including a key import. This crate computes
//! u₁·G + u₂·Q with Straus–Shamir over width-7 NAFs of both scalars, with tables of odd
//! multiples of G and Q that a [`VerifyingKey`] prepares once, Jacobian coordinates, and the
//! check x(R) ≡ r without an inversion. The field uses the prime's special-form reduction
//! on 32-bit words, the fast shape for wasm32.
//!
//! Correctness is cross-checked against `p256` (random keys, messages and signatures, forged
//! and edge-case signatures) in this crate's tests.
//!
//! Not constant-time: never use it with secret values.

#![no_std]
#![allow(clippy::indexing_slicing)] // fixed-size arrays indexed within literal loop bounds

extern crate alloc;

mod field;
mod point;
mod scalar;

use alloc::boxed::Box;

use field::Fe;
use point::{Affine, Jacobian, G};

/// NAF width: digits are odd and in (−2^6, 2^6), so each table holds 32 odd multiples.
const WINDOW: u32 = 7;
const TABLE: usize = 1 << (WINDOW - 2);

/// The odd multiples P, 3P, …, 63P of a point, affine.
type Table = [Affine; TABLE];

/// A P-256 public key prepared for verification: the point, and tables of odd multiples of it
/// and of the base point.
#[derive(Clone)]
pub struct VerifyingKey {
    tables: Box<(Table, Table)>,
}

impl core::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VerifyingKey(P-256)")
    }
}

impl VerifyingKey {
    /// A key from its uncompressed SEC 1 encoding (`0x04 ‖ x ‖ y`, 65 bytes), the only form
    /// Go's `crypto/x509` (and so containers/image and cosign) reads from a public key file.
    /// `None` if it is not that, or not a point of the curve.
    pub fn from_sec1_uncompressed(bytes: &[u8]) -> Option<VerifyingKey> {
        let (&tag, rest) = bytes.split_first()?;
        if tag != 0x04 || rest.len() != 64 {
            return None;
        }
        let (x, y) = rest.split_at(32);
        let point = Affine {
            x: Fe::from_be(x.try_into().ok()?)?,
            y: Fe::from_be(y.try_into().ok()?)?,
        };
        if !point.is_on_curve() {
            return None;
        }
        Some(VerifyingKey {
            tables: Box::new((odd_multiples(&G)?, odd_multiples(&point)?)),
        })
    }

    /// Verifies an ECDSA signature (r, s as 32-byte big-endian integers) over a message digest
    /// (its leftmost 256 bits are used, as SEC 1 §4.1.4 says).
    pub fn verify_prehash(&self, digest: &[u8], r: &[u8; 32], s: &[u8; 32]) -> bool {
        let (Some(r), Some(s)) = (scalar::nonzero_below_n(r), scalar::nonzero_below_n(s)) else {
            return false;
        };
        let e = scalar::digest_mod_n(digest);
        let w = scalar::invert_mont(&s);
        let u1 = naf(&scalar::mont_mul(&e, &w));
        let u2 = naf(&scalar::mont_mul(&r, &w));

        let (g_table, q_table) = &*self.tables;
        let mut acc = Jacobian::INFINITY;
        for i in (0..u1.len()).rev() {
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
        let carried = field::add_in_place(&mut r_plus_n, &scalar::N);
        !carried
            && field::cmp(&r_plus_n, &field::P) == core::cmp::Ordering::Less
            && acc.x == Fe::from_words_below_p(r_plus_n).mul(&z2)
    }
}

/// P, 3P, …, (2·TABLE − 1)P, affine; `None` if one is infinity (not for a point of the curve,
/// whose order is prime and far larger).
fn odd_multiples(p: &Affine) -> Option<Table> {
    let double = Jacobian::from_affine(p).double();
    let [double] = point::to_affine_batch(&[double])?;
    let mut jacobian = [Jacobian::from_affine(p); TABLE];
    for i in 1..TABLE {
        jacobian[i] = jacobian[i - 1].add_affine(&double);
    }
    point::to_affine_batch(&jacobian)
}

/// The width-7 non-adjacent form of k < n, least significant digit first: k = Σ dᵢ·2^i with
/// every nonzero dᵢ odd, |dᵢ| < 64, and at least 6 zeros after each nonzero digit.
fn naf(k: &[u32; 8]) -> [i8; 257] {
    let mut k9 = [0u32; 9];
    k9[..8].copy_from_slice(k);
    let mut out = [0i8; 257];
    for slot in out.iter_mut() {
        if k9 == [0; 9] {
            break;
        }
        if k9[0] & 1 == 1 {
            let low = (k9[0] & ((1 << WINDOW) - 1)) as i32;
            let digit = if low >= 1 << (WINDOW - 1) {
                low - (1 << WINDOW)
            } else {
                low
            };
            // k −= digit: clears the low bits when positive, carries upwards when negative.
            if digit > 0 {
                k9[0] -= digit as u32;
            } else {
                let mut carry = u64::from(digit.unsigned_abs());
                for w in k9.iter_mut() {
                    let s = u64::from(*w) + carry;
                    *w = s as u32;
                    carry = s >> 32;
                    if carry == 0 {
                        break;
                    }
                }
            }
            *slot = digit as i8;
        }
        for i in 0..8 {
            k9[i] = (k9[i] >> 1) | (k9[i + 1] << 31);
        }
        k9[8] >>= 1;
    }
    out
}

#[cfg(test)]
mod tests;
