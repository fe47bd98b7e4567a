"""Time the remote-focus calculations (not part of pytest).

1. A sweep of z over N ETL powers (default 10^6) through the public API
   (RemoteFocus.z, Quantities in and out), against hand-written numpy formulas
   for the same element chain (a) multiplying every element's matrix as
   arrays and (b) pre-multiplying the constant part, both measured here.
2. Deriving the closed form from the full symbolic train (ETL, two relays,
   resonant, galvo, scan lens, tube lens, objective, immersion: 22 matrices)
   against a naive sympy product of the same matrices followed by simplify.

Run:  python benchmarks/bench_remote_focus.py [--points N] [--repeat R] [--naive]
(--naive also times the naive sympy product + simplify, which takes seconds).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy

from optics.remote_focus import POWER, RemoteFocus, focus_shift_expr, remote_focus_train
from optics.symbolic import symbols
from optics.units import ureg

DESIGN = dict(f_o=12.5, f_t=200.0, f_s=50.0, relays=((100.0, 50.0), (50.0, 75.0)), offset_power=-2.0)


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def hand_chain(p, f_o, f_t, f_s, relays, offset_power, etl_offset=0.0):
    """Every element as numpy arrays (the chain a user would write by hand)."""
    (a1, a2), (b1, b2) = relays
    lens = lambda f: (1.0, 0.0, -1.0 / f, 1.0)  # noqa: E731
    space = lambda d: (1.0, d, 0.0, 1.0)  # noqa: E731
    m = (np.ones_like(p), np.zeros_like(p), -(p + offset_power) / 1000.0, np.ones_like(p))
    for a, b, c, d in [space(a1 - etl_offset), lens(a1), space(a1 + a2), lens(a2), space(a2),
                       space(b1), lens(b1), space(b1 + b2), lens(b2), space(b2), space(f_s), lens(f_s),
                       space(f_s + f_t), lens(f_t), space(f_t), space(f_o), lens(f_o), space(f_o)]:
        A, B, C, D = m
        m = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D)
    return -m[0] / m[2]


def hand_premultiplied(p, f_o, f_t, f_s, relays, offset_power, etl_offset=0.0):
    """Constant part multiplied once in floats; only the ETL varies."""
    (a1, a2), (b1, b2) = relays
    m = np.eye(2)
    for e in [(1, a1 - etl_offset, 0, 1), (1, 0, -1 / a1, 1), (1, a1 + a2, 0, 1), (1, 0, -1 / a2, 1),
              (1, a2, 0, 1), (1, b1, 0, 1), (1, 0, -1 / b1, 1), (1, b1 + b2, 0, 1), (1, 0, -1 / b2, 1),
              (1, b2, 0, 1), (1, f_s, 0, 1), (1, 0, -1 / f_s, 1), (1, f_s + f_t, 0, 1), (1, 0, -1 / f_t, 1),
              (1, f_t, 0, 1), (1, f_o, 0, 1), (1, 0, -1 / f_o, 1), (1, f_o, 0, 1)]:
        m = np.array([[e[0], e[1]], [e[2], e[3]]], dtype=float) @ m
    c_etl = -(p + offset_power) / 1000.0
    return -(m[0, 0] + m[0, 1] * c_etl) / (m[1, 0] + m[1, 1] * c_etl)


def bench_sweep(points, repeat, etl_offset=0.0):
    rf = RemoteFocus(DESIGN["f_o"], DESIGN["f_t"], DESIGN["f_s"], DESIGN["relays"],
                     offset_power=DESIGN["offset_power"], etl_offset=etl_offset)
    p = np.linspace(-5.0, 10.0, points)
    pq = p * ureg.dpt
    z_api = rf.z(pq).to("mm").magnitude
    args = (DESIGN["f_o"], DESIGN["f_t"], DESIGN["f_s"], DESIGN["relays"], DESIGN["offset_power"], etl_offset)
    assert np.allclose(z_api, hand_chain(p, *args), rtol=1e-9, atol=1e-12)
    assert np.allclose(z_api, hand_premultiplied(p, *args), rtol=1e-9, atol=1e-12)
    t_api = best(lambda: rf.z(pq), repeat)
    t_api_plain = best(lambda: rf.z(p), repeat)
    t_chain = best(lambda: hand_chain(p, *args), repeat)
    t_pre = best(lambda: hand_premultiplied(p, *args), repeat)
    print(f"sweep of {points} ETL powers, ETL offset {etl_offset} mm (best of {repeat}); z(P) = {rf.expr}")
    print(f"  RemoteFocus.z, Quantity in/out     {t_api * 1e3:8.2f} ms")
    print(f"  RemoteFocus.z, plain array in      {t_api_plain * 1e3:8.2f} ms")
    print(f"  hand numpy, element-by-element     {t_chain * 1e3:8.2f} ms   ratio API/hand = {t_api / t_chain:.2f}")
    print(f"  hand numpy, constant part premult. {t_pre * 1e3:8.2f} ms   ratio API/hand = {t_api / t_pre:.2f}")
    return t_api / t_chain, t_api / t_pre


def bench_derivation(naive):
    f_o, f_t, f_s, r1, r2, r3, r4, n = symbols("f_o f_t f_s f_r1 f_r2 f_r3 f_r4 n")
    p_off, delta, d_e = symbols("P_off Delta d_e", positive=False)
    t0 = time.perf_counter()
    train = remote_focus_train(f_o, f_t, f_s, [(r1, r2), (r3, r4)], offset_power=p_off, n=n,
                               conjugate_offset=delta, etl_offset=d_e)
    z = focus_shift_expr(train)
    t_closed = time.perf_counter() - t0
    print(f"closed form from the full symbolic train ({len(train)} matrices): {t_closed * 1e3:.1f} ms")
    print(f"  z = {sympy.factor(z)}")
    if naive:
        t0 = time.perf_counter()
        m = sympy.eye(2)
        for e in train.elements:
            m = e.matrix * m
        z_naive = sympy.simplify(-m[0, 0] / m[1, 0] - (-m[0, 0] / m[1, 0]).subs(POWER, -p_off))
        t_naive = time.perf_counter() - t0
        print(f"naive sympy product + simplify: {t_naive:.2f} s   ratio naive/closed = {t_naive / t_closed:.0f}")
        assert sympy.simplify(z_naive - z) == 0
    return t_closed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive", action="store_true", help="also time naive sympy simplify (slow)")
    args = parser.parse_args(argv)
    bench_sweep(args.points, args.repeat)
    bench_sweep(args.points, args.repeat, etl_offset=20.0)
    bench_derivation(args.naive)


if __name__ == "__main__":
    main()
