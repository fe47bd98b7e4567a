"""The benchmark command's correctness checks, on tiny sizes (no timing asserts).

Each benchmark checks its answer against an independent computation
(benchmarks/baselines.py: naive and hand-tuned sympy, numpy element
formulas, a brute-force numpy search); these tests run those checks on small
problems so that a wrong answer fails the test suite, and show that each
check rejects a perturbed answer.
"""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import sympy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load():
    name = "optics_benchmarks_run"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_derivation_matches_naive_hand_tuned_and_post_formula():
    rows = bench.bench_derivation(repeat=1, naive_relays=0, relays=1, fresh_repeat=1)
    assert [r.correct for r in rows] == [True, True, True]
    assert all(r.ours > 0 and r.baseline > 0 for r in rows)


def test_derivation_check_rejects_a_wrong_closed_form():
    from optics.microscope.closed_forms import focus_shift_expr

    power, params, train, elements = bench.derivation_problem(1)
    z = focus_shift_expr(train, power)
    hand = bench.baselines.hand_tuned_focus_shift(power, params["p_off"], elements)
    assert bench.check_derivation(z, power, params, [hand])
    # a sign error in the immersion index, as in forgetting n: z scales with n (reference post, section 3)
    assert not bench.check_derivation(z / params["n"], power, params, [hand])


def test_post_formula_is_the_reference_posts_for_a_conjugate_etl():
    # Reference post, section 3: z = -f_o^2 f_s^2 f_r1^2 f_r3^2 / (f_ETL f_t^2 f_r2^2 f_r4^2), f_ETL = 1000/P mm
    P = sympy.Symbol("P", real=True)
    f_o, f_t, f_s, a, b, c, d = sympy.symbols("f_o f_t f_s a b c d", positive=True)
    z = bench.baselines.post_formula(P, f_o, f_t, f_s, [(a, b), (c, d)], 0, 1, 0, 0)
    assert sympy.simplify(z + f_o**2 * f_s**2 * a**2 * c**2 / (1000 / P * f_t**2 * b**2 * d**2)) == 0


def test_sweep_matches_numpy_element_chains():
    rows = bench.bench_sweep(points=2000, big=5000, repeat=1, fresh_repeat=1)
    assert len(rows) == 8 and all(r.correct for r in rows)


def test_mobius_constants_give_the_posts_closed_form():
    # Reference post: z = -n f_o^2 k^2 phi / (1 + Delta k^2 phi + d_e phi) mm, phi = (P + P_off)/1000 per mm.
    # With no relays and f_s = f_t (k = 1), f_o = 100 mm, n = 1, Delta = 0, d_e = 30 mm, P_off = -2 dpt:
    k1, k2, p0 = bench.baselines.mobius_constants(f_o=100.0, f_t=100.0, f_s=100.0, relays=(), p_off=-2.0, d_e=30.0)
    for power in (-5.0, 0.0, 2.0, 7.5):
        phi = (power - 2.0) / 1000
        assert k1 + k2 / (power - p0) == pytest.approx(-1e4 * phi / (1 + 30 * phi) * 1000, rel=1e-12, abs=1e-9)


def test_tuned_sweep_checks_reject_a_wrong_constant():
    from optics.units import ureg

    p = bench.sweep_powers(50)
    z = bench.tuned_numpy()(p * ureg.dpt)
    assert z.units == ureg.um and bench.check_sweep(z.magnitude, p)
    k1, k2, p0 = bench.baselines.mobius_constants(**bench.SWEEP_DESIGN)
    wrong = bench.baselines.tuned_sweep(p * ureg.dpt, k1, k2 * (1 + 1e-6), p0, ureg.dpt, ureg.um, ureg.Quantity)
    assert not bench.check_sweep(wrong.magnitude, p)


def test_sweep_check_rejects_a_wrong_sweep():
    p = bench.sweep_powers(100)
    z = bench.sweep_design().z(p).to("um").magnitude
    assert bench.check_sweep(z, p)
    assert not bench.check_sweep(z * (1 + 1e-6), p)
    assert not bench.check_sweep(z[::-1], p)


def test_numpy_chain_hand_case():
    # ETL of total power P in front of a 4f relay with f = 100 mm, n = 1, no other lenses: f_s = f_t = f_o = 100
    # gives k = 1 and z = -f_o^2 P / 1000 = -10 P mm (thin-lens optics, conjugate ETL).
    p = np.array([-2.0, 1.0, 3.0])
    z = bench.baselines.numpy_chain(p, f_o=100.0, f_t=100.0, f_s=100.0, relays=())
    assert np.allclose(z, -10.0 * p)


def test_search_matches_brute_force_numpy():
    rows, found = bench.bench_search(per_role=3, repeat=1, limit=20)
    assert len(rows) == 2 and all(r.correct for r in rows), [r.note for r in rows]
    for what, mem_ours, mem_base, feasible, checked in found:
        assert 0 < feasible <= checked <= 3**6 and mem_ours > 0


def test_search_check_rejects_a_wrong_result():
    from dataclasses import replace

    for limits in (bench.SEARCH_LIMITS, bench.CLIPPING_ONLY):
        path, cands = bench.search_problem(3)
        result = bench.run_search(path, cands, 20, limits)
        ref = bench.numpy_search_for(path, cands, 20, limits)
        assert bench.check_search(result, ref, path, limits) == []
        wrong = result.table.copy()
        wrong["z_range"] *= 1.01
        assert bench.check_search(replace(result, table=wrong), ref, path, limits)
        assert bench.check_search(replace(result, n_feasible=result.n_feasible + 1), ref, path, limits)
        assert bench.check_search(replace(result, table=result.table[::-1].copy()), ref, path, limits)
        counts = result.pareto.copy()
        counts["n_alternatives"][0] += 1
        assert bench.check_search(replace(result, pareto=counts), ref, path, limits)
        assert bench.check_search(replace(result, pareto=result.pareto[1:]), ref, path, limits)


def test_catalog_and_default_design_search_rows_check_their_answers():
    row, mem, result = bench.bench_search_catalog(step=3)
    assert row.correct, row.note
    assert result.n_pruned > 0 and result.n_evaluated == 9**6 and mem > 0
    # the row check refuses a row outside the fill window
    from dataclasses import replace

    wrong = result.table.copy()
    wrong["fill"] *= 2
    assert bench._search_rows_check(replace(result, table=wrong), 0.8, 1.2)
    row, mem, total, pruned, feasible = bench.bench_search_default(repeat=1)
    assert row.correct, row.note
    assert total > pruned > 0 and feasible > 0


def test_pareto_baseline_hand_case():
    # (1,1) twice, (2,0) and (0,2) are not dominated; (0,0) and (1,0) are (by (1,1)).
    pts = np.array([[1, 1], [2, 0], [0, 0], [1, 1], [0, 2], [1, 0]])
    assert bench.baselines._pareto(pts).tolist() == [True, True, False, True, True, False]
    assert bench.baselines.pareto_front(pts).tolist() == [True, True, False, True, True, False]


def test_blocked_pareto_front_equals_the_definition():
    # Reference: the definition, row by row (no other row >= everywhere and > somewhere).
    rng = np.random.default_rng(7)
    for _ in range(40):
        pts = rng.integers(0, rng.integers(1, 8), size=(rng.integers(1, 120), rng.integers(1, 5)))
        want = [not np.any(np.all(pts >= p, axis=1) & np.any(pts > p, axis=1)) for p in pts]
        assert bench.baselines.pareto_front(pts, block=int(rng.integers(1, 40))).tolist() == want


def test_symbolic_product_rows_are_checked():
    rows = bench.bench_products(generic=6, four_f=10)
    assert [r.correct for r in rows] == [True, True]
    matrices = bench.baselines.generic_matrices(4)
    good = bench.baselines.field_product(matrices)
    symbols = sorted(set().union(*(v.free_symbols for v in good)), key=lambda s: s.name)
    assert bench._same_matrix(good, good, symbols)
    assert not bench._same_matrix(good, (good[0] * (1 + symbols[0] / 10**6), *good[1:]), symbols)


def test_fresh_process_time_and_child_time():
    assert 0 <= bench.fresh_process_time("x = 2", "x ** 10", 1) < 5
    with pytest.raises(RuntimeError):
        bench.fresh_process_time("", "raise SystemExit(3)", 1)
    wall, cpu, proc = bench.child_time([sys.executable, "-c", "print(1)"], str(ROOT))
    assert proc.returncode == 0 and wall > 0 and cpu >= 0


def test_import_benchmark_runs():
    rows = bench.bench_import(repeat=1)
    assert rows[0].correct and rows[0].ours > 0 and rows[0].baseline > 0


def test_other_library_row_is_correct_or_cleanly_absent():
    (row,) = bench.bench_other_library(points=200, repeat=1)
    if row.correct is None:
        assert row.note.startswith("skipped") and row.ours is None
    else:
        assert row.correct


def test_table_has_every_column():
    row = bench.Row("x", 0.002, 0.001, "within 2x (<= 2)", 2.0, True)
    text = bench.table([row])
    assert "benchmark" in text and "met?" in text and "correct?" in text
    assert row.ratio == 2.0 and row.met
    assert not bench.Row("y", 30e-6, 10e-6, "<= 20 us", None, True, abs_limit=20e-6).met
    assert bench.Row("y", 15e-6, 10e-6, "<= 20 us", None, True, abs_limit=20e-6).met
