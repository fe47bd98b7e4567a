"""Checks for numeric inputs of the numpy-level calculators.

One place for the rules every public function applies to plain numbers,
arrays and Quantities: convert once to the base unit, refuse strings,
booleans and non-numeric arrays with :class:`~optics.errors.OpticsTypeError`,
and refuse NaN, infinities and out-of-range values with
:class:`~optics.errors.InvalidParameterError` naming the parameter and value.
(The symbolic layer has its own entry point, :func:`optics.core.symbolic.to_expr`.)

>>> from optics.units import registry
>>> positive(8 * registry().kHz, "Hz", "scanner frequency")
8000.0
>>> positive(-1, "Hz", "scanner frequency")
Traceback (most recent call last):
...
optics.errors.InvalidParameterError: scanner frequency must be positive and finite, got -1
"""

from __future__ import annotations

import numpy as np

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.units import to_magnitude

__all__ = ["number", "positive", "finite", "fraction", "count", "scalar_or_array"]


def scalar_or_array(value):
    """A Python float for 0-d values, the float array otherwise."""
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def number(value, unit, name):
    """Magnitude of *value* in *unit* as a float array (type-checked, not range-checked)."""
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


def positive(value, unit, name, *, allow_zero=False):
    """*value* in *unit*, checked to be positive (or >= 0) and finite.

    Returns a float for scalars and a float array for arrays.
    """
    arr = number(value, unit, name)
    bad = ~np.isfinite(arr) | (arr < 0) | ((arr == 0) if not allow_zero else False)
    if np.any(bad):
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidParameterError(f"{name} must be {bound} and finite, got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def finite(value, unit, name):
    """*value* in *unit*, checked to be finite (any sign)."""
    arr = number(value, unit, name)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise InvalidParameterError(f"{name} must be finite, got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def fraction(value, name):
    """A dimensionless value in (0, 1]."""
    arr = number(value, "dimensionless", name)
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr > 1)
    if np.any(bad):
        raise InvalidParameterError(f"{name} must lie in (0, 1], got {_first_bad(value, arr, bad)}")
    return scalar_or_array(arr)


def count(value, name, *, minimum=1):
    """A whole number >= *minimum*.

    >>> count(512, "pixels per line")
    512
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise OpticsTypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise InvalidParameterError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
