r"""Scanner kinematics: scan speed, dwell times, pulses per spot, line and frame rates.

A point-scanning microscope does not end at the optics: how fast the focus
moves over the sample sets the time spent on each resolution spot, the number
of laser pulses that hit it, the line and frame rates and, with them, the
noise level of the recording (see :mod:`optics.acquisition.noise`).

Conventions
-----------
Resonant scanner.  The focus position in the sample plane along the fast axis
is

.. math:: x(t) = x_0 \sin(2\pi f t), \qquad
          v(t) = 2\pi f x_0 \cos(2\pi f t), \qquad
          v_\mathrm{max} = 2\pi f x_0

with *t* = 0 at the centre of the line on a forward sweep.

*FOV* is the **full peak-to-peak excursion of the focus at zoom 1**, so the
amplitude is :math:`x_0 = \mathrm{FOV} / (2 z)` at zoom *z* (zoom scales the
amplitude down, as in the reference post: "for higher zoom values ... the
value is reduced by the same factor").  This is the convention of the
reference post (blog-fast-scanning.txt: "amplitude (x0 = 500 um), which
determines roughly the size of the field of view (FOV, here: 1000 um)").  The
image actually recorded is narrower by the *spatial fill fraction* (the
turnaround regions near :math:`\pm x_0` are blanked); convert with
:func:`spatial_fill_fraction`.

Fill fractions follow ScanImage: the *temporal* fill fraction :math:`F_t` is
the fraction of each sweep (half period, :math:`1/(2f)`) during which pixels
are recorded, centred on the line; the *spatial* fill fraction is the fraction
of the full excursion :math:`2x_0` those pixels cover,
:math:`F_s = \sin(\pi F_t / 2)`.

Galvo scanner.  The focus moves at constant speed over the line, then turns
around (bidirectional) or flies back (unidirectional) in a dead time
*turnaround*; one line takes :math:`N\tau + t_\mathrm{turn}`.

Units
-----
Plain numbers are read in the project's base units: **mm** for lengths (FOV,
spot size, position), **s** for times, **Hz** for frequencies and rates.
Quantities of any compatible unit are accepted (``1000 * ureg.um``,
``8 * ureg.kHz``).  Results are Quantities in um/us (speed), us (times), um
(positions and sizes) and Hz (rates); counts (pulses per spot) and fractions
are plain numbers.  Arrays work everywhere a single value does.

Reference numbers (blog-fast-scanning.txt): FOV 1000 um at 8 kHz gives
:math:`2\pi \cdot 500\,\mathrm{um} \cdot 8\,\mathrm{kHz} = 25.13` um/us at the
centre (the post rounds to 25); zoom 20 gives 1.257 um/us (post: 1.25); a
0.4 um FWHM spot is crossed in 0.0159-0.318 us (post: 0.016-0.32 us) and at
80 MHz receives 1.27-25.5 pulses (post: 1.3-26, its 26 being
0.32 us x 80 MHz = 25.6 from the rounded time).

>>> from optics.units import ureg
>>> resonant_peak_speed(1000 * ureg.um, 8 * ureg.kHz)
<Quantity(25.1327412, 'micrometer / microsecond')>
>>> round(resonant_cpc(0.4 * ureg.um, 1000 * ureg.um, 8 * ureg.kHz, 80 * ureg.MHz, zoom=20), 2)
25.46
"""

from __future__ import annotations

import math

import numpy as np

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.units import quantity
from optics.validate import count, finite, fraction, positive, scalar_or_array

__all__ = [
    "scan_amplitude",
    "resonant_position",
    "resonant_velocity",
    "resonant_peak_speed",
    "resonant_speed_at",
    "crossing_time",
    "pulses_per_spot",
    "resonant_crossing_time",
    "resonant_cpc",
    "spatial_fill_fraction",
    "temporal_fill_fraction",
    "resonant_pixel_dwell_times",
    "resonant_pixel_sizes",
    "resonant_nonuniformity",
    "resonant_linear_region",
    "resonant_line_rate",
    "frame_rate",
    "resonant_frame_rate",
    "galvo_speed",
    "galvo_line_time",
    "galvo_line_rate",
    "galvo_fill_fraction",
    "galvo_pixel_dwell_times",
    "dark_state_remaining",
    "dark_state_yield",
]

# Conversion factors from base units to result units.
_MM_PER_S_TO_UM_PER_US = 1e-3
_S_TO_US = 1e6
_MM_TO_UM = 1e3


def _amplitude_mm(fov, zoom):
    fov_mm = positive(fov, "mm", "scan FOV (peak-to-peak at zoom 1)")
    z = positive(zoom, "dimensionless", "zoom")
    return fov_mm / (2 * np.asarray(z))


# --------------------------------------------------------------------- resonant


def scan_amplitude(fov, zoom=1):
    r"""Scan amplitude :math:`x_0` for a peak-to-peak *fov* at zoom 1.

    .. math:: x_0 = \frac{\mathrm{FOV}}{2 z}

    Parameters
    ----------
    fov : length
        Full peak-to-peak excursion of the focus at zoom 1 (mm if a number).
    zoom : float or array
        Zoom factor *z* > 0; it divides the amplitude.

    Returns
    -------
    Quantity in um

    >>> from optics.units import ureg
    >>> scan_amplitude(1000 * ureg.um, zoom=[1, 20])
    <Quantity([500.  25.], 'micrometer')>
    """
    return quantity(scalar_or_array(_amplitude_mm(fov, zoom) * _MM_TO_UM), "um")


def resonant_position(t, fov, f, zoom=1):
    r"""Focus position of a resonant scanner, :math:`x(t) = x_0 \sin(2\pi f t)`.

    Parameters
    ----------
    t : time or array
        Time since the centre crossing of a forward sweep (s if a number).
    fov : length
        Peak-to-peak excursion at zoom 1 (mm if a number).
    f : frequency
        Resonant frequency (Hz if a number).
    zoom : float
        Zoom factor; :math:`x_0 = \mathrm{FOV}/(2z)`.

    Returns
    -------
    Quantity in um

    >>> from optics.units import ureg
    >>> resonant_position(31.25 * ureg.us, 1000 * ureg.um, 8 * ureg.kHz)   # quarter period
    <Quantity(500.0, 'micrometer')>
    """
    t_s = finite(t, "s", "time t")
    x0 = _amplitude_mm(fov, zoom)
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    return quantity(scalar_or_array(x0 * np.sin(2 * np.pi * freq * np.asarray(t_s)) * _MM_TO_UM), "um")


def resonant_velocity(t, fov, f, zoom=1):
    r"""Focus velocity of a resonant scanner, :math:`v(t) = 2\pi f x_0 \cos(2\pi f t)`.

    Parameters
    ----------
    t : time or array
        Time since the centre crossing (s if a number).
    fov : length
        Peak-to-peak excursion at zoom 1 (mm if a number).
    f : frequency
        Resonant frequency (Hz if a number).
    zoom : float
        Zoom factor.

    Same parameters as :func:`resonant_position`.  Negative on the return
    sweep.

    Returns
    -------
    Quantity in um/us

    >>> from optics.units import ureg
    >>> resonant_velocity(62.5 * ureg.us, 1000 * ureg.um, 8 * ureg.kHz)   # half period
    <Quantity(-25.1327412, 'micrometer / microsecond')>
    """
    t_s = finite(t, "s", "time t")
    x0 = _amplitude_mm(fov, zoom)
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    v = 2 * np.pi * freq * x0 * np.cos(2 * np.pi * freq * np.asarray(t_s))
    return quantity(scalar_or_array(v * _MM_PER_S_TO_UM_PER_US), "um/us")


def resonant_peak_speed(fov, f, zoom=1):
    r"""Speed at the centre of the line, :math:`v_\mathrm{max} = 2\pi f x_0 = \pi f\,\mathrm{FOV}/z`.

    Parameters
    ----------
    fov : length
        Peak-to-peak excursion at zoom 1 (mm if a number).
    f : frequency
        Resonant frequency (Hz if a number).
    zoom : float or array
        Zoom factor.

    Returns
    -------
    Quantity in um/us

    Examples
    --------
    The reference post's numbers (it rounds 25.13 to 25 and 1.257 to 1.25):

    >>> from optics.units import ureg
    >>> resonant_peak_speed(1000 * ureg.um, 8 * ureg.kHz, zoom=[1, 20])
    <Quantity([25.1327412   1.25663706], 'micrometer / microsecond')>
    """
    x0 = _amplitude_mm(fov, zoom)
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    return quantity(scalar_or_array(2 * np.pi * freq * x0 * _MM_PER_S_TO_UM_PER_US), "um/us")


def _speed_at_mm_s(x_mm, x0, freq, name="position x"):
    x_mm = np.asarray(x_mm)
    if np.any(np.abs(x_mm) >= x0):
        raise InvalidParameterError(
            f"{name} must lie strictly inside the scan amplitude |x| < x0 = {np.min(x0) * _MM_TO_UM:g} um "
            f"(the focus stops at the turnaround), got {np.max(np.abs(x_mm)) * _MM_TO_UM:g} um"
        )
    return 2 * np.pi * freq * np.sqrt(x0**2 - x_mm**2)


def resonant_speed_at(x, fov, f, zoom=1):
    r"""Speed of a resonant scan as a function of position across the line.

    .. math:: |v|(x) = 2\pi f \sqrt{x_0^2 - x^2}

    Parameters
    ----------
    x : length or array
        Position from the line centre, :math:`|x| < x_0` (mm if a number).
    fov, f, zoom
        As in :func:`resonant_peak_speed`.

    Returns
    -------
    Quantity in um/us

    >>> from optics.units import ureg
    >>> resonant_speed_at([0, 300] * ureg.um, 1000 * ureg.um, 8 * ureg.kHz)
    <Quantity([25.1327412 20.1061930], 'micrometer / microsecond')>
    """
    x_mm = finite(x, "mm", "position x")
    x0 = _amplitude_mm(fov, zoom)
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    return quantity(scalar_or_array(_speed_at_mm_s(x_mm, x0, freq) * _MM_PER_S_TO_UM_PER_US), "um/us")


def crossing_time(fwhm, speed):
    r"""Time for the focus to move one resolution spot, :math:`t = \mathrm{FWHM}/v`.

    Assumes constant speed over the spot (exact for galvo lines; for a
    resonant scan see :func:`resonant_crossing_time`).

    Parameters
    ----------
    fwhm : length
        Lateral resolution (FWHM of the PSF; mm if a number).
    speed : speed (length/time) or array
        Scan speed; a plain number is read in mm/s.

    Returns
    -------
    Quantity in us

    >>> from optics.units import ureg
    >>> crossing_time(0.4 * ureg.um, 25 * ureg.um / ureg.us)
    <Quantity(0.016, 'microsecond')>
    """
    w = positive(fwhm, "mm", "spot size fwhm")
    v = positive(speed, "mm/s", "scan speed")
    return quantity(scalar_or_array(w / np.asarray(v) * _S_TO_US), "us")


def pulses_per_spot(fwhm, speed, rep_rate):
    r"""Cumulative pulse count per resolution spot (CPC), :math:`\mathrm{CPC} = R\,\mathrm{FWHM}/v`.

    Parameters
    ----------
    fwhm : length
        Lateral resolution (FWHM; mm if a number).
    speed : speed or array
        Scan speed (mm/s if a number).
    rep_rate : frequency
        Laser pulse repetition rate *R* (Hz if a number).

    Returns
    -------
    float or ndarray
        Number of pulses (dimensionless, not rounded).

    >>> from optics.units import ureg
    >>> round(pulses_per_spot(0.4 * ureg.um, 25 * ureg.um / ureg.us, 80 * ureg.MHz), 3)
    1.28
    """
    w = positive(fwhm, "mm", "spot size fwhm")
    v = positive(speed, "mm/s", "scan speed")
    rate = positive(rep_rate, "Hz", "laser repetition rate", kind="repetition rate")
    return scalar_or_array(rate * w / np.asarray(v))


def _resonant_crossing_s(fwhm, fov, f, zoom, x, exact):
    w = positive(fwhm, "mm", "spot size fwhm")
    x_mm = np.asarray(finite(x, "mm", "position x"))
    x0 = _amplitude_mm(fov, zoom)
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    if not exact:
        return w / _speed_at_mm_s(x_mm, x0, freq)
    reach = np.abs(x_mm) + w / 2
    if np.any(reach > x0):
        raise InvalidParameterError(
            f"spot of fwhm {w * _MM_TO_UM:g} um at x = {np.max(np.abs(x_mm)) * _MM_TO_UM:g} um reaches past "
            f"the turnaround at x0 = {np.min(x0) * _MM_TO_UM:g} um; the focus does not cross it"
        )
    phase = np.arcsin((x_mm + w / 2) / x0) - np.arcsin((x_mm - w / 2) / x0)
    return phase / (2 * np.pi * freq)


def resonant_crossing_time(fwhm, fov, f, zoom=1, x=0, *, exact=False):
    r"""Time a resonant scan takes to cross one resolution spot centred at *x*.

    Local (constant-speed) form, the one the reference post uses:

    .. math:: t = \frac{\mathrm{FWHM}}{2\pi f\sqrt{x_0^2 - x^2}}

    Exact form (``exact=True``) for the sinusoidal trajectory, from
    :math:`x - w/2` to :math:`x + w/2`:

    .. math:: t = \frac{\arcsin\frac{x + w/2}{x_0} - \arcsin\frac{x - w/2}{x_0}}{2\pi f}

    They agree to second order in :math:`w/\sqrt{x_0^2-x^2}`; they differ only
    close to the turnaround.

    Parameters
    ----------
    fwhm : length
        Lateral resolution (mm if a number).
    fov, f, zoom
        As in :func:`resonant_peak_speed`; *zoom* may be an array.
    x : length or array
        Spot centre, measured from the line centre (default 0, mm if a number).
    exact : bool
        Use the arcsine form.

    Returns
    -------
    Quantity in us

    >>> from optics.units import ureg
    >>> resonant_crossing_time(0.4 * ureg.um, 1000 * ureg.um, 8 * ureg.kHz, zoom=[1, 20])
    <Quantity([0.01591549 0.31830989], 'microsecond')>
    """
    return quantity(scalar_or_array(_resonant_crossing_s(fwhm, fov, f, zoom, x, exact) * _S_TO_US), "us")


def resonant_cpc(fwhm, fov, f, rep_rate, zoom=1, x=0, *, exact=False):
    r"""Cumulative pulses per resolution spot for a resonant scan.

    .. math:: \mathrm{CPC} = R\, t_\mathrm{cross}
              = \frac{R\,\mathrm{FWHM}}{2\pi f\sqrt{x_0^2 - x^2}},
              \qquad x_0 = \frac{\mathrm{FOV}}{2z}

    (``exact=True`` uses the arcsine crossing time of
    :func:`resonant_crossing_time`.)  At the centre CPC grows linearly with
    zoom.

    Parameters
    ----------
    fwhm, fov, f, zoom, x, exact
        As in :func:`resonant_crossing_time`.
    rep_rate : frequency
        Laser repetition rate (Hz if a number).

    Returns
    -------
    float or ndarray

    >>> from optics.units import ureg
    >>> cpc = resonant_cpc(0.4 * ureg.um, 1000 * ureg.um, 8 * ureg.kHz, 80 * ureg.MHz, zoom=[1, 20])
    >>> cpc.round(2)
    array([ 1.27, 25.46])
    """
    rate = positive(rep_rate, "Hz", "laser repetition rate", kind="repetition rate")
    return scalar_or_array(rate * _resonant_crossing_s(fwhm, fov, f, zoom, x, exact))


def spatial_fill_fraction(temporal):
    r"""Spatial fill fraction for a temporal one, :math:`F_s = \sin(\pi F_t / 2)`.

    Parameters
    ----------
    temporal : float or array
        Temporal fill fraction, 0 to 1.

    >>> round(spatial_fill_fraction(0.712), 3)
    0.899
    """
    ft = fraction(temporal, "temporal fill fraction")
    return scalar_or_array(np.sin(np.pi * np.asarray(ft) / 2))


def temporal_fill_fraction(spatial):
    r"""Temporal fill fraction for a spatial one, :math:`F_t = \tfrac{2}{\pi}\arcsin F_s`.

    Parameters
    ----------
    spatial : float or array
        Spatial fill fraction, 0 to 1.

    >>> round(temporal_fill_fraction(0.9), 3)
    0.713
    """
    fs = fraction(spatial, "spatial fill fraction")
    return scalar_or_array(2 / np.pi * np.arcsin(np.asarray(fs)))


def resonant_pixel_dwell_times(n_pixels, f, fill_fraction=1.0):
    r"""Dwell time of each of *n_pixels* equal-width pixels along a resonant line.

    The pixels evenly divide the recorded part of the sweep,
    :math:`|x| \le x_0 F_s` with :math:`F_s = \sin(\pi F_t/2)`; pixel *i*
    spans :math:`[x_i, x_{i+1}]` and the focus spends

    .. math:: \tau_i = \frac{\arcsin(x_{i+1}/x_0) - \arcsin(x_i/x_0)}{2\pi f}

    in it (independent of FOV and zoom).  The dwell times add up to
    :math:`F_t/(2f)`; the edge pixels get the most time.

    Parameters
    ----------
    n_pixels : int
        Pixels per line (>= 1).
    f : frequency
        Resonant frequency (Hz if a number).
    fill_fraction : float
        Temporal fill fraction :math:`F_t` in (0, 1]; 1 includes the
        turnaround points (where the edge pixels' dwell is longest).

    Returns
    -------
    Quantity array in us, shape (n_pixels,)

    >>> from optics.units import ureg
    >>> tau = resonant_pixel_dwell_times(4, 8 * ureg.kHz, fill_fraction=0.5)
    >>> tau
    <Quantity([8.43582949 7.18917051 7.18917051 8.43582949], 'microsecond')>
    >>> tau.sum()   # F_t / (2 f)
    <Quantity(31.25, 'microsecond')>
    """
    n = count(n_pixels, "n_pixels")
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    ft = fraction(fill_fraction, "temporal fill fraction")
    if np.ndim(freq) or np.ndim(ft):
        raise OpticsTypeError("resonant_pixel_dwell_times: f and fill_fraction must be scalars")
    fs = math.sin(math.pi * ft / 2)
    edges = np.linspace(-fs, fs, n + 1)
    tau = np.diff(np.arcsin(np.clip(edges, -1.0, 1.0))) / (2 * np.pi * freq)
    return quantity(tau * _S_TO_US, "us")


def resonant_pixel_sizes(n_pixels, fov, zoom=1, fill_fraction=1.0):
    r"""Width of each of *n_pixels* equal-time pixels along a resonant line.

    With a uniform sampling clock (no resampling), pixel *i* covers the phase
    interval :math:`[\varphi_i, \varphi_{i+1}]`, evenly spaced over
    :math:`|\varphi| \le \pi F_t/2`, and its width is

    .. math:: \Delta x_i = x_0\,(\sin\varphi_{i+1} - \sin\varphi_i)

    The widths add up to :math:`2 x_0 \sin(\pi F_t/2)`; centre pixels are the
    widest.

    Parameters
    ----------
    n_pixels : int
    fov : length
        Peak-to-peak excursion at zoom 1 (mm if a number).
    zoom : float
    fill_fraction : float
        Temporal fill fraction in (0, 1].

    Returns
    -------
    Quantity array in um, shape (n_pixels,)

    >>> from optics.units import ureg
    >>> resonant_pixel_sizes(2, 1000 * ureg.um)
    <Quantity([500. 500.], 'micrometer')>
    """
    n = count(n_pixels, "n_pixels")
    x0 = _amplitude_mm(fov, zoom)
    ft = fraction(fill_fraction, "temporal fill fraction")
    if np.ndim(x0) or np.ndim(ft):
        raise OpticsTypeError("resonant_pixel_sizes: fov, zoom and fill_fraction must be scalars")
    phases = np.linspace(-np.pi * ft / 2, np.pi * ft / 2, n + 1)
    return quantity(x0 * np.diff(np.sin(phases)) * _MM_TO_UM, "um")


def resonant_nonuniformity(fill_fraction):
    r"""Ratio of centre to edge speed over the recorded part of a resonant line.

    Parameters
    ----------
    fill_fraction : float or array
        Temporal fill fraction :math:`F_t` (below 1).

    .. math:: \frac{v(0)}{v(x_0 F_s)} = \frac{1}{\cos(\pi F_t/2)}

    This is the limit, for many pixels, of the edge/centre dwell-time ratio
    of equal-width pixels and of the centre/edge width ratio of equal-time
    pixels.  It is infinite for :math:`F_t = 1`, which raises.

    >>> round(resonant_nonuniformity(0.5), 4)
    1.4142
    """
    ft = fraction(fill_fraction, "temporal fill fraction")
    if np.any(np.asarray(ft) >= 1):
        raise InvalidParameterError(
            "temporal fill fraction 1 reaches the turnaround, where the speed is zero: "
            "the non-uniformity is unbounded; use a fill fraction < 1"
        )
    return scalar_or_array(1 / np.cos(np.pi * np.asarray(ft) / 2))


def resonant_linear_region(fov, zoom=1, tolerance=0.1):
    r"""Full width of the central region where the speed stays within *tolerance* of its peak.

    :math:`v(x) \ge (1-\epsilon)\,v_\mathrm{max}` for

    .. math:: |x| \le x_0\sqrt{1 - (1-\epsilon)^2}

    so the width is :math:`2x_0\sqrt{\epsilon(2-\epsilon)}`; it is crossed in
    the temporal fraction :math:`\tfrac{2}{\pi}\arccos(1-\epsilon)` of a sweep.

    Parameters
    ----------
    fov : length
        Peak-to-peak excursion at zoom 1 (mm if a number).
    zoom : float or array
    tolerance : float
        Allowed relative speed drop :math:`\epsilon` in (0, 1].

    Returns
    -------
    Quantity in um

    >>> from optics.units import ureg
    >>> resonant_linear_region(1000 * ureg.um, tolerance=0.1)
    <Quantity(435.889894, 'micrometer')>
    """
    x0 = _amplitude_mm(fov, zoom)
    eps = fraction(tolerance, "speed tolerance")
    return quantity(scalar_or_array(2 * x0 * np.sqrt(eps * (2 - np.asarray(eps))) * _MM_TO_UM), "um")


def resonant_line_rate(f, *, bidirectional=True):
    r"""Line rate of a resonant scanner: :math:`2f` bidirectional, :math:`f` unidirectional.

    Parameters
    ----------
    f : frequency
        Resonant frequency (Hz if a number).
    bidirectional : bool
        Lines in both sweep directions (default).

    >>> from optics.units import ureg
    >>> resonant_line_rate(8 * ureg.kHz)
    <Quantity(16000.0, 'hertz')>
    """
    freq = positive(f, "Hz", "scanner frequency f", kind="resonant frequency")
    return quantity(scalar_or_array(np.asarray(freq) * (2.0 if bidirectional else 1.0)), "Hz")


def frame_rate(line_rate, n_lines, flyback_lines=0):
    r"""Frame rate for *n_lines* lines per frame, :math:`f_r = f_\mathrm{line}/(N + N_\mathrm{fb})`.

    Parameters
    ----------
    line_rate : frequency
        Lines per second (Hz if a number).
    n_lines : int
        Recorded lines per frame.
    flyback_lines : int
        Lines' worth of time lost to the slow axis' flyback per frame.

    Returns
    -------
    Quantity in Hz

    >>> frame_rate(16000, 512)
    <Quantity(31.25, 'hertz')>
    """
    rate = positive(line_rate, "Hz", "line rate")
    n = count(n_lines, "n_lines")
    fb = count(flyback_lines, "flyback_lines", minimum=0)
    return quantity(scalar_or_array(np.asarray(rate) / (n + fb)), "Hz")


def resonant_frame_rate(f, n_lines, *, bidirectional=True, flyback_lines=0):
    r"""Frame rate of a resonant scan, :math:`f_r = k f/(N + N_\mathrm{fb})`, *k* = 2 (bidirectional) or 1.

    Parameters
    ----------
    f : frequency
        Resonant frequency (Hz if a number).
    n_lines : int
        Lines per frame.
    bidirectional : bool
        Lines in both sweep directions (default).
    flyback_lines : int
        Lines lost to the slow axis's flyback.

    >>> from optics.units import ureg
    >>> resonant_frame_rate(8 * ureg.kHz, 512)
    <Quantity(31.25, 'hertz')>
    """
    return frame_rate(resonant_line_rate(f, bidirectional=bidirectional), n_lines, flyback_lines)


# ------------------------------------------------------------------------ galvo


def galvo_speed(fov, n_pixels, dwell, zoom=1):
    r"""Constant scan speed of a galvo line, :math:`v = \frac{\mathrm{FOV}/z}{N\,\tau}`.

    Here *fov* is the scanned line length at zoom 1 (the recorded line; the
    turnaround happens outside it).

    Parameters
    ----------
    fov : length
        Line length at zoom 1 (mm if a number).
    n_pixels : int
        Pixels per line.
    dwell : time
        Pixel dwell time :math:`\tau` (s if a number).
    zoom : float or array

    Returns
    -------
    Quantity in um/us

    >>> from optics.units import ureg
    >>> galvo_speed(512 * ureg.um, 512, 2 * ureg.us)
    <Quantity(0.5, 'micrometer / microsecond')>
    """
    fov_mm = positive(fov, "mm", "scan FOV")
    n = count(n_pixels, "n_pixels")
    tau = positive(dwell, "s", "pixel dwell time", kind="pixel dwell")
    z = positive(zoom, "dimensionless", "zoom")
    return quantity(scalar_or_array(fov_mm / np.asarray(z) / (n * np.asarray(tau)) * _MM_PER_S_TO_UM_PER_US), "um/us")


def galvo_line_time(n_pixels, dwell, turnaround):
    r"""Duration of one galvo line, :math:`T = N\tau + t_\mathrm{turn}`.

    Parameters
    ----------
    n_pixels : int
        Pixels per line.
    dwell : time
        Pixel dwell time (s if a number).
    turnaround : time
        Turnaround (or flyback) time per line (s if a number).

    For a unidirectional scan *turnaround* is the flyback time; for a
    bidirectional scan it is the turnaround at the end of each sweep (one
    per line either way).

    Returns
    -------
    Quantity in us

    >>> from optics.units import ureg
    >>> galvo_line_time(512, 2 * ureg.us, 200 * ureg.us)
    <Quantity(1224.0, 'microsecond')>
    """
    n = count(n_pixels, "n_pixels")
    tau = positive(dwell, "s", "pixel dwell time", kind="pixel dwell")
    turn = positive(turnaround, "s", "turnaround time", allow_zero=True)
    return quantity(scalar_or_array((n * np.asarray(tau) + turn) * _S_TO_US), "us")


def galvo_line_rate(n_pixels, dwell, turnaround):
    r"""Line rate of a galvo scan, :math:`1/(N\tau + t_\mathrm{turn})`.

    Parameters
    ----------
    n_pixels : int
        Pixels per line.
    dwell : time
        Pixel dwell time (s if a number).
    turnaround : time
        Turnaround (or flyback) time per line (s if a number).

    >>> from optics.units import ureg
    >>> galvo_line_rate(500, 1 * ureg.us, 500 * ureg.us)
    <Quantity(1000.0, 'hertz')>
    """
    t_us = galvo_line_time(n_pixels, dwell, turnaround).magnitude
    return quantity(scalar_or_array(_S_TO_US / np.asarray(t_us)), "Hz")


def galvo_fill_fraction(n_pixels, dwell, turnaround):
    r"""Temporal fill fraction of a galvo line, :math:`N\tau/(N\tau + t_\mathrm{turn})`.

    Parameters
    ----------
    n_pixels : int
        Pixels per line.
    dwell : time
        Pixel dwell time (s if a number).
    turnaround : time
        Turnaround (or flyback) time per line (s if a number).

    >>> from optics.units import ureg
    >>> galvo_fill_fraction(500, 1 * ureg.us, 500 * ureg.us)
    0.5
    """
    n = count(n_pixels, "n_pixels")
    tau = np.asarray(positive(dwell, "s", "pixel dwell time", kind="pixel dwell"))
    turn = positive(turnaround, "s", "turnaround time", allow_zero=True)
    return scalar_or_array(n * tau / (n * tau + turn))


def galvo_pixel_dwell_times(n_pixels, dwell):
    r"""Dwell-time profile of a galvo line: the same :math:`\tau` for every pixel.

    Parameters
    ----------
    n_pixels : int
        Pixels per line.
    dwell : time
        Pixel dwell time (s if a number).

    >>> from optics.units import ureg
    >>> galvo_pixel_dwell_times(3, 2 * ureg.us)
    <Quantity([2. 2. 2.], 'microsecond')>
    """
    n = count(n_pixels, "n_pixels")
    tau = positive(dwell, "s", "pixel dwell time", kind="pixel dwell")
    if np.ndim(tau):
        raise OpticsTypeError("galvo_pixel_dwell_times: dwell must be a scalar")
    return quantity(np.full(n, tau * _S_TO_US), "us")


# ------------------------------------------------------------------- dark state


def dark_state_remaining(cpc, lam, n0=1.0):
    r"""Fluorophores still excitable after *cpc* pulses, in the dark-state model.

    .. math:: N = N_0\, e^{-\mathrm{CPC}/\lambda}

    (blog-fast-scanning.txt).  :math:`\lambda` is a pulse count: the number
    of pulses per dark-state transition, so :math:`1/\lambda` is the
    transition probability per pulse (:math:`(1 - 1/\lambda)^\mathrm{CPC}
    \approx e^{-\mathrm{CPC}/\lambda}` for large :math:`\lambda`).  The post
    calls it the "event rate", but large :math:`\lambda` (~500) means rare
    transitions and :math:`\lambda \sim 1` a dramatic effect.  The model holds
    while the pulses on a spot arrive faster than the dark state recovers
    (~1 us for triplet states).  The post also notes that a given pulse has
    been preceded by only about CPC/2 pulses; the formula uses the full CPC
    as the post does.

    Parameters
    ----------
    cpc : float or array
        Cumulative pulses per spot (>= 0).
    lam : float
        :math:`\lambda` > 0.
    n0 : float
        Initial number (or 1 for the fraction).

    Returns
    -------
    float or ndarray

    >>> round(dark_state_remaining(25.46, 500), 4)
    0.9504
    """
    c = positive(cpc, "dimensionless", "cumulative pulse count cpc", allow_zero=True)
    lam_ = positive(lam, "dimensionless", "dark-state constant lambda")
    n0_ = positive(n0, "dimensionless", "initial number n0", allow_zero=True)
    return scalar_or_array(np.asarray(n0_) * np.exp(-np.asarray(c) / np.asarray(lam_)))


def dark_state_yield(zoom, fwhm, fov, f, rep_rate, lam, *, reference_zoom=1, x=0):
    r"""Predicted fluorescence yield at each zoom, relative to *reference_zoom*.

    Fluorescence is proportional to the fluorophores left excitable, so

    .. math:: \frac{F(z)}{F(z_\mathrm{ref})}
              = \exp\!\left(-\frac{\mathrm{CPC}(z) - \mathrm{CPC}(z_\mathrm{ref})}{\lambda}\right),
              \qquad \mathrm{CPC}(z) = \frac{R\,\mathrm{FWHM}\,z}{\pi f\,\mathrm{FOV}}

    at the line centre (``x=0``; other positions use the local speed).

    Parameters
    ----------
    zoom : float or array
    fwhm, fov, f, rep_rate
        As in :func:`resonant_cpc`.
    lam : float
        Dark-state constant of :func:`dark_state_remaining`.
    reference_zoom : float
        Zoom whose yield is 1.
    x : length
        Position along the line (default centre).

    Returns
    -------
    float or ndarray

    >>> from optics.units import ureg
    >>> y = dark_state_yield([1, 20], 0.4 * ureg.um, 1000 * ureg.um, 8 * ureg.kHz, 80 * ureg.MHz, lam=500)
    >>> y.round(4)
    array([1.    , 0.9528])
    """
    cpc = resonant_cpc(fwhm, fov, f, rep_rate, zoom=zoom, x=x)
    cpc_ref = resonant_cpc(fwhm, fov, f, rep_rate, zoom=reference_zoom, x=x)
    lam_ = positive(lam, "dimensionless", "dark-state constant lambda")
    return scalar_or_array(np.exp(-(np.asarray(cpc) - np.asarray(cpc_ref)) / np.asarray(lam_)))
