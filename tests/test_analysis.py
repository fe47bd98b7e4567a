"""One model of the path: every number of the report and figures from one train.

References
----------
* Reference post (blog-geometrical-optics.txt): d_BFA = D f_t/f_s (times each relay's
  f2/f1); s_FOV = tan(alpha) f_o f_s/f_t (small angle); z = -f_o^2 k^2 / f_ETL with
  k = prod(f1/f2) f_s/f_t for an ETL conjugate to the back focal plane.
* Newton's lens equation x x' = -f f' (Hecht, Optics, sec. 5.2.3), f' = n f_o in the
  immersion medium: a beam converging to a point x past the objective's front focal
  point focuses -n f_o^2/x past the back focal point.
"""

import pathlib
import json
import math
import warnings

import numpy as np
import pytest

from optics.analysis import analyze, analyze_path
from optics.report import render_report
from optics.cli import main
from optics.design import Design
from optics.microscope.parts import Objective, Scanner, TunableLensPart
from optics.microscope.path import Relay, ScanPath
from optics.microscope.remote_focus import RemoteFocus
from optics.units import ureg

DEFAULT_TOML = Design.default().to_toml()


def _with(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


# -- 4f designs: the single model reproduces the closed forms ----------------------------
DESIGNS_4F = [
    # beam D at the first scanner, (scan, tube), relays after the ETL relay, ETL relay, objective f, NA, n, angle (deg)
    dict(D=5, fs=50, ft=200, relays=[(75, 75)], etl_relay=(100, 50), fo=12.5, na=0.8, n=1.333, angle=26),
    dict(D=4, fs=75, ft=300, relays=[(50, 100)], etl_relay=(150, 75), fo=9.0, na=1.0, n=1.333, angle=20),
    dict(D=3, fs=40, ft=180, relays=[], etl_relay=(100, 100), fo=3.6, na=1.05, n=1.333, angle=10),
    dict(D=6, fs=100, ft=200, relays=[(100, 50), (60, 60)], etl_relay=(50, 100), fo=20.0, na=0.5, n=1.0, angle=30),
]


@pytest.mark.parametrize("d", DESIGNS_4F)
def test_single_model_reproduces_the_closed_forms_on_4f_paths(d):
    scanners = [Scanner(f"s{i}", aperture=30, optical_angle=d["angle"] * ureg.deg, kind="galvo" if i else "resonant")
                for i in range(len(d["relays"]) + 1)]
    etl = TunableLensPart("ETL", aperture=30, power_min=-5, power_max=5, offset_power=-1)
    objective = Objective("obj", magnification=200 / d["fo"], na=d["na"], maker="Nikon", immersion_index=d["n"])
    path = ScanPath(scanners, d["fs"], d["ft"], objective, d["D"], relays=[Relay(*r) for r in d["relays"]],
                    etl=etl, etl_relay=Relay(*d["etl_relay"]), beam_at="resonant", check=False)
    a = analyze_path(path, 920 * ureg.nm, 512)
    m = d["ft"] / d["fs"] * math.prod(f2 / f1 for f1, f2 in d["relays"])  # scanner 1 -> back aperture
    # beam: d_BFA = D f_t/f_s prod(f2/f1) (post, part 1)
    assert a.back_aperture_beam.to("mm").magnitude == pytest.approx(d["D"] * m)
    assert a.fill_ratio == pytest.approx(d["D"] * m / (2 * d["na"] * d["fo"]))
    # FOV of the last scanner: |B| = f_o f_s/f_t; of the first: f_o/m (post, part 2)
    last = a.fovs[-1]
    half = math.tan(math.radians(d["angle"] / 2))
    assert last.exact.to("mm").magnitude == pytest.approx(2 * d["fo"] * d["fs"] / d["ft"] * half)
    assert last.small_angle.to("mm").magnitude == pytest.approx(d["fo"] * d["fs"] / d["ft"]
                                                               * math.tan(math.radians(d["angle"])))
    assert a.fovs[0].exact.to("mm").magnitude == pytest.approx(2 * d["fo"] / m * half)
    # remote focus: z = -n f_o^2 k^2 (P + P_off)/1000 mm, k = (f1/f2 of the ETL relay)/m (post, part 3)
    k = d["etl_relay"][0] / d["etl_relay"][1] / m
    z = a.remote_focus.z_range
    hand = [-d["n"] * d["fo"] ** 2 * k**2 * (p - 1) for p in (-5, 5)]  # um
    assert z.z_at_min.to("um").magnitude == pytest.approx(hand[0])
    assert z.z_at_max.to("um").magnitude == pytest.approx(hand[1])
    assert a.remote_focus.curve.exactly_linear
    assert a.focus_distance.to("mm").magnitude == 0
    assert not any(a.conjugation[i].b.magnitude for i in range(len(a.conjugation)))


# -- spacings: the physics is defined, so it is reported -----------------------------------
def test_mis_spaced_scan_and_tube_lens_focus_by_newton():
    # Scan and tube lens 10 mm further apart than 4f (f_s = 50, f_t = 200): the collimated
    # beam leaves the tube lens converging to a point f_t^2/delta = 4000 mm past the back
    # focal plane (hand: 1/v = 1/f_t - 1/(f_t + delta)); Newton: z_f = -n f_o^2 delta/f_t^2.
    s = Scanner("res", aperture=10, optical_angle=26 * ureg.deg, kind="resonant")
    obj = Objective("16x", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
    path = ScanPath([s], 50, 200, obj, 5, spacings=(50, 260, 200), check=False)
    assert path.focus_distance().to("mm").magnitude == pytest.approx(-1.333 * 12.5**2 * 10 / 200**2)
    # the chief ray still leaves the objective parallel (scanner at the scan lens's focal
    # plane), so the FOV at that focus is the 4f one
    assert path.fov().to("mm").magnitude == pytest.approx(2 * 12.5 * 50 / 200 * math.tan(math.radians(13)))


def _numpy_chain(items):
    m = np.eye(2)
    for kind, value in items:
        e = np.array([[1.0, value], [0.0, 1.0]]) if kind == "d" else np.array([[1.0, 0.0], [-1.0 / value, 1.0]])
        m = e @ m
    return m


def _chain_focus_mm(chain, n):
    """Focus past the last plane of a hand-written chain behind an ETL of power p (dpt), in the medium."""
    m = _numpy_chain(chain)

    def focus(p):
        c_etl = -p / 1000
        a, c = m[0, 0] + m[0, 1] * c_etl, m[1, 0] + m[1, 1] * c_etl
        return -a / c * n

    return focus


def _default_chain(etl_relay):
    d1, d2, d3 = etl_relay
    return [("d", d1), ("f", 100), ("d", d2), ("f", 50), ("d", d3), ("d", 75), ("f", 75), ("d", 150),
            ("f", 75), ("d", 75), ("d", 50), ("f", 50), ("d", 250), ("f", 200), ("d", 200), ("d", 12.5),
            ("f", 12.5), ("d", 12.5)]


@pytest.mark.parametrize("spacings, conjugate", [((100, 160, 50), True), ((90, 150, 50), False)])
def test_non_4f_etl_relay_focus_shift_equals_a_hand_matrix_chain(spacings, conjugate):
    # The default design with other ETL-relay spacings (issue 10). Hand chain:
    # ETL -d1- L100 -d2- L50 -d3- resonant -75- L75 -150- L75 -75- galvo -50- SL50 -250- TL200
    # -200- back aperture -12.5- objective -12.5- (air-equivalent focus; the shift in water is
    # n times the one in air, Newton with f' = n f_o).
    line = "spacings = [" + ", ".join(f'"{v} mm"' for v in spacings) + "]"
    text = _with(DEFAULT_TOML, 'second = { part = "Thorlabs AC254-050" }',
                 'second = { part = "Thorlabs AC254-050" }\n' + line)
    path = Design.from_toml(text).scan_path(check=False)
    focus = _chain_focus_mm(_default_chain(spacings), 1.333)
    for p in (-10, -4, 3, 10):
        assert path.focus_shift(p).to("um").magnitude == pytest.approx(1000 * (focus(p) - focus(0)), rel=1e-9)
    assert path.focus_distance().to("mm").magnitude == pytest.approx(focus(0), rel=1e-9, abs=1e-12)
    rf = RemoteFocus.from_path(path)
    assert rf.z_range().span.to("um").magnitude == pytest.approx(1000 * abs(focus(10) - focus(-10)), rel=1e-9)
    etl_row = path.conjugation()[0]
    assert etl_row.plane == "etl" and etl_row.conjugate is conjugate
    if conjugate:
        # ETL at the front focal plane of the first lens: its image is still the back focal
        # plane of the second (any d2), so the vergence maps linearly: a straight transfer curve
        assert rf.linearity().percent < 1e-9
        assert path.focus_distance().magnitude != 0  # but the relay is no longer afocal
    else:
        assert rf.linearity().percent > 0.01  # the displaced ETL bends the transfer curve


NON_4F = {
    "etl relay": ('second = { part = "Thorlabs AC254-050" }',
                  'second = { part = "Thorlabs AC254-050" }\nspacings = ["100 mm", "160 mm", "50 mm"]'),
    "scanner relay": ('second = { part = "Thorlabs AC508-075" }',
                      'second = { part = "Thorlabs AC508-075" }\nspacings = ["75 mm", "140 mm", "80 mm"]'),
    "scan lens": ('rep_rate = "80.0 MHz"', 'rep_rate = "80.0 MHz"\nspacings = ["60 mm", "250 mm", "200 mm"]'),
}


@pytest.mark.parametrize("case", sorted(NON_4F))
def test_cli_reports_text_json_and_all_figures_for_non_4f_designs(case, tmp_path, capsys):
    design = tmp_path / "design.toml"
    design.write_text(_with(DEFAULT_TOML, *NON_4F[case]))
    out = tmp_path / "figs"
    assert main(["report", str(design), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "z range" in text and "Field of view" in text and "not conjugate" in text
    stems = {p.stem for p in out.iterdir()}
    assert stems == {"layout", "transfer_curve", "beam_focus", "scanning", "chromatic"}
    assert main(["report", str(design), "--json", "--out", str(tmp_path / "figs2")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"]["remote_focus.z_range"]["unit"] == "mm"  # JSON: one unit per kind
    assert data["values"]["remote_focus.z_range"]["value"] > 0
    assert len(data["figures"]) == 10


def test_one_report_run_resolves_the_parts_and_builds_the_path_once(monkeypatch, tmp_path, capsys):
    counts = {"parts": 0, "scan_path": 0}
    parts, scan_path = Design.parts, Design.scan_path

    def counting_parts(self):
        counts["parts"] += 1
        return parts(self)

    def counting_scan_path(self, **kw):
        counts["scan_path"] += 1
        return scan_path(self, **kw)

    monkeypatch.setattr(Design, "parts", counting_parts)
    monkeypatch.setattr(Design, "scan_path", counting_scan_path)
    assert main(["report", "--out", str(tmp_path / "figs")]) == 0
    assert counts == {"parts": 1, "scan_path": 1}


def test_analysis_is_frozen_and_rendered_not_recomputed():
    a = analyze(Design.default())
    with pytest.raises(AttributeError):
        a.fill_ratio = 2
    from optics.report import render_report

    report = render_report(a)
    assert report.value("fov.resonant.exact") is a.fovs[0].exact.to("um") or \
        report.value("fov.resonant.exact") == a.fovs[0].exact
    assert report.value("remote_focus.z_range") == a.remote_focus.z_range.span.to("um")
    from optics.errors import OpticsError

    with pytest.raises(KeyError, match=r"no item 'Remote focus \(ETL\)'") as err:
        report.value("Remote focus (ETL)")  # a section title is not an item id
    assert isinstance(err.value, OpticsError)
    with pytest.raises(KeyError, match="did you mean 'remote_focus.z_range'"):
        report.value("remote_focus.zrange")


def test_fill_limit_in_a_design_file():
    text = _with(DEFAULT_TOML, "n_pixels = 512", "n_pixels = 512\nfill_limit = 1.0")
    report = analyze(Design.from_toml(text))
    # a 100 % footprint (5 mm beam, 5 mm mirror) passes a limit of 1.0: no fill warning left
    assert not [w for w in report.warnings if "fills" in w]
    from optics.errors import DesignFileError

    # the written default design has n_pixels on line 7, so fill_limit is on line 8
    with pytest.raises(DesignFileError, match=r"line 8.*fill_limit.*\(0, 1\]"):
        Design.from_toml(_with(DEFAULT_TOML, "n_pixels = 512", "n_pixels = 512\nfill_limit = 85"))


def test_close_coupled_scanners_in_a_design_file(tmp_path, capsys):
    # the default design with the resonant and galvo 12 mm apart instead of the 1:1 relay:
    # walk at the back aperture 2 x 4 x 6 mm x tan(13 deg) per axis (pupil midway, M = 4)
    text = DEFAULT_TOML
    start, end = text.index("[[relays]]"), text.index("[scan_lens]")
    text = text[:start] + '[[relays]]\ngap = "12 mm"\n\n' + text[end:]
    design = Design.from_toml(text)
    assert Design.from_toml(design.to_toml()) == design
    report = analyze(design)
    walks = dict(report.beam_walks)
    assert walks["galvo"].to("mm").magnitude == pytest.approx(2 * 4 * 6 * math.tan(math.radians(13)))
    file = tmp_path / "close.toml"
    file.write_text(text)
    assert main(["report", str(file), "--out", str(tmp_path / "figs")]) == 0
    assert "galvo: beam walk at back aperture" in capsys.readouterr().out


def test_colour_and_pulse_dispersion_of_the_default_design():
    # Pulse: tau = tau0 sqrt(1 + (4 ln2 GDD / tau0^2)^2) for a transform-limited Gaussian
    # (Diels & Rudolph, Ultrashort Laser Pulse Phenomena, eq. 1.164 in FWHM form).
    text = _with(DEFAULT_TOML, "n_pixels = 512", 'n_pixels = 512\npulse_duration = "100 fs"\nobjective_gdd = "3000 fs^2"')
    design = Design.from_toml(text)
    assert Design.from_toml(design.to_toml()) == design
    a = analyze(design)
    total = a.pulses.budget.total.to("fs**2").magnitude
    assert total == pytest.approx(sum(c.gdd.to("fs**2").magnitude for c in a.pulses.budget.contributions))
    assert any(c.name == "objective" and c.gdd.to("fs**2").magnitude == 3000 for c in a.pulses.budget.contributions)
    assert a.pulses.broadened.to("fs").magnitude == pytest.approx(
        100 * math.sqrt(1 + (4 * math.log(2) * total / 100**2) ** 2))
    assert a.pulses.prechirp.to("fs**2").magnitude == pytest.approx(-total)
    # Colour: the relays have public prescriptions, the scan and tube lens do not (treated as free of
    # colour, and the report says so); at the design wavelength nothing moves.
    c = a.chromatic
    assert [role for role, _ in c.lenses] == ["etl_relay_1", "etl_relay_2", "relay1_1", "relay1_2"]
    assert c.without_prescription == ("scan_lens", "tube_lens")
    nm = [p.wavelength.to("nm").magnitude for p in c.sweep]
    assert nm[0] == 700 and nm[-1] == 1400  # the sweep runs 700-1400 nm
    # the galvo sees only achromatic lenses downstream: its image stays on the back aperture
    assert all(abs(p.image_distances["galvo"].to("mm").magnitude) < 1e-9 for p in c.sweep)
    # the ETL power change refocuses: z linear in the ETL's vergence (ETL conjugate to the back focal
    # plane), so the change undoes the focus shift along the slope -n f_o^2 k^2 / 1000 mm/dpt
    slope = -1.333 * 12.5**2 / 4  # um per dpt (k = 1/2)
    for p in c.reported:
        assert p.etl_power_change.to("dpt").magnitude == pytest.approx(
            -p.focus_shift.to("um").magnitude / slope, rel=0.01)
    report = render_report(a)
    assert report.value("chromatic.1040.focus_shift").to("um") == c.reported[1].focus_shift.to("um")
    assert "objective" in report.value("chromatic.without_prescription")


def test_mechanical_layout_gaps():
    # A lens whose back focal plane is the next plane (4f) sits one back focal length from it:
    # gap = d + h2 = f + (BFL - f) = BFL.  The 50 mm ETL-relay lens then sits its BFL (Thorlabs
    # gives 43.4 mm at 855 nm for AC254-050-B; the prescription at 920 nm is within 0.5 mm of it)
    # in front of the resonant mirror, and a lens without data is placed at its thin-lens spacing.
    from optics.catalog import Catalog

    a = analyze(Design.default())
    gaps = {(g.start, g.end): g for g in a.layout}
    bfl = Catalog.default().lens("Thorlabs AC254-050-B").bfl.to("mm").magnitude
    gap = gaps[("etl_relay_2", "resonant")]
    assert gap.basis == "prescription"
    assert gap.distance.to("mm").magnitude == pytest.approx(bfl, abs=0.5)
    assert gaps[("scan_lens", "tube_lens")].distance.to("mm").magnitude == pytest.approx(250)
    assert gaps[("scan_lens", "tube_lens")].basis == "thin lens"


def test_a_wavelength_outside_the_glass_data_skips_those_lenses_with_a_note(tmp_path, capsys):
    # review: wavelength = "300 nm" passed the design check, then the report failed on N-LAK22's
    # dispersion data (SCHOTT: 0.365-2.3254 um) with Python advice; now those lenses are treated
    # as colour-free, named in the warnings, and the report runs.
    from optics.cli import main

    text = (pathlib.Path(main.__globals__["__file__"]).parent / "designs" / "default.toml").read_text()
    design = tmp_path / "uv.toml"
    design.write_text("\n".join('wavelength = "300 nm"' if line.startswith("wavelength") else line
                                for line in text.splitlines()) + "\n")
    assert main(["report", str(design), "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "etl_relay_1 (Thorlabs AC254-100-B): N-LAK22: wavelength 300 nm is outside 0.365-2.3254 µm" in out
    assert "treated as colour-free and thin" in out and "pass a Quantity" not in out
