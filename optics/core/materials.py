r"""Refractive index of optical glasses and media from published dispersion formulas.

The constants live in a data file, ``optics/core/data/glasses.toml``, each
material with its source; this module turns them into sympy expressions of
the wavelength, so the index, the group index and the group-velocity
dispersion come from exact derivatives (no finite differences).

Formulas (:math:`\lambda` the vacuum wavelength in µm):

.. math::

    n^2(\lambda) - 1 = \sum_i \frac{B_i \lambda^2}{\lambda^2 - C_i}
    \qquad \text{(Sellmeier; } C_i \text{ in µm}^2\text{, or } C_i = L_i^2\text{)}

    n_g = n - \lambda \frac{dn}{d\lambda}, \qquad
    \beta_2 = \frac{\lambda^3}{2 \pi c^2} \frac{d^2 n}{d\lambda^2}

:math:`\beta_2` (group-velocity dispersion, GVD) is returned in fs²/mm; the
group-delay dispersion of a thickness :math:`L` of the material is
:math:`\beta_2 L` (see :mod:`optics.acquisition.pulses`).

Why a data file and not the ``opticalglass`` package: opticalglass 1.1.1
(the makers' catalogs as spreadsheets) requires Python >= 3.11 (this project
supports 3.10) and pulls in scipy, pandas, xlrd, openpyxl, requests,
json_tricks, pyyaml and PySide6 (a Qt GUI toolkit), 6 MB of data and ten
dependencies for about twenty glasses' six constants each.  We ship those
constants, copied from the makers' catalog with the source named per glass,
and check them against the indices the maker tabulates (tests/test_materials.py).

Wavelengths: pint Quantities (``920 * ureg.nm``); plain numbers are mm, the
library's length unit, so ``920`` alone is read as 920 mm and refused as out
of range.

>>> from optics.units import ureg
>>> round(refractive_index("N-BK7", 587.5618 * ureg.nm), 5)
1.5168
>>> round(group_velocity_dispersion("N-BK7", 800 * ureg.nm).to("fs**2/mm").magnitude, 1)
44.7
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import sympy

from optics.errors import DesignFileError, InvalidParameterError, OpticsTypeError, PartNotFoundError
from optics.units import check_plain, is_quantity, quantity, to_magnitude

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "Material",
    "material",
    "material_names",
    "refractive_index",
    "group_index",
    "group_velocity_dispersion",
    "index_expr",
    "WAVELENGTH_UM",
]

#: The wavelength symbol (vacuum wavelength in µm) of :meth:`Material.index_expr`.
WAVELENGTH_UM = sympy.Symbol("wavelength_um", positive=True)

#: Speed of light in vacuum, µm/fs (exact: 299 792 458 m/s).
_C_UM_PER_FS = sympy.Rational(299792458, 10**9)

_FORMULAS = ("sellmeier", "sellmeier_resonance")


@dataclass(frozen=True)
class Material:
    """An optical material: its dispersion formula constants and their source.

    Attributes
    ----------
    name : str
        Catalog name (``"N-BK7"``, ``"water"``).
    maker : str
        Glass maker, or ``"(material)"`` / ``"(medium)"``.
    B, C : tuple of float
        Sellmeier constants: :math:`B_i` (dimensionless) and :math:`C_i` (µm²).
    range_um : tuple of float
        Wavelengths (µm) in which the formula is used; outside it the index
        functions refuse.
    source : str
        Where the constants come from.
    known : str
        How they are known: ``"maker text"`` or ``"secondary"``.
    check_indices : tuple of (float, float)
        Indices the source tabulates, as (wavelength in nm, index) pairs.

    >>> material("N-BK7").B[0]
    1.03961212
    """

    name: str
    maker: str
    B: tuple
    C: tuple
    range_um: tuple
    source: str
    known: str
    check_indices: tuple = ()

    def index_expr(self, wavelength=WAVELENGTH_UM):
        r"""The index :math:`n(\lambda)` as a sympy expression of *wavelength* (µm).

        Constants enter as sympy Floats of the decimals published (15 digits).

        Parameters
        ----------
        wavelength : sympy.Expr, optional
            The vacuum wavelength **in µm** (default :data:`WAVELENGTH_UM`); pass
            ``1000 * symbol`` for a symbol in mm (or use :func:`index_expr`).

        >>> material("water").index_expr()
        sqrt(0.75831*wavelength_um**2/(wavelength_um**2 - 0.01007) + 0.08495*wavelength_um**2/(wavelength_um**2 - 8.91377) + 1)
        """
        lam2 = wavelength**2
        terms = [sympy.Float(repr(b), 15) * lam2 / (lam2 - sympy.Float(repr(c), 15)) for b, c in zip(self.B, self.C)]
        return sympy.sqrt(1 + sympy.Add(*terms))

    def __repr__(self):
        return f"Material({self.name!r}, {self.maker}, {self.range_um[0]}-{self.range_um[1]} µm)"


# ----------------------------------------------------------------------- data


def _read_materials(text: str, label: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DesignFileError(f"{label}: not valid TOML: {err}") from err
    out = {}
    for index, item in enumerate(data.get("material", [])):
        name = item.get("name")
        where = f"{label}: [[material]] #{index + 1} ({name!r})"
        if not isinstance(name, str):
            raise DesignFileError(f"{where}: 'name' must be a string")
        formula = item.get("formula")
        if formula not in _FORMULAS:
            raise DesignFileError(f"{where}: formula {formula!r} is not one of {_FORMULAS}")
        B = tuple(item.get("B", ()))
        if formula == "sellmeier":
            C = tuple(item.get("C", ()))
        else:  # resonance wavelengths L_i in µm: C_i = L_i**2 (squared exactly in decimal)
            C = tuple(float(sympy.Float(repr(x), 30) ** 2) for x in item.get("L", ()))
        if not B or len(B) != len(C) or not all(isinstance(x, (int, float)) for x in B + C):
            raise DesignFileError(f"{where}: B and C (or L) must be lists of numbers of equal length")
        lo, hi = item.get("range_um", (None, None))
        if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and 0 < lo < hi):
            raise DesignFileError(f"{where}: range_um must be [low, high] in µm, got {item.get('range_um')!r}")
        for key in ("source", "known"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise DesignFileError(f"{where}: {key!r} is required (where the constants come from)")
        checks = tuple(sorted((float(k), float(v)) for k, v in item.get("check_indices", {}).items()))
        out[name] = Material(name, item.get("maker", ""), B, C, (float(lo), float(hi)),
                             item["source"], item["known"], checks)
    return out


@lru_cache(maxsize=1)
def _materials() -> dict:
    resource = resources.files("optics.core").joinpath("data", "glasses.toml")
    return _read_materials(resource.read_text(encoding="utf-8"), "optics/core/data/glasses.toml")


def _norm(name: str) -> str:
    return name.strip().upper().replace("_", "-").replace(" ", "")


def material_names() -> tuple:
    """Names of all materials with dispersion data, sorted.

    >>> "N-SF6HT" in material_names() and "water" in material_names()
    True
    """
    return tuple(sorted(_materials(), key=str.upper))


def material(name) -> Material:
    """Look up a material by name (case, spaces, ``-``/``_`` ignored).

    Parameters
    ----------
    name : str or Material
        A material name, or a :class:`Material` (returned as is).

    Raises
    ------
    PartNotFoundError
        For an unknown name; the message lists close matches.

    >>> material("n_sf6ht").name
    'N-SF6HT'
    >>> material("N-BK8")
    Traceback (most recent call last):
    ...
    optics.errors.PartNotFoundError: no dispersion data for material 'N-BK8'; close matches: 'N-BK7', ...
    """
    if isinstance(name, Material):
        return name
    if not isinstance(name, str):
        raise OpticsTypeError(f"material: expected a material name or Material, got {name!r}")
    table = {_norm(k): v for k, v in _materials().items()}
    found = table.get(_norm(name))
    if found is None:
        close = difflib.get_close_matches(_norm(name), list(table), n=4, cutoff=0.5)
        hint = ("close matches: " + ", ".join(repr(table[c].name) for c in close)) if close else (
            "known: " + ", ".join(material_names()))
        raise PartNotFoundError(f"no dispersion data for material {name!r}; {hint}")
    return found


# ----------------------------------------------------------------- evaluation


@lru_cache(maxsize=None)
def _derivatives(mat: Material):
    """n, dn/dλ, d²n/dλ² as sympy expressions of WAVELENGTH_UM (exact derivatives)."""
    n = mat.index_expr(WAVELENGTH_UM)
    dn = sympy.diff(n, WAVELENGTH_UM)
    d2n = sympy.diff(dn, WAVELENGTH_UM)
    return n, dn, d2n


@lru_cache(maxsize=None)
def _functions(mat: Material, backend: str):
    n, dn, d2n = _derivatives(mat)
    lam = WAVELENGTH_UM
    group = n - lam * dn
    # β2 = λ³/(2π c²) d²n/dλ²: λ in µm, c in µm/fs -> fs²/µm; x1000 -> fs²/mm.
    gvd = 1000 * lam**3 / (2 * sympy.pi * _C_UM_PER_FS**2) * d2n
    return tuple(sympy.lambdify(lam, e, modules=backend) for e in (n, group, gvd))


def _wavelength_um(mat: Material, wavelength):
    """Vacuum wavelength in µm (float or array), checked against the data range."""
    if isinstance(wavelength, (str, bytes, bool)):
        raise OpticsTypeError(
            f"{mat.name}: wavelength must be a Quantity such as 920 * ureg.nm, got {wavelength!r}"
        )
    check_plain(wavelength, "mm", "wavelength", name=f"{mat.name}: wavelength")
    mm = to_magnitude(wavelength, "mm", name=f"{mat.name}: wavelength")
    if isinstance(mm, sympy.Basic):
        if mm.free_symbols:
            raise OpticsTypeError(
                f"{mat.name}: wavelength is symbolic ({mm}); use Material.index_expr for a closed form"
            )
        mm = float(mm)
    try:
        um = mm * 1000
        low, high = (float(um.min()), float(um.max())) if hasattr(um, "shape") and um.shape else (float(um),) * 2
    except (TypeError, ValueError) as err:
        raise OpticsTypeError(f"{mat.name}: cannot read wavelength {wavelength!r} as a length") from err
    lo, hi = mat.range_um
    if not (math.isfinite(low) and math.isfinite(high)) or low < lo or high > hi:
        shown = wavelength if is_quantity(wavelength) else f"{wavelength} mm"
        raise InvalidParameterError(
            f"{mat.name}: wavelength {shown} is outside {lo}-{hi} µm, the range of its dispersion data "
            f"({mat.source.split(':')[0]}); pass a Quantity such as 920 * ureg.nm"
        )
    return um


def _evaluate(which: int, name, wavelength):
    mat = material(name)
    um = _wavelength_um(mat, wavelength)
    array = hasattr(um, "shape") and um.shape != ()
    func = _functions(mat, "numpy" if array else "math")[which]
    return func(um) if array else float(func(float(um)))


def refractive_index(name, wavelength):
    """Refractive index of a material at a vacuum wavelength.

    Parameters
    ----------
    name : str or Material
        Material name (see :func:`material_names`).
    wavelength : pint.Quantity
        Vacuum wavelength (scalar or array Quantity); plain numbers are mm.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    InvalidParameterError
        Outside the wavelength range of the material's data.

    >>> from optics.units import ureg
    >>> round(refractive_index("N-BK7", 1064 * ureg.nm), 4)
    1.5066
    """
    return _evaluate(0, name, wavelength)


def group_index(name, wavelength):
    r"""Group index :math:`n_g = n - \lambda\, dn/d\lambda` at a vacuum wavelength.

    Parameters
    ----------
    name : str or Material
        Material name.
    wavelength : pint.Quantity
        Vacuum wavelength; plain numbers are mm.

    >>> from optics.units import ureg
    >>> round(group_index("fused silica", 800 * ureg.nm), 4)
    1.4671
    """
    return _evaluate(1, name, wavelength)


def group_velocity_dispersion(name, wavelength):
    r"""Group-velocity dispersion :math:`\beta_2 = \frac{\lambda^3}{2\pi c^2}\frac{d^2n}{d\lambda^2}`.

    Parameters
    ----------
    name : str or Material
        Material name.
    wavelength : pint.Quantity
        Vacuum wavelength; plain numbers are mm.

    Returns
    -------
    pint.Quantity
        In fs²/mm.

    >>> from optics.units import ureg
    >>> round(group_velocity_dispersion("fused silica", 800 * ureg.nm).magnitude, 1)
    36.2
    """
    return quantity(_evaluate(2, name, wavelength), "fs**2/mm")


def index_expr(name, wavelength=None):
    r"""The index of a material as a sympy expression of the wavelength.

    Parameters
    ----------
    name : str or Material
        Material name.
    wavelength : sympy.Symbol, optional
        The wavelength symbol, **in mm** (the library's length unit).  Default:
        :data:`WAVELENGTH_UM`, in µm.

    >>> lam = sympy.Symbol("wavelength", positive=True)
    >>> expr = index_expr("N-BK7", lam)
    >>> round(float(expr.subs(lam, sympy.Rational(5875618, 10**10))), 5)
    1.5168
    """
    mat = material(name)
    if wavelength is None:
        return mat.index_expr(WAVELENGTH_UM)
    if not isinstance(wavelength, sympy.Symbol):
        raise OpticsTypeError(f"index_expr: wavelength must be a sympy Symbol (in mm), got {wavelength!r}")
    return mat.index_expr(1000 * wavelength)
