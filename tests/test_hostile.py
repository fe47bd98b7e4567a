"""Hostile and careless input (issue 14): no hang, no library traceback, no forged output.

Every case runs under a time budget (:func:`within`): the call runs in a
worker thread and the test fails if it has not finished in time, so a hang
(pint's unit parser computing ``9**9**9``, a quadratic regular expression, a
quadratic line lookup) is a failure, not a stuck suite.  The expected
outcomes are stated from the rules of the input formats (TOML, UTF-8,
IEEE floats, the unit grammar documented in :mod:`optics.units`), not from
the code's own output.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import threading
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optics import LensTrain, Mirror, Space, ThickLens, ThinLens, TunableLens, ureg
from optics.catalog import Catalog
from optics.catalog.tomlfiles import LineIndex, decode_text, key_line, read_text_file, read_toml
from optics.design import Design
from optics.errors import (
    DesignFileError,
    NonFiniteResultError,
    OpticsError,
    OpticsTypeError,
    UnitTextError,
    UsageError,
)
from optics.text import escape_output, escape_text
from optics.units import MAX_QUANTITY_TEXT, parse_quantity, to_magnitude

BUDGET = 2.0  # seconds per case

HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,  # the budget below is the deadline
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def within(call, *args, budget=BUDGET, **kwargs):
    """Run ``call(*args, **kwargs)``; fail if it takes longer than *budget* seconds.

    Returns ``("ok", value)`` or ``("raised", exception)``.
    """
    box = {}

    def run():
        try:
            box["ok"] = call(*args, **kwargs)
        except BaseException as err:  # noqa: BLE001 - reported to the test
            box["raised"] = err

    start = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        pytest.fail(f"{getattr(call, '__name__', call)} took more than {budget} s (a hang?)")
    elapsed = time.perf_counter() - start
    assert elapsed <= budget, f"took {elapsed:.2f} s"
    return ("raised", box["raised"]) if "raised" in box else ("ok", box["ok"])


def refused(error_type, call, *args, budget=BUDGET, **kwargs):
    """The call raises *error_type* (a project error) within the budget; returns the message."""
    outcome, value = within(call, *args, budget=budget, **kwargs)
    assert outcome == "raised", f"accepted: {repr(value)[:200]}"
    assert isinstance(value, error_type), f"{type(value).__name__}: {value}"
    assert isinstance(value, OpticsError)
    return str(value)


def project_error_or_value(call, *args, budget=BUDGET, **kwargs):
    """Either a value or an OpticsError within the budget; never another exception."""
    outcome, value = within(call, *args, budget=budget, **kwargs)
    if outcome == "raised":
        assert isinstance(value, OpticsError), f"{type(value).__name__}: {value}"
    return outcome, value


# ============================================================================ unit text

ISSUE_CASES = [
    "1 m^9^9^9",  # pint: never finishes
    "1" * 20000 + "!",  # old pattern: 36 s
    "1 mm/0",  # ZeroDivisionError
    "1 mm^-0",  # KeyError
    "1 mm^1e308^2",  # OverflowError
    "1e308 mm",
    "1e309 mm",  # overflows a float
    "nan mm",
    "NaN",
    "inf mm",
    "-Infinity mm",
    "1e-400 mm",  # underflows to 0
]

MORE_BAD = [
    "", " ", "mm", "mm 5", "5 mm mm", "1.2.3 mm", "1 mm^", "1 mm^^2", "1 mm**", "1 mm^2^2",
    "1 mm^10", "1 mm^2.5", "1 mm^(2)", "1 (mm)", "1 mm/", "1 /mm", "1 *mm", "1 mm*/s", "1 mm+1",
    "1 mm; import os", "__import__('os')", "1 mm\x00", "1 unknownunit", "1 m" + "m" * 50,
    "1 " + " * ".join(["mm"] * 20), "1" * 200 + " mm", "1e99999 mm", "0x10 mm", "1_000 mm",
    "１２ mm",  # full-width digits
    "\u0661 mm",  # Arabic-Indic digit one
    "1 mm²²", "1 m⁻", "1 m⁻⁰", "1 mm^-", "2 + 2", "1 mm 1", "1 1/", "1 kHz resonant scanner",
    "5 mm" + " " * 200,
]


@pytest.mark.parametrize("text", ISSUE_CASES + MORE_BAD, ids=lambda t: repr(t[:24]))
def test_bad_unit_text_is_a_unit_text_error_in_time(text):
    # "1e308 mm" is a finite float but beyond any physical size (the documented bound is 1e30).
    message = refused(UnitTextError, parse_quantity, text, name="beam_diameter")
    assert message.startswith("beam_diameter: ")
    assert len(message) < 400 and "\n" not in message


@pytest.mark.parametrize(
    "text, magnitude, unit",
    [
        ("12.5 mm", 12.5, "mm"),
        ("-1.5 dpt", -1.5, "dpt"),
        ("2e-3 m", 2e-3, "m"),
        ("+.5 mm", 0.5, "mm"),
        ("8 kHz", 8, "kHz"),
        ("920 nm", 920, "nm"),
        ("3 mm^2/s", 3, "mm**2/s"),
        ("3 mm**2/s", 3, "mm**2/s"),
        ("3 mm²/s", 3, "mm**2/s"),
        ("2 1/m", 2, "1/m"),
        ("2 m⁻¹", 2, "1/m"),
        ("2 m^-1", 2, "1/m"),
        ("1 µm", 1, "um"),  # micro sign U+00B5
        ("1 μm", 1, "um"),  # Greek mu U+03BC
        ("26 deg", 26, "deg"),
        ("1 mm * mm", 1, "mm**2"),
        ("  7\tmm ", 7, "mm"),
    ],
)
def test_good_unit_text(text, magnitude, unit):
    outcome, q = within(parse_quantity, text, name="x")
    assert outcome == "ok"
    # reference: pint's own parse of our fixed, trusted unit strings
    assert q.units == ureg.Unit(unit)
    assert q.magnitude == magnitude


def test_bare_number_is_a_float():
    assert parse_quantity("5.", name="x") == 5.0 and isinstance(parse_quantity("5", name="x"), float)


@HYPOTHESIS
@given(st.text(max_size=3 * MAX_QUANTITY_TEXT))
def test_any_text_is_read_or_refused_in_time(text):
    outcome, value = project_error_or_value(parse_quantity, text, name="k")
    if outcome == "raised":
        assert isinstance(value, UnitTextError)
    else:
        magnitude = value if isinstance(value, float) else value.magnitude
        assert math.isfinite(magnitude)


ALPHABET = "0123456789.eE+- mkµμnHzsdegpt/*^²⁻¹x_"


@HYPOTHESIS
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_near_miss_text_is_read_or_refused_in_time(text):
    project_error_or_value(parse_quantity, text, name="k")


@HYPOTHESIS
@given(
    st.floats(min_value=-1e30, max_value=1e30, allow_nan=False).filter(lambda x: x == 0 or abs(x) >= 1e-30),
    st.sampled_from(["mm", "m", "um", "nm", "dpt", "deg", "rad", "kHz", "Hz", "MHz", "s"]),
)
def test_written_numbers_read_back_exactly(value, unit):
    # Python guarantees float(repr(x)) == x; the parser must not lose it.
    q = parse_quantity(f"{value!r} {unit}", name="x")
    assert q.magnitude == value and q.units == ureg.Unit(unit)


@pytest.mark.parametrize("text, hint", [("920 nm", "920 * ureg.nm"), ("50 mm", "50 * ureg.mm"), ("5", "number in mm")])
def test_to_magnitude_refuses_text_with_the_quantity_to_write(text, hint):
    message = refused(OpticsTypeError, to_magnitude, text, "mm", name="wavelength")
    assert "wavelength" in message and hint in message


def test_conversion_overflow_is_refused():
    # 1e308 km = 1e314 mm, beyond the largest float (about 1.8e308).
    message = refused(NonFiniteResultError, to_magnitude, 1e308 * ureg.km, "mm", name="f")
    assert "f:" in message


# ============================================================================ files


def _catalog_text(n, bad_last=None):
    parts = [f'[[lens]]\nname = "L{i}"\nf = "{50 + i % 100} mm"\nsource = "test"\n\n' for i in range(n)]
    if bad_last is not None:
        parts.append(f'[[lens]]\nname = "bad"\nf = "{bad_last}"\nsource = "test"\n')
    return "".join(parts)


@pytest.mark.parametrize(
    "data, words",
    [
        ("a = 1\n".encode("utf-16"), "UTF-16"),
        ("a = 1\n".encode("utf-16-le"), "UTF-16"),  # no byte-order mark
        ("a = 1\n".encode("utf-16-be"), "UTF-16"),
        ("a = 1\n".encode("utf-32"), "UTF-32"),
        ("a = 1\nname = 'café'\n".encode("latin-1"), "line 2"),
        (bytes(range(256)), "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"a = 1\n\xc3\x28\n", "line 2"),  # invalid two-byte sequence
        (b"a = '\xed\xa0\x80'", "UTF-8"),  # a UTF-16 surrogate written as UTF-8
    ],
)
def test_wrong_encodings_name_the_file(data, words):
    message = refused(DesignFileError, read_toml, data, "parts.toml")
    assert message.startswith("parts.toml") and words in message


def test_utf8_with_byte_order_mark_is_fine():
    assert read_toml("a = 'é'".encode("utf-8-sig"), "x.toml") == {"a": "é"}
    assert decode_text(b"a = 1", "x.toml") == "a = 1"


@HYPOTHESIS
@given(st.binary(max_size=400))
def test_any_bytes_are_read_or_refused(data):
    project_error_or_value(read_toml, data, "f.toml")


@HYPOTHESIS
@given(st.text(max_size=400))
def test_any_text_is_parsed_or_refused(text):
    project_error_or_value(read_toml, text, "f.toml")


TOML_PIECES = st.sampled_from(
    ["[", "]", "[[", "]]", "{", "}", "a", "b.c", " = ", "=", '"', "'", '"""', "\n", ",", "1", "nan", "inf",
     "1e400", "-0", "#", "x = 1\n", "[t]\n", "[[t]]\n", "\\", "\\u0000", "9" * 30]
)


@HYPOTHESIS
@given(st.lists(TOML_PIECES, max_size=60).map("".join))
def test_toml_like_text_is_parsed_or_refused(text):
    outcome, value = project_error_or_value(read_toml, text, "f.toml")
    if outcome == "ok":  # whatever got through holds no inf or nan
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, float):
                assert math.isfinite(item)


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[\n" * 5000 + "]\n" * 5000,  # arrays 5000 deep over many lines
        "a = " + "[" * 5000 + "]" * 5000,  # ... on one line
        "a = " + "{b = " * 5000 + "1" + "}" * 5000,  # inline tables
        "[" + ".".join(["t"] * 40) + "]\nx = 1\n",  # a table header 40 deep
        ".".join(["k"] * 2000) + " = 1\n",  # a dotted key 2000 deep
        "a = " + "[" * 17 + "]" * 17,  # just over the documented depth of 16
    ],
    ids=["arrays-lines", "arrays-line", "inline", "header", "dotted", "depth-17"],
)
def test_deep_nesting_is_refused_without_recursion_error(text):
    message = refused(DesignFileError, read_toml, text, "deep.toml")
    assert message.startswith("deep.toml")


def test_depth_sixteen_is_fine():
    assert read_toml("a = " + "[" * 15 + "]" * 15, "x.toml")


@pytest.mark.parametrize(
    "text, where",
    [
        ('x = 1\n[[lens]]\nname = "a"\nf = nan\n', "line 4"),
        ('x = 1\n[[lens]]\nname = "a"\nf = -inf\n', "line 4"),
        ("[t]\nn = " + "9" * 20 + "\n", "line 2"),  # beyond 2**53
        ("n = " + "9" * 5000 + "\n", "deep.toml"),  # beyond Python's 4300-digit limit
        ('s = """' + "x\n" * 6000 + '"""\n', "line 1"),  # a 12000-character text
        ("s = '" + "x" * 20000 + "'\n", "line 1"),  # a 20000-character line
    ],
    ids=["nan", "-inf", "int>2**53", "int-5000-digits", "long-text", "long-line"],
)
def test_unbounded_values_are_refused_with_the_place(text, where):
    message = refused(DesignFileError, read_toml, text, "deep.toml")
    assert message.startswith("deep.toml") and where in message


def test_nan_error_names_table_and_key():
    message = refused(DesignFileError, read_toml, '[[lens]]\nname = "a"\n[[lens]]\nf = nan\n', "p.toml")
    assert message.startswith("p.toml, line 4") and "[lens] #2" in message and "'f'" in message


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes((b"# " + b"x" * 80 + b"\n") * 60000)  # about 5 MB
    message = refused(DesignFileError, read_text_file, path, "design file")
    assert "huge.toml" in message and "bytes" in message


@pytest.mark.parametrize("kind", ["missing", "folder", "utf16", "nul-in-path"])
def test_unreadable_files_name_the_file(tmp_path, kind):
    path = {
        "missing": tmp_path / "none.toml",
        "folder": tmp_path,
        "utf16": tmp_path / "u16.toml",
        "nul-in-path": str(tmp_path / "a\x00b.toml"),
    }[kind]
    if kind == "utf16":
        path.write_text("a = 1", encoding="utf-16")
    message = refused(DesignFileError, read_text_file, path, "design file")
    assert "design file" in message or "UTF-16" in message


def test_line_index_matches_hand_counted_lines():
    text = (
        'name = "x"\n'  # 1
        "\n"  # 2
        "[[lens]]\n"  # 3
        'name = "a"\n'  # 4
        'f = "50 mm"\n'  # 5
        "[[lens]]  # second\n"  # 6
        'name = "b", \n'  # 7
        'opt = { f = "1 mm", g = 2 }\n'  # 8
        "[scan_lens]\n"  # 9
        'f = "3 mm"\n'  # 10
    )
    index = LineIndex(text)
    assert index.line(None, "name") == 1
    assert index.line("lens", "f", 0) == 5
    assert index.line("lens", "name", 1) == 7
    assert index.line("lens", "g", 1) == 8  # inside an inline table
    assert index.line("lens", "missing", 1) == 6  # the header when the key is absent
    assert index.line("scan_lens", "f") == 10
    assert index.line("nowhere", "f") is None
    assert key_line(text.splitlines(), "lens", "f", 0) == 5
    quoted = LineIndex('[t]\n"na" = 1\n\'f\' = 2\nx = { "y" = 3 }\n')
    assert (quoted.line("t", "na"), quoted.line("t", "f"), quoted.line("t", "y")) == (2, 3, 4)


def test_catalog_of_3000_parts_loads_in_time_and_names_the_last_line():
    # Each part is 5 lines; the bad part's 'f' is on line 5 * 3000 + 3.
    text = _catalog_text(3000, bad_last="1 m^9^9^9")
    message = refused(DesignFileError, Catalog.from_text, text, label="big.toml", budget=4.0)
    assert message.startswith(f"big.toml, line {5 * 3000 + 3}:") and "'f'" in message
    outcome, catalog = within(Catalog.from_text, _catalog_text(3000), label="big.toml", budget=4.0)
    assert outcome == "ok" and len(catalog.lenses) == 3000


@pytest.mark.parametrize("value", ISSUE_CASES[:5] + ["1e40 mm", "1 mm^2", "50 furlong/fortnight"])
def test_catalog_values_hostile(value):
    message = refused(DesignFileError, Catalog.from_text, _catalog_text(0, bad_last=value), label="p.toml")
    assert message.startswith("p.toml, line 3") and "'f'" in message


DEFAULT_TOML = Design.default().to_toml()


@pytest.mark.parametrize("value", ISSUE_CASES[:5] + ["1 m^2", "1e31 mm", "5 deg"])
def test_design_values_hostile(value):
    text = DEFAULT_TOML.replace('beam_diameter = "5.0 mm"', f"beam_diameter = {json.dumps(value)}")
    assert text != DEFAULT_TOML
    message = refused(DesignFileError, Design.from_toml, text, label="d.toml")
    assert message.startswith("d.toml, line") and "beam_diameter" in message


# ============================================================================ core inputs


@pytest.mark.parametrize(
    "items, words",
    [
        ("abc", "text"),
        (b"abc", "text"),
        (ThinLens(50), "single element"),
        (None, "NoneType"),
        (5, "int"),
        (2.5, "float"),
        ({"stop": ThinLens(5)}, "mapping"),
        ([ThinLens(5), 5], "item 1"),
        ([ThinLens(5), None], "item 1"),
        ([["stop"]], "item 0"),
    ],
    ids=repr,
)
def test_lens_train_items_are_checked(items, words):
    message = refused(OpticsTypeError, LensTrain, items)
    assert message.startswith("LensTrain") and words in message


def test_lens_train_from_a_train_keeps_its_planes():
    train = LensTrain(["a", ThinLens(5), "b"])
    assert LensTrain(train) == train


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.floats(),  # includes nan, inf, -0.0, 1e308
    st.complex_numbers(max_magnitude=10),
    st.lists(st.integers(), max_size=3),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1e-320, float("inf"), "50 mm", "f", object()]),
)


@HYPOTHESIS
@given(st.sampled_from([ThinLens, Space, ThickLens, TunableLens, Mirror]), JUNK)
def test_elements_take_junk_with_a_project_error(element, value):
    outcome, made = project_error_or_value(element, value)
    if outcome == "ok":  # what is accepted is a real, finite number
        assert not isinstance(value, (str, bool, list, complex, type(None)))


# ============================================================================ escaping

UNSAFE = ("Cc", "Cf", "Cs", "Zl", "Zp")


@HYPOTHESIS
@given(st.text(max_size=80))
def test_escaped_text_has_no_control_or_format_characters(text):
    escaped = escape_text(text)
    assert not any(unicodedata.category(c) in UNSAFE for c in escaped)
    if not any(unicodedata.category(c) in UNSAFE for c in text):
        assert escaped == text


@pytest.mark.parametrize(
    "text, shown",
    [
        ("a\nWarnings: none", "a\\nWarnings: none"),
        ("\x1b[2J", "\\x1b[2J"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override
        ("a\rb", "a\\rb"),
        ("tab\there", "tab\\there"),
        ("x\u2028y", "x\\u2028y"),  # line separator
        ("back\\slash\n", "back\\\\slash\\n"),  # escapes cannot be confused with text
    ],
)
def test_escape_text_cases(text, shown):
    assert escape_text(text) == shown


def test_escape_output_keeps_lines():
    assert escape_output("a\nb\x07") == "a\nb\\x07"


# ============================================================================ command line
from optics import cli  # noqa: E402


def run_cli(capsys, *argv, budget=BUDGET):
    outcome, code = within(cli.main, list(argv), budget=budget)
    if outcome == "raised":
        if isinstance(code, SystemExit):
            code = code.code
        else:
            raise code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code, err, *words):
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["search", "--top", "-5"], ["--top"]),
        (["search", "--top", "0"], ["--top"]),
        (["search", "--top", "1e3"], ["--top"]),
        (["search", "--top", "9" * 30], ["--top"]),
        (["search", "--min-fill", "nan"], ["--min-fill"]),
        (["search", "--min-fill", "inf"], ["--min-fill"]),
        (["search", "--min-fill", "-1"], ["--min-fill"]),
        (["search", "--min-fov", "0"], ["--min-fov"]),
        (["search", "--min-fov", "1e308"], ["--min-fov"]),
        (["search", "--max-length", "-nan"], ["--max-length"]),
        (["search", "--focal-lengths", "1e308"], ["--focal-lengths"]),
        (["search", "--focal-lengths", "0"], ["--focal-lengths"]),
        (["search", "--focal-lengths", "50", "abc"], ["--focal-lengths"]),
        (["search", "--focal-lengths", "5" * 100], ["--focal-lengths"]),
        (["search", "--roles", "scan_lens", "bogus"], ["--roles", "bogus", "scan_lens"]),
        (["search", "--roles", "scan\x1b[2Jlens"], ["--roles", "\\x1b"]),
        (["search", "--family", "AC999"], ["AC999", "families"]),  # a filter naming no catalog family
        (["search", "--min-fill", "2", "--max-fill", "1.5"], ["fill window"]),
        (["report", "--bogus"], ["--bogus"]),
        (["parts", "bogus"], ["bogus"]),
        (["nothing"], ["nothing"]),
        ([], ["command"]),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else None,
)
def test_bad_arguments_fail_in_one_line(capsys, argv, words):
    code, out, err = run_cli(capsys, *argv)
    one_line_error(code, err, *words)
    assert "\x1b" not in err


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the command gets as far as loading a design."""

    def forbidden(*args, **kwargs):
        raise AssertionError("did work before checking --out")

    monkeypatch.setattr(cli, "_load", forbidden)


@pytest.mark.parametrize(
    "case", ["file", "under-file", "empty", "blank", "cwd", "parent", "foreign-folder", "dir-in-way", "user-png"]
)
def test_bad_out_fails_before_any_work(capsys, tmp_path, monkeypatch, no_work, case):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "layout.png").mkdir()  # a folder where a figure goes
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.png").write_bytes(b"\x89PNG\r\n\x1a\n not ours")  # a user's picture
    out = {
        "file": "afile",
        "under-file": "afile/sub/dir",
        "empty": "",
        "blank": "  ",
        "cwd": ".",
        "parent": "..",
        "foreign-folder": "mine",
        "dir-in-way": "figs",
        "user-png": "photos",
    }[case]
    code, stdout, err = run_cli(capsys, "report", "--out", out)
    one_line_error(code, err, "--out")
    assert stdout == ""
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "photos" / "holiday.png").exists()


def _tiny_figures(design):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(1, 1))
    axes.plot([0, 1], [0, 1])
    return {"layout": figure}


def test_output_folder_is_replaced_as_a_whole(capsys, tmp_path, monkeypatch):
    import optics.plotting.report as plotting_report

    monkeypatch.setattr(plotting_report, "report_figures", _tiny_figures)
    out = tmp_path / "figs"
    out.mkdir()
    old = _tiny_figures(None)["layout"]
    old.savefig(out / "stale_figure_of_an_old_design.png")  # matplotlib marks its files
    old.savefig(out / "layout.svg", metadata={"Creator": "optics report", "Title": "old"})
    code, stdout, err = run_cli(capsys, "report", "--out", str(out), budget=30)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["layout.png", "layout.svg"]
    assert b"old" not in (out / "layout.svg").read_bytes()[:2000]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".optics-report")]  # no leftovers


def test_failed_swap_keeps_the_previous_folder(tmp_path, monkeypatch):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "a.png").write_bytes(b"previous")
    staging = cli._staging_dir(out)
    (staging / "a.png").write_bytes(b"new")
    real_replace = os.replace

    def failing(src, dst):
        if str(src) == str(staging):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(cli.os, "replace", failing)
    with pytest.raises(OSError):
        cli._swap_in(staging, out)
    assert (out / "a.png").read_bytes() == b"previous"


def _design_file(tmp_path, old, new, name="d.toml"):
    text = DEFAULT_TOML.replace(old, new)
    assert text != DEFAULT_TOML
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_name_with_newline_cannot_forge_report_lines(capsys, tmp_path):
    forged = "Evil\\nWarnings: none\\n\\u001b[8mhidden"
    path = _design_file(tmp_path, 'name = "Default two-photon design"', f'name = "{forged}"')
    code, out, err = run_cli(capsys, "report", str(path), "--no-figures", budget=30)
    assert code == 0, err
    assert "\x1b" not in out
    lines = out.splitlines()
    assert not any(line.startswith("Warnings: none") for line in lines)
    assert any("Evil\\nWarnings: none\\n\\x1b[8mhidden" in line for line in lines)


def test_part_name_with_escape_codes_is_escaped_in_the_error(capsys, tmp_path):
    path = _design_file(tmp_path, 'part = "Nikon CFI75 LWD 16X W"', 'part = "Nik\\u001b[31mon\\nWarnings: none"')
    code, out, err = run_cli(capsys, "report", str(path), "--no-figures", budget=30)
    one_line_error(code, err, "d.toml", "\\x1b[31m")
    assert "\x1b" not in err


@pytest.mark.parametrize(
    "content, words",
    [
        ("a = 1".encode("utf-16"), ["UTF-16"]),
        ("name = 'café'".encode("latin-1"), ["UTF-8", "line 1"]),
        (bytes(range(256)) * 4, ["binary"]),
        (("a = " + "[\n" * 5000 + "]\n" * 5000).encode(), ["nested"]),
        (DEFAULT_TOML.replace('beam_diameter = "5.0 mm"', 'beam_diameter = "1 m^9^9^9"').encode(), ["beam_diameter"]),
        (DEFAULT_TOML.replace('beam_diameter = "5.0 mm"', 'beam_diameter = "1e308 mm"').encode(), ["beam_diameter"]),
    ],
    ids=["utf16", "latin1", "binary", "deep", "power-tower", "1e308"],
)
def test_bad_design_files_at_the_command_line(capsys, tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, "report", str(path), "--no-figures")
    one_line_error(code, err, "bad.toml", *words)


@pytest.mark.parametrize("path", ["missing.toml", "."])
def test_unreadable_design_at_the_command_line(capsys, tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "report", path, "--no-figures")
    one_line_error(code, err, "cannot read the design file")


def test_json_refuses_nan_and_infinity():
    with pytest.raises(NonFiniteResultError, match=r"sections\.beam\[1\]"):
        cli._to_json({"sections": {"beam": [1.0, float("inf")]}})
    with pytest.raises(NonFiniteResultError):
        cli._to_json({"x": float("nan")})


def test_json_report_is_strict_json(capsys):
    code, out, err = run_cli(capsys, "report", "--json", "--no-figures", budget=30)
    assert code == 0

    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")

    json.loads(out, parse_constant=refuse)


@pytest.mark.parametrize(
    "error, code, words",
    [
        (KeyboardInterrupt(), 130, "interrupted"),
        (ZeroDivisionError("division by zero"), 1, "internal error"),
        (RecursionError("deep"), 1, "nested too deeply"),
        (UsageError("bad\nsecond line"), 2, "bad\\nsecond line"),
    ],
    ids=["ctrl-c", "bug", "recursion", "multiline-message"],
)
def test_failures_are_one_line(capsys, monkeypatch, error, code, words):
    def command(args):
        raise error

    monkeypatch.setattr(cli, "_cmd_parts", command)
    monkeypatch.delenv("OPTICS_DEBUG", raising=False)
    got, out, err = run_cli(capsys, "parts")
    assert got == code
    one_line_error(got, err, words)


def test_broken_pipe_in_process_is_quiet(capsys, monkeypatch):
    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    code = cli.main(["parts"])
    monkeypatch.undo()
    assert code == 141
    assert capsys.readouterr().err == ""


def test_closed_pipe_exits_quietly():
    # `optics parts | head -0`: the reader is gone before the first line.
    child = subprocess.Popen(
        [sys.executable, "-m", "optics", "parts"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    child.stdout.close()
    err = child.stderr.read()
    child.wait(timeout=60)
    assert child.returncode == 141 and err == b""


@pytest.mark.parametrize(
    "old, new",
    [
        ('first = { part = "Thorlabs AC508-075" }', 'first = { f = "1e29 mm" }'),
        ('first = { part = "Thorlabs AC508-075" }', 'first = { f = "1e-20 mm" }'),
        ('wavelength = "920.0 nm"', 'wavelength = "1 km"'),
        ('beam_diameter = "5.0 mm"', 'beam_diameter = "1e29 mm"'),
    ],
    ids=["relay-f-1e29", "relay-f-1e-20", "wavelength-1km", "beam-1e29"],
)
@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_extreme_designs_print_no_inf_or_nan(capsys, tmp_path, old, new, json_flag):
    # Either a clear one-line refusal, or a report in which every number is finite.
    path = _design_file(tmp_path, old, new)
    code, out, err = run_cli(capsys, "report", str(path), "--no-figures", *json_flag, budget=30)
    if code != 0:
        one_line_error(code, err, "optics: error")
        assert out == ""
        return
    words = out.replace(",", " ").replace('"', " ").split()
    assert not {"inf", "-inf", "nan", "NaN", "Infinity", "-Infinity"} & set(words)
    if json_flag:
        json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


def test_warnings_are_one_line_each(capsys, monkeypatch):
    import warnings

    def command(args):
        warnings.warn("first line\nsecond line", UserWarning)
        print("done")
        return 0

    monkeypatch.setattr(cli, "_cmd_parts", command)
    code, out, err = run_cli(capsys, "parts")
    assert code == 0 and out == "done\n"
    assert err == "optics: warning: first line\\nsecond line\n"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["report", "--out", "a" * 5000], ["--out", "unusable path"]),  # beyond NAME_MAX (255 on Linux)
        (["report", "--out", "a/" * 3000], ["--out"]),  # beyond PATH_MAX (4096 on Linux)
        (["report", "--out", "x\x00y"], ["--out", "NUL"]),
        (["report", "b" * 5000 + ".toml", "--no-figures"], ["design file"]),
        (["report", "\udcff\udcfe.toml", "--no-figures"], ["\\udcff", "design file"]),  # undecodable argv bytes
        (["report", "a\x00b.toml", "--no-figures"], ["design file"]),
    ],
    ids=["out-name-5000", "out-path-6000", "out-nul", "design-5000", "design-surrogates", "design-nul"],
)
def test_hostile_paths_fail_in_one_short_line(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    one_line_error(code, err, *words)
    assert code == 2 and len(err) < 2100
    assert not any(unicodedata.category(c) in UNSAFE for c in err.strip())


def test_json_has_no_raw_control_or_format_characters():
    # json.dumps(ensure_ascii=False) leaves DEL, C1 controls (0x9b = CSI), bidi overrides,
    # separators and lone surrogates raw; the command line writes them as \uXXXX escapes.
    data = {"name": "a\x7fb\x9bc\u202ed\u2028e\udcff\x1b[2J\\ µm\nend"}
    text = cli._to_json(data)
    assert json.loads(text) == data
    body = text.replace("\n", "")
    assert not any(unicodedata.category(c) in UNSAFE for c in body)
    assert "µm" in text  # printable non-ASCII text stays readable


ARG_VOCABULARY = st.sampled_from(
    ["--top", "--min-fill", "--min-fov", "--max-length", "--focal-lengths", "--roles", "--quiet", "--json",
     "--out", "--no-figures", "-5", "0", "nan", "inf", "-inf", "1e308", "1e-308", "0.9", "50", "abc", "",
     "scan_lens", "tube_lens", "bogus", "\x1b[2J", "a\nb", "\udcff", "-", "--", "missing.toml"]
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],  # capsys is read each time
)
@given(st.sampled_from(["search", "parts", "report"]), st.lists(ARG_VOCABULARY, max_size=6))
def test_random_arguments_end_in_success_or_one_line(capsys, command, rest):
    argv = [command, *rest]
    if command == "search":  # keep any search that passes the checks tiny
        argv += ["--roles", "scan_lens", "--focal-lengths", "50", "100", "--quiet"]
    if command == "report":
        argv += ["--no-figures"]
    code, out, err = run_cli(capsys, *argv, budget=10)
    if code == 0:
        assert "\x1b" not in out
    else:
        one_line_error(code, err)
        assert code == 2, err
        assert "\x1b" not in err


# ------------------------------------------------------------------ mutated design and part files
VALUE_LINES = [i for i, line in enumerate(DEFAULT_TOML.splitlines()) if "=" in line and not line.lstrip().startswith("#")]
HOSTILE_VALUES = st.sampled_from(
    ['"0 mm"', '"-1 mm"', '"1e29 mm"', '"1e-29 mm"', '"1 deg"', '"1e6 deg"', '"-26 deg"', '"0 Hz"', '"1 m^9^9^9"',
     '"nan"', "0", "-1", "10000000000", "1e300", "nan", "inf", '"x"', '""', '"\\u001b[2J"', "true", "[]", "{}",
     '"1 km"', '"-920 nm"', '"0 dpt"', '"9007199254740993"', '"Nik\\non"', "[[1]]", '{ f = "1 m" }']
)


def _mutate(line_number, value):
    lines = DEFAULT_TOML.splitlines()
    key, _, old = lines[line_number].partition("=")
    if "{" in old:  # change the first value inside an inline table
        head, _, tail = old.partition("=")
        old = head + "= " + value + " }"
    else:
        old = " " + value
    lines[line_number] = key + "=" + old
    return "\n".join(lines) + "\n"


@HYPOTHESIS
@given(st.sampled_from(VALUE_LINES), HOSTILE_VALUES)
def test_mutated_designs_load_or_fail_with_a_project_error(line_number, value):
    project_error_or_value(Design.from_toml, _mutate(line_number, value), label="d.toml")


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],  # tmp files overwritten
)
@given(st.sampled_from(VALUE_LINES), HOSTILE_VALUES)
def test_mutated_designs_at_the_command_line(capsys, tmp_path, line_number, value):
    path = tmp_path / "d.toml"
    path.write_text(_mutate(line_number, value), encoding="utf-8")
    code, out, err = run_cli(capsys, "report", str(path), "--no-figures", "--json", budget=20)
    if code == 0:
        json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    else:
        one_line_error(code, err, "optics: error")
        assert code == 2 and "\x1b" not in err


PART = '[[lens]]\nname = "L1"\nf = "50 mm"\naperture = "25.4 mm"\nsource = "maker page"\nsources = { f = "maker" }\n'


@HYPOTHESIS
@given(st.integers(min_value=1, max_value=5), HOSTILE_VALUES)
def test_mutated_part_files_load_or_fail_with_the_line(line_number, value):
    lines = PART.splitlines()
    key = lines[line_number].partition("=")[0]
    lines[line_number] = key + "= " + value
    outcome, err = project_error_or_value(Catalog.from_text, "\n".join(lines), label="p.toml")
    if outcome == "raised":
        assert str(err).startswith("p.toml")


# ------------------------------------------------------------------ follow-ups in the design and report
@pytest.mark.parametrize("old, new, key", [
    ('wavelength = "920.0 nm"', 'wavelength = "1 km"', "wavelength"),
    ('beam_at = "resonant"', 'beam_at = "nowhere"', "beam_at"),
    ("n_pixels = 512", "n_pixels = 10000000", "n_pixels"),
    ('rep_rate = "80.0 MHz"', 'rep_rate = "0 Hz"', "rep_rate"),
    ('beam_diameter = "5.0 mm"', 'beam_diameter = "1e29 mm"', "beam_diameter"),
])
def test_implausible_design_values_name_line_and_key(old, new, key):
    text = DEFAULT_TOML.replace(old, new)
    assert text != DEFAULT_TOML
    message = refused(DesignFileError, Design.from_toml, text, label="d.toml")
    assert message.startswith("d.toml, line") and f"'{key}'" in message


def test_utf16_design_file_is_one_clear_error(tmp_path):
    from optics.design import load_design

    path = tmp_path / "d.toml"
    path.write_bytes(DEFAULT_TOML.encode("utf-16"))
    message = refused(DesignFileError, load_design, path)
    assert "d.toml" in message


def test_report_text_escapes_forged_names():
    forged = DEFAULT_TOML.replace('name = "Default two-photon design"', 'name = "x\\nWarnings\\n  none"')
    from optics.report import design_report

    text = design_report(Design.from_toml(forged)).to_text()
    assert text.count("\nWarnings\n") == 1


def test_resolution_refuses_wavelength_text():
    from optics.errors import OpticsTypeError
    from optics.microscope.resolution import two_photon_lateral_fwhm

    assert "ureg.nm" in refused(OpticsTypeError, two_photon_lateral_fwhm, 0.8, "920 nm")



def test_gaussian_beam_refuses_an_implausible_wavelength():
    from optics.core.beams import GaussianBeam
    from optics.errors import InvalidParameterError

    assert "ureg.nm" in refused(InvalidParameterError, GaussianBeam, 1e308, 1)
    assert "ureg.nm" in refused(InvalidParameterError, GaussianBeam, 920, 1)  # 920 read as mm
