"""Framework figures: concept colours (not codes), every framework's own bands, Axes in and out, no global style."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import spbe_research as spbe  # noqa: E402
from spbe_research.plotting import frameworks as pf  # noqa: E402
from spbe_research.plotting.style import CONCEPT_COLORS, PREDICATE_COLORS, predicate_colors  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _facecolors(ax):
    return [to_hex(p.get_facecolor()) for p in ax.patches]


@pytest.mark.parametrize("name", ["2018", "2020", "2026", "draft-2025"])
def test_sunburst_colours_the_top_level_by_concept(name):
    fw = spbe.get_framework(name)
    ax = pf.framework_sunburst(fw)
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title().startswith(fw.name)
    top = fw.level_table(fw.top_level)
    inner = _facecolors(ax)[:len(top)]  # the first ring drawn is the top level
    assert sorted(inner) == sorted(CONCEPT_COLORS[c].lower() for c in top["concept"])
    assert len(ax.get_legend().get_texts()) == len(top)
    assert ax.figure.get_label()  # alt text


def test_services_have_one_colour_whatever_their_code():
    a18, a20 = pf.framework_sunburst("2018"), pf.framework_sunburst("2020")
    svc = CONCEPT_COLORS["services"].lower()
    assert _facecolors(a18)[2] == svc and _facecolors(a20)[3] == svc  # D3 in 5/2018, D4 in 59/2020


def test_side_by_side_and_band_comparison():
    ax = pf.frameworks_side_by_side(("2018", "2020", "2026"))
    widths = [p.get_width() for p in ax.patches]
    assert sum(widths) == pytest.approx(300)  # three frameworks, each 100 %
    assert [t.get_text() for t in ax.get_yticklabels()][2].startswith("PermenPANRB 8/2026")
    ax = pf.compare_bands(("2020", "2026"), values={"Aceh Tengah 2025": 2.59})
    lefts = sorted({round(p.get_x(), 6) for p in ax.patches})
    assert lefts == [1.0, 1.5, 1.8, 2.5, 2.6, 3.5, 4.0, 4.2]
    ax = pf.predicate_bands_figure("2026", values={"x": 2.59})
    assert [round(p.get_x(), 6) for p in ax.patches] == [1.0, 1.5, 2.5, 3.5, 4.0]
    assert _facecolors(ax) == [PREDICATE_COLORS[p] for p in spbe.get_framework("2026").predicates]


def test_predicate_colours_for_a_users_bands_and_no_global_style_change():
    fw = spbe.load_framework(spbe.frameworks.example_path())
    colors = predicate_colors(fw)
    assert list(colors) == ["Rintisan", "Berkembang", "Maju"] and len(set(colors.values())) == 3
    before = dict(matplotlib.rcParams)
    pf.framework_sunburst(fw)
    pf.predicate_bands_figure(fw)
    assert dict(matplotlib.rcParams) == before


def test_describe_keeps_every_panel_of_a_figure():
    """Side-by-side panels: the figure's alt text names each described panel in order; one panel: its text."""
    import matplotlib.pyplot as plt

    from spbe_research.plotting.style import alt_text, describe
    fig, (a, b, c) = plt.subplots(1, 3)
    describe(a, "first panel text.")
    assert alt_text(fig) == "first panel text."
    describe(b, "second panel text.")
    assert alt_text(fig) == "2 panels. Panel 1: first panel text. Panel 2: second panel text."
    assert alt_text(a) == alt_text(fig)  # an Axes reads its figure's description
    plt.close(fig)


def test_alt_text_of_an_array_of_axes_is_its_figures():
    import matplotlib.pyplot as plt

    from spbe_research.plotting.style import alt_text, describe
    fig, axes = plt.subplots(1, 2)
    describe(axes[1], "right panel.")
    assert alt_text(axes) == alt_text(list(axes)) == alt_text(fig) == "right panel."
    with pytest.raises(TypeError):
        alt_text([])
    plt.close(fig)
