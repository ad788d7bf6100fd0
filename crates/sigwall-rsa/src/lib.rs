//! RSA PKCS #1 v1.5 signature verification (RFC 8017 §8.2.2), variable-time, for public
//! inputs only.
//!
//! sigwall checks RSA signatures of OpenPGP keys (simple signing) and of cosign RSA keys. The
//! `rsa` crate that rPGP links does its arithmetic in `num-bigint-dig` with 64-bit digits,
//! and wasm32 has no 64×64→128 multiply: a 3072-bit verification took 5 ms there, 2.9× the
//! time of openpgp.js on JavaScript's BigInt. This crate does the one operation a verification
//! needs, s^e mod n, as Montgomery multiplications (CIOS) on 32-bit limbs with 64-bit
//! products, which wasm has natively; R² mod n, the one constant Montgomery form needs, is
//! found with a few doublings and squarings instead of a division.
//!
//! Correctness is cross-checked against the `rsa` crate in this crate's tests. Not
//! constant-time: never use it with secret values.

#![no_std]
#![allow(clippy::indexing_slicing)] // limb vectors indexed within their own lengths

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

/// The hash algorithms a PKCS #1 v1.5 signature can name in its DigestInfo (MD5 is not one:
/// sigwall refuses MD5 signatures before they get here, as GnuPG does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// RIPEMD-160 (20 bytes).
    Ripemd160,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-224 (28 bytes).
    Sha224,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
    /// SHA3-256 (32 bytes).
    Sha3_256,
    /// SHA3-512 (64 bytes).
    Sha3_512,
}

impl Hash {
    /// The DER DigestInfo up to the digest: SEQUENCE { AlgorithmIdentifier { OID, NULL },
    /// OCTET STRING header }.
    fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Hash::Ripemd160 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x24, 0x03, 0x02, 0x01, 0x05, 0x00, 0x04,
                0x14,
            ],
            Hash::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            Hash::Sha224 => &SHA2_PREFIXES[0],
            Hash::Sha256 => &SHA2_PREFIXES[1],
            Hash::Sha384 => &SHA2_PREFIXES[2],
            Hash::Sha512 => &SHA2_PREFIXES[3],
            Hash::Sha3_256 => &SHA2_PREFIXES[4],
            Hash::Sha3_512 => &SHA2_PREFIXES[5],
        }
    }

    /// The digest's length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Ripemd160 | Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 | Hash::Sha3_256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 | Hash::Sha3_512 => 64,
        }
    }
}

/// DigestInfo prefixes of the hashes under 2.16.840.1.101.3.4.2 (NIST): they differ only in
/// the lengths, the OID's last arc and the digest length.
const SHA2_PREFIXES: [[u8; 19]; 6] = {
    const fn prefix(total: u8, arc: u8, len: u8) -> [u8; 19] {
        [
            0x30, total, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            arc, 0x05, 0x00, 0x04, len,
        ]
    }
    [
        prefix(0x2d, 0x04, 28), // SHA-224
        prefix(0x31, 0x01, 32), // SHA-256
        prefix(0x41, 0x02, 48), // SHA-384
        prefix(0x51, 0x03, 64), // SHA-512
        prefix(0x31, 0x08, 32), // SHA3-256
        prefix(0x51, 0x0a, 64), // SHA3-512
    ]
};

/// The shortest modulus accepted: Go's `crypto/rsa` refuses shorter keys since Go 1.24.
pub const MIN_MODULUS_BITS: usize = 1024;
/// The longest modulus accepted.
pub const MAX_MODULUS_BITS: usize = 16384;
/// The largest public exponent Go's `crypto/rsa` accepts.
pub const MAX_EXPONENT: u64 = (1 << 31) - 1;

/// Why a modulus and exponent are not a usable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRejected {
    /// The modulus has fewer than [`MIN_MODULUS_BITS`] bits.
    ModulusTooShort {
        /// Its length in bits.
        bits: usize,
    },
    /// The modulus has more than [`MAX_MODULUS_BITS`] bits.
    ModulusTooLong {
        /// Its length in bits.
        bits: usize,
    },
    /// The modulus is even (so not a product of two odd primes).
    ModulusEven,
    /// The exponent is below 3.
    ExponentTooSmall,
    /// The exponent is even.
    ExponentEven,
    /// The exponent is above [`MAX_EXPONENT`].
    ExponentTooLarge,
}

impl core::fmt::Display for KeyRejected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeyRejected::ModulusTooShort { bits } => write!(
                f,
                "RSA modulus of {bits} bits is too short (at least {MIN_MODULUS_BITS} are required)"
            ),
            KeyRejected::ModulusTooLong { bits } => write!(
                f,
                "RSA modulus of {bits} bits is too long (at most {MAX_MODULUS_BITS} are accepted)"
            ),
            KeyRejected::ModulusEven => f.write_str("RSA modulus is even"),
            KeyRejected::ExponentTooSmall => f.write_str("RSA public exponent is below 3"),
            KeyRejected::ExponentEven => f.write_str("RSA public exponent is even"),
            KeyRejected::ExponentTooLarge => f.write_str("RSA public exponent is above 2^31 - 1"),
        }
    }
}

/// An RSA public key prepared for verification.
#[derive(Clone, Debug)]
pub struct PublicKey {
    /// n, little-endian 32-bit limbs, no zero limb on top.
    n: Vec<u32>,
    /// −n⁻¹ mod 2^32.
    n0inv: u32,
    /// R² mod n with R = 2^(32·limbs): multiplying by it enters the Montgomery domain.
    r2: Vec<u32>,
    e: u64,
    /// The modulus's length in bytes (k of RFC 8017).
    size: usize,
}

impl PublicKey {
    /// A key from its modulus and public exponent (big-endian, leading zeros allowed), refused
    /// as Go's `crypto/rsa` (1.24 and later) refuses it, since podman decides with Go: a modulus
    /// under [`MIN_MODULUS_BITS`] bits or even, an exponent below 3, even, or above 2^31 − 1.
    /// A modulus over [`MAX_MODULUS_BITS`] bits is refused too (Go has no upper bound; no
    /// signer makes such keys, and each verification with one would cost seconds).
    ///
    /// # Errors
    ///
    /// The [`KeyRejected`] reason.
    pub fn new(n_be: &[u8], e_be: &[u8]) -> Result<PublicKey, KeyRejected> {
        let (n, e, bits) = Self::checked(n_be, e_be)?;
        let n0inv = {
            // Newton's iteration doubles the correct low bits: 1 → 2 → … → 32.
            let mut inv = 1u32;
            for _ in 0..5 {
                inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
            }
            inv.wrapping_neg()
        };
        let mut key = PublicKey {
            r2: Vec::new(),
            n0inv,
            e,
            size: bits.div_ceil(8),
            n,
        };
        key.r2 = key.r_squared(bits);
        Ok(key)
    }

    /// Whether [`new`](Self::new) would take the key, without preparing it (cheap).
    ///
    /// # Errors
    ///
    /// The [`KeyRejected`] reason.
    pub fn check(n_be: &[u8], e_be: &[u8]) -> Result<(), KeyRejected> {
        Self::checked(n_be, e_be).map(|_| ())
    }

    /// The modulus's limbs, the exponent and the modulus's length in bits, once Go's rules allow them.
    fn checked(n_be: &[u8], e_be: &[u8]) -> Result<(Vec<u32>, u64, usize), KeyRejected> {
        let n = limbs_from_be(n_be);
        let e_bytes = strip_zeros(e_be);
        if e_bytes.len() > 4 {
            return Err(KeyRejected::ExponentTooLarge);
        }
        let e = e_bytes
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let bits = bit_length(&n);
        if bits < MIN_MODULUS_BITS {
            return Err(KeyRejected::ModulusTooShort { bits });
        }
        if bits > MAX_MODULUS_BITS {
            return Err(KeyRejected::ModulusTooLong { bits });
        }
        if n[0] & 1 == 0 {
            return Err(KeyRejected::ModulusEven);
        }
        if e < 3 {
            return Err(KeyRejected::ExponentTooSmall);
        }
        if e & 1 == 0 {
            return Err(KeyRejected::ExponentEven);
        }
        if e > MAX_EXPONENT {
            return Err(KeyRejected::ExponentTooLarge);
        }
        Ok((n, e, bits))
    }

    /// The modulus's length in bytes: the length a signature must have.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Verifies an RSASSA-PKCS1-v1_5 signature over a digest made with `hash`. The signature
    /// must be exactly [`size`](Self::size) bytes (callers that allow shorter ones, as
    /// OpenPGP does, pad them on the left first).
    pub fn verify_pkcs1v15(&self, hash: Hash, digest: &[u8], signature: &[u8]) -> bool {
        let prefix = hash.digest_info_prefix();
        let t_len = prefix.len() + digest.len();
        if digest.len() != hash.output_len()
            || signature.len() != self.size
            || self.size < t_len + 11
        {
            return false;
        }
        let s = limbs_from_be(signature);
        if s.len() > self.n.len() || compare(&s, &self.n) != core::cmp::Ordering::Less {
            return false;
        }
        let m = self.pow_e(&pad(&s, self.n.len()));
        // EM = 0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ DigestInfo, compared as a whole.
        let mut expected = vec![0xffu8; self.size];
        expected[0] = 0;
        expected[1] = 1;
        let tail = self.size - t_len;
        expected[tail - 1] = 0;
        expected[tail..tail + prefix.len()].copy_from_slice(prefix);
        expected[tail + prefix.len()..].copy_from_slice(digest);
        be_from_limbs(&m, self.size) == expected
    }

    /// s^e mod n, for s < n (limbs as long as n's).
    fn pow_e(&self, s: &[u32]) -> Vec<u32> {
        let base = self.mont_mul(s, &self.r2);
        let mut acc = base.clone();
        let top = 63 - self.e.leading_zeros();
        for bit in (0..top).rev() {
            acc = self.mont_square(&acc);
            if (self.e >> bit) & 1 == 1 {
                acc = self.mont_mul(&acc, &base);
            }
        }
        let mut one = vec![0u32; self.n.len()];
        one[0] = 1;
        self.mont_mul(&acc, &one)
    }

    /// a·b·R⁻¹ mod n, for a, b < n: Montgomery multiplication with the product and the
    /// reduction of each word of b in one pass over the limbs (finely integrated operand
    /// scanning), so each limb of the accumulator is loaded and stored once per word.
    fn mont_mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let n = &self.n;
        let k = n.len();
        // t has k + 1 limbs; t[k] is 0 or 1 between rounds (t < 2n).
        let mut t = vec![0u32; k + 1];
        let (Some(&a0), Some(&n0)) = (a.first(), n.first()) else {
            return t;
        };
        for &bi in b {
            let bi = u64::from(bi);
            let s = u64::from(t[0]) + u64::from(a0) * bi;
            let mut c1 = s >> 32;
            let m = (s as u32).wrapping_mul(self.n0inv);
            let m64 = u64::from(m);
            let mut c2 = (u64::from(s as u32) + m64 * u64::from(n0)) >> 32;
            for j in 1..k {
                let s = u64::from(t[j]) + u64::from(a[j]) * bi + c1;
                c1 = s >> 32;
                let s = u64::from(s as u32) + m64 * u64::from(n[j]) + c2;
                c2 = s >> 32;
                t[j - 1] = s as u32;
            }
            let s = u64::from(t[k]) + c1 + c2;
            t[k - 1] = s as u32;
            t[k] = (s >> 32) as u32;
        }
        let high = t[k];
        t.truncate(k);
        if high != 0 || compare(&t, n) != core::cmp::Ordering::Less {
            sub_in_place(&mut t, n);
        }
        t
    }

    /// a²·R⁻¹ mod n, for a < n: the square with each cross product computed once, then a
    /// Montgomery reduction; about three quarters of the work of [`mont_mul`](Self::mont_mul).
    fn mont_square(&self, a: &[u32]) -> Vec<u32> {
        let n = &self.n;
        let k = n.len();
        let mut t = vec![0u32; 2 * k];
        for i in 0..k {
            let ai = u64::from(a[i]);
            let mut carry = 0u64;
            for j in i + 1..k {
                let s = ai * u64::from(a[j]) + u64::from(t[i + j]) + carry;
                t[i + j] = s as u32;
                carry = s >> 32;
            }
            t[i + k] = carry as u32;
        }
        let mut top = 0u32;
        for w in t.iter_mut() {
            let next = *w >> 31;
            *w = (*w << 1) | top;
            top = next;
        }
        let mut carry = 0u64;
        for i in 0..k {
            let sq = u64::from(a[i]) * u64::from(a[i]);
            let s = u64::from(t[2 * i]) + (sq & 0xffff_ffff) + carry;
            t[2 * i] = s as u32;
            let s = u64::from(t[2 * i + 1]) + (sq >> 32) + (s >> 32);
            t[2 * i + 1] = s as u32;
            carry = s >> 32;
        }
        // Montgomery reduction of the 2k-limb square, one limb at a time.
        let mut extra = 0u64;
        for i in 0..k {
            let m = u64::from(t[i].wrapping_mul(self.n0inv));
            let mut carry = 0u64;
            for j in 0..k {
                let s = u64::from(t[i + j]) + m * u64::from(n[j]) + carry;
                t[i + j] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t[i + k]) + carry + extra;
            t[i + k] = s as u32;
            extra = s >> 32;
        }
        let mut out = t.split_off(k);
        if extra != 0 || compare(&out, n) != core::cmp::Ordering::Less {
            sub_in_place(&mut out, n);
        }
        out
    }

    /// R² mod n. From 2^(bits−1) < n, doublings reach R mod n, the Montgomery form of 1, and
    /// further ones the form of 2^m; with 32·limbs = m·2^j (m odd), j Montgomery squarings
    /// then give the form of 2^(32·limbs) = R, which is R² mod n.
    fn r_squared(&self, bits: usize) -> Vec<u32> {
        let k = self.n.len();
        let mut c = vec![0u32; k];
        c[(bits - 1) / 32] = 1 << ((bits - 1) % 32);
        let total = 32 * k;
        let j = total.trailing_zeros() as usize;
        let m = total >> j;
        for _ in 0..(total - bits + 1) + m {
            // c = 2c mod n (c < n, so 2c < 2n and one subtraction is enough).
            let mut top = 0u32;
            for w in c.iter_mut() {
                let next = *w >> 31;
                *w = (*w << 1) | top;
                top = next;
            }
            if top != 0 || compare(&c, &self.n) != core::cmp::Ordering::Less {
                sub_in_place(&mut c, &self.n);
            }
        }
        for _ in 0..j {
            c = self.mont_square(&c);
        }
        c
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Little-endian limbs of a big-endian integer, without zero limbs on top (at least one limb).
fn limbs_from_be(bytes: &[u8]) -> Vec<u32> {
    let bytes = strip_zeros(bytes);
    let mut out: Vec<u32> = bytes
        .rchunks(4)
        .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
        .collect();
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// `len` big-endian bytes of a value known to fit.
fn be_from_limbs(limbs: &[u32], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().rev().enumerate() {
        if let Some(limb) = limbs.get(i / 4) {
            *byte = (limb >> (8 * (i % 4))) as u8;
        }
    }
    out
}

fn pad(limbs: &[u32], len: usize) -> Vec<u32> {
    let mut out = limbs.to_vec();
    out.resize(len, 0);
    out
}

fn bit_length(limbs: &[u32]) -> usize {
    match limbs.iter().rposition(|l| *l != 0) {
        Some(i) => 32 * i + 32 - limbs[i].leading_zeros() as usize,
        None => 0,
    }
}

/// Compares equal-length or shorter-first limb vectors (no zero limbs on top of the longer).
fn compare(a: &[u32], b: &[u32]) -> core::cmp::Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .rev()
        .map(|i| {
            (
                a.get(i).copied().unwrap_or(0),
                b.get(i).copied().unwrap_or(0),
            )
        })
        .find(|(x, y)| x != y)
        .map_or(core::cmp::Ordering::Equal, |(x, y)| x.cmp(&y))
}

/// a −= b (b no longer than a; the caller knows a ≥ b, or wants the wrapped result).
fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u64;
    for (i, x) in a.iter_mut().enumerate() {
        let y = u64::from(b.get(i).copied().unwrap_or(0));
        let d = u64::from(*x).wrapping_sub(y).wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
}

#[cfg(test)]
mod tests;
