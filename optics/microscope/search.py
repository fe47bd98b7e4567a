r"""Search stock lens sets for a scan path: every combination, vectorized.

Give a template :class:`~optics.microscope.path.ScanPath` (scanners, objective,
beam, ETL) and candidate lenses for some of its lens roles (``scan_lens``,
``tube_lens``, ``relay1_1``, ``relay1_2``, ..., ``etl_relay_1``,
``etl_relay_2``).  Each role's focal length becomes a sympy symbol; every
metric is derived *once* in closed form from the path's lens train and
compiled to a numpy function (:func:`optics.core.compile.compile_expr`), then
evaluated on the grid of all combinations by broadcasting, chunk by chunk.

Metrics (pluggable, see :class:`Metric`):

* ``beam_ba`` -- beam diameter at the back aperture (mm), from the beam
  where its size is set (laser, ETL or scanner);
* ``fill`` -- beam over back-aperture diameter; ``effective_na``;
* ``fov_<scanner>`` -- FOV per scanner axis (mm, exact paraxial by default);
* ``length`` -- path length from the input plane to the objective (mm);
* ``z_range`` -- with an ETL: span of the focus over the ETL's power range
  (µm, in the immersion medium);
* ``clip_<plane>`` -- beam footprint over clear aperture at every aperture
  (scanners, ETL, candidate lenses with an aperture); > 1 means clipping.

Constraints: minimum FOV, minimum fill, maximum length, no clipping.
Feasible sets are ranked (by default by effective NA, then FOV, then
z-range) and the Pareto front over FOV, fill and z-range is returned.

Relays in the template are taken as 4f-spaced during the search.

>>> from optics.microscope.parts import Objective, Scanner
>>> from optics.microscope.path import ScanPath
>>> path = ScanPath([Scanner("res", aperture=5, optical_angle=0.45)], 50, 200,
...                 Objective("16x", magnification=16, na=0.8, maker="Nikon"), beam_diameter=5)
>>> result = search_lens_sets(path, {"scan_lens": [40, 50, 75], "tube_lens": [150, 200, 300]},
...                           min_fov=1.0, min_fill=0.9)
>>> [(float(row["f_scan_lens"]), float(row["f_tube_lens"])) for row in result.table[:2]]
[(50.0, 200.0), (75.0, 300.0)]
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import sympy

from optics.core.compile import compile_expr
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError, PlaneError
from optics.microscope.parts import Lens
from optics.microscope.path import ETL_POWER, FOV_FORMS, ScanPath
from optics.core.symbolic import to_expr
from optics.units import is_quantity, to_magnitude

__all__ = ["Metric", "SearchResult", "search_lens_sets", "default_metrics", "z_range_metric", "pareto_mask"]


@dataclass(frozen=True)
class Metric:
    """A quantity computed for every lens set.

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
    """

    def derive(path):
        z = path.focus_shift_expr()
        lo = z.xreplace({ETL_POWER: path.etl.power_min})
        hi = z.xreplace({ETL_POWER: path.etl.power_max})
        return sympy.Abs(sympy.cancel(hi - lo))

    return Metric("z_range", derive, "um", "max", 1000.0)


def default_metrics(path: ScanPath, fov_form="exact") -> list:
    """The standard metrics for a path: beam, fill, FOV per scanner, length, z-range (with an ETL).

    Parameters
    ----------
    path : ScanPath
        The template path.
    fov_form : {"exact", "small_angle", "f_theta"}
        Form of the FOV metrics.

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


# -- candidates --------------------------------------------------------------------------
def _candidates(role, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise OpticsTypeError(f"search: candidates for {role!r} must be a list of focal lengths or Lens parts")
    fs, aps, names = [], [], []
    if is_quantity(values):
        values = list(values.to("mm").magnitude)
    for v in values:
        if isinstance(v, Lens):
            f = v.f.magnitude
            ap = math.inf if v.aperture is None else v.aperture.magnitude
            name = v.name
        else:
            f = to_magnitude(v, "mm", name=f"search: {role} focal length")
            try:
                f = float(f)
            except (TypeError, ValueError):
                raise OpticsTypeError(f"search: {role} focal length must be a number, got {v!r}") from None
            ap, name = math.inf, ""
        if not math.isfinite(f) or f <= 0:
            raise InvalidParameterError(f"search: {role} focal length must be positive and finite, got {v}")
        fs.append(f)
        aps.append(ap)
        names.append(name)
    if not fs:
        raise InvalidParameterError(f"search: no candidates for {role!r}")
    return np.array(fs), np.array(aps), names


def pareto_mask(values, senses) -> np.ndarray:
    """Boolean mask of the non-dominated rows of *values* (n, k).

    Parameters
    ----------
    values : array (n, k)
        Metric values, one row per set.
    senses : sequence of str
        ``"max"`` or ``"min"`` per column.

    *senses* gives ``"max"`` or ``"min"`` per column.  Equal rows are all
    kept when they are non-dominated.

    >>> pareto_mask(np.array([[1, 1], [2, 0], [0, 0], [1, 1]]), ["max", "max"]).tolist()
    [True, True, False, True]
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(len(values), dtype=bool)
    signs = np.array([1.0 if s == "max" else -1.0 for s in senses])
    pts = values * signs
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = np.ravel(inverse)
    alive = np.arange(len(uniq))
    front = []
    while alive.size:
        sub = uniq[alive]
        j = np.lexsort(sub.T[::-1])[-1]  # lexicographic maximum: never dominated
        best = sub[j]
        front.append(alive[j])
        dominated = np.all(sub <= best, axis=1)
        alive = alive[~dominated]
    keep = np.zeros(len(uniq), dtype=bool)
    keep[front] = True
    return keep[inverse]


def _tie_keys(values, rtol=1e-9):
    """Dense rank of each value, values within *rtol* of their neighbour counted equal.

    Metrics of lens sets that are equal mathematically (30/60 and 50/100 mm)
    differ in the last bits; ranking and the Pareto front compare these
    ranks, so such sets tie and the next key decides.
    """
    u, inverse = np.unique(values, return_inverse=True)
    if not u.size:
        return np.zeros(0)
    group = np.cumsum(np.r_[True, np.diff(u) > rtol * np.abs(u[1:])]) - 1
    return group[np.ravel(inverse)].astype(float)


# -- result ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchResult:
    """Ranked feasible lens sets and their Pareto front.

    Attributes
    ----------
    pareto_metrics : tuple of str
        Names of the metrics of the Pareto front.
    table : numpy structured array
        Best *limit* feasible sets, ranked: ``f_<role>`` (mm), ``<role>``
        (part name, when parts were given), one column per metric.
    pareto : numpy structured array
        Non-dominated feasible sets over the Pareto metrics (same columns).
    n_evaluated : int
    n_feasible : int
    roles : tuple of str
    metrics : tuple of Metric
    template : ScanPath
    """

    table: np.ndarray
    pareto: np.ndarray
    n_evaluated: int
    n_feasible: int
    roles: tuple
    metrics: tuple
    template: ScanPath = field(repr=False)
    pareto_metrics: tuple = ()

    def path(self, row) -> ScanPath:
        """The :class:`ScanPath` of a result row (no warnings issued).

        Parameters
        ----------
        row : numpy record
            A row of :attr:`table` or :attr:`pareto`.

        """
        from dataclasses import replace

        lenses = {}
        for role in self.roles:
            name = row[role] if role in row.dtype.names else ""
            f = float(row[f"f_{role}"])
            ap = float(row[f"aperture_{role}"])
            lenses[role] = Lens(name or f"{f:g} mm", f, None if not math.isfinite(ap) else ap)
        return replace(self.template, check=False).with_lenses(**lenses)

    def to_text(self, n=10, which="table") -> str:
        """The first *n* rows of the ranked table (or ``which="pareto"``) as text.

        Parameters
        ----------
        n : int
            Number of rows.
        which : {"table", "pareto"}

        """
        rows = self.table if which == "table" else self.pareto
        cols = [c for c in rows.dtype.names if not c.startswith("aperture_")]
        units = {f"f_{r}": "mm" for r in self.roles}
        units.update({m.name: m.unit for m in self.metrics})
        head = [f"{c} [{units[c]}]" if units.get(c) else c for c in cols]
        body = []
        for row in rows[:n]:
            body.append([f"{row[c]:.4g}" if isinstance(row[c], (float, np.floating)) else str(row[c]) for c in cols])
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        lines = [
            f"{self.n_feasible} of {self.n_evaluated} lens sets feasible; "
            + (f"top {min(n, len(rows))}" if which == "table" else f"Pareto front ({len(rows)} sets)"),
            "  ".join(h.rjust(w) for h, w in zip(head, widths)),
        ]
        lines += ["  ".join(v.rjust(w) for v, w in zip(b, widths)) for b in body]
        return "\n".join(lines)


# -- search ------------------------------------------------------------------------------
def search_lens_sets(
    path: ScanPath,
    candidates: dict,
    *,
    min_fov=None,
    min_fill=None,
    max_length=None,
    no_clipping=True,
    fov_form="exact",
    metrics=(),
    rank_by=None,
    pareto_by=None,
    limit=100,
    chunk_size=1 << 18,
    progress=None,
) -> SearchResult:
    r"""Evaluate every combination of candidate lenses and rank the feasible ones.

    Parameters
    ----------
    path : ScanPath
        Template: scanners, objective, beam, ETL and the lenses not searched.
    candidates : dict
        Role -> list of focal lengths (numbers in mm or Quantities) or
        :class:`~optics.microscope.parts.Lens` parts (their clear apertures are checked).
    min_fov : length or dict, optional
        Minimum FOV along every scanner axis, or ``{scanner plane: value}``.
    min_fill : float, optional
        Minimum beam / back-aperture diameter ratio.
    max_length : length, optional
        Maximum path length from the input plane to the objective.
    no_clipping : bool
        Reject sets whose beam footprint exceeds any clear aperture over the
        full scan (default True).
    fov_form : {"exact", "small_angle", "f_theta"}
    metrics : sequence of Metric
        Extra metrics (columns); add a ``sense`` to use them in *rank_by*.
    rank_by : sequence of str, optional
        Metric names for the lexicographic ranking (default
        ``effective_na``, the FOVs, ``z_range`` when present, then the
        shorter ``length``).
    pareto_by : sequence of str, optional
        Metrics of the Pareto front (default the FOVs, ``fill`` and
        ``z_range`` when present), all maximized except ``length``.
    limit : int
        Rows kept in the ranked table.
    chunk_size : int
        Combinations evaluated at once (memory: about 100 bytes each).
    progress : callable, optional
        ``progress(done, total)`` after each chunk.

    Returns
    -------
    SearchResult

    Raises
    ------
    PlaneError
        For a role the path does not have.
    InvalidParameterError
        For non-positive focal lengths or an empty candidate list.
    """
    if not isinstance(path, ScanPath):
        raise OpticsTypeError(f"search: path must be a ScanPath, got {path!r}")
    if path.is_symbolic:
        raise OpticsTypeError("search: the template path must be numeric apart from the searched lenses")
    roles = tuple(r for r in path.lens_roles if r in candidates)
    unknown = [r for r in candidates if r not in path.lens_roles]
    if unknown:
        raise PlaneError(f"search: no lens role {unknown[0]!r}; roles are {', '.join(path.lens_roles)}")
    if not roles:
        raise InvalidParameterError("search: give candidates for at least one lens role")
    data = {r: _candidates(r, candidates[r]) for r in roles}
    symbols = {r: sympy.Symbol(f"f_{r}", positive=True) for r in roles}
    sym_path = path.with_lenses(**{r: symbols[r] for r in roles})
    args = tuple(symbols[r] for r in roles)

    all_metrics = list(default_metrics(path, fov_form)) + list(metrics)
    names = [m.name for m in all_metrics]
    if len(set(names)) != len(names):
        raise OpticsValueError(f"search: duplicate metric names in {names}")
    compiled = {
        m.name: compile_expr(to_expr(m.derive(sym_path), "dimensionless", name=f"search metric {m.name!r}"),
                               args, check_finite=False) for m in all_metrics
    }
    na = float(path.objective.na)

    # Clipping: footprint expression at every aperture; candidate roles take their apertures from the lists.
    clip = []
    for plane, _, ap in sym_path.apertures():
        clip.append((plane, compile_expr(sym_path.footprint_expr(plane), args, check_finite=False), float(ap)))
    for r in roles:
        if np.isfinite(data[r][1]).any():
            clip.append((r, compile_expr(sym_path.footprint_expr(r), args, check_finite=False), None))

    planes = path.scanner_planes
    if isinstance(min_fov, dict):
        fov_min = {p: to_magnitude(v, "mm", name=f"search: min_fov for {p}") for p, v in min_fov.items()}
        for p in fov_min:
            if p not in planes:
                raise PlaneError(f"search: min_fov given for {p!r}, not a scanner ({', '.join(planes)})")
    elif min_fov is not None:
        fov_min = {p: to_magnitude(min_fov, "mm", name="search: min_fov") for p in planes}
    else:
        fov_min = {}
    max_len = None if max_length is None else float(to_magnitude(max_length, "mm", name="search: max_length"))

    shape = tuple(len(data[r][0]) for r in roles)
    total = int(np.prod(shape))
    # inner roles are broadcast, outer roles iterated
    split = len(roles)
    while split > 0 and int(np.prod(shape[split - 1:])) <= chunk_size:
        split -= 1
    outer, inner = shape[:split], shape[split:]
    inner_n = int(np.prod(inner)) if inner else 1

    def grid(role_index, value_array):
        k = role_index - split
        shp = [1] * len(inner)
        shp[k] = len(value_array)
        return value_array.reshape(shp)

    kept_idx, kept_vals = [], []
    done = 0
    for outer_idx in itertools.product(*(range(n) for n in outer)):
        f_args, ap_args = [], {}
        for k, r in enumerate(roles):
            f, ap, _ = data[r]
            if k < split:
                f_args.append(f[outer_idx[k]])
                ap_args[r] = ap[outer_idx[k]]
            else:
                f_args.append(grid(k, f))
                ap_args[r] = grid(k, ap)
        with np.errstate(all="ignore"):
            vals = {name: np.broadcast_to(fn(*f_args), inner) for name, fn in compiled.items()}
            vals["effective_na"] = na * np.minimum(1.0, vals["fill"])
            ok = np.ones(inner, dtype=bool)
            for p, v in fov_min.items():
                ok &= vals[f"fov_{p}"] >= v
            if min_fill is not None:
                ok &= vals["fill"] >= float(min_fill)
            if max_len is not None:
                ok &= vals["length"] <= max_len
            if no_clipping:
                for plane, fn, ap in clip:
                    limit_ap = ap_args[plane] if ap is None else ap
                    ok &= fn(*f_args) <= limit_ap * (1 + 1e-12)
        hits = np.flatnonzero(ok)
        if hits.size:
            base = np.ravel_multi_index(outer_idx, outer) * inner_n if outer else 0
            kept_idx.append(base + hits)
            kept_vals.append({k: np.ravel(v)[hits] for k, v in vals.items()})
        done += inner_n
        if progress is not None:
            progress(done, total)

    metric_cols = ["effective_na"] + names
    senses = {m.name: m.sense for m in all_metrics}
    senses["effective_na"] = "max"
    scales = {m.name: m.scale for m in all_metrics}
    if kept_idx:
        idx = np.concatenate(kept_idx)
        cols = {c: np.concatenate([kv[c] for kv in kept_vals]) * scales.get(c, 1.0) for c in metric_cols}
    else:
        idx = np.zeros(0, dtype=np.int64)
        cols = {c: np.zeros(0) for c in metric_cols}
    fov_cols = [f"fov_{p}" for p in planes]
    if rank_by is None:
        rank_by = ["effective_na", *fov_cols] + (["z_range"] if "z_range" in names else []) + ["length"]
    for c in rank_by:
        if c not in cols:
            raise OpticsValueError(f"search: cannot rank by {c!r}; metrics are {', '.join(metric_cols)}")
    if pareto_by is None:
        pareto_by = [*fov_cols, "fill"] + (["z_range"] if "z_range" in names else [])
    ties = {c: _tie_keys(cols[c]) for c in set(rank_by) | set(pareto_by or ())}
    keys = [ties[c] if senses.get(c) == "min" else -ties[c] for c in reversed(list(rank_by))]
    order = np.lexsort(keys) if len(idx) and keys else np.arange(len(idx))
    for c in pareto_by:
        if c not in cols:
            raise OpticsValueError(f"search: no metric {c!r} for the Pareto front; metrics are {', '.join(metric_cols)}")
    p_senses = ["min" if senses.get(c) == "min" else "max" for c in pareto_by]
    front = pareto_mask(np.column_stack([ties.get(c, cols[c]) for c in pareto_by]), p_senses) if len(idx) else np.zeros(0, bool)
    front_rows = order[front[order]]

    multi = np.unravel_index(idx, shape) if len(idx) else [np.zeros(0, int)] * len(roles)
    with_names = {r: any(data[r][2]) for r in roles}
    width = max([1] + [len(n) for r in roles for n in data[r][2]])
    dtype = []
    for r in roles:
        dtype.append((f"f_{r}", "f8"))
        dtype.append((f"aperture_{r}", "f8"))
        if with_names[r]:
            dtype.append((r, f"U{width}"))
    dtype += [(c, "f8") for c in metric_cols]

    def build(rows):
        out = np.zeros(len(rows), dtype=dtype)
        for k, r in enumerate(roles):
            f, ap, nm = data[r]
            sel = multi[k][rows]
            out[f"f_{r}"] = f[sel]
            out[f"aperture_{r}"] = ap[sel]
            if with_names[r]:
                out[r] = np.array(nm, dtype=f"U{width}")[sel]
        for c in metric_cols:
            out[c] = cols[c][rows]
        return out

    return SearchResult(
        table=build(order[: int(limit)]),
        pareto=build(front_rows),
        n_evaluated=total,
        n_feasible=int(len(idx)),
        roles=roles,
        metrics=tuple(all_metrics),
        template=path,
        pareto_metrics=tuple(pareto_by),
    )
