r"""Rich display in Jupyter: values as tables with units, rounded for reading.

Jupyter shows an object through its ``_repr_html_``, ``_repr_markdown_`` or
``_repr_latex_`` method when it has one.  The library's values (reports,
designs, paths, beams, lens trains and the typed results) get theirs from
here, so every one of them renders the same way:

* a Quantity as its magnitude to :data:`DIGITS` significant digits and its
  short unit symbol (``20 mm``, ``453.8 µm``, ``-1.5 dpt``);
* an exact sympy number as a decimal (``226892802759263/500000000000000``
  shows as ``0.4538``), a closed form (free symbols) as LaTeX where the
  format allows it;
* text from files escaped (:func:`optics.text.escape_text`, then HTML
  escaping), so a part name cannot inject markup.

A class gets its displays by naming a :class:`Table` (or several) and
assigning the module's ``repr_*`` functions::

    class Thing(NamedTuple):
        a: object
        _repr_html_ = repr_html
        _repr_markdown_ = repr_markdown

By default the table lists the fields of a named tuple or dataclass; a
``_display_tables(self)`` method returning a list of :class:`Table` replaces
it.  An object holding closed forms (sympy expressions with free symbols)
shows as Markdown with LaTeX cells and as LaTeX, not as HTML (which would show
the formulas as text).

This module is at layer 0.15: it imports :mod:`optics.text` and
:mod:`optics.units` only.

>>> from optics.units import quantity
>>> format_value(quantity(453.785605518526, "um"))
'453.8 µm'
>>> import sympy
>>> format_value(sympy.Rational(226892802759263, 500000000000000))
'0.4538'
>>> print(Table([("beam", quantity(20.0, "mm"))], header=("quantity", "value")).to_markdown())
| quantity | value |
|---|---|
| beam | 20 mm |
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers

import sympy

from optics.text import escape_text
from optics.units import is_quantity

__all__ = [
    "DIGITS",
    "Table",
    "format_number",
    "format_value",
    "value_latex",
    "is_symbolic",
    "WithUnit",
    "with_unit",
    "record_table",
    "rows_table",
    "tables_of",
    "repr_html",
    "repr_markdown",
    "repr_latex",
]

#: Significant digits of displayed numbers.
DIGITS = 4

#: Shown for a value that is not known (None).
UNKNOWN = "–"

#: Longest shown text of one cell (characters) before it is cut with "...".
MAX_CELL = 200
#: Longest shown note (a warning) under a table.
MAX_NOTE = 2000


def format_number(x, digits: int = DIGITS) -> str:
    """A real or complex number to *digits* significant digits, without ``-0`` or needless exponents.

    Parameters
    ----------
    x : int, float, complex or numpy scalar
        The number.  Integers are shown whole.
    digits : int
        Significant digits (default :data:`DIGITS`).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(0.1 + 0.2), format_number(-0.0), format_number(12345.678), format_number(3)
    ('0.3', '0', '12346', '3')
    >>> format_number(2.5e-9), format_number(complex(-50, 31.4159265))
    ('2.5e-09', '-50+31.42j')
    """
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real):
        z = complex(x)
        if z.imag == 0:
            return format_number(z.real, digits)
        imag = format_number(z.imag, digits)
        if z.real == 0:
            return f"{imag}j"
        sign = "" if imag.startswith("-") else "+"
        return f"{format_number(z.real, digits)}{sign}{imag}j"
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 10**digits <= abs(x) < 1e6:
        return str(round(x))  # whole numbers up to a million read better than 1.235e+04
    return f"{x:.{digits}g}"


def is_symbolic(value) -> bool:
    """True if *value* is a sympy expression with free symbols (a closed form).

    Parameters
    ----------
    value : object

    >>> import sympy
    >>> is_symbolic(sympy.Symbol("f") / 2), is_symbolic(sympy.Rational(1, 2)), is_symbolic(0.5)
    (True, False, False)
    """
    return isinstance(value, sympy.Basic) and bool(value.free_symbols)


class WithUnit(tuple):
    """A closed form (sympy expression) and the base unit it is in, for display.

    Symbolic results are sympy expressions in their documented base unit
    (mm, dpt, rad); wrapped by :func:`with_unit`, they show that unit.
    """

    __slots__ = ()

    def __new__(cls, expr, unit):
        return tuple.__new__(cls, (expr, unit))

    @property
    def expr(self):
        """The expression."""
        return self[0]

    @property
    def unit(self) -> str:
        """Its unit symbol."""
        return self[1]


def with_unit(value, unit: str):
    """*value* marked with its base *unit* when it is a sympy expression; anything else unchanged.

    Parameters
    ----------
    value : object
        A Quantity, number, None or sympy expression (in *unit*).
    unit : str
        Unit symbol to show after an expression (``"mm"``, ``"dpt"``).

    >>> import sympy
    >>> format_value(with_unit(sympy.Symbol("f") / 2, "mm"))
    'f/2 mm'
    """
    return WithUnit(value, unit) if isinstance(value, sympy.Basic) else value


def _sympy_number(value):
    z = complex(value)
    return z.real if z.imag == 0 else z


def _array_text(magnitude, unit, digits):
    flat = [float(v) for v in getattr(magnitude, "flat", [])]
    if not flat:
        return f"(no values){unit}"
    low, high = min(flat), max(flat)
    return f"{len(flat)} values, {format_number(low, digits)} to {format_number(high, digits)}{unit}"


def format_value(value, digits: int = DIGITS) -> str:
    """One value as short plain text: numbers rounded, Quantities with their unit symbol.

    Parameters
    ----------
    value : object
        A Quantity (scalar or array), number, sympy expression, bool, None,
        text, or a tuple/list of these.
    digits : int
        Significant digits of numbers.

    Returns
    -------
    str
        Text from files and reprs of other objects are escaped
        (:func:`~optics.text.escape_text`), not HTML-escaped.

    Examples
    --------
    >>> from optics.units import quantity
    >>> format_value(quantity(-34.72222, "um")), format_value(None), format_value(True)
    ('-34.72 µm', '–', 'yes')
    >>> format_value((quantity(1.5, "dpt"), quantity(3, "dpt")))
    '1.5 dpt; 3 dpt'
    >>> format_value((("fill", 0.9, 1.1), ("fov", 1.2, None)))
    '(fill, 0.9, 1.1); (fov, 1.2, –)'
    >>> import numpy
    >>> format_value(quantity(numpy.linspace(-1, 2, 7), "mm"))
    '7 values, -1 to 2 mm'
    """
    if value is None:
        return UNKNOWN
    if isinstance(value, WithUnit):
        return f"{format_value(value.expr, digits)} {escape_text(value.unit)}"
    if is_quantity(value):
        unit = f"{value.units:~P}"
        unit = f" {unit}" if unit else ""
        magnitude = value.magnitude
        if hasattr(magnitude, "shape") and getattr(magnitude, "ndim", 0) > 0:
            return _array_text(magnitude, unit, digits)
        if isinstance(magnitude, sympy.Basic):
            return f"{format_value(magnitude, digits)}{unit}"
        return f"{format_number(magnitude, digits)}{unit}"
    if isinstance(value, sympy.Basic):
        if value.free_symbols or not value.is_number:
            return escape_text(str(value), max_length=MAX_CELL)
        return format_number(_sympy_number(value), digits)
    if isinstance(value, numbers.Number):
        return format_number(value, digits)
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return _array_text(value, "", digits)
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalar
        return format_number(value.item(), digits)
    if isinstance(value, str):
        return escape_text(value, max_length=MAX_CELL)
    if isinstance(value, dict):
        return ", ".join(f"{escape_text(k)}: {format_value(v, digits)}" for k, v in value.items()) or "none"
    if isinstance(value, (tuple, list)) and not hasattr(value, "_fields"):
        return "; ".join(_item_text(v, digits) for v in value) if value else "none"
    return escape_text(_summary(value, digits), max_length=MAX_CELL)


def _item_text(value, digits):
    """An item of a sequence: a nested pair or triple in parentheses, else its value."""
    if isinstance(value, (tuple, list)) and not hasattr(value, "_fields") and not isinstance(value, WithUnit):
        return "(" + ", ".join(format_value(v, digits) for v in value) + ")"
    return format_value(value, digits)


def _summary(value, digits):
    """A one-line ``Name(field=value, ...)`` of a named tuple or dataclass, else str()."""
    fields = _fields(value)
    if fields is None:
        return str(value)
    inner = ", ".join(f"{k}={format_value(v, digits)}" for k, v in fields)
    return f"{type(value).__name__}({inner})"


def value_latex(value, digits: int = DIGITS) -> str:
    """LaTeX of one value, without ``$``: closed forms by sympy, numbers rounded, units upright.

    Parameters
    ----------
    value : object
    digits : int
        Significant digits of numbers.

    Returns
    -------
    str

    >>> import sympy
    >>> value_latex(sympy.Symbol("D") * sympy.Symbol("f_t") / sympy.Symbol("f_s"))
    '\\\\frac{D f_{t}}{f_{s}}'
    >>> from optics.units import quantity
    >>> value_latex(quantity(20.0, "mm"))
    '20\\\\ \\\\mathrm{mm}'
    """
    if isinstance(value, WithUnit):
        return f"{value_latex(value.expr, digits)}\\ \\mathrm{{{_latex_text(value.unit)}}}"
    if isinstance(value, sympy.Basic) and (value.free_symbols or not value.is_number):
        return sympy.latex(value)
    if is_quantity(value) and isinstance(value.magnitude, sympy.Basic) and value.magnitude.free_symbols:
        return f"{sympy.latex(value.magnitude)}\\ \\mathrm{{{_latex_text(f'{value.units:~P}')}}}"
    text = format_value(value, digits)
    if is_quantity(value):
        number, _, unit = text.partition(" ")
        return f"{number}\\ \\mathrm{{{_latex_text(unit)}}}" if unit else number
    return f"\\text{{{_latex_text(text)}}}" if not _is_plain_number(text) else text


def _is_plain_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"}
_LATEX_SPECIAL.update({"\\": "\\backslash ", "~": "\\sim ", "^": "\\hat{}", "µ": "\\mu "})


def _latex_text(text):
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


# -- tables ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Table:
    """A titled table of values, rendered as HTML, Markdown or LaTeX.

    Parameters
    ----------
    rows : sequence of sequences
        Cells, one sequence per row: any value :func:`format_value` takes.
    header : sequence of str, optional
        Column titles.
    title : str, optional
        Shown above the table.
    notes : sequence of str
        Lines shown under the table (warnings, assumptions).

    Examples
    --------
    >>> from optics.units import quantity
    >>> t = Table([("f", quantity(50, "mm"))], header=("lens", "focal length"), title="Scan lens")
    >>> "<td>50 mm</td>" in t.to_html()
    True
    """

    rows: tuple
    header: tuple = ()
    title: str = ""
    notes: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def symbolic(self) -> bool:
        """True if a cell holds a closed form (a sympy expression with free symbols)."""
        return any(_cell_symbolic(c) for row in self.rows for c in row)

    def to_html(self) -> str:
        """The table as an HTML fragment (a ``<table>`` with an optional title and notes)."""
        out = []
        if self.title:
            out.append(f"<p><strong>{_html(self.title)}</strong></p>")
        if not self.rows and not self.header:  # a title and notes only
            if self.notes:
                out.append("<ul>" + "".join(f"<li>{_html(n, MAX_NOTE)}</li>" for n in self.notes) + "</ul>")
            return "\n".join(out)
        out.append('<table class="optics-table">')
        if self.header:
            out.append("<thead><tr>" + "".join(f"<th>{_html(h)}</th>" for h in self.header) + "</tr></thead>")
        out.append("<tbody>")
        for row in self.rows:
            out.append("<tr>" + "".join(f"<td>{_html(format_value(c))}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
        if self.notes:
            out.append("<ul>" + "".join(f"<li>{_html(n, MAX_NOTE)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(out)

    def to_markdown(self) -> str:
        """The table as GitHub-flavoured Markdown (closed forms as ``$...$`` LaTeX)."""
        out = []
        if self.title:
            out += [f"**{_markdown(self.title)}**", ""]
        if not self.rows and not self.header:  # a title and notes only
            return "\n".join(out + [f"- {_markdown(n, MAX_NOTE)}" for n in self.notes])
        width = max([len(self.header)] + [len(r) for r in self.rows] + [1])
        header = list(self.header) or [""] * width
        out.append("| " + " | ".join(_markdown(h) for h in header) + " |")
        out.append("|" + "---|" * len(header))
        for row in self.rows:
            out.append("| " + " | ".join(_markdown_cell(c) for c in row) + " |")
        if self.notes:
            out.append("")
            out += [f"- {_markdown(n, MAX_NOTE)}" for n in self.notes]
        return "\n".join(out)

    def _repr_html_(self):
        return None if self.symbolic else self.to_html()

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex() if self.symbolic else None

    def to_latex(self) -> str:
        """The table as a LaTeX ``array`` inside ``$$ ... $$`` (text cells as ``\\text``)."""
        width = max([len(self.header)] + [len(r) for r in self.rows] + [1])
        lines = []
        if self.header:
            lines.append(" & ".join(f"\\text{{{_latex_text(escape_text(h))}}}" for h in self.header))
        for row in self.rows:
            lines.append(" & ".join(_latex_cell(c) for c in row))
        body = " \\\\\n".join(lines)
        title = f"\\text{{{_latex_text(escape_text(self.title))}}}\\\\\n" if self.title else ""
        return f"$$\n{title}\\begin{{array}}{{{'l' * width}}}\n{body}\n\\end{{array}}\n$$"


def _cell_symbolic(cell):
    if isinstance(cell, WithUnit):
        return is_symbolic(cell.expr)
    if is_quantity(cell):
        return is_symbolic(cell.magnitude)
    return is_symbolic(cell)


def _html(text, limit=MAX_CELL) -> str:
    return html.escape(escape_text(text, max_length=limit), quote=False)


# Escaped in Markdown text: emphasis, code, links, table cells, math.  Not "(" or "[": "\\(" opens math in Jupyter.
_MARKDOWN_SPECIAL = {c: "\\" + c for c in "\\`*_|$~"}


def _markdown(text, limit=MAX_CELL) -> str:
    text = escape_text(text, max_length=limit)
    return "".join(_MARKDOWN_SPECIAL.get(c, c) for c in html.escape(text, quote=False))


def _markdown_cell(cell) -> str:
    if _cell_symbolic(cell):
        return f"${value_latex(cell)}$"
    text = format_value(cell)
    if is_quantity(cell) or isinstance(cell, (numbers.Number, sympy.Basic, WithUnit)):
        return text.replace("|", "\\|")  # numbers and units need no other escaping (keeps "-1.5" readable)
    return _markdown(text)


def _latex_cell(cell) -> str:
    if isinstance(cell, str):
        return f"\\text{{{_latex_text(escape_text(cell, max_length=MAX_CELL))}}}"
    return value_latex(cell)


# -- records: named tuples and dataclasses --------------------------------------------------------
def _fields(obj):
    """``[(name, value), ...]`` of a named tuple or dataclass instance, else None."""
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return list(zip(obj._fields, obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr]
    return None


def _is_record(value):
    return _fields(value) is not None


def _is_row_list(value):
    """A non-empty tuple of records (named tuples or dataclasses) of one type (shown as a nested table)."""
    return (isinstance(value, (tuple, list)) and bool(value) and not hasattr(value, "_fields")
            and all(_is_record(v) for v in value) and len({type(v) for v in value}) == 1)


def _label(name):
    return name.replace("_", " ")


def record_table(obj, *, title=None, fields=None, _depth=0) -> list:
    """Tables of a named tuple or dataclass: one of its scalar fields, one per field holding rows.

    Parameters
    ----------
    obj : named tuple or dataclass instance
    title : str, optional
        Title of the first table; default the class name.
    fields : sequence of str, optional
        The fields to show, in order; default all.

    Returns
    -------
    list of Table
        Fields holding a record (or a tuple of records) get tables of their own.

    Notes
    -----
    A class attribute ``_display_units`` (field name to unit symbol) names
    the base unit of fields that hold sympy expressions on symbolic paths.

    >>> from typing import NamedTuple
    >>> class P(NamedTuple):
    ...     a: float
    ...     b: str
    >>> record_table(P(0.123456, "x"))[0].rows
    (('a', 0.123456), ('b', 'x'))
    """
    pairs = _fields(obj)
    if pairs is None:
        return [Table([(type(obj).__name__, format_value(obj))])]
    if fields is not None:
        known = dict(pairs)
        pairs = [(k, known[k]) for k in fields if k in known]
    units = getattr(obj, "_display_units", {})
    rows, nested = [], []
    for name, value in pairs:
        if _is_row_list(value):
            nested.append(rows_table(value, title=_label(name)))
        elif _is_record(value) and _depth < 2:
            nested += record_table(value, title=_label(name), _depth=_depth + 1)
        else:
            rows.append((_label(name), with_unit(value, units[name]) if name in units else value))
    head = Table(rows, header=("", "value"), title=type(obj).__name__ if title is None else title)
    return [head] + nested


def rows_table(rows, *, title="") -> Table:
    """A table with one row per named tuple of *rows* and one column per field.

    Parameters
    ----------
    rows : sequence of named tuples (or dataclasses) of one type
    title : str
        Shown above the table.

    Returns
    -------
    Table

    >>> from collections import namedtuple
    >>> R = namedtuple("R", "plane fill")
    >>> rows_table([R("galvo", 0.5)]).header
    ('plane', 'fill')
    """
    records = list(rows)
    units = getattr(records[0], "_display_units", {}) if records else {}
    rows = [_fields(r) for r in records]
    header = tuple(_label(k) for k, _ in rows[0]) if rows else ()
    cells = [tuple(with_unit(v, units[k]) if k in units else v for k, v in r) for r in rows]
    return Table(cells, header=header, title=title)


def tables_of(obj) -> list:
    """The tables that display *obj*: its ``_display_tables()``, else :func:`record_table`.

    Parameters
    ----------
    obj : object

    Returns
    -------
    list of Table
    """
    own = getattr(obj, "_display_tables", None)
    if own is not None:
        return list(own())
    return record_table(obj)


def repr_html(obj):
    """``_repr_html_`` for the library's values: their tables as HTML (None for closed forms).

    Parameters
    ----------
    obj : object
        Assign this function as a class's ``_repr_html_``.

    Returns
    -------
    str or None
        None when a table holds a closed form, so Jupyter shows the Markdown
        (with LaTeX) instead.
    """
    tables = tables_of(obj)
    if any(t.symbolic for t in tables):
        return None
    return '<div class="optics-display">\n' + "\n".join(t.to_html() for t in tables) + "\n</div>"


def repr_markdown(obj):
    """``_repr_markdown_`` for the library's values: their tables as Markdown.

    Parameters
    ----------
    obj : object
        Assign this function as a class's ``_repr_markdown_``.

    Returns
    -------
    str
    """
    return "\n\n".join(t.to_markdown() for t in tables_of(obj))


def repr_latex(obj):
    """``_repr_latex_`` for values that hold closed forms: their tables as LaTeX arrays (else None).

    Parameters
    ----------
    obj : object
        Assign this function as a class's ``_repr_latex_``.

    Returns
    -------
    str or None
        None for numeric values (Jupyter then shows the HTML).
    """
    tables = tables_of(obj)
    if not any(t.symbolic for t in tables):
        return None
    return "\n".join(t.to_latex() for t in tables)
