r"""Gaussian beams through lens trains: the complex beam parameter *q*.

Conventions
-----------
A beam is described at a reference plane by its complex beam parameter

.. math:: q = (z - z_w) + i z_R, \qquad
          \frac{1}{q} = \frac{1}{R} - i\,\frac{M^2 \lambda_0}{\pi n w^2}

where :math:`z - z_w` is the distance from the waist (negative before it),
:math:`\lambda_0` the *vacuum* wavelength, :math:`n` the index of the medium
the plane lies in, :math:`R` the actual radius of curvature of the wavefront
and :math:`w` the :math:`1/e^2` intensity radius.  The Rayleigh range is

.. math:: z_R = \frac{\pi n w_0^2}{M^2 \lambda_0}.

**ABCD law with index changes.**  The elements of :mod:`optics.core.elements`
act on rays :math:`(y, \theta)` with *actual* angles, so
:math:`\det M = n_\mathrm{in}/n_\mathrm{out}`.  The textbook law (Kogelnik &
Li 1966; Siegman, *Lasers*, ch. 15) is written for reduced angles
:math:`n\theta` and the reduced parameter :math:`\hat q = q/n`, with the
unimodular reduced matrix :math:`\hat M = \mathrm{diag}(1, n_\mathrm{out})\,
M\,\mathrm{diag}(1, 1/n_\mathrm{in})`:

.. math:: \hat q' = \frac{A \hat q + B/n_\mathrm{in}}
                         {n_\mathrm{out} C \hat q + n_\mathrm{out} D / n_\mathrm{in}} .

Multiplying by :math:`n_\mathrm{out}` and writing :math:`\hat q = q/n_\mathrm{in}`
every index cancels:

.. math:: q' = \frac{A q + B}{C q + D}

so in the actual-angle convention the ordinary law holds for
:math:`q = (z - z_w) + i\pi n w_0^2/(M^2\lambda_0)`.  A flat interface into
water (:math:`A = 1, B = C = 0, D = n_1/n_2`) multiplies *q* by
:math:`n_2/n_1`: the waist size is kept, the Rayleigh range and the distance
to the waist grow by :math:`n_2/n_1`.

With :math:`q = x + i y` (:math:`x, y` real) the law splits into real parts,
which is how it is computed here (no complex sympy algebra):

.. math:: x' = \frac{(A x + B)(C x + D) + A C y^2}{(C x + D)^2 + C^2 y^2}, \qquad
          y' = \frac{(AD - BC)\, y}{(C x + D)^2 + C^2 y^2}.

**M².**  A beam of quality factor :math:`M^2 \ge 1` is treated as the
*embedded Gaussian* scaled up: every formula is that of a Gaussian beam with
:math:`\lambda_0 \to M^2 \lambda_0` (so :math:`w^2` is :math:`M^2` times the
embedded Gaussian's at the same :math:`z_R`).  The Gouy phase reported is the
fundamental mode's.

**Paraxial.**  All of this is the paraxial (first-order) model of a beam
through ideal elements; aberrations and apertures are ignored.

Units: plain numbers are mm (lengths, including the wavelength); results are
Quantities (mm, wavefront curvature in dpt, phases in rad) for numeric beams
and sympy expressions in base units for symbolic ones.

>>> from optics import ureg, ThinLens, Space, LensTrain
>>> beam = GaussianBeam(920 * ureg.nm, waist=1 * ureg.mm)
>>> round(beam.rayleigh_range.to("m").magnitude, 3)
3.415
>>> focus = beam.propagate(LensTrain([ThinLens(100)])).waist_position
>>> round(focus.magnitude, 3)
99.914
"""

from __future__ import annotations

import math
from collections import namedtuple
from functools import lru_cache

import numpy as np
import sympy

from optics.core.elements import Element, Space
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.core.symbolic import cancel_entries, is_numeric, to_expr
from optics.core.trains import LensTrain
from optics.display import Table, format_value, repr_html, repr_latex, repr_markdown, with_unit
from optics.units import as_result, check_plain, is_quantity, quantity, to_magnitude

__all__ = ["GaussianBeam", "BeamEnvelope", "Waist", "waist_after_abcd", "collimated_focus_limit"]

#: Beam along a train, for plots: axial position (mm, from the start plane),
#: beam radius (mm), wavefront curvature 1/R (dpt), accumulated Gouy phase
#: (rad) and the medium index, each a 1-D array of the same length.
BeamEnvelope = namedtuple("BeamEnvelope", ["z", "w", "curvature", "gouy", "n"])

#: A beam waist: its distance past a plane (mm, positive downstream) and radius.
Waist = namedtuple("Waist", ["position", "radius"])

_PI = sympy.pi


def _real_law(abcd, x, y):
    """Apply q' = (Aq+B)/(Cq+D) to q = x + iy; return (x', y')."""
    a, b, c, d = abcd
    den = (c * x + d) ** 2 + c**2 * y**2
    return (a * x + b) * (c * x + d) + a * c * y**2, (a * d - b * c) * y, den


def waist_after_abcd(abcd, x, y):
    r"""Distance from the output plane to the waist, :math:`-\mathrm{Re}(q')`.

    Parameters
    ----------
    abcd : tuple
        Matrix entries ``(A, B, C, D)`` (sympy expressions or numbers).
    x, y : expression
        Real and imaginary parts of the input :math:`q`.

    .. math:: z_w' = -\frac{(A x + B)(C x + D) + A C y^2}{(C x + D)^2 + C^2 y^2}

    >>> waist_after_abcd((1, 0, -sympy.Rational(1, 100), 1), 0, 1000)
    10000/101
    """
    label = "waist_after_abcd"
    abcd = tuple(to_expr(v, u, name=f"{label}: {k}") for v, u, k in zip(abcd, ("dimensionless", "mm", "1/mm", "dimensionless"), "ABCD"))
    x = to_expr(x, "mm", name=f"{label}: Re(q)")
    y = to_expr(y, "mm", name=f"{label}: Im(q)", positive=True)
    num, _, den = _real_law(abcd, x, y)
    return sympy.cancel(-num / den)


@lru_cache(maxsize=1)
def collimated_focus_limit():
    r"""Derive the geometric focus as the limit of the Gaussian waist.

    A beam whose waist lies at the input plane has :math:`q = i z_R`; after a
    system :math:`(A, B, C, D)` its waist lies at

    .. math:: z_w = -\frac{BD + AC z_R^2}{D^2 + C^2 z_R^2}

    past the output plane.  For a collimated input (:math:`z_R \to \infty`)
    this tends to the back focal distance :math:`-A/C`.

    Returns
    -------
    (expr, limit, symbols)
        The waist distance, its limit (both sympy), and the symbols
        ``(A, B, C, D, z_R)`` they are written in.

    >>> expr, limit, (A, B, C, D, zR) = collimated_focus_limit()
    >>> limit
    -A/C
    """
    A, B, C, D = sympy.symbols("A B C D", real=True, nonzero=True)
    zR = sympy.Symbol("z_R", positive=True)
    expr = waist_after_abcd((A, B, C, D), 0, zR)
    return expr, sympy.limit(expr, zR, sympy.oo), (A, B, C, D, zR)


def _optic_abcd(optic, start, end):
    if isinstance(optic, Element):
        return optic.abcd, optic.n_in, optic.n_out
    if isinstance(optic, LensTrain):
        return optic.abcd(start, end), *optic.indices(start, end)
    raise OpticsTypeError(
        f"GaussianBeam.propagate: expected an element or a LensTrain, got {optic!r} ({type(optic).__name__})"
    )


class GaussianBeam:
    r"""A Gaussian (or embedded-Gaussian, :math:`M^2 \ge 1`) beam at a reference plane.

    Frozen: :meth:`propagate` returns a new beam at the new plane.

    Parameters
    ----------
    wavelength : length
        Vacuum wavelength (a Quantity such as ``920 * ureg.nm``; plain numbers are mm).
    waist : length
        Waist radius :math:`w_0` (:math:`1/e^2` intensity), positive.
    waist_position : length, optional
        Distance from the reference plane to the waist, positive when the
        waist lies downstream (default 0: the waist is at the plane).
    n : float, optional
        Index of the medium at the reference plane (default 1).
    m2 : float, optional
        Beam quality :math:`M^2 \ge 1` (default 1).

    Raises
    ------
    InvalidParameterError
        For a wavelength or waist that is not positive, :math:`M^2 < 1`, or
        :math:`n \le 0`.

    Examples
    --------
    >>> from optics import ureg
    >>> beam = GaussianBeam(1 * ureg.um, waist=0.1, waist_position=50)
    >>> beam.q
    <Quantity((-50+31.4159265j), 'millimeter')>
    >>> GaussianBeam(920 * ureg.nm, waist=1, m2=0.9)
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: GaussianBeam: beam quality M^2 must be at least 1, got 0.9
    """

    __slots__ = ("_lam", "_x", "_y", "_n", "_m2")

    def __init__(self, wavelength, waist, waist_position=0, n=1, m2=1):
        check_plain(wavelength, "mm", "wavelength", name="GaussianBeam: wavelength")
        lam = to_expr(wavelength, "mm", name="GaussianBeam: wavelength", nonzero=True, positive=True)
        if lam.is_number and not 1e-6 <= float(lam) <= 1.0:
            raise InvalidParameterError(
                f"GaussianBeam: wavelength {float(lam):g} mm is outside 1 nm to 1 mm; plain numbers are mm, "
                "so pass a Quantity such as 920 * ureg.nm"
            )
        w0 = to_expr(waist, "mm", name="GaussianBeam: waist radius", nonzero=True, positive=True)
        zw = to_expr(waist_position, "mm", name="GaussianBeam: waist position")
        n = to_expr(n, "dimensionless", name="GaussianBeam: medium index n", nonzero=True, positive=True)
        m2 = self._check_m2(m2)
        self._set(lam, -zw, _PI * n * w0**2 / (m2 * lam), n, m2)

    @staticmethod
    def _check_m2(m2):
        m2 = to_expr(m2, "dimensionless", name="GaussianBeam: beam quality M^2", positive=True)
        if m2.is_number and m2 < 1:
            raise InvalidParameterError(f"GaussianBeam: beam quality M^2 must be at least 1, got {float(m2):g}")
        return m2

    def _set(self, lam, x, y, n, m2):
        for key, value in zip(self.__slots__, (lam, x, y, n, m2)):
            object.__setattr__(self, key, value)

    @classmethod
    def _from_q(cls, lam, x, y, n, m2):
        self = object.__new__(cls)
        self._set(lam, x, y, n, m2)
        return self

    @classmethod
    def from_q(cls, q, wavelength, n=1, m2=1):
        """A beam from its complex beam parameter *q* (mm) at the reference plane.

        Parameters
        ----------
        q : complex or Quantity
            Complex beam parameter at the reference plane (mm).
        wavelength : length
            Vacuum wavelength (mm if a number).
        n : float
            Index of the medium.
        m2 : float
            Beam quality factor :math:`M^2`.

        >>> GaussianBeam.from_q(complex(-10, 500), 0.001).waist_position
        <Quantity(10.0, 'millimeter')>
        """
        if is_quantity(q):
            q = to_magnitude(q, "mm", name="GaussianBeam.from_q: q")
        if isinstance(q, sympy.Basic):
            x, y = (sympy.cancel(part) for part in sympy.expand_complex(q).as_real_imag())
        elif isinstance(q, (int, float, complex)):
            x, y = complex(q).real, complex(q).imag
            x = to_expr(x, "mm", name="GaussianBeam.from_q: Re(q)")
            y = to_expr(y, "mm", name="GaussianBeam.from_q: Im(q)")
        else:
            raise OpticsTypeError(f"GaussianBeam.from_q: q must be a complex number or expression, got {q!r}")
        if y.is_positive is False:
            raise InvalidParameterError(f"GaussianBeam.from_q: Im(q) is the Rayleigh range and must be positive, got {y}")
        check_plain(wavelength, "mm", "wavelength", name="GaussianBeam.from_q: wavelength")
        lam = to_expr(wavelength, "mm", name="GaussianBeam: wavelength", nonzero=True, positive=True)
        n = to_expr(n, "dimensionless", name="GaussianBeam: medium index n", positive=True)
        return cls._from_q(lam, x, y, n, cls._check_m2(m2))

    # -- value protocol -----------------------------------------------------------
    def __setattr__(self, key, value):
        raise AttributeError("GaussianBeam is immutable; propagate() returns a new beam")

    def __eq__(self, other):
        return isinstance(other, GaussianBeam) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    def __hash__(self):
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self):
        if self.free_symbols:
            return (
                f"GaussianBeam(wavelength={self._lam} mm, q={self._x} + {self._y}*I mm, "
                f"n={self._n}, m2={self._m2})"
            )
        return (
            f"GaussianBeam(wavelength={format_value(self.wavelength)}, waist={format_value(self.waist)}, "
            f"waist_position={format_value(self.waist_position)}, z_R={format_value(self.rayleigh_range)}, "
            f"n={format_value(self.n)}, m2={format_value(self.m2)})"
        )

    def _display_tables(self):
        rows = [
            ("wavelength λ₀ (vacuum)", with_unit(self.wavelength, "mm")),
            ("waist radius w₀ (1/e²)", with_unit(self.waist, "mm")),
            ("waist position (past this plane)", with_unit(self.waist_position, "mm")),
            ("Rayleigh range z_R", with_unit(self.rayleigh_range, "mm")),
            ("beam radius w here", with_unit(self.w(), "mm")),
            ("far-field half-angle θ", with_unit(self.divergence, "rad")),
            ("complex beam parameter q", with_unit(self.q, "mm")),
            ("medium index n", self.n),
            ("beam quality M²", self.m2),
        ]
        return [Table(rows, header=("", "value"), title="Gaussian beam")]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex

    # -- parameters ---------------------------------------------------------------
    @property
    def free_symbols(self) -> frozenset:
        """Symbols the beam depends on."""
        out = set()
        for k in self.__slots__:
            out |= getattr(self, k).free_symbols
        return frozenset(out)

    @property
    def wavelength(self):
        """Vacuum wavelength (nm)."""
        out = as_result(self._lam, "mm")
        return out.to("nm") if is_quantity(out) else out

    @property
    def n(self):
        """Index of the medium at the reference plane."""
        return float(self._n) if self._n.is_number else self._n

    @property
    def m2(self):
        """Beam quality factor :math:`M^2`."""
        return float(self._m2) if self._m2.is_number else self._m2

    @property
    def q(self):
        """Complex beam parameter :math:`q = (z - z_w) + i z_R` at the reference plane (mm)."""
        return as_result(self._x + sympy.I * self._y, "mm")

    @property
    def rayleigh_range(self):
        r"""Rayleigh range :math:`z_R = \pi n w_0^2/(M^2\lambda_0) = \mathrm{Im}\,q` (mm)."""
        return as_result(self._y, "mm")

    @property
    def waist_position(self):
        r"""Distance from the reference plane to the waist, :math:`-\mathrm{Re}\,q` (mm)."""
        return as_result(-self._x, "mm")

    def _w0_sq(self):
        return self._m2 * self._lam * self._y / (_PI * self._n)

    @property
    def waist(self):
        r"""Waist radius :math:`w_0 = \sqrt{M^2 \lambda_0 z_R/(\pi n)}` (mm)."""
        return as_result(sympy.sqrt(self._w0_sq()), "mm")

    @property
    def divergence(self):
        r"""Far-field half-angle :math:`\theta = w_0/z_R` (rad, in the medium)."""
        return as_result(sympy.sqrt(self._w0_sq()) / self._y, "rad")

    # -- along the beam -------------------------------------------------------------
    def _numeric_params(self):
        return float(self._x), float(self._y), float(self._w0_sq())

    def _evaluate(self, z, fn, unit, what):
        symbolic = isinstance(z, sympy.Basic) or not is_numeric(self._x + self._y + self._w0_sq())
        if symbolic:
            zz = to_expr(z, "mm", name=f"GaussianBeam.{what}: z")
            return as_result(sympy.cancel(fn(zz + self._x, self._y, self._w0_sq(), sympy)), unit)
        if isinstance(z, (str, bytes)):
            raise OpticsTypeError(f"GaussianBeam.{what}: z must be a length, got the string {z!r}")
        zz = np.asarray(to_magnitude(z, "mm", name=f"GaussianBeam.{what}: z"), dtype=float)
        x, y, w0sq = self._numeric_params()
        out = fn(zz + x, y, w0sq, np)
        return quantity(out[()] if np.ndim(out) == 0 else out, unit)

    def w(self, z=0):
        r"""Beam radius :math:`w = w_0\sqrt{1 + (u/z_R)^2}` at distance *z* past the plane (mm).

        Parameters
        ----------
        z : length, array or Quantity
            Distance past the reference plane (mm if a number).

        *u* is the distance from the waist.  *z* may be an array or a Quantity.

        >>> GaussianBeam(0.001, waist=0.1).w([0, 31.41592653589793]).magnitude.round(5).tolist()
        [0.1, 0.14142]
        """
        return self._evaluate(z, lambda u, y, w0sq, m: m.sqrt(w0sq * (1 + (u / y) ** 2)), "mm", "w")

    def curvature(self, z=0):
        r"""Wavefront curvature :math:`1/R = u/(u^2 + z_R^2)` at distance *z* (dpt).

        Parameters
        ----------
        z : length, array or Quantity
            Distance past the reference plane (mm if a number).

        Zero at the waist; positive for a diverging beam (centre of curvature upstream).
        """
        return self._evaluate(z, lambda u, y, w0sq, m: 1000 * u / (u**2 + y**2), "dpt", "curvature")

    def R(self, z=0):
        r"""Wavefront radius of curvature :math:`R = u + z_R^2/u` (mm); infinite at the waist.

        Parameters
        ----------
        z : length, array or Quantity
            Distance past the reference plane (mm if a number).

        """
        if isinstance(z, sympy.Basic) or not self._x.is_number:
            return self._evaluate(z, lambda u, y, w0sq, m: u + y**2 / u, "mm", "R")
        k = self.curvature(z).magnitude
        with np.errstate(divide="ignore"):
            r = np.where(k == 0, np.inf, 1000 / np.where(k == 0, 1, k))
        return quantity(r[()] if np.ndim(r) == 0 else r, "mm")

    def gouy(self, z=0):
        r"""Gouy phase :math:`\psi = \arctan(u/z_R)` relative to the waist (rad).

        Parameters
        ----------
        z : length, array or Quantity
            Distance past the reference plane (mm if a number).

        """
        return self._evaluate(z, lambda u, y, w0sq, m: m.atan(u / y) if m is sympy else np.arctan(u / y), "rad", "gouy")

    # -- through optics -------------------------------------------------------------------
    def propagate(self, optic, start="input", end="output"):
        """The beam after an element or train (from plane *start* to plane *end*).

        Parameters
        ----------
        optic : Element or LensTrain
        start, end : str
            Planes of the train; the beam is given at *start*.

        Returns
        -------
        GaussianBeam
            Referenced to plane *end*, in that plane's medium.

        Raises
        ------
        OpticsValueError
            If the beam's medium index differs from the train's input index.

        >>> from optics import Interface
        >>> beam = GaussianBeam(0.001, waist=0.1, waist_position=10)
        >>> water = beam.propagate(Interface(1, 1.33))
        >>> round(water.waist_position.magnitude, 6), round(water.waist.magnitude, 6)
        (13.3, 0.1)
        """
        abcd, n_in, n_out = _optic_abcd(optic, start, end)
        diff = sympy.cancel(self._n - n_in)
        if diff.is_number and diff != 0:
            raise OpticsValueError(
                f"GaussianBeam.propagate: the beam is in a medium of index {self.n}, "
                f"but the optic starts in index {n_in}; add an Interface or set n"
            )
        num, imag, den = _real_law(abcd, self._x, self._y)
        x, y = cancel_entries((num / den, imag / den))
        return GaussianBeam._from_q(self._lam, x, y, n_out, self._m2)

    def waist_after(self, optic, start="input", end="output") -> Waist:
        """Where the beam's waist lies after the optic, and its radius.

        Parameters
        ----------
        optic : Element or LensTrain
        start, end : str
            Planes of the train (default its input and output).

        Solves :math:`\\mathrm{Re}\\, q(z) = 0` past plane *end*.

        >>> from optics import ThinLens
        >>> w = GaussianBeam(0.001, waist=1).waist_after(ThinLens(100))
        >>> round(w.position.magnitude, 4), round(w.radius.to("um").magnitude, 3)
        (99.8988, 31.815)
        """
        beam = self.propagate(optic, start, end)
        return Waist(beam.waist_position, beam.waist)

    def _numeric_elements(self, train, start, end):
        if not isinstance(train, LensTrain):
            train = LensTrain([train]) if isinstance(train, Element) else train
        if not isinstance(train, LensTrain):
            raise OpticsTypeError(f"GaussianBeam: expected a LensTrain, got {train!r}")
        if train.free_symbols or self.free_symbols:
            raise OpticsTypeError(
                "GaussianBeam: a numeric beam and train are needed here; substitute "
                + ", ".join(sorted(str(s) for s in train.free_symbols | self.free_symbols))
            )
        section = train.section(start, end)
        return [(e, tuple(complex(v) for v in e.abcd), float(e.n_out)) for e in section.elements]

    def gouy_shift(self, train, start="input", end="output"):
        r"""Gouy phase accumulated through a numeric train (rad).

        Parameters
        ----------
        train : LensTrain
            A numeric train.
        start, end : str
            Planes of the train (default its input and output).

        Each element adds :math:`-\arg(A + B/q)`; a free space of length *d*
        adds :math:`\arctan(u_2/z_R) - \arctan(u_1/z_R)`, so a beam going
        through a focus gains nearly :math:`\pi`.

        >>> from optics import LensTrain, Space
        >>> beam = GaussianBeam(0.001, waist=0.01, waist_position=50)
        >>> round(beam.gouy_shift(LensTrain([Space(100)])).magnitude, 4)
        3.129
        """
        return quantity(float(self.envelope(train, start, end, points=2).gouy.magnitude[-1]), "rad")

    def envelope(self, train, start="input", end="output", points=400) -> BeamEnvelope:
        """Beam radius, curvature and Gouy phase along a numeric train, for plots.

        Parameters
        ----------
        train : LensTrain
            A numeric train.
        start, end : str
            Planes of the train (default its input and output).
        points : int
            Number of samples (about).

        Every free space is sampled (points shared in proportion to length,
        at least two per space, including both ends); thin elements appear as
        two samples at the same *z*.

        Returns
        -------
        BeamEnvelope
            Quantity arrays ``z`` (mm from plane *start*), ``w`` (mm),
            ``curvature`` (dpt), ``gouy`` (rad) and the index ``n``.

        >>> from optics import LensTrain, Space, ThinLens
        >>> env = GaussianBeam(0.001, waist=1).envelope(LensTrain([Space(50), ThinLens(100), Space(200)]))
        >>> env.z.magnitude[[0, -1]].tolist(), round(float(env.w.magnitude[-1]), 4)
        ([0.0, 250.0], 1.0011)
        """
        if not isinstance(points, int) or points < 2:
            raise InvalidParameterError(f"GaussianBeam.envelope: points must be an integer >= 2, got {points!r}")
        elements = self._numeric_elements(train, start, end)
        lam, m2 = float(self._lam), float(self._m2)
        total = sum(abs(float(e.d)) for e, _, _ in elements if isinstance(e, Space)) or 1.0
        q = complex(float(self._x), float(self._y))
        n = float(self._n)
        z0, phase = 0.0, 0.0
        zs, ws, ks, gs, ns = [], [], [], [], []

        def sample(u_offsets, q_start, n_here, z_start, phase_start):
            qs = q_start + u_offsets
            inv = 1 / qs
            zs.append(z_start + u_offsets)
            ws.append(np.sqrt(-m2 * lam / (math.pi * n_here * inv.imag)))
            ks.append(1000 * inv.real)
            gs.append(phase_start + np.arctan(qs.real / qs.imag) - math.atan(q_start.real / q_start.imag))
            ns.append(np.full(len(u_offsets), n_here))

        sample(np.zeros(1), q, n, z0, phase)
        for element, (a, b, c, d), n_out in elements:
            if isinstance(element, Space):
                d_len = float(element.d)
                k = max(2, int(round(points * abs(d_len) / total)))
                sample(np.linspace(0.0, d_len, k)[1:], q, n, z0, phase)
                phase += math.atan((q.real + d_len) / q.imag) - math.atan(q.real / q.imag)
                q, z0 = q + d_len, z0 + d_len
            else:
                phase += -np.angle(a + b / q)
                q = (a * q + b) / (c * q + d)
                n = n_out
                z0 += float(element.length)
                sample(np.zeros(1), q, n, z0, phase)
        cat = np.concatenate
        return BeamEnvelope(
            quantity(cat(zs), "mm"), quantity(cat(ws), "mm"), quantity(cat(ks), "dpt"),
            quantity(cat(gs), "rad"), cat(ns),
        )

