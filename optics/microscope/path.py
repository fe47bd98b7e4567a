r"""The scan path of a point-scanning microscope as a lens train.

A :class:`ScanPath` is a frozen description of the excitation path:
an optional remote tunable lens (ETL) with its relay, one or more scan
mirrors with 4f relays between them, the scan lens, the tube lens and the
objective.  It builds a :class:`~optics.core.trains.LensTrain` with named planes

``"etl"``, ``"etl_relay_1"``, ``"etl_relay_2"``, the scanner planes
(``"resonant"``, ``"galvo"``, ...), ``"relay1_1"``, ``"relay1_2"``, ...,
``"scan_lens"``, ``"tube_lens"``, ``"back_aperture"``, ``"objective"``,
``"sample"``

and derives every quantity from the train's ABCD entries:

* beam diameter at a plane: :math:`|A|\,D_\mathrm{in}` with :math:`A` from
  the input (laser side) to the plane, for a collimated input beam;
* field of view of a scanner: a chief ray leaving the scanner pivot with
  slope :math:`\tan(\alpha/2)` (:math:`\alpha` the full *optical* scan angle)
  lands at height :math:`B \tan(\alpha/2)` in the sample, with :math:`B` from
  the scanner to the sample, so

  .. math:: s_\mathrm{FOV} = 2\,|B| \tan(\alpha/2)
            \quad(\text{exact paraxial}), \qquad
            s_\mathrm{FOV} \approx |B| \tan\alpha
            \quad(\text{small-angle form of the reference post});

  for the plain path :math:`|B| = f_o f_s / f_t`;
* conjugation: each scanner (and the ETL) must be imaged onto the back
  focal plane (:math:`B = 0`); a path whose spacings break this issues a
  :class:`~optics.errors.ConjugationWarning` saying where the plane is
  imaged instead;
* clipping: at every clear aperture the beam footprint is the beam diameter
  plus twice the chief-ray height at full scan angle (at the corner of the
  field when several scanners deflect at once); an excess issues a
  :class:`~optics.errors.ClippingWarning`.

Model
-----
Lenses are thin lenses; relays are 4f by default (explicit spacings model a
mis-spaced path).  The objective is an ideal aplanatic lens of effective
focal length :math:`f_o` (maker's tube-lens standard over magnification),
with its back focal plane (``"back_aperture"``) :math:`f_o` in front of it
and the sample at its front focal distance :math:`n f_o` in the immersion
medium of index :math:`n`.  Lateral quantities do not depend on :math:`n`;
axial focus shifts in the sample do (they scale with :math:`n`).

>>> from optics.microscope.parts import Objective, Scanner
>>> from optics.units import ureg
>>> path = ScanPath(
...     scanners=[Scanner("resonant", aperture=5, optical_angle=26 * ureg.deg)],
...     scan_lens=50, tube_lens=200,
...     objective=Objective("16x/0.8W", magnification=16, na=0.8, maker="Nikon", immersion_index=1.333),
...     beam_diameter=5)
>>> path.back_aperture_beam
<Quantity(20.0, 'millimeter')>
>>> path.fov().to("um"), path.fov(form="small_angle").to("um")
(<Quantity(1442.926..., 'micrometer')>, <Quantity(1524.164..., 'micrometer')>)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy

from optics.core.elements import ABCD, Space, ThinLens, TunableLens
from optics.errors import (
    ClippingWarning,
    ConjugationWarning,
    InvalidParameterError,
    OpticsTypeError,
    OpticsValueError,
    PlaneError,
)
from optics.microscope.parts import Lens, Objective, Scanner, TunableLensPart
from optics.microscope.resolution import effective_na, two_photon_axial_fwhm, two_photon_lateral_fwhm
from optics.core.symbolic import to_expr
from optics.core.trains import LensTrain
from optics.units import as_result, is_quantity, quantity, to_magnitude

__all__ = [
    "Relay",
    "ObjectiveModel",
    "ScannerModel",
    "ScanPath",
    "FOV_FORMS",
]

#: The two forms of the field of view: exact paraxial and the small-angle
#: form used in the reference post.
FOV_FORMS = ("exact", "small_angle")


# -- lens and part specifications ------------------------------------------------
@dataclass(frozen=True)
class _LensSpec:
    f: sympy.Expr
    aperture: object  # sympy number (mm) or None
    name: str


def _lens_spec(value, role) -> _LensSpec:
    if isinstance(value, _LensSpec):
        return value
    if isinstance(value, Lens):
        f = to_expr(value.f, "mm", name=f"{role} {value.name!r}: focal length f", positive=True, nonzero=True)
        ap = None if value.aperture is None else to_expr(value.aperture, "mm", name=f"{role}: aperture")
        return _LensSpec(f, ap, value.name)
    if value is None:
        raise OpticsTypeError(f"{role}: a focal length or a Lens part is required, got None")
    f = to_expr(value, "mm", name=f"{role}: focal length f", positive=True, nonzero=True)
    return _LensSpec(f, None, "")


def _spacing(value, label):
    return to_expr(value, "mm", name=label)


@dataclass(frozen=True)
class Relay:
    r"""A two-lens relay (4f by default) between two conjugate planes.

    The relay images the plane in front of it onto the plane behind it with
    beam magnification :math:`f_2/f_1` (and an inverted image).

    Parameters
    ----------
    first, second : length, sympy expression or :class:`~optics.microscope.parts.Lens`
        The two lenses in light order (positive focal lengths).
    spacings : tuple of three lengths, optional
        ``(d1, d2, d3)``: plane to first lens, first to second lens, second
        lens to the next plane.  Default :math:`(f_1, f_1 + f_2, f_2)`.

    >>> Relay(50, 75).magnification
    3/2
    """

    first: object
    second: object
    spacings: tuple | None = None

    def __post_init__(self):
        first = _lens_spec(self.first, "Relay first lens")
        second = _lens_spec(self.second, "Relay second lens")
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "second", second)
        if self.spacings is None:
            d = (first.f, first.f + second.f, second.f)
        else:
            if len(self.spacings) != 3:
                raise InvalidParameterError(
                    f"Relay: spacings must be (d1, d2, d3), got {len(self.spacings)} value(s)"
                )
            d = tuple(_spacing(v, f"Relay spacing d{i + 1}") for i, v in enumerate(self.spacings))
        object.__setattr__(self, "spacings", d)

    @property
    def magnification(self):
        """Beam magnification :math:`f_2/f_1` of the relay (unsigned)."""
        return sympy.cancel(self.second.f / self.first.f)

    def _items(self, prefix):
        d1, d2, d3 = self.spacings
        return [
            Space(d1), f"{prefix}_1", ThinLens(self.first.f), Space(d2),
            f"{prefix}_2", ThinLens(self.second.f), Space(d3),
        ]


@dataclass(frozen=True)
class ObjectiveModel:
    r"""An objective given by focal length, NA and immersion index (numbers or symbols).

    Use it for symbolic paths; real objectives are :class:`~optics.microscope.parts.Objective`
    parts (converted with :meth:`from_part`).  The back-aperture diameter is
    *aperture* when given (a maker's value), else :math:`2\,\mathrm{NA}\,f`.

    >>> ObjectiveModel(12.5, 0.8, 1.333).back_aperture
    20
    """

    f: object
    na: object
    n: object = 1
    name: str = "objective"
    aperture: object = None

    def __post_init__(self):
        label = f"objective {self.name!r}"
        f = to_expr(self.f, "mm", name=f"{label}: focal length", positive=True, nonzero=True)
        na = to_expr(self.na, "dimensionless", name=f"{label}: NA", positive=True, nonzero=True)
        n = to_expr(self.n, "dimensionless", name=f"{label}: immersion index", positive=True, nonzero=True)
        if (na - n).is_positive:
            raise InvalidParameterError(
                f"{label}: NA {self.na} exceeds the immersion index {self.n} (NA = n sin(theta) <= n)"
            )
        object.__setattr__(self, "f", f)
        object.__setattr__(self, "na", na)
        object.__setattr__(self, "n", n)
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"{label}: back aperture",
                                                         positive=True, nonzero=True))

    @property
    def back_aperture(self):
        """Back-aperture diameter (mm expression)."""
        return self.aperture if self.aperture is not None else 2 * self.na * self.f

    @classmethod
    def from_part(cls, part: Objective) -> "ObjectiveModel":
        """Model of an :class:`~optics.microscope.parts.Objective` part (EFL, NA, index, back aperture)."""
        return cls(part.efl, part.na, part.immersion_index, part.name, part.back_aperture)


@dataclass(frozen=True)
class ScannerModel:
    """A scan mirror given by its full optical scan angle (number, Quantity or symbol).

    Use it for symbolic paths; for real scanners use :class:`~optics.microscope.parts.Scanner`
    (which also converts a mechanical angle: optical = 2 x mechanical).

    >>> import sympy
    >>> ScannerModel("resonant", sympy.Symbol("alpha", positive=True)).optical_angle
    alpha
    """

    name: str
    optical_angle: object
    aperture: object = None
    kind: str = "scanner"

    def __post_init__(self):
        angle = to_expr(self.optical_angle, "rad", name=f"scanner {self.name!r}: optical scan angle",
                        positive=True, nonzero=True)
        degrees = None
        if is_quantity(self.optical_angle):  # compare in the given unit: 180 deg -> rad rounds below pi
            degrees = float(self.optical_angle.to("deg").magnitude)
        elif angle.is_number:
            degrees = math.degrees(float(angle))
        if degrees is not None and degrees >= 180 - 1e-9:
            raise InvalidParameterError(
                f"scanner {self.name!r}: optical scan angle {degrees:.4g} deg must be below 180 deg"
            )
        object.__setattr__(self, "optical_angle", angle)
        if self.aperture is not None:
            object.__setattr__(self, "aperture", to_expr(self.aperture, "mm", name=f"scanner {self.name!r}: aperture",
                                                         positive=True, nonzero=True))

    @classmethod
    def from_part(cls, part: Scanner) -> "ScannerModel":
        """Model of a :class:`~optics.microscope.parts.Scanner` part."""
        return cls(part.name, part.optical_angle, part.aperture, part.kind)


def _scanner_model(value, index) -> ScannerModel:
    if isinstance(value, ScannerModel):
        return value
    if isinstance(value, Scanner):
        return ScannerModel.from_part(value)
    raise OpticsTypeError(
        f"ScanPath: scanner {index + 1} must be an optics.microscope.parts.Scanner or a ScannerModel, got {value!r}"
    )


def _fmt(q, unit, digits=4):
    if q is None:
        return "-"
    if is_quantity(q):
        return f"{q.to(unit).magnitude:.{digits}g} {unit}"
    return f"{q:.{digits}g}"


# -- the scan path ---------------------------------------------------------------------
@dataclass(frozen=True)
class ScanPath:
    r"""Scanners, relays, scan lens, tube lens and objective as one lens train.

    Parameters
    ----------
    scanners : Scanner or sequence of Scanner / ScannerModel
        Scan mirrors in light order (for example resonant, then galvo).
        Their plane names are their kinds (``"resonant"``, ``"galvo"``),
        numbered when a kind repeats.
    scan_lens, tube_lens : length, sympy expression or :class:`~optics.microscope.parts.Lens`
        Focal lengths :math:`f_s`, :math:`f_t` (positive).
    objective : :class:`~optics.microscope.parts.Objective` or :class:`ObjectiveModel`
    beam_diameter : length
        Diameter of the collimated beam at plane *beam_at*.
    relays : sequence of Relay
        One relay between each pair of consecutive scanners.
    etl : :class:`~optics.microscope.parts.TunableLensPart`, optional
        Remote tunable lens, relayed onto the first scanner by *etl_relay*.
    etl_relay : Relay, optional
        Required with *etl*.
    beam_at : str
        Where *beam_diameter* is given: ``"laser"`` (the input of the path:
        the ETL if present, else the first scanner; the default), ``"etl"``
        or a scanner plane name.  The beam is propagated from there, so every
        aperture sees the beam it really gets.
    spacings : tuple of three lengths, optional
        ``(last scanner -> scan lens, scan lens -> tube lens, tube lens ->
        back aperture)``; default :math:`(f_s, f_s + f_t, f_t)`.
    check : bool
        Issue conjugation and clipping warnings on construction (numeric
        paths only; default True).

    Raises
    ------
    InvalidParameterError
        For non-positive focal lengths or beam diameter, a relay count that
        does not match the scanners, an ETL without relay.

    Warns
    -----
    ConjugationWarning
        A scanner or the ETL is not imaged onto the back focal plane.
    ClippingWarning
        The beam footprint exceeds a clear aperture.
    """

    scanners: tuple
    scan_lens: object
    tube_lens: object
    objective: object
    beam_diameter: object
    relays: tuple = ()
    etl: TunableLensPart | None = None
    etl_relay: Relay | None = None
    beam_at: str = "laser"
    spacings: tuple | None = None
    check: bool = field(default=True, compare=False)

    def __post_init__(self):
        scanners = self.scanners
        if isinstance(scanners, (Scanner, ScannerModel)):
            scanners = (scanners,)
        scanners = tuple(_scanner_model(s, i) for i, s in enumerate(scanners))
        if not scanners:
            raise InvalidParameterError("ScanPath: at least one scanner is required")
        object.__setattr__(self, "scanners", scanners)
        relays = tuple(self.relays)
        if len(relays) != len(scanners) - 1:
            raise InvalidParameterError(
                f"ScanPath: {len(scanners)} scanner(s) need {len(scanners) - 1} relay(s) between them, "
                f"got {len(relays)}"
            )
        for i, r in enumerate(relays):
            if not isinstance(r, Relay):
                raise OpticsTypeError(f"ScanPath: relay {i + 1} must be a Relay, got {r!r}")
        object.__setattr__(self, "relays", relays)
        object.__setattr__(self, "scan_lens", _lens_spec(self.scan_lens, "ScanPath scan lens"))
        object.__setattr__(self, "tube_lens", _lens_spec(self.tube_lens, "ScanPath tube lens"))
        obj = self.objective
        if isinstance(obj, Objective):
            obj = ObjectiveModel.from_part(obj)
        elif not isinstance(obj, ObjectiveModel):
            raise OpticsTypeError(
                f"ScanPath: objective must be an optics.microscope.parts.Objective or an ObjectiveModel, got {obj!r}"
            )
        object.__setattr__(self, "objective", obj)
        beam = to_expr(self.beam_diameter, "mm", name="ScanPath: beam diameter", positive=True, nonzero=True)
        object.__setattr__(self, "beam_diameter", beam)
        if self.etl is not None:
            if not isinstance(self.etl, TunableLensPart):
                raise OpticsTypeError(f"ScanPath: etl must be an optics.microscope.parts.TunableLensPart, got {self.etl!r}")
            if not isinstance(self.etl_relay, Relay):
                raise InvalidParameterError(
                    "ScanPath: an ETL needs etl_relay, the Relay that images it onto the first scanner"
                )
        elif self.etl_relay is not None:
            raise InvalidParameterError("ScanPath: etl_relay given without an etl")
        fs, ft = self.scan_lens.f, self.tube_lens.f
        if self.spacings is None:
            d = (fs, fs + ft, ft)
        else:
            if len(self.spacings) != 3:
                raise InvalidParameterError(
                    "ScanPath: spacings must be (scanner -> scan lens, scan lens -> tube lens, "
                    f"tube lens -> back aperture), got {len(self.spacings)} value(s)"
                )
            d = tuple(_spacing(v, f"ScanPath spacing {i + 1}") for i, v in enumerate(self.spacings))
        object.__setattr__(self, "spacings", d)
        names = self.scanner_planes  # validates beam_at below
        if self.beam_at not in ("laser", "input", "etl", *names):
            raise PlaneError(
                f"ScanPath: beam_at must be 'laser', 'etl' or a scanner plane ({', '.join(names)}), got {self.beam_at!r}"
            )
        if self.beam_at == "etl" and self.etl is None:
            raise PlaneError("ScanPath: beam_at='etl' but the path has no ETL")
        if self.check and not self.is_symbolic:
            self.check_conjugation(_stacklevel=4)
            self.check_clipping(_stacklevel=4)

    # -- construction helpers ----------------------------------------------------
    @classmethod
    def symbolic(cls, n_scanners=1, *, etl=False, beam_at="laser"):
        r"""A path whose focal lengths, angles, NA and beam diameter are sympy symbols.

        Symbols: ``D`` (beam diameter), ``alpha`` (one scanner) or ``alpha_1``,
        ``alpha_2``, ... (optical angles), ``f_s``, ``f_t``, ``f_o``, ``NA``,
        ``n``, relay focal lengths ``f_r1``, ``f_r2``, ... numbered in light
        order (the ETL relay first, as in the reference post).  All positive.

        >>> p = ScanPath.symbolic()
        >>> p.back_aperture_beam
        D*f_t/f_s
        >>> p.fov(form="small_angle")
        f_o*f_s*tan(alpha)/f_t
        """
        def pos(name):
            return sympy.Symbol(name, positive=True)

        if n_scanners == 1:
            scanners = [ScannerModel("scanner", pos("alpha"), kind="scanner")]
        else:
            kinds = ["resonant"] + ["galvo"] * (n_scanners - 1)
            scanners = [ScannerModel(f"scanner {i + 1}", pos(f"alpha_{i + 1}"), kind=k) for i, k in enumerate(kinds)]
        k = 1
        etl_part = etl_relay = None
        if etl:
            etl_part = TunableLensPart("ETL", aperture=1, power_min=-1, power_max=1)
            etl_relay = Relay(pos(f"f_r{k}"), pos(f"f_r{k + 1}"))
            k += 2
        relays = []
        for _ in range(n_scanners - 1):
            relays.append(Relay(pos(f"f_r{k}"), pos(f"f_r{k + 1}")))
            k += 2
        return cls(
            scanners=scanners, scan_lens=pos("f_s"), tube_lens=pos("f_t"),
            objective=ObjectiveModel(pos("f_o"), pos("NA"), pos("n")), beam_diameter=pos("D"),
            relays=relays, etl=etl_part, etl_relay=etl_relay, beam_at=beam_at, check=False,
        )

    def with_lenses(self, **lenses) -> "ScanPath":
        """A copy with some lenses replaced, by role (plane) name.

        Roles: ``scan_lens``, ``tube_lens``, ``relay1_1``, ``relay1_2``, ...,
        ``etl_relay_1``, ``etl_relay_2``.  Relay spacings are reset to 4f.

        >>> ScanPath.symbolic().with_lenses(tube_lens=200).back_aperture_beam
        200*D/f_s
        """
        changes = {}
        relays = list(self.relays)
        etl_relay = self.etl_relay
        for role, value in lenses.items():
            if role in ("scan_lens", "tube_lens"):
                changes[role] = value
            elif role.startswith("etl_relay_") and etl_relay is not None and role[-1] in "12":
                pair = [etl_relay.first, etl_relay.second]
                pair[int(role[-1]) - 1] = value
                etl_relay = Relay(*pair)
            elif role.startswith("relay") and "_" in role:
                head, _, side = role.partition("_")
                try:
                    k = int(head[5:]) - 1
                except ValueError:
                    k = -1
                if not (0 <= k < len(relays)) or side not in ("1", "2"):
                    raise PlaneError(f"ScanPath.with_lenses: no lens role {role!r}; roles are {', '.join(self.lens_roles)}")
                pair = [relays[k].first, relays[k].second]
                pair[int(side) - 1] = value
                relays[k] = Relay(*pair)
            else:
                raise PlaneError(f"ScanPath.with_lenses: no lens role {role!r}; roles are {', '.join(self.lens_roles)}")
        if "spacings" in changes or "scan_lens" in changes or "tube_lens" in changes:
            changes["spacings"] = None
        return replace(self, relays=tuple(relays), etl_relay=etl_relay, **changes)

    @property
    def lens_roles(self) -> tuple:
        """Names of the lens roles (equal to their plane names), in light order."""
        roles = []
        if self.etl_relay is not None:
            roles += ["etl_relay_1", "etl_relay_2"]
        for k in range(len(self.relays)):
            roles += [f"relay{k + 1}_1", f"relay{k + 1}_2"]
        return tuple(roles + ["scan_lens", "tube_lens"])

    def lens(self, role) -> _LensSpec:
        """The lens (focal length, aperture, name) in a role."""
        if role == "scan_lens":
            return self.scan_lens
        if role == "tube_lens":
            return self.tube_lens
        if role in ("etl_relay_1", "etl_relay_2") and self.etl_relay is not None:
            return self.etl_relay.first if role.endswith("1") else self.etl_relay.second
        if role.startswith("relay") and role in self.lens_roles:
            k = int(role[5:].partition("_")[0]) - 1
            return self.relays[k].first if role.endswith("_1") else self.relays[k].second
        raise PlaneError(f"ScanPath: no lens role {role!r}; roles are {', '.join(self.lens_roles)}")

    # -- the train -------------------------------------------------------------
    @property
    def scanner_planes(self) -> tuple:
        """Plane names of the scanners, in light order."""
        kinds = [s.kind for s in self.scanners]
        out = []
        for i, kind in enumerate(kinds):
            out.append(kind if kinds.count(kind) == 1 else f"{kind}{kinds[: i + 1].count(kind)}")
        return tuple(out)

    @property
    def input_plane(self) -> str:
        """The first plane of the path: ``"etl"`` or the first scanner."""
        return "etl" if self.etl is not None else self.scanner_planes[0]

    def _objective_items(self):
        o = self.objective
        lens = ABCD(1, 0, -1 / (o.n * o.f), 1 / o.n, 1, o.n, name="objective")
        return [Space(o.f), "objective", lens, Space(o.n * o.f, n=o.n), "sample"]

    def _items(self, etl_power=None):
        items: list = []
        if self.etl is not None:
            items.append("etl")
            if etl_power is not None:
                items.append(TunableLens(etl_power, name="ETL"))
            items += self.etl_relay._items("etl_relay")
        planes = self.scanner_planes
        for k, plane in enumerate(planes):
            items.append(plane)
            if k < len(self.relays):
                items += self.relays[k]._items(f"relay{k + 1}")
        d1, d2, d3 = self.spacings
        items += [Space(d1), "scan_lens", ThinLens(self.scan_lens.f), Space(d2), "tube_lens",
                  ThinLens(self.tube_lens.f), Space(d3), "back_aperture"]
        return items + self._objective_items()

    @cached_property
    def train(self) -> LensTrain:
        """The lens train, from the first plane (ETL or first scanner) to the sample.

        The ETL, if any, is at its nominal state (total power zero) and adds
        no element; see :meth:`focus_shift` for the tuned train.
        """
        return LensTrain(self._items(), name="scan path")

    def etl_train(self, power) -> LensTrain:
        """The train with the ETL at total power *power* (dpt; lens plus offset lens)."""
        if self.etl is None:
            raise OpticsValueError("ScanPath: this path has no ETL")
        p = to_expr(power, "dpt", name="ScanPath ETL total power")
        return LensTrain(self._items(etl_power=p), name="scan path")

    @property
    def is_symbolic(self) -> bool:
        """True if focal lengths, angles, NA or beam diameter are symbols."""
        if self.train.free_symbols or self.beam_diameter.free_symbols:
            return True
        o = self.objective
        return bool(o.na.free_symbols or o.n.free_symbols or any(s.optical_angle.free_symbols for s in self.scanners))

    def _scanner(self, scanner):
        planes = self.scanner_planes
        if scanner is None:
            return 0, planes[0]
        if isinstance(scanner, int) and not isinstance(scanner, bool):
            if not 0 <= scanner < len(planes):
                raise PlaneError(f"ScanPath: scanner index {scanner} out of range (0..{len(planes) - 1})")
            return scanner, planes[scanner]
        if scanner in planes:
            return planes.index(scanner), scanner
        names = [s.name for s in self.scanners]
        if scanner in names:
            i = names.index(scanner)
            return i, planes[i]
        raise PlaneError(f"ScanPath: no scanner {scanner!r}; scanners are {', '.join(planes)}")

    # -- beam ---------------------------------------------------------------------
    @property
    def input_beam_diameter(self):
        """Beam diameter at the input plane (mm), propagated back from *beam_at*."""
        return as_result(self._input_beam_expr, "mm")

    @property
    def _input_beam_expr(self):
        at = self.input_plane if self.beam_at in ("laser", "input") else self.beam_at
        a = self.train.abcd(self.input_plane, at)[0]
        if a.is_zero:
            raise OpticsValueError(f"ScanPath: the input plane is not imaged with finite size onto {at!r}")
        return sympy.cancel(self.beam_diameter / sympy.Abs(a))

    def _beam_expr(self, plane):
        a = self.train.abcd(self.input_plane, plane)[0]
        return sympy.cancel(sympy.Abs(a) * self._input_beam_expr)

    def beam_diameter_at(self, plane):
        r"""Diameter of the (collimated-input) beam at *plane*: :math:`|A|\,D_\mathrm{in}` (mm).

        >>> ScanPath.symbolic().beam_diameter_at("tube_lens")
        D*f_t/f_s
        """
        return as_result(self._beam_expr(plane), "mm")

    def beam_magnification(self, start=None, end="back_aperture"):
        r"""Lateral magnification :math:`A` from a scanner (default the first) to *end*.

        Signed: a single 4f relay inverts (:math:`A = -f_t/f_s`).

        >>> ScanPath.symbolic().beam_magnification()
        -f_t/f_s
        """
        start = self._scanner(start)[1] if start not in ("etl", "laser", "input") else self.input_plane
        a = self.train.abcd(start, end)[0]
        return a if a.free_symbols else float(a)

    @property
    def back_aperture_beam(self):
        r"""Beam diameter at the objective's back aperture (mm).

        For the plain path this is the reference post's
        :math:`d_\mathrm{BFA} = D\,f_t/f_s`, times each relay's :math:`f_2/f_1`.
        """
        return self.beam_diameter_at("back_aperture")

    @property
    def back_aperture(self):
        r"""Back-aperture diameter of the objective, :math:`2\,\mathrm{NA}\,f_o` (mm)."""
        return as_result(self.objective.back_aperture, "mm")

    def _fill_expr(self):
        return sympy.cancel(self._beam_expr("back_aperture") / self.objective.back_aperture)

    @property
    def fill_ratio(self):
        r"""Beam diameter over back-aperture diameter (> 1: overfilled)."""
        e = self._fill_expr()
        return e if e.free_symbols else float(e)

    @property
    def overfilled(self) -> bool:
        """True if the beam is at least as large as the back aperture."""
        return bool(self._fill_expr() >= 1)

    @property
    def effective_na(self):
        r"""Excitation NA used: :math:`\mathrm{NA}\min(1, D_\mathrm{beam}/D_\mathrm{BA})` (sine condition)."""
        e = effective_na(self.objective.na, self._fill_expr())
        return e if getattr(e, "free_symbols", None) else float(e)

    # -- field of view ---------------------------------------------------------------
    def _fov_expr(self, scanner=None, form="exact"):
        i, plane = self._scanner(scanner)
        if form not in FOV_FORMS:
            raise OpticsValueError(f"ScanPath.fov: form must be one of {FOV_FORMS}, got {form!r}")
        b = sympy.Abs(self.train.abcd(plane, "sample")[1])
        alpha = self.scanners[i].optical_angle
        if form == "exact":
            return sympy.cancel(2 * b) * sympy.tan(alpha / 2)
        return sympy.cancel(b) * sympy.tan(alpha)

    def fov(self, scanner=None, form="exact"):
        r"""Field of view along the axis of one scanner (default the first), in mm.

        Parameters
        ----------
        scanner : str or int, optional
            Scanner plane name, part name or index.
        form : {"exact", "small_angle"}
            ``"exact"`` (paraxial, exact in the scan angle):
            :math:`s = 2|B|\tan(\alpha/2)`; ``"small_angle"``, the reference
            post's form :math:`s = |B|\tan\alpha`, which overestimates (1.52 mm
            instead of 1.44 mm at 26 deg).  :math:`B` runs from the scanner to
            the sample; :math:`|B| = f_o f_s/f_t` without relays.

        >>> ScanPath.symbolic().fov()
        2*f_o*f_s*tan(alpha/2)/f_t
        """
        return as_result(self._fov_expr(scanner, form), "mm")

    def fovs(self) -> dict:
        """Both forms of the FOV for every scanner: ``{plane: {"exact": ..., "small_angle": ...}}``."""
        return {p: {form: self.fov(p, form) for form in FOV_FORMS} for p in self.scanner_planes}

    def pixel_size(self, n_pixels, scanner=None, form="exact"):
        r"""Pixel size :math:`s_\mathrm{FOV}/N` for *n_pixels* pixels across the scan (µm).

        >>> ScanPath.symbolic().pixel_size(512)
        f_o*f_s*tan(alpha/2)/(256*f_t)
        """
        if isinstance(n_pixels, bool) or not isinstance(n_pixels, int) or n_pixels < 1:
            raise InvalidParameterError(f"ScanPath.pixel_size: number of pixels must be a positive integer, got {n_pixels!r}")
        e = self._fov_expr(scanner, form) / n_pixels
        r = as_result(e, "mm")
        return r.to("um") if is_quantity(r) else r

    # -- resolution -----------------------------------------------------------------
    def resolution(self, wavelength) -> dict:
        r"""Two-photon lateral and axial PSF FWHM at the effective NA (Zipfel et al. 2003).

        Parameters
        ----------
        wavelength : length
            Excitation wavelength (mm if a plain number; a Quantity such as
            ``920 * ureg.nm`` is clearer).

        Returns
        -------
        dict
            ``{"effective_na", "lateral_fwhm", "axial_fwhm"}``; FWHM in µm.
        """
        if self.is_symbolic:
            raise OpticsTypeError("ScanPath.resolution needs a numeric path; use optics.microscope.resolution for closed forms")
        lam = to_magnitude(wavelength, "um", name="ScanPath.resolution: wavelength") if is_quantity(wavelength) \
            else to_magnitude(quantity(wavelength, "mm"), "um", name="wavelength")
        na = self.effective_na
        n = float(self.objective.n)
        return {
            "effective_na": na,
            "lateral_fwhm": quantity(two_photon_lateral_fwhm(na, lam), "um"),
            "axial_fwhm": quantity(two_photon_axial_fwhm(na, lam, n), "um"),
        }

    # -- remote focus ------------------------------------------------------------------
    def _focus_expr(self, power):
        a, _, c, _ = self.etl_train(power).abcd("etl", "sample")
        if c.is_zero:
            raise OpticsValueError("ScanPath.focus_shift: the beam leaves the objective collimated (no focus)")
        return sympy.cancel(-a / c)

    def focus_shift(self, power):
        r"""Axial focus position in the sample for an ETL total power *power* (dpt), in µm.

        Measured from the nominal focal plane (positive: deeper, along the
        light), in the immersion medium, exact paraxially: a collimated beam
        through the ETL reaches the sample plane with ray :math:`(A y, C y)`
        and focuses :math:`-A/C` further on.  With the ETL conjugate to the
        back focal plane this is

        .. math:: z = -n\,\frac{f_o^2}{f_\mathrm{ETL}\,M^2},\qquad
                  M = \frac{f_t}{f_s}\prod \frac{f_{2}}{f_{1}}

        which for :math:`n = 1` is the reference post's formula.

        >>> import sympy
        >>> P = sympy.Symbol("P", real=True)
        >>> ScanPath.symbolic(2, etl=True).focus_shift(P)
        -P*f_o**2*f_r1**2*f_r3**2*f_s**2*n/(1000*f_r2**2*f_r4**2*f_t**2)
        """
        r = as_result(self._focus_expr(power), "mm")
        return r.to("um") if is_quantity(r) else r

    def z_range(self) -> dict:
        """Focus positions at the ETL's power limits (offset lens included) and their span (µm)."""
        if self.etl is None:
            raise OpticsValueError("ScanPath.z_range: this path has no ETL")
        off = self.etl.offset_power.magnitude
        lo = self.focus_shift(self.etl.power_min.magnitude + off)
        hi = self.focus_shift(self.etl.power_max.magnitude + off)
        if not is_quantity(lo):
            return {"z_min_power": lo, "z_max_power": hi, "span": sympy.Abs(hi - lo)}
        return {"z_min_power": lo, "z_max_power": hi, "span": abs(hi - lo)}

    # -- conjugation -------------------------------------------------------------------
    def conjugation(self) -> list:
        """Is each scanner (and the ETL) imaged onto the back aperture?

        Returns
        -------
        list of dict
            ``plane``, ``B`` (mm; 0 when conjugate), ``conjugate`` (bool),
            ``image_offset`` (mm: where the plane's image, real or virtual,
            lies past the back-aperture plane; None when conjugate) and
            ``image`` (ImageLocation of the plane's first real image, or
            None) for numeric paths.
        """
        planes = (["etl"] if self.etl is not None else []) + list(self.scanner_planes)
        rows = []
        for plane in planes:
            _, b, _, d = (sympy.cancel(e) for e in self.train.abcd(plane, "back_aperture"))
            conj = bool(b.is_zero)
            image = None if conj or b.free_symbols else self.train.image_of(plane)
            # Where the plane's image lies relative to the back aperture, real
            # or virtual (-B/D past it): what a builder has to correct.
            offset = None if conj or d.is_zero else as_result(sympy.cancel(-b / d), "mm")
            rows.append({"plane": plane, "B": as_result(b, "mm"), "conjugate": conj, "image": image,
                         "image_offset": offset})
        return rows

    def check_conjugation(self, *, _stacklevel=2) -> list:
        """Issue a ConjugationWarning for every plane not imaged onto the back aperture; return them."""
        bad = [r for r in self.conjugation() if not r["conjugate"]]
        z_ba = self.train.positions()["back_aperture"]
        for r in bad:
            offset = r["image_offset"]
            if offset is None:
                where = "it is imaged to infinity in the back-aperture space"
            else:
                side = "past" if offset.magnitude > 0 else "before"
                where = (f"its image lies {_fmt(abs(offset), 'mm')} {side} the back-aperture plane "
                         f"(z = {_fmt(z_ba, 'mm')})")
                image = r["image"]
                if image is not None and abs((image.z - z_ba - offset).to("mm").magnitude) > 1e-9:
                    where += f"; its first real image is at z = {_fmt(image.z, 'mm')}"
            warnings.warn(
                f"ScanPath: {r['plane']!r} is not conjugate to the objective's back aperture "
                f"(B = {_fmt(r['B'], 'mm')}); {where}",
                ConjugationWarning, stacklevel=_stacklevel,
            )
        return bad

    # -- clipping ----------------------------------------------------------------------
    def apertures(self) -> list:
        """Clear apertures in the path: ``(plane, part name, diameter expression in mm)``."""
        out = []
        if self.etl is not None:
            out.append(("etl", self.etl.name, to_expr(self.etl.aperture, "mm", name="ETL aperture")))
        if self.etl_relay is not None:
            for role, lens in (("etl_relay_1", self.etl_relay.first), ("etl_relay_2", self.etl_relay.second)):
                if lens.aperture is not None:
                    out.append((role, lens.name, lens.aperture))
        for k, (plane, s) in enumerate(zip(self.scanner_planes, self.scanners)):
            if s.aperture is not None:
                out.append((plane, s.name, s.aperture))
            if k < len(self.relays):
                for side, lens in (("1", self.relays[k].first), ("2", self.relays[k].second)):
                    if lens.aperture is not None:
                        out.append((f"relay{k + 1}_{side}", lens.name, lens.aperture))
        for role in ("scan_lens", "tube_lens"):
            lens = self.lens(role)
            if lens.aperture is not None:
                out.append((role, lens.name, lens.aperture))
        return out

    def _scan_offset_expr(self, plane):
        """Chief-ray height at *plane* with every upstream scanner at full deflection (field corner)."""
        index = self.train.planes[plane]
        total = sympy.Integer(0)
        for s, sp in zip(self.scanners, self.scanner_planes):
            if self.train.planes[sp] > index:
                continue
            b = self.train.abcd(sp, plane)[1]
            total += (b * sympy.tan(s.optical_angle / 2)) ** 2
        return sympy.sqrt(total)

    def footprint(self, plane):
        r"""Beam footprint at *plane* over the full scan: :math:`|A| D_\mathrm{in} + 2 h_\mathrm{chief}` (mm).

        :math:`h_\mathrm{chief}` is the height of the chief ray with every
        scanner upstream of the plane at its full optical half angle (slope
        :math:`\tan(\alpha/2)`), combined in quadrature (corner of the field).
        """
        return as_result(self._footprint_expr(plane), "mm")

    def _footprint_expr(self, plane):
        return self._beam_expr(plane) + 2 * self._scan_offset_expr(plane)

    def clipping_table(self) -> list:
        """Beam footprint against every clear aperture, without warnings.

        Returns
        -------
        list of dict
            ``plane``, ``part``, ``aperture``, ``beam``, ``scan_offset``
            (chief-ray height), ``footprint``, ``excess`` (mm, negative when
            it fits), ``excess_percent`` (of the aperture) and ``clipped``.
        """
        if self.is_symbolic:
            raise OpticsTypeError("ScanPath.clipping_table needs a numeric path")
        rows = []
        for plane, part, ap in self.apertures():
            beam = float(self._beam_expr(plane))
            offset = float(self._scan_offset_expr(plane))
            foot = beam + 2 * offset
            excess = foot - float(ap)
            rows.append({
                "plane": plane, "part": part,
                "aperture": quantity(float(ap), "mm"), "beam": quantity(beam, "mm"),
                "scan_offset": quantity(offset, "mm"), "footprint": quantity(foot, "mm"),
                "excess": quantity(excess, "mm"), "excess_percent": 100 * excess / float(ap),
                "clipped": excess > 1e-9 * float(ap),
            })
        return rows

    def check_clipping(self, *, _stacklevel=2) -> list:
        """Issue a ClippingWarning for every clipped aperture; return the clipped rows."""
        bad = [r for r in self.clipping_table() if r["clipped"]]
        for r in bad:
            part = f" ({r['part']})" if r["part"] else ""
            warnings.warn(
                f"ScanPath: beam clipped at {r['plane']!r}{part}: footprint {_fmt(r['footprint'], 'mm')} "
                f"(beam {_fmt(r['beam'], 'mm')} + 2 x {_fmt(r['scan_offset'], 'mm')} scan offset) over a "
                f"{_fmt(r['aperture'], 'mm')} clear aperture, {_fmt(r['excess'], 'mm')} "
                f"({r['excess_percent']:.3g} %) too large",
                ClippingWarning, stacklevel=_stacklevel,
            )
        return bad

    @property
    def length(self):
        """Path length from the input plane (ETL or first scanner) to the objective (mm)."""
        return self.train.positions()["objective"]

    # -- report ------------------------------------------------------------------------
    def report(self, wavelength=None, n_pixels=None):
        """Every derived number, with units: a :class:`optics.report.Report` (numeric paths).

        Parameters
        ----------
        wavelength : length, optional
            Adds the two-photon resolution.
        n_pixels : int, optional
            Adds the pixel size per scanner.
        """
        from optics.report import path_report

        return path_report(self, wavelength, n_pixels)

    def report_text(self, wavelength=None, n_pixels=None) -> str:
        """:meth:`report` as aligned text."""
        return self.report(wavelength, n_pixels).to_text()
