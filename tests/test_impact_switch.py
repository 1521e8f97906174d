"""Tests of the generic framework-switch analysis (impact.mapping, impact.projection) and the 2020->2021 pairs
judged against the national trend (impact.pairs, impact.decomposition)."""
import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as st

from national_table import NATIONAL
from spbe_research import get_framework, scoring
from spbe_research.errors import SPBEError
from spbe_research.impact import (Assumptions, assumption_sets, counterfactual_reference, crosswalk_coverage,
                                  decomposition_summary, dropped_exposure, exact_signed_rank_p, get_assumptions,
                                  leaf_values, linear_form, link_matrix, map_values, national_decomposition,
                                  national_trend, project, project_sets, projection_bounds, projection_summary,
                                  rebanding, rebanding_summary, shift_share, shift_share_frame, stage_subsets,
                                  structure_decomposition, switch_decomposition, switch_effect_tests, switch_pairs,
                                  switch_simulation, trend_adjust)
from spbe_research.impact.projection import _knapsack
from spbe_research.stats import hodges_lehmann

SPBE, PEMDI = get_framework("59/2020"), get_framework("8/2026")
DOMAINS = list(SPBE.codes("domain"))


def _profiles(n=200, seed=0, fw=SPBE):
    """SYNTHETIC whole-level profiles of a framework (seeded), one row per unit."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(fw.scale_min, fw.scale_max, size=(n, 1))
    lv = np.clip(np.floor(base + rng.normal(0, 1.0, size=(n, len(fw.indicator_codes))) + 0.5), fw.scale_min,
                 fw.scale_max)
    return pd.DataFrame(lv, columns=list(fw.indicator_codes), index=pd.Index([f"u{i}" for i in range(n)], name="unit"))


def _domains(levels: pd.DataFrame) -> pd.DataFrame:
    return scoring.score(levels.astype(int), SPBE)[DOMAINS]


# ---------------------------------------------------------------------------------------------
# re-banding
# ---------------------------------------------------------------------------------------------

def test_rebanding_by_hand_and_summary():
    r = rebanding(pd.Series([2.59, 1.6, 4.1, 3.5, 1.2], index=list("abcde")))
    assert r.loc["a", ["predicate_from", "predicate_to"]].tolist() == ["Cukup", "Baik"]
    assert r.loc["b", ["predicate_from", "predicate_to"]].tolist() == ["Kurang", "Cukup"]
    assert r.loc["c", ["predicate_from", "predicate_to"]].tolist() == ["Sangat Baik", "Memuaskan"]
    assert r["changed"].tolist() == [True, True, True, False, False]
    assert (r["band_step"] >= 0).all()  # the 8/2026 bands are all at or below the 59/2020 ones
    s = rebanding_summary(r.assign(kind=["x", "x", "y", "y", "y"]), by="kind").set_index("group")
    assert (s.loc["all", "n"], s.loc["all", "n_changed"], s.loc["all", "n_up"]) == (5, 3, 3)
    assert s.loc["y", "n_changed"] == 1
    # a 5/2018 index below 1 is off the 59/2020 scale: no predicate, not counted as a change
    off = rebanding([0.5, 2.0], "2018", "2020")
    assert off["on_to_scale"].tolist() == [False, True] and pd.isna(off["predicate_to"].iloc[0])
    assert not off["changed"].any()
    with pytest.raises(SPBEError):
        rebanding([np.nan])


# ---------------------------------------------------------------------------------------------
# assumption sets and the link matrix
# ---------------------------------------------------------------------------------------------

def test_assumption_sets_grid_names_and_grades():
    sets = assumption_sets("2020", "2026")
    assert [s.name for s in sets][:4] == ["all/scale_min/carry", "all/scale_min/rule", "all/own_mean/carry",
                                          "all/own_mean/rule"]
    assert len(sets) == 8 and {s.evidence_grade for s in sets} == {"C"}
    hist = assumption_sets("2018", "2020", links=("all",))
    assert len(hist) == 6 and all(s.name.count("/") == 3 for s in hist)  # scales differ: scale is a dimension
    assert {s.external for s in hist} == {"carry"}  # 59/2020 has no external-index indicators
    frame = sets[0].to_frame()
    assert frame.loc[0, "assumption_set"] == "all/scale_min/carry" and frame.loc[0, "description"]
    assert get_assumptions("all/scale_max/carry").new_indicators == "scale_max"
    with pytest.raises(SPBEError, match="unknown assumption set"):
        get_assumptions("all/bogus/carry")
    with pytest.raises(SPBEError, match="links"):
        Assumptions("x", links="some")


def test_link_matrix_2020_2026():
    lm = link_matrix("2020", "2026")
    m = lm.matrix
    assert np.allclose(m[:, lm.has_pred].sum(axis=0), 1.0) and not m[:, ~lm.has_pred].any()
    codes_b = np.array(PEMDI.indicator_codes)
    assert set(codes_b[~lm.has_pred]) == {"6", "7", "8", "11", "12", "17", "20"}
    assert (~lm.linked).sum() == 14  # the individual services 32-41, 44-47
    j = list(PEMDI.indicator_codes).index("1")
    preds = np.array(SPBE.indicator_codes)[m[:, j] > 0]
    assert set(preds) == {"1", "2", "11", "12", "13"} and np.allclose(m[m[:, j] > 0, j], 0.2)
    strong = link_matrix("2020", "2026", links="strong")
    assert strong.has_pred.sum() < lm.has_pred.sum()
    assert not strong.has_pred[list(PEMDI.indicator_codes).index("19")]  # only a partial link (from 42)
    with pytest.raises(SPBEError, match="not a scored leaf"):
        link_matrix("2020", "2026", crosswalk=pd.DataFrame({"from_code": ["99"], "to_code": ["1"],
                                                            "relation": ["same"], "grade": ["B"]}))


def test_map_values_rules_by_hand():
    x = np.full((1, 47), 3.0)
    x[0, [0, 1, 10, 11, 12]] = [1, 2, 3, 4, 5]  # predecessors of Pemdi 1
    codes = list(PEMDI.indicator_codes)
    y, origin = map_values(x, SPBE, PEMDI, get_assumptions("all/scale_min/carry"))
    assert y[0, codes.index("1")] == pytest.approx(3.0)  # mean of 1..5
    assert y[0, codes.index("20")] == 1.0 and origin[codes.index("20")] == "new"
    assert y[0, codes.index("5")] == 3.0 and origin[codes.index("5")] == "carried"
    y2, o2 = map_values(x, SPBE, PEMDI, get_assumptions("all/own_mean/rule"))
    ext = [codes.index(c) for c in ("5", "6", "7", "10", "11", "12", "18")]
    assert (y2[0, ext] == 1.0).all() and set(o2[ext]) == {"external_rule"}
    carried = o2 == "carried"
    assert y2[0, codes.index("20")] == pytest.approx(y2[0, carried].mean())  # own mean of the carried ones
    with pytest.raises(SPBEError, match="national_means"):
        map_values(x, SPBE, PEMDI, Assumptions("n", new_indicators="national_first_year"))
    with pytest.raises(SPBEError, match="matrix"):
        map_values(x[:, :10], SPBE, PEMDI, get_assumptions("all/scale_min/carry"))


# ---------------------------------------------------------------------------------------------
# projection
# ---------------------------------------------------------------------------------------------

def test_project_from_domains_is_labelled_and_exact():
    lv = _profiles(50, seed=1)
    dom = _domains(lv)
    p = project(dom, "all/own_mean/carry")
    f = p.to_frame()
    assert (f["kind"] == "projection").all() and (f["assumption_set"] == "all/own_mean/carry").all()
    assert f["unit"].tolist() == dom.index.tolist() and p.input_level == "domain"
    assert np.allclose(f["index_before"], scoring.index_from_domains(dom, SPBE), atol=1e-12)
    # the projected aggregates are the engine's own scoring of the projected indicator values
    again = scoring.score(p.values, PEMDI)
    assert np.allclose(again["index"], f["index"], atol=1e-12)
    assert list(f.columns[-9:-2]) == list(PEMDI.codes("aspect"))
    ind = p.indicator_frame()
    assert len(ind) == 50 * 20 and set(ind["origin"]) == {"carried", "new"}


@pytest.mark.parametrize("name", [s.name for s in assumption_sets("2020", "2026")])
def test_linear_form_equals_the_mapping(name):
    lv = _profiles(40, seed=2)
    asm = get_assumptions(name)
    a, b, b2, _ = linear_form(SPBE, PEMDI, asm)
    assert b == b2
    p = project(lv, asm)
    assert p.input_level == "leaf"
    assert np.allclose(lv.to_numpy(float) @ a + b, p.index.to_numpy(), atol=1e-12)


def test_bounds_contain_every_consistent_profile_and_every_set():
    lv = _profiles(120, seed=3)
    dom = _domains(lv)
    hard = projection_bounds(dom)
    for s in assumption_sets("2020", "2026"):
        inner = projection_bounds(dom, s)
        truth = project(lv, s).index.to_numpy()  # the true profile is one of those consistent with the domains
        assert (truth >= inner["index_low"] - 1e-9).all() and (truth <= inner["index_high"] + 1e-9).all()
        assert (inner["index_low"] >= hard["index_low"] - 1e-9).all()
        assert (inner["index_high"] <= hard["index_high"] + 1e-9).all()
        proj = project(dom, s).index
        assert (proj >= hard["index_low"] - 1e-9).all() and (proj <= hard["index_high"] + 1e-9).all()
    assert (hard["kind"] == "projection").all()


def test_knapsack_matches_linear_programming():
    rng = np.random.default_rng(4)
    for _ in range(10):
        k = int(rng.integers(2, 9))
        a = rng.normal(size=k)
        v = rng.uniform(0.1, 1, k)
        v /= v.sum()
        target = rng.uniform(1, 5, 3)
        for maximise in (True, False):
            got = _knapsack(a, v, target, 1.0, 5.0, maximise)
            for t, g in zip(target, got):
                res = optimize.linprog(-a if maximise else a, A_eq=v[None, :], b_eq=[t], bounds=[(1, 5)] * k)
                assert g == pytest.approx(-res.fun if maximise else res.fun, abs=1e-7)


def test_structure_and_concept_decompositions_are_exact():
    dom = _domains(_profiles(60, seed=5))
    p = project(dom, "all/scale_min/rule")
    sd = structure_decomposition(p)
    assert sd["parts_sum_minus_total"].abs().max() < 1e-12
    assert np.allclose(sd["total_change"], p.index - p.index_before, atol=1e-12)
    carry = structure_decomposition(project(dom, "all/scale_min/carry"))
    assert np.allclose(carry["dropped"], -dropped_exposure(dom, links="all"), atol=1e-12)
    # under the assessors' rule, old indicators feeding only external-index indicators leave too
    assert not np.allclose(sd["dropped"], carry["dropped"])
    sw = switch_decomposition(p)
    sums = sw.groupby("unit")["value"].sum().reindex(dom.index)
    assert np.allclose(sums, p.index - p.index_before, atol=1e-12)
    assert {"policy", "management"} <= set(sw.loc[sw["part"] == "removed", "component"])


def test_summary_sets_within_bounds_and_index_level_input():
    dom = _domains(_profiles(80, seed=6))
    s = projection_summary(dom)
    assert (s["index_min"] <= s["index_max"]).all()
    assert (s["index_min"] >= s["bounds_low"] - 1e-9).all() and (s["index_max"] <= s["bounds_high"] + 1e-9).all()
    assert (s["n_predicates"] >= 1).all() and (s["kind"] == "projection").all()
    # from the index alone: every indicator at the index, so own mean + carry returns the index itself
    idx = pd.DataFrame({"index": [2.59, 3.41]}, index=["a", "b"])
    p = project(idx, "all/own_mean/carry", level="index")
    assert np.allclose(p.index, [2.59, 3.41])
    long = project_sets(idx, level="index")
    assert len(long) == 16 and (long["input_level"] == "index").all()


def test_projection_input_errors_name_row_and_field():
    dom = pd.DataFrame({"D1": [3.0], "D2": [2.0], "D3": [2.0], "D4": [0.3]}, index=["banyuasin"])
    with pytest.raises(SPBEError, match="outside") as e:
        project(dom, "all/scale_min/carry")
    assert e.value.row == "banyuasin" and e.value.field == "D4"
    with pytest.raises(SPBEError, match="one level of"):
        project(dom[["D1", "D2"]], "all/scale_min/carry")
    with pytest.raises(SPBEError, match="missing"):
        project(dom.assign(D4=np.nan), "all/scale_min/carry")
    with pytest.raises(SPBEError, match="affine"):
        linear_form("2018", "2020", Assumptions("x"))
    with pytest.raises(SPBEError, match="decimal comma"):
        leaf_values(pd.DataFrame({"D1": ["3,5"], "D2": [2], "D3": [2], "D4": [2]}), SPBE)


def test_crosswalk_coverage_weights():
    cov = crosswalk_coverage("2020", "2026")
    assert cov.groupby("side")["weight"].sum().round(9).tolist() == [100.0, 100.0]
    by = cov.groupby(["side", "status"])["weight"].sum().round(6)
    assert by[("from", "dropped")] == pytest.approx(39.5) and by[("to", "new")] == pytest.approx(36.0)
    rule = crosswalk_coverage("2020", "2026", external="rule").groupby(["side", "status"])["weight"].sum()
    assert rule[("to", "external_rule")] == pytest.approx(25.0)


def test_switch_simulation_rows_carry_their_assumptions():
    prof = _profiles(150, seed=7)
    sim = switch_simulation(prof, assumption_sets("2020", "2026")[:2], from_framework=SPBE, to_framework=PEMDI,
                            n_boot=200, label="synthetic")
    assert sim["assumption_set"].tolist() == ["all/scale_min/carry", "all/scale_min/rule"]
    assert (sim["kind"] == "synthetic").all() and (sim["ci95_low"] <= sim["mean_shift"]).all()
    assert sim.loc[1, "mean_shift"] < sim.loc[0, "mean_shift"]  # external indicators at 1 can only lower it


# ---------------------------------------------------------------------------------------------
# 2020 -> 2021: stage, national trend, exact tests, the counterfactual's reference
# ---------------------------------------------------------------------------------------------

def _stage_panel():
    rows = []
    spec = {  # id: (year_before, index_before, stage_before, year_after, index_after, stage_after)
        "a": (2020, 2.6, "official", 2023, 2.9, "official"),
        "b": (2019, 2.0, "unknown", 2021, 1.9, "unknown"),
        "c": (2020, 3.1, "unknown", 2021, 2.7, "official"),
        "d": (2018, 1.5, "official", 2023, 2.6, "official"),
        "e": (2020, 2.2, "unknown", 2023, 2.5, "official"),
        "f": (2019, 2.9, "unknown", 2021, 2.6, "self_assessment"),
    }
    for k, (yb, ib, sb, ya, ia, sa) in spec.items():
        rows.append(dict(institution_id=k, institution_name=k.upper(), institution_type="kabupaten", year=yb,
                         source_kind="press", stage=sb, index=ib, predicate=None, source="p"))
        rows.append(dict(institution_id=k, institution_name=k.upper(), institution_type="kabupaten", year=ya,
                         source_kind="official_report" if ya == 2023 else "press", stage=sa, index=ia, predicate=None,
                         source="r"))
    # a later official score for c and f (used when the after side must be official)
    rows.append(dict(institution_id="c", institution_name="C", institution_type="kabupaten", year=2023,
                     source_kind="official_report", stage="official", index=3.3, predicate=None, source="r"))
    rows.append(dict(institution_id="f", institution_name="F", institution_type="kabupaten", year=2023,
                     source_kind="official_report", stage="official", index=3.0, predicate=None, source="r"))
    return pd.DataFrame(rows)


def test_switch_pairs_carry_stage_and_filter_by_it():
    pairs, _ = switch_pairs(_stage_panel())
    p = pairs.set_index("institution_id")
    assert p.loc["c", ["stage_before", "stage_after", "year_after"]].tolist() == ["unknown", "official", 2021]
    assert p.loc["f", "stage_after"] == "self_assessment"
    off, _ = switch_pairs(_stage_panel(), after_stages=("official",))
    o = off.set_index("institution_id")
    assert o.loc["f", "year_after"] == 2023 and (o["stage_after"] == "official").all()
    both, _ = switch_pairs(_stage_panel(), before_stages="official", after_stages="official")
    assert both["institution_id"].tolist() == ["a", "d"]
    with pytest.raises(SPBEError, match="stage"):
        switch_pairs(_stage_panel(), before_stages=("final",))


def test_trend_adjust_by_hand():
    pairs, _ = switch_pairs(_stage_panel())
    adj = trend_adjust(pairs, NATIONAL).set_index("institution_id")
    tr = national_trend(NATIONAL).set_index("year")
    own = lambda y: tr.loc[y, "national_index"]
    a = adj.loc["a"]
    assert a["national_change"] == pytest.approx(own(2023) - own(2020), abs=1e-12)
    assert a["trend_adjusted_change"] == pytest.approx(0.3 - (own(2023) - own(2020)), abs=1e-12)
    assert a["national_level_change"] + a["national_reweighting"] == pytest.approx(a["national_change"], abs=1e-12)
    assert a["national_reweighting"] == pytest.approx(-0.1915, abs=1e-4)  # every span crosses the switch once
    assert own(2024) == pytest.approx(0.13 * 3.36 + 0.25 * 2.62 + 0.165 * 1.86 + 0.455 * 3.78, abs=1e-12)
    short = NATIONAL[NATIONAL["year"] != 2023]
    with pytest.raises(SPBEError, match="2023"):
        trend_adjust(pairs, short)
    assert trend_adjust(pairs, short, missing="propagate")["national_after"].isna().sum() == 3


def test_switch_effect_tests_headline_too_small_and_exact_values():
    adj = trend_adjust(switch_pairs(_stage_panel())[0], NATIONAL)
    t = switch_effect_tests(adj).set_index(["subset", "measure"])
    head = t.loc[("both_official", "change")]
    assert head["n"] == 2 and head["role"] == "headline" and np.isnan(head["ci95_low"])
    assert head["min_attainable_p"] == pytest.approx(0.5)
    allp = t.loc[("all_pairs", "change")]
    d = adj["change"].to_numpy()
    hl = hodges_lehmann(adj, "index_before", "index_after").iloc[0]
    assert allp["hodges_lehmann"] == pytest.approx(hl["hodges_lehmann"]) and allp["n"] == 6
    assert allp["p_val"] == pytest.approx(exact_signed_rank_p(d))
    subsets = stage_subsets(adj)
    assert subsets["after_official"][2].sum() == 4 and subsets["near_switch"][2].sum() == 3


def test_exact_signed_rank_p_against_scipy():
    d = np.array([0.31, -0.12, 0.55, 0.08, -0.47, 0.9, 0.22])
    assert exact_signed_rank_p(d) == pytest.approx(st.wilcoxon(d, method="exact").pvalue)
    assert exact_signed_rank_p(np.array([0.1, 0.2, 0.0])) == pytest.approx(exact_signed_rank_p([0.1, 0.2]))
    assert exact_signed_rank_p([0.2, 0.2, -0.2]) <= 1.0  # ties: exact over the sign flips
    with pytest.raises(SPBEError, match="zero"):
        exact_signed_rank_p([0.0, 0.0])


def test_counterfactual_reference_and_national_trend():
    ref = counterfactual_reference(NATIONAL).set_index("reference")["value"]
    summ = decomposition_summary(national_decomposition(NATIONAL)).set_index("year_to")
    assert ref["total_change"] == pytest.approx(summ.loc[2021, "total_change"])
    assert ref["reweighting"] == pytest.approx(summ.loc[2021, "reweighting"]) and ref["reweighting"] < 0
    assert ref["level"] + ref["reweighting"] == pytest.approx(ref["total_change"], abs=1e-12)
    assert ref["previous_step_level"] == pytest.approx(summ.loc[2020, "level"])
    assert ref["switch_effect_if_trend_continued"] == pytest.approx(ref["total_change"] - ref["previous_step_level"])
    tr = national_trend(NATIONAL)
    assert np.allclose(tr["cum_level"] + tr["cum_reweighting"], tr["national_index"] - tr["national_index"].iloc[0],
                       atol=1e-12)
    with pytest.raises(SPBEError, match="step"):
        counterfactual_reference(NATIONAL, last_old=2022, first_new=2024)


def test_shift_share_frame_matches_the_one_row_version():
    la = pd.DataFrame({"policy": [2.07, 1.5], "governance": [1.95, 2.5], "services": [2.48, 3.0]}, index=["x", "y"])
    lb = pd.DataFrame({"policy": [2.21, 1.7], "governance": [1.89, 2.4], "management": [1.23, 1.1],
                       "services": [2.81, 3.3]}, index=["x", "y"])
    from spbe_research.impact import concept_weights
    wa, wb = concept_weights("2018"), concept_weights("2020")
    fr = shift_share_frame(la, wa, lb, wb, baseline="previous")
    for u in ("x", "y"):
        one = shift_share(la.loc[u], wa, lb.loc[u], wb, baseline="previous")
        got = fr[fr["unit"] == u].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one)
    with pytest.raises(SPBEError, match="same rows"):
        shift_share_frame(la, wa, lb.iloc[::-1], wb)


def test_switch_figures_return_labelled_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting import impact as figs
    from spbe_research.plotting import switch as sfigs

    adj = trend_adjust(switch_pairs(_stage_panel())[0], NATIONAL)
    dom = _domains(_profiles(40, seed=8))
    long = project_sets(dom)
    summ = projection_summary(dom).assign(name=lambda d: d.index)
    table = long.groupby("assumption_set")["predicate"].value_counts().unstack().fillna(0)
    parts = structure_decomposition(project(dom, "all/own_mean/carry")).mean(numeric_only=True).to_frame().T
    axes = [figs.plot_pair_changes(adj, reference={"re-weighting": -0.19}), figs.plot_switch_effects(
            switch_effect_tests(adj)), sfigs.plot_crosswalk_coverage(crosswalk_coverage()),
            sfigs.plot_rebanding(pd.Series([1.6, 2.55, 3.0, 4.1])), sfigs.plot_projection_ecdf(long),
            sfigs.plot_predicate_shares(table), sfigs.plot_projection_ranges(summ, label="name"),
            sfigs.plot_structure_parts(parts.assign(group="all"))]
    for ax in axes:
        assert ax.get_title() and (ax.get_xlabel() or ax.get_ylabel())
        alt = ax.figure.get_label()  # alt text, with numbers from the data drawn
        assert len(alt) > 60 and any(ch.isdigit() for ch in alt), alt
        plt.close(ax.figure)
    # 1.6, 2.55 and 4.1 get another predicate under the 8/2026 bands (1.5-1.8, 2.5-2.6, 4.0-4.2); 3.0 does not
    assert "4 index values" in axes[3].figure.get_label() and ": 3 lie where" in axes[3].figure.get_label()
    before = dict(matplotlib.rcParams)
    fig, ax = plt.subplots()
    assert sfigs.plot_rebanding(pd.Series([2.0]), ax=ax) is ax
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_projector_is_a_framework_choice_for_the_uncertainty_engine():
    """impact.projector: data -> (projected 8/2026 indicator values, 8/2026), the same as project(), accepted by
    sensitivity.FrameworkChoice and recorded in the assumption table."""
    from spbe_research import impact, sensitivity as S
    dom = pd.DataFrame({"D1": [3.0, 2.0, 4.5], "D2": [2.0, 2.5, 4.0], "D3": [2.0, 1.5, 3.0], "D4": [3.5, 2.0, 4.2]},
                       index=["a", "b", "c"])
    proj = impact.projector("all/own_mean/carry")
    vals, fw = proj(dom)
    ref = project(dom, "all/own_mean/carry")
    assert fw.name == "PermenPANRB 8/2026" and vals.shape == (3, 20)
    np.testing.assert_allclose(vals.to_numpy(), ref.values.to_numpy())
    np.testing.assert_allclose(scoring.score(vals, fw)["index"].to_numpy(), ref.index.to_numpy())
    prob = S.problem(dom, "2020", weights=None, frameworks=S.FrameworkChoice({"8/2026": proj}))
    assert (prob.assumptions.query("input == 'framework'")["value"] == "8/2026").any()
    with pytest.raises(SPBEError):
        impact.projector("no/such/set")
