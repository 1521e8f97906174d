"""Impact figures (plotting/impact.py): Axes in and out, no global style, alt text from the data drawn, concept and
pair colours, the change-against-before view that makes falls countable, and alt text in notebooks 03, 04, 08."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from spbe_research.errors import SPBEError  # noqa: E402
from spbe_research.impact import change_counts as impact_change_counts, predicate_transitions  # noqa: E402
from spbe_research.plotting import impact as figs  # noqa: E402
from spbe_research.plotting.style import CONCEPT_COLORS, PAIR_COLORS, alt_text  # noqa: E402


# tiny hand-made inputs: five pairs, 2 rose, 2 fell, 1 stayed the same
PAIRS = pd.DataFrame({"institution_id": list("abcde"), "institution_name": ["A", "B", "C", "D", "E"],
                      "index_before": [2.0, 3.0, 3.5, 1.5, 4.0], "index_after": [2.5, 2.9, 3.5, 1.2, 4.1]})
PAIRS["change"] = PAIRS["index_after"] - PAIRS["index_before"]
HYP = pd.DataFrame({"hypothesis": ["a", "b", "a", "b"], "year": [2023, 2023, 2024, 2024],
                    "difference": [0.002, 0.335, -0.004, 0.374], "tolerance": [0.005, 0.01, 0.005, 0.01]})
MECH = pd.DataFrame({"year": [2019, 2020, 2021], "published_index": [2.18, 2.26, 2.24],
                     "index_2018_weights": [2.172, 2.262, 2.450], "index_2020_weights": [np.nan, np.nan, 2.241]})
DEC = pd.DataFrame({"year_from": 2020, "year_to": 2021, "component": ["policy", "management"],
                    "part": ["level", "added"], "value": [0.1, -0.17], "total_change": -0.07})
CONTRIB = pd.DataFrame({"group": "all", "domain": ["D1", "D2", "D3", "D4"],
                        "domain_name": ["Kebijakan", "Tata Kelola", "Manajemen", "Layanan"],
                        "contribution": [0.06, 0.09, 0.04, 0.16]})
SIM = pd.DataFrame({"new_indicators": ["level_1", "own_mean"], "scale": ["clip", "clip"], "mean_shift": [-0.37, 0.08],
                    "ci95_low": [-0.38, 0.07], "ci95_high": [-0.36, 0.09], "shift_p05": [-0.8, -0.1],
                    "shift_p95": [0.1, 0.3], "n_profiles": 100, "mean_index_2018": 2.27})
ADJ = pd.DataFrame({"institution_name": ["P", "Q", "R"], "year_before": 2020, "year_after": [2021, 2023, 2023],
                    "stage_before": ["official", "unknown", "unknown"], "stage_after": "official",
                    "change": [-0.02, 0.40, -0.30], "trend_adjusted_change": [-0.57, -0.10, -0.80]})
TESTS = pd.DataFrame({"subset": ["all", "all"], "measure": ["change", "trend_adjusted_change"],
                      "role": "headline", "n": 15, "hodges_lehmann": [-0.085, -0.414],
                      "ci95_low": [-0.37, -0.721], "ci95_high": [0.245, -0.109]})

# function, its input, the number (from the data) its description must state
CASES = {
    "hypotheses": (lambda ax: figs.plot_hypotheses(HYP, ax=ax), "+0.374"),
    "national_weights": (lambda ax: figs.plot_national_weights(MECH, ax=ax), "0.209"),
    "decomposition": (lambda ax: figs.plot_decomposition(DEC, ax=ax), "re-weighting -0.170"),
    "change_vs_before": (lambda ax: figs.plot_change_vs_before(PAIRS, ax=ax), "2 rose, 2 fell and 1 stayed"),
    "slope": (lambda ax: figs.plot_slope(PAIRS, ax=ax), "2 rose, 2 fell and 1 stayed"),
    "transition_heatmap": (lambda ax: figs.plot_transition_heatmap(predicate_transitions(PAIRS), ax=ax),
                           "for 5 institutions"),
    "domain_contributions": (lambda ax: figs.plot_domain_contributions(CONTRIB, ax=ax), "D4 +0.160"),
    "simulation": (lambda ax: figs.plot_simulation(SIM, observed={"ref": -0.192}, ax=ax), "-0.370 (level_1 | clip)"),
    "pair_changes": (lambda ax: figs.plot_pair_changes(ADJ, reference={"ref": -0.19}, ax=ax), "(3 below zero)"),
    "switch_effects": (lambda ax: figs.plot_switch_effects(TESTS, ax=ax), "-0.414 [-0.721, -0.109]"),
}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(CASES))
def test_draws_on_the_given_axes_leaves_rcparams_and_describes_the_data(name):
    draw, number = CASES[name]
    fig, ax = plt.subplots()
    before = dict(matplotlib.rcParams)
    assert draw(ax) is ax
    assert dict(matplotlib.rcParams) == before
    alt = alt_text(ax)
    assert number in alt, alt
    assert ax.get_title()
    # without an Axes: a new figure, its Axes returned
    new = draw(None)
    assert isinstance(new, matplotlib.axes.Axes) and new.figure is not fig


def test_residuals_one_panel_per_year_on_given_axes():
    audit = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "index_recomputed": [2.0, 3.0, 2.5, np.nan],
                          "residual": [0.004, -0.002, 0.02, np.nan], "tolerance": 0.01,
                          "within_tolerance": pd.array([True, True, False, pd.NA], dtype="boolean")})
    fig, axes = plt.subplots(1, 2)
    before = dict(matplotlib.rcParams)
    got = figs.plot_residuals(audit, axes=axes)
    assert dict(matplotlib.rcParams) == before
    assert list(got) == list(axes) and [a.get_title() for a in got] == ["Evaluation year 2023", "Evaluation year 2024"]
    alt = alt_text(got[0])
    assert "2023: 2 of 2 rows within ±0.01" in alt and "2024: 0 of 1 rows" in alt and "0.0200" in alt
    assert len(figs.plot_residuals(audit)) == 2
    with pytest.raises(SPBEError, match="one Axes per year"):
        figs.plot_residuals(audit, axes=plt.subplots(1, 3)[1])


def test_change_counts_by_hand_and_missing_values_raise():
    assert impact_change_counts(PAIRS).to_dict() == {"n": 5, "rose": 2, "fell": 2, "same": 1}
    # without a change column, from the two indices
    assert impact_change_counts(PAIRS.drop(columns="change")).to_dict() == {"n": 5, "rose": 2, "fell": 2, "same": 1}
    bad = PAIRS.assign(index_after=[2.5, np.nan, 3.5, 1.2, 4.1]).drop(columns="change")
    with pytest.raises(SPBEError, match="pair without a change") as e:
        impact_change_counts(bad)
    assert "b" in str(e.value)


def test_change_vs_before_draws_every_fall_in_its_own_colour_and_names_the_largest():
    ax = figs.plot_change_vs_before(PAIRS, n_label=1, before_label="2023", after_label="2024")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["rose (n=2)", "stayed the same (n=1)", "fell (n=2)"]
    fell = next(c for c in ax.collections if c.get_label().startswith("fell"))
    offsets = np.asarray(fell.get_offsets())
    assert len(offsets) == 2 and (offsets[:, 1] < 0).all()  # one marker per fall, all below zero
    assert to_hex(fell.get_facecolor()[0]) == PAIR_COLORS[1].lower()
    rose = next(c for c in ax.collections if c.get_label().startswith("rose"))
    assert to_hex(rose.get_facecolor()[0]) == PAIR_COLORS[0].lower()
    assert any("D (-0.30)" in t.get_text() for t in ax.texts)  # the largest fall is named
    assert "largest fall -0.30 (D)" in alt_text(ax) and "(2024 − 2023)" in alt_text(ax)


def test_domains_and_decomposition_take_their_concept_colour():
    ax = figs.plot_domain_contributions(CONTRIB)
    got = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert got == [CONCEPT_COLORS[c].lower() for c in ("policy", "governance", "management", "services")]
    ax = figs.plot_decomposition(DEC)
    assert {to_hex(p.get_facecolor()) for p in ax.patches} == {CONCEPT_COLORS["policy"].lower(),
                                                               CONCEPT_COLORS["management"].lower()}
