"""Hand-written baselines the benchmarks compare against (not part of the library).

Everything here is written the way a competent engineer would write it
without `optics`: sympy matrix products (naive, and tuned by hand), a sympy
rational-function-field product, the sweep's closed form evaluated in place
with numpy, numpy over the feasible lens sets of a grid, and (optionally) the
`raytracing` package.  None of
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


def generic_matrices(n_elements, kind="generic"):
    """(A, B, C, D) of a symbolic train, light order, written out with sympy.

    ``"generic"``: alternating free spaces d_i and thin lenses f_i, every one
    its own symbol.  ``"4f"``: relays Space(fa_i) Lens(fa_i) Space(fa_i + fb_i)
    Lens(fb_i) Space(fb_i) (five elements each).
    """
    out = []
    if kind == "generic":
        for i in range(n_elements // 2):
            d, f = sympy.symbols(f"d{i} f{i}", positive=True)
            out += [(1, d, 0, 1), (1, 0, -1 / f, 1)]
    else:
        for i in range(n_elements // 5):
            fa, fb = sympy.symbols(f"fa{i} fb{i}", positive=True)
            out += [(1, fa, 0, 1), (1, 0, -1 / fa, 1), (1, fa + fb, 0, 1), (1, 0, -1 / fb, 1), (1, fb, 0, 1)]
    return [tuple(sympy.sympify(v) for v in m) for m in out]


def field_product(matrices):
    """The product in sympy's sparse rational-function field QQ(symbols) (gcd per step), as expressions.

    What an engineer who knows sympy's polys module writes for long symbolic
    trains (it is also what `optics` used before its ring product).
    """
    from sympy.polys.fields import field

    symbols = sorted(set().union(*(v.free_symbols for m in matrices for v in m)), key=lambda s: s.name)
    k, *_ = field(symbols, sympy.QQ)
    a1, b1, c1, d1 = k.one, k.zero, k.zero, k.one
    for m in matrices:
        a2, b2, c2, d2 = (k.from_expr(v) for v in m)
        a1, b1, c1, d1 = a2 * a1 + b2 * c1, a2 * b1 + b2 * d1, c2 * a1 + d2 * c1, c2 * b1 + d2 * d1
    return tuple(v.as_expr() for v in (a1, b1, c1, d1))


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


def mobius_constants(f_o, f_t, f_s, relays, p_off=0.0, n=1.0, delta=0.0, d_e=0.0):
    """(K1, K2, P0) with z(P) = K1 + K2/(P - P0) in um, from the constant part multiplied once in numpy.

    With the constant part M after the ETL and the ETL's C = -(P + P_off)/1000,
    the focus is -(m00 + m01 C)/(m10 + m11 C): a Möbius function of P,
    (aP + b)/(cP + d) with a = m01/1000, b = m01 P_off/1000 - m00,
    c = -m11/1000, d = m10 - m11 P_off/1000; z subtracts its value at total power
    zero, -m00/m10.  K1 = a/c + m00/m10, K2 = (bc - ad)/c^2, P0 = -d/c.
    """
    m = np.eye(2)
    for a_, b_, c_, d_ in _numeric_constant_elements(f_o, f_t, f_s, relays, n, delta, d_e):
        m = np.array([[a_, b_], [c_, d_]]) @ m
    a, b = m[0, 1] / 1000.0, m[0, 1] * p_off / 1000.0 - m[0, 0]
    c, d = -m[1, 1] / 1000.0, m[1, 0] - m[1, 1] * p_off / 1000.0
    k1 = (a / c + m[0, 0] / m[1, 0]) * 1000.0
    k2 = (b * c - a * d) / c**2 * 1000.0
    return k1, k2, -d / c


def tuned_sweep(power, k1, k2, p0, dpt, um, quantity):
    """z (Quantity, um) for ETL powers (Quantity): K1 + K2/(P - P0) in place, three passes.

    *dpt* and *um* are pint units made once, *quantity* the Quantity class:
    what a good engineer writes when z(P) is known to be a Möbius function.
    """
    p = power.m_as(dpt)
    if np.ndim(p) == 0:
        return quantity(k2 / (p - p0) + k1, um)
    out = np.subtract(p, p0)
    np.divide(k2, out, out=out)
    np.add(out, k1, out=out)
    return quantity(out, um)


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
                   ap_res, ap_galvo, power_span, min_fov=None, min_fill=None):
    """Metrics and feasibility of lens sets (arrays broadcast together), from the textbook 4f formulas.

    ETL relay (e1, e2), relay between the scanners (r1, r2), scan lens fs,
    tube lens ft; all relays 4f, the ETL at the input with a collimated beam
    of diameter *beam*, scanners resonant then galvo, each conjugate to the
    objective's back focal plane.  *min_fov*, *min_fill*: None for no limit.
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
    ok = (beam <= ap_etl) & (beam * e2 / e1 <= ap_res) & (beam * (e2 / e1) * (r2 / r1) <= ap_galvo)
    if min_fov is not None:
        ok = ok & (out["fov_resonant"] >= min_fov) & (out["fov_galvo"] >= min_fov)
    if min_fill is not None:
        ok = ok & (fill >= min_fill)
    out["ok"] = ok & np.ones_like(fill, dtype=bool)
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


def _pack(columns):
    """One int64 key per row of non-negative int columns (lexicographic)."""
    packed = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        packed = packed * (int(col.max()) + 1) + col
    return packed


def numpy_search(fl, limit, **params):
    """Every combination of six lens roles (*fl*: six candidate lists), written as a good numpy engineer would.

    Feasibility first, vectorised over the whole grid with the constraints
    factored by the roles they involve (magnifications e2/e1, r2/r1 and
    ft/fs are 2-D tables; one boolean pass over the 6-D grid); the metrics
    only for the feasible sets (gathered by index); ranking by tie-group ids;
    the Pareto front blocked over unique packed keys (:func:`pareto_front`).
    Ranking and Pareto front compare values within a relative 1e-9, so lens
    sets that tie mathematically (30/60 and 50/100 mm) tie here too; sets
    tying on every ranking key form one ranked group (the top *limit*
    groups are kept, with their sizes), sets tying on every front metric one
    front point (with its size).  Returns the feasible flat indices, their
    metric columns, their tie-group ids per ranking/Pareto key, the first
    row of each of the top *limit* groups (``order``) and the group sizes,
    the Pareto mask, and the front's unique id rows with their sizes.
    """
    e1, e2, r1, r2, fs, ft = (np.asarray(v, dtype=float) for v in fl)
    beam, f_o = params["beam"], params["f_o"]
    min_fov, min_fill = params.get("min_fov"), params.get("min_fill")
    m_e = e2[None, :] / e1[:, None]  # ETL relay magnification, [e1, e2]
    m_r = r2[None, :] / r1[:, None]
    m_s = ft[None, :] / fs[:, None]  # scan -> tube
    ok_e = (beam <= params["ap_etl"]) & (beam * m_e <= params["ap_res"])
    ok_er = (beam * m_e[:, :, None, None] * m_r[None, None] <= params["ap_galvo"]) & ok_e[:, :, None, None]
    ok = np.broadcast_to(ok_er[:, :, :, :, None, None], ok_er.shape + m_s.shape).copy()
    if min_fov is not None:
        fov_res = 2 * f_o / (m_r[:, :, None, None] * m_s[None, None]) * math.tan(params["alpha_res"] / 2)
        fov_galvo = 2 * f_o / m_s * math.tan(params["alpha_galvo"] / 2)
        ok &= ((fov_res >= min_fov) & (fov_galvo >= min_fov)[None, None])[None, None]
    if min_fill is not None:
        mag = m_e[:, :, None, None, None, None] * m_r[None, None, :, :, None, None] * m_s[None, None, None, None]
        ok &= beam * mag / params["back_aperture"] >= min_fill
    idx = np.flatnonzero(ok)
    sub = np.unravel_index(idx, ok.shape)
    m = search_metrics(*(np.asarray(v, dtype=float)[i] for v, i in zip(fl, sub)), **params)
    cols = {k: np.broadcast_to(v, idx.shape) for k, v in m.items() if k != "ok"}
    ids, tables = {}, {}
    for key in set(RANK_KEYS) | set(PARETO_KEYS):
        ids[key], tables[key] = tie_groups(cols[key])
    order = np.lexsort([ids["length"]] + [-ids[k] for k in RANK_KEYS[-2::-1]]) if len(idx) else np.zeros(0, int)
    groups = np.zeros(0, dtype=np.int64)
    counts = np.zeros(0, dtype=np.int64)
    if len(idx):
        key = _pack([ids[k] for k in RANK_KEYS])
        _, inverse, sizes = np.unique(key, return_inverse=True, return_counts=True)
        _, first = np.unique(inverse[order], return_index=True)
        groups = order[np.sort(first)][:limit]
        counts = sizes[inverse[groups]]
    front = pareto_front(np.column_stack([ids[c] for c in PARETO_KEYS])) if len(idx) else np.zeros(0, bool)
    front_ids = np.column_stack([ids[c][front] for c in PARETO_KEYS]) if len(idx) else np.zeros((0, 4), int)
    front_keys, front_sizes = np.unique(front_ids, axis=0, return_counts=True)
    return {"idx": idx, "order": groups, "counts": counts, "cols": cols, "ids": ids, "tables": tables,
            "front": front, "front_keys": front_keys, "front_counts": front_sizes}


def pareto_front(points, block=512):
    """Boolean mask of rows not dominated by any other row (non-negative int columns, all maximized).

    Rows are packed into one int64 key each (lexicographic), reduced to the
    unique keys and visited in decreasing key order: a later key can never
    dominate an earlier one, so each block of keys is compared only with the
    front found so far and with the earlier keys of its own block, column by
    column as 2-D boolean arrays.  Duplicate rows share their key's verdict.
    """
    points = np.asarray(points, dtype=np.int64)
    if not len(points):
        return np.zeros(0, dtype=bool)
    span = points.max(axis=0) + 1
    packed = np.zeros(len(points), dtype=np.int64)
    for col, width in zip(points.T, span):
        packed = packed * width + col
    keys, inverse = np.unique(packed, return_inverse=True)
    unique = np.empty((points.shape[1], len(keys)), dtype=np.int64)
    rest = keys.copy()
    for j in range(points.shape[1] - 1, -1, -1):
        unique[j] = rest % span[j]
        rest //= span[j]
    unique = unique[:, ::-1]  # decreasing keys
    k = len(unique)
    keep = np.zeros(unique.shape[1], dtype=bool)
    front = unique[:, :0]
    for start in range(0, unique.shape[1], block):
        pts = unique[:, start:start + block]
        dominated = np.zeros(pts.shape[1], dtype=bool)
        if front.shape[1]:
            cmp = front[0][:, None] >= pts[0][None, :]
            for j in range(1, k):
                cmp &= front[j][:, None] >= pts[j][None, :]
            dominated = cmp.any(axis=0)
        alive = np.flatnonzero(~dominated)
        cand = pts[:, alive]
        inner = cand[0][:, None] >= cand[0][None, :]  # inner[j, i]: j >= i everywhere
        for j in range(1, k):
            inner &= cand[j][:, None] >= cand[j][None, :]
        inner &= np.tri(len(alive), k=-1, dtype=bool).T  # only earlier keys j < i (distinct keys: j dominates i)
        alive = alive[~np.any(inner, axis=0)]
        keep[start + alive] = True
        front = np.concatenate([front, pts[:, alive]], axis=1)
    return keep[::-1][inverse]


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


# -- Monte Carlo tolerancing of the default design ------------------------------------------------
#: The default design's spacings and focal lengths (mm), in light order, as a builder would list them.
DEFAULT_BUILD = dict(
    d_e1=100.0, f_e1=100.0, d_e2=150.0, f_e2=50.0, d_e3=50.0,
    d_r1=75.0, f_r1=75.0, d_r2=150.0, f_r2=75.0, d_r3=75.0,
    d_s=50.0, f_s=50.0, d_t=250.0, f_t=200.0, d_ba=200.0,
)


def tolerance_builds(n, seed=0, f_tol=0.01, d_tol=0.5, f_o=12.5, index=1.333, beam=5.0, ba=20.0,
                     half_angle=math.radians(13), power=10.0):
    """Draw *n* builds (uniform ±1 % focal lengths, ±0.5 mm spacings) and evaluate the toleranced
    quantities with numpy 2x2 products: pupil-plane images past the back aperture (-B/D), beam walk
    2 B tan(a/2), FOV 2 |B + z_f D| tan(a/2), fill, focus -A/C (air-equivalent, times n in water:
    Newton with f' = n f_o) and the z span between ETL powers -10 and +10 dpt.  Returns a dict of arrays.
    """
    rng = np.random.default_rng(seed)
    v = {k: x + (rng.uniform(-f_tol * x, f_tol * x, n) if k.startswith("f") else rng.uniform(-d_tol, d_tol, n))
         for k, x in DEFAULT_BUILD.items()}
    one, zero = np.ones(n), np.zeros(n)

    def chain(items, m=None):
        a, b, c, d = m if m is not None else (one, zero, zero, one)
        for kind, x in items:
            if kind == "d":
                a, b = a + x * c, b + x * d
            else:
                c, d = c - a / x, d - b / x
        return a, b, c, d

    etl_to_res = [("d", v["d_e1"]), ("f", v["f_e1"]), ("d", v["d_e2"]), ("f", v["f_e2"]), ("d", v["d_e3"])]
    res_to_gal = [("d", v["d_r1"]), ("f", v["f_r1"]), ("d", v["d_r2"]), ("f", v["f_r2"]), ("d", v["d_r3"])]
    gal_to_ba = [("d", v["d_s"]), ("f", v["f_s"]), ("d", v["d_t"]), ("f", v["f_t"]), ("d", v["d_ba"])]
    ba_to_sample = [("d", f_o), ("f", f_o), ("d", f_o)]
    g_ba = chain(gal_to_ba)
    r_ba = chain(res_to_gal + gal_to_ba)
    e_ba = chain(etl_to_res + res_to_gal + gal_to_ba)
    e_s = chain(ba_to_sample, e_ba)
    out = {}
    for name, m in (("etl", e_ba), ("resonant", r_ba), ("galvo", g_ba)):
        out[f"image:{name}"] = -m[1] / m[3]
    focus = -e_s[0] / e_s[2]
    tan = math.tan(half_angle)
    for name, m in (("resonant", r_ba), ("galvo", g_ba)):
        out[f"walk:{name}"] = 2 * m[1] * tan
        s = chain(ba_to_sample, m)
        out[f"fov:{name}"] = 2 * np.abs(s[1] + focus * s[3]) * tan
    a_res = chain(etl_to_res)[0]
    out["fill"] = np.abs(e_ba[0]) * beam / np.abs(a_res) / ba
    out["focus"] = index * focus

    def focus_at(p):
        a, b, c, d = e_s
        c_etl = -p / 1000  # thin ETL first: M = M_rest @ [[1, 0], [c, 1]]
        return -(a + b * c_etl) / (c + d * c_etl)

    out["z_range"] = 1000 * index * np.abs(focus_at(power) - focus_at(-power))
    return out


def tolerance_summary(n, seed=0):
    """:func:`tolerance_builds` and what a user reads from it: mean, sd and 5-95 % range per quantity."""
    builds = tolerance_builds(n, seed)
    return builds, {k: (float(v.mean()), float(v.std()), *np.percentile(v, [5, 95])) for k, v in builds.items()}
