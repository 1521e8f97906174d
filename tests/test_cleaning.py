"""Tests of spbe_research.cleaning: parsing the KemenPANRB 2023/2024 report tables."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spbe_research
from spbe_research.cleaning import (
    AGGREGATE_COLUMNS,
    AGGREGATE_GROUPS,
    CATEGORY_HINTS,
    CENTRAL_CATEGORIES,
    PREDICATES,
    QUALITY_FLAGS,
    REPORT_COLUMNS,
    parse_decimal,
    parse_decimal_series,
    parse_report,
    parse_report_aggregates,
    predicate_of,
)
from spbe_research.errors import SPBEError
from spbe_research.scoring import rounding_tolerance
from spbe_research.vocabulary import GROUP_CATEGORIES

W20 = dict(zip(("D1", "D2", "D3", "D4"), spbe_research.get_framework("2020").domain_weights))

ROOT = Path(__file__).parents[1]
RAW = ROOT / "data" / "raw" / "kemenpanrb_reports"
F2023 = RAW / "e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md"
F2024 = RAW / "20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md"
NATIONAL_CSV = ROOT / "data" / "raw" / "frameworks" / "spbe_national_index.csv"


@pytest.fixture(scope="module")
def r2023():
    return parse_report(F2023, 2023)


@pytest.fixture(scope="module")
def r2024():
    return parse_report(F2024, 2024)


@pytest.fixture(scope="module")
def a2023():
    return parse_report_aggregates(F2023, 2023)


@pytest.fixture(scope="module")
def a2024():
    return parse_report_aggregates(F2024, 2024)


def one(df, **kw):
    m = pd.Series(True, index=df.index)
    for k, v in kw.items():
        m &= df[k] == v
    sub = df[m]
    assert len(sub) == 1, (kw, len(sub))
    return sub.iloc[0]


def flags(row):
    return set(filter(None, row["quality_flags"].split(";")))


# ------------------------------------------------------------------ parse_decimal


@pytest.mark.parametrize(
    "text, expected",
    [("3,50", 3.5), ("3.50", 3.5), (" 4,00 ", 4.0), ("4,<br>00", 4.0), ("<br>2,64", 2.64),
     ("5,0", 5.0), ("1", 1.0), ("\u00a03,18\u00a0", 3.18), (3.25, 3.25), (4, 4.0), ("-1,5", -1.5)],
)
def test_parse_decimal_accepts(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", [",60", "3,5,0", "abc", "3,5a", "3.", ".5", "1.234,5", "3 ,5x", True])
def test_parse_decimal_rejects_garbage_with_location(text):
    with pytest.raises(SPBEError) as e:
        parse_decimal(text, file="r.md", row=17, field="D1")
    msg = str(e.value)
    assert "'r.md'" in msg and "17" in msg and "'D1'" in msg
    assert (e.value.file, e.value.row, e.value.field) == ("r.md", 17, "D1")
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("text", ["", "   ", "<br>", None, float("nan"), "-"])
def test_parse_decimal_empty_only_with_allow_missing(text):
    with pytest.raises(SPBEError, match="row 3"):
        parse_decimal(text, file="x.md", row=3, field="D2")
    assert math.isnan(parse_decimal(text, allow_missing=True))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999), st.sampled_from([",", "."]),
       st.sampled_from(["", " ", "<br>", "\u00a0"]))
def test_parse_decimal_roundtrip(k, sep, pad):
    text = f"{pad}{k // 100}{sep}{k % 100:02d}{pad}"
    assert parse_decimal(text) == pytest.approx(k / 100, abs=1e-12)
    assert parse_decimal_series([text]).iloc[0] == parse_decimal(text)


def test_parse_decimal_series():
    s = pd.Series(["3,50", " 4.00", "<br>1,09", 2.5], index=list("abcd"))
    out = parse_decimal_series(s, file="f", field="D3")
    assert out.tolist() == [3.5, 4.0, 1.09, 2.5] and list(out.index) == list("abcd")
    with pytest.raises(SPBEError) as e:
        parse_decimal_series(pd.Series(["3,50", ",60"], index=[10, 11]), file="f", field="D1")
    assert e.value.row == 11 and e.value.field == "D1" and e.value.file == "f"
    with pytest.raises(SPBEError, match="empty"):
        parse_decimal_series(["3,5", ""])
    assert np.isnan(parse_decimal_series(["3,5", ""], allow_missing=True).iloc[1])
    with pytest.raises(SPBEError, match="empty"):
        parse_decimal_series([3.5, float("nan"), None])
    assert parse_decimal_series([3.5, float("nan"), None], allow_missing=True).isna().tolist() == [False, True, True]
    with pytest.raises(SPBEError):
        parse_decimal_series([True])


def test_predicate_of_is_the_package_predicate_but_tolerates_nan():
    for x in [1.0, 1.79, 1.8, 2.59, 2.6, 3.49, 3.5, 4.19, 4.2, 5.0]:
        assert predicate_of(x) == spbe_research.predicate(x)
    assert predicate_of(float("nan")) is None


# ------------------------------------------------------------------ parse_report: shape


def test_row_counts_and_columns(r2023, r2024):
    assert len(r2023) == 621
    assert len(r2024) == 615
    for df in (r2023, r2024):
        assert tuple(df.columns) == REPORT_COLUMNS
        assert df["source_line"].is_unique
        assert df["name_clean"].str.contains("<br>|  ").sum() == 0
        assert set(df["category_hint"]) <= set(CATEGORY_HINTS)
        assert df["predicate"].isin(PREDICATES).all()
        for codes in df["quality_flags"]:
            assert set(filter(None, codes.split(";"))) <= set(QUALITY_FLAGS)
    assert r2023["source_table"].iloc[0] == "Tabel 8" and r2023["source_table"].iloc[-1] == "Tabel 53"
    assert r2024["source_table"].iloc[0] == "Tabel 9" and r2024["source_table"].iloc[-1] == "Tabel 54"
    assert r2023["source_table"].nunique() == 46 and r2024["source_table"].nunique() == 46
    assert (r2023["year"] == 2023).all() and (r2024["year"] == 2024).all()
    assert set(r2024["source_file"]) == {F2024.name}


def test_category_counts(r2023, r2024):
    c24 = r2024["category_hint"].value_counts().to_dict()
    assert c24 == {"kabupaten": 392, "kota": 93, "provinsi": 38, "kementerian": 34, "lns": 22,
                   "lpnk": 21, "setjen_lembaga_negara": 8, "alat_negara": 2, "instansi_lainnya": 2,
                   "lpp": 2, "sekretariat_kabinet": 1}
    c23 = r2023["category_hint"].value_counts().to_dict()
    assert c23 == {"kabupaten": 398, "kota": 93, "provinsi": 38, "kementerian": 34, "lpnk": 22,
                   "lns": 21, "setjen_lembaga_negara": 7, "alat_negara": 3, "instansi_lainnya": 2,
                   "lpp": 2, "sekretariat_kabinet": 1}
    for df in (r2023, r2024):
        assert df["category_hint"].isin(CENTRAL_CATEGORIES).sum() == 92
        regional = df["category_hint"].isin(["provinsi", "kabupaten", "kota"])
        assert df.loc[regional, "province_hint"].notna().all()
        assert df.loc[~regional, "province_hint"].isna().all()
        assert df.loc[regional, "province_hint"].nunique() == 38
        # one provincial government per province
        assert (df[df["category_hint"] == "provinsi"].groupby("province_hint").size() == 1).all()


# ------------------------------------------------------------------ known rows


def test_2024_kementerian_pertanian_d1_lost_and_recovered(r2024):
    r = one(r2024, name_clean="Kementerian Pertanian")
    assert r["source_table"] == "Tabel 9" and r["source_row"] == 16 and r["category_hint"] == "kementerian"
    assert math.isnan(r["D1"])
    assert (r["D2"], r["D3"], r["D4"], r["index"]) == (3.50, 2.64, 4.69, 4.00)
    assert r["predicate"] == "Sangat Baik"
    assert {"d1_missing", "recovered"} <= flags(r)
    assert r["recovered_field"] == "D1"
    # D1 = (4.00 - .25*3.50 - .165*2.64 - .455*4.69)/.13, half-width .005*(1+.87)/.13
    mid = (4.00 - 0.25 * 3.50 - 0.165 * 2.64 - 0.455 * 4.69) / 0.13
    half = 0.005 * 1.87 / 0.13
    assert r["recovered_value"] == pytest.approx(mid, abs=1e-9)
    assert r["recovered_low"] == pytest.approx(mid - half, abs=1e-9)
    assert r["recovered_high"] == pytest.approx(mid + half, abs=1e-9)
    assert r["recovered_low"] < 4.30 < r["recovered_high"]
    assert r["recovered_candidates"] == "4.30"  # the only multiple of 0.1 in the interval
    assert "rounding bounds ±0.005" in r["recovery_method"]
    # every value in the interval reproduces the printed index within rounding
    for d1 in (r["recovered_low"] + 1e-6, r["recovered_high"] - 1e-6, 4.30):
        idx = 0.13 * d1 + 0.25 * 3.50 + 0.165 * 2.64 + 0.455 * 4.69
        assert abs(idx - 4.00) <= 0.005 + 0.005 * 0.87 + 1e-9


def test_2024_esdm_d1_lost(r2024):
    r = one(r2024, source_table="Tabel 9", source_row=17)
    assert r["name_clean"] == "Kementerian Energi dan Sumber Daya Mineral"
    assert r["name_raw"] == "Kementerian Energi dan<br>Sumber Daya Mineral"
    assert math.isnan(r["D1"]) and r["index"] == 3.60 and r["predicate"] == "Sangat Baik"
    assert r["recovered_low"] < 4.0 < r["recovered_high"] and r["recovered_candidates"] == "4.00"


def test_2024_jawa_timur_d1_garbled(r2024):
    r = one(r2024, name_clean="Pemerintah Provinsi Jawa Timur")
    assert r["category_hint"] == "provinsi" and r["province_hint"] == "Jawa Timur"
    assert math.isnan(r["D1"])
    assert r["garbled_text"] == "D1=',60'"
    assert {"d1_garbled", "recovered"} <= flags(r) and "d1_missing" not in flags(r)
    assert (r["D2"], r["D3"], r["D4"], r["index"], r["predicate"]) == (4.40, 3.09, 4.87, 4.43, "Memuaskan")
    assert r["recovered_low"] < 4.60 < r["recovered_high"]
    assert r["recovered_candidates"] == "4.60"  # 4.6 and 4.7 fit the interval, only 4,60 ends in ',60'


def test_2024_only_three_recoveries(r2024, r2023):
    assert r2024["recovered_field"].notna().sum() == 3
    assert r2023["recovered_field"].notna().sum() == 0
    assert r2023[["D1", "D2", "D3", "D4", "index"]].notna().all().all()


def test_2023_kementerian_pertanian(r2023):
    r = one(r2023, name_clean="Kementerian Pertanian")
    assert r["source_table"] == "Tabel 8" and r["source_row"] == 16
    assert (r["D1"], r["D2"], r["D3"], r["D4"], r["index"], r["predicate"]) == (
        3.40, 3.70, 2.36, 4.62, 3.86, "Sangat Baik")
    assert r["quality_flags"] == ""


@pytest.mark.parametrize(
    "year, name, cat, values",
    [
        (2023, "Pemerintah Kab. Kediri", "kabupaten", (5.00, 4.00, 3.09, 4.63, 4.27, "Memuaskan")),
        (2023, "Pemerintah Kota Kediri", "kota", (4.40, 3.70, 2.55, 3.82, 3.65, "Sangat Baik")),
        (2024, "Pemerintah Kab. Kediri", "kabupaten", (5.00, 4.10, 4.09, 5.00, 4.63, "Memuaskan")),
        (2024, "Pemerintah Kota Kediri", "kota", (3.80, 3.80, 2.55, 4.45, 3.89, "Sangat Baik")),
        (2024, "Pemerintah Kab. Banyuwangi", "kabupaten", (5.00, 4.60, 4.18, 5.00, 4.77, "Memuaskan")),
        (2024, "Pemerintah Aceh", "provinsi", (4.00, 3.30, 2.64, 4.08, 3.64, "Sangat Baik")),
        (2023, "Pemerintah D.I. Yogyakarta", "provinsi", (4.80, 4.20, 3.36, 4.38, 4.22, "Memuaskan")),
    ],
)
def test_known_regional_rows(r2023, r2024, year, name, cat, values):
    df = r2023 if year == 2023 else r2024
    r = one(df, name_clean=name)
    assert r["category_hint"] == cat
    assert (r["D1"], r["D2"], r["D3"], r["D4"], r["index"], r["predicate"]) == values


def test_kediri_kabupaten_and_kota_are_distinct_rows(r2024):
    k = r2024[r2024["name_clean"].str.endswith("Kediri")]
    assert sorted(k["category_hint"]) == ["kabupaten", "kota"]
    assert set(k["province_hint"]) == {"Jawa Timur"}


def test_name_repairs_2023(r2023):
    r = one(r2023, source_table="Tabel 15", source_row=one(r2023, source_line=873)["source_row"])
    assert r["name_raw"].startswith("Badan Pengusahaan<br>Badan Pengusahaan")
    assert r["name_clean"] == "Badan Pengusahaan Kawasan Perdagangan Bebas dan Pelabuhan Bebas Batam"
    assert "name_repaired" in flags(r)
    k = one(r2023, name_raw="Pemerintah Kota KotaMobagu")
    assert k["name_clean"] == "Pemerintah Kota Kotamobagu" and "name_repaired" in flags(k)
    # a genuinely repeated single word is left alone (Tojo Una-Una)
    t = one(r2023, name_clean="Pemerintah Kab. Tojo Una Una")
    assert "name_repaired" not in flags(t)
    assert (r2023["quality_flags"].str.contains("name_repaired")).sum() == 2


def test_title_typo_and_markup(r2024, r2023):
    ntt = r2024[r2024["table_title"].str.contains("Tlmur")]
    assert len(ntt) == 22
    assert (ntt["province_hint"] == "Nusa Tenggara Timur").all()
    assert ntt["quality_flags"].str.contains("title_typo").all()
    assert ntt["table_title"].iloc[0] == "Hasil Evaluasi SPBE Pemerintah Daerah di Nusa Tenggara Tlmur"
    assert one(r2024, name_clean="Kementerian Pertanian")["table_title"] == "Hasil Evaluasi SPBE Kementerian"
    assert one(r2023, name_clean="Badan Riset dan Inovasi Nasional")["table_title"] == (
        "Hasil Evaluasi SPBE Lembaga Pemerintah Lainnya")
    assert not r2023["quality_flags"].str.contains("title_typo").any()
    assert not r2024["table_title"].str.contains(r"\*|<|#").any()


def test_cell_defects(r2023, r2024):
    dki = one(r2023, name_clean="Pemerintah Provinsi DKI Jakarta")
    assert dki["D1"] == 4.50 and "decimal_point" in flags(dki)
    diy = r2023[r2023["source_table"] == "Tabel 29"]
    assert len(diy) == 6 and diy["quality_flags"].str.contains("extra_empty_cells").all()
    sumut = one(r2024, name_clean="Pemerintah Provinsi Sumatera Utara")
    assert sumut["predicate"] == "Sangat Baik" and sumut["predicate_raw"] == "Sangat<br>Baik"
    assert "br_in_cell" in flags(sumut)
    # 2023 Banyuasin prints D4 = 0,30 (below the 1-5 scale but consistent with its index 1,05)
    b = one(r2023, name_clean="Pemerintah Kab. Banyuasin")
    assert b["D4"] == 0.30 and b["index"] == 1.05 and flags(b) == {"out_of_range"}
    assert abs(b["residual"]) < 0.005


def test_flag_counts(r2023, r2024):
    def counts(df):
        s = df["quality_flags"].str.split(";").explode()
        return s[s != ""].value_counts().to_dict()

    assert counts(r2024) == {"br_in_cell": 51, "title_typo": 22, "on_threshold": 7, "recovered": 3,
                             "predicate_unrounded": 3, "d1_missing": 2, "d1_garbled": 1}
    assert counts(r2023) == {"extra_empty_cells": 6, "on_threshold": 5, "br_in_cell": 5,
                             "name_repaired": 2, "out_of_range": 1,
                             "decimal_point": 1}


# ------------------------------------------------------------------ consistency


def test_index_residuals(r2023, r2024):
    """Printed index vs weighted printed domains: all rows within rounding error."""
    eps = 1e-9
    for df, n_valid, n_tight in ((r2023, 621, 560), (r2024, 612, 551)):
        res = df["residual"].dropna()
        assert len(res) == n_valid
        # within ±0.0051: the printed index's own rounding only
        assert (res.abs() <= 0.0051 + eps).sum() == n_tight
        # D1, D2 are exact (0.1 grid); D3, D4 rounding adds ≤ .005*(.165+.455) = .0031
        assert (res.abs() <= 0.005 * (1 + 0.165 + 0.455) + eps).all()
        assert (res.abs() <= rounding_tolerance("2020") + eps).all() and df["within_tolerance"].dropna().all()
        assert (df["tolerance"] == rounding_tolerance("2020")).all()
        assert not df["quality_flags"].str.contains("index_mismatch").any()
        assert abs(res.mean()) < 0.001


def test_recomputed_index_uses_5920_weights(r2024):
    r = one(r2024, name_clean="Pemerintah Kab. Banyuwangi")
    w = W20
    assert (w["D1"], w["D2"], w["D3"], w["D4"]) == (0.13, 0.25, 0.165, 0.455)
    assert r["index_recomputed"] == pytest.approx(0.13 * 5 + 0.25 * 4.6 + 0.165 * 4.18 + 0.455 * 5, abs=1e-12)


def test_domain_grids(r2023, r2024):
    """D1, D2 are means of 10 indicators (k/10), D3 of 11 (k/11): printed values fit."""
    for df in (r2023, r2024):
        for d, den in (("D1", 10), ("D2", 10), ("D3", 11)):
            v = df[d].dropna()
            assert (np.abs(np.round(v * den) / den - v) <= 0.005 + 1e-9).all(), d


def test_predicate_consistency(r2023, r2024):
    for df in (r2023, r2024):
        assert df["predicate_consistent"].all()
        off = df[df["predicate"] != df["predicate_from_index"]]
        assert off["quality_flags"].str.contains("on_threshold").all()
    # 2024: the three threshold rows follow the unrounded index
    for name, idx, pred in (("Pemerintah Kab. Nias Barat", 1.80, "Kurang"),
                            ("Pemerintah Kab. Pacitan", 3.50, "Baik"),
                            ("Pemerintah Kab. Luwu", 2.60, "Cukup")):
        r = one(r2024, name_clean=name)
        assert r["index"] == idx and r["predicate"] == pred
        assert {"on_threshold", "predicate_unrounded"} <= flags(r)
        assert r["index_recomputed"] < idx and predicate_of(r["index_recomputed"]) == pred
        assert r["predicate_from_index"] != pred
    assert r2024["quality_flags"].str.contains("predicate_unrounded").sum() == 3
    # 2023: Nias Barat prints the upper predicate; its recomputed index (1.79625) is below the edge,
    # but the interval of indices consistent with the printed values, [1.795, 1.80125], straddles it:
    # either banding rule fits, so no rule is claimed.
    nb = one(r2023, name_clean="Pemerintah Kab. Nias Barat")
    assert (nb["index"], nb["predicate"]) == (1.80, "Cukup")
    assert nb["index_recomputed"] == pytest.approx(1.79625)
    assert flags(nb) == {"on_threshold"} and nb["predicate_consistent"]
    assert not r2023["quality_flags"].str.contains("predicate_rounded").any()


def test_predicate_rounded_needs_the_whole_interval_below_the_edge(tmp_path):
    # printed 2.60 Baik, domains give 2.59185 (within rounding of 2.60), and every index consistent with
    # both, [2.595, 2.59685], is below 2.60 -> the predicate was set on the rounded index
    body = HEADER + "| 1 | Kementerian Contoh | 2,50 | 2,50 | 2,45 | 2,72 | 2,60 | Baik |\n"
    row = parse_report(_write(tmp_path, body), 2024).iloc[0]
    assert row["index_recomputed"] == pytest.approx(2.59185)
    assert {"on_threshold", "predicate_rounded"} <= flags(row)


# ------------------------------------------------------------------ malformed input


def _write(tmp_path, body):
    p = tmp_path / "tiny.md"
    p.write_text(body, encoding="utf-8")
    return p


HEADER = ("**Tabel 9. Hasil Evaluasi SPBE Kementerian**\n\n"
          "| No | Nama Instansi | D1 | D2 | D3 | D4 | Indeks | Predikat |\n"
          "|----|---------------|----|----|----|----|--------|----------|\n")


def test_tiny_report_parses(tmp_path):
    p = _write(tmp_path, HEADER
               + "| 1 | Kementerian A | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n"
               + "| 2 | Kementerian<br>B | 1,00 | 1,00 | 1,00 | | 1,00 | Kurang |\n")
    df = parse_report(p, 2024)
    assert len(df) == 2 and df["name_clean"].tolist() == ["Kementerian A", "Kementerian B"]
    assert df.loc[0, "source_line"] == 5 and df.loc[1, "source_line"] == 6
    assert df.loc[1, "recovered_field"] == "D4" and df.loc[1, "recovered_low"] < 1.0 < df.loc[1, "recovered_high"]


def test_malformed_row_raises_with_line(tmp_path):
    p = _write(tmp_path, HEADER
               + "| 1 | Kementerian A | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n"
               + "| 2 | Kementerian B | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n")
    with pytest.raises(SPBEError) as e:
        parse_report(p, 2024)
    assert e.value.file == "tiny.md" and e.value.row == 6 and e.value.field == "row"
    assert "line 6" in str(e.value)


def test_bad_header_and_bad_number_raise(tmp_path):
    p = _write(tmp_path, HEADER.replace("| Indeks |", "| Skor |")
               + "| 1 | Kementerian A | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n")
    with pytest.raises(SPBEError, match="header") as e:
        parse_report(p, 2024)
    assert e.value.row == 3
    p = _write(tmp_path, HEADER + "| x | Kementerian A | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n")
    with pytest.raises(SPBEError) as e:
        parse_report(p, 2024)
    assert e.value.field == "No" and e.value.row == 5


def test_no_tables_raises(tmp_path):
    with pytest.raises(SPBEError, match="no per-institution table"):
        parse_report(_write(tmp_path, "# nothing here\n"), 2024)
    with pytest.raises(SPBEError, match="not found"):
        parse_report(tmp_path / "missing.md", 2024)


def test_name_continuation_row_and_gap(tmp_path):
    p = _write(tmp_path, HEADER
               + "| 1 | Kementerian Koordinator | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Baik |\n"
               + "|   | Bidang Perekonomian | | | | | | |\n"
               + "| 3 | Kementerian C | 3,00 | 3,00 | 3,00 | 3,00 | 3,00 | Sangat<br>Baik |\n")
    df = parse_report(p, 2024)
    assert df["name_clean"].tolist() == ["Kementerian Koordinator Bidang Perekonomian", "Kementerian C"]
    assert "name_continued" in df.loc[0, "quality_flags"]
    assert {"row_number_gap", "br_in_cell", "predicate_mismatch"} <= set(df.loc[1, "quality_flags"].split(";"))
    assert df.loc[1, "predicate_consistent"] == False  # noqa: E712


# ------------------------------------------------------------------ aggregates


def agg(df, **kw):
    return one(df, **kw)["value"]


def test_aggregate_columns(a2023, a2024):
    for a in (a2023, a2024):
        assert tuple(a.columns) == AGGREGATE_COLUMNS
        assert set(a["group"]) <= set(AGGREGATE_GROUPS)
        assert set(a["component"]) <= {"index", "D1", "D2", "D3", "D4"} | {f"A{i}" for i in range(1, 9)}


def test_aggregates_2024(a2024):
    t5 = a2024[(a2024["source_table"] == "Tabel 5")]
    assert (t5["year"] == 2024).all() and (t5["report_year"] == 2024).all()
    assert agg(t5, group="nasional", component="index", statistic="mean") == 3.12
    assert [agg(t5, group="nasional", component=d, statistic="mean") for d in ("D1", "D2", "D3", "D4")] == [
        3.36, 2.62, 1.86, 3.78]
    assert agg(t5, component="index", statistic="max") == 4.77
    t8 = a2024[a2024["source_table"] == "Tabel 8"]
    assert agg(t8, group="kementerian", component="index") == 4.03
    assert agg(t8, group="lns_and_other", component="A8") == 3.67
    assert agg(t8, group="kabupaten", component="index") == 2.97
    assert set(t8["group"]) == {"nasional", "kementerian", "lpnk", "lns_and_other", "provinsi", "kabupaten", "kota"}
    assert len(t8) == 7 * 13
    assert agg(a2024, source_table="Tabel 6", component="index", statistic="min") == 1.67
    assert agg(a2024, source_table="Tabel 7", group="pemda", component="D2", statistic="max") == 4.90


def test_aggregates_2023(a2023):
    t4 = a2023[a2023["source_table"] == "Tabel 4"]
    assert [agg(t4, component=c, statistic="mean") for c in ("D1", "D2", "D3", "D4", "index")] == [
        2.91, 2.27, 1.65, 3.45, 2.79]
    assert agg(t4, component="index", statistic="target") == 2.60
    assert agg(t4, component="D4", statistic="max") == 5.0
    t7 = a2023[a2023["source_table"] == "Tabel 7"]
    assert agg(t7, group="kementerian", component="index") == 3.66
    assert agg(t7, group="instansi_lainnya", component="D1") == 3.40
    assert agg(t7, group="lns", component="A8") == 3.10  # printed "3.10" with a point
    assert len(t7) == 8 * 13


def test_aggregate_domain_order_by_index_identity(a2023, a2024):
    """The five values of the domain tables are D1..D4, index: the mean index equals the
    weighted mean of the domain means within rounding (±0.0101) - except three printed
    cells of the 2024 report, which are off by 0.014-0.018 (documented in NOTES.md)."""
    off = set()
    for a in (a2023, a2024):
        means = a[a["statistic"] == "mean"]
        for (tab, grp, yr), g in means.groupby(["source_table", "group", "year"]):
            v = g.set_index("component")["value"]
            if v[["D1", "D2", "D3", "D4"]].isna().any():
                continue  # 2018-2020: three-domain framework
            recomputed = sum(W20[d] * v[d] for d in ("D1", "D2", "D3", "D4"))
            if abs(recomputed - v["index"]) > 0.0101:
                off.add((int(g["report_year"].iloc[0]), tab, grp, yr))
    assert off == {(2024, "Tabel 4", "nasional", 2023), (2024, "Tabel 8", "lpnk", 2024),
                   (2024, "Tabel 8", "provinsi", 2024)}


def test_national_series_equals_frameworks_csv(a2024):
    csv = pd.read_csv(NATIONAL_CSV).set_index("year")
    s = a2024[a2024["source_table"] == "Tabel 4"].pivot(index="year", columns="component", values="value")
    assert list(s.index) == list(range(2018, 2025))
    mapping = {"index": "indeks_spbe_nasional", "D1": "domain_kebijakan", "D2": "domain_tata_kelola",
               "D3": "domain_manajemen", "D4": "domain_layanan"}
    for comp, col in mapping.items():
        pd.testing.assert_series_equal(s[comp].rename(None), csv.loc[s.index, col].astype(float).rename(None),
                                       check_names=False, check_index_type=False)
    assert s.loc[2018:2020, "D3"].isna().all()


def _non_reproducing_groups(rows, aggs, year):
    """(source_table, group, component, statistic) whose printed value the listed rows do not
    reproduce within ±0.0101 (printed mean rounding + row rounding)."""
    d = rows.copy()
    m = d["recovered_field"] == "D1"
    d.loc[m, "D1"] = d.loc[m, "recovered_value"]
    a = aggs[(aggs["year"] == year) & aggs["component"].isin(["D1", "D2", "D3", "D4", "index"])
             & (aggs["statistic"] != "target")]
    bad = set()
    for r in a.itertuples(index=False):
        vals = d.loc[d["category_hint"].isin(GROUP_CATEGORIES[r.group]), r.component]
        got = {"mean": vals.mean(), "max": vals.max(), "min": vals.min()}[r.statistic]
        if abs(got - r.value) > 0.0101:
            bad.add((r.source_table, r.group, r.component, r.statistic))
    return bad


def test_group_statistics_reproduce_from_rows_2024(r2024, a2024):
    """Every 2024 group statistic (mean/max/min per domain and index) reproduces from the
    listed rows, except the national means (3.12 printed, 3.17 from the 615 rows) and the
    LPNK and Provinsi index cells of Tabel 8 (which also break index = Σ w·D)."""
    bad = _non_reproducing_groups(r2024, a2024, 2024)
    national = {(t, "nasional", c, "mean") for t in ("Tabel 4", "Tabel 5", "Tabel 8")
                for c in ("D1", "D2", "D3", "D4", "index")}
    assert bad == national | {("Tabel 8", "lpnk", "index", "mean"), ("Tabel 8", "provinsi", "index", "mean")}
    assert r2024["index"].mean() - 3.12 > 0.04


def test_group_statistics_reproduce_from_rows_2023(r2023, a2023):
    """2023: kementerian, provinsi, kota and 'Instansi Lainnya' (the 15 central bodies that
    are neither kementerian, LPNK nor LNS) reproduce; the other groups do not."""
    bad = _non_reproducing_groups(r2023, a2023, 2023)
    assert {g for _, g, _, _ in bad} == {"nasional", "instansi_pusat", "pemda", "lpnk", "lns", "kabupaten"}
    # the printed minima exclude 2023 Kab. Banyuasin's D4 = 0,30
    assert ("Tabel 4", "nasional", "D4", "min") in bad


def test_aggregate_errors(tmp_path):
    p = tmp_path / "agg.md"
    p.write_text("Tabel 5. Nilai Indeks Domain Nasional 2024\n\n| Nasional | A | B |\n|---|---|---|\n"
                 "| Rerata | 3,36 | 2,62 |\n", encoding="utf-8")
    with pytest.raises(SPBEError, match="expected 5 values") as e:
        parse_report_aggregates(p, 2024)
    assert e.value.row == 5
    p.write_text("nothing\n", encoding="utf-8")
    with pytest.raises(SPBEError, match="no summary tables"):
        parse_report_aggregates(p, 2024)


def _aggregate_fixture(tmp_path, body):
    path = tmp_path / "report.md"
    path.write_text(body, encoding="utf-8")
    return path


def test_aggregate_table_missing_a_statistic_row_raises(tmp_path):
    md = ("Tabel 5. Nilai Indeks Domain Nasional\n\n"
          "| | D1 | D2 | D3 | D4 | Indeks |\n|---|---|---|---|---|---|\n"
          "| Rerata | 3,36 | 2,62 | 1,86 | 3,78 | 3,12 |\n"
          "| Maks. | 5,00 | 5,00 | 5,00 | 5,00 | 4,90 |\n"
          "| Minimum | 1,00 | 1,00 | 1,00 | 1,00 | 1,00 |\n")
    with pytest.raises(SPBEError, match=r"no max/min row"):
        parse_report_aggregates(_aggregate_fixture(tmp_path, md), 2024)


def test_aggregate_category_row_with_too_few_values_raises(tmp_path):
    md = ("Tabel 8. Nilai Indeks Kematangan SPBE per Kategori Instansi\n\n"
          "| Deskripsi | Nasional | Kementerian | LPNK |\n|---|---|---|---|\n"
          "| SPBE | 2,79 | 3,66 |\n")
    with pytest.raises(SPBEError, match=r"expected 3 values, found 2"):
        parse_report_aggregates(_aggregate_fixture(tmp_path, md), 2024)
