"""The unit policy (issue 16): Quantities are always accepted; a plain number only in the
documented base unit and inside a plausible range, otherwise the error shows the Quantity
to write (``920 * ureg.nm``, ``26 * ureg.deg`` ...).

The cases of the issue come first: ``scope.resolution(920)`` answered a lateral FWHM of
336757 µm (920 read as mm), ``optical_angle=3`` was taken as 172 deg and ``optical_angle=26``
was refused as "1490 deg" without saying how to pass degrees.
"""

import math
import pathlib
import re

import pytest

from optics import ureg
from optics.acquisition import scanning
from optics.core.beams import GaussianBeam
from optics.core.materials import refractive_index
from optics.errors import InvalidParameterError
from optics.microscope import resolution
from optics.microscope.parts import Objective, Scanner
from optics.microscope.path import ScanPath
from optics.units import PLAIN_RANGES

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def scope():
    scanner = Scanner("res", aperture=5, optical_angle=26 * ureg.deg)
    objective = Objective("16x", magnification=16, na=0.8, maker="Nikon")
    return ScanPath([scanner], 50, 200, objective, beam_diameter=2.5)


def test_resolution_refuses_920_read_as_mm_and_says_how_to_pass_nm(scope):
    with pytest.raises(InvalidParameterError, match=r"920 mm is not a plausible wavelength.*920 \* ureg\.nm"):
        scope.resolution(920)


def test_resolution_accepts_the_quantity_and_a_plausible_plain_mm(scope):
    # the same wavelength three ways: a Quantity in nm, in µm, and a plain number in mm
    a = scope.resolution(920 * ureg.nm).lateral_fwhm.to("um").magnitude
    b = scope.resolution(0.92 * ureg.um).lateral_fwhm.to("um").magnitude
    c = scope.resolution(0.00092).lateral_fwhm.to("um").magnitude
    assert a == pytest.approx(b, rel=1e-12) and a == pytest.approx(c, rel=1e-12)
    # and it is a sub-micrometre two-photon focus, not 336757 µm
    assert 0.2 < a < 1.0


@pytest.mark.parametrize("angle", [3, 26, 172])
def test_scanner_angle_in_degrees_by_mistake_is_refused_with_the_degree_hint(angle):
    with pytest.raises(InvalidParameterError, match=r"Scanner 'res': optical_angle: .*rad.*26 \* ureg\.deg"):
        Scanner("res", aperture=5, optical_angle=angle)
    with pytest.raises(InvalidParameterError, match=r"mechanical_angle: .*26 \* ureg\.deg"):
        Scanner("res", aperture=5, mechanical_angle=angle)


def test_scanner_angle_quantities_and_plausible_radians_are_accepted():
    assert Scanner("res", aperture=5, optical_angle=26 * ureg.deg).optical_angle.to("deg").magnitude == pytest.approx(26)
    # 0.4538 rad = 26 deg, a plain number in the base unit
    assert Scanner("res", aperture=5, optical_angle=math.radians(26)).optical_angle.to("deg").magnitude == pytest.approx(26)
    # a Quantity may be any physically possible angle (the 180 deg rule still applies)
    assert Scanner("poly", aperture=5, optical_angle=120 * ureg.deg).optical_angle.to("deg").magnitude == pytest.approx(120)


def test_gaussian_beam_wavelength():
    with pytest.raises(InvalidParameterError, match=r"GaussianBeam: wavelength: .*920 \* ureg\.nm"):
        GaussianBeam(920, waist=1)
    with pytest.raises(InvalidParameterError, match=r"0\.92 mm is not a plausible wavelength"):
        GaussianBeam(0.92, waist=1)  # µm meant, mm read
    # z_R = pi w0^2 / lambda = pi * 1 mm^2 / 920e-6 mm = 3414.8 mm, whichever way it is given
    for lam in (920 * ureg.nm, 0.00092):
        assert GaussianBeam(lam, waist=1).rayleigh_range.to("mm").magnitude == pytest.approx(math.pi / 920e-6)


def test_resolution_functions_read_plain_micrometres_and_refuse_nanometres():
    with pytest.raises(InvalidParameterError, match=r"920 um is not a plausible wavelength.*920 \* ureg\.nm"):
        resolution.two_photon_lateral_fwhm(0.8, 920)
    # Zipfel et al. (2003), NA > 0.7: w_xy = 0.325 lambda / (sqrt(2) NA^0.91); FWHM = 2 sqrt(ln 2) w_xy
    w = 0.325 * 0.92 / (math.sqrt(2) * 0.8**0.91)
    assert resolution.two_photon_lateral_fwhm(0.8, 0.92) == pytest.approx(2 * math.sqrt(math.log(2)) * w, rel=1e-9)


def test_glass_index_plain_wavelength():
    with pytest.raises(InvalidParameterError, match=r"920 \* ureg\.nm"):
        refractive_index("N-BK7", 920)


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda: scanning.resonant_line_rate(8), r"8 \* ureg\.kHz"),  # kHz meant, Hz read
        (lambda: scanning.pulses_per_spot(1e-3, 1e3, 80), r"80 \* ureg\.MHz"),  # MHz meant
        (lambda: scanning.galvo_line_time(512, 3.2, 0), r"3\.2 \* ureg\.us"),  # µs meant, s read
    ],
)
def test_acquisition_plain_numbers_in_the_wrong_unit_are_refused(call, hint):
    with pytest.raises(InvalidParameterError, match=hint):
        call()


def test_acquisition_plain_numbers_in_the_base_unit_are_accepted():
    # bidirectional resonant scanning: two lines per period, 2 x 8 kHz
    assert scanning.resonant_line_rate(8000).to("Hz").magnitude == pytest.approx(16000)
    assert scanning.resonant_line_rate(8 * ureg.kHz).to("Hz").magnitude == pytest.approx(16000)


def test_conventions_page_states_the_rule_for_every_kind():
    text = (DOCS / "conventions.md").read_text()
    section = text[text.index("## Plain numbers"):]
    for kind, (low, high, unit, example) in PLAIN_RANGES.items():
        row = next((line for line in section.splitlines() if line.startswith(f"| {kind} ")), None)
        assert row is not None, kind
        assert f"{low:g}" in row and f"{high:g}" in row and unit in row and example in row, row
    for kind in ("length", "optical power", "frequency", "time", "angle", "dimensionless"):
        assert re.search(rf"^\| {kind} ", section, re.M), kind


# -- values that no unit makes right (review of the new-user trial) -----------------------------


def test_swapped_or_impossible_resolution_arguments_are_refused():
    from optics.errors import DimensionError

    # a wavelength where the NA belongs (arguments swapped): a length is not a number
    with pytest.raises(DimensionError, match="numerical aperture NA.*920 nm"):
        resolution.two_photon_lateral_fwhm(920 * ureg.nm, 0.8)
    with pytest.raises(DimensionError, match="fill ratio.*20 mm"):
        resolution.effective_na(0.8, 20 * ureg.mm)
    # NA 5: no objective exceeds NA 1.7 (oil immersion, 1.65-1.7)
    with pytest.raises(InvalidParameterError, match="NA 5 is above 1.7"):
        resolution.two_photon_lateral_fwhm(5, 920 * ureg.nm)
    # n = 1333 (1.333 typed without its point): no optical material has n > 4.1 (germanium, ~4.0)
    with pytest.raises(InvalidParameterError, match="immersion index n 1333 is above 4.1"):
        resolution.two_photon_axial_fwhm(0.8, 920 * ureg.nm, 1333)


def test_tunable_lens_power_beyond_a_1_mm_focal_length_is_refused():
    from optics.microscope.parts import TunableLensPart

    # -100 /mm is -100000 dpt (review: a z range of 5.2 m was reported)
    with pytest.raises(InvalidParameterError, match=r"power_min -100000 dpt is beyond \+-1000 dpt"):
        TunableLensPart("ETL", aperture=16, power_min=-100 * ureg("1/mm"), power_max=10)
    assert TunableLensPart("ETL", aperture=16, power_min=-1.5, power_max=3.5).power_max.to("dpt").magnitude == 3.5


def test_plain_lists_are_held_to_the_same_range():
    # a list of wavelengths meant in nm, read in um: refused like a single one
    with pytest.raises(InvalidParameterError, match=r"920 um is not a plausible wavelength"):
        resolution.two_photon_lateral_fwhm(0.8, [920, 1040])
    # Zipfel (NA > 0.7): FWHM = 2 sqrt(ln 2) x 0.325 lambda / (sqrt(2) NA^0.91), for each wavelength
    expect = [2 * math.sqrt(math.log(2)) * 0.325 * lam / (math.sqrt(2) * 0.8**0.91) for lam in (0.92, 1.04)]
    assert list(resolution.two_photon_lateral_fwhm(0.8, [0.92, 1.04])) == pytest.approx(expect, rel=1e-9)
