"""Tests of the reproduction audit (reproduce.py): tolerance, residuals, predicates, anomalies, national."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spbe_research import datasets
from spbe_research.errors import SPBEError
from spbe_research.reproduce import (
    anomalies,
    audit_results,
    group_mean_check,
    hypothesis_fit_summary,
    national_average_hypotheses,
    national_check,
    reproduction_summary,
    rounding_tolerance,
)

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "raw" / "kemenpanrb_reports"
R2023 = REPORTS / "e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md"
R2024 = REPORTS / "20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md"
NEW = "PermenPANRB 59/2020"


def _row(**kw):
    base = dict(institution_id="x", institution_name="X", year=2024, framework=NEW, source_kind="official_report",
                D1=3.0, D2=3.0, D3=3.0, D4=3.0, index=3.0, predicate="Baik", quality_flags="",
                source_table="T", source_row=1)
    base.update(kw)
    return base


def test_rounding_tolerance_derivation():
    assert rounding_tolerance(NEW) == pytest.approx(0.01, abs=1e-15)
    assert rounding_tolerance("2018") == pytest.approx(0.01, abs=1e-15)
    assert rounding_tolerance(NEW, decimals=1) == pytest.approx(0.1, abs=1e-15)


def test_audit_residuals_and_tolerance_edges():
    df = pd.DataFrame([
        _row(institution_id="ok"),
        _row(institution_id="edge", index=3.01),                  # residual exactly 0.01: allowed
        _row(institution_id="bad", index=3.02),                   # beyond rounding
        _row(institution_id="lost", D1=np.nan, index=3.0),        # not recomputable
        _row(institution_id="old", framework="PermenPANRB 5/2018", D1=2.0, D2=2.0, D3=3.0, D4=np.nan,
             index=2.55, predicate="Cukup"),                      # 0.17*2+0.28*2+0.55*3 = 2.55
    ])
    a = audit_results(df).set_index("institution_id")
    assert a.loc["ok", "residual"] == pytest.approx(0, abs=1e-12) and bool(a.loc["ok", "within_tolerance"])
    assert bool(a.loc["edge", "within_tolerance"])
    assert not bool(a.loc["bad", "within_tolerance"])
    assert a.loc["bad", "residual"] == pytest.approx(0.02)
    assert pd.isna(a.loc["lost", "within_tolerance"]) and a.loc["lost", "missing_domains"] == "D1"
    assert a.loc["old", "index_recomputed"] == pytest.approx(2.55, abs=1e-12)
    assert a.loc["old", "n_domains_needed"] == 3 and a.loc["old", "missing_domains"] == ""
    s = reproduction_summary(a.reset_index(), by=("year",))
    assert s.loc[0, "n_rows"] == 5 and s.loc[0, "n_recomputable"] == 4 and s.loc[0, "n_within_tolerance"] == 3


def test_predicate_status_threshold_rounding_and_inconsistency():
    # constructed like Nias Barat 2024: printed 1.80 "Kurang" is fine if the unrounded index is just below 1.8
    df = pd.DataFrame([
        _row(institution_id="edge", D1=1.0, D2=1.6, D3=1.0, D4=2.43, index=1.80, predicate="Kurang"),
        _row(institution_id="wrong", predicate="Memuaskan"),
        _row(institution_id="none", predicate=None),
    ])
    a = audit_results(df).set_index("institution_id")
    # recomputed 0.13+0.4+0.165+1.10565 = 1.80065; true index in [1.795, 1.805] ∩ [1.79565, 1.80565]
    assert a.loc["edge", "predicate_from_printed"] == "Cukup"
    assert a.loc["edge", "predicate_status"] == "threshold_rounding"
    assert a.loc["wrong", "predicate_status"] == "inconsistent"
    assert a.loc["none", "predicate_status"] == "no_predicate"
    an = anomalies(a.reset_index())
    assert set(an.cause) == {"threshold_rounding", "real_inconsistency"}


def test_anomaly_causes_on_constructed_rows():
    df = pd.DataFrame([
        _row(institution_id="garbled", D1=0.5, D2=3.0, D3=3.0, D4=3.0, index=3.26),   # 3.26 needs D1 = 5.0
        _row(institution_id="lost", D1=np.nan, index=3.0, quality_flags="d1_missing"),
        _row(institution_id="unread", D1=np.nan, index=3.0, quality_flags="d1_garbled"),
        _row(institution_id="off", index=3.2),
    ])
    an = anomalies(audit_results(df)).set_index("institution_id")
    assert an.loc["garbled", "cause"] == "garbled_cell" and an.loc["garbled", "field"] == "D1"
    assert an.loc["garbled", "implied_value"] == pytest.approx(5.0, abs=1e-12)
    assert an.loc["lost", "cause"] == "ocr_lost_cell" and an.loc["lost", "implied_value"] == pytest.approx(3.0)
    assert an.loc["unread", "cause"] == "garbled_cell"
    assert an.loc["off", "cause"] == "real_inconsistency"


def test_audit_requires_columns():
    with pytest.raises(SPBEError, match="framework"):
        audit_results(pd.DataFrame({"D1": [1.0]}))


# ---------------------------------------------------------------------------------------------
# the real reports
# ---------------------------------------------------------------------------------------------

def _official(year):
    """Official rows for one year straight from the raw report (no processed-data build needed)."""
    from spbe_research.cleaning import parse_report
    d = parse_report(R2024 if year == 2024 else R2023, year)
    t = d.category_hint.where(d.category_hint.isin(["kementerian", "lpnk", "provinsi", "kabupaten", "kota"]), "lns_other")
    return pd.DataFrame({"institution_id": d.name_clean, "institution_name": d.name_clean, "institution_type": t,
                         "year": year, "framework": NEW, "source_kind": "official_report",
                         "D1": d.D1, "D2": d.D2, "D3": d.D3, "D4": d.D4, "index": d["index"],
                         "predicate": d.predicate, "quality_flags": d.quality_flags.fillna(""),
                         "source_table": d.source_table, "source_row": d.source_row})


def _aggregates():
    from spbe_research.cleaning import parse_report_aggregates
    return pd.concat([parse_report_aggregates(R2023, 2023), parse_report_aggregates(R2024, 2024)], ignore_index=True)


@pytest.fixture(scope="module")
def audit_2024():
    return audit_results(_official(2024))


def test_2024_reproduction_rate(audit_2024):
    s = reproduction_summary(audit_2024, by=("year",)).iloc[0]
    assert s.n_rows == 615
    assert s.n_recomputable >= 612  # Kementan and ESDM lack D1 (Jawa Timur's D1 is garbled)
    assert s.n_within_tolerance == s.n_recomputable  # every recomputable row reproduces within 0.01
    assert s.n_predicate_inconsistent == 0


def test_2024_known_anomalies_flagged(audit_2024):
    an = anomalies(audit_2024)
    d1 = an[an.field == "D1"].set_index("institution_name")
    names = " | ".join(d1.index)
    assert "Pertanian" in names and "Energi dan Sumber Daya Mineral" in names and "Jawa Timur" in names
    jatim = d1[d1.index.str.contains("Provinsi Jawa Timur")].iloc[0]
    assert jatim.cause == "garbled_cell"
    assert jatim.implied_value == pytest.approx(4.6, abs=0.08)  # the printed ',60' / 0.6 stands for 4.60
    kementan = d1[d1.index.str.contains("Pertanian")].iloc[0]
    assert kementan.cause == "ocr_lost_cell"
    tr = an[an.cause == "threshold_rounding"]
    assert any("Nias Barat" in n for n in tr.institution_name)


def test_2023_reproduces_fully():
    s = reproduction_summary(audit_results(_official(2023)), by=("year",)).iloc[0]
    assert s.n_rows == 621 and s.n_within_tolerance == s.n_recomputable


def test_national_series_and_check():
    nat = datasets.load_national()
    assert nat.year.tolist() == list(range(2018, 2025))
    assert nat.loc[nat.year == 2018, ["D1", "D2", "D3"]].iloc[0].tolist() == [1.75, 1.74, 2.17]
    assert nat.loc[nat.year == 2018, "D4"].isna().all()
    assert nat.framework.tolist()[:3] == ["PermenPANRB 5/2018"] * 3
    chk = national_check(nat).set_index("year")
    assert chk.loc[2023, "index_recomputed"] == pytest.approx(0.13 * 2.94 + 0.25 * 2.29 + 0.165 * 1.66 + 0.455 * 3.47)
    # every year reproduces except 2023, whose domain means in the 2024 report give 2.807 against 2.79
    assert chk.within_tolerance.tolist() == [True, True, True, True, True, False, True]


def test_national_average_hypotheses_real():
    results = pd.concat([_official(2023), _official(2024)], ignore_index=True)
    h = national_average_hypotheses(results, _aggregates()).set_index(["hypothesis", "year"])
    assert h.loc[("plain_mean_of_listed", 2024), "predicted_index"] == pytest.approx(3.169, abs=0.001)
    assert not h.loc[("plain_mean_of_listed", 2024), "within_tolerance"]
    assert not h.loc[("plain_mean_of_listed", 2023), "within_tolerance"]
    assert h.loc[("sum_divided_by_625", 2024), "within_tolerance"]
    assert not h.loc[("sum_divided_by_625", 2023), "within_tolerance"]
    assert h.loc[("weighted_published_domain_means", 2023), "within_tolerance"]
    assert h.loc[("weighted_published_domain_means", 2024), "within_tolerance"]
    assert not h.loc[("weighted_domain_means_as_revised_in_report_2024", 2023), "within_tolerance"]
    assert not h.loc[("median_of_listed", 2024), "within_tolerance"]
    assert (h.difference == h.predicted_index - h.published_index).all()


def test_group_mean_check_real():
    results = pd.concat([_official(2023), _official(2024)], ignore_index=True)
    g = group_mean_check(results, _aggregates()).set_index(["year", "group", "component"])
    assert g.loc[(2024, "kementerian", "index"), "within_tolerance"]
    assert g.loc[(2024, "kementerian", "index"), "n"] == 34
    assert g.loc[(2024, "kota", "index"), "within_tolerance"]
    assert not g.loc[(2024, "nasional", "index"), "within_tolerance"]
    assert g.loc[(2024, "nasional", "index"), "mean_listed"] == pytest.approx(3.1694, abs=1e-4)
    assert not g.loc[(2023, "nasional", "index"), "within_tolerance"]


def test_group_mean_check_constructed():
    res = pd.DataFrame({"year": 2024, "institution_type": ["kota", "kota", "kabupaten"], "source_kind": "official_report",
                        "index": [3.0, 3.2, 2.0], "D1": 1.0, "D2": 1.0, "D3": 1.0, "D4": 1.0})
    pub = pd.DataFrame({"year": 2024, "report_year": 2024, "group": ["kota", "kabupaten", "nasional"],
                        "component": "index", "statistic": "mean", "value": [3.10, 2.01, 2.73]})
    g = group_mean_check(res, pub, years=(2024,), components=("index",)).set_index("group")
    assert g.loc["kota", "within_tolerance"] and not g.loc["kabupaten", "within_tolerance"]
    assert g.loc["nasional", "mean_listed"] == pytest.approx(8.2 / 3) and g.loc["nasional", "within_tolerance"]


def _hyp_inputs(nat_domains, nat_index=3.00):
    """Three listed kota (index 3.008 on average) and a published national index and domain means."""
    res = pd.DataFrame({"year": 2024, "institution_type": "kota", "source_kind": "official_report",
                        "index": [3.0, 3.0, 3.024], "D1": 3.0, "D2": 3.0, "D3": 3.0, "D4": 3.0})
    comps = ["index", "D1", "D2", "D3", "D4"]
    pub = pd.DataFrame({"year": 2024, "report_year": 2024, "group": "nasional", "component": comps,
                        "statistic": "mean", "value": [nat_index, *nat_domains]})
    return res, pub


def test_hypothesis_tolerance_per_input_kind():
    # domain means 3.00/3.00/3.00/3.02 weight to 3.0091: 0.0091 off the published 3.00 -> within h(1+Σw) = 0.01
    res, pub = _hyp_inputs([3.0, 3.0, 3.0, 3.02])
    h = national_average_hypotheses(res, pub, years=(2024,), denominators=()).set_index("hypothesis")
    wp = h.loc["weighted_published_domain_means"]
    assert wp.inputs == "published_means" and wp.tolerance == pytest.approx(0.01, abs=1e-15)
    assert wp.difference == pytest.approx(0.455 * 0.02, abs=1e-12) and wp.within_tolerance
    # the plain mean of the listed (3.008) is 0.008 off: beyond the 0.005 of a mean of printed indices
    pm = h.loc["plain_mean_of_listed"]
    assert pm.inputs == "listed_indices" and pm.tolerance == pytest.approx(0.005, abs=1e-15)
    assert pm.difference == pytest.approx(0.008, abs=1e-12) and not pm.within_tolerance
    assert h.loc["median_of_listed", "tolerance"] == pytest.approx(0.01)
    assert (h.within_tolerance == (h.difference.abs() <= h.tolerance + 1e-9)).all()
    # just beyond 0.01 the published-means hypothesis fails too
    res, pub = _hyp_inputs([3.0, 3.0, 3.0, 3.03])
    h2 = national_average_hypotheses(res, pub, years=(2024,), denominators=()).set_index("hypothesis")
    assert h2.loc["weighted_published_domain_means", "difference"] > 0.01
    assert not h2.loc["weighted_published_domain_means", "within_tolerance"]


def test_hypothesis_fit_summary():
    hyp = pd.DataFrame({"hypothesis": ["a", "b", "c", "a", "b", "d"], "year": [2023, 2023, 2023, 2024, 2024, 2024],
                        "within_tolerance": [True, True, False, True, False, True]})
    s = hypothesis_fit_summary(hyp).set_index("hypothesis")
    assert s.index.tolist() == ["a", "b", "c", "d"]
    assert s.verdict.to_dict() == {"a": "fits_every_year", "b": "fits_some_years", "c": "fits_no_year",
                                   "d": "fits_some_years"}
    assert s.loc["b", "years_fit"] == "2023" and s.loc["a", "years_fit"] == "2023;2024"
    assert not s.loc["d", "tested_every_year"] and s.loc["d", "n_tested"] == 1
    with pytest.raises(SPBEError, match="twice"):
        hypothesis_fit_summary(pd.concat([hyp, hyp.iloc[[0]]], ignore_index=True))


def test_hypothesis_fit_summary_real():
    results = pd.concat([_official(2023), _official(2024)], ignore_index=True)
    s = hypothesis_fit_summary(national_average_hypotheses(results, _aggregates())).set_index("hypothesis")
    assert sorted(s.index[s.verdict == "fits_every_year"]) == ["fitted_denominator", "weighted_published_domain_means"]
    assert s.loc["sum_divided_by_625", "verdict"] == "fits_some_years"
