"""Build ``data/processed/`` from ``data/raw/``, and load it.

``python -m spbe_research.datasets build`` (or ``make data``) does, in order:

1. verify every raw file against ``data/raw/MANIFEST.sha256`` (a changed, missing or unlisted file
   stops the build, naming it) — raw data is never written to;
2. parse the official KemenPANRB report tables 2023 and 2024 (:mod:`.cleaning`) and the press table
   (:mod:`.press`);
3. give every row an ``institution_id`` (:mod:`.registry`; the official tables must match 100 %);
4. assemble the results panel, the national series, the published aggregates, the institutions and
   the press-versus-official cross-check; validate them; describe them in a Frictionless
   ``datapackage.json``;
5. write everything atomically (temporary files, then ``os.replace``) and deterministically
   (sorted rows, fixed formats: a rebuild gives identical bytes).

Loaders (:func:`load_results`, :func:`load_national`, :func:`load_aggregates`,
:func:`load_institutions`, :func:`load_press_cross_check`) find the processed folder from any working
directory (``SPBE_RESEARCH_DATA`` overrides it) and build it first if it is missing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import cleaning, press, registry
from .errors import SPBEError
from .frameworks import framework_for_year
from .scoring import PREDICATES

__all__ = [
    "build", "verify_raw", "write_manifest", "processed_dir", "raw_dir",
    "load_results", "load_national", "load_aggregates", "load_institutions", "load_press_cross_check",
    "load_covariates", "RESULT_COLUMNS",
]

REPORTS = {
    2023: ("kemenpanrb_reports/e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md",
           "KemenPANRB (2024). Laporan Evaluasi SPBE Tahun 2023"),
    2024: ("kemenpanrb_reports/20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md",
           "KemenPANRB (2025). Laporan Pelaksanaan Evaluasi SPBE 2024"),
}
NATIONAL_RAW = "frameworks/spbe_national_index.csv"
#: Report cells lost or garbled in the PDF→Markdown conversion, checked by hand against the raw files
#: (year, line in the Markdown file, field). Any other lost cell stops the build.
KNOWN_LOST_CELLS = {
    (2024, 853, "D1"),   # Kementerian Pertanian: D1 cell empty
    (2024, 854, "D1"),   # Kementerian ESDM: D1 cell empty
    (2024, 1406, "D1"),  # Provinsi Jawa Timur: D1 cell reads ",60"
}
MANIFEST = "MANIFEST.sha256"

RESULT_COLUMNS = [
    "institution_id", "institution_name", "institution_type", "province_code", "province_name", "island_group",
    "year", "framework", "source_kind", "stage", "stage_basis", "D1", "D2", "D3", "D4", "index", "predicate",
    "garbled_text", "recovered_field", "recovered_value", "recovered_low", "recovered_high", "recovered_candidates",
    "recovery_method", "quality_flags", "name_as_published", "name_clean", "match_method", "source", "source_table", "source_line", "source_row",
]
INSTITUTION_TYPES = ("kementerian", "lpnk", "lns_other", "provinsi", "kabupaten", "kota")


# --- locations -------------------------------------------------------------------------------------------

def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "data" / "raw").is_dir() and (here / "pyproject.toml").exists() else None


def raw_dir() -> Path:
    """``data/raw`` of the project (``SPBE_RESEARCH_DATA``/../raw when that variable is set)."""
    env = os.environ.get("SPBE_RESEARCH_DATA")
    if env:
        return Path(env).resolve().parent / "raw"
    root = _repo_root()
    if root is None:
        raise SPBEError("cannot find data/raw: install the package from a clone (pip install -e .) "
                        "or set SPBE_RESEARCH_DATA to the processed-data folder")
    return root / "data" / "raw"


def processed_dir() -> Path:
    """``data/processed`` of the project, or ``$SPBE_RESEARCH_DATA``."""
    env = os.environ.get("SPBE_RESEARCH_DATA")
    return Path(env).resolve() if env else raw_dir().parent / "processed"


# --- raw data integrity -------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _raw_files(raw: Path) -> list[str]:
    return sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(raw: Path | None = None) -> Path:
    """(Maintainers) record the sha256 of every raw file, after adding a file with its provenance."""
    raw = Path(raw or raw_dir())
    lines = [f"{_sha256(raw / f)}  {f}\n" for f in _raw_files(raw)]
    _atomic_write_bytes(raw / MANIFEST, "".join(lines).encode())
    return raw / MANIFEST


def verify_raw(raw: Path | None = None) -> pd.DataFrame:
    """Check every raw file against the manifest; raise :class:`SPBEError` naming the first problem."""
    raw = Path(raw or raw_dir())
    manifest = raw / MANIFEST
    if not manifest.exists():
        raise SPBEError("raw-data manifest is missing", file=str(manifest))
    listed = {}
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise SPBEError("malformed manifest line (expected '<sha256>  <path>')", file=str(manifest), row=n)
        listed[name] = digest
    present = set(_raw_files(raw))
    for name in sorted(listed):
        if name not in present:
            raise SPBEError("raw file listed in the manifest is missing", file=f"data/raw/{name}")
        if _sha256(raw / name) != listed[name]:
            raise SPBEError("raw file has changed since it was recorded (raw data is immutable: add a new file "
                            "with its provenance instead of editing one)", file=f"data/raw/{name}")
    extra = sorted(present - set(listed))
    if extra:
        raise SPBEError("raw file is not in the manifest (record its provenance in data/raw/SOURCES.csv, then "
                        "run spbe_research.datasets.write_manifest())", file=f"data/raw/{extra[0]}")
    sources = pd.read_csv(raw / "SOURCES.csv", dtype=str)
    undocumented = sorted(set(listed) - {"SOURCES.csv"} - set(sources["file"]))
    if undocumented:
        raise SPBEError("raw file has no provenance record", file="data/raw/SOURCES.csv", row=undocumented[0])
    return pd.DataFrame({"file": sorted(listed), "sha256": [listed[k] for k in sorted(listed)]})


# --- assembling the tables -----------------------------------------------------------------------------

def _match(names, *, type_hint, province_hint, year, strict, what) -> pd.DataFrame:
    m = registry.match_institutions(list(names), type_hint=type_hint, province_hint=province_hint, year=year, strict=False)
    if strict and (m["match_method"] == "unmatched").any():
        bad = m[m["match_method"] == "unmatched"]
        raise SPBEError(f"{len(bad)} institution name(s) of {what} not matched, e.g. {bad['name_raw'].iloc[0]!r}",
                        file=what, row=int(bad.index[0]) + 1, field="institution")
    return m.reset_index(drop=True)


def _official_rows(raw: Path) -> pd.DataFrame:
    parts = []
    for year, (rel, citation) in REPORTS.items():
        rows = cleaning.parse_report(raw / rel, year).reset_index(drop=True)
        m = _match(rows["name_clean"], type_hint=rows["category_hint"].tolist(),
                   province_hint=rows["province_hint"].tolist(), year=year, strict=True, what=f"data/raw/{rel}")
        parts.append(pd.DataFrame({
            **{c: m[c] for c in ("institution_id", "institution_name", "institution_type", "province_code",
                                 "province_name", "island_group", "match_method")},
            "year": year, "framework": framework_for_year(year).name, "source_kind": "official_report",
            "stage": "official", "stage_basis": "report", **{d: rows[d] for d in ("D1", "D2", "D3", "D4", "index", "predicate")},
            **{c: rows[c] for c in ("garbled_text", "recovered_field", "recovered_value", "recovered_low",
                                    "recovered_high", "recovered_candidates", "recovery_method", "quality_flags")},
            "name_as_published": rows["name_raw"].str.replace(r"<br\s*/?>", " ", regex=True).str.split().str.join(" "),
            "name_clean": rows["name_clean"],
            "source": citation + ", " + rows["source_table"],
            "source_table": rows["source_table"], "source_line": rows["source_line"], "source_row": rows["source_row"],
        }))
    return pd.concat(parts, ignore_index=True)


def _press_rows(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Press rows in panel form, the unmatched names, and the matched press table for the cross-check."""
    p = press.load_press_scores(raw / "press" / "spbe_scores_from_press.csv").reset_index(drop=True)
    m = _match(p["institution"], type_hint=p["institution_type"].tolist(), province_hint=p["province"].tolist(),
               year=p["year"].astype(int).tolist(), strict=False, what="data/raw/press/spbe_scores_from_press.csv")
    # Conflicts are judged per institution (id), not per spelling: two pages giving different
    # values — or different predicates — for the same institution and year.
    ids = m["institution_id"].fillna("unmatched:" + p["institution"])
    key = pd.DataFrame({"id": ids, "year": p["year"]})
    n_index = p.groupby([key["id"], key["year"]])["index"].transform("nunique")
    n_pred = p.groupby([key["id"], key["year"]])["predicate"].transform("nunique")
    conflict = (n_index > 1) | (n_pred > 1)
    flags = pd.Series(np.where(conflict, "press_conflict", ""), dtype=object)
    flags = flags.where(m["match_method"] != "unmatched", (flags + ";unmatched").str.strip(";"))
    years = p["year"].astype(int)
    rows = pd.DataFrame({
        **{c: m[c] for c in ("institution_id", "institution_name", "institution_type", "province_code",
                             "province_name", "island_group", "match_method")},
        "year": years, "framework": years.map(lambda y: framework_for_year(y).name),
        "source_kind": "press", "stage": p["stage"], "stage_basis": p["stage_basis"],
        "D1": np.nan, "D2": np.nan, "D3": np.nan, "D4": np.nan, "index": p["index"], "predicate": p["predicate"],
        "garbled_text": pd.NA, "recovered_field": pd.NA, "recovered_value": np.nan, "recovered_low": np.nan,
        "recovered_high": np.nan, "recovered_candidates": pd.NA, "recovery_method": pd.NA, "quality_flags": flags, "name_as_published": p["institution"], "name_clean": p["institution"],
        "source": p["source_url"], "source_table": "press/spbe_scores_from_press.csv", "source_line": pd.NA,
        "source_row": p["source_row"],
    })
    unmatched = rows.loc[rows["match_method"] == "unmatched", ["name_as_published", "year", "source", "source_row"]]
    # An unmatched press name keeps its row, with a readable placeholder id, never silently dropped.
    rows.loc[rows["match_method"] == "unmatched", "institution_id"] = "unmatched:" + rows["name_as_published"]
    rows.loc[rows["match_method"] == "unmatched", "institution_name"] = rows["name_as_published"]
    matched = p.assign(institution_id=m["institution_id"])[m["match_method"] != "unmatched"]
    return rows, unmatched, matched


def _results(official: pd.DataFrame, press_rows: pd.DataFrame) -> pd.DataFrame:
    res = pd.concat([official, press_rows], ignore_index=True)[RESULT_COLUMNS]
    res["quality_flags"] = res["quality_flags"].fillna("")
    order = res["source_kind"].map({"official_report": 0, "press": 1})
    res = res.assign(_o=order).sort_values(["year", "_o", "institution_id", "source_row"], kind="stable")
    return res.drop(columns="_o").reset_index(drop=True)


def _national(raw: Path) -> pd.DataFrame:
    nat = pd.read_csv(raw / NATIONAL_RAW)
    fw18 = nat["year"] <= 2020
    out = pd.DataFrame({
        "year": nat["year"], "framework": nat["year"].map(lambda y: framework_for_year(y).name),
        "index": nat["indeks_spbe_nasional"],
        # domain codes of the year's framework: under 5/2018 D3 is Layanan; under 59/2020 D3 is Manajemen
        "D1": nat["domain_kebijakan"], "D2": nat["domain_tata_kelola"],
        "D3": np.where(fw18, nat["domain_layanan"], nat["domain_manajemen"]),
        "D4": np.where(fw18, np.nan, nat["domain_layanan"]),
        "kebijakan": nat["domain_kebijakan"], "tata_kelola": nat["domain_tata_kelola"],
        "manajemen": nat["domain_manajemen"], "layanan": nat["domain_layanan"],
        "source": nat["source"],
    })
    return out


def _aggregates(raw: Path) -> pd.DataFrame:
    parts = [cleaning.parse_report_aggregates(raw / rel, year) for year, (rel, _) in REPORTS.items()]
    agg = pd.concat(parts, ignore_index=True)
    return agg.sort_values(["report_year", "source_table", "source_line", "year", "group", "component", "statistic"],
                           kind="stable").reset_index(drop=True)


def _institutions(results: pd.DataFrame) -> pd.DataFrame:
    inst = registry.load_institutions()
    seen = results.groupby("institution_id")["year"].agg(
        first_year="min", last_year="max", n_results="size").reset_index()
    inst = inst.merge(seen, on="institution_id", how="left")
    inst["n_results"] = inst["n_results"].fillna(0).astype(int)
    return inst.sort_values("institution_id", kind="stable").reset_index(drop=True)


def _cross_check(official: pd.DataFrame, press_matched: pd.DataFrame) -> pd.DataFrame:
    cross = press.cross_check(press_matched, official)
    cross = cross.merge(official[["institution_id", "year", "institution_name", "institution_type"]],
                        on=["institution_id", "year"], how="left")
    return cross.sort_values(["year", "institution_id", "source_row"], kind="stable").reset_index(drop=True)


# --- validation ----------------------------------------------------------------------------------------

def validate_results(res: pd.DataFrame) -> None:
    """Checks every build must pass (beyond the Frictionless schema)."""
    where = "data/processed/results.csv"
    if list(res.columns) != RESULT_COLUMNS:
        raise SPBEError("results columns differ from RESULT_COLUMNS", file=where)
    key = ["institution_id", "year", "source_kind", "source_row"]
    dup = res.duplicated(key)
    if dup.any():
        raise SPBEError("duplicate panel key", file=where, row=int(np.flatnonzero(dup)[0]) + 1, field=",".join(key))
    off = res[res["source_kind"] == "official_report"]
    if off["institution_id"].isna().any() or off.duplicated(["institution_id", "year"]).any():
        raise SPBEError("official rows must be matched once per institution and year", file=where, field="institution_id")
    counts = off.groupby("year").size().to_dict()
    if counts != {2023: 621, 2024: 615}:
        raise SPBEError(f"official row counts {counts} differ from the reports (621 in 2023, 615 in 2024)", file=where)
    bad_type = ~res["institution_type"].isin(INSTITUTION_TYPES) & (res["match_method"] != "unmatched")
    if bad_type.any():
        raise SPBEError(f"unknown institution_type {res.loc[bad_type, 'institution_type'].iloc[0]!r}", file=where,
                        row=int(np.flatnonzero(bad_type)[0]) + 1, field="institution_type")
    idx = res["index"]
    if ((idx < 0) | (idx > 5)).any():
        raise SPBEError("index outside 0-5", file=where, row=int(np.flatnonzero((idx < 0) | (idx > 5))[0]) + 1, field="index")
    pred = res["predicate"].dropna()
    if not pred.isin(PREDICATES).all():
        raise SPBEError(f"unknown predicate {pred[~pred.isin(PREDICATES)].iloc[0]!r}", file=where, field="predicate")
    if off["index"].isna().any():
        raise SPBEError("an official row has no index", file=where, field="index")
    if off["predicate"].isna().any():
        r = off[off["predicate"].isna()].iloc[0]
        raise SPBEError("an official row has no readable predicate", file=r["source_table"], row=r["source_line"], field="predicate")
    lost = off["quality_flags"].str.contains(r"(?:^|;)(?:d[1-4]|index|predicate)_(?:missing|garbled)(?:;|$)")
    for _, r in off[lost].iterrows():  # error path and a handful of rows: the known conversion defects
        fields = {f.split("_")[0].upper() for f in r["quality_flags"].split(";") if f.endswith(("_missing", "_garbled"))}
        for field in fields:
            if (r["year"], int(r["source_line"]), field) not in KNOWN_LOST_CELLS:
                raise SPBEError("a report cell is lost or unreadable and is not a known conversion defect "
                                "(check the raw file, then list it in datasets.KNOWN_LOST_CELLS)",
                                file=REPORTS[r["year"]][0], row=int(r["source_line"]), field=field)


# --- writing --------------------------------------------------------------------------------------------

def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def build(out: Path | None = None, raw: Path | None = None, *, progress: bool = True) -> dict[str, Path]:
    """Build every processed file from raw; returns ``{name: path}``. Nothing is written unless all steps pass."""
    from tqdm.auto import tqdm

    from . import datapackage

    raw = Path(raw or raw_dir())
    out = Path(out or processed_dir())
    steps = tqdm(total=7, desc="building data/processed", disable=not progress, leave=False)

    def step(label):
        steps.set_postfix_str(label)
        steps.update(1)

    verify_raw(raw); step("raw files verified")
    official = _official_rows(raw); step("official reports parsed and matched")
    press_rows, unmatched, press_matched = _press_rows(raw); step("press table parsed and matched")
    results = _results(official, press_rows)
    validate_results(results); step("panel validated")
    tables = {
        "results": results,
        "national": _national(raw),
        "aggregates": _aggregates(raw),
        "institutions": _institutions(results),
        "press_vs_official": _cross_check(official, press_matched),
        "unmatched_names": unmatched.reset_index(drop=True),
        "covariates": _covariates(raw),
    }
    step("tables assembled")
    blobs = {f"{name}.csv": _csv_bytes(df) for name, df in tables.items()}
    descriptor = datapackage.describe(tables)
    blobs["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:  # validate the exact bytes before anything is replaced
        for name, data in blobs.items():
            (Path(tmp) / name).write_bytes(data)
        datapackage.validate(Path(tmp) / "datapackage.json")
    step("datapackage validated")
    paths = {}
    for name, data in blobs.items():
        _atomic_write_bytes(out / name, data)
        paths[name] = out / name
    step("written")
    steps.close()
    return paths


# --- loaders --------------------------------------------------------------------------------------------

_STR = {"institution_id": "string", "province_code": "string", "source_row": "Int64", "source_line": "Int64"}


def _read(name: str, dtype=None) -> pd.DataFrame:
    path = processed_dir() / f"{name}.csv"
    if not path.exists():
        build(progress=False)
    return pd.read_csv(path, dtype=dtype, keep_default_na=True)


def _predicates(s: pd.Series) -> pd.Series:
    return pd.Series(pd.Categorical(s, categories=PREDICATES, ordered=True), index=s.index, name=s.name)


def load_results(source_kind: str | None = None, year=None) -> pd.DataFrame:
    """The results panel: one row per institution × evaluation year × source.

    ``source_kind``: ``"official_report"`` or ``"press"`` (default both); ``year``: one year or a list.
    ``predicate`` is an ordered categorical (Kurang < … < Memuaskan). Values are as published; recovered
    values are in ``recovered_*`` columns, never in ``D1``…``index``.
    """
    res = _read("results", dtype={**_STR, "quality_flags": "string"})
    res["quality_flags"] = res["quality_flags"].fillna("")
    res["predicate"] = _predicates(res["predicate"])
    if source_kind is not None:
        if source_kind not in ("official_report", "press"):
            raise SPBEError(f"source_kind must be 'official_report' or 'press', got {source_kind!r}", field="source_kind")
        res = res[res["source_kind"] == source_kind]
    if year is not None:
        res = res[res["year"].isin(np.atleast_1d(year))]
    return res.reset_index(drop=True)


def load_national() -> pd.DataFrame:
    """National SPBE index and domain means 2018–2024 (``D1``… in the codes of each year's framework,
    plus named columns ``kebijakan``, ``tata_kelola``, ``manajemen``, ``layanan``)."""
    return _read("national")


def load_aggregates() -> pd.DataFrame:
    """Published aggregates (means, max, min by group, domain and aspect) from the 2023 and 2024 reports."""
    return _read("aggregates")


def load_institutions() -> pd.DataFrame:
    """Every known institution with its id, type and province, and the years it appears in the panel."""
    return _read("institutions", dtype={"institution_id": "string", "province_code": "string"})


def load_press_cross_check() -> pd.DataFrame:
    """Press scores 2023–2024 set against the official tables (one row per matched press row)."""
    return _read("press_vs_official", dtype={"institution_id": "string"})


# --- region covariates (spbe_research.covariates) --------------------------------------------------------

def _covariates(raw: Path) -> pd.DataFrame:
    """The tidy covariate table (one row per region x year) from ``data/raw/covariates/``."""
    from . import covariates

    return covariates.build_covariates(raw).table


def load_covariates(year=None) -> pd.DataFrame:
    """Region covariates: one row per province or kabupaten/kota x year, keyed by ``institution_id``.

    IPM and components, GRDP per capita, population, area, density and the 2021 poverty cross-section;
    units in the column names, series and source of each column in ``datapackage.json`` and in
    :func:`spbe_research.covariates.column_sources`. ``year``: one year or a list.
    """
    cov = _read("covariates", dtype={"institution_id": "string", "province_code": "string",
                                     "quality_flags": "string", "population": "Int64", "population_male": "Int64",
                                     "population_female": "Int64"})
    cov["quality_flags"] = cov["quality_flags"].fillna("")
    if year is not None:
        cov = cov[cov["year"].isin(np.atleast_1d(year))]
    return cov.reset_index(drop=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spbe_research.datasets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build data/processed from data/raw")
    b.add_argument("--out", type=Path, default=None)
    sub.add_parser("verify", help="verify data/raw against its manifest")
    sub.add_parser("manifest", help="(maintainers) rewrite data/raw/MANIFEST.sha256")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            paths = build(args.out, progress=sys.stderr.isatty())
            print(f"built {len(paths)} files in {Path(next(iter(paths.values()))).parent}")
        elif args.cmd == "verify":
            print(f"{len(verify_raw())} raw files match the manifest")
        else:
            print(f"wrote {write_manifest()}")
    except SPBEError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
