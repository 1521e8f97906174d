# Two commands do all the set-up: `make reproduce` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: reproduce test data notebooks lab benchmark wheel clean docs docs-test export

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

## data: build data/processed/ from data/raw/ (checksums verified, validated, deterministic)
data: $(STAMP)
	$(PY) -m spbe_research.datasets build

## reproduce: install, build the data, execute every notebook and render it to reports/*.html
reproduce: data
	mkdir -p reports
	$(PY) -m jupyter nbconvert --to html --execute --output-dir reports $(NOTEBOOKS)

## test: unit, property and fuzz tests, the docstring examples of the package, then every notebook under nbval (strict)
test: data
	$(PY) -m pytest tests spbe_research --doctest-modules --nbval notebooks -q

## docs: the documentation site in docs/_build/html (Sphinx + MyST-NB; warnings are errors; doctests run)
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: data $(DOCS_STAMP)
	$(PY) -m sphinx -E -b html -W --keep-going -q docs docs/_build/html
	$(PY) -m sphinx -b doctest -W --keep-going -q docs docs/_build/doctest
	$(PY) -m pytest --doctest-modules spbe_research -q

## docs-test: the built site and report cards in a real headless browser (needs chromium and chromium-driver),
## and the Parquet export with pyarrow, which lives in .venv/parquet-only so the main environment stays without it
## (pyarrow changes pandas' string storage and so the notebooks' printed dtypes)
PARQUET_ONLY := $(VENV)/parquet-only
docs-test: docs
	$(PY) -m pytest tests/test_docs.py -m browser -q
	test -d $(PARQUET_ONLY)/pyarrow || $(PY) -m pip install --quiet --target $(PARQUET_ONLY) "pyarrow>=20,<27"
	PYTHONPATH=$(PARQUET_ONLY) $(PY) -m pytest tests/test_export.py -q

## export: the built data as Excel, Stata (.dta) and Parquet in exports/
export: data
	$(PY) -m spbe_research export exports/

## lab: open JupyterLab on the project
lab: $(STAMP)
	$(PY) -m jupyter lab --notebook-dir=.

## benchmark: performance benchmarks (not part of CI)
benchmark: $(STAMP)
	$(PY) -m pytest benchmarks -q -o python_files="bench_*.py" --benchmark-only --benchmark-columns=min,median,mean,rounds

## wheel: build the data from data/raw, ship it inside the package, and build dist/*.whl
wheel: data
	rm -rf spbe_research/_data build
	cp -rL data/processed spbe_research/_data
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf spbe_research/_data build

clean:
	rm -rf reports exports docs/_build docs/generated data/processed data/processed.* spbe_research/_data build dist
