"""optics: a design calculator for point-scanning (two-photon) microscopes.

Symbolic ABCD elements compose into lens trains, from which the library
derives the beam diameter at the objective's back aperture, the field of
view and the axial focus shift of a remote tunable lens, in closed form or
as numbers with units.

>>> from optics import LensTrain, Space, ThinLens, ureg
>>> relay = LensTrain(["scanner", Space(50 * ureg.mm), ThinLens(50 * ureg.mm),
...                    Space(250 * ureg.mm), ThinLens(200 * ureg.mm), Space(200 * ureg.mm),
...                    "back_aperture"])
>>> relay.magnification("scanner", "back_aperture")
-4
"""

from .compile import CompiledExpression, compile_expr, evaluate
from .elements import ABCD, Element, Interface, Mirror, Space, ThickLens, ThinLens, TunableLens
from .errors import *  # noqa: F401,F403  (the exception hierarchy is public)
from .errors import __all__ as _error_names
from .symbolic import symbols
from .trains import ImageLocation, LensTrain, Plane, RayPoint
from . import units as _units

__version__ = "0.1.0"

__all__ = [
    "ABCD",
    "CompiledExpression",
    "Element",
    "ImageLocation",
    "Interface",
    "LensTrain",
    "Mirror",
    "Plane",
    "Quantity",
    "RayPoint",
    "Space",
    "ThickLens",
    "ThinLens",
    "TunableLens",
    "compile_expr",
    "evaluate",
    "symbols",
    "ureg",
    *_error_names,
]


def __getattr__(name):
    # optics.ureg and optics.Quantity: pint's application registry (with
    # diopters), built on first access so that ``import optics`` stays fast.
    if name in ("ureg", "Quantity"):
        return getattr(_units, name)
    raise AttributeError(f"module 'optics' has no attribute {name!r}")
