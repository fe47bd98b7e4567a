"""Reading the project's TOML files (part catalogs, designs) with line numbers.

TOML parsers do not report where a key sits, so error messages find it in
the text: :class:`LineIndex` maps every table and key to its line in one
pass over the file, and :func:`key_line` answers from it.  Nothing here
evaluates anything.

Files are read strictly and with bounds, so a careless or hostile file ends
in a :class:`~optics.errors.DesignFileError` naming the file (and, where
there is one, the line and key), never in a library exception or a hang:

- the text must be UTF-8 (a byte-order mark is allowed); UTF-16/32,
  Latin-1 and binary files are refused with a hint;
- at most :data:`MAX_FILE_BYTES` bytes and :data:`MAX_LINE_CHARS`
  characters a line;
- tables and arrays nested at most :data:`MAX_DEPTH` deep;
- strings at most :data:`MAX_VALUE_CHARS` characters, whole numbers within
  :data:`MAX_INTEGER` (exactly representable as a float), and no ``inf`` or
  ``nan`` floats (no physical value is infinite).

>>> text = 'name = "x"\\n\\n[[lens]]\\nname = "a"\\nf = "50 mm"\\n'
>>> key_line(text.splitlines(), "lens", "f")
5
>>> read_toml(b"\\xff\\xfen\\x00", "parts.toml")
Traceback (most recent call last):
...
optics.errors.DesignFileError: parts.toml: the file is UTF-16 text; save it as UTF-8
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from optics.errors import DesignFileError
from optics.text import escape_text

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "read_toml",
    "read_text_file",
    "decode_text",
    "key_line",
    "LineIndex",
    "MAX_FILE_BYTES",
    "MAX_LINE_CHARS",
    "MAX_DEPTH",
    "MAX_VALUE_CHARS",
    "MAX_INTEGER",
]

#: Largest design or catalog file read (bytes).  A catalog of 5000 lenses
#: written like ``lenses.toml`` (sources included) is 2.4 MB and reads in
#: 0.4 s; the densest TOML (``[1,\n1,\n...]``) reads at about 1.6 s per MiB
#: (measured on a loaded 2-core machine), so the bound keeps a read under ~7 s.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Longest line (characters).
MAX_LINE_CHARS = 10_000
#: Deepest nesting of tables and arrays (our files use at most 3).
MAX_DEPTH = 16
#: Longest string value (characters).
MAX_VALUE_CHARS = 10_000
#: Largest whole number (in absolute value): 2**53, beyond which a float is inexact.
MAX_INTEGER = 2**53

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def decode_text(data: bytes, label: str) -> str:
    """Decode file bytes as strict UTF-8 (a leading byte-order mark is dropped).

    Parameters
    ----------
    data : bytes
        The file's contents.
    label : str
        The file's name, for the error message.

    Raises
    ------
    DesignFileError
        For a file over :data:`MAX_FILE_BYTES`, UTF-16/32 text, binary data
        (NUL bytes) or bytes that are not UTF-8 (the message gives the line).

    Examples
    --------
    >>> decode_text("f = '50 mm'".encode("utf-8-sig"), "a.toml")
    "f = '50 mm'"
    >>> decode_text(b"name = 'caf\\xe9'", "a.toml")
    Traceback (most recent call last):
    ...
    optics.errors.DesignFileError: a.toml, line 1: not UTF-8 text (byte 0xe9); save the file as UTF-8
    """
    if not isinstance(data, (bytes, bytearray)):
        raise DesignFileError(f"{label}: expected the file's bytes, got {type(data).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise DesignFileError(
            f"{label}: the file has {len(data)} bytes, more than the {MAX_FILE_BYTES} accepted"
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise DesignFileError(f"{label}: the file is {encoding} text; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        hint = "UTF-16 text" if _looks_utf16(data) else "binary data"
        raise DesignFileError(
            f"{label}, line {line}: the file holds NUL bytes (it looks like {hint}); "
            "a design or part file is UTF-8 text"
        )
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DesignFileError(
            f"{label}, line {line}: not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"
        ) from None


def _looks_utf16(data):
    """ASCII text in UTF-16 without a byte-order mark: every other byte is NUL."""
    head = bytes(data[:256])
    if len(head) < 2:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) == len(odd) and 0 not in even) or (even.count(0) == len(even) and 0 not in odd)


def read_text_file(path, what: str = "file") -> str:
    """Read a UTF-8 text file with the bounds of :func:`decode_text`.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str
        What the file is ("design file", "part file"), for the error message.

    Returns
    -------
    str
        The file's text.

    Raises
    ------
    DesignFileError
        If the file is missing, a folder, unreadable, too large or not UTF-8.

    Examples
    --------
    >>> read_text_file("no-such-design.toml", "design file")
    Traceback (most recent call last):
    ...
    optics.errors.DesignFileError: no-such-design.toml: cannot read the design file: No such file or directory
    """
    path = Path(path)
    shown = escape_text(str(path), max_length=200)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise DesignFileError(f"{shown}: cannot read the {what}: it is a folder") from None
    except OSError as err:
        raise DesignFileError(f"{shown}: cannot read the {what}: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL character in the path
        raise DesignFileError(f"{shown}: cannot read the {what}: {err}") from None
    return decode_text(data, str(path))


def read_toml(text, label: str) -> dict:
    """Parse TOML text (or UTF-8 bytes) with the bounds above.

    Parameters
    ----------
    text : str or bytes
        The file's text, or its bytes (decoded by :func:`decode_text`).
    label : str
        The file's name, for error messages.

    Raises
    ------
    DesignFileError
        Naming *label* (and the line and key where there is one) for a
        syntax error or any bound above.

    Examples
    --------
    >>> read_toml('f = "50 mm"', "a.toml")
    {'f': '50 mm'}
    >>> read_toml("x = nan", "a.toml")
    Traceback (most recent call last):
    ...
    optics.errors.DesignFileError: a.toml, line 1: key 'x': nan is not a number a file may hold (no physical value is infinite or undefined)
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode_text(text, label)
    if not isinstance(text, str):
        raise DesignFileError(f"{label}: expected TOML text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise DesignFileError(f"{label}: the text has {len(text)} characters, more than the {MAX_FILE_BYTES} accepted")
    if text.startswith("\ufeff"):
        text = text[1:]
    _check_lines(text, label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DesignFileError(f"{label}: not valid TOML: {err}") from None
    except RecursionError:
        raise DesignFileError(f"{label}: tables or arrays nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as err:  # an integer of more than 4300 digits
        raise DesignFileError(f"{label}: not valid TOML: a whole number of too many digits ({err})") from None
    _check_values(data, text, label)
    return data


def _check_lines(text, label):
    """Refuse a line over :data:`MAX_LINE_CHARS`, naming its table and key when it starts with one."""
    if len(text) <= MAX_LINE_CHARS or max(map(len, text.split("\n"))) <= MAX_LINE_CHARS:
        return
    start = 0
    n = len(text)
    number = 0
    header = None
    while start <= n:
        end = text.find("\n", start)
        end = n if end < 0 else end
        number += 1
        if text.startswith("[", start) or text[start:start + 200].lstrip().startswith("["):
            match = _HEADER.match(text[start:min(end, start + 200)])
            header = match.group(1) if match else header
        if end - start > MAX_LINE_CHARS:
            key = _KEY.match(text[start:start + 250])
            key = key and (key.group(1) or key.group(2) or key.group(3))
            place = (f" [{header}]" if header else "") + (f", key {key!r}" if key else "")
            raise DesignFileError(
                f"{label}, line {number}:{place} the line has {end - start} characters, "
                f"more than the {MAX_LINE_CHARS} accepted"
            )
        start = end + 1


def _check_values(data, text, label):
    """Walk the parsed data without recursion; refuse deep nesting and unbounded values.

    The walk runs without paths; only when it finds a problem does a second
    walk, with paths, name the place (same order, so the same problem).
    """
    if _first_problem(data, with_paths=False) is None:
        return
    path, message = _first_problem(data, with_paths=True)
    table, key, position = _table_and_key(path)
    line = LineIndex(text).line(table, key, position) if key is not None else None
    where = f"{label}, line {line}" if line else label
    raise DesignFileError(f"{where}{_place(path)}: {message}")


def _first_problem(data, *, with_paths):
    """``(path, message)`` of the first value breaking a bound, or None."""
    stack = [((), 0, data)]
    while stack:
        path, depth, value = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= MAX_DEPTH:
                return path, f"tables or arrays nested more than {MAX_DEPTH} levels deep"
            for key, item in value.items():
                if len(key) > 200:
                    return path, f"a key of {len(key)} characters (at most 200)"
                stack.append((path + (key,) if with_paths else path, depth + 1, item))
        elif kind is list:
            if depth >= MAX_DEPTH:
                return path, f"tables or arrays nested more than {MAX_DEPTH} levels deep"
            if with_paths:
                stack.extend((path + (i,), depth + 1, item) for i, item in enumerate(value))
            else:
                stack.extend((path, depth + 1, item) for item in value)
        elif kind is str:
            if len(value) > MAX_VALUE_CHARS:
                return path, f"a text of {len(value)} characters (at most {MAX_VALUE_CHARS})"
        elif kind is int:
            if not -MAX_INTEGER <= value <= MAX_INTEGER:
                return path, f"the whole number {_short_int(value)} is beyond ±2**53"
        elif kind is float:
            if not math.isfinite(value):
                return path, f"{value} is not a number a file may hold (no physical value is infinite or undefined)"
    return None


def _place(path):
    """``: [objective] #1, key 'na'`` for a data path (deep paths abbreviated)."""
    if not path:
        return ""
    names = [p for p in path if isinstance(p, str)]
    table = ""
    if len(names) > 1:
        table = f"[{names[0]}]"
        if len(path) > 1 and isinstance(path[1], int):
            table += f" #{path[1] + 1}"
        table += ", "
    deep = " (nested)" if len(path) > 4 else ""
    return f": {table}key {names[-1]!r}{deep}" if names else ""


def _short_int(value):
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} digits)"


def _table_and_key(path):
    """``(table, key, index)`` of a data path for the line lookup (index: which ``[[table]]``)."""
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return None, None, 0
    if len(names) == 1:
        return None, names[0], 0
    position = path[1] if len(path) > 1 and isinstance(path[1], int) else 0
    return names[0], names[1], position


# ------------------------------------------------------------------------------ line index

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]*?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""(?:^|[{,])\s*(?:"([^"\\]{1,200})"|'([^']{1,200})'|([A-Za-z0-9_-]+))\s*=""")


class LineIndex:
    """Where each ``[table]`` header and each key sits in a TOML text, built in one pass.

    A *section* runs from a line starting with ``[`` (or the start of the
    file) to the next such line; a key's line is its first occurrence in its
    section (keys inside inline tables count).

    Parameters
    ----------
    text : str or list of str
        The file's text, or its lines.

    Examples
    --------
    >>> index = LineIndex('a = 1\\n[[lens]]\\nf = "5 mm"\\n[[lens]]\\nf = "6 mm"\\n')
    >>> index.line("lens", "f", 1), index.line(None, "a"), index.line("lens", "g")
    (5, 1, 2)
    """

    __slots__ = ("_headers", "_keys", "_starts")

    def __init__(self, text):
        lines = text.splitlines() if isinstance(text, str) else list(text)
        headers: dict = {}  # table name -> [section number, ...] in order
        keys: list = [{}]  # per section: key -> 0-based line
        starts = [0]  # per section: 0-based line of its first line
        for number, line in enumerate(lines):
            if line.lstrip().startswith("["):
                keys.append({})
                starts.append(number)
                match = _HEADER.match(line)
                if match:
                    headers.setdefault(match.group(1), []).append(len(keys) - 1)
                continue
            if "=" not in line:
                continue
            section = keys[-1]
            for match in _KEY.finditer(line):
                section.setdefault(match.group(1) or match.group(2) or match.group(3), number)
        self._headers = headers
        self._keys = keys
        self._starts = starts

    def line(self, table, key, index=0):
        """1-based line of *key* in the *index*-th ``[table]`` (None: top level).

        Parameters
        ----------
        table : str or None
            Table name (None: top level).
        key : str or None
            Key in the table (None: the table header).
        index : int
            Which table of an array of tables.

        When the key is not found, the table's header line is returned (None
        at top level, or for an unknown table).
        """
        if table:
            sections = self._headers.get(table)
            if not sections:
                return None
            section = sections[min(index, len(sections) - 1)] if index >= 0 else sections[0]
            header_line = self._starts[section] + 1
        else:
            section, header_line = 0, None
        if key:
            found = self._keys[section].get(key)
            if found is not None:
                return found + 1
        return header_line


# One index per lines list: callers pass the same list for every lookup in a
# file, so the index is built once (a few recent lists are kept, held
# strongly so their ids stay theirs).
_RECENT: list = []


def _index_of(lines):
    if isinstance(lines, LineIndex):
        return lines
    for held, index, size in _RECENT:
        if held is lines and size == len(lines):
            return index
    index = LineIndex(lines)
    _RECENT.insert(0, (lines, index, len(lines)))
    del _RECENT[4:]
    return index


def key_line(lines, table, key, index=0):
    """1-based line of *key* in the *index*-th ``[table]``/``[[table]]`` (None: top level).

    Keys inside inline tables count.  When the key is not found, the table's
    header line is returned (None at top level).

    Parameters
    ----------
    lines : list of str or LineIndex
        The file's lines (indexed once per list object, so repeated lookups
        in one file cost a dictionary look-up each), or a :class:`LineIndex`.
    table : str or None
        The table's name, None for the top level.
    key : str or None
        The key; None asks for the table's header line.
    index : int
        Which ``[[table]]`` of an array of tables (0 for the first).

    Returns
    -------
    int or None

    Examples
    --------
    >>> key_line(["[[lens]]", "f = 1", "[[lens]]", "f = 2"], "lens", "f", 1)
    4
    """
    return _index_of(lines).line(table, key, index)
