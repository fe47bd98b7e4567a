"""Turning user input into sympy expressions, and keeping expressions small.

Numbers become exact sympy numbers: integers stay integers and a float is
read as the decimal it prints as (``12.5`` becomes ``25/2``), so products of
matrices stay exact and cancel cleanly.  Quantities are converted once to the
base unit (see :mod:`optics.units`).  Strings are refused: nothing a user
types is ever parsed by ``sympify`` or ``eval``.

>>> from optics.core.symbolic import to_expr
>>> to_expr(12.5, "mm", name="ThinLens: focal length f")
25/2
>>> to_expr("__import__('os')", "mm", name="ThinLens: focal length f")
Traceback (most recent call last):
...
optics.errors.OpticsTypeError: ThinLens: focal length f: got the string "__import__('os')"; pass a number, a pint Quantity or a sympy expression (strings are never parsed)
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import sympy

from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.units import is_quantity, to_base, to_magnitude

__all__ = ["to_expr", "symbols", "cancel_entries", "matmul2", "is_numeric", "resolve_values", "symbol_for"]

_BAD_NUMBERS = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def is_numeric(expr) -> bool:
    """True if *expr* has no free symbols.

    Parameters
    ----------
    expr : sympy expression or number

    >>> is_numeric(sympy.Integer(3)), is_numeric(sympy.Symbol("f"))
    (True, False)
    """
    return not getattr(expr, "free_symbols", ())


def _number_to_expr(value, name):
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return sympy.nan if math.isnan(x) else (sympy.oo if x > 0 else -sympy.oo)
        return sympy.Rational(repr(x))
    if isinstance(value, numbers.Complex):
        raise OpticsTypeError(f"{name}: got the complex number {value!r}; a real value is required")
    return None


def to_expr(value, unit: str, *, name: str, nonzero=False, positive=False, finite=True):
    """Convert *value* to a real sympy expression in the base unit *unit*.

    Parameters
    ----------
    value : int, float, Fraction, sympy expression or pint Quantity
        Plain numbers are taken to be in *unit* already.
    unit : str
        Base unit of the parameter (``"mm"``, ``"dpt"``, ``"rad"``,
        ``"dimensionless"``).
    name : str
        Element and parameter, used in error messages.
    nonzero, positive, finite : bool
        Checks applied when the value is numeric (or when sympy can decide
        them for a symbolic value).

    Raises
    ------
    OpticsTypeError
        For strings, booleans, complex numbers, arrays and other types.
    DimensionError
        For a Quantity of the wrong dimension.
    InvalidParameterError
        For NaN, infinite, zero or negative values where they are not allowed.

    >>> f = sympy.Symbol("f", positive=True)
    >>> to_expr(2 * f, "mm", name="f")
    2*f
    >>> to_expr(float("nan"), "mm", name="Space: distance d")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: Space: distance d must be a finite real number, got nan
    """
    original = value
    if isinstance(value, (str, bytes)):
        raise OpticsTypeError(
            f"{name}: got the string {value!r}; pass a number, a pint Quantity or a "
            "sympy expression (strings are never parsed)"
        )
    if isinstance(value, bool):
        raise OpticsTypeError(f"{name}: got the boolean {value!r}; a number is required")
    if is_quantity(value):
        value = to_magnitude(value, unit, name=name)
    if hasattr(value, "shape") and not isinstance(value, sympy.Basic):
        if getattr(value, "shape", None) == ():
            value = value.item()
        else:
            raise OpticsTypeError(
                f"{name}: got an array; elements hold one value each "
                "(use a sympy symbol and optics.compile_expr for sweeps)"
            )
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr):
            raise OpticsTypeError(f"{name}: expected a sympy expression, got {type(value).__name__}")
        expr = value
    else:
        expr = _number_to_expr(value, name)
        if expr is None:
            raise OpticsTypeError(
                f"{name}: cannot use a value of type {type(value).__name__} ({value!r}); "
                "pass a number, a pint Quantity or a sympy expression"
            )
    if expr.has(sympy.nan) or expr.has(sympy.zoo):
        raise InvalidParameterError(f"{name} must be a finite real number, got {original}")
    if finite and (expr.has(sympy.oo) or expr.has(-sympy.oo)):
        raise InvalidParameterError(f"{name} must be a finite real number, got {original}")
    if expr.is_number and expr.is_extended_real is False:
        raise InvalidParameterError(f"{name} must be real, got {original}")
    if nonzero and expr.is_zero:
        raise InvalidParameterError(f"{name} must be non-zero, got {original}")
    if positive and (expr.is_positive is False):
        raise InvalidParameterError(f"{name} must be positive, got {original}")
    return expr


def symbols(names: str, **assumptions):
    """Make real, positive sympy symbols (the usual case for focal lengths).

    Parameters
    ----------
    names : str
        Space- or comma-separated names.
    **assumptions
        sympy assumptions (default ``positive=True``).

    A thin wrapper over :func:`sympy.symbols` with ``positive=True`` by
    default; pass ``positive=False`` for signed quantities such as a lens
    power or a displacement.

    >>> f_s, f_t = symbols("f_s f_t")
    >>> f_s.is_positive
    True
    """
    if not assumptions:
        assumptions = {"positive": True}
    elif assumptions.get("positive") is False:
        assumptions = {k: v for k, v in assumptions.items() if k != "positive"}
        assumptions.setdefault("real", True)
    return sympy.symbols(names, **assumptions)


def cancel_entries(entries):
    """Cancel each entry of a tuple of expressions (numbers pass through).

    Parameters
    ----------
    entries : iterable of sympy expressions

    """
    return tuple(e if e.is_number else sympy.cancel(e) for e in entries)


def matmul2(second, first):
    """Product ``second @ first`` of two 2x2 matrices given as (A, B, C, D).

    Parameters
    ----------
    first, second : tuple
        Matrix entries ``(A, B, C, D)``; *first* acts first.

    Symbolic entries are cancelled as they are formed, which keeps the
    expressions of long trains small (no ``simplify`` on the full product).

    >>> one, zero = sympy.Integer(1), sympy.Integer(0)
    >>> matmul2((one, zero, -sympy.Rational(1, 2), one), (one, sympy.Integer(3), zero, one))
    (1, 3, -1/2, -1/2)
    """
    a2, b2, c2, d2 = second
    a1, b1, c1, d1 = first
    return cancel_entries(
        (a2 * a1 + b2 * c1, a2 * b1 + b2 * d1, c2 * a1 + d2 * c1, c2 * b1 + d2 * d1)
    )


def symbol_for(key, free_symbols, *, context: str):
    """Find the symbol among *free_symbols* that *key* (a Symbol or its name) means.

    Parameters
    ----------
    key : sympy.Symbol or str
        A symbol or its name.
    free_symbols : iterable of sympy.Symbol
        The symbols to look among.
    context : str
        Who asks, for the error message.

    Names are matched, never parsed.

    >>> f = sympy.Symbol("f", positive=True)
    >>> symbol_for("f", {f}, context="test") is f
    True
    """
    if isinstance(key, sympy.Symbol):
        if key in free_symbols:
            return key
        key = key.name
    if not isinstance(key, str):
        raise OpticsTypeError(f"{context}: values are keyed by sympy symbols or their names, got {key!r}")
    for symbol in free_symbols:
        if symbol.name == key:
            return symbol
    known = ", ".join(sorted(s.name for s in free_symbols)) or "none"
    raise OpticsValueError(f"{context}: {key!r} is not one of its symbols ({known})")


def resolve_values(values, free_symbols, units=None, *, context: str) -> dict:
    """Map user values onto symbols, converting Quantities to base units.

    Parameters
    ----------
    values : dict or None
        Keys are sympy symbols or symbol names; values are numbers, sympy
        expressions or pint Quantities.
    free_symbols : set of sympy.Symbol
        The symbols that may be given values.
    units : dict, optional
        Base unit of some symbols (``{f: "mm"}``), to check dimensions.
    context : str
        What is being evaluated, for error messages.

    >>> f = sympy.Symbol("f", positive=True)
    >>> from optics.units import ureg
    >>> resolve_values({"f": 2 * ureg.cm}, {f}, {f: "mm"}, context="demo")
    {f: 20}
    """
    units = units or {}
    out = {}
    for key, value in (values or {}).items():
        symbol = symbol_for(key, free_symbols, context=context)
        label = f"{context}: value of {symbol.name}"
        unit = units.get(symbol)
        if unit is None:
            value, unit = to_base(value, name=label)
        out[symbol] = to_expr(value, unit or "dimensionless", name=label)
    return out
