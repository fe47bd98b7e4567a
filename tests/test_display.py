"""Rich display (Jupyter): well-formed HTML, units, rounded decimals, escaping, LaTeX for closed forms.

The numbers checked by hand are for the embedded default design (5 mm beam at
the resonant scanner, 1:1 relay, f_s = 50 mm, f_t = 200 mm, Nikon 16x/0.8 W:
f_o = 200/16 = 12.5 mm, 26 deg full optical scan angle):
d_BA = 5 * 200/50 = 20 mm; FOV = 2 f_s tan(13 deg) f_o/f_t = 1.443 mm.
"""

import dataclasses
import math
import re
import warnings
from html.parser import HTMLParser

import pytest
import sympy

from optics import GaussianBeam, LensTrain, Space, ThinLens
from optics.analysis import analyze
from optics.design import Design
from optics.display import Table, format_number, format_value, with_unit
from optics.errors import OpticsWarning
from optics.microscope.path import ObjectiveModel, ScanPath, TunableLensModel
from optics.report import design_report
from optics.units import quantity, ureg

VOID = {"br", "hr", "img", "meta", "input", "col", "wbr"}
RATIONAL = re.compile(r"\d+/\d{3,}")  # a sympy Rational such as 226892802759263/500000000000000


class _Checker(HTMLParser):
    """Fails on a closing tag that does not match the open one; collects the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def well_formed_text(html):
    """The text of *html*, after checking every tag is closed in order."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)
    return "".join(checker.text)


@pytest.fixture(scope="module")
def default():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OpticsWarning)
        design = Design.default()
        analysis = analyze(design)
        return design, analysis, design_report(design)


FOV_MM = 2 * 50 * math.tan(math.radians(13)) * 12.5 / 200


def test_report_html_is_well_formed_with_units_and_hand_numbers(default):
    _, _, report = default
    text = well_formed_text(report._repr_html_())
    assert "beam diameter at back aperture" in text
    assert "20 mm" in text  # 5 mm * 200/50
    assert f"{FOV_MM * 1000:.0f} µm" in text  # 1443 µm, the report's unit for the FOV
    assert "µm" in text and "dpt" in text and "nm" in text
    assert "micrometer" not in text and "millimeter" not in text
    assert not RATIONAL.search(text)
    assert "Warnings" in text


def test_report_markdown_tables_have_consistent_columns(default):
    _, _, report = default
    md = report._repr_markdown_()
    for block in md.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            widths = {line.count(" | ") for line in rows[:1] + rows[2:]}
            assert len(widths) == 1, block
    assert "| beam diameter at back aperture | 20 mm |" in md


def test_every_value_matches_its_typed_field_rounded(default):
    _, analysis, _ = default
    text = well_formed_text(analysis._repr_html_())
    for q in (analysis.back_aperture_beam, analysis.back_aperture, analysis.fovs[0].exact,
              analysis.resolution.lateral_fwhm, analysis.remote_focus.z_range.span):
        assert format_value(q) in text
    assert format_value(analysis.fovs[0].exact) == f"{FOV_MM:.4g} mm"  # hand value, 4 digits


def test_design_and_path_display(default):
    design, analysis, _ = default
    text = well_formed_text(design._repr_html_())
    assert "Nikon CFI75 LWD 16X W" in text and "5 mm" in text and "920 nm" in text
    path_text = well_formed_text(analysis.path._repr_html_())
    assert "f = 50 mm" in path_text and "f = 200 mm" in path_text
    assert "26°" in path_text  # the optical angle in degrees, not 0.4538 rad
    assert "20 mm" in path_text
    assert not RATIONAL.search(path_text)


def test_names_from_files_cannot_inject_markup(default):
    design, _, _ = default
    hostile = dataclasses.replace(design, name="<script>alert(1)</script>\x1b[2J")
    html = hostile._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\x1b" not in html and "\\x1b" in html
    assert "<script>" not in hostile._repr_markdown_()


def test_gaussian_beam_shows_numbers_with_units():
    beam = GaussianBeam(920 * ureg.nm, waist=1)
    # z_R = pi w0^2 / lambda = pi * 1 mm^2 / 920e-6 mm = 3414.8 mm
    z_r = math.pi * 1 / 920e-6
    assert repr(beam) == f"GaussianBeam(wavelength=920 nm, waist=1 mm, waist_position=0 mm, z_R={z_r:.0f} mm, n=1, m2=1)"
    text = well_formed_text(beam._repr_html_())
    assert f"{z_r:.0f} mm" in text and "920 nm" in text and f"{z_r:.0f}j mm" in text
    assert "pi" not in text and "I" not in text.split()


def test_closed_forms_show_as_latex_not_html():
    path = ScanPath.symbolic()
    assert path._repr_html_() is None  # Jupyter then shows the Markdown / LaTeX
    latex = path._repr_latex_()
    assert r"\frac{D f_{t}}{f_{s}}\ \mathrm{mm}" in latex  # d_BA = D f_t/f_s, the reference post's formula
    assert "$" in path._repr_markdown_()
    fov = path.fovs()[0]
    assert fov._repr_html_() is None and r"\tan" in fov._repr_latex_()
    numeric = ScanPath([], 50, 200, ObjectiveModel(12.5, 0.8), etl=TunableLensModel("ETL", 0, -2, 3), check=False)
    assert numeric._repr_latex_() is None and numeric._repr_html_() is not None


def test_lens_train_display_rounds_exact_rationals():
    train = LensTrain(["a", Space(sympy.Rational(226892802759263, 500000000000000)), ThinLens(50, name="L"), "b"])
    text = well_formed_text(train._repr_html_())
    assert "0.4538 mm" in text and "ThinLens" in text and "f = 50 mm" in text
    assert not RATIONAL.search(text)


def test_typed_results_display(default):
    _, analysis, _ = default
    z = analysis.remote_focus.z_range
    md = z._repr_markdown_()
    assert f"| span | {format_value(z.span)} |" in md and "µm" in md
    budget = well_formed_text(analysis.power._repr_html_())
    assert "back_aperture" in budget and "transmission" in budget
    assert well_formed_text(analysis.resolution._repr_html_()).count("µm") >= 4


def test_number_formatting():
    assert format_number(sympy.Rational(226892802759263, 500000000000000)) == "0.4538"
    assert format_value(sympy.Rational(226892802759263, 500000000000000)) == "0.4538"
    assert format_number(-0.0) == "0" and format_number(12345.6) == "12346"
    assert format_number(1.23456e-7) == "1.235e-07"
    assert format_value(quantity(1041.40625, "um")) == "1041 µm"
    assert format_value(with_unit(sympy.Symbol("f") * 2, "mm")) == "2*f mm"
    assert format_value(None) == "–"


def test_quantities_print_concisely():
    q = quantity(226892802759263 / 500000000000000, "mm")
    assert str(q) == "0.4538 mm"
    assert f"{quantity(920.0, 'nm')}" == "920 nm"


def test_table_helper_for_other_results():
    # The helper other results (a lens-set search) can call: rows of values, a header, a title.
    t = Table([("SL50", quantity(20.0, "mm"), 0.95)], header=("set", "beam", "fill"), title="Search <top>")
    text = well_formed_text(t.to_html())
    assert "Search <top>" in text and "20 mm" in text and "0.95" in text
    assert t.to_markdown().splitlines()[4] == "| SL50 | 20 mm | 0.95 |"


def test_remote_focus_view_shows_the_hand_slope(default):
    from optics.microscope.remote_focus import RemoteFocus

    _, analysis, _ = default
    text = well_formed_text(RemoteFocus(analysis.path)._repr_html_())
    # ETL imaged onto the back focal plane with beam magnification M = (50/100)(75/75)(200/50) = 2:
    # dz/dP = -n (f_o/M)^2 = -1.333 (12.5/2)^2 um/dpt (dpt x mm^2 = um)
    assert f"{-1.333 * (12.5 / 2) ** 2:.4g} µm/dpt" in text
    assert "-10 to 10 dpt" in text


def test_search_result_display_names_parts_and_counts_ties():
    from optics.microscope.parts import Lens, Objective, Scanner
    from optics.microscope.path import ScanPath
    from optics.microscope.search import search_lens_sets

    path = ScanPath([Scanner("res", aperture=5, optical_angle=26 * ureg.deg)], 50, 200,
                    Objective("16x", magnification=16, na=0.8, maker="Nikon"), beam_diameter=5)
    scan = [Lens("Thorlabs AC508-050-B", 50, 45.72), Lens("Thorlabs AC508-040-B", 40, 45.72)]
    tube = [Lens("Thorlabs AC508-200-B", 200, 45.72), Lens("Thorlabs TTL200MP", 200)]
    result = search_lens_sets(path, {"scan_lens": scan, "tube_lens": tube}, min_fov=1.0, min_fill=0.9)
    html = result._repr_html_()
    assert "Thorlabs AC508-050-B" in well_formed_text(html)
    markdown = result._repr_markdown_()
    # 5 mm x 200/50 = 20 mm at the back aperture (fill 1); the two 200 mm tube lenses tie on every key
    assert "Thorlabs AC508-050-B (50 mm)" in markdown and "beam\\_ba (mm)" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| Thorlabs AC508-050-B"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "20" and cells[-1] == "2"  # beam_ba, n_alternatives
    assert "Pareto front" in markdown and "feasible" in markdown
