"""Figures that explain a framework: its weight tree as a sunburst, and the predicate bands."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..frameworks import get_framework
from ..scoring import PREDICATE_BANDS, PREDICATES
from .style import PREDICATE_COLORS, PREDICATE_GLOSS, apply_style


def framework_sunburst(framework, ax=None, label_indicators: bool = True):
    """Sunburst of a framework: domains (inner ring), aspects, indicators (outer), sized by weight."""
    apply_style()
    fw = get_framework(framework)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 7.5))
    palette = sns.color_palette("Set2", len(fw.domains))
    dom_color = dict(zip(fw.domain_codes, palette))
    ring = 0.28

    def shade(color, k, n):
        return sns.light_palette(color, n_colors=n + 2)[k + 2] if n else color

    ax.pie(fw.domains.weight, radius=1 - 2 * ring, colors=[dom_color[d] for d in fw.domain_codes],
           labels=[f"{d}\n{w:g} %" for d, w in zip(fw.domain_codes, fw.domains.weight)], labeldistance=0.45,
           wedgeprops=dict(width=1 - 2 * ring, edgecolor="white"), textprops=dict(fontsize=9, ha="center"))
    asp_colors = []
    for d, grp in fw.aspects.groupby("domain", sort=False):
        asp_colors += [shade(dom_color[d], k, len(grp)) for k in range(len(grp))]
    ax.pie(fw.aspects.weight, radius=1 - ring, colors=asp_colors,
           labels=[f"{a}\n{w:g} %" for a, w in zip(fw.aspect_codes, fw.aspects.weight)], labeldistance=0.78,
           wedgeprops=dict(width=ring, edgecolor="white"), textprops=dict(fontsize=8, ha="center"))
    ind_colors = [dom_color[d] for d in fw.indicators.domain]
    labels = list(fw.indicators.indicator) if label_indicators else None
    ax.pie(fw.indicators.weight, radius=1, colors=ind_colors, labels=labels, labeldistance=0.88, rotatelabels=True,
           wedgeprops=dict(width=ring, edgecolor="white", alpha=0.75), textprops=dict(fontsize=6, ha="center", va="center"))
    ax.set(aspect="equal")
    ax.set_title(f"{fw.name}: weight of each domain, aspect (aspek) and indicator\n"
                 f"(area = share of the SPBE index; inner: domains, middle: aspects, outer: indicators)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=dom_color[d]) for d in fw.domain_codes]
    ax.legend(handles, [f"{d} {n} ({e})" for d, n, e in zip(fw.domain_codes, fw.domains.name, fw.domains.name_en)],
              loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=1, frameon=False)
    return ax.figure


def predicate_bands_figure(ax=None, values: dict | None = None):
    """The predicate (predikat) bands on the 0–5 index scale, with optional labelled example values."""
    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.9))
    edges = [0.0, *PREDICATE_BANDS, 5.0]
    for lo, hi, p in zip(edges[:-1], edges[1:], PREDICATES):
        ax.axvspan(lo, hi, color=PREDICATE_COLORS[p], alpha=0.9)
        ax.text((lo + hi) / 2, 0.5, PREDICATE_GLOSS[p].replace(" (", "\n("), ha="center", va="center", fontsize=8)
    for name, v in (values or {}).items():
        ax.axvline(v, color="black", lw=1.2)
        ax.text(v, 1.04, f"{name}: {v:.2f}", ha="center", va="bottom", fontsize=8, transform=ax.get_xaxis_transform())
    ax.set(xlim=(0, 5), yticks=[], xticks=np.arange(0, 5.5, 0.5), xlabel="SPBE index (0–5)")
    ax.set_title("Predikat (predicate) bands, applied to the unrounded index", pad=18 if values else 6)
    return ax.figure
