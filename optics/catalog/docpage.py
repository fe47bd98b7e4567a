"""The documentation page of the packaged parts, generated from the data files.

``python -m optics.catalog.docpage docs/parts.md`` writes it; a test checks
that the page in the repository is current.

>>> text = catalog_markdown()
>>> text.startswith("# Packaged parts")
True
"""

from __future__ import annotations

import sys
from pathlib import Path

from optics.catalog import KINDS, Catalog

__all__ = ["catalog_markdown", "main"]

_TITLES = {"objective": "Objectives", "lens": "Lenses", "scanner": "Scan mirrors", "etl": "Tunable lenses"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def catalog_markdown(catalog: Catalog | None = None) -> str:
    """Markdown listing every part with its values, units, source tiers and references.

    Parameters
    ----------
    catalog : Catalog, optional
        Default: the packaged catalog.
    """
    catalog = catalog or Catalog.default()
    out = [
        "# Packaged parts",
        "",
        "<!-- Generated from optics/catalog/data/*.toml by `python -m optics.catalog.docpage docs/parts.md`;"
        " do not edit by hand (a test checks that it is current). -->",
        "",
        "Every value with its source tier: *maker* or *seller* text, *secondary* (paper methods, public",
        "configuration files, lab inventories), *derived* (with its formula).  A part is *verified* only",
        "when maker or seller text confirms every value.  *unknown*: looked for and not found.",
        "See [the catalog page](catalog.md) for the file format and `optics parts -v` to browse.",
        "",
    ]
    for kind in KINDS:
        entries = [e for e in catalog.entries if e.kind == kind]
        out += [f"## {_TITLES[kind]} ({len(entries)})", ""]
        for entry in entries:
            flag = "verified" if entry.verified else "not verified"
            out.append(f"### {entry.name}")
            out.append("")
            also = f"Also: {', '.join(entry.aliases)}. " if entry.aliases else ""
            out.append(f"{also}{flag}; `{entry.file}`, line {entry.line}.")
            if entry.notes:
                out += ["", _cell(entry.notes)]
            out += ["", "| value | | tier | source |", "|---|---|---|---|"]
            for key, value, tier, detail in entry.rows():
                out.append(f"| {key} | {_cell(value)} | {tier} | {_cell(detail)} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv=None) -> int:
    """Write the page to the path given as the only argument.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).
    """
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m optics.catalog.docpage docs/parts.md", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(catalog_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
