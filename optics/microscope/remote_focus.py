r"""Remote focusing with an electrically tunable lens (ETL): a view of the scan path.

The reference post (section 3) puts an ETL in a plane conjugate to the
objective's back focal plane, behind two relays, a resonant and a galvo
scanner, a scan lens and a tube lens, multiplies the ABCD matrices of the whole
path and finds the focus where :math:`\mathrm{Re}\,q = 0`.  Here that path is
the one :class:`~optics.microscope.path.ScanPath` of the design (its train holds
the ETL with its own power :data:`POWER`); :class:`RemoteFocus` is a numeric
view of it: the focus shift z(P) in closed form, compiled once for fast sweeps,
the z-range of the ETL part, linearity, transfer curves, Gaussian input beams.

Conventions
-----------
* ``P`` (:data:`POWER`, the same symbol as
  :data:`optics.microscope.path.ETL_POWER`) is the ETL's own power in
  diopters; an offset lens in contact adds ``offset_power``.  The total
  power is :math:`P + P_\mathrm{off}` and :math:`f_\mathrm{ETL} = 1000/(P + P_\mathrm{off})` mm.
* The focus shift *z* is measured in the sample (immersion medium), positive
  away from the objective, from the focus at the reference power (total ETL
  power zero).  For a collimated input the focus is the back focal distance
  :math:`-A/C` of the train (the :math:`z_R \to \infty` limit of the Gaussian
  waist); with a :class:`~optics.core.beams.GaussianBeam` it is the waist,
  where :math:`\mathrm{Re}\,q = 0`.
* :meth:`RemoteFocus.from_focal_lengths` builds the post's 4f path with two
  offsets, which are ordinary spacings of the path: ``conjugate_offset``
  :math:`\Delta` places the image of the scanners and the ETL :math:`\Delta`
  past the objective's back focal plane (0: the back focal plane; :math:`f_o`:
  the principal plane) and ``etl_offset`` :math:`d_e` moves the ETL
  :math:`d_e` downstream of its conjugate plane.

Derived closed form (checked against the train in the tests): with
:math:`k = \prod_i (f_{i,1}/f_{i,2}) \cdot f_s/f_t` (the relays, then scan
and tube lens) and :math:`\phi = (P + P_\mathrm{off})/1000` mm⁻¹,

.. math:: z = -\frac{n f_o^2 k^2 \phi}{1 + \Delta k^2 \phi + d_e \phi}

which for :math:`\Delta = d_e = 0`, :math:`n = 1` is the post's
:math:`z = -f_o^2 f_s^2 f_{r1}^2 f_{r3}^2/(f_\mathrm{ETL} f_t^2 f_{r2}^2 f_{r4}^2)`.
For a Gaussian input beam whose waist sits anywhere upstream of the ETL, the
waist shift is the same when :math:`\Delta = d_e = 0` (exactly, paraxially).

>>> from optics import ureg
>>> rf = RemoteFocus.from_focal_lengths(f_o=12.5, f_t=200, f_s=50, relays=[(100, 50), (50, 75)])
>>> rf.z(2 * ureg.dpt).to("um").round(3)
<Quantity(-34.722, 'micrometer')>
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from optics.core.beams import GaussianBeam
from optics.core.compile import compile_expr
from optics.core.trains import LensTrain
from optics.display import Table, format_value, repr_html, repr_latex, repr_markdown, with_unit
from optics.errors import (
    InvalidParameterError, NoFocusError, NonFiniteResultError, OpticsError, OpticsTypeError, OpticsValueError,
)
from optics.microscope.closed_forms import fov_scale_expr
from optics.microscope.path import ETL_POWER, ScanPath, ZRange
from optics.units import is_quantity, quantity, registry, to_magnitude

__all__ = [
    "POWER",
    "remote_focus_train",
    "linearity",
    "RemoteFocus",
    "Linearity",
]

#: The ETL's own optical power (diopters), the free symbol of the closed forms.
POWER = ETL_POWER


@functools.lru_cache(maxsize=1)
def _dpt():
    """The diopter unit (made on first use: ``import optics`` builds no unit registry)."""
    return registry().Unit("dpt")


class Linearity(NamedTuple):
    """Deviation of a transfer curve from its least-squares line.

    Attributes
    ----------
    max_deviation : Quantity
        Largest deviation from the line (µm).
    percent : float
        That deviation in % of the z span.
    slope : Quantity
        Slope of the line (µm/dpt).
    intercept : Quantity
        Intercept of the line (µm).
    """

    max_deviation: object
    percent: float
    slope: object
    intercept: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


def remote_focus_train(f_o, f_t, f_s, relays=(), **options) -> LensTrain:
    r"""The train of :meth:`ScanPath.for_remote_focus <optics.microscope.path.ScanPath.for_remote_focus>`.

    Parameters
    ----------
    f_o, f_t, f_s : length or sympy expression
        Objective EFL, tube lens and scan lens focal lengths (mm).
    relays : sequence of (f1, f2)
        Relay lens pairs in light order (ETL side first).
    **options
        ``etl``, ``offset_power``, ``n``, ``conjugate_offset``, ``etl_offset``,
        ``scanners`` (see :meth:`~optics.microscope.path.ScanPath.for_remote_focus`).

    Returns
    -------
    LensTrain
        With planes ``"etl"``, the relay lenses, the scanners, ``"scan_lens"``,
        ``"tube_lens"``, ``"back_aperture"``, ``"objective"`` and ``"sample"``;
        the ETL's own power is :data:`POWER`.

    >>> t = remote_focus_train(12.5, 200, 50, [(100, 50), (50, 75)])
    >>> [p for p in t.planes if p in ("etl", "resonant", "galvo", "back_aperture", "sample")]
    ['etl', 'resonant', 'galvo', 'back_aperture', 'sample']
    """
    return ScanPath.for_remote_focus(f_o, f_t, f_s, relays, **options).train


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


# -- the numeric view -------------------------------------------------------------------------
def _power_array(power, label):
    if isinstance(power, (str, bytes)):
        raise OpticsTypeError(f"{label}: power must be a number, array or Quantity, got the string {power!r}")
    p = np.asarray(to_magnitude(power, "dpt", name=f"{label}: ETL power"), dtype=float)
    if not np.isfinite(p).all():
        raise InvalidParameterError(f"{label}: ETL power must be finite")
    return p


_PARAMETERS = ("f_o", "f_t", "f_s", "relays", "etl", "offset_power", "n", "conjugate_offset", "etl_offset")


class RemoteFocus:
    r"""The remote-focus view of a numeric scan path with an ETL: closed form and fast sweeps.

    Parameters
    ----------
    path : ScanPath
        A numeric path with an ETL (its train is symbolic in :data:`POWER` only).
    beam : GaussianBeam, optional
        Input beam at the ETL; default collimated (geometric focus).

    Attributes
    ----------
    path : ScanPath
    beam : GaussianBeam or None
    train : LensTrain
        The path's train, symbolic in :data:`POWER` only.
    expr : sympy.Expr
        The focus shift z(P) in mm, derived from *train*.

    >>> from optics.microscope.parts import TunableLensPart
    >>> etl = TunableLensPart("ETL", aperture=16, power_min=-2, power_max=3)
    >>> rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50), (50, 75)], etl=etl)
    >>> rf.z_range().span.round(1)
    <Quantity(86.8, 'micrometer')>
    >>> rf.z(5)
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: RemoteFocus.z: ETL 'ETL' power 5 dpt is outside its range -2 to 3 dpt
    """

    __slots__ = ("path", "beam", "expr", "_z_um", "_scale_cache", "_parameters")

    def __init__(self, path, *, beam=None):
        if not isinstance(path, ScanPath):
            raise OpticsTypeError(f"RemoteFocus: path must be a ScanPath, got {type(path).__name__}"
                                  " (use RemoteFocus.from_focal_lengths for focal lengths)")
        if path.etl is None:
            raise OpticsValueError("RemoteFocus: the path has no ETL")
        extra = path.train.free_symbols - {POWER}
        if extra or path.etl.offset_power.free_symbols:
            raise OpticsTypeError(
                "RemoteFocus needs numeric values (use ScanPath.focus_shift_expr for symbols); got symbols "
                + ", ".join(sorted(map(str, extra | path.etl.offset_power.free_symbols)))
            )
        if beam is not None and not isinstance(beam, GaussianBeam):
            raise OpticsTypeError(f"RemoteFocus: beam must be a GaussianBeam or None, got {beam!r}")
        expr = path.focus_shift_expr(beam)
        for key, value in {"path": path, "beam": beam, "expr": expr, "_z_um": compile_expr(1000 * expr, (POWER,), unit="um"),
                           "_scale_cache": {}, "_parameters": None}.items():
            object.__setattr__(self, key, value)

    @classmethod
    def from_path(cls, path, *, beam=None) -> "RemoteFocus":
        """The remote-focus view of *path* (same as ``RemoteFocus(path, beam=beam)``).

        Parameters
        ----------
        path : ScanPath
        beam : GaussianBeam, optional
        """
        return cls(path, beam=beam)

    @classmethod
    def from_focal_lengths(cls, f_o, f_t, f_s, relays=(), *, etl=None, offset_power=None, n=1,
                           conjugate_offset=0, etl_offset=0, beam=None) -> "RemoteFocus":
        r"""The reference post's design from focal lengths (4f, with two optional offsets).

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
            :math:`\Delta` and :math:`d_e`, see the module docstring.
        beam : GaussianBeam, optional
            Input beam at the ETL; default collimated.
        """
        values = {"f_o": f_o, "f_t": f_t, "f_s": f_s, "relays": tuple(tuple(r) for r in relays), "etl": etl,
                  "offset_power": offset_power, "n": n, "conjugate_offset": conjugate_offset,
                  "etl_offset": etl_offset}
        path = ScanPath.for_remote_focus(f_o, f_t, f_s, values["relays"], etl=etl, offset_power=offset_power, n=n,
                                         conjugate_offset=conjugate_offset, etl_offset=etl_offset)
        view = cls(path, beam=beam)
        object.__setattr__(view, "_parameters", values)
        return view

    def __setattr__(self, key, value):
        raise AttributeError("RemoteFocus is immutable; use replace() for a changed design")

    def __repr__(self):
        if self._parameters is not None:
            shown = ", ".join(f"{k}={v!r}" for k, v in self._parameters.items() if v is not None and k != "etl")
            return f"RemoteFocus.from_focal_lengths({shown})"
        return f"RemoteFocus(<ScanPath with {self.etl.name!r}>)"

    def _display_tables(self):
        etl = self.etl
        rows = [("ETL", etl.name), ("offset lens", with_unit(etl.offset_power, "dpt")),
                ("immersion index n", self.n)]
        if etl.has_range and not self.path.is_symbolic:
            rows.insert(1, ("power range", f"{format_value(float(etl.power_min))} to {format_value(float(etl.power_max))} dpt"))
            try:
                z = self.z_range()
                lin = self.linearity()
            except OpticsError as err:
                rows.append(("z range", str(err)))
            else:
                rows += [("focus shift at minimum power", z.z_at_min), ("focus shift at maximum power", z.z_at_max),
                         ("z range", z.span), ("slope of the best line", lin.slope),
                         ("largest deviation from it", lin.max_deviation)]
        return [Table(rows, header=("", "value"), title="Remote focus")]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex

    @property
    def train(self) -> LensTrain:
        """The path's train (symbolic in :data:`POWER`)."""
        return self.path.train

    @property
    def etl(self):
        """The path's ETL model (name, offset power, power range, aperture)."""
        return self.path.etl

    @property
    def n(self):
        """Immersion index of the objective."""
        return self.path.objective.n

    def replace(self, **changes) -> "RemoteFocus":
        """A new view with some parameters changed.

        Parameters
        ----------
        **changes
            ``beam`` always; ``etl_offset`` moves the ETL that far downstream of
            where it is (:meth:`ScanPath.with_etl_moved`); for a view made by
            :meth:`from_focal_lengths` also any of its parameters (``f_o=5``,
            ``relays=...``, ``conjugate_offset=...``), the offsets then absolute.

        >>> RemoteFocus.from_focal_lengths(12.5, 200, 50).replace(f_o=5).path.objective.f
        5
        """
        beam = changes.pop("beam", self.beam)
        if self._parameters is not None:
            unknown = set(changes) - set(_PARAMETERS)
            if unknown:
                raise OpticsTypeError(f"RemoteFocus.replace: unknown parameter(s) {', '.join(sorted(unknown))}")
            args = dict(self._parameters)
            args.update(changes)
            return RemoteFocus.from_focal_lengths(args.pop("f_o"), args.pop("f_t"), args.pop("f_s"),
                                                  args.pop("relays"), beam=beam, **args)
        unknown = set(changes) - {"etl_offset"}
        if unknown:
            raise OpticsTypeError(
                f"RemoteFocus.replace: unknown parameter(s) {', '.join(sorted(unknown))} for a view of a path "
                "(change the path and make a new view)"
            )
        path = self.path.with_etl_moved(changes["etl_offset"]) if "etl_offset" in changes else self.path
        return RemoteFocus(path, beam=beam)

    # -- ranges -----------------------------------------------------------------------------
    def _check(self, p, label):
        if p.size:
            self.etl.check_powers([float(p.min()), float(p.max())], label)

    def z(self, power):
        r"""Focus shift in the sample at ETL power(s) *power* (µm); vectorized.

        Parameters
        ----------
        power : number, array or Quantity
            The ETL's own power(s) (dpt).

        Raises
        ------
        InvalidParameterError
            For powers outside the ETL part's range.
        NoFocusError
            Where the beam leaves the objective collimated (no finite focus).
        """
        if isinstance(power, (str, bytes)):
            raise OpticsTypeError(f"RemoteFocus.z: power must be a number, array or Quantity, got the string {power!r}")
        if is_quantity(power):
            mag = power.magnitude if power.units == _dpt() else to_magnitude(power, "dpt", name="RemoteFocus.z: ETL power")
        else:
            mag = power
        if type(mag) is np.ndarray and mag.dtype == np.float64:
            # The fast path: the range and finiteness checks ride on the evaluation
            # (CompiledExpression.within, or the finiteness sum of the call); on
            # failure the checks below find and name the bad value.
            if self.etl.has_range:
                z = self._z_um.within(mag, float(self.etl.power_min) - 1e-12, float(self.etl.power_max) + 1e-12)
            else:
                try:
                    z = self._z_um(mag)
                except NonFiniteResultError:
                    z = None
            if z is not None:
                return z
        if isinstance(mag, (int, float)) and not isinstance(mag, bool):
            low = high = float(mag)
        else:
            mag = np.asarray(mag, dtype=float)
            low, high = (float(mag.min()), float(mag.max())) if mag.size else (0.0, 0.0)  # NaN shows in either
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InvalidParameterError("RemoteFocus.z: ETL power must be finite")
        if self.etl.has_range:
            self.etl.check_powers((low, high), "RemoteFocus.z")
        try:
            return self._z_um(mag)
        except NonFiniteResultError as err:
            poles = self.path.focus_poles(self.beam)
            raise NoFocusError(
                f"RemoteFocus.z: no finite focus at ETL power(s) {', '.join(str(r) for r in poles) or 'in the input'} "
                "dpt (the beam leaves the objective collimated)"
            ) from err

    def sweep(self, power):
        """Alias of :meth:`z` for arrays of powers (one compiled call).

        Parameters
        ----------
        power : array or Quantity
        """
        return self.z(power)

    def _range(self, power_min, power_max):
        if (power_min is None or power_max is None) and not self.etl.has_range:
            raise OpticsValueError("RemoteFocus: give power_min and power_max, or use an ETL part with a power range")
        low = float(self.etl.power_min) if power_min is None else float(_power_array(power_min, "RemoteFocus range"))
        high = float(self.etl.power_max) if power_max is None else float(_power_array(power_max, "RemoteFocus range"))
        if not low < high:
            raise InvalidParameterError(f"RemoteFocus: power_min {low:g} dpt must be below power_max {high:g} dpt")
        return low, high

    def z_range(self, power_min=None, power_max=None) -> ZRange:
        """z at both ends of the ETL power range and their span (µm): the path's :meth:`ScanPath.z_range`.

        Parameters
        ----------
        power_min, power_max : optical power, optional
            Default the ETL part's range.

        The transfer curve is monotonic between its poles, so the span over
        the range is the difference of the end values (checked: a pole inside
        the range raises :class:`~optics.errors.NoFocusError`).
        """
        return self.path.z_range(power_min, power_max, beam=self.beam)

    def transfer_curve(self, power_min=None, power_max=None, points=201):
        """ETL powers and focus shifts over the range, for plots: ``(power [dpt], z [µm])``.

        Parameters
        ----------
        power_min, power_max : optical power, optional
            Default the ETL part's range.
        points : int
            Number of powers (>= 2).

        >>> rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)], etl_offset=20)
        >>> p, z = rf.transfer_curve(-5, 5, 3)
        >>> p.magnitude.tolist(), z.magnitude[[0, 2]].round(2).tolist()
        ([-5.0, 0.0, 5.0], [217.01, -177.56])
        """
        low, high = self._range(power_min, power_max)
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise InvalidParameterError(f"RemoteFocus.transfer_curve: points must be an integer >= 2, got {points!r}")
        p = np.linspace(low, high, points)
        return quantity(p, "dpt"), self.z(p)

    def linearity(self, power_min=None, power_max=None, points=201) -> Linearity:
        """Deviation of z(P) from its least-squares line over the range (see :func:`linearity`).

        Parameters
        ----------
        power_min, power_max : optical power, optional
        points : int
        """
        p, z = self.transfer_curve(power_min, power_max, points)
        return linearity(p, z)

    def fov_scale(self, power, scanner=None):
        """Lateral scale at the focus, mm of sample per radian of optical scan angle at *scanner*.

        Parameters
        ----------
        power : number, array or Quantity
            ETL power(s) (dpt).
        scanner : str, optional
            Scanner plane; default the last one (the galvo), or the ETL
            plane when the path has no scanner.  See
            :func:`~optics.microscope.closed_forms.fov_scale_expr`.
        """
        if scanner is None:
            scanner = self.path.scanner_planes[-1] if self.path.scanner_planes else "etl"
        if scanner not in self._scale_cache:
            expr = fov_scale_expr(self.train, scanner, beam=self.beam, start="etl", end="sample")
            self._scale_cache[scanner] = compile_expr(expr, (POWER,))
        p = _power_array(power, "RemoteFocus.fov_scale")
        self._check(p, "RemoteFocus.fov_scale")
        return quantity(self._scale_cache[scanner](p), "mm/rad")
