# Two commands do all the set-up: `make reproduce` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: reproduce test data notebooks lab benchmark wheel clean

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
	rm -rf reports data/processed data/processed.* spbe_research/_data build dist
