r"""Two-photon excitation PSF of the beam you really have: a Gaussian beam truncated by the back aperture.

The focal field of an aplanatic objective (Abbe sine condition) is the
vectorial Debye integral of Richards & Wolf (*Proc. R. Soc. A* **253**, 358,
1959).  For a beam linearly polarised along *x* entering the pupil with
amplitude :math:`A(\theta)`,

.. math::
   I_0 &= \int_0^\alpha A\sqrt{\cos\theta}\,\sin\theta\,(1 + \cos\theta)\,
          J_0(k r \sin\theta)\, e^{i k z \cos\theta}\, d\theta \\
   I_1 &= \int_0^\alpha A\sqrt{\cos\theta}\,\sin^2\theta\,
          J_1(k r \sin\theta)\, e^{i k z \cos\theta}\, d\theta \\
   I_2 &= \int_0^\alpha A\sqrt{\cos\theta}\,\sin\theta\,(1 - \cos\theta)\,
          J_2(k r \sin\theta)\, e^{i k z \cos\theta}\, d\theta

with :math:`k = 2\pi n/\lambda`, :math:`\sin\alpha = \mathrm{NA}/n`, and
:math:`|E|^2 = |I_0|^2 + |I_2|^2 + 2\,\mathrm{Re}(I_0 I_2^*)\cos 2\phi + 4|I_1|^2\cos^2\phi`.
Two-photon excitation goes as :math:`|E|^4`; it is averaged over the azimuth
:math:`\phi` (exactly: :math:`|E|^2 = P + Q\cos 2\phi` gives
:math:`\langle |E|^4\rangle = P^2 + Q^2/2`), and its full widths at half
maximum across (:math:`z = 0`) and along (:math:`r = 0`) the axis are the
lateral and axial FWHM.

The pupil amplitude of a Gaussian beam of :math:`1/e^2` diameter :math:`D`
on a back aperture of diameter :math:`D_\mathrm{BA}` is, with the sine
condition :math:`\rho = f n \sin\theta`,
:math:`A(\theta) = \exp\!\bigl(-(\sin\theta/\sin\alpha)^2/\mathrm{fill}^2\bigr)`,
:math:`\mathrm{fill} = D/D_\mathrm{BA}` (uniform for ``fill=None``).  For a
uniformly filled pupil the widths agree with the Zipfel, Williams & Webb
(2003) fits within 3 % over NA 0.5-1.0 in water; for a strongly underfilled
pupil they tend to those of the focused Gaussian beam (tests).

Numerics: 160-point Gauss-Legendre quadrature in :math:`\theta`, Bessel
functions from their integral representation
:math:`J_m(x) = \frac{1}{\pi}\int_0^\pi \cos(m\tau - x\sin\tau)\,d\tau`
(64-point midpoint rule, exact to ~1e-12 for the arguments met here), the
half-maximum points bracketed on a grid and refined by bisection.

>>> lateral, axial = two_photon_fwhm(0.8, 1.333, 0.92)     # µm in, µm out
>>> round(lateral, 2), round(axial, 2)
(0.44, 2.2)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from optics.errors import InvalidParameterError

__all__ = ["two_photon_fwhm"]

@functools.lru_cache(maxsize=1)
def _quadrature():
    """160-point Gauss-Legendre nodes and weights on [-1, 1] (made on first use)."""
    return np.polynomial.legendre.leggauss(160)
_TAU = (np.arange(64) + 0.5) * np.pi / 64


def _bessel(m, x):
    """J_m(x) from its integral representation (midpoint rule over tau)."""
    x = np.asarray(x, dtype=float)
    return np.cos(m * _TAU - x[..., None] * np.sin(_TAU)).mean(-1)


class _Focus:
    """The azimuthally averaged |E|^4 near the focus, for one pupil."""

    def __init__(self, na, n, wavelength, fill):
        self.alpha = math.asin(na / n)
        nodes, weights = _quadrature()
        theta = self.alpha * (nodes + 1) / 2
        self.weights = weights * self.alpha / 2
        self.k = 2 * math.pi * n / wavelength
        amp = np.sqrt(np.cos(theta))
        if fill is not None:
            amp = amp * np.exp(-((np.sin(theta) / math.sin(self.alpha)) ** 2) / fill**2)
        self.sin, self.cos, self.amp = np.sin(theta), np.cos(theta), amp

    def e4(self, r, z):
        r = np.atleast_1d(np.asarray(r, dtype=float))
        z = np.atleast_1d(np.asarray(z, dtype=float))
        phase = np.exp(1j * self.k * z[:, None] * self.cos) * self.amp * self.weights
        if not r.any():  # on the axis J0 = 1, J1 = J2 = 0
            i0 = (self.sin * (1 + self.cos) * phase).sum(-1)
            return np.abs(i0) ** 4
        x = self.k * r[:, None] * self.sin
        i0 = (self.sin * (1 + self.cos) * _bessel(0, x) * phase).sum(-1)
        i1 = (self.sin**2 * _bessel(1, x) * phase).sum(-1)
        i2 = (self.sin * (1 - self.cos) * _bessel(2, x) * phase).sum(-1)
        p = np.abs(i0) ** 2 + np.abs(i2) ** 2 + 2 * np.abs(i1) ** 2
        q = 2 * np.real(i0 * np.conj(i2)) + 2 * np.abs(i1) ** 2
        return p**2 + q**2 / 2

    def half_width(self, along, scale):
        """Half width at half maximum along r (``along="r"``) or z: bracketed on a grid, then bisected."""
        def f(s):
            return self.e4(s, 0.0) if along == "r" else self.e4(0.0, s)

        peak = float(f(0.0)[0])
        top = scale
        for _ in range(12):
            grid = np.linspace(0, top, 41)
            below = np.nonzero(f(grid) / peak < 0.5)[0]
            if below.size:
                break
            top *= 2
        else:
            raise InvalidParameterError("two_photon_fwhm: no half-maximum point found")
        lo, hi = grid[below[0] - 1], grid[below[0]]
        for _ in range(45):
            mid = (lo + hi) / 2
            if float(f(mid)[0]) / peak < 0.5:
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2


def two_photon_fwhm(na, n, wavelength, fill=None):
    r"""Lateral and axial FWHM of the two-photon excitation for a (truncated) Gaussian pupil.

    Parameters
    ----------
    na : float
        The objective's numerical aperture (its back aperture is :math:`2\,\mathrm{NA} f`).
    n : float
        Immersion index (NA < n).
    wavelength : float
        Vacuum excitation wavelength; the widths come in the same unit.
    fill : float, optional
        Beam :math:`1/e^2` diameter over back-aperture diameter; None for a
        uniformly filled pupil.

    Returns
    -------
    tuple of float
        ``(lateral_fwhm, axial_fwhm)``, the FWHM of the azimuthally averaged
        :math:`|E|^4` across and along the axis (see the module docstring).

    Raises
    ------
    InvalidParameterError
        For NA not in (0, n), a non-positive wavelength or fill.
    """
    for name, value in (("na", na), ("n", n), ("wavelength", wavelength)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InvalidParameterError(f"two_photon_fwhm: {name} must be a positive number, got {value!r}")
    if not na < n:
        raise InvalidParameterError(f"two_photon_fwhm: NA {na} must be below the immersion index {n}")
    if fill is not None and not (isinstance(fill, (int, float)) and math.isfinite(fill) and fill > 0):
        raise InvalidParameterError(f"two_photon_fwhm: fill must be a positive number or None, got {fill!r}")
    focus = _Focus(float(na), float(n), float(wavelength), None if fill is None else float(fill))
    # scales of the focus: lambda/NA across, n lambda/NA^2 along (wider when underfilled)
    under = 1.0 if fill is None else max(1.0, 1.0 / fill)
    lateral = 2 * focus.half_width("r", under * wavelength / na)
    axial = 2 * focus.half_width("z", 4 * under**2 * n * wavelength / na**2)
    return float(lateral), float(axial)
