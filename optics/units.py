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

Quantities print concisely: the registry's default format is
:data:`QUANTITY_FORMAT` (four significant digits, abbreviated units), so
``print(q)`` shows ``453.8 µm`` rather than ``453.785605518526 micrometer``.
This is a setting of the shared application registry, so it applies to the
user's own Quantities too; ``repr(q)`` and ``q.magnitude`` keep every digit.

>>> from optics.units import ureg, to_magnitude
>>> to_magnitude(5 * ureg.cm, "mm", name="ThinLens f")
50.0
>>> to_magnitude(3 * ureg.deg, "mm", name="ThinLens f")
Traceback (most recent call last):
...
optics.errors.DimensionError: ThinLens f: expected a length (convertible to mm), got 3 deg
"""

from __future__ import annotations

import functools
import math
import re

import pint

from optics.text import with_article
from optics.errors import DimensionError, InvalidParameterError, NonFiniteResultError, OpticsTypeError, UnitTextError

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
    "PLAIN_RANGES",
    "JSON_UNITS",
    "json_quantity",
    "json_schema",
    "check_plain",
    "MAX_QUANTITY_TEXT",
    "QUANTITY_FORMAT",
]

# pint builds the application registry lazily (parsing its unit definitions
# takes ~0.1 s); we add diopters on first use, so ``import optics`` stays fast.
_APP_REGISTRY = pint.get_application_registry()
_READY = []

#: Default format of printed Quantities: 4 significant digits, short unit symbols.
QUANTITY_FORMAT = ".4g~P"


def _set_default_format(ureg):
    formatter = getattr(ureg, "formatter", None)
    if formatter is not None and hasattr(formatter, "default_format"):  # pint >= 0.24
        formatter.default_format = QUANTITY_FORMAT
    else:  # pragma: no cover - older pint
        ureg.default_format = QUANTITY_FORMAT
    # A partial spec takes the rest from the default: f"{q:.2f}" keeps the short unit symbol,
    # and Jupyter's HTML and LaTeX of a Quantity (specs "~H", "~L") keep the 4 digits.
    ureg.separate_format_defaults = True


def registry():
    """The pint application registry, with diopters defined and concise printing.

    >>> registry() is registry()
    True
    >>> q = registry().Quantity(453.785605518526, "micrometer")
    >>> print(q)
    453.8 µm
    >>> f"{q:.1f}", q._repr_html_()
    ('453.8 µm', '453.8 µm')
    """
    if not _READY:
        if "diopter" not in _APP_REGISTRY:
            _APP_REGISTRY.define("diopter = 1 / meter = dpt = dioptre")
        _set_default_format(_APP_REGISTRY)
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

    Parameters
    ----------
    value : object

    >>> from optics.units import ureg
    >>> is_quantity(ureg.Quantity(1, "mm")), is_quantity(1.0)
    (True, False)
    """
    return isinstance(value, pint.Quantity)


def kind_of_unit(unit: str) -> str:
    """Name the physical kind of a unit string, for error messages.

    Parameters
    ----------
    unit : str

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
    return _parse_units_text(unit) if unit != "dimensionless" else ureg.dimensionless


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
    OpticsTypeError
        If *value* is text: text is never parsed here (the message shows
        the Quantity to write instead, such as ``920 * ureg.nm``).
    NonFiniteResultError
        If converting a finite Quantity overflows (``1e308 km`` in mm).

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
    if isinstance(value, str):
        raise _text_value_error(value, unit, name)
    if not is_quantity(value):
        return value
    target = _units_of(unit)
    try:
        converted = value.to(target)
    except pint.DimensionalityError:
        raise DimensionError(
            f"{name}: expected {with_article(kind_of_unit(unit))} (convertible to {unit}), got {value}"
        ) from None
    magnitude = converted.magnitude
    if isinstance(magnitude, float) and not math.isfinite(magnitude) and _is_finite(value.magnitude):
        raise NonFiniteResultError(
            f"{name}: {value} is out of range in {unit} (the conversion overflows a float)"
        )
    if isinstance(magnitude, float):
        # Drop conversion round-off (5 cm -> 50.0 mm, not 50.00000000000001).
        magnitude = float(f"{magnitude:.15g}")
    return magnitude


#: The plain-number policy.  A plain number (no unit) is read in the base
#: unit the parameter documents; for these kinds, where a slip of unit is
#: common and silent (nm, µm or mm for a wavelength; degrees or radians for
#: an angle; kHz or Hz; µs or s), it is accepted only inside a plausible
#: range, and the error outside it shows the Quantity to write instead.
#: ``kind: (low, high, unit of the bounds, example Quantity)``.
PLAIN_RANGES = {
    "wavelength": (100.0, 20_000.0, "nm", "920 * ureg.nm"),
    "scan angle": (0.0, 90.0, "deg", "26 * ureg.deg"),
    "resonant frequency": (100.0, 100e3, "Hz", "8 * ureg.kHz"),
    "repetition rate": (1e3, 1e11, "Hz", "80 * ureg.MHz"),
    "pulse duration": (1e-15, 1e-9, "s", "100 * ureg.fs"),
    "pixel dwell": (1e-9, 1e-2, "s", "3.2 * ureg.us"),
}


def check_plain(value, unit: str, kind: str, *, name: str):
    """Apply the plain-number policy of *kind* to *value* (given in *unit*); return *value*.

    Quantities and symbolic expressions pass unchecked (their unit is
    explicit, or they have no value yet); a positive plain number (or every
    positive element of an array) must lie inside the plausible range of
    :data:`PLAIN_RANGES` for *kind*.  Zero, negative and non-finite values
    are left to the caller's sign and finiteness checks, which name them better.

    Parameters
    ----------
    value : number, array, sympy expression or Quantity
        The value as the caller received it.
    unit : str
        The base unit the caller reads a plain number in (``"mm"``, ``"um"``, ``"rad"`` ...).
    kind : str
        A key of :data:`PLAIN_RANGES`.
    name : str
        What the value is, for the message.

    Raises
    ------
    InvalidParameterError
        If a plain value lies outside the plausible range; the message says
        how *value* was read and the Quantity to pass instead.

    >>> check_plain(0.00092, "mm", "wavelength", name="GaussianBeam: wavelength")
    0.00092
    >>> check_plain(920, "mm", "wavelength", name="ScanPath.resolution: wavelength")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: ScanPath.resolution: wavelength: a plain number is read in mm, and 920 mm is not a plausible wavelength (100 to 20000 nm); pass a Quantity such as 920 * ureg.nm
    >>> check_plain(26, "rad", "scan angle", name="Scanner 'res': optical_angle")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: Scanner 'res': optical_angle: a plain number is read in rad, and 26 rad is not a plausible scan angle (0 to 90 deg); pass a Quantity such as 26 * ureg.deg
    """
    if is_quantity(value) or isinstance(value, (str, bytes, bool)) or value is None:
        return value  # Quantities are explicit; other types get their own errors downstream
    if getattr(value, "free_symbols", None):
        return value
    low, high, bound_unit, example = PLAIN_RANGES[kind]
    factor = _bound_factor(bound_unit, unit)
    try:
        if hasattr(value, "min"):
            extremes = [float(value.min()), float(value.max())]
        elif isinstance(value, (list, tuple)):
            extremes = [float(v) for v in value]
        else:
            extremes = [float(value)]
    except (TypeError, ValueError):
        return value  # not a number: the caller's type check names it
    for v in extremes:
        if math.isfinite(v) and v > 0 and not low * factor * (1 - 1e-12) <= v <= high * factor * (1 + 1e-12):
            raise InvalidParameterError(
                f"{name}: a plain number is read in {unit}, and {v:g} {unit} is not a plausible {kind} "
                f"({low:g} to {high:g} {bound_unit}); pass a Quantity such as {example}"
            )
    return value


@functools.lru_cache(maxsize=64)
def _bound_factor(bound_unit, unit):
    return float(registry().Quantity(1.0, _units_of(bound_unit)).to(_units_of(unit)).magnitude)


#: One unit per kind of quantity in every JSON output of the library (the
#: report, the search, the parts), by pint dimensionality; angles are given in
#: degrees and transfer-curve slopes in mm/dpt (:func:`json_quantity`).
JSON_UNITS = {
    "[length]": "mm",
    "[time]": "s",
    "1 / [time]": "Hz",
    "[length] / [time]": "mm/s",
    "1 / [length]": "dpt",
    "[time] ** 2": "fs**2",
    "[length] ** 2": "mm**2",
}


def json_quantity(value) -> dict:
    """``{"value": number, "unit": text}`` of a Quantity in the JSON unit of its kind.

    Parameters
    ----------
    value : Quantity
        Any Quantity; lengths come in mm, frequencies in Hz, angles in deg and so
        on (:data:`JSON_UNITS`), whatever unit it was made in.

    >>> json_quantity(8 * registry().kHz)
    {'value': 8000.0, 'unit': 'Hz'}
    >>> json_quantity(registry().Quantity(26, "deg"))
    {'value': 26.0, 'unit': 'deg'}
    """
    if not is_quantity(value):
        raise OpticsTypeError(f"json_quantity needs a Quantity, got {value!r}")
    dims = str(value.dimensionality)
    units = f"{value.units:D}"  # long names, whatever the registry's print format
    if "diopter" in units and dims != "1 / [length]":
        value = value.to("mm/dpt")  # a transfer-curve slope
    elif dims == "dimensionless" and units in ("degree", "radian"):
        value = value.to("deg")
    elif dims in JSON_UNITS:
        value = value.to(JSON_UNITS[dims])
    magnitude = value.magnitude
    if isinstance(magnitude, float):
        magnitude = float(f"{magnitude:.15g}")  # no conversion round-off (8 kHz is 8000.0 Hz)
    return {"value": float(magnitude), "unit": f"{value.units:~}"}


def json_schema(name: str) -> dict:
    """A JSON schema shipped with the package (``optics/schemas/<name>.schema.json``).

    Parameters
    ----------
    name : {"report", "search", "parts"}
        Which output: ``optics report --json``, ``optics search --json`` or
        ``optics parts --json``.

    >>> json_schema("parts")["properties"]["schema_version"]
    {'const': 1}
    """
    import json
    from importlib import resources

    path = resources.files("optics").joinpath(f"schemas/{name}.schema.json")
    if not isinstance(name, str) or not name.isidentifier() or not path.is_file():
        raise OpticsTypeError(f"json_schema: no shipped schema named {name!r} (report, search, parts)")
    return json.loads(path.read_text(encoding="utf-8"))


def _is_finite(magnitude):
    try:
        return math.isfinite(magnitude)
    except (TypeError, ValueError):
        return False


def _text_value_error(value, unit, name):
    """The error for a str passed where a number or Quantity belongs, with the fix."""
    hint = f"pass a number in {unit} or a pint Quantity"
    try:
        parsed = parse_quantity(value, name=name)
    except UnitTextError:
        parsed = None
    if is_quantity(parsed):
        symbol = f"{parsed.units:~}".replace(" ", "")
        if re.fullmatch(r"[A-Za-z_]\w*", symbol):
            hint = f"pass a Quantity such as {parsed.magnitude:g} * ureg.{symbol}"
        else:
            hint = f"pass a Quantity such as ureg.Quantity({parsed.magnitude:g}, {str(parsed.units)!r})"
    return OpticsTypeError(f"{name}: got the text {_short_repr(value)}; {hint} (text is not parsed here)")


def to_base(value, *, name: str):
    """Convert a Quantity to the base unit of its own dimension.

    Parameters
    ----------
    value : Quantity, number or sympy expression
    name : str
        What the value is, for messages.

    Returns ``(magnitude, unit)``; plain values come back with unit ``None``.

    >>> from optics.units import ureg
    >>> to_base(ureg.Quantity(2, "1/m"), name="P")
    (2.0, 'dpt')
    >>> to_base(ureg.Quantity(13, "deg"), name="alpha")[1]
    'rad'
    """
    if isinstance(value, str):
        raise _text_value_error(value, "its base unit", name)
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

    Parameters
    ----------
    magnitude : number or array
    unit : str
        Unit text from the library's own code (never user text).

    >>> quantity(12.5, "mm")
    <Quantity(12.5, 'millimeter')>
    """
    return registry().Quantity(magnitude, _units_of(unit))


def as_result(expr, unit: str):
    """Return a Quantity if *expr* is numeric, else the sympy expression itself.

    Parameters
    ----------
    expr : sympy expression
    unit : str
        Base unit of *expr*.

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


# ------------------------------------------------------------------------ unit text
#
# Text quantities ("50 mm", "2.5e-3 m", "8 kHz", "1 mm^2/s") are read by a
# small grammar of our own; pint's expression parser (which does arithmetic
# and can be made to run for ever, "1 m^9^9^9") never sees the text.  Only
# single unit *names* reach the registry, through ``get_name``.
#
#   quantity := number [unit]
#   number   := [+-] digits [. digits] [(e|E) [+-] digits]    (ASCII digits)
#   unit     := ["1" "/"] factor (("*" | "·" | "/") factor)*
#   factor   := name [power]
#   power    := ("^" | "**") [+-] digit  |  [⁻] superscript digit   (1..9)
#
# Bounds: the whole text, the mantissa and exponent digits, each name and the
# number of factors; a number that overflows (or underflows to zero) is refused.

#: Longest text accepted as a quantity (characters).
MAX_QUANTITY_TEXT = 100
#: Most unit factors in one unit expression.
MAX_UNIT_FACTORS = 6
#: Largest power of one unit (in absolute value).
MAX_UNIT_POWER = 9
#: Largest magnitude accepted in text (and smallest non-zero one, as its
#: inverse).  No optical quantity in any unit comes near; the bound keeps
#: squares and reciprocals of what a file says far from a float's range.
MAX_TEXT_MAGNITUDE = 1e30

_NUMBER = re.compile(
    r"[-+]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][-+]?[0-9]{1,4})?", re.ASCII
)
_NAME = re.compile(r"[A-Za-z_\u00b5\u03bc\u03a9][A-Za-z_\u00b5\u03bc\u03a90-9]{0,29}")
_NAME_CHARS = re.compile(r"[A-Za-z_\u00b5\u03bc\u03a90-9]")
_SUPERSCRIPTS = {c: i for i, c in enumerate("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")}
_SUPERSCRIPT_MINUS = "\u207b"
_EXAMPLE = " (for example '50 mm')"


def _unit_text_error(name, text, reason):
    shown = text if len(text) <= 40 else text[:40] + "..."
    return UnitTextError(f"{name}: cannot read {shown!r} as '<number> <unit>': {reason}{_EXAMPLE}")


def _read_power(rest, pos):
    """Read an optional power at *pos*; return ``(power, new_pos)``; raise ValueError with a reason."""
    if rest.startswith("**", pos) or rest.startswith("^", pos):
        pos += 2 if rest[pos] == "*" else 1
        sign = 1
        if pos < len(rest) and rest[pos] in "+-":
            sign = -1 if rest[pos] == "-" else 1
            pos += 1
        if pos >= len(rest) or rest[pos] not in "0123456789":
            raise ValueError("a power must be a whole number from 1 to 9 (like mm^2)")
        end = pos
        while end < len(rest) and rest[end] in "0123456789." and end - pos < 8:
            end += 1
        digits = rest[pos:end]
        if not digits.isdigit() or int(digits) > MAX_UNIT_POWER:
            raise ValueError(f"power {rest[pos:end]!r} is not a whole number from 1 to {MAX_UNIT_POWER}")
        power = sign * int(digits)
        pos = end
    elif pos < len(rest) and (rest[pos] == _SUPERSCRIPT_MINUS or rest[pos] in _SUPERSCRIPTS):
        sign = 1
        if rest[pos] == _SUPERSCRIPT_MINUS:
            sign, pos = -1, pos + 1
        if pos >= len(rest) or rest[pos] not in _SUPERSCRIPTS:
            raise ValueError("a superscript minus must be followed by a superscript digit")
        power = sign * _SUPERSCRIPTS[rest[pos]]
        pos += 1
    else:
        return 1, pos
    if power == 0:
        raise ValueError("a power of zero is meaningless (leave the unit out)")
    if pos < len(rest) and (rest.startswith("^", pos) or rest.startswith("**", pos)
                            or rest[pos] in _SUPERSCRIPTS or rest[pos] == _SUPERSCRIPT_MINUS):
        raise ValueError("only one power per unit (write mm^2, not mm^2^2)")
    return power, pos


def _unit_factors(rest):
    """Split a unit expression into ``[(name, power), ...]``; raise ValueError with a reason."""
    factors = []
    pos, n = 0, len(rest)
    sign = 1

    def skip(p):
        while p < n and rest[p] == " ":
            p += 1
        return p

    pos = skip(pos)
    if rest.startswith("1", pos):  # "1/m"
        after = skip(pos + 1)
        if not rest.startswith("/", after):
            raise ValueError("expected a unit name after the number")
        pos, sign = skip(after + 1), -1
    while True:
        match = _NAME.match(rest, pos)
        if not match:
            found = repr(rest[pos]) if pos < n else "the end"
            raise ValueError(f"expected a unit name at {found}")
        pos = match.end()
        if pos < n and _NAME_CHARS.match(rest[pos]):
            raise ValueError(f"unit name {rest[match.start():match.start() + 31]!r}... is too long")
        power, pos = _read_power(rest, pos)
        factors.append((match.group(), sign * power))
        if len(factors) > MAX_UNIT_FACTORS:
            raise ValueError(f"more than {MAX_UNIT_FACTORS} units in one expression")
        pos = skip(pos)
        if pos >= n:
            return factors
        if rest[pos] in "*\u00b7" and not rest.startswith("**", pos):
            sign = 1
        elif rest[pos] == "/":
            sign = -1
        else:
            raise ValueError(f"expected '*' or '/' between units, found {rest[pos]!r}")
        pos = skip(pos + 1)


def _lookup_unit(unit_name):
    """The registry's Unit for one unit name (no expression parsing); KeyError if unknown."""
    ureg = registry()
    try:
        canonical = ureg.get_name(unit_name.replace("\u03bc", "\u00b5"))
    except (pint.UndefinedUnitError, pint.PintError, ValueError, KeyError, AttributeError, TypeError):
        raise KeyError(unit_name) from None
    if not canonical:
        raise KeyError(unit_name)
    return ureg.Unit(canonical)


def _build_units(factors):
    units = registry().dimensionless
    for unit_name, power in factors:
        units = units * _lookup_unit(unit_name) ** power
    return units


@functools.lru_cache(maxsize=256)
def _parse_units_text(rest):
    """Units of a checked unit expression (cached: the catalog repeats 'mm' a lot)."""
    return _build_units(_unit_factors(rest))


def parse_quantity(text: str, *, name: str):
    """Read ``"<number> <unit>"`` (as written in catalog and design files).

    The text is read by the grammar above: a decimal number (optional
    exponent) and an optional unit expression of unit names (looked up in
    the registry one by one), ``*``, ``/`` and small whole powers (``^2``,
    ``**2``, ``²``).  Nothing is evaluated and the length is bounded.  A bare
    number is returned as a float.

    Parameters
    ----------
    text : str
        The text, at most :data:`MAX_QUANTITY_TEXT` characters.
    name : str
        What the value is (key or parameter), for the error message.

    Returns
    -------
    pint.Quantity or float

    Raises
    ------
    UnitTextError
        For anything else: not text, too long, no number, a number beyond
        :data:`MAX_TEXT_MAGNITUDE` (or non-zero below its inverse), an unknown
        unit, a bad power or operator.

    Examples
    --------
    >>> parse_quantity("12.5 mm", name="f")
    <Quantity(12.5, 'millimeter')>
    >>> parse_quantity("3 mm^2/s", name="D").units
    <Unit('millimeter ** 2 / second')>
    >>> parse_quantity("2 + 2", name="f")
    Traceback (most recent call last):
    ...
    optics.errors.UnitTextError: f: cannot read '2 + 2' as '<number> <unit>': expected a unit name at '+' (for example '50 mm')
    """
    if not isinstance(text, str):
        raise UnitTextError(
            f"{name}: expected text '<number> <unit>', got {type(text).__name__} {_short_repr(text)}"
        )
    if len(text) > MAX_QUANTITY_TEXT:
        raise UnitTextError(
            f"{name}: text of {len(text)} characters is too long for a quantity "
            f"(at most {MAX_QUANTITY_TEXT}): {text[:20]!r}..."
        )
    stripped = text.replace("\t", " ").strip()
    match = _NUMBER.match(stripped)
    if not match:
        raise _unit_text_error(name, text, "it does not start with a number")
    number = match.group()
    rest = stripped[match.end():]
    if rest and rest[0] not in " *\u00b7" and not _NAME.match(rest):
        raise _unit_text_error(name, text, f"unexpected {rest[0]!r} after the number {number!r}")
    value = float(number)
    if not math.isfinite(value):
        raise _unit_text_error(name, text, f"the number {number!r} is too large (beyond a float's range)")
    mantissa = number.lower().split("e")[0]
    if abs(value) > MAX_TEXT_MAGNITUDE:
        raise _unit_text_error(name, text, f"the number {number!r} is beyond {MAX_TEXT_MAGNITUDE:g} in size")
    if any(c in "123456789" for c in mantissa) and abs(value) < 1 / MAX_TEXT_MAGNITUDE:
        raise _unit_text_error(name, text, f"the number {number!r} is below {1 / MAX_TEXT_MAGNITUDE:g} in size")
    rest = rest.strip()
    if not rest:
        return value
    try:
        units = _parse_units_text(rest)
    except KeyError as err:
        raise _unit_text_error(name, text, f"unknown unit {err.args[0]!r}") from None
    except ValueError as err:
        raise _unit_text_error(name, text, str(err)) from None
    except pint.PintError as err:
        raise _unit_text_error(name, text, f"units that cannot be combined ({err})") from None
    return registry().Quantity(value, units)


def _short_repr(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
