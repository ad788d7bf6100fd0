//! The two curves: their constants, and the reduction of a double-width product modulo each
//! prime by its special form.

use crate::field::{cmp, propagate, sub_in_place};
use core::cmp::Ordering;

/// Words of the largest field (P-384).
pub(crate) const MAX_WORDS: usize = 12;

/// A short-Weierstrass curve y² = x³ − 3x + b over GF(p) with a prime order n whose bit length
/// is 32·W, as both NIST curves here are.
pub(crate) trait Curve<const W: usize>: 'static {
    /// p, little-endian words.
    const P: [u32; W];
    /// b of the curve equation.
    const B: [u32; W];
    /// The base point's coordinates.
    const G: ([u32; W], [u32; W]);
    /// The group order n.
    const N: [u32; W];
    /// −n⁻¹ mod 2^32, for Montgomery multiplication modulo n.
    const N0INV: u32;
    /// 2^(64·W) mod n: multiplying by it (Montgomery) enters the Montgomery domain.
    const R2_N: [u32; W];
    /// Reduces a product (its 2·W low words; the rest are zero) modulo p.
    fn reduce(c: &[u32; 2 * MAX_WORDS]) -> [u32; W];
}

/// Brings a result of [`propagate`] below p: folds what is left above 2^(32·W) back in with
/// `fold` (which adds top·(2^(32·W) mod p) to the word sums) until nothing is, then subtracts p
/// once if needed. Each fold of a nonzero top leaves at most ±1 above, and a fold of ±1 cannot
/// carry twice in a row, so this ends after three rounds at most.
fn settle<const W: usize>(
    mut out: [u32; W],
    mut top: i64,
    p: &[u32; W],
    fold: fn(&mut [i64; W], i64),
) -> [u32; W] {
    while top != 0 {
        let mut sums = out.map(i64::from);
        fold(&mut sums, top);
        top = propagate(&sums, &mut out);
    }
    if cmp(&out, p) != Ordering::Less {
        sub_in_place(&mut out, p);
    }
    out
}

/// NIST P-256 (secp256r1): p = 2^256 − 2^224 + 2^192 + 2^96 − 1.
pub(crate) struct P256;

impl Curve<8> for P256 {
    const P: [u32; 8] = [
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0,
        0,
        0,
        1,
        0xffff_ffff,
    ];
    const B: [u32; 8] = [
        0x27d2_604b,
        0x3bce_3c3e,
        0xcc53_b0f6,
        0x651d_06b0,
        0x7698_86bc,
        0xb3eb_bd55,
        0xaa3a_93e7,
        0x5ac6_35d8,
    ];
    const G: ([u32; 8], [u32; 8]) = (
        [
            0xd898_c296,
            0xf4a1_3945,
            0x2deb_33a0,
            0x7703_7d81,
            0x63a4_40f2,
            0xf8bc_e6e5,
            0xe12c_4247,
            0x6b17_d1f2,
        ],
        [
            0x37bf_51f5,
            0xcbb6_4068,
            0x6b31_5ece,
            0x2bce_3357,
            0x7c0f_9e16,
            0x8ee7_eb4a,
            0xfe1a_7f9b,
            0x4fe3_42e2,
        ],
    );
    const N: [u32; 8] = [
        0xfc63_2551,
        0xf3b9_cac2,
        0xa717_9e84,
        0xbce6_faad,
        0xffff_ffff,
        0xffff_ffff,
        0,
        0xffff_ffff,
    ];
    const N0INV: u32 = 0xee00_bc4f;
    const R2_N: [u32; 8] = [
        0xbe79_eea2,
        0x8324_4c95,
        0x49bd_6fa6,
        0x4699_799c,
        0x2b6b_ec59,
        0x2845_b239,
        0xf3d9_5620,
        0x66e1_2d94,
    ];

    fn reduce(c: &[u32; 2 * MAX_WORDS]) -> [u32; 8] {
        let c = c.map(i64::from);
        // The sums of FIPS 186-4 D.2.3 (s1 + 2s2 + 2s3 + s4 + s5 − s6 − s7 − s8 − s9), word by
        // word.
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
        let top = propagate(&sums, &mut out);
        // 2^256 ≡ 2^224 − 2^192 − 2^96 + 1.
        settle(out, top, &Self::P, |s, top| {
            s[0] += top;
            s[3] -= top;
            s[6] -= top;
            s[7] += top;
        })
    }
}

/// NIST P-384 (secp384r1): p = 2^384 − 2^128 − 2^96 + 2^32 − 1.
pub(crate) struct P384;

impl Curve<12> for P384 {
    const P: [u32; 12] = [
        0xffff_ffff,
        0x0000_0000,
        0x0000_0000,
        0xffff_ffff,
        0xffff_fffe,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
    ];
    const B: [u32; 12] = [
        0xd3ec_2aef,
        0x2a85_c8ed,
        0x8a2e_d19d,
        0xc656_398d,
        0x5013_875a,
        0x0314_088f,
        0xfe81_4112,
        0x181d_9c6e,
        0xe3f8_2d19,
        0x988e_056b,
        0xe23e_e7e4,
        0xb331_2fa7,
    ];
    const G: ([u32; 12], [u32; 12]) = (
        [
            0x7276_0ab7,
            0x3a54_5e38,
            0xbf55_296c,
            0x5502_f25d,
            0x8254_2a38,
            0x59f7_41e0,
            0x8ba7_9b98,
            0x6e1d_3b62,
            0xf320_ad74,
            0x8eb1_c71e,
            0xbe8b_0537,
            0xaa87_ca22,
        ],
        [
            0x90ea_0e5f,
            0x7a43_1d7c,
            0x1d7e_819d,
            0x0a60_b1ce,
            0xb5f0_b8c0,
            0xe9da_3113,
            0x289a_147c,
            0xf8f4_1dbd,
            0x9292_dc29,
            0x5d9e_98bf,
            0x9626_2c6f,
            0x3617_de4a,
        ],
    );
    const N: [u32; 12] = [
        0xccc5_2973,
        0xecec_196a,
        0x48b0_a77a,
        0x581a_0db2,
        0xf437_2ddf,
        0xc763_4d81,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
    ];
    const N0INV: u32 = 0xe88f_dc45;
    const R2_N: [u32; 12] = [
        0x19b4_09a9,
        0x2d31_9b24,
        0xdf1a_a419,
        0xff3d_81e5,
        0xfcb8_2947,
        0xbc3e_483a,
        0x4aab_1cc5,
        0xd40d_4917,
        0x2826_6895,
        0x3fb0_5b7a,
        0x2b39_bf21,
        0x0c84_ee01,
    ];

    fn reduce(c: &[u32; 2 * MAX_WORDS]) -> [u32; 12] {
        // 2^384 ≡ 2^128 + 2^96 − 2^32 + 1, so word k ≥ 12 (weight 2^(32k)) moves to words
        // k − 8 and k − 9 (added) and k − 11 (subtracted) and k − 12 (added). Folding from the
        // top down, words 20..23 land on 12..15 and are folded again in turn. Every sum stays
        // within a few multiples of 2^32.
        let mut s = c.map(i64::from);
        for k in (12..24).rev() {
            let v = s[k];
            s[k - 12] += v;
            s[k - 11] -= v;
            s[k - 9] += v;
            s[k - 8] += v;
        }
        let mut low = [0i64; 12];
        low.copy_from_slice(&s[..12]);
        let mut out = [0u32; 12];
        let top = propagate(&low, &mut out);
        settle(out, top, &Self::P, |s, top| {
            s[0] += top;
            s[1] -= top;
            s[3] += top;
            s[4] += top;
        })
    }
}
