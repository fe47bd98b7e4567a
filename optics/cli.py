"""The ``optics`` command line.

``optics report [design.toml]``
    Reports on a design (default: the embedded default design): beam at the
    back aperture and fill, effective NA, two-photon resolution, FOV, remote
    focus z-range and linearity, scanning rates, clipping and conjugation
    warnings.  ``--json`` prints the same numbers as JSON.  Figures (PNG and
    SVG) go to ``--out`` (default ``optics-report``); ``--no-figures`` skips
    them.  ``--out`` is checked before any work; the folder is built aside
    and swapped in as a whole (no figure of an earlier design survives, and
    on an error nothing changes there).  Only a folder holding nothing but
    figures of an earlier report (PNG and SVG files written by matplotlib)
    is ever replaced.

``optics search [design.toml]``
    Searches the catalog's lenses by part number (every stock achromat, and
    the scan and tube lenses for their roles) for the lens roles of the
    design, exactly and pruned (:func:`optics.microscope.search.search_lens_sets`),
    and prints the ranked table and the Pareto front with part numbers,
    diameters and focal lengths; ``--json`` prints the result as JSON
    (``optics/schemas/search.schema.json``), ``--plot`` writes a figure of
    the front.  Limits come from the command line, else the design's
    ``[search]`` table, else the defaults.  A progress line shows on a
    terminal only (otherwise one line at the end); Ctrl-C prints the best
    found so far and exits 130.

``optics parts [FILTER] [--kind KIND] [-v | -vv] [--json]``
    Lists the catalog's parts whose name or alias contains FILTER (case and
    spaces ignored); ``-v`` prints every value with its unit and source tier
    (``-vv`` also the reference), ``--json`` the same as JSON.

``--parts FILE`` (report, search, parts) adds a lab's own part file to the
catalog; its parts override catalog parts of the same name.

Every failure is one line on standard error and a non-zero exit status:
2 for bad input (an :class:`~optics.errors.OpticsError`) or arguments, 130
for Ctrl-C, 141 (quietly) when the reader of the output goes away
(``optics report | head -1``), 1 for an internal error.  Names from design
and part files are printed with control characters escaped
(:func:`optics.text.escape_text`).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from optics import __version__
from optics.errors import NonFiniteResultError, OpticsError, UsageError
from optics.text import escape_output, escape_text

__all__ = ["main"]


def _load(design_path, parts_files=()):
    """The design of *design_path* (None: the default), read strictly, its name made printable."""
    import dataclasses

    from optics.catalog.tomlfiles import read_text_file
    from optics.design import Design

    if design_path is None:
        design = Design.default()
    else:
        # Read strictly here (UTF-8, bounded) so a bad file is one clear error.
        design = Design.from_toml(read_text_file(design_path, "design file"), label=str(design_path))
    if design.name != escape_text(design.name):  # a name cannot forge report lines
        design = dataclasses.replace(design, name=escape_text(design.name))
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


# ------------------------------------------------------------------------- the output folder
def _check_out_dir(out) -> Path:
    """Check ``--out`` before any work: a usable, replaceable folder path.

    Refused: an empty name, a file, a path under a file, a folder we may not
    write in, a folder holding anything but an earlier report (it is
    replaced as a whole), the current folder or one of its parents, and a
    path the file system refuses (too long, say).
    """
    text = str(out)
    if not text.strip():
        raise UsageError("--out: empty folder name; give a folder for the figures (or --no-figures)")
    if "\x00" in text:
        raise UsageError(f"--out: {escape_text(text, max_length=200)!r} holds a NUL character")
    try:
        return _check_out_path(Path(text).expanduser())
    except OSError as err:
        raise UsageError(
            f"--out {escape_text(text, max_length=200)}: unusable path: {err.strerror or err}"
        ) from None


def _check_out_path(out: Path) -> Path:
    where = escape_text(str(out), max_length=200)
    try:
        resolved = out.resolve()
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError) as err:
        raise UsageError(f"--out {where}: cannot resolve the path: {err}") from None
    if resolved == cwd or resolved in cwd.parents:
        raise UsageError(f"--out {where}: is the current folder or one of its parents; "
                         "the output folder is replaced as a whole, so give a folder of its own")
    if out.is_symlink():
        raise UsageError(f"--out {where}: is a symbolic link; give a plain folder path")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {where}: exists and is not a folder")
        try:
            entries = list(os.scandir(out))
        except OSError as err:
            raise UsageError(f"--out {where}: cannot list the folder: {err.strerror or err}") from None
        # Only a folder holding nothing but figures we made is ever replaced.
        foreign = [e.name for e in entries if not _is_our_figure(e)]
        if foreign:
            raise UsageError(
                f"--out {where}: the folder holds {escape_text(foreign[0], max_length=80)!r}, not a figure "
                "of an earlier report; the folder is replaced as a whole, so give a new or empty folder"
            )
    # the nearest existing ancestor must be a folder we can write in
    parent = resolved.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"--out {where}: {escape_text(str(parent))} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {where}: cannot write in {escape_text(str(parent))} (permission denied)")
    return out


#: Written into every figure's metadata; with matplotlib's own mark it tells
#: our figures from a user's files in an existing ``--out`` folder.
_FIGURE_MARK = "optics report"
_FIGURE_METADATA = {"png": {"Software": _FIGURE_MARK}}


def _is_our_figure(entry) -> bool:
    """A regular PNG or SVG file written by ``optics report`` (or by matplotlib)."""
    if not entry.name.endswith((".png", ".svg")) or not entry.is_file(follow_symlinks=False):
        return False
    try:
        with open(entry.path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return _FIGURE_MARK.encode() in head or b"atplotlib" in head


def _staging_dir(out_dir: Path) -> Path:
    """A new empty folder beside *out_dir* (same file system, so the swap is a rename)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".optics-report-new-", dir=out_dir.parent))
    umask = os.umask(0o022)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the report folder is not
    return staging


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put *staging* in place of *out_dir* as a whole; the old folder is removed afterwards.

    Two renames on one file system; if the second fails (or Ctrl-C comes
    between them) the previous folder is put back.
    """
    old = None
    if out_dir.exists() or out_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=".optics-report-old-", dir=out_dir.parent))
    try:
        if old is not None:
            os.replace(out_dir, old / "previous")
        os.replace(staging, out_dir)
    except BaseException:
        if old is not None and (old / "previous").exists() and not out_dir.exists():
            os.replace(old / "previous", out_dir)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _write_figures(analysis, out_dir: Path) -> list:
    """Render every figure of *analysis* into a folder beside *out_dir*, then swap it in as a whole."""
    from optics.plotting.report import report_figures

    return _save_figures(report_figures(analysis), out_dir)


#: Resolution of the PNG figures (dots per inch).
_FIGURE_DPI = 150


def _svg_metadata():
    """SVG metadata: our mark with the versions and PNG resolution, and no date.

    Without a date the SVG of a figure is the same bytes whenever the figure
    is the same, and the mark records everything else the PNG depends on; so
    an SVG equal to the one already in ``--out`` means that folder's PNG is
    this figure's PNG, and it is reused instead of drawn again.
    """
    import matplotlib

    from optics import __version__

    creator = f"{_FIGURE_MARK} (optics {__version__}, matplotlib {matplotlib.__version__}, png {_FIGURE_DPI} dpi)"
    return {"Creator": creator, "Date": None}


def _previous_png(out_dir: Path, name: str, svg: bytes):
    """The PNG of figure *name* in the existing *out_dir* if its SVG there is *svg* byte for byte."""
    old_svg, old_png = out_dir / f"{name}.svg", out_dir / f"{name}.png"
    try:
        if not (old_svg.is_file() and not old_svg.is_symlink() and old_png.is_file() and not old_png.is_symlink()):
            return None
        if old_svg.stat().st_size != len(svg) or old_svg.read_bytes() != svg:
            return None
        with open(old_png, "rb") as stream:
            if _FIGURE_MARK.encode() not in stream.read(4096):
                return None
    except OSError:
        return None
    return old_png


def _save_figures(figures: dict, out_dir: Path) -> list:
    """Save *figures* (PNG and SVG) into a folder beside *out_dir*, then swap it in as a whole.

    Each figure is drawn as SVG first (vector output, cheap; constrained layout
    is solved in that drawing); a figure whose SVG is unchanged since the
    report that wrote *out_dir* keeps that report's PNG, and only changed
    figures are rasterised again (with the layout already solved).
    """
    out_dir = Path(out_dir)
    staging = None
    try:
        staging = _staging_dir(out_dir)
        import io

        import matplotlib

        # SVG text stays text (smaller, faster, searchable); PNGs are compressed at zlib
        # level 1 (a fifth of the encoding time of level 6, files about 12 % larger).
        svg_metadata = _svg_metadata()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "optics"}):
            for name, figure in figures.items():
                buffer = io.BytesIO()
                figure.savefig(buffer, format="svg", dpi=_FIGURE_DPI, metadata=svg_metadata)
                svg = buffer.getvalue()
                (staging / f"{name}.svg").write_bytes(svg)
                previous = _previous_png(out_dir, name, svg) if out_dir.is_dir() else None
                if previous is not None:
                    shutil.copyfile(previous, staging / f"{name}.png")
                    continue
                figure.set_layout_engine("none")
                figure.savefig(staging / f"{name}.png", dpi=_FIGURE_DPI, metadata=_FIGURE_METADATA["png"],
                               pil_kwargs={"compress_level": 1})
        names = sorted(p.name for p in staging.iterdir())
        _swap_in(staging, out_dir)
    except OSError as err:
        where = escape_text(str(out_dir), max_length=200)
        raise UsageError(f"--out {where}: cannot write the figures: {err.strerror or err}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in names]


def _cmd_report(args) -> int:
    from optics.analysis import analyze
    from optics.report import render_report

    out = None if args.no_figures else _check_out_dir(args.out)
    design = _load(args.design, args.parts)
    analysis = analyze(design)  # the path is built once; text, JSON and figures render from it
    report = render_report(analysis)
    _check_finite(report.as_dict())  # no inf or nan is printed; checked before any figure is written
    written = [] if out is None else _write_figures(analysis, out)
    if args.json:
        data = report.as_dict()
        data["figures"] = [str(p) for p in written]
        print(_to_json(data))
    else:
        print(escape_output(report.to_text()))
        if written:
            print(escape_output(f"\nFigures written to {out}/: " + ", ".join(sorted({p.stem for p in written}))
                                + " (PNG and SVG)"))
    return 0


def _non_finite_path(data, path="$"):
    """Where the first NaN or infinity sits in JSON-like *data* (None if nowhere)."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where, value
        if isinstance(value, dict):
            stack.extend((f"{where}.{k}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


def _check_finite(data) -> None:
    """Refuse a report holding a NaN or infinity (a wrong number, and invalid JSON)."""
    found = _non_finite_path(data)
    if found:
        raise NonFiniteResultError(
            f"the report would show {found[1]} for {escape_text(found[0][2:])}; "
            "no number printed may be infinite or undefined (check the design's values)"
        )


def _to_json(data) -> str:
    """JSON text of *data*; a NaN or infinity (invalid JSON) is an error naming where it is."""
    import json

    _check_finite(data)
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise UsageError(f"--json: cannot write the report as JSON: {err}") from None
    # json leaves DEL, C1 controls (0x9b starts an escape code on some
    # terminals), bidi overrides and separators raw; they only occur inside
    # strings, where a \uXXXX escape means the same.
    return "".join(f"\\u{ord(c):04x}" if c != escape_text(c) and c != "\n" else c for c in text)


_PROGRESS_OPEN = []  # non-empty while a progress line waits for its newline


def _progress(stream):
    def show(done, total):
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\rsearching {'#' * filled}{'.' * (width - filled)} {done}/{total} lens sets")
        _PROGRESS_OPEN[:] = [True]
        if done >= total:
            stream.write("\n")
            _PROGRESS_OPEN.clear()
        stream.flush()

    return show


#: Version of the ``optics search --json`` output (optics/schemas/search.schema.json).
SEARCH_SCHEMA_VERSION = 1


def _search_setting(args, settings, key, unit=None, default=None):
    """A search limit: the command line's, else the design's ``[search]`` table's, else *default* (a number)."""
    from optics.units import to_magnitude

    value = getattr(args, key, None)
    if value is None:
        value = settings.get(key)
        if value is not None and unit is not None:
            value = float(to_magnitude(value, unit, name=f"[search] {key}"))
    return default if value is None else value


def search_json_schema() -> dict:
    """The JSON schema of ``optics search --json``, shipped with the package (optics/schemas/search.schema.json)."""
    import json
    from importlib import resources

    return json.loads(resources.files("optics").joinpath("schemas/search.schema.json").read_text(encoding="utf-8"))


def _search_json(design, result, candidates) -> dict:
    """The ``--json`` document of a search (schema: optics/schemas/search.schema.json)."""

    def number(value, unit):
        value = float(value)
        return {"value": value if math.isfinite(value) else None, "unit": unit}

    def row_dict(row):
        lenses = {}
        for r in result.roles:
            part = str(row[r]) if r in row.dtype.names and row[r] else None
            ap, dia = float(row[f"aperture_{r}"]), float(row[f"diameter_{r}"])
            lenses[r] = {
                "part": part,
                "f": number(row[f"f_{r}"], "mm"),
                "clear_aperture": number(ap, "mm") if math.isfinite(ap) else None,
                "diameter": number(dia, "mm") if math.isfinite(dia) else None,
            }
        out = {"lenses": lenses,
               "metrics": {c: number(row[c], result.units.get(c, "")) for c in result.units}}
        out["n_alternatives"] = int(row["n_alternatives"])
        return out

    lim = result.limits
    limits = {
        "min_fov": {p: number(v, "mm") for p, v in lim.min_fov.items()},
        "min_fill": None if lim.min_fill is None else number(lim.min_fill, ""),
        "max_fill": None if lim.max_fill is None else number(lim.max_fill, ""),
        "max_length": None if lim.max_length is None else number(lim.max_length, "mm"),
        "min_z_range": None if lim.min_z_range is None else number(lim.min_z_range, "um"),
        "aperture_fill": None if lim.aperture_fill is None else number(lim.aperture_fill, ""),
        "etl_fill": None if lim.etl_fill is None else number(lim.etl_fill, ""),
        "max_field_angle": None if lim.max_field_angle is None else number(lim.max_field_angle, "deg"),
        "min_f_number": None if lim.min_f_number is None else number(lim.min_f_number, ""),
    }
    return {
        "schema_version": SEARCH_SCHEMA_VERSION,
        "design": design.name,
        "method": result.method,
        "interrupted": result.interrupted,
        "n_evaluated": result.n_evaluated,
        "n_checked": result.n_checked,
        "n_pruned": result.n_pruned,
        "n_feasible": result.n_feasible,
        "roles": list(result.roles),
        "candidates": {r: len(c) for r, c in candidates.items()},
        "limits": limits,
        "rank_by": [{"metric": c, "sense": result.senses.get(c) or "max"} for c in result.rank_by],
        "pareto_metrics": [{"metric": c, "sense": result.senses.get(c) or "max"} for c in result.pareto_metrics],
        "table": [row_dict(row) for row in result.table],
        "pareto": [row_dict(row) for row in result.pareto],
    }


def _cmd_search(args) -> int:
    import time

    from optics.catalog.candidates import path_candidates
    from optics.microscope.search import DEFAULT_FILL_WINDOW, search_lens_sets
    from optics.units import ureg

    design = _load(args.design, args.parts)
    path = design.scan_path(check=False)
    catalog = design.catalog()
    settings = design.search_settings
    roles = _check_roles(args.roles or (list(settings["roles"]) if "roles" in settings else None), path.lens_roles)
    families = args.family or list(settings.get("families", ()))
    coatings = args.coating or list(settings.get("coatings", ()))
    diameters = args.diameter or [float(d.to("mm").magnitude) for d in settings.get("diameters", ())]
    if args.focal_lengths and len(args.focal_lengths) > MAX_FOCAL_LENGTHS:
        raise UsageError(f"--focal-lengths: {len(args.focal_lengths)} values, more than the {MAX_FOCAL_LENGTHS} accepted")
    if args.focal_lengths:
        candidates = path_candidates(catalog, path, ())
        candidates.update({role: sorted(set(args.focal_lengths)) for role in roles})
    else:
        candidates = path_candidates(catalog, path, roles, families=families, diameters=diameters,
                                     coatings=coatings)
        for role in roles:
            if not candidates[role]:
                raise UsageError(f"search: no catalog lens passes the filters for {role!r} "
                                 "(--family, --diameter, --coating)")
    min_fill = _search_setting(args, settings, "min_fill", default=DEFAULT_FILL_WINDOW[0])
    max_fill = _search_setting(args, settings, "max_fill", default=DEFAULT_FILL_WINDOW[1])
    if min_fill > max_fill:
        raise UsageError(f"search: the fill window is empty (min fill {min_fill:g} > max fill {max_fill:g})")
    z_default = None
    min_z = _search_setting(args, settings, "min_z_range", "um", z_default)
    if min_z is not None and not (path.etl is not None and path.etl.has_range):
        raise UsageError("search: --min-z-range needs a design with an ETL and its power range")
    max_angle = _search_setting(args, settings, "max_field_angle", "deg")
    show = None
    if not args.quiet and not args.json and sys.stderr.isatty():
        show = _progress(sys.stderr)
    start = time.perf_counter()
    result = search_lens_sets(
        path,
        candidates,
        min_fov=_search_setting(args, settings, "min_fov", "mm"),
        min_fill=min_fill,
        max_fill=max_fill,
        max_length=_search_setting(args, settings, "max_length", "mm"),
        min_z_range=None if min_z is None else min_z * ureg.um,
        aperture_fill=_search_setting(args, settings, "aperture_fill", default=1.0),
        etl_fill=_search_setting(args, settings, "etl_fill", default=path.fill_limit),
        max_field_angle=None if max_angle is None else max_angle * ureg.deg,
        min_f_number=_search_setting(args, settings, "min_f_number"),
        limit=max(args.top, 1),
        progress=show,
    )
    seconds = time.perf_counter() - start
    if _PROGRESS_OPEN:
        sys.stderr.write("\n")
        _PROGRESS_OPEN.clear()
    if not args.quiet and not args.json and show is None:  # not a terminal: one quiet line
        print(f"optics search: {result.n_evaluated} lens sets in {seconds:.2f} s", file=sys.stderr)
    if args.plot:
        from optics.plotting.search import plot_pareto

        ax = plot_pareto(result, min_fill=min_fill)
        ax.figure.savefig(args.plot)
    if args.json:
        print(_to_json(_search_json(design, result, {r: candidates[r] for r in roles})))
    else:
        what = "focal lengths" if args.focal_lengths else "catalog lenses (by part number)"
        counts = ", ".join(f"{r} {len(candidates[r])}" for r in roles)
        print(escape_output(
            f"Lens-set search for {design.name}: {what} for {counts}; {result.n_evaluated:,} lens sets, "
            f"{result.n_pruned:,} excluded by the pruning without being formed, {result.n_feasible:,} feasible "
            f"({result.method} search, {seconds:.2f} s)."))
        limits = [f"fill {min_fill:g} to {max_fill:g}",
                  f"footprint at most {result.limits.aperture_fill:g} of every known clear aperture",
                  f"beam at most {result.limits.etl_fill:g} of the ETL's"]
        print(escape_output("Limits: " + "; ".join(limits) + (f"; {', '.join(f'{k} {v:g}' for k, v in _extra_limits(result))}"
                                                              if _extra_limits(result) else "") + "."))
        print(escape_output(result.to_text(args.top)))
        print()
        print(escape_output(result.to_text(args.top, which="pareto")))
    return 130 if result.interrupted else 0


def _extra_limits(result):
    lim = result.limits
    out = [(f"min FOV {p} (mm)", v) for p, v in lim.min_fov.items()]
    for key, unit in (("max_length", "mm"), ("min_z_range", "um"), ("max_field_angle", "deg"), ("min_f_number", "")):
        value = getattr(lim, key)
        if value is not None:
            out.append((f"{key}{f' ({unit})' if unit else ''}", value))
    return out


def _tolerances(design, args):
    from optics.microscope.tolerance import (
        DEFAULT_FOCAL_LENGTH_TOLERANCE,
        DEFAULT_PLACEMENT_TOLERANCE,
        Tolerances,
    )

    def pick(cli, file, default):
        return cli if cli is not None else file if file is not None else default

    placement = design.placement_tolerance.to("mm").magnitude if design.placement_tolerance is not None else None
    return Tolerances(
        focal_length=pick(args.focal_length_tolerance, design.focal_length_tolerance, DEFAULT_FOCAL_LENGTH_TOLERANCE),
        placement=pick(args.placement_tolerance, placement, DEFAULT_PLACEMENT_TOLERANCE),
        distribution=pick(args.distribution, design.tolerance_distribution, "uniform"),
    )


def _tolerance_text(design, tol, rows, mc, top) -> str:
    sigmas = dict(mc.sigmas)
    lines = [f"optics tolerance: {design.name}", f"design: {design.origin}",
             f"tolerances: focal lengths ±{100 * tol.focal_length:g} %, placements ±{tol.placement:g} mm, "
             f"{tol.distribution}", "",
             "Which focal length or placement matters most (the spread each tolerance causes alone, 1 sigma; "
             "f_ focal lengths, d_ spacings)"]
    for spread in mc.spreads:
        unit = f" {spread.unit}" if spread.unit else ""
        ranked = sorted((r for r in rows if r.quantity == spread.quantity),
                        key=lambda r: -abs(r.derivative) * sigmas.get(r.parameter, 0.0))[:top]
        parts = ", ".join(f"{r.parameter} {abs(r.derivative) * sigmas.get(r.parameter, 0.0):.3g}{unit}"
                          f" ({r.derivative:+.4g}/mm)" for r in ranked if r.derivative)
        lines.append(f"  {spread.quantity:<16} {parts or 'insensitive'}")
    lines += ["", f"{mc.n} drawn builds (quantity: design -> mean ± sd, 5-95 %; first-order sd; driven by)"]
    for spread in mc.spreads:
        unit = f" {spread.unit}" if spread.unit else ""
        lines.append(f"  {spread.quantity:<16} {spread.nominal + 0.0:.4g} -> {spread.mean:.4g} ± {spread.std:.3g}{unit}, "
                     f"{spread.p05:.4g} to {spread.p95:.4g}; first order {spread.first_order_std:.3g}; "
                     f"{spread.driver}")
    lines += ["", f"Yield {100 * mc.yield_fraction:.4g} % inside every window"]
    units = {s.quantity: f" {s.unit}" if s.unit else "" for s in mc.spreads}
    for (name, low, high), (_, fail) in zip(mc.limits, mc.failures):
        lines.append(f"  {name:<16} window {low:.4g} to {high:.4g}{units.get(name, '')}: "
                     f"{100 * fail:.3g} % of builds outside")
    if mc.compensation is not None:
        c = mc.compensation
        lines += ["", f"Compensator: {c.spacing} adjusted per build to restore {c.quantity}: "
                      f"sd {c.adjustment_std:.3g} mm, up to {c.adjustment_max:.3g} mm of travel"]
        for spread in c.residual:
            unit = f" {spread.unit}" if spread.unit else ""
            # a restored quantity is zero up to float round-off (1e-14 mm): print it as 0
            mean, std = (v if abs(v) > 1e-9 * max(1.0, abs(spread.nominal)) else 0.0 for v in (spread.mean, spread.std))
            lines.append(f"  {spread.quantity:<16} after: {mean:.4g} ± {std:.3g}{unit}")
    return "\n".join(lines)


def _cmd_tolerance(args) -> int:
    from optics.microscope.tolerance import monte_carlo, sensitivities

    out = None if args.no_figures else _check_out_dir(args.out)
    design = _load(args.design, args.parts)
    path = design.scan_path(check=False)
    tol = _tolerances(design, args)
    rows = sensitivities(path)
    mc = monte_carlo(path, tol, args.n, seed=args.seed, compensate=args.compensate, sensitivity_rows=rows)
    written = []
    if out is not None:
        from optics.plotting.tolerance import tolerance_figures

        written = _save_figures(tolerance_figures(rows, mc), out)
    if args.json:
        data = {
            "design": design.origin, "title": design.name, "builds": mc.n,
            "tolerances": {"focal_length": tol.focal_length, "placement_mm": tol.placement,
                           "distribution": tol.distribution},
            "sensitivities": [{"quantity": r.quantity, "parameter": r.parameter, "derivative": r.derivative,
                               "unit": f"{r.unit}/mm" if r.unit else "1/mm"} for r in rows],
            "spreads": [s._asdict() for s in mc.spreads],
            "yield": mc.yield_fraction,
            "failures": dict(mc.failures),
            "windows": [{"quantity": name, "low": low if math.isfinite(low) else None,
                         "high": high if math.isfinite(high) else None,
                         "unit": next((sp.unit for sp in mc.spreads if sp.quantity == name), ""),
                         "fraction_outside": fail}
                        for (name, low, high), (_, fail) in zip(mc.limits, mc.failures)],
            "compensation": None if mc.compensation is None else {
                "quantity": mc.compensation.quantity, "spacing": mc.compensation.spacing,
                "adjustment_std_mm": mc.compensation.adjustment_std,
                "adjustment_max_mm": mc.compensation.adjustment_max,
                "residual": [s._asdict() for s in mc.compensation.residual]},
            "figures": [str(p) for p in written],
        }
        _check_finite(data)
        print(_to_json(data))
    else:
        print(escape_output(_tolerance_text(design, tol, rows, mc, args.top)))
        if written:
            print(escape_output(f"\nFigures written to {out}/: " + ", ".join(sorted({p.stem for p in written}))
                                + " (PNG and SVG)"))
    return 0


def _cmd_parts(args) -> int:
    import json

    from optics.catalog import JSON_SCHEMA_VERSION as PARTS_SCHEMA_VERSION
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
        data = {"schema_version": PARTS_SCHEMA_VERSION, "parts": [e.as_dict() for e in entries]}
        print(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    if not entries:
        what = f"{kind} parts" if kind else "parts"
        print(escape_output(f"optics parts: no {what} match {text!r}" if text else f"optics parts: no {what}"),
              file=sys.stderr)
        return 2
    if not args.verbose:
        print(escape_output(_parts_table(entries, KINDS)))
        return 0
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


#: The values ``optics parts`` shows of each kind without ``-v`` (which shows every value and its source).
PARTS_COLUMNS = {
    "objective": ("magnification", "na", "immersion_index", "efl", "back_aperture", "working_distance"),
    "lens": ("kind", "f", "aperture"),
    "scanner": ("kind", "aperture", "optical_angle", "frequency"),
    "etl": ("aperture", "power_min", "power_max"),
}


def _parts_table(entries, kinds) -> str:
    """One aligned table per kind: name, the kind's main values (:data:`PARTS_COLUMNS`), verified."""
    blocks = []
    for kind in kinds:
        group = [e for e in entries if e.kind == kind]
        if not group:
            continue
        columns = PARTS_COLUMNS.get(kind, ())
        table = [("name", *columns, "data")]
        for entry in group:
            values = {key: value for key, value, _, _ in entry.rows()}
            table.append((entry.name, *(values.get(key, "") for key in columns),
                          "verified" if entry.verified else "not verified"))
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
        blocks.append(f"{kind} ({len(group)}):\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n\n(-v: every value with its unit, source tier and formula; --json: the same as JSON)"


# ------------------------------------------------------------------ command-line arguments
#: Most focal lengths after ``--focal-lengths``.
MAX_FOCAL_LENGTHS = 200
#: Largest length accepted on the command line (mm): 100 m.
MAX_LENGTH_MM = 1e5


def _finite(text, what):
    """A finite float from an argument (``nan``, ``inf``, ``1e999`` refused)."""
    if len(text) > 40:
        raise argparse.ArgumentTypeError(f"{what}: {escape_text(text[:40])!r}... is too long for a number")
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {escape_text(text)!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number ({what}), got {escape_text(text)!r}")
    return value


def _mm(text):
    """A positive length in mm, at most :data:`MAX_LENGTH_MM`."""
    value = _finite(text, "a number in mm")
    if not 0 < value <= MAX_LENGTH_MM:
        raise argparse.ArgumentTypeError(
            f"expected a length in mm above 0 and at most {MAX_LENGTH_MM:g}, got {escape_text(text)!r}"
        )
    return value


#: Largest field of view a search may ask for (mm): beyond any objective's field (mesoscopes reach ~10 mm).
MAX_FOV_MM = 50.0


def _fov_mm(text):
    """A minimum field of view in mm, at most :data:`MAX_FOV_MM` (a value in µm by mistake is caught)."""
    value = _mm(text)
    if value > MAX_FOV_MM:
        raise argparse.ArgumentTypeError(
            f"{escape_text(text)!r} mm is wider than any objective's field (at most {MAX_FOV_MM:g} mm); the value is "
            f"in mm (a field of {escape_text(text)} um is {value / 1000:g})"
        )
    return value


def _focal_length(text):
    """A non-zero focal length in mm, at most :data:`MAX_LENGTH_MM` in size."""
    value = _finite(text, "a focal length in mm")
    if value == 0 or abs(value) > MAX_LENGTH_MM:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero focal length in mm of at most {MAX_LENGTH_MM:g} in size, got {escape_text(text)!r}"
        )
    return value


def _within(text, what, expected, inside):
    """A finite float from *text* for which ``inside(value)`` holds, else an error saying what was *expected*."""
    value = _finite(text, what)
    if not inside(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {escape_text(text)!r}")
    return value


def _fill_ratio(text):
    """A back-aperture fill ratio: above 0, at most 10."""
    return _within(text, "a fill ratio", "a fill ratio above 0 and at most 10", lambda v: 0 < v <= 10)


def _builds(text):
    """A number of Monte Carlo builds: 1 to 10 million."""
    try:
        value = int(text) if len(text) <= 12 else None
    except ValueError:
        value = None
    if value is None or not 1 <= value <= 10_000_000:
        raise argparse.ArgumentTypeError(f"expected a whole number of builds from 1 to 10000000, got {escape_text(text)!r}")
    return value


def _fraction(text):
    """A tolerance fraction in [0, 1)."""
    value = _finite(text, "tolerance")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"a fraction from 0 to below 1 (0.01 is ±1 %), got {text!r}")
    return value


def _count(text):
    """A whole number of rows from 1 to 10000."""
    try:
        value = int(text) if len(text) <= 12 else None
    except ValueError:
        value = None
    if value is None or not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 10000, got {escape_text(text)!r}")
    return value


def _um(text):
    """A positive length in µm, at most 1 m."""
    return _within(text, "a number in um", "a length in um above 0 and at most 1e6", lambda v: 0 < v <= 1e6)


def _aperture_fraction(text):
    """A fraction of a clear aperture: above 0, at most 1."""
    return _within(text, "a fraction of the clear aperture", "a fraction above 0 and at most 1", lambda v: 0 < v <= 1)


def _angle_deg(text):
    """A field half angle in degrees: above 0, below 90."""
    return _within(text, "an angle in degrees", "an angle above 0 and below 90 deg", lambda v: 0 < v < 90)


def _check_roles(asked, known) -> list:
    """The lens roles to vary, in path order; an unknown role is an error (not silently dropped)."""
    if asked is None:
        return list(known)
    unknown = [r for r in asked if r not in known]
    if unknown:
        raise UsageError(
            f"--roles: unknown role(s) {', '.join(repr(escape_text(r)) for r in unknown)}; "
            f"this design's lens roles are {', '.join(known)}"
        )
    return [r for r in known if r in asked]


class _ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (``optics: error: ...``), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {escape_text(message)} (see {self.prog} --help)\n")


def _run(func, args) -> int:
    """Run a command: every failure is one line on standard error and a non-zero exit.

    ``OpticsError`` exits 2; Ctrl-C exits 130 with one line; warnings are
    printed one line each after a successful command; a closed output
    pipe (``optics report | head -1``) exits 141 quietly; any other
    exception is an internal error, one line, exit 1 (``OPTICS_DEBUG=1``
    shows the traceback).
    """
    import warnings

    try:
        try:
            # Warnings are shown (one line each) only when the command succeeds:
            # a failure is exactly one line.
            with warnings.catch_warnings(record=True) as caught:
                code = func(args)
            for warning in caught:
                _show_warning(warning.message, warning.category, warning.filename, warning.lineno)
            sys.stdout.flush()
            return code
        except OpticsError as err:
            _print_error(f"optics: error: {escape_text(str(err), max_length=2000)}")
            return 2
        except KeyboardInterrupt:
            _print_error("optics: interrupted")
            return 130
        except BrokenPipeError:
            raise
        except RecursionError:
            _print_error("optics: error: the input is nested too deeply to process")
            return 1
        except MemoryError:
            _print_error("optics: error: out of memory (the input asks for too much work)")
            return 1
        except Exception as err:
            if os.environ.get("OPTICS_DEBUG"):
                raise
            _print_error(f"optics: internal error: {type(err).__name__}: {escape_text(str(err), max_length=300)} "
                         "(please report it; OPTICS_DEBUG=1 shows the traceback)")
            return 1
    except BrokenPipeError:
        # The reader went away: say nothing, and keep Python from complaining at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 141


def _print_error(line):
    """Print one line on standard error (after ending an unfinished progress line)."""
    try:
        if _PROGRESS_OPEN:
            _PROGRESS_OPEN.clear()
            sys.stderr.write("\n")
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings at the command line: one escaped line each, no source excerpt."""
    name = "warning" if issubclass(category, UserWarning) else f"warning ({category.__name__})"
    _print_error(f"optics: {name}: {escape_text(str(message), max_length=300)}")


def _safe_streams():
    """Unencodable characters (a name in a non-UTF-8 terminal) become escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def main(argv=None) -> int:
    """Entry point of the ``optics`` console script.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    """
    parser = _ArgumentParser(
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

    from optics.microscope.path import DEFAULT_FILL_LIMIT
    from optics.microscope.search import DEFAULT_FILL_WINDOW as fill_window

    search = sub.add_parser(
        "search", help="search catalog lens sets (by part number) for a design's scan path; lens roles: "
                  "etl_relay_1, etl_relay_2, relayK_1, relayK_2 (K = 1, 2, ...), scan_lens, tube_lens",
        description="Search the catalog's lenses for the lens roles of a design: every stock achromat "
                    "(filtered by --family, --diameter, --coating) for each role, plus the catalog's scan lenses "
                    "for scan_lens and tube lenses for tube_lens.  Limits come from the command line, else from the "
                    "design's [search] table, else the defaults shown.  Roles of a path: etl_relay_1, etl_relay_2 "
                    "(the relay imaging the ETL onto the first scanner), relay1_1, relay1_2, ... (relay K between "
                    "scanner K and K+1), scan_lens, tube_lens.  Rows are ranked by effective NA, FOV per scanner, "
                    "z-range, aberration proxy, then path length; the Pareto front collapses ties "
                    "(n_alternatives).  Progress shows on a terminal only; Ctrl-C prints the best found so far "
                    "(exit status 130).")
    search.add_argument("design", nargs="?", help="design file (TOML); default: the embedded design")
    search.add_argument("--roles", nargs="+", default=None, metavar="ROLE",
                        help="lens roles to vary (default: [search] roles, else all): etl_relay_1, etl_relay_2, "
                             "relay1_1, relay1_2, ..., scan_lens, tube_lens")
    search.add_argument("--family", nargs="+", default=None, metavar="FAMILY",
                        help="achromat families only, e.g. AC254 AC508 (default: all)")
    search.add_argument("--diameter", nargs="+", type=_mm, default=None, metavar="MM",
                        help="achromat diameters only, in mm, e.g. 25.4 50.8 (default: all)")
    search.add_argument("--coating", nargs="+", default=None, metavar="LETTER",
                        help="achromat coating letters only (the part number's last field, e.g. B)")
    search.add_argument("--focal-lengths", nargs="+", type=_focal_length, default=None, metavar="MM",
                        help="plain focal lengths in mm instead of catalog parts (apertures not checked)")
    search.add_argument("--by-part", action="store_true",
                        help="candidates by part number (the default; kept for old scripts)")
    search.add_argument("--min-fov", type=_fov_mm, default=None, help="minimum FOV per scanner axis (mm)")
    search.add_argument("--min-fill", type=_fill_ratio, default=None,
                        help=f"lowest back-aperture fill, beam / back aperture (default {fill_window[0]:g})")
    search.add_argument("--max-fill", type=_fill_ratio, default=None,
                        help=f"highest back-aperture fill (default {fill_window[1]:g})")
    search.add_argument("--max-length", type=_mm, default=None, help="maximum path length, input to objective (mm)")
    search.add_argument("--min-z-range", type=_um, default=None, help="minimum ETL focus range (um)")
    search.add_argument("--aperture-fill", type=_aperture_fraction, default=None,
                        help="largest beam footprint over the full scan as a fraction of every known clear "
                             "aperture of the mirrors and lenses (default 1: no clipping)")
    search.add_argument("--etl-fill", type=_aperture_fraction, default=None,
                        help=f"largest beam as a fraction of the ETL's clear aperture (default: the design's "
                             f"fill_limit, {DEFAULT_FILL_LIMIT:g} unless set)")
    search.add_argument("--max-field-angle", type=_angle_deg, default=None,
                        help="largest chief-ray half angle at a lens of the aberration proxy (deg)")
    search.add_argument("--min-f-number", type=_fill_ratio, default=None,
                        help="smallest working f-number f/D of a lens of the aberration proxy")
    search.add_argument("--top", type=_count, default=10, help="rows to print (default 10)")
    search.add_argument("--json", action="store_true",
                        help="print the result as JSON (optics/schemas/search.schema.json)")
    search.add_argument("--plot", default=None, metavar="FILE", help="write a figure of the Pareto front (PNG, SVG)")
    search.add_argument("--quiet", action="store_true", help="no progress line")
    search.add_argument("--parts", action="append", default=[], metavar="FILE",
                        help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    search.set_defaults(func=_cmd_search)

    tolerance = sub.add_parser("tolerance", help="sensitivities and Monte Carlo tolerancing of a design")
    tolerance.add_argument("design", nargs="?", help="design file (TOML); default: the embedded design")
    tolerance.add_argument("--n", type=_builds, default=100_000, help="drawn builds (default 100000)")
    tolerance.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tolerance.add_argument("--focal-length-tolerance", type=_fraction, default=None,
                           help="relative focal-length tolerance (default: design file, else 0.01)")
    tolerance.add_argument("--placement-tolerance", type=_mm, default=None,
                           help="placement tolerance in mm (default: design file, else 0.5)")
    tolerance.add_argument("--distribution", choices=["uniform", "normal"], default=None,
                           help="error distribution (default: design file, else uniform)")
    tolerance.add_argument("--compensate", nargs=2, metavar=("QUANTITY", "SPACING"), default=None,
                           help="restore QUANTITY (e.g. image:galvo) per build by adjusting SPACING "
                                "(e.g. d_back_aperture)")
    tolerance.add_argument("--top", type=_count, default=4, help="parameters listed per quantity")
    tolerance.add_argument("--json", action="store_true", help="print the numbers as JSON")
    tolerance.add_argument("--out", default="optics-tolerance", help="folder for the figures")
    tolerance.add_argument("--no-figures", action="store_true", help="do not write figures")
    tolerance.add_argument("--parts", action="append", default=[], metavar="FILE",
                           help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    tolerance.set_defaults(func=_cmd_tolerance)

    parts = sub.add_parser("parts", help="list the catalog's parts (-v: values, units and source tiers)")
    parts.add_argument("filter", nargs="?", help="part kind, or text in the part's name or aliases")
    parts.add_argument("--kind", choices=["objective", "lens", "scanner", "etl"], help="only parts of this kind")
    parts.add_argument("-v", "--verbose", action="count", default=0,
                       help="print every value with its unit and source tier (-vv: and the reference)")
    parts.add_argument("--json", action="store_true", help="print the parts, values and sources as JSON")
    parts.add_argument("--parts", action="append", default=[], metavar="FILE",
                       help="a part file (TOML) whose parts add to or override the catalog's (repeatable)")
    parts.set_defaults(func=_cmd_parts)

    _safe_streams()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        _print_error("optics: interrupted")
        return 130
    return _run(args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
