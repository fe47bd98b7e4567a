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

html_theme = "alabaster"
html_static_path = []
suppress_warnings = ["myst.header"]
# The explorer notebook makes ipywidgets; their state is embedded inline, and no widget
# JavaScript is loaded from a CDN (the built pages load nothing from the network).
nb_ipywidgets_js = {}
