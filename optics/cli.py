"""The ``optics`` command line.

``optics report [design.toml]``
    Reports on a design (default: the embedded default design): beam at the
    back aperture and fill, effective NA, two-photon resolution, FOV, remote
    focus z-range and linearity, scanning rates, clipping and conjugation
    warnings.  ``--json`` prints the same numbers as JSON.  Figures (PNG and
    SVG) go to ``--out`` (default ``optics-report``); ``--no-figures`` skips
    them.  The output folder is written all at once: on an error nothing is
    written there.

``optics search [design.toml]``
    Searches stock focal lengths for the scan lens, tube lens and relays of
    the design and prints the ranked table and the Pareto front, with a
    progress line on standard error.

``optics parts [FILTER] [--kind KIND] [-v | -vv] [--json]``
    Lists the catalog's parts whose name or alias contains FILTER (case and
    spaces ignored); ``-v`` prints every value with its unit and source tier
    (``-vv`` also the reference), ``--json`` the same as JSON.

``--parts FILE`` (report, search, parts) adds a lab's own part file to the
catalog; its parts override catalog parts of the same name.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from optics import __version__
from optics.errors import OpticsError

__all__ = ["main"]


def _load(design_path, parts_files=()):
    import dataclasses

    from optics.design import Design, load_design

    design = Design.default() if design_path is None else load_design(design_path)
    if parts_files:
        extra = tuple(str(Path(p).resolve()) for p in parts_files)
        design = dataclasses.replace(design, extra_parts_files=design.extra_parts_files + extra)
    return design


def _catalog(parts_files=()):
    from optics.catalog import Catalog

    catalog = Catalog.default()
    for path in parts_files:
        catalog = catalog.with_file(path, replace=True)
    return catalog


def _write_figures(analysis, out_dir: Path) -> list:
    """Render every figure of *analysis*, then move them into *out_dir* together."""
    from optics.plotting.report import report_figures

    figures = report_figures(analysis)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".optics-report-", dir=out_dir.parent))
    written = []
    try:
        for name, figure in figures.items():
            for ext in ("png", "svg"):
                figure.savefig(staging / f"{name}.{ext}", dpi=150, bbox_inches="tight")
        out_dir.mkdir(exist_ok=True)
        for file in sorted(staging.iterdir()):
            os.replace(file, out_dir / file.name)
            written.append(out_dir / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _cmd_report(args) -> int:
    from optics.analysis import analyze
    from optics.report import render_report

    design = _load(args.design, args.parts)
    analysis = analyze(design)  # the path is built once; text, JSON and figures render from it
    report = render_report(analysis)
    written = [] if args.no_figures else _write_figures(analysis, Path(args.out))
    if args.json:
        data = report.as_dict()
        data["figures"] = [str(p) for p in written]
        import json

        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(report.to_text())
        if written:
            print(f"\nFigures written to {Path(args.out)}/: " + ", ".join(sorted({p.stem for p in written}))
                  + " (PNG and SVG)")
    return 0


def _progress(stream):
    def show(done, total):
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\rsearching {'#' * filled}{'.' * (width - filled)} {done}/{total} lens sets")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def _cmd_search(args) -> int:
    from optics.microscope.search import search_lens_sets

    design = _load(args.design, args.parts)
    path = design.scan_path(check=False)
    catalog = design.catalog()
    if args.focal_lengths:
        achromats = sorted(set(args.focal_lengths))
        what = "focal lengths"
    elif args.by_part:
        achromats = [p for p in catalog.lenses if p.kind == "achromat"]
        what = "catalog achromats (by part number, clear apertures checked)"
    else:
        achromats = sorted({float(p.f.to("mm").magnitude) for p in catalog.lenses if p.kind == "achromat"})
        what = "focal lengths"
    roles = [r for r in path.lens_roles if args.roles is None or r in args.roles]
    candidates = {role: achromats for role in roles}
    result = search_lens_sets(
        path,
        candidates,
        min_fov=args.min_fov,
        min_fill=args.min_fill,
        max_length=args.max_length,
        progress=None if args.quiet else _progress(sys.stderr),
    )
    print(f"Lens-set search for {design.name}: {result.n_evaluated} combinations of "
          f"{len(achromats)} {what} for {', '.join(roles)}; {result.n_feasible} feasible.")
    print(result.to_text(args.top))
    print()
    print(result.to_text(args.top, which="pareto"))
    return 0


def _cmd_parts(args) -> int:
    import json

    from optics.catalog import KINDS

    catalog = _catalog(args.parts)
    kind, text = args.kind, args.filter
    if text is not None and kind is None and text in KINDS:
        kind, text = text, None  # ``optics parts objective``: a kind, as before
    query = "".join((text or "").split()).casefold()
    entries = [
        e for e in catalog.entries
        if (kind is None or e.kind == kind)
        and (not query or any(query in "".join(n.split()).casefold() for n in (e.name, *e.aliases)))
    ]
    if args.json:
        print(json.dumps([e.as_dict() for e in entries], indent=2, ensure_ascii=False))
        return 0
    if not entries:
        what = f"{kind} parts" if kind else "parts"
        print(f"no {what} match {text!r}" if text else f"no {what}")
        return 1
    for k in KINDS:
        group = [e for e in entries if e.kind == k]
        if not group:
            continue
        print(f"{k} ({len(group)}):")
        for entry in group:
            flag = "verified" if entry.verified else "not verified"
            aliases = f"  (also: {', '.join(entry.aliases)})" if entry.aliases and args.verbose else ""
            print(f"  {entry.name}  [{flag}]{aliases}")
            if args.verbose > 1 and entry.notes:
                print(f"      notes: {entry.notes}")
            if args.verbose:
                for key, value, tier, detail in entry.rows():
                    line = f"      {key:<17} {value:<14} {tier:<10}"
                    if tier in ("derived", "-") or args.verbose > 1:
                        line += f" {detail}"
                    print(line.rstrip())
    return 0


def _mm(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in mm, got {text!r}") from None


def main(argv=None) -> int:
    """Entry point of the ``optics`` console script."""
    parser = argparse.ArgumentParser(
        prog="optics",
        description="Design calculator for point-scanning (two-photon) microscopes.",
    )
    parser.add_argument("--version", action="version", version=f"optics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    report = sub.add_parser("report", help="report on a design (default: the embedded default design)")
    report.add_argument("design", nargs="?", help="design file (TOML); default: the embedded design")
    report.add_argument("--json", action="store_true", help="print the numbers as JSON")
    report.add_argument("--out", default="optics-report", help="folder for the figures (default: optics-report)")
    report.add_argument("--no-figures", action="store_true", help="do not write figures")
    report.add_argument("--parts", action="append", default=[], metavar="FILE",
                        help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    report.set_defaults(func=_cmd_report)

    search = sub.add_parser("search", help="search stock lens sets for a design's scan path")
    search.add_argument("design", nargs="?", help="design file (TOML); default: the embedded design")
    search.add_argument("--min-fov", type=_mm, default=None, help="minimum FOV per axis (mm)")
    search.add_argument("--min-fill", type=float, default=None, help="minimum back-aperture fill ratio")
    search.add_argument("--max-length", type=_mm, default=None, help="maximum path length (mm)")
    search.add_argument("--roles", nargs="+", default=None, help="lens roles to vary (default: all)")
    search.add_argument("--focal-lengths", nargs="+", type=_mm, default=None,
                        help="candidate focal lengths in mm (default: the catalog's achromats)")
    search.add_argument("--by-part", action="store_true",
                        help="candidates are the catalog's achromats by part number, with their clear apertures")
    search.add_argument("--top", type=int, default=10, help="rows to print")
    search.add_argument("--quiet", action="store_true", help="no progress line")
    search.add_argument("--parts", action="append", default=[], metavar="FILE",
                        help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    search.set_defaults(func=_cmd_search)

    parts = sub.add_parser("parts", help="list the catalog's parts (-v: values, units and source tiers)")
    parts.add_argument("filter", nargs="?", help="part kind, or text in the part's name or aliases")
    parts.add_argument("--kind", choices=["objective", "lens", "scanner", "etl"], help="only parts of this kind")
    parts.add_argument("-v", "--verbose", action="count", default=0,
                       help="print every value with its unit and source tier (-vv: and the reference)")
    parts.add_argument("--json", action="store_true", help="print the parts, values and sources as JSON")
    parts.add_argument("--parts", action="append", default=[], metavar="FILE",
                       help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    parts.set_defaults(func=_cmd_parts)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except OpticsError as err:
        print(f"optics: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
