"""Tests of optics.microscope.search: vectorized results equal ScanPath results, constraints, Pareto front."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from optics.errors import InvalidParameterError, PlaneError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart
from optics.microscope.path import Relay, ScanPath
from optics.microscope.search import Metric, pareto_mask, search_lens_sets
from optics.units import ureg

OBJ = Objective("16x/0.8", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
RES = Scanner("res", aperture=5, optical_angle=26 * ureg.deg, kind="resonant")
GALVO = Scanner("galvo", aperture=10, optical_angle=20 * ureg.deg, kind="galvo")
ETL = TunableLensPart("ETL", aperture=16, power_min=-10, power_max=10)


def template(etl=False):
    kw = dict(etl=ETL, etl_relay=Relay(100, 50)) if etl else {}
    return ScanPath([RES, GALVO], 50, 200, OBJ, 5, relays=[Relay(50, 75)], check=False, **kw)


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


def test_search_rows_equal_scanpath():
    fl = [40, 50, 75, 100, 150, 200]
    cands = {"relay1_1": fl, "relay1_2": fl, "scan_lens": fl, "tube_lens": [150, 200, 300],
             "etl_relay_1": [50, 100], "etl_relay_2": [50, 100]}
    r = search_lens_sets(template(etl=True), cands, no_clipping=False, limit=50)
    assert r.n_evaluated == 6 * 6 * 6 * 3 * 2 * 2 == r.n_feasible
    for row in r.table[[0, 7, 23, 49]]:
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
    # 1" lenses below 75 mm, 2" above; a 75 mm tube lens (a 26 deg resonant scan clips 1" relay lenses).
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
    assert got == expected
    assert r.n_feasible == len(expected) > 0
    # ranking: effective NA never increases down the table
    assert np.all(np.diff(r.table["effective_na"]) <= 1e-12)
    # every row's path really does not clip
    for row in r.table[:3]:
        assert not any(c.clipped for c in r.path(row).clipping_table())


def test_pareto_front_is_non_dominated():
    fl = [40, 50, 75, 100, 150, 200, 250]
    r = search_lens_sets(template(etl=True), {"relay1_1": fl, "relay1_2": fl, "scan_lens": fl,
                                              "etl_relay_1": fl}, no_clipping=False, limit=10**6)
    cols = ["fov_resonant", "fov_galvo", "fill", "z_range"]
    assert r.pareto_metrics == tuple(cols)
    allv = np.column_stack([r.table[c] for c in cols])
    for row in r.pareto:
        p = np.array([row[c] for c in cols])
        tol = 1e-9 * np.abs(p)  # sets that tie mathematically differ in the last bits
        dominated = np.all(allv >= p - tol, axis=1) & np.any(allv > p + tol, axis=1)
        assert not dominated.any()
    assert "Pareto front" in r.to_text(3, which="pareto")


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=st.integers(0, 5).map(float)))
def test_pareto_mask_brute_force(values):
    senses = ["max"] * values.shape[1]
    mask = pareto_mask(values, senses)
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


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="scan_lens focal length must be positive.*-50"):
        search_lens_sets(template(), {"scan_lens": [-50, 50]})
    with pytest.raises(PlaneError, match="no lens role 'relay9_1'"):
        search_lens_sets(template(), {"relay9_1": [50]})
    with pytest.raises(InvalidParameterError, match="no candidates"):
        search_lens_sets(template(), {"scan_lens": []})
