r"""The excitation path of a point-scanning microscope as one lens train.

A :class:`ScanPath` is a frozen description of the excitation path: an
optional remote tunable lens (ETL) with its relay, scan mirrors with relays
between them, the scan lens, the tube lens and the objective.  It builds
**one** :class:`~optics.core.trains.LensTrain` (:attr:`ScanPath.train`), with
named planes

``"etl"``, ``"etl_relay_1"``, ``"etl_relay_2"``, the scanner planes
(``"resonant"``, ``"galvo"``, ...), ``"relay1_1"``, ``"relay1_2"``, ...,
``"scan_lens"``, ``"tube_lens"``, ``"back_aperture"``, ``"objective"``,
``"sample"``

and every quantity of the library (beam, field of view, fill, resolution,
conjugation, clipping, remote focus, the lens-set search, the report and its
figures) is a closed form of :mod:`optics.microscope.closed_forms` applied to
that train.  The ETL is a :class:`~optics.core.elements.TunableLens` whose own
power is the symbol :data:`ETL_POWER` (``P``, diopters; an offset lens in
contact adds ``offset_power``).  Lateral quantities use the *nominal* train
(:attr:`ScanPath.nominal_train`: the same train with the ETL's total power
zero).

Conventions
-----------
* Lengths are mm, powers dpt, angles rad; plain numbers are read in these
  units.  Numeric paths answer with Quantities; symbolic paths with sympy
  expressions **in the unit the numeric answer has** (a focus shift or a
  pixel size in µm, a field of view in mm).
* ``"back_aperture"`` is the objective's back focal plane, :math:`f_o` in
  front of the objective, which is an ideal aplanatic lens of effective focal
  length :math:`f_o`; the sample plane ``"sample"`` lies :math:`n f_o` past it
  in the immersion medium of index *n*.  Lateral quantities do not depend on
  *n*; axial focus shifts do (they scale with *n*).
* The input beam is collimated at the input plane (ETL or first scanner).
  Its focus lies :meth:`ScanPath.focus_distance` past the sample plane: zero
  for a path whose relays are 4f, not zero when spacings are changed.  The
  field of view is measured in the plane of that focus.
* Scanners obey the f·tanθ mapping (a chief ray leaves the pivot with slope
  :math:`\tan\theta`):

  .. math:: s_\mathrm{FOV} = 2\,|B + z_f D|\tan(\alpha/2)
            \quad(\text{exact paraxial}), \qquad
            s_\mathrm{FOV} \approx |B + z_f D|\tan\alpha
            \quad(\text{small-angle form of the reference post})

  with :math:`B, D` from the scanner to the sample and :math:`z_f` the focus
  distance; for the plain 4f path :math:`|B| = f_o f_s / f_t`.
* Relays are 4f unless their ``spacings`` say otherwise; the ETL offset and
  the conjugate-plane offset of a remote-focus design are such spacings.

>>> from optics.microscope.parts import Objective, Scanner
>>> from optics.units import ureg
>>> path = ScanPath(
...     scanners=[Scanner("resonant", aperture=5, optical_angle=26 * ureg.deg)],
...     scan_lens=50, tube_lens=200,
...     objective=Objective("16x/0.8W", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333),
...     beam_diameter=5)
>>> path.back_aperture_beam
<Quantity(20.0, 'millimeter')>
>>> path.fov().to("um"), path.fov(form="small_angle").to("um")
(<Quantity(1442.926..., 'micrometer')>, <Quantity(1524.164..., 'micrometer')>)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import sympy

from optics.core.elements import ABCD, Element, Space, ThinLens, TunableLens
from optics.core.symbolic import cancel, to_expr
from optics.core.trains import ImageLocation, LensTrain
from optics.display import Table, format_value, repr_html, repr_latex, repr_markdown, with_unit
from optics.errors import (
    ClippingWarning,
    ConjugationWarning,
    InvalidParameterError,
    NoFocusError,
    OpticsError,
    OpticsTypeError,
    OpticsValueError,
    PlaneError,
)
from optics.microscope import closed_forms as cf
from optics.microscope.apertures import gaussian_transmission
from optics.microscope.closed_forms import FOV_FORMS
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart
from optics.microscope.psf import two_photon_fwhm
from optics.microscope.resolution import Resolution, effective_na, two_photon_axial_fwhm, two_photon_lateral_fwhm
from optics.units import as_result, check_plain, is_quantity, quantity, to_magnitude
from optics.validate import na_within_index, refractive_index

__all__ = [
    "ETL_POWER",
    "FOV_FORMS",
    "Relay",
    "Gap",
    "LensModel",
    "ObjectiveModel",
    "ScannerModel",
    "TunableLensModel",
    "ScanPath",
    "ZRange",
    "FieldOfView",
    "ConjugationRow",
    "ClippingRow",
    "PowerBudget",
    "DEFAULT_FILL_LIMIT",
]

#: Largest footprint, as a fraction of a clear aperture, that passes without a
#: warning (85 %: a 1/e² beam this size loses about 8 % at its edge).
DEFAULT_FILL_LIMIT = 0.85

#: The ETL's own optical power (diopters): the one free symbol of a numeric
#: path's train and of its focus-shift closed form.
ETL_POWER = sympy.Symbol("P", real=True)


# -- typed results ------------------------------------------------------------------------
class ZRange(NamedTuple):
    """Focus shifts at the two ends of an ETL power range and their span.

    All three in µm (Quantities for a numeric path, sympy expressions in µm
    for a symbolic one).
    """

    z_at_min: object
    z_at_max: object
    span: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex
    _display_units = {"z_at_min": "µm", "z_at_max": "µm", "span": "µm"}


class ConjugationRow(NamedTuple):
    """Is a pupil plane (a scanner or the ETL) imaged onto the objective's back aperture?

    Attributes
    ----------
    plane : str
    b : Quantity or sympy expression
        Matrix entry :math:`B` from the plane to the back aperture (mm; 0 when conjugate).
    conjugate : bool
    image_offset : Quantity, sympy expression or None
        Where the plane's image (real or virtual) lies past the back-aperture
        plane, :math:`-B/D` (mm); None when conjugate or imaged to infinity.
    image : ImageLocation or None
        The plane's first real image downstream (numeric paths), else None.
    """

    plane: str
    b: object
    conjugate: bool
    image_offset: object
    image: ImageLocation | None

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex
    _display_units = {"b": "mm", "image_offset": "mm"}


class ClippingRow(NamedTuple):
    """The beam footprint at one clear aperture over the full scan (all lengths mm).

    Attributes
    ----------
    plane : str
        Plane and part name.
    part : str
        Plane and part name.
    aperture : Quantity
        Clear-aperture diameter.
    beam : Quantity
        Beam diameter on axis.
    scan_offset : Quantity
        Chief-ray height with every upstream scanner at full deflection.
    footprint : Quantity
        ``beam + 2 scan_offset``.
    excess : Quantity
        ``footprint - aperture`` (negative when it fits).
    excess_percent : float
        The excess in % of the aperture.
    clipped : bool
        The footprint exceeds the aperture.
    fill : float
        Footprint over aperture (1: the footprint just fits).
    transmission : float
        Fraction of the Gaussian beam's power (1/e² diameter *beam*) through
        the aperture with its axis *scan_offset* off centre
        (:func:`~optics.microscope.apertures.gaussian_transmission`).
    """

    plane: str
    part: str
    aperture: object
    beam: object
    scan_offset: object
    footprint: object
    excess: object
    excess_percent: float
    clipped: bool
    fill: float
    transmission: float

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


class PowerBudget(NamedTuple):
    """Power of the Gaussian beam through every known clear aperture, in light order.

    Attributes
    ----------
    rows : tuple of ClippingRow
        The part apertures and, last, the objective's back aperture.
    transmission : float
        Power through all the apertures: the smallest transmission of each group
        of mutually conjugate apertures, multiplied over the groups
        (:meth:`ScanPath.power_budget`; diffraction and coatings not included).
    unknown : tuple of str
        Planes whose clear aperture is unknown, so not checked.
    """

    rows: tuple
    transmission: float
    unknown: tuple

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


# -- lens and part models ---------------------------------------------------------------------
@dataclass(frozen=True)
class LensModel:
    """A thin lens of the path: focal length (mm expression), clear aperture (mm or None), name.

    Parameters
    ----------
    f : length or sympy expression
        Focal length (positive).
    aperture : length, optional
        Clear-aperture diameter; None when unknown.
    name : str
        Part name, for messages and reports.
    element : Element, optional
        The element the train uses for this lens; default ``ThinLens(f)``.  A
        zero-length :class:`~optics.core.elements.ThickLens` models the lens at
        another wavelength (:func:`optics.core.chromatic.thin_equivalent`).

    >>> LensModel(50).f
    50
    """

    f: object
    aperture: object = None
    name: str = ""
    element: object = None

    def __post_init__(self):
        label = f"lens {self.name!r}" if self.name else "lens"
        if self.element is not None and not isinstance(self.element, Element):
            raise OpticsTypeError(f"{label}: element must be an optics Element, got {self.element!r}")
        object.__setattr__(self, "f", to_expr(self.f, "mm", name=f"{label}: focal length f", positive=True,
                                              nonzero=True))
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"{label}: aperture",
                                                         positive=True, nonzero=True))

    def as_element(self, name):
        """The element of this lens in a train: *element* if given, else a thin lens of focal length *f*.

        Parameters
        ----------
        name : str
            Element name (the lens's plane).
        """
        return self.element if self.element is not None else ThinLens(self.f, name=name)

    @classmethod
    def of(cls, value, role) -> "LensModel":
        """A model of *value*: a LensModel, a :class:`~optics.microscope.parts.Lens` part or a focal length.

        Parameters
        ----------
        value : LensModel, Lens, length or sympy expression
        role : str
            Where the lens sits, for error messages.
        """
        if isinstance(value, LensModel):
            return value
        if isinstance(value, Lens):
            return cls(value.f, value.aperture, value.name)
        if value is None:
            raise OpticsTypeError(f"{role}: a focal length or a Lens part is required, got None")
        return cls(to_expr(value, "mm", name=f"{role}: focal length f", positive=True, nonzero=True))


def _spacing(value, label):
    """A spacing (mm expression): a distance in light order, so never negative when numeric."""
    d = to_expr(value, "mm", name=label)
    if d.is_number and d < 0:
        raise InvalidParameterError(
            f"{label} is {float(d):g} mm: spacings are distances between elements in light order and cannot "
            "be negative (the elements would be out of order)"
        )
    return d


@dataclass(frozen=True)
class Relay:
    r"""A two-lens relay (4f by default) between two conjugate planes.

    The relay images the plane in front of it onto the plane behind it with
    beam magnification :math:`f_2/f_1` (and an inverted image).

    Parameters
    ----------
    first, second : length, sympy expression, :class:`~optics.microscope.parts.Lens` or LensModel
        The two lenses in light order (positive focal lengths).
    spacings : tuple of three lengths, optional
        ``(d1, d2, d3)``: plane to first lens, first to second lens, second
        lens to the next plane.  Default :math:`(f_1, f_1 + f_2, f_2)`.

    >>> Relay(50, 75).magnification
    3/2
    """

    first: object
    second: object
    spacings: tuple | None = None

    def __post_init__(self):
        first = LensModel.of(self.first, "Relay first lens")
        second = LensModel.of(self.second, "Relay second lens")
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "second", second)
        if self.spacings is None:
            d = (first.f, first.f + second.f, second.f)
        else:
            if isinstance(self.spacings, (str, bytes)) or len(self.spacings) != 3:
                raise InvalidParameterError(f"Relay: spacings must be (d1, d2, d3), got {self.spacings!r}")
            d = tuple(_spacing(v, f"Relay spacing d{i + 1}") for i, v in enumerate(self.spacings))
        object.__setattr__(self, "spacings", d)

    @property
    def magnification(self):
        """Beam magnification :math:`f_2/f_1` of the relay (unsigned)."""
        return cancel(self.second.f / self.first.f)

    @property
    def is_4f(self) -> bool:
        """True if the spacings are :math:`(f_1, f_1 + f_2, f_2)`."""
        f1, f2 = self.first.f, self.second.f
        return all(cancel(a - b).is_zero for a, b in zip(self.spacings, (f1, f1 + f2, f2)))

    def _items(self, prefix):
        d1, d2, d3 = self.spacings
        return [
            Space(d1), f"{prefix}_1", self.first.as_element(f"{prefix}_1"), Space(d2),
            f"{prefix}_2", self.second.as_element(f"{prefix}_2"), Space(d3),
        ]


@dataclass(frozen=True)
class Gap:
    r"""Two scanners mounted close together without a relay ("close-coupled").

    Neither mirror can then be imaged onto the back aperture; the plane that
    is (the *pupil*) lies a fraction *pupil* of the way from the first
    mirror to the second (usually midway), and the beam walks across the back
    aperture as each mirror scans (:meth:`ScanPath.beam_walk`).

    Parameters
    ----------
    distance : length
        Mirror-to-mirror distance along the beam.
    pupil : float
        Where the pupil sits between the mirrors, 0 (at the first) to 1 (at
        the second); default 0.5.

    >>> Gap(10).distance, Gap(10).pupil
    (10, 1/2)
    """

    distance: object
    pupil: object = 0.5

    def __post_init__(self):
        d = to_expr(self.distance, "mm", name="Gap: mirror distance", positive=True)
        p = to_expr(self.pupil, "dimensionless", name="Gap: pupil position")
        if p.is_number and not 0 <= float(p) <= 1:
            raise InvalidParameterError(f"Gap: pupil must lie between the mirrors (0 to 1), got {self.pupil!r}")
        object.__setattr__(self, "distance", d)
        object.__setattr__(self, "pupil", p)

    @property
    def pupil_to_second(self):
        """Distance from the pupil to the second mirror (mm expression)."""
        return (1 - self.pupil) * self.distance

    def _items(self, prefix):
        return [Space(self.distance)]


@dataclass(frozen=True)
class ObjectiveModel:
    r"""An objective given by focal length, NA and immersion index (numbers or symbols).

    Use it for symbolic paths; real objectives are :class:`~optics.microscope.parts.Objective`
    parts (converted with :meth:`from_part`).  The back-aperture diameter is
    *aperture* when given (a maker's value), else :math:`2\,\mathrm{NA}\,f`,
    else unknown (None: no NA given).

    Parameters
    ----------
    f : length or sympy expression
        Effective focal length :math:`f_o`.
    na : float or sympy expression, optional
        Numerical aperture (at most *n*).
    n : float or sympy expression
        Immersion index (default 1, air).
    name : str
    aperture : length, optional
        The maker's back-aperture diameter, when known.

    >>> ObjectiveModel(12.5, 0.8, 1.333).back_aperture
    20
    """

    f: object
    na: object = None
    n: object = 1
    name: str = "objective"
    aperture: object = None

    def __post_init__(self):
        label = f"objective {self.name!r}"
        f = to_expr(self.f, "mm", name=f"{label}: focal length", positive=True, nonzero=True)
        n = to_expr(self.n, "dimensionless", name=f"{label}: immersion index", positive=True, nonzero=True)
        if n.is_number:
            refractive_index(float(n), f"{label}: immersion index")
        object.__setattr__(self, "f", f)
        object.__setattr__(self, "n", n)
        if self.na is not None:
            na = to_expr(self.na, "dimensionless", name=f"{label}: NA", positive=True, nonzero=True)
            na_within_index(na, n, label)
            object.__setattr__(self, "na", na)
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"{label}: back aperture",
                                                         positive=True, nonzero=True))

    @property
    def back_aperture(self):
        """Back-aperture diameter (mm expression), or None when neither it nor the NA is known."""
        if self.aperture is not None:
            return self.aperture
        return None if self.na is None else 2 * self.na * self.f

    @classmethod
    def from_part(cls, part: Objective) -> "ObjectiveModel":
        """Model of an :class:`~optics.microscope.parts.Objective` part (EFL, NA, index, back aperture).

        Parameters
        ----------
        part : Objective
        """
        return cls(part.efl, part.na, part.immersion_index, part.name, part.back_aperture)


@dataclass(frozen=True)
class ScannerModel:
    """A scan mirror given by its full optical scan angle (number in rad, Quantity or symbol).

    The angle may be None (unknown: the field of view is then not defined).
    Use it for symbolic paths; for real scanners use :class:`~optics.microscope.parts.Scanner`
    (which also converts a mechanical angle: optical = 2 x mechanical).

    Parameters
    ----------
    name : str
    optical_angle : angle or sympy expression, optional
        Full optical scan angle (below 180 deg); None when unknown.
    aperture : length, optional
        Mirror clear aperture.
    kind : str
        ``"resonant"``, ``"galvo"``, ``"polygon"`` or ``"scanner"``: the plane name.

    >>> import sympy
    >>> ScannerModel("resonant", sympy.Symbol("alpha", positive=True)).optical_angle
    alpha
    """

    name: str
    optical_angle: object = None
    aperture: object = None
    kind: str = "scanner"

    def __post_init__(self):
        if self.optical_angle is not None:
            angle = to_expr(self.optical_angle, "rad", name=f"scanner {self.name!r}: optical scan angle",
                            positive=True, nonzero=True)
            degrees = None
            if is_quantity(self.optical_angle):  # compare in the given unit: 180 deg -> rad rounds below pi
                degrees = float(self.optical_angle.to("deg").magnitude)
            elif angle.is_number:
                degrees = math.degrees(float(angle))
            if degrees is not None and degrees >= 180 - 1e-9:
                raise InvalidParameterError(
                    f"scanner {self.name!r}: optical scan angle {degrees:.4g} deg must be below 180 deg"
                )
            object.__setattr__(self, "optical_angle", angle)
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"scanner {self.name!r}: aperture",
                                                         positive=True, nonzero=True))

    @classmethod
    def from_part(cls, part: Scanner) -> "ScannerModel":
        """Model of a :class:`~optics.microscope.parts.Scanner` part.

        Parameters
        ----------
        part : Scanner
        """
        return cls(part.name, part.optical_angle, part.aperture, part.kind)


@dataclass(frozen=True)
class TunableLensModel:
    """An electrically tunable lens: offset-lens power, power range and clear aperture.

    All optional but the name; powers in dpt, aperture in mm (numbers,
    Quantities or symbols).  Without a power range, powers are not checked.

    Parameters
    ----------
    name : str
    offset_power : optical power
        Offset lens in contact (dpt, default 0).
    power_min, power_max : optical power, optional
        The ETL's own power range (dpt); both or neither.
    aperture : length, optional
        Clear aperture.

    >>> TunableLensModel("ETL", offset_power=-2, power_min=-2, power_max=3).reference_power
    2
    """

    name: str = "ETL"
    offset_power: object = 0
    power_min: object = None
    power_max: object = None
    aperture: object = None

    def __post_init__(self):
        label = f"ETL {self.name!r}"
        object.__setattr__(self, "offset_power", to_expr(self.offset_power, "dpt", name=f"{label}: offset power"))
        for key in ("power_min", "power_max"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, to_expr(value, "dpt", name=f"{label}: {key}"))
        if (self.power_min is None) != (self.power_max is None):
            raise InvalidParameterError(f"{label}: give both power_min and power_max, or neither")
        if self.power_min is not None and (self.power_max - self.power_min).is_positive is False:
            raise InvalidParameterError(
                f"{label}: power_min {self.power_min} dpt must be below power_max {self.power_max} dpt"
            )
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"{label}: aperture",
                                                         positive=True, nonzero=True))

    @property
    def reference_power(self):
        """The ETL power at which its total power (with the offset lens) is zero, :math:`-P_\\mathrm{off}` (dpt)."""
        return -self.offset_power

    @property
    def has_range(self) -> bool:
        """True if the power range is known."""
        return self.power_min is not None

    @classmethod
    def from_part(cls, part: TunableLensPart) -> "TunableLensModel":
        """Model of a :class:`~optics.microscope.parts.TunableLensPart`.

        Parameters
        ----------
        part : TunableLensPart
        """
        return cls(part.name, part.offset_power, part.power_min, part.power_max, part.aperture)

    def check_powers(self, powers, label):
        """Raise :class:`InvalidParameterError` naming the first power outside the range.

        Parameters
        ----------
        powers : iterable of float
            Own powers (dpt).
        label : str
            Who asks, for the message.
        """
        if not self.has_range:
            return
        low, high = float(self.power_min), float(self.power_max)
        for p in powers:
            if not low - 1e-12 <= p <= high + 1e-12:
                raise InvalidParameterError(
                    f"{label}: ETL {self.name!r} power {p:g} dpt is outside its range {low:g} to {high:g} dpt"
                )


def _model(value, kinds, convert, label):
    if isinstance(value, kinds[0]):
        return value
    if isinstance(value, kinds[1]):
        return convert(value)
    raise OpticsTypeError(f"{label} must be an optics.microscope.parts.{kinds[1].__name__} or a "
                          f"{kinds[0].__name__}, got {value!r}")


def _fmt(q, unit, digits=4):
    if q is None:
        return "-"
    if is_quantity(q):
        return f"{q.to(unit).magnitude:.{digits}g} {unit}"
    return f"{q:.{digits}g}"


class FieldOfView(NamedTuple):
    """The field of view along one scanner's axis (mm), for each scan-lens mapping.

    Attributes
    ----------
    plane : str
    exact : Quantity or sympy expression
        Distortion-free scan lens (f·tanθ mapping), exact paraxially.
    small_angle : Quantity or sympy expression
        The reference post's small-angle form.
    f_theta : Quantity or sympy expression
        An f-theta scan lens (f·θ mapping).
    """

    plane: str
    exact: object
    small_angle: object
    f_theta: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex
    _display_units = {"exact": "mm", "small_angle": "mm", "f_theta": "mm"}


_REMOTE_FOCUS_SCANNERS = {1: ("galvo",), 2: ("resonant", "galvo")}


# -- the scan path ---------------------------------------------------------------------
@dataclass(frozen=True)
class ScanPath:
    r"""ETL, scanners, relays, scan lens, tube lens and objective as one lens train.

    Parameters
    ----------
    scanners : Scanner, ScannerModel or sequence of them
        Scan mirrors in light order (for example resonant, then galvo).
        Their plane names are their kinds (``"resonant"``, ``"galvo"``),
        numbered when a kind repeats.  May be empty for a path with an ETL
        and no scanner (remote focusing alone).
    scan_lens, tube_lens : length, sympy expression, :class:`~optics.microscope.parts.Lens` or LensModel
        Focal lengths :math:`f_s`, :math:`f_t` (positive).
    objective : :class:`~optics.microscope.parts.Objective` or :class:`ObjectiveModel`
    beam_diameter : length, optional
        Diameter of the collimated beam at plane *beam_at*; needed for beam
        sizes, fill, resolution and clipping, not for FOV or remote focus.
    relays : sequence of Relay or Gap
        One link between each pair of consecutive scanners: a relay, or a
        :class:`Gap` for close-coupled mirrors (the scan lens then sits
        :math:`f_s` past their pupil unless *spacings* say otherwise).
    etl : :class:`~optics.microscope.parts.TunableLensPart` or :class:`TunableLensModel`, optional
        Remote tunable lens, the first element of the path.
    etl_relay : Relay, optional
        The relay imaging the ETL onto the first scanner (required with an
        ETL and scanners; without scanners the ETL sits in front of the scan
        lens).
    beam_at : str
        Where *beam_diameter* is given: ``"laser"`` (the input of the path:
        the ETL if present, else the first scanner; the default), ``"etl"``
        or a scanner plane name.
    spacings : tuple of three lengths, optional
        ``(last scanner (or ETL) -> scan lens, scan lens -> tube lens, tube
        lens -> back aperture)``; default :math:`(f_s, f_s + f_t, f_t)`.
    fill_limit : float
        Largest footprint, as a fraction of a part's clear aperture, that
        passes the clipping check without a warning (default
        :data:`DEFAULT_FILL_LIMIT`, 0.85).
    check : bool
        Issue conjugation and clipping warnings on construction (numeric
        paths only; default True).

    Raises
    ------
    InvalidParameterError
        For non-positive focal lengths or beam diameter, a relay count that
        does not match the scanners, an ETL without relay.

    Warns
    -----
    ConjugationWarning
        A scanner or the ETL is not imaged onto the back focal plane.
    ClippingWarning
        The beam footprint exceeds a clear aperture.
    """

    scanners: tuple
    scan_lens: object
    tube_lens: object
    objective: object
    beam_diameter: object = None
    relays: tuple = ()
    etl: object = None
    etl_relay: Relay | None = None
    beam_at: str = "laser"
    spacings: tuple | None = None
    fill_limit: float = DEFAULT_FILL_LIMIT
    check: bool = field(default=True, compare=False)

    def __post_init__(self):
        scanners = self.scanners
        if isinstance(scanners, (Scanner, ScannerModel)):
            scanners = (scanners,)
        if isinstance(scanners, (str, bytes)):
            raise OpticsTypeError(f"ScanPath: scanners must be Scanner parts or ScannerModels, got {scanners!r}")
        scanners = tuple(_model(s, (ScannerModel, Scanner), ScannerModel.from_part, f"ScanPath: scanner {i + 1}")
                         for i, s in enumerate(scanners))
        etl = self.etl
        if etl is not None:
            etl = _model(etl, (TunableLensModel, TunableLensPart), TunableLensModel.from_part, "ScanPath: etl")
        object.__setattr__(self, "etl", etl)
        if not scanners and etl is None:
            raise InvalidParameterError("ScanPath: at least one scanner (or an ETL) is required")
        object.__setattr__(self, "scanners", scanners)
        relays = tuple(self.relays)
        if len(relays) != max(len(scanners) - 1, 0):
            raise InvalidParameterError(
                f"ScanPath: {len(scanners)} scanner(s) need {max(len(scanners) - 1, 0)} relay(s) between them, "
                f"got {len(relays)}"
            )
        for i, r in enumerate(relays):
            if not isinstance(r, (Relay, Gap)):
                raise OpticsTypeError(f"ScanPath: relay {i + 1} must be a Relay or a Gap, got {r!r}")
        object.__setattr__(self, "relays", relays)
        object.__setattr__(self, "scan_lens", LensModel.of(self.scan_lens, "ScanPath scan lens"))
        object.__setattr__(self, "tube_lens", LensModel.of(self.tube_lens, "ScanPath tube lens"))
        object.__setattr__(self, "objective", _model(self.objective, (ObjectiveModel, Objective),
                                                     ObjectiveModel.from_part, "ScanPath: objective"))
        if self.beam_diameter is not None:
            beam = to_expr(self.beam_diameter, "mm", name="ScanPath: beam diameter", positive=True, nonzero=True)
            object.__setattr__(self, "beam_diameter", beam)
        if etl is not None and scanners and not isinstance(self.etl_relay, Relay):
            raise InvalidParameterError(
                "ScanPath: an ETL needs etl_relay, the Relay that images it onto the first scanner"
            )
        if etl is None and self.etl_relay is not None:
            raise InvalidParameterError("ScanPath: etl_relay given without an etl")
        if etl is not None and not scanners and self.etl_relay is not None:
            raise InvalidParameterError("ScanPath: etl_relay given without a scanner to image the ETL onto")
        fs, ft = self.scan_lens.f, self.tube_lens.f
        if self.spacings is None:
            lead = relays[-1].pupil_to_second if relays and isinstance(relays[-1], Gap) else 0
            d = (fs - lead, fs + ft, ft)
        else:
            if isinstance(self.spacings, (str, bytes)) or len(self.spacings) != 3:
                raise InvalidParameterError(
                    "ScanPath: spacings must be (scanner -> scan lens, scan lens -> tube lens, "
                    f"tube lens -> back aperture), got {self.spacings!r}"
                )
            d = tuple(_spacing(v, f"ScanPath spacing {i + 1}") for i, v in enumerate(self.spacings))
        object.__setattr__(self, "spacings", d)
        if isinstance(self.fill_limit, bool) or not isinstance(self.fill_limit, (int, float)) \
                or not 0 < self.fill_limit <= 1:
            raise InvalidParameterError(f"ScanPath: fill_limit must be a number in (0, 1], got {self.fill_limit!r}")
        names = self.scanner_planes
        if self.beam_at not in ("laser", "input", "etl", *names):
            raise PlaneError(
                f"ScanPath: beam_at must be 'laser', 'etl' or a scanner plane ({', '.join(names)}), got {self.beam_at!r}"
            )
        if self.beam_at == "etl" and etl is None:
            raise PlaneError("ScanPath: beam_at='etl' but the path has no ETL")
        if self.check and not self.is_symbolic:
            self.check_conjugation(_stacklevel=4)
            if self.beam_diameter is not None:
                self.check_clipping(_stacklevel=4)

    # -- construction helpers ----------------------------------------------------
    @classmethod
    def symbolic(cls, n_scanners=1, *, etl=False, beam_at="laser"):
        r"""A path whose focal lengths, angles, NA and beam diameter are sympy symbols.

        Parameters
        ----------
        n_scanners : int
            Number of scanners (relays between them get their own symbols).
        etl : bool
            Add an ETL (power :data:`ETL_POWER`, no offset lens) with its relay.
        beam_at : str
            See :class:`ScanPath`.

        Symbols: ``D`` (beam diameter), ``alpha`` (one scanner) or ``alpha_1``,
        ``alpha_2``, ... (optical angles), ``f_s``, ``f_t``, ``f_o``, ``NA``,
        ``n``, relay focal lengths ``f_r1``, ``f_r2``, ... numbered in light
        order (the ETL relay first, as in the reference post).  All positive.

        >>> p = ScanPath.symbolic()
        >>> p.back_aperture_beam
        D*f_t/f_s
        >>> p.fov(form="small_angle")
        f_o*f_s*tan(alpha)/f_t
        """
        def pos(name):
            return sympy.Symbol(name, positive=True)

        if n_scanners == 1:
            scanners = [ScannerModel("scanner", pos("alpha"), kind="scanner")]
        else:
            kinds = ["resonant"] + ["galvo"] * (n_scanners - 1)
            scanners = [ScannerModel(f"scanner {i + 1}", pos(f"alpha_{i + 1}"), kind=k) for i, k in enumerate(kinds)]
        k = 1
        etl_model = etl_relay = None
        if etl:
            etl_model = TunableLensModel("ETL")
            etl_relay = Relay(pos(f"f_r{k}"), pos(f"f_r{k + 1}"))
            k += 2
        relays = []
        for _ in range(n_scanners - 1):
            relays.append(Relay(pos(f"f_r{k}"), pos(f"f_r{k + 1}")))
            k += 2
        return cls(
            scanners=scanners, scan_lens=pos("f_s"), tube_lens=pos("f_t"),
            objective=ObjectiveModel(pos("f_o"), pos("NA"), pos("n")), beam_diameter=pos("D"),
            relays=relays, etl=etl_model, etl_relay=etl_relay, beam_at=beam_at, check=False,
        )

    @classmethod
    def for_remote_focus(cls, f_o, f_t, f_s, relays=(), *, etl=None, offset_power=None, n=1,
                         conjugate_offset=0, etl_offset=0, scanners=None, na=None, beam_diameter=None,
                         check=False) -> "ScanPath":
        r"""The remote-focus path of the reference post from focal lengths.

        An ETL, then relay pairs each followed by a scanner plane, the scan
        lens, the tube lens and the objective, all 4f except for two offsets.

        Parameters
        ----------
        f_o, f_t, f_s : length
            Objective EFL, tube lens and scan lens focal lengths (mm).
        relays : sequence of (f1, f2)
            Relay lens pairs in light order (ETL side first); the first one
            is the ETL relay.  May be empty (the ETL then sits at the front
            focal plane of the scan lens).
        etl : TunableLensPart or TunableLensModel, optional
            The ETL (power range, offset lens, aperture); default an ETL of
            unknown range.
        offset_power : optical power, optional
            Offset lens in contact with the ETL (dpt); overrides the part's.
        n : float
            Immersion index after the objective.
        conjugate_offset : length
            :math:`\Delta`: the image of the scanners and the ETL lies
            :math:`\Delta` past the objective's back focal plane (towards the
            objective): tube lens to back aperture is :math:`f_t - \Delta`.
        etl_offset : length
            :math:`d_e`: the ETL sits :math:`d_e` downstream of its conjugate
            plane: ETL to the next lens is :math:`f_1 - d_e`.
        scanners : sequence of str, optional
            Scanner plane names after each relay; default ``("galvo",)`` for
            one relay, ``("resonant", "galvo")`` for two, ``scanner1``...
            otherwise.  Their scan angles are unknown.
        na : float, optional
            Objective NA (gives the back aperture).
        beam_diameter : length, optional
            Collimated beam at the ETL.
        check : bool
            Issue conjugation warnings (default False: offsets are deliberate here).

        >>> p = ScanPath.for_remote_focus(12.5, 200, 50, [(100, 50), (50, 75)])
        >>> p.scanner_planes, p.focus_shift(2).to("um").round(3)
        (('resonant', 'galvo'), <Quantity(-34.722, 'micrometer')>)
        """
        pairs = tuple(relays)
        for i, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise OpticsTypeError(f"ScanPath.for_remote_focus: relay {i + 1} must be a pair (f1, f2), got {pair!r}")
        if scanners is None:
            scanners = _REMOTE_FOCUS_SCANNERS.get(len(pairs), tuple(f"scanner{i + 1}" for i in range(len(pairs))))
        scanners = tuple(scanners)
        if len(scanners) != len(pairs):
            raise OpticsValueError(
                f"ScanPath.for_remote_focus: {len(pairs)} relay(s) need {len(pairs)} scanner name(s), got {scanners!r}"
            )
        if etl is None:
            etl = TunableLensModel("ETL")
        elif isinstance(etl, TunableLensPart):
            etl = TunableLensModel.from_part(etl)
        elif not isinstance(etl, TunableLensModel):
            raise OpticsTypeError(f"ScanPath.for_remote_focus: etl must be a TunableLensPart or TunableLensModel, "
                                  f"got {etl!r}")
        if offset_power is not None:
            etl = replace(etl, offset_power=offset_power)
        de = to_expr(etl_offset, "mm", name="ScanPath.for_remote_focus: ETL offset d_e")
        delta = to_expr(conjugate_offset, "mm", name="ScanPath.for_remote_focus: conjugate offset Delta")
        lenses = [(LensModel.of(f1, f"relay {i + 1} first lens"), LensModel.of(f2, f"relay {i + 1} second lens"))
                  for i, (f1, f2) in enumerate(pairs)]
        scan, tube = LensModel.of(f_s, "scan lens"), LensModel.of(f_t, "tube lens")
        etl_relay = None
        if lenses:
            l1, l2 = lenses[0]
            etl_relay = Relay(l1, l2, (l1.f - de, l1.f + l2.f, l2.f))
            first = scan.f
        else:
            first = scan.f - de
        return cls(
            scanners=[ScannerModel(name, kind=name) for name in scanners],
            scan_lens=scan, tube_lens=tube,
            objective=ObjectiveModel(f_o, na, n),
            beam_diameter=beam_diameter,
            relays=[Relay(a, b) for a, b in lenses[1:]],
            etl=etl, etl_relay=etl_relay,
            spacings=(first, scan.f + tube.f, tube.f - delta),
            check=check,
        )

    def with_lenses(self, keep_spacings=False, **lenses) -> "ScanPath":
        """A copy with some lenses replaced, by role (plane) name.

        Parameters
        ----------
        keep_spacings : bool
            Keep every spacing as it is (default False: the spacings around a
            replaced lens are reset to 4f for its new focal length).
        **lenses : length, sympy expression, Lens or LensModel
            By role: ``scan_lens``, ``tube_lens``, ``relay1_1``, ``relay1_2``,
            ..., ``etl_relay_1``, ``etl_relay_2``.

        >>> ScanPath.symbolic().with_lenses(tube_lens=200).back_aperture_beam
        200*D/f_s
        """
        changes = {}
        relays = list(self.relays)
        etl_relay = self.etl_relay
        for role, value in lenses.items():
            if role in ("scan_lens", "tube_lens"):
                changes[role] = value
            elif role in ("etl_relay_1", "etl_relay_2") and etl_relay is not None:
                pair = [etl_relay.first, etl_relay.second]
                pair[int(role[-1]) - 1] = value
                etl_relay = Relay(*pair, etl_relay.spacings if keep_spacings else None)
            elif role.startswith("relay") and role in self.lens_roles:
                k = int(role[5:].partition("_")[0]) - 1
                pair = [relays[k].first, relays[k].second]
                pair[int(role[-1]) - 1] = value
                relays[k] = Relay(*pair, relays[k].spacings if keep_spacings else None)
            else:
                raise PlaneError(f"ScanPath.with_lenses: no lens role {role!r}; roles are {', '.join(self.lens_roles)}")
        if ("scan_lens" in changes or "tube_lens" in changes) and not keep_spacings:
            changes["spacings"] = None
        return replace(self, relays=tuple(relays), etl_relay=etl_relay, **changes)

    def with_etl_moved(self, distance) -> "ScanPath":
        """A copy with the ETL moved *distance* downstream (towards the next lens; mm).

        Parameters
        ----------
        distance : length
            Positive: downstream; negative: upstream.

        >>> p = ScanPath.for_remote_focus(12.5, 200, 50, [(100, 50)])
        >>> p.with_etl_moved(20).etl_relay.spacings
        (80, 150, 50)
        """
        if self.etl is None:
            raise OpticsValueError("ScanPath.with_etl_moved: this path has no ETL")
        d = to_expr(distance, "mm", name="ScanPath.with_etl_moved: distance")
        if self.etl_relay is not None:
            d1, d2, d3 = self.etl_relay.spacings
            return replace(self, etl_relay=replace(self.etl_relay, spacings=(d1 - d, d2, d3)), check=False)
        d1, d2, d3 = self.spacings
        return replace(self, spacings=(d1 - d, d2, d3), check=False)

    @property
    def lens_roles(self) -> tuple:
        """Names of the lens roles (equal to their plane names), in light order."""
        roles = []
        if self.etl_relay is not None:
            roles += ["etl_relay_1", "etl_relay_2"]
        for k, link in enumerate(self.relays):
            if isinstance(link, Relay):
                roles += [f"relay{k + 1}_1", f"relay{k + 1}_2"]
        return tuple(roles + ["scan_lens", "tube_lens"])

    def lens(self, role) -> LensModel:
        """The lens (focal length, aperture, name) in a role.

        Parameters
        ----------
        role : str
            One of :attr:`lens_roles`.
        """
        if role == "scan_lens":
            return self.scan_lens
        if role == "tube_lens":
            return self.tube_lens
        if role in ("etl_relay_1", "etl_relay_2") and self.etl_relay is not None:
            return self.etl_relay.first if role.endswith("1") else self.etl_relay.second
        if role.startswith("relay") and role in self.lens_roles:
            k = int(role[5:].partition("_")[0]) - 1
            return self.relays[k].first if role.endswith("_1") else self.relays[k].second
        raise PlaneError(f"ScanPath: no lens role {role!r}; roles are {', '.join(self.lens_roles)}")

    # -- the train -------------------------------------------------------------
    @property
    def scanner_planes(self) -> tuple:
        """Plane names of the scanners, in light order."""
        kinds = [s.kind for s in self.scanners]
        out = []
        for i, kind in enumerate(kinds):
            out.append(kind if kinds.count(kind) == 1 else f"{kind}{kinds[: i + 1].count(kind)}")
        return tuple(out)

    @property
    def pupil_planes(self) -> tuple:
        """The planes that must be imaged onto the back aperture: the ETL (if any) and the scanners."""
        return (("etl",) if self.etl is not None else ()) + self.scanner_planes

    @property
    def input_plane(self) -> str:
        """The first plane of the path: ``"etl"`` or the first scanner."""
        return "etl" if self.etl is not None else self.scanner_planes[0]

    @cached_property
    def train(self) -> LensTrain:
        """The lens train, from the first plane (ETL or first scanner) to the sample.

        With an ETL, its own power is the symbol :data:`ETL_POWER`; see
        :attr:`nominal_train` and :meth:`train_at`.
        """
        items: list = []
        if self.etl is not None:
            items += ["etl", TunableLens(ETL_POWER, self.etl.offset_power, name=self.etl.name)]
            if self.etl_relay is not None:
                items += self.etl_relay._items("etl_relay")
        for k, plane in enumerate(self.scanner_planes):
            items.append(plane)
            if k < len(self.relays):
                items += self.relays[k]._items(f"relay{k + 1}")
        d1, d2, d3 = self.spacings
        o = self.objective
        items += [
            Space(d1), "scan_lens", self.scan_lens.as_element("scan_lens"), Space(d2), "tube_lens",
            self.tube_lens.as_element("tube_lens"), Space(d3), "back_aperture",
            Space(o.f), "objective", ABCD(1, 0, -1 / (o.n * o.f), 1 / o.n, 1, o.n, name="objective"),
            Space(o.n * o.f, n=o.n), "sample",
        ]
        return LensTrain(items, name="scan path")

    @cached_property
    def nominal_train(self) -> LensTrain:
        """:attr:`train` with the ETL at its reference power (total power zero): lateral quantities use it."""
        if self.etl is None:
            return self.train
        return self.train.subs({ETL_POWER: self.etl.reference_power})

    def train_at(self, power) -> LensTrain:
        """:attr:`train` with the ETL's own power set to *power* (dpt).

        Parameters
        ----------
        power : optical power
            The ETL's own power (its offset lens is added by the train).
        """
        if self.etl is None:
            raise OpticsValueError("ScanPath: this path has no ETL")
        return self.train.subs({ETL_POWER: to_expr(power, "dpt", name="ScanPath: ETL power")})

    @cached_property
    def is_symbolic(self) -> bool:
        """True if focal lengths, spacings, angles, NA or beam diameter are symbols (the ETL power aside)."""
        if self.nominal_train.free_symbols:
            return True
        o = self.objective
        values = [self.beam_diameter, o.na, o.n, *(s.optical_angle for s in self.scanners)]
        return any(getattr(v, "free_symbols", None) for v in values)

    def _scanner(self, scanner):
        planes = self.scanner_planes
        if not planes:
            raise PlaneError("ScanPath: this path has no scanner")
        if scanner is None:
            return 0, planes[0]
        if isinstance(scanner, int) and not isinstance(scanner, bool):
            if not 0 <= scanner < len(planes):
                raise PlaneError(f"ScanPath: scanner index {scanner} out of range (0..{len(planes) - 1})")
            return scanner, planes[scanner]
        if scanner in planes:
            return planes.index(scanner), scanner
        names = [s.name for s in self.scanners]
        if scanner in names:
            i = names.index(scanner)
            return i, planes[i]
        raise PlaneError(f"ScanPath: no scanner {scanner!r}; scanners are {', '.join(planes)}")

    # -- beam ---------------------------------------------------------------------
    def _need_beam(self, what):
        if self.beam_diameter is None:
            raise OpticsValueError(f"ScanPath.{what}: the path has no beam_diameter")

    @cached_property
    def _input_beam_expr(self):
        self._need_beam("input_beam_diameter")
        at = self.input_plane if self.beam_at in ("laser", "input") else self.beam_at
        return cf.input_diameter_expr(self.nominal_train, self.beam_diameter, start=self.input_plane, at=at)

    @property
    def input_beam_diameter(self):
        """Beam diameter at the input plane (mm), propagated back from *beam_at*."""
        return as_result(self._input_beam_expr, "mm")

    def beam_diameter_expr(self, plane):
        r"""Closed form of the beam diameter at *plane* (mm expression): :func:`~optics.microscope.closed_forms.beam_diameter_expr`.

        Parameters
        ----------
        plane : str
        """
        return cf.beam_diameter_expr(self.nominal_train, plane, self._input_beam_expr, start=self.input_plane)

    def beam_diameter_at(self, plane):
        r"""Diameter of the (collimated-input) beam at *plane*: :math:`|A|\,D_\mathrm{in}` (mm).

        Parameters
        ----------
        plane : str

        >>> ScanPath.symbolic().beam_diameter_at("tube_lens")
        D*f_t/f_s
        """
        return as_result(self.beam_diameter_expr(plane), "mm")

    def beam_magnification(self, start=None, end="back_aperture"):
        r"""Lateral magnification :math:`A` from a scanner (default the first) or the ETL to *end*.

        Signed: a single 4f relay inverts (:math:`A = -f_t/f_s`).

        Parameters
        ----------
        start : str or int, optional
            A scanner (plane name, part name or index), ``"etl"`` or ``"laser"``.
        end : str

        >>> ScanPath.symbolic().beam_magnification()
        -f_t/f_s
        """
        start = self._scanner(start)[1] if start not in ("etl", "laser", "input") else self.input_plane
        a = cancel(self.nominal_train.abcd(start, end)[0])
        return a if a.free_symbols else float(a)

    @property
    def back_aperture_beam(self):
        r"""Beam diameter at the objective's back aperture (mm).

        For the plain path this is the reference post's
        :math:`d_\mathrm{BFA} = D\,f_t/f_s`, times each relay's :math:`f_2/f_1`.
        """
        return self.beam_diameter_at("back_aperture")

    def _back_aperture_expr(self, what):
        ba = self.objective.back_aperture
        if ba is None:
            raise OpticsValueError(f"ScanPath.{what}: the objective's back aperture is unknown (no NA given)")
        return ba

    @property
    def back_aperture(self):
        r"""Back-aperture diameter of the objective, :math:`2\,\mathrm{NA}\,f_o` or the maker's value (mm)."""
        return as_result(self._back_aperture_expr("back_aperture"), "mm")

    def fill_expr(self):
        """Closed form of the fill ratio (beam over back aperture, dimensionless)."""
        return cf.fill_expr(self.beam_diameter_expr("back_aperture"), self._back_aperture_expr("fill_ratio"))

    @property
    def fill_ratio(self):
        r"""Beam diameter over back-aperture diameter (> 1: overfilled)."""
        e = self.fill_expr()
        return e if e.free_symbols else float(e)

    @property
    def overfilled(self) -> bool:
        """True if the beam is at least as large as the back aperture."""
        return bool(self.fill_expr() >= 1)

    @property
    def effective_na(self):
        r"""Excitation NA used: :math:`\mathrm{NA}\min(1, D_\mathrm{beam}/D_\mathrm{BA})` (sine condition)."""
        if self.objective.na is None:
            raise OpticsValueError("ScanPath.effective_na: the objective's NA is unknown")
        e = effective_na(self.objective.na, self.fill_expr())
        return e if getattr(e, "free_symbols", None) else float(e)

    # -- focus -----------------------------------------------------------------------
    @cached_property
    def _focus_expr(self):
        """Focus of a collimated input past the sample plane (mm), a function of ETL_POWER."""
        return cf.focus_distance_expr(self.train, start=self.input_plane, end="sample")

    @cached_property
    def _nominal_focus_expr(self):
        if self.etl is None:
            return self._focus_expr
        return cancel(self._focus_expr.xreplace({ETL_POWER: self.etl.reference_power}))

    def _power(self, power, label):
        if self.etl is None:
            raise OpticsValueError(f"ScanPath.{label}: this path has no ETL")
        if isinstance(power, (str, bytes)):
            raise OpticsTypeError(f"ScanPath.{label}: power must be a number, Quantity or sympy expression, "
                                  f"got the string {power!r}")
        p = to_expr(power, "dpt", name=f"ScanPath.{label}: ETL power")
        if p.is_number:
            if not math.isfinite(float(p)):
                raise InvalidParameterError(f"ScanPath.{label}: ETL power must be finite, got {power!r}")
            if not self.etl.offset_power.free_symbols and self.etl.has_range:
                self.etl.check_powers([float(p)], f"ScanPath.{label}")
        return p

    def focus_distance(self, power=None):
        r"""Where a collimated input focuses, measured past the sample plane (mm; + deeper).

        Parameters
        ----------
        power : optical power, optional
            The ETL's own power (dpt); default its reference power (total
            power zero).  Paths without ETL take no power.

        The back focal distance :math:`-A/C` of the train from the input to
        the sample plane: 0 for a 4f path, not 0 when spacings are changed.

        >>> ScanPath.symbolic().focus_distance()
        <Quantity(0.0, 'millimeter')>
        """
        if power is None:
            return as_result(self._nominal_focus_expr, "mm")
        p = self._power(power, "focus_distance")
        return as_result(cancel(self._focus_expr.xreplace({ETL_POWER: p})), "mm")

    def focus_shift_expr(self, beam=None):
        r"""Closed form of the focus shift :math:`z(P)` in mm, :math:`P` = :data:`ETL_POWER`.

        Parameters
        ----------
        beam : GaussianBeam, optional
            Input beam at the ETL; default collimated (geometric focus).

        :func:`~optics.microscope.closed_forms.focus_shift_expr` of the train,
        zero at the ETL's reference power.
        """
        if self.etl is None:
            raise OpticsValueError("ScanPath.focus_shift_expr: this path has no ETL")
        if beam is None:
            return self._focus_shift_mm
        return cf.focus_shift_expr(self.train, ETL_POWER, beam=beam, reference=self.etl.reference_power,
                                   start="etl", end="sample")

    @cached_property
    def _focus_shift_mm(self):
        return cf.focus_shift_expr(self.train, ETL_POWER, reference=self.etl.reference_power,
                                   start="etl", end="sample")

    def focus_shift(self, power, beam=None):
        r"""Axial focus shift in the sample for the ETL's own power *power*, in µm.

        Parameters
        ----------
        power : optical power or sympy expression
            The ETL's own power (dpt); its offset lens is added.
        beam : GaussianBeam, optional
            Input beam at the ETL; default collimated (geometric focus).

        Measured from the focus at the reference power (total ETL power
        zero), positive deeper, in the immersion medium, exact paraxially for
        a collimated input.  With the ETL conjugate to the back focal plane

        .. math:: z = -n\,\frac{f_o^2 (P + P_\mathrm{off})}{1000\,M^2}\ \mathrm{mm},\qquad
                  M = \frac{f_t}{f_s}\prod \frac{f_{2}}{f_{1}}

        which for :math:`n = 1` is the reference post's formula.  A symbolic
        answer is the expression in µm.

        >>> P = ETL_POWER
        >>> ScanPath.symbolic(2, etl=True).focus_shift(P)
        -P*f_o**2*f_r1**2*f_r3**2*f_s**2*n/(f_r2**2*f_r4**2*f_t**2)
        """
        p = self._power(power, "focus_shift")
        z = cancel(1000 * self.focus_shift_expr(beam).xreplace({ETL_POWER: p}))
        if z.free_symbols:
            return z
        if z.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise NoFocusError(f"ScanPath.focus_shift: no finite focus at ETL power {p} dpt")
        return quantity(float(z), "um")

    def focus_poles(self, beam=None):
        """ETL powers (dpt) at which the beam has no finite focus (it leaves the objective collimated).

        Parameters
        ----------
        beam : GaussianBeam, optional
            Input beam at the ETL; default collimated.
        """
        _, den = sympy.fraction(sympy.together(self.focus_shift_expr(beam)))
        return tuple(r for r in sympy.solve(den, ETL_POWER) if r.is_real)

    def z_range(self, power_min=None, power_max=None, beam=None):
        """Focus shifts at both ends of the ETL's power range and their span (µm): a :class:`ZRange`.

        Parameters
        ----------
        power_min, power_max : optical power, optional
            Default the ETL's range.
        beam : GaussianBeam, optional
            Input beam at the ETL; default collimated (geometric focus).

        Raises
        ------
        NoFocusError
            If the transfer curve has a pole inside the range (it is
            monotonic between poles, so the span is the end-value difference).
        """
        if self.etl is None:
            raise OpticsValueError("ScanPath.z_range: this path has no ETL")
        low = self.etl.power_min if power_min is None else to_expr(power_min, "dpt", name="z_range: power_min")
        high = self.etl.power_max if power_max is None else to_expr(power_max, "dpt", name="z_range: power_max")
        if low is None or high is None:
            raise OpticsValueError("ScanPath.z_range: the ETL's power range is unknown; give power_min and power_max")
        if self.is_symbolic or low.free_symbols or high.free_symbols:
            a, b = self.focus_shift(low, beam), self.focus_shift(high, beam)
            return ZRange(a, b, sympy.Abs(b - a))
        if not float(low) < float(high):
            raise InvalidParameterError(f"ScanPath.z_range: power_min {low} dpt must be below power_max {high} dpt")
        for pole in self.focus_poles(beam):
            if float(low) <= float(pole) <= float(high):
                raise NoFocusError(f"ScanPath.z_range: no finite focus at P = {float(pole):g} dpt inside the range")
        a, b = self.focus_shift(low, beam), self.focus_shift(high, beam)
        return ZRange(a, b, abs(b - a))

    # -- field of view ---------------------------------------------------------------
    def fov_expr(self, scanner=None, form="exact"):
        """Closed form of the field of view (mm expression): :func:`~optics.microscope.closed_forms.fov_expr`.

        Parameters
        ----------
        scanner : str or int, optional
        form : {"exact", "small_angle"}
        """
        i, plane = self._scanner(scanner)
        angle = self.scanners[i].optical_angle
        if angle is None:
            raise OpticsValueError(f"ScanPath.fov: scanner {plane!r} has no scan angle")
        return cf.fov_expr(self.nominal_train, plane, angle, end="sample", focus_distance=self._nominal_focus_expr,
                           form=form)

    def fov(self, scanner=None, form="exact"):
        r"""Field of view along the axis of one scanner (default the first), in mm.

        Parameters
        ----------
        scanner : str or int, optional
            Scanner plane name, part name or index.
        form : {"exact", "small_angle", "f_theta"}
            ``"f_theta"``: an f-theta scan lens, :math:`s = |B + z_f D|\,\alpha`;
            ``"exact"`` (paraxial, exact in the scan angle, f·tanθ mapping):
            :math:`s = 2|B + z_f D|\tan(\alpha/2)`; ``"small_angle"``, the
            reference post's form :math:`s = |B + z_f D|\tan\alpha`, which
            overestimates (1.52 mm instead of 1.44 mm at 26 deg).  :math:`B, D`
            run from the scanner to the sample, :math:`z_f` is
            :meth:`focus_distance`; :math:`|B| = f_o f_s/f_t` without relays.

        >>> ScanPath.symbolic().fov()
        2*f_o*f_s*tan(alpha/2)/f_t
        """
        return as_result(self.fov_expr(scanner, form), "mm")

    def fovs(self) -> tuple:
        """Every form of the FOV for every scanner, as :class:`FieldOfView` rows (mm)."""
        return tuple(FieldOfView(p, *(self.fov(p, form) for form in FOV_FORMS)) for p in self.scanner_planes)

    def beam_walk(self, scanner=None):
        r"""How far the beam moves across the back aperture as *scanner* sweeps its full angle (mm).

        Parameters
        ----------
        scanner : str or int, optional
            Scanner plane name, part name or index (default the first).

        .. math:: \Delta = 2\,|B|\tan(\alpha/2)

        with :math:`B` from the scanner to the back aperture: zero when the
        scanner is imaged onto it, not zero for close-coupled mirrors.

        >>> p = ScanPath([ScannerModel("x", 0.4, kind="resonant"), ScannerModel("y", 0.4, kind="galvo")],
        ...              50, 200, ObjectiveModel(12.5, 0.8), relays=[Gap(10)])
        >>> round(p.beam_walk("resonant").to("mm").magnitude, 3)   # 2 x 4 x 5 mm x tan(0.2)
        8.108
        """
        i, plane = self._scanner(scanner)
        angle = self.scanners[i].optical_angle
        if angle is None:
            raise OpticsValueError(f"ScanPath.beam_walk: scanner {plane!r} has no scan angle")
        return as_result(sympy.Abs(cf.beam_walk_expr(self.nominal_train, plane, angle)), "mm")

    def pixel_size(self, n_pixels, scanner=None, form="exact"):
        r"""Pixel size :math:`s_\mathrm{FOV}/N` for *n_pixels* pixels across the scan (µm).

        Parameters
        ----------
        n_pixels : int
        scanner : str or int, optional
        form : {"exact", "small_angle"}

        A symbolic answer is the expression in µm.

        >>> ScanPath.symbolic().pixel_size(512)
        125*f_o*f_s*tan(alpha/2)/(32*f_t)
        """
        if isinstance(n_pixels, bool) or not isinstance(n_pixels, int) or n_pixels < 1:
            raise InvalidParameterError(f"ScanPath.pixel_size: number of pixels must be a positive integer, got {n_pixels!r}")
        e = 1000 * self.fov_expr(scanner, form) / n_pixels
        return as_result(e, "um")

    # -- resolution -----------------------------------------------------------------
    def resolution(self, wavelength) -> Resolution:
        r"""Two-photon lateral and axial FWHM for the beam at the back aperture.

        The Gaussian beam truncated by the back aperture, through the
        vectorial Debye integral (:func:`optics.microscope.psf.two_photon_fwhm`),
        and the Zipfel et al. (2003) fits at the effective NA beside it.

        Parameters
        ----------
        wavelength : length
            Excitation wavelength (mm if a plain number; a Quantity such as
            ``920 * ureg.nm`` is clearer).
        """
        if self.is_symbolic:
            raise OpticsTypeError("ScanPath.resolution needs a numeric path; use optics.microscope.resolution for closed forms")
        if isinstance(wavelength, (str, bytes)):
            raise OpticsTypeError(f"ScanPath.resolution: wavelength must be a length such as 920 * ureg.nm, "
                                  f"got the string {wavelength!r}")
        check_plain(wavelength, "mm", "wavelength", name="ScanPath.resolution: wavelength")
        lam_mm = float(to_magnitude(wavelength, "mm", name="ScanPath.resolution: wavelength"))
        if not (math.isfinite(lam_mm) and lam_mm > 0):
            raise InvalidParameterError(f"ScanPath.resolution: wavelength must be positive and finite, got {wavelength!r}")
        lam = 1000 * lam_mm
        na = self.effective_na
        n = float(self.objective.n)
        lateral, axial = two_photon_fwhm(float(self.objective.na), n, lam, self.fill_ratio)
        return Resolution(na, quantity(lam, "um").to("nm"), quantity(lateral, "um"), quantity(axial, "um"),
                          quantity(two_photon_lateral_fwhm(na, lam), "um"),
                          quantity(two_photon_axial_fwhm(na, lam, n), "um"))

    # -- conjugation -------------------------------------------------------------------
    def conjugation(self) -> tuple:
        """Is each scanner (and the ETL) imaged onto the back aperture? :class:`ConjugationRow` s."""
        t = self.nominal_train
        rows = []
        for plane in self.pupil_planes:
            _, b, _, d = (cancel(e) for e in t.abcd(plane, "back_aperture"))
            conj = bool(b.is_zero)
            image = None if conj or b.free_symbols else t.image_of(plane)
            offset = None if conj or d.is_zero else as_result(cancel(-b / d), "mm")
            rows.append(ConjugationRow(plane, as_result(b, "mm"), conj, offset, image))
        return tuple(rows)

    def check_conjugation(self, rows=None, *, _stacklevel=2) -> tuple:
        """Issue a ConjugationWarning for every plane not imaged onto the back aperture; return those rows.

        Parameters
        ----------
        rows : tuple of ConjugationRow, optional
            :meth:`conjugation`, when the caller has it already.
        """
        bad = [r for r in (self.conjugation() if rows is None else rows) if not r.conjugate]
        z_ba = self.nominal_train.positions()["back_aperture"]
        for r in bad:
            if r.image_offset is None:
                where = "it is imaged to infinity in the back-aperture space"
            else:
                side = "past" if r.image_offset.magnitude > 0 else "before"
                where = (f"its image lies {_fmt(abs(r.image_offset), 'mm')} {side} the back-aperture plane "
                         f"(z = {_fmt(z_ba, 'mm')})")
                if r.image is not None and abs((r.image.z - z_ba - r.image_offset).to("mm").magnitude) > 1e-9:
                    where += f"; its first real image is at z = {_fmt(r.image.z, 'mm')}"
            warnings.warn(
                f"ScanPath: {r.plane!r} is not conjugate to the objective's back aperture "
                f"(B = {_fmt(r.b, 'mm')}); {where}",
                ConjugationWarning, stacklevel=_stacklevel,
            )
        return tuple(bad)

    # -- clipping ----------------------------------------------------------------------
    def apertures(self) -> tuple:
        """Known clear apertures in the path: ``(plane, part name, diameter expression in mm)``."""
        out = []
        if self.etl is not None and self.etl.aperture is not None:
            out.append(("etl", self.etl.name, self.etl.aperture))
        if self.etl_relay is not None:
            for role, lens in (("etl_relay_1", self.etl_relay.first), ("etl_relay_2", self.etl_relay.second)):
                if lens.aperture is not None:
                    out.append((role, lens.name, lens.aperture))
        for k, (plane, s) in enumerate(zip(self.scanner_planes, self.scanners)):
            if s.aperture is not None:
                out.append((plane, s.name, s.aperture))
            if k < len(self.relays) and isinstance(self.relays[k], Relay):
                for side, lens in (("1", self.relays[k].first), ("2", self.relays[k].second)):
                    if lens.aperture is not None:
                        out.append((f"relay{k + 1}_{side}", lens.name, lens.aperture))
        for role in ("scan_lens", "tube_lens"):
            lens = self.lens(role)
            if lens.aperture is not None:
                out.append((role, lens.name, lens.aperture))
        return tuple(out)

    def _scan_angles(self):
        return [(p, s.optical_angle) for p, s in zip(self.scanner_planes, self.scanners) if s.optical_angle is not None]

    def footprint_expr(self, plane):
        """Closed form of the footprint at *plane* (mm): :func:`~optics.microscope.closed_forms.footprint_expr`.

        Parameters
        ----------
        plane : str
        """
        return cf.footprint_expr(self.nominal_train, plane, self._input_beam_expr, self._scan_angles(),
                                 start=self.input_plane)

    def footprint(self, plane):
        r"""Beam footprint at *plane* over the full scan: :math:`|A| D_\mathrm{in} + 2 h_\mathrm{chief}` (mm).

        Parameters
        ----------
        plane : str

        :math:`h_\mathrm{chief}` is the height of the chief ray with every
        scanner upstream of the plane at its full optical half angle (slope
        :math:`\tan(\alpha/2)`), combined in quadrature (corner of the field).
        """
        return as_result(self.footprint_expr(plane), "mm")

    def unknown_apertures(self) -> tuple:
        """Planes of parts whose clear aperture is unknown (not checked for clipping)."""
        known = {plane for plane, _, _ in self.apertures()}
        planes = list(self.pupil_planes) + [r for r in self.lens_roles]
        out = [p for p in planes if p not in known]
        if self.objective.back_aperture is None:
            out.append("back_aperture")
        return tuple(out)

    def _aperture_row(self, plane, part, ap, angles):
        ap = float(ap)
        beam = float(self.beam_diameter_expr(plane))
        offset = float(cf.scan_offset_expr(self.nominal_train, plane, angles))
        foot = beam + 2 * offset
        excess = foot - ap
        return ClippingRow(
            plane, part, quantity(ap, "mm"), quantity(beam, "mm"), quantity(offset, "mm"), quantity(foot, "mm"),
            quantity(excess, "mm"), 100 * excess / ap, excess > 1e-9 * ap, foot / ap,
            gaussian_transmission(beam, ap, offset),
        )

    def clipping_table(self) -> tuple:
        """Beam footprint against every known part clear aperture, without warnings: :class:`ClippingRow` s.

        The footprint is the whole beam shifted by the chief ray with every
        upstream scanner at full deflection (the corner of the field), a
        conservative estimate; the transmission is that of the shifted
        Gaussian beam.
        """
        if self.is_symbolic:
            raise OpticsTypeError("ScanPath.clipping_table needs a numeric path")
        angles = self._scan_angles()
        return tuple(self._aperture_row(plane, part, ap, angles) for plane, part, ap in self.apertures())

    def power_budget(self) -> PowerBudget:
        r"""Power of the Gaussian beam through each clear aperture and along the path.

        The part apertures (:meth:`clipping_table`) and the objective's back
        aperture, each at the scan angles used (the corner of the field), and
        the power through all of them.

        Apertures at mutually conjugate planes (:math:`B = 0` between them,
        exactly) see images of one beam: a ray through the narrowest of them
        (relative to the beam) passes the others, so such a group transmits
        the smallest :math:`T` of its members, once.  Groups that are not
        conjugate multiply, as if each clipped an untruncated Gaussian beam
        (geometrical optics: the diffraction of a clipped beam is not modelled):

        .. math:: T = \prod_{\text{groups } g} \min_{i \in g} T_i

        A design whose resonant mirror, galvo mirror and back aperture are
        images of each other with the same fill loses power once, not three times.
        """
        rows = list(self.clipping_table())
        if self.objective.back_aperture is not None:
            rows.append(self._aperture_row("back_aperture", self.objective.name, self.objective.back_aperture,
                                           self._scan_angles()))
        groups = []  # [first plane, smallest transmission] per conjugate group
        train = self.nominal_train
        for r in rows:
            for group in groups:
                if cancel(train.abcd(group[0], r.plane)[1]).is_zero:
                    group[1] = min(group[1], r.transmission)
                    break
            else:
                groups.append([r.plane, r.transmission])
        total = math.prod(t for _, t in groups)
        return PowerBudget(tuple(rows), total, self.unknown_apertures())

    def check_clipping(self, budget=None, *, _stacklevel=2) -> tuple:
        """Warn for every clipped aperture, every footprint above the fill limit and an overfilled back aperture.

        Returns the rows warned about.

        Parameters
        ----------
        budget : PowerBudget, optional
            :meth:`power_budget`, when the caller has it already.
        """
        bad = []
        for r in (self.power_budget() if budget is None else budget).rows:
            part = f" ({r.part})" if r.part else ""
            shown = "> 99.99" if r.transmission > 0.9999 else f"{100 * r.transmission:.4g}"
            lost = f"; {shown} % of the Gaussian beam's power gets through"
            if r.plane == "back_aperture":
                if not r.clipped:
                    continue
                message = (f"ScanPath: the objective's back aperture{part} is overfilled: footprint {_fmt(r.footprint, 'mm')} "
                           f"(beam {_fmt(r.beam, 'mm')}) on a {_fmt(r.aperture, 'mm')} back aperture (footprint / aperture {r.fill:.3g}){lost}")
            elif r.clipped:
                message = (f"ScanPath: beam clipped at {r.plane!r}{part}: footprint {_fmt(r.footprint, 'mm')} "
                           f"(beam {_fmt(r.beam, 'mm')} + 2 x {_fmt(r.scan_offset, 'mm')} scan offset) over a "
                           f"{_fmt(r.aperture, 'mm')} clear aperture, {_fmt(r.excess, 'mm')} "
                           f"({r.excess_percent:.3g} %) too large{lost}")
            elif r.fill > self.fill_limit:
                message = (f"ScanPath: the beam footprint at {r.plane!r}{part} fills {100 * r.fill:.3g} % of its "
                           f"{_fmt(r.aperture, 'mm')} clear aperture (limit {100 * self.fill_limit:.3g} %){lost}")
            else:
                continue
            bad.append(r)
            warnings.warn(message, ClippingWarning, stacklevel=_stacklevel)
        return tuple(bad)

    @property
    def length(self):
        """Path length from the input plane (ETL or first scanner) to the objective (mm)."""
        return self.nominal_train.positions()["objective"]

    # -- rich display (Jupyter) --------------------------------------------------------
    def _display_parts(self):
        rows = []
        if self.etl is not None:
            e = self.etl
            power = ("range unknown" if not e.has_range else
                     f"{format_value(with_unit(e.power_min, 'dpt'))} to {format_value(with_unit(e.power_max, 'dpt'))}")
            rows.append(("etl", e.name, f"power {power}, offset lens {format_value(with_unit(e.offset_power, 'dpt'))}",
                         with_unit(e.aperture, "mm")))
        lenses = {role: self.lens(role) for role in self.lens_roles}
        order = []
        if self.etl_relay is not None:
            order += ["etl_relay_1", "etl_relay_2"]
        for k, plane in enumerate(self.scanner_planes):
            order.append(("scanner", k, plane))
            if k < len(self.relays) and isinstance(self.relays[k], Relay):
                order += [f"relay{k + 1}_1", f"relay{k + 1}_2"]
            elif k < len(self.relays):
                order.append(("gap", k, None))
        order += ["scan_lens", "tube_lens"]
        for item in order:
            if isinstance(item, str):
                lens = lenses[item]
                rows.append((item, lens.name, f"f = {format_value(with_unit(lens.f, 'mm'))}", with_unit(lens.aperture, "mm")))
            elif item[0] == "scanner":
                sc = self.scanners[item[1]]
                angle = sc.optical_angle
                shown = (f"{format_value(math.degrees(float(angle)))}°" if angle is not None and angle.is_number
                         else format_value(with_unit(angle, "rad")))
                rows.append((item[2], sc.name, f"{sc.kind}, optical angle {shown}",
                             with_unit(sc.aperture, "mm")))
            else:
                rows.append(("gap", "", f"{format_value(with_unit(self.relays[item[1]].distance, 'mm'))} mirror to mirror", None))
        o = self.objective
        rows.append(("objective", o.name, f"f = {format_value(with_unit(o.f, 'mm'))}, NA {format_value(o.na)}, n {format_value(o.n)}",
                     with_unit(o.back_aperture, "mm")))
        return Table(rows, header=("plane", "part", "model", "clear aperture"), title="Scan path (light order)")

    def __repr__(self):
        """A one-line summary in light order, numbers rounded (the fields hold exact values)."""

        def mm(value):
            return format_value(with_unit(value, "mm")) if value is not None else "?"

        scanners = []
        for sc in self.scanners:
            angle = sc.optical_angle
            shown = "angle ?" if angle is None else (
                f"{format_value(math.degrees(float(angle)))} deg" if angle.is_number else format_value(angle))
            scanners.append(f"{sc.kind} {sc.name!r} ({shown})")
        lenses = ", ".join(f"{role} {mm(self.lens(role).f)}" for role in self.lens_roles)
        o = self.objective
        beam = "" if self.beam_diameter is None else f", beam {mm(to_expr(self.beam_diameter, 'mm', name='beam'))} at {self.beam_at}"
        front = ([f"ETL {self.etl.name!r}"] if self.etl is not None else []) + scanners
        groups = [", ".join(front), lenses,
                  f"objective {o.name!r} f {mm(o.f)}, NA {format_value(o.na)}, n {format_value(o.n)}{beam}"]
        return f"ScanPath({'; '.join(g for g in groups if g)})"

    def _display_numbers(self):
        rows = []

        def add(label, compute, unit=None):
            try:
                value = compute()
            except OpticsError:
                return
            rows.append((label, with_unit(value, unit) if unit else value))

        add(f"beam diameter at {self.input_plane} (input)", lambda: self.input_beam_diameter, "mm")
        add("beam diameter at back aperture", lambda: self.back_aperture_beam, "mm")
        add("back aperture", lambda: self.back_aperture, "mm")
        add("fill ratio (beam / back aperture)", lambda: self.fill_ratio)
        for plane in self.scanner_planes:
            add(f"field of view ({plane}, f·tanθ)", lambda plane=plane: self.fov(plane, "exact"), "mm")
        if self.etl is not None and self.etl.has_range and not self.is_symbolic:
            add("remote-focus z range", lambda: self.z_range().span)
        if not self.is_symbolic:
            add("length, input to objective", lambda: self.length)
        return Table(rows, header=("", "value"), title="Numbers")

    def _display_tables(self):
        return [self._display_parts(), self._display_numbers()]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex
