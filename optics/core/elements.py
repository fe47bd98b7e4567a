r"""Paraxial optical elements as frozen values backed by 2x2 ABCD matrices.

Sign conventions (used throughout :mod:`optics`)
------------------------------------------------
* Light travels in the +z direction; elements are listed in the order light
  meets them.
* A ray is the column vector :math:`(y, \theta)`: height above the axis in mm
  and the *actual* angle to the axis in radians (positive when the ray climbs).
  With actual (not reduced) angles, :math:`\det M = n_\mathrm{in}/n_\mathrm{out}`.
* Distances are positive in the direction of light.  A converging lens has
  :math:`f > 0`.  A surface's radius :math:`R` is positive when its centre of
  curvature lies downstream (a convex first face of a biconvex lens has
  :math:`R_1 > 0`, its second face :math:`R_2 < 0`).
* Mirrors are unfolded: the train continues in +z after the mirror, and a
  concave (focusing) mirror has :math:`R > 0` and focal length :math:`R/2`.
* Lengths are in mm and optical powers in diopters (1/m) when given as plain
  numbers; pint Quantities of any compatible unit are converted once.

Every element holds sympy expressions, so numbers and symbols mix freely.

>>> import sympy
>>> from optics import ThinLens, Space
>>> ThinLens(50).matrix
Matrix([
[    1, 0],
[-1/50, 1]])
>>> f = sympy.Symbol("f", positive=True)
>>> ThinLens(f).matrix
Matrix([
[   1, 0],
[-1/f, 1]])
"""

from __future__ import annotations

import sympy

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.core.symbolic import cancel_entries, matmul2, to_expr

__all__ = [
    "Element",
    "Space",
    "ThinLens",
    "TunableLens",
    "ThickLens",
    "Interface",
    "Mirror",
    "ABCD",
]

_ONE = sympy.Integer(1)
_ZERO = sympy.Integer(0)


class Element:
    """Base class of all elements: a frozen, hashable value with an ABCD matrix.

    Subclasses declare their parameters in ``_PARAMS`` as
    ``(name, base unit, description)`` and compute ``_abcd()`` from them.
    Two elements are equal when they are of the same type with the same
    parameters and name.
    """

    __slots__ = ("_params", "name")
    _PARAMS: tuple = ()

    def __new__(cls, *args, name=None, **kwargs):
        if name is not None and not isinstance(name, str):
            raise OpticsTypeError(f"{cls.__name__}: name must be a string, got {name!r}")
        self = object.__new__(cls)
        object.__setattr__(self, "name", name)
        return self

    def _freeze(self, params: dict, name):
        object.__setattr__(self, "_params", tuple(params.items()))

    def _label(self) -> str:
        cls = type(self).__name__
        return f"{cls} {self.name!r}" if self.name else cls

    def _arg(self, value, param, **checks):
        unit, description = self._PARAM_INFO[param]
        return to_expr(value, unit, name=f"{self._label()}: {description} {param}", **checks)

    # -- the value protocol -------------------------------------------------
    def __setattr__(self, key, value):
        raise AttributeError(f"{type(self).__name__} is immutable; make a new element instead")

    def __delattr__(self, key):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self._params == other._params
            and self.name == other.name
        )

    def __hash__(self):
        return hash((type(self).__name__, self._params, self.name))

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self._params)
        if self.name:
            args += f", name={self.name!r}"
        return f"{type(self).__name__}({args})"

    def __getattr__(self, key):
        # Parameters read as attributes: ThinLens(50).f
        for k, v in object.__getattribute__(self, "_params"):
            if k == key:
                return v
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    # -- optics ---------------------------------------------------------------
    @property
    def params(self) -> dict:
        """Parameters as a dict of sympy expressions in base units."""
        return dict(self._params)

    @property
    def abcd(self) -> tuple:
        """The matrix entries ``(A, B, C, D)`` as sympy expressions."""
        return self._abcd()

    @property
    def matrix(self) -> sympy.ImmutableMatrix:
        """The 2x2 ray-transfer matrix (immutable sympy matrix)."""
        a, b, c, d = self._abcd()
        return sympy.ImmutableMatrix([[a, b], [c, d]])

    @property
    def n_in(self):
        """Refractive index on the input side (the medium of a thin element, default 1)."""
        return dict(self._params).get("n", _ONE)

    @property
    def n_out(self):
        """Refractive index on the output side (the medium of a thin element, default 1)."""
        return dict(self._params).get("n", _ONE)

    def _with_medium(self, params: dict, n) -> dict:
        """*params* plus the medium index *n* when it is not 1 (so reprs of elements in air stay short)."""
        value = self._arg(n, "n", positive=True)
        if value != _ONE:
            params["n"] = value
        return params

    @property
    def length(self):
        """Axial length the element occupies (mm); zero for thin elements."""
        return _ZERO

    @property
    def free_symbols(self) -> frozenset:
        """The sympy symbols the element depends on."""
        out = set()
        for _, v in self._params:
            out |= v.free_symbols
        return frozenset(out)

    @property
    def symbol_units(self) -> dict:
        """Map each parameter that is a bare symbol to its base unit."""
        return {
            v: self._PARAM_INFO[k][0] for k, v in self._params if isinstance(v, sympy.Symbol)
        }

    def subs(self, values: dict):
        """Return a new element with symbols replaced (values validated again).

        Parameters
        ----------
        values : dict
            Symbol (or name) to value.

        >>> f = sympy.Symbol("f", positive=True)
        >>> ThinLens(f, name="scan lens").subs({f: 50})
        ThinLens(f=50, name='scan lens')
        """
        params = {k: v.xreplace(values) if v.free_symbols else v for k, v in self._params}
        return type(self)(**params, name=self.name)


def _info(*entries):
    return {name: (unit, description) for name, unit, description in entries}


class Space(Element):
    r"""Free propagation over a distance *d* in a medium of index *n*.

    .. math:: M = \begin{pmatrix} 1 & d \\ 0 & 1 \end{pmatrix}

    Parameters
    ----------
    d : length
        Propagation distance (mm if a plain number).  Negative values are
        allowed (a virtual step backwards, as in a thick lens model).
    n : float, optional
        Refractive index of the medium (default 1).  With actual ray angles
        the matrix does not depend on *n*; it sets the index on both sides.
    name : str, optional
        Element name.

    Examples
    --------
    >>> Space(100).abcd
    (1, 100, 0, 1)
    """

    __slots__ = ()
    _PARAM_INFO = _info(("d", "mm", "distance"), ("n", "dimensionless", "refractive index"))

    def __init__(self, d, n=1, *, name=None):
        self._freeze({"d": self._arg(d, "d"), "n": self._arg(n, "n", positive=True)}, name)

    def _abcd(self):
        return (_ONE, self.d, _ZERO, _ONE)

    @property
    def n_in(self):
        return self.n

    @property
    def n_out(self):
        return self.n

    @property
    def length(self):
        return self.d


class ThinLens(Element):
    r"""An ideal thin lens of focal length *f* (in air).

    .. math:: M = \begin{pmatrix} 1 & 0 \\ -1/f & 1 \end{pmatrix}

    Parameters
    ----------
    f : length
        Focal length (mm if a plain number); positive for a converging lens.
        Must be non-zero and finite.  In a medium, the focal length there.
    n : float, optional
        Index of the medium the lens sits in (default 1, air): both sides.
    name : str, optional

    See Also
    --------
    ThinLens.from_power, TunableLens

    >>> ThinLens(200).power
    5
    """

    __slots__ = ()
    _PARAM_INFO = _info(("f", "mm", "focal length"), ("n", "dimensionless", "medium index"))

    def __init__(self, f, *, n=1, name=None):
        try:
            value = self._arg(f, "f", nonzero=True)
        except InvalidParameterError as err:
            raise InvalidParameterError(
                f"{self._label()}: focal length f must be non-zero and finite, got {f}"
            ) from err
        self._freeze(self._with_medium({"f": value}, n), name)

    @classmethod
    def from_power(cls, power, *, name=None):
        """Thin lens of optical power *power* in diopters (1/m).

        Parameters
        ----------
        power : optical power
            Power in dpt (1000 / f in mm).
        name : str, optional

        >>> ThinLens.from_power(20).f
        50
        """
        p = to_expr(power, "dpt", name=f"{cls.__name__}: optical power", nonzero=True)
        return cls(1000 / p, name=name)

    @property
    def power(self):
        """Optical power in diopters (1/m)."""
        return 1000 / self.f

    def _abcd(self):
        return (_ONE, _ZERO, -1 / self.f, _ONE)


class TunableLens(Element):
    r"""A thin lens of variable power, such as an electrically tunable lens.

    The element is the ETL together with an optional offset lens in contact;
    its total power is ``power + offset_power`` (diopters), which may be
    zero (the lens then acts as a flat plate).

    .. math:: M = \begin{pmatrix} 1 & 0 \\ -(P + P_\mathrm{off})/1000 & 1 \end{pmatrix}

    Parameters
    ----------
    power : optical power
        The tunable lens's power in diopters (1/m), often a sympy symbol.
    offset_power : optical power, optional
        Power of an offset lens in contact (default 0).
    n : float, optional
        Index of the medium it sits in (default 1).
    name : str, optional

    >>> P = sympy.Symbol("P", real=True)
    >>> TunableLens(P, offset_power=-2).abcd
    (1, 0, 1/500 - P/1000, 1)
    """

    __slots__ = ()
    _PARAM_INFO = _info(
        ("power", "dpt", "optical power"), ("offset_power", "dpt", "offset-lens power"),
        ("n", "dimensionless", "medium index"),
    )

    def __init__(self, power, offset_power=0, *, n=1, name=None):
        self._freeze(
            self._with_medium(
                {"power": self._arg(power, "power"), "offset_power": self._arg(offset_power, "offset_power")}, n),
            name,
        )

    @property
    def total_power(self):
        """Power of tunable lens plus offset lens, in diopters."""
        return self.power + self.offset_power

    def _abcd(self):
        return (_ONE, _ZERO, -self.total_power / 1000, _ONE)


class ThickLens(Element):
    r"""A thick lens (or any lens system in air) from its cardinal points.

    The matrix runs from the front vertex to the back vertex:

    .. math:: M = S(-h_2)\, L(f)\, S(h_1)

    where :math:`S` is free space, :math:`L` a thin lens, :math:`h_1` the
    position of the front principal plane measured from the front vertex and
    :math:`h_2` the position of the back principal plane measured from the back
    vertex (both positive downstream).

    Parameters
    ----------
    f : length
        Effective focal length (non-zero, finite).
    h1, h2 : length, optional
        Principal-plane positions (default 0: a thin lens).
    t : length, optional
        Vertex-to-vertex thickness (default 0); enters the axial length only.
    n : float, optional
        Index of the medium on both sides (default 1, air).
    name : str, optional

    See Also
    --------
    ThickLens.from_surfaces

    >>> ThickLens(100, h1=5, h2=-5).abcd
    (19/20, 39/4, -1/100, 19/20)
    """

    __slots__ = ()
    _PARAM_INFO = _info(
        ("f", "mm", "effective focal length"),
        ("h1", "mm", "front principal-plane position"),
        ("h2", "mm", "back principal-plane position"),
        ("t", "mm", "thickness"),
        ("n", "dimensionless", "medium index"),
    )

    def __init__(self, f, h1=0, h2=0, t=0, *, n=1, name=None):
        self._freeze(
            self._with_medium({
                "f": self._arg(f, "f", nonzero=True),
                "h1": self._arg(h1, "h1"),
                "h2": self._arg(h2, "h2"),
                "t": self._arg(t, "t"),
            }, n),
            name,
        )

    @classmethod
    def from_surfaces(cls, R1, R2, t, n, n_medium=1, *, name=None):
        r"""Thick lens from two surface radii, centre thickness and index.

        Parameters
        ----------
        R1, R2 : length
            Radii of curvature (positive: centre downstream; ``inf`` for flat).
        t : length
            Centre thickness.
        n : float
            Index of the glass.
        n_medium : float
            Index of the medium on both sides.
        name : str, optional

        Uses :math:`M = I(n, n_m, R_2)\, S(t)\, I(n_m, n, R_1)` and reads the
        focal length and principal planes off it.  ``R = inf`` gives a flat face.
        A singlet case of :meth:`from_prescription`.

        >>> lens = ThickLens.from_surfaces(100, -100, 10, 1.5)
        >>> lens.f, lens.h1, lens.h2
        (6000/59, 200/59, -200/59)
        """
        return cls.from_prescription((R1, R2), (t,), (n,), n_medium, name=name,
                                     _label=f"{cls.__name__}.from_surfaces")

    @classmethod
    def from_prescription(cls, radii, thicknesses, indices, n_medium=1, *, name=None, _label=None):
        r"""Thick lens from a prescription: singlet, cemented doublet, triplet ...

        Surfaces :math:`R_1 \ldots R_k` separate media of indices
        :math:`n_m, n_1, \ldots, n_{k-1}, n_m`; the centre thicknesses
        :math:`t_1 \ldots t_{k-1}` lie between them.  The vertex-to-vertex matrix

        .. math:: M = I(n_{k-1}, n_m, R_k)\, S(t_{k-1}) \cdots S(t_1)\, I(n_m, n_1, R_1)

        gives the effective focal length and the principal planes (see the
        class docstring); the element's thickness is :math:`\sum t_i`.

        Parameters
        ----------
        radii : sequence of length
            Surface radii in light order (mm if plain numbers), positive when the
            centre of curvature lies downstream; ``float('inf')`` for a flat face.
        thicknesses : sequence of length
            Centre thicknesses, one fewer than *radii*.
        indices : sequence of float or sympy expression
            Index of each glass, one per thickness.  Sympy expressions (an index
            as a function of a wavelength symbol) give a lens symbolic in it.
        n_medium : float, optional
            Index of the medium on both sides (default 1, air).
        name : str, optional

        Raises
        ------
        InvalidParameterError
            For mismatched lengths, non-positive indices or an afocal result.

        >>> doublet = ThickLens.from_prescription((50, -40, -200), (6, 2), (1.5, 1.7))
        >>> round(float(doublet.f), 3), doublet.t
        (117.115, 8)
        """
        label = _label or f"{cls.__name__}.from_prescription"
        radii, thicknesses, indices = tuple(radii), tuple(thicknesses), tuple(indices)
        if len(radii) < 2 or len(thicknesses) != len(radii) - 1 or len(indices) != len(thicknesses):
            raise InvalidParameterError(
                f"{label}: a prescription needs k >= 2 radii, k - 1 thicknesses and k - 1 indices; "
                f"got {len(radii)} radii, {len(thicknesses)} thicknesses, {len(indices)} indices"
            )
        nm = to_expr(n_medium, "dimensionless", name=f"{label}: medium index n_medium", positive=True)
        media = (nm,) + indices + (nm,)
        abcd = (_ONE, _ZERO, _ZERO, _ONE)
        for i, R in enumerate(radii):
            abcd = matmul2(Interface(media[i], media[i + 1], R).abcd, abcd)
            if i < len(thicknesses):
                abcd = matmul2(Space(thicknesses[i], media[i + 1]).abcd, abcd)
        a, b, c, d = abcd
        if c.is_zero:
            shown = ", ".join(f"{k}={v}" for k, v in zip(("R", "t", "n"), (radii, thicknesses, indices)))
            raise InvalidParameterError(f"{label}: {shown} make an afocal element (no focal length)")
        f, h1, h2 = cancel_entries((-1 / c, (d - 1) / c, (1 - a) / c))
        t = sum((to_expr(x, "mm", name=f"{label}: thickness") for x in thicknesses), _ZERO)
        return cls(f, h1, h2, t, n=nm, name=name)

    @property
    def length(self):
        return self.t

    def _abcd(self):
        return matmul2(
            (_ONE, -self.h2, _ZERO, _ONE),
            matmul2((_ONE, _ZERO, -1 / self.f, _ONE), (_ONE, self.h1, _ZERO, _ONE)),
        )


class Interface(Element):
    r"""Refraction at a flat or spherical surface from index *n1* into *n2*.

    .. math:: M = \begin{pmatrix} 1 & 0 \\ \frac{n_1 - n_2}{R\, n_2} & \frac{n_1}{n_2} \end{pmatrix}

    Parameters
    ----------
    n1, n2 : float
        Refractive indices before and after the surface (positive).
    R : length, optional
        Radius of curvature, positive when the centre lies downstream;
        ``float('inf')`` or ``sympy.oo`` (the default) for a flat surface.
    name : str, optional

    >>> Interface(1, 1.5, 50).abcd
    (1, 0, -1/150, 2/3)
    >>> Interface(1, 1.33).abcd
    (1, 0, 0, 100/133)
    """

    __slots__ = ()
    _PARAM_INFO = _info(
        ("n1", "dimensionless", "input index"),
        ("n2", "dimensionless", "output index"),
        ("R", "mm", "radius of curvature"),
    )

    def __init__(self, n1, n2, R=sympy.oo, *, name=None):
        self._freeze(
            {
                "n1": self._arg(n1, "n1", positive=True),
                "n2": self._arg(n2, "n2", positive=True),
                "R": self._arg(R, "R", nonzero=True, finite=False),
            },
            name,
        )

    @property
    def n_in(self):
        return self.n1

    @property
    def n_out(self):
        return self.n2

    def _abcd(self):
        c = _ZERO if self.R.is_infinite else (self.n1 - self.n2) / (self.R * self.n2)
        return (_ONE, _ZERO, c, self.n1 / self.n2)


class Mirror(Element):
    r"""A spherical mirror, unfolded (the train continues in +z).

    .. math:: M = \begin{pmatrix} 1 & 0 \\ -2/R & 1 \end{pmatrix}

    Parameters
    ----------
    R : length, optional
        Radius of curvature; positive for a concave (focusing) mirror.
        Infinite (the default) for a flat mirror such as a scan mirror.
    n : float, optional
        Index of the medium (default 1).
    name : str, optional

    >>> Mirror(200).abcd
    (1, 0, -1/100, 1)
    >>> Mirror(name="galvo").abcd
    (1, 0, 0, 1)
    """

    __slots__ = ()
    _PARAM_INFO = _info(("R", "mm", "radius of curvature"), ("n", "dimensionless", "medium index"))

    def __init__(self, R=sympy.oo, *, n=1, name=None):
        self._freeze(self._with_medium({"R": self._arg(R, "R", nonzero=True, finite=False)}, n), name)

    def _abcd(self):
        c = _ZERO if self.R.is_infinite else -2 / self.R
        return (_ONE, _ZERO, c, _ONE)


class ABCD(Element):
    r"""A generic element given by its matrix entries.

    .. math:: M = \begin{pmatrix} A & B \\ C & D \end{pmatrix}

    Parameters
    ----------
    A, D : float or expression
        Dimensionless diagonal entries.
    B : length
        mm.
    C : inverse length
        1/mm (pass plain numbers; a Quantity must have dimension 1/length).
    n_in, n_out : float, optional
        Indices on either side (default 1).  When all entries are numbers the
        determinant must equal ``n_in / n_out``.
    name : str, optional

    >>> ABCD(1, 0, -0.02, 1).abcd
    (1, 0, -1/50, 1)
    >>> ABCD(2, 0, 0, 2)
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: ABCD: determinant AD - BC = 4 must equal n_in/n_out = 1
    """

    __slots__ = ()
    _PARAM_INFO = _info(
        ("A", "dimensionless", "entry"),
        ("B", "mm", "entry"),
        ("C", "1/mm", "entry"),
        ("D", "dimensionless", "entry"),
        ("n_in", "dimensionless", "input index"),
        ("n_out", "dimensionless", "output index"),
    )

    def __init__(self, A, B, C, D, n_in=1, n_out=1, *, name=None):
        params = {k: self._arg(v, k) for k, v in zip("ABCD", (A, B, C, D))}
        params["n_in"] = self._arg(n_in, "n_in", positive=True)
        params["n_out"] = self._arg(n_out, "n_out", positive=True)
        self._freeze(params, name)
        det = sympy.cancel(params["A"] * params["D"] - params["B"] * params["C"])
        ratio = params["n_in"] / params["n_out"]
        if det.is_number and ratio.is_number and abs(float(det - ratio)) > 1e-12 * float(abs(ratio)):
            raise InvalidParameterError(
                f"{self._label()}: determinant AD - BC = {det} must equal n_in/n_out = {ratio}"
            )

    def _abcd(self):
        return (self.A, self.B, self.C, self.D)

    @property
    def n_in(self):
        return object.__getattribute__(self, "_params")[4][1]

    @property
    def n_out(self):
        return object.__getattribute__(self, "_params")[5][1]
