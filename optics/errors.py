"""Exceptions and warnings raised by :mod:`optics`.

Every error the library raises on bad input is an :class:`OpticsError`, and
also a :class:`ValueError` or :class:`TypeError`, so callers can catch either
the project's base class or the built-in one.  Messages name the element or
parameter and the offending value.

>>> from optics import ThinLens
>>> ThinLens(0)
Traceback (most recent call last):
...
optics.errors.InvalidParameterError: ThinLens: focal length f must be non-zero and finite, got 0
"""

from __future__ import annotations

__all__ = [
    "OpticsError",
    "OpticsValueError",
    "OpticsTypeError",
    "InvalidParameterError",
    "DimensionError",
    "UnitTextError",
    "MissingSymbolsError",
    "AfocalError",
    "NoFocusError",
    "NonFiniteResultError",
    "PlaneError",
    "PartNotFoundError",
    "UnknownReportItemError",
    "DesignFileError",
    "UsageError",
    "OpticsWarning",
    "ClippingWarning",
    "ConjugationWarning",
]


class OpticsError(Exception):
    """Base class of every exception raised by :mod:`optics`."""


class OpticsValueError(OpticsError, ValueError):
    """A value is outside what the calculation can accept."""


class OpticsTypeError(OpticsError, TypeError):
    """A value has a type the calculation cannot accept (for example a string)."""


class InvalidParameterError(OpticsValueError):
    """An element, part or beam parameter is out of its valid range."""


class DimensionError(OpticsTypeError):
    """A quantity has the wrong physical dimension (an angle where a length belongs)."""


class UnitTextError(OpticsValueError):
    """A text quantity such as ``"50 mm"`` cannot be read: bad number, unknown unit or bad syntax."""


class MissingSymbolsError(OpticsValueError):
    """A symbolic expression was evaluated without values for all its symbols.

    Parameters
    ----------
    context : str
        Who asks, for the message.

    Attributes
    ----------
    missing : tuple of str
        Names of the symbols that still need values.
    """

    def __init__(self, missing, context: str = "expression"):
        self.missing = tuple(sorted(str(s) for s in missing))
        super().__init__(
            f"cannot evaluate {context}: no value given for symbol(s) "
            + ", ".join(self.missing)
        )


class AfocalError(OpticsValueError):
    """A focal length or focus was asked of an afocal train (C = 0)."""


class NoFocusError(OpticsValueError):
    """A beam or train has no finite focus where one was asked for."""


class NonFiniteResultError(OpticsValueError):
    """An expression evaluated to infinity or NaN (a division by zero) at the given values."""


class PlaneError(OpticsValueError):
    """A plane name is unknown, duplicated or out of order."""


class PartNotFoundError(OpticsValueError):
    """A catalog part name is unknown; the message lists close matches."""


class DesignFileError(OpticsValueError):
    """A design or catalog file is malformed; the message names the key and line."""


class UsageError(OpticsValueError):
    """A command-line argument or output folder cannot be used; the message names the option."""


class UnknownReportItemError(OpticsValueError, KeyError):
    """A report item id that the report does not have (also a KeyError, as for a mapping)."""

    def __str__(self):  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class OpticsWarning(UserWarning):
    """Base class of warnings issued by :mod:`optics`."""


class ClippingWarning(OpticsWarning):
    """The beam is larger than a clear aperture somewhere in the path."""


class ConjugationWarning(OpticsWarning):
    """Planes that should be optically conjugate are not."""
