"""Reading the project's TOML files (part catalogs, designs) with line numbers.

TOML parsers do not report where a key sits, so error messages find it in
the text: :func:`key_line` returns the line of a key inside a table.
Nothing here evaluates anything.

>>> text = 'name = "x"\\n\\n[[lens]]\\nname = "a"\\nf = "50 mm"\\n'
>>> key_line(text.splitlines(), "lens", "f")
5
"""

from __future__ import annotations

import re

from optics.errors import DesignFileError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["read_toml", "key_line"]


def read_toml(text: str, label: str) -> dict:
    """Parse TOML text; a syntax error becomes a DesignFileError naming *label*."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DesignFileError(f"{label}: not valid TOML: {err}") from err


def key_line(lines, table, key, index=0):
    """1-based line of *key* in the *index*-th ``[table]``/``[[table]]`` (None: top level).

    Keys inside inline tables count.  When the key is not found, the table's
    header line is returned (None at top level).
    """
    start = 0
    header_line = None
    if table:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
        hits = [i for i, line in enumerate(lines) if header.match(line)]
        if not hits:
            return None
        start = hits[min(index, len(hits) - 1)] + 1
        header_line = start
    if key:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=|[{,]\s*" + re.escape(key) + r"\s*=")
        for i in range(start, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if pattern.search(lines[i]):
                return i + 1
    return header_line
