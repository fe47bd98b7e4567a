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
    assert "exceeds the scanner's maximum optical angle" in _error(text)


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
