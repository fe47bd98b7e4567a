"""Plot helpers (matplotlib, imported lazily inside each function).

Every helper takes an optional matplotlib ``Axes`` (``ax=None`` makes a new
figure), draws on it with units on the axes, and returns it.  Importing
:mod:`optics` never imports matplotlib; importing this package does not either.

The helpers live in submodules and are re-exported here on first access
(``optics.plotting.plot_layout`` imports :mod:`optics.plotting.layout` then):

* :mod:`~optics.plotting.layout`: :func:`plot_layout`, the train with
  apertures, rays and the Gaussian beam envelope;
* :mod:`~optics.plotting.remote_focus`: :func:`plot_transfer_curves`, focus
  shift against ETL power for several configurations;
* :mod:`~optics.plotting.focus`: :func:`plot_beam_near_focus`;
* :mod:`~optics.plotting.search`: :func:`plot_fov_vs_fill`,
  :func:`plot_pareto` for a lens-set search;
* :mod:`~optics.plotting.scanning`: scan speed, dwell times, pulses per
  spot, noise levels;
* :mod:`~optics.plotting.report`: :func:`report_figures`, the figures of
  ``optics report``.
"""

from importlib import import_module

#: Public name -> submodule that defines it.
_EXPORTS = {
    "plot_layout": "layout",
    "plot_transfer_curves": "remote_focus",
    "plot_beam_near_focus": "focus",
    "plot_fov_vs_fill": "search",
    "plot_pareto": "search",
    "metric_label": "search",
    "plot_speed_profile": "scanning",
    "plot_dwell_times": "scanning",
    "plot_cpc_vs_zoom": "scanning",
    "plot_noise_vs_neurons": "scanning",
    "plot_frame_noise_vs_frame_rate": "scanning",
    "report_figures": "report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
