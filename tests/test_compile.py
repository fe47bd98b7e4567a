"""The compile step: vectorized evaluation, units, missing symbols, singular points."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics import (
    OpticsTypeError,
    LensTrain,
    MissingSymbolsError,
    NonFiniteResultError,
    Space,
    ThinLens,
    TunableLens,
    compile_expr,
    evaluate,
    ureg,
)

f1, f2, d = sympy.symbols("f1 f2 d", positive=True)
P = sympy.Symbol("P", real=True)


def _two_lens_efl():
    return LensTrain([ThinLens(f1), Space(d), ThinLens(f2)]).efl()


@settings(max_examples=50, deadline=None)
@given(st.floats(10, 500), st.floats(10, 500), st.floats(0, 5))
def test_compiled_matches_exact_evaluation(a, b, gap):
    # The textbook two-lens formula is the independent reference.
    efl = _two_lens_efl()
    fast = compile_expr(efl, unit="mm")
    value = fast(d=gap, f1=a, f2=b).magnitude
    assert value == pytest.approx(1 / (1 / a + 1 / b - gap / (a * b)), rel=1e-9)
    assert evaluate(efl, {f1: a, f2: b, d: gap}, "mm").magnitude == pytest.approx(value, rel=1e-12)


def test_vectorized_sweep_over_a_million_values():
    train = LensTrain([TunableLens(P), Space(100), ThinLens(100)])
    bfd = compile_expr(train.back_focal_distance(), unit="mm")
    powers = np.linspace(-5, 5, 1_000_000) + 1e-7
    z = bfd(P=powers)
    assert z.shape == (1_000_000,)
    # Hand-derived: ETL power p (1/mm) in front of a 100 mm lens at 100 mm spacing
    # gives back focal distance 100 - 100^2 p.
    assert np.allclose(z.magnitude, 100 - 1e4 * powers / 1000)


def test_quantities_in_and_out():
    efl = compile_expr(f1 * f2 / (f1 + f2), unit="mm")
    out = efl(f1=[10, 20] * ureg.cm, f2=100 * ureg.mm)
    assert out.units == ureg.mm
    assert out.magnitude.tolist() == pytest.approx([50, 200 / 3])
    assert compile_expr(-1000 / P, unit="mm")(P=2 * ureg.dpt).magnitude == pytest.approx(-500)


def test_compiled_functions_are_cached():
    a = compile_expr(f1 + f2)
    b = compile_expr(f1 + f2)
    assert a._func is b._func


def test_fixed_values_and_argument_order():
    fn = compile_expr(f1 - 2 * f2, args=[f2, f1])
    assert fn(1, 10) == pytest.approx(8)
    fixed = compile_expr(f1 * f2 / (f1 + f2), args=["f1"], fixed={"f2": 10 * ureg.cm})
    assert fixed(100) == pytest.approx(50)


def test_missing_symbols_are_listed():
    with pytest.raises(MissingSymbolsError, match="f2") as info:
        compile_expr(f1 * f2 + d, args=[f1])
    assert set(info.value.missing) == {"d", "f2"}
    with pytest.raises(MissingSymbolsError, match="d, f2"):
        evaluate(f1 * f2 + d, {f1: 1})
    with pytest.raises(MissingSymbolsError, match="f2"):
        compile_expr(f1 + f2)(f1=1)


def test_singular_points_raise_instead_of_returning_inf():
    fn = compile_expr(1 / (f1 - 10), unit="mm")
    with pytest.raises(NonFiniteResultError, match="f1.*10.0"):
        fn(f1=np.array([5.0, 10.0, 20.0]))
    with pytest.raises(NonFiniteResultError):
        evaluate(1 / (f1 - 10), {f1: 10})
    assert np.isinf(compile_expr(1 / (f1 - 10), check_finite=False)(10.0))


def test_unknown_names_are_reported():
    with pytest.raises(ValueError, match="'f3' is not one of its symbols"):
        evaluate(f1, {"f3": 1})


def test_wrong_dimension_with_known_symbol_units():
    from optics import DimensionError

    train = LensTrain([ThinLens(f1)])
    with pytest.raises(DimensionError):
        compile_expr(train.efl(), units=train.symbol_units)(f1=3 * ureg.deg)


# -- closed forms of one variable, evaluated in place --------------------------------------
from fractions import Fraction  # noqa: E402

import optics.core.compile as compile_module  # noqa: E402


def _exact(num, den, x):
    """Reference: the rational function num(x)/den(x) (coefficients highest first) in exact arithmetic."""
    x = Fraction(float(x))
    n = sum(Fraction(c) * x**k for k, c in enumerate(reversed(num)))
    d = sum(Fraction(c) * x**k for k, c in enumerate(reversed(den)))
    return float(n / d)


def test_remote_focus_form_is_recognised_as_mobius_and_matches_exact_arithmetic():
    # z(P) = -n f_o^2 k^2 phi / (1 + d_e phi), phi = (P - 2)/1000 (reference post's closed form, ETL 20 mm
    # off the conjugate plane, k = 1, f_o = 12.5 mm, n = 1.333): num = -1.333*156.25*(P - 2)/1000,
    # den = 1 + 20 (P - 2)/1000.
    z = -sympy.Rational(1333, 1000) * sympy.Rational(625, 4) * (P - 2) / 1000 / (1 + 20 * (P - 2) / sympy.Integer(1000))
    fn = compile_expr(z, unit="mm")
    assert fn.kind == "mobius"
    num = [-1333 * Fraction(625, 4) / 1000 / 1000, 1333 * Fraction(625, 4) * 2 / 1000 / 1000]
    den = [Fraction(20, 1000), 1 - Fraction(40, 1000)]
    p = np.linspace(-10, 10, 2001)
    got = fn(P=p * ureg.dpt).magnitude
    want = np.array([_exact(num, den, x) for x in p])
    # Documented error of K1 + K2/(P - P0): a few eps |K1| absolute, K1 = a/c = -(1.333*156.25/1000)/(20/1000) mm.
    k1 = (1.333 * 156.25 / 1000) / (20 / 1000)
    assert np.allclose(got, want, rtol=1e-13, atol=8 * np.finfo(float).eps * k1)
    assert fn(P=2.0).magnitude == 0.0 and fn(P=np.array([2.0])).magnitude[0] == 0.0  # exactly zero at its zero
    assert fn(P=3.5).magnitude == pytest.approx(_exact(num, den, 3.5), rel=1e-14)


def test_far_pole_uses_the_stable_form_and_keeps_relative_accuracy():
    # Nearly conjugate ETL: pole at P = -1e9 dpt, zero at P = 0; z ~ -P/1000 for small P.
    z = -P / 1000 / (1 + P / sympy.Integer(10**9))
    fn = compile_expr(z)
    assert fn.kind == "mobius-stable"
    p = np.array([1e-6, 0.5, 3.0, -7.0])
    want = np.array([_exact([Fraction(-1, 1000), 0], [Fraction(1, 10**9), 1], x) for x in p])
    assert np.allclose(fn(p), want, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "expr, kind, num, den",
    [
        (3 / (P - 4), "reciprocal", [3], [1, -4]),
        ((P - 4) * 7 / 2, "linear", [Fraction(7, 2), -14], [1]),
        (sympy.Integer(5) + 0 * P, None, None, None),
        (P**3 - 2 * P + 1, "polynomial", [1, 0, -2, 1], [1]),
        ((P**2 + 1) / (2 * P**2 - 3 * P + 7), "rational", [1, 0, 1], [2, -3, 7]),
        ((P**2 - 1) / (P - 1), "linear", [1, 1], [1]),  # cancelled at compile time: no 0/0 at P = 1
    ],
)
def test_other_rational_forms_match_exact_arithmetic(expr, kind, num, den):
    if kind is None:  # a constant has no free symbol; it compiles through lambdify
        assert compile_expr(expr)() == 5
        return
    fn = compile_expr(expr, args=[P])
    assert fn.kind == kind
    p = np.linspace(-3.3, 3.7, 71)
    assert np.allclose(fn(p), [_exact(num, den, x) for x in p], rtol=1e-13, atol=1e-14)
    assert fn(1.0) == pytest.approx(_exact(num, den, 1.0), rel=1e-13)


def test_blocks_give_the_same_values_as_scalar_calls_and_out_is_filled_in_place():
    fn = compile_expr(-1000 / (P + 320), unit="mm")
    n = 2 * compile_module.BLOCK + 17  # three blocks, the last one short
    p = np.linspace(-10, 10, n)
    out = np.empty(n)
    q = fn(p * ureg.dpt, out=out)
    assert q.magnitude is out
    # The hand formula, in Python floats: -1000/(P + 320).
    for i in (0, 1, compile_module.BLOCK, n - 1):
        assert out[i] == pytest.approx(-1000 / (p[i] + 320), rel=1e-15)
        assert fn(float(p[i])).magnitude == out[i]
    with pytest.raises(OpticsTypeError, match="out must be"):
        fn(p, out=np.empty(n, dtype=np.float32))


def test_non_finite_points_are_found_in_any_block():
    fn = compile_expr(1 / (P - 10))
    p = np.linspace(0, 1, 3 * compile_module.BLOCK)
    p[-5] = 10.0
    with pytest.raises(NonFiniteResultError, match="P.*10.0"):
        fn(p)
    with pytest.raises(NonFiniteResultError):
        fn(10.0)
    assert np.isinf(compile_expr(1 / (P - 10), check_finite=False)(10.0))
    big = compile_expr(1e300 * P)  # overflowing sum of finite values is not an error
    assert np.all(np.isfinite(big(np.full(10, 1e5))))


def test_input_units_are_converted_with_a_cached_factor():
    fn = compile_expr(2 * f1, unit="mm", units={f1: "mm"})
    assert fn(3 * ureg.cm).magnitude == pytest.approx(60)
    assert fn(np.array([1.0, 2.0]) * ureg.inch).magnitude.tolist() == pytest.approx([50.8, 101.6])
    assert fn(3 * ureg.cm).magnitude == pytest.approx(60)  # second call: from the cache
    from optics import DimensionError

    with pytest.raises(DimensionError, match="f1"):
        fn(3 * ureg.s)


def test_out_may_be_the_input_array():
    fn = compile_expr((P**2 + 1) / (P - 3), args=[P])
    p = np.array([0.0, 1.0, 2.0, 5.0])
    want = (p**2 + 1) / (p - 3)  # the formula by hand, in numpy
    fn(p, out=p)
    assert np.allclose(p, want, rtol=1e-15)


@pytest.mark.parametrize("seed", range(12))
def test_mobius_rounding_error_stays_within_the_documented_bound(seed):
    # Random (aP + b)/(cP + d) with coefficients over six decades; reference: exact rational arithmetic.
    # Documented (module notes): the K1 + K2/(P - P0) form errs by a few eps (|K1| + |T| c_p), T = K2/(P - P0),
    # the stable form by a few eps |z| (c_p + c_z); c_p = 1 + |P0|/|P - P0| and c_z = 1 + |Pz|/|P - Pz| are the
    # conditioning near the pole and the zero that any floating-point evaluation has (P0, Pz are rounded).
    import random

    rng = random.Random(seed)
    a, b, c, d = (Fraction(rng.randint(1, 999), rng.choice([1, 10, 1000])) * rng.choice([-1, 1])
                  * Fraction(10) ** rng.randint(-3, 3) for _ in range(4))
    if a * d == b * c:
        return
    fn = compile_expr((sympy.Rational(a) * P + sympy.Rational(b)) / (sympy.Rational(c) * P + sympy.Rational(d)))
    assert fn.kind in ("mobius", "mobius-stable")
    k1, p0, pz = float(a / c), float(-d / c), float(-b / a)
    eps = np.finfo(float).eps
    xs = [rng.uniform(-50, 50) for _ in range(200)]
    got = fn(np.array(xs))
    for x, g in zip(xs, got):
        exact = _exact([a, b], [c, d], x)
        c_p = 1 + abs(p0) / abs(x - p0)
        if fn.kind == "mobius":
            bound = 8 * eps * (abs(k1) + abs(exact - k1) * c_p)
        else:
            bound = 8 * eps * abs(exact) * (c_p + 1 + abs(pz) / abs(x - pz))
        assert abs(g - exact) <= bound + 1e-300, (x, g, exact, fn.kind)


def test_infinite_input_gives_the_limit_and_nan_raises():
    # lim (2P + 1)/(4P - 3) for P -> +-inf is 2/4; lim 3/(P - 4) is 0 (hand limits).
    fn = compile_expr((2 * P + 1) / (4 * P - 3))
    assert fn.kind == "mobius"
    assert fn(np.array([np.inf, -np.inf])).tolist() == pytest.approx([0.5, 0.5], rel=1e-15)
    assert compile_expr(3 / (P - 4))(np.array([np.inf])).tolist() == [0.0]
    with pytest.raises(NonFiniteResultError):
        fn(np.array([1.0, np.nan]))
    with pytest.raises(NonFiniteResultError):
        fn(float("nan"))


# -- evaluation on an interval (CompiledExpression.within) ------------------------------------


@pytest.mark.parametrize(
    "expr_of",
    [
        lambda p: 3 + 2 / (p - 20),  # Möbius, pole above the interval
        lambda p: (5 * p + 1) / (p + 7.5),  # Möbius, pole below
        lambda p: 1e-6 * (p - 2) / (p - 1e9),  # the two-division (stable) form, a far pole
        lambda p: 4 / (p - 30),  # reciprocal
        lambda p: 2.5 * p - 1,  # linear
        lambda p: p**2 - 3 * p,  # polynomial: the input is checked
    ],
    ids=["mobius-above", "mobius-below", "stable", "reciprocal", "linear", "polynomial"],
)
def test_within_refuses_exactly_the_out_of_range_values(expr_of):
    p = sympy.Symbol("P")
    f = compile_expr(expr_of(p), (p,))
    low, high = -5.0, 10.0
    rng = np.random.default_rng(7)
    inside = np.concatenate([[low, high], rng.uniform(low, high, 300_000)])
    z = f.within(inside, low, high)
    np.testing.assert_array_equal(z, f(inside))  # the same numbers as the plain call
    for bad in (high + 1e-6, low - 1e-6, 1e3, -1e3, np.nan, np.inf):
        for where in (0, 150_000, len(inside) - 1):  # in the first, a middle and the last block
            x = inside.copy()
            x[where] = bad
            assert f.within(x, low, high) is None, (bad, where)
    assert float(f.within(2.0, low, high)) == pytest.approx(float(expr_of(sympy.Float(2.0))))
    assert f.within(11.0, low, high) is None and f.within(float("nan"), low, high) is None


def test_within_with_the_pole_inside_the_interval_checks_the_input():
    p = sympy.Symbol("P")
    f = compile_expr(3 + 2 / (p - 1), (p,))
    assert f.within(np.array([1.0]), -5, 10) is None  # at the pole: not finite
    np.testing.assert_allclose(f.within(np.array([0.0, 3.0]), -5, 10), [1.0, 4.0])  # 3 + 2/(-1), 3 + 2/2
    assert f.within(np.array([0.0, 12.0]), -5, 10) is None
