r"""One analysis of a design: the path, built once, and every quantity derived from it.

:func:`analyze` turns a :class:`~optics.design.Design` into a frozen
:class:`Analysis`: the parts are resolved once, the
:class:`~optics.microscope.path.ScanPath` is built once, and every number of
``optics report`` (beam, resolution, field of view, remote focus, conjugation,
clipping, scanning) is computed here from that path.  The text and JSON
report (:mod:`optics.report`) and the figures (:mod:`optics.plotting.report`)
only render an Analysis; they compute nothing of their own.

Assumptions (stated in the results where they matter): a collimated beam at
the path's input, thin lenses, scanners obeying the f·tanθ mapping, the field
of view measured in the plane where the input beam focuses.

>>> from optics.design import Design
>>> a = analyze(Design.default())
>>> a.back_aperture_beam
<Quantity(20.0, 'millimeter')>
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import NamedTuple

from optics.acquisition import scanning
from optics.acquisition.pulses import FixedGdd, GddBudget, broadened_duration, path_gdd, prechirp
from optics.catalog.prescriptions import prescription
from optics.core.chromatic import chromatic_response, thin_equivalent
from optics.errors import InvalidParameterError, OpticsError, OpticsTypeError, OpticsWarning
from optics.display import Table, format_value, repr_html, repr_latex, repr_markdown, rows_table
from optics.microscope.path import ETL_POWER, FOV_FORMS, FieldOfView, PowerBudget, ScanPath, ZRange
from optics.microscope.remote_focus import Linearity, RemoteFocus
from optics.microscope.resolution import Resolution
from optics.units import is_quantity, quantity, to_magnitude

__all__ = [
    "Analysis",
    "RemoteFocusAnalysis",
    "TransferCurve",
    "ScanningAnalysis",
    "PartRow",
    "LayoutGap",
    "ScanAngle",
    "ChromaticAnalysis",
    "PulseAnalysis",
    "CHROMATIC_WAVELENGTHS",
    "analyze",
    "analyze_path",
    "DEFAULT_ETL_DISPLACEMENT",
]

#: How far the ETL is moved downstream of its place in the design for the
#: second transfer curve (mm).
DEFAULT_ETL_DISPLACEMENT = 10.0

#: Wavelengths of the chromatic sweep (nm): 700 to 1400 nm in 50 nm steps.
CHROMATIC_WAVELENGTHS = tuple(range(700, 1401, 50))

#: Wavelengths the report lists chromatic numbers at (nm), besides the figure's sweep.
_REPORTED_WAVELENGTHS = (800, 1040, 1300)

#: A transfer curve whose largest deviation from its line is below this
#: fraction of its z span is exactly linear (the rest is round-off).
_LINEAR_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TransferCurve:
    """Focus shift against ETL power for one configuration.

    Attributes
    ----------
    label : str
        What the configuration is (for legends).
    power : Quantity
        ETL powers (dpt).
    z : Quantity
        Focus shifts (µm).
    linearity : Linearity
    exactly_linear : bool
        The deviation from a line is round-off (below 1e-9 of the span).
    """

    label: str
    power: object
    z: object
    linearity: Linearity
    exactly_linear: bool

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class RemoteFocusAnalysis:
    """The remote focus of a path with an ETL.

    Attributes
    ----------
    etl_name : str
    power_min : Quantity
        The ETL's range and its offset lens (dpt).
    power_max : Quantity
        The ETL's range and its offset lens (dpt).
    offset_power : Quantity
        The ETL's range and its offset lens (dpt).
    z_range : ZRange
        Focus shifts at the range ends and their span (µm).
    curve : TransferCurve
        The design as it is.
    displaced : TransferCurve or None
        The same ETL moved ``displacement`` downstream (for the figure).
    displacement : Quantity or None
    """

    etl_name: str
    power_min: object
    power_max: object
    offset_power: object
    z_range: ZRange
    curve: TransferCurve
    displaced: TransferCurve | None
    displacement: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class ScanningAnalysis:
    """Kinematics of the first resonant scanner with a known frequency.

    Attributes
    ----------
    plane : str
        Its plane and part name.
    scanner : str
        Its plane and part name.
    freq : Quantity
        Resonant frequency.
    fov : Quantity
        The full sweep it scans in the sample (exact FOV).
    line_rate : Quantity
        Bidirectional line rate.
    n_lines : int or None
        Lines per frame.
    frame_rate : Quantity or None
        With ``n_lines``.
    peak_speed : Quantity
        Scan speed at the line centre.
    dwell_at_centre : Quantity or None
        With ``n_pixels``: the shortest pixel dwell time.
    rep_rate : Quantity or None
        Laser repetition rate.
    pulses_per_fwhm : float or None
        Pulses per lateral FWHM at the line centre (with wavelength and rep rate).
    """

    plane: str
    scanner: str
    freq: object
    fov: object
    line_rate: object
    n_lines: int | None
    frame_rate: object
    peak_speed: object
    dwell_at_centre: object
    rep_rate: object
    pulses_per_fwhm: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class ScanAngle:
    """The full optical scan angle a scanner is used at, and its maximum.

    Attributes
    ----------
    plane : str
    used : Quantity or None
        Optical angle of the design (deg); None when neither the design nor the part gives one.
    maximum : Quantity or None
        The part's maximum optical angle (deg), when known.
    """

    plane: str
    used: object
    maximum: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class ChromaticAnalysis:
    """Axial and lateral colour of the path, relative to the design wavelength.

    Attributes
    ----------
    reference : Quantity
        The design wavelength (nm).
    lenses : tuple of (str, str)
        Lens roles modelled from their prescription, and the prescription's name.
    without_prescription : tuple of str
        Lens roles without a known prescription, treated as free of colour (the
        objective always is: its chromatic focal shift is the maker's).
    sweep : tuple of ChromaticPoint
        Every wavelength of :data:`CHROMATIC_WAVELENGTHS` (without ETL correction).
    reported : tuple of ChromaticPoint
        The wavelengths the report lists, with the ETL power change that brings
        each to the design wavelength's focus (None without an ETL).
    """

    reference: object
    lenses: tuple
    without_prescription: tuple
    sweep: tuple
    reported: tuple

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class PulseAnalysis:
    """Group-delay dispersion of the path at the design wavelength, and what it does to a pulse.

    Attributes
    ----------
    budget : GddBudget
        GDD per part with known glass (centre thicknesses) and any given GDD.
    unknown : tuple of str
        Parts of unknown glass and no given GDD (not counted).
    pulse_duration : Quantity or None
        Transform-limited FWHM at the laser (the design's ``pulse_duration``).
    broadened : Quantity or None
        FWHM at the sample without pre-chirp.
    prechirp : Quantity
        The pre-chirp that compensates the counted GDD (fs²).
    """

    budget: GddBudget
    unknown: tuple
    pulse_duration: object
    broadened: object
    prechirp: object

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


class LayoutGap(NamedTuple):
    """A physical distance along the built path (vertex to vertex, or to a plane).

    Attributes
    ----------
    start, end : str
        Plane names (lenses by their role).
    distance : Quantity
        Air gap between the physical surfaces (mm): the thin-lens spacing
        corrected by each lens's principal-plane positions.
    basis : str
        Where the principal planes come from: ``"prescription"`` (cardinal points
        at the design wavelength, first surface towards the light), ``"catalog
        BFL"`` (back principal plane only) or ``"thin lens"`` (unknown: the
        thin-lens spacing itself).
    """

    start: str
    end: str
    distance: object
    basis: str

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class PartRow:
    """A part of the design: role, name, summary of its values and where they come from.

    Attributes
    ----------
    role : str
        Where the part sits (``objective``, ``etl relay first``, ...).
    name : str
        Part name.
    summary : str
        Its main values with units.
    status : str
        Where the values come from (see above).

    ``status`` is ``"verified"`` / ``"unverified"`` (catalog data), ``"design"``
    (values from the design file) or ``"overridden"`` (a catalog part changed
    in the design file).
    """

    role: str
    name: str
    summary: str
    status: str

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown
    _repr_latex_ = repr_latex


@dataclass(frozen=True)
class Analysis:
    """Everything ``optics report`` says about one path, computed once (frozen).

    Attributes
    ----------
    title : str
        Design name and file.
    origin : str
        Design name and file.
    path : ScanPath
        The one path every value comes from.
    wavelength : Quantity or None
    n_pixels : int or None
    beam_at : str
    beam_diameter : Quantity or None
        As given, at ``beam_at``.
    back_aperture_beam : Quantity or None
        Beam and back-aperture diameters (mm).
    back_aperture : Quantity or None
        Beam and back-aperture diameters (mm).
    fill_ratio : float or None
    effective_na : float or None
    resolution : Resolution or None
    fovs : tuple of FieldOfView
    pixel_sizes : tuple of (str, Quantity)
    focus_distance : Quantity
        Where a collimated input focuses past the nominal focal plane (mm; 0 for 4f).
    remote_focus : RemoteFocusAnalysis or None
    conjugation : tuples of ConjugationRow, ClippingRow
    clipping : tuples of ConjugationRow, ClippingRow
    power : PowerBudget or None
        Transmission of the Gaussian beam through every known aperture.
    length : Quantity
        Input plane to objective.
    scanning : ScanningAnalysis or None
    warnings : tuple of str
    parts : tuple of PartRow
    scan_angles : tuple of ScanAngle
        The optical scan angle each scanner is used at, against its maximum.
    beam_walks : tuple of (str, Quantity)
        Per scanner, how far the beam moves across the back aperture over its
        sweep (mm; zero when the scanner is imaged onto it).
    chromatic : ChromaticAnalysis or None
        With a design wavelength and at least one lens of known prescription.
    layout : tuple of LayoutGap
        The physical distances that realise the path's spacings.
    pulses : PulseAnalysis or None
        With a design wavelength.
    """

    title: str
    origin: str
    path: ScanPath
    wavelength: object
    n_pixels: int | None
    beam_at: str
    beam_diameter: object
    back_aperture_beam: object
    back_aperture: object
    fill_ratio: object
    effective_na: object
    resolution: Resolution | None
    fovs: tuple
    pixel_sizes: tuple
    focus_distance: object
    remote_focus: RemoteFocusAnalysis | None
    conjugation: tuple
    clipping: tuple
    power: PowerBudget | None
    length: object
    scanning: ScanningAnalysis | None
    warnings: tuple
    parts: tuple = ()
    scan_angles: tuple = ()
    beam_walks: tuple = ()
    chromatic: ChromaticAnalysis | None = None
    pulses: PulseAnalysis | None = None
    layout: tuple = ()

    # -- rich display (Jupyter) ------------------------------------------------------
    def _display_tables(self):
        rows = [("beam diameter at " + self.beam_at, self.beam_diameter),
                ("beam diameter at back aperture", self.back_aperture_beam),
                ("back aperture", self.back_aperture),
                ("fill ratio", self.fill_ratio),
                ("effective NA", self.effective_na)]
        if self.resolution is not None:
            rows += [(f"lateral FWHM at {format_value(self.resolution.wavelength)}", self.resolution.lateral_fwhm),
                     (f"axial FWHM at {format_value(self.resolution.wavelength)}", self.resolution.axial_fwhm)]
        rows += [(f"field of view ({fov.plane}, f·tanθ)", fov.exact) for fov in self.fovs]
        if self.remote_focus is not None:
            rows.append(("remote-focus z range", self.remote_focus.z_range.span))
        if self.power is not None:
            rows.append(("power through the apertures", self.power.transmission))
        rows.append(("length, input to objective", self.length))
        tables = [Table(rows, header=("", "value"), title=f"Analysis: {self.title}")]
        if self.parts:
            tables.append(rows_table(self.parts, title="Parts"))
        tables.append(Table([], title="Warnings", notes=self.warnings or ("none",)))
        return tables

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown


def _curve(label, view) -> TransferCurve:
    power, z = view.transfer_curve()
    lin = view.linearity()
    span = float(abs(z.magnitude.max() - z.magnitude.min()))
    exact = float(lin.max_deviation.to("um").magnitude) <= _LINEAR_TOLERANCE * span
    return TransferCurve(label, power, z, lin, exact)


def _remote_focus(path, displacement) -> RemoteFocusAnalysis | None:
    if path.etl is None or not path.etl.has_range:
        return None
    view = RemoteFocus(path)
    etl = path.etl
    curve = _curve("ETL as placed in the design", view)
    displaced = None
    if displacement:
        where = "downstream" if displacement > 0 else "upstream"
        moved = RemoteFocus(path.with_etl_moved(displacement))
        displaced = _curve(f"ETL moved {abs(displacement):g} mm {where}", moved)
    return RemoteFocusAnalysis(
        etl.name, quantity(float(etl.power_min), "dpt"), quantity(float(etl.power_max), "dpt"),
        quantity(float(etl.offset_power), "dpt"), view.z_range(), curve, displaced,
        quantity(displacement, "mm") if displacement else None,
    )


def _scanning(path, scanner_parts, wavelength, n_pixels, n_lines, rep_rate, resolution):
    found = [(plane, s) for plane, s in zip(path.scanner_planes, scanner_parts)
             if getattr(s, "kind", None) == "resonant" and getattr(s, "frequency", None) is not None]
    if not found:
        return None
    plane, s = found[0]
    width = path.fov(plane, "exact")
    frame = scanning.resonant_frame_rate(s.frequency, n_lines).to("Hz") if n_lines else None
    dwell = scanning.resonant_pixel_dwell_times(n_pixels, s.frequency).min().to("ns") if n_pixels else None
    pulses = None
    if resolution is not None and rep_rate is not None:
        pulses = float(scanning.resonant_cpc(resolution.lateral_fwhm, width, s.frequency, rep_rate))
    return ScanningAnalysis(
        plane, s.name, s.frequency.to("kHz"), width.to("um"), scanning.resonant_line_rate(s.frequency).to("kHz"),
        n_lines, frame, scanning.resonant_peak_speed(width, s.frequency), dwell,
        None if rep_rate is None else rep_rate.to("MHz"), pulses,
    )


def _checks(path, conjugation, power):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OpticsWarning)
        path.check_conjugation(conjugation)
        if power is not None:
            path.check_clipping(power)
    return tuple(str(w.message) for w in caught if issubclass(w.category, OpticsWarning))


def _wavelength(value, label):
    if value is None or is_quantity(value):
        return value
    return quantity(float(to_magnitude(value, "mm", name=f"{label}: wavelength")), "mm").to("nm")


def analyze_path(path, wavelength=None, n_pixels=None, *, title="scan path", origin="ScanPath",
                 n_lines=None, rep_rate=None, scanner_parts=(), parts=(),
                 etl_displacement=DEFAULT_ETL_DISPLACEMENT) -> Analysis:
    """Analyse a numeric :class:`~optics.microscope.path.ScanPath`.

    Parameters
    ----------
    path : ScanPath
    wavelength : length, optional
        Adds the two-photon resolution (plain numbers are mm).
    n_pixels : int, optional
        Adds pixel sizes and dwell times.
    title, origin : str
        For the report heading.
    n_lines : int, optional
        Lines per frame (frame rate).
    rep_rate : frequency, optional
        Laser repetition rate (pulses per spot).
    scanner_parts : sequence of Scanner
        The scanners' parts (their frequencies), in path order.
    parts : tuple of PartRow
        The design's parts, for the report.
    etl_displacement : length
        ETL displacement of the second transfer curve (mm; 0 for none).

    Returns
    -------
    Analysis
    """
    if not isinstance(path, ScanPath):
        raise OpticsTypeError(f"analyze_path: expected a ScanPath, got {type(path).__name__}")
    if path.is_symbolic:
        raise OpticsTypeError("analyze_path needs a numeric path; use the ScanPath properties for closed forms")
    wavelength = _wavelength(wavelength, "analyze_path")
    shift = float(to_magnitude(etl_displacement, "mm", name="analyze_path: etl_displacement"))
    has_beam = path.beam_diameter is not None
    known_ba = path.objective.back_aperture is not None
    resolution = path.resolution(wavelength) if wavelength is not None and has_beam and known_ba else None
    maxima = [getattr(s, "optical_angle", None) for s in scanner_parts] or [None] * len(path.scanners)
    scan_angles = tuple(
        ScanAngle(p, None if s.optical_angle is None else quantity(float(s.optical_angle), "rad").to("deg"),
                  None if m is None else m.to("deg"))
        for p, s, m in zip(path.scanner_planes, path.scanners, maxima)
    )
    scan = _scanning(path, scanner_parts, wavelength, n_pixels, n_lines, rep_rate, resolution)
    conjugation = path.conjugation()
    power = path.power_budget() if has_beam else None  # its rows are the clipping table plus the back aperture
    notes = []
    if scan is not None and scan.pulses_per_fwhm is not None and scan.pulses_per_fwhm < 1:
        notes.append(f"fewer than one laser pulse per lateral FWHM at the line centre ({scan.pulses_per_fwhm:.3g}): "
                     "neighbouring spots along the fast axis get no excitation at full zoom")
    angled = [p for p, s in zip(path.scanner_planes, path.scanners) if s.optical_angle is not None]
    fovs = tuple(FieldOfView(p, *(path.fov(p, form) for form in FOV_FORMS)) for p in angled)
    pixel_sizes = tuple((p, path.pixel_size(n_pixels, p)) for p in angled) if n_pixels else ()
    return Analysis(
        title=title, origin=origin, path=path, wavelength=wavelength, n_pixels=n_pixels, beam_at=path.beam_at,
        beam_diameter=quantity(float(path.beam_diameter), "mm") if has_beam else None,
        back_aperture_beam=path.back_aperture_beam.to("mm") if has_beam else None,
        back_aperture=path.back_aperture.to("mm") if known_ba else None,
        fill_ratio=float(path.fill_ratio) if has_beam and known_ba else None,
        effective_na=float(path.effective_na) if has_beam and known_ba else None,
        resolution=resolution, fovs=fovs, pixel_sizes=pixel_sizes,
        focus_distance=path.focus_distance().to("mm"),
        remote_focus=_remote_focus(path, shift),
        conjugation=conjugation,
        clipping=tuple(r for r in power.rows if r.plane != "back_aperture") if power is not None else (),
        power=power,
        length=path.length.to("mm"),
        scanning=scan, warnings=_checks(path, conjugation, power) + tuple(notes), parts=parts, scan_angles=scan_angles,
        beam_walks=tuple((p, path.beam_walk(p).to("mm")) for p in angled),
    )


def _status(component, part) -> str:
    if component.part is None:
        return "design"
    if any(k != "scan_angle" for k, _ in component.values):
        return "overridden"
    return "verified" if part.verified else "unverified"


def _part_rows(design, parts, scanner_planes) -> tuple:
    def q(x, unit="mm", digits=4):
        return f"{x.to(unit).magnitude:.{digits}g} {unit}"

    def lens_rows(prefix, components, lenses):
        return [PartRow(f"{prefix}{which}", lens.name, f"f {q(lens.f)}", _status(c, lens))
                for which, c, lens in zip(("first", "second"), components, lenses)]

    rows = []
    o = parts["objective"]
    rows.append(PartRow("objective", o.name, f"{o.magnification:g}x, NA {o.na:g}, n {o.immersion_index:g}, "
                        f"EFL {q(o.efl)}, back aperture {q(o.back_aperture)}", _status(design.objective, o)))
    if parts["etl"] is not None:
        e = parts["etl"]
        rows.append(PartRow("etl", e.name, f"aperture {q(e.aperture)}, {e.power_min.magnitude:g} to "
                            f"{e.power_max.magnitude:g} dpt", _status(design.etl, e)))
        relay = design.etl_relay
        rows += lens_rows("etl relay ", (relay.first, relay.second), parts["etl_relay"])
    for i, (c, s, role) in enumerate(zip(design.scanners, parts["scanners"], scanner_planes)):
        freq = f", {s.frequency.to('kHz').magnitude:g} kHz" if s.frequency is not None else ""
        aperture = "aperture unknown" if s.aperture is None else f"aperture {q(s.aperture)}"
        angle = "" if s.optical_angle is None else f", max optical angle {s.optical_angle.to('deg').magnitude:.4g} deg"
        rows.append(PartRow(role, s.name, f"{aperture}{angle}{freq}", _status(c, s)))
        if i < len(parts["relays"]) and parts["relays"][i] is not None:
            relay = design.relays[i]
            rows += lens_rows(f"relay {i + 1} ", (relay.first, relay.second), parts["relays"][i])
    for role in ("scan_lens", "tube_lens"):
        lens = parts[role]
        rows.append(PartRow(role.replace("_", " "), lens.name, f"f {q(lens.f)}", _status(getattr(design, role), lens)))
    return tuple(rows)


def _lens_parts(path, parts) -> dict:
    """Lens role -> Lens part, in light order."""
    out = {}
    if parts.get("etl_relay"):
        out["etl_relay_1"], out["etl_relay_2"] = parts["etl_relay"]
    for k, pair in enumerate(parts["relays"]):
        if pair is not None:
            out[f"relay{k + 1}_1"], out[f"relay{k + 1}_2"] = pair
    out["scan_lens"], out["tube_lens"] = parts["scan_lens"], parts["tube_lens"]
    return {role: part for role, part in out.items() if role in path.lens_roles}


def _prescriptions(lenses) -> dict:
    found = {}
    for role, part in lenses.items():
        try:
            found[role] = prescription(part.name)
        except OpticsError:
            continue  # no public prescription: treated as free of colour, and said so
    return found


def _within_glass_data(found, lenses, wavelength):
    """The prescriptions whose glasses have dispersion data at *wavelength*, and a note for each other one.

    A lens whose glass data end before the design's wavelength is treated
    like a lens without a prescription (colour-free, thin), and said so,
    rather than failing the whole report.
    """
    if wavelength is None:
        return found, ()
    usable, notes = {}, []
    for role, p in found.items():
        try:
            p.indices(wavelength)  # the glass data's own range rule (optics.core.materials)
        except InvalidParameterError as err:
            reason = str(err).split("; pass a Quantity")[0]  # the Python hint does not fit a design file
            notes.append(f"{role} ({lenses[role].name}): {reason}; treated as colour-free and thin, like a lens "
                         "without a prescription")
            continue
        usable[role] = p
    return usable, tuple(notes)


def _chromatic(path, lenses, found, wavelength):
    if not found:
        return None
    ref = wavelength.to("nm")

    def build(wl, nominal=True):
        models = {role: replace(path.lens(role), element=thin_equivalent(p, wl, ref)) for role, p in found.items()}
        moved = path.with_lenses(keep_spacings=True, **models)
        return moved.nominal_train if nominal else moved.train

    common = dict(start=path.input_plane, end="sample", imaged_planes=path.pupil_planes, relative_to="back_aperture")
    sweep = chromatic_response(build, [quantity(w, "nm") for w in CHROMATIC_WAVELENGTHS], ref, **common)
    listed = [quantity(w, "nm") for w in _REPORTED_WAVELENGTHS]
    if path.etl is not None:
        reported = chromatic_response(lambda wl: build(wl, nominal=False), listed, ref, power=ETL_POWER,
                                      reference_power=path.etl.reference_power, **common)
    else:
        reported = chromatic_response(build, listed, ref, **common)
    return ChromaticAnalysis(ref, tuple((r, p.name) for r, p in found.items()),
                             tuple(r for r in lenses if r not in found), sweep, reported)


def _pulses(lenses, found, design):
    if design.wavelength is None:
        return None
    items = [found[role] for role in lenses if role in found]
    unknown = [f"{role} ({lenses[role].name})" for role in lenses if role not in found]
    if design.objective_gdd is not None:
        items.append(FixedGdd("objective", design.objective_gdd, f"{design.origin}: objective_gdd"))
    else:
        unknown.append("objective (give objective_gdd in the design)")
    budget = path_gdd(items, design.wavelength)
    tau0 = design.pulse_duration
    return PulseAnalysis(budget, tuple(unknown), tau0, None if tau0 is None else broadened_duration(tau0, budget.total),
                         prechirp(budget))


def _principal_planes(role, part, found, wavelength):
    """(h1, h2, thickness, basis) of a lens in mm: from its prescription, its catalog BFL, or thin."""
    if role in found and wavelength is not None:
        cp = found[role].cardinal_points(wavelength)
        return (cp.h1.to("mm").magnitude, cp.h2.to("mm").magnitude, cp.thickness.to("mm").magnitude,
                "prescription")
    bfl = getattr(part, "bfl", None)
    thickness = getattr(part, "center_thickness", None)
    if bfl is not None:
        h2 = bfl.to("mm").magnitude - part.f.to("mm").magnitude  # BFL = f + h2
        return 0.0, h2, 0.0 if thickness is None else thickness.to("mm").magnitude, "catalog BFL"
    return 0.0, 0.0, 0.0, "thin lens"


def _layout(path, lenses, found, wavelength) -> tuple:
    r"""Physical gaps realising the thin-lens spacings.

    A thin-lens spacing :math:`d` runs from the previous lens's back principal
    plane to the next lens's front one, so the air gap between their vertices
    is :math:`d + h_2^\mathrm{prev} - h_1^\mathrm{next}` (principal planes
    measured from their vertices, positive downstream).
    """
    positions = {k: v.to("mm").magnitude for k, v in path.nominal_train.positions().items()}
    order = [p for p in (*path.pupil_planes, *path.lens_roles, "back_aperture") if p in positions]
    order.sort(key=lambda p: positions[p])
    planes = {role: _principal_planes(role, lenses[role], found, wavelength) for role in lenses}
    out = []
    for a, b in zip(order, order[1:]):
        h2 = planes[a][1] if a in planes else 0.0
        h1 = planes[b][0] if b in planes else 0.0
        bases = sorted({planes[x][3] for x in (a, b) if x in planes}) or ["planes only"]
        out.append(LayoutGap(a, b, quantity(positions[b] - positions[a] + h2 - h1, "mm"), ", ".join(bases)))
    return tuple(out)


def analyze(design, *, etl_displacement=DEFAULT_ETL_DISPLACEMENT) -> Analysis:
    """Analyse a design: resolve its parts and build its path once, derive everything.

    Parameters
    ----------
    design : optics.design.Design
    etl_displacement : length
        ETL displacement of the second transfer curve (mm; 0 for none).

    Returns
    -------
    Analysis
    """
    parts = design.parts()
    path = design.scan_path(check=False, parts=parts)
    lenses = _lens_parts(path, parts)
    found, glass_notes = _within_glass_data(_prescriptions(lenses), lenses, design.wavelength)
    chromatic = None if design.wavelength is None else _chromatic(path, lenses, found, design.wavelength)
    analysis = analyze_path(
        path, design.wavelength, design.n_pixels, title=design.name, origin=design.origin,
        n_lines=design.n_lines, rep_rate=design.rep_rate, scanner_parts=parts["scanners"],
        parts=_part_rows(design, parts, path.scanner_planes), etl_displacement=etl_displacement,
    )
    return replace(analysis, chromatic=chromatic, pulses=_pulses(lenses, found, design),
                   layout=_layout(path, lenses, found, design.wavelength), warnings=analysis.warnings + glass_notes)
