"""Shared look of every figure: the predicate colour map and a readable default style."""
from __future__ import annotations

import matplotlib as mpl

#: predikat (predicate) → colour, low to high; a sequential red→green palette readable by most colour-blind readers.
PREDICATE_COLORS = {
    "Kurang": "#d7191c",
    "Cukup": "#fdae61",
    "Baik": "#ffffbf",
    "Sangat Baik": "#a6d96a",
    "Memuaskan": "#1a9641",
}

#: English glosses used in legends.
PREDICATE_GLOSS = {
    "Kurang": "Kurang (poor)",
    "Cukup": "Cukup (fair)",
    "Baik": "Baik (good)",
    "Sangat Baik": "Sangat Baik (very good)",
    "Memuaskan": "Memuaskan (excellent)",
}


def apply_style() -> None:
    """Set a notebook-width friendly matplotlib style (used by every plotting function)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "axes.titlesize": 12,
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 9,
            "svg.hashsalt": "spbe-research",
        }
    )
