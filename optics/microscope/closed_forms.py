r"""Closed forms of a microscope path: public functions of (train, planes, angles).

Every microscope quantity of the library is one of these functions applied
to the path's single :class:`~optics.core.trains.LensTrain`; the scan path,
the remote-focus view, the lens-set search, the report and the tests all
call them, so each formula is written once.  They return sympy expressions
in base units (lengths in mm, powers in dpt, angles in rad) and work for
numeric and symbolic trains alike.

Conventions (stated once here)
------------------------------
* :math:`(A, B, C, D)` are the matrix entries of the train between two
  named planes (:meth:`LensTrain.abcd`), rays are :math:`(y, \theta)` with
  actual angles, +z along the light.
* A collimated beam of diameter :math:`D_\mathrm{in}` at plane *start* has
  diameter :math:`|A|\,D_\mathrm{in}` at plane *end* (marginal ray, geometric
  optics; a Gaussian beam's 1/e² diameter obeys the same law while it stays
  far from a focus).
* A scanner deflecting by :math:`\theta` sends a chief ray :math:`(0,\tan\theta)`
  (the f·tanθ mapping of a distortion-free scan lens); it lands at height
  :math:`(B + z_f D)\tan\theta` in the plane :math:`z_f` past *end*.  With
  :math:`\alpha` the full *optical* scan angle the field of view is
  :math:`2|B + z_f D|\tan(\alpha/2)` (exact paraxial) or the reference post's
  small-angle form :math:`|B + z_f D|\tan\alpha`.
* The focus of a collimated input lies :math:`-A/C` past *end*; a plane is
  imaged onto *end* when :math:`B = 0`, else its image lies :math:`-B/D` past
  *end* (real or virtual).

>>> from optics.core.elements import Space, ThinLens
>>> from optics.core.trains import LensTrain
>>> f_s, f_t, D = sympy.symbols("f_s f_t D", positive=True)
>>> t = LensTrain(["scanner", Space(f_s), ThinLens(f_s), Space(f_s + f_t), ThinLens(f_t), Space(f_t),
...                "back_aperture"])
>>> beam_diameter_expr(t, "back_aperture", D, start="scanner")
D*f_t/f_s
"""

from __future__ import annotations

import numpy as np
import sympy

from optics.core.beams import GaussianBeam, waist_after_abcd
from optics.core.elements import TunableLens
from optics.errors import NoFocusError, OpticsTypeError, OpticsValueError
from optics.core.symbolic import cancel, to_expr

__all__ = [
    "FOV_FORMS",
    "beam_diameter_expr",
    "input_diameter_expr",
    "fill_expr",
    "chief_ray_scale_expr",
    "fov_expr",
    "footprint_expr",
    "scan_offset_expr",
    "beam_walk_expr",
    "image_offset_expr",
    "focus_distance_expr",
    "focus_shift_expr",
    "fov_scale_expr",
    "reference_power",
]

def _symbolic(x) -> bool:
    return isinstance(x, sympy.Basic)


def _cancel(x):
    """Cancel a sympy expression; numbers and numpy arrays (drawn builds) pass through."""
    return cancel(x) if _symbolic(x) else x


def _abs(x):
    return sympy.Abs(x) if _symbolic(x) else np.abs(x)


def _tan(angle, like):
    """tan(angle), a float when it multiplies arrays."""
    return sympy.tan(angle) if _symbolic(like) else np.tan(float(angle))


def _zero(x) -> bool:
    """Provably zero (symbolic); arrays are never refused here (a zero gives inf, checked by the caller)."""
    return bool(_cancel(x).is_zero) if _symbolic(x) else False


#: The forms of the field of view: exact paraxial for a distortion-free scan
#: lens (f·tanθ mapping), the small-angle form used in the reference post, and
#: an f-theta scan lens (f·θ mapping: image height proportional to the angle).
FOV_FORMS = ("exact", "small_angle", "f_theta")


def beam_diameter_expr(train, plane, diameter, *, start="input"):
    r"""Diameter of a collimated beam at *plane*: :math:`|A|\,D_\mathrm{in}` (mm).

    Parameters
    ----------
    train : LensTrain
    plane : str
        Where the diameter is wanted.
    diameter : sympy expression or number
        Beam diameter :math:`D_\mathrm{in}` at *start* (mm).
    start : str
        Where the collimated beam has diameter *diameter*.

    .. math:: D(\text{plane}) = |A_{\text{start}\to\text{plane}}|\,D_\mathrm{in}
    """
    a = train.abcd(start, plane)[0]
    return _cancel(_abs(a) * diameter)


def input_diameter_expr(train, diameter, *, start, at):
    r"""Diameter of a collimated beam at *start* given its diameter at plane *at* (mm).

    Parameters
    ----------
    train : LensTrain
    diameter : sympy expression or number
        Beam diameter at *at* (mm).
    start, at : str
        The input plane and the plane where the diameter is given.

    .. math:: D_\mathrm{in} = D_\mathrm{at} / |A_{\text{start}\to\text{at}}|

    Raises
    ------
    OpticsValueError
        When *start* is not imaged with finite size onto *at* (:math:`A = 0`).
    """
    a = train.abcd(start, at)[0]
    if _zero(a):
        raise OpticsValueError(f"input_diameter_expr: {start!r} is not imaged with finite size onto {at!r}")
    return _cancel(diameter / _abs(a))


def fill_expr(beam_diameter, back_aperture):
    r"""Fill ratio of the back aperture, :math:`D_\mathrm{beam}/D_\mathrm{BA}` (> 1: overfilled).

    Parameters
    ----------
    beam_diameter, back_aperture : sympy expression or number
        Both in the same unit.

    >>> fill_expr(sympy.Integer(20), sympy.Integer(16))
    5/4
    """
    return _cancel(beam_diameter / back_aperture)


def chief_ray_scale_expr(train, scanner, *, end="sample", focus_distance=0):
    r"""Height per unit slope of a chief ray from *scanner*, :math:`B + z_f D` (mm).

    Parameters
    ----------
    train : LensTrain
    scanner : str
        Plane of the scan pivot.
    end : str
        Reference plane (the nominal focal plane ``"sample"``).
    focus_distance : sympy expression or number
        :math:`z_f`: the plane of interest lies this far past *end* (mm; 0 for
        *end* itself, :math:`-A/C` for the focus of a collimated input).

    .. math:: s = B + z_f D
    """
    _, b, _, d = train.abcd(scanner, end)
    return _cancel(b + focus_distance * d)


def fov_expr(train, scanner, angle, *, end="sample", focus_distance=0, form="exact"):
    r"""Field of view along the axis of *scanner* (mm).

    Parameters
    ----------
    train : LensTrain
    scanner : str
        Plane of the scan pivot.
    angle : sympy expression or number
        Full optical scan angle :math:`\alpha` (rad).
    end, focus_distance : see :func:`chief_ray_scale_expr`.
    form : {"exact", "small_angle", "f_theta"}
        ``"exact"``: :math:`2|s|\tan(\alpha/2)` (paraxial, f·tanθ mapping of
        a distortion-free scan lens); ``"small_angle"``: :math:`|s|\tan\alpha`,
        the reference post's form; ``"f_theta"``: :math:`|s|\,\alpha`, an
        f-theta scan lens (height proportional to the angle).

    Raises
    ------
    OpticsValueError
        For an unknown *form*.
    """
    if form not in FOV_FORMS:
        raise OpticsValueError(f"fov_expr: form must be one of {FOV_FORMS}, got {form!r}")
    s = _abs(chief_ray_scale_expr(train, scanner, end=end, focus_distance=focus_distance))
    if form == "exact":
        return 2 * s * _tan(angle / 2, s)
    if form == "f_theta":
        return s * (angle if _symbolic(s) else float(angle))
    return s * _tan(angle, s)


def beam_walk_expr(train, scanner, angle, *, end="back_aperture"):
    r"""Signed travel of the beam across plane *end* as *scanner* sweeps its full optical angle (mm).

    Parameters
    ----------
    train : LensTrain
    scanner : str
        Plane of the scan pivot.
    angle : sympy expression or number
        Full optical scan angle :math:`\alpha` (rad).
    end : str
        The plane (default the back aperture).

    .. math:: \Delta = 2 B \tan(\alpha/2)

    with :math:`B` from the scanner to *end*: zero when the scanner is imaged onto it.
    """
    b = train.abcd(scanner, end)[1]
    return _cancel(2 * b) * _tan(angle / 2, b)


def scan_offset_expr(train, plane, scanners):
    r"""Chief-ray height at *plane* with every upstream scanner at full deflection (mm).

    Parameters
    ----------
    train : LensTrain
    plane : str
    scanners : sequence of (str, angle)
        Scanner planes and their full optical scan angles (rad); scanners
        downstream of *plane* are ignored.

    .. math:: h = \sqrt{\textstyle\sum_i \bigl(B_i \tan(\alpha_i/2)\bigr)^2}

    the corner of the field when several scanners deflect at once.
    """
    index = train.planes[plane]
    total = sympy.Integer(0)
    for sp, angle in scanners:
        if train.planes[sp] > index:
            continue
        b = train.abcd(sp, plane)[1]
        total += (b * sympy.tan(angle / 2)) ** 2
    return sympy.sqrt(total)


def footprint_expr(train, plane, diameter, scanners, *, start="input"):
    r"""Beam footprint at *plane* over the full scan: :math:`|A| D_\mathrm{in} + 2h` (mm).

    Parameters
    ----------
    train : LensTrain
    plane : str
    diameter : sympy expression or number
        Collimated beam diameter at *start* (mm).
    scanners : sequence of (str, angle)
        See :func:`scan_offset_expr`.
    start : str

    A geometric, conservative estimate: the whole beam shifted by the chief
    ray at the corner of the field.
    """
    return beam_diameter_expr(train, plane, diameter, start=start) + 2 * scan_offset_expr(train, plane, scanners)


def image_offset_expr(train, plane, end):
    r"""Where *plane* is imaged relative to *end*: :math:`-B/D` past it (mm; 0 when conjugate).

    Parameters
    ----------
    train : LensTrain
    plane, end : str

    Raises
    ------
    NoFocusError
        When the image is at infinity (:math:`D = 0`).
    """
    _, b, _, d = train.abcd(plane, end)
    if _zero(d):
        raise NoFocusError(f"image_offset_expr: {plane!r} is imaged to infinity in the space of {end!r}")
    return _cancel(-b / d)


def _focus_from_abcd(abcd, beam, label):
    a, _, c, _ = abcd
    if beam is None:
        if _zero(c):
            raise NoFocusError(f"{label}: the train is afocal (C = 0), so a collimated beam has no finite focus")
        return _cancel(-a / c)
    if not isinstance(beam, GaussianBeam):
        raise OpticsTypeError(f"{label}: beam must be a GaussianBeam or None, got {beam!r}")
    return waist_after_abcd(abcd, beam._x, beam._y)


def focus_distance_expr(train, *, beam=None, start="input", end="output"):
    r"""Distance from plane *end* to the focus (mm).

    Parameters
    ----------
    train : LensTrain
    beam : GaussianBeam, optional
        Input beam at *start*; default a collimated beam, whose focus is the
        back focal distance :math:`-A/C`.  With a beam, the waist, where
        :math:`\mathrm{Re}\,q = 0`.
    start, end : str

    Raises
    ------
    NoFocusError
        For an afocal train and a collimated input.

    >>> from optics.core.elements import Space, ThinLens
    >>> from optics.core.trains import LensTrain
    >>> f = sympy.Symbol("f", positive=True)
    >>> focus_distance_expr(LensTrain([ThinLens(f), Space(f / 2)]))
    f/2
    """
    return _focus_from_abcd(train.abcd(start, end), beam, "focus_distance_expr")


def reference_power(train, power):
    r"""The ETL power at which the tunable lens's total power is zero, :math:`-P_\mathrm{off}`.

    Parameters
    ----------
    train : LensTrain
    power : sympy.Symbol
        The ETL's own power (dpt).

    Returns 0 when the train holds no :class:`~optics.core.elements.TunableLens`
    whose power is exactly *power*.
    """
    etls = [e for e in train.elements if isinstance(e, TunableLens) and power in e.free_symbols]
    if len(etls) == 1 and etls[0].power == power:
        return -etls[0].offset_power
    return sympy.Integer(0)


def focus_shift_expr(train, power, *, beam=None, reference=None, start="input", end="output"):
    r"""Axial focus shift :math:`z(P) = z_f(P) - z_f(P_\mathrm{ref})` (mm).

    Parameters
    ----------
    train : LensTrain
        Any train holding a :class:`~optics.core.elements.TunableLens` of power *power*.
    power : sympy.Symbol
        The ETL's own power symbol (dpt).
    beam : GaussianBeam, optional
        Input beam at *start*; default collimated (geometric focus).
    reference : optical power, optional
        Power at which z = 0; default :func:`reference_power` (total ETL power zero).
    start, end : str
        The shift is measured along the axis after *end*.

    Raises
    ------
    NoFocusError
        If the train has no finite focus at the reference power or at all.

    >>> from optics.core.elements import Space, ThinLens
    >>> from optics.core.trains import LensTrain
    >>> f, P = sympy.Symbol("f", positive=True), sympy.Symbol("P", real=True)
    >>> focus_shift_expr(LensTrain([TunableLens(P), Space(f), ThinLens(f), Space(f)]), P)
    -P*f**2/1000
    """
    if not isinstance(power, sympy.Symbol):
        raise OpticsTypeError(f"focus_shift_expr: power must be a sympy Symbol, got {power!r}")
    abcd = train.abcd(start, end)
    if power not in set().union(*(getattr(v, "free_symbols", set()) for v in abcd)):
        raise OpticsValueError(f"focus_shift_expr: the train does not depend on the ETL power {power}")
    focus = _focus_from_abcd(abcd, beam, "focus_shift_expr")
    ref = reference_power(train, power) if reference is None else to_expr(
        reference, "dpt", name="focus_shift_expr: reference power"
    )
    _, den = sympy.fraction(focus)
    if cancel(den.xreplace({power: ref})).is_zero:
        raise NoFocusError(f"focus_shift_expr: no finite focus at the reference power P = {ref} dpt")
    return cancel(focus - focus.xreplace({power: ref}))


def fov_scale_expr(train, scanner, *, beam=None, start="input", end="output"):
    r"""Lateral scan scale at the focus, :math:`dy/d\theta = B + z_f D` (mm/rad).

    Parameters
    ----------
    train : LensTrain
    scanner : str
        Plane of the scan pivot.
    beam : GaussianBeam, optional
        Input beam at *start* (default collimated).
    start, end : str
        The focus :math:`z_f` is that of the input at *start*, past *end*.

    When the scanner is imaged to the objective's back focal plane
    (telecentric, :math:`D = 0`) the scale does not depend on the ETL power.
    """
    focus = _focus_from_abcd(train.abcd(start, end), beam, "fov_scale_expr")
    return chief_ray_scale_expr(train, scanner, end=end, focus_distance=focus)
