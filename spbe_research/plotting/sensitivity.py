"""Figures for weight uncertainty, Sobol sensitivity and target planning.

Each function draws on a given (or new) Axes and returns it; colours follow the shared predicate map.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..scoring import PREDICATE_BANDS
from .style import PREDICATE_COLORS, apply_style

__all__ = ["plot_rank_intervals", "plot_rank_intervals_labelled", "plot_predicate_fragility", "plot_sobol",
           "plot_plan", "plot_gain_per_step"]

_EDGE = "#555555"


def _ax(ax, figsize=None):
    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _predicate_legend(ax, predicates, loc="upper left", below=False):
    present = [p for p in PREDICATE_COLORS if p in set(predicates)]
    handles = [Patch(facecolor=PREDICATE_COLORS[p], edgecolor=_EDGE, label=p) for p in present]
    if below:
        ax.legend(handles=handles, title="nominal predikat (predicate)", loc="upper center",
                  bbox_to_anchor=(0.5, -0.14), ncol=len(handles), frameon=False)
    else:
        ax.legend(handles=handles, title="nominal predikat (predicate)", loc=loc)


def plot_rank_intervals(table: pd.DataFrame, ax=None, title: str | None = None):
    """Every institution's 5–95 % rank interval and median rank, as shifts from its official rank.

    x: official rank; y: rank under the weight draws minus the official rank (negative = a better place),
    so that narrow and wide intervals are visible for hundreds of institutions at once.
    """
    ax = _ax(ax, figsize=(10, 5))
    t = table.sort_values(["nominal_rank", "nominal_index"], ascending=[True, False])
    x = t["nominal_rank"].to_numpy()
    colors = [PREDICATE_COLORS[str(p)] for p in t["nominal_predicate"]]
    ax.vlines(x, t["rank_p05"] - x, t["rank_p95"] - x, colors=colors, linewidth=1.2)
    ax.scatter(x, t["median_rank"] - x, s=3, color=_EDGE, zorder=3)
    ax.axhline(0, color="black", linewidth=0.6, linestyle="--")
    ax.set_xlim(0, len(t) + 1)
    ax.invert_yaxis()
    ax.set_xlabel("official (nominal) rank")
    ax.set_ylabel("rank − official rank (5–95 % interval; dot = median)")
    ax.set_title(title or "Rank intervals under uncertain domain weights")
    ax.set_facecolor("#e8e8e8")  # so the pale Baik colour stays visible
    _predicate_legend(ax, t["nominal_predicate"].astype(str), below=True)
    return ax


def plot_rank_intervals_labelled(table: pd.DataFrame, labels: pd.Series, ax=None, title: str | None = None):
    """Rank intervals for a readable subset, one labelled row per institution (best nominal rank on top)."""
    t = table.assign(_label=labels.reindex(table.index).astype(str)).sort_values("nominal_rank")
    ax = _ax(ax, figsize=(9, max(3.0, 0.28 * len(t) + 1)))
    y = np.arange(len(t))
    colors = [PREDICATE_COLORS[str(p)] for p in t["nominal_predicate"]]
    ax.hlines(y, t["rank_p05"], t["rank_p95"], colors=colors, linewidth=5)
    ax.scatter(t["median_rank"], y, color=_EDGE, s=14, zorder=3, label="median rank")
    ax.scatter(t["nominal_rank"], y, marker="|", color="black", s=120, zorder=4, label="official rank")
    ax.set_yticks(y, t["_label"])
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = best); bar = 5–95 % interval over weight draws")
    ax.set_title(title or "Rank intervals under uncertain domain weights")
    ax.legend(loc="upper right")
    return ax


def plot_predicate_fragility(table: pd.DataFrame, edges=PREDICATE_BANDS, ax=None, title: str | None = None):
    """Share of weight draws that keep the official predicate, against the official index."""
    ax = _ax(ax)
    colors = [PREDICATE_COLORS[str(p)] for p in table["nominal_predicate"]]
    ax.scatter(table["nominal_index"], table["p_keep_predicate"], c=colors, edgecolors=_EDGE, linewidths=0.4, s=18)
    for e in edges:
        ax.axvline(e, color="black", linewidth=0.6, linestyle=":")
    ax.set_xlabel("official SPBE index (0–5)")
    ax.set_ylabel("probability of keeping the predicate")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title or "Predicates near a band edge are fragile")
    _predicate_legend(ax, table["nominal_predicate"].astype(str), loc="lower left")
    return ax


def plot_sobol(sobol: pd.DataFrame, output: str = "R_S", ax=None, title: str | None = None):
    """First-order (S1) and total (ST) Sobol indices of each weight for one output, with bootstrap CIs."""
    ax = _ax(ax)
    s = sobol[sobol["output"] == output]
    if s.empty:
        raise ValueError(f"no Sobol rows for output {output!r}")
    x = np.arange(len(s))
    ax.bar(x - 0.2, s["S1"], 0.4, yerr=s["S1_conf"], label="first order S1", color="#4c72b0", capsize=3)
    ax.bar(x + 0.2, s["ST"], 0.4, yerr=s["ST_conf"], label="total ST", color="#dd8452", capsize=3)
    ax.set_xticks(x, s["factor"])
    ax.set_xlabel("domain weight (factor)")
    ax.set_ylabel("Sobol index (share of output variance)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title or f"Sensitivity of {output} to the domain weights")
    ax.legend()
    return ax


#: one colour per domain theme (``name_en`` of the framework's domains), shared by both frameworks:
#: domain codes differ between them (services are D3 in 5/2018 and D4 in 59/2020).
_THEME_COLORS = {"Internal SPBE policy": "#8172b3", "SPBE governance": "#4c72b0", "SPBE management": "#55a868",
                 "SPBE services": "#dd8452"}
_OTHER = "#999999"


def _plan_themes(plan: pd.DataFrame) -> pd.Series:
    """The domain theme of each plan row: its ``domain_name`` column, else looked up from ``attrs["framework"]``."""
    if "domain_name" in plan.columns and plan["domain_name"].notna().all():
        return plan["domain_name"].astype(str)
    from ..errors import SPBEError
    from ..frameworks import get_framework

    try:
        names = get_framework(plan.attrs.get("framework")).domains.set_index("domain")["name_en"]
    except (SPBEError, TypeError, KeyError):  # no (known) framework: fall back to the domain codes
        return plan["domain"].astype(str)
    return plan["domain"].map(names).fillna(plan["domain"]).astype(str)


def plot_plan(plan: pd.DataFrame, ax=None, title: str | None = None):
    """Index points gained per indicator in a :func:`~spbe_research.planning.plan_target` plan.

    Bars are coloured by the domain's theme (policy, governance, management, services), the same colours as
    :func:`plot_gain_per_step`, so that a 5/2018 plan's services (D3) and a 59/2020 plan's services (D4) match.
    """
    ax = _ax(ax, figsize=(9, max(3.0, 0.3 * len(plan) + 1)))
    y = np.arange(len(plan))
    themes = _plan_themes(plan)
    ax.barh(y, plan["gain"], color=[_THEME_COLORS.get(t, _OTHER) for t in themes], edgecolor=_EDGE)
    ax.set_yticks(y, [f"{i} ({c}→{n})" for i, c, n in zip(plan["indicator"], plan["current_level"], plan["new_level"])])
    ax.invert_yaxis()
    ax.set_xlabel("index points gained (SPBE index, 0–5 scale)")
    ax.set_ylabel("indicator (current → new level)")
    a = plan.attrs
    ax.set_title(title or f"Plan: {a.get('start_index', float('nan')):.2f} → {a.get('final_index', float('nan')):.3f} "
                          f"in {a.get('total_steps', '?')} level steps")
    codes = plan["domain"].astype(str).groupby(themes.to_numpy(), sort=False).first()
    present = [t for t in _THEME_COLORS if t in codes.index] + [t for t in codes.index if t not in _THEME_COLORS]
    ax.legend(handles=[Patch(facecolor=_THEME_COLORS.get(t, _OTHER), edgecolor=_EDGE, label=f"{codes[t]} {t}")
                       for t in present], title="domain", loc="lower right")
    return ax


def plot_gain_per_step(tables: dict, ax=None, title: str | None = None):
    """Index points per level step of each indicator, one group of bars per framework.

    ``tables`` maps a label to a :func:`~spbe_research.planning.gain_per_step` table. Bars are coloured by the
    domain's theme (``domain_name``), because domain codes differ between frameworks (services are D3 in
    5/2018 and D4 in 59/2020).
    """
    ax = _ax(ax, figsize=(10, 4.5))
    offset = 0
    ticks, labels = [], []
    for label, g in tables.items():
        x = offset + np.arange(len(g))
        ax.bar(x, g["gain_per_step"], color=[_THEME_COLORS.get(d, _OTHER) for d in g["domain_name"]],
               edgecolor=_EDGE, linewidth=0.3)
        ticks.append(offset + (len(g) - 1) / 2)
        labels.append(label)
        offset += len(g) + 4
    ax.set_xticks(ticks, labels)
    ax.set_xlabel("indicators, largest step value first, per framework")
    ax.set_ylabel("SPBE index points (0–5 scale) per level step")
    ax.set_title(title or "Where one level step pays off most")
    ax.legend(handles=[Patch(facecolor=c, label=d) for d, c in _THEME_COLORS.items()], title="domain")
    return ax
