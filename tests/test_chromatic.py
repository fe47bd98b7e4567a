"""Chromatic answers for a path (optics.core.chromatic): thin equivalents and chromatic_response."""

import numpy as np
import pytest

from optics import LensTrain, Space, ThinLens, TunableLens, ETL_POWER
from optics.catalog.prescriptions import prescription
from optics.core.chromatic import Prescription, chromatic_response, thin_equivalent
from optics.errors import OpticsTypeError
from optics.units import ureg

nm = ureg.nm


def test_thin_equivalent_reproduces_the_physical_thick_lens_in_a_path():
    # Physical layout: 40 mm of air, the lens (vertex to vertex), 120 mm of air.
    # A thin model laid out at the reference places one thin lens with the spaces
    # measured to the principal planes: 40 + h1_ref before, 120 - h2_ref after.
    p = prescription("Thorlabs AC254-100-B")
    ref = p.thick_lens(855 * nm)
    for wavelength in (720 * nm, 1040 * nm):
        physical = LensTrain([Space(40), p.thick_lens(wavelength), Space(120)])
        model = LensTrain([Space(40 + ref.h1), thin_equivalent(p, wavelength), Space(120 - ref.h2)])
        for a, b in zip(physical.abcd(), model.abcd()):
            assert float(a) == pytest.approx(float(b), rel=1e-12, abs=1e-12)
    # at the reference wavelength it is the thin lens of the reference EFL
    assert thin_equivalent(p, 855 * nm).abcd == ThinLens(ref.f).abcd


def test_focus_shift_of_a_plano_convex_lens_from_the_makers_indices():
    # BFL = R/(n-1) - t/n for a plano-convex lens (flat back); SCHOTT N-BK7:
    # n(587.5618 nm) = 1.51680, n(1060 nm) = 1.50669.  The focal plane is the back vertex.
    R, t = 51.5, 5.0
    p = Prescription("plano-convex", (R, float("inf")), (t,), ("N-BK7",))
    point, = chromatic_response(lambda wl: LensTrain([p.thick_lens(wl), "vertex"]), [1060 * nm],
                                587.5618 * nm, end="vertex")
    bfl = lambda n: R / (n - 1) - t / n  # noqa: E731
    assert point.focus_shift.to("mm").magnitude == pytest.approx(bfl(1.50669) - bfl(1.51680), abs=2e-3)
    # Field height per radian in the focal plane is the EFL, R/(n-1): FOV scale (n_ref - 1)/(n - 1).
    assert point.fov_scale == pytest.approx(0.51680 / 0.50669, abs=5e-5)
    assert point.wavelength.units == ureg.Unit("nanometer")


def test_scanner_image_moves_off_the_back_aperture_as_in_the_lens_equation():
    # A 4f relay of two AC254-100-B at their 855 nm focal lengths, scanner at the front
    # focal plane, back aperture at the back focal plane.  At another wavelength both
    # focal lengths change; the image follows from 1/s' = 1/f - 1/s lens by lens
    # (thin lenses at the principal planes, Hecht eq. 5.17).
    p = prescription("Thorlabs AC254-100-B")
    f_ref = p.cardinal_points(855 * nm).efl.magnitude
    build = lambda wl: LensTrain(["scanner", Space(f_ref), ThinLens(p.cardinal_points(wl).efl), Space(2 * f_ref),  # noqa: E731
                                  ThinLens(p.cardinal_points(wl).efl), Space(f_ref), "back_aperture"])
    points = chromatic_response(build, np.array([855.0, 1040.0]) * nm, 855 * nm,
                                imaged_planes=("scanner",), relative_to="back_aperture", start="back_aperture",
                                end="back_aperture")
    f = p.cardinal_points(1040 * nm).efl.magnitude
    s1 = 1 / (1 / f - 1 / f_ref)          # image of the scanner behind lens 1
    s2 = 1 / (1 / f - 1 / (2 * f_ref - s1))  # behind lens 2
    assert points[0].image_distances["scanner"].magnitude == pytest.approx(0, abs=1e-9)
    assert points[1].image_distances["scanner"].to("mm").magnitude == pytest.approx(s2 - f_ref, rel=1e-9)


def test_etl_power_that_brings_a_second_colour_to_the_same_focus():
    # ETL in contact with a lens of focal length f(λ): total power 1000/f(λ) + P (dpt).
    # Same focus as at the reference with P = 0:  P_λ = 1000 (1/f_ref - 1/f_λ).
    p = prescription("Thorlabs AC254-100-A")
    efl = lambda wl: p.cardinal_points(wl).efl.magnitude  # noqa: E731
    build = lambda wl: LensTrain([TunableLens(ETL_POWER), ThinLens(efl(wl)), Space(100), "focus"])  # noqa: E731
    point, = chromatic_response(build, [1040 * nm], 920 * nm, end="focus", power=ETL_POWER)
    expected = 1000 * (1 / efl(920 * nm) - 1 / efl(1040 * nm))
    assert point.etl_power_change.to("dpt").magnitude == pytest.approx(expected, rel=1e-9)
    assert point.etl_power_change.magnitude > 0  # longer wavelength, weaker lens: the ETL adds power


def test_bad_calls_are_refused():
    with pytest.raises(OpticsTypeError, match="callable"):
        chromatic_response("train", [920 * nm], 920 * nm)
    with pytest.raises(OpticsTypeError, match="relative_to"):
        chromatic_response(lambda wl: LensTrain([ThinLens(50)]), [920 * nm], 920 * nm, imaged_planes=("a",))
    with pytest.raises(OpticsTypeError, match="still holds the symbols P"):
        chromatic_response(lambda wl: LensTrain([TunableLens(ETL_POWER), ThinLens(50)]), [920 * nm], 920 * nm)
