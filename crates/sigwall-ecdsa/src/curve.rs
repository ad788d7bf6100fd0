//! The two curves: their constants, and the reduction of a double-width product modulo each
//! prime by its special form.

use crate::field::{cmp, propagate, sub_in_place};
use core::cmp::Ordering;

/// Words of the largest field (P-521).
pub(crate) const MAX_WORDS: usize = 17;

/// A short-Weierstrass curve y² = x³ − 3x + b over GF(p) with a prime order n, in W 32-bit
/// words (the NIST curves here: W = 8, 12, 17).
pub(crate) trait Curve<const W: usize>: 'static {
    /// Bytes of a field element or scalar in SEC 1 and in signatures (at most 4·W).
    const BYTES: usize;
    /// Bits of n: a digest's leftmost `N_BITS` bits are its integer (SEC 1 §4.1.3).
    const N_BITS: usize;
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
    const BYTES: usize = 32;
    const N_BITS: usize = 256;
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
        let c: [i64; 16] = core::array::from_fn(|i| i64::from(c[i]));
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
    const BYTES: usize = 48;
    const N_BITS: usize = 384;
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
        let mut s: [i64; 24] = core::array::from_fn(|i| i64::from(c[i]));
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

/// NIST P-521 (secp521r1): p = 2^521 − 1, a Mersenne prime.
pub(crate) struct P521;

impl Curve<17> for P521 {
    const BYTES: usize = 66;
    const N_BITS: usize = 521;
    const P: [u32; 17] = [
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0x0000_01ff,
    ];
    const B: [u32; 17] = [
        0x6b50_3f00,
        0xef45_1fd4,
        0x3d2c_34f1,
        0x3573_df88,
        0x3bb1_bf07,
        0x1652_c0bd,
        0xec7e_937b,
        0x5619_3951,
        0x8ef1_09e1,
        0xb8b4_8991,
        0x99b3_15f3,
        0xa2da_725b,
        0xb685_40ee,
        0x929a_21a0,
        0x8e1c_9a1f,
        0x953e_b961,
        0x0000_0051,
    ];
    const G: ([u32; 17], [u32; 17]) = (
        [
            0xc2e5_bd66,
            0xf97e_7e31,
            0x856a_429b,
            0x3348_b3c1,
            0xa2ff_a8de,
            0xfe1d_c127,
            0xefe7_5928,
            0xa14b_5e77,
            0x6b4d_3dba,
            0xf828_af60,
            0x053f_b521,
            0x9c64_8139,
            0x2395_b442,
            0x9e3e_cb66,
            0x0404_e9cd,
            0x858e_06b7,
            0x0000_00c6,
        ],
        [
            0x9fd1_6650,
            0x88be_9476,
            0xa272_c240,
            0x353c_7086,
            0x3fad_0761,
            0xc550_b901,
            0x5ef4_2640,
            0x97ee_7299,
            0x273e_662c,
            0x17af_bd17,
            0x579b_4468,
            0x98f5_4449,
            0x2c7d_1bd9,
            0x5c8a_5fb4,
            0x9a3b_c004,
            0x3929_6a78,
            0x0000_0118,
        ],
    );
    const N: [u32; 17] = [
        0x9138_6409,
        0xbb6f_b71e,
        0x899c_47ae,
        0x3bb5_c9b8,
        0xf709_a5d0,
        0x7fcc_0148,
        0xbf2f_966b,
        0x5186_8783,
        0xffff_fffa,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0x0000_01ff,
    ];
    const N0INV: u32 = 0x79a9_95c7;
    const R2_N: [u32; 17] = [
        0x61c6_4ca7,
        0x1163_115a,
        0x4374_a642,
        0x1835_4a56,
        0x0791_d9dc,
        0x5d4d_d6d3,
        0xd340_2705,
        0x4fb3_5b72,
        0xb775_6e3a,
        0xcff3_d142,
        0xa8e5_67bc,
        0x5bcc_6d61,
        0x492d_0d45,
        0x2d8e_03d1,
        0x8c44_383d,
        0x5b5a_3afe,
        0x0000_019a,
    ];

    fn reduce(c: &[u32; 2 * MAX_WORDS]) -> [u32; 17] {
        // c = L + H·2^521 ≡ L + H, with L its low 521 bits and H the rest (below 2^521, as c is
        // a product of two elements below 2^521). The sum is below 2^522: one more fold of its
        // bit 521 leaves at most p, and one subtraction at most.
        let mut out = [0u32; 17];
        out.copy_from_slice(&c[..17]);
        out[16] &= 0x1ff;
        let mut high = [0u32; 17];
        for (i, h) in high.iter_mut().enumerate() {
            *h = (c[16 + i] >> 9) | (c[17 + i] << 23);
        }
        crate::field::add_in_place(&mut out, &high);
        let top = out[16] >> 9;
        out[16] &= 0x1ff;
        let mut carry = u64::from(top);
        for w in out.iter_mut() {
            let s = u64::from(*w) + carry;
            *w = s as u32;
            carry = s >> 32;
        }
        if cmp(&out, &Self::P) != Ordering::Less {
            sub_in_place(&mut out, &Self::P);
        }
        out
    }
}
