"""Tests for optics.acquisition.scanning: resonant and galvo kinematics, dwell times, CPC, dark-state model.

References
----------
[post]  /work/shared/reference/blog-fast-scanning.txt ("Fast scanning, triplet states and photon yield").
[SI]    ScanImage (Vidrio Technologies), scanimage.mroi.scanners.Resonant:
        fillFractionTemporal = 2/pi * asin(fillFractionSpatial).
Numerical references below simulate the trajectory x(t) = x0 sin(2 pi f t) on a fine time grid and
measure times directly, independently of the closed forms in the module.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.errors import DimensionError, InvalidParameterError, OpticsError, OpticsTypeError
from optics.acquisition.scanning import (
    crossing_time,
    dark_state_remaining,
    dark_state_yield,
    frame_rate,
    galvo_fill_fraction,
    galvo_line_rate,
    galvo_line_time,
    galvo_pixel_dwell_times,
    galvo_speed,
    pulses_per_spot,
    resonant_cpc,
    resonant_crossing_time,
    resonant_frame_rate,
    resonant_line_rate,
    resonant_linear_region,
    resonant_nonuniformity,
    resonant_peak_speed,
    resonant_pixel_dwell_times,
    resonant_pixel_sizes,
    resonant_position,
    resonant_speed_at,
    resonant_velocity,
    scan_amplitude,
    spatial_fill_fraction,
    temporal_fill_fraction,
)
from optics.units import ureg

FOV = 1000 * ureg.um
F_RES = 8 * ureg.kHz
FWHM = 0.4 * ureg.um
REP = 80 * ureg.MHz


def _round_sig(x, digits):
    """Round to *digits* significant figures (how the post quotes its numbers)."""
    return float(f"{x:.{digits}g}")


# ---------------------------------------------------------------- the post's numbers


def test_amplitude_is_half_the_fov():
    # [post]: "amplitude (x0 = 500 um) ... field of view (FOV, here: 1000 um)"; zoom divides it.
    assert scan_amplitude(FOV).to("um").magnitude == pytest.approx(500.0)
    assert scan_amplitude(FOV, zoom=20).to("um").magnitude == pytest.approx(25.0)


def test_peak_speed_post_numbers():
    v1, v20 = resonant_peak_speed(FOV, F_RES, zoom=[1, 20]).to("um/us").magnitude
    # exact: 2 pi x0 f, hand-computed: 2 * pi * 500 um * 8e3 /s = 8000 pi um/ms = 25.1327 um/us
    assert v1 == pytest.approx(8 * math.pi, rel=1e-12)
    assert v20 == pytest.approx(8 * math.pi / 20, rel=1e-12)
    # [post]: "a range of speeds between 25 um/us and 1.25 um/us" -- rounded (25.13 -> 25, 1.257 -> 1.25)
    assert _round_sig(v1, 2) == 25
    assert v20 == pytest.approx(1.25, rel=0.01)


def test_crossing_time_post_numbers():
    t1, t20 = resonant_crossing_time(FWHM, FOV, F_RES, zoom=[1, 20]).to("us").magnitude
    # hand: 0.4 um / (8 pi um/us) = 0.015915 us; zoom 20: 0.31831 us
    assert t1 == pytest.approx(0.4 / (8 * math.pi), rel=1e-12)
    assert t20 == pytest.approx(20 * 0.4 / (8 * math.pi), rel=1e-12)
    # [post]: "the resonant scanner needs 0.016 - 0.32 us"
    assert _round_sig(t1, 2) == 0.016
    assert _round_sig(t20, 2) == 0.32


def test_cpc_post_numbers():
    c1, c20 = resonant_cpc(FWHM, FOV, F_RES, REP, zoom=[1, 20])
    # hand: 80e6/s * 0.015915e-6 s = 1.2732; zoom 20: 25.465
    assert c1 == pytest.approx(80 * 0.4 / (8 * math.pi), rel=1e-12)
    assert c20 == pytest.approx(20 * 80 * 0.4 / (8 * math.pi), rel=1e-12)
    # [post]: "1.3 - 26 pulses per resolution-limited spot"; "a zoom setting of 1 corresponds to a CPC of 1.3"
    assert _round_sig(c1, 2) == 1.3
    # The post's 26 comes from its rounded time: 0.32 us * 80 MHz = 25.6 -> 26; the exact 25.46 is within 2.1 %.
    assert _round_sig(0.32 * 80, 2) == 26
    assert c20 == pytest.approx(26, rel=0.021)
    # [post]: "12.5 ns between two pulses"
    assert c20 == pytest.approx(resonant_crossing_time(FWHM, FOV, F_RES, zoom=20).to("ns").magnitude / 12.5)


def test_generic_crossing_and_pulses_with_post_rounded_speed():
    # [post] arithmetic with its rounded speeds: 0.4/25 = 0.016 us, 0.4/1.25 = 0.32 us; x 80 MHz = 1.28, 25.6
    t = crossing_time(FWHM, [25, 1.25] * ureg.um / ureg.us).to("us").magnitude
    np.testing.assert_allclose(t, [0.016, 0.32], rtol=1e-12)
    n = pulses_per_spot(FWHM, [25, 1.25] * ureg.um / ureg.us, REP)
    np.testing.assert_allclose(n, [1.28, 25.6], rtol=1e-12)


def test_plain_numbers_are_base_units():
    # mm and Hz: FOV 1 mm, 8000 Hz -> same 8 pi um/us
    assert resonant_peak_speed(1.0, 8000).to("um/us").magnitude == pytest.approx(8 * math.pi)
    # speed plain number in mm/s: 25 um/us = 25000 mm/s
    assert crossing_time(0.0004, 25000).to("us").magnitude == pytest.approx(0.016)


# ------------------------------------------------------- kinematics vs simulation


def test_velocity_is_derivative_of_position():
    # central finite difference of x(t) (independent of the velocity formula)
    t = np.linspace(0, 125e-6, 41)
    h = 1e-10
    x_plus = resonant_position(t + h, FOV, F_RES, zoom=3).to("um").magnitude
    x_minus = resonant_position(t - h, FOV, F_RES, zoom=3).to("um").magnitude
    numeric = (x_plus - x_minus) / (2 * h) * 1e-6  # um/s -> um/us
    v = resonant_velocity(t, FOV, F_RES, zoom=3).to("um/us").magnitude
    np.testing.assert_allclose(v, numeric, rtol=1e-5, atol=1e-6)


def test_speed_at_position_matches_trajectory():
    t = np.linspace(-30e-6, 30e-6, 13)  # within the forward sweep (|t| < T/4 = 31.25 us)
    x = resonant_position(t, FOV, F_RES)
    v_t = resonant_velocity(t, FOV, F_RES).to("um/us").magnitude
    v_x = resonant_speed_at(x, FOV, F_RES).to("um/us").magnitude
    np.testing.assert_allclose(v_x, v_t, rtol=1e-9)


def _simulated_time_inside(lo_um, hi_um, x0_um, f_hz, n=2_000_001):
    """Time a forward sweep spends in [lo, hi], by fine sampling of x(t)."""
    t = np.linspace(-0.25 / f_hz, 0.25 / f_hz, n)
    x = x0_um * np.sin(2 * np.pi * f_hz * t)
    dt = t[1] - t[0]
    return np.count_nonzero((x >= lo_um) & (x < hi_um)) * dt


def test_exact_crossing_time_against_simulation():
    # spot near the edge at zoom 20 (x0 = 25 um), where the local approximation fails
    x, w = 24.7, 0.4  # spot reaches 24.9 um of the 25 um amplitude
    sim = _simulated_time_inside(x - w / 2, x + w / 2, 25.0, 8e3)
    exact = resonant_crossing_time(FWHM, FOV, F_RES, zoom=20, x=x * ureg.um, exact=True).to("s").magnitude
    assert exact == pytest.approx(sim, rel=2e-3)
    approx = resonant_crossing_time(FWHM, FOV, F_RES, zoom=20, x=x * ureg.um).to("s").magnitude
    assert abs(approx - sim) / sim > 0.05  # the constant-speed form is off there
    # at the centre both agree with the simulation
    sim0 = _simulated_time_inside(-w / 2, w / 2, 25.0, 8e3)
    for ex in (False, True):
        t0 = resonant_crossing_time(FWHM, FOV, F_RES, zoom=20, exact=ex).to("s").magnitude
        assert t0 == pytest.approx(sim0, rel=2e-3)


def test_pixel_dwell_times_against_simulation():
    ft = 0.712
    n = 8
    tau = resonant_pixel_dwell_times(n, F_RES, fill_fraction=ft).to("s").magnitude
    fs = spatial_fill_fraction(ft)
    edges = np.linspace(-fs * 500, fs * 500, n + 1)
    sim = [_simulated_time_inside(a, b, 500.0, 8e3) for a, b in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(tau, sim, rtol=2e-3)
    # total recording time per sweep = F_t * T/2
    assert tau.sum() == pytest.approx(ft / (2 * 8e3), rel=1e-12)
    # edge pixels dwell longest, symmetric profile
    assert tau[0] == pytest.approx(tau[-1]) and tau[0] > tau[n // 2]


def test_small_fill_fraction_gives_uniform_pixels():
    # near the centre the scan is almost linear: dwell -> F_t / (2 f N)
    tau = resonant_pixel_dwell_times(10, F_RES, fill_fraction=0.01).to("us").magnitude
    np.testing.assert_allclose(tau, 0.01 / (2 * 8e3) / 10 * 1e6, rtol=1e-3)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=2048), st.floats(min_value=0.01, max_value=1.0))
def test_dwell_times_and_sizes_add_up(n, ft):
    # the pixels tile the recorded sweep: total time F_t * T/2, total width 2 x0 sin(pi F_t / 2)
    tau = resonant_pixel_dwell_times(n, F_RES, fill_fraction=ft).to("us").magnitude
    assert tau.shape == (n,) and np.all(tau > 0)
    assert tau.sum() == pytest.approx(ft / (2 * 8e3) * 1e6, rel=1e-9)
    sizes = resonant_pixel_sizes(n, FOV, fill_fraction=ft).to("um").magnitude
    assert sizes.sum() == pytest.approx(1000 * math.sin(math.pi * ft / 2), rel=1e-9)
    # symmetric about the line centre
    np.testing.assert_allclose(tau, tau[::-1], rtol=1e-9)


def test_pixel_sizes_equal_time():
    ft = 0.5
    sizes = resonant_pixel_sizes(4, FOV, zoom=2, fill_fraction=ft).to("um").magnitude
    # hand: x0 = 250 um, phases -pi/4, -pi/8, 0, pi/8, pi/4
    ph = np.array([-np.pi / 4, -np.pi / 8, 0, np.pi / 8, np.pi / 4])
    np.testing.assert_allclose(sizes, 250 * np.diff(np.sin(ph)), rtol=1e-12)
    assert sizes.sum() == pytest.approx(2 * 250 * math.sin(math.pi / 4))
    # many pixels: centre/edge width ratio -> 1/cos(pi F_t / 2)
    many = resonant_pixel_sizes(2001, FOV, fill_fraction=ft).magnitude
    assert many[1000] / many[0] == pytest.approx(resonant_nonuniformity(ft), rel=1e-3)
    assert resonant_nonuniformity(ft) == pytest.approx(math.sqrt(2))  # 1/cos(pi/4)


def test_fill_fractions_scanimage_convention():
    # [SI]: temporal = 2/pi asin(spatial); spatial 0.9 -> temporal 0.7129
    assert temporal_fill_fraction(0.9) == pytest.approx(2 / math.pi * math.asin(0.9))
    assert temporal_fill_fraction(0.9) == pytest.approx(0.7129, abs=1e-4)
    # and by simulation: the fraction of a sweep spent within |x| <= 0.9 x0
    sim = _simulated_time_inside(-450, 450, 500.0, 8e3) / (0.5 / 8e3)
    assert temporal_fill_fraction(0.9) == pytest.approx(sim, rel=1e-4)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1.0))
def test_fill_fraction_round_trip(ft):
    assert temporal_fill_fraction(spatial_fill_fraction(ft)) == pytest.approx(ft, rel=1e-9)


def test_linear_region():
    # speed within 10 % of the peak: |x| <= x0 sqrt(1 - 0.81) -> width 2 * 500 * 0.43589 um
    width = resonant_linear_region(FOV, tolerance=0.1).to("um").magnitude
    assert width == pytest.approx(1000 * math.sqrt(0.19))
    # check with the speed profile itself: at the edge of the region v = 0.9 v_max
    v_edge = resonant_speed_at(width / 2 * ureg.um, FOV, F_RES).magnitude
    assert v_edge == pytest.approx(0.9 * resonant_peak_speed(FOV, F_RES).magnitude)


def test_line_and_frame_rates():
    # bidirectional 8 kHz resonant: 16 kHz lines; 512 lines -> 31.25 Hz (the familiar "~30 fps at 512 x 512")
    assert resonant_line_rate(F_RES).to("Hz").magnitude == 16000
    assert resonant_line_rate(F_RES, bidirectional=False).to("Hz").magnitude == 8000
    assert resonant_frame_rate(F_RES, 512).to("Hz").magnitude == pytest.approx(31.25)
    assert resonant_frame_rate(F_RES, 512, bidirectional=False).to("Hz").magnitude == pytest.approx(15.625)
    # flyback lines lengthen the frame: 16000 / (500 + 12)
    assert frame_rate(16 * ureg.kHz, 500, flyback_lines=12).to("Hz").magnitude == pytest.approx(31.25)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1.0, max_value=40.0), st.floats(min_value=0.1, max_value=2.0))
def test_cpc_scales_linearly_with_zoom(zoom, fwhm_um):
    # centre CPC = R w z / (pi f FOV): proportional to zoom and spot size
    c = resonant_cpc(fwhm_um * ureg.um, FOV, F_RES, REP, zoom=zoom)
    expected = 80e6 * fwhm_um * 1e-3 * zoom / (math.pi * 8e3 * 1.0)
    assert c == pytest.approx(expected, rel=1e-9)


def test_cpc_across_the_line_grows_towards_edges():
    x = np.array([0, 250, 400]) * ureg.um
    c = resonant_cpc(FWHM, FOV, F_RES, REP, x=x)
    # hand: CPC(x) = CPC(0) / sqrt(1 - (x/x0)^2)
    np.testing.assert_allclose(c, c[0] / np.sqrt(1 - np.array([0, 0.5, 0.8]) ** 2), rtol=1e-12)


# ----------------------------------------------------------------------------- galvo


def test_galvo_kinematics_by_hand():
    # 512 pixels of 1 um in 2 us each -> 0.5 um/us; line 1024 us + 200 us turnaround
    assert galvo_speed(512 * ureg.um, 512, 2 * ureg.us).to("um/us").magnitude == pytest.approx(0.5)
    assert galvo_speed(512 * ureg.um, 512, 2 * ureg.us, zoom=2).to("um/us").magnitude == pytest.approx(0.25)
    assert galvo_line_time(512, 2 * ureg.us, 200 * ureg.us).to("us").magnitude == pytest.approx(1224)
    assert galvo_line_rate(512, 2 * ureg.us, 200 * ureg.us).to("Hz").magnitude == pytest.approx(1e6 / 1224)
    assert galvo_fill_fraction(512, 2 * ureg.us, 200 * ureg.us) == pytest.approx(1024 / 1224)
    np.testing.assert_allclose(galvo_pixel_dwell_times(4, 3 * ureg.us).to("us").magnitude, [3, 3, 3, 3])
    # pulses per spot for the galvo: 0.4 um at 0.5 um/us = 0.8 us x 80 MHz = 64 pulses
    assert pulses_per_spot(FWHM, galvo_speed(512 * ureg.um, 512, 2 * ureg.us), REP) == pytest.approx(64)


# ------------------------------------------------------------------------ dark state


def test_dark_state_model():
    # [post]: N = N0 exp(-CPC / lambda); CPC = 0 leaves all fluorophores
    assert dark_state_remaining(0, 5, n0=100) == 100
    assert dark_state_remaining(10, 5) == pytest.approx(math.exp(-2))
    # lambda as pulses per transition: (1 - 1/lambda)^CPC ~ exp(-CPC/lambda) for large lambda
    lam, cpc = 500.0, 25.46
    assert dark_state_remaining(cpc, lam) == pytest.approx((1 - 1 / lam) ** cpc, rel=1e-3)


def test_dark_state_yield_vs_zoom():
    # [post]: lambda ~ 500 -> fast scanning barely matters; lambda ~ 1 -> dramatic
    zooms = np.array([1, 20])
    y500 = dark_state_yield(zooms, FWHM, FOV, F_RES, REP, lam=500)
    y1 = dark_state_yield(zooms, FWHM, FOV, F_RES, REP, lam=1)
    d_cpc = 19 * 80 * 0.4 / (8 * math.pi)  # CPC(20) - CPC(1), hand-computed
    assert y500[0] == 1 and y500[1] == pytest.approx(math.exp(-d_cpc / 500))
    assert y500[1] > 0.95
    assert y1[1] < 1e-10


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call",
    [
        lambda: resonant_peak_speed(FOV, 0 * ureg.Hz),
        lambda: resonant_peak_speed(FOV, -8 * ureg.kHz),
        lambda: resonant_peak_speed(0 * ureg.um, F_RES),
        lambda: resonant_peak_speed(-1 * ureg.mm, F_RES),
        lambda: resonant_peak_speed(FOV, F_RES, zoom=0),
        lambda: resonant_peak_speed(FOV, float("nan")),
        lambda: resonant_cpc(FWHM, FOV, F_RES, 0 * ureg.MHz),
        lambda: resonant_cpc(0 * ureg.um, FOV, F_RES, REP),
        lambda: resonant_cpc(-0.4 * ureg.um, FOV, F_RES, REP),
        lambda: crossing_time(FWHM, 0),
        lambda: pulses_per_spot(FWHM, 25 * ureg.um / ureg.us, -1),
        lambda: resonant_speed_at(500 * ureg.um, FOV, F_RES),
        lambda: resonant_crossing_time(FWHM, FOV, F_RES, x=499.9 * ureg.um, exact=True),
        lambda: resonant_pixel_dwell_times(0, F_RES),
        lambda: resonant_pixel_dwell_times(16, F_RES, fill_fraction=1.2),
        lambda: resonant_nonuniformity(1.0),
        lambda: resonant_frame_rate(F_RES, 0),
        lambda: galvo_line_time(512, 0 * ureg.us, 100 * ureg.us),
        lambda: galvo_line_time(512, 1 * ureg.us, -1 * ureg.us),
        lambda: dark_state_remaining(10, 0),
        lambda: dark_state_remaining(-1, 5),
    ],
)
def test_bad_values_raise_invalid_parameter(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_error_messages_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="scanner frequency f must be positive.*0"):
        resonant_peak_speed(FOV, 0)
    with pytest.raises(InvalidParameterError, match="spot size fwhm"):
        resonant_cpc(0, FOV, F_RES, REP)


def test_wrong_types_and_dimensions():
    with pytest.raises(DimensionError):
        resonant_peak_speed(8 * ureg.kHz, FOV)  # swapped
    with pytest.raises(DimensionError):
        crossing_time(FWHM, 3 * ureg.us)  # a time where a speed belongs
    with pytest.raises(OpticsTypeError):
        resonant_peak_speed("1000 um", F_RES)
    with pytest.raises(OpticsTypeError):
        resonant_pixel_dwell_times(16.5, F_RES)
    with pytest.raises(OpticsError):
        resonant_peak_speed(FOV, True)


# ----------------------------------------------------------------------------- plots


def test_import_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, optics.acquisition.scanning, optics.plotting.scanning; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_speed_profile_plot_data_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optics.plotting.scanning import plot_dwell_times, plot_speed_profile

    fig, ax = plt.subplots()
    try:
        assert plot_speed_profile(FOV, F_RES, zoom=2, fill_fraction=0.5, ax=ax) is ax
        x, v = ax.lines[0].get_data()
        # zoom 2: x0 = 250 um, v_max = 4 pi um/us; the curve is the ellipse (x/x0)^2 + (v/vmax)^2 = 1
        assert x.max() == pytest.approx(250)
        assert v.max() == pytest.approx(4 * math.pi)
        np.testing.assert_allclose((x / 250) ** 2 + (v / (4 * math.pi)) ** 2, 1, rtol=1e-12)
        assert "µm" in ax.get_xlabel() and "µm/µs" in ax.get_ylabel()
        ax.clear()
        plot_dwell_times(16, F_RES, 0.5, ax=ax)
        _, tau = ax.lines[0].get_data()
        assert tau.sum() == pytest.approx(0.5 / (2 * 8e3) * 1e6)  # F_t/(2f) in us
        assert "µs" in ax.get_ylabel()
    finally:
        plt.close(fig)


def test_cpc_plot_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optics.plotting.scanning import plot_cpc_vs_zoom

    ax = plot_cpc_vs_zoom(FWHM, FOV, F_RES, REP, zooms=[1, 20], lam=[1, 500])
    try:
        z, c = ax.lines[0].get_data()
        np.testing.assert_allclose(c, np.array([1, 20]) * 80 * 0.4 / (8 * math.pi), rtol=1e-12)
        twin = [a for a in ax.figure.axes if a is not ax][0]
        assert len(twin.lines) == 2 and twin.lines[1].get_data()[1][0] == 1.0
    finally:
        plt.close(ax.figure)
