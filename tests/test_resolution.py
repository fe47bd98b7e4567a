"""Tests of optics.microscope.resolution: sine-condition effective NA and the Zipfel 2003 two-photon PSF."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.errors import InvalidParameterError
from optics.microscope.resolution import (
    back_aperture_diameter,
    effective_na,
    fill_ratio,
    fwhm_from_e_radius,
    two_photon_axial_fwhm,
    two_photon_axial_radius,
    two_photon_lateral_fwhm,
    two_photon_lateral_radius,
    two_photon_psf_fwhm,
)
from optics.units import ureg


def test_back_aperture_of_reference_objectives():
    # Reference post: a 16x/0.8 (Nikon, 200 mm tube lens: f = 12.5 mm) has a ~20 mm back aperture.
    assert back_aperture_diameter(0.8, 12.5) == pytest.approx(20.0)
    # Reference post: a 40x (Nikon, f = 200/40 = 5 mm) has an 8-12 mm back aperture depending on NA
    # (NA 0.8 -> 8 mm, NA 1.15 -> 11.5 mm).
    assert 8 <= back_aperture_diameter(0.8, 5.0) <= 12
    assert 8 <= back_aperture_diameter(1.15, 5.0) <= 12
    assert back_aperture_diameter(0.8, 1.25 * ureg.cm) == 20 * ureg.mm


def test_effective_na_is_the_sine_condition():
    # Abbe sine condition: a beam of diameter D at the back focal plane of an objective of focal
    # length f converges with n sin(theta) = D / (2 f), capped at the objective's NA.
    f, na = 12.5, 0.8
    for d in (5.0, 10.0, 15.0, 20.0, 30.0):
        expected = min(na, d / (2 * f))
        assert effective_na(na, fill_ratio(d, back_aperture_diameter(na, f))) == pytest.approx(expected)


def test_effective_na_arrays_and_symbols():
    got = effective_na(0.8, np.array([0.5, 1.0, 2.0]))
    np.testing.assert_allclose(got, [0.4, 0.8, 0.8])
    na, rho = sympy.symbols("NA rho", positive=True)
    expr = effective_na(na, rho)
    assert sympy.simplify(expr.subs(rho, sympy.Rational(1, 2)) - na / 2) == 0
    assert sympy.simplify(expr.subs(rho, 3) - na) == 0


def test_fwhm_of_gaussian():
    # exp(-x^2/w^2) = 1/2 at x = w sqrt(ln 2): FWHM = 2 sqrt(ln 2) w.
    w = 0.7
    half = fwhm_from_e_radius(w) / 2
    assert math.exp(-(half**2) / w**2) == pytest.approx(0.5)


def test_zipfel_coefficients_hand_computed():
    # Zipfel, Williams & Webb, Nat. Biotechnol. 21, 1369 (2003): 1/e radii of the squared
    # illumination PSF; values worked by hand from the published fit formulas.
    lam = 0.8  # um
    assert two_photon_lateral_radius(0.5, lam) == pytest.approx(0.320 * 0.8 / (math.sqrt(2) * 0.5))
    assert two_photon_lateral_radius(1.0, lam) == pytest.approx(0.325 * 0.8 / math.sqrt(2))
    # NA 1.0 in water at 0.8 um: w_z = 0.532*0.8/sqrt2 / (1.333 - sqrt(1.333^2 - 1)) = 0.300946/0.451587
    assert two_photon_axial_radius(1.0, lam, 1.333) == pytest.approx(0.66642, rel=1e-4)
    # Lateral FWHM at NA 1.0, 800 nm: 2 sqrt(ln2) * 0.18385 = 0.3061 um
    assert two_photon_lateral_fwhm(1.0, lam) == pytest.approx(0.30613, rel=1e-4)


def test_psf_branch_is_nearly_continuous_at_na_0_7():
    # The two published fits meet at NA 0.7 within 2 % (0.320/0.7 = 0.457 vs 0.325/0.7^0.91 = 0.450).
    low = two_photon_lateral_radius(0.7, 1.0)
    high = two_photon_lateral_radius(0.7000001, 1.0)
    assert high == pytest.approx(low, rel=0.02)


def test_quantities_and_units():
    lat, ax = two_photon_psf_fwhm(1.0, 920 * ureg.nm, 1.333)
    assert lat.units == ureg.um and ax.units == ureg.um
    assert lat.magnitude == pytest.approx(two_photon_lateral_fwhm(1.0, 0.92))
    assert ax.magnitude == pytest.approx(two_photon_axial_fwhm(1.0, 0.92, 1.333))


def test_symbolic_matches_numeric():
    na, lam, n = sympy.symbols("NA lambda n", positive=True)
    expr = two_photon_axial_fwhm(na, lam, n)
    value = float(expr.subs({na: 0.9, lam: 0.92, n: 1.333}))
    assert value == pytest.approx(two_photon_axial_fwhm(0.9, 0.92, 1.333))


@settings(max_examples=50, deadline=None)
@given(st.floats(0.05, 1.3), st.floats(0.3, 2.0))
def test_resolution_improves_with_na(na, lam):
    n = 1.52
    assert two_photon_lateral_fwhm(na * 0.9, lam) > two_photon_lateral_fwhm(na, lam)
    assert two_photon_axial_fwhm(na * 0.9, lam, n) > two_photon_axial_fwhm(na, lam, n)


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="exceeds the immersion index"):
        two_photon_axial_fwhm(1.4, 0.92, 1.333)
    with pytest.raises(InvalidParameterError, match="wavelength"):
        two_photon_lateral_fwhm(0.8, -0.92)
    with pytest.raises(InvalidParameterError, match="numerical aperture"):
        two_photon_lateral_fwhm(0.0, 0.92)
    with pytest.raises(InvalidParameterError, match="back-aperture"):
        fill_ratio(10, -20)
    with pytest.raises(InvalidParameterError, match="focal length"):
        back_aperture_diameter(0.8, 0)
