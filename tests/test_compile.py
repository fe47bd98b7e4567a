"""The compile step: vectorized evaluation, units, missing symbols, singular points."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics import (
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
