"""Tests for spbe_research.planning: fewest / cheapest level increases to reach a target index."""
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spbe_research import SPBEError, get_framework, score
from spbe_research.frameworks import build_framework
from spbe_research.planning import best_index_with_steps, gain_per_step, plan_target


def toy_framework(weights_percent, level_min=1, level_max=5, kind="integer"):
    """A one-aspect framework with the given indicator weights (% of the index), built and validated in memory."""
    n = len(weights_percent)
    nodes = pd.DataFrame({
        "code": ["index", "A1"] + [str(i + 1) for i in range(n)],
        "parent": ["", "index"] + ["A1"] * n,
        "level": ["index", "aspect"] + ["indicator"] * n,
        "weight": [100.0, float(sum(weights_percent)), *weights_percent],
        "name": ["toy", "aspect"] + [f"indicator {i + 1}" for i in range(n)],
        "name_en": ["toy", "aspect"] + [f"indicator {i + 1}" for i in range(n)],
    })
    return build_framework(nodes, name="toy", scale=(kind, level_min, level_max))


def brute_force(w_percent, current, level_max, target, step_cost):
    """Least total cost (and fewest steps among those) over every new-level vector; None if unreachable."""
    best = None
    ranges = [range(c, level_max + 1) for c in current]
    for new in itertools.product(*ranges):
        idx = sum(wi * li for wi, li in zip(w_percent, new)) / 100
        if idx < target - 1e-9:
            continue
        cost = sum(step_cost(i, lvl) for i, (c, n) in enumerate(zip(current, new)) for lvl in range(c + 1, n + 1))
        steps = sum(n - c for c, n in zip(current, new))
        if best is None or (cost, steps) < best:
            best = (cost, steps)
    return best


# weights on a 0.05 % grid summing to 100 %
@st.composite
def toy_case(draw):
    n = draw(st.integers(2, 4))
    cuts = sorted(draw(st.lists(st.integers(1, 1999), min_size=n - 1, max_size=n - 1, unique=True)))
    units = np.diff([0, *cuts, 2000])
    w = [u * 0.05 for u in units]
    lo = draw(st.sampled_from([0, 1]))
    hi = draw(st.integers(lo + 1, lo + 3))
    current = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    target = draw(st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 3)))
    return w, lo, hi, current, target


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toy_case())
def test_greedy_fewest_steps_is_optimal_vs_brute_force(case):
    w, lo, hi, current, target = case
    fw = toy_framework(w, lo, hi)
    levels = {str(i + 1): c for i, c in enumerate(current)}
    best = brute_force(w, current, hi, target, lambda i, lvl: 1)
    if best is None:
        with pytest.raises(SPBEError, match="unreachable"):
            plan_target(levels, fw, target)
        return
    plan = plan_target(levels, fw, target)
    assert plan.total_steps == best[1]
    assert plan.final_index >= target - 1e-9
    # the DP with unit costs finds the same minimum
    dp = plan_target(levels, fw, target, costs={k: 1.0 for k in levels})
    assert dp.total_cost == best[0]
    assert dp.final_index >= target - 1e-9


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toy_case(), st.data())
def test_dp_least_cost_is_optimal_vs_brute_force(case, data):
    w, lo, hi, current, target = case
    fw = toy_framework(w, lo, hi)
    n = len(w)
    # per-indicator × per-level step costs, including later steps cheaper than earlier ones
    table = {(i, lvl): data.draw(st.integers(0, 9)) for i in range(n) for lvl in range(lo + 1, hi + 1)}
    costs = pd.DataFrame([{"indicator": str(i + 1), "to_level": lvl, "cost": c} for (i, lvl), c in table.items()])
    levels = {str(i + 1): c for i, c in enumerate(current)}
    best = brute_force(w, current, hi, target, lambda i, lvl: table[(i, lvl)])
    if best is None:
        with pytest.raises(SPBEError, match="unreachable"):
            plan_target(levels, fw, target, costs=costs)
        return
    plan = plan_target(levels, fw, target, costs=costs)
    assert plan.total_cost == best[0]
    assert plan.final_index >= target - 1e-9
    # the plan's own cost column adds up and levels only go up, contiguously
    assert plan.steps["cost"].sum() == best[0]
    assert (plan.steps["new"] - plan.steps["current"] == plan.steps["increase"]).all()


def _kendari_like():
    """Synthetic profile (not real levels): weak policy and governance, stronger services (2020 framework)."""
    fw = get_framework("2020")
    lv = {}
    for c in fw.indicators["indicator"]:
        n = int(c)
        lv[c] = 3 if n >= 32 else (2 if 11 <= n <= 20 else 1)
    return pd.Series(lv)


def test_plan_from_synthetic_profile_to_3_00():
    lv = _kendari_like()
    start = float(score(lv.to_frame().T, "2020")["index"].iloc[0])
    # D1 = 1, D2 = 2, D3 = 1, D4 = 3 -> 0.13 + 0.5 + 0.165 + 1.365
    assert start == pytest.approx(2.16)
    plan = plan_target(lv, "2020", 3.0)
    a = plan
    assert a.start_index == pytest.approx(2.16) and a.start_predicate == "Cukup"
    # need 0.84 points; largest steps are 3.00 % (indicators 42-47, 2 steps each from level 3 -> 0.36),
    # then 2.75 % (32-41): 0.48 more needs 18 steps (17 give 0.4675) -> 12 + 18 = 30 steps, final 3.015
    assert a.total_steps == 30
    assert a.final_index == pytest.approx(3.015)
    assert a.final_predicate == "Baik"
    steps = plan.steps
    assert list(steps.columns) == ["indicator", "name", "aspect", "domain", "concept", "theme", "current", "new",
                                   "increase", "gain", "gain_per_unit", "cost"]
    assert set(steps["theme"]) == {"SPBE services"} and set(steps["concept"]) == {"services"}
    assert set(steps.loc[steps["gain_per_unit"] == 0.03, "indicator"]) == {"42", "43", "44", "45", "46", "47"}
    assert steps["gain"].is_monotonic_decreasing
    assert plan.summary().shape == (1, 9) and len(plan.to_frame()) == len(steps)
    # applying the plan and scoring gives the promised index
    new = lv.copy()
    new[steps["indicator"].to_numpy()] = steps["new"].to_numpy()
    assert float(score(new.to_frame().T, "2020")["index"].iloc[0]) == pytest.approx(a.final_index)


def test_predicate_target_means_lower_band_edge_and_reached_target_is_empty_plan():
    lv = _kendari_like()
    p = plan_target(lv, "2020", "Baik")
    assert p.target_index == 2.6
    assert p.final_index >= 2.6 and p.final_predicate == "Baik"
    # 0.44 needed from 3 % steps (0.36 max from 42-47 at two steps each) then 2.75 %: 12 + 3 = 15 steps
    assert p.total_steps == 15
    done = plan_target(lv, "2020", 2.0)
    assert len(done.steps) == 0 and done.total_steps == 0 and done.final_index == pytest.approx(2.16)
    assert plan_target(lv, "2020", "Kurang").total_steps == 0


def test_exact_band_edge_counts_as_reached():
    # all level 2 except one 3 % indicator at 3 -> index 2.03; target 2.06 needs exactly one 3 % step
    fw = get_framework("2020")
    lv = pd.Series(2, index=fw.indicators["indicator"])
    lv["47"] = 3
    p = plan_target(lv, "2020", 2.06)
    assert p.total_steps == 1 and p.final_index == pytest.approx(2.06)


def test_costs_shift_the_plan_to_cheaper_indicators():
    lv = _kendari_like()
    costs = {c: (2.0 if int(c) >= 32 else 1.0) for c in lv.index}  # services twice as expensive per step
    p = plan_target(lv, "2020", 3.0, costs=costs)
    unit = plan_target(lv, "2020", 3.0)
    assert p.total_cost < unit.steps["cost"].sum() * 2  # the unit plan would cost 60 at these prices
    assert p.total_cost == pytest.approx(36.0)
    assert p.final_index >= 3.0
    # forbidding all service steps still reaches 3.00 through D1-D3 only
    forbid = {c: (np.inf if int(c) >= 32 else 1.0) for c in lv.index}
    q = plan_target(lv, "2020", 3.0, costs=forbid)
    assert (q.steps["domain"] != "D4").all() and q.final_index >= 3.0


def test_2018_framework_thirds_of_a_percent():
    fw = get_framework("2018")
    lv = pd.Series(0, index=fw.indicators["indicator"])
    p = plan_target(lv, "2018", 0.1)
    # largest 2018 steps: 5 % (indicators 25-31): two steps reach 0.10 exactly
    assert p.total_steps == 2 and p.final_index == pytest.approx(0.1)
    q = plan_target(lv, "2018", 0.1, costs={c: (1.0 if c.startswith("35") else 3.0) for c in lv.index})
    # three 10/3 % steps (cost 3) beat two 5 % steps (cost 6)
    assert q.total_cost == 3.0 and q.final_index == pytest.approx(0.1)
    assert set(q.steps["indicator"]) <= {"35-1", "35-2", "35-3"}


def test_errors_name_the_field():
    lv = _kendari_like()
    with pytest.raises(SPBEError, match="unreachable") as e:
        plan_target(lv, "2020", 5.01)
    assert e.value.field == "target"
    with pytest.raises(SPBEError) as e:
        plan_target(lv.drop("7"), "2020", 3.0)
    assert e.value.field == "7"
    bad = lv.copy()
    bad["12"] = 0
    with pytest.raises(SPBEError) as e:
        plan_target(bad, "2020", 3.0)
    assert e.value.field == "12"
    with pytest.raises(SPBEError, match="unknown indicator"):
        plan_target(pd.concat([lv, pd.Series({"48": 1})]), "2020", 3.0)
    with pytest.raises(SPBEError, match="predicate"):
        plan_target(lv, "2020", "Bagus")
    with pytest.raises(SPBEError) as e:
        plan_target(lv, "2020", 3.0, costs={c: 1.0 for c in lv.index if c != "3"})
    assert e.value.field == "3"
    with pytest.raises(SPBEError) as e:
        plan_target(lv, "2020", 3.0, costs={**{c: 1.0 for c in lv.index}, "40": -1.0})
    assert e.value.field == "40"
    with pytest.raises(SPBEError, match="one institution"):
        plan_target(pd.DataFrame([lv, lv]), "2020", 3.0)


def test_one_row_frame_and_dict_inputs_agree():
    lv = _kendari_like()
    a = plan_target(lv, "2020", 2.8)
    b = plan_target(lv.to_frame().T.assign(institution_id="x"), "2020", 2.8)
    c = plan_target(lv.to_dict(), "2020", 2.8)
    pd.testing.assert_frame_equal(a.steps, b.steps)
    pd.testing.assert_frame_equal(a.steps, c.steps)


def test_gain_per_step_is_the_weight():
    g = gain_per_step("2020")
    assert len(g) == 47
    assert g["gain_per_step"].iloc[0] == pytest.approx(0.03)
    assert g["gain_per_step"].iloc[-1] == pytest.approx(0.013)
    assert g["gain_per_step"].sum() == pytest.approx(1.0)
    g18 = gain_per_step("2018")
    assert g18["gain_per_step"].iloc[0] == pytest.approx(0.05)
    # services are D3 in 5/2018 and D4 in 59/2020; theme and concept say so
    assert g18["theme"].iloc[0] == "SPBE services" and g18["domain"].iloc[0] == "D3"
    assert g["theme"].iloc[0] == "SPBE services" and g["domain"].iloc[0] == "D4" and g["concept"].iloc[0] == "services"
    assert g18["gain_per_step"].sum() == pytest.approx(1.0)


def test_best_index_with_steps_is_the_dual_of_plan_target():
    lv = _kendari_like()
    assert best_index_with_steps(lv, "2020", 0) == pytest.approx(2.16)
    assert best_index_with_steps(lv, "2020", 30) == pytest.approx(3.015)
    assert best_index_with_steps(lv, "2020", 29) < 3.0  # plan_target needs 30 steps for 3.00
    assert best_index_with_steps(lv, "2020", 10_000) == pytest.approx(5.0)
    with pytest.raises(SPBEError) as e:
        best_index_with_steps(lv, "2020", -1)
    assert e.value.field == "n_steps"


@settings(max_examples=60, deadline=None)
@given(toy_case(), st.integers(0, 8))
def test_best_index_with_steps_vs_brute_force(case, k):
    w, lo, hi, current, _ = case
    fw = toy_framework(w, lo, hi)
    best = max(sum(wi * li for wi, li in zip(w, new)) / 100
               for new in itertools.product(*[range(c, hi + 1) for c in current])
               if sum(n - c for n, c in zip(new, current)) <= k)
    assert best_index_with_steps({str(i + 1): c for i, c in enumerate(current)}, fw, k) == pytest.approx(best)


def test_plan_theme_follows_the_concept_not_the_code():
    # services are D3 in 5/2018 and D4 in 59/2020; management (D3) exists only in 59/2020
    fw18 = get_framework("2018")
    p18 = plan_target(pd.Series(0, index=fw18.indicators["indicator"]), "2018", 0.1)
    assert set(p18.steps["domain"]) == {"D3"} and set(p18.steps["theme"]) == {"SPBE services"}
    fw20 = get_framework("2020")
    lv = pd.Series(1, index=fw20.indicators["indicator"])
    q = plan_target(lv, "2020", 1.5, costs={c: (1.0 if 21 <= int(c) <= 31 else np.inf) for c in lv.index})
    assert set(q.steps["domain"]) == {"D3"} and set(q.steps["theme"]) == {"SPBE management"}
    # a framework without domains: the theme is the top-level part (its aspect)
    toy = plan_target({"1": 1, "2": 1}, toy_framework([50.0, 50.0]), 1.5)
    assert set(toy.steps["theme"]) == {"aspect"}


def test_plot_plan_colours_by_concept_across_frameworks():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from spbe_research.plotting.style import CONCEPT_COLORS
    from spbe_research.plotting.sensitivity import plot_gain_per_step, plot_plan

    fw18 = get_framework("2018")
    p18 = plan_target(pd.Series(0, index=fw18.indicators["indicator"]), "2018", 0.1)  # services = D3 in 2018
    p20 = plan_target(_kendari_like(), "2020", 3.0)  # services = D4 in 2020
    p26 = plan_target({c: 2.0 for c in get_framework("2026").indicator_codes}, "2026", 2.2)  # A7 user satisfaction
    for plan, concept in ((p18, "services"), (p20, "services"), (p26, "user_satisfaction")):
        for obj in (plan, plan.steps):  # the result, or its table
            ax = plot_plan(obj)
            assert {to_hex(b.get_facecolor()) for b in ax.patches} == {CONCEPT_COLORS[concept].lower()}
            assert len(ax.get_legend().get_texts()) == 1
            assert ax.get_xlabel() and ax.get_ylabel()
            plt.close(ax.figure)
    assert "→" in plot_plan(p20).get_title()
    plt.close("all")
    ax = plot_gain_per_step({"2020": gain_per_step("2020"), "2018": gain_per_step("2018")})
    assert max(b.get_height() for b in ax.patches) == pytest.approx(0.05)  # index points, not hundredths
    assert "index points" in ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 4  # policy, governance, management, services
    plt.close(ax.figure)
    before = dict(matplotlib.rcParams)
    plot_plan(p20)
    assert dict(matplotlib.rcParams) == before  # plotting never changes global settings
    plt.close("all")


# --- continuous frameworks (Indeks Pemdi): least total increase or least cost, exact ---------------------------

@st.composite
def continuous_case(draw):
    n = draw(st.integers(2, 5))
    raw = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n))
    w = [100 * r / sum(raw) for r in raw]
    current = draw(st.lists(st.floats(1, 5, allow_nan=False).map(lambda x: round(x, 2)), min_size=n, max_size=n))
    target = draw(st.floats(1, 5, allow_nan=False).map(lambda x: round(x, 3)))
    costs = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, np.inf]), min_size=n, max_size=n))
    return w, current, target, costs


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(continuous_case(), st.booleans())
def test_continuous_plan_is_optimal_vs_linear_programming(case, with_costs):
    from scipy.optimize import linprog

    w, current, target, costs = case
    fw = toy_framework(w, 1, 5, kind="continuous")
    levels = {str(i + 1): c for i, c in enumerate(current)}
    c = np.array(costs if with_costs else [1.0] * len(w))
    weights = np.array(w) / 100
    need = target - weights @ np.array(current)
    finite = np.isfinite(c)
    bounds = [(0, (5 - v) if ok else 0) for v, ok in zip(current, finite)]
    lp = linprog(np.where(finite, c, 0), A_ub=[-weights], b_ub=[-need], bounds=bounds, method="highs")
    kwargs = {"costs": dict(zip(levels, c))} if with_costs else {}
    if need <= 0:
        plan = plan_target(levels, fw, target, **kwargs)
        assert plan.total_increase == 0 and len(plan.steps) == 0
        return
    if lp.status != 0:
        with pytest.raises(SPBEError, match="unreachable"):
            plan_target(levels, fw, target, **kwargs)
        return
    plan = plan_target(levels, fw, target, **kwargs)
    assert plan.total_cost == pytest.approx(lp.fun, abs=1e-7)
    assert plan.final_index >= target - 1e-9
    assert (plan.steps["new"] <= 5 + 1e-12).all()


def test_pemdi_plan_raises_the_heaviest_indicators_first():
    fw = get_framework("8/2026")
    lv = {c: 2.0 for c in fw.indicator_codes}
    plan = plan_target(lv, fw, "Baik")  # 2.0 -> 2.5 under the 8/2026 bands
    assert plan.target_index == 2.5 and plan.start_predicate == "Cukup" and plan.final_predicate == "Baik"
    # indicator 20 weighs 15 %: 0.5 points of index need 0.5 / 0.15 = 3.33 points, more than its room (3)
    assert plan.steps["indicator"].tolist() == ["20", "19"]
    assert plan.steps["increase"].tolist() == pytest.approx([3.0, 0.05 / 0.10])
    assert plan.total_increase == pytest.approx(3.5) and plan.final_index == pytest.approx(2.5)
    assert set(plan.steps["concept"]) == {"user_satisfaction"}
    assert best_index_with_steps(lv, fw, 3.5) == pytest.approx(2.5)
    with pytest.raises(SPBEError, match="integer frameworks"):
        plan_target(lv, fw, 3.0, costs=pd.DataFrame({"indicator": ["1"], "to_level": [3], "cost": [1.0]}))


@pytest.mark.parametrize("bad,field", [("3", None), (True, "1"), (2.5, "1"), (6, "1"), (None, "1")])
def test_levels_follow_the_same_rules_as_score(bad, field):
    lv = {c: 3 for c in get_framework("2020").indicator_codes}
    lv["1"] = bad
    if field is None:  # a plain decimal string is a number, as in score()
        assert plan_target(lv, "2020", 3.0).start_index == pytest.approx(3.0)
        score(pd.DataFrame([lv], dtype=object), "2020")
        return
    with pytest.raises(SPBEError) as e:
        plan_target(lv, "2020", 3.5)
    assert e.value.field == field
    with pytest.raises(SPBEError):
        score(pd.DataFrame([lv], dtype=object), "2020")


def test_partial_cost_table_forbids_unlisted_steps_and_checks_to_level():
    lv = _kendari_like()
    listed = pd.DataFrame({"indicator": [str(i) for i in range(42, 48)] * 2,
                           "to_level": [4] * 6 + [5] * 6, "cost": [1.0] * 12})
    p = plan_target(lv, "2020", 2.5, costs=listed)
    assert set(p.steps["indicator"]) <= {str(i) for i in range(42, 48)}
    with pytest.raises(SPBEError, match="unreachable"):
        plan_target(lv, "2020", 3.0, costs=listed)
    with pytest.raises(SPBEError) as e:
        plan_target(lv, "2020", 2.5, costs=listed.assign(to_level=4.5))
    assert e.value.field == "to_level"
