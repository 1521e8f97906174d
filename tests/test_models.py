"""spbe_research.models and plotting.models: known answers on seeded synthetic data (simulation only),
statsmodels/closed-form cross-checks, and the real model frames."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from statsmodels.stats.outliers_influence import OLSInfluence, variance_inflation_factor  # noqa: E402

from spbe_research import datasets  # noqa: E402
from spbe_research import models as M  # noqa: E402
from spbe_research.errors import SPBEError  # noqa: E402
from spbe_research.plotting import models as PM  # noqa: E402

ISLANDS = ("Jawa", "Sumatra", "Sulawesi")


def synthetic(n_prov=24, per=12, tau=0.5, sigma=0.4, seed=0) -> pd.DataFrame:
    """SYNTHETIC (seeded) regions nested in provinces with known coefficients; never real data."""
    rng = np.random.default_rng(seed)
    prov = np.repeat(np.arange(n_prov), per)
    n = len(prov)
    df = pd.DataFrame({
        "institution_id": [f"s{i:04d}" for i in range(n)], "institution_name": [f"Unit {i}" for i in range(n)],
        "province_code": [f"{10 + p}" for p in prov], "province_name": [f"Prov {p}" for p in prov],
        "island_group": [ISLANDS[p % 3] for p in prov], "year": 2024,
    })
    df["institution_type"] = np.where(rng.random(n) < 0.2, "kota", "kabupaten")
    df["kota"] = (df["institution_type"] == "kota").astype(int)
    df["log_grdp_pc"] = rng.normal(10, 0.6, n)
    df["ipm"] = 70 + 4 * rng.normal(size=n) + 3 * (df["log_grdp_pc"] - 10)
    df["log_population"] = rng.normal(12.5, 0.8, n)
    df["log_density"] = rng.normal(5, 1.2, n) + 0.8 * df["kota"]
    u = rng.normal(0, tau, n_prov)[prov]
    df["index"] = (1.0 + 0.2 * (df["log_grdp_pc"] - 10) + 0.03 * (df["ipm"] - 70) + 0.1 * (df["log_population"] - 12.5)
                   + 0.0 * df["log_density"] - 0.1 * df["kota"] - 0.3 * (df["island_group"] == "Sumatra")
                   + u + rng.normal(0, sigma, n) + 2)
    for d in ("D1", "D2", "D3", "D4"):
        df[d] = df["index"] + rng.normal(0, 0.2, n)
    return df


@pytest.fixture(scope="module")
def syn():
    return synthetic()


@pytest.fixture(scope="module")
def real():
    r = datasets.load_results(source_kind="official_report")
    c = datasets.load_covariates()
    return r, c


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# --- OLS --------------------------------------------------------------------------------------------------------

def test_ols_recovers_known_coefficients_and_matches_statsmodels(syn):
    res = M.ols(syn)
    c = res.coefficients.set_index("term")
    assert c.loc["log_grdp_pc", "estimate"] == pytest.approx(0.2, abs=0.12)
    assert c.loc["ipm", "estimate"] == pytest.approx(0.03, abs=0.02)
    # same numbers as a direct statsmodels fit with HC3 errors and t reference
    X = sm.add_constant(pd.DataFrame({
        "log_grdp_pc": syn["log_grdp_pc"], "ipm": syn["ipm"], "log_population": syn["log_population"],
        "log_density": syn["log_density"], "kota": syn["kota"],
        "island_group[Sumatra]": (syn["island_group"] == "Sumatra").astype(float),
        "island_group[Sulawesi]": (syn["island_group"] == "Sulawesi").astype(float)}))
    ref = sm.OLS(syn["index"], X).fit(cov_type="HC3", use_t=True)
    for t in X.columns[1:]:
        assert c.loc[t, "estimate"] == pytest.approx(ref.params[t])
        assert c.loc[t, "se"] == pytest.approx(ref.bse[t])
        assert c.loc[t, "p_val"] == pytest.approx(ref.pvalues[t])
    assert res.fit_stats["r2"].item() == pytest.approx(ref.rsquared)
    assert list(res.coefficients.columns) == list(M.COEF_COLUMNS)


def test_standardized_beta_is_the_rescaled_estimate(syn):
    c = M.ols(syn).coefficients.set_index("term")
    sy = syn["index"].std(ddof=1)
    for t in M.CONTINUOUS:
        assert c.loc[t, "beta"] == pytest.approx(c.loc[t, "estimate"] * syn[t].std(ddof=1) / sy)
        assert c.loc[t, "beta_ci95_low"] == pytest.approx(c.loc[t, "ci95_low"] * syn[t].std(ddof=1) / sy)
    # indicators are not z-scored: beta is the difference in outcome SDs
    assert c.loc["kota", "beta"] == pytest.approx(c.loc["kota", "estimate"] / sy)
    assert c.loc["island_group[Sumatra]", "label"] == "Sumatra (vs Jawa)"


def test_diagnostics_equal_statsmodels_influence(syn):
    res = M.ols(syn)
    inf = OLSInfluence(res.fit)
    o = res.observations
    assert np.allclose(o["cooks_d"], inf.cooks_distance[0])
    assert np.allclose(o["leverage"], inf.hat_matrix_diag)
    assert np.allclose(o["studentized_residual"], inf.resid_studentized_external)
    assert o["influential"].sum() == res.fit_stats["n_influential"].item() == (o["cooks_d"] > 4 / len(o)).sum()


def test_vif_matches_statsmodels_and_gvif_for_island_group(syn):
    res = M.ols(syn)
    X = M._design(syn, M.DEFAULT_PREDICTORS)
    v = res.vif.set_index("term")
    for t in M.CONTINUOUS:
        j = list(X.columns).index(t)
        assert v.loc[t, "gvif"] == pytest.approx(variance_inflation_factor(X.to_numpy(), j), rel=1e-6)
    assert v.loc["island_group", "df"] == 2
    # orthogonal columns: every VIF is 1
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.normal(size=(50, 3)) - 0)
    Xo = pd.DataFrame(Q - Q.mean(axis=0), columns=["a", "b", "c"]).assign(const=1.0)
    Xo[["a", "b", "c"]] = np.linalg.qr(Xo[["a", "b", "c"]].to_numpy())[0]
    assert np.allclose(M.vif(Xo)["gvif"], 1.0, atol=1e-8)


def test_rows_with_missing_covariates_are_dropped_and_listed(syn):
    df = syn.copy()
    df.loc[[3, 7], "ipm"] = np.nan
    res = M.ols(df)
    assert res.fit_stats["n"].item() == len(df) - 2 and res.fit_stats["n_dropped"].item() == 2
    assert res.dropped["institution_id"].tolist() == ["s0003", "s0007"]
    assert (res.dropped["reason"] == "missing ipm").all()


def test_bad_designs_raise(syn):
    with pytest.raises(SPBEError, match="lacks column"):
        M.ols(syn.drop(columns="ipm"))
    with pytest.raises(SPBEError, match="rank deficient|no variation"):
        M.ols(syn.assign(ipm=1.0))
    with pytest.raises(SPBEError, match="reference"):
        M.ols(syn[syn["island_group"] != "Jawa"])
    with pytest.raises(SPBEError, match="complete rows"):
        M.ols(syn.head(6))


def test_weighted_least_squares_uses_the_weights(syn):
    w = syn.assign(w=np.where(syn["island_group"] == "Jawa", 3.0, 1.0))
    a, b = M.ols(w, weights="w"), M.ols(w)
    assert a.model == "wls_hc3"
    assert not np.allclose(a.coefficients["estimate"], b.coefficients["estimate"])
    with pytest.raises(SPBEError, match="positive"):
        M.ols(w.assign(w=0.0), weights="w")


def test_province_fixed_effects_are_the_within_regression(syn):
    fe = M.province_fixed_effects(syn).coefficients.set_index("term")
    assert not any(t.startswith(("province_code[", "island_group[")) for t in fe.index)
    cols = ["index", *M.CONTINUOUS, "kota"]
    dm = syn[cols] - syn.groupby("province_code")[cols].transform("mean")  # Frisch–Waugh–Lovell
    ref = sm.OLS(dm["index"], dm[list(M.CONTINUOUS) + ["kota"]]).fit()
    for t in M.CONTINUOUS:
        assert fe.loc[t, "estimate"] == pytest.approx(ref.params[t], rel=1e-8)


def test_fit_outcomes_stacks_every_outcome_with_holm(syn):
    out = M.fit_outcomes({2024: syn})
    assert set(out["outcome"]) == set(M.OUTCOMES)
    assert (out["p_holm"] >= out["p_val"] - 1e-12).all() and (out["p_holm"] <= 1).all()


# --- multilevel and ICC -----------------------------------------------------------------------------------------

def test_icc_of_a_known_random_intercept_model():
    df = synthetic(n_prov=40, per=15, tau=0.6, sigma=0.6, seed=3).assign(index=lambda d: d["index"])
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(40), 15)
    df["y"] = rng.normal(0, 0.6, 40)[g] + rng.normal(0, 0.6, len(g))  # true ICC 0.5
    r = M.icc(df, "y")
    assert r["ci95_low"].item() < 0.5 < r["ci95_high"].item()
    assert r["icc"].item() == pytest.approx(r["icc_reml"].item(), abs=0.05)
    assert r["n_groups"].item() == 40 and r["dof1"].item() == 39 and r["p_val"].item() < 1e-6


def test_icc_balanced_closed_form():
    y = np.array([1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    df = pd.DataFrame({"y": y, "province_code": list("aaabbbccc")})
    r = M.icc(df, "y")
    msb = 3 * ((np.array([2, 3, 6]) - y.mean()) ** 2).sum() / 2
    msw = 6 / 6
    assert r["icc"].item() == pytest.approx((msb - msw) / (msb + 2 * msw))
    assert r["statistic"].item() == pytest.approx(msb / msw)
    with pytest.raises(SPBEError, match="at least 3 groups"):
        M.icc(df[df["province_code"] != "c"], "y")


def test_mixed_model_recovers_variance_components_without_leaking_warnings(syn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = M.mixed(syn)
    v = m.variance.iloc[0]
    assert v["sigma2"] == pytest.approx(0.4 ** 2, rel=0.3) and v["tau2"] == pytest.approx(0.5 ** 2, rel=0.6)
    # the covariates vary within provinces, the simulated province effects do not depend on them
    assert v["r2_within"] > 0.1 and v["icc_residual"] > v["icc_null"] and v["converged"]
    assert len(m.random_effects) == 24 and m.random_effects["n"].sum() == len(syn)
    assert set(m.coefficients["term"]) == set(M.ols(syn).coefficients["term"])
    # no group variance at all: statsmodels warns; the warnings are kept in the result, not raised
    flat = syn.assign(index=np.random.default_rng(9).normal(size=len(syn)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m0 = M.mixed(flat, predictors=("ipm",))
    assert isinstance(m0.warnings, tuple)


def test_compare_models_lines_up_three_models(syn):
    cm = M.compare_models(syn)
    assert list(dict.fromkeys(cm["model"])) == ["ols_hc3", "province_fe_hc3", "mixed_reml"]
    assert cm.groupby("model")["term"].apply(list).map(len).eq(5).all()


# --- reading the fits ---------------------------------------------------------------------------------------------

def test_partial_dependence_is_linear_with_the_coefficient_as_slope(syn):
    res = M.ols(syn)
    pdp = M.partial_dependence(res, "ipm", grid=[60.0, 70.0, 80.0])
    slope = np.diff(pdp["predicted"]) / 10
    assert np.allclose(slope, res.coefficients.set_index("term").loc["ipm", "estimate"])
    at_mean = M.partial_dependence(res, "ipm", grid=[syn["ipm"].mean()])["predicted"].item()
    assert at_mean == pytest.approx(res.fit.fittedvalues.mean())
    assert (pdp["ci95_low"] < pdp["predicted"]).all() and (pdp["predicted"] < pdp["ci95_high"]).all()
    g = M.partial_dependence(res, "log_grdp_pc", n=5)
    assert np.allclose(g["value_original"], np.exp(g["value"]))
    with pytest.raises(SPBEError, match="not a predictor"):
        M.partial_dependence(res, "poverty_rate_pct")


def test_province_residuals_average_the_observations(syn):
    res = M.ols(syn)
    pr = M.province_residuals(res)
    assert len(pr) == 24 and pr["n"].sum() == len(syn)
    first = pr.iloc[0]
    o = res.observations
    assert first["mean_residual"] == pytest.approx(o.loc[o["province_code"] == first["province_code"], "residual"].mean())
    assert pr["mean_residual"].is_monotonic_increasing


# --- real frames ----------------------------------------------------------------------------------------------------

def test_model_frames_of_the_official_years(real):
    r, c = real
    f23, f24 = M.model_frame(r, c, 2023), M.model_frame(r, c, 2024)
    assert len(f23) == 491 and len(f24) == 485  # evaluated kabupaten + kota
    assert (f24["missing"] == "").all()
    miss = f23[f23["missing"] != ""]
    assert len(miss) == 6 and (miss["missing"] == "ipm").all() and (miss["province_code"] == "33").all()
    assert (f23["static_year"] == 2024).all()
    row = f24.set_index("institution_id").loc["11.01"]
    assert row["log_grdp_pc"] == pytest.approx(np.log(c.set_index(["institution_id", "year"])
                                                       .loc[("11.01", 2024), "grdp_per_capita_thousand_idr"]))
    assert M.ols(f23).fit_stats["n"].item() == 485  # the six without IPM left out, and listed
    prev = M.model_frame(r, c, 2023, ipm_year=2022)
    assert (prev["missing"] == "").all()


def test_change_frame_is_the_difference_of_the_two_years(real):
    r, c = real
    ch = M.change_frame(r, c)
    f23, f24 = M.model_frame(r, c, 2023), M.model_frame(r, c, 2024)
    both = set(f23["institution_id"]) & set(f24["institution_id"])
    assert set(ch["institution_id"]) == both
    a = f24.set_index("institution_id").loc[ch["institution_id"], "index"].to_numpy()
    assert np.allclose(ch["change"], a - ch["index_2023"])
    assert np.allclose(ch["change_D4"], f24.set_index("institution_id").loc[ch["institution_id"], "D4"].to_numpy()
                       - ch["D4"])


def test_selection_compares_evaluated_with_the_rest(real):
    r, c = real
    s = M.selection(r, c, 2024).set_index("covariate")
    assert (s["n_evaluated"] + s["n_not_evaluated"]).loc["population"] == 508  # 514 minus Jakarta's six
    assert s.loc["population", "n_evaluated"] == 485
    assert s.loc["ipm", "median_evaluated"] > s.loc["ipm", "median_not_evaluated"]
    assert s.loc["ipm", "rank_biserial"] > 0 and (s["p_val"].between(0, 1)).all()


def test_sensitivity_variants(real):
    r, c = real
    s = M.sensitivity(r, c, 2024)
    assert list(dict.fromkeys(s["variant"])) == ["main", "without_papua", "coverage_at_least_0.8",
                                                "coverage_weighted", "ipm_previous_year", "ipm_components",
                                                "without_ipm"]
    n = s.groupby("variant")["n"].first()
    assert n["main"] == 485 and n["without_papua"] < n["main"]
    assert not s[(s["variant"] == "without_papua")]["term"].str.contains("Papua").any()
    assert "ipm" not in set(s.loc[s["variant"] == "without_ipm", "term"])
    assert {"mean_schooling_years", "life_expectancy_years"} <= set(s.loc[s["variant"] == "ipm_components", "term"])


# --- figures ----------------------------------------------------------------------------------------------------

def test_coefficient_plot(syn):
    coefs = pd.concat([M.ols(syn).coefficients.assign(year=2023), M.ols(syn).coefficients.assign(year=2024)])
    ax = PM.plot_coefficients(coefs, group="year", title="t")
    assert ax.get_title() == "t" and "standardized" in ax.get_xlabel()
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first term on top
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["log GRDP per capita", "IPM (human development)"]
    assert ax.get_legend() is not None
    with pytest.raises(SPBEError):
        PM.plot_coefficients(coefs.drop(columns="beta_ci95_low"))


def test_partial_dependence_and_diagnostics_plots(syn):
    res = M.ols(syn)
    ax = PM.plot_partial_dependence(res, "log_grdp_pc", xlabel="GRDP per capita")
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "GRDP per capita"
    axes = PM.plot_diagnostics(res)
    assert len(axes) == 3 and all(a.get_title() for a in axes)


def test_residual_map_joins_provinces_and_hatches_the_rest():
    vals = pd.DataFrame({"province_code": ["35", "51", "94"], "mean_residual": [0.2, -0.4, 0.1]})
    ax = PM.plot_residual_map(vals, title="r")
    assert ax.get_title() == "r"
    with pytest.raises(SPBEError, match="one value per province"):
        PM.plot_residual_map(pd.concat([vals, vals]))
