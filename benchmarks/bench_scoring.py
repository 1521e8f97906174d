"""Scoring 1,000,000 synthetic profiles under every shipped framework against a bare matrix product.

The profiles are SYNTHETIC (seeded: uniform levels for integer frameworks, uniform values for Indeks Pemdi): they
measure speed only. For each framework, in the same run:

* baseline: the same aggregation as ONE bare matrix product — the profiles times the matrix that maps inputs to
  every reported node (aspects, domains, index), with no checks, no banding and no DataFrame;
* ``score(ndarray)`` and ``score(DataFrame)``: validation, aggregation, predicate (banding) and the result frame;
* Indeks Pemdi with conversions: 13 indicators as values plus the 7 external indices (Satu Data Indonesia 0-100,
  SJIG, EPSS, IKASANDI ×3, interoperability) converted by the definition's rules, with the missing-index rule;
  its baseline does the same conversions in bare numpy (binary search on the breaks, affine maps), then the
  product.

Target: ``score`` within 1.5× of its baseline. Run with ``make benchmark``.
"""
import numpy as np
import pandas as pd
import pytest

import spbe_research as spbe

N = 1_000_000
FRAMEWORKS = {name: spbe.get_framework(name) for name in ("2018", "2020", "2026", "draft-2025")}


def _profiles(fw, seed=0):
    rng = np.random.default_rng(seed)
    k = len(fw.indicator_codes)
    if fw.is_integer:
        return rng.integers(int(fw.scale_min), int(fw.scale_max) + 1, size=(N, k), dtype=np.int8)
    return np.round(rng.uniform(fw.scale_min, fw.scale_max, size=(N, k)), 2)


@pytest.fixture(scope="module", params=list(FRAMEWORKS), ids=lambda n: FRAMEWORKS[n].name)
def case(request):
    fw = FRAMEWORKS[request.param]
    return fw, _profiles(fw)


def baseline(mat, fw):
    comp = fw.compiled
    return mat @ comp.composition[:, list(comp.reported)]


def test_baseline_matrix_product(benchmark, case):
    fw, mat = case
    benchmark.group = f"scoring 1,000,000 profiles: {fw.name}"
    out = benchmark(baseline, mat, fw)
    assert out.shape == (N, len(fw.compiled.reported))


def test_score_numpy_input(benchmark, case):
    fw, mat = case
    benchmark.group = f"scoring 1,000,000 profiles: {fw.name}"
    out = benchmark(spbe.score, mat, fw)
    np.testing.assert_allclose(out["index"].to_numpy(), baseline(mat.astype(float), fw)[:, -1])


def test_score_dataframe_input(benchmark, case):
    fw, mat = case
    benchmark.group = f"scoring 1,000,000 profiles: {fw.name}"
    df = pd.DataFrame(mat, columns=list(fw.indicator_codes))
    out = benchmark(spbe.score, df, fw)
    assert len(out) == N


@pytest.fixture(scope="module")
def pemdi_external():
    fw = FRAMEWORKS["2026"]
    rng = np.random.default_rng(1)
    own = [c for c in fw.indicator_codes if fw.conversion_for(c) is None]
    levels = pd.DataFrame(np.round(rng.uniform(1, 5, (N, len(own))), 2), columns=own)
    ext = pd.DataFrame({c.id: rng.uniform(c.input_min, c.input_max, N) for c in fw.conversions})
    ext.iloc[::10, 3] = np.nan  # one IKASANDI score in ten missing: the assessors' rule sets it to 1
    full = np.empty((N, len(fw.indicator_codes)))
    for j, code in enumerate(fw.indicator_codes):
        conv = fw.conversion_for(code)
        full[:, j] = levels[code] if conv is None else np.nan_to_num(conv.apply(ext[conv.id].to_numpy()), nan=1.0)
    return fw, levels, ext, full


def baseline_converted(levels: np.ndarray, ext: np.ndarray, fw, plan):
    """The same work in bare numpy, no checks: each external index converted by its rule (np.searchsorted on the
    breaks, or the affine map), a missing one set to the assessors' value, then ONE matrix product."""
    full = np.empty((len(levels), len(fw.indicator_codes)))
    full[:, plan["own"]] = levels
    for j, (pos, kind, breaks, values, side, a, b, fill) in enumerate(plan["conv"]):
        x = ext[:, j]
        if kind == "thresholds":
            y = values[np.minimum(np.searchsorted(breaks, x, side=side), len(values) - 1)]
        elif kind == "linear":
            y = a + b * x
        else:
            y = x.copy()
        y[np.isnan(x)] = fill
        full[:, pos] = y
    return baseline(full, fw)


def _plan(fw, own, ext_cols):
    pos = {c: i for i, c in enumerate(fw.indicator_codes)}
    conv = []
    for cid in ext_cols:
        c = next(c for c in fw.conversions if c.id == cid)
        b = (c.output_max - c.output_min) / (c.input_max - c.input_min) if c.kind == "linear" else 0.0
        conv.append((pos[c.indicator], c.kind, np.asarray(c.breaks, float), np.asarray(c.values, float),
                     "left" if c.closed == "right" else "right", (c.output_min or 0) - b * c.input_min, b,
                     c.missing))
    return {"own": [pos[c] for c in own], "conv": conv}


def test_baseline_pemdi_converted(benchmark, pemdi_external):
    fw, levels, ext, full = pemdi_external
    benchmark.group = "scoring 1,000,000 profiles: PermenPANRB 8/2026 with external indices"
    plan = _plan(fw, list(levels.columns), list(ext.columns))
    lv, ex = levels.to_numpy(), ext.to_numpy()
    out = benchmark(baseline_converted, lv, ex, fw, plan)
    np.testing.assert_allclose(out, baseline(full, fw))


def test_score_pemdi_with_conversions(benchmark, pemdi_external):
    fw, levels, ext, full = pemdi_external
    benchmark.group = "scoring 1,000,000 profiles: PermenPANRB 8/2026 with external indices"
    out = benchmark(spbe.score, levels, fw, external=ext, missing_external="rule")
    np.testing.assert_allclose(out["index"].to_numpy(), baseline(full, fw)[:, -1])
