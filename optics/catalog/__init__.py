r"""The part catalog: objectives, lenses, scan mirrors and tunable lenses.

Parts live in data files (TOML), not in code.  The packaged files in
``optics/catalog/data`` hold objectives, scan and tube lenses, stock achromats,
resonant scanners, galvanometers and electrically tunable lenses; users add
or override parts with files in the same format (see ``docs/catalog.md``).

The keys a part may have, their units and which are required come from the
part classes' schema (:func:`optics.microscope.parts.part_schema`); the
range rules are the part classes' (:mod:`optics.validate`).  Every value
carries a :class:`~optics.microscope.parts.ValueSource` (tier, reference,
formula): ``entry.provenance[key]``.  Values left out are derived by the
part class (objective EFL and back aperture)

.. math:: f_o = f_\mathrm{TL} / M, \qquad D_\mathrm{BA} = 2\,\mathrm{NA}\, f_o

or unknown (None), and an entry can say why it is unknown (``missing``).

Name look-up ignores case and whitespace; an unknown name raises
:class:`~optics.errors.PartNotFoundError` listing close matches.

>>> from optics.catalog import Catalog, get_part
>>> obj = get_part("nikon cfi75 lwd 16x w")
>>> obj.efl, obj.back_aperture
(<Quantity(12.5, 'millimeter')>, <Quantity(20.0, 'millimeter')>)
>>> src = Catalog.default().entry("N16XLWD-PF").provenance["back_aperture"]
>>> src.tier, src.formula
('derived', '2 * na * efl')
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from optics.errors import DesignFileError, OpticsError, PartNotFoundError
from optics.microscope.parts import ValueSource, part_kinds, part_schema
from optics.text import closest_key, with_article
from optics.units import is_quantity, json_quantity

from optics.catalog.tomlfiles import read_toml

__all__ = ["KINDS", "Catalog", "CatalogEntry", "ValueSource", "get_part", "FILE_TIERS", "JSON_SCHEMA_VERSION"]

#: Version of the ``optics parts --json`` layout (optics/schemas/parts.schema.json).
JSON_SCHEMA_VERSION = 1

#: Part kinds: the table name used in data files and the part class it makes.
KINDS = part_kinds()  # the kinds at import; the reader asks part_kinds() each time

#: Tiers a data file may give a value.
FILE_TIERS = ("maker", "seller", "secondary", "measured", "derived")

def _plural(kind):
    return {"lens": "lenses"}.get(kind, f"{kind}s") if kind else "parts"
_META_KEYS = ("name", "aliases", "source", "sources", "missing", "notes")
_RETIRED = {
    "verified": "'verified' is computed from the value sources now; remove it",
    "unverified": "'unverified' is gone: give each value its own tier in [<kind>.sources]",
}


def _key(name: str) -> str:
    """Look-up key of a part name: case and whitespace do not matter."""
    return "".join(str(name).split()).casefold()


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog part with where it was read.

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
    notes : str
        Free text of the entry.
    missing : mapping
        ``{key: reason}`` for values looked for and not found (None in the part).
    """

    part: object
    kind: str
    aliases: tuple
    file: str
    line: object
    notes: str = ""
    missing: object = field(default_factory=lambda: MappingProxyType({}))

    @property
    def name(self) -> str:
        """Canonical name of the part."""
        return self.part.name

    @property
    def provenance(self):
        """``{key: ValueSource}`` for every known value, given or derived."""
        return self.part.provenance

    @property
    def verified(self) -> bool:
        """True only if maker or seller text confirms every value (computed)."""
        return self.part.verified

    def rows(self) -> tuple:
        """One ``(key, value text, tier, detail)`` row per value of the part's schema.

        *detail* is the formula of a derived value, the reason of a missing
        one, else the reference.  Unknown values read ``"unknown"``.

        >>> Catalog.default().entry("N16XLWD-PF").rows()[5][:3]
        ('efl', '12.5 mm', 'derived')
        """
        return self.part.rows(self.missing)

    def as_dict(self) -> dict:
        """A JSON-ready description: names, file and line, and every value with its source.

        Each known value is ``{"value": ..., "source": {...}}``, a quantity
        with its ``"unit"`` beside the number, in the one unit of its kind that
        every JSON output uses (:func:`optics.units.json_quantity`: mm, Hz,
        deg, dpt); unknown values are None.  The schema is
        ``optics/schemas/parts.schema.json``.
        """
        values = {}
        prov = self.provenance
        for key, spec in part_schema(type(self.part)).items():
            value = getattr(self.part, key)
            if value is None:
                values[key] = None
                continue
            shown = json_quantity(value) if is_quantity(value) else {"value": value}
            values[key] = {**shown, "source": prov[key].as_dict()}
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "file": self.file,
            "line": self.line,
            "verified": self.verified,
            "values": values,
            "missing": dict(self.missing),
            "notes": self.notes,
        }

    def tiers(self) -> dict:
        """``{key: tier}`` for every known value.

        >>> Catalog.default().entry("TTL200MP").tiers()["f"]
        'secondary'
        """
        return {k: v.tier for k, v in self.provenance.items()}


# --------------------------------------------------------------------------- file reading

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_][\w-]*)\s*\]\]\s*(#.*)?$")
_SUBHEADER = re.compile(r"^\s*\[\s*([A-Za-z_][\w-]*)\s*\.\s*([A-Za-z_][\w-]*)\s*\]\s*(#.*)?$")


class _Lines:
    """Line numbers of keys, found in one pass over the text (linear in file size)."""

    def __init__(self, text):
        self.blocks = {}  # kind -> list of (header line, {key: line}, {sub: {key: line}})
        current = None
        sub = None
        for number, line in enumerate(text.splitlines(), start=1):
            match = _HEADER.match(line)
            if match:
                current = (number, {}, {})
                self.blocks.setdefault(match.group(1), []).append(current)
                sub = None
                continue
            match = _SUBHEADER.match(line)
            if match and current is not None:
                sub = current[2].setdefault(match.group(2), {})
                continue
            if line.lstrip().startswith("["):
                current, sub = None, None
                continue
            if current is None:
                continue
            keys = re.findall(r"(?:^\s*|[{,]\s*)([A-Za-z_][\w-]*)\s*=", line)
            if not keys:
                continue
            target = sub if sub is not None else current[1]
            target.setdefault(keys[0], number)
            if sub is None and len(keys) > 1:  # inline table: sources = { na = ... }
                inner = current[2].setdefault(keys[0], {})
                for key in keys[1:]:
                    inner.setdefault(key, number)

    def line(self, kind, index, key=None, sub=None):
        blocks = self.blocks.get(kind, [])
        if index >= len(blocks):
            return None
        header, keys, subs = blocks[index]
        if sub is not None:
            return subs.get(sub, {}).get(key) or keys.get(sub) or header
        if key is None:
            return header
        return keys.get(key) or header


class _FileReader:
    """Turns one TOML text into catalog entries, with errors naming file, line, part and key."""

    def __init__(self, text: str, label: str):
        self.text = text
        self.label = label
        self.lines = _Lines(text)

    def error(self, kind, index, name, key, message, sub=None):
        line = self.lines.line(kind, index, key, sub)
        where = f"{self.label}, line {line}" if line else self.label
        what = f"{kind} {name!r}" if name else f"{kind} #{index + 1}"
        key_text = f", key {key!r}" if key else ""
        if sub:
            key_text = f", {sub}.{key}" if key else f", key {sub!r}"
        return DesignFileError(f"{where}: {what}{key_text}: {message}")

    def entries(self):
        data = read_toml(self.text, self.label)
        out = []
        kinds = part_kinds()
        for table, items in data.items():
            if table not in kinds:
                close = difflib.get_close_matches(table, list(kinds), n=1)
                hint = f" (did you mean [[{close[0]}]]?)" if close else ""
                raise DesignFileError(
                    f"{self.label}: unknown table {table!r}{hint}; part tables are "
                    + ", ".join(f"[[{k}]]" for k in kinds)
                )
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise DesignFileError(
                    f"{self.label}: {table!r} must be an array of tables, written [[{table}]]"
                )
            for index, item in enumerate(items):
                out.append(self._entry(table, index, item))
        return out

    def _source(self, raw, fail):
        """A ValueSource from ``{ tier = ..., ref = ..., formula = ... }`` (or plain text: tier "unstated")."""
        if isinstance(raw, str):  # plain text: a reference whose tier is not stated
            if not raw.strip():
                raise fail("must say where the value comes from")
            return ValueSource("unstated", " ".join(raw.split()))
        if not isinstance(raw, dict):
            raise fail(f"must be a table {{ tier = ..., ref = ... }}, got {raw!r}")
        unknown = set(raw) - {"tier", "ref", "formula"}
        if unknown:
            raise fail(f"unknown key {sorted(unknown)[0]!r}; a source has tier, ref and (derived) formula")
        tier, ref, formula = raw.get("tier"), raw.get("ref"), raw.get("formula")
        if tier not in FILE_TIERS:
            raise fail(f"tier must be one of {', '.join(FILE_TIERS)}, got {tier!r}")
        if not isinstance(ref, str) or not ref.strip():
            raise fail("needs a non-empty 'ref': where the value comes from")
        if tier == "derived" and (not isinstance(formula, str) or not formula.strip()):
            raise fail("a derived value needs its 'formula'")
        if formula is not None and tier != "derived":
            raise fail(f"'formula' belongs to derived values, not to tier {tier!r}")
        return ValueSource(tier, " ".join(ref.split()), formula)

    def _entry(self, kind, index, item):
        cls = part_kinds()[kind]
        schema = part_schema(cls)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.error(kind, index, None, "name", "needs a non-empty string 'name'")
        name = " ".join(name.split())

        def fail(key, message, sub=None):
            return self.error(kind, index, name, key, message, sub)

        allowed = set(_META_KEYS) | set(schema)
        for key in item:
            if key in _RETIRED:
                raise fail(key, _RETIRED[key])
            if key not in allowed:
                close = closest_key(key, sorted(allowed))
                hint = f" (did you mean {close!r}?)" if close else ""
                raise fail(key, f"unknown key{hint}; allowed keys: {', '.join(sorted(allowed))}")

        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise fail("aliases", "must be a list of non-empty strings")
        notes = item.get("notes", "")
        if not isinstance(notes, str):
            raise fail("notes", "must be a string")

        values = {}
        for key, spec in schema.items():
            if key in item:
                try:
                    values[key] = spec.read(item[key])
                except OpticsError as err:
                    raise fail(key, str(err).replace(f"{key}: ", "")) from None

        default = None
        if "source" in item:
            default = self._source(item["source"], lambda m: fail("source", m))
        sources = item.get("sources", {})
        if not isinstance(sources, dict):
            raise fail("sources", "must be a table [<kind>.sources] of { tier, ref } tables")
        per_value = {}
        for key, raw in sources.items():
            if key not in schema:
                raise fail(key, f"is not a value key of a {kind}", sub="sources")
            if key not in values:
                raise fail(key, "has a source but no value", sub="sources")
            per_value[key] = self._source(raw, lambda m, k=key: fail(k, m, sub="sources"))
        for key in values:
            if key not in per_value:
                if default is None:
                    raise fail(key, "has no source: give it one in [<kind>.sources] or a part-wide 'source'")
                per_value[key] = default

        missing = item.get("missing", {})
        if not isinstance(missing, dict):
            raise fail("missing", "must be a table { key = \"why it is unknown\" }")
        for key, why in missing.items():
            if key not in schema:
                raise fail(key, f"is not a value key of a {kind}", sub="missing")
            if key in values:
                raise fail(key, "is listed as missing but has a value", sub="missing")
            if not isinstance(why, str) or not why.strip():
                raise fail(key, "must say why the value is unknown", sub="missing")

        try:
            part = cls(name=name, **values, sources=per_value)
        except OpticsError as err:
            key = getattr(err, "key", None)
            raise fail(key, str(err)) from None

        return CatalogEntry(
            part=part,
            kind=kind,
            aliases=tuple(" ".join(a.split()) for a in aliases),
            file=self.label,
            line=self.lines.line(kind, index, "name"),
            notes=notes,
            missing=MappingProxyType(dict(missing)),
        )


def _read_path(path):
    from optics.catalog.tomlfiles import read_text_file

    path = Path(path)
    return _FileReader(read_text_file(path, "part file"), str(path)).entries()


# --------------------------------------------------------------------------- the catalog


@dataclass(frozen=True, eq=False)
class Catalog:
    """An immutable collection of parts, looked up by name.

    Parameters
    ----------
    entries : sequence of CatalogEntry
        The parts, in file order.

    Build one with :meth:`default` (the packaged parts), :meth:`from_file`
    or :meth:`from_text`, and extend it with :meth:`with_file`, which
    returns a new catalog.

    >>> cat = Catalog.default()
    >>> cat.lens("AC254-100-B").f
    <Quantity(100.0, 'millimeter')>
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

        >>> len(Catalog.default().objectives) >= 20
        True
        """
        return _default_catalog()

    @classmethod
    def from_file(cls, path) -> "Catalog":
        """A catalog with only the parts of one TOML file (format: ``docs/catalog.md``).

        Parameters
        ----------
        path : str or Path
            The part file.
        """
        return cls(tuple(_read_path(path)))

    @classmethod
    def from_text(cls, text: str, *, label: str = "<text>") -> "Catalog":
        """A catalog from TOML text; *label* names it in error messages.

        Parameters
        ----------
        text : str
            TOML text in the part-file format.
        label : str
            Name of the text in error messages.

        >>> cat = Catalog.from_text('''
        ... [[lens]]
        ... name = "my relay lens"
        ... f = "75 mm"
        ... source = { tier = "measured", ref = "lab notebook p. 3" }
        ... ''')
        >>> cat.lens("My Relay Lens").f
        <Quantity(75.0, 'millimeter')>
        """
        return cls(tuple(_FileReader(text, label).entries()))

    def with_file(self, path, *, replace: bool = False) -> "Catalog":
        """A new catalog with the parts of *path* added.

        Parameters
        ----------
        path : str or Path
            The part file.
        replace : bool
            If False (default), a part whose name or alias is already in the
            catalog raises :class:`~optics.errors.DesignFileError`; if True,
            the file's part replaces the existing one and answers to all of
            its names.
        """
        return self._with_entries(_read_path(path), replace=replace)

    def with_text(self, text: str, *, label: str = "<text>", replace: bool = False) -> "Catalog":
        """Like :meth:`with_file`, from TOML text.

        Parameters
        ----------
        text : str
            TOML text in the part-file format.
        label : str
            Name of the text in error messages.
        replace : bool
            Whether the text's parts replace catalog parts of the same name.
        """
        return self._with_entries(_FileReader(text, label).entries(), replace=replace)

    def _with_entries(self, new, *, replace):
        new = list(new)
        if not replace:
            return Catalog(self.entries + tuple(new))
        shadowed = set()
        merged = []
        for entry in new:
            inherited = []
            for label in (entry.name, *entry.aliases):
                old = self._index.get(_key(label))
                if old is not None and id(old) not in shadowed:
                    shadowed.add(id(old))
                    inherited += [old.name, *old.aliases]
            # the replacement answers to every name of the part it replaces
            own = {_key(n) for n in (entry.name, *entry.aliases)}
            extra = tuple(dict.fromkeys(n for n in inherited if _key(n) not in own))
            merged.append(dataclasses.replace(entry, aliases=entry.aliases + extra) if extra else entry)
        kept = tuple(e for e in self.entries if id(e) not in shadowed)
        return Catalog(kept + tuple(merged))

    # -- look-up -----------------------------------------------------------------
    def entry(self, name: str, kind: str | None = None) -> CatalogEntry:
        """The :class:`CatalogEntry` (part with provenance) called *name*.

        Parameters
        ----------
        name : str
            Name or alias (case and whitespace ignored).
        kind : str, optional
            Require this kind.
        """
        if kind is not None and kind not in KINDS:
            raise PartNotFoundError(f"unknown part kind {kind!r}; kinds are {', '.join(KINDS)}")
        if not isinstance(name, str):
            raise PartNotFoundError(f"part name must be a string, got {name!r}")
        found = self._index.get(_key(name))
        if found is not None and (kind is None or found.kind == kind):
            return found
        what = kind or "part"
        if found is not None:
            raise PartNotFoundError(f"{name!r} is {with_article(found.kind)} ({found.name!r}), not {with_article(kind)}")
        raise PartNotFoundError(f"unknown {what} {name!r}; {self._suggest(name, kind)}")

    def _suggest(self, name, kind):
        labels = {}
        for entry in self.entries:
            if kind is None or entry.kind == kind:
                for label in (entry.name, *entry.aliases):
                    labels.setdefault(_key(label), entry.name)
        if not labels:
            return f"the catalog has no {_plural(kind)}"
        query = _key(name)
        ranked = [labels[k] for k in labels if query and query in k]
        ranked += [labels[k] for k in difflib.get_close_matches(query, list(labels), n=8, cutoff=0.5)]
        matches = list(dict.fromkeys(ranked))[:6]
        plural = _plural(kind)
        if matches:
            return "close matches: " + ", ".join(map(repr, matches))
        return f"no close match; see Catalog.names({kind!r}) for all {len(set(labels.values()))} {plural}"

    def get(self, name: str):
        """The part called *name*, of any kind.

        Parameters
        ----------
        name : str
            Name or alias.

        >>> Catalog.default().get("N16XLWD-PF").name
        'Nikon CFI75 LWD 16X W'
        """
        return self.entry(name).part

    def objective(self, name: str):
        """The objective called *name* (case and whitespace ignored).

        Parameters
        ----------
        name : str
            Name or alias.

        >>> Catalog.default().objective("N20X-PFH").efl
        <Quantity(9.0, 'millimeter')>
        """
        return self.entry(name, "objective").part

    def lens(self, name: str):
        """The lens (scan, tube, achromat) called *name*.

        Parameters
        ----------
        name : str
            Name or alias.
        """
        return self.entry(name, "lens").part

    def scanner(self, name: str):
        """The scan mirror called *name*.

        Parameters
        ----------
        name : str
            Name or alias.

        >>> Catalog.default().scanner("CRS 8 kHz").optical_angle.to("deg")
        <Quantity(26.0, 'degree')>
        """
        return self.entry(name, "scanner").part

    def etl(self, name: str):
        """The electrically tunable lens called *name*.

        Parameters
        ----------
        name : str
            Name or alias.
        """
        return self.entry(name, "etl").part

    def names(self, kind: str | None = None) -> tuple:
        """Canonical part names (file order), optionally of one *kind*.

        Parameters
        ----------
        kind : str, optional
            ``"objective"``, ``"lens"``, ``"scanner"`` or ``"etl"``.
        """
        if kind is not None and kind not in KINDS:
            raise PartNotFoundError(f"unknown part kind {kind!r}; kinds are {', '.join(KINDS)}")
        return tuple(e.name for e in self.entries if kind is None or e.kind == kind)

    def provenance(self, name: str) -> dict:
        """Where each value of a part comes from: ``{key: ValueSource}``.

        Parameters
        ----------
        name : str
            Name or alias.

        >>> p = Catalog.default().provenance("Nikon CFI75 LWD 16X W")
        >>> p["na"].tier, p["efl"].formula
        ('seller', 'tube_lens_f / magnification')
        """
        return dict(self.entry(name).provenance)

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
        counts = ", ".join(f"{len(self._of_kind(k))} {_plural(k)}" for k in KINDS)
        return f"<Catalog: {counts}>"


def _packaged_files():
    """The data file of each part kind (its class's DATA_FILE), in kind order."""
    return tuple(dict.fromkeys(cls.DATA_FILE for cls in KINDS.values() if cls.DATA_FILE))


@functools.lru_cache(maxsize=1)
def _default_catalog() -> Catalog:
    data = resources.files("optics.catalog").joinpath("data")
    entries = []
    for filename in _packaged_files():
        resource = data.joinpath(filename)
        entries.extend(_FileReader(resource.read_text(encoding="utf-8"), f"optics/catalog/data/{filename}").entries())
    return Catalog(tuple(entries))


def get_part(name: str):
    """The part called *name* in the packaged catalog (any kind).

    Parameters
    ----------
    name : str
        Name or alias (case and whitespace ignored).

    >>> get_part("thorlabs sl50-2p2").f
    <Quantity(50.0, 'millimeter')>
    """
    return Catalog.default().get(name)
