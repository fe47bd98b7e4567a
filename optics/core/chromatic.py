r"""Lenses from prescriptions, at any wavelength: cardinal points and axial colour.

A :class:`Prescription` is a lens given by its surfaces: radii, centre
thicknesses and glasses (a singlet, a cemented doublet or triplet).  With the
glasses' dispersion (:mod:`optics.core.materials`) it becomes a
:class:`~optics.core.elements.ThickLens` at any vacuum wavelength, numeric or
symbolic in the wavelength, built by
:meth:`~optics.core.elements.ThickLens.from_prescription`.

Conventions are those of :mod:`optics.core.elements` (light in +z, radii
positive when the centre of curvature lies downstream).  For a lens of
effective focal length :math:`f` with principal planes at :math:`h_1` (from
the front vertex) and :math:`h_2` (from the back vertex):

.. math::

    \mathrm{BFL} = f + h_2, \qquad \mathrm{FFL} = f - h_1

(back focal length: back vertex to back focal point; front focal length:
front focal point to front vertex).  The *focal shift* of a wavelength is the
change of the back focal length from its value at a reference wavelength:
where a collimated beam of that wavelength focuses, relative to the
reference, behind the same lens.  Paraxial, on-axis: spherical aberration
and its change with wavelength (spherochromatism) are not included.

>>> from optics.units import ureg
>>> p = Prescription("demo doublet", (33.55, -27.05, -125.6), (7.5, 1.8), ("N-LAK22", "N-SF6HT"))
>>> round(p.cardinal_points(855 * ureg.nm).efl.magnitude, 2)
50.05
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import sympy

from optics.core.elements import ThickLens
from optics.core.materials import index_expr, material, refractive_index
from optics.errors import InvalidParameterError, OpticsTypeError
from optics.core.symbolic import to_expr
from optics.units import quantity

__all__ = [
    "Prescription",
    "CardinalPoints",
    "focal_shift",
    "efl_per_wavelength",
    "thin_equivalent",
    "ChromaticPoint",
    "chromatic_response",
]


@dataclass(frozen=True)
class CardinalPoints:
    """Paraxial cardinal points of a lens at one wavelength (all pint Quantities in mm).

    Attributes
    ----------
    efl : Quantity
        Effective focal length.
    bfl : Quantity
        Back focal length: back vertex to back focal point.
    ffl : Quantity
        Front focal length: front focal point to front vertex.
    h1 : Quantity
        Front principal plane, from the front vertex (positive downstream).
    h2 : Quantity
        Back principal plane, from the back vertex (positive downstream).
    thickness : Quantity
        Vertex-to-vertex (centre) thickness.
    """

    efl: object
    bfl: object
    ffl: object
    h1: object
    h2: object
    thickness: object


def _number_tuple(values, what, label, *, allow_inf=False):
    out = []
    for value in values:
        if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float)):
            raise OpticsTypeError(f"{label}: {what} must be numbers (mm), got {value!r}")
        value = float(value)
        if math.isnan(value) or (math.isinf(value) and not allow_inf) or value == 0:
            raise InvalidParameterError(f"{label}: {what} must be finite and non-zero, got {value!r}")
        out.append(value)
    return tuple(out)


@dataclass(frozen=True)
class Prescription:
    """A lens defined by its surfaces: radii, centre thicknesses, glasses.

    Parameters
    ----------
    name : str
        Part name (``"Thorlabs AC254-050-B"``).
    radii : tuple of float
        Surface radii in mm, in light order; ``inf`` for a flat surface.
    thicknesses : tuple of float
        Centre thicknesses in mm, one fewer than *radii*.
    glasses : tuple of str
        Glass of each element (names in :func:`~optics.core.materials.material_names`;
        ``"air"`` for the gap of an air-spaced lens).
    efl, bfl : float, optional
        The maker's effective and back focal lengths (mm) at
        *reference_wavelength_nm*, when known; used as checks, never in a calculation.
    reference_wavelength_nm : float, optional
        The wavelength (nm) at which the maker quotes *efl* and *bfl*.
    design_wavelengths_nm : tuple of float, optional
        The maker's design wavelengths (nm).
    diameter : float, optional
        Lens diameter (mm).
    source, known : str, optional
        Where the prescription comes from and how it is known.
    catalog_lens : str, optional
        Name of the matching lens-catalog entry (its paraxial part data), if any.

    >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
    >>> p.glasses
    ('N-BK7',)
    """

    name: str
    radii: tuple
    thicknesses: tuple
    glasses: tuple
    efl: float | None = None
    bfl: float | None = None
    reference_wavelength_nm: float | None = None
    design_wavelengths_nm: tuple = ()
    diameter: float | None = None
    source: str = ""
    known: str = ""
    catalog_lens: str | None = None

    def __post_init__(self):
        label = f"Prescription {self.name!r}"
        radii = _number_tuple(self.radii, "radii", label, allow_inf=True)
        thicknesses = _number_tuple(self.thicknesses, "thicknesses", label)
        if any(t < 0 for t in thicknesses):
            raise InvalidParameterError(f"{label}: centre thicknesses must be positive, got {thicknesses}")
        glasses = tuple(self.glasses)
        if len(radii) < 2 or len(thicknesses) != len(radii) - 1 or len(glasses) != len(thicknesses):
            raise InvalidParameterError(
                f"{label}: needs k >= 2 radii, k - 1 thicknesses and k - 1 glasses; got "
                f"{len(radii)} radii, {len(thicknesses)} thicknesses, {len(glasses)} glasses"
            )
        glasses = tuple(material(g).name for g in glasses)  # unknown glass -> PartNotFoundError
        object.__setattr__(self, "radii", radii)
        object.__setattr__(self, "thicknesses", thicknesses)
        object.__setattr__(self, "glasses", glasses)
        object.__setattr__(self, "design_wavelengths_nm", tuple(self.design_wavelengths_nm))

    # ---------------------------------------------------------------- lenses
    def indices(self, wavelength) -> tuple:
        """Index of each glass at a vacuum wavelength.

        Parameters
        ----------
        wavelength : pint.Quantity
            Vacuum wavelength (plain numbers are mm).

        Returns
        -------
        tuple of float
            One index per glass, in light order.

        >>> from optics.units import ureg
        >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
        >>> round(p.indices(587.5618 * ureg.nm)[0], 5)
        1.5168
        """
        return tuple(refractive_index(g, wavelength) for g in self.glasses)

    def thick_lens(self, wavelength, *, name=None) -> ThickLens:
        """The lens as a :class:`~optics.core.elements.ThickLens` at one wavelength.

        Parameters
        ----------
        wavelength : pint.Quantity
            Vacuum wavelength (plain numbers are mm).
        name : str, optional
            Element name (default the prescription's name).

        >>> from optics.units import ureg
        >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
        >>> round(float(p.thick_lens(587.6 * ureg.nm).f), 2)
        99.65
        """
        return ThickLens.from_prescription(self.radii, self.thicknesses, self.indices(wavelength),
                                           name=name or self.name)

    def thick_lens_expr(self, wavelength: sympy.Symbol, *, name=None) -> ThickLens:
        r"""The lens symbolic in the wavelength: :math:`f, h_1, h_2` as expressions of *wavelength* (mm).

        The matrix is formed with one index symbol per glass and the
        dispersion formulas substituted afterwards, so the expressions stay
        small.  Compile them (:func:`optics.compile_expr`) for sweeps.

        Parameters
        ----------
        wavelength : sympy.Symbol
            The vacuum wavelength symbol, in mm (the library's length unit).
        name : str, optional
            Element name (default the prescription's name).

        >>> lam = sympy.Symbol("wavelength", positive=True)
        >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
        >>> lens = p.thick_lens_expr(lam)
        >>> lens.free_symbols == {lam}
        True
        >>> round(float(lens.f.subs(lam, sympy.Rational(5876, 10**7))), 2)
        99.65
        """
        if not isinstance(wavelength, sympy.Symbol):
            raise OpticsTypeError(f"Prescription {self.name!r}: wavelength must be a sympy Symbol (mm)")
        symbols, generic = _generic_lens(self.radii, self.thicknesses)
        values = {s: index_expr(g, wavelength) for s, g in zip(symbols, self.glasses)}
        return ThickLens(generic.f.xreplace(values), generic.h1.xreplace(values),
                         generic.h2.xreplace(values), generic.t, name=name or self.name)

    # -------------------------------------------------------- cardinal points
    def _cardinal_mm(self, wavelength):
        """(efl, bfl, ffl, h1, h2) in mm, floats or arrays, at one or many wavelengths."""
        indices = [refractive_index(g, wavelength) for g in self.glasses]
        f, h1, h2 = (fn(*indices) for fn in _compiled_lens(self.radii, self.thicknesses))
        return f, f + h2, f - h1, h1, h2

    def cardinal_points(self, wavelength) -> CardinalPoints:
        """EFL, BFL, FFL and principal planes at a vacuum wavelength.

        Parameters
        ----------
        wavelength : pint.Quantity
            Vacuum wavelength, scalar or array (plain numbers are mm); the
            fields of the result have its shape.

        Returns
        -------
        CardinalPoints

        >>> from optics.units import ureg
        >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
        >>> round(p.cardinal_points(587.6 * ureg.nm).bfl.magnitude, 2)
        96.36
        """
        efl, bfl, ffl, h1, h2 = self._cardinal_mm(wavelength)
        return CardinalPoints(*(quantity(v, "mm") for v in (efl, bfl, ffl, h1, h2)),
                              quantity(sum(self.thicknesses), "mm"))

    def reference_wavelength(self):
        """The maker's reference wavelength as a Quantity (nm), or None."""
        if self.reference_wavelength_nm is None:
            return None
        return quantity(self.reference_wavelength_nm, "nm")


@lru_cache(maxsize=None)
def _generic_lens(radii, thicknesses):
    """ThickLens with one positive index symbol per glass, and those symbols."""
    symbols = sympy.symbols(f"n_1:{len(thicknesses) + 1}", positive=True)
    return symbols, ThickLens.from_prescription(radii, thicknesses, symbols)


@lru_cache(maxsize=None)
def _compiled_lens(radii, thicknesses):
    """f, h1, h2 as fast functions of the indices (numpy-aware, via lambdify)."""
    symbols, lens = _generic_lens(radii, thicknesses)
    return tuple(sympy.lambdify(symbols, e, modules="numpy") for e in (lens.f, lens.h1, lens.h2))


# ------------------------------------------------------------ axial colour


def _reference(prescription, reference_wavelength):
    if reference_wavelength is None:
        reference_wavelength = prescription.reference_wavelength()
        if reference_wavelength is None:
            raise InvalidParameterError(
                f"focal_shift: prescription {prescription.name!r} has no reference wavelength; "
                "pass reference_wavelength=... (a Quantity)"
            )
    return reference_wavelength


def focal_shift(prescription: Prescription, wavelengths, reference_wavelength=None):
    r"""Axial colour of a lens: where a collimated beam focuses, relative to a reference wavelength.

    .. math:: \Delta z(\lambda) = \mathrm{BFL}(\lambda) - \mathrm{BFL}(\lambda_\mathrm{ref})

    Positive: the focus lies further from the lens (downstream).

    Parameters
    ----------
    prescription : Prescription
        The lens.
    wavelengths : pint.Quantity
        Vacuum wavelength(s), scalar or array (plain numbers are mm).
    reference_wavelength : pint.Quantity, optional
        Default: the prescription's reference wavelength.

    Returns
    -------
    pint.Quantity
        In mm, the shape of *wavelengths*.

    >>> from optics.units import ureg
    >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
    >>> round(focal_shift(p, 1040 * ureg.nm, 920 * ureg.nm).to("um").magnitude, 1)
    340.9
    """
    reference_wavelength = _reference(prescription, reference_wavelength)
    bfl = prescription._cardinal_mm(wavelengths)[1]
    bfl_ref = prescription._cardinal_mm(reference_wavelength)[1]
    return quantity(bfl - bfl_ref, "mm")


def efl_per_wavelength(prescription: Prescription, wavelengths):
    """Effective focal length at each wavelength.

    The per-element input of a thin-lens-equivalent path rebuilt per wavelength.

    Parameters
    ----------
    prescription : Prescription
        The lens.
    wavelengths : pint.Quantity
        Vacuum wavelength(s), scalar or array (plain numbers are mm).

    Returns
    -------
    pint.Quantity
        In mm, the shape of *wavelengths*.

    >>> import numpy as np
    >>> from optics.units import ureg
    >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
    >>> np.round(efl_per_wavelength(p, np.array([920, 1040]) * ureg.nm).magnitude, 2)
    array([101.24, 101.59])
    """
    return quantity(prescription._cardinal_mm(wavelengths)[0], "mm")


# ------------------------------------------------------ lenses in a path model


def thin_equivalent(prescription: Prescription, wavelength, reference_wavelength=None, *, name=None) -> ThickLens:
    r"""The lens at *wavelength*, for a path whose spacings were laid out at a reference wavelength.

    A path model that places a lens as a thin lens of focal length
    :math:`f(\lambda_\mathrm{ref})` (spacings measured to its principal planes
    at the reference wavelength) stays exact at another wavelength when that
    thin lens is replaced by

    .. math:: M = S(-\delta_2)\, L(f(\lambda))\, S(\delta_1), \qquad
              \delta_i = h_i(\lambda) - h_i(\lambda_\mathrm{ref})

    a zero-length :class:`~optics.core.elements.ThickLens` whose principal
    planes move by :math:`\delta_1, \delta_2`.  At the reference wavelength it
    is the thin lens itself.

    Parameters
    ----------
    prescription : Prescription
        The lens.
    wavelength : pint.Quantity
        Vacuum wavelength.
    reference_wavelength : pint.Quantity, optional
        Default: the prescription's reference wavelength.
    name : str, optional
        Element name (default the prescription's).

    >>> from optics.units import ureg
    >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
    >>> lens = thin_equivalent(p, 587.6 * ureg.nm, 587.6 * ureg.nm)
    >>> lens.h1, lens.h2, lens.t
    (0, 0, 0)
    """
    reference_wavelength = _reference(prescription, reference_wavelength)
    lens = prescription.thick_lens(wavelength)
    ref = prescription.thick_lens(reference_wavelength)
    return ThickLens(lens.f, lens.h1 - ref.h1, lens.h2 - ref.h2, 0, name=name or prescription.name)


@dataclass(frozen=True)
class ChromaticPoint:
    """Chromatic answers of a path at one wavelength, relative to a reference wavelength.

    Attributes
    ----------
    wavelength : pint.Quantity
        Vacuum wavelength, nm.
    focus_shift : pint.Quantity or None
        Where a collimated input beam focuses, past plane *end*, minus the same at
        the reference wavelength (mm; positive away from the path's end).  None
        when the path is afocal at this wavelength.
    image_distances : mapping
        Read-only; for each plane asked for, the distance past plane *relative_to* at which
        it is imaged at this wavelength (mm; 0 = conjugate, negative = virtual
        image before it).  None where it is imaged to infinity.
    fov_scale : float or None
        Field size at this wavelength over the field size at the reference (a
        scan angle at plane *start* maps to a height
        :math:`-\\det M / C` times the angle in the focal plane).  None when afocal.
    etl_power_change : pint.Quantity or None
        Change of the ETL's power (dpt) that brings this wavelength's focus to the
        reference wavelength's focus.  None without an ETL power symbol.
    """

    wavelength: object
    focus_shift: object
    image_distances: dict
    fov_scale: object
    etl_power_change: object


def _numeric_abcd(train, start, end, values):
    a, b, c, d = train.abcd(start, end)
    if values:
        a, b, c, d = (e.xreplace(values) if getattr(e, "free_symbols", None) else e for e in (a, b, c, d))
    free = set().union(*(getattr(e, "free_symbols", set()) for e in (a, b, c, d)))
    if free:
        raise OpticsTypeError(
            "chromatic_response: the train built for a wavelength still holds the symbols "
            + ", ".join(sorted(map(str, free)))
            + "; give them values in build_train (or name the ETL power with power=)"
        )
    return tuple(float(e) for e in (a, b, c, d))


def chromatic_response(build_train, wavelengths, reference_wavelength, *, start="input", end="output",
                       imaged_planes=(), relative_to=None, power=None, reference_power=0):
    r"""Axial colour, image positions, lateral colour and ETL correction of a path.

    *build_train* rebuilds the path at a wavelength (for example with
    :meth:`Prescription.thick_lens` or :func:`thin_equivalent` for each lens of
    known prescription and fixed elements for the others); this function asks
    each train the same questions and compares with the reference wavelength.
    With :math:`M = \begin{pmatrix}A&B\\C&D\end{pmatrix}` from *start* to *end*:

    * focus of a collimated input, past *end*: :math:`z_f = -A/C`;
      ``focus_shift`` is :math:`z_f(\lambda) - z_f(\lambda_\mathrm{ref})`;
    * field height per unit input angle in the focal plane: :math:`-\det M / C`;
      ``fov_scale`` is its ratio to the reference;
    * ETL: the power :math:`P_\lambda` solving :math:`z_f(P_\lambda, \lambda) = z_f(P_\mathrm{ref}, \lambda_\mathrm{ref})`
      (linear in :math:`P` for one thin tunable lens); ``etl_power_change`` is
      :math:`P_\lambda - P_\mathrm{ref}`.

    Parameters
    ----------
    build_train : callable
        ``build_train(wavelength) -> LensTrain``, numeric except perhaps the ETL
        power symbol.
    wavelengths : iterable of pint.Quantity, or an array Quantity
        Vacuum wavelengths.
    reference_wavelength : pint.Quantity
        The design wavelength.
    start, end : str
        Planes: the collimated input (scan angles are measured here) and the
        plane focus shifts are measured from (the nominal focal plane).
    imaged_planes : sequence of str, optional
        Planes whose image positions to report (``("galvo", "etl")``).
    relative_to : str, optional
        The plane image positions are measured from (``"back_aperture"``).
    power : sympy.Symbol, optional
        The ETL power symbol, if the train holds one.
    reference_power : optical power, optional
        The ETL power at the reference wavelength (default 0 dpt).

    Returns
    -------
    tuple of ChromaticPoint

    >>> from optics import LensTrain, Space, ThinLens, ureg
    >>> p = Prescription("singlet", (51.5, float("inf")), (5.0,), ("N-BK7",))
    >>> build = lambda wl: LensTrain([thin_equivalent(p, wl, 920 * ureg.nm), Space(100), "focus"])
    >>> point = chromatic_response(build, [1040 * ureg.nm], 920 * ureg.nm, end="focus")[0]
    >>> round(point.focus_shift.to("um").magnitude, 1), round(point.fov_scale, 5)
    (340.9, 1.0034)
    """
    if not callable(build_train):
        raise OpticsTypeError(f"chromatic_response: build_train must be a callable, got {build_train!r}")
    if imaged_planes and relative_to is None:
        raise OpticsTypeError("chromatic_response: imaged_planes needs relative_to (a plane name)")
    if hasattr(wavelengths, "units") and getattr(wavelengths, "shape", ()) != ():
        wavelengths = list(wavelengths)
    elif hasattr(wavelengths, "units"):
        wavelengths = [wavelengths]
    if power is not None and not isinstance(power, sympy.Symbol):
        raise OpticsTypeError(f"chromatic_response: power must be the ETL power Symbol, got {power!r}")
    p_ref = to_expr(reference_power, "dpt", name="chromatic_response: reference_power")
    ref_values = {power: p_ref} if power is not None else {}

    def focus_and_field(wavelength):
        train = build_train(wavelength)
        a, b, c, d = _numeric_abcd(train, start, end, ref_values)
        if c == 0:
            return train, None, None
        return train, -a / c, -(a * d - b * c) / c

    _, z_ref, field_ref = focus_and_field(reference_wavelength)
    out = []
    for wavelength in wavelengths:
        train, z, field = focus_and_field(wavelength)
        focus_shift = None if z is None or z_ref is None else quantity(z - z_ref, "mm")
        fov_scale = None if field is None or not field_ref else field / field_ref  # no field at the reference: no scale
        images = {}
        for plane in imaged_planes:
            _, b, _, d = _numeric_abcd(train, plane, relative_to, ref_values)
            images[plane] = None if d == 0 else quantity(-b / d, "mm")
        power_change = None
        if power is not None and z_ref is not None:
            a, _, c, _ = train.abcd(start, end)
            solutions = sympy.solve(sympy.Eq(a + sympy.Float(z_ref) * c, 0), power)
            real = [s for s in solutions if s.is_real]
            if len(real) == 1:
                power_change = quantity(float(real[0] - p_ref), "dpt")
        out.append(ChromaticPoint(wavelength.to("nm"), focus_shift, MappingProxyType(images), fov_scale,
                                  power_change))
    return tuple(out)
