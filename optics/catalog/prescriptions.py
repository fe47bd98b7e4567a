"""Lens prescriptions from data files: catalog achromats by part name.

The packaged file ``optics/catalog/data/prescriptions.toml`` holds the surfaces
(radii, centre thicknesses, glasses) of stock achromats, each with its source
and the maker's focal length and back focal length at the reference
wavelength.  Each entry becomes a :class:`~optics.core.chromatic.Prescription`.

Format: one ``[[prescription]]`` table per part with ``name``, ``radii_mm``
(``"flat"`` for a flat surface: TOML files here hold no infinities), ``thicknesses_mm``, ``glasses``, ``source`` and
``known``; optionally ``efl_mm``, ``bfl_mm``, ``reference_wavelength_nm``,
``design_wavelengths_nm``, ``diameter_mm``, ``catalog_lens`` (the matching
entry of the lens catalog).  Nothing is evaluated; errors name the file, line
and key.

>>> p = prescription("Thorlabs AC254-050-B")
>>> p.glasses, p.reference_wavelength_nm, p.catalog_lens
(('N-LAK22', 'N-SF6HT'), 855.0, 'Thorlabs AC254-050')
>>> "Thorlabs AC508-200-B" in prescription_names()
True
"""

from __future__ import annotations

import math

import difflib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from optics.catalog.tomlfiles import key_line, read_toml
from optics.core.chromatic import Prescription
from optics.errors import DesignFileError, OpticsError, PartNotFoundError

__all__ = ["prescription", "prescription_names", "prescriptions_for_lens", "read_prescriptions"]

_REQUIRED = ("name", "radii_mm", "thicknesses_mm", "glasses", "source", "known")
_OPTIONAL = ("efl_mm", "bfl_mm", "reference_wavelength_nm", "design_wavelengths_nm", "diameter_mm",
             "catalog_lens")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_prescriptions(text: str, label: str = "<text>") -> dict:
    """Read prescriptions from TOML text; returns ``{name: Prescription}``.

    Parameters
    ----------
    text : str
        The file's text.
    label : str
        File name for error messages.

    Raises
    ------
    DesignFileError
        Naming the file, line and key of a missing or malformed value, an
        unknown key or glass.

    >>> text = '''
    ... [[prescription]]
    ... name = "singlet"
    ... radii_mm = [51.5, "flat"]
    ... thicknesses_mm = [5.0]
    ... glasses = ["N-BK7"]
    ... source = "hand example"
    ... known = "derived"
    ... '''
    >>> read_prescriptions(text)["singlet"].radii
    (51.5, inf)
    """
    data = read_toml(text, label)
    lines = text.splitlines()
    out = {}
    unknown_tables = [k for k in data if k != "prescription"]
    if unknown_tables:
        raise DesignFileError(f"{label}: unknown table [[{unknown_tables[0]}]] (expected [[prescription]])")
    for index, item in enumerate(data.get("prescription", [])):

        def fail(key, message):
            line = key_line(lines, "prescription", key, index)
            where = f"{label}, line {line}" if line else label
            raise DesignFileError(f"{where}: prescription {item.get('name', index + 1)!r}: {key}: {message}")

        for key in item:
            if key not in _REQUIRED + _OPTIONAL:
                close = difflib.get_close_matches(key, _REQUIRED + _OPTIONAL, n=1)
                fail(key, "unknown key" + (f" (did you mean {close[0]!r}?)" if close else ""))
        for key in _REQUIRED:
            if key not in item:
                fail(key, "missing")
        for key in ("name", "source", "known", "catalog_lens"):
            if key in item and not (isinstance(item[key], str) and item[key].strip()):
                fail(key, f"must be a non-empty string, got {item[key]!r}")
        if isinstance(item.get("radii_mm"), list):
            item = dict(item, radii_mm=[math.inf if r == "flat" else r for r in item["radii_mm"]])
        for key in ("radii_mm", "thicknesses_mm", "design_wavelengths_nm"):
            if key in item and not (isinstance(item[key], list) and all(_number(v) for v in item[key])):
                fail(key, f"must be a list of numbers, got {item[key]!r}")
        if not (isinstance(item["glasses"], list) and all(isinstance(g, str) for g in item["glasses"])):
            fail("glasses", f"must be a list of glass names, got {item['glasses']!r}")
        for key in ("efl_mm", "bfl_mm", "reference_wavelength_nm", "diameter_mm"):
            if key in item and not _number(item[key]):
                fail(key, f"must be a number, got {item[key]!r}")
        name = item["name"]
        if name in out:
            fail("name", "appears twice")
        try:
            out[name] = Prescription(
                name,
                tuple(item["radii_mm"]),
                tuple(item["thicknesses_mm"]),
                tuple(item["glasses"]),
                efl=item.get("efl_mm"),
                bfl=item.get("bfl_mm"),
                reference_wavelength_nm=item.get("reference_wavelength_nm"),
                design_wavelengths_nm=tuple(item.get("design_wavelengths_nm", ())),
                diameter=item.get("diameter_mm"),
                source=item["source"],
                known=item["known"],
                catalog_lens=item.get("catalog_lens"),
            )
        except DesignFileError:
            raise
        except OpticsError as err:
            key = "glasses" if isinstance(err, PartNotFoundError) else "radii_mm"
            fail(key, str(err))
    return out


_LABEL = "optics/catalog/data/prescriptions.toml"


@lru_cache(maxsize=1)
def _packaged() -> dict:
    text = resources.files("optics.catalog").joinpath("data", "prescriptions.toml").read_text(encoding="utf-8")
    return read_prescriptions(text, _LABEL)


def _key(name: str) -> str:
    return name.strip().upper().replace(" ", "").replace("_", "-")


def prescription_names() -> tuple:
    """Names of the packaged prescriptions, sorted."""
    return tuple(sorted(_packaged()))


def prescription(name: str, *, path=None) -> Prescription:
    """A lens prescription by part name (``"Thorlabs AC254-050-B"`` or ``"AC254-050-B"``).

    Parameters
    ----------
    name : str
        Part name, with its coating suffix; the maker prefix may be left out.
    path : str or Path, optional
        Read this file instead of the packaged one.

    Raises
    ------
    PartNotFoundError
        For an unknown part; the message lists close matches.

    >>> prescription("AC254-100-B").efl
    100.0
    """
    table = _packaged() if path is None else read_prescriptions(Path(path).read_text(encoding="utf-8"), str(path))
    keys = {}
    for full in table:
        keys[_key(full)] = full
        keys.setdefault(_key(full.split(" ", 1)[-1]), full)
    found = keys.get(_key(name)) if isinstance(name, str) else None
    if found is None:
        close = difflib.get_close_matches(_key(str(name)), list(keys), n=4, cutoff=0.6)
        hint = ("close matches: " + ", ".join(repr(keys[c]) for c in close)) if close else (
            f"see prescription_names() for all {len(table)}")
        raise PartNotFoundError(f"no prescription for {name!r}; {hint}")
    return table[found]



def prescriptions_for_lens(lens_name: str) -> tuple:
    """Packaged prescriptions of a lens-catalog entry (one per coating variant), sorted by name.

    Parameters
    ----------
    lens_name : str
        A lens catalog name or alias.

    The lens catalog names stock achromats without their coating suffix
    (``"Thorlabs AC254-100"``); Thorlabs sells each in coating variants of
    different design (``-A`` visible, ``-AB`` 400-1100 nm, ``-B`` near infrared), each with its
    own prescription.  Empty when none is known.

    >>> [p.name for p in prescriptions_for_lens("Thorlabs AC254-100")]
    ['Thorlabs AC254-100-A', 'Thorlabs AC254-100-AB', 'Thorlabs AC254-100-B']
    """
    key = _key(lens_name)
    return tuple(p for _, p in sorted(_packaged().items())
                 if p.catalog_lens and key in (_key(p.catalog_lens), _key(p.catalog_lens.split(" ", 1)[-1])))
