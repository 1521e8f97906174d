"""Reproduction audit: do the published SPBE indices follow from the published domain indices?

Rounding tolerance
------------------
Every printed value is rounded to 2 decimals, so it is within ``h = 0.005`` of the true value.
The index recomputed from printed domains, ``Σ w_d D̂_d``, is within ``h·Σw_d = h`` of the true
index (the weights sum to 1), and the printed index is within ``h`` of it too. Hence
``|printed index − recomputed index| ≤ h·(1 + Σw) = 0.01`` for any correctly computed,
correctly printed row (:func:`rounding_tolerance`). A larger residual means a lost, garbled or
mis-printed cell, or a real inconsistency.

Predicates (predikat) are assigned on the *unrounded* index. The unrounded index must lie both
in ``[printed − h, printed + h]`` and in ``[recomputed − h·Σw, recomputed + h·Σw]``; a printed
predicate is consistent when its band intersects that feasible interval (so "1.80 Kurang" is
consistent: the true index can be 1.797).

Public functions: :func:`rounding_tolerance`, :func:`audit_results`, :func:`reproduction_summary`,
:func:`anomalies`, :func:`national_check`,
:func:`national_average_hypotheses`, :func:`hypothesis_fit_summary`, :func:`group_mean_check`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import checks
from .errors import SPBEError
from .frameworks import framework_for_year, get_framework
from .scoring import EDGE_EPS, band_codes, index_from, rounding_tolerance
from .vocabulary import CENTRAL_TYPES, GROUP_TYPES, REGIONAL_TYPES, REPORT_GROUPS

__all__ = [
    "HALF_UNIT",
    "rounding_tolerance",
    "AUDIT_COLUMNS",
    "recompute",
    "audit_results",
    "reproduction_summary",
    "anomalies",
    "national_check",
    "national_average_hypotheses",
    "hypothesis_fit_summary",
    "group_mean_check",
    "FIT_TOLERANCE",
    "HYPOTHESIS_INPUTS",
]

#: half of the last printed digit (values are printed with 2 decimals)
HALF_UNIT = 0.005
#: a mean of the listed institutions "fits" a published mean when |predicted − published| ≤ this: the
#: published value's own rounding (the mean of hundreds of printed values carries a negligible rounding
#: error, SD h/√(3n) < 0.0002 for n ≥ 600). Hypotheses built from rounded published means need more:
#: see :data:`HYPOTHESIS_INPUTS`.
FIT_TOLERANCE = 0.005
#: what a national-average hypothesis is computed from → Σ|coefficients| on rounded printed inputs.
#: Its tolerance is ``h·(1 + that)``: ``h`` for the published index plus the worst-case rounding
#: carried by the prediction (same argument as :func:`rounding_tolerance`).
HYPOTHESIS_INPUTS = {
    "listed_indices": 0.0,      # hundreds of printed indices: rounding averages out (see FIT_TOLERANCE)
    "published_means": 1.0,     # a weighted mean (weights summing to 1) of a few rounded published means
    "one_printed_value": 1.0,   # a single printed index (the median)
}
_EPS = EDGE_EPS


def _need(df: pd.DataFrame, cols, what: str) -> None:
    checks.frame(df, name=what, required=tuple(cols))


def _numeric(df: pd.DataFrame, cols, what: str) -> pd.DataFrame:
    """``df`` with ``cols`` read as finite numbers (NaN = missing) by :mod:`spbe_research.checks` rules."""
    out = {}
    for c in cols:
        if c in df.columns:
            v = checks.numeric_column(df[c], field=c, what=what)
            if np.isinf(v).any():
                i = int(np.flatnonzero(np.isinf(v))[0])
                raise SPBEError(f"{what} value {v[i]} is not finite", row=df.index[i], field=c)
            out[c] = v
    return df.assign(**out)


AUDIT_COLUMNS = ("index_recomputed", "residual", "tolerance", "within_tolerance")


def recompute(results: pd.DataFrame, framework=None, *, decimals: int = 2) -> pd.DataFrame:
    """The reproduction audit of each row: the one place it is computed.

    ``index_recomputed`` (the index from the row's published domains with its framework's weights; NaN
    when a domain the framework needs is missing; printed values off the level range are used as
    printed), ``residual`` (published − recomputed), ``tolerance``
    (:func:`~spbe_research.scoring.rounding_tolerance` of the framework at ``decimals``) and
    ``within_tolerance`` (|residual| ≤ tolerance; NA when nothing can be recomputed). ``framework``
    applies one framework to every row; by default each row's ``framework`` column is used. Returns the
    four :data:`AUDIT_COLUMNS`, indexed like ``results``. The panel
    (:func:`spbe_research.datasets.load_results`) carries them; :func:`audit_results` reads them.

    >>> import pandas as pd
    >>> row = pd.DataFrame({"D1": [3.0], "D2": [2.6], "D3": [2.2], "D4": [3.5], "index": [3.0]})
    >>> recompute(row, "PermenPANRB 59/2020").round(4).to_dict("records")
    [{'index_recomputed': 2.9955, 'residual': 0.0045, 'tolerance': 0.01, 'within_tolerance': True}]
    """
    checks.frame(results, name="results", required=("index",) if framework is not None else ("index", "framework"))
    decimals = checks.count(decimals, name="decimals", lo=0, hi=10)
    n = len(results)
    recomputed = np.full(n, np.nan)
    tol = np.full(n, np.nan)
    if framework is not None:
        groups = {get_framework(framework).name: np.arange(n)}
    else:
        names = results["framework"]
        if names.isna().any():
            i = int(np.flatnonzero(names.isna().to_numpy())[0])
            raise SPBEError("framework is missing", row=results.index[i], field="framework")
        groups = names.astype(str).groupby(names.astype(str).to_numpy(), sort=False).indices
    for name, pos in groups.items():
        fw = get_framework(name)
        sub = results.iloc[pos]
        codes = list(fw.codes(fw.top_level))  # domains of SPBE, aspects of Indeks Pemdi
        dom = checks.numeric_matrix(sub, codes, what=fw.top_level)
        if np.isinf(dom).any():
            r, c = np.argwhere(np.isinf(dom))[0]
            raise SPBEError(f"{fw.top_level} value {dom[r, c]} is not finite", row=sub.index[r], field=codes[c])
        # a missing part gives no recomputation (NaN); printed values off the scale are used as printed
        recomputed[pos] = index_from(pd.DataFrame(dom, columns=codes), fw, fw.top_level, missing="propagate",
                                     check_range=False).to_numpy()
        tol[pos] = rounding_tolerance(fw, decimals)
    printed = checks.numeric_column(results["index"], field="index", what="index")
    if np.isinf(printed).any():
        i = int(np.flatnonzero(np.isinf(printed))[0])
        raise SPBEError(f"index value {printed[i]} is not finite", row=results.index[i], field="index")
    return verdict(printed, recomputed, tol, index=results.index)


def verdict(printed, recomputed, tolerance, index=None) -> pd.DataFrame:
    """The four :data:`AUDIT_COLUMNS` from printed and recomputed indices and the tolerance: the one rule for
    every reproduction verdict (``within_tolerance`` is NA where nothing could be recomputed)."""
    printed = np.asarray(printed, dtype=float)
    recomputed = np.asarray(recomputed, dtype=float)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), printed.shape)
    resid = printed - recomputed
    ok = np.abs(resid) <= tol + _EPS
    return pd.DataFrame({
        "index_recomputed": recomputed, "residual": resid, "tolerance": tol,
        "within_tolerance": pd.array(np.where(np.isnan(resid), pd.NA, ok), dtype="boolean"),
    }, index=index)


def audit_results(results: pd.DataFrame) -> pd.DataFrame:
    """The reproduction audit of every row, with the predicate check.

    Input: the panel (``spbe_research.datasets.load_results()`` columns; at least ``framework``,
    the framework's domains ``D1``…, ``index``, ``predicate``). When it already carries the audit
    (:data:`AUDIT_COLUMNS`, as the panel does) those columns are used; otherwise they are computed with
    :func:`recompute`. Output: the input columns plus

    - ``n_domains_needed`` / ``missing_domains`` (";"-joined codes of NaN domains) /
      ``off_scale_domains`` (printed values outside the framework's level range, kept as printed);
    - ``index_recomputed``, ``residual``, ``tolerance``, ``within_tolerance`` (see :func:`recompute`);
    - ``true_low`` / ``true_high``: the interval the unrounded index must lie in;
    - ``predicate_from_printed`` (predicate of the printed index), ``predicate_status``:
      ``consistent`` | ``threshold_rounding`` (printed predicate differs from the printed index's
      but fits the unrounded index) | ``inconsistent`` | ``no_predicate`` | ``no_index``.
    """
    checks.frame(results, name="results", required=("framework", "index", "predicate"))
    out = results.copy()
    if not set(AUDIT_COLUMNS) <= set(out.columns):
        aud = recompute(out)
        for c in AUDIT_COLUMNS:
            out[c] = aud[c]
    n = len(out)
    wsum = np.full(n, np.nan)
    needed = np.zeros(n, dtype=int)
    missing = np.array([""] * n, dtype=object)
    off_scale = np.array([""] * n, dtype=object)
    printed = checks.numeric_column(out["index"], field="index", what="index")
    pred_printed = np.array([pd.NA] * n, dtype=object)
    band_low = np.full(n, -np.inf)   # the band of the published predicate, under the row's own framework
    band_high = np.full(n, np.inf)
    has_pred = np.zeros(n, dtype=bool)
    for name, pos in out.groupby("framework", sort=False).indices.items():
        fw = get_framework(name)
        checks.frame(out, name="results", required=fw.domain_codes)
        mat = checks.numeric_matrix(out.iloc[pos], list(fw.domain_codes), what="domain")
        off = ~np.isnan(mat) & ((mat < fw.level_min - _EPS) | (mat > fw.level_max + _EPS))
        codes = np.array(fw.domain_codes)
        off_scale[pos] = [";".join(codes[m]) for m in off]
        wsum[pos] = fw.domain_weights.sum()
        needed[pos] = len(fw.domain_codes)
        missing[pos] = [";".join(codes[m]) for m in np.isnan(mat)]
        p = printed[pos]
        ok = ~np.isnan(p)
        pred_printed[pos[ok]] = np.asarray(fw.predicates, dtype=object)[band_codes(p[ok], fw)]
        b = pd.Series(out["predicate"].to_numpy()[pos], dtype=object).map(
            {q: i for i, q in enumerate(fw.predicates)}).to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(b)
        lows = np.array([-np.inf, *fw.band_edges])
        highs = np.array([*fw.band_edges, np.inf])
        has_pred[pos[known]] = True
        band_low[pos[known]] = lows[b[known].astype(int)]
        band_high[pos[known]] = highs[b[known].astype(int)]
    recomputed = checks.numeric_column(out["index_recomputed"], field="index_recomputed")
    audit_cols = {c: out.pop(c) for c in AUDIT_COLUMNS}
    out["n_domains_needed"] = needed
    out["missing_domains"] = pd.array(missing, dtype="string")
    out["off_scale_domains"] = pd.array(off_scale, dtype="string")
    for c in AUDIT_COLUMNS:
        out[c] = audit_cols[c]
    out["within_tolerance"] = out["within_tolerance"].astype("boolean")
    lo = printed - HALF_UNIT
    hi = printed + HALF_UNIT
    has_rec = ~np.isnan(recomputed)
    rlo = np.where(has_rec, recomputed - HALF_UNIT * wsum, -np.inf)
    rhi = np.where(has_rec, recomputed + HALF_UNIT * wsum, np.inf)
    # when the two intervals are disjoint (a bad row) fall back on the printed index alone
    joint = np.maximum(lo, rlo) <= np.minimum(hi, rhi) + _EPS
    out["true_low"] = np.where(joint, np.maximum(lo, rlo), lo)
    out["true_high"] = np.where(joint, np.minimum(hi, rhi), hi)
    status = np.array(["no_index"] * n, dtype=object)
    has_index = ~np.isnan(printed)
    fits = (out["true_high"].to_numpy() >= band_low - _EPS) & (out["true_low"].to_numpy() < band_high - _EPS)
    same = (pd.Series(pred_printed, dtype="string").reset_index(drop=True)
            == pd.Series(out["predicate"].to_numpy(), dtype="string")).fillna(False).to_numpy(dtype=bool)
    status[has_index & ~has_pred] = "no_predicate"
    status[has_index & has_pred & fits & same] = "consistent"
    status[has_index & has_pred & fits & ~same] = "threshold_rounding"
    status[has_index & has_pred & ~fits] = "inconsistent"
    out["predicate_from_printed"] = pd.array(pred_printed, dtype="string")
    out["predicate_status"] = pd.array(status, dtype="string")
    return out


def reproduction_summary(audit: pd.DataFrame, by=("year", "source_kind")) -> pd.DataFrame:
    """Reproduction rates per group: rows, rows with all domains, share within tolerance,
    largest |residual|, predicate status counts.

    ``audit`` is :func:`audit_results` output; ``by`` names its columns to group by (``()``: one row).

    ``share_within_tolerance`` and ``max_abs_residual`` are NaN for a group with no recomputable
    row (e.g. press rows, which rarely print domain values): there is nothing to measure.
    """
    by = [by] if isinstance(by, str) else list(by)
    _need(audit, [*by, "within_tolerance", "residual", "predicate_status"], "audit")
    rows = []
    for key, g in audit.groupby(by, sort=True) if by else [((), audit)]:
        key = key if isinstance(key, tuple) else (key,)
        rec = g["within_tolerance"].notna()
        within = int(g["within_tolerance"].fillna(False).sum())
        r = dict(zip(by, key))
        r.update(n_rows=len(g), n_recomputable=int(rec.sum()), n_within_tolerance=within,
                 share_within_tolerance=within / rec.sum() if rec.sum() else np.nan,
                 max_abs_residual=float(g.loc[rec, "residual"].abs().max()) if rec.any() else np.nan,
                 n_predicate_consistent=int((g["predicate_status"] == "consistent").sum()),
                 n_threshold_rounding=int((g["predicate_status"] == "threshold_rounding").sum()),
                 n_predicate_inconsistent=int((g["predicate_status"] == "inconsistent").sum()),
                 n_no_predicate=int((g["predicate_status"] == "no_predicate").sum()))
        rows.append(r)
    return pd.DataFrame(rows)


def _implied_domain(row: pd.Series, fw, d: str) -> tuple[float, float]:
    """Value of domain ``d`` implied by the printed index and the other printed domains, ± rounding."""
    w = pd.Series(fw.domain_weights, index=fw.domain_codes)
    others = [c for c in fw.domain_codes if c != d]
    if pd.isna(row["index"]) or any(pd.isna(row[c]) for c in others):
        return np.nan, np.nan
    mid = (float(row["index"]) - sum(w[c] * float(row[c]) for c in others)) / w[d]
    half = HALF_UNIT * (1 + w[others].sum()) / w[d]
    return float(mid), float(half)


def anomalies(audit: pd.DataFrame) -> pd.DataFrame:
    """Every row that does not reproduce, with its likely cause.

    Causes:
    - ``ocr_lost_cell``: a domain needed by the framework is missing (flag ``dN_missing`` or no
      flag); the implied value (from the index and the other domains) is reported;
    - ``garbled_cell``: the parser flagged the cell as garbled (``dN_garbled``), or all domains are
      printed but one lies outside the framework's level range and its implied value is in range;
    - ``threshold_rounding``: the printed predicate differs from the printed index's but fits the
      unrounded index (the index sits on a band edge after rounding) — not an error;
    - ``real_inconsistency``: residual beyond tolerance or predicate outside the feasible band with
      no cell-level explanation.
    Press rows without domains are not anomalies (nothing to recompute) and are not listed.
    Columns: ``institution_id``, ``institution_name``, ``year``, ``source_kind``, ``field``,
    ``printed_value``, ``implied_value``, ``implied_half_width``, ``cause``, ``note``,
    ``source_table``, ``source_row``.
    """
    _need(audit, ["framework", "index", "missing_domains", "n_domains_needed", "within_tolerance",
                  "predicate_status", "true_low", "true_high"], "audit")
    rows = []
    flags = audit["quality_flags"].fillna("") if "quality_flags" in audit.columns else pd.Series("", index=audit.index)
    missing = audit["missing_domains"].fillna("").astype(str)
    n_missing = missing.str.count(";") + missing.ne("")
    # only rows that can be anomalies are looked at one by one (a few among hundreds)
    candidates = (((n_missing > 0) & (n_missing < audit["n_domains_needed"]))
                  | audit["within_tolerance"].eq(False).fillna(False)
                  | audit["predicate_status"].isin(["threshold_rounding", "inconsistent"]))
    for i, r in audit[candidates.to_numpy(dtype=bool)].iterrows():
        fw = get_framework(r["framework"])
        base = {k: r.get(k) for k in ("institution_id", "institution_name", "year", "source_kind", "source_table", "source_row")}
        miss = [m for m in str(r["missing_domains"]).split(";") if m] if pd.notna(r["missing_domains"]) else []
        has_all = not miss
        if miss and len(miss) == len(fw.domain_codes):
            continue  # press row with no domains at all: nothing to recompute
        for d in miss:
            mid, half = _implied_domain(r, fw, d) if len(miss) == 1 else (np.nan, np.nan)
            garbled = f"{d.lower()}_garbled" in flags[i]
            cause = "garbled_cell" if garbled else "ocr_lost_cell"
            note = (f"{d} cell unreadable in the source" if garbled else f"{d} cell empty in the source")
            if not np.isnan(mid):
                note += f"; index and the other domains imply {d} = {mid:.3f} ± {half:.3f}"
            rows.append({**base, "field": d, "printed_value": np.nan, "implied_value": mid,
                         "implied_half_width": half, "cause": cause, "note": note})
        if has_all and r["within_tolerance"] is not pd.NA and not bool(r["within_tolerance"]):
            cause, field, note, mid, half = "real_inconsistency", "index", "", np.nan, np.nan
            for d in fw.domain_codes:
                v = float(r[d])
                if v < fw.level_min - _EPS or v > fw.level_max + _EPS:
                    m, h = _implied_domain(r, fw, d)
                    if fw.level_min - h <= m <= fw.level_max + h:
                        cause, field, mid, half = "garbled_cell", d, m, h
                        note = f"{d} printed {v:g} is off the {fw.level_min}-{fw.level_max} scale; index implies {m:.3f} ± {h:.3f}"
                        break
            if cause == "real_inconsistency":
                note = f"printed index {float(r['index']):.2f} vs {float(r['index_recomputed']):.4f} from printed domains"
            rows.append({**base, "field": field, "printed_value": float(r[field]) if field != "index" else float(r["index"]),
                         "implied_value": mid if field != "index" else float(r["index_recomputed"]),
                         "implied_half_width": half, "cause": cause, "note": note})
        st = r["predicate_status"]
        if st == "threshold_rounding":
            rows.append({**base, "field": "predicate", "printed_value": float(r["index"]), "implied_value": np.nan,
                         "implied_half_width": np.nan, "cause": "threshold_rounding",
                         "note": f"printed {r['predicate']} with index {float(r['index']):.2f} (printed index gives "
                                 f"{r['predicate_from_printed']}); fits an unrounded index in "
                                 f"[{r['true_low']:.4f}, {r['true_high']:.4f}]"})
        elif st == "inconsistent":
            rows.append({**base, "field": "predicate", "printed_value": float(r["index"]), "implied_value": np.nan,
                         "implied_half_width": np.nan, "cause": "real_inconsistency",
                         "note": f"printed {r['predicate']} cannot follow from an index in "
                                 f"[{r['true_low']:.4f}, {r['true_high']:.4f}]"})
    cols = ["institution_id", "institution_name", "year", "source_kind", "field", "printed_value", "implied_value",
            "implied_half_width", "cause", "note", "source_table", "source_row"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------------------------
# national series
# ---------------------------------------------------------------------------------------------



def national_check(national: pd.DataFrame) -> pd.DataFrame:
    """Recompute each national index from the national domain means with its year's framework."""
    _need(national, ["year", "index", "framework"], "national")
    aud = audit_results(national.assign(predicate=pd.NA))
    return aud[["year", "framework", "index", "index_recomputed", "residual", "tolerance", "within_tolerance"]].rename(
        columns={"index": "published_index"})


# ---------------------------------------------------------------------------------------------
# the national-average question
# ---------------------------------------------------------------------------------------------

_CENTRAL = CENTRAL_TYPES
_REGIONAL = REGIONAL_TYPES
#: report groups that are one category or type each (not the national, central or regional totals)
_CATEGORY_GROUPS = tuple(g for g in REPORT_GROUPS if g not in ("nasional", "instansi_pusat", "pemda"))


def national_average_hypotheses(results: pd.DataFrame, published: pd.DataFrame, *, years=(2023, 2024),
                                denominators=(625,)) -> pd.DataFrame:
    """Test candidate explanations of the published national index against the listed institutions.

    ``results``: official per-institution rows (panel columns ``year``, ``institution_type``,
    ``index``, ``D1``…``D4``, ``source_kind``). ``published``: tidy aggregates (columns
    ``year``, ``report_year``, ``group``, ``component``, ``statistic``, ``value``, as from
    ``parse_report_aggregates``), used for the published national index and domain means
    (from the year's *own* report) and the published per-type means.

    One row per hypothesis and year: ``hypothesis``, ``year``, ``predicted_index``,
    ``published_index``, ``difference`` (predicted − published), ``inputs`` (a key of
    :data:`HYPOTHESIS_INPUTS`), ``tolerance``, ``within_tolerance`` (the hypothesis fits), ``n``,
    ``note``. ``within_tolerance`` is |difference| ≤ ``tolerance``. The tolerance is per hypothesis: 0.005 (:data:`FIT_TOLERANCE`) for a prediction
    computed from the listed institutions' indices, 0.01 (``h·(1 + Σw)``, as for a single row)
    for one built from rounded published domain or group means or from one printed value.
    """
    _need(results, ["year", "institution_type", "index", "D1", "D2", "D3", "D4"], "results")
    _need(published, ["year", "group", "component", "statistic", "value"], "published")
    results = _numeric(results, ["year", "index", "D1", "D2", "D3", "D4"], "results")
    published = _numeric(published, ["year", "report_year", "value"], "published")
    rows = []
    for year in checks.years(years):
        fw = framework_for_year(year)
        w = pd.Series(fw.domain_weights, index=fw.domain_codes)
        res = results[(results["year"] == year)]
        if "source_kind" in res.columns:
            res = res[res["source_kind"] == "official_report"]
        res = res[res["index"].notna()]
        if res.empty:
            raise SPBEError(f"no official institution rows for {year}", field="year")
        pub = published[(published["year"] == year) & (published["statistic"] == "mean")]
        own = pub[pub["report_year"] == year] if "report_year" in pub.columns else pub
        nat = own[own["group"] == "nasional"]
        nat = nat.drop_duplicates("component", keep="first").set_index("component")["value"]
        if "index" not in nat.index:
            raise SPBEError(f"no published national index for {year}", field="index")
        p = float(nat["index"])
        x = res["index"].astype(float)
        n, s = len(x), float(x.sum())

        def add(h, pred, note, nn=n, inputs="listed_indices"):
            tol = HALF_UNIT * (1.0 + HYPOTHESIS_INPUTS[inputs])
            rows.append({"hypothesis": h, "year": year, "predicted_index": float(pred), "published_index": p,
                         "difference": float(pred) - p, "inputs": inputs, "tolerance": tol,
                         "within_tolerance": bool(abs(float(pred) - p) <= tol + _EPS), "n": nn, "note": note})

        k_floor = (s - p * n) / (p - 1.0)
        add("plain_mean_of_listed", x.mean(),
            f"mean of the {n} listed institutions; to reach the published value with unlisted institutions "
            f"at the 1.00 floor would take about {k_floor:.1f} of them")
        full = res.dropna(subset=list(fw.domain_codes))
        dm = full[list(fw.domain_codes)].astype(float).mean()
        add("weighted_mean_of_domain_means", float((dm * w).sum()),
            f"domain means of the {len(full)} rows with all four domains printed, then weighted 13/25/16.5/45.5",
            len(full))
        # the national domain means as published, in every report that prints them for this year
        allnat = pub[pub["group"] == "nasional"]
        for ry, g in (allnat.groupby("report_year") if "report_year" in allnat.columns else [(year, allnat)]):
            dmp = g.drop_duplicates("component", keep="first").set_index("component")["value"]
            if set(fw.domain_codes) <= set(dmp.index) and dmp[list(fw.domain_codes)].notna().all():
                pd_ = dmp[list(fw.domain_codes)].astype(float)
                name = ("weighted_published_domain_means" if int(ry) == year
                        else f"weighted_domain_means_as_revised_in_report_{int(ry)}")
                add(name, float((pd_ * w).sum()),
                    f"national domain means printed in the {int(ry)} report (" + "/".join(f"{v:.2f}" for v in pd_) +
                    ") weighted; a fit is internal consistency only: it moves the question to the domain means", n,
                    inputs="published_means")
        for den in denominators:
            add(f"sum_divided_by_{den}", s / den,
                f"sum of the {n} listed indices ({s:.2f}) divided by {den}")
        lo_n, hi_n = s / (p + 0.005), s / (p - 0.005)
        ints = np.arange(int(np.ceil(lo_n)), int(np.floor(hi_n)) + 1)
        add("fitted_denominator", s / ints.mean() if ints.size else np.nan,
            (f"FITTED, not a test: denominators that round to the published value are {ints.min()}-{ints.max()} "
             f"({ints.min() - n}-{ints.max() - n} more than listed)") if ints.size else "no integer denominator fits")
        type_means = res.groupby("institution_type")["index"].mean()
        add("equal_weight_per_type", type_means.mean(),
            f"mean of the {len(type_means)} type means ({', '.join(type_means.index)})")
        pus = res[res["institution_type"].isin(_CENTRAL)]["index"].mean()
        pem = res[res["institution_type"].isin(_REGIONAL)]["index"].mean()
        add("equal_weight_pusat_pemda", (pus + pem) / 2,
            f"mean of Instansi Pusat ({pus:.3f}) and Pemda ({pem:.3f}) means")
        add("pemda_only", pem, "mean of regional governments only")
        add("median_of_listed", x.median(), "median index of the listed institutions", inputs="one_printed_value")
        add("mean_of_indices_truncated_to_1dp", np.floor(x * 10 + _EPS).mean() / 10,
            "each index truncated to one decimal before averaging (a rounding/truncation artefact)")
        add("mean_of_indices_rounded_to_1dp", np.floor(x * 10 + 0.5).mean() / 10,
            "each index rounded to one decimal before averaging")
        gp = own[(own["component"] == "index")].drop_duplicates("group").set_index("group")["value"].astype(float)
        if {"instansi_pusat", "pemda"} <= set(gp.index):
            n_pus = int(res["institution_type"].isin(_CENTRAL).sum())
            n_pem = int(res["institution_type"].isin(_REGIONAL).sum())
            add("count_weighted_published_pusat_pemda", (n_pus * gp["instansi_pusat"] + n_pem * gp["pemda"]) / (n_pus + n_pem),
                f"published Pusat ({gp['instansi_pusat']:.2f}) and Pemda ({gp['pemda']:.2f}) means weighted by the "
                f"listed counts {n_pus}/{n_pem}", inputs="published_means")
        grp = own[own["group"].isin(_CATEGORY_GROUPS) & (own["component"] == "index")]
        if len(grp):
            add("mean_of_published_type_means", grp["value"].astype(float).mean(),
                f"mean of the {len(grp)} published per-category means ({', '.join(grp['group'])})", len(grp),
                inputs="published_means")
    return pd.DataFrame(rows)


def hypothesis_fit_summary(hyp: pd.DataFrame) -> pd.DataFrame:
    """Which national-average hypotheses fit in which years.

    Input: :func:`national_average_hypotheses`. One row per hypothesis (in input order):
    ``n_years`` (years in the table), ``years_tested``, ``years_fit`` (";"-joined),
    ``n_tested``, ``n_fit``, ``tested_every_year`` and ``verdict``: ``fits_every_year`` (tested
    and fitting in every year), ``fits_some_years`` (fits at least one, not all years) or
    ``fits_no_year``.
    """
    _need(hyp, ["hypothesis", "year", "within_tolerance"], "hypotheses")
    if hyp["within_tolerance"].isna().any():
        i = hyp.index[hyp["within_tolerance"].isna()][0]
        raise SPBEError("within_tolerance is missing", row=hyp.loc[i, "hypothesis"], field="within_tolerance")
    bad = ~hyp["within_tolerance"].isin([True, False])
    if bad.any():
        i = hyp.index[bad][0]
        raise SPBEError(f"within_tolerance must be True or False, got {hyp.loc[i, 'within_tolerance']!r}",
                        row=hyp.loc[i, "hypothesis"], field="within_tolerance")
    dup = hyp.duplicated(["hypothesis", "year"])
    if dup.any():
        i = hyp.index[dup][0]
        raise SPBEError(f"hypothesis listed twice for year {hyp.loc[i, 'year']}", row=hyp.loc[i, "hypothesis"],
                        field="year")
    n_years = hyp["year"].nunique()
    h = hyp.assign(fits=hyp["within_tolerance"].astype(bool),
                   year=checks.numeric_column(hyp["year"], field="year", what="year").astype(int))
    g = h.sort_values("year").groupby("hypothesis", sort=False)
    out = pd.DataFrame({
        "n_years": n_years,
        "years_tested": g["year"].agg(lambda y: ";".join(map(str, y))),
        "years_fit": g.apply(lambda d: ";".join(map(str, d.loc[d["fits"], "year"])), include_groups=False),
        "n_tested": g["year"].size(),
        "n_fit": g["fits"].sum().astype(int),
    })
    out["tested_every_year"] = out["n_tested"] == n_years
    out["verdict"] = np.where(out["tested_every_year"] & (out["n_fit"] == n_years), "fits_every_year",
                              np.where(out["n_fit"] > 0, "fits_some_years", "fits_no_year"))
    order = list(dict.fromkeys(hyp["hypothesis"]))
    return out.reindex(order).rename_axis("hypothesis").reset_index()


def group_mean_check(results: pd.DataFrame, published: pd.DataFrame, *, years=(2023, 2024),
                     components=("index", "D1", "D2", "D3", "D4")) -> pd.DataFrame:
    """Do the plain means of the listed institutions reproduce each published group mean?

    One row per year, group and component: ``n`` (rows with that value), ``mean_listed``,
    ``published``, ``difference`` (listed − published), ``tolerance`` (:data:`FIT_TOLERANCE`) and
    ``within_tolerance`` (|difference| ≤ ``tolerance``). Groups are those of
    :data:`spbe_research.vocabulary.GROUP_TYPES` that the panel's types can separate. Published values
    come from the year's own report (first table that prints the group), as from
    ``parse_report_aggregates``.
    """
    _need(results, ["year", "institution_type", *components], "results")
    _need(published, ["year", "group", "component", "statistic", "value"], "published")
    results = _numeric(results, ["year", *components], "results")
    published = _numeric(published, ["year", "report_year", "value"], "published")
    rows = []
    for year in checks.years(years):
        res = results[results["year"] == year]
        if "source_kind" in res.columns:
            res = res[res["source_kind"] == "official_report"]
        pub = published[(published["year"] == year) & (published["statistic"] == "mean")]
        if "report_year" in pub.columns:
            pub = pub[pub["report_year"] == year]
        pub = pub.drop_duplicates(["group", "component"], keep="first").set_index(["group", "component"])["value"]
        for group, types in GROUP_TYPES.items():
            if types is None:  # a group the panel's types cannot separate
                continue
            sub = res[res["institution_type"].isin(types)]
            for comp in components:
                if (group, comp) not in pub.index or sub.empty:
                    continue
                vals = sub[comp].astype(float).dropna()
                m, p = float(vals.mean()), float(pub[(group, comp)])
                rows.append({"year": year, "group": group, "component": comp, "n": len(vals), "mean_listed": m,
                             "published": p, "difference": m - p, "tolerance": FIT_TOLERANCE,
                             "within_tolerance": bool(abs(m - p) <= FIT_TOLERANCE + _EPS)})
    return pd.DataFrame(rows)
