r"""Standardized noise level of calcium recordings and the acquisition budget.

A point-scanning microscope shares one photon budget among all the neurons it
records: more neurons (a larger FOV, more planes) means less dwell time, and
so more shot noise, per neuron.  This module measures that noise on recorded
traces and predicts it for a planned acquisition.

Standardized noise level
------------------------
From the reference post (blog-noise-levels.txt; Rupprecht et al. 2021,
"Computation of noise levels"):

.. math:: \nu = \frac{\operatorname{median}_t \left|\Delta F/F_{t+1} - \Delta F/F_t\right|}{\sqrt{f_r}}

with :math:`\Delta F/F` in **percent** and the frame rate :math:`f_r` in
**Hz**, so :math:`\nu` is in :math:`\% \cdot \mathrm{Hz}^{-1/2}`
(:math:`= \% \cdot \mathrm{s}^{1/2}`; the post calls the units "a bit
arbitrary" and omits them).  Values are returned as plain numbers in these
units, which is how they are quoted everywhere.  The median ignores the fast
onsets of calcium transients; dividing by :math:`\sqrt{f_r}` makes recordings
at different frame rates comparable, because shot noise per frame grows as
:math:`\sqrt{f_r}` at a fixed photon rate.

For white Gaussian noise of standard deviation :math:`\sigma` per frame, the
frame-to-frame difference is :math:`N(0, 2\sigma^2)` and the median of its
absolute value is :math:`\sqrt{2}\,\Phi^{-1}(3/4)\,\sigma \approx 0.954\,\sigma`
(:func:`gaussian_noise_level`).

Scaling with the number of neurons
----------------------------------
Photons per neuron per frame scale as :math:`1/(n f_r)`, so the per-frame
noise scales as :math:`\sqrt{n f_r}` and :math:`\nu \propto \sqrt{n}`,
independent of the frame rate:

.. math:: \nu_2 = \nu_1 \sqrt{n_2 / n_1}

The post's reference point is the Allen Brain Observatory Visual Coding data
(de Vries et al. 2020): :math:`n_1 = 150` neurons at :math:`\nu_1 = 1.0`
("typical" conditions).  Recordings below the line did better than typical.

>>> import numpy as np
>>> noise_level([0.0, 1.0, 3.0, 2.0, 2.0], frame_rate=4)   # median(1, 2, 1, 0) / 2
0.5
>>> round(noise_level_for_neurons(1500), 3)
3.162
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.units import is_quantity, quantity, to_magnitude
from optics.validate import positive, scalar_or_array

__all__ = [
    "REFERENCE_NEURONS",
    "REFERENCE_NOISE_LEVEL",
    "REFERENCE_DATASETS",
    "noise_level",
    "gaussian_noise_level",
    "noise_level_for_neurons",
    "neurons_for_noise_level",
    "noise_level_to_frame_noise",
    "frame_noise_to_noise_level",
    "AcquisitionBudget",
    "acquisition_budget",
]

#: Reference point of the scaling law (blog-noise-levels.txt: "For n_1 = 150
#: neurons (Allen dataset, de Vries et al.), a standardized noise level of
#: nu_1 = 1.0 can be assumed").
REFERENCE_NEURONS = 150
REFERENCE_NOISE_LEVEL = 1.0

#: Datasets quoted with numbers in blog-noise-levels.txt (appendix):
#: name -> (neurons low, neurons high, nu low, nu high, note).
REFERENCE_DATASETS = {
    "de Vries et al. 2020 (Allen, excitatory)": (100, 200, 1.0, 1.0, "mouse visual cortex; 'ca. 1.0'"),
    "Rupprecht et al. (unpublished, CA1)": (400, 500, 2.0, 3.0, "Thy-1 mice, 20 mW"),
    "Rupprecht et al. 2021 (zebrafish, OGB-1)": (800, 1500, 2.0, 4.0, "'lies pretty much on this line'"),
    "Pachitariu et al. 2019": (20000, 20000, 4.0, 5.0, "'ca. 20,000 neurons'; well below the line"),
    "MICrONS 2021": (
        10000,
        10000,
        7.0,
        10.0,
        "'close to 10,000'; not proper dF/F (post's Nov 2021 update), noise measure not meaningful",
    ),
}

# Median of |N(0, 1)|, the 3/4 quantile of the standard normal distribution.
_MEDIAN_ABS_NORMAL = NormalDist().inv_cdf(0.75)


def _positive_rate(value, name):
    return np.asarray(positive(value, "Hz", name))


def _positive_number(value, name, *, allow_zero=False):
    return np.asarray(positive(value, "dimensionless", name, allow_zero=allow_zero))


def noise_level(dff, frame_rate, *, scale="percent", axis=-1):
    r"""Standardized noise level :math:`\nu` of dF/F traces.

    .. math:: \nu = \frac{\operatorname{median}_t |\Delta F/F_{t+1} - \Delta F/F_t|}{\sqrt{f_r}}

    Parameters
    ----------
    dff : array_like, shape (..., time)
        Raw dF/F traces (no neuropil subtraction, as in the post).  Plain
        arrays are read according to *scale*; a dimensionless Quantity is
        converted to percent.
    frame_rate : frequency or array
        Frame rate :math:`f_r` (Hz if a number); an array broadcasts against
        the trace dimensions (one rate per trace).
    scale : {"percent", "fraction"}
        Whether plain-array *dff* is in percent (the post's convention, the
        default) or a fraction (0.1 for 10 %).
    axis : int
        Time axis (default last).

    Returns
    -------
    float or ndarray
        :math:`\nu` in % / sqrt(Hz): a float for one trace, an array of
        shape ``dff.shape`` without *axis* otherwise.

    Raises
    ------
    InvalidParameterError
        Traces with fewer than 2 frames, NaN or infinite samples, or a
        non-positive frame rate.

    Notes
    -----
    The estimate from few frames is itself noisy (the median of *m*
    differences has a relative standard error of about
    :math:`1.2/\sqrt{m}` for Gaussian noise); use minutes of recording.

    Examples
    --------
    >>> noise_level([[0, 2, 0, 2], [0, 0.01, 0.02, 0.01]], 1, scale="fraction")
    array([200.,   1.])
    """
    if scale not in ("percent", "fraction"):
        raise InvalidParameterError(f"noise_level: scale must be 'percent' or 'fraction', got {scale!r}")
    if is_quantity(dff):
        values = to_magnitude(dff, "percent", name="noise_level dF/F")
        factor = 1.0
    else:
        values = dff
        factor = 100.0 if scale == "fraction" else 1.0
    if isinstance(values, (str, bytes)):
        raise OpticsTypeError(f"noise_level: dF/F must be a numeric array, got {dff!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise OpticsTypeError("noise_level: dF/F must be a numeric array") from None
    if arr.ndim == 0:
        raise InvalidParameterError("noise_level: dF/F must be a trace (array over time), got a single number")
    arr = np.moveaxis(arr, axis, -1)
    n_frames = arr.shape[-1]
    if n_frames < 2:
        raise InvalidParameterError(
            f"noise_level: traces need at least 2 frames for a frame-to-frame difference, got {n_frames}"
        )
    finite = np.isfinite(arr)
    if not np.all(finite):
        bad = np.argwhere(~finite)[0]
        where = f"trace {tuple(int(i) for i in bad[:-1])}, " if arr.ndim > 1 else ""
        raise InvalidParameterError(
            f"noise_level: dF/F contains NaN or infinite values ({where}frame {int(bad[-1])}); "
            "interpolate or drop them first"
        )
    rate = _positive_rate(frame_rate, "noise_level frame_rate")
    median = np.median(np.abs(np.diff(arr * factor, axis=-1)), axis=-1)
    try:
        return scalar_or_array(median / np.sqrt(rate))
    except ValueError:
        raise InvalidParameterError(
            f"noise_level: frame_rate of shape {rate.shape} does not broadcast against traces of shape {median.shape}"
        ) from None


def gaussian_noise_level(sigma, frame_rate):
    r"""Noise level of white Gaussian noise of standard deviation *sigma* (percent dF/F) per frame.

    .. math:: \nu = \frac{\sqrt{2}\,\Phi^{-1}(3/4)\,\sigma}{\sqrt{f_r}}
              \approx \frac{0.9539\,\sigma}{\sqrt{f_r}}

    Parameters
    ----------
    sigma : float or array
        Standard deviation per frame, in percent dF/F.
    frame_rate : frequency
        Hz if a number.

    Returns
    -------
    float or ndarray

    >>> round(gaussian_noise_level(10, 30), 4)
    1.7416
    """
    s = _positive_number(sigma, "noise sigma", allow_zero=True)
    rate = _positive_rate(frame_rate, "frame_rate")
    return scalar_or_array(math.sqrt(2) * _MEDIAN_ABS_NORMAL * s / np.sqrt(rate))


def noise_level_for_neurons(n_neurons, *, nu_ref=REFERENCE_NOISE_LEVEL, n_ref=REFERENCE_NEURONS):
    r"""Expected noise level when the photon budget is shared by *n_neurons*.

    Parameters
    ----------
    n_neurons : int, float or array
        Neurons sharing the photon budget.
    nu_ref : float
        Reference noise level (default 1).
    n_ref : float
        Neurons at the reference level (default 150).

    .. math:: \nu = \nu_\mathrm{ref} \sqrt{n / n_\mathrm{ref}}

    Default reference: 150 neurons at :math:`\nu = 1` (blog-noise-levels.txt,
    Allen Visual Coding data).  Independent of the frame rate.

    >>> noise_level_for_neurons([150, 600])
    array([1., 2.])
    """
    n = _positive_number(n_neurons, "number of neurons")
    nu1 = _positive_number(nu_ref, "reference noise level nu_ref")
    n1 = _positive_number(n_ref, "reference number of neurons n_ref")
    return scalar_or_array(nu1 * np.sqrt(n / n1))


def neurons_for_noise_level(nu, *, nu_ref=REFERENCE_NOISE_LEVEL, n_ref=REFERENCE_NEURONS):
    r"""Number of neurons that can share the photon budget at noise level *nu*.

    Parameters
    ----------
    nu : float or array
        Noise level (% per sqrt(Hz)).
    nu_ref : float
        Reference noise level (default 1).
    n_ref : float
        Neurons at the reference level (default 150).

    .. math:: n = n_\mathrm{ref}\,(\nu / \nu_\mathrm{ref})^2

    >>> neurons_for_noise_level(3.0)
    1350.0
    """
    v = _positive_number(nu, "noise level nu")
    nu1 = _positive_number(nu_ref, "reference noise level nu_ref")
    n1 = _positive_number(n_ref, "reference number of neurons n_ref")
    return scalar_or_array(n1 * (v / nu1) ** 2)


def noise_level_to_frame_noise(nu, frame_rate):
    r"""Median absolute frame-to-frame change of dF/F (percent) for noise level *nu*.

    Parameters
    ----------
    nu : float or array
        Noise level (% per sqrt(Hz)).
    frame_rate : frequency or float
        Frame rate (Hz if a number).

    .. math:: \operatorname{median}|\Delta(\Delta F/F)| = \nu \sqrt{f_r}

    This is the noise one sees in a trace at frame rate :math:`f_r`.

    >>> noise_level_to_frame_noise(1.0, 25)
    5.0
    """
    v = _positive_number(nu, "noise level nu", allow_zero=True)
    rate = _positive_rate(frame_rate, "frame_rate")
    return scalar_or_array(v * np.sqrt(rate))


def frame_noise_to_noise_level(frame_noise, frame_rate):
    r"""Noise level from the median absolute frame-to-frame change (percent), :math:`\nu = m/\sqrt{f_r}`.

    Parameters
    ----------
    frame_noise : float or array
        Median absolute frame-to-frame change of dF/F (%).
    frame_rate : frequency or float
        Frame rate (Hz if a number).

    >>> frame_noise_to_noise_level(5.0, 25)
    1.0
    """
    m = _positive_number(frame_noise, "frame noise", allow_zero=True)
    rate = _positive_rate(frame_rate, "frame_rate")
    return scalar_or_array(m / np.sqrt(rate))


@dataclass(frozen=True)
class AcquisitionBudget:
    r"""A planned recording: how many neurons, how fast, and how noisy.

    Build it with :func:`acquisition_budget`.

    Attributes
    ----------
    frame_rate : Quantity (Hz)
        Rate at which each neuron is sampled (the volume rate for multi-plane
        recordings).
    n_neurons : float
        Neurons sharing the photon budget.
    noise_level : float
        Expected :math:`\nu` in % / sqrt(Hz).
    frame_noise : float
        Expected median :math:`|\Delta(\Delta F/F)|` per frame, in %.
    frame_sigma : float
        Standard deviation per frame (in % dF/F) of white Gaussian noise with
        this noise level.
    fov : Quantity (um) or None
        Side of the square field of view, when the neurons were counted from
        a density.
    density : Quantity (1/mm**2) or None
        Neurons per unit area of one plane.
    planes : int
        Imaging planes.
    """

    frame_rate: object
    n_neurons: float
    noise_level: float
    frame_noise: float
    frame_sigma: float
    fov: object = None
    density: object = None
    planes: int = 1


def acquisition_budget(
    frame_rate,
    *,
    n_neurons=None,
    fov=None,
    density=None,
    planes=1,
    nu_ref=REFERENCE_NOISE_LEVEL,
    n_ref=REFERENCE_NEURONS,
):
    r"""Relate FOV, frame rate, number of neurons and the expected noise level.

    The number of neurons is given, or counted from a square field of view of
    side *fov* with *density* neurons per unit area in each of *planes*
    planes:

    .. math:: n = \rho\,\mathrm{FOV}^2 N_\mathrm{planes}, \qquad
              \nu = \nu_\mathrm{ref}\sqrt{n/n_\mathrm{ref}}, \qquad
              \operatorname{median}|\Delta(\Delta F/F)| = \nu\sqrt{f_r}

    The model assumes the photon budget is the reference one (laser power,
    indicator, expression, collection as in "typical" recordings); it
    predicts the scaling, not absolute quality.

    Parameters
    ----------
    frame_rate : frequency
        Sampling rate of each neuron (Hz if a number); for several planes the
        volume rate, for example from
        :func:`optics.acquisition.scanning.resonant_frame_rate` divided by *planes*.
    n_neurons : float, optional
        Neurons recorded.  Give this or *fov* and *density*.
    fov : length, optional
        Side of the square FOV (mm if a number).
    density : Quantity (1/area) or float, optional
        Neurons per unit area per plane (per mm**2 if a number).
    planes : int
        Imaging planes.
    nu_ref, n_ref : float
        Reference point of the scaling (default 1.0 at 150 neurons).

    Returns
    -------
    AcquisitionBudget

    Examples
    --------
    The post's trade-off, 100 neurons at 30 Hz vs 1000 neurons at 3 Hz: the
    per-frame noise is the same, the standardized noise is sqrt(10) higher.

    >>> a = acquisition_budget(30, n_neurons=100)
    >>> b = acquisition_budget(3, n_neurons=1000)
    >>> round(b.noise_level / a.noise_level, 4), round(b.frame_noise / a.frame_noise, 4)
    (3.1623, 1.0)
    >>> from optics.units import ureg
    >>> acquisition_budget(30 * ureg.Hz, fov=500 * ureg.um, density=1000 / ureg.mm**2).n_neurons
    250.0
    """
    rate = _positive_rate(frame_rate, "frame_rate")
    if np.ndim(rate):
        raise OpticsTypeError("acquisition_budget: frame_rate must be a scalar")
    if isinstance(planes, (bool, np.bool_)) or not isinstance(planes, (int, np.integer)) or planes < 1:
        raise InvalidParameterError(f"acquisition_budget: planes must be an integer >= 1, got {planes!r}")
    fov_q = density_q = None
    if n_neurons is not None:
        if fov is not None or density is not None:
            raise InvalidParameterError("acquisition_budget: give n_neurons or fov and density, not both")
        n = float(_positive_number(n_neurons, "number of neurons"))
    else:
        if fov is None or density is None:
            raise InvalidParameterError("acquisition_budget: give n_neurons, or both fov and density")
        side = to_magnitude(fov, "mm", name="acquisition_budget fov")
        side = float(_positive_number(side, "acquisition_budget fov"))
        rho = to_magnitude(density, "1/mm**2", name="acquisition_budget density (neurons per area)")
        rho = float(_positive_number(rho, "acquisition_budget density"))
        n = rho * side**2 * int(planes)
        fov_q = quantity(side * 1e3, "um")
        density_q = quantity(rho, "1/mm**2")
    nu = float(noise_level_for_neurons(n, nu_ref=nu_ref, n_ref=n_ref))
    frame_noise = nu * math.sqrt(float(rate))
    sigma = frame_noise / (math.sqrt(2) * _MEDIAN_ABS_NORMAL)
    return AcquisitionBudget(
        frame_rate=quantity(float(rate), "Hz"),
        n_neurons=n,
        noise_level=nu,
        frame_noise=frame_noise,
        frame_sigma=sigma,
        fov=fov_q,
        density=density_q,
        planes=int(planes),
    )
