"""Checks for numeric inputs of the numpy-level calculators.

One place for the rules every public function applies to plain numbers,
arrays and Quantities: convert once to the base unit, refuse strings,
booleans and non-numeric arrays with :class:`~optics.errors.OpticsTypeError`,
and refuse NaN, infinities and out-of-range values with
:class:`~optics.errors.InvalidParameterError` naming the parameter and value.
(The symbolic layer has its own entry point, :func:`optics.core.symbolic.to_expr`.)

The range rules of physical values live here too, each in one function that
every caller uses: :func:`refractive_index` (n >= 1), :func:`na_within_index`
(NA <= n), :func:`scan_angle` (optical scan angle below 180 deg) and
:func:`power_range` (power_min < power_max).  Part classes
(:mod:`optics.microscope.parts`) run them once per value.

>>> from optics.units import registry
>>> positive(8 * registry().kHz, "Hz", "scanner frequency")
8000.0
>>> positive(-1, "Hz", "scanner frequency")
Traceback (most recent call last):
...
optics.errors.InvalidParameterError: scanner frequency must be positive and finite, got -1
"""

from __future__ import annotations

import math

import numpy as np

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.units import check_plain, to_magnitude

__all__ = [
    "number",
    "positive",
    "finite",
    "fraction",
    "count",
    "scalar_or_array",
    "refractive_index",
    "na_within_index",
    "scan_angle",
    "power_range",
]


def scalar_or_array(value):
    """A Python float for 0-d values, the float array otherwise.

    Parameters
    ----------
    value : numpy array

    """
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def number(value, unit, name):
    """Magnitude of *value* in *unit* as a float array (type-checked, not range-checked).

    Parameters
    ----------
    value : number, array or Quantity
    unit : str
        Base unit (a Quantity is converted to it).
    name : str
        What the value is, for messages.

    """
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise OpticsTypeError(f"{name} must be a number or Quantity, got {value!r}")
    magnitude = to_magnitude(value, unit, name=name)
    try:
        arr = np.asarray(magnitude, dtype=float)
    except (TypeError, ValueError):
        raise OpticsTypeError(f"{name} must be a number or Quantity, got {value!r}") from None
    return arr


def _first_bad(value, arr, bad):
    return value if arr.ndim == 0 else arr[bad].ravel()[0]


def positive(value, unit, name, *, allow_zero=False, kind=None):
    """*value* in *unit*, checked to be positive (or >= 0) and finite.

    Parameters
    ----------
    value : number, array or Quantity
    unit : str
        Base unit (a Quantity is converted to it).
    name : str
        What the value is, for messages.
    allow_zero : bool
        Accept zero.
    kind : str, optional
        A kind of :data:`optics.units.PLAIN_RANGES` (``"wavelength"``,
        ``"scan angle"`` ...): a plain number must then lie in its plausible
        range (:func:`optics.units.check_plain`).

    Returns a float for scalars and a float array for arrays.
    """
    if kind is not None:
        check_plain(value, unit, kind, name=name)
    if type(value) in (float, int):  # fast path for plain numbers (catalog files)
        if math.isfinite(value) and (value > 0 or (allow_zero and value == 0)):
            return float(value)
    arr = number(value, unit, name)
    bad = ~np.isfinite(arr) | (arr < 0) | ((arr == 0) if not allow_zero else False)
    if np.any(bad):
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidParameterError(f"{name} must be {bound} and finite, got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def finite(value, unit, name):
    """*value* in *unit*, checked to be finite (any sign).

    Parameters
    ----------
    value : number, array or Quantity
    unit : str
        Base unit (a Quantity is converted to it).
    name : str
        What the value is, for messages.

    """
    if type(value) in (float, int) and math.isfinite(value):  # fast path for plain numbers
        return float(value)
    arr = number(value, unit, name)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise InvalidParameterError(f"{name} must be finite, got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def fraction(value, name):
    """A dimensionless value in (0, 1].

    Parameters
    ----------
    value : number or array
        Between 0 and 1.
    name : str
        What the value is, for messages.

    """
    arr = number(value, "dimensionless", name)
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr > 1)
    if np.any(bad):
        raise InvalidParameterError(f"{name} must lie in (0, 1], got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def count(value, name, *, minimum=1):
    """A whole number >= *minimum*.

    Parameters
    ----------
    value : int
    name : str
        What the value is, for messages.
    minimum : int
        Smallest allowed value.

    >>> count(512, "pixels per line")
    512
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise OpticsTypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise InvalidParameterError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


#: Largest refractive index accepted: germanium, about 4.0 in the infrared, is the highest of optical materials.
MAX_INDEX = 4.1


def refractive_index(value, name):
    """A refractive index: finite, at least 1 and at most :data:`MAX_INDEX` (scalar or array).

    Parameters
    ----------
    value : float or array
        The index (dimensionless).
    name : str
        What it is, for the error message.

    >>> refractive_index(1.333, "immersion index")
    1.333
    >>> refractive_index(0.9, "immersion index")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: immersion index must be >= 1 (a refractive index), got 0.9
    """
    arr = number(value, "dimensionless", name)
    bad = ~np.isfinite(arr) | (arr < 1)
    if np.any(bad):
        raise InvalidParameterError(f"{name} must be >= 1 (a refractive index), got {_first_bad(value, arr, bad)}")
    high = arr > MAX_INDEX
    if np.any(high):
        raise InvalidParameterError(f"{name} {_first_bad(value, arr, high)} is above {MAX_INDEX:g}, higher than any "
                                    "optical material's refractive index (1.333 is water)")
    return scalar_or_array(arr)


def na_within_index(na, n, name):
    r"""Check that a numerical aperture does not exceed the index of its medium.

    .. math:: \mathrm{NA} = n \sin\theta \le n

    Parameters
    ----------
    na, n : float, array or sympy expression
        Numerical aperture and refractive index (broadcast together).  With a
        symbolic value the check fails only when NA - n is provably positive.
    name : str
        The element the values belong to, for the error message.

    Returns
    -------
    float, array or expression
        *na* (a float or float array for numbers; unchanged if symbolic).

    >>> na_within_index(1.0, 1.333, "objective")
    1.0
    >>> na_within_index(1.4, 1.333, "objective")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: objective: NA 1.4 exceeds the immersion index 1.333 (NA = n sin(theta) <= n)
    """
    if _symbolic(na) or _symbolic(n):
        if getattr(na - n, "is_positive", None) is True:
            raise InvalidParameterError(
                f"{name}: NA {na} exceeds the immersion index {n} (NA = n sin(theta) <= n)")
        return na
    nas = number(na, "dimensionless", f"{name}: NA")
    ns = number(n, "dimensionless", f"{name}: immersion index")
    nas_b, ns_b = np.broadcast_arrays(nas, ns)
    excess = nas_b > ns_b
    if np.any(excess):
        raise InvalidParameterError(
            f"{name}: NA {nas_b[excess].flat[0]:g} exceeds the immersion index {ns_b[excess].flat[0]:g} "
            "(NA = n sin(theta) <= n)"
        )
    return scalar_or_array(nas)


def _symbolic(value) -> bool:
    """True for sympy expressions (duck-typed: this module does not import sympy)."""
    return hasattr(value, "free_symbols") and hasattr(value, "is_positive")


def scan_angle(optical, name):
    """Check that a full optical scan angle (rad) is positive and below 180 deg.

    Parameters
    ----------
    optical : float
        Full (peak-to-peak) optical angle in rad.
    name : str
        What it is, for the error message.

    >>> scan_angle(math.radians(26), "resonant scanner") == math.radians(26)
    True
    >>> scan_angle(math.pi, "galvo")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: galvo 180 deg must be below 180 deg (optical = 2 x mechanical angle)
    """
    value = positive(optical, "rad", name)
    # A tolerance: 180 deg converted to rad and rounded lands just below pi.
    if np.any(np.asarray(value) >= math.pi * (1 - 1e-12)):
        raise InvalidParameterError(
            f"{name} {math.degrees(float(np.max(value))):.4g} deg must be below 180 deg "
            "(optical = 2 x mechanical angle)"
        )
    return value


#: Largest tunable-lens power accepted (dpt, either sign): a 1 mm focal length.
MAX_TUNABLE_POWER = 1000.0


def power_range(power_min, power_max, name):
    """Check that a tunable lens's power range is ordered: power_min < power_max (dpt).

    Parameters
    ----------
    power_min, power_max : float
        The range ends in diopters.
    name : str
        The lens, for the error message.

    >>> power_range(-10, 10, "EL-16-40-TC")
    (-10.0, 10.0)
    >>> power_range(3, 3, "ETL")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: ETL: power_min 3 dpt must be below power_max 3 dpt
    """
    low = finite(power_min, "dpt", f"{name}: power_min")
    high = finite(power_max, "dpt", f"{name}: power_max")
    for key, value in (("power_min", low), ("power_max", high)):
        if abs(value) > MAX_TUNABLE_POWER:
            raise InvalidParameterError(
                f"{name}: {key} {value:g} dpt is beyond +-{MAX_TUNABLE_POWER:g} dpt (a 1 mm focal length); "
                "tunable lenses span a few to a few tens of dpt (1 dpt = 1/m)")
    if not low < high:
        raise InvalidParameterError(f"{name}: power_min {low:g} dpt must be below power_max {high:g} dpt")
    return low, high
