r"""The figures of ``optics report``.

:func:`report_figures` builds, for a design or scan path, each figure on
its own :class:`matplotlib.figure.Figure` (no pyplot, no global state, so
the command line can save them from any thread and nothing is left open):

``"layout"``
    The path along z with apertures, plane names, marginal and chief rays
    and (with a wavelength) the Gaussian beam envelope
    (:func:`~optics.plotting.layout.plot_layout`).
``"transfer_curve"``
    With an ETL: focus shift against ETL power with the ETL conjugate to
    the back focal plane (a straight line) and the same ETL displaced
    downstream by *etl_displacement* (a bent curve), over the part's power
    range (:func:`~optics.plotting.remote_focus.plot_transfer_curves`).
``"beam_focus"``
    With a wavelength: the Gaussian beam near the focus in the sample
    (:func:`~optics.plotting.focus.plot_beam_near_focus`).
``"scanning"``
    With a resonant scanner of known frequency (designs only): the scan
    speed across the line and, with ``n_pixels``, the pixel dwell times
    (:mod:`optics.plotting.scanning`), the FOV taken as the full sweep as
    in the text report.

>>> from optics.design import Design
>>> sorted(report_figures(Design.default()))
['beam_focus', 'layout', 'scanning', 'transfer_curve']
"""

from __future__ import annotations

from optics.errors import OpticsTypeError
from optics.microscope.path import ScanPath
from optics.units import quantity, to_magnitude

__all__ = ["report_figures", "DEFAULT_ETL_DISPLACEMENT"]

#: Displacement of the ETL from its conjugate plane in the transfer-curve
#: figure (mm, downstream).
DEFAULT_ETL_DISPLACEMENT = 10.0


def _figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _path_and_settings(design_or_path):
    """(path, wavelength, resonant scanner part or None, n_pixels, title)."""
    from optics.design import Design

    if isinstance(design_or_path, Design):
        design = design_or_path
        path = design.scan_path(check=False)  # warnings belong to the text report
        parts = design.parts()["scanners"]
        resonant = [(plane, s) for plane, s in zip(path.scanner_planes, parts)
                    if s.kind == "resonant" and s.frequency is not None]
        return path, design.wavelength, resonant[0] if resonant else None, design.n_pixels, design.name
    if isinstance(design_or_path, ScanPath):
        if design_or_path.is_symbolic:
            raise OpticsTypeError("report_figures: the scan path has symbols; a numeric path is needed")
        return design_or_path, None, None, None, "scan path"
    raise OpticsTypeError(
        f"report_figures: expected an optics.design.Design or a ScanPath, got {type(design_or_path).__name__}"
    )


def report_figures(design_or_path, *, wavelength=None, etl_displacement=DEFAULT_ETL_DISPLACEMENT) -> dict:
    """The figures ``optics report`` writes, by file name (without extension).

    Parameters
    ----------
    design_or_path : Design or ScanPath
        A design gives the wavelength, the resonant scanner's frequency and
        the pixel count; a bare ScanPath has none of these, so its figures
        are the layout and (with an ETL) the transfer curve, plus the beam
        near focus when *wavelength* is given.
    wavelength : length, optional
        Overrides the design's wavelength (e.g. ``920 * ureg.nm``).
    etl_displacement : length
        How far the ETL is moved downstream of its conjugate plane for the
        second transfer curve (mm if a number; default 10 mm).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        Keys among ``"layout"``, ``"transfer_curve"``, ``"beam_focus"``,
        ``"scanning"`` (see the module docstring for when each is made).
    """
    from optics.report import remote_focus_of
    from optics.plotting.focus import plot_beam_near_focus
    from optics.plotting.layout import plot_layout
    from optics.plotting.remote_focus import plot_transfer_curves
    from optics.plotting.scanning import plot_dwell_times, plot_speed_profile

    path, design_wavelength, resonant, n_pixels, title = _path_and_settings(design_or_path)
    if wavelength is None:
        wavelength = design_wavelength
    else:  # plain numbers are mm, as everywhere
        wavelength = quantity(float(to_magnitude(wavelength, "mm", name="report_figures: wavelength")), "mm")
    shift = float(to_magnitude(etl_displacement, "mm", name="report_figures: etl_displacement"))
    figures = {}

    fig = _figure((12, 5))
    plot_layout(path, beam=wavelength, ax=fig.add_subplot())
    fig.suptitle(f"{title}: layout", x=0.01, ha="left")
    figures["layout"] = fig

    if path.etl is not None:
        rf = remote_focus_of(path)
        configs = {"ETL conjugate to the back focal plane": rf}
        if shift != 0:
            where = "downstream" if shift > 0 else "upstream"
            configs[f"ETL displaced {abs(shift):g} mm {where}"] = rf.replace(etl_offset=shift)
        labelled = {}
        for name, config in configs.items():
            lin = config.linearity()
            # round-off of an exactly linear curve (below 1e-9 of the range) is shown as the zero it is
            note = "linear" if lin.percent < 1e-7 else f"up to {lin.percent:.2g} % of the range off a line"
            labelled[f"{name}\n({note})"] = config
        fig = _figure((6.4, 4.8))
        plot_transfer_curves(labelled, ax=fig.add_subplot())
        fig.suptitle(f"{title}: remote focus, {path.etl.name}", fontsize="medium")
        figures["transfer_curve"] = fig

    if wavelength is not None:
        fig = _figure((6.4, 4.8))
        plot_beam_near_focus(wavelength, path, ax=fig.add_subplot())
        fig.suptitle(f"{title}: Gaussian beam at the focus (paraxial)", fontsize="medium")
        figures["beam_focus"] = fig

    if resonant is not None:
        plane, scanner = resonant
        fov = path.fov(plane, "exact")
        fig = _figure((11, 4.2) if n_pixels else (6.4, 4.8))
        axes = fig.subplots(1, 2) if n_pixels else [fig.add_subplot()]
        plot_speed_profile(fov, scanner.frequency, ax=axes[0])
        axes[0].set_title(f"{scanner.name}: scan speed (FOV {fov.to('um').magnitude:.4g} µm = full sweep)",
                          fontsize="small")
        if n_pixels:
            plot_dwell_times(n_pixels, scanner.frequency, ax=axes[1])
            axes[1].set_title(f"pixel dwell times, {n_pixels} pixels across the full sweep", fontsize="small")
        figures["scanning"] = fig
    return figures
