"""Elements: matrices against textbook forms, validation, immutability."""

import math

import numpy as np
import pytest
import sympy

from optics import ABCD, Interface, Mirror, Space, ThickLens, ThinLens, TunableLens, ureg
from optics.errors import DimensionError, InvalidParameterError, OpticsTypeError

f, d = sympy.symbols("f d", positive=True)


def test_space_and_thin_lens_matrices():
    # Textbook forms (Hecht, Optics, 5th ed., sec. 6.2; Siegman, Lasers, ch. 15).
    assert Space(d).matrix == sympy.Matrix([[1, d], [0, 1]])
    assert ThinLens(f).matrix == sympy.Matrix([[1, 0], [-1 / f, 1]])
    assert ThinLens(50).abcd == (1, 0, sympy.Rational(-1, 50), 1)


def test_thin_lens_from_power():
    assert ThinLens.from_power(5).f == 200
    assert ThinLens.from_power(-2 * ureg.dpt).f == -500
    assert ThinLens(250).power == 4


def test_tunable_lens_power_may_be_zero():
    assert TunableLens(0).abcd == (1, 0, 0, 1)
    assert TunableLens(2, offset_power=-2).abcd == (1, 0, 0, 1)
    assert TunableLens(4 * ureg.dpt).abcd[2] == sympy.Rational(-4, 1000)


def test_interface_flat_and_curved():
    # Refraction at a sphere (Hecht eq. 6.x): C = (n1 - n2)/(R n2), D = n1/n2.
    a, b, c, dd = Interface(1, 1.5, 100).abcd
    assert (a, b) == (1, 0)
    assert c == sympy.Rational(-1, 300) and dd == sympy.Rational(2, 3)
    assert Interface(1.33, 1).abcd == (1, 0, 0, sympy.Rational(133, 100))
    assert Interface(1, 1.5, float("inf")).abcd[2] == 0


def test_mirror_focal_length_is_half_radius():
    assert Mirror(200).abcd[2] == sympy.Rational(-1, 100)
    assert Mirror().abcd == (1, 0, 0, 1)


def test_thick_lens_from_surfaces_matches_lensmaker():
    # Lensmaker's equation for a thick lens in air and the principal-plane
    # positions h1 = -f (n-1) t / (n R2), h2 = -f (n-1) t / (n R1)
    # (Hecht, Optics, eq. 6.2-6.4).
    R1, R2, t, n = 80.0, -120.0, 8.0, 1.5168
    power = (n - 1) * (1 / R1 - 1 / R2 + (n - 1) * t / (n * R1 * R2))
    f_ref = 1 / power
    lens = ThickLens.from_surfaces(R1, R2, t, n)
    assert float(lens.f) == pytest.approx(f_ref, rel=1e-12)
    assert float(lens.h1) == pytest.approx(-f_ref * (n - 1) * t / (n * R2), rel=1e-12)
    assert float(lens.h2) == pytest.approx(-f_ref * (n - 1) * t / (n * R1), rel=1e-12)
    # The cardinal-point model reproduces the surface-by-surface matrix.
    direct = Interface(n, 1, R2).matrix * Space(t, n).matrix * Interface(1, n, R1).matrix
    assert sympy.simplify(lens.matrix - direct) == sympy.zeros(2, 2)


def test_plano_convex_thick_lens():
    lens = ThickLens.from_surfaces(51.5, float("inf"), 5, 1.5)
    assert float(lens.f) == pytest.approx(51.5 / 0.5)  # flat back face: f = R1/(n-1)
    assert float(lens.h2) == pytest.approx(-5 / 1.5)  # H' sits t/n inside the back vertex


def test_generic_abcd_checks_determinant():
    assert ABCD(1, 0, -0.02, 1).abcd[2] == sympy.Rational(-1, 50)
    assert ABCD(1, 0, 0, sympy.Rational(2, 3), n_in=1, n_out=1.5).n_out == sympy.Rational(3, 2)
    with pytest.raises(InvalidParameterError, match="determinant"):
        ABCD(1, 1, 1, 1)


@pytest.mark.parametrize("bad", [0, 0.0, float("nan"), float("inf"), -float("inf"), sympy.zoo])
def test_thin_lens_rejects_meaningless_focal_lengths(bad):
    with pytest.raises(InvalidParameterError, match="ThinLens: focal length f"):
        ThinLens(bad)


def test_error_names_element_and_value():
    with pytest.raises(InvalidParameterError, match=r"ThinLens 'scan lens'.*got 0"):
        ThinLens(0, name="scan lens")
    with pytest.raises(InvalidParameterError, match=r"Space: refractive index n must be positive, got -1"):
        Space(10, n=-1)


@pytest.mark.parametrize("bad", ["50", "__import__('os')", b"1", True, 1 + 2j, np.array([1.0, 2.0]), [1, 2], None])
def test_non_numbers_are_type_errors(bad):
    with pytest.raises(OpticsTypeError):
        ThinLens(bad)


def test_string_never_reaches_sympify(monkeypatch):
    calls = []
    real = sympy.sympify
    monkeypatch.setattr(sympy, "sympify", lambda *a, **k: calls.append(a) or real(*a, **k))
    with pytest.raises(TypeError):
        ThinLens("__import__('os').system('echo hacked')")
    assert calls == []


def test_wrong_dimension():
    with pytest.raises(DimensionError, match="deg"):
        Space(10 * ureg.deg)
    with pytest.raises(DimensionError):
        TunableLens(5 * ureg.mm)


def test_numpy_scalars_accepted():
    assert ThinLens(np.float64(12.5)).f == sympy.Rational(25, 2)
    assert Space(np.int64(3)).d == 3


def test_elements_are_frozen_and_hashable():
    lens = ThinLens(50, name="scan lens")
    with pytest.raises(AttributeError):
        lens.f = 20
    assert lens == ThinLens(50, name="scan lens")
    assert lens != ThinLens(50)
    assert len({lens, ThinLens(50, name="scan lens"), ThinLens(50)}) == 2


def test_subs_validates_again():
    lens = ThinLens(f)
    assert lens.subs({f: 20}) == ThinLens(20)
    with pytest.raises(InvalidParameterError):
        ThinLens(f - 10).subs({f: 10})


def test_float_inputs_become_exact_decimals():
    assert ThinLens(0.1).f == sympy.Rational(1, 10)
    assert math.isclose(float(ThinLens(1 / 3).f), 1 / 3)
