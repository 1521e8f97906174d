"""Report cards: one institution's SPBE results on one printable page.

``python -m spbe_research report 35.06 --out card.html`` (or ``report "Kota Kendari"``) writes a self-contained
HTML page (figures embedded as SVG with alt text, no external files, printable on one A4 page):

* **scores over the years**, each with its source kind (official report table or press page), stage
  (official, provisional, self-assessment) and source;
* **domain profile** of the latest official year against the median of the institution's type and of its
  province (all governments of the province, the provincial government included);
* **rank** within the province (among peers of the same type, and among all its governments) and nationally;
* the **probability of keeping its predicate** (predikat) when the domain weights are uncertain
  (:func:`spbe_research.sensitivity.weight_uncertainty`, Dirichlet with concentration 100, 10,000 draws,
  seed 0 — the settings of notebook 05);
* the **least effort to the next predicate** under the current framework and what the PermenPANRB 8/2026
  bands do to it.

The plan works from published *domain* values, because indicator levels are not published: one level step of
an indicator raises its domain by the indicator's weight over the domain's weight, so the domain's heaviest
indicator gives the most index points per step. :func:`next_predicate_plan` raises domains in that order
(:func:`~spbe_research.planning.plan_target` on the framework truncated at its domains, with the cost of a domain
point in level steps), which gives the **fewest level steps if the heaviest indicators still have room**, and
so a lower bound otherwise. The 8/2026 part only re-bands the same index: the 8/2026 index itself is computed
from other indicators.

>>> from spbe_research import report
>>> report.find_institution("35.06")["institution_name"]
'Kabupaten Kediri'
"""
from __future__ import annotations

import argparse
import base64
import difflib
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, compare, datasets, sensitivity
from .errors import SPBEError
from .frameworks import framework_for_year, get_framework
from .planning import TargetPlan, plan_target
from .scoring import predicate

__all__ = ["ReportCard", "report_card", "find_institution", "next_predicate_plan", "render_html", "write_card",
           "plot_history", "plot_profile",
           "N_DRAWS", "CONCENTRATION", "SEED", "BANDS_2026"]

#: weight-uncertainty settings of the card (those of notebook 05)
N_DRAWS, CONCENTRATION, SEED = 10_000, 100.0, 0
#: the framework whose bands the card compares with the current ones
BANDS_2026 = "PermenPANRB 8/2026"


# ------------------------------------------------------------------------------------------ finding
def _norm(text) -> str:
    return re.sub(r"[^0-9a-z.]+", " ", str(text).lower()).strip()


def find_institution(query, institutions: pd.DataFrame | None = None) -> pd.Series:
    """The registry row of one institution, by id (``"35.06"``, ``"P.0012"``) or by name (any case; a unique
    part of a name such as ``"kendari"`` is enough).

    Raises :class:`SPBEError` for an unknown query (listing the closest ids and names) or an ambiguous one
    (listing every match).
    """
    inst = datasets.load_institutions() if institutions is None else institutions
    q = str(query).strip()
    if not q:
        raise SPBEError("give an institution id or name", field="institution")
    ids = inst["institution_id"].astype(str)
    hit = inst[ids.str.lower() == q.lower()]
    if len(hit) == 1:
        return hit.iloc[0]
    names = inst["institution_name"].map(_norm)
    nq = _norm(q)
    hit = inst[names == nq]
    if len(hit) == 1:
        return hit.iloc[0]
    words = nq.split()
    part = inst[names.map(lambda n: all(w in n.split() for w in words))] if words else inst.iloc[:0]
    if len(part) == 1:
        return part.iloc[0]

    def listing(rows: pd.DataFrame) -> str:
        return "; ".join(f"{r.institution_id} {r.institution_name}" for r in rows.itertuples())

    if len(part) > 1:
        shown = part.sort_values("institution_name").head(12)
        more = f" and {len(part) - len(shown)} more" if len(part) > len(shown) else ""
        raise SPBEError(f"{q!r} is ambiguous: {len(part)} institutions match: {listing(shown)}{more}. "
                        "Give the id or the full name.", field="institution")
    score = np.maximum(names.map(lambda n: difflib.SequenceMatcher(None, nq, n).ratio()),
                       ids.map(lambda i: difflib.SequenceMatcher(None, q.lower(), i.lower()).ratio()))
    close = inst.assign(_score=score.to_numpy())
    close = close[close["_score"] >= 0.6].sort_values(["_score", "institution_name"], ascending=[False, True]).head(6)
    hint = f" Close matches: {listing(close)}." if len(close) else " No close match; see datasets.load_institutions()."
    raise SPBEError(f"no institution {q!r} in the panel.{hint}", field="institution")


# ------------------------------------------------------------------------------------------ the card
@dataclass(frozen=True, eq=False)
class ReportCard:
    """Everything on one institution's card (each table tidy; :func:`render_html` draws the page).

    ``institution``: the registry row. ``history``: every panel row of the institution (year, source kind,
    stage, domains, index, predicate, source). ``year`` / ``framework``: the latest official year with all
    domain values, and its framework (None when there is none). ``profile``: one row per domain with the
    institution's value and the medians of its type and province in that year. ``ranks``: rank within the
    province (by type and among all its governments) and nationally. ``uncertainty``: the institution's row
    of the weight-uncertainty table. ``plan`` / ``plan_2026``: the least-effort plans to the next predicate
    under the current bands and under the 8/2026 bands (None when already in the top band).
    """

    institution: pd.Series = field(repr=False)
    history: pd.DataFrame = field(repr=False)
    year: int | None
    framework: str | None
    profile: pd.DataFrame | None = field(default=None, repr=False)
    ranks: pd.DataFrame | None = field(default=None, repr=False)
    uncertainty: pd.Series | None = field(default=None, repr=False)
    plan: TargetPlan | None = field(default=None, repr=False)
    plan_2026: TargetPlan | None = field(default=None, repr=False)
    index: float | None = None
    predicate: str | None = None
    predicate_2026: str | None = None

    def summary(self) -> pd.DataFrame:
        """One tidy row: id, name, year, framework, index, predicates, P(keep), next-predicate steps."""
        u = self.uncertainty
        return pd.DataFrame([{
            "institution_id": self.institution["institution_id"], "institution_name": self.institution["institution_name"],
            "year": self.year, "framework": self.framework, "index": self.index, "predicate": self.predicate,
            "predicate_2026_bands": self.predicate_2026,
            "p_keep_predicate": None if u is None else float(u["p_keep_predicate"]),
            "next_predicate": None if self.plan is None else self.plan.final_predicate,
            "min_level_steps": None if self.plan is None else _steps(self.plan),
            "next_predicate_2026_bands": None if self.plan_2026 is None else _band_name(self.plan_2026, BANDS_2026),
            "min_level_steps_2026_bands": None if self.plan_2026 is None else _steps(self.plan_2026),
        }])


def _steps(plan: TargetPlan) -> int:
    """Whole level steps of a domain-level plan (its cost in level steps, rounded up)."""
    return int(np.ceil(plan.total_cost - 1e-9))


def _band_name(plan: TargetPlan, bands_of) -> str:
    return predicate(plan.target_index, get_framework(bands_of))


def next_predicate_plan(domains: pd.Series, framework, bands_of=None) -> TargetPlan | None:
    """Fewest level steps from published domain values to the next predicate (see the module docstring).

    ``domains``: the domain values (``D1``..) of one institution; ``framework``: its framework; ``bands_of``: the
    framework whose bands define "next" (default: the same). None when the index is already in the top band.
    The plan's ``total_cost`` is the number of level steps (fractional: round up), ``steps`` the domain
    increases.
    """
    fw = get_framework(framework)
    top = fw.top_level
    dom = fw.truncated(top)
    codes = list(dom.indicator_codes)
    values = pd.Series({c: float(domains[c]) for c in codes})
    index = float(dom.indicator_weights @ values.to_numpy())
    bands = get_framework(bands_of).bands if bands_of is not None else fw.bands
    above = [b for b in bands if b.lower > index]
    if not above:
        return None
    # level steps per point of each domain on its heaviest indicator: W_domain / max w_indicator
    leaf = fw.indicators.assign(top=[fw.ancestor(c, top) for c in fw.indicator_codes])
    heaviest = leaf.groupby("top")["weight"].max()
    part_w = fw.level_table(top).set_index(top)["weight"]
    steps_per_point = {c: float(part_w[c] / heaviest[c]) for c in codes}
    return plan_target(values, dom, above[0].lower, costs=steps_per_point)


def report_card(query, *, results: pd.DataFrame | None = None, n_draws: int = N_DRAWS, seed=SEED) -> ReportCard:
    """Compute the card of one institution (``query``: id or name, see :func:`find_institution`)."""
    results = datasets.load_results() if results is None else results
    inst = find_institution(query)
    iid = inst["institution_id"]
    hist = (results[results["institution_id"] == iid]
            .sort_values(["year", "source_kind", "stage"], kind="stable").reset_index(drop=True))
    official = results[results["source_kind"] == "official_report"]
    mine = official[official["institution_id"] == iid]
    years = []
    for y, rows in mine.groupby("year"):
        fw = framework_for_year(int(y))
        if rows[list(fw.domain_codes)].notna().all(axis=None):
            years.append(int(y))
    if not years:
        return ReportCard(institution=inst, history=hist, year=None, framework=None)
    year = max(years)
    fw = framework_for_year(year)
    codes = list(fw.domain_codes)
    cohort = official[official["year"] == year].dropna(subset=codes)
    row = cohort[cohort["institution_id"] == iid].iloc[0]

    # domain profile against the medians of the type and the province
    same_type = cohort[cohort["institution_type"] == row["institution_type"]]
    same_prov = cohort[cohort["province_code"] == row["province_code"]] if pd.notna(row["province_code"]) else None
    dom = fw.domains.set_index("domain")
    profile = pd.DataFrame({
        "domain": codes, "name": [dom.at[c, "name"] for c in codes], "name_en": [dom.at[c, "name_en"] for c in codes],
        "concept": [dom.at[c, "concept"] for c in codes], "weight": [float(dom.at[c, "weight"]) for c in codes],
        "value": [float(row[c]) for c in codes],
        "type_median": [float(same_type[c].median()) for c in codes], "n_type": len(same_type),
        "province_median": [float(same_prov[c].median()) if same_prov is not None else np.nan for c in codes],
        "n_province": 0 if same_prov is None else len(same_prov),
    })

    # ranks: within the province (by type, all governments) and nationally
    year_rows = official[official["year"] == year]
    rank_rows = []
    for by_type, scope in ((True, "province, same type"), (False, "province, all governments")):
        r = compare.rank_within_province(year_rows, by_type=by_type)
        r = r[r["institution_id"] == iid]
        if len(r):
            rank_rows.append({"scope": scope, "rank": int(r["rank"].iloc[0]), "n_peers": int(r["n_peers"].iloc[0])})
    u = sensitivity.weight_uncertainty(cohort[["institution_id", *codes]].reset_index(drop=True), fw,
                                       n_draws=n_draws, concentration=CONCENTRATION, seed=seed)
    urow = u.table[u.table["institution_id"] == iid].iloc[0]
    rank_rows.append({"scope": "national, all institutions", "rank": int(urow["nominal_rank"]),
                      "n_peers": len(cohort)})
    ranks = pd.DataFrame(rank_rows)

    domains = row[codes]
    plan = next_predicate_plan(domains, fw)
    plan26 = next_predicate_plan(domains, fw, bands_of=BANDS_2026)
    index = float(row["index"])
    return ReportCard(institution=inst, history=hist, year=year, framework=fw.name, profile=profile, ranks=ranks,
                      uncertainty=urow, plan=plan, plan_2026=plan26, index=index,
                      predicate=predicate(index, fw), predicate_2026=predicate(index, BANDS_2026))


# ------------------------------------------------------------------------------------------ figures
def plot_history(card: ReportCard, ax=None):
    """The card's index by evaluation year over each year's predicate bands (official reports as circles, press
    values as squares, filled when the stage is official). Draws on ``ax`` (or a new figure); returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .plotting.style import describe, new_axes, predicate_colors, styled

    @styled
    def draw(ax):
        ax = new_axes(ax, figsize=(4.6, 2.7))
        h = card.history.dropna(subset=["index"])
        years = sorted(set(h["year"]) | ({card.year} if card.year else set()))
        lo, hi = (min(years), max(years)) if years else (2018, 2024)
        for y in range(lo, hi + 1):
            fw = framework_for_year(y)
            for b, color in zip(fw.bands, predicate_colors(fw).values()):
                ax.add_patch(plt.Rectangle((y - 0.5, b.lower), 1, b.upper - b.lower, color=color, alpha=0.22, lw=0))
        marker = {"official_report": "o", "press": "s"}
        for kind, rows in h.groupby("source_kind"):
            face = ["black" if s == "official" else "white" for s in rows["stage"]]
            ax.scatter(rows["year"], rows["index"], marker=marker.get(kind, "o"), facecolors=face,
                       edgecolors="black", s=36, zorder=3)
        best = h.sort_values("source_kind").drop_duplicates("year")  # official first where both exist
        ax.plot(best["year"], best["index"], color="black", lw=1, zorder=2)
        ax.set_xlim(lo - 0.5, hi + 0.5)
        ax.set_ylim(0, 5)
        ax.set_xticks(range(lo, hi + 1))
        ax.set_xlabel("evaluation year")
        ax.set_ylabel("SPBE index")
        ax.set_title("Index by year (background: predicate bands)", fontsize=9)
        handles = [Line2D([], [], marker="o", ls="", mfc="black", mec="black", label="official report"),
                   Line2D([], [], marker="s", ls="", mfc="black", mec="black", label="press, official stage"),
                   Line2D([], [], marker="s", ls="", mfc="white", mec="black", label="press, other stage")]
        fw = framework_for_year(hi)
        handles += [Patch(color=c, alpha=0.5, label=p) for p, c in predicate_colors(fw).items()]
        ax.legend(handles=handles, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        pts = "; ".join(f"{r.year} {r.index:.2f} ({'official report' if r.source_kind == 'official_report' else 'press'}"
                        f", {r.stage})" for r in h.itertuples())
        describe(ax, f"Chart of the SPBE index of {card.institution['institution_name']} by evaluation year, over "
                     f"the predicate bands of each year's framework: {pts or 'no published index'}.")
        return ax

    return draw(ax)


def plot_profile(card: ReportCard, ax=None):
    """The card's domain values (bars coloured by concept) with the medians of its type and province as markers.
    Draws on ``ax`` (or a new figure); returns the Axes."""
    from matplotlib.lines import Line2D

    from .plotting.style import concept_color, describe, new_axes, styled, text_color

    @styled
    def draw(ax):
        p = card.profile
        ax = new_axes(ax, figsize=(4.6, 2.7))
        y = np.arange(len(p))
        ax.barh(y, p["value"], color=[concept_color(c) for c in p["concept"]], edgecolor="#555555", height=0.6)
        ax.scatter(p["type_median"], y, marker="D", color="black", s=28, zorder=3)
        has_prov = p["province_median"].notna().all()
        if has_prov:
            ax.scatter(p["province_median"], y, marker="o", facecolors="white", edgecolors="black", s=34, zorder=3)
        for yi, v, c in zip(y, p["value"], p["concept"]):
            ax.text(0.06, yi, f"{v:.2f}", va="center", fontsize=7, color=text_color(concept_color(c)))
        ax.set_yticks(y, [f"{d} {n}" for d, n in zip(p["domain"], p["name_en"])], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 5)
        ax.set_xlabel("domain index")
        ax.set_title(f"Domains in {card.year} against medians", fontsize=9)
        itype = card.institution["institution_type"]
        handles = [Line2D([], [], marker="D", ls="", color="black", label=f"median of {itype} (n={p['n_type'].iloc[0]})")]
        if has_prov:
            handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black",
                                  label=f"median of the province (n={p['n_province'].iloc[0]})"))
        ax.legend(handles=handles, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
        parts = []
        for r in p.itertuples():
            s = f"{r.domain} {r.name_en} {r.value:.2f} (type median {r.type_median:.2f}"
            s += f", province median {r.province_median:.2f})" if has_prov else ")"
            parts.append(s)
        describe(ax, f"Bar chart of the {len(p)} domain values of {card.institution['institution_name']} in "
                     f"{card.year}, each bar coloured by the domain's concept, with the medians of its type and "
                     f"province as markers: " + "; ".join(parts) + ".")
        return ax

    return draw(ax)


def _img(ax) -> str:
    import matplotlib.pyplot as plt

    from .plotting.style import alt_text, figure_bytes

    svg = figure_bytes(ax, "svg")
    alt = alt_text(ax)
    plt.close(ax.figure)
    data = base64.b64encode(svg).decode("ascii")
    return f'<img class="fig" src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}">'


# ------------------------------------------------------------------------------------------ page
_CSS = """
@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 10px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 6px; }
h1 { font-size: 17px; margin: 0 0 2px; } h2 { font-size: 11.5px; margin: 8px 0 3px; border-bottom: 1px solid #999; }
.sub { color: #444; margin: 0 0 4px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 12px; }
.fig { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 9px; }
th, td { border-bottom: 1px solid #ddd; padding: 1px 4px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.key { display: flex; gap: 10px; flex-wrap: wrap; margin: 4px 0; }
.key div { border: 1px solid #bbb; border-radius: 4px; padding: 3px 7px; }
.key b { font-size: 13px; display: block; }
.note { color: #444; font-size: 8.5px; }
.src { word-break: break-all; }
section { break-inside: avoid; }
@media print { body { padding: 0; } a { color: inherit; text-decoration: none; } }
"""


def _e(x) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x))


def _num(x, fmt="{:.2f}") -> str:
    return "" if x is None or pd.isna(x) else fmt.format(x)


def _source(text) -> str:
    t = _e(text)
    return f'<a href="{t}">{t}</a>' if str(text).startswith(("http://", "https://")) else t


def _plan_html(plan: TargetPlan | None, bands) -> str:
    if plan is None:
        return f"<p>Already in the top band under the {_e(bands.name)} bands.</p>"
    st = plan.steps
    rows = "".join(f"<tr><td>{_e(r.indicator)} {_e(r.name)}</td><td class='num'>{r.current:.2f} → {r.new:.2f}</td>"
                   f"<td class='num'>{r.gain:.3f}</td><td class='num'>{r.cost:.1f}</td></tr>" for r in st.itertuples())
    return (f"<p>From {plan.start_index:.3f} to <b>{plan.target_index:.2f}</b> ({_e(predicate(plan.target_index, bands))}):"
            f" at least <b>{_steps(plan)} level steps</b>, in this order:</p>"
            f"<table><tr><th>domain</th><th class='num'>value</th><th class='num'>index points</th>"
            f"<th class='num'>level steps</th></tr>{rows}</table>")


def render_html(card: ReportCard) -> str:
    """The card as one self-contained HTML page (no external files; figures as SVG with alt text)."""
    inst = card.institution
    name = _e(inst["institution_name"])
    where = ", ".join(str(x) for x in (inst["institution_type"], inst.get("province_name"), inst.get("island_group"))
                      if isinstance(x, str) and x)
    hist = card.history
    hist_rows = "".join(
        f"<tr><td>{r.year}</td><td class='num'>{_num(r.index)}</td><td>{_e(r.predicate)}</td>"
        f"<td>{'official report' if r.source_kind == 'official_report' else 'press'}</td><td>{_e(r.stage)}</td>"
        f"<td class='src'>{_source(r.source)}</td></tr>"
        for r in hist.itertuples())
    parts = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>SPBE report card: {name}</title><style>{_CSS}</style></head><body>",
             f"<h1>{name} <span class='sub'>({_e(inst['institution_id'])})</span></h1>",
             f"<p class='sub'>{_e(where)} · SPBE (<i>Sistem Pemerintahan Berbasis Elektronik</i>) report card</p>"]
    if card.year is not None:
        u = card.uncertainty
        fw = get_framework(card.framework)
        ranks = card.ranks
        rank_txt = "; ".join(f"{r.rank} of {r.n_peers} ({_e(r.scope)})" for r in ranks.itertuples())
        parts.append(
            "<div class='key'>"
            f"<div>Index {card.year}<b>{card.index:.2f}</b>{_e(card.predicate)} ({_e(fw.name)})</div>"
            f"<div>P(keep predicate)<b>{float(u['p_keep_predicate']):.1%}</b>{float(u['distance_to_edge']):.2f} from a band edge</div>"
            f"<div>Rank<b>{ranks['rank'].iloc[0]} of {ranks['n_peers'].iloc[0]}</b>{_e(ranks['scope'].iloc[0])}</div>"
            f"<div>Under the {BANDS_2026} bands<b>{_e(card.predicate_2026)}</b>same index, other band edges</div>"
            "</div>")
        parts.append("<div class='grid'>"
                     f"<section><h2>Scores over the years</h2>{_img(plot_history(card))}</section>"
                     f"<section><h2>Domain profile</h2>{_img(plot_profile(card))}</section></div>")
        parts.append(f"<section><h2>Sources</h2><table><tr><th>year</th><th class='num'>index</th><th>predicate</th>"
                     f"<th>source kind</th><th>stage</th><th>source</th></tr>{hist_rows}</table></section>")
        prof = "".join(f"<tr><td>{_e(r.domain)} {_e(r.name)} ({_e(r.name_en)})</td><td class='num'>{r.weight:g} %</td>"
                       f"<td class='num'>{r.value:.2f}</td><td class='num'>{r.type_median:.2f}</td>"
                       f"<td class='num'>{_num(r.province_median)}</td></tr>" for r in card.profile.itertuples())
        parts.append(
            "<div class='grid'><section><h2>Standing</h2>"
            f"<p>Rank: {rank_txt}. Under uncertain domain weights (Dirichlet, concentration {CONCENTRATION:g}, "
            f"{N_DRAWS:,} draws, seed {SEED}) the national rank stays between {int(u['rank_p05'])} and "
            f"{int(u['rank_p95'])} (5–95 %), and the predicate <b>{_e(card.predicate)}</b> is kept in "
            f"<b>{float(u['p_keep_predicate']):.1%}</b> of draws.</p>"
            "<table><tr><th>domain</th><th class='num'>weight</th><th class='num'>value</th>"
            f"<th class='num'>{_e(inst['institution_type'])} median</th><th class='num'>province median</th></tr>"
            f"{prof}</table></section>"
            "<section><h2>Least effort to the next predicate</h2>"
            f"<p><b>{_e(fw.name)} bands.</b></p>{_plan_html(card.plan, fw)}"
            f"<p><b>{BANDS_2026} bands</b> (same index, re-banded: {card.index:.2f} is {_e(card.predicate_2026)}).</p>"
            f"{_plan_html(card.plan_2026, get_framework(BANDS_2026))}"
            "<p class='note'>Indicator levels are not published: the plan raises domains through their heaviest "
            "indicators, which is the fewest level steps if those indicators still have room (otherwise a lower "
            "bound). The 8/2026 index itself is computed from other indicators; only its bands are applied here.</p>"
            "</section></div>")
    else:
        parts.append("<p>No official report row with every domain value: the profile, ranks, uncertainty and plan "
                     "need one. Published values:</p>")
        parts.append(f"<section><h2>Scores and sources</h2><table><tr><th>year</th><th class='num'>index</th>"
                     f"<th>predicate</th><th>source kind</th><th>stage</th><th>source</th></tr>{hist_rows}</table>"
                     "</section>")
    parts.append(f"<p class='note'>spbe-research {_e(__version__)}. Values as published; official values from the "
                 "KemenPANRB reports, press values from the page cited. Data: CC BY 4.0 compilation, region fields "
                 "ODbL 1.0 (idn-area-data); see DATA_LICENSE.md. Predicates use the unrounded index.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_card(query, out, **kwargs) -> Path:
    """Compute the card of ``query`` and write it as HTML to ``out``; returns the path."""
    out = Path(out)
    text = render_html(report_card(query, **kwargs))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


# ------------------------------------------------------------------------------------------ command line
def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("institution", help="institution id (35.06, P.0012) or name (Kota Kendari)")
    p.add_argument("--out", type=Path, default=None, help="HTML file to write (default: report_<id>.html)")


def run(args) -> int:
    try:
        inst = find_institution(args.institution)
        out = args.out or Path(f"report_{inst['institution_id']}.html")
        write_card(inst["institution_id"], out)
    except SPBEError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(out)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m spbe_research report", description="One-page report card.")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
