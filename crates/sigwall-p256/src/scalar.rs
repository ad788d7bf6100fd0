//! Arithmetic modulo the group order n, as much as ECDSA verification needs: reading r, s
//! and the digest, 1/s, and two products. Montgomery multiplication (CIOS) with 32-bit words.

use crate::field::{cmp, sub_in_place, words_from_be};
use core::cmp::Ordering;

/// n, little-endian words.
pub(crate) const N: [u32; 8] = [
    0xfc63_2551,
    0xf3b9_cac2,
    0xa717_9e84,
    0xbce6_faad,
    0xffff_ffff,
    0xffff_ffff,
    0,
    0xffff_ffff,
];

/// −n⁻¹ mod 2^32.
const N0INV: u32 = 0xee00_bc4f;

/// 2^512 mod n: multiplying by it (Montgomery) enters the Montgomery domain.
const R2: [u32; 8] = [
    0xbe79_eea2,
    0x8324_4c95,
    0x49bd_6fa6,
    0x4699_799c,
    0x2b6b_ec59,
    0x2845_b239,
    0xf3d9_5620,
    0x66e1_2d94,
];

/// r or s of a signature: a big-endian integer in [1, n − 1].
pub(crate) fn nonzero_below_n(bytes: &[u8; 32]) -> Option<[u32; 8]> {
    let w = words_from_be(bytes);
    (w != [0; 8] && cmp(&w, &N) == Ordering::Less).then_some(w)
}

/// The digest as an integer modulo n: its leftmost 256 bits (SEC 1 §4.1.4), reduced.
pub(crate) fn digest_mod_n(digest: &[u8]) -> [u32; 8] {
    let mut bytes = [0u8; 32];
    let used = digest.len().min(32);
    if let (Some(dst), Some(src)) = (bytes.get_mut(32 - used..), digest.get(..used)) {
        dst.copy_from_slice(src);
    }
    let mut w = words_from_be(&bytes);
    // Below 2^256 < 2n: one subtraction at most.
    if cmp(&w, &N) != Ordering::Less {
        sub_in_place(&mut w, &N);
    }
    w
}

/// a·b·2^−256 mod n, for a, b < n.
pub(crate) fn mont_mul(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    let mut t = [0u32; 10];
    for &bi in b {
        let bi = u64::from(bi);
        let mut carry = 0u64;
        for (tj, aj) in t.iter_mut().zip(a.iter()) {
            let s = u64::from(*tj) + u64::from(*aj) * bi + carry;
            *tj = s as u32;
            carry = s >> 32;
        }
        let s = u64::from(t[8]) + carry;
        t[8] = s as u32;
        t[9] = (s >> 32) as u32;

        let m = u64::from(t[0].wrapping_mul(N0INV));
        let mut carry = (u64::from(t[0]) + m * u64::from(N[0])) >> 32;
        for j in 1..8 {
            let s = u64::from(t[j]) + m * u64::from(N[j]) + carry;
            t[j - 1] = s as u32;
            carry = s >> 32;
        }
        let s = u64::from(t[8]) + carry;
        t[7] = s as u32;
        t[8] = t[9] + (s >> 32) as u32;
    }
    let mut out = [0u32; 8];
    out.copy_from_slice(&t[..8]);
    if t[8] != 0 || cmp(&out, &N) != Ordering::Less {
        sub_in_place(&mut out, &N);
    }
    out
}

/// 1/s in the Montgomery domain (s·2^256 form of the inverse), for s in [1, n − 1]: Fermat,
/// s^(n−2), with a four-bit fixed window.
pub(crate) fn invert_mont(s: &[u32; 8]) -> [u32; 8] {
    let x = mont_mul(s, &R2);
    // table[i] = x^i (Montgomery); table[0] = 1·2^256 mod n = mont_mul(R2, 1).
    let mut table = [[0u32; 8]; 16];
    table[0] = mont_mul(&R2, &[1, 0, 0, 0, 0, 0, 0, 0]);
    for i in 1..16 {
        table[i] = mont_mul(&table[i - 1], &x);
    }
    let mut e = N;
    e[0] -= 2;
    let mut acc = table[0];
    for nibble in (0..64).rev() {
        for _ in 0..4 {
            acc = mont_mul(&acc, &acc);
        }
        let digit = (e[nibble / 8] >> ((nibble % 8) * 4)) & 0xf;
        if digit != 0 {
            acc = mont_mul(&acc, &table[digit as usize]);
        }
    }
    acc
}
