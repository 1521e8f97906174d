"""Figures for a framework switch A → B (notebook 08: 59/2020 → 8/2026, the Indeks Pemdi).

Every function takes the tidy output of :mod:`spbe_research.impact` (``crosswalk_coverage``,
``rebanding``, ``project_sets``, ``projection_summary``, ``structure_decomposition``), takes ``ax=None``,
returns the Axes and attaches a description with the main reading (alt text, :func:`.style.describe`).
Projected values are labelled as projections in every title or axis. The two frameworks of a switch take the
two colours of :data:`.style.PAIR_COLORS` (old, new).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from ..frameworks import get_framework
from ..scoring import band_codes
from .style import CONCEPT_COLORS, OTHER_COLOR, PAIR_COLORS, describe, new_axes, predicate_colors, styled, text_color

__all__ = ["plot_crosswalk_coverage", "plot_rebanding", "plot_projection_ecdf", "plot_predicate_shares",
           "plot_projection_ranges", "plot_structure_parts", "STATUS_COLORS"]

#: Colour of each fate of an indicator (Okabe–Ito, colour-blind safe).
STATUS_COLORS = {"carried": "#0072B2", "dropped": "#D55E00", "new": "#E69F00", "external_rule": "#CC79A7"}
_STATUS_LABELS = {"carried": "carried over (has a counterpart)", "dropped": "dropped (no counterpart)",
                  "new": "new (no predecessor)", "external_rule": "fed by another agency's index"}
_PART_COLORS = {k: STATUS_COLORS[k] for k in ("carried", "new", "dropped")}


def _band_shading(ax, framework, orientation="v", alpha=0.10):
    fw = get_framework(framework)
    colors = predicate_colors(fw)
    for b in fw.bands:
        (ax.axvspan if orientation == "v" else ax.axhspan)(b.lower, b.upper, color=colors[b.name], alpha=alpha, lw=0)


@styled
def plot_crosswalk_coverage(cov: pd.DataFrame, ax=None, title: str = "Where each index's weight goes in the switch"):
    """Each top-level part of both frameworks as a bar of its weight (% of its index), split by the fate of its
    indicators (:func:`spbe_research.impact.crosswalk_coverage`)."""
    ax = new_axes(ax, figsize=(8.5, 5.5))
    agg = cov.groupby(["side", "framework", "top_level", "concept", "status"], sort=False)["weight"].sum().reset_index()
    labels, y = [], 0
    ticks = []
    for side in ("from", "to"):
        sub = agg[agg["side"] == side]
        if sub.empty:
            continue
        fw = get_framework(sub["framework"].iloc[0])
        for part in fw.codes(fw.top_level):
            g = sub[sub["top_level"] == part]
            left = 0.0
            for status in STATUS_COLORS:
                w = float(g.loc[g["status"] == status, "weight"].sum())
                if w > 0:
                    ax.barh(y, w, left=left, color=STATUS_COLORS[status], edgecolor="white", lw=0.5)
                    left += w
            concept = g["concept"].iloc[0] if len(g) else ""
            ax.text(left + 0.4, y, f"{left:.1f} %", va="center", fontsize=7)
            labels.append(f"{fw.short} {part} · {concept.replace('_', ' ')}")
            ticks.append(y)
            y += 1
        y += 0.8
    ax.set_yticks(ticks, labels, fontsize=8)
    for t, lab in zip(ax.get_yticklabels(), labels):
        c = lab.split(" · ")[-1].replace(" ", "_")
        t.set_color(CONCEPT_COLORS.get(c, "black"))
    ax.invert_yaxis()
    ax.set_xlabel("Weight (% of the framework's index)")
    ax.set_title(title)
    present = [s for s in STATUS_COLORS if (agg["status"] == s).any()]
    ax.legend(handles=[Patch(color=STATUS_COLORS[s], label=_STATUS_LABELS[s]) for s in present], fontsize=7,
              loc="lower right")
    sides = []
    for side in ("from", "to"):
        sub = agg[agg["side"] == side]
        if len(sub):
            by = sub.groupby("status", sort=False)["weight"].sum()
            sides.append(f"{sub['framework'].iloc[0]}: " + ", ".join(
                f"{_STATUS_LABELS[st].split(' (')[0]} {by[st]:.1f} %" for st in STATUS_COLORS if st in by.index))
    return describe(ax, "Horizontal bar chart of the weight of each domain and aspect (% of its index), split by the "
                        "fate of its indicators: " + "; ".join(sides) + ".")


@styled
def plot_rebanding(index: pd.Series, from_framework="59/2020", to_framework="8/2026", ax=None, bins: int = 40,
                   title: str = "Same scores, new bands"):
    """Histogram of index values with both frameworks' band edges; the intervals where the two frameworks give
    different predicates are shaded and their counts written."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    ax = new_axes(ax, figsize=(8.5, 4.2))
    x = pd.Series(index, dtype=float).dropna()
    old, new = PAIR_COLORS
    ax.hist(x, bins=np.linspace(b.scale_min, b.scale_max, bins + 1), color=OTHER_COLOR, edgecolor="white")
    ymax = ax.get_ylim()[1]
    for e in a.band_edges:
        ax.axvline(e, color=old, lw=1.2, ls="-")
    for e in b.band_edges:
        ax.axvline(e, color=new, lw=1.2, ls="--")
    edges = np.unique(np.concatenate([a.band_edges, b.band_edges, [a.scale_min, a.scale_max]]))
    differ = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = (lo + hi) / 2
        if band_codes(np.array([mid]), a)[0] != band_codes(np.array([mid]), b)[0]:
            n = int(((x >= lo) & (x < hi)).sum())
            differ.append((lo, hi, n))
            ax.axvspan(lo, hi, color=new, alpha=0.15, lw=0)
            ax.text(mid, ymax * 1.1, f"{n}", ha="center", va="top", fontsize=8, color="black",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1))
    ax.set_ylim(top=ymax * 1.12)
    ax.set_xlabel(f"Index (printed under {a.name})")
    ax.set_ylabel("Number of institutions")
    ax.set_title(title)
    ax.legend(handles=[plt.Line2D([], [], color=old, label=f"{a.name} band edges"),
                       plt.Line2D([], [], color=new, ls="--", label=f"{b.name} band edges"),
                       Patch(color=new, alpha=0.15, label="predicate differs (count at the top)")],
              fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return describe(ax, f"Histogram of {len(x)} index values with the band edges of {a.name} and {b.name}: "
                        f"{sum(n for *_, n in differ)} lie where the new bands give another predicate ("
                        + "; ".join(f"{lo:g}–{hi:g}: {n}" for lo, hi, n in differ) + ").")


@styled
def plot_projection_ecdf(long: pd.DataFrame, ax=None, sets=None,
                         title: str = "Distribution of the index: SPBE as published, Indeks Pemdi PROJECTED"):
    """Empirical CDFs of the old index and of the projected new index under each assumption set
    (:func:`spbe_research.impact.project_sets` output), over the new framework's band shading."""
    ax = new_axes(ax, figsize=(8.5, 4.8))
    to_fw = long["to_framework"].iloc[0]
    _band_shading(ax, to_fw)
    first = long.drop_duplicates(long.columns[0])
    xs = np.sort(first["index_before"].to_numpy(float))
    ax.step(xs, np.arange(1, len(xs) + 1) / len(xs), where="post", color="black", lw=2,
            label=f"{first['from_framework'].iloc[0]} (published domains, recomputed)")
    names = list(dict.fromkeys(long["assumption_set"])) if sets is None else list(sets)
    palette = sns.color_palette("colorblind", len(names))
    medians = {}
    for k, s in enumerate(names):
        v = np.sort(long.loc[long["assumption_set"] == s, "index"].to_numpy(float))
        medians[s] = float(np.median(v))
        ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", lw=1.2, color=palette[k],
                ls="-" if "/own_mean/" in s else "--", label=f"projection: {s}")
    ax.set_xlim(1, 5)
    ax.set_xlabel("Index (1–5)")
    ax.set_ylabel("Share of institutions at or below")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="background: Pemdi bands",
              title_fontsize=7)
    lo, hi = min(medians, key=medians.get), max(medians, key=medians.get)
    return describe(ax, f"Cumulative distributions of the {first['from_framework'].iloc[0]} index of {len(xs)} "
                        f"institutions (median {np.median(xs):.2f}) and of the index PROJECTED under {to_fw} with "
                        f"{len(names)} assumption sets: medians from {medians[lo]:.2f} ({lo}) to {medians[hi]:.2f} "
                        f"({hi}).")


@styled
def plot_predicate_shares(table: pd.DataFrame, framework="8/2026", ax=None,
                          title: str = "Predicates: as published, re-banded, and PROJECTED under each set"):
    """Stacked horizontal bars of predicate shares; ``table``: one row per scenario (index = label), one column
    per predicate with counts."""
    fw = get_framework(framework)
    colors = predicate_colors(fw)
    t = table.reindex(columns=list(fw.predicates)).fillna(0)
    shares = t.div(t.sum(axis=1), axis=0)
    ax = new_axes(ax, figsize=(8.5, 0.4 * len(t) + 1.6))
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for p in fw.predicates:
        v = shares[p].to_numpy()
        ax.barh(y, v, left=left, color=colors[p], edgecolor="white", lw=0.5, label=p)
        for yi, (l0, w) in enumerate(zip(left, v)):
            if w >= 0.06:
                ax.text(l0 + w / 2, yi, f"{w:.0%}", ha="center", va="center", fontsize=7,
                        color=text_color(colors[p]))
        left += v
    ax.set_yticks(y, list(t.index), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of institutions")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Predicate", title_fontsize=7)
    top = shares.idxmax(axis=1)
    return describe(ax, f"Stacked bar chart of the share of institutions in each predicate of {fw.name} for "
                        f"{len(t)} scenarios; the largest share of each: "
                        + "; ".join(f"{lab}: {p} {shares.at[lab, p]:.0%}" for lab, p in top.items()) + ".")


@styled
def plot_projection_ranges(summary: pd.DataFrame, label: str = "institution_name", ax=None, framework="8/2026",
                           title: str = "Indeks Pemdi PROJECTED: range across assumption sets and hard bounds"):
    """One line per unit: the hard bounds (light), the range across assumption sets (dark), the old index (black
    diamond), over the new framework's bands (:func:`spbe_research.impact.projection_summary` rows)."""
    s = summary.reset_index(drop=True)
    ax = new_axes(ax, figsize=(8.5, 0.3 * len(s) + 1.8))
    _band_shading(ax, framework, alpha=0.12)
    y = np.arange(len(s))
    ax.hlines(y, s["bounds_low"], s["bounds_high"], color=OTHER_COLOR, lw=5, label="hard bounds (unknowns anywhere)")
    ax.hlines(y, s["index_min"], s["index_max"], color=PAIR_COLORS[1], lw=3, label="range across assumption sets")
    ax.scatter(s["index_before"], y, marker="D", color="black", s=18, zorder=4, label="SPBE index (recomputed)")
    ax.set_yticks(y, s[label].astype(str).tolist(), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xlabel("Index (1–5); background: Indeks Pemdi bands")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    width = s["index_max"] - s["index_min"]
    below = int((s["index_max"] < s["index_before"]).sum())
    return describe(ax, f"Range chart of {len(s)} units: the index PROJECTED under {get_framework(framework).name} "
                        f"across assumption sets (ranges {width.min():.2f} to {width.max():.2f} points wide) and its "
                        f"hard bounds, beside the old index; for {below} of {len(s)} even the highest projection lies "
                        f"below the old index.")


@styled
def plot_structure_parts(parts: pd.DataFrame, group: str = "group", ax=None,
                         title: str = "What moves the PROJECTED index: mean parts by group"):
    """Grouped bars of the mean ``carried``, ``new`` and ``dropped`` parts per group, with the mean total change
    as a diamond (:func:`spbe_research.impact.structure_decomposition` averaged by group)."""
    p = parts.reset_index(drop=True)
    ax = new_axes(ax, figsize=(8.5, 4.2))
    x = np.arange(len(p))
    w = 0.25
    for k, part in enumerate(("carried", "new", "dropped")):
        ax.bar(x + (k - 1) * w, p[part], w, color=_PART_COLORS[part], label=f"{part} indicators")
    ax.scatter(x, p["total_change"], marker="D", color="black", zorder=4, label="total projected change")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, p[group].astype(str).tolist(), rotation=20)
    ax.set_ylabel("Index points (mean over institutions)")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return describe(ax, f"Grouped bar chart of the mean carried, new and dropped parts of the PROJECTED change of the "
                        f"index, with the total, for {len(p)} groups: "
                        + "; ".join(f"{r[group]} carried {r['carried']:+.3f}, new {r['new']:+.3f}, dropped "
                                    f"{r['dropped']:+.3f}, total {r['total_change']:+.3f}" for _, r in p.iterrows())
                        + ".")
