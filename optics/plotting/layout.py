r"""Layout (ray) diagram of a lens train or scan path.

:func:`plot_layout` draws the train along the optical axis: thin lenses as
vertical lines of their clear aperture, scan mirrors and the ETL as short
thick segments of theirs, the planes named on top (by the part there when the
path knows it: "Thorlabs AC254-100-B" rather than "etl_relay_1"), the marginal rays of the
collimated input beam, the chief rays at the full scan angle of every
scanner, and the Gaussian beam envelope :math:`w(z)` of
:meth:`optics.core.beams.GaussianBeam.envelope`.

The rays are traced with the numeric ABCD entries of the train's own
elements (paraxial, thin lenses): a ray :math:`(y, \theta)` after an element
is :math:`(A y + B\theta, C y + D\theta)`, and it runs straight through
every free space.  Chief rays leave a scanner pivot on axis with slope
:math:`\pm\tan(\alpha/2)` (:math:`\alpha` the full optical scan angle), as in
:meth:`optics.microscope.path.ScanPath.fov`.

>>> from optics.design import Design
>>> ax = plot_layout(Design.default().scan_path(check=False))
>>> ax.get_xlabel(), ax.get_ylabel()
('z along the optical axis (mm)', 'height (mm)')
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from optics.core.beams import GaussianBeam
from optics.core.elements import Space, TunableLens
from optics.errors import InvalidParameterError, OpticsTypeError
from optics.microscope.path import ScanPath
from optics.core.trains import LensTrain
from optics.units import check_plain, is_quantity, to_magnitude
from optics.plotting._axes import new_axes

__all__ = ["plot_layout"]

#: Axis labels of the layout plot.
Z_LABEL = "z along the optical axis (mm)"
HEIGHT_LABEL = "height (mm)"
#: Characters per line of a plane label before it wraps (two lines at most).
_LABEL_WIDTH = 22




def _numeric_train(path_or_train):
    """(ScanPath or None, LensTrain) with a numeric check."""
    if isinstance(path_or_train, ScanPath):
        path, train = path_or_train, path_or_train.nominal_train
        if path.is_symbolic:
            raise OpticsTypeError("plot_layout: the scan path has symbols; a numeric path is needed to draw it")
    elif isinstance(path_or_train, LensTrain):
        path, train = None, path_or_train
    else:
        raise OpticsTypeError(
            f"plot_layout: expected a ScanPath or a LensTrain, got {path_or_train!r} ({type(path_or_train).__name__})"
        )
    if train.free_symbols:
        raise OpticsTypeError(
            "plot_layout: the train has symbols ("
            + ", ".join(sorted(map(str, train.free_symbols)))
            + "); substitute numbers first (LensTrain.subs)"
        )
    return path, train


def _elements(train):
    """Per element: (z at its entrance, element, float ABCD entries); and the total length."""
    out, z = [], 0.0
    for element in train.elements:
        out.append((z, element, tuple(float(v) for v in element.abcd)))
        z += float(element.length)
    return out, z


def _trace(elements, y, theta, start_index):
    """Numeric paraxial trace from element index *start_index* on: arrays (z, y)."""
    z0 = elements[start_index][0] if start_index < len(elements) else None
    if z0 is None:
        return np.zeros(0), np.zeros(0)
    zs, ys = [z0], [y]
    for z, element, (a, b, c, d) in elements[start_index:]:
        y, theta = a * y + b * theta, c * y + d * theta
        zs.append(z + float(element.length))
        ys.append(y)
    return np.array(zs), np.array(ys)


def _resolve_beam(beam, path, label):
    """A GaussianBeam at the train's input, from a beam or (for a ScanPath) a wavelength."""
    if beam is None or isinstance(beam, GaussianBeam):
        return beam
    if is_quantity(beam) and path is not None:
        w_in = path.input_beam_diameter.to("mm").magnitude / 2
        return GaussianBeam(beam, waist=w_in)
    if is_quantity(beam):
        raise OpticsTypeError(
            f"{label}: a wavelength alone defines the beam only for a ScanPath (its input diameter); "
            "for a LensTrain pass a GaussianBeam"
        )
    raise OpticsTypeError(f"{label}: beam must be a GaussianBeam or a wavelength Quantity, got {beam!r}")


def _font_points() -> float:
    """The default font size in points (tick labels and axis labels are about this tall)."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=rcParams["font.size"]).get_size_in_points()


def _plane_labels(path) -> dict:
    """Plane name -> the name of the part there, where a ScanPath knows one (a catalog part number)."""
    if path is None:
        return {}
    names = {"objective": path.objective.name}
    if path.etl is not None:
        names["etl"] = path.etl.name
    names.update((role, path.lens(role).name) for role in path.lens_roles)
    names.update(zip(path.scanner_planes, (s.name for s in path.scanners)))
    return {plane: str(name) for plane, name in names.items() if name and str(name).strip()}


def _scan_angle(value, label):
    check_plain(value, "rad", "scan angle", name=f"{label}: scan_angle")
    angle = float(to_magnitude(value, "rad", name=f"{label}: scan_angle"))
    if not (0 < angle < math.pi):
        raise InvalidParameterError(
            f"{label}: scan_angle must be between 0 and 180 deg (full optical angle), got {value}"
        )
    return angle


def plot_layout(path_or_train, *, beam=None, scan_angle=None, points=800, ax=None):
    r"""Draw the train along z: lenses with apertures, plane names, rays and the beam envelope.

    Parameters
    ----------
    path_or_train : ScanPath or LensTrain
        A numeric :class:`~optics.microscope.path.ScanPath` (its lenses, scanners,
        ETL, back aperture and objective, with the clear apertures the parts
        give) or a numeric :class:`~optics.core.trains.LensTrain` (every element
        other than a free space is drawn; apertures unknown).
    beam : GaussianBeam or length, optional
        The Gaussian beam at the train's input plane; its :math:`1/e^2`
        radius :math:`w(z)` is drawn along the train.  For a ScanPath a
        wavelength (e.g. ``920 * ureg.nm``) is enough: the beam is then the
        collimated input beam of the path, its waist (radius
        :math:`D_\mathrm{in}/2`, the path's input diameter taken as the
        :math:`1/e^2` diameter) at the input plane.
    scan_angle : angle, optional
        Full optical scan angle for the chief rays.  ScanPath: replaces
        every scanner's angle (default: each scanner's own); LensTrain: chief
        rays leave the input plane at :math:`\pm` half this angle (none if
        not given).
    points : int
        Samples of the beam envelope along the train.
    ax : matplotlib Axes, optional
        Drawn on if given, else a new figure is made.

    Returns
    -------
    matplotlib Axes
        x: z (mm) from the input plane; y: height (mm).  Lenses are drawn
        as line artists with ``gid`` ``"lens:<plane or name>"``, apertures at
        planes without an element (scanners, ETL, back aperture) as
        ``"aperture:<plane>"``, the envelope as ``"envelope"`` (and
        ``"envelope_lower"``), rays as ``"marginal:+"``/``"marginal:-"`` and
        ``"chief:<scanner plane>:+"``/``"...:-"`` (``"chief:input:..."``
        for a LensTrain).  The planes are named by the tick labels of a
        secondary x axis at the top (gid ``"plane_names"``; each label's gid
        ``"plane:<plane names>"``), so a title set on the Axes sits above them.

    Notes
    -----
    Lenses of unknown aperture are drawn dashed, as tall as the rays and
    beam that reach them (so the figure shows what they must pass).  The
    model is paraxial with thin lenses: heights far off axis are first-order
    estimates, and the Gaussian envelope ignores apertures.

    >>> from optics import LensTrain, Space, ThinLens
    >>> train = LensTrain(["a", Space(100), "lens", ThinLens(100), Space(100), "focus"])
    >>> ax = plot_layout(train, beam=GaussianBeam(0.001, waist=2), scan_angle=0.1)
    >>> [line.get_gid() for line in ax.lines if (line.get_gid() or "").startswith("lens")]
    ['lens:lens']
    """
    from matplotlib.transforms import offset_copy

    label = "plot_layout"
    path, train = _numeric_train(path_or_train)
    beam = _resolve_beam(beam, path, label)
    ax = new_axes(ax, figsize=(12, 4.5))
    elements, total = _elements(train)
    planes = train.planes  # name -> element index
    positions = {name: float(z.magnitude) for name, z in train.positions().items()}
    names_at: dict = {}
    for name, index in planes.items():
        if name not in ("input", "output"):
            names_at.setdefault(index, []).append(name)

    # -- rays ------------------------------------------------------------------
    traces = []  # (z, y, style, label)
    if path is not None:
        r_in = path.input_beam_diameter.to("mm").magnitude / 2
        for sign in (1, -1):
            z, y = _trace(elements, sign * r_in, 0.0, 0)
            traces.append((z, y, dict(color="tab:red", lw=0.9, gid=f"marginal:{'+' if sign > 0 else '-'}"),
                           "marginal rays (input beam edge)" if sign > 0 else None))
        colors = ["tab:blue", "tab:green", "tab:purple", "tab:olive"]
        for k, (scanner, plane) in enumerate(zip(path.scanners, path.scanner_planes)):
            alpha = _scan_angle(scan_angle, label) if scan_angle is not None else float(scanner.optical_angle)
            slope = math.tan(alpha / 2)
            for sign in (1, -1):
                z, y = _trace(elements, 0.0, sign * slope, planes[plane])
                text = f"chief rays, {plane} ±{math.degrees(alpha) / 2:.3g}°" if sign > 0 else None
                traces.append((z, y, dict(color=colors[k % len(colors)], lw=0.9, ls="--",
                                         gid=f"chief:{plane}:{'+' if sign > 0 else '-'}"), text))
    else:
        if beam is not None:
            w_in = float(beam.w(0).magnitude)
            k_in = float(beam.curvature(0).magnitude) / 1000  # 1/mm
            for sign in (1, -1):
                z, y = _trace(elements, sign * w_in, sign * w_in * k_in, 0)
                traces.append((z, y, dict(color="tab:red", lw=0.9, gid=f"marginal:{'+' if sign > 0 else '-'}"),
                               "marginal rays (1/e² radius)" if sign > 0 else None))
        if scan_angle is not None:
            slope = math.tan(_scan_angle(scan_angle, label) / 2)
            for sign in (1, -1):
                z, y = _trace(elements, 0.0, sign * slope, 0)
                gid = f"chief:input:{'+' if sign > 0 else '-'}"
                traces.append((z, y, dict(color="tab:blue", lw=0.9, ls="--", gid=gid),
                               "chief rays" if sign > 0 else None))
    for z, y, style, text in traces:
        ax.plot(z, y, label=text, zorder=2, **style)

    envelope = None
    if beam is not None:
        envelope = beam.envelope(train, points=int(points))
        ze, we = envelope.z.magnitude, envelope.w.magnitude
        ax.fill_between(ze, -we, we, color="tab:orange", alpha=0.25, lw=0, zorder=1)
        ax.plot(ze, we, color="tab:orange", lw=1.0, gid="envelope", zorder=1.5,
                label=f"Gaussian beam, 1/e² radius (λ = {beam.wavelength.to('nm').magnitude:.4g} nm)")
        ax.plot(ze, -we, color="tab:orange", lw=1.0, gid="envelope_lower", zorder=1.5)

    def reach(z):
        """Largest |height| of the rays and beam at z (mm)."""
        h = 0.0
        for zz, yy, _, _ in traces:
            if zz.size and zz[0] <= z + 1e-9:
                h = max(h, float(np.max(np.abs(np.interp(z, zz, yy)))))
        if envelope is not None:
            h = max(h, float(np.interp(z, envelope.z.magnitude, envelope.w.magnitude)))
        return h

    # -- apertures ---------------------------------------------------------------
    apertures = {}
    if path is not None:
        apertures = {plane: float(ap) for plane, _, ap in path.apertures()}
        if path.objective.back_aperture is not None:
            apertures["objective"] = float(path.objective.back_aperture)
    known = [a / 2 for a in apertures.values()]
    scale = max(known + [reach(z) for z, _, _ in elements] + [1e-3])
    legends = set()
    unknown_label = "lens, aperture unknown"
    lens_label = "lens (clear aperture)"
    for index, (z, element, (a, b, c, d)) in enumerate(elements):
        if isinstance(element, Space) or (path is not None and isinstance(element, TunableLens)):
            continue  # the ETL of a path is drawn as its aperture
        names = names_at.get(index, [])
        name = names[0] if names else (element.name or type(element).__name__)
        half = apertures.get(name, None)
        half = None if half is None else half / 2
        if c != 0:
            style = dict(color="k", lw=1.6)
            if half is None:
                half = max(1.1 * reach(z), 0.15 * scale)
                style.update(ls="--", lw=1.2)
                legend = unknown_label
            else:
                legend = lens_label
            legend = None if legend in legends else legend
            legends.add(legend)
            ax.plot([z, z], [-half, half], gid=f"lens:{name}", label=legend, **style)
        else:  # flat interface or mirror: no power
            half = half if half is not None else max(1.1 * reach(z), 0.15 * scale)
            ax.plot([z, z], [-half, half], color="0.4", lw=1.0, ls=":", gid=f"surface:{name}")
    if path is not None:
        planes_with_element = {n for i, ns in names_at.items() if i < len(elements) and not
                               isinstance(elements[i][1], (Space, TunableLens)) for n in ns}
        for plane, diameter in apertures.items():
            if plane in planes_with_element or plane == "objective":
                continue
            z = positions[plane]
            ax.plot([z, z], [-diameter / 2, diameter / 2], color="0.35", lw=4, solid_capstyle="butt",
                    alpha=0.7, gid=f"aperture:{plane}")
        if path.objective.back_aperture is not None:
            ba = float(path.objective.back_aperture) / 2
            z = positions["back_aperture"]
            ax.plot([z, z], [-ba, ba], color="0.35", lw=1.2, ls=":", gid="aperture:back_aperture",
                    label=f"back aperture ({2 * ba:.3g} mm)")

    # -- plane names (spread so that close planes stay legible) -------------------------
    # On a secondary x axis at the top: a title set on the Axes, and constrained layout,
    # then make room for them (an annotation there would run into the title).
    labels = _plane_labels(path)
    by_z: dict = {}
    for name, z in positions.items():
        if name not in ("input", "output"):
            by_z.setdefault(round(z, 9), []).append(name)
    line = 0.012 * total if total > 0 else 0.0  # about one line of label text, in mm along z
    last, last_lines = -math.inf, 0
    ticks, texts, groups = [], [], []
    for z, names in sorted(by_z.items()):
        ax.axvline(z, color="0.85", lw=0.6, zorder=0)
        shown = list(dict.fromkeys(labels.get(n, n) for n in names))  # one label per part
        # long part names on two lines (the labels stand upright); a name is text, not mathtext
        text = textwrap.fill(", ".join(shown), _LABEL_WIDTH, max_lines=2, placeholder=" …").replace("$", r"\$")
        lines = text.count("\n") + 1
        x_text = max(z, last + line * (last_lines + lines) / 2)
        last, last_lines = x_text, lines
        ticks.append(x_text)
        texts.append(text)
        groups.append(names)
    top = ax.secondary_xaxis("top")
    top.set_xticks(ticks, labels=texts, rotation=90, fontsize="x-small", linespacing=1.0)
    top.tick_params(axis="x", length=0, pad=2)
    top.set_gid("plane_names")
    for text, names in zip(top.get_xticklabels(), groups):
        text.set_gid(f"plane:{', '.join(names)}")

    ax.axhline(0, color="0.6", lw=0.6, zorder=0)
    ax.set_xlim(-0.02 * total, 1.02 * total if total > 0 else 1)
    ax.set_ylim(-1.15 * scale, 1.15 * scale)
    ax.set_xlabel(Z_LABEL)
    ax.set_ylabel(HEIGHT_LABEL)
    # The legend hangs a fixed distance below the axes (clear of the tick labels and the
    # x label whatever the Axes' height); constrained layout makes room for it.
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-3.2 * _font_points(), units="points")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, fontsize="x-small", ncol=4,
              frameon=False)
    return ax
