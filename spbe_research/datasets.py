"""Build ``data/processed/`` from ``data/raw/``, and load it, validated.

Building (``python -m spbe_research.datasets build``, or ``make data``)
---------------------------------------------------------------------
1. Verify every raw file against ``data/raw/MANIFEST.sha256`` (a changed, missing or unlisted file
   stops the build, naming it); raw data is never written to.
2. Build every table of :data:`TABLES` in memory — each entry is a name, a builder and a schema
   (:mod:`.datapackage`), so a new processed table is one more entry — check it against its schema,
   serialise it deterministically (sorted rows, fixed formats: a rebuild gives identical bytes) and
   read the bytes back with the loaders' own validating reader. Describe the set in a Frictionless
   ``datapackage.json`` and validate that with Frictionless too.
3. Write a ``build_manifest.json``: the build id (content-derived, so also deterministic), the data
   version (package version, sha256 of the raw manifest), the schema hash, and every file's sha256,
   size and row count.
4. Publish the set all-or-nothing (below).

Publishing: why a symlink
-------------------------
``data/processed`` is a symbolic link to a complete, immutable build directory
``data/processed.<build-id>/``. A build writes the new set into a fresh sibling
``data/processed.<build-id>.<random>.tmp/``, fsyncs every file and the directory, renames it to
``data/processed.<build-id>`` and then replaces the link in one ``os.replace`` (an atomic rename of a
new link over the old one), fsyncing the parent folder around both renames. A reader that resolves
``data/processed`` therefore sees either the old complete set or the new one, never a mixture, and a
build killed at any instant leaves the previous set served intact. Two directories cannot be swapped
atomically with portable calls, and a pointer file (``CURRENT``) would change the path users open;
the link keeps ``data/processed/results.csv`` working for every tool. Builds take an exclusive lock
on the parent folder; each build first removes the leftovers of killed builds (``*.tmp`` folders and
links, superseded build directories). A plain ``data/processed/`` folder from before versioned builds
is replaced by the link (once; its files must be the build's own). The link needs a file system with
symbolic links (Linux, macOS). Operating-system errors (read-only folder, a file where the folder
should be, a full disk) become :class:`~spbe_research.errors.SPBEError` naming the path.

Loading
-------
Loaders (:func:`load_results`, :func:`load_national`, :func:`load_aggregates`,
:func:`load_institutions`, :func:`load_press_cross_check`, :func:`load_unmatched_names`) find the
processed folder from any working directory (``SPBE_RESEARCH_DATA`` overrides it), build it first if
it is missing or was built by a version of the package with another schema, and never return data
that fails a check: the file's sha256 and row count must match the manifest, and every value must
pass its schema (types, ranges, enumerations, patterns, unique primary key), else
:class:`~spbe_research.errors.SPBEError` names the file, the line and the field. Validated frames are
cached by checksum; every call returns a fresh copy.

Raw reference files that analyses and figures need (the Kemendagri regency list, the province map)
are reached through :func:`raw_path`, which honours ``SPBE_RESEARCH_DATA`` too.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks, datapackage
from .errors import SPBEError
from .paths import MANIFEST, is_packaged, processed_dir, raw_dir, raw_path
from .frameworks import framework_for_year
from .scoring import PREDICATES
from .vocabulary import CATEGORY_TYPES, SOURCE_KINDS

__all__ = [
    "build", "verify_raw", "write_manifest", "processed_dir", "raw_dir", "raw_path", "build_manifest",
    "load_results", "load_national", "load_aggregates", "load_institutions", "load_press_cross_check",
    "load_unmatched_names", "load_covariates", "data_version", "import_results", "export", "Table", "TABLES",
    "RESULT_COLUMNS", "BUILD_MANIFEST", "BuildManifest", "assemble", "publish",
]


@dataclass(frozen=True)
class Report:
    """One official report: its Markdown conversion under ``data/raw``, citation and printed row count."""

    path: str
    citation: str
    n_rows: int


REPORTS = {
    2023: Report("kemenpanrb_reports/e34ab432_LAPORAN_EVALUASI_SPBE_KemenpanRB_2023.md",
                 "KemenPANRB (2024). Laporan Evaluasi SPBE Tahun 2023", 621),
    2024: Report("kemenpanrb_reports/20250313_Laporan_Pelaksanaan_Evaluasi_SPBE_2024.md",
                 "KemenPANRB (2025). Laporan Pelaksanaan Evaluasi SPBE 2024", 615),
}
NATIONAL_RAW = "frameworks/spbe_national_index.csv"
PRESS_RAW = "press/spbe_scores_from_press.csv"
#: Report cells lost or garbled in the PDF→Markdown conversion, checked by hand against the raw files
#: (year, line in the Markdown file, field). Any other lost cell stops the build.
KNOWN_LOST_CELLS = {
    (2024, 853, "D1"),   # Kementerian Pertanian: D1 cell empty
    (2024, 854, "D1"),   # Kementerian ESDM: D1 cell empty
    (2024, 1406, "D1"),  # Provinsi Jawa Timur: D1 cell reads ",60"
}
BUILD_MANIFEST = "build_manifest.json"
_MANIFEST_FORMAT = 1

RESULT_COLUMNS = datapackage.RESULTS.columns


# --- locations -------------------------------------------------------------------------------------------

# --- raw data integrity -------------------------------------------------------------------------------------

def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    with _os_errors("write the raw manifest"):
        tmp = raw / f".{MANIFEST}.{secrets.token_hex(4)}.tmp"
        try:
            _write_synced(tmp, "".join(lines).encode())
            os.replace(tmp, raw / MANIFEST)
        finally:
            tmp.unlink(missing_ok=True)
    return raw / MANIFEST


def verify_raw(raw: Path | None = None) -> pd.DataFrame:
    """Check every raw file against the manifest; raise :class:`SPBEError` naming the first problem."""
    raw = Path(raw or raw_dir())
    manifest = raw / MANIFEST
    if not manifest.is_file():
        raise SPBEError("raw-data manifest is missing", file=str(manifest))
    listed = {}
    with _os_errors("read the raw data"):
        for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
            digest, sep, name = line.partition("  ")
            if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise SPBEError("malformed manifest line (expected '<sha256>  <path>')", file=str(manifest), row=n)
            listed[name] = digest
        present = set(_raw_files(raw))
        for name in sorted(listed):
            if name not in present:
                raise SPBEError("raw file listed in the manifest is missing", file=f"data/raw/{name}")
            if _sha256(raw / name) != listed[name]:
                raise SPBEError("raw file has changed since it was recorded (raw data is immutable: add a new "
                                "file with its provenance instead of editing one)", file=f"data/raw/{name}")
        extra = sorted(present - set(listed))
        if extra:
            raise SPBEError("raw file is not in the manifest (record its provenance in data/raw/SOURCES.csv, "
                            "then run spbe_research.datasets.write_manifest())", file=f"data/raw/{extra[0]}")
        sources = pd.read_csv(raw / "SOURCES.csv", dtype=str)
    undocumented = sorted(set(listed) - {"SOURCES.csv"} - set(sources["file"]))
    if undocumented:
        raise SPBEError("raw file has no provenance record", file="data/raw/SOURCES.csv", row=undocumented[0])
    return pd.DataFrame({"file": sorted(listed), "sha256": [listed[k] for k in sorted(listed)]})


# --- assembling the tables -----------------------------------------------------------------------------

def _match(names, *, type_hint, province_hint, year, strict, what) -> pd.DataFrame:
    from . import registry

    m = registry.match_institutions(list(names), type_hint=type_hint, province_hint=province_hint, year=year, strict=False)
    if strict and (m["match_method"] == "unmatched").any():
        bad = m[m["match_method"] == "unmatched"]
        raise SPBEError(f"{len(bad)} institution name(s) of {what} not matched, e.g. {bad['name_raw'].iloc[0]!r}",
                        file=what, row=int(bad.index[0]) + 1, field="institution")
    return m.reset_index(drop=True)


_REGISTRY_FIELDS = ("institution_id", "institution_name", "institution_type", "province_code", "province_name",
                    "island_group", "match_method")
_AUDIT = ("index_recomputed", "residual", "tolerance", "within_tolerance")
_RECOVERY = ("garbled_text", "recovered_field", "recovered_value", "recovered_low", "recovered_high",
             "recovered_candidates", "recovery_method", "quality_flags")


def _official_rows(raw: Path) -> pd.DataFrame:
    from . import cleaning

    parts = []
    for year, rep in REPORTS.items():
        rows = cleaning.parse_report(raw / rep.path, year).reset_index(drop=True)
        m = _match(rows["name_clean"], type_hint=rows["category_hint"].tolist(),
                   province_hint=rows["province_hint"].tolist(), year=year, strict=True, what=f"data/raw/{rep.path}")
        expected = rows["category_hint"].map(CATEGORY_TYPES)
        off = (m["institution_type"] != expected).to_numpy()
        if off.any():  # the report's grouping and the registry's type must agree
            i = int(np.flatnonzero(off)[0])
            raise SPBEError(f"{rows['name_clean'].iloc[i]!r} is printed under {rows['category_hint'].iloc[i]!r} but the "
                            f"registry types it {m['institution_type'].iloc[i]!r}", file=f"data/raw/{rep.path}",
                            row=int(rows["source_line"].iloc[i]), field="institution_type")
        parts.append(pd.DataFrame({
            **{c: m[c] for c in _REGISTRY_FIELDS},
            "year": year, "framework": framework_for_year(year).name, "source_kind": "official_report",
            "stage": "official", "stage_basis": "report",
            **{c: rows[c] for c in ("D1", "D2", "D3", "D4", "index", "predicate", *_AUDIT, *_RECOVERY)},
            "name_as_published": rows["name_raw"].str.replace(r"<br\s*/?>", " ", regex=True).str.split().str.join(" "),
            "name_clean": rows["name_clean"],
            "source": rep.citation + ", " + rows["source_table"],
            "source_table": rows["source_table"], "source_line": rows["source_line"], "source_row": rows["source_row"],
        }))
    return pd.concat(parts, ignore_index=True)


def _press_rows(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Press rows in panel form, the unmatched names, and the matched press table for the cross-check."""
    from . import press, reproduce

    p = press.load_press_scores(raw / PRESS_RAW).reset_index(drop=True)
    m = _match(p["institution"], type_hint=p["institution_type"].tolist(), province_hint=p["province"].tolist(),
               year=p["year"].astype(int).tolist(), strict=False, what=f"data/raw/{PRESS_RAW}")
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
        **{c: m[c] for c in _REGISTRY_FIELDS},
        "year": years, "framework": years.map(lambda y: framework_for_year(y).name),
        "source_kind": "press", "stage": p["stage"], "stage_basis": p["stage_basis"],
        "D1": np.nan, "D2": np.nan, "D3": np.nan, "D4": np.nan, "index": p["index"], "predicate": p["predicate"],
        "garbled_text": pd.NA, "recovered_field": pd.NA, "recovered_value": np.nan, "recovered_low": np.nan,
        "recovered_high": np.nan, "recovered_candidates": pd.NA, "recovery_method": pd.NA, "quality_flags": flags,
        "name_as_published": p["institution"], "name_clean": p["institution"],
        "source": p["source_url"], "source_table": PRESS_RAW, "source_line": pd.NA,
        "source_row": p["source_row"],
    })
    rows = pd.concat([rows, reproduce.recompute(rows)], axis=1)  # the same audit as the official rows
    unmatched = rows.loc[rows["match_method"] == "unmatched", ["name_as_published", "year", "source", "source_row"]]
    # An unmatched press name keeps its row, with a readable placeholder id, never silently dropped.
    rows.loc[rows["match_method"] == "unmatched", "institution_id"] = "unmatched:" + rows["name_as_published"]
    rows.loc[rows["match_method"] == "unmatched", "institution_name"] = rows["name_as_published"]
    matched = p.assign(institution_id=m["institution_id"])[m["match_method"] != "unmatched"]
    return rows, unmatched.reset_index(drop=True), matched


class _Build:
    """What the builders share: the raw folder, the parsed sources (each parsed once) and the tables built so far."""

    def __init__(self, raw: Path):
        self.raw = raw
        self.tables: dict[str, pd.DataFrame] = {}

    @cached_property
    def official(self) -> pd.DataFrame:
        return _official_rows(self.raw)

    @cached_property
    def press(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return _press_rows(self.raw)


def _build_results(b: _Build) -> pd.DataFrame:
    from . import importer

    press_rows = b.press[0]
    published = pd.concat([b.official, press_rows], ignore_index=True)
    imported = importer.build_imported(b.raw)  # results researchers added (data/raw/imported/), never overwriting
    if len(imported):
        imported = importer.flag_against_panel(imported, published)
    parts = [df.reindex(columns=RESULT_COLUMNS) for df in (b.official, imported, press_rows) if len(df)]
    res = pd.concat(parts, ignore_index=True)[RESULT_COLUMNS]
    res["quality_flags"] = res["quality_flags"].fillna("")
    res["within_tolerance"] = res["within_tolerance"].astype("boolean")
    res = res.astype({"source_line": "Int64", "source_row": "int64", "year": "int64",
                      **{f"A{k}": "float64" for k in range(1, 9)}})
    order = res["source_kind"].map({k: i for i, k in enumerate(SOURCE_KINDS)})
    res = res.assign(_o=order).sort_values(["year", "_o", "institution_id", "source_row"], kind="stable")
    res = res.drop(columns="_o").reset_index(drop=True)
    validate_results(res)
    return res


#: Columns of the raw national series by the concept they measure (the file names them in Indonesian).
_NATIONAL_CONCEPT_COLUMNS = {"policy": "domain_kebijakan", "governance": "domain_tata_kelola",
                             "management": "domain_manajemen", "services": "domain_layanan"}


def _build_national(b: _Build) -> pd.DataFrame:
    nat = pd.read_csv(b.raw / NATIONAL_RAW)
    fws = [framework_for_year(int(y)) for y in nat["year"]]
    # each year's domain codes come from its framework: a domain takes the raw column of its concept
    # (services are D3 under 5/2018 and D4 under 59/2020)
    domains = {}
    for d in ("D1", "D2", "D3", "D4"):
        col = [_NATIONAL_CONCEPT_COLUMNS[fw.concept_of(d).iloc[0]] if d in fw.domain_codes else None for fw in fws]
        domains[d] = [nat.at[i, c] if c is not None else np.nan for i, c in enumerate(col)]
    by_name = {c.removeprefix("domain_"): nat[c] for c in _NATIONAL_CONCEPT_COLUMNS.values()}
    return pd.DataFrame({
        "year": nat["year"], "framework": [fw.name for fw in fws], "index": nat["indeks_spbe_nasional"],
        **domains, **by_name, "source": nat["source"],
    })


def _build_aggregates(b: _Build) -> pd.DataFrame:
    from . import cleaning

    parts = [cleaning.parse_report_aggregates(b.raw / rep.path, year) for year, rep in REPORTS.items()]
    agg = pd.concat(parts, ignore_index=True)
    return agg.sort_values(["report_year", "source_table", "source_line", "year", "group", "component", "statistic"],
                           kind="stable").reset_index(drop=True)


def _build_institutions(b: _Build) -> pd.DataFrame:
    from . import registry

    results = b.tables["results"]
    inst = registry.load_institutions()
    seen = results.groupby("institution_id")["year"].agg(
        first_year="min", last_year="max", n_results="size").reset_index()
    inst = inst.merge(seen, on="institution_id", how="left")
    inst["n_results"] = inst["n_results"].fillna(0).astype(int)
    for c in ("first_year", "last_year"):
        inst[c] = inst[c].astype("Int64")
    return inst.sort_values("institution_id", kind="stable").reset_index(drop=True)


def _build_cross_check(b: _Build) -> pd.DataFrame:
    from . import press

    official = b.official
    cross = press.cross_check(b.press[2], official)
    cross = cross.merge(official[["institution_id", "year", "institution_name", "institution_type"]],
                        on=["institution_id", "year"], how="left")
    return cross.sort_values(["year", "institution_id", "source_row"], kind="stable").reset_index(drop=True)


def _build_unmatched(b: _Build) -> pd.DataFrame:
    return b.press[1]


def _build_covariates(b: _Build) -> pd.DataFrame:
    """The tidy covariate table (one row per region × year) from ``data/raw/covariates/``."""
    from . import covariates

    return covariates.build_covariates(b.raw).table


@dataclass(frozen=True)
class Table:
    """One processed table: its name (the file is ``<name>.csv``), its builder and its schema.

    ``build`` takes the build context (``.raw`` folder, parsed ``.official`` and ``.press`` rows, and
    ``.tables``, the tables built before it in :data:`TABLES`) and returns the frame to write.
    """

    name: str
    build: Callable[[_Build], pd.DataFrame]
    schema: datapackage.Schema


#: The processed tables, built in this order. A new table is one more entry here (with its schema in
#: :mod:`.datapackage` and a loader below).
TABLES: tuple[Table, ...] = (
    Table("results", _build_results, datapackage.RESULTS),
    Table("national", _build_national, datapackage.NATIONAL),
    Table("aggregates", _build_aggregates, datapackage.AGGREGATES),
    Table("institutions", _build_institutions, datapackage.INSTITUTIONS),
    Table("press_vs_official", _build_cross_check, datapackage.PRESS_VS_OFFICIAL),
    Table("unmatched_names", _build_unmatched, datapackage.UNMATCHED_NAMES),
    Table("covariates", _build_covariates, datapackage.COVARIATES),
)


def _schemas() -> dict[str, datapackage.Schema]:
    return {t.name: t.schema for t in TABLES}


# --- validation ----------------------------------------------------------------------------------------

def validate_results(res: pd.DataFrame) -> None:
    """Rules of the panel beyond its schema, checked on every build."""
    where = "data/processed/results.csv"
    datapackage.RESULTS.check_frame(res)
    key = list(datapackage.RESULTS.primary_key)
    dup = res.duplicated(key)
    if dup.any():
        raise SPBEError("duplicate panel key", file=where, row=int(np.flatnonzero(dup)[0]) + 1, field=",".join(key))
    off = res[res["source_kind"] == "official_report"]
    if off["institution_id"].isna().any() or off.duplicated(["institution_id", "year"]).any():
        raise SPBEError("official rows must be matched once per institution and year", file=where, field="institution_id")
    counts = off.groupby("year").size().to_dict()
    expected = {y: r.n_rows for y, r in REPORTS.items()}
    if counts != expected:
        raise SPBEError(f"official row counts {counts} differ from the reports {expected}", file=where)
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
                                file=REPORTS[r["year"]].path, row=int(r["source_line"]), field=field)


# --- serialising ----------------------------------------------------------------------------------------

def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def _json_bytes(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _manifest(blobs: dict[str, bytes], rows: dict[str, int], raw: Path) -> dict:
    from . import __version__

    files = {name: {"sha256": _sha256_bytes(data), "bytes": len(data), **({"rows": rows[name]} if name in rows else {})}
             for name, data in sorted(blobs.items())}
    body = {
        "format": _MANIFEST_FORMAT,
        "package_version": __version__,
        "raw_manifest_sha256": _sha256(raw / MANIFEST),
        "schema_sha256": datapackage.schema_hash(_schemas().values()),
        "files": files,
    }
    build_id = _sha256_bytes(json.dumps(body, sort_keys=True).encode("utf-8"))[:16]
    return {"build_id": build_id, **body}


def assemble(raw: Path | None = None, *, progress: bool = False) -> dict[str, bytes]:
    """Every file of a processed set, as bytes (tables, ``datapackage.json``, ``build_manifest.json``), validated.

    Nothing is written (except Frictionless's validation copy in a temporary folder).
    """
    from tqdm.auto import tqdm

    raw = Path(raw or raw_dir())
    steps = tqdm(total=len(TABLES) + 3, desc="building data/processed", disable=not progress, leave=False)

    def step(label):
        steps.set_postfix_str(label)
        steps.update(1)

    try:
        verify_raw(raw); step("raw files verified")
        b = _Build(raw)
        blobs, rows = {}, {}
        for t in TABLES:
            df = t.build(b)
            t.schema.check_frame(df)
            b.tables[t.name] = df
            data = _csv_bytes(df)
            t.schema.parse(data, file=f"data/processed/{t.schema.file}", rows=len(df))  # what loaders will read
            blobs[t.schema.file], rows[t.schema.file] = data, len(df)
            step(t.name)
        blobs["datapackage.json"] = _json_bytes(datapackage.describe(t.schema for t in TABLES))
        with tempfile.TemporaryDirectory() as tmp, _os_errors("validate the data package"):
            for name, data in blobs.items():
                (Path(tmp) / name).write_bytes(data)
            datapackage.validate(Path(tmp) / "datapackage.json")
        step("datapackage validated")
        blobs[BUILD_MANIFEST] = _json_bytes(_manifest(blobs, rows, raw))
        step("manifest")
    finally:
        steps.close()
    return blobs


def build(out: Path | None = None, raw: Path | None = None, *, progress: bool = True) -> dict[str, Path]:
    """Build every processed file from raw and publish the set atomically; returns ``{file name: path}``.

    Nothing visible changes unless every step passes; see the module docstring for how the set is
    published. ``out`` is the path users read (default :func:`processed_dir`).
    """
    out = Path(out or processed_dir()).absolute()
    blobs = assemble(raw, progress=progress)
    publish(out, blobs)
    return {name: out / name for name in blobs}


# --- publishing ------------------------------------------------------------------------------------------

_ERRNO_HINTS = {
    errno.EACCES: "permission denied", errno.EPERM: "operation not permitted", errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device", errno.ENOTDIR: "a file is where a folder should be",
    errno.EEXIST: "a file is in the way", errno.EISDIR: "a folder is where a file should be",
}


@contextlib.contextmanager
def _os_errors(doing: str):
    """Turn an operating-system error into an :class:`SPBEError` naming the path and the reason."""
    try:
        yield
    except SPBEError:
        raise
    except OSError as e:
        why = _ERRNO_HINTS.get(e.errno, e.strerror or type(e).__name__)
        raise SPBEError(f"cannot {doing}: {why}", file=e.filename and str(e.filename)) from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(folder: Path):
    """Exclusive lock on ``folder`` (flock on the directory itself: no lock file to leave behind)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): builds are not serialised there
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _target(out: Path) -> Path | None:
    """The build directory ``out`` links to, or ``None`` if ``out`` is no link."""
    if not out.is_symlink():
        return None
    return (out.parent / os.readlink(out)).absolute()


def _is_ours(out: Path, p: Path) -> bool:
    """Is ``p`` a build directory, a staging folder or a link/legacy leftover of builds of ``out``?"""
    n = re.escape(out.name)
    return bool(re.fullmatch(rf"{n}\.[0-9a-f]{{16}}(?:\.\w+)?(?:\.tmp)?|\.{n}\.[\w.-]+\.tmp|{n}\.legacy\.[0-9a-f]+\.tmp",
                             p.name))


def _clean_leftovers(out: Path, keep: Path | None) -> None:
    """Remove everything previous builds of ``out`` left beside it, except ``keep`` (the served set)."""
    for p in out.parent.iterdir():
        if p == out or (keep is not None and p == keep) or not _is_ours(out, p):
            continue
        if p.is_symlink() or p.is_file():
            p.unlink()
        else:
            shutil.rmtree(p)


_LEGACY_FILES = re.compile(r"\.gitkeep|[a-z_]+\.csv|datapackage\.json|build_manifest\.json|\..+\.tmp")


def _switch(out: Path, final: Path) -> None:
    """Point ``out`` at ``final`` in one atomic step (a new link renamed over the old one)."""
    parent = out.parent
    if out.exists() and not out.is_symlink():
        if not out.is_dir():
            raise SPBEError("a file is where the processed-data folder should be; move it away", file=str(out))
        stray = [p.name for p in out.iterdir() if not _LEGACY_FILES.fullmatch(p.name)]
        if stray:
            raise SPBEError(f"the processed-data folder holds a file the build did not make ({stray[0]!r}); move it "
                            "away, the folder is replaced by a link to the built set", file=str(out))
        aside = parent / f"{out.name}.legacy.{secrets.token_hex(4)}.tmp"  # a folder from before versioned builds
        os.rename(out, aside)
        os.symlink(final.name, out)
        _fsync_dir(parent)
        shutil.rmtree(aside)
        return
    link = parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    os.symlink(final.name, link)
    os.replace(link, out)
    _fsync_dir(parent)


def _intact(folder: Path, blobs: dict[str, bytes]) -> bool:
    try:
        return sorted(p.name for p in folder.iterdir()) == sorted(blobs) and all(
            (folder / n).read_bytes() == data for n, data in blobs.items())
    except OSError:
        return False


def _stage(parent: Path, name: str, build_id: str, blobs: dict[str, bytes]) -> Path:
    """Write the set into a fresh ``<name>.<build-id>.<random>.tmp`` folder, every file and the folder fsynced."""
    staging = Path(tempfile.mkdtemp(prefix=f"{name}.{build_id}.", suffix=".tmp", dir=parent))
    os.chmod(staging, 0o755)
    for fname in sorted(blobs, key=lambda n: n == BUILD_MANIFEST):  # the manifest last
        _write_synced(staging / fname, blobs[fname])
    _fsync_dir(staging)
    return staging


def _promote(staging: Path, final: Path) -> None:
    """Rename the complete staging folder to its build directory."""
    os.rename(staging, final)
    _fsync_dir(final.parent)


def publish(out: Path, blobs: dict[str, bytes]) -> Path:
    """Publish a complete set (from :func:`assemble`) at ``out``, all or nothing; returns its build directory."""
    out = Path(out).absolute()
    build_id = json.loads(blobs[BUILD_MANIFEST])["build_id"]
    parent = out.parent
    with _os_errors(f"publish the processed data at {out}"):
        if parent.exists() and not parent.is_dir():
            raise SPBEError("a file is where the data folder should be", file=str(parent))
        parent.mkdir(parents=True, exist_ok=True)
        with _locked(parent):
            current = _target(out)
            if current is not None and not current.is_dir():
                current = None  # a dangling link: nothing is served
            _clean_leftovers(out, keep=current)
            final = parent / f"{out.name}.{build_id}"
            if current == final and _intact(final, blobs):
                return final  # this exact set is already served
            if current == final:  # served but damaged: publish beside it, then drop it
                final = parent / f"{out.name}.{build_id}.{secrets.token_hex(4)}"
            staging = _stage(parent, out.name, build_id, blobs)
            try:
                _promote(staging, final)
                _switch(out, final)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                if _target(out) != final:
                    shutil.rmtree(final, ignore_errors=True)
                raise
            _clean_leftovers(out, keep=final)
    return final


# --- loaders --------------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], pd.DataFrame] = {}


@dataclass(frozen=True)
class BuildManifest:
    """What a processed set is: its build id, data version, schema hash and every file's checksum.

    ``.to_frame()`` gives one tidy row per file (``file``, ``sha256``, ``bytes``, ``rows``).
    """

    build_id: str
    package_version: str
    raw_manifest_sha256: str
    schema_sha256: str
    files: tuple[tuple[str, str, int, int | None], ...]  # (file, sha256, bytes, rows)

    @classmethod
    def from_dict(cls, m: dict) -> BuildManifest:
        files = tuple((name, e["sha256"], int(e["bytes"]), e.get("rows")) for name, e in sorted(m["files"].items()))
        return cls(m["build_id"], m["package_version"], m["raw_manifest_sha256"], m["schema_sha256"], files)

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame(list(self.files), columns=["file", "sha256", "bytes", "rows"])
        out["rows"] = out["rows"].astype("Int64")
        return out.assign(build_id=self.build_id)


def build_manifest() -> BuildManifest:
    """The manifest of the served processed set (build id, data version, schema hash, files), validated."""
    return BuildManifest.from_dict(_served_manifest()[0])


def _served_manifest() -> tuple[dict, Path]:
    """The served set's manifest and its build directory, resolved once: a concurrent build that switches
    the link between two reads cannot make a reader mix two sets."""
    out = processed_dir()
    if is_packaged(out):  # the set shipped in the wheel: read-only, never rebuilt
        manifest = _read_manifest(out)
        if manifest is None or manifest.get("schema_sha256") != datapackage.schema_hash(_schemas().values()):
            raise SPBEError("the data shipped with this installation do not match its code (reinstall the package)",
                            file=str(out / BUILD_MANIFEST))
        return manifest, out
    if not out.exists():  # missing, or a link whose build directory is gone
        build(out, progress=False)
    with _os_errors("read the processed data"):
        real = out.resolve()
        manifest = _read_manifest(real, shown=out)
        if manifest is None or manifest.get("schema_sha256") != datapackage.schema_hash(_schemas().values()):
            # a folder from before versioned builds, or built by a version with another schema: rebuild
            build(out, progress=False)
            real = out.resolve()
            manifest = _read_manifest(real, shown=out)
    if manifest is None:
        raise SPBEError("the processed set has no build manifest", file=str(out / BUILD_MANIFEST))
    return manifest, real


def _read_manifest(folder: Path, shown: Path | None = None) -> dict | None:
    path = folder / BUILD_MANIFEST
    if not path.is_file():
        return None
    where = str((shown or folder) / BUILD_MANIFEST)
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SPBEError(f"build manifest is not valid JSON ({e})", file=where) from None
    keys = ("build_id", "package_version", "raw_manifest_sha256", "schema_sha256", "files")
    if (not isinstance(m, dict) or m.get("format") != _MANIFEST_FORMAT or not isinstance(m.get("files"), dict)
            or any(k not in m for k in keys)
            or not all(isinstance(e, dict) and {"sha256", "bytes"} <= set(e) for e in m["files"].values())):
        raise SPBEError("build manifest has an unknown format", file=where)
    body = {k: v for k, v in m.items() if k != "build_id"}
    if _sha256_bytes(json.dumps(body, sort_keys=True).encode("utf-8"))[:16] != m.get("build_id"):
        raise SPBEError("build manifest does not match its build id (edited after the build)", file=where)
    return m


def _table(name: str) -> pd.DataFrame:
    """The validated table ``name`` of the served set (a fresh copy)."""
    schema = _schemas()[name]
    for attempt in range(2):
        manifest, real = _served_manifest()
        shown = processed_dir() / schema.file  # the path users know, for messages
        entry = manifest["files"].get(schema.file)
        if entry is None:
            raise SPBEError("the build manifest does not list this file", file=str(shown))
        try:
            data = (real / schema.file).read_bytes()
        except FileNotFoundError:
            if attempt == 0 and processed_dir().resolve() != real:
                continue  # a concurrent build replaced the set after the manifest was read: read the new one
            raise SPBEError("processed file is missing from its set (deleted after the build?)",
                            file=str(shown)) from None
        except OSError as e:
            raise SPBEError(f"cannot read the processed data: {_ERRNO_HINTS.get(e.errno, e.strerror)}",
                            file=str(shown)) from None
        digest = _sha256_bytes(data)
        if digest != entry.get("sha256"):
            raise SPBEError(f"processed file differs from the one built (sha256 {digest[:12]}… against "
                            f"{str(entry.get('sha256'))[:12]}… in {BUILD_MANIFEST}): it was edited, truncated or "
                            "half-written; rebuild with `make data`", file=str(shown))
        key = (name, digest)
        if key not in _CACHE:
            frame = schema.parse(data, file=str(shown), rows=entry.get("rows"))
            for old in [k for k in _CACHE if k[0] == name]:  # one validated version per table is kept
                del _CACHE[old]
            _CACHE[key] = frame
        return _CACHE[key].copy()
    raise AssertionError("unreachable")  # pragma: no cover


def _predicates(s: pd.Series) -> pd.Series:
    return pd.Series(pd.Categorical(s, categories=PREDICATES, ordered=True), index=s.index, name=s.name)


def load_results(source_kind: str | None = None, year=None) -> pd.DataFrame:
    """The results panel: one row per institution × evaluation year × source.

    ``source_kind``: ``"official_report"``, ``"imported"`` or ``"press"`` (default all); ``year``: one year or a list
    (ints, or digit strings such as ``"2023"``; see :func:`spbe_research.checks.years`).
    ``predicate`` is an ordered categorical (Kurang < … < Memuaskan). Values are as published; recovered
    values are in ``recovered_*`` columns, never in ``D1``…``index``; ``index_recomputed``, ``residual``,
    ``tolerance`` and ``within_tolerance`` are the reproduction audit of each row.

    >>> load_results("official_report", "2023").shape[0]
    621
    """
    if source_kind is not None:
        checks.choice(source_kind, name="source_kind", options=SOURCE_KINDS)
    years = checks.years(year)
    res = _table("results")
    res["quality_flags"] = res["quality_flags"].fillna("")
    res["predicate"] = _predicates(res["predicate"])
    if source_kind is not None:
        res = res[res["source_kind"] == source_kind]
    if years is not None:
        res = res[res["year"].isin(years)]
    return res.reset_index(drop=True)


def load_national() -> pd.DataFrame:
    """National SPBE index and domain means 2018–2024 (``D1``… in the codes of each year's framework,
    plus named columns ``kebijakan``, ``tata_kelola``, ``manajemen``, ``layanan``)."""
    return _table("national")


def load_aggregates() -> pd.DataFrame:
    """Published aggregates (means, max, min by group, domain and aspect) from the 2023 and 2024 reports."""
    return _table("aggregates")


def load_institutions() -> pd.DataFrame:
    """Every known institution with its id, type and province, and the years it appears in the panel."""
    return _table("institutions")


def load_press_cross_check() -> pd.DataFrame:
    """Press scores 2023–2024 set against the official tables (one row per matched press row)."""
    return _table("press_vs_official")


def load_unmatched_names() -> pd.DataFrame:
    """Press names that match no registered institution (their rows stay in the panel, id ``unmatched:<name>``)."""
    return _table("unmatched_names")


def import_results(path, year, framework=None, *, source: str, **options):
    """Add a results table you hold (CSV or XLSX: names with any of index, domain or aspect values, predicate) to
    the panel as ``source_kind="imported"``: names matched to the registry (unmatched or ambiguous names are
    errors, never guesses), values validated against the framework, every defect flagged, the file stored in
    ``data/raw/imported/`` with its provenance and checksum, all-or-nothing; the next build merges it without
    overwriting a published row. See :func:`spbe_research.importer.import_results` for the options."""
    from . import importer

    return importer.import_results(path, year, framework, source=source, **options)


def export(path, format=None, table: str = "results"):
    """Write the built data as Excel (every table, the data dictionary and the sources), Stata ``.dta`` (variable
    and value labels) or Parquet: :func:`spbe_research.export.export` (the format from ``path``'s suffix unless
    given). Returns the path written."""
    from .export import export as _export  # export reads the tables through this module
    return _export(path, format, table=table)


def data_version() -> dict:
    """Which data a loader serves: the package version that built it, the build id (a hash of the set's content),
    the sha256 of the raw manifest it was built from, and where it is read from (clone, variable or wheel)."""
    manifest, real = _served_manifest()
    out = processed_dir()
    where = "wheel" if is_packaged(out) else "SPBE_RESEARCH_DATA" if os.environ.get("SPBE_RESEARCH_DATA") else "clone"
    return {"package_version": manifest["package_version"], "build_id": manifest["build_id"],
            "raw_manifest_sha256": manifest["raw_manifest_sha256"], "served_from": where, "folder": str(out)}


def load_covariates(year=None) -> pd.DataFrame:
    """Region covariates: one row per province or kabupaten/kota × year, keyed by ``institution_id``.

    IPM and components, GRDP per capita, population, area, density and the 2021 poverty cross-section; units in
    the column names, series and source of each column in ``datapackage.json`` and in
    :func:`spbe_research.covariates.column_sources`. ``year``: one year or a list.
    """
    cov = _table("covariates")
    cov["quality_flags"] = cov["quality_flags"].fillna("")
    years = checks.years(year)
    if years is not None:
        cov = cov[cov["year"].isin(years)]
    return cov.reset_index(drop=True)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("import", "check", "list"):  # results you hold: the importer's own command line
        from . import importer

        return importer.main(argv)
    parser = argparse.ArgumentParser(prog="python -m spbe_research.datasets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build data/processed from data/raw")
    b.add_argument("--out", type=Path, default=None)
    sub.add_parser("verify", help="verify data/raw against its manifest")
    sub.add_parser("manifest", help="(maintainers) rewrite data/raw/MANIFEST.sha256")
    sub.add_parser("import", help="add a results table you hold to the panel (see: import --help)")
    sub.add_parser("check", help="check a results table without importing it (see: check --help)")
    sub.add_parser("list", help="list the imported tables")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            paths = build(args.out, progress=sys.stderr.isatty())
            out = Path(next(iter(paths.values()))).parent
            print(f"built {len(paths)} files in {out} (build {json.loads((out / BUILD_MANIFEST).read_text())['build_id']})")
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
