"""Lenses from prescriptions: ThickLens.from_prescription, optics.core.chromatic, the catalog reader."""

import math

import numpy as np
import pytest
import sympy

from optics import LensTrain, Space, ThickLens
from optics.catalog.prescriptions import prescription, prescription_names, read_prescriptions
from optics.core.chromatic import Prescription, efl_per_wavelength, focal_shift
from optics.errors import DesignFileError, InvalidParameterError, PartNotFoundError
from optics.units import ureg

nm = ureg.nm


def paraxial_trace(radii, thicknesses, indices):
    """Independent y-nu paraxial ray trace (Smith, Modern Optical Engineering, ch. 3).

    A ray parallel to the axis at height 1: at each surface n'u' = nu - y (n' - n)/R,
    then y += u' t.  Returns (EFL, BFL) = (-1/u_last, -y_last/u_last).
    """
    media = [1.0] + list(indices) + [1.0]
    y, nu = 1.0, 0.0
    for i, R in enumerate(radii):
        power = 0.0 if math.isinf(R) else (media[i + 1] - media[i]) / R
        nu = nu - y * power
        if i < len(thicknesses):
            y = y + nu / media[i + 1] * thicknesses[i]
    u = nu / media[-1]
    return -1.0 / u, -y / u


def test_thick_singlet_matches_the_lensmaker_equation():
    # 1/f = (n-1) [1/R1 - 1/R2 + (n-1) t / (n R1 R2)]  (Hecht, Optics, eq. 6.2)
    R1, R2, t, n = 60.0, -80.0, 6.0, 1.6
    lens = ThickLens.from_prescription((R1, R2), (t,), (n,))
    f = 1 / ((n - 1) * (1 / R1 - 1 / R2 + (n - 1) * t / (n * R1 * R2)))
    assert float(lens.f) == pytest.approx(f, rel=1e-12)
    assert lens == ThickLens.from_surfaces(R1, R2, t, n)


def test_doublet_and_triplet_match_an_independent_ray_trace():
    for radii, thicknesses, indices in [
        ((33.55, -27.05, -125.6), (7.5, 1.8), (1.64, 1.79)),
        ((40.0, -30.0, 50.0, -90.0), (5.0, 2.0, 4.0), (1.52, 1.75, 1.62)),
        ((50.0, float("inf")), (4.0,), (1.5,)),
    ]:
        lens = ThickLens.from_prescription(radii, thicknesses, indices)
        efl, bfl = paraxial_trace(radii, thicknesses, indices)
        assert float(lens.f) == pytest.approx(efl, rel=1e-12)
        assert float(lens.f + lens.h2) == pytest.approx(bfl, rel=1e-12)
        assert lens.t == sum(sympy.Rational(repr(t)) for t in thicknesses)


def test_thin_limit_of_a_doublet_adds_surface_powers():
    # t -> 0: P = (n1 - 1)(1/R1 - 1/R2) + (n2 - 1)(1/R2 - 1/R3)
    R, n = (50.0, -40.0, -200.0), (1.5, 1.7)
    lens = ThickLens.from_prescription(R, (1e-9, 1e-9), n)
    power = (n[0] - 1) * (1 / R[0] - 1 / R[1]) + (n[1] - 1) * (1 / R[1] - 1 / R[2])
    assert float(1 / lens.f) == pytest.approx(power, rel=1e-7)


@pytest.mark.parametrize("name", prescription_names())
def test_catalog_achromat_efl_and_bfl_at_the_reference_wavelength(name):
    # Independent reference: the maker's EFL and BFL (Thorlabs product data) at the
    # reference wavelength (587.6 nm for -A, 707 nm for -AB, 855 nm for -B).  Tolerance 0.5 %:
    # the maker rounds to 0.1 mm and quotes nominal values; glass melt data vary.
    p = prescription(name)
    points = p.cardinal_points(p.reference_wavelength())
    assert points.efl.magnitude == pytest.approx(p.efl, rel=0.005)
    assert points.bfl.magnitude == pytest.approx(p.bfl, rel=0.005)


def test_ac254_050_b_in_detail():
    # Thorlabs AC254-050-B: f = 50.0 mm, BFL = 45.0 mm at 855 nm.
    p = prescription("Thorlabs AC254-050-B")
    indices = p.indices(855 * nm)
    efl, bfl = paraxial_trace(p.radii, p.thicknesses, indices)
    points = p.cardinal_points(855 * nm)
    assert points.efl.to("mm").magnitude == pytest.approx(efl, rel=1e-12)
    assert points.bfl.to("mm").magnitude == pytest.approx(bfl, rel=1e-12)
    assert efl == pytest.approx(50.0, rel=0.005) and bfl == pytest.approx(45.0, rel=0.005)
    assert points.thickness.magnitude == pytest.approx(9.3)
    # FFL = f - h1 and the principal planes are consistent with the element.
    lens = p.thick_lens(855 * nm)
    assert points.ffl.magnitude == pytest.approx(float(lens.f - lens.h1), rel=1e-12)


def test_symbolic_in_the_wavelength_matches_numeric():
    p = prescription("Thorlabs AC254-100-B")
    lam = sympy.Symbol("wavelength", positive=True)
    lens = p.thick_lens_expr(lam)
    assert lens.free_symbols == {lam}
    for wavelength_nm in (720, 920, 1040):
        numeric = p.cardinal_points(wavelength_nm * nm)
        value = float(lens.f.subs(lam, sympy.Rational(wavelength_nm, 10**6)))
        assert value == pytest.approx(numeric.efl.magnitude, rel=1e-10)


def test_singlet_focal_shift_from_the_makers_indices():
    # Plano-convex N-BK7 (flat back face): f = R/(n - 1), BFL = f - t/n.  Indices from the
    # SCHOTT data sheet: n(587.5618 nm) = 1.51680, n(1060 nm) = 1.50669.
    R, t = 51.5, 5.0
    p = Prescription("plano-convex", (R, float("inf")), (t,), ("N-BK7",))
    bfl = lambda n: R / (n - 1) - t / n  # noqa: E731
    expected = bfl(1.50669) - bfl(1.51680)
    shift = focal_shift(p, 1060 * nm, reference_wavelength=587.5618 * nm)
    assert shift.to("mm").magnitude == pytest.approx(expected, abs=2e-3)
    assert shift.magnitude > 0  # longer wavelength, lower index, focus further away


def test_an_achromat_has_far_less_axial_colour_than_a_singlet():
    # Over the -B design band (706.5-1015 nm) an achromat's focus moves far less than
    # that of an N-BK7 singlet of about the same focal length; the singlet's spread is
    # about f * Δn / (n - 1) = 100 * (1.51289 - 1.50731) / 0.51 ≈ 1.1 mm (SCHOTT indices).
    band = np.array([706.5, 780, 855, 920, 1015]) * nm
    achromat = focal_shift(prescription("Thorlabs AC254-100-B"), band)
    singlet = focal_shift(Prescription("singlet", (51.5, float("inf")), (4.0,), ("N-BK7",)), band,
                          reference_wavelength=855 * nm)
    spread = lambda q: float(np.ptp(q.to("mm").magnitude))  # noqa: E731
    assert spread(singlet) == pytest.approx(1.1, abs=0.1)
    assert spread(achromat) < 0.15 * spread(singlet)
    assert focal_shift(prescription("Thorlabs AC254-100-B"), 855 * nm).magnitude == 0


def test_efl_per_wavelength_is_array_shaped():
    p = prescription("Thorlabs AC508-200-B")
    efl = efl_per_wavelength(p, np.array([920.0, 1040.0]) * nm)
    assert efl.shape == (2,) and efl.units == ureg.Unit("millimeter")
    assert efl[0].magnitude == pytest.approx(p.cardinal_points(920 * nm).efl.magnitude, rel=1e-12)


def test_names_with_or_without_maker_and_close_matches():
    assert prescription("AC254-050-B") is prescription("Thorlabs AC254-050-B")
    with pytest.raises(PartNotFoundError, match="AC254-050-B"):
        prescription("Thorlabs AC254-050-X")


def test_bad_prescriptions_are_refused():
    with pytest.raises(InvalidParameterError, match="2 radii, 2 thicknesses"):
        Prescription("bad", (50.0, -50.0), (3.0, 2.0), ("N-BK7", "N-SF5"))
    with pytest.raises(PartNotFoundError, match="N-BK8"):
        Prescription("bad", (50.0, -50.0), (3.0,), ("N-BK8",))
    with pytest.raises(InvalidParameterError, match="afocal"):
        ThickLens.from_prescription((float("inf"), float("inf")), (3.0,), (1.5,))  # a plate
    with pytest.raises(InvalidParameterError, match="no reference wavelength"):
        focal_shift(Prescription("s", (50.0, -50.0), (3.0,), ("N-BK7",)), 920 * nm)


def test_a_malformed_file_names_line_and_key():
    text = (
        '[[prescription]]\nname = "x"\nradii_mm = [50.0, -50.0]\nthicknesses_mm = [3.0]\n'
        'glasses = ["N-BK8"]\nsource = "s"\nknown = "secondary"\n'
    )
    with pytest.raises(DesignFileError, match=r"t.toml, line 5: prescription 'x': glasses: .*N-BK8"):
        read_prescriptions(text, "t.toml")
    with pytest.raises(DesignFileError, match=r"line 3: .*radii_mm: must be a list of numbers"):
        read_prescriptions(text.replace("[50.0, -50.0]", '["50 mm", -50.0]'), "t.toml")
    with pytest.raises(DesignFileError, match=r"thickness_mm: unknown key \(did you mean 'thicknesses_mm'\?\)"):
        read_prescriptions(text.replace("thicknesses_mm", "thickness_mm"), "t.toml")


def test_every_packaged_prescription_has_a_source_and_reference():
    for name in prescription_names():
        p = prescription(name)
        assert p.source and p.known and p.reference_wavelength_nm and p.efl and p.bfl


def test_prescriptions_of_a_lens_catalog_entry():
    from optics.catalog.prescriptions import prescriptions_for_lens

    names = [p.name for p in prescriptions_for_lens("Thorlabs AC508-200")]
    assert names == ["Thorlabs AC508-200-B"]
    assert [p.name for p in prescriptions_for_lens("AC254-050")] == [
        "Thorlabs AC254-050-A", "Thorlabs AC254-050-AB", "Thorlabs AC254-050-B"]
    assert prescriptions_for_lens("Thorlabs LSM03-BB") == ()


def test_every_catalog_lens_named_is_in_the_lens_catalog():
    # names or aliases of the lens catalog (its entries carry the coating, "Thorlabs AC254-075-B",
    # and answer to the old names too)
    from optics.catalog import Catalog

    catalog = Catalog.default()
    named = {prescription(n).catalog_lens for n in prescription_names()} - {None}
    assert named
    for name in named:
        assert catalog.lens(name).f.to("mm").magnitude > 0


def test_an_air_spaced_doublet_is_two_lenses_and_a_gap():
    # Glass "air" (n = 1) between two elements: the same as two thick lenses 2 mm apart.
    p = Prescription("air-spaced", (60.0, -45.0, -44.0, -150.0), (6.0, 2.0, 2.5), ("N-BK7", "air", "N-SF5"))
    wl = 920 * nm
    n1, gap, n2 = p.indices(wl)
    assert gap == 1.0
    two = LensTrain([ThickLens.from_surfaces(60.0, -45.0, 6.0, n1), Space(2.0), ThickLens.from_surfaces(-44.0, -150.0, 2.5, n2)])
    lens = p.thick_lens(wl)
    assert float(lens.f) == pytest.approx(two.efl().magnitude, rel=1e-12)
    assert float(lens.f + lens.h2) == pytest.approx(two.back_focal_distance().magnitude, rel=1e-12)


def test_the_symbolic_lens_compiles_for_a_sweep():
    # The closed form in the wavelength (mm) compiles once (optics.compile_expr) and
    # agrees with the numeric route across the band.
    from optics import compile_expr

    p = prescription("Thorlabs AC508-200-B")
    lam = sympy.Symbol("wavelength", positive=True)
    lens = p.thick_lens_expr(lam)
    bfl = compile_expr(lens.f + lens.h2, [lam], unit="mm")
    band = np.linspace(700, 1400, 8)
    swept = bfl(band * 1e-6).magnitude
    assert swept == pytest.approx(p.cardinal_points(band * nm).bfl.magnitude, rel=1e-10)
