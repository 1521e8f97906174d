"""Fuzz the data functions (compare, reproduce, cleaning, press, registry, datasets, the CSV reader):
hostile dtypes, shapes and values give the package's error with its location, or exactly the result of
the clean input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_strategies import FUZZ, assert_located, forms, frames_equal, maybe_bad, represent, spoil, values
from spbe_research.vocabulary import PRESS_STAGE_BASES
from spbe_research import SPBEError, cleaning, compare, datapackage, datasets, press, registry, reproduce
from spbe_research.scoring import predicate
from spbe_research.vocabulary import INSTITUTION_TYPES, REPORT_GROUPS, group_of_label

FW = "PermenPANRB 59/2020"
PROVINCES = (("35", "Jawa Timur", "Jawa"), ("52", "Nusa Tenggara Barat", "Bali–Nusa Tenggara"))


@st.composite
def panels(draw, n_min=0, n_max=14):
    """A small valid panel (official rows, one per institution and year)."""
    n = draw(st.integers(n_min, n_max))
    rows = []
    for i in range(n):
        t = draw(st.sampled_from(INSTITUTION_TYPES))
        prov = draw(st.sampled_from(PROVINCES)) if t in ("provinsi", "kabupaten", "kota") else (None, None, None)
        idx = draw(st.integers(100, 500)) / 100
        rows.append(dict(institution_id=f"i{i}", institution_name=f"Inst {i}", institution_type=t,
                         province_code=prov[0], province_name=prov[1], island_group=prov[2],
                         year=draw(st.sampled_from([2023, 2024])), framework=FW, source_kind="official_report",
                         index=idx, predicate=predicate(idx),
                         **{d: draw(st.one_of(st.just(np.nan), st.integers(100, 500).map(lambda k: k / 100)))
                            for d in ("D1", "D2", "D3", "D4")}))
    cols = ["institution_id", "institution_name", "institution_type", "province_code", "province_name",
            "island_group", "year", "framework", "source_kind", "index", "predicate", "D1", "D2", "D3", "D4"]
    return pd.DataFrame(rows, columns=cols).astype({"index": float, "D1": float, "D2": float, "D3": float,
                                                     "D4": float})


def _hostile(df, col, form, bad, data):
    """``df`` with ``col`` in another form, and (when ``bad``) one spoiled cell; returns (frame, row label)."""
    out = df.copy()
    out[col] = represent(df[col].tolist(), form).to_numpy()
    if bad is None or not len(df):
        return out, None
    pos = data.draw(st.integers(0, len(df) - 1))
    out[col] = spoil(out[col], pos, bad).to_numpy()
    return out, pos


def _same(fn, clean, hostile, pos, col):
    """The hostile call raises with the spoiled cell's location, or equals the clean call (a column passed
    through unchanged keeps its hostile form and is not compared)."""
    try:
        expected = fn(clean)
    except SPBEError as err:
        assert_located(err)
        with pytest.raises(SPBEError):
            fn(hostile)
        return
    if pos is not None:
        with pytest.raises(SPBEError) as e:
            fn(hostile)
        assert_located(e.value, field=col)
        return
    got = fn(hostile)
    if col in got.columns and col in hostile.columns and got[col].dtype != expected[col].dtype:
        got, expected = got.drop(columns=col), expected.drop(columns=col)
    frames_equal(got, expected)


@FUZZ
@given(panels(), st.sampled_from(["index", "D1", "D4"]), forms(), maybe_bad(), st.data(),
       st.sampled_from(["summary", "differences", "spread", "rank", "source"]))
def test_compare(panel, col, form, bad, data, which):
    fn = {"summary": lambda d: compare.group_summary(d),
          "differences": lambda d: compare.group_differences(d, "type", n_boot=200),
          "spread": lambda d: compare.province_spread(d),
          "rank": lambda d: compare.rank_within_province(d),
          "source": lambda d: compare.select_source(d)}[which]
    hostile, pos = _hostile(panel, col, form, bad, data)
    if col != "index" and which in ("spread", "rank", "source") and pos is not None:
        return  # these read no domain column: a spoiled domain passes through untouched, as it should
    _same(fn, panel, hostile, pos, col)


@FUZZ
@given(panels(n_min=1), forms(), maybe_bad(), st.data(), st.sampled_from(["D2", "D3", "index"]))
def test_reproduction_audit(panel, form, bad, data, col):
    hostile, pos = _hostile(panel, col, form, bad, data)
    for fn in (reproduce.recompute, reproduce.audit_results):
        _same(fn, panel, hostile, pos, col)
    aud = reproduce.recompute(panel)
    full = panel[["D1", "D2", "D3", "D4"]].notna().all(axis=1).to_numpy()
    assert aud["index_recomputed"].notna().to_numpy().tolist() == full.tolist()
    assert (aud["within_tolerance"].isna().to_numpy() == ~full).all()


@FUZZ
@given(panels(n_min=1), st.lists(st.tuples(st.sampled_from(["kementerian", "Kabupaten", "LNS", "pemda",
                                                           "Instansi Pusat", "nasional", "Kota"]),
                                            st.sampled_from([2023, 2024, "2024", 2025.0, "x", True]),
                                            st.one_of(st.floats(-1, 6), st.sampled_from(["3,2", "2.9", None]))),
                                  min_size=1, max_size=6))
def test_check_published_means(panel, rows):
    agg = pd.DataFrame([dict(year=y, group=g, component="index", statistic="mean", value=v) for g, y, v in rows])
    try:
        out = compare.check_published_means(panel, agg)
    except SPBEError as err:
        assert_located(err)
        return
    assert len(out) == len(agg)
    cmp = out[out["status"] == "compared"]
    assert np.isfinite(cmp[["computed", "difference"]].to_numpy(float)).all()
    assert (cmp["within_tolerance"] == (cmp["difference"].abs() <= cmp["tolerance"] + 1e-9)).all()
    assert out.loc[out["status"] != "compared", "within_tolerance"].isna().all()


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=6), st.sampled_from(["3,50", "3.50", "-", "4,<br>00", ",60"]),
                          st.floats(allow_nan=True), st.integers(-10, 10), st.booleans(), st.none(),
                          st.just(complex(1, 1))), max_size=8),
       st.booleans())
def test_parse_decimal_series(cells, allow_missing):
    s = pd.Series(cells, dtype=object, index=[f"r{i}" for i in range(len(cells))])
    try:
        out = cleaning.parse_decimal_series(s, file="f.md", field="D1", allow_missing=allow_missing)
    except SPBEError as err:
        assert_located(err, field="D1")
        assert err.row in set(s.index)
        return
    one = [cleaning.parse_decimal(c, allow_missing=allow_missing) for c in cells]  # the scalar parser agrees
    assert np.allclose(out.to_numpy(), one, equal_nan=True) and np.isfinite(out.dropna()).all()


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([2023, 2024]),
                          st.integers(100, 500).map(lambda k: k / 100)), min_size=0, max_size=6),
       forms(), maybe_bad(), st.data())
def test_press_cross_check(rows, form, bad, data):
    press_t = pd.DataFrame(rows, columns=["institution_id", "year", "index"]).astype({"index": float})
    official = press_t.drop_duplicates(["institution_id", "year"]).assign(index=lambda d: d["index"].round(1))
    hostile, pos = _hostile(press_t, "index", form, bad, data)
    _same(lambda p: press.cross_check(p, official), press_t, hostile, pos, "index")


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(["Pemerintah Kab. Kediri", "Kota Kediri", "BPS", "35.71", "Prov. NTB",
                                           "", " ", "Kementerian Agama"]), st.text(max_size=8), st.none(),
                          st.integers(), st.floats(allow_nan=True)), max_size=5),
       st.one_of(st.none(), st.sampled_from([2023, "2024", 2024.0, "abc", True, 1e9, np.nan])),
       st.one_of(st.none(), st.sampled_from(["kabupaten", "kota", "pemda", "nonsense"])))
def test_match_institutions(names, year, type_hint):
    try:
        out = registry.match_institutions(names, year=year, type_hint=type_hint)
    except SPBEError as err:
        assert_located(err)
        return
    assert len(out) == len(names) and list(out.columns) == list(registry.MATCH_COLUMNS)
    assert set(out["match_method"]) <= set(registry.MATCH_METHODS)
    assert (out["institution_id"].isna() == (out["match_method"] == "unmatched")).all()


@FUZZ
@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.floats(allow_nan=True)))
def test_group_labels(label):
    g = group_of_label(label)
    assert g is None or g in REPORT_GROUPS


@FUZZ
@given(st.one_of(st.none(), st.integers(1990, 2100), st.sampled_from(["2023", " 2024 ", "20x3", "", True, 2023.5,
                                                                       [2023, "2024"], [], (2018,), {"a": 1}])),
       st.one_of(st.none(), st.sampled_from(["official_report", "press", "news", 3])))
def test_load_results_arguments(year, source_kind):
    try:
        out = datasets.load_results(source_kind=source_kind, year=year)
    except SPBEError as err:
        assert_located(err)
        return
    want = {2023: 621, 2024: 615}
    if source_kind == "official_report" and year is not None and not isinstance(year, (list, tuple)):
        assert len(out) == want.get(int(str(year).strip()), 0)
    assert list(out.columns) == datasets.RESULT_COLUMNS


@pytest.fixture(scope="module")
def served_bytes():
    datasets.build_manifest()
    return {t.name: (datasets.processed_dir() / t.schema.file).read_bytes() for t in datasets.TABLES}


@FUZZ
@given(st.sampled_from([t.name for t in datasets.TABLES]), st.data(),
       st.sampled_from([b"", b"x", b",", b"\n", b'"', b"-", b"9", b"\xff", b"nan"]))
def test_csv_reader_on_mutated_bytes(served_bytes, name, data, patch):
    blob = served_bytes[name]
    at = data.draw(st.integers(0, len(blob) - 1))
    cut = data.draw(st.integers(0, 3))
    mutated = blob[:at] + patch + blob[at + cut:]
    schema = datapackage.SCHEMAS[name]
    try:
        df = schema.parse(mutated, file=schema.file)
    except SPBEError as err:
        assert err.file == schema.file
        return
    # a mutation the reader accepts leaves a frame that satisfies the schema
    assert list(df.columns) == schema.columns
    for f in schema.fields:
        v = df[f.name]
        if f.required:
            assert v.notna().all()
        if f.enum is not None:
            assert v.dropna().astype(str).isin([str(e) for e in f.enum]).all()
        if f.type in ("integer", "number") and (f.minimum is not None or f.maximum is not None):
            x = v.dropna().astype(float)
            assert ((x >= (f.minimum if f.minimum is not None else -np.inf))
                    & (x <= (f.maximum if f.maximum is not None else np.inf))).all()
    assert not df.duplicated(list(schema.primary_key)).any()


@FUZZ
@given(panels(n_min=1), st.one_of(st.just("year"), st.just(["year"]), st.sampled_from(["nope", 3, ["year", "x"]])))
def test_quality_flag_counts(panel, by):
    df = panel.assign(quality_flags=["on_threshold;br_in_cell" if i % 2 else "" for i in range(len(panel))])
    try:
        out = cleaning.quality_flag_counts(df, by=by)
    except SPBEError as err:
        assert_located(err)
        return
    assert out["n"].sum() == df["quality_flags"].str.count("_").clip(upper=1).sum() * 2


@FUZZ
@given(panels(n_min=1), st.sampled_from([(2023,), (2024,), (2023, 2024), ("2024",), (), 2024, "x"]))
def test_reproduction_chain_and_published_means(panel, years):
    audit = reproduce.audit_results(panel)
    summary = reproduce.reproduction_summary(audit)
    assert summary["n_rows"].sum() == len(panel)
    anomalies = reproduce.anomalies(audit)
    assert set(anomalies["cause"]) <= {"ocr_lost_cell", "garbled_cell", "threshold_rounding", "real_inconsistency"}
    published = pd.DataFrame([dict(year=y, report_year=y, group=g, component=c, statistic="mean", value=3.0)
                              for y in (2023, 2024) for g in ("nasional", "kota", "pemda")
                              for c in ("index", "D1", "D2", "D3", "D4")])
    for fn in (lambda: reproduce.national_average_hypotheses(panel, published, years=years),
               lambda: reproduce.group_mean_check(panel, published, years=years)):
        try:
            out = fn()
        except SPBEError as err:
            assert_located(err)
            continue
        assert (out["within_tolerance"] == (out["difference"].abs() <= out["tolerance"] + 1e-9)).all()


TABLE_HEAD = ["**Tabel 9. Hasil Evaluasi SPBE Kementerian**", "",
              "| No | Nama Instansi | D1 | D2 | D3 | D4 | Indeks | Predikat |",
              "|----|----|----|----|----|----|----|----|"]
CELLS = st.sampled_from(["3,50", "4,00", "2.6", "", "-", ",60", "abc", "5,0", "0,30", "3,5,0", "<br>2,64", "9,99"])


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "", "x", "3"]), st.sampled_from(["Kementerian A", "", "B<br>C"]),
                          CELLS, CELLS, CELLS, CELLS, CELLS,
                          st.sampled_from(["Baik", "baik", "Sangat<br>Baik", "", "Bagus", "Kurang"]),
                          st.sampled_from([0, 0, 0, 1, -1])), max_size=5))
def test_parse_report_on_hostile_tables(tmp_path_factory, rows):
    lines = list(TABLE_HEAD)
    for *cells, extra in rows:
        cells = list(cells) + [""] * max(extra, 0)
        if extra < 0:
            cells = cells[:-1]
        lines.append("| " + " | ".join(cells) + " |")
    path = tmp_path_factory.mktemp("md") / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        df = cleaning.parse_report(path, 2024)
    except SPBEError as err:
        assert err.file == "report.md" and (err.row is not None or "no per-institution table" in str(err)), str(err)
        return
    assert list(df.columns) == list(cleaning.REPORT_COLUMNS)
    flags = set(";".join(df["quality_flags"]).split(";")) - {""}
    assert flags <= set(cleaning.QUALITY_FLAGS)
    printed = df[["D1", "D2", "D3", "D4", "index"]].to_numpy(float)
    assert not np.isinf(printed).any()
    assert (df["predicate"].dropna().isin(["Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan"])).all()


@FUZZ
@given(st.text(max_size=80), st.one_of(st.none(), st.floats(0, 5), st.floats(allow_nan=True)))
def test_press_stage_rules_on_any_text(text, value):
    stage, basis = press.classify_stage(text, value)
    assert stage in ("official", "provisional", "self_assessment", "unknown") and basis in PRESS_STAGE_BASES
    quote, note = press.split_compiler_notes(text)
    assert isinstance(quote, str) and isinstance(note, str)
    assert registry.normalise_name(text) == registry.normalise_name(registry.normalise_name(text))


@FUZZ
@given(panels(n_min=0, n_max=8), st.sampled_from(["type", "island_group", "province", "all", 3]),
       st.one_of(st.none(), st.sampled_from([[2024], "2023", [2030]])))
def test_figures(panel, group_by, years):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting import groups

    try:
        ax = groups.plot_index_distribution(panel, group_by=group_by, years=years)
    except SPBEError as err:
        assert_located(err)
        return
    finally:
        plt.close("all")
    assert ax.get_ylim() == (0.0, 5.0)
