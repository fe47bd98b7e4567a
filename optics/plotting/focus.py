r"""The Gaussian beam near its focus after the objective.

:func:`plot_beam_near_focus` propagates a :class:`~optics.core.beams.GaussianBeam`
through a lens train or scan path (the ABCD law, :meth:`GaussianBeam.propagate`)
and draws its :math:`1/e^2` radius

.. math:: w(z) = w_0\sqrt{1 + \left(\frac{z - z_w}{z_R}\right)^2}, \qquad
          z_R = \frac{\pi n w_0^2}{M^2\lambda_0}

around the waist :math:`z_w`, with the waist and the Rayleigh range marked.

This is the paraxial Gaussian model: at the NA of a microscope objective the
real focus is wider and follows the vectorial PSF (see
:mod:`optics.microscope.resolution`), and a back aperture overfilled by the beam
truncates it, which the model ignores.  The plot shows where the beam is
focused and how the ABCD model sees it, not the PSF.

>>> from optics import LensTrain, Space, ThinLens, ureg
>>> from optics.core.beams import GaussianBeam
>>> train = LensTrain([Space(100), ThinLens(100), Space(100), "focus"])
>>> ax = plot_beam_near_focus(GaussianBeam(1 * ureg.um, waist=1), train)
>>> ax.get_xlabel(), ax.get_ylabel()
("z from plane 'output' (µm)", 'beam radius w (µm)')
"""

from __future__ import annotations

import math

import numpy as np

from optics.core.beams import GaussianBeam
from optics.core.elements import Element
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.microscope.path import ScanPath
from optics.core.trains import LensTrain
from optics.units import is_quantity, to_magnitude
from optics.plotting._axes import new_axes

__all__ = ["plot_beam_near_focus"]




def _focused_beam(beam, optic, start, end, etl_power, label):
    """The beam referenced to plane *end* of the optic, and that plane's name."""
    if isinstance(optic, ScanPath):
        if optic.is_symbolic:
            raise OpticsTypeError(f"{label}: the scan path has symbols; a numeric path is needed")
        if not isinstance(beam, GaussianBeam):
            if not is_quantity(beam):
                raise OpticsTypeError(f"{label}: beam must be a GaussianBeam or a wavelength Quantity, got {beam!r}")
            if start not in ("input", optic.input_plane):
                raise OpticsValueError(
                    f"{label}: a wavelength gives the path's input beam, at its input plane; "
                    f"pass a GaussianBeam to start at {start!r}"
                )
            beam = GaussianBeam(beam, waist=optic.input_beam_diameter.to("mm").magnitude / 2)
        train = optic.nominal_train if etl_power is None else optic.train_at(etl_power)
        end = "sample" if end is None else end
    else:
        if not isinstance(beam, GaussianBeam):
            raise OpticsTypeError(
                f"{label}: beam must be a GaussianBeam (a wavelength alone is enough only with a ScanPath), "
                f"got {beam!r}"
            )
        if etl_power is not None:
            raise OpticsTypeError(f"{label}: etl_power applies to a ScanPath with an ETL only")
        train = optic
        if optic is None:
            return beam, None
        if isinstance(optic, Element):
            train = LensTrain([optic])
        elif not isinstance(optic, LensTrain):
            raise OpticsTypeError(f"{label}: optic must be a LensTrain, ScanPath or element, got {optic!r}")
        end = "output" if end is None else end
    if train.free_symbols or beam.free_symbols:
        raise OpticsTypeError(f"{label}: the train and beam must be numeric")
    return beam.propagate(train, start, end), end


def plot_beam_near_focus(beam, optic=None, *, start="input", end=None, etl_power=None, span=None,
                         points=401, ax=None):
    r"""Beam radius :math:`w(z)` around the focus after a train, with waist and Rayleigh range.

    Parameters
    ----------
    beam : GaussianBeam or length
        The beam at plane *start* of *optic*.  With a ScanPath a wavelength
        (e.g. ``920 * ureg.nm``) is enough: the collimated input beam of the
        path (waist radius :math:`D_\mathrm{in}/2` at the input plane, the
        diameter taken as :math:`1/e^2`).
    optic : LensTrain, ScanPath or Element, optional
        What the beam goes through; None plots the beam around its own
        waist, z from its reference plane.
    start, end : str
        Planes; z is measured from *end* (default ``"sample"``, the nominal
        focal plane, for a ScanPath; ``"output"`` for a train), positive
        along the light, in the medium there.
    etl_power : optical power, optional
        ScanPath with an ETL: the ETL's own power (dpt; its offset lens is
        added); default the reference state (total ETL power zero).
    span : length, optional
        Half-width of the plotted range around the waist (default
        :math:`3 z_R`).  Plain numbers are µm.
    points : int
        Samples (odd counts include the waist itself).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Lines with ``gid`` ``"w"`` (upper envelope :math:`+w`),
        ``"waist"`` (the point :math:`(z_w, w_0)`) and ``"rayleigh"``
        (the points :math:`(z_w \pm z_R, \sqrt2\,w_0)`); lengths in µm.

    Raises
    ------
    OpticsTypeError
        For a symbolic train or beam, or a wavelength without a ScanPath.
    InvalidParameterError
        For a non-positive *span* or fewer than 3 points.
    """
    label = "plot_beam_near_focus"
    if not isinstance(points, int) or isinstance(points, bool) or points < 3:
        raise InvalidParameterError(f"{label}: points must be an integer >= 3, got {points!r}")
    out, plane = _focused_beam(beam, optic, start, end, etl_power, label)
    zw = float(out.waist_position.to("um").magnitude)
    zr = float(out.rayleigh_range.to("um").magnitude)
    w0 = float(out.waist.to("um").magnitude)
    if span is None:
        half = 3 * zr
    else:
        half = float(to_magnitude(span, "um", name=f"{label}: span"))
        if not (math.isfinite(half) and half > 0):
            raise InvalidParameterError(f"{label}: span must be positive and finite, got {span}")
    z = zw + np.linspace(-half, half, points)
    w = out.w(z / 1000).to("um").magnitude  # z past the plane, in mm
    ax = new_axes(ax)
    ax.fill_between(z, -w, w, color="tab:orange", alpha=0.25, lw=0)
    ax.plot(z, w, color="tab:orange", gid="w", label=f"1/e² radius, λ = {out.wavelength.to('nm').magnitude:.4g} nm, "
            f"n = {out.n:.4g}" + (f", M² = {out.m2:g}" if out.m2 != 1 else ""))
    ax.plot(z, -w, color="tab:orange", gid="w_lower")
    ax.plot([zw], [w0], "o", color="k", gid="waist", label=f"waist w₀ = {w0:.4g} µm at z = {zw:.4g} µm")
    r = math.sqrt(2) * w0
    ax.plot([zw - zr, zw + zr], [r, r], "|", color="tab:blue", ms=12, gid="rayleigh",
            label=f"Rayleigh range z_R = {zr:.4g} µm (w = √2 w₀)")
    ax.annotate("", xy=(zw - zr, r), xytext=(zw + zr, r), arrowprops=dict(arrowstyle="<->", color="tab:blue"))
    for x in (zw - zr, zw + zr):
        ax.axvline(x, color="tab:blue", lw=0.6, ls=":")
    if plane is not None and abs(zw) <= 1.5 * half:
        ax.axvline(0, color="0.5", lw=0.8, ls="--", label=f"plane {plane!r}")
    ax.axhline(0, color="0.6", lw=0.6, zorder=0)
    ax.set_xlabel(f"z from plane {plane!r} (µm)" if plane is not None else "z from the beam's reference plane (µm)")
    ax.set_ylabel("beam radius w (µm)")
    ax.legend(fontsize="x-small", loc="best")
    return ax
