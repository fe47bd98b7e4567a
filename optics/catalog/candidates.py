"""Catalog lenses as search candidates: every stock achromat, filtered by family, diameter and coating.

The search (:func:`optics.microscope.search.search_lens_sets`, layer 2) takes
:class:`~optics.microscope.parts.Lens` parts; this module picks them from a
:class:`~optics.catalog.Catalog`.  A part number such as ``AC254-030-B``
reads as family ``AC254``, focal length 30 mm and coating letter ``B`` (the
maker's anti-reflection coating code, compared as text).

>>> from optics.catalog import Catalog
>>> lenses = search_candidates(Catalog.default(), "relay1_1", families=["AC508"], coatings=["B"])
>>> sorted({part_family(p.name) for p in lenses})
['AC508']
"""

from __future__ import annotations

import math

from optics.errors import InvalidParameterError

__all__ = ["part_family", "part_coating", "search_candidates", "path_candidates"]


def _part_number(name: str) -> str:
    return name.split()[-1] if name.split() else ""


def part_family(name: str) -> str:
    """Family of a part number: the text before its first hyphen (``"AC254"`` for ``"Thorlabs AC254-030-B"``).

    Parameters
    ----------
    name : str
        Part name (maker and part number).

    >>> part_family("Thorlabs AC508-1000-B")
    'AC508'
    """
    return _part_number(name).split("-")[0]


def part_coating(name: str) -> str | None:
    """Coating letter of a part number: its last hyphen-separated field when that is letters only, else None.

    Parameters
    ----------
    name : str
        Part name (maker and part number).

    >>> part_coating("Thorlabs AC254-030-B"), part_coating("Thorlabs TTL200MP")
    ('B', None)
    """
    fields = _part_number(name).split("-")
    return fields[-1] if len(fields) >= 3 and fields[-1].isalpha() else None


def search_candidates(catalog, role: str, *, families=(), diameters=(), coatings=()) -> list:
    """The catalog's candidate lenses for a lens role of a search.

    Parameters
    ----------
    catalog : Catalog
        Where the parts come from.
    role : str
        Lens role (``scan_lens``, ``tube_lens``, ``relay1_1``, ``etl_relay_2``, ...).
    families : sequence of str
        Keep achromats of these families only (``"AC254"``; case ignored); empty: all.
    diameters : sequence of float
        Keep achromats of these mechanical diameters only (mm, within 0.01 mm); empty: all.
    coatings : sequence of str
        Keep achromats with these coating letters only (``"B"``; case ignored); empty: all.

    Every stock achromat (``kind = "achromat"``) passing the filters; for
    ``scan_lens`` also the catalog's scan lenses and for ``tube_lens`` its
    tube lenses (not filtered: designed lenses whose clear apertures, when
    unknown, are not checked).

    Raises
    ------
    InvalidParameterError
        When a filter names a family or coating the catalog does not have.
    """
    achromats = [p for p in catalog.lenses if p.kind == "achromat"]
    fam = {f.upper() for f in families}
    coat = {c.upper() for c in coatings}
    known_fam = {part_family(p.name).upper() for p in achromats}
    known_coat = {(part_coating(p.name) or "").upper() for p in achromats} - {""}
    for f in sorted(fam - known_fam):
        raise InvalidParameterError(f"search: no achromat family {f!r} in the catalog; families are "
                                    f"{', '.join(sorted(known_fam))}")
    for c in sorted(coat - known_coat):
        raise InvalidParameterError(f"search: no achromat coating {c!r} in the catalog; coatings are "
                                    f"{', '.join(sorted(known_coat))}")
    out = []
    for p in achromats:
        if fam and part_family(p.name).upper() not in fam:
            continue
        if coat and (part_coating(p.name) or "").upper() not in coat:
            continue
        if diameters:
            d = None if p.diameter is None else p.diameter.to("mm").magnitude
            if d is None or not any(math.isclose(d, float(x), abs_tol=0.01) for x in diameters):
                continue
        out.append(p)
    if role == "scan_lens":
        out = [p for p in catalog.lenses if p.kind == "scan"] + out
    elif role == "tube_lens":
        out = [p for p in catalog.lenses if p.kind == "tube"] + out
    return out


def path_candidates(catalog, path, roles, *, families=(), diameters=(), coatings=()) -> dict:
    """Candidates for every lens role of *path*: catalog lenses for *roles*, the path's own part for the others.

    Parameters
    ----------
    catalog : Catalog
        Where the parts come from.
    path : ScanPath
        The template path.
    roles : sequence of str
        The roles to search (:func:`search_candidates` for each).
    families, diameters, coatings : sequence
        Filters of the achromats, as in :func:`search_candidates`.

    A role not searched keeps the path's lens; when that lens is a catalog
    part (by name) the part itself is the one candidate, so that its kind is
    known (a designed scan or tube lens is not part of the aberration proxy).

    >>> from optics.design import Design
    >>> design = Design.default()
    >>> cands = path_candidates(design.catalog(), design.scan_path(check=False), ["relay1_1"])
    >>> len(cands["relay1_1"]), [p.name for p in cands["scan_lens"]]
    (27, ['Thorlabs SL50-2P2'])
    """
    out = {}
    for role in path.lens_roles:
        if role in roles:
            out[role] = search_candidates(catalog, role, families=families, diameters=diameters, coatings=coatings)
        else:
            name = path.lens(role).name
            if name and name in catalog:
                out[role] = [catalog.lens(name)]
    return out
