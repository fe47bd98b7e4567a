r"""Part records: objectives, lenses, scanners and tunable lenses, one schema each.

Parts are frozen values.  Each part class declares its values as dataclass
fields whose metadata is a :class:`FieldSpec` (unit, required, signed,
derived formula, one-line doc); :func:`part_schema` returns them.  The
catalog reader, the design-file reader, validation and ``optics parts`` all
read this one schema, so adding a part kind touches only its class (and its
data file).

Constructors take pint Quantities (or plain numbers in base units: mm, rad,
Hz, dpt), check every value once (range rules live in :mod:`optics.validate`)
and store Quantities in canonical units.  A value left out is either derived
from the others (its :attr:`FieldSpec.derived` formula) or unknown (None).
Derived values follow their inputs: :meth:`replace` re-derives every value
that was not given, so ``replace(na=0.5)`` changes the back aperture.

Each part also carries where its values come from: ``provenance`` maps every
known value to a :class:`ValueSource` (tier, reference, formula), and
``verified`` is computed from it (True only when maker or seller text
confirms every value, directly or through the inputs of a derived one).

Objective focal length and back aperture
----------------------------------------
The effective focal length of an infinity-corrected objective is the maker's
tube-lens focal length divided by the magnification, and the back-aperture
diameter follows from the Abbe sine condition:

.. math:: f_o = f_\mathrm{TL} / M, \qquad D_\mathrm{BA} = 2\,\mathrm{NA}\, f_o

>>> from optics.microscope.parts import Objective
>>> obj = Objective("Nikon 16x/0.8 W", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333)
>>> obj.efl, obj.back_aperture
(<Quantity(12.5, 'millimeter')>, <Quantity(20.0, 'millimeter')>)
>>> obj.replace(na=0.5).back_aperture
<Quantity(12.5, 'millimeter')>
>>> obj.provenance["back_aperture"].formula
'2 * na * efl'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from optics import validate
from optics.errors import DimensionError, InvalidParameterError, OpticsError, OpticsTypeError
from optics.text import with_article
from optics.units import MAX_TEXT_MAGNITUDE, check_plain, is_quantity, kind_of_unit, parse_quantity, quantity, to_magnitude

__all__ = [
    "TIERS",
    "ValueSource",
    "FieldSpec",
    "Part",
    "part_schema",
    "part_field",
    "part_kinds",
    "TUBE_LENS_STANDARDS",
    "tube_lens_standard",
    "Objective",
    "Lens",
    "Scanner",
    "TunableLensPart",
]

#: How a value is known, best first.  Data files use the first five;
#: ``design`` marks a value set in a design file, ``default`` a value the
#: part class fills in, ``unstated`` a value given in code without a source.
TIERS = ("maker", "seller", "secondary", "measured", "derived", "design", "default", "unstated")
_FILE_TIERS = TIERS[:5]
_CONFIRMING = ("maker", "seller")


@dataclass(frozen=True)
class ValueSource:
    """Where one value comes from.

    Attributes
    ----------
    tier : str
        ``"maker"`` (maker's own text), ``"seller"`` (a seller's text, e.g.
        Thorlabs selling a Nikon objective), ``"secondary"`` (paper methods,
        public configuration files, lab inventories), ``"measured"`` (your
        own measurement), ``"derived"`` (computed by *formula*); and, set by
        the library, ``"design"``, ``"default"``, ``"unstated"``.
    ref : str
        The reference: title, URL and the phrase that gives the value.
    formula : str or None
        For derived values, how the value follows from others.

    >>> ValueSource("seller", "Thorlabs page: '0.8 NA, 3.0 mm WD'").tier
    'seller'
    >>> ValueSource("rumour", "x")
    Traceback (most recent call last):
    ...
    optics.errors.InvalidParameterError: source tier 'rumour' is not one of maker, seller, secondary, measured, derived, design, default, unstated
    """

    tier: str
    ref: str = ""
    formula: str | None = None

    def __post_init__(self):
        if self.tier not in TIERS:
            raise InvalidParameterError(f"source tier {self.tier!r} is not one of {', '.join(TIERS)}")
        if not isinstance(self.ref, str):
            raise OpticsTypeError(f"source ref must be text, got {self.ref!r}")
        if self.formula is not None and not isinstance(self.formula, str):
            raise OpticsTypeError(f"source formula must be text, got {self.formula!r}")

    def as_dict(self) -> dict:
        """``{"tier", "ref", "formula"}`` (formula only when set), for JSON."""
        out = {"tier": self.tier, "ref": self.ref}
        if self.formula:
            out["formula"] = self.formula
        return out


# --------------------------------------------------------------------------- the schema

#: Value types of a field: a base unit ("mm", "rad", "Hz", "dpt"), "number"
#: (dimensionless) or "text".
_NUMBER, _TEXT = "number", "text"
_EXAMPLES = {"mm": "50 mm", "rad": "26 deg", "Hz": "8 kHz", "dpt": "-10 dpt"}


@dataclass(frozen=True)
class FieldSpec:
    """What one value of a part kind is.

    Attributes
    ----------
    name : str
        The value key (attribute of the part and key in data files).
    unit : str
        Base unit (``"mm"``, ``"rad"``, ``"Hz"``, ``"dpt"``), ``"number"`` or ``"text"``.
    doc : str
        One line saying what the value is.
    required : bool
        The part cannot be made without it.
    signed : bool
        May be zero or negative (otherwise it must be positive).
    derived : str or None
        Formula used when the value is not given.
    inputs : tuple of str
        The values *derived* uses.
    display : str or None
        Unit to print and write the value in (default: *unit*).
    choices : tuple of str
        Allowed texts of a text value.
    default : object
        Value used when not given (and nothing derives it).
    exclusive : tuple of str
        Values that may not be given together with this one.
    plain : str or None
        Kind of :data:`optics.units.PLAIN_RANGES` whose plausible range a
        plain number (no unit) must lie in (``"scan angle"`` ...).
    """

    name: str
    unit: str
    doc: str
    required: bool = False
    signed: bool = False
    derived: str | None = None
    inputs: tuple = ()
    display: str | None = None
    choices: tuple = ()
    default: object = None
    exclusive: tuple = ()
    plain: str | None = None

    @property
    def shown_unit(self) -> str | None:
        """Unit values are printed and written in (None for numbers and text)."""
        if self.unit in (_NUMBER, _TEXT):
            return None
        return self.display or self.unit

    def parse(self, raw):
        """The value of a data-file entry *raw* (TOML value), type- and unit-checked.

        Text stays text, numbers become floats, quantities are read from
        ``"<number> <unit>"`` (nothing is evaluated).  Range rules are the
        part's (run when the part is made).

        Parameters
        ----------
        raw : str, int or float
            The value as read from TOML.

        >>> part_schema(Lens)["f"].parse("2 in")
        <Quantity(2.0, 'inch')>
        >>> part_schema(Lens)["f"].parse(50)
        Traceback (most recent call last):
        ...
        optics.errors.OpticsTypeError: must be a string '<number> <unit>' such as '50 mm', got 50
        """
        if self.unit == _TEXT:
            if not isinstance(raw, str) or not raw.strip():
                raise OpticsTypeError(f"must be a non-empty string, got {raw!r}")
            return " ".join(raw.split())
        if self.unit == _NUMBER:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise OpticsTypeError(f"must be a plain number, got {raw!r}")
            return float(raw)
        example = _EXAMPLES.get(self.unit, f"1 {self.unit}")
        if not isinstance(raw, str):
            raise OpticsTypeError(f"must be a string '<number> <unit>' such as {example!r}, got {raw!r}")
        value = parse_quantity(raw, name=self.name)
        if not is_quantity(value):
            raise OpticsTypeError(f"{raw!r} has no unit; write it like {example!r}")
        try:
            to_magnitude(value, self.unit, name=self.name)  # dimension check
        except OpticsError:
            raise DimensionError(
                f"{raw!r} has the wrong unit: expected {with_article(kind_of_unit(self.unit))} (convertible to {self.unit})"
            ) from None
        return value

    def read(self, raw):
        """Like :meth:`parse`, but a quantity comes back as a float in the base unit *unit*.

        The fast path of the catalog reader (part constructors accept base-unit numbers).

        Parameters
        ----------
        raw : str, int or float
            The value as read from TOML.

        >>> part_schema(Scanner)["aperture"].read("0.5 cm")
        5.0
        >>> part_schema(Scanner)["frequency"].read("8 kHz")  # under the plain-number policy
        <Quantity(8.0, 'kilohertz')>
        """
        if self.unit in (_NUMBER, _TEXT) or not isinstance(raw, str) or self.plain:
            return self.parse(raw)  # (values under the plain-number policy stay Quantities)
        match = _NUMBER_UNIT.match(raw) if len(raw) <= 100 else None
        factor = _factor(self.unit, match.group(2)) if match else None
        if factor is not None and not _plausible(float(match.group(1))):
            factor = None  # out of the range unit text may hold: parse() refuses it with the reason
        if factor is None:  # no unit, an unknown one or the wrong dimension: parse() says which
            value = self.parse(raw)
            return float(to_magnitude(value, self.unit, name=self.name))
        return float(f"{float(match.group(1)) * factor:.15g}")

    def format(self, value) -> str:
        """TOML text of *value* that :meth:`parse` reads back (full precision).

        Parameters
        ----------
        value : Quantity, number or str
            A value of this field (plain numbers are taken in the base unit).
        """
        if self.unit == _TEXT:
            return _toml_string(str(value))
        if self.unit == _NUMBER:
            return repr(float(value))
        unit = self.shown_unit
        magnitude = value.to(unit).magnitude if is_quantity(value) else float(value)
        return _toml_string(f"{float(magnitude)!r} {unit}")

    def text(self, value) -> str:
        """Short human text of *value* (up to 6 significant digits, with unit).

        Parameters
        ----------
        value : Quantity, number, str or None
            A value of this field (None reads ``"unknown"``).
        """
        if value is None:
            return "unknown"
        if self.unit == _TEXT:
            return str(value)
        if self.unit == _NUMBER:
            return f"{float(value):g}"
        unit = self.shown_unit
        magnitude = value.to(unit).magnitude if is_quantity(value) else float(value)
        return f"{float(magnitude):.6g} {unit}"


_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d.+-].*?)\s*$")


def _plausible(number: float) -> bool:
    """The number unit text may hold (the bound of :func:`optics.units.parse_quantity`)."""
    return number == 0 or 1 / MAX_TEXT_MAGNITUDE <= abs(number) <= MAX_TEXT_MAGNITUDE


@functools.lru_cache(maxsize=256)
def _factor(unit, text):
    """Multiplier from unit *text* to base *unit* (None if *text* is not such a unit); cached."""
    try:
        value = parse_quantity(f"1 {text}", name="unit")
        if not is_quantity(value):
            return None
        return float(to_magnitude(value, unit, name="unit"))
    except OpticsError:
        return None


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def part_field(unit, doc, **options):
    """A dataclass field holding one part value described by a :class:`FieldSpec`.

    Parameters
    ----------
    unit : str
        Base unit (``"mm"``, ``"rad"``, ``"Hz"``, ``"dpt"``), ``"number"`` or ``"text"``.
    doc : str
        One line saying what the value is.
    **options
        The other :class:`FieldSpec` attributes (required, signed, derived,
        inputs, display, choices, default, exclusive, plain).

    The field's default is None (not given); its name is filled in by
    :func:`part_schema`.

    >>> part_field("mm", "clear aperture diameter").metadata["spec"].unit
    'mm'
    """
    return field(default=None, metadata={"spec": FieldSpec("", unit, doc, **options)})


@functools.lru_cache(maxsize=None)
def _schema(cls):
    specs = {}
    for f in fields(cls):
        spec = f.metadata.get("spec")
        if spec is not None:
            specs[f.name] = FieldSpec(f.name, *[getattr(spec, a.name) for a in fields(FieldSpec)][1:])
    return MappingProxyType(specs)


def part_schema(cls) -> "MappingProxyType":
    """The value fields of a part class: ``{key: FieldSpec}`` in declaration order.

    Parameters
    ----------
    cls : type or Part
        A part class (or a part).

    >>> spec = part_schema(Objective)["back_aperture"]
    >>> spec.unit, spec.derived, spec.inputs
    ('mm', '2 * na * efl', ('na', 'efl'))
    >>> [k for k, s in part_schema(TunableLensPart).items() if s.required]
    ['aperture', 'power_min', 'power_max']
    """
    if isinstance(cls, Part):
        cls = type(cls)
    if not (isinstance(cls, type) and issubclass(cls, Part)):
        raise OpticsTypeError(f"part_schema needs a part class, got {cls!r}")
    return _schema(cls)


def _keyed(err, key):
    """Mark an error with the value key it is about (readers look up its line)."""
    if getattr(err, "key", None) is None:
        err.key = key
    return err


# --------------------------------------------------------------------------- the part base


@dataclass(frozen=True)
class Part:
    """Base class of the part kinds: checks every schema value, keeps provenance, replace.

    Parameters
    ----------
    sources : dict
        Key to :class:`ValueSource`: where each value comes from.

    A kind subclasses it with a ``KIND`` (data-file table name), a
    ``DATA_FILE``, a ``name`` field and one :func:`part_field` per value;
    ``_derive(label)`` may fill derived values and apply cross-value rules.
    """

    #: Table name of the kind in data files ([[objective]], ...); set per class.
    KIND = ""
    #: The packaged data file of the kind (in optics/catalog/data); set per class.
    DATA_FILE = ""

    sources: object = field(default=None, compare=False, repr=False, kw_only=True)

    def _label(self):
        return f"{type(self).__name__} {self.name!r}"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise OpticsTypeError(f"{type(self).__name__}: name must be a non-empty string, got {self.name!r}")
        schema = part_schema(type(self))
        label = self._label()
        given = []
        for key, spec in schema.items():
            raw = getattr(self, key)
            if raw is None:
                if spec.required:
                    raise _keyed(InvalidParameterError(f"{label}: {key} is required ({spec.doc})"), key)
                continue
            given.append(key)
            object.__setattr__(self, key, self._checked(label, spec, raw))
        for key in given:
            for other in schema[key].exclusive:
                if other in given:
                    raise _keyed(InvalidParameterError(
                        f"{label}: give only one of {key} or {other}"), other)
        object.__setattr__(self, "_given", frozenset(given))
        try:
            self._derive(label)
        except OpticsError as err:
            raise _keyed(err, None)
        for key, spec in schema.items():
            if getattr(self, key) is None and spec.default is not None:
                object.__setattr__(self, key, self._checked(label, spec, spec.default))
        object.__setattr__(self, "sources", self._checked_sources(label, given))

    @staticmethod
    def _checked(label, spec, raw):
        name = f"{label}: {spec.name}"
        try:
            if spec.unit == _TEXT:
                if not isinstance(raw, str) or not raw.strip():
                    raise OpticsTypeError(f"{name} must be a non-empty string, got {raw!r}")
                if spec.choices and raw not in spec.choices:
                    raise InvalidParameterError(
                        f"{name} must be one of {', '.join(map(repr, spec.choices))}, got {raw!r}")
                return raw
            unit = "dimensionless" if spec.unit == _NUMBER else spec.unit
            if spec.plain:
                check_plain(raw, unit, spec.plain, name=name)
            if spec.signed:
                checked = validate.finite(raw, unit, name)
            else:
                checked = validate.positive(raw, unit, name)
            if not isinstance(checked, float):
                raise OpticsTypeError(f"{name} must be a single value, got an array")
            return checked if spec.unit == _NUMBER else quantity(checked, spec.unit)
        except OpticsError as err:
            raise _keyed(err, spec.name)

    def _checked_sources(self, label, given):
        sources = self.sources or {}
        if isinstance(sources, tuple):  # the stored form, from a copy
            sources = dict(sources)
        if not hasattr(sources, "items"):
            raise OpticsTypeError(f"{label}: sources must map value keys to ValueSource, got {sources!r}")
        out = {}
        for key, src in sources.items():
            if key not in given:
                raise _keyed(InvalidParameterError(
                    f"{label}: a source is given for {key!r}, which is not a value given to the part"), key)
            if not isinstance(src, ValueSource):
                raise OpticsTypeError(f"{label}: source of {key!r} must be a ValueSource, got {src!r}")
            out[key] = src
        # Stored as (key, ValueSource) pairs in schema order: immutable, picklable, copyable.
        return tuple((k, out[k]) for k in part_schema(type(self)) if k in out)

    def _derive(self, label):
        """Fill derived values and apply the kind's cross rules (per class)."""

    def _set(self, key, value):
        object.__setattr__(self, key, value)

    # -- provenance --------------------------------------------------------------
    @property
    def given(self) -> frozenset:
        """Keys of the values given to the constructor (the rest are derived, default or unknown)."""
        return self._given

    def _derived_source(self, key, spec):
        return ValueSource("derived", f"{spec.derived} ({spec.doc})", spec.derived)

    @property
    def provenance(self) -> "MappingProxyType":
        """``{key: ValueSource}`` for every known value (None values are unknown and absent).

        >>> Lens("relay", f=75).provenance["f"].tier
        'unstated'
        """
        out = {}
        for key, spec in part_schema(type(self)).items():
            if getattr(self, key) is None:
                continue
            if key in self._given:
                out[key] = dict(self.sources).get(key) or ValueSource("unstated", "given in code without a source")
            elif spec.derived:
                out[key] = self._derived_source(key, spec)
            else:
                out[key] = ValueSource("default", f"default when not given: {spec.text(getattr(self, key))}")
        return MappingProxyType(out)

    def confirmed(self, key) -> bool:
        """True if maker or seller text confirms value *key* (derived: all its inputs).

        Parameters
        ----------
        key : str
            A value key of the part's schema.
        """
        prov = self.provenance
        spec = part_schema(type(self))[key]
        src = prov.get(key)
        if src is None:
            return False
        if src.tier in _CONFIRMING:
            return True
        if src.tier == "derived":
            inputs = [k for k in spec.inputs if k in prov] if key not in self._given else []
            return all(self.confirmed(k) for k in inputs)
        return src.tier == "default" and spec.unit == _TEXT

    @property
    def verified(self) -> bool:
        """True only if maker or seller text confirms every known value."""
        prov = self.provenance
        return bool(prov) and all(self.confirmed(k) for k in prov)

    def rows(self, missing=None) -> tuple:
        """One ``(key, value text, tier, detail)`` row per value of the schema, for reports.

        *detail* is the formula of a derived value, else the reference; an
        unknown value reads ``("unknown", "-", reason)``.

        Parameters
        ----------
        missing : mapping, optional
            ``{key: reason}`` for unknown values (a catalog entry's ``missing``).

        >>> Lens("relay", f=75).rows()[0]
        ('f', '75 mm', 'unstated', 'given in code without a source')
        """
        missing = missing or {}
        prov = self.provenance
        out = []
        for key, spec in part_schema(type(self)).items():
            src = prov.get(key)
            if src is None:
                out.append((key, "unknown", "-", missing.get(key, "")))
                continue
            detail = src.formula if src.tier == "derived" and src.formula else src.ref
            out.append((key, spec.text(getattr(self, key)), src.tier, detail))
        return tuple(out)

    @property
    def missing(self) -> tuple:
        """Keys of the values that are unknown (None)."""
        return tuple(k for k in part_schema(type(self)) if getattr(self, k) is None)

    # -- copies ------------------------------------------------------------------
    def replace(self, **changes):
        """A copy with some values changed, validated again; values not given are re-derived.

        Parameters
        ----------
        **changes
            New values by key (and ``name``); ``sources={key: ValueSource}``
            records where they come from (default: ``unstated``).

        >>> from optics import ureg
        >>> s = Scanner("galvo", aperture=10, mechanical_angle=20 * ureg.deg, kind="galvo")
        >>> s.replace(optical_angle=30 * ureg.deg).mechanical_angle.to("deg")
        <Quantity(15.0, 'degree')>
        """
        schema = part_schema(type(self))
        new_sources = dict(changes.pop("sources", None) or {})
        for key in changes:
            if key != "name" and key not in schema:
                raise InvalidParameterError(
                    f"{self._label()}: unknown value {key!r}; values are {', '.join(schema)}")
        values = {k: getattr(self, k) for k in self._given}
        sources = {k: v for k, v in self.sources if k not in changes}
        for key in changes:
            for other in schema[key].exclusive if key in schema else ():
                if other not in changes:
                    values.pop(other, None)
                    sources.pop(other, None)
        values.update(changes)
        values.setdefault("name", self.name)
        sources.update(new_sources)
        sources = {k: v for k, v in sources.items() if values.get(k) is not None}
        return type(self)(**values, sources=sources)


# --------------------------------------------------------------------------- objectives

#: Tube-lens focal length (mm) each maker designs its infinity objectives
#: for, with the source of the convention (catalog audit, section 3).
TUBE_LENS_STANDARDS = MappingProxyType({
    "nikon": (200.0, ValueSource(
        "maker", "Nikon CFI60 specification, https://www.microscopyu.com/articles/optics/nikoncfioptics "
        "(copy: micro.magnet.fsu.edu/primer/anatomy/nikoninfinity.html): 'a tube lens with a focal "
        "length of 200 millimeters'")),
    "thorlabs": (200.0, ValueSource(
        "maker", "Thorlabs objectives, https://www.thorlabs.com/newgrouppage9.cfm?objectgroup_id=9895: "
        "'Magnifications Specified for Use with a 200 mm Tube Lens'")),
    "leica": (200.0, ValueSource(
        "secondary", "copy of a Thorlabs tutorial, https://www.lotslight.com/article/76371: 'Leica, "
        "Mitutoyo, Nikon, and Thorlabs use the same tube lens focal length' (200 mm)")),
    "mitutoyo": (200.0, ValueSource(
        "seller", "Thorlabs MY-series objectives, https://www.thorlabs.com/newgrouppage9.cfm?objectgroup_id=9922: "
        "'Designed for a Tube Lens Focal Length of 200 mm'")),
    "olympus": (180.0, ValueSource(
        "secondary", "public code comments, e.g. 'Olympus uses 180 mm, and Zeiss 165 mm' and "
        "'(Nikon - 200mm, Olympus - 180mm)' (catalog audit, section 3)")),
    "evident": (180.0, ValueSource(
        "secondary", "Evident is Olympus's life-science business; Olympus convention 180 mm (catalog audit, section 3)")),
    "zeiss": (165.0, ValueSource(
        "secondary", "public code comments, e.g. 'Olympus uses 180 mm, and Zeiss 165 mm' (catalog audit, "
        "section 3); Zeiss's own nominal value was not found")),
})


def tube_lens_standard(maker: str):
    """Tube-lens focal length a maker's objectives are designed for.

    Parameters
    ----------
    maker : str
        Maker name, case ignored (Nikon, Leica, Mitutoyo, Thorlabs, Olympus, Evident, Zeiss).

    >>> tube_lens_standard("Olympus")
    <Quantity(180.0, 'millimeter')>
    """
    key = str(maker).strip().lower()
    if key not in TUBE_LENS_STANDARDS:
        known = ", ".join(sorted(TUBE_LENS_STANDARDS))
        raise InvalidParameterError(f"unknown objective maker {maker!r}; known tube-lens standards: {known}")
    return quantity(TUBE_LENS_STANDARDS[key][0], "mm")


@dataclass(frozen=True)
class Objective(Part):
    r"""An infinity-corrected microscope objective.

    Parameters
    ----------
    name : str
        Name of the part.
    magnification, na, maker, tube_lens_f, immersion_index, efl, back_aperture,
    working_distance, field_number, parfocal_length :
        The values of :func:`part_schema` ``(Objective)``; lengths as
        Quantities or numbers in mm.  ``efl`` defaults to
        :math:`f_\mathrm{TL}/M` and ``back_aperture`` to
        :math:`2\,\mathrm{NA}\,f_o`.
    sources : mapping, optional
        ``{key: ValueSource}`` for the given values.
    """

    KIND = "objective"
    DATA_FILE = "objectives.toml"

    name: str
    magnification: float = part_field(_NUMBER, "nominal magnification with the maker's tube lens", required=True)
    na: float = part_field(_NUMBER, "numerical aperture (at most the immersion index)", required=True)
    maker: str = part_field(_TEXT, "maker; selects the tube-lens standard")
    tube_lens_f: object = part_field("mm", "tube-lens focal length the magnification refers to",
                                derived="tube-lens standard of the maker", inputs=("maker",))
    immersion_index: float = part_field(_NUMBER, "refractive index of the immersion medium (1 air, 1.333 water)",
                                   default=1.0)
    efl: object = part_field("mm", "effective focal length", derived="tube_lens_f / magnification",
                        inputs=("tube_lens_f", "magnification"))
    back_aperture: object = part_field("mm", "back-aperture (entrance pupil) diameter", derived="2 * na * efl",
                                  inputs=("na", "efl"))
    working_distance: object = part_field("mm", "working distance")
    field_number: object = part_field("mm", "field number (intermediate-image field diameter)")
    parfocal_length: object = part_field("mm", "parfocal length (shoulder to focal plane)")

    def _derive(self, label):
        n = self.immersion_index if self.immersion_index is not None else 1.0
        validate.refractive_index(n, f"{label}: immersion_index")
        try:
            validate.na_within_index(self.na, n, f"{label}")
        except OpticsError as err:
            raise _keyed(err, "na")
        tube = self.tube_lens_f
        if tube is None and self.maker and self.maker.strip().lower() in TUBE_LENS_STANDARDS:
            tube = tube_lens_standard(self.maker)
        efl = self.efl
        if efl is None:
            if tube is None:
                why = f"maker {self.maker!r} has no known tube-lens standard" if self.maker else "no maker"
                raise _keyed(InvalidParameterError(
                    f"{label}: give efl or tube_lens_f ({why}; known standards: "
                    f"{', '.join(sorted(TUBE_LENS_STANDARDS))})"), "efl")
            efl = tube / self.magnification
        back = self.back_aperture if self.back_aperture is not None else 2 * self.na * efl
        self._set("tube_lens_f", tube)
        self._set("efl", efl.to("mm"))
        self._set("back_aperture", back.to("mm"))

    def _derived_source(self, key, spec):
        if key == "tube_lens_f":
            std, src = TUBE_LENS_STANDARDS[self.maker.strip().lower()]
            return ValueSource(src.tier, f"{self.maker} objectives are specified for a {std:g} mm tube lens: {src.ref}")
        return super()._derived_source(key, spec)


# --------------------------------------------------------------------------- lenses


@dataclass(frozen=True)
class Lens(Part):
    """A stock lens (scan lens, tube lens, achromat) with its clear aperture and geometry.

    Parameters
    ----------
    name : str
        Name of the part.
    f, aperture, kind, diameter, bfl, ffl, center_thickness, edge_thickness, mechanical_length, mapping :
        The values of :func:`part_schema` ``(Lens)``; lengths as Quantities
        or numbers in mm.  Only *f* is required; unknown values are None.
    sources : mapping, optional
        ``{key: ValueSource}`` for the given values.

    >>> Lens("AC254-050-B", f=50, aperture=22.86, kind="achromat").f
    <Quantity(50.0, 'millimeter')>
    """

    KIND = "lens"
    DATA_FILE = "lenses.toml"

    name: str
    f: object = part_field("mm", "effective focal length", required=True)
    aperture: object = part_field("mm", "clear aperture diameter")
    kind: str = part_field(_TEXT, "role: scan, tube, achromat or lens", choices=("scan", "tube", "achromat", "lens"),
                      default="lens")
    diameter: object = part_field("mm", "mechanical (outer) diameter of the lens")
    bfl: object = part_field("mm", "back focal length (last vertex to back focus)", signed=True)
    ffl: object = part_field("mm", "front focal length (front focus to first vertex)", signed=True)
    center_thickness: object = part_field("mm", "centre thickness (first to last vertex)")
    edge_thickness: object = part_field("mm", "edge thickness")
    mechanical_length: object = part_field("mm", "length of the housing (scan and tube lenses)")
    mapping: str = part_field(_TEXT, "scan mapping: f-tan (distortion-free) or f-theta", choices=("f-tan", "f-theta"))


# --------------------------------------------------------------------------- scanners


@dataclass(frozen=True)
class Scanner(Part):
    r"""A scan mirror: resonant scanner, galvanometer or polygon.

    Give the full (peak-to-peak) scan angle as either the *optical* angle
    (the deflection of the beam) or the *mechanical* angle of the mirror;
    the optical angle is twice the mechanical one and below 180 deg.

    Parameters
    ----------
    name : str
        Name of the part.
    aperture, optical_angle, mechanical_angle, frequency, kind :
        The values of :func:`part_schema` ``(Scanner)``; angles as
        Quantities or numbers in rad, frequency in Hz.
    sources : mapping, optional
        ``{key: ValueSource}`` for the given values.

    >>> from optics import ureg
    >>> Scanner("8 kHz resonant", aperture=5, mechanical_angle=13 * ureg.deg).optical_angle.to("deg")
    <Quantity(26.0, 'degree')>
    """

    KIND = "scanner"
    DATA_FILE = "scanners.toml"

    name: str
    aperture: object = part_field("mm", "usable (clear) mirror aperture diameter (None: unknown)")
    optical_angle: object = part_field("rad", "full (peak-to-peak) optical scan angle", display="deg",
                                  derived="2 * mechanical_angle", inputs=("mechanical_angle",),
                                  exclusive=("mechanical_angle",), plain="scan angle")
    mechanical_angle: object = part_field("rad", "full (peak-to-peak) mechanical scan angle", display="deg",
                                     derived="optical_angle / 2", inputs=("optical_angle",),
                                     exclusive=("optical_angle",), plain="scan angle")
    frequency: object = part_field("Hz", "line (resonance) frequency of a resonant scanner", display="kHz",
                                plain="resonant frequency")
    kind: str = part_field(_TEXT, "resonant, galvo or polygon", choices=("resonant", "galvo", "polygon"),
                      default="resonant")

    def _derive(self, label):
        if self.optical_angle is None and self.mechanical_angle is None:
            return  # the maximum angle is unknown (a design then gives the scan_angle it uses)
        optical = self.optical_angle if self.optical_angle is not None else 2 * self.mechanical_angle
        key = "optical_angle" if self.optical_angle is not None else "mechanical_angle"
        try:
            validate.scan_angle(optical.magnitude, f"{label}: optical scan angle")
        except OpticsError as err:
            raise _keyed(err, key)
        self._set("optical_angle", optical)
        self._set("mechanical_angle", optical / 2)


# --------------------------------------------------------------------------- tunable lenses


@dataclass(frozen=True)
class TunableLensPart(Part):
    """An electrically tunable lens (ETL) with its focal-power range.

    Parameters
    ----------
    name : str
        Name of the part.
    aperture, power_min, power_max, offset_power :
        The values of :func:`part_schema` ``(TunableLensPart)``; powers as
        Quantities or numbers in diopters.
    sources : mapping, optional
        ``{key: ValueSource}`` for the given values.

    >>> TunableLensPart("EL-16-40-TC", aperture=16, power_min=-10, power_max=10).power_max
    <Quantity(10.0, 'diopter')>
    """

    KIND = "etl"
    DATA_FILE = "etls.toml"

    name: str
    aperture: object = part_field("mm", "clear aperture diameter", required=True)
    power_min: object = part_field("dpt", "lowest power of the lens (with its offset lens, if built in)",
                              required=True, signed=True)
    power_max: object = part_field("dpt", "highest power of the lens", required=True, signed=True)
    offset_power: object = part_field("dpt", "power of a separate offset lens mounted with it", signed=True,
                                 default=0.0)

    def _derive(self, label):
        try:
            validate.power_range(self.power_min.magnitude, self.power_max.magnitude, label)
        except OpticsError as err:
            raise _keyed(err, "power_max")

    def check_power(self, power):
        """Raise if *power* (diopters) is outside the part's range.

        Parameters
        ----------
        power : optical power
            Quantity or number in dpt.
        """
        label = self._label()
        p = quantity(validate.finite(power, "dpt", f"{label}: power"), "dpt")
        if not self.power_min.magnitude <= p.magnitude <= self.power_max.magnitude:
            raise InvalidParameterError(
                f"{label}: power {p:~P} is outside its range "
                f"{self.power_min.magnitude:g} to {self.power_max.magnitude:g} dpt"
            )
        return p


def part_kinds() -> "MappingProxyType":
    """Part kinds by data-file table name: ``{"objective": Objective, ...}``.

    Every subclass of the part base class with a ``KIND`` is a kind (in
    definition order): a new kind needs only its class and its data file.

    >>> list(part_kinds())
    ['objective', 'lens', 'scanner', 'etl']
    """
    found, todo = [], list(Part.__subclasses__())
    while todo:
        cls = todo.pop(0)
        if cls.KIND and cls not in found:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return MappingProxyType({cls.KIND: cls for cls in found})
