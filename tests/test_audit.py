"""Tests of spbe_research.audit: coherence, importance against weight, what-if removal (synthetic, seeded data
and hand-made examples; not real institutions)."""
import numpy as np
import pandas as pd
import pytest

from spbe_research import SPBEError, audit, get_framework, index_from_domains, score

FW = get_framework("2020")
DOMS = ["D1", "D2", "D3", "D4"]


def domains(n=200, seed=0):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    X = np.column_stack([3 + 0.6 * common + 0.4 * rng.normal(size=n) for _ in range(4)])
    return pd.DataFrame(np.clip(np.round(X, 2), 1, 5), columns=DOMS)


def test_node_values_from_every_level_match_score():
    rng = np.random.default_rng(1)
    lv = pd.DataFrame(rng.integers(1, 6, (30, 47)), columns=list(FW.indicator_codes))
    sc = score(lv, FW)
    full = audit.node_values(lv, FW)
    np.testing.assert_allclose(full["index"], sc["index"])
    aspects = audit.node_values(sc[list(FW.aspect_codes)], FW)
    np.testing.assert_allclose(aspects["index"], sc["index"])
    np.testing.assert_allclose(aspects["D2"], sc["D2"])
    assert list(audit.node_values(sc[DOMS], FW).columns) == DOMS + ["index"]


def test_correlations_and_cis_by_hand():
    d = domains()
    c = audit.coherence(d, FW, methods=("pearson", "spearman"))
    t = c.correlations.set_index(["part", "other", "method"])
    idx = index_from_domains(d, FW)
    r = np.corrcoef(d["D1"], idx)[0, 1]
    assert t.loc[("D1", "index", "pearson"), "r"] == pytest.approx(r)
    z, se = np.arctanh(r), 1 / np.sqrt(len(d) - 3)
    assert t.loc[("D1", "index", "pearson"), "ci95_low"] == pytest.approx(np.tanh(z - 1.959964 * se), abs=1e-6)
    rs = pd.Series(d["D2"]).rank().corr(pd.Series(d["D3"]).rank())
    assert t.loc[("D2", "D3", "spearman"), "r"] == pytest.approx(rs)
    assert len(c.correlations) == 2 * (6 + 4)  # 6 sibling pairs and 4 parent links per method


def test_flags_collinear_weak_and_negative():
    d = domains(n=300)
    rng = np.random.default_rng(9)
    d["D2"] = np.clip(d["D1"] + rng.normal(0, 0.02, len(d)), 1, 5)  # near copy of D1
    d["D3"] = np.clip(6 - d["D4"], 1, 5)                              # runs against the rest
    c = audit.coherence(d, FW, methods="pearson")
    f = c.flags.set_index(["part", "other"])["flag"]
    assert f[("D1", "D2")] == "collinear"
    assert f[("D3", "index")] in ("negative", "weak")
    assert (c.flags["flag"] != "").all()


def test_cronbach_alpha_and_components_by_hand():
    # three identical parts and one independent one
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    d = pd.DataFrame({"D1": 3 + x * 0.5, "D2": 3 + x * 0.5, "D3": 3 + x * 0.5, "D4": 3 + rng.normal(size=500) * 0.5})
    d = d.clip(1, 5)
    g = audit.coherence(d, FW).groups.iloc[0]
    V = d.to_numpy()
    k = 4
    alpha = k / (k - 1) * (1 - V.var(axis=0, ddof=1).sum() / V.sum(axis=1).var(ddof=1))
    assert g["cronbach_alpha"] == pytest.approx(alpha)
    assert g["ci95_low"] < alpha < g["ci95_high"]
    assert g["pc1_share"] == pytest.approx(np.linalg.eigvalsh(np.corrcoef(V, rowvar=False))[-1] / 4)
    assert g["pc1_share"] > 0.7 and g["n_eigen_above_1"] == 1


def test_groups_by_keys_and_small_groups_are_listed():
    d = domains(n=60).assign(year=[2023] * 52 + [2024] * 8)
    c = audit.coherence(d, FW, by="year")
    assert set(c.correlations["year"]) == {2023}
    skipped = c.assumptions[~c.assumptions["applied"]]
    assert skipped["value"].tolist() == ["year=2024"]
    with pytest.raises(SPBEError):
        audit.coherence(d.iloc[:8], FW)


def test_single_child_groups_are_explained_not_silent():
    sc = score(pd.DataFrame(np.random.default_rng(2).integers(1, 6, (40, 47)), columns=list(FW.indicator_codes)), FW)
    g = audit.coherence(sc[list(FW.aspect_codes)], FW).groups.set_index("parent")
    assert np.isnan(g.loc["D1", "cronbach_alpha"]) and "single" in g.loc["D1", "note"]
    assert g.loc["index", "k"] == 4 and g.loc["D2", "k"] == 3


# ---------------------------------------------------------------- importance
def test_importance_linear_case_is_r_squared_and_shares_sum_to_one():
    d = domains(n=400)
    im = audit.importance(d, FW, n_boot=50, seed=0).table.set_index("part")
    assert im["importance_share"].sum() == pytest.approx(1)
    assert im["weight_share"].to_dict() == pytest.approx(dict(zip(DOMS, FW.domain_weights)))
    # near-linear relations: the spline's main effect is about r² (within the fit's extra flexibility)
    assert (np.abs(im["main_effect"] - im["r2_linear"]) < 0.03).all()
    assert (im["ci95_low"] <= im["main_effect"]).all() and (im["main_effect"] <= im["ci95_high"]).all()
    np.testing.assert_allclose(im["ratio"], im["importance_share"] / im["weight_share"])


def test_importance_of_an_unrelated_part_is_near_zero_and_of_a_copy_is_one():
    rng = np.random.default_rng(4)
    lv = pd.DataFrame(rng.integers(1, 6, (500, 47)), columns=list(FW.indicator_codes))
    im = audit.importance(lv, FW, level="aspect", target="parent", n_boot=30).table.set_index("part")
    assert im.loc["A1", "main_effect"] == pytest.approx(1)  # A1 is D1's only aspect
    ind = audit.importance(lv, FW, level="indicator", n_boot=30).table.set_index("part")
    assert ind["estimator"].eq("group means").all()
    # independent levels, additive index: S_i = w_i² / Σ w² and the main effects add up to 1 (up to noise)
    w = pd.Series(FW.indicator_weights, index=list(FW.indicator_codes))
    expected = w ** 2 / (w ** 2).sum()
    assert ind["main_effect"].sum() == pytest.approx(1, abs=0.1)
    assert (np.abs(ind["main_effect"] - expected[ind.index]) < 0.035).all()


def test_importance_group_means_by_hand():
    # two groups of x with y means 1 and 3 and no spread inside: eta² = 1 (adjusted: 1)
    x = np.repeat([1.0, 2.0], 50)
    W = np.ones((1, 100))
    s, df, kind = audit._main_effects(x, 2 * x - 1, W, 12, 4)
    assert s[0] == pytest.approx(1) and df == 1 and kind == "group means"


# ---------------------------------------------------------------- removal
def test_removal_by_hand():
    d = domains(n=50).assign(institution_id=[f"i{k}" for k in range(50)])
    rm = audit.removal(d, FW)
    t = rm.table[rm.table["part"] == "D4"]
    w = dict(zip(DOMS, FW.domain_weights))
    by_hand = (w["D1"] * d["D1"] + w["D2"] * d["D2"] + w["D3"] * d["D3"]) / (1 - w["D4"])
    np.testing.assert_allclose(t["index_without"], by_hand)
    s = rm.summary.set_index("part")
    assert s.loc["D4", "mean_abs_rank_shift"] == pytest.approx(t["rank_shift"].abs().mean())
    assert s.loc["D4", "n_predicate_up"] + s.loc["D4", "n_predicate_down"] == pytest.approx(
        s.loc["D4", "share_predicate_changed"] * 50)
    assert list(rm.summary["part"]) == DOMS
    assert t["institution_id"].iloc[0] == "i0"


def test_removal_of_an_only_child_is_reported_not_skipped_silently():
    sc = score(pd.DataFrame(np.random.default_rng(2).integers(1, 6, (40, 47)), columns=list(FW.indicator_codes)), FW)
    rm = audit.removal(sc[list(FW.aspect_codes)], FW, level="aspect")
    assert "A1" not in set(rm.summary["part"])
    row = rm.assumptions[rm.assumptions["value"] == "A1"]
    assert not row["applied"].iloc[0] and "cannot be dropped" in row["note"].iloc[0]
    assert len(rm.summary) == 7


def test_bad_inputs():
    with pytest.raises(SPBEError) as e:
        audit.coherence(domains().drop(columns="D3"), FW)
    assert e.value.field == "D3"
    with pytest.raises(SPBEError) as e:
        audit.importance(domains(), FW, level="indicator")
    assert e.value.field == "level"
    bad = domains()
    bad.loc[3, "D2"] = 0.3
    with pytest.raises(SPBEError) as e:
        audit.removal(bad, FW)
    assert (e.value.row, e.value.field) == (3, "D2")


def test_audit_figures_return_labelled_axes_without_touching_global_style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    d = domains(n=80).assign(year=2024)
    c = audit.coherence(d, FW, by="year")
    axes = [c.plot(where={"year": 2024}), c.plot("alpha"),
            audit.importance(d, FW, n_boot=20).plot(), audit.removal(d, FW).plot()]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() is not None
    assert axes[2].get_xlabel().startswith("nominal weight")
    assert dict(matplotlib.rcParams) == before
    # each figure describes itself from the data drawn (alt text)
    from spbe_research.plotting.style import alt_text
    alts = [alt_text(ax) for ax in axes]
    r = c.correlations.query("method == 'pearson' and other != 'index'")["r"]
    assert alts[0].startswith("Heatmap of pearson correlations") and f"{r.min():.2f} to {r.max():.2f}" in alts[0]
    assert f"{c.groups['cronbach_alpha'].dropna().min():.3f}" in alts[1]
    assert alts[2].startswith("Scatter") and "D4 weight 0.455" in alts[2]
    assert alts[3].startswith("Bar chart") and all(f"{p} mean" in alts[3] for p in FW.domain_codes)
    with pytest.raises(SPBEError):
        c.plot(where={"year": 1999})
    plt.close("all")
