"""The documentation site and the report card in a real headless browser, plus the citation and licence files.

Browser tests carry the ``browser`` marker: ``make test`` leaves them out (pyproject addopts), ``make docs-test``
(and so ``.ci/run``) builds the site and runs them with Debian's ``chromium`` and ``chromium-driver``. They fail,
never skip, when the browser or the built site is missing. Screenshots and the printed card go to
``docs/_build/test-artifacts/`` (or ``$SPBE_TEST_ARTIFACTS``).
"""
from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import shutil
import threading
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import spbe_research

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "_build" / "html"
ARTIFACTS = Path(os.environ.get("SPBE_TEST_ARTIFACTS", ROOT / "docs" / "_build" / "test-artifacts"))


# ------------------------------------------------------------------------------------------ files (make test)
def test_version_is_one_number_everywhere():
    version = spbe_research.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == version  # installed metadata is what __version__ reads
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.findall(r'^version: "([^"]+)"', cff, flags=re.M) == [version]
    assert f'    version: "{version}"' in cff  # the data's reference carries the package's version
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()


def test_licence_files_cover_code_and_every_source():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    data = (ROOT / "DATA_LICENSE.md").read_text()
    for term in ("ODbL 1.0", "CC BY 4.0", "not subject to copyright", "states no licence", "no licence stated"):
        assert term in data, term
    # every licence named in the raw sources' register is addressed
    import csv
    with open(ROOT / "data" / "raw" / "SOURCES.csv", newline="", encoding="utf-8") as f:
        licences = {row["licence"] for row in csv.DictReader(f)}
    for lic in licences:
        key = ("ODbL" if "ODbL" in lic else "CC BY 4.0" if "CC BY" in lic else "MIT" if lic.startswith("MIT")
               else "not subject to copyright" if "not subject" in lic else "licence")
        assert key in data, lic


def test_api_reference_covers_every_public_module():
    """Every public module or subpackage has a page (subpackages document their whole public API)."""
    import ast
    import pkgutil
    tree = ast.parse((ROOT / "docs" / "_ext" / "spbe_docs.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.AnnAssign | ast.Assign)
                and "API_MODULES" in ast.unparse(n.targets[0] if isinstance(n, ast.Assign) else n.target))
    listed = {m for mods in ast.literal_eval(node.value).values() for m in mods}
    packages = {m.name for m in pkgutil.iter_modules(spbe_research.__path__, "spbe_research.") if m.ispkg}
    public = {m.name for m in pkgutil.walk_packages(spbe_research.__path__, "spbe_research.")
              if not any(part.startswith("_") for part in m.name.split("."))}
    documented = lambda m: m in listed or any(m.startswith(p + ".") and p in listed and p != "spbe_research.plotting"
                                             for p in packages)
    assert not {m for m in public if not documented(m) and m != "spbe_research.plotting"}
    assert listed <= public | {"spbe_research"}


# ------------------------------------------------------------------------------------------ alt text (make test)
def test_saved_figures_carry_their_description(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting.frameworks import predicate_bands_figure
    from spbe_research.plotting.style import alt_text, figure_bytes, save_figure

    before = dict(matplotlib.rcParams)
    ax = predicate_bands_figure("2020")
    assert dict(matplotlib.rcParams) == before  # plotting leaves the global settings alone
    alt = alt_text(ax)
    assert alt.startswith("Predicate bands of PermenPANRB 59/2020")
    svg = save_figure(ax, tmp_path / "bands.svg").read_bytes()
    assert f"<desc>{alt}</desc>".encode() in svg and b'role="img"' in svg
    assert svg == figure_bytes(ax, "svg")  # no time stamp: the same figure gives the same bytes
    pdf = save_figure(ax, tmp_path / "bands.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Subject" in pdf and b"/CreationDate" not in pdf
    png = save_figure(ax, tmp_path / "bands.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Predicate bands of PermenPANRB 59/2020" in png
    with pytest.raises(ValueError, match="format must be one of"):
        figure_bytes(ax, "jpg")
    plt.close("all")


#: figures each notebook shows (a figure that disappears, or appears without a description, fails the test)
NOTEBOOK_FIGURES = {
    "01_scoring_quickstart.ipynb": 6, "01_scoring_quickstart_solutions.ipynb": 0, "02_data_cleaning.ipynb": 1,
    "03_reproducing_published_scores.ipynb": 2, "04_framework_change_impact.ipynb": 9,
    "05_weights_uncertainty_and_sensitivity.ipynb": 4, "06_target_planning.ipynb": 4,
    "06_target_planning_solutions.ipynb": 0, "07_who_leads_and_lags.ipynb": 6,
    "08_the_2026_switch_to_indeks_pemdi.ipynb": 6, "09_what_goes_with_high_scores.ipynb": 8,
    "10_auditing_the_index.ipynb": 7,
}


def test_every_notebook_is_listed():
    assert sorted(NOTEBOOK_FIGURES) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_FIGURES))
def test_notebook_figures_carry_alt_text(notebook):
    """Each figure output has its description (with a number from the data) as alt metadata and as its text;
    figures go through plotting.style.show, and no notebook reads anything under tests/."""
    import json
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    for out in images:
        alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert len(alt) > 60 and any(ch.isdigit() for ch in alt), f"a figure without a description: {alt!r}"
        assert "".join(out["data"]["text/plain"]) == f"<Figure: {alt}>"
    assert len(images) == NOTEBOOK_FIGURES[notebook]
    assert not any("plt.show()" in "".join(c["source"]) for c in code)
    assert not any("tests/" in "".join(c["source"]) for c in code)


# ------------------------------------------------------------------------------------------ browser fixtures
@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("the browser tests need Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver); .ci/run installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site():
    """The built site served on the loopback interface (as a reader would open it)."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site in {SITE}: run `make docs` first (make docs-test does)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _pages() -> list[str]:
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).as_posix().startswith(("_modules/", "_sources/", "_static/")))


def _broken_images(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);")


def _alts(driver) -> list[str]:
    return driver.execute_script("return Array.from(document.images).map(i => i.getAttribute('alt') || '');")


# ------------------------------------------------------------------------------------------ the site
@pytest.mark.browser
def test_every_page_loads_with_its_figures(browser, site):
    pages = _pages()
    assert len(pages) > 40
    problems = []
    n_images = 0
    for page in pages:
        browser.get(site + page)
        title = browser.title
        if not title or "404" in title or "Error" in title:
            problems.append(f"{page}: title {title!r}")
        broken = _broken_images(browser)
        if broken:
            problems.append(f"{page}: images not shown {broken}")
        n_images += len(browser.find_elements("tag name", "img"))
        if not all(a.strip() for a in _alts(browser)):
            problems.append(f"{page}: an image without alt text")
    assert not problems, "\n".join(problems)
    assert n_images >= 40  # notebooks and framework figures are on the site
    browser.get(site + "index.html")
    browser.save_screenshot(str(ARTIFACTS / "docs_index.png"))


@pytest.mark.browser
def test_internal_links_resolve():
    missing = []
    for page in _pages():
        html = (SITE / page).read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#?]+)[^"]*"', html):
            if re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue
            target = (SITE / page).parent / unquote(urlparse(href).path)
            if not target.exists():
                missing.append(f"{page} -> {href}")
    assert not missing, "\n".join(missing[:30])


NO_DESCRIPTION = "Figure without a description yet"  # docs/_ext/spbe_docs.py: alt of an undescribed figure


@pytest.mark.browser
@pytest.mark.parametrize("page, n_figures", [("generated/notebooks/06_target_planning.html", 4)])
def test_notebook_figures_carry_their_descriptions(browser, site, page, n_figures):
    browser.get(site + page)
    alts = _alts(browser)
    assert len(alts) == n_figures and not _broken_images(browser)
    assert all(len(a) > 60 and not a.startswith(NO_DESCRIPTION) for a in alts), alts
    assert alts[0].startswith("Bar chart of the index points one level step")
    assert "from 2.01 to 3.00" in alts[1]
    browser.save_screenshot(str(ARTIFACTS / "docs_notebook_06.png"))


@pytest.mark.browser
def test_framework_pages_from_the_definitions(browser, site):
    for name in spbe_research.list_frameworks()["name"]:
        fw = spbe_research.get_framework(name)
        browser.get(site + f"generated/frameworks/{fw.id}.html")
        text = browser.find_element("tag name", "article").text
        assert fw.name in browser.title
        for band in fw.predicates:
            assert band in text
        assert fw.indicator_codes[-1] in text
        alts = _alts(browser)
        assert len(alts) == 1 and alts[0].startswith("Sunburst") and not _broken_images(browser)


@pytest.mark.browser
def test_data_dictionary_lists_every_column(browser, site):
    from spbe_research import datasets
    browser.get(site + "generated/data_dictionary.html")
    text = browser.find_element("tag name", "article").text
    for column in datasets.load_results().columns:
        assert column in text, column


@pytest.mark.browser
@pytest.mark.parametrize("query, expected", [
    ("plan_target", "generated/api/spbe_research.planning.html"),
    ("Kendari", "generated/notebooks/06_target_planning.html"),
    ("ODbL", "licences.html"),
])
def test_search_finds_pages(browser, site, query, expected):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + f"search.html?q={query}")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.querySelectorAll('#search-results ul.search li').length") > 0)
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a')).map(a => a.href);")
    assert any(expected in link for link in links), links[:10]
    if query == "plan_target":
        browser.save_screenshot(str(ARTIFACTS / "docs_search.png"))


# ------------------------------------------------------------------------------------------ report card
@pytest.mark.browser
@pytest.mark.parametrize("query", ["74.71", "35.06"])
def test_report_card_in_the_browser(browser, query):
    from selenium.webdriver.common.print_page_options import PrintOptions

    from spbe_research import report

    path = report.write_card(query, ARTIFACTS / f"report_card_{query}.html")
    browser.set_window_size(900, 1300)
    browser.get(path.resolve().as_uri())
    name = report.find_institution(query)["institution_name"]
    assert browser.title == f"SPBE report card: {name}"
    assert not _broken_images(browser)
    alts = _alts(browser)
    assert len(alts) == 2 and all(name in a for a in alts)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(900, height + 20)
    browser.save_screenshot(str(ARTIFACTS / f"report_card_{query}.png"))
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in cm
    pdf = base64.b64decode(browser.print_page(options))
    (ARTIFACTS / f"report_card_{query}.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 1, f"the card prints on {pages} pages"
    browser.set_window_size(1280, 1000)
