r"""One compile step from sympy expressions to fast numpy functions.

:func:`compile_expr` turns any expression the library derives into a
numpy-vectorized function with :func:`sympy.lambdify` and common-subexpression
elimination.  Compiled functions are cached by ``(expression, arguments)``,
so compiling the same closed form twice costs a dictionary look-up.  Inputs
may be numbers, numpy arrays or pint Quantities (converted once to base
units); the result is a Quantity when a unit is given.  Sweeps never call
``subs`` per point.

:func:`evaluate` computes one value exactly (by substitution) and returns a
Quantity.

Both refuse to return NaN or infinity: a point where the expression is
singular (a division by zero) raises :class:`~optics.errors.NonFiniteResultError`
naming the values, unless ``check_finite=False``.

>>> import numpy as np, sympy
>>> from optics import compile_expr, ureg
>>> f1, f2 = sympy.symbols("f1 f2", positive=True)
>>> efl = compile_expr(f1 * f2 / (f1 + f2), unit="mm")
>>> efl(f1=np.array([100.0, 200.0]), f2=100 * ureg.mm).to("cm").magnitude.round(3).tolist()
[5.0, 6.667]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy

from optics.errors import MissingSymbolsError, NonFiniteResultError, OpticsTypeError
from optics.core.symbolic import resolve_values, symbol_for
from optics.units import is_quantity, quantity, to_base, to_magnitude

__all__ = ["compile_expr", "evaluate", "CompiledExpression"]


@lru_cache(maxsize=512)
def _lambdify(expr, args):
    return sympy.lambdify(args, expr, modules="numpy", cse=True)


def _sorted_symbols(symbols):
    return tuple(sorted(symbols, key=lambda s: s.name))


class CompiledExpression:
    """A numpy-vectorized function of an expression's free symbols.

    Parameters
    ----------
    units : dict
        Base units of the arguments, for Quantity inputs.
    check_finite : bool
        Raise on inf or nan results.

    Made by :func:`compile_expr`.  Call it with arrays, numbers or
    Quantities, positionally in the order of :attr:`args` or by symbol name.

    Attributes
    ----------
    expr : sympy.Expr
        The compiled expression (after substituting fixed values).
    args : tuple of sympy.Symbol
        Argument order.
    unit : str or None
        Unit of the result.
    """

    __slots__ = ("expr", "args", "unit", "units", "check_finite", "_func")

    def __init__(self, expr, args, unit, units, check_finite):
        self.expr = expr
        self.args = args
        self.unit = unit
        self.units = units
        self.check_finite = check_finite
        self._func = _lambdify(expr, args)

    def __repr__(self):
        names = ", ".join(a.name for a in self.args)
        return f"CompiledExpression(({names}) -> {self.expr}, unit={self.unit!r})"

    def _array(self, symbol, value):
        label = f"compiled expression: value of {symbol.name}"
        if isinstance(value, (str, bytes)):
            raise OpticsTypeError(f"{label}: got the string {value!r}; pass numbers, arrays or Quantities")
        unit = self.units.get(symbol)
        if is_quantity(value):
            value = to_magnitude(value, unit, name=label) if unit else to_base(value, name=label)[0]
        return np.asarray(value, dtype=float)

    def __call__(self, *positional, **keyword):
        if len(positional) > len(self.args):
            raise OpticsTypeError(
                f"compiled expression takes {len(self.args)} argument(s) "
                f"({', '.join(a.name for a in self.args)}), got {len(positional)}"
            )
        given = dict(zip(self.args, positional))
        for key, value in keyword.items():
            symbol = symbol_for(key, set(self.args), context="compiled expression")
            if symbol in given:
                raise OpticsTypeError(f"compiled expression: {symbol.name} given twice")
            given[symbol] = value
        missing = [a for a in self.args if a not in given]
        if missing:
            raise MissingSymbolsError(missing, "compiled expression")
        arrays = [self._array(a, given[a]) for a in self.args]
        with np.errstate(all="ignore"):
            result = self._func(*arrays)
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        result = np.broadcast_to(result, shape) if np.shape(result) != shape else np.asarray(result)
        bad = ~np.isfinite(result)
        if self.check_finite and bad.any():
            first = np.unravel_index(np.argmax(bad), shape) if shape else ()
            point = {a.name: float(np.broadcast_to(x, shape)[first]) for a, x in zip(self.args, arrays)}
            raise NonFiniteResultError(
                f"{self.expr} is not finite at {int(bad.sum())} point(s), first at {point}; "
                "pass check_finite=False to get inf/nan instead"
            )
        if result.ndim == 0:
            result = result[()]
        return quantity(result, self.unit) if self.unit else result


def compile_expr(expr, args=None, *, unit=None, fixed=None, units=None, check_finite=True):
    r"""Compile a sympy expression into a cached numpy-vectorized function.

    Parameters
    ----------
    expr : sympy.Expr
        The expression, with lengths in mm and powers in dpt.
    args : sequence of sympy.Symbol or str, optional
        Argument order; by default all free symbols sorted by name.
    unit : str, optional
        Base unit of the expression's value (``"mm"``, ``"dpt"``); the
        result is then a Quantity.  Without it, a plain numpy array.
    fixed : dict, optional
        Values substituted before compiling (symbols that do not vary in
        the sweep).  Quantities are converted to base units.
    units : dict, optional
        Base unit of some symbols (for example ``train.symbol_units``), used
        to check the dimension of Quantity arguments.
    check_finite : bool
        Raise :class:`~optics.errors.NonFiniteResultError` on inf/nan
        (default True).

    Returns
    -------
    CompiledExpression

    Raises
    ------
    MissingSymbolsError
        If *args* leaves a free symbol of the expression without a value.

    >>> P = sympy.Symbol("P", real=True)
    >>> z = compile_expr(-1000 / P, unit="mm")
    >>> z(P=[1.0, 2.0]).magnitude.tolist()
    [-1000.0, -500.0]
    """
    if not isinstance(expr, sympy.Basic):
        if isinstance(expr, (str, bytes)):
            raise OpticsTypeError("compile_expr: expressions are sympy objects; strings are never parsed")
        expr = sympy.Float(expr) if isinstance(expr, float) else sympy.Integer(expr) if isinstance(expr, int) else expr
        if not isinstance(expr, sympy.Basic):
            raise OpticsTypeError(f"compile_expr: expected a sympy expression, got {type(expr).__name__}")
    units = dict(units or {})
    if fixed:
        expr = expr.xreplace(resolve_values(fixed, expr.free_symbols, units, context="compile_expr fixed"))
    free = expr.free_symbols
    if args is None:
        args = _sorted_symbols(free)
    else:
        if isinstance(args, (sympy.Symbol, str)):
            args = (args,)
        pool = free | {a for a in args if isinstance(a, sympy.Symbol)}
        args = tuple(symbol_for(a, pool, context="compile_expr args") for a in args)
        missing = free - set(args)
        if missing:
            raise MissingSymbolsError(missing, "compile_expr (symbols not among args or fixed)")
    return CompiledExpression(expr, tuple(args), unit, units, check_finite)


def evaluate(expr, values=None, unit=None, *, units=None):
    """Evaluate an expression at given values, exactly, and return a Quantity.

    Parameters
    ----------
    expr : sympy.Expr
        Expression in base units.
    values : dict, optional
        Symbol (or name) -> number or Quantity.
    unit : str, optional
        Base unit of the expression; without it a float is returned.
    units : dict, optional
        Base units of symbols, to check Quantity dimensions.

    Raises
    ------
    MissingSymbolsError
        Listing every symbol without a value.
    NonFiniteResultError
        If the expression is singular there.

    >>> f = sympy.Symbol("f", positive=True)
    >>> evaluate(f / 4, {"f": 50}, "mm")
    <Quantity(12.5, 'millimeter')>
    >>> evaluate(f / 4 + sympy.Symbol("d"), {"f": 50})
    Traceback (most recent call last):
    ...
    optics.errors.MissingSymbolsError: cannot evaluate expression: no value given for symbol(s) d
    """
    if not isinstance(expr, sympy.Basic):
        result = expr
    else:
        mapping = resolve_values(values, expr.free_symbols, units, context="evaluate")
        result = expr.xreplace(mapping)
        if result.free_symbols:
            raise MissingSymbolsError(result.free_symbols)
        if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise NonFiniteResultError(f"{expr} is not finite at {values}")
        result = complex(result.evalf())
        result = result.real if result.imag == 0 else result
    return quantity(result, unit) if unit else result
