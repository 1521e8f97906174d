"""Figures for the covariate models (:mod:`spbe_research.models`): coefficients, partial dependence,
diagnostics and a province map of residuals.

Every function takes ``ax=None`` (or ``axes=None``), draws on it (or on a new figure), describes the figure
in words (:func:`.style.describe`, the alt text) and returns the Axes; the package style applies inside the
function only (:func:`.style.styled`). Colours: the Okabe–Ito palette for groups, the concept colours
(:func:`.style.concept_color`) when the groups are the domains of one framework, and the diverging ``PuOr``
map for residuals (all readable with the common colour-vision deficiencies).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from scipy import stats as _st

from ..errors import SPBEError
from ..frameworks import framework_for_year
from ..models import OLSResult, partial_dependence
from .maps import _NO_DATA, load_province_map
from .style import concept_color, describe, styled

__all__ = ["OKABE_ITO", "plot_coefficients", "plot_partial_dependence", "plot_diagnostics", "plot_residual_map"]

#: Okabe & Ito (2008) colour-blind-safe palette (black last: for the index among domains).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")


def _num(v: float) -> str:
    """A value in words: 4 significant digits, thousands separated instead of an exponent."""
    return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.4g}"


def _new_ax(ax, size):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _group_colors(df: pd.DataFrame, group: str | None, groups: list) -> list:
    """One colour per group: the concept colour when the groups are outcomes that are domain codes of the
    framework of every year in ``df`` (the index itself in black), else the Okabe–Ito palette in order."""
    okabe = [OKABE_ITO[k % len(OKABE_ITO)] for k in range(len(groups))]
    if group != "outcome" or "year" not in df.columns:
        return okabe
    try:
        fws = {framework_for_year(y).id: framework_for_year(y) for y in pd.unique(df["year"].dropna())}
    except SPBEError:
        return okabe
    domains = [g for g in groups if g != "index"]
    concept = {}
    for fw in fws.values():
        if not set(domains) <= set(fw.domain_codes):
            return okabe
        for d, c in fw.concept_of(domains).items():
            if concept.setdefault(d, c) != c:  # the same code names different concepts in different years
                return okabe
    if not fws or not domains:
        return okabe
    return [OKABE_ITO[-1] if g == "index" else concept_color(concept[g]) for g in groups]


@styled
def plot_coefficients(coefs: pd.DataFrame, value: str = "beta", group: str | None = None, terms=None, ax=None,
                      title: str | None = None):
    """Point estimates with 95 % CIs, one row per term; several models/years/variants dodged by ``group``.

    ``coefs``: a coefficient table of :mod:`spbe_research.models` (``term``, ``label``, ``value`` and
    ``<value>_ci95_low``/``high`` — for ``value="estimate"`` the ``ci95_low``/``ci95_high`` columns).
    ``terms``: which terms, in this order (default: as they first appear).
    """
    lo, hi = (("ci95_low", "ci95_high") if value == "estimate" else (f"{value}_ci95_low", f"{value}_ci95_high"))
    need = ["term", "label", value, lo, hi] + ([group] if group else [])
    missing = [c for c in need if c not in coefs.columns]
    if missing:
        raise SPBEError(f"coefficient table lacks column(s) {missing}", field=missing[0])
    df = coefs if terms is None else coefs[coefs["term"].isin(terms)]
    if df.empty:
        raise SPBEError("no coefficients to plot", field="terms")
    order = list(dict.fromkeys(df["term"])) if terms is None else [t for t in terms if t in set(df["term"])]
    labels = df.drop_duplicates("term").set_index("term")["label"]
    groups = list(dict.fromkeys(df[group])) if group else [None]
    ax = _new_ax(ax, (7.5, 0.45 * len(order) * max(1, len(groups) ** 0.5) + 1.5))
    step = 0.7 / max(len(groups), 1)
    colors = _group_colors(df, group, groups)
    for k, g in enumerate(groups):
        sub = df if g is None else df[df[group] == g]
        sub = sub.set_index("term").reindex(order)
        y = np.arange(len(order)) - 0.35 + step * (k + 0.5) if len(groups) > 1 else np.arange(len(order))
        ok = sub[value].notna().to_numpy()
        ax.errorbar(sub[value].to_numpy()[ok], y[ok],
                    xerr=np.vstack([(sub[value] - sub[lo]).to_numpy()[ok], (sub[hi] - sub[value]).to_numpy()[ok]]),
                    fmt=_MARKERS[k % len(_MARKERS)], color=colors[k],
                    capsize=2, markersize=5, linewidth=1.2, label=None if g is None else str(g))
    ax.axvline(0, color="0.3", linewidth=0.8, linestyle="--")
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels([labels[t] for t in order])
    ax.set_ylim(len(order) - 0.5, -0.5)  # first term on top (idempotent, unlike invert_yaxis on shared axes)
    ax.set_xlabel("standardized coefficient β with 95 % CI" if value == "beta" else f"{value} with 95 % CI")
    ax.set_title(title or "Coefficients")
    if group:
        ax.legend(title=group, frameon=False, fontsize=8, loc="best")
    return describe(ax, _coefficients_text(df, value, lo, hi, group, groups, order, labels))


def _coefficients_text(df, value, lo, hi, group, groups, order, labels) -> str:
    drawn = df[df["term"].isin(order) & df[value].notna()]
    excl = int(((drawn[lo] > 0) | (drawn[hi] < 0)).sum())
    what = "standardized coefficients β" if value == "beta" else f"{value} values"
    by = f" for each {group} ({', '.join(str(g) for g in groups)})" if group else ""
    text = (f"Dot-and-whisker chart of the {what} with 95 % CIs of {len(order)} terms{by}: {excl} of {len(drawn)} "
            f"intervals exclude zero")
    if len(drawn):
        top = drawn.iloc[int(np.argmax(drawn[value].abs().to_numpy()))]
        text += (f"; the largest in size is {labels[top['term']]} at {top[value]:.3f} "
                 f"(CI {top[lo]:.3f} to {top[hi]:.3f}" + (f", {group} {top[group]})" if group else ")"))
    return text + "."


@styled
def plot_partial_dependence(result: OLSResult, variable: str, ax=None, partial_residuals: bool = True,
                            xlabel: str | None = None, title: str | None = None):
    """Predicted outcome along ``variable`` (others at their means) with its 95 % CI band (HC3).

    ``partial_residuals``: also draw each region at its ``variable`` value and predicted value plus its
    residual (a component-plus-residual plot), so the fit can be judged against the data. ``log_``
    predictors are drawn on a log axis in their original units.
    """
    pd_ = partial_dependence(result, variable)
    ax = _new_ax(ax, (6, 4))
    logx = variable.startswith("log_")
    x = pd_["value_original"]
    ax.fill_between(x, pd_["ci95_low"], pd_["ci95_high"], color=OKABE_ITO[1], alpha=0.3, linewidth=0,
                    label="95 % CI")
    ax.plot(x, pd_["predicted"], color=OKABE_ITO[3], linewidth=2, label="predicted, others at their means")
    if partial_residuals:
        fit = result.fit
        names = list(fit.model.exog_names)
        j = names.index(variable)
        xv = np.asarray(fit.model.exog)[:, j]
        at = partial_dependence(result, variable, grid=xv)["predicted"].to_numpy()
        ax.scatter(np.exp(xv) if logx else xv, at + np.asarray(fit.resid), s=8, color="0.35", alpha=0.45,
                   linewidths=0, label="regions (partial residuals)")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or variable)
    ax.set_ylabel(f"{result.outcome} (predicted)")
    ax.set_title(title or f"{result.outcome} along {variable}" + (f", {result.year}" if result.year else ""))
    ax.legend(frameon=False, fontsize=8, loc="best")
    p = pd_["predicted"].to_numpy()
    along = xlabel or variable
    return describe(ax, f"Line chart of the predicted {result.outcome}" + (f" ({result.year})" if result.year else "")
                        + f" along {along}{' (log axis)' if logx and 'log' not in along.lower() else ''}, the other "
                        f"predictors at their means, with its 95 % CI band: from {p[0]:.2f} at {_num(x.iloc[0])} to "
                        f"{p[-1]:.2f} at {_num(x.iloc[-1])}"
                        + (f"; {len(result.fit.resid)} regions drawn as partial residuals." if partial_residuals
                           else "."))


@styled
def plot_diagnostics(result: OLSResult, axes=None, n_label: int = 3):
    """Three panels: residuals against fitted values, a normal Q–Q plot of the studentized residuals, and
    Cook's distance against leverage (the ``n_label`` most influential regions named; dashed: D = 4/n).
    Returns the array of three Axes."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes = np.asarray(axes).ravel()
    if len(axes) != 3:
        raise SPBEError("plot_diagnostics needs three axes", field="axes")
    o = result.observations
    a = axes[0]
    a.scatter(o["fitted"], o["residual"], s=10, color=OKABE_ITO[3], alpha=0.6, linewidths=0)
    a.axhline(0, color="0.3", linestyle="--", linewidth=0.8)
    a.set_xlabel("fitted value")
    a.set_ylabel("residual")
    a.set_title("Residuals vs fitted")
    b = axes[1]
    r = np.sort(o["studentized_residual"].to_numpy())
    q = _st.norm.ppf((np.arange(1, len(r) + 1) - 0.5) / len(r))
    b.scatter(q, r, s=10, color=OKABE_ITO[3], alpha=0.6, linewidths=0)
    lim = [min(q.min(), r.min()), max(q.max(), r.max())]
    b.plot(lim, lim, color="0.3", linestyle="--", linewidth=0.8)
    b.set_xlabel("normal quantile")
    b.set_ylabel("studentized residual")
    b.set_title("Normal Q–Q")
    c = axes[2]
    cut = 4 / len(o)
    infl = o["influential"].to_numpy()
    c.scatter(o["leverage"][~infl], o["cooks_d"][~infl], s=10, color=OKABE_ITO[3], alpha=0.6, linewidths=0,
              label="other regions")
    c.scatter(o["leverage"][infl], o["cooks_d"][infl], s=14, color=OKABE_ITO[4], marker="D", linewidths=0,
              label=f"Cook's D > 4/n ({int(infl.sum())})")
    c.axhline(cut, color="0.3", linestyle="--", linewidth=0.8)
    for _, row in o.nlargest(n_label, "cooks_d").iterrows():
        c.annotate(str(row["institution_name"]), (row["leverage"], row["cooks_d"]), fontsize=7,
                   xytext=(3, 3), textcoords="offset points")
    c.set_xlabel("leverage (hat value)")
    c.set_ylabel("Cook's distance")
    c.set_title("Influence")
    c.legend(frameon=False, fontsize=8)
    top = o.loc[o["cooks_d"].idxmax()]
    beyond = int((np.abs(r) > 2).sum())
    describe(a, f"Three diagnostic panels of the {result.outcome} model" + (f" ({result.year})" if result.year else "")
                + f", {len(o)} regions: residuals against fitted values, residuals from {o['residual'].min():.2f} to "
                f"{o['residual'].max():.2f}; normal Q–Q plot of the studentized residuals, {beyond} beyond ±2 (about "
                f"{0.0455 * len(o):.0f} expected under normality); Cook's distance against leverage, "
                f"{int(infl.sum())} regions above 4/n = {cut:.4f}, the largest {top['institution_name']} "
                f"(D = {top['cooks_d']:.3f}).")
    return axes


@styled
def plot_residual_map(values: pd.DataFrame, column: str = "mean_residual", ax=None, geo=None,
                      label: str = "mean residual (SPBE index points)", title: str | None = None):
    """Province choropleth of a signed quantity (e.g. :func:`spbe_research.models.province_residuals`),
    centred on zero with a diverging colour map; provinces without a value are hatched grey.

    The map and its Kemendagri-code join come from :func:`spbe_research.plotting.maps.load_province_map`.
    """
    if "province_code" not in values.columns or column not in values.columns:
        raise SPBEError("values need columns 'province_code' and the plotted column", field=column)
    if values["province_code"].duplicated().any():
        raise SPBEError("one value per province expected", field="province_code")
    geo = load_province_map() if geo is None else geo
    ax = _new_ax(ax, (11, 4.8))
    merged = geo.merge(values[["province_code", column]].astype({"province_code": str}), on="province_code",
                       how="left")
    val = pd.to_numeric(merged[column], errors="coerce")
    has = val.notna().to_numpy()
    if (~has).any():
        merged[~has].plot(ax=ax, color=_NO_DATA, edgecolor="white", linewidth=0.3, hatch="///")
    if has.any():
        lim = float(np.nanmax(np.abs(val))) or 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
        merged[has].assign(_v=val[has]).plot(ax=ax, column="_v", cmap="PuOr", norm=norm, edgecolor="0.4",
                                             linewidth=0.3)
        sm = plt.cm.ScalarMappable(cmap="PuOr", norm=norm)
        cb = ax.figure.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.12, shrink=0.6)
        cb.set_label(label + ("  (hatched: no data)" if (~has).any() else ""))
    ax.set_xlabel("Longitude (° E)")
    ax.set_ylabel("Latitude (° N)")
    ax.set_aspect("equal")
    ax.set_title(title or column)
    text = f"Choropleth map of {label} by province, diverging colours centred on zero: {int(has.sum())} of {len(geo)} " \
           "provinces with a value"
    if has.any():
        lo, hi = val.idxmin(), val.idxmax()
        text += (f", most negative {val[lo]:.3f} ({merged.at[lo, 'province_name']}), most positive {val[hi]:.3f} "
                 f"({merged.at[hi, 'province_name']})")
    return describe(ax, text + (f"; {int((~has).sum())} without data (hatched grey)." if (~has).any() else "."))
