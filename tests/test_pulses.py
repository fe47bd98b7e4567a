"""Pulse dispersion (optics.acquisition.pulses): GDD of glass, broadening, pre-chirp."""

import math

import numpy as np
import pytest

from optics.acquisition.pulses import (
    FixedGdd,
    GlassPlate,
    broadened_duration,
    glass_gdd,
    path_gdd,
    prechirp,
    prescription_gdd,
)
from optics.catalog.prescriptions import prescription
from optics.errors import InvalidParameterError, OpticsError, OpticsTypeError
from optics.units import ureg

fs, fs2, nm, mm = ureg.fs, ureg.fs**2, ureg.nm, ureg.mm


def test_broadening_on_a_worked_case():
    # tau0 = 100 fs, GDD = 5000 fs²:
    #   4 ln2 * GDD / tau0² = 2.772589 * 5000 / 10000 = 1.386294
    #   sqrt(1 + 1.386294²) = sqrt(2.921812) = 1.709331  ->  tau = 170.93 fs
    tau = broadened_duration(100 * fs, 5000 * fs2)
    assert tau.units == ureg.Unit("femtosecond")
    assert tau.magnitude == pytest.approx(170.93, abs=0.01)
    # At GDD = tau0² / (4 ln2) = 3606.74 fs² the pulse is exactly sqrt(2) longer.
    assert broadened_duration(100 * fs, 10000 / (4 * math.log(2)) * fs2).magnitude == pytest.approx(
        100 * math.sqrt(2), rel=1e-12)
    # Units convert once at the edge: 0.1 ps and 5000 fs² give the same.
    assert broadened_duration(0.1 * ureg.ps, 5000 * fs2).magnitude == pytest.approx(170.93, abs=0.01)


def test_broadening_agrees_with_a_numerical_propagation():
    # Independent route: a Gaussian field through the spectral phase GDD ω²/2 by FFT;
    # measure the intensity FWHM of the result.
    tau0, gdd = 80.0, 6000.0  # fs, fs²
    t = np.linspace(-4000, 4000, 2**16)
    field = np.exp(-2 * math.log(2) * (t / tau0) ** 2)  # intensity FWHM = tau0
    omega = 2 * np.pi * np.fft.fftfreq(t.size, d=t[1] - t[0])
    out = np.fft.ifft(np.fft.fft(field) * np.exp(0.5j * gdd * omega**2))
    intensity = np.abs(out) ** 2
    above = t[intensity >= intensity.max() / 2]
    fwhm = above[-1] - above[0]
    assert broadened_duration(tau0 * fs, gdd * fs2).magnitude == pytest.approx(fwhm, rel=2e-3)


def test_prechirp_restores_the_input_duration():
    budget = path_gdd([GlassPlate("window", "N-BK7", 12 * mm), FixedGdd("objective", 5000 * fs2)], 920 * nm)
    assert prechirp(budget).magnitude == pytest.approx(-budget.total.magnitude, rel=1e-14)
    assert budget.duration(120 * fs, prechirp(budget)).magnitude == pytest.approx(120, rel=1e-9)
    assert budget.duration(120 * fs).magnitude > 120


def test_glass_gdd_is_gvd_times_thickness():
    # N-BK7 at 800 nm: GVD 44.65 fs²/mm (see test_materials) -> 10 mm: 446.5 fs².
    assert glass_gdd("N-BK7", 10 * mm, 800 * nm).magnitude == pytest.approx(446.5, abs=0.5)
    assert glass_gdd("N-BK7", 10, 800 * nm).magnitude == glass_gdd("N-BK7", 1 * ureg.cm, 800 * nm).magnitude


def test_a_prescription_counts_each_glass_at_its_centre_thickness():
    p = prescription("Thorlabs AC254-050-B")  # 7.5 mm N-LAK22 + 1.8 mm N-SF6HT
    expected = glass_gdd("N-LAK22", 7.5, 920 * nm) + glass_gdd("N-SF6HT", 1.8, 920 * nm)
    assert prescription_gdd(p, 920 * nm).magnitude == pytest.approx(expected.magnitude, rel=1e-12)
    budget = path_gdd([p, p], 920 * nm)
    assert budget.total.magnitude == pytest.approx(2 * expected.magnitude, rel=1e-12)
    assert "N-LAK22 7.5 mm" in budget.contributions[0].how


def test_bad_inputs_are_refused_with_names():
    with pytest.raises(OpticsTypeError, match="tau0: pass a Quantity"):
        broadened_duration(100, 5000 * fs2)
    with pytest.raises(InvalidParameterError, match="tau0 must be positive"):
        broadened_duration(-100 * fs, 5000 * fs2)
    with pytest.raises(OpticsError):
        broadened_duration(100 * fs, 5000 * fs)  # GDD with the wrong dimension
    with pytest.raises(InvalidParameterError, match="window: thickness"):
        path_gdd([GlassPlate("window", "N-BK7", -1 * mm)], 920 * nm)
    with pytest.raises(OpticsTypeError, match="cannot find the GDD"):
        path_gdd(["objective"], 920 * nm)
    with pytest.raises(OpticsTypeError, match="objective: gdd: pass a Quantity"):
        path_gdd([FixedGdd("objective", 5000)], 920 * nm)
