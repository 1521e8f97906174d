"""spbe_research.covariates: every region matched, published values kept, quirks flagged, bad input located."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spbe_research import covariates as cv
from spbe_research import datapackage, datasets, registry
from spbe_research.errors import SPBEError

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def build():
    return cv.build_covariates(RAW)


@pytest.fixture(scope="module")
def table(build):
    return build.table.set_index(["institution_id", "year"])


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of the covariate files (the only raw files build_covariates reads)."""
    dst = tmp_path / "raw"
    shutil.copytree(RAW / "covariates", dst / "covariates")
    for p in (dst / "covariates").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dst


def _edit(raw_copy, key, old: bytes, new: bytes):
    path = raw_copy / cv.FILES[key]
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, 1))


# --- matching -------------------------------------------------------------------------------------------------

def test_every_region_of_the_registry_is_matched_in_every_dataset(build):
    cov = build.coverage
    assert (cov["share_matched"] == 1.0).all(), cov[cov["share_matched"] < 1]
    assert set(cov["dataset"]) == {"ipm_kabkota", "ipm_provinsi", "grdp", "area", "population", "poverty_2021"}
    regions = registry.load_regions()
    assert set(build.table["institution_id"]) == set(regions["institution_id"])  # 38 + 514
    assert build.table["institution_id"].nunique() == 552


def test_only_national_rows_are_left_unmatched_and_each_says_why(build):
    u = build.unmatched()
    assert sorted(zip(u["dataset"], u["name_as_published"])) == [("ipm_provinsi", "INDONESIA"),
                                                                 ("population", "INDONESIA")]
    assert (u["status"] == "not_a_region").all() and u["reason"].str.len().gt(0).all()


def test_no_region_is_matched_twice_within_a_dataset(build):
    m = build.matches[build.matches["status"] == "matched"]
    assert not m.duplicated(["dataset", "institution_id"]).any()
    assert m.groupby("dataset").size().to_dict() == {
        "area": 552, "grdp": 514, "ipm_kabkota": 514, "ipm_provinsi": 38, "population": 552, "poverty_2021": 514}


def test_papua_split_codes_go_through_crosswalk_and_registry(build):
    m = build.matches.set_index(["dataset", "code_as_published"])
    # BPS 9501 Merauke (Papua Selatan since 2022) = BPS 9401 = Kemendagri 91.01 in 2020 = 93.01 now
    assert m.loc[("grdp", "9501"), "institution_id"] == "93.01"
    assert m.loc[("grdp", "9501"), "match_method"] == "papua_split_bps_name+registry_code_change"
    assert "9401" in m.loc[("grdp", "9501"), "reason"]
    # Kota Sorong: BPS 9271 (Papua Barat Daya) -> crosswalk 9171 -> Kemendagri 92.71 -> 96.71
    assert m.loc[("grdp", "9271"), "institution_id"] == "96.71"
    split = build.matches[build.matches["match_method"] == "papua_split_bps_name+registry_code_change"]
    assert len(split) == 26
    assert set(split["code_as_published"].str[:2]) == {"92", "95", "96", "97"}
    # BPS and Kemendagri codes differ outside Papua too: Simeulue is BPS 1101 = Kemendagri 11.09
    assert m.loc[("grdp", "1101"), "institution_id"] == "11.09"


def test_every_curated_match_is_used_and_corroborated(build):
    cur = build.matches[build.matches["match_method"] == "curated"]
    assert set(zip(cur["dataset"], cur["name_as_published"])) == set(cv.CURATED_MATCHES)
    assert (cur["reason"].str.len() > 20).all()
    # the curated ids carry identical 2021 IPM values in two independent files
    assert (cv.cross_check_2021(build)["n_equal"] == 514).all()


def test_consistency_checks_all_pass_except_the_flagged_name(build):
    c = build.checks
    failing = c[c["n_passed"] < c["n_checked"]]
    assert failing[["dataset", "n_checked", "n_passed"]].values.tolist() == [["population", 552, 551]]


# --- values as published --------------------------------------------------------------------------------------

@pytest.mark.parametrize("iid, year, col, value", [
    ("11.09", 2021, "grdp_per_capita_thousand_idr", 17614.0),   # Simeulue (PROVENANCE check against BPS)
    ("34.71", 2020, "ipm", 86.61),                              # Kota Yogyakarta
    ("95.08", 2020, "ipm", 31.55),                              # Nduga (old code 91.24)
    ("11.09", 2020, "life_expectancy_years", 65.26),
    ("11.09", 2020, "expenditure_per_capita_thousand_idr", 7085.0),
    ("31", 2022, "ipm", 81.65),                                 # DKI Jakarta, province file
    ("11.09", 2024, "population", 96812),
    ("11.09", 2024, "area_km2", 1828.851),
    ("11.09", 2021, "poverty_rate_pct", 18.98),
    ("11.09", 2021, "labour_force_participation_pct", 71.15),   # ' 71,15 ' with padding
    ("11.09", 2021, "grdp_million_idr", 1648096.0),
])
def test_values_are_the_published_ones(table, iid, year, col, value):
    assert table.loc[(iid, year), col] == pytest.approx(value)


def test_density_is_population_over_area_and_only_in_2024(build):
    t = build.table
    has = t["density_per_km2"].notna()
    assert set(t.loc[has, "year"]) == {2024} and has.sum() == 552
    assert np.allclose(t.loc[has, "density_per_km2"], t.loc[has, "population"].astype(float) / t.loc[has, "area_km2"])
    assert set(t.loc[t["poverty_rate_pct"].notna(), "year"]) == {2021}


def test_series_lengths(build):
    t = build.table
    local = t[t["institution_type"] != "provinsi"]
    assert local.groupby("institution_id")["grdp_per_capita_thousand_idr"].count().eq(25).all()
    assert local.groupby("institution_id")["year"].min().eq(2000).all()
    prov = t[t["institution_type"] == "provinsi"]
    assert prov.groupby("institution_id")["ipm"].count().eq(3).all()
    assert prov["grdp_per_capita_thousand_idr"].isna().all()  # no province GRDP in the data


# --- quirks: handled and flagged ------------------------------------------------------------------------------

def _flags(table, iid, year):
    return set(filter(None, table.loc[(iid, year), "quality_flags"].split(";")))


def test_missing_ipm_rows_stay_missing_and_are_flagged(build, table):
    miss = build.table[build.table["quality_flags"].str.contains("ipm_row_missing")]
    names = sorted(miss["institution_name"].str.replace("Kabupaten ", ""))
    assert names == ["Grobogan", "Karanganyar", "Klaten", "Sragen", "Sukoharjo", "Wonogiri"]
    assert set(miss["year"]) == {2023} and miss["ipm"].isna().all()
    assert miss["grdp_per_capita_thousand_idr"].notna().all()  # the other sources are untouched


def test_trailing_zero_codes_are_repaired_only_after_the_name_agrees(table, build):
    assert table.loc[("11.10", 2024), "area_km2"] == pytest.approx(1851.615)  # printed '11.1'
    assert "area_code_repaired" in _flags(table, "11.10", 2024)
    assert table.loc[("31", 2024), "area_km2"] == pytest.approx(661.53)      # printed '31.0'
    rep = build.matches[build.matches["match_method"] == "kemendagri_code_repaired"]
    assert sorted(rep["code_as_published"]) == ["11.1", "12.1", "12.2", "14.1", "31.0"]


def test_duplicated_area_is_kept_and_flagged(table):
    for iid in ("12.20", "12.21"):  # Padang Lawas Utara, Padang Lawas
        assert table.loc[(iid, 2024), "area_km2"] == pytest.approx(3914.413)
        assert "area_duplicated" in _flags(table, iid, 2024)
    assert "area_duplicated" not in _flags(table, "12.19", 2024)


def test_name_mismatch_and_decimal_points_are_flagged(build, table):
    assert "population_name_mismatch" in _flags(table, "96", 2024)  # 'Papua Barat Oaya'
    t = build.table
    assert t["quality_flags"].str.contains("poverty_rate_decimal_point").sum() == 2
    assert t["quality_flags"].str.contains("mean_schooling_15plus_decimal_point").sum() == 70
    assert "grdp_backcast" in _flags(table, "11.09", 2009) and "grdp_backcast" not in _flags(table, "11.09", 2010)
    backcast = t[t["quality_flags"].str.contains("ipm_new_province_backcast")]
    assert sorted(backcast["institution_id"]) == ["93", "94", "95", "96"] and set(backcast["year"]) == {2022}


def test_every_flag_used_is_documented(build):
    used = set(";".join(build.table["quality_flags"]).split(";")) - {""}
    assert used <= set(cv.QUALITY_FLAGS)


def test_file_level_quirks_are_recorded(build):
    q = build.quirks
    assert {"grdp", "area", "population", "poverty_2021", "ipm_kabkota", "ipm_provinsi"} <= set(q["dataset"])
    bom = q[q["quirk"].str.contains("byte-order mark")]
    assert bom["dataset"].tolist() == ["grdp"]
    assert q.loc[q["quirk"].str.contains("thousand separators"), "n"].item() == 514 * 25


# --- bad input raises, naming file, row and field ---------------------------------------------------------------

def test_unparsable_grdp_value_names_file_row_and_field(raw_copy):
    _edit(raw_copy, "grdp", b'" 8,200 "', b'" 8.200 "')
    with pytest.raises(SPBEError, match=r"thousand separators.*gdp_pc.csv.*row 2.*grdp_pc_2000"):
        cv.build_covariates(raw_copy)


def test_ambiguous_dot_in_comma_file_raises(raw_copy):
    _edit(raw_copy, "poverty_2021", b"ACEH;Simeulue;18,98", b"ACEH;Simeulue;18.980")
    with pytest.raises(SPBEError, match=r"decimal.*Kemiskinan.*row 2"):
        cv.build_covariates(raw_copy)


def test_code_repair_requires_the_name_to_agree(raw_copy):
    _edit(raw_copy, "area", b"('11.1','Kabupaten Aceh Singkil'", b"('11.1','Kabupaten Bireuen'")
    with pytest.raises(SPBEError, match=r"trailing zero.*Bireuen"):
        cv.build_covariates(raw_copy)


def test_unknown_code_and_unparsed_sql_line_raise(raw_copy, tmp_path):
    _edit(raw_copy, "population", b"('11.01',", b"('11.99',")
    with pytest.raises(SPBEError, match=r"not in the registry.*wilayah_penduduk"):
        cv.build_covariates(raw_copy)


def test_sql_tuple_the_parser_cannot_read_stops_the_build(raw_copy):
    _edit(raw_copy, "area", b"('11.02','Kabupaten Aceh Tenggara',4179.123)", b"('11.02','Kabupaten Aceh Tenggara',)")
    with pytest.raises(SPBEError, match=r"tuples parsed but .* tuple lines"):
        cv.build_covariates(raw_copy)


def test_a_name_nothing_fits_is_listed_not_dropped(raw_copy):
    path = raw_copy / cv.FILES["ipm_kabkota"]
    path.write_bytes(path.read_bytes().replace(b"KABUPATEN SIMEULUE,", b"KABUPATEN ATLANTIS,"))
    b = cv.build_covariates(raw_copy)
    u = b.unmatched()
    assert "KABUPATEN ATLANTIS" in set(u["name_as_published"])
    assert u.loc[u["name_as_published"] == "KABUPATEN ATLANTIS", "status"].item() == "unmatched"
    row = b.coverage[(b.coverage["dataset"] == "ipm_kabkota") & (b.coverage["institution_type"] == "kabupaten")]
    assert row["n_matched"].item() == 415 and "11.09" in row["missing"].item()


def test_grdp_province_must_agree_with_the_registry(raw_copy):
    _edit(raw_copy, "grdp", b"1101,Simeulue,11,Aceh", b"1101,Simeulue,11,Bali")
    with pytest.raises(SPBEError, match=r"province disagrees"):
        cv.build_covariates(raw_copy)


def test_missing_file_is_named(raw_copy):
    (raw_copy / cv.FILES["area"]).unlink()
    with pytest.raises(SPBEError, match=r"wilayah_luas.sql"):
        cv.build_covariates(raw_copy)


# --- parsers (properties) ---------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_thousand_separated_integers_round_trip(n):
    s = pd.Series([f" {n:,} "])
    assert cv._thousands(s, "grdp", "x", [1]).iloc[0] == n


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99))
def test_decimal_commas_and_short_decimal_points_read_the_same(whole, cents):
    comma = pd.Series([f"{whole},{cents:02d}"])
    dot = pd.Series([f"{whole}.{cents:02d}"])
    a, fa = cv._comma_decimals(comma, "poverty_2021", "x", [1])
    b, fb = cv._comma_decimals(dot, "poverty_2021", "x", [1])
    assert a.iloc[0] == b.iloc[0] == pytest.approx(whole + cents / 100)
    assert not fa.iloc[0] and fb.iloc[0]


# --- the processed table and its description ---------------------------------------------------------------------

def test_loader_returns_the_built_table(build):
    loaded = datasets.load_covariates()
    assert list(loaded.columns) == list(cv.COVARIATE_COLUMNS)
    assert len(loaded) == len(build.table)
    pd.testing.assert_series_equal(loaded["ipm"], build.table["ipm"], check_names=False)
    assert loaded["institution_id"].iloc[0] == "11"  # codes stay strings
    assert len(datasets.load_covariates(2024)) == 552


def test_build_is_deterministic(build):
    again = cv.build_covariates(RAW)
    pd.testing.assert_frame_equal(again.table, build.table)


def test_every_column_has_unit_series_and_source():
    src = cv.column_sources()
    assert list(src["column"]) == list(cv.VALUE_COLUMNS)
    assert src[["unit", "series", "raw_file", "licence"]].apply(lambda s: s.str.len() > 0).all().all()
    for f in src["raw_file"].str.split("; ").explode():
        assert (ROOT / f).exists(), f
    desc = cv.field_descriptions()
    assert set(desc) == set(cv.COVARIATE_COLUMNS)


def test_datapackage_describes_the_covariates(build):
    d = datapackage.describe([datapackage.SCHEMAS["covariates"]])
    res = d["resources"][0]
    datapackage.SCHEMAS["covariates"].check_frame(build.table)  # the built table fits its schema
    assert res["schema"]["primaryKey"] == ["institution_id", "year"]
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert "Unit: km²" in fields["area_km2"]["description"]
    assert "QUALITY_FLAGS" in fields["quality_flags"]["description"]
    assert "covariates" in fields["quality_flags"]["description"]
