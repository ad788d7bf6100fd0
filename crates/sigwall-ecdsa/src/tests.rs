//! Cross-checks against RustCrypto (constant-time, audited): the field and scalar arithmetic
//! against `crypto-bigint`'s modular arithmetic with the curve's p and n, the NAF, and whole
//! verifications of honest, forged and crafted signatures against `p256`, `p384` and `p521`.
//! One suite, instantiated per curve.

extern crate std;

/// The suite for one curve: our module, RustCrypto's crate, the curve marker, words and bytes
/// of an element, the crate's integer type, and the digest length its signer takes (RustCrypto
/// reduces a 66-byte P-521 prehash where SEC 1 and Go shift it; no hash is that long).
macro_rules! cross_check {
    ($name:ident, $ours:ident, $theirs:ident, $theirs_curve:ident, $curve:ident, $words:literal, $bytes:literal, $uint:ident, $dlen:literal) => {
mod $name {
use crate::curve::{Curve, $curve};
use crate::$ours::VerifyingKey;
use crate::{field, naf, scalar};
use $theirs::elliptic_curve::ops::Reduce;
use $theirs::elliptic_curve::point::AffineCoordinates;
use $theirs::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use $theirs::elliptic_curve::group::Group as _;
use $theirs::elliptic_curve::PrimeField;
#[allow(unused_imports)] // `is_zero` is inherent on some curves' scalars, a trait method on others
use $theirs::elliptic_curve::Field as _;
use $theirs::elliptic_curve::bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use $theirs::elliptic_curve::bigint::{Encoding, U576 as Big};
use $theirs::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, $uint};

/// The `ecdsa` crate's types for the curve (what `p256::ecdsa` and `p384::ecdsa` name; p521
/// 0.13 wraps them, and signs and verifies prehashes only with features we do not enable, so
/// signatures are made with the curve arithmetic: `sign_with`, `theirs_verify`).
mod theirs_ecdsa {
    pub(super) type VerifyingKey = ::ecdsa::VerifyingKey<$theirs::$theirs_curve>;
    pub(super) type Signature = ::ecdsa::Signature<$theirs::$theirs_curve>;
    pub(super) use ::ecdsa::signature;
}
use proptest::prelude::*;
use super::std::vec;
use super::std::vec::Vec;

type F = field::Fe<$curve, $words>;
type Residue = DynResidue<{ Big::LIMBS }>;

const P: [u32; $words] = <$curve as Curve<$words>>::P;
const N: [u32; $words] = <$curve as Curve<$words>>::N;

/// Big-endian bytes of W words, the element's width (`$bytes`; the words may hold more).
fn words_be(w: &[u32; $words]) -> [u8; $bytes] {
    let mut all = [0u8; 4 * $words];
    for (chunk, word) in all.rchunks_exact_mut(4).zip(w.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    all[4 * $words - $bytes..].try_into().unwrap()
}

fn be(fe: &F) -> [u8; $bytes] {
    words_be(&fe.0)
}

fn fb(bytes: &[u8]) -> FieldBytes {
    FieldBytes::clone_from_slice(bytes)
}

fn arr(bytes: impl AsRef<[u8]>) -> [u8; $bytes] {
    bytes.as_ref().try_into().unwrap()
}

fn big(bytes: &[u8]) -> Big {
    let mut all = [0u8; 72];
    all[72 - bytes.len()..].copy_from_slice(bytes);
    Big::from_be_slice(&all)
}

fn unbig(x: Big) -> [u8; $bytes] {
    x.to_be_bytes()[72 - $bytes..].try_into().unwrap()
}

/// crypto-bigint's arithmetic modulo `modulus` (the oracle for ours).
fn residue(bytes: &[u8], modulus: &[u32; $words]) -> Residue {
    Residue::new(&big(bytes), DynResidueParams::new(&big(&words_be(modulus))))
}

fn fe(bytes: &[u8; $bytes]) -> Option<(F, Residue)> {
    let ours = F::from_be(bytes)?;
    Some((ours, residue(bytes, &P)))
}

/// Values at the edges: 0, 1, 2, p − 1, p − 2, 2^255, 2^224, all-ones low half, …
fn edge_values() -> Vec<[u8; $bytes]> {
    let p_minus = |k: u8| {
        let mut b = words_be(&P);
        b[$bytes - 1] -= k;
        b
    };
    let mut out = vec![[0u8; $bytes], [0xff; $bytes], p_minus(1), p_minus(2), p_minus(3)];
    let mut one = [0u8; $bytes];
    one[$bytes - 1] = 1;
    out.push(one);
    let mut top = [0u8; $bytes];
    top[0] = 0x80;
    out.push(top);
    let mut w224 = [0u8; $bytes];
    w224[3] = 1; // 2^(8·$bytes − 32)
    out.push(w224);
    let mut low = [0u8; $bytes];
    low[$bytes / 2..].fill(0xff);
    out.push(low);
    let mut high = [0u8; $bytes];
    high[..$bytes / 2].fill(0xff);
    out.push(high);
    out
}

fn check_field(a: &[u8; $bytes], b: &[u8; $bytes]) {
    let (Some((xa, ta)), Some((xb, tb))) = (fe(a), fe(b)) else {
        // Not below p: refused.
        assert_eq!(F::from_be(a).is_some(), big(a) < big(&words_be(&P)));
        return;
    };
    assert_eq!(be(&xa.mul(&xb)), unbig(ta.mul(&tb).retrieve()));
    assert_eq!(be(&xa.square()), unbig(ta.square().retrieve()));
    assert_eq!(be(&xa.add(&xb)), unbig(ta.add(&tb).retrieve()));
    assert_eq!(be(&xa.sub(&xb)), unbig(ta.sub(&tb).retrieve()));
    assert_eq!(be(&xa.neg()), unbig(ta.neg().retrieve()));
    let (inv, exists) = ta.invert();
    let inv = if bool::from(exists) { unbig(inv.retrieve()) } else { [0u8; $bytes] };
    assert_eq!(be(&xa.invert()), inv);
}

#[test]
fn field_edges_match() {
    let edges = edge_values();
    for a in &edges {
        for b in &edges {
            check_field(a, b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn field_matches(a in any::<[u8; $bytes]>(), b in any::<[u8; $bytes]>(), mask in 0u8..4) {
        // Half the cases near p: ones in the top words make reductions carry.
        let mut a = a;
        if mask & 1 == 1 { a[..12].fill(0xff); a[..4].copy_from_slice(&[0xff, 0xff, 0xff, 0xfe]); }
        check_field(&a, &b);
    }

    #[test]
    fn scalar_matches(a in any::<[u8; $bytes]>(), b in any::<[u8; $bytes]>()) {
        let (Some(x), Some(y)) = (scalar::nonzero_below_n::<$curve, $words>(&a), scalar::nonzero_below_n::<$curve, $words>(&b)) else {
            return Ok(());
        };
        // mont_mul(x, invert_mont(y)) = x / y.
        let quotient = scalar::mont_mul::<$curve, $words>(&x, &scalar::invert_mont::<$curve, $words>(&y));
        let expected = residue(&a, &N).mul(&residue(&b, &N).invert().0);
        prop_assert_eq!(words_be(&quotient), unbig(expected.retrieve()));
    }

    #[test]
    fn naf_recomposes(a in any::<[u8; $bytes]>()) {
        let k = scalar::digest_mod_n::<$curve, $words>(&a);
        let (digits, len) = naf(&k);
        prop_assert!(digits[len..].iter().all(|&d| d == 0));
        let mut sum = Scalar::ZERO;
        for d in digits.iter().rev() {
            sum = sum.double();
            let m = Scalar::from(u64::from(d.unsigned_abs()));
            sum = if *d < 0 { sum - m } else { sum + m };
        }
        prop_assert_eq!(arr(sum.to_repr()), words_be(&k));
        // Width 7: odd digits below 64 in magnitude, six zeros after each.
        let mut gap = 6;
        for d in digits {
            if d != 0 {
                prop_assert!(d % 2 != 0 && d.unsigned_abs() < 64 && gap >= 6);
                gap = 0;
            } else {
                gap += 1;
            }
        }
    }

    #[test]
    fn honest_signatures_verify(secret in any::<[u8; $bytes]>(), nonce in any::<[u8; $bytes]>(), digest in any::<[u8; $dlen]>(), flip in 0usize..$dlen + 2 * $bytes) {
        let d = <Scalar as Reduce<$uint>>::reduce_bytes(&fb(&secret));
        let k = <Scalar as Reduce<$uint>>::reduce_bytes(&fb(&nonce));
        if bool::from(d.is_zero()) || bool::from(k.is_zero()) { return Ok(()); }
        let (r, s) = sign_with(d, k, e_of(&digest));
        let q = (ProjectivePoint::GENERATOR * d).to_affine();
        let key = key_of(&q);
        prop_assert!(theirs_verify(&q, &digest, &r, &s));
        prop_assert!(key.verify_prehash(&digest, &r, &s));
        // One bit of the digest, r or s changed: refused, as RustCrypto's arithmetic refuses it.
        let mut all = [0u8; $dlen + 2 * $bytes];
        all[..$dlen].copy_from_slice(&digest);
        all[$dlen..$dlen + $bytes].copy_from_slice(&r);
        all[$dlen + $bytes..].copy_from_slice(&s);
        all[flip] ^= 1 << (flip % 8);
        let (d2, rest) = all.split_at($dlen);
        let (r2, s2) = rest.split_at($bytes);
        let (r2, s2): ([u8; $bytes], [u8; $bytes]) = (r2.try_into().unwrap(), s2.try_into().unwrap());
        let ours = key.verify_prehash(d2, &r2, &s2);
        prop_assert!(!ours);
        prop_assert_eq!(ours, theirs_verify(&q, d2, &r2, &s2));
    }

    #[test]
    fn garbage_is_refused(point in any::<[u8; 2 * $bytes]>(), digest in any::<[u8; $bytes]>(), r in any::<[u8; $bytes]>(), s in any::<[u8; $bytes]>()) {
        let mut sec1 = [4u8; 2 * $bytes + 1];
        sec1[1..].copy_from_slice(&point);
        let ours = VerifyingKey::from_sec1_uncompressed(&sec1);
        let theirs = theirs_ecdsa::VerifyingKey::from_sec1_bytes(&sec1);
        prop_assert_eq!(ours.is_some(), theirs.is_ok());
        if let Some(key) = ours {
            prop_assert!(!key.verify_prehash(&digest, &r, &s));
        }
    }
}

/// A digest whose integer, as SEC 1 §4.1.3 (and Go) read it, is `e`: its bytes, shifted left
/// past the bits of n that the last byte does not hold (P-521).
fn digest_of(e: &Scalar) -> [u8; $bytes] {
    let shift = 8 * $bytes - <$curve as Curve<$words>>::N_BITS;
    unbig(big(&e.to_repr()).shl_vartime(shift))
}

/// A digest of `$dlen` bytes for a small `e` (below 2^(8·$dlen)): one that RustCrypto's
/// verifier, which reads a 66-byte P-521 digest differently, reads the same way.
fn short_digest(e: &Scalar) -> [u8; $dlen] {
    e.to_repr()[$bytes - $dlen..].try_into().unwrap()
}

/// A signature with a chosen nonce k, from RustCrypto's arithmetic: (r, s).
fn sign_with(d: Scalar, k: Scalar, e: Scalar) -> ([u8; $bytes], [u8; $bytes]) {
    let big_r = (ProjectivePoint::GENERATOR * k).to_affine();
    let r = <Scalar as Reduce<$uint>>::reduce_bytes(&big_r.x());
    let s = k.invert().unwrap() * (e + r * d);
    (arr(r.to_repr()), arr(s.to_repr()))
}

/// A digest's integer modulo n as RustCrypto's `bits2field` reads it (its leftmost bytes;
/// left-padded when shorter), for digests no longer than the field.
fn e_of(digest: &[u8]) -> Scalar {
    let field = ::ecdsa::hazmat::bits2field::<$theirs::$theirs_curve>(digest).unwrap_or_else(|_| {
        let mut padded = [0u8; $bytes];
        padded[$bytes - digest.len()..].copy_from_slice(digest);
        fb(&padded)
    });
    <Scalar as Reduce<$uint>>::reduce_bytes(&field)
}

/// ECDSA verification written with RustCrypto's arithmetic: x(e/s·G + r/s·Q) ≡ r (mod n).
fn theirs_verify(q: &AffinePoint, digest: &[u8], r: &[u8; $bytes], s: &[u8; $bytes]) -> bool {
    let (Some(r), Some(s)) = (
        Option::<Scalar>::from(Scalar::from_repr(fb(r))),
        Option::<Scalar>::from(Scalar::from_repr(fb(s))),
    ) else {
        return false;
    };
    if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
        return false;
    }
    let w = s.invert().unwrap();
    let sum = ProjectivePoint::GENERATOR * (e_of(digest) * w) + ProjectivePoint::from(*q) * (r * w);
    if bool::from(sum.is_identity()) {
        return false;
    }
    <Scalar as Reduce<$uint>>::reduce_bytes(&sum.to_affine().x()) == r
}

fn key_of(point: &AffinePoint) -> VerifyingKey {
    VerifyingKey::from_sec1_uncompressed(point.to_encoded_point(false).as_bytes()).unwrap()
}

#[test]
fn equal_scalars_take_the_doubling_branch() {
    // Key G (secret 1) and e = r: u1 = u2, so every addition of a G multiple is followed by
    // the addition of the same point, which the mixed addition must turn into a doubling.
    let k = Scalar::from(0x1234_5678_u64);
    let big_r = (ProjectivePoint::GENERATOR * k).to_affine();
    let r = <Scalar as Reduce<$uint>>::reduce_bytes(&big_r.x());
    let (r_bytes, s_bytes) = sign_with(Scalar::ONE, k, r);
    let key = key_of(&AffinePoint::GENERATOR);
    let digest = digest_of(&r);
    assert!(key.verify_prehash(&digest, &r_bytes, &s_bytes));
    let mut wrong = s_bytes;
    wrong[$bytes - 1] ^= 2;
    assert!(!key.verify_prehash(&digest, &r_bytes, &wrong));
}

#[test]
fn x_above_n_is_reduced_before_comparing() {
    // A point R whose x lies in [n, p): then r = x − n. With s = 1, u1 = e and u2 = r, and the
    // key Q = (R − e·G)/r makes u1·G + u2·Q = R.
    let n = <$curve as Curve<$words>>::N;
    // From n + 1: r = x − n must not be zero.
    let mut x = n;
    x[0] += 1;
    let big_r = loop {
        let encoded = EncodedPoint::from_bytes([&[2u8][..], &words_be(&x)].concat()).unwrap();
        if let Some(p) = Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded)) {
            break p;
        }
        let mut one = [0u32; $words];
        one[0] = 1;
        field::add_in_place(&mut x, &one);
    };
    let mut r_words = x;
    field::sub_in_place(&mut r_words, &n);
    let r_bytes = words_be(&r_words);
    let r = Scalar::from_repr(fb(&r_bytes)).unwrap();
    let e = Scalar::from(77u64);
    let q = ((ProjectivePoint::from(big_r) - ProjectivePoint::GENERATOR * e) * r.invert().unwrap())
        .to_affine();
    let key = key_of(&q);
    let digest = short_digest(&e);
    let mut one = [0u8; $bytes];
    one[$bytes - 1] = 1;
    assert!(key.verify_prehash(&digest, &r_bytes, &one));
    // RustCrypto agrees.
    use theirs_ecdsa::signature::hazmat::PrehashVerifier;
    let sig = theirs_ecdsa::Signature::from_scalars(fb(&r_bytes), fb(&one)).unwrap();
    assert!(theirs_ecdsa::VerifyingKey::from_affine(q)
        .unwrap()
        .verify_prehash(&digest, &sig)
        .is_ok());
    // And r = x itself (which is ≥ n) is not a valid r.
    assert!(!key.verify_prehash(&digest, &words_be(&x), &one));
}

#[test]
fn a_sum_at_infinity_is_refused() {
    // Q = −(e/r)·G: u1·G + u2·Q = (e/s)·G − (r/s)(e/r)·G = the point at infinity.
    let e = Scalar::from(5u64);
    let r = Scalar::from(11u64);
    let q = (-(ProjectivePoint::GENERATOR * (e * r.invert().unwrap()))).to_affine();
    let key = key_of(&q);
    let s = arr(Scalar::from(3u64).to_repr());
    assert!(!key.verify_prehash(&digest_of(&e), &arr(r.to_repr()), &s));
}

#[test]
fn r_and_s_out_of_range_are_refused() {
    let secret = Scalar::from(42u64);
    let q = (ProjectivePoint::GENERATOR * secret).to_affine();
    let key = key_of(&q);
    let e = Scalar::from(1000u64);
    let (r, s) = sign_with(secret, Scalar::from(99u64), e);
    let digest = digest_of(&e);
    assert!(key.verify_prehash(&digest, &r, &s));
    let n = words_be(&<$curve as Curve<$words>>::N);
    let zero = [0u8; $bytes];
    for (r2, s2) in [
        (zero, s),
        (r, zero),
        (n, s),
        (r, n),
        ([0xff; $bytes], s),
        (r, [0xff; $bytes]),
    ] {
        assert!(!key.verify_prehash(&digest, &r2, &s2));
    }
    // s + n is the same residue, but not a valid encoding.
    let mut s_plus_n = field::words_from_be::<$words>(&s).unwrap();
    if !field::add_in_place(&mut s_plus_n, &<$curve as Curve<$words>>::N) {
        assert!(!key.verify_prehash(&digest, &r, &words_be(&s_plus_n)));
    }
}

#[test]
fn digests_of_other_lengths_use_the_leftmost_bits() {
    let d = Scalar::from(7u64);
    let q = (ProjectivePoint::GENERATOR * d).to_affine();
    let key = key_of(&q);
    for digest in [&[0x5au8; 64][..], &[0xa5u8; 48][..], &[0x3cu8; 32][..], &[0x11u8; 20][..]] {
        let (r, s) = sign_with(d, Scalar::from(12_345u64), e_of(digest));
        assert!(theirs_verify(&q, digest, &r, &s));
        assert!(key.verify_prehash(digest, &r, &s), "{} bytes", digest.len());
    }
}

#[test]
fn keys_in_other_forms_or_off_the_curve_are_refused() {
    let public = (ProjectivePoint::GENERATOR * Scalar::from(0x0909_0909u64)).to_affine();
    let point = public.to_encoded_point(false);
    let good = point.as_bytes();
    assert!(VerifyingKey::from_sec1_uncompressed(good).is_some());
    let compressed = public.to_encoded_point(true);
    assert!(VerifyingKey::from_sec1_uncompressed(compressed.as_bytes()).is_none());
    assert!(VerifyingKey::from_sec1_uncompressed(&good[..2 * $bytes]).is_none());
    assert!(VerifyingKey::from_sec1_uncompressed(&[good, &[0]].concat()).is_none());
    assert!(VerifyingKey::from_sec1_uncompressed(&[]).is_none());
    let mut off = good.to_vec();
    off[2 * $bytes] ^= 1;
    assert!(VerifyingKey::from_sec1_uncompressed(&off).is_none());
    // x + p in place of x: above p, refused even though it is the same residue.
    let mut tag = good.to_vec();
    tag[0] = 6;
    assert!(VerifyingKey::from_sec1_uncompressed(&tag).is_none());
    let mut big = good.to_vec();
    big[1..$bytes + 1].copy_from_slice(&be(&F::from_words_below_p(<$curve as Curve<$words>>::P)));
    assert!(VerifyingKey::from_sec1_uncompressed(&big).is_none());
}
}
    };
}

cross_check!(p256_suite, p256, p256, NistP256, P256, 8, 32, U256, 32);
cross_check!(p384_suite, p384, p384, NistP384, P384, 12, 48, U384, 48);
cross_check!(p521_suite, p521, p521, NistP521, P521, 17, 66, U576, 64);
