"""Sphinx configuration for the optics documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The tutorials are the notebooks in ../notebooks, copied here at build time
and executed by myst-nb, so every number shown is computed during the build.
"""

import pathlib
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# Copy the notebooks in (the copies are build products, ignored by git).
_tutorials = HERE / "tutorials"
_tutorials.mkdir(exist_ok=True)
for _nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copyfile(_nb, _tutorials / _nb.name)

project = "optics"
author = "optics developers"
copyright = "2026, optics developers"
release = "0.1.0"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped in the package and copied into _static: formulas render
    # without a network (the default loads MathJax from a CDN).
    "sphinx-mathjax-offline",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Tables printed by notebooks (text/markdown outputs) render as tables.
nb_render_markdown_format = "gfm"

nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_param = False
# Attributes sections as :ivar: fields: autodoc documents dataclass and named-tuple
# fields itself, and a second description of each would be a duplicate.
napoleon_use_ivar = True

# A theme made for scientific Python documentation, with a wide content area
# (report text, parameter tables, wide notebook outputs).
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_static_path = ["_static"]
html_css_files = ["wide.css"]
# Nothing is loaded from the network (tests/test_docs.py checks every page):
# notebook widget outputs would pull their JavaScript from a CDN, so none is added.
nb_ipywidgets_js = {}
suppress_warnings = ["myst.header"]

# Docstrings end with their doctest after the last numpydoc section, without an
# "Examples" heading; napoleon would read the doctest as more parameter entries
# (bullets).  Before napoleon runs, an "Examples" heading is put in front of a
# doctest that follows a section, so every example renders as code
# (tests/test_docs.py checks that no ">>>" on any page sits outside a code block).
_NUMPYDOC_SECTIONS = {
    "parameters", "other parameters", "returns", "yields", "receives", "raises", "warns", "warnings",
    "attributes", "methods", "see also", "notes", "references", "keyword arguments", "examples", "example",
}


def _doctests_as_examples(app, what, name, obj, options, lines):
    in_section = False
    for i, line in enumerate(lines):
        header = line.strip().lower()
        if (header in _NUMPYDOC_SECTIONS and not line[:1].isspace() and i + 1 < len(lines)
                and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}):
            if header in ("examples", "example"):
                return
            in_section = True
        elif in_section and line.startswith(">>>"):
            lines[i:i] = ["Examples", "--------", ""] if i and not lines[i - 1].strip() else ["", "Examples", "--------", ""]
            return


def setup(app):
    # priority below napoleon's default (500): runs first
    app.connect("autodoc-process-docstring", _doctests_as_examples, priority=100)
