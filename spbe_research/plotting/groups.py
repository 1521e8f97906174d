"""Figures comparing groups of institutions: index distributions, predicate shares, domain profiles.

Inputs are the panel (:func:`spbe_research.datasets.load_results`) or the tidy output of
:func:`spbe_research.compare.group_summary`. Every function draws on ``ax`` (a new figure when
``None``) and returns the Axes; the package style applies to the figures it creates and never
changes matplotlib's global settings.
"""
from __future__ import annotations

import contextlib

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import checks
from ..compare import GROUPINGS, select_source
from ..errors import SPBEError
from ..scoring import PREDICATE_BANDS, PREDICATES
from ..vocabulary import INSTITUTION_TYPES, ISLAND_GROUPS, TYPE_LABELS
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
    base = INSTITUTION_TYPES if group_by == "type" else ISLAND_GROUPS if group_by == "island_group" else ()
    return [g for g in base if g in present] + sorted(g for g in present if g not in base)


@contextlib.contextmanager
def _styled():
    """The package style for the figures made inside; matplotlib's global settings are restored after."""
    with mpl.rc_context():
        apply_style()
        yield


def _axes(ax, figsize):
    if ax is None:
        return plt.subplots(figsize=figsize)[1]
    if not isinstance(ax, mpl.axes.Axes):
        raise SPBEError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}", field="ax")
    return ax


def _years(years, available) -> list:
    if years is None:
        return sorted(available)
    chosen = list(checks.years(years))
    missing = [y for y in chosen if y not in set(available)]
    if missing:
        raise SPBEError(f"no rows for year {missing[0]}", field="year")
    return chosen


def _label(g, group_by):
    return TYPE_LABELS.get(g, g) if group_by == "type" else g


def plot_index_distribution(results: pd.DataFrame, group_by: str = "type", years=None, seed=0,
                            source_kind: str | None = "official_report", ax=None):
    """Box plots of the SPBE index per group, one box per year side by side, with every institution as a point.

    Points are jittered horizontally (seeded); dashed lines mark the predicate thresholds. Returns the Axes.
    """
    df = select_source(results, source_kind)
    col = GROUPINGS.get(group_by) if isinstance(group_by, str) else None
    if col is None:
        raise SPBEError(f"group_by must be one of {[k for k, v in GROUPINGS.items() if v]}", field="group_by")
    df = df[df[col].notna()]
    if df.empty:
        raise SPBEError(f"no rows with a {col}", field=col)
    years = _years(years, df["year"].unique())
    groups = _order(df[col].astype(str), group_by)
    rng = checks.generator(seed)
    with _styled():
        own, ax = ax is None, _axes(ax, (10, 5))
        _draw_distribution(ax, df, col, group_by, years, groups, rng)
        if own:
            ax.figure.tight_layout()
    return ax


def _draw_distribution(ax, df, col, group_by, years, groups, rng) -> None:
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


def plot_predicate_shares(summary: pd.DataFrame, group_by: str = "type", years=None, ax=None):
    """Stacked horizontal bars: share of each predikat (predicate) per group and year, in percent.

    ``summary`` is :func:`spbe_research.compare.group_summary` output. Returns the Axes.
    """
    cols = [f"share_{p.lower().replace(' ', '_')}" for p in PREDICATES]
    checks.frame(summary, name="summary", required=("year", "group_by", "group", *cols))
    sub = summary[summary["group_by"] == group_by]
    if sub.empty:
        raise SPBEError(f"no rows with group_by == {group_by!r}", field="group_by")
    years = _years(years, sub["year"].unique())
    groups = _order(sub["group"].astype(str), group_by)
    table = sub.drop_duplicates(["group", "year"]).set_index([sub["group"].astype(str), "year"])
    rows = [(g, y) for g in groups for y in years if (g, y) in table.index]
    shares = np.column_stack([checks.numeric_column(table.loc[rows, c], field=c, what="share") for c in cols]) * 100
    if np.isnan(shares).any() or (shares < 0).any() or (shares > 100 + 1e-9).any():
        raise SPBEError("predicate shares must be numbers from 0 to 1", field="share")
    with _styled():
        own, ax = ax is None, _axes(ax, (10, max(3.0, 0.32 * len(rows) + 1.6)))
        _draw_shares(ax, rows, shares, group_by)
        if own:
            ax.figure.tight_layout()
    return ax


def _draw_shares(ax, rows, shares, group_by) -> None:
    left = np.zeros(len(rows))
    ypos = np.arange(len(rows))[::-1]
    for j, p in enumerate(PREDICATES):
        ax.barh(ypos, shares[:, j], left=left, color=PREDICATE_COLORS[p], edgecolor="0.5", linewidth=0.4,
                label=PREDICATE_GLOSS[p])
        left += shares[:, j]
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{_label(g, group_by)}, {y}" for g, y in rows])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of institutions (%)")
    ax.set_ylabel({"type": "Institution type, year", "island_group": "Island group, year",
                   "province": "Province, year", "all": "Year"}.get(group_by, group_by))
    ax.set_title(f"Predikat (predicate) shares by {group_by.replace('_', ' ')} and year")
    ax.legend(title="Predikat", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def plot_domain_profiles(summary: pd.DataFrame, group_by: str = "type", year: int | None = None, ax=None):
    """Grouped bars: mean domain score (D1–D4) per group for one year (default: the latest). Returns the Axes."""
    checks.frame(summary, name="summary", required=("year", "group_by", "group"))
    sub = summary[summary["group_by"] == group_by]
    if sub.empty:
        raise SPBEError(f"no rows with group_by == {group_by!r}", field="group_by")
    year = int(sub["year"].max()) if year is None else checks.year(year)
    sub = sub[sub["year"] == year]
    if sub.empty:
        raise SPBEError(f"no rows for year {year}", field="year")
    domains = [d for d in ("D1", "D2", "D3", "D4") if f"mean_{d}" in sub.columns and sub[f"mean_{d}"].notna().any()]
    if not domains:
        raise SPBEError("summary has no domain means (mean_D1 …)", field="mean_D1")
    groups = _order(sub["group"].astype(str), group_by)
    means = np.column_stack([checks.numeric_column(sub.drop_duplicates("group").set_index("group")
                                                   .loc[groups, f"mean_{d}"], field=f"mean_{d}") for d in domains])
    with _styled():
        own, ax = ax is None, _axes(ax, (10, 4.8))
        _draw_profiles(ax, groups, domains, means, group_by, year)
        if own:
            ax.figure.tight_layout()
    return ax


def _draw_profiles(ax, groups, domains, means, group_by, year) -> None:
    width = 0.8 / len(groups)
    x = np.arange(len(domains))
    cmap = plt.get_cmap("tab10")  # ten distinct hues; the groups are labelled in the legend
    for j, g in enumerate(groups):
        ax.bar(x - 0.4 + width * (j + 0.5), means[j], width * 0.95, color=cmap(j % 10), label=_label(g, group_by))
    ax.set_xticks(x)
    ax.set_xticklabels([_DOMAIN_NAMES[d] for d in domains])
    ax.set_ylim(0, 5)
    ax.set_ylabel("Mean domain score (0–5)")
    ax.set_xlabel("SPBE domain")
    ax.set_title(f"Domain profile by {group_by.replace('_', ' ')}, {year}")
    ax.legend(title="Group", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
