//! Arithmetic modulo the P-256 prime p = 2^256 − 2^224 + 2^192 + 2^96 − 1.
//!
//! Elements are eight little-endian 32-bit words, always fully reduced (< p), so equality is
//! word equality. Products are reduced with the prime's special form (FIPS 186-4 D.2.3, the
//! "fast reduction" for p256): wasm has a native 64-bit multiply but no 64×64→128 one, so
//! 32-bit words with 64-bit accumulators is the fastest shape there, and the special-form
//! reduction costs a few additions where a Montgomery reduction would cost 64 more products.
//!
//! Nothing here is constant-time: it only ever sees public values (keys, signatures, digests).

/// An element of GF(p), fully reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fe(pub(crate) [u32; 8]);

/// p, little-endian words.
pub(crate) const P: [u32; 8] = [
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0,
    0,
    0,
    1,
    0xffff_ffff,
];

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 8]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0]);

    /// A big-endian 32-byte integer, if it is below p.
    pub(crate) fn from_be(bytes: &[u8; 32]) -> Option<Fe> {
        let w = words_from_be(bytes);
        (cmp(&w, &P) == core::cmp::Ordering::Less).then_some(Fe(w))
    }

    /// A value known to be below p (the caller checked), as an element.
    pub(crate) fn from_words_below_p(w: [u32; 8]) -> Fe {
        Fe(w)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; 8]
    }

    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let mut out = [0u32; 8];
        let mut carry = 0u64;
        for (o, (x, y)) in out.iter_mut().zip(self.0.iter().zip(b.0.iter())) {
            let s = u64::from(*x) + u64::from(*y) + carry;
            *o = s as u32;
            carry = s >> 32;
        }
        if carry != 0 || cmp(&out, &P) != core::cmp::Ordering::Less {
            sub_in_place(&mut out, &P);
        }
        Fe(out)
    }

    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let mut out = self.0;
        if sub_in_place(&mut out, &b.0) {
            add_in_place(&mut out, &P);
        }
        Fe(out)
    }

    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    pub(crate) fn double(&self) -> Fe {
        self.add(self)
    }

    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        // Operand scanning: every step is (2^32−1)² + 2·(2^32−1) < 2^64 at most.
        let a = &self.0;
        let b = &b.0;
        let mut c = [0u32; 16];
        for i in 0..8 {
            let ai = u64::from(a[i]);
            let mut carry = 0u64;
            for j in 0..8 {
                let t = ai * u64::from(b[j]) + u64::from(c[i + j]) + carry;
                c[i + j] = t as u32;
                carry = t >> 32;
            }
            c[i + 8] = carry as u32;
        }
        reduce(&c)
    }

    pub(crate) fn square(&self) -> Fe {
        // The cross products once, doubled, then the squares on the diagonal.
        let a = &self.0;
        let mut c = [0u32; 16];
        for i in 0..8 {
            let ai = u64::from(a[i]);
            let mut carry = 0u64;
            for j in i + 1..8 {
                let t = ai * u64::from(a[j]) + u64::from(c[i + j]) + carry;
                c[i + j] = t as u32;
                carry = t >> 32;
            }
            c[i + 8] = carry as u32;
        }
        let mut top = 0u32;
        for w in c.iter_mut() {
            let next = *w >> 31;
            *w = (*w << 1) | top;
            top = next;
        }
        let mut carry = 0u64;
        for i in 0..8 {
            let sq = u64::from(a[i]) * u64::from(a[i]);
            let t = u64::from(c[2 * i]) + (sq & 0xffff_ffff) + carry;
            c[2 * i] = t as u32;
            let t = u64::from(c[2 * i + 1]) + (sq >> 32) + (t >> 32);
            c[2 * i + 1] = t as u32;
            carry = t >> 32;
        }
        reduce(&c)
    }

    /// self^(p−2) = 1/self (0 for 0). Only used when preparing a key.
    pub(crate) fn invert(&self) -> Fe {
        let mut e = P;
        e[0] -= 2;
        let mut acc = Fe::ONE;
        for bit in (0..256).rev() {
            acc = acc.square();
            if (e[bit / 32] >> (bit % 32)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }
}

/// Reduces a 512-bit product modulo p.
fn reduce(c: &[u32; 16]) -> Fe {
    let c = c.map(i64::from);
    // The sums of FIPS 186-4 D.2.3 (s1 + 2s2 + 2s3 + s4 + s5 − s6 − s7 − s8 − s9), word by word.
    let sums: [i64; 8] = [
        c[0] + c[8] + c[9] - c[11] - c[12] - c[13] - c[14],
        c[1] + c[9] + c[10] - c[12] - c[13] - c[14] - c[15],
        c[2] + c[10] + c[11] - c[13] - c[14] - c[15],
        c[3] + 2 * c[11] + 2 * c[12] + c[13] - c[15] - c[8] - c[9],
        c[4] + 2 * c[12] + 2 * c[13] + c[14] - c[9] - c[10],
        c[5] + 2 * c[13] + 2 * c[14] + c[15] - c[10] - c[11],
        c[6] + 3 * c[14] + 2 * c[15] + c[13] - c[8] - c[9],
        c[7] + 3 * c[15] + c[8] - c[10] - c[11] - c[12] - c[13],
    ];
    let mut out = [0u32; 8];
    let mut top = propagate(&sums, &mut out);
    // top·2^256 ≡ top·(2^224 − 2^192 − 2^96 + 1): fold until nothing is left above 2^256
    // (at most three rounds: the first leaves top in {−1, 0, 1}, and a second fold of ±1 cannot
    // carry again).
    while top != 0 {
        let mut sums = out.map(i64::from);
        sums[0] += top;
        sums[3] -= top;
        sums[6] -= top;
        sums[7] += top;
        top = propagate(&sums, &mut out);
    }
    if cmp(&out, &P) != core::cmp::Ordering::Less {
        sub_in_place(&mut out, &P);
    }
    Fe(out)
}

/// Signed carry propagation of word sums into 32-bit words; returns what is left above them.
fn propagate(sums: &[i64; 8], out: &mut [u32; 8]) -> i64 {
    let mut acc = 0i64;
    for (o, s) in out.iter_mut().zip(sums.iter()) {
        acc += *s;
        *o = acc as u32;
        acc >>= 32;
    }
    acc
}

/// Little-endian words of a big-endian 32-byte integer.
pub(crate) fn words_from_be(bytes: &[u8; 32]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, chunk) in bytes.rchunks_exact(4).enumerate() {
        if let (Some(slot), Ok(b)) = (w.get_mut(i), <[u8; 4]>::try_from(chunk)) {
            *slot = u32::from_be_bytes(b);
        }
    }
    w
}

/// Compares two 256-bit integers.
pub(crate) fn cmp(a: &[u32; 8], b: &[u32; 8]) -> core::cmp::Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

/// a −= b; returns whether it borrowed (a was below b).
pub(crate) fn sub_in_place(a: &mut [u32; 8], b: &[u32; 8]) -> bool {
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
pub(crate) fn add_in_place(a: &mut [u32; 8], b: &[u32; 8]) -> bool {
    let mut carry = 0u64;
    for (x, y) in a.iter_mut().zip(b.iter()) {
        let s = u64::from(*x) + u64::from(*y) + carry;
        *x = s as u32;
        carry = s >> 32;
    }
    carry != 0
}
