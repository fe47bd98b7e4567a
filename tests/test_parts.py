"""Part classes: one schema per kind, range rules in one place, derived values that follow
their inputs, provenance; the schema shared by design files and `optics parts`."""

import json
import math
import textwrap
import time

import pytest

from optics import ureg, validate
from optics.catalog import Catalog
from optics.cli import main
from optics.design import Design
from optics.errors import DesignFileError, InvalidParameterError, OpticsError
from optics.microscope import parts as parts_module
from optics.microscope.parts import (
    FieldSpec,
    Lens,
    Objective,
    Scanner,
    TunableLensPart,
    ValueSource,
    part_kinds,
    part_schema,
)

CAT = Catalog.default()


def mm(q):
    return q.to("mm").magnitude


# --------------------------------------------------------------------------- the schema


def test_every_kind_declares_its_fields():
    for kind, cls in part_kinds().items():
        schema = part_schema(cls)
        assert schema, kind
        for key, spec in schema.items():
            assert isinstance(spec, FieldSpec) and spec.name == key
            assert spec.unit in ("mm", "rad", "Hz", "dpt", "number", "text"), (kind, key)
            assert spec.doc and len(spec.doc) > 5, (kind, key)
            assert all(i in schema for i in spec.inputs), (kind, key)
            assert not (spec.required and spec.derived), (kind, key)
    assert [k for k, s in part_schema(Objective).items() if s.required] == ["magnification", "na"]
    assert part_schema(Lens)["f"].required
    assert part_schema(TunableLensPart)["power_min"].signed
    assert not part_schema(Lens)["aperture"].signed
    assert part_schema(Scanner)["frequency"].shown_unit == "kHz"
    with pytest.raises(OpticsError):
        part_schema(dict)


def test_schema_geometry_fields_of_issue_11():
    assert {"bfl", "ffl", "center_thickness", "edge_thickness", "mechanical_length", "diameter"} <= set(
        part_schema(Lens))
    assert {"parfocal_length", "working_distance", "field_number"} <= set(part_schema(Objective))
    # unknown geometry is None, not guessed
    lens = Lens("plain", f=100)
    assert lens.bfl is None and lens.aperture is None and "bfl" in lens.missing


# --------------------------------------------------------------------------- range rules


def test_range_rules_live_in_validate():
    assert validate.na_within_index(1.0, 1.333, "o") == 1.0
    with pytest.raises(InvalidParameterError, match="NA 1.4 exceeds the immersion index 1.333"):
        validate.na_within_index(1.4, 1.333, "o")
    with pytest.raises(InvalidParameterError, match="exceeds"):  # arrays: the first offender is named
        validate.na_within_index([0.5, 1.2], [1.0, 1.0], "o")
    with pytest.raises(InvalidParameterError, match="must be >= 1"):
        validate.refractive_index(0.99, "n")
    with pytest.raises(InvalidParameterError, match="below 180 deg"):
        validate.scan_angle(math.pi, "scanner")
    assert validate.scan_angle(math.radians(179), "scanner") == pytest.approx(math.radians(179))
    with pytest.raises(InvalidParameterError, match="power_min 3 dpt must be below power_max 3 dpt"):
        validate.power_range(3, 3, "ETL")
    with pytest.raises(InvalidParameterError, match="positive"):
        validate.positive(-1.0, "mm", "f")
    with pytest.raises(InvalidParameterError):
        validate.positive(float("nan"), "mm", "f")


def test_na_rule_runs_once_per_objective(monkeypatch):
    calls = []
    real = validate.na_within_index

    def counting(na, n, name):
        calls.append((na, n))
        return real(na, n, name)

    monkeypatch.setattr(parts_module.validate, "na_within_index", counting)
    Objective("o", magnification=20, na=0.5, maker="Nikon")
    assert len(calls) == 1
    calls.clear()
    Catalog.from_text('[[objective]]\nname = "x"\nmagnification = 20\nna = 0.5\nmaker = "Nikon"\nsource = "y"\n')
    assert len(calls) == 1  # the reader does not check NA <= n a second time


def test_errors_carry_the_key():
    with pytest.raises(InvalidParameterError) as info:
        Objective("o", magnification=20, na=1.2, maker="Nikon")
    assert info.value.key == "na"
    with pytest.raises(InvalidParameterError) as info:
        Scanner("s", aperture=5, optical_angle=200 * ureg.deg)
    assert info.value.key == "optical_angle"
    with pytest.raises(InvalidParameterError) as info:
        Scanner("s", aperture=5, optical_angle=20 * ureg.deg, mechanical_angle=10 * ureg.deg)
    assert "only one" in str(info.value)
    with pytest.raises(OpticsError) as info:
        Lens("l", f=-5)
    assert info.value.key == "f"
    with pytest.raises(InvalidParameterError, match="kind must be one of"):
        Lens("l", f=5, kind="mirror")


# --------------------------------------------------------------------------- derived values


def test_derived_values_follow_their_inputs():
    # Nikon 16x/0.8 W: EFL 200/16 = 12.5 mm.  NA 0.5 -> back aperture 2 * 0.5 * 12.5 = 12.5 mm
    # (issue 11: "it is 12.5 mm").  Magnification 20 -> EFL 10 mm, BA 2 * 0.8 * 10 = 16 mm.
    nikon = CAT.objective("Nikon 16x/0.8 W")
    assert mm(nikon.replace(na=0.5).back_aperture) == pytest.approx(12.5)
    changed = nikon.replace(magnification=20)
    assert (mm(changed.efl), mm(changed.back_aperture)) == pytest.approx((10.0, 16.0))
    # another tube-lens standard: Olympus 180 mm -> EFL 11.25 mm, BA 18 mm
    olympus = nikon.replace(maker="Olympus")
    assert (mm(olympus.tube_lens_f), mm(olympus.efl), mm(olympus.back_aperture)) == pytest.approx(
        (180.0, 11.25, 18.0))
    # an explicit tube lens: 165 mm / 16 = 10.3125 mm
    assert mm(nikon.replace(tube_lens_f=165).efl) == pytest.approx(10.3125)
    # the catalog part itself is unchanged
    assert mm(nikon.back_aperture) == 20


def test_a_measured_value_wins_over_its_formula():
    obj = Objective("measured", magnification=16, na=0.8, maker="Nikon", back_aperture=19.0,
                    sources={"back_aperture": ValueSource("measured", "bench, 2026-01-10")})
    assert mm(obj.back_aperture) == 19.0
    assert mm(obj.replace(na=0.5).back_aperture) == 19.0
    assert obj.provenance["back_aperture"] == ValueSource("measured", "bench, 2026-01-10")


def test_replacing_one_scan_angle_rederives_the_other():
    galvo = Scanner("g", aperture=10, mechanical_angle=20 * ureg.deg, kind="galvo")
    # optical = 2 x mechanical: 30 deg optical -> 15 deg mechanical
    assert galvo.replace(optical_angle=30 * ureg.deg).mechanical_angle.to("deg").magnitude == pytest.approx(15)
    with pytest.raises(InvalidParameterError, match="unknown value"):
        galvo.replace(angle=3)


# --------------------------------------------------------------------------- provenance


def test_provenance_and_verified():
    seller = ValueSource("seller", "Thorlabs page: '0.8 NA'")
    obj = Objective("o", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333,
                    sources={"magnification": seller, "na": seller, "maker": seller, "immersion_index": seller})
    prov = obj.provenance
    # tube_lens_f from the Nikon convention (maker text), efl and back aperture derived from confirmed inputs
    assert prov["tube_lens_f"].tier == "maker"
    assert prov["efl"].formula == "tube_lens_f / magnification"
    assert obj.verified and obj.confirmed("back_aperture")
    # one secondary input: the values derived from it are no longer confirmed
    weaker = obj.replace(na=0.8, sources={"na": ValueSource("secondary", "a paper")})
    assert not weaker.verified and not weaker.confirmed("back_aperture") and weaker.confirmed("efl")
    # a value given in code without a source
    assert Lens("relay", f=75).provenance["f"].tier == "unstated"
    with pytest.raises(InvalidParameterError, match="not a value given"):
        Lens("relay", f=75, sources={"bfl": seller})


# --------------------------------------------------------------------------- design files use the schema

DESIGN = textwrap.dedent("""\
    name = "override test"
    beam_diameter = "5 mm"

    [objective]
    part = "Nikon CFI75 LWD 16X W"
    na = 0.5
    working_distance = "2.5 mm"

    [[scanners]]
    part = "CRS 8 kHz"
    frequency = "7910 Hz"

    [scan_lens]
    f = "50 mm"
    kind = "scan"
    aperture = "20 mm"

    [tube_lens]
    part = "TTL200MP"
""")


def test_design_override_rederives_and_records_the_source():
    design = Design.from_toml(DESIGN, label="d.toml")
    parts = design.parts()
    obj = parts["objective"]
    # issue 11: NA 0.5 on the Nikon 16x gives a 12.5 mm back aperture (2 * 0.5 * 200/16)
    assert mm(obj.back_aperture) == pytest.approx(12.5)
    assert mm(obj.working_distance) == 2.5
    assert obj.provenance["na"] == ValueSource("design", "d.toml, line 6: [objective] na")
    assert obj.provenance["magnification"].tier == "seller"  # untouched values keep the catalog's source
    # keys design files could not set before (issue 10 item 5): working_distance, lens kind, Hz
    assert parts["scan_lens"].kind == "scan" and mm(parts["scan_lens"].aperture) == 20
    assert parts["scanners"][0].frequency.to("Hz").magnitude == pytest.approx(7910)
    # and the file writes back to an equal design
    assert Design.from_toml(design.to_toml()) == design


def test_design_override_error_names_line_and_key():
    text = DESIGN.replace("na = 0.5", "na = 1.5")
    with pytest.raises(DesignFileError) as info:
        Design.from_toml(text, label="d.toml").parts()
    message = str(info.value)
    assert "d.toml, line 6" in message and "key 'na'" in message and "exceeds the immersion index" in message


def test_design_parts_file_overrides_a_catalog_part(tmp_path):
    (tmp_path / "mine.toml").write_text(
        '[[lens]]\nname = "TTL200MP"\nkind = "tube"\nf = "180 mm"\n'
        'source = { tier = "measured", ref = "bench" }\n', encoding="utf-8")
    path = tmp_path / "d.toml"
    path.write_text('parts_file = "mine.toml"\n' + DESIGN, encoding="utf-8")
    from optics.design import load_design

    assert mm(load_design(path).parts()["tube_lens"].f) == 180


# --------------------------------------------------------------------------- the command line


def test_parts_verbose_lists_at_least_20_objectives(capsys):
    assert main(["parts", "-v", "--kind", "objective"]) == 0
    out = capsys.readouterr().out
    names = [line for line in out.splitlines() if line.startswith("  ") and not line.startswith("    ")]
    assert len(names) >= 20
    # values with units and their tier
    assert "back_aperture     20 mm          derived    2 * na * efl" in out
    assert "na                0.8            seller" in out



def test_parts_without_v_lists_the_main_values_of_each_kind(capsys):
    # Not names alone: a table per kind.  Nikon 16x/0.8 W: EFL 200 mm / 16 = 12.5 mm, back aperture
    # 2 x 0.8 x 12.5 = 20 mm (Abbe sine condition); Thorlabs AC254-100-B: f = 100 mm, clear aperture
    # 90 % of its 25.4 mm diameter (Thorlabs); the CRS 8 kHz resonant: 26 deg optical, 8 kHz.
    assert main(["parts"]) == 0
    out = capsys.readouterr().out
    parts = [line for line in out.splitlines() if line.startswith("  ") and not line.startswith("  name ")]

    def row(name):
        line = next(line for line in out.splitlines() if line.startswith(f"  {name}  "))
        return " ".join(line[len(name) + 2:].split())

    assert row("Nikon CFI75 LWD 16X W") == "16 0.8 1.333 12.5 mm 20 mm 3 mm not verified"
    assert row("Thorlabs AC254-100-B") == "achromat 100 mm 22.86 mm not verified"
    assert row("Cambridge Technology CRS 8 kHz") == "resonant 5 mm 26 deg 8 kHz not verified"
    headers = [line.split() for line in out.splitlines() if line.startswith("  name ")]
    assert headers == [["name", "magnification", "na", "immersion_index", "efl", "back_aperture",
                        "working_distance", "data"], ["name", "kind", "f", "aperture", "data"],
                       ["name", "kind", "aperture", "optical_angle", "frequency", "data"],
                       ["name", "aperture", "power_min", "power_max", "data"]]
    assert len(parts) > 60

def test_parts_filter_and_json(capsys):
    assert main(["parts", "ac254-100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert [d["name"] for d in data["parts"]] == ["Thorlabs AC254-100-B"]
    values = data["parts"][0]["values"]
    # DCC-Lab/RayTracing AC254_100_B: fb = 97.1 mm
    assert (values["bfl"]["value"], values["bfl"]["unit"]) == (97.1, "mm")
    assert values["bfl"]["source"]["tier"] == "secondary"
    assert values["ffl"] is None
    assert main(["parts", "no-such-part"]) == 2  # one line on stderr, like every failure


def test_parts_option_adds_a_lab_file(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('[[scanner]]\nname = "Lab galvo"\nkind = "galvo"\naperture = "7 mm"\n'
                    'optical_angle = "30 deg"\nsource = { tier = "maker", ref = "datasheet" }\n', encoding="utf-8")
    assert main(["parts", "lab galvo", "-v", "--parts", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "Lab galvo  [verified]" in out and "mechanical_angle  15 deg" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[[lens]]\nname = "x"\nf = "5 deg"\nsource = "y"\n', encoding="utf-8")
    assert main(["parts", "--parts", str(bad)]) == 2
    assert "bad.toml, line 3" in capsys.readouterr().err


# --------------------------------------------------------------------------- loading speed


def _parts_text(n):
    return "\n".join(
        f'[[lens]]\nname = "L{i}"\nkind = "achromat"\nf = "{50 + i % 100} mm"\naperture = "22.86 mm"\n'
        f'source = {{ tier = "measured", ref = "bench {i}" }}\n' for i in range(n))


def _best_time(text, repeat=3):
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        Catalog.from_text(text)
        best = min(best, time.perf_counter() - start)
    return best


def test_loading_is_linear_and_fast():
    # About 0.6 s for 5000 parts on an idle machine (0.1 ms per value); the bounds leave
    # room for a loaded test machine, and a quadratic reader (25x for 5x the parts) fails both.
    Catalog.from_text(_parts_text(10))  # warm the unit caches
    # Interleaved rounds (best of 5 each), so a burst of load from other jobs hits both sizes alike.
    texts = {n: _parts_text(n) for n in (1000, 5000)}
    small = large = math.inf
    for _ in range(5):
        small = min(small, _best_time(texts[1000], repeat=1))
        large = min(large, _best_time(texts[5000], repeat=1))
    assert large < 2.0, f"5000 parts took {large:.2f} s"
    assert large / small < 8, f"1000 parts {small:.3f} s, 5000 parts {large:.3f} s: not linear"


def test_search_draws_on_every_achromat_by_part_number(capsys):
    # issue 12: "the search can draw on every achromat in the catalog by part number"
    n_achromats = sum(1 for p in CAT.lenses if p.kind == "achromat")
    assert n_achromats == 27  # 16 AC254-xxx-B + 11 AC508-xxx-B
    assert main(["search", "--by-part", "--roles", "relay1_1", "relay1_2", "--quiet", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert f"relay1_1 {n_achromats}, relay1_2 {n_achromats}; {n_achromats ** 2:,} lens sets" in out
    assert "Thorlabs AC508-075-B" in out


def test_na_rule_accepts_symbols():
    import sympy

    na, n = sympy.symbols("NA n", positive=True)
    assert validate.na_within_index(na, n, "o") is na  # undecidable: accepted
    with pytest.raises(InvalidParameterError, match="exceeds"):
        validate.na_within_index(n + 1, n, "o")  # NA = n + 1 > n for every n


def test_report_takes_a_parts_file(tmp_path, capsys):
    # a lab's own tube lens replaces the catalog's TTL200MP in the default design, which
    # names it "Thorlabs TTL200MP": the replacement answers to the old part's names
    mine = tmp_path / "mine.toml"
    mine.write_text('[[lens]]\nname = "TTL200MP"\nkind = "tube"\nf = "300 mm"\n'
                    'source = { tier = "measured", ref = "bench" }\n', encoding="utf-8")
    from optics.cli import _load

    design = _load(None, [str(mine)])
    assert mm(design.parts()["tube_lens"].f) == 300
    assert design.parts()["tube_lens"].provenance["f"] == ValueSource("measured", "bench")
    assert main(["report", "--no-figures", "--parts", str(mine)]) == 0
    assert "TTL200MP" in capsys.readouterr().out


def test_parts_json_validates_against_the_shipped_schema(capsys):
    import jsonschema

    from optics.units import json_schema

    assert main(["parts", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, json_schema("parts"))
    by_name = {p["name"]: p for p in data["parts"]}
    # one unit per kind: the CRS 8 kHz resonant scanner's frequency in Hz, its angle in deg (maker: 26 deg optical)
    crs = next(p for p in data["parts"] if "CRS 8 kHz" in p["aliases"] or p["name"].endswith("CRS 8 kHz"))
    assert (crs["values"]["frequency"]["value"], crs["values"]["frequency"]["unit"]) == (8000.0, "Hz")
    assert crs["values"]["optical_angle"]["unit"] == "deg"
    # the Nikon 16x/0.8 W: back aperture 2 NA f = 2 * 0.8 * 200/16 = 20 mm, a number beside its unit
    nikon = by_name["Nikon CFI75 LWD 16X W"]["values"]["back_aperture"]
    assert (nikon["value"], nikon["unit"]) == (pytest.approx(20.0), "mm")
    # a value given as text (a string where a number belongs) breaks the schema
    broken = json.loads(json.dumps(data))
    broken["parts"][0]["values"]["na"] = {"value": {"value": 0.8}, "source": {"tier": "maker", "ref": "x"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema("parts"))
