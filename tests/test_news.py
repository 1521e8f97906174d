"""Tests for spbe_research.news.extract_scores.

The seed articles (tests/fixtures/seeds) were read by hand; SEED_EXPECTED lists every SPBE index
score each one states, and the extractor must return exactly those rows. The short Indonesian
snippets further down are invented test sentences (no data claims), one or more per hard case.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from spbe_research.errors import SPBEError
from spbe_research.news import COLUMNS, extract_scores

SEEDS = Path(__file__).parent / "fixtures" / "seeds"

# Publication dates: 000 shows its own dateline; for 002-004 the date of the meeting each article
# reports as just held; 001 shows only a copyright year and states the evaluation year itself.
SEED_PUBLISHED = {
    "000_529ae3ffa3888e8c.txt": "2020-02-13",
    "001_2471845a75261a6c.txt": None,
    "002_a6e389a4993bd318.txt": "2018-07-18",
    "003_5ada53e2b0495b10.txt": "2023-09-21",
    "004_7060e5f3f73fd994.txt": "2021-06-03",
}

# (institution, institution_type, year, index, predicate, words the evidence must contain)
SEED_EXPECTED = {
    # Headline "Tembus 3,76" and body "tahun ini ... penilaian sangat baik ... skor 3,76" (Feb 2020:
    # results of the 2019 evaluation); "hasil penilaian tahun lalu yang hanya 2.94" -> 2018.
    "000_529ae3ffa3888e8c.txt": [
        ("Kabupaten Kendal", "kabupaten", 2019, 3.76, "Sangat Baik", "skor 3,76"),
        ("Kabupaten Kendal", "kabupaten", 2018, 2.94, None, "tahun lalu yang hanya 2.94"),
    ],
    # "SPBE Tahun 2021 ... peringkat delapan se-Jatim ... capaian angka 3,06 atau masuk kategori Baik";
    # the body is repeated in the copy, the score must come out once.
    "001_2471845a75261a6c.txt": [
        ("Kota Kediri", "kota", 2021, 3.06, "Baik", "capaian angka 3,06"),
    ],
    # "saat ini ... baru mencapai 2,05 atau Kategori Terkelola" (a capability level, no predicate);
    # "kategori optimum dengan skor 5" is the scale's top, not a score.
    "002_a6e389a4993bd318.txt": [
        ("Kabupaten Karanganyar", "kabupaten", 2018, 2.05, None, "mencapai 2,05"),
    ],
    # "tahun kemarin kita mendapatkan posisi 2,01" said in Sept 2023 by Kota Kendari's officials;
    # "poin 3" and "angka 3" are a domain level and a hope.
    "003_5ada53e2b0495b10.txt": [
        ("Kota Kendari", "kota", 2022, 2.01, None, "posisi 2,01"),
    ],
    # "nilai yang sudah dicapai 2,6" (the value already achieved; the article gives no year, the
    # rule takes the latest evaluation before June 2021) and "nilai SPBE Kapuas Hulu pada tahun ini,
    # menjadi 2,058" (the 2021 internal evaluation); "30an menjadi 40an indikator" are counts.
    "004_7060e5f3f73fd994.txt": [
        ("Kabupaten Kapuas Hulu", "kabupaten", 2020, 2.6, None, "sudah dicapai 2,6"),
        ("Kabupaten Kapuas Hulu", "kabupaten", 2021, 2.058, None, "menjadi 2,058"),
    ],
}


def rows(df: pd.DataFrame) -> list[tuple]:
    """Rows as plain tuples (institution, type, year, index, predicate); NA -> None."""
    out = []
    for r in df.itertuples(index=False):
        out.append((
            r.institution,
            None if pd.isna(r.institution_type) else r.institution_type,
            None if pd.isna(r.year) else int(r.year),
            round(float(r.index), 3),
            None if pd.isna(r.predicate) else r.predicate,
        ))
    return out


def extract(text, published=None):
    return rows(extract_scores(text, published))


# ---------------------------------------------------------------------------------------------
# Seed articles
# ---------------------------------------------------------------------------------------------
def test_all_seed_files_have_expectations():
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(SEED_EXPECTED)


@pytest.mark.parametrize("name", sorted(SEED_EXPECTED))
def test_seed_article_rows_exactly(name):
    text = (SEEDS / name).read_text(encoding="utf-8")
    df = extract_scores(text, SEED_PUBLISHED[name])
    expected = SEED_EXPECTED[name]
    assert rows(df) == [e[:5] for e in expected]
    for evidence, e in zip(df["evidence"], expected):
        assert e[5] in evidence


def test_seed_output_columns_and_dtypes():
    df = extract_scores((SEEDS / "004_7060e5f3f73fd994.txt").read_text(encoding="utf-8"), "2021-06-03")
    assert tuple(df.columns) == COLUMNS
    assert str(df["year"].dtype) == "Int64"
    assert df["index"].dtype == "float64"


def test_seed_year_inference_from_publication_date():
    # The Kendal article has no year next to its scores: the dateline decides.
    text = (SEEDS / "000_529ae3ffa3888e8c.txt").read_text(encoding="utf-8")
    assert [r[2] for r in extract(text, dt.date(2020, 2, 13))] == [2019, 2018]
    assert [r[2] for r in extract(text, dt.datetime(2020, 12, 10, 15, 30))] == [2020, 2019]
    assert [r[2] for r in extract(text)] == [None, None]


def test_seed_year_stated_in_text_needs_no_date():
    text = (SEEDS / "001_2471845a75261a6c.txt").read_text(encoding="utf-8")
    assert [r[2] for r in extract(text)] == [2021]
    assert [r[2] for r in extract(text, "2024-03-01")] == [2021]


# ---------------------------------------------------------------------------------------------
# Hard cases (invented sentences)
# ---------------------------------------------------------------------------------------------
def test_decimal_comma_and_point():
    text = ("Indeks SPBE Kabupaten Sleman tahun 2022 sebesar 3,45. "
            "Indeks SPBE Kota Yogyakarta tahun 2022 sebesar 3.12.")
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2022, 3.45, None),
                             ("Kota Yogyakarta", "kota", 2022, 3.12, None)]


def test_three_decimal_value():
    assert extract("Nilai SPBE Kabupaten Sintang tahun 2021 menjadi 2,058.") == [
        ("Kabupaten Sintang", "kabupaten", 2021, 2.058, None)]


def test_several_institutions_in_one_sentence():
    text = "Pada evaluasi SPBE 2023, Kabupaten Sleman meraih indeks 3,45, Kota Yogyakarta 3,12 dan Kabupaten Bantul 2,98."
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2023, 3.45, None),
                             ("Kota Yogyakarta", "kota", 2023, 3.12, None),
                             ("Kabupaten Bantul", "kabupaten", 2023, 2.98, None)]


def test_respectively_pairs_in_order_and_shares_the_predicate():
    text = ("Kementerian Keuangan dan Kementerian Hukum dan HAM mendapat predikat SPBE sangat baik, "
            "dengan nilai indeks masing-masing 3,72 dan 3,68 pada 2021.")
    assert extract(text) == [("Kementerian Keuangan", "kementerian", 2021, 3.72, "Sangat Baik"),
                             ("Kementerian Hukum dan HAM", "kementerian", 2021, 3.68, "Sangat Baik")]


def test_list_with_unread_names_gives_no_wrong_rows():
    # "Zoalemo" and "Zarolangun" (invented) are no known region: their values must not go to the
    # named neighbour.
    assert extract("Pada 2022 Pemkab Pohuwato, Kota Gorontalo dan Zoalemo masing-masing dengan indeks SPBE "
                   "2,41, 2,59 dan 2,02.") == []
    assert extract("Pada 2022 indeks SPBE disusul Pemkot Jambi, 2,79 dan Zarolangun 2,63.") == [
        ("Kota Jambi", "kota", 2022, 2.79, None)]


def test_bare_region_names_are_read_from_the_registry():
    # Region names without a type word, when only one region carries the name.
    assert extract("Pada 2022 Pemkab Pohuwato, Kota Gorontalo dan Boalemo masing-masing dengan indeks SPBE "
                   "2,41, 2,59 dan 2,02.") == [("Kabupaten Pohuwato", "kabupaten", 2022, 2.41, None),
                                             ("Kota Gorontalo", "kota", 2022, 2.59, None),
                                             ("Kabupaten Boalemo", "kabupaten", 2022, 2.02, None)]
    assert extract("Pada 2022 indeks SPBE disusul Pemkot Jambi, 2,79 dan Sarolangun 2,63.") == [
        ("Kota Jambi", "kota", 2022, 2.79, None), ("Kabupaten Sarolangun", "kabupaten", 2022, 2.63, None)]
    # "Gorontalo" is a province, a kabupaten and a kota: never guessed; "se-Jatim" is a place, not a mention.
    assert extract("Indeks SPBE Gorontalo 2,41 pada 2022.") == []
    assert extract("Kota Kediri peringkat delapan se-Jatim dengan indeks SPBE 3,06 pada 2021.") == [
        ("Kota Kediri", "kota", 2021, 3.06, None)]


def test_one_value_for_several_institutions():
    # "masing-masing" with one value: each named institution has it.
    text = "Pada 2023 Pemerintah Kabupaten Jembrana dan Gianyar dengan indeks SPBE masing-masing 3,14."
    assert extract(text) == [("Kabupaten Jembrana", "kabupaten", 2023, 3.14, None),
                             ("Kabupaten Gianyar", "kabupaten", 2023, 3.14, None)]


def test_same_value_for_two_years():
    text = "Kabupaten Lombok Utara pada tahun 2022 sebesar 2,40 pada tahun 2023 tetap 2,40 dalam indeks SPBE."
    assert extract(text) == [("Kabupaten Lombok Utara", "kabupaten", 2022, 2.4, None),
                             ("Kabupaten Lombok Utara", "kabupaten", 2023, 2.4, None)]


@pytest.mark.parametrize("sep", ["\n", " "])
def test_flattened_web_table(sep):
    # Cells glued together, as a copied web table reads: row number, name, index, predicate.
    rows = ["1Kementerian Koordinator Bidang Perekonomian3,72Sangat Baik", "2Pemerintah Kab. Gresik4,32Memuaskan",
            "3Pemerintah Kota Madiun2,77Baik"]
    text = "Hasil Evaluasi SPBE Tahun 2024\nNoNama InstansiIndeksPredikat\n" + sep.join(rows)
    assert extract(text) == [("Kementerian Koordinator Bidang Perekonomian", "kementerian", 2024, 3.72, "Sangat Baik"),
                             ("Kabupaten Gresik", "kabupaten", 2024, 4.32, "Memuaskan"),
                             ("Kota Madiun", "kota", 2024, 2.77, "Baik")]


def test_document_names_the_evaluation_year():
    # No year near the value and no date: the year of the evaluation the text names.
    text = ("Hasil pemantauan dan evaluasi SPBE Tahun 2022 ditetapkan dengan Keputusan Nomor 108 Tahun 2023. "
            "Pemerintah Kab. Bangkalan (1,89) predikat Cukup.")
    assert extract(text) == [("Kabupaten Bangkalan", "kabupaten", 2022, 1.89, "Cukup")]
    # A decree year is not an evaluation year: published in February 2023, the results are 2022's.
    text = "Sesuai Keputusan MenPANRB Nomor 108 Tahun 2023, indeks SPBE Pemprov Lampung 3,37."
    assert extract(text, "2023-02-05") == [("Provinsi Lampung", "provinsi", 2022, 3.37, None)]


def test_previous_year_beside_current_from_to():
    assert extract("Indeks SPBE Pemkab Sleman naik dari 2,6 pada 2021 menjadi 3,01.") == [
        ("Kabupaten Sleman", "kabupaten", 2021, 2.6, None),
        ("Kabupaten Sleman", "kabupaten", 2022, 3.01, None)]
    assert extract("Indeks SPBE Pemkot Bogor naik dari 3,1 menjadi 3,55 pada 2024 dengan predikat sangat baik.") == [
        ("Kota Bogor", "kota", 2023, 3.1, None),
        ("Kota Bogor", "kota", 2024, 3.55, "Sangat Baik")]


def test_last_year_is_relative_to_the_current_score():
    text = ("Pemkab Sleman mendapat nilai SPBE 3,40 tahun ini dengan predikat Baik. "
            "Tahun lalu nilainya hanya 2,90.")
    assert extract(text, "2024-02-10") == [("Kabupaten Sleman", "kabupaten", 2023, 3.4, "Baik"),
                                           ("Kabupaten Sleman", "kabupaten", 2022, 2.9, None)]


@pytest.mark.parametrize("phrase, predicate", [
    ("predikat sangat baik", "Sangat Baik"), ("predikat Baik", "Baik"), ("kategori CUKUP", "Cukup"),
    ("berpredikat kurang", "Kurang"), ("predikat Memuaskan", "Memuaskan"),
    ("predikat sangat memuaskan", "Memuaskan"), ("predikat 'Baik'", "Baik"),
])
def test_predicate_words(phrase, predicate):
    text = f"Pemprov Jatim meraih {phrase} dengan indeks SPBE 3,62 pada 2023."
    assert extract(text) == [("Provinsi Jawa Timur", "provinsi", 2023, 3.62, predicate)]


def test_predicate_in_brackets_after_the_score():
    assert extract("Indeks SPBE Kota Madiun tahun 2023 sebesar 4,45 (Memuaskan).") == [
        ("Kota Madiun", "kota", 2023, 4.45, "Memuaskan")]


def test_predicate_belongs_to_the_nearest_score_only():
    text = ("Pada 2022 Kota Batam meraih indeks SPBE 2,85 dengan predikat Baik, "
            "sedangkan Kota Tanjungpinang 2,40 dengan predikat Cukup.")
    assert extract(text) == [("Kota Batam", "kota", 2022, 2.85, "Baik"),
                             ("Kota Tanjungpinang", "kota", 2022, 2.4, "Cukup")]


@pytest.mark.parametrize("level", ["Terkelola", "Rintisan", "Terdefinisi", "Terpadu", "Optimum"])
def test_capability_level_is_not_a_predicate(level):
    text = f"Skor SPBE Kabupaten Sleman tahun 2019 mencapai 2,05 atau kategori {level}."
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2019, 2.05, None)]


def test_value_beyond_the_target_is_a_score():
    assert extract("Pada 2020 SPBE Kabupaten Sragen melebihi target mencapai 3,35.") == [
        ("Kabupaten Sragen", "kabupaten", 2020, 3.35, None)]


def test_rank_is_not_a_score():
    assert extract("Kota Kediri meraih peringkat 8 se-Jawa Timur dalam evaluasi SPBE 2021.") == []
    assert extract("Kota Kediri menempati peringkat 8 se-Jawa Timur dengan indeks SPBE 3,06 pada 2021.") == [
        ("Kota Kediri", "kota", 2021, 3.06, None)]


@pytest.mark.parametrize("sentence", [
    "Sebanyak 13,31 persen instansi menerapkan SPBE dengan baik.",                 # percentage
    "Kabupaten Sleman: 2,5% OPD belum terhubung layanan SPBE.",                    # percentage
    "Evaluasi SPBE Kabupaten Sleman melibatkan 1.250 pegawai.",                     # thousands separator
    "Evaluasi SPBE Kabupaten Sleman tahun ini memakai 47 indikator.",              # indicator count
    "Rapat SPBE Kabupaten Sleman digelar Rabu (12/2/2020) pukul 09.30 WIB.",       # date and time
    "Rapat SPBE Kabupaten Sleman digelar 13-02-2020 pukul 3.30.",                  # date and time
    "Anggaran SPBE Kabupaten Sleman mencapai Rp 2,5 miliar.",                      # money
    "Kabupaten Sleman menyiapkan SPBE menuju Industri 4.0.",                       # label
    "Indeks SPBE Kabupaten Sleman naik 0,45 poin.",                                # change
    "Kota Sleman berada 0,01 poin di atas rata-rata.",                             # change (SPBE below)
    "Kabupaten Sleman menargetkan indeks SPBE 3,5 tahun depan.",                   # target
    "Domain layanan SPBE Kabupaten Sleman meraih 3,51.",                           # domain value
    "Rata-rata indeks SPBE nasional sebesar 2,34 sementara Kabupaten Sleman belum dinilai.",  # average
    "Baru 25% daerah di Kabupaten Sleman memiliki indeks SPBE di atas 2,6.",       # threshold
    "Indeks Kepuasan Masyarakat Kabupaten Sleman (SPBE) tercatat 3,41.",           # another index
    "Pelatihan SPBE Kabupaten Sleman berlangsung 1,5 tahun.",                      # duration
])
def test_numbers_that_are_not_scores(sentence):
    assert extract(sentence, "2024-03-01") == []


@pytest.mark.parametrize("sentence", [
    "Rapat SPBE Kabupaten Sleman dimulai 3.30 sore.",                               # time
    "Rapat SPBE Kabupaten Sleman dimulai pukul 10.30.",                             # time
    "Rapat SPBE Kabupaten Sleman dimulai 4.30 WIB.",                                # time
    "Rapat SPBE Kabupaten Sleman selesai 2.45 WITA.",                               # time
    "Aplikasi SPBE Kabupaten Sleman mendapat 4,5 bintang.",                         # rating
    "Aplikasi SPBE Kabupaten Sleman meraih rating 4,8 di Play Store.",              # rating
    "Aplikasi SPBE Kabupaten Sleman dinilai 4.7/5 oleh pengguna.",                  # rating
    "Belanja SPBE Kabupaten Sleman Rp 3,5 miliar.",                                 # money
    "Belanja SPBE Kabupaten Sleman 2,5 juta rupiah.",                               # money
    "Belanja SPBE Kabupaten Sleman mencapai US$ 1,5.",                              # money
    "Realisasi SPBE Kabupaten Sleman 3,5 persen.",                                  # percentage
    "Realisasi SPBE Kabupaten Sleman 4,25%.",                                       # percentage
    "Indeks SPBE Kabupaten Sleman 2,05 2023 belum final.",                          # value followed by a year
])
def test_times_ratings_money_percentages_are_not_scores(sentence):
    assert extract(sentence, "2024-03-01") == []


def test_increase_and_target_are_not_scores():
    text = ("Indeks SPBE Pemkab Tuban pada 2023 mencapai 3,90, naik 1,58 poin dari 2022 yang baru 2,32. "
            "Target 2023 dipatok 2,70 dan target RPJMD 3,30.")
    assert extract(text, "2024-01-15") == [("Kabupaten Tuban", "kabupaten", 2023, 3.9, None),
                                           ("Kabupaten Tuban", "kabupaten", 2022, 2.32, None)]


def test_text_without_spbe_gives_no_rows():
    assert extract("Indeks kebahagiaan Kabupaten Sleman 3,45 pada 2023.") == []
    df = extract_scores("Tidak ada angka di sini tentang SPBE.")
    assert df.empty and tuple(df.columns) == COLUMNS and str(df["year"].dtype) == "Int64"


# ---------------------------------------------------------------------------------------------
# Evaluation year
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("published, year", [
    ("2020-02-13", 2019),   # early in the year: last year's evaluation
    ("2020-07-01", 2019),   # mid-year, no cue: still the latest published results
    ("2024-12-20", 2024),   # December: results of the same year are out
    ("2018-05-01", 2018),   # never before the first evaluation (2018)
])
def test_year_from_publication_date_without_cue(published, year):
    assert [r[2] for r in extract("Indeks SPBE Pemkab Sleman mencapai 3,12.", published)] == [year]


def test_year_in_text_wins_over_publication_date():
    text = "Indeks SPBE Pemkab Sleman tahun 2023 mencapai 3,12."
    assert [r[2] for r in extract(text, "2024-12-20")] == [2023]   # the date alone would give 2024
    assert [r[2] for r in extract(text)] == [2023]


def test_year_after_publication_is_a_target_not_an_evaluation_year():
    text = "Indeks SPBE Pemkab Sleman 3,12 akan dinaikkan pada 2025."
    assert [r[2] for r in extract(text, "2024-02-01")] == [2023]


@pytest.mark.parametrize("published, year", [("2023-09-21", 2022), ("2020-02-13", 2019), ("2024-12-20", 2024)])
def test_this_year_means_the_latest_published_result(published, year):
    # "tahun ini" / "saat ini" is the result in force: Batam's "tahun ini 3,77" in August 2025 is its
    # 2024 result (official table). (The earlier rule, the evaluation under way from May on, was wrong.)
    for phrase in ("tahun ini", "saat ini", "kini"):
        text = f"Nilai SPBE Pemkab Sleman {phrase} mencapai 2,45."
        assert [r[2] for r in extract(text, published)] == [year]


def test_this_year_beside_the_published_value_is_the_evaluation_under_way():
    # The text already gives the latest published value (2,6): a different "tahun ini" value is the newer one.
    text = ("Tim SPBE Pemkab Sleman ingin mempertahankan nilai yang sudah dicapai 2,6. "
            "Perubahan indikator mempengaruhi nilai SPBE Sleman pada tahun ini, menjadi 2,058.")
    assert extract(text, "2021-06-03") == [("Kabupaten Sleman", "kabupaten", 2020, 2.6, None),
                                           ("Kabupaten Sleman", "kabupaten", 2021, 2.058, None)]


def test_years_in_dates_and_decrees_are_not_evaluation_years():
    text = ("Berdasarkan Keputusan MenPANRB Nomor 13 Tahun 2024, Rabu (12/2/2024), "
            "indeks SPBE Pemkab Sleman mencapai 3,12 (KepMenPANRB 13/2024).")
    assert [r[2] for r in extract(text, "2024-01-20")] == [2023]


# ---------------------------------------------------------------------------------------------
# Institution names
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form, name, kind", [
    ("Pemkab Gunungkidul", "Kabupaten Gunungkidul", "kabupaten"),
    ("Pemerintah Kabupaten Gunungkidul", "Kabupaten Gunungkidul", "kabupaten"),
    ("Pemerintah Kabupaten (Pemkab) Gunungkidul", "Kabupaten Gunungkidul", "kabupaten"),
    ("Kabupaten Hulu Sungai Selatan", "Kabupaten Hulu Sungai Selatan", "kabupaten"),
    ("Pemkot Banda Aceh", "Kota Banda Aceh", "kota"),
    ("Kota Banda Aceh", "Kota Banda Aceh", "kota"),
    ("Pemerintah Kota Banda Aceh", "Kota Banda Aceh", "kota"),
    ("Pemprov Jatim", "Provinsi Jawa Timur", "provinsi"),
    ("Pemprov Kalimantan Barat", "Provinsi Kalimantan Barat", "provinsi"),
    ("Provinsi Nusa Tenggara Barat", "Provinsi Nusa Tenggara Barat", "provinsi"),
    ("Pemerintah Provinsi NTB", "Provinsi Nusa Tenggara Barat", "provinsi"),
    ("Kementerian Agama", "Kementerian Agama", "kementerian"),
    ("Kementrian Komunikasi dan Informatika", "Kementerian Komunikasi dan Informatika", "kementerian"),
    ("Pemda Sleman", "Pemerintah Daerah Sleman", None),
    ("Pemkab. Sampang", "Kabupaten Sampang", "kabupaten"),
    ("Pemerintah Kabupaten Lima Puluh Kota", "Kabupaten Lima Puluh Kota", "kabupaten"),
    ("Pemerintah Provinsi D.I. Yogyakarta", "Provinsi Daerah Istimewa Yogyakarta", "provinsi"),
    ("Pemprov Malut", "Provinsi Maluku Utara", "provinsi"),
])
def test_institution_name_forms(form, name, kind):
    assert extract(f"Pada 2023 {form} meraih indeks SPBE 3,21.") == [(name, kind, 2023, 3.21, None)]


def test_name_stops_before_a_capitalised_sentence_word():
    assert extract("Nilai indeks SPBE Kabupaten Magelang Tahun 2022 sebesar 3,13 (Baik).") == [
        ("Kabupaten Magelang", "kabupaten", 2022, 3.13, "Baik")]


def test_local_government_takes_the_type_of_a_typed_mention():
    text = "Kabupaten Sleman terus berbenah. Pada 2023 Pemda Sleman meraih indeks SPBE 3,21."
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2023, 3.21, None)]


def test_evaluator_is_never_credited():
    text = ("SPBE Pemkab Sleman mendapatkan penilaian baik dari Kementerian Pendayagunaan Aparatur Negara "
            "dan Reformasi Birokrasi (Kemenpan RB) dengan skor 2,80 pada 2019.")
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2019, 2.8, "Baik")]


def test_bare_name_and_score_in_a_later_sentence():
    text = ("Sekda Kabupaten Sintang memimpin rapat SPBE. Ia berharap SPBE Sintang lebih baik. "
            "Pada 2022 nilainya 2,31.")
    assert extract(text) == [("Kabupaten Sintang", "kabupaten", 2022, 2.31, None)]


def test_headline_word_glued_to_a_name_is_dropped():
    text = "Nilai SPBE Pemkab Sleman Tembus 3,50\nPada 2023 Pemkab Sleman meraih nilai SPBE 3,50."
    assert extract(text) == [("Kabupaten Sleman", "kabupaten", 2023, 3.5, None)]


def test_score_before_its_institution():
    text = "Pada 2023 indeks SPBE tertinggi 3,89 diraih Kota Madiun."
    assert extract(text) == [("Kota Madiun", "kota", 2023, 3.89, None)]


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [None, 3.5, b"Indeks SPBE 3,5", ["SPBE 3,5"]])
def test_text_must_be_str(text):
    with pytest.raises(SPBEError, match="text must be a str"):
        extract_scores(text)


@pytest.mark.parametrize("published", ["2020-13-45", "kemarin", "13/02/2020", ""])
def test_invalid_published_string(published):
    with pytest.raises(SPBEError, match="published"):
        extract_scores("Indeks SPBE Pemkab Sleman 3,12.", published)


@pytest.mark.parametrize("published", [20200213, 2020.0, ["2020-02-13"]])
def test_invalid_published_type(published):
    with pytest.raises(SPBEError, match="published must be a date"):
        extract_scores("Indeks SPBE Pemkab Sleman 3,12.", published)


def test_published_accepts_date_datetime_timestamp_and_iso_string():
    text = "Indeks SPBE Pemkab Sleman mencapai 3,12."
    for published in (dt.date(2021, 3, 1), dt.datetime(2021, 3, 1, 8), pd.Timestamp("2021-03-01"),
                      "2021-03-01", "2021-03-01T08:00:00"):
        assert [r[2] for r in extract(text, published)] == [2020]


# ---------------------------------------------------------------------------------------------
# Linear work, whatever the layout
# ---------------------------------------------------------------------------------------------
def _names(n: int, distinct: bool = True) -> list[str]:
    """``n`` invented capitalised names (letters drawn with a fixed seed; no real data)."""
    rng = __import__("random").Random(1)
    return ["".join(rng.choice("abdegiklmnoprstu") for _ in range(7)).title() if distinct else "Sleman"
            for _ in range(n)]


def _table(rows: int, sep: str = " ") -> str:
    """A flattened table of ``rows`` invented rows; ``sep=" "`` writes the whole table as one sentence."""
    rng = __import__("random").Random(2)
    cells = [f"{k}Pemerintah Kabupaten {name}{rng.uniform(1, 4.9):.2f}".replace(".", ",") + "Baik"
             for k, name in enumerate(_names(rows), start=1)]
    return "Hasil Evaluasi SPBE Tahun 2024\n" + sep.join(cells)


def _values_before_names(rows: int) -> str:
    """One sentence listing ``rows`` values first and then ``rows`` named institutions with their values."""
    return "SPBE " + "3,1 " * rows + " ".join(f"Kabupaten {name} 2,1" for name in _names(rows))


LAYOUTS = {
    "table, one row per line": lambda rows: _table(rows, "\n"),
    "table, one sentence": lambda rows: _table(rows, " "),
    "values before their names, one sentence": _values_before_names,
}


def _python_lines(text: str) -> int:
    """Python lines executed by extract_scores(text): a machine-independent unit of work."""
    import sys
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        extract_scores(text)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("layout", LAYOUTS)
def test_work_grows_linearly_with_the_text(layout):
    extract_scores(_table(5))   # load the registry once
    work = [_python_lines(LAYOUTS[layout](n)) for n in (200, 400, 800)]
    # Linear: doubling the rows at most doubles the work (plus fixed costs); quadratic would be ~4x.
    assert work[1] / work[0] < 2.3 and work[2] / work[1] < 2.3, work


def _cpu_seconds(text: str, repeats: int = 2) -> float:
    """Least CPU time (not wall time) of ``repeats`` runs, garbage collection paused while timing."""
    import gc
    import time
    best = float("inf")
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.process_time()
            extract_scores(text)
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


# Pairs of texts of the same length that differ in structure only. Counting Python lines cannot see
# work done inside C (a regex alternation of every name tried at every word, a list slice per value,
# a regex rescanning a whitespace run): each of these once made the first text of its pair several
# times slower than the second (ratios 2.0, 7.7 and 180 at these sizes), and made a 1 MB table take
# 10 s. Same-length pairs timed in the same run compare CPU time without depending on the machine.
SAME_LENGTH_PAIRS = {
    "30,000 values in one sentence vs one per line": (
        "SPBE Pemkab Sleman\n" + "3,1 " * 30_000, "SPBE Pemkab Sleman\n" + "3,1\n" * 30_000),
    "4,000 different names vs one name": (
        "SPBE " + " ".join(f"Kabupaten {name} a a a a a a a a a a" for name in _names(4_000)),
        "SPBE " + " ".join(f"Kabupaten {name}x a a a a a a a a a a" for name in _names(4_000, distinct=False))),
    "a 30,000-space run without vs with a newline": (
        "SPBE Pemkab Sleman 3,12" + " " * 30_000 + "x", "SPBE Pemkab Sleman 3,12" + " " * 29_999 + "\nx"),
}


@pytest.mark.parametrize("pair", SAME_LENGTH_PAIRS)
def test_cost_does_not_depend_on_the_layout(pair):
    first, second = SAME_LENGTH_PAIRS[pair]
    assert len(first) == len(second)
    extract_scores(_table(5))   # load the registry once
    ratio = _cpu_seconds(first) / _cpu_seconds(second)
    assert ratio < 1.5, ratio
