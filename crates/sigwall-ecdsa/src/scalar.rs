//! Arithmetic modulo the group order n, as much as ECDSA verification needs: reading r, s
//! and the digest, 1/s, and two products. Montgomery multiplication (CIOS) with 32-bit words.

use crate::curve::{Curve, MAX_WORDS};
use crate::field::{cmp, sub_in_place, words_from_be};
use core::cmp::Ordering;

/// r or s of a signature: a big-endian integer of `C::BYTES` bytes in [1, n − 1].
pub(crate) fn nonzero_below_n<C: Curve<W>, const W: usize>(bytes: &[u8]) -> Option<[u32; W]> {
    if bytes.len() != C::BYTES {
        return None;
    }
    let w = words_from_be::<W>(bytes)?;
    (w != [0; W] && cmp(&w, &C::N) == Ordering::Less).then_some(w)
}

/// The digest as an integer modulo n: its leftmost `C::N_BITS` bits (SEC 1 §4.1.3), reduced.
pub(crate) fn digest_mod_n<C: Curve<W>, const W: usize>(digest: &[u8]) -> [u32; W] {
    let used = digest.len().min(C::N_BITS.div_ceil(8));
    let mut w = digest
        .get(..used)
        .and_then(words_from_be::<W>)
        .unwrap_or([0; W]);
    // Bits past N_BITS in the last byte taken (P-521 with a digest longer than 65 bytes).
    let excess = (used * 8).saturating_sub(C::N_BITS);
    if excess > 0 {
        for i in 0..W {
            let next = w.get(i + 1).copied().unwrap_or(0);
            w[i] = (w[i] >> excess) | (next << (32 - excess));
        }
    }
    // Below 2^N_BITS < 2n: one subtraction at most.
    if cmp(&w, &C::N) != Ordering::Less {
        sub_in_place(&mut w, &C::N);
    }
    w
}

/// a·b·2^(−32·W) mod n, for a, b < n.
pub(crate) fn mont_mul<C: Curve<W>, const W: usize>(a: &[u32; W], b: &[u32; W]) -> [u32; W] {
    let n = &C::N;
    let mut t = [0u32; MAX_WORDS + 2];
    for &bi in b {
        let bi = u64::from(bi);
        let mut carry = 0u64;
        for j in 0..W {
            let s = u64::from(t[j]) + u64::from(a[j]) * bi + carry;
            t[j] = s as u32;
            carry = s >> 32;
        }
        let s = u64::from(t[W]) + carry;
        t[W] = s as u32;
        t[W + 1] = (s >> 32) as u32;

        let m = u64::from(t[0].wrapping_mul(C::N0INV));
        let mut carry = (u64::from(t[0]) + m * u64::from(n[0])) >> 32;
        for j in 1..W {
            let s = u64::from(t[j]) + m * u64::from(n[j]) + carry;
            t[j - 1] = s as u32;
            carry = s >> 32;
        }
        let s = u64::from(t[W]) + carry;
        t[W - 1] = s as u32;
        t[W] = t[W + 1] + (s >> 32) as u32;
    }
    let mut out = [0u32; W];
    out.copy_from_slice(&t[..W]);
    if t[W] != 0 || cmp(&out, n) != Ordering::Less {
        sub_in_place(&mut out, n);
    }
    out
}

/// 1/s in the Montgomery domain (s·2^(32·W) form of the inverse), for s in [1, n − 1]: Fermat,
/// s^(n−2), with a four-bit fixed window.
pub(crate) fn invert_mont<C: Curve<W>, const W: usize>(s: &[u32; W]) -> [u32; W] {
    let x = mont_mul::<C, W>(s, &C::R2_N);
    // table[i] = x^i (Montgomery); table[0] = 1·2^(32·W) mod n = mont_mul(R2, 1).
    let mut one = [0u32; W];
    one[0] = 1;
    let mut table = [[0u32; W]; 16];
    table[0] = mont_mul::<C, W>(&C::R2_N, &one);
    for i in 1..16 {
        table[i] = mont_mul::<C, W>(&table[i - 1], &x);
    }
    let mut e = C::N;
    e[0] -= 2;
    let mut acc = table[0];
    for nibble in (0..8 * W).rev() {
        for _ in 0..4 {
            acc = mont_mul::<C, W>(&acc, &acc);
        }
        let digit = (e[nibble / 8] >> ((nibble % 8) * 4)) & 0xf;
        if digit != 0 {
            acc = mont_mul::<C, W>(&acc, &table[digit as usize]);
        }
    }
    acc
}
