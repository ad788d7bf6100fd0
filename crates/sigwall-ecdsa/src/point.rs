//! Points of a curve y² = x³ − 3x + b: affine points for tables, Jacobian points
//! (x = X/Z², y = Y/Z³, Z = 0 for the point at infinity) for sums, with the a = −3 doubling
//! and the mixed addition of the Explicit-Formulas Database (dbl-2001-b, madd-2007-bl).

use crate::curve::Curve;
use crate::field::Fe;

/// A finite point, (x, y).
pub(crate) struct Affine<C, const W: usize> {
    pub(crate) x: Fe<C, W>,
    pub(crate) y: Fe<C, W>,
}

impl<C: Curve<W>, const W: usize> Affine<C, W> {
    /// Whether (x, y) satisfies the curve equation.
    pub(crate) fn is_on_curve(&self) -> bool {
        let x2 = self.x.square();
        let rhs = x2
            .mul(&self.x)
            .sub(&self.x.double().add(&self.x))
            .add(&Fe::from_words_below_p(C::B));
        self.y.square() == rhs
    }

    pub(crate) fn neg(&self) -> Self {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// A point in Jacobian coordinates.
pub(crate) struct Jacobian<C, const W: usize> {
    pub(crate) x: Fe<C, W>,
    pub(crate) y: Fe<C, W>,
    pub(crate) z: Fe<C, W>,
}

impl<C: Curve<W>, const W: usize> Jacobian<C, W> {
    pub(crate) const INFINITY: Self = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn from_affine(p: &Affine<C, W>) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    pub(crate) fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// 2·self (dbl-2001-b, a = −3). The curve has prime order, so no finite point doubles to
    /// infinity; infinity doubles to itself (Z stays 0).
    pub(crate) fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2_8 = gamma.square().double().double().double();
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma2_8);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q (madd-2007-bl), with the cases the formula does not cover: either operand at
    /// infinity, q = self (a doubling) and q = −self (infinity).
    pub(crate) fn add_affine(&self, q: &Affine<C, W>) -> Self {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}

/// Affine forms of finite Jacobian points with one inversion (Montgomery's trick);
/// `None` if any of them is the point at infinity.
pub(crate) fn to_affine_batch<C: Curve<W>, const W: usize, const K: usize>(
    points: &[Jacobian<C, W>; K],
) -> Option<[Affine<C, W>; K]> {
    // prefix[i] = z_0 · … · z_i
    let mut prefix = [Fe::ONE; K];
    let mut acc = Fe::ONE;
    for (slot, p) in prefix.iter_mut().zip(points.iter()) {
        if p.is_infinity() {
            return None;
        }
        acc = acc.mul(&p.z);
        *slot = acc;
    }
    let mut inv = acc.invert();
    let mut out = [Affine {
        x: Fe::ZERO,
        y: Fe::ZERO,
    }; K];
    for i in (0..K).rev() {
        // inv = 1/(z_0 · … · z_i) here.
        let zinv = match i.checked_sub(1).and_then(|k| prefix.get(k)) {
            Some(before) => inv.mul(before),
            None => inv,
        };
        let (Some(p), Some(slot)) = (points.get(i), out.get_mut(i)) else {
            return None;
        };
        inv = inv.mul(&p.z);
        let zinv2 = zinv.square();
        *slot = Affine {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2).mul(&zinv),
        };
    }
    Some(out)
}

// Derives would ask the curve marker for the traits.
impl<C, const W: usize> Clone for Affine<C, W> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C, const W: usize> Copy for Affine<C, W> {}
impl<C, const W: usize> PartialEq for Affine<C, W> {
    fn eq(&self, other: &Self) -> bool {
        self.x == other.x && self.y == other.y
    }
}
impl<C, const W: usize> core::fmt::Debug for Affine<C, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "({:?}, {:?})", self.x, self.y)
    }
}
impl<C, const W: usize> Clone for Jacobian<C, W> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C, const W: usize> Copy for Jacobian<C, W> {}

impl<C: Curve<W>, const W: usize> Affine<C, W> {
    /// The base point G.
    pub(crate) const GENERATOR: Self = Affine {
        x: Fe::from_words_below_p(C::G.0),
        y: Fe::from_words_below_p(C::G.1),
    };
}
