r"""Remote focusing with an electrically tunable lens (ETL), derived from the lens train.

The reference post (section 3) puts an ETL in a plane conjugate to the
objective's back focal plane, behind two relays, a resonant and a galvo
scanner, a scan lens and a tube lens, multiplies the ABCD matrices of the whole
path and finds the focus where :math:`\mathrm{Re}\,q = 0`.  This module builds
that train (:func:`remote_focus_train`), derives the axial focus shift from it
in closed form (:func:`focus_shift_expr`), and wraps a numeric design in
:class:`RemoteFocus` (z-range of an ETL part, linearity, FOV scale, fast sweeps).

Conventions
-----------
* ``P`` (:data:`POWER`) is the ETL's own power in diopters; an offset lens in
  contact adds ``offset_power``.  The total power is :math:`P + P_\mathrm{off}`
  and :math:`f_\mathrm{ETL} = 1000/(P + P_\mathrm{off})` mm.
* The objective is a thin lens of effective focal length :math:`f_o` in air
  on its input side, followed at once by a flat interface into the immersion
  medium of index *n*.  Its back focal length in the medium is then
  :math:`n f_o` (the usual :math:`f'/f = n'/n` of a lens between two media).
  The train ends at ``"focal_plane"``, the nominal focus :math:`n f_o` past
  the objective, where a collimated beam focuses when the ETL's total power is
  zero.
* The focus shift *z* is the distance (in the sample, positive away from the
  objective) from that nominal focus to the focus at power *P*, minus the same
  at the reference power (total ETL power zero):
  :math:`z(P) = z_f(P) - z_f(P_\mathrm{ref})`.  For a collimated input the
  focus :math:`z_f` is the back focal distance :math:`-A/C` of the train (the
  :math:`z_R \to \infty` limit of the Gaussian waist, see
  :func:`optics.core.beams.collimated_focus_limit`); with a :class:`GaussianBeam`
  it is the waist, where :math:`\mathrm{Re}\,q = 0`.
* ``conjugate_offset`` :math:`\Delta` places the plane the scanners and the ETL
  are imaged to :math:`\Delta` past the objective's back focal plane (towards
  the objective): 0 for the back focal plane, :math:`f_o` for the principal
  plane.  ``etl_offset`` :math:`d_e` moves the ETL :math:`d_e` downstream
  (towards the first relay lens) from the conjugate plane.

Derived closed form (checked against the train in the tests): with
:math:`k = \prod_i (f_{i,1}/f_{i,2}) \cdot f_s/f_t` (the relays, then scan
and tube lens) and :math:`\phi = (P + P_\mathrm{off})/1000` mm⁻¹,

.. math:: z = -\frac{n f_o^2 k^2 \phi}{1 + \Delta k^2 \phi + d_e \phi}

which for :math:`\Delta = d_e = 0`, :math:`n = 1` is the post's
:math:`z = -f_o^2 f_s^2 f_{r1}^2 f_{r3}^2/(f_\mathrm{ETL} f_t^2 f_{r2}^2 f_{r4}^2)`.
For a Gaussian input beam whose waist sits anywhere upstream of the ETL, the
waist shift is the same when :math:`\Delta = d_e = 0` (exactly, paraxially).

>>> from optics import ureg
>>> rf = RemoteFocus(f_o=12.5, f_t=200, f_s=50, relays=[(100, 50), (50, 75)])
>>> rf.z(2 * ureg.dpt).to("um").round(3)
<Quantity(-34.722, 'micrometer')>
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import sympy

from optics.core.beams import GaussianBeam, waist_after_abcd
from optics.core.compile import compile_expr
from optics.core.elements import Interface, Mirror, Space, ThinLens, TunableLens
from optics.errors import (
    InvalidParameterError,
    NoFocusError,
    NonFiniteResultError,
    OpticsTypeError,
    OpticsValueError,
)
from optics.microscope.parts import TunableLensPart
from optics.core.symbolic import to_expr
from optics.core.trains import LensTrain
from optics.units import quantity, to_magnitude

__all__ = [
    "POWER",
    "remote_focus_train",
    "focus_distance_expr",
    "focus_shift_expr",
    "fov_scale_expr",
    "linearity",
    "RemoteFocus",
    "ZRange",
    "Linearity",
]

#: The ETL's own optical power (diopters), the free symbol of the closed forms.
POWER = sympy.Symbol("P", real=True)

#: z at the two ends of an ETL power range and the span (absolute difference), in um.
ZRange = namedtuple("ZRange", ["z_at_min", "z_at_max", "span"])

#: Deviation of a transfer curve from its least-squares line: the largest
#: deviation (um), that deviation in percent of the z span, and the line's
#: slope (um/dpt) and intercept (um).
Linearity = namedtuple("Linearity", ["max_deviation", "percent", "slope", "intercept"])


# -- building the train ---------------------------------------------------------------
def remote_focus_train(
    f_o, f_t, f_s, relays=(), *, power=POWER, offset_power=0, n=1,
    conjugate_offset=0, etl_offset=0, scanners=None, name="remote focus",
) -> LensTrain:
    r"""The remote-focus path: ETL, relays with scanners, scan lens, tube lens, objective.

    Every relay is a 4f pair :math:`(f_1, f_2)` (ETL side first) with a flat
    scan mirror at its output focal plane; the last scanner sits at the front
    focal plane of the scan lens, and scan lens and tube lens form a 4f pair
    imaging it :math:`f_t` past the tube lens (plane ``"pupil_image"``).

    Parameters
    ----------
    f_o, f_t, f_s : length
        Objective EFL, tube lens and scan lens focal lengths (mm).
    relays : sequence of (f1, f2)
        Relay lens pairs in light order (ETL side first); may be empty.
    power : optical power, optional
        ETL power (dpt); by default the symbol :data:`POWER`.
    offset_power : optical power, optional
        Offset lens in contact with the ETL (dpt).
    n : float, optional
        Immersion index after the objective.
    conjugate_offset : length, optional
        :math:`\Delta`: the pupil image lies :math:`\Delta` past the objective's
        back focal plane (0: conjugate to it; ``f_o``: to the principal plane).
    etl_offset : length, optional
        :math:`d_e`: the ETL moved this far downstream of its conjugate plane.
    scanners : sequence of str, optional
        Plane names after each relay; default ``("resonant", "galvo")`` for
        two relays, ``("galvo",)`` for one, ``scanner1``... otherwise.

    Returns
    -------
    LensTrain
        With planes ``"etl"``, the scanners, ``"pupil_image"``,
        ``"objective"`` and ``"focal_plane"``.

    >>> t = remote_focus_train(12.5, 200, 50, [(100, 50), (50, 75)])
    >>> len(t), list(t.planes)
    (22, ['input', 'etl', 'resonant', 'galvo', 'pupil_image', 'objective', 'focal_plane', 'output'])
    """
    relays = tuple(relays)
    for i, pair in enumerate(relays):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise OpticsTypeError(f"remote_focus_train: relay {i + 1} must be a pair (f1, f2), got {pair!r}")
    if scanners is None:
        scanners = {1: ("galvo",), 2: ("resonant", "galvo")}.get(
            len(relays), tuple(f"scanner{i + 1}" for i in range(len(relays)))
        )
    scanners = tuple(scanners)
    if len(scanners) != len(relays):
        raise OpticsValueError(
            f"remote_focus_train: {len(relays)} relay(s) need {len(relays)} scanner name(s), got {scanners!r}"
        )
    de = to_expr(etl_offset, "mm", name="remote_focus_train: ETL offset d_e")
    delta = to_expr(conjugate_offset, "mm", name="remote_focus_train: conjugate offset Delta")
    n = to_expr(n, "dimensionless", name="remote_focus_train: immersion index n", positive=True)
    items: list = ["etl", TunableLens(power, offset_power, name="ETL")]
    lead = de  # the ETL sits d_e past the front focal plane of the next lens
    for i, ((f1, f2), scanner) in enumerate(zip(relays, scanners)):
        l1 = ThinLens(f1, name=f"relay {i + 1} lens 1")
        l2 = ThinLens(f2, name=f"relay {i + 1} lens 2")
        items += [Space(l1.f - lead), l1, Space(l1.f + l2.f), l2, Space(l2.f), scanner, Mirror(name=scanner)]
        lead = 0
    scan, tube = ThinLens(f_s, name="scan lens"), ThinLens(f_t, name="tube lens")
    objective = ThinLens(f_o, name="objective")
    items += [
        Space(scan.f - lead), scan, Space(scan.f + tube.f), tube, Space(tube.f), "pupil_image",
        Space(objective.f - delta), "objective", objective, Interface(1, n, name="immersion"),
        Space(n * objective.f, n), "focal_plane",
    ]
    return LensTrain(items, name=name)


# -- fast exact products ----------------------------------------------------------------
def _focus_from_abcd(abcd, beam, label):
    a, _, c, _ = abcd
    if beam is None:
        if c.is_zero:
            raise NoFocusError(
                f"{label}: the train is afocal (C = 0), so a collimated beam has no finite focus"
            )
        return sympy.cancel(-a / c)
    if not isinstance(beam, GaussianBeam):
        raise OpticsTypeError(f"{label}: beam must be a GaussianBeam or None, got {beam!r}")
    return waist_after_abcd(abcd, beam._x, beam._y)


def focus_distance_expr(train: LensTrain, *, beam=None, start="input", end="output"):
    r"""Distance from plane *end* to the focus, as a sympy expression (mm).

    Collimated input (``beam=None``): the back focal distance :math:`-A/C`.
    With a :class:`~optics.core.beams.GaussianBeam` given at plane *start*: the
    waist, where :math:`\mathrm{Re}\,q = 0`.

    Raises
    ------
    NoFocusError
        For an afocal train and a collimated input.

    >>> f = sympy.Symbol("f", positive=True)
    >>> focus_distance_expr(LensTrain([ThinLens(f), Space(f / 2)]))
    f/2
    """
    return _focus_from_abcd(train.abcd(start, end), beam, "focus_distance_expr")


def _reference_power(train, power):
    etls = [e for e in train.elements if isinstance(e, TunableLens) and power in e.free_symbols]
    if len(etls) == 1 and etls[0].power == power:
        return -etls[0].offset_power
    return sympy.Integer(0)


def focus_shift_expr(train: LensTrain, power=POWER, *, beam=None, reference=None, start="input", end="output"):
    r"""Closed-form axial focus shift :math:`z(P) = z_f(P) - z_f(P_\mathrm{ref})` (mm).

    Parameters
    ----------
    train : LensTrain
        Any train holding a :class:`~optics.core.elements.TunableLens` of power *power*.
    power : sympy.Symbol
        The ETL power symbol (dpt).
    beam : GaussianBeam, optional
        Input beam at plane *start*; default a collimated beam (geometric focus).
    reference : optical power, optional
        Power at which z = 0; default the power where the ETL's total power is
        zero (minus its offset power).
    start, end : str
        Planes; the shift is measured along the axis after *end*.

    Raises
    ------
    NoFocusError
        If the train has no finite focus at the reference power or at all.

    >>> f, P = sympy.Symbol("f", positive=True), POWER
    >>> focus_shift_expr(LensTrain([TunableLens(P), Space(f), ThinLens(f), Space(f)]))
    -P*f**2/1000
    """
    if not isinstance(power, sympy.Symbol):
        raise OpticsTypeError(f"focus_shift_expr: power must be a sympy Symbol, got {power!r}")
    abcd = train.abcd(start, end)
    if power not in set().union(*(getattr(v, "free_symbols", set()) for v in abcd)):
        raise OpticsValueError(f"focus_shift_expr: the train does not depend on the ETL power {power}")
    focus = _focus_from_abcd(abcd, beam, "focus_shift_expr")
    ref = _reference_power(train, power) if reference is None else to_expr(
        reference, "dpt", name="focus_shift_expr: reference power"
    )
    num, den = sympy.fraction(focus)
    if sympy.cancel(den.xreplace({power: ref})).is_zero:
        raise NoFocusError(f"focus_shift_expr: no finite focus at the reference power P = {ref} dpt")
    return sympy.cancel(focus - focus.xreplace({power: ref}))


def fov_scale_expr(train: LensTrain, scanner: str, power=POWER, *, beam=None):
    r"""Lateral scan scale at the focus, :math:`dy/d\theta = B + z_f D` (mm/rad).

    *B* and *D* are the matrix entries from the scanner plane to the end of
    the train and :math:`z_f` is the focus distance past it; a ray leaving the
    scanner on axis at angle :math:`\theta` lands :math:`(B + z_f D)\theta`
    off axis in the plane of the focus.  When the scanner is imaged to the
    objective's back focal plane (telecentric, :math:`D = 0`) the scale does
    not depend on the ETL power.

    >>> rf = remote_focus_train(12.5, 200, 50, [(100, 50)], conjugate_offset=12.5)
    >>> sympy.factor(fov_scale_expr(rf, "galvo"))
    -1000/(P + 320)
    """
    _, b, _, d = train.abcd(scanner, "output")
    focus = _focus_from_abcd(train.abcd(), beam, "fov_scale_expr")
    return sympy.cancel(b + focus * d)


# -- linearity --------------------------------------------------------------------------
def linearity(power, z) -> Linearity:
    r"""Deviation of a transfer curve from its least-squares straight line.

    Parameters
    ----------
    power : array or Quantity
        ETL powers (dpt).
    z : array or Quantity
        Focus shifts (um if plain numbers).

    Returns
    -------
    Linearity
        ``max_deviation`` (um), ``percent`` (of the span of *z*), ``slope``
        (um/dpt), ``intercept`` (um).

    .. math:: \delta = \max_i |z_i - (a P_i + b)|, \qquad
              \text{percent} = 100\,\delta/(\max z - \min z)

    >>> linearity([-1, 0, 1], [1, 0, 1]).max_deviation.round(4)
    <Quantity(0.6667, 'micrometer')>
    """
    p = np.asarray(to_magnitude(power, "dpt", name="linearity: power"), dtype=float).ravel()
    zz = np.asarray(to_magnitude(z, "um", name="linearity: z"), dtype=float).ravel()
    if p.shape != zz.shape or p.size < 3:
        raise InvalidParameterError(
            f"linearity: need at least 3 (power, z) pairs of equal length, got {p.size} and {zz.size}"
        )
    if not (np.isfinite(p).all() and np.isfinite(zz).all()):
        raise InvalidParameterError("linearity: powers and z must be finite")
    if np.ptp(p) == 0:
        raise InvalidParameterError("linearity: the powers are all equal; no line can be fitted")
    span = np.ptp(zz)
    if span == 0:
        raise InvalidParameterError("linearity: z does not change over the range (flat transfer curve)")
    slope, intercept = np.polyfit(p, zz, 1)
    dev = float(np.max(np.abs(zz - (slope * p + intercept))))
    return Linearity(quantity(dev, "um"), 100.0 * dev / span, quantity(slope, "um/dpt"), quantity(intercept, "um"))


# -- numeric design -------------------------------------------------------------------------
def _power_array(power, label):
    if isinstance(power, (str, bytes)):
        raise OpticsTypeError(f"{label}: power must be a number, array or Quantity, got the string {power!r}")
    p = np.asarray(to_magnitude(power, "dpt", name=f"{label}: ETL power"), dtype=float)
    if not np.isfinite(p).all():
        raise InvalidParameterError(f"{label}: ETL power must be finite")
    return p


class RemoteFocus:
    r"""A numeric remote-focus design: the train, its closed form and fast sweeps.

    Parameters
    ----------
    f_o, f_t, f_s : length
        Objective EFL, tube lens and scan lens focal lengths.
    relays : sequence of (f1, f2)
        Relay pairs in light order, ETL side first.
    etl : TunableLensPart, optional
        The ETL part: sets the offset power and the allowed power range
        (powers outside it raise :class:`~optics.errors.InvalidParameterError`).
    offset_power : optical power, optional
        Offset lens (dpt); default the part's, else 0.
    n : float, optional
        Immersion index.
    conjugate_offset, etl_offset : length, optional
        See :func:`remote_focus_train`.
    beam : GaussianBeam, optional
        Input beam at the ETL; default collimated (geometric focus).

    Attributes
    ----------
    train : LensTrain
        The full train, symbolic in :data:`POWER` only.
    expr : sympy.Expr
        The focus shift z(P) in mm, derived from *train*.

    >>> from optics.microscope.parts import TunableLensPart
    >>> etl = TunableLensPart("ETL", aperture=16, power_min=-2, power_max=3)
    >>> rf = RemoteFocus(12.5, 200, 50, [(100, 50), (50, 75)], etl=etl)
    >>> rf.z_range().span.round(1)
    <Quantity(86.8, 'micrometer')>
    >>> rf.z(5)
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: TunableLensPart 'ETL': power 5.0 dpt is outside its range -2 to 3 dpt
    """

    __slots__ = ("f_o", "f_t", "f_s", "relays", "etl", "offset_power", "n", "conjugate_offset",
                 "etl_offset", "beam", "train", "expr", "_z_um", "_scale_cache")

    def __init__(self, f_o, f_t, f_s, relays=(), *, etl=None, offset_power=None, n=1,
                 conjugate_offset=0, etl_offset=0, beam=None):
        if etl is not None and not isinstance(etl, TunableLensPart):
            raise OpticsTypeError(f"RemoteFocus: etl must be a TunableLensPart, got {etl!r}")
        if offset_power is None:
            offset_power = etl.offset_power if etl is not None else 0
        train = remote_focus_train(
            f_o, f_t, f_s, relays, offset_power=offset_power, n=n,
            conjugate_offset=conjugate_offset, etl_offset=etl_offset,
        )
        extra = train.free_symbols - {POWER}
        if extra:
            raise OpticsTypeError(
                "RemoteFocus needs numeric values (use remote_focus_train and focus_shift_expr for "
                "symbols); got symbols " + ", ".join(sorted(map(str, extra)))
            )
        values = {
            "f_o": f_o, "f_t": f_t, "f_s": f_s, "relays": tuple(tuple(r) for r in relays), "etl": etl,
            "offset_power": offset_power, "n": n, "conjugate_offset": conjugate_offset,
            "etl_offset": etl_offset, "beam": beam, "train": train,
        }
        for k, v in values.items():
            object.__setattr__(self, k, v)
        expr = focus_shift_expr(train, POWER, beam=beam)
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "_z_um", compile_expr(1000 * expr, (POWER,)))
        object.__setattr__(self, "_scale_cache", {})

    def __setattr__(self, key, value):
        raise AttributeError("RemoteFocus is immutable; use replace() for a changed design")

    def __repr__(self):
        return (f"RemoteFocus(f_o={self.f_o}, f_t={self.f_t}, f_s={self.f_s}, relays={self.relays}, "
                f"n={self.n}, conjugate_offset={self.conjugate_offset}, etl_offset={self.etl_offset})")

    def replace(self, **changes) -> "RemoteFocus":
        """A new design with some parameters changed (``f_o=5``, ``relays=...``).

        >>> RemoteFocus(12.5, 200, 50).replace(f_o=5).f_o
        5
        """
        names = ("f_o", "f_t", "f_s", "relays", "etl", "offset_power", "n", "conjugate_offset",
                 "etl_offset", "beam")
        unknown = set(changes) - set(names)
        if unknown:
            raise OpticsTypeError(f"RemoteFocus.replace: unknown parameter(s) {', '.join(sorted(unknown))}")
        args = {k: getattr(self, k) for k in names}
        if "etl" in changes and "offset_power" not in changes:
            args["offset_power"] = None
        args.update(changes)
        return RemoteFocus(args.pop("f_o"), args.pop("f_t"), args.pop("f_s"), args.pop("relays"), **args)

    # -- ranges -----------------------------------------------------------------------------
    def _check(self, p, label):
        if self.etl is None or p.size == 0:
            return
        low, high = self.etl.power_min.magnitude, self.etl.power_max.magnitude
        bad = (p < low) | (p > high)
        if bad.any():
            self.etl.check_power(float(p[bad].flat[0]))  # raises with the part's message
            raise InvalidParameterError(f"{label}: ETL power outside {low:g} to {high:g} dpt")  # pragma: no cover

    def z(self, power):
        r"""Focus shift in the sample at ETL power(s) *power* (um); vectorized.

        Raises
        ------
        InvalidParameterError
            For powers outside the ETL part's range.
        NoFocusError
            Where the beam leaves the objective collimated (no finite focus).
        """
        p = _power_array(power, "RemoteFocus.z")
        self._check(p, "RemoteFocus.z")
        try:
            out = self._z_um(p)
        except NonFiniteResultError as err:
            num, den = sympy.fraction(sympy.together(self.expr))
            poles = sympy.solve(den, POWER)
            raise NoFocusError(
                f"RemoteFocus.z: no finite focus at ETL power(s) {', '.join(str(r) for r in poles)} dpt "
                "(the beam leaves the objective collimated)"
            ) from err
        return quantity(out, "um")

    def sweep(self, power):
        """Alias of :meth:`z` for arrays of powers (one compiled call)."""
        return self.z(power)

    def _range(self, power_min, power_max):
        if power_min is None or power_max is None:
            if self.etl is None:
                raise OpticsValueError(
                    "RemoteFocus: give power_min and power_max, or construct with an etl part"
                )
        low = self.etl.power_min if power_min is None else power_min
        high = self.etl.power_max if power_max is None else power_max
        low = float(_power_array(low, "RemoteFocus range"))
        high = float(_power_array(high, "RemoteFocus range"))
        if not low < high:
            raise InvalidParameterError(f"RemoteFocus: power_min {low:g} dpt must be below power_max {high:g} dpt")
        return low, high

    def z_range(self, power_min=None, power_max=None) -> ZRange:
        """z at both ends of the ETL power range and their span (um).

        The transfer curve is monotonic between its poles, so the span over
        the range is the difference of the end values (checked: a pole inside
        the range raises :class:`~optics.errors.NoFocusError`).
        """
        low, high = self._range(power_min, power_max)
        num, den = sympy.fraction(sympy.together(self.expr))
        for root in sympy.solve(den, POWER):
            if root.is_real and low <= float(root) <= high:
                raise NoFocusError(f"RemoteFocus.z_range: no finite focus at P = {float(root):g} dpt inside the range")
        z = self.z(np.array([low, high])).magnitude
        return ZRange(quantity(z[0], "um"), quantity(z[1], "um"), quantity(abs(z[1] - z[0]), "um"))

    def transfer_curve(self, power_min=None, power_max=None, points=201):
        """ETL powers and focus shifts over the range, for plots: ``(power [dpt], z [um])``.

        >>> p, z = RemoteFocus(12.5, 200, 50, [(100, 50)], etl_offset=20).transfer_curve(-5, 5, 3)
        >>> p.magnitude.tolist(), z.magnitude[[0, 2]].round(2).tolist()
        ([-5.0, 0.0, 5.0], [217.01, -177.56])
        """
        low, high = self._range(power_min, power_max)
        if not isinstance(points, int) or points < 2:
            raise InvalidParameterError(f"RemoteFocus.transfer_curve: points must be an integer >= 2, got {points!r}")
        p = np.linspace(low, high, points)
        return quantity(p, "dpt"), self.z(p)

    def linearity(self, power_min=None, power_max=None, points=201) -> Linearity:
        """Deviation of z(P) from its least-squares line over the range (see :func:`linearity`)."""
        low, high = self._range(power_min, power_max)
        p = np.linspace(low, high, int(points))
        return linearity(p, self.z(p))

    def fov_scale(self, power, scanner=None):
        """Lateral scale at the focus, mm of sample per radian of optical scan angle at *scanner*.

        Default scanner: the last one (the galvo).  See :func:`fov_scale_expr`.
        """
        if scanner is None:
            names = [k for k in self.train.planes if k not in ("input", "etl", "pupil_image", "objective",
                                                                "focal_plane", "output")]
            scanner = names[-1] if names else "etl"
        if scanner not in self._scale_cache:
            expr = fov_scale_expr(self.train, scanner, POWER, beam=self.beam)
            self._scale_cache[scanner] = compile_expr(expr, (POWER,))
        p = _power_array(power, "RemoteFocus.fov_scale")
        self._check(p, "RemoteFocus.fov_scale")
        return quantity(self._scale_cache[scanner](p), "mm/rad")
