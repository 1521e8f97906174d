"""Figures of the statistical audit (:mod:`spbe_research.audit`): correlation heatmap, group consistency,
importance against weight, what-if removal. Each takes ``ax=None`` and returns the Axes; parts are coloured by
concept, so a domain or aspect has the same colour in every figure."""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from ..errors import SPBEError
from ..frameworks import get_framework
from .style import NEUTRAL_DARK, concept_color, concept_label, describe, new_axes, styled

__all__ = ["plot_correlation_heatmap", "plot_group_consistency", "plot_importance", "plot_removal"]

_EDGE = NEUTRAL_DARK


def _select(df, where):
    for k, v in (where or {}).items():
        if k not in df.columns:
            raise SPBEError(f"no column {k!r} to select on", field="where")
        df = df[df[k] == v]
    if df.empty:
        raise SPBEError(f"no rows for {where}", field="where")
    return df


def _concepts(framework, codes):
    fw = get_framework(framework)
    known = set(fw._nodes["code"])
    return [fw.concept_of(c).iloc[0] if c in known else "" for c in codes]


@styled
def plot_correlation_heatmap(coherence, framework="2020", method: str = "pearson", where: dict | None = None,
                             ax=None, title: str | None = None):
    """Correlations of every part with its siblings and with its parent/index (lower triangle), one method,
    one ``by`` group (``where={"year": 2024}``). Diverging colours centred on 0 (colour-blind-safe PuOr)."""
    c = _select(coherence.correlations[coherence.correlations["method"] == method], where)
    parts = list(dict.fromkeys(list(c["part"]) + [o for o in c["other"] if o != "index"])) + ["index"]
    pos = {p: i for i, p in enumerate(parts)}
    M = np.full((len(parts), len(parts)), np.nan)
    for r in c.itertuples():
        i, j = sorted((pos[r.part], pos[r.other]))
        M[j, i] = r.r
    ax = new_axes(ax, figsize=(max(5.5, 1.5 + 0.55 * len(parts)), max(4.5, 0.8 + 0.5 * len(parts))))
    im = ax.imshow(M, cmap="PuOr", vmin=-1, vmax=1)
    for (i, j), v in np.ndenumerate(M):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if abs(v) > 0.6 else "black")
    ax.set_xticks(range(len(parts)), parts, rotation=90 if len(parts) > 12 else 0)
    ax.set_yticks(range(len(parts)), parts)
    ax.spines[:].set_visible(False)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=f"{method} correlation")
    label = ", ".join(f"{k} {v}" for k, v in (where or {}).items())
    ax.set_title(title or f"Correlations ({method}, {label or 'all'})")
    sib = c[c["other"] != "index"]
    idx = c[c["other"] == "index"]
    return describe(ax, f"Heatmap of {method} correlations ({label or 'all rows'}) between {len(parts) - 1} parts and "
                        f"the index, lower triangle: parts correlate {sib['r'].min():.2f} to {sib['r'].max():.2f} "
                        f"with each other" + (f" and {idx['r'].min():.2f} to {idx['r'].max():.2f} with the index"
                                              if len(idx) else "") + ".")


@styled
def plot_group_consistency(coherence, where: dict | None = None, ax=None, title: str | None = None):
    """Cronbach's alpha (with its CI) and the share of variance on the first principal component, per group.
    Dotted line: alpha 0.7, the usual lower bound for a consistent group."""
    g = _select(coherence.groups.dropna(subset=["cronbach_alpha"]), where)
    ax = new_axes(ax, figsize=(7, 0.5 * len(g) + 1.5))
    y = np.arange(len(g))
    ax.errorbar(g["cronbach_alpha"], y, xerr=[g["cronbach_alpha"] - g["ci95_low"], g["ci95_high"] - g["cronbach_alpha"]],
                fmt="o", color="black", label="Cronbach's alpha (95 % CI)", capsize=3)
    ax.scatter(g["pc1_share"], y, marker="s", color="white", edgecolors=_EDGE, label="first component share", zorder=3)
    ax.axvline(0.7, color="black", linestyle=":", linewidth=0.8)
    ax.set_yticks(y, [f"{p} ({lv}s, k={k})" for p, lv, k in zip(g["parent"], g["level"], g["k"])])
    ax.set_xlim(min(0, float(g["ci95_low"].min())) - 0.02, 1.02)
    ax.set_xlabel("alpha / share of variance")
    ax.legend(loc="lower left")
    ax.set_title(title or "Internal consistency of each group")
    return describe(ax, f"Dot plot of Cronbach's alpha with its 95 % CI and the first principal component's share of "
                        f"variance for {len(g)} groups, with 0.7 dotted: alpha from {g['cronbach_alpha'].min():.3f} to "
                        f"{g['cronbach_alpha'].max():.3f}, first-component share from {g['pc1_share'].min():.2f} to "
                        f"{g['pc1_share'].max():.2f}.")


@styled
def plot_importance(importance, framework="2020", where: dict | None = None, ax=None, title: str | None = None):
    """Each part's share of the main effects (with its bootstrap CI) against its share of the nominal weight,
    coloured by concept. Above the diagonal a part drives the index more than its weight says."""
    t = importance.table if hasattr(importance, "table") else importance
    t = _select(t, where)
    ax = new_axes(ax, figsize=(6, 6))
    concepts = _concepts(framework, t["part"])
    colors = [concept_color(c) for c in concepts]
    ax.errorbar(t["weight_share"], t["importance_share"],
                yerr=[t["importance_share"] - t["share_ci95_low"], t["share_ci95_high"] - t["importance_share"]],
                fmt="none", ecolor=_EDGE, capsize=3, zorder=2)
    ax.scatter(t["weight_share"], t["importance_share"], c=colors, edgecolors=_EDGE, s=60, zorder=3)
    if len(t) <= 12:
        for p, x, y in zip(t["part"], t["weight_share"], t["importance_share"]):
            ax.annotate(p, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=9)
    hi = float(max(t["weight_share"].max(), t["share_ci95_high"].max())) * 1.1
    ax.plot([0, hi], [0, hi], color="black", linestyle="--", linewidth=0.8, label="importance = weight")
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_xlabel("nominal weight (share among siblings)")
    ax.set_ylabel("main-effect importance (share among siblings, 95 % CI)")
    handles = [Patch(facecolor=concept_color(c), edgecolor=_EDGE, label=concept_label(c)) for c in dict.fromkeys(concepts)]
    ax.legend(handles=handles + ax.get_legend_handles_labels()[0], loc="upper left", fontsize=8)
    ax.set_title(title or "Weight versus real importance")
    return describe(ax, "Scatter of each part's share of the main-effect importance (95 % CI) against its share of the "
                        "nominal weight, with the line importance = weight: "
                        + "; ".join(f"{r.part} weight {r.weight_share:.3f}, importance {r.importance_share:.3f}"
                                    for r in t.itertuples()) + ".")


@styled
def plot_removal(removal, framework="2020", where: dict | None = None, ax=None, title: str | None = None):
    """Mean and largest absolute rank shift, and the share of changed predicates, when each part is dropped."""
    s = _select(removal.summary, where)
    ax = new_axes(ax, figsize=(8, 0.45 * len(s) + 1.5))
    y = np.arange(len(s))
    colors = [concept_color(c) for c in _concepts(framework, s["part"])]
    ax.barh(y, s["mean_abs_rank_shift"], color=colors, edgecolor=_EDGE, label="mean |rank shift|")
    ax.scatter(s["max_abs_rank_shift"], y, marker="|", s=200, color="black", label="largest |rank shift|")
    for yi, m, share in zip(y, s["max_abs_rank_shift"], s["share_predicate_changed"]):
        ax.annotate(f"{share:.0%} predicates change", (m, yi), xytext=(6, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks(y, s["part"])
    ax.invert_yaxis()
    ax.set_xlim(0, float(s["max_abs_rank_shift"].max()) * 1.6)
    ax.set_xlabel("rank places moved when the part is dropped (siblings rescaled)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    ax.set_title(title or "What-if removal of each part")
    return describe(ax, "Bar chart of the mean and largest absolute rank shift when each part is dropped: "
                        + "; ".join(f"{r.part} mean {r.mean_abs_rank_shift:.1f}, largest {r.max_abs_rank_shift:.0f} places, "
                                    f"{r.share_predicate_changed:.0%} of predicates change" for r in s.itertuples()) + ".")
