"""Figures for weight uncertainty, Sobol sensitivity and target planning.

Each function draws on a given (or new) Axes and returns it; colours follow the shared predicate map.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..errors import SPBEError
from ..frameworks import get_framework
from .style import NEUTRAL_DARK, NEUTRAL_LIGHT, PREDICATE_COLORS, concept_color, concept_label, describe, styled

__all__ = ["plot_rank_intervals", "plot_rank_intervals_labelled", "plot_predicate_fragility", "plot_sobol",
           "plot_plan", "plot_gain_per_step", "plot_convergence", "plot_sobol_convergence"]

_EDGE = NEUTRAL_DARK
_LIGHT, _DARK = NEUTRAL_LIGHT, NEUTRAL_DARK


def _ax(ax, figsize=None):
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


@styled
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
    _predicate_legend(ax, t["nominal_predicate"].astype(str), below=True)
    width = t["rank_p95"] - t["rank_p05"]
    return describe(ax, f"Rank intervals of {len(t)} institutions, ordered by official rank: each vertical line spans "
                        f"the 5-95 % interval of rank minus official rank, coloured by official predicate; median "
                        f"interval width {width.median():.0f} places, widest {width.max():.0f} places, width 0 for "
                        f"{int((width == 0).sum())}.")


@styled
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
    w = t["rank_p95"] - t["rank_p05"]
    widest = w.idxmax()
    return describe(ax, f"Rank intervals of {len(t)} labelled institutions, best official rank on top; the widest "
                        f"spans {w.max():.0f} places ({t.at[widest, '_label']}, official rank "
                        f"{t.at[widest, 'nominal_rank']:.0f}): "
                        + "; ".join(f"{lab} official {r.nominal_rank:.0f}, {r.rank_p05:.0f}-{r.rank_p95:.0f}"
                                    for lab, r in zip(t["_label"].head(10), t.head(10).itertuples()))
                        + ("; ..." if len(t) > 10 else "") + ".")


@styled
def plot_predicate_fragility(table: pd.DataFrame, framework="2020", ax=None, title: str | None = None):
    """Share of weight draws that keep the official predicate, against the official index (dotted lines:
    the framework's band edges)."""
    edges = get_framework(framework).band_edges
    ax = _ax(ax)
    colors = [PREDICATE_COLORS[str(p)] for p in table["nominal_predicate"]]
    ax.scatter(table["nominal_index"], table["p_keep_predicate"], c=colors, edgecolors=_EDGE, linewidths=0.4, s=18)
    for e in edges:
        ax.axvline(e, color="black", linewidth=0.6, linestyle=":")
    ax.set_xlabel(f"official index ({get_framework(framework).name})")
    ax.set_ylabel("probability of keeping the predicate")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title or "Predicates near a band edge are fragile")
    _predicate_legend(ax, table["nominal_predicate"].astype(str), loc="lower left")
    fragile = table["p_keep_predicate"] < 0.9
    return describe(ax, f"Scatter of the probability of keeping the official predicate against the official index "
                        f"for {len(table)} institutions, with the band edges {', '.join(f'{e:g}' for e in edges)} "
                        f"dotted: {int(fragile.sum())} ({fragile.mean():.1%}) keep it in fewer than 90 % of draws, "
                        f"the lowest probability {table['p_keep_predicate'].min():.3f}"
                        + (f" ({table['p_keep_predicate'].idxmin()})" if isinstance(table.index[0], str) else "")
                        + (f", at most {table.loc[fragile, 'distance_to_edge'].max():.2f} index points from an edge"
                           if fragile.any() and "distance_to_edge" in table else "") + ".")


@styled
def plot_sobol(sobol, output: str = "R_S", ax=None, title: str | None = None, xlabel: str | None = None):
    """First-order (S1) and total (ST) Sobol indices of each factor (weight, or input group) for one output,
    with bootstrap CIs. ``sobol``: a :class:`~spbe_research.sensitivity.SobolResult`, a
    :class:`~spbe_research.sensitivity.GroupSobol` or their table."""
    ax = _ax(ax)
    sobol = sobol.to_frame() if hasattr(sobol, "to_frame") else sobol
    groups = "input" in sobol.columns
    if groups:
        sobol = sobol.rename(columns={"input": "factor"})
    s = sobol[sobol["output"] == output]
    if s.empty:
        raise SPBEError(f"no Sobol rows for output {output!r}", field="output")
    x = np.arange(len(s))
    ax.bar(x - 0.2, s["S1"], 0.4, yerr=s["S1_conf"], label="first order S1", color=_LIGHT, edgecolor=_EDGE, capsize=3)
    ax.bar(x + 0.2, s["ST"], 0.4, yerr=s["ST_conf"], label="total ST", color=_DARK, edgecolor=_EDGE, capsize=3)
    ax.set_xticks(x, [str(f).replace("_", "\n") if groups else str(f) for f in s["factor"]])
    ax.set_xlabel(xlabel or ("uncertain input (group of factors)" if groups else "domain weight (factor)"))
    ax.set_ylabel("Sobol index (share of output variance)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title or f"Sensitivity of {output} to the {'modelling choices' if groups else 'domain weights'}")
    ax.legend()
    return describe(ax, f"Bar chart of the first-order and total Sobol indices of {output} for each "
                        f"{'uncertain input' if groups else 'domain weight'}: "
                        + "; ".join(f"{str(r.factor).replace('_', ' ')} S1 {r.S1:.3f}, ST {r.ST:.3f}"
                                    for r in s.itertuples()) + ".")


@styled
def plot_plan(plan, ax=None, title: str | None = None):
    """Index points gained per indicator in a :func:`~spbe_research.planning.plan_target` plan, coloured by the
    concept of the indicator's top-level part (the same colour for services whether they are D3 in 5/2018, D4
    in 59/2020 or aspect A6 in 8/2026)."""
    steps = plan.steps if hasattr(plan, "steps") else plan
    ax = _ax(ax, figsize=(9, max(3.0, 0.3 * len(steps) + 1)))
    y = np.arange(len(steps))
    ax.barh(y, steps["gain"], color=[concept_color(c) for c in steps["concept"]], edgecolor=_EDGE)
    fmt = (lambda v: f"{v:g}") if steps["current"].dtype.kind in "iu" else (lambda v: f"{v:.2f}")
    ax.set_yticks(y, [f"{i} ({fmt(c)}→{fmt(n)})" for i, c, n in zip(steps["indicator"], steps["current"],
                                                                     steps["new"])])
    ax.invert_yaxis()
    ax.set_xlabel("index points gained")
    ax.set_ylabel("indicator (current → new)")
    if hasattr(plan, "start_index"):
        unit = "level steps" if float(plan.total_increase).is_integer() else "points"
        ax.set_title(title or f"{plan.framework}: {plan.start_index:.2f} → {plan.final_index:.3f} "
                              f"with {plan.total_increase:g} {unit}")
    elif title:
        ax.set_title(title)
    seen = dict.fromkeys(steps["concept"])
    ax.legend(handles=[Patch(facecolor=concept_color(c), edgecolor=_EDGE, label=concept_label(c)) for c in seen],
              title="concept", loc="lower right")
    gained = steps.groupby("concept", sort=False)["gain"].sum()
    return describe(ax, f"Horizontal bar chart of the index points gained by each of the {len(steps)} indicators "
                        f"raised in the plan ({ax.get_title()}), largest first: indicator {steps['indicator'].iloc[0]} "
                        f"gains {steps['gain'].iloc[0]:.4f}. Gains by concept: "
                        + "; ".join(f"{concept_label(c)} {g:.3f}" for c, g in gained.items()) + ".")


@styled
def plot_gain_per_step(tables: dict, ax=None, title: str | None = None):
    """Index points per unit (level step) of each indicator, one group of bars per framework, coloured by concept.

    ``tables`` maps a label to a :func:`~spbe_research.planning.gain_per_step` table.
    """
    ax = _ax(ax, figsize=(10, 4.5))
    offset = 0
    ticks, labels, seen = [], [], {}
    for label, g in tables.items():
        x = offset + np.arange(len(g))
        ax.bar(x, g["gain_per_step"], color=[concept_color(c) for c in g["concept"]], edgecolor=_EDGE, linewidth=0.3)
        seen.update(dict.fromkeys(g["concept"]))
        ticks.append(offset + (len(g) - 1) / 2)
        labels.append(label)
        offset += len(g) + 4
    ax.set_xticks(ticks, labels)
    ax.set_xlabel("indicators, largest step value first, per framework")
    ax.set_ylabel("index points per level step")
    ax.set_title(title or "Where one level step pays off most")
    ax.legend(handles=[Patch(facecolor=concept_color(c), label=concept_label(c)) for c in seen], title="concept")
    parts = []
    for label, g in tables.items():
        top = g.iloc[0]
        parts.append(f"{label}: from {g['gain_per_step'].min():.4f} to {g['gain_per_step'].max():.4f} index points, "
                     f"largest for {concept_label(top['concept'])}")
    return describe(ax, "Bar chart of the index points one level step of each indicator adds, one group of bars per "
                        "framework, coloured by concept. " + "; ".join(parts) + ".")


@styled
def plot_convergence(convergence: pd.DataFrame, ax=None, title: str | None = None,
                     stats=("R_S", "share_fragile", "median_rank_interval")):
    """Summary statistics of an uncertainty analysis against the number of draws (log axis), each relative to
    its final value, so that one can see when more draws stop changing them."""
    ax = _ax(ax)
    c = convergence
    styles = ["-o", "--s", ":^", "-.d"]
    for st, sty in zip(stats, styles):
        final = float(c[st].iloc[-1])
        ax.plot(c["n_draws"], c[st] / final if final else c[st], sty, label=f"{st} (final {final:.3g})", markersize=4,
                color=NEUTRAL_DARK, markerfacecolor="white")
    ax.axhline(1, color="black", linewidth=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("number of draws")
    ax.set_ylabel("value / final value")
    ax.legend()
    ax.set_title(title or "Convergence of the uncertainty analysis")
    return describe(ax, "Line chart of summary statistics of the uncertainty analysis against the number of draws "
                        "(log axis), each divided by its final value: "
                        + "; ".join(f"{st} ends at {float(c[st].iloc[-1]):.3g}" for st in stats) + ".")


@styled
def plot_sobol_convergence(convergence: pd.DataFrame, output: str = "R_S", ax=None, title: str | None = None):
    """Total Sobol index (with its bootstrap half-width) of each input against the base sample size."""
    ax = _ax(ax)
    c = convergence[convergence["output"] == output]
    if c.empty:
        raise SPBEError(f"no convergence rows for output {output!r}", field="output")
    # inputs are told apart by marker and line style in greys (colours stay reserved for concepts and predicates)
    looks = [("o", "-"), ("s", "--"), ("^", ":"), ("D", "-."), ("v", (0, (5, 1, 1, 1)))]
    shades = [NEUTRAL_DARK, "black", "#777777", "#333333", "#999999"]
    for k, (name, g) in enumerate(c.groupby("input", sort=False)):
        marker, style = looks[k % len(looks)]
        ax.errorbar(g["n_base"], g["ST"], yerr=g["ST_conf"], marker=marker, linestyle=style, capsize=3,
                    color=shades[k % len(shades)], markerfacecolor="white", label=str(name).replace("_", " "))
    ax.set_xscale("log", base=2)
    ax.set_xlabel("base sample size N (evaluations: N × (inputs + 2))")
    ax.set_ylabel("total Sobol index ST")
    top = float((c["ST"] + c["ST_conf"]).max())
    ax.set_ylim(min(0.0, float((c["ST"] - c["ST_conf"]).min())) - 0.02, top * 1.35 + 0.02)  # room for the legend
    ax.legend(loc="upper center", ncol=2, framealpha=0.9)
    ax.set_title(title or f"Convergence of the Sobol indices on {output}")
    last = c[c["n_base"] == c["n_base"].max()]
    return describe(ax, f"Error-bar chart of the total Sobol index of each input on {output} against the base sample "
                        f"size (log axis); at N = {int(last['n_base'].iloc[0])}: "
                        + "; ".join(f"{str(r.input).replace('_', ' ')} {r.ST:.3f} ± {r.ST_conf:.3f}"
                                    for r in last.itertuples()) + ".")
