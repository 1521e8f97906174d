"""Province choropleths of SPBE scores (geopandas).

The map is ``data/raw/regions/indonesia-38-provinces.geojson`` (Deny Herianto, "Indonesia GeoJSON &
TopoJSON Maps (38 Provinces)", CC BY 4.0; see ``data/raw/regions/PROVENANCE.md``). Its ``KODE_PROV``
is wrong for the four provinces created in 2022 — Papua Selatan, Papua Tengah and Papua Pegunungan
carry ``91`` (Papua's code) and Papua Barat Daya carries ``92`` — so the join never trusts that
code alone: every feature is matched on its normalised name to the Kemendagri province list
(``data/raw/regions/provinces.csv``), and :data:`MAP_CODE_FIXES` documents the four codes we
replace. The raw file is not edited; a mismatch between name and code raises :class:`SPBEError`.
Both files are reached through :func:`spbe_research.paths.raw_path` (so ``SPBE_RESEARCH_DATA`` applies).

:func:`plot_province_choropleth` draws on ``ax`` (a new figure when ``None``) and returns the Axes;
:func:`plot_province_maps` is a grid (one row per year) and returns its Figure. The package style
applies to the figures made here and never changes matplotlib's global settings.
"""
from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from .. import checks, paths
from ..errors import SPBEError
from ..scoring import PREDICATE_BANDS, PREDICATES
from .groups import _axes, _styled
from .style import PREDICATE_COLORS, PREDICATE_GLOSS

__all__ = [
    "MAP_FILE",
    "PROVINCES_FILE",
    "map_path",
    "province_list_path",
    "MAP_CODE_FIXES",
    "load_province_map",
    "plot_province_choropleth",
    "plot_province_maps",
]

#: The province map and the Kemendagri province list, under ``data/raw/regions/``.
MAP_FILE = "indonesia-38-provinces.geojson"
PROVINCES_FILE = "provinces.csv"


def map_path():
    """Path of the raw province map (``data/raw/regions/indonesia-38-provinces.geojson``)."""
    return paths.raw_path("regions", MAP_FILE)


def province_list_path():
    """Path of the Kemendagri province list (``data/raw/regions/provinces.csv``)."""
    return paths.raw_path("regions", PROVINCES_FILE)


#: map feature name → correct Kemendagri code where the map's ``KODE_PROV`` is wrong
#: (Kepmendagri 300.2.2-2138/2025; UU 14, 15, 16 and 29/2022 created provinces 93–96).
MAP_CODE_FIXES = {
    "Papua Selatan": "93",
    "Papua Tengah": "94",
    "Papua Pegunungan": "95",
    "Papua Barat Daya": "96",
}
#: map names that differ from the Kemendagri names.
MAP_NAME_ALIASES = {"DKI Jakarta": "Daerah Khusus Ibukota Jakarta"}

#: predicate band edges on the 0–5 index scale, from the scoring module's bands.
PREDICATE_BOUNDS = (0.0, *PREDICATE_BANDS, 5.0)
_NO_DATA = "#d9d9d9"


def _norm(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def load_province_map(path=None, provinces_path=None) -> gpd.GeoDataFrame:
    """The 38-province map with Kemendagri codes: columns ``province_code``, ``province_name``, ``geometry``.

    Matches each feature's ``PROVINSI`` (after :data:`MAP_NAME_ALIASES`) to ``provinces.csv`` and
    checks that the resulting code equals the map's ``KODE_PROV`` except for the features listed in
    :data:`MAP_CODE_FIXES`. Raises :class:`SPBEError` on an unknown name, a code disagreement, a
    duplicate or a province without a shape. ``path`` and ``provinces_path`` default to the raw files
    (:func:`map_path`, :func:`province_list_path`).
    """
    path = map_path() if path is None else path
    provinces_path = province_list_path() if provinces_path is None else provinces_path
    try:
        geo = gpd.read_file(path)
        reg = pd.read_csv(provinces_path, dtype=str)
    except SPBEError:
        raise
    except Exception as e:  # pyogrio/fiona and pandas raise their own types for unreadable files
        raise SPBEError(f"cannot read the map or the province list: {e}", file=str(path)) from None
    for col in ("PROVINSI", "KODE_PROV"):
        if col not in geo.columns:
            raise SPBEError(f"map lacks property {col!r}", file=str(path), field=col)
    checks.frame(reg, name="province list", required=("code", "name"), file=str(provinces_path))
    by_name = {_norm(n): (c, n) for c, n in zip(reg["code"], reg["name"])}
    codes, names = [], []
    for i, (name, code) in enumerate(zip(geo["PROVINSI"], geo["KODE_PROV"])):
        key = _norm(MAP_NAME_ALIASES.get(name, name))
        if key not in by_name:
            raise SPBEError(f"map province {name!r} not in the Kemendagri list", file=str(path), row=i, field="PROVINSI")
        kem_code, kem_name = by_name[key]
        expected = MAP_CODE_FIXES.get(name, str(code))
        if expected != kem_code:
            raise SPBEError(f"map code {code!r} for {name!r} disagrees with Kemendagri code {kem_code!r}",
                            file=str(path), row=i, field="KODE_PROV")
        codes.append(kem_code)
        names.append(kem_name)
    out = gpd.GeoDataFrame({"province_code": codes, "province_name": names}, geometry=geo.geometry.values, crs=geo.crs)
    if out["province_code"].duplicated().any():
        dup = out.loc[out["province_code"].duplicated(), "province_code"].iloc[0]
        raise SPBEError(f"two map features for province {dup}", file=str(path), field="province_code")
    missing = sorted(set(reg["code"]) - set(out["province_code"]))
    if missing:
        raise SPBEError(f"no map shape for province code(s) {missing}", file=str(path), field="province_code")
    return out.sort_values("province_code", ignore_index=True)


def _predicate_cmap():
    colors = [PREDICATE_COLORS[p] for p in PREDICATES]
    return ListedColormap(colors), BoundaryNorm(PREDICATE_BOUNDS, len(colors))


def _draw(ax, geo, values, column, title, scheme, vmin, vmax):
    merged = geo.merge(values[["province_code", column]], on="province_code", how="left")
    val = pd.Series(checks.numeric_column(merged[column], field=column, what=column), index=merged.index)
    has = val.notna().to_numpy()
    if (~has).any():
        geo[~has].plot(ax=ax, color=_NO_DATA, edgecolor="white", linewidth=0.3, hatch="///")
    if has.any():
        shown = merged[has].assign(_v=val[has])
        if scheme == "predicate":
            cmap, norm = _predicate_cmap()
            shown.plot(ax=ax, column="_v", cmap=cmap, norm=norm, edgecolor="0.4", linewidth=0.3)
        else:
            shown.plot(ax=ax, column="_v", cmap="viridis", vmin=vmin, vmax=vmax, edgecolor="0.4", linewidth=0.3)
    ax.set_title(title)
    ax.set_xlabel("Longitude (° E)")
    ax.set_ylabel("Latitude (° N)")
    ax.set_aspect("equal")
    return int((~has).sum())


def _legend(fig, scheme, vmin, vmax, axes, any_missing, label="SPBE index (0–5)"):
    if scheme == "predicate":
        handles = [Patch(facecolor=PREDICATE_COLORS[p], edgecolor="0.4", label=f"{PREDICATE_GLOSS[p]}  {lo:g}–{hi:g}")
                   for p, lo, hi in zip(PREDICATE_COLORS, PREDICATE_BOUNDS[:-1], PREDICATE_BOUNDS[1:])]
        if any_missing:
            handles.append(Patch(facecolor=_NO_DATA, hatch="///", edgecolor="white", label="no data"))
        fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False,
                   title=f"{label}, coloured by predikat (predicate) band")
    else:
        sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(vmin, vmax))
        cax = fig.add_axes([0.3, 0.1, 0.4, 0.03])  # below the maps (figures leave the bottom free)
        cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
        cb.set_label(label)


def plot_province_choropleth(
    values: pd.DataFrame,
    column: str,
    title: str,
    scheme: str = "predicate",
    vmin: float = 0.0,
    vmax: float = 5.0,
    geo: gpd.GeoDataFrame | None = None,
    label: str = "SPBE index (0–5)",
    ax=None,
):
    """One choropleth of ``values[column]`` by ``province_code``; provinces without a value are hatched grey.

    ``scheme="predicate"`` colours by the predicate bands (same colours as every other figure; only
    meaningful for index values); ``"continuous"`` uses a viridis scale from ``vmin`` to ``vmax``,
    e.g. for a spread. ``label`` names the quantity and its unit in the legend / colour bar.
    Returns the Axes (the legend or colour bar belongs to its figure).
    """
    checks.frame(values, name="values", required=("province_code", column))
    if values["province_code"].duplicated().any():
        raise SPBEError("one value per province expected (filter to one year first)", field="province_code")
    scheme = checks.choice(scheme, name="scheme", options=("predicate", "continuous"))
    vmin, vmax = checks.scalar(vmin, name="vmin"), checks.scalar(vmax, name="vmax")
    if not vmin < vmax:
        raise SPBEError(f"vmin must be below vmax, got {vmin} and {vmax}", field="vmin")
    geo = load_province_map() if geo is None else geo
    with _styled():
        ax = _axes(ax, (10, 4.6))
        fig = ax.figure
        missing = _draw(ax, geo, values, column, title, scheme, vmin, vmax)
        fig.subplots_adjust(bottom=0.3)
        _legend(fig, scheme, vmin, vmax, [ax], missing > 0, label)
    return ax


def plot_province_maps(spread: pd.DataFrame, years=None, scheme: str = "predicate", geo=None) -> plt.Figure:
    """Grid of maps, one row per year: mean of the kabupaten/kota (pooled) and the province government's own index.

    ``spread`` is :func:`spbe_research.compare.province_spread` output. Returns the Figure.
    """
    checks.frame(spread, name="spread", required=("year", "province_code", "mean_local", "province_own_index"))
    scheme = checks.choice(scheme, name="scheme", options=("predicate", "continuous"))
    years = sorted(spread["year"].unique()) if years is None else list(checks.years(years))
    geo = load_province_map() if geo is None else geo
    with _styled():
        fig, axes = plt.subplots(len(years), 2, figsize=(13, 3.2 * len(years) + 1.2), squeeze=False)
        missing = 0
        for r, y in enumerate(years):
            sub = spread[spread["year"] == y]
            if sub.empty:
                plt.close(fig)
                raise SPBEError(f"no rows for year {y}", field="year")
            if sub["province_code"].duplicated().any():
                plt.close(fig)
                raise SPBEError(f"two rows for one province in {y}", field="province_code")
            missing += _draw(axes[r, 0], geo, sub, "mean_local", f"{y}: mean of kabupaten & kota", scheme, 0, 5)
            missing += _draw(axes[r, 1], geo, sub, "province_own_index", f"{y}: provincial government", scheme, 0, 5)
        fig.suptitle("SPBE index by province: local governments vs the province itself", fontsize=13)
        fig.subplots_adjust(bottom=0.17, top=0.9, hspace=0.35, wspace=0.12)
        _legend(fig, scheme, 0, 5, axes.ravel().tolist(), missing > 0)
    return fig
