"""Tests of the multi-choice uncertainty engine (sensitivity.problem / uncertainty / sobol) and of the scoring
engine's multi-draw functions it runs on. Data are synthetic (seeded), not real institutions."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spbe_research import SPBEError, get_framework, score
from spbe_research import sensitivity as S
from spbe_research.means import weighted_mean
from spbe_research.scoring import evaluate, evaluate_draws, leaf_weights_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference import uncertainty_loop  # noqa: E402

FW = get_framework("2020")
DOMS = ["D1", "D2", "D3", "D4"]


def levels(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 6, (n, 47)), columns=list(FW.indicator_codes))


def domains(n=80, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(np.round(rng.uniform(1, 5, (n, 4)), 2), columns=DOMS)


# ---------------------------------------------------------------- scoring engine, many draws
@pytest.mark.parametrize("agg", [None, "geometric", "harmonic", "power:0.5", {"domain": "geometric"}])
def test_evaluate_draws_matches_evaluate(agg):
    L = levels().to_numpy(float)
    np.testing.assert_allclose(evaluate_draws(L, FW, aggregation=agg)[0], evaluate(L, FW, agg)[:, -1], rtol=1e-12)


def test_leaf_weights_compose_the_tree():
    np.testing.assert_allclose(leaf_weights_of(FW)[0], FW.indicator_weights, atol=1e-15)
    # doubling D4's share inside the index (renormalised) moves exactly the D4 leaves
    comp = FW.compiled
    top = len(comp.steps) - 1
    W = np.array(comp.steps[top][3], dtype=float)[None].copy()
    W[0, 3, 0] *= 2
    W[0] /= W[0].sum()
    sw = [None] * len(comp.steps)
    sw[top] = W
    w = leaf_weights_of(FW, sw)[0]
    d4 = FW.indicators["domain"].to_numpy() == "D4"
    np.testing.assert_allclose(w[d4].sum(), 0.91 / 1.455)
    assert w.sum() == pytest.approx(1)


def test_moves_equal_dense_per_draw_values():
    L = levels(n=20).to_numpy(float)
    rng = np.random.default_rng(3)
    d = 5
    draw, row, col = rng.integers(0, d, 40), rng.integers(0, 20, 40), rng.integers(0, 47, 40)
    key = pd.DataFrame({"d": draw, "r": row, "c": col}).drop_duplicates()
    draw, row, col = (key[c].to_numpy() for c in "drc")
    val = rng.integers(1, 6, len(draw)).astype(float)
    dense = np.repeat(L[None], d, axis=0)
    dense[draw, row, col] = val
    for agg in (None, "geometric", {"domain": "harmonic"}):
        a = evaluate_draws(L, FW, aggregation=agg, moves=(draw, row, col, val), n_draws=d)
        b = evaluate_draws(dense, FW, aggregation=agg)
        c = np.array([evaluate(dense[i], FW, agg)[:, -1] for i in range(d)])
        np.testing.assert_allclose(a, c, rtol=1e-12)
        np.testing.assert_allclose(b, c, rtol=1e-12)


def test_weighted_mean_broadcasts_over_draws():
    rng = np.random.default_rng(0)
    X = rng.uniform(1, 5, (3, 10, 4))
    W = rng.dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1)  # (3, 4, 2), columns sum to 1
    for m in ("arithmetic", "geometric", -2):
        got = weighted_mean(X, W, m)
        assert got.shape == (3, 10, 2)
        for i in range(3):
            np.testing.assert_allclose(got[i], weighted_mean(X[i], W[i], m))


# ---------------------------------------------------------------- uncertainty: equals the per-draw rebuild
ALL_ON = dict(weights=S.Weights(concentration=50),
              aggregation=S.Aggregation(options=("arithmetic", "geometric", "power:2", {"domain": "geometric"})),
              band_rule=S.BandRule(), noise=S.MeasurementError(p=0.15))


def test_vectorised_equals_per_draw_rebuild_with_every_input():
    prob = S.problem(levels(n=50), FW, **ALL_ON)
    u = S.uncertainty(prob, 40, seed=5, keep_draws=True)
    assert (u.usage["n_draws"] > 0).all()  # every option of every input was drawn
    table, rs, idx = uncertainty_loop(prob, 40, seed=5)
    np.testing.assert_allclose(u.indices, idx, atol=1e-12)
    for c in table.columns:
        np.testing.assert_allclose(u.table[c].to_numpy(float), table[c].to_numpy(float), err_msg=c)
    assert u.rs == pytest.approx(rs)


def test_same_seed_same_result_whatever_the_chunk_size():
    prob = S.problem(levels(n=40), FW, **ALL_ON)
    a = S.uncertainty(prob, 300, seed=2, chunk_size=64, keep_draws=True)
    b = S.uncertainty(prob, 300, seed=2, chunk_size=4096, keep_draws=True)
    np.testing.assert_array_equal(a.indices, b.indices)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.convergence, b.convergence)
    assert list(a.convergence["n_draws"]) == [64, 128, 256, 300]
    assert a.convergence.iloc[-1]["R_S"] == pytest.approx(a.rs)
    c = S.uncertainty(prob, 300, seed=3, chunk_size=64)
    assert c.rs != a.rs


def test_switching_an_input_off_keeps_the_others_draws():
    L = levels(n=30)
    on = S.uncertainty(S.problem(L, FW, weights=S.Weights(), aggregation=S.Aggregation(options=("arithmetic",))),
                       100, seed=0, keep_draws=True)
    off = S.uncertainty(S.problem(L, FW, weights=S.Weights()), 100, seed=0, keep_draws=True)
    np.testing.assert_array_equal(on.indices, off.indices)


def test_nothing_uncertain_means_nothing_moves():
    u = S.uncertainty(S.problem(domains(), FW, weights=None), 70, seed=0)
    assert u.rs == 0
    assert (u.table["p_keep_predicate"] == 1).all()
    assert (u.table["rank_interval"] == 0).all()
    np.testing.assert_allclose(u.table["mean_index"], u.table["nominal_index"], atol=1e-9)
    assert not u.assumptions["applied"].any()


def test_nominal_is_the_official_score():
    L = levels(n=25)
    prob = S.problem(L.assign(institution_id=[f"u{i}" for i in range(25)]), FW, **ALL_ON)
    u = S.uncertainty(prob, 64, seed=0)
    sc = score(L, FW)
    np.testing.assert_allclose(u.table["nominal_index"], sc["index"], atol=1e-9)
    assert list(u.table["nominal_predicate"].astype(str)) == list(sc["predicate"].astype(str))
    assert list(u.table["institution_id"][:2]) == ["u0", "u1"]


def test_level_moves_have_the_stated_probability_and_stay_on_the_scale():
    prob = S.problem(levels(n=200), FW, weights=None, noise=S.MeasurementError(p=0.2))
    v = prob.variants[0]
    d, r, c, new = S._level_moves(np.random.default_rng(0), v, S.BLOCK, 0.2)
    assert abs(len(d) / (S.BLOCK * 200 * 47) - 0.2) < 0.005
    old = v.L[r, c]
    assert (np.abs(new - old) == 1).all()
    assert new.min() >= 1 and new.max() <= 5
    assert (new[old == 5] == 4).all() and (new[old == 1] == 2).all()
    mid = (old > 1) & (old < 5)
    assert abs((new[mid] > old[mid]).mean() - 0.5) < 0.02


def test_assumptions_say_what_did_not_apply_and_usage_counts_draws():
    prob = S.problem(domains(), FW, weights=S.Weights(levels=("domain", "aspect")),
                     aggregation=S.Aggregation(options=("arithmetic", "geometric"), probabilities=(0.25, 0.75)),
                     noise=S.MeasurementError(p=0.1))
    a = prob.assumptions
    skipped = a[~a["applied"]]
    assert set(skipped["input"]) == {"weights", "band_rule", "measurement_error", "framework"}
    assert skipped.loc[skipped["input"] == "measurement_error", "note"].str.contains("not integer levels").all()
    assert skipped.loc[skipped["input"] == "weights", "value"].tolist() == ["aspect"]
    u = S.uncertainty(prob, 1000, seed=0)
    use = u.usage.set_index(["input", "option"])["n_draws"]
    assert use["aggregation", "arithmetic"] + use["aggregation", "geometric"] == 1000
    assert 180 < use["aggregation", "arithmetic"] < 320
    # continuous noise applies to domain values
    p2 = S.problem(domains(), FW, weights=None, noise=S.MeasurementError(p=None, sd=0.05))
    assert p2.assumptions.query("input == 'measurement_error'")["applied"].all()
    assert S.uncertainty(p2, 64, seed=0).rs > 0


def _toy_projection(data):
    """A minimal stand-in for the 59/2020 -> 8/2026 projection (tests only): each 8/2026 aspect takes the value
    of one SPBE domain."""
    fw = get_framework("8/2026")
    src = {"A1": "D2", "A2": "D2", "A3": "D3", "A4": "D3", "A5": "D3", "A6": "D4", "A7": "D4"}
    return pd.DataFrame({a: data[d].to_numpy() for a, d in src.items()}), fw


def test_framework_choice_scores_with_the_alternative():
    d = domains(n=60)
    prob = S.problem(d, FW, weights=None,
                     frameworks=S.FrameworkChoice({"toy 8/2026": _toy_projection}, probabilities=(0, 1)))
    u = S.uncertainty(prob, 64, seed=0, keep_draws=True)
    alt, fw = _toy_projection(d)
    expected = np.round(alt.to_numpy() @ fw.aspect_weights, 9)
    np.testing.assert_allclose(u.indices, np.tile(expected, (64, 1)), atol=1e-12)
    assert u.usage.set_index("option").loc["toy 8/2026", "n_draws"] == 64
    assert "PermenPANRB 8/2026" in prob.assumptions.query("input == 'framework'")["note"].iloc[0]
    with pytest.raises(SPBEError, match="rows"):
        S.problem(d, FW, frameworks=S.FrameworkChoice({"bad": lambda x: (_toy_projection(x)[0].iloc[:5],
                                                                          "8/2026")}))


def test_sobol_ranks_the_inputs():
    d = domains(n=120)
    prob = S.problem(d, FW, weights=S.Weights(concentration=1e6), noise=S.MeasurementError(p=None, sd=0.3),
                     aggregation=S.Aggregation(options=("arithmetic", "arithmetic")))
    s = S.sobol(prob, 256, seed=0, institutions=[0, 5])
    t = s.table.set_index(["output", "input"])
    assert t.loc[("R_S", "measurement_error"), "ST"] > 0.8
    assert t.loc[("R_S", "aggregation"), "ST"] == pytest.approx(0, abs=1e-9)
    assert t.loc[("R_S", "weights"), "ST"] < 0.05
    assert set(s.table["output"]) == {"R_S", "share_changed", "ranks (pooled)", "0", "5"}
    assert t.loc[("ranks (pooled)", "measurement_error"), "ST"] > 0.8
    assert s.n_evaluations == 256 * 5
    assert sorted(set(s.convergence["n_base"])) == [64, 128, 256]
    assert s.usage.query("input == 'aggregation'")["n_draws"].sum() == 256 * 5


@pytest.mark.parametrize("kw, field", [
    (dict(noise=S.MeasurementError(p=0.1, sd=0.1)), "noise"),
    (dict(aggregation=S.Aggregation(options=("median",))), "aggregation"),
    (dict(band_rule=S.BandRule(options=("floor",))), "band_rule"),
    (dict(aggregation=S.Aggregation(probabilities=(0.5, 0.6))), "aggregation"),
    (dict(weights=S.Weights(method="normal")), "method"),
    (dict(weights="dirichlet"), "weights"),
    (dict(frameworks=S.FrameworkChoice({})), "frameworks"),
])
def test_bad_problems_name_their_field(kw, field):
    with pytest.raises(SPBEError) as e:
        S.problem(domains(), FW, **kw)
    assert e.value.field == field


def test_bad_runs_name_their_field():
    prob = S.problem(domains(), FW)
    for kw, field in [({"n": 0}, "n"), ({"chunk_size": 0}, "chunk_size"), ({"fragile_below": 1.5}, "fragile_below")]:
        with pytest.raises(SPBEError) as e:
            S.uncertainty(prob, **{"n": 10, **kw})
        assert e.value.field == field
    with pytest.raises(SPBEError, match="Problem"):
        S.uncertainty(domains(), 10)
    with pytest.raises(SPBEError, match="unknown institution"):
        S.sobol(prob, 64, institutions=["nobody"])


def test_pooled_rank_indices_equal_salib_for_two_mirrored_institutions():
    # with two institutions (no ties) their ranks mirror each other: the pooled index is SALib's index of one
    d = pd.DataFrame({"D1": [2.0, 3.0], "D2": [3.0, 2.5], "D3": [2.2, 2.9], "D4": [3.1, 2.6]})
    prob = S.problem(d, FW, weights=S.Weights(concentration=20), noise=S.MeasurementError(p=None, sd=0.2))
    s = S.sobol(prob, 128, seed=0, institutions=[0]).table.set_index(["output", "input"])
    for g in ("weights", "measurement_error"):
        assert s.loc[("ranks (pooled)", g), "S1"] == pytest.approx(s.loc[("0", g), "S1"], abs=1e-9)
        assert s.loc[("ranks (pooled)", g), "ST"] == pytest.approx(s.loc[("0", g), "ST"], abs=1e-9)


def test_result_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prob = S.problem(domains(n=40), FW, aggregation=S.Aggregation())
    u = S.uncertainty(prob, 128, seed=0)
    s = S.sobol(prob, 64, seed=0)
    for ax in (u.plot("intervals"), u.plot("fragility"), u.plot("convergence"), s.plot(), s.plot(kind="convergence")):
        assert ax.get_title()
    assert s.plot().get_xlabel().startswith("uncertain input")
    with pytest.raises(SPBEError):
        u.plot("pie")
    plt.close("all")
