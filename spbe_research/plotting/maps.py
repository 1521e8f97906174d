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
:func:`plot_province_maps` draws a grid (one row per year) on ``axes`` (a new figure when ``None``) and
returns the array of Axes. Both describe the figure in words (:func:`.style.describe`: counts, extremes,
predicate bands); the package style applies inside the functions only (:func:`.style.styled`).
"""
from __future__ import annotations

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from .. import checks, paths
from ..errors import SPBEError
from ..scoring import PREDICATE_BANDS, PREDICATES
from .groups import _axes
from .style import PREDICATE_COLORS, PREDICATE_GLOSS, describe, styled

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


def _draw(ax, geo, values, column, title, scheme, vmin, vmax) -> dict:
    """Draw one map; returns what was drawn: counts, the extremes with their province names, band counts."""
    merged = geo.merge(values[["province_code", column]], on="province_code", how="left")
    val = pd.Series(checks.numeric_column(merged[column], field=column, what=column), index=merged.index)
    has = val.notna().to_numpy()
    if (~has).any():
        geo[~has].plot(ax=ax, color=_NO_DATA, edgecolor="white", linewidth=0.3, hatch="///")
    drawn = {"n": int(has.sum()), "missing": int((~has).sum()), "bands": {}}
    if has.any():
        shown = merged[has].assign(_v=val[has])
        if scheme == "predicate":
            cmap, norm = _predicate_cmap()
            shown.plot(ax=ax, column="_v", cmap=cmap, norm=norm, edgecolor="0.4", linewidth=0.3)
            bins = np.bincount(np.asarray(norm(shown["_v"].to_numpy(float))).astype(int).clip(0, len(PREDICATES) - 1),
                               minlength=len(PREDICATES))
            drawn["bands"] = {p: int(k) for p, k in zip(PREDICATES, bins)}
        else:
            shown.plot(ax=ax, column="_v", cmap="viridis", vmin=vmin, vmax=vmax, edgecolor="0.4", linewidth=0.3)
        lo, hi = shown["_v"].idxmin(), shown["_v"].idxmax()
        drawn.update(lo=float(shown.at[lo, "_v"]), lo_name=str(shown.at[lo, "province_name"]),
                     hi=float(shown.at[hi, "_v"]), hi_name=str(shown.at[hi, "province_name"]))
    ax.set_title(title)
    ax.set_xlabel("Longitude (° E)")
    ax.set_ylabel("Latitude (° N)")
    ax.set_aspect("equal")
    return drawn


def _reading(drawn: dict, total: int) -> str:
    """Words for one map: how many provinces have a value, the extremes, the band counts, the gaps."""
    if not drawn["n"]:
        return f"no province of {total} has a value"
    text = (f"{drawn['n']} of {total} provinces with a value, from {drawn['lo']:.2f} ({drawn['lo_name']}) "
            f"to {drawn['hi']:.2f} ({drawn['hi_name']})")
    if drawn["bands"]:
        text += " (" + ", ".join(f"{k} {p}" for p, k in drawn["bands"].items() if k) + ")"
    return text


def _legend(target, scheme, vmin, vmax, any_missing, label="SPBE index (0–5)", below=None):
    """The predicate legend or the colour bar: on the figure ``target`` below its maps (figures made here leave
    the bottom free), or under the Axes ``below`` when the caller gave the Axes."""
    fig = target if below is None else below.figure
    if scheme == "predicate":
        handles = [Patch(facecolor=PREDICATE_COLORS[p], edgecolor="0.4", label=f"{PREDICATE_GLOSS[p]}  {lo:g}–{hi:g}")
                   for p, lo, hi in zip(PREDICATE_COLORS, PREDICATE_BOUNDS[:-1], PREDICATE_BOUNDS[1:])]
        if any_missing:
            handles.append(Patch(facecolor=_NO_DATA, hatch="///", edgecolor="white", label="no data"))
        title = f"{label}, coloured by predikat (predicate) band"
        if below is None:
            fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, title=title)
        else:
            below.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False,
                         fontsize=7, title=title, title_fontsize=8)
    else:
        sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(vmin, vmax))
        if below is None:
            cb = fig.colorbar(sm, cax=fig.add_axes([0.3, 0.1, 0.4, 0.03]), orientation="horizontal")
        else:
            cb = fig.colorbar(sm, ax=below, orientation="horizontal", fraction=0.05, pad=0.15, shrink=0.6)
        cb.set_label(label + ("  (hatched: no data)" if any_missing and below is not None else ""))


@styled
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
    e.g. for a spread. ``label`` names the quantity and its unit in the legend / colour bar (below the map: on
    the figure when the figure is made here, under ``ax`` when ``ax`` is given). Returns the Axes.
    """
    checks.frame(values, name="values", required=("province_code", column))
    if values["province_code"].duplicated().any():
        raise SPBEError("one value per province expected (filter to one year first)", field="province_code")
    scheme = checks.choice(scheme, name="scheme", options=("predicate", "continuous"))
    vmin, vmax = checks.scalar(vmin, name="vmin"), checks.scalar(vmax, name="vmax")
    if not vmin < vmax:
        raise SPBEError(f"vmin must be below vmax, got {vmin} and {vmax}", field="vmin")
    geo = load_province_map() if geo is None else geo
    own, ax = ax is None, _axes(ax, (10, 4.6))
    drawn = _draw(ax, geo, values, column, title, scheme, vmin, vmax)
    if own:
        ax.figure.subplots_adjust(bottom=0.3)
    _legend(ax.figure, scheme, vmin, vmax, drawn["missing"] > 0, label, below=None if own else ax)
    colours = "predicate band" if scheme == "predicate" else f"a viridis scale from {vmin:g} to {vmax:g}"
    return describe(ax, f"Choropleth map of Indonesia's provinces, \"{title}\": {label}, coloured by {colours}; "
                        f"{_reading(drawn, len(geo))}" + (f"; {drawn['missing']} without data (hatched grey)."
                                                          if drawn["missing"] else "."))


@styled
def plot_province_maps(spread: pd.DataFrame, years=None, scheme: str = "predicate", geo=None, axes=None):
    """Grid of maps, one row per year: mean of the kabupaten/kota (pooled) and the province government's own index.

    ``spread`` is :func:`spbe_research.compare.province_spread` output. ``axes``: a grid of 2 × (number of
    years) Axes to draw on (a new figure when None). Returns the array of Axes (one row per year); the
    description is on their figure.
    """
    checks.frame(spread, name="spread", required=("year", "province_code", "mean_local", "province_own_index"))
    scheme = checks.choice(scheme, name="scheme", options=("predicate", "continuous"))
    years = sorted(spread["year"].unique()) if years is None else list(checks.years(years))
    for y in years:
        sub = spread[spread["year"] == y]
        if sub.empty:
            raise SPBEError(f"no rows for year {y}", field="year")
        if sub["province_code"].duplicated().any():
            raise SPBEError(f"two rows for one province in {y}", field="province_code")
    own = axes is None
    if own:
        axes = plt.subplots(len(years), 2, figsize=(13, 3.2 * len(years) + 1.2), squeeze=False)[1]
    else:
        axes = np.asarray(axes, dtype=object)
        if axes.size != 2 * len(years) or not all(isinstance(a, mpl.axes.Axes) for a in axes.ravel()):
            raise SPBEError(f"axes must hold 2 × {len(years)} matplotlib Axes (two maps per year)", field="axes")
        axes = axes.reshape(len(years), 2)
    geo = load_province_map() if geo is None else geo
    fig = axes[0, 0].figure
    missing, parts = 0, []
    for r, y in enumerate(years):
        sub = spread[spread["year"] == y]
        local = _draw(axes[r, 0], geo, sub, "mean_local", f"{y}: mean of kabupaten & kota", scheme, 0, 5)
        prov = _draw(axes[r, 1], geo, sub, "province_own_index", f"{y}: provincial government", scheme, 0, 5)
        missing += local["missing"] + prov["missing"]
        parts.append(f"{y}, mean of kabupaten & kota: {_reading(local, len(geo))}; "
                     f"{y}, provincial governments: {_reading(prov, len(geo))}")
    fig.suptitle("SPBE index by province: local governments vs the province itself", fontsize=13)
    if own:
        fig.subplots_adjust(bottom=0.17, top=0.9, hspace=0.35, wspace=0.12)
    _legend(fig, scheme, 0, 5, missing > 0)
    colours = "predicate band" if scheme == "predicate" else "a viridis scale from 0 to 5"
    describe(axes[0, 0], f"Choropleth maps of the SPBE index (0–5) by province, coloured by {colours}, one row per "
                         f"year ({', '.join(str(y) for y in years)}), left the mean of each province's kabupaten and "
                         f"kota, right the provincial government's own index. " + ". ".join(parts) + ".")
    return axes
