"""The ``optics`` command line.

``optics report`` prints what the library computes for a design: for now the
first-order optics of the embedded default scan path (scanner, 50 mm scan
lens, 200 mm tube lens, 12.5 mm objective).
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .elements import Space, ThinLens
from .errors import OpticsError
from .trains import LensTrain
from .units import ureg

__all__ = ["main", "default_scan_train"]


def default_scan_train() -> LensTrain:
    """The embedded default scan path: scanner -> scan lens -> tube lens -> objective.

    Lenses sit at 4f spacing: the scanner in the front focal plane of the
    50 mm scan lens, the 200 mm tube lens one focal length sum further, the
    objective's back focal plane (the back aperture) at the tube lens's
    back focal plane, and the sample in the objective's front focal plane.
    """
    f_s, f_t, f_o = 50 * ureg.mm, 200 * ureg.mm, 12.5 * ureg.mm
    return LensTrain(
        [
            "scanner",
            Space(f_s),
            ThinLens(f_s, name="scan lens"),
            Space(f_s + f_t),
            ThinLens(f_t, name="tube lens"),
            Space(f_t),
            "back_aperture",
            Space(f_o),
            ThinLens(f_o, name="objective"),
            Space(f_o),
            "sample",
        ],
        name="default scan path",
    )


def _matrix_text(matrix, indent="    ") -> str:
    rows = [[f"{float(x):.6g}" for x in row] for row in matrix.tolist()]
    width = max(len(x) for row in rows for x in row)
    return "\n".join(indent + "[ " + "  ".join(x.rjust(width) for x in row) + " ]" for row in rows)


def core_report(train: LensTrain) -> str:
    """Text report of the first-order optics of a scan train."""
    lines = [f"optics {__version__} report: {train.name or 'lens train'}", ""]
    lines.append("Elements in light order:")
    positions = train.positions()
    for element in train:
        lines.append(f"  {element!r}")
    lines.append("")
    lines.append("Plane positions (z from the scanner):")
    for name, z in positions.items():
        lines.append(f"  {name:<14} {z:~.6g}")
    lines.append("")
    lines.append("ABCD matrix scanner -> back aperture (y in mm, theta in rad):")
    lines.append(_matrix_text(train.matrix_between("scanner", "back_aperture")))
    lines.append("ABCD matrix scanner -> sample:")
    lines.append(_matrix_text(train.matrix_between("scanner", "sample")))
    lines.append("")
    image = train.image_of("scanner")
    if image is None:
        lines.append("The scanner is not imaged inside the train.")
    else:
        where = f"at plane '{image.plane}'" if image.plane else "between planes"
        lines.append(f"The scanner is imaged {where}, z = {image.z:~.6g}, "
                     f"lateral magnification {image.magnification:.6g}.")
    m = float(train.magnification("scanner", "back_aperture"))
    lines.append(f"Beam magnification scanner -> back aperture: |A| = {abs(m):.6g} "
                 f"(a 5 mm beam at the scanner becomes {abs(m) * 5:.6g} mm).")
    b = float(train.abcd("scanner", "sample")[1])
    lines.append(f"Scan-angle to sample-position factor: B = {b:.6g} mm/rad.")
    return "\n".join(lines)


def _cmd_report(args) -> int:
    train = default_scan_train()
    print(core_report(train))
    return 0


def main(argv=None) -> int:
    """Entry point of the ``optics`` console script."""
    parser = argparse.ArgumentParser(
        prog="optics",
        description="Design calculator for point-scanning (two-photon) microscopes.",
    )
    parser.add_argument("--version", action="version", version=f"optics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="report on a design (default: the embedded design)")
    report.set_defaults(func=_cmd_report)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except OpticsError as err:
        print(f"optics: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
