//! Points of P-256 (y² = x³ − 3x + b): affine points for tables, Jacobian points
//! (x = X/Z², y = Y/Z³, Z = 0 for the point at infinity) for sums, with the a = −3 doubling
//! and the mixed addition of the Explicit-Formulas Database (dbl-2001-b, madd-2007-bl).

use crate::field::Fe;

/// b of the curve equation.
pub(crate) const B: Fe = Fe([
    0x27d2_604b,
    0x3bce_3c3e,
    0xcc53_b0f6,
    0x651d_06b0,
    0x7698_86bc,
    0xb3eb_bd55,
    0xaa3a_93e7,
    0x5ac6_35d8,
]);

/// The base point G.
pub(crate) const G: Affine = Affine {
    x: Fe([
        0xd898_c296,
        0xf4a1_3945,
        0x2deb_33a0,
        0x7703_7d81,
        0x63a4_40f2,
        0xf8bc_e6e5,
        0xe12c_4247,
        0x6b17_d1f2,
    ]),
    y: Fe([
        0x37bf_51f5,
        0xcbb6_4068,
        0x6b31_5ece,
        0x2bce_3357,
        0x7c0f_9e16,
        0x8ee7_eb4a,
        0xfe1a_7f9b,
        0x4fe3_42e2,
    ]),
};

/// A finite point, (x, y).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

impl Affine {
    /// Whether (x, y) satisfies the curve equation.
    pub(crate) fn is_on_curve(&self) -> bool {
        let x2 = self.x.square();
        let rhs = x2.mul(&self.x).sub(&self.x.double().add(&self.x)).add(&B);
        self.y.square() == rhs
    }

    pub(crate) fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
    pub(crate) z: Fe,
}

impl Jacobian {
    pub(crate) const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn from_affine(p: &Affine) -> Jacobian {
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
    pub(crate) fn double(&self) -> Jacobian {
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
    pub(crate) fn add_affine(&self, q: &Affine) -> Jacobian {
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
pub(crate) fn to_affine_batch<const K: usize>(points: &[Jacobian; K]) -> Option<[Affine; K]> {
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
