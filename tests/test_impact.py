"""Tests of the framework-change impact analyses (impact.py)."""
import numpy as np
import pandas as pd
import pytest

from national_table import NATIONAL
from spbe_research import get_framework
from spbe_research.errors import SPBEError
from spbe_research.impact import (
    concept_weights,
    decomposition_summary,
    domain_contributions,
    indicators_without_predecessor,
    map_profiles_to_2020,
    national_decomposition,
    national_mechanical,
    paired_change_tests,
    predicate_transitions,
    rank_stability,
    shift_share,
    simulate_switch,
    simulation_seeds,
    switch_pairs,
    synthetic_profiles_2018,
    transition_matrix,
    transition_summary,
    year_pairs,
)



def test_concept_weights():
    assert concept_weights("2018").to_dict() == pytest.approx({"policy": 0.17, "governance": 0.28, "services": 0.55})
    assert concept_weights("2020")["management"] == pytest.approx(0.165)


def test_shift_share_parts_sum_exactly_and_by_hand():
    la = pd.Series({"policy": 2.07, "governance": 1.95, "services": 2.48})
    lb = pd.Series({"policy": 2.21, "governance": 1.89, "management": 1.23, "services": 2.81})
    parts = shift_share(la, concept_weights("2018"), lb, concept_weights("2020"))
    total = (lb * concept_weights("2020")).sum() - (la * concept_weights("2018")).sum()
    assert parts["value"].sum() == pytest.approx(total, abs=1e-12)
    v = parts.set_index(["component", "part"])["value"]
    assert v[("management", "added")] == pytest.approx(0.165 * 1.23, abs=1e-15)
    assert v[("policy", "level")] == pytest.approx((0.17 + 0.13) / 2 * (2.21 - 2.07), abs=1e-15)
    assert v[("services", "weight")] == pytest.approx((2.48 + 2.81) / 2 * (0.455 - 0.55), abs=1e-15)
    # a removed component
    p2 = shift_share(lb, concept_weights("2020"), la, concept_weights("2018"))
    assert p2.set_index(["component", "part"])["value"][("management", "removed")] == pytest.approx(-0.165 * 1.23)
    assert p2["value"].sum() == pytest.approx(-total, abs=1e-12)


def test_shift_share_rejects_missing():
    la = pd.Series({"a": 1.0, "b": np.nan})
    with pytest.raises(SPBEError):
        shift_share(la, pd.Series({"a": 0.5, "b": 0.5}), la.fillna(1), pd.Series({"a": 0.5, "b": 0.5}))


def test_national_decomposition_sums_to_change_for_every_year_pair():
    dec = national_decomposition(NATIONAL)
    sums = dec.groupby(["year_from", "year_to"]).agg(s=("value", "sum"), t=("total_change", "first"))
    assert len(sums) == 6
    assert np.abs(sums.s - sums.t).max() < 1e-12
    # same-framework years have zero weight effects
    assert dec[(dec.year_to != 2021) & (dec.part == "weight")]["value"].abs().max() == 0
    sw = dec[dec.year_to == 2021]
    assert set(sw.part) == {"level", "weight", "added"}
    assert sw["total_change"].iloc[0] == pytest.approx(
        0.13 * 2.21 + 0.25 * 1.89 + 0.165 * 1.23 + 0.455 * 2.81 - (0.17 * 2.07 + 0.28 * 1.95 + 0.55 * 2.48), abs=1e-12)


def test_national_mechanical_values():
    m = national_mechanical(NATIONAL).set_index("year")
    assert m.loc[2018, "index_own_weights"] == pytest.approx(0.17 * 1.75 + 0.28 * 1.74 + 0.55 * 2.17, abs=1e-12)
    assert np.isnan(m.loc[2019, "index_2020_weights"])
    assert m.loc[2024, "index_2018_weights"] == pytest.approx(0.17 * 3.36 + 0.28 * 2.62 + 0.55 * 3.78, abs=1e-12)
    assert m.loc[2024, "index_2020_weights"] == pytest.approx(0.13 * 3.36 + 0.25 * 2.62 + 0.165 * 1.86 + 0.455 * 3.78)
    assert m.loc[2024, "mechanical_effect"] < 0  # adding the weak Manajemen domain lowers the index


def _panel():
    """Tiny hand-made panel: 6 institutions, press rows before the switch, official rows after."""
    rows = []
    before = {"a": 2.6, "b": 2.0, "c": 3.1, "d": 1.5, "e": 2.2, "f": 2.9}
    after = {"a": 2.058, "b": 2.1, "c": 2.7, "d": 1.4, "e": 1.9, "f": 2.5}
    for k, v in before.items():
        rows.append(dict(institution_id=k, institution_name=k.upper(), institution_type="kabupaten", year=2020,
                         source_kind="press", index=v, predicate=None, source="x"))
    for k, v in after.items():
        rows.append(dict(institution_id=k, institution_name=k.upper(), institution_type="kabupaten", year=2021,
                         source_kind="press", index=v, predicate=None, source="y"))
    # an earlier pre-switch score for a (must be ignored: the latest ≤2020 counts)
    rows.append(dict(institution_id="a", institution_name="A", institution_type="kabupaten", year=2019,
                     source_kind="press", index=1.0, predicate=None, source="z"))
    # conflicting duplicate for g (dropped), agreeing duplicate for f (kept once)
    rows.append(dict(institution_id="g", institution_name="G", institution_type="kota", year=2020, source_kind="press",
                     index=2.0, predicate=None, source="p"))
    rows.append(dict(institution_id="g", institution_name="G", institution_type="kota", year=2020, source_kind="press",
                     index=2.4, predicate=None, source="q"))
    rows.append(dict(institution_id="g", institution_name="G", institution_type="kota", year=2022, source_kind="press",
                     index=2.4, predicate=None, source="q"))
    rows.append(dict(institution_id="f", institution_name="F", institution_type="kabupaten", year=2021,
                     source_kind="press", index=2.5, predicate=None, source="w"))
    # h: first post-switch year (2021) conflicted -> no pair, even though 2023 is clean
    for y, v in ((2020, 2.0), (2021, 2.1), (2021, 2.2), (2023, 2.5)):
        rows.append(dict(institution_id="h", institution_name="H", institution_type="kota", year=y,
                         source_kind="press", index=v, predicate=None, source="s"))
    return pd.DataFrame(rows)


def test_switch_pairs_latest_before_earliest_after_and_conflicts():
    pairs, conflicts = switch_pairs(_panel())
    assert pairs.institution_id.tolist() == ["a", "b", "c", "d", "e", "f"]
    a = pairs.set_index("institution_id").loc["a"]
    assert a.index_before == 2.6 and a.index_after == 2.058 and a.year_before == 2020 and a.gap_years == 1
    assert a.change == pytest.approx(-0.542)
    assert set(conflicts.institution_id) == {"g", "h"} and len(conflicts) == 4


def test_official_row_wins_over_press():
    p = _panel()
    off = dict(institution_id="b", institution_name="B", institution_type="kabupaten", year=2021,
               source_kind="official_report", index=2.3, predicate="Cukup", source="report")
    pairs, _ = switch_pairs(pd.concat([p, pd.DataFrame([off])], ignore_index=True))
    assert pairs.set_index("institution_id").loc["b", "index_after"] == 2.3


def test_paired_change_tests_rows():
    pairs, _ = switch_pairs(_panel())
    res = paired_change_tests(pairs, n_boot=1000)
    assert res.test.tolist() == ["wilcoxon_signed_rank", "paired_t"]
    assert (res.n == 6).all()
    # 5 of 6 decreased: rank-biserial negative; dz negative
    assert res.loc[0, "rank_biserial"] < 0 and res.loc[1, "cohen_dz"] < 0


def test_predicate_transitions_counts():
    pairs, _ = switch_pairs(_panel())
    tr = predicate_transitions(pairs)
    assert len(tr) == 25 and tr.n.sum() == 6
    t = tr.set_index(["predicate_before", "predicate_after"])["n"]
    # a: 2.6 Baik -> 2.058 Cukup; c: 3.1 Baik -> 2.7 Baik; f: 2.9 Baik -> 2.5 Cukup
    assert t[("Baik", "Cukup")] == 2 and t[("Baik", "Baik")] == 1
    assert t[("Kurang", "Kurang")] == 1  # d: 1.5 -> 1.4


def _official_pairs(n=40, seed=1):
    rng = np.random.default_rng(seed)
    base = rng.uniform(1.5, 4.5, n)
    rows = []
    for y, shift in ((2023, 0.0), (2024, 0.3)):
        d = np.clip(np.column_stack([base + shift + rng.normal(0, 0.1, n) for _ in range(4)]), 1, 5).round(2)
        idx = d @ get_framework("2020").domain_weights
        for i in range(n):
            rows.append(dict(institution_id=f"i{i:02d}", institution_name=f"I{i}",
                             institution_type="kota" if i % 2 else "kabupaten", year=y, source_kind="official_report",
                             D1=d[i, 0], D2=d[i, 1], D3=d[i, 2], D4=d[i, 3], index=round(idx[i], 2),
                             predicate=None, source="r"))
    return pd.DataFrame(rows)


def test_year_pairs_rank_stability_and_domain_contributions():
    pairs = year_pairs(_official_pairs())
    assert len(pairs) == 40 and {"D1_before", "D4_after"} <= set(pairs.columns)
    rs = rank_stability(pairs, by="institution_type")
    assert set(rs.test) == {"spearman", "kendall"} and set(rs.group) == {"all", "kabupaten", "kota"}
    assert (rs.statistic > 0.8).all()
    dc = domain_contributions(pairs, by="institution_type")
    allc = dc[dc.group == "all"]
    recomputed_change = ((pairs[[f"D{k}_after" for k in range(1, 5)]].to_numpy()
                          - pairs[[f"D{k}_before" for k in range(1, 5)]].to_numpy())
                         @ get_framework("2020").domain_weights).mean()
    assert allc.contribution.sum() == pytest.approx(recomputed_change, abs=1e-12)
    assert allc.share_of_change.sum() == pytest.approx(1.0, abs=1e-12)
    assert allc.set_index("domain").loc["D4", "weight"] == 0.455


def test_year_pairs_missing_year_raises():
    with pytest.raises(SPBEError, match="2025"):
        year_pairs(_official_pairs(), 2024, 2025)


def test_synthetic_profiles_seeded_labelled_and_in_range():
    a = synthetic_profiles_2018(50, seed=3)
    b = synthetic_profiles_2018(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.index.name == "synthetic_unit" and a.index[0] == "syn_0000"
    assert map_profiles_to_2020(a, "level_1", "clip").index.name == "synthetic_unit"  # the label travels
    assert a.shape == (50, 37) and a.to_numpy().min() >= 0 and a.to_numpy().max() <= 5
    assert not a.equals(synthetic_profiles_2018(50, seed=4))


def test_mapping_rules_by_hand():
    fw18 = get_framework("2018")
    prof = pd.DataFrame([np.zeros(37, int), np.full(37, 5)], columns=list(fw18.indicator_codes))
    m = map_profiles_to_2020(prof, "level_1", "clip")
    assert m.shape == (2, 47)
    assert (m.iloc[0] == 1).all()  # zero -> 1 everywhere
    assert m.iloc[1][["1", "37", "45"]].tolist() == [5, 5, 5]  # predecessors at 5
    assert m.iloc[1][["3", "21", "43"]].tolist() == [1, 1, 1]  # no predecessor -> rule level_1
    s = map_profiles_to_2020(prof.replace(0, 2), "level_1", "shift")
    assert s.iloc[0]["37"] == 3  # 2018 indicator 25 (level 2) -> 37 at 2 + 1
    r = map_profiles_to_2020(prof.replace(0, 3), "level_1", "rescale")
    assert r.iloc[0]["37"] == 3  # 1 + 0.8*3 = 3.4 -> 3
    with pytest.raises(SPBEError, match="scale"):
        map_profiles_to_2020(prof, "level_1", "bogus")
    with pytest.raises(SPBEError, match="new-indicator"):
        map_profiles_to_2020(prof, "bogus", "clip")


def test_simulation_reproducible_and_monotone():
    a = simulate_switch(300, seed=2, n_boot=200)
    b = simulate_switch(300, seed=2, n_boot=200)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 12 and a.synthetic.all()
    s = a.set_index(["new_indicators", "scale"])["mean_shift"]
    for sc in ("clip", "shift", "rescale"):
        assert s[("level_5", sc)] > s[("own_mean", sc)] > s[("level_1", sc)]
    for rule in ("level_1", "own_mean", "level_5"):
        assert s[(rule, "shift")] >= s[(rule, "clip")]  # +1 never below clipping 0 -> 1
    assert (a.ci95_low <= a.mean_shift).all() and (a.mean_shift <= a.ci95_high).all()


def test_simulation_conditioned_on_2018_index():
    sim = simulate_switch(2000, seed=0, new_indicators=["level_1"], scales=["clip"], n_boot=200,
                          index_2018_range=(2.5, 2.7))
    assert 2.5 <= sim.loc[0, "mean_index_2018"] <= 2.7 and sim.loc[0, "n_profiles"] < 2000
    with pytest.raises(SPBEError, match="profiles"):
        simulate_switch(50, seed=0, n_boot=200, index_2018_range=(4.9, 5.0))


def test_transitions_printed_predicates_must_be_known():
    pairs, _ = switch_pairs(_panel())
    pairs["predicate_before"] = "Baik"
    pairs["predicate_after"] = None
    with pytest.raises(SPBEError, match="predicate"):
        predicate_transitions(pairs, use_index=False)


def test_impact_figures_have_titles_and_labels():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting import impact as figs
    from spbe_research.plotting.style import alt_text

    pairs, _ = switch_pairs(_panel())
    yp = year_pairs(_official_pairs())
    dec = national_decomposition(NATIONAL)
    built = {
        "national": figs.plot_national_weights(national_mechanical(NATIONAL)),
        "decomposition": figs.plot_decomposition(dec),
        "slope": figs.plot_slope(pairs, title="Across the switch"),
        "change": figs.plot_change_vs_before(yp, title="2023 → 2024"),
        "heatmap": figs.plot_transition_heatmap(predicate_transitions(pairs), title="Transitions"),
        "contrib": figs.plot_domain_contributions(domain_contributions(yp, by="institution_type")),
        "sim": figs.plot_simulation(simulate_switch(200, seed=0, n_boot=100), observed={"national": -0.02}),
    }
    for name, ax in built.items():
        assert isinstance(ax, matplotlib.axes.Axes), name
        assert ax.get_title(), name
        assert ax.get_xlabel() or name == "slope", name
        assert ax.get_ylabel(), name
        assert len(alt_text(ax)) > 60, name
        plt.close(ax.figure)
    assert built["slope"].get_ylabel() == "SPBE index (0–5)"
    assert built["heatmap"].get_xlabel() == "Predicate after"
    # the heatmap prints every count: 25 cells
    assert len(built["heatmap"].texts) == 25


def test_switch_pairs_on_predicate_uses_predicate_only_rows():
    p = _panel()
    extra = pd.DataFrame([
        dict(institution_id="m", institution_name="M", institution_type="kementerian", year=2018,
             source_kind="press", index=np.nan, predicate="Memuaskan", source="k"),
        dict(institution_id="m", institution_name="M", institution_type="kementerian", year=2023,
             source_kind="official_report", index=4.41, predicate="Memuaskan", source="r"),
    ])
    pairs, _ = switch_pairs(pd.concat([p, extra], ignore_index=True), on="predicate")
    m = pairs.set_index("institution_id").loc["m"]
    assert m.predicate_any_before == "Memuaskan" and m.predicate_any_after == "Memuaskan"
    assert np.isnan(m.change)
    a = pairs.set_index("institution_id").loc["a"]
    assert (a.predicate_any_before, a.predicate_any_after) == ("Baik", "Cukup")  # from the printed index
    idx_pairs, _ = switch_pairs(pd.concat([p, extra], ignore_index=True))
    assert "m" not in set(idx_pairs.institution_id)
    tr = predicate_transitions(pairs, use_index=False, columns=("predicate_any_before", "predicate_any_after"))
    assert tr.n.sum() == len(pairs)
    with pytest.raises(SPBEError, match="on"):
        switch_pairs(p, on="domain")


def test_shift_share_previous_baseline_exact_and_negative_for_a_weak_new_domain():
    la = pd.Series({"policy": 2.07, "governance": 1.95, "services": 2.48})
    lb = pd.Series({"policy": 2.21, "governance": 1.89, "management": 1.23, "services": 2.81})
    wa, wb = concept_weights("2018"), concept_weights("2020")
    total = (lb * wb).sum() - (la * wa).sum()
    i_a = (la * wa).sum()
    zero = shift_share(la, wa, lb, wb).set_index(["component", "part"])["value"]
    prev = shift_share(la, wa, lb, wb, baseline="previous").set_index(["component", "part"])["value"]
    assert prev.sum() == pytest.approx(total, abs=1e-12)
    assert prev[("management", "added")] == pytest.approx(0.165 * (1.23 - i_a), abs=1e-15) and prev[("management", "added")] < 0
    assert zero[("management", "added")] > 0
    # level parts do not depend on the baseline; weight + added (the re-weighting effect) neither
    lvl = [k for k in zero.index if k[1] == "level"]
    assert np.allclose(zero[lvl], prev[lvl], atol=1e-15)
    rew = [k for k in zero.index if k[1] != "level"]
    assert zero[rew].sum() == pytest.approx(prev[rew].sum(), abs=1e-12)
    # a numeric baseline is exact too
    assert shift_share(la, wa, lb, wb, baseline=1.7)["value"].sum() == pytest.approx(total, abs=1e-12)
    with pytest.raises(SPBEError, match="baseline"):
        shift_share(la, wa, lb, wb, baseline="mean")
    with pytest.raises(SPBEError, match="weight totals"):
        shift_share(la, wa * 0.9, lb, wb, baseline="previous")


def test_decomposition_summary_reweighting():
    for baseline in ("zero", "previous"):
        dec = national_decomposition(NATIONAL, baseline=baseline)
        s = decomposition_summary(dec).set_index("year_to")
        assert len(s) == 6 and s.parts_sum_minus_total.abs().max() < 1e-12
        assert (s.level + s.reweighting - s.total_change).abs().max() < 1e-12
        sw = s.loc[2021]
        # weights moved (17/28/55 -> 13/25/45.5) and Manajemen added: together about -0.191
        reweight = ((0.13 - 0.17) * (2.07 + 2.21) / 2 + (0.25 - 0.28) * (1.95 + 1.89) / 2
                    + (0.455 - 0.55) * (2.48 + 2.81) / 2 + 0.165 * 1.23)
        assert sw.reweighting == pytest.approx(reweight, abs=1e-12)
        assert sw.reweighting == pytest.approx(-0.1915, abs=1e-4)
        assert s.drop(2021)[["weight", "added", "removed", "reweighting"]].abs().max().max() == 0
    z = decomposition_summary(national_decomposition(NATIONAL)).set_index("year_to").loc[2021]
    assert z.added == pytest.approx(0.165 * 1.23) and z.weight == pytest.approx(-0.394, abs=0.0005)
    with pytest.raises(SPBEError, match="part"):
        decomposition_summary(national_decomposition(NATIONAL).replace({"part": {"level": "bogus"}}))


def test_transition_summary_and_matrix():
    pairs, _ = switch_pairs(_panel())
    tr = predicate_transitions(pairs)
    s = transition_summary(tr).iloc[0]
    # b: 2.0 Cukup -> 2.1 Cukup; a, f: Baik -> Cukup; c: Baik -> Baik; d: Kurang -> Kurang; e: 2.2 Cukup -> 1.9 Cukup
    assert (s.n, s.n_up, s.n_down, s.n_same) == (6, 0, 2, 4)
    assert s.share_down == pytest.approx(2 / 6)
    m = transition_matrix(tr)
    assert m.shape == (5, 5) and m.to_numpy().sum() == 6 and m.loc["Baik", "Cukup"] == 2
    assert np.trace(m.to_numpy()) == s.n_same
    up = pd.DataFrame({"predicate_before": ["Kurang", "Cukup"], "predicate_after": ["Baik", "Cukup"], "n": [3, 4]})
    u = transition_summary(up).iloc[0]
    assert (u.n_up, u.n_up_2plus, u.n_same, u.n_down) == (3, 3, 4, 0)
    with pytest.raises(SPBEError, match="predicate"):
        transition_summary(up.assign(predicate_after=["Excellent", "Cukup"]))


def test_indicators_without_predecessor():
    new = indicators_without_predecessor()
    assert len(new) == 20
    assert {"3", "21", "43"} <= set(new["indicator"].astype(str))
    assert not {"1", "37", "45"} & set(new["indicator"].astype(str))


def test_simulation_streams_independent_and_reproducible():
    a = simulate_switch(300, seed=5, new_indicators=["national_2021"], scales=["clip"], n_boot=200)
    pd.testing.assert_frame_equal(a, simulate_switch(300, seed=5, new_indicators=["national_2021"], scales=["clip"],
                                                     n_boot=200))
    sp, sm, sb = simulation_seeds(5)
    # rebuilt by hand from the three child streams
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    prof = synthetic_profiles_2018(300, seed=sp)
    mapped = map_profiles_to_2020(prof, "national_2021", "clip", seed=sm)
    shift = mapped.to_numpy(float) @ fw20.indicator_weights - prof.to_numpy(float) @ fw18.indicator_weights
    assert a.loc[0, "mean_shift"] == pytest.approx(shift.mean(), abs=1e-12)
    # the streams differ from each other ...
    draws = [np.random.default_rng(s).standard_normal(5) for s in (sp, sm, sb)]
    assert not np.allclose(draws[0], draws[1]) and not np.allclose(draws[1], draws[2])
    # ... and from reusing the integer seed for profiles and mapping (the old, correlated scheme)
    prof1 = synthetic_profiles_2018(300, seed=5)
    one = map_profiles_to_2020(prof1, "national_2021", "clip", seed=5).to_numpy(float) @ fw20.indicator_weights
    assert not np.isclose(a.loc[0, "mean_shift"], (one - prof1.to_numpy(float) @ fw18.indicator_weights).mean())
    with pytest.raises(SPBEError, match="seed"):
        simulation_seeds(-1)


def test_plot_hypotheses_marks_clipped_values_and_puts_legend_outside():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting import impact as figs

    hyp = pd.DataFrame({"hypothesis": ["a", "b", "a", "b"], "year": [2023, 2023, 2024, 2024],
                        "difference": [0.002, 0.335, -0.004, 0.374], "tolerance": [0.005, 0.01, 0.005, 0.01]})
    ax = figs.plot_hypotheses(hyp)
    fig = ax.figure
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["+0.335", "+0.374"]  # each clipped value is written beside its edge marker
    assert len(ax.get_xticks()) <= 5 and ax.get_xlabel() and ax.get_title()
    leg = ax.get_legend()
    fig.canvas.draw()
    # legend box entirely right of the axes
    assert leg.get_window_extent().x0 >= ax.get_window_extent().x1
    plt.close(fig)
