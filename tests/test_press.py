"""Tests for spbe_research.press: the press tables in data/raw/press and the cross-check."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spbe_research import cleaning, datasets
from spbe_research.errors import SPBEError
from spbe_research.vocabulary import PRESS_STAGE_BASES as STAGE_BASES
from spbe_research.press import (
    SCORES_FILE, agreement_summary, classify_stage, cross_check,
    load_press_domain_scores, load_press_national_stats, load_press_scores, split_compiler_notes, value_scope,
)

REPO = Path(__file__).resolve().parents[1]
PRESS_DIR = datasets.raw_path("press")
REPORTS = REPO / "data" / "raw" / "kemenpanrb_reports"


@pytest.fixture(scope="module")
def scores():
    return load_press_scores()


# ---------------------------------------------------------------------------------------------
# load_press_scores on the real file
# ---------------------------------------------------------------------------------------------
def test_row_count_and_years_match_provenance(scores):
    assert len(scores) == 302
    assert scores["year"].value_counts().sort_index().to_dict() == {
        2018: 16, 2019: 7, 2020: 10, 2021: 52, 2022: 73, 2023: 93, 2024: 41, 2025: 10}
    assert scores["institution"].nunique() == 175
    assert scores["province"].nunique() == 32


def test_columns_and_dtypes(scores):
    assert list(scores.columns) == [
        "institution", "institution_type", "province", "year", "index", "index_decimals", "predicate",
        "stage", "source_url", "quote", "conflict", "n_values", "source_row", "compiler_note", "stage_basis"]
    assert str(scores["year"].dtype) == "Int64"
    assert scores["index"].dtype == "float64"
    assert scores["conflict"].dtype == bool
    assert scores["source_row"].tolist() == list(range(1, 303))


def test_values_as_in_file(scores):
    first = scores.iloc[0]
    assert (first["institution"], first["year"], first["index"], first["index_decimals"]) == (
        "Kabupaten Aceh Barat", 2021, 2.10, 2)
    assert pd.isna(first["predicate"])
    # Predicate only: Kementerian Keuangan 2018 (row 170) has no index.
    kemenkeu = scores[(scores["institution"] == "Kementerian Keuangan") & (scores["year"] == 2018)].iloc[0]
    assert pd.isna(kemenkeu["index"]) and kemenkeu["predicate"] == "Memuaskan"
    assert pd.isna(kemenkeu["province"])
    assert scores["index"].isna().sum() == 22


def test_documented_conflicts(scores):
    flagged = scores[scores["conflict"]]
    by_key = flagged.groupby(["institution", "year"])["index"].apply(sorted).to_dict()
    assert by_key == {
        ("Kabupaten Luwu Utara", 2021): [2.68, 2.69],
        ("Kabupaten Sragen", 2022): [3.10, 3.12],
        ("Kabupaten Tanggamus", 2022): [1.03, 1.60],
        ("Kota Bandar Lampung", 2022): [1.50, 1.53],
    }
    assert (flagged["n_values"] == 2).all()


def test_pesawaran_is_not_a_conflict_in_the_file(scores):
    # PROVENANCE.md names Pesawaran among the institutions with two values for one year, but the
    # file holds one value per year for it (2022: 1.95, 2023: 2.91); the flag follows the file.
    pesawaran = scores[scores["institution"] == "Kabupaten Pesawaran"]
    assert pesawaran[["year", "index"]].values.tolist() == [[2022, 1.95], [2023, 2.91]]
    assert not pesawaran["conflict"].any()


def test_same_value_twice_is_not_a_conflict(scores):
    bengkulu = scores[(scores["institution"] == "Provinsi Bengkulu") & (scores["year"] == 2023)]
    assert len(bengkulu) == 2 and (bengkulu["n_values"] == 2).all() and not bengkulu["conflict"].any()


def test_predicate_disagreement_is_a_conflict(tmp_path):
    # Provinsi Bengkulu 2023 (rows 252 and 254) gives 3.12 twice; give the two rows different predicates.
    raw = pd.read_csv(PRESS_DIR / SCORES_FILE, dtype=str, keep_default_na=False)
    rows = raw.index[(raw["institution"] == "Provinsi Bengkulu") & (raw["year"] == "2023")]
    assert len(rows) == 2
    raw.loc[rows, "predicate"] = ["Baik", "Cukup"]
    path = tmp_path / SCORES_FILE
    raw.to_csv(path, index=False)
    out = load_press_scores(path)
    assert out.loc[rows, "conflict"].tolist() == [True, True]
    assert out.loc[rows, "n_values"].tolist() == [2, 2]
    assert out["conflict"].sum() == 8 + 2          # the four documented pairs plus this one
    # one row with a predicate and one without is not a disagreement
    raw.loc[rows, "predicate"] = ["Baik", ""]
    raw.to_csv(path, index=False)
    assert not load_press_scores(path).loc[rows, "conflict"].any()


def test_stage_counts(scores):
    assert scores["stage"].value_counts().to_dict() == {"unknown": 250, "official": 50, "provisional": 2}
    assert pd.crosstab(scores["stage"], scores["stage_basis"]).to_dict("index") == {
        "official": {"compiler_note": 34, "none": 0, "quote": 16},
        "provisional": {"compiler_note": 2, "none": 0, "quote": 0},
        "unknown": {"compiler_note": 0, "none": 250, "quote": 0},
    }
    assert set(scores["stage_basis"]) == set(STAGE_BASES)
    # the compiler's note decides only where the page's words say nothing
    assert (scores.loc[scores["stage_basis"] == "compiler_note", "compiler_note"] != "").all()


@pytest.mark.parametrize("row, stage, basis", [
    (197, "unknown", "none"),                # Kota Kediri 2023 3,6: "angka sementara" is about the 2024 value 3,9
    (239, "provisional", "compiler_note"),   # Pematangsiantar: "[reported Nov 2024, before official decree]"
    (236, "provisional", "compiler_note"),   # Kota Manado: "[... likely provisional]"
    (156, "official", "quote"),              # "Pemantauan SPBE Tahun 2025 ... nilai indeks 4,07"
    (280, "official", "compiler_note"),      # "(hasil Pemantauan SPBE 2025)" is the compiler's
    (222, "official", "quote"),              # "hasil pemantauan SPBE ... tahun 2025. Indeks ... 3,96": lead sentence
    (253, "official", "compiler_note"),      # "(SK 663/2024)"
    (167, "official", "compiler_note"),      # leading "KepMenPANRB 663/2024 ..."
    (78, "official", "quote"),               # "Hasil Evaluasi SPBE" on the page (and a KepMenPANRB note)
    (138, "official", "quote"),              # "hasil pemantauan ... menjadi 3,58"
    (137, "unknown", "none"),                # same page, the 2021 value 2,71: no word about it
    (1, "unknown", "none"),                  # "serta Aceh Barat 2,10"
])
def test_stage_of_known_rows(scores, row, stage, basis):
    r = scores.set_index("source_row").loc[row]
    assert (r["stage"], r["stage_basis"]) == (stage, basis)


def test_quotes_are_the_excerpts_without_the_notes(scores):
    raw = pd.read_csv(PRESS_DIR / SCORES_FILE, dtype=str, keep_default_na=False)["quote_excerpt_short"].str.strip()
    assert (scores["compiler_note"] != "").sum() == 71
    assert (scores.loc[scores["compiler_note"] == "", "quote"] == raw[scores["compiler_note"] == ""]).all()
    # nothing is lost: every word of the excerpt is in the quote or in the note, in order
    squash = lambda t: t.str.replace(r"[\s.]", "", regex=True)    # noqa: E731
    rebuilt = (scores["quote"] + scores["compiler_note"]).pipe(squash).map(sorted)
    assert (rebuilt == squash(raw).map(sorted)).all()
    assert not scores["quote"].str.contains(r"\[|\]|kepmen|\bSK\b|context|reported", case=False).any()
    r = scores.set_index("source_row")
    assert r.loc[197, "quote"] == ("peningkatan signifikan ... dari 3,6 pada tahun 2023 menjadi 3,9 "
                                   "(angka sementara) di tahun 2024")      # the page's own parentheses stay
    assert (r.loc[239, "quote"], r.loc[239, "compiler_note"]) == (
        "Indeks SPBE Kota Pematangsiantar berada pada poin 3,03 (baik)", "[reported Nov 2024, before official decree]")
    assert (r.loc[145, "quote"], r.loc[145, "compiler_note"]) == (
        "Luwu Utara ... indeks SPBE 2,68 atau dengan predikat BAIK",
        "KepMenPANRB 1503/2021 ... [conflicts with inputsulsel: 2,69]")


# ---------------------------------------------------------------------------------------------
# Compiler's notes, value scope and stage rules
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("excerpt, quote, note", [
    ("indeks 3,04 (KepMenPANRB 108/2023)", "indeks 3,04", "(KepMenPANRB 108/2023)"),
    ("poin 3,03 (baik) [reported Nov 2024, before official decree]", "poin 3,03 (baik)",
     "[reported Nov 2024, before official decree]"),
    ("Kategori Sedang [sic] pada 2022", "Kategori Sedang pada 2022", "[sic]"),
    ("menjadi 3,92 (SK 663/2024)", "menjadi 3,92", "(SK 663/2024)"),
    ("Way Kanan 2,1 predikat cukup (context: evaluasi 2021)", "Way Kanan 2,1 predikat cukup",
     "(context: evaluasi 2021)"),
    ("dengan nilai 3.85 (tahun 2020)", "dengan nilai 3.85", "(tahun 2020)"),
    ("Palangka Raya (2024, Kalteng)", "Palangka Raya", "(2024, Kalteng)"),
    ("pada 2025 (hasil Pemantauan SPBE 2025)", "pada 2025", "(hasil Pemantauan SPBE 2025)"),
    ("KepMenPANRB 13/2024 ... Kota Madiun 4,45", "Kota Madiun 4,45", "KepMenPANRB 13/2024 ..."),
    ("pada tahun 2023 (KepMenPANRB 13/2024) predikat Sangat Baik [x]", "pada tahun 2023 predikat Sangat Baik",
     "(KepMenPANRB 13/2024) [x]"),
    # the page's own parentheses
    ("Kabupaten Badung (Indeks SPBE 3,66) ... Sangat Baik", "Kabupaten Badung (Indeks SPBE 3,66) ... Sangat Baik", ""),
    ("menjadi 3,9 (angka sementara) di tahun 2024", "menjadi 3,9 (angka sementara) di tahun 2024", ""),
    ("Boalemo (2,40) dan Pohuwato (2,52)", "Boalemo (2,40) dan Pohuwato (2,52)", ""),
    ("the SPBE index was 1.80 (Enough)", "the SPBE index was 1.80 (Enough)", ""),
])
def test_split_compiler_notes(excerpt, quote, note):
    assert split_compiler_notes(excerpt) == (quote, note)


@pytest.mark.parametrize("quote, value, scope_words, not_in_scope", [
    ("dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di tahun 2024", 3.6, "pada tahun 2023", "sementara"),
    ("dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di tahun 2024", 3.9, "angka sementara", "3,6"),
    ("hasil evaluasi SPBE 2023: Kota A 3,1, Kota B 3,2, Kota C 3,3", 3.3, "hasil evaluasi", "Kota B"),
    ("angka 3,12 dengan kategori Baik. Tahun 2024, melonjak menjadi 3,92 (sementara)", 3.12, "kategori Baik",
     "sementara"),
    ("hasil pemantauan SPBE tahun 2025. Indeks Kota Mataram 3,96", 3.96, "hasil pemantauan", "@"),
    ("Pemerintah Kab. Bangkalan (1,89) ... predikat Cukup", 1.89, "Bangkalan", "@"),
    ("naik dari 3.10 menjadi 3.5", 3.1, "naik dari", "menjadi 3.5"),     # 3.10 and 3.1 are one value
])
def test_value_scope(quote, value, scope_words, not_in_scope):
    scope = value_scope(quote, value)
    assert scope_words in scope and not_in_scope not in scope


def test_value_scope_when_the_value_is_not_printed():
    assert value_scope("indeks 3,65 predikat Sangat Baik", 3.6) is None      # 3,65 is not 3,6
    assert value_scope("predikat Sangat Baik", None) is None
    assert value_scope("predikat Sangat Baik", float("nan")) is None


@pytest.mark.parametrize("excerpt, value, stage, basis", [
    ("hasil penilaian mandiri tim internal mencapai 2,9", 2.9, "self_assessment", "quote"),
    ("skor self assessment SPBE 3,1", 3.1, "self_assessment", "quote"),
    ("Untuk saat ini adalah evaluasi internal, nilainya 2,058", 2.058, "self_assessment", "quote"),
    ("indeks 3,9 (angka sementara)", 3.9, "provisional", "quote"),
    ("nilai sementara SPBE 3,4", 3.4, "provisional", "quote"),
    ("hasil itu masih menunggu verifikasi Kementerian PANRB", None, "provisional", "quote"),
    ("indeks 3,4 belum ditetapkan", 3.4, "provisional", "quote"),
    ("berdasarkan SK MenPANRB nilainya 3,41", 3.41, "official", "quote"),
    ("Keputusan Menteri PANRB Nomor 13 Tahun 2024", None, "official", "quote"),
    ("atas hasil evaluasi SPBE 2023", None, "official", "quote"),
    ("Pemantauan SPBE Tahun 2025 ... nilai indeks 4,07", 4.07, "official", "quote"),
    ("meraih predikat sangat baik dalam Evaluasi SPBE Tahun 2024. Pemkot 4,02", 4.02, "official", "quote"),
    ("serta Aceh Barat 2,10", 2.10, "unknown", "none"),
    ("Sementara itu, indeks SPBE Kota X 3,2", 3.2, "unknown", "none"),        # "meanwhile", not "provisional"
    ("sk 3,2 ask", 3.2, "unknown", "none"),                                   # lower-case sk is not SK
    # the value's own words decide
    ("dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di tahun 2024", 3.6, "unknown", "none"),
    ("dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di tahun 2024", 3.9, "provisional", "quote"),
    ("dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di tahun 2024", None, "provisional", "quote"),
    # the compiler's note only when the page's words say nothing
    ("indeks 3,19 (KepMenPANRB 1503/2021)", 3.19, "official", "compiler_note"),
    ("poin 3,03 (baik) [reported Nov 2024, before official decree]", 3.03, "provisional", "compiler_note"),
    ("hasil evaluasi SPBE: nilai 3,1 [likely provisional]", 3.1, "official", "quote"),
    ("indeks 3,9 (angka sementara) (KepMenPANRB 13/2024)", 3.9, "provisional", "quote"),
    # order: self-assessment before provisional before official
    ("hasil evaluasi mandiri sementara 2,9", 2.9, "self_assessment", "quote"),
    ("hasil evaluasi sementara 3,9 sebelum SK", 3.9, "provisional", "quote"),
])
def test_stage_rules(excerpt, value, stage, basis):
    assert classify_stage(excerpt, value) == (stage, basis)


# ---------------------------------------------------------------------------------------------
# Validation errors on corrupted copies
# ---------------------------------------------------------------------------------------------
def corrupted_copy(tmp_path, name, row, field, value):
    """Copy of a press CSV with one cell (1-based data row) replaced."""
    raw = pd.read_csv(PRESS_DIR / name, dtype=str, keep_default_na=False)
    raw.loc[row - 1, field] = value
    path = tmp_path / name
    raw.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("row, field, value, message", [
    (5, "index", "2,62", "not a number"),
    (7, "index", "abc", "not a number"),
    (12, "index", "5.20", r"outside \[0, 5\]"),
    (12, "index", "-0.5", "not a number"),
    (3, "predicate", "Bagus", "unknown predicate"),
    (9, "institution_type", "kecamatan", "unknown institution_type"),
    (4, "year", "20x1", "not a year"),
    (10, "institution", "", "empty"),
])
def test_scores_errors_name_file_row_field(tmp_path, row, field, value, message):
    path = corrupted_copy(tmp_path, SCORES_FILE, row, field, value)
    with pytest.raises(SPBEError, match=message) as err:
        load_press_scores(path)
    assert (err.value.file, err.value.row, err.value.field) == (SCORES_FILE, row, field)
    assert f"file '{SCORES_FILE}'" in str(err.value) and f"row {row}" in str(err.value)
    assert f"field '{field}'" in str(err.value)


def test_row_without_index_or_predicate_is_an_error(tmp_path):
    path = corrupted_copy(tmp_path, SCORES_FILE, 2, "index", "")   # row 2 gives index 2.67 and no predicate
    with pytest.raises(SPBEError, match="neither index nor predicate") as err:
        load_press_scores(path)
    assert err.value.row == 2


def test_missing_column_is_an_error(tmp_path):
    raw = pd.read_csv(PRESS_DIR / SCORES_FILE, dtype=str, keep_default_na=False)
    path = tmp_path / SCORES_FILE
    raw.drop(columns="predicate").to_csv(path, index=False)
    with pytest.raises(SPBEError, match="missing column") as err:
        load_press_scores(path)
    assert (err.value.file, err.value.field) == (SCORES_FILE, "predicate")


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(SPBEError, match="not found"):
        load_press_scores(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------------------------
# Domain scores and national statistics
# ---------------------------------------------------------------------------------------------
def test_domain_scores():
    d = load_press_domain_scores()
    assert len(d) == 51
    assert set(d["component_level"]) == {"domain", "aspek"}
    assert d["value"].between(0, 5).all()
    row = d.iloc[0]
    assert (row["institution"], row["year"], row["component"], row["component_level"], row["value"]) == (
        "Kabupaten Aceh Jaya", 2025, "Layanan Publik Berbasis Elektronik", "aspek", 4.0)


def test_domain_scores_errors(tmp_path):
    path = corrupted_copy(tmp_path, "spbe_domain_scores_from_press.csv", 6, "value", "6.1")
    with pytest.raises(SPBEError, match="outside") as err:
        load_press_domain_scores(path)
    assert (err.value.row, err.value.field) == (6, "value")
    path = corrupted_copy(tmp_path, "spbe_domain_scores_from_press.csv", 2, "component_level", "indikator")
    with pytest.raises(SPBEError, match="unknown component_level") as err:
        load_press_domain_scores(path)
    assert err.value.row == 2


def test_national_stats_units_and_values():
    n = load_press_national_stats()
    assert len(n) == 23 - 1 + 4          # the predicate-count row becomes four rows
    first = n.iloc[0]
    assert (first["statistic"], first["value"], first["unit"], first["value_as_given"]) == (
        "count_baik_or_better_share", 13.31, "percent", "13.31%")
    by_stat = n.drop_duplicates("statistic").set_index("statistic")
    assert by_stat.loc["kabupaten_average", ["value", "unit"]].tolist() == [1.77, "index"]
    assert by_stat.loc["n_institutions_evaluated", ["value", "unit"]].tolist() == [616.0, "count"]
    assert by_stat.loc["share_above_2.6_kota", ["value", "unit"]].tolist() == [25.0, "percent"]
    memuaskan = by_stat.loc["kementerian_memuaskan_count"]
    assert (memuaskan["value"], memuaskan["unit"], memuaskan["denominator"]) == (12.0, "count", 34.0)
    counts = n[n["statistic"] == "provinsi_predicate_counts"]
    assert dict(zip(counts["predicate"], counts["value"])) == {
        "Sangat Baik": 1.0, "Baik": 16.0, "Cukup": 13.0, "Kurang": 4.0}
    assert (counts["unit"] == "count").all() and (counts["source_row"] == 14).all()
    assert n["value"].notna().all()
    assert set(n["unit"]) == {"percent", "count", "index"}


@pytest.mark.parametrize("value, message", [
    ("about 600", "value is not a number"),
    ("13,31%", "value is not a number"),
    ("Bagus=3; Baik=2", "unknown predicate 'Bagus'"),
])
def test_national_stats_never_parse_silently(tmp_path, value, message):
    path = corrupted_copy(tmp_path, "spbe_national_stats_from_press.csv", 3, "value", value)
    with pytest.raises(SPBEError, match=message) as err:
        load_press_national_stats(path)
    assert (err.value.file, err.value.row, err.value.field) == ("spbe_national_stats_from_press.csv", 3, "value")


# ---------------------------------------------------------------------------------------------
# cross_check and agreement_summary
# ---------------------------------------------------------------------------------------------
def test_cross_check_rules_on_a_hand_made_frame():
    press = pd.DataFrame({
        "institution_id": ["a", "b", "c", "d", "e", "f", "g"],
        "year": [2023] * 5 + [2024, 2024],
        "index": [3.12, 3.7, 3.6, 2.93, 3.125, None, 4.0],
        "index_decimals": [2, 1, 1, 2, 3, None, 1],
    })
    official = pd.DataFrame({"institution_id": ["a", "b", "c", "d", "e", "f"],
                             "year": [2023] * 5 + [2024], "index": [3.12, 3.66, 3.66, 2.95, 3.13, 3.0]})
    cross = cross_check(press, official)
    assert cross["institution_id"].tolist() == ["a", "b", "c", "d", "e"]   # f has no press index, g no official
    assert cross["agrees"].tolist() == [True, True, False, False, True]
    # b: 3.66 rounds to 3.7 (agrees); c: truncated 3.6 does not; d: 0.02 apart; e: within 0.005
    assert cross["difference"].round(3).tolist() == [0.0, 0.04, -0.06, -0.02, -0.005]
    summary = agreement_summary(cross)
    assert summary.to_dict("list") == {"year": [2023], "n": [5], "n_agree": [3], "agreement_rate": [0.6]}


def test_cross_check_infers_decimals_without_index_decimals_column():
    press = pd.DataFrame({"institution_id": ["b"], "year": [2023], "index": [3.7]})
    official = pd.DataFrame({"institution_id": ["b"], "year": [2023], "index": [3.66]})
    assert cross_check(press, official)["agrees"].tolist() == [True]
    assert cross_check(press, official, tolerance=0.0)["agrees"].tolist() == [True]   # rounding rule


def test_cross_check_tolerance_and_keys():
    press = pd.DataFrame({"name": ["a"], "year": [2023], "index": [3.15], "index_decimals": [2]})
    official = pd.DataFrame({"name": ["a"], "year": [2023], "index": [3.12]})
    assert cross_check(press, official, keys=("name", "year"))["agrees"].tolist() == [False]
    assert cross_check(press, official, keys=("name", "year"), tolerance=0.05)["agrees"].tolist() == [True]


def test_cross_check_errors():
    press = pd.DataFrame({"institution_id": ["a"], "year": [2023], "index": [3.1]})
    with pytest.raises(SPBEError, match="official table has no column .year."):
        cross_check(press, pd.DataFrame({"institution_id": ["a"], "index": [3.1]}))
    with pytest.raises(SPBEError, match="more than one value"):
        cross_check(press, pd.DataFrame({"institution_id": ["a", "a"], "year": [2023, 2023], "index": [3.1, 3.2]}))
    with pytest.raises(SPBEError, match="tolerance"):
        cross_check(press, press, tolerance=-1)
    with pytest.raises(SPBEError, match="has no column 'agrees'"):
        agreement_summary(pd.DataFrame({"year": [2023]}))
    with pytest.raises(SPBEError, match="decimal comma"):
        cross_check(press.assign(index=["3,1"]), press)
    with pytest.raises(SPBEError, match="True or False"):
        agreement_summary(pd.DataFrame({"year": [2023], "agrees": ["yes"]}))


# Press names mapped by hand to the names printed in the official reports (the registry does this
# for the whole table; here eleven institutions are enough to exercise the real data).
OFFICIAL_NAMES = {
    "Kabupaten Sragen": "Pemerintah Kab. Sragen",
    "Kabupaten Kotawaringin Timur": "Pemerintah Kab. Kotawaringin Timur",
    "Kementerian Agama": "Kementerian Agama",
    "Kota Jambi": "Pemerintah Kota Jambi",
    "Kota Kediri": "Pemerintah Kota Kediri",
    "Kota Madiun": "Pemerintah Kota Madiun",
    "Kota Manado": "Pemerintah Kota Manado",
    "Provinsi Bengkulu": "Pemerintah Provinsi Bengkulu",
    "Provinsi Jawa Tengah": "Pemerintah Provinsi Jawa Tengah",
    "Provinsi Nusa Tenggara Barat": "Pemerintah Provinsi Nusa Tenggara Barat",
    "Provinsi Sulawesi Barat": "Pemerintah Provinsi Sulawesi Barat",
}


def test_cross_check_against_the_official_reports(scores):
    official = pd.concat([
        cleaning.parse_report(REPORTS / "e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md", 2023),
        cleaning.parse_report(REPORTS / "20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md", 2024),
    ])
    to_id = {v: k for k, v in OFFICIAL_NAMES.items()}
    official = official.assign(institution_id=official["name_clean"].map(to_id)).dropna(subset=["institution_id"])
    press = scores.assign(institution_id=scores["institution"].where(scores["institution"].isin(list(OFFICIAL_NAMES))))
    cross = cross_check(press, official)
    assert len(cross) == 19
    disagree = cross.loc[~cross["agrees"], ["institution", "year", "press_index", "official_index", "stage"]]
    assert disagree.values.tolist() == [
        ["Kota Kediri", 2023, 3.6, 3.65, "unknown"],       # 3.65 would print as 3.7 at one decimal
        ["Kota Manado", 2023, 2.93, 2.95, "unknown"],
        ["Kota Manado", 2024, 3.55, 3.93, "provisional"],  # stated during the evaluation
    ]
    summary = agreement_summary(cross)
    assert summary[["year", "n", "n_agree"]].values.tolist() == [[2023, 11, 9], [2024, 8, 7]]
