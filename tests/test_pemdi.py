"""Indeks Pemdi (PermenPANRB 8/2026): a hand-computed example from the formula, conversions of external indices,
the assessors' missing-index rule, and a fourth framework written only as files (scoring, uncertainty, planning)."""
import numpy as np
import pandas as pd
import pytest

import spbe_research as spbe
from spbe_research.planning import plan_target
from spbe_research.sensitivity import weight_uncertainty

FW = spbe.get_framework("8/2026")
# an invented profile (values on the continuous 1-5 scale, as assessors record them)
VALUES = {"1": 2.5, "2": 2.0, "3": 1.5, "4": 3.0, "5": 1.0, "6": 1.0, "7": 2.0, "8": 1.26, "9": 2.0, "10": 1.0,
          "11": 1.0, "12": 1.5, "13": 3.0, "14": 2.5, "15": 2.0, "16": 2.5, "17": 2.0, "18": 1.0, "19": 3.0, "20": 2.5}


def test_hand_computed_example_from_the_formula():
    # Indeks Aspek = Σ w_Ij N_Ij / w_A ; Indeks Pemdi = Σ w_A Indeks Aspek (weights as fractions), written out by hand
    a1 = (5 * 2.5 + 5 * 2.0) / 10                        # 2.25
    a2 = (5 * 1.5 + 5 * 3.0) / 10                        # 2.25
    a3 = (5 * 1.0 + 3 * 1.0 + 3 * 2.0 + 4 * 1.26) / 15   # 19.04 / 15
    a4 = (4 * 2.0 + 4 * 1.0 + 3 * 1.0 + 4 * 1.5) / 15    # 21 / 15 = 1.4
    a5 = (5 * 3.0 + 5 * 2.5) / 10                        # 2.75
    a6 = (4 * 2.0 + 4 * 2.5 + 4 * 2.0 + 3 * 1.0) / 15    # 29 / 15
    a7 = (10 * 3.0 + 15 * 2.5) / 25                      # 2.7
    index = 0.10 * a1 + 0.10 * a2 + 0.15 * a3 + 0.15 * a4 + 0.10 * a5 + 0.15 * a6 + 0.25 * a7
    out = spbe.score(pd.DataFrame([VALUES], index=["x"]), FW)
    assert out.loc["x", ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]].tolist() == pytest.approx([a1, a2, a3, a4, a5, a6, a7])
    assert out.loc["x", "index"] == pytest.approx(index) == pytest.approx(2.0904, abs=1e-12)
    assert out.loc["x", "predicate"] == "Cukup"  # 1.50 <= 2.09 < 2.50
    assert list(out.columns) == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "index", "predicate"]


def test_continuous_values_accepted_off_scale_rejected():
    x = pd.DataFrame([VALUES])
    assert spbe.score(x.assign(**{"8": 4.999}), FW)["index"].iloc[0] > 2.09
    with pytest.raises(spbe.SPBEError, match=r"= 0.99 is outside PermenPANRB 8/2026's scale 1-5.*field '3'"):
        spbe.score(x.assign(**{"3": 0.99}), FW)
    with pytest.raises(spbe.SPBEError, match="level is missing"):
        spbe.score(x.assign(**{"3": np.nan}), FW)


def test_conversions_and_the_rule_reported_beside_each_value():
    ext = pd.DataFrame({"sdi": [12.5, 12.6, 100.0], "sjig": [3.2, 1.0, 5.0], "epss": [1.8, 2.59, 4.2],
                        "ikasandi_security": [2.0, np.nan, 5.0], "ikasandi_cryptography": [2.0, 1.0, 5.0],
                        "ikasandi_incidents": [2.0, 1.0, 5.0], "sdi_interoperability": [2.0, 1.0, 5.0]},
                       index=["a", "b", "c"])
    long = spbe.convert_external(ext, FW, missing_external="rule")
    v = long.set_index(["unit", "indicator"])["value"]
    assert v[("a", "5")] == 1 and v[("b", "5")] == 2 and v[("c", "5")] == 5   # ≤ 12.5 → 1; 12.6 → 2
    assert v[("a", "7")] == 2 and v[("b", "7")] == 2 and v[("c", "7")] == 5   # EPSS bands: 1.8 → 2, 4.2 → 5
    assert v[("a", "6")] == pytest.approx(3.2)                                  # SJIG used as it is
    assert v[("b", "10")] == 1 and "assessors' rule" in long.set_index(["unit", "indicator"]).loc[("b", "10"), "rule"]
    own = {k: 3.0 for k in FW.indicator_codes if FW.conversion_for(k) is None}
    levels = pd.DataFrame([own] * 3, index=["a", "b", "c"])
    out = spbe.score(levels, FW, external=ext, missing_external="rule")
    assert out.loc["b", "converted_10"] == 1 and "missing" in out.loc["b", "rule_10"]
    assert out.loc["a", "converted_5"] == 1 and "thresholds" in out.loc["a", "rule_5"]
    full = pd.DataFrame([{**own, **{c: out.loc[u, f"converted_{c}"] for c in ("5", "6", "7", "10", "11", "12", "18")}}
                         for u in ("a", "b", "c")], index=["a", "b", "c"])
    np.testing.assert_allclose(out["index"], spbe.score(full, FW)["index"])


def test_missing_external_raises_unless_the_rule_is_asked_for():
    own = {k: 3.0 for k in FW.indicator_codes if FW.conversion_for(k) is None}
    levels = pd.DataFrame([own], index=["u"])
    with pytest.raises(spbe.SPBEError, match="missing indicator"):
        spbe.score(levels, FW)
    with pytest.raises(spbe.SPBEError, match="missing_external='rule'") as e:
        spbe.score(levels, FW, external=pd.DataFrame({"sdi": [np.nan]}, index=["u"]))
    assert e.value.row == "u"
    out = spbe.score(levels, FW, missing_external="rule")  # no external index at all: every fed indicator counts as 1
    assert out["converted_18"].iloc[0] == 1 and out["index"].iloc[0] < 3.0
    with pytest.raises(spbe.SPBEError, match="given both as a level and as an external index"):
        spbe.score(pd.DataFrame([{**own, "5": 2.0}], index=["u"]), FW, external=pd.DataFrame({"sdi": [50]}, index=["u"]))
    with pytest.raises(spbe.SPBEError, match="outside .* range 0-100") as e:
        spbe.convert_external(pd.DataFrame({"sdi": [101.0]}, index=["u"]), FW)
    assert e.value.field == "5"
    with pytest.raises(spbe.SPBEError, match="not an indicator fed by an external index"):
        spbe.convert_external(pd.DataFrame({"3": [2.0]}), FW)


def test_rebanding_2025_scores_under_the_new_bands():
    # Aceh Tengah 2025 (SPBE 2.59, Cukup) and Kalimantan Tengah 2025 (3.41, Baik): results_found.csv
    assert spbe.predicate(2.59, "2020") == "Cukup" and spbe.predicate(2.59, FW) == "Baik"
    assert spbe.predicate(3.41, "2020") == "Baik" and spbe.predicate(3.41, FW) == "Baik"
    assert spbe.predicate(4.1, "2020") == "Sangat Baik" and spbe.predicate(4.1, FW) == "Memuaskan"


FOURTH_TOML = '''
[framework]
id = "test_city_index"
name = "City index (test)"
[tree]
levels = ["index", "pillar", "theme", "indicator"]
weights = "parent"
[scale]
kind = "continuous"
min = 0
max = 10
[bands]
bands = [{ name = "low", lower = 0.0 }, { name = "mid", lower = 4.0 }, { name = "high", lower = 7.5 }]
[[conversions]]
id = "survey"
indicator = "q3"
external_index = "a survey share, 0-100 %"
kind = "linear"
input_min = 0
input_max = 100
output_min = 0
output_max = 10
missing = 0
'''
FOURTH_NODES = """code,parent,level,weight,name,name_en
index,,index,100,Indeks Kota,City index
P1,index,pillar,60,Layanan,Services
P2,index,pillar,40,Warga,People
T1,P1,theme,50,Daring,Online
T2,P1,theme,50,Loket,Counters
T3,P2,theme,100,Survei,Survey
q1,T1,indicator,70,Portal,Portal
q2,T1,indicator,30,Aplikasi,App
q4,T2,indicator,100,Antrian,Queue
q3,T3,indicator,100,Kepuasan,Satisfaction
"""


def test_a_fourth_framework_is_new_data_only(tmp_path):
    """No code change: a framework written as two files scores, runs the Monte Carlo and plans."""
    (tmp_path / "framework.toml").write_text(FOURTH_TOML)
    (tmp_path / "nodes.csv").write_text(FOURTH_NODES)
    fw = spbe.load_framework(tmp_path)
    assert fw.tree_levels == ("index", "pillar", "theme", "indicator") and not fw.is_integer
    rng = np.random.default_rng(0)
    units = pd.DataFrame(np.round(rng.uniform(0, 10, (30, 3)), 2), columns=["q1", "q2", "q4"],
                         index=[f"city {i}" for i in range(30)])
    survey = pd.DataFrame({"survey": rng.uniform(0, 100, 30)}, index=units.index)
    out = spbe.score(units, fw, external=survey)
    expect = 0.6 * (0.5 * (0.7 * units.q1 + 0.3 * units.q2) + 0.5 * units.q4) + 0.4 * survey["survey"] / 10
    np.testing.assert_allclose(out["index"], expect)
    assert list(out.columns[:5]) == ["T1", "T2", "T3", "P1", "P2"]
    assert set(out["predicate"]) <= {"low", "mid", "high"}
    full = units.assign(q3=out["converted_q3"])
    unc = weight_uncertainty(full, fw, n_draws=200, seed=1)
    assert list(unc.draws.columns[:2]) == ["P1", "P2"] and len(unc.table) == 30
    np.testing.assert_allclose(unc.table["nominal_index"], np.round(out["index"].to_numpy(), 9))
    plan = plan_target(full.iloc[0], fw, "high")
    assert plan.final_index == pytest.approx(max(7.5, plan.start_index)) or plan.final_index >= 7.5
    assert spbe.score(full.iloc[[0]].assign(**{r.indicator: r.new for r in plan.steps.itertuples()}),
                      fw)["predicate"].iloc[0] == "high"


@pytest.mark.parametrize("closed", ["right", "left"])
def test_threshold_conversion_matches_a_binary_search_on_and_between_breaks(closed):
    """The comparison count used by Conversion.apply agrees with numpy's binary search, values on a break
    included (closed="right": on a break belongs to the lower range)."""
    from dataclasses import replace
    conv = next(c for c in FW.conversions if c.kind == "thresholds")
    conv = replace(conv, closed=closed)
    breaks = np.asarray(conv.breaks, dtype=float)
    x = np.concatenate([breaks, breaks + 1e-9, breaks - 1e-9,
                        np.random.default_rng(0).uniform(conv.input_min, conv.input_max, 500), [np.nan]])
    idx = np.searchsorted(breaks, x, side="left" if closed == "right" else "right")
    ref = np.asarray(conv.values, dtype=float)[np.minimum(idx, len(conv.values) - 1)]
    got = conv.apply(x)
    np.testing.assert_array_equal(got[:-1], ref[:-1])
    assert np.isnan(got[-1])
