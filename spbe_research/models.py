"""What goes with a high SPBE score: regressions of the index on region covariates.

The unit is a local government (kabupaten or kota) in one evaluation year; the outcome is its published
SPBE index (or one domain, D1…D4); the covariates are those of :mod:`spbe_research.covariates`. The
SPBE evaluation is close to a census of local governments, so these are **associations in a census of
institutions**, not causal effects, and not a sample from a wider population: standard errors measure
how precisely the linear summary is pinned down given the spread of the data.

Models (every fit returns a small frozen dataclass with ``.to_frame()``; tables are tidy, pingouin style)

* :func:`ols` — OLS with heteroskedasticity-robust **HC3** errors (t reference distribution). Each
  coefficient row gives the estimate in the variables' own units (``estimate``, ``se``, ``ci95_*``)
  and the **standardized coefficient** ``beta`` (with its CI): the *continuous* predictors
  (:data:`CONTINUOUS`: log GRDP per capita, IPM, log population, log density) and the *outcome* are
  z-scored on the estimation sample (mean 0, SD 1, ``ddof=1``); the 0/1 indicators (``kota``, island
  group) are not, so their ``beta`` is the difference in outcome SDs. HC3 t-statistics do not change
  with this rescaling, so one ``p_val`` serves both. Diagnostics: per-observation fitted values,
  studentized residuals, leverage and Cook's distance (``influential``: D > 4/n); (generalized)
  variance inflation factors.
* :func:`province_fixed_effects` — the same regression with one intercept per province (island group is
  then absorbed): what the covariates say *within* provinces.
* :func:`mixed` — random intercepts for provinces (MixedLM, REML): kabupaten/kota nested in provinces.
* :func:`icc` — the intra-class correlation of the null model: how much of the variation lies
  between provinces.
* :func:`compare_models` — the covariates' standardized coefficients in the three models side by side.
* :func:`change_frame` — the 2023 → 2024 change on the same covariates (who improves, not who is high).
* :func:`sensitivity` — the main model refitted without Papua, weighted for the low evaluation coverage
  of some provinces, and with IPM replaced (previous year, its components, left out).
* :func:`partial_dependence` — predicted index along one covariate, the others held at their means.

Kept fast: every fit here takes milliseconds (a mixed model well under a second).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from .compare import ISLAND_GROUP_ORDER, LOCAL_TYPES, province_coverage, select_source
from .errors import SPBEError

__all__ = [
    "CONTINUOUS", "INDICATORS", "DEFAULT_PREDICTORS", "OUTCOMES", "REFERENCE_ISLAND",
    "TERM_LABELS", "COEF_COLUMNS",
    "OLSResult", "MixedResult",
    "model_frame", "change_frame", "ols", "province_fixed_effects", "mixed", "icc", "compare_models",
    "fit_outcomes", "sensitivity", "partial_dependence", "province_residuals", "vif", "selection",
]

#: continuous predictors (z-scored for ``beta``).
CONTINUOUS = ("log_grdp_pc", "ipm", "log_population", "log_density")
#: 0/1 predictors (never z-scored).
INDICATORS = ("kota",)
#: the main model's predictors; ``island_group`` enters as indicators against :data:`REFERENCE_ISLAND`.
DEFAULT_PREDICTORS = CONTINUOUS + INDICATORS + ("island_group",)
REFERENCE_ISLAND = "Jawa"
#: outcomes of :func:`fit_outcomes`: the index and the four domains of PermenPANRB 59/2020.
OUTCOMES = ("index", "D1", "D2", "D3", "D4")

TERM_LABELS = {
    "log_grdp_pc": "log GRDP per capita",
    "ipm": "IPM (human development)",
    "log_population": "log population",
    "log_density": "log density",
    "kota": "kota (vs kabupaten)",
    "index_2023": "2023 index",
    "mean_schooling_years": "mean years of schooling (25+)",
    "life_expectancy_years": "life expectancy",
    "expected_schooling_years": "expected years of schooling",
    "poverty_rate_pct": "poverty rate 2021 (%)",
}
#: columns of every coefficient table.
COEF_COLUMNS = ("model", "outcome", "year", "term", "label", "n", "estimate", "se", "statistic", "dof", "p_val",
                "ci95_low", "ci95_high", "beta", "beta_ci95_low", "beta_ci95_high")

_ID = ["institution_id", "institution_name", "institution_type", "province_code", "province_name", "island_group"]


# --------------------------------------------------------------------------- data


def _static_year(cov: pd.DataFrame, col: str) -> int:
    years = sorted(cov.loc[cov[col].notna(), "year"].unique())
    if len(years) != 1:
        raise SPBEError(f"expected {col!r} in exactly one year of the covariates, found {years}", field=col)
    return int(years[0])


def model_frame(results: pd.DataFrame, covariates: pd.DataFrame, year: int, *, types=LOCAL_TYPES,
                ipm_year: int | None = None, source_kind: str = "official_report") -> pd.DataFrame:
    """One row per evaluated region of ``types`` in ``year`` with its scores and covariates.

    Time-varying covariates (IPM and components, GRDP per capita) are taken from ``year`` (IPM from
    ``ipm_year`` if given); population, area and density exist only for December 2024 and are used for
    every year (``static_year``); the 2021 cross-section (poverty rate) for every year as well. Adds
    ``log_grdp_pc`` (ln thousand Rp), ``log_population``, ``log_density`` (ln persons/km²), ``kota``
    (1 = kota). Rows are never dropped here: ``missing`` names what a row lacks (e.g. ``ipm`` for the
    six Central Java kabupaten without a 2023 IPM row) and ``covariate_flags`` carries the covariates'
    quality flags.
    """
    df = select_source(results, source_kind)
    df = df[(df["year"] == year) & df["institution_type"].isin(types)]
    if df.empty:
        raise SPBEError(f"no {'/'.join(types)} rows in {year}", field="year")
    need = {"institution_id", "year", "ipm", "grdp_per_capita_thousand_idr", "population", "density_per_km2"}
    missing_cols = sorted(need - set(covariates.columns))
    if missing_cols:
        raise SPBEError(f"covariates lack column(s) {missing_cols}", field=missing_cols[0])
    cov = covariates.copy()
    cov["institution_id"] = cov["institution_id"].astype(str)
    static = _static_year(cov, "population")
    ipm_year = year if ipm_year is None else ipm_year

    def take(y, cols):
        sub = cov[cov["year"] == y].set_index("institution_id")
        return sub[[c for c in cols if c in sub.columns] + ["quality_flags"]]

    ipm_cols = ["ipm", "life_expectancy_years", "expected_schooling_years", "mean_schooling_years",
                "expenditure_per_capita_thousand_idr"]
    parts = [take(ipm_year, ipm_cols), take(year, ["grdp_per_capita_thousand_idr"]),
             take(static, ["population", "area_km2", "density_per_km2"]), take(2021, ["poverty_rate_pct"])]
    out = df[_ID + ["year", "index", "D1", "D2", "D3", "D4"]].reset_index(drop=True)
    flags = pd.Series("", index=out.index, dtype=object)
    for p in parts:
        j = p.reindex(out["institution_id"].astype(str))
        for c in p.columns[:-1]:
            out[c] = pd.to_numeric(j[c], errors="coerce").to_numpy(dtype=float)
        f = j["quality_flags"].fillna("").astype(str).to_numpy()
        flags = (flags + ";" + f).str.strip(";")
    out["covariate_flags"] = [";".join(dict.fromkeys(f for f in x.split(";") if f)) for x in flags]
    for c in ("index", "D1", "D2", "D3", "D4"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_grdp_pc"] = np.log(out["grdp_per_capita_thousand_idr"])
        out["log_population"] = np.log(out["population"])
        out["log_density"] = np.log(out["density_per_km2"])
    out["kota"] = (out["institution_type"] == "kota").astype(int)
    out["static_year"] = static
    out["ipm_year"] = ipm_year
    core = ["ipm", "grdp_per_capita_thousand_idr", "population", "density_per_km2"]
    out["missing"] = [";".join(c for c, v in zip(core, row) if not np.isfinite(v)) for row in out[core].to_numpy()]
    return out.sort_values("institution_id", kind="stable", ignore_index=True)


def selection(results: pd.DataFrame, covariates: pd.DataFrame, year: int, *, types=LOCAL_TYPES,
              source_kind: str = "official_report") -> pd.DataFrame:
    """Are the evaluated kabupaten/kota different from those not evaluated in ``year``? One row per covariate.

    Compares the autonomous regions of ``types`` (Jakarta's administrative units excluded) with and without
    an official score: ``n_evaluated``, ``n_not_evaluated``, both medians, Mann–Whitney ``statistic`` (U of
    the evaluated), ``p_val`` and ``rank_biserial`` (positive: evaluated regions tend to be higher).
    Covariates as in :func:`model_frame` (IPM and GRDP of ``year``, population and density of Dec 2024).
    """
    from .registry import NON_AUTONOMOUS_IDS

    df = select_source(results, source_kind)
    evaluated = set(df.loc[(df["year"] == year) & df["institution_type"].isin(types), "institution_id"].astype(str))
    cov = covariates.copy()
    cov["institution_id"] = cov["institution_id"].astype(str)
    regions = cov[cov["institution_type"].isin(types) & ~cov["institution_id"].isin(NON_AUTONOMOUS_IDS)]
    static = _static_year(cov, "population")
    cols = {"ipm": year, "grdp_per_capita_thousand_idr": year, "population": static, "density_per_km2": static}
    rows = []
    for col, y in cols.items():
        sub = regions[regions["year"] == y].dropna(subset=[col])
        ev = sub["institution_id"].isin(evaluated).to_numpy()
        a, b = sub.loc[ev, col].astype(float), sub.loc[~ev, col].astype(float)
        if len(a) and len(b):
            u = _st.mannwhitneyu(a, b, alternative="two-sided")
            stat, p, rb = float(u.statistic), float(u.pvalue), 2 * float(u.statistic) / (len(a) * len(b)) - 1
        else:
            stat = p = rb = np.nan
        rows.append({"covariate": col, "year": y, "n_evaluated": len(a), "n_not_evaluated": len(b),
                     "median_evaluated": a.median(), "median_not_evaluated": b.median(), "statistic": stat,
                     "p_val": p, "rank_biserial": rb})
    return pd.DataFrame(rows)


def change_frame(results: pd.DataFrame, covariates: pd.DataFrame, year_from: int = 2023, year_to: int = 2024,
                 **kwargs) -> pd.DataFrame:
    """The regions evaluated in both years: covariates of ``year_from``, ``change`` = index(to) − index(from).

    Also ``index_<year_from>``, ``index_<year_to>`` and the domain changes ``change_D1``…``change_D4``.
    """
    a = model_frame(results, covariates, year_from, **kwargs)
    b = model_frame(results, covariates, year_to, **kwargs)[["institution_id", "index", "D1", "D2", "D3", "D4"]]
    m = a.merge(b, on="institution_id", how="inner", suffixes=("", "_to"), validate="one_to_one")
    m[f"index_{year_from}"] = m["index"]
    m[f"index_{year_to}"] = m["index_to"]
    m["change"] = m["index_to"] - m["index"]
    for d in ("D1", "D2", "D3", "D4"):
        m[f"change_{d}"] = m[f"{d}_to"] - m[d]
    return m.drop(columns=["index_to", "D1_to", "D2_to", "D3_to", "D4_to"])


# --------------------------------------------------------------------------- design


def _check_columns(frame: pd.DataFrame, cols) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise SPBEError(f"model frame lacks column(s) {missing}", field=missing[0])


def _complete(frame: pd.DataFrame, outcome: str, predictors, extra=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with every variable present, and the dropped rows with the reason."""
    cols = [outcome, *[p for p in predictors if p != "island_group"], *extra]
    _check_columns(frame, cols + (["island_group"] if "island_group" in predictors else []))
    num = frame[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    ok = np.isfinite(num.to_numpy()).all(axis=1)
    if "island_group" in predictors:
        ok &= frame["island_group"].notna().to_numpy()
    dropped = frame.loc[~ok, [c for c in ("institution_id", "institution_name", "province_name") if c in frame]]
    dropped = dropped.assign(reason=["missing " + ", ".join(c for c, v in zip(cols, row) if not np.isfinite(v))
                                     for row in num[~ok].to_numpy()])
    return frame.loc[ok].reset_index(drop=True), dropped.reset_index(drop=True)


def _design(data: pd.DataFrame, predictors, *, fixed_effects: str | None = None) -> pd.DataFrame:
    """Design matrix with readable column names: const, continuous/indicator columns, island_group[...]."""
    X = pd.DataFrame({"const": np.ones(len(data))}, index=data.index)
    for p in predictors:
        if p == "island_group":
            levels = [g for g in ISLAND_GROUP_ORDER if g != REFERENCE_ISLAND and (data["island_group"] == g).any()]
            if not (data["island_group"] == REFERENCE_ISLAND).any():
                raise SPBEError(f"no {REFERENCE_ISLAND} rows: the island-group reference is missing", field=p)
            for g in levels:
                X[f"island_group[{g}]"] = (data["island_group"] == g).astype(float)
        else:
            X[p] = data[p].astype(float)
    if fixed_effects is not None:
        codes = sorted(data[fixed_effects].astype(str).unique())
        for c in codes[1:]:
            X[f"{fixed_effects}[{c}]"] = (data[fixed_effects].astype(str) == c).astype(float)
    return X


def _zscore(data: pd.DataFrame, cols) -> tuple[pd.DataFrame, dict]:
    z = data.copy()
    scales = {}
    for c in cols:
        mu, sd = float(data[c].mean()), float(data[c].std(ddof=1))
        if not sd > 0:
            raise SPBEError(f"{c!r} has no variation in the estimation sample", field=c)
        z[c] = (data[c] - mu) / sd
        scales[c] = (mu, sd)
    return z, scales


def _label(term: str) -> str:
    if term.startswith("island_group["):
        return f"{term[13:-1]} (vs {REFERENCE_ISLAND})"
    return TERM_LABELS.get(term, term)


def vif(X: pd.DataFrame, terms=None) -> pd.DataFrame:
    """(Generalized) variance inflation factors of the design's terms (Fox & Monette 1992).

    A term may span several columns (island group): ``gvif`` = det(R₁₁)·det(R₂₂)/det(R) on the
    correlation matrix of the non-constant columns, ``df`` its number of columns and
    ``gvif_adj`` = gvif^(1/(2·df)), comparable with √VIF of a one-column term. For one column
    ``gvif`` is the ordinary VIF.
    """
    cols = [c for c in X.columns if c != "const" and X[c].std() > 0]
    R = np.corrcoef(X[cols].to_numpy(), rowvar=False)
    det = np.linalg.det(R)
    if terms is None:
        terms = {}
        for c in cols:
            terms.setdefault(c.split("[")[0], []).append(c)
    rows = []
    for term, members in terms.items():
        idx = [cols.index(c) for c in members if c in cols]
        rest = [i for i in range(len(cols)) if i not in idx]
        g = np.linalg.det(R[np.ix_(idx, idx)]) * (np.linalg.det(R[np.ix_(rest, rest)]) if rest else 1.0) / det
        rows.append({"term": term, "label": TERM_LABELS.get(term, term), "df": len(idx), "gvif": float(g),
                     "gvif_adj": float(g ** (1 / (2 * len(idx))))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- OLS


def _influence(X: np.ndarray, resid: np.ndarray, w: np.ndarray):
    """Leverage, externally studentized residuals and Cook's distance in closed form (no refits)."""
    sw = np.sqrt(w)
    Q, _ = np.linalg.qr(X * sw[:, None])
    h = (Q ** 2).sum(axis=1)
    e = resid * sw
    n, p = X.shape
    s2 = (e ** 2).sum() / (n - p)
    r = e / np.sqrt(s2 * (1 - h))  # internally studentized
    t = r * np.sqrt((n - p - 1) / np.maximum(n - p - r ** 2, 1e-12))
    cooks = r ** 2 * h / (p * (1 - h))
    return h, t, cooks


@dataclass(frozen=True)
class OLSResult:
    """A fitted OLS (HC3) model: tidy coefficients, fit statistics, diagnostics.

    ``coefficients`` (:data:`COEF_COLUMNS`), ``fit_stats`` (one row), ``observations`` (one row per
    region: fitted, residual, studentized residual, leverage, Cook's distance, ``influential``),
    ``vif``, ``dropped`` (rows left out, with the reason), ``scales`` (mean and SD used for z-scores),
    ``fit`` (the raw-scale statsmodels results, for further use).
    """

    model: str
    outcome: str
    year: int | None
    coefficients: pd.DataFrame
    fit_stats: pd.DataFrame
    observations: pd.DataFrame
    vif: pd.DataFrame
    dropped: pd.DataFrame
    scales: dict = field(repr=False)
    fit: object = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def _year_of(frame: pd.DataFrame):
    if "year" in frame.columns and frame["year"].nunique() == 1:
        return int(frame["year"].iloc[0])
    return None


def _scaled(predictors, outcome) -> list[str]:
    """Columns z-scored for ``beta``: every predictor except 0/1 indicators and island group, and the outcome."""
    return [p for p in predictors if p not in INDICATORS and p != "island_group"] + [outcome]


def _coef_table(model, outcome, year, n, fit_raw, fit_z, keep, conf=0.95) -> pd.DataFrame:
    ci = fit_raw.conf_int(alpha=1 - conf)
    ciz = fit_z.conf_int(alpha=1 - conf)
    names = [t for t in fit_raw.params.index if t != "const" and keep(t)]
    dof = getattr(fit_raw, "df_resid", np.nan)
    return pd.DataFrame({
        "model": model, "outcome": outcome, "year": year, "term": names, "label": [_label(t) for t in names],
        "n": n, "estimate": fit_raw.params[names].to_numpy(), "se": fit_raw.bse[names].to_numpy(),
        "statistic": fit_raw.tvalues[names].to_numpy(), "dof": dof, "p_val": fit_raw.pvalues[names].to_numpy(),
        "ci95_low": ci.loc[names, 0].to_numpy(), "ci95_high": ci.loc[names, 1].to_numpy(),
        "beta": fit_z.params[names].to_numpy(), "beta_ci95_low": ciz.loc[names, 0].to_numpy(),
        "beta_ci95_high": ciz.loc[names, 1].to_numpy(),
    }, columns=list(COEF_COLUMNS))


def ols(frame: pd.DataFrame, outcome: str = "index", predictors=DEFAULT_PREDICTORS, *, weights: str | None = None,
        fixed_effects: str | None = None, model: str | None = None) -> OLSResult:
    """OLS of ``outcome`` on ``predictors`` with HC3 errors, standardized coefficients and diagnostics.

    ``frame``: :func:`model_frame` (or :func:`change_frame`) output; rows missing any variable are left
    out and listed in ``dropped``. ``weights``: a column of analytic weights (weighted least squares,
    e.g. inverse evaluation coverage). ``fixed_effects``: a column (``"province_code"``) whose levels
    get their own intercepts; their coefficients are not reported, only the covariates'.
    """
    import statsmodels.api as sm

    predictors = tuple(predictors)
    extra = ((weights,) if weights else ())
    data, dropped = _complete(frame, outcome, predictors, extra)
    if fixed_effects is not None:
        _check_columns(data, [fixed_effects])
    n = len(data)
    z_cols = _scaled(predictors, outcome)
    X = _design(data, predictors, fixed_effects=fixed_effects)
    if n <= X.shape[1] + 1:
        raise SPBEError(f"{n} complete rows for {X.shape[1]} parameters", field=outcome)
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise SPBEError("design matrix is rank deficient (a predictor is constant or collinear)", field=outcome)
    y = data[outcome].astype(float)
    zdata, scales = _zscore(data, z_cols)
    Xz = _design(zdata, predictors, fixed_effects=fixed_effects)
    if weights:
        w = data[weights].astype(float)
        if (w <= 0).any():
            raise SPBEError("weights must be positive", field=weights)
        fit = sm.WLS(y, X, weights=w).fit(cov_type="HC3", use_t=True)
        fit_z = sm.WLS(zdata[outcome], Xz, weights=w).fit(cov_type="HC3", use_t=True)
    else:
        fit = sm.OLS(y, X).fit(cov_type="HC3", use_t=True)
        fit_z = sm.OLS(zdata[outcome], Xz).fit(cov_type="HC3", use_t=True)
    name = model or ("province_fe_hc3" if fixed_effects else ("wls_hc3" if weights else "ols_hc3"))
    year = _year_of(data)
    keep = (lambda t: not t.startswith(f"{fixed_effects}[")) if fixed_effects else (lambda t: True)
    coefs = _coef_table(name, outcome, year, n, fit, fit_z, keep)
    w = data[weights].astype(float).to_numpy() if weights else np.ones(n)
    lev, stud, cooks = _influence(X.to_numpy(), fit.resid.to_numpy(), w)
    obs = data[[c for c in _ID if c in data.columns]].copy()
    obs["observed"] = y.to_numpy()
    obs["fitted"] = fit.fittedvalues.to_numpy()
    obs["residual"] = fit.resid.to_numpy()
    obs["studentized_residual"] = stud
    obs["leverage"] = lev
    obs["cooks_d"] = cooks
    obs["influential"] = cooks > 4 / n
    non_fe = [c for c in X.columns if not (fixed_effects and c.startswith(f"{fixed_effects}["))]
    v = vif(X[non_fe])
    slopes = [c for c in X.columns if c != "const"]
    wald = fit.f_test(np.eye(X.shape[1])[[X.columns.get_loc(c) for c in slopes]])
    stats = pd.DataFrame([{
        "model": name, "outcome": outcome, "year": year, "n": n, "k": X.shape[1], "r2": fit.rsquared,
        "adj_r2": fit.rsquared_adj, "f_robust": float(np.squeeze(wald.fvalue)), "f_p_val": float(wald.pvalue),
        "aic": fit.aic, "bic": fit.bic, "max_gvif_adj": float(v["gvif_adj"].max()) if len(v) else np.nan,
        "n_influential": int((cooks > 4 / n).sum()), "n_dropped": len(dropped),
    }])
    return OLSResult(model=name, outcome=outcome, year=year, coefficients=coefs, fit_stats=stats, observations=obs,
                     vif=v, dropped=dropped, scales=scales, fit=fit)


def province_fixed_effects(frame: pd.DataFrame, outcome: str = "index", predictors=DEFAULT_PREDICTORS) -> OLSResult:
    """:func:`ols` with province intercepts (``province_code``); island group is dropped (a province is in one)."""
    preds = tuple(p for p in predictors if p != "island_group")
    return ols(frame, outcome, preds, fixed_effects="province_code")


def fit_outcomes(frames: dict, outcomes=OUTCOMES, predictors=DEFAULT_PREDICTORS) -> pd.DataFrame:
    """Coefficients of :func:`ols` for every outcome (index and domains) and every frame (e.g. ``{2023: f23}``),
    stacked, with ``p_holm``: Holm-adjusted within each outcome × year across its terms."""
    from .compare import holm

    parts = []
    for _key, fr in frames.items():
        for out in outcomes:
            c = ols(fr, out, predictors).coefficients
            c["p_holm"] = holm(c["p_val"].to_numpy())
            parts.append(c)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- multilevel


@dataclass(frozen=True)
class MixedResult:
    """Random-intercept model (provinces): fixed effects, variance components, province intercepts.

    ``coefficients`` (:data:`COEF_COLUMNS`; ``statistic`` is z), ``variance`` (one row: ``tau2`` between
    provinces, ``sigma2`` within, ``icc_residual`` = tau2/(tau2+sigma2) after the covariates, the null
    model's ``tau2_null``, ``sigma2_null``, ``icc_null`` on the same rows, and the proportional reductions
    ``r2_between`` = 1 − tau2/tau2_null and ``r2_within`` = 1 − sigma2/sigma2_null (Raudenbush & Bryk),
    ``n``, ``n_groups``, ``converged``), ``random_effects`` (one row per province: predicted intercept
    (BLUP), n), ``warnings`` (messages statsmodels raised while fitting, kept rather than printed).
    """

    outcome: str
    year: int | None
    coefficients: pd.DataFrame
    variance: pd.DataFrame
    random_effects: pd.DataFrame
    warnings: tuple
    fit: object = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def _fit_mixed(y, X, groups, reml=True):
    import statsmodels.api as sm

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.MixedLM(y, X, groups=groups).fit(reml=reml)
    msgs = tuple(sorted({str(w.message).splitlines()[0] for w in caught}))
    return fit, msgs


def mixed(frame: pd.DataFrame, outcome: str = "index", predictors=DEFAULT_PREDICTORS,
          group: str = "province_code") -> MixedResult:
    """Linear mixed model with a random intercept per ``group`` (REML); fixed effects as in :func:`ols`."""
    predictors = tuple(predictors)
    data, _ = _complete(frame, outcome, predictors)
    _check_columns(data, [group])
    z_cols = _scaled(predictors, outcome)
    X = _design(data, predictors)
    zdata, _scales = _zscore(data, z_cols)
    Xz = _design(zdata, predictors)
    g = data[group].astype(str).to_numpy()
    fit, msgs = _fit_mixed(data[outcome].astype(float), X, g)
    fit_z, msgs_z = _fit_mixed(zdata[outcome].astype(float), Xz, g)
    year = _year_of(data)
    names = [c for c in X.columns if c != "const"]
    ci, ciz = fit.conf_int(), fit_z.conf_int()
    coefs = pd.DataFrame({
        "model": "mixed_reml", "outcome": outcome, "year": year, "term": names, "label": [_label(t) for t in names],
        "n": len(data), "estimate": fit.fe_params[names].to_numpy(), "se": fit.bse_fe[names].to_numpy(),
        "statistic": fit.tvalues[names].to_numpy(), "dof": np.nan, "p_val": fit.pvalues[names].to_numpy(),
        "ci95_low": ci.loc[names, 0].to_numpy(), "ci95_high": ci.loc[names, 1].to_numpy(),
        "beta": fit_z.fe_params[names].to_numpy(), "beta_ci95_low": ciz.loc[names, 0].to_numpy(),
        "beta_ci95_high": ciz.loc[names, 1].to_numpy(),
    }, columns=list(COEF_COLUMNS))
    null, msgs_0 = _fit_mixed(data[outcome].astype(float), np.ones((len(data), 1)), g)
    tau2, sigma2 = float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)
    tau2_0, sigma2_0 = float(np.asarray(null.cov_re)[0, 0]), float(null.scale)
    variance = pd.DataFrame([{"model": "mixed_reml", "outcome": outcome, "year": year, "n": len(data),
                              "n_groups": len(set(g)), "tau2": tau2, "sigma2": sigma2,
                              "icc_residual": tau2 / (tau2 + sigma2), "tau2_null": tau2_0, "sigma2_null": sigma2_0,
                              "icc_null": tau2_0 / (tau2_0 + sigma2_0),
                              "r2_between": 1 - tau2 / tau2_0 if tau2_0 > 0 else np.nan,
                              "r2_within": 1 - sigma2 / sigma2_0, "converged": bool(fit.converged and null.converged),
                              "llf_reml": float(fit.llf)}])
    re = pd.DataFrame({group: list(fit.random_effects),
                       "random_intercept": [float(np.asarray(v)[0]) for v in fit.random_effects.values()]})
    re["n"] = re[group].map(pd.Series(g).value_counts()).astype(int)
    if "province_name" in data.columns and group == "province_code":
        re["province_name"] = re[group].map(dict(zip(data[group].astype(str), data["province_name"])))
    re = re.sort_values(group, ignore_index=True)
    return MixedResult(outcome=outcome, year=year, coefficients=coefs, variance=variance, random_effects=re,
                       warnings=tuple(sorted(set(msgs + msgs_z + msgs_0))), fit=fit)


def icc(frame: pd.DataFrame, outcome: str = "index", group: str = "province_code", conf: float = 0.95) -> pd.DataFrame:
    """Intra-class correlation of ``outcome`` within ``group`` (null model): the share of variance between groups.

    One row: ``icc`` — ICC(1) from the one-way ANOVA with the unequal-group-size correction n₀, its
    ``ci95_low``/``ci95_high`` from the F distribution (Searle 1971; approximate for unequal sizes),
    ``statistic`` = F and ``p_val`` of the between-group test; ``icc_reml`` — the same quantity from a
    random-intercept null model (REML), ``tau2_reml``, ``sigma2_reml``.
    """
    _check_columns(frame, [outcome, group])
    d = frame[[outcome, group]].dropna()
    y = d[outcome].astype(float).to_numpy()
    g = d[group].astype(str).to_numpy()
    codes, inv = np.unique(g, return_inverse=True)
    k, N = len(codes), len(y)
    if k < 3 or N <= k:
        raise SPBEError(f"need at least 3 groups and more rows than groups (got {k} groups, {N} rows)", field=group)
    n_i = np.bincount(inv)
    means = np.bincount(inv, weights=y) / n_i
    ssb = float((n_i * (means - y.mean()) ** 2).sum())
    ssw = float(((y - means[inv]) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (N - k)
    n0 = (N - (n_i ** 2).sum() / N) / (k - 1)
    icc1 = (msb - msw) / (msb + (n0 - 1) * msw)
    F = msb / msw
    a = 1 - conf
    fl = F / _st.f.ppf(1 - a / 2, k - 1, N - k)
    fu = F * _st.f.ppf(1 - a / 2, N - k, k - 1)
    lo, hi = (fl - 1) / (fl + n0 - 1), (fu - 1) / (fu + n0 - 1)
    fit, msgs = _fit_mixed(y, np.ones((N, 1)), g)
    tau2, sigma2 = float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)
    return pd.DataFrame([{
        "test": "ICC(1)", "outcome": outcome, "year": _year_of(frame), "group": group, "n": N, "n_groups": k,
        "statistic": F, "dof1": k - 1, "dof2": N - k, "p_val": float(_st.f.sf(F, k - 1, N - k)), "icc": icc1,
        "ci95_low": lo, "ci95_high": hi, "icc_reml": tau2 / (tau2 + sigma2), "tau2_reml": tau2,
        "sigma2_reml": sigma2, "converged": bool(fit.converged),
    }])


def compare_models(frame: pd.DataFrame, outcome: str = "index", predictors=DEFAULT_PREDICTORS) -> pd.DataFrame:
    """Pooled OLS, province fixed effects and province random intercepts: the covariates' coefficients side by side.

    Rows of :data:`COEF_COLUMNS` (``model`` = ``ols_hc3``, ``province_fe_hc3``, ``mixed_reml``) for the terms
    the three models share (the covariates and ``kota``; island group is absorbed by the province effects).
    Pooled OLS uses variation between and within provinces, the fixed-effects model only within; the random
    intercepts sit in between, weighting the two by how much the provinces differ.
    """
    a = ols(frame, outcome, predictors)
    b = province_fixed_effects(frame, outcome, predictors)
    c = mixed(frame, outcome, predictors)
    common = [t for t in b.coefficients["term"] if t in set(a.coefficients["term"])]
    out = pd.concat([x[x["term"].isin(common)] for x in (a.coefficients, b.coefficients, c.coefficients)],
                    ignore_index=True)
    return out


# --------------------------------------------------------------------------- sensitivity


def sensitivity(results: pd.DataFrame, covariates: pd.DataFrame, year: int, outcome: str = "index",
                min_coverage: float = 0.8) -> pd.DataFrame:
    """The main model (:func:`ols`, standardized) under alternative samples and IPM choices; tidy rows.

    Variants (``variant``):

    * ``main`` — all kabupaten/kota evaluated in ``year``;
    * ``without_papua`` — the six Papua provinces left out (their evaluation coverage is low, see
      :func:`spbe_research.compare.province_coverage`, and their covariates extreme);
    * ``coverage_at_least_<p>`` — only provinces where at least ``min_coverage`` of the kabupaten/kota
      were evaluated;
    * ``coverage_weighted`` — WLS with weight 1/coverage, so each province's evaluated units stand for
      its unevaluated ones;
    * ``ipm_previous_year`` — IPM of ``year − 1`` (same BPS series; also fills the six 2023 gaps);
    * ``ipm_components`` — IPM replaced by its non-income components (mean and expected schooling, life
      expectancy): the income component overlaps GRDP per capita;
    * ``without_ipm`` — IPM left out.

    The newer BPS IPM series (Long Form SP2020) is not in the data, so the series itself cannot be swapped;
    the IPM variants show how much the finding rests on which IPM figure is used.
    """
    base = model_frame(results, covariates, year)
    variants = {"main": (base, DEFAULT_PREDICTORS, None)}
    variants["without_papua"] = (base[base["island_group"] != "Papua"], DEFAULT_PREDICTORS, None)
    cov = province_coverage(results)
    share = cov[cov["year"] == year].set_index("province_code")["share_evaluated"]
    keep = base["province_code"].astype(str).map(share) >= min_coverage
    variants[f"coverage_at_least_{min_coverage:g}"] = (base[keep.to_numpy()], DEFAULT_PREDICTORS, None)
    weighted = base.assign(coverage_weight=1.0 / base["province_code"].astype(str).map(share).astype(float))
    variants["coverage_weighted"] = (weighted, DEFAULT_PREDICTORS, "coverage_weight")
    prev = model_frame(results, covariates, year, ipm_year=year - 1)
    variants["ipm_previous_year"] = (prev, DEFAULT_PREDICTORS, None)
    comp = tuple(p for p in DEFAULT_PREDICTORS if p != "ipm")
    variants["ipm_components"] = (base, comp[:1] + ("mean_schooling_years", "expected_schooling_years",
                                                    "life_expectancy_years") + comp[1:], None)
    variants["without_ipm"] = (base, comp, None)
    parts = []
    for name, (fr, preds, w) in variants.items():
        r = ols(fr, outcome, preds, weights=w)
        c = r.coefficients.copy()
        c.insert(0, "variant", name)
        c["r2"] = float(r.fit_stats["r2"].iloc[0])
        parts.append(c)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- reading the fits


def partial_dependence(result: OLSResult, variable: str, grid=None, n: int = 40, conf: float = 0.95) -> pd.DataFrame:
    """Predicted outcome along ``variable`` with the other predictors held at their sample means (raw scale).

    For a linear model this equals Friedman's partial dependence (the average prediction over the data
    with ``variable`` set to each grid value). The CI uses the model's HC3 covariance. ``grid`` defaults
    to ``n`` points between the observed minimum and maximum. Columns: ``variable``, ``value``,
    ``value_original`` (exp(value) for the ``log_`` predictors: thousand Rp, persons, persons/km²),
    ``predicted``, ``ci95_low``, ``ci95_high``.
    """
    fit = result.fit
    names = list(fit.model.exog_names)
    if variable not in names:
        raise SPBEError(f"{variable!r} is not a predictor of this model ({names[1:]})", field=variable)
    exog = np.asarray(fit.model.exog)
    j = names.index(variable)
    if grid is None:
        grid = np.linspace(exog[:, j].min(), exog[:, j].max(), n)
    grid = np.asarray(grid, dtype=float)
    C = np.tile(exog.mean(axis=0), (len(grid), 1))
    C[:, j] = grid
    beta = np.asarray(fit.params)
    V = np.asarray(fit.cov_params())
    pred = C @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", C, V, C))
    q = _st.t.ppf(0.5 + conf / 2, fit.df_resid)
    return pd.DataFrame({"variable": variable, "value": grid,
                         "value_original": np.exp(grid) if variable.startswith("log_") else grid,
                         "predicted": pred, "ci95_low": pred - q * se, "ci95_high": pred + q * se})


def province_residuals(result: OLSResult) -> pd.DataFrame:
    """Mean residual of each province's kabupaten/kota (what the covariates leave unexplained, by province).

    Columns: ``province_code``, ``province_name``, ``island_group``, ``n``, ``mean_residual``, ``se`` (SD/√n;
    NA for n = 1), ``n_influential``. Sorted by ``mean_residual``.
    """
    o = result.observations
    g = o.groupby("province_code", sort=True)
    out = pd.DataFrame({
        "province_name": g["province_name"].first(), "island_group": g["island_group"].first(),
        "n": g.size(), "mean_residual": g["residual"].mean(),
        "se": g["residual"].std(ddof=1) / np.sqrt(g.size()), "n_influential": g["influential"].sum().astype(int),
    }).reset_index()
    return out.sort_values(["mean_residual", "province_code"], ignore_index=True)
