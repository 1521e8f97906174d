"""Report cards: finding an institution, the card's numbers against the library, the self-contained page, the CLI.

The page is also opened in a real headless browser (screenshot, print to one page) in tests/test_docs.py
(marker ``browser``, run by ``make docs-test``)."""
import math
import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from spbe_research import datasets, get_framework, index_from_domains, predicate, report  # noqa: E402
from spbe_research.__main__ import main  # noqa: E402
from spbe_research.errors import SPBEError  # noqa: E402

N_DRAWS = 2000  # fewer draws than the card's default keep the suite fast; the numbers are checked, not the setting


@pytest.fixture(scope="module")
def results():
    return datasets.load_results()


@pytest.fixture(scope="module")
def agam(results):
    """Kabupaten Agam 2024: 2.56, Cukup under 59/2020 but Baik under the 8/2026 bands."""
    return report.report_card("13.06", results=results, n_draws=N_DRAWS)


# ------------------------------------------------------------------------------------------ finding
@pytest.mark.parametrize("query, name", [
    ("35.06", "Kabupaten Kediri"), ("  35.06 ", "Kabupaten Kediri"), ("Kota Kendari", "Kota Kendari"),
    ("kota kendari", "Kota Kendari"), ("kendari", "Kota Kendari"), ("KABUPATEN AGAM", "Kabupaten Agam"),
])
def test_find_institution(query, name):
    assert report.find_institution(query)["institution_name"] == name


def test_ambiguous_name_lists_every_match():
    with pytest.raises(SPBEError, match="ambiguous") as e:
        report.find_institution("bandung")
    for expected in ("32.04 Kabupaten Bandung", "32.17 Kabupaten Bandung Barat", "32.73 Kota Bandung"):
        assert expected in str(e.value)


def test_unknown_name_lists_close_matches_best_first():
    with pytest.raises(SPBEError, match="no institution 'Kota Kendary'") as e:
        report.find_institution("Kota Kendary")
    assert str(e.value).split("Close matches: ")[1].startswith("74.71 Kota Kendari")
    with pytest.raises(SPBEError, match="No close match"):
        report.find_institution("xyzzy")
    with pytest.raises(SPBEError, match="give an institution"):
        report.find_institution("  ")


# ------------------------------------------------------------------------------------------ numbers
def test_card_values_come_from_the_panel(agam, results):
    row = results[(results["institution_id"] == "13.06") & (results["year"] == 2024)
                  & (results["source_kind"] == "official_report")].iloc[0]
    assert agam.year == 2024 and agam.framework == "PermenPANRB 59/2020"
    assert agam.index == row["index"] == 2.56
    assert (agam.predicate, agam.predicate_2026) == ("Cukup", "Baik")
    assert agam.profile["value"].tolist() == row[["D1", "D2", "D3", "D4"]].astype(float).tolist()
    assert len(agam.history) == (results["institution_id"] == "13.06").sum()


def test_medians_of_type_and_province(agam, results):
    y = results[(results["year"] == 2024) & (results["source_kind"] == "official_report")].dropna(
        subset=["D1", "D2", "D3", "D4"])
    kab = y[y["institution_type"] == "kabupaten"]
    prov = y[y["province_code"] == "13"]
    p = agam.profile.set_index("domain")
    assert p.loc["D2", "type_median"] == kab["D2"].median() and p["n_type"].iloc[0] == len(kab)
    assert p.loc["D4", "province_median"] == prov["D4"].median() and p["n_province"].iloc[0] == len(prov)


def test_rank_within_province(agam, results):
    y = results[(results["year"] == 2024) & (results["source_kind"] == "official_report")]
    kab = y[(y["province_code"] == "13") & (y["institution_type"] == "kabupaten")]
    expected = int((kab["index"] > 2.56).sum()) + 1
    first = agam.ranks.iloc[0]
    assert (first["scope"], first["rank"], first["n_peers"]) == ("province, same type", expected, len(kab))


def test_plan_reaches_the_next_band_with_the_fewest_steps(agam):
    fw = get_framework("2020")
    plan = agam.plan
    assert plan.target_index == 2.6  # Baik's lower edge under 59/2020
    # every step goes to the domain whose heaviest indicator is worth most (services, 3 % a step)
    assert plan.steps["indicator"].tolist() == ["D4"]
    assert report._steps(plan) == math.ceil((2.6 - plan.start_index) / 0.03 - 1e-9)
    new = agam.profile.set_index("domain")["value"].copy()
    new[plan.steps["indicator"]] = plan.steps["new"].to_numpy()
    assert index_from_domains(new.to_frame().T, fw).iloc[0] >= 2.6 - 1e-12
    # under the 8/2026 bands the same index is already Baik: the next band is Sangat Baik (3.5)
    assert agam.plan_2026.target_index == get_framework("2026").bands[3].lower == 3.5
    assert report._steps(agam.plan_2026) > report._steps(plan)


def test_plan_is_none_in_the_top_band():
    top = pd.Series({"D1": 5.0, "D2": 5.0, "D3": 5.0, "D4": 5.0})
    assert report.next_predicate_plan(top, "2020") is None


def test_p_keep_matches_weight_uncertainty(agam, results):
    from spbe_research import sensitivity
    y = results[(results["year"] == 2024) & (results["source_kind"] == "official_report")].dropna(
        subset=["D1", "D2", "D3", "D4"])
    u = sensitivity.weight_uncertainty(y[["institution_id", "D1", "D2", "D3", "D4"]].reset_index(drop=True), "2020",
                                       n_draws=N_DRAWS, concentration=report.CONCENTRATION, seed=report.SEED).table
    assert agam.uncertainty["p_keep_predicate"] == u.set_index("institution_id").at["13.06", "p_keep_predicate"]
    assert agam.summary().at[0, "p_keep_predicate"] == agam.uncertainty["p_keep_predicate"]


# ------------------------------------------------------------------------------------------ page
def test_page_is_self_contained_with_alt_text(agam):
    page = report.render_html(agam)
    assert page == report.render_html(agam)  # deterministic: no time stamps
    assert not re.search(r"""(src|href)=["'](?!data:|https?://|#)""", page)  # no local files
    assert "<script" not in page and "<link" not in page  # nothing fetched to draw the page
    imgs = re.findall(r"<img [^>]*>", page)
    assert len(imgs) == 2
    alts = [re.search(r'alt="([^"]*)"', i).group(1) for i in imgs]
    assert all(len(a) > 40 for a in alts)
    assert "2024 2.56 (official report, official)" in alts[0]
    assert "D4 SPBE services 3.37" in alts[1]
    assert "Kabupaten Agam" in page and "@page" in page


def test_figures_follow_the_plotting_convention(agam):
    import matplotlib.pyplot as plt
    from spbe_research.plotting.style import alt_text
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 2)
    assert report.plot_history(agam, ax=axes[0]) is axes[0]
    assert report.plot_profile(agam, ax=axes[1]) is axes[1]
    assert dict(matplotlib.rcParams) == before
    assert "Bar chart of the 4 domain values of Kabupaten Agam" in alt_text(axes[1])
    plt.close(fig)


def test_press_only_institution_gets_a_short_card(results):
    press_only = datasets.load_institutions().query("institution_id == 'P.4014'").iloc[0]
    card = report.report_card("P.4014", results=results, n_draws=N_DRAWS)
    assert card.year is None and card.plan is None and len(card.history) == press_only["n_results"]
    page = report.render_html(card)
    assert "No official report row" in page and "<img" not in page


def test_command_line(tmp_path, capsys):
    out = tmp_path / "card.html"
    assert main(["report", "Kota Kendari", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert "Kota Kendari" in out.read_text(encoding="utf-8")
    assert main(["report", "bandung", "--out", str(tmp_path / "x.html")]) == 1
    err = capsys.readouterr().err
    assert "ambiguous" in err and "32.73 Kota Bandung" in err
    assert not (tmp_path / "x.html").exists()
