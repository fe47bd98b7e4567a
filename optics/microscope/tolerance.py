r"""Tolerances and sensitivities: which placement matters, and what a real build delivers.

Every quantity here is a closed form of the path's one lens train
(:mod:`optics.microscope.closed_forms`), so its sensitivity to each spacing
and each focal length is exact, and a million drawn builds go through the
same closed forms evaluated on arrays of element matrices.

Parameters of a path (:func:`parameters`): the focal length of every lens
(``f_<role>``) and every spacing (``d_<role>_1`` ... for the relays,
``d_scan_lens``, ``d_tube_lens``, ``d_back_aperture`` for the last scanner to
scan lens, scan lens to tube lens, tube lens to back aperture, ``d_gap<k>`` for
close-coupled mirrors).

Quantities (:data:`QUANTITIES`; lengths in mm):

* ``image:<plane>``: where a pupil plane (scanner, ETL) is imaged past the
  back aperture, :math:`-B/D` (0: conjugate);
* ``walk:<scanner>``: the beam's travel across the back aperture over the
  full sweep, signed, :math:`2B\tan(\alpha/2)` (B from the scanner to the
  back aperture);
* ``fov:<scanner>``: the field of view (exact paraxial form);
* ``fill``: beam over back aperture;
* ``focus``: where a collimated input focuses past the nominal focal plane;
* ``z_range``: span of the focus shift between the ETL's power limits (µm).

A worked rule (tested): a placement error :math:`\epsilon` of a scanner in
front of the scan lens moves its image at the back aperture by
:math:`(f_t/f_s)^2\epsilon` (the longitudinal magnification of the 4f pair);
the same error between tube lens and back aperture moves it by
:math:`\epsilon`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import sympy

from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.display import repr_html, repr_latex, repr_markdown
from optics.microscope import closed_forms as cf
from optics.microscope.path import ETL_POWER, Gap, Relay, ScanPath

__all__ = [
    "Parameter",
    "Tolerances",
    "Sensitivity",
    "QuantitySpread",
    "Compensation",
    "MonteCarlo",
    "parameters",
    "with_parameters",
    "quantity_names",
    "sensitivities",
    "monte_carlo",
    "DEFAULT_FOCAL_LENGTH_TOLERANCE",
    "DEFAULT_PLACEMENT_TOLERANCE",
]

#: Default focal-length tolerance (fraction): Thorlabs achromats are specified to ±1 %.
DEFAULT_FOCAL_LENGTH_TOLERANCE = 0.01
#: Default placement tolerance (mm): a cage or breadboard build, ±0.5 mm.
DEFAULT_PLACEMENT_TOLERANCE = 0.5
_DISTRIBUTIONS = ("uniform", "normal")


class Parameter(NamedTuple):
    """A spacing or focal length of a path that a build can get wrong.

    Attributes
    ----------
    name : str
        ``f_<role>`` or ``d_<...>`` (see the module docstring).
    kind : str
        ``"focal_length"`` or ``"spacing"``.
    nominal : float
        Design value (mm).
    description : str
        What it is, in words.
    """

    name: str
    kind: str
    nominal: float
    description: str

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


def _relay_parameters(prefix, relay, label):
    out = [Parameter(f"f_{prefix}_{i}", "focal_length", float(lens.f), f"{label} lens {i} focal length")
           for i, lens in ((1, relay.first), (2, relay.second))]
    names = ("plane to lens 1", "lens 1 to lens 2", "lens 2 to next plane")
    out += [Parameter(f"d_{prefix}_{i + 1}", "spacing", float(d), f"{label}: {names[i]}")
            for i, d in enumerate(relay.spacings)]
    return out


def parameters(path: ScanPath) -> tuple:
    """The spacings and focal lengths of a numeric path, in light order.

    Parameters
    ----------
    path : ScanPath

    >>> from optics.design import Design
    >>> [p.name for p in parameters(Design.default().scan_path(check=False))][-5:]
    ['f_scan_lens', 'f_tube_lens', 'd_scan_lens', 'd_tube_lens', 'd_back_aperture']
    """
    if not isinstance(path, ScanPath) or path.is_symbolic:
        raise OpticsTypeError("parameters: a numeric ScanPath is needed")
    out = []
    if path.etl_relay is not None:
        out += _relay_parameters("etl_relay", path.etl_relay, "ETL relay")
    for k, link in enumerate(path.relays):
        if isinstance(link, Relay):
            out += _relay_parameters(f"relay{k + 1}", link, f"relay {k + 1}")
        else:
            out.append(Parameter(f"d_gap{k + 1}", "spacing", float(link.distance), f"mirror gap {k + 1}"))
    d1, d2, d3 = path.spacings
    out += [
        Parameter("f_scan_lens", "focal_length", float(path.scan_lens.f), "scan lens focal length"),
        Parameter("f_tube_lens", "focal_length", float(path.tube_lens.f), "tube lens focal length"),
        Parameter("d_scan_lens", "spacing", float(d1), "last scanner (or ETL) to scan lens"),
        Parameter("d_tube_lens", "spacing", float(d2), "scan lens to tube lens"),
        Parameter("d_back_aperture", "spacing", float(d3), "tube lens to the objective's back focal plane"),
    ]
    return tuple(out)


def with_parameters(path: ScanPath, values: dict) -> ScanPath:
    """A copy of *path* with some spacings and focal lengths replaced (numbers or sympy symbols).

    Parameters
    ----------
    path : ScanPath
    values : dict
        Parameter name (:func:`parameters`) to value (mm).
    """
    known = {p.name for p in parameters(path)}
    unknown = set(values) - known
    if unknown:
        raise OpticsValueError(f"with_parameters: no parameter {sorted(unknown)[0]!r}; parameters are "
                               + ", ".join(sorted(known)))

    def lens(name, model):
        return model if name not in values else replace(model, f=values[name], element=None)

    def relay(prefix, r):
        spacings = tuple(values.get(f"d_{prefix}_{i + 1}", d) for i, d in enumerate(r.spacings))
        return Relay(lens(f"f_{prefix}_1", r.first), lens(f"f_{prefix}_2", r.second), spacings)

    etl_relay = None if path.etl_relay is None else relay("etl_relay", path.etl_relay)
    links = tuple(relay(f"relay{k + 1}", link) if isinstance(link, Relay)
                  else Gap(values.get(f"d_gap{k + 1}", link.distance), link.pupil)
                  for k, link in enumerate(path.relays))
    d1, d2, d3 = path.spacings
    spacings = (values.get("d_scan_lens", d1), values.get("d_tube_lens", d2), values.get("d_back_aperture", d3))
    return replace(path, etl_relay=etl_relay, relays=links, scan_lens=lens("f_scan_lens", path.scan_lens),
                   tube_lens=lens("f_tube_lens", path.tube_lens), spacings=spacings, check=False)


# -- the quantities, on a sympy train or on arrays of drawn builds -------------------------------
class _ArrayTrain:
    """The element matrices of a train evaluated on arrays of drawn parameter values.

    Quacks like :class:`~optics.core.trains.LensTrain` for the closed forms:
    ``planes`` and ``abcd(start, end)`` (numpy arrays).  For each end plane asked
    for, the products from every plane to it are formed in one backward pass
    (:math:`S_k = S_{k+1} E_k`) and kept.
    """

    def __init__(self, mats, planes, n, keep=(), base=None, changed_below=0):
        self.planes = planes
        self._n = n
        self._mats = mats
        self._keep = set(planes.values()) | set(keep)
        self._suffix = {}
        self._base, self._changed_below = base, changed_below

    @classmethod
    def build(cls, compiled, columns, planes, n, *, base=None, only=(), keep=()):
        """Evaluate the compiled entries on *columns*; with *base*, only the elements in *only* change."""
        mats = list(base._mats) if base is not None else [None] * len(compiled)
        for k, (entries, _) in enumerate(compiled):
            if base is None or k in only:
                mats[k] = tuple(f(**columns) if callable(f) else f for f in entries)
        below = max(only) + 1 if base is not None and only else 0
        return cls(mats, planes, n, keep, base, below)

    def abcd(self, start="input", end="output"):
        i, j = self.planes[start], self.planes[end]
        if j < i:
            raise OpticsValueError(f"plane {end!r} comes before {start!r}")
        if j not in self._suffix:
            stored = {}
            k0 = j
            base = self._base
            if base is not None and self._changed_below <= j:
                base.abcd(start, end)  # the unchanged part: from the base train's pass
                k0 = self._changed_below
                a, b, c, d = base._suffix[j][k0]
            else:
                a, b, c, d = np.ones(self._n), np.zeros(self._n), np.zeros(self._n), np.ones(self._n)
            stored[k0] = (a, b, c, d)
            for k in range(k0 - 1, -1, -1):
                ea, eb, ec, ed = self._mats[k]
                if _is(ea, 1.0) and _is(ec, 0.0) and _is(ed, 1.0):  # free space: S E = (a, a d + b, c, c d + d)
                    b, d = a * eb + b, c * eb + d
                elif _is(ea, 1.0) and _is(eb, 0.0) and _is(ed, 1.0):  # thin lens: (a + b C, b, c + d C, d)
                    a, c = a + b * ec, c + d * ec
                else:
                    a, b, c, d = a * ea + b * ec, a * eb + b * ed, c * ea + d * ec, c * eb + d * ed
                if k in self._keep:
                    stored[k] = (a, b, c, d)
            self._suffix[j] = stored
        return self._suffix[j][i]


def _is(entry, value) -> bool:
    return isinstance(entry, float) and entry == value


@functools.lru_cache(maxsize=1024)
def _entry_function(entry, symbols):
    """A matrix entry as a numpy function of the parameter symbols (made once per entry and symbols)."""
    return sympy.lambdify(symbols, entry, "numpy")


def _compile_elements(train, symbols):
    """Per element, its four entries as numpy functions of the parameter symbols (or constants), and
    the names of the symbols it depends on."""
    names = [s.name for s in symbols]
    out = []
    for element in train.elements:
        entries, used = [], set()
        for e in element.abcd:
            if getattr(e, "free_symbols", None):
                extra = e.free_symbols - set(symbols)
                if extra:
                    raise OpticsTypeError("monte_carlo: the train holds symbols " + ", ".join(map(str, extra)))
                used |= {x.name for x in e.free_symbols}
                f = _entry_function(e, tuple(symbols))
                entries.append(lambda _f=f, **cols: _f(*(cols[k] for k in names)))
            else:
                entries.append(float(e))
        out.append((tuple(entries), frozenset(used)))
    return out


def quantity_names(path: ScanPath) -> tuple:
    """The quantities toleranced for *path* (see the module docstring).

    Parameters
    ----------
    path : ScanPath
    """
    names = [f"image:{p}" for p in path.pupil_planes]
    angled = [p for p, s in zip(path.scanner_planes, path.scanners) if s.optical_angle is not None]
    names += [f"walk:{p}" for p in angled] + [f"fov:{p}" for p in angled]
    if path.beam_diameter is not None and path.objective.back_aperture is not None:
        names.append("fill")
    names.append("focus")
    if path.etl is not None and path.etl.has_range:
        names.append("z_range")
    return tuple(names)


def _evaluate(path, train_at, names):
    """The quantities *names* from trains of *path*'s layout; ``train_at(power)`` gives the train.

    *train_at(None)* is the nominal train (ETL at its reference power).  Works
    on sympy trains (closed forms) and on :class:`_ArrayTrain` (drawn builds).
    """
    nominal = train_at(None)
    start = path.input_plane
    out = {}
    focus = cf.focus_distance_expr(nominal, start=start, end="sample")
    symbolic = isinstance(focus, sympy.Basic)

    def const(x):  # path constants stay exact on sympy trains and become floats on arrays
        return x if symbolic or x is None else float(x)

    angles = {p: const(s.optical_angle) for p, s in zip(path.scanner_planes, path.scanners)}
    for name in names:
        kind, _, plane = name.partition(":")
        if kind == "image":
            out[name] = cf.image_offset_expr(nominal, plane, "back_aperture")
        elif kind == "walk":
            out[name] = cf.beam_walk_expr(nominal, plane, angles[plane])
        elif kind == "fov":
            out[name] = cf.fov_expr(nominal, plane, angles[plane], end="sample", focus_distance=focus)
        elif kind == "fill":
            at = start if path.beam_at in ("laser", "input") else path.beam_at
            d_in = cf.input_diameter_expr(nominal, const(path.beam_diameter), start=start, at=at)
            beam = cf.beam_diameter_expr(nominal, "back_aperture", d_in, start=start)
            out[name] = cf.fill_expr(beam, const(path.objective.back_aperture))
        elif kind == "focus":
            out[name] = focus
        elif kind == "z_range":
            low = cf.focus_distance_expr(train_at(path.etl.power_min), start=start, end="sample")
            high = cf.focus_distance_expr(train_at(path.etl.power_max), start=start, end="sample")
            out[name] = 1000 * abs(high - low)  # abs() works on sympy and numpy alike
    return out


_UNITS = {"image": "mm", "walk": "mm", "fov": "mm", "fill": "", "focus": "mm", "z_range": "um"}


def _unit(name):
    return _UNITS[name.partition(":")[0]]


# -- sensitivities ---------------------------------------------------------------------------------
class Sensitivity(NamedTuple):
    """The derivative of one quantity with respect to one parameter, at the design.

    Attributes
    ----------
    quantity : str
    parameter : str
    derivative : float
        d quantity / d parameter (quantity unit per mm).
    unit : str
        Unit of the quantity (``"mm"``, ``"um"``, ``""``).
    expr : sympy.Expr
        The quantity as a closed form of the parameter alone (others at design values).
    """

    quantity: str
    parameter: str
    derivative: float
    unit: str
    expr: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


def sensitivities(path: ScanPath, names=None) -> tuple:
    r"""Exact derivatives of every quantity with respect to every spacing and focal length.

    For each parameter :math:`p` the path is rebuilt with :math:`p` a symbol and
    the others at their design values, so each quantity is a closed form in
    :math:`p` alone (a rational function: small, exact) and its derivative at
    the design value is exact.

    Parameters
    ----------
    path : ScanPath
        A numeric path.
    names : sequence of str, optional
        Quantities (default :func:`quantity_names`).

    Returns
    -------
    tuple of Sensitivity
        In parameter order, then quantity order.

    >>> from optics.design import Design
    >>> path = Design.default().scan_path(check=False)
    >>> rows = {(s.quantity, s.parameter): s.derivative for s in sensitivities(path, ["image:galvo"])}
    >>> rows[("image:galvo", "d_scan_lens")], rows[("image:galvo", "d_back_aperture")]
    (-16.0, -1.0)
    """
    names = quantity_names(path) if names is None else tuple(names)
    unknown = set(names) - set(quantity_names(path))
    if unknown:
        raise OpticsValueError(f"sensitivities: no quantity {sorted(unknown)[0]!r}; quantities are "
                               + ", ".join(quantity_names(path)))
    out = []
    for p in parameters(path):
        x = sympy.Symbol(p.name, positive=True)
        moved = with_parameters(path, {p.name: x})

        def train_at(power, _m=moved):
            if power is None:
                return _m.nominal_train
            return _m.train.subs({ETL_POWER: power})

        values = _evaluate(moved, train_at, names)
        nominal = sympy.nsimplify(p.nominal, rational=True) if float(p.nominal).is_integer() else p.nominal
        for name in names:
            expr = values[name]
            slope = sympy.diff(expr, x).subs(x, nominal)
            out.append(Sensitivity(name, p.name, float(slope), _unit(name), expr))
    return tuple(out)


# -- Monte Carlo ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerances:
    """Build tolerances: how far each focal length and spacing may be off.

    Parameters
    ----------
    focal_length : float
        Relative focal-length tolerance of every lens (default ±1 %).
    placement : float
        Placement tolerance of every spacing (mm, default ±0.5).
    distribution : {"uniform", "normal"}
        ``"uniform"`` within ± the tolerance (default) or ``"normal"`` with the
        tolerance as 3 standard deviations.
    overrides : tuple of (str, float)
        Per parameter: its own tolerance (a fraction for focal lengths, mm for
        spacings); 0 holds it at its design value.

    >>> Tolerances().limit(Parameter("f_scan_lens", "focal_length", 50.0, ""))
    0.5
    """

    focal_length: float = DEFAULT_FOCAL_LENGTH_TOLERANCE
    placement: float = DEFAULT_PLACEMENT_TOLERANCE
    distribution: str = "uniform"
    overrides: tuple = ()

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex

    def __post_init__(self):
        for name in ("focal_length", "placement"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value >= 0):
                raise InvalidParameterError(f"Tolerances: {name} must be a number >= 0, got {value!r}")
        if self.focal_length >= 1:
            raise InvalidParameterError(f"Tolerances: focal_length is a fraction below 1 (0.01 for ±1 %), "
                                        f"got {self.focal_length!r}")
        if self.distribution not in _DISTRIBUTIONS:
            raise InvalidParameterError(f"Tolerances: distribution must be one of {_DISTRIBUTIONS}, got {self.distribution!r}")
        try:
            overrides = dict(self.overrides)
        except (TypeError, ValueError):
            raise OpticsTypeError(f"Tolerances: overrides must be (parameter name, tolerance) pairs, "
                                  f"got {self.overrides!r}") from None
        object.__setattr__(self, "overrides", tuple(overrides.items()))
        for key, value in overrides.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value >= 0):
                raise InvalidParameterError(f"Tolerances: tolerance of {key!r} must be a number >= 0, got {value!r}")

    def limit(self, p: Parameter) -> float:
        """The ± limit of parameter *p* in mm.

        Parameters
        ----------
        p : Parameter
        """
        own = dict(self.overrides).get(p.name)
        if p.kind == "focal_length":
            return abs(p.nominal) * (self.focal_length if own is None else own)
        return self.placement if own is None else own

    def sigma(self, p: Parameter) -> float:
        """Standard deviation of parameter *p*'s error (mm): limit/√3 (uniform) or limit/3 (normal).

        Parameters
        ----------
        p : Parameter
        """
        return self.limit(p) / (math.sqrt(3) if self.distribution == "uniform" else 3)

    def draw(self, p: Parameter, rng, n):
        """*n* drawn values of parameter *p* (mm).

        Parameters
        ----------
        p : Parameter
        rng : numpy.random.Generator
        n : int
        """
        limit = self.limit(p)
        if self.distribution == "uniform":
            return p.nominal + rng.uniform(-limit, limit, n)
        return p.nominal + rng.normal(0.0, limit / 3, n)


class QuantitySpread(NamedTuple):
    """The distribution of one quantity over the drawn builds.

    Attributes
    ----------
    quantity : str
    unit : str
    nominal : float
        Its design value.
    mean, std : float
    p05, p95 : float
        5th and 95th percentiles.
    first_order_std : float
        :math:`\\sqrt{\\sum_p (\\partial q/\\partial p\\,\\sigma_p)^2}` from the sensitivities.
    driver : str
        The parameter with the largest first-order share of the variance.
    """

    quantity: str
    unit: str
    nominal: float
    mean: float
    std: float
    p05: float
    p95: float
    first_order_std: float
    driver: str

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


class Compensation(NamedTuple):
    """A spacing adjusted per build to restore one quantity (a lens on a translation stage).

    Attributes
    ----------
    quantity : str
        The restored quantity (``image:<plane>``: the plane conjugate to the back aperture again).
    spacing : str
        The adjusted spacing.
    adjustment_std : float
        Standard deviation of the adjustment (mm).
    adjustment_max : float
        Largest adjustment needed (mm): the travel the stage needs.
    residual : tuple of QuantitySpread
        The other quantities after adjustment.
    """

    quantity: str
    spacing: str
    adjustment_std: float
    adjustment_max: float
    residual: tuple

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class MonteCarlo:
    """Drawn builds of a path: spreads, yield and (optionally) a compensator.

    Attributes
    ----------
    n : int
        Number of builds.
    tolerances : Tolerances
    spreads : tuple of QuantitySpread
    limits : tuple of (str, float, float)
        The pass window (low, high) per quantity.
    yield_fraction : float
        Builds with every limited quantity inside its window.
    failures : tuple of (str, float)
        Per limited quantity, the fraction of builds outside its window.
    compensation : Compensation or None
    sigmas : tuple of (str, float)
        Standard deviation of each parameter's error (mm).
    histograms : tuple of (str, numpy.ndarray, numpy.ndarray)
        Per quantity: bin edges and counts (60 bins over its 0.5-99.5 % range).
    """

    n: int
    tolerances: Tolerances
    spreads: tuple
    limits: tuple
    yield_fraction: float
    failures: tuple
    compensation: Compensation | None
    sigmas: tuple = ()
    histograms: tuple = ()

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


def _clean(x: float) -> float:
    """Round-off of an exact zero (a conjugate plane's image, a 4f focus) shown as the zero it is."""
    return 0.0 if abs(x) < 1e-12 else x


def default_limits(path: ScanPath, nominal: dict) -> tuple:
    """The pass windows of the issue's builder: fill 0.9-1.1 x design, pupil images within ±5 mm of
    where the design puts them (the back aperture for a conjugate plane), z-range at least 90 % of
    the design's.

    Parameters
    ----------
    path : ScanPath
    nominal : dict
        Quantity name to design value.
    """
    out = [(name, nominal[name] - 5.0, nominal[name] + 5.0) for name in nominal if name.startswith("image:")]
    if "fill" in nominal:
        out.append(("fill", 0.9 * nominal["fill"], 1.1 * nominal["fill"]))
    if "z_range" in nominal:
        out.append(("z_range", 0.9 * nominal["z_range"], math.inf))
    return tuple(out)


def _spread(name, values, nominal, sens, sigmas, percentiles=None):
    contributions = {p: (d * sigmas[p]) ** 2 for p, d in sens.items()}
    first = math.sqrt(sum(contributions.values()))
    driver = max(contributions, key=contributions.get) if contributions else ""
    finite = values[np.isfinite(values)]
    if percentiles is None:
        percentiles = np.percentile(finite, [0.5, 5, 95, 99.5]) if finite.size else [math.nan] * 4
    p05, p95 = percentiles[1], percentiles[2]
    return QuantitySpread(name, _unit(name), float(nominal), float(finite.mean()), float(finite.std()),
                          float(p05), float(p95), first, driver)


def monte_carlo(path: ScanPath, tolerances: Tolerances | None = None, n=100_000, *, seed=0, limits=None,
                compensate=None, chunk=50_000, sensitivity_rows=None) -> MonteCarlo:
    r"""Draw *n* builds within the tolerances and evaluate every quantity's closed form on them.

    Parameters
    ----------
    path : ScanPath
        A numeric path.
    tolerances : Tolerances, optional
        Default :class:`Tolerances` ().
    n : int
        Number of builds (at most 10 million).
    seed : int
        Random seed (results are reproducible).
    limits : sequence of (str, float, float), optional
        Pass windows per quantity (default :func:`default_limits`); the yield is
        the fraction of builds inside every window.
    compensate : (str, str), optional
        ``(quantity, spacing)``: adjust *spacing* in every build to bring
        *quantity* (an ``image:<plane>``) back to 0 — exact, since the plane's
        :math:`B` to the back aperture is linear in any one spacing.
    chunk : int
        Builds evaluated at once (bounds the memory: about 2 kB per build).
    sensitivity_rows : tuple of Sensitivity, optional
        Precomputed :func:`sensitivities` (for the first-order spread).

    Returns
    -------
    MonteCarlo
    """
    tolerances = Tolerances() if tolerances is None else tolerances
    if not isinstance(tolerances, Tolerances):
        raise OpticsTypeError(f"monte_carlo: tolerances must be a Tolerances, got {tolerances!r}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000_000:
        raise InvalidParameterError(f"monte_carlo: n must be a whole number from 1 to 10 million, got {n!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise InvalidParameterError(f"monte_carlo: chunk must be a positive whole number, got {chunk!r}")
    params = parameters(path)
    names = quantity_names(path)
    symbols = [sympy.Symbol(p.name, positive=True) for p in params]
    sym_path = with_parameters(path, {p.name: s for p, s in zip(params, symbols)})
    power = [ETL_POWER] if path.etl is not None else []
    compiled = _compile_elements(sym_path.train, symbols + power)
    planes = sym_path.train.planes
    ref_power = float(path.etl.reference_power) if path.etl is not None else 0.0

    tunable = {k for k, (_, used) in enumerate(compiled) if "P" in used}

    def evaluate(columns, m):
        cols = dict(columns)
        if power:
            cols["P"] = np.full(m, ref_power)
        nominal_train = _ArrayTrain.build(compiled, cols, planes, m, keep=(max(tunable) + 1,) if tunable else ())

        def train_at(p):
            if p is None:
                return nominal_train
            return _ArrayTrain.build(compiled, {**cols, "P": np.full(m, float(p))}, planes, m,
                                     base=nominal_train, only=tunable)

        return _evaluate(path, train_at, names)

    nominal_cols = {p.name: np.array([p.nominal]) for p in params}
    nominal = {k: _clean(float(v[0])) for k, v in evaluate(nominal_cols, 1).items()}
    limits = default_limits(path, nominal) if limits is None else tuple(limits)
    for name, low, high in limits:
        if name not in names:
            raise OpticsValueError(f"monte_carlo: no quantity {name!r} to limit; quantities are {', '.join(names)}")
    if compensate is not None:
        target, spacing = compensate
        if not target.startswith("image:") or target not in names:
            raise OpticsValueError(f"monte_carlo: compensate a pupil image ({', '.join(n for n in names if n.startswith('image:'))}), got {target!r}")
        if spacing not in {p.name for p in params if p.kind == "spacing"}:
            raise OpticsValueError(f"monte_carlo: {spacing!r} is not a spacing of the path")
    rng = np.random.default_rng(seed)
    values = {k: [] for k in names}
    adjusted = {k: [] for k in names}
    shifts = []
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        cols = {p.name: tolerances.draw(p, rng, m) for p in params}
        with np.errstate(divide="ignore", invalid="ignore"):
            out = evaluate(cols, m)
            for k in names:
                values[k].append(np.asarray(out[k], dtype=float) * np.ones(m))
            if compensate is not None:
                plane = target.partition(":")[2]
                extra = {"P": np.full(m, ref_power)} if power else {}
                b0 = _ArrayTrain.build(compiled, {**cols, **extra}, planes, m).abcd(plane, "back_aperture")[1]
                cols1 = dict(cols)
                cols1[spacing] = cols[spacing] + 1.0
                b1 = _ArrayTrain.build(compiled, {**cols1, **extra}, planes, m).abcd(plane, "back_aperture")[1]
                step = -b0 / (b1 - b0)  # B is linear in one spacing: B(s + t) = b0 + (b1 - b0) t
                fixed = dict(cols)
                fixed[spacing] = cols[spacing] + step
                shifts.append(step)
                out = evaluate(fixed, m)
                for k in names:
                    adjusted[k].append(np.asarray(out[k], dtype=float) * np.ones(m))
    values = {k: np.concatenate(v) for k, v in values.items()}
    rows = sensitivities(path, names) if sensitivity_rows is None else sensitivity_rows
    sigmas = {p.name: tolerances.sigma(p) for p in params}
    sens = {k: {r.parameter: r.derivative for r in rows if r.quantity == k} for k in names}
    finite = {k: v[np.isfinite(v)] for k, v in values.items()}
    cuts = {k: np.percentile(v, [0.5, 5, 95, 99.5]) if v.size else [math.nan] * 4 for k, v in finite.items()}
    spreads = tuple(_spread(k, values[k], nominal[k], sens[k], sigmas, cuts[k]) for k in names)
    inside = np.ones(n, dtype=bool)
    failures = []
    for name, low, high in limits:
        ok = (values[name] >= low) & (values[name] <= high)
        failures.append((name, float(1 - ok.mean())))
        inside &= ok
    compensation = None
    if compensate is not None:
        step = np.concatenate(shifts)
        residual = tuple(_spread(k, np.concatenate(adjusted[k]), nominal[k], {}, sigmas) for k in names)
        compensation = Compensation(target, spacing, float(step.std()), float(np.abs(step).max()), residual)
    histograms = []
    for k in names:
        low, high = (float(cuts[k][0]), float(cuts[k][3])) if finite[k].size else (0.0, 1.0)
        if not high - low > 1e-9 * max(1.0, abs(low)):  # a quantity the tolerances do not move
            low, high = low - 0.5, high + 0.5
        counts, edges = np.histogram(finite[k], bins=60, range=(low, high))
        histograms.append((k, edges, counts))
    return MonteCarlo(n, tolerances, spreads, limits, float(inside.mean()), tuple(failures), compensation,
                      tuple(sigmas.items()), tuple(histograms))
