"""Tests for spbe_research.sensitivity: weight Monte Carlo, rank statistics, R_S and Sobol indices."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spbe_research import SPBEError, get_framework, score
from spbe_research.scoring import predicate
from spbe_research.scoring import distance_to_edge as _distance_to_edge
from spbe_research.sensitivity import (
    competition_ranks,
    draw_weights,
    weight_sobol,
    weight_uncertainty,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference import weight_uncertainty_loop as _weight_uncertainty_loop  # noqa: E402

W0 = np.array([0.13, 0.25, 0.165, 0.455])
DOMS = ["D1", "D2", "D3", "D4"]


def synthetic_domains(n=120, seed=3, decimals=1):
    """Synthetic (not real) domain indices, rounded so that ties occur."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(np.round(rng.uniform(1, 5, (n, 4)), decimals), columns=DOMS)


# ---------------------------------------------------------------- hand-made example
def distance_to_edge(x):
    return _distance_to_edge(x, "2020")


HAND = pd.DataFrame(
    {"institution_id": ["A", "B", "C"], "D1": [5, 1, 1], "D2": [1, 5, 1], "D3": [1, 1, 5], "D4": [3, 2, 2.5]}
)
HAND_W = pd.DataFrame([[0.4, 0.2, 0.2, 0.2], [0.1, 0.1, 0.6, 0.2], W0, [0.1, 0.1, 0.1, 0.7]], columns=DOMS)


def test_hand_example_ranks_by_hand():
    # Indices per draw (computed by hand):
    #   official: A 2.43,  B 2.455, C 2.3425 -> ranks A2 B1 C3 (all Cukup)
    #   draw 1:   A 3.0,   B 2.0,   C 2.1    -> A1 C2 B3   (A Baik)
    #   draw 2:   A 1.8,   B 1.6,   C 3.7    -> C1 A2 B3   (A Cukup at the edge, B Kurang, C Sangat Baik)
    #   draw 3:   official again             -> A2 B1 C3
    #   draw 4:   A 2.8,   B 2.1,   C 2.45   -> A1 C2 B3   (A Baik)
    r = weight_uncertainty(HAND, "2020", weights=HAND_W)
    t = r.table
    assert list(t["institution_id"]) == ["A", "B", "C"]
    np.testing.assert_allclose(t["nominal_index"], [2.43, 2.455, 2.3425])
    assert list(t["nominal_rank"]) == [2, 1, 3]
    np.testing.assert_array_equal(r.ranks, [[1, 3, 2], [2, 3, 1], [2, 1, 3], [1, 3, 2]])
    np.testing.assert_allclose(r.indices[:, 0], [3.0, 1.8, 2.43, 2.8])
    # |shift| sums per draw: 4, 4, 0, 4 over 3 institutions -> R_S = mean(4/3, 4/3, 0, 4/3) = 1
    np.testing.assert_allclose(r.rs_draws, [4 / 3, 4 / 3, 0, 4 / 3])
    assert r.rs == pytest.approx(1.0)
    assert list(t["median_rank"]) == [1, 3, 2]
    assert list(t["rank_p05"]) == [1, 1, 1]
    assert list(t["rank_p95"]) == [2, 3, 3]
    assert list(t["nominal_predicate"].astype(str)) == ["Cukup"] * 3
    np.testing.assert_allclose(t["p_keep_predicate"], [0.5, 0.75, 0.75])
    np.testing.assert_allclose(t["p_rank_change"], [0.5, 0.75, 0.75])
    assert r.method == "explicit"
    pd.testing.assert_frame_equal(r.draws, HAND_W)


def test_distance_to_edge_by_hand():
    # HAND's nominal indices 2.43, 2.455, 2.3425 are all Cukup; nearest edges 2.6, 2.6, 2.6
    t = weight_uncertainty(HAND, "2020", weights=HAND_W).table
    np.testing.assert_allclose(t["distance_to_edge"], [0.17, 0.145, 0.2575], atol=1e-12)
    assert list(t.columns).index("distance_to_edge") == list(t.columns).index("nominal_predicate") + 1
    # on an edge, between edges, below the first and above the last edge
    np.testing.assert_allclose(distance_to_edge([1.8, 2.6, 3.0, 0.5, 5.0, 3.85, 4.2 - 1e-12]),
                               [0, 0, 0.4, 1.3, 0.8, 0.35, 0], atol=1e-12)
    assert distance_to_edge(np.array([[1.0, 4.0]])).shape == (1, 2)


def test_predicate_can_only_change_within_the_largest_index_move():
    # a predicate changes in some draw only if the index moved by at least distance_to_edge in that draw
    d = synthetic_domains(n=400, decimals=2)
    r = weight_uncertainty(d, "2020", n_draws=400, concentration=50, seed=2)
    t = r.table
    moved = np.abs(r.indices - t["nominal_index"].to_numpy()[None, :]).max(axis=0)
    changed = (t["p_keep_predicate"] < 1).to_numpy()
    assert changed.any() and (~changed).any()
    assert (t["distance_to_edge"].to_numpy()[changed] <= moved[changed] + 1e-9).all()


def test_hand_example_array_weights_same_as_frame():
    a = weight_uncertainty(HAND, "2020", weights=HAND_W.to_numpy())
    b = weight_uncertainty(HAND, "2020", weights=HAND_W)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_competition_ranks_ties_share_best_rank():
    np.testing.assert_array_equal(competition_ranks(np.array([3.0, 5.0, 5.0, 1.0, 3.0])), [3, 1, 1, 5, 3])
    m = competition_ranks(np.array([[1.0, 2.0, 2.0], [2.0, 2.0, 2.0]]))
    np.testing.assert_array_equal(m, [[3, 1, 1], [1, 1, 1]])


# ---------------------------------------------------------------- degenerate uncertainty
@pytest.mark.parametrize("how", ["repeat", "inf"])
def test_official_weights_collapse_everything(how):
    d = synthetic_domains()
    if how == "repeat":
        r = weight_uncertainty(d, "2020", weights=np.tile(W0, (50, 1)))
    else:
        r = weight_uncertainty(d, "2020", n_draws=50, concentration=np.inf)
    t = r.table
    for col in ("median_rank", "rank_p05", "rank_p95"):
        np.testing.assert_array_equal(t[col], t["nominal_rank"])
    assert (t["p_keep_predicate"] == 1).all()
    assert (t["p_rank_change"] == 0).all()
    assert r.rs == 0.0
    # ties exist in this data (one-decimal values) and share the best rank
    assert t["nominal_rank"].duplicated().any() or t["nominal_index"].is_unique


def test_nominal_index_and_predicate_match_scoring():
    d = synthetic_domains(n=300, decimals=2)
    # include exact band edges: all domains equal to an edge give that edge as index
    d.iloc[:4] = np.repeat(np.array([[1.8], [2.6], [3.5], [4.2]]), 4, axis=1)
    t = weight_uncertainty(d, "2020", n_draws=20).table
    np.testing.assert_allclose(t["nominal_index"], d.to_numpy() @ W0, atol=1e-9)
    assert list(t["nominal_predicate"].astype(str)) == list(predicate(t["nominal_index"].to_numpy()).astype(str))
    assert list(t["nominal_predicate"].astype(str)[:4]) == ["Cukup", "Baik", "Sangat Baik", "Memuaskan"]


# ---------------------------------------------------------------- reproducibility, draws
def test_seeded_results_are_reproducible_and_seed_matters():
    d = synthetic_domains()
    a = weight_uncertainty(d, "2020", n_draws=500, seed=7)
    b = weight_uncertainty(d, "2020", n_draws=500, seed=7)
    c = weight_uncertainty(d, "2020", n_draws=500, seed=8)
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert a.rs == b.rs
    assert a.rs != c.rs


def test_vectorised_equals_per_draw_loop():
    d = synthetic_domains(n=150, decimals=1)  # many ties
    w = draw_weights("2020", 300, concentration=30, seed=1)
    fast = weight_uncertainty(d, "2020", weights=w)
    slow, slow_rs = _weight_uncertainty_loop(d, "2020", w)
    for col in slow.columns:
        np.testing.assert_allclose(fast.table[col].astype(float), slow[col].astype(float), err_msg=col)
    assert fast.rs == pytest.approx(slow_rs, rel=1e-12)


def test_dirichlet_draws_centred_on_official_weights():
    w = draw_weights("2020", 20_000, concentration=100, seed=0)
    assert list(w.columns) == DOMS
    np.testing.assert_allclose(w.sum(axis=1), 1)
    np.testing.assert_allclose(w.mean(), W0, atol=0.003)
    # Dirichlet variance w(1-w)/(c+1)
    np.testing.assert_allclose(w.var(), W0 * (1 - W0) / 101, rtol=0.05)


def test_uniform_draws_stay_within_renormalised_spread():
    w = draw_weights("2020", 5000, method="uniform", spread=0.2, seed=0).to_numpy()
    np.testing.assert_allclose(w.sum(axis=1), 1)
    ratio = w / W0
    # each raw factor is in [0.8, 1.2]; the renormalising sum is too, so ratios are within [0.8/1.2, 1.2/0.8]
    assert ratio.min() > 0.8 / 1.2 and ratio.max() < 1.2 / 0.8
    assert ratio.min() < 0.8 and ratio.max() > 1.2  # the spread is actually used


def test_more_concentration_means_less_rank_shift():
    d = synthetic_domains(n=200, decimals=2)
    loose = weight_uncertainty(d, "2020", n_draws=2000, concentration=20).rs
    tight = weight_uncertainty(d, "2020", n_draws=2000, concentration=2000).rs
    assert tight < loose / 3


# ---------------------------------------------------------------- aggregation, levels mode
def test_geometric_aggregation_by_hand():
    d = pd.DataFrame({"D1": [1.0, 2.0], "D2": [1.0, 2.0], "D3": [1.0, 2.0], "D4": [4.0, 2.0]})
    r = weight_uncertainty(d, "2020", weights=W0[None, :], aggregation="geometric")
    np.testing.assert_allclose(r.indices[0], [4 ** 0.455, 2.0], rtol=1e-9)
    # the reference ranking stays the official arithmetic one: 2.365 vs 2.0
    np.testing.assert_allclose(r.table["nominal_index"], [1 + 3 * 0.455, 2.0])


def test_mixed_aggregation_uses_both():
    d = pd.DataFrame({"D1": [1.0, 2.0], "D2": [1.0, 2.0], "D3": [1.0, 2.0], "D4": [4.0, 2.0]})
    r = weight_uncertainty(d, "2020", weights=np.tile(W0, (400, 1)), aggregation="mixed", seed=0)
    first = np.round(r.indices[:, 0], 6)
    assert set(first) == {round(4 ** 0.455, 6), 2.365}
    assert 150 < (first == 2.365).sum() < 250


def _levels_2020(n=40, seed=5):
    fw = get_framework("2020")
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 6, (n, len(fw.indicators))), columns=list(fw.indicators["indicator"]))


def test_levels_mode_nominal_matches_score_and_aspect_weights_nest():
    lv = _levels_2020()
    r = weight_uncertainty(lv, "2020", n_draws=300, seed=1)
    np.testing.assert_allclose(r.table["nominal_index"], score(lv, "2020")["index"], atol=1e-9)
    fw = get_framework("2020")
    asp = fw.aspects
    assert list(r.draws.columns) == DOMS + list(asp["aspect"])
    for dom, grp in asp.groupby("domain"):
        np.testing.assert_allclose(r.draws[list(grp["aspect"])].sum(axis=1), r.draws[dom])
    # aspect shares inside D2 really vary (three aspects there)
    assert r.draws["A2"].div(r.draws["D2"]).std() > 0.01
    # D1 has a single aspect: its share is always 1
    np.testing.assert_allclose(r.draws["A1"], r.draws["D1"])


def test_levels_mode_with_official_domain_weights_collapses():
    lv = _levels_2020()
    r = weight_uncertainty(lv, "2020", weights=np.tile(W0, (20, 1)))
    assert r.rs == 0
    assert (r.table["p_keep_predicate"] == 1).all()


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "mutate, field, row",
    [
        (lambda d: d.drop(columns="D4"), "D4", None),
        (lambda d: d.assign(D2=[1.0, np.nan, 2.0]), "D2", 1),
        (lambda d: d.assign(D3=[1.0, 5.5, 2.0]), "D3", 1),
        (lambda d: d.assign(D1=[0.5, 1.0, 2.0]), "D1", 0),
    ],
)
def test_bad_domain_values_raise_with_location(mutate, field, row):
    d = HAND.drop(columns="institution_id")
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(mutate(d), "2020", n_draws=10)
    assert e.value.field == field
    assert e.value.row == row


@pytest.mark.parametrize(
    "w, field, row",
    [
        (np.array([[0.5, 0.5, 0.0, 0.0]]), "D3", 0),
        (np.array([[0.13, 0.25, 0.165, 0.455], [0.2, 0.2, 0.2, 0.2]]), "weights", 1),
        (np.array([[-0.1, 0.5, 0.3, 0.3]]), "D1", 0),
        (np.array([[np.nan, 0.5, 0.25, 0.25]]), "D1", 0),
        (np.array([[0.5, 0.5]]), "weights", None),
    ],
)
def test_bad_weights_raise_with_location(w, field, row):
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(HAND, "2020", weights=w)
    assert e.value.field == field
    assert e.value.row == row


def test_weights_frame_missing_column_and_bad_options():
    with pytest.raises(SPBEError, match="no column 'D4'"):
        weight_uncertainty(HAND, "2020", weights=HAND_W.drop(columns="D4"))
    with pytest.raises(SPBEError, match="method"):
        weight_uncertainty(HAND, "2020", n_draws=5, method="normal")
    with pytest.raises(SPBEError, match="aggregation"):
        weight_uncertainty(HAND, "2020", n_draws=5, aggregation="harmonic")
    with pytest.raises(SPBEError, match="concentration"):
        weight_uncertainty(HAND, "2020", n_draws=5, concentration=0)
    with pytest.raises(SPBEError, match="appears twice"):
        weight_uncertainty(HAND.assign(institution_id=["A", "A", "C"]), "2020", n_draws=5)


def test_levels_must_be_integers_in_range():
    lv = _levels_2020(n=3)
    lv.loc[2, "17"] = 6
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(lv, "2020", n_draws=5)
    assert (e.value.row, e.value.field) == (2, "17")
    lv = lv.astype(float)
    lv.loc[2, "17"] = 2.5
    with pytest.raises(SPBEError, match="integer"):
        weight_uncertainty(lv, "2020", n_draws=5)


def test_2018_framework_three_domains_and_level_zero():
    d = pd.DataFrame({"D1": [0.0, 2.0, 4.0], "D2": [1.0, 2.0, 0.5], "D3": [3.0, 2.0, 1.0]})
    r = weight_uncertainty(d, "2018", weights=[[0.17, 0.28, 0.55]])
    np.testing.assert_allclose(r.table["nominal_index"], [0.28 + 1.65, 2.0, 0.68 + 0.14 + 0.55])
    assert list(r.table["nominal_rank"]) == [2, 1, 3]
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(d.assign(D4=1.0).drop(columns="D3"), "2018", n_draws=3)
    assert e.value.field == "D3"


# ---------------------------------------------------------------- Sobol
def test_sobol_irrelevant_weight_has_zero_total_index():
    # D3 is the same for everybody: its weight cannot change any ranking (it shifts all indices alike
    # and renormalisation scales all alike), so its Sobol indices on R_S and on ranks must be ~0.
    rng = np.random.default_rng(11)
    d = pd.DataFrame(np.round(rng.uniform(1, 5, (60, 4)), 2), columns=DOMS)
    d["D3"] = 2.5
    res = weight_sobol(d, "2020", n_base=512, spread=0.4, institutions=[0, 5], seed=0)
    s = res.table
    assert list(s.columns) == ["factor", "output", "measure", "S1", "S1_conf", "ST", "ST_conf", "output_variance"]
    assert len(s) == 4 * 3
    s = res
    assert s.n_evaluations == 512 * (4 + 2)
    assert s.problem["bounds"][3] == pytest.approx([0.455 * 0.6, 0.455 * 1.4])
    s = s.to_frame()
    rs = s[s["output"] == "R_S"].set_index("factor")
    assert rs.loc["D3", "ST"] == 0.0 and rs.loc["D3", "S1"] == 0.0
    assert rs.loc[["D1", "D2", "D4"], "ST"].max() > 0.2
    assert (s.loc[s["factor"] == "D3", ["S1", "ST"]].abs() < 1e-12).all().all()
    assert (s["ST_conf"] >= 0).all()


def test_sobol_dominant_weight_on_index():
    # an institution strong only in D4: its index depends on the D4 weight far more than on the others
    d = pd.DataFrame({"D1": [1.0, 3.0, 2.0], "D2": [1.0, 3.0, 2.5], "D3": [1.0, 3.0, 3.0], "D4": [5.0, 3.0, 2.0]})
    s = weight_sobol(d, "2020", n_base=1024, institutions=[0, 1], measure="index", seed=1).table
    first = s[s["output"] == "0"].set_index("factor")
    assert first["ST"].idxmax() == "D4"
    assert first.loc["D4", "S1"] > 0.3
    # institution 1 has equal domains: its index is 3.0 whatever the weights -> variance 0, indices 0
    flat = s[s["output"] == "1"]
    assert (flat["output_variance"] == 0).all() and (flat[["S1", "ST"]] == 0).all().all()


def test_sobol_bad_inputs():
    with pytest.raises(SPBEError, match="unknown institution"):
        weight_sobol(HAND, "2020", n_base=64, institutions=["Z"])
    with pytest.raises(SPBEError, match="measure"):
        weight_sobol(HAND, "2020", n_base=64, measure="score")
    with pytest.raises(SPBEError, match="deterministic"):
        weight_sobol(HAND, "2020", n_base=64, aggregation="mixed")
    s = weight_sobol(HAND, "2020", n_base=64, institutions=["B"]).table
    assert set(s["output"]) == {"R_S", "B"}


def test_sobol_is_reproducible_whatever_the_global_random_state():
    # SALib falls back to numpy's global state when given seed 0; weight_sobol must not.
    d = synthetic_domains(n=80, decimals=2)
    np.random.seed(1)
    a = weight_sobol(d, "2020", n_base=128, seed=0).table
    np.random.seed(2)
    b = weight_sobol(d, "2020", n_base=128, seed=0).table
    pd.testing.assert_frame_equal(a, b)
    c = weight_sobol(d, "2020", n_base=128, seed=1).table
    assert not np.allclose(a["S1_conf"], c["S1_conf"])


def test_levels_mode_accepts_explicit_aspect_weights():
    lv = _levels_2020(n=30)
    fw = get_framework("2020")
    official = pd.DataFrame([fw.aspects["weight"].to_numpy() / 100] * 5, columns=list(fw.aspects["aspect"]))
    r = weight_uncertainty(lv, "2020", weights=official)
    assert r.rs == 0 and (r.table["p_keep_predicate"] == 1).all()
    np.testing.assert_allclose(r.draws[DOMS].to_numpy(), np.tile(W0, (5, 1)))
    # moving weight from A2 to A3 (both in D2) changes indices but not the domain weights
    shifted = official.copy()
    shifted["A2"] -= 0.05
    shifted["A3"] += 0.05
    r2 = weight_uncertainty(lv, "2020", weights=shifted)
    np.testing.assert_allclose(r2.draws[DOMS].to_numpy(), np.tile(W0, (5, 1)))
    a = score(lv, "2020")
    np.testing.assert_allclose(r2.indices[0], np.round(a["index"] + 0.05 * (a["A3"] - a["A2"]), 9), atol=1e-9)


def test_n_draws_must_be_positive():
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(HAND, "2020", n_draws=0)
    assert e.value.field == "n_draws"


def test_rank_quantiles_match_numpy_inverted_cdf():
    from spbe_research.sensitivity import _rank_quantiles

    rng = np.random.default_rng(4)
    ranks = competition_ranks(np.round(rng.random((501, 40)), 1))  # many ties
    got = _rank_quantiles(ranks, (0.05, 0.5, 0.95))
    np.testing.assert_array_equal(got, np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf"))


def test_sobol_all_institutions():
    s = weight_sobol(HAND, "2020", n_base=64, institutions="all", measure="index").table
    assert list(dict.fromkeys(s["output"])) == ["R_S", "A", "B", "C"]


def test_any_framework_pemdi_aspects_and_indicators():
    fw = get_framework("8/2026")
    rng = np.random.default_rng(2)
    asp = pd.DataFrame(np.round(rng.uniform(1, 5, (40, 7)), 2), columns=list(fw.aspect_codes))
    r = weight_uncertainty(asp, fw, n_draws=200, seed=0)
    np.testing.assert_allclose(r.table["nominal_index"], np.round(asp.to_numpy() @ fw.aspect_weights, 9))
    assert list(r.table["nominal_predicate"].cat.categories) == list(fw.predicates)
    # indicator values on the continuous scale: weights of indicators inside each aspect are perturbed too
    ind = pd.DataFrame(np.round(rng.uniform(1, 5, (40, 20)), 2), columns=list(fw.indicator_codes))
    r2 = weight_uncertainty(ind, fw, n_draws=200, seed=0)
    np.testing.assert_allclose(r2.table["nominal_index"], np.round(score(ind, fw)["index"].to_numpy(), 9))
    np.testing.assert_allclose(r2.draws[list(fw.aspect_codes)].sum(axis=1), 1)
    s = weight_sobol(asp, fw, n_base=64, seed=0)
    assert list(s.table["factor"].unique()) == list(fw.aspect_codes)


@pytest.mark.parametrize("kw,field", [({"n_draws": 1e12}, "n_draws"), ({"n_draws": None}, "n_draws"),
                                      ({"n_draws": float("nan")}, "n_draws"), ({"n_draws": 2.5}, "n_draws"),
                                      ({"concentration": -1}, "concentration"), ({"seed": -3}, "seed"),
                                      ({"seed": "x"}, "seed"), ({"method": "normal"}, "method"),
                                      ({"spread": 1.5, "method": "uniform"}, "spread"),
                                      ({"aggregation": "median"}, "aggregation")])
def test_bad_arguments_name_their_field(kw, field):
    with pytest.raises(SPBEError) as e:
        weight_uncertainty(HAND, "2020", **{"n_draws": 10, **kw})
    assert e.value.field == field
