"""The processed data: raw-file integrity, the panel's content, determinism, atomic writes, the datapackage."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spbe_research import SPBEError, datasets, datapackage

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    datasets.build(out, progress=False)
    return out


@pytest.fixture(scope="module")
def results():
    return datasets.load_results()


# --- raw data -------------------------------------------------------------------------------------------

def test_raw_files_match_manifest():
    files = set(datasets.verify_raw().file)
    sources = set(pd.read_csv(RAW / "SOURCES.csv").file)
    assert "press/spbe_scores_from_press.csv" in files
    assert files - {"SOURCES.csv"} == sources  # every raw file has exactly one provenance row


@pytest.fixture
def raw_copy(tmp_path):
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst


def test_changed_raw_file_stops_the_build(raw_copy, tmp_path):
    target = raw_copy / "press" / "spbe_scores_from_press.csv"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b"2,10", b"2,11", 1))
    with pytest.raises(SPBEError, match=r"has changed.*data/raw/press/spbe_scores_from_press.csv"):
        datasets.build(tmp_path / "out", raw_copy, progress=False)
    assert not (tmp_path / "out").exists()


def test_unlisted_and_missing_raw_files(raw_copy):
    (raw_copy / "press" / "new.csv").write_text("a\n1\n")
    with pytest.raises(SPBEError, match=r"not in the manifest.*press/new.csv"):
        datasets.verify_raw(raw_copy)
    (raw_copy / "press" / "new.csv").unlink()
    (raw_copy / "regions" / "provinces.csv").unlink()
    with pytest.raises(SPBEError, match=r"missing.*regions/provinces.csv"):
        datasets.verify_raw(raw_copy)


def test_every_raw_file_has_a_provenance_record():
    sources = pd.read_csv(RAW / "SOURCES.csv")
    listed = set(datasets.verify_raw().file) - {"SOURCES.csv"}
    assert set(sources.file) == listed
    assert sources[["source", "version", "retrieved", "licence"]].notna().all().all()


# --- determinism and atomicity --------------------------------------------------------------------------

def test_rebuild_gives_identical_bytes(built, tmp_path):
    datasets.build(tmp_path, progress=False)
    names = sorted(p.name for p in built.iterdir())
    assert names == ["aggregates.csv", "build_manifest.json", "covariates.csv", "datapackage.json", "institutions.csv",
                     "national.csv", "press_vs_official.csv", "results.csv", "unmatched_names.csv"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_processed_folder_is_current(built):
    """data/processed (built by `make data`) is what the code makes from raw now."""
    for p in built.iterdir():
        assert (datasets.processed_dir() / p.name).read_bytes() == p.read_bytes(), p.name


def test_failed_validation_writes_nothing(built, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(res):
        raise SPBEError("simulated failure")

    monkeypatch.setattr(datasets, "validate_results", broken)
    with pytest.raises(SPBEError, match="simulated failure"):
        datasets.build(out, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --- the panel ------------------------------------------------------------------------------------------

def test_panel_shape_and_columns(results):
    assert list(results.columns) == datasets.RESULT_COLUMNS
    counts = results.groupby(["source_kind", "year"]).size()
    assert counts["official_report"].to_dict() == {2023: 621, 2024: 615}
    assert counts["press"].sum() == 302
    assert results["predicate"].cat.ordered


def test_types_by_year_match_the_reports(results):
    off = results[results.source_kind == "official_report"]
    by_type = off.groupby(["year", "institution_type"]).size().unstack()
    assert by_type.loc[2023].to_dict() == {"kabupaten": 398, "kementerian": 34, "kota": 93, "lns_other": 36, "lpnk": 22, "provinsi": 38}
    assert by_type.loc[2024].to_dict() == {"kabupaten": 392, "kementerian": 34, "kota": 93, "lns_other": 37, "lpnk": 21, "provinsi": 38}


def _row(results, iid, year, kind="official_report"):
    r = results[(results.institution_id == iid) & (results.year == year) & (results.source_kind == kind)]
    assert len(r) == 1, (iid, year)
    return r.iloc[0]


def test_published_values_are_kept_and_recoveries_are_separate(results):
    kementan = _row(results, "P.3006", 2024)
    assert np.isnan(kementan.D1) and (kementan.D2, kementan.D3, kementan.D4, kementan["index"]) == (3.50, 2.64, 4.69, 4.00)
    assert kementan.recovered_field == "D1" and kementan.recovered_low < 4.30 < kementan.recovered_high
    assert "d1_missing" in kementan.quality_flags.split(";")
    jatim = _row(results, "35", 2024)
    assert np.isnan(jatim.D1) and jatim.garbled_text == "D1=',60'" and "d1_garbled" in jatim.quality_flags
    assert jatim.recovered_low < 4.60 < jatim.recovered_high
    assert _row(results, "P.3006", 2023).D1 == 3.40


def test_same_name_kabupaten_and_kota_are_different_institutions(results):
    kab, kota = _row(results, "35.06", 2024), _row(results, "35.71", 2024)
    assert (kab.institution_name, kab["index"], kab.predicate) == ("Kabupaten Kediri", 4.63, "Memuaskan")
    assert (kota.institution_name, kota["index"], kota.predicate) == ("Kota Kediri", 3.89, "Sangat Baik")
    assert kab.province_name == kota.province_name == "Jawa Timur" and kab.island_group == "Jawa"


def test_threshold_rows_keep_the_published_predicate(results):
    nias_2024, nias_2023 = _row(results, "12.25", 2024), _row(results, "12.25", 2023)
    assert (nias_2024["index"], nias_2024.predicate) == (1.80, "Kurang")
    assert (nias_2023["index"], nias_2023.predicate) == (1.80, "Cukup")


def test_frameworks_follow_the_year(results):
    fw = results.groupby("year")["framework"].unique().map(list).to_dict()
    assert all(v == ["PermenPANRB 5/2018"] for y, v in fw.items() if y <= 2020)
    assert all(v == ["PermenPANRB 59/2020"] for y, v in fw.items() if y >= 2021)


def test_unmatched_press_name_is_kept_not_dropped(results):
    unmatched = results[results.match_method == "unmatched"]
    assert unmatched.institution_id.tolist() == ["unmatched:Kepolisian Daerah Jawa Barat"]
    assert "unmatched" in unmatched.quality_flags.iloc[0]


def test_loader_filters(results):
    assert len(datasets.load_results("official_report", 2024)) == 615
    assert set(datasets.load_results("press", [2018, 2019]).year) == {2018, 2019}
    with pytest.raises(SPBEError, match="source_kind"):
        datasets.load_results("news")


def test_national_series():
    nat = datasets.load_national().set_index("year")
    assert nat.index.tolist() == list(range(2018, 2025))
    assert nat.loc[2024, ["index", "D1", "D2", "D3", "D4"]].tolist() == [3.12, 3.36, 2.62, 1.86, 3.78]
    assert nat.loc[2019, "D3"] == nat.loc[2019, "layanan"] == 2.40 and np.isnan(nat.loc[2019, "D4"])


def test_press_cross_check():
    cross = datasets.load_press_cross_check()
    assert len(cross) == 124 and cross.agrees.sum() == 120
    manado = cross[(cross.institution_id == "71.71") & (cross.year == 2024)].iloc[0]
    assert (manado.press_index, manado.official_index, manado.stage) == (3.55, 3.93, "provisional")


def test_institutions_table():
    inst = datasets.load_institutions()
    assert inst.institution_id.is_unique
    assert inst.set_index("institution_id").loc["35.71", "n_results"] >= 2


# --- datapackage ----------------------------------------------------------------------------------------

def test_datapackage_describes_every_file(built):
    import json
    desc = json.loads((built / "datapackage.json").read_text())
    assert {r["path"] for r in desc["resources"]} == {p.name for p in built.iterdir()} - {"datapackage.json", "build_manifest.json"}
    results = next(r for r in desc["resources"] if r["path"] == "results.csv")
    fields = {f["name"]: f for f in results["schema"]["fields"]}
    assert list(fields) == datasets.RESULT_COLUMNS
    assert fields["index"]["type"] == "number" and fields["year"]["type"] == "integer"
    assert all("description" in f for f in fields.values())


def test_datapackage_validation_catches_bad_values(built, tmp_path):
    shutil.copytree(built, tmp_path / "p")
    res = (tmp_path / "p" / "results.csv").read_text().splitlines()
    res[5] = res[5].replace(",Baik,", ",Bagus,", 1) if ",Baik," in res[5] else res[5].replace(",Cukup,", ",Bagus,", 1)
    (tmp_path / "p" / "results.csv").write_text("\n".join(res) + "\n")
    with pytest.raises(SPBEError, match="datapackage validation"):
        datapackage.validate(tmp_path / "p" / "datapackage.json")


def test_an_unlisted_lost_cell_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "KNOWN_LOST_CELLS", datasets.KNOWN_LOST_CELLS - {(2024, 1406, "D1")})
    with pytest.raises(SPBEError, match=r"lost or unreadable.*20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md.*row 1406.*field 'D1'"):
        datasets.build(tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_published_name_is_kept_beside_the_repaired_one(results):
    batam = results[(results.institution_id == "P.4045") & (results.year == 2023)
                    & (results.source_kind == "official_report")].iloc[0]
    assert batam.name_as_published.startswith("Badan Pengusahaan Badan Pengusahaan")
    assert not batam.name_clean.startswith("Badan Pengusahaan Badan Pengusahaan")
    assert "name_repaired" in batam.quality_flags


def test_press_conflicts_are_judged_per_institution(results):
    press = results[results.source_kind == "press"]
    conflicted = press[press.quality_flags.str.contains("press_conflict")]
    assert sorted(conflicted.groupby(["institution_name", "year"]).size().index.tolist()) == [
        ("Kabupaten Luwu Utara", 2021), ("Kabupaten Sragen", 2022), ("Kabupaten Tanggamus", 2022), ("Kota Bandar Lampung", 2022)]
    # two spellings of one ministry with the same value are not a conflict
    komdigi = press[(press.institution_id == "P.3018") & (press.year == 2024)]
    assert len(komdigi) == 2 and komdigi["index"].nunique() == 1 and not komdigi.quality_flags.str.contains("conflict").any()


def test_raw_files_are_read_through_datasets_and_follow_spbe_research_data(tmp_path, monkeypatch):
    from spbe_research import compare, press, registry
    from spbe_research.plotting import maps

    raw = tmp_path / "raw"
    for folder in ("regions", "press"):
        shutil.copytree(RAW / folder, raw / folder)
    monkeypatch.setenv("SPBE_RESEARCH_DATA", str(tmp_path / "processed"))
    assert datasets.raw_path("regions", "regencies.csv") == raw / "regions" / "regencies.csv"
    assert maps.map_path() == raw / "regions" / "indonesia-38-provinces.geojson"
    scores = raw / "press" / press.SCORES_FILE
    scores.write_text(scores.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")  # header only
    assert len(press.load_press_scores()) == 0  # the copy is what was read
    assert len(registry.build_region_table()) == len(registry.load_regions())
    (raw / "regions" / "regencies.csv").unlink()
    with pytest.raises(SPBEError, match="raw data file not found") as e:
        compare.province_coverage(_tiny_official())
    assert e.value.file.endswith("regencies.csv")


def _tiny_official():
    return pd.DataFrame({"institution_id": ["35.01"], "institution_name": ["Kabupaten Pacitan"],
                         "institution_type": ["kabupaten"], "province_code": ["35"], "province_name": ["Jawa Timur"],
                         "year": [2024], "index": [3.5], "predicate": ["Sangat Baik"],
                         "source_kind": ["official_report"]})
