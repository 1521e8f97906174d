"""Framework definitions: structure, weights, validation and agreement with the raw tables."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spbe_research as spbe
from spbe_research.frameworks import validate

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "frameworks"


@pytest.mark.parametrize("name", ["2018", "PermenPANRB 5/2018", "permenpanrb 5/2018", "5/2018", 2018])
def test_2018_aliases(name):
    assert spbe.get_framework(name).name == "PermenPANRB 5/2018"


@pytest.mark.parametrize("name", ["2020", "PermenPANRB 59/2020", "59/2020", "PermenPANRB No. 59 Tahun 2020"])
def test_2020_aliases(name):
    assert spbe.get_framework(name).name == "PermenPANRB 59/2020"


@pytest.mark.parametrize("name", ["2019", "PermenPANRB 8/2026", "", "59/2021"])
def test_unknown_framework_raises(name):
    with pytest.raises(spbe.SPBEError, match="unknown framework"):
        spbe.get_framework(name)


def test_2018_structure_and_weights():
    fw = spbe.get_framework("2018")
    assert fw.indicators["indicator_no"].nunique() == 35
    assert len(fw.indicators) == 37  # 35-1, 35-2, 35-3 are scored separately
    assert len(fw.aspects) == 7 and len(fw.domains) == 3
    assert fw.levels == (0, 1, 2, 3, 4, 5)
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
    assert by_aspect == {"A1": [1.3], "A2": [2.5], "A3": [2.5], "A4": [2.5], "A5": [1.5], "A6": [1.5], "A7": [2.75], "A8": [3.0]}
    assert fw.indicators.set_index("indicator").loc[["29", "30", "31"], "aspect"].eq("A6").all()
    assert (fw.indicator_to_aspect.sum(axis=0) == pytest.approx(1)) and (fw.aspect_to_domain.sum(axis=0) == pytest.approx(1))


def test_level_names_and_citation():
    fw = spbe.get_framework("2020")
    process = fw.level_names.query("capability == 'process'").set_index("level")["name"]
    service = fw.level_names.query("capability == 'service'").set_index("level")["name"]
    assert process.tolist() == ["Rintisan", "Terkelola", "Terdefinisi", "Terpadu dan Terukur", "Optimum"]
    assert service.tolist() == ["Informasi", "Interaksi", "Transaksi", "Kolaborasi", "Optimum"]
    assert "Berita Negara RI Tahun 2020 Nomor 994" in fw.citation
    assert "Nomor 154" in spbe.get_framework("2018").citation
    assert set(fw.indicators.query("capability == 'service'").indicator_no) == set(range(32, 48))


@pytest.mark.parametrize("short,raw", [("2018", "spbe_frameworks_2018.csv"), ("2020", "spbe_frameworks_2020.csv")])
def test_package_data_matches_raw_tables(short, raw):
    """Names, tree and weights shipped in the package are those of the raw source tables."""
    fw = spbe.get_framework(short)
    src = pd.read_csv(RAW / raw)
    pkg = fw.indicators.groupby("indicator_no").agg(weight=("weight", "sum"), aspect=("aspect", "first"), domain=("domain", "first"))
    pkg_names = fw.indicators.drop_duplicates("indicator_no").set_index("indicator_no")["name"]
    assert pkg.index.tolist() == src.indicator_no.tolist()
    np.testing.assert_allclose(pkg.weight.to_numpy(), src.weight_percent.to_numpy(), atol=1e-9)
    assert all(pkg_names[n].startswith(name) for n, name in zip(src.indicator_no, src.indicator_name))
    asp_names = fw.aspects.set_index("aspect")["name"]
    dom_names = fw.domains.set_index("domain")["name"]
    assert (pkg.aspect.map(asp_names).to_numpy() == src.aspect.to_numpy()).all()
    assert (pkg.domain.map(dom_names).to_numpy() == src.domain.to_numpy()).all()


def _broken(fw, **changes):
    from dataclasses import replace
    return replace(fw, **changes)


def test_validation_catches_weights_that_do_not_add_up():
    fw = spbe.get_framework("2020")
    ind = fw.indicators.copy()
    ind.loc[ind.indicator == "5", "weight"] = 1.4
    with pytest.raises(spbe.SPBEError, match=r"aspect A1 weighs 13.0 % but its parts add up to 13.1"):
        validate(_broken(fw, indicators=ind))


def test_validation_catches_indicator_in_two_places():
    fw = spbe.get_framework("2020")
    ind = pd.concat([fw.indicators, fw.indicators.iloc[[0]]])
    with pytest.raises(spbe.SPBEError, match="indicator '1' defined twice"):
        validate(_broken(fw, indicators=ind))


def test_validation_catches_aspect_in_wrong_domain():
    fw = spbe.get_framework("2020")
    ind = fw.indicators.copy()
    ind.loc[ind.indicator == "47", "domain"] = "D3"
    with pytest.raises(spbe.SPBEError, match="indicator 47 says domain D3 but its aspect A8 is in D4"):
        validate(_broken(fw, indicators=ind))


def test_validation_catches_unknown_aspect_and_bad_domain_total():
    fw = spbe.get_framework("2018")
    ind = fw.indicators.copy()
    ind.loc[0, "aspect"] = "A9"
    with pytest.raises(spbe.SPBEError, match="unknown aspect 'A9'"):
        validate(_broken(fw, indicators=ind))
    dom = fw.domains.copy()
    dom.loc[0, "weight"] = 18.0
    with pytest.raises(spbe.SPBEError, match="domain D1 weighs 18.0 %"):
        validate(_broken(fw, domains=dom))


@pytest.mark.parametrize("year,name", [(2018, "PermenPANRB 5/2018"), (2020, "PermenPANRB 5/2018"), (2021, "PermenPANRB 59/2020"), (2024, "PermenPANRB 59/2020")])
def test_framework_for_year(year, name):
    assert spbe.framework_for_year(year).name == name


@pytest.mark.parametrize("year", [2017, 2020.5, "x"])
def test_framework_for_bad_year(year):
    with pytest.raises(spbe.SPBEError):
        spbe.framework_for_year(year)


def test_crosswalk():
    cw = spbe.get_crosswalk()
    assert cw.indicator_2018.nunique() == 35
    # split and dropped indicators
    assert cw.loc[cw.indicator_2018 == "3", "indicator_2020"].tolist() == ["1", "2"]
    assert cw.loc[cw.indicator_2018 == "35", "indicator_2020"].tolist() == ["45", "46", "47"]
    dropped = cw.loc[cw.indicator_2020.isna(), "indicator_2018"].tolist()
    assert dropped == ["2", "4", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"]
    new_2020 = sorted(set(spbe.get_framework("2020").indicator_codes) - set(cw.indicator_2020.dropna()), key=int)
    assert new_2020 == ["3", "6", "7", "8", "9", "17", "20", "21", "22", "23", "24", "25", "26", "27", "28",
                        "29", "30", "31", "38", "43"]
