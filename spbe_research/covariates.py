"""Region covariates: human development, GRDP per capita, population, area and a 2021 poverty cross-section.

What goes with a high SPBE score? To ask that, the package needs data on the regions themselves. This
module reads the raw covariate files in ``data/raw/covariates/`` (each folder has a PROVENANCE.md),
gives every row the region's **Kemendagri code** (the ``institution_id`` of the panel and the
registry), and returns one tidy table: one row per region × year.

Sources and keys (``FILES``)
    * ``ipm_kabkota`` — IPM (*Indeks Pembangunan Manusia*, Human Development Index) and its components,
      514 kabupaten/kota, 2020–2024, BPS old-UHH series; keyed by name ("KABUPATEN X");
    * ``ipm_provinsi`` — IPM of 38 provinces (+ Indonesia), 2022–2024, same series; by name ("KEP. RIAU");
    * ``grdp`` — GRDP (PDRB) per capita, constant 2010 prices, thousand Rp, 514 kabupaten/kota,
      2000–2024; by BPS code (post-2022 coding);
    * ``area`` — km² (BIG, Dec 2024), and ``population`` — by sex (Dukcapil, Dec 2024): 38 provinces and
      514 kabupaten/kota by Kemendagri code;
    * ``poverty_2021`` — 2021 cross-section (poverty rate, schooling 15+, sanitation, water,
      unemployment, labour force, GRDP); by province and name;
    * ``crosswalk_kabkota``/``crosswalk_provinsi`` — BPS ↔ Kemendagri codes, 2020 vintage.

Matching (:attr:`CovariateBuild.matches`, one row per unit of every file)
    * names go through :func:`spbe_research.registry.match_institutions` (the project's one matcher:
      aliases, old names, the Papua recoding); a name it cannot place is looked up among the BPS names of
      the crosswalk; what is left is in :data:`CURATED_MATCHES`, each with its reason;
    * BPS codes go through the crosswalk to the 2020 Kemendagri code, and the registry translates that
      code to the 2025 code (``code_change`` for the regencies of the 2022 Papua provinces);
    * the 26 BPS codes created by the 2022 Papua split (92xx, 95xx, 96xx, 97xx) are not in the 2020
      crosswalk: they are found by name among the crosswalk rows of the pre-split Papua provinces, then
      recoded by the registry, and the file's own new province must agree with the registry's;
    * Kemendagri codes are checked against the registry, and so are the names printed beside them.

Quirks (:attr:`CovariateBuild.quirks`, one row per kind of quirk per file) are handled and recorded,
never silently "fixed": a value affected row by row carries a code of :data:`QUALITY_FLAGS` in the
table's ``quality_flags`` column; file-wide quirks (a byte-order mark, thousand separators, padding
spaces, empty rows) are counted in the quirks table.

Units are in the column names (:data:`COLUMNS` gives unit, series and source of every column). Values
are as published; population and area are Dec 2024 figures and sit in the 2024 rows only, the poverty
cross-section sits in the 2021 rows only (no value is carried to other years).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from . import registry
from .paths import raw_dir
from .errors import SPBEError

__all__ = [
    "FILES", "COLUMNS", "ID_COLUMNS", "VALUE_COLUMNS", "COVARIATE_COLUMNS", "QUALITY_FLAGS",
    "CURATED_MATCHES", "MATCH_COLUMNS", "QUIRK_COLUMNS", "CHECK_COLUMNS",
    "CovariateBuild", "build_covariates", "column_sources", "field_descriptions", "cross_check_2021",
]

#: raw files, relative to ``data/raw``.
FILES = {
    "crosswalk_kabkota": "covariates/crosswalk_bps_kemendagri/kabkota.csv",
    "crosswalk_provinsi": "covariates/crosswalk_bps_kemendagri/provinsi.csv",
    "grdp": "covariates/grdp_per_capita_kabkota_2000_2024/gdp_pc.csv",
    "ipm_kabkota": "covariates/ipm_kabkota_2020_2024/data_ipm.csv",
    "ipm_provinsi": "covariates/ipm_provinsi_2022_2024/ipm_indonesia.csv",
    "poverty_2021": "covariates/kemiskinan_dll_kabkota_2021/Klasifikasi Tingkat Kemiskinan di Indonesia.csv",
    "area": "covariates/luas_wilayah_big2024/wilayah_luas.sql",
    "population": "covariates/penduduk_dukcapil_des2024/wilayah_penduduk.sql",
}

_IPM_SERIES = ("BPS IPM, 'old' series (UHH from SP2010-based projections) continued to 2024; not the "
               "Long Form SP2020 series BPS publishes since Nov 2023 (do not mix)")
_BPS_NO_LICENCE = "no licence stated in the copied repository; the numbers are BPS statistics"

#: every value column: (name, unit, series, dataset, raw column, licence).
COLUMNS = (
    ("ipm", "index 0-100", _IPM_SERIES, "ipm_kabkota / ipm_provinsi", "IPM", _BPS_NO_LICENCE),
    ("life_expectancy_years", "years", "UHH (umur harapan hidup, life expectancy at birth), IPM component, " + _IPM_SERIES,
     "ipm_kabkota", "UHH", _BPS_NO_LICENCE),
    ("expected_schooling_years", "years", "HLS (harapan lama sekolah, expected years of schooling at age 7), IPM component",
     "ipm_kabkota", "HLS", _BPS_NO_LICENCE),
    ("mean_schooling_years", "years", "RLS (rata-rata lama sekolah, mean years of schooling, population 25+), IPM component",
     "ipm_kabkota", "RLS", _BPS_NO_LICENCE),
    ("expenditure_per_capita_thousand_idr", "thousand Rp per person per year",
     "adjusted (purchasing-power) per-capita expenditure, IPM component", "ipm_kabkota", "Pengeluaran",
     _BPS_NO_LICENCE),
    ("grdp_per_capita_thousand_idr", "thousand Rp per person, constant 2010 prices",
     "GRDP (PDRB) per capita at constant 2010 prices (ADHK), from BPS PDRB; 2000-2009 back-cast by the "
     "dataset's authors (flag grdp_backcast)", "grdp", "grdp_pc_YYYY", "MIT (quarcs-lab/indonesia514); BPS statistics"),
    ("population", "persons", "Dukcapil administrative population registry, semester II (December) 2024; "
     "not BPS projections", "population", "total", "MIT (cahyadsn/wilayah); Dukcapil Kemendagri figures"),
    ("population_male", "persons", "as population (pria)", "population", "pria",
     "MIT (cahyadsn/wilayah); Dukcapil Kemendagri figures"),
    ("population_female", "persons", "as population (wanita)", "population", "wanita",
     "MIT (cahyadsn/wilayah); Dukcapil Kemendagri figures"),
    ("area_km2", "km²", "Badan Informasi Geospasial area calculation, 16 Dec 2024 (Surat Deputi IGD "
     "B-16.10/DIGD-BIG/IGD.04.04/12/2024)", "area", "luas", "MIT (cahyadsn/wilayah); BIG figures"),
    ("density_per_km2", "persons per km²", "population / area_km2 (both Dec 2024); computed here", "population, area",
     "—", "derived"),
    ("poverty_rate_pct", "% of population", "P0, share of the population below the poverty line, March 2021",
     "poverty_2021", "Persentase Penduduk Miskin (P0) Menurut Kabupaten/Kota (Persen)", _BPS_NO_LICENCE),
    ("mean_schooling_15plus_years", "years", "mean years of schooling of the population 15+ (not the IPM's 25+), 2021",
     "poverty_2021", "Rata-rata Lama Sekolah Penduduk 15+ (Tahun)", _BPS_NO_LICENCE),
    ("sanitation_access_pct", "% of households", "households with access to proper (layak) sanitation, 2021",
     "poverty_2021", "Persentase rumah tangga yang memiliki akses terhadap sanitasi layak", _BPS_NO_LICENCE),
    ("drinking_water_access_pct", "% of households", "households with access to proper (layak) drinking water, 2021",
     "poverty_2021", "Persentase rumah tangga yang memiliki akses terhadap air minum layak", _BPS_NO_LICENCE),
    ("unemployment_rate_pct", "% of the labour force", "TPT (tingkat pengangguran terbuka, open unemployment), 2021",
     "poverty_2021", "Tingkat Pengangguran Terbuka", _BPS_NO_LICENCE),
    ("labour_force_participation_pct", "% of the working-age population",
     "TPAK (tingkat partisipasi angkatan kerja, labour force participation), 2021", "poverty_2021",
     "Tingkat Partisipasi Angkatan Kerja", _BPS_NO_LICENCE),
    ("grdp_million_idr", "million Rp, constant 2010 prices",
     "GRDP (PDRB ADHK 2010, expenditure approach), 2021; the header says 'Rupiah' but the values are million Rp "
     "(Simeulue 1,648,096 = Rp 1.65 trillion)", "poverty_2021",
     "PDRB atas Dasar Harga Konstan menurut Pengeluaran (Rupiah)", _BPS_NO_LICENCE),
)
ID_COLUMNS = ("institution_id", "institution_name", "institution_type", "province_code", "province_name",
              "island_group", "year")
VALUE_COLUMNS = tuple(c[0] for c in COLUMNS)
#: columns of the tidy table (``data/processed/covariates.csv``), in order.
COVARIATE_COLUMNS = ID_COLUMNS + VALUE_COLUMNS + ("quality_flags",)

#: row-level quality flags (``quality_flags``: semicolon-separated codes, empty when none).
QUALITY_FLAGS = {
    "grdp_backcast": "GRDP per capita of 2000-2009: interpolated/back-cast by the dataset's authors, not a BPS "
                     "figure; use 2010 onward.",
    "ipm_row_missing": "the kabupaten/kota IPM file has no row for this region and year (6 Central Java kabupaten in "
                       "2023; the workbook copy has the rows, empty): IPM and its components are missing.",
    "ipm_new_province_backcast": "province IPM 2022 of a province created in 2022 (Papua Selatan, Tengah, Pegunungan, "
                                 "Barat Daya): computed for boundaries that did not yet exist for most of the year.",
    "area_code_repaired": "the area file printed this region's code without its trailing zero ('11.1' for 11.10, "
                          "'31.0' for 31); read as the full code after the name printed beside it matched that code.",
    "population_code_repaired": "as area_code_repaired, in the population file.",
    "area_duplicated": "area identical to another region's to the metre (Padang Lawas Utara and Padang Lawas, "
                       "3914.413 km²): probably a copy error in the source; kept as published, and so is density.",
    "area_name_mismatch": "the name printed beside the code in the area file does not match the registry name of "
                          "that code; the code is used.",
    "population_name_mismatch": "the name printed beside the code in the population file does not match the "
                                "registry name of that code (e.g. 'Papua Barat Oaya'); the code is used.",
    "poverty_rate_decimal_point": "the 2021 poverty rate is written with a decimal point in a file that uses decimal "
                                  "commas; read as a decimal (1-2 digits after the point cannot be a thousands "
                                  "separator).",
    "mean_schooling_15plus_decimal_point": "as poverty_rate_decimal_point, for mean years of schooling 15+.",
    "population_total_differs": "the province total in the population file differs from the sum of its "
                                "kabupaten/kota.",
    "area_total_differs": "the province total in the area file differs from the sum of its kabupaten/kota "
                          "(more than 1 km²).",
}

#: names that neither the registry nor the crosswalk's BPS names place: (dataset, name as printed) → (id, reason).
CURATED_MATCHES = {
    ("ipm_kabkota", "KABUPATEN MLUKU TENGGARA BARAT"): (
        "81.03", "typo for Maluku Tenggara Barat, renamed Kabupaten Kepulauan Tanimbar in 2019 (BPS 8101, "
                 "Kemendagri 81.03 in the crosswalk); its 2021 IPM equals the 2021 file's Maluku Tenggara Barat"),
    ("poverty_2021", "Maluku Tenggara Barat"): (
        "81.03", "former name of Kabupaten Kepulauan Tanimbar (renamed 2019)"),
    ("poverty_2021", "Pontianak"): (
        "61.02", "Kabupaten Pontianak, renamed Kabupaten Mempawah in 2014 (Kota Pontianak is 61.71)"),
    ("poverty_2021", "Mamuju Utara"): (
        "76.01", "Kabupaten Mamuju Utara, renamed Kabupaten Pasangkayu in 2017"),
}

MATCH_COLUMNS = ("dataset", "source_row", "name_as_published", "code_as_published", "institution_id",
                 "institution_name", "institution_type", "match_method", "status", "reason")
QUIRK_COLUMNS = ("dataset", "file", "quirk", "n", "handling", "examples")
CHECK_COLUMNS = ("dataset", "check", "n_checked", "n_passed")



# --------------------------------------------------------------------------- small readers


def _raw_root(raw) -> Path:
    return Path(raw) if raw is not None else raw_dir()


def _read_bytes(raw: Path, key: str) -> bytes:
    path = raw / FILES[key]
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise SPBEError("raw covariate file missing", file=f"data/raw/{FILES[key]}") from exc


def _text(raw: Path, key: str, quirks: list) -> str:
    data = _read_bytes(raw, key)
    if data.startswith(b"\xef\xbb\xbf"):
        quirks.append(_quirk(key, "byte-order mark (UTF-8 BOM) at the start", 1, "stripped before parsing", "EF BB BF"))
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SPBEError(f"not UTF-8 at byte {exc.start}", file=f"data/raw/{FILES[key]}") from exc


def _check(dataset, check, n_checked, n_passed) -> dict:
    return {"dataset": dataset, "check": check, "n_checked": int(n_checked), "n_passed": int(n_passed)}


def _quirk(dataset, quirk, n, handling, examples="") -> dict:
    return {"dataset": dataset, "file": f"data/raw/{FILES[dataset]}", "quirk": quirk, "n": int(n),
            "handling": handling, "examples": examples}


def _need(df: pd.DataFrame, cols, key: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SPBEError(f"columns {missing} missing", file=f"data/raw/{FILES[key]}", field=missing[0])


def _fail(key, row, field, value, what):
    row = int(row) if isinstance(row, (int, np.integer)) else row
    raise SPBEError(f"{what}: {value!r}", file=f"data/raw/{FILES[key]}", row=row, field=field)


_DOT_DECIMAL = re.compile(r"^\d+\.\d+$")
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")


def _plain_numbers(s: pd.Series, key: str, field: str, rows) -> pd.Series:
    """Numbers written with a decimal point only ("65.26", "7085.0"); anything else raises."""
    s = s.astype("string").str.strip()
    bad = ~s.str.fullmatch(_PLAIN.pattern).fillna(False)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        _fail(key, rows[i], field, s.iloc[i], "not a number")
    return s.astype(float)


def _thousands(s: pd.Series, key: str, field: str, rows) -> pd.Series:
    """Integers with comma thousand separators and padding (" 17,297 "); anything else raises."""
    t = s.astype("string").str.strip()
    ok = t.str.fullmatch(r"\d{1,3}(?:,\d{3})*").fillna(False)
    if (~ok).any():
        i = int(np.flatnonzero((~ok).to_numpy())[0])
        _fail(key, rows[i], field, s.iloc[i], "not an integer with comma thousand separators")
    return t.str.replace(",", "", regex=False).astype(float)


def _comma_decimals(s: pd.Series, key: str, field: str, rows) -> tuple[pd.Series, pd.Series]:
    """Indonesian decimals ("18,98", " 71,15 ", "70"); a point with 1-2 digits after it ("11.34") is read
    as a decimal point and returned in the mask; a point with 3 digits (thousands?) or other text raises."""
    t = s.astype("string").str.strip()
    comma = t.str.fullmatch(r"\d+(?:,\d+)?").fillna(False)
    dot = t.str.fullmatch(r"\d+\.\d{1,2}").fillna(False)
    bad = ~(comma | dot)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        _fail(key, rows[i], field, s.iloc[i], "not a decimal number (decimal comma or a 1-2 digit decimal point)")
    return t.str.replace(",", ".", regex=False).astype(float), dot


def _sql_rows(text: str, key: str, ncols: int) -> pd.DataFrame:
    """The value tuples of the file's INSERT statement, every one accounted for."""
    tuple_lines = [ln for ln in text.splitlines() if ln.lstrip().startswith("('")]
    if ncols == 3:
        pat = re.compile(r"\('([^']*)','([^']*)',(-?[0-9.]+)\)")
    else:
        pat = re.compile(r"\('([^']*)','([^']*)','(\d+)','(\d+)','(\d+)'\)")
    found = pat.findall(text)
    if len(found) != len(tuple_lines) or not found:
        raise SPBEError(f"{len(found)} value tuples parsed but {len(tuple_lines)} tuple lines present",
                        file=f"data/raw/{FILES[key]}")
    return pd.DataFrame(found)


# --------------------------------------------------------------------------- registry helpers


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return registry.load_regions().set_index("institution_id")


def _registry_cols(ids: pd.Series) -> pd.DataFrame:
    reg = _regions()
    look = reg.reindex(pd.Index(ids.astype("string")))
    return pd.DataFrame({c: look[c].to_numpy() for c in ("institution_name", "institution_type")}, index=ids.index)


def _norm_key(name) -> str:
    return registry.normalise_name(name).replace(" ", "")


def _kemendagri_code(four: pd.Series) -> pd.Series:
    """'1109' → '11.09' (the crosswalk writes codes without the dot)."""
    return four.str[:2] + "." + four.str[2:]


def _crosswalk(raw: Path) -> pd.DataFrame:
    """The kabupaten/kota crosswalk with each 2020 Kemendagri code translated to the registry's 2025 id."""
    cw = pd.read_csv(raw / FILES["crosswalk_kabkota"], dtype=str, keep_default_na=False)
    _need(cw, ("kode_bps", "nama_bps", "kode_dagri", "nama_dagri"), "crosswalk_kabkota")
    bad = ~cw["kode_bps"].str.fullmatch(r"\d{4}") | ~cw["kode_dagri"].str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        _fail("crosswalk_kabkota", i + 2, "kode_bps/kode_dagri", cw.iloc[i].tolist(), "code is not four digits")
    m = registry.match_institutions(_kemendagri_code(cw["kode_dagri"]).tolist())
    if (m["match_method"] == "unmatched").any():
        i = int(np.flatnonzero((m["match_method"] == "unmatched").to_numpy())[0])
        _fail("crosswalk_kabkota", i + 2, "kode_dagri", cw["kode_dagri"].iloc[i], "Kemendagri code not in the registry")
    cw["institution_id"] = m["institution_id"].to_numpy()
    cw["code_method"] = m["match_method"].to_numpy()
    cw["kota"] = (_registry_cols(cw["institution_id"])["institution_type"] == "kota").to_numpy()
    cw["name_key"] = cw["nama_bps"].map(_norm_key)
    if cw["institution_id"].duplicated().any() or cw["kode_bps"].duplicated().any():
        raise SPBEError("crosswalk maps two units to one code", file=f"data/raw/{FILES['crosswalk_kabkota']}")
    return cw


def _crosswalk_by_name(cw: pd.DataFrame, name: str, kota: bool, bps_provinces=None):
    """Crosswalk rows with this BPS name and type (optionally within some BPS provinces)."""
    hit = cw[(cw["name_key"] == _norm_key(name)) & (cw["kota"] == kota)]
    if bps_provinces is not None:
        hit = hit[hit["kode_bps"].str[:2].isin(bps_provinces)]
    return hit


def _strip_type(name: str) -> tuple[bool | None, str]:
    """(is kota?, base name) of 'KABUPATEN X' / 'KOTA X'; (None, name) without a marker."""
    m = re.match(r"^\s*(kabupaten|kab\.?|kota)\s+(.+)$", str(name), flags=re.I)
    if not m:
        return None, str(name)
    return m.group(1).lower() == "kota", m.group(2)


def _match_names(dataset: str, names: pd.Series, rows, cw: pd.DataFrame, *, type_hint=None,
                 province_hint=None) -> pd.DataFrame:
    """Registry → crosswalk BPS names → :data:`CURATED_MATCHES`; one match row per name."""
    m = registry.match_institutions(names.tolist(), type_hint=type_hint, province_hint=province_hint)
    out = pd.DataFrame({
        "dataset": dataset, "source_row": list(rows), "name_as_published": names.to_numpy(),
        "code_as_published": pd.NA, "institution_id": m["institution_id"].to_numpy(),
        "match_method": ("registry_" + m["match_method"]).to_numpy(), "status": "matched", "reason": "",
    })
    for i in np.flatnonzero((m["match_method"] == "unmatched").to_numpy()):
        name = names.iloc[i]
        kota, base = _strip_type(name)
        if kota is None:
            kota = False
        hit = _crosswalk_by_name(cw, base, kota)
        if len(hit) == 1:
            out.loc[i, ["institution_id", "match_method"]] = [hit["institution_id"].iloc[0], "crosswalk_bps_name"]
            out.loc[i, "reason"] = (f"BPS name {hit['nama_bps'].iloc[0]!r} (BPS {hit['kode_bps'].iloc[0]}, "
                                    f"Kemendagri {hit['kode_dagri'].iloc[0]}) in the crosswalk")
        elif (dataset, name) in CURATED_MATCHES:
            iid, why = CURATED_MATCHES[(dataset, name)]
            out.loc[i, ["institution_id", "match_method", "reason"]] = [iid, "curated", why]
        else:
            out.loc[i, ["match_method", "status", "reason"]] = [
                "unmatched", "unmatched", "no registry name, alias or crosswalk BPS name fits"]
    return out


def _finish_matches(m: pd.DataFrame, key: str) -> pd.DataFrame:
    """Registry name/type columns, and a check that no region is matched twice."""
    reg = _registry_cols(m["institution_id"].fillna(""))
    m["institution_name"] = reg["institution_name"].where(m["institution_id"].notna())
    m["institution_type"] = reg["institution_type"].where(m["institution_id"].notna())
    ok = m["status"] == "matched"
    unknown = ok & m["institution_name"].isna()
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        _fail(key, m["source_row"].iloc[i], "institution_id", m["institution_id"].iloc[i], "id not in the registry")
    return m[list(MATCH_COLUMNS)]


def _check_unique(df: pd.DataFrame, key: str, cols=("institution_id",)) -> None:
    dup = df.duplicated(list(cols), keep=False) & df["institution_id"].notna()
    if dup.any():
        d = df[dup].iloc[:2]
        raise SPBEError(f"two rows match the same region {d['institution_id'].iloc[0]!r} "
                        f"({d['name_as_published'].tolist() if 'name_as_published' in d else ''})",
                        file=f"data/raw/{FILES[key]}", row=int(d["source_row"].iloc[0]) if "source_row" in d else None)


# --------------------------------------------------------------------------- the datasets


def _ipm_kabkota(raw: Path, cw: pd.DataFrame, quirks: list):
    key = "ipm_kabkota"
    df = pd.read_csv(raw / FILES[key], dtype=str, keep_default_na=False)
    _need(df, ("Cakupan", "UHH", "HLS", "RLS", "Pengeluaran", "IPM", "Tahun"), key)
    rows = np.arange(len(df)) + 2  # file line (header = line 1)
    names = df["Cakupan"].str.strip()
    first = names.drop_duplicates()
    m = _match_names(key, first.reset_index(drop=True), rows[first.index], cw)
    m = _finish_matches(m, key)
    _check_unique(m, key)
    ids = names.map(dict(zip(m["name_as_published"], m["institution_id"])))
    years = _plain_numbers(df["Tahun"], key, "Tahun", rows).astype(int)
    out = pd.DataFrame({"institution_id": ids.to_numpy(), "year": years.to_numpy()})
    for raw_col, col in (("IPM", "ipm"), ("UHH", "life_expectancy_years"), ("HLS", "expected_schooling_years"),
                         ("RLS", "mean_schooling_years"), ("Pengeluaran", "expenditure_per_capita_thousand_idr")):
        out[col] = _plain_numbers(df[raw_col], key, raw_col, rows).to_numpy()
    out = out[out["institution_id"].notna()]
    if out.duplicated(["institution_id", "year"]).any():
        d = out[out.duplicated(["institution_id", "year"])].iloc[0]
        raise SPBEError(f"two IPM rows for {d['institution_id']} in {d['year']}", file=f"data/raw/{FILES[key]}")
    # rows absent from the file: kept as NA rows with a flag (never filled in)
    grid = pd.MultiIndex.from_product([sorted(out["institution_id"].unique()), sorted(out["year"].unique())],
                                      names=["institution_id", "year"])
    missing = grid.difference(pd.MultiIndex.from_frame(out[["institution_id", "year"]]))
    if len(missing):
        reg = _regions()
        names_missing = [f"{reg.loc[i, 'institution_name']} {y}" for i, y in missing]
        quirks.append(_quirk(key, "region-year rows absent", len(missing),
                             "kept as missing values, flagged ipm_row_missing", "; ".join(names_missing)))
        out = pd.concat([out, pd.DataFrame({"institution_id": missing.get_level_values(0),
                                            "year": missing.get_level_values(1)})], ignore_index=True)
    flags = pd.Series("", index=out.index, dtype=object)
    flags[out["ipm"].isna()] = "ipm_row_missing"
    out["quality_flags"] = flags
    return out, m


def _ipm_provinsi(raw: Path, quirks: list):
    """Province IPM; provinces absent from the 2020 crosswalk (created in 2022) get their 2022 rows flagged."""
    key = "ipm_provinsi"
    df = pd.read_csv(raw / FILES[key], dtype=str, keep_default_na=False)
    _need(df, ("Provinsi", "Tahun", "IPM"), key)
    rows = np.arange(len(df)) + 2
    names = df["Provinsi"].str.strip()
    first = names.drop_duplicates()
    mm = registry.match_institutions(first.tolist(), type_hint="provinsi")
    m = pd.DataFrame({"dataset": key, "source_row": rows[first.index], "name_as_published": first.to_numpy(),
                      "code_as_published": pd.NA, "institution_id": mm["institution_id"].to_numpy(),
                      "match_method": ("registry_" + mm["match_method"]).to_numpy(), "status": "matched",
                      "reason": ""})
    national = first.str.upper().eq("INDONESIA").to_numpy()
    m.loc[national, ["match_method", "status", "reason"]] = ["not_a_region", "not_a_region",
                                                             "national figure, not a province"]
    left = (m["institution_id"].isna() & ~national).to_numpy()
    m.loc[left, ["match_method", "status", "reason"]] = ["unmatched", "unmatched", "no province of that name"]
    m = _finish_matches(m, key)
    _check_unique(m, key)
    ids = names.map(dict(zip(m["name_as_published"], m["institution_id"])))
    out = pd.DataFrame({"institution_id": ids.to_numpy(),
                        "year": _plain_numbers(df["Tahun"], key, "Tahun", rows).astype(int).to_numpy(),
                        "ipm": _plain_numbers(df["IPM"], key, "IPM", rows).to_numpy()})
    out = out[out["institution_id"].notna()].reset_index(drop=True)
    if out.duplicated(["institution_id", "year"]).any():
        raise SPBEError("two IPM rows for one province and year", file=f"data/raw/{FILES[key]}")
    cwp = pd.read_csv(raw / FILES["crosswalk_provinsi"], dtype=str, keep_default_na=False)
    _need(cwp, ("kode_dagri",), "crosswalk_provinsi")
    reg = _regions()
    created = set(reg.index[reg["institution_type"] == "provinsi"]) - set(cwp["kode_dagri"])  # 2022 split
    back = out["institution_id"].isin(created) & (out["year"] == 2022)
    out["quality_flags"] = np.where(back, "ipm_new_province_backcast", "")
    if back.any():
        quirks.append(_quirk(key, "2022 values for provinces created during 2022", int(back.sum()),
                             "kept, flagged ipm_new_province_backcast",
                             ", ".join(_regions().loc[out.loc[back, "institution_id"], "institution_name"])))
    return out, m


_PAPUA_ISLAND = "Papua"


def _grdp(raw: Path, cw: pd.DataFrame, quirks: list, checks: list):
    key = "grdp"
    text = _text(raw, key, quirks)
    df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    _need(df, ("districtID", "district", "provinceID", "province"), key)
    rows = np.arange(len(df)) + 2
    empty = df.apply(lambda c: c.str.strip() == "").all(axis=1).to_numpy()
    if empty.any():
        quirks.append(_quirk(key, "empty rows (only commas)", int(empty.sum()), "dropped",
                             "line " + ", ".join(map(str, rows[empty]))))
    df, rows = df[~empty].reset_index(drop=True), rows[~empty]
    year_cols = [c for c in df.columns if re.fullmatch(r"grdp_pc_\d{4}", c)]
    if not year_cols:
        raise SPBEError("no grdp_pc_YYYY columns", file=f"data/raw/{FILES[key]}")
    code = df["districtID"].str.strip()
    bad = ~code.str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        _fail(key, rows[i], "districtID", code.iloc[i], "BPS code is not four digits")
    # 1. BPS code → 2020 Kemendagri code (crosswalk) → 2025 id (registry)
    by_code = cw.set_index("kode_bps")
    hit = code.isin(by_code.index).to_numpy()
    ids = pd.Series(pd.NA, index=df.index, dtype=object)
    method = pd.Series("", index=df.index, dtype=object)
    reason = pd.Series("", index=df.index, dtype=object)
    ids[hit] = by_code.loc[code[hit], "institution_id"].to_numpy()
    cm = by_code.loc[code[hit], "code_method"].to_numpy()
    method[hit] = np.where(cm == "code_change", "crosswalk_bps_code+registry_code_change", "crosswalk_bps_code")
    # 2. the BPS codes created by the 2022 Papua split: by name among the pre-split Papua provinces' rows
    cwp = pd.read_csv(raw / FILES["crosswalk_provinsi"], dtype=str, keep_default_na=False)
    _need(cwp, ("kode_bps", "kode_dagri"), "crosswalk_provinsi")
    papua_bps = sorted(cwp.loc[cwp["kode_dagri"].map(registry.island_group) == _PAPUA_ISLAND, "kode_bps"])
    for i in np.flatnonzero(~hit):
        kota, base = _strip_type(df["district"].iloc[i])  # the file writes kota as "Kota X"
        kota = bool(kota)
        cand = _crosswalk_by_name(cw, base, kota, papua_bps)
        if len(cand) == 1:
            ids[i] = cand["institution_id"].iloc[0]
            method[i] = "papua_split_bps_name+registry_code_change"
            reason[i] = (f"post-2022 BPS code; BPS name {cand['nama_bps'].iloc[0]!r} in the 2020 crosswalk "
                         f"(BPS {cand['kode_bps'].iloc[0]}, Kemendagri {cand['kode_dagri'].iloc[0]}), recoded by the "
                         "registry")
        else:
            method[i] = "unmatched"
            reason[i] = (f"BPS code not in the 2020 crosswalk and {len(cand)} crosswalk rows of the pre-split Papua "
                         "provinces carry its name")
    n_split = int((method == "papua_split_bps_name+registry_code_change").sum())
    if n_split:
        quirks.append(_quirk(key, "BPS codes of the 2022 Papua split (92xx, 95xx, 96xx, 97xx), not in the 2020 "
                                  "crosswalk", n_split, "matched by name within the pre-split Papua provinces, then "
                                                        "recoded by the registry; province checked",
                             ", ".join(code[method == "papua_split_bps_name+registry_code_change"].iloc[:6]) + ", …"))
    m = pd.DataFrame({"dataset": key, "source_row": rows, "name_as_published": df["district"].to_numpy(),
                      "code_as_published": code.to_numpy(), "institution_id": ids.to_numpy(),
                      "match_method": method.to_numpy(),
                      "status": np.where(method == "unmatched", "unmatched", "matched"), "reason": reason.to_numpy()})
    m = _finish_matches(m, key)
    _check_unique(m, key)
    # the file's own province must be the registry's (this checks the split path and the crosswalk)
    reg = _regions()
    ok = m["status"] == "matched"
    theirs = df.loc[ok.to_numpy(), "province"].map(_norm_key).to_numpy()
    ours = reg.loc[m.loc[ok, "institution_id"], "province_name"].map(_norm_key).to_numpy()
    aliases = {_norm_key("DKI Jakarta"): _norm_key("Daerah Khusus Ibukota Jakarta"),
               _norm_key("DI Yogyakarta"): _norm_key("Daerah Istimewa Yogyakarta")}
    theirs = np.array([aliases.get(t, t) for t in theirs])
    checks.append(_check(key, "the file's province equals the registry province of the matched region", len(ours),
                         int((theirs == ours).sum())))
    if (theirs != ours).any():
        j = int(np.flatnonzero(theirs != ours)[0])
        row = m.loc[ok].iloc[j]
        _fail(key, row["source_row"], "province", df.loc[ok.to_numpy(), "province"].iloc[j],
              f"province disagrees with the registry province of {row['institution_id']}")
    # values: " 17,297 " → 17297.0
    vals = {}
    for c in year_cols:
        vals[int(c[-4:])] = _thousands(df[c], key, c, rows).to_numpy()
    quirks.append(_quirk(key, "numbers as quoted text with comma thousand separators and padding spaces",
                         len(df) * len(year_cols), "parsed strictly (digits in groups of three)", "' 17,297 '"))
    wide = pd.DataFrame(vals, index=pd.Index(m["institution_id"], name="institution_id"))
    wide = wide[wide.index.notna()]
    out = wide.stack().rename("grdp_per_capita_thousand_idr").reset_index().rename(columns={"level_1": "year"})
    out["year"] = out["year"].astype(int)
    out["quality_flags"] = np.where(out["year"] < 2010, "grdp_backcast", "")
    return out, m


_SUFFIX = re.compile(r"^(\d{2})\.(\d)$")


def _sql_table(raw: Path, key: str, quirks: list, checks: list, value_cols: tuple[str, ...]):
    """Area or population: Kemendagri codes (lost trailing zeros repaired and flagged), names checked."""
    text = _text(raw, key, quirks)
    df = _sql_rows(text, key, 2 + len(value_cols))
    df.columns = ["code", "name", *value_cols]
    rows = np.arange(len(df)) + 1  # tuple number within the INSERT
    code = df["code"].str.strip()
    national = code.eq("0").to_numpy()
    repaired = code.str.fullmatch(_SUFFIX.pattern).to_numpy()
    fixed = code.copy()
    fixed[repaired] = code[repaired].str.replace(
        _SUFFIX, lambda m: m.group(1) if m.group(2) == "0" else f"{m.group(1)}.{m.group(2)}0", regex=True)
    good = fixed.str.fullmatch(r"\d{2}(?:\.\d{2})?").to_numpy() | national
    if not good.all():
        i = int(np.flatnonzero(~good)[0])
        _fail(key, rows[i], "kode", code.iloc[i], "not a Kemendagri code")
    reg = _regions()
    known = fixed.isin(reg.index).to_numpy()
    if (~known & ~national).any():
        i = int(np.flatnonzero(~known & ~national)[0])
        _fail(key, rows[i], "kode", code.iloc[i], "Kemendagri code not in the registry")
    # names beside the codes: matched independently, the type taken from the code's registry entry
    rtype = reg["institution_type"].reindex(fixed.where(~national)).to_numpy()
    by_name = registry.match_institutions(df["name"].tolist(), type_hint=list(rtype))
    agrees = (by_name["institution_id"].fillna("").to_numpy(dtype=object) == fixed.to_numpy(dtype=object))
    if (repaired & ~agrees).any():
        i = int(np.flatnonzero(repaired & ~agrees)[0])
        _fail(key, rows[i], "kode", code.iloc[i],
              f"code without its trailing zero, but the name {df['name'].iloc[i]!r} does not match {fixed.iloc[i]}")
    dup = fixed[~national].duplicated(keep=False)
    if dup.any():
        _fail(key, None, "kode", fixed[~national][dup].iloc[0], "code appears twice (after repairing trailing zeros)")
    flags = pd.Series("", index=df.index, dtype=object)
    if repaired.any():
        flags[repaired] = f"{key}_code_repaired"
        quirks.append(_quirk(key, "codes that lost their trailing zero (stored as numbers somewhere upstream)",
                             int(repaired.sum()), "read as the full code after the name beside it matched; flagged",
                             ", ".join(f"'{c}'→{f}" for c, f in zip(code[repaired], fixed[repaired]))))
    mismatch = ~agrees & ~national & ~repaired
    checks.append(_check(key, "the name beside each code matches the registry name of that code",
                         int((~national).sum()), int((agrees & ~national).sum())))
    if mismatch.any():
        flags[mismatch] = (flags[mismatch] + f";{key}_name_mismatch").str.strip(";")
        quirks.append(_quirk(key, "name beside the code does not match the registry name", int(mismatch.sum()),
                             "code used, value kept, flagged " + f"{key}_name_mismatch",
                             "; ".join(f"{c} {n!r}" for c, n in zip(fixed[mismatch], df.loc[mismatch, "name"]))))
    spacing = df["name"] != df["name"].str.split().str.join(" ")
    if spacing.any():
        quirks.append(_quirk(key, "double spaces in names", int(spacing.sum()), "ignored (names are not used)",
                             "; ".join(df.loc[spacing, "name"].head(3))))
    out = pd.DataFrame({"institution_id": fixed.to_numpy(), "year": 2024})
    for c in value_cols:
        out[c] = pd.to_numeric(df[c], errors="raise").to_numpy()
    out["quality_flags"] = flags.to_numpy()
    m = pd.DataFrame({"dataset": key, "source_row": rows, "name_as_published": df["name"].to_numpy(),
                      "code_as_published": code.to_numpy(), "institution_id": fixed.where(~national).to_numpy(),
                      "match_method": np.where(repaired, "kemendagri_code_repaired", "kemendagri_code"),
                      "status": "matched",
                      "reason": np.where(mismatch, "name differs from the registry name of the code", "")})
    m.loc[national, ["match_method", "status", "reason"]] = ["not_a_region", "not_a_region", "national total"]
    m.loc[repaired, "reason"] = [f"printed {c!r}; name matches {f}" for c, f in zip(code[repaired], fixed[repaired])]
    m = _finish_matches(m, key)
    return out[~national].reset_index(drop=True), m


def _province_totals(df: pd.DataFrame, col: str, flag: str, tol: float, key: str, quirks: list,
                     checks: list) -> pd.DataFrame:
    """Flag province rows whose total differs from the sum of their kabupaten/kota by more than ``tol``."""
    prov = ~df["institution_id"].str.contains(".", regex=False)
    sums = df[~prov].groupby(df.loc[~prov, "institution_id"].str[:2])[col].sum()
    diff = (df.loc[prov, col] - df.loc[prov, "institution_id"].map(sums)).abs()
    off = diff.index[diff > tol]
    checks.append(_check(key, f"province {col} equals the sum of its kabupaten/kota (within {tol:g})", len(diff),
                         len(diff) - len(off)))
    if len(off):
        df.loc[off, "quality_flags"] = (df.loc[off, "quality_flags"] + ";" + flag).str.strip(";")
        quirks.append(_quirk(key, f"province {col} differs from the sum of its kabupaten/kota", len(off),
                             f"kept, flagged {flag}", ", ".join(df.loc[off, "institution_id"])))
    return df


def _poverty_2021(raw: Path, cw: pd.DataFrame, quirks: list):
    key = "poverty_2021"
    df = pd.read_csv(raw / FILES[key], sep=";", dtype=str, keep_default_na=False)
    spec = {
        "Persentase Penduduk Miskin (P0) Menurut Kabupaten/Kota (Persen)": ("poverty_rate_pct", "poverty_rate"),
        "Rata-rata Lama Sekolah Penduduk 15+ (Tahun)": ("mean_schooling_15plus_years", "mean_schooling_15plus"),
        "Persentase rumah tangga yang memiliki akses terhadap sanitasi layak": ("sanitation_access_pct", "sanitation"),
        "Persentase rumah tangga yang memiliki akses terhadap air minum layak": ("drinking_water_access_pct", "water"),
        "Tingkat Pengangguran Terbuka": ("unemployment_rate_pct", "unemployment"),
        "Tingkat Partisipasi Angkatan Kerja": ("labour_force_participation_pct", "labour_force"),
        "PDRB atas Dasar Harga Konstan menurut Pengeluaran (Rupiah)": ("grdp_million_idr", "grdp"),
    }
    checks = {  # read for cross_check_2021 only (the IPM file is the table's source for these)
        "Indeks Pembangunan Manusia": "ipm",
        "Umur Harapan Hidup (Tahun)": "life_expectancy_years",
        "Pengeluaran per Kapita Disesuaikan (Ribu Rupiah/Orang/Tahun)": "expenditure_per_capita_thousand_idr",
    }
    _need(df, ("Provinsi", "Kab/Kota", *spec, *checks), key)
    rows = np.arange(len(df)) + 2
    empty = df.apply(lambda c: c.str.strip() == "").all(axis=1).to_numpy()
    if empty.any():
        quirks.append(_quirk(key, "empty rows (only semicolons)", int(empty.sum()), "dropped",
                             f"lines {rows[empty][0]}-{rows[empty][-1]}"))
    df, rows = df[~empty].reset_index(drop=True), rows[~empty]
    names = df["Kab/Kota"].str.strip()
    kota = names.str.match(r"(?i)kota\s")
    # bare names are kabupaten; "Kota X" is left to the registry ("Kota Baru" is Kabupaten Kotabaru)
    m = _match_names(key, names, rows, cw, type_hint=np.where(kota, None, "kabupaten").tolist(),
                     province_hint=df["Provinsi"].str.strip().tolist())
    m = _finish_matches(m, key)
    _check_unique(m, key)
    out = pd.DataFrame({"institution_id": m["institution_id"].to_numpy(), "year": 2021})
    flags = pd.Series("", index=df.index, dtype=object)
    for raw_col, (col, flag) in spec.items():
        if col == "grdp_million_idr":
            out[col] = _plain_numbers(df[raw_col], key, raw_col, rows).to_numpy()
            continue
        val, dot = _comma_decimals(df[raw_col], key, raw_col, rows)
        out[col] = val.to_numpy()
        if dot.any():
            flags[dot.to_numpy()] = (flags[dot.to_numpy()] + f";{flag}_decimal_point").str.strip(";")
            quirks.append(_quirk(key, f"decimal point instead of comma in '{raw_col}'", int(dot.sum()),
                                 f"read as a decimal, flagged {flag}_decimal_point",
                                 ", ".join(df.loc[dot.to_numpy(), raw_col].head(4))))
    padded = (df["Tingkat Partisipasi Angkatan Kerja"] != df["Tingkat Partisipasi Angkatan Kerja"].str.strip()).sum()
    if padded:
        quirks.append(_quirk(key, "padding spaces around labour force participation values", int(padded),
                             "stripped", repr(df["Tingkat Partisipasi Angkatan Kerja"].iloc[0])))
    quirks.append(_quirk(key, "column 'Klasifikasi Kemiskinan' (a 0/1 label made by the Kaggle author, not BPS)",
                         len(df), "not imported", ""))
    out["quality_flags"] = flags.to_numpy()
    check = pd.DataFrame({"institution_id": m["institution_id"].to_numpy()})
    for raw_col, col in checks.items():
        check[col] = _comma_decimals(df[raw_col], key, raw_col, rows)[0].to_numpy()
    return out[out["institution_id"].notna()].reset_index(drop=True), m, check


# --------------------------------------------------------------------------- assembling


@dataclass(frozen=True)
class CovariateBuild:
    """The tidy covariate table with how every source unit was matched and every quirk met.

    ``table``: one row per region × year (:data:`COVARIATE_COLUMNS`); ``matches``: one row per unit of
    every raw file (:data:`MATCH_COLUMNS`); ``quirks``: one row per kind of quirk (:data:`QUIRK_COLUMNS`);
    ``coverage``: per dataset and region type, regions expected, matched and missing; ``checks``: the
    consistency checks run (:data:`CHECK_COLUMNS`: what, how many rows, how many passed);
    ``cross_section_2021``: the 2021 file's IPM, life expectancy and expenditure, kept only for checking.
    """

    table: pd.DataFrame
    matches: pd.DataFrame
    quirks: pd.DataFrame
    coverage: pd.DataFrame
    checks: pd.DataFrame
    cross_section_2021: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def unmatched(self) -> pd.DataFrame:
        """Source units without a region (``not_a_region`` or ``unmatched``), each with its reason."""
        return self.matches[self.matches["status"] != "matched"].reset_index(drop=True)


_EXPECTED = {  # dataset → region types it should cover completely
    "ipm_kabkota": ("kabupaten", "kota"), "grdp": ("kabupaten", "kota"), "poverty_2021": ("kabupaten", "kota"),
    "ipm_provinsi": ("provinsi",), "area": ("provinsi", "kabupaten", "kota"),
    "population": ("provinsi", "kabupaten", "kota"),
}


def _coverage(matches: pd.DataFrame) -> pd.DataFrame:
    reg = _regions()
    rows = []
    for ds, types in _EXPECTED.items():
        got = set(matches.loc[(matches["dataset"] == ds) & (matches["status"] == "matched"), "institution_id"])
        for t in types:
            expected = set(reg.index[reg["institution_type"] == t])
            miss = sorted(expected - got)
            rows.append({"dataset": ds, "institution_type": t, "n_expected": len(expected),
                         "n_matched": len(expected & got), "share_matched": len(expected & got) / len(expected),
                         "missing": ", ".join(miss)})
    return pd.DataFrame(rows)


def _join_flags(*parts: pd.Series) -> pd.Series:
    out = parts[0].fillna("")
    for p in parts[1:]:
        out = (out + ";" + p.fillna("")).str.strip(";").str.replace(r";{2,}", ";", regex=True)
    return out


def build_covariates(raw=None) -> CovariateBuild:
    """Read, match and check every covariate file under ``data/raw/covariates/``; see the module docstring.

    Raises :class:`SPBEError` (naming file, row and field) on anything unreadable or inconsistent:
    an unparsable number, a code not in the registry, two source rows for one region, a province
    that disagrees with the registry. Deterministic: rows sorted by ``institution_id``, ``year``.
    """
    raw = _raw_root(raw)
    quirks: list[dict] = []
    checks: list[dict] = []
    cw = _crosswalk(raw)
    ipm_k, m_ipm_k = _ipm_kabkota(raw, cw, quirks)
    ipm_p, m_ipm_p = _ipm_provinsi(raw, quirks)
    grdp, m_grdp = _grdp(raw, cw, quirks, checks)
    area, m_area = _sql_table(raw, "area", quirks, checks, ("area_km2",))
    pop, m_pop = _sql_table(raw, "population", quirks, checks,
                            ("population_male", "population_female", "population"))
    pov, m_pov, check = _poverty_2021(raw, cw, quirks)

    # totals and duplicated values: flagged, never changed
    area = _province_totals(area, "area_km2", "area_total_differs", 1.0, "area", quirks, checks)
    pop = _province_totals(pop, "population", "population_total_differs", 0.0, "population", quirks, checks)
    sexes = pop["population_male"] + pop["population_female"] != pop["population"]
    checks.append(_check("population", "male + female equals the total", len(pop), int((~sexes).sum())))
    if sexes.any():
        raise SPBEError("male + female differs from total", file=f"data/raw/{FILES['population']}",
                        row=pop.loc[sexes, "institution_id"].iloc[0], field="total")
    local = area[area["institution_id"].str.contains(".", regex=False)]
    dup = area.index.isin(local.index[local["area_km2"].duplicated(keep=False)])
    if dup.any():
        area.loc[dup, "quality_flags"] = (area.loc[dup, "quality_flags"] + ";area_duplicated").str.strip(";")
        reg = _regions()
        quirks.append(_quirk("area", "identical areas of different kabupaten/kota", int(dup.sum()),
                             "kept as published, flagged area_duplicated (density too)",
                             "; ".join(f"{reg.loc[i, 'institution_name']} {a:g}" for i, a in
                                       zip(area.loc[dup, "institution_id"], area.loc[dup, "area_km2"]))))

    keys = ["institution_id", "year"]
    ipm = pd.concat([ipm_k, ipm_p], ignore_index=True)
    size = area.merge(pop, on=keys, how="outer", suffixes=("_a", "_p"), validate="one_to_one")
    size["density_per_km2"] = size["population"] / size["area_km2"]
    size["quality_flags"] = _join_flags(size["quality_flags_a"], size["quality_flags_p"])
    size = size.drop(columns=["quality_flags_a", "quality_flags_p"])
    parts = [ipm, grdp, size, pov]
    table = parts[0]
    for i, p in enumerate(parts[1:], start=1):
        table = table.merge(p, on=keys, how="outer", suffixes=("", f"_{i}"), validate="one_to_one")
    flag_cols = [c for c in table.columns if c.startswith("quality_flags")]
    table["quality_flags"] = _join_flags(*[table[c] for c in flag_cols])
    table = table.drop(columns=[c for c in flag_cols if c != "quality_flags"])
    reg = _regions()
    look = reg.reindex(pd.Index(table["institution_id"]))
    for c in ID_COLUMNS[1:6]:
        table[c] = look[c].to_numpy()
    if table["institution_name"].isna().any():
        raise SPBEError("covariate row for an id not in the registry",
                        row=table.loc[table["institution_name"].isna(), "institution_id"].iloc[0])
    table["year"] = table["year"].astype(int)
    table = table[list(COVARIATE_COLUMNS)].sort_values(keys, kind="stable").reset_index(drop=True)
    if table.duplicated(keys).any():
        raise SPBEError("duplicate region-year in the covariate table")
    for c in ("population", "population_male", "population_female"):
        table[c] = table[c].astype("Int64")
    matches = pd.concat([m_ipm_k, m_ipm_p, m_grdp, m_area, m_pop, m_pov], ignore_index=True)
    matches["source_row"] = matches["source_row"].astype(int)
    quirks_df = pd.DataFrame(quirks, columns=list(QUIRK_COLUMNS))
    cross = _cross_check_2021(table, check)
    for r in cross.itertuples(index=False):
        checks.append(_check("poverty_2021", f"2021 {r.variable} equals the IPM file's 2021 value (|diff| < 0.005)",
                             r.n, r.n_equal))
    return CovariateBuild(table=table, matches=matches, quirks=quirks_df, coverage=_coverage(matches),
                          checks=pd.DataFrame(checks, columns=list(CHECK_COLUMNS)), cross_section_2021=check)


def cross_check_2021(build: CovariateBuild) -> pd.DataFrame:
    """Do the 2021 cross-section's IPM, life expectancy and expenditure equal the IPM file's 2021 values?

    One row per variable: ``n`` regions compared, ``n_equal`` (to the printed precision, |Δ| < 0.005),
    ``max_abs_diff``. Equality of independent copies checks both files and both name matchings.
    """
    return _cross_check_2021(build.table, build.cross_section_2021)


def _cross_check_2021(table: pd.DataFrame, cross: pd.DataFrame) -> pd.DataFrame:
    t = table[table["year"] == 2021].set_index("institution_id")
    c = cross.dropna(subset=["institution_id"]).set_index("institution_id")
    rows = []
    for col in c.columns:
        a, b = c[col], t[col].reindex(c.index)
        ok = a.notna() & b.notna()
        d = (a[ok] - b[ok]).abs()
        rows.append({"variable": col, "n": int(ok.sum()), "n_equal": int((d < 0.005).sum()),
                     "max_abs_diff": float(d.max()) if len(d) else np.nan})
    return pd.DataFrame(rows)


def column_sources() -> pd.DataFrame:
    """One row per value column of the table: unit, series, dataset, raw column, raw file(s), licence."""
    df = pd.DataFrame(list(COLUMNS), columns=["column", "unit", "series", "dataset", "raw_column", "licence"])
    df["raw_file"] = df["dataset"].map(
        lambda d: "; ".join(f"data/raw/{FILES[k.strip()]}" for k in re.split(r"[/,]", d)))
    return df


def field_descriptions() -> dict[str, str]:
    """Frictionless field descriptions of ``covariates.csv`` (unit, series and source of every column)."""
    src = column_sources()
    out = {
        "institution_id": "Kemendagri code of the region (2025 codes, as in results.csv): province '35', "
                          "kabupaten/kota '35.06'.",
        "institution_name": "Registry name of the region.",
        "institution_type": "provinsi, kabupaten or kota.",
        "province_code": "Two-digit Kemendagri province code.",
        "province_name": "Province name.",
        "island_group": "Island group of the province (registry).",
        "year": "Reference year of the values in the row (population and area: December 2024, in the 2024 row; "
                "the 2021 cross-section: 2021 row).",
        "quality_flags": "Semicolon-separated codes of spbe_research.covariates.QUALITY_FLAGS; empty when none.",
    }
    for r in src.itertuples(index=False):
        out[r.column] = f"{r.series}. Unit: {r.unit}. Source: {r.raw_file} ({r.raw_column}); licence: {r.licence}."
    return out
