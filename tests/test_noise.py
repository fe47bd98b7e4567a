"""Tests for optics.acquisition.noise: standardized noise level and the acquisition budget.

References
----------
[post]  /work/shared/reference/blog-noise-levels.txt ("Large-scale calcium imaging & noise levels"):
        nu = median|dF/F(t+1) - dF/F(t)| / sqrt(frame rate), dF/F in percent; nu2 = nu1 sqrt(n2/n1) with
        n1 = 150, nu1 = 1.0; dataset ranges in its appendix.
[normal] median of |N(0, s^2)| = 0.6745 s (the 3/4 quantile of the standard normal, 0.67449; any
        statistics table); the difference of two independent N(0, sigma^2) samples is N(0, 2 sigma^2).
[shot]  Poisson photon counting: a neuron receiving L photons per frame has relative noise 1/sqrt(L).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optics.errors import DimensionError, InvalidParameterError, OpticsTypeError
from optics.acquisition.noise import (
    REFERENCE_DATASETS,
    REFERENCE_NEURONS,
    REFERENCE_NOISE_LEVEL,
    AcquisitionBudget,
    acquisition_budget,
    frame_noise_to_noise_level,
    gaussian_noise_level,
    neurons_for_noise_level,
    noise_level,
    noise_level_for_neurons,
    noise_level_to_frame_noise,
)
from optics.units import ureg

MEDIAN_ABS_STD_NORMAL = 0.67449  # [normal], table value


# ------------------------------------------------------------------- noise level


def test_hand_computed_trace():
    # diffs: 2, -1, 4, -4, 1 -> |.| = 2, 1, 4, 4, 1 -> median 2; / sqrt(16) = 0.5
    trace = [10.0, 12.0, 11.0, 15.0, 11.0, 12.0]
    assert noise_level(trace, 16) == pytest.approx(0.5)
    assert noise_level(trace, 16 * ureg.Hz) == pytest.approx(0.5)
    assert noise_level(trace, 0.016 * ureg.kHz) == pytest.approx(0.5)


def test_post_python_one_liner_on_random_traces():
    # [post]: np.median(np.abs(np.diff(dFF_trace)))/np.sqrt(framerate), written out here as the reference
    rng = np.random.default_rng(1)
    traces = rng.normal(size=(3, 4, 101)) * 20
    expected = np.array([[np.median(np.abs(np.diff(t))) / np.sqrt(7.5) for t in row] for row in traces])
    np.testing.assert_allclose(noise_level(traces, 7.5), expected, rtol=1e-12)
    # time on another axis
    np.testing.assert_allclose(noise_level(np.moveaxis(traces, -1, 0), 7.5, axis=0), expected, rtol=1e-12)


def test_one_frame_rate_per_trace():
    traces = np.array([[0.0, 3.0, 0.0], [0.0, 3.0, 0.0]])
    np.testing.assert_allclose(noise_level(traces, [1.0, 9.0]), [3.0, 1.0])


def test_fraction_and_quantity_inputs_are_converted_to_percent():
    trace = np.array([0.0, 0.02, 0.0, 0.02])  # 2 % steps as a fraction
    assert noise_level(trace, 4, scale="fraction") == pytest.approx(1.0)
    assert noise_level(trace * 100, 4) == pytest.approx(1.0)
    assert noise_level(trace * ureg.dimensionless, 4) == pytest.approx(1.0)
    assert noise_level(trace * 100 * ureg.percent, 4) == pytest.approx(1.0)


def test_constant_trace_has_zero_noise():
    assert noise_level(np.full(50, 3.0), 30) == 0.0


def test_gaussian_white_noise_statistically():
    # [normal]: median|x(t+1) - x(t)| = sqrt(2) * 0.6745 * sigma for white Gaussian noise
    rng = np.random.default_rng(12345)
    sigma, fr = 5.0, 30.0
    traces = rng.normal(0.0, sigma, size=(4, 100_000))
    expected = math.sqrt(2) * MEDIAN_ABS_STD_NORMAL * sigma / math.sqrt(fr)
    # relative standard error of the median of 1e5 samples ~ 0.4 %; allow 2 %
    np.testing.assert_allclose(noise_level(traces, fr), expected, rtol=0.02)
    assert gaussian_noise_level(sigma, fr) == pytest.approx(expected, rel=1e-4)


# ---------------------------------------------------------------- scaling law


def test_scaling_law_post_reference():
    # [post]: 150 neurons at nu = 1.0; nu2 = nu1 sqrt(n2/n1)
    assert REFERENCE_NEURONS == 150 and REFERENCE_NOISE_LEVEL == 1.0
    assert noise_level_for_neurons(150) == pytest.approx(1.0)
    assert noise_level_for_neurons(600) == pytest.approx(2.0)  # sqrt(4)
    assert noise_level_for_neurons(15000) == pytest.approx(10.0)  # sqrt(100)
    assert noise_level_for_neurons(50, nu_ref=2.0, n_ref=200) == pytest.approx(1.0)  # 2 sqrt(1/4)


def test_post_datasets_against_the_line():
    line = lambda n: noise_level_for_neurons(n)  # noqa: E731
    # [post] Rupprecht et al. 2021: 800-1500 neurons at 2.0-4.0, "lies pretty much on this line"
    n_lo, n_hi, nu_lo, nu_hi, _ = REFERENCE_DATASETS["Rupprecht et al. 2021 (zebrafish, OGB-1)"]
    assert nu_lo <= line(n_lo) <= nu_hi and nu_lo <= line(n_hi) <= nu_hi
    # [post] Allen: 100-200 neurons at ca. 1.0 (the reference)
    n_lo, n_hi, *_ = REFERENCE_DATASETS["de Vries et al. 2020 (Allen, excitatory)"]
    assert 0.8 < line(n_lo) < 1.0 < line(n_hi) < 1.2
    # [post] Pachitariu 2019: ca. 20,000 neurons at 4.0-5.0, "impressively low" -> well below the line
    n, _, _, nu_hi, _ = REFERENCE_DATASETS["Pachitariu et al. 2019"]
    assert line(n) > 2 * nu_hi


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e6), st.floats(min_value=0.1, max_value=10))
def test_neurons_noise_round_trip(n, nu_ref):
    nu = noise_level_for_neurons(n, nu_ref=nu_ref)
    assert neurons_for_noise_level(nu, nu_ref=nu_ref) == pytest.approx(n, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=0.0, max_value=100.0), st.floats(min_value=0.1, max_value=1000.0))
def test_frame_noise_round_trip(nu, fr):
    assert frame_noise_to_noise_level(noise_level_to_frame_noise(nu, fr), fr) == pytest.approx(nu, abs=1e-12)


def _shot_noise_trace(rng, photons_per_second, n_neurons, fr, n_frames=100_000):
    """dF/F (%) of a neuron with a constant signal, measured with Poisson photon counts. [shot]"""
    mean = photons_per_second / (n_neurons * fr)  # budget shared by neurons and frames
    counts = rng.poisson(mean, size=n_frames)
    return 100.0 * (counts / mean - 1.0)


def test_shot_noise_simulation_confirms_sqrt_n_scaling_and_frame_rate_independence():
    # [shot] + [post]: sharing a photon budget among n neurons gives nu ~ sqrt(n), independent of frame rate
    rng = np.random.default_rng(7)
    budget = 4.5e8  # photons per second (mean 1e4-1e5 per frame below: quantisation of counts negligible)
    nu_150_30 = noise_level(_shot_noise_trace(rng, budget, 150, 30.0), 30.0)
    nu_150_3 = noise_level(_shot_noise_trace(rng, budget, 150, 3.0), 3.0)
    nu_1500_30 = noise_level(_shot_noise_trace(rng, budget, 1500, 30.0), 30.0)
    assert nu_150_3 == pytest.approx(nu_150_30, rel=0.03)
    assert nu_1500_30 / nu_150_30 == pytest.approx(math.sqrt(10), rel=0.03)
    assert nu_1500_30 / nu_150_30 == pytest.approx(
        noise_level_for_neurons(1500) / noise_level_for_neurons(150), rel=0.03
    )


# ---------------------------------------------------------------- acquisition budget


def test_budget_post_tradeoff_100_at_30hz_vs_1000_at_3hz():
    # [post]: "100 neurons at 30 Hz, or 1000 neurons at 3 Hz"; photons per neuron per frame are equal
    # ([shot]: P / (n fr) = P / 3000 in both), so the per-frame noise is equal and nu differs by sqrt(10)
    a = acquisition_budget(30, n_neurons=100)
    b = acquisition_budget(3 * ureg.Hz, n_neurons=1000)
    assert b.frame_noise == pytest.approx(a.frame_noise, rel=1e-12)
    assert b.noise_level / a.noise_level == pytest.approx(math.sqrt(10), rel=1e-12)
    assert a.noise_level == pytest.approx(math.sqrt(100 / 150))
    assert a.frame_noise == pytest.approx(math.sqrt(100 / 150) * math.sqrt(30))


def test_budget_from_fov_and_density():
    # 0.8 mm x 0.8 mm x 3 planes x 500 /mm^2 = 960 neurons (hand)
    b = acquisition_budget(10, fov=800 * ureg.um, density=500 / ureg.mm**2, planes=3)
    assert isinstance(b, AcquisitionBudget)
    assert b.n_neurons == pytest.approx(960)
    assert b.noise_level == pytest.approx(math.sqrt(960 / 150))
    assert b.fov.to("um").magnitude == pytest.approx(800)
    assert b.frame_rate.to("Hz").magnitude == 10
    # density in another unit: 5e-4 per um^2 = 500 per mm^2
    b2 = acquisition_budget(10, fov=0.8, density=5e-4 / ureg.um**2, planes=3)
    assert b2.n_neurons == pytest.approx(960)


def test_budget_frame_sigma_reproduces_its_noise_level():
    # white Gaussian noise with the budget's sigma per frame has the budget's nu ([normal])
    b = acquisition_budget(20, n_neurons=2000)
    rng = np.random.default_rng(3)
    trace = rng.normal(0, b.frame_sigma, size=200_000)
    assert noise_level(trace, 20) == pytest.approx(b.noise_level, rel=0.02)


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call",
    [
        lambda: noise_level([1.0], 30),
        lambda: noise_level([], 30),
        lambda: noise_level(np.zeros((3, 1)), 30),
        lambda: noise_level(5.0, 30),
        lambda: noise_level([1.0, np.nan, 2.0], 30),
        lambda: noise_level([1.0, np.inf, 2.0], 30),
        lambda: noise_level([1.0, 2.0, 3.0], 0),
        lambda: noise_level([1.0, 2.0, 3.0], -30),
        lambda: noise_level([1.0, 2.0, 3.0], float("nan")),
        lambda: noise_level([1.0, 2.0, 3.0], 30, scale="permille"),
        lambda: noise_level(np.zeros((2, 5)), [1.0, 2.0, 3.0]),
        lambda: noise_level_for_neurons(0),
        lambda: noise_level_for_neurons(-10),
        lambda: noise_level_for_neurons(100, n_ref=0),
        lambda: neurons_for_noise_level(-1),
        lambda: acquisition_budget(0, n_neurons=100),
        lambda: acquisition_budget(30),
        lambda: acquisition_budget(30, fov=1.0),
        lambda: acquisition_budget(30, n_neurons=100, fov=1.0, density=100),
        lambda: acquisition_budget(30, fov=0, density=100),
        lambda: acquisition_budget(30, n_neurons=100, planes=0),
    ],
)
def test_bad_values_raise_invalid_parameter(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_nan_message_names_trace_and_frame():
    traces = np.zeros((2, 10))
    traces[1, 4] = np.nan
    with pytest.raises(InvalidParameterError, match=r"trace \(1,\), frame 4"):
        noise_level(traces, 30)
    with pytest.raises(InvalidParameterError, match="at least 2 frames.*got 1"):
        noise_level([[1.0]], 30)


def test_wrong_types_and_dimensions():
    with pytest.raises(DimensionError):
        noise_level([0.0, 1.0, 2.0], 30 * ureg.mm)
    with pytest.raises(DimensionError):
        acquisition_budget(30, fov=1 * ureg.s, density=100)
    with pytest.raises(OpticsTypeError):
        noise_level("0 1 2", 30)
    with pytest.raises(OpticsTypeError):
        noise_level([0.0, 1.0], "30 Hz")
    with pytest.raises(OpticsTypeError):
        noise_level_for_neurons("150")


# ----------------------------------------------------------------------------- plots


def test_noise_plots_data_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optics.plotting.scanning import plot_frame_noise_vs_frame_rate, plot_noise_vs_neurons

    fig, (ax1, ax2) = plt.subplots(1, 2)
    try:
        assert plot_noise_vs_neurons([150, 600, 15000], ax=ax1) is ax1
        n, nu = ax1.lines[0].get_data()
        np.testing.assert_allclose(nu, [1.0, 2.0, 10.0])  # [post] sqrt(n/150)
        assert "Hz" in ax1.get_ylabel()
        plot_frame_noise_vs_frame_rate([4.0, 25.0] * ureg.Hz, n_neurons=[600], ax=ax2)
        _, m = ax2.lines[0].get_data()
        np.testing.assert_allclose(m, [2.0 * 2, 2.0 * 5])  # nu sqrt(fr), nu = 2
        assert ax2.get_xlabel() == "frame rate (Hz)" and "%" in ax2.get_ylabel()
    finally:
        plt.close(fig)
