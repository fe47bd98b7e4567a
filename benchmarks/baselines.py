"""Hand-written baselines the benchmarks compare against (not part of the library).

Everything here is written the way a user would write it without `optics`:
sympy matrix products, numpy formulas for each element, numpy broadcasting
over a grid of lens sets, and (optionally) the `raytracing` package.  None of
it calls into `optics`, so the benchmark's correctness checks compare two
independent computations.

Geometry (same as :func:`optics.microscope.remote_focus.remote_focus_train`, written out
again from the physics): ETL (power P + P_off in dpt), then each 4f relay
(f1, f2) with the ETL d_e past the first relay's front focal plane, a flat
scan mirror after each relay, scan lens and tube lens as a 4f pair, the
objective (thin lens, EFL f_o) Delta past the pupil image's back focal plane,
a flat interface into the immersion medium (index n) and n f_o of medium to
the nominal focus.  Rays are (height, actual angle); the focus after the
train is at -A/C (mm); z is that minus its value at total ETL power zero.
"""

from __future__ import annotations

import math

import numpy as np
import sympy


# -- symbolic derivation ------------------------------------------------------------
def _symbolic_elements(power, f_o, f_t, f_s, relays, p_off, n, delta, d_e):
    """The 2x2 matrices (A, B, C, D) of the remote-focus path, in light order."""
    space = lambda d: (1, d, 0, 1)  # noqa: E731
    lens = lambda f: (1, 0, -1 / f, 1)  # noqa: E731
    out = [(1, 0, -(power + p_off) / 1000, 1)]
    lead = d_e
    for f1, f2 in relays:
        out += [space(f1 - lead), lens(f1), space(f1 + f2), lens(f2), space(f2), (1, 0, 0, 1)]
        lead = 0
    out += [space(f_s - lead), lens(f_s), space(f_s + f_t), lens(f_t), space(f_t), space(f_o - delta),
            lens(f_o), (1, 0, 0, sympy.Integer(1) / n), space(n * f_o)]
    return [tuple(sympy.sympify(v) for v in m) for m in out]


def naive_focus_shift(power, p_off, elements):
    """The obvious sympy route: multiply the Matrix objects, then simplify z(P) - z(P_ref)."""
    m = sympy.eye(2)
    for a, b, c, d in elements:
        m = sympy.Matrix([[a, b], [c, d]]) * m
    focus = -m[0, 0] / m[1, 0]
    return sympy.simplify(focus - focus.subs(power, -p_off))


def hand_tuned_focus_shift(power, p_off, elements):
    """A tuned sympy route: 2x2 products as tuples, expand each entry, one cancel at the end.

    (Of cancel / together / factor / expand per step, expand was the fastest
    on this train; see docs/benchmarks.md.)
    """
    one, zero = sympy.Integer(1), sympy.Integer(0)
    a1, b1, c1, d1 = one, zero, zero, one
    for a2, b2, c2, d2 in elements:
        a1, b1, c1, d1 = (
            sympy.expand(a2 * a1 + b2 * c1), sympy.expand(a2 * b1 + b2 * d1),
            sympy.expand(c2 * a1 + d2 * c1), sympy.expand(c2 * b1 + d2 * d1),
        )
    focus = sympy.cancel(-a1 / c1)
    return sympy.cancel(focus - focus.xreplace({power: -p_off}))


def post_formula(power, f_o, f_t, f_s, relays, p_off, n, delta, d_e):
    r"""Closed form :math:`z = -n f_o^2 k^2\phi/(1 + \Delta k^2\phi + d_e\phi)` (mm).

    :math:`k = \prod (f_1/f_2)\, f_s/f_t`, :math:`\phi = (P + P_\mathrm{off})/1000`;
    for :math:`\Delta = d_e = 0`, :math:`n = 1` it is the reference post's
    :math:`z = -f_o^2 f_s^2 f_{r1}^2 f_{r3}^2/(f_\mathrm{ETL} f_t^2 f_{r2}^2 f_{r4}^2)`.
    """
    k = f_s / f_t
    for f1, f2 in relays:
        k = k * f1 / f2
    phi = (power + p_off) / 1000
    return -n * f_o**2 * k**2 * phi / (1 + delta * k**2 * phi + d_e * phi)


# -- numeric sweep -------------------------------------------------------------------
def _numeric_constant_elements(f_o, f_t, f_s, relays, n, delta, d_e):
    space = lambda d: (1.0, float(d), 0.0, 1.0)  # noqa: E731
    lens = lambda f: (1.0, 0.0, -1.0 / f, 1.0)  # noqa: E731
    out = []
    lead = d_e
    for f1, f2 in relays:
        out += [space(f1 - lead), lens(f1), space(f1 + f2), lens(f2), space(f2)]  # flat mirror: identity
        lead = 0.0
    out += [space(f_s - lead), lens(f_s), space(f_s + f_t), lens(f_t), space(f_t), space(f_o - delta),
            lens(f_o), (1.0, 0.0, 0.0, 1.0 / n), space(n * f_o)]
    return out


def numpy_chain(p, f_o, f_t, f_s, relays, p_off=0.0, n=1.0, delta=0.0, d_e=0.0):
    """z (mm) for ETL powers *p* (dpt): every element's matrix multiplied as numpy arrays."""
    p = np.asarray(p, dtype=float)
    consts = _numeric_constant_elements(f_o, f_t, f_s, relays, n, delta, d_e)

    def focus(total_power):
        a1, b1 = np.ones_like(total_power), np.zeros_like(total_power)
        c1, d1 = -total_power / 1000.0, np.ones_like(total_power)
        for a2, b2, c2, d2 in consts:
            a1, b1, c1, d1 = a2 * a1 + b2 * c1, a2 * b1 + b2 * d1, c2 * a1 + d2 * c1, c2 * b1 + d2 * d1
        return -a1 / c1

    return focus(p + p_off) - focus(np.zeros(1))[0]


def numpy_premultiplied(p, f_o, f_t, f_s, relays, p_off=0.0, n=1.0, delta=0.0, d_e=0.0):
    """z (mm): the constant part multiplied once as a 2x2 array; only the ETL varies per point."""
    m = np.eye(2)
    for a, b, c, d in _numeric_constant_elements(f_o, f_t, f_s, relays, n, delta, d_e):
        m = np.array([[a, b], [c, d]]) @ m
    phi = -(np.asarray(p, dtype=float) + p_off) / 1000.0  # C of the ETL
    return -(m[0, 0] + m[0, 1] * phi) / (m[1, 0] + m[1, 1] * phi) + m[0, 0] / m[1, 0]


def raytracing_sweep(p, f_o, f_t, f_s, relays, p_off=0.0, n=1.0, delta=0.0, d_e=0.0):
    """z (mm) with the `raytracing` package: constant part premultiplied once, a Python loop over powers.

    Returns None when `raytracing` is not installed.
    """
    try:
        import raytracing as rt
    except ImportError:
        return None
    items = []
    lead = d_e
    for f1, f2 in relays:
        items += [rt.Space(d=f1 - lead), rt.Lens(f=f1), rt.Space(d=f1 + f2), rt.Lens(f=f2), rt.Space(d=f2)]
        lead = 0.0
    items += [rt.Space(d=f_s - lead), rt.Lens(f=f_s), rt.Space(d=f_s + f_t), rt.Lens(f=f_t), rt.Space(d=f_t),
              rt.Space(d=f_o - delta), rt.Lens(f=f_o), rt.DielectricInterface(n1=1.0, n2=n),
              rt.Space(d=n * f_o, n=n)]
    rest = items[0]
    for m in items[1:]:
        rest = m * rest
    ref = -rest.A / rest.C
    out = np.empty(len(p))
    for i, power in enumerate(np.asarray(p, dtype=float)):
        total = power + p_off
        etl = rt.Lens(f=1000.0 / total) if total != 0 else rt.Matrix()
        m = rest * etl
        out[i] = -m.A / m.C - ref
    return out


# -- lens-set search -----------------------------------------------------------------
RANK_KEYS = ("effective_na", "fov_resonant", "fov_galvo", "z_range", "length")  # length: shorter is better
PARETO_KEYS = ("fov_resonant", "fov_galvo", "fill", "z_range")


def search_metrics(e1, e2, r1, r2, fs, ft, *, beam, na, n, f_o, back_aperture, alpha_res, alpha_galvo, ap_etl,
                   ap_res, ap_galvo, power_span, min_fov, min_fill):
    """Metrics and feasibility of lens sets (arrays broadcast together), from the textbook 4f formulas.

    ETL relay (e1, e2), relay between the scanners (r1, r2), scan lens fs,
    tube lens ft; all relays 4f, the ETL at the input with a collimated beam
    of diameter *beam*, scanners resonant then galvo, each conjugate to the
    objective's back focal plane.
    """
    mag = (e2 / e1) * (r2 / r1) * (ft / fs)  # beam magnification ETL -> back aperture
    beam_ba = beam * mag
    fill = beam_ba / back_aperture
    out = {
        "beam_ba": beam_ba, "fill": fill, "effective_na": na * np.minimum(1.0, fill),
        # chief ray leaving a scanner at slope tan(alpha/2) reaches the sample at f_o * slope / (scanner -> BFP mag)
        "fov_resonant": 2 * f_o * (r1 / r2) * (fs / ft) * math.tan(alpha_res / 2),
        "fov_galvo": 2 * f_o * (fs / ft) * math.tan(alpha_galvo / 2),
        "length": 2 * (e1 + e2) + 2 * (r1 + r2) + 2 * (fs + ft) + f_o,
        # z = -n f_o^2 P / (1000 M^2) mm for an ETL conjugate to the back focal plane; span in um
        "z_range": 1000.0 * n * f_o**2 * power_span / (1000.0 * mag**2),
    }
    ok = (out["fov_resonant"] >= min_fov) & (out["fov_galvo"] >= min_fov) & (fill >= min_fill)
    ok = ok & (beam <= ap_etl) & (beam * e2 / e1 <= ap_res) & (beam * (e2 / e1) * (r2 / r1) <= ap_galvo)
    out["ok"] = ok
    return out


def tie_groups(values, rtol=1e-9):
    """Group ids of *values*, values within *rtol* of their neighbour sharing an id (increasing with value).

    Returns ``(ids, table)``; ``table = (sorted unique values, their ids)`` maps
    other values onto the same groups (:func:`group_ids`).
    """
    u = np.unique(values)
    gid = np.cumsum(np.r_[True, np.diff(u) > rtol * np.abs(u[1:])]) - 1 if u.size else np.zeros(0, dtype=int)
    return gid[np.searchsorted(u, values)], (u, gid)


def group_ids(values, table, rtol=1e-9):
    """Ids of *values* in the groups of :func:`tie_groups` (-1 where no group is within *rtol*)."""
    u, gid = table
    values = np.asarray(values, dtype=float)
    if not u.size:
        return np.full(values.shape, -1)
    i = np.clip(np.searchsorted(u, values), 1, max(1, len(u) - 1))
    lo, hi = u[i - 1], u[np.minimum(i, len(u) - 1)]
    j = np.where(np.abs(values - lo) <= np.abs(values - hi), i - 1, np.minimum(i, len(u) - 1))
    return np.where(np.abs(u[j] - values) <= rtol * np.abs(values), gid[j], -1)


def numpy_search(fl, limit, **params):
    """Every combination of six lens roles (*fl*: six candidate lists) by numpy broadcasting over the grid.

    Ranking and Pareto front compare values within a relative 1e-9, so lens
    sets that tie mathematically (30/60 and 50/100 mm) tie here too.
    Returns the feasible flat indices, their metric columns, their tie-group
    ids per ranking/Pareto key, the order of the top *limit* and the Pareto mask.
    """
    grids = [np.asarray(v, dtype=float).reshape([-1 if i == k else 1 for i in range(6)]) for k, v in enumerate(fl)]
    m = search_metrics(*grids, **params)
    shape = tuple(len(v) for v in fl)
    idx = np.flatnonzero(np.broadcast_to(m["ok"], shape))
    cols = {k: np.broadcast_to(v, shape).reshape(-1)[idx] for k, v in m.items() if k != "ok"}
    ids, tables = {}, {}
    for key in set(RANK_KEYS) | set(PARETO_KEYS):
        ids[key], tables[key] = tie_groups(cols[key])
    order = np.lexsort([ids["length"]] + [-ids[k] for k in RANK_KEYS[-2::-1]])[:limit]
    front = _pareto(np.column_stack([ids[c] for c in PARETO_KEYS]))
    return {"idx": idx, "order": order, "cols": cols, "ids": ids, "tables": tables, "front": front}


def _pareto(points):
    """Boolean mask of rows not dominated by any other row (all columns maximized)."""
    keep = np.zeros(len(points), dtype=bool)
    alive = np.arange(len(points))
    while alive.size:
        sub = points[alive]
        best = alive[np.lexsort(sub.T[::-1])[-1]]  # the lexicographic maximum is never dominated
        dominated = np.all(points[alive] <= points[best], axis=1) & np.any(points[alive] < points[best], axis=1)
        same = np.all(points[alive] == points[best], axis=1)
        keep[alive[same]] = True
        alive = alive[~(dominated | same)]
    return keep
