"""Benchmark: ``news.extract_scores`` on SYNTHETIC flattened result-table pages (seeded, not real data).

A page is a title naming the evaluation ("Hasil Evaluasi SPBE ... Tahun 2024") followed by rows
"<n>Pemerintah Kabupaten <name><index><predicate>" with random names and indices (seed 0), padded to
the target size; about 43 bytes a row, so 100 KB holds ~2,300 scores and 1 MB ~23,000.
Rows are separated by a space (one long sentence, the worst case for per-sentence rescans).
Baseline: the extractor as it was before the linear-time rewrite (``news_before.py``, a verbatim copy
of the earlier ``spbe_research/news.py``), measured in the same run on 10 KB and 20 KB pages only
(it is quadratic: 100 KB takes about a minute, 1 MB does not finish).

    .venv/bin/python -m pytest benchmarks/bench_news.py -q -o python_files="bench_*.py" --benchmark-only \
        --benchmark-columns=min,median,mean,rounds
"""
from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from spbe_research.news import extract_scores

pytestmark = pytest.mark.benchmark(group="news.extract_scores: synthetic flattened table pages")

_PREDICATES = ((1.8, "Kurang"), (2.6, "Cukup"), (3.5, "Baik"), (4.2, "Sangat Baik"), (5.01, "Memuaskan"))


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


def _load_before():
    path = Path(__file__).with_name("news_before.py")
    spec = importlib.util.spec_from_file_location("spbe_research._news_before", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "spbe_research"
    sys.modules[spec.name] = module   # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module.extract_scores


@pytest.mark.parametrize("size", [20_000, 100_000, 1_000_000], ids=["20KB", "100KB", "1MB"])
def test_linear(benchmark, size):
    text, n = table_page(size)
    out = benchmark.pedantic(extract_scores, args=(text,), rounds=3, iterations=1, warmup_rounds=0)
    # Random names can repeat with the same value: such rows are one (institution, year, index).
    assert len(out) > 0.99 * n and (out["year"] == 2024).all()


@pytest.mark.parametrize("size", [10_000, 20_000], ids=["10KB", "20KB"])
def test_before(benchmark, size):
    text, n = table_page(size)
    out = benchmark.pedantic(_load_before(), args=(text,), rounds=1, iterations=1, warmup_rounds=0)
    assert len(out) > 0
