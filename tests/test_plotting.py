"""Tests for the plot helpers: plotted data against hand-derived optics, units, axes protocol.

Reference values are computed here from textbook formulas, independently of
the library's symbolic pipeline:

* remote focus: the reference post's z = -f_o^2 f_s^2 f_r1^2 f_r3^2 / (f_ETL f_t^2 f_r2^2 f_r4^2)
  (gcamp6f.com, 2022, "Simple geometrical optics to understand and design
  point-scanning microscopes", section 3), times n in an immersion medium;
  a displaced ETL by multiplying plain numpy 2x2 ray matrices (Hecht,
  Optics, ch. 6) and taking the back focal distance -A/C;
* Gaussian beams: a waist W in the front focal plane of a lens f gives a
  waist w0 = lambda f / (pi W) in its back focal plane (Siegman, Lasers,
  ch. 20; the Fourier-transform property), z_R = pi n w0^2 / lambda;
* scan geometry: chief ray height = distance x tan(alpha/2) after a pivot;
  FOV = 2 f_o (f_s/f_t) tan(alpha/2) for 4f relays of unit magnification.
"""

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after selecting the backend)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from optics.core.beams import GaussianBeam  # noqa: E402
from optics.design import Design  # noqa: E402
from optics.core.elements import Space, ThinLens  # noqa: E402
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError, PlaneError  # noqa: E402
from optics.microscope.parts import TunableLensPart  # noqa: E402
from optics.microscope.remote_focus import RemoteFocus  # noqa: E402
from optics.microscope.search import search_lens_sets  # noqa: E402
from optics.core.trains import LensTrain  # noqa: E402
from optics.units import ureg  # noqa: E402

import optics.plotting as plotting  # noqa: E402
from optics.plotting.focus import plot_beam_near_focus  # noqa: E402
from optics.plotting.layout import plot_layout  # noqa: E402
from optics.plotting.remote_focus import plot_transfer_curves  # noqa: E402
from optics.plotting.report import report_figures  # noqa: E402
from optics.analysis import analyze_path  # noqa: E402
from optics.plotting.search import plot_fov_vs_fill, plot_pareto  # noqa: E402

LAM_MM = 920e-6  # 920 nm in mm


@pytest.fixture(scope="module")
def design():
    return Design.default()


@pytest.fixture(scope="module")
def path(design):
    return design.scan_path(check=False)


def _line(ax, gid):
    lines = [line for line in ax.lines if line.get_gid() == gid]
    assert len(lines) == 1, (gid, [line.get_gid() for line in ax.lines])
    return np.asarray(lines[0].get_xdata(), float), np.asarray(lines[0].get_ydata(), float)


def _new_axes():
    return Figure().add_subplot()


# -- hand-built ray matrices (independent of optics.core.elements / optics.core.trains) -------------
def _space(d, n=1.0):
    return np.array([[1.0, d / n], [0.0, 1.0]]) if n != 1.0 else np.array([[1.0, d], [0.0, 1.0]])


def _lens(f):
    return np.array([[1.0, 0.0], [-1.0 / f, 1.0]])


def _focus_after(mats):
    m = np.eye(2)
    for k in mats:
        m = k @ m
    return -m[0, 0] / m[1, 0]


def _remote_focus_z_um(power, f_o, f_t, f_s, relays, n=1.0, etl_offset=0.0):
    """Focus shift (um) of the post's train, by numpy matrices: ETL, relays, scan, tube, objective.

    The objective is a thin lens of EFL f_o in air followed by a flat
    interface into index n (ray angle divided by n) and the sample-side
    distance; the focus distance -A/C is measured in the medium.
    """
    def focus(p):
        mats = [_lens(1000.0 / p)] if p != 0 else []
        lead = etl_offset
        for f1, f2 in relays:
            mats += [_space(f1 - lead), _lens(f1), _space(f1 + f2), _lens(f2), _space(f2)]
            lead = 0.0
        mats += [_space(f_s - lead), _lens(f_s), _space(f_s + f_t), _lens(f_t), _space(f_t), _space(f_o),
                 _lens(f_o), np.array([[1.0, 0.0], [0.0, 1.0 / n]])]
        return _focus_after(mats)

    return np.array([(focus(p) - focus(0.0)) * 1000.0 for p in np.atleast_1d(power)])


# -- import hygiene ------------------------------------------------------------------------
def test_importing_optics_and_plotting_does_not_import_matplotlib():
    code = (
        "import sys, optics, optics.plotting\n"
        "from optics.plotting import plot_layout, plot_transfer_curves, plot_pareto, report_figures\n"
        "import optics.plotting.focus, optics.plotting.search, optics.plotting.scanning\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_package_reexports_every_public_helper_of_every_submodule():
    import importlib

    names = set()
    for sub in ("layout", "remote_focus", "focus", "search", "scanning", "report"):
        module = importlib.import_module(f"optics.plotting.{sub}")
        names |= set(module.__all__)
        for name in module.__all__:
            assert getattr(plotting, name) is getattr(module, name)
    assert set(plotting.__all__) == names
    with pytest.raises(AttributeError):
        plotting.no_such_helper  # noqa: B018


# -- transfer curves -----------------------------------------------------------------------
POST = dict(f_o=12.5, f_t=200.0, f_s=50.0, relays=[(100.0, 50.0), (50.0, 75.0)])


def _post_formula_um(power, f_o, f_t, f_s, relays, n=1.0):
    # reference post, section 3: z = -f_o^2 f_s^2 f_r1^2 f_r3^2 / (f_ETL f_t^2 f_r2^2 f_r4^2)
    (r1, r2), (r3, r4) = relays
    inv_f_etl = np.asarray(power, float) / 1000.0  # 1/f_ETL in 1/mm (P = 0 is the flat ETL)
    return -n * f_o**2 * f_s**2 * r1**2 * r3**2 * inv_f_etl / (f_t**2 * r2**2 * r4**2) * 1000.0


def test_transfer_curve_line_equals_the_post_formula():
    rf = RemoteFocus.from_focal_lengths(POST["f_o"], POST["f_t"], POST["f_s"], POST["relays"])
    powers = np.array([-2.0, -0.5, 1.0, 3.0])
    ax = plot_transfer_curves({"conjugate": rf}, power=powers)
    (line,) = ax.lines[:1]
    np.testing.assert_allclose(line.get_xdata(), powers)
    np.testing.assert_allclose(line.get_ydata(), _post_formula_um(powers, **POST), rtol=1e-12)
    assert line.get_ydata()[list(powers).index(1.0)] == pytest.approx(-17.3611, abs=1e-4)  # post: 34.72 um at 2 dpt
    assert line.get_label() == "conjugate"


def test_transfer_curves_overlay_conjugate_and_displaced_etl():
    etl = TunableLensPart("ETL", aperture=16, power_min=-2, power_max=3)
    rf = RemoteFocus.from_focal_lengths(POST["f_o"], POST["f_t"], POST["f_s"], POST["relays"], etl=etl)
    moved = rf.replace(etl_offset=10)
    ax = plot_transfer_curves({"conjugate": rf, "displaced": moved}, points=11)
    first, second = ax.lines[:2]
    p = np.linspace(-2, 3, 11)  # the part's range
    np.testing.assert_allclose(first.get_xdata(), p)
    np.testing.assert_allclose(first.get_ydata(), _post_formula_um(p, **POST), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(second.get_ydata(), _remote_focus_z_um(p, **POST, etl_offset=10.0), rtol=1e-9)
    # the displaced ETL bends the curve: not a straight line
    slope = np.polyfit(p, second.get_ydata(), 1)
    assert np.max(np.abs(np.polyval(slope, p) - second.get_ydata())) > 0.1


def test_transfer_curves_accept_arrays_with_units():
    ax = plot_transfer_curves({"given": ([0, 1, 2] * ureg.dpt, [0, -0.01, -0.02] * ureg.mm)})
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, -10, -20])
    assert "(dpt)" in ax.get_xlabel() and "(µm)" in ax.get_ylabel()


def test_transfer_curve_errors():
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50)
    with pytest.raises(OpticsTypeError, match="power="):
        plot_transfer_curves({"no part": rf})
    with pytest.raises(OpticsTypeError, match="mapping"):
        plot_transfer_curves([rf])
    with pytest.raises(InvalidParameterError, match="'bad'"):
        plot_transfer_curves({"bad": ([0, 1, 2], [0, 1])})
    with pytest.raises(OpticsTypeError, match="'x'"):
        plot_transfer_curves({"x": 3.0})


# -- layout --------------------------------------------------------------------------------
def test_layout_lens_positions_and_apertures_equal_the_train(path):
    ax = plot_layout(path)
    positions = {k: v.to("mm").magnitude for k, v in path.train.positions().items()}
    apertures = {plane: float(ap) for plane, _, ap in path.apertures()}
    lens_planes = ["etl_relay_1", "etl_relay_2", "relay1_1", "relay1_2", "scan_lens", "tube_lens", "objective"]
    drawn = sorted(line.get_gid()[5:] for line in ax.lines if (line.get_gid() or "").startswith("lens:"))
    assert drawn == sorted(lens_planes)
    for plane in lens_planes:
        x, y = _line(ax, f"lens:{plane}")
        assert x.tolist() == [positions[plane]] * 2
        if plane in apertures:
            assert y.tolist() == pytest.approx([-apertures[plane] / 2, apertures[plane] / 2])
    # hand: the default path is 100+150+50 (ETL relay) + 75+150+75 (relay) + 50+250+200 + 12.5 mm long
    assert positions["objective"] == pytest.approx(1112.5)
    x, _ = _line(ax, "lens:objective")
    assert x[0] == pytest.approx(1112.5)
    # the objective is drawn as large as its back aperture: 2 NA f_o = 2 x 0.8 x 12.5 mm (Nikon 16x/0.8)
    _, y = _line(ax, "lens:objective")
    assert y[1] == pytest.approx(float(path.objective.na) * 12.5)
    # scanner mirrors and the ETL as apertures at their planes
    for plane in ("etl", "resonant", "galvo"):
        x, y = _line(ax, f"aperture:{plane}")
        assert x[0] == pytest.approx(positions[plane]) and y[1] == pytest.approx(apertures[plane] / 2)


def test_layout_rays_and_envelope_match_hand_values(path):
    ax = plot_layout(path, beam=920 * ureg.nm)
    positions = {k: v.to("mm").magnitude for k, v in path.train.positions().items()}
    alpha = math.radians(26)
    # chief ray of the resonant scanner: 75 mm to the first relay lens at slope tan(13 deg)
    z, y = _line(ax, "chief:resonant:+")
    assert np.interp(positions["relay1_1"], z, y) == pytest.approx(75 * math.tan(alpha / 2), rel=1e-9)
    # ... lands at the FOV edge in the sample: f_o f_s / f_t tan(alpha/2) (1:1 relay)
    # (signs: each 4f pair inverts, so only the magnitudes are the textbook's)
    assert abs(y[-1]) == pytest.approx(12.5 * 50 / 200 * math.tan(alpha / 2), rel=1e-9)
    z, y2 = _line(ax, "chief:galvo:-")
    assert abs(y2[-1]) == pytest.approx(12.5 * 50 / 200 * math.tan(alpha / 2), rel=1e-9)
    # marginal ray: 5 mm beam at the resonant -> 10 mm at the ETL (2:1 relay) -> radius 10 mm at the back
    # aperture (f_t/f_s = 4) -> 0 at the focus
    z, y = _line(ax, "marginal:+")
    assert y[0] == pytest.approx(5.0)
    assert np.interp(positions["back_aperture"], z, y) == pytest.approx(-10.0)  # three inverting 4f pairs
    assert y[-1] == pytest.approx(0.0, abs=1e-9)
    # Gaussian envelope: a waist of radius 5 mm at the ETL is imaged waist to waist by the 4f relays,
    # so w = 5 mm x 0.5 x 1 x 4 = 10 mm at the back aperture
    z, w = _line(ax, "envelope")
    assert np.interp(positions["back_aperture"], z, w) == pytest.approx(10.0, rel=1e-6)
    assert w[0] == pytest.approx(5.0)
    # every plane is labelled on the figure (by the part there, when it has one: see below)
    labelled = {plane for planes in _plane_labels(ax) for plane in planes.split(", ")}
    for name in ("etl", "resonant", "galvo", "scan_lens", "tube_lens", "back_aperture", "objective", "sample"):
        assert name in labelled
    # readable: the vertical range covers the largest aperture (2" relay lens) and not much more
    largest = max(float(ap) for _, _, ap in path.apertures()) / 2
    low, high = ax.get_ylim()
    assert largest <= high <= 1.5 * largest and low == -high
    assert ax.get_xlim()[0] <= 0 and ax.get_xlim()[1] >= positions["sample"]
    assert ax.get_xlabel() == "z along the optical axis (mm)" and ax.get_ylabel() == "height (mm)"


def test_layout_scan_angle_overrides_the_scanners(path):
    ax = plot_layout(path, scan_angle=10 * ureg.deg)
    z, y = _line(ax, "chief:resonant:+")
    assert abs(y[-1]) == pytest.approx(3.125 * math.tan(math.radians(5)), rel=1e-9)


def test_layout_of_a_plain_train():
    train = LensTrain(["in", Space(100), "L1", ThinLens(100), Space(300), "L2", ThinLens(200), Space(200), "out"])
    beam = GaussianBeam(1 * ureg.um, waist=2)
    ax = plot_layout(train, beam=beam, scan_angle=0.2)
    x, y = _line(ax, "lens:L1")
    assert x.tolist() == [100, 100]
    x, y = _line(ax, "lens:L2")
    assert x.tolist() == [400, 400]
    # unknown apertures: dashed, at least as tall as what reaches them
    z, ym = _line(ax, "marginal:+")
    assert ym[0] == pytest.approx(2.0)
    assert y[1] >= np.interp(400, z, ym)
    # chief ray from the input pivot: height 100 tan(0.1) at L1, then imaged back to the axis 2f later
    z, yc = _line(ax, "chief:input:+")
    assert np.interp(100, z, yc) == pytest.approx(100 * math.tan(0.1))


def test_layout_errors(path):
    f = sympy.Symbol("f", positive=True)
    with pytest.raises(OpticsTypeError, match="symbols"):
        plot_layout(LensTrain([Space(f), ThinLens(f)]))
    with pytest.raises(OpticsTypeError, match="ScanPath"):
        plot_layout(LensTrain([Space(10), ThinLens(10)]), beam=920 * ureg.nm)
    with pytest.raises(OpticsTypeError, match="LensTrain"):
        plot_layout("path")
    with pytest.raises(InvalidParameterError, match="scan_angle"):
        plot_layout(path, scan_angle=200 * ureg.deg)



def _plane_labels(ax):
    top = [child for child in ax.child_axes if child.get_gid() == "plane_names"]
    assert len(top) == 1
    return {(label.get_gid() or "")[len("plane:"):]: label for label in top[0].get_xticklabels()}


def test_layout_names_planes_by_the_parts_there():
    # The default design's parts (optics/designs/default.toml): the ETL relay's first lens is the
    # Thorlabs AC254-100, the scanners the CRS 8 kHz and the 6215H; planes with no part keep their name.
    ax = plot_layout(Design.default().scan_path(check=False))
    labels = {planes: label.get_text().replace("\n", " ") for planes, label in _plane_labels(ax).items()}
    assert labels["etl"] == "Optotune EL-16-40-TC"
    assert labels["etl_relay_1"] == "Thorlabs AC254-100-B"
    assert labels["resonant"] == "Cambridge Technology CRS 8 kHz"
    assert labels["galvo"] == "Cambridge Technology 6215H (5 mm mirror)"
    assert labels["back_aperture"] == "back_aperture"
    # a path of plain focal lengths has no part names: the planes keep theirs
    from optics.catalog import get_part

    from optics.microscope.path import ScanPath

    plain = ScanPath([get_part("CRS 8 kHz")], 50, 200, get_part("Nikon 16x/0.8 W"), 5, check=False)
    assert {"scan_lens", "tube_lens"} <= {label.get_text() for label in _plane_labels(plot_layout(plain)).values()}


@pytest.mark.parametrize("height", [3.0, 4.5, 8.0])
def test_layout_title_legend_and_plane_labels_do_not_collide(height):
    # A title set on the Axes (as the tutorials do) sits above the plane labels, and the legend
    # below the x label, whatever the figure's height.
    fig, ax = plt.subplots(figsize=(12, height), layout="constrained")
    plot_layout(Design.default().scan_path(check=False), ax=ax)
    ax.set_title("Scanner, scan lens (50 mm), tube lens (200 mm), 16x objective")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = ax.title.get_window_extent(renderer)
    labels = [label.get_window_extent(renderer) for label in _plane_labels(ax).values() if label.get_text()]
    assert labels and all(not title.overlaps(box) for box in labels)
    assert title.y0 >= max(box.y1 for box in labels)
    legend = ax.get_legend().get_window_extent(renderer)
    xlabel = ax.xaxis.label.get_window_extent(renderer)
    assert legend.y1 <= xlabel.y0
    assert not legend.overlaps(xlabel)
    plt.close(fig)


# -- beam near focus -------------------------------------------------------------------
def test_beam_near_focus_of_a_lens_matches_the_fourier_transform_waist():
    f, W, lam = 100.0, 1.0, 1e-3  # mm
    train = LensTrain([Space(f), ThinLens(f), Space(f)])
    ax = plot_beam_near_focus(GaussianBeam(lam, waist=W), train)
    w0 = lam * f / (math.pi * W) * 1000  # um (Siegman: waist at the back focal plane)
    zr = math.pi * (w0 / 1000) ** 2 / lam * 1000  # um
    z, w = _line(ax, "w")
    assert w.min() == pytest.approx(w0, rel=1e-9)
    assert z[np.argmin(w)] == pytest.approx(0.0, abs=1e-6 * zr)
    assert z[0] == pytest.approx(-3 * zr) and z[-1] == pytest.approx(3 * zr)
    x, y = _line(ax, "waist")
    assert (x[0], y[0]) == pytest.approx((0.0, w0), abs=1e-9)
    x, y = _line(ax, "rayleigh")
    assert x.tolist() == pytest.approx([-zr, zr]) and y.tolist() == pytest.approx([math.sqrt(2) * w0] * 2)


def test_beam_near_focus_of_the_default_path(path):
    ax = plot_beam_near_focus(920 * ureg.nm, path, span=2 * ureg.um)
    n = float(path.objective.n)
    # 20 mm beam (radius 10 mm) at the back aperture, the objective's front focal plane: w0 = lambda f_o/(pi W)
    w0_mm = LAM_MM * 12.5 / (math.pi * 10.0)
    zr_mm = math.pi * n * w0_mm**2 / LAM_MM
    z, w = _line(ax, "w")
    assert w.min() == pytest.approx(w0_mm * 1000, rel=1e-6)
    assert z[np.argmin(w)] == pytest.approx(0.0, abs=1e-6)
    assert z[0] == pytest.approx(-2.0) and z[-1] == pytest.approx(2.0)
    x, _ = _line(ax, "rayleigh")
    assert x[1] == pytest.approx(zr_mm * 1000, rel=1e-6)
    assert "(µm)" in ax.get_xlabel() and "(µm)" in ax.get_ylabel() and "sample" in ax.get_xlabel()


def test_beam_near_focus_with_the_etl_tuned_moves_the_waist(path):
    # with the ETL at +10 dpt the focus moves by the post's formula (x n), -520.7 um for the default design
    ax = plot_beam_near_focus(920 * ureg.nm, path, etl_power=10)
    x, _ = _line(ax, "waist")
    n = float(path.objective.n)
    k = (100 / 50) * (75 / 75) * (50 / 200)
    assert x[0] == pytest.approx(-n * 12.5**2 * k**2 * 10 / 1000 * 1000, rel=1e-6)


def test_beam_near_focus_errors(path):
    with pytest.raises(OpticsTypeError, match="ScanPath"):
        plot_beam_near_focus(920 * ureg.nm, LensTrain([ThinLens(10)]))
    with pytest.raises(InvalidParameterError, match="span"):
        plot_beam_near_focus(920 * ureg.nm, path, span=-1)
    with pytest.raises(InvalidParameterError, match="points"):
        plot_beam_near_focus(920 * ureg.nm, path, points=2)
    with pytest.raises(OpticsValueError, match="input plane"):
        plot_beam_near_focus(920 * ureg.nm, path, start="galvo")


# -- lens-set search ----------------------------------------------------------------------
FOCAL = [30, 40, 50, 60, 75, 100, 125, 150, 200, 250, 300]


@pytest.fixture(scope="module")
def result(path):
    return search_lens_sets(path, {"scan_lens": FOCAL, "tube_lens": FOCAL}, min_fov=0.6, min_fill=0.8,
                            limit=len(FOCAL) ** 2)


def _dominates(a, b, rtol=1e-9):
    # Metrics equal within rtol count as ties (sets equal mathematically differ in the last bits).
    tol = rtol * np.abs(b)
    return bool(np.all(a >= b - tol) and np.any(a > b + tol))


def test_fov_vs_fill_points_equal_hand_formulas(result, path):
    ax = plot_fov_vs_fill(result, min_fov=0.6, min_fill=0.8)
    x, y = _line(ax, "feasible")
    fs, ft = result.table["f_scan_lens"], result.table["f_tube_lens"]
    ba = float(path.back_aperture.to("mm").magnitude)
    # beam 5 mm at the resonant, 1:1 relay, x f_t/f_s; FOV = 2 f_o f_s/f_t tan(13 deg)
    np.testing.assert_allclose(x, 5 * ft / fs / ba, rtol=1e-12)
    np.testing.assert_allclose(y, 2 * 12.5 * fs / ft * math.tan(math.radians(13)) * 1000, rtol=1e-12)
    assert len(x) == result.n_feasible
    # constraints hold for every feasible set and are drawn where they were set
    assert np.all(x >= 0.8) and np.all(y >= 600 - 1e-9)
    xc, _ = _line(ax, "constraint:fill")
    _, yc = _line(ax, "constraint:fov_resonant")
    assert xc[0] == 0.8 and yc[0] == pytest.approx(600)
    assert ax.get_ylabel() == "FOV along resonant (µm)" and "fill" in ax.get_xlabel()


def test_pareto_points_are_exactly_the_non_dominated_sets(result):
    ax = plot_pareto(result, x="fill", y="fov_resonant")
    cols = list(result.pareto_metrics)
    signs = np.array([-1.0 if result.senses[c] == "min" else 1.0 for c in cols])  # the aberration proxy: lower
    table = np.column_stack([result.table[c] for c in cols]) * signs
    front = [i for i in range(len(table)) if not any(_dominates(table[j], table[i]) for j in range(len(table)))]
    xp, yp = _line(ax, "pareto")
    # the front collapses sets tying on every front metric into one point (n_alternatives counts them)
    assert len(xp) == len(result.pareto) == len({tuple(np.round(table[i], 9)) for i in front})
    plotted = {(round(x, 9), round(y, 6)) for x, y in zip(xp, yp)}
    assert plotted <= {(round(x, 9), round(1000 * y, 6))
                       for x, y in zip(result.table["fill"][front], result.table["fov_resonant"][front])}
    assert result.pareto["n_alternatives"].sum() == result.table["n_alternatives"][front].sum()
    # the staircase joins the sets non-dominated in the two plotted metrics
    xs, ys = _line(ax, "front_2d")
    pts = np.column_stack([xp, yp])
    for p in zip(xs, ys):
        assert not any(_dominates(q, np.array(p)) for q in pts)
    assert "(µm)" in ax.get_ylabel()


def test_pareto_default_axes_and_errors(result):
    ax = plot_pareto(result, min_fov={"resonant": 0.6 * ureg.mm})
    _, yc = _line(ax, "constraint:fov_resonant")
    assert yc[0] == pytest.approx(600)
    assert ax.get_xlabel() == "ETL z range (µm)" and ax.get_ylabel() == "FOV along resonant (µm)"
    with pytest.raises(OpticsValueError, match="no metric"):
        plot_pareto(result, x="colour")
    with pytest.raises(PlaneError):
        plot_fov_vs_fill(result, scanner="polygon")
    with pytest.raises(OpticsTypeError):
        plot_pareto({"table": []})


# -- the axes protocol, for every helper --------------------------------------------------------
def _helpers(path, result):
    rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50)])
    train = LensTrain([Space(100), ThinLens(100), Space(100)])
    beam = GaussianBeam(1e-3, waist=1)
    return {
        "plot_layout": lambda ax: plot_layout(path, ax=ax),
        "plot_transfer_curves": lambda ax: plot_transfer_curves({"a": rf}, power=(-1, 1), ax=ax),
        "plot_beam_near_focus": lambda ax: plot_beam_near_focus(beam, train, ax=ax),
        "plot_fov_vs_fill": lambda ax: plot_fov_vs_fill(result, ax=ax),
        "plot_pareto": lambda ax: plot_pareto(result, ax=ax),
    }


@pytest.mark.parametrize("name", ["plot_layout", "plot_transfer_curves", "plot_beam_near_focus",
                                  "plot_fov_vs_fill", "plot_pareto"])
def test_each_helper_draws_on_the_given_axes_and_labels_units(name, path, result):
    helper = _helpers(path, result)[name]
    ax = _new_axes()
    assert helper(ax) is ax
    assert ax.lines
    assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()
    before = plt.get_fignums()
    own = helper(None)
    assert isinstance(own, Axes) and own is not ax and isinstance(own.figure, Figure)
    assert plt.get_fignums() == before  # no pyplot figure (no global state)


# -- report figures --------------------------------------------------------------------------
def test_report_figures_of_the_default_design(design, path, tmp_path):
    before = plt.get_fignums()
    figures = report_figures(design)
    assert plt.get_fignums() == before
    assert sorted(figures) == ["beam_focus", "chromatic", "layout", "scanning", "transfer_curve"]
    assert all(isinstance(f, Figure) for f in figures.values())
    # transfer curve: conjugate ETL over the part's range, n f_o^2 k^2 P (post formula in water)
    ax = figures["transfer_curve"].axes[0]
    conj, moved = ax.lines[:2]
    n = float(path.objective.n)
    p = np.asarray(conj.get_xdata())
    lo, hi = float(path.etl.power_min), float(path.etl.power_max)
    assert (p[0], p[-1]) == (lo, hi)
    k = (100 / 50) * (75 / 75) * (50 / 200)
    np.testing.assert_allclose(conj.get_ydata(), -n * 12.5**2 * k**2 * p, rtol=1e-9, atol=1e-9)
    relays = [(100.0, 50.0), (75.0, 75.0)]
    np.testing.assert_allclose(moved.get_ydata(), _remote_focus_z_um(p, 12.5, 200, 50, relays, n, 10.0), rtol=1e-9)
    assert "10 mm" in moved.get_label()
    # scanning: peak speed pi f FOV with FOV = 2 f_o f_s/f_t tan(13 deg)
    speed_ax, dwell_ax = figures["scanning"].axes
    fov_um = 2 * 12.5 * 50 / 200 * math.tan(math.radians(13)) * 1000
    assert max(speed_ax.lines[0].get_ydata()) == pytest.approx(math.pi * 8000 * fov_um * 1e-6, rel=1e-3)
    assert len(dwell_ax.lines[0].get_ydata()) == design.n_pixels
    # the beam focus figure names the truncated-Gaussian two-photon FWHM the path computes (not its own)
    note = [t for t in figures["beam_focus"].axes[0].texts if t.get_gid() == "psf_note"][0].get_text()
    lateral = path.resolution(920 * ureg.nm).lateral_fwhm.to("um").magnitude
    assert f"lateral {lateral:.3g} µm" in note
    # the beam focus figure is the path's, at 920 nm
    _, w = _line(figures["beam_focus"].axes[0], "w")
    assert w.min() == pytest.approx(LAM_MM * 12.5 / (math.pi * 10.0) * 1000, rel=1e-6)
    for name, figure in figures.items():
        figure.savefig(tmp_path / f"{name}.png", dpi=60)
        figure.savefig(tmp_path / f"{name}.svg")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        assert (tmp_path / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_report_figures_of_a_bare_scan_path(path):
    assert sorted(report_figures(path)) == ["layout", "transfer_curve"]
    figures = report_figures(analyze_path(path, wavelength=1 * ureg.um, etl_displacement=0))
    assert sorted(figures) == ["beam_focus", "layout", "transfer_curve"]
    assert len(figures["transfer_curve"].axes[0].get_legend().get_texts()) == 1
    with pytest.raises(OpticsTypeError):
        report_figures("default")
