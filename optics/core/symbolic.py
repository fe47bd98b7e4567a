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
from functools import lru_cache

import sympy
from sympy.core.basic import ordering_of_classes as _ORDERING_OF_CLASSES
from sympy.polys.polyutils import _sort_gens
from sympy.polys.rings import ring as _ring_of

from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.units import is_quantity, to_base, to_magnitude

__all__ = [
    "to_expr", "symbols", "cancel", "cancel_entries", "is_zero", "matmul2", "is_numeric", "resolve_values",
    "symbol_for",
    "polynomial_ring", "ring_fraction", "poly_to_expr", "fraction_to_expr", "NotRationalError",
]

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


class NotRationalError(ValueError):
    """An expression is not a rational function with rational coefficients (internal signal)."""


@lru_cache(maxsize=128)
def polynomial_ring(symbols: tuple):
    """The sparse polynomial ring QQ[symbols] (cached by the tuple of symbols)."""
    return _ring_of(symbols, sympy.QQ)[0]


# -- polynomials back to expressions, fast --------------------------------------------------
# sympy's PolyElement.as_expr builds every term with Mul(*factors) and the sum
# with Add(*terms), and both sort their arguments with Basic.compare (a Python
# recursion per comparison): for the 10^4-term entries of a 20-element train
# that is most of the cost of the product.  poly_to_expr builds the same
# canonical expression (same arguments in the same order, so == and hash
# agree) with one sort key per factor and per term, computed once: a tuple
# that orders as Basic.compare does for numbers, symbols, their integer powers
# and products of those (class rank, length of the hashable content, then the
# content item by item).

_CLASS_RANK = {name: i for i, name in enumerate(_ORDERING_OF_CLASSES)}
_UNKNOWN_RANK = len(_ORDERING_OF_CLASSES) + 1


def _compare_key(obj):
    """A key whose tuple order is Basic.compare's order (numbers, symbols, powers, products)."""
    name = type(obj).__name__
    rank = _CLASS_RANK.get(name)
    content = obj._hashable_content()
    items = []
    for item in content:
        if isinstance(item, sympy.Basic):
            items.append(_compare_key(item))
        elif isinstance(item, frozenset):
            raise NotRationalError(obj)  # not produced by polynomials; let sympy build it
        else:
            items.append(item)
    return ((rank, "") if rank is not None else (_UNKNOWN_RANK, name), len(content), tuple(items))


def poly_to_expr(poly):
    """The sympy expression of a polynomial of :func:`polynomial_ring`, equal to ``poly.as_expr()``.

    Parameters
    ----------
    poly : sympy PolyElement

    >>> x, y = sympy.symbols("x y", positive=True)
    >>> ring = polynomial_ring((x, y))
    >>> X, Y = ring.gens
    >>> e = poly_to_expr(3 * X**2 * Y - Y + 7)
    >>> e, e == (3 * X**2 * Y - Y + 7).as_expr()
    (3*x**2*y - y + 7, True)
    """
    if not poly:
        return sympy.Integer(0)
    known = _EXPR_OF.get(poly) if len(poly) > 8 else None
    if known is not None:
        return known
    ring = poly.ring
    symbols_, to_sympy = ring.symbols, ring.domain.to_sympy
    factors_of: dict = {}
    keys: dict = {}
    numbers, terms = [], []
    try:
        for monom, coeff in poly.items():
            c = to_sympy(coeff)
            factors = []
            for i, e in enumerate(monom):
                if e:
                    f = factors_of.get((i, e))
                    if f is None:
                        f = factors_of[(i, e)] = symbols_[i] if e == 1 else sympy.Pow(symbols_[i], e)
                        keys[f] = _compare_key(f)
                    factors.append(f)
            if not factors:
                numbers.append(c)
                continue
            if len(factors) > 1:
                factors.sort(key=keys.__getitem__)
            if c == 1:
                term = factors[0] if len(factors) == 1 else sympy.Mul._from_args(tuple(factors), True)
            else:
                term = sympy.Mul._from_args((c, *factors), True)
            terms.append(term)
        if len(terms) + len(numbers) == 1:
            return (terms or numbers)[0]
        terms.sort(key=_compare_key)
    except NotRationalError:  # pragma: no cover - symbols with unusual hashable content
        return poly.as_expr()
    expr = sympy.Add._from_args(tuple(numbers + terms), True)
    if len(poly) > 8:
        _remember(expr, poly)
    return expr


#: Sums built by poly_to_expr <-> their polynomial, so that reading a train's
#: entries back (cancel) skips the parse and writing an unchanged polynomial
#: again skips the build.  Oldest entries drop first once they hold more than
#: _REMEMBER_TERMS terms in all (a 20-element generic train's four entries
#: hold about 3 10^4).
_POLY_OF: dict = {}
_EXPR_OF: dict = {}
_REMEMBER_TERMS = 10**5
_REMEMBERED = [0]


def _remember(expr, poly):
    if expr in _POLY_OF:
        return
    try:
        if not _POLY_OF:
            _REMEMBERED[0] = 0
        while _POLY_OF and _REMEMBERED[0] + len(poly) > _REMEMBER_TERMS:
            old = _POLY_OF.pop(next(iter(_POLY_OF)))
            _EXPR_OF.pop(old, None)
            _REMEMBERED[0] -= len(old)
        _POLY_OF[expr] = poly
        _EXPR_OF[poly] = expr
        _REMEMBERED[0] += len(poly)
    except (KeyError, RuntimeError, StopIteration):  # pragma: no cover - another thread changed the dicts
        pass


def _poly_sum(polys, ring):
    if len(polys) == 1:
        return polys[0]
    acc: dict = {}
    for p in polys:
        for monom, coeff in p.items():
            acc[monom] = acc.get(monom, 0) + coeff
    return ring.dtype({m: c for m, c in acc.items() if c})


def ring_fraction(expr, ring, gens: dict) -> tuple:
    """Numerator and denominator of *expr* as polynomials of *ring*, without any gcd.

    Parameters
    ----------
    expr : sympy expression
    ring : sympy polynomial ring
        The ring the numerator and denominator live in.
    gens : tuple of sympy.Symbol
        Its generators.

    Sums are put over a common denominator (terms with the same denominator
    are added first), products and integer powers multiply.  *gens* maps
    each symbol to its generator of *ring*.

    Raises
    ------
    NotRationalError
        If *expr* holds anything but those symbols, rational numbers, sums,
        products and integer powers (sqrt, pi, floats, tan).
    """
    if expr.is_Symbol:
        g = gens.get(expr)
        if g is None:
            raise NotRationalError(expr)
        return g, ring.one
    if expr.is_Rational:
        return ring.ground_new(sympy.QQ(int(expr.p), int(expr.q))), ring.one
    if expr.is_Add:
        known = _POLY_OF.get(expr)
        if known is not None and set(known.ring.symbols) <= gens.keys():
            return known.set_ring(ring), ring.one
        groups: dict = {}
        for term in expr.args:
            num, den = ring_fraction(term, ring, gens)
            groups.setdefault(den, []).append(num)
        parts = [(_poly_sum(nums, ring), den) for den, nums in groups.items()]
        num, den = parts[0]
        for n2, d2 in parts[1:]:
            num, den = num * d2 + n2 * den, den * d2
        return num, den
    if expr.is_Mul:
        num, den = ring.one, ring.one
        for factor in expr.args:
            n2, d2 = ring_fraction(factor, ring, gens)
            num = n2 if num == ring.one else num * n2
            if d2 != ring.one:
                den = d2 if den == ring.one else den * d2
        return num, den
    if expr.is_Pow and expr.exp.is_Integer:
        num, den = ring_fraction(expr.base, ring, gens)
        e = int(expr.exp)
        if e >= 0:
            return num**e, den**e
        if not num:
            raise NotRationalError(expr)  # 1/0
        return den**-e, num**-e
    raise NotRationalError(expr)


def _known_ring(expr, free):
    """The ring of a sum inside *expr* that poly_to_expr built, if it holds all of *expr*'s symbols."""
    stack, seen = [expr], 0
    while stack and seen < 64:
        e = stack.pop()
        seen += 1
        if e.is_Add:
            known = _POLY_OF.get(e)
            if known is not None:
                return known.ring if free <= set(known.ring.symbols) else None
        elif e.is_Mul or e.is_Pow:
            stack.extend(e.args)
    return None


def cancel(expr):
    """Put a rational function in lowest terms, as :func:`sympy.cancel` does, but sparse.

    Parameters
    ----------
    expr : sympy expression or number

    The expression is read into a sparse polynomial ring over its own
    symbols (numerator and denominator, no gcd on the way) and reduced by
    one sparse gcd.  :func:`sympy.cancel` works on dense polynomials, which
    for expressions of many symbols (a lens train where every distance and
    focal length is its own symbol) costs orders of magnitude more.
    Expressions with anything else in them (sqrt, pi, floats, functions)
    go to :func:`sympy.cancel`.

    >>> f1, f2, d = sympy.symbols("f1 f2 d", positive=True)
    >>> cancel(1 / (1 / f1 + 1 / f2 - d / (f1 * f2)))
    -f1*f2/(d - f1 - f2)
    >>> cancel((f1**2 - f2**2) / (f1 - f2))
    f1 + f2
    """
    if not isinstance(expr, sympy.Expr) or expr.is_number or expr.is_Symbol:
        return sympy.cancel(expr) if isinstance(expr, sympy.Expr) and expr.is_number else expr
    free = expr.free_symbols
    ring = _known_ring(expr, free)
    if ring is None:
        ring = polynomial_ring(tuple(_sort_gens(free)))  # sympy's generator order, so signs come out as sympy's
    symbols_ = ring.symbols
    try:
        num, den = ring_fraction(expr, ring, dict(zip(symbols_, ring.gens)))
    except NotRationalError:
        return sympy.cancel(expr)
    if not den:
        return sympy.cancel(expr)
    num, den = num.cancel(den)
    return fraction_to_expr(num, den)


def fraction_to_expr(num, den):
    """``num/den`` for polynomials of one ring, as a sympy expression (built by :func:`poly_to_expr`).

    Parameters
    ----------
    num, den : sympy PolyElement
        Numerator and denominator.

    """
    n = poly_to_expr(num)
    return n if den == den.ring.one else n / poly_to_expr(den)


def is_zero(expr) -> bool:
    """True if a matrix entry in lowest terms is zero.

    Parameters
    ----------
    expr : sympy expression or number

    Products and :func:`cancel` leave a symbolic entry in lowest terms, where
    it is zero only as the number 0; so only numbers are asked
    (``expr.is_zero`` on a 10^4-term entry runs sympy's assumption system
    over every term, seconds).

    >>> f = sympy.Symbol("f", positive=True)
    >>> is_zero(sympy.Integer(0)), is_zero(f - f), is_zero(1 / f), is_zero(sympy.sqrt(2) - sympy.sqrt(2))
    (True, True, False, True)
    """
    if expr == 0:
        return True
    if getattr(expr, "is_number", True):
        return bool(getattr(expr, "is_zero", expr == 0))
    return False


def cancel_entries(entries):
    """Cancel each entry of a tuple of expressions (numbers pass through).

    Parameters
    ----------
    entries : iterable of sympy expressions

    """
    return tuple(e if e.is_number else cancel(e) for e in entries)


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
