"""The layering rules, enforced on the source (AST) and at import time."""

import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "optics"


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


def test_only_units_imports_pint():
    offenders = [p.name for p in _modules() if "pint" in _imports(p) and p.name != "units.py"]
    assert offenders == []


def test_symbolic_core_imports_no_numpy():
    for name in ("units.py", "errors.py", "symbolic.py", "elements.py", "trains.py"):
        assert "numpy" not in _imports(PACKAGE / name), name


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
