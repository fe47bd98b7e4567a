r"""Numerical aperture actually used, and the two-photon point-spread function.

Small pure functions in the ``x_to_y`` spirit: each one is only arithmetic,
so it works on floats, numpy arrays and sympy expressions alike (for sympy
input the ``min`` and the NA-dependent branch become ``Min`` and
``Piecewise``).  Lengths keep the unit they come in with: a wavelength in
µm gives widths in µm.  A pint Quantity wavelength gives a Quantity in µm.

Back aperture and effective NA
------------------------------
By the Abbe sine condition a ray leaving the focus at angle :math:`\theta`
crosses the back focal plane of an aplanatic objective at height
:math:`h = f\,n\sin\theta`, so the back-aperture diameter is
:math:`D_\mathrm{BA} = 2\,\mathrm{NA}\,f` and a beam of diameter
:math:`D < D_\mathrm{BA}` uses only the numerical aperture

.. math:: \mathrm{NA}_\mathrm{eff} = \frac{D}{2 f}
          = \mathrm{NA}\,\min\!\left(1, \frac{D}{D_\mathrm{BA}}\right).

(The alternative :math:`n \sin(\arctan(D / 2 f n))` treats the objective as
a paraxial lens obeying the tangent condition; real objectives are corrected
for the sine condition, so the sine form is used.)  The beam edge is taken as
its nominal diameter (for a Gaussian beam, the :math:`1/e^2` diameter).

Two-photon PSF (Zipfel, Williams & Webb 2003)
---------------------------------------------
Zipfel, Williams & Webb, *Nat. Biotechnol.* **21**, 1369-1377 (2003), fit the
square of the illumination PSF with a Gaussian
:math:`\exp(-r^2/\omega_{xy}^2 - z^2/\omega_z^2)` (1/e radii):

.. math::
   \omega_{xy} = \begin{cases}
       \dfrac{0.320\,\lambda}{\sqrt{2}\,\mathrm{NA}} & \mathrm{NA} \le 0.7\\[1ex]
       \dfrac{0.325\,\lambda}{\sqrt{2}\,\mathrm{NA}^{0.91}} & \mathrm{NA} > 0.7
   \end{cases}
   \qquad
   \omega_z = \frac{0.532\,\lambda}{\sqrt{2}}
              \frac{1}{n - \sqrt{n^2 - \mathrm{NA}^2}}

and the full widths at half maximum are
:math:`\mathrm{FWHM} = 2\sqrt{\ln 2}\,\omega`.

>>> round(two_photon_lateral_fwhm(1.0, 0.92), 4)   # µm in, µm out
0.352
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import sympy

from optics.errors import InvalidParameterError
from optics.display import repr_html, repr_latex, repr_markdown
from optics.validate import na_within_index, refractive_index
from optics.units import check_plain, is_quantity, quantity, to_magnitude

__all__ = [
    "Resolution",
    "back_aperture_diameter",
    "fill_ratio",
    "effective_na",
    "fwhm_from_e_radius",
    "two_photon_lateral_radius",
    "two_photon_axial_radius",
    "two_photon_lateral_fwhm",
    "two_photon_axial_fwhm",
    "two_photon_psf_fwhm",
]

#: Coefficients of the Zipfel, Williams & Webb (2003) fits.
ZIPFEL_LOW_NA = 0.320
ZIPFEL_HIGH_NA = 0.325
ZIPFEL_HIGH_NA_EXPONENT = 0.91
ZIPFEL_AXIAL = 0.532
ZIPFEL_NA_BREAK = 0.7

_FWHM_PER_E_RADIUS = 2 * math.sqrt(math.log(2))


class Resolution(NamedTuple):
    r"""Two-photon resolution of a path at one wavelength.

    Attributes
    ----------
    effective_na : float
        Excitation NA at the beam's 1/e² edge, :math:`\mathrm{NA}\min(1, \mathrm{fill})`
        (:func:`effective_na`).
    wavelength : Quantity
        Excitation wavelength (nm).
    lateral_fwhm, axial_fwhm : Quantity
        FWHM of the two-photon excitation of the Gaussian beam truncated by
        the back aperture (µm; vectorial Debye integral,
        :func:`optics.microscope.psf.two_photon_fwhm`).
    zipfel_lateral_fwhm, zipfel_axial_fwhm : Quantity
        The Zipfel et al. (2003) fits for a uniformly filled pupil of NA
        *effective_na* (µm), the usual estimate.
    """

    effective_na: float
    wavelength: object
    lateral_fwhm: object
    axial_fwhm: object
    zipfel_lateral_fwhm: object
    zipfel_axial_fwhm: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


def _is_symbolic(*values) -> bool:
    return any(isinstance(v, sympy.Basic) for v in values)


def _plain(value, unit, name):
    """Strip a Quantity to *unit*; leave numbers, arrays and sympy alone."""
    if isinstance(value, (str, bytes)):
        to_magnitude(value, unit, name=name)  # refuses text with the hint (920 * ureg.nm)
    if is_quantity(value):
        value = to_magnitude(value, unit, name=name)
    if isinstance(value, (list, tuple)):
        value = np.asarray(value, dtype=float)
    return value


#: Largest numerical aperture accepted: the highest of immersion objectives (oil, 1.65-1.7).
MAX_NA = 1.7


def _check(value, name, *, positive=True, allow_zero=False):
    """Raise InvalidParameterError for numeric values out of range (sympy values are left alone).

    A Quantity must be dimensionless (NA, fill, index): a length passed where
    a number belongs (arguments swapped) is a DimensionError.
    """
    if is_quantity(value):
        value = to_magnitude(value, "dimensionless", name=name)
    if isinstance(value, sympy.Basic):
        if value.is_number:
            value = float(value)
        else:
            if positive and (value.is_negative or (value.is_zero and not allow_zero)):
                raise InvalidParameterError(f"{name} must be positive, got {value}")
            return
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0 if allow_zero else arr <= 0) if positive else ~np.isfinite(arr)
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else float(arr)
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidParameterError(f"{name} must be {bound} and finite, got {first:g}")


def _check_na_value(na, name):
    """An NA: positive, finite, dimensionless and at most :data:`MAX_NA`."""
    _check(na, name)
    if not isinstance(na, sympy.Basic) or na.is_number:
        high = float(np.max(np.asarray(to_magnitude(na, "dimensionless", name=name), dtype=float)))
        if high > MAX_NA:
            raise InvalidParameterError(f"{name} {high:g} is above {MAX_NA:g}, the NA of the highest immersion "
                                        "objectives (is it swapped with another argument?)")


def _check_na(na, n, who):
    _check_na_value(na, f"{who}: numerical aperture NA")
    _check(n, f"{who}: immersion index n")
    if not isinstance(n, sympy.Basic) or n.is_number:
        refractive_index(to_magnitude(n, "dimensionless", name=f"{who}: immersion index n"), f"{who}: immersion index n")
    na_within_index(na, n, who)


def back_aperture_diameter(na, f):
    r"""Back-aperture diameter of an objective from the sine condition.

    .. math:: D_\mathrm{BA} = 2\,\mathrm{NA}\,f

    Parameters
    ----------
    na : float, array or sympy expression
        Numerical aperture.
    f : length
        Effective focal length (same unit as the result; a Quantity gives a
        Quantity in mm).

    >>> back_aperture_diameter(0.8, 12.5)   # Nikon 16x/0.8: f = 200 mm / 16
    20.0
    """
    quantity_in = is_quantity(f)
    f = _plain(f, "mm", "back_aperture_diameter: focal length f")
    _check_na_value(na, "back_aperture_diameter: numerical aperture NA")
    _check(f, "back_aperture_diameter: focal length f")
    out = 2 * na * f
    return quantity(out, "mm") if quantity_in else out


def fill_ratio(beam_diameter, back_aperture):
    r"""Ratio of the beam diameter to the objective's back-aperture diameter.

    Parameters
    ----------
    beam_diameter, back_aperture : length, array or sympy expression
        In the same unit.

    .. math:: \rho = D_\mathrm{beam} / D_\mathrm{BA}

    Values above 1 mean the back aperture is overfilled.  Quantities of any
    length unit may be mixed.

    >>> fill_ratio(15, 20)
    0.75
    """
    d = _plain(beam_diameter, "mm", "fill_ratio: beam diameter")
    ba = _plain(back_aperture, "mm", "fill_ratio: back-aperture diameter")
    _check(d, "fill_ratio: beam diameter", allow_zero=True)
    _check(ba, "fill_ratio: back-aperture diameter")
    return d / ba


def effective_na(na, fill):
    r"""Excitation NA actually used by a beam that fills a fraction of the back aperture.

    .. math:: \mathrm{NA}_\mathrm{eff} = \mathrm{NA}\,\min(1, \rho),
              \qquad \rho = D_\mathrm{beam}/D_\mathrm{BA}

    This is the sine condition :math:`D_\mathrm{beam}/2 = f\,\mathrm{NA}_\mathrm{eff}`
    capped at the objective's NA (see the module notes).

    Parameters
    ----------
    na : float, array or sympy expression
        Numerical aperture of the objective.
    fill : float, array or sympy expression
        Fill ratio :math:`\rho` (see :func:`fill_ratio`).

    >>> effective_na(0.8, 0.75), effective_na(0.8, 1.2)
    (0.6000000000000001, 0.8)
    """
    _check_na_value(na, "effective_na: numerical aperture NA")
    _check(fill, "effective_na: fill ratio", allow_zero=True)
    if _is_symbolic(na, fill):
        return na * sympy.Min(1, fill)
    return na * np.minimum(1.0, fill) if np.ndim(fill) or np.ndim(na) else na * min(1.0, float(fill))


def fwhm_from_e_radius(w):
    r"""Full width at half maximum of :math:`\exp(-x^2/w^2)`: :math:`2\sqrt{\ln 2}\,w`.

    Parameters
    ----------
    w : float, array or sympy expression
        1/e radius.

    >>> round(fwhm_from_e_radius(1.0), 6)
    1.665109
    """
    if isinstance(w, sympy.Basic):
        return 2 * sympy.sqrt(sympy.log(2)) * w
    return _FWHM_PER_E_RADIUS * w


def _wavelength(wavelength, who):
    quantity_in = is_quantity(wavelength)
    check_plain(wavelength, "um", "wavelength", name=f"{who}: wavelength")
    lam = _plain(wavelength, "um", f"{who}: wavelength")
    _check(lam, f"{who}: wavelength")
    return lam, quantity_in


def _out(value, quantity_in):
    return quantity(value, "um") if quantity_in else value


def two_photon_lateral_radius(na, wavelength):
    r"""Lateral 1/e radius :math:`\omega_{xy}` of the two-photon excitation PSF.

    Parameters
    ----------
    na : float, array or sympy expression
        Excitation NA.
    wavelength : length
        Excitation wavelength (a Quantity gives µm).

    Zipfel, Williams & Webb (2003):

    .. math:: \omega_{xy} = \frac{0.320\,\lambda}{\sqrt{2}\,\mathrm{NA}}
              \ (\mathrm{NA} \le 0.7), \qquad
              \frac{0.325\,\lambda}{\sqrt{2}\,\mathrm{NA}^{0.91}}
              \ (\mathrm{NA} > 0.7)

    >>> round(two_photon_lateral_radius(0.5, 0.8), 5)
    0.36204
    """
    lam, quantity_in = _wavelength(wavelength, "two_photon_lateral_radius")
    _check_na_value(na, "two_photon_lateral_radius: numerical aperture NA")
    if _is_symbolic(na, lam):
        low = sympy.Float(ZIPFEL_LOW_NA) * lam / (sympy.sqrt(2) * na)
        high = sympy.Float(ZIPFEL_HIGH_NA) * lam / (sympy.sqrt(2) * na ** sympy.Float(ZIPFEL_HIGH_NA_EXPONENT))
        return sympy.Piecewise((low, na <= sympy.Float(ZIPFEL_NA_BREAK)), (high, True))
    na_arr = np.asarray(na, dtype=float)
    low = ZIPFEL_LOW_NA * lam / (math.sqrt(2) * na_arr)
    high = ZIPFEL_HIGH_NA * lam / (math.sqrt(2) * na_arr**ZIPFEL_HIGH_NA_EXPONENT)
    out = np.where(na_arr <= ZIPFEL_NA_BREAK, low, high)
    out = out[()] if out.ndim == 0 else out
    return _out(float(out) if np.ndim(out) == 0 else out, quantity_in)


def two_photon_axial_radius(na, wavelength, n):
    r"""Axial 1/e radius :math:`\omega_z` of the two-photon excitation PSF.

    Parameters
    ----------
    na : float, array or sympy expression
        Excitation NA.
    wavelength : length
        Excitation wavelength (a Quantity gives µm).
    n : float
        Immersion index.

    Zipfel, Williams & Webb (2003):

    .. math:: \omega_z = \frac{0.532\,\lambda}{\sqrt{2}}\,
              \frac{1}{n - \sqrt{n^2 - \mathrm{NA}^2}}

    Raises
    ------
    InvalidParameterError
        If NA exceeds the immersion index *n*.

    >>> round(two_photon_axial_radius(0.8, 0.92, 1.333), 4)
    1.2974
    """
    lam, quantity_in = _wavelength(wavelength, "two_photon_axial_radius")
    _check_na(na, n, "two_photon_axial_radius")
    if _is_symbolic(na, lam, n):
        return sympy.Float(ZIPFEL_AXIAL) * lam / sympy.sqrt(2) / (n - sympy.sqrt(n**2 - na**2))
    na_arr, n_arr = np.asarray(na, dtype=float), np.asarray(n, dtype=float)
    out = ZIPFEL_AXIAL * lam / math.sqrt(2) / (n_arr - np.sqrt(n_arr**2 - na_arr**2))
    return _out(float(out) if np.ndim(out) == 0 else out, quantity_in)


def two_photon_lateral_fwhm(na, wavelength):
    r"""Lateral FWHM of the two-photon excitation PSF, :math:`2\sqrt{\ln 2}\,\omega_{xy}`.

    Parameters
    ----------
    na : float, array or sympy expression
        Excitation NA (use :func:`effective_na` for an underfilled objective).
    wavelength : length
        Excitation wavelength; the result has the same unit (a Quantity
        gives a Quantity in µm).

    >>> from optics.units import ureg
    >>> two_photon_lateral_fwhm(0.8, 920 * ureg.nm)
    <Quantity(0.431307518, 'micrometer')>
    """
    lam, quantity_in = _wavelength(wavelength, "two_photon_lateral_fwhm")
    return _out(fwhm_from_e_radius(two_photon_lateral_radius(na, lam)), quantity_in)


def two_photon_axial_fwhm(na, wavelength, n):
    r"""Axial FWHM of the two-photon excitation PSF, :math:`2\sqrt{\ln 2}\,\omega_z`.

    Parameters
    ----------
    na : float, array or sympy expression
        Excitation NA.
    wavelength : length
        Excitation wavelength (a Quantity gives µm).
    n : float
        Immersion index.

    >>> round(two_photon_axial_fwhm(0.8, 0.92, 1.333), 3)
    2.16
    """
    lam, quantity_in = _wavelength(wavelength, "two_photon_axial_fwhm")
    return _out(fwhm_from_e_radius(two_photon_axial_radius(na, lam, n)), quantity_in)


def two_photon_psf_fwhm(na, wavelength, n):
    """Lateral and axial FWHM of the two-photon PSF, as a tuple.

    Parameters
    ----------
    na : float, array or sympy expression
        Excitation NA.
    wavelength : length
        Excitation wavelength (a Quantity gives µm).
    n : float
        Immersion index.

    >>> lateral, axial = two_photon_psf_fwhm(1.0, 0.92, 1.333)
    >>> round(lateral, 3), round(axial, 3)
    (0.352, 1.276)
    """
    return two_photon_lateral_fwhm(na, wavelength), two_photon_axial_fwhm(na, wavelength, n)
