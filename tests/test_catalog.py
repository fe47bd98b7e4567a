"""Tests of the part catalog (optics.catalog) and its packaged data files."""

import math
import re
import textwrap

import pytest

from optics.catalog import FILE_TIERS, KINDS, Catalog, CatalogEntry, ValueSource, get_part
from optics.errors import DesignFileError, OpticsError, PartNotFoundError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart, part_schema

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
    # the water-dipping two-photon set of the issue: 16x/0.8, 20x/1.0, 25x/1.05, 25x/1.1, 40x/0.8
    wanted = {(16, 0.8), (20, 1.0), (25, 1.05), (25, 1.1), (40, 0.8)}
    water = {(p.magnification, p.na) for p in CAT.objectives if p.immersion_index > 1.3}
    assert wanted <= water
    # issue 12: at least 20 objectives used for two-photon imaging
    assert len(CAT.objectives) >= 20


def test_every_packaged_value_has_a_source_and_a_tier():
    # issue 12, "Done when": every value in the shipped files has a source and a tier.
    for entry in CAT.entries:
        assert isinstance(entry, CatalogEntry)
        assert entry.file.startswith("optics/catalog/data/")
        assert isinstance(entry.line, int) and entry.line > 0
        schema = part_schema(type(entry.part))
        for key in entry.part.given:
            src = entry.provenance[key]
            assert isinstance(src, ValueSource)
            assert src.tier in FILE_TIERS, (entry.name, key, src.tier)
            assert len(src.ref) > 10, (entry.name, key)
            assert (src.tier == "derived") == bool(src.formula), (entry.name, key)
        for key, src in entry.provenance.items():
            if key not in entry.part.given:  # derived by the part class, or its maker's standard
                assert schema[key].derived or src.tier == "default", (entry.name, key)
        # a value is either known (with a source) or unknown (None); missing ones say why
        for key in entry.missing:
            assert getattr(entry.part, key) is None


def test_verified_is_computed_from_the_tiers():
    # True only if maker or seller text confirms every value (derived: every input).
    for entry in CAT.entries:
        tiers = entry.tiers()
        plain = [t for k, t in tiers.items() if t not in ("derived", "default")]
        if entry.verified:
            assert all(t in ("maker", "seller") for t in plain), entry.name
        elif plain and all(t in ("maker", "seller") for t in plain):
            pytest.fail(f"{entry.name}: every given value is maker/seller text but not verified")
    # Thorlabs' own GVS011 page gives aperture and angle: verified
    assert CAT.entry("GVS011").verified
    # the Nikon 16x: its maker rests on a secondary source, so not verified as a whole
    nikon = CAT.entry("N16XLWD-PF")
    assert nikon.provenance["na"].tier == "seller" and not nikon.verified
    assert nikon.part.confirmed("na") and not nikon.part.confirmed("maker")


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
    # the "around 20 mm" of the reference post (gcamp6f.com, 2022) and navigate's
    # objectives.py ("focal_length": 12.5, "entrance_pupil": 20, "parfocal_length": 75).
    obj = CAT.objective("Nikon CFI75 LWD 16X W")
    assert obj.na == 0.8
    assert mm(obj.working_distance) == pytest.approx(3.0)
    assert mm(obj.efl) == pytest.approx(12.5)
    assert mm(obj.back_aperture) == pytest.approx(20.0)
    assert mm(obj.parfocal_length) == pytest.approx(75)
    assert obj.field_number is None  # not found: unknown, not guessed
    assert "field_number" in CAT.entry("N16XLWD-PF").missing


# Corrections of the audit's "differs" rows (../shared/reference/catalog-audit.md, section 2) ---


def test_n20x_pfh_is_the_olympus_xlumplfln_20xw():
    # "N20X-PFH - 20X Olympus XLUMPLFLN Objective, 1.00 NA, 2.0 mm WD" with
    # "f_tubelens = 180e-3" (public MATLAB script) and "the Olympus 20x objective
    # (thorlabs N20X-PFH)" (vbormuth/OLU): Olympus, 180 mm standard, so
    # EFL = 180 mm / 20 = 9.0 mm and back aperture 2 * 1.0 * 9.0 = 18 mm
    # (the script's "objective_pupil = 18e-3").  Not Nikon, 10 mm, 20 mm.
    obj = CAT.objective("N20X-PFH")
    assert obj.maker == "Olympus"
    assert mm(obj.tube_lens_f) == pytest.approx(180)
    assert mm(obj.efl) == pytest.approx(9.0)
    assert mm(obj.back_aperture) == pytest.approx(18.0)
    # one entry, not two: the former "Nikon N20X-PFH" name is an alias of the Olympus
    assert CAT.objective("Nikon N20X-PFH") is obj is CAT.objective("Olympus XLUMPlanFLN 20XW")
    assert sum(1 for p in CAT.objectives if p.magnification == 20 and p.na == 1.0 and p.maker == "Olympus") == 1
    # and it is not flagged verified: its maker rests on secondary sources
    assert not CAT.entry("N20X-PFH").verified
    assert CAT.entry("N20X-PFH").provenance["maker"].tier == "secondary"


def test_lsm03_bb_is_36_mm_and_39_mm_is_the_lsm03_vis():
    # "LSM03/LSM03-BB (36 mm EFL, 4 mm entrance pupil ...) and LSM03-VIS (39 mm EFL ...)"
    # (public design note); OCT configuration "[LSM02 LSM03 LSM04]" = "[18 36 54]".
    assert mm(CAT.lens("LSM03-BB").f) == 36
    assert mm(CAT.lens("LSM03").f) == 36
    assert mm(CAT.lens("LSM03-VIS").f) == 39
    assert mm(CAT.lens("LSM02").f) == 18
    assert mm(CAT.lens("LSM04").f) == 54


def test_not_found_rows_are_not_maker_tier():
    # audit "not found" rows: re-tiered as secondary (no maker or seller text)
    for name, key in [("CRS 8 kHz", "aperture"), ("CRS 8 kHz", "optical_angle"),
                      ("EL-16-40-TC", "power_min"), ("EL-16-40-TC", "aperture"), ("EL-10-30", "power_max"),
                      ("Zeiss W Plan-Apochromat 40x/1.0", "na"), ("Nikon 40x/0.8 W", "immersion_index"),
                      ("SL50-2P2", "f")]:
        assert CAT.entry(name).provenance[key].tier == "secondary", (name, key)
        assert not CAT.entry(name).verified


def test_olympus_objectives_use_180_mm():
    # Olympus tube lens 180 mm. XLUMPLFLN 20x/1.0: EFL 9 mm, BA 18 mm;
    # XLPLN25XWMP2 25x/1.05: EFL 7.2 mm, BA 15.12 mm; LUMPlanFL N 40x/0.8: EFL 4.5 mm, BA 7.2 mm.
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
    # navigate's docs: "TL15X-2P, EFL = 13.3 mm" (200 mm / 15)
    assert mm(CAT.objective("TL15X-2P").efl) == pytest.approx(13.33, abs=0.01)
    assert CAT.provenance("TL10X-2P")["na"].tier == "secondary"


def test_achromat_stock_focal_lengths_and_apertures():
    # Thorlabs mounted achromats page: AC254-030 f = 30.0 mm, AC508-300 f = 300.0 mm,
    # clear aperture 90 % of the lens diameter (25.4 mm / 50.8 mm).
    assert mm(CAT.lens("AC254-030").f) == pytest.approx(30.0)
    assert mm(CAT.lens("AC508-300").f) == pytest.approx(300.0)
    assert mm(CAT.lens("AC254-030").aperture) == pytest.approx(0.9 * 25.4)
    assert mm(CAT.lens("AC508-300").aperture) == pytest.approx(0.9 * 50.8)
    # every stock -B focal length (Thorlabs AC254-xxx-B / AC508-xxx-B, as transcribed in
    # DCC-Lab/RayTracing raytracing/thorlabs.py)
    one_inch = {p.name.split("-")[1] for p in CAT.lenses if p.name.startswith("Thorlabs AC254")}
    two_inch = {p.name.split("-")[1] for p in CAT.lenses if p.name.startswith("Thorlabs AC508")}
    assert one_inch == {"030", "035", "040", "045", "050", "060", "075", "080", "100", "125", "150", "200",
                        "250", "300", "400", "500"}
    assert two_inch == {"075", "080", "100", "150", "200", "250", "300", "400", "500", "750", "1000"}
    for p in CAT.lenses:
        match = re.search(r"AC(254|508)-(\d{3,4})-B$", p.name)
        if match:
            # the focal length is the part number's within Thorlabs' +-1 % tolerance
            assert mm(p.f) == pytest.approx(int(match.group(2)), rel=0.01)
            assert mm(p.diameter) == {"254": 25.4, "508": 50.8}[match.group(1)]
            for key in ("aperture", "bfl", "center_thickness", "edge_thickness"):
                assert getattr(p, key) is not None, (p.name, key)


def test_achromat_geometry_from_the_transcription():
    # DCC-Lab/RayTracing raytracing/thorlabs.py, class AC254_100_B:
    # fa=100.0, fb=97.1, tc1=4.0, tc2=1.5, te=4.0, diameter=25.4
    lens = CAT.lens("AC254-100-B")
    assert (mm(lens.f), mm(lens.bfl), mm(lens.center_thickness), mm(lens.edge_thickness)) == pytest.approx(
        (100.0, 97.1, 5.5, 4.0))
    # class AC508_075_B: fa=75.0, fb=65.7, tc1=12.0, tc2=5.0
    lens = CAT.lens("AC508-075-B")
    assert (mm(lens.bfl), mm(lens.center_thickness)) == pytest.approx((65.7, 17.0))
    assert CAT.provenance("AC508-075-B")["center_thickness"].formula == "tc1 + tc2"


def test_scan_and_tube_lenses():
    # SL50-2P2 50 mm (part number), LSM04 54 mm, TTL200MP 200 mm (public presets)
    assert mm(CAT.lens("SL50-2P2").f) == 50
    assert mm(CAT.lens("TTL200MP").f) == 200
    assert CAT.lens("TTL200MP").kind == "tube"
    for name in ("SL50-CLS2", "TL200-CLS2", "TL200-2P2", "TTL200-A", "LSM05-BB", "LSM54-1050"):
        assert name in CAT
    assert not CAT.entry("SL50-2P2").verified
    assert CAT.lens("SL50-2P2").aperture is None  # clear aperture not found: unknown


def test_scanner_and_etl_values():
    # reference post: resonant scanner ~5 mm usable aperture, 26 deg optical scan angle
    res = CAT.scanner("CRS 8 kHz")
    assert mm(res.aperture) == 5
    assert res.optical_angle.to("deg").magnitude == pytest.approx(26)
    assert res.mechanical_angle.to("deg").magnitude == pytest.approx(13)
    assert res.frequency.to("Hz").magnitude == pytest.approx(8000)
    galvo = CAT.scanner("6215H")
    assert galvo.kind == "galvo"
    # no source gives the 6215H's maximum angle: unknown rather than guessed
    assert galvo.optical_angle is None and "optical_angle" in CAT.entry("6215H").missing
    # parts.md: EL-16-40-TC 16 mm, -10..+10 dpt; EL-10-30 10 mm
    etl = CAT.etl("EL-16-40-TC")
    assert mm(etl.aperture) == 16
    assert (etl.power_min.magnitude, etl.power_max.magnitude) == (-10, 10)
    assert mm(CAT.etl("EL-10-30").aperture) == 10
    # EL-10-30 variants without offset lens (public code comment): -TC 8.33-20 dpt, -C 5-10 dpt
    assert (CAT.etl("EL-10-30-TC").power_min.magnitude, CAT.etl("EL-10-30-TC").power_max.magnitude) == (8.33, 20)
    assert (CAT.etl("EL-10-30-C").power_min.magnitude, CAT.etl("EL-10-30-C").power_max.magnitude) == (5, 10)
    # CRS 12 kHz: '+-5 deg optical' (public preset); its mirror aperture was not found: unknown
    crs12 = CAT.scanner("CRS 12 kHz")
    assert crs12.optical_angle.to("deg").magnitude == pytest.approx(10) and crs12.aperture is None
    assert "aperture" in CAT.entry("CRS 12 kHz").missing
    # Thorlabs GVS011 page: 'Beam Diameter 10 mm (Max)', 'Max Mechanical Scan Angle +-20.0 deg'
    gvs = CAT.scanner("GVS011")
    assert mm(gvs.aperture) == 10 and gvs.mechanical_angle.to("deg").magnitude == pytest.approx(40)


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
        CAT.lens("AC254-050-A")


def test_unknown_part_without_match():
    with pytest.raises(PartNotFoundError, match=r"no close match.*names\('scanner'\)"):
        CAT.scanner("zzzzqqqq")


def test_wrong_kind_is_named():
    with pytest.raises(PartNotFoundError, match="is a lens .* not an objective"):
        CAT.objective("TTL200MP")
    with pytest.raises(PartNotFoundError, match="unknown part kind"):
        CAT.names("mirror")


def test_provenance_of_derived_values():
    p = CAT.provenance("Nikon CFI75 LWD 16X W")
    assert (p["back_aperture"].tier, p["back_aperture"].formula) == ("derived", "2 * na * efl")
    assert (p["efl"].tier, p["efl"].formula) == ("derived", "tube_lens_f / magnification")
    # the tube-lens standard carries the source of the maker's convention (Nikon: maker text)
    assert p["tube_lens_f"].tier == "maker" and "200" in p["tube_lens_f"].ref
    assert p["na"].tier == "seller" and "0.8 NA" in p["na"].ref
    assert CAT.provenance("AC254-030")["aperture"].formula == "0.9 * diameter"


def test_entry_rows_and_json():
    rows = {key: (value, tier) for key, value, tier, _ in CAT.entry("N16XLWD-PF").rows()}
    assert rows["back_aperture"] == ("20 mm", "derived")
    assert rows["field_number"] == ("unknown", "-")
    data = CAT.entry("CRS 8 kHz").as_dict()
    # one unit per kind in JSON: angles in deg, frequencies in Hz (the file says "8 kHz")
    assert (data["values"]["optical_angle"]["value"], data["values"]["optical_angle"]["unit"]) == (26.0, "deg")
    assert (data["values"]["frequency"]["value"], data["values"]["frequency"]["unit"]) == (8000.0, "Hz")
    assert data["values"]["mechanical_angle"]["source"]["formula"] == "optical_angle / 2"


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
source = { tier = "measured", ref = "lab notebook p. 12" }
[objective.sources]
maker = { tier = "maker", ref = "engraving" }
magnification = { tier = "maker", ref = "engraving" }

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
    assert obj.verified is False  # 'na' is measured, not maker text
    prov = cat.provenance("My 20x/0.5 air")
    assert prov["magnification"] == ValueSource("maker", "engraving")
    assert prov["na"] == ValueSource("measured", "lab notebook p. 12")
    # plain-text sources (0.1 files) are kept with tier "unstated"
    assert cat.provenance("my galvo")["aperture"] == ValueSource("unstated", "datasheet rev B")
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
    assert "key 'f'" in bad(tmp_path, '[[lens]]\nname = "L4"\nf = "50 mm"\n')  # no source
    assert "name" in bad(tmp_path, '[[lens]]\nf = "50 mm"\nsource = "x"\n')
    assert "did you mean [[objective]]" in bad(tmp_path, '[[objectve]]\nname = "O"\n')
    assert "not valid TOML" in bad(tmp_path, "[[lens]\nname = \n")
    assert "kind" in bad(tmp_path, '[[lens]]\nname = "L5"\nf = "50 mm"\nkind = "mirror"\nsource = "x"\n')
    assert "computed" in bad(tmp_path, '[[lens]]\nname = "L7"\nf = "50 mm"\nsource = "x"\nverified = true\n')
    assert "tier must be one of" in bad(
        tmp_path, '[[lens]]\nname = "L8"\nf = "50 mm"\nsource = { tier = "rumour", ref = "x" }\n')
    assert "formula" in bad(tmp_path, '[[lens]]\nname = "L9"\nf = "50 mm"\nsource = { tier = "derived", ref = "x" }\n')


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


def test_docs_parts_page_is_generated_from_the_data():
    # docs/parts.md is generated from the data files: regenerate it with
    # `python -m optics.catalog.docpage docs/parts.md` when a data file changes.
    from pathlib import Path

    from optics.catalog.docpage import catalog_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "parts.md"
    assert doc.read_text(encoding="utf-8") == catalog_markdown(), "docs/parts.md is out of date"
    text = doc.read_text(encoding="utf-8")
    for entry in CAT.entries:
        assert f"### {entry.name}\n" in text
