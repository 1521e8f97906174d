"""Figures for the reproduction audit and the framework-change impact (notebooks 03 and 04).

Every function takes the tidy output of :mod:`spbe_research.reproduce` or :mod:`spbe_research.impact`, draws on
``ax`` (a new figure when None; :func:`plot_residuals` draws one panel per year on ``axes``), returns it and
attaches a description of what it shows (alt text, :func:`.style.describe`). Concepts keep their colour across the
package (:func:`.style.concept_color`); the two members of a pair (before/after, raw/trend-adjusted, rose/fell,
within/outside a tolerance) take :data:`.style.PAIR_COLORS`.

For hundreds of matched institutions use :func:`plot_change_vs_before`, where every fall is visible and counted;
:func:`plot_slope` suits a few labelled pairs.
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.patches import Patch

from ..errors import SPBEError
from ..frameworks import concepts, get_framework
from ..impact import change_counts, transition_matrix, transition_summary
from ..impact.pairs import pair_changes as _changes
from ..scoring import PREDICATES
from .style import (OTHER_COLOR, PAIR_COLORS, PREDICATE_COLORS, PREDICATE_GLOSS, concept_color, concept_label,
                    describe, new_axes, predicate_colors, styled, text_color)

__all__ = [
    "plot_residuals",
    "plot_hypotheses",
    "plot_national_weights",
    "plot_decomposition",
    "plot_change_vs_before",
    "plot_slope",
    "plot_transition_heatmap",
    "plot_domain_contributions",
    "plot_simulation",
    "plot_pair_changes",
    "plot_switch_effects",
    "STAGE_PAIR_COLORS",
]

_INDEX_LABEL = "SPBE index (0–5)"
#: hatch of each part of a shift-share decomposition (the colour is the concept's)
_PART_HATCHES = {"level": "", "weight": "///", "added": "...", "removed": "xxx"}
#: line styles of reference lines, in order
_REF_STYLES = ("--", ":", "-.")


def _bands(ax, orientation: str = "h", alpha: float = 0.12, framework="2020") -> None:
    """Shade a framework's predicate bands behind the data (horizontal for a y index axis)."""
    fw = get_framework(framework)
    colors = predicate_colors(fw)
    for b in fw.bands:
        (ax.axhspan if orientation == "h" else ax.axvspan)(b.lower, b.upper, color=colors[b.name], alpha=alpha, lw=0)


def _need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SPBEError(f"{what} lacks column(s) {', '.join(missing)}", field=missing[0])


# ---------------------------------------------------------------------------------------------
# reproduction audit (notebook 03)
# ---------------------------------------------------------------------------------------------

@styled
def plot_residuals(audit: pd.DataFrame, axes=None,
                   title: str = "Printed index minus index recomputed from printed domains"):
    """Residuals against the recomputed index, one panel per evaluation year, with the rounding tolerance band.

    ``audit``: :func:`spbe_research.reproduce.audit_results` rows. ``axes``: one Axes per year (None: a new
    figure, titled ``title``). Residuals beyond ±0.05 are drawn at ±0.05 as crosses. Returns the array of Axes.
    """
    _need(audit, ["year", "index_recomputed", "residual", "tolerance", "within_tolerance"], "audit")
    a = audit[audit["index_recomputed"].notna()]
    years = sorted(a["year"].unique())
    if not years:
        raise SPBEError("no row has a recomputed index to plot", field="index_recomputed")
    own = axes is None
    if own:
        fig, axes = plt.subplots(1, len(years), figsize=(4.5 * len(years), 4), sharey=True, squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) != len(years):
        raise SPBEError(f"plot_residuals needs one Axes per year ({len(years)}), got {len(axes)}", field="axes")
    parts = []
    for ax, y in zip(axes, years):
        g = a[a["year"] == y]
        ok = g["within_tolerance"].fillna(False).astype(bool)
        tol = float(g["tolerance"].iloc[0])
        ax.axhspan(-tol, tol, color=OTHER_COLOR, alpha=0.5, lw=0, label=f"rounding tolerance ±{tol:.2f}")
        ax.scatter(g.loc[ok, "index_recomputed"], g.loc[ok, "residual"], s=8, alpha=0.5, color=PAIR_COLORS[0],
                   label=f"within tolerance (n={int(ok.sum())})")
        if (~ok).any():
            ax.scatter(g.loc[~ok, "index_recomputed"], g.loc[~ok, "residual"].clip(-0.05, 0.05), s=40, marker="x",
                       color=PAIR_COLORS[1], label=f"outside (n={int((~ok).sum())}; clipped to ±0.05)")
        ax.set_title(f"Evaluation year {y}")
        ax.set_xlabel("Recomputed index, " + _INDEX_LABEL)
        ax.set_ylim(-0.055, 0.055)
        ax.legend(loc="lower right", fontsize=8)
        parts.append(f"{y}: {int(ok.sum())} of {len(g)} rows within ±{tol:.2f}, largest |residual| "
                     f"{float(np.nanmax(np.abs(g['residual'].to_numpy(float)))):.4f}")
    axes[0].set_ylabel("Residual (index points)")
    if own:
        fig.suptitle(title)
        fig.tight_layout()
    describe(axes[0], "Scatter plots of the printed index minus the index recomputed from the printed domains, "
                      "against the recomputed index, one panel per evaluation year: " + "; ".join(parts) + ".")
    return axes


@styled
def plot_hypotheses(hyp: pd.DataFrame, ax=None, title: str = "Candidate explanations of the published national index",
                    clip: float = 0.1):
    """Predicted minus published national index per hypothesis and year.

    The grey bar of each row is that hypothesis's fit tolerance (column ``tolerance``; 0.005 when
    absent). Differences beyond ±``clip`` are drawn at the edge as an arrow-head marker pointing
    outwards, with the true value written beside it. The legend sits outside the axes.
    """
    _need(hyp, ["hypothesis", "year", "difference"], "hypotheses")
    years = sorted(hyp["year"].unique())
    names = list(dict.fromkeys(hyp["hypothesis"]))
    tol = (hyp.groupby("hypothesis")["tolerance"].max() if "tolerance" in hyp.columns
           else pd.Series(0.005, index=names)).reindex(names).fillna(0.005)
    ax = new_axes(ax, figsize=(11, 0.38 * len(names) + 1.6))
    ypos = np.arange(len(names))
    ax.barh(ypos, 2 * tol.to_numpy(), left=-tol.to_numpy(), height=0.8, color=OTHER_COLOR, alpha=0.5, lw=0, zorder=1)
    ax.axvline(0, color="grey", lw=0.6, zorder=2)
    offs = np.linspace(-0.15, 0.15, len(years)) if len(years) > 1 else np.zeros(1)
    colors, markers = (*PAIR_COLORS, "black", "dimgrey"), ("o", "s", "^", "D")
    n_clipped = 0
    for k, (off, y) in enumerate(zip(offs, years)):
        col, mk = colors[k % len(colors)], markers[k % len(markers)]
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
    handles.append(Patch(color=OTHER_COLOR, alpha=0.5, label="fit tolerance of the row\n(0.005 or 0.01)"))
    if n_clipped:
        handles.append(plt.Line2D([], [], marker=">", color="grey", markeredgecolor="black", ls="",
                                  label=f"beyond ±{clip:g} (value written)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="Evaluation year")
    h = hyp.assign(_tol=hyp["hypothesis"].map(tol))
    fits = (h["within_tolerance"].fillna(False).astype(bool) if "within_tolerance" in h.columns
            else h["difference"].abs() <= h["_tol"])
    every = [n for n, f in fits.groupby(h["hypothesis"], sort=False).all().items() if f]
    d = h["difference"].abs()
    return describe(ax, f"Dot plot of the predicted minus the published national index for {len(names)} candidate "
                        f"explanations in {', '.join(str(y) for y in years)}: {len(every)} fit within their tolerance "
                        f"in every year tested ({', '.join(n.replace('_', ' ') for n in every) or 'none'}); "
                        f"{n_clipped} values lie beyond ±{clip:g} (largest {h.loc[d.idxmax(), 'difference']:+.3f}, "
                        f"{h.loc[d.idxmax(), 'hypothesis'].replace('_', ' ')}).")


# ---------------------------------------------------------------------------------------------
# the national series (notebook 04, section 2)
# ---------------------------------------------------------------------------------------------

def _weights_label(framework) -> str:
    """``"PermenPANRB 5/2018 weights 17/28/55 % (policy/governance/services)"`` from the framework itself."""
    fw = get_framework(framework)
    top = fw.level_table(fw.top_level)
    names = concepts().set_index("concept")["name_en"]
    return (f"{fw.name} weights " + "/".join(f"{w:g}" for w in top["weight"]) + " % ("
            + "/".join(str(names.get(c, c)).lower() for c in top["concept"]) + ")")


@styled
def plot_national_weights(mech: pd.DataFrame, ax=None,
                          title: str = "National SPBE index under both frameworks' weights"):
    """Published national index and the same domain means scored with the 5/2018 and the 59/2020 weights
    (:func:`spbe_research.impact.national_mechanical`); a vertical line marks the framework switch."""
    _need(mech, ["year", "published_index", "index_2018_weights", "index_2020_weights"], "national series")
    ax = new_axes(ax)
    ax.plot(mech["year"], mech["published_index"], "o-", color="black", label="published")
    ax.plot(mech["year"], mech["index_2018_weights"], "s--", color=PAIR_COLORS[0], label=_weights_label("2018"))
    ax.plot(mech["year"], mech["index_2020_weights"], "^--", color=PAIR_COLORS[1], label=_weights_label("2020"))
    switch = get_framework("2020").first_year - 0.5
    ax.axvline(switch, color="grey", lw=1)
    ax.text(switch + 0.05, ax.get_ylim()[1], "framework switch", va="top", fontsize=8, color="grey")
    ax.set_xlabel("Evaluation year")
    ax.set_ylabel("National " + _INDEX_LABEL)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    both = mech.dropna(subset=["index_2018_weights", "index_2020_weights"])
    gap = both["index_2018_weights"] - both["index_2020_weights"]
    first, last = mech.iloc[0], mech.iloc[-1]
    text = (f"Line chart of the national SPBE index {int(first['year'])}–{int(last['year'])}: published "
            f"{first['published_index']:.2f} to {last['published_index']:.2f}.")
    if len(both):
        text += (f" Where both can be computed ({int(both['year'].min())}–{int(both['year'].max())}), the 5/2018 "
                 f"weights give an index {gap.min():.3f} to {gap.max():.3f} points higher than the 59/2020 weights "
                 f"on the same domain means.")
    return describe(ax, text)


@styled
def plot_decomposition(dec: pd.DataFrame, ax=None, title: str = "What moved the national index: shift-share parts"):
    """Stacked bars of the decomposition parts per year-to-year change: colour = concept (component), hatch = part
    (level / weight / added / removed); diamonds = total change
    (:func:`spbe_research.impact.national_decomposition`)."""
    _need(dec, ["year_from", "year_to", "component", "part", "value", "total_change"], "decomposition")
    dec = dec.copy()
    dec["step"] = dec["year_from"].astype(str) + "→" + dec["year_to"].astype(str)
    steps = list(dict.fromkeys(dec["step"]))
    wide = dec.pivot_table(index="step", columns=["component", "part"], values="value", aggfunc="sum",
                           sort=False).reindex(steps).fillna(0.0)
    ax = new_axes(ax, figsize=(9, 4.8))
    x = np.arange(len(steps))
    pos_base, neg_base = np.zeros(len(steps)), np.zeros(len(steps))
    for comp, part in wide.columns:
        v = wide[(comp, part)].to_numpy()
        if not np.any(v):
            continue
        base = np.where(v >= 0, pos_base, neg_base)
        ax.bar(x, v, bottom=base, color=concept_color(comp), hatch=_PART_HATCHES.get(part, ""), edgecolor="white",
               lw=0.5)
        pos_base += np.where(v >= 0, v, 0)
        neg_base += np.where(v < 0, v, 0)
    totals = dec.groupby("step", sort=False)["total_change"].first().reindex(steps)
    ax.scatter(x, totals, color="black", zorder=4, marker="D", label="total change")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, steps)
    ax.set_xlabel("Year-to-year change")
    ax.set_ylabel("Change in national index (index points)")
    ax.set_title(title)
    comps = list(dict.fromkeys(dec["component"]))
    parts = [p for p in _PART_HATCHES if p in set(dec.loc[dec["value"] != 0, "part"])]
    handles = [Patch(color=concept_color(c), label=concept_label(c)) for c in comps]
    handles += [Patch(facecolor="white", edgecolor="black", hatch=_PART_HATCHES[p], label=f"{p} part") for p in parts]
    handles.append(plt.Line2D([], [], color="black", marker="D", ls="", label="total change"))
    ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper left")
    by_part = dec.pivot_table(index="step", columns="part", values="value", aggfunc="sum", sort=False).reindex(steps)
    level = by_part["level"] if "level" in by_part else pd.Series(0.0, index=steps)
    rew = by_part.drop(columns="level", errors="ignore").sum(axis=1)
    desc = "; ".join(f"{s} {totals[s]:+.3f} (level {level[s]:+.3f}"
                     + (f", re-weighting {rew[s]:+.3f})" if abs(rew[s]) > 1e-12 else ")") for s in steps)
    return describe(ax, "Stacked bar chart of each year-to-year change in the national index split into level, "
                        "weight and added-domain parts, coloured by concept, with the total change: " + desc + ".")


# ---------------------------------------------------------------------------------------------
# the same institutions before and after (notebook 04, sections 3-4)
# ---------------------------------------------------------------------------------------------

@styled
def plot_change_vs_before(pairs: pd.DataFrame, ax=None, label: str = "institution_name",
                          title: str = "Same institution, before and after: change against the score before",
                          before_label: str = "before", after_label: str = "after", n_label: int = 5,
                          framework="2020"):
    """Each pair's change (after − before) against its index before, so that every fall is visible and countable.

    Rises are small blue dots above the zero line, ties open squares on it, falls orange downward triangles
    below it, drawn on top; the legend counts each (:func:`spbe_research.impact.change_counts`) and the ``n_label`` largest falls are
    named. Dotted vertical lines: the predicate band edges of ``framework``. Readable for hundreds of pairs,
    where a slope chart (:func:`plot_slope`) hides the falls among the rises.
    """
    c = _changes(pairs)
    _need(pairs, ["index_before"], "pairs")
    counts = change_counts(pairs)
    x = pairs["index_before"].astype(float)
    rose, fell = c > 0, c < 0
    same = ~(rose | fell)
    ax = new_axes(ax, figsize=(8, 5))
    for e in get_framework(framework).band_edges:
        ax.axvline(e, color="grey", lw=0.6, ls=":", zorder=0)
    ax.axhline(0, color="black", lw=0.8, zorder=1)
    ax.scatter(x[rose], c[rose], s=12, color=PAIR_COLORS[0], alpha=0.55, lw=0, zorder=2,
               label=f"rose (n={counts['rose']})")
    ax.scatter(x[same], c[same], s=24, marker="s", facecolors="white", edgecolors="black", lw=0.7, zorder=3,
               label=f"stayed the same (n={counts['same']})")
    ax.scatter(x[fell], c[fell], s=42, marker="v", color=PAIR_COLORS[1], edgecolors="black", lw=0.6, zorder=4,
               label=f"fell (n={counts['fell']})")
    worst = c[fell].sort_values(kind="stable").head(n_label)
    if label in pairs.columns and len(worst):
        # numbers beside the markers, names in a list outside the axes: readable however close the falls lie
        for k, (i, v) in enumerate(worst.items(), 1):
            ax.annotate(str(k), (x.loc[i], v), xytext=(4, -3), textcoords="offset points", fontsize=7, va="top")
        ax.text(1.02, 0.0, "Largest falls:\n" + "\n".join(f"{k}  {pairs.at[i, label]} ({v:+.2f})"
                                                        for k, (i, v) in enumerate(worst.items(), 1)),
                transform=ax.transAxes, ha="left", va="bottom", fontsize=7.5)
    ax.set_xlabel(f"Index {before_label} ({get_framework(framework).name}; dotted: predicate band edges)")
    ax.set_ylabel(f"Change, {after_label} − {before_label} (index points)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=f"{counts['n']} institutions",
              title_fontsize=8)
    text = (f"Scatter plot of the change in index ({after_label} − {before_label}) against the {before_label} index "
            f"for {counts['n']} institutions: {counts['rose']} rose, {counts['fell']} fell and {counts['same']} stayed "
            f"the same; median change {c.median():+.2f}, largest rise {c.max():+.2f}")
    if len(worst):
        w = worst.index[0]
        text += f", largest fall {c[w]:+.2f}" + (f" ({pairs.at[w, label]})" if label in pairs.columns else "")
    return describe(ax, text + ".")


@styled
def plot_slope(pairs: pd.DataFrame, label: str = "institution_name", ax=None,
               title: str = "Same institution, before and after", before_label: str = "before",
               after_label: str = "after", max_labels: int = 25):
    """Slope chart of a few pairs: each institution's ``index_before`` → ``index_after`` over the predicate bands,
    labelled when there are at most ``max_labels``. For hundreds of pairs use :func:`plot_change_vs_before`."""
    c = _changes(pairs)
    counts = change_counts(pairs)
    ax = new_axes(ax, figsize=(7, 6))
    _bands(ax)
    colors = np.where(c > 0, PAIR_COLORS[0], np.where(c < 0, PAIR_COLORS[1], "black"))
    for b, a, col in zip(pairs["index_before"], pairs["index_after"], colors):
        ax.plot([0, 1], [b, a], "-o", ms=3, lw=1, color=col, alpha=0.8)
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
    handles = [plt.Line2D([], [], color=PAIR_COLORS[0], label=f"rose (n={counts['rose']})"),
               plt.Line2D([], [], color=PAIR_COLORS[1], label=f"fell (n={counts['fell']})"),
               plt.Line2D([], [], color="black", label=f"same (n={counts['same']})")]
    handles += [Patch(color=PREDICATE_COLORS[p], alpha=0.3, label=PREDICATE_GLOSS[p]) for p in PREDICATES]
    ax.legend(handles=handles, fontsize=7, loc="lower left")
    return describe(ax, f"Slope chart of {counts['n']} institutions' index {before_label} and {after_label} over the "
                        f"predicate bands: {counts['rose']} rose, {counts['fell']} fell and {counts['same']} "
                        f"stayed the same; changes from {c.min():+.2f} to {c.max():+.2f}.")


@styled
def plot_transition_heatmap(trans: pd.DataFrame, ax=None, title: str = "Predicate transitions",
                            before_label: str = "Predicate before", after_label: str = "Predicate after"):
    """Heatmap of transition counts (rows: before, columns: after; :func:`spbe_research.impact.predicate_transitions`),
    every count written, the diagonal (no change) outlined."""
    mat = transition_matrix(trans)
    s = transition_summary(trans).iloc[0]
    ax = new_axes(ax, figsize=(6.5, 5.2))
    cmap = mpl.colormaps["Blues"]
    vmax = int(mat.to_numpy().max()) or 1
    im = ax.imshow(mat.to_numpy(), cmap=cmap, vmin=0, vmax=vmax)
    k = len(PREDICATES)
    for i in range(k):
        for j in range(k):
            v = int(mat.iat[i, j])
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9, color=text_color(to_hex(cmap(v / vmax))))
        ax.add_patch(plt.Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1))
    ax.set_xticks(range(k), list(PREDICATES), rotation=30, ha="right")
    ax.set_yticks(range(k), list(PREDICATES))
    ax.set_xlabel(after_label)
    ax.set_ylabel(before_label)
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label="Number of institutions")
    i, j = np.unravel_index(int(np.argmax(mat.to_numpy())), mat.shape)
    return describe(ax, f"Heatmap of predicate transitions for {int(s['n'])} institutions ({before_label.lower()} in "
                        f"rows, {after_label.lower()} in columns): {int(s['n_same'])} kept their predicate, "
                        f"{int(s['n_up'])} moved up and {int(s['n_down'])} moved down; the largest cell is "
                        f"{mat.index[i]} → {mat.columns[j]} with {int(mat.iat[i, j])}.")


@styled
def plot_domain_contributions(contrib: pd.DataFrame, framework="2020", ax=None,
                              title: str = "Which domains drove the change (w_d · ΔD_d)"):
    """Grouped bars of the mean weighted contribution of each domain to the change, per institution group
    (:func:`spbe_research.impact.domain_contributions`), each domain in its concept's colour."""
    _need(contrib, ["group", "domain", "domain_name", "contribution"], "contributions")
    fw = get_framework(framework)
    concept_of = fw.level_table(fw.top_level).set_index(fw.top_level)["concept"]
    groups = list(dict.fromkeys(contrib["group"]))
    domains = list(dict.fromkeys(contrib["domain"]))
    names = contrib.drop_duplicates("domain").set_index("domain")["domain_name"]
    ax = new_axes(ax, figsize=(10, 4.5))
    width = 0.8 / len(domains)
    x = np.arange(len(groups))
    for k, d in enumerate(domains):
        v = contrib[contrib["domain"] == d].set_index("group").reindex(groups)["contribution"]
        ax.bar(x + (k - (len(domains) - 1) / 2) * width, v, width, label=f"{d} {names[d]}",
               color=concept_color(concept_of.get(d)))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, groups, rotation=20)
    ax.set_xlabel("Institution group")
    ax.set_ylabel("Mean contribution to index change (index points)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Domain")
    first = contrib[contrib["group"] == groups[0]].set_index("domain")["contribution"]
    totals = contrib.groupby("group", sort=False)["contribution"].sum()
    return describe(ax, f"Grouped bar chart of the mean weighted contribution of each domain to the index change in "
                        f"{len(groups)} institution groups. {groups[0]}: "
                        + ", ".join(f"{d} {v:+.3f}" for d, v in first.items())
                        + f" (largest {first.idxmax()} {names[first.idxmax()]}). Total change per group from "
                        f"{totals.min():+.3f} ({totals.idxmin()}) to {totals.max():+.3f} ({totals.idxmax()}).")


@styled
def plot_simulation(sim: pd.DataFrame, observed: dict | None = None, ax=None,
                    title: str = "Simulated index shift 5/2018 → 59/2020 (SYNTHETIC profiles)"):
    """Mean shift with bootstrap CI and the 5–95 % band of per-profile shifts, per assumption pair.

    ``observed``: optional ``{label: value}`` reference lines (e.g. the national change 2020→2021).
    The legend title states which profiles the distribution is over (their number and mean
    5/2018 index), so that a reference line is read against the right population.
    """
    _need(sim, ["new_indicators", "scale", "mean_shift", "ci95_low", "ci95_high", "shift_p05", "shift_p95"],
          "simulation")
    s = sim.reset_index(drop=True)
    labels = s["new_indicators"] + " | " + s["scale"]
    y = np.arange(len(s))
    ax = new_axes(ax, figsize=(9.5, 0.4 * len(s) + 1.8))
    ax.hlines(y, s["shift_p05"], s["shift_p95"], color=OTHER_COLOR, lw=4, label="5th–95th percentile of profiles")
    ax.errorbar(s["mean_shift"], y, xerr=[s["mean_shift"] - s["ci95_low"], s["ci95_high"] - s["mean_shift"]],
                fmt="o", color="black", capsize=3, label="mean shift (95 % bootstrap CI)")
    ax.axvline(0, color="black", lw=0.8)
    observed = observed or {}
    for k, (lab, v) in enumerate(observed.items()):
        ax.axvline(v, color=PAIR_COLORS[1], ls=_REF_STYLES[k % len(_REF_STYLES)], lw=1.2, label=f"{lab}: {v:+.2f}")
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
    lo, hi = s["mean_shift"].idxmin(), s["mean_shift"].idxmax()
    text = (f"Dot plot of the simulated mean index shift from 5/2018 to 59/2020 with 95 % bootstrap CIs and the "
            f"5–95 % range of profiles, for {len(s)} assumption pairs"
            + (f" over {n:,} synthetic profiles" if n else "")
            + f": mean shifts from {s.at[lo, 'mean_shift']:+.3f} ({labels[lo]}) to {s.at[hi, 'mean_shift']:+.3f} "
            f"({labels[hi]})")
    if observed:
        text += "; reference lines: " + "; ".join(f"{lab} {v:+.3f}" for lab, v in observed.items())
    return describe(ax, text + ".")


# ---------------------------------------------------------------------------------------------
# the switch pairs, judged against the national trend
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
    _need(adj, ["institution_name", "year_before", "year_after", "stage_before", "stage_after", "change",
                "trend_adjusted_change"], "pairs")
    a = adj.sort_values("trend_adjusted_change").reset_index(drop=True)
    ax = new_axes(ax, figsize=(8.5, 0.32 * len(a) + 1.8))
    y = np.arange(len(a))
    stage = _pair_stage(a)
    colors = stage.map(STAGE_PAIR_COLORS)
    ax.hlines(y, a["change"], a["trend_adjusted_change"], color=OTHER_COLOR, lw=1, zorder=1)
    ax.scatter(a["change"], y, facecolors="white", edgecolors=colors, s=36, zorder=3, lw=1.4)
    ax.scatter(a["trend_adjusted_change"], y, color=colors, s=36, zorder=4)
    ax.axvline(0, color="black", lw=0.8)
    reference = reference or {}
    for k, (lab, v) in enumerate(reference.items()):
        ax.axvline(v, color="black", ls=_REF_STYLES[k % len(_REF_STYLES)], lw=1, label=f"{lab}: {v:+.3f}")
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
    n_stage = stage.value_counts()
    return describe(ax, f"Dot plot of the change of each of {len(a)} institutions across the framework switch, raw "
                        f"and minus the national change over the same years: median raw change "
                        f"{a['change'].median():+.3f} ({int((a['change'] < 0).sum())} below zero), median "
                        f"trend-adjusted change {a['trend_adjusted_change'].median():+.3f} "
                        f"({int((a['trend_adjusted_change'] < 0).sum())} below zero); stages: "
                        + ", ".join(f"{k} {int(n_stage[k])}" for k in STAGE_PAIR_COLORS if k in n_stage.index) + ".")


@styled
def plot_switch_effects(tests: pd.DataFrame, ax=None,
                        title: str = "Hodges–Lehmann shift with exact 95 % CI, by subset"):
    """Forest plot of :func:`spbe_research.impact.switch_effect_tests`: one line per subset and measure (raw
    change and trend-adjusted change in the two colours of :data:`.style.PAIR_COLORS`); a subset too small for
    an interval shows its estimate only, labelled. Returns the Axes."""
    _need(tests, ["subset", "measure", "role", "n", "hodges_lehmann", "ci95_low", "ci95_high"], "tests")
    t = tests.reset_index(drop=True)
    ax = new_axes(ax, figsize=(8, 0.42 * len(t) + 1.6))
    y = np.arange(len(t))
    cols = dict(zip(("change", "trend_adjusted_change"), PAIR_COLORS))
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
    lines = [f"{r.subset} {r.measure.replace('_', ' ')} (n = {int(r.n)}): "
             + (f"{r.hodges_lehmann:+.3f} [{r.ci95_low:+.3f}, {r.ci95_high:+.3f}]" if np.isfinite(r.ci95_low)
                else "no 95 % interval") for r in t.itertuples()]
    return describe(ax, "Forest plot of Hodges-Lehmann shifts with exact Wilcoxon 95 % confidence intervals for the "
                        "switch pairs, raw and trend-adjusted, per subset: " + "; ".join(lines) + ".")
