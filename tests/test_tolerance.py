"""Sensitivities and Monte Carlo tolerancing against hand derivations and the full train.

Hand rules (issue 17): a scanner placed epsilon too far from the scan lens is imaged
(f_t/f_s)^2 epsilon closer to the tube lens: the longitudinal magnification of the 4f pair
(Newton: x x' = -f^2 for each lens, so x' = -(f_t/f_s)^2 x through the pair); moving the
objective's back focal plane by epsilon (tube lens to back aperture) moves the image relative to
it by -epsilon.  Through a 1:1 relay first, the factor is (m_relay f_t/f_s)^2.
"""

import math

import numpy as np
import pytest

from optics.design import Design
from optics.errors import InvalidParameterError, OpticsTypeError, OpticsValueError
from optics.microscope.tolerance import (
    Tolerances,
    monte_carlo,
    parameters,
    quantity_names,
    sensitivities,
    with_parameters,
)


@pytest.fixture(scope="module")
def path():
    return Design.default().scan_path(check=False)


@pytest.fixture(scope="module")
def rows(path):
    return sensitivities(path)


def _d(rows, quantity, parameter):
    return next(r.derivative for r in rows if r.quantity == quantity and r.parameter == parameter)


def test_hand_rules(rows):
    # default design: scan lens 50 mm, tube lens 200 mm -> (200/50)^2 = 16; relay 1 is 75/75 (m = 1)
    assert _d(rows, "image:galvo", "d_scan_lens") == pytest.approx(-16)
    assert _d(rows, "image:galvo", "d_back_aperture") == pytest.approx(-1)
    assert _d(rows, "image:resonant", "d_relay1_1") == pytest.approx(-16)
    # the ETL relay 100/50 (m = 1/2) in front of the 1:1 relay: (0.5 x 1 x 4)^2 = 4
    assert _d(rows, "image:etl", "d_etl_relay_1") == pytest.approx(-4)
    # moving the second relay lens apart from the first keeps the resonant conjugate (front and back
    # focal planes of the pair do not move): no first-order change
    assert _d(rows, "image:resonant", "d_relay1_2") == pytest.approx(0, abs=1e-12)
    # FOV = 2 f_o (f_s/f_t) tan(alpha/2): d/df_s = FOV/f_s, d/df_t = -FOV/f_t
    fov = 2 * 12.5 * 50 / 200 * math.tan(math.radians(13))
    assert _d(rows, "fov:galvo", "f_scan_lens") == pytest.approx(fov / 50)
    assert _d(rows, "fov:galvo", "f_tube_lens") == pytest.approx(-fov / 200)


@pytest.mark.parametrize("parameter", ["d_scan_lens", "d_relay1_1", "f_relay1_2", "d_etl_relay_3", "f_tube_lens"])
def test_sensitivities_equal_finite_differences_of_the_full_train(path, rows, parameter):
    p = next(q for q in parameters(path) if q.name == parameter)
    h = 1e-4
    plus = with_parameters(path, {parameter: p.nominal + h})
    minus = with_parameters(path, {parameter: p.nominal - h})

    def image(q, plane):
        row = next(r for r in q.conjugation() if r.plane == plane)
        return 0.0 if row.image_offset is None else row.image_offset.to("mm").magnitude

    for plane in ("etl", "resonant", "galvo"):
        fd = (image(plus, plane) - image(minus, plane)) / (2 * h)
        assert _d(rows, f"image:{plane}", parameter) == pytest.approx(fd, rel=1e-5, abs=1e-6)
    fd = (plus.fov("galvo").to("mm").magnitude - minus.fov("galvo").to("mm").magnitude) / (2 * h)
    assert _d(rows, "fov:galvo", parameter) == pytest.approx(fd, rel=1e-5, abs=1e-8)
    fd = (plus.z_range().span.to("um").magnitude - minus.z_range().span.to("um").magnitude) / (2 * h)
    assert _d(rows, "z_range", parameter) == pytest.approx(fd, rel=1e-4, abs=1e-4)


def test_monte_carlo_spread_equals_first_order_propagation_for_small_tolerances(path, rows):
    mc = monte_carlo(path, Tolerances(focal_length=0.001, placement=0.05), n=200_000, seed=1, sensitivity_rows=rows)
    for s in mc.spreads:
        if s.first_order_std > 0:
            assert s.std == pytest.approx(s.first_order_std, rel=0.02), s.quantity
            assert abs(s.mean - s.nominal) < 0.05 * s.first_order_std + 1e-12
    # uniform +-t: sigma = t/sqrt(3); the galvo image, driven by d_scan_lens (x16) and the focal lengths
    galvo = next(s for s in mc.spreads if s.quantity == "image:galvo")
    assert galvo.driver in {p.name for p in parameters(path)}


def test_compensator_worked_by_hand(path, rows):
    # Only the scanner-to-scan-lens spacing is off (uniform +-0.5 mm): the galvo's image moves by
    # -16 e; moving the objective (tube lens to back aperture) by -16 e puts it back, so the stage
    # needs sigma = 16 x 0.5/sqrt(3) = 4.62 mm and up to 8 mm of travel.
    zero = tuple((p.name, 0.0) for p in parameters(path) if p.name != "d_scan_lens")
    tol = Tolerances(focal_length=0.0, placement=0.5, overrides=zero)
    mc = monte_carlo(path, tol, n=100_000, compensate=("image:galvo", "d_back_aperture"), sensitivity_rows=rows)
    comp = mc.compensation
    assert comp.adjustment_std == pytest.approx(16 * 0.5 / math.sqrt(3), rel=0.01)
    assert comp.adjustment_max == pytest.approx(8, rel=0.01)
    residual = {s.quantity: s for s in comp.residual}
    assert residual["image:galvo"].std < 1e-9
    before = {s.quantity: s for s in mc.spreads}
    assert before["image:galvo"].std == pytest.approx(16 * 0.5 / math.sqrt(3), rel=0.01)


def test_yield_and_limits(path, rows):
    mc = monte_carlo(path, n=20_000, sensitivity_rows=rows)
    assert 0 <= mc.yield_fraction <= 1
    failures = dict(mc.failures)
    assert set(failures) == {"image:etl", "image:resonant", "image:galvo", "fill", "z_range"}
    # with no tolerance at all every build is the design: full yield
    perfect = monte_carlo(path, Tolerances(0.0, 0.0), n=1000, sensitivity_rows=rows)
    assert perfect.yield_fraction == 1.0


def test_bad_input(path):
    with pytest.raises(InvalidParameterError):
        Tolerances(placement=-1)
    with pytest.raises(InvalidParameterError):
        Tolerances(distribution="cauchy")
    with pytest.raises(InvalidParameterError, match="fraction below 1"):
        Tolerances(focal_length=5)  # would draw zero and negative focal lengths
    with pytest.raises(OpticsTypeError):
        Tolerances(overrides=5)
    with pytest.raises(InvalidParameterError):
        monte_carlo(path, n=0)
    with pytest.raises(OpticsValueError, match="no parameter"):
        with_parameters(path, {"d_nowhere": 1})
    with pytest.raises(OpticsValueError, match="pupil image"):
        monte_carlo(path, n=10, compensate=("fill", "d_scan_lens"))
    assert "z_range" in quantity_names(path)


def test_cli_tolerance_text_json_figures_and_design_keys(tmp_path, capsys):
    import json

    from optics.cli import main

    text = Design.default().to_toml().replace(
        "n_pixels = 512", 'n_pixels = 512\nfocal_length_tolerance = 0.0\nplacement_tolerance = "0.1 mm"')
    design = tmp_path / "d.toml"
    design.write_text(text)
    out = tmp_path / "figs"
    assert main(["tolerance", str(design), "--n", "2000", "--out", str(out),
                 "--compensate", "image:galvo", "d_back_aperture"]) == 0
    printed = capsys.readouterr().out
    assert "placements ±0.1 mm" in printed and "Compensator: d_back_aperture" in printed
    assert {p.stem for p in out.iterdir()} == {"sensitivity", "spread"}
    assert main(["tolerance", str(design), "--n", "1000", "--json", "--no-figures"]) == 0
    data = json.loads(capsys.readouterr().out)
    # only placements vary (±0.1 mm uniform): the galvo image spreads as 16 x 0.1/sqrt3 from d_scan_lens,
    # 1 x from d_back_aperture: sd = 0.1/sqrt(3) x sqrt(16^2 + 1)
    galvo = next(s for s in data["spreads"] if s["quantity"] == "image:galvo")
    assert galvo["first_order_std"] == pytest.approx(0.1 / math.sqrt(3) * math.sqrt(16**2 + 1))
    # the yield windows with their units: z range at least 90 % of the design's, 2 n f_o^2 P_max / M^2
    # = 2 x 1.333 x 12.5^2 mm^2 x 10 dpt / 1000 / 4 = 1041.4 um; no upper bound (null)
    window = next(w for w in data["windows"] if w["quantity"] == "z_range")
    assert window["low"] == pytest.approx(0.9 * 2 * 1.333 * 12.5**2 * 10 / 4, rel=1e-9) and window["high"] is None
    assert window["unit"] == "um"
    with pytest.raises(SystemExit) as stop:
        main(["tolerance", "--n", "0"])
    assert stop.value.code == 2
