r"""Pulse dispersion: group-delay dispersion of the glass in a path, pulse broadening, pre-chirp.

Every millimetre of glass a femtosecond pulse crosses adds group-delay
dispersion (GDD), the material's group-velocity dispersion
:math:`\beta_2` (:func:`optics.core.materials.group_velocity_dispersion`)
times the thickness:

.. math:: \mathrm{GDD} = \sum_i \beta_2^{(i)}(\lambda)\, L_i

Approximation (named): the on-axis glass path, the centre thicknesses of the
lenses; marginal rays cross other thicknesses.  Parts whose glass is unknown
(objectives, scan and tube lenses) enter with a user-supplied GDD, for
example a value from the maker or a design file (:class:`FixedGdd`).

A transform-limited Gaussian pulse of intensity FWHM :math:`\tau_0` leaves a
purely quadratic phase (GDD) with FWHM

.. math:: \tau = \tau_0 \sqrt{1 + \left(\frac{4 \ln 2\; \mathrm{GDD}}{\tau_0^2}\right)^2}

and a pre-chirp of :math:`-\mathrm{GDD}` (prism or grating compressor, chirped
mirrors) restores :math:`\tau_0` at the sample.  Third-order dispersion is not
included.

Units: durations in fs, GDD in fs², thicknesses in mm, wavelengths in nm, as
pint Quantities; plain numbers are accepted only for thicknesses (mm).

>>> from optics.units import ureg
>>> round(broadened_duration(100 * ureg.fs, 5000 * ureg.fs**2).to("fs").magnitude, 1)
170.9
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optics.core.chromatic import Prescription
from optics.core.materials import group_velocity_dispersion, material
from optics.errors import OpticsTypeError
from optics.units import is_quantity, quantity
from optics.validate import finite, positive

__all__ = [
    "GlassPlate",
    "FixedGdd",
    "GddContribution",
    "GddBudget",
    "glass_gdd",
    "prescription_gdd",
    "path_gdd",
    "broadened_duration",
    "prechirp",
]

_FOUR_LN2 = 4 * math.log(2)


def _quantity_only(value, name):
    if not is_quantity(value):
        raise OpticsTypeError(f"{name}: pass a Quantity (for example 100 * ureg.fs or 5000 * ureg.fs**2), got {value!r}")
    return value


@dataclass(frozen=True)
class GlassPlate:
    """A thickness of one glass in the beam (a window, a filter, a prism path).

    Parameters
    ----------
    name : str
        Label in the GDD budget.
    glass : str
        Material name (:func:`optics.core.materials.material_names`).
    thickness : pint.Quantity or float
        Glass path (mm if a plain number).
    """

    name: str
    glass: str
    thickness: object


@dataclass(frozen=True)
class FixedGdd:
    """A part of unknown glass with a user-supplied GDD at the laser wavelength.

    Parameters
    ----------
    name : str
        Label in the GDD budget (``"objective"``).
    gdd : pint.Quantity
        Group-delay dispersion, fs² (a Quantity).
    source : str, optional
        Where the value comes from.
    """

    name: str
    gdd: object
    source: str = "user-supplied"


@dataclass(frozen=True)
class GddContribution:
    """One line of a GDD budget.

    Attributes
    ----------
    name : str
        The part.
    gdd : pint.Quantity
        Its GDD at the wavelength, fs².
    how : str
        How it was found (``"N-BK7, 9.3 mm x 44.65 fs²/mm"`` or the user's source).
    """

    name: str
    gdd: object
    how: str


@dataclass(frozen=True)
class GddBudget:
    """GDD of a path, part by part.

    Attributes
    ----------
    wavelength : pint.Quantity
        The laser wavelength, nm.
    contributions : tuple of GddContribution
        In path order.
    total : pint.Quantity
        Sum, fs².
    """

    wavelength: object
    contributions: tuple
    total: object

    def duration(self, tau0, prechirp_gdd=None):
        """Pulse FWHM at the end of the path for a transform-limited input.

        Parameters
        ----------
        tau0 : pint.Quantity
            Input intensity FWHM (a time).
        prechirp_gdd : pint.Quantity, optional
            GDD applied before the path (fs²), added to the path's; see :func:`prechirp`.

        Returns
        -------
        pint.Quantity
            Output FWHM, fs.
        """
        gdd = self.total if prechirp_gdd is None else self.total + prechirp_gdd
        return broadened_duration(tau0, gdd)


def glass_gdd(glass, thickness, wavelength):
    r"""GDD of a thickness of glass: :math:`\beta_2(\lambda)\, L`.

    Parameters
    ----------
    glass : str or Material
        Material name.
    thickness : pint.Quantity or float
        Glass path (mm if a plain number); scalar or array.
    wavelength : pint.Quantity
        Vacuum wavelength.

    Returns
    -------
    pint.Quantity
        fs².

    >>> from optics.units import ureg
    >>> round(glass_gdd("N-BK7", 10 * ureg.mm, 800 * ureg.nm).magnitude)
    447
    """
    length = positive(thickness, "mm", f"{material(glass).name}: thickness", allow_zero=True)
    gvd = group_velocity_dispersion(glass, wavelength).to("fs**2/mm").magnitude
    return quantity(gvd * length, "fs**2")


def prescription_gdd(lens: Prescription, wavelength):
    """GDD of a lens from its prescription: each glass's GVD times its centre thickness.

    Parameters
    ----------
    lens : Prescription
        The lens (:func:`optics.catalog.prescriptions.prescription`).
    wavelength : pint.Quantity
        Vacuum wavelength.

    Returns
    -------
    pint.Quantity
        fs² (on-axis glass path).

    >>> from optics.units import ureg
    >>> p = Prescription("plate pair", (float("inf"), float("inf"), float("inf")), (5.0, 5.0), ("N-BK7", "N-BK7"))
    >>> round(prescription_gdd(p, 800 * ureg.nm).magnitude)
    447
    """
    if not isinstance(lens, Prescription):
        raise OpticsTypeError(f"prescription_gdd: expected a Prescription, got {lens!r}")
    total = sum(glass_gdd(g, t, wavelength).magnitude for g, t in zip(lens.glasses, lens.thicknesses))
    return quantity(total, "fs**2")


def path_gdd(parts, wavelength) -> GddBudget:
    """GDD budget of a path: prescriptions, glass plates and parts with a given GDD.

    Parameters
    ----------
    parts : sequence
        :class:`~optics.core.chromatic.Prescription`, :class:`GlassPlate` or
        :class:`FixedGdd` items, in path order.  A lens crossed twice is listed twice.
    wavelength : pint.Quantity
        The laser's vacuum wavelength.

    Returns
    -------
    GddBudget

    >>> from optics.units import ureg
    >>> budget = path_gdd([GlassPlate("window", "fused silica", 3 * ureg.mm),
    ...                    FixedGdd("objective", 4000 * ureg.fs**2, "design file")], 920 * ureg.nm)
    >>> [round(c.gdd.magnitude) for c in budget.contributions], round(budget.total.magnitude)
    ([81, 4000], 4081)
    """
    wavelength = _quantity_only(wavelength, "path_gdd: wavelength")
    rows = []
    for part in parts:
        if isinstance(part, Prescription):
            gdd = prescription_gdd(part, wavelength)
            how = " + ".join(
                f"{g} {t:g} mm x {group_velocity_dispersion(g, wavelength).to('fs**2/mm').magnitude:.2f} fs²/mm"
                for g, t in zip(part.glasses, part.thicknesses)
            )
            rows.append(GddContribution(part.name, gdd, how + " (centre thicknesses)"))
        elif isinstance(part, GlassPlate):
            length = positive(part.thickness, "mm", f"{part.name}: thickness", allow_zero=True)
            gdd = glass_gdd(part.glass, length, wavelength)
            gvd = group_velocity_dispersion(part.glass, wavelength).to("fs**2/mm").magnitude
            rows.append(GddContribution(part.name, gdd, f"{material(part.glass).name} {length:g} mm x {gvd:.2f} fs²/mm"))
        elif isinstance(part, FixedGdd):
            value = finite(_quantity_only(part.gdd, f"{part.name}: gdd"), "fs**2", f"{part.name}: gdd")
            rows.append(GddContribution(part.name, quantity(value, "fs**2"), part.source))
        else:
            raise OpticsTypeError(
                f"path_gdd: cannot find the GDD of {part!r}; give a Prescription, GlassPlate or FixedGdd"
            )
    total = quantity(sum(r.gdd.magnitude for r in rows), "fs**2")
    return GddBudget(wavelength.to("nm"), tuple(rows), total)


def broadened_duration(tau0, gdd):
    r"""FWHM of a transform-limited Gaussian pulse after a group-delay dispersion.

    .. math:: \tau = \tau_0 \sqrt{1 + \left(\frac{4 \ln 2\; \mathrm{GDD}}{\tau_0^2}\right)^2}

    Parameters
    ----------
    tau0 : pint.Quantity
        Input intensity FWHM (transform-limited), a time.
    gdd : pint.Quantity
        Group-delay dispersion (fs²); either sign broadens.  Scalar or array.

    Returns
    -------
    pint.Quantity
        Output FWHM, fs.

    >>> from optics.units import ureg
    >>> round(broadened_duration(100 * ureg.fs, 0 * ureg.fs**2).magnitude, 6)
    100.0
    """
    t0 = positive(_quantity_only(tau0, "broadened_duration: tau0"), "fs", "broadened_duration: tau0")
    phi2 = finite(_quantity_only(gdd, "broadened_duration: gdd"), "fs**2", "broadened_duration: gdd")
    stretch = _FOUR_LN2 * phi2 / t0**2
    return quantity(t0 * (1 + stretch**2) ** 0.5, "fs")


def prechirp(gdd):
    """The pre-chirp that compensates a path's GDD: its negative (fs²).

    Parameters
    ----------
    gdd : pint.Quantity or GddBudget
        The path's GDD, or its budget.

    >>> from optics.units import ureg
    >>> prechirp(4081 * ureg.fs**2)
    <Quantity(-4081.0, 'femtosecond ** 2')>
    """
    if isinstance(gdd, GddBudget):
        gdd = gdd.total
    value = finite(_quantity_only(gdd, "prechirp: gdd"), "fs**2", "prechirp: gdd")
    return quantity(-value, "fs**2")
