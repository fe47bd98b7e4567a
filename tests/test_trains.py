"""Lens trains: properties checked against textbook relations."""

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics import (
    AfocalError,
    Interface,
    LensTrain,
    Mirror,
    NoFocusError,
    PlaneError,
    Space,
    ThickLens,
    ThinLens,
    ureg,
)
from optics.errors import OpticsTypeError, OpticsValueError

lengths = st.floats(min_value=1, max_value=500, allow_nan=False).map(lambda x: round(x, 3))
focal = st.one_of(lengths, lengths.map(lambda x: -x))
index = st.sampled_from([1, 1.333, 1.5, 1.7])


@st.composite
def random_trains(draw, max_elements=8):
    """Random numeric trains, tracking the medium index so interfaces are consistent."""
    n = draw(index)
    n_first = n
    items = []
    for _ in range(draw(st.integers(1, max_elements))):
        kind = draw(st.sampled_from(["space", "lens", "interface", "mirror"]))
        if kind == "space":
            items.append(Space(draw(lengths), n=n))
        elif kind == "lens":
            items.append(ThinLens(draw(focal), n=n))  # a thin element knows the medium it sits in
        elif kind == "mirror":
            items.append(Mirror(draw(focal), n=n))
        else:
            n2 = draw(index)
            items.append(Interface(n, n2, draw(st.one_of(focal, st.just(float("inf"))))))
            n = n2
    return LensTrain(items), n_first, n


@settings(max_examples=60, deadline=None)
@given(random_trains())
def test_determinant_is_index_ratio(case):
    # With actual ray angles, det M = n_in / n_out (Siegman, Lasers, sec. 15.1).
    train, n_in, n_out = case
    assert sympy.nsimplify(train.matrix.det()) == sympy.nsimplify(sympy.Rational(str(n_in)) / sympy.Rational(str(n_out)))


@settings(max_examples=40, deadline=None)
@given(random_trains(max_elements=5), random_trains(max_elements=5), random_trains(max_elements=5))
def test_concatenation_is_associative(a, b, c):
    # trains meet in the same medium (an Interface bridges a change): a train refuses an unexplained jump
    def bridged(prev, nxt):
        train, n_in, _ = nxt
        return train if prev[2] == n_in else LensTrain([Interface(prev[2], n_in)]) + train

    a, b, c = a[0], bridged(a, b), bridged(b, c)
    left, right = (a + b) + c, a + (b + c)
    assert left == right
    assert left.matrix == right.matrix
    # Light order: the matrix of a + b is M_b @ M_a.
    assert (a + b).matrix == b.matrix * a.matrix


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(lengths, focal), min_size=1, max_size=4), st.data())
def test_symbolic_and_numeric_paths_agree(pairs, data):
    syms = sympy.symbols(f"x0:{2 * len(pairs)}", positive=True)
    items_sym, items_num, values = [], [], {}
    for k, (dist, f) in enumerate(pairs):
        ds, fs = syms[2 * k], syms[2 * k + 1]
        sign = 1 if f > 0 else -1
        items_sym += [Space(ds), ThinLens(sign * fs)]
        items_num += [Space(dist), ThinLens(f)]
        values[ds], values[fs] = dist, abs(f)
    symbolic = LensTrain(items_sym).subs(values)
    numeric = LensTrain(items_num)
    assert symbolic.matrix == numeric.matrix


@settings(max_examples=60, deadline=None)
@given(focal, lengths)
def test_thin_lens_imaging_equation(f, s):
    # Gaussian lens formula 1/s + 1/s' = 1/f (object distance s before the lens).
    if abs(s - f) < 1e-6:
        return
    train = LensTrain(["object", Space(s), ThinLens(f)])
    s_image = train.image_distance("object")
    expected = 1 / (1 / f - 1 / s)
    assert s_image.to("mm").magnitude == pytest.approx(expected, rel=1e-9)
    # Lateral magnification -s'/s at the image plane.
    imaged = train + LensTrain([Space(expected), "image"])
    assert float(imaged.abcd("object", "image")[0]) == pytest.approx(-expected / s, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=5, max_value=200), st.floats(min_value=-400, max_value=-1))
def test_newtons_equation(f, x):
    # Newton: x x' = -f^2 with x, x' measured from the focal points, positive downstream.
    train = LensTrain(["object", Space(-x + f), ThinLens(f)])  # object at x from F (x < 0)
    x_image = train.image_distance("object").magnitude - f
    assert x * x_image == pytest.approx(-f * f, rel=1e-9)


def test_4f_relay_magnification_and_afocal():
    f1, f2 = sympy.symbols("f1 f2", positive=True)
    relay = LensTrain(["a", Space(f1), ThinLens(f1), Space(f1 + f2), ThinLens(f2), Space(f2), "b"])
    assert relay.is_afocal()
    assert relay.is_conjugate("a", "b")
    assert sympy.simplify(relay.magnification("a", "b") + f2 / f1) == 0
    numeric = relay.subs({f1: 50, f2: 200})
    assert numeric.magnification("a", "b") == -4
    with pytest.raises(AfocalError, match="afocal"):
        numeric.efl()


def test_two_lens_system_focal_lengths():
    # Two thin lenses separated by d: 1/f = 1/f1 + 1/f2 - d/(f1 f2),
    # back focal distance f (f1 - d)/f1 (Hecht eq. 6.8).
    f1, f2, d = 100.0, 60.0, 30.0
    train = LensTrain([ThinLens(f1), Space(d), ThinLens(f2)])
    f = 1 / (1 / f1 + 1 / f2 - d / (f1 * f2))
    assert train.efl().to("mm").magnitude == pytest.approx(f)
    assert train.back_focal_distance().magnitude == pytest.approx(f * (f1 - d) / f1)
    assert train.front_focal_distance().magnitude == pytest.approx(f * (f2 - d) / f2)
    front, back = train.principal_planes()
    assert front.magnitude == pytest.approx(f * d / f2)
    assert back.magnitude == pytest.approx(-f * d / f1)
    assert train.power().to("dpt").magnitude == pytest.approx(1000 / f)


def test_efl_closed_form():
    f1, f2, d = sympy.symbols("f1 f2 d", positive=True)
    efl = LensTrain([ThinLens(f1), Space(d), ThinLens(f2)]).efl()
    assert sympy.simplify(efl - f1 * f2 / (f1 + f2 - d)) == 0


def test_thick_lens_principal_planes_roundtrip():
    lens = ThickLens.from_surfaces(100, -100, 10, 1.5)
    front, back = LensTrain([lens]).principal_planes()
    assert front.magnitude == pytest.approx(float(lens.h1))
    assert back.magnitude == pytest.approx(float(lens.h2))


def test_efl_in_water_uses_output_index():
    # A flat interface into water after a lens: image-side focal length n f
    # (the focus moves deeper by the index), the equivalent focal length stays f.
    train = LensTrain([ThinLens(10), Interface(1, 1.333)])
    assert train.efl().magnitude == pytest.approx(10)
    assert train.back_focal_distance().magnitude == pytest.approx(13.33)


def test_planes_sections_and_positions():
    train = LensTrain(["a", Space(10), "b", ThinLens(20), Space(5), "c"])
    assert train.planes == {"input": 0, "a": 0, "b": 1, "c": 3, "output": 3}
    assert train.positions()["c"].magnitude == 15
    assert train.section("b", "c").matrix == Space(5).matrix * ThinLens(20).matrix
    assert train.matrix_between("a", "b") == Space(10).matrix
    with pytest.raises(PlaneError, match="no plane named 'd'"):
        train.abcd("a", "d")
    with pytest.raises(PlaneError, match="comes before"):
        train.abcd("c", "a")
    with pytest.raises(PlaneError, match="named twice"):
        LensTrain(["a", Space(1), "a"])
    with pytest.raises(PlaneError, match="reserved"):
        LensTrain(["input"])
    with pytest.raises(OpticsTypeError, match="item 0"):
        LensTrain([42])


def test_conjugation_error_and_image_search():
    train = LensTrain(["scanner", Space(40), ThinLens(50), Space(250), ThinLens(200), Space(200), "back_aperture",
                       Space(300)])
    assert not train.is_conjugate("scanner", "back_aperture")
    with pytest.raises(NoFocusError, match="not conjugate"):
        train.magnification("scanner", "back_aperture")
    # Scanner 10 mm too close to the scan lens: the image moves by m^2 * 10 mm = 160 mm
    # beyond the back focal plane at 490 mm (afocal relay: longitudinal magnification m^2, m = 4).
    image = train.image_of("scanner")
    assert image.z.magnitude == pytest.approx(40 + 250 + 200 + 16 * 10)
    assert image.plane is None
    assert image.magnification == pytest.approx(-4)


def test_ray_trace_through_4f():
    rows = LensTrain(["scanner", Space(50), ThinLens(50), Space(250), ThinLens(200), Space(200), "ba"]).trace(
        0, 0.01
    )
    assert rows[0].label == "scanner" and rows[-1].label == "ba"
    # A chief ray leaving the scanner at 10 mrad crosses the axis at the image with angle -10/4 mrad.
    assert rows[-1].y.magnitude == pytest.approx(0)
    assert rows[-1].theta.magnitude == pytest.approx(-0.0025)
    assert [r.z.magnitude for r in rows] == [0, 50, 50, 300, 300, 500]


def test_units_in_and_out():
    train = LensTrain([ThinLens(10 * ureg.cm), Space(5 * ureg.cm), ThinLens(0.1 * ureg.m)])
    assert train.efl().units == ureg.mm
    assert train.efl().to("cm").magnitude == pytest.approx(100 / 15)
    assert train.length.to("cm").magnitude == pytest.approx(5)


def test_trains_are_frozen():
    train = LensTrain([ThinLens(10)])
    with pytest.raises(AttributeError):
        train.name = "x"
    assert hash(train) == hash(LensTrain([ThinLens(10)]))


def test_long_symbolic_train_stays_small():
    # 17 elements: ETL, two relays, scan and tube lens, objective.  Cancelling per
    # step keeps the entries small; the full product's B entry is a single monomial.
    P = sympy.Symbol("P", real=True)
    f = sympy.symbols("f_r1 f_r2 f_r3 f_r4 f_s f_t f_o", positive=True)
    from optics import TunableLens

    items = [TunableLens(P)]
    for a, b in [(f[0], f[1]), (f[2], f[3]), (f[4], f[5])]:
        items += [Space(a), ThinLens(a), Space(a + b), ThinLens(b), Space(b)]
    items += [Space(f[6]), ThinLens(f[6])]
    train = LensTrain(items)
    assert len(train) == 18
    a, b, c, d = train.abcd()
    assert sympy.simplify(b - (-f[6] * f[0] * f[2] * f[4] / (f[1] * f[3] * f[5]))) == 0
    assert sympy.count_ops(a) < 40



def test_a_train_refuses_an_unexplained_index_jump_and_thin_elements_know_their_medium():
    # Siegman, Lasers (1986) sec. 15.1: with actual ray angles det M = n_in/n_out; a thin lens in water
    # changes no index, so its matrix has det 1 and the train keeps n = 1.333 on both sides of it.
    with pytest.raises(OpticsValueError, match=r"element 1 Space.*1333/1000.*element 2 ThinLens.*Interface"):
        LensTrain([Space(10, n=1.333), ThinLens(50), Space(10, n=1.333)])
    train = LensTrain([Space(10, n=1.333), ThinLens(50, n=1.333), Space(10, n=1.333)])
    assert train.indices() == (sympy.Rational(1333, 1000), sympy.Rational(1333, 1000))
    assert train.matrix.det() == 1
    # an Interface explains the jump
    LensTrain([Space(10), Interface(1, 1.333), Space(10, n=1.333)])
