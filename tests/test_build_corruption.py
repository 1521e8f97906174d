"""A tampered or half-written processed file is never served: the loaders check every file's checksum
against the build manifest, and every value against its schema, naming the file, line and field."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from spbe_research import SPBEError, datapackage, datasets

LOADERS = {
    "results": datasets.load_results, "national": datasets.load_national, "aggregates": datasets.load_aggregates,
    "institutions": datasets.load_institutions, "press_vs_official": datasets.load_press_cross_check,
    "unmatched_names": datasets.load_unmatched_names, "covariates": datasets.load_covariates,
}
#: per table: a number field, a year field, an enumerated field (or None) and a field to drop.
TARGETS = {
    "results": ("index", "year", "predicate", "D4"),
    "national": ("index", "year", "framework", "D4"),
    "aggregates": ("value", "year", "statistic", "value"),
    "institutions": ("n_results", "first_year", "institution_type", "island_group"),
    "press_vs_official": ("press_index", "year", "stage", "agrees"),
    "unmatched_names": ("source_row", "year", None, "source"),
    "covariates": ("area_km2", "year", "institution_type", "ipm"),
}


def test_every_table_has_a_loader_and_targets():
    assert [t.name for t in datasets.TABLES] == list(LOADERS) == list(TARGETS)


@pytest.fixture(scope="module")
def blobs() -> dict[str, bytes]:
    datasets.build_manifest()
    return {p.name: p.read_bytes() for p in datasets.processed_dir().iterdir()}


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def to_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def set_cell(data: bytes, field: str, value: str, row: int = 1) -> bytes:
    rows = rows_of(data)
    rows[row][rows[0].index(field)] = value
    return to_bytes(rows)


def drop_column(data: bytes, field: str) -> bytes:
    rows = rows_of(data)
    j = rows[0].index(field)
    return to_bytes([r[:j] + r[j + 1:] for r in rows])


def parse(name, data, rows="manifest", blobs=None):
    schema = datapackage.SCHEMAS[name]
    n = json.loads(blobs[datasets.BUILD_MANIFEST])["files"][schema.file]["rows"] if rows == "manifest" else rows
    return schema.parse(data, file=schema.file, rows=n)


# --- every value against the schema (what a consistent tamper or a buggy build would reach) -------------

@pytest.mark.parametrize("name", list(TARGETS))
def test_the_built_bytes_pass(blobs, name):
    df = parse(name, blobs[f"{name}.csv"], blobs=blobs)
    assert list(df.columns) == datapackage.SCHEMAS[name].columns


@pytest.mark.parametrize("name", list(TARGETS))
def test_truncated_and_cut_files(blobs, name):
    data = blobs[f"{name}.csv"]
    with pytest.raises(SPBEError, match=r"cut short|data rows|fewer cells") as e:
        parse(name, data[: len(data) // 2], blobs=blobs)
    assert e.value.file == f"{name}.csv"
    with pytest.raises(SPBEError, match="cut short"):  # the last line lost its end
        parse(name, data[:-3], blobs=blobs)
    lines = data.decode().splitlines(keepends=True)
    if len(lines) > 2:  # whole lines missing: the row count recorded at build time catches it
        with pytest.raises(SPBEError, match=rf"has {len(lines) - 2} data rows, the build recorded {len(lines) - 1}"):
            parse(name, "".join(lines[:-1]).encode(), blobs=blobs)
    cut = "".join(lines[:-1]) + ",".join(lines[-1].split(",")[:2]) + "\n"  # last line with two cells only
    with pytest.raises(SPBEError, match="fewer cells than the header") as e:
        parse(name, cut.encode(), rows=None)
    assert e.value.row == len(lines)


@pytest.mark.parametrize("name", list(TARGETS))
def test_a_duplicated_row_breaks_the_primary_key(blobs, name):
    lines = blobs[f"{name}.csv"].decode().splitlines(keepends=True)
    dup = "".join(lines + [lines[1]]).encode()
    with pytest.raises(SPBEError, match="data rows, the build recorded"):
        parse(name, dup, blobs=blobs)
    with pytest.raises(SPBEError, match=r"primary key .* repeats line 2") as e:
        parse(name, dup, rows=None)
    assert e.value.row == len(lines) + 1


@pytest.mark.parametrize("name", list(TARGETS))
@pytest.mark.parametrize("value", ["abc", "9.99", "nan", "inf", "3,5", "2.5.1"])
def test_a_bad_number(blobs, name, value):
    field = TARGETS[name][0]
    f = datapackage.SCHEMAS[name][field]
    if value == "9.99" and f.maximum is None:
        value = "-1"  # below every minimum of a count
    with pytest.raises(SPBEError, match=r"is not an integer|is not a plain decimal|is outside") as e:
        parse(name, set_cell(blobs[f"{name}.csv"], field, value), blobs=blobs)
    assert (e.value.file, e.value.row, e.value.field) == (f"{name}.csv", 2, field)


@pytest.mark.parametrize("name", list(TARGETS))
@pytest.mark.parametrize("value", ["twenty", "2023.5", "9.99"])
def test_a_text_or_fractional_year(blobs, name, value):
    field = TARGETS[name][1]
    with pytest.raises(SPBEError, match="is not an integer") as e:
        parse(name, set_cell(blobs[f"{name}.csv"], field, value), blobs=blobs)
    assert (e.value.row, e.value.field) == (2, field)


@pytest.mark.parametrize("name", list(TARGETS))
def test_a_dropped_column(blobs, name):
    field = TARGETS[name][3]
    with pytest.raises(SPBEError, match=rf"column '{field}' is missing") as e:
        parse(name, drop_column(blobs[f"{name}.csv"], field), blobs=blobs)
    assert (e.value.row, e.value.field) == (1, field)


@pytest.mark.parametrize("name", [n for n, t in TARGETS.items() if t[2]])
def test_an_unknown_word_never_becomes_nan(blobs, name):
    field = TARGETS[name][2]
    with pytest.raises(SPBEError, match=r"'Bagus' is not one of") as e:
        parse(name, set_cell(blobs[f"{name}.csv"], field, "Bagus"), blobs=blobs)
    assert (e.value.row, e.value.field) == (2, field)


def test_other_schema_rules(blobs):
    res = blobs["results.csv"]
    with pytest.raises(SPBEError, match="required value is missing") as e:
        parse("results", set_cell(res, "institution_id", "", row=5), blobs=blobs)
    assert (e.value.row, e.value.field) == (6, "institution_id")
    with pytest.raises(SPBEError, match="does not match the pattern"):
        parse("results", set_cell(res, "province_code", "3X", row=1), blobs=blobs)
    with pytest.raises(SPBEError, match="is not True or False"):
        parse("press_vs_official", set_cell(blobs["press_vs_official.csv"], "agrees", "yes"), blobs=blobs)
    with pytest.raises(SPBEError, match="not in the schema's order"):
        rows = rows_of(blobs["national.csv"])
        parse("national", to_bytes([[r[1], r[0], *r[2:]] for r in rows]), blobs=blobs)
    with pytest.raises(SPBEError, match="column 'extra' is not in the schema"):
        rows = rows_of(blobs["national.csv"])
        parse("national", to_bytes([r + ["x" if i else "extra"] for i, r in enumerate(rows)]), blobs=blobs)
    with pytest.raises(SPBEError, match="not UTF-8"):
        parse("national", b"\xff\xfe" + blobs["national.csv"], blobs=blobs)
    with pytest.raises(SPBEError, match="empty"):
        parse("national", b"", blobs=blobs)


# --- through the loaders: checksums, manifest, rebuilds ---------------------------------------------------

@pytest.fixture
def served(blobs, tmp_path, monkeypatch):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)
    monkeypatch.setenv("SPBE_RESEARCH_DATA", str(out))
    return out


def retamper_manifest(out, name, data):
    """Write ``data`` as ``name`` and update the manifest to match, as a careful tamperer (or a buggy build) would."""
    (out / name).write_bytes(data)
    m = json.loads((out / datasets.BUILD_MANIFEST).read_text())
    m["files"][name].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    body = {k: v for k, v in m.items() if k != "build_id"}
    m["build_id"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    (out / datasets.BUILD_MANIFEST).write_text(json.dumps(m))


@pytest.mark.parametrize("name", list(LOADERS))
def test_changed_bytes_are_refused_by_every_loader(served, name):
    path = served / f"{name}.csv"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] = ord("7") if data[len(data) // 2] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    with pytest.raises(SPBEError, match=r"differs from the one built .* rebuild") as e:
        LOADERS[name]()
    assert e.value.file == str(path)


def test_a_consistently_tampered_file_fails_its_schema(served):
    retamper_manifest(served, "results.csv", set_cell((served / "results.csv").read_bytes(), "index", "abc", row=3))
    with pytest.raises(SPBEError, match=r"'abc' is not a plain decimal") as e:
        datasets.load_results()
    assert (e.value.row, e.value.field) == (4, "index") and e.value.file.endswith("results.csv")


def test_an_edited_manifest_or_a_missing_file(served):
    m = json.loads((served / datasets.BUILD_MANIFEST).read_text())
    m["files"]["national.csv"]["rows"] = 8
    (served / datasets.BUILD_MANIFEST).write_text(json.dumps(m))
    with pytest.raises(SPBEError, match="does not match its build id"):
        datasets.load_national()
    (served / datasets.BUILD_MANIFEST).write_text("{not json")
    with pytest.raises(SPBEError, match="not valid JSON"):
        datasets.load_national()


def test_a_deleted_file(served):
    (served / "aggregates.csv").unlink()
    with pytest.raises(SPBEError, match="missing from its set"):
        datasets.load_aggregates()


def test_a_missing_or_stale_set_is_rebuilt(served, blobs, monkeypatch):
    calls = []

    def fake_build(out=None, raw=None, *, progress=True):
        calls.append(out)
        datasets.publish(out, blobs)

    monkeypatch.setattr(datasets, "build", fake_build)
    (served / datasets.BUILD_MANIFEST).unlink()  # a folder from before versioned builds
    assert len(datasets.load_national()) == 7 and len(calls) == 1
    m = json.loads((served / datasets.BUILD_MANIFEST).read_text())
    m["schema_sha256"] = "0" * 64  # built by a version with another schema
    body = {k: v for k, v in m.items() if k != "build_id"}
    m["build_id"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    (served / datasets.BUILD_MANIFEST).write_text(json.dumps(m))
    assert len(datasets.load_national()) == 7 and len(calls) == 2


def test_loaders_return_fresh_copies_and_check_their_arguments(served):
    a = datasets.load_results()
    a.loc[0, "index"] = -1.0
    assert datasets.load_results().loc[0, "index"] != -1.0
    assert len(datasets.load_results("official_report", "2023")) == 621
    assert set(datasets.load_results(year=["2023", 2024.0]).year) == {2023, 2024}
    for bad, match in (({"year": "abc"}, "year"), ({"year": []}, "at least one year"),
                       ({"source_kind": "news"}, "source_kind"), ({"year": True}, "boolean")):
        with pytest.raises(SPBEError, match=match):
            datasets.load_results(**bad)
