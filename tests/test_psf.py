"""The two-photon focus of a truncated Gaussian pupil against independent references.

* Zipfel, Williams & Webb, Nat. Biotechnol. 21, 1369 (2003): fits of the two-photon PSF of a
  uniformly filled pupil, FWHM = 2 sqrt(ln 2) w with w_xy = 0.320 l/(sqrt2 NA) (NA <= 0.7),
  0.325 l/(sqrt2 NA^0.91) (NA > 0.7), w_z = 0.532 l/sqrt2 / (n - sqrt(n^2 - NA^2)).
* Gaussian beam optics (Siegman, Lasers, 1986, ch. 17): a beam of 1/e^2 radius W on a lens of
  focal length f focuses to w0 = lambda f/(pi W) (in a medium of index n the focal length there
  is n f and the wavelength lambda/n: the same w0), z_R = pi w0^2 n/lambda.  Two-photon
  excitation I^2 ~ exp(-4 r^2/w0^2) has FWHM w0 sqrt(ln 2) across, and along the axis
  1/(1 + (z/z_R)^2)^2 = 1/2 at z = z_R sqrt(sqrt2 - 1).
"""

import math

import pytest

from optics.errors import InvalidParameterError
from optics.microscope.psf import two_photon_fwhm

LAM, N = 0.92, 1.333  # um, water


def zipfel(na):
    c = 2 * math.sqrt(math.log(2))
    wxy = 0.320 * LAM / (math.sqrt(2) * na) if na <= 0.7 else 0.325 * LAM / (math.sqrt(2) * na**0.91)
    wz = 0.532 * LAM / math.sqrt(2) / (N - math.sqrt(N**2 - na**2))
    return c * wxy, c * wz


@pytest.mark.parametrize("na", [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
def test_uniform_pupil_agrees_with_zipfel_within_3_percent(na):
    # the issue asks for 5 %; the module docstring claims 3 %, and this checks that claim
    lateral, axial = two_photon_fwhm(na, N, LAM)
    ref_lateral, ref_axial = zipfel(na)
    assert lateral == pytest.approx(ref_lateral, rel=0.03)
    assert axial == pytest.approx(ref_axial, rel=0.03)


@pytest.mark.parametrize("na, fill", [(0.8, 0.1), (1.0, 0.08), (0.5, 0.1)])
def test_strong_underfill_tends_to_the_gaussian_beam_focus(na, fill):
    # W = fill x (back-aperture radius f NA), f = 1 (widths scale with f / W only)
    w0 = LAM / (math.pi * fill * na)
    z_r = math.pi * w0**2 * N / LAM
    lateral, axial = two_photon_fwhm(na, N, LAM, fill)
    assert lateral == pytest.approx(w0 * math.sqrt(math.log(2)), rel=0.01)
    assert axial == pytest.approx(2 * z_r * math.sqrt(math.sqrt(2) - 1), rel=0.01)


def test_more_fill_focuses_tighter_and_approaches_the_uniform_pupil():
    widths = [two_photon_fwhm(0.8, N, LAM, fill)[0] for fill in (0.5, 1.0, 2.0, 10.0)]
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] == pytest.approx(two_photon_fwhm(0.8, N, LAM)[0], rel=0.01)


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="below the immersion index"):
        two_photon_fwhm(1.4, 1.333, 0.92)
    with pytest.raises(InvalidParameterError, match="fill"):
        two_photon_fwhm(0.8, 1.333, 0.92, 0)
    with pytest.raises(InvalidParameterError, match="wavelength"):
        two_photon_fwhm(0.8, 1.333, float("nan"))

