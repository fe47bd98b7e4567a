r"""Part records: objectives, lenses, scanners and tunable lenses.

Parts are frozen values.  Constructors take pint Quantities (or plain
numbers in base units: mm, rad, Hz, dpt), validate them, and store
Quantities in canonical units.  Each part carries its provenance: ``source``
(maker datasheet or catalog page) and ``verified`` (False where a value could
not be checked against the maker).

Objective focal length and back aperture
----------------------------------------
The effective focal length of an infinity-corrected objective is the maker's
tube-lens focal length divided by the magnification, and the back-aperture
diameter follows from the Abbe sine condition:

.. math:: f_o = f_\mathrm{TL} / M, \qquad D_\mathrm{BA} = 2\,\mathrm{NA}\, f_o

>>> from optics.microscope.parts import Objective
>>> obj = Objective("Nikon 16x/0.8 W", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
>>> obj.efl, obj.back_aperture
(<Quantity(12.5, 'millimeter')>, <Quantity(20.0, 'millimeter')>)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.units import quantity
from optics.validate import finite, positive

__all__ = [
    "TUBE_LENS_STANDARDS",
    "tube_lens_standard",
    "Objective",
    "Lens",
    "Scanner",
    "TunableLensPart",
]

#: Tube-lens focal length (mm) each maker designs its infinity objectives for.
#: Sources: Nikon, Leica, Mitutoyo, Thorlabs 200 mm; Olympus/Evident 180 mm;
#: Zeiss 165 mm (makers' objective documentation; see docs/conventions).
TUBE_LENS_STANDARDS = {
    "nikon": 200.0,
    "leica": 200.0,
    "mitutoyo": 200.0,
    "thorlabs": 200.0,
    "olympus": 180.0,
    "evident": 180.0,
    "zeiss": 165.0,
}


def tube_lens_standard(maker: str):
    """Tube-lens focal length a maker's objectives are designed for.

    >>> tube_lens_standard("Olympus")
    <Quantity(180.0, 'millimeter')>
    """
    key = str(maker).strip().lower()
    if key not in TUBE_LENS_STANDARDS:
        known = ", ".join(sorted(TUBE_LENS_STANDARDS))
        raise InvalidParameterError(f"unknown objective maker {maker!r}; known tube-lens standards: {known}")
    return quantity(TUBE_LENS_STANDARDS[key], "mm")


def _single(value, part, label):
    if not isinstance(value, float):
        raise OpticsTypeError(f"{part}: {label} must be a single value, got an array")
    return value


def _positive(part, label, value, unit, *, allow_zero=False):
    if value is None:
        return None
    checked = positive(value, unit, f"{part}: {label}", allow_zero=allow_zero)
    return quantity(_single(checked, part, label), unit)


def _real(part, label, value, unit):
    return quantity(_single(finite(value, unit, f"{part}: {label}"), part, label), unit)


def _set(obj, name, value):
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class _Part:
    def _label(self):
        return f"{type(self).__name__} {self.name!r}"

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        values.update(changes)
        return type(self)(**values)


@dataclass(frozen=True)
class Objective(_Part):
    r"""An infinity-corrected microscope objective.

    Parameters
    ----------
    name : str
    magnification : float
        Nominal magnification with the maker's tube lens.
    na : float
        Numerical aperture; must not exceed *immersion_index*.
    maker : str, optional
        Selects the tube-lens standard when *tube_lens_f* is not given.
    tube_lens_f : length, optional
        Tube-lens focal length the magnification refers to.
    immersion_index : float
        Refractive index of the immersion medium (1.0 air, 1.333 water).
    efl : length, optional
        Effective focal length; default :math:`f_\mathrm{TL}/M`.
    back_aperture : length, optional
        Back-aperture diameter; default :math:`2\,\mathrm{NA}\,f_o`.
    working_distance, field_number : length, optional
    source : str
        Where the values come from.
    verified : bool
        False if some value could not be checked against the maker.
    """

    name: str
    magnification: float
    na: float
    maker: str = ""
    tube_lens_f: object = None
    immersion_index: float = 1.0
    efl: object = None
    back_aperture: object = None
    working_distance: object = None
    field_number: object = None
    source: str = ""
    verified: bool = False

    def __post_init__(self):
        label = self._label()
        if not isinstance(self.name, str) or not self.name:
            raise OpticsTypeError(f"Objective: name must be a non-empty string, got {self.name!r}")
        magnification = float(_positive(label, "magnification", self.magnification, "dimensionless").magnitude)
        n = float(_positive(label, "immersion index", self.immersion_index, "dimensionless").magnitude)
        if n < 1:
            raise InvalidParameterError(f"{label}: immersion index must be >= 1, got {self.immersion_index}")
        na = float(_positive(label, "NA", self.na, "dimensionless").magnitude)
        if na > n:
            raise InvalidParameterError(
                f"{label}: NA {self.na} exceeds the immersion index {n} (NA = n sin(theta) <= n)"
            )
        tube = self.tube_lens_f
        if tube is None:
            tube = tube_lens_standard(self.maker) if self.maker else None
        tube = _positive(label, "tube-lens focal length", tube, "mm")
        efl = _positive(label, "effective focal length", self.efl, "mm")
        if efl is None:
            if tube is None:
                raise InvalidParameterError(
                    f"{label}: give efl, tube_lens_f, or a maker with a known tube-lens standard"
                )
            efl = tube / magnification
        back = _positive(label, "back-aperture diameter", self.back_aperture, "mm")
        if back is None:
            back = 2 * na * efl
        _set(self, "magnification", magnification)
        _set(self, "na", na)
        _set(self, "immersion_index", n)
        _set(self, "tube_lens_f", tube)
        _set(self, "efl", efl.to("mm"))
        _set(self, "back_aperture", back.to("mm"))
        _set(self, "working_distance", _positive(label, "working distance", self.working_distance, "mm"))
        _set(self, "field_number", _positive(label, "field number", self.field_number, "mm"))


@dataclass(frozen=True)
class Lens(_Part):
    """A stock lens (scan lens, tube lens, achromat) with its clear aperture.

    Parameters
    ----------
    name : str
    f : length
        Effective focal length (positive).
    aperture : length, optional
        Clear aperture diameter.
    kind : str
        ``"scan"``, ``"tube"``, ``"achromat"`` or ``"lens"``.
    source, verified : provenance.

    >>> Lens("AC254-050-B", f=50, aperture=22.9, kind="achromat").f
    <Quantity(50.0, 'millimeter')>
    """

    name: str
    f: object
    aperture: object = None
    kind: str = "lens"
    source: str = ""
    verified: bool = False

    def __post_init__(self):
        label = self._label()
        _set(self, "f", _positive(label, "focal length f", self.f, "mm"))
        _set(self, "aperture", _positive(label, "clear aperture", self.aperture, "mm"))


@dataclass(frozen=True)
class Scanner(_Part):
    r"""A scan mirror: resonant scanner or galvanometer.

    Give the full (peak-to-peak) scan angle as either the *optical* angle
    (the deflection of the beam) or the *mechanical* angle of the mirror;
    the optical angle is twice the mechanical one.

    Parameters
    ----------
    name : str
    aperture : length
        Usable (clear) aperture diameter of the mirror.
    optical_angle, mechanical_angle : angle
        Full scan angle; exactly one of them.  Must be below 180 deg optical.
    frequency : frequency, optional
        Line frequency of a resonant scanner.
    kind : str
        ``"resonant"`` or ``"galvo"``.
    source, verified : provenance.

    >>> from optics import ureg
    >>> Scanner("8 kHz resonant", aperture=5, mechanical_angle=13 * ureg.deg).optical_angle.to("deg")
    <Quantity(26.0, 'degree')>
    """

    name: str
    aperture: object
    optical_angle: object = None
    mechanical_angle: object = None
    frequency: object = None
    kind: str = "resonant"
    source: str = ""
    verified: bool = False

    def __post_init__(self):
        label = self._label()
        if (self.optical_angle is None) == (self.mechanical_angle is None):
            raise InvalidParameterError(f"{label}: give exactly one of optical_angle or mechanical_angle")
        if self.kind not in ("resonant", "galvo", "polygon"):
            raise InvalidParameterError(f"{label}: kind must be 'resonant', 'galvo' or 'polygon', got {self.kind!r}")
        if self.optical_angle is not None:
            optical = _positive(label, "optical scan angle", self.optical_angle, "rad")
        else:
            optical = 2 * _positive(label, "mechanical scan angle", self.mechanical_angle, "rad")
        # Compare with a tolerance: 180 deg converted to rad and rounded to 15
        # digits lands just below pi.
        if optical.magnitude >= math.pi * (1 - 1e-12):
            raise InvalidParameterError(
                f"{label}: optical scan angle {optical.to('deg'):.4g~P} must be below 180 deg"
            )
        _set(self, "optical_angle", optical)
        _set(self, "mechanical_angle", optical / 2)
        _set(self, "aperture", _positive(label, "aperture", self.aperture, "mm"))
        _set(self, "frequency", _positive(label, "frequency", self.frequency, "Hz"))


@dataclass(frozen=True)
class TunableLensPart(_Part):
    """An electrically tunable lens (ETL) with its focal-power range.

    Parameters
    ----------
    name : str
    aperture : length
        Clear aperture diameter.
    power_min, power_max : optical power
        Range of the tunable lens's own power (diopters).
    offset_power : optical power, optional
        Power of an offset lens mounted with it (default 0).
    source, verified : provenance.

    >>> TunableLensPart("EL-16-40-TC", aperture=16, power_min=-10, power_max=10).power_max
    <Quantity(10.0, 'diopter')>
    """

    name: str
    aperture: object
    power_min: object
    power_max: object
    offset_power: object = 0
    source: str = ""
    verified: bool = False

    def __post_init__(self):
        label = self._label()
        _set(self, "aperture", _positive(label, "aperture", self.aperture, "mm"))
        low = _real(label, "minimum power", self.power_min, "dpt")
        high = _real(label, "maximum power", self.power_max, "dpt")
        if not low.magnitude < high.magnitude:
            raise InvalidParameterError(f"{label}: power_min {low} must be below power_max {high}")
        _set(self, "power_min", low)
        _set(self, "power_max", high)
        _set(self, "offset_power", _real(label, "offset power", self.offset_power, "dpt"))

    def check_power(self, power):
        """Raise if *power* (diopters) is outside the part's range."""
        p = _real(self._label(), "power", power, "dpt")
        if not self.power_min.magnitude <= p.magnitude <= self.power_max.magnitude:
            raise InvalidParameterError(
                f"{self._label()}: power {p:~P} is outside its range "
                f"{self.power_min.magnitude:g} to {self.power_max.magnitude:g} dpt"
            )
        return p
