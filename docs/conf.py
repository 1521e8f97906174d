"""Sphinx configuration of the spbe-research documentation (``make docs``; CI builds it with -W).

Why Sphinx + MyST-NB rather than Jupyter Book: Jupyter Book 1 is itself Sphinx + MyST-NB behind a YAML layer,
and Jupyter Book 2 moved to the Node-based MyST engine, which has no autodoc. Using Sphinx directly keeps
autodoc/napoleon for the API reference, sphinx.ext.doctest to run its examples, and MyST-NB renders the
notebooks from their stored outputs (``nb_execution_mode = "off"``) — one tool, one configuration file.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import spbe_research  # noqa: E402

project = "spbe-research"
author = "spbe-research contributors"
copyright = "2026, spbe-research contributors (code MIT; data: see Data licences)"
version = release = spbe_research.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "spbe_docs",
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}

# notebooks: rendered from their stored outputs (the test suite executes them; the docs never do)
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# Notebook markdown is written for Jupyter: headings may skip levels and links may point at files outside the site
# (e.g. a notebook's own solutions file, which is on the site too, or a module path); those are not doc errors.
suppress_warnings = ["myst.header", "myst.xref_missing", "mystnb.unknown_mime_type"]

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_ivar = True  # attributes as fields, not as second object descriptions
autosummary_generate = False
# docstring examples run with their module's namespace under pytest --doctest-modules (make docs); Sphinx tests the
# {doctest} blocks of these pages
doctest_test_doctest_blocks = ""

doctest_global_setup = """
import matplotlib
matplotlib.use("Agg")
import pandas as pd
import spbe_research as spbe
"""

html_theme = "furo"
html_title = f"spbe-research {release}"
html_static_path = []
html_show_sourcelink = False
html_last_updated_fmt = None
