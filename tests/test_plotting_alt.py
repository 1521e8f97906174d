"""Alt text and the plotting convention for the group, map, model and framework figures and their notebooks.

Each plotting function draws on the Axes it is given and returns it (multi-panel: the array of Axes), leaves
matplotlib's global settings alone (at import and at call time), and describes its figure in words with numbers
taken from the data drawn. Every figure of notebooks 01, 02, 05, 07 and 09 is displayed with ``show`` and so
carries that description as its image's alt text and as its text output (which nbval compares).
"""
from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from spbe_research import compare as C  # noqa: E402
from spbe_research import models as M  # noqa: E402
from spbe_research.plotting import frameworks as pf  # noqa: E402
from spbe_research.plotting import groups, maps  # noqa: E402
from spbe_research.plotting import models as pm  # noqa: E402
from spbe_research.plotting.style import alt_text  # noqa: E402

from test_compare import tiny_panel  # noqa: E402  (tests/ is on sys.path under pytest)
from test_models import synthetic  # noqa: E402



@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def geo():
    return maps.load_province_map()


@pytest.fixture(autouse=True)
def _rc_unchanged():
    """Every test here also checks that plotting left matplotlib's global settings as they were."""
    before = dict(matplotlib.rcParams)
    yield
    assert dict(matplotlib.rcParams) == before


def _ax():
    return plt.subplots()[1]


# ------------------------------------------------------------------------------------------------ groups
def test_index_distribution_describes_the_medians():
    ax = _ax()
    assert groups.plot_index_distribution(tiny_panel(), ax=ax) is ax
    alt = alt_text(ax)
    assert alt.startswith("Box plots with one point per institution of the SPBE index (0–5) by type")
    # 2024 official rows: kabupaten 2.0, 3.0, 3.0, 1.5 (median 2.5); kota 4.4 alone
    assert "2024 (9 institutions): medians from 2.50 (Kabupaten (regency)) to 4.40 (Kota (city))" in alt
    assert "2023 (2 institutions): medians from 1.50 (Kabupaten (regency))" in alt


def test_predicate_shares_describe_the_extremes():
    ax = _ax()
    assert groups.plot_predicate_shares(C.group_summary(tiny_panel()), "type", ax=ax) is ax
    alt = alt_text(ax)
    # kabupaten 2023: Kurang 1.0 and Cukup 2.0, so none Baik or better and half Kurang
    assert "Baik (good) or better from 0.0 % (Kabupaten (regency), 2023)" in alt
    assert "to 100.0 % (Kementerian (ministry), 2024; Kota (city), 2024)" in alt
    assert "the largest Kurang (poor) share is 50.0 % (Kabupaten (regency), 2023)" in alt


def test_domain_profiles_describe_highest_and_lowest_domain():
    ax = _ax()
    assert groups.plot_domain_profiles(C.group_summary(tiny_panel()), "type", 2024, ax=ax) is ax
    alt = alt_text(ax)
    # the tiny panel's D1 is index + 0.5 and D2 index − 0.5: D1 leads everywhere; kota D1 = 4.4 + 0.5
    assert "D1 Policy (Kebijakan) is highest in 4 of 4 groups and D2 Governance (Tata Kelola) lowest in 4 of 4" in alt
    assert "to 4.90 (Kota (city), D1)" in alt


# ------------------------------------------------------------------------------------------------ maps
def test_choropleth_describes_extremes_bands_and_gaps(geo):
    sp = C.province_spread(tiny_panel())
    ax = _ax()
    assert maps.plot_province_choropleth(sp[sp["year"] == 2024], "mean_local", "Mean, 2024", geo=geo, ax=ax) is ax
    assert ax.get_legend() is not None  # a given Axes gets the legend under it
    alt = alt_text(ax)
    # Jawa Timur's kabupaten/kota 2.0, 3.0, 4.4, 3.0 (mean 3.1, Baik); NTB's one kabupaten 1.5 (Kurang)
    assert "2 of 38 provinces with a value, from 1.50 (Nusa Tenggara Barat) to 3.10 (Jawa Timur) (1 Kurang, 1 Baik)" in alt
    assert alt.endswith("36 without data (hatched grey).")


def test_province_maps_take_and_return_axes(geo):
    fig, grid = plt.subplots(2, 2)
    axes = maps.plot_province_maps(C.province_spread(tiny_panel()), geo=geo, axes=grid)
    assert axes.shape == (2, 2) and all(a is b for a, b in zip(axes.ravel(), grid.ravel()))
    alt = alt_text(fig)
    assert "one row per year (2023, 2024)" in alt
    # 2023: the provincial governments have no row; 2024: NTB 2.5 (Cukup), Jawa Timur 3.6 (Sangat Baik)
    assert "2023, provincial governments: no province of 38 has a value" in alt
    assert "2024, provincial governments: 2 of 38 provinces with a value, from 2.50 (Nusa Tenggara Barat)" in alt


# ------------------------------------------------------------------------------------------------ models
@pytest.fixture(scope="module")
def fit():
    return M.ols(synthetic(n_prov=6, per=10))


def test_coefficients_describe_the_largest_term(fit):
    ax = _ax()
    coefs = fit.coefficients
    assert pm.plot_coefficients(coefs, ax=ax) is ax
    alt = alt_text(ax)
    top = coefs.loc[coefs["beta"].abs().idxmax()]
    excl = int(((coefs["beta_ci95_low"] > 0) | (coefs["beta_ci95_high"] < 0)).sum())
    assert f"{excl} of {coefs['beta'].notna().sum()} intervals exclude zero" in alt
    assert f"the largest in size is {top['label']} at {top['beta']:.3f}" in alt


def test_domain_outcomes_take_their_concept_colours():
    """Outcomes D1–D4 of 59/2020 get the colour of their concept, the index black (as in notebook 09)."""
    from matplotlib.colors import to_hex

    from spbe_research.plotting.style import concept_color
    coefs = pd.DataFrame({"term": "ipm", "label": "IPM", "year": 2024, "outcome": ["index", "D1", "D4"],
                          "beta": [0.2, 0.1, -0.3], "beta_ci95_low": [0.1, -0.1, -0.5], "beta_ci95_high": [0.3, 0.3, -0.1]})
    ax = pm.plot_coefficients(coefs, group="outcome")
    colours = [to_hex(line.get_color()) for line in ax.lines]
    assert to_hex(concept_color("policy")) in colours and to_hex(concept_color("services")) in colours
    assert "2 of 3 intervals exclude zero; the largest in size is IPM at -0.300 (CI -0.500 to -0.100, outcome D4)" \
        in alt_text(ax)


def test_partial_dependence_describes_the_prediction(fit):
    ax = _ax()
    assert pm.plot_partial_dependence(fit, "ipm", ax=ax) is ax
    grid = M.partial_dependence(fit, "ipm")
    alt = alt_text(ax)
    assert f"from {grid['predicted'].iloc[0]:.2f} at {grid['value_original'].iloc[0]:.4g}" in alt
    assert f"{len(fit.observations)} regions drawn as partial residuals" in alt


def test_diagnostics_take_and_return_three_axes(fit):
    _, given = plt.subplots(1, 3)
    axes = pm.plot_diagnostics(fit, axes=given)
    assert all(a is b for a, b in zip(axes, given))
    o = fit.observations
    top = o.loc[o["cooks_d"].idxmax()]
    alt = alt_text(axes[0])
    assert f"{len(o)} regions" in alt and f"{top['institution_name']} (D = {top['cooks_d']:.3f})" in alt
    assert f"{int(o['influential'].sum())} regions above 4/n = {4 / len(o):.4f}" in alt


def test_residual_map_describes_both_ends(geo):
    vals = pd.DataFrame({"province_code": ["35", "51", "94"], "mean_residual": [0.2, -0.4, 0.1]})
    ax = _ax()
    assert pm.plot_residual_map(vals, ax=ax, geo=geo) is ax
    alt = alt_text(ax)
    assert "3 of 38 provinces with a value, most negative -0.400 (Bali), most positive 0.200 (Jawa Timur)" in alt
    assert alt.endswith("35 without data (hatched grey).")


# ------------------------------------------------------------------------------------------------ frameworks
def test_framework_figures_describe_weights_and_marked_values():
    ax = _ax()
    assert pf.frameworks_side_by_side(("2018", "2020"), ax=ax) is ax
    assert "PermenPANRB 59/2020: D1 Internal SPBE policy 13 %" in alt_text(ax) and "services 45.5 %" in alt_text(ax)
    ax = _ax()
    assert pf.compare_bands(("2020", "2026"), ax=ax, values={"Aceh Tengah 2025": 2.59}) is ax
    assert "Aceh Tengah 2025 at 2.59, Cukup under PermenPANRB 59/2020 and Baik under PermenPANRB 8/2026" in alt_text(ax)
    ax = _ax()
    assert pf.predicate_bands_figure("2026", ax=ax, values={"x": 3.99}) is ax
    assert "x at 3.99, Sangat Baik under PermenPANRB 8/2026" in alt_text(ax)


def test_importing_the_plotting_modules_changes_no_setting():
    code = ("import matplotlib; before = dict(matplotlib.rcParams)\n"
            "import spbe_research.plotting.groups, spbe_research.plotting.maps, spbe_research.plotting.models, "
            "spbe_research.plotting.frameworks\n"
            "assert dict(matplotlib.rcParams) == before, 'rcParams changed at import'")
    subprocess.run([sys.executable, "-c", code], check=True)
