"""Tests of optics.microscope.path against the reference post (blog-geometrical-optics.txt) and hand derivations."""

import math
import warnings

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.errors import ClippingWarning, ConjugationWarning, InvalidParameterError, PlaneError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart
from optics.microscope.path import ObjectiveModel, Relay, ScanPath, ScannerModel
from optics.units import ureg

NIKON16 = Objective("Nikon 16x/0.8 W", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
RESONANT = Scanner("resonant 5 mm", aperture=5, optical_angle=26 * ureg.deg, kind="resonant")


def simple_path(fs, ft, objective=NIKON16, scanner=RESONANT, beam=5, **kw):
    kw.setdefault("check", False)
    return ScanPath([scanner], fs, ft, objective, beam, **kw)


# -- reference post, part 1: beam at the back aperture ------------------------------------------
@pytest.mark.parametrize("fs, ft, expected", [(50, 200, 20.0), (50, 150, 15.0), (25, 100, 20.0)])
def test_post_beam_at_back_aperture(fs, ft, expected):
    # Reference post: d_BFA = f_t/f_s * 5 mm; 4:1 -> 20 mm, 3:1 -> 15 mm.
    d = simple_path(fs, ft).back_aperture_beam
    assert d.to("mm").magnitude == pytest.approx(expected)


def test_post_objective_back_apertures():
    # Reference post: 16x Nikon with a 200 mm tube lens -> f_o = 12.5 mm; a 16x/0.8 has ~20 mm back aperture.
    assert NIKON16.efl.to("mm").magnitude == pytest.approx(12.5)
    assert simple_path(50, 200).back_aperture.to("mm").magnitude == pytest.approx(20.0)
    # Reference post: a 40x (Nikon) has EFL 5 mm and an 8-12 mm back aperture depending on NA.
    for na in (0.8, 1.0, 1.15):
        obj = Objective(f"40x/{na}", magnification=40, na=na, maker="Nikon", immersion_index=1.333)
        path = simple_path(50, 200, objective=obj)
        assert obj.efl.to("mm").magnitude == pytest.approx(5.0)
        assert 8 <= path.back_aperture.to("mm").magnitude <= 12
        # the post: 15-20 mm beams overfill a 40x
        assert path.overfilled


def test_post_fov_small_angle_and_exact():
    # Reference post: f_o = 12.5 mm, alpha = 26 deg optical, f_t/f_s = 4 -> s_FOV = tan(alpha) f_o f_s/f_t = 1.52 mm;
    # reference README: the exact paraxial form 2 tan(alpha/2) f_o f_s/f_t = 1.443 mm.
    path = simple_path(50, 200)
    small = path.fov(form="small_angle").to("mm").magnitude
    exact = path.fov(form="exact").to("mm").magnitude
    assert small == pytest.approx(math.tan(math.radians(26)) * 12.5 / 4)
    assert round(small, 2) == 1.52
    assert round(exact, 2) == 1.44
    assert exact == pytest.approx(2 * math.tan(math.radians(13)) * 12.5 / 4)


def test_mechanical_angle_is_half_the_optical():
    # Reference post: a mirror moving 13 deg mechanically deflects the beam by 26 deg.
    mech = Scanner("mech", aperture=5, mechanical_angle=13 * ureg.deg)
    assert simple_path(50, 200, scanner=mech).fov().magnitude == pytest.approx(simple_path(50, 200).fov().magnitude)


def test_post_relay_enlarges_beam():
    # Reference post: a 1.5:1 relay between resonant and galvo enlarges 5 mm to 7.5 mm at the galvo.
    galvo = Scanner("galvo", aperture=10, optical_angle=20 * ureg.deg, kind="galvo")
    path = ScanPath([RESONANT, galvo], 50, 200, NIKON16, 5, relays=[Relay(50, 75)], check=False)
    assert path.beam_diameter_at("galvo").to("mm").magnitude == pytest.approx(7.5)
    assert path.back_aperture_beam.to("mm").magnitude == pytest.approx(30.0)
    # and a smaller x FOV: the resonant's scan is demagnified by the relay (f_o f_s f_r1/(f_t f_r2)).
    fov_res = path.fov("resonant").to("mm").magnitude
    assert fov_res == pytest.approx(2 * math.tan(math.radians(13)) * 12.5 * 50 * 50 / (200 * 75))


# -- symbolic closed forms ---------------------------------------------------------------------
def test_symbolic_forms_equal_post_formulas():
    p = ScanPath.symbolic()
    D, fs, ft, fo, alpha, NA = sympy.symbols("D f_s f_t f_o alpha NA", positive=True)
    # post: d_BFA = f_t/f_s * D ; s_FOV = tan(alpha) f_o f_s/f_t (small-angle)
    assert sympy.simplify(p.back_aperture_beam - D * ft / fs) == 0
    assert sympy.simplify(p.fov(form="small_angle") - sympy.tan(alpha) * fo * fs / ft) == 0
    assert sympy.simplify(p.fov() - 2 * sympy.tan(alpha / 2) * fo * fs / ft) == 0
    assert sympy.simplify(p.fill_ratio - D * ft / (fs * 2 * NA * fo)) == 0
    # the two FOV forms agree to first order in alpha
    assert sympy.simplify(sympy.series(p.fov() - p.fov(form="small_angle"), alpha, 0, 2).removeO()) == 0


def test_symbolic_etl_focus_shift_is_post_formula():
    # Reference post: z = -f_o^2 f_s^2 f_r1^2 f_r3^2 / (f_ETL f_t^2 f_r2^2 f_r4^2), for an ETL conjugate to the
    # back focal plane; the post works in air (n = 1).  Here P = 1000/f_ETL (dpt, f in mm).
    p = ScanPath.symbolic(2, etl=True)
    fo, fs, ft, r1, r2, r3, r4, f_etl, n = sympy.symbols("f_o f_s f_t f_r1 f_r2 f_r3 f_r4 f_ETL n", positive=True)
    z = p.focus_shift(1000 / f_etl) / 1000  # um -> mm
    post = -(fo**2 * fs**2 * r1**2 * r3**2) / (f_etl * ft**2 * r2**2 * r4**2)
    assert sympy.simplify(z.subs(n, 1) - post) == 0
    # in an immersion medium the focal distances scale with n (front focal length n f_o)
    assert sympy.simplify(z - n * post) == 0


def test_post_z_range_scales_with_objective_focal_length_squared():
    # Reference post: 200 um of z-range with a 16x becomes 32 um with a 40x: (5/12.5)^2 = 0.16.
    etl = TunableLensPart("ETL", aperture=16, power_min=-10, power_max=10)
    kw = dict(scanners=[RESONANT], scan_lens=50, tube_lens=200, beam_diameter=5, etl=etl,
              etl_relay=Relay(100, 50), check=False)
    obj40 = Objective("40x", magnification=40, na=0.8, maker="Nikon", immersion_index=1.333)
    z16 = ScanPath(objective=NIKON16, **kw).z_range().span
    z40 = ScanPath(objective=obj40, **kw).z_range().span
    assert (z40 / z16).to("").magnitude == pytest.approx(0.16)
    # hand value: M = 4 * 0.5 = 2, z = n f_o^2 P / M^2 = 1.333 * 156.25 mm^2 * 0.01/mm / 4 = 0.5207 mm at 10 dpt
    assert z16.to("um").magnitude == pytest.approx(2 * 1.333 * 156.25 * 0.01 / 4 * 1000)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(20, 300), st.floats(20, 400), st.floats(20, 200), st.floats(20, 200),
    st.floats(1, 10), st.floats(0.05, 1.0),
)
def test_numeric_path_equals_closed_form(fs, ft, r1, r2, beam, alpha):
    sym = ScanPath.symbolic(2)
    values = {"f_s": fs, "f_t": ft, "f_r1": r1, "f_r2": r2, "D": beam, "alpha_1": alpha, "alpha_2": alpha,
              "f_o": 12.5, "NA": 0.8, "n": 1.333}
    subs = {s: values[s.name] for s in sympy.Add(sym.back_aperture_beam, sym.fov(0), sym.fov(1)).free_symbols}
    s1 = ScannerModel("a", alpha, kind="resonant")
    s2 = ScannerModel("b", alpha, kind="galvo")
    num = ScanPath([s1, s2], fs, ft, NIKON16, beam, relays=[Relay(r1, r2)], check=False)
    assert num.back_aperture_beam.magnitude == pytest.approx(float(sym.back_aperture_beam.subs(subs)))
    assert num.fov(0).magnitude == pytest.approx(float(sym.fov(0).subs(subs)))
    assert num.fov(1).magnitude == pytest.approx(float(sym.fov(1).subs(subs)))
    # independent: beam x f_t/f_s x f_r2/f_r1
    assert num.back_aperture_beam.magnitude == pytest.approx(beam * ft / fs * r2 / r1)


# -- NA, resolution ------------------------------------------------------------------------
def test_underfilled_effective_na_and_resolution():
    # 3:1 gives a 15 mm beam on a 20 mm back aperture: NA_eff = 0.8 * 15/20 = 0.6 (sine condition).
    path = simple_path(50, 150)
    assert path.fill_ratio == pytest.approx(0.75)
    assert path.effective_na == pytest.approx(0.6)
    res = path.resolution(920 * ureg.nm)
    # Zipfel et al. 2003, NA <= 0.7: w_xy = 0.320 lambda / (sqrt2 NA); FWHM = 2 sqrt(ln 2) w
    w = 0.320 * 0.92 / (math.sqrt(2) * 0.6)
    assert res.zipfel_lateral_fwhm.to("um").magnitude == pytest.approx(2 * math.sqrt(math.log(2)) * w)
    wz = 0.532 * 0.92 / math.sqrt(2) / (1.333 - math.sqrt(1.333**2 - 0.36))
    assert res.zipfel_axial_fwhm.to("um").magnitude == pytest.approx(2 * math.sqrt(math.log(2)) * wz)
    # the truncated Gaussian (fill 0.75 of NA 0.8) focuses wider than a uniformly filled NA 0.8 pupil
    # (Zipfel, NA > 0.7: 0.325 lambda/(sqrt2 0.8^0.91))
    assert res.lateral_fwhm.to("um").magnitude > 2 * math.sqrt(math.log(2)) * 0.325 * 0.92 / (math.sqrt(2) * 0.8**0.91)


def test_pixel_size():
    path = simple_path(50, 200)
    assert path.pixel_size(512).to("um").magnitude == pytest.approx(2 * math.tan(math.radians(13)) * 12.5 / 4 / 512 * 1000)


# -- conjugation ---------------------------------------------------------------------------
def test_mis_spaced_scanner_warns_with_image_location():
    # Scanner 60 mm before a 50 mm scan lens: 1/60 + 1/v = 1/50 -> v = 300 mm, i.e. 50 mm past the tube lens
    # (which is 250 mm after the scan lens): a virtual object at +50 mm for f_t = 200: 1/v = 1/200 + 1/50 -> v = 40 mm.
    # The scanner is imaged at 60 + 250 + 40 = 350 mm; the back aperture is at 60 + 250 + 200 = 510 mm.
    with pytest.warns(ConjugationWarning, match=r"'resonant'.*160 mm before the back-aperture plane.*510 mm"):
        path = ScanPath([RESONANT], 50, 200, NIKON16, 5, spacings=(60, 250, 200))
    row = path.conjugation()[0]
    assert not row.conjugate
    assert row.image.z.to("mm").magnitude == pytest.approx(350)
    assert row.image_offset.to("mm").magnitude == pytest.approx(350 - 510)
    # 10 mm too close instead: Newton's x x' = -f^2 per lens, longitudinal magnification
    # (f_t/f_s)^2 = 16 for the 4f pair: the image is 16 * 10 mm = 160 mm past the back
    # aperture, behind the objective, so it is virtual there.
    with pytest.warns(ConjugationWarning, match=r"160 mm past the back-aperture plane"):
        path = ScanPath([RESONANT], 50, 200, NIKON16, 5, spacings=(40, 250, 200))
    assert path.conjugation()[0].image_offset.to("mm").magnitude == pytest.approx(160)


def test_4f_path_is_conjugate_without_warning():
    # 4 mm on the 5 mm mirror: a footprint of 80 %, below the 85 % fill limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = ScanPath([RESONANT], 50, 200, NIKON16, 4)
    assert all(r.conjugate for r in path.conjugation())


# -- clipping ------------------------------------------------------------------------------
def test_clipping_at_scan_lens_hand_computed():
    # Scanner at the front focal plane of the scan lens: the beam (5 mm) is displaced by f_s tan(alpha/2)
    # = 50 tan(13 deg) = 11.543 mm; footprint 5 + 23.087 = 28.087 mm on a 25 mm lens: 3.087 mm (12.35 %) too large.
    lens = Lens("SL-50", f=50, aperture=25)
    with pytest.warns(ClippingWarning, match=r"'scan_lens' \(SL-50\).*28\.09 mm.*25 mm.*3\.087 mm.*12\.3 %"):
        path = ScanPath([RESONANT], lens, 200, NIKON16, 5)
    row = {r.plane: r for r in path.clipping_table()}["scan_lens"]
    assert row.footprint.to("mm").magnitude == pytest.approx(5 + 2 * 50 * math.tan(math.radians(13)))
    assert row.clipped
    assert row.excess_percent == pytest.approx((5 + 100 * math.tan(math.radians(13)) - 25) / 25 * 100)


def test_beam_propagated_from_laser_clips_small_scanner():
    # A 6 mm laser beam on a 5 mm resonant mirror: clipped by 1 mm (20 %).
    with pytest.warns(ClippingWarning, match=r"'resonant'.*1 mm \(20 %\)"):
        ScanPath([RESONANT], 50, 200, NIKON16, 6)


def test_beam_given_at_etl_and_propagated():
    # ETL relay 100 -> 50 halves the beam: 10 mm at the ETL is 5 mm at the resonant (fits its 5 mm aperture).
    etl = TunableLensPart("ETL", aperture=16, power_min=-10, power_max=10)
    path = ScanPath([RESONANT], 50, 200, NIKON16, 5, etl=etl, etl_relay=Relay(100, 50), beam_at="resonant",
                    check=False)
    assert path.beam_diameter_at("etl").to("mm").magnitude == pytest.approx(10)
    assert not any(r.clipped for r in path.clipping_table())


# -- report ----------------------------------------------------------------------------------
def test_report_values_have_units():
    from optics.report import path_report

    rep = path_report(simple_path(50, 200), wavelength=920 * ureg.nm, n_pixels=512)
    assert rep.value("beam.diameter_at_back_aperture").to("mm").magnitude == pytest.approx(20)
    # post: tan(26 deg) x 12.5 mm x 50/200 = 1.5242 mm
    assert rep.value("fov.resonant.small_angle").to("mm").magnitude == pytest.approx(1.5242, abs=1e-4)
    assert rep.value("resolution.lateral_fwhm").units == ureg.um
    text = path_report(simple_path(50, 200)).to_text()
    assert "resonant: exact paraxial" in text and "µm" in text


# -- bad input -------------------------------------------------------------------------------
def test_bad_input_names_part_and_value():
    with pytest.raises(InvalidParameterError, match="NA 1.5 exceeds the immersion index"):
        Objective("bad", magnification=20, na=1.5, maker="Nikon", immersion_index=1.333)
    with pytest.raises(InvalidParameterError, match="NA"):
        ObjectiveModel(10, 1.2, 1.0)
    with pytest.raises(InvalidParameterError, match="below 180 deg"):
        Scanner("wild", aperture=5, optical_angle=190 * ureg.deg)
    with pytest.raises(InvalidParameterError, match="below 180 deg"):
        ScannerModel("wild", 180 * ureg.deg)
    with pytest.raises(InvalidParameterError, match="below 180 deg"):
        ScannerModel("wild", 4.0)
    with pytest.raises(InvalidParameterError, match="aperture"):
        Scanner("neg", aperture=-5, optical_angle=0.2)
    with pytest.raises(InvalidParameterError, match="scan lens: focal length f must be positive, got -50"):
        simple_path(-50, 200)
    with pytest.raises(InvalidParameterError, match="Relay second lens: focal length f"):
        Relay(50, 0)
    with pytest.raises(InvalidParameterError, match="need 1 relay"):
        ScanPath([RESONANT, RESONANT], 50, 200, NIKON16, 5)
    with pytest.raises(InvalidParameterError, match="beam diameter"):
        simple_path(50, 200, beam=0)
    with pytest.raises(PlaneError, match="beam_at"):
        simple_path(50, 200, beam_at="nowhere")
    with pytest.raises(InvalidParameterError, match="positive integer"):
        simple_path(50, 200).pixel_size(0)


# -- power through the apertures ---------------------------------------------------------------
def test_gaussian_transmission_centred_and_off_axis():
    from optics.microscope.apertures import gaussian_transmission

    # Siegman, Lasers (1986) sec. 17.1: T = 1 - exp(-2 a^2/w^2) for a centred circular aperture
    for d, ap in ((5, 5), (5, 7.5), (10, 16), (3, 1)):
        assert gaussian_transmission(d, ap) == pytest.approx(1 - math.exp(-2 * (ap / 2) ** 2 / (d / 2) ** 2))
    # off axis: a brute-force 2D sum of the shifted Gaussian over the disc (4000^2 grid)
    import numpy as np

    w, a, s = 5.0, 5.0, 2.5
    xs = np.linspace(-a, a, 4001)
    x, y = np.meshgrid(xs, xs)
    inside = x**2 + y**2 <= a * a
    grid = (2 / (np.pi * w * w) * np.exp(-2 * ((x - s) ** 2 + y**2) / w**2) * inside).sum() * (xs[1] - xs[0]) ** 2
    assert gaussian_transmission(2 * w, 2 * a, s) == pytest.approx(grid, abs=2e-5)
    # far off axis nothing gets through; a huge aperture passes everything
    assert gaussian_transmission(1, 10, 40) == pytest.approx(0, abs=1e-12)
    assert gaussian_transmission(1, 100, 40) == pytest.approx(1)
    with pytest.raises(InvalidParameterError):
        gaussian_transmission(0, 5)


def test_power_budget_and_fill_warnings():
    # 5 mm beam on the 5 mm resonant mirror (at its pivot: no scan offset): 1 - e^-2 = 86.5 %;
    # 20 mm on the 20 mm back aperture: 86.5 % again; scan lens unknown, tube lens unknown.
    with pytest.warns(ClippingWarning, match=r"'resonant'.*fills 100 % .*limit 85 %.*86\.47 %"):
        path = ScanPath([RESONANT], 50, 200, NIKON16, 5)
    budget = path.power_budget()
    t = 1 - math.exp(-2)
    assert [r.plane for r in budget.rows] == ["resonant", "back_aperture"]
    assert budget.rows[0].transmission == pytest.approx(t)
    assert budget.rows[1].transmission == pytest.approx(t)
    # the mirror and the back aperture are conjugate (4f) with the same fill: every ray through
    # the mirror passes the back aperture, so the power is lost once, not twice (t, not t^2)
    assert budget.transmission == pytest.approx(t)
    assert budget.unknown == ("scan_lens", "tube_lens")
    # 20 mm more between mirror and scan lens: no longer conjugate, the two clip independently
    # (the Gaussian model multiplies); the mirror still transmits t, the back aperture its own row
    with pytest.warns(ClippingWarning):
        apart = ScanPath([RESONANT], 50, 200, NIKON16, 5, spacings=(70, 250, 200))
    rows = apart.power_budget().rows
    assert not apart.conjugation()[0].conjugate
    assert rows[0].transmission == pytest.approx(t)
    assert apart.power_budget().transmission == pytest.approx(t * rows[1].transmission)
    # an overfilled back aperture: 5 mm x 6 = 30 mm on 20 mm: 1 - exp(-2 (10/15)^2) = 58.9 %
    with pytest.warns(ClippingWarning, match=r"back aperture.*overfilled.*footprint / aperture 1\.5.*58\.89 %"):
        ScanPath([ScannerModel("r", 26 * ureg.deg, kind="resonant")], 50, 300, NIKON16, 5)
    # a settable fill limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScanPath([RESONANT], 50, 200, NIKON16, 5, fill_limit=1.0)
    with pytest.raises(InvalidParameterError, match="fill_limit"):
        ScanPath([RESONANT], 50, 200, NIKON16, 5, fill_limit=0)


# -- close-coupled scanners ------------------------------------------------------------------
def test_close_coupled_scanners_walk_and_fov_worked_by_hand():
    # Resonant and galvo 10 mm apart, no relay, pupil midway: each mirror is 5 mm from the plane the
    # 50/200 scan and tube lenses image onto the back aperture (M = 4).  A chief ray pivoting 5 mm
    # before (after) that plane crosses it at 5 tan(theta) off axis, which lands M x that at the
    # back aperture: over the sweep the beam walks 2 x 4 x 5 mm x tan(13 deg) = 9.236 mm.  The angle
    # at the back aperture is still tan(theta) f_s/f_t, so the FOV is the 4f one, 1443 um.
    from optics.microscope.path import Gap

    res = Scanner("res", aperture=10, optical_angle=26 * ureg.deg, kind="resonant")
    galvo = Scanner("gal", aperture=10, optical_angle=26 * ureg.deg, kind="galvo")
    with pytest.warns(ConjugationWarning):
        path = ScanPath([res, galvo], 50, 200, NIKON16, 5, relays=[Gap(10)])
    walk = 2 * 4 * 5 * math.tan(math.radians(13))
    assert path.beam_walk("resonant").to("mm").magnitude == pytest.approx(walk)
    assert path.beam_walk("galvo").to("mm").magnitude == pytest.approx(walk)
    fov = 2 * 12.5 * 50 / 200 * math.tan(math.radians(13))
    assert path.fov("resonant").to("mm").magnitude == pytest.approx(fov)
    assert path.fov("galvo").to("mm").magnitude == pytest.approx(fov)
    # the scan lens sits f_s past the pupil: 45 mm after the galvo
    assert path.spacings[0] == 45
    # pupil at the galvo: the galvo is conjugate, the resonant walks 2 x 4 x 10 tan(13 deg)
    path = ScanPath([res, galvo], 50, 200, NIKON16, 5, relays=[Gap(10, pupil=1)], check=False)
    assert path.beam_walk("galvo").magnitude == pytest.approx(0, abs=1e-12)
    assert path.beam_walk("resonant").to("mm").magnitude == pytest.approx(2 * walk)
    with pytest.raises(InvalidParameterError, match="between the mirrors"):
        Gap(10, pupil=1.5)
