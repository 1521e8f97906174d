"""Framework definitions: shipped structure and weights, agreement with the raw tables, validation on load of
user files (file, row and field named), read-only tables, edits, years and crosswalks."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spbe_research as spbe
from spbe_research import frameworks

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "frameworks"
EXAMPLE = frameworks.example_path()


# --- names, years ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("2018", "PermenPANRB 5/2018"), ("PermenPANRB 5/2018", "PermenPANRB 5/2018"), ("5/2018", "PermenPANRB 5/2018"),
    (2018, "PermenPANRB 5/2018"), ("2020", "PermenPANRB 59/2020"), ("PermenPANRB No. 59 Tahun 2020", "PermenPANRB 59/2020"),
    ("permenpanrb 59/2020", "PermenPANRB 59/2020"), ("2026", "PermenPANRB 8/2026"), ("Indeks Pemdi", "PermenPANRB 8/2026"),
    ("PermenPANRB 8/2026", "PermenPANRB 8/2026"), ("draft-2025", "Indeks Pemdi draft 2025 (not enacted)"),
])
def test_aliases(name, expected):
    assert spbe.get_framework(name).name == expected


@pytest.mark.parametrize("name", ["2019", "PermenPANRB 9/2030", "", "59/2021", None, True])
def test_unknown_framework_raises(name):
    with pytest.raises(spbe.SPBEError, match="unknown framework"):
        spbe.get_framework(name)


@pytest.mark.parametrize("year,name", [(2018, "5/2018"), (2020, "5/2018"), (2021, "59/2020"), (2024, "59/2020"),
                                       (2025, "59/2020"), (2026, "8/2026"), (2030, "8/2026"), (2023.0, "59/2020")])
def test_framework_for_year_follows_declared_years(year, name):
    assert spbe.framework_for_year(year).name == f"PermenPANRB {name}"


@pytest.mark.parametrize("year", [2017, 2020.5, "x", None, True])
def test_framework_for_bad_year(year):
    with pytest.raises(spbe.SPBEError, match="year"):
        spbe.framework_for_year(year)


def test_the_draft_governs_no_year_and_says_it_was_not_enacted():
    fw = spbe.get_framework("draft-2025")
    assert "not enacted" in fw.status and fw.evaluation_years == () and not fw.covers_year(2026)


# --- shipped structure -----------------------------------------------------------------------------------

def test_2018_structure_and_weights():
    fw = spbe.get_framework("2018")
    assert fw.indicators["indicator_no"].nunique() == 35
    assert len(fw.indicators) == 37  # 35-1, 35-2, 35-3 are scored separately (items of indicator 35)
    assert len(fw.aspects) == 7 and len(fw.domains) == 3 and fw.tree_levels[-1] == "item"
    assert fw.levels == (0, 1, 2, 3, 4, 5) and fw.is_integer
    assert fw.domains.weight.tolist() == [17.0, 28.0, 55.0]
    assert fw.aspects.weight.tolist() == [7.0, 10.0, 8.0, 8.0, 12.0, 35.0, 20.0]
    w = fw.indicators.set_index("indicator")["weight"]
    assert w["1"] == 1 and w["18"] == 4 and w["25"] == 5
    assert w[["32", "33", "34", "35-1", "35-2", "35-3"]].to_numpy() == pytest.approx([10 / 3] * 6)
    assert fw.indicators.loc[fw.indicators.indicator_no == 35, "weight"].sum() == pytest.approx(10)
    assert fw.indicator_weights.sum() == pytest.approx(1, abs=1e-12)


def test_2020_structure_and_weights():
    fw = spbe.get_framework("2020")
    assert len(fw.indicators) == 47 and len(fw.aspects) == 8 and len(fw.domains) == 4
    assert fw.levels == (1, 2, 3, 4, 5)
    assert fw.domains.weight.tolist() == [13.0, 25.0, 16.5, 45.5]
    assert fw.aspects.weight.tolist() == [13.0, 10.0, 10.0, 5.0, 12.0, 4.5, 27.5, 18.0]
    by_aspect = fw.indicators.groupby("aspect")["weight"].unique().map(list).to_dict()
    assert by_aspect == {"A1": [1.3], "A2": [2.5], "A3": [2.5], "A4": [2.5], "A5": [1.5], "A6": [1.5], "A7": [2.75],
                         "A8": [3.0]}
    assert fw.indicators.set_index("indicator").loc[["29", "30", "31"], "aspect"].eq("A6").all()
    assert fw.indicator_to_aspect.sum(axis=0) == pytest.approx(1) and fw.aspect_to_domain.sum(axis=0) == pytest.approx(1)
    # the value grid of each domain (a mean of k equally weighted whole levels lies on multiples of 1/k)
    assert [fw.value_grid(d) for d in ("D1", "D2", "D3")] == [10, 10, 11]


def test_indeks_pemdi_structure_weights_scale_and_bands():
    fw = spbe.get_framework("8/2026")
    assert fw.tree_levels == ("index", "aspect", "indicator") and not fw.has_level("domain")
    assert fw.aspects.weight.tolist() == [10.0, 10.0, 15.0, 15.0, 10.0, 15.0, 25.0]
    assert len(fw.indicators) == 20 and fw.indicator_weights.sum() == pytest.approx(1)
    assert fw.indicators.groupby("aspect")["indicator"].count().tolist() == [2, 2, 4, 4, 2, 4, 2]
    assert not fw.is_integer and (fw.scale_min, fw.scale_max) == (1.0, 5.0)
    assert fw.predicates == ("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan")
    assert fw.band_edges.tolist() == [1.5, 2.5, 3.5, 4.0]
    assert fw.level_names["name"].tolist() == ["Merintis", "Membangun", "Berkembang", "Melembaga", "Unggul"]
    assert fw.level_names["name_en"].tolist() == ["Initiate", "Emerging", "Developing", "Embedded", "Leading"]
    assert [c.indicator for c in fw.conversions] == ["5", "6", "7", "10", "11", "12", "18"]
    assert "NOT SEEN" in fw.citation and fw.evidence_grade == "B"
    with pytest.raises(spbe.SPBEError, match="has no 'domain' level"):
        fw.domains


def test_draft_structure():
    fw = spbe.get_framework("draft-2025")
    assert len(fw.aspects) == 9 and len(fw.indicators) == 35 and fw.indicator_weights.sum() == pytest.approx(1)
    assert fw.aspects.weight.tolist() == [5, 5, 20, 6, 9, 10, 10, 15, 20]
    assert fw.band_edges.tolist() == [1.8, 2.6, 3.5, 4.2]  # SPBE bands in the draft
    assert fw.facts.set_index("topic").loc["bands", "evidence_grade"] == "C"


def test_level_names_and_citation():
    fw = spbe.get_framework("2020")
    process = fw.level_names.query("capability == 'process'").set_index("level")["name"]
    service = fw.level_names.query("capability == 'service'").set_index("level")["name"]
    assert process.tolist() == ["Rintisan", "Terkelola", "Terdefinisi", "Terpadu dan Terukur", "Optimum"]
    assert service.tolist() == ["Informasi", "Interaksi", "Transaksi", "Kolaborasi", "Optimum"]
    assert "Berita Negara RI Tahun 2020 Nomor 994" in fw.citation
    assert "Nomor 154" in spbe.get_framework("2018").citation
    assert set(fw.indicators.query("capability == 'service'").indicator_no) == set(range(32, 48))


def test_every_fact_has_an_evidence_grade():
    for name in ("2018", "2020", "2026", "draft-2025"):
        facts = spbe.get_framework(name).facts
        assert facts["evidence_grade"].isin(["A", "B", "C"]).all(), name
    assert spbe.get_framework("2018").facts.set_index("topic").loc["bands", "evidence_grade"] == "C"  # assumed


def test_concepts_tag_every_top_level_node_from_one_vocabulary():
    vocab = set(spbe.concepts()["concept"])
    for name in ("2018", "2020", "2026", "draft-2025"):
        fw = spbe.get_framework(name)
        top = fw.level_table(fw.top_level)
        assert top["concept"].isin(vocab).all(), name
        assert fw.indicators["concept"].isin(vocab).all(), name
    fw18, fw20 = spbe.get_framework("2018"), spbe.get_framework("2020")
    # services are D3 in 5/2018 and D4 in 59/2020: the concept, not the code, names them
    assert fw18.concept_of("D3").iloc[0] == fw20.concept_of("D4").iloc[0] == "services"


@pytest.mark.parametrize("short,raw", [("2018", "spbe_frameworks_2018.csv"), ("2020", "spbe_frameworks_2020.csv")])
def test_spbe_package_data_matches_raw_tables(short, raw):
    fw = spbe.get_framework(short)
    src = pd.read_csv(RAW / raw)
    pkg = fw.indicators.groupby("indicator_no").agg(weight=("weight", "sum"), aspect=("aspect", "first"),
                                                     domain=("domain", "first"))
    nodes = fw.nodes.set_index("code")
    assert pkg.index.tolist() == src.indicator_no.tolist()
    np.testing.assert_allclose(pkg.weight.to_numpy(), src.weight_percent.to_numpy(), atol=1e-9)
    assert nodes.loc[src.indicator_no.astype(str), "name"].tolist() == src.indicator_name.tolist()
    assert (pkg.aspect.map(nodes["name"]).to_numpy() == src.aspect.to_numpy()).all()
    assert (pkg.domain.map(nodes["name"]).to_numpy() == src.domain.to_numpy()).all()


@pytest.mark.parametrize("short,raw", [("2026", "indicators_permenpanrb_8_2026.csv"),
                                       ("draft-2025", "indicators_draft_2025_35.csv")])
def test_pemdi_package_data_matches_raw_tables(short, raw):
    fw = spbe.get_framework(short)
    src = pd.read_csv(RAW / "pemdi_2026" / raw)
    ind = fw.indicators.set_index("indicator")
    assert ind.index.tolist() == src.indicator_no.astype(str).tolist()
    np.testing.assert_allclose(ind.weight.to_numpy(), src.weight_percent.to_numpy())
    assert ind.name.tolist() == src.indicator_name.tolist()
    assert ind.aspect.tolist() == [f"A{a}" for a in src.aspect_no]
    asp = pd.read_csv(RAW / "pemdi_2026" / "aspects_both_versions.csv")
    want = asp[asp.framework.str.startswith("PermenPANRB" if short == "2026" else "Draft")].weight_percent.tolist()
    assert fw.aspects.weight.tolist() == want


# --- read-only and edits ------------------------------------------------------------------------------------

def test_tables_are_copies_and_matrices_read_only():
    fw = spbe.get_framework("2020")
    t = fw.indicators
    t.loc[:, "weight"] = 99.0
    nodes = fw.nodes
    nodes.loc[:, "weight"] = 0.0
    assert fw.nodes["weight"].sum() > 0
    assert fw.indicators["weight"].sum() == pytest.approx(100)
    for arr in (fw.indicator_weights, fw.domain_weights, fw.aspect_weights, fw.indicator_to_aspect, fw.band_edges):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0
    assert spbe.score(np.full((1, 47), 3), fw)["index"].iloc[0] == pytest.approx(3.0)


def test_with_weights_drop_bands_and_aggregation_make_logged_copies():
    fw = spbe.get_framework("2020")
    equal = fw.with_weights({"D1": 1, "D2": 1, "D3": 1, "D4": 1})
    assert equal.domain_weights.tolist() == pytest.approx([0.25] * 4) and fw.domain_weights[3] == 0.455
    assert equal.indicator_weights.sum() == pytest.approx(1) and equal.edits
    no_services = fw.drop("D4")
    assert no_services.domain_codes == ("D1", "D2", "D3") and len(no_services.indicators) == 31
    assert no_services.domain_weights.sum() == pytest.approx(1)
    assert no_services.domain_weights / no_services.domain_weights[0] == pytest.approx(
        fw.domain_weights[:3] / fw.domain_weights[0])
    pemdi_bands = fw.with_bands([1.0, 1.5, 2.5, 3.5, 4.0])
    assert spbe.predicate(2.59, pemdi_bands) == "Baik" and spbe.predicate(2.59, fw) == "Cukup"
    geo = fw.with_aggregation({"index": "geometric"})
    row = np.array([[1] * 13 + [5] * 34])
    assert spbe.score(row, geo)["index"].iloc[0] < spbe.score(row, fw)["index"].iloc[0]
    assert "geometric" in repr(geo)
    with pytest.raises(spbe.SPBEError, match="no aggregating level 'indicator'"):
        fw.with_aggregation({"indicator": "geometric"})
    with pytest.raises(spbe.SPBEError, match="positive"):
        fw.with_weights({"D1": -1})


# --- user definitions: validation on load names file, row and field ---------------------------------------

@pytest.fixture
def user_fw(tmp_path):
    dst = tmp_path / "my_index"
    shutil.copytree(EXAMPLE, dst)
    return dst


def _edit_nodes(folder, fn):
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    nodes = fn(nodes)
    nodes.to_csv(folder / "nodes.csv", index=False)


def _edit_toml(folder, old, new):
    p = folder / "framework.toml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new))


def test_example_loads_and_scores(user_fw):
    fw = spbe.load_framework(user_fw)
    assert fw.tree_levels == ("index", "pillar", "indicator") and fw.predicates == ("Rintisan", "Berkembang", "Maju")
    assert fw.weights("pillar").tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert fw.indicators.set_index("indicator")["weight"].to_dict() == pytest.approx(
        {"S1": 30, "S2": 20, "D1": 15, "D2": 15, "W1": 20})
    out = spbe.score(pd.DataFrame([{"S1": 4, "S2": 2, "D1": 1, "D2": 3, "W1": 0}]), fw)
    assert out["P1"].iloc[0] == pytest.approx(3.2) and out["index"].iloc[0] == pytest.approx(0.5 * 3.2 + 0.3 * 2)
    assert out["predicate"].iloc[0] == "Berkembang"


@pytest.mark.parametrize("fn,match,row,field", [
    (lambda n: n.assign(weight=n.weight.where(n.code != "S1", "70")), "children of 'P1' add up to 110", 6, "weight"),
    (lambda n: pd.concat([n, n.iloc[[4]]]), "code 'S1' defined twice", 11, "code"),
    (lambda n: n.assign(parent=n.parent.where(n.code != "D2", "P9")), "'D2' has unknown parent 'P9'", 9, "parent"),
    (lambda n: n.assign(level=n.level.where(n.code != "W1", "pillar")), "'W1' is at level 'pillar'", 10, "level"),
    (lambda n: n.assign(weight=n.weight.where(n.code != "D1", "abc")), "weight of 'D1' must be a positive", 8, "weight"),
    (lambda n: n.assign(parent=n.parent.where(n.code != "P1", "S1")), "cycle|lead to the root", None, "parent"),
    (lambda n: n[n.code != "W1"], "pillar 'P3' has no children", 5, "code"),
    (lambda n: n.assign(concept=n.concept.where(n.code != "P2", "magic")), "unknown concept 'magic'", 4, "concept"),
    (lambda n: n.drop(columns="weight"), "lacks column 'weight'", None, "weight"),
])
def test_broken_node_tables_name_file_row_and_field(user_fw, fn, match, row, field):
    """``row`` is the line of nodes.csv (the header is line 1)."""
    _edit_nodes(user_fw, fn)
    with pytest.raises(spbe.SPBEError, match=match) as e:
        spbe.load_framework(user_fw)
    assert e.value.file.endswith("nodes.csv") and e.value.field == field
    if row is not None:
        assert e.value.row == row


@pytest.mark.parametrize("old,new,match,field", [
    ('lower = 1.5', 'lower = 3.5', "band lower edges must increase", "lower"),
    ('lower = 0.0', 'lower = 0.5', "must start at the scale minimum", "lower"),
    ('lower = 3.0', 'lower = 4.0', "at or above the scale maximum", "lower"),
    ('kind = "integer"', 'kind = "ordinal"', "kind must be one of", "kind"),
    ('max = 4', 'max = -1', "min must be below max", "max"),
    ('edge_rule = "unrounded"', 'edge_rule = "nearest"', "edge_rule must be one of", "edge_rule"),
    ('default = "arithmetic"', 'default = "median"', "aggregation must be", "index"),
    ('weights = "parent"', 'weights = "index"', "the root weighs 100 % but|parts add up", "weight"),
    ('[tree]', '[tre]', "missing table \\[tree\\]", "tree"),
    ('name = "Village', 'name = Village', "not valid TOML", None),
])
def test_broken_metadata_names_file_and_field(user_fw, old, new, match, field):
    _edit_toml(user_fw, old, new)
    with pytest.raises(spbe.SPBEError, match=match) as e:
        spbe.load_framework(user_fw)
    assert e.value.field == field


def test_missing_definition_is_a_clear_error(tmp_path):
    with pytest.raises(spbe.SPBEError, match="framework definition not found"):
        spbe.load_framework(tmp_path / "nowhere")


def test_conversion_validation(user_fw):
    block = ('\n[[conversions]]\nid = "census"\nindicator = "D1"\nexternal_index = "census coverage"\n'
             'kind = "thresholds"\ninput_min = 0\ninput_max = 100\nbreaks = [25, 50, 75]\nvalues = [1, 2, 3, 4]\n'
             'missing = 0\n')
    (user_fw / "framework.toml").write_text((user_fw / "framework.toml").read_text() + block)
    fw = spbe.load_framework(user_fw)
    assert fw.conversion_for("D1").apply(np.array([25, 25.1, 100])).tolist() == [1, 2, 4]
    bad = block.replace('indicator = "D1"', 'indicator = "P2"')
    (user_fw / "framework.toml").write_text((user_fw / "framework.toml").read_text().replace(block, bad))
    with pytest.raises(spbe.SPBEError, match="not an input \\(leaf\\)") as e:
        spbe.load_framework(user_fw)
    assert e.value.row == "conversions[0]" and e.value.field == "indicator"


# --- crosswalks -----------------------------------------------------------------------------------------------

def test_crosswalk_2018_2020():
    cw = spbe.get_crosswalk("2018", "2020")
    from18 = cw.dropna(subset=["from_code"])
    assert set(from18.from_code) == set(spbe.get_framework("2018").indicator_codes)  # 35 is linked item by item
    assert cw.loc[cw.from_code == "3", "to_code"].tolist() == ["1", "2"]
    assert cw.loc[cw.from_code.isin(["35-1", "35-2", "35-3"]), "to_code"].tolist() == ["45", "46", "47"]
    dropped = cw.loc[cw.relation == "dropped", "from_code"].tolist()
    assert dropped == ["2", "4", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"]
    new = cw.loc[cw.relation == "new", "to_code"].tolist()
    assert new == ["3", "6", "7", "8", "9", "17", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30",
                   "31", "38", "43"]
    shares = cw.dropna(subset=["from_code", "to_code"]).groupby("from_code")["share"].sum()
    assert np.allclose(shares, 1)


def test_crosswalk_2020_2026_covers_both_frameworks():
    cw = spbe.get_crosswalk("59/2020", "8/2026")
    fw20, fw26 = spbe.get_framework("2020"), spbe.get_framework("2026")
    assert set(cw.from_code.dropna()) == set(fw20.indicator_codes)  # every 59/2020 indicator is accounted for
    assert set(cw.to_code.dropna()) == set(fw26.indicator_codes)  # and every 8/2026 indicator
    assert cw.grade.isin(["B", "C"]).all()  # no official crosswalk exists: nothing is grade A
    new = set(cw.loc[cw.relation == "new", "to_code"])
    assert new == {"6", "7", "8", "11", "12", "17", "20"}
    assert set(cw.loc[cw.relation == "dropped", "from_code"]) == {str(i) for i in range(32, 42)} | {"44", "45", "46", "47"}
    assert (cw.evidence.str.len() > 10).all()


def test_crosswalk_file_validation(tmp_path):
    cw = spbe.get_crosswalk("59/2020", "8/2026")
    raw = cw[["from_code", "to_code", "relation", "share", "relation_note", "evidence", "grade"]].astype(object).fillna("")
    bad = raw.copy()
    bad.loc[0, "to_code"] = "21"
    bad.to_csv(tmp_path / "cw.csv", index=False)
    with pytest.raises(spbe.SPBEError, match="has no code '21'") as e:
        spbe.load_crosswalk(tmp_path / "cw.csv", "2020", "2026")
    assert e.value.row == 2 and e.value.field == "to_code"
