"""The interactive explorer, driven headlessly: widget changes must move the numbers to hand values.

The design is the embedded default: a 5 mm beam at the resonant scanner, ETL
relay AC254-100 -> AC254-050 (f 100, 50 mm), 1:1 relay AC508-075 pair between
resonant and galvo, SL50-2P2 scan lens (f_s = 50 mm), TTL200MP tube lens
(f_t = 200 mm), Nikon 16x/0.8 W (f_o = 200/16 = 12.5 mm, n = 1.333), both
scanners at 26 deg full optical angle, every link 4f.

Hand forms (the reference post, blog-geometrical-optics.txt):

* beam at the back aperture d_BA = d_in * (f_r2/f_r1) * f_t/f_s;
* field of view FOV = 2 f_s tan(theta/2) f_o/f_t (theta the full optical angle);
* remote focus: the ETL is imaged onto the back focal plane with beam
  magnification M = (f_e2/f_e1)(f_r2/f_r1)(f_t/f_s); a power P there moves the
  focus by dz = -n P (f_o/M)^2 (a lens of power P/M^2 in the back focal plane
  of an objective of focal length f_o, focus in a medium of index n).
"""

import math
import sys

import pytest

from optics.errors import OpticsError
from optics.explorer import INSTALL_HINT, Explorer
from optics.units import ureg

import ipywidgets  # in the test extra: a missing one fails here, loudly

F_O, N = 12.5, 1.333
THETA = math.radians(26)


@pytest.fixture(scope="module")
def explorer():
    return Explorer(figure=False)


def mm(q):
    """Magnitude in mm."""
    return q.to("mm").magnitude


def test_the_default_state_matches_the_hand_forms(explorer):
    n = explorer.numbers
    assert mm(n["back_aperture_beam"]) == pytest.approx(5 * (75 / 75) * 200 / 50)
    assert mm(n["fov"]) == pytest.approx(2 * 50 * math.tan(THETA / 2) * F_O / 200)
    assert n["fill_ratio"] == pytest.approx(20 / (2 * 0.8 * F_O))


def test_the_numbers_follow_the_widgets():
    e = Explorer(figure=False)
    e.widgets["scan_lens"].value = "Thorlabs LSM03-BB"  # f_s = 36 mm
    assert e.error is None
    assert mm(e.numbers["back_aperture_beam"]) == pytest.approx(5 * 200 / 36)
    assert mm(e.numbers["fov"]) == pytest.approx(2 * 36 * math.tan(THETA / 2) * F_O / 200)
    e.widgets["tube_lens"].value = "Thorlabs AC508-300-B"  # f_t = 300 mm
    assert mm(e.numbers["back_aperture_beam"]) == pytest.approx(5 * 300 / 36)
    e.widgets["beam_diameter"].value = 4.0
    assert mm(e.numbers["back_aperture_beam"]) == pytest.approx(4 * 300 / 36)
    assert mm(e.design.beam_diameter) == pytest.approx(4.0)
    # The widgets' design is what the numbers come from (a Design, analysed by optics.analysis.analyze).
    assert e.design.scan_lens.part == "Thorlabs LSM03-BB"
    assert e.analysis.path.tube_lens.f == 300


def test_the_etl_power_moves_the_focus_by_the_hand_amount():
    e = Explorer(figure=False)
    e.set(etl_power=5.0)
    m = (50 / 100) * (75 / 75) * (200 / 50)
    # dpt * mm^2 = (1/1000 mm) * mm^2 = 1e-3 mm = 1 um, so the bare product is in um
    assert e.numbers["focus_shift"].to("um").magnitude == pytest.approx(-N * 5.0 * (F_O / m) ** 2, rel=1e-9)
    # a different ETL relay lens changes M, so the same power moves the focus differently
    e.set(etl_relay_2="Thorlabs AC254-075-B")  # f_e2 = 75 mm
    m = (75 / 100) * (200 / 50)
    assert e.numbers["focus_shift"].to("um").magnitude == pytest.approx(-N * 5.0 * (F_O / m) ** 2, rel=1e-9)
    assert mm(e.numbers["back_aperture_beam"]) == pytest.approx(5 * 200 / 50)  # the beam is given at the resonant


def test_a_spacing_change_keeps_the_back_aperture_beam_and_reaches_the_design():
    # Scan lens -> tube lens at f_s + f_t + d: a collimated ray at height y leaves the scan lens at -y/f_s, meets
    # the tube lens at -y(f_t + d)/f_s, leaves it at y d/(f_s f_t) and reaches the back aperture (f_t on) at
    # -y(f_t + d)/f_s + y d/f_s = -y f_t/f_s: the beam there is d_in f_t/f_s whatever d.
    e = Explorer(figure=False)
    e.set(spacing_2=10.0)
    assert e.error is None
    assert [mm(s) for s in e.design.spacings] == pytest.approx([50, 50 + 200 + 10, 200])
    assert mm(e.numbers["back_aperture_beam"]) == pytest.approx(20)
    e.set(spacing_2=0.0)
    assert e.design.spacings is None


def test_the_objective_picker_changes_the_back_aperture():
    e = Explorer(figure=False)
    e.set(objective="Nikon N25X-APO-MP")  # f_o = 8 mm, NA 1.1, maker's back aperture 17.6 mm
    assert mm(e.numbers["back_aperture"]) == pytest.approx(17.6)
    assert mm(e.numbers["fov"]) == pytest.approx(2 * 50 * math.tan(THETA / 2) * 8 / 200)


def test_the_figure_and_views_update():
    e = Explorer()
    before_png, before_html = e._figure_view.value, e._numbers_view.value
    e.set(etl_power=-5.0)
    assert e._figure_view.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert e._figure_view.value != before_png
    e.set(beam_diameter=3.0)
    assert e._numbers_view.value != before_html
    assert "12 mm" in e._numbers_view.value  # 3 mm * 200/50
    box = e.widget
    assert isinstance(box, ipywidgets.HBox)


def test_unknown_widget_names_are_refused():
    e = Explorer(figure=False)
    with pytest.raises(OpticsError, match="no widget 'scan'"):
        e.set(scan=3)


def test_without_ipywidgets_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(OpticsError) as info:
        Explorer(figure=False)
    assert INSTALL_HINT in str(info.value)
    assert INSTALL_HINT == "pip install 'scanpath-optics[explorer]'"


def test_the_beam_is_given_in_mm_on_the_slider(explorer):
    assert explorer.widgets["beam_diameter"].value == pytest.approx((5 * ureg.mm).to("mm").magnitude)


def test_bad_values_are_refused_not_clamped(explorer):
    # review: a slider clamps silently (beam -5 mm became 0.5 mm, 100 dpt became 10 dpt) and
    # ipywidgets raised its own TraitError for a wrong unit or an unknown part
    from optics.errors import DimensionError, InvalidParameterError, PartNotFoundError

    before = explorer.numbers["back_aperture_beam"]
    with pytest.raises(InvalidParameterError, match="beam_diameter -5 mm is outside the slider's range"):
        explorer.set(beam_diameter=-5)
    with pytest.raises(InvalidParameterError, match="etl_power 100 dpt is outside"):
        explorer.set(etl_power=100)
    with pytest.raises(DimensionError, match="etl_power: expected an optical power"):
        explorer.set(etl_power=10 * ureg.mm)
    with pytest.raises(PartNotFoundError, match="scan_lens: unknown lens 'AC254-05'.*Thorlabs AC254-050-B"):
        explorer.set(scan_lens="AC254-05")
    assert explorer.numbers["back_aperture_beam"] == before  # nothing changed
    # a part number (an alias) and a Quantity in another unit are fine
    explorer.set(beam_diameter=0.4 * ureg.cm, scan_lens="AC254-050")
    assert explorer.widgets["beam_diameter"].value == pytest.approx(4.0)
    assert explorer.widgets["scan_lens"].value == "Thorlabs AC254-050-B"
