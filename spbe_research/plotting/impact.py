"""Figures for the reproduction audit and the framework-change impact (notebooks 03 and 04).

Every function takes the tidy output of :mod:`spbe_research.reproduce` or :mod:`spbe_research.impact`.
The older figures return a :class:`matplotlib.figure.Figure`; :func:`plot_pair_changes` and
:func:`plot_switch_effects` take ``ax=None`` and return the Axes.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch

from ..frameworks import get_framework
from ..scoring import PREDICATES
from .style import PREDICATE_COLORS, PREDICATE_GLOSS, describe, new_axes, predicate_colors, styled

__all__ = [
    "plot_residuals",
    "plot_hypotheses",
    "plot_national_weights",
    "plot_decomposition",
    "plot_slope",
    "plot_transition_heatmap",
    "plot_domain_contributions",
    "plot_simulation",
    "plot_pair_changes",
    "plot_switch_effects",
    "STAGE_PAIR_COLORS",
]

_INDEX_LABEL = "SPBE index (0–5)"
_PART_COLORS = {"level": "#4477aa", "weight": "#ee6677", "added": "#228833", "removed": "#bbbbbb"}


def _bands(ax, orientation: str = "h", alpha: float = 0.12, framework="2020") -> None:
    """Shade a framework's predicate bands behind the data (horizontal for a y index axis)."""
    fw = get_framework(framework)
    colors = predicate_colors(fw)
    for b in fw.bands:
        (ax.axhspan if orientation == "h" else ax.axvspan)(b.lower, b.upper, color=colors[b.name], alpha=alpha, lw=0)


@styled
def plot_residuals(audit: pd.DataFrame, title: str = "Printed index minus index recomputed from printed domains") -> plt.Figure:
    """Residuals against the recomputed index, with the ±0.01 rounding tolerance band."""
    a = audit[audit["index_recomputed"].notna()]
    years = sorted(a["year"].unique())
    fig, axes = plt.subplots(1, len(years), figsize=(4.5 * len(years), 4), sharey=True, squeeze=False)
    for ax, y in zip(axes[0], years):
        g = a[a["year"] == y]
        ok = g["within_tolerance"].fillna(False).astype(bool)
        tol = float(g["tolerance"].iloc[0])
        ax.axhspan(-tol, tol, color="#dddddd", lw=0, label=f"rounding tolerance ±{tol:.2f}")
        ax.scatter(g.loc[ok, "index_recomputed"], g.loc[ok, "residual"], s=8, alpha=0.5, color="#4477aa",
                   label=f"within tolerance (n={int(ok.sum())})")
        if (~ok).any():
            ax.scatter(g.loc[~ok, "index_recomputed"], g.loc[~ok, "residual"].clip(-0.05, 0.05), s=40, marker="x",
                       color="#cc3311", label=f"outside (n={int((~ok).sum())}; clipped to ±0.05)")
        ax.set_title(f"Evaluation year {y}")
        ax.set_xlabel("Recomputed index, " + _INDEX_LABEL)
        ax.legend(loc="lower right", fontsize=8)
    axes[0][0].set_ylabel("Residual (index points)")
    axes[0][0].set_ylim(-0.055, 0.055)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def plot_hypotheses(hyp: pd.DataFrame, title: str = "Candidate explanations of the published national index",
                    clip: float = 0.1) -> plt.Figure:
    """Predicted minus published national index per hypothesis and year.

    The grey bar of each row is that hypothesis's fit tolerance (column ``tolerance``; 0.005 when
    absent). Differences beyond ±``clip`` are drawn at the edge as an arrow-head marker pointing
    outwards, with the true value written beside it. The legend sits outside the axes.
    """
    years = sorted(hyp["year"].unique())
    names = list(dict.fromkeys(hyp["hypothesis"]))
    tol = (hyp.groupby("hypothesis")["tolerance"].max() if "tolerance" in hyp.columns
           else pd.Series(0.005, index=names)).reindex(names).fillna(0.005)
    fig, ax = plt.subplots(figsize=(11, 0.38 * len(names) + 1.6))
    ypos = np.arange(len(names))
    ax.barh(ypos, 2 * tol.to_numpy(), left=-tol.to_numpy(), height=0.8, color="#dddddd", lw=0, zorder=1)
    ax.axvline(0, color="grey", lw=0.6, zorder=2)
    offs = np.linspace(-0.15, 0.15, len(years)) if len(years) > 1 else np.zeros(1)
    colors = ("#4477aa", "#ee6677", "#228833", "#ccbb44")
    n_clipped = 0
    for off, y, mk, col in zip(offs, years, ("o", "s", "^", "D"), colors):
        g = hyp[hyp["year"] == y].set_index("hypothesis").reindex(names)
        d = g["difference"].to_numpy(float)
        pos = ypos + off
        inside = np.abs(d) <= clip
        ax.scatter(d[inside], pos[inside], marker=mk, color=col, label=f"{y}", zorder=3, s=30)
        for sign, arrow in ((1, ">"), (-1, "<")):
            out = ~np.isnan(d) & (sign * d > clip)
            if out.any():
                n_clipped += int(out.sum())
                ax.scatter(np.full(out.sum(), sign * clip), pos[out], marker=arrow, color=col, s=60,
                           edgecolor="black", lw=0.6, zorder=4)
                for v, yy in zip(d[out], pos[out]):
                    ax.text(sign * (clip - 0.006), yy, f"{v:+.3f}", fontsize=7, va="center",
                            ha="right" if sign > 0 else "left", color=col)
    ax.set_yticks(ypos, [n.replace("_", " ") for n in names])
    ax.invert_yaxis()
    ax.set_xlim(-clip - 0.008, clip + 0.008)
    ticks = np.linspace(-clip, clip, 5)
    ax.set_xticks(ticks, [f"{t:+.2f}" if t else "0" for t in ticks])
    ax.set_xlabel(f"Predicted − published national index (index points; beyond ±{clip:g} shown at the edge)")
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Patch(color="#dddddd", label="fit tolerance of the row\n(0.005 or 0.01)"))
    if n_clipped:
        handles.append(plt.Line2D([], [], marker=">", color="grey", markeredgecolor="black", ls="",
                                  label=f"beyond ±{clip:g} (value written)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="Evaluation year")
    fig.tight_layout()
    return fig


@styled
def plot_national_weights(mech: pd.DataFrame, title: str = "National SPBE index under both frameworks' weights") -> plt.Figure:
    """Published national index and the same domain means scored with 2018 and 2020 weights."""
    fig, ax = plt.subplots()
    ax.plot(mech["year"], mech["published_index"], "o-", color="black", label="published")
    ax.plot(mech["year"], mech["index_2018_weights"], "s--", color="#4477aa",
            label="5/2018 weights 17/28/55 (Kebijakan, Tata Kelola, Layanan)")
    ax.plot(mech["year"], mech["index_2020_weights"], "^--", color="#ee6677", label="59/2020 weights 13/25/16.5/45.5")
    ax.axvline(2020.5, color="grey", lw=1)
    ax.text(2020.55, ax.get_ylim()[1], "framework switch", va="top", fontsize=8, color="grey")
    ax.set_xlabel("Evaluation year")
    ax.set_ylabel("National " + _INDEX_LABEL)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@styled
def plot_decomposition(dec: pd.DataFrame, title: str = "What moved the national index: shift-share parts") -> plt.Figure:
    """Stacked bars of the decomposition parts (level / weight / added) per year-to-year change."""
    dec = dec.copy()
    dec["step"] = dec["year_from"].astype(str) + "→" + dec["year_to"].astype(str)
    dec["key"] = dec["component"] + " " + dec["part"]
    wide = dec.pivot_table(index="step", columns="key", values="value", aggfunc="sum", sort=False).fillna(0.0)
    steps = list(dict.fromkeys(dec["step"]))
    wide = wide.reindex(steps)
    fig, ax = plt.subplots(figsize=(9, 4.8))
    x = np.arange(len(steps))
    pos_base, neg_base = np.zeros(len(steps)), np.zeros(len(steps))
    comps = list(dict.fromkeys(dec["component"]))
    hatches = dict(zip(comps, ["", "//", "..", "xx", "\\\\"]))
    for key in wide.columns:
        comp, part = key.rsplit(" ", 1)
        v = wide[key].to_numpy()
        if not np.any(v):
            continue
        base = np.where(v >= 0, pos_base, neg_base)
        ax.bar(x, v, bottom=base, color=_PART_COLORS.get(part, "grey"), hatch=hatches.get(comp, ""),
               edgecolor="white", lw=0.5)
        pos_base += np.where(v >= 0, v, 0)
        neg_base += np.where(v < 0, v, 0)
    totals = dec.groupby("step", sort=False)["total_change"].first().reindex(steps)
    ax.scatter(x, totals, color="black", zorder=4, marker="D", label="total change")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, steps)
    ax.set_xlabel("Year-to-year change")
    ax.set_ylabel("Change in national index (index points)")
    ax.set_title(title)
    handles = [Patch(color=c, label=f"{p} effect") for p, c in _PART_COLORS.items() if p in set(dec["part"])]
    handles += [Patch(facecolor="white", edgecolor="black", hatch=hatches[c], label=c.replace("_", " ")) for c in comps]
    handles.append(plt.Line2D([], [], color="black", marker="D", ls="", label="total change"))
    ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper left")
    fig.tight_layout()
    return fig


@styled
def plot_slope(pairs: pd.DataFrame, label: str = "institution_name", title: str = "Same institution, before and after",
               before_label: str = "before", after_label: str = "after", max_labels: int = 25) -> plt.Figure:
    """Slope chart: each institution's ``index_before`` → ``index_after`` over predicate bands."""
    fig, ax = plt.subplots(figsize=(7, 6))
    _bands(ax)
    up = pairs["index_after"] >= pairs["index_before"]
    for (_, r), u in zip(pairs.iterrows(), up):
        ax.plot([0, 1], [r["index_before"], r["index_after"]], "-o", ms=3, lw=1,
                color="#228833" if u else "#cc3311", alpha=0.8)
    if len(pairs) <= max_labels:
        # spread labels so that none overlaps (minimum vertical gap), with a leader line to its point
        order = np.argsort(pairs["index_after"].to_numpy())
        ys = pairs["index_after"].to_numpy()[order]
        pos = ys.copy()
        gap = 0.075
        for i in range(1, len(pos)):
            pos[i] = max(pos[i], pos[i - 1] + gap)
        pos -= max(0.0, pos[-1] - 4.95) if len(pos) else 0.0
        names = pairs[label].astype(str).to_numpy()[order]
        for y0, y1, nm in zip(ys, pos, names):
            ax.plot([1.0, 1.04], [y0, y1], color="grey", lw=0.5)
            ax.text(1.05, y1, nm, fontsize=7, va="center")
    ax.set_xticks([0, 1], [before_label, after_label])
    ax.set_xlim(-0.1, 1.6 if len(pairs) <= max_labels else 1.1)
    ax.set_ylim(0.8, 5.0)
    ax.set_ylabel(_INDEX_LABEL)
    ax.set_title(title)
    handles = [plt.Line2D([], [], color="#228833", label=f"up or equal (n={int(up.sum())})"),
               plt.Line2D([], [], color="#cc3311", label=f"down (n={int((~up).sum())})")]
    handles += [Patch(color=PREDICATE_COLORS[p], alpha=0.3, label=PREDICATE_GLOSS[p]) for p in PREDICATES]
    ax.legend(handles=handles, fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


@styled
def plot_transition_heatmap(trans: pd.DataFrame, title: str = "Predicate transitions",
                            before_label: str = "Predicate before", after_label: str = "Predicate after") -> plt.Figure:
    """Heatmap of transition counts (rows: before, columns: after), diagonal outlined."""
    mat = trans.pivot(index="predicate_before", columns="predicate_after", values="n").reindex(
        index=list(PREDICATES), columns=list(PREDICATES)).fillna(0).astype(int)
    fig, ax = plt.subplots(figsize=(6.5, 5.2))
    cmap = LinearSegmentedColormap.from_list("counts", ["#ffffff", "#4477aa"])
    im = ax.imshow(mat.to_numpy(), cmap=cmap)
    vmax = mat.to_numpy().max() or 1
    for i in range(len(PREDICATES)):
        for j in range(len(PREDICATES)):
            v = mat.iat[i, j]
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9,
                    color="white" if v > 0.6 * vmax else "black")
        ax.add_patch(plt.Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1))
    ax.set_xticks(range(5), list(PREDICATES), rotation=30, ha="right")
    ax.set_yticks(range(5), list(PREDICATES))
    ax.set_xlabel(after_label)
    ax.set_ylabel(before_label)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="Number of institutions")
    fig.tight_layout()
    return fig


@styled
def plot_domain_contributions(contrib: pd.DataFrame, title: str = "Which domains drove the change (w_d · ΔD_d)") -> plt.Figure:
    """Grouped bars of mean weighted domain contributions per group."""
    groups = list(dict.fromkeys(contrib["group"]))
    domains = list(dict.fromkeys(contrib["domain"]))
    names = contrib.drop_duplicates("domain").set_index("domain")["domain_name"]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(domains)
    x = np.arange(len(groups))
    colors = ["#4477aa", "#66ccee", "#228833", "#ccbb44"]
    for k, d in enumerate(domains):
        v = contrib[contrib["domain"] == d].set_index("group").reindex(groups)["contribution"]
        ax.bar(x + (k - (len(domains) - 1) / 2) * width, v, width, label=f"{d} {names[d]}", color=colors[k % 4])
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, groups, rotation=20)
    ax.set_xlabel("Institution group")
    ax.set_ylabel("Mean contribution to index change (index points)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Domain")
    fig.tight_layout()
    return fig


@styled
def plot_simulation(sim: pd.DataFrame, observed: dict | None = None,
                    title: str = "Simulated index shift 5/2018 → 59/2020 (SYNTHETIC profiles)") -> plt.Figure:
    """Mean shift with bootstrap CI and the 5–95 % band of per-profile shifts, per assumption pair.

    ``observed``: optional ``{label: value}`` reference lines (e.g. the national change 2020→2021).
    The legend title states which profiles the distribution is over (their number and mean
    5/2018 index), so that a reference line is read against the right population.
    """
    s = sim.reset_index(drop=True)
    labels = s["new_indicators"] + " | " + s["scale"]
    y = np.arange(len(s))
    fig, ax = plt.subplots(figsize=(9.5, 0.4 * len(s) + 1.8))
    ax.hlines(y, s["shift_p05"], s["shift_p95"], color="#bbbbbb", lw=4, label="5th–95th percentile of profiles")
    ax.errorbar(s["mean_shift"], y, xerr=[s["mean_shift"] - s["ci95_low"], s["ci95_high"] - s["mean_shift"]],
                fmt="o", color="#4477aa", capsize=3, label="mean shift (95 % bootstrap CI)")
    ax.axvline(0, color="black", lw=0.8)
    for (lab, v), c in zip((observed or {}).items(), ("#cc3311", "#ee7733", "#009988")):
        ax.axvline(v, color=c, ls="--", lw=1, label=f"{lab}: {v:+.2f}")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Index under 59/2020 − index under 5/2018 (index points)")
    ax.set_ylabel("New indicators | 0–5 → 1–5 scale rule")
    ax.set_title(title)
    n = int(s["n_profiles"].iloc[0]) if "n_profiles" in s.columns else None
    m18 = float(s["mean_index_2018"].iloc[0]) if "mean_index_2018" in s.columns else None
    legend_title = (f"{n:,} synthetic profiles, mean 5/2018 index {m18:.2f}" if n is not None and m18 is not None
                    else None)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=legend_title, title_fontsize=7)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# the switch pairs, judged against the national trend (ax=None → Axes)
# ---------------------------------------------------------------------------------------------

#: Okabe–Ito colours (colour-blind safe) for the stage of a switch pair.
STAGE_PAIR_COLORS = {"both ends official": "#0072B2", "later end official": "#E69F00", "stage unknown": "#999999"}


def _pair_stage(pairs: pd.DataFrame) -> pd.Series:
    ob = pairs["stage_before"].eq("official")
    oa = pairs["stage_after"].eq("official")
    return pd.Series(np.select([ob & oa, oa], ["both ends official", "later end official"], "stage unknown"),
                     index=pairs.index)


@styled
def plot_pair_changes(adj: pd.DataFrame, reference: dict | None = None, ax=None,
                      title: str = "Same institution across the switch: raw and trend-adjusted change"):
    """Each pair's raw change (open circle) and trend-adjusted change (filled: minus the national change over
    the same years), coloured by the stage of its two ends; ``reference``: ``{label: value}`` vertical lines.

    ``adj``: :func:`spbe_research.impact.trend_adjust` output. Returns the Axes.
    """
    a = adj.sort_values("trend_adjusted_change").reset_index(drop=True)
    ax = new_axes(ax, figsize=(8.5, 0.32 * len(a) + 1.8))
    y = np.arange(len(a))
    stage = _pair_stage(a)
    colors = stage.map(STAGE_PAIR_COLORS)
    ax.hlines(y, a["change"], a["trend_adjusted_change"], color="#cccccc", lw=1, zorder=1)
    ax.scatter(a["change"], y, facecolors="white", edgecolors=colors, s=36, zorder=3, lw=1.4)
    ax.scatter(a["trend_adjusted_change"], y, color=colors, s=36, zorder=4)
    ax.axvline(0, color="black", lw=0.8)
    for (lab, v), ls in zip((reference or {}).items(), ("--", ":", "-.")):
        ax.axvline(v, color="#CC3311", ls=ls, lw=1, label=f"{lab}: {v:+.3f}")
    ax.set_yticks(y, [f"{n} ({b}→{f})" for n, b, f in zip(a["institution_name"], a["year_before"], a["year_after"])],
                  fontsize=7)
    ax.set_xlabel("Change in index points (after − before)")
    ax.set_title(title)
    handles = [plt.Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="black",
                          label="raw change"),
               plt.Line2D([], [], marker="o", ls="", color="black", label="trend-adjusted (minus national change)")]
    handles += [Patch(color=c, label=k) for k, c in STAGE_PAIR_COLORS.items() if (stage == k).any()]
    h2, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + h2, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return describe(ax, "Dot plot of each institution's change across the 2021 framework switch, raw and minus the "
                        "national change over the same years, coloured by the stage of the two scores.")


@styled
def plot_switch_effects(tests: pd.DataFrame, ax=None,
                        title: str = "Hodges–Lehmann shift with exact 95 % CI, by subset"):
    """Forest plot of :func:`spbe_research.impact.switch_effect_tests`: one line per subset and measure; a
    subset too small for an interval shows its estimate only, labelled. Returns the Axes."""
    t = tests.reset_index(drop=True)
    ax = new_axes(ax, figsize=(8, 0.42 * len(t) + 1.6))
    y = np.arange(len(t))
    cols = {"change": "#4477AA", "trend_adjusted_change": "#EE6677"}
    for i, r in t.iterrows():
        c = cols.get(r["measure"], "black")
        if np.isfinite(r["ci95_low"]):
            ax.hlines(i, r["ci95_low"], r["ci95_high"], color=c, lw=2)
        ax.plot(r["hodges_lehmann"], i, "o" if r["role"] == "headline" else "s", color=c, ms=6)
        note = f"n = {int(r['n'])}" + ("" if np.isfinite(r["ci95_low"]) else ": too few for a 95 % interval")
        ax.text(1.01, i, note, transform=ax.get_yaxis_transform(), fontsize=7, va="center")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{s} · {m.replace('_', ' ')}" for s, m in zip(t["subset"], t["measure"])], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Shift in index points (Hodges–Lehmann estimate)")
    ax.set_title(title)
    ax.legend(handles=[Patch(color=v, label=k.replace("_", " ")) for k, v in cols.items()], fontsize=7,
              loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    return describe(ax, "Forest plot of Hodges-Lehmann shifts with exact Wilcoxon confidence intervals for the "
                        "switch pairs, raw and trend-adjusted, per stage subset.")
