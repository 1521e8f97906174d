"""Tests for spbe_research.registry: ids, reference data and name matching."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spbe_research import cleaning, registry as reg
from spbe_research.errors import SPBEError
from spbe_research.registry import (
    MATCH_COLUMNS, REGISTRY_COLUMNS, load_institutions, load_regions, match_institutions,
    normalise_name,
)

ROOT = Path(__file__).resolve().parents[1]
RAW_REGIONS = ROOT / "data" / "raw" / "regions"
REPORTS = {
    2023: ROOT / "data/raw/kemenpanrb_reports/e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md",
    2024: ROOT / "data/raw/kemenpanrb_reports/20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md",
}
PRESS = ROOT / "data/raw/press/spbe_scores_from_press.csv"


def one(name, **kw):
    """(id, method) for a single name."""
    r = match_institutions([name], **kw).iloc[0]
    return (None if pd.isna(r.institution_id) else r.institution_id), r.match_method


# ----------------------------------------------------------------------------- registry

def test_regions_shape_and_columns():
    r = load_regions()
    assert list(r.columns) == list(REGISTRY_COLUMNS)
    assert r["institution_type"].value_counts().to_dict() == {"kabupaten": 416, "kota": 98, "provinsi": 38}
    assert r["institution_id"].is_unique
    assert r["island_group"].notna().all()


def test_institution_ids_unique_and_types_valid():
    inst = load_institutions()
    assert list(inst.columns) == list(REGISTRY_COLUMNS)
    assert inst["institution_id"].is_unique
    assert inst["institution_name"].is_unique
    assert set(inst["institution_type"]) == set(reg.INSTITUTION_TYPES)
    central = inst[inst["institution_type"].isin(reg.CENTRAL_TYPES)]
    assert central["institution_id"].str.fullmatch(r"P\.\d{4}").all()
    assert central[["province_code", "province_name", "island_group"]].isna().all().all()
    regional = inst[~inst["institution_type"].isin(reg.CENTRAL_TYPES)]
    assert regional["institution_id"].str.fullmatch(r"\d{2}(\.\d{2})?").all()


def test_normalised_keys_unique_within_type():
    """Comparison keys (normalised, spaces removed) never collide within a type, so a name
    with a type marker can match at most one institution."""
    inst = load_institutions()
    keys = inst["institution_name"].map(lambda s: normalise_name(s).replace(" ", ""))
    assert not pd.DataFrame({"t": inst["institution_type"], "k": keys}).duplicated().any()


def test_island_groups_from_province_code():
    r = load_regions().set_index("institution_id")
    assert r.loc["35", "island_group"] == "Jawa"
    assert r.loc["11", "island_group"] == "Sumatra"
    assert r.loc["21", "island_group"] == "Sumatra"
    assert r.loc["52.71", "island_group"] == "Bali–Nusa Tenggara"
    assert r.loc["65", "island_group"] == "Kalimantan"
    assert r.loc["75.71", "island_group"] == "Sulawesi"
    assert r.loc["82", "island_group"] == "Maluku"
    assert r.loc["96.71", "island_group"] == "Papua"


def test_curated_rows_have_sources():
    c = reg.load_central()
    a = reg.load_aliases()
    assert c["source"].notna().all() and (c["source"].str.len() > 5).all()
    assert a["source"].notna().all() and (a["source"].str.len() > 5).all()
    assert a["institution_id"].isin(load_institutions()["institution_id"]).all()
    # successors point at existing predecessors
    preds = c["predecessor_ids"].dropna().str.split(";").explode()
    assert preds.isin(c["institution_id"]).all()


def test_package_region_copy_equals_rebuild_from_raw():
    rebuilt = reg.build_region_table(RAW_REGIONS).astype("string")
    shipped = reg._read_pkg_csv("regions.csv").astype("string")
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), shipped.reset_index(drop=True))


def test_build_region_table_rejects_missing_file(tmp_path):
    with pytest.raises(SPBEError, match="missing"):
        reg.build_region_table(tmp_path)


# ----------------------------------------------------------------------------- hard cases

@pytest.mark.parametrize("name, expected", [
    ("Pemerintah Kab. Kediri", "35.06"),
    ("Pemerintah Kota Kediri", "35.71"),
    ("Pemkab Kediri", "35.06"),
    ("Pemkot Kediri", "35.71"),
    ("Kab. Malang", "35.07"),
    ("Kota Malang", "35.73"),
    ("Kabupaten Bogor", "32.01"),
    ("Pemerintah Kota Bogor", "32.71"),
    ("Kabupaten Sorong", "96.01"),
    ("Kota Sorong", "96.71"),
    ("Pemkab Bekasi", "32.16"),
    ("Pemkot Bekasi", "32.75"),
    ("Pemerintah Kab. Tasikmalaya", "32.06"),
    ("Pemerintah Kota Tasikmalaya", "32.78"),
    ("Kota Banjar", "32.79"),
    ("Kabupaten Banjar", "63.03"),
    ("Pemerintah Provinsi Jawa Timur", "35"),
    ("Prov. Jawa Timur", "35"),
    ("Provinsi NTB", "52"),
    ("Pemerintah Provinsi NTT", "53"),
    ("Pemerintah Provinsi DKI Jakarta", "31"),
    ("Provinsi DIY", "34"),
    ("Pemerintah D.I. Yogyakarta", "34"),
    ("Pemerintah Daerah Istimewa Yogyakarta", "34"),
    ("Pemerintah Aceh", "11"),
    ("Kota Yogyakarta", "34.71"),
    ("Kota Bengkulu", "17.71"),
    ("Pemerintah Provinsi Bengkulu", "17"),
    ("Kota Jambi", "15.71"),
    ("Provinsi Jambi", "15"),
    ("Kota Gorontalo", "75.71"),
    ("Kabupaten Gorontalo", "75.01"),
    ("Provinsi Gorontalo", "75"),
    ("Pemerintah Kota Tanjung Balai", "12.74"),
    ("Kota Tanjungbalai", "12.74"),
    ("Pemerintah Kota Pare Pare", "73.72"),
    ("Kota Parepare", "73.72"),
    ("Pemerintah Kota KotaMobagu", "71.74"),
    ("Kab. Toli Toli", "72.04"),
    ("Kabupaten Toli-Toli", "72.04"),
    ("Pemerintah Kab. Muko Muko", "17.06"),
    ("Pemerintah Kab. Pangkajene Kepulauan", "73.10"),
    ("Pemerintah Kab. Siau Tagulandang Biaro", "71.09"),
    ("Pemerintah Kab. Kep. Mentawai", "13.09"),
    ("Pemerintah Kab. Kota Baru", "63.02"),
    ("Kab. Toba Samosir", "12.12"),
    ("Pemprov Kep. Babel", "19"),
    ("Kabupaten Kepulauan Seribu", "31.01"),
    # central bodies, with and without abbreviations and secretariat prefixes
    ("Badan Pusat Statistik", "P.4016"),
    ("BPS", "P.4016"),
    ("Perpustakaan Nasional RI", "P.4025"),
    ("Perpustakaan Nasional Republik Indonesia", "P.4025"),
    ("Kementerian Pekerjaan Umum & Perumahan Rakyat", "P.3021"),
    ("Kementerian PUPR", "P.3021"),
    ("Kemenkumham", "P.3004"),
    ("Kementerian Hukum dan HAM", "P.3004"),
    ("Sekretariat Jenderal Mahkamah Agung RI", "P.4007"),
    ("Mahkamah Agung RI", "P.4007"),
    ("Sekretariat Jenderal Ombudsman", "P.4056"),
    ("Ombudsman Republik Indonesia", "P.4056"),
    ("Setjen DPR RI", "P.4006"),
    ("Sekretariat Kabinet", "P.4036"),
    ("Markas Besar Kepolisian Republik Indonesia", "P.4033"),
    ("Badan Pengusahaan Batam", "P.4045"),
    ("Badan Pengusahaan Badan Pengusahaan Kawasan Perdagangan Bebas dan Pelabuhan Bebas Batam", "P.4045"),
    ("Kementerian Koordinator Bidang Kemaritiman", "P.1040"),
    ("Kementerian Koordinator Bidang Kemaritiman dan Investasi", "P.1040"),
    ("Kementerian Pendidikan dan Kebudayaan", "P.3010"),
    ("Kementerian Komunikasi dan Informatika", "P.3018"),
    ("Kementerian Komunikasi dan Digital", "P.3018"),
    ("Lembaga Sandi Negara", "P.4010"),
    ("Kementerian Hukum", "P.9104"),
    ("Kementerian Pendidikan Dasar dan Menengah", "P.9101"),
])
def test_hard_cases(name, expected):
    assert one(name)[0] == expected


def test_kota_never_matches_kabupaten():
    """A type marker is binding: no kota exists with these names, so no match."""
    assert one("Kota Kupang")[0] == "53.71"
    assert one("Kabupaten Kupang")[0] == "53.01"
    assert one("Kabupaten Tanjung Balai")[0] is None  # only Kota Tanjungbalai exists
    assert one("Kota Aceh Barat")[0] is None
    assert one("Kota Badung")[0] is None
    # a hint that contradicts the marker leaves the name unmatched rather than guessing
    assert one("Kabupaten Kediri", type_hint="kota") == (None, "unmatched")


def test_bare_names_use_hints():
    assert one("Kediri") == (None, "unmatched")  # kabupaten or kota: ambiguous
    assert one("Kediri", type_hint="kota")[0] == "35.71"
    assert one("Kediri", type_hint="kabupaten")[0] == "35.06"
    assert one("Bengkulu", type_hint="provinsi")[0] == "17"
    assert one("Bengkulu", type_hint="kota")[0] == "17.71"
    assert one("Banjar", province_hint="Kalimantan Selatan")[0] == "63.03"
    assert one("Banjar", province_hint="Jawa Barat")[0] == "32.79"
    assert one("Yogyakarta") == (None, "unmatched")
    assert one("Yogyakarta", type_hint="provinsi")[0] == "34"
    assert one("Aceh Barat")[0] == "11.05"


def test_report_category_hints_accepted():
    for hint in ("alat_negara", "setjen_lembaga_negara", "lns", "lpp", "instansi_lainnya",
                 "sekretariat_kabinet", "Lembaga Non Struktural (LNS)", "lembaga", "pusat"):
        assert one("Badan Intelijen Negara", type_hint=hint)[0] == "P.4003"
    assert one("Badan Pusat Statistik", type_hint="lpnk")[0] == "P.4016"
    assert one("Badan Pusat Statistik", type_hint="kementerian")[0] is None
    with pytest.raises(SPBEError, match="type_hint"):
        one("Badan Pusat Statistik", type_hint="not-a-type")


def test_province_hints_and_papua_recoding():
    # Kabupaten Merauke moved from Papua (91.01) to Papua Selatan (93.01) in 2022
    assert one("Kabupaten Merauke", province_hint="Papua Selatan")[0] == "93.01"
    assert one("Kabupaten Merauke", province_hint="Papua", year=2021)[0] == "93.01"
    assert one("Kabupaten Merauke", province_hint="Jawa Timur")[0] is None
    assert one("91.01") == ("93.01", "code_change")
    assert one("9271") == ("96.71", "code_change")
    assert one("35.71") == ("35.71", "code")
    assert one("P.4016") == ("P.4016", "code")
    # misspelt province in a table title
    assert one("Pemerintah Kota Kupang", province_hint="Nusa Tenggara Tlmur")[0] == "53.71"
    assert one("Pemerintah Kota Kupang", province_hint="NTT")[0] == "53.71"
    with pytest.raises(SPBEError, match="province_hint"):
        one("Pemerintah Kota Kupang", province_hint="Atlantis")


def test_renamed_bodies_use_year():
    # "Kementerian Pariwisata": P.3022 until 2019 (later Kemenparekraf), P.9113 from Oct 2024
    assert one("Kementerian Pariwisata", year=2018)[0] == "P.3022"
    assert one("Kementerian Pariwisata", year=2025)[0] == "P.9113"
    assert one("Kementerian Pariwisata dan Ekonomi Kreatif", year=2024)[0] == "P.3022"
    assert one("Badan Ekonomi Kreatif", year=2018)[0] == "P.4063"
    assert one("Badan Ekonomi Kreatif", year=2025)[0] == "P.9114"
    # year never rejects a sole candidate
    assert one("Komisi Aparatur Sipil Negara", year=2030)[0] == "P.4112"


def test_output_order_columns_and_unmatched_kept():
    names = ["Kota Malang", "Nonexistent Body", None, "Pemkab Malang", "Kota Malang"]
    out = match_institutions(names)
    assert list(out.columns) == list(MATCH_COLUMNS)
    assert len(out) == len(names)
    assert out["institution_id"].tolist()[0] == "35.73"
    assert out["institution_id"].tolist()[3] == "35.07"
    assert out["institution_id"].tolist()[4] == "35.73"
    assert pd.isna(out["institution_id"].iloc[1]) and out["match_method"].iloc[1] == "unmatched"
    assert pd.isna(out["name_raw"].iloc[2]) and out["match_method"].iloc[2] == "unmatched"
    assert out["name_raw"].iloc[1] == "Nonexistent Body"


def test_strict_mode_names_unmatched():
    with pytest.raises(SPBEError) as exc:
        match_institutions(["Kota Malang", "Kementerian Urusan Bulan", "Kediri"], strict=True)
    msg = str(exc.value)
    assert "'Kementerian Urusan Bulan'" in msg and "#1" in msg
    assert "'Kediri'" in msg and "#2" in msg and "ambiguous" in msg
    assert "Kota Malang" not in msg
    assert len(match_institutions(["Kota Malang"], strict=True)) == 1


def test_hint_sequences_must_align():
    with pytest.raises(SPBEError, match="type_hint"):
        match_institutions(["Kota Malang", "BPS"], type_hint=["kota"])
    with pytest.raises(SPBEError, match="single string"):
        match_institutions("Kota Malang")


def test_normalise_name():
    assert normalise_name("Pemerintah Kab. Kep. Mentawai") == "pemerintah kabupaten kepulauan mentawai"
    assert normalise_name("Pemerintah D.I. Yogyakarta") == "pemerintah di yogyakarta"
    assert normalise_name("Kementerian PU & PR") == "kementerian pu dan pr"
    assert normalise_name("  Sumatra  Utara ") == "sumatera utara"
    assert normalise_name(None) == ""


def test_1000_mixed_spellings_resolve_to_their_ids():
    # 1000 names cycling through the registry; every other regional name in the report spelling
    # ("Pemerintah Kab. X"), which needs the prefix-normalising step.
    inst = load_institutions()
    reps = inst.iloc[[i % len(inst) for i in range(1000)]].reset_index(drop=True)
    reported = reps.index.to_series().mod(2).eq(1) & reps["institution_type"].isin(["provinsi", "kabupaten", "kota"])
    names = reps["institution_name"].where(
        ~reported, "Pemerintah " + reps["institution_name"].str.replace("Kabupaten", "Kab."))
    out = match_institutions(names)
    assert len(out) == 1000
    assert out["institution_id"].tolist() == reps["institution_id"].tolist()
    assert out["match_method"].value_counts().to_dict() == {"exact": 1000 - reported.sum(),
                                                            "prefix_normalised": reported.sum()}


def test_every_registry_name_matches_itself():
    inst = load_institutions()
    out = match_institutions(inst["institution_name"])
    assert (out["institution_id"] == inst["institution_id"]).all()
    assert (out["match_method"] == "exact").all()


# ----------------------------------------------------------------------------- official tables

_EXPECTED = {
    2023: {"provinsi": 38, "kabupaten": 398, "kota": 93, "kementerian": 34, "lpnk": 22, "lns_other": 36},
    2024: {"provinsi": 38, "kabupaten": 392, "kota": 93, "kementerian": 34, "lpnk": 21, "lns_other": 37},
}
_CAT_TYPE = {"kementerian": "kementerian", "lpnk": "lpnk", "provinsi": "provinsi",
             "kabupaten": "kabupaten", "kota": "kota"}


@pytest.mark.parametrize("year", [2023, 2024])
def test_official_tables_match_completely(year):
    d = cleaning.parse_report(REPORTS[year], year)
    m = match_institutions(d["name_clean"], type_hint=d["category_hint"],
                           province_hint=d["province_hint"], year=year, strict=True)
    assert len(m) == len(d) == {2023: 621, 2024: 615}[year]
    assert m["institution_id"].is_unique
    expected_type = d["category_hint"].map(_CAT_TYPE).fillna("lns_other")
    assert (m["institution_type"].to_numpy() == expected_type.to_numpy()).all()
    assert m["institution_type"].value_counts().to_dict() == _EXPECTED[year]
    central = m["institution_type"].isin(reg.CENTRAL_TYPES)
    assert central.sum() == 92
    # without any hint the names still resolve to the same ids
    bare = match_institutions(d["name_clean"])
    assert (bare["institution_id"] == m["institution_id"]).all()
    # the raw printed names too
    raw = match_institutions(d["name_raw"], type_hint=d["category_hint"],
                             province_hint=d["province_hint"], year=year)
    assert (raw["institution_id"] == m["institution_id"]).all()


def test_same_ids_across_report_years():
    ids = {}
    for year, path in REPORTS.items():
        d = cleaning.parse_report(path, year)
        ids[year] = set(match_institutions(d["name_clean"], type_hint=d["category_hint"],
                                           province_hint=d["province_hint"], year=year)["institution_id"])
    assert ids[2023] - ids[2024] >= {"P.4012", "P.4112"}  # LAN, KASN only in 2023
    assert ids[2024] - ids[2023] >= {"P.4106", "P.4205"}  # Kompolnas, Wantimpres only in 2024
    assert len(ids[2023] & ids[2024]) > 600 - 10


def test_press_names_match():
    p = pd.read_csv(PRESS)
    m = match_institutions(p["institution"], type_hint=p["institution_type"],
                           province_hint=p["province"], year=p["year"])
    unmatched = set(m.loc[m["institution_id"].isna(), "name_raw"])
    assert unmatched <= {"Kepolisian Daerah Jawa Barat"}  # a regional police unit, not in the registry
    ok = m["institution_id"].notna()
    lembaga = p["institution_type"].eq("lembaga")
    agree = (m["institution_type"] == p["institution_type"]) | (lembaga & m["institution_type"].isin(["lpnk", "lns_other"]))
    assert agree[ok].all()
