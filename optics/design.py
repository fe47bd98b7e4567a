r"""Microscope designs as TOML files: load, validate, save, build.

A design names its parts by catalog name (``part = "Nikon CFI75 LWD 16X W"``)
or gives explicit values with units (``f = "50 mm"``), and may override single
values of a catalog part.  Loading never evaluates anything: values are read
as ``"<number> <unit>"`` (:func:`optics.units.parse_quantity`), and every
problem is reported as a :class:`~optics.errors.DesignFileError` naming the
file, line and key.  The keys of a part table are the part class's schema
(:func:`optics.microscope.parts.part_schema`, the one the catalog files use)
plus ``part`` (a catalog name), ``name`` and, for scanners, ``scan_angle``;
values set in the design carry the source tier ``"design"``.  Saving writes a
file that loads back to an equal :class:`Design`.

File layout (all tables optional except the ones marked required)::

    name = "My microscope"
    wavelength = "920 nm"          # for the resolution
    beam_diameter = "5 mm"         # required: collimated beam diameter ...
    beam_at = "resonant"           # ... at this plane ("laser", "etl" or a scanner)
    n_pixels = 512                 # pixels per line (pixel size, dwell times)
    n_lines = 512                  # lines per frame (frame rate)
    rep_rate = "80 MHz"            # laser repetition rate (pulses per spot)
    parts_file = "my_parts.toml"   # extra or replacing catalog parts, relative to this file

    [objective]                    # required
    part = "Nikon CFI75 LWD 16X W"
    na = 0.5                       # any value of the part's schema may be set or overridden;
                                   # values derived from it follow (back aperture 12.5 mm)

    [[scanners]]                   # required, in light order
    part = "CRS 8 kHz"
    scan_angle = "26 deg"          # optical angle used (at most the part's)

    [[relays]]                     # one between consecutive scanners
    first = { f = "50 mm" }
    second = { part = "AC254-075-B" }

    [scan_lens]                    # required
    part = "SL50-2P2"
    [tube_lens]                    # required
    f = "200 mm"

    [etl]                          # optional remote focus
    part = "EL-16-40-TC"
    [etl_relay]                    # required with [etl]
    first = { f = "100 mm" }
    second = { f = "50 mm" }

    [search]                       # optional: candidates and limits of ``optics search``
    roles = ["relay1_1", "relay1_2"]
    families = ["AC508"]           # also diameters = ["50.8 mm"], coatings = ["B"]
    min_fill = 0.9                 # fill window; also max_fill, min_fov, max_length,
    max_fill = 1.1                 # min_z_range, aperture_fill, etl_fill,
    max_field_angle = "15 deg"     # max_field_angle, min_f_number

>>> from optics.design import Design
>>> design = Design.default()
>>> design.name
'Default two-photon design'
>>> Design.from_toml(design.to_toml()) == design
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from optics.display import Table, format_value, repr_html, repr_markdown
from optics.errors import DesignFileError, OpticsError
from optics.microscope.parts import FieldSpec, ValueSource, part_kinds, part_schema
from optics.text import closest_key
from optics.units import is_quantity, parse_quantity, to_magnitude

from optics.catalog.tomlfiles import key_line, read_toml

__all__ = ["Design", "Component", "RelaySpec", "load_design", "save_design"]

# Value kinds: a unit string for quantities (the unit the file is written in),
# or one of the plain types.
_TEXT, _NUMBER, _INT = "text", "number", "int"

_TOP_KEYS = {
    "name": _TEXT,
    "wavelength": "nm",
    "beam_diameter": "mm",
    "beam_at": _TEXT,
    "n_pixels": _INT,
    "n_lines": _INT,
    "rep_rate": "MHz",
    "parts_file": _TEXT,
    "fill_limit": _NUMBER,
    "pulse_duration": "fs",
    "focal_length_tolerance": _NUMBER,
    "placement_tolerance": "mm",
    "tolerance_distribution": _TEXT,
    "objective_gdd": "fs**2",
}
# Keys of a part table in a design: "part" (a catalog name), "name", the part
# class's schema (optics.microscope.parts.part_schema: one schema for catalog
# files, design files, validation and `optics parts`) and design-only extras.
_DESIGN_EXTRAS = {"scanner": {"scan_angle": FieldSpec("scan_angle", "rad", "optical scan angle used (at most the part's)",
                                                      display="deg")}}
_NAME_SPECS = {
    "part": FieldSpec("part", "text", "catalog name of the part"),
    "name": FieldSpec("name", "text", "name of a part described in the design"),
}


def _part_keys(kind) -> dict:
    """``{key: FieldSpec}`` a design's table of part *kind* may hold."""
    return {**_NAME_SPECS, **part_schema(part_kinds()[kind]), **_DESIGN_EXTRAS.get(kind, {})}


_RELAY_KEYS = ("first", "second", "spacings")
_GAP_KEYS = ("gap", "pupil")
_TABLES = {
    "objective": "objective",
    "scan_lens": "lens",
    "tube_lens": "lens",
    "etl": "etl",
}
_ARRAYS = {"scanners": "scanner", "relays": "relay"}
_RELAY_TABLES = ("etl_relay",)
#: Keys of the ``[search]`` table (``optics search``): value kind, or ("list", kind) for a list.
_SEARCH_KEYS = {
    "roles": ("list", _TEXT),
    "families": ("list", _TEXT),
    "diameters": ("list", "mm"),
    "coatings": ("list", _TEXT),
    "min_fov": "mm",
    "min_fill": _NUMBER,
    "max_fill": _NUMBER,
    "max_length": "mm",
    "min_z_range": "um",
    "aperture_fill": _NUMBER,
    "etl_fill": _NUMBER,
    "max_field_angle": "deg",
    "min_f_number": _NUMBER,
}
_LIST_KEYS = ("spacings",)
#: Most pixels per line or lines per frame a design may ask for (figures and dwell-time tables stay small).
_MAX_PIXELS = 65_536
#: Plausible ranges of top-level quantities (exclusive low, inclusive high, unit): a typo such as
#: "1 km" for a wavelength is refused with its line instead of giving a report of nonsense.
_PLAUSIBLE = {
    "beam_diameter": (0.0, 1000.0, "mm"),
    "wavelength": (100.0, 20_000.0, "nm"),
    "rep_rate": (0.0, 1e6, "MHz"),
    "pulse_duration": (0.0, 1e6, "fs"),
}
_REQUIRED = ("beam_diameter", "objective", "scanners", "scan_lens", "tube_lens")


@dataclass(frozen=True)
class Component:
    """One part of a design: a catalog name and/or explicit values.

    Parameters
    ----------
    lines : tuple
        (key, line) pairs: where each value was written.
    kind : str
        ``"objective"``, ``"scanner"``, ``"lens"`` or ``"etl"``.
    part : str or None
        Catalog name.
    values : tuple of (str, value)
        Explicit values, overriding the catalog's.

    ``values`` is a tuple of ``(key, value)`` pairs, values being Quantities,
    numbers or text, in the order they were given.
    """

    kind: str
    part: str | None = None
    values: tuple = ()
    lines: tuple = field(default=(), compare=False, repr=False)

    def line(self, key):
        """Line of *key* in the design file (None if unknown).

        Parameters
        ----------
        key : str

        """
        for k, n in self.lines:
            if k == key:
                return n
        return None

    def get(self, key, default=None):
        """The value given for *key*, or *default*.

        Parameters
        ----------
        key : str
        default : object
            Returned when *key* was not given.

        """
        for k, v in self.values:
            if k == key:
                return v
        return default

    def explicit(self, exclude=()) -> dict:
        """Explicit values as a dict, without the keys in *exclude*.

        Parameters
        ----------
        exclude : sequence of str
            Keys to leave out.

        """
        return {k: v for k, v in self.values if k not in exclude}


@dataclass(frozen=True)
class RelaySpec:
    """A link between two scanners of a design: a relay (two lenses) or a gap (close-coupled mirrors).

    Parameters
    ----------
    first, second : Component or None
        The relay's lenses in light order (None for a gap).
    spacings : tuple of three lengths or None
        ``(d1, d2, d3)``; None for 4f.
    gap : Quantity or None
        Mirror-to-mirror distance of close-coupled scanners (no relay).
    pupil : float or None
        Where their pupil sits between the mirrors, 0 to 1 (default midway).
    """

    first: Component | None
    second: Component | None
    spacings: tuple | None = None
    gap: object = None
    pupil: float | None = None


def _component_cells(component):
    given = ", ".join(f"{k} = {format_value(v)}" for k, v in component.values)
    return (component.part or "–", given or "–")


def _relay_rows(label, relay):
    if relay.first is None:
        pupil = f", pupil at {format_value(relay.pupil)}" if relay.pupil is not None else ""
        return [(label, "–", f"gap {format_value(relay.gap)}{pupil} (close-coupled)")]
    rows = [(f"{label} first", *_component_cells(relay.first)), (f"{label} second", *_component_cells(relay.second))]
    if relay.spacings is not None:
        rows.append((f"{label} spacings", "–", format_value(relay.spacings)))
    return rows


@dataclass(frozen=True)
class Design:
    """A microscope design (frozen): parts, beam and acquisition settings.

    Parameters
    ----------
    extra_parts_files : tuple of str
        Part files added on the command line (``--parts``).
    name : str
        Design name (report title).
    beam_diameter : Quantity
        Collimated beam diameter at *beam_at*.
    objective : Component
    scanners : tuple of Component
        In light order.
    scan_lens, tube_lens : Component
    relays : tuple of RelaySpec
        One between each pair of scanners.
    etl : Component or None
        Remote tunable lens.
    etl_relay : RelaySpec or None
        Images the ETL onto the first scanner.
    beam_at : str
        ``"laser"`` (the path input), ``"etl"`` or a scanner plane.
    wavelength : Quantity or None
        Excitation wavelength.
    n_pixels, n_lines : int or None
        Pixels per line, lines per frame.
    rep_rate : Quantity or None
        Laser repetition rate.
    parts_file : str or None
        Extra catalog file, relative to the design file.
    fill_limit : float or None
        Largest footprint / clear aperture without a warning (default 0.85).
    pulse_duration : Quantity or None
        Transform-limited pulse FWHM at the laser.
    focal_length_tolerance : float or None
        Relative focal-length tolerance of the lenses for ``optics tolerance`` (default 0.01).
    placement_tolerance : Quantity or None
        Placement tolerance of every spacing (default 0.5 mm).
    tolerance_distribution : str or None
        ``"uniform"`` (default) or ``"normal"``.
    objective_gdd : Quantity or None
        The objective's group-delay dispersion (fs²), from its maker.
    spacings : tuple of three Quantities or None
        Last scanner -> scan lens, scan lens -> tube lens, tube lens -> back aperture; None for 4f.
    search : tuple of (key, value)
        The ``[search]`` table: candidates and limits of ``optics search``
        (``roles``, ``families``, ``diameters``, ``coatings``, ``min_fov``,
        ``min_fill``, ``max_fill``, ``max_length``, ``min_z_range``,
        ``aperture_fill``, ``etl_fill``, ``max_field_angle``, ``min_f_number``); see
        :attr:`search_settings`.
    origin : str
        Where the design was read from (for messages).

    Build one with :meth:`from_toml`, :func:`load_design` or
    :meth:`default`; turn it into a :class:`~optics.microscope.path.ScanPath` with
    :meth:`scan_path`.
    """

    name: str
    beam_diameter: object
    objective: Component
    scanners: tuple
    scan_lens: Component
    tube_lens: Component
    relays: tuple = ()
    etl: Component | None = None
    etl_relay: RelaySpec | None = None
    beam_at: str = "laser"
    wavelength: object = None
    n_pixels: int | None = None
    n_lines: int | None = None
    rep_rate: object = None
    parts_file: str | None = None
    spacings: tuple | None = None
    fill_limit: float | None = None
    pulse_duration: object = None
    objective_gdd: object = None
    focal_length_tolerance: float | None = None
    placement_tolerance: object = None
    tolerance_distribution: str | None = None
    search: tuple = ()
    origin: str = field(default="<design>", compare=False)
    extra_parts_files: tuple = field(default=(), compare=False)

    @property
    def search_settings(self) -> dict:
        """The ``[search]`` table as a dict (key -> number, Quantity or tuple)."""
        return dict(self.search)

    # -- reading -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, *, label: str = "<design>") -> "Design":
        """Parse and validate a design from TOML text.

        Parameters
        ----------
        text : str
            TOML text.
        label : str
            Name of the source, for error messages.

        Raises
        ------
        DesignFileError
            Naming the file (*label*), line and key of the first problem.
        """
        return _Reader(text, label).design()

    @classmethod
    def default(cls) -> "Design":
        """The embedded default design (``optics report`` with no argument)."""
        text = resources.files("optics").joinpath("designs/default.toml").read_text(encoding="utf-8")
        return cls.from_toml(text, label="<embedded default design>")

    # -- writing -------------------------------------------------------------------
    def to_toml(self) -> str:
        """TOML text that :meth:`from_toml` reads back to an equal design."""
        return _write(self)

    # -- rich display (Jupyter) ------------------------------------------------------
    def _display_tables(self):
        parts = [("objective", *_component_cells(self.objective))]
        if self.etl is not None:
            parts.append(("etl", *_component_cells(self.etl)))
        if self.etl_relay is not None:
            parts += _relay_rows("etl_relay", self.etl_relay)
        for i, scanner in enumerate(self.scanners):
            parts.append((f"scanner {i + 1}", *_component_cells(scanner)))
            if i < len(self.relays):
                parts += _relay_rows(f"relay {i + 1}", self.relays[i])
        parts += [("scan_lens", *_component_cells(self.scan_lens)), ("tube_lens", *_component_cells(self.tube_lens))]
        settings = [(k.replace("_", " "), getattr(self, k)) for k in (
            "beam_diameter", "beam_at", "wavelength", "n_pixels", "n_lines", "rep_rate", "spacings", "fill_limit",
            "pulse_duration", "objective_gdd", "focal_length_tolerance", "placement_tolerance",
            "tolerance_distribution", "parts_file") if getattr(self, k) is not None]
        return [Table(parts, header=("role", "catalog part", "values given in the design"),
                      title=f"Design: {self.name} ({self.origin})"),
                Table(settings, header=("setting", "value"))]

    _repr_html_ = repr_html
    _repr_markdown_ = repr_markdown

    # -- building ------------------------------------------------------------------
    def catalog(self):
        """The catalog the design's part names refer to.

        The packaged catalog, then the design's ``parts_file`` (relative to
        the design file), then ``extra_parts_files`` (``optics --parts``):
        each adds parts or overrides parts of the same name.
        """
        files = []
        if self.parts_file:
            base = Path(self.origin).parent if self.origin and not self.origin.startswith("<") else Path.cwd()
            files.append(base / self.parts_file)
        files += [Path(p) for p in self.extra_parts_files]
        return _catalog_with(tuple(str(p) for p in files))

    def parts(self) -> dict:
        """Resolve every component to a part object (catalog look-up plus overrides).

        Values set in the design carry the source tier ``"design"`` (file and
        line); a catalog part changed in the design re-derives every value
        that depends on the change (``na = 0.5`` changes the back aperture).
        """
        catalog = self.catalog()
        classes = part_kinds()

        def resolve(component: Component, where: str):
            values = component.explicit(exclude=("part", "scan_angle"))
            sources = {}
            for key in values:
                if key != "name":
                    line = component.line(key)
                    at = f"{self.origin}, line {line}" if line else self.origin
                    sources[key] = ValueSource("design", f"{at}: [{where}] {key}")
            try:
                if component.part:
                    part = catalog.entry(component.part, component.kind).part
                    return part.replace(**values, sources=sources) if values else part
                values.setdefault("name", where)
                return classes[component.kind](**values, sources=sources)
            except OpticsError as err:
                key = getattr(err, "key", None)
                line = component.line(key) if key else None
                line = line or component.line("part")
                at = f"{self.origin}, line {line}" if line else self.origin
                what = f", key {key!r}" if key else ""
                raise DesignFileError(f"{at}: [{where}]{what}: {err}") from err

        out = {
            "objective": resolve(self.objective, "objective"),
            "scanners": tuple(resolve(s, f"scanners #{i + 1}") for i, s in enumerate(self.scanners)),
            "scan_lens": resolve(self.scan_lens, "scan_lens"),
            "tube_lens": resolve(self.tube_lens, "tube_lens"),
            "relays": tuple(
                (resolve(r.first, f"relays #{i + 1}.first"), resolve(r.second, f"relays #{i + 1}.second"))
                if r.gap is None else None
                for i, r in enumerate(self.relays)
            ),
            "etl": resolve(self.etl, "etl") if self.etl else None,
            "etl_relay": (
                (resolve(self.etl_relay.first, "etl_relay.first"), resolve(self.etl_relay.second, "etl_relay.second"))
                if self.etl_relay
                else None
            ),
        }
        return out

    def scan_path(self, *, check: bool = True, parts=None):
        """Build the :class:`~optics.microscope.path.ScanPath` of this design.

        Scanners use their ``scan_angle`` (the optical angle actually
        scanned) when given, else the part's maximum optical angle.  The
        top-level ``spacings`` (last scanner -> scan lens, scan lens -> tube
        lens, tube lens -> back aperture) and each relay's ``spacings`` place
        the lenses; missing ones are 4f.

        Parameters
        ----------
        check : bool
            Issue conjugation and clipping warnings.
        parts : dict, optional
            The resolved parts (:meth:`parts`), when the caller has them already.
        """
        from optics.microscope.path import Gap, Relay, ScannerModel, ScanPath

        if parts is None:
            parts = self.parts()
        scanners = []
        for i, (component, part) in enumerate(zip(self.scanners, parts["scanners"])):
            angle = component.get("scan_angle")
            if angle is not None:
                line = component.line("scan_angle")
                where = (f"{self.origin}, line {line}" if line else self.origin) + \
                    f": [[scanners]] #{i + 1} ({part.name}), key 'scan_angle'"
                used = to_magnitude(angle, "rad", name=f"scanners #{i + 1} scan_angle")
                written = f"{angle.magnitude:g} {angle.units:~}"
                if not 0 < used < math.pi:
                    raise DesignFileError(f"{where}: {written} must be above 0 and below 180 deg "
                                          "(the full optical angle scanned)")
                if part.optical_angle is not None and used > part.optical_angle.magnitude * (1 + 1e-12):
                    raise DesignFileError(
                        f"{where}: {written} exceeds the scanner's maximum optical angle "
                        f"{part.optical_angle.to('deg').magnitude:.4g} deg"
                    )
                angle = used
            else:
                angle = part.optical_angle
            scanners.append(ScannerModel(part.name, angle, part.aperture, part.kind))

        def relay(pair, spacings):
            return Relay(pair[0], pair[1], spacings=spacings)

        def link(pair, spec):
            if spec.gap is not None:
                return Gap(spec.gap, 0.5 if spec.pupil is None else spec.pupil)
            return relay(pair, spec.spacings)

        relays = tuple(link(p, r) for p, r in zip(parts["relays"], self.relays))
        etl_relay = relay(parts["etl_relay"], self.etl_relay.spacings) if self.etl_relay else None
        try:
            return ScanPath(
                scanners=scanners,
                scan_lens=parts["scan_lens"],
                tube_lens=parts["tube_lens"],
                objective=parts["objective"],
                beam_diameter=self.beam_diameter,
                relays=relays,
                etl=parts["etl"],
                etl_relay=etl_relay,
                beam_at=self.beam_at,
                spacings=self.spacings,
                check=check,
                **({} if self.fill_limit is None else {"fill_limit": self.fill_limit}),
            )
        except OpticsError as err:
            raise DesignFileError(f"{self.origin}: {err}") from err


@functools.lru_cache(maxsize=16)
def _catalog_with_stamp(files, stamps):
    from optics.catalog import Catalog

    catalog = Catalog.default()
    for file in files:
        catalog = catalog.with_file(file, replace=True)
    return catalog


def _catalog_with(files):
    """The packaged catalog with *files* added (cached while the files are unchanged)."""
    stamps = []
    for file in files:
        try:
            stamps.append(Path(file).stat().st_mtime_ns)
        except OSError:
            stamps.append(None)  # the reader reports the missing file
    return _catalog_with_stamp(files, tuple(stamps))


def load_design(path) -> Design:
    """Read a design file.

    Parameters
    ----------
    path : str or path-like
        A TOML design file.

    Raises
    ------
    DesignFileError
        If the file cannot be read or is invalid (naming the key and line).
    """
    from optics.catalog.tomlfiles import read_text_file

    # strict UTF-8 and bounded: a UTF-16 or binary file is one clear error naming the file
    return Design.from_toml(read_text_file(path, "design file"), label=str(Path(path)))


def save_design(design: Design, path) -> None:
    """Write *design* to *path* as TOML (overwrites).

    Parameters
    ----------
    design : Design
    path : str or path-like
        Where to write.

    """
    Path(path).write_text(design.to_toml(), encoding="utf-8")


# ------------------------------------------------------------------------------- reading
class _Reader:
    def __init__(self, text, label):
        self.text = text
        self.label = label
        self.lines = text.splitlines() if isinstance(text, str) else []

    def fail(self, table, key, message, index=0):
        line = key_line(self.lines, table, key, index)
        where = f"{self.label}, line {line}" if line else self.label
        place = f"[{table}]" + (f" #{index + 1}" if table in _ARRAYS else "") if table else "top level"
        what = f", key {key!r}" if key else ""
        return DesignFileError(f"{where}: {place}{what}: {message}")

    def design(self) -> Design:
        if not isinstance(self.text, str):
            raise DesignFileError(f"{self.label}: a design is TOML text, got {type(self.text).__name__}")
        data = read_toml(self.text, self.label)
        known = set(_TOP_KEYS) | set(_LIST_KEYS) | set(_TABLES) | set(_ARRAYS) | set(_RELAY_TABLES) | {"search"}
        for key in data:
            if key not in known:
                raise self.fail(None, key, "unknown key" + _hint(key, known))
        for key in _REQUIRED:
            if key not in data:
                raise DesignFileError(f"{self.label}: missing required key or table {key!r}")
        top = {key: self.value(None, key, data[key], _TOP_KEYS[key]) for key in _TOP_KEYS if key in data}
        beam_at = top.get("beam_at", "laser")
        tables = {}
        for key, kind in _TABLES.items():
            if key in data:
                tables[key] = self.component(key, kind, data[key])
        scanners = self.array(data, "scanners", lambda item, i: self.component("scanners", "scanner", item, i))
        relays = self.array(data, "relays", lambda item, i: self.relay("relays", item, i)) if "relays" in data else ()
        etl_relay = self.relay("etl_relay", data["etl_relay"]) if "etl_relay" in data else None
        if not scanners:
            raise self.fail("scanners", None, "at least one scanner is required")
        spacings = None
        if "spacings" in data:
            spacings = self.spacings(None, data["spacings"])
        if "focal_length_tolerance" in top and not 0 <= top["focal_length_tolerance"] < 1:
            raise self.fail(None, "focal_length_tolerance",
                            f"must be a fraction in [0, 1) (0.01 for ±1 %), got {top['focal_length_tolerance']!r}")
        if "placement_tolerance" in top and top["placement_tolerance"].magnitude < 0:
            raise self.fail(None, "placement_tolerance", f"must be >= 0, got {top['placement_tolerance']}")
        if top.get("tolerance_distribution", "uniform") not in ("uniform", "normal"):
            raise self.fail(None, "tolerance_distribution",
                            f"must be \"uniform\" or \"normal\", got {top['tolerance_distribution']!r}")
        if "fill_limit" in top and not 0 < top["fill_limit"] <= 1:
            raise self.fail(None, "fill_limit", f"must be a fraction in (0, 1], got {top['fill_limit']!r}")
        for key in ("n_pixels", "n_lines"):
            if key in top and not 1 <= top[key] <= _MAX_PIXELS:
                raise self.fail(None, key, f"must be a whole number from 1 to {_MAX_PIXELS}, got {top[key]}")
        for key, (low, high, unit) in _PLAUSIBLE.items():
            if key in top:
                value = top[key].to(unit).magnitude
                if not low < value <= high:
                    raise self.fail(None, key, f"must lie above {low:g} and at most {high:g} {unit}, got {data[key]!r}")
        if beam_at not in ("laser", "input", "etl") and not any(beam_at.startswith(k) for k in ("resonant", "galvo", "polygon", "scanner")):
            raise self.fail(None, "beam_at", f"must be 'laser', 'etl' or a scanner plane such as 'resonant' or "
                                             f"'galvo', got {beam_at!r}")
        return Design(
            name=top.get("name", "unnamed design"),
            beam_diameter=top["beam_diameter"],
            objective=tables["objective"],
            scanners=scanners,
            scan_lens=tables["scan_lens"],
            tube_lens=tables["tube_lens"],
            relays=relays,
            etl=tables.get("etl"),
            etl_relay=etl_relay,
            beam_at=beam_at,
            wavelength=top.get("wavelength"),
            n_pixels=top.get("n_pixels"),
            n_lines=top.get("n_lines"),
            rep_rate=top.get("rep_rate"),
            parts_file=top.get("parts_file"),
            spacings=spacings,
            fill_limit=top.get("fill_limit"),
            pulse_duration=top.get("pulse_duration"),
            focal_length_tolerance=top.get("focal_length_tolerance"),
            placement_tolerance=top.get("placement_tolerance"),
            tolerance_distribution=top.get("tolerance_distribution"),
            objective_gdd=top.get("objective_gdd"),
            search=self.search(data["search"]) if "search" in data else (),
            origin=self.label,
        )

    def search(self, raw):
        """The ``[search]`` table: known keys only, each value of its kind, limits in range."""
        if not isinstance(raw, dict):
            raise self.fail(None, "search", "must be a table, written [search]")
        out = []
        for key, value in raw.items():
            if key not in _SEARCH_KEYS:
                raise self.fail("search", key, "unknown key" + _hint(key, _SEARCH_KEYS))
            kind = _SEARCH_KEYS[key]
            if isinstance(kind, tuple):
                if not isinstance(value, list) or not value:
                    raise self.fail("search", key, f"must be a non-empty list, got {value!r}")
                parsed = tuple(self.value("search", key, v, kind[1]) for v in value)
                if kind[1] != _TEXT:  # one unit per key: a design written back reads back equal
                    parsed = tuple(v.to(kind[1]) for v in parsed)
                if kind[1] == _TEXT and any(not v.strip() for v in parsed):
                    raise self.fail("search", key, f"must not hold empty text, got {value!r}")
            else:
                parsed = self.value("search", key, value, kind)
                if is_quantity(parsed):
                    parsed = parsed.to(kind)
            number = parsed.magnitude if is_quantity(parsed) else parsed
            if not isinstance(parsed, tuple) and not number > 0:
                raise self.fail("search", key, f"must be positive, got {value!r}")
            if isinstance(parsed, tuple) and kind[1] == "mm" and not all(v.magnitude > 0 for v in parsed):
                raise self.fail("search", key, f"must be positive lengths, got {value!r}")
            if key in ("aperture_fill", "etl_fill") and not number <= 1:
                raise self.fail("search", key, f"must be a fraction of the clear aperture in (0, 1], got {value!r}")
            if key == "max_field_angle" and not parsed.to("deg").magnitude < 90:
                raise self.fail("search", key, f"must be below 90 deg, got {value!r}")
            out.append((key, parsed))
        settings = dict(out)
        if "min_fill" in settings and "max_fill" in settings and settings["min_fill"] > settings["max_fill"]:
            raise self.fail("search", "max_fill", f"must be at least min_fill ({settings['min_fill']:g}), "
                                                  f"got {settings['max_fill']:g}")
        return tuple(out)

    def array(self, data, key, make):
        items = data[key]
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise self.fail(None, key, f"must be an array of tables, written [[{key}]]")
        return tuple(make(item, i) for i, item in enumerate(items))

    def value(self, table, key, raw, kind, index=0):
        if kind == _TEXT:
            if not isinstance(raw, str):
                raise self.fail(table, key, f"must be text, got {raw!r}", index)
            return raw
        if kind == _INT:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise self.fail(table, key, f"must be a whole number, got {raw!r}", index)
            return raw
        if kind == _NUMBER:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                raise self.fail(table, key, f"must be a finite number, got {raw!r}", index)
            return float(raw)
        # a quantity written "<number> <unit>"
        if not isinstance(raw, str):
            raise self.fail(table, key, f"must be a quantity written as text with a unit, e.g. \"1 {kind}\"; got {raw!r}", index)
        try:
            q = parse_quantity(raw, name=key)
            if not is_quantity(q):
                raise DesignFileError(f"{raw!r} has no unit (for example \"{raw} {kind}\")")
            to_magnitude(q, kind, name=key)  # checks the dimension
        except OpticsError as err:
            raise self.fail(table, key, str(err).replace(f"{key}: ", ""), index) from None
        if not math.isfinite(q.magnitude):
            raise self.fail(table, key, f"must be finite, got {raw!r}", index)
        return q

    def component(self, table, kind, item, index=0, at_key=None):
        """A :class:`Component` from a table; *at_key*: the key whose line all values share (inline tables)."""
        if isinstance(item, str):  # a bare part name
            line = key_line(self.lines, table, at_key, index) if at_key else None
            return Component(kind, item, (), (("part", line),) if line else ())
        if not isinstance(item, dict):
            raise self.fail(table, at_key, f"must be a table, got {item!r}", index)
        keys = _part_keys(kind)
        values, lines = [], []
        for key, raw in item.items():
            where = at_key or key
            if key not in keys:
                raise self.fail(table, where, ("unknown key" if where == key else f"unknown key {key!r}")
                                + _hint(key, keys), index)
            try:
                value = keys[key].parse(raw)
            except OpticsError as err:
                message = str(err).replace(f"{key}: ", "")
                raise self.fail(table, where, message if where == key else f"{key}: {message}", index) from None
            values.append((key, value))
            lines.append((key, key_line(self.lines, table, where, index)))
        part = dict(values).get("part")
        values = tuple((k, v) for k, v in values if k != "part")
        if part is None and kind in ("lens",) and not any(k == "f" for k, _ in values):
            raise self.fail(table, at_key, "give a catalog 'part' or a focal length 'f'", index)
        return Component(kind, part, values, tuple(lines))

    def spacings(self, table, raw, index=0):
        if not isinstance(raw, list) or len(raw) != 3:
            raise self.fail(table, "spacings", "must be a list of three lengths [d1, d2, d3]", index)
        values = tuple(self.value(table, "spacings", s, "mm", index) for s in raw)
        for i, v in enumerate(values):
            if v.to("mm").magnitude < 0:
                raise self.fail(table, "spacings", f"d{i + 1} = {raw[i]!r} is negative: spacings are distances "
                                "between elements in light order (the elements would be out of order)", index)
        return values

    def lens(self, table, key, raw, index):
        if isinstance(raw, str):
            try:
                q = parse_quantity(raw, name=key)
            except OpticsError:
                return self.component(table, "lens", raw, index, at_key=key)  # a catalog name
            if is_quantity(q):
                line = key_line(self.lines, table, key, index)
                return Component("lens", None, (("f", self.value(table, key, raw, "mm", index)),), (("f", line),))
            raise self.fail(table, key, f"{raw!r} has no unit (write \"{raw} mm\")", index)
        if not isinstance(raw, dict):
            raise self.fail(table, key, f"must be a part name, a focal length or a table, got {raw!r}", index)
        return self.component(table, "lens", raw, index, at_key=key)

    def relay(self, table, item, index=0):
        if not isinstance(item, dict):
            raise self.fail(table, None, f"must be a table, got {item!r}", index)
        if "gap" in item and table == "relays":
            for key in item:
                if key not in _GAP_KEYS:
                    raise self.fail(table, key, "a gap (close-coupled scanners) takes only 'gap' and 'pupil'", index)
            gap = self.value(table, "gap", item["gap"], "mm", index)
            if gap.magnitude <= 0:
                raise self.fail(table, "gap", f"must be a positive distance, got {item['gap']!r}", index)
            pupil = self.value(table, "pupil", item["pupil"], _NUMBER, index) if "pupil" in item else None
            if pupil is not None and not 0 <= pupil <= 1:
                raise self.fail(table, "pupil", f"must lie between the mirrors, 0 to 1, got {pupil!r}", index)
            return RelaySpec(None, None, None, gap, pupil)
        for key in item:
            if key not in _RELAY_KEYS:
                raise self.fail(table, key, "unknown key" + _hint(key, _RELAY_KEYS + _GAP_KEYS), index)
        for key in ("first", "second"):
            if key not in item:
                raise self.fail(table, key, "missing (the relay's lenses are 'first' and 'second')", index)
        spacings = item.get("spacings")
        if spacings is not None:
            spacings = self.spacings(table, spacings, index)
        return RelaySpec(
            self.lens(table, "first", item["first"], index),
            self.lens(table, "second", item["second"], index),
            spacings,
        )


def _hint(key, known) -> str:
    close = closest_key(key, known)
    return f" (did you mean {close!r}?)" if close else f"; known keys: {', '.join(sorted(known))}"


# ------------------------------------------------------------------------------- writing
def _format(value, kind) -> str:
    if kind in (_TEXT,):
        return _string(value)
    if kind == _INT:
        return str(int(value))
    if kind == _NUMBER:
        return repr(float(value))
    magnitude = value.to(kind).magnitude if is_quantity(value) else float(value)
    return _string(f"{float(magnitude)!r} {kind}")


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _component_lines(component: Component) -> list:
    keys = _part_keys(component.kind)
    lines = []
    if component.part:
        lines.append(f"part = {_string(component.part)}")
    lines += [f"{k} = {keys[k].format(v)}" for k, v in component.values]
    return lines


def _inline(component: Component) -> str:
    return "{ " + ", ".join(_component_lines(component)) + " }"


def _relay_lines(relay: RelaySpec) -> list:
    if relay.gap is not None:
        return [f"gap = {_format(relay.gap, 'mm')}"] + ([] if relay.pupil is None else [f"pupil = {relay.pupil!r}"])
    lines = [f"first = {_inline(relay.first)}", f"second = {_inline(relay.second)}"]
    if relay.spacings:
        lines.append("spacings = [" + ", ".join(_format(s, "mm") for s in relay.spacings) + "]")
    return lines


def _write(design: Design) -> str:
    out = ["# optics design file (written by optics); load with optics.design.load_design", ""]
    for key, kind in _TOP_KEYS.items():
        value = design.name if key == "name" else getattr(design, key)
        if value is None or (key == "beam_at" and value == "laser"):
            continue
        out.append(f"{key} = {_format(value, kind)}")
    if design.spacings is not None:
        out.append("spacings = [" + ", ".join(_format(v, "mm") for v in design.spacings) + "]")
    out += ["", "[objective]", *_component_lines(design.objective)]
    for scanner in design.scanners:
        out += ["", "[[scanners]]", *_component_lines(scanner)]
    for relay in design.relays:
        out += ["", "[[relays]]", *_relay_lines(relay)]
    for key in ("scan_lens", "tube_lens", "etl"):
        component = getattr(design, key)
        if component is not None:
            out += ["", f"[{key}]", *_component_lines(component)]
    if design.etl_relay is not None:
        out += ["", "[etl_relay]", *_relay_lines(design.etl_relay)]
    if design.search:
        out += ["", "[search]"]
        for key, value in design.search:
            kind = _SEARCH_KEYS[key]
            if isinstance(kind, tuple):
                out.append(f"{key} = [" + ", ".join(_format(v, kind[1]) for v in value) + "]")
            else:
                out.append(f"{key} = {_format(value, kind)}")
    return "\n".join(out) + "\n"
