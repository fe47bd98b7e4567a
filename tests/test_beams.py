"""Tests of optics.core.beams against textbook Gaussian-beam formulas.

References
----------
* Siegman, *Lasers* (1986), ch. 15-17: q = z + i z_R, z_R = pi w0^2 n / lambda0,
  w(z), R(z) = z + z_R^2/z, Gouy phase arctan(z/z_R); ch. 20: a 2f (Fourier)
  system adds a Gouy phase of pi/2.
* Kogelnik & Li, Appl. Opt. 5, 1550 (1966): ABCD law for q.
* Self, Appl. Opt. 22, 658 (1983): thin-lens focusing of a Gaussian beam,
  1/(s + z_R^2/(s - f)) + 1/s'' = 1/f and w0''/w0 = 1/sqrt((1 - s/f)^2 + (z_R/f)^2).
"""

import cmath
import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.core.beams import GaussianBeam, collimated_focus_limit, waist_after_abcd
from optics.core.elements import Interface, Space, ThickLens, ThinLens
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.core.trains import LensTrain
from optics.units import ureg


def test_rayleigh_range_textbook():
    # Siegman eq. 17.5: z_R = pi w0^2 / lambda; 920 nm, w0 = 1 mm -> pi / 0.00092 mm
    beam = GaussianBeam(920 * ureg.nm, 1 * ureg.mm)
    assert beam.rayleigh_range.to("mm").magnitude == pytest.approx(math.pi / 0.00092, rel=1e-12)
    assert beam.waist.to("mm").magnitude == pytest.approx(1.0)
    assert beam.wavelength.to("nm").magnitude == pytest.approx(920)
    # far-field half angle lambda / (pi w0)
    assert beam.divergence.magnitude == pytest.approx(0.00092 / math.pi)


def test_m2_embedded_gaussian():
    # Embedded-Gaussian convention (Siegman, "New developments in laser resonators", 1990):
    # lambda -> M^2 lambda, so z_R is divided by M^2 at the same waist.
    b1 = GaussianBeam(0.001, 0.5)
    b2 = GaussianBeam(0.001, 0.5, m2=1.5)
    assert b2.rayleigh_range.magnitude == pytest.approx(b1.rayleigh_range.magnitude / 1.5)
    # far from the waist w grows M^2 times faster
    z = 1e6
    assert b2.w(z).magnitude == pytest.approx(1.5 * b1.w(z).magnitude, rel=1e-6)


def test_free_space_w_R_gouy():
    # Siegman eqs. 17.5-17.6, 17.12
    lam, w0, zw = 0.0008, 0.05, 20.0
    beam = GaussianBeam(lam, w0, waist_position=zw)
    zr = math.pi * w0**2 / lam
    z = np.array([0.0, 5.0, 20.0, 35.0, 100.0])
    u = z - zw
    assert beam.w(z).magnitude == pytest.approx(w0 * np.sqrt(1 + (u / zr) ** 2))
    assert beam.gouy(z).magnitude == pytest.approx(np.arctan(u / zr))
    assert beam.curvature(z).to("1/mm").magnitude == pytest.approx(u / (u**2 + zr**2))
    r = beam.R(z).magnitude
    assert r[2] == math.inf
    assert r[[0, 1, 3, 4]] == pytest.approx(u[[0, 1, 3, 4]] + zr**2 / u[[0, 1, 3, 4]])
    assert beam.w(0 * ureg.m).magnitude == pytest.approx(w0 * math.sqrt(1 + (zw / zr) ** 2))


def test_flat_interface_into_water():
    # Crossing a flat interface keeps the waist size; z_R = pi n w0^2 / lambda0 scales with n,
    # and so does the distance to the waist (Siegman ch. 15, reduced q = q/n is continuous).
    n = 1.333
    beam = GaussianBeam(0.00092, 0.2, waist_position=30)
    water = beam.propagate(Interface(1, n))
    assert water.n == pytest.approx(n)
    assert water.waist.magnitude == pytest.approx(0.2, rel=1e-12)
    assert water.rayleigh_range.magnitude == pytest.approx(n * math.pi * 0.2**2 / 0.00092, rel=1e-12)
    assert water.waist_position.magnitude == pytest.approx(30 * n)
    # and back out again: the original beam
    back = water.propagate(Interface(n, 1))
    assert back.q.magnitude == pytest.approx(beam.q.magnitude)


@settings(max_examples=50, deadline=None)
@given(
    s=st.floats(20, 2000), f=st.floats(10, 500), w0=st.floats(0.01, 2), lam_nm=st.floats(400, 1600)
)
def test_self_1983_thin_lens(s, f, w0, lam_nm):
    # Self 1983, eqs. 9 and 10 (waist s before the lens, waist s'' after it)
    lam = lam_nm * 1e-6
    zr = math.pi * w0**2 / lam
    if abs(s - f) < 1e-6:
        return
    s2 = 1 / (1 / f - 1 / (s + zr**2 / (s - f)))
    m = 1 / math.sqrt((1 - s / f) ** 2 + (zr / f) ** 2)
    waist = GaussianBeam(lam, w0).waist_after(LensTrain([Space(s), ThinLens(f)]))
    assert waist.position.magnitude == pytest.approx(s2, rel=1e-9, abs=1e-9)
    assert waist.radius.magnitude == pytest.approx(m * w0, rel=1e-9)


def test_self_1983_symbolic():
    # The same formula, symbolically: q-solve == Self's lens equation.
    s, f, zr, lam = sympy.symbols("s f z_R lambda", positive=True)
    w0 = sympy.sqrt(zr * lam / sympy.pi)
    beam = GaussianBeam(lam, w0, waist_position=0)
    after = beam.propagate(LensTrain([Space(s), ThinLens(f)]))
    s2 = 1 / (1 / f - 1 / (s + zr**2 / (s - f)))
    assert sympy.simplify(after.waist_position - s2) == 0
    m2 = 1 / ((1 - s / f) ** 2 + (zr / f) ** 2)
    assert sympy.simplify(after.waist**2 - m2 * w0**2) == 0


@settings(max_examples=50, deadline=None)
@given(
    d1=st.floats(-50, 300), f=st.floats(-200, 200).filter(lambda v: abs(v) > 5),
    d2=st.floats(0, 300), n=st.floats(1, 1.8), x=st.floats(-100, 100), zr=st.floats(0.1, 1000),
)
def test_abcd_law_matches_complex_arithmetic(d1, f, d2, n, x, zr):
    # Kogelnik & Li: q' = (Aq + B)/(Cq + D) step by step in complex numbers, with the
    # interface dividing the angle by n (det M = n_in/n_out).
    q = complex(x, zr)
    train = LensTrain([Space(d1), ThinLens(f), Space(d2), Interface(1, n), Space(d2, n)])
    expected = q
    for a, b, c, d in ((1, d1, 0, 1), (1, 0, -1 / f, 1), (1, d2, 0, 1), (1, 0, 0, 1 / n), (1, d2, 0, 1)):
        expected = (a * expected + b) / (c * expected + d)
    beam = GaussianBeam.from_q(q, 0.001)
    out = beam.propagate(train).q.magnitude
    assert out.real == pytest.approx(expected.real, rel=1e-9, abs=1e-9)
    assert out.imag == pytest.approx(expected.imag, rel=1e-9)
    # element by element == whole train
    step = beam
    for element in train.elements:
        step = step.propagate(element)
    assert step.q.magnitude == pytest.approx(out)


def test_collimated_limit_is_back_focal_distance():
    expr, limit, (A, B, C, D, zr) = collimated_focus_limit()
    # waist distance of q = i z_R after (A,B,C,D), written out by hand
    hand = -(B * D + A * C * zr**2) / (D**2 + C**2 * zr**2)
    assert sympy.simplify(expr - hand) == 0
    assert sympy.simplify(limit - (-A / C)) == 0
    # numerically: a very wide beam focuses at the back focal point of a doublet
    train = LensTrain([ThinLens(100), Space(30), ThinLens(-200)])
    bfd = train.back_focal_distance().magnitude
    wide = GaussianBeam(0.0005, 20).waist_after(train).position.magnitude
    assert wide == pytest.approx(bfd, rel=1e-6)


def test_waist_after_abcd_lens():
    # Collimated beam (waist at lens): waist at f z_R^2/(f^2 + z_R^2) (Self 1983 with s = 0)
    f, zr = 100, 1000
    assert waist_after_abcd((1, 0, -sympy.Rational(1, f), 1), 0, zr) == sympy.Rational(f * zr**2, f**2 + zr**2)


def test_gouy_fourier_system_is_half_pi():
    # Siegman ch. 20: from the front to the back focal plane of a lens (A = 0) a beam
    # with its waist at the front focal plane gains a Gouy phase of exactly pi/2.
    f = 80
    for w0 in (0.01, 0.1, 1.0):
        beam = GaussianBeam(0.001, w0)
        train = LensTrain([Space(f), ThinLens(f), Space(f)])
        assert beam.gouy_shift(train).magnitude == pytest.approx(math.pi / 2, rel=1e-12)


def test_envelope_arrays():
    beam = GaussianBeam(0.001, 1.0)
    train = LensTrain([Space(50), ThinLens(100), Space(200), Interface(1, 1.33), Space(50, 1.33)])
    env = beam.envelope(train, points=500)
    z, w, k, g = env.z.magnitude, env.w.magnitude, env.curvature.magnitude, env.gouy.magnitude
    assert len(z) == len(w) == len(k) == len(g) == len(env.n)
    assert z[0] == 0 and z[-1] == pytest.approx(300)
    end = beam.propagate(train)
    assert w[-1] == pytest.approx(end.w().magnitude)
    assert k[-1] == pytest.approx(end.curvature().magnitude)
    # minimum radius near the focus: Self 1983 w0'' = w0 / sqrt(1 + (z_R/f)^2) * ... at s = 50
    zr = math.pi / 0.001
    w_focus = 1.0 / math.sqrt((1 - 50 / 100) ** 2 + (zr / 100) ** 2)
    assert w.min() == pytest.approx(w_focus, rel=1e-3)
    assert env.n[0] == 1 and env.n[-1] == pytest.approx(1.33)
    assert np.all(np.diff(g) >= -1e-12)  # Gouy phase only grows along +z
    assert np.isfinite(k).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"wavelength": 0, "waist": 1}, "wavelength"),
        ({"wavelength": -0.001, "waist": 1}, "wavelength"),
        ({"wavelength": 0.001, "waist": 0}, "waist"),
        ({"wavelength": 0.001, "waist": -1}, "waist"),
        ({"wavelength": 0.001, "waist": 1, "m2": 0.5}, "M\\^2"),
        ({"wavelength": 0.001, "waist": 1, "n": 0}, "index"),
        ({"wavelength": float("nan"), "waist": 1}, "wavelength"),
    ],
)
def test_bad_beams(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        GaussianBeam(**kwargs)


def test_bad_inputs():
    with pytest.raises(OpticsTypeError):
        GaussianBeam("920 nm", 1)
    with pytest.raises(OpticsTypeError):
        GaussianBeam(1 * ureg.mm, 1 * ureg.deg)
    beam = GaussianBeam(0.001, 1)
    with pytest.raises(OpticsValueError, match="index"):
        beam.propagate(Space(10, 1.5))
    with pytest.raises(OpticsTypeError):
        beam.propagate("lens")
    with pytest.raises(AttributeError):
        beam.n = 2
    f = sympy.Symbol("f", positive=True)
    with pytest.raises(OpticsTypeError, match="numeric"):
        beam.envelope(LensTrain([ThinLens(f)]))


def test_thick_lens_gouy_and_waist():
    # A ThickLens equals thin lens between principal planes: same waist after it.
    beam = GaussianBeam(0.001, 0.5, waist_position=-100)
    thick = beam.waist_after(LensTrain([ThickLens(50, h1=5, h2=-3)]))
    thin = beam.waist_after(LensTrain([Space(5), ThinLens(50), Space(3)]))
    assert thick.position.magnitude == pytest.approx(thin.position.magnitude)
    assert thick.radius.magnitude == pytest.approx(thin.radius.magnitude)
    assert cmath.isfinite(complex(beam.gouy_shift(LensTrain([ThickLens(50, h1=5, h2=-3)])).magnitude))


def test_beam_radius_is_continuous_across_a_thin_lens_in_water():
    # Siegman, Lasers (1986) sec. 20.1: a thin lens changes the wavefront curvature, not the spot
    # size; in water on both sides (the lens knows its medium) w is the same just before and after.
    from optics.core.elements import Space, ThinLens
    from optics.core.trains import LensTrain

    n = 1.333
    train = LensTrain([Space(10, n=n), "a", ThinLens(50, n=n), "b", Space(30, n=n), "c"])
    beam = GaussianBeam(0.001, waist=0.5, n=n)
    before = beam.propagate(train, "input", "a").w().to("mm").magnitude
    after = beam.propagate(train, "input", "b").w().to("mm").magnitude
    assert after == pytest.approx(before, rel=1e-12)
    # the envelope agrees with propagate at the end of the train
    envelope = beam.envelope(train)
    assert envelope.w[-1].to("mm").magnitude == pytest.approx(beam.propagate(train).w().to("mm").magnitude, rel=1e-9)
