"""Tests of the results importer: real rows round-trip, broken files fail with file/row/field, nothing half-written."""
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spbe_research import importer
from spbe_research.datasets import RESULT_COLUMNS, load_results, verify_raw
from spbe_research.errors import SPBEError

SOURCE = "KemenPANRB (2024). Laporan Evaluasi SPBE Tahun 2023 (round trip)"


@pytest.fixture
def raw(tmp_path):
    """An empty data/raw: a SOURCES.csv header and an empty manifest."""
    d = tmp_path / "raw"
    d.mkdir()
    (d / "SOURCES.csv").write_text("file,what,source,version,retrieved,licence,provenance\n", encoding="utf-8")
    (d / "MANIFEST.sha256").write_text("", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def official_2023():
    return load_results("official_report", 2023)


def _snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _table(rows: pd.DataFrame) -> pd.DataFrame:
    """A results table as a decree annex would print it (names as published, Indonesian headers)."""
    return rows[["name_as_published", "D1", "D2", "D3", "D4", "index", "predicate"]].rename(
        columns={"name_as_published": "Nama Instansi", "index": "Indeks", "predicate": "Predikat"})


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------------------------------------
# real rows
# ---------------------------------------------------------------------------------------------

def test_round_trip_of_the_2023_official_table(tmp_path, raw, official_2023):
    f = tmp_path / "lampiran_2023.csv"
    _table(official_2023).to_csv(f, index=False)
    rep = importer.import_results(f, 2023, source=SOURCE, raw_dir=raw, retrieved="2026-11-30")
    assert rep.ok and len(rep.rows) == 621 and len(rep.written) == 5
    assert (rep.matches["status"] == "matched").all()
    verify_raw(raw)  # the new files are recorded in the manifest and SOURCES.csv
    built = importer.build_imported(raw)
    assert list(built.columns) == RESULT_COLUMNS + list(importer.EXTRA_COLUMNS)
    assert (built["source_kind"] == importer.SOURCE_KIND).all() and (built["stage"] == "official").all()
    m = built.merge(official_2023, on=["institution_id", "year"], suffixes=("", "_published"))
    assert len(m) == 621 and built["institution_id"].is_unique
    for c in ("D1", "D2", "D3", "D4", "index"):
        assert np.array_equal(m[c].to_numpy(float), m[f"{c}_published"].to_numpy(float), equal_nan=True), c
    assert (m["predicate"].astype(str) == m["predicate_published"].astype(str)).all()
    # the report's D4 = 0,30 (Kabupaten Banyuasin) is kept as printed and flagged, as the report parser does
    assert built.loc[built["D4"] < 1, "quality_flags"].tolist() == ["below_scale"]
    assert (np.abs(built["index"] - built["index_recomputed"]) <= 0.01).all()
    # deterministic: the same raw files give the same bytes
    again = importer.build_imported(raw)
    assert built.to_csv(index=False) == again.to_csv(index=False)
    # the same file twice is refused, and the refusal writes nothing
    before = _snapshot(raw)
    with pytest.raises(SPBEError, match="already imported"):
        importer.import_results(f, 2023, source=SOURCE, raw_dir=raw)
    assert _snapshot(raw) == before
    reg = importer.list_imports(raw)
    assert reg.loc[0, "n_rows"] == "621" and reg.loc[0, "file"].startswith("imported/2023_")


def test_xlsx_with_types_provinces_and_pemdi_aspects(tmp_path, raw, official_2023):
    rows = official_2023.head(12)
    t = _table(rows).assign(Provinsi=rows["province_name"].fillna(""), Jenis=rows["institution_type"].to_numpy())
    f = tmp_path / "annex.xlsx"
    t.to_excel(f, index=False, sheet_name="Lampiran")
    rep = importer.check_results(f, 2023, source=SOURCE, sheet="Lampiran")
    assert rep.ok and rep.rows["institution_id"].tolist() == rows["institution_id"].tolist()
    # an Indeks Pemdi table by aspect (a 2026 result) is read with the 8/2026 definition
    pemdi = tmp_path / "pemdi_2026.csv"
    pd.DataFrame({"Nama Instansi": ["Provinsi Aceh", "Kota Kediri"], "A1": [3.0, 2.0], "A2": [3.0, 2.0],
                  "A3": [3.0, 2.0], "A4": [3.0, 2.0], "A5": [3.0, 2.0], "A6": [3.0, 2.0], "A7": [3.0, 2.0],
                  "Indeks": [3.0, 2.0], "Predikat": ["Baik", "Cukup"]}).to_csv(pemdi, index=False)
    rep = importer.check_results(pemdi, 2026, source="test", stage="provisional")
    assert rep.ok and rep.framework == "PermenPANRB 8/2026"
    assert rep.rows["A7"].tolist() == [3.0, 2.0] and rep.rows["D1"].isna().all()
    assert (rep.rows["stage"] == "provisional").all()


def test_flags_travel_with_the_rows(tmp_path):
    f = _write(tmp_path, "flags.csv",
               "institution,D1,D2,D3,D4,index,predicate\n"
               "Kota Kediri,3,3,3,3,3.40,Baik\n"            # index != recomputed 3.00
               "Kota Malang,3,3,3,3,3.00,Cukup\n"           # 3.00 is Baik
               "Kota Blitar,3,3,3,3,,\n"                    # no index, no predicate
               "Kota Batu,3,3,3,,3.00,Baik\n")              # components incomplete
    rep = importer.check_results(f, 2022, source="test")
    assert rep.ok
    fl = rep.rows.set_index("name_as_published")["quality_flags"]
    assert fl["Kota Kediri"] == "index_mismatch"
    assert fl["Kota Malang"] == "predicate_mismatch"
    assert set(fl["Kota Blitar"].split(";")) == {"index_missing", "predicate_missing"}
    assert fl["Kota Batu"] == "components_partial"
    blitar = rep.rows.set_index("name_as_published").loc["Kota Blitar"]
    assert np.isnan(blitar["index"]) and blitar["index_recomputed"] == pytest.approx(3.0)  # never written as published
    assert set(rep.defects["severity"]) == {"flag"}


# ---------------------------------------------------------------------------------------------
# broken files: a clear error naming file, row and field, and nothing written
# ---------------------------------------------------------------------------------------------

BROKEN = {
    "unknown_column": ("institution,index,remarks\nKota Kediri,3.1,ok\n", 1, "remarks", "unknown column"),
    "no_name_column": ("index,predicate\n3.1,Baik\n", 1, "name", "no institution name column"),
    "decimal_comma": ("institution;index\nKota Kediri;3,1\n", 2, "index", "decimal comma"),
    "duplicate_institution": ("institution,index\nKota Kediri,3.1\nPemerintah Kota Kediri,3.2\n", 3, "institution",
                              "rows 2, 3"),
    "unknown_name": ("institution,index\nKota Kediri,3.1\nKabupaten Atlantis,2.0\n", 3, "institution", "unmatched"),
    "ambiguous_name": ("institution,index\nKediri,3.1\n", 2, "institution", "ambiguous"),
    "out_of_range": ("institution,D1,D2,D3,D4,index\nKota Kediri,3,3,3,5.7,3.3\n", 2, "D4", "outside"),
    "negative": ("institution,index\nKota Kediri,-1\n", 2, "index", "outside"),
    "text_value": ("institution,index\nKota Kediri,tiga\n", 2, "index", "text"),
    "unknown_predicate": ("institution,predicate\nKota Kediri,Istimewa\n", 2, "predicate", "none of"),
    "no_value": ("institution,index,predicate\nKota Kediri,,\n", 2, "institution", "no index"),
    "ragged": ("institution,index\nKota Kediri,3.1,extra,cells\n", None, None, "do not match the header"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_fail_clearly_and_write_nothing(case, tmp_path, raw):
    text, row, field, words = BROKEN[case]
    f = _write(tmp_path, f"{case}.csv", text)
    before = _snapshot(raw)
    with pytest.raises(SPBEError, match=words) as e:
        importer.import_results(f, 2022, source="test", raw_dir=raw)
    assert e.value.file == str(f)
    if row is not None:
        assert e.value.row == row and e.value.field == field
    assert _snapshot(raw) == before


def test_decimal_comma_file_reads_with_decimal_option(tmp_path):
    f = _write(tmp_path, "comma.csv", "Nama Instansi;Indeks;Predikat\nKota Kediri;3,06;Baik\nKota Malang;2.5;Cukup\n")
    rep = importer.check_results(f, 2022, source="test", decimal=",")
    assert rep.ok and rep.rows["index"].tolist() == [3.06, 2.5]
    assert rep.rows["quality_flags"].tolist() == ["", "decimal_point"]


def test_report_lists_every_unmatched_name_and_explicit_ids_resolve(tmp_path):
    f = _write(tmp_path, "names.csv", "institution,index\nKediri,3.1\nKabupaten Atlantis,2.0\nKota Blitar,2.5\n")
    rep = importer.check_results(f, 2022, source="test")
    assert not rep.ok and rep.rows.empty
    st = rep.matches.set_index("name_as_published")["status"]
    assert st.to_dict() == {"Kediri": "ambiguous", "Kabupaten Atlantis": "unmatched", "Kota Blitar": "matched"}
    assert "35.06" in rep.matches.set_index("name_as_published").loc["Kediri", "reason"]
    ok = _write(tmp_path, "ids.csv", "institution,institution_id,index\nKediri,35.71,3.1\nKota Blitar,,2.5\n")
    rep = importer.check_results(ok, 2022, source="test")
    assert rep.ok and rep.rows["institution_id"].tolist() == ["35.71", "35.72"]
    assert rep.rows["match_method"].tolist()[0] == "explicit_id" and "name_id_mismatch" in rep.rows["quality_flags"][0]
    bad = _write(tmp_path, "badid.csv", "institution,institution_id,index\nKediri,99.99,3.1\n")
    with pytest.raises(SPBEError, match="not in the registry"):
        importer.check_results(bad, 2022, source="test").raise_if_errors()


def test_arguments_are_checked(tmp_path):
    f = _write(tmp_path, "ok.csv", "institution,index\nKota Kediri,3.1\n")
    with pytest.raises(SPBEError, match="does not govern"):
        importer.check_results(f, 2022, "2026", source="test")
    with pytest.raises(SPBEError, match="source"):
        importer.check_results(f, 2022, source=" ")
    with pytest.raises(SPBEError, match="stage"):
        importer.check_results(f, 2022, source="test", stage="final")
    with pytest.raises(SPBEError, match="unsupported file type"):
        importer.check_results(_write(tmp_path, "x.txt", "a"), 2022, source="test")
    with pytest.raises(SPBEError, match="not found"):
        importer.check_results(tmp_path / "missing.csv", 2022, source="test")


def test_a_failure_while_writing_restores_every_file(tmp_path, raw, monkeypatch):
    f = _write(tmp_path, "ok.csv", "institution,index\nKota Kediri,3.1\n")
    before = _snapshot(raw)
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(importer.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        importer.import_results(f, 2022, source="test", raw_dir=raw)
    monkeypatch.setattr(importer.os, "replace", real)
    assert _snapshot(raw) == before  # no new file, no changed file, no temporary left behind


def test_two_imports_of_one_institution_year_are_flagged(tmp_path, raw):
    a = _write(tmp_path, "a.csv", "institution,index\nKota Kediri,3.10\nKota Blitar,2.50\n")
    b = _write(tmp_path, "b.csv", "institution,index\nKota Kediri,3.20\nKota Blitar,2.50\n")
    importer.import_results(a, 2022, source="annex A", raw_dir=raw, retrieved="2026-11-30")
    importer.import_results(b, 2022, source="annex B", raw_dir=raw, retrieved="2026-11-30")
    verify_raw(raw)
    built = importer.build_imported(raw)
    fl = built.groupby("name_as_published")["quality_flags"].agg(set).to_dict()
    assert fl["Kota Kediri"] == {"import_conflict;import_duplicate"}
    assert fl["Kota Blitar"] == {"import_duplicate"}
    panel = pd.DataFrame({"institution_id": ["35.71"], "year": [2022], "index": [3.1], "source_kind": ["official_report"],
                          "framework": ["PermenPANRB 59/2020"]})
    flagged = importer.flag_against_panel(built, panel)
    kediri = flagged[flagged["institution_id"] == "35.71"].set_index("source")["quality_flags"]
    assert "published_row_exists" in kediri["annex A"] and "differs_from_published" not in kediri["annex A"]
    assert "differs_from_published" in kediri["annex B"]


def test_command_line(tmp_path, raw, capsys):
    good = _write(tmp_path, "good.csv", "Instansi,Indeks\nKota Kediri,3.10\n")
    assert importer.main(["check", str(good), "--year", "2022", "--source", "test"]) == 0
    assert "1 matched" in capsys.readouterr().out
    bad = _write(tmp_path, "bad.csv", "Instansi,Indeks\nKota Kediri,9\n")
    assert importer.main(["import", str(bad), "--year", "2022", "--source", "test", "--raw-dir", str(raw)]) == 1
    err = capsys.readouterr().err
    assert "row 2" in err and "Indeks" in err and str(bad) in err
    assert importer.main(["import", str(good), "--year", "2022", "--source", "test", "--raw-dir", str(raw),
                          "--dry-run"]) == 0
    assert "would write data/raw/imported/2022_test_" in capsys.readouterr().out
    assert importer.main(["import", str(good), "--year", "2022", "--source", "test", "--raw-dir", str(raw),
                          "--column", "Instansi=name", "--retrieved", "2026-11-30"]) == 0
    assert importer.main(["list", "--raw-dir", str(raw)]) == 0
    assert "2022-" in capsys.readouterr().out
    assert importer.build_imported(raw)["institution_id"].tolist() == ["35.71"]


def test_extra_columns_constant_matches_the_definitions():
    assert tuple(importer._extra_columns()) == importer.EXTRA_COLUMNS


def test_an_import_reaches_the_panel_through_the_build_without_overwriting(tmp_path):
    """datasets.import_results stores the table in a copy of data/raw; the next build merges its rows as
    source_kind 'imported' beside the published ones (flagged where they overlap), deterministically."""
    import shutil

    from spbe_research import datasets

    raw = tmp_path / "raw"
    shutil.copytree(datasets.raw_dir(), raw)
    f = _write(tmp_path, "hasil_2022.csv",
               "Nama Instansi,Indeks,Predikat\nKabupaten Kendal,2.73,Baik\nKota Surabaya,3.90,Sangat Baik\n")
    rep = datasets.import_results(f, 2022, source="KepMenPANRB 108/2023 (test)", raw_dir=raw)
    assert rep.ok
    datasets.verify_raw(raw)  # the import is recorded in the manifest
    out1, out2 = tmp_path / "p1", tmp_path / "p2"
    datasets.build(out1, raw, progress=False)
    datasets.build(out2, raw, progress=False)
    assert (out1 / "results.csv").read_bytes() == (out2 / "results.csv").read_bytes()
    res = pd.read_csv(out1 / "results.csv", dtype=str)
    imp = res[res["source_kind"] == "imported"]
    assert sorted(imp["institution_name"]) == ["Kabupaten Kendal", "Kota Surabaya"]
    assert set(imp["year"]) == {"2022"} and set(imp["stage_basis"]) == {"import"}
    # the published rows are all still there, untouched
    published = load_results()
    assert (res["source_kind"] != "imported").sum() == len(published)
