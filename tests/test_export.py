"""Exports: Excel, Stata and Parquet round trips give back the loaders' values, labels and descriptions."""
import pandas as pd
import pytest

from spbe_research import datasets, export
from spbe_research.vocabulary import INSTITUTION_TYPES
from spbe_research.errors import SPBEError
from spbe_research.scoring import PREDICATES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return {p.name: p for p in export.export_all(out)}


@pytest.fixture(scope="module")
def results():
    return datasets.load_results()


def _as_text(s: pd.Series) -> pd.Series:
    """Values as text with missing as '' (how Stata stores missing strings)."""
    return s.astype(object).where(s.notna(), "").astype(str)


PARQUET = export.parquet_available()  # make test runs without pyarrow; make docs-test adds it (see the Makefile)


def test_export_all_writes_every_format(written):
    suffixes = (".dta", ".parquet") if PARQUET else (".dta",)
    assert sorted(written) == sorted(["spbe_panel.xlsx"] + [f"spbe_{t}{s}" for t in ("panel", "national", "aggregates")
                                                             for s in suffixes])
    assert all(p.stat().st_size > 0 for p in written.values())


def test_stata_round_trip_values_and_labels(written, results):
    path = written["spbe_panel.dta"]
    back = pd.read_stata(path)
    assert list(back.columns) == list(results.columns) and len(back) == len(results)
    for c in results.columns:
        a, b = results[c], back[c]
        if pd.api.types.is_numeric_dtype(a) and not isinstance(a.dtype, pd.CategoricalDtype):
            pd.testing.assert_series_equal(a.astype("float64"), b.astype("float64"), check_names=False)
        else:
            assert (_as_text(a) == _as_text(b)).all(), c
    with pd.io.stata.StataReader(path) as reader:
        labels, values = reader.variable_labels(), reader.value_labels()
    assert labels["institution_type"] == "Institution type" and labels["index"] == "SPBE index"
    assert all(labels[c] == export.header(c) for c in results.columns)
    # value labels: the data package's fixed lists, in their order (predicates low to high)
    assert list(values["predicate"].values()) == list(PREDICATES)
    assert list(values["institution_type"].values()) == list(INSTITUTION_TYPES)
    coded = pd.read_stata(path, convert_categoricals=False)
    assert coded.loc[results["predicate"] == "Kurang", "predicate"].eq(1).all()
    assert coded.loc[results["predicate"].isna(), "predicate"].isna().all()  # missing is missing, not a code


def test_stata_is_deterministic(tmp_path):
    a = export.export(tmp_path / "a.dta", table="national").read_bytes()
    b = export.export(tmp_path / "b.dta", table="national").read_bytes()
    assert a == b


def test_parquet_round_trip_or_a_clear_error(written, results, tmp_path):
    if not PARQUET:  # without the optional engine: a clear error and no file
        with pytest.raises(SPBEError, match=r'needs pyarrow: pip install "spbe-research\[parquet\]"'):
            export.export(tmp_path / "x.parquet")
        assert not list(tmp_path.iterdir())
        return
    import pyarrow.parquet as pq
    back = pd.read_parquet(written["spbe_panel.parquet"])
    pd.testing.assert_frame_equal(back, results)
    schema = pq.read_schema(written["spbe_panel.parquet"])
    meta = schema.field("predicate").metadata
    assert meta[b"header"] == b"Predikat (predicate)"
    assert b"Predikat" in meta[b"description"]
    nat = pd.read_parquet(written["spbe_national.parquet"])
    pd.testing.assert_frame_equal(nat, datasets.load_national())


def test_excel_workbook_sheets_headers_and_values(written, results):
    book = pd.read_excel(written["spbe_panel.xlsx"], sheet_name=None)
    assert list(book) == ["about", "panel", "national", "aggregates", "data_dictionary", "sources"]
    dictionary = book["data_dictionary"]
    panel_dict = dictionary[dictionary["Table"] == "results"]
    assert list(book["panel"].columns) == panel_dict["Header"].tolist()  # readable headers, in column order
    back = book["panel"].rename(columns=dict(zip(panel_dict["Header"], panel_dict["Column"])))
    assert list(back.columns) == list(results.columns)
    for c in ("D1", "D4", "index", "year"):
        pd.testing.assert_series_equal(back[c].astype("float64"), results[c].astype("float64"), check_names=False)
    for c in ("institution_id", "institution_name", "predicate", "source"):
        assert (_as_text(back[c]) == _as_text(results[c])).all(), c
    assert panel_dict.set_index("Column").at["predicate", "Allowed values"] == "; ".join(PREDICATES)
    src = book["sources"]
    panel_src = src[src["Kind"].str.startswith("panel source")]
    assert panel_src["N rows"].sum() == len(results)  # every panel row is counted under its source
    assert (src["Kind"] == "licence").sum() >= 2


@pytest.mark.parametrize("name, fmt, message", [
    ("x.csv", None, "cannot tell the format"),
    ("x.xlsx", "sas", "unknown export format"),
])
def test_bad_format_raises(tmp_path, name, fmt, message):
    with pytest.raises(SPBEError, match=message):
        export.export(tmp_path / name, fmt)
    assert not list(tmp_path.iterdir())


def test_unknown_table_raises(tmp_path):
    with pytest.raises(SPBEError, match="unknown table 'panel'"):
        export.export(tmp_path / "x.dta", table="panel")


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(self, *a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(pd.DataFrame, "to_stata", boom)
    with pytest.raises(OSError):
        export.export(tmp_path / "x.dta", table="national")
    assert not list(tmp_path.iterdir())


def test_command_line(tmp_path, capsys):
    from spbe_research.__main__ import main
    assert main(["export", str(tmp_path / "n.dta"), "--table", "national"]) == 0
    assert capsys.readouterr().out.strip().endswith("n.dta")
    assert main(["export", str(tmp_path / "n.txt")]) == 1
    assert "cannot tell the format" in capsys.readouterr().err


def test_datasets_export_is_the_export_entry_point(tmp_path):
    path = datasets.export(tmp_path / "panel.dta")
    assert path == tmp_path / "panel.dta"
    back = pd.read_stata(path)
    assert len(back) == len(datasets.load_results())
    with pytest.raises(SPBEError):
        datasets.export(tmp_path / "panel.unknown")
