//! Cross-checks against RustCrypto's `p256` and `p384` (constant-time, audited): the field and
//! scalar arithmetic, the NAF, and whole verifications of honest, forged and crafted
//! signatures. One suite, instantiated per curve.

extern crate std;

/// The suite for one curve: our module, RustCrypto's crate, the curve marker, words and bytes
/// of an element, and the crate's integer type.
macro_rules! cross_check {
    ($name:ident, $ours:ident, $theirs:ident, $curve:ident, $words:literal, $bytes:literal, $uint:ident) => {
mod $name {
use crate::curve::{Curve, $curve};
use crate::$ours::VerifyingKey;
use crate::{field, naf, scalar};
use $theirs::elliptic_curve::ops::Reduce;
use $theirs::elliptic_curve::point::AffineCoordinates;
use $theirs::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use $theirs::elliptic_curve::PrimeField;
use $theirs::{AffinePoint, EncodedPoint, FieldElement, ProjectivePoint, Scalar, $uint};
use proptest::prelude::*;
use super::std::vec;
use super::std::vec::Vec;

type F = field::Fe<$curve, $words>;

fn fe(bytes: &[u8; $bytes]) -> Option<(F, FieldElement)> {
    let ours = F::from_be(bytes)?;
    let theirs = Option::from(FieldElement::from_bytes(bytes.into()))?;
    Some((ours, theirs))
}

fn be(fe: &F) -> [u8; $bytes] {
    let mut out = [0u8; $bytes];
    for (chunk, w) in out.rchunks_exact_mut(4).zip(fe.0.iter()) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn words_be(w: &[u32; $words]) -> [u8; $bytes] {
    be(&F::from_words_below_p(*w))
}

/// Values at the edges: 0, 1, 2, p − 1, p − 2, 2^255, 2^224, all-ones low half, …
fn edge_values() -> Vec<[u8; $bytes]> {
    let p_minus = |k: u8| {
        let mut b = be(&F::from_words_below_p(<$curve as Curve<$words>>::P));
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
        // Not below p: both must refuse.
        assert_eq!(
            F::from_be(a).is_some(),
            bool::from(FieldElement::from_bytes(a.into()).is_some())
        );
        return;
    };
    assert_eq!(be(&xa.mul(&xb)), <[u8; $bytes]>::from((ta * tb).to_bytes()));
    assert_eq!(be(&xa.square()), <[u8; $bytes]>::from(ta.square().to_bytes()));
    assert_eq!(be(&xa.add(&xb)), <[u8; $bytes]>::from((ta + tb).to_bytes()));
    assert_eq!(be(&xa.sub(&xb)), <[u8; $bytes]>::from((ta - tb).to_bytes()));
    assert_eq!(be(&xa.neg()), <[u8; $bytes]>::from((-ta).to_bytes()));
    let inv = Option::from(ta.invert()).unwrap_or(FieldElement::ZERO);
    assert_eq!(be(&xa.invert()), <[u8; $bytes]>::from(inv.to_bytes()));
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
        let sa = Scalar::from_repr(a.into()).unwrap();
        let sb = Scalar::from_repr(b.into()).unwrap();
        // mont_mul(x, invert_mont(y)) = x / y.
        let quotient = scalar::mont_mul::<$curve, $words>(&x, &scalar::invert_mont::<$curve, $words>(&y));
        let expected = sa * sb.invert().unwrap();
        prop_assert_eq!(words_be(&quotient), <[u8; $bytes]>::from(expected.to_repr()));
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
        prop_assert_eq!(<[u8; $bytes]>::from(sum.to_repr()), words_be(&k));
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
    fn honest_signatures_verify(secret in any::<[u8; $bytes]>(), digest in any::<[u8; $bytes]>(), flip in 0usize..3 * $bytes) {
        use $theirs::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let Ok(signing) = $theirs::ecdsa::SigningKey::from_bytes(&secret.into()) else { return Ok(()); };
        let sig: $theirs::ecdsa::Signature = signing.sign_prehash(&digest).unwrap();
        let point = signing.verifying_key().to_encoded_point(false);
        let key = VerifyingKey::from_sec1_uncompressed(point.as_bytes()).unwrap();
        let bytes: [u8; 2 * $bytes] = sig.to_bytes().as_slice().try_into().unwrap();
        let (r, s) = bytes.split_at($bytes);
        let (r, s): ([u8; $bytes], [u8; $bytes]) = (r.try_into().unwrap(), s.try_into().unwrap());
        prop_assert!(key.verify_prehash(&digest, &r, &s));
        // One bit of the digest, r or s changed: refused, as RustCrypto refuses it.
        let mut all = [0u8; 3 * $bytes];
        all[..$bytes].copy_from_slice(&digest);
        all[$bytes..2 * $bytes].copy_from_slice(&r);
        all[2 * $bytes..].copy_from_slice(&s);
        all[flip] ^= 1 << (flip % 8);
        let (d2, rest) = all.split_at($bytes);
        let (r2, s2) = rest.split_at($bytes);
        let ours = key.verify_prehash(d2, r2.try_into().unwrap(), s2.try_into().unwrap());
        let theirs = $theirs::ecdsa::Signature::from_slice(rest)
            .map(|sig| signing.verifying_key().verify_prehash(d2, &sig).is_ok())
            .unwrap_or(false);
        prop_assert!(!ours);
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn garbage_is_refused(point in any::<[u8; 2 * $bytes]>(), digest in any::<[u8; $bytes]>(), r in any::<[u8; $bytes]>(), s in any::<[u8; $bytes]>()) {
        let mut sec1 = [4u8; 2 * $bytes + 1];
        sec1[1..].copy_from_slice(&point);
        let ours = VerifyingKey::from_sec1_uncompressed(&sec1);
        let theirs = $theirs::ecdsa::VerifyingKey::from_sec1_bytes(&sec1);
        prop_assert_eq!(ours.is_some(), theirs.is_ok());
        if let Some(key) = ours {
            prop_assert!(!key.verify_prehash(&digest, &r, &s));
        }
    }
}

/// A signature with a chosen nonce k, from RustCrypto's arithmetic: (r, s).
fn sign_with(d: Scalar, k: Scalar, e: Scalar) -> ([u8; $bytes], [u8; $bytes]) {
    let big_r = (ProjectivePoint::GENERATOR * k).to_affine();
    let r = <Scalar as Reduce<$uint>>::reduce_bytes(&big_r.x());
    let s = k.invert().unwrap() * (e + r * d);
    (r.to_repr().into(), s.to_repr().into())
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
    let digest: [u8; $bytes] = r.to_repr().into();
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
    let r = Scalar::from_repr(r_bytes.into()).unwrap();
    let e = Scalar::from(77u64);
    let q = ((ProjectivePoint::from(big_r) - ProjectivePoint::GENERATOR * e) * r.invert().unwrap())
        .to_affine();
    let key = key_of(&q);
    let digest: [u8; $bytes] = e.to_repr().into();
    let mut one = [0u8; $bytes];
    one[$bytes - 1] = 1;
    assert!(key.verify_prehash(&digest, &r_bytes, &one));
    // RustCrypto agrees.
    use $theirs::ecdsa::signature::hazmat::PrehashVerifier;
    let sig = $theirs::ecdsa::Signature::from_scalars(r_bytes, one).unwrap();
    assert!($theirs::ecdsa::VerifyingKey::from_affine(q)
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
    let s: [u8; $bytes] = Scalar::from(3u64).to_repr().into();
    assert!(!key.verify_prehash(&<[u8; $bytes]>::from(e.to_repr()), &r.to_repr().into(), &s));
}

#[test]
fn r_and_s_out_of_range_are_refused() {
    let secret = Scalar::from(42u64);
    let q = (ProjectivePoint::GENERATOR * secret).to_affine();
    let key = key_of(&q);
    let e = Scalar::from(1000u64);
    let (r, s) = sign_with(secret, Scalar::from(99u64), e);
    let digest: [u8; $bytes] = e.to_repr().into();
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
    use $theirs::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
    let signing = $theirs::ecdsa::SigningKey::from_bytes(&[7u8; $bytes].into()).unwrap();
    let key = key_of(signing.verifying_key().as_affine());
    for digest in [&[0x5au8; 64][..], &[0xa5u8; 48][..], &[0x3cu8; 32][..], &[0x11u8; $bytes / 2 + 4][..]] {
        let sig: $theirs::ecdsa::Signature = signing.sign_prehash(digest).unwrap();
        assert!(signing.verifying_key().verify_prehash(digest, &sig).is_ok());
        let bytes: [u8; 2 * $bytes] = sig.to_bytes().as_slice().try_into().unwrap();
        let (r, s) = bytes.split_at($bytes);
        assert!(key.verify_prehash(digest, r.try_into().unwrap(), s.try_into().unwrap()));
    }
}

#[test]
fn keys_in_other_forms_or_off_the_curve_are_refused() {
    let signing = $theirs::ecdsa::SigningKey::from_bytes(&[9u8; $bytes].into()).unwrap();
    let point = signing.verifying_key().to_encoded_point(false);
    let good = point.as_bytes();
    assert!(VerifyingKey::from_sec1_uncompressed(good).is_some());
    let compressed = signing.verifying_key().to_encoded_point(true);
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

cross_check!(p256_suite, p256, p256, P256, 8, 32, U256);
cross_check!(p384_suite, p384, p384, P384, 12, 48, U384);
