"""Shared look of every figure: one colour per concept, colour-blind-safe predicate colours, a local style.

* Concepts (policy, governance, management, services, ... — :func:`spbe_research.frameworks.concepts`) have one
  colour each in every figure, whatever code a framework gives them (services are D3 in 5/2018, D4 in 59/2020
  and aspect A6 in 8/2026). Palette: Paul Tol's "muted" qualitative scheme, designed to stay distinct for
  colour-blind readers.
* Predicates (predikat) are ordered: a sequential viridis ramp (perceptually uniform, colour-blind safe) from
  the lowest band to the highest, for any number of bands.
* :func:`styled` applies the package's style inside a plotting function only (``matplotlib.rc_context``):
  plotting never changes the caller's global matplotlib settings.

Alt text, end to end
--------------------
Every figure says in words what it shows, and that description reaches each place the figure goes:

1. **Plotting functions** end with ``return describe(ax, "Bar chart of ...")``: :func:`describe` stores the
   description on the figure (its label; :func:`alt_text` reads it back). Write what the figure shows and
   its main reading (values, order, extremes), in one or two sentences, from the data actually drawn.
2. **Notebooks** display a figure with :func:`show` instead of ``plt.show()``. It emits the image with the
   description in the output's metadata (``{"image/png": {"alt": ...}}``, the nbformat convention that
   nbconvert's classic template honours) and as the output's ``text/plain`` (so nbval checks the description
   and a text-only reader sees it), then closes the figure.
3. **The documentation** (MyST-NB, ``docs/_ext/spbe_docs.py``) copies that metadata onto the rendered
   ``<img alt=...>``; the browser test checks it.
4. **Files** for papers: :func:`save_figure` writes SVG, PDF or PNG with the description in the file's own
   metadata (SVG ``<title>``/``<desc>`` and Dublin Core, PDF Subject, PNG Description) and no time stamp, so
   the same figure gives the same bytes. :func:`figure_bytes` does the same into memory (report cards embed
   it as ``<img alt=...>``).

To adopt it in another plotting module: add ``describe`` at the end of each public plotting function and use
``show(ax)`` in the notebooks; nothing else changes.
"""
from __future__ import annotations

import base64
import functools
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

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
#: two greys for a pair of non-concept series (first-order vs total Sobol index, before vs after, ...), and the
#: edge colour of markers and bars: greys never clash with a concept's colour.
NEUTRAL_LIGHT = "#DDDDDD"
NEUTRAL_DARK = "#555555"
#: colour of anything without a concept
OTHER_COLOR = "#BBBBBB"
#: two contrasting colours for the two members of a pair (before/after, raw/adjusted, rose/fell, within/outside):
#: Paul Tol's "vibrant" blue and orange, distinct for colour-blind readers and from the concept colours
PAIR_COLORS = ("#0077BB", "#EE7733")

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
    """Attach alt text (a plain-language description) to ``ax`` and its figure; returns ``ax``.

    A figure with several described panels gets one description that names each panel in order
    (``"2 panels. Panel 1 (its title): ... Panel 2 (its title): ..."``), so side-by-side figures in a notebook
    keep every panel's text."""
    ax._spbe_description = text
    ax.set_gid(text[:200])
    fig = ax.figure
    described = [a for a in fig.axes if getattr(a, "_spbe_description", None)]
    if len(described) == 1:
        fig.set_label(text)
    else:
        def name(i, a):
            return f"Panel {i} ({a.get_title()})" if a.get_title() else f"Panel {i}"
        fig.set_label(f"{len(described)} panels. " + " ".join(f"{name(i, a)}: {a._spbe_description}"
                                                            for i, a in enumerate(described, start=1)))
    return ax


def _figure(obj):
    """The Figure of an Axes or Figure (or of the current figure when ``obj`` is None)."""
    if obj is None:
        return plt.gcf()
    if isinstance(obj, (list, tuple)) or hasattr(obj, "flat"):  # an array of Axes (plt.subplots, axes=None)
        items = list(obj.flat) if hasattr(obj, "flat") else list(obj)
        if not items:
            raise TypeError("expected a matplotlib Axes or Figure, got an empty sequence")
        return _figure(items[0])
    fig = getattr(obj, "figure", None)
    if isinstance(obj, mpl.figure.Figure):
        return obj
    if fig is None:
        raise TypeError(f"expected a matplotlib Axes or Figure, got {type(obj).__name__}")
    return fig


def alt_text(obj) -> str:
    """The description :func:`describe` attached to the figure of ``obj`` (an Axes or Figure), or ``""``."""
    return _figure(obj).get_label() or ""


#: file formats :func:`save_figure` writes, with where the description goes
FIGURE_FORMATS = {"svg": "Description", "pdf": "Subject", "png": "Description"}


def figure_bytes(obj, format: str = "svg", *, title: str | None = None, dpi: int = 150) -> bytes:
    """The figure of ``obj`` as SVG, PDF or PNG bytes, its description in the file's metadata, no time stamp.

    SVG also gets ``<title>`` and ``<desc>`` elements and ``role="img"`` with ``aria-label``, which screen
    readers read when the SVG is inlined in a page.
    """
    fmt = format.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"format must be one of {sorted(FIGURE_FORMATS)}, got {format!r}")
    fig = _figure(obj)
    alt = alt_text(fig)
    title = title or (fig.axes[0].get_title() if fig.axes else "") or "spbe-research figure"
    meta = {"Title": title, FIGURE_FORMATS[fmt]: alt}
    if fmt == "svg":
        meta["Date"] = None
    elif fmt == "pdf":
        meta.update(CreationDate=None, ModDate=None)
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"], "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, metadata=meta, dpi=dpi, bbox_inches="tight")
    data = buf.getvalue()
    if fmt == "svg":
        text = data.decode("utf-8")
        label = escape(alt, {'"': "&quot;"})
        text = re.sub(r"<svg ", f'<svg role="img" aria-label="{label}" ', text, count=1)
        text = re.sub(r"(<svg [^>]*>)", lambda m: f"{m.group(1)}\n <title>{escape(title)}</title>"
                      f"<desc>{escape(alt)}</desc>", text, count=1)
        data = text.encode("utf-8")
    return data


def save_figure(obj, path, format: str | None = None, **kwargs) -> Path:
    """Save the figure of ``obj`` for a paper: SVG, PDF or PNG (from ``path``'s suffix unless ``format``), with
    its description (:func:`describe`) in the file's metadata. Returns the path."""
    path = Path(path)
    data = figure_bytes(obj, format or path.suffix or "svg", **kwargs)
    path.write_bytes(data)
    return path


def show(obj=None, *, close: bool = True):
    """Display a figure in a notebook with its description as alt text (see the module docstring).

    Outside IPython it falls back to ``plt.show()``. Returns None (so a notebook cell prints nothing else).
    """
    fig = _figure(obj)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        plt.show()
        return None
    alt = alt_text(fig) or "Figure without a description."
    png = figure_bytes(fig, "png", dpi=100)
    display({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<Figure: {alt}>"}, raw=True,
            metadata={"image/png": {"alt": alt}})
    if close:
        plt.close(fig)
    return None


def apply_style() -> None:
    """Deprecated no-op kept for callers of earlier versions: figures now style themselves locally."""
    return None
