r"""Search stock lens sets for a scan path: exact, pruned, in bounded memory.

Give a template :class:`~optics.microscope.path.ScanPath` (scanners, objective,
beam, ETL) and candidate lenses for some of its lens roles (``scan_lens``,
``tube_lens``, ``relay1_1``, ``relay1_2``, ..., ``etl_relay_1``,
``etl_relay_2``): :class:`~optics.microscope.parts.Lens` parts (part number,
clear aperture, mechanical diameter) or plain focal lengths.  Relays in the
template are taken as 4f-spaced during the search.

Metrics of every feasible lens set:

* ``beam_ba`` -- beam diameter at the back aperture (mm); ``fill`` -- beam
  over back-aperture diameter; ``effective_na`` -- :math:`\mathrm{NA}\min(1, \mathrm{fill})`;
* ``fov_<scanner>`` -- FOV per scanner axis (mm, exact paraxial by default);
* ``length`` -- path length from the input plane to the objective (mm);
* ``z_range`` -- with an ETL: span of the focus over the ETL's power range
  (µm, in the immersion medium);
* the **aberration proxy** (:func:`aberration_proxy`): ``field_angle``, the
  largest chief-ray half angle any proxied lens works at (deg);
  ``f_number``, the smallest working f-number :math:`f/D` of a proxied lens
  (:math:`D` the beam diameter on it); ``aberration``, the largest
  third-order wavefront scale of a proxied lens (µm).  Catalog scan and tube
  lenses (``kind`` ``"scan"``/``"tube"``, designed for their field) are not
  proxied.

Constraints (:class:`SearchLimits`): a fill window at the back aperture, a
largest fill of every clear aperture (ETL, scanners, lenses; the footprint is
the beam shifted by the chief ray at the corner of the field), minimum FOV,
minimum z-range, maximum length, and optional limits on the proxy's field
angle and f-number.

How the search is exact and fast (``method="pruned"``): with 4f relays every
metric depends on the lenses only through the beam magnification of each
relay, :math:`m = f_2/f_1` (a product along the path), the footprint and
proxy of each relay's two lenses (given the beam and chief-ray slope entering
it) and the length (a sum).  Each relay's pairs are enumerated once and
sorted by :math:`m`; relays are joined in light order, and for each partial
set the window constraints (fill, FOV) bound the product of the remaining
magnifications, so that only the slice of the next relay's sorted table that
can still satisfy them is ever formed (``numpy.searchsorted``).  Every
constraint is then checked on every set that is formed, so the result equals
the brute force's (``method="brute"``, every combination through the path's
compiled closed forms; tests compare both).  Full sets are handled in chunks
of at most *chunk_size*; only the best *limit* rows and the running Pareto
front are kept, so memory does not grow with the grid.  Ctrl-C (or any
``KeyboardInterrupt``) during the search returns the best found so far
(:attr:`SearchResult.interrupted`).

Limits of the pruning: it avoids forming the sets that the limits exclude
through the magnification windows (fill, FOV) and the per-relay checks
(footprints, proxy limits, each relay's own magnification range); every
feasible set is still formed once, to be counted, ranked and compared with
the front, and a set failing only the last relay's footprint check is formed
before it is refused.  A search whose limits leave much of a large grid
feasible takes tens of seconds: every stock achromat for the six roles of the
benchmark's template with clipping as the only limit forms 19 million sets
(1.7 million feasible, a front of 80 thousand points) in about 40 s on the
benchmark machine; the window of :data:`DEFAULT_FILL_WINDOW` keeps the same
search under a second (``benchmarks/run.py``).  Ctrl-C returns the best
found so far.

Ranking and the Pareto front compare values within a relative
:data:`TIE_RTOL` as equal: 30/60 and 50/100 mm relays tie and the next key
decides.  On the front, sets whose front metrics all tie are collapsed into
one row (the best by the ranking), with ``n_alternatives`` counting them.

>>> from optics.microscope.parts import Objective, Scanner
>>> from optics.microscope.path import ScanPath
>>> path = ScanPath([Scanner("res", aperture=5, optical_angle=0.45)], 50, 200,
...                 Objective("16x", magnification=16, na=0.8, maker="Nikon"), beam_diameter=4)
>>> result = search_lens_sets(path, {"scan_lens": [40, 50, 75], "tube_lens": [150, 200, 300]},
...                           min_fov=1.0, min_fill=0.7)
>>> [(float(row["f_scan_lens"]), float(row["f_tube_lens"])) for row in result.table[:2]]
[(40.0, 200.0), (75.0, 300.0)]

40/200 mm magnifies the 4 mm beam to 20 mm, the whole back aperture; of the
4:1 sets (16 mm) the longer lenses rank before 50/200 on the aberration
proxy.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace

import numpy as np
import sympy

from optics.core.compile import compile_expr
from optics.core.symbolic import to_expr
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError, PlaneError
from optics.microscope.parts import Lens
from optics.microscope.path import ETL_POWER, FOV_FORMS, Relay, ScanPath
from optics.display import Table, repr_html, repr_markdown
from optics.units import is_quantity, to_magnitude

__all__ = [
    "Metric", "SearchLimits", "SearchResult", "search_lens_sets", "default_metrics", "z_range_metric",
    "pareto_mask", "aberration_proxy", "TIE_RTOL", "LIMIT_RTOL", "DEFAULT_FILL_WINDOW", "METHODS",
]

#: Relative difference below which two metric values tie (ranking, Pareto front, collapsing).
TIE_RTOL = 1e-9
#: A lens set within this relative distance of a limit meets it: sets exactly on a limit in exact
#: arithmetic (4.5 mm x 16/3 = 1.2 x 20 mm) are kept whatever the rounding of the method.
LIMIT_RTOL = 1e-9
#: Default back-aperture fill window of a builder's search (``optics search``, the ``[search]`` table):
#: below 0.8 the effective NA drops under 80 % of the objective's; above 1.2 a Gaussian beam whose
#: 1/e² diameter is 1.2 times the aperture passes :math:`1 - e^{-2/1.2^2}` (75 %) of its power.
DEFAULT_FILL_WINDOW = (0.8, 1.2)
#: Search methods: ``"pruned"`` (relays joined through sorted magnification tables), ``"brute"``
#: (every combination), ``"auto"`` (pruned when the template allows it).
METHODS = ("auto", "pruned", "brute")
_PROXY_KINDS_OFF = ("scan", "tube")  # designed for their field: not proxied


@dataclass(frozen=True)
class Metric:
    """A quantity computed for every lens set (brute-force search only).

    Parameters
    ----------
    name : str
        Column name (an identifier).
    derive : callable
        ``derive(path) -> sympy expression`` for the symbolic
        :class:`~optics.microscope.path.ScanPath` whose searched focal lengths are
        symbols; the expression is compiled once and evaluated on the grid.
    unit : str
        Unit of the value (for display), e.g. ``"mm"``.
    sense : {"max", "min", None}
        Better direction, used for ranking and the Pareto front.
    scale : float
        Factor from the expression's base unit to *unit* (1000 for mm -> µm).
    """

    name: str
    derive: object
    unit: str = ""
    sense: str | None = "max"
    scale: float = 1.0


def _fov_metric(plane, form):
    return Metric(f"fov_{plane}", lambda p: p.fov_expr(plane, form), "mm", "max")


def z_range_metric() -> Metric:
    r"""Span of the focus position over the ETL's power range (µm).

    Derived from the train: :math:`|z(P_\max) - z(P_\min)|`, with
    :math:`z(P)` the focus shift of the path's closed form
    (:meth:`optics.microscope.path.ScanPath.focus_shift_expr`, mm).

    >>> z_range_metric().unit
    'um'
    """

    def derive(path):
        z = path.focus_shift_expr()
        lo = z.xreplace({ETL_POWER: path.etl.power_min})
        hi = z.xreplace({ETL_POWER: path.etl.power_max})
        return sympy.Abs(sympy.cancel(hi - lo))

    return Metric("z_range", derive, "um", "max", 1000.0)


def default_metrics(path: ScanPath, fov_form="exact") -> list:
    """The standard closed-form metrics of a path: beam, fill, FOV per scanner, length, z-range (with an ETL).

    Parameters
    ----------
    path : ScanPath
        The template path.
    fov_form : {"exact", "small_angle", "f_theta"}
        Form of the FOV metrics.

    The aberration-proxy columns (``aberration``, ``field_angle``,
    ``f_number``) are computed per lens, not as metrics of this list.
    """
    if fov_form not in FOV_FORMS:
        raise OpticsValueError(f"search: fov_form must be one of {FOV_FORMS}, got {fov_form!r}")
    metrics = [
        Metric("beam_ba", lambda p: p.beam_diameter_expr("back_aperture"), "mm", None),
        Metric("fill", lambda p: p.fill_expr(), "", None),
    ]
    metrics += [_fov_metric(plane, fov_form) for plane in path.scanner_planes]
    metrics.append(Metric("length", lambda p: to_expr(p.length, "mm", name="search: path length"), "mm", "min"))
    if path.etl is not None and path.etl.has_range:
        metrics.append(z_range_metric())
    return metrics


def aberration_proxy(f, beam_diameter, slope):
    r"""Third-order wavefront scale of a lens (mm): a proxy for its aberrations, not a wavefront error.

    Parameters
    ----------
    f : float or array
        Focal length (mm).
    beam_diameter : float or array
        Collimated beam diameter on the lens (mm).
    slope : float or array
        Chief-ray slope :math:`t = \tan\theta` at the lens (field half angle :math:`\theta`).

    The primary (Seidel) wavefront coefficients of a thin lens scale with the
    marginal-ray height :math:`h = D/2`, the field :math:`t` and the focal
    length as spherical :math:`h^4/f^3`, coma :math:`h^3 t/f^2` and
    astigmatism (and field curvature) :math:`h^2 t^2/f`; the proxy is their
    sum with every shape and glass factor (of order one, not modelled) set
    to one:

    .. math:: W = \frac{h^4}{f^3} + \frac{h^3 t}{f^2} + \frac{h^2 t^2}{f}

    It ranks lenses working at large field angles and low f-numbers on short
    focal lengths as worse; it does not predict a Strehl ratio.  Limits: thin
    lens, stop at the front focal plane (a 4f relay), third order only.

    >>> round(float(aberration_proxy(100.0, 5.0, 0.0)), 9)  # spherical only: 2.5**4 / 100**3
    3.9e-05
    """
    h = np.asarray(beam_diameter, dtype=float) / 2
    f = np.asarray(f, dtype=float)
    t = np.abs(np.asarray(slope, dtype=float))
    return h**4 / f**3 + h**3 * t / f**2 + h**2 * t**2 / f


# -- candidates --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Cands:
    f: np.ndarray  # mm
    aperture: np.ndarray  # mm, inf when unknown
    diameter: np.ndarray  # mm, nan when unknown
    names: list
    proxied: np.ndarray  # bool


def _candidates(role, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise OpticsTypeError(f"search: candidates for {role!r} must be a list of focal lengths or Lens parts")
    fs, aps, dias, names, prox = [], [], [], [], []
    if is_quantity(values):
        values = list(values.to("mm").magnitude)
    for v in values:
        if isinstance(v, Lens):
            f = v.f.to("mm").magnitude
            ap = math.inf if v.aperture is None else v.aperture.to("mm").magnitude
            dia = math.nan if v.diameter is None else v.diameter.to("mm").magnitude
            name, on = v.name, v.kind not in _PROXY_KINDS_OFF
        elif hasattr(v, "f") and hasattr(v, "aperture") and hasattr(v, "name"):  # a path's LensModel
            try:
                f = float(v.f)
                ap = math.inf if v.aperture is None else float(v.aperture)
            except TypeError:
                raise OpticsTypeError(f"search: {role} lens {v.name!r} must be numeric") from None
            dia, name, on = math.nan, v.name, True
        else:
            f = to_magnitude(v, "mm", name=f"search: {role} focal length")
            try:
                f = float(f)
            except (TypeError, ValueError):
                raise OpticsTypeError(f"search: {role} focal length must be a number, got {v!r}") from None
            ap, dia, name, on = math.inf, math.nan, "", True
        if not math.isfinite(f) or f <= 0:
            raise InvalidParameterError(f"search: {role} focal length must be positive and finite, got {v}")
        fs.append(float(f))
        aps.append(float(ap))
        dias.append(float(dia))
        names.append(name)
        prox.append(on)
    if not fs:
        raise InvalidParameterError(f"search: no candidates for {role!r}")
    return _Cands(np.array(fs), np.array(aps), np.array(dias), names, np.array(prox, dtype=bool))


# -- limits ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchLimits:
    """The constraints of a search (None: not constrained).

    Parameters
    ----------
    min_fov : dict
        ``{scanner plane: minimum FOV (mm)}``.
    min_fill, max_fill : float, optional
        Back-aperture fill window (beam / back-aperture diameter).
    max_length : float, optional
        Longest path, input plane to objective (mm).
    min_z_range : float, optional
        Smallest focus range of the ETL (µm; :func:`search_lens_sets` takes a length).
    aperture_fill : float or None
        Largest footprint as a fraction of every known clear aperture
        (scanner mirrors, lenses); None: apertures not checked.
    etl_fill : float or None
        Largest beam as a fraction of the ETL's clear aperture (None: as
        *aperture_fill*).
    max_field_angle : float, optional
        Largest chief-ray half angle at a proxied lens (deg; :func:`search_lens_sets` takes an angle).
    min_f_number : float, optional
        Smallest working f-number of a proxied lens.

    >>> SearchLimits(min_fill=0.8).max_fill is None
    True
    """

    min_fov: dict = field(default_factory=dict)
    min_fill: float | None = None
    max_fill: float | None = None
    max_length: float | None = None
    min_z_range: float | None = None
    aperture_fill: float | None = 1.0
    etl_fill: float | None = None
    max_field_angle: float | None = None
    min_f_number: float | None = None


def _positive(value, unit, name):
    if value is None:
        return None
    v = float(to_magnitude(value, unit, name=f"search: {name}"))
    if not math.isfinite(v) or v <= 0:
        raise InvalidParameterError(f"search: {name} must be positive and finite, got {value}")
    return v


def _limits(path, min_fov, min_fill, max_fill, max_length, min_z_range, aperture_fill, etl_fill, max_field_angle,
            min_f_number):
    planes = path.scanner_planes
    if isinstance(min_fov, dict):
        fov_min = {}
        for p, v in min_fov.items():
            if p not in planes:
                raise PlaneError(f"search: min_fov given for {p!r}, not a scanner ({', '.join(planes)})")
            fov_min[p] = _positive(v, "mm", f"min_fov for {p}")
    elif min_fov is not None:
        fov_min = {p: _positive(min_fov, "mm", "min_fov") for p in planes}
    else:
        fov_min = {}
    lim = SearchLimits(
        fov_min,
        _positive(min_fill, "dimensionless", "min_fill"),
        _positive(max_fill, "dimensionless", "max_fill"),
        _positive(max_length, "mm", "max_length"),
        None if min_z_range is None else 1000.0 * _positive(min_z_range, "mm", "min_z_range"),  # compared in µm
        _positive(aperture_fill, "dimensionless", "aperture_fill"),
        None if aperture_fill is None else _positive(etl_fill if etl_fill is not None else aperture_fill,
                                                     "dimensionless", "etl_fill"),
        None if max_field_angle is None else math.degrees(_positive(max_field_angle, "rad", "max_field_angle")),
        _positive(min_f_number, "dimensionless", "min_f_number"),
    )
    if lim.min_fill is not None and lim.max_fill is not None and lim.min_fill > lim.max_fill:
        raise InvalidParameterError(f"search: min_fill {lim.min_fill:g} is above max_fill {lim.max_fill:g}")
    if lim.min_z_range is not None and not (path.etl is not None and path.etl.has_range):
        raise InvalidParameterError("search: min_z_range needs an ETL with a power range")
    return lim


def _final_ok(cols, lim):
    """Constraints on whole-set metrics (fill window, FOV, z-range, length, proxy), within :data:`LIMIT_RTOL`."""
    n = len(cols["fill"])
    ok = np.ones(n, dtype=bool)
    lo, hi = 1 - LIMIT_RTOL, 1 + LIMIT_RTOL
    for p, v in lim.min_fov.items():
        ok &= cols[f"fov_{p}"] >= v * lo
    if lim.min_fill is not None:
        ok &= cols["fill"] >= lim.min_fill * lo
    if lim.max_fill is not None:
        ok &= cols["fill"] <= lim.max_fill * hi
    if lim.max_length is not None:
        ok &= cols["length"] <= lim.max_length * hi
    if lim.min_z_range is not None:
        ok &= cols["z_range"] >= lim.min_z_range * lo
    if lim.max_field_angle is not None:
        ok &= cols["field_angle"] <= lim.max_field_angle * hi
    if lim.min_f_number is not None:
        ok &= cols["f_number"] >= lim.min_f_number * lo
    return ok


# -- Pareto front and ties ----------------------------------------------------------------
def pareto_mask(values, senses, block=512) -> np.ndarray:
    """Boolean mask of the non-dominated rows of *values* (n, k).

    Parameters
    ----------
    values : array (n, k)
        Metric values, one row per set.
    senses : sequence of str
        ``"max"`` or ``"min"`` per column.
    block : int
        Rows compared at once.

    Equal rows are all kept when they are non-dominated.  The unique rows,
    as dense ranks per column, are visited in decreasing order of their rank
    sum (a row never dominates a row of larger or equal sum, being distinct);
    each block is compared with the front found so far and with the earlier
    rows of its own block, column by column, as arrays.

    >>> pareto_mask(np.array([[1, 1], [2, 0], [0, 0], [1, 1]]), ["max", "max"]).tolist()
    [True, True, False, True]
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(len(values), dtype=bool)
    signs = np.array([1.0 if s == "max" else -1.0 for s in senses])
    pts = values * signs
    ranks = [np.unique(pts[:, j], return_inverse=True)[1].ravel() for j in range(pts.shape[1])]
    group, inverse = _group_rows(ranks)
    return _pareto_ranks(group, block)[inverse]


def _tie_keys(values, rtol=TIE_RTOL):
    """Dense rank of each value, values within *rtol* of their neighbour counted equal."""
    values = np.asarray(values, dtype=float)
    u, inverse = np.unique(values, return_inverse=True)
    if not u.size:
        return np.zeros(0)
    with np.errstate(invalid="ignore"):
        step = (np.diff(u) > rtol * np.abs(u[1:])) | (np.isinf(u[1:]) != np.isinf(u[:-1]))
    group = np.cumsum(np.r_[True, step]) - 1
    return group[np.ravel(inverse)].astype(float)


# -- accumulation of ranked rows and the front ------------------------------------------
class _Best:
    """Keeps the best *limit* rows by the ranking and the Pareto front of everything added."""

    def __init__(self, roles, rank_by, pareto_by, senses, limit):
        self.roles, self.rank_by, self.pareto_by, self.senses, self.limit = roles, rank_by, pareto_by, senses, limit
        self.top = None  # (idx dict, cols dict)
        self.front = None  # (idx, cols, counts)

    def _order(self, cols, ties=None):
        n = len(cols["fill"])
        if not self.rank_by or not n:
            return np.arange(n)
        ties = ties or {c: _tie_keys(cols[c]) for c in self.rank_by}
        return np.lexsort([ties[c] if self.senses.get(c) == "min" else -ties[c] for c in reversed(self.rank_by)])

    def _front(self, idx, cols, counts, ties=None, old=None):
        """Collapse rows tying on every front metric (the best by rank kept), then keep the non-dominated groups.

        *old*: rows from the front so far (the others from a chunk's front); each side is non-dominated
        within itself, so only the two sides are compared with each other.
        """
        if not len(counts):
            return idx, cols, counts
        ties = ties or {}
        ranks = [ties[c] if c in ties else _tie_keys(cols[c]) for c in self.pareto_by]
        # the best value of each front metric gets the highest rank
        ranks = [r if self.senses.get(c) != "min" else r.max() - r for r, c in zip(ranks, self.pareto_by)]
        group, inverse = _group_rows(ranks)
        summed = np.bincount(inverse, weights=counts, minlength=len(group[0])).astype(np.int64)
        if old is None:
            mask = _pareto_ranks(group)
        else:
            n_groups = len(group[0])
            in_old = np.bincount(inverse[old], minlength=n_groups) > 0
            in_new = np.bincount(inverse[~old], minlength=n_groups) > 0
            mask = np.ones(n_groups, dtype=bool)
            for this, other in ((in_old & ~in_new, in_new), (in_new & ~in_old, in_old)):
                which = np.flatnonzero(this)
                if which.size and other.any():
                    mask[which[_dominated_by([g[other] for g in group], [g[which] for g in group])]] = False
        rows = np.flatnonzero(mask[inverse])  # rows of the non-dominated groups
        sub = {c: cols[c][rows] for c in cols}
        order = rows[self._order(sub)]
        _, first = np.unique(inverse[order], return_index=True)
        best = order[np.sort(first)]  # one row per group, the best ranked, in rank order
        return _take(idx, best), _take(cols, best), summed[inverse[best]]

    def _top(self, idx, cols, counts, ties=None):
        """The best *limit* groups of rows tying on every ranking key (the first row of each), with their counts."""
        n = len(counts)
        if not self.rank_by:
            best = np.arange(min(n, self.limit))
            return _take(idx, best), _take(cols, best), counts[best]
        ties = ties or {c: _tie_keys(cols[c]) for c in self.rank_by}
        # tie ranks with the best first, in ranking order: the groups come out numbered in rank order
        keyed = [(ties[c] if self.senses.get(c) == "min" else ties[c].max() - ties[c]).astype(np.int64)
                 for c in self.rank_by]
        _, inverse = _group_rows(keyed)
        summed = np.bincount(inverse, weights=counts).astype(np.int64)
        _, first = np.unique(inverse, return_index=True)  # a row of each group, groups in rank order
        best = first[: self.limit]
        return _take(idx, best), _take(cols, best), summed[: len(best)]

    def add(self, idx, cols):
        n = len(cols["fill"])
        if not n:
            return
        ties = {c: _tie_keys(cols[c]) for c in set(self.rank_by) | set(self.pareto_by)}
        top = self._top(idx, cols, np.ones(n, dtype=np.int64), ties)
        if self.top is not None:
            top = self._top(_cat(self.top[0], top[0]), _cat(self.top[1], top[1]), np.concatenate([self.top[2], top[2]]))
        self.top = top
        front = self._front(idx, cols, np.ones(n, dtype=np.int64), ties)
        if self.front is not None:
            old = np.r_[np.ones(len(self.front[2]), dtype=bool), np.zeros(len(front[2]), dtype=bool)]
            front = self._front(_cat(self.front[0], front[0]), _cat(self.front[1], front[1]),
                                np.concatenate([self.front[2], front[2]]), old=old)
        self.front = front


def _group_rows(ranks):
    """Unique rows of the columns *ranks* (non-negative ints): (unique columns, inverse)."""
    span = [int(r.max()) + 1 for r in ranks]
    if sum(math.log2(s) for s in span) < 62:
        packed = np.zeros(len(ranks[0]), dtype=np.int64)
        for r, w in zip(ranks, span):
            packed = packed * w + r.astype(np.int64)
        keys, inverse = np.unique(packed, return_inverse=True)
        cols = []
        for w in reversed(span):
            cols.append(keys % w)
            keys = keys // w
        return cols[::-1], np.ravel(inverse)
    uniq, inverse = np.unique(np.column_stack(ranks).astype(np.int64), axis=0, return_inverse=True)
    return list(uniq.T), np.ravel(inverse)


def _dominated_by(a_cols, b_cols):
    """For each row of *b*, whether a row of *a* is at least as large in every column (rows distinct: dominated)."""
    a = np.array(a_cols, dtype=np.int64)
    b = np.array(b_cols, dtype=np.int64)
    out = np.zeros(b.shape[1], dtype=bool)
    block = max(1, (1 << 22) // max(1, a.shape[1]))  # about 4 million comparisons at once
    for start in range(0, b.shape[1], block):
        pts = b[:, start:start + block]
        cmp = a[0][:, None] >= pts[0][None, :]
        for j in range(1, len(a)):
            cmp &= a[j][:, None] >= pts[j][None, :]
        out[start:start + block] = cmp.any(axis=0)
    return out


def _pareto_ranks(cols, block=512):
    """Non-dominated mask of distinct rows given as dense-rank columns (all maximized)."""
    k, n = len(cols), len(cols[0])
    ranks = np.array(cols, dtype=np.int64).reshape(k, n)
    order = np.argsort(-ranks.sum(axis=0), kind="stable")  # distinct rows: a dominator has a larger sum
    ranks = ranks[:, order]
    keep = np.zeros(n, dtype=bool)
    front = ranks[:, :0]
    for start in range(0, n, block):
        pts = ranks[:, start:start + block]
        dom = np.zeros(pts.shape[1], dtype=bool)
        if front.shape[1]:
            cmp = front[0][:, None] >= pts[0][None, :]
            for j in range(1, k):
                cmp &= front[j][:, None] >= pts[j][None, :]
            dom = cmp.any(axis=0)
        ok = np.flatnonzero(~dom)
        cand = pts[:, ok]
        inner = cand[0][:, None] >= cand[0][None, :]
        for j in range(1, k):
            inner &= cand[j][:, None] >= cand[j][None, :]
        inner &= np.tri(len(ok), k=-1, dtype=bool).T  # only earlier rows j < i (equal sums never dominate)
        ok = ok[~inner.any(axis=0)]
        keep[order[start + ok]] = True
        front = np.concatenate([front, pts[:, ok]], axis=1)
    return keep


def _take(d, rows):
    return {k: v[rows] for k, v in d.items()}


def _cat(a, b):
    return {k: np.concatenate([a[k], b[k]]) for k in a}


# -- result ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchResult:
    """Ranked feasible lens sets and their Pareto front.

    Attributes
    ----------
    table : numpy structured array
        The best *limit* feasible sets, ranked, one row per group of sets
        tying on every ranking key (the group's first set; equivalent parts
        such as two 200 mm tube lenses fall in one group): per role
        ``f_<role>`` (mm), ``aperture_<role>`` and ``diameter_<role>`` (mm;
        inf / nan when unknown) and ``<role>`` (part name, when parts were
        given); one column per metric; ``n_alternatives`` counts the sets of
        the group.
    pareto : numpy structured array
        The Pareto front over :attr:`pareto_metrics`, one row per group of
        sets tying on every front metric (the best of the group by the
        ranking), sorted by the ranking; ``n_alternatives`` counts the sets
        of each group.
    n_evaluated : int
        Lens sets in the grid (all of them are accounted for: checked one by
        one or excluded by the pruning).
    n_feasible : int
    roles : tuple of str
    metrics : tuple of Metric
    template : ScanPath
    pareto_metrics : tuple of str
    rank_by : tuple of str
        The ranking keys, in order (the stated preference).
    senses : dict
        ``"max"``/``"min"`` per ranking and front metric.
    n_checked : int
        Lens sets formed and checked one by one (``n_evaluated - n_checked``
        were excluded by the pruning without being formed).
    method : str
        ``"pruned"`` or ``"brute"``.
    limits : SearchLimits
    interrupted : bool
        True if the search was interrupted (Ctrl-C): the rows are the best
        of the part searched.
    units : dict
        Unit of every metric column.
    """

    table: np.ndarray
    pareto: np.ndarray
    n_evaluated: int
    n_feasible: int
    roles: tuple
    metrics: tuple
    template: ScanPath = field(repr=False)
    pareto_metrics: tuple = ()
    rank_by: tuple = ()
    senses: dict = field(default_factory=dict, repr=False)
    n_checked: int = 0
    method: str = "brute"
    limits: SearchLimits = field(default_factory=SearchLimits, repr=False)
    interrupted: bool = False
    units: dict = field(default_factory=dict, repr=False)

    @property
    def n_pruned(self) -> int:
        """Lens sets the pruning excluded without forming them."""
        return self.n_evaluated - self.n_checked

    def path(self, row) -> ScanPath:
        """The :class:`ScanPath` of a result row (no warnings issued).

        Parameters
        ----------
        row : numpy record
            A row of :attr:`table` or :attr:`pareto`.

        """
        lenses = {}
        for role in self.roles:
            name = row[role] if role in row.dtype.names else ""
            f = float(row[f"f_{role}"])
            ap = float(row[f"aperture_{role}"])
            lenses[role] = Lens(name or f"{f:g} mm", f, None if not math.isfinite(ap) else ap)
        return replace(self.template, check=False).with_lenses(**lenses)

    # -- rich display (Jupyter) ------------------------------------------------------
    def _display_rows(self, rows, n):
        named = {r for r in self.roles if r in rows.dtype.names}
        metrics = [c for c in rows.dtype.names
                   if not c.startswith(("aperture_", "diameter_", "f_")) and c not in named]
        units = dict(self.units)
        header = [*self.roles, *(f"{c} ({units[c]})" if units.get(c) else c for c in metrics)]
        body = []
        for row in rows[:n]:
            cells = []
            for role in self.roles:
                f = float(row[f"f_{role}"])
                name = row[role] if role in named else ""
                cells.append(f"{name} ({f:g} mm)" if name else f"{f:g} mm")
            cells += [row[c].item() if hasattr(row[c], "item") else row[c] for c in metrics]
            body.append(cells)
        return header, body

    def _display_tables(self, n=10):
        note = " (interrupted: best of the part searched)" if self.interrupted else ""
        summary = (f"{self.n_feasible:,} of {self.n_evaluated:,} lens sets feasible{note}; "
                   f"{self.n_pruned:,} excluded by the pruning without being formed ({self.method} search)")
        header, body = self._display_rows(self.table, n)
        ranked = Table(body, header=header, title=f"Lens sets, ranked (top {min(n, len(self.table))})",
                       notes=(summary, "ranked by " + ", ".join(
                           f"{c} ({'higher' if self.senses.get(c) != 'min' else 'lower'} first)" for c in self.rank_by),
                              "n_alternatives: sets that tie with the row on every ranking key"))
        header, body = self._display_rows(self.pareto, n)
        front = Table(body, header=header, title=f"Pareto front ({len(self.pareto)} distinct points, first {min(n, len(self.pareto))})",
                      notes=(f"non-dominated over {', '.join(self.pareto_metrics)}; ties collapsed",))
        return [ranked, front]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown

    def to_text(self, n=10, which="table") -> str:
        """The first *n* rows of the ranked table (or ``which="pareto"``) as text.

        Parameters
        ----------
        n : int
            Number of rows.
        which : {"table", "pareto"}
            The ranked table or the Pareto front.

        """
        rows = self.table if which == "table" else self.pareto
        skip = ("aperture_", "diameter_")
        cols = [c for c in rows.dtype.names if not c.startswith(skip)]
        named = {r for r in self.roles if r in rows.dtype.names}
        cols = [c for c in cols if not (c.startswith("f_") and c[2:] in named)]
        units = {f"f_{r}": "mm" for r in self.roles}
        units.update(self.units)
        head = [f"{c} [{units[c]}]" if units.get(c) else c for c in cols]
        body = []
        for row in rows[:n]:
            line = []
            for c in cols:
                v = row[c]
                if c in named:
                    f = float(row[f"f_{c}"])
                    dia = float(row[f"diameter_{c}"])
                    v = f"{v or f'{f:g} mm'} ({f:g} mm" + (f", Ø{dia:g} mm)" if math.isfinite(dia) else ")")
                line.append(f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v))
            body.append(line)
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        note = " (interrupted: best of the part searched)" if self.interrupted else ""
        if which == "table":
            title = f"top {min(n, len(rows))}, ranked by " + ", ".join(
                f"{c} ({'higher' if self.senses.get(c) != 'min' else 'lower'} first)" for c in self.rank_by)
        else:
            title = (f"Pareto front over {', '.join(self.pareto_metrics)}: {len(rows)} distinct points "
                     f"(ties collapsed, n_alternatives sets each), sorted by the ranking")
        lines = [f"{self.n_feasible} of {self.n_evaluated} lens sets feasible{note}; {title}",
                 "  ".join(h.rjust(w) for h, w in zip(head, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(b, widths)) for b in body]
        return "\n".join(lines)


# -- the two methods -----------------------------------------------------------------------
class _Brute:
    """Every combination through the path's compiled closed forms, chunk by chunk."""

    def __init__(self, path, roles, data, metrics, fov_form, lim, chunk_size):
        self.path, self.roles, self.data, self.lim = path, roles, data, lim
        symbols = {r: sympy.Symbol(f"f_{r}", positive=True) for r in roles}
        sym_path = path.with_lenses(**{r: symbols[r] for r in roles})
        args = tuple(symbols[r] for r in roles)
        self.args = args
        comp = lambda e, label: compile_expr(to_expr(e, "dimensionless", name=label), args, check_finite=False)  # noqa: E731
        self.metrics = [(m.name, m.scale, comp(m.derive(sym_path), f"search metric {m.name!r}")) for m in metrics]
        self.na = float(path.objective.na)
        # Footprint at every aperture; the lens roles' apertures come from the candidate lists.
        self.clip = []
        if lim.aperture_fill is not None:
            for plane, _, ap in sym_path.apertures():
                if plane not in roles:
                    fill = lim.etl_fill if plane == "etl" else lim.aperture_fill
                    self.clip.append((plane, comp(sym_path.footprint_expr(plane), f"footprint {plane}"),
                                      float(ap) * fill / lim.aperture_fill))
            for r in roles:
                if np.isfinite(data[r].aperture).any():
                    self.clip.append((r, comp(sym_path.footprint_expr(r), f"footprint {r}"), None))
        # Proxy: beam diameter and chief-ray height on every lens (fixed lenses too).
        self.proxy = []
        for r in path.lens_roles:
            d = sym_path.beam_diameter_expr(r)
            h = sympy.cancel((sym_path.footprint_expr(r) - d) / 2)
            f = symbols[r] if r in roles else to_expr(path.lens(r).f, "mm", name=r)
            self.proxy.append((r, comp(d, f"beam {r}"), comp(h / f, f"slope {r}"), comp(f, f"f {r}")))
        self.shape = tuple(len(data[r].f) for r in roles)
        self.total = int(np.prod(self.shape))
        self.chunk_size = chunk_size
        self.n_checked = 0

    def chunks(self):
        shape, roles, data, lim = self.shape, self.roles, self.data, self.lim
        split = len(roles)
        while split > 0 and int(np.prod(shape[split - 1:])) <= self.chunk_size:
            split -= 1
        outer, inner = shape[:split], shape[split:]
        inner_n = int(np.prod(inner)) if inner else 1

        def grid(k, a):
            shp = [1] * len(inner)
            shp[k - split] = len(a)
            return a.reshape(shp)

        for outer_idx in itertools.product(*(range(n) for n in outer)):
            f_args, arg = [], {}
            for k, r in enumerate(roles):
                sel = (lambda a, k=k: a[outer_idx[k]]) if k < split else (lambda a, k=k: grid(k, a))
                arg[r] = sel
                f_args.append(sel(data[r].f))
            cols = {}
            with np.errstate(all="ignore"):
                for name, scale, fn in self.metrics:
                    cols[name] = np.broadcast_to(fn(*f_args), inner) * scale
                cols["effective_na"] = self.na * np.minimum(1.0, cols["fill"])
                ok = np.ones(inner, dtype=bool)
                for plane, fn, ap in self.clip:
                    limit_ap = arg[plane](data[plane].aperture) if ap is None else ap
                    ok &= fn(*f_args) <= lim.aperture_fill * limit_ap * (1 + LIMIT_RTOL)
                worst = np.zeros(inner)
                slope = np.zeros(inner)
                fnum = np.full(inner, np.inf)
                for r, dfn, tfn, ffn in self.proxy:
                    on = arg[r](data[r].proxied) if r in roles else True
                    d, t, f = dfn(*f_args), np.abs(tfn(*f_args)), ffn(*f_args)
                    worst = np.maximum(worst, np.where(on, aberration_proxy(f, d, t) * 1000.0, 0.0))
                    slope = np.maximum(slope, np.where(on, t, 0.0))
                    fnum = np.minimum(fnum, np.where(on, f / d, np.inf))
                cols["aberration"] = worst
                cols["field_angle"] = np.degrees(np.arctan(slope))
                cols["f_number"] = np.broadcast_to(fnum, inner)
                cols = {k: np.ravel(np.broadcast_to(v, inner)) for k, v in cols.items()}
                ok = np.ravel(ok) & _final_ok(cols, lim)
            self.n_checked += inner_n
            hits = np.flatnonzero(ok)
            base = np.ravel_multi_index(outer_idx, outer) * inner_n if outer else 0
            multi = np.unravel_index(base + hits, shape)
            yield {r: multi[k] for k, r in enumerate(roles)}, {k: v[hits] for k, v in cols.items()}, inner_n


def _pruned_problem(path, roles):
    """Why the pruned method cannot search this template (None: it can)."""
    if path.etl is not None and path.etl_relay is None:
        return "an ETL without a relay"
    for role in path.lens_roles:
        if role not in roles and path.lens(role).element is not None:
            return f"the {role} modelled by its own element (not a thin lens)"
    if path.spacings is not None and not ({"scan_lens", "tube_lens"} & set(roles)):
        f_s, f_t = path.scan_lens.f, path.tube_lens.f
        if any(sympy.cancel(a - b) != 0 for a, b in zip(path.spacings, (f_s, f_s + f_t, f_t))):
            return "scan and tube lens not 4f-spaced"
    for k, link in enumerate(path.relays):
        if not isinstance(link, Relay):
            return f"a gap (no relay) after scanner {k + 1}"
        if not link.is_4f and not {f"relay{k + 1}_1", f"relay{k + 1}_2"} & set(roles):
            return f"relay {k + 1} not 4f-spaced"
    if path.etl_relay is not None and not path.etl_relay.is_4f and not {"etl_relay_1", "etl_relay_2"} & set(roles):
        return "the ETL relay not 4f-spaced"
    return None


class _Pruned:
    """Relays joined in light order through their pair tables sorted by magnification."""

    def __init__(self, path, roles, data, fov_form, lim, chunk_size):
        self.lim, self.roles, self.chunk_size = lim, roles, chunk_size
        stages = []
        if path.etl_relay is not None:
            stages.append(("etl_relay_1", "etl_relay_2"))
        stages += [(f"relay{k + 1}_1", f"relay{k + 1}_2") for k in range(len(path.relays))]
        stages.append(("scan_lens", "tube_lens"))
        self.stages = stages
        S = len(stages)
        planes = (["etl"] if path.etl_relay is not None else []) + list(path.scanner_planes)
        self.planes = planes
        self.scanner_planes = path.scanner_planes
        # plane k sits in front of stage k; the back aperture after the last one
        at = path.beam_at
        self.beam_at = 0 if at in ("laser", "input", "etl") else planes.index(at)
        self.beam = float(path.beam_diameter)
        self.scanners = [(planes.index(p), math.tan(float(s.optical_angle) / 2))
                         for p, s in zip(path.scanner_planes, path.scanners) if s.optical_angle is not None]
        self.plane_ap = [math.inf] * len(planes)
        if lim.aperture_fill is not None:
            for plane, _, ap in path.apertures():
                if plane in planes:  # the ETL's limit is etl_fill: its aperture scaled to aperture_fill's
                    fill = lim.etl_fill if plane == "etl" else lim.aperture_fill
                    self.plane_ap[planes.index(plane)] = float(ap) * fill / lim.aperture_fill
        # per-role candidates (fixed roles: the template's lens)
        cand = {}
        for r1, r2 in stages:
            for r in (r1, r2):
                cand[r] = data[r] if r in roles else _candidates(r, [path.lens(r)])
        self.cand = cand
        # pair tables, sorted by magnification
        self.tables = []
        for r1, r2 in stages:
            c1, c2 = cand[r1], cand[r2]
            i1, i2 = np.meshgrid(np.arange(len(c1.f)), np.arange(len(c2.f)), indexing="ij")
            i1, i2 = i1.ravel(), i2.ravel()
            m = c2.f[i2] / c1.f[i1]
            o = np.argsort(m, kind="stable")
            self.tables.append(dict(i1=i1[o], i2=i2[o], m=m[o], f1=c1.f[i1[o]], f2=c2.f[i2[o]],
                                    ap1=c1.aperture[i1[o]], ap2=c2.aperture[i2[o]],
                                    p1=c1.proxied[i1[o]], p2=c2.proxied[i2[o]],
                                    length=2 * (c1.f[i1[o]] + c2.f[i2[o]])))
        self.total = int(np.prod([len(t["m"]) for t in self.tables]))
        # With 4f relays the beam at the back aperture is the beam at plane beam_at times the product of the
        # magnifications after it, and the FOV of scanner j the unit path's divided by the product after
        # scanner j (the chief-ray scale B of the train is the objective's times 1/M).  The unit path (every
        # lens 1 mm, every m = 1) gives the factors from the path's own closed forms.
        roles_all = [r for pair in stages for r in pair]
        unit = path.with_lenses(**{r: 1 for r in roles_all})
        self.fill_unit = float(unit.fill_ratio)
        self.beam_unit = float(to_magnitude(unit.back_aperture_beam, "mm", name="search: beam"))
        self.fov_unit = {f"fov_{p}": float(to_magnitude(unit.fov(p, fov_form), "mm", name="search: FOV"))
                         for p in path.scanner_planes}
        self.back_aperture = self.beam_unit / self.fill_unit
        self.length0 = float(to_magnitude(unit.length, "mm", name="search: length")) - 4.0 * S  # the objective's part
        # The z-range depends on the magnification M from the ETL to the back aperture alone: through 4f
        # relays, [[-M, 0], [0, -1/M]] L(p) = L(p/M^2) [[-M, 0], [0, -1/M]], so an ETL of total power p
        # focuses as the unit path's ETL of total power p/M^2 (the relays' image inversion aside).
        self.z_form = None
        if path.etl is not None and path.etl.has_range:
            z = to_expr(unit.focus_shift_expr(), "mm", name="search: focus shift")
            self.z_form = compile_expr(z, [ETL_POWER], check_finite=False)
            self.etl_powers = (float(path.etl.power_min), float(path.etl.power_max), float(path.etl.offset_power))
        self.na = float(path.objective.na)
        self.n_checked = 0
        self._bounds()

    # The fill and FOV windows bound products of magnifications:
    # fill = beam * prod_{k >= at} m_k / BA; FOV_j = fov_unit_j / prod_{k >= s_j} m_k.
    def _bounds(self):
        lim, S = self.lim, len(self.stages)
        self.windows = []  # (first stage, lo, hi) on the product of m_k for k >= first
        lo = -np.inf if lim.min_fill is None else math.log(lim.min_fill * self.back_aperture / self.beam)
        hi = np.inf if lim.max_fill is None else math.log(lim.max_fill * self.back_aperture / self.beam)
        if self.beam_at < S:
            self.windows.append((self.beam_at, lo, hi))
        for plane, v in lim.min_fov.items():
            first = self.planes.index(plane)
            self.windows.append((first, -np.inf, math.log(self.fov_unit[f"fov_{plane}"] / v)))
        logm = [np.log(t["m"]) for t in self.tables]
        self.logm = logm
        # the widest log-magnification range each stage can still contribute
        self.span = [(float(v.min()), float(v.max())) for v in logm]

    def chunks(self):
        """Yield (role indices, metric columns, sets accounted) for the feasible full sets, chunk by chunk."""
        S = len(self.stages)
        n0 = len(self.tables[0]["m"])
        per_first = self.total // n0
        a, b = (int(v[0]) for v in self._window_range({}, 0))
        b = max(a, b)
        yield None, None, (n0 - (b - a)) * per_first  # outside the windows: never formed
        step = max(1, min(n0, self.chunk_size // max(1, per_first)))
        for start in range(a, b, step):
            stop = min(b, start + step)
            yield from self._extend({"p0": np.arange(start, stop)}, 1, S)
            yield None, None, (stop - start) * per_first  # the sets under these first pairs are accounted for

    def _state_checks(self, state, k):
        """Feasibility and proxy of stage k's lenses, for the partial sets in *state* (stages 0..k present)."""
        lim = self.lim
        t = self.tables[k]
        p = state[f"p{k}"]
        m = [self.tables[i]["m"][state[f"p{i}"]] for i in range(max(k, self.beam_at - 1) + 1)]
        # beam entering stage k
        d_in = np.full(len(p), self.beam)
        for i in range(min(k, self.beam_at), max(k, self.beam_at)):
            d_in = d_in * m[i] if k > self.beam_at else d_in / m[i]
        d_out = d_in * m[k]
        # chief-ray slopes entering stage k, in quadrature
        u2 = np.zeros(len(p))
        for s_j, u in self.scanners:
            if s_j <= k:
                slope = np.full(len(p), u)
                for i in range(s_j, k):
                    slope = slope / m[i]
                u2 = u2 + slope**2
        u_in = np.sqrt(u2)
        f1, f2 = t["f1"][p], t["f2"][p]
        h = f1 * u_in
        ok = np.ones(len(p), dtype=bool)
        if lim.aperture_fill is not None:
            a = lim.aperture_fill * (1 + LIMIT_RTOL)
            ok &= d_in + 2 * h <= a * t["ap1"][p]
            ok &= d_out + 2 * h <= a * t["ap2"][p]
            ok &= d_in <= a * self.plane_ap[k]
            if k + 1 < len(self.plane_ap):
                ok &= d_out <= a * self.plane_ap[k + 1]
        s1, s2 = u_in, h / f2
        w = np.maximum(np.where(t["p1"][p], aberration_proxy(f1, d_in, s1), 0.0),
                       np.where(t["p2"][p], aberration_proxy(f2, d_out, s2), 0.0)) * 1000.0
        slope = np.maximum(np.where(t["p1"][p], s1, 0.0), np.where(t["p2"][p], s2, 0.0))
        fnum = np.minimum(np.where(t["p1"][p], f1 / d_in, np.inf), np.where(t["p2"][p], f2 / d_out, np.inf))
        return ok, w, slope, fnum

    def _checks_due(self, k):
        """Stages whose lens checks become possible once stage k is joined."""
        if k < self.beam_at - 1:
            return []
        if k == self.beam_at - 1:
            return list(range(k + 1))
        return [k]

    def _window_range(self, state, k):
        """Index range of stage k's sorted table that can still meet every window, per partial set."""
        n = len(state["p0"]) if "p0" in state else 1
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        S = len(self.stages)
        for first, wlo, whi in self.windows:
            if k < first:
                continue
            known = np.zeros(n)
            for i in range(first, k):
                known = known + self.logm[i][state[f"p{i}"]]
            rest_lo = sum(self.span[i][0] for i in range(k + 1, S))
            rest_hi = sum(self.span[i][1] for i in range(k + 1, S))
            eps = 10 * LIMIT_RTOL  # never narrower than the limits' own tolerance
            lo = np.maximum(lo, wlo - known - rest_hi - eps)
            hi = np.minimum(hi, whi - known - rest_lo + eps)
        logm = self.logm[k]
        return np.searchsorted(logm, lo, "left"), np.searchsorted(logm, hi, "right")

    def _extend(self, state, k, S):
        """Prune the partial sets of stages 0..k-1, join stage k (or finish), recurse chunk by chunk."""
        if k == S:
            self.n_checked += len(state["p0"])
        state = self._check(state, k - 1)
        if not len(state["p0"]):
            return
        if k == S:
            yield self._finish(state)
            return
        a, b = self._window_range(state, k)
        counts = np.maximum(b - a, 0)
        cum = np.cumsum(counts)
        total = int(cum[-1]) if len(cum) else 0
        if not total:
            return
        # split the partial sets into groups of at most chunk_size new rows
        cuts = np.searchsorted(cum, np.arange(self.chunk_size, total, self.chunk_size), "right")
        bounds = np.unique(np.r_[0, cuts, len(counts)])
        for g0, g1 in zip(bounds[:-1], bounds[1:]):
            c = counts[g0:g1]
            if not c.sum():
                continue
            rep = np.repeat(np.arange(g0, g1), c)
            offs = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
            new = {key: v[rep] for key, v in state.items()}
            new[f"p{k}"] = a[rep] + offs
            yield from self._extend(new, k + 1, S)

    def _check(self, state, k):
        """Apply the lens checks due at stage k; keep the running proxy."""
        for j in self._checks_due(k):
            ok, w, slope, fnum = self._state_checks(state, j)
            state = {key: v[ok] for key, v in state.items()}
            state["w"] = np.maximum(state.get("w", 0.0), w[ok])
            state["slope"] = np.maximum(state.get("slope", 0.0), slope[ok])
            state["fnum"] = np.minimum(state.get("fnum", np.inf), fnum[ok])
        return state

    def _finish(self, state):
        S = len(self.stages)
        n = len(state["p0"])
        m = [self.tables[i]["m"][state[f"p{i}"]] for i in range(S)]
        cols = {}
        with np.errstate(all="ignore"):
            after = [np.ones(n)] * (S + 1)  # after[k]: product of the magnifications of stages k..S-1
            for k in range(S - 1, -1, -1):
                after[k] = after[k + 1] * m[k]
            cols["fill"] = self.fill_unit * after[self.beam_at] if self.beam_at < S else np.full(n, self.fill_unit)
            cols["beam_ba"] = self.beam_unit * (after[self.beam_at] if self.beam_at < S else 1.0)
            for plane in self.scanner_planes:
                cols[f"fov_{plane}"] = self.fov_unit[f"fov_{plane}"] / after[self.planes.index(plane)]
            if self.z_form is not None:
                p_min, p_max, p_off = self.etl_powers
                m2 = after[0] ** 2
                z_lo = self.z_form((p_min + p_off) / m2 - p_off)
                z_hi = self.z_form((p_max + p_off) / m2 - p_off)
                cols["z_range"] = np.abs(z_hi - z_lo) * 1000.0  # µm
            cols["effective_na"] = self.na * np.minimum(1.0, cols["fill"])
            length = np.full(n, self.length0)
            for i in range(S):
                length = length + self.tables[i]["length"][state[f"p{i}"]]
            cols["length"] = length
            cols["aberration"] = np.broadcast_to(state.get("w", 0.0), (n,)) * 1.0
            cols["field_angle"] = np.degrees(np.arctan(np.broadcast_to(state.get("slope", 0.0), (n,))))
            cols["f_number"] = np.broadcast_to(state.get("fnum", np.inf), (n,)) * 1.0
            ok = _final_ok(cols, self.lim)
        idx = {}
        for i, (r1, r2) in enumerate(self.stages):
            p = state[f"p{i}"][ok]
            for r, key in ((r1, "i1"), (r2, "i2")):
                if r in self.roles:
                    idx[r] = self.tables[i][key][p]
        return idx, {c: np.ascontiguousarray(v[ok]) for c, v in cols.items()}, 0


# -- search ------------------------------------------------------------------------------
def search_lens_sets(
    path: ScanPath,
    candidates: dict,
    *,
    min_fov=None,
    min_fill=None,
    max_fill=None,
    max_length=None,
    min_z_range=None,
    aperture_fill=1.0,
    etl_fill=None,
    max_field_angle=None,
    min_f_number=None,
    no_clipping=True,
    fov_form="exact",
    metrics=(),
    rank_by=None,
    pareto_by=None,
    limit=100,
    chunk_size=1 << 18,
    progress=None,
    method="auto",
) -> SearchResult:
    r"""Find the feasible lens sets of a template path, ranked, with their Pareto front.

    Parameters
    ----------
    path : ScanPath
        Template: scanners, objective, beam, ETL and the lenses not searched.
    candidates : dict
        Role -> list of focal lengths (numbers in mm or Quantities) or
        :class:`~optics.microscope.parts.Lens` parts (their clear apertures are checked).
    min_fov : length or dict, optional
        Minimum FOV along every scanner axis, or ``{scanner plane: value}``.
    min_fill, max_fill : float, optional
        Back-aperture fill window (beam / back-aperture diameter).
    max_length : length, optional
        Maximum path length from the input plane to the objective.
    min_z_range : length, optional
        Minimum focus range of the ETL (a Quantity, or mm as a plain number).
    aperture_fill : float
        Largest beam footprint over the full scan as a fraction of every
        known clear aperture (scanner mirrors, lenses); default 1 (no
        clipping).
    etl_fill : float, optional
        Largest beam as a fraction of the ETL's clear aperture (default
        *aperture_fill*).
    max_field_angle : angle, optional
        Largest chief-ray half angle at a proxied lens (a Quantity, or rad as
        a plain number).
    min_f_number : float, optional
        Smallest working f-number of a proxied lens.
    no_clipping : bool
        False: apertures are not checked (*aperture_fill* ignored).
    fov_form : {"exact", "small_angle", "f_theta"}
        Form of the FOV metrics.
    metrics : sequence of Metric
        Extra metric columns (brute-force method only).
    rank_by : sequence of str, optional
        Metric names for the lexicographic ranking, the stated preference
        (default ``effective_na``, the FOVs, ``z_range`` when present,
        ``aberration``, then the shorter ``length``).
    pareto_by : sequence of str, optional
        Metrics of the Pareto front (default the FOVs, ``effective_na``,
        ``z_range`` when present and ``aberration``).
    limit : int
        Rows kept in the ranked table.
    chunk_size : int
        Lens sets handled at once (memory: about 200 bytes each).
    progress : callable, optional
        ``progress(done, total)`` as lens sets are accounted for.
    method : {"auto", "pruned", "brute"}
        ``"auto"``: pruned unless extra *metrics* are given or the template
        has a link the pruning does not model (a gap, a non-4f relay that is
        not searched).

    Returns
    -------
    SearchResult

    Raises
    ------
    PlaneError
        For a role the path does not have.
    InvalidParameterError
        For non-positive focal lengths, an empty candidate list, bad limits.
    """
    if not isinstance(path, ScanPath):
        raise OpticsTypeError(f"search: path must be a ScanPath, got {path!r}")
    if path.is_symbolic:
        raise OpticsTypeError("search: the template path must be numeric apart from the searched lenses")
    if method not in METHODS:
        raise OpticsValueError(f"search: method must be one of {METHODS}, got {method!r}")
    if path.beam_diameter is None:
        raise InvalidParameterError("search: the template path needs a beam_diameter")
    unknown = [r for r in candidates if r not in path.lens_roles]
    if unknown:
        raise PlaneError(f"search: no lens role {unknown[0]!r}; roles are {', '.join(path.lens_roles)}")
    roles = tuple(r for r in path.lens_roles if r in candidates)
    if not roles:
        raise InvalidParameterError("search: give candidates for at least one lens role")
    if fov_form not in FOV_FORMS:
        raise OpticsValueError(f"search: fov_form must be one of {FOV_FORMS}, got {fov_form!r}")
    if not isinstance(limit, (int, np.integer)) or limit < 1:
        raise InvalidParameterError(f"search: limit must be a positive whole number, got {limit!r}")
    data = {r: _candidates(r, candidates[r]) for r in roles}
    lim = _limits(path, min_fov, min_fill, max_fill, max_length, min_z_range,
                  aperture_fill if no_clipping else None, etl_fill, max_field_angle, min_f_number)
    all_metrics = list(default_metrics(path, fov_form)) + list(metrics)
    names = [m.name for m in all_metrics]
    proxy_cols = ["aberration", "field_angle", "f_number"]
    if len(set(names + proxy_cols + ["effective_na"])) != len(names) + 4:
        raise OpticsValueError(f"search: duplicate metric names in {names}")
    why = _pruned_problem(path, roles)
    if method == "auto":
        method = "brute" if (metrics or why) else "pruned"
    if method == "pruned" and (metrics or why):
        raise OpticsValueError(f"search: the pruned method cannot search {'extra metrics' if metrics else why}")

    senses = {m.name: m.sense for m in all_metrics}
    senses.update(effective_na="max", aberration="min", field_angle="min", f_number="max")
    units = {m.name: m.unit for m in all_metrics}
    units.update(effective_na="", aberration="um", field_angle="deg", f_number="")
    metric_cols = ["effective_na"] + names + proxy_cols
    fov_cols = [f"fov_{p}" for p in path.scanner_planes]
    has_z = "z_range" in names
    if rank_by is None:
        rank_by = ["effective_na", *fov_cols] + (["z_range"] if has_z else []) + ["aberration", "length"]
    if pareto_by is None:
        pareto_by = [*fov_cols, "effective_na"] + (["z_range"] if has_z else []) + ["aberration"]
    for what, cols in (("rank by", rank_by), ("build the Pareto front over", pareto_by)):
        for c in cols:
            if c not in metric_cols:
                raise OpticsValueError(f"search: cannot {what} {c!r}; metrics are {', '.join(metric_cols)}")
    rank_by, pareto_by = tuple(rank_by), tuple(pareto_by)

    chunk_size = max(1, int(chunk_size))
    if method == "pruned":
        engine = _Pruned(path, roles, data, fov_form, lim, chunk_size)
    else:
        engine = _Brute(path, roles, data, all_metrics, fov_form, lim, chunk_size)
    best = _Best(roles, rank_by, pareto_by, senses, int(limit))
    n_feasible, done, interrupted = 0, 0, False
    buffer, buffered = [], 0

    def flush():
        if buffer:
            best.add(*({k: np.concatenate([d[k] for d in parts]) for k in parts[0]} for parts in zip(*buffer)))
            buffer.clear()

    try:
        for idx, cols, accounted in engine.chunks():
            if idx is not None and len(cols["fill"]):
                n_feasible += len(cols["fill"])
                buffer.append((idx, cols))
                buffered += len(cols["fill"])
                if buffered >= chunk_size:  # rank and merge the front in chunks of about chunk_size sets
                    flush()
                    buffered = 0
            if accounted:
                done += accounted
                if progress is not None:
                    progress(done, engine.total)
    except KeyboardInterrupt:
        interrupted = True
    flush()

    empty = ({r: np.zeros(0, dtype=np.int64) for r in roles}, {c: np.zeros(0) for c in metric_cols})
    top = best.top or (*empty, np.zeros(0, dtype=np.int64))
    front = best.front or (*empty, np.zeros(0, dtype=np.int64))
    with_names = {r: any(data[r].names) for r in roles}
    width = max([1] + [len(n) for r in roles for n in data[r].names])
    dtype = []
    for r in roles:
        dtype += [(f"f_{r}", "f8"), (f"aperture_{r}", "f8"), (f"diameter_{r}", "f8")]
        if with_names[r]:
            dtype.append((r, f"U{width}"))
    dtype += [(c, "f8") for c in metric_cols]

    def build(idx, cols, counts):
        n = len(cols["fill"])
        out = np.zeros(n, dtype=dtype + [("n_alternatives", "i8")])
        for r in roles:
            c, sel = data[r], idx[r]
            out[f"f_{r}"] = c.f[sel]
            out[f"aperture_{r}"] = c.aperture[sel]
            out[f"diameter_{r}"] = c.diameter[sel]
            if with_names[r]:
                out[r] = np.array(c.names, dtype=f"U{width}")[sel]
        for c in metric_cols:
            out[c] = cols[c]
        out["n_alternatives"] = counts
        return out

    return SearchResult(
        table=build(*top),
        pareto=build(*front),
        n_evaluated=engine.total,
        n_feasible=int(n_feasible),
        roles=roles,
        metrics=tuple(all_metrics),
        template=path,
        pareto_metrics=pareto_by,
        rank_by=rank_by,
        senses={c: senses.get(c) for c in metric_cols},
        n_checked=int(engine.n_checked),
        method=method,
        limits=lim,
        interrupted=interrupted,
        units={c: units.get(c, "") for c in metric_cols},
    )
