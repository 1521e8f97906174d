"""Benchmark: ``news.extract_scores`` on SYNTHETIC flattened result-table pages (seeded, not real data).

A page is a title naming the evaluation ("Hasil Evaluasi SPBE ... Tahun 2024") followed by rows
"<n>Pemerintah Kabupaten <name><index><predicate>" with random names and indices (seed 0), padded to
the target size; about 43 bytes a row, so 100 KB holds ~2,300 scores and 1 MB ~23,000.
Two layouts of the same rows, measured in the same run: one row per line, and rows separated by a
space (the whole table one long sentence, the worst case for per-sentence work). The densest page
possible is measured too: 1 MB of nothing but values ("3,1 3,1 ...", ~250,000 of them), in the same
two layouts.

Baselines, measured in the same run:

* ``news_before.py``, a verbatim copy of the extractor before the linear-time rewrite, on 10 KB and
  20 KB only (it is quadratic: 100 KB takes about a minute, 1 MB does not finish);
* optionally any other version of ``spbe_research/news.py`` named by ``NEWS_BASELINE``, on the same
  100 KB and 1 MB pages, e.g. the extractor before the layout-independence work::

    git show 16aa99a:spbe_research/news.py > /tmp/news_16aa99a.py
    NEWS_BASELINE=/tmp/news_16aa99a.py make benchmark

    .venv/bin/python -m pytest benchmarks/bench_news.py -q -o python_files="bench_*.py" --benchmark-only \
        --benchmark-columns=min,median,mean,rounds
"""
from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path

import pytest

from spbe_research.news import extract_scores

pytestmark = pytest.mark.benchmark(group="news.extract_scores: synthetic flattened table pages")

_PREDICATES = ((1.8, "Kurang"), (2.6, "Cukup"), (3.5, "Baik"), (4.2, "Sangat Baik"), (5.01, "Memuaskan"))
LAYOUTS = {"lines": "\n", "sentence": " "}   # one row per line; the whole table one sentence
SIZES = {"100KB": 100_000, "1MB": 1_000_000}


def table_page(size: int, seed: int = 0, sep: str = " ") -> tuple[str, int]:
    """A synthetic flattened table of about ``size`` characters and the number of rows in it."""
    rng = random.Random(seed)
    rows, n, length = ["Hasil Evaluasi SPBE Pemerintah Daerah Tahun 2024", "NoNama InstansiIndeksPredikat"], 0, 0
    while length < size:
        n += 1
        name = "".join(rng.choice("abcdefghijklmnoprstu") for _ in range(rng.randint(4, 9))).title()
        value = round(rng.uniform(1.0, 4.9), 2)
        predicate = next(p for edge, p in _PREDICATES if value < edge)
        row = f"{n}Pemerintah Kabupaten {name}{value:.2f}".replace(".", ",") + predicate
        rows.append(row)
        length += len(row) + 1
    return "\n".join(rows[:2]) + "\n" + sep.join(rows[2:]), n


def values_page(size: int, sep: str = " ") -> str:
    """``size`` characters of values after one institution: the most values a page can hold."""
    head = "Indeks SPBE Pemerintah Kabupaten Sleman" + sep
    return head + ("3,1" + sep) * ((size - len(head)) // 4)


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(f"spbe_research.{name}", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "spbe_research"
    sys.modules[spec.name] = module   # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module.extract_scores


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("size", SIZES)
def test_linear(benchmark, size, layout):
    text, n = table_page(SIZES[size], sep=LAYOUTS[layout])
    out = benchmark.pedantic(extract_scores, args=(text,), rounds=3, iterations=1, warmup_rounds=0)
    # Random names can repeat with the same value: such rows are one (institution, year, index).
    assert len(out) > 0.99 * n and (out["year"] == 2024).all()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_densest_page(benchmark, layout):
    out = benchmark.pedantic(extract_scores, args=(values_page(1_000_000, LAYOUTS[layout]),), rounds=3,
                             iterations=1, warmup_rounds=0)
    assert out["institution"].tolist() == ["Kabupaten Sleman"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.skipif(not os.environ.get("NEWS_BASELINE"), reason="set NEWS_BASELINE to a news.py to compare")
def test_baseline(benchmark, size, layout):
    text, n = table_page(SIZES[size], sep=LAYOUTS[layout])
    baseline = _load(Path(os.environ["NEWS_BASELINE"]), "_news_baseline")
    out = benchmark.pedantic(baseline, args=(text,), rounds=1, iterations=1, warmup_rounds=0)
    assert len(out) > 0.99 * n


@pytest.mark.parametrize("size", [10_000, 20_000], ids=["10KB", "20KB"])
def test_before(benchmark, size):
    text, n = table_page(size)
    out = benchmark.pedantic(_load(Path(__file__).with_name("news_before.py"), "_news_before"), args=(text,),
                             rounds=1, iterations=1, warmup_rounds=0)
    assert len(out) > 0
