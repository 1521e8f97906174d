"""Tests for the group and map figures: what they draw (bar lengths, points, colours), their labels, that they
leave matplotlib's global settings alone, and that the map joins all 38 provinces."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import numpy as np  # noqa: E402

from spbe_research import compare as C  # noqa: E402
from spbe_research.errors import SPBEError  # noqa: E402
from spbe_research.plotting import groups, maps  # noqa: E402
from spbe_research.plotting.style import PREDICATE_COLORS, alt_text, concept_color  # noqa: E402

from test_compare import tiny_panel  # noqa: E402  (tests/ is on sys.path under pytest)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def geo():
    return maps.load_province_map()


# ----------------------------------------------------------------------------- map join


def test_all_38_provinces_join_with_kemendagri_codes(geo):
    reg = pd.read_csv(maps.province_list_path(), dtype=str)
    assert len(geo) == 38
    assert sorted(geo["province_code"]) == sorted(reg["code"])
    named = dict(zip(geo["province_code"], geo["province_name"]))
    assert named == dict(zip(reg["code"], reg["name"]))
    # the four provinces the raw map mis-codes (91, 91, 91, 92) get their own codes
    assert [named[c] for c in ("93", "94", "95", "96")] == [
        "Papua Selatan", "Papua Tengah", "Papua Pegunungan", "Papua Barat Daya"]
    assert geo.geometry.notna().all() and (~geo.geometry.is_empty).all()


def test_raw_map_codes_really_are_wrong_for_new_papua_provinces():
    """Guards the reason for MAP_CODE_FIXES: the raw file is read as is, never edited."""
    raw = json.loads(maps.map_path().read_text(encoding="utf-8"))
    codes = {f["properties"]["PROVINSI"]: f["properties"]["KODE_PROV"] for f in raw["features"]}
    assert {k: codes[k] for k in maps.MAP_CODE_FIXES} == {
        "Papua Selatan": "91", "Papua Tengah": "91", "Papua Pegunungan": "91", "Papua Barat Daya": "92"}


def _write_map(tmp_path, edit):
    raw = json.loads(maps.map_path().read_text(encoding="utf-8"))
    edit(raw["features"])
    p = tmp_path / "map.geojson"
    p.write_text(json.dumps(raw), encoding="utf-8")
    return p


def test_map_join_rejects_unknown_name_wrong_code_and_missing_province(tmp_path):
    def rename(fs):
        fs[0]["properties"]["PROVINSI"] = "Atlantis"

    with pytest.raises(SPBEError, match="not in the Kemendagri list"):
        maps.load_province_map(_write_map(tmp_path, rename))

    def recode(fs):
        for f in fs:
            if f["properties"]["PROVINSI"] == "Jawa Timur":
                f["properties"]["KODE_PROV"] = "33"

    with pytest.raises(SPBEError, match="disagrees") as e:
        maps.load_province_map(_write_map(tmp_path, recode))
    assert e.value.field == "KODE_PROV"

    def drop(fs):
        del fs[-1]

    with pytest.raises(SPBEError, match="no map shape"):
        maps.load_province_map(_write_map(tmp_path, drop))


# ----------------------------------------------------------------------------- figures


def _texts(ax):
    return ax.get_title(), ax.get_xlabel(), ax.get_ylabel()


def _hex(c):
    return matplotlib.colors.to_hex(c)


def test_choropleth_colours_each_province_by_its_band(geo):
    sp = C.province_spread(tiny_panel())
    values = sp[sp["year"] == 2024]  # Jawa Timur: mean of kab/kota 3.1 (Baik); NTB 1.5 (Kurang)
    ax = maps.plot_province_choropleth(values, "mean_local", "Mean of kab/kota, 2024", geo=geo)
    assert isinstance(ax, Axes)
    assert _texts(ax) == ("Mean of kab/kota, 2024", "Longitude (° E)", "Latitude (° N)")
    fig = ax.figure
    assert "SPBE index (0–5)" in fig.legends[0].get_title().get_text()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("Kurang (poor)") and labels[-1] == "no data"  # 36 provinces have no value
    # two collections: the 36 hatched grey provinces without a value, then the two coloured ones
    nodata, shown = ax.collections
    assert len(nodata.get_paths()) >= 36 and nodata.get_hatch() == "///"
    colours = {_hex(c) for c in shown.get_facecolor()}
    assert colours == {PREDICATE_COLORS["Baik"], PREDICATE_COLORS["Kurang"]}
    ax = maps.plot_province_choropleth(values, "mean_local", "c", scheme="continuous", geo=geo)
    assert any(a.get_xlabel() == "SPBE index (0–5)" for a in ax.figure.axes)  # colour bar
    with pytest.raises(SPBEError, match="one value per province"):
        maps.plot_province_choropleth(sp, "mean_local", "both years", geo=geo)


def test_province_maps_grid(geo):
    sp = C.province_spread(tiny_panel())
    axes = maps.plot_province_maps(sp, geo=geo)
    assert isinstance(axes, np.ndarray) and axes.shape == (2, 2)
    fig = axes[0, 0].figure
    assert all(a.figure is fig for a in axes.ravel())
    assert fig._suptitle.get_text() == "SPBE index by province: local governments vs the province itself"
    titles = [a.get_title() for a in axes.ravel()]
    assert titles == ["2023: mean of kabupaten & kota", "2023: provincial government",
                      "2024: mean of kabupaten & kota", "2024: provincial government"]
    assert all(a.get_xlabel() == "Longitude (° E)" and a.get_ylabel() == "Latitude (° N)" for a in axes.ravel())
    # 2024, provincial governments: Jawa Timur 3.6 (Sangat Baik), NTB 2.5 (Cukup)
    shown = axes[1, 1].collections[-1]
    assert {_hex(c) for c in shown.get_facecolor()} == {PREDICATE_COLORS["Sangat Baik"], PREDICATE_COLORS["Cukup"]}
    assert "2024, provincial governments: 2 of 38 provinces with a value, from 2.50 (Nusa Tenggara Barat) " \
           "to 3.60 (Jawa Timur) (1 Cukup, 1 Sangat Baik)" in alt_text(fig)


def test_province_maps_draw_on_given_axes(geo):
    sp = C.province_spread(tiny_panel())
    fig, grid = plt.subplots(1, 4)
    axes = maps.plot_province_maps(sp, geo=geo, axes=grid)
    assert axes.shape == (2, 2) and list(axes.ravel()) == list(grid)
    assert len(fig.axes) == 4  # no new Axes: the legend is the figure's
    with pytest.raises(SPBEError, match="2 × 1 matplotlib Axes"):
        maps.plot_province_maps(sp, years=[2024], geo=geo, axes=grid)


def test_index_distribution_figure():
    df = tiny_panel()
    ax = groups.plot_index_distribution(df)
    assert isinstance(ax, Axes)
    title, xlabel, ylabel = _texts(ax)
    assert title == "SPBE index by type and evaluation year (one point per institution)"
    assert (xlabel, ylabel) == ("Institution type", "SPBE index (0–5)")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["Kementerian (ministry)", "Provinsi (province)", "Kabupaten (regency)", "Kota (city)"]
    assert ax.get_ylim() == (0.0, 5.0)
    # one point per official row, at its index
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    official = df[df["source_kind"] == "official_report"]
    assert sorted(points) == sorted(official["index"])
    with pytest.raises(SPBEError, match="no rows for year 2030"):
        groups.plot_index_distribution(df, years=[2030])


def test_predicate_shares_bars_are_the_shares():
    s = C.group_summary(tiny_panel())
    ax = groups.plot_predicate_shares(s, "type")
    title, xlabel, ylabel = _texts(ax)
    assert title == "Predikat (predicate) shares by type and year"
    assert (xlabel, ylabel) == ("Share of institutions (%)", "Institution type, year")
    handles, labels = ax.get_legend_handles_labels()
    assert labels == ["Kurang (poor)", "Cukup (fair)", "Baik (good)", "Sangat Baik (very good)", "Memuaskan (excellent)"]
    assert [_hex(h.patches[0].get_facecolor()) for h in handles] == list(PREDICATE_COLORS.values())
    # kabupaten 2024: 25 % Kurang, 25 % Cukup, 50 % Baik → its Baik bar spans 50 to 100
    rows = [t.get_text() for t in ax.get_yticklabels()]
    y = ax.get_yticks()[rows.index("Kabupaten (regency), 2024")]
    segments = {labels[k]: (p.get_x(), p.get_x() + p.get_width())
                for k, h in enumerate(handles) for p in h.patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-9}
    assert segments["Kurang (poor)"] == (0.0, 25.0) and segments["Cukup (fair)"] == (25.0, 50.0)
    assert segments["Baik (good)"] == (50.0, 100.0) and segments["Memuaskan (excellent)"] == (100.0, 100.0)
    with pytest.raises(SPBEError):
        groups.plot_predicate_shares(s, "district")


def test_domain_profiles_bars_are_the_means():
    s = C.group_summary(tiny_panel())
    ax = groups.plot_domain_profiles(s, "type", 2024)
    title, xlabel, ylabel = _texts(ax)
    assert title == "Domain profile by type, 2024"
    assert (xlabel, ylabel) == ("Mean domain score (0–5)", "Institution type")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    order = ["kementerian", "provinsi", "kabupaten", "kota"]
    assert ticks == ["Kementerian (ministry)", "Provinsi (province)", "Kabupaten (regency)", "Kota (city)"]
    # one bar per domain, coloured by the domain's concept under 59/2020 (the tiny panel has D1, D2 only)
    _, labels = ax.get_legend_handles_labels()
    assert labels == ["D1 Policy (Kebijakan)", "D2 Governance (Tata Kelola)"]
    expected = s[(s["year"] == 2024) & (s["group_by"] == "type")].set_index("group")
    bars = sorted(ax.patches, key=lambda p: p.get_y())  # top group first, D1 above D2
    want = [expected.loc[g, f"mean_{d}"] for g in order for d in ("D1", "D2")]
    assert [p.get_width() for p in bars] == pytest.approx(want, nan_ok=True)
    assert bars[0].get_width() == pytest.approx(4.0)  # kementerian D1 = mean(4.5, 3.5)
    assert {_hex(p.get_facecolor()) for p in bars[0::2]} == {_hex(concept_color("policy"))}
    assert {_hex(p.get_facecolor()) for p in bars[1::2]} == {_hex(concept_color("governance"))}


def test_domain_profiles_labels_do_not_overlap():
    """Notebook 07's domain profile (six types, four domains, default size): no two tick or legend labels overlap,
    and the group labels stay inside the figure. Made-up means: only the layout is under test."""
    from spbe_research.vocabulary import INSTITUTION_TYPES
    summary = pd.DataFrame({"year": 2024, "group_by": "type", "group": list(INSTITUTION_TYPES),
                            **{f"mean_{d}": np.linspace(1.5, 4.5, 6) for d in ("D1", "D2", "D3", "D4")}})
    ax = groups.plot_domain_profiles(summary)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for texts in (ax.get_yticklabels(), ax.get_xticklabels(), ax.get_legend().get_texts()):
        boxes = [t.get_window_extent(renderer) for t in texts if t.get_text()]
        assert len(boxes) >= 4
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    inside = fig.bbox
    assert all(inside.x0 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= inside.x1
               for t in [*ax.get_yticklabels(), *ax.get_legend().get_texts()])


def test_choropleth_continuous_label_names_the_quantity(geo):
    sp = C.province_spread(tiny_panel())
    label = "Range of kabupaten/kota index (index points)"
    ax = maps.plot_province_choropleth(sp[sp["year"] == 2024], "range_index", "Internal gap, 2024",
                                       scheme="continuous", vmax=3, geo=geo, label=label)
    assert [a.get_xlabel() for a in ax.figure.axes][-1] == label
    with pytest.raises(SPBEError, match="scheme"):
        maps.plot_province_choropleth(sp[sp["year"] == 2024], "range_index", "x", scheme="rainbow", geo=geo)


def test_figures_draw_on_a_given_axes_and_leave_global_settings_alone(geo):
    before = dict(matplotlib.rcParams)
    fig, (a1, a2) = plt.subplots(1, 2)
    s = C.group_summary(tiny_panel())
    assert groups.plot_domain_profiles(s, "type", 2024, ax=a1) is a1
    assert groups.plot_predicate_shares(s, "type", ax=a2) is a2
    assert len(fig.axes) == 2
    groups.plot_index_distribution(tiny_panel())
    maps.plot_province_maps(C.province_spread(tiny_panel()), geo=geo)
    maps.plot_province_choropleth(C.province_spread(tiny_panel()).query("year == 2024"), "mean_local", "t", geo=geo)
    assert dict(matplotlib.rcParams) == before
    with pytest.raises(SPBEError, match="ax must be a matplotlib Axes"):
        groups.plot_domain_profiles(s, "type", 2024, ax="left")
