r"""Figures of ``optics tolerance``: which placement matters, and what a build delivers.

:func:`tolerance_figures` draws, from the sensitivities and a Monte Carlo run
of :mod:`optics.microscope.tolerance`, each figure on its own
:class:`matplotlib.figure.Figure`:

``"sensitivity"``
    Per quantity, the spread each parameter alone causes (:math:`|\partial q/\partial p|\,\sigma_p`),
    the largest first: "which spacing matters most".
``"spread"``
    Histograms of every quantity over the drawn builds, with the design value
    and the pass window.

>>> from optics.design import Design
>>> from optics.microscope.tolerance import monte_carlo, sensitivities
>>> path = Design.default().scan_path(check=False)
>>> rows = sensitivities(path)
>>> sorted(tolerance_figures(rows, monte_carlo(path, n=2000, sensitivity_rows=rows)))
['sensitivity', 'spread']
"""

from __future__ import annotations

import math

import numpy as np

from optics.errors import OpticsTypeError
from optics.plotting._axes import new_figure
from optics.microscope.tolerance import MonteCarlo

__all__ = ["tolerance_figures"]


def tolerance_figures(sensitivity_rows, monte_carlo_result: MonteCarlo, *, top=6) -> dict:
    """The figures of ``optics tolerance``, by file name.

    Parameters
    ----------
    sensitivity_rows : tuple of Sensitivity
        From :func:`~optics.microscope.tolerance.sensitivities`.
    monte_carlo_result : MonteCarlo
        From :func:`~optics.microscope.tolerance.monte_carlo` (its tolerances set the bars' scale).
    top : int
        Parameters shown per quantity in the sensitivity bars.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    if not isinstance(monte_carlo_result, MonteCarlo):
        raise OpticsTypeError(f"tolerance_figures: expected a MonteCarlo result, got {type(monte_carlo_result).__name__}")
    mc = monte_carlo_result
    sigmas = dict(mc.sigmas)
    spreads = mc.spreads
    by_quantity = {}
    for row in sensitivity_rows:
        by_quantity.setdefault(row.quantity, []).append(row)
    figures = {}

    fig, axes = _panels(spreads)
    for ax, s in zip(axes, spreads):
        contrib = sorted(((r.parameter, abs(r.derivative) * sigmas.get(r.parameter, 0.0))
                          for r in by_quantity.get(s.quantity, ())), key=lambda c: -c[1])[:top][::-1]
        ax.barh([c[0] for c in contrib], [c[1] for c in contrib], color="tab:blue", gid=f"sensitivity:{s.quantity}")
        unit = f" ({s.unit})" if s.unit else ""
        ax.set_title(f"{s.quantity}: spread per parameter{unit}", fontsize="small")
        ax.tick_params(labelsize="x-small")
    fig.suptitle(f"which focal length or placement matters most (1 sigma each, {mc.tolerances.distribution} "
                 "tolerances)", fontsize="medium")
    figures["sensitivity"] = fig

    fig, axes = _panels(spreads)
    limits = {name: (low, high) for name, low, high in mc.limits}
    histograms = {name: (edges, counts) for name, edges, counts in mc.histograms}
    for ax, s in zip(axes, spreads):
        edges, counts = histograms[s.quantity]
        ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.6, gid=f"histogram:{s.quantity}")
        ax.axvline(s.nominal, color="k", lw=1)
        for edge in limits.get(s.quantity, ()):
            if math.isfinite(edge) and edges[0] <= edge <= edges[-1]:
                ax.axvline(edge, color="tab:red", ls="--", lw=1)
        unit = f" ({s.unit})" if s.unit else ""
        ax.set_title(f"{s.quantity}{unit}: sd {s.std:.3g}", fontsize="small")
        ax.tick_params(labelsize="x-small")
    fig.suptitle(f"{mc.n} drawn builds: yield {100 * mc.yield_fraction:.3g} % (black: design, red: pass window)",
                 fontsize="medium")
    figures["spread"] = fig
    return figures


def _panels(spreads, cols=3):
    """A figure with one small Axes per quantity (three across), the unused ones hidden."""
    rows = math.ceil(len(spreads) / cols)
    fig = new_figure((4.4 * cols, 2.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes[len(spreads):]:
        ax.set_visible(False)
    return fig, axes[: len(spreads)]
