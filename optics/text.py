"""Showing untrusted text (names from design and part files) safely.

A name read from a file is printed inside reports, tables and error
messages.  Printed raw, a name holding a newline could forge report lines
(a fake "Warnings: none" block), and terminal escape codes could recolour,
move the cursor or hide the rest of the output.  :func:`escape_text` makes
every such character visible instead.

This module is at layer 0: it imports nothing from :mod:`optics`.

>>> print(escape_text("Lens A\\nWarnings: none"))
Lens A\\nWarnings: none
>>> escape_text("\\x1b[2J obj")
'\\\\x1b[2J obj'
"""

from __future__ import annotations

import difflib
import unicodedata

__all__ = ["escape_text", "escape_output", "with_article", "closest_key"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _is_unsafe(char: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides, zero-width marks), lone surrogates (Cs), line/paragraph separators."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def _escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_text(text, *, max_length=None) -> str:
    """Return *text* with every control or format character written as an escape.

    Parameters
    ----------
    text : object
        The text (anything else is shown with ``str()`` first).
    max_length : int, optional
        Cut the result to about this many characters, ending in ``...``.

    Returns
    -------
    str
        One line of printable text: newlines, tabs, escape codes and bidi
        overrides appear as ``\\n``, ``\\t``, ``\\x1b``, ``\\u202e``.  Text
        without such characters is returned unchanged; in text with them,
        backslashes are doubled so the escapes cannot be confused.

    Examples
    --------
    >>> escape_text("Nikon 16X")
    'Nikon 16X'
    >>> escape_text("a\\u202eb\\tc")
    'a\\\\u202eb\\\\tc'
    >>> len(escape_text("x" * 1000, max_length=20))
    20
    """
    if not isinstance(text, str):
        text = str(text)
    if any(_is_unsafe(c) for c in text):
        text = "".join(_escape_char(c) if _is_unsafe(c) or c == "\\" else c for c in text)
    if max_length is not None and len(text) > max_length:
        text = text[: max(0, max_length - 3)] + "..."
    return text


def escape_output(text) -> str:
    """Like :func:`escape_text` for a whole printed block: newlines are kept.

    Lines of a report stay lines; every other control or format character
    (escape codes, carriage returns, bidi overrides) is made visible.

    Parameters
    ----------
    text : object
        The block (anything else is shown with ``str()`` first).

    Returns
    -------
    str

    >>> print(escape_output("line 1\\nline\\x1b[31m 2"))
    line 1
    line\\x1b[31m 2
    """
    if not isinstance(text, str):
        text = str(text)
    return "\n".join(escape_text(line) for line in text.split("\n"))


def with_article(noun: str) -> str:
    """*noun* with its indefinite article, for messages.

    Parameters
    ----------
    noun : str

    >>> with_article("length"), with_article("optical power")
    ('a length', 'an optical power')
    """
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def closest_key(key, known):
    """The known key *key* was most likely meant to be (a different case first), or None.

    Parameters
    ----------
    key : str
        The key as written.
    known : iterable of str
        The keys allowed.

    >>> closest_key("NA", ["na", "magnification"]), closest_key("apperture", ["aperture", "f"])
    ('na', 'aperture')
    """
    known = list(known)
    folded = [k for k in known if k.casefold() == str(key).casefold()]
    if folded:
        return folded[0]
    close = difflib.get_close_matches(str(key), known, n=1)
    return close[0] if close else None
