"""Tests of optics.microscope.search: results equal ScanPath results, the pruned search equals brute force,
constraints, the aberration proxy, the collapsed Pareto front, Ctrl-C and chunking."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from optics.catalog import Catalog
from optics.errors import InvalidParameterError, OpticsValueError, PlaneError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart
from optics.microscope.path import Relay, ScanPath
from optics.microscope.search import Metric, aberration_proxy, pareto_mask, search_lens_sets
from optics.units import ureg

OBJ = Objective("16x/0.8", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
RES = Scanner("res", aperture=5, optical_angle=26 * ureg.deg, kind="resonant")
GALVO = Scanner("galvo", aperture=10, optical_angle=20 * ureg.deg, kind="galvo")
ETL = TunableLensPart("ETL", aperture=16, power_min=-10, power_max=10)
ACHROMATS = [p for p in Catalog.default().lenses if p.kind == "achromat"]


ETL_OFFSET = TunableLensPart("ETL with offset lens", aperture=10, power_min=-1.5, power_max=3.5, offset_power=-2)


def template(etl=False, beam_at="laser", beam=5):
    kw = dict(etl=ETL_OFFSET if etl == "offset" else ETL, etl_relay=Relay(100, 50)) if etl else {}
    return ScanPath([RES, GALVO], 50, 200, OBJ, beam, relays=[Relay(50, 75)], check=False, beam_at=beam_at, **kw)


def test_post_tradeoff_single_pair():
    # Reference post: f_t/f_s = 4 gives 20 mm at the back aperture and 1.52 mm FOV (small-angle);
    # 3:1 gives 15 mm.  One scanner, no apertures.
    path = ScanPath([RES], 50, 200, OBJ, 5, check=False)
    r = search_lens_sets(path, {"scan_lens": [50], "tube_lens": [150, 200]}, fov_form="small_angle",
                         rank_by=["beam_ba"])
    beams = sorted(r.table["beam_ba"])
    assert beams == pytest.approx([15.0, 20.0])
    row = r.table[r.table["f_tube_lens"] == 200][0]
    assert row["fov_resonant"] == pytest.approx(math.tan(math.radians(26)) * 12.5 * 50 / 200)


@pytest.mark.parametrize("method", ["pruned", "brute"])
def test_search_rows_equal_scanpath(method):
    fl = [40, 50, 75, 100, 150, 200]
    cands = {"relay1_1": fl, "relay1_2": fl, "scan_lens": fl, "tube_lens": [150, 200, 300],
             "etl_relay_1": [50, 100], "etl_relay_2": [50, 100]}
    r = search_lens_sets(template(etl=True), cands, no_clipping=False, limit=50, method=method)
    assert r.method == method
    assert r.n_evaluated == 6 * 6 * 6 * 3 * 2 * 2 == r.n_feasible
    for row in r.table[:: max(1, len(r.table) // 5)]:
        path = ScanPath(
            [RES, GALVO], float(row["f_scan_lens"]), float(row["f_tube_lens"]), OBJ, 5,
            relays=[Relay(float(row["f_relay1_1"]), float(row["f_relay1_2"]))], etl=ETL,
            etl_relay=Relay(float(row["f_etl_relay_1"]), float(row["f_etl_relay_2"])), check=False,
        )
        assert row["beam_ba"] == pytest.approx(path.back_aperture_beam.to("mm").magnitude)
        assert row["fill"] == pytest.approx(path.fill_ratio)
        assert row["effective_na"] == pytest.approx(path.effective_na)
        assert row["fov_resonant"] == pytest.approx(path.fov("resonant").to("mm").magnitude)
        assert row["fov_galvo"] == pytest.approx(path.fov("galvo").to("mm").magnitude)
        assert row["length"] == pytest.approx(path.length.to("mm").magnitude)
        assert row["z_range"] == pytest.approx(path.z_range().span.to("um").magnitude)
        # independent: beam = 5 mm x (f_e2/f_e1)(f_r2/f_r1)(f_t/f_s)
        m = row["f_etl_relay_2"] / row["f_etl_relay_1"] * row["f_relay1_2"] / row["f_relay1_1"]
        assert row["beam_ba"] == pytest.approx(5 * m * row["f_tube_lens"] / row["f_scan_lens"])


def test_constraints_match_brute_force_over_scanpaths():
    # 1" lenses below 75 mm, 2" above; a 26 deg resonant scan clips 1" relay lenses.
    fl = [30, 50, 75, 100, 150, 200]
    lenses = {f: Lens(f"L{f}", f, aperture=25.4 if f < 75 else 50.8) for f in fl}
    tube = Lens("TL", 200, aperture=75)
    cands = {"relay1_1": list(lenses.values()), "relay1_2": list(lenses.values()),
             "scan_lens": list(lenses.values()), "tube_lens": [tube]}
    r = search_lens_sets(template(), cands, min_fov=0.4, min_fill=0.8, max_length=1000, limit=10**6)
    expected = set()
    for a, b, s in itertools.product(fl, fl, fl):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = ScanPath([RES, GALVO], lenses[s], tube, OBJ, 5,
                            relays=[Relay(lenses[a], lenses[b])], check=False)
        ok = (
            min(path.fov(0).magnitude, path.fov(1).magnitude) >= 0.4
            and path.fill_ratio >= 0.8
            and path.length.magnitude <= 1000
            and not any(row.clipped for row in path.clipping_table())
        )
        if ok:
            expected.add((a, b, s))
    got = {(row["f_relay1_1"], row["f_relay1_2"], row["f_scan_lens"]) for row in r.table}
    assert got <= expected
    assert r.n_feasible == len(expected) == r.table["n_alternatives"].sum() > 0
    # ranking: effective NA never increases down the table
    assert np.all(np.diff(r.table["effective_na"]) <= 1e-12)
    # every row's path really does not clip
    for row in r.table[:3]:
        assert not any(c.clipped for c in r.path(row).clipping_table())


def _ties(a, b, rtol=1e-9):
    return np.allclose(a, b, rtol=rtol, atol=0)


def _same(pruned, brute):
    assert pruned.method == "pruned" and brute.method == "brute"
    assert pruned.n_feasible == brute.n_feasible
    assert pruned.n_evaluated == brute.n_evaluated
    assert len(pruned.table) == len(brute.table)
    for key in pruned.rank_by:
        assert _ties(pruned.table[key], brute.table[key]), key
    assert np.array_equal(pruned.table["n_alternatives"], brute.table["n_alternatives"])
    assert len(pruned.pareto) == len(brute.pareto)
    for key in pruned.pareto_metrics:
        assert _ties(pruned.pareto[key], brute.pareto[key]), key
    assert np.array_equal(pruned.pareto["n_alternatives"], brute.pareto["n_alternatives"])


SUBGRIDS = [
    # (template kwargs, candidate achromats by index, limits)
    (dict(etl=True), slice(0, 27, 4), {}),
    (dict(etl=True, beam_at="resonant"), slice(2, 27, 3), dict(min_fill=0.8, max_fill=1.2, etl_fill=0.85)),
    (dict(etl=True, beam=4.5), slice(1, 27, 4), dict(min_fov=0.45, min_fill=0.85, aperture_fill=0.9)),
    (dict(etl=True, beam_at="galvo", beam=6), slice(0, 27, 3),
     dict(min_fill=0.7, max_fill=1.3, min_z_range=50 * ureg.um, max_length=1600)),
    (dict(), slice(0, 27, 2), dict(max_field_angle=14 * ureg.deg, min_f_number=4, min_fov={"galvo": 0.5})),
    # an ETL with an offset lens: the z-range is not a pure 1/M^2 scaling of its own power range
    (dict(etl="offset", beam_at="resonant"), slice(1, 27, 3), dict(min_fill=0.7, max_fill=1.3)),
]


@pytest.mark.parametrize("case", range(len(SUBGRIDS)))
def test_pruned_search_equals_brute_force_on_sub_grids(case):
    kw, pick, limits = SUBGRIDS[case]
    path = template(**kw)
    lenses = ACHROMATS[pick]
    cands = {r: lenses for r in path.lens_roles}
    # scan and tube lenses: designed ones (apertures unknown, not proxied) and a few achromats
    catalog = Catalog.default()
    cands["scan_lens"] = [catalog.lens("SL50-2P2"), catalog.lens("LSM03-BB"), *lenses[:3]]
    cands["tube_lens"] = [catalog.lens("TTL200MP"), *lenses[-3:]]
    pruned = search_lens_sets(path, cands, limit=40, method="pruned", chunk_size=5000, **limits)
    brute = search_lens_sets(path, cands, limit=40, method="brute", **limits)
    assert pruned.n_feasible > 0
    _same(pruned, brute)
    # the pruning formed fewer sets than the grid holds (and counted the rest)
    assert pruned.n_checked <= brute.n_checked == brute.n_evaluated


def test_pruned_is_chosen_and_falls_back():
    r = search_lens_sets(template(), {"scan_lens": [40, 50], "tube_lens": [150, 200]})
    assert r.method == "pruned"
    ratio = Metric("ratio", lambda p: p.tube_lens.f / p.scan_lens.f, "", "max")
    r = search_lens_sets(template(), {"scan_lens": [40, 50], "tube_lens": [150, 200]}, metrics=[ratio])
    assert r.method == "brute"
    with pytest.raises(OpticsValueError, match="pruned method cannot"):
        search_lens_sets(template(), {"scan_lens": [40]}, metrics=[ratio], method="pruned")


def test_aberration_proxy_hand_values():
    # Seidel scaling of a thin lens, h = D/2: h^4/f^3 + h^3 t/f^2 + h^2 t^2/f.
    # f = 50 mm, D = 5 mm, 13 deg: 2.5^4/50^3 = 3.125e-4; 2.5^3 tan13/50^2 = 1.4430e-3;
    # 2.5^2 tan^2(13)/50 = 6.6627e-3 (tan 13 deg = 0.230868)
    assert aberration_proxy(50, 5, math.tan(math.radians(13))) == pytest.approx(3.125e-4 + 1.4430e-3 + 6.6627e-3,
                                                                                rel=1e-4)
    # a 30 mm relay lens at the same beam and angle scores worse than a 75 mm one
    assert aberration_proxy(30, 5, 0.2309) > 2 * aberration_proxy(75, 5, 0.2309)


def test_proxy_columns_equal_hand_formulas():
    # One relay between the scanners (26 deg resonant: t = tan 13 deg), 5 mm beam at the resonant.
    path = ScanPath([RES, GALVO], 50, 200, OBJ, 5, relays=[Relay(50, 75)], check=False)
    r = search_lens_sets(path, {"relay1_1": [30], "relay1_2": [60]}, no_clipping=False)
    row = r.table[0]
    t = math.tan(math.radians(13))
    # relay lens 1: D = 5, slope t; lens 2: D = 10, slope t/2; scan lens: D = 10, slopes t/2 and tan 10 deg
    # in quadrature; tube lens: D = 40, same height 50 * slope over 200 mm
    t_scan = math.hypot(t / 2, math.tan(math.radians(10)))
    lenses = [(30, 5, t), (60, 10, t / 2), (50, 10, t_scan), (200, 40, t_scan * 50 / 200)]
    assert row["aberration"] == pytest.approx(1000 * max(aberration_proxy(*x) for x in lenses))
    assert row["field_angle"] == pytest.approx(max(math.degrees(math.atan(x[2])) for x in lenses))  # 13 deg
    assert row["f_number"] == pytest.approx(min(f / d for f, d, _ in lenses))


def test_pareto_front_is_non_dominated_and_collapsed():
    fl = [40, 50, 75, 100, 150, 200, 250]
    cands = {"relay1_1": fl, "relay1_2": fl, "scan_lens": fl, "etl_relay_1": fl}
    r = search_lens_sets(template(etl=True), cands, no_clipping=False, limit=10**6)
    cols = ["fov_resonant", "fov_galvo", "effective_na", "z_range", "aberration"]
    assert r.pareto_metrics == tuple(cols)
    signs = np.array([1, 1, 1, 1, -1])
    allv = np.column_stack([r.table[c] for c in cols]) * signs
    for row in r.pareto:
        p = np.array([row[c] for c in cols]) * signs
        tol = 1e-9 * np.abs(p)  # sets that tie mathematically differ in the last bits
        dominated = np.all(allv >= p - tol, axis=1) & np.any(allv > p + tol, axis=1)
        assert not dominated.any()
        ties = np.all(np.abs(allv - p) <= tol, axis=1)
        assert row["n_alternatives"] == r.table["n_alternatives"][ties].sum()
    assert r.table["n_alternatives"].sum() == r.n_feasible == 7**4
    assert "Pareto front" in r.to_text(3, which="pareto")


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=st.integers(0, 5).map(float)))
def test_pareto_mask_brute_force(values):
    senses = ["max"] * values.shape[1]
    mask = pareto_mask(values, senses, block=4)
    for i, v in enumerate(values):
        dominated = np.any(np.all(values >= v, axis=1) & np.any(values > v, axis=1))
        assert mask[i] == (not dominated)


def test_progress_and_custom_metric():
    calls = []
    ratio = Metric("ratio", lambda p: p.tube_lens.f / p.scan_lens.f, "", "max")
    r = search_lens_sets(template(), {"scan_lens": [40, 50], "tube_lens": [100, 200, 300]}, metrics=[ratio],
                         no_clipping=False, progress=lambda done, total: calls.append((done, total)),
                         chunk_size=2)
    assert calls[-1] == (6, 6)
    assert sorted(r.table["ratio"]) == pytest.approx(sorted([t / s for s in (40, 50) for t in (100, 200, 300)]))


def test_chunks_do_not_change_the_answer():
    path = template(etl=True)
    cands = {r: ACHROMATS[::3] for r in path.lens_roles}
    big = search_lens_sets(path, cands, min_fill=0.8, max_fill=1.2, limit=30)
    small = search_lens_sets(path, cands, min_fill=0.8, max_fill=1.2, limit=30, chunk_size=97)
    assert big.n_feasible == small.n_feasible > 0
    for key in big.rank_by:
        assert _ties(big.table[key], small.table[key])
    assert np.array_equal(big.pareto["n_alternatives"], small.pareto["n_alternatives"])


def test_ctrl_c_returns_the_best_so_far():
    path = template(etl=True)
    cands = {r: ACHROMATS[::2] for r in path.lens_roles}
    full = search_lens_sets(path, cands, limit=5)
    calls = []

    def interrupt(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    part = search_lens_sets(path, cands, limit=5, chunk_size=2000, progress=interrupt)
    assert part.interrupted and not full.interrupted
    assert 0 < part.n_feasible < full.n_feasible
    assert len(part.table) and "interrupted" in part.to_text(2)


def test_thirty_mm_relay_at_26_degrees_is_not_ranked_first():
    # The default design's resonant scans 26 deg: a 1" f = 30 mm relay passes the footprint check
    # (5 + 2 * 30 * tan 13 deg = 18.9 mm of 22.86 mm) but works at f/6 on a 13 deg field.
    from optics.catalog.candidates import search_candidates
    from optics.design import Design

    design = Design.default()
    path = design.scan_path(check=False)
    catalog = design.catalog()
    cands = {r: search_candidates(catalog, r) for r in path.lens_roles}
    r = search_lens_sets(path, cands, min_fill=0.8, max_fill=1.2, etl_fill=path.fill_limit, limit=10)
    assert r.method == "pruned" and r.n_feasible > 0
    relay = [(row["relay1_1"], row["relay1_2"]) for row in r.table]
    thirty = ("Thorlabs AC254-030-B", "Thorlabs AC254-030-B")
    assert relay[0] != thirty
    assert thirty in relay  # feasible, ranked lower on the aberration proxy
    assert r.table["aberration"][relay.index(thirty)] > r.table["aberration"][0]
    # the ETL is not filled beyond the design's fill limit (beam 5 mm at the resonant)
    etl_beam = 5 * r.table["f_etl_relay_1"] / r.table["f_etl_relay_2"]
    assert np.all(etl_beam <= 0.85 * 16 * (1 + 1e-12))


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="scan_lens focal length must be positive.*-50"):
        search_lens_sets(template(), {"scan_lens": [-50, 50]})
    with pytest.raises(PlaneError, match="no lens role 'relay9_1'"):
        search_lens_sets(template(), {"relay9_1": [50]})
    with pytest.raises(InvalidParameterError, match="no candidates"):
        search_lens_sets(template(), {"scan_lens": []})
    with pytest.raises(InvalidParameterError, match="min_fill 1.3 is above max_fill 1.2"):
        search_lens_sets(template(), {"scan_lens": [50]}, min_fill=1.3, max_fill=1.2)
    with pytest.raises(InvalidParameterError, match="min_z_range needs an ETL"):
        search_lens_sets(template(), {"scan_lens": [50]}, min_z_range=0.01)
    with pytest.raises(OpticsValueError, match="method must be one of"):
        search_lens_sets(template(), {"scan_lens": [50]}, method="fast")
