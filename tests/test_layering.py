"""The layering rules, enforced on the source (AST) and at import time.

Layers, lowest first (a module may import its own layer's package and any
lower layer, never a higher one, not even inside a function):

0. ``optics.errors``, ``optics.text``, then ``optics.units`` (the only pint module), ``optics.display``
   (rich display in Jupyter), then ``optics.validate``
1. ``optics.core`` -- symbolic, elements, trains, beams (sympy, no numpy), compile
2. ``optics.microscope`` and ``optics.acquisition`` (independent of each other)
3. ``optics.catalog``
4. ``optics.design``
5. ``optics.analysis``
6. ``optics.report`` and ``optics.plotting`` (independent of each other)
7. ``optics.cli`` and ``optics.explorer``
"""

import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "optics"

RANKS = {
    "optics.errors": 0,
    "optics.text": 0.05,
    "optics.display": 0.15,
    "optics.units": 0.1,
    "optics.validate": 0.2,
    "optics.core": 1,
    "optics.microscope": 2,
    "optics.acquisition": 2,
    "optics.catalog": 3,
    "optics.design": 4,
    "optics.analysis": 5,
    "optics.report": 6,
    "optics.plotting": 6,
    "optics.cli": 7,
    "optics.explorer": 7,
}


def _module_name(path):
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer_of(module):
    """The layer package a module belongs to (longest matching prefix), or None."""
    best = None
    for name in RANKS:
        if module == name or module.startswith(name + "."):
            if best is None or len(name) > len(best):
                best = name
    return best


def _imported_modules(path):
    """Every optics module imported anywhere in *path* (top level and inside functions)."""
    tree = ast.parse(path.read_text())
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, node.lineno))
            # "from optics import report" imports the submodule optics.report
            if target in ("optics",) or target in RANKS:
                out += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return [(m, line) for m, line in out if m == "optics" or m.startswith("optics.")]


def _imports(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _top_level_imports(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer():
    loose = [_module_name(p) for p in _modules()
             if _layer_of(_module_name(p)) is None and _module_name(p) not in ("optics", "optics.__main__")]
    assert loose == []


def test_no_import_from_a_higher_layer_even_inside_functions():
    offenders = []
    for path in _modules():
        here = _layer_of(_module_name(path))
        if here is None:  # optics/__init__.py and __main__ gather the public API
            continue
        for target, line in _imported_modules(path):
            there = _layer_of(target)
            if there is None or there == here:
                continue
            if RANKS[there] >= RANKS[here]:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert offenders == []


def test_only_units_imports_pint():
    offenders = [p.name for p in _modules() if "pint" in _imports(p) and p.name != "units.py"]
    assert offenders == []


def test_symbolic_core_imports_no_numpy():
    core = PACKAGE / "core"
    for path in [PACKAGE / "units.py", PACKAGE / "errors.py", core / "symbolic.py", core / "elements.py",
                 core / "trains.py"]:
        assert "numpy" not in _imports(path), path.name


def test_matplotlib_only_imported_inside_functions():
    offenders = [str(p.relative_to(PACKAGE)) for p in _modules() if "matplotlib" in _top_level_imports(p)]
    assert offenders == []


def test_import_optics_does_not_load_matplotlib():
    code = "import sys, optics; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_eval_or_sympify_in_the_package():
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                assert name not in {"eval", "exec", "sympify", "parse_expr", "S"}, f"{path.name}:{node.lineno}"


def test_the_layering_check_sees_function_level_imports(tmp_path):
    # The checker itself must be able to fail: an upward import inside a function.
    bad = PACKAGE / "core" / "_layering_probe.py"
    try:
        bad.write_text("def f():\n    from optics.report import Report\n    return Report\n")
        found = [t for t, _ in _imported_modules(bad)]
        assert "optics.report" in found
        assert RANKS[_layer_of("optics.report")] > RANKS[_layer_of(_module_name(bad))]
    finally:
        bad.unlink()
