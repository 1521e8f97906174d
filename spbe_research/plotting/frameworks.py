"""Figures that explain frameworks: weight trees, frameworks side by side, predicate bands.

Parts are coloured by concept (:data:`.style.CONCEPT_COLORS`), never by code, so services look the same in
5/2018 (D3), 59/2020 (D4) and 8/2026 (aspect A6). Every function takes ``ax=None`` and returns the Axes.
"""
from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.patches import Patch

from ..frameworks import get_framework
from ..scoring import predicate
from .style import concept_color, concept_label, describe, new_axes, predicate_colors, styled, text_color

__all__ = ["framework_sunburst", "frameworks_side_by_side", "predicate_bands_figure", "compare_bands"]


def _shade(color: str, k: int, n: int) -> str:
    """The k-th of n lighter shades of ``color`` (n = 1: the colour itself)."""
    if n <= 1:
        return color
    return sns.light_palette(color, n_colors=n + 2)[k + 2]


@styled
def framework_sunburst(framework, ax=None, label_min_share: float = 2.5):
    """Sunburst of a framework's weights: the top level inside, each lower level (down to the indicators) in a
    ring around it, wedge area = share of the index, colour = concept. Codes are written on wedges of at least
    ``label_min_share`` % so that labels stay readable; the legend names the concepts."""
    fw = get_framework(framework)
    ax = new_axes(ax, figsize=(7.5, 7.5))
    levels = list(fw.tree_levels[1:fw.tree_levels.index(fw.indicator_level) + 1])
    nodes = fw.nodes.set_index("code")
    ring = 0.7 / len(levels)
    radius = 0.3 + ring
    for depth, level in enumerate(levels):
        table = fw.level_table(level)
        # order wedges by top-level part so rings line up
        codes = table[level].tolist()
        tops = [fw.ancestor(c, fw.top_level) for c in codes]
        order = sorted(range(len(codes)), key=lambda i: (fw.codes(fw.top_level).index(tops[i]), i))
        codes = [codes[i] for i in order]
        weights = nodes.loc[codes, "weight"].to_numpy(float)
        rank_in_top: dict = {}
        colors = []
        for c in codes:
            top = fw.ancestor(c, fw.top_level)
            k = rank_in_top[top] = rank_in_top.get(top, -1) + 1
            base = concept_color(nodes.at[c, "concept"])
            colors.append(base if depth == 0 else _shade(base, k % 3, 3))
        labels = [c if w >= label_min_share else "" for c, w in zip(codes, weights)]
        fontsize = 9 if depth == 0 else (8 if depth == 1 else 6.5)
        wedges, texts = ax.pie(weights, radius=radius, colors=colors, labels=labels,
                               labeldistance=(radius - ring / 2) / radius, rotatelabels=depth == len(levels) - 1,
                               startangle=90, counterclock=False,
                               wedgeprops=dict(width=ring, edgecolor="white", linewidth=0.8),
                               textprops=dict(fontsize=fontsize, ha="center", va="center"))
        for t, col in zip(texts, colors):
            t.set_color(text_color(col))
        radius += ring
    ax.set(aspect="equal")
    ax.set_title(f"{fw.name}: {fw.index_name_en}, weight of every part\n"
                 f"(area = share of the index; from the centre: {', '.join(levels)})", fontsize=11)
    top = fw.level_table(fw.top_level)
    ax.legend(handles=[Patch(color=concept_color(con), label=f"{code} {name} — {concept_label(con)}")
                       for code, name, con in zip(top[fw.top_level], top["name"], top["concept"])],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1, frameon=False, fontsize=8)
    return describe(ax, f"Sunburst chart of the weights of {fw.name}: {len(top)} {fw.top_level}s "
                        f"({', '.join(f'{n} {w:g} %' for n, w in zip(top['name_en'], top['weight']))}).")


@styled
def frameworks_side_by_side(frameworks=("2018", "2020", "2026"), ax=None):
    """One horizontal bar per framework, split into its top-level parts by weight and coloured by concept:
    how the weight of policy, governance, management, services... moved from framework to framework."""
    fws = [get_framework(f) for f in frameworks]
    ax = new_axes(ax, figsize=(10, 1.0 + 0.9 * len(fws)))
    seen = {}
    for y, fw in enumerate(fws):
        top = fw.level_table(fw.top_level)
        left = 0.0
        for code, w, con, name in zip(top[fw.top_level], top["weight"], top["concept"], top["name_en"]):
            col = concept_color(con)
            ax.barh(y, w, left=left, color=col, edgecolor="white", height=0.7)
            if w >= 6:
                ax.text(left + w / 2, y, f"{code}\n{w:g} %", ha="center", va="center", fontsize=7.5,
                        color=text_color(col))
            seen.setdefault(con, col)
            left += w
    ax.set_yticks(range(len(fws)), [f"{fw.name}\n({fw.top_level}s)" for fw in fws], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the index (%)")
    ax.set_title("The frameworks side by side: weight of each top-level part, coloured by concept")
    ax.legend(handles=[Patch(color=c, label=concept_label(k)) for k, c in seen.items()], loc="upper center",
              bbox_to_anchor=(0.5, -0.12 - 0.6 / len(fws)), ncol=3, frameon=False, fontsize=8)
    return describe(ax, "Stacked bars comparing the top-level weights of each framework, coloured by concept: " + "; ".join(
        f"{fw.name}: " + ", ".join(f"{code} {name} {w:g} %" for code, name, w in
                                   zip(*(fw.level_table(fw.top_level)[c] for c in (fw.top_level, "name_en", "weight"))))
        for fw in fws) + ".")


def _draw_bands(ax, fw, y: float, height: float, with_text: bool = True) -> None:
    colors = predicate_colors(fw)
    for band in fw.bands:
        col = colors[band.name]
        ax.barh(y, band.upper - band.lower, left=band.lower, height=height, color=col, edgecolor="white")
        if with_text:
            label = f"{band.name}\n({band.name_en})" if band.name_en else band.name
            ax.text((band.lower + band.upper) / 2, y, label, ha="center", va="center", fontsize=7.5,
                    color=text_color(col))


@styled
def predicate_bands_figure(framework="2020", ax=None, values: dict | None = None):
    """A framework's predicate (predikat) bands on its scale, with optional labelled example values."""
    fw = get_framework(framework)
    ax = new_axes(ax, figsize=(8, 1.9))
    _draw_bands(ax, fw, 0.5, 1.0)
    for name, v in (values or {}).items():
        ax.axvline(v, color="black", lw=1.2)
        ax.text(v, 1.04, f"{name}: {v:.2f}", ha="center", va="bottom", fontsize=8, transform=ax.get_xaxis_transform())
    ax.set(xlim=(fw.scale_min, fw.scale_max), ylim=(0, 1), yticks=[],
           xticks=sorted({fw.scale_min, *fw.band_edges.tolist(), fw.scale_max}),
           xlabel=f"{fw.index_name_en} ({fw.scale_min:g}–{fw.scale_max:g})")
    ax.set_title(f"{fw.name}: predikat (predicate) bands, applied to the {fw.edge_rule} index",
                 pad=18 if values else 6)
    return describe(ax, f"Predicate bands of {fw.name}: " + "; ".join(
        f"{b.name} from {b.lower:g}" for b in fw.bands) + _examples(values, [fw]) + ".")


@styled
def compare_bands(frameworks=("2020", "2026"), ax=None, values: dict | None = None):
    """The bands of several frameworks one above the other on a common axis, with optional example values
    (e.g. ``{"Aceh Tengah 2025": 2.59}``: Cukup under SPBE, Baik under the 8/2026 bands)."""
    fws = [get_framework(f) for f in frameworks]
    ax = new_axes(ax, figsize=(9, 0.9 + 0.85 * len(fws)))
    for y, fw in enumerate(fws):
        _draw_bands(ax, fw, y, 0.75)
    lo = min(fw.scale_min for fw in fws)
    hi = max(fw.scale_max for fw in fws)
    for name, v in (values or {}).items():
        ax.axvline(v, color="black", lw=1.2, ls="--")
        ax.text(v, len(fws) - 0.45, f" {name}: {v:.2f}", ha="left", va="top", fontsize=8,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1))
    ax.set_yticks(range(len(fws)), [fw.name for fw in fws])
    ax.set_ylim(len(fws) - 0.3 + (0.35 if values else 0), -0.5)
    edges = sorted({lo, hi, *np.concatenate([fw.band_edges for fw in fws]).tolist()})
    ax.set(xlim=(lo, hi), xticks=edges, xlabel="index value")
    ax.tick_params(axis="x", labelsize=8, labelrotation=45)
    ax.set_title("Predicate bands compared: the same index value can carry different predicates")
    ax.spines["left"].set_visible(False)
    return describe(ax, "Predicate bands of " + " and ".join(fw.name for fw in fws) + " on one axis: " + "; ".join(
        f"{fw.name} " + ", ".join(f"{b.name} from {b.lower:g}" for b in fw.bands) for fw in fws)
        + _examples(values, fws) + ".")


def _examples(values: dict | None, fws) -> str:
    """Words for the marked example values: each value and its predicate under each framework drawn."""
    if not values:
        return ""
    return ". Marked: " + "; ".join(f"{name} at {v:.2f}, " + " and ".join(
        f"{predicate(v, fw)} under {fw.name}" for fw in fws) for name, v in values.items())

