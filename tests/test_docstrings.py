"""Every public parameter is documented, in the manner of python-control's docstring test.

For each public function, method and class of every module (their ``__all__``,
or names without a leading underscore), every parameter of the signature must
be named in the docstring's ``Parameters`` (or ``Other Parameters``) section,
numpydoc style: ``name : type`` lines, several names separated by commas.
Dataclass and named-tuple fields count as documented when the class docstring
lists them under ``Parameters`` or ``Attributes``.
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import optics

SECTION = re.compile(r"^(Parameters|Other Parameters|Attributes)\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", re.S | re.M)
ENTRY = re.compile(r"^([*\w][\w*, ]*?)\s*(?::|$)", re.M)


def _modules():
    out = []
    for info in pkgutil.walk_packages(optics.__path__, "optics."):
        if info.name.endswith("__main__") or any(part.startswith("_") for part in info.name.split(".")):
            continue  # private modules
        out.append(importlib.import_module(info.name))
    return out


def documented_names(doc: str) -> set:
    """Parameter names listed in the numpydoc sections of *doc*."""
    doc = inspect.cleandoc(doc or "")
    names = set()
    for _, body in SECTION.findall(doc):
        for line in body.splitlines():
            if not line or line[0].isspace():
                continue
            match = ENTRY.match(line)
            if match:
                for name in match.group(1).split(","):
                    names.add(name.strip().lstrip("*"))
    return names


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name, None)
        if getattr(obj, "__module__", None) != module.__name__:
            continue  # re-exported: checked where it is defined
        yield name, obj


def _callables():
    seen = set()
    for module in _modules():
        for name, obj in _public(module):
            if inspect.isfunction(obj):
                key = f"{module.__name__}.{name}"
                if key not in seen:
                    seen.add(key)
                    yield key, obj, obj.__doc__
            elif inspect.isclass(obj):
                key = f"{module.__name__}.{name}"
                if key in seen:
                    continue
                seen.add(key)
                init = obj.__dict__.get("__init__")
                if init is not None and inspect.isfunction(init) and "dataclass" not in str(init.__qualname__):
                    yield key, init, obj.__doc__
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                    if inspect.isfunction(func):
                        yield f"{key}.{attr}", func, func.__doc__


def missing_parameters():
    out = []
    for key, func, doc in _callables():
        try:
            params = inspect.signature(func).parameters
        except (TypeError, ValueError):
            continue
        names = [p for p in params if p not in ("self", "cls") and not p.startswith("_")]
        if not names:
            continue
        documented = documented_names(doc)
        for p in names:
            if p not in documented:
                out.append(f"{key}: {p}")
    return out


def test_the_check_can_fail():
    def f(a, b):
        """Doc.

        Parameters
        ----------
        a : int
        """

    assert documented_names(f.__doc__) == {"a"}
    assert documented_names("Parameters\n----------\nx, y : float\n    Text.\n**options\n    More.") == {
        "x", "y", "options"}


def test_every_public_parameter_is_documented():
    missing = missing_parameters()
    assert missing == [], f"{len(missing)} undocumented parameters:\n" + "\n".join(missing)
