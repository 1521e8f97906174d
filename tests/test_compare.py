"""Tests for spbe_research.compare: exact numbers on a tiny hand-made panel, statistics vs scipy."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spbe_research import cleaning, datasets
from spbe_research import compare as C
from spbe_research.errors import SPBEError

ROOT = Path(__file__).resolve().parents[1]


def tiny_panel() -> pd.DataFrame:
    """Hand-made panel (not real data): 9 official rows in 2024, one press duplicate, 2 rows in 2023."""
    rows = [
        # id, name, type, prov code, prov name, island, year, index, predicate, source_kind
        ("k1", "Kementerian Satu", "kementerian", None, None, None, 2024, 4.0, "Sangat Baik", "official_report"),
        ("k2", "Kementerian Dua", "kementerian", None, None, None, 2024, 3.0, "Baik", "official_report"),
        ("p35", "Provinsi Jawa Timur", "provinsi", "35", "Jawa Timur", "Jawa", 2024, 3.6, "Sangat Baik", "official_report"),
        ("a", "Kab. A", "kabupaten", "35", "Jawa Timur", "Jawa", 2024, 2.0, "Cukup", "official_report"),
        ("b", "Kab. B", "kabupaten", "35", "Jawa Timur", "Jawa", 2024, 3.0, "Baik", "official_report"),
        ("c", "Kota C", "kota", "35", "Jawa Timur", "Jawa", 2024, 4.4, "Memuaskan", "official_report"),
        ("d", "Kab. D", "kabupaten", "35", "Jawa Timur", "Jawa", 2024, 3.0, "Baik", "official_report"),
        ("e", "Kab. E", "kabupaten", "52", "Nusa Tenggara Barat", "Bali–Nusa Tenggara", 2024, 1.5, "Kurang",
         "official_report"),
        ("p52", "Provinsi NTB", "provinsi", "52", "Nusa Tenggara Barat", "Bali–Nusa Tenggara", 2024, 2.5, "Cukup",
         "official_report"),
        ("k1", "Kementerian Satu", "kementerian", None, None, None, 2024, 3.9, "Sangat Baik", "press"),
        ("a", "Kab. A", "kabupaten", "35", "Jawa Timur", "Jawa", 2023, 1.0, "Kurang", "official_report"),
        ("b", "Kab. B", "kabupaten", "35", "Jawa Timur", "Jawa", 2023, 2.0, "Cukup", "official_report"),
    ]
    cols = ["institution_id", "institution_name", "institution_type", "province_code", "province_name",
            "island_group", "year", "index", "predicate", "source_kind"]
    df = pd.DataFrame(rows, columns=cols)
    df["D1"] = df["index"] + 0.5
    df["D2"] = df["index"] - 0.5
    return df


def _row(summary, year, group_by, group):
    sel = summary[(summary["year"] == year) & (summary["group_by"] == group_by) & (summary["group"] == group)]
    assert len(sel) == 1
    return sel.iloc[0]


# ----------------------------------------------------------------------------- summaries


def test_group_summary_types_exact():
    s = C.group_summary(tiny_panel())
    k = _row(s, 2024, "type", "kementerian")
    assert k["n"] == 2  # the press duplicate of k1 is not counted
    assert k["mean_index"] == pytest.approx(3.5)
    assert k["median_index"] == pytest.approx(3.5)
    assert k["sd_index"] == pytest.approx(np.sqrt(0.5))
    assert k["iqr_index"] == pytest.approx(0.5)
    assert k["gini_index"] == pytest.approx(1 / 14)
    assert (k["share_baik"], k["share_sangat_baik"], k["share_baik_or_better"]) == (0.5, 0.5, 1.0)
    assert k["mean_D1"] == pytest.approx(4.0)
    kab = _row(s, 2024, "type", "kabupaten")
    assert kab["n"] == 4
    assert kab["mean_index"] == pytest.approx(2.375)
    assert kab["median_index"] == pytest.approx(2.5)
    assert [kab[f"share_{p}"] for p in ("kurang", "cukup", "baik", "sangat_baik", "memuaskan")] == [
        0.25, 0.25, 0.5, 0.0, 0.0]
    assert kab["share_baik_or_better"] == 0.5
    old = _row(s, 2023, "type", "kabupaten")
    assert (old["n"], old["mean_index"], old["share_baik_or_better"]) == (2, 1.5, 0.0)


def test_group_summary_all_island_province():
    s = C.group_summary(tiny_panel())
    a = _row(s, 2024, "all", "all")
    assert a["n"] == 9 and a["mean_index"] == pytest.approx(3.0)
    jawa = _row(s, 2024, "island_group", "Jawa")
    assert jawa["n"] == 5 and jawa["mean_index"] == pytest.approx(3.2) and jawa["median_index"] == 3.0
    ntb = _row(s, 2024, "province", "Nusa Tenggara Barat")
    assert ntb["n"] == 2 and ntb["mean_index"] == pytest.approx(2.0)
    # central bodies have no island group: only 7 regional rows are grouped by island in 2024
    assert s[(s["year"] == 2024) & (s["group_by"] == "island_group")]["n"].sum() == 7
    assert list(s.columns[:4]) == ["year", "group_by", "group", "n"]


def test_select_source_rejects_bad_input():
    df = tiny_panel()
    with pytest.raises(SPBEError, match="more than once"):
        C.select_source(df, source_kind=None)  # official + press rows of k1 in 2024
    bad = df.copy()
    bad.loc[3, "predicate"] = "Sangat Bagus"
    with pytest.raises(SPBEError, match="unknown predicate") as e:
        C.select_source(bad)
    assert e.value.field == "predicate" and e.value.row == "a"
    bad = df.copy()
    bad.loc[4, "index"] = 5.2
    with pytest.raises(SPBEError, match="outside 0–5"):
        C.group_summary(bad)
    with pytest.raises(SPBEError, match="has no column .predicate."):
        C.group_summary(df.drop(columns="predicate"))
    with pytest.raises(SPBEError, match="unknown grouping"):
        C.group_summary(df, group_by="district")


# ----------------------------------------------------------------------------- small statistics


def test_gini_known_values():
    assert C.gini([3.2, 3.2, 3.2, 3.2]) == 0.0
    assert C.gini([0, 0, 1]) == pytest.approx(2 / 3)
    assert C.gini([1, 3]) == pytest.approx(0.25)
    x = np.random.default_rng(3).uniform(0, 5, 40)
    brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert C.gini(x) == pytest.approx(brute)
    with pytest.raises(SPBEError):
        C.gini([1.0, -1.0])
    assert C.gini([0.0, 0.0]) == 0.0  # all equal (all zero): no inequality
    with pytest.raises(SPBEError):
        C.gini([])


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 → ×4, ×3, ×2, ×1 = 0.04, 0.09, 0.08→0.09 (monotone), 0.5
    assert C.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert C.holm([0.3, 0.6]) == pytest.approx([0.6, 0.6])
    assert C.holm([0.9, 0.8, 0.7]) == pytest.approx([1.0, 1.0, 1.0])
    with pytest.raises(SPBEError):
        C.holm([0.2, 1.2])


def _random_groups(seed=0):
    rng = np.random.default_rng(seed)
    # values on a 0.1 grid, so ties occur as in the real (2-decimal) data
    return {g: np.round(rng.normal(mu, 0.6, n), 1) for g, mu, n in (("x", 2.8, 25), ("y", 3.2, 18), ("z", 3.0, 30))}


def _long(groups):
    return pd.DataFrame([(g, v) for g, vals in groups.items() for v in vals], columns=["grp", "index"])


def test_kruskal_wallis_matches_scipy():
    groups = _random_groups()
    res = C.kruskal_wallis(_long(groups), "grp", order=("x", "y", "z"), n_boot=500, seed=1)
    ref = stats.kruskal(*groups.values())
    r = res.iloc[0]
    assert r["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert r["p_val"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert r["n"] == 73 and r["k"] == 3
    assert r["epsilon_squared"] == pytest.approx(ref.statistic / 72)
    assert r["ci95_low"] <= r["epsilon_squared"] <= r["ci95_high"] or r["ci95_low"] < r["ci95_high"]
    assert list(res.columns[:1]) == ["test"] and {"ci95_low", "ci95_high", "epsilon_squared"} <= set(res.columns)
    again = C.kruskal_wallis(_long(groups), "grp", order=("x", "y", "z"), n_boot=500, seed=1)
    pd.testing.assert_frame_equal(res, again)  # seeded


def test_vectorised_h_matches_scipy_rowwise():
    rng = np.random.default_rng(7)
    gs = [rng.integers(0, 5, size=(6, n)).astype(float) for n in (5, 8, 4)]
    h = C._h_statistic(*gs)
    ref = [stats.kruskal(*[g[i] for g in gs]).statistic for i in range(6)]
    assert h == pytest.approx(ref, rel=1e-10)


def test_pairwise_mann_whitney_matches_scipy_and_holm():
    groups = _random_groups()
    res = C.pairwise_mann_whitney(_long(groups), "grp", order=("x", "y", "z"), n_boot=500, seed=0)
    assert list(zip(res["group_a"], res["group_b"])) == [("x", "y"), ("x", "z"), ("y", "z")]
    for r in res.itertuples():
        a, b = groups[r.group_a], groups[r.group_b]
        ref = stats.mannwhitneyu(a, b, alternative="two-sided")
        assert r.statistic == pytest.approx(ref.statistic)
        assert r.p_val == pytest.approx(ref.pvalue, rel=1e-12)
        assert r.rank_biserial == pytest.approx(2 * ref.statistic / (a.size * b.size) - 1)
        assert r.median_diff == pytest.approx(np.median(a) - np.median(b))
    assert res["p_holm"].to_numpy() == pytest.approx(C.holm(res["p_val"].to_numpy()))


def test_rank_biserial_sign_and_ci():
    df = pd.DataFrame({"grp": ["hi"] * 5 + ["lo"] * 5, "index": [4.0, 4.1, 4.2, 4.3, 4.4, 1.0, 1.1, 1.2, 1.3, 1.4]})
    r = C.pairwise_mann_whitney(df, "grp", order=("hi", "lo"), n_boot=300).iloc[0]
    assert r["rank_biserial"] == 1.0 and r["statistic"] == 25.0
    assert r["median_diff"] == pytest.approx(3.0)
    assert 2.6 <= r["ci95_low"] <= 3.0 <= r["ci95_high"] <= 3.4


def test_group_differences_tidy_rows_per_year():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({
        "institution_id": [f"i{i}" for i in range(60)],
        "institution_type": np.repeat(["kementerian", "provinsi", "kota"], 20),
        "year": 2024,
        "index": np.round(rng.uniform(1, 5, 60), 2),
        "predicate": "Baik",
        "source_kind": "official_report",
    })
    res = C.group_differences(df, "type", n_boot=300)
    assert list(res["test"]) == ["kruskal_wallis"] + ["mann_whitney"] * 3
    assert set(res["year"]) == {2024} and set(res["group_by"]) == {"type"}
    assert res.loc[0, "groups"] == "kementerian, provinsi, kota"
    with pytest.raises(SPBEError, match="other than 'all'"):
        C.group_differences(df, "all")


# ----------------------------------------------------------------------------- provinces


def test_province_spread_exact():
    sp = C.province_spread(tiny_panel())
    jt = sp[(sp["year"] == 2024) & (sp["province_code"] == "35")].iloc[0]
    assert jt["n"] == 4
    assert jt["mean_local"] == pytest.approx(3.1)
    assert (jt["min_index"], jt["max_index"]) == (2.0, 4.4)
    assert jt["range_index"] == pytest.approx(2.4)
    assert jt["iqr_index"] == pytest.approx(0.6)  # linear quantiles of 2, 3, 3, 4.4: 2.75 and 3.35
    assert (jt["lowest"], jt["highest"]) == ("Kab. A", "Kota C")
    assert jt["province_own_index"] == 3.6
    assert jt["province_own_rank"] == 2 and jt["n_ranked"] == 5  # only Kota C (4.4) is above
    assert (jt["lowest_predicate"], jt["highest_predicate"]) == ("Cukup", "Memuaskan")
    assert jt["province_own_predicate"] == "Sangat Baik"
    assert jt["median_local"] == pytest.approx(3.0)
    assert jt["province_above_local_median"] == True  # 3.6 > median 3.0  # noqa: E712
    ntb = sp[(sp["year"] == 2024) & (sp["province_code"] == "52")].iloc[0]
    assert (ntb["n"], ntb["range_index"], ntb["gini_index"], ntb["province_own_rank"]) == (1, 0.0, 0.0, 1)
    assert ntb["province_above_local_median"] == True  # 2.5 > 1.5  # noqa: E712
    old = sp[sp["year"] == 2023].iloc[0]
    assert pd.isna(old["province_own_index"]) and pd.isna(old["province_own_rank"])
    assert pd.isna(old["province_above_local_median"]) and pd.isna(old["province_own_predicate"])
    assert sp["province_above_local_median"].dtype == "boolean"
    # sorted by widest gap first within a year
    assert list(sp[sp["year"] == 2024]["province_code"]) == ["35", "52"]


def test_province_above_local_median_is_strict():
    df = tiny_panel()
    # provincial government of Jawa Timur tied with the local median (3.0): not above, and rank 2
    df.loc[df["institution_id"] == "p35", ["index", "predicate"]] = (3.0, "Baik")
    sp = C.province_spread(df)
    jt = sp[(sp["year"] == 2024) & (sp["province_code"] == "35")].iloc[0]
    assert jt["province_above_local_median"] == False  # noqa: E712
    assert jt["province_own_rank"] == 2  # only Kota C (4.4) is strictly above; ties take the better rank


def test_province_own_position_counts():
    df = tiny_panel()
    sp = C.province_spread(df)
    pos = C.province_own_position(sp)
    assert list(pos.columns) == ["year", "n_provinces", "n_above_local_median", "n_ranked_first",
                                 "share_above_local_median", "share_ranked_first"]
    # 2023 has no provincial government rows, so only 2024 appears
    assert pos["year"].tolist() == [2024]
    r = pos.iloc[0]
    # Jawa Timur: 3.6 > median 3.0 but below Kota C; NTB: 2.5 above its only kabupaten (1.5)
    assert (r["n_provinces"], r["n_above_local_median"], r["n_ranked_first"]) == (2, 2, 1)
    assert r["share_ranked_first"] == pytest.approx(0.5)
    # Jawa Timur's provincial government drops below the median: one fewer above it
    df.loc[df["institution_id"] == "p35", ["index", "predicate"]] = (2.4, "Cukup")
    r = C.province_own_position(C.province_spread(df)).iloc[0]
    assert (r["n_above_local_median"], r["n_ranked_first"]) == (1, 1)
    with pytest.raises(SPBEError, match="province_spread"):
        C.province_own_position(sp.drop(columns="province_above_local_median"))
    with pytest.raises(SPBEError, match="provincial-government"):
        C.province_own_position(sp[sp["year"] == 2023])


def test_group_summary_highest_lowest_domain():
    df = tiny_panel()
    s = C.group_summary(df)
    # D1 = index + 0.5 > D2 = index − 0.5 in every row of the tiny panel
    assert set(s["highest_domain"]) == {"D1"} and set(s["lowest_domain"]) == {"D2"}
    df.loc[df["institution_type"] == "kementerian", "D2"] = 4.9
    k = _row(C.group_summary(df), 2024, "type", "kementerian")
    assert (k["highest_domain"], k["lowest_domain"]) == ("D2", "D1")


def test_rank_within_province_ties_min_method():
    r = C.rank_within_province(tiny_panel(), by_type=True)
    got = r[r["year"] == 2024].set_index("institution_id")
    assert got.loc[["b", "d", "a"], "rank"].tolist() == [1, 1, 3]  # tie shares 1st, next is 3rd
    assert got.loc[["a", "b", "d"], "n_peers"].tolist() == [3, 3, 3]
    assert (got.loc["c", "rank"], got.loc["c", "n_peers"]) == (1, 1)
    assert "k1" not in got.index  # central bodies are not ranked
    r_all = C.rank_within_province(tiny_panel(), by_type=False)
    got = r_all[(r_all["year"] == 2024) & (r_all["province_code"] == "35")].set_index("institution_id")
    assert got.loc[["c", "p35", "b", "d", "a"], "rank"].tolist() == [1, 2, 3, 3, 5]
    assert set(got["n_peers"]) == {5}


# ----------------------------------------------------------------------------- published means


def _published_2024():
    path = ROOT / "data/raw/kemenpanrb_reports/20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md"
    return cleaning.parse_report_aggregates(path, 2024)


def _results():
    return datasets.load_results()  # builds data/processed first if needed; a failure fails the test


def test_check_published_means_on_tiny_panel():
    agg = pd.DataFrame({
        "year": [2024, 2024, 2024, 2023],
        "group": ["kementerian", "lns", "nasional", "kabupaten"],
        "component": ["index", "index", "index", "index"],
        "statistic": ["mean"] * 4,
        "value": [3.50, 3.1, 2.99, 1.6],
    })
    res = C.check_published_means(tiny_panel(), agg).set_index(["year", "published_group"])
    assert res.loc[(2024, "kementerian"), "within_tolerance"] and res.loc[(2024, "kementerian"), "n"] == 2
    assert res.loc[(2024, "nasional"), "difference"] == pytest.approx(0.01)
    assert not res.loc[(2024, "nasional"), "within_tolerance"]
    assert res.loc[(2024, "lns"), "status"] == "no_panel_group"
    assert res.loc[(2023, "kabupaten"), "difference"] == pytest.approx(-0.1)


def test_published_2024_type_means_are_the_printed_ones():
    agg = _published_2024()
    pub = agg[(agg["year"] == 2024) & (agg["component"] == "index") & (agg["statistic"] == "mean")
              & (agg["source_table"] == "Tabel 8")].set_index("group")["value"]
    assert pub[["kementerian", "lpnk", "provinsi", "kabupaten", "kota"]].tolist() == [4.03, 3.82, 3.42, 2.97, 3.39]


def test_panel_reproduces_published_2024_type_means():
    """Kementerian, Kabupaten and Kota reproduce Tabel 8 within 0.005; LPNK and Provinsi do not.

    The 21 LPNK rows of Tabel 10 sum to 79.92 (mean 3.8057, printed 3.82) and the 38 provincial
    rows to 129.46 (mean 3.4068, printed 3.42). We report the gap instead of adjusting data; if the
    panel ever changes (a row added or re-typed), this test says so.
    """
    res = C.check_published_means(_results(), _published_2024())
    t8 = res[(res["year"] == 2024) & (res["source_table"] == "Tabel 8")].set_index("published_group")
    for g in ("kementerian", "kabupaten", "kota"):
        assert t8.loc[g, "within_tolerance"], (g, t8.loc[g, "computed"])
    assert t8.loc["lpnk", "n"] == 21 and t8.loc["lpnk", "computed"] == pytest.approx(79.92 / 21, abs=1e-9)
    assert t8.loc["provinsi", "n"] == 38 and t8.loc["provinsi", "computed"] == pytest.approx(129.46 / 38, abs=1e-9)
    assert not t8.loc["lpnk", "within_tolerance"] and not t8.loc["provinsi", "within_tolerance"]


def test_types_filter_restricts_rows():
    s = C.group_summary(tiny_panel(), group_by="island_group", types=("kabupaten", "kota"))
    jawa = _row(s, 2024, "island_group", "Jawa")
    assert jawa["n"] == 4 and jawa["mean_index"] == pytest.approx(3.1)  # provinsi 3.6 left out
    with pytest.raises(SPBEError, match="unknown institution type"):
        C.group_summary(tiny_panel(), types=("regency",))
    with pytest.raises(SPBEError, match="no rows of type"):
        C.group_summary(tiny_panel(), types=("lpnk",))


def test_province_coverage_counts(tmp_path):
    reg = tmp_path / "regencies.csv"
    reg.write_text(
        "code,province_code,name\n"
        "35.01,35,Kabupaten A\n35.02,35,Kabupaten B\n35.03,35,Kabupaten D\n35.04,35,Kabupaten X\n"
        "35.71,35,Kota C\n52.01,52,Kabupaten E\n52.02,52,Kabupaten F\n31.01,31,Kabupaten Administrasi Y\n",
        encoding="utf-8",
    )
    cov = C.province_coverage(tiny_panel(), reg).set_index(["year", "province_code"])
    assert cov.loc[(2024, "35"), ["n_kabupaten", "n_kota", "n_evaluated", "n_existing"]].tolist() == [3, 1, 4, 5]
    assert cov.loc[(2024, "35"), "share_evaluated"] == pytest.approx(0.8)
    assert cov.loc[(2024, "52"), "share_evaluated"] == pytest.approx(0.5)
    assert cov.loc[(2023, "52"), "n_evaluated"] == 0  # province present in the panel, no local rows that year
    reg.write_text("code,province_code,name\n35.01,35,Kabupaten A\n52.01,52,Kabupaten E\n", encoding="utf-8")
    with pytest.raises(SPBEError, match="only 1 exist"):
        C.province_coverage(tiny_panel(), reg)
