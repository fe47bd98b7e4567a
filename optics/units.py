"""Units at the boundary: the only module of :mod:`optics` that imports pint.

The library uses pint's *application registry*, so Quantities a user makes
with ``pint.get_application_registry()`` (or with :data:`optics.ureg`, the
same object) mix freely with ours.  Diopters are added to it as ``diopter``
(aliases ``dpt``, ``dioptre``), equal to ``1/m``.

Inside the library every value is a plain number or sympy expression in the
documented *base unit* of its kind:

=============  ==========  ===========================================
kind           base unit   used for
=============  ==========  ===========================================
length         mm          distances, focal lengths, radii, apertures
optical power  dpt (1/m)   tunable-lens power
angle          rad         scan angles (degrees accepted as Quantities)
frequency      Hz          scanner frequency, laser repetition rate
time           s           dwell times
=============  ==========  ===========================================

Public functions accept pint Quantities of any compatible unit, or plain
numbers taken to be in the base unit; they convert exactly once, compute
without units, and return Quantities.

>>> from optics.units import ureg, to_magnitude
>>> to_magnitude(5 * ureg.cm, "mm", name="ThinLens f")
50.0
>>> to_magnitude(3 * ureg.deg, "mm", name="ThinLens f")
Traceback (most recent call last):
...
optics.errors.DimensionError: ThinLens f: expected a length (convertible to mm), got 3 degree
"""

from __future__ import annotations

import functools
import re

import pint

from optics.errors import DimensionError

__all__ = [
    "ureg",
    "Quantity",
    "registry",
    "BASE_UNITS",
    "is_quantity",
    "to_magnitude",
    "to_base",
    "quantity",
    "as_result",
    "kind_of_unit",
    "parse_quantity",
]

# pint builds the application registry lazily (parsing its unit definitions
# takes ~0.1 s); we add diopters on first use, so ``import optics`` stays fast.
_APP_REGISTRY = pint.get_application_registry()
_READY = []


def registry():
    """The pint application registry, with diopters defined.

    >>> registry() is registry()
    True
    """
    if not _READY:
        if "diopter" not in _APP_REGISTRY:
            _APP_REGISTRY.define("diopter = 1 / meter = dpt = dioptre")
        _READY.append(True)
    return _APP_REGISTRY


def __getattr__(name):
    # ``ureg`` and ``Quantity`` are made on first access (PEP 562).
    if name == "ureg":
        return registry()
    if name == "Quantity":
        return registry().Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: Base unit of each kind of value.  Plain numbers are read in these units.
BASE_UNITS = {
    "length": "mm",
    "power": "dpt",
    "angle": "rad",
    "frequency": "Hz",
    "time": "s",
    "dimensionless": "dimensionless",
}

_KIND_NAMES = {
    "mm": "length",
    "um": "length",
    "m": "length",
    "dpt": "optical power",
    "1/m": "optical power",
    "rad": "angle",
    "deg": "angle",
    "Hz": "frequency",
    "s": "time",
    "us": "time",
    "dimensionless": "dimensionless number",
}


def is_quantity(value) -> bool:
    """Return True if *value* is a pint Quantity (of any registry).

    >>> from optics.units import ureg
    >>> is_quantity(ureg.Quantity(1, "mm")), is_quantity(1.0)
    (True, False)
    """
    return isinstance(value, pint.Quantity)


def kind_of_unit(unit: str) -> str:
    """Name the physical kind of a unit string, for error messages.

    >>> kind_of_unit("mm"), kind_of_unit("dpt")
    ('length', 'optical power')
    """
    if unit in _KIND_NAMES:
        return _KIND_NAMES[unit]
    return f"quantity in {unit}"


@functools.lru_cache(maxsize=256)
def _units_of(unit: str):
    # Cached: pint parses unit text slowly (~0.3 ms), and catalog files repeat a few units.
    ureg = registry()
    return ureg.parse_units(unit) if unit != "dimensionless" else ureg.dimensionless


def to_magnitude(value, unit: str, *, name: str):
    """Convert *value* to a plain magnitude in *unit*.

    Parameters
    ----------
    value : pint.Quantity, number, array or sympy expression
        A Quantity is converted to *unit*; anything else is returned
        unchanged, taken to be in *unit* already.
    unit : str
        Target unit, for example ``"mm"`` or ``"dpt"``.
    name : str
        What the value is (element and parameter), for the error message.

    Raises
    ------
    DimensionError
        If *value* is a Quantity whose dimension does not match *unit*.

    Notes
    -----
    Angles: pint treats radians as dimensionless, so a dimensionless
    Quantity is accepted where an angle is asked for and read in radians.

    >>> from optics.units import ureg
    >>> to_magnitude(ureg.Quantity(1, "m"), "mm", name="Space d")
    1000.0
    >>> to_magnitude(2.5, "mm", name="Space d")
    2.5
    """
    if not is_quantity(value):
        return value
    target = _units_of(unit)
    try:
        converted = value.to(target)
    except pint.DimensionalityError:
        raise DimensionError(
            f"{name}: expected a {kind_of_unit(unit)} (convertible to {unit}), got {value}"
        ) from None
    magnitude = converted.magnitude
    if isinstance(magnitude, float):
        # Drop conversion round-off (5 cm -> 50.0 mm, not 50.00000000000001).
        magnitude = float(f"{magnitude:.15g}")
    return magnitude


def to_base(value, *, name: str):
    """Convert a Quantity to the base unit of its own dimension.

    Returns ``(magnitude, unit)``; plain values come back with unit ``None``.

    >>> from optics.units import ureg
    >>> to_base(ureg.Quantity(2, "1/m"), name="P")
    (2.0, 'dpt')
    >>> to_base(ureg.Quantity(13, "deg"), name="alpha")[1]
    'rad'
    """
    if not is_quantity(value):
        return value, None
    dim = value.dimensionality
    for unit in ("mm", "dpt", "Hz", "s"):
        if dim == _units_of(unit).dimensionality:
            return to_magnitude(value, unit, name=name), unit
    if dim == registry().dimensionless.dimensionality:
        return to_magnitude(value, "rad", name=name), "rad"
    raise DimensionError(
        f"{name}: no base unit for a quantity of dimension {dim} (got {value})"
    )


def quantity(magnitude, unit: str):
    """Wrap a plain magnitude (number or numpy array) as a Quantity in *unit*.

    >>> quantity(12.5, "mm")
    <Quantity(12.5, 'millimeter')>
    """
    return registry().Quantity(magnitude, _units_of(unit))


def as_result(expr, unit: str):
    """Return a Quantity if *expr* is numeric, else the sympy expression itself.

    This is how lens-train properties answer: numbers with units for a
    numeric train, closed forms (in the base unit *unit*) for a symbolic one.

    >>> import sympy
    >>> as_result(sympy.Rational(25, 2), "mm")
    <Quantity(12.5, 'millimeter')>
    >>> as_result(sympy.Symbol("f") / 2, "mm")
    f/2
    """
    free = getattr(expr, "free_symbols", None)
    if free:
        return expr
    value = complex(expr)
    if value.imag != 0:
        return quantity(value, unit)
    return quantity(value.real, unit)


_QUANTITY_TEXT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z_µμ][A-Za-z_µμ0-9/*^ .-]*)?\s*$")


def parse_quantity(text: str, *, name: str):
    """Read ``"<number> <unit>"`` (as written in catalog and design files).

    Only a number followed by a unit name is accepted; the unit is looked up
    in the registry, and nothing is evaluated.  A bare number is returned as
    a float.

    >>> parse_quantity("12.5 mm", name="f")
    <Quantity(12.5, 'millimeter')>
    >>> parse_quantity("2 + 2", name="f")
    Traceback (most recent call last):
    ...
    optics.errors.DimensionError: f: cannot read '2 + 2' as '<number> <unit>' (for example '50 mm')
    """
    match = _QUANTITY_TEXT.match(text) if isinstance(text, str) else None
    if not match:
        raise DimensionError(f"{name}: cannot read {text!r} as '<number> <unit>' (for example '50 mm')")
    number, unit = match.groups()
    if not unit:
        return float(number)
    try:
        units = _units_of(unit.strip().replace("µ", "u").replace("μ", "u"))
    except (pint.UndefinedUnitError, ValueError, AttributeError, TypeError) as err:
        raise DimensionError(f"{name}: unknown unit {unit.strip()!r} in {text!r}") from err
    return registry().Quantity(float(number), units)
