//! Arithmetic modulo a curve's prime p, for W 32-bit words (8 for P-256, 12 for P-384).
//!
//! Elements are W little-endian 32-bit words, always fully reduced (< p), so equality is word
//! equality. Products are reduced with the prime's special form ([`Curve::reduce`]): wasm has a
//! native 64-bit multiply but no 64×64→128 one, so 32-bit words with 64-bit accumulators is the
//! fastest shape there, and a special-form reduction costs a few additions where a Montgomery
//! reduction would cost W² more products.
//!
//! Nothing here is constant-time: it only ever sees public values (keys, signatures, digests).

use core::cmp::Ordering;
use core::marker::PhantomData;

use crate::curve::{Curve, MAX_WORDS};

/// An element of GF(p) of the curve `C`, fully reduced.
pub(crate) struct Fe<C, const W: usize>(pub(crate) [u32; W], PhantomData<C>);

// Derives would ask `C` for the traits; the marker carries no data.
impl<C, const W: usize> Clone for Fe<C, W> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C, const W: usize> Copy for Fe<C, W> {}
impl<C, const W: usize> PartialEq for Fe<C, W> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<C, const W: usize> Eq for Fe<C, W> {}
impl<C, const W: usize> core::fmt::Debug for Fe<C, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fe({:x?})", self.0)
    }
}

impl<C: Curve<W>, const W: usize> Fe<C, W> {
    pub(crate) const ZERO: Self = Fe([0; W], PhantomData);
    pub(crate) const ONE: Self = Fe(one(), PhantomData);

    /// Words known to be below p (constants, or values the caller checked).
    pub(crate) const fn from_words_below_p(w: [u32; W]) -> Self {
        Fe(w, PhantomData)
    }

    /// A big-endian integer of exactly `C::BYTES` bytes, if it is below p.
    pub(crate) fn from_be(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != C::BYTES {
            return None;
        }
        let w = words_from_be::<W>(bytes)?;
        (cmp(&w, &C::P) == Ordering::Less).then_some(Fe(w, PhantomData))
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; W]
    }

    pub(crate) fn add(&self, b: &Self) -> Self {
        let mut out = self.0;
        if add_in_place(&mut out, &b.0) || cmp(&out, &C::P) != Ordering::Less {
            sub_in_place(&mut out, &C::P);
        }
        Fe(out, PhantomData)
    }

    pub(crate) fn sub(&self, b: &Self) -> Self {
        let mut out = self.0;
        if sub_in_place(&mut out, &b.0) {
            add_in_place(&mut out, &C::P);
        }
        Fe(out, PhantomData)
    }

    pub(crate) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    pub(crate) fn mul(&self, b: &Self) -> Self {
        // Operand scanning: every step is (2^32−1)² + 2·(2^32−1) < 2^64 at most.
        let a = &self.0;
        let b = &b.0;
        let mut c = [0u32; 2 * MAX_WORDS];
        for i in 0..W {
            let ai = u64::from(a[i]);
            let mut carry = 0u64;
            for j in 0..W {
                let t = ai * u64::from(b[j]) + u64::from(c[i + j]) + carry;
                c[i + j] = t as u32;
                carry = t >> 32;
            }
            c[i + W] = carry as u32;
        }
        Fe(C::reduce(&c), PhantomData)
    }

    pub(crate) fn square(&self) -> Self {
        // The cross products once, doubled, then the squares on the diagonal.
        let a = &self.0;
        let mut c = [0u32; 2 * MAX_WORDS];
        for i in 0..W {
            let ai = u64::from(a[i]);
            let mut carry = 0u64;
            for j in i + 1..W {
                let t = ai * u64::from(a[j]) + u64::from(c[i + j]) + carry;
                c[i + j] = t as u32;
                carry = t >> 32;
            }
            c[i + W] = carry as u32;
        }
        let mut top = 0u32;
        for w in c.iter_mut().take(2 * W) {
            let next = *w >> 31;
            *w = (*w << 1) | top;
            top = next;
        }
        let mut carry = 0u64;
        for i in 0..W {
            let sq = u64::from(a[i]) * u64::from(a[i]);
            let t = u64::from(c[2 * i]) + (sq & 0xffff_ffff) + carry;
            c[2 * i] = t as u32;
            let t = u64::from(c[2 * i + 1]) + (sq >> 32) + (t >> 32);
            c[2 * i + 1] = t as u32;
            carry = t >> 32;
        }
        Fe(C::reduce(&c), PhantomData)
    }

    /// self^(p−2) = 1/self (0 for 0). Only used when preparing a key or converting a point.
    pub(crate) fn invert(&self) -> Self {
        let mut e = C::P;
        e[0] -= 2;
        let mut acc = Self::ONE;
        for bit in (0..32 * W).rev() {
            acc = acc.square();
            if (e[bit / 32] >> (bit % 32)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }
}

const fn one<const W: usize>() -> [u32; W] {
    let mut w = [0; W];
    w[0] = 1;
    w
}

/// Signed carry propagation of word sums into 32-bit words; returns what is left above them.
pub(crate) fn propagate<const W: usize>(sums: &[i64; W], out: &mut [u32; W]) -> i64 {
    let mut acc = 0i64;
    for (o, s) in out.iter_mut().zip(sums.iter()) {
        acc += *s;
        *o = acc as u32;
        acc >>= 32;
    }
    acc
}

/// Little-endian words of a big-endian integer of at most 4·W bytes.
pub(crate) fn words_from_be<const W: usize>(bytes: &[u8]) -> Option<[u32; W]> {
    if bytes.len() > 4 * W {
        return None;
    }
    let mut w = [0u32; W];
    for (i, b) in bytes.iter().rev().enumerate() {
        if let Some(slot) = w.get_mut(i / 4) {
            *slot |= u32::from(*b) << (8 * (i % 4));
        }
    }
    Some(w)
}

/// Compares two integers of W words.
pub(crate) fn cmp<const W: usize>(a: &[u32; W], b: &[u32; W]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

/// a −= b; returns whether it borrowed (a was below b).
pub(crate) fn sub_in_place<const W: usize>(a: &mut [u32; W], b: &[u32; W]) -> bool {
    let mut borrow = 0u64;
    for (x, y) in a.iter_mut().zip(b.iter()) {
        let d = u64::from(*x)
            .wrapping_sub(u64::from(*y))
            .wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
    borrow != 0
}

/// a += b; returns the carry out.
pub(crate) fn add_in_place<const W: usize>(a: &mut [u32; W], b: &[u32; W]) -> bool {
    let mut carry = 0u64;
    for (x, y) in a.iter_mut().zip(b.iter()) {
        let s = u64::from(*x) + u64::from(*y) + carry;
        *x = s as u32;
        carry = s >> 32;
    }
    carry != 0
}
