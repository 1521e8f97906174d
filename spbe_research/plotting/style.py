"""Shared look of every figure: one colour per concept, colour-blind-safe predicate colours, a local style.

* Concepts (policy, governance, management, services, ... — :func:`spbe_research.frameworks.concepts`) have one
  colour each in every figure, whatever code a framework gives them (services are D3 in 5/2018, D4 in 59/2020
  and aspect A6 in 8/2026). Palette: Paul Tol's "muted" qualitative scheme, designed to stay distinct for
  colour-blind readers.
* Predicates (predikat) are ordered: a sequential viridis ramp (perceptually uniform, colour-blind safe) from
  the lowest band to the highest, for any number of bands.
* :func:`styled` applies the package's style inside a plotting function only (``matplotlib.rc_context``):
  plotting never changes the caller's global matplotlib settings.
"""
from __future__ import annotations

import functools

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.colors import to_hex

from ..frameworks import concepts, get_framework

#: Paul Tol's muted scheme, one colour per concept of the shared vocabulary.
CONCEPT_COLORS = {
    "policy": "#332288",
    "governance": "#88CCEE",
    "management": "#44AA99",
    "services": "#CC6677",
    "organisers": "#DDCC77",
    "data": "#117733",
    "security": "#882255",
    "technology": "#999933",
    "user_satisfaction": "#AA4499",
}
#: colour of anything without a concept
OTHER_COLOR = "#BBBBBB"

#: predikat (predicate) → colour for the five SPBE / Indeks Pemdi predicates, low to high (viridis).
PREDICATE_COLORS = {
    "Kurang": "#440154",
    "Cukup": "#3b528b",
    "Baik": "#21918c",
    "Sangat Baik": "#5ec962",
    "Memuaskan": "#fde725",
}

#: English glosses used in legends.
PREDICATE_GLOSS = {
    "Kurang": "Kurang (poor)",
    "Cukup": "Cukup (fair)",
    "Baik": "Baik (good)",
    "Sangat Baik": "Sangat Baik (very good)",
    "Memuaskan": "Memuaskan (excellent)",
}

#: the package's figure style, applied locally by :func:`styled`
STYLE = {
    "figure.figsize": (8, 4.5),
    "figure.dpi": 100,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 9,
    "svg.hashsalt": "spbe-research",
}


def concept_color(concept) -> str:
    """The colour of a concept (grey for none or an unknown one)."""
    return CONCEPT_COLORS.get(str(concept), OTHER_COLOR)


def concept_label(concept) -> str:
    """English name of a concept with its Indonesian term, e.g. ``"Services (Layanan)"``."""
    c = concepts().set_index("concept")
    if concept not in c.index:
        return str(concept)
    return f"{c.at[concept, 'name_en']} ({c.at[concept, 'name']})"


def predicate_colors(framework="2020") -> dict:
    """Band name → colour for any framework (the SPBE names keep :data:`PREDICATE_COLORS`)."""
    fw = get_framework(framework)
    names = fw.predicates
    if all(n in PREDICATE_COLORS for n in names) and len(names) == len(PREDICATE_COLORS):
        return {n: PREDICATE_COLORS[n] for n in names}
    cmap = mpl.colormaps["viridis"]
    return {n: to_hex(cmap(i / max(len(names) - 1, 1))) for i, n in enumerate(names)}


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    r, g, b = mpl.colors.to_rgb(background)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def styled(fn):
    """Run a plotting function inside the package's style without touching global settings."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper


def new_axes(ax=None, figsize=None):
    """``ax`` itself, or the Axes of a new figure of ``figsize``."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def describe(ax, text: str):
    """Attach alt text (a plain-language description) to the figure of ``ax``; returns ``ax``."""
    ax.figure.set_label(text)
    ax.set_gid(text[:200])
    return ax


def apply_style() -> None:
    """Deprecated no-op kept for callers of earlier versions: figures now style themselves locally."""
    return None
