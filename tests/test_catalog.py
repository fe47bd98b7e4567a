"""Tests of the part catalog (optics.catalog) and its packaged data files."""

import math
import re
import textwrap

import pytest

from optics.catalog import KINDS, Catalog, CatalogEntry, get_part
from optics.errors import DesignFileError, OpticsError, PartNotFoundError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart

CAT = Catalog.default()


def mm(q):
    return q.to("mm").magnitude


# --------------------------------------------------------------------------- packaged data


def test_each_kind_loads():
    assert len(CAT.objectives) >= 12
    assert all(isinstance(p, Objective) for p in CAT.objectives)
    assert all(isinstance(p, Lens) for p in CAT.lenses)
    assert all(isinstance(p, Scanner) for p in CAT.scanners)
    assert all(isinstance(p, TunableLensPart) for p in CAT.etls)
    assert {p.kind for p in CAT.lenses} >= {"scan", "tube", "achromat"}
    assert {p.kind for p in CAT.scanners} == {"resonant", "galvo"}
    assert len(CAT.etls) >= 2
    assert len(CAT) == len(CAT.names()) == sum(len(CAT.names(k)) for k in KINDS)


def test_objective_makers_cover_the_issue():
    makers = {p.maker.lower() for p in CAT.objectives}
    assert makers >= {"nikon", "olympus", "zeiss", "leica", "thorlabs"}
    # the water-dipping two-photon set of the issue: 16x/0.8, 20x/1.0, 25x/1.05, 40x/0.8
    wanted = {(16, 0.8), (20, 1.0), (25, 1.05), (40, 0.8)}
    water = {(p.magnification, p.na) for p in CAT.objectives if p.immersion_index > 1.3}
    assert wanted <= water


def test_every_packaged_part_has_a_source_and_flags():
    for entry in CAT.entries:
        assert isinstance(entry, CatalogEntry)
        assert entry.source.strip(), entry.name
        assert entry.part.source == entry.source
        assert entry.file.startswith("optics/catalog/data/")
        assert isinstance(entry.line, int) and entry.line > 0
        for key, record in entry.provenance.items():
            assert record["source"].strip(), (entry.name, key)
            assert isinstance(record["verified"], bool)
            # nothing is verified in a part marked unverified
            if not entry.verified and not _partly_verified(entry):
                assert not record["verified"], (entry.name, key)


def _partly_verified(entry):
    return any(r["verified"] for r in entry.provenance.values())


def test_packaged_lines_point_at_the_name():
    text = (CAT.entries[0].file, CAT.entries[0].line)
    from importlib import resources

    for entry in CAT.entries:
        filename = entry.file.split("/")[-1]
        lines = resources.files("optics.catalog").joinpath("data", filename).read_text().splitlines()
        assert entry.name in lines[entry.line - 1], (entry.name, text)


# Maker numbers (cited) checked against the catalog ---------------------------


def test_nikon_16x_values():
    # Thorlabs water-dipping objective page (N16XLWD-PF): 0.8 NA, 3.0 mm WD.
    # EFL = 200 mm (Nikon tube lens) / 16 = 12.5 mm; back aperture 2*NA*EFL = 20 mm,
    # the "around 20 mm" of the reference post (gcamp6f.com, 2022).
    obj = CAT.objective("Nikon CFI75 LWD 16X W")
    assert obj.na == 0.8
    assert mm(obj.working_distance) == pytest.approx(3.0)
    assert mm(obj.efl) == pytest.approx(12.5)
    assert mm(obj.back_aperture) == pytest.approx(20.0)
    assert CAT.entry("N16XLWD-PF").verified


def test_olympus_objectives_use_180_mm():
    # parts.md / reference post: Olympus tube lens 180 mm. XLUMPlanFLN 20x/1.0: EFL 9 mm, BA 18 mm;
    # XLPLN25XWMP2 25x/1.05: EFL 7.2 mm, BA ~15.1 mm; LUMPlanFL N 40x/0.8: EFL 4.5 mm, BA 7.2 mm.
    expected = {
        "Olympus XLUMPlanFLN 20XW": (9.0, 18.0),
        "Olympus XLPLN25XWMP2": (7.2, 15.12),
        "Olympus LUMPlanFL N 40XW": (4.5, 7.2),
    }
    for name, (efl, ba) in expected.items():
        obj = CAT.objective(name)
        assert mm(obj.efl) == pytest.approx(efl)
        assert mm(obj.back_aperture) == pytest.approx(ba)


def test_zeiss_uses_165_mm():
    # Zeiss tube-lens standard 165 mm: 20x -> EFL 8.25 mm, BA 2*1.0*8.25 = 16.5 mm.
    obj = CAT.objective("zeiss w plan-apochromat 20x/1.0")
    assert mm(obj.efl) == pytest.approx(8.25)
    assert mm(obj.back_aperture) == pytest.approx(16.5)


def test_thorlabs_water_objectives():
    # Thorlabs water-dipping page: N25X-APO-MP 1.1 NA 2.0 mm WD; N20X-PFH 1.0 NA 2.0 mm WD;
    # TL20X-MPL 0.6 NA 5.5 mm WD.  TL10X-2P page: 200 mm tube lens -> EFL 20 mm.
    assert CAT.objective("N25X-APO-MP").na == 1.1
    assert mm(CAT.objective("N20X-PFH").working_distance) == pytest.approx(2.0)
    assert mm(CAT.objective("TL20X-MPL").working_distance) == pytest.approx(5.5)
    assert mm(CAT.objective("TL10X-2P").efl) == pytest.approx(20.0)
    assert CAT.provenance("TL10X-2P")["na"]["verified"] is False


def test_achromat_stock_focal_lengths_and_apertures():
    # Thorlabs mounted achromats page: AC254-030 f = 30.0 mm, AC508-300 f = 300.0 mm,
    # clear aperture 90 % of the lens diameter (25.4 mm / 50.8 mm).
    assert mm(CAT.lens("AC254-030").f) == pytest.approx(30.0)
    assert mm(CAT.lens("AC508-300").f) == pytest.approx(300.0)
    assert mm(CAT.lens("AC254-030").aperture) == pytest.approx(0.9 * 25.4)
    assert mm(CAT.lens("AC508-300").aperture) == pytest.approx(0.9 * 50.8)
    one_inch = sorted(round(mm(p.f)) for p in CAT.lenses if p.name.startswith("Thorlabs AC254"))
    two_inch = sorted(round(mm(p.f)) for p in CAT.lenses if p.name.startswith("Thorlabs AC508"))
    assert {50, 75, 100, 150, 200, 250, 300} <= set(one_inch)
    assert {75, 100, 150, 200, 300, 500} <= set(two_inch)
    # the focal length is the number in the part name
    for p in CAT.lenses:
        match = re.search(r"AC(254|508)-(\d{3,4})$", p.name)
        if match:
            assert mm(p.f) == int(match.group(2))


def test_scan_and_tube_lenses():
    # parts.md: SL50-2P2 50 mm, LSM03 39 mm, LSM04 54 mm, TTL200MP 200 mm (all flagged unverified)
    assert mm(CAT.lens("SL50-2P2").f) == 50
    assert mm(CAT.lens("LSM03").f) == 39
    assert mm(CAT.lens("LSM04").f) == 54
    assert mm(CAT.lens("TTL200MP").f) == 200
    assert CAT.lens("TTL200MP").kind == "tube"
    assert not CAT.entry("SL50-2P2").verified


def test_scanner_and_etl_values():
    # reference post: resonant scanner ~5 mm usable aperture, 26 deg optical scan angle
    res = CAT.scanner("CRS 8 kHz")
    assert mm(res.aperture) == 5
    assert res.optical_angle.to("deg").magnitude == pytest.approx(26)
    assert res.mechanical_angle.to("deg").magnitude == pytest.approx(13)
    assert res.frequency.to("Hz").magnitude == pytest.approx(8000)
    galvo = CAT.scanner("6215H")
    assert galvo.kind == "galvo"
    assert galvo.optical_angle.to("deg").magnitude == pytest.approx(2 * galvo.mechanical_angle.to("deg").magnitude)
    # parts.md: EL-16-40-TC 16 mm, -10..+10 dpt; EL-10-30 10 mm
    etl = CAT.etl("EL-16-40-TC")
    assert mm(etl.aperture) == 16
    assert (etl.power_min.magnitude, etl.power_max.magnitude) == (-10, 10)
    assert mm(CAT.etl("EL-10-30").aperture) == 10


# --------------------------------------------------------------------------- look-up


def test_lookup_ignores_case_and_whitespace():
    a = CAT.objective("Nikon CFI75 LWD 16X W")
    assert CAT.objective("  nikon   cfi75 lwd 16x w ") is a
    assert CAT.objective("NIKONCFI75LWD16XW") is a
    assert CAT.get("n16xlwd-pf") is a
    assert get_part("Nikon CFI75 LWD 16X W") is a
    assert "nikon cfi75 lwd 16x w" in CAT
    assert 42 not in CAT


def test_unknown_part_lists_close_matches():
    with pytest.raises(PartNotFoundError) as info:
        CAT.objective("Nikon CFI75 LWD 16 W")
    message = str(info.value)
    assert "'Nikon CFI75 LWD 16 W'" in message
    assert "close matches" in message and "Nikon CFI75 LWD 16X W" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, OpticsError)
    with pytest.raises(PartNotFoundError, match="AC254-050"):
        CAT.lens("AC254-050-B")


def test_unknown_part_without_match():
    with pytest.raises(PartNotFoundError, match=r"no close match.*names\('scanner'\)"):
        CAT.scanner("zzzzqqqq")


def test_wrong_kind_is_named():
    with pytest.raises(PartNotFoundError, match="is a lens .* not a objective"):
        CAT.objective("TTL200MP")
    with pytest.raises(PartNotFoundError, match="unknown part kind"):
        CAT.names("mirror")


def test_provenance_of_derived_values():
    p = CAT.provenance("Nikon CFI75 LWD 16X W")
    assert p["back_aperture"]["source"] == "derived: 2 * na * efl"
    assert p["efl"]["source"] == "derived: tube_lens_f / magnification"
    assert mm(p["back_aperture"]["value"]) == pytest.approx(2 * 0.8 * 12.5)
    assert p["na"]["verified"] and p["working_distance"]["verified"]
    # an unverified part: every value unverified
    q = CAT.provenance("Zeiss W Plan-Apochromat 20x/1.0")
    assert not any(r["verified"] for r in q.values())
    # a lens aperture with its own source
    assert CAT.provenance("AC254-030")["aperture"]["source"].startswith("derived: 0.9 * 25.4 mm")


def test_catalog_is_immutable():
    with pytest.raises(AttributeError):
        CAT.entries = ()
    assert Catalog.default() is CAT


# --------------------------------------------------------------------------- user files

USER = """
[[objective]]
name = "My 20x/0.5 air"
aliases = ["lab 20x"]
maker = "Nikon"
magnification = 20
na = 0.5
source = "lab notebook p. 12"
verified = true
unverified = ["na"]

[[scanner]]
name = "My galvo"
kind = "galvo"
aperture = "10 mm"
optical_angle = "30 deg"
source = "datasheet rev B"
"""


def write(tmp_path, text, name="parts.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_user_file_round_trip(tmp_path):
    path = write(tmp_path, USER)
    cat = CAT.with_file(path)
    obj = cat.objective("LAB 20X")
    # EFL 200 mm / 20 = 10 mm; back aperture 2 * 0.5 * 10 mm = 10 mm
    assert mm(obj.efl) == pytest.approx(10.0)
    assert mm(obj.back_aperture) == pytest.approx(10.0)
    assert obj.verified is False  # 'na' is listed as unverified
    assert cat.provenance("My 20x/0.5 air")["magnification"]["verified"] is True
    assert cat.provenance("My 20x/0.5 air")["na"]["source"] == "lab notebook p. 12"
    assert cat.scanner("my galvo").mechanical_angle.to("deg").magnitude == pytest.approx(15)
    assert len(cat) == len(CAT) + 2
    assert cat.entry("my galvo").file == str(path)
    # the default catalog is unchanged
    assert "My galvo" not in CAT
    only = Catalog.from_file(path)
    assert only.names() == ("My 20x/0.5 air", "My galvo")


def test_user_part_may_not_shadow_a_builtin(tmp_path):
    path = write(
        tmp_path,
        """
        [[lens]]
        name = "ttl200mp"
        f = "180 mm"
        kind = "tube"
        source = "mine"
        """,
    )
    with pytest.raises(DesignFileError, match=r"parts\.toml, line 3: lens name 'ttl200mp' is already used"):
        CAT.with_file(path)
    replaced = CAT.with_file(path, replace=True)
    assert mm(replaced.lens("TTL200MP").f) == 180
    assert len(replaced) == len(CAT)


def test_missing_user_file(tmp_path):
    with pytest.raises(DesignFileError, match="cannot read"):
        Catalog.from_file(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- malformed files


def bad(tmp_path, text):
    path = write(tmp_path, text, "bad.toml")
    with pytest.raises(DesignFileError) as info:
        Catalog.from_file(path)
    return str(info.value)


def test_unknown_key(tmp_path):
    msg = bad(
        tmp_path,
        """
        [[lens]]
        name = "L1"
        f = "50 mm"
        focal = "50 mm"
        source = "x"
        """,
    )
    assert "bad.toml, line 5" in msg and "lens 'L1'" in msg and "key 'focal'" in msg


def test_wrong_unit_for_aperture(tmp_path):
    msg = bad(
        tmp_path,
        """
        [[scanner]]
        name = "S1"
        aperture = "5 deg"
        optical_angle = "20 deg"
        source = "x"
        """,
    )
    assert "line 4" in msg and "scanner 'S1'" in msg and "key 'aperture'" in msg and "wrong unit" in msg


def test_missing_unit(tmp_path):
    msg = bad(tmp_path, '[[lens]]\nname = "L2"\nf = "50"\nsource = "x"\n')
    assert "line 3" in msg and "key 'f'" in msg and "no unit" in msg
    msg = bad(tmp_path, '[[lens]]\nname = "L2"\nf = 50\nsource = "x"\n')
    assert "key 'f'" in msg and "'<number> <unit>'" in msg


def test_na_above_immersion_index(tmp_path):
    msg = bad(
        tmp_path,
        """
        [[objective]]
        name = "O1"
        maker = "Nikon"
        magnification = 40
        na = 1.2
        immersion_index = 1.0
        source = "x"
        """,
    )
    assert "objective 'O1'" in msg and "key 'na'" in msg and "1.2" in msg and "line 6" in msg


def test_negative_aperture_and_non_positive_focal_length(tmp_path):
    msg = bad(tmp_path, '[[etl]]\nname = "E1"\naperture = "-10 mm"\npower_min = "-1 dpt"\npower_max = "1 dpt"\nsource = "x"\n')
    assert "etl 'E1'" in msg and "key 'aperture'" in msg and "positive" in msg and "line 3" in msg
    msg = bad(tmp_path, '[[lens]]\nname = "L3"\nf = "0 mm"\nsource = "x"\n')
    assert "lens 'L3'" in msg and "key 'f'" in msg and "positive" in msg


def test_scan_angle_of_180_deg(tmp_path):
    msg = bad(tmp_path, '[[scanner]]\nname = "S2"\naperture = "5 mm"\nmechanical_angle = "90 deg"\nsource = "x"\n')
    assert "scanner 'S2'" in msg and "key 'mechanical_angle'" in msg and "180" in msg


def test_etl_power_range_order(tmp_path):
    msg = bad(tmp_path, '[[etl]]\nname = "E2"\naperture = "10 mm"\npower_min = "2 dpt"\npower_max = "-2 dpt"\nsource = "x"\n')
    assert "etl 'E2'" in msg and "power_max" in msg


def test_missing_fields_and_bad_tables(tmp_path):
    assert "missing" in bad(tmp_path, '[[objective]]\nname = "O2"\nna = 0.5\nsource = "x"\n')
    assert "key 'source'" in bad(tmp_path, '[[lens]]\nname = "L4"\nf = "50 mm"\n')
    assert "name" in bad(tmp_path, '[[lens]]\nf = "50 mm"\nsource = "x"\n')
    assert "did you mean [[objective]]" in bad(tmp_path, '[[objectve]]\nname = "O"\n')
    assert "not valid TOML" in bad(tmp_path, "[[lens]\nname = \n")
    assert "kind" in bad(tmp_path, '[[lens]]\nname = "L5"\nf = "50 mm"\nkind = "mirror"\nsource = "x"\n')
    assert "unverified" in bad(tmp_path, '[[lens]]\nname = "L6"\nf = "50 mm"\nsource = "x"\nunverified = ["focal"]\n')
    assert "verified" in bad(tmp_path, '[[lens]]\nname = "L7"\nf = "50 mm"\nsource = "x"\nverified = "yes"\n')


def test_duplicate_names_in_one_file(tmp_path):
    msg = bad(
        tmp_path,
        """
        [[lens]]
        name = "Twin"
        f = "50 mm"
        source = "x"

        [[lens]]
        name = "twin"
        f = "60 mm"
        source = "x"
        """,
    )
    assert "line 8" in msg and "already used" in msg


def test_nan_is_rejected(tmp_path):
    msg = bad(tmp_path, '[[objective]]\nname = "O3"\nmagnification = nan\nna = 0.5\nmaker = "Nikon"\nsource = "x"\n')
    assert "key 'magnification'" in msg
    assert not math.isnan(CAT.objectives[0].na)


def test_docs_source_table_matches_the_data():
    # docs/catalog.md lists each packaged part (achromats grouped) with its verified status
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"
    rows = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[1] in KINDS:
            rows[cells[0]] = cells[2]
    listed = [e for e in CAT.entries if not re.search(r"AC(254|508)-\d+$", e.name)]
    for entry in listed:
        status = "yes" if entry.verified else ("partly" if _partly_verified(entry) else "no")
        assert rows.get(entry.name) == status, entry.name
