r"""The part catalog: objectives, lenses, scan mirrors and tunable lenses.

Parts live in data files (TOML), not in code.  The packaged files in
``optics/catalog/data`` hold objectives, scan and tube lenses, stock achromats,
resonant scanners, galvanometers and electrically tunable lenses; users add
their own parts from files in the same format (see ``docs/catalog.md``).

Every value keeps its provenance: the part's ``source`` (maker datasheet or
catalog page), a ``verified`` flag, per-value ``sources`` where a value comes
from elsewhere or is derived, and the keys still ``unverified``.  Derived
objective values follow

.. math:: f_o = f_\mathrm{TL} / M, \qquad D_\mathrm{BA} = 2\,\mathrm{NA}\, f_o

Name look-up ignores case and whitespace; an unknown name raises
:class:`~optics.errors.PartNotFoundError` listing close matches.

>>> from optics.catalog import Catalog, get_part
>>> obj = get_part("nikon cfi75 lwd 16x w")
>>> obj.efl, obj.back_aperture
(<Quantity(12.5, 'millimeter')>, <Quantity(20.0, 'millimeter')>)
>>> Catalog.default().provenance("N16XLWD-PF")["back_aperture"]["source"]
'derived: 2 * na * efl'
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from optics.errors import DesignFileError, OpticsError, PartNotFoundError
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart, tube_lens_standard
from optics.units import parse_quantity, to_magnitude

from optics.catalog.tomlfiles import key_line, read_toml

__all__ = ["KINDS", "Catalog", "CatalogEntry", "get_part"]

#: Part kinds: the table name used in data files and the part class it makes.
KINDS = MappingProxyType(
    {"objective": Objective, "lens": Lens, "scanner": Scanner, "etl": TunableLensPart}
)

_PLURAL = {"objective": "objectives", "lens": "lenses", "scanner": "scanners", "etl": "etls"}

# Value keys of each kind: key -> unit ("" for a plain number, None for text).
_VALUE_KEYS = {
    "objective": {
        "magnification": "",
        "na": "",
        "immersion_index": "",
        "maker": None,
        "tube_lens_f": "mm",
        "efl": "mm",
        "back_aperture": "mm",
        "working_distance": "mm",
        "field_number": "mm",
    },
    "lens": {"f": "mm", "aperture": "mm", "kind": None},
    "scanner": {
        "aperture": "mm",
        "optical_angle": "rad",
        "mechanical_angle": "rad",
        "frequency": "Hz",
        "kind": None,
    },
    "etl": {"aperture": "mm", "power_min": "dpt", "power_max": "dpt", "offset_power": "dpt"},
}
_REQUIRED = {
    "objective": ("magnification", "na"),
    "lens": ("f",),
    "scanner": ("aperture",),
    "etl": ("aperture", "power_min", "power_max"),
}
# Keys that may be zero or negative (everything else with a unit must be > 0).
_SIGNED = {"power_min", "power_max", "offset_power"}
_META_KEYS = ("name", "aliases", "source", "verified", "sources", "unverified", "notes")
_LENS_KINDS = ("scan", "tube", "achromat", "lens")
_UNIT_EXAMPLE = {"mm": "50 mm", "rad": "26 deg", "Hz": "8 kHz", "dpt": "-10 dpt"}


def _key(name: str) -> str:
    """Look-up key of a part name: case and whitespace do not matter."""
    return "".join(str(name).split()).casefold()


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog part with its provenance.

    Attributes
    ----------
    part : Objective, Lens, Scanner or TunableLensPart
        The validated part (values as Quantities in canonical units).
    kind : str
        ``"objective"``, ``"lens"``, ``"scanner"`` or ``"etl"``.
    aliases : tuple of str
        Other names the part is found under.
    file : str
        The data file it was read from.
    line : int or None
        Line of its ``name`` in that file.
    source : str
        Where its values come from.
    verified : bool
        True if the values were checked against *source* (see *provenance*).
    provenance : mapping
        ``value key -> {"value", "source", "verified"}`` for every given or
        derived value.
    notes : str
    """

    part: object
    kind: str
    aliases: tuple
    file: str
    line: object
    source: str
    verified: bool
    provenance: object
    notes: str = ""

    @property
    def name(self) -> str:
        """Canonical name of the part."""
        return self.part.name


# --------------------------------------------------------------------------- file reading


class _FileReader:
    """Turns one TOML text into catalog entries, with errors naming file, part, key and line."""

    def __init__(self, text: str, label: str):
        self.text = text
        self.label = label
        self.lines = text.splitlines()

    # -- line numbers ----------------------------------------------------------
    def _key_line(self, kind, index, key):
        """1-based line of *key* inside the *index*-th ``[[kind]]`` table (or its header)."""
        return key_line(self.lines, kind, key, index)

    def _where(self, line):
        return f"{self.label}, line {line}" if line else self.label

    def error(self, kind, index, name, key, message):
        line = self._key_line(kind, index, key) if key else self._key_line(kind, index, "name")
        what = f"{kind} {name!r}" if name else f"{kind} #{index + 1}"
        key_text = f", key {key!r}" if key else ""
        return DesignFileError(f"{self._where(line)}: {what}{key_text}: {message}")

    # -- parsing ---------------------------------------------------------------
    def entries(self):
        data = read_toml(self.text, self.label)
        out = []
        for table, items in data.items():
            if table not in KINDS:
                close = difflib.get_close_matches(table, list(KINDS), n=1)
                hint = f" (did you mean [[{close[0]}]]?)" if close else ""
                raise DesignFileError(
                    f"{self.label}: unknown table {table!r}{hint}; part tables are "
                    + ", ".join(f"[[{k}]]" for k in KINDS)
                )
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise DesignFileError(
                    f"{self.label}: {table!r} must be an array of tables, written [[{table}]]"
                )
            for index, item in enumerate(items):
                out.append(self._entry(table, index, item))
        return out

    def _entry(self, kind, index, item):
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.error(kind, index, None, "name", "needs a non-empty string 'name'")
        name = " ".join(name.split())
        allowed = set(_META_KEYS) | set(_VALUE_KEYS[kind])

        def fail(key, message):
            return self.error(kind, index, name, key, message)

        for key in item:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise fail(key, f"unknown key{hint}; allowed keys: {', '.join(sorted(allowed))}")
        for key in _REQUIRED[kind]:
            if key not in item:
                raise fail(key, "missing (required)")

        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise fail("source", "needs a non-empty string: where the values come from")
        verified = item.get("verified", False)
        if not isinstance(verified, bool):
            raise fail("verified", f"must be true or false, got {verified!r}")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise fail("aliases", "must be a list of non-empty strings")
        notes = item.get("notes", "")
        if not isinstance(notes, str):
            raise fail("notes", "must be a string")
        value_keys = set(_VALUE_KEYS[kind])
        sources = item.get("sources", {})
        if not isinstance(sources, dict):
            raise fail("sources", "must be a table such as { na = \"maker page\" }")
        for key, text in sources.items():
            if key not in value_keys | _DERIVED.get(kind, set()):
                raise fail("sources", f"names unknown value key {key!r}")
            if not isinstance(text, str) or not text.strip():
                raise fail("sources", f"source of {key!r} must be a non-empty string")
        unverified = item.get("unverified", [])
        if not isinstance(unverified, list) or not all(isinstance(k, str) for k in unverified):
            raise fail("unverified", "must be a list of value keys")
        for key in unverified:
            if key not in value_keys | _DERIVED.get(kind, set()):
                raise fail("unverified", f"names unknown value key {key!r}")

        values = {}
        for key, unit in _VALUE_KEYS[kind].items():
            if key in item:
                values[key] = self._value(kind, index, name, key, unit, item[key], fail)
        self._cross_checks(kind, name, values, fail)
        if kind == "lens" and values.get("kind", "lens") not in _LENS_KINDS:
            raise fail("kind", f"must be one of {', '.join(map(repr, _LENS_KINDS))}, got {values['kind']!r}")

        try:
            part = KINDS[kind](name=name, source=source, verified=verified and not unverified, **values)
        except OpticsError as err:
            raise self.error(kind, index, name, None, str(err)) from err

        provenance = _provenance(kind, part, item, values, source, verified, set(unverified), sources)
        line = self._key_line(kind, index, "name")
        return CatalogEntry(
            part=part,
            kind=kind,
            aliases=tuple(" ".join(a.split()) for a in aliases),
            file=self.label,
            line=line,
            source=source,
            verified=verified and not unverified,
            provenance=provenance,
            notes=notes,
        )

    def _value(self, kind, index, name, key, unit, raw, fail):
        if unit is None:
            if not isinstance(raw, str) or not raw.strip():
                raise fail(key, f"must be a non-empty string, got {raw!r}")
            return raw.strip()
        if unit == "":
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise fail(key, f"must be a plain number, got {raw!r}")
            if not math.isfinite(raw) or raw <= 0:
                raise fail(key, f"must be positive and finite, got {raw!r}")
            return float(raw)
        example = _UNIT_EXAMPLE[unit]
        if not isinstance(raw, str):
            raise fail(key, f"must be a string '<number> <unit>' such as {example!r}, got {raw!r}")
        try:
            value = parse_quantity(raw, name=key)
        except OpticsError as err:
            raise fail(key, str(err)) from err
        if isinstance(value, float):
            raise fail(key, f"{raw!r} has no unit; write it like {example!r}")
        try:
            magnitude = float(to_magnitude(value, unit, name=key))
        except OpticsError as err:
            raise fail(key, f"{raw!r} has the wrong unit: {err}") from err
        if not math.isfinite(magnitude):
            raise fail(key, f"must be finite, got {raw!r}")
        if key not in _SIGNED and magnitude <= 0:
            raise fail(key, f"must be positive, got {raw!r}")
        return value

    @staticmethod
    def _cross_checks(kind, name, values, fail):
        if kind == "objective":
            n = values.get("immersion_index", 1.0)
            if n < 1:
                raise fail("immersion_index", f"must be >= 1, got {n:g}")
            if values["na"] > n:
                raise fail(
                    "na",
                    f"NA {values['na']:g} exceeds the immersion index {n:g} (NA = n sin(theta) <= n)",
                )
        elif kind == "scanner":
            given = [k for k in ("optical_angle", "mechanical_angle") if k in values]
            if len(given) != 1:
                raise fail(
                    "optical_angle",
                    "give exactly one of optical_angle or mechanical_angle (full peak-to-peak angle)",
                )
            key = given[0]
            optical = float(to_magnitude(values[key], "deg", name=key)) * (2 if key == "mechanical_angle" else 1)
            if optical >= 180:
                raise fail(key, f"optical scan angle {optical:g} deg must be below 180 deg")
        elif kind == "etl":
            low = float(to_magnitude(values["power_min"], "dpt", name="power_min"))
            high = float(to_magnitude(values["power_max"], "dpt", name="power_max"))
            if not low < high:
                raise fail("power_max", f"power_max {high:g} dpt must be above power_min {low:g} dpt")


_DERIVED = {
    "objective": {"tube_lens_f", "efl", "back_aperture"},
    "scanner": {"optical_angle", "mechanical_angle"},
}


def _provenance(kind, part, item, values, source, verified, unverified, sources):
    """value key -> {"value", "source", "verified"} for given and derived values."""

    def checked(key):
        return bool(verified) and key not in unverified

    record = {}
    for key, value in values.items():
        if _VALUE_KEYS[kind][key] is None:  # text such as maker or kind
            continue
        record[key] = {
            "value": getattr(part, key),
            "source": sources.get(key, source),
            "verified": checked(key),
        }
    if kind == "objective":
        if "tube_lens_f" not in values and "efl" not in values and part.tube_lens_f is not None:
            record["tube_lens_f"] = {
                "value": part.tube_lens_f,
                "source": sources.get(
                    "tube_lens_f",
                    f"maker standard: {part.maker} objectives are specified for a "
                    f"{tube_lens_standard(part.maker).magnitude:g} mm tube lens",
                ),
                "verified": checked("tube_lens_f"),
            }
        if "efl" not in values:
            inputs = ("tube_lens_f", "magnification")
            record["efl"] = {
                "value": part.efl,
                "source": sources.get("efl", "derived: tube_lens_f / magnification"),
                "verified": "efl" not in unverified and all(record[k]["verified"] for k in inputs),
            }
        if "back_aperture" not in values:
            inputs = ("na", "efl")
            record["back_aperture"] = {
                "value": part.back_aperture,
                "source": sources.get("back_aperture", "derived: 2 * na * efl"),
                "verified": "back_aperture" not in unverified and all(record[k]["verified"] for k in inputs),
            }
    elif kind == "scanner":
        given = "optical_angle" if "optical_angle" in values else "mechanical_angle"
        other = "mechanical_angle" if given == "optical_angle" else "optical_angle"
        formula = "optical_angle / 2" if other == "mechanical_angle" else "2 * mechanical_angle"
        record[other] = {
            "value": getattr(part, other),
            "source": sources.get(other, f"derived: {formula}"),
            "verified": other not in unverified and record[given]["verified"],
        }
    return MappingProxyType({k: MappingProxyType(v) for k, v in record.items()})


def _read_path(path):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DesignFileError(f"{path}: cannot read the part file: {err.strerror or err}") from err
    return _FileReader(text, str(path)).entries()


# --------------------------------------------------------------------------- the catalog


@dataclass(frozen=True, eq=False)
class Catalog:
    """An immutable collection of parts, looked up by name.

    Build one with :meth:`default` (the packaged parts), :meth:`from_file`
    or :meth:`from_text`, and extend it with :meth:`with_file`, which
    returns a new catalog.

    >>> cat = Catalog.default()
    >>> cat.lens("AC254-100").f
    <Quantity(100.0, 'millimeter')>
    >>> cat.etl("EL-16-40-TC").power_max
    <Quantity(10.0, 'diopter')>
    >>> "thorlabs ttl200mp" in cat
    True
    """

    entries: tuple = ()

    def __post_init__(self):
        index = {}
        for entry in self.entries:
            for label in (entry.name, *entry.aliases):
                key = _key(label)
                other = index.get(key)
                if other is not None and other is not entry:
                    where = f"{entry.file}, line {entry.line}" if entry.line else entry.file
                    first = f"{other.file}, line {other.line}" if other.line else other.file
                    raise DesignFileError(
                        f"{where}: {entry.kind} name {label!r} is already used by "
                        f"{other.kind} {other.name!r} ({first})"
                    )
                index[key] = entry
        object.__setattr__(self, "entries", tuple(self.entries))
        object.__setattr__(self, "_index", MappingProxyType(index))

    # -- construction ----------------------------------------------------------
    @classmethod
    def default(cls) -> "Catalog":
        """The packaged catalog (loaded once and cached).

        >>> len(Catalog.default().objectives) >= 12
        True
        """
        return _default_catalog()

    @classmethod
    def from_file(cls, path) -> "Catalog":
        """A catalog with only the parts of one TOML file (format: ``docs/catalog.md``)."""
        return cls(tuple(_read_path(path)))

    @classmethod
    def from_text(cls, text: str, *, label: str = "<text>") -> "Catalog":
        """A catalog from TOML text; *label* names it in error messages.

        >>> cat = Catalog.from_text('''
        ... [[lens]]
        ... name = "my relay lens"
        ... f = "75 mm"
        ... source = "lab measurement"
        ... ''')
        >>> cat.lens("My Relay Lens").f
        <Quantity(75.0, 'millimeter')>
        """
        return cls(tuple(_FileReader(text, label).entries()))

    def with_file(self, path, *, replace: bool = False) -> "Catalog":
        """A new catalog with the parts of *path* added.

        A part whose name or alias is already in the catalog raises
        :class:`~optics.errors.DesignFileError`, unless ``replace=True``:
        then the file's part replaces the existing one.
        """
        return self._with_entries(_read_path(path), replace=replace)

    def with_text(self, text: str, *, label: str = "<text>", replace: bool = False) -> "Catalog":
        """Like :meth:`with_file`, from TOML text."""
        return self._with_entries(_FileReader(text, label).entries(), replace=replace)

    def _with_entries(self, new, *, replace):
        new = list(new)
        if not replace:
            return Catalog(self.entries + tuple(new))
        shadowed = set()
        for entry in new:
            for label in (entry.name, *entry.aliases):
                old = self._index.get(_key(label))
                if old is not None:
                    shadowed.add(id(old))
        kept = tuple(e for e in self.entries if id(e) not in shadowed)
        return Catalog(kept + tuple(new))

    # -- look-up -----------------------------------------------------------------
    def entry(self, name: str, kind: str | None = None) -> CatalogEntry:
        """The :class:`CatalogEntry` (part with provenance) called *name*."""
        if kind is not None and kind not in KINDS:
            raise PartNotFoundError(f"unknown part kind {kind!r}; kinds are {', '.join(KINDS)}")
        if not isinstance(name, str):
            raise PartNotFoundError(f"part name must be a string, got {name!r}")
        found = self._index.get(_key(name))
        if found is not None and (kind is None or found.kind == kind):
            return found
        what = kind or "part"
        if found is not None:
            raise PartNotFoundError(
                f"{name!r} is a {found.kind} ({found.name!r}), not a {kind}"
            )
        raise PartNotFoundError(f"unknown {what} {name!r}; {self._suggest(name, kind)}")

    def _suggest(self, name, kind):
        labels = {}
        for entry in self.entries:
            if kind is None or entry.kind == kind:
                for label in (entry.name, *entry.aliases):
                    labels.setdefault(_key(label), entry.name)
        if not labels:
            return f"the catalog has no {_PLURAL.get(kind, 'parts')}"
        query = _key(name)
        ranked = [labels[k] for k in labels if query and query in k]
        ranked += [labels[k] for k in difflib.get_close_matches(query, list(labels), n=8, cutoff=0.5)]
        matches = list(dict.fromkeys(ranked))[:6]
        plural = _PLURAL.get(kind, "parts")
        if matches:
            return "close matches: " + ", ".join(map(repr, matches))
        return f"no close match; see Catalog.names({kind!r}) for all {len(set(labels.values()))} {plural}"

    def get(self, name: str):
        """The part called *name*, of any kind.

        >>> Catalog.default().get("N16XLWD-PF").name
        'Nikon CFI75 LWD 16X W'
        """
        return self.entry(name).part

    def objective(self, name: str) -> Objective:
        """The objective called *name* (case and whitespace ignored).

        >>> Catalog.default().objective("Olympus XLUMPlanFLN 20XW").efl
        <Quantity(9.0, 'millimeter')>
        """
        return self.entry(name, "objective").part

    def lens(self, name: str) -> Lens:
        """The lens (scan, tube, achromat) called *name*."""
        return self.entry(name, "lens").part

    def scanner(self, name: str) -> Scanner:
        """The scan mirror called *name*.

        >>> Catalog.default().scanner("CRS 8 kHz").optical_angle.to("deg")
        <Quantity(26.0, 'degree')>
        """
        return self.entry(name, "scanner").part

    def etl(self, name: str) -> TunableLensPart:
        """The electrically tunable lens called *name*."""
        return self.entry(name, "etl").part

    def names(self, kind: str | None = None) -> tuple:
        """Canonical part names (file order), optionally of one *kind*.

        >>> Catalog.default().names("etl")
        ('Optotune EL-16-40-TC', 'Optotune EL-10-30 with offset lens')
        """
        if kind is not None and kind not in KINDS:
            raise PartNotFoundError(f"unknown part kind {kind!r}; kinds are {', '.join(KINDS)}")
        return tuple(e.name for e in self.entries if kind is None or e.kind == kind)

    def provenance(self, name: str) -> dict:
        """Where each value of a part comes from.

        Returns ``{value key: {"value": ..., "source": str, "verified": bool}}``
        for the values given in the file and the derived ones (objective
        ``tube_lens_f``, ``efl`` and ``back_aperture``; the scanner angle not
        given).

        >>> p = Catalog.default().provenance("Nikon CFI75 LWD 16X W")
        >>> p["na"]["value"], p["na"]["verified"]
        (0.8, True)
        >>> p["efl"]["value"], p["efl"]["source"]
        (<Quantity(12.5, 'millimeter')>, 'derived: tube_lens_f / magnification')
        """
        return {k: dict(v) for k, v in self.entry(name).provenance.items()}

    def _of_kind(self, kind):
        return tuple(e.part for e in self.entries if e.kind == kind)

    @property
    def objectives(self) -> tuple:
        """All objectives."""
        return self._of_kind("objective")

    @property
    def lenses(self) -> tuple:
        """All lenses (scan, tube, achromats)."""
        return self._of_kind("lens")

    @property
    def scanners(self) -> tuple:
        """All scan mirrors."""
        return self._of_kind("scanner")

    @property
    def etls(self) -> tuple:
        """All electrically tunable lenses."""
        return self._of_kind("etl")

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and _key(name) in self._index

    def __iter__(self):
        return (e.part for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(self._of_kind(k))} {_PLURAL[k]}" for k in KINDS)
        return f"<Catalog: {counts}>"


_PACKAGED_FILES = ("objectives.toml", "lenses.toml", "scanners.toml", "etls.toml")


@functools.lru_cache(maxsize=1)
def _default_catalog() -> Catalog:
    data = resources.files("optics.catalog").joinpath("data")
    entries = []
    for filename in _PACKAGED_FILES:
        resource = data.joinpath(filename)
        entries.extend(_FileReader(resource.read_text(encoding="utf-8"), f"optics/catalog/data/{filename}").entries())
    return Catalog(tuple(entries))


def get_part(name: str):
    """The part called *name* in the packaged catalog (any kind).

    >>> get_part("thorlabs sl50-2p2").f
    <Quantity(50.0, 'millimeter')>
    >>> get_part("Nikon 16x")
    Traceback (most recent call last):
    ...
    optics.errors.PartNotFoundError: unknown part 'Nikon 16x'; close matches: 'Nikon CFI75 LWD 16X W', 'Nikon N20X-PFH', 'Nikon CFI Apo NIR 40X W', 'Nikon N25X-APO-MP'
    """
    return Catalog.default().get(name)
