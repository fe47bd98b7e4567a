"""Symbolic products and cancellation in sparse polynomial rings: same answers as sympy, faster."""

import random

import pytest
import sympy

from optics import LensTrain, Space, ThinLens
from optics.core.symbolic import cancel, poly_to_expr, polynomial_ring

x, y = sympy.symbols("x y", positive=True)
a = sympy.Symbol("a", real=True)
b = sympy.Symbol("b")
z2, z10 = sympy.symbols("z2 z10")


@pytest.mark.parametrize("seed", range(25))
def test_poly_to_expr_builds_the_same_canonical_expression_as_sympy(seed):
    # Reference: sympy's own PolyElement.as_expr (Mul/Add with full canonical sorting).
    rng = random.Random(seed)
    gens = (a, b, x, y, z10, z2)
    ring = polynomial_ring(gens)
    poly = ring.zero
    for _ in range(rng.randint(1, 30)):
        coeff = sympy.Rational(rng.randint(-9, 9), rng.choice([1, 1, 2, 3, 7]))
        term = ring.ground_new(sympy.QQ(int(coeff.p), int(coeff.q)))
        for g in ring.gens:
            term *= g ** rng.choice([0, 0, 0, 1, 2, 3])
        poly += term
    fast, slow = poly_to_expr(poly), poly.as_expr()
    assert fast == slow and hash(fast) == hash(slow) and str(fast) == str(slow) and fast.args == slow.args


@pytest.mark.parametrize(
    "expr",
    [
        1 / (1 / x + 1 / y - a / (x * y)),
        (x**2 - y**2) / (x - y),
        (2 * a + 2) / (4 * a),
        -(1 - b / x) / (-1 / x - 1 / y + b / (x * y)),
        (z10 * x - sympy.Rational(3, 7) * z2) / (5 * z2**2 + 2) + 1 / x,
        (a - x) / (x - a),
        sympy.sqrt(2) * x / (x + x**2),  # not rational over QQ: handed to sympy.cancel
    ],
)
def test_cancel_equals_sympy_cancel(expr):
    assert cancel(expr) == sympy.cancel(expr)


def test_product_of_a_generic_train_equals_the_continuant():
    # Independent reference: alternating Space(d_i), ThinLens(f_i) multiplied as explicit sympy matrices
    # (the entries of such a product are continuants; sympy.Matrix products then cancel each entry).
    n = 4
    ds = sympy.symbols(f"d0:{n}", positive=True)
    fs = sympy.symbols(f"f0:{n}", positive=True)
    elements = []
    m = sympy.eye(2)
    for d, f in zip(ds, fs):
        elements += [Space(d), ThinLens(f)]
        m = sympy.Matrix([[1, 0], [-1 / f, 1]]) * sympy.Matrix([[1, d], [0, 1]]) * m
    got = LensTrain(elements).abcd()
    for entry, want in zip(got, m):
        assert sympy.cancel(entry - want) == 0
        assert entry == sympy.cancel(want)  # already in lowest terms, in sympy's canonical form


def test_thin_lens_pair_reduces_to_the_textbook_efl():
    f1, f2, d = sympy.symbols("f1 f2 d", positive=True)
    efl = LensTrain([ThinLens(f1), Space(d), ThinLens(f2)]).efl()
    # Textbook: 1/f = 1/f1 + 1/f2 - d/(f1 f2)
    assert sympy.simplify(efl - 1 / (1 / f1 + 1 / f2 - d / (f1 * f2))) == 0
