"""Figures comparing groups of institutions: index distributions, predicate shares, domain profiles.

Inputs are the panel (:func:`spbe_research.datasets.load_results`) or the tidy output of
:func:`spbe_research.compare.group_summary`; every function returns the matplotlib Figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..compare import GROUPINGS, ISLAND_GROUP_ORDER, PREDICATES, TYPE_LABELS, TYPE_ORDER, select_source
from ..errors import SPBEError
from ..scoring import PREDICATE_BANDS
from .style import PREDICATE_COLORS, PREDICATE_GLOSS, apply_style

__all__ = ["plot_index_distribution", "plot_predicate_shares", "plot_domain_profiles"]

_YEAR_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860")
_DOMAIN_NAMES = {
    "D1": "D1 Kebijakan (policy)",
    "D2": "D2 Tata Kelola (governance)",
    "D3": "D3 Manajemen (management)",
    "D4": "D4 Layanan (services)",
}


def _order(groups, group_by):
    present = [str(g) for g in pd.unique(pd.Series(groups).dropna())]
    base = TYPE_ORDER if group_by == "type" else ISLAND_GROUP_ORDER if group_by == "island_group" else ()
    return [g for g in base if g in present] + sorted(g for g in present if g not in base)


def _label(g, group_by):
    return TYPE_LABELS.get(g, g) if group_by == "type" else g


def plot_index_distribution(results: pd.DataFrame, group_by: str = "type", years=None, seed: int = 0,
                            source_kind: str | None = "official_report"):
    """Box plots of the SPBE index per group, one box per year side by side, with every institution as a point.

    Points are jittered horizontally (seeded); dashed lines mark the predicate thresholds.
    """
    df = select_source(results, source_kind)
    col = GROUPINGS.get(group_by)
    if col is None:
        raise SPBEError(f"group_by must be one of {[k for k, v in GROUPINGS.items() if v]}", field="group_by")
    df = df[df[col].notna()]
    years = sorted(df["year"].unique()) if years is None else list(years)
    groups = _order(df[col].astype(str), group_by)
    apply_style()
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(years)
    for j, y in enumerate(years):
        sub = df[df["year"] == y]
        data = [sub.loc[sub[col].astype(str) == g, "index"].to_numpy(float) for g in groups]
        pos = np.arange(len(groups)) - 0.4 + width * (j + 0.5)
        color = _YEAR_COLORS[j % len(_YEAR_COLORS)]
        keep = [i for i, d in enumerate(data) if d.size]
        ax.boxplot([data[i] for i in keep], positions=pos[keep], widths=width * 0.8, showfliers=False,
                   patch_artist=True, boxprops=dict(facecolor=color, alpha=0.35, edgecolor=color),
                   medianprops=dict(color=color, linewidth=2), whiskerprops=dict(color=color),
                   capprops=dict(color=color))
        for i in keep:
            x = pos[i] + rng.uniform(-width * 0.3, width * 0.3, size=data[i].size)
            ax.scatter(x, data[i], s=7, color=color, alpha=0.6, linewidths=0,
                       label=str(y) if i == keep[0] else None)
    for t, p in zip(PREDICATE_BANDS, PREDICATES[1:]):
        ax.axhline(t, color="0.6", linestyle="--", linewidth=0.7)
        ax.text(len(groups) - 0.45, t + 0.03, f"{p} ≥ {t}", fontsize=7, color="0.35", ha="right")
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels([_label(g, group_by) for g in groups], rotation=20, ha="right")
    ax.set_ylim(0, 5)
    ax.set_ylabel("SPBE index (0–5)")
    ax.set_xlabel({"type": "Institution type", "island_group": "Island group", "province": "Province"}[group_by])
    ax.set_title(f"SPBE index by {group_by.replace('_', ' ')} and evaluation year (one point per institution)")
    ax.legend(title="Evaluation year", loc="lower left", frameon=False)
    fig.tight_layout()
    return fig


def plot_predicate_shares(summary: pd.DataFrame, group_by: str = "type", years=None):
    """Stacked horizontal bars: share of each predikat (predicate) per group and year, in percent.

    ``summary`` is :func:`spbe_research.compare.group_summary` output.
    """
    cols = [f"share_{p.lower().replace(' ', '_')}" for p in PREDICATES]
    need = {"year", "group_by", "group", *cols}
    if not need <= set(summary.columns):
        raise SPBEError(f"summary lacks column(s) {sorted(need - set(summary.columns))}", field="summary")
    sub = summary[summary["group_by"] == group_by]
    if sub.empty:
        raise SPBEError(f"no rows with group_by == {group_by!r}", field="group_by")
    years = sorted(sub["year"].unique()) if years is None else list(years)
    groups = _order(sub["group"].astype(str), group_by)
    rows = [(g, y) for g in groups for y in years if ((sub["group"] == g) & (sub["year"] == y)).any()]
    apply_style()
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.32 * len(rows) + 1.6)))
    left = np.zeros(len(rows))
    ypos = np.arange(len(rows))[::-1]
    for p, c in zip(PREDICATES, cols):
        vals = np.array([float(sub.loc[(sub["group"] == g) & (sub["year"] == y), c].iloc[0]) for g, y in rows]) * 100
        ax.barh(ypos, vals, left=left, color=PREDICATE_COLORS[p], edgecolor="0.5", linewidth=0.4,
                label=PREDICATE_GLOSS[p])
        left += vals
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{_label(g, group_by)}, {y}" for g, y in rows])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of institutions (%)")
    ax.set_ylabel({"type": "Institution type, year", "island_group": "Island group, year",
                   "province": "Province, year", "all": "Year"}.get(group_by, group_by))
    ax.set_title(f"Predikat (predicate) shares by {group_by.replace('_', ' ')} and year")
    ax.legend(title="Predikat", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def plot_domain_profiles(summary: pd.DataFrame, group_by: str = "type", year: int | None = None):
    """Grouped bars: mean domain score (D1–D4) per group for one year (default: the latest)."""
    sub = summary[summary["group_by"] == group_by]
    if sub.empty:
        raise SPBEError(f"no rows with group_by == {group_by!r}", field="group_by")
    year = int(sub["year"].max()) if year is None else int(year)
    sub = sub[sub["year"] == year]
    if sub.empty:
        raise SPBEError(f"no rows for year {year}", field="year")
    domains = [d for d in ("D1", "D2", "D3", "D4") if f"mean_{d}" in sub.columns and sub[f"mean_{d}"].notna().any()]
    if not domains:
        raise SPBEError("summary has no domain means (mean_D1 …)", field="mean_D1")
    groups = _order(sub["group"].astype(str), group_by)
    apply_style()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(groups)
    x = np.arange(len(domains))
    cmap = plt.get_cmap("tab10")
    for j, g in enumerate(groups):
        row = sub[sub["group"] == g].iloc[0]
        ax.bar(x - 0.4 + width * (j + 0.5), [float(row[f"mean_{d}"]) for d in domains], width * 0.95,
               color=cmap(j % 10), label=_label(g, group_by))
    ax.set_xticks(x)
    ax.set_xticklabels([_DOMAIN_NAMES[d] for d in domains])
    ax.set_ylim(0, 5)
    ax.set_ylabel("Mean domain score (0–5)")
    ax.set_xlabel("SPBE domain")
    ax.set_title(f"Domain profile by {group_by.replace('_', ' ')}, {year}")
    ax.legend(title="Group", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig
