"""The design report: every number ``optics report`` prints, rendered from one analysis.

:func:`render_report` turns an :class:`~optics.analysis.Analysis` (the path
and every quantity derived from it, computed once) into a :class:`Report`:
items with stable snake_case ids (``beam.diameter_at_back_aperture``,
``fov.resonant.exact``, ``remote_focus.z_range``), display labels, values
(Quantities, numbers or text), the warnings of the path's checks and the
parts with the origin of their values.  The command line prints
:meth:`Report.to_text` or :meth:`Report.to_json`; nothing in a report is typed
in or computed here.

>>> from optics.design import Design
>>> report = design_report(Design.default())
>>> report.value("beam.diameter_at_back_aperture")
<Quantity(20.0, 'millimeter')>
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from optics.analysis import Analysis, analyze, analyze_path
from optics.display import Table, repr_html, repr_markdown
from optics.errors import OpticsTypeError, UnknownReportItemError
from optics.text import escape_text
from optics.units import JSON_UNITS, is_quantity, json_quantity, quantity
from optics.units import json_schema as units_json_schema

__all__ = ["Report", "ReportItem", "render_report", "design_report", "path_report", "SCHEMA_VERSION", "JSON_UNITS", "json_schema"]


@dataclass(frozen=True)
class ReportItem:
    """One reported value: stable id, section, display label, value and an optional note.

    Attributes
    ----------
    id : str
        Stable snake_case id (``section.quantity``).
    section : str
        Display section.
    label : str
        Display label.
    value : Quantity, float, str or list
    note : str
        How the value is defined or where it comes from.

    """

    id: str
    section: str
    label: str
    value: object
    note: str = ""


@dataclass(frozen=True)
class Report:
    """The numbers of a design, grouped in sections, with warnings and parts.

    Attributes
    ----------
    title : str
        Design name.
    origin : str
        Design file.
    items : tuple of ReportItem
    warnings : tuple of str
        Messages of the path's checks.
    parts : tuple
        (role, name, summary, status) per part.
    extras : dict
        The analysis it renders (``"analysis"``).

    """

    title: str
    origin: str
    items: tuple
    warnings: tuple = ()
    parts: tuple = ()
    extras: dict = field(default_factory=dict, compare=False)

    def value(self, id: str):
        """The value of the item with stable id *id* (for example ``"remote_focus.z_range"``).

        Parameters
        ----------
        id : str
        """
        for item in self.items:
            if item.id == id:
                return item.value
        import difflib

        close = difflib.get_close_matches(str(id), self.ids, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; Report.ids lists them"
        raise UnknownReportItemError(f"Report.value: no item {escape_text(str(id), max_length=80)!r}{hint}")

    @property
    def ids(self) -> tuple:
        """The item ids in report order."""
        return tuple(item.id for item in self.items)

    def sections(self) -> list:
        """Section names in report order."""
        out = []
        for item in self.items:
            if item.section not in out:
                out.append(item.section)
        return out

    def to_text(self) -> str:
        """The report as aligned, readable text."""
        lines = [f"optics report: {escape_text(self.title)}", f"design: {escape_text(self.origin)}", ""]
        lines.append("Parts (light order)")
        for role, name, summary, status in self.parts:
            flag = _FLAGS[status]
            lines.append(f"  {role:<17} {escape_text(name)}: {escape_text(summary)}{flag}")
        for section in self.sections():
            lines += ["", section]
            width = max(len(item.label) for item in self.items if item.section == section)
            for item in self.items:
                if item.section != section:
                    continue
                note = f"  ({item.note})" if item.note else ""
                lines.append(f"  {escape_text(item.label):<{width}}  {escape_text(_text(item.value))}{escape_text(note)}")
        lines += ["", "Warnings"]
        lines += [f"  - {escape_text(w)}" for w in self.warnings] or ["  none"]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """Plain data (JSON-ready), following the shipped schema ``optics/schemas/report.schema.json``.

        Values are keyed by item id as ``{"value": number, "unit": str, ...}``,
        each kind of quantity in one unit (:data:`JSON_UNITS`: lengths in mm,
        times in s, frequencies in Hz, ...), whatever unit the text shows.
        """
        values: dict = {}
        for item in self.items:
            entry = _json_value(item.value)
            entry["label"] = item.label
            entry["section"] = item.section
            if item.note:
                entry["note"] = item.note
            values[item.id] = entry
        return {
            "schema_version": SCHEMA_VERSION,
            "title": self.title,
            "design": self.origin,
            "parts": [
                {"role": role, "name": name, "summary": summary, "source": status,
                 "verified": status == "verified"}
                for role, name, summary, status in self.parts
            ],
            "values": values,
            "warnings": list(self.warnings),
        }

    def to_json(self) -> str:
        """:meth:`as_dict` as JSON text."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    # -- rich display (Jupyter) ------------------------------------------------------
    def _display_tables(self):
        head = Table([(role, name, summary, _FLAGS[status].strip(" []") or "verified")
                      for role, name, summary, status in self.parts],
                     header=("role", "part", "summary", "data"),
                     title=f"optics report: {self.title} ({self.origin})")
        tables = [head]
        for section in self.sections():
            rows = [(item.label, item.value, item.note) for item in self.items if item.section == section]
            tables.append(Table(rows, header=("", "value", "note"), title=section))
        tables.append(Table([], title="Warnings", notes=self.warnings or ("none",)))
        return tables

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown


#: Version of the JSON layout of :meth:`Report.as_dict` (``optics/schemas/report.schema.json``).
SCHEMA_VERSION = 1

def json_schema() -> dict:
    """The JSON schema of :meth:`Report.as_dict` (and ``optics report --json``), shipped with the package."""
    return units_json_schema("report")


def _text(value) -> str:
    if is_quantity(value):
        magnitude = value.magnitude + 0.0  # no "-0"
        return f"{magnitude:.4g} {value.units:~P}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def _json_value(value) -> dict:
    if is_quantity(value):
        return json_quantity(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return {"value": value}
    if isinstance(value, (int, float)):
        return {"value": float(value) if isinstance(value, float) else value}
    if isinstance(value, (list, tuple)):
        return {"value": list(value)}
    return {"value": str(value)}


_FLAGS = {
    "verified": "",
    "unverified": "  [unverified part data]",
    "design": "  [values from the design file]",
    "overridden": "  [catalog part, values changed in the design file]",
}


def _optics_items(a: Analysis) -> list:
    items = []

    def add(id, section, label, value, note=""):
        items.append(ReportItem(id, section, label, value, note))

    beam = "Beam"
    if a.beam_diameter is not None:
        add("beam.diameter_given", beam, f"beam diameter at {a.beam_at}", a.beam_diameter, "collimated, as given")
        add("beam.diameter_at_back_aperture", beam, "beam diameter at back aperture", a.back_aperture_beam)
    if a.back_aperture is not None:
        add("beam.back_aperture", beam, "objective back-aperture diameter", a.back_aperture,
            "2 NA f_o, or the maker's value")
    if a.fill_ratio is not None:
        add("beam.fill_ratio", beam, "fill ratio", a.fill_ratio, "beam / back aperture")
        add("beam.effective_na", beam, "effective excitation NA", a.effective_na,
            "NA x min(1, fill): the NA at the beam's 1/e^2 edge")
    if a.resolution is not None:
        section = f"Two-photon resolution at {a.wavelength.to('nm').magnitude:g} nm"
        res = a.resolution
        pupil = f"Gaussian beam, fill {a.fill_ratio:.3g}, vectorial Debye integral"
        add("resolution.lateral_fwhm", section, "lateral FWHM", res.lateral_fwhm.to("um"), pupil)
        add("resolution.axial_fwhm", section, "axial FWHM", res.axial_fwhm.to("um"), pupil)
        zipfel = f"Zipfel et al. 2003, uniform pupil of NA {res.effective_na:.3g}"
        add("resolution.zipfel_lateral_fwhm", section, "lateral FWHM, usual estimate", res.zipfel_lateral_fwhm.to("um"),
            zipfel)
        add("resolution.zipfel_axial_fwhm", section, "axial FWHM, usual estimate", res.zipfel_axial_fwhm.to("um"), zipfel)

    fov = "Field of view"
    for row in a.scan_angles:
        limit = f" of {row.maximum.magnitude:.4g} deg maximum" if row.maximum is not None else "; maximum unknown"
        if row.used is None:
            add(f"fov.{row.plane}.scan_angle", fov, f"{row.plane}: optical scan angle used", "unknown",
                "give scan_angle in the design: no FOV without it")
        else:
            add(f"fov.{row.plane}.scan_angle", fov, f"{row.plane}: optical scan angle used", row.used,
                f"full angle{limit}")
    for plane, walk in a.beam_walks:
        add(f"fov.{plane}.beam_walk", fov, f"{plane}: beam walk at back aperture", walk,
            "over the full sweep; 0 when the scanner is imaged onto it")
    pixels = dict(a.pixel_sizes)
    for row in a.fovs:
        add(f"fov.{row.plane}.exact", fov, f"{row.plane}: exact paraxial", row.exact.to("um"),
            "2 tan(alpha/2) |B + z_f D| at the focus z_f, f-tan(theta) mapping")
        add(f"fov.{row.plane}.small_angle", fov, f"{row.plane}: small-angle form", row.small_angle.to("um"),
            "tan(alpha) |B + z_f D|, the reference post's form")
        add(f"fov.{row.plane}.f_theta", fov, f"{row.plane}: f-theta scan lens", row.f_theta.to("um"),
            "alpha |B + z_f D|, f-theta mapping")
        if row.plane in pixels:
            add(f"fov.{row.plane}.pixel_size", fov, f"{row.plane}: pixel size ({a.n_pixels} px)",
                pixels[row.plane].to("um"))

    rf = a.remote_focus
    if rf is not None:
        section = "Remote focus (ETL)"
        off = rf.offset_power.magnitude
        add("remote_focus.power_min", section, "ETL power, minimum", rf.power_min)
        add("remote_focus.power_max", section, "ETL power, maximum", rf.power_max)
        if off:
            add("remote_focus.offset_power", section, "offset lens", rf.offset_power)
        add("remote_focus.z_at_min", section, "focus shift at minimum power", rf.z_range.z_at_min.to("um"),
            "in the sample, + deeper, collimated input")
        add("remote_focus.z_at_max", section, "focus shift at maximum power", rf.z_range.z_at_max.to("um"))
        add("remote_focus.z_range", section, "z range", rf.z_range.span.to("um"),
            f"in the immersion medium (n = {float(a.path.objective.n):.4g}): n times the reference post's form, which is in air")
        lin = rf.curve.linearity
        add("remote_focus.slope", section, "transfer-curve slope (linear fit)", lin.slope)
        exact = rf.curve.exactly_linear
        add("remote_focus.linearity_deviation", section, "linearity: max deviation from line",
            quantity(0.0, "um") if exact else lin.max_deviation.to("um"),
            "exactly linear: ETL conjugate to the back focal plane" if exact else "")
        add("remote_focus.linearity_percent", section, "linearity: deviation in % of range",
            0.0 if exact else float(lin.percent))
    return items


def _scanning_items(a: Analysis) -> list:
    s = a.scanning
    if s is None:
        return []
    section = f"Scanning ({s.scanner})"
    items = [ReportItem("scanning.line_rate", section, "line rate (bidirectional)", s.line_rate)]
    if s.frame_rate is not None:
        items.append(ReportItem("scanning.frame_rate", section, f"frame rate ({s.n_lines} lines)", s.frame_rate))
    items.append(ReportItem("scanning.peak_speed", section, "scan speed at line centre", s.peak_speed,
                            "FOV taken as the full sweep"))
    if s.dwell_at_centre is not None:
        items.append(ReportItem("scanning.dwell_at_centre", section, f"pixel dwell at line centre ({a.n_pixels} px)",
                                s.dwell_at_centre, "pixels across the full sweep"))
    if s.pulses_per_fwhm is not None:
        items.append(ReportItem("scanning.rep_rate", section, "laser repetition rate", s.rep_rate))
        items.append(ReportItem("scanning.pulses_per_fwhm", section, "pulses per lateral FWHM at line centre",
                                s.pulses_per_fwhm))
    return items


def _power_items(a: Analysis) -> list:
    power = a.power
    if power is None:
        return []
    section = "Power through the apertures (Gaussian beam, scan corner)"
    items = []
    for r in power.rows:
        part = f"{r.part}: " if r.part else ""
        items.append(ReportItem(f"power.{r.plane}.fill", section, f"{r.plane}: footprint / aperture (%)", 100 * r.fill,
                                f"{part}{r.footprint.to('mm').magnitude:.4g} mm on {r.aperture.to('mm').magnitude:.4g} mm"))
        items.append(ReportItem(f"power.{r.plane}.transmitted", section, f"{r.plane}: transmitted (%)",
                                100 * r.transmission))
    items.append(ReportItem("power.total", section, "transmitted along the path (%)", 100 * power.transmission,
                            "conjugate apertures count once (their smallest), other groups multiply; "
                            "coatings and diffraction not included"))
    items.append(ReportItem("power.unchecked", section, "apertures not checked (size unknown)", list(power.unknown)))
    return items


def _chromatic_items(a: Analysis) -> list:
    c = a.chromatic
    if c is None:
        return []
    ref = c.reference.to("nm").magnitude
    section = f"Colour, relative to {ref:g} nm (paraxial; lenses of known prescription)"
    items = [ReportItem("chromatic.lenses", section, "lenses from their prescription", [n for _, n in c.lenses]),
             ReportItem("chromatic.without_prescription", section, "treated as free of colour",
                        list(c.without_prescription) + ["objective"], "no public prescription")]
    for point in c.reported:
        nm = f"{point.wavelength.to('nm').magnitude:g}"
        if point.focus_shift is not None:
            items.append(ReportItem(f"chromatic.{nm}.focus_shift", section, f"{nm} nm: focus shift",
                                    point.focus_shift.to("um"), "in the sample, + deeper"))
        for plane, where in point.image_distances.items():
            if where is not None:
                items.append(ReportItem(f"chromatic.{nm}.{plane}_image", section, f"{nm} nm: {plane} image",
                                        where.to("mm"), "past the back aperture"))
        if point.fov_scale is not None:
            items.append(ReportItem(f"chromatic.{nm}.fov_change", section, f"{nm} nm: FOV change (%)",
                                    100 * (point.fov_scale - 1)))
        if point.etl_power_change is not None:
            items.append(ReportItem(f"chromatic.{nm}.etl_power_change", section, f"{nm} nm: ETL power to refocus",
                                    point.etl_power_change.to("dpt"), f"brings the focus back to {ref:g} nm's"))
    return items


def _pulse_items(a: Analysis) -> list:
    p = a.pulses
    if p is None:
        return []
    section = f"Pulse dispersion at {p.budget.wavelength.to('nm').magnitude:g} nm"
    items = [ReportItem(f"pulses.gdd.{i + 1}", section, f"GDD: {c.name}", c.gdd.to("fs**2"), c.how)
             for i, c in enumerate(p.budget.contributions)]
    items.append(ReportItem("pulses.gdd_total", section, "GDD of the parts counted", p.budget.total.to("fs**2")))
    items.append(ReportItem("pulses.unknown", section, "not counted (glass unknown)", list(p.unknown)))
    items.append(ReportItem("pulses.prechirp", section, "pre-chirp that compensates it", p.prechirp.to("fs**2")))
    if p.broadened is not None:
        items.append(ReportItem("pulses.broadened", section,
                                f"{p.pulse_duration.to('fs').magnitude:g} fs pulse at the sample", p.broadened.to("fs"),
                                "transform-limited Gaussian, no pre-chirp"))
    return items


def _layout_items(a: Analysis) -> list:
    if not a.layout:
        return []
    section = "Mechanical layout (air gaps between vertices; planes are the mirrors and the back focal plane)"
    return [ReportItem(f"layout.{g.start}.{g.end}", section, f"{g.start} -> {g.end}", g.distance.to("mm"),
                       g.basis) for g in a.layout]


def _path_items(a: Analysis) -> list:
    items = [
        ReportItem("path.length", "Path", "length from input to objective", a.length),
        ReportItem("path.focus_distance", "Path", "input focus past the nominal focal plane",
                   a.focus_distance, "0 when every relay is 4f"),
        ReportItem("path.not_conjugate", "Path", "planes not conjugate to the back aperture",
                   [r.plane for r in a.conjugation if not r.conjugate]),
    ]
    return items


def render_report(analysis: Analysis) -> Report:
    """The report of an :class:`~optics.analysis.Analysis` (nothing is recomputed).

    Parameters
    ----------
    analysis : Analysis
    """
    if not isinstance(analysis, Analysis):
        raise OpticsTypeError(f"render_report: expected an Analysis, got {type(analysis).__name__}")
    items = (_optics_items(analysis) + _power_items(analysis) + _scanning_items(analysis)
             + _chromatic_items(analysis) + _pulse_items(analysis) + _layout_items(analysis) + _path_items(analysis))
    parts = tuple((p.role, p.name, p.summary, p.status) for p in analysis.parts)
    return Report(title=analysis.title, origin=analysis.origin, items=tuple(items), warnings=analysis.warnings,
                  parts=parts, extras={"analysis": analysis})


def path_report(path, wavelength=None, n_pixels=None, *, title="scan path") -> Report:
    """The report of a numeric :class:`~optics.microscope.path.ScanPath` (no parts, no scanning rates).

    Parameters
    ----------
    path : ScanPath
    wavelength : length, optional
        Adds the two-photon resolution.
    n_pixels : int, optional
        Adds the pixel size per scanner.
    title : str
    """
    return render_report(analyze_path(path, wavelength, n_pixels, title=title))


def design_report(design) -> Report:
    """The full report of a design: :func:`render_report` of :func:`~optics.analysis.analyze`.

    Parameters
    ----------
    design : optics.design.Design

    Returns
    -------
    Report
    """
    return render_report(analyze(design))
