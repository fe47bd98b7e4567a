"""The command line: report (text, JSON, figures), search with progress, parts."""

import json
import pathlib
import subprocess
import sys

import pytest

from optics.cli import main


def test_report_text(capsys, tmp_path):
    assert main(["report", "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "Default two-photon design" in out
    assert "beam diameter at back aperture" in out and "20 mm" in out


def test_report_json(capsys):
    assert main(["report", "--json", "--no-figures"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"]["beam.fill_ratio"]["value"] == pytest.approx(1.0)


def test_report_writes_png_and_svg(capsys, tmp_path):
    out = tmp_path / "figs"
    assert main(["report", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names and all(n.endswith((".png", ".svg")) for n in names)
    stems = {n.rsplit(".", 1)[0] for n in names}
    assert all(f"{s}.png" in names and f"{s}.svg" in names for s in stems)
    assert (out / names[0]).stat().st_size > 1000


def test_bad_design_writes_nothing(capsys, tmp_path):
    design = tmp_path / "bad.toml"
    from optics.design import Design

    design.write_text(Design.default().to_toml().replace('beam_diameter = "5.0 mm"', 'beam_diameter = "5 deg"'))
    out = tmp_path / "figs"
    assert main(["report", str(design), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "beam_diameter" in err
    assert not out.exists()


def test_search_shows_progress(capsys):
    code = main(["search", "--roles", "scan_lens", "tube_lens", "--focal-lengths", "50", "75", "100", "200", "300",
                 "--min-fill", "0.9", "--top", "3"])
    assert code == 0
    captured = capsys.readouterr()
    assert "lens sets" in captured.err
    assert "feasible" in captured.out


def test_search_default_design_prints_part_numbers(capsys):
    # every stock achromat for every role of the default design: seconds, not minutes (issue 13)
    import time

    start = time.perf_counter()
    assert main(["search", "--top", "3", "--quiet"]) == 0
    assert time.perf_counter() - start < 30
    out = capsys.readouterr().out
    assert "Thorlabs AC" in out and "Ø50.8 mm" in out and "excluded by the pruning" in out
    assert "Pareto front over" in out and "n_alternatives" in out


def test_search_json_validates_against_the_shipped_schema(capsys):
    import jsonschema

    from optics.cli import search_json_schema

    assert main(["search", "--json", "--top", "4", "--roles", "relay1_1", "relay1_2", "--diameter", "50.8"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, search_json_schema())
    assert data["schema_version"] == 1 and data["candidates"] == {"relay1_1": 11, "relay1_2": 11}
    assert data["n_evaluated"] == 11 * 11 == data["n_checked"] + data["n_pruned"]
    first = data["table"][0]["lenses"]["relay1_1"]
    assert first["part"].startswith("Thorlabs AC508") and first["diameter"] == {"value": 50.8, "unit": "mm"}
    assert first["clear_aperture"]["value"] == pytest.approx(0.9 * 50.8)  # the catalog's 90 % of the diameter
    assert data["table"][0]["metrics"]["fov_resonant"]["unit"] == "mm"
    assert data["limits"]["etl_fill"] == {"value": 0.85, "unit": ""}
    # a number given as text or a missing key fails the schema
    broken = json.loads(json.dumps(data))
    broken["table"][0]["metrics"]["length"]["value"] = "1 m"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, search_json_schema())
    del broken["n_pruned"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, search_json_schema())


def test_search_plot_writes_the_front(capsys, tmp_path):
    figure = tmp_path / "front.png"
    assert main(["search", "--roles", "relay1_1", "relay1_2", "--quiet", "--plot", str(figure)]) == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Pareto front" in capsys.readouterr().out


def test_search_reads_the_design_search_table(capsys, tmp_path):
    from optics.design import Design

    text = Design.default().to_toml() + (
        '\n[search]\nroles = ["relay1_1", "relay1_2"]\nfamilies = ["AC508"]\nmin_fill = 0.9\n'
        'max_fill = 1.1\nmax_length = "1200 mm"\n')
    design = tmp_path / "d.toml"
    design.write_text(text, encoding="utf-8")
    assert main(["search", str(design), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["candidates"] == {"relay1_1": 11, "relay1_2": 11}
    assert data["limits"]["min_fill"]["value"] == 0.9 and data["limits"]["max_length"]["value"] == 1200
    assert all(0.9 - 1e-12 <= row["metrics"]["fill"]["value"] <= 1.1 + 1e-12 for row in data["table"])
    # the command line wins over the design file
    assert main(["search", str(design), "--json", "--max-fill", "1.0"]) == 0
    assert json.loads(capsys.readouterr().out)["limits"]["max_fill"]["value"] == 1.0


def test_parts_listing(capsys):
    assert main(["parts", "objective"]) == 0
    assert "Nikon CFI75 LWD 16X W" in capsys.readouterr().out


def test_console_entry_point_module():
    out = subprocess.run([sys.executable, "-m", "optics", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "optics" in out.stdout


def test_readme_report_excerpt_is_real_output(capsys):
    # Every line of the report excerpt shown in the README appears in the actual report.
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"<!-- report-excerpt -->\n```\n(.*?)```", readme, re.S).group(1)
    assert main(["report", "--no-figures"]) == 0
    out = capsys.readouterr().out
    for line in block.strip().splitlines():
        assert line in out, line


def test_report_json_validates_against_the_shipped_schema(capsys, tmp_path):
    import jsonschema

    from optics.report import JSON_UNITS, json_schema

    assert main(["report", "--json", "--out", str(tmp_path / "figs")]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, json_schema())
    assert data["schema_version"] == 1
    # one unit per kind: every length in mm (the z range 1041 um is 1.041 mm), every frequency in Hz
    z = data["values"]["remote_focus.z_range"]
    assert z["unit"] == "mm" and z["value"] == pytest.approx(2 * 1.333 * 12.5**2 * 10 / 1000 / 4)  # post, n f_o^2 P/M^2
    assert data["values"]["scanning.line_rate"]["unit"] == "Hz"
    assert data["values"]["remote_focus.power_max"]["value"] == pytest.approx(10)
    assert set(JSON_UNITS.values()) >= {"mm", "Hz"}
    # a value of the wrong unit or a missing key fails the schema
    broken = dict(data, values={"beam.fill_ratio": {"value": "one"}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema())


def test_unchanged_figures_keep_their_png_and_changed_ones_are_drawn_again(tmp_path, capsys, monkeypatch):
    # issue 15, "only what changed": a figure whose SVG equals the one an earlier report wrote
    # into --out keeps that report's PNG; a changed design draws its PNGs again.
    import matplotlib.figure

    out = tmp_path / "figs"
    assert main(["report", "--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {n for n in first if n.endswith(".png")} and {n for n in first if n.endswith(".svg")}

    drawn = []
    save = matplotlib.figure.Figure.savefig

    def counting(self, fname, *args, **kwargs):
        drawn.append(kwargs.get("format") or str(fname).rsplit(".", 1)[-1])
        return save(self, fname, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", counting)
    assert main(["report", "--out", str(out)]) == 0
    assert "png" not in drawn and drawn.count("svg") == len(first) // 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # the same files, byte for byte

    # a 3 mm input beam instead of the default's: the beam envelope changes, so PNGs are drawn again
    text = (pathlib.Path(main.__globals__["__file__"]).parent / "designs" / "default.toml").read_text()
    changed = tmp_path / "changed.toml"
    lines = [("beam_diameter = \"3 mm\"" if line.startswith("beam_diameter") else line) for line in text.splitlines()]
    assert lines != text.splitlines()
    changed.write_text("\n".join(lines) + "\n")
    drawn.clear()
    assert main(["report", str(changed), "--out", str(out)]) == 0
    assert "png" in drawn
    assert (out / "layout.png").read_bytes() != first["layout.png"]
    capsys.readouterr()


def test_search_min_fov_in_micrometres_by_mistake_is_refused(capsys):
    # review: --min-fov 1500 (a field in um) silently gave 0 feasible sets; the value is in mm
    with pytest.raises(SystemExit) as stop:
        main(["search", "--min-fov", "1500"])
    assert stop.value.code == 2
    assert "a field of 1500 um is 1.5" in capsys.readouterr().err


def test_top_level_help_lists_the_search_roles(capsys):
    # issue 16: "optics --help does not list the lens roles the search takes"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for role in ("etl_relay_1", "etl_relay_2", "relayK_1", "relayK_2", "scan_lens", "tube_lens"):
        assert role in out, role
