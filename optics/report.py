"""The design report: every number ``optics report`` prints, computed from a design.

:func:`design_report` turns a :class:`~optics.design.Design` into a
:class:`Report`: sections of labelled values (Quantities, numbers or text),
the warnings the path raised (clipping, conjugation), and the parts with
their provenance.  The command line prints :meth:`Report.to_text` or
:meth:`Report.to_json`; nothing in a report is typed in — every value is
computed by the library from the design.

>>> from optics.design import Design
>>> report = design_report(Design.default())
>>> report.value("Beam", "beam diameter at back aperture")
<Quantity(20.0, 'millimeter')>
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

from optics.errors import OpticsValueError, OpticsWarning
from optics.units import is_quantity, quantity

__all__ = ["Report", "ReportItem", "design_report", "path_report", "remote_focus_of"]


@dataclass(frozen=True)
class ReportItem:
    """One reported value: section, label, value and an optional note."""

    section: str
    label: str
    value: object
    note: str = ""


@dataclass(frozen=True)
class Report:
    """The numbers of a design, grouped in sections, with warnings and parts."""

    title: str
    origin: str
    items: tuple
    warnings: tuple = ()
    parts: tuple = ()
    extras: dict = field(default_factory=dict, compare=False)

    def value(self, section: str, label: str):
        """The value reported under *section* / *label*."""
        for item in self.items:
            if item.section == section and item.label == label:
                return item.value
        raise KeyError(f"no report item {section!r} / {label!r}")

    def sections(self) -> list:
        """Section names in report order."""
        out = []
        for item in self.items:
            if item.section not in out:
                out.append(item.section)
        return out

    def to_text(self) -> str:
        """The report as aligned, readable text."""
        width = max(len(item.label) for item in self.items) if self.items else 10
        lines = [f"optics report: {self.title}", f"design: {self.origin}", ""]
        lines.append("Parts (light order)")
        for role, name, summary, status in self.parts:
            flag = _FLAGS[status]
            lines.append(f"  {role:<17} {name}: {summary}{flag}")
        for section in self.sections():
            lines += ["", section]
            for item in self.items:
                if item.section != section:
                    continue
                note = f"  ({item.note})" if item.note else ""
                lines.append(f"  {item.label:<{width}}  {_text(item.value)}{note}")
        lines += ["", "Warnings"]
        lines += [f"  - {w}" for w in self.warnings] or ["  none"]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """Plain data: values as ``{"value": number, "unit": str}`` (JSON-ready)."""
        sections: dict = {}
        for item in self.items:
            entry = _json_value(item.value)
            if item.note:
                entry["note"] = item.note
            sections.setdefault(item.section, {})[item.label] = entry
        return {
            "title": self.title,
            "design": self.origin,
            "parts": [
                {"role": role, "name": name, "summary": summary, "source": status,
                 "verified": status == "verified"}
                for role, name, summary, status in self.parts
            ],
            "sections": sections,
            "warnings": list(self.warnings),
        }

    def to_json(self) -> str:
        """:meth:`as_dict` as JSON text."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


def _text(value) -> str:
    if is_quantity(value):
        magnitude = value.magnitude
        return f"{magnitude:.4g} {value.units:~P}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def _json_value(value) -> dict:
    if is_quantity(value):
        return {"value": float(value.magnitude), "unit": f"{value.units:~}"}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return {"value": value}
    if isinstance(value, (int, float)):
        return {"value": float(value) if isinstance(value, float) else value}
    if isinstance(value, (list, tuple)):
        return {"value": list(value)}
    return {"value": str(value)}


def remote_focus_of(path):
    """The :class:`~optics.microscope.remote_focus.RemoteFocus` of a numeric scan path with an ETL.

    The ETL relay comes first, then the relays between scanners, then scan
    and tube lens and the objective (with its immersion index), as in the
    reference post's train.  RemoteFocus models 4f-spaced relays, so a path
    with other spacings is refused rather than silently approximated (its
    focus shift is still :meth:`ScanPath.focus_shift`).

    Raises
    ------
    OpticsValueError
        If the path has no ETL or a relay or the scan/tube lens spacing is not 4f.
    """
    from optics.microscope.remote_focus import RemoteFocus

    if path.etl is None:
        raise OpticsValueError("remote_focus_of: the path has no ETL")
    relays = [path.etl_relay, *path.relays]
    for relay in relays:
        f1, f2 = relay.first.f, relay.second.f
        if tuple(relay.spacings) != (f1, f1 + f2, f2):
            raise OpticsValueError(
                f"remote_focus_of: relay {f1} mm / {f2} mm has spacings {tuple(map(str, relay.spacings))} mm, "
                "not 4f; use ScanPath.focus_shift for this path"
            )
    fs, ft = path.scan_lens.f, path.tube_lens.f
    if tuple(path.spacings) != (fs, fs + ft, ft):
        raise OpticsValueError("remote_focus_of: scan and tube lens are not 4f-spaced; use ScanPath.focus_shift")
    return RemoteFocus(
        path.objective.f, ft, fs, [(r.first.f, r.second.f) for r in relays], etl=path.etl, n=path.objective.n
    )


def _transfer_curve(path, points=201):
    """ETL powers and focus shifts (um) over the ETL's range, from the path's closed form."""
    import numpy as np
    import sympy

    from optics.core.compile import compile_expr

    power = sympy.Symbol("P", real=True)
    z_mm = compile_expr(path.focus_shift(power), [power])
    off = path.etl.offset_power.magnitude
    powers = np.linspace(path.etl.power_min.magnitude, path.etl.power_max.magnitude, points)
    return powers, 1000 * z_mm(powers + off)


def _status(component, part) -> str:
    """Where a part's values come from: the catalog (verified or not) or the design file."""
    if component.part is None:
        return "design"
    overrides = [k for k, _ in component.values if k != "scan_angle"]
    if overrides:
        return "overridden"
    return "verified" if part.verified else "unverified"


def _part_rows(design, parts) -> tuple:
    def q(x, unit="mm", digits=4):
        return f"{x.to(unit).magnitude:.{digits}g} {unit}"

    def lens_rows(prefix, components, lenses):
        return [(f"{prefix}{which}", lens.name, f"f {q(lens.f)}", _status(c, lens))
                for which, c, lens in zip(("first", "second"), components, lenses)]

    rows = []
    o = parts["objective"]
    rows.append(("objective", o.name, f"{o.magnification:g}x, NA {o.na:g}, n {o.immersion_index:g}, "
                 f"EFL {q(o.efl)}, back aperture {q(o.back_aperture)}", _status(design.objective, o)))
    if parts["etl"] is not None:
        e = parts["etl"]
        rows.append(("etl", e.name, f"aperture {q(e.aperture)}, {e.power_min.magnitude:g} to "
                     f"{e.power_max.magnitude:g} dpt", _status(design.etl, e)))
        relay = design.etl_relay
        rows += lens_rows("etl relay ", (relay.first, relay.second), parts["etl_relay"])
    for i, (c, s) in enumerate(zip(design.scanners, parts["scanners"])):
        freq = f", {s.frequency.to('kHz').magnitude:g} kHz" if s.frequency is not None else ""
        rows.append((s.kind, s.name, f"aperture {q(s.aperture)}, max optical angle "
                     f"{s.optical_angle.to('deg').magnitude:.4g} deg{freq}", _status(c, s)))
        if i < len(parts["relays"]):
            relay = design.relays[i]
            rows += lens_rows(f"relay {i + 1} ", (relay.first, relay.second), parts["relays"][i])
    for role in ("scan_lens", "tube_lens"):
        lens = parts[role]
        rows.append((role.replace("_", " "), lens.name, f"f {q(lens.f)}", _status(getattr(design, role), lens)))
    return tuple(rows)


_FLAGS = {
    "verified": "",
    "unverified": "  [unverified part data]",
    "design": "  [values from the design file]",
    "overridden": "  [catalog part, values changed in the design file]",
}


def _optics_items(path, wavelength, n_pixels) -> list:
    """Beam, resolution, field of view and remote-focus items of a numeric path."""
    items = []

    def add(section, label, value, note=""):
        items.append(ReportItem(section, label, value, note))

    beam = "Beam"
    add(beam, "beam diameter set at", f"{path.beam_at}: {quantity(float(path.beam_diameter), 'mm'):~P}")
    add(beam, "beam diameter at back aperture", path.back_aperture_beam.to("mm"))
    add(beam, "objective back-aperture diameter", path.back_aperture.to("mm"), "2 NA f_o")
    add(beam, "fill ratio", float(path.fill_ratio), "beam / back aperture")
    add(beam, "effective excitation NA", float(path.effective_na))
    if wavelength is not None:
        res = path.resolution(wavelength)
        section = f"Two-photon resolution at {wavelength.to('nm').magnitude:g} nm"
        add(section, "lateral FWHM", res["lateral_fwhm"].to("um"), "Zipfel et al. 2003")
        add(section, "axial FWHM", res["axial_fwhm"].to("um"), "Zipfel et al. 2003")

    fov = "Field of view"
    for plane in path.scanner_planes:
        add(fov, f"{plane}: exact paraxial", path.fov(plane, "exact").to("um"), "2 tan(alpha/2) |B|")
        add(fov, f"{plane}: small-angle form", path.fov(plane, "small_angle").to("um"),
            "tan(alpha) f_o f_s/f_t, reference post")
        if n_pixels:
            add(fov, f"{plane}: pixel size ({n_pixels} px)", path.pixel_size(n_pixels, plane).to("um"))

    if path.etl is not None:
        from optics.microscope.remote_focus import linearity

        z = path.z_range()
        powers, z_um = _transfer_curve(path)
        lin = linearity(powers, z_um)
        section = "Remote focus (ETL)"
        off = path.etl.offset_power.magnitude
        add(section, "ETL power range", f"{path.etl.power_min.magnitude:g} to {path.etl.power_max.magnitude:g} dpt"
            + (f" (offset {off:g} dpt)" if off else ""))
        add(section, "focus shift at minimum power", z["z_min_power"].to("um"), "in the sample, + deeper")
        add(section, "focus shift at maximum power", z["z_max_power"].to("um"))
        add(section, "z range", z["span"].to("um"))
        add(section, "transfer-curve slope (linear fit)", lin.slope)
        # Round-off of an exactly linear curve (ETL conjugate to the back focal
        # plane) is reported as the zero it is: below 1e-9 of the range.
        exact = lin.max_deviation.to("um").magnitude <= 1e-9 * z["span"].to("um").magnitude
        add(section, "linearity: max deviation from line", quantity(0.0, "um") if exact else lin.max_deviation.to("um"),
            "exactly linear: ETL conjugate to the back focal plane" if exact else "")
        add(section, "linearity: deviation in % of range", 0.0 if exact else float(lin.percent))
    return items


def _path_items(path) -> list:
    return [
        ReportItem("Path", "length from input to objective", path.length.to("mm")),
        ReportItem("Path", "planes not conjugate to the back aperture",
                   [r["plane"] for r in path.conjugation() if not r["conjugate"]]),
    ]


def _scanning_items(path, scanners, wavelength, n_pixels, n_lines, rep_rate) -> list:
    """Resonant-scanner kinematics of the first resonant scanner with a frequency."""
    from optics.acquisition import scanning

    resonant = [(plane, s) for plane, s in zip(path.scanner_planes, scanners)
                if s.kind == "resonant" and s.frequency is not None]
    if not resonant:
        return []
    plane, s = resonant[0]
    section = f"Scanning ({s.name})"
    width = path.fov(plane, "exact")
    items = [ReportItem(section, "line rate (bidirectional)", scanning.resonant_line_rate(s.frequency).to("kHz"))]
    if n_lines:
        items.append(ReportItem(section, f"frame rate ({n_lines} lines)",
                                scanning.resonant_frame_rate(s.frequency, n_lines).to("Hz")))
    items.append(ReportItem(section, "scan speed at line centre", scanning.resonant_peak_speed(width, s.frequency),
                            "FOV taken as the full sweep"))
    if n_pixels:
        dwell = scanning.resonant_pixel_dwell_times(n_pixels, s.frequency)
        items.append(ReportItem(section, f"pixel dwell at line centre ({n_pixels} px)", dwell.min().to("ns"),
                                "pixels across the full sweep"))
    if wavelength is not None and rep_rate is not None:
        spot = path.resolution(wavelength)["lateral_fwhm"]
        items.append(ReportItem(section, "laser repetition rate", rep_rate.to("MHz")))
        items.append(ReportItem(section, "pulses per lateral FWHM at line centre",
                                float(scanning.resonant_cpc(spot, width, s.frequency, rep_rate))))
    return items


def _warnings(path) -> tuple:
    """Conjugation and clipping warnings of a path, as messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OpticsWarning)
        path.check_conjugation()
        path.check_clipping()
    return tuple(str(w.message) for w in caught if issubclass(w.category, OpticsWarning))


def path_report(path, wavelength=None, n_pixels=None, *, title="scan path") -> Report:
    """The report of a numeric :class:`~optics.microscope.path.ScanPath` (no parts, no scanning rates).

    Parameters
    ----------
    path : ScanPath
    wavelength : length, optional
        Adds the two-photon resolution.
    n_pixels : int, optional
        Adds the pixel size per scanner.
    """
    from optics.errors import OpticsTypeError
    from optics.units import to_magnitude

    if path.is_symbolic:
        raise OpticsTypeError("path_report needs a numeric path; use the ScanPath properties for closed forms")
    if wavelength is not None and not is_quantity(wavelength):
        wavelength = quantity(to_magnitude(wavelength, "mm", name="path_report: wavelength"), "mm")
    items = _optics_items(path, wavelength, n_pixels) + _path_items(path)
    return Report(title=title, origin="ScanPath", items=tuple(items), warnings=_warnings(path),
                  extras={"path": path})


def design_report(design) -> Report:
    """Compute the full report of a design.

    The path's report (:func:`path_report`) plus the parts with the origin of
    their values and the resonant scanner's kinematics.

    Parameters
    ----------
    design : optics.design.Design

    Returns
    -------
    Report
    """
    path = design.scan_path(check=False)
    parts = design.parts()
    items = (
        _optics_items(path, design.wavelength, design.n_pixels)
        + _scanning_items(path, parts["scanners"], design.wavelength, design.n_pixels, design.n_lines,
                          design.rep_rate)
        + _path_items(path)
    )
    return Report(
        title=design.name,
        origin=design.origin,
        items=tuple(items),
        warnings=_warnings(path),
        parts=_part_rows(design, parts),
        extras={"path": path},
    )
