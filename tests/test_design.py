"""Design files: validation with key and line, lossless round trip, no evaluation."""

import pytest

from optics.design import Component, Design, load_design, save_design
from optics.errors import DesignFileError, OpticsError
from optics.units import registry

ureg = registry()

MINIMAL = """
name = "bench"
beam_diameter = "5 mm"

[objective]
magnification = 20
na = 1.0
maker = "Olympus"
immersion_index = 1.333

[[scanners]]
name = "res"
aperture = "5 mm"
optical_angle = "20 deg"

[scan_lens]
f = "50 mm"

[tube_lens]
f = "150 mm"
"""


def test_minimal_design_builds_the_path():
    design = Design.from_toml(MINIMAL)
    path = design.scan_path()
    # 5 mm x 150/50 = 15 mm at the back aperture (reference post, part 1);
    # Olympus 20x: f_o = 180 mm / 20 = 9 mm, back aperture 2 * 1.0 * 9 = 18 mm.
    assert path.back_aperture_beam.to("mm").magnitude == pytest.approx(15)
    assert path.back_aperture.to("mm").magnitude == pytest.approx(18)


def test_round_trip_is_lossless(tmp_path):
    for design in (Design.default(), Design.from_toml(MINIMAL)):
        again = Design.from_toml(design.to_toml())
        assert again == design
        target = tmp_path / "design.toml"
        save_design(design, target)
        assert load_design(target) == design


def test_default_design_matches_its_description():
    design = Design.default()
    assert design.beam_diameter == 5 * ureg.mm
    assert [s.part for s in design.scanners] == [
        "Cambridge Technology CRS 8 kHz",
        "Cambridge Technology 6215H (5 mm mirror)",
    ]
    assert design.etl is not None and design.etl_relay is not None
    path = design.scan_path()
    # 4:1 tube/scan lens, 1:1 relay: 5 mm at the resonant -> 20 mm at the back aperture.
    assert path.back_aperture_beam.to("mm").magnitude == pytest.approx(20)


def _error(text):
    with pytest.raises(DesignFileError) as info:
        Design.from_toml(text, label="d.toml").scan_path()
    return str(info.value)


def test_unknown_key_names_key_and_line():
    text = MINIMAL.replace('f = "50 mm"', 'focal = "50 mm"')
    message = _error(text)
    assert "d.toml, line 17" in message and "'focal'" in message and "known keys: aperture, bfl," in message
    assert "did you mean 'aperture'" in _error(MINIMAL.replace('[scan_lens]\nf = "50 mm"', '[scan_lens]\nf = "50 mm"\napperture = "20 mm"'))


def test_wrong_unit_names_key():
    message = _error(MINIMAL.replace('aperture = "5 mm"', 'aperture = "5 deg"'))
    assert "line 13" in message and "'aperture'" in message and "length" in message


def test_missing_unit_and_bad_number():
    assert "no unit" in _error(MINIMAL.replace('beam_diameter = "5 mm"', 'beam_diameter = "5"'))
    assert "'beam_diameter'" in _error(MINIMAL.replace('beam_diameter = "5 mm"', "beam_diameter = 5"))


def test_missing_table():
    assert "'tube_lens'" in _error(MINIMAL.replace('[tube_lens]\nf = "150 mm"', ""))


def test_unknown_part_lists_close_matches():
    text = MINIMAL.replace('[scan_lens]\nf = "50 mm"', '[scan_lens]\npart = "SL50-2P"')
    message = _error(text)
    assert "SL50-2P2" in message


def test_physics_errors_name_the_part():
    message = _error(MINIMAL.replace("na = 1.0", "na = 1.5"))
    assert "NA 1.5 exceeds the immersion index" in message


def test_scan_angle_above_the_part_maximum():
    text = MINIMAL.replace('optical_angle = "20 deg"', 'optical_angle = "20 deg"\nscan_angle = "30 deg"')
    assert "line 15" in _error(text) and "'scan_angle': 30 deg exceeds the scanner's maximum optical angle 20 deg" in _error(text)
    # review: a negative angle was reported in radians, without file, line or key
    text = MINIMAL.replace('optical_angle = "20 deg"', 'optical_angle = "20 deg"\nscan_angle = "-10 deg"')
    assert "line 15" in _error(text) and "'scan_angle': -10 deg must be above 0 and below 180 deg" in _error(text)


def test_malformed_toml():
    assert "not valid TOML" in _error("name = ")


@pytest.mark.parametrize("payload", ["__import__('os').system('echo x')", "2**2 mm", "{{7*7}} mm"])
def test_values_are_never_evaluated(payload):
    message = _error(MINIMAL.replace('beam_diameter = "5 mm"', f'beam_diameter = "{payload}"'))
    assert "beam_diameter" in message


def test_user_parts_file_is_relative_to_the_design(tmp_path):
    (tmp_path / "mine.toml").write_text(
        '[[lens]]\nname = "My scan lens"\nf = "40 mm"\nkind = "scan"\nsource = "measured in the lab"\n'
    )
    text = 'parts_file = "mine.toml"\n' + MINIMAL.replace('[scan_lens]\nf = "50 mm"', '[scan_lens]\npart = "My scan lens"')
    (tmp_path / "d.toml").write_text(text)
    path = load_design(tmp_path / "d.toml").scan_path()
    assert path.back_aperture_beam.to("mm").magnitude == pytest.approx(5 * 150 / 40)


def test_missing_file_is_a_design_error(tmp_path):
    with pytest.raises(DesignFileError, match="cannot read"):
        load_design(tmp_path / "nope.toml")
    assert issubclass(DesignFileError, OpticsError) and issubclass(DesignFileError, ValueError)


def test_components_are_frozen():
    component = Component("lens", None, (("f", 50 * ureg.mm),))
    with pytest.raises(AttributeError):
        component.part = "x"
    assert component.get("f") == 50 * ureg.mm


# -- the packaged example designs (shown in docs/design-files.md) -------------------------------
def _example_paths():
    from importlib import resources

    return sorted(p for p in resources.files("optics").joinpath("designs").iterdir() if p.name.endswith(".toml"))


def test_the_guide_has_an_example_for_every_layout():
    names = {p.name for p in _example_paths()}
    assert {"default.toml", "resonant_galvo_relay.toml", "close_coupled_galvos.toml",
            "close_coupled_galvos_etl.toml"} <= names


@pytest.mark.parametrize("path", _example_paths(), ids=lambda p: p.name)
def test_every_example_design_loads_round_trips_and_reports(path, capsys):
    from optics.cli import main

    design = load_design(path)
    assert Design.from_toml(design.to_toml()) == design
    assert main(["report", str(path), "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert design.name in out and "Field of view" in out


def _report_values(path, capsys):
    import json

    from optics.cli import main

    assert main(["report", str(path), "--no-figures", "--json"]) == 0
    return {k: v["value"] for k, v in json.loads(capsys.readouterr().out)["values"].items()}


def test_close_coupled_example_walks_as_worked_by_hand(capsys):
    # Two galvos 10 mm apart, pupil midway: each mirror pivots 5 mm from the plane the 50 mm scan
    # lens and 200 mm tube lens (M = 4) image onto the back aperture.  Over a 10 deg optical sweep
    # the beam walks 2 x M x 5 mm x tan(5 deg) = 3.4995 mm there; the 3.5 mm beam becomes 14 mm
    # (fill 14/20 = 0.7); the field is 2 f_o tan(5 deg) f_s/f_t = 2 x 12.5 x 0.087489 / 4 mm.
    import math

    path = next(p for p in _example_paths() if p.name == "close_coupled_galvos.toml")
    values = _report_values(path, capsys)
    walk = 2 * 4 * 5 * math.tan(math.radians(5))
    assert values["fov.galvo1.beam_walk"] == pytest.approx(walk, rel=1e-9)
    assert values["fov.galvo2.beam_walk"] == pytest.approx(walk, rel=1e-9)
    assert values["beam.fill_ratio"] == pytest.approx(0.7)
    assert values["fov.galvo1.exact"] == pytest.approx(2 * 12.5 * math.tan(math.radians(5)) / 4, rel=1e-9)


def test_close_coupled_etl_example_is_linear_with_the_hand_slope(capsys):
    # The ETL relay's last spacing (95 mm, 5 mm short of 4f) puts the ETL's image on the pupil midway
    # between the mirrors, which the 4:1 scan/tube pair images onto the back focal plane: the ETL is
    # then conjugate to it with magnification m = 1 x 4, and a power P there shifts the focus by
    # -n f_o^2 P / m^2 (a lens at the back focal plane; reference post) exactly linearly:
    # -1.333 x (12.5 mm)^2 / 16 = -13.02 um/dpt.
    path = next(p for p in _example_paths() if p.name == "close_coupled_galvos_etl.toml")
    values = _report_values(path, capsys)
    slope_mm_per_dpt = -1.333 * 12.5**2 / 16 * 1e-3
    assert values["remote_focus.slope"] == pytest.approx(slope_mm_per_dpt, rel=1e-3)
    assert values["remote_focus.linearity_deviation"] == pytest.approx(0, abs=1e-6)
    assert values["path.not_conjugate"] == ["galvo1", "galvo2"]


def test_negative_spacings_are_refused_with_the_line():
    # review: spacings = [50, -250, 200] mm reordered the layout silently (a tube lens before the scan lens)
    text = MINIMAL.replace('beam_diameter = "5 mm"', 'beam_diameter = "5 mm"\nspacings = ["50 mm", "-250 mm", "200 mm"]')
    message = _error(text)
    assert "line 4" in message and "'spacings'" in message and "d2 = '-250 mm' is negative" in message
    relay = MINIMAL + '\n[[relays]]\nfirst = "50 mm"\nsecond = "50 mm"\nspacings = ["-75 mm", "150 mm", "75 mm"]\n'
    relay = relay.replace('[[scanners]]\nname = "res"', '[[scanners]]\nname = "g1"\nkind = "galvo"', 1)
    relay += '\n[[scanners]]\nname = "g2"\nkind = "galvo"\naperture = "5 mm"\noptical_angle = "20 deg"\n'
    assert "d1 = '-75 mm' is negative" in _error(relay)


def test_negative_spacings_are_refused_in_python():
    from optics.errors import InvalidParameterError
    from optics.microscope.parts import Objective, Scanner
    from optics.microscope.path import Relay, ScanPath

    scanner = Scanner("r", aperture=5, optical_angle=26 * ureg.deg)
    objective = Objective("16x", magnification=16, na=0.8, maker="Nikon")
    with pytest.raises(InvalidParameterError, match="ScanPath spacing 2 is -250 mm"):
        ScanPath([scanner], 50, 200, objective, beam_diameter=5, spacings=(50, -250, 200))
    with pytest.raises(InvalidParameterError, match="Relay spacing d1 is -75 mm"):
        Relay(50, 50, spacings=(-75, 150, 75))


def test_search_table_round_trips_and_refuses_bad_keys_with_their_line():
    from optics.design import Design
    from optics.errors import DesignFileError

    base = Design.default().to_toml()
    text = base + '\n[search]\nroles = ["relay1_1"]\ndiameters = ["25.4 mm", "2 in"]\nmin_fill = 0.9\n' \
                  'min_z_range = "0.1 mm"\nmax_field_angle = "0.2 rad"\n'
    design = Design.from_toml(text)
    settings = design.search_settings
    assert settings["roles"] == ("relay1_1",) and settings["min_fill"] == 0.9
    assert settings["diameters"][1].to("mm").magnitude == pytest.approx(50.8)
    assert settings["min_z_range"].to("um").magnitude == pytest.approx(100)
    assert Design.from_toml(design.to_toml()) == design
    line = len(base.splitlines()) + 3  # the blank line, [search], then the key
    for bad, words in [
        ('min_fil = 0.9', ["min_fil", "unknown key", "min_fill"]),
        ('min_fill = "0.9"', ["min_fill", "finite number"]),
        ('max_length = "-5 mm"', ["max_length", "positive"]),
        ('aperture_fill = 1.5', ["aperture_fill", "(0, 1]"]),
        ('roles = []', ["roles", "non-empty list"]),
        ('min_fov = "2 s"', ["min_fov", "length"]),
    ]:
        with pytest.raises(DesignFileError) as err:
            Design.from_toml(base + "\n[search]\n" + bad + "\n")
        message = str(err.value)
        assert f"line {line}" in message and "[search]" in message, message
        for word in words:
            assert word in message, message
    with pytest.raises(DesignFileError, match="max_fill.*at least min_fill"):
        Design.from_toml(base + "\n[search]\nmin_fill = 1.1\nmax_fill = 1.0\n")
