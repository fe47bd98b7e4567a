r"""Lens trains: elements in the order light meets them, with named planes.

A :class:`LensTrain` is a frozen sequence of :mod:`~optics.core.elements`.  Plane
markers (:class:`Plane` or a plain string in the list) name the reference
planes between elements: ``"resonant"``, ``"galvo"``, ``"back_aperture"``,
``"sample"`` and so on.  The names ``"input"`` (before the first element) and
``"output"`` (after the last) always exist.

Sign conventions are those of :mod:`optics.core.elements`: +z is the direction of
light, rays are :math:`(y, \theta)` with actual angles, lengths in mm.  For the
matrix :math:`M = \begin{pmatrix}A&B\\C&D\end{pmatrix}` of a train from
its input to its output plane, with indices :math:`n_\mathrm{in}`,
:math:`n_\mathrm{out}` and power :math:`\Phi = -n_\mathrm{out} C`:

* effective focal length :math:`f = 1/\Phi = -1/(n_\mathrm{out} C)`;
* back focal distance (output plane to back focal point) :math:`-A/C`;
* front focal distance (front focal point to input plane) :math:`-D/C`;
* back principal plane, from the output plane: :math:`(1 - A)/C`;
* front principal plane, from the input plane:
  :math:`(D - n_\mathrm{in}/n_\mathrm{out})/C`;
* two planes are conjugate when :math:`B = 0`, with lateral magnification
  :math:`A`; a train is afocal when :math:`C = 0`.

Derived quantities answer with a pint Quantity when the train is numeric and
with a sympy closed form (in base units: mm, dpt) when it holds symbols.

>>> from optics import LensTrain, Space, ThinLens
>>> relay = LensTrain(["scanner", Space(50), ThinLens(50), Space(250), ThinLens(200),
...                    Space(200), "back_aperture"])
>>> relay.is_afocal()
True
>>> relay.magnification("scanner", "back_aperture")
-4
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from functools import lru_cache

import sympy
from sympy.polys.polyutils import _sort_gens

from optics.core.elements import Element, Space
from optics.display import Table, format_value, repr_html, repr_latex, repr_markdown, with_unit
from optics.errors import AfocalError, NoFocusError, OpticsTypeError, OpticsValueError, PlaneError
from optics.core.symbolic import (
    NotRationalError,
    cancel,
    fraction_to_expr,
    is_zero,
    matmul2,
    polynomial_ring,
    resolve_values,
    ring_fraction,
    to_expr,
)
from optics.units import as_result

__all__ = ["Plane", "LensTrain", "RayPoint", "ImageLocation"]

_IDENTITY = (sympy.Integer(1), sympy.Integer(0), sympy.Integer(0), sympy.Integer(1))
_RESERVED = ("input", "output")

#: One row of a ray trace: axial position, plane label, height and angle.
RayPoint = namedtuple("RayPoint", ["z", "label", "y", "theta"])

#: Where a plane is imaged: axial position from the train input, lateral
#: magnification, and the name of a plane that sits exactly there (or None).
ImageLocation = namedtuple("ImageLocation", ["z", "magnification", "plane"])


class Plane:
    """A named reference plane inside a :class:`LensTrain`.

    Parameters
    ----------
    name : str
        The plane's name.

    A plain string in the element list means the same thing.

    >>> Plane("galvo")
    Plane('galvo')
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise OpticsTypeError(f"Plane: name must be a non-empty string, got {name!r}")
        object.__setattr__(self, "name", name)

    def __setattr__(self, key, value):
        raise AttributeError("Plane is immutable")

    def __repr__(self):
        return f"Plane({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Plane) and other.name == self.name

    def __hash__(self):
        return hash(("Plane", self.name))


def _ring_product(elements: tuple, symbols) -> tuple | None:
    """Product in the polynomial ring QQ[symbols] over one common denominator, or None.

    Each element's entries are put over one denominator (its focal length,
    index, ...); the product multiplies numerators and denominators as
    sparse polynomials with no gcd on the way, and each entry is reduced
    once at the end (:meth:`PolyElement.cancel`; for the usual monomial
    denominators that gcd is a scan of the exponents).  Entries that are not
    rational functions of the symbols (sqrt, pi, tan) make it return None.
    """
    ring = polynomial_ring(tuple(symbols))
    gens = dict(zip(symbols, ring.gens))
    one, zero = ring.one, ring.zero
    a1, b1, c1, d1, den = one, zero, zero, one, one
    try:
        for element in elements:
            fracs = [ring_fraction(v, ring, gens) for v in element.abcd]
            dens = {d for _, d in fracs}
            if len(dens) == 1:
                (e_den,) = dens
                a2, b2, c2, d2 = (n for n, _ in fracs)
            else:
                e_den = one
                for d in dens:
                    e_den = e_den.lcm(d)
                a2, b2, c2, d2 = (n * e_den.exquo(d) if d != e_den else n for n, d in fracs)
            a1, b1, c1, d1 = (
                _mul_add(a2, a1, b2, c1), _mul_add(a2, b1, b2, d1),
                _mul_add(c2, a1, d2, c1), _mul_add(c2, b1, d2, d1),
            )
            if e_den != one:
                den = den * e_den
    except NotRationalError:
        return None
    out = []
    for num in (a1, b1, c1, d1):
        if not num:
            out.append(sympy.Integer(0))
            continue
        out.append(fraction_to_expr(*num.cancel(den)))
    return tuple(out)


def _mul_add(x2, x1, y2, y1):
    """x2 x1 + y2 y1 for ring elements, skipping products with 0 and 1 (most entries of a space or a lens)."""
    def mul(p, q):
        if not p or not q:
            return None
        if p.is_one:
            return q
        return p * q

    first, second = mul(x2, x1), mul(y2, y1)
    if first is None:
        return second if second is not None else x1.ring.zero
    return first if second is None else first + second


@lru_cache(maxsize=4096)
def _product(elements: tuple) -> tuple:
    """ABCD entries of elements applied in light order (cached).

    Numeric trains multiply exact rationals; symbolic trains multiply in a
    sparse polynomial ring with one cancellation per entry at the end,
    falling back to per-step cancellation for entries that are not rational
    functions of the symbols.
    """
    if not elements:
        return _IDENTITY
    if len(elements) == 1:
        return elements[0].abcd
    symbols = _sort_gens(set().union(*(e.free_symbols for e in elements)))  # as sympy.cancel orders them
    if symbols:
        product = _ring_product(elements, symbols)
        if product is not None:
            return product
    m = _IDENTITY
    for element in elements:
        m = matmul2(element.abcd, m)
    return m


def _train_items(items):
    """Check that *items* is a sequence of train items (not one element, text or a mapping)."""
    if isinstance(items, Element):
        raise OpticsTypeError(
            f"LensTrain: got a single element {items!r}; pass a list of items, "
            f"such as LensTrain([{type(items).__name__}(...)])"
        )
    if isinstance(items, (str, bytes, bytearray)):
        raise OpticsTypeError(
            f"LensTrain: got the text {items!r}; pass a list of items "
            "(a plane name goes inside the list: LensTrain(['stop', ThinLens(50)]))"
        )
    if isinstance(items, Plane):
        raise OpticsTypeError(f"LensTrain: got a single plane {items!r}; pass a list of items")
    if isinstance(items, Mapping):
        raise OpticsTypeError(
            f"LensTrain: got a mapping ({type(items).__name__}); pass a list of items in light order"
        )
    if isinstance(items, LensTrain):
        return (items,)
    try:
        return iter(items)
    except TypeError:
        raise OpticsTypeError(
            f"LensTrain: items must be a list of elements, planes and trains, "
            f"got {type(items).__name__} {items!r}"
        ) from None


def _check_media(elements, name) -> None:
    """Refuse an index jump between neighbours that no element explains (an Interface does)."""
    for k in range(1, len(elements)):
        before, after = elements[k - 1], elements[k]
        a, b = before.n_out, after.n_in
        if a == b:
            continue
        difference = a - b
        if getattr(difference, "is_zero", None) is False or (
                isinstance(difference, (int, float)) and difference != 0):
            where = f"LensTrain {name!r}" if name else "LensTrain"
            raise OpticsValueError(
                f"{where}: element {k} {before!r} ends in a medium of index {a} but element {k + 1} {after!r} "
                f"starts in index {b}; put an Interface({a}, {b}) between them, or give the element its medium "
                f"(n={a})"
            )


class LensTrain:
    """A frozen sequence of elements in light order, with named planes.

    Parameters
    ----------
    items : iterable
        Elements, :class:`Plane` markers or plane-name strings, and other
        LensTrains (spliced in with their planes), in the order light meets them.
    name : str, optional
        A label for messages and reports.

    Raises
    ------
    PlaneError
        For a duplicated or reserved plane name.
    OpticsTypeError
        For an item that is not an element, plane or train, and for *items*
        that is not a list of them (one element, a string, a mapping).

    Examples
    --------
    >>> import sympy
    >>> from optics import LensTrain, Space, ThinLens
    >>> f1, f2 = sympy.symbols("f1 f2", positive=True)
    >>> relay = LensTrain([Space(f1), ThinLens(f1), Space(f1 + f2), ThinLens(f2), Space(f2)])
    >>> relay.matrix
    Matrix([
    [-f2/f1,      0],
    [     0, -f1/f2]])
    """

    __slots__ = ("_elements", "_planes", "name")

    def __init__(self, items=(), *, name=None):
        elements: list = []
        planes: dict = {}

        def add_plane(plane_name, index):
            if plane_name in _RESERVED:
                raise PlaneError(f"LensTrain: plane name {plane_name!r} is reserved")
            if plane_name in planes:
                raise PlaneError(f"LensTrain: plane {plane_name!r} is named twice")
            planes[plane_name] = index

        for position, item in enumerate(_train_items(items)):
            if isinstance(item, Element):
                elements.append(item)
            elif isinstance(item, (Plane, str)):
                add_plane(item.name if isinstance(item, Plane) else item, len(elements))
                if not (item.name if isinstance(item, Plane) else item):
                    raise PlaneError("LensTrain: a plane name must not be empty")
            elif isinstance(item, LensTrain):
                offset = len(elements)
                for plane_name, index in item._planes:
                    add_plane(plane_name, index + offset)
                elements.extend(item._elements)
            else:
                raise OpticsTypeError(
                    f"LensTrain: item {position} is {item!r} ({type(item).__name__}); "
                    "expected an element, a Plane, a plane name or a LensTrain"
                )
        if name is not None and not isinstance(name, str):
            raise OpticsTypeError(f"LensTrain: name must be a string, got {name!r}")
        _check_media(elements, name)
        object.__setattr__(self, "_elements", tuple(elements))
        object.__setattr__(self, "_planes", tuple(planes.items()))
        object.__setattr__(self, "name", name)

    # -- value protocol ---------------------------------------------------------
    def __setattr__(self, key, value):
        raise AttributeError("LensTrain is immutable; operations return new trains")

    def __eq__(self, other):
        return (
            isinstance(other, LensTrain)
            and self._elements == other._elements
            and self._planes == other._planes
        )

    def __hash__(self):
        return hash((self._elements, self._planes))

    def __len__(self):
        return len(self._elements)

    def __iter__(self):
        return iter(self._elements)

    def __getitem__(self, index):
        return self._elements[index]

    def __add__(self, other):
        """Concatenate: light goes through *self*, then *other*."""
        if isinstance(other, Element):
            other = LensTrain([other])
        if not isinstance(other, LensTrain):
            return NotImplemented
        return LensTrain([self, other], name=self.name)

    def __repr__(self):
        items = []
        planes_at: dict = {}
        for plane_name, index in self._planes:
            planes_at.setdefault(index, []).append(plane_name)
        for i, element in enumerate(self._elements):
            items.extend(repr(p) for p in planes_at.get(i, []))
            items.append(repr(element))
        items.extend(repr(p) for p in planes_at.get(len(self._elements), []))
        label = f", name={self.name!r}" if self.name else ""
        return f"LensTrain([{', '.join(items)}]{label})"

    # -- rich display (Jupyter) ------------------------------------------------
    def _display_tables(self):
        planes_at: dict = {}
        for plane_name, index in self._planes:
            planes_at.setdefault(index, []).append(plane_name)
        rows = []
        z = sympy.Integer(0)
        for i, element in enumerate(self._elements):
            params = ", ".join(
                f"{k} = {format_value(with_unit(v, element._PARAM_INFO[k][0]))}".replace(" dimensionless", "")
                for k, v in element._params
            )
            rows.append((with_unit(z, "mm"), ", ".join(planes_at.get(i, [])), type(element).__name__,
                         element.name or "", params))
            z = z + element.length
        if len(self._elements) in planes_at:
            rows.append((with_unit(z, "mm"), ", ".join(planes_at[len(self._elements)]), "", "", ""))
        a, b, c, d = self.abcd()
        title = f"Lens train {self.name}" if self.name else "Lens train"
        matrix = Table(
            [("A", a), ("B", with_unit(b, "mm")), ("C", with_unit(c, "1/mm")), ("D", d),
             ("length", with_unit(self._z(len(self._elements)), "mm"))],
            header=("input to output", "value"),
        )
        return [Table(rows, header=("z", "planes", "element", "name", "parameters"), title=title), matrix]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex

    # -- planes -----------------------------------------------------------------
    @property
    def elements(self) -> tuple:
        """The elements in light order."""
        return self._elements

    @property
    def planes(self) -> dict:
        """Plane name -> index of the element the plane sits in front of."""
        return {"input": 0, **dict(self._planes), "output": len(self._elements)}

    def _index(self, plane) -> int:
        if isinstance(plane, Plane):
            plane = plane.name
        planes = self.planes
        if isinstance(plane, str):
            if plane not in planes:
                raise PlaneError(
                    f"LensTrain{self._tag()}: no plane named {plane!r}; planes are "
                    + ", ".join(repr(p) for p in planes)
                )
            return planes[plane]
        raise OpticsTypeError(f"LensTrain: a plane is given by its name, got {plane!r}")

    def _tag(self):
        return f" {self.name!r}" if self.name else ""

    def _span(self, start, end) -> tuple:
        i, j = self._index(start), self._index(end)
        if j < i:
            raise PlaneError(
                f"LensTrain{self._tag()}: plane {end!r} comes before {start!r} in light order"
            )
        return i, j

    def section(self, start="input", end="output") -> "LensTrain":
        """The part of the train between two planes, with the planes inside it.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        >>> from optics import Space, ThinLens
        >>> t = LensTrain(["a", Space(10), "b", ThinLens(10), "c"])
        >>> t.section("b", "c")
        LensTrain([ThinLens(f=10)])
        """
        i, j = self._span(start, end)
        items: list = []
        inner = sorted(
            ((index, name) for name, index in self._planes if i <= index <= j and name not in (start, end))
        )
        k = 0
        for index in range(i, j + 1):
            while k < len(inner) and inner[k][0] == index:
                items.append(inner[k][1])
                k += 1
            if index < j:
                items.append(self._elements[index])
        return LensTrain(items, name=self.name)

    def positions(self) -> dict:
        """Axial position (z, from the input plane) of every named plane.

        >>> from optics import Space, ThinLens
        >>> LensTrain(["a", Space(10), ThinLens(5), "b", Space(3)]).positions()
        {'input': <Quantity(0.0, 'millimeter')>, 'a': <Quantity(0.0, 'millimeter')>, 'b': <Quantity(10.0, 'millimeter')>, 'output': <Quantity(13.0, 'millimeter')>}
        """
        return {name: as_result(self._z(index), "mm") for name, index in self.planes.items()}

    def _z(self, index):
        return sympy.Add(*(e.length for e in self._elements[:index]))

    @property
    def length(self):
        """Total axial length of the train (mm)."""
        return as_result(self._z(len(self._elements)), "mm")

    # -- matrices ---------------------------------------------------------------
    def abcd(self, start="input", end="output") -> tuple:
        """Entries ``(A, B, C, D)`` of the matrix from plane *start* to *end*.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        i, j = self._span(start, end)
        return _product(self._elements[i:j])

    @property
    def matrix(self) -> sympy.ImmutableMatrix:
        """The 2x2 matrix of the whole train (immutable sympy matrix)."""
        return self.matrix_between()

    def matrix_between(self, start="input", end="output") -> sympy.ImmutableMatrix:
        """The 2x2 matrix from plane *start* to plane *end*.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        >>> from optics import Space, ThinLens
        >>> LensTrain(["a", Space(10), "b", ThinLens(10)]).matrix_between("a", "b")
        Matrix([
        [1, 10],
        [0,  1]])
        """
        a, b, c, d = self.abcd(start, end)
        return sympy.ImmutableMatrix([[a, b], [c, d]])

    def _index_at(self, index, side):
        if side == "in":
            return self._elements[index].n_in if index < len(self._elements) else (
                self._elements[-1].n_out if self._elements else sympy.Integer(1)
            )
        return self._elements[index - 1].n_out if index > 0 else (
            self._elements[0].n_in if self._elements else sympy.Integer(1)
        )

    def indices(self, start="input", end="output") -> tuple:
        """Refractive indices ``(n_in, n_out)`` at planes *start* and *end*.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        i, j = self._span(start, end)
        return self._index_at(i, "in"), self._index_at(j, "out")

    @property
    def free_symbols(self) -> frozenset:
        """All sympy symbols the train depends on."""
        out: set = set()
        for e in self._elements:
            out |= e.free_symbols
        return frozenset(out)

    @property
    def symbol_units(self) -> dict:
        """Base unit of each symbol that stands alone as an element parameter."""
        out: dict = {}
        for e in self._elements:
            out.update(e.symbol_units)
        return out

    def subs(self, values: dict) -> "LensTrain":
        """A new train with symbols replaced by values (numbers or Quantities).

        Parameters
        ----------
        values : dict
            Symbol (or name) to value; Quantities are converted to base units.

        Keys are sympy symbols or their names; Quantities are converted to the
        unit the symbol stands for.

        >>> import sympy
        >>> from optics import ThinLens, ureg
        >>> f = sympy.Symbol("f", positive=True)
        >>> LensTrain([ThinLens(f)]).subs({"f": 5 * ureg.cm})
        LensTrain([ThinLens(f=50)])
        """
        mapping = resolve_values(values, self.free_symbols, self.symbol_units, context="LensTrain.subs")
        items: list = []
        planes_at: dict = {}
        for plane_name, index in self._planes:
            planes_at.setdefault(index, []).append(plane_name)
        for i, e in enumerate(self._elements):
            items.extend(planes_at.get(i, []))
            items.append(e.subs(mapping) if e.free_symbols else e)
        items.extend(planes_at.get(len(self._elements), []))
        return LensTrain(items, name=self.name)

    # -- first-order properties -------------------------------------------------
    def _power_entry(self, start, end):
        a, b, c, d = self.abcd(start, end)
        if is_zero(c):
            raise AfocalError(
                f"LensTrain{self._tag()}: the section {start!r} -> {end!r} is afocal (C = 0), "
                f"so it has no focal length or focal points; its beam magnification is A = {a}"
            )
        return a, b, c, d

    def is_afocal(self, start="input", end="output") -> bool:
        """True if the section maps parallel rays to parallel rays (C = 0).

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        return is_zero(self.abcd(start, end)[2])

    def efl(self, start="input", end="output"):
        r"""Effective focal length :math:`f = -1/(n_\mathrm{out} C)` (mm).

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        >>> from optics import Space, ThinLens
        >>> LensTrain([ThinLens(100), Space(50), ThinLens(100)]).efl()
        <Quantity(66.6666667, 'millimeter')>
        """
        _, _, c, _ = self._power_entry(start, end)
        n_out = self.indices(start, end)[1]
        return as_result(cancel(-1 / (n_out * c)), "mm")

    def power(self, start="input", end="output"):
        r"""Optical power :math:`\Phi = -n_\mathrm{out} C` in diopters.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        _, _, c, _ = self.abcd(start, end)
        n_out = self.indices(start, end)[1]
        return as_result(cancel(-1000 * n_out * c), "dpt")

    def back_focal_distance(self, start="input", end="output"):
        """Distance from plane *end* to the back focal point, :math:`-A/C` (mm).

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        a, _, c, _ = self._power_entry(start, end)
        return as_result(cancel(-a / c), "mm")

    def front_focal_distance(self, start="input", end="output"):
        """Distance from the front focal point to plane *start*, :math:`-D/C` (mm).

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        """
        _, _, c, d = self._power_entry(start, end)
        return as_result(cancel(-d / c), "mm")

    def principal_planes(self, start="input", end="output") -> tuple:
        r"""Positions of the front and back principal planes (mm).

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        The front one is measured from plane *start*, the back one from plane
        *end*, both positive downstream.

        >>> from optics import ThickLens
        >>> LensTrain([ThickLens(100, h1=5, h2=-5)]).principal_planes()
        (<Quantity(5.0, 'millimeter')>, <Quantity(-5.0, 'millimeter')>)
        """
        a, _, c, d = self._power_entry(start, end)
        n_in, n_out = self.indices(start, end)
        return (
            as_result(cancel((d - n_in / n_out) / c), "mm"),
            as_result(cancel((1 - a) / c), "mm"),
        )

    def is_conjugate(self, start, end) -> bool:
        """True if plane *start* is imaged onto plane *end* (B = 0).

        Parameters
        ----------
        start, end : str
            The two planes.

        """
        return is_zero(self.abcd(start, end)[1])

    def magnification(self, start, end):
        """Lateral magnification A from plane *start* to its image at plane *end*.

        Parameters
        ----------
        start, end : str
            Planes (default the train's input and output).

        Raises
        ------
        NoFocusError
            If the planes are not conjugate (B is not zero).
        """
        a, b, _, _ = self.abcd(start, end)
        if not is_zero(b):
            raise NoFocusError(
                f"LensTrain{self._tag()}: planes {start!r} and {end!r} are not conjugate "
                f"(B = {b} mm, not 0); use image_distance() to find where {start!r} is imaged"
            )
        return a

    def image_distance(self, plane, after="output"):
        """Distance past plane *after* at which plane *plane* is imaged, :math:`-B/D`.

        Parameters
        ----------
        plane : str
            The object plane.
        after : str
            Plane the distance is measured from (default the output).

        Negative values mean a virtual image (before *after*).

        >>> from optics import Space, ThinLens
        >>> LensTrain(["obj", Space(150), ThinLens(100)]).image_distance("obj")
        <Quantity(300.0, 'millimeter')>
        """
        _, b, _, d = self.abcd(plane, after)
        if is_zero(d):
            raise NoFocusError(
                f"LensTrain{self._tag()}: plane {plane!r} is imaged to infinity after {after!r} (D = 0)"
            )
        return as_result(cancel(-b / d), "mm")

    def _names_at(self) -> dict:
        """Index -> plane name, preferring user names over input/output."""
        out: dict = {}
        for name, index in self.planes.items():
            if index not in out or out[index] in _RESERVED:
                out[index] = name
        return out

    def image_of(self, plane) -> ImageLocation | None:
        """Find the first real image of a plane downstream of it (numeric trains).

        Parameters
        ----------
        plane : str
            The object plane.

        Walks the train from *plane*; after each element the image lies at
        :math:`-B/D` past it, and it is real if that distance falls inside the
        free space that follows.

        Returns
        -------
        ImageLocation or None
            ``z`` (from the train input), the lateral ``magnification``, and
            ``plane``, the name of a plane exactly at the image (or None).
            None when the plane is not imaged inside the train.

        >>> from optics import Space, ThinLens
        >>> t = LensTrain(["scanner", Space(50), ThinLens(50), Space(250), ThinLens(200),
        ...                Space(200), "back_aperture", Space(10)])
        >>> image = t.image_of("scanner")
        >>> image.z, image.magnification, image.plane
        (<Quantity(500.0, 'millimeter')>, -4.0, 'back_aperture')
        """
        start = self._index(plane)
        if self.free_symbols:
            raise OpticsTypeError(
                f"LensTrain{self._tag()}.image_of needs a numeric train; substitute "
                + ", ".join(sorted(map(str, self.free_symbols)))
                + " first, or use image_distance() for a closed form"
            )
        names_at = self._names_at()
        m = _IDENTITY
        for k in range(start, len(self._elements)):
            element = self._elements[k]
            a, b, c, d = m
            if isinstance(element, Space) and not d.is_zero:
                s = -b / d
                if 0 <= s <= element.d and not (k == start and s == 0):
                    at = names_at.get(k) if s == 0 else names_at.get(k + 1) if s == element.d else None
                    return ImageLocation(as_result(self._z(k) + s, "mm"), float(a + s * c), at)
            m = matmul2(element.abcd, m)
        if m[1].is_zero and len(self._elements) > start:
            return ImageLocation(as_result(self._z(len(self._elements)), "mm"), float(m[0]), "output")
        return None

    # -- rays -------------------------------------------------------------------
    def trace(self, y, theta, start="input") -> list:
        """Trace the ray (height *y*, angle *theta*) from plane *start* on.

        Parameters
        ----------
        y : length
            Ray height (mm if a plain number).
        theta : angle
            Ray angle (rad if a plain number).
        start : str
            Plane where the ray is given.

        Returns
        -------
        list of RayPoint
            ``(z, label, y, theta)`` at *start* and after every element; the
            label is the plane name there, or the element's repr.

        >>> from optics import Space, ThinLens
        >>> rows = LensTrain([Space(100), ThinLens(100), Space(100), "focus"]).trace(1, 0)
        >>> [(r.label, r.y.magnitude) for r in rows]
        [('input', 1.0), ('Space(d=100, n=1)', 1.0), ('ThinLens(f=100)', 1.0), ('focus', 0.0)]
        """
        y0 = to_expr(y, "mm", name="LensTrain.trace: ray height y")
        t0 = to_expr(theta, "rad", name="LensTrain.trace: ray angle theta")
        i = self._index(start)
        names_at = self._names_at()
        rows = []
        z = self._z(i)
        ray = (y0, t0)

        def row(label):
            rows.append(RayPoint(as_result(z, "mm"), label, as_result(ray[0], "mm"), as_result(ray[1], "rad")))

        row(names_at.get(i, repr(self._elements[i - 1]) if i else "input"))
        for k in range(i, len(self._elements)):
            element = self._elements[k]
            a, b, c, d = element.abcd
            ray = (cancel(a * ray[0] + b * ray[1]), cancel(c * ray[0] + d * ray[1]))
            z = z + element.length
            row(names_at.get(k + 1, repr(element)))
        return rows
