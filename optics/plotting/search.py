r"""Plots of a lens-set search (:func:`optics.microscope.search.search_lens_sets`).

:func:`plot_fov_vs_fill` shows the trade-off between the field of view and
the filling of the objective's back aperture; :func:`plot_pareto` any two
metrics with the Pareto front.  Both draw the feasible sets of the result's
ranked table faintly, highlight the Pareto-optimal sets
(:attr:`SearchResult.pareto`, non-dominated over all the Pareto metrics), and
draw the constraints passed in as lines.

The ranked table holds the best *limit* feasible sets only (see
:func:`~optics.microscope.search.search_lens_sets`); call the search with a *limit* of
at least the number of combinations to see every feasible set.  The
constraints are not stored in a :class:`~optics.microscope.search.SearchResult`, so
they are given again here (``min_fov``, ``min_fill``, ``max_length``).

>>> from optics.design import Design
>>> from optics.microscope.search import search_lens_sets
>>> path = Design.default().scan_path(check=False)
>>> result = search_lens_sets(path, {"scan_lens": [40, 50, 75], "tube_lens": [150, 200, 300]}, min_fill=0.8)
>>> plot_fov_vs_fill(result, min_fill=0.8).get_ylabel()
'FOV along resonant (µm)'
"""

from __future__ import annotations

import numpy as np

from optics.errors import OpticsTypeError, OpticsValueError, PlaneError
from optics.microscope.search import SearchResult, pareto_mask
from optics.units import to_magnitude
from optics.plotting._axes import new_axes

__all__ = ["plot_fov_vs_fill", "plot_pareto", "metric_label"]

_LABELS = {
    "fill": "fill ratio (beam / back-aperture diameter)",
    "effective_na": "effective excitation NA",
    "z_range": "ETL z range (µm)",
    "length": "path length, input to objective (mm)",
    "beam_ba": "beam diameter at back aperture (mm)",
    "aberration": "aberration proxy, worst lens (µm)",
    "field_angle": "largest field half angle at a lens (deg)",
    "f_number": "smallest working f-number",
}




def _check(result, label):
    if not isinstance(result, SearchResult):
        raise OpticsTypeError(f"{label}: expected a SearchResult, got {result!r}")


def metric_label(result: SearchResult, name: str) -> str:
    """Axis label (with unit) of a metric column; FOVs are shown in µm.

    Parameters
    ----------
    result : SearchResult or None
        Gives the unit of custom metrics.
    name : str
        Metric column name.

    >>> metric_label(None, "z_range")
    'ETL z range (µm)'
    """
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("fov_"):
        return f"FOV along {name[4:]} (µm)"
    units = {m.name: m.unit for m in getattr(result, "metrics", ())}
    units.update(getattr(result, "units", {}) or {})
    return f"{name} ({units[name]})" if units.get(name) else name


def _values(rows, name):
    """Column *name* of the rows in the plotted unit (FOV mm -> µm)."""
    v = np.asarray(rows[name], dtype=float)
    return v * 1000.0 if name.startswith("fov_") else v


def _column(result, name, label):
    if name not in result.table.dtype.names:
        metrics = [c for c in result.table.dtype.names
                   if not c.startswith(("f_", "aperture_", "diameter_")) and c not in result.roles
                   and c != "n_alternatives"]
        raise OpticsValueError(f"{label}: no metric {name!r}; metrics are {', '.join(metrics)}")
    return name


def _set_label(result, row) -> str:
    """Focal lengths of a row, e.g. ``"50/200"`` (mm, in role order)."""
    return "/".join(f"{float(row[f'f_{r}']):g}" for r in result.roles)


def _constraint(ax, name, value, orientation, label):
    if value is None:
        return
    if name.startswith("fov_"):
        if isinstance(value, dict):  # per scanner, as search_lens_sets accepts
            value = value.get(name[4:])
            if value is None:
                return
        v = float(to_magnitude(value, "mm", name=f"{label}: min_fov")) * 1000.0
        text = f"min FOV {v:g} µm"
    elif name == "fill":
        v = float(to_magnitude(value, "dimensionless", name=f"{label}: min_fill"))
        text = f"min fill {v:g}"
    elif name == "length":
        v = float(to_magnitude(value, "mm", name=f"{label}: max_length"))
        text = f"max length {v:g} mm"
    else:  # pragma: no cover - only called for the names above
        return
    line = ax.axhline if orientation == "h" else ax.axvline
    line(v, color="tab:red", lw=1.0, ls="--", label=text, gid=f"constraint:{name}")


def _draw(result, xname, yname, ax, *, annotate=True):
    x_all, y_all = _values(result.table, xname), _values(result.table, yname)
    x_p, y_p = _values(result.pareto, xname), _values(result.pareto, yname)
    ax.plot(x_all, y_all, "o", color="0.6", alpha=0.35, ms=4, ls="none", gid="feasible",
            label=f"ranked groups of feasible sets (best {len(result.table)}; {result.n_feasible} sets feasible)")
    ax.plot(x_p, y_p, "o", color="tab:blue", ms=6, ls="none", gid="pareto",
            label=f"Pareto front over {', '.join(result.pareto_metrics)}")
    if annotate and 0 < len(result.pareto) <= 12:
        for row, x, y in zip(result.pareto, x_p, y_p):
            ax.annotate(_set_label(result, row), (x, y), xytext=(4, 3), textcoords="offset points",
                        fontsize="xx-small", color="tab:blue")
    if result.n_feasible == 0:
        ax.text(0.5, 0.5, f"no feasible lens set of {result.n_evaluated}", transform=ax.transAxes,
                ha="center", va="center")
    return x_p, y_p


def plot_fov_vs_fill(result, *, scanner=None, min_fov=None, min_fill=None, ax=None):
    """Field of view against back-aperture fill for the feasible lens sets.

    Parameters
    ----------
    result : SearchResult
    scanner : str, optional
        Scanner plane whose FOV is plotted (default the first).
    min_fov : length or dict, optional
        Minimum FOV used in the search (drawn as a line; mm if a number),
        or ``{scanner plane: length}`` as in the search.
    min_fill : float, optional
        Minimum fill used in the search (drawn as a line).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        x: fill ratio, y: FOV (µm); a dotted line marks fill 1 (beam as
        large as the back aperture: right of it the aperture is overfilled,
        the full NA is used and power is lost at the aperture).  Lines with
        ``gid`` ``"feasible"`` and ``"pareto"`` hold the points;
        annotations give the focal lengths of the Pareto sets (mm, in role
        order).
    """
    label = "plot_fov_vs_fill"
    _check(result, label)
    planes = [c[4:] for c in result.table.dtype.names if c.startswith("fov_")]
    if scanner is None:
        scanner = planes[0]
    if scanner not in planes:
        raise PlaneError(f"{label}: no scanner {scanner!r}; scanners are {', '.join(planes)}")
    yname = f"fov_{scanner}"
    ax = new_axes(ax)
    _draw(result, "fill", yname, ax)
    ax.axvline(1.0, color="0.4", lw=0.8, ls=":", label="beam = back aperture (fill 1)")
    _constraint(ax, yname, min_fov, "h", label)
    _constraint(ax, "fill", min_fill, "v", label)
    ax.set_xlabel(metric_label(result, "fill"))
    ax.set_ylabel(metric_label(result, yname))
    ax.legend(fontsize="x-small", loc="best")
    return ax


def plot_pareto(result, x=None, y=None, *, min_fov=None, min_fill=None, max_length=None, ax=None):
    """Two metrics of the feasible lens sets with the Pareto front highlighted.

    Parameters
    ----------
    result : SearchResult
    x, y : str, optional
        Metric columns; default *y* the first Pareto metric (a FOV) and *x*
        ``"z_range"`` if it is a Pareto metric, else ``"fill"``.
    min_fov, min_fill, max_length : optional
        The search's constraints, drawn as lines on the axes they apply to.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        ``gid`` ``"feasible"``: the ranked table; ``"pareto"``: the sets
        non-dominated over all Pareto metrics; ``"front_2d"``: the staircase
        through the sets non-dominated in the two plotted metrics (larger is
        better, except ``length``).
    """
    label = "plot_pareto"
    _check(result, label)
    metrics = result.pareto_metrics or tuple(c for c in result.table.dtype.names if c.startswith("fov_"))
    if y is None:
        y = metrics[0]
    if x is None:
        x = "z_range" if "z_range" in metrics else "fill"
    _column(result, x, label)
    _column(result, y, label)
    ax = new_axes(ax)
    x_p, y_p = _draw(result, x, y, ax)
    if len(x_p):
        senses = [result.senses.get(c) or ("min" if c == "length" else "max") for c in (x, y)]
        keep = pareto_mask(np.column_stack([x_p, y_p]), senses)
        order = np.argsort(x_p[keep])
        ax.step(x_p[keep][order], y_p[keep][order], where="pre" if senses[0] == "max" else "post",
                color="tab:blue", lw=1.0, alpha=0.7, gid="front_2d", label=f"front in {x}, {y}")
    for name, orientation in ((x, "v"), (y, "h")):
        value = {"fill": min_fill, "length": max_length}.get(name, min_fov if name.startswith("fov_") else None)
        _constraint(ax, name, value, orientation, label)
    ax.set_xlabel(metric_label(result, x))
    ax.set_ylabel(metric_label(result, y))
    ax.legend(fontsize="x-small", loc="best")
    return ax
