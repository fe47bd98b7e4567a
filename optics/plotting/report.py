r"""The figures of ``optics report``, rendered from one analysis.

:func:`report_figures` draws, from an :class:`~optics.analysis.Analysis`
(or a design or scan path, analysed first), each figure on its own
:class:`matplotlib.figure.Figure` (no pyplot, no global state, so the
command line can save them from any thread and nothing is left open).  Every
number drawn comes from the analysis:

``"layout"``
    The path along z with apertures, plane names, marginal and chief rays
    and (with a wavelength) the Gaussian beam envelope
    (:func:`~optics.plotting.layout.plot_layout`).
``"transfer_curve"``
    With an ETL: focus shift against ETL power as the ETL sits in the design
    and moved downstream by the analysis's displacement, over the part's
    power range (:func:`~optics.plotting.remote_focus.plot_transfer_curves`).
``"beam_focus"``
    With a wavelength: the Gaussian beam near the focus in the sample
    (:func:`~optics.plotting.focus.plot_beam_near_focus`).
``"chromatic"``
    With a wavelength and lenses of known prescription (designs only): the
    focus shift and where the pupil planes are imaged, against wavelength
    (700-1400 nm), relative to the design wavelength.
``"scanning"``
    With a resonant scanner of known frequency (designs only): the scan
    speed across the line and, with ``n_pixels``, the pixel dwell times
    (:mod:`optics.plotting.scanning`), the FOV taken as the full sweep as
    in the text report.

>>> from optics.design import Design
>>> sorted(report_figures(Design.default()))
['beam_focus', 'chromatic', 'layout', 'scanning', 'transfer_curve']
"""

from __future__ import annotations

from optics.analysis import Analysis, analyze, analyze_path
from optics.design import Design
from optics.errors import OpticsTypeError
from optics.plotting._axes import new_figure
from optics.microscope.path import ScanPath

__all__ = ["report_figures"]


def _analysis(value) -> Analysis:
    if isinstance(value, Analysis):
        return value
    if isinstance(value, Design):
        return analyze(value)
    if isinstance(value, ScanPath):
        return analyze_path(value)
    raise OpticsTypeError(
        f"report_figures: expected an Analysis, an optics.design.Design or a ScanPath, got {type(value).__name__}"
    )


def report_figures(analysis) -> dict:
    """The figures ``optics report`` writes, by file name (without extension).

    Parameters
    ----------
    analysis : Analysis, Design or ScanPath
        What to draw; a design or path is analysed first
        (:func:`~optics.analysis.analyze`, :func:`~optics.analysis.analyze_path`;
        a bare path has no wavelength or scanner frequencies, so its figures
        are the layout and, with an ETL, the transfer curve).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        Keys among ``"layout"``, ``"transfer_curve"``, ``"beam_focus"``,
        ``"chromatic"``, ``"scanning"`` (see the module docstring for when each is made).
    """
    from optics.plotting.focus import plot_beam_near_focus
    from optics.plotting.layout import plot_layout
    from optics.plotting.remote_focus import plot_transfer_curves
    from optics.plotting.scanning import plot_dwell_times, plot_speed_profile

    a = _analysis(analysis)
    path, title = a.path, a.title
    figures = {}

    fig = new_figure((12, 5))
    plot_layout(path, beam=a.wavelength, ax=fig.add_subplot())
    fig.suptitle(f"{title}: layout", x=0.01, ha="left")
    figures["layout"] = fig

    rf = a.remote_focus
    if rf is not None:
        labelled = {}
        for curve in (rf.curve, rf.displaced):
            if curve is None:
                continue
            note = "linear" if curve.exactly_linear else f"up to {curve.linearity.percent:.2g} % of the range off a line"
            labelled[f"{curve.label}\n({note})"] = (curve.power, curve.z)
        fig = new_figure((6.4, 4.8))
        plot_transfer_curves(labelled, ax=fig.add_subplot())
        fig.suptitle(f"{title}: remote focus, {rf.etl_name}", fontsize="medium")
        figures["transfer_curve"] = fig

    if a.wavelength is not None and path.beam_diameter is not None:
        fig = new_figure((6.4, 4.8))
        ax = plot_beam_near_focus(a.wavelength, path, ax=fig.add_subplot())
        if a.resolution is not None:
            res = a.resolution
            ax.text(0.02, 0.02,
                    f"two-photon FWHM, beam truncated by the back aperture (fill {a.fill_ratio:.3g}, Debye):\n"
                    f"lateral {res.lateral_fwhm.to('um').magnitude:.3g} µm, axial {res.axial_fwhm.to('um').magnitude:.3g} µm"
                    f" (Zipfel, uniform NA {res.effective_na:.3g}: {res.zipfel_lateral_fwhm.to('um').magnitude:.3g}"
                    f" / {res.zipfel_axial_fwhm.to('um').magnitude:.3g} µm)",
                    transform=ax.transAxes, fontsize="x-small", va="bottom", gid="psf_note")
        fig.suptitle(f"{title}: Gaussian beam at the focus (paraxial)", fontsize="medium")
        figures["beam_focus"] = fig

    c = a.chromatic
    if c is not None:
        import numpy as np

        fig = new_figure((11, 4.2))
        ax_focus, ax_image = fig.subplots(1, 2)
        nm = np.array([p.wavelength.to("nm").magnitude for p in c.sweep])
        shift = np.array([np.nan if p.focus_shift is None else p.focus_shift.to("um").magnitude for p in c.sweep])
        ax_focus.plot(nm, shift, marker=".", gid="focus_shift")
        ax_focus.axhline(0, color="0.6", lw=0.6)
        ax_focus.set_xlabel("wavelength (nm)")
        ax_focus.set_ylabel("focus shift in the sample (µm)")
        ax_focus.set_title(f"axial colour, relative to {c.reference.to('nm').magnitude:g} nm", fontsize="small")
        for plane in path.pupil_planes:
            where = [p.image_distances.get(plane) for p in c.sweep]
            mm = np.array([np.nan if w is None else w.to("mm").magnitude for w in where])
            ax_image.plot(nm, mm, marker=".", label=plane, gid=f"image:{plane}")
        ax_image.axhline(0, color="0.6", lw=0.6)
        ax_image.set_xlabel("wavelength (nm)")
        ax_image.set_ylabel("image past the back aperture (mm)")
        ax_image.set_title("where the pupil planes are imaged", fontsize="small")
        ax_image.legend(fontsize="small")
        free = ", ".join(list(c.without_prescription) + ["objective"])
        fig.suptitle(f"{title}: colour (paraxial; treated as free of colour: {free})", fontsize="medium")
        figures["chromatic"] = fig

    s = a.scanning
    if s is not None:
        n_pixels = a.n_pixels
        fig = new_figure((11, 4.2) if n_pixels else (6.4, 4.8))
        axes = fig.subplots(1, 2) if n_pixels else [fig.add_subplot()]
        plot_speed_profile(s.fov, s.freq, ax=axes[0])
        axes[0].set_title(f"{s.scanner}: scan speed (FOV {s.fov.to('um').magnitude:.4g} µm = full sweep)",
                          fontsize="small")
        if n_pixels:
            plot_dwell_times(n_pixels, s.freq, ax=axes[1])
            axes[1].set_title(f"pixel dwell times, {n_pixels} pixels across the full sweep", fontsize="small")
        figures["scanning"] = fig
    return figures
