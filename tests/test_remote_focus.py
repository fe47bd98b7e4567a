"""Tests of optics.microscope.remote_focus against the reference post and hand derivations.

References
----------
* Reference post (blog-geometrical-optics.txt, section 3):
  z = -f_o^2 f_s^2 f_r1^2 f_r3^2 / (f_ETL f_t^2 f_r2^2 f_r4^2); a 16x (12.5 mm)
  objective with 200 um of z-range gives 32 um with a 40x (5 mm) objective.
* Newton's lens equation x x' = -f f' (Hecht, Optics, sec. 5.2.3; f'/f = n'/n for a
  lens between media), used below to derive the focus shift independently.
"""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.core.beams import GaussianBeam
from optics.core.elements import Space, ThinLens, TunableLens
from optics.errors import (
    InvalidParameterError,
    NoFocusError,
    OpticsTypeError,
    OpticsValueError,
)
from optics.microscope.parts import TunableLensPart
from optics.microscope.closed_forms import focus_distance_expr, focus_shift_expr, fov_scale_expr
from optics.microscope.remote_focus import POWER, RemoteFocus, linearity, remote_focus_train
from optics.core.symbolic import symbols
from optics.core.trains import LensTrain
from optics.units import ureg

f_o, f_t, f_s, f_r1, f_r2, f_r3, f_r4, n = symbols("f_o f_t f_s f_r1 f_r2 f_r3 f_r4 n")
P = POWER
P_off, delta, d_e = symbols("P_off Delta d_e", positive=False)


def post_formula(f_etl):
    # Reference post, section 3 (the ETL conjugate to the objective's back focal plane)
    return -(f_o**2 * f_s**2 * f_r1**2 * f_r3**2) / (f_etl * f_t**2 * f_r2**2 * f_r4**2)


def newton_shift(phi, k, n_, delta_, d_e_):
    """Focus shift derived by hand (not from the code).

    The relays and scan/tube lens image the ETL with lateral magnification 1/k,
    so the vergence phi (1/mm) becomes phi k^2 and an axial offset d_e becomes
    d_e / k^2.  The ETL then acts as a converging point 1/(phi k^2) past the
    pupil image, i.e. x = Delta + d_e/k^2 + 1/(phi k^2) past the objective's
    front focal point.  Newton: x' = -f f'/x with f' = n f_o.
    """
    x = delta_ + d_e_ / k**2 + 1 / (phi * k**2)
    return -n_ * f_o**2 / x


def test_train_structure():
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2), (f_r3, f_r4)])
    assert len(t) >= 17
    for plane in ("etl", "resonant", "galvo", "back_aperture", "objective", "sample"):
        assert plane in t.planes
    # the ETL plane is imaged onto the objective's back focal plane (B = 0): the chain
    # between them is a 4f system
    assert t.is_conjugate("etl", "back_aperture")
    assert t.is_conjugate("resonant", "galvo")


def test_train_product_equals_plain_matrix_product():
    # LensTrain multiplies in a rational-function field; the reference is the
    # plain sympy matrix product of the element matrices, in light order.
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2), (f_r3, f_r4)], offset_power=P_off, n=n,
                           conjugate_offset=delta, etl_offset=d_e)
    # Compared exactly at random rational points (cancelling the plain
    # symbolic product takes ~15 s).
    import random

    rng = random.Random(4)
    symbolic = t.abcd()
    for _ in range(3):
        point = {s: sympy.Rational(rng.randint(5, 400), rng.randint(1, 9)) for s in t.free_symbols}
        plain = sympy.eye(2)
        for element in t.elements:
            plain = element.matrix.xreplace(point) * plain
        assert [e.xreplace(point) for e in symbolic] == list(plain)


def test_post_formula_exact_at_conjugate_plane():
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2), (f_r3, f_r4)], offset_power=P_off)
    z = focus_shift_expr(t, P)
    f_etl = 1000 / (P + P_off)  # mm, total power of ETL + offset lens in dpt
    assert sympy.simplify(z - post_formula(f_etl)) == 0


def test_general_closed_form_matches_newton():
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2), (f_r3, f_r4)], offset_power=P_off, n=n,
                           conjugate_offset=delta, etl_offset=d_e)
    z = focus_shift_expr(t, P)
    k = f_r1 * f_r3 * f_s / (f_r2 * f_r4 * f_t)
    phi = (P + P_off) / 1000
    assert sympy.simplify(z - newton_shift(phi, k, n, delta, d_e)) == 0


def test_principal_plane_conjugate():
    # ETL conjugate to the objective's principal plane (Delta = f_o), one relay
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)], conjugate_offset=f_o)
    z = focus_shift_expr(t, P)
    k = f_r1 * f_s / (f_r2 * f_t)
    phi = P / 1000
    # Newton with x = f_o + 1/(phi k^2): z = -f_o^2 phi k^2 / (1 + f_o phi k^2)
    assert sympy.simplify(z - (-(f_o**2) * phi * k**2 / (1 + f_o * phi * k**2))) == 0


def test_gaussian_waist_equals_geometric_at_conjugate_plane():
    # With a Gaussian input beam whose waist sits a distance s before the ETL, the waist
    # shift (Re q = 0) equals the post's formula exactly (any z_R, any s).
    zr, s, lam = symbols("z_R s lambda")
    w0 = sympy.sqrt(zr * lam / sympy.pi)
    beam = GaussianBeam(lam, w0, waist_position=-s)
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)])
    z = focus_shift_expr(t, P, beam=beam)
    expected = -(f_o**2 * f_s**2 * f_r1**2) / ((1000 / P) * f_t**2 * f_r2**2)
    assert sympy.simplify(z - expected) == 0


def test_gaussian_waist_tends_to_geometric_when_displaced():
    # Displaced ETL: the Gaussian waist shift differs for a small beam, and tends to the
    # geometric one as the input beam gets wider (z_R -> oo).
    rf_geo = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl_offset=30)
    p = np.array([-5.0, 5.0])
    geo = rf_geo.z(p).magnitude
    wide = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl_offset=30, beam=GaussianBeam(0.001, 5.0)).z(p).magnitude
    small = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl_offset=30, beam=GaussianBeam(0.001, 0.2)).z(p).magnitude
    assert wide == pytest.approx(geo, rel=1e-3)
    assert abs(small - geo).max() > abs(wide - geo).max()


def test_immersion_scales_shift_by_n():
    t1 = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)], conjugate_offset=delta)
    tn = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)], n=n, conjugate_offset=delta)
    assert sympy.simplify(focus_shift_expr(tn, P) - n * focus_shift_expr(t1, P)) == 0
    # numerically with a Quantity index-free design
    z_air = RemoteFocus.from_focal_lengths(5, 200, 50, n=1).z(10).magnitude
    z_water = RemoteFocus.from_focal_lengths(5, 200, 50, n=1.333).z(10).magnitude
    assert z_water == pytest.approx(1.333 * z_air)


def test_post_numbers_16x_to_40x():
    # Reference post: 16x Nikon (200/16 = 12.5 mm) -> 40x (200/40 = 5 mm): 200 um -> 32 um.
    etl = TunableLensPart("ETL", aperture=16, power_min=-1.5, power_max=3.5)
    rf16 = RemoteFocus.from_focal_lengths(200 / 16, 200, 50, [(100, 50), (50, 75)], etl=etl)
    rf40 = rf16.replace(f_o=200 / 40)
    ratio = rf40.z_range().span / rf16.z_range().span
    assert ratio.to("").magnitude == pytest.approx((5 / 12.5) ** 2)
    assert (ratio * 200 * ureg.um).to("um").magnitude == pytest.approx(32.0)


@settings(max_examples=40, deadline=None)
@given(
    fa=st.floats(20, 300), fb=st.floats(20, 300), scale=st.floats(0.3, 3.0), fo=st.floats(2, 20),
    p=st.floats(-8, 8).filter(lambda v: abs(v) > 0.1),
)
def test_scaling_laws_numerically(fa, fb, scale, fo, p):
    # Relay magnification squared and objective focal length squared (conjugate case)
    base = RemoteFocus.from_focal_lengths(fo, 180, 60, [(fa, fb)]).z(p).magnitude
    relay = RemoteFocus.from_focal_lengths(fo, 180, 60, [(fa * scale, fb)]).z(p).magnitude
    objective = RemoteFocus.from_focal_lengths(fo * scale, 180, 60, [(fa, fb)]).z(p).magnitude
    assert relay == pytest.approx(base * scale**2, rel=1e-9)
    assert objective == pytest.approx(base * scale**2, rel=1e-9)


def test_sweep_matches_hand_numpy_chain():
    # Hand-written element matrices multiplied in numpy, for 1000 powers
    fo, ft, fs, (a1, a2), (b1, b2), de = 12.5, 200.0, 50.0, (100.0, 50.0), (50.0, 75.0), 20.0
    rf = RemoteFocus.from_focal_lengths(fo, ft, fs, [(a1, a2), (b1, b2)], etl_offset=de, offset_power=-2)
    p = np.linspace(-5, 10, 1000)

    def space(d):
        return np.array([[1.0, d], [0.0, 1.0]])

    def lens(f):
        return np.array([[1.0, 0.0], [-1.0 / f, 1.0]])

    m = np.eye(2)
    for e in [space(a1 - de), lens(a1), space(a1 + a2), lens(a2), space(a2), space(b1), lens(b1),
              space(b1 + b2), lens(b2), space(b2), space(fs), lens(fs), space(fs + ft), lens(ft),
              space(ft), space(fo), lens(fo), space(fo)]:
        m = e @ m
    c_etl = -(p - 2) / 1000
    a = m[0, 0] + m[0, 1] * c_etl
    c = m[1, 0] + m[1, 1] * c_etl
    z_hand = -a / c  # reference is total power 0, where the focus is at the focal plane
    assert rf.z(p).to("mm").magnitude == pytest.approx(z_hand, rel=1e-9, abs=1e-12)
    assert rf.z(p * ureg.dpt).to("um").magnitude == pytest.approx(1000 * z_hand, rel=1e-9, abs=1e-9)


def test_fov_scale():
    # Telecentric (pupil image at the back focal plane): scale f_o f_s/f_t for any power.
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)], n=n, etl_offset=d_e)
    assert sympy.simplify(fov_scale_expr(t, "galvo") - (-f_o * f_s / f_t)) == 0
    # Pupil image Delta past the back focal plane: a chief ray at angle theta' = -theta f_s/f_t
    # crosses the pupil image on axis, reaches the objective at height theta'(f_o - Delta),
    # leaves at angle theta' Delta/(n f_o), so at the focus n f_o + z:
    # y/theta = -(f_s/f_t) (f_o + z Delta/(n f_o))   (hand derivation)
    t = remote_focus_train(f_o, f_t, f_s, [(f_r1, f_r2)], n=n, conjugate_offset=delta)
    z = newton_shift(P / 1000, f_r1 * f_s / (f_r2 * f_t), n, delta, 0)
    hand = -(f_s / f_t) * (f_o + z * delta / (n * f_o))
    assert sympy.simplify(fov_scale_expr(t, "galvo") - hand) == 0
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], conjugate_offset=12.5)
    scale = rf.fov_scale([0, 10]).to("mm/rad").magnitude
    assert scale[0] == pytest.approx(-12.5 * 50 / 200)
    assert scale[1] != pytest.approx(scale[0])


def test_linearity_known_answers():
    # Three points of z = P^2: the best line is z = 2/3, deviations 1/3, -2/3, 1/3.
    lin = linearity([-1, 0, 1], [1, 0, 1])
    assert lin.max_deviation.magnitude == pytest.approx(2 / 3)
    assert lin.percent == pytest.approx(200 / 3)
    assert lin.slope.magnitude == pytest.approx(0, abs=1e-12)
    # Conjugate ETL: the transfer curve is exactly linear.
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)])
    assert rf.linearity(-5, 5).max_deviation.magnitude == pytest.approx(0, abs=1e-9)


def test_linearity_principal_plane_second_order():
    # z = -a phi/(1 + b phi) = -a phi + a b phi^2 - ...; over phi in [-h, h] the continuous
    # least-squares line of a b phi^2 is a b h^2/3, so the largest deviation is (2/3) a b h^2
    # (at the ends), plus third-order terms.
    fo, k2 = 12.5, 0.25
    rf = RemoteFocus.from_focal_lengths(fo, 200, 50, [(100, 50)], conjugate_offset=fo)
    a, b, h = fo**2 * k2, fo * k2, 0.001  # h = 1 dpt in 1/mm
    lin = rf.linearity(-1, 1, points=2001)
    expected_um = 1000 * (2 / 3) * a * b * h**2
    assert lin.max_deviation.to("um").magnitude == pytest.approx(expected_um, rel=0.02)


def test_part_range_and_errors():
    etl = TunableLensPart("EL-test", aperture=10, power_min=-1.5, power_max=3.5, offset_power=-1.5)
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl=etl)
    assert float(rf.etl.offset_power) == pytest.approx(-1.5)
    with pytest.raises(InvalidParameterError, match="EL-test"):
        rf.z(4)
    with pytest.raises(InvalidParameterError, match="EL-test"):
        rf.z(np.array([0.0, 1.0, -2.0]))
    # z = 0 at total power 0 (P = +1.5 dpt here)
    assert rf.z(1.5).magnitude == pytest.approx(0, abs=1e-12)
    zr = rf.z_range()
    # hand: k^2 = (100/50 * 50/200)^2 = 1/4; span = f_o^2 k^2 * 5 dpt = 156.25/4 * 0.005 mm
    assert zr.span.to("um").magnitude == pytest.approx(156.25 / 4 * 0.005 * 1000)
    with pytest.raises(OpticsTypeError):
        rf.z("3 dpt")
    with pytest.raises(InvalidParameterError):
        rf.z(float("nan"))
    with pytest.raises(OpticsValueError):
        RemoteFocus.from_focal_lengths(12.5, 200, 50).z_range()


def test_no_finite_focus_errors():
    # Principal-plane conjugate: at phi k^2 = -1/f_o the beam leaves the objective collimated.
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], conjugate_offset=12.5)
    pole = -1000 / (12.5 * 0.25)  # dpt
    with pytest.raises(NoFocusError, match="no finite focus"):
        rf.z(np.array([0.0, pole]))
    with pytest.raises(NoFocusError):
        rf.z_range(pole - 1, pole + 1)
    # An afocal train has no focus at all.
    f = sympy.Symbol("f", positive=True)
    afocal = LensTrain([Space(f), ThinLens(f), Space(2 * f), ThinLens(f), Space(f)])
    with pytest.raises(NoFocusError, match="afocal"):
        focus_distance_expr(afocal)
    with pytest.raises(OpticsValueError, match="does not depend"):
        focus_shift_expr(LensTrain([ThinLens(f)]), P)
    # Reference power where the train is afocal: a telescope with the ETL at its input
    with pytest.raises(NoFocusError, match="reference"):
        focus_shift_expr(LensTrain([TunableLens(P)]) + afocal, P)
    with pytest.raises(OpticsTypeError, match="numeric"):
        RemoteFocus.from_focal_lengths(f, 200, 50)


def test_remote_focus_is_frozen():
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50)
    with pytest.raises(AttributeError):
        rf.f_o = 5
    with pytest.raises(OpticsTypeError):
        rf.replace(focal=3)


def test_displaced_etl_transfer_curve():
    # Hand (Newton, see newton_shift): z = -f_o^2 k^2 phi / (1 + d_e phi), k^2 = (100/50 * 50/200)^2
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl_offset=20)
    p, z = rf.transfer_curve(-5, 5, 11)
    phi = p.magnitude / 1000
    hand_um = 1000 * (-(12.5**2) * 0.25 * phi / (1 + 20 * phi))
    assert z.to("um").magnitude == pytest.approx(hand_um, rel=1e-12, abs=1e-9)
    # displacing the ETL makes the curve non-linear (the conjugate one is exactly linear)
    assert rf.linearity(-5, 5).percent > 0.1
