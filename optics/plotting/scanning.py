r"""Plots for scanning kinematics and the acquisition budget.

Each helper takes an optional matplotlib ``ax`` (a new figure when None),
draws with units on the axes, and returns the Axes.  matplotlib is imported
inside the functions only.

>>> from optics.units import ureg
>>> ax = plot_cpc_vs_zoom(0.4 * ureg.um, 1000 * ureg.um, 8 * ureg.kHz, 80 * ureg.MHz)
>>> ax.get_ylabel()
'pulses per spot (CPC)'
"""

from __future__ import annotations

import numpy as np

from optics.acquisition.noise import (
    REFERENCE_DATASETS,
    REFERENCE_NEURONS,
    REFERENCE_NOISE_LEVEL,
    noise_level_for_neurons,
    noise_level_to_frame_noise,
)
from optics.acquisition.scanning import (
    dark_state_yield,
    resonant_cpc,
    resonant_peak_speed,
    resonant_pixel_dwell_times,
    scan_amplitude,
    spatial_fill_fraction,
)
from optics.plotting._axes import new_axes

__all__ = [
    "plot_speed_profile",
    "plot_dwell_times",
    "plot_cpc_vs_zoom",
    "plot_noise_vs_neurons",
    "plot_frame_noise_vs_frame_rate",
]

_NU_LABEL = r"noise level $\nu$ (% Hz$^{-1/2}$)"




def plot_speed_profile(fov, f, zoom=1, fill_fraction=None, *, n_points=401, ax=None):
    r"""Scan speed across a resonant line, :math:`|v|(x) = 2\pi f\sqrt{x_0^2 - x^2}`.

    Parameters
    ----------
    fov, f, zoom
        As in :func:`optics.acquisition.scanning.resonant_peak_speed` (scalars).
    fill_fraction : float, optional
        Temporal fill fraction; the recorded part of the line is shaded.
    n_points : int
        Samples along the line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    >>> from optics.units import ureg
    >>> ax = plot_speed_profile(1000 * ureg.um, 8 * ureg.kHz, fill_fraction=0.7)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('position x (µm)', 'scan speed (µm/µs)')
    """
    ax = new_axes(ax)
    x0 = float(scan_amplitude(fov, zoom).to("um").magnitude)
    v_max = float(resonant_peak_speed(fov, f, zoom).to("um/us").magnitude)
    phase = np.linspace(-np.pi / 2, np.pi / 2, int(n_points))
    ax.plot(x0 * np.sin(phase), v_max * np.cos(phase), label=f"zoom {float(np.asarray(zoom)):g}")
    if fill_fraction is not None:
        edge = x0 * spatial_fill_fraction(fill_fraction)
        ax.axvspan(-edge, edge, alpha=0.15, label=f"recorded (fill fraction {fill_fraction:g})")
    ax.set_xlabel("position x (µm)")
    ax.set_ylabel("scan speed (µm/µs)")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def plot_dwell_times(n_pixels, f, fill_fraction=1.0, *, ax=None):
    r"""Dwell time per pixel along a resonant line of equal-width pixels.

    Parameters
    ----------
    n_pixels : int
        Pixels across the full sweep.
    f : frequency
        Resonant frequency.
    fill_fraction : float
        Spatial fill fraction used for pixels.
    ax : matplotlib Axes, optional
        Axes to draw on (default a new figure).

    See :func:`optics.acquisition.scanning.resonant_pixel_dwell_times`.

    >>> from optics.units import ureg
    >>> plot_dwell_times(512, 8 * ureg.kHz, 0.712).get_ylabel()
    'pixel dwell time (µs)'
    """
    ax = new_axes(ax)
    tau = resonant_pixel_dwell_times(n_pixels, f, fill_fraction).to("us").magnitude
    ax.step(np.arange(len(tau)), tau, where="mid", label=f"fill fraction {fill_fraction:g}")
    ax.set_xlabel("pixel index")
    ax.set_ylabel("pixel dwell time (µs)")
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def plot_cpc_vs_zoom(fwhm, fov, f, rep_rate, zooms=None, lam=None, *, ax=None):
    r"""Cumulative pulses per spot at the line centre against zoom, with the dark-state yield.

    Parameters
    ----------
    fwhm, fov, f, rep_rate
        As in :func:`optics.acquisition.scanning.resonant_cpc`.
    zooms : array, optional
        Zoom values (default 1 to 20).
    lam : float or sequence of float, optional
        Dark-state constants; for each, the predicted yield relative to the
        first zoom (:func:`optics.acquisition.scanning.dark_state_yield`) is drawn on a
        second y axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The CPC axes (the yield axes is its twin).
    """
    ax = new_axes(ax)
    z = np.linspace(1, 20, 96) if zooms is None else np.asarray(zooms, dtype=float)
    cpc = resonant_cpc(fwhm, fov, f, rep_rate, zoom=z)
    ax.plot(z, cpc, color="k", label="CPC")
    ax.set_xlabel("zoom")
    ax.set_ylabel("pulses per spot (CPC)")
    ax.set_ylim(bottom=0)
    if lam is not None:
        twin = ax.twinx()
        for value in np.atleast_1d(lam):
            y = dark_state_yield(z, fwhm, fov, f, rep_rate, value, reference_zoom=z[0])
            twin.plot(z, y, linestyle="--", label=rf"yield, $\lambda$ = {value:g}")
        twin.set_ylabel(f"fluorescence yield (relative to zoom {z[0]:g})")
        twin.set_ylim(0, 1.05)
        twin.legend(loc="lower left")
    return ax


def plot_noise_vs_neurons(
    n_neurons=None, *, nu_ref=REFERENCE_NOISE_LEVEL, n_ref=REFERENCE_NEURONS, datasets=True, ax=None
):
    r"""Expected noise level against the number of neurons, :math:`\nu = \nu_\mathrm{ref}\sqrt{n/n_\mathrm{ref}}`.

    Parameters
    ----------
    n_neurons : array, optional
        Neuron counts (default 10 to 100 000, log-spaced).
    nu_ref, n_ref : float
        Reference point (default 1.0 at 150 neurons).
    datasets : bool
        Draw the datasets quoted in the reference post as boxes
        (:data:`optics.acquisition.noise.REFERENCE_DATASETS`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    >>> ax = plot_noise_vs_neurons()
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    ax = new_axes(ax)
    n = np.logspace(1, 5, 200) if n_neurons is None else np.asarray(n_neurons, dtype=float)
    ax.plot(n, noise_level_for_neurons(n, nu_ref=nu_ref, n_ref=n_ref), color="k",
            label=rf"$\nu = {nu_ref:g}\,\sqrt{{n/{n_ref:g}}}$")
    if datasets:
        for name, (n_lo, n_hi, nu_lo, nu_hi, _note) in REFERENCE_DATASETS.items():
            n_mid, nu_mid = np.sqrt(n_lo * n_hi), 0.5 * (nu_lo + nu_hi)
            ax.errorbar(n_mid, nu_mid, xerr=[[n_mid - n_lo], [n_hi - n_mid]],
                        yerr=[[nu_mid - nu_lo], [nu_hi - nu_mid]], fmt="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("neurons recorded simultaneously")
    ax.set_ylabel(_NU_LABEL)
    ax.legend(fontsize="small")
    return ax


def plot_frame_noise_vs_frame_rate(
    frame_rates=None, n_neurons=(150, 1500, 15000), *, nu_ref=REFERENCE_NOISE_LEVEL, n_ref=REFERENCE_NEURONS, ax=None
):
    r"""Per-frame noise :math:`\nu\sqrt{f_r}` against frame rate, for several neuron counts.

    At a fixed photon budget :math:`\nu` depends on the number of neurons
    only; the noise visible per frame grows with the square root of the
    frame rate.

    Parameters
    ----------
    frame_rates : array, optional
        Frame rates in Hz (default 0.5 to 100 Hz) or a Quantity array.
    n_neurons : sequence of float
    nu_ref, n_ref : float
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    >>> plot_frame_noise_vs_frame_rate().get_xlabel()
    'frame rate (Hz)'
    """
    from optics.units import to_magnitude

    ax = new_axes(ax)
    fr = np.logspace(np.log10(0.5), 2, 100) if frame_rates is None else np.asarray(
        to_magnitude(frame_rates, "Hz", name="frame_rates"), dtype=float)
    for n in np.atleast_1d(n_neurons):
        nu = float(noise_level_for_neurons(n, nu_ref=nu_ref, n_ref=n_ref))
        ax.plot(fr, noise_level_to_frame_noise(nu, fr), label=rf"{n:g} neurons ($\nu$ = {nu:.2g})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("frame rate (Hz)")
    ax.set_ylabel(r"median $|\Delta(\Delta F/F)|$ per frame (%)")
    ax.legend(fontsize="small")
    return ax
