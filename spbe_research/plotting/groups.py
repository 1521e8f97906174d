"""Figures comparing groups of institutions: index distributions, predicate shares, domain profiles.

Inputs are the panel (:func:`spbe_research.datasets.load_results`) or the tidy output of
:func:`spbe_research.compare.group_summary`. Every function draws on ``ax`` (a new figure when
``None``), describes the figure in words (:func:`.style.describe`, the alt text) and returns the Axes;
the package style applies inside the function only (:func:`.style.styled`). Predicates take the shared
predicate colours, domains the colour of their concept (services look the same whatever the domain code).
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import checks
from ..compare import GROUPINGS, select_source
from ..errors import SPBEError
from ..frameworks import framework_for_year
from ..scoring import PREDICATE_BANDS, PREDICATES
from ..vocabulary import INSTITUTION_TYPES, ISLAND_GROUPS, TYPE_LABELS
from .style import PREDICATE_COLORS, PREDICATE_GLOSS, concept_color, concept_label, describe, styled

__all__ = ["plot_index_distribution", "plot_predicate_shares", "plot_domain_profiles"]

#: one colour per evaluation year (Paul Tol's "bright" scheme, colour-blind safe; years are not concepts)
_YEAR_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377")
_AXIS_NAMES = {"type": "Institution type", "island_group": "Island group", "province": "Province"}


def _order(groups, group_by):
    present = [str(g) for g in pd.unique(pd.Series(groups).dropna())]
    base = INSTITUTION_TYPES if group_by == "type" else ISLAND_GROUPS if group_by == "island_group" else ()
    return [g for g in base if g in present] + sorted(g for g in present if g not in base)


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


def _by(group_by) -> str:
    return str(group_by).replace("_", " ")


@styled
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
    own, ax = ax is None, _axes(ax, (10, 5))
    medians = _draw_distribution(ax, df, col, group_by, years, groups, rng)
    if own:
        ax.figure.tight_layout()
    parts = []
    for y in years:
        m = medians[medians["year"] == y]
        if m.empty:
            continue
        lo, hi = m.loc[m["median"].idxmin()], m.loc[m["median"].idxmax()]
        parts.append(f"{y} ({int(m['n'].sum())} institutions): medians from {lo['median']:.2f} "
                     f"({_label(lo['group'], group_by)}) to {hi['median']:.2f} ({_label(hi['group'], group_by)})")
    return describe(ax, f"Box plots with one point per institution of the SPBE index (0–5) by {_by(group_by)} "
                        f"and evaluation year, {len(groups)} groups; " + "; ".join(parts) + ".")


def _draw_distribution(ax, df, col, group_by, years, groups, rng) -> pd.DataFrame:
    """Draw the boxes and points; returns the median and count of every box drawn (year, group, n, median)."""
    width = 0.8 / len(years)
    drawn = []
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
            drawn.append((y, groups[i], data[i].size, float(np.median(data[i]))))
    for t, p in zip(PREDICATE_BANDS, PREDICATES[1:]):
        ax.axhline(t, color="0.6", linestyle="--", linewidth=0.7)
        ax.text(len(groups) - 0.45, t + 0.03, f"{p} ≥ {t}", fontsize=7, color="0.35", ha="right")
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels([_label(g, group_by) for g in groups], rotation=20, ha="right")
    ax.set_ylim(0, 5)
    ax.set_ylabel("SPBE index (0–5)")
    ax.set_xlabel(_AXIS_NAMES[group_by])
    ax.set_title(f"SPBE index by {_by(group_by)} and evaluation year (one point per institution)")
    ax.legend(title="Evaluation year", loc="lower left", frameon=False)
    return pd.DataFrame(drawn, columns=["year", "group", "n", "median"])


@styled
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
    own, ax = ax is None, _axes(ax, (10, max(3.0, 0.32 * len(rows) + 1.6)))
    _draw_shares(ax, rows, shares, group_by)
    if own:
        ax.figure.tight_layout()
    good = shares[:, PREDICATES.index("Baik"):].sum(axis=1)  # Baik or better
    return describe(ax, f"Stacked bar chart of the predikat (predicate) shares of {len(rows)} "
                        f"{_by(group_by)}-and-year groups: Baik (good) or better from {_extreme(good, rows, group_by, min)} "
                        f"to {_extreme(good, rows, group_by, max)}; the largest Kurang (poor) share is "
                        f"{_extreme(shares[:, 0], rows, group_by, max)}.")


def _extreme(values, rows, group_by, pick) -> str:
    """``"12.5 % (group, year)"`` for the smallest/largest value, naming every row that ties for it."""
    v = pick(values)
    tied = [f"{_label(g, group_by)}, {y}" for (g, y), x in zip(rows, values) if abs(x - v) < 1e-6]
    more = f"; {len(tied) - 3} more" if len(tied) > 3 else ""
    return f"{v:.1f} % ({'; '.join(tied[:3])}{more})"


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
    ax.set_title(f"Predikat (predicate) shares by {_by(group_by)} and year")
    ax.legend(title="Predikat", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _domain_concepts(year: int, domains) -> dict:
    """Domain code → concept under the framework of ``year`` (None for a code that framework lacks)."""
    fw = framework_for_year(year)
    known = set(fw.domain_codes)
    return {d: (fw.concept_of(d).iloc[0] if d in known else None) for d in domains}


@styled
def plot_domain_profiles(summary: pd.DataFrame, group_by: str = "type", year: int | None = None, ax=None):
    """Horizontal grouped bars: mean domain score (D1–D4) per group for one year (default: the latest).

    One row of bars per group, one bar per domain, coloured by the domain's concept under the framework of
    ``year`` (:func:`spbe_research.frameworks.framework_for_year`). Returns the Axes.
    """
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
    table = sub.drop_duplicates("group").set_index(sub.drop_duplicates("group")["group"].astype(str))
    means = np.column_stack([checks.numeric_column(table.loc[groups, f"mean_{d}"], field=f"mean_{d}")
                             for d in domains])
    labels = {d: f"{d} {concept_label(c)}" if c else d for d, c in _domain_concepts(year, domains).items()}
    colors = {d: concept_color(c) for d, c in _domain_concepts(year, domains).items()}
    own, ax = ax is None, _axes(ax, (9, 0.75 * len(groups) + 1.6))
    _draw_profiles(ax, groups, domains, means, group_by, year, labels, colors)
    if own:
        ax.figure.tight_layout()
    return describe(ax, _profile_text(groups, domains, means, group_by, year, labels))


def _draw_profiles(ax, groups, domains, means, group_by, year, labels, colors) -> None:
    height = 0.8 / len(domains)
    y = np.arange(len(groups))
    for k, d in enumerate(domains):
        bars = ax.barh(y - 0.4 + height * (k + 0.5), means[:, k], height * 0.92, color=colors[d], label=labels[d])
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7, color="0.25")
    ax.set_yticks(y)
    ax.set_yticklabels([_label(g, group_by) for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)  # first group on top
    ax.set_xlim(0, 5)
    ax.set_xlabel("Mean domain score (0–5)")
    ax.set_ylabel(_AXIS_NAMES.get(group_by, _by(group_by).capitalize()))
    ax.set_title(f"Domain profile by {_by(group_by)}, {year}")
    ax.legend(title="SPBE domain (concept)", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _profile_text(groups, domains, means, group_by, year, labels) -> str:
    known = ~np.isnan(means).all(axis=1)
    m = means[known]
    names = [_label(g, group_by) for g, k in zip(groups, known) if k]
    hi = np.nanargmax(m, axis=1)
    lo = np.nanargmin(m, axis=1)
    top, bottom = np.bincount(hi, minlength=len(domains)).argmax(), np.bincount(lo, minlength=len(domains)).argmax()
    i_min, j_min = np.unravel_index(np.nanargmin(m), m.shape)
    i_max, j_max = np.unravel_index(np.nanargmax(m), m.shape)
    return (f"Horizontal bar chart of the mean domain score (0–5) of each {_by(group_by)} in {year}, one bar per "
            f"domain coloured by concept: {labels[domains[top]]} is highest in {int((hi == top).sum())} of {len(m)} "
            f"groups and {labels[domains[bottom]]} lowest in {int((lo == bottom).sum())} of {len(m)}; means range "
            f"from {m[i_min, j_min]:.2f} ({names[i_min]}, {domains[j_min]}) to {m[i_max, j_max]:.2f} "
            f"({names[i_max]}, {domains[j_max]}).")
