r"""Transfer curves of remote focusing: focus shift against ETL power.

:func:`plot_transfer_curves` overlays the axial focus shift :math:`z(P)` of
several configurations (the ETL conjugate to the back focal plane or
displaced from it, different objectives, relays ...), each a
:class:`~optics.microscope.remote_focus.RemoteFocus` or precomputed arrays.  With the
ETL conjugate to the back focal plane the curve is the straight line

.. math:: z = -n\,f_o^2 k^2\,\frac{P + P_\mathrm{off}}{1000}, \qquad
          k = \frac{f_s}{f_t}\prod_i\frac{f_{i,1}}{f_{i,2}}

(the reference post's :math:`z = -f_o^2 f_s^2 f_{r1}^2 f_{r3}^2/(f_\mathrm{ETL}
f_t^2 f_{r2}^2 f_{r4}^2)` for :math:`n = 1`); a displaced ETL bends it.

>>> rf = RemoteFocus.from_focal_lengths(12.5, 200, 50, [(100, 50), (50, 75)])
>>> ax = plot_transfer_curves({"conjugate": rf, "ETL +10 mm": rf.replace(etl_offset=10)}, power=[-2, 3])
>>> ax.get_xlabel(), ax.get_ylabel()
('ETL power (dpt)', 'focus shift in the sample (µm)')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from optics.errors import InvalidParameterError, OpticsTypeError
from optics.microscope.remote_focus import RemoteFocus
from optics.units import to_magnitude
from optics.plotting._axes import new_axes

__all__ = ["plot_transfer_curves"]

POWER_LABEL = "ETL power (dpt)"
SHIFT_LABEL = "focus shift in the sample (µm)"




def _powers(power, points, label):
    """Sweep powers (dpt) from *power*: None, a (min, max) pair or an array of powers."""
    p = np.asarray(to_magnitude(power, "dpt", name=f"{label}: power"), dtype=float).ravel()
    if p.size < 2 or not np.isfinite(p).all():
        raise InvalidParameterError(f"{label}: power must hold at least two finite values (dpt), got {power!r}")
    if p.size == 2:
        p = np.linspace(p[0], p[1], points)
    return p


def _curve(name, config, power, points, label):
    """(power [dpt], z [µm]) of one configuration."""
    if isinstance(config, RemoteFocus):
        if power is None:
            if not config.etl.has_range:
                raise OpticsTypeError(
                    f"{label}: configuration {name!r} has no ETL part to take a power range from; pass power="
                )
            p, z = config.transfer_curve(points=points)
            return p.magnitude, z.to("um").magnitude
        p = _powers(power, points, label)
        return p, config.z(p).to("um").magnitude
    if isinstance(config, (tuple, list)) and len(config) == 2:
        p = np.asarray(to_magnitude(config[0], "dpt", name=f"{label}: {name!r} power"), dtype=float).ravel()
        z = np.asarray(to_magnitude(config[1], "um", name=f"{label}: {name!r} focus shift"), dtype=float).ravel()
        if p.shape != z.shape or p.size < 2:
            raise InvalidParameterError(
                f"{label}: configuration {name!r} needs equal-length power and z arrays (at least 2), "
                f"got {p.size} and {z.size}"
            )
        if not (np.isfinite(p).all() and np.isfinite(z).all()):
            raise InvalidParameterError(f"{label}: configuration {name!r} has non-finite values")
        return p, z
    raise OpticsTypeError(
        f"{label}: configuration {name!r} must be a RemoteFocus or a (power, z) pair, got {type(config).__name__}"
    )


def plot_transfer_curves(configs, power=None, *, points=201, ax=None):
    r"""Overlay focus shift against ETL power for several configurations.

    Parameters
    ----------
    configs : mapping of str to RemoteFocus or (power, z)
        Legend label -> configuration.  A
        :class:`~optics.microscope.remote_focus.RemoteFocus` is swept over its ETL
        part's power range, or over *power*; a pair gives the powers (dpt)
        and focus shifts (µm if plain numbers) directly.
    power : optical power array or (min, max), optional
        ETL powers (dpt) for every RemoteFocus; two values are a range
        sampled at *points* powers.
    points : int
        Samples per range.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line per configuration, in the order given, labelled with its
        key; x: the ETL's own power (the offset lens adds to it), y: the
        focus shift in the sample (µm, positive deeper) from the focus at
        zero total ETL power.

    Raises
    ------
    OpticsTypeError
        For a configuration of the wrong type, or a RemoteFocus without an
        ETL part when *power* is not given.
    InvalidParameterError
        For mismatched arrays, or powers outside an ETL part's range.
    """
    label = "plot_transfer_curves"
    if not isinstance(configs, Mapping) or not configs:
        raise OpticsTypeError(f"{label}: configs must be a non-empty mapping label -> RemoteFocus or (power, z)")
    if not isinstance(points, int) or isinstance(points, bool) or points < 2:
        raise InvalidParameterError(f"{label}: points must be an integer >= 2, got {points!r}")
    curves = [(str(name), *_curve(name, config, power, points, label)) for name, config in configs.items()]
    ax = new_axes(ax)
    for name, p, z in curves:
        ax.plot(p, z, label=name)
    ax.axhline(0, color="0.6", lw=0.6, zorder=0)
    ax.axvline(0, color="0.6", lw=0.6, zorder=0)
    ax.set_xlabel(POWER_LABEL)
    ax.set_ylabel(SHIFT_LABEL)
    ax.legend(fontsize="x-small", loc="best")
    return ax
